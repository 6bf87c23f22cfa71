#include "engine.hpp"

#include <cstdlib>

#include "convert.hpp"
#include "zhixuan/model/also_bought.hpp"

namespace zhixuan::wasm {

using emscripten::val;

val Engine::Load(uintptr_t model_ptr, size_t model_len, const std::string& catalog_json, bool has_catalog) {
  return Finish(LoadModel(reinterpret_cast<const uint8_t*>(model_ptr), model_len), catalog_json, has_catalog);
}

val Engine::BeginLoad(uintptr_t model_ptr, size_t model_len) {
  std::shared_ptr<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(model_ptr),
                                       [](const uint8_t* p) { std::free(const_cast<uint8_t*>(p)); });
  pending_ = std::make_unique<BundleLoader>();
  begun_ = pending_->Begin(std::move(bytes), model_len);
  if (!begun_.ok()) return ErrorVal(begun_);
  const auto [ids_begin, ids_end] = pending_->IdTensorBytes();
  val out = OkVal();
  out.set("idBytesBegin", static_cast<double>(ids_begin));
  out.set("idBytesEnd", static_cast<double>(ids_end));
  return out;
}

val Engine::ReadManifest() {
  if (!pending_) return ErrorVal(Status(StatusCode::kInternal, "readManifest without beginLoad"));
  if (!begun_.ok()) return ErrorVal(begun_);
  return StatusVal(pending_->ReadManifest());
}

val Engine::FinishLoad(const std::string& catalog_json, bool has_catalog) {
  if (!pending_) return ErrorVal(Status(StatusCode::kInternal, "finishLoad without beginLoad"));
  std::unique_ptr<BundleLoader> loader = std::move(pending_);
  if (!begun_.ok()) return ErrorVal(begun_);
  return Finish(loader->Finish(), catalog_json, has_catalog);
}

val Engine::Finish(StatusOr<Model> model, const std::string& catalog_json, bool has_catalog) {
  if (!model.ok()) return ErrorVal(model.status());
  std::optional<Catalog> catalog;
  if (has_catalog) {
    auto parsed = ParseCatalog(catalog_json);
    if (!parsed.ok()) return ErrorVal(parsed.status());
    catalog = std::move(parsed).value();
  }
  auto rec = Recommender::Create(std::move(model).value(), std::move(catalog));
  if (!rec.ok()) return ErrorVal(rec.status());
  rec_ = std::move(rec).value();
  return OkVal();
}

val Engine::Info() const {
  const Manifest& m = rec_->model().manifest;
  val out = val::object();
  out.set("modelVersion", m.model_version);
  out.set("dim", m.dim);
  out.set("items", static_cast<double>(rec_->item_count()));
  out.set("dtype", std::string(DTypeName(rec_->model().items.dtype())));
  return out;
}

std::string Engine::ManifestJson() const { return rec_->model().manifest.json; }

val Engine::ItemIdsOf(const val& rows) const {
  const std::vector<int32_t> r = CopyIn<int32_t>(rows);
  const auto& ids = rec_->item_ids();
  val out = val::array();
  for (size_t i = 0; i < r.size(); ++i) {
    if (r[i] >= 0 && static_cast<size_t>(r[i]) < ids.size()) out.set(i, std::string(ids[static_cast<size_t>(r[i])]));
  }
  return out;
}

val Engine::ItemIds() const { return StringArray(rec_->item_ids()); }
val Engine::ColdItems() const { return StringArray(rec_->cold_items()); }

val Engine::FoldIn(const val& rows, const val& weights) const {
  std::vector<int32_t> r = CopyIn<int32_t>(rows);
  std::vector<float> w = CopyIn<float>(weights);
  if (!w.empty() && w.size() != r.size()) return ErrorVal(InvalidArgument("history weights and items differ in length"));
  auto x = rec_->FoldIn({r.data(), w.empty() ? nullptr : w.data(), static_cast<int64_t>(r.size())});
  return x.ok() ? CopyOut(x.value()) : ErrorVal(x.status());
}

val Engine::Recommend(const val& user_vector, int k, const val& exclude_rows, const std::string& filter_json) const {
  std::vector<float> user = CopyIn<float>(user_vector);
  if (static_cast<int>(user.size()) != rec_->dim())
    return ErrorVal(InvalidArgument("userVector has " + std::to_string(user.size()) + " values, the model needs " +
                                    std::to_string(rec_->dim())));
  auto filter = ParseFilterJson(filter_json);
  if (!filter.ok()) return ErrorVal(filter.status());
  Query query;
  query.user_vector = user.data();
  query.k = k;
  query.exclude_rows = CopyIn<int32_t>(exclude_rows);
  query.filter = std::move(filter).value();
  auto top = rec_->Recommend(query);
  return top.ok() ? TopKVal(top.value()) : ErrorVal(top.status());
}

val Engine::RecommendBatch(const val& user_vectors, int count, int k, const std::string& filter_json) const {
  std::vector<float> users = CopyIn<float>(user_vectors);
  if (count <= 0 || users.size() != static_cast<size_t>(count) * rec_->dim())
    return ErrorVal(InvalidArgument("userVectors must hold count x dim values"));
  auto filter = ParseFilterJson(filter_json);
  if (!filter.ok()) return ErrorVal(filter.status());
  auto batch = rec_->RecommendBatch(users.data(), count, k, filter.value());
  if (!batch.ok()) return ErrorVal(batch.status());
  val out = val::array();
  for (size_t i = 0; i < batch->size(); ++i) out.set(i, TopKVal((*batch)[i]));
  return out;
}

val Engine::SimilarItems(int row, int k, const std::string& filter_json) const {
  auto filter = ParseFilterJson(filter_json);
  if (!filter.ok()) return ErrorVal(filter.status());
  auto top = rec_->SimilarItems(row, k, filter.value());
  return top.ok() ? TopKVal(top.value()) : ErrorVal(top.status());
}

val Engine::AlsoBought(int row, int k) const {
  if (k <= 0 || k > kMaxK) return ErrorVal(InvalidArgument("k must be in 1.." + std::to_string(kMaxK)));
  auto top = zhixuan::AlsoBought(rec_->model(), row, k);
  return top.ok() ? TopKVal(top.value()) : ErrorVal(top.status());
}

}  // namespace zhixuan::wasm
