// Schema of the driver's SQLite store and its versioned migrations.
//
// The version lives in `PRAGMA user_version`. Migration i (1-based) takes the schema from
// version i-1 to i; kSchemaVersion is the number of migrations. Migrate() runs the missing ones in
// one IMMEDIATE transaction (so two processes opening a fresh file migrate it once), and refuses a
// database whose version is newer than this binary knows, without changing it.
//
// Tables: the four nsxv tables of reference §6.1–§6.4 with their keys, the network mapping of
// §6.5, and a minimal Neutron core (networks, subnets, allocation pools, ports, IP allocations,
// routers). Not thread-safe: operates on one Db (see context.h).
#pragma once

#include "driver/common/status.h"
#include "driver/store/sqlite.h"

namespace nsxv::store {

inline constexpr int kSchemaVersion = 1;

// Reads the schema version; InvalidArgument naming the file if it is not an SQLite database.
Result<int> SchemaVersion(Db& db);

// Brings the schema to kSchemaVersion. FailedPrecondition naming the file when its version is
// newer than kSchemaVersion. The database is unchanged on any error.
Status Migrate(Db& db);

}  // namespace nsxv::store
