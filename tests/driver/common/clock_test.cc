#include "driver/common/clock.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace nsxv {
namespace {

TEST(SimulatedClockTest, SleepAdvancesWithoutBlocking) {
  SimulatedClock clock;
  const TimePoint t0 = clock.Now();
  clock.SleepFor(std::chrono::hours(5));
  EXPECT_EQ(clock.Now() - t0, std::chrono::hours(5));
  clock.SleepUntil(t0 + std::chrono::hours(1));  // in the past: no change
  EXPECT_EQ(clock.Elapsed(), std::chrono::hours(5));
}

TEST(SimulatedClockTest, ConcurrentSleepsAddUp) {
  SimulatedClock clock;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 1000; ++j) clock.SleepFor(std::chrono::milliseconds(1));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(clock.Elapsed(), std::chrono::seconds(8));
}

TEST(RealClockTest, IsMonotonic) {
  Clock& c = RealClock();
  const TimePoint a = c.Now();
  EXPECT_LE(a, c.Now());
  EXPECT_EQ(&c, &RealClock());
}

}  // namespace
}  // namespace nsxv
