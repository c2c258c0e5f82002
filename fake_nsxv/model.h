// Model: the fake NSX-v manager's state and rules, with no HTTP (API reference §1, §7).
//
// State: edges `edge-<n>` (unique names, deploy document, appliance size, status, power, vnics
// 0-9, static routing, load balancer, firewall), edge jobs `jobdata-<n>`, the truststore (CSRs
// `csr-<n>` and certificates `certificate-<n>`, each bound to a scope: the edge id), virtual
// wires `virtualwire-<n>` per transport-zone scope and spoofguard policies. Every counter
// starts at 1 and is part of Dump(), so ids continue after Load().
//
// Rules: every mutating call validates its whole input before it changes anything; a rejected
// call leaves the state untouched. Errors are Status values whose http_status() (400, 404, 409)
// and nsx_error_code() say what the manager answers; message() is the NSX "details" text.
//
// Time: durations in ModelOptions are virtual; clock time is duration x time_scale. Jobs
// complete lazily: a call that touches an edge first retires the jobs whose finish time has
// passed (an async deploy job that completes turns the edge GREEN; one that fails removes it).
// Job statuses are the spec's (nsxraml 6.4 lines 24174-24175): QUEUED (waiting behind another
// job of the edge), RUNNING, then SUCCESS or FAILED. ROLLBACK is never reported: a failed
// change in this model is not undone.
//
// Thread-safety: all public methods are thread-safe. Locks are always taken in this order, and
// a lock is never acquired while a later one in the order is held:
//   1. registry_mu_ (SharedMutex): the edge map and the edge counter. Shared for the whole of
//      a call on one edge; exclusive for deploy, delete, Load, Reset and for the calls that
//      see every edge (the edge list, Dump(), EdgeIds()).
//   2. EdgeState::mu of the edge involved. No call holds two edge locks: a whole-model call
//      holds the registry exclusively, so no other call is inside any edge, and it visits the
//      edges one at a time in ascending numeric id order. (Holding hundreds of edge locks at
//      once would also exceed what ThreadSanitizer's deadlock detector can track.)
//   3. GlobalState::mu: truststore, virtual wires, spoofguard, edge names, job records and
//      their counters.
// Every call holds its locks for its whole duration, so it sees one consistent state.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "driver/common/clock.h"
#include "driver/common/mutex.h"
#include "driver/common/status.h"
#include "driver/common/thread_annotations.h"

namespace nsxv::fake {

enum class BusyPolicy { kSerialize, kReject };

struct ModelOptions {
  // Virtual time an edge deploy takes (sync deploy answers after it; async jobs run for it).
  Duration deploy_duration = std::chrono::seconds(0);
  // Virtual time a config change (vnic, LB, firewall, routes) keeps the edge busy.
  Duration config_duration = std::chrono::seconds(0);
  BusyPolicy busy_policy = BusyPolicy::kSerialize;
  double time_scale = 1.0;  // clock time = virtual duration x time_scale
  int page_size = 256;      // edgePage size for GET /api/4.0/edges
};

// Per-call input and output of the mutating edge operations.
struct Call {
  // In: fault kind job_failure. The job this call starts fails (see each method).
  bool fail_job = false;
  // In: `?async=true` (nsxraml 6.4 lines 24163-24176): the change always runs as a job, the
  // answer is not held back (the job is QUEUED behind a busy edge instead) and job_id is set.
  bool async = false;
  // Out: clock time the answer is held back (sync deploy, or a busy edge under kSerialize).
  Duration delay{0};
  // Out: with async, the id (`jobdata-<n>`) of the job the call started.
  std::string job_id;
};

struct DeployResult {
  std::string edge_id;
  std::string job_id;  // async deploy only
};

struct EdgeState;    // model_internal.h
struct GlobalState;  // model_internal.h

class Model {
 public:
  Model(Clock& clock, ModelOptions options);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // Full state as JSON, and back. Load() validates the whole document and replaces everything
  // or, on error (InvalidArgument naming the problem), nothing. Dump(Load(x)) == x for any x
  // produced by Dump(). Job times are absolute readings of this model's clock.
  nlohmann::json Dump() const EXCLUDES(registry_mu_);
  Status Load(const nlohmann::json& state) EXCLUDES(registry_mu_);
  void Reset() EXCLUDES(registry_mu_);

  // Fault hooks (FakeManager): power an edge off/on; delete it behind the driver's back;
  // make its running jobs fail now (the edge goes RED). NotFound (404) for an unknown edge.
  Status SetPowered(std::string_view edge_id, bool on) EXCLUDES(registry_mu_);
  Status RemoveEdge(std::string_view edge_id) EXCLUDES(registry_mu_);
  Status FailJobs(std::string_view edge_id) EXCLUDES(registry_mu_);
  // Sets the reported edgeStatus: GREEN, YELLOW, GREY or RED (InvalidArgument otherwise).
  Status SetEdgeStatus(std::string_view edge_id, std::string_view status) EXCLUDES(registry_mu_);

  // Ids of the live edges in ascending numeric order.
  std::vector<std::string> EdgeIds() const EXCLUDES(registry_mu_);
  const ModelOptions& options() const { return options_; }
  // Clock time for a virtual duration (duration x time_scale).
  Duration Scaled(Duration virtual_duration) const;

  // --- Edges (§1.1-§1.7) ---
  // Sync: the edge exists at once with a deploy job that runs for deploy_duration;
  // call->delay is that (scaled) time. With fail_job no edge remains and the error is
  // 400/kJobFailed. Async: returns the job id at once; with fail_job the job ends FAILED and
  // the edge is removed when the job is retired.
  Result<DeployResult> DeployEdge(const nlohmann::json& body, bool async, Call* call)
      EXCLUDES(registry_mu_);
  Status UpdateEdge(std::string_view edge_id, const nlohmann::json& body, Call* call)
      EXCLUDES(registry_mu_);
  Status GetEdge(std::string_view edge_id, nlohmann::json* out) EXCLUDES(registry_mu_);
  // GetEdge's document as the answer body: serialized compactly, bytes that are not UTF-8
  // written as U+FFFD. Kept per edge and rebuilt after any change of the edge (its version) or
  // of its deploy state, so it is always what GetEdge would give now.
  Status GetEdgeText(std::string_view edge_id, std::string* out) EXCLUDES(registry_mu_);
  // `page_size` <= 0 means options().page_size.
  Status ListEdges(int start_index, int page_size, nlohmann::json* out) EXCLUDES(registry_mu_);
  // With call->async, a finished delete job (SUCCESS) is recorded and call->job_id names it.
  Status DeleteEdge(std::string_view edge_id, Call* call = nullptr) EXCLUDES(registry_mu_);
  // 400/kEdgeNotRunning (10013) for a powered-off edge that is not deploying (upstream's
  // edge_appliance_driver maps that answer to DOWN); GREY while a deploy job runs.
  Status GetEdgeStatus(std::string_view edge_id, nlohmann::json* out) EXCLUDES(registry_mu_);
  Status GetEdgeJobs(std::string_view edge_id, nlohmann::json* out) EXCLUDES(registry_mu_);
  Status GetJob(std::string_view job_id, nlohmann::json* out) EXCLUDES(registry_mu_);

  // --- Edge configuration (§1.8-§1.15, §1.24) ---
  // Config PUTs: 400/kEdgeNotRunning on a powered-off edge; with a running job, kSerialize
  // accepts and sets call->delay to the job's end (+ config_duration), kReject answers
  // 409/kEdgeBusy. With fail_job the edge's running jobs fail, the edge goes RED, nothing is
  // applied and the error is 400/kJobFailed.
  Status GetVnic(std::string_view edge_id, std::string_view index, nlohmann::json* out)
      EXCLUDES(registry_mu_);
  Status UpdateVnic(std::string_view edge_id, std::string_view index, const nlohmann::json& body,
                    Call* call) EXCLUDES(registry_mu_);
  Status GetStaticRouting(std::string_view edge_id, nlohmann::json* out) EXCLUDES(registry_mu_);
  Status UpdateStaticRouting(std::string_view edge_id, const nlohmann::json& body, Call* call)
      EXCLUDES(registry_mu_);
  Status GetLoadBalancer(std::string_view edge_id, nlohmann::json* out) EXCLUDES(registry_mu_);
  Status UpdateLoadBalancer(std::string_view edge_id, const nlohmann::json& body, Call* call)
      EXCLUDES(registry_mu_);
  Status GetLoadBalancerStatistics(std::string_view edge_id, nlohmann::json* out)
      EXCLUDES(registry_mu_);
  Status GetFirewall(std::string_view edge_id, nlohmann::json* out) EXCLUDES(registry_mu_);
  Status UpdateFirewall(std::string_view edge_id, const nlohmann::json& body, Call* call)
      EXCLUDES(registry_mu_);

  // --- Truststore (§1.16-§1.18) ---
  // `xml_body` is the <csr> document; returns the CSR id.
  Result<std::string> CreateCsr(std::string_view edge_id, std::string_view xml_body)
      EXCLUDES(registry_mu_);
  // Self-signs a CSR for `days`; *out is the certificate document (top-level objectId).
  Status SelfSignCsr(std::string_view csr_id, std::string_view days, nlohmann::json* out)
      EXCLUDES(registry_mu_);
  // *out is {"certificates":[{objectId,...}]}.
  Status UploadCertificate(std::string_view edge_id, const nlohmann::json& body,
                           nlohmann::json* out) EXCLUDES(registry_mu_);
  Status ListCertificates(std::string_view edge_id, nlohmann::json* out) EXCLUDES(registry_mu_);
  // *out is the certificate document; 404 (202) for an unknown id.
  Status GetCertificate(std::string_view certificate_id, nlohmann::json* out)
      EXCLUDES(registry_mu_);
  // 404 (202) for an unknown id; 400 kCertificateInUse while the LB of the certificate's scope
  // edge names it in an application profile's clientSsl.serviceCertificate.
  Status DeleteCertificate(std::string_view certificate_id) EXCLUDES(registry_mu_);

  // --- Virtual wires and spoofguard (§1.19-§1.22) ---
  Result<std::string> CreateVirtualWire(std::string_view scope_id, std::string_view xml_body)
      EXCLUDES(registry_mu_);
  Status DeleteVirtualWire(std::string_view wire_id) EXCLUDES(registry_mu_);
  Result<std::string> CreateSpoofguardPolicy(std::string_view xml_body) EXCLUDES(registry_mu_);
  Status DeleteSpoofguardPolicy(std::string_view policy_id) EXCLUDES(registry_mu_);

  // --- Plugin start-up calls (nsxv-raml-facts.md §2.1; model_inventory.cc) ---
  // {"version": "6.x.y"}.
  Status GetManagerConfig(nlohmann::json* out) EXCLUDES(registry_mu_);
  // <vdnScopes>: the fixed transport zone vdnscope-1 and every scope holding a virtual wire.
  Status GetVdnScopes(std::string* xml) EXCLUDES(registry_mu_);
  // <list> of <object>{objectId, objectTypeName, name}: datacenter, portgroups, virtual wires.
  Status GetScopingObjects(std::string* xml) EXCLUDES(registry_mu_);
  // The flat tuning object with the documented defaults until a PUT changes them.
  Status GetTuningConfiguration(nlohmann::json* out) EXCLUDES(registry_mu_);
  // `xml` is a <tuningConfiguration> document of known fields (400 naming a bad one).
  Status UpdateTuningConfiguration(std::string_view xml) EXCLUDES(registry_mu_);

 private:
  // Live edge by id: 404 for an unknown, malformed or removed id.
  Result<EdgeState*> FindEdge(std::string_view edge_id) REQUIRES_SHARED(registry_mu_);
  // Erases the edges that failed jobs marked removed.
  void SweepRemoved() REQUIRES(registry_mu_);

  // Scoped holder of the registry (shared) and one edge's lock for a call on that edge
  // (model_internal.h).
  class EdgeAccess;

  Clock& clock_;
  const ModelOptions options_;

  mutable SharedMutex registry_mu_;
  std::map<int64_t, std::shared_ptr<EdgeState>> edges_ GUARDED_BY(registry_mu_);
  int64_t edge_counter_ GUARDED_BY(registry_mu_) = 0;
  // Edges marked removed but still in edges_ (a hint for SweepRemoved).
  std::atomic<int> pending_removals_{0};

  // Truststore, wires, spoofguard, names and jobs; its own mutex is last in the lock order.
  const std::unique_ptr<GlobalState> global_;
};

}  // namespace nsxv::fake
