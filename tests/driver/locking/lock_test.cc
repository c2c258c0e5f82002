#include "driver/locking/lock.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sys/wait.h>

#include "tests/driver/store/temp_dir.h"

namespace nsxv::locking {
namespace {

using testing_util::TempDir;

TEST(LockTest, SanitizesNames) {
  EXPECT_EQ(SanitizeLockName("nsx-metadata-init"), "nsx-metadata-init");
  EXPECT_EQ(SanitizeLockName("a/b c"), "a%2Fb%20c");
  EXPECT_EQ(SanitizeLockName(".."), "_..");
  EXPECT_EQ(SanitizeLockName(""), "_");
}

TEST(LockTest, EmptyNameIsRejected) {
  SimulatedClock clock;
  HostLockProvider locks(clock, {});
  EXPECT_EQ(locks.Acquire("").status().code(), StatusCode::kInvalidArgument);
}

TEST(LockTest, InProcessMutualExclusion) {
  HostLockProvider locks(RealClock(), {});
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  int counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto lock = locks.Acquire(kMetadataInitLock);
        ASSERT_TRUE(lock.ok());
        const int now = ++inside;
        int seen = max_inside.load();
        while (now > seen && !max_inside.compare_exchange_weak(seen, now)) {
        }
        ++counter;
        --inside;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(max_inside.load(), 1);
  EXPECT_EQ(counter, 1600);
}

TEST(LockTest, DifferentNamesDoNotBlock) {
  SimulatedClock clock;
  TempDir dir;
  HostLockProvider locks(clock, {dir.path()});
  auto a = locks.Acquire(EdgeLockName("edge-1"));
  ASSERT_TRUE(a.ok());
  auto b = locks.AcquireFor(EdgeLockName("edge-2"), std::chrono::seconds(0));
  EXPECT_TRUE(b.ok());
  EXPECT_EQ((*b)->name(), "edge-2");
}

TEST(LockTest, DeadlineOnSimulatedClock) {
  SimulatedClock clock;
  HostLockProvider locks(clock, {});
  auto held = locks.Acquire("edge-1");
  ASSERT_TRUE(held.ok());
  const TimePoint start = clock.Now();
  auto waited = locks.AcquireFor("edge-1", std::chrono::seconds(30));
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.error().code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(waited.error().message().find("edge-1"), std::string::npos);
  EXPECT_GE(clock.Now() - start, std::chrono::seconds(30));
  held->reset();
  EXPECT_TRUE(locks.AcquireFor("edge-1", std::chrono::seconds(0)).ok());
}

TEST(LockTest, ReleaseWakesBlockedWaiter) {
  HostLockProvider locks(RealClock(), {});
  auto held = locks.Acquire("x");
  ASSERT_TRUE(held.ok());
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    auto l = locks.Acquire("x");
    got = l.ok();
  });
  held->reset();
  waiter.join();
  EXPECT_TRUE(got.load());
}

// Cross-process: a child holds the file lock; the parent cannot take it until the child dies
// (killed, not unlocked: the kernel releases a dead holder's flock).
TEST(LockTest, CrossProcessLockReleasedWhenHolderDies) {
  TempDir dir;
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(pipefd[0]);
    HostLockProvider child_locks(RealClock(), {dir.path()});
    auto l = child_locks.Acquire(kMetadataInitLock);
    const char c = l.ok() ? 'y' : 'n';
    (void)::write(pipefd[1], &c, 1);
    for (;;) ::pause();
  }
  ::close(pipefd[1]);
  char c = 0;
  ASSERT_EQ(::read(pipefd[0], &c, 1), 1);
  ::close(pipefd[0]);
  ASSERT_EQ(c, 'y');

  SimulatedClock clock;
  HostLockProvider locks(clock, {dir.path()});
  auto blocked = locks.AcquireFor(kMetadataInitLock, std::chrono::seconds(5));
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code(), StatusCode::kDeadlineExceeded);

  ::kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  auto acquired = locks.Acquire(kMetadataInitLock);
  EXPECT_TRUE(acquired.ok()) << acquired.status().ToString();
}

}  // namespace
}  // namespace nsxv::locking
