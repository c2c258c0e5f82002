#include "fake_nsxv/fault_plan.h"

#include <map>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace nsxv::fake {
namespace {

std::shared_ptr<const FaultPlan> MustParse(std::string_view text, uint64_t seed = 1) {
  auto plan = FaultPlan::FromJsonText(text, seed);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return plan.ok() ? *plan : nullptr;
}

std::string ParseError(std::string_view text) {
  auto plan = FaultPlan::FromJsonText(text, 1);
  EXPECT_FALSE(plan.ok());
  return plan.ok() ? "" : plan.error().message();
}

TEST(PathGlobTest, StarStaysInSegmentDoubleStarCrosses) {
  EXPECT_TRUE(PathGlobMatch("/api/4.0/edges/*/vnics/*", "/api/4.0/edges/edge-1/vnics/0"));
  EXPECT_FALSE(PathGlobMatch("/api/4.0/edges/*", "/api/4.0/edges/edge-1/vnics/0"));
  EXPECT_TRUE(PathGlobMatch("/api/4.0/edges/**", "/api/4.0/edges/edge-1/vnics/0"));
  EXPECT_TRUE(PathGlobMatch("**", "/anything/at/all"));
  EXPECT_TRUE(PathGlobMatch("/api/4.0/edges", "/api/4.0/edges"));
  EXPECT_FALSE(PathGlobMatch("/api/4.0/edges", "/api/4.0/edges/edge-1"));
  EXPECT_TRUE(PathGlobMatch("/api/*/edges/edge-*", "/api/4.0/edges/edge-12"));
}

TEST(FaultPlanTest, SkipThenTimesCountsPerRequestKey) {
  auto plan =
      MustParse(R"({"rules": [{"method": "PUT", "path": "/api/4.0/edges/*/loadbalancer/config",
      "skip": 1, "times": 2, "fault": {"kind": "http_error", "status": 409}}]})");
  const std::string a = "/api/4.0/edges/edge-1/loadbalancer/config";
  const std::string b = "/api/4.0/edges/edge-2/loadbalancer/config";
  std::vector<bool> fired_a;
  for (int i = 0; i < 5; ++i)
    fired_a.push_back(plan->Decide("PUT", a, "edge-1", {}).fault.has_value());
  EXPECT_EQ(fired_a, (std::vector<bool>{false, true, true, false, false}));
  // Another key has its own occurrence count.
  EXPECT_FALSE(plan->Decide("PUT", b, "edge-2", {}).fault.has_value());
  EXPECT_TRUE(plan->Decide("PUT", b, "edge-2", {}).fault.has_value());
  // Method mismatch never matches.
  EXPECT_FALSE(plan->Decide("GET", a, "edge-1", {}).fault.has_value());
  const auto stats = plan->Stats();
  EXPECT_EQ(stats[0].matched, 7);
  EXPECT_EQ(stats[0].fired, 3);
}

TEST(FaultPlanTest, EdgeFilterAndFirstFaultWinsLatencyAdds) {
  auto plan = MustParse(R"([
    {"name": "slow", "path": "**", "fault": {"kind": "latency", "fixed_ms": 5}},
    {"name": "slow2", "path": "**", "fault": {"kind": "latency", "fixed_ms": 7}},
    {"name": "off", "edge": "edge-3", "fault": {"kind": "edge_powered_off"}},
    {"name": "gone", "fault": {"kind": "edge_deleted"}}])");
  FaultDecision d = plan->Decide("GET", "/api/4.0/edges/edge-3/status", "edge-3", {});
  EXPECT_EQ(d.latency, std::chrono::milliseconds(12));
  ASSERT_TRUE(d.fault);
  EXPECT_EQ(d.fault->kind, FaultKind::kEdgePoweredOff);
  EXPECT_EQ(d.fired, (std::vector<std::string>{"slow", "slow2", "off", "gone"}));
  d = plan->Decide("GET", "/api/4.0/edges/edge-4/status", "edge-4", {});
  ASSERT_TRUE(d.fault);
  EXPECT_EQ(d.fault->kind, FaultKind::kEdgeDeleted);
}

TEST(FaultPlanTest, WindowUsesVirtualTime) {
  auto plan = MustParse(R"([{"window": [10, 20], "fault": {"kind": "reset"}}])");
  EXPECT_FALSE(plan->Decide("GET", "/x", {}, std::chrono::seconds(9)).fault);
  EXPECT_TRUE(plan->Decide("GET", "/x", {}, std::chrono::seconds(10)).fault);
  EXPECT_TRUE(plan->Decide("GET", "/x", {}, std::chrono::milliseconds(19999)).fault);
  EXPECT_FALSE(plan->Decide("GET", "/x", {}, std::chrono::seconds(20)).fault);
}

TEST(FaultPlanTest, ProbabilityIsSeededAndRoughlyCalibrated) {
  const char* doc = R"([{"probability": 0.3, "fault": {"kind": "http_error", "status": 503}}])";
  auto p1 = MustParse(doc, 42);
  auto p2 = MustParse(doc, 42);
  auto p3 = MustParse(doc, 43);
  int fired = 0;
  int same = 0;
  int differs = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::string path = "/api/4.0/edges/edge-" + std::to_string(i % 50);
    const bool f1 = p1->Decide("GET", path, {}, {}).fault.has_value();
    const bool f2 = p2->Decide("GET", path, {}, {}).fault.has_value();
    const bool f3 = p3->Decide("GET", path, {}, {}).fault.has_value();
    fired += f1;
    same += f1 == f2;
    differs += f1 != f3;
  }
  EXPECT_EQ(same, 2000);
  EXPECT_GT(differs, 100);
  EXPECT_GT(fired, 450);
  EXPECT_LT(fired, 750);
}

TEST(FaultPlanTest, LatencyDistributionsStayInRange) {
  auto plan = MustParse(R"([
    {"name": "u", "path": "/u", "fault": {"kind": "latency", "uniform_ms": [2, 4]}},
    {"name": "l", "path": "/l", "fault": {"kind": "latency", "lognormal": {"median_ms": 5, "sigma": 0.5}}}])");
  std::vector<double> logs;
  for (int i = 0; i < 500; ++i) {
    const auto u = plan->Decide("GET", "/u", {}, {}).latency;
    EXPECT_GE(u, std::chrono::milliseconds(2));
    EXPECT_LE(u, std::chrono::milliseconds(4));
    logs.push_back(
        std::chrono::duration<double, std::milli>(plan->Decide("GET", "/l", {}, {}).latency)
            .count());
  }
  std::sort(logs.begin(), logs.end());
  EXPECT_NEAR(logs[logs.size() / 2], 5.0, 0.75);  // median
  EXPECT_GT(logs.front(), 0.0);
}

// Same seed -> same decisions per request key, whatever the interleaving of 8 client threads.
TEST(FaultPlanTest, DeterministicUnderConcurrency) {
  const char* doc = R"({"seed": 7, "rules": [
    {"name": "p", "probability": 0.4, "fault": {"kind": "http_error", "status": 409}},
    {"name": "lat", "probability": 0.5, "fault": {"kind": "latency", "uniform_ms": [0, 10]}}]})";
  auto run = [&] {
    auto plan = MustParse(doc);
    std::map<std::string, std::vector<std::pair<bool, int64_t>>> per_key;
    std::vector<std::thread> threads;
    std::vector<std::map<std::string, std::vector<std::pair<bool, int64_t>>>> results(8);
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 200; ++i) {
          const std::string path =
              "/api/4.0/edges/edge-" + std::to_string(t) + "/vnics/" + std::to_string(i % 10);
          FaultDecision d = plan->Decide("PUT", path, {}, {});
          results[t][path].emplace_back(d.fault.has_value(), d.latency.count());
        }
      });
    }
    for (auto& th : threads) th.join();
    for (auto& r : results) per_key.merge(r);
    return per_key;
  };
  const auto first = run();
  EXPECT_EQ(first.size(), 80U);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(run(), first);
}

TEST(FaultPlanTest, UnmatchedRulesAreReported) {
  auto plan = MustParse(R"([{"name": "used", "path": "/a", "fault": {"kind": "timeout"}},
                            {"name": "never", "path": "/b", "fault": {"kind": "timeout"}}])");
  (void)plan->Decide("GET", "/a", {}, {});
  EXPECT_EQ(plan->UnmatchedRules(), std::vector<std::string>{"never"});
}

TEST(FaultPlanTest, ToJsonRoundTrips) {
  auto plan = MustParse(R"({"seed": 9, "rules": [
    {"name": "a", "method": "POST", "path": "/api/4.0/edges", "skip": 2, "times": 3,
     "fault": {"kind": "http_error", "status": 400, "errorCode": 10085, "details": "dup"}},
    {"name": "b", "probability": 0.25, "window": [1, 2], "edge": "edge-1",
     "fault": {"kind": "latency", "lognormal": {"median_ms": 3, "sigma": 0.2}}}]})");
  const nlohmann::json j = plan->ToJson();
  auto again = FaultPlan::FromJson(j, 1);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  nlohmann::json a = j;
  nlohmann::json b = (*again)->ToJson();
  EXPECT_EQ(a["rules"], b["rules"]);
  EXPECT_EQ(b["seed"], 9);
}

TEST(FaultPlanTest, BadDocumentsGiveOneLineErrors) {
  EXPECT_EQ(ParseError("{\"rules\": [\n  {\"fault\": \n}"),
            "fault plan: JSON syntax error at line 3, column 1");
  EXPECT_EQ(
      ParseError(R"([{"fault": {"kind": "boom"}}])"),
      "rule 0 (rule-0).fault: unknown fault kind \"boom\" (known: http_error, latency, reset, "
      "timeout, truncated, garbage, response_lost, edge_powered_off, edge_deleted, job_failure)");
  EXPECT_EQ(ParseError(R"([{"name": "x", "fualt": {}}])"), "rule 0 (x): unknown field \"fualt\"");
  EXPECT_EQ(ParseError(R"([{"fault": {"kind": "http_error"}}])"),
            "rule 0 (rule-0).fault: \"status\" is required for http_error");
  EXPECT_EQ(ParseError(R"([{"probability": 2, "fault": {"kind": "reset"}}])"),
            "rule 0 (rule-0): \"probability\" must be in [0, 1]");
  EXPECT_EQ(ParseError(R"([{"method": "FETCH", "fault": {"kind": "reset"}}])"),
            "rule 0 (rule-0): \"method\" must be one of *, GET, PUT, POST, DELETE, PATCH");
  EXPECT_EQ(ParseError(R"([{"path": "api", "fault": {"kind": "reset"}}])"),
            "rule 0 (rule-0): \"path\" must start with '/' (or be \"**\")");
  EXPECT_EQ(ParseError(R"([{"fault": {"kind": "latency"}}])"),
            "rule 0 (rule-0).fault: latency needs exactly one of fixed_ms, uniform_ms, lognormal");
  EXPECT_EQ(
      ParseError(
          R"([{"name": "a", "fault": {"kind": "reset"}}, {"name": "a", "fault": {"kind": "reset"}}])"),
      "rule 1: duplicate name \"a\"");
  EXPECT_EQ(ParseError(R"({"rulez": []})"),
            "fault plan: unknown field \"rulez\" (expected seed, rules)");
  EXPECT_EQ(ParseError(R"([{"skip": -1, "fault": {"kind": "reset"}}])"),
            "rule 0 (rule-0): \"skip\" must be in [0, 4611686018427387903]");
}

TEST(FaultPlanTest, CommentsAreAllowed) {
  auto plan =
      MustParse("// reset everything once\n[{\"times\": 1, \"fault\": {\"kind\": \"reset\"}}]");
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->rules().size(), 1U);
}

}  // namespace
}  // namespace nsxv::fake
