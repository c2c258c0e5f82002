#include "fake_nsxv/fault_plan.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>

#include <nlohmann/json.hpp>

namespace nsxv::fake {
namespace {

using json = nlohmann::json;

constexpr std::pair<FaultKind, std::string_view> kKindNames[] = {
    {FaultKind::kHttpError, "http_error"},
    {FaultKind::kLatency, "latency"},
    {FaultKind::kReset, "reset"},
    {FaultKind::kTimeout, "timeout"},
    {FaultKind::kTruncated, "truncated"},
    {FaultKind::kGarbage, "garbage"},
    {FaultKind::kResponseLost, "response_lost"},
    {FaultKind::kEdgePoweredOff, "edge_powered_off"},
    {FaultKind::kEdgeDeleted, "edge_deleted"},
    {FaultKind::kJobFailure, "job_failure"},
};

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31U);
}

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// Parsing helpers: each error names the rule and the field.
class RuleReader {
 public:
  RuleReader(const json& obj, std::string where) : obj_(obj), where_(std::move(where)) {}

  Status Error(std::string_view field, std::string_view what) const {
    return InvalidArgument(where_ + ": \"" + std::string(field) + "\" " + std::string(what));
  }

  Status CheckKeys(std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, value] : obj_.items()) {
      bool known = false;
      for (const std::string_view a : allowed) known = known || key == a;
      if (!known) return InvalidArgument(where_ + ": unknown field \"" + key + "\"");
    }
    return Status::Ok();
  }

  bool Has(std::string_view field) const { return obj_.contains(field); }

  Status String(std::string_view field, std::string* out) const {
    if (!Has(field)) return Status::Ok();
    const json& v = obj_.at(field);
    if (!v.is_string()) return Error(field, "must be a string");
    *out = v.get<std::string>();
    return Status::Ok();
  }

  Status Number(std::string_view field, double* out) const {
    if (!Has(field)) return Status::Ok();
    const json& v = obj_.at(field);
    if (!v.is_number()) return Error(field, "must be a number");
    *out = v.get<double>();
    if (!std::isfinite(*out)) return Error(field, "must be finite");
    return Status::Ok();
  }

  Status Integer(std::string_view field, int64_t* out, int64_t min, int64_t max) const {
    if (!Has(field)) return Status::Ok();
    const json& v = obj_.at(field);
    if (!v.is_number_integer()) return Error(field, "must be an integer");
    *out = v.get<int64_t>();
    if (*out < min || *out > max) {
      return Error(field, "must be in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    }
    return Status::Ok();
  }

  const json& obj() const { return obj_; }
  const std::string& where() const { return where_; }

 private:
  const json& obj_;
  std::string where_;
};

// Longest latency a rule may ask for, and the cap of a sampled one (a lognormal tail is
// unbounded): one day of virtual time, far beyond any client deadline, and small enough that a
// latency always fits a Duration.
constexpr double kMaxLatencyMs = 24.0 * 3600.0 * 1000.0;
constexpr double kMaxSigma = 10.0;

Status ParseLatency(const RuleReader& r, LatencySpec* out) {
  int shapes = 0;
  if (r.Has("fixed_ms")) {
    ++shapes;
    out->shape = LatencySpec::Shape::kFixed;
    NSXV_RETURN_IF_ERROR(r.Number("fixed_ms", &out->a_ms));
    if (out->a_ms < 0 || out->a_ms > kMaxLatencyMs) {
      return r.Error("fixed_ms", "must be in 0..86400000 (one day)");
    }
  }
  if (r.Has("uniform_ms")) {
    ++shapes;
    const json& v = r.obj().at("uniform_ms");
    if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number()) {
      return r.Error("uniform_ms", "must be [min, max]");
    }
    out->shape = LatencySpec::Shape::kUniform;
    out->a_ms = v[0].get<double>();
    out->b_ms = v[1].get<double>();
    if (out->a_ms < 0 || out->b_ms < out->a_ms || out->b_ms > kMaxLatencyMs) {
      return r.Error("uniform_ms", "needs 0 <= min <= max <= 86400000 (one day)");
    }
  }
  if (r.Has("lognormal")) {
    ++shapes;
    const json& v = r.obj().at("lognormal");
    if (!v.is_object()) return r.Error("lognormal", "must be {\"median_ms\": M, \"sigma\": S}");
    RuleReader lr(v, r.where() + ".lognormal");
    NSXV_RETURN_IF_ERROR(lr.CheckKeys({"median_ms", "sigma"}));
    if (!lr.Has("median_ms") || !lr.Has("sigma")) {
      return r.Error("lognormal", "needs median_ms and sigma");
    }
    out->shape = LatencySpec::Shape::kLognormal;
    NSXV_RETURN_IF_ERROR(lr.Number("median_ms", &out->a_ms));
    NSXV_RETURN_IF_ERROR(lr.Number("sigma", &out->b_ms));
    if (out->a_ms <= 0 || out->a_ms > kMaxLatencyMs || out->b_ms < 0 || out->b_ms > kMaxSigma) {
      return r.Error("lognormal", "needs 0 < median_ms <= 86400000 (one day), 0 <= sigma <= 10");
    }
  }
  if (shapes != 1) {
    return InvalidArgument(r.where() +
                           ": latency needs exactly one of fixed_ms, uniform_ms, lognormal");
  }
  return Status::Ok();
}

Status ParseFault(const json& v, const std::string& where, Fault* out) {
  if (!v.is_object()) return InvalidArgument(where + ": \"fault\" must be an object");
  RuleReader r(v, where + ".fault");
  std::string kind;
  if (!r.Has("kind")) return r.Error("kind", "is required");
  NSXV_RETURN_IF_ERROR(r.String("kind", &kind));
  bool found = false;
  for (const auto& [k, name] : kKindNames) {
    if (name == kind) {
      out->kind = k;
      found = true;
    }
  }
  if (!found) {
    std::string known;
    for (const auto& [k, name] : kKindNames)
      known += (known.empty() ? "" : ", ") + std::string(name);
    return InvalidArgument(where + ".fault: unknown fault kind \"" + kind + "\" (known: " + known +
                           ")");
  }
  switch (out->kind) {
    case FaultKind::kHttpError: {
      NSXV_RETURN_IF_ERROR(r.CheckKeys({"kind", "status", "errorCode", "details"}));
      if (!r.Has("status")) return r.Error("status", "is required for http_error");
      int64_t status = 0;
      int64_t code = 0;
      NSXV_RETURN_IF_ERROR(r.Integer("status", &status, 300, 599));
      NSXV_RETURN_IF_ERROR(r.Integer("errorCode", &code, 0, 1'000'000'000));
      out->status = static_cast<int>(status);
      out->error_code = static_cast<int>(code);
      out->details = "Injected fault";
      NSXV_RETURN_IF_ERROR(r.String("details", &out->details));
      return Status::Ok();
    }
    case FaultKind::kLatency:
      NSXV_RETURN_IF_ERROR(r.CheckKeys({"kind", "fixed_ms", "uniform_ms", "lognormal"}));
      return ParseLatency(r, &out->latency);
    default:
      return r.CheckKeys({"kind"});
  }
}

Status ParseRule(const json& v, size_t index, FaultRule* out) {
  std::string where = "rule " + std::to_string(index);
  if (!v.is_object()) return InvalidArgument(where + ": must be an object");
  RuleReader r(v, where);
  out->name = "rule-" + std::to_string(index);
  NSXV_RETURN_IF_ERROR(r.String("name", &out->name));
  where += " (" + out->name + ")";
  RuleReader named(v, where);
  NSXV_RETURN_IF_ERROR(named.CheckKeys(
      {"name", "method", "path", "edge", "skip", "times", "probability", "window", "fault"}));
  NSXV_RETURN_IF_ERROR(named.String("method", &out->method));
  static const std::set<std::string, std::less<>> kMethods = {"*",    "GET",    "PUT",
                                                              "POST", "DELETE", "PATCH"};
  if (!kMethods.contains(out->method)) {
    return named.Error("method", "must be one of *, GET, PUT, POST, DELETE, PATCH");
  }
  NSXV_RETURN_IF_ERROR(named.String("path", &out->path));
  if (out->path.empty() || out->path[0] != '/') {
    if (out->path != "**") return named.Error("path", "must start with '/' (or be \"**\")");
  }
  if (named.Has("edge")) {
    std::string edge;
    NSXV_RETURN_IF_ERROR(named.String("edge", &edge));
    out->edge = edge;
  }
  NSXV_RETURN_IF_ERROR(named.Integer("skip", &out->skip, 0, INT64_MAX / 2));
  if (named.Has("times")) {
    int64_t times = 0;
    NSXV_RETURN_IF_ERROR(named.Integer("times", &times, 0, INT64_MAX / 2));
    out->times = times;
  }
  if (named.Has("probability")) {
    double p = 0;
    NSXV_RETURN_IF_ERROR(named.Number("probability", &p));
    if (p < 0 || p > 1) return named.Error("probability", "must be in [0, 1]");
    out->probability = p;
  }
  if (named.Has("window")) {
    const json& w = v.at("window");
    if (!w.is_array() || w.size() != 2 || !w[0].is_number() || !w[1].is_number() ||
        w[0].get<double>() < 0 || w[1].get<double>() < w[0].get<double>()) {
      return named.Error("window", "must be [from_s, to_s] with 0 <= from <= to");
    }
    out->window_s = std::make_pair(w[0].get<double>(), w[1].get<double>());
  }
  if (!named.Has("fault")) return named.Error("fault", "is required");
  return ParseFault(v.at("fault"), where, &out->fault);
}

json LatencyToJson(const LatencySpec& l) {
  switch (l.shape) {
    case LatencySpec::Shape::kFixed:
      return {{"fixed_ms", l.a_ms}};
    case LatencySpec::Shape::kUniform:
      return {{"uniform_ms", {l.a_ms, l.b_ms}}};
    case LatencySpec::Shape::kLognormal:
      return {{"lognormal", {{"median_ms", l.a_ms}, {"sigma", l.b_ms}}}};
  }
  return json::object();
}

Duration SampleLatency(const LatencySpec& l, double u1, double u2) {
  double ms = l.a_ms;
  if (l.shape == LatencySpec::Shape::kUniform) {
    ms = l.a_ms + u1 * (l.b_ms - l.a_ms);
  } else if (l.shape == LatencySpec::Shape::kLognormal) {
    // Box-Muller from two decision uniforms; u1 is kept away from 0.
    const double z = std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(2.0 * std::numbers::pi * u2);
    ms = std::min(l.a_ms * std::exp(l.b_ms * z), kMaxLatencyMs);
  }
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::milli>(ms));
}

}  // namespace

std::string_view FaultKindName(FaultKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

bool PathGlobMatch(std::string_view pattern, std::string_view path) {
  if (pattern.empty()) return path.empty();
  if (pattern.starts_with("**")) {
    const std::string_view rest = pattern.substr(2);
    for (size_t i = 0; i <= path.size(); ++i) {
      if (PathGlobMatch(rest, path.substr(i))) return true;
    }
    return false;
  }
  if (pattern[0] == '*') {
    const std::string_view rest = pattern.substr(1);
    for (size_t i = 0; i <= path.size(); ++i) {
      if (PathGlobMatch(rest, path.substr(i))) return true;
      if (i < path.size() && path[i] == '/') break;
    }
    return false;
  }
  return !path.empty() && pattern[0] == path[0] && PathGlobMatch(pattern.substr(1), path.substr(1));
}

double DecisionUniform(uint64_t seed, size_t rule_index, std::string_view key, int64_t occurrence,
                       uint64_t stream) {
  uint64_t h = SplitMix64(seed);
  h = SplitMix64(h ^ static_cast<uint64_t>(rule_index));
  h = SplitMix64(h ^ Fnv1a(key));
  h = SplitMix64(h ^ static_cast<uint64_t>(occurrence));
  h = SplitMix64(h ^ stream);
  return static_cast<double>(h >> 11U) * 0x1.0p-53;
}

Result<std::shared_ptr<const FaultPlan>> FaultPlan::FromJson(const json& doc,
                                                             uint64_t default_seed) {
  const json* rules = &doc;
  uint64_t seed = default_seed;
  if (doc.is_object()) {
    for (const auto& [key, value] : doc.items()) {
      if (key != "seed" && key != "rules" && key != "stats") {
        return InvalidArgument("fault plan: unknown field \"" + key + "\" (expected seed, rules)");
      }
    }
    if (doc.contains("seed")) {
      if (!doc["seed"].is_number_unsigned()) {
        return InvalidArgument("fault plan: \"seed\" must be a non-negative integer");
      }
      seed = doc["seed"].get<uint64_t>();
    }
    if (!doc.contains("rules")) return InvalidArgument("fault plan: \"rules\" is required");
    rules = &doc["rules"];
  }
  if (!rules->is_array()) return InvalidArgument("fault plan: \"rules\" must be an array");
  std::vector<FaultRule> parsed(rules->size());
  std::set<std::string> names;
  for (size_t i = 0; i < rules->size(); ++i) {
    NSXV_RETURN_IF_ERROR(ParseRule((*rules)[i], i, &parsed[i]));
    if (!names.insert(parsed[i].name).second) {
      return InvalidArgument("rule " + std::to_string(i) + ": duplicate name \"" + parsed[i].name +
                             "\"");
    }
  }
  return std::shared_ptr<const FaultPlan>(std::make_shared<FaultPlan>(std::move(parsed), seed));
}

Result<std::shared_ptr<const FaultPlan>> FaultPlan::FromJsonText(std::string_view text,
                                                                 uint64_t default_seed) {
  json doc;
  try {
    doc = json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    // Turn the byte offset into a line and column for the one-line message.
    size_t line = 1;
    size_t column = 0;
    for (size_t i = 0; i < e.byte && i < text.size() + 1; ++i) {
      if (i > 0 && text[i - 1] == '\n') {
        ++line;
        column = 0;
      }
      ++column;
    }
    return InvalidArgument("fault plan: JSON syntax error at line " + std::to_string(line) +
                           ", column " + std::to_string(column));
  } catch (const json::out_of_range& e) {
    // A number beyond a double ("1e452"): "[json.exception.out_of_range.406] number overflow
    // parsing '1e452'", without a position.
    std::string reason = e.what();
    const size_t bracket = reason.find("] ");
    if (bracket != std::string::npos) reason = reason.substr(bracket + 2);
    return InvalidArgument("fault plan: " + reason);
  }
  return FromJson(doc, default_seed);
}

FaultPlan::FaultPlan(std::vector<FaultRule> rules, uint64_t seed)
    : rules_(std::move(rules)), seed_(seed) {
  MutexLock lock(&mu_);
  stats_.reserve(rules_.size());
  for (const FaultRule& r : rules_) stats_.push_back({r.name, 0, 0});
}

FaultDecision FaultPlan::Decide(std::string_view method, std::string_view path,
                                const std::optional<std::string>& edge_id,
                                Duration elapsed_virtual) const {
  FaultDecision decision;
  std::string key(method);
  key += ' ';
  key += path;
  const double elapsed_s = std::chrono::duration<double>(elapsed_virtual).count();
  for (size_t i = 0; i < rules_.size(); ++i) {
    const FaultRule& rule = rules_[i];
    if (rule.method != "*" && rule.method != method) continue;
    if (!PathGlobMatch(rule.path, path)) continue;
    if (rule.edge && (!edge_id || *edge_id != *rule.edge)) continue;
    int64_t occurrence = 0;
    {
      MutexLock lock(&mu_);
      occurrence = occurrences_[{i, key}]++;
      ++stats_[i].matched;
    }
    if (occurrence < rule.skip) continue;
    if (rule.times && occurrence - rule.skip >= *rule.times) continue;
    if (rule.probability && DecisionUniform(seed_, i, key, occurrence, 0) >= *rule.probability) {
      continue;
    }
    if (rule.window_s && (elapsed_s < rule.window_s->first || elapsed_s >= rule.window_s->second)) {
      continue;
    }
    {
      MutexLock lock(&mu_);
      ++stats_[i].fired;
    }
    decision.fired.push_back(rule.name);
    if (rule.fault.kind == FaultKind::kLatency) {
      decision.latency +=
          SampleLatency(rule.fault.latency, DecisionUniform(seed_, i, key, occurrence, 1),
                        DecisionUniform(seed_, i, key, occurrence, 2));
    } else if (!decision.fault) {
      decision.fault = rule.fault;
    }
  }
  return decision;
}

std::vector<RuleStats> FaultPlan::Stats() const {
  MutexLock lock(&mu_);
  return stats_;
}

std::vector<std::string> FaultPlan::UnmatchedRules() const {
  std::vector<std::string> out;
  for (const RuleStats& s : Stats()) {
    if (s.matched == 0) out.push_back(s.name);
  }
  return out;
}

json FaultPlan::ToJson() const {
  json rules = json::array();
  for (const FaultRule& r : rules_) {
    json j = {{"name", r.name}, {"method", r.method}, {"path", r.path}};
    if (r.edge) j["edge"] = *r.edge;
    if (r.skip != 0) j["skip"] = r.skip;
    if (r.times) j["times"] = *r.times;
    if (r.probability) j["probability"] = *r.probability;
    if (r.window_s) j["window"] = {r.window_s->first, r.window_s->second};
    json f = {{"kind", FaultKindName(r.fault.kind)}};
    if (r.fault.kind == FaultKind::kHttpError) {
      f["status"] = r.fault.status;
      if (r.fault.error_code != 0) f["errorCode"] = r.fault.error_code;
      f["details"] = r.fault.details;
    } else if (r.fault.kind == FaultKind::kLatency) {
      f.update(LatencyToJson(r.fault.latency));
    }
    j["fault"] = std::move(f);
    rules.push_back(std::move(j));
  }
  json stats = json::array();
  for (const RuleStats& s : Stats()) {
    stats.push_back({{"name", s.name}, {"matched", s.matched}, {"fired", s.fired}});
  }
  return {{"seed", seed_}, {"rules", std::move(rules)}, {"stats", std::move(stats)}};
}

}  // namespace nsxv::fake
