// Thin RAII layer over the SQLite3 C API: a connection (Db) with a cache of prepared statements,
// a scoped use of one cached statement (Stmt) and a transaction guard (Transaction).
//
// SQLite result codes become Status values in one place (SqliteStatus): BUSY/LOCKED ->
// kUnavailable (retryable), UNIQUE/PRIMARY KEY -> kAlreadyExists, FOREIGN KEY ->
// kFailedPrecondition, CHECK/NOT NULL -> kInvalidArgument, NOTADB -> kInvalidArgument, anything
// else -> kInternal.
//
// Threading: none of these types is thread-safe. A Db is opened in SQLite's multi-thread mode
// (SQLITE_OPEN_NOMUTEX): the connection must only ever be used by one thread at a time. The
// project guarantees that by construction: the only owner of a Db is a store::Context, which is
// bound to the thread that created it (see context.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "driver/common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace nsxv::store {

// Status for SQLite result code `rc` (extended codes accepted); `what` names the operation.
Status SqliteStatus(int rc, std::string_view what, std::string_view detail);

class Db;

// One use of a cached prepared statement. Binding is 1-based. On destruction the statement is
// reset and its bindings cleared, so the cache can hand it out again.
class Stmt {
 public:
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  Stmt& Bind(int index, std::string_view value);
  Stmt& Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
  Stmt& Bind(int index, const std::string& value) { return Bind(index, std::string_view(value)); }
  Stmt& Bind(int index, int64_t value);
  Stmt& Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
  Stmt& Bind(int index, bool value) { return Bind(index, static_cast<int64_t>(value ? 1 : 0)); }
  Stmt& Bind(int index, const std::optional<std::string>& value);
  Stmt& BindNull(int index);

  // Binds every argument in order, starting at index 1.
  template <typename... Args>
  Stmt& BindAll(const Args&... args) {
    int i = 0;
    (Bind(++i, args), ...);
    return *this;
  }

  // Advances: true when a row is available, false when done; an error Status otherwise.
  Result<bool> Step();
  // Steps to completion, ignoring rows, then Reset(); returns the number of rows changed.
  Result<int64_t> Run();
  // Makes the statement ready to be bound and stepped again (bindings cleared).
  void Reset();

  bool IsNull(int col) const;
  int64_t Int(int col) const;
  bool Bool(int col) const { return Int(col) != 0; }
  std::string Text(int col) const;  // "" for NULL
  std::optional<std::string> OptText(int col) const;

 private:
  friend class Db;
  Stmt(Db* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Db* db_;
  sqlite3_stmt* stmt_;
  int bind_error_ = 0;  // first failed bind (SQLite code), reported by Step()
};

struct DbOptions {
  // Busy handler wait per statement before SQLITE_BUSY is returned.
  int busy_timeout_ms = 10000;
  bool read_only = false;
};

class Db {
 public:
  // Opens (or creates) the file; ":memory:" gives a private in-memory database. Does not touch
  // the file's contents; see schema.h for validation and migrations.
  static Result<std::unique_ptr<Db>> Open(const std::string& path, const DbOptions& options);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs SQL without parameters (several statements allowed).
  Status Exec(std::string_view sql);
  // A cached prepared statement for `sql` (the text is the cache key).
  Result<Stmt> Prepare(std::string_view sql);
  // Runs one statement without parameters through the cache (unlike Exec, which parses the text
  // on every call); used for BEGIN/COMMIT/SAVEPOINT.
  Status RunCached(std::string_view sql);

  // The current error as a Status for result code `rc`.
  Status Error(int rc, std::string_view what) const;
  const std::string& path() const { return path_; }
  bool in_transaction() const;
  sqlite3* raw() { return db_; }

 private:
  friend class Stmt;
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// A transaction on a Db: rolled back by the destructor unless Commit() succeeded. kImmediate
// takes the write lock at BEGIN (waiting per the busy timeout), so read-then-write sequences
// such as IP allocation cannot interleave with another writer, in this or another process.
// Nested use (Begin while a transaction is open) becomes a SAVEPOINT: its rollback undoes only
// its own changes, and nothing is durable before the outermost Commit().
class Transaction {
 public:
  enum class Kind { kDeferred, kImmediate };
  static Result<Transaction> Begin(Db& db, Kind kind = Kind::kImmediate);
  Transaction(Transaction&& other) noexcept : db_(other.db_), savepoint_(other.savepoint_) {
    other.db_ = nullptr;
  }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Status Commit();

 private:
  Transaction(Db* db, bool savepoint) : db_(db), savepoint_(savepoint) {}
  Db* db_;  // null once committed or rolled back
  bool savepoint_;
};

// Steps `stmt` to the end and returns read(stmt) for every row.
template <typename T, typename Reader>
Result<std::vector<T>> ReadAll(Stmt& stmt, Reader read) {
  std::vector<T> out;
  for (;;) {
    NSXV_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    out.push_back(read(stmt));
  }
  return out;
}

// Steps `stmt` once: read(stmt) for the first row, nullopt when there is none.
template <typename T, typename Reader>
Result<std::optional<T>> ReadOne(Stmt& stmt, Reader read) {
  NSXV_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return std::optional<T>();
  return std::optional<T>(read(stmt));
}

}  // namespace nsxv::store
