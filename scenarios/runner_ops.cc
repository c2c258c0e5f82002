// The scenario runner's operations: one function per step op, the fault plans, changes behind
// the driver's back, and the name <-> id lookups in the DB.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "driver/store/neutron_db.h"
#include "driver/store/nsxv_db.h"
#include "scenarios/fault_transport.h"
#include "scenarios/runner_internal.h"

namespace nsxv::scenarios {
namespace {

Outcome FromStatus(const Status& s) { return s.ok() ? Outcome{} : Outcome{false, s.message()}; }

std::string Substitute(std::string text, const std::string& index) {
  for (size_t at = text.find("{i}"); at != std::string::npos; at = text.find("{i}")) {
    text.replace(at, 3, index);
  }
  return text;
}

}  // namespace

Result<std::optional<std::string>> ScenarioRun::RouterIdByName(store::Context& ctx,
                                                               const std::string& name) {
  return FindRouterId(ctx, Named(name));
}

Result<std::optional<std::string>> ScenarioRun::NetworkIdByName(store::Context& ctx,
                                                                const std::string& name) {
  return FindNetworkId(ctx, Named(name));
}

NodeOp ScenarioRun::ToNodeOp(const Step& step, const std::vector<std::string>& cidrs) const {
  NodeOp op;
  op.op = step.op;
  for (const std::string& n : step.Names()) op.names.push_back(Named(n));
  if (step.op != StepOp::kCreateRouters && step.op != StepOp::kDeleteRouters &&
      step.op != StepOp::kChurnRouters && step.op != StepOp::kCreateNetworks &&
      step.op != StepOp::kDeleteNetworks) {
    op.names.clear();
  }
  op.cidrs = cidrs;
  op.network =
      step.network == "internal" || step.network.empty() ? step.network : Named(step.network);
  op.name_prefix = prefix_.empty() ? "" : prefix_ + "-";
  op.count = step.count;
  op.workers = step.workers;
  op.rounds = step.rounds;
  op.crash_after_requests = step.crash_after_requests;
  return op;
}

Outcome ScenarioRun::NodeOne(ScenarioNode& node, StepOp op, const std::string& name,
                             const std::string& cidr) {
  NodeOp one;
  one.op = op;
  one.names = {Named(name)};
  one.cidrs = {cidr};
  NodeOpResult r = node.Run(one);
  if (r.outcomes.empty()) return {false, name + ": no outcome"};
  Outcome o = r.outcomes.front();
  // The node names the object with the run prefix; reports use the scenario's name.
  if (!o.ok && !prefix_.empty() && o.error.rfind(Named(name), 0) == 0) {
    o.error = name + o.error.substr(Named(name).size());
  }
  return o;
}

StepFacts ScenarioRun::RunOp(const Step& step) {
  StepFacts facts;
  ScenarioNode& node = NodeByName(step.node);
  const std::vector<std::string> names = step.Names();
  auto run = [&](const NodeOp& op) {
    NodeOpResult r = node.Run(op);
    facts.outcomes = std::move(r.outcomes);
    facts.init = std::move(r.init);
  };
  switch (step.op) {
    case StepOp::kInit:
    case StepOp::kCreatePorts:
    case StepOp::kRedoConfig:
    case StepOp::kStatus:
    case StepOp::kRepair:
      run(ToNodeOp(step, {}));
      break;
    case StepOp::kRestart:
    case StepOp::kUpdateSecret: {
      auto& changes = node_changes_[step.node];
      for (const auto& [k, v] : step.nsxv) changes[k] = v;
      NodeSpec spec{step.node, {}};
      for (const NodeSpec& n : scenario_.nodes) {
        if (n.name == step.node) spec = n;
      }
      std::vector<std::string> overrides;
      auto config = NodeConfig(spec, changes, &overrides);
      Status s = config.ok() ? node.Start(std::move(config).value(), overrides) : config.error();
      if (s.ok() && step.op == StepOp::kUpdateSecret) {
        run(ToNodeOp(step, {}));
        break;
      }
      facts.outcomes.push_back(FromStatus(s));
      break;
    }
    case StepOp::kCreateRouters: {
      {
        MutexLock lock(&mu_);
        intended_routers_.insert(names.begin(), names.end());
      }
      run(ToNodeOp(step, {}));
      break;
    }
    case StepOp::kDeleteRouters:
    case StepOp::kChurnRouters: {
      {
        MutexLock lock(&mu_);
        for (const auto& n : names) intended_routers_.erase(n);
      }
      run(ToNodeOp(step, {}));
      break;
    }
    case StepOp::kCreateNetworks: {
      std::vector<std::string> cidrs;
      {
        MutexLock lock(&mu_);
        for (size_t i = 0; i < names.size(); ++i) {
          // {i} as the parser checked it: first + position, or 1 + position for explicit names.
          const int index = (step.names.empty() ? step.first : 1) + static_cast<int>(i);
          intended_networks_.insert(names[i]);
          cidrs.push_back(step.cidr.empty() ? "" : Substitute(step.cidr, std::to_string(index)));
          network_cidrs_[names[i]] = cidrs.back();
        }
      }
      run(ToNodeOp(step, cidrs));
      break;
    }
    case StepOp::kDeleteNetworks: {
      {
        MutexLock lock(&mu_);
        for (const auto& n : names) intended_networks_.erase(n);
      }
      run(ToNodeOp(step, {}));
      break;
    }
    case StepOp::kParallel:
      RunParallel(step, facts);
      break;
    case StepOp::kSetFaults:
      facts.outcomes.push_back(FromStatus(SetFaults(step.side, step.faults)));
      break;
    case StepOp::kClearFaults:
      ClearFaults();
      facts.outcomes.push_back({});
      break;
    case StepOp::kBackend:
      facts.outcomes.push_back(BackendAction(step));
      break;
    case StepOp::kWait:
      facts.outcomes.push_back(FromStatus(backend_->Advance(
          std::chrono::duration_cast<Duration>(std::chrono::duration<double>(step.seconds)))));
      break;
    case StepOp::kCheck: {
      auto check = Check();
      if (check.ok()) {
        facts.outcomes.push_back({});
        facts.check = std::move(check).value();
      } else {
        facts.outcomes.push_back({false, check.error().message()});
      }
      break;
    }
    case StepOp::kMetadataRequest: {
      auto answer = MetadataRequest(step.router);
      if (answer.ok()) {
        facts.outcomes.push_back({});
        facts.metadata_status = MdPathStatus(answer->routers.at(0));
        facts.metadata_reason =
            answer->routers.at(0).metadata.proven ? "" : answer->routers.at(0).metadata.reason;
      } else {
        facts.outcomes.push_back({false, answer.error().message()});
      }
      break;
    }
  }
  return facts;
}

Status ScenarioRun::SetFaults(FaultSide side, const std::string& plan_text) {
  NSXV_ASSIGN_OR_RETURN(auto plan, fake::FaultPlan::FromJsonText(plan_text, seed_));
  if (side == FaultSide::kServer) {
    fake::FakeManager* fake = backend_->fake();
    if (fake == nullptr) {
      return Status(StatusCode::kFailedPrecondition, "server-side faults need a fake backend");
    }
    server_plan_ = plan;
    fake->SetFaultPlan(plan);
    return Status::Ok();
  }
  // Virtual latencies of a client plan are slept on the backend's clock (instant on the fakes;
  // scaled down on a real manager so that a scenario stays short).
  const double scale = backend_->kind() == BackendKind::kReal ? 0.001 : 1.0;
  NSXV_ASSIGN_OR_RETURN(auto faults,
                        FaultTransport::Create(*recorder_, plan, backend_->clock(), scale));
  client_plan_ = plan;
  slot_->Set(std::shared_ptr<Transport>(std::move(faults)));
  return Status::Ok();
}

void ScenarioRun::ClearFaults() {
  if (backend_->fake() != nullptr) backend_->fake()->SetFaultPlan(nullptr);
  slot_->Set(nullptr);
}

void ScenarioRun::PowerOnAll() {
  fake::FakeManager* fake = backend_->fake();
  if (fake == nullptr) return;
  for (const std::string& id : fake->model().EdgeIds()) (void)fake->model().SetPowered(id, true);
}

std::map<std::string, int64_t> ScenarioRun::FiredCounts() const {
  std::map<std::string, int64_t> out;
  for (const auto& plan : {server_plan_, client_plan_}) {
    if (!plan) continue;
    for (const auto& stats : plan->Stats()) out[stats.name] += stats.fired;
  }
  return out;
}

Result<std::string> ScenarioRun::EdgeOfTarget(const std::string& target) {
  std::unique_ptr<store::Context> holder;
  NSXV_ASSIGN_OR_RETURN(store::Context * observer, ObserverContext(holder));
  store::Context& ctx = *observer;
  std::optional<std::string> router_id;
  if (target.rfind("proxy:", 0) == 0) {
    NSXV_ASSIGN_OR_RETURN(const auto edge, store::GetNsxvInternalEdge(ctx, target.substr(6)));
    if (edge && edge->router_id) router_id = *edge->router_id;
  } else if (target.rfind("router:", 0) == 0) {
    NSXV_ASSIGN_OR_RETURN(router_id, RouterIdByName(ctx, target.substr(7)));
  }
  if (!router_id) return Status(StatusCode::kNotFound, target + ": no such router in the DB");
  NSXV_ASSIGN_OR_RETURN(const auto binding, store::GetRouterBinding(ctx, *router_id));
  if (!binding || !binding->edge_id) {
    return Status(StatusCode::kNotFound, target + ": the router has no edge");
  }
  return *binding->edge_id;
}

Outcome ScenarioRun::BackendAction(const Step& step) {
  auto edge = EdgeOfTarget(step.target);
  if (!edge.ok()) return {false, edge.error().message()};
  fake::FakeManager* fake = backend_->fake();
  if (step.action == "delete_edge") {
    return FromStatus(fake ? fake->model().RemoveEdge(*edge) : observer_->DeleteEdge(*edge));
  }
  if (fake == nullptr) return {false, step.action + " needs a fake backend"};
  return FromStatus(fake->model().SetPowered(*edge, step.action == "power_on"));
}

Result<std::vector<std::string>> ScenarioRun::DbRouterNames() {
  std::unique_ptr<store::Context> holder;
  NSXV_ASSIGN_OR_RETURN(store::Context * observer, ObserverContext(holder));
  store::Context& ctx = *observer;
  NSXV_ASSIGN_OR_RETURN(const auto rows, store::ListRouterRows(ctx, {}));
  NSXV_ASSIGN_OR_RETURN(const auto proxies,
                        store::GetNsxvInternalEdgesByPurpose(ctx, store::kInterEdgePurpose));
  std::vector<std::string> names;
  for (const auto& r : rows) {
    // The driver's own routers (proxy routers, registered or left over) are not scenario routers.
    const bool proxy =
        std::any_of(proxies.begin(), proxies.end(),
                    [&](const store::InternalEdge& e) { return e.router_id == r.id; });
    if (!proxy && r.tenant_id != md_proxy::kInternalTenantId) names.push_back(Unnamed(r.name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::vector<std::string>> ScenarioRun::DbNetworkNames() {
  std::unique_ptr<store::Context> holder;
  NSXV_ASSIGN_OR_RETURN(store::Context * observer, ObserverContext(holder));
  store::Context& ctx = *observer;
  NSXV_ASSIGN_OR_RETURN(const auto rows, store::ListNetworkRows(ctx, {}));
  NSXV_ASSIGN_OR_RETURN(const auto internal,
                        store::GetNsxvInternalNetwork(ctx, store::kInterEdgePurpose));
  std::vector<std::string> names;
  for (const auto& r : rows) {
    if (!internal || r.id != *internal) names.push_back(Unnamed(r.name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace nsxv::scenarios
