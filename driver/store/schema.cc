// Schema follows the models of vmware_nsx/db/nsxv_models.py (reference §6) and the Neutron core
// tables the metadata flow touches; it is written once, in SQLite's dialect with the tokens of
// dialect.h, not translated from the alembic migrations.
#include "driver/store/schema.h"

#include <array>
#include <string>

#include "driver/store/dialect.h"

namespace nsxv::store {
namespace {

// Version 1. Timestamps are ISO-8601 UTC text (TimestampMixin of §6). Enums become CHECKs.
constexpr const char* kMigration1 = R"sql(
CREATE TABLE networks (
  {rowid}
  id TEXT PRIMARY KEY,
  tenant_id TEXT,
  name TEXT NOT NULL DEFAULT '',
  admin_state_up INTEGER NOT NULL DEFAULT 1,
  shared INTEGER NOT NULL DEFAULT 0,
  port_security_enabled INTEGER NOT NULL DEFAULT 1,
  status TEXT NOT NULL DEFAULT 'ACTIVE',
  created_at TEXT NOT NULL DEFAULT {now},
  updated_at TEXT
);

CREATE TABLE neutron_nsx_network_mappings (
  neutron_id TEXT NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
  nsx_id TEXT NOT NULL,
  dvs_id TEXT,
  PRIMARY KEY (neutron_id, nsx_id)
);

CREATE TABLE subnets (
  {rowid}
  id TEXT PRIMARY KEY,
  network_id TEXT NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
  tenant_id TEXT,
  name TEXT NOT NULL DEFAULT '',
  ip_version INTEGER NOT NULL CHECK (ip_version = 4),
  cidr TEXT NOT NULL,
  gateway_ip TEXT,
  enable_dhcp INTEGER NOT NULL DEFAULT 0,
  -- IPAM: next address (as integer) to try; allocation wraps around the pools.
  ipam_cursor INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT {now}
);
CREATE INDEX subnets_network ON subnets(network_id);

CREATE TABLE allocation_pools (
  subnet_id TEXT NOT NULL REFERENCES subnets(id) ON DELETE CASCADE,
  first_ip TEXT NOT NULL,
  last_ip TEXT NOT NULL,
  first_int INTEGER NOT NULL,
  last_int INTEGER NOT NULL CHECK (last_int >= first_int),
  PRIMARY KEY (subnet_id, first_int)
);

CREATE TABLE ports (
  {rowid}
  id TEXT PRIMARY KEY,
  network_id TEXT NOT NULL REFERENCES networks(id) ON DELETE RESTRICT,
  tenant_id TEXT,
  name TEXT NOT NULL DEFAULT '',
  mac_address TEXT NOT NULL UNIQUE,
  admin_state_up INTEGER NOT NULL DEFAULT 1,
  port_security_enabled INTEGER NOT NULL DEFAULT 1,
  device_id TEXT NOT NULL DEFAULT '',
  device_owner TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'ACTIVE',
  created_at TEXT NOT NULL DEFAULT {now}
);
CREATE INDEX ports_network ON ports(network_id);
CREATE INDEX ports_device ON ports(device_id);

-- UNIQUE (subnet, ip) is the primary key: two allocators can never hand out one address.
CREATE TABLE ipallocations (
  subnet_id TEXT NOT NULL REFERENCES subnets(id) ON DELETE RESTRICT,
  ip_int INTEGER NOT NULL,
  ip_address TEXT NOT NULL,
  port_id TEXT NOT NULL REFERENCES ports(id) ON DELETE CASCADE,
  network_id TEXT NOT NULL,
  PRIMARY KEY (subnet_id, ip_int)
);
CREATE INDEX ipallocations_port ON ipallocations(port_id);

CREATE TABLE routers (
  {rowid}
  id TEXT PRIMARY KEY,
  tenant_id TEXT,
  name TEXT NOT NULL DEFAULT '',
  admin_state_up INTEGER NOT NULL DEFAULT 1,
  status TEXT NOT NULL,
  router_type TEXT NOT NULL DEFAULT 'exclusive',
  created_at TEXT NOT NULL DEFAULT {now}
);

CREATE TABLE nsxv_internal_networks (
  network_purpose TEXT PRIMARY KEY CHECK (network_purpose IN ('inter_edge_net')),
  network_id TEXT REFERENCES networks(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL DEFAULT {now},
  updated_at TEXT
);

CREATE TABLE nsxv_internal_edges (
  ext_ip_address TEXT PRIMARY KEY,
  router_id TEXT,
  purpose TEXT CHECK (purpose IS NULL OR purpose IN ('inter_edge_net')),
  created_at TEXT NOT NULL DEFAULT {now},
  updated_at TEXT
);
CREATE INDEX nsxv_internal_edges_router ON nsxv_internal_edges(router_id);

CREATE TABLE nsxv_router_bindings (
  router_id TEXT PRIMARY KEY,
  edge_id TEXT,
  lswitch_id TEXT,
  status TEXT NOT NULL,
  status_description TEXT,
  appliance_size TEXT CHECK (appliance_size IS NULL OR
                             appliance_size IN ('compact', 'large', 'xlarge', 'quadlarge')),
  edge_type TEXT CHECK (edge_type IS NULL OR edge_type IN ('service', 'vdr')),
  availability_zone TEXT,
  created_at TEXT NOT NULL DEFAULT {now},
  updated_at TEXT
);
CREATE INDEX nsxv_router_bindings_edge ON nsxv_router_bindings(edge_id);

CREATE TABLE nsxv_edge_vnic_bindings (
  edge_id TEXT NOT NULL,
  vnic_index INTEGER NOT NULL,
  tunnel_index INTEGER NOT NULL,
  network_id TEXT,
  created_at TEXT NOT NULL DEFAULT {now},
  updated_at TEXT,
  PRIMARY KEY (edge_id, vnic_index, tunnel_index)
);
CREATE INDEX nsxv_edge_vnic_bindings_network ON nsxv_edge_vnic_bindings(network_id);
)sql";

// Version 2, SQLite only: nsxv_edge_vnic_bindings stored WITHOUT ROWID, so a slot row is one
// B-tree entry clustered on its primary key (as InnoDB stores every table on MariaDB), and its
// network index only holds bound slots (network_id NOT NULL; every query by network_id names a
// value, so SQLite's planner still uses it). Same columns, keys and rows: an edge's 180 free slots
// cost one B-tree insert each instead of three. On MariaDB there is nothing to change.
constexpr const char* kMigration2Sqlite = R"sql(
CREATE TABLE nsxv_edge_vnic_bindings_v2 (
  edge_id TEXT NOT NULL,
  vnic_index INTEGER NOT NULL,
  tunnel_index INTEGER NOT NULL,
  network_id TEXT,
  created_at TEXT NOT NULL DEFAULT {now},
  updated_at TEXT,
  PRIMARY KEY (edge_id, vnic_index, tunnel_index)
) WITHOUT ROWID;
INSERT INTO nsxv_edge_vnic_bindings_v2
  SELECT edge_id, vnic_index, tunnel_index, network_id, created_at, updated_at
  FROM nsxv_edge_vnic_bindings;
DROP TABLE nsxv_edge_vnic_bindings;
ALTER TABLE nsxv_edge_vnic_bindings_v2 RENAME TO nsxv_edge_vnic_bindings;
CREATE INDEX nsxv_edge_vnic_bindings_network ON nsxv_edge_vnic_bindings(network_id)
  WHERE network_id IS NOT NULL;
)sql";

// A migration's DDL per engine; nullptr: nothing to do on that engine.
struct Migration {
  const char* sqlite;
  const char* mariadb;
};

constexpr std::array<Migration, kSchemaVersion> kMigrations = {
    Migration{kMigration1, kMigration1},
    Migration{kMigration2Sqlite, nullptr},
};

// The DDL of migration `index` (0-based) on `engine`; empty when it changes nothing there.
std::string MigrationSql(Engine engine, int index) {
  const Migration& m = kMigrations[static_cast<size_t>(index)];
  const char* ddl = engine == Engine::kSqlite ? m.sqlite : m.mariadb;
  return ddl == nullptr ? std::string() : SchemaSql(engine, ddl);
}

}  // namespace

namespace {

constexpr const char* kMariadbVersionTable = "nsxv_schema_version";

Status TooNew(const Db& db, int version) {
  return {StatusCode::kFailedPrecondition,
          "database " + db.path() + " has schema version " + std::to_string(version) +
              ", newer than the supported version " + std::to_string(kSchemaVersion)};
}

Result<int> ReadInt(Db& db, const std::string& sql) {
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db.Prepare(sql));
  NSXV_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return 0;
  return static_cast<int>(stmt.Int(0));
}

// MariaDB: DDL commits implicitly, so migrations are serialized across processes by a named
// lock of the server instead of a transaction; a migration that fails half-way leaves the
// tables it created (the version is written only after the last statement).
Status MigrateMariadb(Db& db) {
  NSXV_ASSIGN_OR_RETURN(const int found, SchemaVersion(db));  // the common case: current
  if (found > kSchemaVersion) return TooNew(db, found);
  if (found == kSchemaVersion) return Status::Ok();
  NSXV_ASSIGN_OR_RETURN(const int locked,
                        ReadInt(db, "SELECT GET_LOCK('nsxv-schema-migrate', 60)"));
  if (locked != 1) {
    return {StatusCode::kUnavailable,
            "database " + db.path() + ": timed out waiting for another process's migration"};
  }
  const auto migrate = [&]() -> Status {
    NSXV_RETURN_IF_ERROR(db.Exec(std::string("CREATE TABLE IF NOT EXISTS ") + kMariadbVersionTable +
                                 " (version BIGINT NOT NULL)"));
    NSXV_ASSIGN_OR_RETURN(int current, SchemaVersion(db));
    if (current > kSchemaVersion) return TooNew(db, current);
    if (current == kSchemaVersion) return Status::Ok();
    for (; current < kSchemaVersion; ++current) {
      const std::string ddl = MigrationSql(Engine::kMariadb, current);
      if (!ddl.empty()) NSXV_RETURN_IF_ERROR(db.Exec(ddl));
    }
    return db.Exec(std::string("DELETE FROM ") + kMariadbVersionTable + "; INSERT INTO " +
                   kMariadbVersionTable + " VALUES (" + std::to_string(kSchemaVersion) + ")");
  };
  Status s = migrate();
  (void)db.Exec("DO RELEASE_LOCK('nsxv-schema-migrate')");
  return s;
}

}  // namespace

Result<int> SchemaVersion(Db& db) {
  if (db.engine() == Engine::kMariadb) {
    NSXV_ASSIGN_OR_RETURN(const int exists,
                          ReadInt(db, std::string("SELECT COUNT(*) FROM information_schema.tables "
                                                  "WHERE table_schema = DATABASE() AND "
                                                  "table_name = '") +
                                          kMariadbVersionTable + "'"));
    if (exists == 0) return 0;
    return ReadInt(db, std::string("SELECT MAX(version) FROM ") + kMariadbVersionTable);
  }
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db.Prepare("PRAGMA user_version"));
  NSXV_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return Internal("PRAGMA user_version returned no row for " + db.path());
  return static_cast<int>(stmt.Int(0));
}

Status Migrate(Db& db) {
  if (db.engine() == Engine::kMariadb) return MigrateMariadb(db);
  auto version = SchemaVersion(db);
  if (!version.ok()) {
    if (version.error().code() == StatusCode::kInvalidArgument) {
      return InvalidArgument("database " + db.path() + " is not an SQLite database");
    }
    return version.error();
  }
  if (*version > kSchemaVersion) return TooNew(db, *version);
  if (*version == kSchemaVersion) return Status::Ok();

  NSXV_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db, Transaction::Kind::kImmediate));
  // Another process may have migrated between the read above and BEGIN IMMEDIATE.
  NSXV_ASSIGN_OR_RETURN(int current, SchemaVersion(db));
  if (current > kSchemaVersion) return TooNew(db, current);
  for (; current < kSchemaVersion; ++current) {
    const std::string ddl = MigrationSql(Engine::kSqlite, current);
    if (!ddl.empty()) NSXV_RETURN_IF_ERROR(db.Exec(ddl));
  }
  NSXV_RETURN_IF_ERROR(db.Exec("PRAGMA user_version = " + std::to_string(kSchemaVersion)));
  return txn.Commit();
}

}  // namespace nsxv::store
