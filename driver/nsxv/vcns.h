// Port of vmware_nsx/plugins/nsx_v/vshield/vcns.py (class Vcns): one typed method per NSX-v REST
// call of the metadata-proxy flow and the edge lifecycle (API reference §1), each with its retry
// policy as data (§2.6) and its response decoded strictly (documents.h, loadbalancer.h).
//
// Errors: every method returns the ApiClient's mapped Status (method, URL, HTTP status, NSX
// errorCode, excerpt) or kProtocolError when a 2xx answer is not what the call needs (malformed
// or truncated body, missing Location); the message then names method, path, status and a short
// excerpt. Nothing throws.
//
// Retries (on the ApiClient's Clock; ApiClient adds 409 to every call and gives each call
// `retries` attempts):
//  - reads (GET) also retry 503 and transport errors: repeating them is harmless;
//  - idempotent writes (PUT of a whole document, DELETE) also retry 503; a vnic PUT also 400
//    (2016 retry(RequestBad)) except errorCode 10013 "edge not running" (a powered-off edge does
//    not come back within the back-off; 2016 sent 20 PUTs to it). A PUT does not retry a transport
//    error (the change may have been applied, and the caller's reconciliation decides). Deletes by
//    id (edge, virtual wire, certificate) do: resending a DELETE that was applied gets a 404, which
//    is success — so a lost reply to a delete no longer leaves a router binding in ERROR (found by
//    the scenario delete-response-lost);
//  - DeployEdge (non-idempotent) is never blindly repeated: after any failed attempt it first
//    looks the edge up by its unique name and returns the existing id if the lost attempt created
//    it; it retries 400, 404, 409 and 503 and transport errors only when that lookup says the
//    edge does not exist;
//  - CreateVirtualWire retries 400 and 503 (answers: the manager rejected the request, nothing
//    was created) but NOT a transport error: NSX-v accepts duplicate wire names and the 2016 API
//    surface has no lookup by name the driver can rely on (the fake does not serve the wire
//    list either), so a possibly applied create is reported to the caller instead;
//  - CreateCsr and UploadCertificate create a truststore object per call: only the universal 409
//    is retried; after a possibly applied attempt the caller looks the edge's certificates up
//    with ListCertificateIds.
//  - DeleteCertificate is an idempotent DELETE (retries 503, 409 and transport errors; a 404 is
//    success).
//
// Thread-safe: a Vcns holds no mutable state; one instance is shared by many threads (the
// ApiClient, Transport and Clock are thread-safe).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "driver/common/status.h"
#include "driver/nsxv/api_client.h"
#include "driver/nsxv/documents.h"
#include "driver/nsxv/loadbalancer.h"

namespace nsxv::driver {

// EdgeApplianceDriver.get_edge_status: GREEN -> kActive; GREY, YELLOW or NSX error 10013
// ("edge is not running") -> kDown; any other edgeStatus -> kError.
enum class EdgeHealth { kActive, kDown, kError };

struct EdgeStatusInfo {
  EdgeHealth health = EdgeHealth::kError;
  std::string edge_status;  // as reported; empty when the answer was error 10013
  bool running = true;      // false for error 10013
};

struct LbMemberStatistics {
  std::string ip_address;
  std::string status;
};
struct LbPoolStatistics {
  std::string pool_id;
  std::string name;
  std::vector<LbMemberStatistics> members;
};

class Vcns {
 public:
  // `client` must outlive this object.
  explicit Vcns(const ApiClient& client);

  // ---- Edges (§1.1-§1.7) ----
  // POST /api/4.0/edges (synchronous). The id is the last segment of Location; a 2xx without a
  // usable Location is kProtocolError (the message says whether an edge of that name exists).
  // kAlreadyExists when the name is taken before this call made any attempt.
  Result<std::string> DeployEdge(const EdgeDocument& edge) const;
  // PUT /api/4.0/edges/{id}; `edge.id` is set to `edge_id` in the body.
  Status UpdateEdge(std::string_view edge_id, const EdgeDocument& edge) const;
  Result<EdgeDocument> GetEdge(std::string_view edge_id) const;
  // Every page of GET /api/4.0/edges?startIndex=N.
  Result<std::vector<EdgeSummary>> ListEdges() const;
  // The edge named `name`, if any (scans ListEdges()).
  Result<std::optional<EdgeSummary>> FindEdgeByName(std::string_view name) const;
  // DELETE; a 404 counts as success.
  Status DeleteEdge(std::string_view edge_id) const;
  // GET .../status?getlatest=false; NSX error 10013 gives {kDown, running=false}.
  Result<EdgeStatusInfo> GetEdgeStatus(std::string_view edge_id) const;
  Result<std::vector<EdgeJob>> GetEdgeJobs(std::string_view edge_id) const;
  // check_edge_jobs: polls GetEdgeJobs up to max(retries, 1) times, sleeping 0.5 s, 1 s, 2 s,
  // ... (capped at 60 s) on the client's Clock before every poll but the first. Returns true as
  // soon as no job is pending, false when the polls run out; an HTTP error is returned.
  Result<bool> WaitForEdgeJobs(std::string_view edge_id) const;

  // ---- Edge configuration (§1.8-§1.15, §1.24) ----
  Result<Vnic> GetVnic(std::string_view edge_id, int index) const;
  // PUT .../vnics/{vnic.index}.
  Status UpdateVnic(std::string_view edge_id, const Vnic& vnic) const;
  Result<StaticRouting> GetRoutes(std::string_view edge_id) const;
  Status UpdateRoutes(std::string_view edge_id, const StaticRouting& routing) const;
  Result<LoadBalancer> GetLoadBalancer(std::string_view edge_id) const;
  // The body is exactly lb.Serialize() (sorted keys, Python separators).
  Status PutLoadBalancer(std::string_view edge_id, const LoadBalancer& lb) const;
  Result<std::vector<LbPoolStatistics>> GetLoadBalancerStatistics(std::string_view edge_id) const;
  Status UpdateFirewall(std::string_view edge_id, const FirewallConfig& config) const;
  Result<FirewallConfig> GetFirewall(std::string_view edge_id) const;

  // ---- Truststore (§1.16-§1.18) ----
  // POST (XML) .../truststore/csr/{edgeId}; the CSR id from Location.
  Result<std::string> CreateCsr(std::string_view edge_id, const CsrSpec& spec = {}) const;
  // PUT .../truststore/csr/{csrId}?noOfDays=3650; the certificate's objectId.
  Result<std::string> SelfSignCsr(std::string_view csr_id) const;
  // POST .../truststore/certificate/{edgeId}; certificates[0].objectId. Empty PEM or key is
  // kInvalidArgument (2016 sent null when the file could not be read).
  Result<std::string> UploadCertificate(std::string_view edge_id, std::string_view pem_encoding,
                                        std::string_view private_key) const;
  // GET .../truststore/certificate/scope/{edgeId}; the objectIds of the edge's certificates (the
  // lookup a caller uses after a CSR sign or upload whose answer was lost).
  Result<std::vector<std::string>> ListCertificateIds(std::string_view edge_id) const;
  // The same list with each certificate's subject common name.
  Result<std::vector<CertificateSummary>> ListCertificates(std::string_view edge_id) const;
  // DELETE .../truststore/certificate/{certificateId} (idempotent write policy); a 404 counts as
  // success. A certificate an edge LB still names is refused by the manager (400).
  Status DeleteCertificate(std::string_view certificate_id) const;

  // ---- Virtual wires (§1.19, §1.20) ----
  // POST (XML) .../vdn/scopes/{scope}/virtualwires; the raw body is the wire id.
  Result<std::string> CreateVirtualWire(std::string_view vdn_scope_id,
                                        const VirtualWireSpec& spec) const;
  Status DeleteVirtualWire(std::string_view wire_id) const;

  // The retry policy each call uses (exposed for tests and documentation).
  static RetryPolicy ReadPolicy();
  static RetryPolicy WritePolicy();
  // Deletes of an object by id: also resent after a transport error (no response, reset), since
  // a DELETE is idempotent here and a 404 answer to the resend counts as success.
  static RetryPolicy DeletePolicy();
  static RetryPolicy VnicWritePolicy();
  static RetryPolicy VirtualWirePolicy();

 private:
  Result<HttpResponse> Get(std::string path, const char* op) const;

  const ApiClient& client_;
};

}  // namespace nsxv::driver
