// Port of vmware_nsx/plugins/nsx_v/plugin.py (network, subnet, port and router operations used by
// md_proxy.py) with the edge calls of vshield/edge_utils.py and edge_appliance_driver.py.
#include "driver/plugin/plugin.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <random>
#include <set>
#include <utility>

#include "driver/store/ipam.h"
#include "driver/store/ipv4.h"

namespace nsxv::plugin {
namespace {

using store::Context;

Status Prefixed(const Status& s, const std::string& what) {
  if (s.ok()) return s;
  Status out(s.code(), what + ": " + s.message());
  out.WithHttp(s.http_status(), s.nsx_error_code());
  return out;
}

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng([] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32U) ^ rd();
  }());
  return rng;
}

std::string NewMac() {
  const uint64_t r = Rng()();
  char buf[18];
  std::snprintf(buf, sizeof(buf), "fa:16:3e:%02x:%02x:%02x", static_cast<unsigned>(r & 0xffU),
                static_cast<unsigned>((r >> 8U) & 0xffU),
                static_cast<unsigned>((r >> 16U) & 0xffU));
  return buf;
}

Status PermissionDenied(const std::string& m) { return {StatusCode::kPermissionDenied, m}; }
Status FailedPrecondition(const std::string& m) { return {StatusCode::kFailedPrecondition, m}; }

bool IsRouterPort(const std::string& owner) {
  return owner == kDeviceOwnerRouterInterface || owner == kDeviceOwnerRouterGateway;
}

// [first, last] integer ranges of a subnet's host addresses.
std::pair<uint32_t, uint32_t> HostRange(const store::Cidr& c) {
  if (c.prefix >= 31) return {c.first(), c.last()};
  return {c.first() + 1, c.last() - 1};
}

}  // namespace

// ---- helpers ----

std::string NewUuid() {
  const uint64_t hi = Rng()();
  const uint64_t lo = Rng()();
  char buf[37];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(hi >> 32U),
                static_cast<unsigned>((hi >> 16U) & 0xffffU), static_cast<unsigned>(hi & 0xfffU),
                static_cast<unsigned>(((lo >> 48U) & 0x3fffU) | 0x8000U),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

std::string BuildLrouterName(std::string_view router_name, std::string_view router_id) {
  const size_t keep = router_id.size() >= 77 ? 0 : 77 - router_id.size();
  return std::string(router_name.substr(0, keep)) + "-" + std::string(router_id);
}

Result<std::vector<int64_t>> ParsePortList(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  auto parse_one = [&](std::string_view s) -> Result<int64_t> {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || v < 0 || v > 65535) {
      return InvalidArgument("invalid port list " + quoted);
    }
    return v;
  };
  std::set<int64_t> ports;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = text.substr(start, comma - start);
    const size_t colon = item.find(':');
    if (colon == std::string_view::npos) {
      NSXV_ASSIGN_OR_RETURN(const int64_t p, parse_one(item));
      ports.insert(p);
    } else {
      // FIX (§4.4 #16): a range item no longer breaks the whole list; it is expanded.
      NSXV_ASSIGN_OR_RETURN(const int64_t lo, parse_one(item.substr(0, colon)));
      NSXV_ASSIGN_OR_RETURN(const int64_t hi, parse_one(item.substr(colon + 1)));
      if (hi < lo || hi - lo >= 1024) {
        return InvalidArgument("invalid port range in " + quoted);
      }
      for (int64_t p = lo; p <= hi; ++p) ports.insert(p);
    }
    start = comma + 1;
  }
  return std::vector<int64_t>(ports.begin(), ports.end());
}

Result<driver::FirewallRule> ConvertFirewallRule(const FirewallRuleSpec& spec, int64_t position) {
  driver::FirewallRule rule;
  if (spec.action == "allow") {
    rule.action = "accept";
  } else if (spec.action == "deny") {
    rule.action = "deny";
  } else {
    return InvalidArgument("invalid firewall rule action \"" + spec.action + "\"");
  }
  rule.enabled = spec.enabled;
  rule.name = spec.name;
  rule.description = spec.description;
  auto endpoint =
      [](const std::vector<std::string>& ips,
         const std::vector<std::string>& groups) -> std::optional<driver::FirewallEndpoint> {
    if (!groups.empty()) return driver::FirewallEndpoint{{}, groups, {}};
    if (!ips.empty()) return driver::FirewallEndpoint{ips, {}, {}};
    return std::nullopt;
  };
  rule.source = endpoint(spec.source_ip_address, spec.source_vnic_groups);
  rule.destination = endpoint(spec.destination_ip_address, spec.destination_vnic_groups);
  if (spec.protocol || spec.source_port || spec.destination_port || spec.icmp_type) {
    driver::FirewallService svc;
    svc.protocol = spec.protocol;
    if (spec.destination_port) {
      NSXV_ASSIGN_OR_RETURN(svc.port, ParsePortList(*spec.destination_port));
    }
    if (spec.source_port) {
      NSXV_ASSIGN_OR_RETURN(svc.source_port, ParsePortList(*spec.source_port));
    }
    svc.icmp_type = spec.icmp_type;
    if (spec.protocol == "icmp" && !svc.icmp_type) svc.icmp_type = "any";
    rule.services.push_back(std::move(svc));
  }
  rule.rule_tag = spec.rule_tag ? *spec.rule_tag : position;
  return rule;
}

// ---- Plugin ----

Plugin::Plugin(const driver::Vcns& vcns, locking::LockProvider& locks, PluginConfig config)
    : vcns_(vcns), locks_(locks), config_(std::move(config)) {}

std::optional<std::string> Plugin::Tenant(Context& ctx,
                                          const std::optional<std::string>& requested) const {
  if (requested) return requested;
  if (ctx.tenant_id().empty()) return std::nullopt;
  return ctx.tenant_id();
}

Status Plugin::CheckVisible(Context& ctx, const std::optional<std::string>& owner) const {
  if (ctx.is_admin()) return Status::Ok();
  if (owner.has_value() && *owner == ctx.tenant_id()) return Status::Ok();
  return NotFound("");
}

// ---- networks ----

Result<Network> Plugin::CreateNetwork(Context& ctx, const NetworkSpec& spec) {
  if (config_.vdn_scope_id.empty()) {
    return FailedPrecondition("cannot create network \"" + spec.name +
                              "\": [nsxv] vdn_scope_id is not configured");
  }
  Network net;
  net.id = NewUuid();
  net.tenant_id = Tenant(ctx, spec.tenant_id);
  net.name = spec.name;
  net.admin_state_up = spec.admin_state_up;
  net.shared = spec.shared;
  net.port_security_enabled = spec.port_security_enabled;
  NSXV_RETURN_IF_ERROR(ctx.CheckThread());  // before any backend call

  driver::VirtualWireSpec wire_spec;
  wire_spec.name = net.id;
  auto wire = vcns_.CreateVirtualWire(config_.vdn_scope_id, wire_spec);
  if (!wire.ok()) return Prefixed(wire.error(), "creating network \"" + spec.name + "\"");

  Status stored = store::RunInTransaction(ctx, [&]() -> Status {
    NSXV_RETURN_IF_ERROR(store::InsertNetwork(ctx, net));
    return store::AddNetworkMapping(ctx, net.id, *wire);
  });
  if (!stored.ok()) {
    (void)vcns_.DeleteVirtualWire(*wire);  // compensate; the DB holds nothing
    return stored;
  }
  return net;
}

Result<Network> Plugin::GetNetwork(Context& ctx, const std::string& id) {
  NSXV_ASSIGN_OR_RETURN(auto row, store::GetNetworkRow(ctx, id));
  if (!row || !CheckVisible(ctx, row->tenant_id).ok()) {
    return NotFound("network " + id + " not found");
  }
  return *row;
}

Result<std::vector<Network>> Plugin::GetNetworks(Context& ctx, store::NetworkFilter filter) {
  if (!ctx.is_admin()) filter.tenant_id = ctx.tenant_id();
  return store::ListNetworkRows(ctx, filter);
}

Status Plugin::DeleteNetwork(Context& ctx, const std::string& id, const DeleteOptions& opts) {
  NSXV_ASSIGN_OR_RETURN(const Network net, GetNetwork(ctx, id));
  NSXV_ASSIGN_OR_RETURN(const bool internal, store::IsNsxvInternalNetwork(ctx, id));
  if (internal && !opts.allow_delete_internal) {
    return PermissionDenied("network " + id + " is the metadata internal network; not deleted");
  }
  store::PortFilter ports;
  ports.network_id = std::vector<std::string>{id};
  NSXV_ASSIGN_OR_RETURN(const auto in_use, store::ListPortRows(ctx, ports));
  if (!in_use.empty()) {
    return FailedPrecondition("network " + id + " has " + std::to_string(in_use.size()) +
                              " port(s) in use; not deleted");
  }
  NSXV_ASSIGN_OR_RETURN(const auto wires, store::GetNsxSwitchIds(ctx, id));
  for (const std::string& wire : wires) {
    Status s = vcns_.DeleteVirtualWire(wire);
    if (!s.ok() && s.code() != StatusCode::kNotFound) {
      return Prefixed(s, "deleting network " + id);
    }
  }
  return store::RunInTransaction(ctx, [&] { return store::DeleteNetworkRow(ctx, id); });
}

// ---- subnets ----

Result<Subnet> Plugin::CreateSubnet(Context& ctx, const SubnetSpec& spec) {
  NSXV_ASSIGN_OR_RETURN(const store::Cidr cidr, store::ParseCidr(spec.cidr));
  NSXV_ASSIGN_OR_RETURN(const Network net, GetNetwork(ctx, spec.network_id));
  const auto [host_first, host_last] = HostRange(cidr);
  const std::string in_subnet = " of subnet " + spec.cidr;

  std::optional<uint32_t> gateway;
  if (!spec.no_gateway) {
    if (spec.gateway_ip) {
      auto gw = store::ParseIpv4(*spec.gateway_ip);
      if (!gw.ok()) return InvalidArgument("invalid gateway_ip \"" + *spec.gateway_ip + "\"");
      if (!cidr.Contains(*gw) || *gw < host_first || *gw > host_last) {
        return InvalidArgument("gateway_ip " + *spec.gateway_ip + " is not a host address" +
                               in_subnet);
      }
      gateway = *gw;
    } else {
      gateway = host_first;
    }
  }

  Subnet subnet;
  subnet.id = NewUuid();
  subnet.network_id = net.id;
  subnet.tenant_id = Tenant(ctx, spec.tenant_id);
  subnet.name = spec.name;
  subnet.cidr = cidr.ToString();
  subnet.enable_dhcp = spec.enable_dhcp;
  if (gateway) subnet.gateway_ip = store::FormatIpv4(*gateway);

  std::vector<std::pair<uint32_t, uint32_t>> ranges;
  if (spec.allocation_pools.empty()) {
    // Neutron's default: all host addresses except the gateway.
    if (gateway && *gateway > host_first) ranges.emplace_back(host_first, *gateway - 1);
    const uint32_t from = gateway && *gateway >= host_first ? *gateway + 1 : host_first;
    if (gateway && *gateway < host_last) {
      ranges.emplace_back(from, host_last);
    } else if (!gateway) {
      ranges.emplace_back(host_first, host_last);
    }
  } else {
    for (const auto& pool : spec.allocation_pools) {
      const std::string what = "allocation pool " + pool.start + "-" + pool.end;
      auto a = store::ParseIpv4(pool.start);
      auto b = store::ParseIpv4(pool.end);
      if (!a.ok() || !b.ok()) return InvalidArgument("invalid " + what);
      if (*a > *b) return InvalidArgument(what + " ends before it starts");
      if (*a < host_first || *b > host_last || !cidr.Contains(*a) || !cidr.Contains(*b)) {
        return InvalidArgument(what + " is outside the host addresses" + in_subnet);
      }
      if (gateway && *a <= *gateway && *gateway <= *b) {
        return InvalidArgument(what + " contains the gateway " + store::FormatIpv4(*gateway));
      }
      ranges.emplace_back(*a, *b);
    }
    std::sort(ranges.begin(), ranges.end());
    for (size_t i = 1; i < ranges.size(); ++i) {
      if (ranges[i].first <= ranges[i - 1].second) {
        return InvalidArgument("allocation pools overlap" + in_subnet);
      }
    }
  }
  for (const auto& [a, b] : ranges) {
    subnet.allocation_pools.push_back({store::FormatIpv4(a), store::FormatIpv4(b)});
  }

  Status s = store::RunInTransaction(ctx, [&]() -> Status {
    store::SubnetFilter same_net;
    same_net.network_id = std::vector<std::string>{net.id};
    NSXV_ASSIGN_OR_RETURN(const auto existing, store::ListSubnetRows(ctx, same_net));
    for (const Subnet& other : existing) {
      auto other_cidr = store::ParseCidr(other.cidr);
      if (other_cidr.ok() && other_cidr->Overlaps(cidr)) {
        return InvalidArgument("cidr " + spec.cidr + " overlaps subnet " + other.id + " (" +
                               other.cidr + ") of network " + net.id);
      }
    }
    return store::InsertSubnet(ctx, subnet, ranges);
  });
  NSXV_RETURN_IF_ERROR(s);
  return subnet;
}

Result<Subnet> Plugin::GetSubnet(Context& ctx, const std::string& id) {
  NSXV_ASSIGN_OR_RETURN(auto row, store::GetSubnetRow(ctx, id));
  if (!row || !CheckVisible(ctx, row->tenant_id).ok()) {
    return NotFound("subnet " + id + " not found");
  }
  return *row;
}

Result<std::vector<Subnet>> Plugin::GetSubnets(Context& ctx, store::SubnetFilter filter) {
  if (!ctx.is_admin()) filter.tenant_id = ctx.tenant_id();
  return store::ListSubnetRows(ctx, filter);
}

Status Plugin::DeleteSubnet(Context& ctx, const std::string& id, const DeleteOptions& opts) {
  NSXV_ASSIGN_OR_RETURN(const Subnet subnet, GetSubnet(ctx, id));
  NSXV_ASSIGN_OR_RETURN(const bool internal, store::IsNsxvInternalNetwork(ctx, subnet.network_id));
  if (internal && !opts.allow_delete_internal) {
    return PermissionDenied("subnet " + id + " belongs to the metadata internal network; " +
                            "not deleted");
  }
  NSXV_ASSIGN_OR_RETURN(const int64_t used, store::CountAllocations(ctx, id));
  if (used > 0) {
    return FailedPrecondition("subnet " + id + " has " + std::to_string(used) +
                              " allocated address(es); not deleted");
  }
  return store::RunInTransaction(ctx, [&] { return store::DeleteSubnetRow(ctx, id); });
}

// ---- ports ----

Result<Port> Plugin::CreatePort(Context& ctx, const PortSpec& spec) {
  NSXV_ASSIGN_OR_RETURN(const Network net, GetNetwork(ctx, spec.network_id));
  Port port;
  port.id = NewUuid();
  port.network_id = net.id;
  port.tenant_id = Tenant(ctx, spec.tenant_id);
  port.name = spec.name;
  port.admin_state_up = spec.admin_state_up;
  port.port_security_enabled = spec.port_security_enabled;
  port.device_id = spec.device_id;
  port.device_owner = spec.device_owner;

  Status s = store::RunInTransaction(ctx, [&]() -> Status {
    // NewMac() draws 24 random bits, so collisions with existing ports are expected (~3 % per
    // 1000 ports): draw again on the MAC's unique-constraint error. The failed INSERT is undone
    // by SQLite on its own (statement rollback); the transaction stays open.
    for (int attempt = 1;; ++attempt) {
      port.mac_address = config_.mac_generator ? config_.mac_generator() : NewMac();
      Status inserted = store::InsertPort(ctx, port);
      if (inserted.ok()) break;
      const bool mac_taken = inserted.code() == StatusCode::kAlreadyExists &&
                             inserted.message().find("mac_address") != std::string::npos;
      if (!mac_taken || attempt >= kMacAttempts) return inserted;
    }
    store::SubnetFilter on_net;
    on_net.network_id = std::vector<std::string>{net.id};
    NSXV_ASSIGN_OR_RETURN(const auto subnets, store::ListSubnetRows(ctx, on_net));
    if (!spec.fixed_ips) {
      Status last;
      for (const Subnet& sub : subnets) {
        auto ip = store::AllocateIp(ctx, sub.id, port.id, net.id);
        if (ip.ok()) return Status::Ok();
        last = ip.error();
        if (last.code() != StatusCode::kResourceExhausted) return last;
      }
      return last;  // OK when the network has no subnet (a port without address)
    }
    for (const FixedIpRequest& req : *spec.fixed_ips) {
      std::string subnet_id;
      if (req.subnet_id) {
        auto it = std::find_if(subnets.begin(), subnets.end(),
                               [&](const Subnet& x) { return x.id == *req.subnet_id; });
        if (it == subnets.end()) {
          return InvalidArgument("subnet " + *req.subnet_id + " is not a subnet of network " +
                                 net.id);
        }
        subnet_id = *req.subnet_id;
      } else if (req.ip_address) {
        NSXV_ASSIGN_OR_RETURN(const uint32_t ip, store::ParseIpv4(*req.ip_address));
        for (const Subnet& sub : subnets) {
          auto c = store::ParseCidr(sub.cidr);
          if (c.ok() && c->Contains(ip)) subnet_id = sub.id;
        }
        if (subnet_id.empty()) {
          return InvalidArgument("IP address " + *req.ip_address +
                                 " is not in any subnet of network " + net.id);
        }
      } else {
        return InvalidArgument("fixed IP request without subnet_id or ip_address");
      }
      if (req.ip_address) {
        NSXV_RETURN_IF_ERROR(
            store::AllocateSpecificIp(ctx, subnet_id, *req.ip_address, port.id, net.id));
      } else {
        NSXV_RETURN_IF_ERROR(store::AllocateIp(ctx, subnet_id, port.id, net.id).status());
      }
    }
    return Status::Ok();
  });
  NSXV_RETURN_IF_ERROR(s);
  NSXV_ASSIGN_OR_RETURN(auto stored, store::GetPortRow(ctx, port.id));
  if (!stored) return Internal("port " + port.id + " vanished after creation");
  return *stored;
}

Result<Port> Plugin::GetPort(Context& ctx, const std::string& id) {
  NSXV_ASSIGN_OR_RETURN(auto row, store::GetPortRow(ctx, id));
  if (!row || !CheckVisible(ctx, row->tenant_id).ok()) {
    return NotFound("port " + id + " not found");
  }
  return *row;
}

Result<std::vector<Port>> Plugin::GetPorts(Context& ctx, store::PortFilter filter) {
  if (!ctx.is_admin()) filter.tenant_id = ctx.tenant_id();
  return store::ListPortRows(ctx, filter);
}

Status Plugin::DeletePort(Context& ctx, const std::string& id, const DeleteOptions& opts) {
  NSXV_ASSIGN_OR_RETURN(const Port port, GetPort(ctx, id));
  NSXV_ASSIGN_OR_RETURN(const bool internal, store::IsNsxvInternalNetwork(ctx, port.network_id));
  if (internal && !opts.allow_delete_internal) {
    return PermissionDenied("port " + id + " is on the metadata internal network; not deleted");
  }
  if (opts.l3_port_check && IsRouterPort(port.device_owner) && !port.device_id.empty()) {
    NSXV_ASSIGN_OR_RETURN(const auto router, store::GetRouterRow(ctx, port.device_id));
    if (router) {
      return FailedPrecondition("port " + id + " is an interface of router " + port.device_id +
                                "; not deleted");
    }
  }
  // The port's addresses are released with it (ON DELETE CASCADE).
  return store::RunInTransaction(ctx, [&] { return store::DeletePortRow(ctx, id); });
}

// ---- routers ----

driver::EdgeSpec Plugin::EdgeSpecFor(const std::string& edge_name) const {
  driver::EdgeSpec spec;
  spec.name = edge_name;
  spec.appliance_size = config_.exclusive_router_appliance_size;
  spec.external_portgroup = config_.external_network;
  spec.deployment_container_id = config_.deployment_container_id;
  spec.resource_pool_id = config_.resource_pool_id;
  spec.datastore_id = config_.datastore_id;
  spec.ha_datastore_id = config_.ha_datastore_id;
  spec.datacenter_moid = config_.datacenter_moid;
  spec.edge_ha = config_.edge_ha;
  spec.loadbalancer_enable = true;
  if (config_.edge_appliance_user && config_.edge_appliance_password) {
    spec.appliance_user = config_.edge_appliance_user;
    spec.appliance_password = config_.edge_appliance_password;
  }
  return spec;
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
  auto edge_id = vcns_.DeployEdge(driver::MakeEdgeDocument(EdgeSpecFor(edge_name)));
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
  if (binding && !edge_id) {
    // No edge recorded (deploy never finished): one may still exist under the router's name.
    NSXV_RETURN_IF_ERROR(RemoveEdgeByName(BuildLrouterName(router.name, router.id)));
  }
  if (edge_id) {
    store::RouterBindingUpdate pending;
    pending.status = store::kStatusPendingDelete;
    NSXV_RETURN_IF_ERROR(store::UpdateRouterBinding(ctx, id, pending));
    Status deleted = vcns_.DeleteEdge(*edge_id);  // a 404 counts as deleted
    if (!deleted.ok()) {
      store::RouterBindingUpdate error;
      error.status = store::kStatusError;
      error.status_description = std::optional<std::string>(deleted.message().substr(0, 255));
      (void)store::UpdateRouterBinding(ctx, id, error);
      return Prefixed(deleted, "deleting router " + id);
    }
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
  driver::Vnic vnic;
  vnic.index = slot->vnic_index;
  vnic.name = "internal" + std::to_string(slot->vnic_index);
  vnic.type = "internal";
  vnic.portgroup_id = wires.front();
  vnic.mtu = 1500;
  vnic.enable_proxy_arp = false;
  vnic.enable_send_redirects = true;
  vnic.is_connected = true;
  vnic.address_groups = address_groups;
  vnic.has_address_groups = true;
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
