// Port of the parts of vmware_nsx/plugins/nsx_v/plugin.py (NsxVPluginV2) and its exclusive-router
// driver that the metadata-proxy flow calls: networks (backed by virtual wires), subnets, ports
// with IPAM, exclusive routers (each deploys one NSX edge), and the edge updates of
// edge_utils.py / edge_appliance_driver.py (routes §1.11, vnics §1.9, firewall §1.14).
//
// Consistency rules (checked by the fail-matrix tests against the fake NSX manager):
//  - create_router: holds the router's lock (EdgeLockName(router id)) until it returns, so
//    recovery (recovery.h) can tell a live create from a killed one; router row + binding
//    PENDING_CREATE are committed first; the edge is deployed; then binding ACTIVE + vnic slots +
//    router ACTIVE are committed in one transaction. Any failure removes the edge (if one was
//    created, found by its unique name) and the rows: no binding, no router, no edge is left
//    behind.
//  - delete_router: the edge is deleted first (404 counts as gone); only then are the router's
//    ports, vnic slots, binding and row removed in one transaction. A failed backend delete marks
//    the binding ERROR and leaves the rest, so a rerun converges.
//  - create_network: the virtual wire is created, then the rows; a DB failure deletes the wire.
//    delete_network: wire first, then rows.
//  - update_internal_interface: a freshly allocated vnic slot is freed again when the vnic PUT
//    fails.
// Metadata objects (the internal network, its subnets and ports, and routers registered in
// nsxv_internal_edges) cannot be deleted unless `allow_delete_internal` is passed (upstream
// 75bf6bdef): kPermissionDenied naming the object.
//
// Visibility: a non-admin Context sees and changes only its tenant's objects (others are
// kNotFound); an admin (or elevated) Context sees all.
//
// Errors: one-line Status naming the input (kInvalidArgument, kNotFound, kAlreadyExists,
// kFailedPrecondition, kResourceExhausted, kPermissionDenied) or the backend's Status.
//
// Threading: a Plugin is thread-safe (it holds only immutable configuration and thread-safe
// collaborators); each call uses the caller's Context, which belongs to the calling thread.
// REQUIRES: no transaction is open on the Context (calls include backend requests).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driver/common/status.h"
#include "driver/locking/lock.h"
#include "driver/nsxv/documents.h"
#include "driver/nsxv/vcns.h"
#include "driver/store/context.h"
#include "driver/store/neutron_db.h"
#include "driver/store/nsxv_db.h"

namespace nsxv::plugin {

// The [nsxv] options of reference §5.2 the plugin needs (names as in nsx.ini).
struct PluginConfig {
  std::string vdn_scope_id;      // transport zone of the virtual wires
  std::string external_network;  // vnic 0 portgroup at deploy time
  std::optional<std::string> datacenter_moid;
  std::optional<std::string> deployment_container_id;
  std::optional<std::string> resource_pool_id;
  std::optional<std::string> datastore_id;
  std::optional<std::string> ha_datastore_id;
  bool edge_ha = false;
  std::string exclusive_router_appliance_size = "compact";
  std::optional<std::string> edge_appliance_user;
  std::optional<std::string> edge_appliance_password;
  int maximum_tunnels_per_vnic = 20;
  // Not an nsx.ini option: how long an operation waits for a per-edge / per-router lock.
  Duration lock_timeout = std::chrono::seconds(300);
  // Not an nsx.ini option: the MAC address generator for new ports ("fa:16:3e:xx:xx:xx").
  // Empty: random. Tests inject one that repeats an address to exercise the collision retry.
  std::function<std::string()> mac_generator;
};

// How many MAC addresses CreatePort draws before giving up on a unique-constraint collision.
inline constexpr int kMacAttempts = 16;

// Device owners (neutron_lib constants).
inline constexpr const char* kDeviceOwnerRouterInterface = "network:router_interface";
inline constexpr const char* kDeviceOwnerRouterGateway = "network:router_gateway";
inline constexpr const char* kDeviceOwnerMdInterface = "network:md_interface";

using Network = store::NetworkRow;
using Subnet = store::SubnetRow;
using Port = store::PortRow;
using Router = store::RouterRow;

struct NetworkSpec {
  std::string name;
  std::optional<std::string> tenant_id;  // nullopt: the Context's tenant
  bool admin_state_up = true;
  bool shared = false;
  bool port_security_enabled = true;
};

struct SubnetSpec {
  std::string network_id;
  std::string cidr;
  std::string name;
  std::optional<std::string> tenant_id;
  // nullopt: the first host address of the CIDR (Neutron's default). no_gateway: none.
  std::optional<std::string> gateway_ip;
  bool no_gateway = false;
  // Empty: every host address except the gateway.
  std::vector<store::AllocationPool> allocation_pools;
  bool enable_dhcp = false;
};

struct FixedIpRequest {
  std::optional<std::string> subnet_id;
  std::optional<std::string> ip_address;
};

struct PortSpec {
  std::string network_id;
  std::string name;
  std::optional<std::string> tenant_id;
  std::string device_id;
  std::string device_owner;
  bool admin_state_up = true;
  bool port_security_enabled = true;
  // nullopt: one address from the first subnet of the network that has a free one.
  std::optional<std::vector<FixedIpRequest>> fixed_ips;
};

struct RouterSpec {
  std::string name;
  std::optional<std::string> tenant_id;
  bool admin_state_up = true;
  std::string router_type = "exclusive";  // the only type supported
};

// The warning DeleteRouter appends (DeleteOptions::edge_warnings) for an edge it could not delete
// starts with this prefix followed by the edge id.
inline constexpr std::string_view kEdgeLeftWarning = "edge left on the manager: ";

struct DeleteOptions {
  bool allow_delete_internal = false;  // upstream 75bf6bdef
  // Neutron's l3_port_check: refuse deleting a router port of an existing router.
  bool l3_port_check = true;
  // DeleteRouter only. Null: an edge that refuses its DELETE fails the call and keeps the binding
  // in ERROR (a rerun retries). Set: the failure is appended here as a warning naming the edge
  // left on the manager, and the router's DB rows go anyway (the leftover is an orphaned edge in
  // the driver's naming scope, which `nsxv-md repair` removes).
  std::vector<std::string>* edge_warnings = nullptr;
};

struct ExtraRoute {
  std::string destination;  // CIDR
  std::string nexthop;
};

// A Neutron-style firewall rule (input of _convert_firewall_rule, §1.14).
struct FirewallRuleSpec {
  std::string action;  // "allow" or "deny"
  bool enabled = true;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::vector<std::string> source_ip_address;
  std::vector<std::string> source_vnic_groups;  // replaces source_ip_address when set
  std::vector<std::string> destination_ip_address;
  std::vector<std::string> destination_vnic_groups;
  std::optional<std::string> protocol;
  std::optional<std::string> source_port;       // "80", "80,443", "1000:1010"
  std::optional<std::string> destination_port;  // as above
  std::optional<std::string> icmp_type;
  std::optional<int64_t> rule_tag;
};

// §1.14 conversion. kInvalidArgument for an unknown action or a bad port string.
Result<driver::FirewallRule> ConvertFirewallRule(const FirewallRuleSpec& spec, int64_t position);
// "80", "443,80,80", "1000:1003" -> sorted unique ports; ranges are expanded (at most 1024).
Result<std::vector<int64_t>> ParsePortList(std::string_view text);
// _build_lrouter_name: name[:77 - len(id)] + "-" + id.
std::string BuildLrouterName(std::string_view router_name, std::string_view router_id);
// The deploy options of an exclusive router's edge named `edge_name` (§1.1): appliance size,
// external portgroup and placement (datacenter, container, resource pool, datastores, HA) and the
// appliance credentials (only when both are set). The one place a PluginConfig becomes an
// EdgeSpec; a caller that deploys an edge outside the plugin builds its spec here too.
driver::EdgeSpec MakeEdgeSpec(const PluginConfig& config, const std::string& edge_name);
// The options that deploying an edge needs (reference §5.2): external_network (the portgroup
// of vnic 0; NSX refuses a connected vnic without one). OK, or kInvalidArgument naming the
// missing option. Placement (datacenter_moid, resource_pool_id, datastore_id,
// deployment_container_id) stays optional: the 2016 driver sent what was set and did not
// require any of them.
Status CheckEdgeDeploymentOptions(const PluginConfig& config);
// The options that creating a network needs: vdn_scope_id (the virtual wire's transport zone).
Status CheckNetworkOptions(const PluginConfig& config);
// A random (version 4) UUID.
std::string NewUuid();

class Plugin {
 public:
  // `vcns` and `locks` must outlive the plugin.
  Plugin(const driver::Vcns& vcns, locking::LockProvider& locks, PluginConfig config);

  // ---- networks ----
  Result<Network> CreateNetwork(store::Context& ctx, const NetworkSpec& spec);
  Result<Network> GetNetwork(store::Context& ctx, const std::string& id);
  Result<std::vector<Network>> GetNetworks(store::Context& ctx, store::NetworkFilter filter);
  Status DeleteNetwork(store::Context& ctx, const std::string& id, const DeleteOptions& opts = {});

  // ---- subnets ----
  Result<Subnet> CreateSubnet(store::Context& ctx, const SubnetSpec& spec);
  Result<Subnet> GetSubnet(store::Context& ctx, const std::string& id);
  Result<std::vector<Subnet>> GetSubnets(store::Context& ctx, store::SubnetFilter filter);
  Status DeleteSubnet(store::Context& ctx, const std::string& id, const DeleteOptions& opts = {});

  // ---- ports ----
  Result<Port> CreatePort(store::Context& ctx, const PortSpec& spec);
  Result<Port> GetPort(store::Context& ctx, const std::string& id);
  Result<std::vector<Port>> GetPorts(store::Context& ctx, store::PortFilter filter);
  Status DeletePort(store::Context& ctx, const std::string& id, const DeleteOptions& opts = {});

  // ---- routers ----
  Result<Router> CreateRouter(store::Context& ctx, const RouterSpec& spec);
  Result<Router> GetRouter(store::Context& ctx, const std::string& id);
  Result<std::vector<Router>> GetRouters(store::Context& ctx, store::RouterFilter filter);
  Status DeleteRouter(store::Context& ctx, const std::string& id, const DeleteOptions& opts = {});
  // The ACTIVE edge of a router; kNotFound / kFailedPrecondition naming the router otherwise.
  Result<std::string> GetRouterEdge(store::Context& ctx, const std::string& router_id);

  // ---- edge updates (per-edge lock held for each) ----
  // §1.11: default route via `gateway` ("10.0.0.1" or "10.0.0.1/24"; nullopt removes it) plus
  // extra routes on vnic 1. The 2016 code swallowed failures; here they are returned and the
  // caller decides (the md flow logs them).
  Status UpdateRoutes(store::Context& ctx, const std::string& router_id,
                      const std::optional<std::string>& gateway,
                      const std::vector<ExtraRoute>& routes = {});
  // §1.9 item 1: PUT vnic `index` with one address group (index 0: the external uplink).
  Status UpdateInterface(store::Context& ctx, const std::string& router_id, int index,
                         const std::string& portgroup_id, const std::string& address,
                         const std::string& netmask,
                         const std::vector<std::string>& secondary = {});
  // §1.9 item 2: resolves the network's virtual wire, takes (or reuses) a vnic slot of the edge
  // for the network and PUTs the internal vnic with `address_groups`. Returns the vnic index.
  Result<int> UpdateInternalInterface(store::Context& ctx, const std::string& router_id,
                                      const std::string& network_id,
                                      const std::vector<driver::AddressGroup>& address_groups);
  // §1.14: converts the rules, appends the allow-external rule if asked, PUTs the firewall
  // config and reads it back (as the 2016 driver does).
  Status UpdateFirewall(store::Context& ctx, const std::string& router_id,
                        const std::vector<FirewallRuleSpec>& rules, bool allow_external);

  const PluginConfig& config() const { return config_; }

 private:
  std::optional<std::string> Tenant(store::Context& ctx,
                                    const std::optional<std::string>& requested) const;
  Status CheckVisible(store::Context& ctx, const std::optional<std::string>& owner) const;
  Status RemoveEdgeByName(const std::string& edge_name) const;

  const driver::Vcns& vcns_;
  locking::LockProvider& locks_;
  const PluginConfig config_;
};

}  // namespace nsxv::plugin
