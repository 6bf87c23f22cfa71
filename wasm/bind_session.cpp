// Registrations only: the Session (one loaded model and its rooms) and its calls.
#include <emscripten/bind.h>

#include "session_calls.hpp"

EMSCRIPTEN_BINDINGS(zhixuan_session) {
  using namespace zhixuan::wasm;
  emscripten::class_<zhixuan::Session>("Session")
      .constructor<>()
      .function("load", &Load)
      .function("beginLoad", &BeginLoad)
      .function("readManifest", &ReadManifest)
      .function("finishLoad", &FinishLoad)
      .function("replaceModel", &ReplaceModel)
      .function("info", &Info)
      .function("manifestJson", &ManifestJson)
      .function("itemIds", &ItemIds)
      .function("itemIdsOf", &ItemIdsOf)
      .function("rowsOf", &RowsOf)
      .function("coldItems", &ColdItems)
      .function("foldIn", &FoldIn)
      .function("recommend", &Recommend)
      .function("recommendBatch", &RecommendBatch)
      .function("similarItems", &SimilarItems)
      .function("alsoBought", &AlsoBought);
  emscripten::function("setI8DotKernel", &SetI8DotKernel);
  emscripten::function("usesI8DotKernel", &zhixuan::UsesI8DotKernel);
}
