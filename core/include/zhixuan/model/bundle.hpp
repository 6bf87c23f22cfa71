// The model bundle a server ships: a safetensors file whose tensors are
//   item_embeddings [N, d] F32 | F16 | I8   (I8 with item_scales [N] F32)
//   item_ids [bytes] U8      format 2: the N ids in row order, each id's UTF-8 then a 0 byte
//   item_bias [N] F32        optional
//   item_gram [d, d] F32     optional (V^T V; computed on first use when absent: GramOf)
//   any other tensor         kept in Model::extras for the rooms that use it
// and whose __metadata__["zhixuan.manifest"] is JSON:
//   {"format_version": 2, "model_version": "...", "dim": d,
//    "foldin": {"reg": .., "alpha": .., "unobserved_weight": .., "reg_exponent": ..}, ...}
// Format 1 lists the ids in the manifest instead ("item_ids": [...], no item_ids tensor); both
// load. Format 2 spares the device decoding 100k ids out of a JSON string inside the JSON header
// (two thirds of a cold start's parse). Manifest keys this file does not know are kept verbatim
// (Manifest::json) for other rooms.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "zhixuan/model/id_list.hpp"
#include "zhixuan/model/item_matrix.hpp"
#include "zhixuan/model/row_index.hpp"
#include "zhixuan/model/safetensors.hpp"
#include "zhixuan/base/status.hpp"

namespace zhixuan {

constexpr int kBundleFormatVersion = 2;        // what SaveModel writes
constexpr int kOldestBundleFormatVersion = 1;  // the oldest LoadModel reads
constexpr int kMaxDim = 1024;
constexpr int64_t kMaxItems = 20'000'000;
constexpr size_t kMaxItemIdBytes = 256;

// Implicit-ALS fold-in hyperparameters (see foldin.hpp for the objective).
struct FoldInParams {
  float reg = 0.1f;                // lambda
  float alpha = 1.0f;              // observed confidence c = 1 + alpha * weight
  float unobserved_weight = 1.0f;  // w0, weight of every unobserved item
  float reg_exponent = 0.0f;       // nu: lambda_u = lambda * (n_u + w0 * N)^nu (Rendle 2022)
};

struct Manifest {
  int format_version = kBundleFormatVersion;
  std::string model_version;
  int dim = 0;
  IdList item_ids;  // row order (from the manifest or the item_ids tensor)
  FoldInParams foldin;
  std::string json;  // the whole manifest as shipped (other rooms read their keys from it)
};

struct Model {
  Manifest manifest;
  ItemMatrix items;
  std::vector<float> bias;  // empty or one per row
  // d*d, row-major, V^T V of the dequantized rows, as shipped; empty until GramOf computes it
  // (only the fold-in needs it: a bundle without it loads as fast as one with it).
  mutable std::vector<float> gram;
  std::map<std::string, TensorData> extras;
  // manifest.item_ids -> row: LoadModel builds it while checking for duplicates;
  // Recommender::Create builds it when it does not cover the id list.
  RowIndex id_index;
};

// Parses and validates a bundle; copies what it keeps, so `bytes` may be freed after.
StatusOr<Model> LoadModel(const uint8_t* bytes, size_t size);
// Same checks, without copying the item rows: the model adopts `bytes` and reads the
// rows in place (the buffer lives as long as the rows do).
StatusOr<Model> LoadModel(std::shared_ptr<const uint8_t> bytes, size_t size);

// LoadModel in steps, for hosts that read the file while it is parsed (cold start):
//   Begin         the safetensors header (the first 8 + header-length bytes) only;
//   IdTensorBytes where the format 2 item_ids tensor lies, so the host can read it next;
//   ReadManifest  the manifest and the ids (format 1: from the manifest; format 2: from the
//                 item_ids tensor, whose bytes must be in place) and the id table, while the
//                 rows may still be arriving;
//   Finish        once every byte is in place: the tensors (calls ReadManifest if nobody did).
// `bytes` is adopted as in LoadModel above and stays alive with the loader, whether Begin
// succeeds or not.
class BundleLoader {
 public:
  Status Begin(std::shared_ptr<const uint8_t> bytes, size_t size);
  // Without adoption: the rows are copied at Finish; `bytes` must outlive the loader.
  Status Begin(const uint8_t* bytes, size_t size, std::shared_ptr<const uint8_t> backing);
  // [begin, end) byte offsets of the item_ids tensor in the file, or {0, 0} without one.
  std::pair<size_t, size_t> IdTensorBytes() const;
  // What ReadManifest allocates for a format 2 item_ids tensor, at most (0 without one): a
  // host reading the rows meanwhile keeps that much heap free, so the heap need not grow.
  size_t IdHeapBytes() const;
  Status ReadManifest();      // after a successful Begin; later calls return the first one's status
  StatusOr<Model> Finish();   // once, after a successful Begin

 private:
  std::shared_ptr<const uint8_t> backing_;
  const uint8_t* file_start_ = nullptr;
  SafetensorsView file_;
  Model model_;
  bool begun_ = false;
  bool manifest_read_ = false;
  Status manifest_status_;

  Status ReadManifestOnce();
};

// Serializes a model in Manifest::format_version (2 for a new model; a loaded one keeps its
// own; 1 whenever an id holds a 0 byte); the manifest JSON is regenerated from the typed
// fields merged over Manifest::json (typed fields win).
std::vector<uint8_t> SaveModel(const Model& model);

// Builds a model from F32 rows (the trainer's and converter's entry point).
StatusOr<Model> MakeModel(const std::vector<std::string>& item_ids, const float* rows, int dim, DType dtype,
                          FoldInParams foldin, std::string model_version);

// V^T V of the dequantized rows, row-major d*d. Each entry sums its rows' products in row
// order, the same on every host (wasm SIMD or portable), so native and wasm agree bit for bit.
std::vector<float> ComputeGram(const ItemMatrix& items);

// The model's gram: the shipped one, or computed on the first call and kept (thread-safe).
// LoadModel has already checked that it is finite.
const std::vector<float>& GramOf(const Model& model);

}  // namespace zhixuan
