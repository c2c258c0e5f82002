// ScenarioToJson: a Scenario back to a document ParseScenario accepts. Contract: for any
// scenario P returned by ParseScenario, ParseScenario(ScenarioToJson(P)) gives a scenario whose
// ScenarioToJson is identical (values at their defaults may be left out, never information).
#include "scenarios/scenario_parser_internal.h"

namespace nsxv::scenarios {
namespace {

using internal::json;

// A stored plan or state document back to JSON (the parser stored valid compact text).
json Document(const std::string& text) {
  return json::parse(text, nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/true);
}

json NsxvToJson(const std::map<std::string, std::string>& nsxv) {
  json j = json::object();
  for (const auto& [option, text] : nsxv) j[option] = text;
  return j;
}

json StepToJson(const Step& s, const std::string& default_node) {
  json j = {{"op", StepOpName(s.op)}};
  if (!s.label.empty()) j["name"] = s.label;
  if (s.node != default_node) j["node"] = s.node;
  const auto batch = [&] {
    if (!s.names.empty()) {
      j["names"] = s.names;
    } else {
      j["prefix"] = s.prefix;
      j["first"] = s.first;
      j["count"] = s.count;
    }
    if (s.workers != 1) j["workers"] = s.workers;
  };
  switch (s.op) {
    case StepOp::kRestart:
      if (!s.nsxv.empty()) j["nsxv"] = NsxvToJson(s.nsxv);
      break;
    case StepOp::kChurnRouters:
      j["rounds"] = s.rounds;
      batch();
      break;
    case StepOp::kCreateRouters:
    case StepOp::kDeleteRouters:
    case StepOp::kDeleteNetworks:
      batch();
      break;
    case StepOp::kCreateNetworks:
      batch();
      if (!s.cidr.empty()) j["cidr"] = s.cidr;
      break;
    case StepOp::kCreatePorts:
      j["network"] = s.network;
      j["count"] = s.count;
      if (s.workers != 1) j["workers"] = s.workers;
      break;
    case StepOp::kParallel: {
      json steps = json::array();
      for (const Step& sub : s.steps) steps.push_back(StepToJson(sub, default_node));
      j["steps"] = std::move(steps);
      break;
    }
    case StepOp::kSetFaults:
      j["side"] = s.side == FaultSide::kServer ? "server" : "client";
      j["faults"] = Document(s.faults);
      break;
    case StepOp::kBackend:
      j["action"] = s.action;
      j["target"] = s.target;
      break;
    case StepOp::kWait:
      j["seconds"] = s.seconds;
      break;
    case StepOp::kMetadataRequest:
      j["router"] = s.router;
      break;
    case StepOp::kUpdateSecret: {
      auto it = s.nsxv.find("metadata_shared_secret");
      j["secret"] = it == s.nsxv.end() ? std::string() : it->second;
      break;
    }
    default:
      break;
  }
  if (s.crash_after_requests) j["crash_after_requests"] = *s.crash_after_requests;
  if (s.kill) j["kill"] = {{"at_request", s.kill->at_request}, {"phase", s.kill->PhaseName()}};
  if (!s.expect.empty()) j["expect"] = internal::ExpectationToJson(s.expect);
  return j;
}

}  // namespace

nlohmann::json ScenarioToJson(const Scenario& sc) {
  json j = {{"format", sc.format}, {"name", sc.name}, {"seed", sc.seed}};
  if (!sc.description.empty()) j["description"] = sc.description;
  if (!sc.tags.empty()) j["tags"] = sc.tags;
  if (!sc.store.empty()) j["store"] = sc.store;
  if (!sc.nsxv.empty()) j["nsxv"] = NsxvToJson(sc.nsxv);
  json nodes = json::array();
  for (const NodeSpec& node : sc.nodes) {
    json n = {{"name", node.name}};
    if (!node.nsxv.empty()) n["nsxv"] = NsxvToJson(node.nsxv);
    if (node.process) n["process"] = true;
    nodes.push_back(std::move(n));
  }
  if (!nodes.empty()) j["nodes"] = std::move(nodes);
  json initial = json::object();
  if (!sc.initial_backend.empty()) initial["backend"] = Document(sc.initial_backend);
  if (!sc.initial_sql.empty()) initial["sql"] = sc.initial_sql;
  if (!initial.empty()) j["initial"] = std::move(initial);
  if (!sc.server_faults.empty()) j["faults"] = Document(sc.server_faults);
  if (!sc.client_faults.empty()) j["client_faults"] = Document(sc.client_faults);
  const std::string default_node = sc.nodes.empty() ? "a" : sc.nodes.front().name;
  json steps = json::array();
  for (const Step& s : sc.steps) steps.push_back(StepToJson(s, default_node));
  j["steps"] = std::move(steps);
  if (!sc.expect_after_steps.empty()) {
    j["expect"] = internal::ExpectationToJson(sc.expect_after_steps);
  }
  if (!sc.expect_final.empty()) j["expect_final"] = internal::ExpectationToJson(sc.expect_final);
  j["liveness"] = {{"enabled", sc.liveness.enabled}, {"rounds", sc.liveness.rounds}};
  j["timeout_s"] = sc.timeout_s;
  if (sc.nova_shared_secret) j["nova"] = {{"shared_secret", *sc.nova_shared_secret}};
  return j;
}

}  // namespace nsxv::scenarios
