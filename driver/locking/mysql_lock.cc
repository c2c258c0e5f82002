#include "driver/locking/mysql_lock.h"

#include <mysql.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

#include <openssl/sha.h>
#include <spdlog/spdlog.h>

#include "driver/store/mariadb.h"
#include "driver/store/mysql_url.h"

namespace nsxv::locking {

class MysqlLockProvider::Held final : public ScopedLock {
 public:
  Held(MysqlLockProvider* provider, std::string name, std::unique_ptr<ScopedLock> local)
      : provider_(provider), name_(std::move(name)), local_(std::move(local)) {}
  ~Held() override { provider_->Release(name_); }  // then local_ lets the next thread in
  Held(const Held&) = delete;
  Held& operator=(const Held&) = delete;
  const std::string& name() const override { return name_; }

 private:
  MysqlLockProvider* provider_;
  std::string name_;
  std::unique_ptr<ScopedLock> local_;
};

std::string MysqlLockProvider::ServerLockName(std::string_view name) {
  if (name.size() <= 64) return std::string(name);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(name.data()), name.size(), digest);
  std::string out = "nsxv-sha256:";
  for (size_t i = 0; out.size() < 64; ++i) {
    char hex[3];
    std::snprintf(hex, sizeof(hex), "%02x", digest[i]);
    out += hex;
  }
  return out.substr(0, 64);
}

MysqlLockProvider::MysqlLockProvider(Clock& clock, st_mysql* conn, std::string where,
                                     MysqlLockOptions options)
    : clock_(clock),
      options_(options),
      where_(std::move(where)),
      local_(clock, HostLockOptions{.lock_dir = "", .poll_interval = options.poll_interval}),
      conn_(conn) {}

MysqlLockProvider::~MysqlLockProvider() {
  MutexLock lock(&mu_);
  mysql_close(conn_);  // ends the session: the server releases whatever is still held
}

Result<std::unique_ptr<MysqlLockProvider>> MysqlLockProvider::Connect(Clock& clock,
                                                                      const std::string& url,
                                                                      MysqlLockOptions options) {
  auto parsed = store::ParseMysqlUrl(url);
  if (!parsed.ok()) {
    return Status(parsed.error().code(), "locking_coordinator_url: " + parsed.error().message());
  }
  NSXV_ASSIGN_OR_RETURN(MYSQL * conn, store::ConnectMariadb(*parsed, 0));
  return std::unique_ptr<MysqlLockProvider>(
      new MysqlLockProvider(clock, conn, "lock coordinator " + parsed->Redacted(), options));
}

Result<std::optional<long long>> MysqlLockProvider::QueryInt(const std::string& sql) {
  MutexLock lock(&mu_);
  if (!lost_.empty()) return Status(StatusCode::kUnavailable, lost_);
  if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) {
    const unsigned error = mysql_errno(conn_);
    Status s = store::MariadbStatus(error, where_, mysql_error(conn_));
    if (s.code() == StatusCode::kConnectionReset) {
      lost_ = where_ + ": connection lost (error " + std::to_string(error) +
              "); the locks held through it were released by the server";
      return Status(StatusCode::kUnavailable, lost_);
    }
    return s;
  }
  MYSQL_RES* res = mysql_store_result(conn_);
  if (res == nullptr) return Status(StatusCode::kInternal, where_ + ": no result for " + sql);
  MYSQL_ROW row = mysql_fetch_row(res);
  std::optional<long long> value;
  if (row != nullptr && row[0] != nullptr) value = std::strtoll(row[0], nullptr, 10);
  mysql_free_result(res);
  return value;
}

Result<std::optional<long long>> MysqlLockProvider::LockCall(const char* function,
                                                             const std::string& name,
                                                             const char* extra) {
  const std::string server_name = ServerLockName(name);
  std::string escaped(server_name.size() * 2 + 1, '\0');
  {
    MutexLock lock(&mu_);
    escaped.resize(
        mysql_real_escape_string(conn_, escaped.data(), server_name.data(), server_name.size()));
  }
  return QueryInt(std::string("SELECT ") + function + "('" + escaped + "'" + extra + ")");
}

void MysqlLockProvider::Release(const std::string& name) {
  auto released = LockCall("RELEASE_LOCK", name, "");
  if (!released.ok()) {
    spdlog::error("lock={} op=release_lock error=\"{}\"", name, released.error().message());
  } else if (*released != 1) {
    spdlog::error("lock={} op=release_lock error=\"not held by this session on {}\"", name, where_);
  }
}

Result<std::unique_ptr<ScopedLock>> MysqlLockProvider::AcquireFor(std::string_view name,
                                                                  Duration timeout) {
  return Acquire(name, clock_.Now() + timeout);
}

Result<std::unique_ptr<ScopedLock>> MysqlLockProvider::Acquire(std::string_view name_view,
                                                               std::optional<TimePoint> deadline) {
  const std::string name(name_view);
  NSXV_ASSIGN_OR_RETURN(std::unique_ptr<ScopedLock> local, local_.Acquire(name, deadline));
  for (;;) {
    NSXV_ASSIGN_OR_RETURN(const std::optional<long long> got, LockCall("GET_LOCK", name, ", 0"));
    if (!got) {
      return Status(StatusCode::kInternal, where_ + ": GET_LOCK of \"" + name + "\" failed");
    }
    if (*got == 1) break;
    if (deadline && clock_.Now() >= *deadline) {
      return Status(StatusCode::kDeadlineExceeded, "timed out waiting for lock \"" + name + "\"");
    }
    Duration wait = options_.poll_interval;
    if (deadline) wait = std::min(wait, *deadline - clock_.Now());
    clock_.SleepFor(wait);
  }
  return std::unique_ptr<ScopedLock>(new Held(this, name, std::move(local)));
}

Result<std::unique_ptr<LockProvider>> MakeLockProvider(Clock& clock,
                                                       const std::string& coordinator_url,
                                                       HostLockOptions host) {
  if (coordinator_url.empty()) {
    return std::unique_ptr<LockProvider>(new HostLockProvider(clock, std::move(host)));
  }
  if (!store::IsMysqlUrl(coordinator_url)) {
    const size_t sep = coordinator_url.find("://");
    const std::string scheme = sep == std::string::npos ? "" : coordinator_url.substr(0, sep);
    return InvalidArgument("locking_coordinator_url: scheme '" + scheme +
                           "' is not supported (mysql:// or mysql+pymysql://)");
  }
  NSXV_ASSIGN_OR_RETURN(auto provider, MysqlLockProvider::Connect(clock, coordinator_url));
  return std::unique_ptr<LockProvider>(std::move(provider));
}

}  // namespace nsxv::locking
