// Port of vmware_nsx/plugins/nsx_v/md_proxy.py (NsxVMetadataProxyHandler, fe72c1bd0, 2016), with
// the upstream fixes up to 2019 and the latent bugs of API reference §4.4 fixed.
//
// The metadata proxy: a pool of "proxy edges" (one exclusive router per mgt_net_proxy_ips entry,
// external vnic on the management network, an inter-edge interface on the internal network
// 169.254.128.0/17, an LB forwarding to Nova) and, on every router or DHCP edge, an internal
// interface with the 169.254.169.254 secondary address and an LB whose members are the live proxy
// edges' inter-edge IPs.
//
// Policies (each differs from 2016 on purpose; see the reference rules M1-M26):
//  - A proxy edge that cannot be validated, re-addressed or created is reported in the InitReport.
//    It stays an LB member ("unverified") when it exists, was configured and failed only with an
//    error that proves nothing about it (5xx, timeout, reset); it is left out when it is gone,
//    not running or was never configured (2016 appended None). An empty member list is never
//    written. Init fails only for errors that concern the whole pool (internal network, too few
//    configured IPs, non-initializer drift, lock).
//  - Restarting with unchanged configuration makes no backend write (reads only); the proxy LB is
//    PUT only when its members differ from nova_metadata_ips (any count), and the read-modify-write
//    keeps every other field (clientSsl included).
//  - A re-addressed proxy edge keeps its DB row (old IP) until the new address is applied.
//  - A proxy edge deleted behind the driver's back is replaced on the initializer (its router and
//    rows removed, a new proxy edge created; reported as kCreated), and proxy routers left behind
//    by a failed creation whose rollback failed are removed by the next Init on the initializer.
//  - Member order, proxy IP order and so the LB documents are deterministic (sorted IPs).
//  - ConfigureRouterEdge reuses the edge's metadata certificate (HTTPS mode) instead of creating
//    one per call; CleanupRouterEdge removes every md port of the router, deconfigures the
//    md virtual server and inter-edge interface of the edge and deletes its md certificate.
//
// Threading: a MetadataProxyHandler is thread-safe. Init() runs its per-edge work on a bounded
// pool of max_init_threads threads; each task opens its own store::Context through the
// ContextFactory (a Context belongs to the thread that made it). ConfigureRouterEdge and
// CleanupRouterEdge use the caller's Context on the caller's thread, plus a fresh admin Context
// made on that same thread for the md port (upstream ef81e5b56). The live proxy IP list is
// guarded by a mutex; concurrent ConfigureRouterEdge calls during Init() wait for Init() to
// publish it.
//
// Errors: one-line Status values; nothing throws.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "driver/common/clock.h"
#include "driver/common/mutex.h"
#include "driver/common/status.h"
#include "driver/locking/lock.h"
#include "driver/nsxv/vcns.h"
#include "driver/plugin/plugin.h"
#include "driver/store/context.h"

namespace nsxv::md_proxy {

inline constexpr const char* kMetadataPoolName = "MDSrvPool";
inline constexpr const char* kMetadataVseName = "MdSrv";
inline constexpr const char* kMetadataIp = "169.254.169.254";
inline constexpr int kMetadataTcpPort = 80;
inline constexpr int kMetadataHttpsPort = 443;
inline constexpr int kMetadataHttpsVipPort = 8775;
inline constexpr const char* kInternalSubnet = "169.254.128.0/17";
inline constexpr const char* kInternalTenantId = "a1b2c3d4-e5f6-eeff-ffee-6f5e4d3c2b1a";
inline constexpr const char* kInterEdgeNetName = "inter-edge-net";
inline constexpr const char* kInterEdgeSubnetName = "inter-edge-subnet";
inline constexpr const char* kProxyRouterName = "metadata_proxy_router";
inline constexpr int kExternalVnicIndex = 0;
// How long ConfigureRouterEdge waits for a first Init() that is running (real time).
inline constexpr std::chrono::minutes kConfigureInitWait{30};

// The md options of reference §5.1 (names as in nsx.ini). An empty string means "not set".
struct MdProxyConfig {
  std::string mgt_net_moid;
  std::vector<std::string> mgt_net_proxy_ips;
  std::string mgt_net_proxy_netmask;
  std::string mgt_net_default_gateway;  // empty: no default route on proxy edges
  std::vector<std::string> nova_metadata_ips;
  int nova_metadata_port = 8775;
  std::string metadata_shared_secret;
  bool metadata_insecure = true;
  std::string metadata_nova_client_cert;      // PEM file path
  std::string metadata_nova_client_priv_key;  // PEM file path
  bool metadata_initializer = true;
  std::vector<std::string> metadata_service_allowed_ports;  // "8080" or "1000:2000"
  // Not an nsx.ini option in 2016 (MAX_INIT_THREADS): the init worker pool size, >= 1.
  int max_init_threads = 3;

  // M1: metadata is enabled only when nova_metadata_ips, mgt_net_moid, mgt_net_proxy_ips and
  // mgt_net_proxy_netmask are all set. Returns "" when enabled, otherwise one log line naming the
  // missing options.
  std::string DisabledReason() const;
  bool Enabled() const { return DisabledReason().empty(); }

  // OK, or kInvalidArgument with a one-line message naming the option: invalid or duplicate IPs
  // (mgt_net_proxy_ips, nova_metadata_ips), a netmask that is not contiguous, a bad gateway,
  // ports outside 1..65535, port ranges that are malformed or reversed, max_init_threads < 1,
  // only one of the client cert / key set. Unset options are not errors here (see Enabled()).
  Status Validate() const;
};

// Makes a fresh Context for one task; `admin` asks for an admin Context of the internal tenant.
// Called on the thread that will use the Context.
using ContextFactory = std::function<Result<std::unique_ptr<store::Context>>(bool admin)>;

// A factory opening the store of `base` (its path or connection, busy timeout and clock); admin
// contexts are admin of tenant kInternalTenantId, the others have neither (`base`'s tenant_id and
// is_admin are not used).
ContextFactory MakeContextFactory(store::ContextOptions base);

// ---- reports (plain values) ----

enum class ProxyEdgeAction { kValidated, kReaddressed, kCreated };
const char* ProxyEdgeActionName(ProxyEdgeAction action);

struct ProxyEdgeReport {
  std::string ext_ip;      // the mgt_net_proxy_ips entry
  std::string old_ext_ip;  // kReaddressed: the address it had
  ProxyEdgeAction action = ProxyEdgeAction::kValidated;
  std::string router_id;
  std::string edge_id;
  std::string internal_ip;  // inter-edge IP (the router LB member); empty when not a member
  bool changed = false;     // a backend write was made for this edge
  bool ok = false;
  // Not ok, yet still a member: the edge exists and was configured, and its check failed with an
  // error that proves nothing about it (a 5xx, a timeout, a reset, an exhausted 409). Only an
  // edge proven gone (replaced) or broken (not running) or never configured is left out.
  bool unverified = false;
  std::string error;  // one line; empty when ok
};

struct InitReport {
  std::string internal_network_id;
  std::string internal_subnet_id;
  bool created_internal_network = false;
  std::vector<ProxyEdgeReport> proxy_edges;  // sorted by ext_ip
  std::vector<std::string> live_proxy_ips;   // sorted inter-edge IPs of the ok and unverified edges
  bool complete() const;                     // every proxy edge ok
  std::vector<std::string> failed_ext_ips() const;  // not ok (unverified ones included)
  std::vector<std::string> unverified_ext_ips() const;
  // OK when complete(); otherwise kFailedPrecondition naming each proxy edge that is not ok, and
  // whether it was left out of the pool or kept unverified.
  Status ToStatus() const;
};

struct LbMemberState {
  std::string ip_address;
  std::string status;  // from LB statistics ("UP", "DOWN", ...); empty when unknown
};

struct ProxyEdgeStatus {
  std::string ext_ip;
  std::string router_id;
  std::string edge_id;
  std::string internal_ip;
  std::vector<LbMemberState> members;  // pool MDSrvPool of the edge's LB statistics
  // What Init would repair, "what: expected X, actual Y": default gateway, external vnic
  // (portgroup, address, netmask), Nova members of the proxy LB.
  std::vector<std::string> drift;
  bool ok = false;    // read, and no drift
  std::string error;  // the read error, else the drift in one line; empty when ok
};

struct RouterEdgeStatus {
  std::string router_id;  // a router id or "dhcp-<net>"
  std::string edge_id;
  std::vector<std::string> member_ips;  // current md LB members, sorted
  bool members_match = false;           // equal to the live proxy IPs
  // "md LB members: expected [..], actual [..]", "md firewall rules missing or stale".
  std::vector<std::string> drift;
  bool ok = false;    // read, and no drift
  std::string error;  // the read error, else the drift in one line; empty when ok
};

struct StatusReport {
  std::vector<ProxyEdgeStatus> proxy_edges;    // sorted by ext_ip
  std::vector<RouterEdgeStatus> router_edges;  // sorted by router_id
  // Inter-edge IPs of the proxy edges that answered: what every router edge's md LB should list.
  std::vector<std::string> live_proxy_ips;
};

struct AdminEdgeResult {
  std::string router_id;
  std::string edge_id;
  std::string outcome;  // "updated", "unchanged", "skipped" (no md virtual server), "failed"
  std::string error;
};

struct AdminReport {
  std::vector<AdminEdgeResult> edges;  // sorted by router_id
  int updated = 0;
  int unchanged = 0;
  int skipped = 0;
  int failed = 0;
};

// M3 get_router_fw_rules(): VSERule, MDServiceIP (tcp to 169.254.169.254 on 80, 443, 8775 and
// metadata_service_allowed_ports), MDInterEdgeNet (deny to 169.254.128.0/17). Fresh values.
std::vector<plugin::FirewallRuleSpec> RouterFirewallRules(const MdProxyConfig& config);

// The description that marks a firewall rule as written by this driver (the M3 rules on router
// edges); only rules carrying it are replaced or removed.
inline constexpr const char* kMdFirewallRuleMarker = "nsxv-md metadata proxy";
// RouterFirewallRules converted (§1.14) and marked, without ruleTag. kInvalidArgument for a bad
// metadata_service_allowed_ports entry.
Result<std::vector<driver::FirewallRule>> MdFirewallRules(const MdProxyConfig& config);
// Read-modify-write of a firewall read from an edge: `md_rules` first (lowest ruleTags that the
// other rules do not use), then every other user rule unchanged; marked rules are replaced and
// rules the manager made itself (ruleType other than "user") are not sent back. Returns false,
// leaving `firewall` as it was, when the md rules are already the first user rules.
bool ApplyMdFirewallRules(driver::FirewallConfig& firewall,
                          const std::vector<driver::FirewallRule>& md_rules);
// Removes the marked rules (and the manager's own rules, which a PUT does not carry). Returns
// false, leaving `firewall` as it was, when it holds no marked rule.
bool RemoveMdFirewallRules(driver::FirewallConfig& firewall);

// The subject common name of the self-signed certificate the driver makes for `edge_id`'s md
// virtual server: the marker by which the driver recognises its own certificates (another
// service's certificate on the same edge is never adopted or deleted).
std::string MetadataCertificateCn(const std::string& edge_id);

class MetadataProxyHandler {
 public:
  // Every reference must outlive the handler. `config` should have passed Validate(); the
  // constructor does not check it (Init() does).
  MetadataProxyHandler(const driver::Vcns& vcns, ContextFactory contexts, plugin::Plugin& plugin,
                       locking::LockProvider& locks, Clock& clock, MdProxyConfig config);
  ~MetadataProxyHandler();
  MetadataProxyHandler(const MetadataProxyHandler&) = delete;
  MetadataProxyHandler& operator=(const MetadataProxyHandler&) = delete;

  // Under the lock nsx-metadata-init: finds or creates the internal network and subnet, then
  // reconciles the proxy edges with mgt_net_proxy_ips (validate / re-address / create) on the
  // worker pool. Errors: config invalid or metadata disabled (kFailedPrecondition naming the
  // options), initialization incomplete on the initializer node, more DB proxy edges than
  // configured IPs, internal network creation failure (after cleanup). Per-edge failures are in
  // the report, not in the Status. May be called again (idempotent; a restart).
  Result<InitReport> Init();
  bool initialized() const;
  // Whether an Init() is in progress on this handler.
  bool init_running() const;
  // Blocks until an Init() has succeeded (OK) or until no Init() is running and none succeeded
  // (kFailedPrecondition), waiting at most `timeout` of real time (kDeadlineExceeded). For
  // callers that create routers while Init() runs.
  Status AwaitInit(Duration timeout) const;

  // Live inter-edge IPs of the proxy edges, sorted (empty before Init()).
  std::vector<std::string> ProxyEdgeIps() const;
  // The last Init()'s InitReport::ToStatus(): OK when every proxy edge was verified. Operations
  // that succeed on an incomplete pool (router create, redo-config, update-secret) still end with
  // this error, so that an operator sees which proxy edges were not verified. kFailedPrecondition
  // before any Init() succeeded.
  Status PoolStatus() const;
  std::string internal_network_id() const;
  const MdProxyConfig& config() const { return config_; }

  // M25 for a router id or a DHCP resource id "dhcp-<net>": md port on the internal network,
  // internal interface with the 169.254.169.254 secondary, the M3 firewall rules (read-modify-
  // write, other rules kept), certificate (HTTPS), md LB. A failure
  // after the port was created removes the port again. With no live proxy edge it fails
  // (kFailedPrecondition) before any write: an md LB without members is never written.
  // REQUIRES: Init() succeeded, or a first Init() is running (then it waits for it, at most
  // kConfigureInitWait).
  Status ConfigureRouterEdge(store::Context& ctx, const std::string& router_id);
  // M26, fixed: deletes every md port of the router, removes the md virtual server from the
  // edge's LB (other virtual servers are kept) and the md firewall rules (other rules are kept),
  // frees the inter-edge vnic and then deletes the
  // edge's md certificate from the truststore (a failed delete is returned; a rerun retries it).
  // A missing edge or binding is not an error (nothing left to deconfigure).
  Status CleanupRouterEdge(store::Context& ctx, const std::string& router_id);

  // The exclusive driver's create_router with allow_metadata: creates the router, then
  // ConfigureRouterEdge; when configuring fails the router is deleted again. Refused before any
  // write when Init() succeeded with no live proxy edge.
  Result<plugin::Router> CreateRouterWithMetadata(store::Context& ctx,
                                                  const plugin::RouterSpec& spec);
  // Upstream's cleanup_router_edge(warn=True), then the plugin's DeleteRouter: a router whose
  // edge is broken (powered off, deleted behind the driver's back, answering errors) can always be
  // deleted. Each failure to deconfigure the edge becomes a warning (logged, and appended to
  // `warnings` when given) and the delete goes on: the md ports go, the edge DELETE is attempted
  // (a 404 counts as deleted); an edge that refuses its DELETE is a warning too, naming the edge
  // left on the manager (an orphaned edge for `nsxv-md repair`), and the router's DB rows go.
  // Only a DB failure or a refused router (unknown, a metadata proxy router) fails the call.
  Status DeleteRouterWithMetadata(store::Context& ctx, const std::string& router_id,
                                  std::vector<std::string>* warnings = nullptr);

  // ---- admin operations (vmware_nsx/shell/admin metadata utilities) ----
  // Reads only (never writes, never needs Init()): per proxy edge its ids, IPs, member status from
  // LB statistics and its drift from the configuration; per router edge (every router binding
  // with an edge, except the proxy routers) whether the md LB members equal the inter-edge IPs of
  // the proxy edges that answered, and whether the md firewall rules are in place. Drift is
  // reported, not an error; the Status is an error only when nothing can be read (no internal
  // network, DB failure).
  Result<StatusReport> GetStatus();
  // Rewrites the md LB members on every router edge from the live proxy IPs, and puts the M3
  // firewall rules in place where they are missing or stale (router edges configured before the
  // driver wrote them). Refused (kFailedPrecondition, nothing written) when there is no live
  // proxy edge.
  Result<AdminReport> RedoConfig();
  // Recomputes the insert-auth rule from metadata_shared_secret on every router edge (removed
  // when no secret is set); an edge without the md virtual server is skipped.
  Result<AdminReport> UpdateSecret();

 private:
  struct InternalNet {
    std::string net_id;
    std::string subnet_id;
    bool created = false;
  };

  Result<InitReport> InitLocked();
  Result<InternalNet> GetOrCreateInternalNetwork(store::Context& ctx);
  Result<InternalNet> CreateInternalNetwork(store::Context& ctx);
  Result<std::vector<ProxyEdgeReport>> ReconcileProxyEdges(store::Context& ctx);
  void RunOnPool(std::vector<std::function<void()>> tasks) const;

  ProxyEdgeReport ValidateProxyEdge(const std::string& ext_ip) const;
  ProxyEdgeReport ReaddressProxyEdge(const std::string& old_ip, const std::string& new_ip) const;
  ProxyEdgeReport CreateProxyEdge(const std::string& ext_ip) const;
  Status CheckProxyEdge(store::Context& ctx, const std::string& ext_ip,
                        const std::string& router_id, const std::string& edge_id,
                        ProxyEdgeReport& report) const;
  Status RemoveProxyRouter(store::Context& ctx, const std::string& router_id) const;
  // Initializer: removes proxy routers left without an nsxv_internal_edges row by a failed
  // creation whose rollback failed as well. REQUIRES: the init lock is held. Init() logs a
  // failure and goes on (the next Init() retries). Assumes the lock excludes every other
  // initializer (HostLockProvider: the nodes share one host's lock directory).
  Status RemoveStrayProxyRouters(store::Context& ctx) const;
  // Whether `failure` of a validate / re-address comes from a proxy edge that no longer exists
  // on the backend (initializer only; non-initializers report it).
  bool ProxyEdgeGone(const Status& failure, const std::string& edge_id) const;
  // Whether `failure` shows that the edge cannot serve metadata: NSX 10013 (not running), or an
  // edge status that says so (read once more). Any other failure leaves the edge unverified.
  bool ProxyEdgeBroken(const Status& failure, const std::string& edge_id) const;
  // Sets report.ok / unverified / error / internal_ip from the outcome `s` of a validate or
  // re-address (the edge exists in the DB and was configured).
  void Classify(const Status& s, ProxyEdgeReport& report) const;
  // Removes the rows and router of a vanished proxy edge (recorded under `db_ip`) and creates a
  // new one for `ext_ip`.
  ProxyEdgeReport ReplaceProxyEdge(const std::string& db_ip, const std::string& ext_ip,
                                   const ProxyEdgeReport& old) const;

  Result<std::vector<driver::AddressGroup>> AddressGroups(store::Context& ctx,
                                                          const std::string& device_id,
                                                          bool is_proxy) const;
  Result<std::string> EnsureCertificate(const std::string& edge_id,
                                        const driver::LoadBalancer* current);
  driver::MetadataLbSpec RouterLbSpec(const std::string& edge_id,
                                      std::vector<std::string> member_ips) const;
  driver::MetadataLbSpec ProxyLbSpec(const std::string& edge_id,
                                     const std::string& internal_ip) const;
  driver::LoadBalancer ProxyLb(const std::string& edge_id, const std::string& internal_ip) const;
  // Removes the md virtual server (if `remove_vs`), the md firewall rules and the inter-edge vnic
  // of `edge_id`. With `warnings`, a backend failure is appended there and the next step still
  // runs; without, the first failure is returned. An edge that is gone counts as deconfigured.
  // REQUIRES: the edge lock is held.
  Status DeconfigureEdge(store::Context& admin, const std::string& edge_id,
                         const std::string& internal_net, bool remove_vs,
                         std::vector<std::string>* warnings = nullptr);
  // ApplyMdFirewallRules / RemoveMdFirewallRules on the edge's firewall, PUT only on a change
  // (EnsureMdFirewall's value: whether it wrote). REQUIRES: the edge lock is held.
  Result<bool> EnsureMdFirewall(const std::string& edge_id) const;
  Status RemoveMdFirewall(const std::string& edge_id) const;
  // CleanupRouterEdge; with `warnings`, backend failures are collected there instead of stopping
  // the cleanup (the md ports are deleted whatever the edge answers).
  Status CleanupRouterEdgeImpl(store::Context& ctx, const std::string& router_id,
                               std::vector<std::string>* warnings);
  Result<std::vector<std::pair<std::string, std::string>>> RouterEdges(store::Context& ctx) const;
  // Runs `edit` on the md virtual server of every router edge (PUT of the LB on a change; an edge
  // without it is skipped), then, with `md_firewall`, EnsureMdFirewall on that edge.
  Result<AdminReport> ForEachRouterEdge(
      const std::function<Result<bool>(const std::string& edge_id, driver::LoadBalancer& lb,
                                       driver::LbVirtualServer& vs)>& edit,
      bool md_firewall = false);

  // The admin Context of the calling thread for ConfigureRouterEdge, opened on first use and kept
  // for later calls on the same thread (opening a connection costs a schema load and PRAGMAs).
  // Each Context is only ever used by the thread that opened it (the per-thread Context rule);
  // every transaction on it is scoped, so it never carries one into the next call.
  Result<store::Context*> ThreadAdminContext();

  const driver::Vcns& vcns_;
  const ContextFactory contexts_;
  plugin::Plugin& plugin_;
  locking::LockProvider& locks_;
  Clock& clock_;
  const MdProxyConfig config_;

  Mutex admin_mu_;
  std::map<std::thread::id, std::unique_ptr<store::Context>> admin_contexts_ GUARDED_BY(admin_mu_);

  mutable Mutex mu_;
  mutable CondVar init_cv_;
  bool initialized_ GUARDED_BY(mu_) = false;
  int init_running_ GUARDED_BY(mu_) = 0;
  std::string internal_net_ GUARDED_BY(mu_);
  std::string internal_subnet_ GUARDED_BY(mu_);
  std::vector<std::string> proxy_ips_ GUARDED_BY(mu_);
  Status pool_status_ GUARDED_BY(mu_);  // of the last successful Init()
  std::map<std::string, std::string> certificates_ GUARDED_BY(mu_);  // edge id -> cert id
};

}  // namespace nsxv::md_proxy
