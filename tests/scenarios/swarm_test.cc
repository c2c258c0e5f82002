// Swarm mode: the generator (deterministic, always a valid scenario), a small swarm, the
// minimizer and the seed range syntax.
#include "scenarios/swarm.h"

#include <stdlib.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace nsxv::scenarios {
namespace {

std::string Doc(const Scenario& sc) { return ScenarioToJson(sc).dump(); }

// Faults make the driver log retries by design.
class QuietLogs {
 public:
  QuietLogs() : level_(spdlog::get_level()) { spdlog::set_level(spdlog::level::err); }
  ~QuietLogs() { spdlog::set_level(level_); }

 private:
  spdlog::level::level_enum level_;
};

std::string TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "swarm-test-XXXXXX").string();
  EXPECT_NE(mkdtemp(pattern.data()), nullptr);
  return pattern;
}

TEST(Swarm, GenerationIsDeterministicPerSeed) {
  const SwarmOptions options;
  for (uint64_t seed : {1u, 7u, 123456u}) {
    auto a = GenerateSwarmScenario(seed, options);
    auto b = GenerateSwarmScenario(seed, options);
    ASSERT_TRUE(a.ok()) << a.error().message();
    ASSERT_TRUE(b.ok()) << b.error().message();
    EXPECT_EQ(Doc(*a), Doc(*b)) << "seed " << seed;
    EXPECT_EQ(a->name, "swarm-" + std::to_string(seed));
    EXPECT_EQ(a->seed, seed);
  }
}

TEST(Swarm, SeedsGiveDifferentScenarios) {
  std::set<std::string> docs;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    auto sc = GenerateSwarmScenario(seed, SwarmOptions{});
    ASSERT_TRUE(sc.ok()) << sc.error().message();
    nlohmann::json j = ScenarioToJson(*sc);
    j.erase("name");  // differs by construction
    j.erase("seed");
    docs.insert(j.dump());
  }
  EXPECT_EQ(docs.size(), 30u);
}

TEST(Swarm, EveryGeneratedScenarioParsesAndRoundTrips) {
  const SwarmOptions options;
  int concurrent = 0, two_nodes = 0, faulted = 0, parallel = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    auto sc = GenerateSwarmScenario(seed, options);
    ASSERT_TRUE(sc.ok()) << sc.error().message();
    auto again = ParseScenario(Doc(*sc), "swarm.json");
    ASSERT_TRUE(again.ok()) << "seed " << seed << ": " << again.error().message();
    EXPECT_EQ(Doc(*again), Doc(*sc)) << "seed " << seed;
    ASSERT_FALSE(sc->steps.empty());
    EXPECT_EQ(sc->steps.front().op, StepOp::kInit) << "seed " << seed;
    EXPECT_NE(std::find(sc->tags.begin(), sc->tags.end(), "swarm"), sc->tags.end());
    EXPECT_TRUE(sc->expect_final.empty());
    for (const Step& s : sc->steps) EXPECT_TRUE(s.expect.empty()) << "seed " << seed;
    concurrent += sc->Concurrent() ? 1 : 0;
    two_nodes += sc->nodes.size() > 1 ? 1 : 0;
    faulted += sc->server_faults.empty() ? 0 : 1;
    for (const Step& s : sc->steps) parallel += s.op == StepOp::kParallel ? 1 : 0;
  }
  // The mix covers what swarm is for.
  EXPECT_GT(concurrent, 100);
  EXPECT_GT(two_nodes, 40);
  EXPECT_GT(faulted, 100);
  EXPECT_GT(parallel, 20);
}

TEST(Swarm, SmallSwarmPasses) {
  QuietLogs quiet;
  SwarmOptions options;
  options.out_dir = TempDir();
  options.jobs = 2;
  std::ostringstream progress;
  const SwarmReport report = RunSwarm(1, 10, options, progress);
  EXPECT_EQ(report.passed, 10) << progress.str();
  EXPECT_EQ(report.failed, 0) << progress.str();
  ASSERT_EQ(report.results.size(), 10u);
  for (size_t i = 0; i < report.results.size(); ++i) {
    EXPECT_EQ(report.results[i].seed, i + 1);  // in seed order whatever finished first
  }
  EXPECT_NE(progress.str().find("PASS swarm-10 seed=10"), std::string::npos) << progress.str();
  const nlohmann::json j = report.ToJson();
  EXPECT_EQ(j["seeds"], "1..10");
  std::filesystem::remove_all(options.out_dir);
}

TEST(Swarm, MinimizeShrinksAnImpossibleExpectation) {
  QuietLogs quiet;
  auto sc = ParseScenario(R"({
    "format": 1, "name": "impossible", "seed": 5,
    "nodes": [{"name": "a"}, {"name": "b", "nsxv": {"metadata_initializer": false}}],
    "faults": [{"name": "slow", "fault": {"kind": "latency", "fixed_ms": 3}}],
    "steps": [
      {"op": "init"},
      {"op": "init", "node": "b"},
      {"op": "create_routers", "prefix": "r", "count": 4, "workers": 2},
      {"op": "parallel", "steps": [
        {"op": "create_networks", "prefix": "n", "count": 2},
        {"op": "delete_routers", "names": ["r-001"], "node": "b"}]},
      {"op": "redo_config"}
    ],
    "expect_final": {"state": {"routers": 999}}
  })",
                          "impossible.json");
  ASSERT_TRUE(sc.ok()) << sc.error().message();
  auto original = RunScenario(*sc, RunOptions{});
  ASSERT_TRUE(original.ok());
  ASSERT_FALSE(original->passed());
  EXPECT_EQ(FailureClass(original), "final: state.routers");

  MinimizeStats stats;
  MinimizeOptions options;
  options.max_runs = 60;
  auto minimized = MinimizeFailure(*sc, RunOptions{}, options, &stats);
  ASSERT_TRUE(minimized.ok()) << minimized.error().message();
  EXPECT_TRUE(stats.reproduced);
  EXPECT_GT(stats.reductions, 0);
  EXPECT_LE(stats.runs, 60);
  EXPECT_EQ(minimized->steps.size(), 1u) << ScenarioToJson(*minimized).dump(2);
  EXPECT_EQ(minimized->nodes.size(), 1u);
  EXPECT_TRUE(minimized->server_faults.empty());
  // Still a valid document, and it still fails the same way.
  auto reparsed = ParseScenario(Doc(*minimized), "min.json");
  ASSERT_TRUE(reparsed.ok()) << reparsed.error().message();
  auto again = RunScenario(*reparsed, RunOptions{});
  EXPECT_EQ(FailureClass(again), "final: state.routers");
  EXPECT_NE(stats.failure.find("final: state.routers"), std::string::npos) << stats.failure;
}

TEST(Swarm, MinimizeReturnsAPassingScenarioUnchanged) {
  QuietLogs quiet;
  auto sc = ParseScenario(R"({"format": 1, "name": "fine", "steps": [{"op": "init"}]})", "f.json");
  ASSERT_TRUE(sc.ok());
  MinimizeStats stats;
  auto out = MinimizeFailure(*sc, RunOptions{}, MinimizeOptions{}, &stats);
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(stats.reproduced);
  EXPECT_EQ(stats.runs, 3);
  EXPECT_EQ(Doc(*out), Doc(*sc));
}

TEST(Swarm, SeedRanges) {
  auto r = ParseSeedRange("1..500");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first, 1u);
  EXPECT_EQ(r->second, 500u);
  r = ParseSeedRange("7");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first, 7u);
  EXPECT_EQ(r->second, 7u);
  r = ParseSeedRange("5..2");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "--seeds 5..2: expected A..B with A <= B");
  for (const char* bad : {"", "..", "1..", "a..b", "1...3", "-1..2", "1..2x"}) {
    EXPECT_FALSE(ParseSeedRange(bad).ok()) << bad;
  }
}

TEST(Swarm, CommandRejectsABadRange) {
  std::ostringstream out, err;
  SwarmCommandOptions options;
  options.seeds = "5..2";
  EXPECT_EQ(RunSwarmCommand(options, out, err), 2);
  EXPECT_EQ(err.str(), "nsxv-md scenario swarm: --seeds 5..2: expected A..B with A <= B\n");
  options.seeds = "1..2";
  options.backend = "https://nsx";
  EXPECT_EQ(RunSwarmCommand(options, out, err), 2);
}

}  // namespace
}  // namespace nsxv::scenarios
