#include "driver/store/sqlite.h"

#include <sqlite3.h>

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

// ---- Stmt ----

Stmt::Stmt(Stmt&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), bind_error_(other.bind_error_) {
  other.stmt_ = nullptr;
}

Stmt::~Stmt() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Stmt& Stmt::Bind(int index, std::string_view value) {
  const int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Stmt& Stmt::Bind(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Stmt& Stmt::Bind(int index, const std::optional<std::string>& value) {
  return value ? Bind(index, std::string_view(*value)) : BindNull(index);
}

Stmt& Stmt::BindNull(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Result<bool> Stmt::Step() {
  if (bind_error_ != 0) {
    return SqliteStatus(bind_error_, "binding parameters", sqlite3_sql(stmt_));
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error(rc, "sqlite step");
}

Result<int64_t> Stmt::Run() {
  for (;;) {
    NSXV_ASSIGN_OR_RETURN(const bool row, Step());
    if (!row) break;
  }
  const auto changes = static_cast<int64_t>(sqlite3_changes64(db_->db_));
  Reset();
  return changes;
}

void Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = 0;
}

bool Stmt::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

int64_t Stmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Stmt::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  if (p == nullptr) return {};
  return {reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
}

std::optional<std::string> Stmt::OptText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}

// ---- Db ----

Result<std::unique_ptr<Db>> Db::Open(const std::string& path, const DbOptions& options) {
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
  return std::unique_ptr<Db>(new Db(raw, path));
}

Db::~Db() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Status Db::Exec(std::string_view sql) {
  const std::string text(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  Status s = SqliteStatus(sqlite3_extended_errcode(db_), "database " + path_,
                          err != nullptr ? err : sqlite3_errstr(rc));
  sqlite3_free(err);
  return s;
}

Result<Stmt> Db::Prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return Error(rc, "preparing statement");
    it = cache_.emplace(std::string(sql), stmt).first;
  }
  return Stmt(this, it->second);
}

Status Db::RunCached(std::string_view sql) {
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, Prepare(sql));
  return stmt.Run().status();
}

Status Db::Error(int rc, std::string_view what) const {
  const int ext = sqlite3_extended_errcode(db_);
  return SqliteStatus((ext & 0xff) == (rc & 0xff) ? ext : rc,
                      std::string(what) + " on database " + path_, sqlite3_errmsg(db_));
}

bool Db::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

// ---- Transaction ----

Result<Transaction> Transaction::Begin(Db& db, Kind kind) {
  if (db.in_transaction()) {
    NSXV_RETURN_IF_ERROR(db.RunCached("SAVEPOINT nsxv_sp"));
    return Transaction(&db, true);
  }
  NSXV_RETURN_IF_ERROR(db.RunCached(kind == Kind::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN"));
  return Transaction(&db, false);
}

Transaction::~Transaction() {
  if (db_ == nullptr) return;
  if (savepoint_) {
    (void)db_->RunCached("ROLLBACK TO nsxv_sp");
    (void)db_->RunCached("RELEASE nsxv_sp");
  } else if (db_->in_transaction()) {
    (void)db_->RunCached("ROLLBACK");
  }
}

Status Transaction::Commit() {
  Db* db = db_;
  if (db == nullptr) return Internal("transaction already finished");
  Status s = db->RunCached(savepoint_ ? "RELEASE nsxv_sp" : "COMMIT");
  // A failed COMMIT (e.g. SQLITE_BUSY) leaves the transaction open; the destructor rolls it back.
  if (s.ok()) db_ = nullptr;
  return s;
}

}  // namespace nsxv::store
