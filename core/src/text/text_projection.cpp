#include "zhixuan/text/text_projection.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <Eigen/Dense>
#include <Eigen/Sparse>
#include <nlohmann/json.hpp>

#include "zhixuan/base/half.hpp"

namespace zhixuan {
namespace {

using Json = nlohmann::json;
using DenseMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
using Sparse = Eigen::SparseMatrix<double, Eigen::RowMajor>;

// Solves (X^T X + lambda I) W = X^T Y column by column with conjugate gradient,
// all columns advancing together (one sparse product per iteration for all d).
DenseMatrix SolveRidgeCg(const Sparse& x, const DenseMatrix& y, const TextProjectionParams& params,
                         TextTrainingReport* report) {
  const Sparse xt = x.transpose();
  DenseMatrix w = DenseMatrix::Zero(x.cols(), y.cols());
  DenseMatrix r = xt * y;
  DenseMatrix p = r;
  Eigen::ArrayXd rs = r.colwise().squaredNorm().transpose().array();
  const Eigen::ArrayXd rs0 = rs.max(1e-300);
  int it = 0;
  double worst = 0;
  for (; it < params.max_iterations; ++it) {
    worst = (rs / rs0).sqrt().maxCoeff();
    if (worst < params.tolerance) break;
    DenseMatrix xp = x * p;
    DenseMatrix ap = xt * xp + params.lambda * p;
    Eigen::ArrayXd pap = (p.array() * ap.array()).colwise().sum().transpose();
    Eigen::ArrayXd alpha = (pap > 0).select(rs / pap.max(1e-300), 0.0);
    w += p * alpha.matrix().asDiagonal();
    r -= ap * alpha.matrix().asDiagonal();
    Eigen::ArrayXd rs_new = r.colwise().squaredNorm().transpose().array();
    Eigen::ArrayXd beta = rs_new / rs.max(1e-300);
    p = r + p * beta.matrix().asDiagonal();
    rs = rs_new;
  }
  if (report) {
    report->iterations = it;
    report->relative_residual = (rs / rs0).sqrt().maxCoeff();
  }
  return w;
}

TensorData MakeProjectionTensor(const DenseMatrix& w, DType dtype) {
  const int64_t m = w.rows(), d = w.cols();
  std::vector<float> rows(static_cast<size_t>(m * d));
  for (int64_t k = 0; k < m; ++k)
    for (int64_t j = 0; j < d; ++j) rows[k * d + j] = static_cast<float>(w(k, j));
  if (dtype != DType::kF16) return MakeF32Tensor({m, d}, rows.data());
  TensorData t;
  t.dtype = DType::kF16;
  t.shape = {m, d};
  t.bytes.resize(rows.size() * 2);
  for (size_t i = 0; i < rows.size(); ++i) {
    const uint16_t h = FloatToHalf(rows[i]);
    std::memcpy(t.bytes.data() + 2 * i, &h, 2);  // little-endian hosts only (x86, wasm)
  }
  return t;
}

}  // namespace

StatusOr<std::map<std::string, TensorData>> TrainTextProjection(const Catalog& catalog, const Model& model,
                                                               const TextProjectionParams& params,
                                                               TextTrainingReport* report) {
  if (!(params.lambda > 0) || !std::isfinite(params.lambda)) return InvalidArgument("text projection lambda must be > 0");
  if (params.max_iterations <= 0) return InvalidArgument("text projection max_iterations must be > 0");
  if (params.dtype != DType::kF16 && params.dtype != DType::kF32)
    return InvalidArgument("text projection dtype must be F16 or F32");
  if (catalog.items.empty()) return InvalidArgument("the catalog has no items to learn text features from");
  const int d = model.manifest.dim;
  if (d <= 0 || model.items.rows() <= 0) return InvalidArgument("the model has no item embeddings");

  // 1. IDF over every catalog item (the documents), from raw term hits.
  const TextFeaturizer plain;
  std::vector<SparseVector> raw;
  raw.reserve(catalog.items.size());
  for (const CatalogItem& item : catalog.items) raw.push_back(plain.FeaturizeItem(item));
  std::vector<int32_t> buckets, df;
  DocumentFrequencies(raw, &buckets, &df);
  if (buckets.empty()) return InvalidArgument("no catalog item has any text (title, tags, description)");
  const TextFeaturizer featurizer =
      TextFeaturizer::FromDocumentFrequencies(buckets, df, static_cast<int64_t>(catalog.items.size()));

  // 2. Rows: catalog items the model has embeddings for.
  std::unordered_map<std::string, int32_t> model_row;
  for (size_t r = 0; r < model.manifest.item_ids.size(); ++r) model_row.emplace(std::string(model.manifest.item_ids[r]), static_cast<int32_t>(r));
  std::vector<Eigen::Triplet<double>> triplets;
  std::vector<int32_t> rows_used;
  for (const CatalogItem& item : catalog.items) {
    auto it = model_row.find(item.id);
    if (it == model_row.end()) continue;
    const SparseVector v = featurizer.FeaturizeItem(item);
    if (v.empty()) continue;
    const int32_t n = static_cast<int32_t>(rows_used.size());
    for (size_t k = 0; k < v.indices.size(); ++k) {
      const int32_t col = static_cast<int32_t>(std::lower_bound(buckets.begin(), buckets.end(), v.indices[k]) - buckets.begin());
      triplets.emplace_back(n, col, v.values[k]);
    }
    rows_used.push_back(it->second);
  }
  if (rows_used.empty()) return InvalidArgument("no catalog item with text matches a model item id");
  const int64_t n = static_cast<int64_t>(rows_used.size());
  const int64_t m = static_cast<int64_t>(buckets.size());
  Sparse x(n, m);
  x.setFromTriplets(triplets.begin(), triplets.end());

  DenseMatrix y(n, d);
  std::vector<float> row(d);
  for (int64_t i = 0; i < n; ++i) {
    model.items.RowToF32(rows_used[i], row.data());
    for (int j = 0; j < d; ++j) y(i, j) = row[j];
  }
  const Eigen::RowVectorXd mean = y.colwise().mean();
  y.rowwise() -= mean;

  TextTrainingReport local;
  local.documents = static_cast<int64_t>(catalog.items.size());
  local.fitted_items = n;
  local.buckets = m;
  const DenseMatrix w = SolveRidgeCg(x, y, params, &local);
  const double total = y.squaredNorm();
  local.train_r2 = total > 0 ? 1.0 - (x * w - y).squaredNorm() / total : 0.0;
  if (report) *report = local;

  std::map<std::string, TensorData> extras;
  extras["text_buckets"] = MakeI32Tensor({m}, buckets.data());
  extras["text_idf"] = MakeF32Tensor({m}, featurizer.idf().data());
  extras["text_projection"] = MakeProjectionTensor(w, params.dtype);
  std::vector<float> bias(d);
  for (int j = 0; j < d; ++j) bias[j] = static_cast<float>(mean(j));
  extras["text_projection_bias"] = MakeF32Tensor({d}, bias.data());
  return extras;
}

Status AttachTextModel(const Catalog& catalog, Model* model, const TextProjectionParams& params,
                       TextTrainingReport* report) {
  TextTrainingReport local;
  auto extras = TrainTextProjection(catalog, *model, params, &local);
  if (!extras.ok()) return extras.status();
  for (auto& [name, tensor] : *extras) model->extras[name] = std::move(tensor);
  Json manifest = Json::parse(model->manifest.json.empty() ? "{}" : model->manifest.json, nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object()) manifest = Json::object();
  manifest["text"] = {{"hash_bits", kTextHashBits}, {"docs", local.documents}, {"lambda", params.lambda}};
  model->manifest.json = manifest.dump();
  if (report) *report = local;
  return Status::Ok();
}

StatusOr<TextProjection> TextProjection::FromModel(const Model& model, const TextFeaturizer& featurizer) {
  TextProjection p;
  auto w = model.extras.find("text_projection");
  auto b = model.extras.find("text_projection_bias");
  if (w == model.extras.end() && b == model.extras.end()) return p;
  if (w == model.extras.end() || b == model.extras.end())
    return MalformedModel("bundle has only one of text_projection and text_projection_bias");
  const int d = model.manifest.dim;
  const int64_t m = static_cast<int64_t>(featurizer.buckets().size());
  if (w->second.shape != std::vector<int64_t>{m, d} || (w->second.dtype != DType::kF16 && w->second.dtype != DType::kF32))
    return MalformedModel("text_projection must be F16/F32 [len(text_buckets), dim]");
  if (b->second.dtype != DType::kF32 || b->second.shape != std::vector<int64_t>{d})
    return MalformedModel("text_projection_bias must be F32 [dim]");
  p.buckets_ = featurizer.buckets();
  p.weights_.resize(static_cast<size_t>(m * d));
  if (w->second.dtype == DType::kF32) {
    std::memcpy(p.weights_.data(), w->second.bytes.data(), p.weights_.size() * sizeof(float));
  } else {
    for (size_t i = 0; i < p.weights_.size(); ++i) {
      uint16_t h;
      std::memcpy(&h, w->second.bytes.data() + 2 * i, 2);
      p.weights_[i] = HalfToFloat(h);
    }
  }
  for (float v : p.weights_)
    if (!std::isfinite(v)) return MalformedModel("text_projection holds NaN or Inf");
  p.bias_.resize(d);
  std::memcpy(p.bias_.data(), b->second.bytes.data(), d * sizeof(float));
  for (float v : p.bias_)
    if (!std::isfinite(v)) return MalformedModel("text_projection_bias holds NaN or Inf");
  p.dim_ = d;
  return p;
}

void TextProjection::Embed(const SparseVector& features, float* out) const {
  for (int j = 0; j < dim_; ++j) out[j] = bias_[j];
  for (size_t k = 0; k < features.indices.size(); ++k) {
    auto it = std::lower_bound(buckets_.begin(), buckets_.end(), features.indices[k]);
    if (it == buckets_.end() || *it != features.indices[k]) continue;  // unseen in training: zero row
    const float* w = weights_.data() + static_cast<size_t>(it - buckets_.begin()) * dim_;
    const float x = features.values[k];
    for (int j = 0; j < dim_; ++j) out[j] += x * w[j];
  }
}

std::vector<float> TextProjection::Embed(const SparseVector& features) const {
  std::vector<float> out(dim_);
  Embed(features, out.data());
  return out;
}

}  // namespace zhixuan
