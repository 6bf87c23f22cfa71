// Registrations of the text room: TextRoom is a view of the session's TextRoom (addItems,
// search, cold-user lists, re-ranking), and featurizeText exposes the featurizer for the
// native == wasm check. Logic lives in core (session/text_room.hpp and the text room's
// headers); this file converts.
#include <emscripten/bind.h>

#include <optional>
#include <string>
#include <vector>

#include "convert.hpp"
#include "zhixuan/session/session.hpp"
#include "zhixuan/session/text_room.hpp"
#include "zhixuan/text/text.hpp"

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

// A view of the session's TextRoom (zhixuan/session/text_room.hpp): it holds no pointer into
// the model, so a model change (Session::ReplaceModel) is seen on the next call.
class TextHandle {
 public:
  explicit TextHandle(Session& session) : session_(&session) {
    if (!session.loaded()) {
      status_ = InvalidArgument("no model is loaded");
      return;
    }
    auto room = TextRoom::Create(session.recommender());
    if (!room.ok()) status_ = room.status();
    else session.Attach(std::move(room).value());
  }

  val Status() const { return StatusVal(status_); }

  // {canEmbed, hasIdf, hasPopularity, contextKeys}
  val Info() const {
    if (!room()) return ErrorVal(status_);
    val out = val::object();
    out.set("canEmbed", room()->index().can_embed());
    out.set("hasIdf", room()->index().featurizer().has_idf());
    out.set("hasPopularity", room()->cold_start().has_popularity());
    out.set("contextKeys", StringArray(room()->cold_start().context_keys()));
    return out;
  }

  // The bundle's featurizer (with its IDF) on UTF-8 bytes.
  val Featurize(const val& bytes) const {
    if (!room()) return ErrorVal(status_);
    return SparseVal(room()->index().featurizer().FeaturizeQuery(BytesOf(bytes)));
  }

  // items: array of catalog item JSON strings. {added} or an error (nothing added then).
  val AddItems(const val& items_json) {
    if (!room()) return ErrorVal(status_);
    std::vector<CatalogItem> items;
    const std::vector<std::string> texts = StringList(items_json);
    for (size_t i = 0; i < texts.size(); ++i) {
      auto item = ParseCatalogItemJson(texts[i]);
      if (!item.ok())
        return ErrorVal(zhixuan::Status(item.status().code(), "items[" + std::to_string(i) + "]: " + item.status().message()));
      items.push_back(std::move(item).value());
    }
    const size_t count = items.size();
    zhixuan::Status st = room()->AddItems(session_->recommender(), std::move(items));
    if (!st.ok()) return ErrorVal(st);
    val out = val::object();
    out.set("added", static_cast<double>(count));
    return out;
  }

  val EmbedColdItems() {
    if (!room()) return ErrorVal(status_);
    auto n = room()->EmbedColdItems(session_->recommender());
    if (!n.ok()) return ErrorVal(n.status());
    val out = val::object();
    out.set("added", static_cast<double>(*n));
    return out;
  }

  val Search(const val& query_bytes, int k, const std::string& filter_json) {
    if (!room()) return ErrorVal(status_);
    auto filter = ParseFilterJson(filter_json);
    if (!filter.ok()) return ErrorVal(filter.status());
    auto top = room()->Search(session_->recommender(), BytesOf(query_bytes), k, *filter);
    if (!top.ok()) return ErrorVal(top.status());
    return TopKVal(*top);
  }

  // {rows, scores, reasons: string[], policy}
  val Cold(const val& interests, const std::string& channel, int hour, const std::string& device, int k,
           const std::string& filter_json, const val& exclude_rows) {
    if (!room()) return ErrorVal(status_);
    auto filter = ParseFilterJson(filter_json);
    if (!filter.ok()) return ErrorVal(filter.status());
    ColdStartRequest request;
    request.interests = StringList(interests);
    request.context = ColdContext{channel, hour, device};
    request.k = k;
    request.filter = *filter;
    request.exclude_rows = CopyIn<int32_t>(exclude_rows);
    auto list = room()->Cold(session_->recommender(), request);
    if (!list.ok()) return ErrorVal(list.status());
    val out = val::object();
    out.set("rows", CopyOut(list->rows));
    out.set("scores", CopyOut(list->scores));
    out.set("reasons", StringArray(list->reasons));
    out.set("policy", list->policy);
    return out;
  }

  // recommend({userVector | history, diversity, exploration}) in one crossing: the history
  // (rows, weights) is folded in here when no vector is given. {rows, scores}
  val Recommend(const val& user_vector, const val& rows, const val& weights, int k, const val& exclude_rows,
                const std::string& filter_json, double diversity, double exploration) const {
    if (!room()) return ErrorVal(status_);
    const Recommender& rec = session_->recommender();
    std::vector<float> vector = CopyIn<float>(user_vector);
    if (vector.empty()) {
      const std::vector<int32_t> r = CopyIn<int32_t>(rows);
      const std::vector<float> w = CopyIn<float>(weights);
      if (!w.empty() && w.size() != r.size()) return ErrorVal(InvalidArgument("history weights and items differ in length"));
      auto folded = rec.FoldIn({r.data(), w.empty() ? nullptr : w.data(), static_cast<int64_t>(r.size())});
      if (!folded.ok()) return ErrorVal(folded.status());
      vector = std::move(folded).value();
    }
    if (static_cast<int>(vector.size()) != rec.dim())
      return ErrorVal(InvalidArgument("userVector has " + std::to_string(vector.size()) + " values, the model needs " +
                                      std::to_string(rec.dim())));
    auto filter = ParseFilterJson(filter_json);
    if (!filter.ok()) return ErrorVal(filter.status());
    Query query;
    query.user_vector = vector.data();
    query.k = k;
    query.exclude_rows = CopyIn<int32_t>(exclude_rows);
    query.filter = std::move(filter).value();
    RerankOptions options;
    options.diversity = static_cast<float>(diversity);
    options.exploration = static_cast<float>(exploration);
    auto top = room()->Recommend(rec, query, options);
    if (!top.ok()) return ErrorVal(top.status());
    return TopKVal(*top);
  }

  int PoolSize(int k) const { return room() ? room()->PoolSize(session_->recommender(), k) : k; }

  // Re-ranks a relevance-ordered pool: {rows, scores} (the policy: TextRoom::Rerank).
  val Rerank(const val& rows, const val& scores, int k, double diversity, double exploration, const val& user_vector,
             const val& exclude_rows, const std::string& filter_json) const {
    if (!room()) return ErrorVal(status_);
    const Recommender& rec = session_->recommender();
    TopK pool;
    pool.rows = CopyIn<int32_t>(rows);
    pool.scores = CopyIn<float>(scores);
    RerankOptions options;
    options.diversity = static_cast<float>(diversity);
    options.exploration = static_cast<float>(exploration);
    const std::vector<float> vector = CopyIn<float>(user_vector);
    Query user;
    const bool has_user = static_cast<int>(vector.size()) == rec.dim();
    if (has_user && options.exploration > 0) {
      auto filter = ParseFilterJson(filter_json);
      if (!filter.ok()) return ErrorVal(filter.status());
      user.user_vector = vector.data();
      user.exclude_rows = CopyIn<int32_t>(exclude_rows);
      user.filter = *filter;
    }
    auto top = room()->Rerank(rec, pool, k, options, user.user_vector ? &user : nullptr);
    if (!top.ok()) return ErrorVal(top.status());
    return TopKVal(*top);
  }

 private:
  TextRoom* room() const { return status_.ok() ? session_->Find<TextRoom>() : nullptr; }

  Session* session_;
  zhixuan::Status status_;
};

}  // namespace
}  // namespace zhixuan::wasm

EMSCRIPTEN_BINDINGS(zhixuan_text) {
  using zhixuan::wasm::TextHandle;
  emscripten::function("featurizeText", &zhixuan::wasm::FeaturizeText);
  emscripten::function("featurizeTexts", &zhixuan::wasm::FeaturizeTexts);
  emscripten::class_<TextHandle>("TextRoom")
      .constructor<zhixuan::Session&>()
      .function("status", &TextHandle::Status)
      .function("info", &TextHandle::Info)
      .function("featurize", &TextHandle::Featurize)
      .function("addItems", &TextHandle::AddItems)
      .function("embedColdItems", &TextHandle::EmbedColdItems)
      .function("search", &TextHandle::Search)
      .function("cold", &TextHandle::Cold)
      .function("recommend", &TextHandle::Recommend)
      .function("poolSize", &TextHandle::PoolSize)
      .function("rerank", &TextHandle::Rerank);
}
