// Port of vmware_nsx/common/locking.py (LockManager): host-local named locks.
#include "driver/locking/lock.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

#include <sys/file.h>
#include <sys/stat.h>

namespace nsxv::locking {

struct HostLockProvider::Entry {
  Mutex mu;
  CondVar cv;
  bool held GUARDED_BY(mu) = false;
  int refs = 0;  // holders + waiters; only touched under HostLockProvider::mu_
};

class HostLockProvider::Held final : public ScopedLock {
 public:
  Held(HostLockProvider* provider, std::string name, std::shared_ptr<Entry> entry, int fd)
      : provider_(provider), name_(std::move(name)), entry_(std::move(entry)), fd_(fd) {}
  ~Held() override { provider_->Release(name_, entry_, fd_); }
  Held(const Held&) = delete;
  Held& operator=(const Held&) = delete;
  const std::string& name() const override { return name_; }

 private:
  HostLockProvider* provider_;
  std::string name_;
  std::shared_ptr<Entry> entry_;
  int fd_;
};

namespace {

std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

}  // namespace

std::string SanitizeLockName(std::string_view name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '.' || c == '_' || c == '-') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4U];
      out += kHex[u & 0xfU];
    }
  }
  if (out.empty() || out[0] == '.') out.insert(0, "_");  // never "", "." or ".."
  return out;
}

std::string EdgeLockName(std::string_view edge_or_router_id) {
  return std::string(edge_or_router_id);
}

HostLockProvider::HostLockProvider(Clock& clock, HostLockOptions options)
    : clock_(clock), options_(std::move(options)) {}

HostLockProvider::~HostLockProvider() = default;

std::string HostLockProvider::LockFilePath(std::string_view name) const {
  if (options_.lock_dir.empty()) return {};
  return (std::filesystem::path(options_.lock_dir) / (SanitizeLockName(name) + ".lock")).string();
}

std::shared_ptr<HostLockProvider::Entry> HostLockProvider::GetEntry(const std::string& name) {
  MutexLock lock(&mu_);
  auto& slot = entries_[name];
  if (!slot) slot = std::make_shared<Entry>();
  ++slot->refs;
  return slot;
}

void HostLockProvider::Release(const std::string& name, const std::shared_ptr<Entry>& entry,
                               int fd) {
  if (fd >= 0) {
    (void)::flock(fd, LOCK_UN);
    (void)::close(fd);
  }
  if (entry) {
    {
      MutexLock lock(&entry->mu);
      entry->held = false;
    }
    entry->cv.Signal();
  }
  MutexLock lock(&mu_);
  auto it = entries_.find(name);
  if (it != entries_.end() && --it->second->refs == 0) entries_.erase(it);
}

Result<std::unique_ptr<ScopedLock>> HostLockProvider::AcquireFor(std::string_view name,
                                                                 Duration timeout) {
  return Acquire(name, clock_.Now() + timeout);
}

Result<std::unique_ptr<ScopedLock>> HostLockProvider::Acquire(std::string_view name_view,
                                                              std::optional<TimePoint> deadline) {
  const std::string name(name_view);
  if (name.empty()) return InvalidArgument("lock name must not be empty");
  std::shared_ptr<Entry> entry = GetEntry(name);
  auto timed_out = [&]() -> Status {
    return {StatusCode::kDeadlineExceeded, "timed out waiting for lock \"" + name + "\""};
  };
  auto wait_step = [&]() {
    const Duration left = *deadline - clock_.Now();
    clock_.SleepFor(std::min(left, options_.poll_interval));
  };

  // 1. In-process.
  if (!deadline) {
    MutexLock lock(&entry->mu);
    while (entry->held) entry->cv.Wait(&entry->mu);
    entry->held = true;
  } else {
    for (;;) {
      bool taken = false;
      {
        MutexLock lock(&entry->mu);
        if (!entry->held) {
          entry->held = true;
          taken = true;
        }
      }
      if (taken) break;
      if (clock_.Now() >= *deadline) {
        Release(name, nullptr, -1);
        return timed_out();
      }
      wait_step();
    }
  }

  // 2. Cross-process.
  int fd = -1;
  if (!options_.lock_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options_.lock_dir, ec);
    const std::string path = LockFilePath(name);
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      const int err = errno;
      Release(name, entry, -1);
      return Status(StatusCode::kFailedPrecondition,
                    "cannot open lock file " + path + ": " + ErrnoText(err));
    }
    for (;;) {
      const int rc = ::flock(fd, deadline ? (LOCK_EX | LOCK_NB) : LOCK_EX);
      if (rc == 0) break;
      const int err = errno;
      if (err == EINTR) continue;
      if (err == EWOULDBLOCK && deadline) {
        if (clock_.Now() >= *deadline) {
          Release(name, entry, fd);
          return timed_out();
        }
        wait_step();
        continue;
      }
      Release(name, entry, fd);
      return Status(StatusCode::kInternal, "flock " + path + ": " + ErrnoText(err));
    }
  }
  return std::unique_ptr<ScopedLock>(new Held(this, name, std::move(entry), fd));
}

}  // namespace nsxv::locking
