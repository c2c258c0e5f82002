// Step objects of a scenario: the keys each op takes, their types and ranges. Whether the names
// a step refers to exist is checked later, in document order (scenario_parser.cc).
#include <limits>
#include <set>

#include "driver/store/ipv4.h"
#include "scenarios/scenario_parser_internal.h"

namespace nsxv::scenarios::internal {
namespace {

struct OpSpec {
  StepOp op;
  std::vector<std::string_view> keys;  // besides op, name, node, expect
};

const std::vector<std::pair<std::string_view, OpSpec>>& Ops() {
  static const auto* ops = new std::vector<std::pair<std::string_view, OpSpec>>{
      {"init", {StepOp::kInit, {"crash_after_requests", "kill"}}},
      {"restart", {StepOp::kRestart, {"nsxv"}}},
      {"create_routers",
       {StepOp::kCreateRouters,
        {"prefix", "first", "count", "names", "workers", "crash_after_requests", "kill"}}},
      {"delete_routers",
       {StepOp::kDeleteRouters,
        {"prefix", "first", "count", "names", "workers", "crash_after_requests", "kill"}}},
      {"churn_routers",
       {StepOp::kChurnRouters,
        {"prefix", "first", "count", "names", "workers", "crash_after_requests", "rounds",
         "kill"}}},
      {"create_networks",
       {StepOp::kCreateNetworks, {"prefix", "first", "count", "names", "workers", "cidr", "kill"}}},
      {"delete_networks",
       {StepOp::kDeleteNetworks, {"prefix", "first", "count", "names", "workers", "kill"}}},
      {"create_ports", {StepOp::kCreatePorts, {"network", "count", "workers", "kill"}}},
      {"parallel", {StepOp::kParallel, {"steps"}}},
      {"set_faults", {StepOp::kSetFaults, {"side", "faults"}}},
      {"clear_faults", {StepOp::kClearFaults, {}}},
      {"backend", {StepOp::kBackend, {"action", "target"}}},
      {"wait", {StepOp::kWait, {"seconds"}}},
      {"check", {StepOp::kCheck, {}}},
      {"status", {StepOp::kStatus, {}}},
      {"redo_config", {StepOp::kRedoConfig, {}}},
      {"update_secret", {StepOp::kUpdateSecret, {"secret"}}},
      {"metadata_request", {StepOp::kMetadataRequest, {"router"}}},
      {"repair", {StepOp::kRepair, {}}},
  };
  return *ops;
}

constexpr int kMaxCount = 100000;
constexpr int kMaxFirst = 1'000'000'000;

std::string OpList() {
  std::string out;
  for (const auto& [name, spec] : Ops()) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

// prefix + first + count, or names; names become count.
Status ParseBatch(const JsonNode& n, Step* s) {
  if (n.Has("names")) {
    for (const std::string_view k : {"prefix", "first", "count"}) {
      if (n.Has(k)) return n.KeyError(k, "give either \"names\" or prefix/first/count");
    }
    NSXV_RETURN_IF_ERROR(n.StringArray("names", &s->names));
    const JsonNode names = n.Child("names");
    if (s->names.empty()) return names.Error("must not be empty");
    if (s->names.size() > static_cast<size_t>(kMaxCount)) {
      return names.Error("more than " + std::to_string(kMaxCount) + " names");
    }
    std::set<std::string> seen;
    for (size_t i = 0; i < s->names.size(); ++i) {
      if (!IsName(s->names[i])) {
        return names.Item(i).Error("'" + s->names[i] +
                                   "' is not a name: use lower-case letters, digits and '-'");
      }
      if (!seen.insert(s->names[i]).second) {
        return names.Item(i).Error("duplicate name '" + s->names[i] + "'");
      }
    }
    s->count = static_cast<int>(s->names.size());
    return Status::Ok();
  }
  if (!n.Has("prefix")) {
    return n.KeyError("prefix", "required key is missing (give prefix/first/count or names)");
  }
  NSXV_RETURN_IF_ERROR(n.Name("prefix", &s->prefix));
  NSXV_RETURN_IF_ERROR(n.Int("first", 0, kMaxFirst, &s->first));
  return n.Int("count", 1, kMaxCount, &s->count);
}

// The CIDR template with {i} replaced by `index`.
std::string SubstituteIndex(const std::string& tmpl, int index) {
  std::string out = tmpl;
  for (size_t pos = out.find("{i}"); pos != std::string::npos; pos = out.find("{i}", pos)) {
    const std::string i = std::to_string(index);
    out.replace(pos, 3, i);
    pos += i.size();
  }
  return out;
}

Status ParseCidrTemplate(const JsonNode& n, Step* s) {
  NSXV_RETURN_IF_ERROR(n.String("cidr", &s->cidr));
  if (!n.Has("cidr")) return Status::Ok();
  // The first and the last index must both give a valid CIDR.
  for (const int index : {s->first, s->first + s->count - 1}) {
    const std::string cidr = SubstituteIndex(s->cidr, index);
    auto parsed = store::ParseCidr(cidr);
    if (!parsed.ok()) {
      return n.Child("cidr").Error(parsed.error().message() +
                                   " (with {i} = " + std::to_string(index) + ")");
    }
  }
  return Status::Ok();
}

// "kill": {"at_request": N, "phase": "before-apply" | "after-apply"}.
Status ParseKill(const JsonNode& n, Step* s) {
  if (n.Has("crash_after_requests")) {
    return n.KeyError("kill",
                      "give either kill (a real SIGKILL of a process node) or "
                      "crash_after_requests (the node stops sending), not both");
  }
  const JsonNode k = n.Child("kill");
  NSXV_RETURN_IF_ERROR(k.CheckObject({"at_request", "phase"}, "kill"));
  KillSpec kill;
  NSXV_RETURN_IF_ERROR(k.Require("at_request"));
  NSXV_RETURN_IF_ERROR(k.Int("at_request", int64_t{1}, int64_t{1'000'000}, &kill.at_request));
  NSXV_RETURN_IF_ERROR(k.Require("phase"));
  std::string phase;
  NSXV_RETURN_IF_ERROR(k.String("phase", &phase));
  if (phase != "before-apply" && phase != "after-apply") {
    return k.Child("phase").Error("'" + phase + "' is not one of before-apply, after-apply");
  }
  kill.after_apply = phase == "after-apply";
  s->kill = kill;
  return Status::Ok();
}

Status ParseOpKeys(const JsonNode& n, const StepContext& context, Step* s) {
  int64_t crash = 0;
  if (n.Has("crash_after_requests")) {
    NSXV_RETURN_IF_ERROR(
        n.Int("crash_after_requests", int64_t{0}, std::numeric_limits<int64_t>::max(), &crash));
    s->crash_after_requests = crash;
  }
  if (n.Has("kill")) NSXV_RETURN_IF_ERROR(ParseKill(n, s));
  switch (s->op) {
    case StepOp::kInit:
    case StepOp::kClearFaults:
    case StepOp::kCheck:
    case StepOp::kStatus:
    case StepOp::kRedoConfig:
    case StepOp::kRepair:
      return Status::Ok();
    case StepOp::kRestart:
      if (n.Has("nsxv")) return ParseNsxv(n.Child("nsxv"), &s->nsxv);
      return Status::Ok();
    case StepOp::kChurnRouters:
      NSXV_RETURN_IF_ERROR(n.Int("rounds", 1, 1000, &s->rounds));
      [[fallthrough]];
    case StepOp::kCreateRouters:
    case StepOp::kDeleteRouters:
    case StepOp::kDeleteNetworks:
      NSXV_RETURN_IF_ERROR(ParseBatch(n, s));
      return n.Int("workers", 1, 256, &s->workers);
    case StepOp::kCreateNetworks:
      NSXV_RETURN_IF_ERROR(ParseBatch(n, s));
      NSXV_RETURN_IF_ERROR(n.Int("workers", 1, 256, &s->workers));
      return ParseCidrTemplate(n, s);
    case StepOp::kCreatePorts:
      NSXV_RETURN_IF_ERROR(n.Require("network"));
      NSXV_RETURN_IF_ERROR(n.String("network", &s->network));
      NSXV_RETURN_IF_ERROR(n.Int("count", 1, kMaxCount, &s->count));
      return n.Int("workers", 1, 256, &s->workers);
    case StepOp::kParallel: {
      NSXV_RETURN_IF_ERROR(n.Require("steps"));
      const JsonNode steps = n.Child("steps");
      if (!steps.value().is_array()) return steps.TypeError("an array of steps");
      if (steps.value().empty()) return steps.Error("must not be empty");
      s->steps.resize(steps.value().size());
      for (size_t i = 0; i < s->steps.size(); ++i) {
        NSXV_RETURN_IF_ERROR(ParseStep(steps.Item(i), context, /*nested=*/true, &s->steps[i]));
      }
      return Status::Ok();
    }
    case StepOp::kSetFaults: {
      std::string side = "server";
      NSXV_RETURN_IF_ERROR(n.String("side", &side));
      if (side != "server" && side != "client") {
        return n.Child("side").Error("'" + side + "' is not one of server, client");
      }
      s->side = side == "server" ? FaultSide::kServer : FaultSide::kClient;
      NSXV_RETURN_IF_ERROR(n.Require("faults"));
      std::set<std::string> rules;
      return ParsePlan(n.Child("faults"), context.seed, s->side == FaultSide::kClient, &s->faults,
                       &rules);
    }
    case StepOp::kBackend: {
      NSXV_RETURN_IF_ERROR(n.Require("action"));
      NSXV_RETURN_IF_ERROR(n.String("action", &s->action));
      if (s->action != "delete_edge" && s->action != "power_off" && s->action != "power_on") {
        return n.Child("action").Error("'" + s->action +
                                       "' is not one of delete_edge, power_off, power_on");
      }
      NSXV_RETURN_IF_ERROR(n.Require("target"));
      NSXV_RETURN_IF_ERROR(n.String("target", &s->target));
      if (!s->target.starts_with("proxy:") && !s->target.starts_with("router:")) {
        return n.Child("target").Error("'" + s->target +
                                       "' is not \"proxy:<ip>\" or \"router:<name>\"");
      }
      return Status::Ok();
    }
    case StepOp::kWait:
      NSXV_RETURN_IF_ERROR(n.Require("seconds"));
      return n.Positive("seconds", &s->seconds);
    case StepOp::kMetadataRequest:
      NSXV_RETURN_IF_ERROR(n.Require("router"));
      return n.Name("router", &s->router);
    case StepOp::kUpdateSecret: {
      NSXV_RETURN_IF_ERROR(n.Require("secret"));
      std::string secret;
      NSXV_RETURN_IF_ERROR(n.String("secret", &secret));
      if (secret.empty()) return n.Child("secret").Error("must not be empty");
      s->nsxv["metadata_shared_secret"] = secret;
      return Status::Ok();
    }
  }
  return Status::Ok();
}

}  // namespace

bool FindStepOp(std::string_view name, StepOp* op) {
  for (const auto& [n, spec] : Ops()) {
    if (n == name) {
      *op = spec.op;
      return true;
    }
  }
  return false;
}

Status ParseStep(const JsonNode& n, const StepContext& context, bool nested, Step* out) {
  if (!n.value().is_object()) return n.TypeError("a step object");
  NSXV_RETURN_IF_ERROR(n.Require("op"));
  std::string op_name;
  NSXV_RETURN_IF_ERROR(n.String("op", &op_name));
  const OpSpec* spec = nullptr;
  for (const auto& [name, s] : Ops()) {
    if (name == op_name) spec = &s;
  }
  if (spec == nullptr) {
    return n.Child("op").Error("unknown op '" + op_name + "' (ops: " + OpList() + ")");
  }
  if (nested && spec->op == StepOp::kParallel) {
    return n.Child("op").Error("parallel steps do not nest");
  }
  std::vector<std::string_view> allowed = {"op", "name", "node", "expect"};
  allowed.insert(allowed.end(), spec->keys.begin(), spec->keys.end());
  NSXV_RETURN_IF_ERROR(n.CheckObject(allowed, "a step of op " + op_name));

  Step s;
  s.op = spec->op;
  s.json_path = n.path();
  NSXV_RETURN_IF_ERROR(n.String("name", &s.label));
  s.node = context.nodes.front();
  NSXV_RETURN_IF_ERROR(n.String("node", &s.node));
  bool declared = false;
  std::string node_list;
  for (const std::string& node : context.nodes) {
    declared = declared || node == s.node;
    node_list += (node_list.empty() ? "" : ", ") + node;
  }
  if (!declared) {
    return n.Child("node").Error("unknown node '" + s.node + "' (nodes: " + node_list + ")");
  }
  NSXV_RETURN_IF_ERROR(ParseOpKeys(n, context, &s));
  if (n.Has("expect")) {
    const ExpectScope scope{.init = s.op == StepOp::kInit,
                            .violations = s.op == StepOp::kCheck,
                            .metadata = s.op == StepOp::kMetadataRequest};
    NSXV_RETURN_IF_ERROR(ParseExpectation(n.Child("expect"), scope, &s.expect));
  }
  *out = std::move(s);
  return Status::Ok();
}

}  // namespace nsxv::scenarios::internal
