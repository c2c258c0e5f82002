// Private to fake_nsxv/model*.cc: the Model's state as plain values, the per-edge and global
// lock holders, NSX error Status helpers and the document validators.
//
// This header includes <nlohmann/json.hpp> because the state holds documents; nothing outside
// the model's own .cc files may include it. The plain *Data structs are not synchronized: an
// EdgeState's data is guarded by its mu, GlobalState's by its mu (lock order in model.h).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "driver/common/clock.h"
#include "driver/common/mutex.h"
#include "driver/common/status.h"
#include "driver/common/thread_annotations.h"
#include "fake_nsxv/model.h"

namespace nsxv::fake {

inline constexpr int kVnicCount = 10;
inline constexpr int64_t kFirstFirewallRuleId = 131074;  // reference §1.15 example

struct EdgeData {
  std::string name;
  nlohmann::json document = nlohmann::json::object();  // last deploy/update body, as sent
  bool powered = true;
  std::string status = "GREEN";  // reported edgeStatus while powered on and not deploying
  std::array<nlohmann::json, kVnicCount> vnics;
  nlohmann::json static_routing = nlohmann::json::object();
  nlohmann::json load_balancer = nlohmann::json::object();
  nlohmann::json firewall = nlohmann::json::object();
  int64_t next_rule_id = kFirstFirewallRuleId;
  // Bumped by every accepted change, so every change of document, name or vnics bumps it:
  // EdgeState::get_edge_cache is keyed on it.
  int64_t version = 1;
  std::vector<int64_t> running_jobs;  // job numbers, ascending
};

struct EdgeState {
  EdgeState(int64_t n, std::string edge_id) : num(n), id(std::move(edge_id)) {}
  Mutex mu;
  const int64_t num;
  const std::string id;
  bool removed GUARDED_BY(mu) = false;
  EdgeData data GUARDED_BY(mu);
  // The body of GET /api/4.0/edges/{id} (Model::GetEdgeText), built from `data` at `version`
  // with the deploy state `deploying`; rebuilt when either differs. Empty until the first GET.
  struct GetEdgeCache {
    int64_t version = 0;
    bool deploying = false;
    std::string text;
  } get_edge_cache GUARDED_BY(mu);
};

enum class JobKind { kDeploy, kConfig, kDelete };

struct Job {
  int64_t num = 0;
  std::string edge_id;
  JobKind kind = JobKind::kConfig;
  TimePoint start;
  TimePoint finish;
  bool fail = false;               // ends FAILED when it finishes
  std::string status = "RUNNING";  // RUNNING until retired, then SUCCESS or FAILED
};

struct Csr {
  std::string scope;
  std::string common_name;
};

struct Certificate {
  std::string scope;
  std::string name;
  std::string type;  // certificate_self_signed | certificate
  std::string pem;
  bool has_private_key = false;
  int64_t days = 0;
};

struct VirtualWire {
  std::string scope;
  std::string name;
  std::string tenant;
};

struct SpoofguardPolicy {
  std::string name;
  std::string mode;
};

// The documented tuningConfiguration defaults (nsxraml 6.4 lines 24268-24278), and the check of
// a whole tuning object (model_inventory.cc).
nlohmann::json DefaultTuningConfiguration();
Status CheckTuningConfiguration(const nlohmann::json& tuning);

struct GlobalData {
  std::map<std::string, std::string> names;  // edge name -> edge id (live edges only)
  std::map<int64_t, Job> jobs;
  std::map<int64_t, Csr> csrs;
  std::map<int64_t, Certificate> certificates;
  std::map<int64_t, VirtualWire> wires;
  std::map<int64_t, SpoofguardPolicy> policies;
  int64_t job_counter = 0;
  int64_t csr_counter = 0;
  int64_t certificate_counter = 0;
  int64_t wire_counter = 0;
  int64_t policy_counter = 0;
  // edgePublish/tuningConfiguration: flat object of the fields of model_inventory.cc.
  nlohmann::json tuning = DefaultTuningConfiguration();
};

struct GlobalState {
  Mutex mu;
  GlobalData data GUARDED_BY(mu);
};

// "<prefix>-<n>" with n >= 1 -> n.
std::optional<int64_t> ParseId(std::string_view id, std::string_view prefix);
std::string MakeId(std::string_view prefix, int64_t n);

// Error Status carrying the HTTP status and NSX errorCode the router answers with.
Status NsxStatus(int http_status, int error_code, std::string details);
Status BadRequest(int error_code, std::string details);  // 400
Status EdgeNotFound(std::string_view edge_id);           // 404 kEdgeNotFound
Status ObjectNotFound(std::string details);              // 404 kObjectNotFound

// Per-call context of the model's free functions: the clock reading, options and global state.
struct Env {
  TimePoint now;
  const ModelOptions& options;
  double scale;
  GlobalState* global;
};
Env MakeEnv(const Clock& clock, const ModelOptions& options, GlobalState* global);
// Retires finished jobs; 404 if the edge is removed (now or before).
Status Touch(EdgeState* e, const Env& env, std::atomic<int>* pending_removals) REQUIRES(e->mu);

// The opening of every Model call on one edge: reads the clock into `env`, takes the registry
// lock shared, looks the edge up, locks its mu and retires its finished jobs (Touch). status()
// is 404 kEdgeNotFound when the id is unknown, malformed or removed; the caller returns it
// before it touches `state`. While status() is OK, `state` is the live edge and both locks are
// held until the accessor leaves scope. Lock order (model.h): registry -> edge; callees may
// take the global lock after. For clang's -Wthread-safety the constructor acquires
// `state->mu`, so `edge.state->data` and REQUIRES(e->mu) callees are checked. One thread; not
// copyable or movable.
class SCOPED_CAPABILITY Model::EdgeAccess {
 public:
  EdgeAccess(Model* model, std::string_view edge_id) ACQUIRE_SHARED(model->registry_mu_)
      ACQUIRE(state->mu);
  ~EdgeAccess() RELEASE();
  EdgeAccess(const EdgeAccess&) = delete;
  EdgeAccess& operator=(const EdgeAccess&) = delete;

  const Status& status() const { return status_; }

 private:
  EdgeState* Open(Model* model, std::string_view edge_id);
  SharedMutex* const registry_;
  Status status_;

 public:
  const Env env;
  EdgeState* const state;  // nullptr when the id names no edge in the registry
};

// Gate of every config change after its body validated: power, fail_job, busy policy.
// Returns when the change's job may start (now, or when the running jobs end).
Result<TimePoint> Admit(EdgeState* e, const Env& env, Call* call) REQUIRES(e->mu);
// Bookkeeping of an applied change: version bump, config job, answer delay.
void Finish(EdgeState* e, const Env& env, TimePoint start, Call* call) REQUIRES(e->mu);

// Truststore and XML helpers (model_common.cc), used by model_truststore.cc.
nlohmann::json CertificateJson(int64_t num, const Certificate& cert);
// Text of the first <tag>...</tag> element; nullopt if absent.
std::optional<std::string> XmlText(std::string_view xml, std::string_view tag);
// True if `xml` (after an optional <?xml ...?> prolog) is one <root>...</root> element.
bool XmlRootIs(std::string_view xml, std::string_view root);
Status BadXml(std::string_view root);

// Default vnic for slot `index` (§1.8) and the other default documents (§7).
nlohmann::json DefaultVnic(int index);
nlohmann::json DefaultStaticRouting();
nlohmann::json DefaultLoadBalancer();
nlohmann::json DefaultFirewall();

// --- Validators (model_validation.cc). None mutates; each returns OK or a 400 Status. ---
// Vnic index from a URI or a body: an integer 0-9.
Result<int> ParseVnicIndex(std::string_view text);
// A vnic object; `uri_index` (when set) must equal the body's index if the body has one.
Status CheckVnic(const nlohmann::json& vnic, std::optional<int> uri_index, std::string_view where);
// Deploy or update body (§1.1, §1.2).
Status CheckEdgeDocument(const nlohmann::json& body);
Status CheckStaticRouting(const nlohmann::json& body);
// `certificate_exists(id)` says whether the certificate is in the edge's truststore.
Status CheckLoadBalancer(const nlohmann::json& body,
                         const std::function<bool(std::string_view)>& certificate_exists);
Status CheckFirewall(const nlohmann::json& body);

// Normalized copies stored by the model: vnic with index and label; LB with all five arrays
// and the top-level flags; firewall rules keep the ruleId they are sent with (it must name a
// rule of `current`, at most once) and the others get fresh ruleIds from *next_rule_id; the
// sections the body leaves out are reset to their defaults (nsxraml 6.4 lines 17175-17183).
nlohmann::json NormalizeVnic(const nlohmann::json& vnic, int index);
nlohmann::json NormalizeStaticRouting(const nlohmann::json& body);
nlohmann::json NormalizeLoadBalancer(const nlohmann::json& body);
Result<nlohmann::json> NormalizeFirewall(const nlohmann::json& body, const nlohmann::json& current,
                                         int64_t* next_rule_id);

// Serialized state (model_state.cc).
nlohmann::json DumpEdge(const std::string& id, const EdgeData& edge);
nlohmann::json DumpGlobal(const GlobalData& global);

}  // namespace nsxv::fake
