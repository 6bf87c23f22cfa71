// Registrations only: the text room (a view of the session's TextRoom) and its calls
// (wasm/text_calls.hpp), and featurizeText(s) for the native == wasm check.
#include <emscripten/bind.h>

#include "text_calls.hpp"

EMSCRIPTEN_BINDINGS(zhixuan_text) {
  using namespace zhixuan::wasm;
  using namespace zhixuan::wasm::text_calls;
  emscripten::function("featurizeText", &FeaturizeText);
  emscripten::function("featurizeTexts", &FeaturizeTexts);
  emscripten::class_<TextView>("TextRoom")
      .constructor<zhixuan::Session&>()
      .function("status", &ViewStatus<zhixuan::TextRoom>)
      .function("info", &Info)
      .function("featurize", &Featurize)
      .function("addItems", &AddItems)
      .function("embedColdItems", &EmbedColdItems)
      .function("search", &Search)
      .function("cold", &Cold)
      .function("recommend", &Recommend)
      .function("recommendFromProfile", &RecommendFromProfile)
      .function("poolSize", &PoolSize)
      .function("rerank", &Rerank);
}
