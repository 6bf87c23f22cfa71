// Registrations only: the Engine and its methods.
#include <emscripten/bind.h>

#include "engine.hpp"

EMSCRIPTEN_BINDINGS(zhixuan_engine) {
  using zhixuan::wasm::Engine;
  emscripten::class_<Engine>("Engine")
      .constructor<>()
      .function("load", &Engine::Load)
      .function("beginLoad", &Engine::BeginLoad)
      .function("readManifest", &Engine::ReadManifest)
      .function("finishLoad", &Engine::FinishLoad)
      .function("info", &Engine::Info)
      .function("manifestJson", &Engine::ManifestJson)
      .function("itemIds", &Engine::ItemIds)
      .function("itemIdsOf", &Engine::ItemIdsOf)
      .function("coldItems", &Engine::ColdItems)
      .function("foldIn", &Engine::FoldIn)
      .function("recommend", &Engine::Recommend)
      .function("recommendBatch", &Engine::RecommendBatch)
      .function("similarItems", &Engine::SimilarItems)
      .function("alsoBought", &Engine::AlsoBought);
}
