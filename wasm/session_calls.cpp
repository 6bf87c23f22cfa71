#include "session_calls.hpp"

#include <cstdlib>
#include <memory>

#include "convert.hpp"
#include "zhixuan/model/also_bought.hpp"
#include "zhixuan/model/scoring.hpp"

namespace zhixuan::wasm {

using emscripten::val;

namespace {
const std::string* CatalogArg(const std::string& json, bool has) { return has ? &json : nullptr; }
}  // namespace

val Load(Session& s, uintptr_t model_ptr, size_t model_len, const std::string& catalog_json, bool has_catalog) {
  return StatusVal(s.Load(reinterpret_cast<const uint8_t*>(model_ptr), model_len, CatalogArg(catalog_json, has_catalog)));
}

val BeginLoad(Session& s, uintptr_t model_ptr, size_t model_len) {
  std::shared_ptr<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(model_ptr),
                                       [](const uint8_t* p) { std::free(const_cast<uint8_t*>(p)); });
  const Status begun = s.BeginLoad(std::move(bytes), model_len);
  if (!begun.ok()) return ErrorVal(begun);
  const auto [ids_begin, ids_end] = s.IdTensorBytes();
  val out = OkVal();
  out.set("idBytesBegin", static_cast<double>(ids_begin));
  out.set("idBytesEnd", static_cast<double>(ids_end));
  out.set("idHeapBytes", static_cast<double>(s.IdHeapBytes()));
  return out;
}

val ReadManifest(Session& s) { return StatusVal(s.ReadManifest()); }

val FinishLoad(Session& s, const std::string& catalog_json, bool has_catalog) {
  return StatusVal(s.FinishLoad(CatalogArg(catalog_json, has_catalog)));
}

val ReplaceModel(Session& s, uintptr_t model_ptr, size_t model_len) {
  return StatusVal(s.ReplaceModel(reinterpret_cast<const uint8_t*>(model_ptr), model_len));
}

val Info(const Session& s) {
  const Recommender& rec = s.recommender();
  val out = val::object();
  out.set("modelVersion", rec.model().manifest.model_version);
  out.set("dim", rec.dim());
  out.set("items", static_cast<double>(rec.item_count()));
  out.set("dtype", std::string(DTypeName(rec.model().items.dtype())));
  return out;
}

std::string ManifestJson(const Session& s) { return s.recommender().model().manifest.json; }

val ItemIdsOf(const Session& s, const val& rows) {
  const std::vector<int32_t> r = CopyIn<int32_t>(rows);
  const auto& ids = s.recommender().item_ids();
  val out = val::array();
  for (size_t i = 0; i < r.size(); ++i) {
    if (r[i] >= 0 && static_cast<size_t>(r[i]) < ids.size()) out.set(i, std::string(ids[static_cast<size_t>(r[i])]));
  }
  return out;
}

val ItemIds(const Session& s) { return StringArray(s.recommender().item_ids()); }

val RowsOf(const Session& s, const val& ids) {
  const Recommender& rec = s.recommender();
  const unsigned n = ids["length"].as<unsigned>();
  std::vector<int32_t> rows(n);
  for (unsigned i = 0; i < n; ++i) rows[i] = rec.RowOf(ids[i].as<std::string>());
  return CopyOut(rows);
}
val ColdItems(const Session& s) { return StringArray(s.recommender().cold_items()); }

val FoldIn(const Session& s, const val& rows, const val& weights) {
  const HistoryArg history(rows, weights);
  if (Status checked = history.Check(); !checked.ok()) return ErrorVal(checked);
  auto x = s.recommender().FoldIn(history.input());
  return x.ok() ? CopyOut(x.value()) : ErrorVal(x.status());
}

val Recommend(Session& s, const val& user_vector, int k, const val& exclude_rows, const std::string& filter_json) {
  const Recommender& rec = s.recommender();
  std::vector<float> user = CopyIn<float>(user_vector);
  if (static_cast<int>(user.size()) != rec.dim())
    return ErrorVal(InvalidArgument("userVector has " + std::to_string(user.size()) + " values, the model needs " +
                                    std::to_string(rec.dim())));
  auto filter = s.CompileFilter(filter_json);
  if (!filter.ok()) return ErrorVal(filter.status());
  Query query;
  query.user_vector = user.data();
  query.k = k;
  query.exclude_rows = CopyIn<int32_t>(exclude_rows);
  query.filter = std::move(filter).value();
  auto top = rec.Recommend(query);
  return top.ok() ? TopKVal(top.value()) : ErrorVal(top.status());
}

val RecommendBatch(Session& s, const val& user_vectors, int count, int k, const std::string& filter_json) {
  const Recommender& rec = s.recommender();
  std::vector<float> users = CopyIn<float>(user_vectors);
  if (count <= 0 || users.size() != static_cast<size_t>(count) * rec.dim())
    return ErrorVal(InvalidArgument("userVectors must hold count x dim values"));
  auto filter = s.CompileFilter(filter_json);
  if (!filter.ok()) return ErrorVal(filter.status());
  auto batch = rec.RecommendBatch(users.data(), count, k, filter.value());
  if (!batch.ok()) return ErrorVal(batch.status());
  val out = val::array();
  for (size_t i = 0; i < batch->size(); ++i) out.set(i, TopKVal((*batch)[i]));
  return out;
}

val SimilarItems(Session& s, int row, int k, const std::string& filter_json) {
  auto filter = s.CompileFilter(filter_json);
  if (!filter.ok()) return ErrorVal(filter.status());
  auto top = s.recommender().SimilarItems(row, k, filter.value());
  return top.ok() ? TopKVal(top.value()) : ErrorVal(top.status());
}

val AlsoBought(const Session& s, int row, int k) {
  if (k <= 0 || k > kMaxK) return ErrorVal(InvalidArgument("k must be in 1.." + std::to_string(kMaxK)));
  auto top = zhixuan::AlsoBought(s.recommender().model(), row, k);
  return top.ok() ? TopKVal(top.value()) : ErrorVal(top.status());
}

void SetI8DotKernel(uint32_t table_index, bool compare_first) {
  // In wasm a function pointer is its index in the function table.
  zhixuan::SetI8DotKernel(reinterpret_cast<I8DotKernel>(static_cast<uintptr_t>(table_index)), compare_first);
}

}  // namespace zhixuan::wasm
