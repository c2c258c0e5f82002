#include "fake_nsxv/router.h"

#include <array>
#include <vector>

#include <nlohmann/json.hpp>

#include "fake_nsxv/nsx_error.h"

namespace nsxv::fake {

using nlohmann::json;

namespace {

enum class Op {
  kDeployEdge,
  kListEdges,
  kGetJob,
  kGetEdge,
  kUpdateEdge,
  kDeleteEdge,
  kEdgeStatus,
  kEdgeJobs,
  kGetVnic,
  kPutVnic,
  kGetRoutes,
  kPutRoutes,
  kGetLb,
  kPutLb,
  kLbStatistics,
  kGetFirewall,
  kPutFirewall,
  kCreateCsr,
  kSignCsr,
  kUploadCertificate,
  kListCertificates,
  kGetCertificate,
  kDeleteCertificate,
  kCreateVirtualWire,
  kDeleteVirtualWire,
  kCreateSpoofguard,
  kDeleteSpoofguard,
  kGetVdnScopes,
  kGetManagerConfig,
  kGetScopingObjects,
  kGetTuning,
  kPutTuning,
};

struct Route {
  std::string_view method;
  std::string_view pattern;  // "{name}" segments match one non-empty segment
  Op op;
  bool trailing_slash = false;  // the path ends in '/' (required; nsxraml 6.4 line 14862)
  bool starts_job = false;      // request_options.fail_job applies to this request's own job
};

// Literal routes first: /edges/jobs/{jobId} before /edges/{edgeId}.
constexpr Route kRoutes[] = {
    {"POST", "/api/4.0/edges", Op::kDeployEdge, false, true},
    {"GET", "/api/4.0/edges", Op::kListEdges},
    {"GET", "/api/4.0/edges/jobs/{jobId}", Op::kGetJob},
    {"GET", "/api/4.0/edges/{edgeId}", Op::kGetEdge},
    {"PUT", "/api/4.0/edges/{edgeId}", Op::kUpdateEdge, false, true},
    {"DELETE", "/api/4.0/edges/{edgeId}", Op::kDeleteEdge},
    {"GET", "/api/4.0/edges/{edgeId}/status", Op::kEdgeStatus},
    {"GET", "/api/4.0/edges/{edgeId}/jobs", Op::kEdgeJobs},
    {"GET", "/api/4.0/edges/{edgeId}/vnics/{index}", Op::kGetVnic},
    {"PUT", "/api/4.0/edges/{edgeId}/vnics/{index}", Op::kPutVnic, false, true},
    {"GET", "/api/4.0/edges/{edgeId}/routing/config/static", Op::kGetRoutes},
    {"PUT", "/api/4.0/edges/{edgeId}/routing/config/static", Op::kPutRoutes, false, true},
    {"GET", "/api/4.0/edges/{edgeId}/loadbalancer/config", Op::kGetLb},
    {"PUT", "/api/4.0/edges/{edgeId}/loadbalancer/config", Op::kPutLb, false, true},
    {"GET", "/api/4.0/edges/{edgeId}/loadbalancer/statistics", Op::kLbStatistics},
    {"GET", "/api/4.0/edges/{edgeId}/firewall/config", Op::kGetFirewall},
    {"PUT", "/api/4.0/edges/{edgeId}/firewall/config", Op::kPutFirewall, false, true},
    {"POST", "/api/2.0/services/truststore/csr/{edgeId}", Op::kCreateCsr},
    {"PUT", "/api/2.0/services/truststore/csr/{csrId}", Op::kSignCsr},
    {"POST", "/api/2.0/services/truststore/certificate/{edgeId}", Op::kUploadCertificate},
    {"GET", "/api/2.0/services/truststore/certificate/scope/{edgeId}", Op::kListCertificates},
    {"GET", "/api/2.0/services/truststore/certificate/{certificateId}", Op::kGetCertificate},
    {"DELETE", "/api/2.0/services/truststore/certificate/{certificateId}", Op::kDeleteCertificate},
    {"POST", "/api/2.0/vdn/scopes/{scopeId}/virtualwires", Op::kCreateVirtualWire},
    {"DELETE", "/api/2.0/vdn/virtualwires/{virtualWireId}", Op::kDeleteVirtualWire},
    {"POST", "/api/4.0/services/spoofguard/policies", Op::kCreateSpoofguard, true},
    {"DELETE", "/api/4.0/services/spoofguard/policies/{policyId}", Op::kDeleteSpoofguard},
    // The upstream plugin's start-up calls (nsxv-raml-facts.md §2.1).
    {"GET", "/api/2.0/vdn/scopes", Op::kGetVdnScopes},
    {"GET", "/api/2.0/services/vsmconfig", Op::kGetManagerConfig},
    {"GET", "/api/2.0/services/usermgmt/scopingobjects", Op::kGetScopingObjects},
    {"GET", "/api/4.0/edgePublish/tuningConfiguration", Op::kGetTuning},
    {"PUT", "/api/4.0/edgePublish/tuningConfiguration", Op::kPutTuning},
};

// The '/'-separated segments of a path, without allocating: "/a/b/" -> "a", "b", "". size()
// counts every segment; only the first kStored are kept, which is more than any route has
// (operator[] beyond them gives an empty view). A path not starting with '/' has none.
class Segments {
 public:
  static constexpr size_t kStored = 8;

  constexpr Segments() = default;
  constexpr explicit Segments(std::string_view path) {
    if (path.empty() || path[0] != '/') return;
    path.remove_prefix(1);
    while (true) {
      const size_t slash = path.find('/');
      if (size_ < kStored) stored_[size_] = path.substr(0, slash);
      ++size_;
      if (slash == std::string_view::npos) break;
      path.remove_prefix(slash + 1);
    }
  }
  constexpr size_t size() const { return size_; }
  constexpr std::string_view operator[](size_t i) const { return i < kStored ? stored_[i] : ""; }

 private:
  std::array<std::string_view, kStored> stored_{};
  size_t size_ = 0;
};

// The segments of each route's pattern, by index in kRoutes.
constexpr auto kPatterns = [] {
  std::array<Segments, std::size(kRoutes)> out;
  for (size_t i = 0; i < out.size(); ++i) out[i] = Segments(kRoutes[i].pattern);
  return out;
}();

// A request path split once for matching every route: its segments and, when it ends in '/'
// (and is more than "/"), those of the path without that '/' (for trailing_slash routes).
struct PathSegments {
  explicit PathSegments(std::string_view path) : all(path) {
    if (path.size() >= 2 && path.back() == '/') {
      trailing_slash = true;
      without_slash = Segments(path.substr(0, path.size() - 1));
    }
  }
  Segments all;
  bool trailing_slash = false;
  Segments without_slash;
};

// Matches a path against `route` (an element of kRoutes); fills `params` with the {name}
// segments in order.
bool Match(const Route& route, const PathSegments& path, std::vector<std::string>* params) {
  if (route.trailing_slash && !path.trailing_slash) return false;
  const Segments& want = kPatterns[static_cast<size_t>(&route - kRoutes)];
  const Segments& got = route.trailing_slash ? path.without_slash : path.all;
  if (want.size() != got.size()) return false;
  for (size_t i = 0; i < want.size(); ++i) {
    if (!want[i].empty() && want[i].front() == '{') {
      if (got[i].empty()) return false;
    } else if (want[i] != got[i]) {
      return false;
    }
  }
  if (params != nullptr) {
    params->clear();
    for (size_t i = 0; i < want.size(); ++i) {
      if (!want[i].empty() && want[i].front() == '{') params->emplace_back(got[i]);
    }
  }
  return true;
}

std::string RouteTemplate(const Route& route) {
  std::string name(route.method);
  name += ' ';
  name += route.pattern;
  if (route.trailing_slash) name += '/';
  return name;
}

// "Object not found" (errorCode 202) is a core-services error wherever it is raised (master
// line 3599); other errors on edge routes come from vShield Edge (appendix.md 20-52).
std::string_view ModuleFor(std::string_view path, int error_code) {
  if (error_code == nsx_code::kObjectNotFound) return "core-services";
  return path.substr(0, 14) == "/api/4.0/edges" ? "vShield Edge" : "core-services";
}

Routed Error(const HttpRequest& request, const Status& status, Duration delay = Duration(0)) {
  NsxError error;
  error.http_status = status.http_status();
  if (error.http_status == 0) {
    switch (status.code()) {
      case StatusCode::kInvalidArgument:
      case StatusCode::kAlreadyExists:
      case StatusCode::kFailedPrecondition:
        error.http_status = 400;
        break;
      case StatusCode::kNotFound:
        error.http_status = 404;
        break;
      case StatusCode::kConflict:
        error.http_status = 409;
        break;
      default:
        error.http_status = 500;
    }
  }
  error.error_code = status.nsx_error_code();
  error.details = status.message();
  error.module = std::string(ModuleFor(request.Path(), error.error_code));
  return Routed{MakeErrorResponse(request, error), delay};
}

// A JSON answer whose body is already serialized.
Routed JsonText(int status, std::string body, Duration delay = Duration(0)) {
  Routed routed;
  routed.response.status = status;
  routed.response.headers.Set("Content-Type", "application/json");
  routed.response.body = std::move(body);
  routed.delay = delay;
  return routed;
}

Routed Json(int status, const json& body, Duration delay = Duration(0)) {
  // Strings stored from XML bodies may hold bytes that are not UTF-8: written as U+FFFD.
  return JsonText(status, body.dump(-1, ' ', false, json::error_handler_t::replace), delay);
}

Routed NoContent(Duration delay = Duration(0)) {
  Routed routed;
  routed.response.status = 204;
  routed.delay = delay;
  return routed;
}

Routed Ok() {
  Routed routed;
  routed.response.status = 200;
  return routed;
}

// `?async=true` (nsxraml 6.4 lines 24163-24176): "Accepted", Location names the job.
Routed Accepted(const std::string& job_id) {
  Routed routed;
  routed.response.status = 202;
  routed.response.headers.Set("Location", "/api/4.0/edges/jobs/" + job_id);
  return routed;
}

Routed Created(std::string location, std::string content_type = "", std::string body = "",
               Duration delay = Duration(0)) {
  Routed routed;
  routed.response.status = 201;
  routed.response.headers.Set("Location", std::move(location));
  if (!content_type.empty()) routed.response.headers.Set("Content-Type", std::move(content_type));
  routed.response.body = std::move(body);
  routed.delay = delay;
  return routed;
}

Routed Xml(std::string body) {
  Routed routed;
  routed.response.status = 200;
  routed.response.headers.Set("Content-Type", "application/xml");
  routed.response.body = std::move(body);
  return routed;
}

Result<json> ParseJson(const HttpRequest& request) {
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    Status status(StatusCode::kInvalidArgument, "The request body is not valid JSON.");
    status.WithHttp(400, nsx_code::kInvalidRequestBody);
    return status;
  }
  return body;
}

Result<int> IntParam(const HttpRequest& request, std::string_view name, int fallback) {
  const std::optional<std::string> text = request.QueryParam(name);
  if (!text.has_value()) return fallback;
  int value = 0;
  bool ok = !text->empty() && text->size() <= 9;
  for (const char c : *text) {
    if (c < '0' || c > '9') ok = false;
    if (ok) value = value * 10 + (c - '0');
  }
  if (!ok) {
    Status status(StatusCode::kInvalidArgument,
                  std::string(name) + " must be a non-negative integer");
    status.WithHttp(400, nsx_code::kInvalidValue);
    return status;
  }
  return value;
}

const Route* FindRoute(const HttpRequest& request, std::vector<std::string>* params,
                       std::string* allow) {
  const PathSegments path(request.Path());
  for (const Route& route : kRoutes) {
    if (route.method == request.method && Match(route, path, params)) return &route;
  }
  if (allow != nullptr) {
    allow->clear();
    for (const Route& route : kRoutes) {
      if (Match(route, path, nullptr) && allow->find(route.method) == std::string::npos) {
        if (!allow->empty()) *allow += ", ";
        *allow += route.method;
      }
    }
  }
  return nullptr;
}

}  // namespace

Router::Router(Model& model) : model_(model) {}

std::string Router::RouteName(const HttpRequest& request) {
  const Route* route = FindRoute(request, nullptr, nullptr);
  return route == nullptr ? "unknown" : RouteTemplate(*route);
}

std::vector<std::string> Router::ServedRoutes() {
  std::vector<std::string> out;
  for (const Route& route : kRoutes) out.push_back(RouteTemplate(route));
  return out;
}

std::optional<std::string> Router::EdgeIdOf(std::string_view path) {
  const Segments s(path);
  auto edge = [](std::string_view id) -> std::optional<std::string> {
    if (id.substr(0, 5) != "edge-") return std::nullopt;
    return std::string(id);
  };
  // /api/4.0/edges/{edgeId}/...
  if (s.size() >= 4 && s[0] == "api" && s[1] == "4.0" && s[2] == "edges") return edge(s[3]);
  // /api/2.0/services/truststore/{csr|certificate}/{edgeId} and .../certificate/scope/{edgeId}
  if (s.size() >= 6 && s[0] == "api" && s[1] == "2.0" && s[2] == "services" &&
      s[3] == "truststore" && (s[4] == "csr" || s[4] == "certificate")) {
    if (s[4] == "certificate" && s[5] == "scope" && s.size() == 7) return edge(s[6]);
    if (s.size() == 6) return edge(s[5]);
  }
  return std::nullopt;
}

Routed Router::Handle(const HttpRequest& request, const RequestOptions& options) {
  std::vector<std::string> p;
  std::string allow;
  const Route* route = FindRoute(request, &p, &allow);
  if (route == nullptr) {
    if (!allow.empty()) {
      Status status(
          StatusCode::kInvalidArgument,
          "Method " + request.method + " is not allowed on " + std::string(request.Path()) + ".");
      status.WithHttp(405, nsx_code::kUnknownRoute);
      Routed routed = Error(request, status);
      routed.response.headers.Set("Allow", allow);
      return routed;
    }
    Status status(StatusCode::kNotFound,
                  "The requested URI " + std::string(request.Path()) + " was not found.");
    status.WithHttp(404, nsx_code::kUnknownRoute);
    return Error(request, status);
  }

  if (options.fail_job && !route->starts_job) {
    if (const std::optional<std::string> edge_id = EdgeIdOf(request.Path())) {
      (void)model_.FailJobs(*edge_id);  // an unknown edge answers 404 below
    }
  }
  Call call;
  call.fail_job = options.fail_job;
  // Async applies to the changes of /4.0/edges (POST, PUT, DELETE; 24163-24176).
  call.async = request.QueryParam("async").value_or("") == "true" && request.method != "GET" &&
               request.Path().substr(0, 14) == "/api/4.0/edges";
  json out;
  auto reply = [&](const Status& status, int ok_status) -> Routed {
    if (!status.ok()) return Error(request, status, call.delay);
    if (!call.job_id.empty()) return Accepted(call.job_id);
    if (ok_status == 204) return NoContent(call.delay);
    return Json(ok_status, out, call.delay);
  };
  auto with_body = [&](auto&& fn) -> Routed {
    Result<json> body = ParseJson(request);
    if (!body.ok()) return Error(request, body.error());
    return fn(*body);
  };

  switch (route->op) {
    case Op::kDeployEdge:
      return with_body([&](const json& body) {
        Result<DeployResult> result = model_.DeployEdge(body, call.async, &call);
        if (!result.ok()) return Error(request, result.error(), call.delay);
        if (call.async) return Accepted(result->job_id);
        return Created("/api/4.0/edges/" + result->edge_id, "", "", call.delay);
      });
    case Op::kListEdges: {
      Result<int> start = IntParam(request, "startIndex", 0);
      if (!start.ok()) return Error(request, start.error());
      Result<int> size = IntParam(request, "pageSize", 0);
      if (!size.ok()) return Error(request, size.error());
      return reply(model_.ListEdges(*start, *size, &out), 200);
    }
    case Op::kGetJob:
      return reply(model_.GetJob(p[0], &out), 200);
    case Op::kGetEdge: {
      std::string text;
      const Status status = model_.GetEdgeText(p[0], &text);
      if (!status.ok()) return Error(request, status, call.delay);
      return JsonText(200, std::move(text), call.delay);
    }
    case Op::kUpdateEdge:
      return with_body(
          [&](const json& body) { return reply(model_.UpdateEdge(p[0], body, &call), 204); });
    case Op::kDeleteEdge:
      return reply(model_.DeleteEdge(p[0], &call), 204);
    case Op::kEdgeStatus:
      return reply(model_.GetEdgeStatus(p[0], &out), 200);
    case Op::kEdgeJobs:
      return reply(model_.GetEdgeJobs(p[0], &out), 200);
    case Op::kGetVnic:
      return reply(model_.GetVnic(p[0], p[1], &out), 200);
    case Op::kPutVnic:
      return with_body(
          [&](const json& body) { return reply(model_.UpdateVnic(p[0], p[1], body, &call), 204); });
    case Op::kGetRoutes:
      return reply(model_.GetStaticRouting(p[0], &out), 200);
    case Op::kPutRoutes:
      return with_body([&](const json& body) {
        return reply(model_.UpdateStaticRouting(p[0], body, &call), 204);
      });
    case Op::kGetLb:
      return reply(model_.GetLoadBalancer(p[0], &out), 200);
    case Op::kPutLb:
      return with_body([&](const json& body) {
        return reply(model_.UpdateLoadBalancer(p[0], body, &call), 204);
      });
    case Op::kLbStatistics:
      return reply(model_.GetLoadBalancerStatistics(p[0], &out), 200);
    case Op::kGetFirewall:
      return reply(model_.GetFirewall(p[0], &out), 200);
    case Op::kPutFirewall:
      return with_body(
          [&](const json& body) { return reply(model_.UpdateFirewall(p[0], body, &call), 204); });
    case Op::kCreateCsr: {
      Result<std::string> csr = model_.CreateCsr(p[0], request.body);
      if (!csr.ok()) return Error(request, csr.error());
      return Created(
          "/api/2.0/services/truststore/csr/" + *csr, "application/xml",
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?><csr><objectId>" + *csr + "</objectId></csr>");
    }
    case Op::kSignCsr:
      return reply(model_.SelfSignCsr(p[0], request.QueryParam("noOfDays").value_or(""), &out),
                   200);
    case Op::kUploadCertificate:
      return with_body(
          [&](const json& body) { return reply(model_.UploadCertificate(p[0], body, &out), 200); });
    case Op::kListCertificates:
      return reply(model_.ListCertificates(p[0], &out), 200);
    case Op::kGetCertificate:
      return reply(model_.GetCertificate(p[0], &out), 200);
    case Op::kDeleteCertificate:
      return reply(model_.DeleteCertificate(p[0]), 204);
    case Op::kCreateVirtualWire: {
      Result<std::string> wire = model_.CreateVirtualWire(p[0], request.body);
      if (!wire.ok()) return Error(request, wire.error());
      return Created("/api/2.0/vdn/virtualwires/" + *wire, "text/plain", *wire);
    }
    case Op::kDeleteVirtualWire: {
      const Status status = model_.DeleteVirtualWire(p[0]);
      return status.ok() ? Ok() : Error(request, status);
    }
    case Op::kCreateSpoofguard: {
      Result<std::string> policy = model_.CreateSpoofguardPolicy(request.body);
      if (!policy.ok()) return Error(request, policy.error());
      return Created("/api/4.0/services/spoofguard/policies/" + *policy, "text/plain", *policy);
    }
    case Op::kDeleteSpoofguard: {
      const Status status = model_.DeleteSpoofguardPolicy(p[0]);
      return status.ok() ? Ok() : Error(request, status);
    }
    case Op::kGetVdnScopes:
    case Op::kGetScopingObjects: {
      std::string xml;
      const Status status = route->op == Op::kGetVdnScopes ? model_.GetVdnScopes(&xml)
                                                           : model_.GetScopingObjects(&xml);
      return status.ok() ? Xml(std::move(xml)) : Error(request, status);
    }
    case Op::kGetManagerConfig:
      return reply(model_.GetManagerConfig(&out), 200);
    case Op::kGetTuning:
      return reply(model_.GetTuningConfiguration(&out), 200);
    case Op::kPutTuning:
      // Upstream decodes the answer as JSON, so it is empty (vcns.py:890-891).
      return reply(model_.UpdateTuningConfiguration(request.body), 204);
  }
  return Error(request, Internal("unhandled route"));
}

}  // namespace nsxv::fake
