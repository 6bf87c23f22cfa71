#include "zhixuan/base/status.hpp"

namespace zhixuan {

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "INVALID_ARGUMENT";
    case StatusCode::kMalformedModel: return "MALFORMED_MODEL";
    case StatusCode::kMalformedCatalog: return "MALFORMED_CATALOG";
    case StatusCode::kModelMismatch: return "MODEL_MISMATCH";
    case StatusCode::kUnknownItem: return "UNKNOWN_ITEM";
    case StatusCode::kUnknownEvent: return "UNKNOWN_EVENT";
    case StatusCode::kMalformedPayload: return "MALFORMED_PAYLOAD";
    case StatusCode::kIntegrity: return "INTEGRITY";
    case StatusCode::kTooLarge: return "TOO_LARGE";
    case StatusCode::kIo: return "IO";
    case StatusCode::kMalformedData: return "MALFORMED_DATA";
    case StatusCode::kUnsupported: return "UNSUPPORTED";
    case StatusCode::kMalformedExperiments: return "MALFORMED_EXPERIMENTS";
    case StatusCode::kOverlappingAllocation: return "OVERLAPPING_ALLOCATION";
    case StatusCode::kUnknownParameter: return "UNKNOWN_PARAMETER";
    case StatusCode::kUnknownModelVersion: return "UNKNOWN_MODEL_VERSION";
    case StatusCode::kInternal: return "INTERNAL";
    case StatusCode::kMalformedFaq: return "MALFORMED_FAQ";
    case StatusCode::kUnknownStrategy: return "UNKNOWN_STRATEGY";
    case StatusCode::kUnknownRender: return "UNKNOWN_RENDER";
    case StatusCode::kUnknownSlot: return "UNKNOWN_SLOT";
  }
  return "INTERNAL";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(StatusCodeName(code_)) + ": " + message_;
}

}  // namespace zhixuan
