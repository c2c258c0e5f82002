// The scenario runner's liveness phase (faults off, rerun, converge within a budget) and the
// cleanup of a real manager at the end of a run.
#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "driver/store/neutron_db.h"
#include "driver/store/nsxv_db.h"
#include "scenarios/runner_internal.h"

namespace nsxv::scenarios {
namespace {

// "router <id> (edge-7)" -> id; "edge edge-7" -> edge-7 (see invariants.h objects).
std::string ObjectId(const std::string& object, const std::string& kind) {
  const std::string head = kind + " ";
  if (object.rfind(head, 0) != 0) return "";
  const std::string rest = object.substr(head.size());
  return rest.substr(0, rest.find(' '));
}

}  // namespace

void ScenarioRun::Liveness() {
  StepFacts final_facts;
  if (!scenario_.liveness.enabled) {
    report_.final_check = report_.after_steps;
  }
  std::set<std::string> intended_routers;
  std::set<std::string> intended_networks;
  std::map<std::string, std::string> cidrs;
  {
    MutexLock lock(&mu_);
    intended_routers = intended_routers_;
    intended_networks = intended_networks_;
    cidrs = network_cidrs_;
  }
  // Initializer nodes first: the others only validate what the initializer made.
  std::vector<ScenarioNode*> order;
  for (auto& [name, node] : nodes_) {
    if (node->md_config().metadata_initializer) order.push_back(node.get());
  }
  for (auto& [name, node] : nodes_) {
    if (!node->md_config().metadata_initializer) order.push_back(node.get());
  }
  ScenarioNode& driver_node = *order.front();

  const int rounds = scenario_.liveness.enabled ? scenario_.liveness.rounds : 0;
  for (int round = 1; round <= rounds; ++round) {
    report_.liveness_rounds = round;
    ClearFaults();
    PowerOnAll();
    for (ScenarioNode* node : order) {
      // A fresh process per round, like a service restart after the incident.
      if (Status s = node->Restart(); !s.ok()) {
        report_.repairs.push_back("restart " + node->name() + ": " + s.message());
        continue;
      }
      NodeOp init;
      init.op = StepOp::kInit;
      const NodeOpResult r = node->Run(init);
      if (!r.init && !r.outcomes.empty() && !r.outcomes.front().ok) {
        report_.repairs.push_back("init on " + node->name() +
                                  " failed: " + r.outcomes.front().error);
      }
    }
    auto check = Check();
    auto routers = DbRouterNames();
    auto networks = DbNetworkNames();
    if (!check.ok() || !routers.ok() || !networks.ok()) {
      report_.repairs.push_back("round " + std::to_string(round) + ": cannot read the state");
      continue;
    }
    report_.final_check = *check;
    const std::vector<std::string> want_routers(intended_routers.begin(), intended_routers.end());
    const std::vector<std::string> want_networks(intended_networks.begin(),
                                                 intended_networks.end());
    if (check->ok() && *routers == want_routers && *networks == want_networks) {
      report_.converged = true;
      break;
    }
    if (round == rounds) break;

    // Re-drive. Broken routers are those a violation names.
    // Stale md LB members alone (the proxy pool changed) are what the admin redo-config is for;
    // any other violation naming a router makes it broken.
    std::set<std::string> broken_ids;
    std::vector<std::string> orphan_edges;
    std::vector<std::string> orphan_wires;
    bool stale_members = false;
    for (const Violation& v : check->violations) {
      const bool members = v.invariant == "router-md" && v.detail.rfind("LB members", 0) == 0;
      stale_members = stale_members || members;
      const std::string router = ObjectId(v.object, "router");
      if (!router.empty() && !members) broken_ids.insert(router);
      const std::string edge = ObjectId(v.object, "edge");
      if (v.invariant == "orphans" && !edge.empty()) orphan_edges.push_back(edge);
      const std::string wire = ObjectId(v.object, "virtual wire");
      if (v.invariant == "orphans" && !wire.empty()) orphan_wires.push_back(wire);
    }
    std::unique_ptr<store::Context> holder;
    auto ctx = ObserverContext(holder);
    if (!ctx.ok()) continue;
    // What the admin utility's orphaned-edges / orphaned-networks clean-ups do.
    for (const std::string& edge : orphan_edges) {
      Status s = observer_->DeleteEdge(edge);
      report_.repairs.push_back("delete orphan edge " + edge + (s.ok() ? "" : ": " + s.message()));
    }
    for (const std::string& wire : orphan_wires) {
      Status s = observer_->DeleteVirtualWire(wire);
      report_.repairs.push_back("delete orphan virtual wire " + wire +
                                (s.ok() ? "" : ": " + s.message()));
    }
    if (stale_members) {
      NodeOp redo;
      redo.op = StepOp::kRedoConfig;
      const NodeOpResult r = driver_node.Run(redo);
      std::string failed;
      for (const Outcome& o : r.outcomes) {
        if (!o.ok) failed += (failed.empty() ? "" : "; ") + o.error;
      }
      report_.repairs.push_back(
          "redo-config on " +
          (failed.empty() ? std::to_string(r.outcomes.size()) + " router edges" : failed));
    }
    std::set<std::string> have(routers->begin(), routers->end());
    for (const std::string& name : *routers) {
      auto id = RouterIdByName(**ctx, name);
      const bool broken = id.ok() && *id && broken_ids.count(**id) > 0;
      if (intended_routers.count(name) == 0 || broken) {
        Outcome o = NodeOne(driver_node, StepOp::kDeleteRouters, name);
        report_.repairs.push_back("delete router " + name + (o.ok ? "" : ": " + o.error));
        if (o.ok) have.erase(name);
      }
    }
    for (const std::string& name : intended_routers) {
      if (have.count(name) > 0) continue;
      Outcome o = NodeOne(driver_node, StepOp::kCreateRouters, name);
      report_.repairs.push_back("create router " + name + (o.ok ? "" : ": " + o.error));
    }
    std::set<std::string> have_nets(networks->begin(), networks->end());
    for (const std::string& name : *networks) {
      if (intended_networks.count(name) > 0) continue;
      Outcome o = NodeOne(driver_node, StepOp::kDeleteNetworks, name);
      report_.repairs.push_back("delete network " + name + (o.ok ? "" : ": " + o.error));
    }
    for (const std::string& name : intended_networks) {
      if (have_nets.count(name) > 0) continue;
      Outcome o = NodeOne(driver_node, StepOp::kCreateNetworks, name, cidrs[name]);
      report_.repairs.push_back("create network " + name + (o.ok ? "" : ": " + o.error));
    }
  }

  auto routers = DbRouterNames();
  auto networks = DbNetworkNames();
  if (routers.ok()) report_.final_routers = *routers;
  if (networks.ok()) report_.final_networks = *networks;

  final_facts.check = report_.final_check;
  final_facts.networks = static_cast<int>(report_.final_networks.size());
  Expectation final_expect = scenario_.expect_final;
  if (!final_expect.violations) final_expect.violations = CountBound{0, 0};
  report_.final_verdicts = Evaluate(final_expect, final_facts);
  if (scenario_.liveness.enabled) {
    std::string detail = "after " + std::to_string(report_.liveness_rounds) + " rounds";
    if (!report_.converged) {
      if (!report_.final_check.violations.empty()) {
        const Violation& v = report_.final_check.violations.front();
        detail += "; " + v.invariant + " " + v.object + ": " + v.detail;
      } else {
        detail += "; the DB does not hold exactly the intended routers and networks";
      }
    }
    report_.final_verdicts.push_back({"liveness converged", report_.converged, detail});
  }
}

void ScenarioRun::Cleanup() {
  if (backend_->kind() != BackendKind::kReal) return;
  // Everything in the run's private DB was made by this run: remove it from the manager.
  ClearFaults();
  ScenarioNode& node = *nodes_.begin()->second;
  (void)node.Restart();
  auto routers = DbRouterNames();
  if (routers.ok()) {
    for (const std::string& name : *routers) {
      Outcome o = NodeOne(node, StepOp::kDeleteRouters, name);
      if (!o.ok) report_.failures.push_back("cleanup: router " + o.error);
    }
  }
  auto proxies = store::GetNsxvInternalEdgesByPurpose(*observer_ctx_, store::kInterEdgePurpose);
  if (proxies.ok()) {
    for (const auto& e : *proxies) {
      if (!e.router_id) continue;
      auto binding = store::GetRouterBinding(*observer_ctx_, *e.router_id);
      if (binding.ok() && *binding && (*binding)->edge_id) {
        Status s = observer_->DeleteEdge(*(*binding)->edge_id);
        if (!s.ok()) report_.failures.push_back("cleanup: proxy edge " + s.message());
      }
    }
  }
  auto networks = store::ListNetworkRows(*observer_ctx_, {});
  if (networks.ok()) {
    for (const auto& n : *networks) {
      auto wires = store::GetNsxSwitchIds(*observer_ctx_, n.id);
      if (!wires.ok()) continue;
      for (const std::string& wire : *wires) {
        Status s = observer_->DeleteVirtualWire(wire);
        if (!s.ok()) report_.failures.push_back("cleanup: virtual wire " + s.message());
      }
    }
  }
  // Leftovers named with the run prefix (a create whose reply was lost, say).
  auto edges = observer_->ListEdges();
  if (edges.ok()) {
    for (const auto& e : *edges) {
      if (e.name.value_or("").rfind(prefix_ + "-", 0) != 0) continue;
      Status s = observer_->DeleteEdge(e.id);
      if (!s.ok()) report_.failures.push_back("cleanup: edge " + e.id + ": " + s.message());
    }
  }
  spdlog::info("scenario={} cleanup prefix={} done", scenario_.name, prefix_);
}

}  // namespace nsxv::scenarios
