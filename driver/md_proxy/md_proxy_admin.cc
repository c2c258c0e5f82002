// Port of the metadata admin utilities (vmware_nsx/shell/admin/plugins/nsxv/resources/
// metadata.py): status, redo-config, update-secret.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "driver/md_proxy/md_proxy.h"
#include "driver/md_proxy/md_proxy_internal.h"
#include "driver/store/ipv4.h"
#include "driver/store/nsxv_db.h"

namespace nsxv::md_proxy {

namespace {

using internal::GroupNetmask;
using internal::IpKey;
using internal::NoLiveProxy;
using internal::SortedIps;

std::vector<std::string> SortedMemberIps(const driver::LbVirtualServer& vs) {
  std::vector<std::string> ips;
  for (const auto& m : vs.default_pool.members) ips.push_back(m.ip_address);
  std::sort(ips.begin(), ips.end(), [](const std::string& a, const std::string& b) {
    auto ka = store::ParseIpv4(a);
    auto kb = store::ParseIpv4(b);
    return std::make_pair(ka.ok() ? *ka : 0U, a) < std::make_pair(kb.ok() ? *kb : 0U, b);
  });
  return ips;
}

// Members exactly `ips` (sorted) on `port`, keeping the fields of members that stay.
bool SetMembers(driver::LbPool& pool, const std::vector<std::string>& ips, int64_t port) {
  const driver::LbPool before = pool;
  std::vector<driver::LbPoolMember> out;
  int n = 0;
  for (const std::string& ip : ips) {
    ++n;
    auto it = std::find_if(pool.members.begin(), pool.members.end(),
                           [&](const auto& m) { return m.ip_address == ip; });
    driver::LbPoolMember m;
    if (it != pool.members.end()) m = *it;
    m.name = "Member-" + std::to_string(n);
    m.ip_address = ip;
    m.port = port;
    m.monitor_port = driver::IntOrString(port);
    out.push_back(std::move(m));
  }
  pool.members = std::move(out);
  return !(pool == before);
}

std::string OrNone(const std::string& s) { return s.empty() ? "none" : s; }

std::string JoinIps(const std::vector<std::string>& ips) {
  std::string out;
  for (const auto& ip : ips) out += (out.empty() ? "" : ",") + ip;
  return "[" + out + "]";
}

std::string JoinDrift(const std::vector<std::string>& drift) {
  std::string out;
  for (const auto& d : drift) out += (out.empty() ? "drift: " : "; ") + d;
  return out;
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> MetadataProxyHandler::RouterEdges(
    store::Context& ctx) const {
  NSXV_ASSIGN_OR_RETURN(const auto proxies,
                        store::GetNsxvInternalEdgesByPurpose(ctx, store::kInterEdgePurpose));
  std::set<std::string> proxy_routers;
  for (const auto& p : proxies) {
    if (p.router_id) proxy_routers.insert(*p.router_id);
  }
  NSXV_ASSIGN_OR_RETURN(const auto bindings, store::GetRouterBindings(ctx));
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& b : bindings) {
    if (!b.edge_id || proxy_routers.count(b.router_id) != 0) continue;
    out.emplace_back(b.router_id, *b.edge_id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<StatusReport> MetadataProxyHandler::GetStatus() {
  // Reads only, and needs no Init(): the internal network and the proxy edges come from the DB,
  // what each edge should hold from the configuration.
  NSXV_ASSIGN_OR_RETURN(auto ctx, contexts_(true));
  NSXV_ASSIGN_OR_RETURN(const auto net,
                        store::GetNsxvInternalNetwork(*ctx, store::kInterEdgePurpose));
  if (!net) {
    return Status(StatusCode::kFailedPrecondition,
                  "metadata proxy is not initialized: no internal network (run init)");
  }
  const std::string net_id = *net;
  NSXV_ASSIGN_OR_RETURN(const std::vector<driver::FirewallRule> md_rules, MdFirewallRules(config_));
  StatusReport report;
  NSXV_ASSIGN_OR_RETURN(const auto proxies,
                        store::GetNsxvInternalEdgesByPurpose(*ctx, store::kInterEdgePurpose));
  std::vector<std::string> live;
  for (const auto& p : proxies) {
    ProxyEdgeStatus st;
    st.ext_ip = p.ext_ip_address;
    st.router_id = p.router_id.value_or("");
    auto run = [&]() -> Status {
      NSXV_ASSIGN_OR_RETURN(const auto binding, store::GetRouterBinding(*ctx, st.router_id));
      if (!binding || !binding->edge_id) return NotFound("proxy router has no edge");
      st.edge_id = *binding->edge_id;
      store::PortFilter pf;
      pf.network_id = std::vector<std::string>{net_id};
      pf.device_id = std::vector<std::string>{st.router_id};
      NSXV_ASSIGN_OR_RETURN(const auto ports, plugin_.GetPorts(*ctx, pf));
      if (!ports.empty() && !ports.front().fixed_ips.empty()) {
        st.internal_ip = ports.front().fixed_ips.front().ip_address;
      }
      NSXV_ASSIGN_OR_RETURN(const auto stats, vcns_.GetLoadBalancerStatistics(st.edge_id));
      for (const auto& pool : stats) {
        if (pool.name != kMetadataPoolName) continue;
        for (const auto& m : pool.members) st.members.push_back({m.ip_address, m.status});
      }
      // Drift: what Init would repair on the initializer (M16-M18).
      NSXV_ASSIGN_OR_RETURN(const driver::StaticRouting routes, vcns_.GetRoutes(st.edge_id));
      const std::string gw = routes.default_route ? routes.default_route->gateway_address : "";
      if (gw != config_.mgt_net_default_gateway) {
        st.drift.push_back("default gateway: expected " + OrNone(config_.mgt_net_default_gateway) +
                           ", actual " + OrNone(gw));
      }
      NSXV_ASSIGN_OR_RETURN(const driver::Vnic vnic, vcns_.GetVnic(st.edge_id, kExternalVnicIndex));
      const driver::AddressGroup* g =
          vnic.address_groups.empty() ? nullptr : &vnic.address_groups.front();
      const std::string actual_vnic = vnic.portgroup_id.value_or("") + " " +
                                      (g ? g->primary_address : "") + "/" +
                                      (g ? GroupNetmask(*g) : "");
      const std::string expected_vnic =
          config_.mgt_net_moid + " " + st.ext_ip + "/" + config_.mgt_net_proxy_netmask;
      if (actual_vnic != expected_vnic) {
        st.drift.push_back("external vnic: expected " + expected_vnic + ", actual " + actual_vnic);
      }
      NSXV_ASSIGN_OR_RETURN(driver::LoadBalancer lb, vcns_.GetLoadBalancer(st.edge_id));
      const driver::LbVirtualServer* vs = lb.FindVirtualServer(kMetadataVseName);
      const std::vector<std::string> nova = SortedIps(config_.nova_metadata_ips);
      const std::vector<std::string> actual =
          vs ? SortedMemberIps(*vs) : std::vector<std::string>{};
      if (vs == nullptr || actual != nova) {
        st.drift.push_back("Nova members: expected " + JoinIps(nova) + ", actual " +
                           (vs ? JoinIps(actual) : "no metadata virtual server"));
      }
      return Status::Ok();
    };
    Status s = run();
    st.ok = s.ok() && st.drift.empty();
    st.error = s.ok() ? JoinDrift(st.drift) : s.message();
    // A proxy edge that answers is expected in every router edge's pool (drift or not).
    if (s.ok() && !st.internal_ip.empty()) live.push_back(st.internal_ip);
    report.proxy_edges.push_back(std::move(st));
  }
  std::sort(report.proxy_edges.begin(), report.proxy_edges.end(),
            [](const auto& a, const auto& b) { return IpKey(a.ext_ip) < IpKey(b.ext_ip); });
  live = SortedIps(std::move(live));
  report.live_proxy_ips = live;
  NSXV_ASSIGN_OR_RETURN(const auto edges, RouterEdges(*ctx));
  for (const auto& [router_id, edge_id] : edges) {
    RouterEdgeStatus st;
    st.router_id = router_id;
    st.edge_id = edge_id;
    auto lb = vcns_.GetLoadBalancer(edge_id);
    if (!lb.ok()) {
      st.error = lb.error().message();
    } else if (const auto* vs = lb->FindVirtualServer(kMetadataVseName); vs == nullptr) {
      st.error = "no metadata virtual server";
    } else {
      st.member_ips = SortedMemberIps(*vs);
      st.members_match = st.member_ips == live;
      if (!st.members_match) {
        st.drift.push_back("md LB members: expected " + JoinIps(live) + ", actual " +
                           JoinIps(st.member_ips));
      }
      auto fw = vcns_.GetFirewall(edge_id);
      if (!fw.ok()) {
        st.error = fw.error().message();
      } else if (driver::FirewallConfig copy = *fw; ApplyMdFirewallRules(copy, md_rules)) {
        st.drift.push_back("md firewall rules missing or stale");
      }
      if (st.error.empty()) st.error = JoinDrift(st.drift);
      st.ok = st.error.empty();
    }
    report.router_edges.push_back(std::move(st));
  }
  return report;
}

Result<AdminReport> MetadataProxyHandler::ForEachRouterEdge(
    const std::function<Result<bool>(const std::string& edge_id, driver::LoadBalancer& lb,
                                     driver::LbVirtualServer& vs)>& edit,
    bool md_firewall) {
  {
    MutexLock l(&mu_);
    if (!initialized_) {
      return Status(StatusCode::kFailedPrecondition, "metadata proxy is not initialized");
    }
  }
  NSXV_ASSIGN_OR_RETURN(auto ctx, contexts_(true));
  NSXV_ASSIGN_OR_RETURN(const auto edges, RouterEdges(*ctx));
  AdminReport report;
  for (const auto& entry : edges) {
    const std::string& router_id = entry.first;
    const std::string& edge_id = entry.second;
    AdminEdgeResult r;
    r.router_id = router_id;
    r.edge_id = edge_id;
    auto run = [&]() -> Result<std::string> {
      NSXV_ASSIGN_OR_RETURN(auto lock, locks_.Acquire(locking::EdgeLockName(edge_id)));
      NSXV_ASSIGN_OR_RETURN(driver::LoadBalancer lb, vcns_.GetLoadBalancer(edge_id));
      driver::LbVirtualServer* vs = lb.FindVirtualServer(kMetadataVseName);
      if (vs == nullptr) return std::string("skipped");  // 2016 returned here (§4.4 #27)
      NSXV_ASSIGN_OR_RETURN(const bool changed, edit(edge_id, lb, *vs));
      // clientSsl and every other field survive (LoadBalancer::Parse keeps them).
      if (changed) NSXV_RETURN_IF_ERROR(vcns_.PutLoadBalancer(edge_id, lb));
      bool firewall_changed = false;
      if (md_firewall) {
        NSXV_ASSIGN_OR_RETURN(firewall_changed, EnsureMdFirewall(edge_id));
      }
      return std::string(changed || firewall_changed ? "updated" : "unchanged");
    };
    auto outcome = run();
    if (outcome.ok()) {
      r.outcome = *outcome;
    } else {
      r.outcome = "failed";
      r.error = outcome.error().message();
    }
    if (r.outcome == "updated") ++report.updated;
    if (r.outcome == "unchanged") ++report.unchanged;
    if (r.outcome == "skipped") ++report.skipped;
    if (r.outcome == "failed") ++report.failed;
    report.edges.push_back(std::move(r));
  }
  return report;
}

Result<AdminReport> MetadataProxyHandler::RedoConfig() {
  const std::vector<std::string> live = ProxyEdgeIps();
  if (live.empty() && initialized()) return NoLiveProxy("redo-config", PoolStatus());
  const int64_t port = config_.nova_metadata_port;
  return ForEachRouterEdge(
      [&](const std::string&, driver::LoadBalancer&, driver::LbVirtualServer& vs) -> Result<bool> {
        return SetMembers(vs.default_pool, live, port);
      },
      /*md_firewall=*/true);
}

Result<AdminReport> MetadataProxyHandler::UpdateSecret() {
  const std::string secret = config_.metadata_shared_secret;
  return ForEachRouterEdge([&](const std::string& edge_id, driver::LoadBalancer&,
                               driver::LbVirtualServer& vs) -> Result<bool> {
    const auto before = vs.app_rules;
    std::erase_if(vs.app_rules, [](const driver::LbAppRule& r) { return r.name == "insert-auth"; });
    if (!secret.empty()) {
      vs.AddAppRule(
          {"insert-auth",
           "reqadd X-Metadata-Provider-Signature:" + driver::HmacSha256Hex(secret, edge_id), ""});
    }
    return vs.app_rules != before;
  });
}

}  // namespace nsxv::md_proxy
