#include "scenarios/repair.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "driver/plugin/recovery.h"
#include "driver/store/nsxv_db.h"

namespace nsxv::scenarios {
namespace {

// "router <id> (edge-7)" -> id (the object form of invariants.h).
std::string RouterIdOf(const std::string& object) {
  const std::string head = "router ";
  if (object.rfind(head, 0) != 0) return "";
  const std::string rest = object.substr(head.size());
  return rest.substr(0, rest.find(' '));
}

class Repairer {
 public:
  Repairer(const RepairEnv& env, const RepairOptions& options) : env_(env), options_(options) {}

  Result<RepairReport> Run() {
    NSXV_RETURN_IF_ERROR(ValidateRepairKinds(options_.kinds));
    for (const std::string& k : options_.kinds) {
      if (k == kRepairKindWires || k == kRepairKindMetadata) continue;
      driver_kinds_.push_back(*plugin::ParseDebrisKind(k));
    }
    if (!options_.kinds.empty() && driver_kinds_.empty()) driver_skip_ = true;
    check_options_.driver_naming_only = true;
    check_options_.edge_name_prefix = options_.edge_name_prefix;
    check_options_.list_virtual_wires = options_.list_virtual_wires;
    report_.applied = options_.apply;
    return options_.apply ? Apply() : List();
  }

 private:
  bool Wanted(const std::string& kind) const {
    return options_.kinds.empty() ||
           std::find(options_.kinds.begin(), options_.kinds.end(), kind) != options_.kinds.end();
  }

  Result<plugin::DebrisList> Debris() {
    if (driver_skip_) return plugin::DebrisList{};
    plugin::RecoveryOptions o;
    o.edge_name_prefix = options_.edge_name_prefix;
    o.kinds = driver_kinds_;
    return plugin::FindDebris(env_.ctx, env_.vcns, o);
  }

  static RepairItem ItemOf(const plugin::Debris& d) {
    return {plugin::DebrisKindName(d.kind), d.object, d.detail, d.action, "found", ""};
  }

  // Wires in scope that no network maps.
  Result<std::vector<RepairItem>> Wires() {
    std::vector<RepairItem> out;
    if (!Wanted(kRepairKindWires) || !options_.list_virtual_wires) return out;
    NSXV_ASSIGN_OR_RETURN(const auto wires, options_.list_virtual_wires());
    NSXV_ASSIGN_OR_RETURN(const auto networks, store::ListNetworkRows(env_.ctx, {}));
    std::set<std::string> mapped;
    for (const auto& n : networks) {
      NSXV_ASSIGN_OR_RETURN(const auto ids, store::GetNsxSwitchIds(env_.ctx, n.id));
      mapped.insert(ids.begin(), ids.end());
    }
    for (const BackendWire& w : wires) {
      if (!plugin::IsUuidText(w.name) || mapped.count(w.id)) continue;
      if (!options_.edge_name_prefix.empty() && w.name.rfind(options_.edge_name_prefix, 0) != 0) {
        continue;
      }
      out.push_back({kRepairKindWires, "virtual wire " + w.id + " (" + w.name + ")",
                     "exists on the backend but no network maps to it", "delete the virtual wire",
                     "found", ""});
      wire_ids_.push_back(w.id);
    }
    return out;
  }

  // Metadata items from a check: one per router with a non-member md violation, plus one for all
  // edges whose members alone are stale.
  std::vector<RepairItem> Metadata(const CheckReport& check) {
    std::vector<RepairItem> out;
    reconfigure_.clear();
    stale_.clear();
    if (!Wanted(kRepairKindMetadata)) return out;
    std::map<std::string, std::string> first_detail;
    for (const Violation& v : check.violations) {
      if (v.invariant != "router-md") continue;
      const std::string id = RouterIdOf(v.object);
      if (id.empty()) continue;
      if (v.detail.rfind("LB members", 0) == 0) {
        stale_.insert(id);
      } else if (!first_detail.count(id)) {
        first_detail[id] = v.detail;
        reconfigure_.push_back(id);
      }
    }
    for (const std::string& id : reconfigure_) {
      stale_.erase(id);
      out.push_back({kRepairKindMetadata, "router " + id, first_detail[id],
                     "configure the router's metadata again (cleanup, then configure)", "found",
                     ""});
    }
    if (!stale_.empty()) {
      out.push_back({kRepairKindMetadata, std::to_string(stale_.size()) + " router edge(s)",
                     "md LB members differ from the live proxy IPs",
                     "redo-config (rewrite the members from the live proxy IPs)", "found", ""});
    }
    return out;
  }

  Result<RepairReport> List() {
    NSXV_ASSIGN_OR_RETURN(const plugin::DebrisList debris, Debris());
    report_.foreign_edges = debris.foreign_edges;
    for (const auto& d : debris.items) {
      report_.items.push_back(ItemOf(d));
      for (const std::string* key : {&d.router_id, &d.edge_id, &d.port_id, &d.ip_address}) {
        if (!key->empty()) keys_.insert(*key);
      }
    }
    NSXV_ASSIGN_OR_RETURN(auto wires, Wires());
    for (auto& w : wires) report_.items.push_back(std::move(w));
    NSXV_ASSIGN_OR_RETURN(report_.check,
                          CheckInvariants(env_.ctx, env_.vcns, env_.md, check_options_));
    for (auto& m : Metadata(report_.check)) report_.items.push_back(std::move(m));
    for (const Violation& v : report_.check.violations) {
      if (!Covered(v)) report_.left.push_back(v);
    }
    return std::move(report_);
  }

  // Whether an item found names the violation's object (same router, edge, port, address or
  // wire), or the violation is one that a listed kind fixes.
  bool Covered(const Violation& v) const {
    for (const std::string& key : keys_) {
      if (v.object.find(key) != std::string::npos) return true;
    }
    for (const RepairItem& i : report_.items) {
      if (i.object == v.object) return true;
      const std::string id = RouterIdOf(i.object);
      if (!id.empty() && v.object.find(id) != std::string::npos) return true;
      // "binding of router X", "edge edge-N (name)", "port P", "vnic slots of edge-N", ...
      const size_t space = i.object.find(' ');
      std::string key = i.object;
      if (i.object.rfind("binding of router ", 0) == 0) {
        key = RouterIdOf(i.object.substr(11));
      } else if (i.object.rfind("vnic slots of ", 0) == 0) {
        key = i.object.substr(14);
      } else if (space != std::string::npos) {
        key = i.object.substr(space + 1);
        key = key.substr(0, key.find(' '));
      }
      if (!key.empty() && v.object.find(key) != std::string::npos) return true;
    }
    if (!stale_.empty() && v.invariant == "router-md" && v.detail.rfind("LB members", 0) == 0) {
      return true;
    }
    return false;
  }

  void Record(RepairItem item, const Status& s) {
    item.outcome = s.ok() ? "fixed" : "failed";
    item.error = s.ok() ? "" : s.message();
    report_.items.push_back(std::move(item));
  }

  Result<RepairReport> Apply() {
    std::set<std::string> failed;
    for (int round = 1; round <= 2; ++round) {
      NSXV_ASSIGN_OR_RETURN(const plugin::DebrisList debris, Debris());
      report_.foreign_edges = debris.foreign_edges;
      bool any = false;
      for (const auto& d : debris.items) {
        if (failed.count(d.object)) continue;
        any = true;
        Status s = plugin::FixDebris(env_.ctx, env_.vcns, env_.plugin, env_.locks, d);
        if (!s.ok()) failed.insert(d.object);
        Record(ItemOf(d), s);
      }
      if (!any) break;
    }
    NSXV_ASSIGN_OR_RETURN(auto wires, Wires());
    for (size_t i = 0; i < wires.size(); ++i) {
      const std::string& id = wire_ids_[i];
      Status s = env_.delete_wire ? env_.delete_wire(id) : env_.vcns.DeleteVirtualWire(id);
      if (s.code() == StatusCode::kNotFound) s = Status::Ok();
      Record(std::move(wires[i]), s);
    }
    if (env_.init) {
      if (Status s = env_.init(); !s.ok()) {
        report_.init_failed = true;
        report_.init_error = s.message();
      }
    }
    if (Wanted(kRepairKindMetadata)) {
      NSXV_ASSIGN_OR_RETURN(const CheckReport before,
                            CheckInvariants(env_.ctx, env_.vcns, env_.md, check_options_));
      auto items = Metadata(before);
      size_t next = 0;
      for (const std::string& id : reconfigure_) FixMetadata(std::move(items[next++]), id);
      if (!stale_.empty()) FixStale(std::move(items[next]));
    }
    NSXV_ASSIGN_OR_RETURN(report_.check,
                          CheckInvariants(env_.ctx, env_.vcns, env_.md, check_options_));
    report_.left = report_.check.violations;
    return std::move(report_);
  }

  void FixMetadata(RepairItem item, const std::string& router_id) {
    if (env_.handler == nullptr) {
      item.outcome = "unfixable";
      item.error = "needs the metadata handler (metadata is not configured)";
      report_.items.push_back(std::move(item));
      return;
    }
    auto proxy = store::GetNsxvInternalEdgeByRouter(env_.ctx, router_id);
    if (proxy.ok() && proxy->has_value()) {
      item.outcome = "unfixable";
      item.error = "a metadata proxy router: nsxv-md init reconciles it";
      report_.items.push_back(std::move(item));
      return;
    }
    Status s = env_.handler->CleanupRouterEdge(env_.ctx, router_id);
    if (s.ok()) s = env_.handler->ConfigureRouterEdge(env_.ctx, router_id);
    Record(std::move(item), s);
  }

  void FixStale(RepairItem item) {
    if (env_.handler == nullptr) {
      item.outcome = "unfixable";
      item.error = "needs the metadata handler (metadata is not configured)";
      report_.items.push_back(std::move(item));
      return;
    }
    auto redo = env_.handler->RedoConfig();
    Status s = redo.status();
    if (s.ok() && redo->failed > 0) {
      s = Status(StatusCode::kInternal,
                 "redo-config: " + std::to_string(redo->failed) + " router edge(s) failed");
    }
    Record(std::move(item), s);
  }

  const RepairEnv& env_;
  const RepairOptions& options_;
  std::vector<plugin::DebrisKind> driver_kinds_;
  bool driver_skip_ = false;
  CheckOptions check_options_;
  RepairReport report_;
  std::vector<std::string> wire_ids_;
  std::set<std::string> keys_;  // ids the listed driver items concern
  std::vector<std::string> reconfigure_;
  std::set<std::string> stale_;
};

}  // namespace

std::vector<std::string> RepairKinds() {
  std::vector<std::string> out;
  for (plugin::DebrisKind k : plugin::AllDebrisKinds()) out.emplace_back(plugin::DebrisKindName(k));
  out.emplace_back(kRepairKindWires);
  out.emplace_back(kRepairKindMetadata);
  return out;
}

Status ValidateRepairKinds(const std::vector<std::string>& kinds) {
  const std::vector<std::string> valid = RepairKinds();
  for (const std::string& k : kinds) {
    if (std::find(valid.begin(), valid.end(), k) != valid.end()) continue;
    std::string list;
    for (const std::string& v : valid) list += (list.empty() ? "" : ", ") + v;
    return InvalidArgument("unknown repair kind \"" + k + "\" (kinds: " + list + ")");
  }
  return Status::Ok();
}

int RepairReport::Count(const std::string& outcome) const {
  return static_cast<int>(std::count_if(items.begin(), items.end(),
                                        [&](const RepairItem& i) { return i.outcome == outcome; }));
}

bool RepairReport::clean() const {
  if (!left.empty() || init_failed) return false;
  if (!applied) return items.empty();
  return Count("failed") == 0 && Count("unfixable") == 0;
}

Result<RepairReport> Repair(const RepairEnv& env, const RepairOptions& options) {
  return Repairer(env, options).Run();
}

WireLister FakeAdminWires(const driver::ApiClient& client) {
  return [&client]() -> Result<std::vector<BackendWire>> {
    driver::ApiCall call;
    call.method = "GET";
    call.path = "/__fake/state";
    call.op = "fake_state";
    NSXV_ASSIGN_OR_RETURN(const HttpResponse response, client.CallOnce(call));
    const nlohmann::json state = nlohmann::json::parse(response.body, nullptr, false);
    const auto wires = state.is_object() ? state.find("virtualWires") : state.end();
    if (!state.is_object() || wires == state.end() || !wires->is_array()) {
      return Internal("GET /__fake/state: no virtualWires list in the answer");
    }
    std::vector<BackendWire> out;
    for (const nlohmann::json& w : *wires) {
      if (!w.is_object() || !w.contains("id") || !w["id"].is_string()) {
        return Internal("GET /__fake/state: a virtual wire without an id");
      }
      BackendWire wire;
      wire.id = w["id"].get<std::string>();
      if (w.contains("name") && w["name"].is_string()) wire.name = w["name"].get<std::string>();
      out.push_back(std::move(wire));
    }
    return out;
  };
}

}  // namespace nsxv::scenarios
