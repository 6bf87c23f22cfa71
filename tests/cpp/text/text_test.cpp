#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "text_fixtures.hpp"
#include "zhixuan/text/text.hpp"

using namespace zhixuan;
using namespace zhixuan::testing;

namespace {

double Norm(const SparseVector& v) {
  double s = 0;
  for (float x : v.values) s += double{x} * x;
  return std::sqrt(s);
}

std::string FromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

}  // namespace

TEST_CASE("a featurized text is sparse, sorted and L2-normalized", "[text]") {
  const TextFeaturizer f;
  const SparseVector v = f.FeaturizeQuery("Python 数据分析与可视化实战 Python");
  REQUIRE(!v.empty());
  CHECK(std::is_sorted(v.indices.begin(), v.indices.end()));
  CHECK(std::adjacent_find(v.indices.begin(), v.indices.end()) == v.indices.end());
  for (int32_t b : v.indices) CHECK((b >= 0 && b < kTextBuckets));
  CHECK(Norm(v) == Approx(1.0).epsilon(1e-6));
  CHECK(SparseDot(v, v) == Approx(1.0f).epsilon(1e-5));
}

TEST_CASE("empty and token-free texts give the empty vector", "[text]") {
  const TextFeaturizer f;
  CHECK(f.FeaturizeQuery("").empty());
  CHECK(f.FeaturizeQuery("the of 的 🔥 !!!").empty());
  CHECK(f.FeaturizeQuery(std::string("\xff\xfe\xfd")).empty());
}

TEST_CASE("token order does not matter, repetition is sublinear", "[text]") {
  const TextFeaturizer f;
  const SparseVector a = f.FeaturizeQuery("python data analysis");
  const SparseVector b = f.FeaturizeQuery("analysis python data");
  CHECK(a.indices == b.indices);
  CHECK(a.values == b.values);
  // "python" x3: tf = 1 + ln 3 against 1 for the other word.
  const SparseVector r = f.FeaturizeQuery("python python python data");
  REQUIRE(r.indices.size() == 2);
  const TokenHash p = HashToken("python"), d = HashToken("data");
  float vp = 0, vd = 0;
  for (size_t k = 0; k < r.indices.size(); ++k) {
    if (r.indices[k] == p.bucket) vp = r.values[k];
    if (r.indices[k] == d.bucket) vd = r.values[k];
  }
  CHECK(std::fabs(vp / vd) == Approx(1.0 + std::log(3.0)).epsilon(1e-5));
  CHECK((vp > 0) == (p.sign > 0));
}

TEST_CASE("the item text weighs title and tags fully, the description half", "[text]") {
  const TextFeaturizer f;
  CatalogItem item;
  item.title = "python";
  item.description = "statistics";
  const SparseVector v = f.FeaturizeItem(item);
  REQUIRE(v.indices.size() == 2);
  float vp = 0, vs = 0;
  for (size_t k = 0; k < v.indices.size(); ++k) {
    if (v.indices[k] == HashToken("python").bucket) vp = std::fabs(v.values[k]);
    if (v.indices[k] == HashToken("statistics").bucket) vs = std::fabs(v.values[k]);
  }
  CHECK(vs / vp == Approx(0.5f));
  SECTION("a multi-word tag also counts as one whole feature") {
    CatalogItem tagged;
    tagged.tags = {"Machine Learning"};
    const SparseVector t = f.FeaturizeItem(tagged);
    CHECK(t.indices.size() == 3);  // machine, learning, #machine learning
  }
  SECTION("FeaturizeItem equals Featurize(ItemTokens)") {
    CatalogItem full;
    full.title = "Python 数据分析";
    full.tags = {"python", "数据 分析"};
    full.description = "从零开始 the basics 🔥";
    const SparseVector fast = f.FeaturizeItem(full), slow = f.Featurize(ItemTokens(full));
    CHECK(fast.indices == slow.indices);
    CHECK(fast.values == slow.values);
  }
}

TEST_CASE("IDF from document frequencies lowers words every document has", "[text]") {
  const TextFeaturizer plain;
  std::vector<SparseVector> docs = {plain.FeaturizeQuery("python course"), plain.FeaturizeQuery("java course"),
                                    plain.FeaturizeQuery("exam course")};
  std::vector<int32_t> buckets, df;
  DocumentFrequencies(docs, &buckets, &df);
  const TextFeaturizer f = TextFeaturizer::FromDocumentFrequencies(buckets, df, 3);
  CHECK(f.Idf(HashToken("course").bucket) < f.Idf(HashToken("python").bucket));
  CHECK(f.Idf(HashToken("never-seen-word").bucket) > f.Idf(HashToken("python").bucket));
  const SparseVector v = f.FeaturizeQuery("python course");
  float vc = 0, vp = 0;
  for (size_t k = 0; k < v.indices.size(); ++k) {
    if (v.indices[k] == HashToken("course").bucket) vc = std::fabs(v.values[k]);
    if (v.indices[k] == HashToken("python").bucket) vp = std::fabs(v.values[k]);
  }
  CHECK(vc < vp);
}

TEST_CASE("the bundle carries the IDF through save and load", "[text]") {
  Model model = CoursesModel();
  auto bytes = SaveModel(model);
  auto loaded = LoadModel(bytes.data(), bytes.size());
  REQUIRE(loaded.ok());
  auto a = TextFeaturizer::FromModel(model);
  auto b = TextFeaturizer::FromModel(*loaded);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(b->has_idf());
  CHECK(b->docs() == static_cast<int64_t>(Courses().size()));
  const SparseVector va = a->FeaturizeQuery("Python 考研"), vb = b->FeaturizeQuery("Python 考研");
  CHECK(va.indices == vb.indices);
  CHECK(va.values == vb.values);

  SECTION("a bundle without text tensors gives idf 1") {
    auto plain = TextFeaturizer::FromModel(CheckerboardModel());
    REQUIRE(plain.ok());
    CHECK_FALSE(plain->has_idf());
    CHECK(plain->Idf(123) == 1.f);
  }
  SECTION("broken text tensors are kMalformedModel") {
    Model broken = model;
    broken.extras.erase("text_idf");
    CHECK(TextFeaturizer::FromModel(broken).status().code() == StatusCode::kMalformedModel);
    broken = model;
    std::vector<int32_t> unsorted = {5, 3};
    broken.extras["text_buckets"] = MakeI32Tensor({2}, unsorted.data());
    std::vector<float> idf = {1.f, 1.f};
    broken.extras["text_idf"] = MakeF32Tensor({2}, idf.data());
    CHECK(TextFeaturizer::FromModel(broken).status().code() == StatusCode::kMalformedModel);
  }
}

TEST_CASE("native features equal the shared fixture (the wasm build is checked against it too)", "[text]") {
  std::string path = __FILE__;
  path = path.substr(0, path.rfind("tests/cpp/")) + "tests/js/text_fixture.json";
  std::ifstream in(path);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  const auto fixture = nlohmann::json::parse(ss.str());
  const TextFeaturizer f;
  REQUIRE(fixture["cases"].size() >= 10);
  for (const auto& c : fixture["cases"]) {
    std::string text;
    const std::string unit = FromHex(c["hex"].get<std::string>());
    for (int t = 0; t < c["times"].get<int>(); ++t) text += unit;
    const SparseVector v = f.FeaturizeQuery(text);
    INFO("case " << c["hex"].get<std::string>().substr(0, 40));
    CHECK(v.indices == c["indices"].get<std::vector<int32_t>>());
    CHECK(v.values == c["values"].get<std::vector<float>>());
  }
}
