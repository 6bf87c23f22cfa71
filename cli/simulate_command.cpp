// zhixuan simulate: federated rounds on a split, every training user a client of a real
// aggregation server (js/server, spawned as a child process on 127.0.0.1), then the held-out
// users evaluated as in EVALUATION.md. With --secure-aggregation every round runs the secure
// protocol: the CLI computes each sampled client's clipped delta natively and a Node process
// (js/server/simulate-devices.mjs) runs one real device per delta against the server, which adds
// no noise itself (each device adds its share of the distributed discrete Gaussian).
//
// Start: item embeddings trained centrally (iALS) on the first --central-fraction of the
// training users (shuffled with --sim-seed); the federated rounds then run over ALL training
// users. References printed alongside: the start model, and iALS trained centrally on all
// training users (the bar: federated without noise >= 95% of its NDCG@100).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "io.hpp"
#include "simulate_http.hpp"
#include "training_options.hpp"
#include "zhixuan/federated/accountant.hpp"
#include "zhixuan/federated/aggregate.hpp"
#include "zhixuan/train/eval.hpp"
#include "zhixuan/federated/federated.hpp"
#include "zhixuan/federated/secagg_round.hpp"

extern char** environ;

namespace zhixuan::cli {
namespace {

constexpr int kTopK = 100;

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

SparseMatrix RowsOf(const SparseMatrix& m, const std::vector<int32_t>& rows) {
  std::vector<int32_t> r, c;
  std::vector<float> v;
  for (size_t k = 0; k < rows.size(); ++k)
    for (int64_t e = m.offsets[rows[k]]; e < m.offsets[rows[k] + 1]; ++e) {
      r.push_back(static_cast<int32_t>(k));
      c.push_back(m.indices[e]);
      v.push_back(m.values[e]);
    }
  return BuildCsr(static_cast<int32_t>(rows.size()), m.cols, r, c, v);
}

template <size_t N>
std::array<uint8_t, N> RandomArray(std::mt19937_64& rng) {
  std::array<uint8_t, N> out{};
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

// The aggregation server as a child process: `node SCRIPT serve ...`, URL read from its stdout.
class ServerProcess {
 public:
  ~ServerProcess() { Stop(); }
  Status Start(const std::vector<std::string>& argv) {
    int out[2];
    if (pipe(out) != 0) return Status(StatusCode::kIo, "pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int rc = posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (rc != 0) { close(out[0]); pid_ = -1; return Status(StatusCode::kIo, "could not start " + argv[0]); }
    // Wait for "listening on http://..." (the server prints it once the round is open).
    std::string text;
    char c;
    while (read(out[0], &c, 1) == 1) {
      text += c;
      const size_t at = text.find("http://");
      if (at != std::string::npos && c == '\n') {
        url_ = text.substr(at, text.find_first_of(" \n", at) - at);
        break;
      }
    }
    pipe_ = out[0];
    if (url_.empty()) return Status(StatusCode::kIo, "the aggregation server did not start: " + text);
    return Status::Ok();
  }
  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (pipe_ >= 0) { close(pipe_); pipe_ = -1; }
  }
  const std::string& url() const { return url_; }

 private:
  pid_t pid_ = -1;
  int pipe_ = -1;
  std::string url_;
};

Status HttpOk(const StatusOr<HttpResponse>& r, const std::string& what, int expected) {
  if (!r.ok()) return r.status();
  if (r->status != expected) return Status(StatusCode::kIo, what + ": HTTP " + std::to_string(r->status) + " " + r->body);
  return Status::Ok();
}

// What every federated run of one invocation shares; the noise level is per run.
struct SimulationSettings {
  int users = 0;
  int rounds = 0;
  int per_round = 0;
  int window_rows = 0;
  int sim_seed = 0;
  double clip = 1;
  double server_lr = 1;
  double max_row_step = 0;
  double q = 1;
  double delta = 0;
  std::string noise_mode;  // empty: central when sigma > 0, else none
  std::string encoding;
  std::string node, server_script, data_dir;
  bool in_process = false;
  bool secure = false;          // --secure-aggregation
  double dropout = 0;           // a device drops after sharing its keys with this probability
  double threshold = 0;         // --secure-threshold: t as a fraction of the cohort (0: the server's majority)
  std::string devices_script;   // js/server/simulate-devices.mjs
};

struct FederatedOutcome {
  Metrics metrics;
  std::string noise_mode;
  double epsilon = std::numeric_limits<double>::infinity();
  double seconds = 0;
  double update_ms = 0;
  double payload_bytes = 0;
  Model model;
};

StatusOr<std::vector<double>> ParseNoiseLevels(const std::string& text) {
  std::vector<double> levels;
  size_t at = 0;
  while (at <= text.size()) {
    const size_t comma = std::min(text.find(',', at), text.size());
    const std::string item = text.substr(at, comma - at);
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (item.empty() || end != item.c_str() + item.size() || !std::isfinite(v) || v < 0 || v > 1e6)
      return InvalidArgument("--noise: '" + item + "' is not a noise multiplier in [0, 1e6] (give one value or a comma-separated list)");
    levels.push_back(v);
    at = comma + 1;
  }
  if (levels.size() > 16) return InvalidArgument("--noise: at most 16 levels per run");
  return levels;
}

// Runs `argv` to its end (stdout and stderr inherited); its exit status.
StatusOr<int> RunToEnd(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) return Status(StatusCode::kIo, "could not start " + argv[0]);
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return Status(StatusCode::kIo, "lost " + argv[0]);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

// One secure round: the sampled clients' deltas to a file, the devices process over it.
Status RunSecureRound(const SimulationSettings& s, const std::string& url, const std::string& dir, const Model& model,
                      const RoundConfig& config, const std::vector<FoldInInput>& clients, double& update_seconds,
                      int64_t& payload_bytes) {
  std::vector<float> all;
  size_t length = 0;
  for (const FoldInInput& input : clients) {
    const auto t0 = std::chrono::steady_clock::now();
    auto delta = SecAggClientDelta(model, input, config);
    update_seconds += Since(t0);
    if (!delta.ok()) return delta.status();
    length = delta->size();
    all.insert(all.end(), delta->begin(), delta->end());
  }
  const std::string updates = dir + "/secure-round.f32", report = dir + "/secure-round.json";
  ZX_RETURN_IF_ERROR(WriteFileAtomic(updates, all.data(), all.size() * sizeof(float)));
  char dropout[32];
  std::snprintf(dropout, sizeof dropout, "%.17g", s.dropout);
  auto rc = RunToEnd({s.node, s.devices_script, "--server", url, "--updates", updates, "--count", std::to_string(clients.size()),
                      "--length", std::to_string(length), "--dropout", dropout, "--report", report});
  if (!rc.ok()) return rc.status();
  if (*rc != 0) return Status(StatusCode::kIo, "secure round " + std::to_string(config.round_id) + ": the devices process exited with " + std::to_string(*rc));
  auto text = ReadFile(report);
  if (!text.ok()) return text.status();
  payload_bytes += static_cast<int64_t>(nlohmann::json::parse(text->begin(), text->end())["bytes"].get<double>()) * static_cast<int64_t>(clients.size());
  return Status::Ok();
}

// One federated training from `model` (the start) at noise multiplier `sigma`: a fresh server
// (or the in-process aggregator), the same client sampling for every sigma, then the evaluation.
StatusOr<FederatedOutcome> RunFederated(const SimulationSettings& s, double sigma, Model model, const EvalSplit& split) {
  FederatedOutcome outcome;
  outcome.noise_mode = !s.noise_mode.empty() ? s.noise_mode : sigma > 0 ? "central" : "none";
  const SparseMatrix& by_user = split.train.by_user;
  ServerProcess server;
  std::string url, work_dir;
  if (!s.in_process) {
    std::string data_dir = s.data_dir;
    if (data_dir.empty()) {
      char tmpl[] = "/tmp/zhixuan-simulate-XXXXXX";
      if (!mkdtemp(tmpl)) return Status(StatusCode::kIo, "mkdtemp failed");
      data_dir = tmpl;
    }
    const std::string model_path = data_dir + "/start.safetensors";
    ZX_RETURN_IF_ERROR(WriteFileAtomic(model_path, SaveModel(model)));
    char number[64];
    auto num = [&](double v) { std::snprintf(number, sizeof number, "%.17g", v); return std::string(number); };
    // Secure rounds: the cohort is the round's clients. A stage closes when every device answered
    // or at its deadline: 15 s once devices may drop (one Node process runs the whole cohort).
    const std::string cohort = std::to_string(std::max(2, std::min(s.per_round, s.users)));
    std::vector<std::string> secure = {"--aggregation", "plain"};
    if (s.secure)
      secure = {"--aggregation", "secure", "--secure-min-cohort", cohort, "--secure-cohort", cohort,
                "--secure-stage-ms", s.dropout > 0 ? "15000" : "600000"};
    if (s.secure && s.threshold > 0) secure.insert(secure.end(), {"--secure-threshold", num(s.threshold)});
    std::vector<std::string> argv = {s.node, s.server_script, "serve",
                                     "--model", model_path, "--data", data_dir, "--port", "0",
                                     "--quorum", std::to_string(s.per_round), "--clip", num(s.clip), "--noise", num(sigma),
                                     "--noise-mode", outcome.noise_mode, "--encoding", s.encoding, "--server-lr", num(s.server_lr),
                                     "--max-row-step", num(s.max_row_step), "--sampling-rate", num(s.q), "--delta", num(s.delta),
                                     "--window-rows", std::to_string(s.window_rows),
                                     "--deadline-ms", "3600000", "--updates-per-client-per-minute", "100000",
                                     "--requests-per-ip-per-minute", "10000000", "--registrations-per-ip-per-minute", "10000000"};
    argv.insert(argv.end(), secure.begin(), secure.end());
    ZX_RETURN_IF_ERROR(server.Start(argv));
    url = server.url();
    work_dir = data_dir;
    std::printf("sigma %g: aggregation server %s (data %s)\n", sigma, url.c_str(), data_dir.c_str());
  }

  std::vector<std::string> tokens(s.users);
  if (!url.empty()) {
    for (int u = 0; u < s.users; ++u) {
      auto r = HttpRequest("POST", url + "/v1/clients", {}, "");
      ZX_RETURN_IF_ERROR(HttpOk(r, "register", 201));
      tokens[u] = nlohmann::json::parse(r->body)["token"].get<std::string>();
    }
  }

  std::mt19937_64 rng(static_cast<uint64_t>(s.sim_seed) * 7919 + 1);
  std::mt19937_64 noise_rng(static_cast<uint64_t>(s.sim_seed) * 104729 + 3);
  double update_seconds = 0;
  int64_t updates = 0, payload_bytes = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int round = 1; round <= s.rounds; ++round) {
    RoundConfig config;
    if (!url.empty()) {
      auto r = HttpRequest("GET", url + "/v1/round", {}, "");
      ZX_RETURN_IF_ERROR(HttpOk(r, "round", 200));
      auto parsed = ParseRoundConfigJson(r->body);
      if (!parsed.ok()) return parsed.status();
      config = *parsed;
      if (config.base_version != model.manifest.model_version) {  // pick up the new version
        auto m = HttpRequest("GET", url + "/v1/model", {}, "");
        ZX_RETURN_IF_ERROR(HttpOk(m, "model", 200));
        auto loaded = LoadModel(reinterpret_cast<const uint8_t*>(m->body.data()), m->body.size());
        if (!loaded.ok()) return loaded.status();
        model = std::move(loaded).value();
      }
    } else {
      config.round_id = static_cast<uint64_t>(round);
      config.base_version = model.manifest.model_version;
      config.clip = s.clip;
      config.noise_multiplier = sigma;
      config.noise_mode = outcome.noise_mode == "none" ? NoiseMode::kNone : outcome.noise_mode == "local" ? NoiseMode::kLocal : NoiseMode::kCentral;
      config.encoding = s.encoding == "int8" ? PayloadEncoding::kInt8 : PayloadEncoding::kF16;
      config.server_learning_rate = s.server_lr;
      config.max_row_step = s.max_row_step;
    }
    // K clients drawn uniformly without replacement.
    std::vector<int32_t> pool(s.users);
    std::iota(pool.begin(), pool.end(), 0);
    const int k = std::min(s.per_round, s.users);
    for (int i = 0; i < k; ++i) std::swap(pool[i], pool[i + static_cast<int>(rng() % static_cast<uint64_t>(s.users - i))]);
    auto agg = url.empty() ? RoundAggregator::Create(model, config) : StatusOr<RoundAggregator>(Status(StatusCode::kInternal, "unused"));
    if (s.secure) {
      std::vector<FoldInInput> clients;
      for (int i = 0; i < k; ++i) {
        const int32_t u = pool[i];
        clients.push_back({by_user.indices.data() + by_user.offsets[u], by_user.values.data() + by_user.offsets[u], by_user.RowSize(u)});
        RandomArray<16>(rng), RandomArray<32>(rng);  // the plain path's draws: the same clients every round
      }
      ZX_RETURN_IF_ERROR(RunSecureRound(s, url, work_dir, model, config, clients, update_seconds, payload_bytes));
      updates += k;
    }
    for (int i = 0; i < k && !s.secure; ++i) {
      const int32_t u = pool[i];
      FoldInInput input{by_user.indices.data() + by_user.offsets[u], by_user.values.data() + by_user.offsets[u], by_user.RowSize(u)};
      const auto t0 = std::chrono::steady_clock::now();
      auto update = ComputeClientUpdate(model, input, config, RandomArray<16>(rng), RandomArray<32>(rng));
      update_seconds += Since(t0);
      if (!update.ok()) return Status(update.status().code(), "client " + std::to_string(u) + ": " + update.status().message());
      ++updates;
      payload_bytes += static_cast<int64_t>(update->payload.size());
      if (url.empty()) {
        ZX_RETURN_IF_ERROR(agg->Add(update->payload.data(), update->payload.size()));
      } else {
        auto r = HttpRequest("POST", url + "/v1/rounds/" + std::to_string(config.round_id) + "/updates",
                             {{"Content-Type", "application/octet-stream"}, {"Authorization", "Bearer " + tokens[u]}},
                             std::string(update->payload.begin(), update->payload.end()));
        ZX_RETURN_IF_ERROR(HttpOk(r, "update", 202));
      }
    }
    if (url.empty()) {
      // Its own stream: the client sampling stays the same as against a server.
      const std::array<uint8_t, 32> seed = RandomArray<32>(noise_rng);
      auto next = agg->Finish(model, seed, "sim-r" + std::to_string(round));
      if (!next.ok()) return next.status();
      model = std::move(next).value();
    } else {  // the quorum closes the round; wait until the next one is open
      for (int tries = 0;; ++tries) {
        auto r = HttpRequest("GET", url + "/v1/round", {}, "");
        ZX_RETURN_IF_ERROR(HttpOk(r, "round", 200));
        if (nlohmann::json::parse(r->body)["round_id"].get<uint64_t>() > config.round_id) break;
        if (tries > 6000) return Status(StatusCode::kIo, "the server did not close round " + std::to_string(config.round_id));
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }
  if (!url.empty()) {
    auto m = HttpRequest("GET", url + "/v1/model", {}, "");
    ZX_RETURN_IF_ERROR(HttpOk(m, "model", 200));
    auto loaded = LoadModel(reinterpret_cast<const uint8_t*>(m->body.data()), m->body.size());
    if (!loaded.ok()) return loaded.status();
    model = std::move(loaded).value();
  }
  outcome.seconds = Since(start);
  outcome.update_ms = 1e3 * update_seconds / std::max<int64_t>(1, updates);
  outcome.payload_bytes = static_cast<double>(payload_bytes) / std::max<int64_t>(1, updates);
  auto metrics = EvaluateShippedModel(model, split, kTopK);
  if (!metrics.ok()) return metrics.status();
  outcome.metrics = *metrics;
  if (outcome.noise_mode != "none" && sigma > 0) {
    const auto orders = DefaultRdpOrders();
    auto rdp = ComputeRdpSampledGaussian(outcome.noise_mode == "local" ? 1.0 : s.q, sigma, s.rounds, orders);
    if (!rdp.ok()) return rdp.status();
    auto spent = EpsilonFromRdp(orders, *rdp, s.delta);
    if (!spent.ok()) return spent.status();
    outcome.epsilon = spent->epsilon;
  }
  if (s.secure && outcome.noise_mode == "central") outcome.noise_mode = "distributed";  // the devices added it
  outcome.model = std::move(model);
  return outcome;
}

Status Run(const std::vector<std::string>& argv) {
  std::vector<std::string> options = TrainingValueOptions();
  options.insert(options.end(), {"split", "rounds", "clients-per-round", "noise", "clip", "noise-mode", "encoding", "server-lr",
                                 "central-fraction", "sim-seed", "server-script", "node", "data", "out", "window-rows", "delta", "max-row-step",
                                 "dropout", "devices-script", "secure-threshold"});
  auto args = Args::Parse(argv, options, {"in-process", "secure-aggregation"});
  if (!args.ok()) return args.status();
  if (args->Has("secure-aggregation") && args->Has("in-process"))
    return InvalidArgument("--secure-aggregation runs the protocol against the server: drop --in-process");
  if (args->Has("secure-aggregation") && args->String("noise-mode", "") == "local")
    return InvalidArgument("--secure-aggregation adds distributed noise: --noise-mode local does not apply");
  if (args->Has("dropout") && !args->Has("secure-aggregation")) return InvalidArgument("--dropout applies to --secure-aggregation");
  auto dir = args->Required("split");
  if (!dir.ok()) return dir.status();
  auto rounds = args->Int("rounds", 20, 1, 1000000);
  auto per_round = args->Int("clients-per-round", 20, 1, 1000000);
  auto noise_levels = ParseNoiseLevels(args->String("noise", "0"));
  auto clip = args->Float("clip", 1.f, 1e-9f, 1e9f);
  auto server_lr = args->Float("server-lr", 1.f, 0.f, 1e9f);
  auto fraction = args->Float("central-fraction", 0.5f, 0.f, 1.f);
  auto sim_seed = args->Int("sim-seed", 1, 0, 2147483647);
  auto window_rows = args->Int("window-rows", 0, 0, 2147483647);
  auto max_row_step = args->Float("max-row-step", 0.f, 0.f, 1e9f);
  ZX_RETURN_IF_ERROR(max_row_step.status());
  ZX_RETURN_IF_ERROR(noise_levels.status());
  for (const Status* s : {&rounds.status(), &per_round.status(), &clip.status(), &server_lr.status(),
                          &fraction.status(), &sim_seed.status(), &window_rows.status()})
    ZX_RETURN_IF_ERROR(*s);
  SimulationSettings settings;
  settings.noise_mode = args->String("noise-mode", "");
  if (!settings.noise_mode.empty() && settings.noise_mode != "central" && settings.noise_mode != "local" && settings.noise_mode != "none")
    return InvalidArgument("--noise-mode must be central, local or none");
  settings.encoding = args->String("encoding", "f16");
  if (settings.encoding != "f16" && settings.encoding != "int8") return InvalidArgument("--encoding must be f16 or int8");
  if (args->Has("data") && noise_levels->size() > 1) return InvalidArgument("--data takes one --noise level (each level needs its own server state)");
  if (args->Has("out") && noise_levels->size() > 1) return InvalidArgument("--out takes one --noise level");
  auto params = ReadTrainParams(*args);
  if (!params.ok()) return params.status();

  auto train = ReadInteractions(*dir + "/train.csv", std::numeric_limits<float>::quiet_NaN());
  if (!train.ok()) return train.status();
  auto history = ReadInteractions(*dir + "/test_history.csv", std::numeric_limits<float>::quiet_NaN());
  if (!history.ok()) return history.status();
  auto target = ReadInteractions(*dir + "/test_target.csv", std::numeric_limits<float>::quiet_NaN());
  if (!target.ok()) return target.status();
  auto split = BuildEvalSplit(*train, "train.csv", *history, "test_history.csv", *target, "test_target.csv");
  if (!split.ok()) return split.status();
  const SparseMatrix& by_user = split->train.by_user;
  const int users = by_user.rows;
  const double delta = args->Has("delta") ? std::atof(args->String("delta").c_str()) : 1.0 / users;
  if (!(delta > 0 && delta < 1)) return InvalidArgument("--delta must be in (0, 1)");
  std::printf("split %s: %d train users (all clients), %d items, %d test users\n", dir->c_str(), users, by_user.cols,
              static_cast<int>(split->test_users.size()));

  // References: iALS on all training users, and the start model on a part of them.
  auto start = std::chrono::steady_clock::now();
  auto central = TrainWithProgress(by_user, *params);
  if (!central.ok()) return central.status();
  auto central_model = MakeModel(split->train.items.ids(), central->item_factors.data(), params->dim, DType::kF32, params->foldin, "central");
  if (!central_model.ok()) return central_model.status();
  auto central_metrics = EvaluateShippedModel(*central_model, *split, kTopK);
  if (!central_metrics.ok()) return central_metrics.status();

  std::vector<int32_t> order(users);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 shuffle_rng(static_cast<uint32_t>(*sim_seed));
  std::shuffle(order.begin(), order.end(), shuffle_rng);
  const int central_users = static_cast<int>(std::lround(*fraction * users));
  std::vector<float> start_rows;
  if (central_users > 0) {
    std::vector<int32_t> part(order.begin(), order.begin() + central_users);
    auto partial = TrainWithProgress(RowsOf(by_user, part), *params);
    if (!partial.ok()) return partial.status();
    start_rows = std::move(partial->item_factors);
  } else {
    std::mt19937 rng(static_cast<uint32_t>(*sim_seed));
    std::normal_distribution<float> g(0.f, params->init_scale / std::sqrt(static_cast<float>(params->dim)));
    start_rows.resize(static_cast<size_t>(by_user.cols) * params->dim);
    for (float& v : start_rows) v = g(rng);
  }
  auto model = MakeModel(split->train.items.ids(), start_rows.data(), params->dim, DType::kF32, params->foldin, "sim-start");
  if (!model.ok()) return model.status();
  auto start_metrics = EvaluateShippedModel(*model, *split, kTopK);
  if (!start_metrics.ok()) return start_metrics.status();
  std::printf("references (%.1f s): central iALS on all %d users NDCG@100 %.4f; start model on %d users NDCG@100 %.4f\n",
              Since(start), users, central_metrics->ndcg100, central_users, start_metrics->ndcg100);

  settings.users = users;
  settings.rounds = *rounds;
  settings.per_round = *per_round;
  settings.window_rows = *window_rows;
  settings.sim_seed = *sim_seed;
  settings.clip = *clip;
  settings.server_lr = *server_lr;
  settings.max_row_step = *max_row_step;
  settings.q = std::min(1.0, static_cast<double>(*per_round) / users);
  settings.delta = delta;
  settings.node = args->String("node", "node");
  settings.server_script = args->String("server-script", "js/server/cli.js");
  settings.data_dir = args->String("data");
  settings.in_process = args->Has("in-process");
  settings.secure = args->Has("secure-aggregation");
  settings.devices_script = args->String("devices-script", "js/server/simulate-devices.mjs");
  auto dropout = args->Float("dropout", 0.f, 0.f, 0.99f);
  ZX_RETURN_IF_ERROR(dropout.status());
  settings.dropout = *dropout;
  if (args->Has("secure-threshold") && !args->Has("secure-aggregation")) return InvalidArgument("--secure-threshold applies to --secure-aggregation");
  auto threshold = args->Float("secure-threshold", 0.f, 0.5f, 1.f);
  ZX_RETURN_IF_ERROR(threshold.status());
  settings.threshold = *threshold;


  std::vector<std::pair<double, FederatedOutcome>> runs;
  for (double sigma : *noise_levels) {
    auto outcome = RunFederated(settings, sigma, *model, *split);
    if (!outcome.ok()) return Status(outcome.status().code(), "noise " + std::to_string(sigma) + ": " + outcome.status().message());
    std::printf("federated, sigma %g (%s): %d rounds x %d clients, clip %g, server lr %g, max row step %g, %s%s: %.1f s, %.3f ms per client update (native), %.0f bytes per payload, NDCG@100 %.4f\n",
                sigma, outcome->noise_mode.c_str(), *rounds, *per_round, *clip, *server_lr, *max_row_step, settings.encoding.c_str(),
                settings.in_process ? ", IN-PROCESS (no server)" : "", outcome->seconds, outcome->update_ms, outcome->payload_bytes,
                outcome->metrics.ndcg100);
    if (args->Has("out")) ZX_RETURN_IF_ERROR(WriteFileAtomic(args->String("out"), SaveModel(outcome->model)));
    runs.emplace_back(sigma, std::move(outcome).value());
  }

  std::printf("\n| model | Recall@20 | Recall@50 | NDCG@100 | vs central | epsilon (delta=%.3g) |\n|---|---|---|---|---|---|\n", delta);
  std::printf("| central iALS, all %d users | %.4f | %.4f | %.4f | 100%% | - |\n", users, central_metrics->recall20, central_metrics->recall50, central_metrics->ndcg100);
  std::printf("| start: central iALS, %d users | %.4f | %.4f | %.4f | %.1f%% | - |\n", central_users, start_metrics->recall20, start_metrics->recall50,
              start_metrics->ndcg100, 100 * start_metrics->ndcg100 / central_metrics->ndcg100);
  for (const auto& [sigma, run] : runs) {
    char epsilon[32] = "inf";
    if (!std::isinf(run.epsilon)) std::snprintf(epsilon, sizeof epsilon, "%.2f", run.epsilon);
    std::printf("| federated, noise %g %s | %.4f | %.4f | %.4f | %.1f%% | %s |\n", sigma, run.noise_mode.c_str(), run.metrics.recall20,
                run.metrics.recall50, run.metrics.ndcg100, 100 * run.metrics.ndcg100 / central_metrics->ndcg100, epsilon);
  }
  return Status::Ok();
}

std::string Usage() {
  return "--split DIR --rounds R --clients-per-round K [--noise SIGMA] [--clip C] [options]\n"
         "  --split DIR            DIR/train.csv (clients), DIR/test_history.csv, DIR/test_target.csv (evaluation)\n"
         "  --rounds R             federated rounds (default 20)\n"
         "  --clients-per-round K  clients sampled uniformly per round; the server's quorum (default 20)\n"
         "  --noise SIGMA[,SIGMA]  noise multiplier (stddev SIGMA*C); default 0. A list runs one federated training per level from the same start\n"
         "  --noise-mode M         central | local | none (default: central when --noise > 0)\n"
         "  --clip C               L2 bound of one client's delta (default 1)\n"
         "  --server-lr L          FedAvg server learning rate (default 1)\n"
         "  --max-row-step S       cap on one row's L2 change per round (default 0 = none)\n"
         "  --encoding E           f16 | int8 (default f16)\n"
         "  --window-rows W        public rotating window of rows per round (default 0 = all rows)\n"
         "  --central-fraction F   share of training users the start model is trained on centrally (default 0.5; 0 = random start)\n"
         "  --sim-seed S           user shuffle and client sampling (default 1)\n"
         "  --delta D              delta of the reported epsilon (default 1 / number of training users)\n"
         "  --server-script P      the server's CLI (default js/server/cli.js, run from the repo root; ZHIXUAN_CORE_DIR picks the wasm core)\n"
         "  --node N               node binary (default node)\n"
         "  --data DIR             server state directory (default a fresh /tmp/zhixuan-simulate-*)\n"
         "  --in-process           no server: aggregate in this process (for tuning only)\n"
         "  --secure-aggregation   every round through secure aggregation (SecAgg+, distributed discrete Gaussian):\n"
         "                         one real device per client (--devices-script, default js/server/simulate-devices.mjs)\n"
         "  --dropout R            with --secure-aggregation: each device drops after sharing its keys with probability R\n"
         "  --secure-threshold F   with --secure-aggregation: t = ceil(F n) survivors (default floor(n/2) + 1; see zhixuan serve)\n"
         "  --out M                write the final model\n" +
         TrainingUsage();
}

}  // namespace

ZX_REGISTER_COMMAND("simulate", "federated rounds against a real aggregation server, then the held-out evaluation", &Usage, &Run);

}  // namespace zhixuan::cli
