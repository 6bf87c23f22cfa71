// From text to the embedding space: ridge regression of the trained item
// embeddings on the items' text features (text.hpp), learned at training time
// and shipped in the bundle, so the device can embed items it has never seen.
//   text_projection       F16 | F32 [m, d]  row k maps text bucket text_buckets[k]
//   text_projection_bias  F32 [d]           the mean trained embedding
// embedding(x) = bias + sum_k x_k * W[k]   (x: the item's TF-IDF vector)
// Only buckets seen in the training catalog have rows: ridge gives every other
// bucket a zero row, so storing them sparsely is exact and keeps the bundle small.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "zhixuan/model/bundle.hpp"
#include "zhixuan/model/catalog.hpp"
#include "zhixuan/base/status.hpp"
#include "zhixuan/text/text.hpp"

namespace zhixuan {

struct TextProjectionParams {
  float lambda = 1.0f;        // ridge penalty on W (the text vectors are L2-normalized)
  int max_iterations = 300;   // conjugate gradient on the sparse normal equations
  double tolerance = 1e-5;    // relative residual per output column
  DType dtype = DType::kF16;  // shipped precision of text_projection (F16 or F32)
};

struct TextTrainingReport {
  int64_t documents = 0;      // catalog items featurized (the IDF's documents)
  int64_t fitted_items = 0;   // of those, items with a trained embedding (the ridge's rows)
  int64_t buckets = 0;        // m
  int iterations = 0;
  double relative_residual = 0;
  double train_r2 = 0;        // 1 - |XW - Yc|^2 / |Yc|^2 on the fitted items
};

// Learns IDF and projection from the catalog's text and the model's embeddings
// (catalog ids that are model item ids). Returns the extras tensors
// (text_buckets, text_idf, text_projection, text_projection_bias); the manifest
// key "text" is written by AttachTextModel.
StatusOr<std::map<std::string, TensorData>> TrainTextProjection(const Catalog& catalog, const Model& model,
                                                               const TextProjectionParams& params,
                                                               TextTrainingReport* report = nullptr);

// TrainTextProjection, then stores the tensors in model->extras and the manifest
// key "text": {"hash_bits", "docs", "lambda"}. What `zhixuan train --catalog` calls.
Status AttachTextModel(const Catalog& catalog, Model* model, const TextProjectionParams& params,
                       TextTrainingReport* report = nullptr);

class TextProjection {
 public:
  TextProjection() = default;
  // Reads text_projection(+_bias) aligned with the featurizer's buckets; a model
  // without them gives an unavailable projection (not an error).
  static StatusOr<TextProjection> FromModel(const Model& model, const TextFeaturizer& featurizer);

  bool available() const { return dim_ > 0; }
  int dim() const { return dim_; }
  // out: dim() floats.
  void Embed(const SparseVector& features, float* out) const;
  std::vector<float> Embed(const SparseVector& features) const;

 private:
  std::vector<int32_t> buckets_;
  std::vector<float> weights_;  // m x dim, row-major
  std::vector<float> bias_;
  int dim_ = 0;
};

}  // namespace zhixuan
