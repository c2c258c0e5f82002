// Port of vmware_nsx/db/nsxv_db.py (the helpers the metadata flow and the router lifecycle use).
//
// Free functions over a store::Context, named after the Python helpers: AddRouterBinding for
// add_nsxv_router_binding, AllocateEdgeVnic for allocate_edge_vnic, and so on. Lookups that may
// find nothing return std::optional (Python returned None or an empty list); updates of a row
// that must exist return kNotFound naming the key (Python's `.one()` raised).
//
// Threading: as the Context (one thread). Every multi-row change runs in one transaction, which
// joins the caller's transaction as a savepoint when one is open.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "driver/common/status.h"
#include "driver/store/context.h"

namespace nsxv::store {

inline constexpr const char* kInterEdgePurpose = "inter_edge_net";

// Router binding statuses (neutron_lib constants).
inline constexpr const char* kStatusPendingCreate = "PENDING_CREATE";
inline constexpr const char* kStatusPendingUpdate = "PENDING_UPDATE";
inline constexpr const char* kStatusPendingDelete = "PENDING_DELETE";
inline constexpr const char* kStatusActive = "ACTIVE";
inline constexpr const char* kStatusError = "ERROR";

// Vnic slots per edge (MAX_VNIC_NUM = 10; vnic 0 is the external uplink).
inline constexpr int kMaxVnicNum = 10;

struct RouterBinding {
  std::string router_id;
  std::optional<std::string> edge_id;
  std::optional<std::string> lswitch_id;
  std::string status;
  std::optional<std::string> status_description;
  std::optional<std::string> appliance_size;  // compact | large | xlarge | quadlarge
  std::optional<std::string> edge_type;       // service | vdr
  std::optional<std::string> availability_zone;
  bool operator==(const RouterBinding&) const = default;
};

struct EdgeVnicBinding {
  std::string edge_id;
  int vnic_index = 0;
  int tunnel_index = 0;
  std::optional<std::string> network_id;
  bool operator==(const EdgeVnicBinding&) const = default;
};

struct InternalEdge {
  std::string ext_ip_address;
  std::optional<std::string> router_id;
  std::optional<std::string> purpose;
  bool operator==(const InternalEdge&) const = default;
};

// ---- nsxv_router_bindings ----

// add_nsxv_router_binding. kAlreadyExists when the router already has a binding.
Status AddRouterBinding(Context& ctx, const RouterBinding& binding);
Result<std::optional<RouterBinding>> GetRouterBinding(Context& ctx, const std::string& router_id);
// get_nsxv_router_binding_by_edge (first by router_id) and get_nsxv_router_bindings_by_edge.
Result<std::optional<RouterBinding>> GetRouterBindingByEdge(Context& ctx,
                                                            const std::string& edge_id);
Result<std::vector<RouterBinding>> GetRouterBindingsByEdge(Context& ctx,
                                                           const std::string& edge_id);
Result<std::vector<RouterBinding>> GetRouterBindings(Context& ctx);

// update_nsxv_router_binding: the fields that are set are written.
struct RouterBindingUpdate {
  std::optional<std::optional<std::string>> edge_id;
  std::optional<std::string> status;
  std::optional<std::optional<std::string>> status_description;
  std::optional<std::optional<std::string>> appliance_size;
};
Status UpdateRouterBinding(Context& ctx, const std::string& router_id,
                           const RouterBindingUpdate& update);
// delete_nsxv_router_binding: deleting a missing row is not an error.
Status DeleteRouterBinding(Context& ctx, const std::string& router_id);
// clean_edge_router_binding: deletes every binding of the edge.
Status CleanEdgeRouterBinding(Context& ctx, const std::string& edge_id);

// ---- nsxv_edge_vnic_bindings ----

// init_edge_vnic_binding: for vnic 1..9, tunnel indexes (v-1)*T+1 .. v*T, all free.
// `max_tunnels` is maximum_tunnels_per_vnic (values outside 1..109 fall back to 10, as
// vmware_nsx/plugins/nsx_v/vshield/edge_utils.py does). Idempotent.
Status InitEdgeVnicBinding(Context& ctx, const std::string& edge_id, int max_tunnels);
// The effective tunnels-per-vnic for a configured value (see above).
int EffectiveMaxTunnels(int configured);

// allocate_edge_vnic: binds `network_id` to the first free slot with tunnel_index % T == 1 and
// returns it. kResourceExhausted naming the edge when none is free.
// FIX (§6.4 "first row, in unspecified query order"): the slot is chosen in deterministic order
// (lowest vnic_index, then tunnel_index), so the first internal interface is always vnic 1.
Result<EdgeVnicBinding> AllocateEdgeVnic(Context& ctx, const std::string& edge_id,
                                         const std::string& network_id, int max_tunnels);
// get_edge_vnic_binding: the (first, deterministic) slot bound to the network on the edge.
Result<std::optional<EdgeVnicBinding>> GetEdgeVnicBinding(Context& ctx, const std::string& edge_id,
                                                          const std::string& network_id);
// get_edge_vnic_bindings_by_edge: the bound slots (network_id NOT NULL).
Result<std::vector<EdgeVnicBinding>> GetEdgeVnicBindingsByEdge(Context& ctx,
                                                               const std::string& edge_id);
// get_edge_vnic_bindings_by_int_lswitch.
Result<std::vector<EdgeVnicBinding>> GetEdgeVnicBindingsByIntLswitch(Context& ctx,
                                                                     const std::string& network_id);
// free_edge_vnic_by_network: sets the slots of the network on the edge free again.
Status FreeEdgeVnicByNetwork(Context& ctx, const std::string& edge_id,
                             const std::string& network_id);
// clean_edge_vnic_binding: deletes every slot of the edge.
Status CleanEdgeVnicBinding(Context& ctx, const std::string& edge_id);
Result<int64_t> CountEdgeVnicBindings(Context& ctx, const std::string& edge_id);

// ---- nsxv_internal_networks ----

// create_nsxv_internal_network. kAlreadyExists if the purpose already has a row (the purpose is
// the whole primary key, §6.1).
Status CreateNsxvInternalNetwork(Context& ctx, const std::string& purpose,
                                 const std::string& network_id);
// get_nsxv_internal_network (Python returned a list; at most one row exists).
Result<std::optional<std::string>> GetNsxvInternalNetwork(Context& ctx, const std::string& purpose);
Status DeleteNsxvInternalNetwork(Context& ctx, const std::string& purpose);
// True if the network is an internal (metadata) network.
Result<bool> IsNsxvInternalNetwork(Context& ctx, const std::string& network_id);

// ---- nsxv_internal_edges ----

Status CreateNsxvInternalEdge(Context& ctx, const std::string& ext_ip, const std::string& purpose,
                              const std::string& router_id);
Result<std::optional<InternalEdge>> GetNsxvInternalEdge(Context& ctx, const std::string& ext_ip);
// Sorted by ext_ip_address (deterministic; Python's order was unspecified).
Result<std::vector<InternalEdge>> GetNsxvInternalEdgesByPurpose(Context& ctx,
                                                                const std::string& purpose);
// 2019 get_nsxv_internal_edge_by_router.
Result<std::optional<InternalEdge>> GetNsxvInternalEdgeByRouter(Context& ctx,
                                                                const std::string& router_id);
Status UpdateNsxvInternalEdge(Context& ctx, const std::string& ext_ip,
                              const std::string& router_id);
Status DeleteNsxvInternalEdge(Context& ctx, const std::string& ext_ip);

// ---- neutron_nsx_network_mappings ----

Status AddNetworkMapping(Context& ctx, const std::string& neutron_id, const std::string& nsx_id,
                         const std::optional<std::string>& dvs_id = std::nullopt);
// The backend ids of a network, sorted.
Result<std::vector<std::string>> GetNsxSwitchIds(Context& ctx, const std::string& neutron_id);

}  // namespace nsxv::store
