// Helpers shared by the metadata-proxy handler's source files (md_proxy.cc: lifecycle, Init and
// the internal network; md_proxy_proxy_edges.cc: the proxy-edge pool; md_proxy_specs.cc: LB specs
// and address groups; md_proxy_router.cc: router edges and admin operations). Not part of the
// handler's interface. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "driver/common/status.h"
#include "driver/nsxv/loadbalancer.h"

namespace nsxv::md_proxy::internal {

inline constexpr const char* kIncomplete =
    "Metadata initialization is incomplete on initializer node";

// NSX errorCode "Edge is not running" (powered off).
inline constexpr int kNsxEdgeNotRunning = 10013;

// `s` with "what: " before its message (HTTP status and NSX errorCode kept); OK stays OK.
inline Status Annotate(const Status& s, const std::string& what) {
  if (s.ok()) return s;
  Status out(s.code(), what + ": " + s.message());
  out.WithHttp(s.http_status(), s.nsx_error_code());
  return out;
}

// The non-initializer drift error (kFailedPrecondition), naming `what`.
inline Status Incomplete(const std::string& what) {
  return {StatusCode::kFailedPrecondition, std::string(kIncomplete) + " (" + what + ")"};
}

// The refusal to write an md LB without members, naming what was refused and, from `pool` (the
// last Init's PoolStatus), why the pool is empty.
inline Status NoLiveProxy(const std::string& what, const Status& pool) {
  std::string msg = "no live metadata proxy edge: " + what +
                    " refused (an md LB is never written without members)";
  if (!pool.ok()) msg += "; " + pool.message();
  return {StatusCode::kFailedPrecondition, msg};
}

// Sort key of an IPv4 address (numeric value, then text for an unparsable one).
std::pair<uint32_t, std::string> IpKey(const std::string& ip);
// IPv4 addresses in numeric order (deterministic documents), duplicates removed.
std::vector<std::string> SortedIps(std::vector<std::string> ips);
// The elements of `a` not in `b`, in the order of `a`.
std::vector<std::string> Minus(const std::vector<std::string>& a,
                               const std::vector<std::string>& b);
// Netmask of an address group: subnetMask, else derived from subnetPrefixLength; "" when neither.
std::string GroupNetmask(const driver::AddressGroup& g);
// Makes the pool's members exactly `ips` on `port`: members whose address stays keep every field
// (name, weight, condition, extra) except the ports; stale ones are removed; new ones get the
// lowest free "Member-<n>" name. Returns true when anything changed.
bool ReconcileMembers(driver::LbPool& pool, const std::vector<std::string>& ips, int64_t port);

}  // namespace nsxv::md_proxy::internal
