// Conversions at the wasm boundary: statuses to plain JS objects, typed arrays in
// and out (always copies: memory growth would detach a live heap view).
#pragma once

#include <emscripten/val.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "zhixuan/base/status.hpp"
#include "zhixuan/model/foldin.hpp"
#include "zhixuan/model/scoring.hpp"

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

// A JS array of strings (null/undefined: empty).
inline std::vector<std::string> StringList(const emscripten::val& array) {
  std::vector<std::string> out;
  if (array.isUndefined() || array.isNull()) return out;
  const size_t n = array["length"].as<size_t>();
  for (size_t i = 0; i < n; ++i) out.push_back(array[i].as<std::string>());
  return out;
}

// A JS array of byte arrays (null/undefined: empty).
inline std::vector<std::vector<uint8_t>> ByteArrays(const emscripten::val& array) {
  std::vector<std::vector<uint8_t>> out;
  if (array.isUndefined() || array.isNull()) return out;
  const size_t n = array["length"].as<size_t>();
  for (size_t i = 0; i < n; ++i) out.push_back(CopyIn<uint8_t>(array[i]));
  return out;
}

// UTF-8 bytes (a Uint8Array) as a string, copied straight into it (one copy: a 1.8 MB FAQ
// went through a vector and a second copy before).
inline std::string BytesOf(const emscripten::val& bytes) {
  if (bytes.isUndefined() || bytes.isNull()) return {};
  std::string out(bytes["length"].as<size_t>(), '\0');
  emscripten::val(emscripten::typed_memory_view(out.size(), reinterpret_cast<uint8_t*>(out.data()))).call<void>("set", bytes);
  return out;
}

// A history as it crosses: rows and optional weights (empty: all 1), copied in.
struct HistoryArg {
  std::vector<int32_t> rows;
  std::vector<float> weights;
  HistoryArg(const emscripten::val& r, const emscripten::val& w) : rows(CopyIn<int32_t>(r)), weights(CopyIn<float>(w)) {}
  Status Check() const {
    return weights.empty() || weights.size() == rows.size() ? Status::Ok()
                                                           : InvalidArgument("history weights and items differ in length");
  }
  FoldInInput input() const {
    return {rows.data(), weights.empty() ? nullptr : weights.data(), static_cast<int64_t>(rows.size())};
  }
};

}  // namespace zhixuan::wasm
