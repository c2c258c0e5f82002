#include "driver/transport/retry.h"

#include <vector>

#include <gtest/gtest.h>

namespace nsxv {
namespace {

Status Http(int status) {
  Status s(StatusCode::kInternal, "http " + std::to_string(status));
  s.WithHttp(status);
  return s;
}

TEST(RetryPolicyTest, BackoffDoublesFromOneSecondAndCapsAtFour) {
  const RetryPolicy p = RetryPolicy::OnHttp(20, {409});
  std::vector<int64_t> ms;
  for (int n = 1; n <= 5; ++n) {
    ms.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(p.BackoffAfter(n)).count());
  }
  EXPECT_EQ(ms, (std::vector<int64_t>{1000, 2000, 4000, 4000, 4000}));
}

TEST(RetryPolicyTest, RetriesOnlyListedStatusesAndTransportWhenAsked) {
  RetryPolicy p = RetryPolicy::OnHttp(3, {409, 503});
  EXPECT_TRUE(p.ShouldRetry(Http(409)));
  EXPECT_TRUE(p.ShouldRetry(Http(503)));
  EXPECT_FALSE(p.ShouldRetry(Http(400)));
  const Status reset(StatusCode::kConnectionReset, "reset");
  EXPECT_FALSE(p.ShouldRetry(reset));
  p.retry_transport = true;
  EXPECT_TRUE(p.ShouldRetry(reset));
  EXPECT_FALSE(p.ShouldRetry(Status::Ok()));
}

TEST(RetryPolicyTest, FinalNsxCodesAreNotRetriedEvenOnARetriedStatus) {
  RetryPolicy p = RetryPolicy::OnHttp(3, {400, 503});
  p.final_nsx_codes = {10013};
  EXPECT_TRUE(p.ShouldRetry(Http(400)));
  EXPECT_TRUE(p.ShouldRetry(Status(StatusCode::kInvalidArgument, "bad").WithHttp(400, 10002)));
  EXPECT_FALSE(p.ShouldRetry(Status(StatusCode::kInvalidArgument, "off").WithHttp(400, 10013)));
}

TEST(CallWithRetryTest, SleepsOnTheClockBetweenAttempts) {
  SimulatedClock clock;
  int calls = 0;
  std::vector<int> retried;
  Result<int> r = CallWithRetry<int>(
      clock, RetryPolicy::OnHttp(20, {409}),
      [&](int attempt) -> Result<int> {
        ++calls;
        if (attempt < 4) return Http(409);
        return 7;
      },
      [&](int attempt, const Status&, Duration) { retried.push_back(attempt); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(retried, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(clock.Elapsed(), std::chrono::seconds(1 + 2 + 4));
}

TEST(CallWithRetryTest, ExhaustionReturnsTheLastError) {
  SimulatedClock clock;
  int calls = 0;
  Result<int> r = CallWithRetry<int>(clock, RetryPolicy::OnHttp(3, {503}), [&](int) -> Result<int> {
    ++calls;
    return Http(503);
  });
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(r.error().http_status(), 503);
  EXPECT_EQ(clock.Elapsed(), std::chrono::seconds(1 + 2));
}

TEST(CallWithRetryTest, NonRetriedErrorStopsAtOnce) {
  SimulatedClock clock;
  int calls = 0;
  Result<int> r = CallWithRetry<int>(clock, RetryPolicy::OnHttp(5, {409}), [&](int) -> Result<int> {
    ++calls;
    return Http(400);
  });
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(clock.Elapsed(), Duration(0));
}

}  // namespace
}  // namespace nsxv
