// The Session's calls as JS sees them: typed arrays and plain objects in and out (copies),
// statuses as {zxError}. The work is the core's (zhixuan/session/session.hpp and the
// Recommender); these only convert.
#pragma once

#include <emscripten/val.h>

#include <cstdint>
#include <string>

#include "zhixuan/session/session.hpp"

namespace zhixuan::wasm {

// Parses the bundle at [model_ptr, model_ptr + model_len) in the wasm heap (the caller frees it).
emscripten::val Load(Session& s, uintptr_t model_ptr, size_t model_len, const std::string& catalog_json, bool has_catalog);
// Cold start in steps: BeginLoad takes the malloc'd buffer over whatever the outcome and answers
// {idBytesBegin, idBytesEnd, idHeapBytes}; ReadManifest; FinishLoad joins the catalog.
emscripten::val BeginLoad(Session& s, uintptr_t model_ptr, size_t model_len);
emscripten::val ReadManifest(Session& s);
emscripten::val FinishLoad(Session& s, const std::string& catalog_json, bool has_catalog);
// A newer model (heap bytes, copied; the caller frees them): the catalog and rooms follow.
emscripten::val ReplaceModel(Session& s, uintptr_t model_ptr, size_t model_len);

emscripten::val Info(const Session& s);
std::string ManifestJson(const Session& s);
emscripten::val ItemIds(const Session& s);
emscripten::val ItemIdsOf(const Session& s, const emscripten::val& rows);
// The rows of item ids or catalog aliases (strings), -1 for an unknown one, from the core's id
// index: looking a history up never copies the whole id list out of wasm.
emscripten::val RowsOf(const Session& s, const emscripten::val& ids);
emscripten::val ColdItems(const Session& s);
emscripten::val FoldIn(const Session& s, const emscripten::val& rows, const emscripten::val& weights);
emscripten::val Recommend(Session& s, const emscripten::val& user_vector, int k, const emscripten::val& exclude_rows,
                          const std::string& filter_json);
emscripten::val RecommendBatch(Session& s, const emscripten::val& user_vectors, int count, int k,
                               const std::string& filter_json);
emscripten::val SimilarItems(Session& s, int row, int k, const std::string& filter_json);
emscripten::val AlsoBought(const Session& s, int row, int k);

// Installs the I8 dot kernel at `table_index` of the module's function table (js/kernels/ put it
// there: the relaxed-SIMD module), for every session; 0 goes back to the built-in kernels.
// compare_first: see zhixuan::SetI8DotKernel.
void SetI8DotKernel(uint32_t table_index, bool compare_first);

}  // namespace zhixuan::wasm
