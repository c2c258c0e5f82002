// Internals of the scenario parser (scenario_parser.cc, scenario_reader.cc,
// scenario_expect.cc, scenario_to_json.cc); not part of the scenario API.
//
// JsonNode is a value of the document together with its file and JSON path, so every check can
// fail with the one-line message "<file>: <path>: <reason>" ($.steps[2].count). Its typed reads
// take an optional key of an object: an absent key leaves the output untouched and is OK; a
// present one of the wrong type or out of range is an error naming the key's own path.
//
// Plain values; the node refers to the document and the file name, which must outlive it.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "driver/common/status.h"
#include "scenarios/scenario.h"

namespace nsxv::scenarios::internal {

using json = nlohmann::json;

class JsonNode {
 public:
  JsonNode(const json& value, std::string path, const std::string& file)
      : value_(&value), path_(std::move(path)), file_(&file) {}

  const json& value() const { return *value_; }
  const std::string& path() const { return path_; }
  const std::string& file() const { return *file_; }

  // REQUIRES: value() is an object holding `key` / an array longer than `index`.
  JsonNode Child(std::string_view key) const;
  JsonNode Item(size_t index) const;
  bool Has(std::string_view key) const;

  // "<file>: <path>: <reason>".
  Status Error(std::string_view reason) const;
  // "<file>: <path>: expected <expected>, got <type of the value>".
  Status TypeError(std::string_view expected) const;
  // "<file>: <path>.<key>: <reason>" (the key need not be present).
  Status KeyError(std::string_view key, std::string_view reason) const;

  // The value must be an object whose keys are all in `allowed`; `what` names the object in
  // the message ("a step of op create_routers"). Unknown keys are errors at their own path,
  // with the closest allowed key as a suggestion.
  Status CheckObject(const std::vector<std::string_view>& allowed, std::string_view what) const;
  Status Require(std::string_view key) const;  // "<path>.<key>: required key is missing"

  Status Int(std::string_view key, int64_t min, int64_t max, int64_t* out) const;
  Status Int(std::string_view key, int min, int max, int* out) const;
  Status Unsigned(std::string_view key, uint64_t* out) const;
  // A finite number > 0.
  Status Positive(std::string_view key, double* out) const;
  Status Bool(std::string_view key, bool* out) const;
  Status String(std::string_view key, std::string* out) const;
  // A string matching [a-z0-9-]+.
  Status Name(std::string_view key, std::string* out) const;
  Status StringArray(std::string_view key, std::vector<std::string>* out) const;

 private:
  const json* value_;
  std::string path_;
  const std::string* file_;
};

// "$.a" + "b" -> "$.a.b"; keys that are not [A-Za-z0-9_]+ are written ["k-1"].
std::string JoinPath(const std::string& path, std::string_view key);
// "null", "boolean", "integer", "number", "string", "array", "object".
std::string_view TypeName(const json& value);
bool IsName(std::string_view s);  // [a-z0-9-]+

// [nsxv] options: an object of option -> string, number, bool or array of strings, each option
// known (config::FindOption) and its value valid (config::CheckValue). Values are stored as text.
Status ParseNsxv(const JsonNode& node, std::map<std::string, std::string>* out);

// A fault plan document (fake::FaultPlan::FromJson with `seed`); `client_side` also refuses the
// kinds that change the backend. On success `*text` is the compact document and `*rules` the
// rule names.
Status ParsePlan(const JsonNode& node, uint64_t seed, bool client_side, std::string* text,
                 std::set<std::string>* rules);

// Where an expectation sits decides which keys it may use.
struct ExpectScope {
  bool init = false;        // init results: init steps only
  bool violations = false;  // check steps and the scenario-level expectations
  bool metadata = false;    // "status": metadata_request steps only
};
Status ParseExpectation(const JsonNode& node, ExpectScope scope, Expectation* out);

// What a step may refer to while it is parsed (references to routers, networks, proxy IPs and
// fault rules are checked afterwards, in document order, by scenario_parser.cc).
struct StepContext {
  std::vector<std::string> nodes;  // declared node names; the first is the default
  uint64_t seed = 1;               // default seed of fault plans
};
// One step object; `nested` inside a parallel block (where parallel is refused). Fills
// json_path from the node's path.
Status ParseStep(const JsonNode& node, const StepContext& context, bool nested, Step* out);
// Op name -> StepOp; false when unknown.
bool FindStepOp(std::string_view name, StepOp* op);

json CountBoundToJson(const CountBound& bound);
json ExpectationToJson(const Expectation& e);

}  // namespace nsxv::scenarios::internal
