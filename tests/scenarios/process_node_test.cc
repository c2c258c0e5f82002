// Process nodes and the kill option: the parser's keys, what the runner refuses, and runs in
// which the node is a child nsxv-md (build/bin/nsxv-md, next to this test binary) that the fake
// SIGKILLs at a request.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "scenarios/runner.h"
#include "scenarios/scenario.h"

namespace nsxv::scenarios {
namespace {

using ::testing::HasSubstr;

Scenario Parse(const std::string& text) {
  auto sc = ParseScenario(text, "test.json");
  EXPECT_TRUE(sc.ok()) << sc.error().message();
  return sc.ok() ? std::move(sc).value() : Scenario();
}

std::string AllFailures(const ScenarioReport& r) {
  std::string out;
  for (const auto& f : r.failures) out += f + "\n";
  return out;
}

// The verdict of `step` whose name starts with `what`, or nullptr.
const ExpectationVerdict* Verdict(const ScenarioReport& r, size_t step, const std::string& what) {
  if (step >= r.steps.size()) return nullptr;
  for (const ExpectationVerdict& v : r.steps[step].verdicts) {
    if (v.what.rfind(what, 0) == 0) return &v;
  }
  return nullptr;
}

TEST(ProcessNodeParser, AcceptsProcessNodesAndKillAndWritesThemBack) {
  const Scenario sc = Parse(R"({
    "format": 1, "name": "kill",
    "nodes": [{"name": "a", "process": true}, {"name": "b"}],
    "steps": [
      {"op": "init", "kill": {"at_request": 3, "phase": "before-apply"}},
      {"op": "create_routers", "prefix": "r", "count": 2,
       "kill": {"at_request": 1, "phase": "after-apply"}},
      {"op": "repair", "node": "b"}
    ]})");
  ASSERT_EQ(sc.nodes.size(), 2U);
  EXPECT_TRUE(sc.nodes[0].process);
  EXPECT_FALSE(sc.nodes[1].process);
  EXPECT_TRUE(sc.HasProcessNodes());
  ASSERT_TRUE(sc.steps[0].kill.has_value());
  EXPECT_EQ(sc.steps[0].kill->at_request, 3);
  EXPECT_FALSE(sc.steps[0].kill->after_apply);
  EXPECT_TRUE(sc.steps[1].kill->after_apply);
  EXPECT_EQ(sc.steps[2].op, StepOp::kRepair);

  auto again = ParseScenario(ScenarioToJson(sc).dump(), "again.json");
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(ScenarioToJson(*again), ScenarioToJson(sc));
}

TEST(ProcessNodeParser, RejectsBadKillAndProcessKeysWithOneLine) {
  struct Bad {
    std::string steps;
    std::string nodes;
    std::string path;
    std::string reason;
  };
  const std::vector<Bad> cases = {
      {R"([{"op": "init", "kill": {"at_request": 0, "phase": "after-apply"}}])", "",
       "$.steps[0].kill.at_request", "1..1000000"},
      {R"([{"op": "init", "kill": {"at_request": 2}}])", "", "$.steps[0].kill.phase",
       "required key is missing"},
      {R"([{"op": "init", "kill": {"at_request": 2, "phase": "during"}}])", "",
       "$.steps[0].kill.phase", "'during' is not one of before-apply, after-apply"},
      {R"([{"op": "init", "kill": {"at_request": 2, "phase": "after-apply", "signal": 9}}])", "",
       "$.steps[0].kill.signal", "unknown key in kill"},
      {R"([{"op": "init", "kill": 3}])", "", "$.steps[0].kill", "expected an object"},
      {R"([{"op": "init", "crash_after_requests": 3,
            "kill": {"at_request": 2, "phase": "after-apply"}}])",
       "", "$.steps[0].kill", "not both"},
      {R"([{"op": "check", "kill": {"at_request": 2, "phase": "after-apply"}}])", "",
       "$.steps[0].kill", "unknown key in a step of op check"},
      {R"([{"op": "init"}])", R"("nodes": [{"name": "a", "process": "yes"}], )",
       "$.nodes[0].process", "expected a boolean"},
  };
  for (const Bad& c : cases) {
    SCOPED_TRACE(c.steps + c.nodes);
    const std::string text =
        R"({"format": 1, "name": "t", )" + c.nodes + R"("steps": )" + c.steps + "}";
    auto s = ParseScenario(text, "t.json");
    ASSERT_FALSE(s.ok());
    const std::string& m = s.error().message();
    EXPECT_EQ(m.rfind("t.json: " + c.path + ": ", 0), 0U) << m;
    EXPECT_THAT(m, HasSubstr(c.reason));
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
}

TEST(ProcessNodeRunner, RefusesWhatProcessNodesCannotDoBeforeRunning) {
  const Scenario in_process = Parse(R"({"format": 1, "name": "t", "steps": [
      {"op": "init", "kill": {"at_request": 2, "phase": "after-apply"}}]})");
  Status s = CheckRunnable(in_process, BackendKind::kInProcess);
  EXPECT_THAT(s.message(), HasSubstr("$.steps[0]: kill needs a process node"));
  EXPECT_THAT(s.message(), HasSubstr("--process-nodes"));
  EXPECT_TRUE(CheckRunnable(in_process, BackendKind::kInProcess, /*process_nodes=*/true).ok());

  const Scenario process = Parse(R"({"format": 1, "name": "t",
      "nodes": [{"name": "a", "process": true}], "steps": [{"op": "init"}]})");
  s = CheckRunnable(process, BackendKind::kReal);
  EXPECT_THAT(s.message(), HasSubstr("needs the fake over HTTPS"));

  const Scenario client = Parse(R"({"format": 1, "name": "t",
      "client_faults": [{"name": "x", "fault": {"kind": "reset"}}], "steps": [{"op": "init"}]})");
  s = CheckRunnable(client, BackendKind::kHttps, /*process_nodes=*/true);
  EXPECT_THAT(s.message(), HasSubstr("client-side faults apply to in-process nodes only"));

  const Scenario parallel = Parse(R"({"format": 1, "name": "t",
      "nodes": [{"name": "a", "process": true}, {"name": "b"}], "steps": [
      {"op": "parallel", "steps": [
        {"op": "init", "kill": {"at_request": 2, "phase": "after-apply"}},
        {"op": "init", "node": "b"}]}]})");
  s = CheckRunnable(parallel, BackendKind::kHttps);
  EXPECT_THAT(s.message(), HasSubstr("$.steps[0].steps[0]: a node cannot be restarted, crashed or "
                                     "killed inside a parallel block"));
  EXPECT_EQ(s.message().find('\n'), std::string::npos);
}

// The deploy of r-001 is request 1 of its create on an initialized node; killed after the
// manager applied it, the process never learns the edge id: the binding stays PENDING_CREATE and
// no binding names the new edge (docs/nsxv-md/repair.md: pending-bindings, orphaned-edges).
constexpr const char* kKillAfterDeploy = R"({
  "format": 1, "name": "kill-after-deploy",
  "nodes": [{"name": "a", "process": true}],
  "nsxv": {"max_init_threads": 1},
  "steps": [
    {"op": "init", "expect": {"ok": true}},
    {"op": "create_routers", "prefix": "r", "count": 1,
     "kill": {"at_request": 1, "phase": "after-apply"},
     "expect": {"failed": 1, "error_contains": "SIGKILL at request 1, after-apply",
                "requests": [{"method": "POST", "path": "/api/4.0/edges", "count": 1}]}},
    {"op": "check", "expect": {"violation_invariants": ["half-created"], "violations": 1}},
    {"op": "check", "expect": {"violation_invariants": ["orphans"], "violations": 1,
                               "state": {"backend_edges": 3}}},
    {"op": "init", "expect": {"ok": true}},
    {"op": "repair", "expect": {"ok": true}},
    {"op": "check", "expect": {"violations": 0, "state": {"routers": 3, "backend_edges": 3}}}
  ]})";

TEST(ProcessNodeRunner, KillAfterApplyLeavesThePendingBindingAndItsEdgeThenRecovers) {
  const Scenario sc = Parse(kKillAfterDeploy);
  auto report = RunScenario(sc, {});
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_TRUE(report->passed()) << AllFailures(*report);
  EXPECT_EQ(report->backend, BackendKind::kHttps);  // a process node reaches the fake over HTTPS
  const ExpectationVerdict* kill = Verdict(*report, 1, "kill at request 1 after-apply");
  ASSERT_NE(kill, nullptr);
  EXPECT_TRUE(kill->ok) << kill->detail;
  EXPECT_EQ(report->final_routers, std::vector<std::string>{"r-001"});

  // Same seed, same kill point: the same normalized report.
  auto again = RunScenario(sc, {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Normalized(), report->Normalized());
}

TEST(ProcessNodeRunner, KillBeforeApplyMeansTheManagerNeverSawTheRequest) {
  const Scenario sc = Parse(R"({
    "format": 1, "name": "kill-before-deploy",
    "nodes": [{"name": "a", "process": true}],
    "steps": [
      {"op": "init", "expect": {"ok": true}},
      {"op": "create_routers", "prefix": "r", "count": 1,
       "kill": {"at_request": 1, "phase": "before-apply"},
       "expect": {"failed": 1, "error_contains": "SIGKILL at request 1, before-apply"}},
      {"op": "check", "expect": {"violation_invariants": ["orphans"], "violations": 0,
                                 "state": {"backend_edges": 2}}}
    ]})");
  auto report = RunScenario(sc, {});
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_TRUE(report->passed()) << AllFailures(*report);
}

TEST(ProcessNodeRunner, KillPointBeyondTheStepFailsItsVerdictClearly) {
  const Scenario sc = Parse(R"({
    "format": 1, "name": "kill-too-late",
    "nodes": [{"name": "a", "process": true}],
    "steps": [
      {"op": "init"},
      {"op": "status", "node": "a"},
      {"op": "create_routers", "prefix": "r", "count": 1,
       "kill": {"at_request": 500, "phase": "after-apply"}}
    ]})");
  auto report = RunScenario(sc, {});
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_FALSE(report->passed());
  const ExpectationVerdict* kill = Verdict(*report, 2, "kill at request 500");
  ASSERT_NE(kill, nullptr);
  EXPECT_FALSE(kill->ok);
  EXPECT_THAT(kill->detail, HasSubstr("finished the step before its request 500"));
  EXPECT_THAT(AllFailures(*report), HasSubstr("$.steps[2] (create_routers): kill at request 500"));
}

TEST(ProcessNodeRunner, InProcessCrashModelStillStopsSendingNextToAProcessNode) {
  const Scenario sc = Parse(R"({
    "format": 1, "name": "both-models",
    "nodes": [{"name": "a"}, {"name": "b", "process": true}],
    "nsxv": {"max_init_threads": 1},
    "steps": [
      {"op": "init", "node": "a", "crash_after_requests": 9,
       "expect": {"ok": false, "error_contains": "node a crashed", "requests": [{"count": 9}]}},
      {"op": "init", "node": "b", "expect": {"ok": true, "init": {"complete": true}}},
      {"op": "create_routers", "node": "b", "prefix": "r", "count": 2, "expect": {"ok": true}},
      {"op": "check", "expect": {"violations": 0, "state": {"proxy_edges": 2}}}
    ]})");
  auto report = RunScenario(sc, {});
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_TRUE(report->passed()) << AllFailures(*report);
}

}  // namespace
}  // namespace nsxv::scenarios
