// Invariant check of the driver's DB against the NSX backend (nsxv-md check, and the last step of
// nsxv-md demo). It only reads: DB rows through one Context, the backend through Vcns GETs.
//
// Invariants (each evaluated instance counts as one check):
//  routers   every router row has one ACTIVE binding with an edge id, the edge exists on the
//            backend, and no other router is bound to it;
//  orphans   every backend edge is bound to a router; every binding has a router; every port of a
//            router device owner (interface, gateway, md interface) belongs to an existing router;
//  proxy     the proxy edges in nsxv_internal_edges are exactly mgt_net_proxy_ips; each has one
//            md port on the internal network, vnic 0 on mgt_net_moid with its IP and netmask, the
//            inter-edge vnic with the md port's IP, the default route of mgt_net_default_gateway
//            (none when unset), an LB virtual server MdSrv on the md port's IP and
//            nova_metadata_port whose members are nova_metadata_ips, and a firewall rule that
//            accepts 169.254.128.0/17;
//  routers'  every other router edge (when metadata is enabled) has one md port, an inter-edge
//  md        vnic with the 169.254.169.254 secondary, and an MdSrv virtual server on
//            169.254.169.254 whose members are the live proxy IPs (the proxy edges' md port IPs).
//
// Threading: runs on the caller's thread with the caller's Context (an admin Context).
#pragma once

#include <string>
#include <vector>

#include "driver/common/status.h"
#include "driver/md_proxy/md_proxy.h"
#include "driver/nsxv/vcns.h"
#include "driver/store/context.h"

namespace nsxv::scenarios {

struct Violation {
  std::string invariant;  // "routers", "orphans", "proxy", "router-md"
  std::string object;     // "router 3f2a… (edge-7)", "edge-12", "port …"
  std::string detail;     // one line
};

struct CheckReport {
  int checks = 0;  // instances evaluated
  std::vector<Violation> violations;
  int routers = 0;        // router rows (proxy routers included)
  int proxy_edges = 0;    // nsxv_internal_edges rows
  int router_edges = 0;   // routers with metadata checked
  int backend_edges = 0;  // edges listed by the manager
  std::vector<std::string> live_proxy_ips;
  bool ok() const { return violations.empty(); }
  int passed() const { return checks - static_cast<int>(violations.size()); }
};

// Fails (Status) only when the DB or the backend cannot be read at all; each broken invariant is
// a Violation in the report.
Result<CheckReport> CheckInvariants(store::Context& ctx, const driver::Vcns& vcns,
                                    const md_proxy::MdProxyConfig& md);

}  // namespace nsxv::scenarios
