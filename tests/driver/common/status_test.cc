#include "driver/common/status.h"

#include <gtest/gtest.h>

namespace nsxv {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd: " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  NSXV_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

Status CheckEven(int x) {
  NSXV_RETURN_IF_ERROR(Half(x).status());
  return Status::Ok();
}

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_FALSE(s.IsTransportError());
}

TEST(StatusTest, CarriesHttpAndNsxCodes) {
  Status s = NotFound("edge-9");
  s.WithHttp(404, 100046);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.ToString(), "NOT_FOUND: edge-9 [http=404 nsx=100046]");
  EXPECT_FALSE(s.IsTransportError());
}

TEST(StatusTest, TransportErrorsHaveNoHttpStatus) {
  EXPECT_TRUE(Status(StatusCode::kDeadlineExceeded, "t").IsTransportError());
  EXPECT_TRUE(Status(StatusCode::kConnectionReset, "r").IsTransportError());
  Status unavailable(StatusCode::kUnavailable, "503");
  unavailable.WithHttp(503);
  EXPECT_FALSE(unavailable.IsTransportError());
}

TEST(ResultTest, ValueAndErrorPropagate) {
  EXPECT_EQ(*Quarter(8), 2);
  const Result<int> bad = Quarter(6);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "odd: 3");
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(5).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nsxv
