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
  store::RouterFilter filter;
  filter.name = std::vector<std::string>{Named(name)};
  NSXV_ASSIGN_OR_RETURN(const auto rows, store::ListRouterRows(ctx, filter));
  if (rows.empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows.front().id);
}

Result<std::optional<std::string>> ScenarioRun::NetworkIdByName(store::Context& ctx,
                                                                const std::string& name) {
  store::NetworkFilter filter;
  filter.name = std::vector<std::string>{Named(name)};
  NSXV_ASSIGN_OR_RETURN(const auto rows, store::ListNetworkRows(ctx, filter));
  if (rows.empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows.front().id);
}

Outcome ScenarioRun::CreateRouter(Node& node, store::Context& ctx, const std::string& name) {
  plugin::RouterSpec spec;
  spec.name = Named(name);
  auto router = node.handler().CreateRouterWithMetadata(ctx, spec);
  return router.ok() ? Outcome{} : Outcome{false, name + ": " + router.error().message()};
}

Outcome ScenarioRun::DeleteRouter(Node& node, store::Context& ctx, const std::string& name) {
  auto id = RouterIdByName(ctx, name);
  if (!id.ok()) return {false, name + ": " + id.error().message()};
  if (!*id) return {false, name + ": no such router in the DB"};
  Status s = node.handler().DeleteRouterWithMetadata(ctx, **id);
  return s.ok() ? Outcome{} : Outcome{false, name + ": " + s.message()};
}

Outcome ScenarioRun::CreateNetwork(Node& node, store::Context& ctx, const std::string& name,
                                   const std::string& cidr) {
  plugin::NetworkSpec spec;
  spec.name = Named(name);
  auto net = node.plugin().CreateNetwork(ctx, spec);
  if (!net.ok()) return {false, name + ": " + net.error().message()};
  if (cidr.empty()) return {};
  plugin::SubnetSpec subnet;
  subnet.network_id = net->id;
  subnet.cidr = cidr;
  subnet.name = Named(name) + "-subnet";
  auto created = node.plugin().CreateSubnet(ctx, subnet);
  if (created.ok()) return {};
  // Nothing half-made: the network goes again when its subnet cannot be made.
  (void)node.plugin().DeleteNetwork(ctx, net->id);
  return {false, name + ": subnet " + cidr + ": " + created.error().message()};
}

Outcome ScenarioRun::DeleteNetwork(Node& node, store::Context& ctx, const std::string& name) {
  auto id = NetworkIdByName(ctx, name);
  if (!id.ok()) return {false, name + ": " + id.error().message()};
  if (!*id) return {false, name + ": no such network in the DB"};
  Status s = node.plugin().DeleteNetwork(ctx, **id);
  return s.ok() ? Outcome{} : Outcome{false, name + ": " + s.message()};
}

Outcome ScenarioRun::CreatePort(Node& node, store::Context& ctx, const std::string& network,
                                size_t index) {
  std::string network_id;
  if (network == "internal") {
    network_id = node.handler().internal_network_id();
    if (network_id.empty()) return {false, "the internal network is not initialized"};
  } else {
    auto id = NetworkIdByName(ctx, network);
    if (!id.ok()) return {false, network + ": " + id.error().message()};
    if (!*id) return {false, network + ": no such network in the DB"};
    network_id = **id;
  }
  plugin::PortSpec spec;
  spec.network_id = network_id;
  spec.name = Named("port-" + std::to_string(index + 1));
  spec.device_id = Named("vm-" + std::to_string(index + 1));
  spec.device_owner = "compute:nova";
  auto port = node.plugin().CreatePort(ctx, spec);
  return port.ok() ? Outcome{} : Outcome{false, spec.name + ": " + port.error().message()};
}

StepFacts ScenarioRun::RunOp(const Step& step) {
  StepFacts facts;
  Node& node = NodeByName(step.node);
  const std::vector<std::string> names = step.Names();
  switch (step.op) {
    case StepOp::kInit: {
      node.InitEntering();
      auto init = node.handler().Init();
      if (init.ok()) {
        facts.outcomes.push_back({});
        for (const auto& e : init->proxy_edges) {
          if (!e.ok) facts.outcomes.push_back({false, "proxy " + e.ext_ip + ": " + e.error});
        }
        facts.init = std::move(init).value();
      } else {
        facts.outcomes.push_back({false, init.error().message()});
      }
      break;
    }
    case StepOp::kRestart:
    case StepOp::kUpdateSecret: {
      auto& changes = node_changes_[step.node];
      for (const auto& [k, v] : step.nsxv) changes[k] = v;
      NodeSpec spec{step.node, {}};
      for (const NodeSpec& n : scenario_.nodes) {
        if (n.name == step.node) spec = n;
      }
      auto config = NodeConfig(spec, changes);
      Status s = config.ok() ? node.Start(std::move(config).value()) : config.error();
      if (s.ok() && step.op == StepOp::kUpdateSecret) {
        // The handler answers only once initialized: a restarted node runs Init first.
        auto init = node.handler().Init();
        if (!init.ok()) {
          s = init.error();
        } else {
          auto admin = node.handler().UpdateSecret();
          if (!admin.ok()) {
            s = admin.error();
          } else if (admin->failed > 0) {
            for (const auto& e : admin->edges) {
              if (e.outcome == "failed")
                facts.outcomes.push_back({false, e.edge_id + ": " + e.error});
            }
          }
        }
      }
      facts.outcomes.push_back(FromStatus(s));
      break;
    }
    case StepOp::kCreateRouters: {
      {
        MutexLock lock(&mu_);
        intended_routers_.insert(names.begin(), names.end());
      }
      node.AwaitAnnouncedInits();
      facts.outcomes = RunBatch(
          node, step.workers, names.size(),
          [&](store::Context& ctx, size_t i) { return CreateRouter(node, ctx, names[i]); });
      break;
    }
    case StepOp::kDeleteRouters: {
      {
        MutexLock lock(&mu_);
        for (const auto& n : names) intended_routers_.erase(n);
      }
      facts.outcomes = RunBatch(
          node, step.workers, names.size(),
          [&](store::Context& ctx, size_t i) { return DeleteRouter(node, ctx, names[i]); });
      break;
    }
    case StepOp::kChurnRouters: {
      node.AwaitAnnouncedInits();
      {
        MutexLock lock(&mu_);
        for (const auto& n : names) intended_routers_.erase(n);
      }
      facts.outcomes =
          RunBatch(node, step.workers, names.size(), [&](store::Context& ctx, size_t i) {
            for (int r = 0; r < step.rounds; ++r) {
              Outcome o = CreateRouter(node, ctx, names[i]);
              if (!o.ok) return o;
              o = DeleteRouter(node, ctx, names[i]);
              if (!o.ok) return o;
            }
            return Outcome{};
          });
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
      facts.outcomes =
          RunBatch(node, step.workers, names.size(), [&](store::Context& ctx, size_t i) {
            return CreateNetwork(node, ctx, names[i], cidrs[i]);
          });
      break;
    }
    case StepOp::kDeleteNetworks: {
      {
        MutexLock lock(&mu_);
        for (const auto& n : names) intended_networks_.erase(n);
      }
      facts.outcomes = RunBatch(
          node, step.workers, names.size(),
          [&](store::Context& ctx, size_t i) { return DeleteNetwork(node, ctx, names[i]); });
      break;
    }
    case StepOp::kCreatePorts:
      facts.outcomes = RunBatch(
          node, step.workers, static_cast<size_t>(step.count),
          [&](store::Context& ctx, size_t i) { return CreatePort(node, ctx, step.network, i); });
      break;
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
    case StepOp::kRedoConfig: {
      auto admin = node.handler().RedoConfig();
      if (!admin.ok()) {
        facts.outcomes.push_back({false, admin.error().message()});
        break;
      }
      for (const auto& e : admin->edges) {
        facts.outcomes.push_back(e.outcome == "failed" ? Outcome{false, e.edge_id + ": " + e.error}
                                                       : Outcome{});
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
    case StepOp::kStatus: {
      auto status = node.handler().GetStatus();
      facts.outcomes.push_back(status.ok() ? Outcome{} : Outcome{false, status.error().message()});
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
