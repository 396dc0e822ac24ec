#include "pictor/status.h"

#include <array>

namespace pictor {
namespace {

struct CodeInfo {
  ErrorCode code;
  std::string_view name;
  int http_status;
  int exit_code;  // 2 usage, 3 bad input, 4 environment, 1 internal
};

// The one table from error codes to names, HTTP statuses and CLI exit codes.
constexpr std::array kCodes = {
    CodeInfo{ErrorCode::kOk, "ok", 200, 0},
    CodeInfo{ErrorCode::kInvalidChain, "invalid_chain", 400, 2},
    CodeInfo{ErrorCode::kUnknownOperation, "unknown_operation", 400, 2},
    CodeInfo{ErrorCode::kUnknownParameter, "unknown_parameter", 400, 2},
    CodeInfo{ErrorCode::kInvalidValue, "invalid_value", 400, 2},
    CodeInfo{ErrorCode::kMissingParameter, "missing_parameter", 400, 2},
    CodeInfo{ErrorCode::kTooManyOperations, "too_many_operations", 400, 2},
    CodeInfo{ErrorCode::kUnknownType, "unknown_type", 400, 2},
    CodeInfo{ErrorCode::kEmptyInput, "empty_input", 400, 3},
    CodeInfo{ErrorCode::kInputTooLarge, "input_too_large", 413, 3},
    CodeInfo{ErrorCode::kUnsupportedFormat, "unsupported_format", 415, 3},
    CodeInfo{ErrorCode::kCorruptImage, "corrupt_image", 422, 3},
    CodeInfo{ErrorCode::kImageTooLarge, "image_too_large", 422, 3},
    CodeInfo{ErrorCode::kTooManyFrames, "too_many_frames", 422, 3},
    CodeInfo{ErrorCode::kOutputTooLarge, "output_too_large", 422, 3},
    CodeInfo{ErrorCode::kUnsupportedOutput, "unsupported_output", 400, 2},
    CodeInfo{ErrorCode::kNotFound, "not_found", 404, 3},
    CodeInfo{ErrorCode::kMethodNotAllowed, "method_not_allowed", 405, 2},
    CodeInfo{ErrorCode::kOverloaded, "overloaded", 429, 4},
    CodeInfo{ErrorCode::kBadRequest, "bad_request", 400, 2},
    CodeInfo{ErrorCode::kMalformedMultipart, "malformed_multipart", 400, 3},
    CodeInfo{ErrorCode::kUnauthorized, "unauthorized", 401, 2},
    CodeInfo{ErrorCode::kInvalidSignature, "invalid_signature", 403, 2},
    CodeInfo{ErrorCode::kSignatureExpired, "signature_expired", 403, 2},
    CodeInfo{ErrorCode::kPresetsOnly, "presets_only", 403, 2},
    CodeInfo{ErrorCode::kNotReady, "not_ready", 503, 4},
    CodeInfo{ErrorCode::kConflict, "conflict", 409, 2},
    CodeInfo{ErrorCode::kForbiddenAddress, "forbidden_address", 400, 2},
    CodeInfo{ErrorCode::kFetchFailed, "fetch_failed", 502, 4},
    CodeInfo{ErrorCode::kTimeout, "timeout", 503, 4},
    CodeInfo{ErrorCode::kIoError, "io_error", 500, 4},
    CodeInfo{ErrorCode::kConfigError, "config_error", 500, 2},
    CodeInfo{ErrorCode::kInternal, "internal", 500, 1},
};

const CodeInfo& info(ErrorCode code) {
  for (const CodeInfo& entry : kCodes) {
    if (entry.code == code) return entry;
  }
  return kCodes.back();
}

}  // namespace

std::string_view error_code_name(ErrorCode code) { return info(code).name; }
std::optional<ErrorCode> error_code_from_name(std::string_view name) {
  for (const CodeInfo& entry : kCodes) {
    if (entry.name == name) return entry.code;
  }
  return std::nullopt;
}
int http_status(ErrorCode code) { return info(code).http_status; }
int exit_code(ErrorCode code) { return info(code).exit_code; }

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(error_code_name(code_)) + ": " + message_;
}

}  // namespace pictor
