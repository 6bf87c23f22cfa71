#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "zhixuan/train/ease.hpp"
#include "zhixuan/train/tune.hpp"

using namespace zhixuan;

namespace {

// Users in 4 taste groups over `items` items (an LCG, no std distributions): 85% of a user's
// items from their group's quarter, the rest anywhere, 8..19 items each.
InteractionTable GroupedTable(int users, int items, uint32_t seed = 17) {
  InteractionTable t;
  uint64_t state = seed;
  auto next = [&] { return (state = state * 6364136223846793005ull + 1442695040888963407ull) >> 33; };
  for (int u = 0; u < users; ++u) {
    std::set<int> chosen;
    const int want = 8 + static_cast<int>(next() % 12);
    while (static_cast<int>(chosen.size()) < want) {
      const int quarter = items / 4;
      chosen.insert(next() % 100 < 85 ? (u % 4) * quarter + static_cast<int>(next() % quarter) : static_cast<int>(next() % items));
    }
    for (int i : chosen) {
      t.users.push_back("u" + std::to_string(u));
      t.items.push_back("i" + std::to_string(i));
      t.weights.push_back(1.f);
      t.lines.push_back(static_cast<int64_t>(t.lines.size()) + 2);
    }
  }
  return t;
}

TrainParams SmallDefaults() {
  TrainParams p;
  p.dim = 16;
  p.epochs = 6;
  p.foldin.reg = 0.01f;
  p.item_reg = 0.01f;
  p.foldin.alpha = 0.f;
  p.foldin.unobserved_weight = 0.3f;
  p.foldin.reg_exponent = 1.f;
  p.threads = 1;
  return p;
}

TuneOptions SmallOptions(int trials) {
  TuneOptions o;
  o.budget_seconds = 1e6;  // the trial count decides: reproducible on any machine
  o.max_trials = trials;
  o.max_dim = 32;
  o.threads = 1;
  return o;
}

}  // namespace

TEST_CASE("EASE for many lambdas ranks like the direct EASE", "[tune][ease]") {
  // Fewer training users than items (the Woodbury form) and more (the primal form).
  for (auto [users, items] : {std::pair{60, 120}, std::pair{300, 40}}) {
    auto cut = MakeTuneCut(GroupedTable(users, items), SmallOptions(1), 0);
    REQUIRE(cut.ok());
    auto path = EaseLambdaPath::Create(*cut);
    REQUIRE(path.ok());
    for (float lambda : {5.f, 50.f}) {
      auto direct = EaseRankings(*cut, lambda, 10, 1);
      auto fast = path->Rank(lambda, 10, 1);
      REQUIRE(direct.ok());
      REQUIRE(fast.ok());
      auto a = Evaluate(*direct, cut->target), b = Evaluate(*fast, cut->target);
      REQUIRE(b->ndcg100 == Approx(a->ndcg100).margin(1e-6));
      // The lists agree up to rounding: near-ties may swap, so most tops are identical.
      int same_top = 0;
      for (size_t u = 0; u < direct->size(); ++u) same_top += (*direct)[u][0] == (*fast)[u][0];
      REQUIRE(same_top >= static_cast<int>(direct->size()) * 9 / 10);
    }
    REQUIRE(path->Rank(0, 10, 1).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("tune cuts hold out users of the training table only", "[tune]") {
  const InteractionTable train = GroupedTable(200, 80);
  std::set<std::pair<std::string, std::string>> rows;
  for (size_t k = 0; k < train.users.size(); ++k) rows.insert({train.users[k], train.items[k]});
  std::set<std::string> held_first;
  for (int c = 0; c < 3; ++c) {
    auto cut = MakeTuneCut(train, SmallOptions(1), c);
    REQUIRE(cut.ok());
    std::set<std::string> held(cut->test_users.begin(), cut->test_users.end());
    REQUIRE(held.size() >= 30);  // ~20% of 200
    for (const std::string& u : held) REQUIRE(cut->train.users.Find(u) < 0);  // never trained on
    for (const SparseMatrix* m : {&cut->history, &cut->target})
      for (int32_t u = 0; u < m->rows; ++u)
        for (int64_t e = m->offsets[u]; e < m->offsets[u + 1]; ++e)
          REQUIRE(rows.count({cut->test_users[u], cut->train.items.ids()[m->indices[e]]}) == 1);
    if (c == 0) held_first = held;
    else REQUIRE(held != held_first);  // each cut holds out other users
  }
}

TEST_CASE("a fixed seed gives the same search, another seed another one", "[tune]") {
  const InteractionTable train = GroupedTable(240, 80);
  TuneOptions o = SmallOptions(8);
  auto a = TuneImplicitAls(train, SmallDefaults(), o);
  auto b = TuneImplicitAls(train, SmallDefaults(), o);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(a->searched);
  REQUIRE(a->runs == 8);
  REQUIRE(a->stopped_by == "trials");
  REQUIRE(a->candidates < 8);  // successive halving promoted some candidates to a second cut
  REQUIRE(a->cuts_used >= 2);
  REQUIRE(a->best.dim == b->best.dim);
  REQUIRE(a->best.epochs == b->best.epochs);
  REQUIRE(a->best.foldin.reg == b->best.foldin.reg);
  REQUIRE(a->best.item_reg == b->best.item_reg);
  REQUIRE(a->best.foldin.unobserved_weight == b->best.foldin.unobserved_weight);
  REQUIRE(a->best.foldin.reg_exponent == b->best.foldin.reg_exponent);
  REQUIRE(a->validation.ndcg100 == b->validation.ndcg100);
  REQUIRE(a->ease_lambda == b->ease_lambda);
  // The winner is at least as good as the defaults on the cut both ran on.
  REQUIRE(a->defaults_scored);
  REQUIRE(a->best_cut1.ndcg100 >= a->defaults_cut1.ndcg100 - 1e-9);
  // Threads do not change the choice.
  o.threads = 2;
  auto c = TuneImplicitAls(train, SmallDefaults(), o);
  REQUIRE(c->best.foldin.reg == a->best.foldin.reg);
  REQUIRE(c->validation.ndcg100 == Approx(a->validation.ndcg100).margin(1e-9));

  o.threads = 1;
  o.seed = 7;
  auto d = TuneImplicitAls(train, SmallDefaults(), o);
  REQUIRE(d.ok());
  REQUIRE(d->validation.ndcg100 != a->validation.ndcg100);
}

TEST_CASE("the budget bounds the search: 0 keeps the defaults, one smaller than a run runs nothing", "[tune]") {
  const InteractionTable train = GroupedTable(240, 80);
  TuneOptions o = SmallOptions(0);
  o.budget_seconds = 0;
  int reports = 0;
  o.on_progress = [&](const TuneProgress&) { ++reports; };
  auto none = TuneImplicitAls(train, SmallDefaults(), o);
  REQUIRE(none.ok());
  REQUIRE_FALSE(none->searched);
  REQUIRE(none->runs == 0);
  REQUIRE(reports == 0);
  REQUIRE(none->best.dim == 16);
  REQUIRE(none->best.epochs == 6);

  o.budget_seconds = 1e-9;  // the probe measures the pace; no run (not even the defaults) fits
  auto tiny = TuneImplicitAls(train, SmallDefaults(), o);
  REQUIRE(tiny.ok());
  REQUIRE(tiny->runs == 0);
  REQUIRE_FALSE(tiny->searched);
  REQUIRE(tiny->stopped_by == "budget");
  REQUIRE(tiny->probe_seconds > 0);
  REQUIRE(tiny->final_seconds_predicted > 0);
  REQUIRE(tiny->best.dim == 16);
  REQUIRE(tiny->best.epochs == 6);
  REQUIRE(reports == 0);
}

TEST_CASE("every run of a budgeted search was predicted to fit with the final training after it", "[tune]") {
  // The tuner's own accounting, not a stopwatch: each run started only when its predicted time
  // and the final training's fitted in what was left, and those predictions come from the pace
  // measured so far, so they track the measured run times.
  const InteractionTable train = GroupedTable(300, 120);
  TuneOptions o = SmallOptions(0);
  o.max_dim = 64;
  auto first = TuneImplicitAls(train, SmallDefaults(), [&] { TuneOptions one = o; one.max_trials = 1; return one; }());
  REQUIRE(first.ok());
  REQUIRE(first->accounts.size() == 1);
  // A budget of about four runs of the defaults.
  o.budget_seconds = first->probe_seconds + 4 * (first->accounts[0].seconds + first->final_seconds_predicted);
  auto r = TuneImplicitAls(train, SmallDefaults(), o);
  REQUIRE(r.ok());
  REQUIRE(r->stopped_by == "budget");
  REQUIRE(r->runs >= 1);
  REQUIRE(static_cast<int>(r->accounts.size()) == r->runs);
  double measured = 0, predicted = 0;
  for (const auto& a : r->accounts) {
    REQUIRE(a.started + a.predicted + a.reserved <= o.budget_seconds);
    REQUIRE(a.predicted > 0);
    REQUIRE(a.reserved > 0);
    measured += a.seconds;
    predicted += a.predicted;
  }
  REQUIRE(r->final_seconds_predicted > 0);
  REQUIRE(r->final_seconds_predicted <= o.budget_seconds);
  // The predictions are of the right size (generous: timing on a shared machine is noisy).
  REQUIRE(predicted > measured / 20);
  REQUIRE(predicted < measured * 20);
}

TEST_CASE("the tune record in the manifest holds the chosen values, validation and EASE", "[tune]") {
  const InteractionTable train = GroupedTable(240, 80);
  const TuneOptions o = SmallOptions(4);
  auto r = TuneImplicitAls(train, SmallDefaults(), o);
  REQUIRE(r.ok());
  REQUIRE(r->ease_scored);
  std::vector<float> rows(80 * 4, 0.1f);
  std::vector<std::string> ids;
  for (int i = 0; i < 80; ++i) ids.push_back("i" + std::to_string(i));
  auto model = MakeModel(ids, rows.data(), 4, DType::kF32, r->best.foldin, "v");
  REQUIRE(model.ok());
  REQUIRE(AddTuneRecord(*r, o, &*model).ok());
  const std::vector<uint8_t> bytes = SaveModel(*model);
  auto loaded = LoadModel(bytes.data(), bytes.size());
  REQUIRE(loaded.ok());
  const auto tune = nlohmann::json::parse(loaded->manifest.json)["tune"];
  REQUIRE(tune["searched"] == true);
  REQUIRE(tune["runs"] == 4);
  REQUIRE(tune["chosen"]["dim"] == r->best.dim);
  REQUIRE(tune["chosen"]["epochs"] == r->best.epochs);
  for (const char* key : {"reg", "item_reg", "alpha", "unobserved_weight", "reg_exponent"}) REQUIRE(tune["chosen"].contains(key));
  REQUIRE(tune["validation"]["ndcg100"].get<double>() == Approx(r->validation.ndcg100));
  REQUIRE(tune["ease"]["lambda"].get<double>() == Approx(r->ease_lambda));
  REQUIRE(tune["ahead_of_ease"] == (r->validation.ndcg100 >= r->ease.ndcg100));
}

TEST_CASE("the last step retries the winner at the next dim up and keeps it only if validation improves", "[tune]") {
  const InteractionTable train = GroupedTable(300, 160);  // dims 32 and 64 (up to items / 2)
  TuneOptions o = SmallOptions(0);
  o.max_dim = 64;
  o.ease = false;
  TuneOptions one = o;
  one.max_trials = 1;
  auto first = TuneImplicitAls(train, SmallDefaults(), one);
  REQUIRE(first.ok());
  REQUIRE(first->retry_cuts == 0);  // a trial count fixes the runs: no last step
  REQUIRE(first->retry_note == "the trial count was reached");
  // A budget of a few dozen runs: the search keeps room for the last step.
  o.budget_seconds = first->probe_seconds + 30 * (first->accounts[0].seconds + first->final_seconds_predicted);
  auto r = TuneImplicitAls(train, SmallDefaults(), o);
  REQUIRE(r.ok());
  REQUIRE(r->searched);
  REQUIRE(static_cast<int>(r->accounts.size()) == r->runs);
  for (const auto& a : r->accounts) REQUIRE(a.started + a.predicted + a.reserved <= o.budget_seconds);
  if (r->retry_dim == 0) {  // the winner was already at 64
    REQUIRE(r->best.dim == 64);
    return;
  }
  REQUIRE(r->retry_dim > 16);
  if (r->retry_cuts == 0) {  // only when the pace changed after the room was kept
    REQUIRE(r->retry_note == "did not fit in the budget");
    return;
  }
  if (r->retry_kept) {
    REQUIRE(r->best.dim == r->retry_dim);
    REQUIRE(r->validation.ndcg100 == r->retry_validation.ndcg100);
    REQUIRE(r->retry_cuts == r->cuts_used);
  } else {
    REQUIRE(r->best.dim < r->retry_dim);
    if (r->retry_cuts == r->cuts_used) REQUIRE(r->validation.ndcg100 >= r->retry_validation.ndcg100);
  }
}
