#include "driver/nsxv/json_codec.h"

#include <charconv>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

namespace nsxv::driver {

using nlohmann::json;

namespace {

std::string_view TypeOf(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a float";
    default:
      return "an unknown value";
  }
}

Status ProtocolError(std::string message) {
  return {StatusCode::kProtocolError, std::move(message)};
}

bool IsInt(const json& v) { return v.is_number_integer(); }

Result<int64_t> ToInt64(const json& v) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return ProtocolError("integer out of range");
    return static_cast<int64_t>(u);
  }
  return v.get<int64_t>();
}

// A string Python's json.dumps (ensure_ascii) writes unchanged between quotes: printable ASCII
// without '"' and '\\'. Anything else goes through nlohmann's escaper.
template <typename T>
void AppendInt(T n, std::string* out) {
  char buf[24];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof(buf), n);
  out->append(buf, r.ptr);
}

bool PlainAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

void DumpString(std::string_view s, std::string* out) {
  if (PlainAscii(s)) {
    *out += '"';
    *out += s;
    *out += '"';
    return;
  }
  *out += json(s).dump(-1, ' ', true, json::error_handler_t::replace);
}

void PyDumpsTo(const json& v, std::string* out) {
  switch (v.type()) {
    case json::value_t::object: {
      *out += '{';
      bool first = true;
      // std::map: sorted like sort_keys=True.
      for (const auto& [key, item] : v.get_ref<const json::object_t&>()) {
        if (!first) *out += ", ";
        first = false;
        DumpString(key, out);
        *out += ": ";
        PyDumpsTo(item, out);
      }
      *out += '}';
      return;
    }
    case json::value_t::array: {
      *out += '[';
      bool first = true;
      for (const json& item : v) {
        if (!first) *out += ", ";
        first = false;
        PyDumpsTo(item, out);
      }
      *out += ']';
      return;
    }
    case json::value_t::boolean:
      *out += v.get<bool>() ? "true" : "false";
      return;
    case json::value_t::null:
      *out += "null";
      return;
    case json::value_t::number_float: {
      const double d = v.get<double>();
      // Python writes NaN and infinities as bare words; integral floats keep ".0" (nlohmann
      // does the same for finite values).
      if (d != d) {
        *out += "NaN";
      } else if (d == std::numeric_limits<double>::infinity()) {
        *out += "Infinity";
      } else if (d == -std::numeric_limits<double>::infinity()) {
        *out += "-Infinity";
      } else {
        *out += v.dump();
      }
      return;
    }
    case json::value_t::string:
      // ensure_ascii like Python: \uXXXX for non-ASCII and DEL.
      DumpString(v.get_ref<const std::string&>(), out);
      return;
    case json::value_t::number_integer:
      AppendInt(v.get<int64_t>(), out);
      return;
    case json::value_t::number_unsigned:
      AppendInt(v.get<uint64_t>(), out);
      return;
    default:
      *out += v.dump(-1, ' ', true, json::error_handler_t::replace);
      return;
  }
}

}  // namespace

std::optional<int64_t> IntOrString::AsInt() const {
  int64_t n = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return n;
}

Result<json> ParseJsonBody(std::string_view body, std::string_view doc) {
  json v = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (v.is_discarded()) {
    return ProtocolError(std::string(doc) + ": response body is not JSON: \"" + Excerpt(body) +
                         "\"");
  }
  return v;
}

ObjectReader::ObjectReader(const json& value, std::string where)
    : value_(value), where_(std::move(where)) {
  if (!value_.is_object()) {
    status_ = ProtocolError(where_ + ": expected an object, got " + std::string(TypeOf(value_)));
  }
}

std::string ObjectReader::Path(std::string_view key) const {
  return where_ + "." + std::string(key);
}

Status ObjectReader::Error(std::string_view key, std::string_view what) const {
  return ProtocolError(where_ + ": field \"" + std::string(key) + "\" " + std::string(what));
}

const json* ObjectReader::Find(std::string_view key) {
  if (!status_.ok()) return nullptr;
  consumed_.emplace(key);
  const auto it = value_.find(key);
  if (it == value_.end() || it->is_null()) return nullptr;
  return &*it;
}

const json* ObjectReader::Raw(std::string_view key) { return Find(key); }

Status ObjectReader::String(std::string_view key, std::string* out) {
  std::optional<std::string> v;
  NSXV_TRY(OptString(key, &v));
  if (!v) return Error(key, "is missing");
  *out = std::move(*v);
  return Status::Ok();
}

Status ObjectReader::OptString(std::string_view key, std::optional<std::string>* out) {
  NSXV_TRY(status_);
  const json* v = Find(key);
  if (v == nullptr) {
    out->reset();
    return Status::Ok();
  }
  if (!v->is_string()) return Error(key, "must be a string, got " + std::string(TypeOf(*v)));
  *out = v->get<std::string>();
  return Status::Ok();
}

Status ObjectReader::Bool(std::string_view key, bool* out) {
  std::optional<bool> v;
  NSXV_TRY(OptBool(key, &v));
  if (!v) return Error(key, "is missing");
  *out = *v;
  return Status::Ok();
}

Status ObjectReader::OptBool(std::string_view key, std::optional<bool>* out) {
  NSXV_TRY(status_);
  const json* v = Find(key);
  if (v == nullptr) {
    out->reset();
    return Status::Ok();
  }
  if (!v->is_boolean()) return Error(key, "must be a boolean, got " + std::string(TypeOf(*v)));
  *out = v->get<bool>();
  return Status::Ok();
}

Status ObjectReader::Int(std::string_view key, int64_t* out) {
  std::optional<int64_t> v;
  NSXV_TRY(OptInt(key, &v));
  if (!v) return Error(key, "is missing");
  *out = *v;
  return Status::Ok();
}

Status ObjectReader::OptInt(std::string_view key, std::optional<int64_t>* out) {
  NSXV_TRY(status_);
  const json* v = Find(key);
  if (v == nullptr) {
    out->reset();
    return Status::Ok();
  }
  if (!IsInt(*v)) return Error(key, "must be an integer, got " + std::string(TypeOf(*v)));
  auto n = ToInt64(*v);
  if (!n.ok()) return Error(key, "is out of range");
  *out = *n;
  return Status::Ok();
}

Status ObjectReader::IntOrStr(std::string_view key, IntOrString* out) {
  std::optional<IntOrString> v;
  NSXV_TRY(OptIntOrStr(key, &v));
  if (!v) return Error(key, "is missing");
  *out = std::move(*v);
  return Status::Ok();
}

Status ObjectReader::OptIntOrStr(std::string_view key, std::optional<IntOrString>* out) {
  NSXV_TRY(status_);
  const json* v = Find(key);
  if (v == nullptr) {
    out->reset();
    return Status::Ok();
  }
  if (v->is_string()) {
    *out = IntOrString::String(v->get<std::string>());
    return Status::Ok();
  }
  if (!IsInt(*v)) {
    return Error(key, "must be an integer or a string, got " + std::string(TypeOf(*v)));
  }
  auto n = ToInt64(*v);
  if (!n.ok()) return Error(key, "is out of range");
  *out = IntOrString(*n);
  return Status::Ok();
}

Status ObjectReader::StringList(std::string_view key, bool required, std::vector<std::string>* out,
                                bool* present) {
  NSXV_TRY(status_);
  out->clear();
  const json* v = Find(key);
  if (present != nullptr) *present = v != nullptr;
  if (v == nullptr) return required ? Error(key, "is missing") : Status::Ok();
  if (!v->is_array()) return Error(key, "must be an array, got " + std::string(TypeOf(*v)));
  for (size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string()) {
      return Error(std::string(key) + "[" + std::to_string(i) + "]", "must be a string");
    }
    out->push_back((*v)[i].get<std::string>());
  }
  return Status::Ok();
}

Status ObjectReader::IntList(std::string_view key, bool required, std::vector<int64_t>* out,
                             bool* present) {
  NSXV_TRY(status_);
  out->clear();
  const json* v = Find(key);
  if (present != nullptr) *present = v != nullptr;
  if (v == nullptr) return required ? Error(key, "is missing") : Status::Ok();
  if (!v->is_array()) return Error(key, "must be an array, got " + std::string(TypeOf(*v)));
  for (size_t i = 0; i < v->size(); ++i) {
    const json& item = (*v)[i];
    auto n = IsInt(item) ? ToInt64(item) : Result<int64_t>(ProtocolError("type"));
    if (!n.ok()) {
      return Error(std::string(key) + "[" + std::to_string(i) + "]", "must be an integer");
    }
    out->push_back(*n);
  }
  return Status::Ok();
}

Status ObjectReader::Nested(std::string_view key, bool required,
                            const std::function<Status(ObjectReader&)>& fn, bool* present) {
  NSXV_TRY(status_);
  const json* v = Find(key);
  if (present != nullptr) *present = v != nullptr;
  if (v == nullptr) return required ? Error(key, "is missing") : Status::Ok();
  ObjectReader child(*v, Path(key));
  NSXV_TRY(child.status());
  NSXV_TRY(fn(child));
  std::string extra = child.Extra();
  if (!extra.empty()) partial_[std::string(key)] = std::move(extra);
  return Status::Ok();
}

Status ObjectReader::Objects(
    std::string_view key, bool required, bool wrapped,
    const std::function<Status(size_t, const json&, const std::string&)>& fn, bool* present) {
  NSXV_TRY(status_);
  const json* v = Find(key);
  if (present != nullptr) *present = v != nullptr;
  if (v == nullptr) return required ? Error(key, "is missing") : Status::Ok();
  std::string path = Path(key);
  const json* list = v;
  if (wrapped) {
    if (!v->is_object()) {
      return Error(key, "must be an object {\"" + std::string(key) + "\": [...]}, got " +
                            std::string(TypeOf(*v)));
    }
    const auto it = v->find(key);
    if (it == v->end() || it->is_null()) {
      static const json kEmpty = json::array();
      list = &kEmpty;
    } else {
      list = &*it;
    }
    json rest = *v;
    rest.erase(std::string(key));
    if (!rest.empty()) partial_[std::string(key)] = rest.dump();
    path += "." + std::string(key);
  }
  if (!list->is_array()) {
    return ProtocolError(where_ + ": field \"" + path.substr(where_.size() + 1) +
                         "\" must be an array, got " + std::string(TypeOf(*list)));
  }
  for (size_t i = 0; i < list->size(); ++i) {
    NSXV_TRY(fn(i, (*list)[i], path + "[" + std::to_string(i) + "]"));
  }
  return Status::Ok();
}

std::string ObjectReader::Extra() const {
  if (!status_.ok()) return "";
  json extra = json::object();
  for (const auto& [key, item] : value_.items()) {
    if (consumed_.count(key) == 0) extra[key] = item;
  }
  for (const auto& [key, text] : partial_) {
    extra[key] = json::parse(text, nullptr, false);
  }
  return extra.empty() ? "" : extra.dump();
}

void DeepMerge(json& base, const json& overlay) {
  if (!base.is_object() || !overlay.is_object()) {
    base = overlay;
    return;
  }
  for (const auto& [key, item] : overlay.items()) {
    auto it = base.find(key);
    if (it != base.end() && it->is_object() && item.is_object()) {
      DeepMerge(*it, item);
    } else {
      base[key] = item;
    }
  }
}

json WithExtra(const std::string& extra, json known) {
  if (extra.empty() && known.is_object()) return known;
  json base = extra.empty() ? json::object() : json::parse(extra, nullptr, false);
  if (!base.is_object()) base = json::object();
  DeepMerge(base, known);
  return base;
}

std::string EraseExtraKeys(const std::string& extra, std::initializer_list<std::string_view> keys) {
  if (extra.empty()) return extra;
  json base = json::parse(extra, nullptr, false);
  if (!base.is_object()) return "";
  for (std::string_view key : keys) base.erase(std::string(key));
  return base.empty() ? "" : base.dump();
}

std::string PyDumps(const json& value) {
  std::string out;
  out.reserve(1024);
  PyDumpsTo(value, &out);
  return out;
}

std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Excerpt(std::string_view text, size_t max) {
  std::string out(text.substr(0, max));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (text.size() > max) out += "...";
  return out;
}

}  // namespace nsxv::driver
