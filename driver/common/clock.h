// Clock: what time it is and how to wait. Every component that waits (retry backoff, job
// polling, the fake's latency and deploy durations) takes a Clock so tests run on virtual time.
//
// Implementations are thread-safe. RealClock() is a process-wide singleton that is never
// destroyed. SimulatedClock never blocks: SleepFor(d) moves its time forward by d at once, so
// concurrent sleepers add up (documented simplification; a discrete-event clock that blocks
// until advanced belongs to the scenario runner).
#pragma once

#include <atomic>
#include <chrono>

namespace nsxv {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  virtual void SleepFor(Duration d) = 0;
  void SleepUntil(TimePoint t) {
    const TimePoint now = Now();
    if (t > now) SleepFor(t - now);
  }
};

// The steady clock and std::this_thread::sleep_for.
Clock& RealClock();

class SimulatedClock final : public Clock {
 public:
  SimulatedClock() = default;
  explicit SimulatedClock(TimePoint start) : now_ns_(start.time_since_epoch().count()) {}

  TimePoint Now() const override { return TimePoint(Duration(now_ns_.load())); }
  void SleepFor(Duration d) override { Advance(d); }

  void Advance(Duration d) {
    if (d.count() > 0) now_ns_.fetch_add(d.count());
  }
  // Total virtual time slept or advanced since construction.
  Duration Elapsed() const { return Duration(now_ns_.load()) - start_; }

 private:
  std::atomic<Duration::rep> now_ns_{0};
  Duration start_{now_ns_.load()};
};

}  // namespace nsxv
