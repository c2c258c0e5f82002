#include "driver/store/neutron_db.h"

#include <cstdio>
#include <utility>

namespace nsxv::store {
namespace {

// A list filter is bound as a JSON array and matched with json_each, so each query has one
// fixed text (one cached prepared statement) whatever the list length; NULL means "any".
std::optional<std::string> JsonList(const std::optional<std::vector<std::string>>& values) {
  if (!values) return std::nullopt;
  std::string out = "[";
  for (size_t i = 0; i < values->size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (const char c : (*values)[i]) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
        out += buf;
      } else {
        out += c;
      }
    }
    out += '"';
  }
  out += ']';
  return out;
}

#define NSXV_IN_LIST(col, n) \
  "(?" #n " IS NULL OR " col " IN (SELECT value FROM json_each(?" #n ")))"

Status Prefix(const Status& s, const std::string& what) {
  if (s.ok()) return s;
  return {s.code(), what + ": " + s.message()};
}

NetworkRow ReadNetwork(const Stmt& s) {
  return NetworkRow{s.Text(0), s.OptText(1), s.Text(2), s.Bool(3), s.Bool(4), s.Bool(5), s.Text(6)};
}

constexpr const char* kNetworkSelect =
    "SELECT id, tenant_id, name, admin_state_up, shared, port_security_enabled, status "
    "FROM networks ";

SubnetRow ReadSubnet(const Stmt& s) {
  SubnetRow r;
  r.id = s.Text(0);
  r.network_id = s.Text(1);
  r.tenant_id = s.OptText(2);
  r.name = s.Text(3);
  r.ip_version = static_cast<int>(s.Int(4));
  r.cidr = s.Text(5);
  r.gateway_ip = s.OptText(6);
  r.enable_dhcp = s.Bool(7);
  return r;
}

constexpr const char* kSubnetSelect =
    "SELECT id, network_id, tenant_id, name, ip_version, cidr, gateway_ip, enable_dhcp "
    "FROM subnets ";

Status LoadPools(Db& db, SubnetRow& row) {
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db.Prepare("SELECT first_ip, last_ip FROM allocation_pools "
                                              "WHERE subnet_id = ? ORDER BY first_int"));
  stmt.BindAll(row.id);
  NSXV_ASSIGN_OR_RETURN(row.allocation_pools, ReadAll<AllocationPool>(stmt, [](const Stmt& s) {
                          return AllocationPool{s.Text(0), s.Text(1)};
                        }));
  return Status::Ok();
}

PortRow ReadPort(const Stmt& s) {
  PortRow r;
  r.id = s.Text(0);
  r.network_id = s.Text(1);
  r.tenant_id = s.OptText(2);
  r.name = s.Text(3);
  r.mac_address = s.Text(4);
  r.admin_state_up = s.Bool(5);
  r.port_security_enabled = s.Bool(6);
  r.device_id = s.Text(7);
  r.device_owner = s.Text(8);
  r.status = s.Text(9);
  return r;
}

constexpr const char* kPortSelect =
    "SELECT id, network_id, tenant_id, name, mac_address, admin_state_up, "
    "port_security_enabled, device_id, device_owner, status FROM ports ";

Status LoadFixedIps(Db& db, PortRow& row) {
  NSXV_ASSIGN_OR_RETURN(Stmt stmt,
                        db.Prepare("SELECT a.subnet_id, a.ip_address FROM ipallocations a "
                                   "JOIN subnets s ON s.id = a.subnet_id WHERE a.port_id = ? "
                                   "ORDER BY s.rowid, a.ip_int"));
  stmt.BindAll(row.id);
  NSXV_ASSIGN_OR_RETURN(row.fixed_ips, ReadAll<FixedIp>(stmt, [](const Stmt& s) {
                          return FixedIp{s.Text(0), s.Text(1)};
                        }));
  return Status::Ok();
}

RouterRow ReadRouter(const Stmt& s) {
  return RouterRow{s.Text(0), s.OptText(1), s.Text(2), s.Bool(3), s.Text(4), s.Text(5)};
}

constexpr const char* kRouterSelect =
    "SELECT id, tenant_id, name, admin_state_up, status, router_type FROM routers ";

Status DeleteById(Context& ctx, const char* sql, const std::string& id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare(sql));
  stmt.BindAll(id);
  return stmt.Run().status();
}

}  // namespace

// ---- networks ----

Status InsertNetwork(Context& ctx, const NetworkRow& r) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt,
                        db->Prepare("INSERT INTO networks (id, tenant_id, name, admin_state_up, "
                                    "shared, port_security_enabled, status) "
                                    "VALUES (?, ?, ?, ?, ?, ?, ?)"));
  stmt.BindAll(r.id, r.tenant_id, r.name, r.admin_state_up, r.shared, r.port_security_enabled,
               r.status);
  return Prefix(stmt.Run().status(), "network " + r.id);
}

Result<std::optional<NetworkRow>> GetNetworkRow(Context& ctx, const std::string& id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare(std::string(kNetworkSelect) + "WHERE id = ?"));
  stmt.BindAll(id);
  NSXV_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return std::optional<NetworkRow>();
  return std::optional<NetworkRow>(ReadNetwork(stmt));
}

Result<std::vector<NetworkRow>> ListNetworkRows(Context& ctx, const NetworkFilter& f) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt,
                        db->Prepare(std::string(kNetworkSelect) + "WHERE " + NSXV_IN_LIST("id", 1) +
                                    " AND " + NSXV_IN_LIST("name", 2) +
                                    " AND (?3 IS NULL OR tenant_id = ?3) "
                                    "ORDER BY rowid"));
  stmt.BindAll(JsonList(f.id), JsonList(f.name), f.tenant_id);
  return ReadAll<NetworkRow>(stmt, ReadNetwork);
}

Status DeleteNetworkRow(Context& ctx, const std::string& id) {
  return DeleteById(ctx, "DELETE FROM networks WHERE id = ?", id);
}

// ---- subnets ----

Status InsertSubnet(Context& ctx, const SubnetRow& r,
                    const std::vector<std::pair<uint32_t, uint32_t>>& pool_ranges) {
  if (pool_ranges.size() != r.allocation_pools.size()) {
    return Internal("InsertSubnet: pool ranges do not match allocation pools");
  }
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  {
    NSXV_ASSIGN_OR_RETURN(
        Stmt stmt, db->Prepare("INSERT INTO subnets (id, network_id, tenant_id, name, ip_version, "
                               "cidr, gateway_ip, enable_dhcp, ipam_cursor) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    const int64_t cursor = pool_ranges.empty() ? 0 : pool_ranges.front().first;
    stmt.BindAll(r.id, r.network_id, r.tenant_id, r.name, r.ip_version, r.cidr, r.gateway_ip,
                 r.enable_dhcp, cursor);
    NSXV_RETURN_IF_ERROR(Prefix(stmt.Run().status(), "subnet " + r.id));
  }
  NSXV_ASSIGN_OR_RETURN(Stmt pool, db->Prepare("INSERT INTO allocation_pools (subnet_id, "
                                               "first_ip, last_ip, first_int, last_int) "
                                               "VALUES (?, ?, ?, ?, ?)"));
  for (size_t i = 0; i < pool_ranges.size(); ++i) {
    pool.BindAll(r.id, r.allocation_pools[i].start, r.allocation_pools[i].end,
                 static_cast<int64_t>(pool_ranges[i].first),
                 static_cast<int64_t>(pool_ranges[i].second));
    NSXV_RETURN_IF_ERROR(Prefix(pool.Run().status(), "allocation pool of subnet " + r.id));
  }
  return txn.Commit();
}

Result<std::optional<SubnetRow>> GetSubnetRow(Context& ctx, const std::string& id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  std::optional<SubnetRow> out;
  {
    NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare(std::string(kSubnetSelect) + "WHERE id = ?"));
    stmt.BindAll(id);
    NSXV_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return out;
    out = ReadSubnet(stmt);
  }
  NSXV_RETURN_IF_ERROR(LoadPools(*db, *out));
  return out;
}

Result<std::vector<SubnetRow>> ListSubnetRows(Context& ctx, const SubnetFilter& f) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  std::vector<SubnetRow> out;
  {
    NSXV_ASSIGN_OR_RETURN(
        Stmt stmt, db->Prepare(std::string(kSubnetSelect) + "WHERE " + NSXV_IN_LIST("id", 1) +
                               " AND " + NSXV_IN_LIST("network_id", 2) +
                               " AND (?3 IS NULL OR tenant_id = ?3) "
                               "ORDER BY rowid"));
    stmt.BindAll(JsonList(f.id), JsonList(f.network_id), f.tenant_id);
    NSXV_ASSIGN_OR_RETURN(out, ReadAll<SubnetRow>(stmt, ReadSubnet));
  }
  for (SubnetRow& s : out) NSXV_RETURN_IF_ERROR(LoadPools(*db, s));
  return out;
}

Status DeleteSubnetRow(Context& ctx, const std::string& id) {
  return DeleteById(ctx, "DELETE FROM subnets WHERE id = ?", id);
}

Result<int64_t> CountAllocations(Context& ctx, const std::string& subnet_id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt,
                        db->Prepare("SELECT COUNT(*) FROM ipallocations WHERE subnet_id = ?"));
  stmt.BindAll(subnet_id);
  NSXV_RETURN_IF_ERROR(stmt.Step().status());
  return stmt.Int(0);
}

// ---- ports ----

Status InsertPort(Context& ctx, const PortRow& r) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt,
                        db->Prepare("INSERT INTO ports (id, network_id, tenant_id, name, "
                                    "mac_address, admin_state_up, port_security_enabled, "
                                    "device_id, device_owner, status) "
                                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  stmt.BindAll(r.id, r.network_id, r.tenant_id, r.name, r.mac_address, r.admin_state_up,
               r.port_security_enabled, r.device_id, r.device_owner, r.status);
  return Prefix(stmt.Run().status(), "port " + r.id);
}

Result<std::optional<PortRow>> GetPortRow(Context& ctx, const std::string& id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  std::optional<PortRow> out;
  {
    NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare(std::string(kPortSelect) + "WHERE id = ?"));
    stmt.BindAll(id);
    NSXV_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return out;
    out = ReadPort(stmt);
  }
  NSXV_RETURN_IF_ERROR(LoadFixedIps(*db, *out));
  return out;
}

Result<std::vector<PortRow>> ListPortRows(Context& ctx, const PortFilter& f) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  std::vector<PortRow> out;
  {
    // Only the filters that are set go into the WHERE clause: `?n IS NULL OR col IN (...)` keeps
    // SQLite from using the ports_device / network indexes. At most 32 variants are cached.
    std::string sql = std::string(kPortSelect) + "WHERE 1";
    const std::pair<const char*, const std::optional<std::vector<std::string>>*> lists[] = {
        {"id", &f.id},
        {"network_id", &f.network_id},
        {"device_id", &f.device_id},
        {"device_owner", &f.device_owner}};
    for (const auto& [col, values] : lists) {
      if (*values) sql += std::string(" AND ") + col + " IN (SELECT value FROM json_each(?))";
    }
    if (f.tenant_id) sql += " AND tenant_id = ?";
    sql += " ORDER BY rowid";
    NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare(sql));
    int index = 0;
    for (const auto& [col, values] : lists) {
      if (*values) stmt.Bind(++index, *JsonList(*values));
    }
    if (f.tenant_id) stmt.Bind(++index, *f.tenant_id);
    NSXV_ASSIGN_OR_RETURN(out, ReadAll<PortRow>(stmt, ReadPort));
  }
  for (PortRow& p : out) NSXV_RETURN_IF_ERROR(LoadFixedIps(*db, p));
  return out;
}

Status DeletePortRow(Context& ctx, const std::string& id) {
  return DeleteById(ctx, "DELETE FROM ports WHERE id = ?", id);
}

// ---- routers ----

Status InsertRouter(Context& ctx, const RouterRow& r) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare("INSERT INTO routers (id, tenant_id, name, "
                                               "admin_state_up, status, router_type) "
                                               "VALUES (?, ?, ?, ?, ?, ?)"));
  stmt.BindAll(r.id, r.tenant_id, r.name, r.admin_state_up, r.status, r.router_type);
  return Prefix(stmt.Run().status(), "router " + r.id);
}

Result<std::optional<RouterRow>> GetRouterRow(Context& ctx, const std::string& id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare(std::string(kRouterSelect) + "WHERE id = ?"));
  stmt.BindAll(id);
  NSXV_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return std::optional<RouterRow>();
  return std::optional<RouterRow>(ReadRouter(stmt));
}

Result<std::vector<RouterRow>> ListRouterRows(Context& ctx, const RouterFilter& f) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt,
                        db->Prepare(std::string(kRouterSelect) + "WHERE " + NSXV_IN_LIST("id", 1) +
                                    " AND " + NSXV_IN_LIST("name", 2) +
                                    " AND (?3 IS NULL OR tenant_id = ?3) "
                                    "ORDER BY rowid"));
  stmt.BindAll(JsonList(f.id), JsonList(f.name), f.tenant_id);
  return ReadAll<RouterRow>(stmt, ReadRouter);
}

Status UpdateRouterStatus(Context& ctx, const std::string& id, const std::string& status) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare("UPDATE routers SET status = ? WHERE id = ?"));
  stmt.BindAll(status, id);
  NSXV_ASSIGN_OR_RETURN(const int64_t changed, stmt.Run());
  if (changed == 0) return NotFound("router " + id + " not found");
  return Status::Ok();
}

Status DeleteRouterRow(Context& ctx, const std::string& id) {
  return DeleteById(ctx, "DELETE FROM routers WHERE id = ?", id);
}

#undef NSXV_IN_LIST

}  // namespace nsxv::store
