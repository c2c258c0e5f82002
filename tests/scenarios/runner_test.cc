#include "scenarios/runner.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/server.h"
#include "scenarios/scenario_command.h"
#include "tests/driver/store/temp_dir.h"

namespace nsxv::scenarios {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

Scenario Parse(const std::string& text) {
  auto sc = ParseScenario(text, "test.json");
  EXPECT_TRUE(sc.ok()) << sc.error().message();
  return sc.ok() ? std::move(sc).value() : Scenario();
}

ScenarioReport RunIt(const Scenario& sc, RunOptions options = {}) {
  auto report = RunScenario(sc, options);
  EXPECT_TRUE(report.ok()) << report.error().message();
  return report.ok() ? std::move(report).value() : ScenarioReport();
}

std::string AllFailures(const ScenarioReport& r) {
  std::string out;
  for (const auto& f : r.failures) out += f + "\n";
  return out;
}

constexpr const char* kBasic = R"({
  "format": 1, "name": "basic", "seed": 5,
  "steps": [
    {"op": "init", "expect": {"ok": true, "init": {"created": 2, "complete": true}}},
    {"op": "create_routers", "prefix": "r", "count": 3, "expect": {"succeeded": 3}},
    {"op": "init", "expect": {"writes": 0}},
    {"op": "delete_routers", "names": ["r-002"], "expect": {"ok": true}}
  ]})";

TEST(ScenarioRunner, SequentialRunPassesAndReportsWhatHappened) {
  const ScenarioReport r = RunIt(Parse(kBasic));
  EXPECT_TRUE(r.passed()) << AllFailures(r);
  ASSERT_EQ(r.steps.size(), 4u);
  EXPECT_EQ(r.steps[1].succeeded, 3);
  EXPECT_EQ(r.steps[2].writes, 0);
  EXPECT_GT(r.steps[2].requests, 0);
  EXPECT_TRUE(r.converged);
  EXPECT_EQ(r.liveness_rounds, 1);
  EXPECT_TRUE(r.repairs.empty());
  EXPECT_EQ(r.final_routers, (std::vector<std::string>{"r-001", "r-003"}));
  EXPECT_TRUE(r.final_check.ok());
  EXPECT_EQ(r.final_check.proxy_edges, 2);
}

TEST(ScenarioRunner, UnmetExpectationIsAFailureNamingStepAndNumbers) {
  const ScenarioReport r = RunIt(Parse(R"({
    "format": 1, "name": "unmet",
    "steps": [
      {"op": "init"},
      {"op": "create_routers", "prefix": "r", "count": 2, "expect": {"succeeded": 7}}
    ]})"));
  ASSERT_FALSE(r.passed());
  EXPECT_THAT(AllFailures(r),
              HasSubstr("$.steps[1] (create_routers): succeeded: got 2, expected 7"));
}

TEST(ScenarioRunner, SameSeedGivesTheSameNormalizedReport) {
  const Scenario sc = Parse(R"({
    "format": 1, "name": "faulty", "seed": 11,
    "faults": {"rules": [
      {"name": "busy", "method": "PUT", "path": "/api/4.0/edges/*/loadbalancer/config",
       "probability": 0.4, "fault": {"kind": "http_error", "status": 409, "errorCode": 10020}},
      {"name": "boom", "method": "PUT", "path": "/api/4.0/edges/*/vnics/*", "probability": 0.2,
       "fault": {"kind": "http_error", "status": 500}}]},
    "steps": [{"op": "init"}, {"op": "create_routers", "prefix": "r", "count": 8}]})");
  const ScenarioReport a = RunIt(sc);
  const ScenarioReport b = RunIt(sc);
  EXPECT_EQ(a.Normalized().dump(), b.Normalized().dump());
  EXPECT_TRUE(a.passed()) << AllFailures(a);
  RunOptions other;
  other.seed = 12;
  EXPECT_EQ(RunIt(sc, other).seed, 12u);
}

TEST(ScenarioRunner, LivenessRepairsARouterWhoseEdgeWasDeletedBehindTheDriversBack) {
  const ScenarioReport r = RunIt(Parse(R"({
    "format": 1, "name": "deleted",
    "steps": [
      {"op": "init"},
      {"op": "create_routers", "prefix": "r", "count": 2},
      {"op": "backend", "action": "delete_edge", "target": "router:r-001"},
      {"op": "check", "expect": {"violations": {"min": 1}, "violation_invariants": ["routers"]}}
    ]})"));
  EXPECT_TRUE(r.passed()) << AllFailures(r);
  EXPECT_FALSE(r.after_steps.ok());
  EXPECT_TRUE(r.converged);
  EXPECT_GE(r.liveness_rounds, 2);
  EXPECT_THAT(r.repairs, ::testing::Contains("delete router r-001"));
  EXPECT_THAT(r.repairs, ::testing::Contains("create router r-001"));
  EXPECT_EQ(r.final_routers, (std::vector<std::string>{"r-001", "r-002"}));
}

TEST(ScenarioRunner, CrashedNodeFailsItsStepAndARestartConverges) {
  const ScenarioReport r = RunIt(Parse(R"({
    "format": 1, "name": "crash",
    "steps": [
      {"op": "init", "crash_after_requests": 6, "expect": {"ok": false, "error_contains": "crashed"}},
      {"op": "init", "expect": {"ok": true, "init": {"complete": true}}},
      {"op": "create_routers", "prefix": "r", "count": 2, "expect": {"succeeded": 2}}
    ]})"));
  EXPECT_TRUE(r.passed()) << AllFailures(r);
  EXPECT_TRUE(r.final_check.ok());
}

TEST(ScenarioRunner, ClientSideFaultsWorkOnEveryBackend) {
  const Scenario sc = Parse(R"({
    "format": 1, "name": "client",
    "client_faults": {"rules": [{"name": "reset", "method": "GET", "probability": 0.1,
                                 "fault": {"kind": "reset"}}]},
    "steps": [{"op": "init"}, {"op": "create_routers", "prefix": "r", "count": 3}],
    "expect": {"violations": 0}})");
  EXPECT_FALSE(sc.NeedsServerSide());
  for (BackendKind backend : {BackendKind::kInProcess, BackendKind::kHttps}) {
    RunOptions options;
    options.backend = backend;
    const ScenarioReport r = RunIt(sc, options);
    EXPECT_TRUE(r.passed()) << BackendKindName(backend) << "\n" << AllFailures(r);
  }
}

TEST(ScenarioRunner, RealManagerNeedsAllowChangesAndRefusesServerSideScenarios) {
  config::Config real;
  real.nsxv.manager_uri = "https://nsx.example.invalid";
  RunOptions options;
  options.backend = BackendKind::kReal;
  options.real_config = real;
  auto refused = RunScenario(Parse(kBasic), options);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message(), HasSubstr("--allow-changes"));

  options.allow_changes = true;
  auto server_side = RunScenario(Parse(R"({
    "format": 1, "name": "needs-fake",
    "faults": {"rules": [{"fault": {"kind": "edge_deleted"}, "method": "PUT"}]},
    "steps": [{"op": "init"}]})"),
                                 options);
  ASSERT_FALSE(server_side.ok());
  EXPECT_THAT(server_side.error().message(), HasSubstr("needs the fake"));
}

// A fake over HTTPS stands in for a real manager: the run must leave it as it found it.
TEST(ScenarioRunner, RealManagerRunPrefixesNamesAndRemovesEverythingItCreated) {
  fake::FakeManager manager(RealClock(), fake::FakeOptions{.user = "ops", .password = "pw"});
  auto server = fake::Server::Start(manager, {});
  ASSERT_TRUE(server.ok()) << server.error().message();
  testing_util::TempDir dir;
  const std::string ca = dir.File("ca.pem");
  std::ofstream(ca) << (*server)->ca_pem();

  config::Config real;
  real.nsxv.manager_uri = (*server)->url();
  real.nsxv.user = "ops";
  real.nsxv.password = "pw";
  real.nsxv.ca_file = ca;
  real.nsxv.mgt_net_moid = "dvportgroup-mgmt";
  real.nsxv.mgt_net_proxy_ips = {"10.10.0.11"};
  real.nsxv.mgt_net_proxy_netmask = "255.255.255.0";
  real.nsxv.mgt_net_default_gateway = "10.10.0.1";  // Nova is off the management subnet
  real.nsxv.nova_metadata_ips = {"10.20.0.5"};
  // Without a shared secret Nova checks no signature and a tenant can claim another router's
  // provider id: the metadata-path oracle refutes that (no-spoofed-provider).
  real.nsxv.metadata_shared_secret = "ci-secret";
  real.nsxv.vdn_scope_id = "vdnscope-1";
  real.nsxv.datacenter_moid = "datacenter-2";
  real.nsxv.resource_pool_id = "domain-c7";
  real.nsxv.datastore_id = "datastore-1";
  real.nsxv.external_network = "dvportgroup-ext";
  RunOptions options;
  options.backend = BackendKind::kReal;
  options.real_config = real;
  options.allow_changes = true;
  options.run_prefix = "ci42";
  const ScenarioReport r = RunIt(Parse(R"({
    "format": 1, "name": "real",
    "steps": [
      {"op": "init", "expect": {"init": {"created": 1}}},
      {"op": "create_routers", "prefix": "r", "count": 2, "expect": {"succeeded": 2}},
      {"op": "create_networks", "prefix": "n", "count": 1, "cidr": "10.50.{i}.0/24"}
    ]})"),
                                 options);
  EXPECT_TRUE(r.passed()) << AllFailures(r);
  EXPECT_EQ(r.final_routers, (std::vector<std::string>{"r-001", "r-002"}));
  const json state = manager.model().Dump();
  EXPECT_TRUE(manager.model().EdgeIds().empty()) << state.dump();
  EXPECT_TRUE(state["virtualWires"].empty()) << state["virtualWires"].dump();
}

TEST(ScenarioRunner, ParallelSubStepsMayCheckAndChangeTheBackendFromTheirOwnThreads) {
  const Scenario sc = Parse(R"({
    "format": 1, "name": "parallel-check",
    "steps": [
      {"op": "init"},
      {"op": "create_routers", "prefix": "r", "count": 3},
      {"op": "parallel", "steps": [
        {"op": "check", "expect": {"violations": {"min": 0}}},
        {"op": "backend", "action": "delete_edge", "target": "router:r-001", "expect": {"ok": true}},
        {"op": "create_routers", "prefix": "s", "count": 4, "workers": 2, "expect": {"ok": true}}
      ]}
    ]})");
  const ScenarioReport r = RunIt(sc);
  EXPECT_TRUE(r.passed()) << AllFailures(r);
  EXPECT_EQ(r.final_routers.size(), 7u);
  EXPECT_EQ(RunIt(sc).Normalized().dump(), r.Normalized().dump());
}

TEST(ScenarioRunner, FaultChangesInsideAParallelBlockAreRefusedBeforeRunning) {
  const Scenario sc = Parse(R"({
    "format": 1, "name": "parallel-fault",
    "steps": [{"op": "init"}, {"op": "parallel", "steps": [{"op": "clear_faults"}, {"op": "init"}]}]})");
  const Status s = CheckRunnable(sc, BackendKind::kInProcess);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("$.steps[1].steps[0]: fault plans change between steps"));
  EXPECT_FALSE(RunScenario(sc, {}).ok());
}

TEST(ScenarioRunner, RefusedRestartKeepsTheNodeRunning) {
  const ScenarioReport r = RunIt(Parse(R"({
    "format": 1, "name": "bad-restart",
    "steps": [
      {"op": "init"},
      {"op": "restart", "nsxv": {"nova_metadata_ips": []},
       "expect": {"ok": false, "error_contains": "not configured"}},
      {"op": "create_routers", "prefix": "r", "count": 1, "expect": {"ok": true}}
    ],
    "liveness": false})"));
  EXPECT_TRUE(r.passed()) << AllFailures(r);
}

TEST(ScenarioRunner, DefaultRunPrefixesDifferBetweenRuns) {
  EXPECT_NE(DefaultRunPrefix(7), DefaultRunPrefix(7));
  EXPECT_THAT(DefaultRunPrefix(7), ::testing::StartsWith("nsxvsim-7-"));
}

TEST(ScenarioCommand, RunsFilesPrintsReplayAndClosingLine) {
  testing_util::TempDir dir;
  std::ofstream(dir.File("basic.json")) << kBasic;
  ScenarioCommandOptions options;
  options.paths = {dir.path()};
  options.repeat = 2;
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(RunScenarioCommand(options, out, err), 0) << out.str() << err.str();
  EXPECT_THAT(out.str(), HasSubstr("PASS basic seed=5"));
  EXPECT_THAT(out.str(),
              HasSubstr("replay: nsxv-md scenario run " + dir.File("basic.json") + " --seed 5"));
  EXPECT_THAT(out.str(), HasSubstr("SAME basic seed=5: 2 runs gave identical normalized reports"));
  EXPECT_THAT(out.str(), HasSubstr("2 passed, 0 failed"));
}

TEST(ScenarioCommand, BadFileIsAUsageErrorBeforeAnythingRuns) {
  testing_util::TempDir dir;
  std::ofstream(dir.File("a.json")) << kBasic;
  std::ofstream(dir.File("b.json")) << R"({"format": 1, "name": "b", "steps": [{"op": "fly"}]})";
  ScenarioCommandOptions options;
  options.paths = {dir.path()};
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(RunScenarioCommand(options, out, err), 2);
  EXPECT_EQ(out.str(), "");  // a.json did not run either
  EXPECT_THAT(err.str(), HasSubstr("b.json: $.steps[0].op"));
}

TEST(ScenarioCommand, DirectoryIncludesSubfoldersSorted) {
  testing_util::TempDir dir;
  std::filesystem::create_directories(dir.File("library/deep"));
  std::ofstream(dir.File("library/deep/b.json")) << kBasic;
  std::ofstream(dir.File("library/a.json")) << kBasic;
  std::ofstream(dir.File("library/notes.txt")) << "not a scenario";
  auto files = ExpandScenarioPaths({dir.path()});
  ASSERT_TRUE(files.ok()) << files.error().message();
  EXPECT_THAT(*files,
              ::testing::ElementsAre(dir.File("library/a.json"), dir.File("library/deep/b.json")));

  testing_util::TempDir empty;
  std::filesystem::create_directories(empty.File("sub"));
  auto none = ExpandScenarioPaths({empty.path()});
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.error().message(), HasSubstr("no *.json scenario files"));
}

TEST(ScenarioCommand, RealManagerDryRunListsPrefixedObjectsWithoutConnecting) {
  testing_util::TempDir dir;
  std::ofstream(dir.File("basic.json")) << kBasic;
  ScenarioCommandOptions options;
  options.paths = {dir.File("basic.json")};
  options.backend = "https://nsx.example.invalid";
  options.dry_run = true;
  options.run_prefix = "dry";
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(RunScenarioCommand(options, out, err), 0) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("3 routers (edges): dry-r-001 .. dry-r-003"));

  options.dry_run = false;
  std::ostringstream out2;
  std::ostringstream err2;
  EXPECT_EQ(RunScenarioCommand(options, out2, err2), 2);
  EXPECT_THAT(err2.str(), HasSubstr("refusing to change the NSX manager"));
}

}  // namespace
}  // namespace nsxv::scenarios
