// Port of vmware_nsx/plugins/nsx_v/plugin.py (the exclusive-router operations used by md_proxy.py)
// with the edge calls of vshield/edge_utils.py and edge_appliance_driver.py.
#include <optional>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "driver/plugin/plugin.h"
#include "driver/plugin/plugin_internal.h"
#include "driver/store/ipam.h"
#include "driver/store/ipv4.h"

namespace nsxv::plugin {
namespace {

using internal::FailedPrecondition;
using internal::PermissionDenied;
using internal::Prefixed;
using store::Context;

}  // namespace

// ---- routers ----

driver::EdgeSpec MakeEdgeSpec(const PluginConfig& config, const std::string& edge_name) {
  driver::EdgeSpec spec;
  spec.name = edge_name;
  spec.appliance_size = config.exclusive_router_appliance_size;
  spec.external_portgroup = config.external_network;
  spec.deployment_container_id = config.deployment_container_id;
  spec.resource_pool_id = config.resource_pool_id;
  spec.datastore_id = config.datastore_id;
  spec.ha_datastore_id = config.ha_datastore_id;
  spec.datacenter_moid = config.datacenter_moid;
  spec.edge_ha = config.edge_ha;
  spec.loadbalancer_enable = true;
  if (config.edge_appliance_user && config.edge_appliance_password) {
    spec.appliance_user = config.edge_appliance_user;
    spec.appliance_password = config.edge_appliance_password;
  }
  return spec;
}

Status CheckEdgeDeploymentOptions(const PluginConfig& config) {
  if (config.external_network.empty()) {
    return InvalidArgument(
        "[nsxv] external_network is not set: it is required to deploy edges (the portgroup of "
        "vnic 0)");
  }
  return Status::Ok();
}

Status CheckNetworkOptions(const PluginConfig& config) {
  if (config.vdn_scope_id.empty()) {
    return InvalidArgument(
        "[nsxv] vdn_scope_id is not set: it is required to create networks (the transport zone "
        "of their virtual wires)");
  }
  return Status::Ok();
}

Status Plugin::RemoveEdgeByName(const std::string& edge_name) const {
  NSXV_ASSIGN_OR_RETURN(const auto found, vcns_.FindEdgeByName(edge_name));
  if (!found) return Status::Ok();
  return vcns_.DeleteEdge(found->id);
}

Result<Router> Plugin::CreateRouter(Context& ctx, const RouterSpec& spec) {
  if (spec.router_type != "exclusive") {
    return InvalidArgument("router type \"" + spec.router_type +
                           "\" is not supported (only exclusive)");
  }
  NSXV_RETURN_IF_ERROR(CheckEdgeDeploymentOptions(config_));
  const std::string& size = config_.exclusive_router_appliance_size;
  if (size != "compact" && size != "large" && size != "xlarge" && size != "quadlarge") {
    return InvalidArgument("invalid exclusive_router_appliance_size \"" + size + "\"");
  }
  Router router;
  router.id = NewUuid();
  router.tenant_id = Tenant(ctx, spec.tenant_id);
  router.name = spec.name;
  router.admin_state_up = spec.admin_state_up;
  router.status = store::kStatusPendingCreate;
  router.router_type = spec.router_type;

  store::RouterBinding binding;
  binding.router_id = router.id;
  binding.status = store::kStatusPendingCreate;
  binding.appliance_size = size;
  binding.edge_type = "service";
  NSXV_ASSIGN_OR_RETURN(auto lock,
                        locks_.AcquireFor(locking::EdgeLockName(router.id), config_.lock_timeout));
  const Status recorded = store::RunInTransaction(ctx, [&]() -> Status {
    NSXV_RETURN_IF_ERROR(store::InsertRouter(ctx, router));
    return store::AddRouterBinding(ctx, binding);
  });
  if (!recorded.ok()) return recorded;
  auto forget_router = [&] {
    return store::RunInTransaction(ctx, [&]() -> Status {
      NSXV_RETURN_IF_ERROR(store::DeleteRouterBinding(ctx, router.id));
      return store::DeleteRouterRow(ctx, router.id);
    });
  };

  const std::string edge_name = BuildLrouterName(router.name, router.id);
  auto edge_id = vcns_.DeployEdge(driver::MakeEdgeDocument(MakeEdgeSpec(config_, edge_name)));
  if (!edge_id.ok()) {
    // A lost answer may still have created the edge: remove it by its unique name.
    (void)RemoveEdgeByName(edge_name);
    (void)forget_router();
    return Prefixed(edge_id.error(), "creating router \"" + spec.name + "\"");
  }

  Status activated = store::RunInTransaction(ctx, [&]() -> Status {
    store::RouterBindingUpdate u;
    u.edge_id = std::optional<std::string>(*edge_id);
    u.status = store::kStatusActive;
    NSXV_RETURN_IF_ERROR(store::UpdateRouterBinding(ctx, router.id, u));
    NSXV_RETURN_IF_ERROR(
        store::InitEdgeVnicBinding(ctx, *edge_id, config_.maximum_tunnels_per_vnic));
    return store::UpdateRouterStatus(ctx, router.id, store::kStatusActive);
  });
  if (!activated.ok()) {
    (void)vcns_.DeleteEdge(*edge_id);
    (void)forget_router();
    return Prefixed(activated, "creating router \"" + spec.name + "\"");
  }
  router.status = store::kStatusActive;
  return router;
}

Result<Router> Plugin::GetRouter(Context& ctx, const std::string& id) {
  NSXV_ASSIGN_OR_RETURN(auto row, store::GetRouterRow(ctx, id));
  if (!row || !CheckVisible(ctx, row->tenant_id).ok()) {
    return NotFound("router " + id + " not found");
  }
  return *row;
}

Result<std::vector<Router>> Plugin::GetRouters(Context& ctx, store::RouterFilter filter) {
  if (!ctx.is_admin()) filter.tenant_id = ctx.tenant_id();
  return store::ListRouterRows(ctx, filter);
}

Result<std::string> Plugin::GetRouterEdge(Context& ctx, const std::string& router_id) {
  NSXV_ASSIGN_OR_RETURN(const Router router, GetRouter(ctx, router_id));
  NSXV_ASSIGN_OR_RETURN(const auto binding, store::GetRouterBinding(ctx, router.id));
  if (!binding) return NotFound("router " + router_id + " has no edge binding");
  if (!binding->edge_id || binding->status != store::kStatusActive) {
    return FailedPrecondition("router " + router_id + " has no active edge (binding status " +
                              binding->status + ")");
  }
  return *binding->edge_id;
}

Status Plugin::DeleteRouter(Context& ctx, const std::string& id, const DeleteOptions& opts) {
  NSXV_ASSIGN_OR_RETURN(const Router router, GetRouter(ctx, id));
  NSXV_ASSIGN_OR_RETURN(const auto md_edge, store::GetNsxvInternalEdgeByRouter(ctx, id));
  if (md_edge && !opts.allow_delete_internal) {
    return PermissionDenied("router " + id + " is a metadata proxy router (" +
                            md_edge->ext_ip_address + "); not deleted");
  }
  NSXV_ASSIGN_OR_RETURN(auto lock,
                        locks_.AcquireFor(locking::EdgeLockName(id), config_.lock_timeout));
  NSXV_ASSIGN_OR_RETURN(const auto binding, store::GetRouterBinding(ctx, id));
  std::optional<std::string> edge_id = binding ? binding->edge_id : std::nullopt;
  // A failed edge removal: fatal (binding in ERROR) or, with edge_warnings, a warning.
  auto edge_failed = [&](const std::string& edge, const Status& failed) -> Status {
    if (opts.edge_warnings != nullptr) {
      const std::string w = std::string(kEdgeLeftWarning) + edge + " of router " + id + " (" +
                            failed.message() +
                            "); `nsxv-md repair orphaned-edges --yes` removes it";
      spdlog::warn("router={} edge={} op=delete_edge result=left error=\"{}\"", id, edge,
                   failed.message());
      opts.edge_warnings->push_back(w);
      return Status::Ok();
    }
    if (edge_id) {
      store::RouterBindingUpdate error;
      error.status = store::kStatusError;
      error.status_description = std::optional<std::string>(failed.message().substr(0, 255));
      (void)store::UpdateRouterBinding(ctx, id, error);
    }
    return Prefixed(failed, "deleting router " + id);
  };
  if (binding && !edge_id) {
    // No edge recorded (deploy never finished): one may still exist under the router's name.
    const std::string name = BuildLrouterName(router.name, router.id);
    if (Status s = RemoveEdgeByName(name); !s.ok()) NSXV_RETURN_IF_ERROR(edge_failed(name, s));
  }
  if (edge_id) {
    store::RouterBindingUpdate pending;
    pending.status = store::kStatusPendingDelete;
    NSXV_RETURN_IF_ERROR(store::UpdateRouterBinding(ctx, id, pending));
    Status deleted = vcns_.DeleteEdge(*edge_id);  // a 404 counts as deleted
    if (!deleted.ok()) NSXV_RETURN_IF_ERROR(edge_failed(*edge_id, deleted));
  }
  return store::RunInTransaction(ctx, [&]() -> Status {
    store::PortFilter ports;
    ports.device_id = std::vector<std::string>{id};
    NSXV_ASSIGN_OR_RETURN(const auto owned, store::ListPortRows(ctx, ports));
    for (const Port& p : owned) NSXV_RETURN_IF_ERROR(store::DeletePortRow(ctx, p.id));
    if (edge_id) NSXV_RETURN_IF_ERROR(store::CleanEdgeVnicBinding(ctx, *edge_id));
    if (md_edge) NSXV_RETURN_IF_ERROR(store::DeleteNsxvInternalEdge(ctx, md_edge->ext_ip_address));
    NSXV_RETURN_IF_ERROR(store::DeleteRouterBinding(ctx, id));
    return store::DeleteRouterRow(ctx, id);
  });
}

// ---- edge updates ----

Status Plugin::UpdateRoutes(Context& ctx, const std::string& router_id,
                            const std::optional<std::string>& gateway,
                            const std::vector<ExtraRoute>& routes) {
  NSXV_ASSIGN_OR_RETURN(const std::string edge_id, GetRouterEdge(ctx, router_id));
  driver::StaticRouting routing;
  for (const ExtraRoute& r : routes) {
    NSXV_RETURN_IF_ERROR(store::ParseCidr(r.destination).status());
    NSXV_RETURN_IF_ERROR(store::ParseIpv4(r.nexthop).status());
    driver::StaticRoute sr;
    sr.description = "";
    sr.vnic = driver::IntOrString::String("1");
    sr.network = r.destination;
    sr.next_hop = r.nexthop;
    routing.static_routes.push_back(std::move(sr));
  }
  if (gateway) {
    const std::string address = gateway->substr(0, gateway->find('/'));
    auto parsed = store::ParseIpv4(address);
    if (!parsed.ok()) return InvalidArgument("invalid default gateway \"" + *gateway + "\"");
    driver::DefaultRoute dr;
    dr.gateway_address = address;
    dr.description = "default-gateway";
    routing.default_route = std::move(dr);
  }
  NSXV_ASSIGN_OR_RETURN(auto lock,
                        locks_.AcquireFor(locking::EdgeLockName(edge_id), config_.lock_timeout));
  return Prefixed(vcns_.UpdateRoutes(edge_id, routing), "updating routes of router " + router_id);
}

Status Plugin::UpdateInterface(Context& ctx, const std::string& router_id, int index,
                               const std::string& portgroup_id, const std::string& address,
                               const std::string& netmask,
                               const std::vector<std::string>& secondary) {
  if (index < 0 || index >= store::kMaxVnicNum) {
    return InvalidArgument("vnic index " + std::to_string(index) + " is not in 0-9");
  }
  NSXV_RETURN_IF_ERROR(store::ParseIpv4(address).status());
  NSXV_RETURN_IF_ERROR(store::ParseIpv4(netmask).status());
  NSXV_ASSIGN_OR_RETURN(const std::string edge_id, GetRouterEdge(ctx, router_id));
  NSXV_ASSIGN_OR_RETURN(auto lock,
                        locks_.AcquireFor(locking::EdgeLockName(edge_id), config_.lock_timeout));
  const driver::Vnic vnic = driver::MakeVnic(index, portgroup_id, address, netmask, "", secondary);
  return Prefixed(vcns_.UpdateVnic(edge_id, vnic),
                  "updating vnic " + std::to_string(index) + " of router " + router_id);
}

Result<int> Plugin::UpdateInternalInterface(
    Context& ctx, const std::string& router_id, const std::string& network_id,
    const std::vector<driver::AddressGroup>& address_groups) {
  NSXV_ASSIGN_OR_RETURN(const Network net, GetNetwork(ctx, network_id));
  NSXV_ASSIGN_OR_RETURN(const auto wires, store::GetNsxSwitchIds(ctx, net.id));
  if (wires.empty()) return NotFound("network " + network_id + " has no backend switch");
  for (const auto& g : address_groups) {
    if (g.primary_address.empty()) {
      // FIX (§4.4 #18): a group without primaryAddress is refused here, not by the backend.
      return InvalidArgument("address group without primaryAddress for network " + network_id);
    }
  }
  NSXV_ASSIGN_OR_RETURN(const std::string edge_id, GetRouterEdge(ctx, router_id));
  NSXV_ASSIGN_OR_RETURN(auto lock,
                        locks_.AcquireFor(locking::EdgeLockName(edge_id), config_.lock_timeout));
  NSXV_ASSIGN_OR_RETURN(auto slot, store::GetEdgeVnicBinding(ctx, edge_id, net.id));
  const bool fresh = !slot.has_value();
  if (fresh) {
    NSXV_ASSIGN_OR_RETURN(
        slot, store::AllocateEdgeVnic(ctx, edge_id, net.id, config_.maximum_tunnels_per_vnic));
  }
  const driver::Vnic vnic = driver::MakeVnic(slot->vnic_index, wires.front(), address_groups);
  Status s = vcns_.UpdateVnic(edge_id, vnic);
  if (!s.ok()) {
    if (fresh) (void)store::FreeEdgeVnicByNetwork(ctx, edge_id, net.id);
    return Prefixed(s, "updating internal interface of router " + router_id);
  }
  return slot->vnic_index;
}

Status Plugin::UpdateFirewall(Context& ctx, const std::string& router_id,
                              const std::vector<FirewallRuleSpec>& rules, bool allow_external) {
  driver::FirewallConfig config;
  int64_t position = 1;
  for (const FirewallRuleSpec& spec : rules) {
    NSXV_ASSIGN_OR_RETURN(driver::FirewallRule rule, ConvertFirewallRule(spec, position++));
    config.rules.push_back(std::move(rule));
  }
  if (allow_external) {
    driver::FirewallRule ext;
    ext.action = "accept";
    ext.enabled = true;
    ext.destination = driver::FirewallEndpoint{{}, {"external"}, {}};
    ext.rule_tag = position;
    config.rules.push_back(std::move(ext));
  }
  NSXV_ASSIGN_OR_RETURN(const std::string edge_id, GetRouterEdge(ctx, router_id));
  NSXV_ASSIGN_OR_RETURN(auto lock,
                        locks_.AcquireFor(locking::EdgeLockName(edge_id), config_.lock_timeout));
  NSXV_RETURN_IF_ERROR(
      Prefixed(vcns_.UpdateFirewall(edge_id, config), "updating firewall of router " + router_id));
  // The 2016 driver reads the config back to map rule ids; md rules carry no neutron id, so
  // only the success of the read matters here.
  return Prefixed(vcns_.GetFirewall(edge_id).status(), "reading firewall of router " + router_id);
}

}  // namespace nsxv::plugin
