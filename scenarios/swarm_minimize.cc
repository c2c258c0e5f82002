// Swarm mode: failure classes and the minimizer (contracts in swarm.h). Candidates are edits of
// the scenario document (ScenarioToJson); ParseScenario decides whether an edit still satisfies
// the reference rules, so a candidate that drops a create but keeps its delete is skipped.
#include <functional>

#include <nlohmann/json.hpp>

#include "scenarios/swarm.h"

namespace nsxv::scenarios {
namespace {

using json = nlohmann::json;

// A fault plan document's rule array (plans are {"rules": [...]} or a bare array).
json& RulesOf(json& plan) { return plan.is_array() ? plan : plan["rules"]; }

bool Neutral(const json& rule) {
  return rule.contains("times") && rule["times"].is_number_integer() && rule["times"] == 0;
}

// JSON pointers of every step, sub-steps of parallel blocks included ("/steps/3/steps/1").
std::vector<json::json_pointer> StepPointers(const json& doc) {
  std::vector<json::json_pointer> out;
  const json& steps = doc.at("steps");
  for (size_t i = 0; i < steps.size(); ++i) {
    const json::json_pointer p = json::json_pointer("/steps") / i;
    out.push_back(p);
    if (steps[i].contains("steps")) {
      for (size_t j = 0; j < steps[i]["steps"].size(); ++j) out.push_back(p / "steps" / j);
    }
  }
  return out;
}

// Smaller variants of `doc`, the coarse ones first.
std::vector<json> Candidates(const json& doc) {
  std::vector<json> out;
  // The last node, its steps moved to the first node.
  if (doc.contains("nodes") && doc["nodes"].size() > 1) {
    json c = doc;
    const std::string gone = c["nodes"].back().value("name", "");
    c["nodes"].erase(c["nodes"].size() - 1);
    for (const auto& p : StepPointers(c)) {
      if (c[p].value("node", "") == gone) c[p].erase("node");
    }
    out.push_back(std::move(c));
  }
  // One step, the last first.
  const json& steps = doc.at("steps");
  for (size_t i = steps.size(); i-- > 0 && steps.size() > 1;) {
    json c = doc;
    c["steps"].erase(i);
    out.push_back(std::move(c));
  }
  // Parallel blocks: run the sub-steps one after the other, or drop one sub-step.
  for (size_t i = 0; i < steps.size(); ++i) {
    if (!steps[i].contains("steps")) continue;
    json c = doc;
    json seq = json::array();
    for (size_t k = 0; k < i; ++k) seq.push_back(steps[k]);
    for (const json& sub : steps[i]["steps"]) seq.push_back(sub);
    for (size_t k = i + 1; k < steps.size(); ++k) seq.push_back(steps[k]);
    c["steps"] = std::move(seq);
    out.push_back(std::move(c));
    for (size_t j = 0; j < steps[i]["steps"].size() && steps[i]["steps"].size() > 1; ++j) {
      json d = doc;
      d["steps"][i]["steps"].erase(j);
      out.push_back(std::move(d));
    }
  }
  // Fault rules, of the initial plan and of set_faults steps. A rule's decisions depend on its
  // index (fault_plan.h), so a rule is first neutralized in place ("times": 0 never fires) and
  // the others keep deciding as before; neutral rules then go, the trailing ones first.
  std::vector<json::json_pointer> plans;
  if (doc.contains("faults")) plans.push_back(json::json_pointer("/faults"));
  for (const auto& p : StepPointers(doc)) {
    if (doc[p].contains("faults")) plans.push_back(p / "faults");
  }
  for (const auto& p : plans) {
    json plan = doc[p];
    const json& rules = RulesOf(plan);
    const bool top = p.to_string() == "/faults";
    for (size_t r = 0; r < rules.size(); ++r) {
      if (Neutral(rules[r])) continue;
      json c = doc;
      json& rule = RulesOf(c[p])[r];
      for (const char* key : {"probability", "skip", "window"}) rule.erase(key);
      rule["times"] = 0;
      out.push_back(std::move(c));
    }
    for (size_t r = rules.size(); r-- > 0;) {
      if (!Neutral(rules[r]) || (!top && rules.size() == 1)) continue;
      json c = doc;
      RulesOf(c[p]).erase(r);
      if (top && RulesOf(c[p]).empty()) c.erase("faults");
      out.push_back(std::move(c));
    }
  }
  // [nsxv] extras: one proxy IP fewer, options back to the base.
  if (doc.contains("nsxv")) {
    const json& nsxv = doc["nsxv"];
    if (nsxv.contains("mgt_net_proxy_ips")) {
      // Stored as text "ip1,ip2"; a shorter list drops the last.
      const std::string ips = nsxv["mgt_net_proxy_ips"].get<std::string>();
      if (const size_t comma = ips.rfind(','); comma != std::string::npos) {
        json c = doc;
        c["nsxv"]["mgt_net_proxy_ips"] = ips.substr(0, comma);
        out.push_back(std::move(c));
      }
    }
    for (const auto& [key, value] : nsxv.items()) {
      if (key == "mgt_net_proxy_ips") continue;
      json c = doc;
      c["nsxv"].erase(key);
      if (c["nsxv"].empty()) c.erase("nsxv");
      out.push_back(std::move(c));
    }
  }
  // Halve counts, name lists, workers and rounds; a restart without its option changes.
  for (const auto& p : StepPointers(doc)) {
    const json& s = doc[p];
    for (const char* key : {"count", "workers", "rounds"}) {
      if (s.contains(key) && s[key].is_number_integer() && s[key].get<int64_t>() > 1) {
        json c = doc;
        c[p][key] = s[key].get<int64_t>() / 2;
        out.push_back(std::move(c));
      }
    }
    if (s.contains("names") && s["names"].size() > 1) {
      json c = doc;
      json half = json::array();
      for (size_t k = 0; k < s["names"].size() / 2; ++k) half.push_back(s["names"][k]);
      c[p]["names"] = std::move(half);
      out.push_back(std::move(c));
    }
    if (s.value("op", "") == "restart" && s.contains("nsxv")) {
      json c = doc;
      c[p].erase("nsxv");
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace

std::string FailureClass(const Result<ScenarioReport>& report) {
  if (!report.ok()) return "error";
  if (report->passed()) return "";
  std::string line = report->failures.front();
  // "$.steps[2] (create_routers): succeeded: got 1, expected 3": the path moves as steps go.
  if (line.starts_with("$.")) line = line.substr(line.find(' ') + 1);
  const size_t a = line.find(": ");
  const size_t b = a == std::string::npos ? std::string::npos : line.find(": ", a + 2);
  std::string cls = b == std::string::npos ? line : line.substr(0, b);
  if (!report->final_check.violations.empty()) {
    cls += " [" + report->final_check.violations.front().invariant + "]";
  }
  return cls;
}

Result<Scenario> MinimizeFailure(const Scenario& failing, const RunOptions& run,
                                 const MinimizeOptions& options, MinimizeStats* stats) {
  MinimizeStats local;
  MinimizeStats& st = stats != nullptr ? *stats : local;
  st = MinimizeStats{};
  NSXV_ASSIGN_OR_RETURN(Scenario current, ParseScenario(ScenarioToJson(failing).dump(), ""));
  json doc = ScenarioToJson(current);

  // The failure must show up again (up to 3 runs: a concurrent one may depend on timing).
  std::string cls = options.failure_class;
  for (int attempt = 0; attempt < 3 && !st.reproduced && st.runs < options.max_runs; ++attempt) {
    ++st.runs;
    auto report = RunScenario(current, run);
    const std::string got = FailureClass(report);
    if (got.empty()) continue;
    if (cls.empty()) cls = got;
    if (got == cls) {
      st.reproduced = true;
      st.failure = report.ok() ? report->failures.front() : report.error().message();
    }
  }
  if (!st.reproduced) return current;

  bool shrunk = true;
  while (shrunk && st.runs < options.max_runs) {
    shrunk = false;
    for (json& candidate : Candidates(doc)) {
      if (st.runs >= options.max_runs) break;
      auto parsed = ParseScenario(candidate.dump(), "");
      if (!parsed.ok()) continue;
      ++st.runs;
      auto report = RunScenario(*parsed, run);
      if (FailureClass(report) != cls) continue;
      st.failure = report.ok() ? report->failures.front() : report.error().message();
      ++st.reductions;
      doc = std::move(candidate);
      current = std::move(parsed).value();
      shrunk = true;
      break;
    }
  }
  return current;
}

}  // namespace nsxv::scenarios
