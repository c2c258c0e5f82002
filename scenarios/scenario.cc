// The scenario model's helpers (the parser is in scenario_parser.cc).
#include "scenarios/scenario.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace nsxv::scenarios {
namespace {

bool AnyStep(const std::vector<Step>& steps, bool (*pred)(const Step&)) {
  return std::ranges::any_of(steps,
                             [&](const Step& s) { return pred(s) || AnyStep(s.steps, pred); });
}

}  // namespace

bool CountBound::Holds(int64_t value) const {
  return (!min || value >= *min) && (!max || value <= *max);
}

std::string CountBound::Describe() const {
  if (min && max) {
    return *min == *max ? std::to_string(*min) : std::to_string(*min) + ".." + std::to_string(*max);
  }
  if (min) return ">= " + std::to_string(*min);
  if (max) return "<= " + std::to_string(*max);
  return "any";
}

bool Expectation::empty() const {
  return !ok && !succeeded && !failed && !error_contains && !writes && requests.empty() &&
         faults_fired.empty() && !proxy_created && !proxy_validated && !proxy_readdressed &&
         !proxy_failed && !proxy_changed && !complete && !violations &&
         violation_invariants.empty() && !routers && !proxy_edges && !backend_edges &&
         !live_proxy_ips && !networks && !metadata_status;
}

const char* StepOpName(StepOp op) {
  switch (op) {
    case StepOp::kInit:
      return "init";
    case StepOp::kRestart:
      return "restart";
    case StepOp::kCreateRouters:
      return "create_routers";
    case StepOp::kDeleteRouters:
      return "delete_routers";
    case StepOp::kChurnRouters:
      return "churn_routers";
    case StepOp::kCreateNetworks:
      return "create_networks";
    case StepOp::kDeleteNetworks:
      return "delete_networks";
    case StepOp::kCreatePorts:
      return "create_ports";
    case StepOp::kParallel:
      return "parallel";
    case StepOp::kSetFaults:
      return "set_faults";
    case StepOp::kClearFaults:
      return "clear_faults";
    case StepOp::kBackend:
      return "backend";
    case StepOp::kWait:
      return "wait";
    case StepOp::kCheck:
      return "check";
    case StepOp::kRedoConfig:
      return "redo_config";
    case StepOp::kUpdateSecret:
      return "update_secret";
    case StepOp::kStatus:
      return "status";
    case StepOp::kMetadataRequest:
      return "metadata_request";
    case StepOp::kRepair:
      return "repair";
  }
  return "unknown";
}

std::vector<std::string> Step::Names() const {
  if (!names.empty()) return names;
  std::vector<std::string> out;
  if (prefix.empty()) return out;
  out.reserve(static_cast<size_t>(count > 0 ? count : 0));
  for (int i = first; i < first + count; ++i) {
    std::array<char, 16> index{};
    std::snprintf(index.data(), index.size(), "%03d", i);
    out.push_back(prefix + "-" + index.data());
  }
  return out;
}

bool Scenario::Concurrent() const {
  return nodes.size() > 1 ||
         AnyStep(steps, [](const Step& s) { return s.workers > 1 || s.op == StepOp::kParallel; });
}

bool Scenario::NeedsServerSide() const {
  // initial_sql too: the real-manager cleanup removes everything in the run's DB from the
  // manager, so rows the run did not create must never be there.
  return !server_faults.empty() || !initial_backend.empty() || !initial_sql.empty() ||
         AnyStep(steps, [](const Step& s) {
           return s.op == StepOp::kBackend || s.kill.has_value() ||
                  (s.op == StepOp::kSetFaults && s.side == FaultSide::kServer);
         });
}

bool Scenario::HasProcessNodes() const {
  return std::any_of(nodes.begin(), nodes.end(), [](const NodeSpec& n) { return n.process; });
}

}  // namespace nsxv::scenarios
