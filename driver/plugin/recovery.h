// Crash recovery and repair of the plugin's state: finds what a crashed (or killed) process, a
// failed rollback or a manager changed behind the driver's back leaves in the DB and on the
// manager, and fixes each item without guessing. Used by the md proxy's Init() on the
// initializer ("recovery at start") and by the scenarios layer's Repair() (`nsxv-md repair`),
// which share FindDebris() and FixDebris().
//
// Kinds (DebrisKind, the names `nsxv-md repair` takes):
//  pending-bindings            a router's binding is PENDING_CREATE or ERROR: the edge is adopted
//                              when the manager has one (the recorded edge id, else the one with
//                              the router's unique name BuildLrouterName()), otherwise the
//                              half-created router is removed; PENDING_DELETE: the delete is
//                              finished (edge, then rows).
//  orphaned-bindings           a binding whose router row is gone: its edge (when no other binding
//                              names it and it is in the naming scope) and its vnic slots are
//                              deleted, then the binding.
//  orphaned-edges              an edge in the naming scope that no binding names and whose name is
//                              not the unique name of a router still waiting for its edge.
//  missing-edges               an ACTIVE binding names an edge the manager does not have: a new
//                              edge is deployed for the router (or one with its unique name is
//                              adopted) and bound; its metadata must then be configured again
//                              (the repair layer does that). Not part of recovery at start.
//  orphaned-vnics              vnic-slot rows of an edge no binding names.
//  orphaned-ports              router-owned ports (interface, gateway, md interface) of a router
//                              that does not exist; their IP allocations go with them.
//  orphaned-allocations        ipallocations rows whose port or subnet does not exist.
//  orphaned-internal-networks  nsxv_internal_networks rows without their network.
//
// Naming scope (what may be deleted on the manager): an edge is the driver's when its name has
// the form BuildLrouterName() makes, "<router name>-<router uuid>" (a lowercase 8-4-4-4-12 hex
// UUID after the last-but-four '-'), and, when RecoveryOptions::edge_name_prefix is set, starts
// with that prefix. Other edges are never listed nor deleted. A manager shared with another
// Neutron NSX-v plugin uses the same naming: give a prefix there. An edge a binding names is
// never deleted while the binding exists, and a router never ends with two edges: after an
// adoption the other edges with its unique name are orphans and go in the next round.
//
// Concurrency: a create holds the router's lock (EdgeLockName(router id)) from its
// PENDING_CREATE rows until it returns, so a pending binding whose lock another process holds is
// skipped ("in progress"), and HostLockProvider's flock is released when a process dies, so the
// binding of a killed create is recovered. Each fix runs on the caller's thread with the caller's
// admin Context. REQUIRES: no transaction open on the Context.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "driver/common/status.h"
#include "driver/locking/lock.h"
#include "driver/nsxv/vcns.h"
#include "driver/plugin/plugin.h"
#include "driver/store/context.h"

namespace nsxv::plugin {

enum class DebrisKind {
  kPendingBinding,
  kOrphanedBinding,
  kOrphanedEdge,
  kMissingEdge,
  kOrphanedVnics,
  kOrphanedPort,
  kOrphanedAllocation,
  kOrphanedInternalNetwork,
};

// "pending-bindings", "orphaned-edges", ... (the names in the header comment).
const char* DebrisKindName(DebrisKind kind);
// All kinds, in fix order.
const std::vector<DebrisKind>& AllDebrisKinds();
// kInvalidArgument naming the kind and listing the valid ones.
Result<DebrisKind> ParseDebrisKind(std::string_view name);

// Whether `name` has the form "<router name>-<uuid>" of BuildLrouterName().
bool IsDriverEdgeName(std::string_view name);
// Whether `text` is a lowercase 8-4-4-4-12 hex UUID (as NewUuid() makes).
bool IsUuidText(std::string_view text);

struct Debris {
  DebrisKind kind = DebrisKind::kOrphanedEdge;
  std::string object;  // "router <id> (edge-7)", "edge edge-12 (<name>)", "port <id>", ...
  std::string detail;  // what is wrong, one line
  std::string action;  // what the fix does, one line
  // Identifiers of the objects concerned (only those of its kind are set; a pending binding
  // names the edge it would adopt).
  std::string router_id;
  std::string edge_id;
  std::string port_id;
  std::string subnet_id;
  std::string ip_address;
  std::string purpose;
};

struct RecoveryOptions {
  // Narrows the naming scope (see the header comment); empty: every driver-named edge.
  std::string edge_name_prefix;
  // Kinds to look for; empty: all.
  std::vector<DebrisKind> kinds;
  // Counts edges outside the naming scope.
  bool count_foreign = true;
};

struct DebrisList {
  std::vector<Debris> items;  // in fix order
  int foreign_edges = 0;      // backend edges outside the naming scope (left alone)
};

// Reads the DB (one Context) and the manager's edge list; changes nothing. Fails only when one of
// them cannot be read.
Result<DebrisList> FindDebris(store::Context& ctx, const driver::Vcns& vcns,
                              const RecoveryOptions& options);

// Fixes one item found by FindDebris (it re-reads what it changes, so an item fixed meanwhile is
// not an error). kUnavailable "in progress" when a pending binding's router lock is held by
// another holder; the error of the failed step otherwise.
Status FixDebris(store::Context& ctx, const driver::Vcns& vcns, Plugin& plugin,
                 locking::LockProvider& locks, const Debris& item);

struct RecoveryItem {
  Debris debris;
  bool fixed = false;
  std::string error;  // one line when not fixed
};

struct RecoveryReport {
  std::vector<RecoveryItem> items;
  int fixed() const;
  int failed() const;
};

// Recovery at start: every kind except missing-edges, up to two rounds (the second removes the
// duplicates an adoption leaves). Fails only when the state cannot be read; each item that could
// not be fixed is in the report with its error.
Result<RecoveryReport> RecoverAtStart(store::Context& ctx, const driver::Vcns& vcns, Plugin& plugin,
                                      locking::LockProvider& locks);

}  // namespace nsxv::plugin
