#include "scenarios/fault_transport.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/in_process_transport.h"
#include "tests/test_util/nsx_documents.h"

namespace nsxv::scenarios {
namespace {

// A backend without faults of its own (stands for a real manager) behind client-side faults.
class FaultTransportTest : public ::testing::Test {
 protected:
  FaultTransportTest() : manager_(clock_, fake::FakeOptions{}), backend_(manager_) {}

  std::unique_ptr<FaultTransport> With(std::string_view plan_text) {
    auto plan = fake::FaultPlan::FromJsonText(plan_text, 3);
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    auto t = FaultTransport::Create(backend_, *plan, clock_);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? std::move(t).value() : nullptr;
  }

  static HttpRequest Request(std::string method, std::string target, std::string body = "") {
    return nsxv::testing::AuthedJsonRequest(std::move(method), std::move(target), std::move(body));
  }

  size_t Edges() { return manager_.model().EdgeIds().size(); }

  SimulatedClock clock_;
  fake::FakeManager manager_;
  fake::InProcessTransport backend_;
};

TEST_F(FaultTransportTest, HttpErrorAndResetAreNotSent) {
  auto t = With(
      R"([{"method": "POST", "times": 1, "fault": {"kind": "http_error", "status": 409, "errorCode": 10020}},
                    {"method": "POST", "skip": 1, "times": 1, "fault": {"kind": "reset"}}])");
  const HttpRequest deploy = Request("POST", "/api/4.0/edges", testing::DeployEdgeBody("r1"));
  Result<HttpResponse> first = t->Send(deploy);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->status, 409);
  EXPECT_EQ(nlohmann::json::parse(first->body)["errorCode"], 10020);
  EXPECT_EQ(t->Send(deploy).status().code(), StatusCode::kConnectionReset);
  EXPECT_EQ(Edges(), 0U);
  EXPECT_EQ(backend_.calls(), 0U);
  EXPECT_EQ(t->Send(deploy)->status, 201);
  EXPECT_EQ(Edges(), 1U);
}

TEST_F(FaultTransportTest, ResponseLostAndTruncatedAreApplied) {
  auto t = With(R"([{"method": "POST", "times": 1, "fault": {"kind": "response_lost"}},
                    {"method": "GET", "times": 1, "fault": {"kind": "truncated"}},
                    {"method": "GET", "skip": 1, "times": 1, "fault": {"kind": "garbage"}}])");
  EXPECT_EQ(
      t->Send(Request("POST", "/api/4.0/edges", testing::DeployEdgeBody("r1"))).status().code(),
      StatusCode::kConnectionReset);
  EXPECT_EQ(Edges(), 1U);  // applied although the caller saw no answer
  EXPECT_EQ(t->Send(Request("GET", "/api/4.0/edges")).status().code(), StatusCode::kTruncated);
  Result<HttpResponse> garbage = t->Send(Request("GET", "/api/4.0/edges"));
  ASSERT_TRUE(garbage.ok());
  EXPECT_TRUE(nlohmann::json::parse(garbage->body, nullptr, false).is_discarded());
  EXPECT_EQ(backend_.calls(), 3U);
}

TEST_F(FaultTransportTest, LatencyAndTimeoutUseTheClock) {
  auto t = With(R"([{"method": "GET", "fault": {"kind": "latency", "fixed_ms": 40}},
                    {"method": "DELETE", "fault": {"kind": "timeout"}}])");
  const TimePoint t0 = clock_.Now();
  ASSERT_TRUE(t->Send(Request("GET", "/api/4.0/edges")).ok());
  EXPECT_EQ(clock_.Now() - t0, std::chrono::milliseconds(40));
  HttpRequest del = Request("DELETE", "/api/4.0/edges/edge-1");
  del.timeout = std::chrono::seconds(7);
  EXPECT_EQ(t->Send(del).status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(clock_.Now() - t0, std::chrono::milliseconds(7040));
}

TEST_F(FaultTransportTest, BackendChangingKindsAreRefused) {
  auto plan = fake::FaultPlan::FromJsonText(
      R"([{"name": "off", "fault": {"kind": "edge_powered_off"}}])", 1);
  ASSERT_TRUE(plan.ok());
  auto t = FaultTransport::Create(backend_, *plan, clock_);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(
      t.error().message(),
      "rule off: fault kind \"edge_powered_off\" changes the backend and cannot be applied on "
      "the client side");
}

}  // namespace
}  // namespace nsxv::scenarios
