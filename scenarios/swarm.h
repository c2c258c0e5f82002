// Swarm mode (nsxv-md scenario swarm --seeds A..B): one generated scenario per seed, run with the
// invariant check and the liveness phase of every run; a failing seed is shrunk to a minimal
// scenario file that reproduces it (docs/scenarios.md, "Swarm mode").
//
// Determinism: GenerateSwarmScenario is a pure function of (seed, SwarmOptions): it draws from a
// std::mt19937_64 seeded by the seed (whose output sequence the standard fixes) through its own
// integer/real mappings (no std::*_distribution, whose results differ between standard
// libraries), and touches no global state. The same seed gives the same document everywhere.
// What a run of it does is as deterministic as RunScenario makes it (runner.h): concurrent steps
// depend on thread interleaving, so a failure of a concurrent scenario may not reproduce on
// every run; the minimizer keeps a candidate only when a run of it fails the same way.
//
// Threading: every function blocks the calling thread. RunSwarm with jobs > 1 runs seeds on that
// many threads of its own; each seed's RunScenario builds its own backend, work directory and
// nodes, so the runs share nothing but the progress stream (written under a lock, in seed order)
// and the output directory (one file per seed).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "driver/common/status.h"
#include "scenarios/backend.h"
#include "scenarios/runner.h"
#include "scenarios/scenario.h"

namespace nsxv::scenarios {

struct SwarmOptions {
  BackendKind backend = BackendKind::kInProcess;  // kInProcess or kHttps (server faults)
  std::string out_dir = "swarm-failures";         // where minimized reproducers are written
  int jobs = 1;                                   // seeds run at once
  bool minimize = true;
  int max_minimize_runs = 200;  // runs the minimizer may spend per failing seed
  // Generator bounds (kept small: a run takes ~0.1-0.3 s in process).
  int min_actions = 3;  // steps after the initial init steps (a restart counts as one)
  int max_actions = 8;
  int max_routers = 24;  // routers created per scenario (churn excluded)
};

// The scenario of `seed`: name "swarm-<seed>", tags include "swarm", seed = `seed`, no step
// expectations (the final invariant check and liveness decide). The document always passes
// ParseScenario (the result is the parsed form); an error means a generator bug.
Result<Scenario> GenerateSwarmScenario(uint64_t seed, const SwarmOptions& options);

// What kind of failure a run had, for "still fails the same way": the first failure line's
// "<where>: <what>" ("final: liveness converged"; a step path becomes its op) plus the invariant
// of the first final-check violation, if any ("final: violations [proxy]"). "" when it passed;
// "error" when the run could not start.
std::string FailureClass(const Result<ScenarioReport>& report);

struct MinimizeOptions {
  int max_runs = 200;
  // The class to keep (FailureClass); empty: taken from one run of the input first.
  std::string failure_class;
};

struct MinimizeStats {
  int runs = 0;             // scenario runs spent
  int reductions = 0;       // candidates kept
  std::string failure;      // the first failure line of the last failing run
  bool reproduced = false;  // some run failed with the class (else the input is returned)
};

// Delta debugging: repeatedly tries one smaller candidate (drop the last node, drop one step,
// unwrap or thin a parallel block, drop one fault rule or a proxy IP, halve a count, workers or
// rounds), skips candidates ParseScenario refuses (references), runs the rest and keeps the
// first that fails with the same class; stops when no candidate fails or after max_runs runs.
// Returns the smallest failing scenario found (the input when nothing smaller fails, or when
// the input itself did not fail again: stats->reproduced false). Errors: an input that does not
// survive ScenarioToJson -> ParseScenario.
Result<Scenario> MinimizeFailure(const Scenario& failing, const RunOptions& run,
                                 const MinimizeOptions& options = {},
                                 MinimizeStats* stats = nullptr);

struct SwarmSeedResult {
  uint64_t seed = 0;
  bool passed = false;
  int steps = 0;
  int64_t requests = 0;
  double wall_s = 0;
  std::vector<std::string> failures;  // of the generated scenario's run
  // Failing seeds only.
  std::string file;    // the reproducer written ("" when it could not be written)
  std::string replay;  // "nsxv-md scenario run <file>"
  int minimized_steps = 0;
  int minimize_runs = 0;
  bool reproduced = false;  // the minimizer saw the failure again
  std::string minimized_failure;
};

struct SwarmReport {
  uint64_t first = 0, last = 0;
  int passed = 0, failed = 0;
  double wall_s = 0;
  std::vector<SwarmSeedResult> results;  // in seed order
  nlohmann::json ToJson() const;
};

// Runs seeds first..last (inclusive), printing one result line per seed to `progress` in seed
// order (failures with their lines and the replay command).
SwarmReport RunSwarm(uint64_t first, uint64_t last, const SwarmOptions& options,
                     std::ostream& progress);

// "A..B" (A <= B) or "N" (= N..N); errors are one line: "--seeds 5..2: expected A..B with
// A <= B".
Result<std::pair<uint64_t, uint64_t>> ParseSeedRange(std::string_view text);

struct SwarmCommandOptions {
  std::string seeds;
  std::string backend = "inprocess";  // inprocess | https
  std::string out_dir = "swarm-failures";
  int jobs = 1;
  bool json = false;
};

// nsxv-md scenario swarm: result lines (or one JSON document with --json) and a closing
// "N passed, N failed" line. Exit 0 all passed, 1 a seed failed, 2 usage errors.
int RunSwarmCommand(const SwarmCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace nsxv::scenarios
