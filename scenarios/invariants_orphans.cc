// The DB-side "orphans" and "half-created" invariants of scenarios/invariants.h (IPAM rows, vnic
// slots, networks and their virtual wires, ports without an address) and FakeModelWires().
#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "driver/store/neutron_db.h"
#include "driver/store/nsxv_db.h"
#include "driver/store/sqlite.h"
#include "fake_nsxv/model.h"
#include "scenarios/invariants_internal.h"

namespace nsxv::scenarios {

WireLister FakeModelWires(const fake::Model& model) {
  return [&model]() -> Result<std::vector<BackendWire>> {
    const nlohmann::json state = model.Dump();
    const auto wires = state.find("virtualWires");
    if (wires == state.end() || !wires->is_array()) {
      return Internal("fake model state has no virtualWires list");
    }
    std::vector<BackendWire> out;
    for (const nlohmann::json& w : *wires) {
      const auto id = w.find("id");
      const auto name = w.find("name");
      if (!w.is_object() || id == w.end() || !id->is_string()) {
        return Internal("fake model state has a virtual wire without an id");
      }
      BackendWire wire;
      wire.id = id->get<std::string>();
      if (name != w.end() && name->is_string()) wire.name = name->get<std::string>();
      out.push_back(std::move(wire));
    }
    return out;
  };
}

namespace internal {
namespace {

struct Allocation {
  std::string subnet_id;
  std::string ip_address;
  std::string port_id;
  std::string network_id;
};

class StoreChecker {
 public:
  StoreChecker(store::Context& ctx, const CheckOptions& options, CheckReport& report)
      : ctx_(ctx), options_(options), report_(report) {}

  Status Run() {
    {
      // One read snapshot for every table (rolled back at the end of the scope: nothing is
      // written). Inside a caller's transaction this is a savepoint of it.
      NSXV_ASSIGN_OR_RETURN(store::Db * db, ctx_.db());
      NSXV_ASSIGN_OR_RETURN(store::Transaction snapshot,
                            store::Transaction::Begin(*db, store::Transaction::Kind::kDeferred));
      NSXV_RETURN_IF_ERROR(Load(*db));
    }
    if (options_.list_virtual_wires) {
      NSXV_ASSIGN_OR_RETURN(wires_, options_.list_virtual_wires());
      report_.virtual_wires_listed = true;
      for (const BackendWire& w : wires_) {
        ++(InScope(options_, w.name, /*wire=*/true) ? report_.virtual_wires
                                                    : report_.foreign_wires);
      }
    }
    CheckAllocations();
    CheckVnicBindings();
    CheckNetworks();
    CheckPorts();
    return Status::Ok();
  }

 private:
  Status Load(store::Db& db) {
    NSXV_ASSIGN_OR_RETURN(networks_, store::ListNetworkRows(ctx_, {}));
    NSXV_ASSIGN_OR_RETURN(subnets_, store::ListSubnetRows(ctx_, {}));
    NSXV_ASSIGN_OR_RETURN(ports_, store::ListPortRows(ctx_, {}));
    NSXV_ASSIGN_OR_RETURN(const auto bindings, store::GetRouterBindings(ctx_));
    for (const auto& b : bindings) {
      if (b.edge_id) bound_edges_.insert(*b.edge_id);
    }
    report_.networks = static_cast<int>(networks_.size());
    report_.ports = static_cast<int>(ports_.size());

    NSXV_ASSIGN_OR_RETURN(store::Stmt allocations,
                          db.Prepare("SELECT subnet_id, ip_address, port_id, network_id "
                                     "FROM ipallocations ORDER BY subnet_id, ip_int"));
    NSXV_RETURN_IF_ERROR(ForEachRow(allocations, [&](const store::Stmt& s) {
      allocations_.push_back({s.Text(0), s.Text(1), s.Text(2), s.Text(3)});
    }));
    report_.allocations = static_cast<int>(allocations_.size());

    NSXV_ASSIGN_OR_RETURN(store::Stmt mappings,
                          db.Prepare("SELECT neutron_id, nsx_id FROM neutron_nsx_network_mappings "
                                     "ORDER BY neutron_id, nsx_id"));
    NSXV_RETURN_IF_ERROR(ForEachRow(
        mappings, [&](const store::Stmt& s) { wires_of_[s.Text(0)].push_back(s.Text(1)); }));

    NSXV_ASSIGN_OR_RETURN(store::Stmt slots,
                          db.Prepare("SELECT edge_id, COUNT(*) FROM nsxv_edge_vnic_bindings "
                                     "GROUP BY edge_id ORDER BY edge_id"));
    return ForEachRow(slots,
                      [&](const store::Stmt& s) { slot_rows_.emplace_back(s.Text(0), s.Int(1)); });
  }

  template <typename F>
  static Status ForEachRow(store::Stmt& stmt, F row) {
    while (true) {
      NSXV_ASSIGN_OR_RETURN(const bool more, stmt.Step());
      if (!more) return Status::Ok();
      row(stmt);
    }
  }

  // orphans: each ipallocations row belongs to an existing port that lists it, on the port's
  // network; each fixed IP of a port has its row.
  void CheckAllocations() {
    std::map<std::string, const store::PortRow*> ports;
    for (const auto& p : ports_) ports[p.id] = &p;
    std::map<std::string, const store::SubnetRow*> subnets;
    for (const auto& s : subnets_) subnets[s.id] = &s;
    std::set<std::tuple<std::string, std::string, std::string>> rows;
    for (const Allocation& a : allocations_) {
      rows.emplace(a.subnet_id, a.ip_address, a.port_id);
      const auto port = ports.find(a.port_id);
      const auto subnet = subnets.find(a.subnet_id);
      std::string problem;
      if (port == ports.end()) {
        problem = "belongs to missing port " + a.port_id;
      } else if (subnet == subnets.end()) {
        problem = "of port " + a.port_id + " is on missing subnet " + a.subnet_id;
      } else if (subnet->second->network_id != port->second->network_id ||
                 a.network_id != port->second->network_id) {
        problem = "of port " + a.port_id + " (network " + port->second->network_id +
                  ") is recorded on network " + a.network_id + ", its subnet on network " +
                  subnet->second->network_id;
      } else {
        const auto& ips = port->second->fixed_ips;
        const bool listed = std::find(ips.begin(), ips.end(),
                                      store::FixedIp{a.subnet_id, a.ip_address}) != ips.end();
        if (!listed) problem = "is not a fixed IP of port " + a.port_id;
      }
      Expect(report_, problem.empty(), "orphans",
             "allocation " + a.ip_address + " (subnet " + a.subnet_id + ")", problem);
    }
    for (const auto& p : ports_) {
      for (const auto& ip : p.fixed_ips) {
        Expect(report_, rows.count({ip.subnet_id, ip.ip_address, p.id}) == 1, "orphans",
               "port " + p.id,
               "fixed IP " + ip.ip_address + " (subnet " + ip.subnet_id +
                   ") has no ipallocations row");
      }
    }
  }

  // orphans: the vnic slots of an edge belong to an edge some router binding names.
  void CheckVnicBindings() {
    for (const auto& [edge, rows] : slot_rows_) {
      Expect(report_, bound_edges_.count(edge) == 1, "orphans", "vnic slots of " + edge,
             std::to_string(rows) + " nsxv_edge_vnic_bindings rows name an edge no router is " +
                 "bound to");
    }
  }

  // half-created: every network has its wire id. orphans (with a wire lister): every mapped wire
  // exists on the backend; every backend wire in scope is mapped.
  void CheckNetworks() {
    std::set<std::string> backend;
    for (const BackendWire& w : wires_) backend.insert(w.id);
    std::set<std::string> mapped;
    for (const auto& net : networks_) {
      const std::string object = "network " + net.id + " (" + net.name + ")";
      const auto it = wires_of_.find(net.id);
      const bool has_wire = it != wires_of_.end() && !it->second.empty();
      Expect(report_, has_wire, "half-created", object,
             "has no virtual wire id (no neutron_nsx_network_mappings row)");
      if (!has_wire) continue;
      for (const std::string& wire : it->second) {
        mapped.insert(wire);
        if (!report_.virtual_wires_listed) continue;
        Expect(report_, backend.count(wire) == 1, "orphans", object,
               "virtual wire " + wire + " does not exist on the backend");
      }
    }
    if (!report_.virtual_wires_listed) return;
    for (const BackendWire& w : wires_) {
      if (!InScope(options_, w.name, /*wire=*/true)) continue;
      Expect(report_, mapped.count(w.id) == 1, "orphans",
             "virtual wire " + w.id + " (" + w.name + ")",
             "exists on the backend but no network maps to it");
    }
  }

  // half-created: a port on a network with subnets has an address.
  void CheckPorts() {
    std::map<std::string, int> subnets_of;
    for (const auto& s : subnets_) ++subnets_of[s.network_id];
    for (const auto& p : ports_) {
      const auto it = subnets_of.find(p.network_id);
      if (it == subnets_of.end()) continue;
      Expect(report_, !p.fixed_ips.empty(), "half-created", "port " + p.id,
             "has no fixed IP, but its network " + p.network_id + " has " +
                 std::to_string(it->second) + " subnet(s)");
    }
  }

  store::Context& ctx_;
  const CheckOptions& options_;
  CheckReport& report_;
  std::vector<store::NetworkRow> networks_;
  std::vector<store::SubnetRow> subnets_;
  std::vector<store::PortRow> ports_;
  std::vector<Allocation> allocations_;
  std::map<std::string, std::vector<std::string>> wires_of_;  // network id -> wire ids
  std::vector<std::pair<std::string, int64_t>> slot_rows_;    // edge id -> vnic slot rows
  std::set<std::string> bound_edges_;
  std::vector<BackendWire> wires_;
};

}  // namespace

Status CheckStoreInvariants(store::Context& ctx, const CheckOptions& options, CheckReport& report) {
  return StoreChecker(ctx, options, report).Run();
}

}  // namespace internal
}  // namespace nsxv::scenarios
