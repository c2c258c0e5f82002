#include "scenarios/runner.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "driver/config/mapping.h"
#include "driver/store/neutron_db.h"
#include "driver/store/nsxv_db.h"
#include "scenarios/fault_transport.h"
#include "scenarios/manager_guard.h"
#include "scenarios/md_path_collect.h"
#include "scenarios/process_node.h"
#include "scenarios/runner_internal.h"

namespace nsxv::scenarios {
namespace {

using json = nlohmann::json;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

std::string DefaultRunPrefix(uint64_t seed) {
  // The pid alone repeats across containers; a random token keeps two runs on one manager apart.
  char token[9];
  std::snprintf(token, sizeof(token), "%08x", static_cast<unsigned>(std::random_device{}()));
  return "nsxvsim-" + std::to_string(seed) + "-" + std::to_string(getpid()) + "-" + token;
}

config::Config ScenarioBaseConfig() {
  config::Config c;
  config::NsxvOptions& o = c.nsxv;
  o.mgt_net_moid = "dvportgroup-mgmt";
  o.mgt_net_proxy_ips = {"10.10.0.11", "10.10.0.12"};
  o.mgt_net_proxy_netmask = "255.255.255.0";
  o.mgt_net_default_gateway = "10.10.0.1";
  o.nova_metadata_ips = {"10.20.0.5"};
  o.metadata_shared_secret = "scenario-secret";
  o.vdn_scope_id = "vdnscope-1";
  o.external_network = "dvportgroup-ext";
  o.datacenter_moid = "datacenter-2";
  o.resource_pool_id = "domain-c7";
  o.datastore_id = "datastore-1";
  return c;
}

Status CheckRunnable(const Scenario& sc, BackendKind backend, bool process_nodes) {
  std::set<std::string> process;
  for (const NodeSpec& n : sc.nodes) {
    if (n.process || process_nodes) process.insert(n.name);
  }
  if (sc.nodes.empty() && process_nodes) process.insert("a");
  if (!process.empty()) {
    if (backend == BackendKind::kReal) {
      return Status(StatusCode::kInvalidArgument,
                    sc.file + ": a scenario with process nodes needs the fake over HTTPS (its " +
                        "crash points): run it with --backend https");
    }
    bool client = !sc.client_faults.empty();
    for (const Step& step : sc.steps) {
      client = client || (step.op == StepOp::kSetFaults && step.side == FaultSide::kClient);
    }
    if (client) {
      return Status(StatusCode::kInvalidArgument,
                    sc.file + ": client-side faults apply to in-process nodes only (a process " +
                        "node's requests do not pass the runner's client stack)");
    }
  }
  auto check_kill = [&](const Step& s) -> Status {
    if (s.kill && process.count(s.node) == 0) {
      return Status(StatusCode::kInvalidArgument,
                    sc.file + ": " + s.json_path + ": kill needs a process node: set " +
                        "\"process\": true on node " + s.node + " or run with --process-nodes");
    }
    return Status::Ok();
  };
  for (const Step& step : sc.steps) {
    NSXV_RETURN_IF_ERROR(check_kill(step));
    if (backend == BackendKind::kReal && step.op == StepOp::kWait) {
      return Status(StatusCode::kInvalidArgument,
                    sc.file + ": " + step.json_path + ": wait needs a fake backend (virtual time)");
    }
    for (const Step& sub : step.steps) {
      if (sub.op == StepOp::kRestart || sub.op == StepOp::kUpdateSecret ||
          sub.crash_after_requests || sub.kill) {
        return Status(
            StatusCode::kInvalidArgument,
            sc.file + ": " + sub.json_path +
                ": a node cannot be restarted, crashed or killed inside a parallel block");
      }
      if (sub.op == StepOp::kSetFaults || sub.op == StepOp::kClearFaults) {
        return Status(StatusCode::kInvalidArgument,
                      sc.file + ": " + sub.json_path +
                          ": fault plans change between steps, not inside a parallel block");
      }
      if (backend == BackendKind::kReal && sub.op == StepOp::kWait) {
        return Status(
            StatusCode::kInvalidArgument,
            sc.file + ": " + sub.json_path + ": wait needs a fake backend (virtual time)");
      }
    }
  }
  return Status::Ok();
}

ScenarioRun::ScenarioRun(const Scenario& scenario, const RunOptions& options, uint64_t seed)
    : scenario_(scenario), options_(options), seed_(seed) {}

ScenarioRun::~ScenarioRun() {
  nodes_.clear();
  observer_ctx_.reset();
  observer_.reset();
  observer_client_.reset();
  store_.reset();
  slot_.reset();
  recorder_.reset();
  backend_.reset();
  if (own_work_dir_ && !options_.keep_work_dir) {
    std::error_code ec;
    std::filesystem::remove_all(work_dir_, ec);
  }
}

std::string ScenarioRun::Named(const std::string& name) const {
  return prefix_.empty() ? name : prefix_ + "-" + name;
}

std::string ScenarioRun::Unnamed(const std::string& name) const {
  if (prefix_.empty()) return name;
  const std::string p = prefix_ + "-";
  return name.rfind(p, 0) == 0 ? name.substr(p.size()) : name;
}

Status ScenarioRun::Setup() {
  NSXV_RETURN_IF_ERROR(CheckRunnable(scenario_, options_.backend, options_.process_nodes));
  const bool real = options_.backend == BackendKind::kReal;
  backend_kind_ = options_.backend;
  if (backend_kind_ == BackendKind::kInProcess &&
      (options_.process_nodes || scenario_.HasProcessNodes())) {
    backend_kind_ = BackendKind::kHttps;  // a child process reaches the fake over HTTPS only
  }
  if (real) {
    if (!options_.real_config || !options_.real_config->nsxv.manager_uri) {
      return Status(StatusCode::kInvalidArgument,
                    "a real manager needs --config with [nsxv] manager_uri");
    }
    if (scenario_.NeedsServerSide()) {
      return Status(StatusCode::kInvalidArgument,
                    "scenario " + scenario_.name +
                        " needs the fake (server-side faults, initial backend state, backend "
                        "steps, kills or virtual time): run it with --backend inprocess or https");
    }
    if (!options_.allow_changes) {
      return Status(StatusCode::kFailedPrecondition,
                    "refusing to change the NSX manager at " +
                        *options_.real_config->nsxv.manager_uri +
                        ": pass --allow-changes (or --dry-run to list what would be created)");
    }
    prefix_ = options_.run_prefix.empty() ? DefaultRunPrefix(seed_) : options_.run_prefix;
  }

  if (options_.work_dir.empty()) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "nsxv-scenario-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return Status(StatusCode::kInternal, "cannot create a temporary directory");
    }
    work_dir_ = pattern;
    own_work_dir_ = true;
  } else {
    work_dir_ = options_.work_dir;
    std::error_code ec;
    std::filesystem::create_directories(work_dir_, ec);
    if (ec) return Status(StatusCode::kInternal, work_dir_ + ": " + ec.message());
  }
  NSXV_ASSIGN_OR_RETURN(const StoreChoice store,
                        ParseStoreChoice(!options_.store.empty()   ? options_.store
                                         : scenario_.store.empty() ? "sqlite"
                                                                   : scenario_.store));
  NSXV_ASSIGN_OR_RETURN(store_, RunStore::Open(store, work_dir_, seed_, options_.mariadb_server));

  switch (backend_kind_) {
    case BackendKind::kInProcess: {
      NSXV_ASSIGN_OR_RETURN(backend_, Backend::InProcess(seed_));
      break;
    }
    case BackendKind::kHttps: {
      NSXV_ASSIGN_OR_RETURN(backend_, Backend::Https(seed_));
      break;
    }
    case BackendKind::kReal: {
      const config::NsxvOptions& o = options_.real_config->nsxv;
      RealManager m{*o.manager_uri, o.user, o.password, o.ca_file.value_or(""), o.insecure};
      NSXV_ASSIGN_OR_RETURN(backend_, Backend::Real(m));
      break;
    }
  }
  recorder_ = std::make_unique<RequestRecorder>(backend_->transport());
  slot_ = std::make_unique<FaultSlot>(*recorder_);

  if (!scenario_.initial_backend.empty()) {
    json initial = json::parse(scenario_.initial_backend, nullptr, /*allow_exceptions=*/false);
    if (initial.is_discarded()) return InvalidArgument("initial.backend is not valid JSON");
    NSXV_RETURN_IF_ERROR(backend_->fake()->model().Load(initial));
  }

  std::vector<NodeSpec> specs = scenario_.nodes;
  if (specs.empty()) specs.push_back({"a", {}});
  if (real) NSXV_RETURN_IF_ERROR(GuardRealManager(specs));
  if (!backend_->ca_pem().empty()) {
    std::ofstream(work_dir_ + "/fake-ca.pem") << backend_->ca_pem();
  }
  for (const NodeSpec& spec : specs) {
    NSXV_ASSIGN_OR_RETURN(auto node, MakeNode(spec));
    std::vector<std::string> overrides;
    auto config = NodeConfig(spec, {}, &overrides);
    if (Status s = config.ok() ? node->Start(std::move(config).value(), overrides) : config.error();
        !s.ok()) {
      return Status(StatusCode::kInvalidArgument, "node " + spec.name + ": " + s.message());
    }
    nodes_[spec.name] = std::move(node);
  }

  const config::Config& first = nodes_.begin()->second->config();
  observer_client_ = std::make_unique<driver::ApiClient>(backend_->transport(), backend_->clock(),
                                                         config::ToApiClientOptions(first));
  observer_ = std::make_unique<driver::Vcns>(*observer_client_);
  store::ContextOptions copt = store_->ContextOptions();
  copt.is_admin = true;
  copt.tenant_id = md_proxy::kInternalTenantId;
  NSXV_ASSIGN_OR_RETURN(observer_ctx_, store::Context::Open(copt));
  if (!scenario_.initial_sql.empty()) {
    NSXV_ASSIGN_OR_RETURN(store::Db * db, observer_ctx_->db());
    for (const std::string& sql : scenario_.initial_sql) {
      if (Status s = db->Exec(sql); !s.ok()) {
        return Status(StatusCode::kInvalidArgument, "initial.sql: " + s.message());
      }
    }
  }
  if (!scenario_.server_faults.empty()) {
    NSXV_RETURN_IF_ERROR(SetFaults(FaultSide::kServer, scenario_.server_faults));
  }
  if (!scenario_.client_faults.empty()) {
    NSXV_RETURN_IF_ERROR(SetFaults(FaultSide::kClient, scenario_.client_faults));
  }
  return Status::Ok();
}

Status ScenarioRun::GuardRealManager(const std::vector<NodeSpec>& specs) {
  ManagerGuardInput input;
  input.url = backend_->url();
  std::optional<config::Config> first;
  for (const NodeSpec& spec : specs) {
    NSXV_ASSIGN_OR_RETURN(config::Config c, NodeConfig(spec, {}));
    for (const std::string& ip : c.nsxv.mgt_net_proxy_ips) input.proxy_ips.push_back(ip);
    if (!first) first = std::move(c);
  }
  NSXV_ASSIGN_OR_RETURN(input.owned_edge_ids, OwnedEdgeIds(first->database.path));
  driver::ApiClient client(backend_->transport(), backend_->clock(),
                           config::ToApiClientOptions(*first));
  return CheckManagerIsFree(driver::Vcns(client), input);
}

Result<CheckReport> ScenarioRun::Check() {
  // The check reads outside the fault plans: the observer bypasses the client plan, and the
  // server plan is lifted for the check and put back with its counters and window start.
  // Checks of parallel sub-steps run one at a time (the observer Context is one connection).
  MutexLock lock(&check_mu_);
  fake::FakeManager* fake = backend_->fake();
  std::pair<std::shared_ptr<const fake::FaultPlan>, TimePoint> suspended;
  if (fake) suspended = fake->SuspendFaultPlan();
  const ScenarioNode* md_node = &MdNode();
  CheckOptions copt;
  copt.edge_name_prefix = prefix_.empty() ? "" : prefix_ + "-";
  if (fake) copt.list_virtual_wires = FakeModelWires(fake->model());
  if (options_.metadata_path) copt.metadata_path_client = observer_client_.get();
  copt.nova_shared_secret = scenario_.nova_shared_secret;
  std::unique_ptr<store::Context> holder;
  auto ctx = ObserverContext(holder);
  Result<CheckReport> report = ctx.ok()
                                   ? CheckInvariants(**ctx, *observer_, md_node->md_config(), copt)
                                   : Result<CheckReport>(ctx.error());
  if (fake) fake->RestoreFaultPlan(std::move(suspended.first), suspended.second);
  return report;
}

const ScenarioNode& ScenarioRun::MdNode() const {
  const ScenarioNode* md_node = nullptr;
  for (const auto& [name, node] : nodes_) {
    if (md_node == nullptr ||
        (node->md_config().metadata_initializer && !md_node->md_config().metadata_initializer)) {
      md_node = node.get();
    }
  }
  return *md_node;
}

Result<MdPathReport> ScenarioRun::MetadataRequest(const std::string& router_name) {
  MutexLock lock(&check_mu_);
  fake::FakeManager* fake = backend_->fake();
  std::pair<std::shared_ptr<const fake::FaultPlan>, TimePoint> suspended;
  if (fake) suspended = fake->SuspendFaultPlan();
  auto trace = [&]() -> Result<MdPathReport> {
    std::unique_ptr<store::Context> holder;
    NSXV_ASSIGN_OR_RETURN(store::Context * ctx, ObserverContext(holder));
    NSXV_ASSIGN_OR_RETURN(const auto id, RouterIdByName(*ctx, router_name));
    if (!id) return NotFound("router " + router_name + " is not in the DB");
    MdTraceOptions o;
    o.router = *id;
    o.nova_shared_secret = scenario_.nova_shared_secret;
    return TraceMetadataPaths(*ctx, *observer_client_, MdNode().md_config(), o);
  };
  Result<MdPathReport> out = trace();
  if (fake) fake->RestoreFaultPlan(std::move(suspended.first), suspended.second);
  return out;
}

Result<store::Context*> ScenarioRun::ObserverContext(std::unique_ptr<store::Context>& holder) {
  if (std::this_thread::get_id() == main_thread_) return observer_ctx_.get();
  store::ContextOptions o = store_->ContextOptions();
  o.is_admin = true;
  o.tenant_id = md_proxy::kInternalTenantId;
  NSXV_ASSIGN_OR_RETURN(holder, store::Context::Open(o));
  return holder.get();
}

StepReport ScenarioRun::RunStep(const Step& step) {
  const auto start = std::chrono::steady_clock::now();
  const size_t recorded = recorder_->size();
  const auto fired_before = FiredCounts();
  auto* killed = step.kill ? dynamic_cast<ProcessNode*>(&NodeByName(step.node)) : nullptr;
  if (killed != nullptr) {
    killed->ArmKill(step.kill->at_request, step.kill->after_apply ? fake::CrashPhase::kAfterApply
                                                                  : fake::CrashPhase::kBeforeApply);
  }

  StepFacts facts = RunOp(step);

  std::optional<ExpectationVerdict> kill_verdict;
  if (killed != nullptr) {
    const bool landed = killed->DisarmKill();
    kill_verdict = ExpectationVerdict{
        "kill at request " + std::to_string(step.kill->at_request) + " " + step.kill->PhaseName(),
        landed,
        landed ? "SIGKILL landed"
               : "the node finished the step before its request " +
                     std::to_string(step.kill->at_request) + "; nothing was killed"};
  }
  if (step.crash_after_requests || step.kill) {
    // The crashed process comes back: locks released, connections closed, state rebuilt.
    if (Status s = NodeByName(step.node).Restart(); !s.ok()) {
      facts.outcomes.push_back({false, "restart after the crash: " + s.message()});
    }
  }
  facts.requests = recorder_->Since(recorded);
  for (const auto& [rule, n] : FiredCounts()) {
    auto it = fired_before.find(rule);
    facts.fired[rule] = n - (it == fired_before.end() ? 0 : it->second);
  }
  if (NeedsCheck(step.expect) && !facts.check) {
    auto check = Check();
    if (check.ok()) {
      facts.check = std::move(check).value();
    } else {
      facts.outcomes.push_back({false, "invariant check: " + check.error().message()});
    }
  }
  if (facts.check) {
    auto nets = DbNetworkNames();
    facts.networks = nets.ok() ? static_cast<int>(nets->size()) : -1;
  }

  StepReport r;
  r.path = step.json_path;
  r.op = StepOpName(step.op);
  r.label = step.label;
  r.concurrent = step.workers > 1 || step.op == StepOp::kParallel;
  for (const Outcome& o : facts.outcomes) {
    if (o.ok) {
      ++r.succeeded;
    } else {
      ++r.failed;
      if (r.errors.size() < 5) r.errors.push_back(o.error);
    }
  }
  r.requests = static_cast<int64_t>(facts.requests.size());
  for (const auto& req : facts.requests) r.writes += req.method == "GET" ? 0 : 1;
  r.verdicts = Evaluate(step.expect, facts);
  if (kill_verdict) r.verdicts.insert(r.verdicts.begin(), *kill_verdict);
  r.wall_s = SecondsSince(start);
  return r;
}

void ScenarioRun::RunParallel(const Step& step, StepFacts& facts) {
  std::vector<StepReport> reports(step.steps.size());
  for (const Step& sub : step.steps) {
    if (sub.op == StepOp::kInit) NodeByName(sub.node).AnnounceInit();
  }
  std::vector<std::thread> threads;
  threads.reserve(step.steps.size());
  for (size_t i = 0; i < step.steps.size(); ++i) {
    threads.emplace_back([&, i] { reports[i] = RunStep(step.steps[i]); });
  }
  for (auto& t : threads) t.join();
  for (StepReport& r : reports) {
    for (int i = 0; i < r.succeeded; ++i) facts.outcomes.push_back({true, ""});
    for (int i = 0; i < r.failed; ++i) {
      facts.outcomes.push_back(
          {false, i < static_cast<int>(r.errors.size()) ? r.errors[static_cast<size_t>(i)] : ""});
    }
    r.concurrent = true;
    report_.steps.push_back(std::move(r));
  }
}

ScenarioReport ScenarioRun::Execute() {
  const auto start = std::chrono::steady_clock::now();
  const TimePoint virtual_start = backend_->clock().Now();
  report_.name = scenario_.name;
  report_.file = scenario_.file;
  report_.seed = seed_;
  report_.backend = backend_kind_;
  report_.concurrent = scenario_.Concurrent();

  for (const Step& step : scenario_.steps) {
    // A parallel step's own report comes before its sub-steps'.
    const size_t at = report_.steps.size();
    StepReport r = RunStep(step);
    report_.steps.insert(report_.steps.begin() + static_cast<std::ptrdiff_t>(at), std::move(r));
  }

  ClearFaults();
  PowerOnAll();
  auto after = Check();
  if (after.ok()) {
    report_.after_steps = std::move(after).value();
    StepFacts facts;
    facts.check = report_.after_steps;
    auto nets = DbNetworkNames();
    facts.networks = nets.ok() ? static_cast<int>(nets->size()) : -1;
    report_.after_steps_verdicts = Evaluate(scenario_.expect_after_steps, facts);
  } else {
    report_.failures.push_back("invariant check after the steps: " + after.error().message());
  }

  Liveness();
  Cleanup();

  for (const StepReport& s : report_.steps) {
    for (const auto& v : s.verdicts) {
      if (!v.ok)
        report_.failures.push_back(s.path + " (" + s.op + "): " + v.what + ": " + v.detail);
    }
  }
  for (const auto& v : report_.after_steps_verdicts) {
    if (!v.ok) report_.failures.push_back("after steps: " + v.what + ": " + v.detail);
  }
  for (const auto& v : report_.final_verdicts) {
    if (!v.ok) report_.failures.push_back("final: " + v.what + ": " + v.detail);
  }
  report_.requests = static_cast<int64_t>(recorder_->size());
  report_.wall_s = SecondsSince(start);
  report_.virtual_s =
      std::chrono::duration<double>(backend_->clock().Now() - virtual_start).count();
  if (backend_->kind() != BackendKind::kReal && report_.wall_s > scenario_.timeout_s) {
    spdlog::warn("scenario={} wall_s={:.2f} timeout_s={} (over its budget)", scenario_.name,
                 report_.wall_s, scenario_.timeout_s);
  }
  return std::move(report_);
}

std::string ReplayCommand(const Scenario& scenario, const RunOptions& options, uint64_t seed) {
  std::string cmd = "nsxv-md scenario run " +
                    (scenario.file.empty() ? "SCENARIO.json" : scenario.file) + " --seed " +
                    std::to_string(seed);
  if (options.backend == BackendKind::kHttps) cmd += " --backend https";
  if (options.process_nodes) cmd += " --process-nodes";
  if (options.backend == BackendKind::kReal) {
    cmd += " --backend " + (options.real_config && options.real_config->nsxv.manager_uri
                                ? *options.real_config->nsxv.manager_uri
                                : std::string("URL"));
    if (options.real_config && !options.real_config->file.empty()) {
      cmd += " --config " + options.real_config->file;
    }
    cmd += " --allow-changes";
  }
  if (!options.store.empty()) {
    auto store = ParseStoreChoice(options.store);
    cmd += " --store " + (store.ok() ? store->Name() : std::string("STORE"));
  }
  return cmd;
}

Result<ScenarioReport> RunScenario(const Scenario& scenario, const RunOptions& options) {
  const uint64_t seed = options.seed.value_or(scenario.seed);
  ScenarioRun run(scenario, options, seed);
  NSXV_RETURN_IF_ERROR(run.Setup());
  return run.Execute();
}

}  // namespace nsxv::scenarios
