#include "text_calls.hpp"

#include <vector>

#include "profile_calls.hpp"
#include "zhixuan/session/recommend_from_profile.hpp"
#include "zhixuan/text/text.hpp"

namespace zhixuan::wasm {

using emscripten::val;

namespace {

val SparseVal(const SparseVector& v) {
  val out = val::object();
  out.set("indices", CopyOut(v.indices));
  out.set("values", CopyOut(v.values));
  return out;
}

RerankOptions Options(double diversity, double exploration) {
  RerankOptions options;
  options.diversity = static_cast<float>(diversity);
  options.exploration = static_cast<float>(exploration);
  return options;
}

}  // namespace

namespace text_calls {

val FeaturizeText(const val& bytes) { return SparseVal(TextFeaturizer().FeaturizeQuery(BytesOf(bytes))); }

val FeaturizeTexts(const val& texts) {
  const SparseRows rows = TextFeaturizer().FeaturizeQueries(StringList(texts));
  val out = val::object();
  out.set("offsets", CopyOut(rows.offsets));
  out.set("indices", CopyOut(rows.indices));
  out.set("values", CopyOut(rows.values));
  return out;
}

val Info(TextView& v) {
  return WithRoom(v, [](TextRoom& room) {
    val out = val::object();
    out.set("canEmbed", room.index().can_embed());
    out.set("hasIdf", room.index().featurizer().has_idf());
    out.set("hasPopularity", room.cold_start().has_popularity());
    out.set("contextKeys", StringArray(room.cold_start().context_keys()));
    return out;
  });
}

val Featurize(TextView& v, const val& bytes) {
  return WithRoom(v, [&](TextRoom& room) { return SparseVal(room.index().featurizer().FeaturizeQuery(BytesOf(bytes))); });
}

val AddItems(TextView& v, const val& items_json) {
  return WithRoom(v, [&](TextRoom& room) {
    auto items = ParseCatalogItemsJson(StringList(items_json));
    if (!items.ok()) return ErrorVal(items.status());
    const size_t count = items->size();
    const Status added = room.AddItems(v.session().recommender(), std::move(items).value());
    if (!added.ok()) return ErrorVal(added);
    val out = val::object();
    out.set("added", static_cast<double>(count));
    return out;
  });
}

val EmbedColdItems(TextView& v) {
  return WithRoom(v, [&](TextRoom& room) {
    auto n = room.EmbedColdItems(v.session().recommender());
    if (!n.ok()) return ErrorVal(n.status());
    val out = val::object();
    out.set("added", static_cast<double>(*n));
    return out;
  });
}

val Search(TextView& v, const val& query_bytes, int k, const std::string& filter_json) {
  return WithRoom(v, [&](TextRoom& room) {
    auto filter = v.session().CompileFilter(filter_json);
    if (!filter.ok()) return ErrorVal(filter.status());
    auto top = room.Search(v.session().recommender(), BytesOf(query_bytes), k, *filter);
    return top.ok() ? TopKVal(*top) : ErrorVal(top.status());
  });
}

val Cold(TextView& v, const val& interests, const std::string& channel, int hour, const std::string& device, int k,
         const std::string& filter_json, const val& exclude_rows) {
  return WithRoom(v, [&](TextRoom& room) {
    auto filter = v.session().CompileFilter(filter_json);
    if (!filter.ok()) return ErrorVal(filter.status());
    ColdStartRequest request;
    request.interests = StringList(interests);
    request.context = ColdContext{channel, hour, device};
    request.k = k;
    request.filter = *filter;
    request.exclude_rows = CopyIn<int32_t>(exclude_rows);
    auto list = room.Cold(v.session().recommender(), request);
    if (!list.ok()) return ErrorVal(list.status());
    val out = val::object();
    out.set("rows", CopyOut(list->rows));
    out.set("scores", CopyOut(list->scores));
    out.set("reasons", StringArray(list->reasons));
    out.set("policy", list->policy);
    return out;
  });
}

val Recommend(TextView& v, const val& user_vector, const val& rows, const val& weights, int k, const val& exclude_rows,
              const std::string& filter_json, double diversity, double exploration) {
  return WithRoom(v, [&](TextRoom& room) {
    const Recommender& rec = v.session().recommender();
    const HistoryArg history(rows, weights);
    if (Status checked = history.Check(); !checked.ok()) return ErrorVal(checked);
    auto vector = rec.QueryVector(CopyIn<float>(user_vector), history.input());
    if (!vector.ok()) return ErrorVal(vector.status());
    auto filter = v.session().CompileFilter(filter_json);
    if (!filter.ok()) return ErrorVal(filter.status());
    Query query;
    query.user_vector = vector->data();
    query.k = k;
    query.exclude_rows = CopyIn<int32_t>(exclude_rows);
    query.filter = std::move(filter).value();
    auto top = room.Recommend(rec, query, Options(diversity, exploration));
    return top.ok() ? TopKVal(*top) : ErrorVal(top.status());
  });
}

val RecommendFromProfile(TextView& v, int k, const std::string& filter_json, const val& exclude_rows, double diversity,
                         double exploration) {
  return WithRoom(v, [&](TextRoom& room) {
    ProfileRoom* profile = v.session().Find<ProfileRoom>();
    if (profile == nullptr) return ErrorVal(Status(StatusCode::kUnsupported, "this recommender has no profile"));
    auto filter = v.session().CompileFilter(filter_json);
    if (!filter.ok()) return ErrorVal(filter.status());
    auto out = zhixuan::RecommendFromProfile(v.session().recommender(), profile->profile(), room, k, *filter,
                                             CopyIn<int32_t>(exclude_rows), Options(diversity, exploration));
    if (!out.ok()) return ErrorVal(out.status());
    if (!out->has_value()) {
      val cold = val::object();
      cold.set("cold", true);
      return cold;
    }
    return RecommendationVal(**out);
  });
}

int PoolSize(TextView& v, int k) {
  TextRoom* room = v.room();
  return room ? room->PoolSize(v.session().recommender(), k) : k;
}

val Rerank(TextView& v, const val& rows, const val& scores, int k, double diversity, double exploration) {
  return WithRoom(v, [&](TextRoom& room) {
    TopK pool;
    pool.rows = CopyIn<int32_t>(rows);
    pool.scores = CopyIn<float>(scores);
    auto top = room.Rerank(v.session().recommender(), pool, k, Options(diversity, exploration), nullptr);
    return top.ok() ? TopKVal(*top) : ErrorVal(top.status());
  });
}

}  // namespace text_calls
}  // namespace zhixuan::wasm
