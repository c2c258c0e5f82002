// The SQLite engine of the store seam (db.h): a connection in SQLite's multi-thread mode
// (SQLITE_OPEN_NOMUTEX) with prepared statements.
//
// SQLite result codes become Status values in one place (SqliteStatus): BUSY/LOCKED ->
// kUnavailable (retryable), UNIQUE/PRIMARY KEY -> kAlreadyExists, FOREIGN KEY ->
// kFailedPrecondition, CHECK/NOT NULL -> kInvalidArgument, NOTADB -> kInvalidArgument, anything
// else -> kInternal.
//
// Threading: as every Db (db.h): one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "driver/common/status.h"
#include "driver/store/db.h"
#include "driver/store/write_gate.h"

struct sqlite3;

namespace nsxv::store {

// Status for SQLite result code `rc` (extended codes accepted); `what` names the operation.
Status SqliteStatus(int rc, std::string_view what, std::string_view detail);

struct DbOptions {
  // Busy handler wait per statement before SQLITE_BUSY is returned.
  int busy_timeout_ms = 10000;
  bool read_only = false;
};

class SqliteDb final : public Db {
 public:
  // Opens (or creates) the file; ":memory:" gives a private in-memory database. Does not touch
  // the file's contents; see schema.h for validation and migrations.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path, const DbOptions& options);
  ~SqliteDb() override;

  Engine engine() const override { return Engine::kSqlite; }
  Status Exec(std::string_view sql) override;
  bool in_transaction() const override;
  // The current error as a Status for result code `rc`.
  Status Error(int rc, std::string_view what) const;
  sqlite3* raw() { return db_; }

  // The write gate (write_gate.h): taken before a write, released once the connection is back in
  // autocommit mode. No-ops for private databases.
  void EnterWrite();
  void LeaveWriteIfDone();

 private:
  SqliteDb(sqlite3* db, std::string path, std::shared_ptr<WriteGate> gate, int gate_timeout_ms)
      : Db(std::move(path)), db_(db), gate_(std::move(gate)), gate_timeout_ms_(gate_timeout_ms) {}
  Result<std::unique_ptr<Statement>> NewStatement(std::string_view sql) override;
  sqlite3* db_;
  const std::shared_ptr<WriteGate> gate_;
  const int gate_timeout_ms_;
  bool gate_held_ = false;
};

}  // namespace nsxv::store
