// Port of vmware_nsx/plugins/nsx_v/md_proxy.py (NsxVMetadataProxyHandler, fe72c1bd0), fixed.
#include "driver/md_proxy/md_proxy.h"

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "driver/plugin/recovery.h"
#include "driver/store/ipam.h"
#include "driver/store/ipv4.h"
#include "driver/store/nsxv_db.h"

namespace nsxv::md_proxy {

namespace {

using driver::LbPoolMember;
using driver::LbVirtualServer;
using driver::LoadBalancer;

constexpr const char* kIncomplete = "Metadata initialization is incomplete on initializer node";

Status Annotate(const Status& s, const std::string& what) {
  if (s.ok()) return s;
  Status out(s.code(), what + ": " + s.message());
  out.WithHttp(s.http_status(), s.nsx_error_code());
  return out;
}

Status Incomplete(const std::string& what) {
  return {StatusCode::kFailedPrecondition, std::string(kIncomplete) + " (" + what + ")"};
}

std::pair<uint32_t, std::string> IpKey(const std::string& ip) {
  auto v = store::ParseIpv4(ip);
  return {v.ok() ? *v : 0U, ip};
}

// IPv4 addresses in numeric order (deterministic documents), duplicates removed.
std::vector<std::string> SortedIps(std::vector<std::string> ips) {
  std::sort(ips.begin(), ips.end(),
            [](const std::string& a, const std::string& b) { return IpKey(a) < IpKey(b); });
  ips.erase(std::unique(ips.begin(), ips.end()), ips.end());
  return ips;
}

std::vector<std::string> Minus(const std::vector<std::string>& a,
                               const std::vector<std::string>& b) {
  std::vector<std::string> out;
  for (const auto& x : a) {
    if (std::find(b.begin(), b.end(), x) == b.end()) out.push_back(x);
  }
  return out;
}

// Netmask of an address group: subnetMask, else derived from subnetPrefixLength.
std::string GroupNetmask(const driver::AddressGroup& g) {
  if (g.subnet_mask) return *g.subnet_mask;
  if (g.subnet_prefix_length) {
    if (auto p = g.subnet_prefix_length->AsInt(); p && *p >= 0 && *p <= 32) {
      return store::PrefixToNetmask(static_cast<int>(*p));
    }
  }
  return "";
}

// Makes the pool's members exactly `ips` on `port`: members whose address stays keep every field
// (name, weight, condition, extra) except the ports; stale ones are removed; new ones get the
// lowest free "Member-<n>" name. Returns true when anything changed.
bool ReconcileMembers(driver::LbPool& pool, const std::vector<std::string>& ips, int64_t port) {
  const driver::LbPool before = pool;
  std::vector<LbPoolMember> kept;
  std::set<std::string> names;
  for (const LbPoolMember& m : pool.members) {
    if (std::find(ips.begin(), ips.end(), m.ip_address) == ips.end()) continue;
    if (std::any_of(kept.begin(), kept.end(),
                    [&](const LbPoolMember& k) { return k.ip_address == m.ip_address; })) {
      continue;  // a duplicate address on the backend
    }
    LbPoolMember k = m;
    k.port = port;
    k.monitor_port = driver::IntOrString(port);
    names.insert(k.name);
    kept.push_back(std::move(k));
  }
  int next = 1;
  for (const std::string& ip : ips) {
    if (std::any_of(kept.begin(), kept.end(),
                    [&](const LbPoolMember& k) { return k.ip_address == ip; })) {
      continue;
    }
    while (names.count("Member-" + std::to_string(next)) != 0) ++next;
    LbPoolMember m;
    m.name = "Member-" + std::to_string(next);
    names.insert(m.name);
    m.ip_address = ip;
    m.port = port;
    m.monitor_port = driver::IntOrString(port);
    kept.push_back(std::move(m));
  }
  // Deterministic order: by address.
  std::vector<std::string> order = SortedIps(ips);
  std::sort(kept.begin(), kept.end(), [&](const LbPoolMember& a, const LbPoolMember& b) {
    return std::find(order.begin(), order.end(), a.ip_address) <
           std::find(order.begin(), order.end(), b.ip_address);
  });
  pool.members = std::move(kept);
  return !(pool == before);
}

}  // namespace

MetadataProxyHandler::MetadataProxyHandler(const driver::Vcns& vcns, ContextFactory contexts,
                                           plugin::Plugin& plugin, locking::LockProvider& locks,
                                           Clock& clock, MdProxyConfig config)
    : vcns_(vcns),
      contexts_(std::move(contexts)),
      plugin_(plugin),
      locks_(locks),
      clock_(clock),
      config_(std::move(config)) {}

MetadataProxyHandler::~MetadataProxyHandler() = default;

bool MetadataProxyHandler::initialized() const {
  MutexLock l(&mu_);
  return initialized_;
}

bool MetadataProxyHandler::init_running() const {
  MutexLock l(&mu_);
  return init_running_ > 0;
}

Status MetadataProxyHandler::AwaitInit(Duration timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock l(&mu_);
  while (!initialized_ && init_running_ > 0) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return {StatusCode::kDeadlineExceeded, "metadata init still running"};
    init_cv_.WaitFor(&mu_, deadline - now);
  }
  if (!initialized_) return {StatusCode::kFailedPrecondition, "metadata proxy is not initialized"};
  return Status::Ok();
}

std::vector<std::string> MetadataProxyHandler::ProxyEdgeIps() const {
  MutexLock l(&mu_);
  return proxy_ips_;
}

std::string MetadataProxyHandler::internal_network_id() const {
  MutexLock l(&mu_);
  return internal_net_;
}

// ---------------------------------------------------------------------------------------------
// Init (M5-M21)

Result<InitReport> MetadataProxyHandler::Init() {
  {
    MutexLock l(&mu_);
    ++init_running_;
  }
  Result<InitReport> result = InitLocked();
  MutexLock l(&mu_);
  --init_running_;
  init_cv_.SignalAll();
  return result;
}

Result<InitReport> MetadataProxyHandler::InitLocked() {
  NSXV_RETURN_IF_ERROR(config_.Validate());
  if (const std::string reason = config_.DisabledReason(); !reason.empty()) {
    spdlog::warn("{}", reason);
    return Status(StatusCode::kFailedPrecondition, reason);
  }
  NSXV_ASSIGN_OR_RETURN(auto lock, locks_.Acquire(locking::kMetadataInitLock));
  NSXV_ASSIGN_OR_RETURN(auto ctx, contexts_(true));
  if (config_.metadata_initializer) {
    // Recovery at start (plugin/recovery.h); what it cannot fix is logged and retried next time.
    if (auto r = plugin::RecoverAtStart(*ctx, vcns_, plugin_, locks_); !r.ok()) {
      spdlog::warn("recovery at start skipped: {}", r.error().message());
    }
  }
  NSXV_ASSIGN_OR_RETURN(const InternalNet net, GetOrCreateInternalNetwork(*ctx));
  {
    MutexLock l(&mu_);
    internal_net_ = net.net_id;
    internal_subnet_ = net.subnet_id;
  }
  NSXV_ASSIGN_OR_RETURN(std::vector<ProxyEdgeReport> edges, ReconcileProxyEdges(*ctx));
  InitReport report;
  report.internal_network_id = net.net_id;
  report.internal_subnet_id = net.subnet_id;
  report.created_internal_network = net.created;
  std::vector<std::string> live;
  for (const ProxyEdgeReport& e : edges) {
    if (e.ok) {
      live.push_back(e.internal_ip);
    } else {
      spdlog::error("metadata proxy edge {} ({}) skipped: {}", e.ext_ip, e.edge_id, e.error);
    }
  }
  report.proxy_edges = std::move(edges);
  report.live_proxy_ips = SortedIps(std::move(live));
  {
    MutexLock l(&mu_);
    proxy_ips_ = report.live_proxy_ips;
    initialized_ = true;
  }
  return report;
}

Result<MetadataProxyHandler::InternalNet> MetadataProxyHandler::GetOrCreateInternalNetwork(
    store::Context& ctx) {
  NSXV_ASSIGN_OR_RETURN(const auto net_id,
                        store::GetNsxvInternalNetwork(ctx, store::kInterEdgePurpose));
  if (!net_id) {
    if (!config_.metadata_initializer) return Incomplete("no internal network");
    return CreateInternalNetwork(ctx);
  }
  store::SubnetFilter filter;
  filter.network_id = std::vector<std::string>{*net_id};
  NSXV_ASSIGN_OR_RETURN(const auto subnets, plugin_.GetSubnets(ctx, filter));
  for (const auto& s : subnets) {
    if (s.cidr == kInternalSubnet) return InternalNet{*net_id, s.id, false};
  }
  // Fix (M7): a network without its subnet no longer raises IndexError; the subnet is made.
  if (!config_.metadata_initializer) return Incomplete("internal network has no subnet");
  plugin::SubnetSpec spec;
  spec.network_id = *net_id;
  spec.cidr = kInternalSubnet;
  spec.name = kInterEdgeSubnetName;
  spec.tenant_id = kInternalTenantId;
  spec.enable_dhcp = false;
  auto subnet = plugin_.CreateSubnet(ctx, spec);
  if (!subnet.ok()) {
    return Annotate(subnet.error(), "creating the metadata internal subnet");
  }
  return InternalNet{*net_id, subnet->id, true};
}

Result<MetadataProxyHandler::InternalNet> MetadataProxyHandler::CreateInternalNetwork(
    store::Context& ctx) {
  plugin::NetworkSpec ns;
  ns.name = kInterEdgeNetName;
  ns.tenant_id = kInternalTenantId;
  ns.port_security_enabled = false;
  auto net = plugin_.CreateNetwork(ctx, ns);
  if (!net.ok()) {
    return Annotate(net.error(), "creating internal network for metadata service");
  }
  Status failed;
  std::string subnet_id;
  {
    plugin::SubnetSpec ss;
    ss.network_id = net->id;
    ss.cidr = kInternalSubnet;
    ss.name = kInterEdgeSubnetName;
    ss.tenant_id = kInternalTenantId;
    ss.enable_dhcp = false;
    auto subnet = plugin_.CreateSubnet(ctx, ss);
    if (subnet.ok()) {
      subnet_id = subnet->id;
      failed = store::CreateNsxvInternalNetwork(ctx, store::kInterEdgePurpose, net->id);
    } else {
      failed = subnet.error();
    }
  }
  if (failed.ok()) return InternalNet{net->id, subnet_id, true};
  // Fix (§4.4 #4): what was created is removed, and the error is returned (2016 returned None).
  plugin::DeleteOptions del;
  del.allow_delete_internal = true;
  (void)store::DeleteNsxvInternalNetwork(ctx, store::kInterEdgePurpose);
  Status cleanup = plugin_.DeleteNetwork(ctx, net->id, del);
  std::string msg = "creating internal network for metadata service: " + failed.message();
  if (!cleanup.ok())
    msg += " (cleanup of network " + net->id + " failed: " + cleanup.message() + ")";
  return Status(failed.code(), msg);
}

void MetadataProxyHandler::RunOnPool(std::vector<std::function<void()>> tasks) const {
  const size_t workers =
      std::min(tasks.size(), static_cast<size_t>(std::max(1, config_.max_init_threads)));
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (size_t i = next.fetch_add(1); i < tasks.size(); i = next.fetch_add(1)) tasks[i]();
    });
  }
  for (auto& t : threads) t.join();
}

Result<std::vector<ProxyEdgeReport>> MetadataProxyHandler::ReconcileProxyEdges(
    store::Context& ctx) {
  NSXV_ASSIGN_OR_RETURN(const auto rows,
                        store::GetNsxvInternalEdgesByPurpose(ctx, store::kInterEdgePurpose));
  std::vector<std::string> db_ips;
  for (const auto& r : rows) db_ips.push_back(r.ext_ip_address);
  db_ips = SortedIps(db_ips);
  const std::vector<std::string> cfg_ips = SortedIps(config_.mgt_net_proxy_ips);
  if (db_ips.size() > cfg_ips.size()) {
    return Status(StatusCode::kFailedPrecondition,
                  "Number of configured metadata proxy IPs (" + std::to_string(cfg_ips.size()) +
                      ") is smaller than number of Edges which are already provisioned (" +
                      std::to_string(db_ips.size()) + ")");
  }
  const std::vector<std::string> both = Minus(db_ips, Minus(db_ips, cfg_ips));
  const std::vector<std::string> to_convert = Minus(db_ips, cfg_ips);
  const std::vector<std::string> to_set = Minus(cfg_ips, db_ips);
  if (!to_set.empty() && !config_.metadata_initializer) {
    return Incomplete("proxy edges for " + std::to_string(to_set.size()) +
                      " configured IPs are missing");
  }
  if (config_.metadata_initializer) {
    // Best effort: a stray router that cannot be removed now is retried by the next Init.
    if (Status stray = RemoveStrayProxyRouters(ctx); !stray.ok()) {
      spdlog::warn("md_proxy op=remove_stray_proxy_router error=\"{}\"", stray.message());
    }
  }
  std::vector<ProxyEdgeReport> reports(both.size() + to_set.size());
  std::vector<std::function<void()>> tasks;
  size_t slot = 0;
  for (const std::string& ip : both) {
    tasks.emplace_back([this, &reports, i = slot++, ip] { reports[i] = ValidateProxyEdge(ip); });
  }
  // Pairs in sorted order (2016 zipped two unordered set differences).
  for (size_t k = 0; k < to_set.size(); ++k) {
    if (k < to_convert.size()) {
      tasks.emplace_back([this, &reports, i = slot++, o = to_convert[k], n = to_set[k]] {
        reports[i] = ReaddressProxyEdge(o, n);
      });
    } else {
      tasks.emplace_back(
          [this, &reports, i = slot++, n = to_set[k]] { reports[i] = CreateProxyEdge(n); });
    }
  }
  RunOnPool(std::move(tasks));
  for (const ProxyEdgeReport& r : reports) {
    // Non-initializer drift is fatal for the whole init (as 2016).
    if (!r.ok && r.error.rfind(kIncomplete, 0) == 0) {
      return Status(StatusCode::kFailedPrecondition, r.error + " [edge " + r.ext_ip + "]");
    }
  }
  std::sort(reports.begin(), reports.end(),
            [](const auto& a, const auto& b) { return IpKey(a.ext_ip) < IpKey(b.ext_ip); });
  return reports;
}

ProxyEdgeReport MetadataProxyHandler::ValidateProxyEdge(const std::string& ext_ip) const {
  ProxyEdgeReport report;
  report.ext_ip = ext_ip;
  report.action = ProxyEdgeAction::kValidated;
  auto run = [&]() -> Status {
    NSXV_ASSIGN_OR_RETURN(auto ctx, contexts_(true));  // this task's own Context
    NSXV_ASSIGN_OR_RETURN(const auto row, store::GetNsxvInternalEdge(*ctx, ext_ip));
    if (!row || !row->router_id) return NotFound("no router recorded for proxy IP " + ext_ip);
    report.router_id = *row->router_id;
    NSXV_ASSIGN_OR_RETURN(const auto binding, store::GetRouterBinding(*ctx, report.router_id));
    if (!binding || !binding->edge_id) {
      return NotFound("proxy router " + report.router_id + " has no edge");
    }
    report.edge_id = *binding->edge_id;
    return CheckProxyEdge(*ctx, ext_ip, report.router_id, report.edge_id, report);
  };
  Status s = run();
  if (!s.ok() && ProxyEdgeGone(s, report.edge_id)) return ReplaceProxyEdge(ext_ip, ext_ip, report);
  report.ok = s.ok();
  if (!s.ok()) report.error = s.message();
  return report;
}

bool MetadataProxyHandler::ProxyEdgeGone(const Status& failure, const std::string& edge_id) const {
  if (failure.code() != StatusCode::kNotFound || !config_.metadata_initializer) return false;
  if (edge_id.empty()) return true;  // the binding has no edge
  auto status = vcns_.GetEdgeStatus(edge_id);
  return !status.ok() && status.error().code() == StatusCode::kNotFound;
}

ProxyEdgeReport MetadataProxyHandler::ReplaceProxyEdge(const std::string& db_ip,
                                                       const std::string& ext_ip,
                                                       const ProxyEdgeReport& old) const {
  // The proxy edge was deleted behind the driver's back: its router and rows go, and a new proxy
  // edge is made for the address (2016 left the pool without it until an operator intervened).
  spdlog::warn("md_proxy op=replace_proxy_edge ext_ip={} edge={} router={} reason=missing", ext_ip,
               old.edge_id, old.router_id);
  auto ctx = contexts_(true);
  if (!ctx.ok()) {
    ProxyEdgeReport failed = old;
    failed.error = ctx.error().message();
    return failed;
  }
  if (Status s = store::DeleteNsxvInternalEdge(**ctx, db_ip); !s.ok()) {
    ProxyEdgeReport failed = old;
    failed.error = "replacing missing proxy edge " + old.edge_id + ": " + s.message();
    return failed;
  }
  if (!old.router_id.empty()) {
    if (Status s = RemoveProxyRouter(**ctx, old.router_id); !s.ok()) {
      ProxyEdgeReport failed = old;
      failed.error = "replacing missing proxy edge " + old.edge_id + ": " + s.message();
      return failed;
    }
  }
  ProxyEdgeReport created = CreateProxyEdge(ext_ip);
  created.old_ext_ip = db_ip == ext_ip ? "" : db_ip;
  return created;
}

Status MetadataProxyHandler::RemoveStrayProxyRouters(store::Context& ctx) const {
  // A proxy router whose creation failed and whose rollback failed too (its edge DELETE got an
  // error) stays in the DB without an nsxv_internal_edges row. Under the init lock no proxy
  // creation is in flight, so every such router is a leftover.
  store::RouterFilter filter;
  filter.name = std::vector<std::string>{kProxyRouterName};
  filter.tenant_id = kInternalTenantId;
  NSXV_ASSIGN_OR_RETURN(const auto routers, store::ListRouterRows(ctx, filter));
  for (const auto& router : routers) {
    NSXV_ASSIGN_OR_RETURN(const auto row, store::GetNsxvInternalEdgeByRouter(ctx, router.id));
    if (row) continue;
    spdlog::warn("md_proxy op=remove_stray_proxy_router router={}", router.id);
    NSXV_RETURN_IF_ERROR(
        Annotate(RemoveProxyRouter(ctx, router.id), "removing stray proxy router " + router.id));
  }
  return Status::Ok();
}

ProxyEdgeReport MetadataProxyHandler::ReaddressProxyEdge(const std::string& old_ip,
                                                         const std::string& new_ip) const {
  ProxyEdgeReport report;
  report.ext_ip = new_ip;
  report.old_ext_ip = old_ip;
  report.action = ProxyEdgeAction::kReaddressed;
  auto run = [&]() -> Status {
    NSXV_ASSIGN_OR_RETURN(auto ctx, contexts_(true));
    NSXV_ASSIGN_OR_RETURN(const auto row, store::GetNsxvInternalEdge(*ctx, old_ip));
    if (!row || !row->router_id) return NotFound("no router recorded for proxy IP " + old_ip);
    report.router_id = *row->router_id;
    NSXV_ASSIGN_OR_RETURN(const auto binding, store::GetRouterBinding(*ctx, report.router_id));
    if (!binding || !binding->edge_id) {
      return NotFound("proxy router " + report.router_id + " has no edge");
    }
    report.edge_id = *binding->edge_id;
    NSXV_RETURN_IF_ERROR(CheckProxyEdge(*ctx, new_ip, report.router_id, report.edge_id, report));
    // Fix (§4.4 #9): the row moves to the new address only once the edge carries it.
    return store::RunInTransaction(*ctx, [&]() -> Status {
      NSXV_RETURN_IF_ERROR(store::DeleteNsxvInternalEdge(*ctx, old_ip));
      return store::CreateNsxvInternalEdge(*ctx, new_ip, store::kInterEdgePurpose,
                                           report.router_id);
    });
  };
  Status s = run();
  if (!s.ok() && ProxyEdgeGone(s, report.edge_id)) return ReplaceProxyEdge(old_ip, new_ip, report);
  report.ok = s.ok();
  if (!s.ok()) report.error = s.message();
  return report;
}

Status MetadataProxyHandler::CheckProxyEdge(store::Context& ctx, const std::string& ext_ip,
                                            const std::string& router_id,
                                            const std::string& edge_id,
                                            ProxyEdgeReport& report) const {
  // M16: default gateway.
  NSXV_ASSIGN_OR_RETURN(const driver::StaticRouting routes, vcns_.GetRoutes(edge_id));
  const std::string dgw = routes.default_route ? routes.default_route->gateway_address : "";
  if (dgw != config_.mgt_net_default_gateway) {
    if (!config_.metadata_initializer) return Incomplete("default gateway of " + edge_id);
    std::optional<std::string> gw;
    if (!config_.mgt_net_default_gateway.empty()) gw = config_.mgt_net_default_gateway;
    NSXV_RETURN_IF_ERROR(plugin_.UpdateRoutes(ctx, router_id, gw));
    report.changed = true;
  }
  // M17, fixed (§4.4 #1, #2, #15): portgroup, address and netmask each compared; a vnic without
  // address groups or portgroup reads as a mismatch instead of crashing.
  NSXV_ASSIGN_OR_RETURN(const driver::Vnic vnic, vcns_.GetVnic(edge_id, kExternalVnicIndex));
  const driver::AddressGroup* group =
      vnic.address_groups.empty() ? nullptr : &vnic.address_groups.front();
  const bool vnic_ok = vnic.portgroup_id.value_or("") == config_.mgt_net_moid && group != nullptr &&
                       group->primary_address == ext_ip &&
                       GroupNetmask(*group) == config_.mgt_net_proxy_netmask;
  if (!vnic_ok) {
    if (!config_.metadata_initializer) return Incomplete("external interface of " + edge_id);
    NSXV_RETURN_IF_ERROR(plugin_.UpdateInterface(ctx, router_id, kExternalVnicIndex,
                                                 config_.mgt_net_moid, ext_ip,
                                                 config_.mgt_net_proxy_netmask));
    report.changed = true;
  }
  // The inter-edge address (2016 M15 tail).
  std::string internal_net;
  {
    MutexLock l(&mu_);
    internal_net = internal_net_;
  }
  store::PortFilter pf;
  pf.network_id = std::vector<std::string>{internal_net};
  pf.device_id = std::vector<std::string>{router_id};
  NSXV_ASSIGN_OR_RETURN(const auto ports, plugin_.GetPorts(ctx, pf));
  if (ports.empty() || ports.front().fixed_ips.empty()) {
    return NotFound("no metadata port found for proxy router " + router_id);
  }
  const std::string internal_ip = ports.front().fixed_ips.front().ip_address;
  // M18, fixed (§4.4 #11, #12, #13): members reconciled to nova_metadata_ips whatever the count,
  // ports included; PUT only when something differs; any PUT failure skips this edge.
  NSXV_ASSIGN_OR_RETURN(auto lock, locks_.Acquire(locking::EdgeLockName(edge_id)));
  NSXV_ASSIGN_OR_RETURN(LoadBalancer lb, vcns_.GetLoadBalancer(edge_id));
  LoadBalancer desired = lb;
  LbVirtualServer* vs = desired.FindVirtualServer(kMetadataVseName);
  if (vs == nullptr) {
    desired.enabled = true;
    desired.AddVirtualServer(ProxyLb(edge_id, internal_ip).virtual_servers[0]);
  } else {
    ReconcileMembers(vs->default_pool, SortedIps(config_.nova_metadata_ips),
                     config_.nova_metadata_port);
    // Fix (§4.4 #14): the proxy VIP listens on the port the router members use.
    vs->port = config_.nova_metadata_port;
  }
  if (!(desired == lb)) {
    if (!config_.metadata_initializer) return Incomplete("load balancer of " + edge_id);
    NSXV_RETURN_IF_ERROR(
        Annotate(vcns_.PutLoadBalancer(edge_id, desired), "updating proxy LB of " + edge_id));
    report.changed = true;
  }
  report.internal_ip = internal_ip;
  return Status::Ok();
}

driver::MetadataLbSpec MetadataProxyHandler::ProxyLbSpec(const std::string& edge_id,
                                                         const std::string& internal_ip) const {
  driver::MetadataLbSpec spec;
  spec.edge_id = edge_id;
  spec.vip = internal_ip;
  spec.vip_port = config_.nova_metadata_port;
  spec.member_port = config_.nova_metadata_port;
  spec.member_ips = SortedIps(config_.nova_metadata_ips);
  spec.proxy_lb = true;
  spec.insecure = config_.metadata_insecure;
  return spec;
}

driver::LoadBalancer MetadataProxyHandler::ProxyLb(const std::string& edge_id,
                                                   const std::string& internal_ip) const {
  driver::LoadBalancer lb = driver::MakeMetadataLoadBalancer(ProxyLbSpec(edge_id, internal_ip));
  // Fix (§4.4 #14): in HTTPS mode too the proxy VIP port is nova_metadata_port, the port the
  // router edges' members send to (2016 forced 8775 here).
  lb.virtual_servers[0].port = config_.nova_metadata_port;
  return lb;
}

driver::MetadataLbSpec MetadataProxyHandler::RouterLbSpec(
    const std::string& edge_id, std::vector<std::string> member_ips) const {
  driver::MetadataLbSpec spec;
  spec.edge_id = edge_id;
  spec.vip = kMetadataIp;
  spec.vip_port = kMetadataTcpPort;
  spec.member_port = config_.nova_metadata_port;
  spec.member_ips = SortedIps(std::move(member_ips));
  spec.proxy_lb = false;
  spec.insecure = config_.metadata_insecure;
  spec.shared_secret = config_.metadata_shared_secret;
  return spec;
}

Status MetadataProxyHandler::RemoveProxyRouter(store::Context& ctx,
                                               const std::string& router_id) const {
  plugin::DeleteOptions del;
  del.allow_delete_internal = true;
  del.l3_port_check = false;
  store::PortFilter pf;
  pf.device_id = std::vector<std::string>{router_id};
  auto ports = plugin_.GetPorts(ctx, pf);
  if (ports.ok()) {
    for (const auto& p : *ports) (void)plugin_.DeletePort(ctx, p.id, del);
  }
  return plugin_.DeleteRouter(ctx, router_id, del);
}

ProxyEdgeReport MetadataProxyHandler::CreateProxyEdge(const std::string& ext_ip) const {
  ProxyEdgeReport report;
  report.ext_ip = ext_ip;
  report.action = ProxyEdgeAction::kCreated;
  auto ctx_or = contexts_(true);
  if (!ctx_or.ok()) {
    report.error = ctx_or.error().message();
    return report;
  }
  store::Context& ctx = **ctx_or;
  std::string internal_net;
  {
    MutexLock l(&mu_);
    internal_net = internal_net_;
  }
  auto run = [&]() -> Status {
    plugin::RouterSpec rs;
    rs.name = kProxyRouterName;
    rs.tenant_id = kInternalTenantId;
    NSXV_ASSIGN_OR_RETURN(const plugin::Router router, plugin_.CreateRouter(ctx, rs));
    report.router_id = router.id;
    report.changed = true;
    NSXV_ASSIGN_OR_RETURN(report.edge_id, plugin_.GetRouterEdge(ctx, router.id));
    NSXV_RETURN_IF_ERROR(plugin_.UpdateInterface(ctx, router.id, kExternalVnicIndex,
                                                 config_.mgt_net_moid, ext_ip,
                                                 config_.mgt_net_proxy_netmask));
    plugin::PortSpec ps;
    ps.network_id = internal_net;
    ps.tenant_id = kInternalTenantId;
    ps.device_id = router.id;
    ps.device_owner = plugin::kDeviceOwnerMdInterface;
    ps.port_security_enabled = false;
    NSXV_ASSIGN_OR_RETURN(const plugin::Port port, plugin_.CreatePort(ctx, ps));
    if (port.fixed_ips.empty()) return Internal("metadata port " + port.id + " has no address");
    const std::string internal_ip = port.fixed_ips.front().ip_address;
    NSXV_ASSIGN_OR_RETURN(const auto groups, AddressGroups(ctx, router.id, /*is_proxy=*/true));
    NSXV_RETURN_IF_ERROR(
        plugin_.UpdateInternalInterface(ctx, router.id, internal_net, groups).status());
    {
      NSXV_ASSIGN_OR_RETURN(auto lock, locks_.Acquire(locking::EdgeLockName(report.edge_id)));
      NSXV_RETURN_IF_ERROR(
          Annotate(vcns_.PutLoadBalancer(report.edge_id, ProxyLb(report.edge_id, internal_ip)),
                   "configuring proxy LB of " + report.edge_id));
    }
    std::vector<plugin::FirewallRuleSpec> rules(2);
    rules[0].name = "VSERule";
    rules[0].action = "allow";
    rules[0].source_vnic_groups = {"vse"};
    rules[1].action = "allow";
    rules[1].source_ip_address = {kInternalSubnet};
    NSXV_RETURN_IF_ERROR(plugin_.UpdateFirewall(ctx, router.id, rules, false));
    if (!config_.mgt_net_default_gateway.empty()) {
      NSXV_RETURN_IF_ERROR(plugin_.UpdateRoutes(ctx, router.id, config_.mgt_net_default_gateway));
    }
    NSXV_RETURN_IF_ERROR(
        store::CreateNsxvInternalEdge(ctx, ext_ip, store::kInterEdgePurpose, router.id));
    report.internal_ip = internal_ip;
    return Status::Ok();
  };
  Status s = run();
  report.ok = s.ok();
  if (!s.ok()) {
    // M21, fixed (§4.4 #8): the ports and the router are removed (md objects may be deleted
    // here), and a cleanup failure is reported rather than raised.
    report.error = "creating proxy edge for " + ext_ip + ": " + s.message();
    if (!report.router_id.empty()) {
      (void)store::DeleteNsxvInternalEdge(ctx, ext_ip);
      Status c = RemoveProxyRouter(ctx, report.router_id);
      if (!c.ok())
        report.error += " (cleanup of router " + report.router_id + ": " + c.message() + ")";
    }
  }
  return report;
}

// M22, fixed (§4.4 #18): the first port's first address on the subnet is the primary address;
// no port means an error rather than a group without primaryAddress.
Result<std::vector<driver::AddressGroup>> MetadataProxyHandler::AddressGroups(
    store::Context& ctx, const std::string& device_id, bool is_proxy) const {
  std::string net_id;
  std::string subnet_id;
  {
    MutexLock l(&mu_);
    net_id = internal_net_;
    subnet_id = internal_subnet_;
  }
  store::PortFilter pf;
  pf.network_id = std::vector<std::string>{net_id};
  pf.device_id = std::vector<std::string>{device_id};
  NSXV_ASSIGN_OR_RETURN(const auto ports, plugin_.GetPorts(ctx, pf));
  NSXV_ASSIGN_OR_RETURN(const auto cidr, store::ParseCidr(kInternalSubnet));
  driver::AddressGroup group;
  for (const auto& p : ports) {
    for (const auto& ip : p.fixed_ips) {
      if (ip.subnet_id == subnet_id && group.primary_address.empty()) {
        group.primary_address = ip.ip_address;
      }
    }
  }
  if (group.primary_address.empty()) {
    return NotFound("no metadata port address for " + device_id);
  }
  group.subnet_mask = store::PrefixToNetmask(cidr.prefix);
  group.subnet_prefix_length = driver::IntOrString::String(std::to_string(cidr.prefix));
  if (!is_proxy) {
    driver::SecondaryAddresses sec;
    sec.ip_address = {kMetadataIp};
    group.secondary_addresses = sec;
  }
  return std::vector<driver::AddressGroup>{group};
}

}  // namespace nsxv::md_proxy
