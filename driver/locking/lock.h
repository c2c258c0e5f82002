// Port of the lock usage of vmware_nsx/common/locking.py (LockManager.get_lock): named locks
// such as "nsx-metadata-init" and one lock per edge or router id.
//
// LockProvider is the interface; MysqlLockProvider (mysql_lock.h) is the distributed one, over
// GET_LOCK on a MariaDB/MySQL server. HostLockProvider is the local one: a lock name is held by at
// most one holder on the host at a time, through two layers:
//   1. in-process: one entry per name (a mutex-protected "held" flag and a condition variable),
//      so threads of this process queue without touching the file system;
//   2. cross-process: flock(LOCK_EX) on `<lock_dir>/<sanitized name>.lock`. The kernel releases
//      the flock when the holder's file descriptor is closed, including when the process dies,
//      so a crashed holder never leaves a stale lock. Lock files are never deleted (deleting
//      a lock file while another process waits on it would let two holders in).
//
// Deadlines are read on the provider's Clock. Without a deadline Acquire blocks. With one, it
// polls (try-lock, then Clock::SleepFor(poll_interval)) until the deadline passes, and returns
// kDeadlineExceeded naming the lock: on a SimulatedClock the wait costs no real time.
//
// Threading: a provider is thread-safe. A ScopedLock is owned by one thread, releases on
// destruction, and must not outlive its provider. Locks are not recursive: acquiring a name the
// same thread already holds waits for itself (with a deadline: kDeadlineExceeded).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "driver/common/clock.h"
#include "driver/common/mutex.h"
#include "driver/common/status.h"

namespace nsxv::locking {

// A held lock; releases it on destruction.
class ScopedLock {
 public:
  virtual ~ScopedLock() = default;
  virtual const std::string& name() const = 0;
};

class LockProvider {
 public:
  virtual ~LockProvider() = default;
  // Acquires `name`, waiting until `deadline` (nullopt: no limit).
  virtual Result<std::unique_ptr<ScopedLock>> Acquire(std::string_view name,
                                                      std::optional<TimePoint> deadline) = 0;
  Result<std::unique_ptr<ScopedLock>> Acquire(std::string_view name) {
    return Acquire(name, std::nullopt);
  }
  // Acquires `name` waiting at most `timeout` on the provider's clock.
  virtual Result<std::unique_ptr<ScopedLock>> AcquireFor(std::string_view name,
                                                         Duration timeout) = 0;
};

// Well-known lock names.
inline constexpr const char* kMetadataInitLock = "nsx-metadata-init";
// The lock name for an edge (or router) id: "edge-<id>" style names are used verbatim.
std::string EdgeLockName(std::string_view edge_or_router_id);

struct HostLockOptions {
  // Directory for the lock files; created (0700) if missing. Empty: in-process locks only.
  std::string lock_dir;
  Duration poll_interval = std::chrono::milliseconds(10);
};

class HostLockProvider final : public LockProvider {
 public:
  HostLockProvider(Clock& clock, HostLockOptions options);
  ~HostLockProvider() override;
  HostLockProvider(const HostLockProvider&) = delete;
  HostLockProvider& operator=(const HostLockProvider&) = delete;

  using LockProvider::Acquire;
  Result<std::unique_ptr<ScopedLock>> Acquire(std::string_view name,
                                              std::optional<TimePoint> deadline) override;
  Result<std::unique_ptr<ScopedLock>> AcquireFor(std::string_view name, Duration timeout) override;

  // The lock file used for `name` (empty without lock_dir).
  std::string LockFilePath(std::string_view name) const;

 private:
  struct Entry;
  class Held;
  std::shared_ptr<Entry> GetEntry(const std::string& name) EXCLUDES(mu_);
  void Release(const std::string& name, const std::shared_ptr<Entry>& entry, int fd) EXCLUDES(mu_);

  Clock& clock_;
  const HostLockOptions options_;
  Mutex mu_;
  // Entries live while held or waited for; an idle entry is removed on release.
  std::map<std::string, std::shared_ptr<Entry>, std::less<>> entries_ GUARDED_BY(mu_);
};

// File-name-safe form of a lock name: [A-Za-z0-9._-] kept, anything else as "%XX".
std::string SanitizeLockName(std::string_view name);

}  // namespace nsxv::locking
