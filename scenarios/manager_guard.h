// The safety check of a run against a real manager, made before the run creates anything: the
// manager must not already hold an edge the run's metadata proxy would collide with. A second
// proxy edge with a production management IP is an address conflict on a live network, and a
// proxy router of the driver's name that another deployment owns would be adopted or replaced.
//
// Threading: a free function; it issues its reads on the calling thread.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "driver/common/status.h"
#include "driver/nsxv/vcns.h"

namespace nsxv::scenarios {

struct ManagerGuardInput {
  std::string url;                       // for the message
  std::vector<std::string> proxy_ips;    // [nsxv] mgt_net_proxy_ips of every node
  std::set<std::string> owned_edge_ids;  // edges the run's database binds (may be empty)
};

// FailedPrecondition naming the edge and the cause when the manager lists an edge, not in
// owned_edge_ids, that (a) has a vnic address (primary or secondary) equal to one of
// proxy_ips, or (b) is named like the driver's proxy routers ("metadata_proxy_router-...").
// A read error is returned as it is: the run does not start on a manager it cannot inspect.
Status CheckManagerIsFree(const driver::Vcns& vcns, const ManagerGuardInput& input);

// The edge ids bound to routers in the database at `db_path`; empty when the file is absent.
Result<std::set<std::string>> OwnedEdgeIds(const std::string& db_path);

}  // namespace nsxv::scenarios
