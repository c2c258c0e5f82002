#include "driver/plugin/recovery.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include <spdlog/spdlog.h>

#include "driver/store/ipam.h"
#include "driver/store/neutron_db.h"
#include "driver/store/nsxv_db.h"
#include "driver/store/sqlite.h"

namespace nsxv::plugin {
namespace {

struct KindName {
  DebrisKind kind;
  const char* name;
};

constexpr KindName kKindNames[] = {
    {DebrisKind::kPendingBinding, "pending-bindings"},
    {DebrisKind::kOrphanedBinding, "orphaned-bindings"},
    {DebrisKind::kMissingEdge, "missing-edges"},
    {DebrisKind::kOrphanedEdge, "orphaned-edges"},
    {DebrisKind::kOrphanedVnics, "orphaned-vnics"},
    {DebrisKind::kOrphanedPort, "orphaned-ports"},
    {DebrisKind::kOrphanedAllocation, "orphaned-allocations"},
    {DebrisKind::kOrphanedInternalNetwork, "orphaned-internal-networks"},
};

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !IsHex(s[i])) return false;
  }
  return true;
}

bool IsRouterOwner(const std::string& owner) {
  return owner == kDeviceOwnerRouterInterface || owner == kDeviceOwnerRouterGateway ||
         owner == kDeviceOwnerMdInterface;
}

template <typename F>
Status ForEachRow(store::Stmt& stmt, F row) {
  while (true) {
    NSXV_ASSIGN_OR_RETURN(const bool more, stmt.Step());
    if (!more) return Status::Ok();
    row(stmt);
  }
}

Status WithContext(const Status& s, const std::string& what) {
  if (s.ok()) return s;
  return {s.code(), what + ": " + s.message()};
}

class Finder {
 public:
  Finder(store::Context& ctx, const driver::Vcns& vcns, const RecoveryOptions& options)
      : ctx_(ctx), vcns_(vcns), options_(options) {}

  Result<DebrisList> Run() {
    NSXV_RETURN_IF_ERROR(Load());
    PendingAndOrphanedBindings();
    OrphanedEdges();
    OrphanedRows();
    DebrisList out;
    out.foreign_edges = foreign_edges_;
    for (DebrisKind kind : AllDebrisKinds()) {
      if (!Wanted(kind)) continue;
      for (Debris& d : items_) {
        if (d.kind == kind) out.items.push_back(std::move(d));
      }
    }
    return out;
  }

 private:
  bool Wanted(DebrisKind kind) const {
    return options_.kinds.empty() ||
           std::find(options_.kinds.begin(), options_.kinds.end(), kind) != options_.kinds.end();
  }

  bool InScope(const std::optional<std::string>& name) const {
    if (!name || !IsDriverEdgeName(*name)) return false;
    return options_.edge_name_prefix.empty() || name->rfind(options_.edge_name_prefix, 0) == 0;
  }

  Status Load() {
    NSXV_ASSIGN_OR_RETURN(edges_, vcns_.ListEdges());
    NSXV_ASSIGN_OR_RETURN(const auto routers, store::ListRouterRows(ctx_, {}));
    for (const auto& r : routers) routers_[r.id] = r;
    NSXV_ASSIGN_OR_RETURN(bindings_, store::GetRouterBindings(ctx_));
    NSXV_ASSIGN_OR_RETURN(ports_, store::ListPortRows(ctx_, {}));
    NSXV_ASSIGN_OR_RETURN(store::Db * db, ctx_.db());
    // One read snapshot of the raw tables (rolled back at the end of the scope).
    NSXV_ASSIGN_OR_RETURN(store::Transaction snapshot,
                          store::Transaction::Begin(*db, store::Transaction::Kind::kDeferred));
    NSXV_ASSIGN_OR_RETURN(
        store::Stmt slots,
        db->Prepare("SELECT edge_id, COUNT(*) FROM nsxv_edge_vnic_bindings GROUP BY edge_id "
                    "ORDER BY edge_id"));
    NSXV_RETURN_IF_ERROR(ForEachRow(
        slots, [&](const store::Stmt& s) { slot_rows_.emplace_back(s.Text(0), s.Int(1)); }));
    NSXV_ASSIGN_OR_RETURN(
        store::Stmt allocations,
        db->Prepare("SELECT a.subnet_id, a.ip_address, a.port_id FROM ipallocations a "
                    "WHERE NOT EXISTS (SELECT 1 FROM ports p WHERE p.id = a.port_id) "
                    "OR NOT EXISTS (SELECT 1 FROM subnets s WHERE s.id = a.subnet_id) "
                    "ORDER BY a.subnet_id, a.ip_int"));
    NSXV_RETURN_IF_ERROR(ForEachRow(allocations, [&](const store::Stmt& s) {
      Debris d;
      d.kind = DebrisKind::kOrphanedAllocation;
      d.subnet_id = s.Text(0);
      d.ip_address = s.Text(1);
      d.port_id = s.Text(2);
      d.object = "allocation " + d.ip_address + " (subnet " + d.subnet_id + ")";
      d.detail = "belongs to missing port " + d.port_id + " or missing subnet";
      d.action = "delete the ipallocations row";
      items_.push_back(std::move(d));
    }));
    NSXV_ASSIGN_OR_RETURN(
        store::Stmt internal,
        db->Prepare("SELECT network_purpose, network_id FROM nsxv_internal_networks i "
                    "WHERE network_id IS NULL OR NOT EXISTS "
                    "(SELECT 1 FROM networks n WHERE n.id = i.network_id) "
                    "ORDER BY network_purpose"));
    return ForEachRow(internal, [&](const store::Stmt& s) {
      Debris d;
      d.kind = DebrisKind::kOrphanedInternalNetwork;
      d.purpose = s.Text(0);
      d.object = "internal network row " + d.purpose;
      d.detail = "names network '" + s.Text(1) + "', which does not exist";
      d.action = "delete the nsxv_internal_networks row (init creates the network again)";
      items_.push_back(std::move(d));
    });
  }

  void PendingAndOrphanedBindings() {
    for (const auto& e : edges_) backend_[e.id] = e.name;
    for (const auto& b : bindings_) {
      if (b.edge_id) named_edges_[*b.edge_id].push_back(b.router_id);
    }
    for (const auto& b : bindings_) {
      const std::string edge = b.edge_id.value_or("");
      const std::string object = "router " + b.router_id + (edge.empty() ? "" : " (" + edge + ")");
      const auto router = routers_.find(b.router_id);
      Debris d;
      d.router_id = b.router_id;
      d.edge_id = edge;
      if (router == routers_.end()) {
        d.kind = DebrisKind::kOrphanedBinding;
        d.object = "binding of " + object;
        d.detail = "the router does not exist (binding " + b.status + ")";
        const bool shared = !edge.empty() && named_edges_[edge].size() > 1;
        const auto on_backend = backend_.find(edge);
        if (edge.empty() || on_backend == backend_.end()) {
          d.action = "delete the binding and its vnic slots";
        } else if (shared || !InScope(on_backend->second)) {
          d.action = "delete the binding and its vnic slots; keep edge " + edge +
                     (shared ? " (another binding names it)" : " (outside the naming scope)");
        } else {
          d.action = "delete edge " + edge + ", then the binding and its vnic slots";
        }
        items_.push_back(std::move(d));
        continue;
      }
      const std::string unique = BuildLrouterName(router->second.name, b.router_id);
      if (!b.edge_id) waiting_names_.insert(unique);
      if (b.status == store::kStatusPendingDelete) {
        d.kind = DebrisKind::kPendingBinding;
        d.object = object;
        d.detail = "binding is PENDING_DELETE (a delete did not finish)";
        d.action = "finish the delete: edge, then ports, vnic slots, binding and router";
        items_.push_back(std::move(d));
      } else if (b.status == store::kStatusPendingCreate || b.status == store::kStatusError) {
        d.kind = DebrisKind::kPendingBinding;
        d.object = object;
        d.detail = "binding is " + b.status + (edge.empty() ? " without an edge" : "");
        const std::string adopt = AdoptableEdge(b, unique);
        if (!adopt.empty()) d.edge_id = adopt;
        d.action = adopt.empty() ? "no edge found on the manager: remove the half-created router"
                                 : "adopt edge " + adopt + " (binding ACTIVE, vnic slots)";
        items_.push_back(std::move(d));
      } else if (b.status == store::kStatusActive && b.edge_id && !backend_.count(edge)) {
        d.kind = DebrisKind::kMissingEdge;
        d.object = object;
        d.detail = "edge " + edge + " does not exist on the manager";
        d.action = "deploy (or adopt by its unique name) a new edge for the router";
        items_.push_back(std::move(d));
      }
    }
  }

  // The edge a pending binding would adopt (see FixPending), or "".
  std::string AdoptableEdge(const store::RouterBinding& b, const std::string& unique) {
    if (b.edge_id && backend_.count(*b.edge_id)) return *b.edge_id;
    for (const auto& e : edges_) {
      if (e.name == unique && !named_edges_.count(e.id)) return e.id;
    }
    return "";
  }

  void OrphanedEdges() {
    for (const auto& e : edges_) {
      if (!InScope(e.name)) {
        ++foreign_edges_;
        continue;
      }
      if (named_edges_.count(e.id) || waiting_names_.count(*e.name)) continue;
      Debris d;
      d.kind = DebrisKind::kOrphanedEdge;
      d.edge_id = e.id;
      d.object = "edge " + e.id + " (" + *e.name + ")";
      d.detail = "carries the driver's naming but no router binding names it";
      d.action = "delete the edge";
      items_.push_back(std::move(d));
    }
  }

  void OrphanedRows() {
    for (const auto& [edge, rows] : slot_rows_) {
      if (named_edges_.count(edge)) continue;
      Debris d;
      d.kind = DebrisKind::kOrphanedVnics;
      d.edge_id = edge;
      d.object = "vnic slots of " + edge;
      d.detail =
          std::to_string(rows) + " nsxv_edge_vnic_bindings rows name an edge no binding names";
      d.action = "delete the vnic slot rows";
      items_.push_back(std::move(d));
    }
    for (const auto& p : ports_) {
      if (!IsRouterOwner(p.device_owner) || routers_.count(p.device_id)) continue;
      Debris d;
      d.kind = DebrisKind::kOrphanedPort;
      d.port_id = p.id;
      d.router_id = p.device_id;
      d.object = "port " + p.id;
      d.detail = p.device_owner + " port of missing router " + p.device_id;
      d.action = "delete the port and its IP allocations";
      items_.push_back(std::move(d));
    }
  }

  store::Context& ctx_;
  const driver::Vcns& vcns_;
  const RecoveryOptions& options_;
  std::vector<driver::EdgeSummary> edges_;
  std::map<std::string, std::optional<std::string>> backend_;  // edge id -> name
  std::map<std::string, store::RouterRow> routers_;
  std::vector<store::RouterBinding> bindings_;
  std::vector<store::PortRow> ports_;
  std::vector<std::pair<std::string, int64_t>> slot_rows_;
  std::map<std::string, std::vector<std::string>> named_edges_;  // edge id -> router ids
  std::set<std::string> waiting_names_;  // unique names of routers whose binding has no edge
  std::vector<Debris> items_;
  int foreign_edges_ = 0;
};

// Binds `edge_id` to the router: binding ACTIVE, vnic slots, router ACTIVE (one transaction).
Status Bind(store::Context& ctx, Plugin& plugin, const std::string& router_id,
            const std::string& old_edge, const std::string& edge_id) {
  return store::RunInTransaction(ctx, [&]() -> Status {
    if (!old_edge.empty() && old_edge != edge_id) {
      NSXV_RETURN_IF_ERROR(store::CleanEdgeVnicBinding(ctx, old_edge));
    }
    store::RouterBindingUpdate u;
    u.edge_id = std::optional<std::string>(edge_id);
    u.status = store::kStatusActive;
    u.status_description = std::optional<std::string>();
    NSXV_RETURN_IF_ERROR(store::UpdateRouterBinding(ctx, router_id, u));
    NSXV_ASSIGN_OR_RETURN(const int64_t slots, store::CountEdgeVnicBindings(ctx, edge_id));
    if (slots == 0) {
      NSXV_RETURN_IF_ERROR(
          store::InitEdgeVnicBinding(ctx, edge_id, plugin.config().maximum_tunnels_per_vnic));
    }
    return store::UpdateRouterStatus(ctx, router_id, store::kStatusActive);
  });
}

// The backend edge with `name` that no binding names, or "".
Result<std::string> FreeEdgeNamed(store::Context& ctx, const driver::Vcns& vcns,
                                  const std::string& name) {
  NSXV_ASSIGN_OR_RETURN(const auto edges, vcns.ListEdges());
  for (const auto& e : edges) {
    if (e.name != name) continue;
    NSXV_ASSIGN_OR_RETURN(const auto named, store::GetRouterBindingsByEdge(ctx, e.id));
    if (named.empty()) return e.id;
  }
  return std::string();
}

Status FixPending(store::Context& ctx, const driver::Vcns& vcns, Plugin& plugin,
                  locking::LockProvider& locks, const Debris& item) {
  std::optional<store::RouterBinding> binding;
  std::optional<store::RouterRow> router;
  std::string adopt;
  {
    // A live create holds this lock until it returns; a dead one released it with its process.
    auto lock = locks.AcquireFor(locking::EdgeLockName(item.router_id), Duration(0));
    if (!lock.ok()) {
      return {StatusCode::kUnavailable,
              "in progress: router " + item.router_id + " is locked by another holder"};
    }
    NSXV_ASSIGN_OR_RETURN(binding, store::GetRouterBinding(ctx, item.router_id));
    NSXV_ASSIGN_OR_RETURN(router, store::GetRouterRow(ctx, item.router_id));
    if (!binding || !router) return Status::Ok();  // gone meanwhile
    if (binding->status == store::kStatusPendingCreate || binding->status == store::kStatusError) {
      if (binding->edge_id) {
        auto edge = vcns.GetEdgeStatus(*binding->edge_id);
        if (edge.ok())
          adopt = *binding->edge_id;
        else if (edge.error().code() != StatusCode::kNotFound)
          return edge.error();
      }
      if (adopt.empty()) {
        NSXV_ASSIGN_OR_RETURN(adopt,
                              FreeEdgeNamed(ctx, vcns, BuildLrouterName(router->name, router->id)));
      }
      if (!adopt.empty()) {
        spdlog::info("recovery op=adopt router={} edge={}", router->id, adopt);
        return Bind(ctx, plugin, router->id, binding->edge_id.value_or(""), adopt);
      }
    } else if (binding->status != store::kStatusPendingDelete) {
      return Status::Ok();  // became ACTIVE meanwhile
    }
  }
  // Remove the router (PENDING_DELETE, or nothing to adopt): DeleteRouter takes the lock itself.
  spdlog::info("recovery op=remove_router router={} status={}", item.router_id, binding->status);
  DeleteOptions opts;
  opts.allow_delete_internal = true;
  opts.l3_port_check = false;
  Status s = plugin.DeleteRouter(ctx, item.router_id, opts);
  return s.code() == StatusCode::kNotFound ? Status::Ok() : s;
}

Status FixMissingEdge(store::Context& ctx, const driver::Vcns& vcns, Plugin& plugin,
                      locking::LockProvider& locks, const Debris& item) {
  NSXV_ASSIGN_OR_RETURN(auto lock, locks.AcquireFor(locking::EdgeLockName(item.router_id),
                                                    plugin.config().lock_timeout));
  NSXV_ASSIGN_OR_RETURN(const auto binding, store::GetRouterBinding(ctx, item.router_id));
  NSXV_ASSIGN_OR_RETURN(const auto router, store::GetRouterRow(ctx, item.router_id));
  if (!binding || !router || binding->edge_id != std::optional<std::string>(item.edge_id)) {
    return Status::Ok();  // changed meanwhile
  }
  auto still = vcns.GetEdgeStatus(item.edge_id);
  if (still.ok()) return Status::Ok();
  if (still.error().code() != StatusCode::kNotFound) return still.error();
  const std::string name = BuildLrouterName(router->name, router->id);
  NSXV_ASSIGN_OR_RETURN(std::string edge, FreeEdgeNamed(ctx, vcns, name));
  if (edge.empty()) {
    NSXV_ASSIGN_OR_RETURN(
        edge, vcns.DeployEdge(driver::MakeEdgeDocument(MakeEdgeSpec(plugin.config(), name))));
  }
  spdlog::info("recovery op=rebind router={} old_edge={} edge={}", router->id, item.edge_id, edge);
  return Bind(ctx, plugin, router->id, item.edge_id, edge);
}

Status FixOrphanedBinding(store::Context& ctx, const driver::Vcns& vcns, const Debris& item) {
  NSXV_ASSIGN_OR_RETURN(const auto router, store::GetRouterRow(ctx, item.router_id));
  if (router) return Status::Ok();  // not an orphan any more
  if (!item.edge_id.empty()) {
    NSXV_ASSIGN_OR_RETURN(const auto named, store::GetRouterBindingsByEdge(ctx, item.edge_id));
    NSXV_ASSIGN_OR_RETURN(const auto edges, vcns.ListEdges());
    const auto it = std::find_if(edges.begin(), edges.end(),
                                 [&](const auto& e) { return e.id == item.edge_id; });
    const bool ours = it != edges.end() && it->name && IsDriverEdgeName(*it->name);
    if (named.size() == 1 && ours) {
      NSXV_RETURN_IF_ERROR(vcns.DeleteEdge(item.edge_id));
    }
  }
  return store::RunInTransaction(ctx, [&]() -> Status {
    if (!item.edge_id.empty()) {
      NSXV_ASSIGN_OR_RETURN(const auto named, store::GetRouterBindingsByEdge(ctx, item.edge_id));
      if (named.size() <= 1) NSXV_RETURN_IF_ERROR(store::CleanEdgeVnicBinding(ctx, item.edge_id));
    }
    return store::DeleteRouterBinding(ctx, item.router_id);
  });
}

Status FixOrphanedEdge(store::Context& ctx, const driver::Vcns& vcns, const Debris& item) {
  NSXV_ASSIGN_OR_RETURN(const auto named, store::GetRouterBindingsByEdge(ctx, item.edge_id));
  if (!named.empty()) return Status::Ok();  // bound meanwhile: never delete a named edge
  return vcns.DeleteEdge(item.edge_id);
}

Status RunSql(store::Context& ctx, const char* sql, const std::vector<std::string>& args) {
  return store::RunInTransaction(ctx, [&]() -> Status {
    NSXV_ASSIGN_OR_RETURN(store::Db * db, ctx.db());
    NSXV_ASSIGN_OR_RETURN(store::Stmt stmt, db->Prepare(sql));
    for (size_t i = 0; i < args.size(); ++i) stmt.Bind(static_cast<int>(i + 1), args[i]);
    return stmt.Run().status();
  });
}

}  // namespace

const char* DebrisKindName(DebrisKind kind) {
  for (const KindName& k : kKindNames) {
    if (k.kind == kind) return k.name;
  }
  return "unknown";
}

const std::vector<DebrisKind>& AllDebrisKinds() {
  static const std::vector<DebrisKind> kinds = [] {
    std::vector<DebrisKind> v;
    for (const KindName& k : kKindNames) v.push_back(k.kind);
    return v;
  }();
  return kinds;
}

Result<DebrisKind> ParseDebrisKind(std::string_view name) {
  std::string valid;
  for (const KindName& k : kKindNames) {
    if (name == k.name) return k.kind;
    valid += (valid.empty() ? "" : ", ") + std::string(k.name);
  }
  return InvalidArgument("unknown repair kind \"" + std::string(name) + "\" (kinds: " + valid +
                         ")");
}

bool IsUuidText(std::string_view text) { return IsUuid(text); }

bool IsDriverEdgeName(std::string_view name) {
  return name.size() > 37 && name[name.size() - 37] == '-' && IsUuid(name.substr(name.size() - 36));
}

Result<DebrisList> FindDebris(store::Context& ctx, const driver::Vcns& vcns,
                              const RecoveryOptions& options) {
  return Finder(ctx, vcns, options).Run();
}

Status FixDebris(store::Context& ctx, const driver::Vcns& vcns, Plugin& plugin,
                 locking::LockProvider& locks, const Debris& item) {
  Status s;
  switch (item.kind) {
    case DebrisKind::kPendingBinding:
      s = FixPending(ctx, vcns, plugin, locks, item);
      break;
    case DebrisKind::kMissingEdge:
      s = FixMissingEdge(ctx, vcns, plugin, locks, item);
      break;
    case DebrisKind::kOrphanedBinding:
      s = FixOrphanedBinding(ctx, vcns, item);
      break;
    case DebrisKind::kOrphanedEdge:
      s = FixOrphanedEdge(ctx, vcns, item);
      break;
    case DebrisKind::kOrphanedVnics:
      s = store::RunInTransaction(ctx, [&]() -> Status {
        NSXV_ASSIGN_OR_RETURN(const auto named, store::GetRouterBindingsByEdge(ctx, item.edge_id));
        if (!named.empty()) return Status::Ok();
        return store::CleanEdgeVnicBinding(ctx, item.edge_id);
      });
      break;
    case DebrisKind::kOrphanedPort:
      s = store::RunInTransaction(ctx, [&]() -> Status {
        NSXV_ASSIGN_OR_RETURN(const auto router, store::GetRouterRow(ctx, item.router_id));
        if (router) return Status::Ok();
        return store::DeletePortRow(ctx, item.port_id);
      });
      break;
    case DebrisKind::kOrphanedAllocation:
      s = RunSql(ctx,
                 "DELETE FROM ipallocations WHERE subnet_id = ?1 AND ip_address = ?2 AND "
                 "port_id = ?3 AND (NOT EXISTS (SELECT 1 FROM ports p WHERE p.id = ?3) OR "
                 "NOT EXISTS (SELECT 1 FROM subnets s WHERE s.id = ?1))",
                 {item.subnet_id, item.ip_address, item.port_id});
      break;
    case DebrisKind::kOrphanedInternalNetwork:
      s = RunSql(ctx,
                 "DELETE FROM nsxv_internal_networks WHERE network_purpose = ?1 AND "
                 "(network_id IS NULL OR NOT EXISTS "
                 "(SELECT 1 FROM networks n WHERE n.id = nsxv_internal_networks.network_id))",
                 {item.purpose});
      break;
  }
  return WithContext(s, std::string(DebrisKindName(item.kind)) + " " + item.object);
}

int RecoveryReport::fixed() const {
  return static_cast<int>(
      std::count_if(items.begin(), items.end(), [](const RecoveryItem& i) { return i.fixed; }));
}

int RecoveryReport::failed() const { return static_cast<int>(items.size()) - fixed(); }

Result<RecoveryReport> RecoverAtStart(store::Context& ctx, const driver::Vcns& vcns, Plugin& plugin,
                                      locking::LockProvider& locks) {
  RecoveryOptions options;
  for (DebrisKind k : AllDebrisKinds()) {
    if (k != DebrisKind::kMissingEdge) options.kinds.push_back(k);
  }
  RecoveryReport report;
  std::set<std::string> failed;  // objects that failed once are not retried in round 2
  for (int round = 1; round <= 2; ++round) {
    NSXV_ASSIGN_OR_RETURN(DebrisList found, FindDebris(ctx, vcns, options));
    bool any = false;
    for (Debris& d : found.items) {
      if (failed.count(d.object)) continue;
      any = true;
      RecoveryItem item;
      Status s = FixDebris(ctx, vcns, plugin, locks, d);
      item.fixed = s.ok();
      item.error = s.ok() ? "" : s.message();
      if (!s.ok()) {
        failed.insert(d.object);
        spdlog::warn("recovery kind={} object=\"{}\" error=\"{}\"", DebrisKindName(d.kind),
                     d.object, item.error);
      } else {
        spdlog::info("recovery kind={} object=\"{}\" fixed: {}", DebrisKindName(d.kind), d.object,
                     d.action);
      }
      item.debris = std::move(d);
      report.items.push_back(std::move(item));
    }
    if (!any) break;
  }
  return report;
}

}  // namespace nsxv::plugin
