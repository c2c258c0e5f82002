// Schema of the driver's store and its versioned migrations, one source for both engines
// (dialect.h says how the text differs on MariaDB).
//
// The version lives in `PRAGMA user_version` on SQLite, in the table nsxv_schema_version on
// MariaDB. Migration i (1-based) takes the schema from version i-1 to i; kSchemaVersion is the
// number of migrations. Migrate() runs the missing ones in one IMMEDIATE transaction on SQLite,
// under the server's named lock nsxv-schema-migrate on MariaDB (DDL is not transactional there),
// so two processes opening a fresh database migrate it once; it refuses a database whose version
// is newer than this binary knows, without changing it.
//
// Tables: the four nsxv tables of reference §6.1–§6.4 with their keys, the network mapping of
// §6.5, and a minimal Neutron core (networks, subnets, allocation pools, ports, IP allocations,
// routers). Not thread-safe: operates on one Db (see context.h).
#pragma once

#include "driver/common/status.h"
#include "driver/store/db.h"

namespace nsxv::store {

inline constexpr int kSchemaVersion = 2;

// Reads the schema version; InvalidArgument naming the file if it is not an SQLite database.
Result<int> SchemaVersion(Db& db);

// Brings the schema to kSchemaVersion. FailedPrecondition naming the file when its version is
// newer than kSchemaVersion. On SQLite the database is unchanged on any error.
Status Migrate(Db& db);

}  // namespace nsxv::store
