// Shared by the three parts of the configuration layer: the option table (option_table.cc), value
// parsing and checking (option_values.cc) and loading (config.cc). Not part of the public API.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driver/config/config.h"

namespace nsxv::config::internal {

using Apply = std::function<void(Config&, const std::string&)>;

// One row of the option table: what the option is, and how a checked value lands in a Config.
struct OptionDef {
  OptionInfo info;
  Apply apply;
};

// The table of every known option, in documentation order.
const std::vector<OptionDef>& Defs();
const OptionDef* FindDef(std::string_view section, std::string_view name);

std::string Lower(std::string_view s);
std::string Trim(std::string_view s);
std::optional<bool> ParseBool(std::string_view text);
std::optional<long> ParseInt(std::string_view text);
std::optional<int> ParsePort(std::string_view text);
// The trimmed value, or nullopt when it is empty ("not set").
std::optional<std::string> OptionalString(const std::string& value);
// "scheme://host[:port][/path]"; returns why it is not one, or "".
std::string UriProblem(const std::string& value);
// Why `path` is not a readable file, or "".
std::string FileProblem(const std::string& path);
bool IsSecret(const OptionInfo& info);
// `s` with control characters written as \n, \t or \xHH, so a message stays one line (a value
// continued over several lines holds '\n').
std::string Printable(std::string_view s);
// 'value' (Printable), for messages.
std::string Quote(const std::string& s);

}  // namespace nsxv::config::internal
