// A scenario as data: what the world looks like, what goes wrong, which operations run with what
// concurrency, and what must hold afterwards. Parsed from one JSON file (comments allowed) by
// ParseScenario(); run by RunScenario() (runner.h). The file format is documented in
// docs/scenarios.md; this header is its in-memory form.
//
// Every reference in a scenario (node names, router and network names, fault rule names) is
// checked by the parser against what earlier steps declare or create, so a scenario that
// references nothing is rejected before anything runs.
//
// Plain values; no threading concerns.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "driver/common/status.h"

namespace nsxv::scenarios {

inline constexpr int kScenarioFormat = 1;

// An integer expectation: exact value, or bounds (inclusive). Parsed from 3 or {"min":1,"max":4}.
struct CountBound {
  std::optional<int64_t> min;
  std::optional<int64_t> max;
  bool Holds(int64_t value) const;
  std::string Describe() const;  // "3", ">= 1", "1..4"
};

// A bound on the requests a step sent: method ("*" any, "WRITE" any but GET) and path glob (the
// fault plan's glob syntax), counted on the client side below the client faults (= what reached
// the manager, retries included).
struct RequestExpectation {
  std::string method = "*";
  std::string path = "**";
  CountBound count;
};

// What a step (or the whole scenario) must produce. Every field is optional.
struct Expectation {
  std::optional<bool> ok;                     // every operation of the step succeeded
  std::optional<CountBound> succeeded;        // operations that succeeded
  std::optional<CountBound> failed;           // operations that failed
  std::optional<std::string> error_contains;  // some failed operation's message contains this
  std::optional<CountBound> writes;           // requests other than GET
  std::vector<RequestExpectation> requests;
  std::map<std::string, CountBound> faults_fired;  // fault rule name -> times fired in the step
  // init: proxy edges by action, and completeness.
  std::optional<CountBound> proxy_created, proxy_validated, proxy_readdressed, proxy_failed,
      proxy_changed;
  std::optional<bool> complete;
  // check steps and the final check: violations, optionally only of these invariants.
  std::optional<CountBound> violations;
  std::vector<std::string> violation_invariants;
  // state (after the step): counts from the invariant check and the DB.
  std::optional<CountBound> routers, proxy_edges, backend_edges, live_proxy_ips, networks;
  // metadata_request steps: what the VM gets, "200", "400", "403" or "unreachable".
  std::optional<std::string> metadata_status;
  bool empty() const;
};

enum class StepOp {
  kInit,            // metadata Init() on a node
  kRestart,         // rebuild a node (new process), optionally with changed [nsxv] options
  kCreateRouters,   // routers with metadata, names <prefix>-<i>
  kDeleteRouters,   // by name
  kChurnRouters,    // create then delete, `rounds` times, per name
  kCreateNetworks,  // network (virtual wire) + subnet, names <prefix>-<i>
  kDeleteNetworks,
  kCreatePorts,  // ports on one network (IPAM)
  kParallel,     // the sub-steps at once, one thread each
  kSetFaults,    // replace the server-side (fake) or client-side fault plan
  kClearFaults,
  kBackend,          // a change behind the driver's back: delete_edge, power_off, power_on
  kWait,             // virtual time passes
  kCheck,            // invariant check now
  kRedoConfig,       // admin: rewrite md LB members on every router edge
  kUpdateSecret,     // admin: new metadata_shared_secret on a node, then UpdateSecret
  kStatus,           // admin: GetStatus (read only)
  kMetadataRequest,  // a VM behind `router` asks for metadata (the metadata-path oracle, read only)
  kRepair,           // admin: `nsxv-md repair --yes` on a node (repair.h), then its final check
};
const char* StepOpName(StepOp op);

enum class FaultSide { kServer, kClient };

// A real crash of a process node: the fake SIGKILLs the node's process at the node's
// `at_request`-th request of the step, before applying it (the manager never sees it) or after
// (the manager applied it, the answer is never read).
struct KillSpec {
  int64_t at_request = 1;
  bool after_apply = false;
  std::string PhaseName() const { return after_apply ? "after-apply" : "before-apply"; }
};

struct Step {
  StepOp op = StepOp::kInit;
  std::string json_path;  // "$.steps[3]" (for messages)
  std::string label;      // optional "name" of the step
  std::string node = "a";
  // Router / network / port batches.
  std::string prefix;
  int first = 1;
  int count = 1;
  std::vector<std::string> names;  // explicit names instead of prefix/first/count
  int workers = 1;
  int rounds = 1;
  std::string network;  // create_ports: a network name of an earlier step, or "internal"
  std::string cidr;     // create_networks: subnet CIDR template ("10.{i}.0.0/24"; {i} = index)
  // restart / update_secret: [nsxv] options to change, as "option" -> text value.
  std::map<std::string, std::string> nsxv;
  // crash: the node stops sending after this many requests in the step (a crash mid-step);
  // the node is restarted (rebuilt) when the step ends.
  std::optional<int64_t> crash_after_requests;
  // kill: a process node is SIGKILLed at a request of the step; it is restarted when the step
  // ends, like a crash_after_requests node.
  std::optional<KillSpec> kill;
  // set_faults.
  FaultSide side = FaultSide::kServer;
  std::string faults;  // the plan document, compact JSON text (checked by the parser)
  // backend.
  std::string action;       // delete_edge, power_off, power_on
  std::string target;       // "proxy:<ext ip>" or "router:<name>"
  std::string router;       // metadata_request: a router name of an earlier step
  double seconds = 0;       // wait
  std::vector<Step> steps;  // parallel
  Expectation expect;

  // Router names this step creates or deletes, in order.
  std::vector<std::string> Names() const;
};

struct NodeSpec {
  std::string name;
  std::map<std::string, std::string> nsxv;  // per-node overrides (e.g. metadata_initializer)
  bool process = false;                     // the node runs in a child process (process_node.h)
};

struct LivenessSpec {
  bool enabled = true;
  int rounds = 3;  // re-drive rounds before giving up
};

struct Scenario {
  std::string file;  // where it was read from ("" for generated)
  int format = kScenarioFormat;
  std::string name;
  std::string description;
  uint64_t seed = 1;
  std::vector<std::string> tags;            // "concurrency", "scale", "https", ...
  std::map<std::string, std::string> nsxv;  // [nsxv] options over the built-in base
  std::vector<NodeSpec> nodes;              // default: one node "a"
  // JSON documents as compact text ("" for none): a fake state (Model::Dump) loaded before the
  // steps, and the fault plans installed before the steps.
  std::string initial_backend;
  std::string server_faults;
  std::string client_faults;
  std::vector<std::string> initial_sql;  // statements run on the fresh DB before the steps
  // "store": sqlite, mariadb or a mysql URL (scenario_store.h); "" when the file does not say
  // (then sqlite, unless the runner's --store says otherwise).
  std::string store;
  std::vector<Step> steps;
  Expectation expect_after_steps;  // the invariant check right after the steps (faults off)
  Expectation expect_final;        // after the liveness phase
  LivenessSpec liveness;
  double timeout_s = 10;  // in-process wall budget (warned about, not enforced mid-step)
  // nova.shared_secret: Nova's metadata_proxy_shared_secret, used by metadata_request steps and
  // the metadata-path invariant; unset: the driver's metadata_shared_secret.
  std::optional<std::string> nova_shared_secret;

  bool Concurrent() const;       // any step with workers > 1, parallel, or several nodes
  bool NeedsServerSide() const;  // server fault plan, initial backend, backend steps or kills
  bool HasProcessNodes() const;  // a node with "process": true
};

// Parses and checks a scenario document. Errors are kInvalidArgument with one line:
// "<file>: <json path>: <reason>" (syntax errors: "<file>:<line>:<column>: <reason>").
Result<Scenario> ParseScenario(std::string_view text, const std::string& file);
Result<Scenario> LoadScenarioFile(const std::string& path);
// The scenario back as a document ParseScenario accepts (used by swarm to write reproducers).
nlohmann::json ScenarioToJson(const Scenario& scenario);

}  // namespace nsxv::scenarios
