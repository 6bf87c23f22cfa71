// The text room's calls as JS sees them (registered by bind_text.cpp): typed arrays and plain
// objects in and out (copies), statuses as {zxError}. The work is the core's
// (session/text_room.hpp, session/recommend_from_profile.hpp, text/); these only convert.
#pragma once

#include <emscripten/val.h>

#include <string>

#include "room_view.hpp"
#include "zhixuan/session/text_room.hpp"

namespace zhixuan::wasm {

using TextView = RoomView<TextRoom>;

namespace text_calls {

// {indices: Int32Array, values: Float32Array}: the featurizer without IDF (bytes: UTF-8, any content).
emscripten::val FeaturizeText(const emscripten::val& bytes);
// Many texts in one crossing: {offsets: Int32Array(n + 1), indices, values} (CSR rows).
emscripten::val FeaturizeTexts(const emscripten::val& texts);

// {canEmbed, hasIdf, hasPopularity, contextKeys}
emscripten::val Info(TextView& v);
// The bundle's featurizer (with its IDF) on UTF-8 bytes.
emscripten::val Featurize(TextView& v, const emscripten::val& bytes);
// items: array of catalog item JSON strings. {added} or an error (nothing added then).
emscripten::val AddItems(TextView& v, const emscripten::val& items_json);
emscripten::val EmbedColdItems(TextView& v);
emscripten::val Search(TextView& v, const emscripten::val& query_bytes, int k, const std::string& filter_json);
// {rows, scores, reasons: string[], policy}
emscripten::val Cold(TextView& v, const emscripten::val& interests, const std::string& channel, int hour,
                     const std::string& device, int k, const std::string& filter_json, const emscripten::val& exclude_rows);
// recommend({userVector | history, diversity, exploration}) in one crossing (the history folded in
// when no vector is given): {rows, scores}
emscripten::val Recommend(TextView& v, const emscripten::val& user_vector, const emscripten::val& rows,
                          const emscripten::val& weights, int k, const emscripten::val& exclude_rows,
                          const std::string& filter_json, double diversity, double exploration);
// recommend({diversity, exploration}) from the local profile in one crossing
// (RecommendFromProfile): {rows, scores, reasons} or {cold: true} for a profile without events.
emscripten::val RecommendFromProfile(TextView& v, int k, const std::string& filter_json, const emscripten::val& exclude_rows,
                                     double diversity, double exploration);
// How many relevance-ranked items to re-rank for a list of k.
int PoolSize(TextView& v, int k);
// Re-ranks a relevance-ordered pool (a cold user's list): {rows, scores}.
emscripten::val Rerank(TextView& v, const emscripten::val& rows, const emscripten::val& scores, int k, double diversity,
                       double exploration);

}  // namespace text_calls
}  // namespace zhixuan::wasm
