// JsonNode (typed reads with one-line errors), [nsxv] option maps and fault plans of a scenario.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "driver/config/config.h"
#include "fake_nsxv/fault_plan.h"
#include "scenarios/scenario_parser_internal.h"

namespace nsxv::scenarios::internal {
namespace {

std::string Join(const std::vector<std::string_view>& items) {
  std::string out;
  for (const std::string_view item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

}  // namespace

std::string JoinPath(const std::string& path, std::string_view key) {
  bool plain = !key.empty();
  for (const char c : key) {
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_');
  }
  if (plain) return path + "." + std::string(key);
  return path + "[" + json(std::string(key)).dump() + "]";
}

std::string_view TypeName(const json& value) {
  if (value.is_number_integer()) return "integer";
  if (value.is_number()) return "number";
  if (value.is_boolean()) return "boolean";
  return value.type_name();  // null, string, array, object
}

bool IsName(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

JsonNode JsonNode::Child(std::string_view key) const {
  return {value_->at(std::string(key)), JoinPath(path_, key), *file_};
}

JsonNode JsonNode::Item(size_t index) const {
  return {value_->at(index), path_ + "[" + std::to_string(index) + "]", *file_};
}

bool JsonNode::Has(std::string_view key) const {
  return value_->is_object() && value_->contains(key);
}

Status JsonNode::Error(std::string_view reason) const {
  return InvalidArgument(*file_ + ": " + path_ + ": " + std::string(reason));
}

Status JsonNode::TypeError(std::string_view expected) const {
  return Error("expected " + std::string(expected) + ", got " + std::string(TypeName(*value_)));
}

Status JsonNode::KeyError(std::string_view key, std::string_view reason) const {
  return InvalidArgument(*file_ + ": " + JoinPath(path_, key) + ": " + std::string(reason));
}

Status JsonNode::CheckObject(const std::vector<std::string_view>& allowed,
                             std::string_view what) const {
  if (!value_->is_object()) return TypeError("an object");
  for (const auto& [key, v] : value_->items()) {
    bool known = false;
    for (const std::string_view a : allowed) known = known || key == a;
    if (known) continue;
    std::string reason = "unknown key in " + std::string(what);
    std::string_view best;
    size_t best_distance = 0;
    for (const std::string_view a : allowed) {
      const size_t d = config::EditDistance(key, a);
      if (best.empty() || d < best_distance) {
        best = a;
        best_distance = d;
      }
    }
    if (!best.empty() && best_distance <= std::max<size_t>(2, key.size() / 3)) {
      reason += " (did you mean '" + std::string(best) + "'?)";
    } else {
      reason += " (keys: " + Join(allowed) + ")";
    }
    return KeyError(key, reason);
  }
  return Status::Ok();
}

Status JsonNode::Require(std::string_view key) const {
  if (Has(key)) return Status::Ok();
  return KeyError(key, "required key is missing");
}

Status JsonNode::Int(std::string_view key, int64_t min, int64_t max, int64_t* out) const {
  if (!Has(key)) return Status::Ok();
  const JsonNode n = Child(key);
  if (!n.value().is_number_integer()) return n.TypeError("an integer");
  const bool too_big =
      n.value().is_number_unsigned() &&
      n.value().get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  const int64_t v = too_big ? std::numeric_limits<int64_t>::max() : n.value().get<int64_t>();
  if (too_big || v < min || v > max) {
    const std::string range = max == std::numeric_limits<int64_t>::max()
                                  ? ">= " + std::to_string(min)
                                  : "in " + std::to_string(min) + ".." + std::to_string(max);
    return n.Error("must be " + range + ", got " + n.value().dump());
  }
  *out = v;
  return Status::Ok();
}

Status JsonNode::Int(std::string_view key, int min, int max, int* out) const {
  int64_t v = *out;
  NSXV_RETURN_IF_ERROR(Int(key, int64_t{min}, int64_t{max}, &v));
  *out = static_cast<int>(v);
  return Status::Ok();
}

Status JsonNode::Unsigned(std::string_view key, uint64_t* out) const {
  if (!Has(key)) return Status::Ok();
  const JsonNode n = Child(key);
  if (!n.value().is_number_integer()) return n.TypeError("a non-negative integer");
  if (!n.value().is_number_unsigned()) return n.Error("must be >= 0, got " + n.value().dump());
  *out = n.value().get<uint64_t>();
  return Status::Ok();
}

Status JsonNode::Positive(std::string_view key, double* out) const {
  if (!Has(key)) return Status::Ok();
  const JsonNode n = Child(key);
  if (!n.value().is_number()) return n.TypeError("a number");
  const double v = n.value().get<double>();
  if (!std::isfinite(v) || v <= 0) return n.Error("must be > 0, got " + n.value().dump());
  *out = v;
  return Status::Ok();
}

Status JsonNode::Bool(std::string_view key, bool* out) const {
  if (!Has(key)) return Status::Ok();
  const JsonNode n = Child(key);
  if (!n.value().is_boolean()) return n.TypeError("a boolean");
  *out = n.value().get<bool>();
  return Status::Ok();
}

Status JsonNode::String(std::string_view key, std::string* out) const {
  if (!Has(key)) return Status::Ok();
  const JsonNode n = Child(key);
  if (!n.value().is_string()) return n.TypeError("a string");
  *out = n.value().get<std::string>();
  return Status::Ok();
}

Status JsonNode::Name(std::string_view key, std::string* out) const {
  std::string v = *out;
  NSXV_RETURN_IF_ERROR(String(key, &v));
  if (Has(key) && !IsName(v)) {
    return Child(key).Error("'" + v + "' is not a name: use lower-case letters, digits and '-'");
  }
  *out = std::move(v);
  return Status::Ok();
}

Status JsonNode::StringArray(std::string_view key, std::vector<std::string>* out) const {
  if (!Has(key)) return Status::Ok();
  const JsonNode n = Child(key);
  if (!n.value().is_array()) return n.TypeError("an array of strings");
  std::vector<std::string> v;
  for (size_t i = 0; i < n.value().size(); ++i) {
    const JsonNode item = n.Item(i);
    if (!item.value().is_string()) return item.TypeError("a string");
    v.push_back(item.value().get<std::string>());
  }
  *out = std::move(v);
  return Status::Ok();
}

Status ParseNsxv(const JsonNode& node, std::map<std::string, std::string>* out) {
  if (!node.value().is_object()) return node.TypeError("an object of [nsxv] options");
  for (const auto& [key, v] : node.value().items()) {
    const JsonNode n = node.Child(key);
    const config::OptionInfo* option = config::FindOption("nsxv", key);
    if (option == nullptr) {
      std::string reason = "unknown [nsxv] option";
      if (auto closest = config::ClosestOption("nsxv", key)) {
        reason += " (did you mean '" + *closest + "'?)";
      }
      return n.Error(reason);
    }
    std::string text;
    if (v.is_string()) {
      text = v.get<std::string>();
    } else if (v.is_boolean()) {
      text = v.get<bool>() ? "true" : "false";
    } else if (v.is_number()) {
      text = v.dump();
    } else if (v.is_array()) {
      for (size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string()) return n.Item(i).TypeError("a string");
        text += (i == 0 ? "" : ",") + v[i].get<std::string>();
      }
    } else {
      return n.TypeError("a string, number, boolean or array of strings");
    }
    // CheckValue never repeats the value, so secrets stay out of the message.
    NSXV_RETURN_IF_ERROR(config::CheckValue(*option, text, node.file() + ": " + n.path()));
    (*out)[key] = std::move(text);
  }
  return Status::Ok();
}

Status ParsePlan(const JsonNode& node, uint64_t seed, bool client_side, std::string* text,
                 std::set<std::string>* rules) {
  if (!node.value().is_object() && !node.value().is_array()) {
    return node.TypeError("a fault plan ({\"rules\": [...]} or an array of rules)");
  }
  auto plan = fake::FaultPlan::FromJson(node.value(), seed);
  if (!plan.ok()) return node.Error(plan.error().message());
  for (const fake::FaultRule& rule : (*plan)->rules()) {
    if (!client_side) continue;
    switch (rule.fault.kind) {
      case fake::FaultKind::kEdgePoweredOff:
      case fake::FaultKind::kEdgeDeleted:
      case fake::FaultKind::kJobFailure:
        // The same refusal as FaultTransport::Create, before anything runs.
        return node.Error("rule " + rule.name + ": fault kind \"" +
                          std::string(fake::FaultKindName(rule.fault.kind)) +
                          "\" changes the backend and cannot be applied on the client side");
      default:
        break;
    }
  }
  rules->clear();
  for (const fake::FaultRule& rule : (*plan)->rules()) rules->insert(rule.name);
  *text = node.value().dump();
  return Status::Ok();
}

}  // namespace nsxv::scenarios::internal
