// Port of vmware_nsx/plugins/nsx_v/vshield/common/VcnsApiClient.py (VcnsApiHelper) and the
// request path of vcns.py (Vcns.do_request).
//
// ApiClient sends one NSX REST call through a Transport: it joins `manager_uri` and the path
// (a trailing '/' never produces "//api"), adds Basic auth (one line whatever the length),
// Accept/Content-Type for JSON or XML, the call's deadline, and applies the call's RetryPolicy on
// the Clock. Any 2xx is success. Other statuses map to a Status (reference §2.4): 400 and 415
// kInvalidArgument, 401/403 kPermissionDenied, 404 kNotFound, 409 kConflict, 503 kUnavailable,
// 303 and the rest kInternal; the NSX errorCode is parsed from JSON or XML error bodies and takes
// precedence (100046 and 100029 mean kNotFound). Every error names method, path, status and a
// short excerpt of the body. Responses over max_response_bytes are refused.
//
// Logs (spdlog, structured) never contain the password, the Authorization header or the metadata
// shared secret: Redact() scrubs every logged string.
//
// Thread-safe: one ApiClient may be shared by many threads (it holds no mutable state beyond
// atomics; the Transport and Clock are thread-safe).
#pragma once

#include <atomic>
#include <string>
#include <string_view>
#include <vector>

#include "driver/common/clock.h"
#include "driver/common/status.h"
#include "driver/transport/retry.h"
#include "driver/transport/transport.h"

namespace nsxv::driver {

struct ApiClientOptions {
  std::string manager_uri;  // "https://nsxmgr.example.com" (a trailing '/' is fine)
  std::string user;
  std::string password;
  int retries = 20;  // [nsxv] retries: attempts for the retried statuses
  Duration timeout = std::chrono::seconds(240);          // nsx_transaction_timeout
  Duration deploy_timeout = std::chrono::seconds(1200);  // edge deploy
  size_t max_response_bytes = 16U << 20U;
  // Extra strings scrubbed from logs and error messages (the metadata shared secret).
  std::vector<std::string> secrets;
};

enum class Format { kJson, kXml };

struct ApiCall {
  std::string method;  // "GET", "PUT", ...
  std::string path;    // "/api/4.0/edges/edge-1/vnics/0", query included
  std::string body;    // empty: no body
  Format format = Format::kJson;
  Duration timeout{0};  // zero: options.timeout
  RetryPolicy policy;   // 409 is added to every call's retry_http by ApiClient
  std::string op;       // short name for logs: "put_lb"
};

class ApiClient {
 public:
  ApiClient(Transport& transport, Clock& clock, ApiClientOptions options);

  // One call with its retries. Returns the 2xx response, or the mapped error of the last attempt.
  Result<HttpResponse> Call(const ApiCall& call) const;
  // A single attempt (no retry), for callers that check state between attempts.
  Result<HttpResponse> CallOnce(const ApiCall& call) const;

  // Full URL of a path (for messages).
  std::string Url(std::string_view path) const;
  std::string Redact(std::string_view text) const;
  const ApiClientOptions& options() const { return options_; }
  Clock& clock() const { return clock_; }
  uint64_t requests_sent() const { return requests_sent_.load(); }

 private:
  Status MapError(const ApiCall& call, const HttpResponse& response) const;

  Transport& transport_;
  Clock& clock_;
  const ApiClientOptions options_;
  const std::string base_;    // manager_uri without trailing '/'
  const std::string prefix_;  // its path part, prepended to every request target
  const std::string auth_;
  mutable std::atomic<uint64_t> requests_sent_{0};
};

// StatusCode for an HTTP status without an NSX errorCode (reference §2.4).
StatusCode StatusCodeForHttp(int http_status);
// NSX errorCode from a JSON ({"errorCode": N}) or XML (<errorCode>N</errorCode>) body; 0 if none.
int ParseNsxErrorCode(std::string_view body);
// NSX "details" from an error body; empty if none.
std::string ParseNsxErrorDetails(std::string_view body);
// Last path segment of a Location header value ("/api/4.0/edges/edge-12" -> "edge-12").
std::string IdFromLocation(std::string_view location);

}  // namespace nsxv::driver
