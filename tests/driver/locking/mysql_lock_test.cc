// Named locks through GET_LOCK on the private MariaDB server: exclusion across processes,
// release when the holder dies, and a lost coordinator connection reported as an error.
#include "driver/locking/mysql_lock.h"

#include <signal.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>
#include <sys/wait.h>

#include "driver/store/context.h"
#include "tests/test_util/mariadb_server.h"

namespace nsxv::locking {
namespace {

class MysqlLockTest : public ::testing::Test {
 protected:
  void SetUp() override { NSXV_FRESH_MARIADB_OR_SKIP(url_); }
  std::unique_ptr<MysqlLockProvider> Connect(Clock& clock) {
    auto p = MysqlLockProvider::Connect(clock, url_);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? std::move(p).value() : nullptr;
  }
  std::string url_;
};

TEST_F(MysqlLockTest, ExcludesAnotherSessionUntilReleased) {
  SimulatedClock clock;
  auto a = Connect(clock);
  auto b = Connect(clock);
  ASSERT_TRUE(a && b);
  auto held = a->Acquire(kMetadataInitLock);
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  const TimePoint before = clock.Now();
  auto blocked = b->AcquireFor(kMetadataInitLock, std::chrono::seconds(5));
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(blocked.error().message().find(kMetadataInitLock), std::string::npos);
  EXPECT_GE(clock.Now() - before, std::chrono::seconds(5));  // waited on the Clock
  held->reset();
  EXPECT_TRUE(b->AcquireFor(kMetadataInitLock, std::chrono::seconds(5)).ok());
}

TEST_F(MysqlLockTest, ThreadsOfOneProviderExcludeEachOther) {
  SimulatedClock clock;
  auto a = Connect(clock);
  ASSERT_NE(a, nullptr);
  auto held = a->Acquire("edge-7");
  ASSERT_TRUE(held.ok());
  // GET_LOCK is re-entrant within a session; the in-process layer still refuses a second holder.
  EXPECT_EQ(a->AcquireFor("edge-7", std::chrono::seconds(1)).status().code(),
            StatusCode::kDeadlineExceeded);
}

TEST_F(MysqlLockTest, LongNamesAreHashedToTheServerLimit) {
  const std::string long_name(100, 'r');
  const std::string server = MysqlLockProvider::ServerLockName(long_name);
  EXPECT_EQ(server.size(), 64U);
  EXPECT_EQ(server.rfind("nsxv-sha256:", 0), 0U);
  EXPECT_EQ(MysqlLockProvider::ServerLockName(kMetadataInitLock), kMetadataInitLock);
  SimulatedClock clock;
  auto a = Connect(clock);
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->Acquire(long_name).ok());
}

// A node holding nsx-metadata-init is killed with SIGKILL: its session ends, the server releases
// the lock, and another node's Init proceeds.
TEST_F(MysqlLockTest, HolderKilledWithSigkillReleasesTheLock) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    auto provider = MysqlLockProvider::Connect(RealClock(), url_);
    if (!provider.ok()) ::_exit(2);
    auto held = (*provider)->Acquire(kMetadataInitLock);
    if (!held.ok()) ::_exit(3);
    const char byte = 'H';
    if (::write(ready[1], &byte, 1) != 1) ::_exit(4);
    ::sleep(120);  // killed long before
    ::_exit(5);
  }
  ::close(ready[1]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1) << "child could not take the lock";
  ::close(ready[0]);

  auto node = MysqlLockProvider::Connect(RealClock(), url_);
  ASSERT_TRUE(node.ok()) << node.status().ToString();
  EXPECT_EQ((*node)->AcquireFor(kMetadataInitLock, std::chrono::milliseconds(50)).status().code(),
            StatusCode::kDeadlineExceeded);  // held by the child

  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  // The server notices the closed socket; the deadline only bounds a broken server.
  auto init = (*node)->AcquireFor(kMetadataInitLock, std::chrono::seconds(30));
  EXPECT_TRUE(init.ok()) << init.status().ToString();
}

TEST_F(MysqlLockTest, LostConnectionIsAnErrorNotADroppedLock) {
  SimulatedClock clock;
  auto a = Connect(clock);
  ASSERT_NE(a, nullptr);
  auto held = a->Acquire("router-1");
  ASSERT_TRUE(held.ok());
  // An administrator kills the provider's session (found as the holder of its lock).
  store::ContextOptions admin;
  admin.connection = url_;
  auto ctx = store::Context::Open(admin);
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  store::Db* db = *(*ctx)->db();
  auto holder = db->Prepare("SELECT IS_USED_LOCK('router-1')");
  ASSERT_TRUE(holder.ok());
  ASSERT_TRUE(*holder->Step());
  const int64_t session = holder->Int(0);
  holder->Reset();
  ASSERT_TRUE(db->Exec("KILL " + std::to_string(session)).ok());

  auto next = a->AcquireFor("router-2", std::chrono::seconds(1));
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().code(), StatusCode::kUnavailable);
  EXPECT_NE(next.error().message().find("connection lost"), std::string::npos)
      << next.error().ToString();
  EXPECT_EQ(next.error().message().find(testing_util::MariadbTestPassword()), std::string::npos);
}

TEST(LockProviderFactoryTest, SelectsByCoordinatorUrl) {
  SimulatedClock clock;
  auto host = MakeLockProvider(clock, "", HostLockOptions{});
  ASSERT_TRUE(host.ok());
  EXPECT_NE(dynamic_cast<HostLockProvider*>(host->get()), nullptr);
  auto bad = MakeLockProvider(clock, "zake://u:hunter2@h", HostLockOptions{});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("'zake'"), std::string::npos);
  EXPECT_EQ(bad.error().message().find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace nsxv::locking
