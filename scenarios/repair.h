// Repair (`nsxv-md repair`): lists and, when asked, fixes every problem the invariant check
// (invariants.h) reports that can be fixed without guessing. The discovery and the fixes of the
// DB / edge debris are the driver's (plugin/recovery.h, shared with recovery at start); this layer
// adds the virtual wires (only with a wire lister), the routers' metadata (through the md proxy
// handler) and the final check.
//
// Kinds: the driver's (pending-bindings, orphaned-bindings, missing-edges, orphaned-edges,
// orphaned-vnics, orphaned-ports, orphaned-allocations, orphaned-internal-networks), plus
//   orphaned-wires  a backend wire in the naming scope (named as a bare network UUID, as the
//                   plugin names them) that no network maps: deleted;
//   metadata        a router edge whose metadata check fails: its LB members differ from the live
//                   proxy IPs only (fixed by one redo-config for all), or anything else (md port,
//                   inter-edge vnic, MdSrv, certificate: CleanupRouterEdge then
//                   ConfigureRouterEdge for that router). Proxy routers are init's.
//
// Order when applying: driver debris (up to two rounds, as recovery at start), wires, then
// RepairEnv::init (the md proxy's Init, when given), then metadata from a fresh check, then a
// final check. Whatever that final check still reports is in RepairReport::left with its detail:
// nothing is reported fixed that the check does not confirm.
//
// Naming scope: as plugin/recovery.h (driver naming, narrowed by edge_name_prefix). Backend
// objects outside it are never listed, fixed or checked (the checks run with
// CheckOptions::driver_naming_only), only counted.
//
// Threading: runs on the caller's thread with the caller's admin Context; the handler and plugin
// are the thread-safe driver objects.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "driver/common/status.h"
#include "driver/locking/lock.h"
#include "driver/md_proxy/md_proxy.h"
#include "driver/nsxv/api_client.h"
#include "driver/nsxv/vcns.h"
#include "driver/plugin/plugin.h"
#include "driver/store/context.h"
#include "scenarios/invariants.h"

namespace nsxv::scenarios {

inline constexpr const char* kRepairKindWires = "orphaned-wires";
inline constexpr const char* kRepairKindMetadata = "metadata";

// Every kind name, in fix order.
std::vector<std::string> RepairKinds();

struct RepairOptions {
  bool apply = false;              // false: list only (no change anywhere)
  std::vector<std::string> kinds;  // names from RepairKinds(); empty: all
  std::string edge_name_prefix;    // narrows the naming scope
  WireLister list_virtual_wires;   // unset: wires are neither listed nor fixed
};

struct RepairEnv {
  store::Context& ctx;  // admin Context of the calling thread
  const driver::Vcns& vcns;
  plugin::Plugin& plugin;
  locking::LockProvider& locks;
  const md_proxy::MdProxyConfig& md;
  // Null: metadata items are listed but not fixed ("needs the metadata handler").
  md_proxy::MetadataProxyHandler* handler = nullptr;
  // Called once after the debris fixes when applying (the md proxy's Init); unset: not called.
  std::function<Status()> init;
  // Deletes a backend virtual wire (Vcns::DeleteVirtualWire when unset).
  std::function<Status(const std::string&)> delete_wire;
};

struct RepairItem {
  std::string kind;
  std::string object;
  std::string detail;
  std::string action;
  std::string outcome;  // "found" (listing), "fixed", "failed", "unfixable"
  std::string error;    // failed / unfixable: the reason, one line
};

struct RepairReport {
  bool applied = false;
  std::vector<RepairItem> items;
  // Listing: violations of the check that no item covers; applying: every violation of the final
  // check. Each one is something repair could not fix.
  std::vector<Violation> left;
  CheckReport check;      // listing: the check of the state; applying: the final check
  int foreign_edges = 0;  // backend edges outside the naming scope (left alone)
  bool init_failed = false;
  std::string init_error;
  int Count(const std::string& outcome) const;
  // Nothing left: no failed or unfixable item, and (applying) the final check is clean /
  // (listing) nothing found.
  bool clean() const;
};

// kInvalidArgument naming an unknown kind (and listing the valid ones).
Status ValidateRepairKinds(const std::vector<std::string>& kinds);

// Fails only when the state cannot be read (DB, edge list, wire lister) or a kind is unknown.
Result<RepairReport> Repair(const RepairEnv& env, const RepairOptions& options);

// The virtual wires of a fake manager read over its admin API (GET /__fake/state). The lister
// returns the call's error when the manager is not a fake (a real manager answers 404).
WireLister FakeAdminWires(const driver::ApiClient& client);

}  // namespace nsxv::scenarios
