// Where the SQL of the two engines differs, and how: the one place that says so.
//
// The store's SQL is written once, in SQLite's dialect. For MariaDB:
//   DDL (SchemaSql), from the migration text with its tokens:
//     TEXT        -> VARCHAR(255) COLLATE utf8mb4_bin (indexable; byte-wise comparison, as on
//                    SQLite, not MariaDB's case-insensitive default)
//     INTEGER     -> BIGINT (SQLite integers are 64-bit; addresses as integers need 32 bits
//                    unsigned)
//     {now}       -> the current UTC time as ISO-8601 text with milliseconds (both engines)
//     {rowid}     -> SQLite's implicit rowid; on MariaDB an explicit AUTO_INCREMENT column named
//                    rowid, so "ORDER BY rowid" (insertion order) reads the same on both
//   DML (MariadbSql):
//     json_each(X)          -> JSON_TABLE(X, '$[*]' COLUMNS (value ...)) AS nsxv_json
//     INSERT OR IGNORE      -> INSERT IGNORE
//     strftime(ISO, 'now')  -> the MariaDB expression of {now}
//     BEGIN [IMMEDIATE]     -> START TRANSACTION
//     PRAGMA foreign_keys = OFF / ON -> SET SESSION foreign_key_checks = 0 / 1
//     ?N parameters         -> positional ?, mapped back to N by the engine (mariadb.cc)
// Integer division is not rewritten: the store's SQL avoids `/` on integers (MariaDB's `/`
// gives a decimal).
//
// Schema version: PRAGMA user_version on SQLite; the one-row table nsxv_schema_version on
// MariaDB (schema.cc). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "driver/store/db.h"

namespace nsxv::store {

// The DDL of a migration for `engine`, tokens expanded.
std::string SchemaSql(Engine engine, std::string_view ddl);

// A statement of the store (SQLite dialect) in MariaDB's dialect.
std::string MariadbSql(std::string_view sql);

}  // namespace nsxv::store
