// Conversions at the wasm boundary: statuses to plain JS objects, typed arrays in
// and out (always copies: memory growth would detach a live heap view).
#pragma once

#include <emscripten/val.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "zhixuan/model/scoring.hpp"
#include "zhixuan/base/status.hpp"

namespace zhixuan::wasm {

// {zxError: {code, message}}: the JS wrapper turns it into a ZhixuanError.
inline emscripten::val ErrorVal(const Status& status) {
  emscripten::val error = emscripten::val::object();
  error.set("code", std::string(StatusCodeName(status.code())));
  error.set("message", status.message());
  emscripten::val out = emscripten::val::object();
  out.set("zxError", error);
  return out;
}

inline emscripten::val OkVal() { return emscripten::val::object(); }
inline emscripten::val StatusVal(const Status& status) { return status.ok() ? OkVal() : ErrorVal(status); }

template <typename T>
emscripten::val CopyOut(const T* data, size_t count) {
  return emscripten::val(emscripten::typed_memory_view(count, data)).call<emscripten::val>("slice");
}

template <typename T>
emscripten::val CopyOut(const std::vector<T>& v) { return CopyOut(v.data(), v.size()); }

template <typename T>
std::vector<T> CopyIn(const emscripten::val& typed_array) {
  if (typed_array.isUndefined() || typed_array.isNull()) return {};
  return emscripten::convertJSArrayToNumberVector<T>(typed_array);
}

// A typed array of exactly N bytes (nonces, seeds), or INVALID_ARGUMENT naming it.
template <size_t N>
StatusOr<std::array<uint8_t, N>> FixedBytes(const emscripten::val& typed_array, const char* name) {
  std::vector<uint8_t> bytes = CopyIn<uint8_t>(typed_array);
  if (bytes.size() != N) return InvalidArgument(std::string(name) + " must be " + std::to_string(N) + " bytes");
  std::array<uint8_t, N> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

inline emscripten::val TopKVal(const TopK& top) {
  emscripten::val out = emscripten::val::object();
  out.set("rows", CopyOut(top.rows));
  out.set("scores", CopyOut(top.scores));
  return out;
}

// v[key] when it is a string, else "" (the JS wrapper validated the object before it crossed).
inline std::string StringOr(const emscripten::val& v, const char* key) {
  const emscripten::val x = v[key];
  return x.isString() ? x.as<std::string>() : std::string();
}

// A JS array of strings from std::vector<std::string> or IdList.
template <typename Strings>
emscripten::val StringArray(const Strings& strings) {
  emscripten::val out = emscripten::val::array();
  for (size_t i = 0; i < strings.size(); ++i) out.set(i, std::string(strings[i]));
  return out;
}

}  // namespace zhixuan::wasm
