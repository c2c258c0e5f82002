// The store seam: one connection to a SQL engine (Db), a scoped use of one of its cached
// statements (Stmt) and a transaction guard (Transaction). Two real engines stand behind it:
// SQLite (sqlite.h, the embedded default) and MariaDB/MySQL (mariadb.h, for several nodes on
// several hosts). Callers write one SQL text, in SQLite's dialect; the MariaDB engine rewrites
// the few constructs that differ (dialect.h is the one place that says how).
//
// Engine errors become Status values with one meaning on both engines: kUnavailable = retry the
// whole transaction (SQLite BUSY/LOCKED, MariaDB deadlock 1213 / lock-wait timeout 1205),
// kAlreadyExists = unique or primary key, kFailedPrecondition = foreign key, kInvalidArgument =
// CHECK / NOT NULL, kConnectionReset = the server connection was lost, kInternal otherwise.
//
// Threading: none of these types is thread-safe. A Db must only ever be used by one thread at a
// time; the project guarantees that by construction: the only owner of a Db is a
// store::Context, which is bound to the thread that created it (see context.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "driver/common/status.h"

namespace nsxv::store {

enum class Engine { kSqlite, kMariadb };

// One prepared statement of an engine, owned by its Db's cache. Binding is 1-based; an unbound
// parameter is NULL.
class Statement {
 public:
  virtual ~Statement() = default;
  virtual void Bind(int index, std::string_view value) = 0;
  virtual void Bind(int index, int64_t value) = 0;
  virtual void BindNull(int index) = 0;
  // true when a row is available, false when done; an error Status otherwise.
  virtual Result<bool> Step() = 0;
  // Rows changed by the last completed Step() sequence (matched rows for UPDATE).
  virtual int64_t Changes() const = 0;
  // Ready to be bound and stepped again, bindings cleared.
  virtual void Reset() = 0;
  virtual bool IsNull(int col) const = 0;
  virtual int64_t Int(int col) const = 0;
  virtual std::string Text(int col) const = 0;  // "" for NULL
};

class Db;

// One use of a cached statement. On destruction the statement is reset and its bindings
// cleared, so the cache can hand it out again.
class Stmt {
 public:
  Stmt(Stmt&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() {
    if (stmt_ != nullptr) stmt_->Reset();
  }

  Stmt& Bind(int index, std::string_view value) {
    stmt_->Bind(index, value);
    return *this;
  }
  Stmt& Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
  Stmt& Bind(int index, const std::string& value) { return Bind(index, std::string_view(value)); }
  Stmt& Bind(int index, int64_t value) {
    stmt_->Bind(index, value);
    return *this;
  }
  Stmt& Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
  Stmt& Bind(int index, bool value) { return Bind(index, static_cast<int64_t>(value ? 1 : 0)); }
  Stmt& Bind(int index, const std::optional<std::string>& value) {
    return value ? Bind(index, std::string_view(*value)) : BindNull(index);
  }
  Stmt& BindNull(int index) {
    stmt_->BindNull(index);
    return *this;
  }

  // Binds every argument in order, starting at index 1.
  template <typename... Args>
  Stmt& BindAll(const Args&... args) {
    int i = 0;
    (Bind(++i, args), ...);
    return *this;
  }

  // Advances: true when a row is available, false when done; an error Status otherwise.
  Result<bool> Step() { return stmt_->Step(); }
  // Steps to completion, ignoring rows, then Reset(); returns the number of rows changed.
  Result<int64_t> Run();
  // Makes the statement ready to be bound and stepped again (bindings cleared).
  void Reset() { stmt_->Reset(); }

  bool IsNull(int col) const { return stmt_->IsNull(col); }
  int64_t Int(int col) const { return stmt_->Int(col); }
  bool Bool(int col) const { return Int(col) != 0; }
  std::string Text(int col) const { return stmt_->Text(col); }
  std::optional<std::string> OptText(int col) const {
    if (IsNull(col)) return std::nullopt;
    return Text(col);
  }

 private:
  friend class Db;
  explicit Stmt(Statement* stmt) : stmt_(stmt) {}
  Statement* stmt_;
};

class Db {
 public:
  virtual ~Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  virtual Engine engine() const = 0;
  // Runs SQL without parameters (several statements allowed).
  virtual Status Exec(std::string_view sql) = 0;
  // A cached prepared statement for `sql` (the text is the cache key).
  Result<Stmt> Prepare(std::string_view sql);
  // Runs one statement without parameters through the cache; used for BEGIN/COMMIT/SAVEPOINT.
  Status RunCached(std::string_view sql);
  virtual bool in_transaction() const = 0;
  // What the Db is connected to, for messages: a file name, or a URL without the password.
  const std::string& path() const { return path_; }

 protected:
  explicit Db(std::string path) : path_(std::move(path)) {}
  virtual Result<std::unique_ptr<Statement>> NewStatement(std::string_view sql) = 0;
  // Destroys the cached statements; an engine's destructor calls it before closing.
  void ClearCache() { cache_.clear(); }

 private:
  friend class Transaction;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
  int savepoints_ = 0;  // savepoints open inside the current transaction
};

// A transaction on a Db: rolled back by the destructor unless Commit() succeeded. On SQLite,
// kImmediate takes the write lock at BEGIN (waiting per the busy timeout), so read-then-write
// sequences such as IP allocation cannot interleave with another writer. On MariaDB both kinds
// are START TRANSACTION (REPEATABLE READ, row locks): concurrent writers meet as duplicate keys,
// deadlocks and lock-wait timeouts, which RunInTransaction (ipam.h) retries.
// Nested use (Begin while a transaction is open) becomes a SAVEPOINT named by its depth: its
// rollback undoes only its own changes, and nothing is durable before the outermost Commit().
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
  Transaction(Db* db, int savepoint) : db_(db), savepoint_(savepoint) {}
  Db* db_;         // null once committed or rolled back
  int savepoint_;  // 0: the outermost transaction; n: savepoint nsxv_sp<n>
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
