// Port of md_proxy.py _setup_new_proxy_edge / _setup_proxy_edge_route_and_connectivity /
// _setup_proxy_edge_external_interface_ip / _update_proxy_edge_lb (M12-M21), fixed: validating,
// re-addressing, creating and replacing the proxy edges of the pool.
#include <optional>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "driver/md_proxy/md_proxy.h"
#include "driver/md_proxy/md_proxy_internal.h"
#include "driver/store/ipam.h"
#include "driver/store/nsxv_db.h"

namespace nsxv::md_proxy {

using driver::LbVirtualServer;
using driver::LoadBalancer;
using internal::Annotate;
using internal::GroupNetmask;
using internal::Incomplete;
using internal::kIncomplete;
using internal::kNsxEdgeNotRunning;
using internal::ReconcileMembers;
using internal::SortedIps;

ProxyEdgeReport MetadataProxyHandler::ValidateProxyEdge(const std::string& ext_ip) const {
  ProxyEdgeReport report;
  report.ext_ip = ext_ip;
  report.action = ProxyEdgeAction::kValidated;
  bool red = false;
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
    NSXV_RETURN_IF_ERROR(CheckProxyEdge(*ctx, ext_ip, report.router_id, report.edge_id, report));
    // The manager answers configuration reads from its database even when no appliance of the
    // edge serves (edgeStatus RED): the edge's health decides whether it forwards metadata.
    NSXV_ASSIGN_OR_RETURN(const driver::EdgeStatusInfo health, vcns_.GetEdgeStatus(report.edge_id));
    if (health.health == driver::EdgeHealth::kError) {
      red = true;
      return Status(StatusCode::kUnavailable, "proxy edge " + report.edge_id + " is " +
                                                  health.edge_status + ": no appliance serves");
    }
    return Status::Ok();
  };
  Status s = run();
  // A deleted proxy edge, or (on the initializer) one without a serving appliance, is replaced.
  if (!s.ok() && (ProxyEdgeGone(s, report.edge_id) || (red && config_.metadata_initializer))) {
    report.error = s.message();
    return ReplaceProxyEdge(ext_ip, ext_ip, report);
  }
  Classify(s, report);
  return report;
}

void MetadataProxyHandler::Classify(const Status& s, ProxyEdgeReport& report) const {
  report.ok = s.ok();
  if (s.ok()) return;
  report.error = s.message();
  // Non-initializer drift is not a transient error (ReconcileProxyEdges makes it fatal); an edge
  // without a recorded inter-edge address was never configured.
  report.unverified = !report.internal_ip.empty() && s.message().rfind(kIncomplete, 0) != 0 &&
                      !ProxyEdgeBroken(s, report.edge_id);
  if (!report.unverified) report.internal_ip.clear();
}

bool MetadataProxyHandler::ProxyEdgeBroken(const Status& failure,
                                           const std::string& edge_id) const {
  if (failure.nsx_error_code() == kNsxEdgeNotRunning) return true;
  if (edge_id.empty()) return true;
  auto status = vcns_.GetEdgeStatus(edge_id);
  if (!status.ok()) return status.error().code() == StatusCode::kNotFound;
  return !status->running || status->health != driver::EdgeHealth::kActive;
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
  spdlog::warn("md_proxy op=replace_proxy_edge ext_ip={} edge={} router={} reason={}", ext_ip,
               old.edge_id, old.router_id, old.error.empty() ? "missing" : old.error);
  auto ctx = contexts_(true);
  if (!ctx.ok()) {
    ProxyEdgeReport failed = old;
    failed.internal_ip.clear();  // gone: not a member
    failed.error = ctx.error().message();
    return failed;
  }
  if (Status s = store::DeleteNsxvInternalEdge(**ctx, db_ip); !s.ok()) {
    ProxyEdgeReport failed = old;
    failed.internal_ip.clear();  // gone: not a member
    failed.error = "replacing missing proxy edge " + old.edge_id + ": " + s.message();
    return failed;
  }
  if (!old.router_id.empty()) {
    if (Status s = RemoveProxyRouter(**ctx, old.router_id); !s.ok()) {
      ProxyEdgeReport failed = old;
      failed.internal_ip.clear();  // gone: not a member
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
  Classify(s, report);
  return report;
}

Status MetadataProxyHandler::CheckProxyEdge(store::Context& ctx, const std::string& ext_ip,
                                            const std::string& router_id,
                                            const std::string& edge_id,
                                            ProxyEdgeReport& report) const {
  // The inter-edge address (2016 M15 tail), from the DB first: it is the edge's LB member address
  // even when a backend read below fails (the edge then stays an unverified member).
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
  report.internal_ip = internal_ip;
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
  return Status::Ok();
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

}  // namespace nsxv::md_proxy
