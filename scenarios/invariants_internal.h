// Shared between invariants.cc (routers, proxy and router edges, certificates) and
// invariants_orphans.cc (the DB-side orphans and half-created invariants, virtual wires). Not part
// of the scenarios API.
#pragma once

#include <optional>
#include <string>

#include "driver/common/status.h"
#include "driver/plugin/recovery.h"
#include "driver/store/context.h"
#include "scenarios/invariants.h"

namespace nsxv::scenarios::internal {

// Counts one check; records a violation when !ok.
inline void Expect(CheckReport& report, bool ok, const std::string& invariant,
                   const std::string& object, const std::string& detail) {
  ++report.checks;
  if (!ok) report.violations.push_back({invariant, object, detail});
}

// Whether a backend object named `name` is within the prefix scope of `options`.
inline bool InScope(const CheckOptions& options, const std::optional<std::string>& name,
                    bool wire = false) {
  if (options.driver_naming_only) {
    if (!name) return false;
    const bool driver_named = wire ? plugin::IsUuidText(*name) : plugin::IsDriverEdgeName(*name);
    if (!driver_named) return false;
  }
  if (options.edge_name_prefix.empty()) return true;
  return name && name->rfind(options.edge_name_prefix, 0) == 0;
}

// Evaluates the IPAM, vnic-slot, network / virtual-wire and port invariants of the header comment
// (invariants "orphans" and "half-created") and fills the networks, ports, allocations and wire
// counts of `report`. Fails only when the DB or the wire lister cannot be read.
Status CheckStoreInvariants(store::Context& ctx, const CheckOptions& options, CheckReport& report);

}  // namespace nsxv::scenarios::internal
