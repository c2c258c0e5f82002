// Runs one Scenario against a backend and reports what happened.
//
// A run: build the backend (in-process fake on a SimulatedClock, the fake over HTTPS, or a real
// manager), a private work directory (SQLite database, lock files), the store (SQLite, or a
// fresh MariaDB database with one lock directory per node: scenario_store.h), the nodes; load the
// initial backend state and SQL; install the fault plans; run the steps in order (a batch step on
// `workers` threads, a parallel step with one thread per sub-step), evaluating each step's
// expectations; then
//   1. faults off, edges powered on, and the invariant check ("after steps": safety);
//   2. the liveness phase: up to `rounds` rounds of Init on every node, re-driving the
//      operations the scenario intended (routers and networks that should exist are created,
//      broken ones re-created, those that should not exist deleted, orphan edges removed like
//      the admin utility does), until the invariant check is clean and the DB holds exactly the
//      intended routers and networks;
//   3. the final expectations (default: zero violations).
// Against a real manager every name carries the run prefix, and everything the run created is
// removed at the end, also after a failure.
//
// Determinism: the fake's faults are a function of the seed and the request key, and sequential
// steps are deterministic. Concurrent steps are not (thread interleaving decides which router
// meets which fault), so the normalized report (Normalized()) keeps only what a correct system
// makes independent of the interleaving: expectation verdicts, sequential step outcomes, the
// final check and the final state (names, not generated ids).
//
// Threading: RunScenario blocks the calling thread; it starts and joins its own workers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "driver/common/status.h"
#include "driver/config/config.h"
#include "scenarios/backend.h"
#include "scenarios/invariants.h"
#include "scenarios/mariadb_server.h"
#include "scenarios/scenario.h"

namespace nsxv::scenarios {

struct RunOptions {
  BackendKind backend = BackendKind::kInProcess;
  std::optional<uint64_t> seed;  // overrides the scenario's seed
  // kReal: the loaded nsx.ini (manager_uri, credentials, TLS, md options); the scenario's
  // [nsxv] options are applied over it.
  std::optional<config::Config> real_config;
  bool allow_changes = false;  // kReal: required to run at all
  std::string run_prefix;      // kReal: prefix of every name; empty: "nsxvsim-<seed>-<pid>"
  std::string work_dir;        // empty: a fresh temporary directory, removed afterwards
  bool keep_work_dir = false;
  // Every invariant check (steps, after the steps, liveness rounds) also runs the metadata-path
  // oracle (invariant "metadata-path", docs/metadata-path.md).
  bool metadata_path = true;
  // Every node runs in a child process (process_node.h), as if each had "process": true.
  // Process nodes talk to the fake over HTTPS: a scenario with process nodes runs on the HTTPS
  // fake when kInProcess is asked for, and is refused on a real manager.
  bool process_nodes = false;
  // The nsxv-md executable of process nodes; empty: this executable when it is nsxv-md, else the
  // nsxv-md next to it.
  std::string node_binary;
  // The store the nodes share (scenario_store.h): "sqlite", "mariadb" or a mysql URL; empty: the
  // scenario's `store` key, else sqlite.
  std::string store;
  // A running private server that "mariadb" runs take their database from (the scenario command
  // starts one for all its runs); null: each such run starts its own under its work directory.
  MariadbServer* mariadb_server = nullptr;
};

struct ExpectationVerdict {
  std::string what;  // "succeeded", "requests[0] PUT **/loadbalancer/config", ...
  bool ok = true;
  std::string detail;  // "got 3, expected 1..2"
};

struct StepReport {
  std::string path;  // "$.steps[2]"
  std::string op;
  std::string label;
  bool concurrent = false;
  int succeeded = 0;
  int failed = 0;
  std::vector<std::string> errors;  // the first few failure messages
  int64_t requests = 0;
  int64_t writes = 0;
  double wall_s = 0;
  std::vector<ExpectationVerdict> verdicts;
  bool ok() const;
};

struct ScenarioReport {
  std::string name;
  std::string file;
  uint64_t seed = 0;
  BackendKind backend = BackendKind::kInProcess;  // the one used (process nodes: https)
  bool concurrent = false;
  std::vector<StepReport> steps;
  CheckReport after_steps;
  std::vector<ExpectationVerdict> after_steps_verdicts;
  int liveness_rounds = 0;  // rounds used (0: liveness disabled)
  bool converged = false;
  std::vector<std::string> repairs;  // what liveness re-drove ("create r-003", ...)
  CheckReport final_check;
  std::vector<ExpectationVerdict> final_verdicts;
  std::vector<std::string> final_routers;   // router names in the DB (proxy routers excluded)
  std::vector<std::string> final_networks;  // network names in the DB (internal excluded)
  std::vector<std::string> failures;        // one line each; empty = passed
  int64_t requests = 0;
  double wall_s = 0;
  double virtual_s = 0;
  bool passed() const { return failures.empty(); }

  nlohmann::json ToJson() const;
  // What a correct system makes identical for every run of the same seed (see the file comment).
  nlohmann::json Normalized() const;
};

// The [nsxv] settings every scenario starts from (docs/scenarios.md "Base settings"): two proxy
// edges on a management port group, one Nova server, HTTP metadata with a shared secret, and the
// edge placement options. The demo starts from them too.
config::Config ScenarioBaseConfig();

// "nsxvsim-<seed>-<pid>-<random hex>": unique per run, so runs sharing a manager never take each
// other's objects for their own.
std::string DefaultRunPrefix(uint64_t seed);

// The command line that reruns this scenario with this seed and backend.
std::string ReplayCommand(const Scenario& scenario, const RunOptions& options, uint64_t seed);

// What the runner refuses before anything runs (kInvalidArgument naming the step): inside a
// parallel block, a sub-step that rebuilds a node (restart, update_secret, crash, kill) while its
// siblings use it, or that changes the fault plans; `wait` on a real manager; a kill on a node
// that is not a process node; process nodes on a real manager or with client-side faults (their
// requests do not pass the runner's client stack).
Status CheckRunnable(const Scenario& scenario, BackendKind backend, bool process_nodes = false);

// Runs the scenario. A Status error only when the run could not start (backend, work directory,
// a scenario that needs the fake on a real manager, a real manager without allow_changes);
// everything that goes wrong afterwards is in the report's failures.
Result<ScenarioReport> RunScenario(const Scenario& scenario, const RunOptions& options);

}  // namespace nsxv::scenarios
