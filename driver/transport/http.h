// Plain HTTP value types shared by the driver and the fake: requests, responses, headers.
// No I/O here. Values are copyable and not synchronized.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "driver/common/clock.h"

namespace nsxv {

// Header list with case-insensitive lookup; keeps order and duplicates.
class Headers {
 public:
  struct Field {
    std::string name;
    std::string value;
  };

  // Replaces every field named `name` with one field.
  void Set(std::string_view name, std::string value);
  void Add(std::string name, std::string value) {
    fields_.push_back({std::move(name), std::move(value)});
  }
  std::optional<std::string_view> Get(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  void Remove(std::string_view name);
  const std::vector<Field>& fields() const { return fields_; }

 private:
  std::vector<Field> fields_;
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

struct HttpRequest {
  std::string method;  // "GET", "PUT", ...
  std::string target;  // origin-form: "/api/4.0/edges?startIndex=0"
  Headers headers;
  std::string body;
  // Deadline for the whole exchange; zero means the transport's default.
  Duration timeout{0};

  // Target without the query string.
  std::string_view Path() const;
  // Query string without '?', empty when absent.
  std::string_view Query() const;
  // Value of a query parameter (percent-decoding is not applied: NSX ids need none).
  std::optional<std::string> QueryParam(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  Headers headers;
  std::string body;
};

// "Basic " + base64(user:password), with no line breaks whatever the length.
std::string BasicAuthValue(std::string_view user, std::string_view password);
std::string Base64Encode(std::string_view in);
// Returns nullopt on invalid input.
std::optional<std::string> Base64Decode(std::string_view in);

}  // namespace nsxv
