// Status and Result: how every Pictor module reports failure across its boundary.
//
// Errors carry a stable machine-readable code (see error_code_name) and a human message. The
// code decides the HTTP status and the CLI exit code through one table (status.cc), so the
// CLI, the server and embedders agree on what went wrong.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace pictor {

enum class ErrorCode {
  kOk,
  // The request (chain, parameters, options) is wrong.
  kInvalidChain,        // syntax error in a chain
  kUnknownOperation,    // operation name not registered
  kUnknownParameter,    // parameter not in the operation's descriptor
  kInvalidValue,        // parameter value of the wrong type or out of range
  kMissingParameter,    // a required parameter is absent
  kTooManyOperations,   // chain longer than the configured maximum
  kUnknownType,         // named thumbnail type not defined
  // The input image is unacceptable.
  kEmptyInput,
  kInputTooLarge,       // more bytes than limits.max_input_bytes
  kUnsupportedFormat,   // not an image, or a loader that is not allowed for untrusted input
  kCorruptImage,        // truncated or malformed image data
  kImageTooLarge,       // pixel limits per frame / in total
  kTooManyFrames,
  kOutputTooLarge,      // the plan would produce more than limits.max_output_pixels
  kUnsupportedOutput,   // output format not available in this build
  // The service.
  kNotFound,            // no image with that id, or no such route
  kMethodNotAllowed,
  kOverloaded,          // the work queue is full; retry later
  kBadRequest,          // malformed HTTP request
  kMalformedMultipart,  // multipart/form-data body that cannot be parsed (e.g. no boundary)
  kUnauthorized,        // a write (or keyed read) without a valid API key
  kInvalidSignature,    // signing is required and the signature is missing or wrong
  kSignatureExpired,    // a signed URL past its expiry
  kPresetsOnly,         // arbitrary chains are refused; use a named type
  kNotReady,            // draining or storage unavailable (readiness)
  kConflict,            // the resource's state forbids it (an Idempotency-Key reused with another body...)
  kForbiddenAddress,    // a URL whose host is a private, loopback or link-local address (SSRF)
  kFetchFailed,         // a remote URL could not be fetched (connection, status, redirects)
  // The environment.
  kTimeout,
  kIoError,
  kConfigError,
  kInternal,
};

// Stable snake_case name of a code ("corrupt_image"); part of the public API.
std::string_view error_code_name(ErrorCode code);
// The code with that stable name (what a server's error JSON carries), if any.
std::optional<ErrorCode> error_code_from_name(std::string_view name);
// HTTP status for a code (400, 413, 415, 422, 503, 500...).
int http_status(ErrorCode code);
// Process exit status the CLI uses for a code (0 for kOk, never 0 otherwise).
int exit_code(ErrorCode code);

class Status {
 public:
  Status() = default;  // OK
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return Status(); }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "code: message", for logs and the CLI's one-line errors.
  std::string ToString() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// A value or the Status explaining why there is none.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {}  // NOLINT
  Result(ErrorCode code, std::string message) : data_(Status(code, std::move(message))) {}

  bool ok() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return ok(); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace pictor

// Propagates a failed Status/Result from an expression that yields a Status.
#define PICTOR_RETURN_IF_ERROR(expr)        \
  do {                                      \
    ::pictor::Status pictor_status_ = (expr); \
    if (!pictor_status_.ok()) return pictor_status_; \
  } while (0)
