#include "driver/store/sqlite.h"

#include <sqlite3.h>

#include <chrono>
#include <string>
#include <utility>

namespace nsxv::store {

Status SqliteStatus(int rc, std::string_view what, std::string_view detail) {
  std::string msg(what);
  if (!detail.empty()) {
    msg += ": ";
    msg += detail;
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return {StatusCode::kUnavailable, std::move(msg)};
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return {StatusCode::kInvalidArgument, std::move(msg)};
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return {StatusCode::kFailedPrecondition, std::move(msg)};
    case SQLITE_CONSTRAINT:
      switch (rc) {
        case SQLITE_CONSTRAINT_PRIMARYKEY:
        case SQLITE_CONSTRAINT_UNIQUE:
          return {StatusCode::kAlreadyExists, std::move(msg)};
        case SQLITE_CONSTRAINT_FOREIGNKEY:
        case SQLITE_CONSTRAINT_TRIGGER:  // what ON DELETE RESTRICT reports
          return {StatusCode::kFailedPrecondition, std::move(msg)};
        default:
          return {StatusCode::kInvalidArgument, std::move(msg)};
      }
    default:
      return {StatusCode::kInternal, std::move(msg)};
  }
}

namespace {

class SqliteStatement final : public Statement {
 public:
  SqliteStatement(SqliteDb* db, sqlite3_stmt* stmt, bool writes)
      : db_(db), stmt_(stmt), writes_(writes) {}
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  void Bind(int index, std::string_view value) override {
    Check(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                              SQLITE_UTF8));
  }
  void Bind(int index, int64_t value) override { Check(sqlite3_bind_int64(stmt_, index, value)); }
  void BindNull(int index) override { Check(sqlite3_bind_null(stmt_, index)); }

  Result<bool> Step() override {
    if (bind_error_ != 0) {
      return SqliteStatus(bind_error_, "binding parameters", sqlite3_sql(stmt_));
    }
    if (writes_) db_->EnterWrite();
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) {
      changes_ = static_cast<int64_t>(sqlite3_changes64(db_->raw()));
      db_->LeaveWriteIfDone();
      return false;
    }
    Status s = db_->Error(rc, "sqlite step");
    db_->LeaveWriteIfDone();
    return s;
  }
  int64_t Changes() const override { return changes_; }
  void Reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    bind_error_ = 0;
    if (writes_) db_->LeaveWriteIfDone();
  }
  bool IsNull(int col) const override { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int64_t Int(int col) const override { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) const override {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    if (p == nullptr) return {};
    return {reinterpret_cast<const char*>(p),
            static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
  }

 private:
  void Check(int rc) {
    if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  }
  SqliteDb* db_;
  sqlite3_stmt* stmt_;
  const bool writes_;   // changes the database, or opens a write transaction (BEGIN IMMEDIATE)
  int bind_error_ = 0;  // first failed bind (SQLite code), reported by Step()
  int64_t changes_ = 0;
};

}  // namespace

// ---- SqliteDb ----

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path,
                                                 const DbOptions& options) {
  sqlite3* raw = nullptr;
  const int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status s = SqliteStatus(rc, "opening database " + path,
                            raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc));
    sqlite3_close(raw);
    return s;
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  return std::unique_ptr<SqliteDb>(new SqliteDb(
      raw, path, options.read_only ? nullptr : WriteGate::ForFile(path), options.busy_timeout_ms));
}

SqliteDb::~SqliteDb() {
  ClearCache();
  sqlite3_close(db_);
  if (gate_held_) gate_->Release();
}

void SqliteDb::EnterWrite() {
  if (gate_ == nullptr || gate_held_) return;
  gate_held_ = gate_->Acquire(std::chrono::milliseconds(gate_timeout_ms_));
}

void SqliteDb::LeaveWriteIfDone() {
  if (!gate_held_ || sqlite3_get_autocommit(db_) == 0) return;
  gate_held_ = false;
  gate_->Release();
}

Status SqliteDb::Exec(std::string_view sql) {
  const std::string text(sql);
  char* err = nullptr;
  EnterWrite();  // Exec runs schema changes and PRAGMAs: taken as a write
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  LeaveWriteIfDone();
  if (rc == SQLITE_OK) return Status::Ok();
  Status s = SqliteStatus(sqlite3_extended_errcode(db_), "database " + path(),
                          err != nullptr ? err : sqlite3_errstr(rc));
  sqlite3_free(err);
  return s;
}

Result<std::unique_ptr<Statement>> SqliteDb::NewStatement(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return Error(rc, "preparing statement");
  // BEGIN counts as read-only for sqlite3_stmt_readonly(); BEGIN IMMEDIATE / EXCLUSIVE take
  // SQLite's write lock at once, so they take the gate too.
  const bool begins_write =
      sql.starts_with("BEGIN IMMEDIATE") || sql.starts_with("BEGIN EXCLUSIVE");
  return std::unique_ptr<Statement>(
      new SqliteStatement(this, stmt, begins_write || sqlite3_stmt_readonly(stmt) == 0));
}

Status SqliteDb::Error(int rc, std::string_view what) const {
  const int ext = sqlite3_extended_errcode(db_);
  return SqliteStatus((ext & 0xff) == (rc & 0xff) ? ext : rc,
                      std::string(what) + " on database " + path(), sqlite3_errmsg(db_));
}

bool SqliteDb::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

}  // namespace nsxv::store
