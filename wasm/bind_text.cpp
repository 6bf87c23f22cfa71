// Registrations of the text room: TextHandle wraps the core's ContentIndex and ColdStart
// for one Engine (addItems, search, cold-user lists, re-ranking), and featurizeText
// exposes the featurizer for the native == wasm check. Logic lives in core
// (text.hpp, text_search.hpp, cold_start.hpp, diversity.hpp); this file converts.
#include <emscripten/bind.h>

#include <optional>
#include <string>
#include <vector>

#include "convert.hpp"
#include "engine.hpp"
#include "zhixuan/text/cold_start.hpp"
#include "zhixuan/text/diversity.hpp"
#include "zhixuan/model/recommender.hpp"
#include "zhixuan/text/text.hpp"
#include "zhixuan/text/text_search.hpp"

namespace zhixuan::wasm {
namespace {

using emscripten::val;

std::string BytesOf(const val& bytes) {
  const std::vector<uint8_t> v = CopyIn<uint8_t>(bytes);
  return std::string(v.begin(), v.end());
}

std::vector<std::string> StringList(const val& array) {
  std::vector<std::string> out;
  if (array.isUndefined() || array.isNull()) return out;
  const size_t n = array["length"].as<size_t>();
  for (size_t i = 0; i < n; ++i) out.push_back(array[i].as<std::string>());
  return out;
}

val SparseVal(const SparseVector& v) {
  val out = val::object();
  out.set("indices", CopyOut(v.indices));
  out.set("values", CopyOut(v.values));
  return out;
}

// {indices: Int32Array, values: Float32Array}: the featurizer without IDF (bytes: UTF-8, any content).
val FeaturizeText(const val& bytes) { return SparseVal(TextFeaturizer().FeaturizeQuery(BytesOf(bytes))); }

// Many texts in one crossing: {offsets: Int32Array(n + 1), indices, values} (CSR rows).
val FeaturizeTexts(const val& texts) {
  const TextFeaturizer featurizer;
  std::vector<int32_t> offsets{0}, indices;
  std::vector<float> values;
  const size_t n = texts["length"].as<size_t>();
  for (size_t i = 0; i < n; ++i) {
    const SparseVector v = featurizer.FeaturizeQuery(texts[i].as<std::string>());
    indices.insert(indices.end(), v.indices.begin(), v.indices.end());
    values.insert(values.end(), v.values.begin(), v.values.end());
    offsets.push_back(static_cast<int32_t>(indices.size()));
  }
  val out = val::object();
  out.set("offsets", CopyOut(offsets));
  out.set("indices", CopyOut(indices));
  out.set("values", CopyOut(values));
  return out;
}

class TextHandle {
 public:
  explicit TextHandle(Engine& engine) : engine_(&engine) {
    if (!engine.loaded()) {
      status_ = InvalidArgument("no model is loaded");
      return;
    }
    auto index = ContentIndex::Create(engine.rec());
    if (!index.ok()) {
      status_ = index.status();
      return;
    }
    index_ = std::move(index).value();
    auto cold = ColdStart::Create(engine.rec());
    if (!cold.ok()) {
      status_ = cold.status();
      return;
    }
    cold_ = std::move(cold).value();
    auto pop = ItemPopularity(engine.rec().model(), engine.rec().item_count());
    if (pop.ok()) popularity_ = std::move(pop).value();
  }

  val Status() const { return StatusVal(status_); }

  // {canEmbed, hasIdf, hasPopularity, contextKeys}
  val Info() const {
    if (!status_.ok()) return ErrorVal(status_);
    val out = val::object();
    out.set("canEmbed", index_.can_embed());
    out.set("hasIdf", index_.featurizer().has_idf());
    out.set("hasPopularity", cold_->has_popularity());
    out.set("contextKeys", StringArray(cold_->context_keys()));
    return out;
  }

  // The bundle's featurizer (with its IDF) on UTF-8 bytes.
  val Featurize(const val& bytes) const {
    if (!status_.ok()) return ErrorVal(status_);
    return SparseVal(index_.featurizer().FeaturizeQuery(BytesOf(bytes)));
  }

  // items: array of catalog item JSON strings. {added} or an error (nothing added then).
  val AddItems(const val& items_json) {
    if (!status_.ok()) return ErrorVal(status_);
    std::vector<CatalogItem> items;
    const std::vector<std::string> texts = StringList(items_json);
    for (size_t i = 0; i < texts.size(); ++i) {
      auto item = ParseCatalogItemJson(texts[i]);
      if (!item.ok())
        return ErrorVal(zhixuan::Status(item.status().code(), "items[" + std::to_string(i) + "]: " + item.status().message()));
      items.push_back(std::move(item).value());
    }
    const size_t count = items.size();
    zhixuan::Status st = index_.AddItems(&engine_->rec(), std::move(items));
    if (!st.ok()) return ErrorVal(st);
    val out = val::object();
    out.set("added", static_cast<double>(count));
    return out;
  }

  val EmbedColdItems() {
    if (!status_.ok()) return ErrorVal(status_);
    auto n = index_.EmbedColdItems(&engine_->rec());
    if (!n.ok()) return ErrorVal(n.status());
    val out = val::object();
    out.set("added", static_cast<double>(*n));
    return out;
  }

  val Search(const val& query_bytes, int k, const std::string& filter_json) {
    if (!status_.ok()) return ErrorVal(status_);
    auto filter = ParseFilterJson(filter_json);
    if (!filter.ok()) return ErrorVal(filter.status());
    index_.Sync(engine_->rec());
    auto top = index_.Search(engine_->rec(), BytesOf(query_bytes), k, *filter);
    if (!top.ok()) return ErrorVal(top.status());
    return TopKVal(*top);
  }

  // {rows, scores, reasons: string[], policy}
  val Cold(const val& interests, const std::string& channel, int hour, const std::string& device, int k,
           const std::string& filter_json, const val& exclude_rows) {
    if (!status_.ok()) return ErrorVal(status_);
    auto filter = ParseFilterJson(filter_json);
    if (!filter.ok()) return ErrorVal(filter.status());
    ColdStartRequest request;
    request.interests = StringList(interests);
    request.context = ColdContext{channel, hour, device};
    request.k = k;
    request.filter = *filter;
    request.exclude_rows = CopyIn<int32_t>(exclude_rows);
    index_.Sync(engine_->rec());
    auto list = cold_->Recommend(engine_->rec(), index_, request);
    if (!list.ok()) return ErrorVal(list.status());
    val out = val::object();
    out.set("rows", CopyOut(list->rows));
    out.set("scores", CopyOut(list->scores));
    out.set("reasons", StringArray(list->reasons));
    out.set("policy", list->policy);
    return out;
  }

  int PoolSize(int k) const { return engine_->loaded() ? RerankPoolSize(k, engine_->rec().item_count()) : k; }

  // Re-ranks a relevance-ordered pool: {rows, scores}. With a user vector, the exploration
  // slots come from the user's best tail items over the whole catalog (excluding
  // exclude_rows, passing the filter); without one, from the pool.
  val Rerank(const val& rows, const val& scores, int k, double diversity, double exploration, const val& user_vector,
             const val& exclude_rows, const std::string& filter_json) const {
    if (!status_.ok()) return ErrorVal(status_);
    TopK pool;
    pool.rows = CopyIn<int32_t>(rows);
    pool.scores = CopyIn<float>(scores);
    RerankOptions options;
    options.diversity = static_cast<float>(diversity);
    options.exploration = static_cast<float>(exploration);
    const std::vector<uint8_t> tail = LongTailMask(popularity_, engine_->rec().item_count());
    std::optional<TopK> tail_ranked;
    const std::vector<float> vector = CopyIn<float>(user_vector);
    if (options.exploration > 0 && static_cast<int>(vector.size()) == engine_->rec().dim()) {
      auto filter = ParseFilterJson(filter_json);
      if (!filter.ok()) return ErrorVal(filter.status());
      Query query;
      query.user_vector = vector.data();
      query.k = k;
      query.exclude_rows = CopyIn<int32_t>(exclude_rows);
      query.filter = *filter;
      auto ranked = TailRanking(engine_->rec(), query, tail);
      if (!ranked.ok()) return ErrorVal(ranked.status());
      tail_ranked = std::move(ranked).value();
    }
    auto top = RerankCandidates(engine_->rec().model().items, pool, k, options, tail, tail_ranked ? &*tail_ranked : nullptr);
    if (!top.ok()) return ErrorVal(top.status());
    return TopKVal(*top);
  }

 private:
  Engine* engine_;
  zhixuan::Status status_;
  ContentIndex index_;
  std::optional<ColdStart> cold_;
  std::vector<float> popularity_;
};

}  // namespace
}  // namespace zhixuan::wasm

EMSCRIPTEN_BINDINGS(zhixuan_text) {
  using zhixuan::wasm::TextHandle;
  emscripten::function("featurizeText", &zhixuan::wasm::FeaturizeText);
  emscripten::function("featurizeTexts", &zhixuan::wasm::FeaturizeTexts);
  emscripten::class_<TextHandle>("TextHandle")
      .constructor<zhixuan::wasm::Engine&>()
      .function("status", &TextHandle::Status)
      .function("info", &TextHandle::Info)
      .function("featurize", &TextHandle::Featurize)
      .function("addItems", &TextHandle::AddItems)
      .function("embedColdItems", &TextHandle::EmbedColdItems)
      .function("search", &TextHandle::Search)
      .function("cold", &TextHandle::Cold)
      .function("poolSize", &TextHandle::PoolSize)
      .function("rerank", &TextHandle::Rerank);
}
