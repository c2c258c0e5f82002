#include "driver/common/status.h"

namespace nsxv {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case StatusCode::kNotFound:
      return "NOT_FOUND";
    case StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case StatusCode::kConflict:
      return "CONFLICT";
    case StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case StatusCode::kConnectionReset:
      return "CONNECTION_RESET";
    case StatusCode::kTruncated:
      return "TRUNCATED";
    case StatusCode::kTlsError:
      return "TLS_ERROR";
    case StatusCode::kProtocolError:
      return "PROTOCOL_ERROR";
    case StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case StatusCode::kInternal:
      return "INTERNAL";
  }
  return "UNKNOWN";
}

bool Status::IsTransportError() const {
  if (ok() || http_status_ != 0) return false;
  switch (code_) {
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kConnectionReset:
    case StatusCode::kTruncated:
    case StatusCode::kTlsError:
    case StatusCode::kProtocolError:
      return true;
    default:
      return false;
  }
}

std::string Status::ToString() const {
  std::string out(StatusCodeName(code_));
  if (!message_.empty()) out += ": " + message_;
  if (http_status_ != 0) {
    out += " [http=" + std::to_string(http_status_);
    if (nsx_error_code_ != 0) out += " nsx=" + std::to_string(nsx_error_code_);
    out += "]";
  }
  return out;
}

}  // namespace nsxv
