// The object JS holds: one loaded recommender. Rooms bind their own functions
// taking Engine& in wasm/bind_<room>.cpp; per-room device state may hang off it.
#pragma once

#include <emscripten/val.h>

#include <cstdint>
#include <memory>
#include <string>

#include "zhixuan/model/recommender.hpp"

namespace zhixuan::wasm {

class Engine {
 public:
  // Parses the bundle at [model_ptr, model_ptr + model_len) in the wasm heap (the
  // caller frees it afterwards) and the optional catalog JSON.
  emscripten::val Load(uintptr_t model_ptr, size_t model_len, const std::string& catalog_json, bool has_catalog);
  // Cold start in steps (see BundleLoader): BeginLoad takes the malloc'd buffer over (whatever
  // the outcome: the caller must not free it; the engine does) and parses the safetensors
  // header, which needs only the first 8 + header-length bytes; it answers where the item_ids
  // tensor lies ({idBytesBegin, idBytesEnd}, empty without one). ReadManifest, once those
  // bytes are in place, reads the manifest and indexes the ids while the host may still be
  // reading the rows. FinishLoad, once every byte is there, checks the tensors (rows are read
  // in place, not copied) and joins the catalog.
  emscripten::val BeginLoad(uintptr_t model_ptr, size_t model_len);
  emscripten::val ReadManifest();
  emscripten::val FinishLoad(const std::string& catalog_json, bool has_catalog);

  bool loaded() const { return rec_ != nullptr; }
  Recommender& rec() { return *rec_; }
  const Recommender& rec() const { return *rec_; }

  emscripten::val Info() const;          // small facts only (cold start: no manifest copy)
  std::string ManifestJson() const;      // the manifest as shipped, when JS asks for it
  emscripten::val ItemIds() const;
  emscripten::val ItemIdsOf(const emscripten::val& rows) const;  // ids of some rows (a result's)
  emscripten::val ColdItems() const;
  emscripten::val FoldIn(const emscripten::val& rows, const emscripten::val& weights) const;
  emscripten::val Recommend(const emscripten::val& user_vector, int k, const emscripten::val& exclude_rows,
                            const std::string& filter_json) const;
  emscripten::val RecommendBatch(const emscripten::val& user_vectors, int count, int k,
                                 const std::string& filter_json) const;
  emscripten::val SimilarItems(int row, int k, const std::string& filter_json) const;
  emscripten::val AlsoBought(int row, int k) const;

 private:
  emscripten::val Finish(StatusOr<Model> model, const std::string& catalog_json, bool has_catalog);

  std::unique_ptr<Recommender> rec_;
  std::unique_ptr<BundleLoader> pending_;  // between BeginLoad and FinishLoad (owns the buffer)
  Status begun_;
};

}  // namespace zhixuan::wasm
