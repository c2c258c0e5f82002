// ParseScenario: the document's top level, then the references of the steps in document order
// (routers, networks, proxy IPs, fault rules), then LoadScenarioFile. Step objects are read by
// scenario_steps.cc, expectations by scenario_expect.cc, the way back by scenario_to_json.cc.
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <exception>
#include <system_error>

#include "driver/config/config.h"
#include "fake_nsxv/fault_plan.h"
#include "fake_nsxv/model.h"
#include "scenarios/scenario.h"
#include "scenarios/scenario_parser_internal.h"
#include "scenarios/store_choice.h"

namespace nsxv::scenarios {
namespace {

using internal::json;
using internal::JsonNode;

// What exists before a step runs, as far as the document says.
struct World {
  // Routers / networks by name: true when created for certain, false when a step that may have
  // crashed part way (crash_after_requests) created or deleted them.
  std::map<std::string, bool> routers, networks;
  std::set<std::string> deleted_routers, deleted_networks;
  std::set<std::string> server_rules, client_rules;  // the plans in force
};

class References {
 public:
  References(const std::string& file, std::set<std::string> proxy_ips)
      : file_(file), proxy_ips_(std::move(proxy_ips)) {}

  // Checks `steps` in order, each against the world before it; a parallel block's sub-steps
  // all see the world before the block.
  Status Walk(const std::vector<Step>& steps, World* world) {
    for (const Step& s : steps) {
      NSXV_RETURN_IF_ERROR(Check(s, *world));
      for (const Step& sub : s.steps) NSXV_RETURN_IF_ERROR(Check(sub, *world));
      NSXV_RETURN_IF_ERROR(Apply(s, world));
      for (const Step& sub : s.steps) {
        // Two siblings creating the same name.
        if (sub.op == StepOp::kCreateRouters || sub.op == StepOp::kChurnRouters) {
          NSXV_RETURN_IF_ERROR(MustNotExist(sub, "router", world->routers));
        } else if (sub.op == StepOp::kCreateNetworks) {
          NSXV_RETURN_IF_ERROR(MustNotExist(sub, "network", world->networks));
        }
        NSXV_RETURN_IF_ERROR(Apply(sub, world));
      }
    }
    return Status::Ok();
  }

  // faults_fired rule names of `e` must be in `rules`.
  Status CheckRules(const Expectation& e, const std::string& path,
                    const std::set<std::string>& rules) const {
    for (const auto& [rule, bound] : e.faults_fired) {
      if (!rules.contains(rule)) {
        return Error(internal::JoinPath(path + ".faults_fired", rule),
                     "references nothing: no fault rule '" + rule + "' in the plan in force");
      }
    }
    return Status::Ok();
  }

 private:
  Status Error(const std::string& path, const std::string& reason) const {
    return InvalidArgument(file_ + ": " + path + ": " + reason);
  }

  // Where a step's i-th name comes from: names[i] when explicit, else the step.
  static std::string NamePath(const Step& s, size_t i) {
    return s.names.empty() ? s.json_path : s.json_path + ".names[" + std::to_string(i) + "]";
  }

  Status MustExist(const Step& s, std::string_view kind, const std::map<std::string, bool>& live,
                   const std::set<std::string>& deleted) const {
    const std::vector<std::string> names = s.Names();
    for (size_t i = 0; i < names.size(); ++i) {
      if (live.contains(names[i])) continue;
      return Error(NamePath(s, i), std::string(kind) + " '" + names[i] +
                                       "' is not created by an earlier step" +
                                       (deleted.contains(names[i]) ? " (it was deleted)" : ""));
    }
    return Status::Ok();
  }

  Status MustNotExist(const Step& s, std::string_view kind,
                      const std::map<std::string, bool>& live) const {
    const std::vector<std::string> names = s.Names();
    for (size_t i = 0; i < names.size(); ++i) {
      auto it = live.find(names[i]);
      if (it == live.end() || !it->second) continue;
      return Error(NamePath(s, i), std::string(kind) + " '" + names[i] +
                                       "' already exists (created by an earlier step)");
    }
    return Status::Ok();
  }

  Status Check(const Step& s, const World& w) const {
    std::set<std::string> rules = w.server_rules;
    rules.insert(w.client_rules.begin(), w.client_rules.end());
    NSXV_RETURN_IF_ERROR(CheckRules(s.expect, s.json_path + ".expect", rules));
    switch (s.op) {
      case StepOp::kCreateRouters:
      case StepOp::kChurnRouters:
        return MustNotExist(s, "router", w.routers);
      case StepOp::kDeleteRouters:
        return MustExist(s, "router", w.routers, w.deleted_routers);
      case StepOp::kCreateNetworks:
        return MustNotExist(s, "network", w.networks);
      case StepOp::kDeleteNetworks:
        return MustExist(s, "network", w.networks, w.deleted_networks);
      case StepOp::kCreatePorts:
        if (s.network == "internal" || w.networks.contains(s.network)) return Status::Ok();
        return Error(s.json_path + ".network",
                     "network '" + s.network + "' is not created by an earlier step");
      case StepOp::kMetadataRequest:
        if (w.routers.contains(s.router)) return Status::Ok();
        return Error(s.json_path + ".router",
                     "router '" + s.router + "' is not created by an earlier step");
      case StepOp::kBackend:
        if (s.target.starts_with("router:")) {
          const std::string name = s.target.substr(7);
          if (w.routers.contains(name)) return Status::Ok();
          return Error(s.json_path + ".target",
                       "router '" + name + "' is not created by an earlier step");
        } else {
          const std::string ip = s.target.substr(6);
          if (proxy_ips_.contains(ip)) return Status::Ok();
          return Error(s.json_path + ".target",
                       "'" + ip + "' is in no mgt_net_proxy_ips of the scenario");
        }
      default:
        return Status::Ok();
    }
  }

  static Status Apply(const Step& s, World* w) {
    const bool certain = !s.crash_after_requests.has_value() && !s.kill.has_value();
    switch (s.op) {
      case StepOp::kCreateRouters:
        for (const std::string& n : s.Names()) w->routers[n] = certain;
        return Status::Ok();
      case StepOp::kDeleteRouters:
      case StepOp::kChurnRouters:
        for (const std::string& n : s.Names()) {
          if (certain) {
            w->routers.erase(n);
            w->deleted_routers.insert(n);
          } else {
            w->routers[n] = false;
          }
        }
        return Status::Ok();
      case StepOp::kCreateNetworks:
        for (const std::string& n : s.Names()) w->networks[n] = true;
        return Status::Ok();
      case StepOp::kDeleteNetworks:
        for (const std::string& n : s.Names()) {
          w->networks.erase(n);
          w->deleted_networks.insert(n);
        }
        return Status::Ok();
      case StepOp::kSetFaults: {
        auto plan = fake::FaultPlan::FromJsonText(s.faults, 1);
        if (!plan.ok()) return plan.error();  // checked when parsed
        std::set<std::string>& rules =
            s.side == FaultSide::kServer ? w->server_rules : w->client_rules;
        rules.clear();
        for (const fake::FaultRule& r : (*plan)->rules()) rules.insert(r.name);
        return Status::Ok();
      }
      case StepOp::kClearFaults:
        w->server_rules.clear();
        w->client_rules.clear();
        return Status::Ok();
      default:
        return Status::Ok();
    }
  }

  const std::string& file_;
  const std::set<std::string> proxy_ips_;
};

void AddProxyIps(const std::map<std::string, std::string>& nsxv, std::set<std::string>* out) {
  auto it = nsxv.find("mgt_net_proxy_ips");
  if (it == nsxv.end()) return;
  for (std::string& ip : config::SplitList(it->second)) out->insert(std::move(ip));
}

void AddStepFacts(const std::vector<Step>& steps, std::set<std::string>* proxy_ips,
                  std::set<std::string>* rules) {
  for (const Step& s : steps) {
    if (s.op == StepOp::kRestart) AddProxyIps(s.nsxv, proxy_ips);
    if (s.op == StepOp::kSetFaults) {
      auto plan = fake::FaultPlan::FromJsonText(s.faults, 1);
      if (plan.ok()) {
        for (const fake::FaultRule& r : (*plan)->rules()) rules->insert(r.name);
      }
    }
    AddStepFacts(s.steps, proxy_ips, rules);
  }
}

Status SyntaxError(const json::parse_error& e, std::string_view text, const std::string& file) {
  size_t line = 1;
  size_t column = 1;
  // e.byte is 1-based: the character at which parsing failed.
  const size_t end = std::min(e.byte == 0 ? 0 : e.byte - 1, text.size());
  for (size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  std::string reason = e.what();
  // "[json.exception.parse_error.101] parse error at line 3, column 5: <reason>".
  const size_t at = reason.find("column ");
  const size_t colon = at == std::string::npos ? std::string::npos : reason.find(": ", at);
  if (colon != std::string::npos) reason = reason.substr(colon + 2);
  return InvalidArgument(file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
                         reason);
}

Status ParseNodes(const JsonNode& root, Scenario* s) {
  if (!root.Has("nodes")) {
    s->nodes = {NodeSpec{.name = "a", .nsxv = {}}};
    return Status::Ok();
  }
  const JsonNode nodes = root.Child("nodes");
  if (!nodes.value().is_array()) return nodes.TypeError("an array of nodes");
  if (nodes.value().empty()) return nodes.Error("must not be empty");
  for (size_t i = 0; i < nodes.value().size(); ++i) {
    const JsonNode n = nodes.Item(i);
    NSXV_RETURN_IF_ERROR(n.CheckObject({"name", "nsxv", "process"}, "a node"));
    NodeSpec node;
    NSXV_RETURN_IF_ERROR(n.Require("name"));
    NSXV_RETURN_IF_ERROR(n.Name("name", &node.name));
    for (const NodeSpec& other : s->nodes) {
      if (other.name == node.name) {
        return n.Child("name").Error("duplicate node '" + node.name + "'");
      }
    }
    if (n.Has("nsxv")) NSXV_RETURN_IF_ERROR(internal::ParseNsxv(n.Child("nsxv"), &node.nsxv));
    NSXV_RETURN_IF_ERROR(n.Bool("process", &node.process));
    s->nodes.push_back(std::move(node));
  }
  return Status::Ok();
}

Status ParseInitial(const JsonNode& root, Scenario* s) {
  if (!root.Has("initial")) return Status::Ok();
  const JsonNode n = root.Child("initial");
  NSXV_RETURN_IF_ERROR(n.CheckObject({"backend", "sql"}, "initial"));
  if (n.Has("backend")) {
    const JsonNode b = n.Child("backend");
    if (!b.value().is_object()) return b.TypeError("a fake state document (an object)");
    // A throwaway model checks the whole document the way the run will load it.
    SimulatedClock clock;
    fake::Model model(clock, fake::ModelOptions{});
    if (Status st = model.Load(b.value()); !st.ok()) return b.Error(st.message());
    s->initial_backend = b.value().dump();
  }
  return n.StringArray("sql", &s->initial_sql);
}

Status ParseLiveness(const JsonNode& root, LivenessSpec* out) {
  if (!root.Has("liveness")) return Status::Ok();
  const JsonNode n = root.Child("liveness");
  if (n.value().is_boolean()) {
    out->enabled = n.value().get<bool>();
    return Status::Ok();
  }
  if (!n.value().is_object()) return n.TypeError("a boolean or {\"enabled\", \"rounds\"}");
  NSXV_RETURN_IF_ERROR(n.CheckObject({"enabled", "rounds"}, "liveness"));
  NSXV_RETURN_IF_ERROR(n.Bool("enabled", &out->enabled));
  return n.Int("rounds", 1, 20, &out->rounds);
}

Status ParseDocument(const json& doc, Scenario* s) {
  const JsonNode root(doc, "$", s->file);
  NSXV_RETURN_IF_ERROR(
      root.CheckObject({"format", "name", "description", "seed", "tags", "nsxv", "nodes", "initial",
                        "faults", "client_faults", "steps", "expect", "expect_final", "liveness",
                        "timeout_s", "nova", "store"},
                       "a scenario"));
  NSXV_RETURN_IF_ERROR(root.Require("format"));
  NSXV_RETURN_IF_ERROR(root.Int("format", 0, 1'000'000, &s->format));
  if (s->format != kScenarioFormat) {
    return root.Child("format").Error("unsupported format " + std::to_string(s->format) +
                                      " (this nsxv-md reads format " +
                                      std::to_string(kScenarioFormat) + ")");
  }
  NSXV_RETURN_IF_ERROR(root.Require("name"));
  NSXV_RETURN_IF_ERROR(root.Name("name", &s->name));
  NSXV_RETURN_IF_ERROR(root.String("description", &s->description));
  NSXV_RETURN_IF_ERROR(root.Unsigned("seed", &s->seed));
  NSXV_RETURN_IF_ERROR(root.StringArray("tags", &s->tags));
  NSXV_RETURN_IF_ERROR(root.String("store", &s->store));
  if (root.Has("store")) {
    if (auto c = ParseStoreChoice(s->store); !c.ok()) {
      return root.Child("store").Error(c.error().message());
    }
  }
  if (root.Has("nsxv")) NSXV_RETURN_IF_ERROR(internal::ParseNsxv(root.Child("nsxv"), &s->nsxv));
  NSXV_RETURN_IF_ERROR(ParseNodes(root, s));
  NSXV_RETURN_IF_ERROR(ParseInitial(root, s));
  World world;
  if (root.Has("faults")) {
    NSXV_RETURN_IF_ERROR(internal::ParsePlan(root.Child("faults"), s->seed, false,
                                             &s->server_faults, &world.server_rules));
  }
  if (root.Has("client_faults")) {
    NSXV_RETURN_IF_ERROR(internal::ParsePlan(root.Child("client_faults"), s->seed, true,
                                             &s->client_faults, &world.client_rules));
  }
  NSXV_RETURN_IF_ERROR(ParseLiveness(root, &s->liveness));
  NSXV_RETURN_IF_ERROR(root.Positive("timeout_s", &s->timeout_s));
  if (root.Has("nova")) {
    const JsonNode nova = root.Child("nova");
    if (!nova.value().is_object()) return nova.TypeError("an object {\"shared_secret\": ...}");
    NSXV_RETURN_IF_ERROR(nova.CheckObject({"shared_secret"}, "nova"));
    NSXV_RETURN_IF_ERROR(nova.Require("shared_secret"));
    std::string secret;
    NSXV_RETURN_IF_ERROR(nova.String("shared_secret", &secret));
    s->nova_shared_secret = secret;
  }

  NSXV_RETURN_IF_ERROR(root.Require("steps"));
  const JsonNode steps = root.Child("steps");
  if (!steps.value().is_array()) return steps.TypeError("an array of steps");
  if (steps.value().empty()) return steps.Error("must not be empty");
  internal::StepContext context{.nodes = {}, .seed = s->seed};
  for (const NodeSpec& node : s->nodes) context.nodes.push_back(node.name);
  s->steps.resize(steps.value().size());
  for (size_t i = 0; i < s->steps.size(); ++i) {
    NSXV_RETURN_IF_ERROR(internal::ParseStep(steps.Item(i), context, false, &s->steps[i]));
  }
  const internal::ExpectScope scope{.init = false, .violations = true};
  if (root.Has("expect")) {
    NSXV_RETURN_IF_ERROR(
        internal::ParseExpectation(root.Child("expect"), scope, &s->expect_after_steps));
  }
  if (root.Has("expect_final")) {
    NSXV_RETURN_IF_ERROR(
        internal::ParseExpectation(root.Child("expect_final"), scope, &s->expect_final));
  }

  // References, in document order.
  std::set<std::string> proxy_ips;
  std::set<std::string> all_rules = world.server_rules;
  all_rules.insert(world.client_rules.begin(), world.client_rules.end());
  AddProxyIps(s->nsxv, &proxy_ips);
  for (const NodeSpec& node : s->nodes) AddProxyIps(node.nsxv, &proxy_ips);
  AddStepFacts(s->steps, &proxy_ips, &all_rules);
  References refs(s->file, std::move(proxy_ips));
  NSXV_RETURN_IF_ERROR(refs.Walk(s->steps, &world));
  // The scenario-level expectations span the whole run: any rule of any plan may be named.
  NSXV_RETURN_IF_ERROR(refs.CheckRules(s->expect_after_steps, "$.expect", all_rules));
  return refs.CheckRules(s->expect_final, "$.expect_final", all_rules);
}

Status CannotRead(const std::string& path, int error) {
  return InvalidArgument(path + ": cannot read: " + std::generic_category().message(error));
}

}  // namespace

Result<Scenario> ParseScenario(std::string_view text, const std::string& file) {
  Scenario s;
  s.file = file;
  try {
    json doc;
    try {
      doc = json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/true,
                        /*ignore_comments=*/true);
    } catch (const json::parse_error& e) {
      return SyntaxError(e, text, file);
    } catch (const json::out_of_range& e) {
      // A number beyond a double ("1e452"): "[json.exception.out_of_range.406] number overflow
      // parsing '1e452'", without a position.
      std::string reason = e.what();
      const size_t bracket = reason.find("] ");
      if (bracket != std::string::npos) reason = reason.substr(bracket + 2);
      return InvalidArgument(file + ": " + reason);
    }
    NSXV_RETURN_IF_ERROR(ParseDocument(doc, &s));
  } catch (const std::exception& e) {
    // Not expected (every access is checked first); never let one escape.
    return Internal(file + ": scenario parser: " + e.what());
  }
  return s;
}

Result<Scenario> LoadScenarioFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return CannotRead(path, errno);
  std::string text;
  std::array<char, 65536> buffer{};
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), f)) > 0) text.append(buffer.data(), n);
  const bool failed = std::ferror(f) != 0;
  const int error = errno;
  std::fclose(f);
  if (failed) return CannotRead(path, error);
  return ParseScenario(text, path);
}

}  // namespace nsxv::scenarios
