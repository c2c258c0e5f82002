// Building blocks shared by the NSX document codecs (documents.cc, loadbalancer.cc): a strict
// object reader that names the document and field in every error and collects the fields it did
// not consume (so read-modify-write keeps them), the merge that puts them back on encode, the
// Python-compatible JSON dump used by the LB body, and small text helpers (XML escape, excerpt).
//
// Internal to driver/nsxv. Everything here is a pure function or a value used by one thread;
// nothing throws out of these functions.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "driver/common/status.h"

// As NSXV_RETURN_IF_ERROR, but with a unique variable per expansion, so it may be nested in a
// lambda passed to another NSXV_TRY (the decoders do that a lot; -Wshadow would object).
#define NSXV_TRY_IMPL(name, expr) \
  do {                            \
    ::nsxv::Status name = (expr); \
    if (!name.ok()) return name;  \
  } while (0)
#define NSXV_TRY(expr) NSXV_TRY_IMPL(NSXV_CONCAT(nsxv_try_, __COUNTER__), expr)

namespace nsxv::driver {

// A field NSX sends either as a number or as a string ("24" or 24, "0" or 0, "80,443"). The
// value is kept as text and re-encoded in the form it came in, so a round trip is exact.
struct IntOrString {
  std::string text;
  bool is_number = false;

  IntOrString() = default;
  IntOrString(int64_t n)  // NOLINT(google-explicit-constructor): ports, indexes
      : text(std::to_string(n)), is_number(true) {}
  static IntOrString String(std::string s) {
    IntOrString v;
    v.text = std::move(s);
    return v;
  }
  // The value as an integer, if the text is one.
  std::optional<int64_t> AsInt() const;
  bool operator==(const IntOrString& o) const = default;
};

// Parses a response body as JSON; kProtocolError "<doc>: body is not JSON (...): <excerpt>".
Result<nlohmann::json> ParseJsonBody(std::string_view body, std::string_view doc);

// Reads one JSON object strictly. Every accessor marks its key as consumed; Extra() returns the
// keys nobody consumed, as JSON object text ("" when none). A missing required field, a wrong
// type or a non-object gives kProtocolError naming `where` and the field.
// null counts as absent for optional fields (NSX sends "fqdn": null).
class ObjectReader {
 public:
  // `value` must outlive the reader. `where` is the path for messages: "vnic",
  // "edge.vnics.vnics[0]".
  ObjectReader(const nlohmann::json& value, std::string where);

  // OK when the value is an object; every accessor below fails the same way otherwise.
  Status status() const { return status_; }
  const std::string& where() const { return where_; }
  std::string Path(std::string_view key) const;
  Status Error(std::string_view key, std::string_view what) const;

  Status String(std::string_view key, std::string* out);
  Status OptString(std::string_view key, std::optional<std::string>* out);
  Status Bool(std::string_view key, bool* out);
  Status OptBool(std::string_view key, std::optional<bool>* out);
  Status Int(std::string_view key, int64_t* out);
  Status OptInt(std::string_view key, std::optional<int64_t>* out);
  Status IntOrStr(std::string_view key, IntOrString* out);
  Status OptIntOrStr(std::string_view key, std::optional<IntOrString>* out);
  // A required/optional array of strings.
  Status StringList(std::string_view key, bool required, std::vector<std::string>* out,
                    bool* present = nullptr);
  Status IntList(std::string_view key, bool required, std::vector<int64_t>* out,
                 bool* present = nullptr);
  // Nested object: `fn` reads it with a child reader; the child's unconsumed keys are kept
  // under `key` in this reader's Extra(). *present tells whether the key was there.
  Status Nested(std::string_view key, bool required, const std::function<Status(ObjectReader&)>& fn,
                bool* present = nullptr);
  // Array of objects (`key: [...]`), or NSX's double wrapping (`key: {key: [...]}`) when
  // `wrapped`. `fn(i, element)` decodes element i; fields of the wrapper object other than the
  // inner list are kept.
  Status Objects(std::string_view key, bool required, bool wrapped,
                 const std::function<Status(size_t, const nlohmann::json&, const std::string&)>& fn,
                 bool* present = nullptr);
  // The raw value of `key` (nullptr if absent); the key is consumed.
  const nlohmann::json* Raw(std::string_view key);

  std::string Extra() const;

 private:
  const nlohmann::json* Find(std::string_view key);

  const nlohmann::json& value_;
  std::string where_;
  Status status_;
  std::set<std::string, std::less<>> consumed_;
  std::map<std::string, std::string, std::less<>> partial_;  // key -> JSON object text
};

// Merges `overlay` into `base`: objects present in both are merged recursively, everything
// else in `overlay` replaces what `base` has.
void DeepMerge(nlohmann::json& base, const nlohmann::json& overlay);
// `known` laid over the object text `extra` (as produced by ObjectReader::Extra(); "" or text
// that is not a JSON object counts as no extra fields).
nlohmann::json WithExtra(const std::string& extra, nlohmann::json known);
// Removes `keys` from an extra-fields text; returns the new text.
std::string EraseExtraKeys(const std::string& extra, std::initializer_list<std::string_view> keys);

// Python's json.dumps(value, sort_keys=True) with the default separators ", " and ": " and
// ensure_ascii: the exact text the 2016 driver sends for the LB document.
std::string PyDumps(const nlohmann::json& value);
// Compact JSON (nlohmann's dump, invalid UTF-8 replaced), for ordinary request bodies.
std::string Dump(const nlohmann::json& value);

// Text with &, <, >, " and ' escaped for XML element content and attributes.
std::string XmlEscape(std::string_view text);
// At most `max` bytes of `text` on one line (control characters shown as spaces), "..." if cut.
std::string Excerpt(std::string_view text, size_t max = 160);

}  // namespace nsxv::driver
