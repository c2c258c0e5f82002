// Named locks on a MySQL/MariaDB server, as tooz's mysql driver takes them for Neutron when
// [DEFAULT] locking_coordinator_url = mysql://USER:PASSWORD@HOST/DB: SELECT GET_LOCK(name, 0) and
// RELEASE_LOCK(name) on one dedicated connection per provider. The server ties each lock to that
// connection's session, so a node that dies (even by SIGKILL) releases its locks with its
// session, on every host.
//
// Layers, as HostLockProvider's: threads of this process first queue in-process (a
// HostLockProvider without a lock directory; GET_LOCK is re-entrant within one session, so it
// cannot exclude two threads sharing the connection), then the holder of the in-process lock
// polls GET_LOCK(name, 0) on the provider's Clock until its deadline (without one, until it gets
// the lock). Polling, not a blocking GET_LOCK, keeps the shared connection free for the releases
// of other threads. Lock names up to 64 characters are used verbatim (as tooz does); longer
// ones as "nsxv-sha256:" and 52 hex digits of their SHA-256.
//
// A lost coordinator connection is an error, never a silently dropped lock: the provider does
// not reconnect; once the connection fails, every Acquire returns kUnavailable saying that the
// locks held through it were released by the server, and releases log that error.
//
// Threading: thread-safe. A ScopedLock is owned by one thread and must not outlive its provider.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "driver/common/clock.h"
#include "driver/common/mutex.h"
#include "driver/common/status.h"
#include "driver/locking/lock.h"

struct st_mysql;

namespace nsxv::locking {

struct MysqlLockOptions {
  Duration poll_interval = std::chrono::milliseconds(10);
};

class MysqlLockProvider final : public LockProvider {
 public:
  // Connects to `url` (store/mysql_url.h). Errors name the URL without its password.
  static Result<std::unique_ptr<MysqlLockProvider>> Connect(Clock& clock, const std::string& url,
                                                            MysqlLockOptions options = {});
  ~MysqlLockProvider() override;
  MysqlLockProvider(const MysqlLockProvider&) = delete;
  MysqlLockProvider& operator=(const MysqlLockProvider&) = delete;

  using LockProvider::Acquire;
  Result<std::unique_ptr<ScopedLock>> Acquire(std::string_view name,
                                              std::optional<TimePoint> deadline) override;
  Result<std::unique_ptr<ScopedLock>> AcquireFor(std::string_view name, Duration timeout) override;

  // The name GET_LOCK receives for `name`.
  static std::string ServerLockName(std::string_view name);
  // The coordinator, without password.
  const std::string& where() const { return where_; }

 private:
  class Held;
  MysqlLockProvider(Clock& clock, st_mysql* conn, std::string where, MysqlLockOptions options);
  // Runs `sql` (a SELECT of one integer); nullopt for SQL NULL.
  Result<std::optional<long long>> QueryInt(const std::string& sql) EXCLUDES(mu_);
  Result<std::optional<long long>> LockCall(const char* function, const std::string& name,
                                            const char* extra) EXCLUDES(mu_);
  void Release(const std::string& name) EXCLUDES(mu_);

  Clock& clock_;
  const MysqlLockOptions options_;
  const std::string where_;
  HostLockProvider local_;
  Mutex mu_;
  st_mysql* conn_ GUARDED_BY(mu_);
  std::string lost_ GUARDED_BY(mu_);  // why the connection is unusable; empty while it works
};

// The provider that [DEFAULT] locking_coordinator_url selects: host locks (HostLockProvider with
// `host`) when it is empty, MysqlLockProvider for a mysql/mariadb URL; InvalidArgument naming the
// scheme (never the password) for anything else.
Result<std::unique_ptr<LockProvider>> MakeLockProvider(Clock& clock,
                                                       const std::string& coordinator_url,
                                                       HostLockOptions host);

}  // namespace nsxv::locking
