#include "driver/common/clock.h"

#include <thread>

namespace nsxv {
namespace {

class SteadyClock final : public Clock {
 public:
  TimePoint Now() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
  }
  void SleepFor(Duration d) override {
    if (d.count() > 0) std::this_thread::sleep_for(d);
  }
};

}  // namespace

Clock& RealClock() {
  static Clock* clock = new SteadyClock();  // never destroyed
  return *clock;
}

}  // namespace nsxv
