// FaultPlan: faults as data. A plan is a list of rules; each rule matches requests (method, path
// glob, optional edge id) and fires by a trigger (skip N then M times, a probability, a window of
// virtual time, or a combination: all given conditions must hold). What fires is a Fault: an HTTP
// error with an NSX errorCode, latency, a broken delivery (reset, no reply, truncated or garbage
// body, response lost after the change was applied), or a change of backend state (edge powered
// off, edge deleted, job failure).
//
// Determinism: every decision is a pure function of (seed, rule index, request key, occurrence),
// where the request key is "METHOD path" and the occurrence counts earlier requests with the same
// key that matched the same rule. Requests with different keys never influence each other, so the
// same seed gives the same faults per key whatever the thread interleaving.
//
// Thread-safe: Decide() may be called concurrently (occurrence counters are under a lock). A plan
// is immutable apart from its counters; replace it rather than edit it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "driver/common/clock.h"
#include "driver/common/mutex.h"
#include "driver/common/status.h"

namespace nsxv::fake {

enum class FaultKind {
  kHttpError,
  kLatency,
  kReset,
  kTimeout,
  kTruncated,
  kGarbage,
  kResponseLost,
  kEdgePoweredOff,
  kEdgeDeleted,
  kJobFailure,
};

std::string_view FaultKindName(FaultKind kind);

struct LatencySpec {
  enum class Shape { kFixed, kUniform, kLognormal } shape = Shape::kFixed;
  double a_ms = 0;  // fixed: value; uniform: min; lognormal: median
  double b_ms = 0;  // uniform: max; lognormal: sigma (dimensionless)
};

struct Fault {
  FaultKind kind = FaultKind::kHttpError;
  int status = 500;     // kHttpError
  int error_code = 0;   // kHttpError: NSX errorCode, 0 for none
  std::string details;  // kHttpError
  LatencySpec latency;  // kLatency
};

struct FaultRule {
  std::string name;          // defaults to "rule-<index>"
  std::string method = "*";  // "*" or an HTTP method
  std::string path = "**";   // glob: '*' within a segment, '**' across segments
  std::optional<std::string> edge;
  int64_t skip = 0;
  std::optional<int64_t> times;                       // fire on occurrences [skip, skip + times)
  std::optional<double> probability;                  // in [0, 1]
  std::optional<std::pair<double, double>> window_s;  // virtual seconds since the plan was set
  Fault fault;
};

// What fired for one request.
struct FaultDecision {
  Duration latency{0};             // virtual; the sum of every latency rule that fired
  std::optional<Fault> fault;      // the first non-latency rule that fired
  std::vector<std::string> fired;  // names of every rule that fired, in rule order
};

struct RuleStats {
  std::string name;
  int64_t matched = 0;  // requests whose method/path/edge matched
  int64_t fired = 0;
};

class FaultPlan {
 public:
  // Parses a plan document: {"seed"?: N, "rules": [...]} or a bare array of rules. Unknown keys,
  // wrong types and bad values give InvalidArgument with a one-line message naming the rule and
  // field. `default_seed` is used when the document has no seed.
  static Result<std::shared_ptr<const FaultPlan>> FromJson(const nlohmann::json& doc,
                                                           uint64_t default_seed);
  // As FromJson, from text (JSON with // comments allowed); syntax errors name line and column.
  static Result<std::shared_ptr<const FaultPlan>> FromJsonText(std::string_view text,
                                                               uint64_t default_seed);

  FaultPlan(std::vector<FaultRule> rules, uint64_t seed);

  // `edge_id` is the edge the request addresses, if any; `elapsed_virtual` is the virtual time
  // since the plan was installed (for window triggers).
  FaultDecision Decide(std::string_view method, std::string_view path,
                       const std::optional<std::string>& edge_id, Duration elapsed_virtual) const
      EXCLUDES(mu_);

  uint64_t seed() const { return seed_; }
  const std::vector<FaultRule>& rules() const { return rules_; }
  std::vector<RuleStats> Stats() const EXCLUDES(mu_);
  // Names of rules that have matched no request so far.
  std::vector<std::string> UnmatchedRules() const EXCLUDES(mu_);
  // The plan as a document FromJson accepts, plus "stats".
  nlohmann::json ToJson() const;

 private:
  const std::vector<FaultRule> rules_;
  const uint64_t seed_;
  mutable Mutex mu_;
  // (rule index, request key) -> requests seen.
  mutable std::map<std::pair<size_t, std::string>, int64_t> occurrences_ GUARDED_BY(mu_);
  mutable std::vector<RuleStats> stats_ GUARDED_BY(mu_);
};

// Glob match used by rules: '*' matches within one path segment, '**' across segments.
bool PathGlobMatch(std::string_view pattern, std::string_view path);

// Deterministic uniform double in [0, 1) from the decision inputs.
double DecisionUniform(uint64_t seed, size_t rule_index, std::string_view key, int64_t occurrence,
                       uint64_t stream);

}  // namespace nsxv::fake
