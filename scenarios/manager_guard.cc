#include "scenarios/manager_guard.h"

#include <algorithm>
#include <filesystem>

#include "driver/md_proxy/md_proxy.h"
#include "driver/store/nsxv_db.h"

namespace nsxv::scenarios {
namespace {

Status Refuse(const ManagerGuardInput& input, const std::string& what) {
  return Status(StatusCode::kFailedPrecondition,
                "refusing to run against the NSX manager at " + input.url + ": " + what +
                    ", and the run's database does not own it; remove it, or give [nsxv] "
                    "settings (mgt_net_proxy_ips) of a management network no deployment uses");
}

}  // namespace

Status CheckManagerIsFree(const driver::Vcns& vcns, const ManagerGuardInput& input) {
  NSXV_ASSIGN_OR_RETURN(const auto edges, vcns.ListEdges());
  const std::string proxy_name = std::string(md_proxy::kProxyRouterName) + "-";
  for (const auto& summary : edges) {
    if (input.owned_edge_ids.count(summary.id) != 0) continue;
    const std::string name = summary.name.value_or("");
    if (name.rfind(proxy_name, 0) == 0) {
      return Refuse(input, "edge " + summary.id + " (" + name +
                               ") is a metadata proxy router of the driver's name");
    }
    if (input.proxy_ips.empty()) continue;
    NSXV_ASSIGN_OR_RETURN(const driver::EdgeDocument edge, vcns.GetEdge(summary.id));
    for (const driver::Vnic& vnic : edge.vnics) {
      for (const driver::AddressGroup& group : vnic.address_groups) {
        std::vector<std::string> addresses = {group.primary_address};
        if (group.secondary_addresses) {
          addresses.insert(addresses.end(), group.secondary_addresses->ip_address.begin(),
                           group.secondary_addresses->ip_address.end());
        }
        for (const std::string& ip : addresses) {
          if (std::find(input.proxy_ips.begin(), input.proxy_ips.end(), ip) ==
              input.proxy_ips.end()) {
            continue;
          }
          return Refuse(input, "edge " + summary.id + " (" + name + ") has vnic " +
                                   std::to_string(vnic.index) + " on " + ip +
                                   ", one of [nsxv] mgt_net_proxy_ips");
        }
      }
    }
  }
  return Status::Ok();
}

Result<std::set<std::string>> OwnedEdgeIds(const std::string& db_path) {
  std::set<std::string> ids;
  std::error_code ec;
  if (!std::filesystem::exists(db_path, ec)) return ids;
  store::ContextOptions options;
  options.path = db_path;
  options.is_admin = true;
  options.tenant_id = md_proxy::kInternalTenantId;
  NSXV_ASSIGN_OR_RETURN(auto ctx, store::Context::Open(options));
  NSXV_ASSIGN_OR_RETURN(const auto bindings, store::GetRouterBindings(*ctx));
  for (const auto& b : bindings) {
    if (b.edge_id) ids.insert(*b.edge_id);
  }
  return ids;
}

}  // namespace nsxv::scenarios
