// Context: one caller's view of the store, like a Neutron request context. It owns exactly one
// connection (SQLite, or MariaDB when `connection` is a mysql URL; see db.h) and carries the
// caller's tenant and admin flag.
//
// Threading contract (the lesson of the seed bug, a DB context shared between green threads): a
// Context is bound to the thread that opened it. Every access to its connection goes through
// db(), which checks the calling thread:
//   * debug builds (NDEBUG undefined): a call from another thread prints the offending thread
//     and aborts (a programming error; tests prove it with a death test);
//   * release builds: db() returns kFailedPrecondition naming both threads, and the operation
//     fails without touching the database.
// There is no global connection: each thread (each worker-pool task) opens its own Context on
// the same file or database. SQLite serializes writers across connections and processes (WAL
// mode, busy timeout); MariaDB takes row locks, and RunInTransaction (ipam.h) retries what
// collides. Multi-row changes run in one transaction.
//
// A Context is neither copyable nor movable (it is handed around by reference or unique_ptr).
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "driver/common/clock.h"
#include "driver/common/status.h"
#include "driver/store/db.h"
#include "driver/store/sqlite.h"

namespace nsxv::store {

struct ContextOptions {
  std::string path = ":memory:";  // a file, or ":memory:" (private to this Context)
  // When set, a MariaDB/MySQL URL (mysql_url.h) and `path` is not used. A secret: it holds the
  // password; messages use the redacted form (path()).
  std::string connection;
  std::string tenant_id;  // the caller's project; empty for internal callers
  bool is_admin = false;
  int busy_timeout_ms = 10000;  // SQLite busy timeout; MariaDB innodb_lock_wait_timeout
  Clock* clock = nullptr;       // for retry backoff; nullptr: RealClock()
};

class Context {
 public:
  // Opens the connection, checks the file (an SQLite database whose schema is not newer than
  // ours: one-line InvalidArgument / FailedPrecondition naming the file otherwise, file unchanged),
  // enables foreign keys, WAL (files only) and the busy timeout, and runs the migrations. With a
  // connection URL: connects (errors name the redacted URL) and runs the same migrations.
  static Result<std::unique_ptr<Context>> Open(const ContextOptions& options);

  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // The connection, after the thread check described above.
  Result<Db*> db();
  // OK on the owning thread; see the header comment for the other case.
  Status CheckThread() const;

  bool is_admin() const { return is_admin_; }
  const std::string& tenant_id() const { return tenant_id_; }
  // The file, or the connection URL without its password.
  const std::string& path() const { return path_; }
  Engine engine() const { return db_->engine(); }
  Clock& clock() const { return *clock_; }
  std::thread::id owner() const { return owner_; }

  // Neutron's context.elevated(): admin rights for the lifetime of the returned guard, on this
  // same Context and connection (so it joins the caller's transaction).
  class [[nodiscard]] Elevation {
   public:
    explicit Elevation(Context& ctx) : ctx_(ctx), was_admin_(ctx.is_admin_) {
      ctx.is_admin_ = true;
    }
    ~Elevation() { ctx_.is_admin_ = was_admin_; }
    Elevation(const Elevation&) = delete;
    Elevation& operator=(const Elevation&) = delete;

   private:
    Context& ctx_;
    bool was_admin_;
  };
  Elevation Elevated() { return Elevation(*this); }

 private:
  Context(std::unique_ptr<Db> db, const ContextOptions& options);

  std::unique_ptr<Db> db_;
  const std::thread::id owner_;
  const std::string path_;
  const std::string tenant_id_;
  bool is_admin_;
  Clock* clock_;
};

// The default database file: $XDG_DATA_HOME/nsxv-sim/nsxv.db, else
// $HOME/.local/share/nsxv-sim/nsxv.db. The directory is not created here.
// REQUIRES: called before other threads start (reads the environment).
std::string DefaultDatabasePath();

// Creates the parent directory of `path` (mode 0700) if it is missing.
Status EnsureParentDirectory(const std::string& path);

}  // namespace nsxv::store
