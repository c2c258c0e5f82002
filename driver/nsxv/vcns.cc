// Port of vmware_nsx/plugins/nsx_v/vshield/vcns.py.
#include "driver/nsxv/vcns.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace nsxv::driver {

using nlohmann::json;

namespace {

constexpr char kEdgesUri[] = "/api/4.0/edges";
constexpr int kEdgeNotRunning = 10013;
constexpr int kEdgeNameTaken = 10085;
constexpr int kCertificateDays = 3650;

std::string EdgePath(std::string_view edge_id, std::string_view suffix = {}) {
  return std::string(kEdgesUri) + "/" + std::string(edge_id) + std::string(suffix);
}

ApiCall MakeCall(const char* method, std::string path, std::string body, RetryPolicy policy,
                 const char* op, Format format = Format::kJson) {
  ApiCall c;
  c.method = method;
  c.path = std::move(path);
  c.body = std::move(body);
  c.policy = std::move(policy);
  c.op = op;
  c.format = format;
  return c;
}

// A 2xx answer the call cannot use: names method, URL, status and an excerpt of the body.
Status BadAnswer(const ApiClient& client, const ApiCall& call, const HttpResponse& r,
                 std::string_view what, bool with_body = true) {
  std::string msg = call.method + " " + client.Url(call.path) + ": HTTP " +
                    std::to_string(r.status) + ": " + std::string(what);
  if (with_body) msg += " (body: \"" + Excerpt(r.body) + "\")";
  return {StatusCode::kProtocolError, client.Redact(msg)};
}

// Runs a decoder on a 2xx body; a decode error is prefixed with the call and status.
template <typename T, typename Fn>
Result<T> DecodeAnswer(const ApiClient& client, const ApiCall& call, const HttpResponse& r,
                       Fn&& decode) {
  Result<T> v = decode(r.body);
  if (v.ok()) return v;
  // A body that is not JSON already carries its excerpt in the decoder's message.
  const bool has_excerpt = v.error().message().find("not JSON") != std::string::npos;
  return BadAnswer(client, call, r, v.error().message(), !has_excerpt);
}

Result<std::string> LocationId(const ApiClient& client, const ApiCall& call,
                               const HttpResponse& r) {
  const std::optional<std::string_view> location = r.headers.Get("Location");
  if (!location) return BadAnswer(client, call, r, "no Location header");
  // As 2016 (split('/')[-1]): a Location ending in '/' names no id.
  const std::string_view path = location->substr(0, location->find('?'));
  std::string id = path.empty() || path.back() == '/' ? "" : IdFromLocation(path);
  if (id.empty()) {
    return BadAnswer(client, call, r, "Location \"" + std::string(*location) + "\" has no id");
  }
  return id;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

Vcns::Vcns(const ApiClient& client) : client_(client) {}

RetryPolicy Vcns::ReadPolicy() {
  RetryPolicy p = RetryPolicy::OnHttp(1, {503});
  p.retry_transport = true;
  return p;
}

RetryPolicy Vcns::WritePolicy() { return RetryPolicy::OnHttp(1, {503}); }

RetryPolicy Vcns::DeletePolicy() {
  RetryPolicy p = WritePolicy();
  p.retry_transport = true;
  return p;
}

RetryPolicy Vcns::VnicWritePolicy() {
  RetryPolicy p = RetryPolicy::OnHttp(1, {400, 503});
  p.final_nsx_codes = {kEdgeNotRunning};
  return p;
}

RetryPolicy Vcns::VirtualWirePolicy() { return RetryPolicy::OnHttp(1, {400, 503}); }

Result<HttpResponse> Vcns::Get(std::string path, const char* op) const {
  return client_.Call(MakeCall("GET", std::move(path), "", ReadPolicy(), op));
}

// ---- Edges ----

Result<std::string> Vcns::DeployEdge(const EdgeDocument& edge) const {
  ApiCall call = MakeCall("POST", kEdgesUri, EncodeEdge(edge), RetryPolicy::None(), "deploy_edge");
  call.timeout = client_.options().deploy_timeout;
  // 2016: retry(ResourceNotFound)(retry(RequestBad)(deploy_edge)) plus 409 on every request.
  // Every failed attempt may have created the edge (a response lost after the commit, or a
  // timeout-like error answer), so the edge is looked up by its unique name before any retry.
  RetryPolicy policy =
      RetryPolicy::OnHttp(std::max(client_.options().retries, 1), {400, 404, 409, 503});
  policy.retry_transport = true;
  for (int attempt = 1;; ++attempt) {
    Result<HttpResponse> r = client_.CallOnce(call);
    if (r.ok()) {
      Result<std::string> id = LocationId(client_, call, *r);
      if (id.ok()) return id;
      // The edge exists but its id was not given: say so, so that nothing is left unreported.
      Result<std::optional<EdgeSummary>> found = FindEdgeByName(edge.name);
      std::string note = "; no edge named \"" + edge.name + "\" was found";
      if (!found.ok()) {
        note = "; could not look for edge \"" + edge.name + "\": " + found.error().message();
      } else if (found->has_value()) {
        note = "; edge \"" + edge.name + "\" exists as " + (*found)->id;
      }
      return Status(StatusCode::kProtocolError, id.error().message() + note);
    }
    const Status& err = r.error();
    if (attempt == 1 && err.nsx_error_code() == kEdgeNameTaken) {
      // Nothing of ours can have created it: the name belongs to another edge.
      return Status(StatusCode::kAlreadyExists, err.message())
          .WithHttp(err.http_status(), err.nsx_error_code());
    }
    const bool retryable = policy.ShouldRetry(err) || err.nsx_error_code() == kEdgeNameTaken;
    const bool ambiguous =
        err.IsTransportError() || err.nsx_error_code() == kEdgeNameTaken || retryable;
    if (ambiguous) {
      Result<std::optional<EdgeSummary>> found = FindEdgeByName(edge.name);
      if (found.ok() && found->has_value()) {
        spdlog::warn("op=deploy_edge name={} attempt={} error={}: edge was created as {}",
                     edge.name, attempt, StatusCodeName(err.code()), (*found)->id);
        return (*found)->id;
      }
      if (!found.ok()) {
        // Unknown outcome: retrying could create a duplicate.
        return Status(err.code(), err.message() + "; could not check whether edge \"" + edge.name +
                                      "\" was created: " + found.error().message())
            .WithHttp(err.http_status(), err.nsx_error_code());
      }
    }
    if (!retryable || attempt >= policy.max_attempts) return err;
    client_.clock().SleepFor(policy.BackoffAfter(attempt));
  }
}

Status Vcns::UpdateEdge(std::string_view edge_id, const EdgeDocument& edge) const {
  EdgeDocument doc = edge;
  doc.id = std::string(edge_id);
  return client_
      .Call(MakeCall("PUT", EdgePath(edge_id), EncodeEdge(doc), WritePolicy(), "update_edge"))
      .status();
}

Result<EdgeDocument> Vcns::GetEdge(std::string_view edge_id) const {
  const std::string path = EdgePath(edge_id);
  NSXV_ASSIGN_OR_RETURN(HttpResponse r, Get(path, "get_edge"));
  return DecodeAnswer<EdgeDocument>(client_, MakeCall("GET", path, "", {}, "get_edge"), r,
                                    DecodeEdge);
}

Result<std::vector<EdgeSummary>> Vcns::ListEdges() const {
  std::vector<EdgeSummary> all;
  int64_t start = 0;
  // Bounded: a page count is derived from the first answer; a backend that keeps answering
  // full pages beyond totalCount cannot loop us forever.
  for (int64_t page = 0, max_pages = 1; page < max_pages; ++page) {
    const std::string path = std::string(kEdgesUri) + "?startIndex=" + std::to_string(start);
    NSXV_ASSIGN_OR_RETURN(HttpResponse r, Get(path, "list_edges"));
    NSXV_ASSIGN_OR_RETURN(
        EdgePage p,
        DecodeAnswer<EdgePage>(client_, MakeCall("GET", path, "", {}, "list"), r, DecodeEdgePage));
    const size_t got = p.data.size();
    for (EdgeSummary& s : p.data) all.push_back(std::move(s));
    if (!p.paging || got == 0) break;
    start += static_cast<int64_t>(got);
    if (start >= p.paging->total_count) break;
    if (page == 0) {
      const int64_t size = std::max<int64_t>(p.paging->page_size, 1);
      max_pages = p.paging->total_count / size + 2;
    }
  }
  return all;
}

Result<std::optional<EdgeSummary>> Vcns::FindEdgeByName(std::string_view name) const {
  NSXV_ASSIGN_OR_RETURN(std::vector<EdgeSummary> edges, ListEdges());
  for (EdgeSummary& e : edges) {
    if (e.name && *e.name == name) return std::optional<EdgeSummary>(std::move(e));
  }
  return std::optional<EdgeSummary>();
}

Status Vcns::DeleteEdge(std::string_view edge_id) const {
  Status s = client_.Call(MakeCall("DELETE", EdgePath(edge_id), "", DeletePolicy(), "delete_edge"))
                 .status();
  if (s.code() == StatusCode::kNotFound) return Status::Ok();  // already gone
  return s;
}

Result<EdgeStatusInfo> Vcns::GetEdgeStatus(std::string_view edge_id) const {
  const std::string path = EdgePath(edge_id, "/status?getlatest=false");
  Result<HttpResponse> r = Get(path, "get_edge_status");
  if (!r.ok()) {
    if (r.error().nsx_error_code() == kEdgeNotRunning) {
      return EdgeStatusInfo{EdgeHealth::kDown, "", false};
    }
    return r.error();
  }
  NSXV_ASSIGN_OR_RETURN(
      EdgeStatus s, DecodeAnswer<EdgeStatus>(client_, MakeCall("GET", path, "", {}, "status"), *r,
                                             DecodeEdgeStatus));
  EdgeStatusInfo info;
  info.edge_status = s.edge_status;
  if (s.edge_status == "GREEN") {
    info.health = EdgeHealth::kActive;
  } else if (s.edge_status == "GREY" || s.edge_status == "YELLOW") {
    info.health = EdgeHealth::kDown;
  } else {
    info.health = EdgeHealth::kError;
  }
  return info;
}

Result<std::vector<EdgeJob>> Vcns::GetEdgeJobs(std::string_view edge_id) const {
  const std::string path = EdgePath(edge_id, "/jobs");
  NSXV_ASSIGN_OR_RETURN(HttpResponse r, Get(path, "get_edge_jobs"));
  return DecodeAnswer<std::vector<EdgeJob>>(client_, MakeCall("GET", path, "", {}, "jobs"), r,
                                            DecodeEdgeJobs);
}

Result<bool> Vcns::WaitForEdgeJobs(std::string_view edge_id) const {
  const int polls = std::max(client_.options().retries, 1);
  Duration delay = std::chrono::milliseconds(500);
  const Duration cap = std::chrono::seconds(60);
  for (int i = 0; i < polls; ++i) {
    if (i > 0) {
      client_.clock().SleepFor(delay);
      delay = std::min(delay * 2, cap);
    }
    NSXV_ASSIGN_OR_RETURN(std::vector<EdgeJob> jobs, GetEdgeJobs(edge_id));
    if (jobs.empty()) return true;
    if (jobs.size() >= 20) {
      spdlog::error("edge={} op=check_edge_jobs pending_jobs={}", edge_id, jobs.size());
    } else {
      spdlog::warn("edge={} op=check_edge_jobs pending_jobs={}", edge_id, jobs.size());
    }
  }
  spdlog::error("edge={} op=check_edge_jobs: jobs still running after {} polls", edge_id, polls);
  return false;
}

// ---- Edge configuration ----

Result<Vnic> Vcns::GetVnic(std::string_view edge_id, int index) const {
  const std::string path = EdgePath(edge_id, "/vnics/" + std::to_string(index));
  NSXV_ASSIGN_OR_RETURN(HttpResponse r, Get(path, "get_vnic"));
  return DecodeAnswer<Vnic>(client_, MakeCall("GET", path, "", {}, "get_vnic"), r, DecodeVnic);
}

Status Vcns::UpdateVnic(std::string_view edge_id, const Vnic& vnic) const {
  if (vnic.index < 0 || vnic.index > 9) {
    return InvalidArgument("update_vnic: vnic index " + std::to_string(vnic.index) +
                           " is outside 0..9");
  }
  return client_
      .Call(MakeCall("PUT", EdgePath(edge_id, "/vnics/" + std::to_string(vnic.index)),
                     EncodeVnic(vnic), VnicWritePolicy(), "update_vnic"))
      .status();
}

Result<StaticRouting> Vcns::GetRoutes(std::string_view edge_id) const {
  const std::string path = EdgePath(edge_id, "/routing/config/static");
  NSXV_ASSIGN_OR_RETURN(HttpResponse r, Get(path, "get_routes"));
  return DecodeAnswer<StaticRouting>(client_, MakeCall("GET", path, "", {}, "get_routes"), r,
                                     DecodeStaticRouting);
}

Status Vcns::UpdateRoutes(std::string_view edge_id, const StaticRouting& routing) const {
  return client_
      .Call(MakeCall("PUT", EdgePath(edge_id, "/routing/config/static"),
                     EncodeStaticRouting(routing), WritePolicy(), "update_routes"))
      .status();
}

Result<LoadBalancer> Vcns::GetLoadBalancer(std::string_view edge_id) const {
  const std::string path = EdgePath(edge_id, "/loadbalancer/config");
  NSXV_ASSIGN_OR_RETURN(HttpResponse r, Get(path, "get_lb"));
  return DecodeAnswer<LoadBalancer>(client_, MakeCall("GET", path, "", {}, "get_lb"), r,
                                    LoadBalancer::Parse);
}

Status Vcns::PutLoadBalancer(std::string_view edge_id, const LoadBalancer& lb) const {
  Result<std::string> body = lb.Serialize();
  if (!body.ok()) {
    return Status(body.error().code(),
                  "put_lb " + std::string(edge_id) + ": " + body.error().message());
  }
  return client_
      .Call(MakeCall("PUT", EdgePath(edge_id, "/loadbalancer/config"), std::move(*body),
                     WritePolicy(), "put_lb"))
      .status();
}

Result<std::vector<LbPoolStatistics>> Vcns::GetLoadBalancerStatistics(
    std::string_view edge_id) const {
  const std::string path = EdgePath(edge_id, "/loadbalancer/statistics");
  NSXV_ASSIGN_OR_RETURN(HttpResponse r, Get(path, "get_lb_statistics"));
  auto decode = [](std::string_view body) -> Result<std::vector<LbPoolStatistics>> {
    NSXV_ASSIGN_OR_RETURN(json v, ParseJsonBody(body, "loadBalancerStatistics"));
    ObjectReader top(v, "loadBalancerStatistics");
    std::vector<LbPoolStatistics> pools;
    NSXV_TRY(top.Objects(
        "pool", false, false, [&](size_t, const json& p, const std::string& where) -> Status {
          ObjectReader pr(p, where);
          LbPoolStatistics s;
          std::optional<std::string> id;
          NSXV_TRY(pr.OptString("poolId", &id));
          s.pool_id = id.value_or("");
          NSXV_TRY(pr.String("name", &s.name));
          NSXV_TRY(pr.Objects("member", false, false,
                              [&](size_t, const json& m, const std::string& mwhere) -> Status {
                                ObjectReader mr(m, mwhere);
                                LbMemberStatistics ms;
                                NSXV_TRY(mr.String("ipAddress", &ms.ip_address));
                                NSXV_TRY(mr.String("status", &ms.status));
                                s.members.push_back(std::move(ms));
                                return Status::Ok();
                              }));
          pools.push_back(std::move(s));
          return Status::Ok();
        }));
    return pools;
  };
  return DecodeAnswer<std::vector<LbPoolStatistics>>(
      client_, MakeCall("GET", path, "", {}, "get_lb_statistics"), r, decode);
}

Status Vcns::UpdateFirewall(std::string_view edge_id, const FirewallConfig& config) const {
  return client_
      .Call(MakeCall("PUT", EdgePath(edge_id, "/firewall/config"), EncodeFirewallConfig(config),
                     WritePolicy(), "update_firewall"))
      .status();
}

Result<FirewallConfig> Vcns::GetFirewall(std::string_view edge_id) const {
  const std::string path = EdgePath(edge_id, "/firewall/config");
  NSXV_ASSIGN_OR_RETURN(HttpResponse r, Get(path, "get_firewall"));
  return DecodeAnswer<FirewallConfig>(client_, MakeCall("GET", path, "", {}, "get_firewall"), r,
                                      DecodeFirewallConfig);
}

// ---- Truststore ----

Result<std::string> Vcns::CreateCsr(std::string_view edge_id, const CsrSpec& spec) const {
  const ApiCall call =
      MakeCall("POST", "/api/2.0/services/truststore/csr/" + std::string(edge_id),
               EncodeCsrXml(spec), RetryPolicy::None(), "create_csr", Format::kXml);
  NSXV_ASSIGN_OR_RETURN(HttpResponse r, client_.Call(call));
  return LocationId(client_, call, r);
}

Result<std::string> Vcns::SelfSignCsr(std::string_view csr_id) const {
  const ApiCall call = MakeCall("PUT",
                                "/api/2.0/services/truststore/csr/" + std::string(csr_id) +
                                    "?noOfDays=" + std::to_string(kCertificateDays),
                                "", WritePolicy(), "self_sign_csr");
  NSXV_ASSIGN_OR_RETURN(HttpResponse r, client_.Call(call));
  return DecodeAnswer<std::string>(client_, call, r, DecodeSelfSignedCertificateId);
}

Result<std::string> Vcns::UploadCertificate(std::string_view edge_id, std::string_view pem_encoding,
                                            std::string_view private_key) const {
  if (pem_encoding.empty() || private_key.empty()) {
    // Fix: 2016 sent JSON null when utils.read_file failed (§4.4 bug 22).
    return InvalidArgument("upload_certificate " + std::string(edge_id) +
                           ": empty certificate or private key");
  }
  const ApiCall call =
      MakeCall("POST", "/api/2.0/services/truststore/certificate/" + std::string(edge_id),
               EncodeCertificateUpload(pem_encoding, private_key), RetryPolicy::None(),
               "upload_certificate");
  NSXV_ASSIGN_OR_RETURN(HttpResponse r, client_.Call(call));
  return DecodeAnswer<std::string>(client_, call, r, DecodeUploadedCertificateId);
}

Result<std::vector<std::string>> Vcns::ListCertificateIds(std::string_view edge_id) const {
  const std::string path = "/api/2.0/services/truststore/certificate/scope/" + std::string(edge_id);
  NSXV_ASSIGN_OR_RETURN(HttpResponse r, Get(path, "list_certificates"));
  return DecodeAnswer<std::vector<std::string>>(
      client_, MakeCall("GET", path, "", {}, "list_certificates"), r, DecodeCertificateIds);
}

Result<std::vector<CertificateSummary>> Vcns::ListCertificates(std::string_view edge_id) const {
  const std::string path = "/api/2.0/services/truststore/certificate/scope/" + std::string(edge_id);
  NSXV_ASSIGN_OR_RETURN(HttpResponse r, Get(path, "list_certificates"));
  return DecodeAnswer<std::vector<CertificateSummary>>(
      client_, MakeCall("GET", path, "", {}, "list_certificates"), r, DecodeCertificates);
}

Status Vcns::DeleteCertificate(std::string_view certificate_id) const {
  Status s =
      client_
          .Call(MakeCall("DELETE",
                         "/api/2.0/services/truststore/certificate/" + std::string(certificate_id),
                         "", DeletePolicy(), "delete_certificate"))
          .status();
  if (s.code() == StatusCode::kNotFound) return Status::Ok();  // already gone
  return s;
}

// ---- Virtual wires ----

Result<std::string> Vcns::CreateVirtualWire(std::string_view vdn_scope_id,
                                            const VirtualWireSpec& spec) const {
  const ApiCall call = MakeCall(
      "POST", "/api/2.0/vdn/scopes/" + std::string(vdn_scope_id) + "/virtualwires",
      EncodeVirtualWireXml(spec), VirtualWirePolicy(), "create_virtual_wire", Format::kXml);
  // VirtualWirePolicy() leaves retry_transport off: a lost answer is reported, not repeated.
  NSXV_ASSIGN_OR_RETURN(HttpResponse r, client_.Call(call));
  std::string id = Trim(r.body);
  const bool plausible =
      !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
      });
  if (!plausible) return BadAnswer(client_, call, r, "body is not a virtual wire id");
  return id;
}

Status Vcns::DeleteVirtualWire(std::string_view wire_id) const {
  Status s = client_
                 .Call(MakeCall("DELETE", "/api/2.0/vdn/virtualwires/" + std::string(wire_id), "",
                                DeletePolicy(), "delete_virtual_wire", Format::kXml))
                 .status();
  if (s.code() == StatusCode::kNotFound) return Status::Ok();  // already gone (a resend)
  return s;
}

}  // namespace nsxv::driver
