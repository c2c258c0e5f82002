// Rows of the minimal Neutron core the metadata flow needs (networks, subnets with allocation
// pools, ports with fixed IPs, routers) and their SQL. No validation beyond the schema's keys:
// the plugin layer (driver/plugin) validates input and owns the semantics.
//
// Threading: as the Context (one thread). Multi-row writes run in one transaction (a savepoint
// inside the caller's transaction, when one is open).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "driver/common/status.h"
#include "driver/store/context.h"

namespace nsxv::store {

struct NetworkRow {
  std::string id;
  std::optional<std::string> tenant_id;
  std::string name;
  bool admin_state_up = true;
  bool shared = false;
  bool port_security_enabled = true;
  std::string status = "ACTIVE";
  bool operator==(const NetworkRow&) const = default;
};

struct AllocationPool {
  std::string start;
  std::string end;
  bool operator==(const AllocationPool&) const = default;
};

struct SubnetRow {
  std::string id;
  std::string network_id;
  std::optional<std::string> tenant_id;
  std::string name;
  int ip_version = 4;
  std::string cidr;
  std::optional<std::string> gateway_ip;
  bool enable_dhcp = false;
  std::vector<AllocationPool> allocation_pools;  // ordered by first address
  bool operator==(const SubnetRow&) const = default;
};

struct FixedIp {
  std::string subnet_id;
  std::string ip_address;
  bool operator==(const FixedIp&) const = default;
};

struct PortRow {
  std::string id;
  std::string network_id;
  std::optional<std::string> tenant_id;
  std::string name;
  std::string mac_address;
  bool admin_state_up = true;
  bool port_security_enabled = true;
  std::string device_id;
  std::string device_owner;
  std::string status = "ACTIVE";
  std::vector<FixedIp> fixed_ips;  // ordered by subnet creation, then address
  bool operator==(const PortRow&) const = default;
};

struct RouterRow {
  std::string id;
  std::optional<std::string> tenant_id;
  std::string name;
  bool admin_state_up = true;
  std::string status;
  std::string router_type = "exclusive";
  bool operator==(const RouterRow&) const = default;
};

// Filters: every field that is set must match (a list matches any of its values), like
// Neutron's get_ports(filters=...). An empty list matches nothing.
struct PortFilter {
  std::optional<std::vector<std::string>> id;
  std::optional<std::vector<std::string>> network_id;
  std::optional<std::vector<std::string>> device_id;
  std::optional<std::vector<std::string>> device_owner;
  std::optional<std::string> tenant_id;
};
struct NetworkFilter {
  std::optional<std::vector<std::string>> id;
  std::optional<std::vector<std::string>> name;
  std::optional<std::string> tenant_id;
};
struct SubnetFilter {
  std::optional<std::vector<std::string>> id;
  std::optional<std::vector<std::string>> network_id;
  std::optional<std::string> tenant_id;
};
struct RouterFilter {
  std::optional<std::vector<std::string>> id;
  std::optional<std::vector<std::string>> name;
  std::optional<std::string> tenant_id;
};

// ---- networks ----
Status InsertNetwork(Context& ctx, const NetworkRow& row);
Result<std::optional<NetworkRow>> GetNetworkRow(Context& ctx, const std::string& id);
Result<std::vector<NetworkRow>> ListNetworkRows(Context& ctx, const NetworkFilter& filter);
Status DeleteNetworkRow(Context& ctx, const std::string& id);  // subnets cascade

// ---- subnets ----
// Inserts the subnet and its pools; `pool_ranges` are [first, last] integer addresses parallel
// to row.allocation_pools. The IPAM cursor starts at the first pool's first address.
Status InsertSubnet(Context& ctx, const SubnetRow& row,
                    const std::vector<std::pair<uint32_t, uint32_t>>& pool_ranges);
Result<std::optional<SubnetRow>> GetSubnetRow(Context& ctx, const std::string& id);
// Ordered by creation.
Result<std::vector<SubnetRow>> ListSubnetRows(Context& ctx, const SubnetFilter& filter);
Status DeleteSubnetRow(Context& ctx, const std::string& id);
Result<int64_t> CountAllocations(Context& ctx, const std::string& subnet_id);

// ---- ports ----
Status InsertPort(Context& ctx, const PortRow& row);  // fixed_ips are ignored (see ipam.h)
Result<std::optional<PortRow>> GetPortRow(Context& ctx, const std::string& id);
// Ordered by creation.
Result<std::vector<PortRow>> ListPortRows(Context& ctx, const PortFilter& filter);
// Deletes the port; its IP allocations go with it (ON DELETE CASCADE).
Status DeletePortRow(Context& ctx, const std::string& id);

// ---- routers ----
Status InsertRouter(Context& ctx, const RouterRow& row);
Result<std::optional<RouterRow>> GetRouterRow(Context& ctx, const std::string& id);
Result<std::vector<RouterRow>> ListRouterRows(Context& ctx, const RouterFilter& filter);
Status UpdateRouterStatus(Context& ctx, const std::string& id, const std::string& status);
Status DeleteRouterRow(Context& ctx, const std::string& id);

}  // namespace nsxv::store
