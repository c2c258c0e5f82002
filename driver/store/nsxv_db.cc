// Port of vmware_nsx/db/nsxv_db.py.
#include "driver/store/nsxv_db.h"

#include <utility>

namespace nsxv::store {
namespace {

constexpr const char* kNow = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

constexpr const char* kBindingColumns =
    "router_id, edge_id, lswitch_id, status, status_description, appliance_size, edge_type, "
    "availability_zone";

RouterBinding ReadBinding(const Stmt& s) {
  return RouterBinding{s.Text(0),    s.OptText(1), s.OptText(2), s.Text(3),
                       s.OptText(4), s.OptText(5), s.OptText(6), s.OptText(7)};
}

EdgeVnicBinding ReadVnic(const Stmt& s) {
  return EdgeVnicBinding{s.Text(0), static_cast<int>(s.Int(1)), static_cast<int>(s.Int(2)),
                         s.OptText(3)};
}

InternalEdge ReadInternalEdge(const Stmt& s) {
  return InternalEdge{s.Text(0), s.OptText(1), s.OptText(2)};
}

Status Prefix(const Status& s, const std::string& what) {
  if (s.ok()) return s;
  return {s.code(), what + ": " + s.message()};
}

}  // namespace

// ---- nsxv_router_bindings ----

Status AddRouterBinding(Context& ctx, const RouterBinding& b) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare("INSERT INTO nsxv_router_bindings (router_id, "
                                               "edge_id, lswitch_id, status, status_description, "
                                               "appliance_size, edge_type, availability_zone) "
                                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  stmt.BindAll(b.router_id, b.edge_id, b.lswitch_id, b.status, b.status_description,
               b.appliance_size, b.edge_type, b.availability_zone);
  auto r = stmt.Run();
  if (!r.ok()) return Prefix(r.error(), "router binding " + b.router_id);
  return Status::Ok();
}

Result<std::optional<RouterBinding>> GetRouterBinding(Context& ctx, const std::string& router_id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare(std::string("SELECT ") + kBindingColumns +
                                               " FROM nsxv_router_bindings WHERE router_id = ?"));
  stmt.BindAll(router_id);
  return ReadOne<RouterBinding>(stmt, ReadBinding);
}

Result<std::optional<RouterBinding>> GetRouterBindingByEdge(Context& ctx,
                                                            const std::string& edge_id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare(std::string("SELECT ") + kBindingColumns +
                                               " FROM nsxv_router_bindings WHERE edge_id = ? "
                                               "ORDER BY router_id LIMIT 1"));
  stmt.BindAll(edge_id);
  return ReadOne<RouterBinding>(stmt, ReadBinding);
}

Result<std::vector<RouterBinding>> GetRouterBindingsByEdge(Context& ctx,
                                                           const std::string& edge_id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare(std::string("SELECT ") + kBindingColumns +
                                               " FROM nsxv_router_bindings WHERE edge_id = ? "
                                               "ORDER BY router_id"));
  stmt.BindAll(edge_id);
  return ReadAll<RouterBinding>(stmt, ReadBinding);
}

Result<std::vector<RouterBinding>> GetRouterBindings(Context& ctx) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare(std::string("SELECT ") + kBindingColumns +
                                               " FROM nsxv_router_bindings ORDER BY router_id"));
  return ReadAll<RouterBinding>(stmt, ReadBinding);
}

Status UpdateRouterBinding(Context& ctx, const std::string& router_id,
                           const RouterBindingUpdate& u) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  // One statement whatever the fields: ?N flags say which columns to write.
  NSXV_ASSIGN_OR_RETURN(
      Stmt stmt,
      db->Prepare(std::string("UPDATE nsxv_router_bindings SET "
                              "edge_id = CASE WHEN ?1 THEN ?2 ELSE edge_id END, "
                              "status = CASE WHEN ?3 THEN ?4 ELSE status END, "
                              "status_description = CASE WHEN ?5 THEN ?6 ELSE status_description "
                              "END, "
                              "appliance_size = CASE WHEN ?7 THEN ?8 ELSE appliance_size END, "
                              "updated_at = ") +
                  kNow + " WHERE router_id = ?9"));
  stmt.Bind(1, u.edge_id.has_value()).Bind(2, u.edge_id.value_or(std::nullopt));
  stmt.Bind(3, u.status.has_value()).Bind(4, u.status.value_or(""));
  stmt.Bind(5, u.status_description.has_value())
      .Bind(6, u.status_description.value_or(std::nullopt));
  stmt.Bind(7, u.appliance_size.has_value()).Bind(8, u.appliance_size.value_or(std::nullopt));
  stmt.Bind(9, router_id);
  auto changed = stmt.Run();
  if (!changed.ok()) return Prefix(changed.error(), "router binding " + router_id);
  if (*changed == 0) return NotFound("no router binding for router " + router_id);
  return Status::Ok();
}

Status DeleteRouterBinding(Context& ctx, const std::string& router_id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt,
                        db->Prepare("DELETE FROM nsxv_router_bindings WHERE router_id = ?"));
  stmt.BindAll(router_id);
  return stmt.Run().status();
}

Status CleanEdgeRouterBinding(Context& ctx, const std::string& edge_id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt,
                        db->Prepare("DELETE FROM nsxv_router_bindings WHERE edge_id = ?"));
  stmt.BindAll(edge_id);
  return stmt.Run().status();
}

// ---- nsxv_edge_vnic_bindings ----

int EffectiveMaxTunnels(int configured) {
  return configured >= 1 && configured <= 109 ? configured : 10;
}

namespace {

// INSERT of the T slot rows of one vnic as one multi-row VALUES list: ?1 the edge, ?2 created_at,
// ?3 the vnic, ?4 the tunnel before its first ((vnic - 1) x T); rows ?4 + 1 .. ?4 + T. One
// statement per T, kept prepared by the statement cache; its text (the cache key) is built once
// per thread. Short enough that preparing it on each new connection stays cheap.
const std::string& InsertVnicSlotsSql(int t) {
  thread_local std::pair<int, std::string> cached;
  if (cached.first == t) return cached.second;
  std::string sql =
      "INSERT OR IGNORE INTO nsxv_edge_vnic_bindings "
      "(edge_id, vnic_index, tunnel_index, network_id, created_at) VALUES ";
  for (int k = 1; k <= t; ++k) {
    if (k > 1) sql += ',';
    sql += "(?1,?3,?4+";
    sql += std::to_string(k);
    sql += ",NULL,?2)";
  }
  cached = {t, std::move(sql)};
  return cached.second;
}

}  // namespace

Status InitEdgeVnicBinding(Context& ctx, const std::string& edge_id, int max_tunnels) {
  const int t = EffectiveMaxTunnels(max_tunnels);
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  // created_at: the engine's clock, read once for all the rows (as the column default would give
  // each row).
  std::string stamp;
  {
    NSXV_ASSIGN_OR_RETURN(Stmt now, db->Prepare(std::string("SELECT ") + kNow));
    NSXV_ASSIGN_OR_RETURN(const bool row, now.Step());
    if (!row) return Internal("reading the database clock returned no row");
    stamp = now.Text(0);
  }
  // All (kMaxVnicNum - 1) x T slots (180 by default) or none: tunnels 1..9T, tunnel x on vnic
  // (x - 1) / T + 1.
  NSXV_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  for (int vnic = 1; vnic < kMaxVnicNum; ++vnic) {
    NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare(InsertVnicSlotsSql(t)));
    stmt.BindAll(edge_id, stamp, vnic, (vnic - 1) * t);
    NSXV_RETURN_IF_ERROR(stmt.Run().status());
  }
  return txn.Commit();
}

Result<EdgeVnicBinding> AllocateEdgeVnic(Context& ctx, const std::string& edge_id,
                                         const std::string& network_id, int max_tunnels) {
  const int t = EffectiveMaxTunnels(max_tunnels);
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  std::optional<EdgeVnicBinding> slot;
  {
    // FIX (§6.4): ORDER BY makes the choice deterministic (Python took the first row of an
    // unordered query). With T == 1 every tunnel index qualifies (x % 1 == 0), as in Python,
    // where the modulo test is `tunnel_index % T == 1` only for T > 1.
    NSXV_ASSIGN_OR_RETURN(Stmt stmt,
                          db->Prepare("SELECT edge_id, vnic_index, tunnel_index, network_id "
                                      "FROM nsxv_edge_vnic_bindings WHERE edge_id = ?1 AND "
                                      "network_id IS NULL AND (?2 = 1 OR tunnel_index % ?2 = 1) "
                                      "ORDER BY vnic_index, tunnel_index LIMIT 1"));
    stmt.BindAll(edge_id, t);
    NSXV_ASSIGN_OR_RETURN(slot, ReadOne<EdgeVnicBinding>(stmt, ReadVnic));
  }
  if (!slot) {
    return Status(StatusCode::kResourceExhausted,
                  "edge " + edge_id + " has no free internal vnic for network " + network_id);
  }
  NSXV_ASSIGN_OR_RETURN(
      Stmt upd, db->Prepare(std::string("UPDATE nsxv_edge_vnic_bindings SET network_id = "
                                        "?, updated_at = ") +
                            kNow + " WHERE edge_id = ? AND vnic_index = ? AND tunnel_index = ?"));
  upd.BindAll(network_id, edge_id, slot->vnic_index, slot->tunnel_index);
  NSXV_RETURN_IF_ERROR(upd.Run().status());
  NSXV_RETURN_IF_ERROR(txn.Commit());
  slot->network_id = network_id;
  return *slot;
}

Result<std::optional<EdgeVnicBinding>> GetEdgeVnicBinding(Context& ctx, const std::string& edge_id,
                                                          const std::string& network_id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt,
                        db->Prepare("SELECT edge_id, vnic_index, tunnel_index, network_id FROM "
                                    "nsxv_edge_vnic_bindings WHERE edge_id = ? AND network_id = ? "
                                    "ORDER BY vnic_index, tunnel_index LIMIT 1"));
  stmt.BindAll(edge_id, network_id);
  return ReadOne<EdgeVnicBinding>(stmt, ReadVnic);
}

Result<std::vector<EdgeVnicBinding>> GetEdgeVnicBindingsByEdge(Context& ctx,
                                                               const std::string& edge_id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare("SELECT edge_id, vnic_index, tunnel_index, "
                                               "network_id FROM nsxv_edge_vnic_bindings WHERE "
                                               "edge_id = ? AND network_id IS NOT NULL "
                                               "ORDER BY vnic_index, tunnel_index"));
  stmt.BindAll(edge_id);
  return ReadAll<EdgeVnicBinding>(stmt, ReadVnic);
}

Result<std::vector<EdgeVnicBinding>> GetEdgeVnicBindingsByIntLswitch(
    Context& ctx, const std::string& network_id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare("SELECT edge_id, vnic_index, tunnel_index, "
                                               "network_id FROM nsxv_edge_vnic_bindings WHERE "
                                               "network_id = ? ORDER BY edge_id, vnic_index, "
                                               "tunnel_index"));
  stmt.BindAll(network_id);
  return ReadAll<EdgeVnicBinding>(stmt, ReadVnic);
}

Status FreeEdgeVnicByNetwork(Context& ctx, const std::string& edge_id,
                             const std::string& network_id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare(std::string("UPDATE nsxv_edge_vnic_bindings SET "
                                                           "network_id = NULL, updated_at = ") +
                                               kNow + " WHERE edge_id = ? AND network_id = ?"));
  stmt.BindAll(edge_id, network_id);
  return stmt.Run().status();
}

Status CleanEdgeVnicBinding(Context& ctx, const std::string& edge_id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt,
                        db->Prepare("DELETE FROM nsxv_edge_vnic_bindings WHERE edge_id = ?"));
  stmt.BindAll(edge_id);
  return stmt.Run().status();
}

Result<int64_t> CountEdgeVnicBindings(Context& ctx, const std::string& edge_id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(
      Stmt stmt, db->Prepare("SELECT COUNT(*) FROM nsxv_edge_vnic_bindings WHERE edge_id = ?"));
  stmt.BindAll(edge_id);
  NSXV_RETURN_IF_ERROR(stmt.Step().status());
  return stmt.Int(0);
}

// ---- nsxv_internal_networks ----

Status CreateNsxvInternalNetwork(Context& ctx, const std::string& purpose,
                                 const std::string& network_id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare("INSERT INTO nsxv_internal_networks "
                                               "(network_purpose, network_id) VALUES (?, ?)"));
  stmt.BindAll(purpose, network_id);
  return Prefix(stmt.Run().status(), "internal network for purpose " + purpose);
}

Result<std::optional<std::string>> GetNsxvInternalNetwork(Context& ctx,
                                                          const std::string& purpose) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare("SELECT network_id FROM nsxv_internal_networks "
                                               "WHERE network_purpose = ?"));
  stmt.BindAll(purpose);
  NSXV_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return std::optional<std::string>();
  return stmt.OptText(0);
}

Status DeleteNsxvInternalNetwork(Context& ctx, const std::string& purpose) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(
      Stmt stmt, db->Prepare("DELETE FROM nsxv_internal_networks WHERE network_purpose = ?"));
  stmt.BindAll(purpose);
  return stmt.Run().status();
}

Result<bool> IsNsxvInternalNetwork(Context& ctx, const std::string& network_id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(
      Stmt stmt, db->Prepare("SELECT 1 FROM nsxv_internal_networks WHERE network_id = ? LIMIT 1"));
  stmt.BindAll(network_id);
  return stmt.Step();
}

// ---- nsxv_internal_edges ----

Status CreateNsxvInternalEdge(Context& ctx, const std::string& ext_ip, const std::string& purpose,
                              const std::string& router_id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare("INSERT INTO nsxv_internal_edges "
                                               "(ext_ip_address, router_id, purpose) "
                                               "VALUES (?, ?, ?)"));
  stmt.BindAll(ext_ip, router_id, purpose);
  return Prefix(stmt.Run().status(), "internal edge " + ext_ip);
}

Result<std::optional<InternalEdge>> GetNsxvInternalEdge(Context& ctx, const std::string& ext_ip) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare("SELECT ext_ip_address, router_id, purpose FROM "
                                               "nsxv_internal_edges WHERE ext_ip_address = ?"));
  stmt.BindAll(ext_ip);
  return ReadOne<InternalEdge>(stmt, ReadInternalEdge);
}

Result<std::vector<InternalEdge>> GetNsxvInternalEdgesByPurpose(Context& ctx,
                                                                const std::string& purpose) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare("SELECT ext_ip_address, router_id, purpose FROM "
                                               "nsxv_internal_edges WHERE purpose = ? "
                                               "ORDER BY ext_ip_address"));
  stmt.BindAll(purpose);
  return ReadAll<InternalEdge>(stmt, ReadInternalEdge);
}

Result<std::optional<InternalEdge>> GetNsxvInternalEdgeByRouter(Context& ctx,
                                                                const std::string& router_id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare("SELECT ext_ip_address, router_id, purpose FROM "
                                               "nsxv_internal_edges WHERE router_id = ? "
                                               "ORDER BY ext_ip_address LIMIT 1"));
  stmt.BindAll(router_id);
  return ReadOne<InternalEdge>(stmt, ReadInternalEdge);
}

Status UpdateNsxvInternalEdge(Context& ctx, const std::string& ext_ip,
                              const std::string& router_id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt,
                        db->Prepare(std::string("UPDATE nsxv_internal_edges SET router_id = ?, "
                                                "updated_at = ") +
                                    kNow + " WHERE ext_ip_address = ?"));
  stmt.BindAll(router_id, ext_ip);
  NSXV_ASSIGN_OR_RETURN(const int64_t changed, stmt.Run());
  if (changed == 0) return NotFound("no internal edge with ext ip " + ext_ip);
  return Status::Ok();
}

Status DeleteNsxvInternalEdge(Context& ctx, const std::string& ext_ip) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt,
                        db->Prepare("DELETE FROM nsxv_internal_edges WHERE ext_ip_address = ?"));
  stmt.BindAll(ext_ip);
  return stmt.Run().status();
}

// ---- neutron_nsx_network_mappings ----

Status AddNetworkMapping(Context& ctx, const std::string& neutron_id, const std::string& nsx_id,
                         const std::optional<std::string>& dvs_id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare("INSERT INTO neutron_nsx_network_mappings "
                                               "(neutron_id, nsx_id, dvs_id) VALUES (?, ?, ?)"));
  stmt.BindAll(neutron_id, nsx_id, dvs_id);
  return Prefix(stmt.Run().status(), "network mapping " + neutron_id + " -> " + nsx_id);
}

Result<std::vector<std::string>> GetNsxSwitchIds(Context& ctx, const std::string& neutron_id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare("SELECT nsx_id FROM neutron_nsx_network_mappings "
                                               "WHERE neutron_id = ? ORDER BY nsx_id"));
  stmt.BindAll(neutron_id);
  return ReadAll<std::string>(stmt, [](const Stmt& s) { return s.Text(0); });
}

}  // namespace nsxv::store
