#include "driver/store/context.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <system_error>
#include <utility>

#include "driver/store/mariadb.h"
#include "driver/store/mysql_url.h"
#include "driver/store/schema.h"

namespace nsxv::store {
namespace {

std::string ThreadName(std::thread::id id) {
  std::ostringstream os;
  os << id;
  return os.str();
}

}  // namespace

Context::Context(std::unique_ptr<Db> db, const ContextOptions& options)
    : db_(std::move(db)),
      owner_(std::this_thread::get_id()),
      path_(db_->path()),
      tenant_id_(options.tenant_id),
      is_admin_(options.is_admin),
      clock_(options.clock != nullptr ? options.clock : &RealClock()) {}

Context::~Context() = default;

Result<std::unique_ptr<Context>> Context::Open(const ContextOptions& options) {
  if (!options.connection.empty()) {
    NSXV_ASSIGN_OR_RETURN(const MysqlUrl url, ParseMysqlUrl(options.connection));
    NSXV_ASSIGN_OR_RETURN(std::unique_ptr<MariadbDb> db,
                          MariadbDb::Open(url, options.busy_timeout_ms));
    NSXV_RETURN_IF_ERROR(Migrate(*db));
    return std::unique_ptr<Context>(new Context(std::move(db), options));
  }
  DbOptions db_options;
  db_options.busy_timeout_ms = options.busy_timeout_ms;
  NSXV_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(options.path, db_options));
  // Validate before anything can write: switching to WAL rewrites the file header.
  auto version = SchemaVersion(*db);
  if (!version.ok()) {
    if (version.error().code() == StatusCode::kInvalidArgument) {
      return InvalidArgument("database " + options.path + " is not an SQLite database");
    }
    return version.error();
  }
  if (*version > kSchemaVersion) {
    return Status(StatusCode::kFailedPrecondition,
                  "database " + options.path + " has schema version " + std::to_string(*version) +
                      ", newer than the supported version " + std::to_string(kSchemaVersion));
  }
  NSXV_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys = ON"));
  if (options.path != ":memory:" && !options.path.empty()) {
    NSXV_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode = WAL"));
    // NORMAL is durable across application crashes in WAL mode (only an OS crash can lose the
    // last commits), and avoids an fsync per IP allocation.
    NSXV_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous = NORMAL"));
  }
  NSXV_RETURN_IF_ERROR(Migrate(*db));
  return std::unique_ptr<Context>(new Context(std::move(db), options));
}

Status Context::CheckThread() const {
  const std::thread::id self = std::this_thread::get_id();
  if (self == owner_) return Status::Ok();
  const std::string msg = "store::Context for " + path_ + " is bound to thread " +
                          ThreadName(owner_) + " but was used from thread " + ThreadName(self);
#ifndef NDEBUG
  std::fprintf(stderr, "FATAL: %s\n", msg.c_str());
  std::fflush(stderr);
  std::abort();
#else
  return {StatusCode::kFailedPrecondition, msg};
#endif
}

Result<Db*> Context::db() {
  NSXV_RETURN_IF_ERROR(CheckThread());
  return db_.get();
}

std::string DefaultDatabasePath() {
  namespace fs = std::filesystem;
  // NOLINTNEXTLINE(concurrency-mt-unsafe): documented as single-threaded start-up code.
  const char* xdg = std::getenv("XDG_DATA_HOME");
  fs::path base;
  if (xdg != nullptr && *xdg != '\0' && fs::path(xdg).is_absolute()) {
    base = xdg;
  } else {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): as above.
    const char* home = std::getenv("HOME");
    base = fs::path(home != nullptr ? home : ".") / ".local" / "share";
  }
  return (base / "nsxv-sim" / "nsxv.db").string();
}

Status EnsureParentDirectory(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path parent = fs::path(path).parent_path();
  if (parent.empty()) return Status::Ok();
  std::error_code ec;
  const bool created = fs::create_directories(parent, ec);
  if (ec) {
    return {StatusCode::kFailedPrecondition,
            "cannot create directory " + parent.string() + ": " + ec.message()};
  }
  // Only a directory we created is restricted; an existing one keeps its mode.
  if (created) fs::permissions(parent, fs::perms::owner_all, fs::perm_options::replace, ec);
  return Status::Ok();
}

}  // namespace nsxv::store
