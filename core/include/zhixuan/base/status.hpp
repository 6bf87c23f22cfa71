// Status and StatusOr<T>: how every fallible core call reports failure.
// The core never throws across its boundary (wasm is built without exceptions);
// the JS wrapper turns a non-OK status into one ZhixuanError with a stable `.code`.
#pragma once

#include <cassert>
#include <string>
#include <utility>

namespace zhixuan {

// Stable codes: their names (StatusCodeName) are the public `.code` strings in JS.
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,   // a caller-supplied argument is out of its domain
  kMalformedModel,    // the safetensors bundle or its manifest is broken
  kMalformedCatalog,  // the catalog JSON is broken
  kModelMismatch,     // two inputs disagree (catalog vs model, payload vs base model)
  kUnknownItem,       // an item id that neither model nor catalog knows
  kUnknownEvent,      // an event type the profile does not know
  kMalformedPayload,  // a profile blob / update payload is broken
  kIntegrity,         // a checksum or digest did not match
  kTooLarge,          // an input beyond the documented size limits
  kIo,                // a file could not be read or written
  kMalformedData,     // a CSV/interaction file is broken
  kUnsupported,       // valid input the build does not handle
  kMalformedExperiments,   // the experiments file is broken (ops/experiments.hpp)
  kOverlappingAllocation,  // two experiments of one layer claim the same traffic (or parameter)
  kUnknownParameter,       // a key the experiments file does not define
  kUnknownModelVersion,    // a variant names a model version the file does not list
  kInternal,          // a bug: an invariant was violated
  kMalformedFaq,      // the assistant's FAQ base JSON is broken
  kUnknownStrategy,   // a slot's arm names a strategy the SDK does not have (ops/slots_config.hpp)
  kUnknownRender,     // a bandit reward for a render id the device never made or already forgot
  kUnknownSlot,       // a slot the slots config does not declare
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "CODE: message", for logs and CLI errors.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status MalformedModel(std::string m) { return {StatusCode::kMalformedModel, std::move(m)}; }
inline Status MalformedCatalog(std::string m) { return {StatusCode::kMalformedCatalog, std::move(m)}; }

// A value or the status that explains why there is none.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT
  StatusOr(T value) : value_(std::move(value)), has_value_(true) {}                // NOLINT

  bool ok() const { return has_value_; }
  const Status& status() const { return status_; }
  T& value() & { assert(has_value_); return value_; }
  const T& value() const& { assert(has_value_); return value_; }
  T&& value() && { assert(has_value_); return std::move(value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  Status status_;
  T value_{};
  bool has_value_ = false;
};

}  // namespace zhixuan

// Early return of a failed status; keeps call sites flat.
#define ZX_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::zhixuan::Status zx_status_ = (expr);   \
    if (!zx_status_.ok()) return zx_status_; \
  } while (0)
