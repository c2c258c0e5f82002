// The scenario runner's expectations (Evaluate) and report documents (ToJson, Normalized).
#include <algorithm>

#include <nlohmann/json.hpp>

#include "fake_nsxv/fault_plan.h"
#include "scenarios/runner_internal.h"

namespace nsxv::scenarios {
namespace {

using json = nlohmann::json;

void Count(std::vector<ExpectationVerdict>& out, const std::string& what,
           const std::optional<CountBound>& bound, int64_t got) {
  if (!bound) return;
  out.push_back(
      {what, bound->Holds(got), "got " + std::to_string(got) + ", expected " + bound->Describe()});
}

bool MethodMatches(const std::string& want, const std::string& got) {
  if (want == "*") return true;
  if (want == "WRITE") return got != "GET";
  return want == got;
}

json VerdictsJson(const std::vector<ExpectationVerdict>& verdicts, bool with_detail) {
  json out = json::array();
  for (const auto& v : verdicts) {
    json j = {{"what", v.what}, {"ok", v.ok}};
    if (with_detail) j["detail"] = v.detail;
    out.push_back(std::move(j));
  }
  return out;
}

json CheckJson(const CheckReport& c, bool normalized) {
  json violations = json::array();
  for (const auto& v : c.violations) {
    // Object names carry generated ids; the normalized form keeps the invariant only.
    violations.push_back(
        normalized ? json(v.invariant)
                   : json{{"invariant", v.invariant}, {"object", v.object}, {"detail", v.detail}});
  }
  if (normalized) {
    // The order follows generated ids; the invariant names, sorted, do not.
    std::vector<std::string> names;
    for (const auto& v : violations) names.push_back(v.get<std::string>());
    std::sort(names.begin(), names.end());
    violations = names;
  }
  json j = {
      {"ok", c.ok()},
      {"violations", violations},
      {"routers", c.routers},
      {"proxy_edges", c.proxy_edges},
      {"backend_edges", c.backend_edges},
      // Which internal IPs the proxies got depends on the allocation order.
      {"live_proxy_ips", normalized ? json(c.live_proxy_ips.size()) : json(c.live_proxy_ips)}};
  if (!normalized) j["checks"] = c.checks;
  return j;
}

}  // namespace

bool NeedsCheck(const Expectation& e) {
  return e.violations || !e.violation_invariants.empty() || e.routers || e.proxy_edges ||
         e.backend_edges || e.live_proxy_ips || e.networks;
}

std::vector<ExpectationVerdict> Evaluate(const Expectation& e, const StepFacts& f) {
  std::vector<ExpectationVerdict> out;
  int64_t ok = 0;
  int64_t failed = 0;
  for (const Outcome& o : f.outcomes) (o.ok ? ok : failed) += 1;
  if (e.ok) {
    std::string first;
    for (const Outcome& o : f.outcomes) {
      if (!o.ok && first.empty()) first = o.error;
    }
    const bool all_ok = failed == 0;
    out.push_back({"ok", all_ok == *e.ok,
                   all_ok ? "every operation succeeded"
                          : std::to_string(failed) + " failed, first: " + first});
  }
  Count(out, "succeeded", e.succeeded, ok);
  Count(out, "failed", e.failed, failed);
  if (e.error_contains) {
    bool found = false;
    for (const Outcome& o : f.outcomes) {
      found = found || (!o.ok && o.error.find(*e.error_contains) != std::string::npos);
    }
    out.push_back({"error_contains", found,
                   found ? "found" : "no failure message contains '" + *e.error_contains + "'"});
  }
  int64_t writes = 0;
  for (const auto& r : f.requests) writes += r.method == "GET" ? 0 : 1;
  Count(out, "writes", e.writes, writes);
  for (size_t i = 0; i < e.requests.size(); ++i) {
    const RequestExpectation& want = e.requests[i];
    int64_t n = 0;
    for (const auto& r : f.requests) {
      n += MethodMatches(want.method, r.method) && fake::PathGlobMatch(want.path, r.path) ? 1 : 0;
    }
    Count(out, "requests[" + std::to_string(i) + "] " + want.method + " " + want.path, want.count,
          n);
  }
  for (const auto& [rule, bound] : e.faults_fired) {
    auto it = f.fired.find(rule);
    Count(out, "faults_fired " + rule, bound, it == f.fired.end() ? 0 : it->second);
  }
  if (f.init) {
    int64_t created = 0, validated = 0, readdressed = 0, failed_edges = 0, changed = 0;
    for (const auto& p : f.init->proxy_edges) {
      if (!p.ok) {
        ++failed_edges;
      } else if (p.action == md_proxy::ProxyEdgeAction::kCreated) {
        ++created;
      } else if (p.action == md_proxy::ProxyEdgeAction::kReaddressed) {
        ++readdressed;
      } else {
        ++validated;
      }
      changed += p.changed ? 1 : 0;
    }
    Count(out, "init.created", e.proxy_created, created);
    Count(out, "init.validated", e.proxy_validated, validated);
    Count(out, "init.readdressed", e.proxy_readdressed, readdressed);
    Count(out, "init.failed", e.proxy_failed, failed_edges);
    Count(out, "init.changed", e.proxy_changed, changed);
    if (e.complete) {
      out.push_back({"init.complete", f.init->complete() == *e.complete,
                     f.init->complete() ? "complete" : "incomplete"});
    }
  } else if (e.proxy_created || e.proxy_validated || e.proxy_readdressed || e.proxy_failed ||
             e.proxy_changed || e.complete) {
    out.push_back({"init", false, "the init did not produce a report (it failed)"});
  }
  if (e.metadata_status) {
    out.push_back({"status", f.metadata_status == e.metadata_status,
                   "got " + f.metadata_status.value_or("(no request)") +
                       (f.metadata_reason.empty() ? "" : " (" + f.metadata_reason + ")") +
                       ", expected " + *e.metadata_status});
  }
  if (NeedsCheck(e)) {
    if (!f.check) {
      out.push_back({"state", false, "no invariant check ran"});
      return out;
    }
    const CheckReport& c = *f.check;
    int64_t violations = 0;
    std::string first;
    for (const auto& v : c.violations) {
      const bool counted = e.violation_invariants.empty() ||
                           std::find(e.violation_invariants.begin(), e.violation_invariants.end(),
                                     v.invariant) != e.violation_invariants.end();
      if (!counted) continue;
      ++violations;
      if (first.empty()) first = "; first: " + v.invariant + " " + v.object + ": " + v.detail;
    }
    if (e.violations) {
      out.push_back(
          {"violations", e.violations->Holds(violations),
           "got " + std::to_string(violations) + ", expected " + e.violations->Describe() + first});
    }
    Count(out, "state.routers", e.routers, c.routers);
    Count(out, "state.proxy_edges", e.proxy_edges, c.proxy_edges);
    Count(out, "state.backend_edges", e.backend_edges, c.backend_edges);
    Count(out, "state.live_proxy_ips", e.live_proxy_ips,
          static_cast<int64_t>(c.live_proxy_ips.size()));
    Count(out, "state.networks", e.networks, f.networks);
  }
  return out;
}

bool StepReport::ok() const {
  for (const auto& v : verdicts) {
    if (!v.ok) return false;
  }
  return true;
}

json ScenarioReport::ToJson() const {
  json steps_json = json::array();
  for (const StepReport& s : steps) {
    steps_json.push_back({{"path", s.path},
                          {"op", s.op},
                          {"label", s.label},
                          {"concurrent", s.concurrent},
                          {"succeeded", s.succeeded},
                          {"failed", s.failed},
                          {"errors", s.errors},
                          {"requests", s.requests},
                          {"writes", s.writes},
                          {"wall_s", s.wall_s},
                          {"verdicts", VerdictsJson(s.verdicts, true)}});
  }
  return {
      {"name", name},
      {"file", file},
      {"seed", seed},
      {"backend", BackendKindName(backend)},
      {"passed", passed()},
      {"failures", failures},
      {"steps", steps_json},
      {"after_steps", CheckJson(after_steps, false)},
      {"after_steps_verdicts", VerdictsJson(after_steps_verdicts, true)},
      {"liveness", {{"rounds", liveness_rounds}, {"converged", converged}, {"repairs", repairs}}},
      {"final", CheckJson(final_check, false)},
      {"final_verdicts", VerdictsJson(final_verdicts, true)},
      {"final_routers", final_routers},
      {"final_networks", final_networks},
      {"requests", requests},
      {"wall_s", wall_s},
      {"virtual_s", virtual_s}};
}

json ScenarioReport::Normalized() const {
  json steps_json = json::array();
  for (const StepReport& s : steps) {
    json j = {{"path", s.path}, {"op", s.op}, {"verdicts", VerdictsJson(s.verdicts, false)}};
    if (!s.concurrent && !concurrent) {
      j["succeeded"] = s.succeeded;
      j["failed"] = s.failed;
      j["requests"] = s.requests;
    }
    steps_json.push_back(std::move(j));
  }
  json j = {{"name", name},
            {"seed", seed},
            {"passed", passed()},
            {"steps", steps_json},
            {"converged", converged},
            {"final", CheckJson(final_check, true)},
            {"final_verdicts", VerdictsJson(final_verdicts, false)},
            {"final_routers", final_routers},
            {"final_networks", final_networks}};
  if (!concurrent) j["after_steps"] = CheckJson(after_steps, true);
  return j;
}

}  // namespace nsxv::scenarios
