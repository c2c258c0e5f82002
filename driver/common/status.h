// Status and Result<T>: errors as values across every module boundary.
//
// A Status is OK or carries a code, a one-line message, and, when an HTTP response was received,
// its status and the NSX errorCode from the body. A transport failure (no response) has
// http_status() == 0. Result<T> holds either a T or a non-OK Status; its API is a subset of
// std::expected. Both are plain values: copyable, not synchronized.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace nsxv {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // bad input from the caller; HTTP 400/415
  kNotFound,            // HTTP 404, NSX 100046/100029
  kAlreadyExists,       // unique name or id taken
  kConflict,            // HTTP 409: concurrent access, retryable
  kFailedPrecondition,  // state does not allow the operation (edge not running)
  kPermissionDenied,    // HTTP 401/403
  kUnavailable,         // HTTP 503, or connect refused
  kDeadlineExceeded,    // a deadline passed before a response arrived
  kConnectionReset,     // peer closed or reset without a complete response
  kTruncated,           // response ended early
  kTlsError,            // handshake or certificate verification failed
  kProtocolError,       // malformed response (bad HTTP, body not what the call expects)
  kResourceExhausted,   // pool, address space or size limit exhausted
  kInternal,            // a broken invariant or an unexpected server error
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  int http_status() const { return http_status_; }
  int nsx_error_code() const { return nsx_error_code_; }

  // True when no response arrived (connect, TLS, timeout, reset, truncation).
  bool IsTransportError() const;

  Status& WithHttp(int http_status, int nsx_error_code = 0) {
    http_status_ = http_status;
    nsx_error_code_ = nsx_error_code;
    return *this;
  }

  // "NOT_FOUND: message [http=404 nsx=100046]".
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  int http_status_ = 0;
  int nsx_error_code_ = 0;
};

inline Status InvalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "Result constructed from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // OK when ok(), the error otherwise.
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }
  // REQUIRES: !ok().
  const Status& error() const { return std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace nsxv

#define NSXV_CONCAT_INNER(a, b) a##b
#define NSXV_CONCAT(a, b) NSXV_CONCAT_INNER(a, b)

#define NSXV_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::nsxv::Status nsxv_status_ = (expr);        \
    if (!nsxv_status_.ok()) return nsxv_status_; \
  } while (0)

#define NSXV_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.error();               \
  lhs = std::move(tmp).value()

#define NSXV_ASSIGN_OR_RETURN(lhs, expr) \
  NSXV_ASSIGN_OR_RETURN_IMPL(NSXV_CONCAT(nsxv_result_, __LINE__), lhs, expr)
