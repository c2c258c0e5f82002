// Invariant check of the driver's DB against the NSX backend (nsxv-md check, the last step of
// nsxv-md demo, and the scenario runner). It only reads: DB rows through one Context (including
// raw SELECTs of ipallocations and nsxv_edge_vnic_bindings), the backend through Vcns GETs and,
// when CheckOptions::list_virtual_wires is set, that lister.
//
// Invariants (each evaluated instance counts as one check):
//  routers   every router row has a binding; an ACTIVE binding has an edge id, the edge exists on
//            the backend, and no other router is bound to it;
//  orphans   every backend edge is bound to a router; every binding has a router; every port of a
//            router device owner (interface, gateway, md interface) belongs to an existing router;
//            every ipallocations row belongs to an existing port that lists it as a fixed IP, on
//            the port's network (one check per row), and every fixed IP of a port has its row
//            (one check per fixed IP; the schema derives fixed IPs from the rows, so this holds
//            by construction and guards the join); the vnic-slot rows of each edge refer to an
//            edge some router binding names (one check per edge); with a wire lister, every
//            network row's virtual wire exists on the backend and every backend wire belongs to
//            a network row; the truststore of every router edge with metadata holds, in HTTPS
//            mode (metadata_insecure = false), exactly the certificate the MdSrv clientSsl names
//            (exactly one certificate when the LB or its reference cannot be read) and, in
//            insecure mode, none; proxy edges hold none (the md proxy never makes one there);
//  half-     every router binding is ACTIVE; every network row has a virtual wire id (a network
//  created   mapping); every port on a network with subnets has at least one fixed IP (a port
//            deliberately made with fixed_ips = [] is reported too: no driver flow makes one);
//  proxy     the proxy edges in nsxv_internal_edges are exactly mgt_net_proxy_ips; each has one
//            md port on the internal network, vnic 0 on mgt_net_moid with its IP and netmask, the
//            inter-edge vnic with the md port's IP, the default route of mgt_net_default_gateway
//            (none when unset), an LB virtual server MdSrv on the md port's IP and
//            nova_metadata_port whose members are nova_metadata_ips, and a firewall rule that
//            accepts 169.254.128.0/17;
//  routers'  every other router edge (when metadata is enabled) has one md port, an inter-edge
//  md        vnic with the 169.254.169.254 secondary, and an MdSrv virtual server on
//            169.254.169.254 whose members are the live proxy IPs (the proxy edges' md port IPs).
//  metadata- (only when CheckOptions::metadata_path_client is set, and metadata is enabled) the
//  path      metadata-path oracle (md_path.h, docs/metadata-path.md) proves every router: one
//            check per router, the violation names the first failing check and hop. It reads the
//            backend through that client with GETs only and knows nothing of the driver's code.
//
// Scope (CheckOptions::edge_name_prefix): a real manager holds other people's edges and wires.
// With a non-empty prefix only backend edges whose name starts with it or that a DB router
// binding names, and virtual wires whose name starts with it, are candidates for the
// backend-side orphan checks ("exists on the backend but ..."); everything else on the backend is
// ignored (and counted in foreign_edges / foreign_wires). DB rows are always checked in full, and a
// DB row's edge or wire must exist on the backend whatever its name. Note the plugin names a
// network's wire after the network id, so with a prefix only wires explicitly named with it are
// candidates.
//
// Virtual wires: Vcns has no wire read (the driver's NSX-v API surface has only create and delete,
// and the fake serves no GET of /api/2.0/vdn/virtualwires), so the two wire-existence directions
// are evaluated only when CheckOptions::list_virtual_wires is set (FakeModelWires() for the fake);
// otherwise they count no check and CheckReport::virtual_wires_listed is false.
//
// Threading: runs on the caller's thread with the caller's Context (an admin Context); the wire
// lister is called once, on that thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "driver/common/status.h"
#include "driver/md_proxy/md_proxy.h"
#include "driver/nsxv/vcns.h"
#include "driver/store/context.h"

namespace nsxv::fake {
class Model;
}  // namespace nsxv::fake

namespace nsxv::scenarios {

// A virtual wire as the backend lists it.
struct BackendWire {
  std::string id;    // "virtualwire-7"
  std::string name;  // the plugin names a network's wire after the network id
};

// Lists every virtual wire of the backend (all transport zones). Errors are returned as is.
using WireLister = std::function<Result<std::vector<BackendWire>>()>;

// The wires of a fake manager's model (read through Model::Dump(), so it costs a full state dump
// per call). `model` must outlive the lister; thread-safe as the Model.
WireLister FakeModelWires(const fake::Model& model);

struct CheckOptions {
  // Non-empty: only backend edges and virtual wires whose name starts with this prefix take part
  // in the backend-side orphan checks (see "Scope" above). Empty: every backend object does.
  std::string edge_name_prefix;
  // Also requires the driver's naming (plugin::IsDriverEdgeName for edges; a bare UUID, the
  // network id, for virtual wires) for a backend object to be in scope (nsxv-md repair).
  bool driver_naming_only = false;
  // Unset: the virtual-wire existence checks are skipped (see "Virtual wires" above).
  WireLister list_virtual_wires;
  // Set: the metadata-path invariant runs through this client (must outlive the call). Off by
  // default while the driver does not write the router-edge metadata firewall rules (every
  // router fails today; docs/metadata-path.md "Known failures").
  const driver::ApiClient* metadata_path_client = nullptr;
  // Nova's shared secret for the metadata-path invariant; unset: the driver's.
  std::optional<std::string> nova_shared_secret;
};

struct Violation {
  std::string invariant;  // "routers", "orphans", "half-created", "proxy", "router-md",
                          // "metadata-path"
  std::string object;     // "router 3f2a… (edge-7)", "edge-12", "port …"
  std::string detail;     // one line
};

struct CheckReport {
  int checks = 0;  // instances evaluated
  std::vector<Violation> violations;
  int routers = 0;                    // router rows (proxy routers included)
  int proxy_edges = 0;                // nsxv_internal_edges rows
  int router_edges = 0;               // routers with metadata checked
  int backend_edges = 0;              // edges listed by the manager, within the prefix scope
  int foreign_edges = 0;              // edges listed by the manager outside the prefix scope
  int networks = 0;                   // network rows
  int ports = 0;                      // port rows
  int allocations = 0;                // ipallocations rows
  int virtual_wires = 0;              // backend wires within the prefix scope (0 when not listed)
  int foreign_wires = 0;              // backend wires outside the prefix scope
  bool virtual_wires_listed = false;  // CheckOptions::list_virtual_wires was set and answered
  int certificates = 0;               // truststore certificates on the edges checked for them
  int metadata_paths = 0;             // routers the metadata-path oracle evaluated
  int metadata_paths_proven = 0;      // of which proven
  std::vector<std::string> live_proxy_ips;
  bool ok() const { return violations.empty(); }
  int passed() const { return checks - static_cast<int>(violations.size()); }
};

// Fails (Status) only when the DB or the backend cannot be read at all (the edge list, the DB
// tables, the wire lister); each broken invariant is a Violation in the report.
Result<CheckReport> CheckInvariants(store::Context& ctx, const driver::Vcns& vcns,
                                    const md_proxy::MdProxyConfig& md, const CheckOptions& options);
// Same with default CheckOptions (no prefix, no wire lister).
Result<CheckReport> CheckInvariants(store::Context& ctx, const driver::Vcns& vcns,
                                    const md_proxy::MdProxyConfig& md);

}  // namespace nsxv::scenarios
