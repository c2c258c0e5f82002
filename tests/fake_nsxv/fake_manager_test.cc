#include "fake_nsxv/fake_manager.h"

#include <map>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_nsxv/in_process_transport.h"
#include "tests/test_util/nsx_documents.h"

namespace nsxv::fake {
namespace {

using json = nlohmann::json;
using nsxv::testing::DeployEdgeBody;
using nsxv::testing::ExternalVnicBody;

class FakeManagerTest : public ::testing::Test {
 protected:
  FakeManagerTest() : manager_(clock_, FakeOptions{}), transport_(manager_) {}

  HttpRequest Request(std::string method, std::string target, std::string body = "") {
    return nsxv::testing::AuthedJsonRequest(std::move(method), std::move(target), std::move(body));
  }

  Result<HttpResponse> Send(std::string method, std::string target, std::string body = "") {
    return transport_.Send(Request(std::move(method), std::move(target), std::move(body)));
  }

  HttpResponse MustSend(std::string method, std::string target, std::string body = "") {
    auto r = Send(std::move(method), std::move(target), std::move(body));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : HttpResponse{};
  }

  // Deploys an edge and returns its id from Location.
  std::string Deploy(const std::string& name) {
    HttpResponse r = MustSend("POST", "/api/4.0/edges", DeployEdgeBody(name));
    EXPECT_EQ(r.status, 201) << r.body;
    const std::string loc(r.headers.Get("Location").value_or(""));
    return loc.substr(loc.rfind('/') + 1);
  }

  void SetFaults(const std::string& plan) {
    HttpResponse r = MustSend("PUT", "/__fake/faults", plan);
    ASSERT_EQ(r.status, 204) << r.body;
  }

  int EdgeCount() { return static_cast<int>(manager_.model().Dump()["edges"].size()); }

  SimulatedClock clock_;
  FakeManager manager_;
  InProcessTransport transport_;
};

TEST_F(FakeManagerTest, MissingOrWrongCredentialsGive401) {
  HttpRequest r = Request("GET", "/api/4.0/edges");
  r.headers.Remove("Authorization");
  Exchange ex = manager_.Process(r);
  EXPECT_EQ(ex.response.status, 401);
  EXPECT_TRUE(ex.response.headers.Has("WWW-Authenticate"));
  r.headers.Set("Authorization", BasicAuthValue("admin", "wrong"));
  EXPECT_EQ(manager_.Process(r).response.status, 401);
  r.target = "/__fake/state";  // admin routes need the same auth
  EXPECT_EQ(manager_.Process(r).response.status, 401);
}

TEST_F(FakeManagerTest, StateDumpLoadRoundTripThroughAdmin) {
  const std::string e1 = Deploy("router-a");
  ASSERT_EQ(MustSend("PUT", "/api/4.0/edges/" + e1 + "/vnics/0",
                     ExternalVnicBody("10.0.0.5", "dvportgroup-55"))
                .status,
            204);
  const std::string dump = MustSend("GET", "/__fake/state").body;
  ASSERT_EQ(MustSend("POST", "/__fake/reset").status, 204);
  EXPECT_EQ(EdgeCount(), 0);
  ASSERT_EQ(MustSend("PUT", "/__fake/state", dump).status, 204);
  EXPECT_EQ(json::parse(MustSend("GET", "/__fake/state").body), json::parse(dump));
  // Ids continue after a load.
  EXPECT_EQ(Deploy("router-b"), "edge-2");
  // A bad document is rejected and changes nothing.
  const std::string before = MustSend("GET", "/__fake/state").body;
  HttpResponse bad = MustSend("PUT", "/__fake/state", "{\"edges\": 5}");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(MustSend("GET", "/__fake/state").body, before);
  EXPECT_EQ(MustSend("PUT", "/__fake/state", "not json").status, 400);
}

TEST_F(FakeManagerTest, FaultPlanAdminRejectsBadPlansAndReportsStats) {
  HttpResponse bad = MustSend("PUT", "/__fake/faults", R"([{"fault": {"kind": "boom"}}])");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("unknown fault kind"), std::string::npos) << bad.body;
  SetFaults(R"([{"name": "never", "path": "/nowhere", "fault": {"kind": "reset"}}])");
  const json plan = json::parse(MustSend("GET", "/__fake/faults").body);
  EXPECT_EQ(plan["stats"][0]["matched"], 0);
  ASSERT_EQ(MustSend("DELETE", "/__fake/faults").status, 204);
  EXPECT_TRUE(json::parse(MustSend("GET", "/__fake/faults").body)["rules"].empty());
  EXPECT_EQ(MustSend("PATCH", "/__fake/faults").status, 405);
  EXPECT_EQ(MustSend("GET", "/__fake/nothing").status, 404);
}

TEST_F(FakeManagerTest, HttpErrorFaultLeavesStateUnchanged) {
  SetFaults(R"([{"method": "POST", "path": "/api/4.0/edges", "times": 1,
                 "fault": {"kind": "http_error", "status": 409, "errorCode": 10020, "details": "busy"}}])");
  HttpResponse r = MustSend("POST", "/api/4.0/edges", DeployEdgeBody("r1"));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(json::parse(r.body)["errorCode"], 10020);
  EXPECT_EQ(EdgeCount(), 0);
  EXPECT_EQ(Deploy("r1"), "edge-1");  // second attempt passes
}

TEST_F(FakeManagerTest, ResetAndTimeoutAreNotApplied) {
  SetFaults(R"([{"method": "POST", "times": 1, "fault": {"kind": "reset"}},
                {"method": "POST", "skip": 1, "times": 1, "fault": {"kind": "timeout"}}])");
  auto r1 = Send("POST", "/api/4.0/edges", DeployEdgeBody("r1"));
  EXPECT_EQ(r1.status().code(), StatusCode::kConnectionReset);
  const TimePoint before = clock_.Now();
  HttpRequest req = Request("POST", "/api/4.0/edges", DeployEdgeBody("r1"));
  req.timeout = std::chrono::seconds(30);
  auto r2 = transport_.Send(req);
  EXPECT_EQ(r2.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(clock_.Now() - before, std::chrono::seconds(30));  // waited out the deadline
  EXPECT_EQ(EdgeCount(), 0);
}

TEST_F(FakeManagerTest, ResponseLostAndTruncatedAreApplied) {
  SetFaults(
      R"([{"method": "POST", "path": "/api/4.0/edges", "times": 1, "fault": {"kind": "response_lost"}},
                {"method": "GET", "path": "/api/4.0/edges", "times": 1, "fault": {"kind": "truncated"}}])");
  auto lost = Send("POST", "/api/4.0/edges", DeployEdgeBody("r1"));
  EXPECT_EQ(lost.status().code(), StatusCode::kConnectionReset);
  EXPECT_EQ(EdgeCount(), 1);  // the change happened although no answer arrived
  // Deploying again by the same name is what a careless retry does: a duplicate (10085).
  HttpResponse dup = MustSend("POST", "/api/4.0/edges", DeployEdgeBody("r1"));
  EXPECT_EQ(dup.status, 400);
  EXPECT_EQ(json::parse(dup.body)["errorCode"], 10085);
  EXPECT_EQ(Send("GET", "/api/4.0/edges").status().code(), StatusCode::kTruncated);
}

TEST_F(FakeManagerTest, GarbageBodyIsNotJson) {
  const std::string e = Deploy("r1");
  SetFaults(R"([{"method": "GET", "times": 1, "fault": {"kind": "garbage"}}])");
  HttpResponse r = MustSend("GET", "/api/4.0/edges/" + e);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(json::parse(r.body, nullptr, false).is_discarded());
}

TEST_F(FakeManagerTest, EdgePoweredOffAndDeletedChangeTheBackend) {
  const std::string e1 = Deploy("r1");
  const std::string e2 = Deploy("r2");
  SetFaults(R"([{"edge": "edge-1", "times": 1, "fault": {"kind": "edge_powered_off"}},
                {"edge": "edge-2", "times": 1, "fault": {"kind": "edge_deleted"}}])");
  HttpResponse off = MustSend("PUT", "/api/4.0/edges/" + e1 + "/vnics/0",
                              ExternalVnicBody("10.0.0.5", "dvportgroup-55"));
  EXPECT_EQ(off.status, 400);
  EXPECT_EQ(json::parse(off.body)["errorCode"], 10013);
  EXPECT_EQ(MustSend("GET", "/api/4.0/edges/" + e2).status, 404);
  // Admin power-on brings edge-1 back.
  ASSERT_EQ(MustSend("POST", "/__fake/edges/" + e1 + "/power?on=true").status, 204);
  EXPECT_EQ(MustSend("PUT", "/api/4.0/edges/" + e1 + "/vnics/0",
                     ExternalVnicBody("10.0.0.5", "dvportgroup-55"))
                .status,
            204);
  EXPECT_EQ(MustSend("POST", "/__fake/edges/edge-99/power?on=true").status, 404);
}

TEST_F(FakeManagerTest, JobFailureFailsTheDeploy) {
  SetFaults(
      R"([{"method": "POST", "path": "/api/4.0/edges", "times": 1, "fault": {"kind": "job_failure"}}])");
  HttpResponse r = MustSend("POST", "/api/4.0/edges", DeployEdgeBody("r1"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(EdgeCount(), 0);
}

TEST_F(FakeManagerTest, LatencyIsSleptOnTheClockAndJournaled) {
  SetFaults(R"([{"name": "slow", "fault": {"kind": "latency", "fixed_ms": 250}}])");
  const TimePoint before = clock_.Now();
  EXPECT_EQ(MustSend("GET", "/api/4.0/edges").status, 200);
  EXPECT_EQ(clock_.Now() - before, std::chrono::milliseconds(250));
  const json journal = json::parse(MustSend("GET", "/__fake/journal?since=0").body);
  const json& last = journal["entries"].back();
  // The last entry is the journal GET itself's predecessor: find the edges list.
  bool seen = false;
  for (const json& e : journal["entries"]) {
    if (e["path"] == "/api/4.0/edges") {
      EXPECT_EQ(e["fault"], "latency");
      EXPECT_EQ(e["rule"], "slow");
      EXPECT_GE(e["duration_us"].get<int64_t>(), 250000);
      seen = true;
    }
  }
  EXPECT_TRUE(seen);
  EXPECT_TRUE(last.contains("seq"));
  const json counters = json::parse(MustSend("GET", "/__fake/counters").body);
  EXPECT_EQ(counters["routes"]["GET /api/4.0/edges"]["count"], 1);
  EXPECT_EQ(MustSend("GET", "/__fake/journal?since=x").status, 400);
}

TEST_F(FakeManagerTest, TimeScaleShrinksLatency) {
  FakeOptions options;
  options.time_scale = 0.01;
  FakeManager scaled(clock_, options);
  InProcessTransport t(scaled);
  auto plan = FaultPlan::FromJsonText(R"([{"fault": {"kind": "latency", "fixed_ms": 1000}}])", 1);
  ASSERT_TRUE(plan.ok());
  scaled.SetFaultPlan(*plan);
  const TimePoint before = clock_.Now();
  ASSERT_TRUE(t.Send(Request("GET", "/api/4.0/edges")).ok());
  EXPECT_EQ(clock_.Now() - before, std::chrono::milliseconds(10));
}

TEST_F(FakeManagerTest, ClockAdvanceAdminNeedsSimulatedClock) {
  const TimePoint before = clock_.Now();
  ASSERT_EQ(MustSend("POST", "/__fake/clock/advance?seconds=1.5").status, 204);
  EXPECT_EQ(clock_.Now() - before, std::chrono::milliseconds(1500));
  EXPECT_EQ(MustSend("POST", "/__fake/clock/advance?seconds=-1").status, 400);
  FakeManager real(RealClock(), FakeOptions{});
  EXPECT_EQ(real.Process(Request("POST", "/__fake/clock/advance?seconds=1")).response.status, 409);
  EXPECT_EQ(json::parse(MustSend("GET", "/__fake/info").body)["clock"], "simulated");
}

// 8 concurrent clients; same seed -> the same fault decisions per request key.
TEST_F(FakeManagerTest, FaultDecisionsDeterministicUnderConcurrency) {
  auto run = [&] {
    SimulatedClock clock;
    FakeOptions options;
    options.seed = 99;
    FakeManager m(clock, options);
    InProcessTransport t(m);
    auto plan = FaultPlan::FromJsonText(R"([
      {"name": "conflict", "method": "PUT", "probability": 0.3, "fault": {"kind": "http_error", "status": 409}},
      {"name": "slow", "probability": 0.5, "fault": {"kind": "latency", "uniform_ms": [1, 9]}}])",
                                        1);
    EXPECT_TRUE(plan.ok());
    m.SetFaultPlan(*plan);
    std::vector<std::string> edges;
    for (int i = 0; i < 8; ++i) {
      HttpRequest r = Request("POST", "/api/4.0/edges", DeployEdgeBody("c" + std::to_string(i)));
      auto resp = t.Send(r);
      EXPECT_TRUE(resp.ok());
      const std::string loc(resp->headers.Get("Location").value_or(""));
      edges.push_back(loc.substr(loc.rfind('/') + 1));
    }
    std::vector<std::map<std::string, std::vector<int>>> per_thread(8);
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&, i] {
        for (int k = 0; k < 30; ++k) {
          const std::string target = "/api/4.0/edges/" + edges[static_cast<size_t>(i)] + "/vnics/0";
          auto resp = t.Send(Request(
              "PUT", target, ExternalVnicBody("10.0.0." + std::to_string(i + 2), "dvportgroup-1")));
          per_thread[static_cast<size_t>(i)][target].push_back(resp.ok() ? resp->status : -1);
        }
      });
    }
    for (auto& th : threads) th.join();
    std::map<std::string, std::vector<int>> merged;
    for (auto& m2 : per_thread) merged.merge(m2);
    return merged;
  };
  const auto first = run();
  ASSERT_EQ(first.size(), 8U);
  int conflicts = 0;
  for (const auto& [k, v] : first)
    conflicts += static_cast<int>(std::count(v.begin(), v.end(), 409));
  EXPECT_GT(conflicts, 20);
  EXPECT_LT(conflicts, 130);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(run(), first);
}

// A node names itself by the "/__node/<name>" prefix; its requests are counted, processed
// without the prefix, and the crash point fires at exactly its Nth request.
TEST_F(FakeManagerTest, CrashPointBeforeApplyKillsWithoutApplying) {
  int kills = 0;
  manager_.SetCrashPoint(CrashPoint{"a", 2, CrashPhase::kBeforeApply, [&] { ++kills; }});
  EXPECT_EQ(manager_.Process(Request("GET", "/__node/a/api/4.0/edges")).response.status, 200);
  EXPECT_EQ(manager_.Process(Request("GET", "/__node/b/api/4.0/edges")).response.status, 200);
  const Exchange ex =
      manager_.Process(Request("POST", "/__node/a/api/4.0/edges", DeployEdgeBody("x-1")));
  EXPECT_EQ(ex.delivery, Delivery::kReset);
  EXPECT_EQ(kills, 1);
  EXPECT_TRUE(manager_.CrashPointFired());
  EXPECT_EQ(EdgeCount(), 0);  // never applied
  EXPECT_EQ(manager_.NodeRequests("a"), 2);
  EXPECT_EQ(manager_.NodeRequests("b"), 1);
  // Fires once: the next request of the node goes through.
  const Exchange again =
      manager_.Process(Request("POST", "/__node/a/api/4.0/edges", DeployEdgeBody("x-1")));
  EXPECT_EQ(again.delivery, Delivery::kNormal);
  EXPECT_EQ(again.response.status, 201);
  EXPECT_EQ(kills, 1);
}

TEST_F(FakeManagerTest, CrashPointAfterApplyAppliesThenLosesTheAnswer) {
  int kills = 0;
  manager_.SetCrashPoint(CrashPoint{"a", 1, CrashPhase::kAfterApply, [&] { ++kills; }});
  const Exchange ex =
      manager_.Process(Request("POST", "/__node/a/api/4.0/edges", DeployEdgeBody("x-1")));
  EXPECT_EQ(ex.delivery, Delivery::kResponseLost);
  EXPECT_EQ(kills, 1);
  EXPECT_EQ(EdgeCount(), 1);  // applied
  // Admin requests of a node are not counted.
  EXPECT_EQ(manager_.Process(Request("GET", "/__node/a/__fake/counters")).response.status, 200);
  EXPECT_EQ(manager_.NodeRequests("a"), 1);
}

}  // namespace
}  // namespace nsxv::fake
