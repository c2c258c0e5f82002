// Port of vmware_nsx/plugins/nsx_v/vshield/common/VcnsApiClient.py and Vcns.do_request.
#include "driver/nsxv/api_client.h"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace nsxv::driver {
namespace {

constexpr size_t kExcerptChars = 200;

std::string TrimTrailingSlashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

std::string_view EdgeOf(std::string_view path) {
  constexpr std::string_view kEdges = "/edges/";
  const size_t at = path.find(kEdges);
  if (at == std::string_view::npos) return "-";
  std::string_view rest = path.substr(at + kEdges.size());
  rest = rest.substr(0, rest.find_first_of("/?"));
  return rest.starts_with("edge-") ? rest : std::string_view("-");
}

std::string XmlElement(std::string_view body, std::string_view name) {
  const std::string open = "<" + std::string(name) + ">";
  const std::string close = "</" + std::string(name) + ">";
  const size_t a = body.find(open);
  if (a == std::string_view::npos) return "";
  const size_t b = body.find(close, a + open.size());
  if (b == std::string_view::npos) return "";
  return std::string(body.substr(a + open.size(), b - a - open.size()));
}

// "https://host:443/nsx" -> "/nsx"; "" when the URI has no path.
std::string PathPrefix(std::string_view base) {
  const size_t scheme = base.find("://");
  const size_t slash = base.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  return slash == std::string_view::npos ? "" : std::string(base.substr(slash));
}

}  // namespace

StatusCode StatusCodeForHttp(int http_status) {
  switch (http_status) {
    case 400:
    case 415:
      return StatusCode::kInvalidArgument;
    case 401:
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 409:
      return StatusCode::kConflict;
    case 503:
      return StatusCode::kUnavailable;
    default:
      return StatusCode::kInternal;
  }
}

int ParseNsxErrorCode(std::string_view body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_discarded()) {
    if (!j.is_object() || !j.contains("errorCode")) return 0;
    const nlohmann::json& c = j["errorCode"];
    if (c.is_number_integer()) return c.get<int>();
    if (c.is_string()) {
      int v = 0;
      const std::string s = c.get<std::string>();
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      return ec == std::errc() && p == s.data() + s.size() ? v : 0;
    }
    return 0;
  }
  const std::string xml = XmlElement(body, "errorCode");
  int v = 0;
  auto [p, ec] = std::from_chars(xml.data(), xml.data() + xml.size(), v);
  return ec == std::errc() && p == xml.data() + xml.size() ? v : 0;
}

std::string ParseNsxErrorDetails(std::string_view body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_discarded()) {
    if (j.is_object() && j.contains("details") && j["details"].is_string()) {
      return j["details"].get<std::string>();
    }
    return "";
  }
  return XmlElement(body, "details");
}

std::string IdFromLocation(std::string_view location) {
  location = location.substr(0, location.find('?'));
  while (!location.empty() && location.back() == '/') location.remove_suffix(1);
  const size_t slash = location.rfind('/');
  return std::string(slash == std::string_view::npos ? location : location.substr(slash + 1));
}

ApiClient::ApiClient(Transport& transport, Clock& clock, ApiClientOptions options)
    : transport_(transport),
      clock_(clock),
      options_(std::move(options)),
      base_(TrimTrailingSlashes(options_.manager_uri)),
      prefix_(PathPrefix(base_)),
      auth_(BasicAuthValue(options_.user, options_.password)) {}

std::string ApiClient::Url(std::string_view path) const {
  std::string url = base_;
  if (!path.starts_with('/')) url += '/';
  url += path;
  return url;
}

std::string ApiClient::Redact(std::string_view text) const {
  std::string out(text);
  auto scrub = [&out](const std::string& secret) {
    if (secret.size() < 3) return;  // too short to scrub without mangling ordinary text
    for (size_t at = out.find(secret); at != std::string::npos; at = out.find(secret, at + 3)) {
      out.replace(at, secret.size(), "***");
    }
  };
  scrub(auth_.substr(6));  // the base64 token
  scrub(options_.password);
  for (const std::string& s : options_.secrets) scrub(s);
  return out;
}

Status ApiClient::MapError(const ApiCall& call, const HttpResponse& response) const {
  const int nsx_code = ParseNsxErrorCode(response.body);
  StatusCode code = StatusCodeForHttp(response.status);
  if (nsx_code == 100046 || nsx_code == 100029) code = StatusCode::kNotFound;
  std::string detail = ParseNsxErrorDetails(response.body);
  if (detail.empty()) {
    detail = response.body.substr(0, kExcerptChars);
    if (response.body.size() > kExcerptChars) detail += "...";
  }
  std::replace(detail.begin(), detail.end(), '\n', ' ');
  std::string msg =
      call.method + " " + Url(call.path) + ": HTTP " + std::to_string(response.status);
  if (nsx_code != 0) msg += " errorCode " + std::to_string(nsx_code);
  if (!detail.empty()) msg += ": " + detail;
  Status s(code, Redact(msg));
  s.WithHttp(response.status, nsx_code);
  return s;
}

Result<HttpResponse> ApiClient::CallOnce(const ApiCall& call) const {
  HttpRequest req;
  req.method = call.method;
  req.target = prefix_ + call.path;
  req.body = call.body;
  req.timeout = call.timeout.count() > 0 ? call.timeout : options_.timeout;
  const char* media = call.format == Format::kXml ? "application/xml" : "application/json";
  req.headers.Set("Authorization", auth_);
  req.headers.Set("Accept", media);
  req.headers.Set("Content-Type", media);
  requests_sent_.fetch_add(1);
  Result<HttpResponse> r = transport_.Send(req);
  if (!r.ok()) {
    // Transports name the request as "METHOD target: "; say it once, with the full URL.
    std::string_view detail = r.error().message();
    const std::string own_prefix = req.method + " " + req.target + ": ";
    if (detail.starts_with(own_prefix)) detail.remove_prefix(own_prefix.size());
    Status s(r.error().code(),
             Redact(call.method + " " + Url(call.path) + ": " + std::string(detail)));
    spdlog::debug("edge={} op={} method={} status=none error={}", EdgeOf(call.path), call.op,
                  call.method, StatusCodeName(s.code()));
    return s;
  }
  HttpResponse& resp = *r;
  spdlog::debug("edge={} op={} method={} status={}", EdgeOf(call.path), call.op, call.method,
                resp.status);
  if (resp.body.size() > options_.max_response_bytes) {
    return Status(StatusCode::kProtocolError,
                  call.method + " " + Url(call.path) + ": response body of " +
                      std::to_string(resp.body.size()) + " bytes exceeds the limit of " +
                      std::to_string(options_.max_response_bytes));
  }
  if (resp.status < 200 || resp.status > 299) return MapError(call, resp);
  return r;
}

Result<HttpResponse> ApiClient::Call(const ApiCall& call) const {
  RetryPolicy policy = call.policy;
  if (std::find(policy.retry_http.begin(), policy.retry_http.end(), 409) ==
      policy.retry_http.end()) {
    policy.retry_http.push_back(409);
  }
  // As vcns.py: every retried status gets `retries` attempts.
  policy.max_attempts = std::max(options_.retries, 1);
  return CallWithRetry<HttpResponse>(
      clock_, policy, [&](int) { return CallOnce(call); },
      [&](int attempt, const Status& s, Duration wait) {
        spdlog::warn("edge={} op={} method={} status={} attempt={} retry_in_ms={}",
                     EdgeOf(call.path), call.op, call.method,
                     s.http_status() != 0 ? std::to_string(s.http_status())
                                          : std::string(StatusCodeName(s.code())),
                     attempt, std::chrono::duration_cast<std::chrono::milliseconds>(wait).count());
      });
}

}  // namespace nsxv::driver
