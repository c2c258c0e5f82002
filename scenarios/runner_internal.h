// Internals of the scenario runner shared by runner.cc (setup, steps), runner_nodes.cc (the
// nodes), runner_liveness.cc, runner_ops.cc (the operations) and runner_verdicts.cc
// (expectations and reports). Not a public header.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "driver/common/mutex.h"
#include "driver/md_proxy/md_proxy.h"
#include "scenarios/backend.h"
#include "scenarios/client_stack.h"
#include "scenarios/md_path.h"
#include "scenarios/node.h"
#include "scenarios/node_ops.h"
#include "scenarios/runner.h"
#include "scenarios/scenario_node.h"
#include "scenarios/scenario_store.h"

namespace nsxv::scenarios {

// What a step produced, for its expectations.
struct StepFacts {
  std::vector<Outcome> outcomes;
  std::vector<RecordedRequest> requests;
  std::map<std::string, int64_t> fired;  // rule name -> times fired during the step
  std::optional<md_proxy::InitReport> init;
  std::optional<CheckReport> check;
  int networks = 0;  // scenario networks in the DB after the step (when a check ran)
  // metadata_request: what the VM gets ("200", "403", ...) and the oracle's first failure.
  std::optional<std::string> metadata_status;
  std::string metadata_reason;
};

// Evaluates `expect` against `facts`; one verdict per expectation field that is set.
std::vector<ExpectationVerdict> Evaluate(const Expectation& expect, const StepFacts& facts);
// Whether an expectation needs an invariant check after its step.
bool NeedsCheck(const Expectation& expect);

class ScenarioRun {
 public:
  ScenarioRun(const Scenario& scenario, const RunOptions& options, uint64_t seed);
  ~ScenarioRun();

  Status Setup();
  ScenarioReport Execute();

 private:
  // Real manager only: CheckManagerIsFree (manager_guard.h) before any node starts.
  Status GuardRealManager(const std::vector<NodeSpec>& specs);
  // ---- steps (runner.cc) ----
  StepReport RunStep(const Step& step);
  StepFacts RunOp(const Step& step);
  void RunParallel(const Step& step, StepFacts& facts);
  Result<CheckReport> Check();
  // metadata_request: the metadata-path oracle for one router (by scenario name), outside the
  // fault plans like Check(), with the scenario's nova.shared_secret.
  Result<MdPathReport> MetadataRequest(const std::string& router_name);
  // The node whose md options the checks use (an initializer when there is one).
  const ScenarioNode& MdNode() const;
  void Liveness();
  void Cleanup();

  // ---- operations (runner_ops.cc) ----
  // One router / network operation of the liveness phase and the cleanup on `node`.
  Outcome NodeOne(ScenarioNode& node, StepOp op, const std::string& name,
                  const std::string& cidr = "");
  // The node op of a step (names with the run prefix).
  NodeOp ToNodeOp(const Step& step, const std::vector<std::string>& cidrs) const;
  Outcome BackendAction(const Step& step);
  Status SetFaults(FaultSide side, const std::string& plan_text);
  void ClearFaults();
  void PowerOnAll();
  Result<std::string> EdgeOfTarget(const std::string& target);
  Result<std::optional<std::string>> RouterIdByName(store::Context& ctx, const std::string& name);
  Result<std::optional<std::string>> NetworkIdByName(store::Context& ctx, const std::string& name);
  std::map<std::string, int64_t> FiredCounts() const;
  // The observer's DB Context for the calling thread: the run's own on the thread that runs the
  // scenario, otherwise a fresh one opened into `holder` (a parallel sub-step's thread; a Context
  // belongs to the thread that opened it).
  Result<store::Context*> ObserverContext(std::unique_ptr<store::Context>& holder);
  Result<std::vector<std::string>> DbRouterNames();
  Result<std::vector<std::string>> DbNetworkNames();
  std::string Named(const std::string& name) const;  // with the run prefix (real managers)
  std::string Unnamed(const std::string& name) const;
  // The node's configuration: the base, the scenario's, the node's and `changes`' options;
  // `overrides` receives those options as "nsxv.option=value". kInvalidArgument when they do
  // not combine (e.g. a client cert without its key).
  Result<config::Config> NodeConfig(const NodeSpec& spec,
                                    const std::map<std::string, std::string>& changes,
                                    std::vector<std::string>* overrides = nullptr) const;
  ScenarioNode& NodeByName(const std::string& name);
  Result<std::unique_ptr<ScenarioNode>> MakeNode(const NodeSpec& spec);
  bool IsProcessNode(const NodeSpec& spec) const;

  const Scenario& scenario_;
  const RunOptions options_;
  const uint64_t seed_;
  std::string prefix_;
  std::string work_dir_;
  bool own_work_dir_ = false;
  std::unique_ptr<RunStore> store_;  // the database and lock directories of the nodes
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<RequestRecorder> recorder_;
  std::unique_ptr<FaultSlot> slot_;
  std::shared_ptr<const fake::FaultPlan> client_plan_;
  std::shared_ptr<const fake::FaultPlan> server_plan_;
  BackendKind backend_kind_ = BackendKind::kInProcess;  // process nodes need kHttps
  std::map<std::string, std::unique_ptr<ScenarioNode>> nodes_;
  std::map<std::string, std::map<std::string, std::string>> node_changes_;  // restarts
  // The observer: reads for checks and backend actions, outside the fault plans.
  std::unique_ptr<driver::ApiClient> observer_client_;
  std::unique_ptr<driver::Vcns> observer_;
  std::unique_ptr<store::Context> observer_ctx_;
  std::thread::id main_thread_ = std::this_thread::get_id();

  Mutex check_mu_;  // serializes Check()
  Mutex mu_;
  std::set<std::string> intended_routers_ GUARDED_BY(mu_);  // unprefixed names
  std::set<std::string> intended_networks_ GUARDED_BY(mu_);
  std::map<std::string, std::string> network_cidrs_ GUARDED_BY(mu_);
  ScenarioReport report_;
};

}  // namespace nsxv::scenarios
