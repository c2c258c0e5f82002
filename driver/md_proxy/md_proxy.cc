// Port of vmware_nsx/plugins/nsx_v/md_proxy.py (NsxVMetadataProxyHandler, fe72c1bd0), fixed:
// the handler's lifecycle, Init (M5-M21) and the internal network. The proxy-edge pool is in
// md_proxy_proxy_edges.cc, LB specs and address groups in md_proxy_specs.cc.
#include "driver/md_proxy/md_proxy.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include <spdlog/spdlog.h>

#include "driver/md_proxy/md_proxy_internal.h"
#include "driver/plugin/recovery.h"
#include "driver/store/nsxv_db.h"

namespace nsxv::md_proxy {

using internal::Annotate;
using internal::Incomplete;
using internal::IpKey;
using internal::kIncomplete;
using internal::Minus;
using internal::SortedIps;

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

Status MetadataProxyHandler::PoolStatus() const {
  MutexLock l(&mu_);
  if (!initialized_) return {StatusCode::kFailedPrecondition, "metadata proxy is not initialized"};
  return pool_status_;
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
  // Every option the initializer may need (a new internal network, new proxy edges) is checked
  // before its first backend write, so a missing one creates nothing. A non-initializer creates
  // neither.
  if (config_.metadata_initializer) {
    NSXV_RETURN_IF_ERROR(plugin::CheckNetworkOptions(plugin_.config()));
    NSXV_RETURN_IF_ERROR(plugin::CheckEdgeDeploymentOptions(plugin_.config()));
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
    if (e.ok || e.unverified) live.push_back(e.internal_ip);
    if (e.unverified) {
      spdlog::error("md_proxy op=init ext_ip={} edge={} outcome=unverified_member error=\"{}\"",
                    e.ext_ip, e.edge_id, e.error);
    } else if (!e.ok) {
      spdlog::error("md_proxy op=init ext_ip={} edge={} outcome=skipped error=\"{}\"", e.ext_ip,
                    e.edge_id, e.error);
    }
  }
  report.proxy_edges = std::move(edges);
  report.live_proxy_ips = SortedIps(std::move(live));
  {
    MutexLock l(&mu_);
    proxy_ips_ = report.live_proxy_ips;
    pool_status_ = report.ToStatus();
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

}  // namespace nsxv::md_proxy
