#include "driver/store/db.h"

#include <string>
#include <utility>

namespace nsxv::store {

Result<int64_t> Stmt::Run() {
  for (;;) {
    NSXV_ASSIGN_OR_RETURN(const bool row, Step());
    if (!row) break;
  }
  const int64_t changes = stmt_->Changes();
  Reset();
  return changes;
}

Result<Stmt> Db::Prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    NSXV_ASSIGN_OR_RETURN(std::unique_ptr<Statement> stmt, NewStatement(sql));
    it = cache_.emplace(std::string(sql), std::move(stmt)).first;
  }
  return Stmt(it->second.get());
}

Status Db::RunCached(std::string_view sql) {
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, Prepare(sql));
  return stmt.Run().status();
}

namespace {

std::string SavepointName(int n) { return "nsxv_sp" + std::to_string(n); }

}  // namespace

Result<Transaction> Transaction::Begin(Db& db, Kind kind) {
  if (db.in_transaction()) {
    const int n = db.savepoints_ + 1;
    NSXV_RETURN_IF_ERROR(db.RunCached("SAVEPOINT " + SavepointName(n)));
    db.savepoints_ = n;
    return Transaction(&db, n);
  }
  db.savepoints_ = 0;
  // The MariaDB engine runs both as START TRANSACTION (dialect.h).
  NSXV_RETURN_IF_ERROR(db.RunCached(kind == Kind::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN"));
  return Transaction(&db, 0);
}

Transaction::~Transaction() {
  if (db_ == nullptr) return;
  if (savepoint_ > 0) {
    // Fails harmlessly when the engine already rolled the whole transaction back (deadlock).
    (void)db_->RunCached("ROLLBACK TO SAVEPOINT " + SavepointName(savepoint_));
    (void)db_->RunCached("RELEASE SAVEPOINT " + SavepointName(savepoint_));
    db_->savepoints_ = savepoint_ - 1;
  } else if (db_->in_transaction()) {
    (void)db_->RunCached("ROLLBACK");
  }
}

Status Transaction::Commit() {
  Db* db = db_;
  if (db == nullptr) return Internal("transaction already finished");
  Status s =
      db->RunCached(savepoint_ > 0 ? "RELEASE SAVEPOINT " + SavepointName(savepoint_) : "COMMIT");
  // A failed COMMIT (e.g. SQLITE_BUSY) leaves the transaction open; the destructor rolls it back.
  if (s.ok()) {
    if (savepoint_ > 0) db->savepoints_ = savepoint_ - 1;
    db_ = nullptr;
  }
  return s;
}

}  // namespace nsxv::store
