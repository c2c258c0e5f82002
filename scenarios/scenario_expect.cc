// Expectations of a scenario: parsing (with the scope rules of ExpectScope) and the way back to
// JSON. References (faults_fired rule names) are checked by the caller, which knows the plan in
// force.
#include <limits>

#include "scenarios/scenario_parser_internal.h"

namespace nsxv::scenarios::internal {
namespace {

constexpr int64_t kMaxCount = std::numeric_limits<int64_t>::max();
constexpr std::string_view kBoundType = "an integer or {\"min\": N, \"max\": M}";

const std::vector<std::string_view> kInvariants = {"routers",   "orphans",      "proxy",
                                                   "router-md", "half-created", "metadata-path"};

// A CountBound from 3 (exactly) or {"min": 1, "max": 4} (either or both, min <= max), counts
// being >= 0.
Status ParseBound(const JsonNode& n, CountBound* out) {
  const json& v = n.value();
  CountBound b;
  if (v.is_number_integer()) {
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(kMaxCount)) {
      return n.Error("count out of range: " + v.dump());
    }
    if (v.get<int64_t>() < 0) return n.Error("must be >= 0, got " + v.dump());
    b.min = b.max = v.get<int64_t>();
  } else if (v.is_object()) {
    NSXV_RETURN_IF_ERROR(n.CheckObject({"min", "max"}, "a count bound"));
    if (!n.Has("min") && !n.Has("max")) return n.Error("a count bound needs \"min\" or \"max\"");
    int64_t x = 0;
    if (n.Has("min")) {
      NSXV_RETURN_IF_ERROR(n.Int("min", 0, kMaxCount, &x));
      b.min = x;
    }
    if (n.Has("max")) {
      NSXV_RETURN_IF_ERROR(n.Int("max", 0, kMaxCount, &x));
      b.max = x;
    }
    if (b.min && b.max && *b.min > *b.max) {
      return n.Error("min " + std::to_string(*b.min) + " > max " + std::to_string(*b.max));
    }
  } else {
    return n.TypeError(kBoundType);
  }
  *out = b;
  return Status::Ok();
}

Status OptionalBound(const JsonNode& parent, std::string_view key, std::optional<CountBound>* out) {
  if (!parent.Has(key)) return Status::Ok();
  CountBound b;
  NSXV_RETURN_IF_ERROR(ParseBound(parent.Child(key), &b));
  *out = b;
  return Status::Ok();
}

Status OptionalBool(const JsonNode& parent, std::string_view key, std::optional<bool>* out) {
  if (!parent.Has(key)) return Status::Ok();
  bool b = false;
  NSXV_RETURN_IF_ERROR(parent.Bool(key, &b));
  *out = b;
  return Status::Ok();
}

Status ParseRequests(const JsonNode& n, std::vector<RequestExpectation>* out) {
  if (!n.value().is_array()) return n.TypeError("an array of {method, path, count}");
  for (size_t i = 0; i < n.value().size(); ++i) {
    const JsonNode item = n.Item(i);
    NSXV_RETURN_IF_ERROR(item.CheckObject({"method", "path", "count"}, "a request expectation"));
    RequestExpectation r;
    NSXV_RETURN_IF_ERROR(item.String("method", &r.method));
    static const std::set<std::string, std::less<>> kMethods = {"GET",    "PUT", "POST",
                                                                "DELETE", "*",   "WRITE"};
    if (!kMethods.contains(r.method)) {
      return item.Child("method").Error("'" + r.method +
                                        "' is not one of GET, PUT, POST, DELETE, *, WRITE");
    }
    NSXV_RETURN_IF_ERROR(item.String("path", &r.path));
    if (r.path != "**" && !r.path.starts_with('/')) {
      return item.Child("path").Error("must start with '/' (or be \"**\")");
    }
    NSXV_RETURN_IF_ERROR(item.Require("count"));
    NSXV_RETURN_IF_ERROR(ParseBound(item.Child("count"), &r.count));
    out->push_back(std::move(r));
  }
  return Status::Ok();
}

Status ParseInit(const JsonNode& n, Expectation* out) {
  NSXV_RETURN_IF_ERROR(n.CheckObject(
      {"created", "validated", "readdressed", "failed", "changed", "complete"}, "init results"));
  NSXV_RETURN_IF_ERROR(OptionalBound(n, "created", &out->proxy_created));
  NSXV_RETURN_IF_ERROR(OptionalBound(n, "validated", &out->proxy_validated));
  NSXV_RETURN_IF_ERROR(OptionalBound(n, "readdressed", &out->proxy_readdressed));
  NSXV_RETURN_IF_ERROR(OptionalBound(n, "failed", &out->proxy_failed));
  NSXV_RETURN_IF_ERROR(OptionalBound(n, "changed", &out->proxy_changed));
  return OptionalBool(n, "complete", &out->complete);
}

Status ParseState(const JsonNode& n, Expectation* out) {
  NSXV_RETURN_IF_ERROR(n.CheckObject(
      {"routers", "proxy_edges", "backend_edges", "live_proxy_ips", "networks"}, "state counts"));
  NSXV_RETURN_IF_ERROR(OptionalBound(n, "routers", &out->routers));
  NSXV_RETURN_IF_ERROR(OptionalBound(n, "proxy_edges", &out->proxy_edges));
  NSXV_RETURN_IF_ERROR(OptionalBound(n, "backend_edges", &out->backend_edges));
  NSXV_RETURN_IF_ERROR(OptionalBound(n, "live_proxy_ips", &out->live_proxy_ips));
  return OptionalBound(n, "networks", &out->networks);
}

void PutBound(json& j, std::string_view key, const std::optional<CountBound>& b) {
  if (b) j[std::string(key)] = CountBoundToJson(*b);
}

}  // namespace

Status ParseExpectation(const JsonNode& n, ExpectScope scope, Expectation* out) {
  NSXV_RETURN_IF_ERROR(n.CheckObject(
      {"ok", "succeeded", "failed", "writes", "error_contains", "requests", "faults_fired", "init",
       "violations", "violation_invariants", "state", "status"},
      "an expectation"));
  Expectation e;
  NSXV_RETURN_IF_ERROR(OptionalBool(n, "ok", &e.ok));
  NSXV_RETURN_IF_ERROR(OptionalBound(n, "succeeded", &e.succeeded));
  NSXV_RETURN_IF_ERROR(OptionalBound(n, "failed", &e.failed));
  NSXV_RETURN_IF_ERROR(OptionalBound(n, "writes", &e.writes));
  if (n.Has("error_contains")) {
    std::string s;
    NSXV_RETURN_IF_ERROR(n.String("error_contains", &s));
    if (s.empty()) return n.Child("error_contains").Error("must not be empty");
    e.error_contains = s;
  }
  if (n.Has("requests")) NSXV_RETURN_IF_ERROR(ParseRequests(n.Child("requests"), &e.requests));
  if (n.Has("faults_fired")) {
    const JsonNode f = n.Child("faults_fired");
    if (!f.value().is_object()) return f.TypeError("an object of rule name -> count");
    for (const auto& [rule, v] : f.value().items()) {
      NSXV_RETURN_IF_ERROR(ParseBound(f.Child(rule), &e.faults_fired[rule]));
    }
  }
  if (n.Has("init")) {
    if (!scope.init) return n.KeyError("init", "init results are reported by init steps only");
    NSXV_RETURN_IF_ERROR(ParseInit(n.Child("init"), &e));
  }
  if (n.Has("violations") || n.Has("violation_invariants")) {
    const std::string_view key = n.Has("violations") ? "violations" : "violation_invariants";
    if (!scope.violations) {
      return n.KeyError(key,
                        "violations are reported by check steps and the scenario-level "
                        "expect / expect_final only");
    }
    NSXV_RETURN_IF_ERROR(OptionalBound(n, "violations", &e.violations));
    NSXV_RETURN_IF_ERROR(n.StringArray("violation_invariants", &e.violation_invariants));
    for (size_t i = 0; i < e.violation_invariants.size(); ++i) {
      const std::string& name = e.violation_invariants[i];
      bool known = false;
      for (const std::string_view k : kInvariants) known = known || name == k;
      if (!known) {
        return n.Child("violation_invariants")
            .Item(i)
            .Error("unknown invariant '" + name +
                   "' (invariants: routers, orphans, proxy, router-md, half-created, "
                   "metadata-path)");
      }
    }
  }
  if (n.Has("state")) NSXV_RETURN_IF_ERROR(ParseState(n.Child("state"), &e));
  if (n.Has("status")) {
    const JsonNode st = n.Child("status");
    if (!scope.metadata) {
      return n.KeyError("status", "a metadata status is reported by metadata_request steps only");
    }
    std::string v;
    if (st.value().is_number_integer()) v = std::to_string(st.value().get<int64_t>());
    if (st.value().is_string()) v = st.value().get<std::string>();
    if (v != "200" && v != "400" && v != "403" && v != "unreachable") {
      return st.Error("expected 200, 400, 403 or \"unreachable\", got " + st.value().dump());
    }
    e.metadata_status = v;
  }
  *out = std::move(e);
  return Status::Ok();
}

json CountBoundToJson(const CountBound& b) {
  if (b.min && b.max && *b.min == *b.max) return *b.min;
  if (!b.min && !b.max) return {{"min", 0}};  // no bound: any count (the parser needs a key)
  json j = json::object();
  if (b.min) j["min"] = *b.min;
  if (b.max) j["max"] = *b.max;
  return j;
}

json ExpectationToJson(const Expectation& e) {
  json j = json::object();
  if (e.ok) j["ok"] = *e.ok;
  PutBound(j, "succeeded", e.succeeded);
  PutBound(j, "failed", e.failed);
  PutBound(j, "writes", e.writes);
  if (e.error_contains) j["error_contains"] = *e.error_contains;
  if (!e.requests.empty()) {
    json r = json::array();
    for (const RequestExpectation& x : e.requests) {
      r.push_back({{"method", x.method}, {"path", x.path}, {"count", CountBoundToJson(x.count)}});
    }
    j["requests"] = std::move(r);
  }
  if (!e.faults_fired.empty()) {
    json f = json::object();
    for (const auto& [rule, b] : e.faults_fired) f[rule] = CountBoundToJson(b);
    j["faults_fired"] = std::move(f);
  }
  json init = json::object();
  PutBound(init, "created", e.proxy_created);
  PutBound(init, "validated", e.proxy_validated);
  PutBound(init, "readdressed", e.proxy_readdressed);
  PutBound(init, "failed", e.proxy_failed);
  PutBound(init, "changed", e.proxy_changed);
  if (e.complete) init["complete"] = *e.complete;
  if (!init.empty()) j["init"] = std::move(init);
  if (e.metadata_status) {
    if (*e.metadata_status == "unreachable") {
      j["status"] = *e.metadata_status;
    } else {
      j["status"] = std::stoi(*e.metadata_status);
    }
  }
  PutBound(j, "violations", e.violations);
  if (!e.violation_invariants.empty()) j["violation_invariants"] = e.violation_invariants;
  json state = json::object();
  PutBound(state, "routers", e.routers);
  PutBound(state, "proxy_edges", e.proxy_edges);
  PutBound(state, "backend_edges", e.backend_edges);
  PutBound(state, "live_proxy_ips", e.live_proxy_ips);
  PutBound(state, "networks", e.networks);
  if (!state.empty()) j["state"] = std::move(state);
  return j;
}

}  // namespace nsxv::scenarios::internal
