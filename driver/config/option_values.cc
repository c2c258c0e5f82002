// Parsing and checking of option values: booleans, integers, ports, URIs, files, IP addresses,
// lists and port ranges, with the one-line reasons of a bad value.
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <set>

#include "driver/config/config.h"
#include "driver/config/config_internal.h"
#include "driver/store/ipv4.h"

namespace nsxv::config {
namespace internal {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string Trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  const size_t end = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(begin, end - begin + 1));
}

std::optional<bool> ParseBool(std::string_view text) {
  const std::string v = Lower(Trim(text));
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  return std::nullopt;
}

std::optional<long> ParseInt(std::string_view text) {
  std::string v = Trim(text);
  if (!v.empty() && v.front() == '+') v.erase(0, 1);
  long value = 0;
  const char* end = v.data() + v.size();
  const auto [ptr, ec] = std::from_chars(v.data(), end, value);
  if (v.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<int> ParsePort(std::string_view text) {
  const std::optional<long> v = ParseInt(text);
  if (!v || *v < 1 || *v > 65535) return std::nullopt;
  return static_cast<int>(*v);
}

std::optional<std::string> OptionalString(const std::string& value) {
  const std::string v = Trim(value);
  if (v.empty()) return std::nullopt;
  return v;
}

std::string UriProblem(const std::string& value) {
  const size_t scheme_end = value.find("://");
  if (scheme_end == std::string::npos) return "expected https://HOST[:PORT]";
  const std::string scheme = Lower(value.substr(0, scheme_end));
  if (scheme != "https" && scheme != "http") return "scheme must be https or http";
  std::string authority = value.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (authority.find('@') != std::string::npos) {
    return "credentials do not belong in the URL (use user and password)";
  }
  std::string host = authority;
  std::string port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) return "unterminated IPv6 address";
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return "unexpected text after the IPv6 address";
      port = authority.substr(close + 2);
      if (port.empty()) return "empty port";
    }
  } else if (const size_t colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return "empty port";
  }
  if (host.empty()) return "missing host";
  if (!port.empty() && !ParsePort(port)) return "port " + Quote(port) + " is not in 1..65535";
  return "";
}

std::string FileProblem(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return "no such file";
  if (std::filesystem::is_directory(path, ec)) return "is a directory";
  if (access(path.c_str(), R_OK) != 0) return "not readable";
  return "";
}

bool IsSecret(const OptionInfo& info) { return info.type == OptionType::kSecret; }

std::string Printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4U];
      out += kHex[u & 0xfU];
    } else {
      out += c;
    }
  }
  return out;
}

std::string Quote(const std::string& s) { return "'" + Printable(s) + "'"; }

}  // namespace internal

using internal::FileProblem;
using internal::Lower;
using internal::ParseBool;
using internal::ParseInt;
using internal::ParsePort;
using internal::Printable;
using internal::Quote;
using internal::Trim;
using internal::UriProblem;

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  if (Trim(text).empty()) return out;
  size_t pos = 0;
  while (true) {
    const size_t comma = text.find(',', pos);
    out.push_back(Trim(text.substr(pos, comma == std::string_view::npos ? comma : comma - pos)));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

Status CheckValue(const OptionInfo& option, const std::string& value, const std::string& where) {
  // Every message is one line: `why` may quote (a part of) the value.
  const auto bad = [&](const std::string& why) {
    return InvalidArgument(where + ": " + Printable(why));
  };
  const std::string v = Trim(value);
  switch (option.type) {
    case OptionType::kString:
    case OptionType::kSecret:
    case OptionType::kStringList:
      return Status::Ok();
    case OptionType::kBool:
      if (!ParseBool(v)) return bad("not a boolean (true/false, yes/no, on/off, 1/0)");
      return Status::Ok();
    case OptionType::kInt: {
      const std::optional<long> n = ParseInt(v);
      if (!n) return bad("not an integer");
      if (*n < option.min || *n > option.max) {
        return bad("must be in " + std::to_string(option.min) + ".." + std::to_string(option.max));
      }
      return Status::Ok();
    }
    case OptionType::kUri:
      if (v.empty()) return Status::Ok();
      if (std::string why = UriProblem(v); !why.empty()) return bad("not a manager URL: " + why);
      return Status::Ok();
    case OptionType::kPath:
      if (v.empty()) return Status::Ok();
      if (std::string why = FileProblem(v); !why.empty()) return bad(why);
      return Status::Ok();
    case OptionType::kChoice:
      for (const std::string& choice : option.choices) {
        if (v == choice) return Status::Ok();
      }
      {
        std::string list;
        for (const std::string& choice : option.choices)
          list += (list.empty() ? "" : ", ") + choice;
        return bad("must be one of " + list);
      }
    case OptionType::kIpv4:
      if (v.empty()) return Status::Ok();
      if (!store::ParseIpv4(v).ok()) return bad("not an IPv4 address");
      return Status::Ok();
    case OptionType::kNetmask: {
      if (v.empty()) return Status::Ok();
      const Result<uint32_t> mask = store::ParseIpv4(v);
      if (!mask.ok()) return bad("not a dotted netmask such as 255.255.255.0");
      const uint32_t inverted = ~*mask;
      if (*mask == 0 || (inverted & (inverted + 1U)) != 0) {
        return bad("not a netmask (the one bits must be contiguous, e.g. 255.255.255.0)");
      }
      return Status::Ok();
    }
    case OptionType::kIpv4List: {
      std::set<uint32_t> seen;
      for (const std::string& item : SplitList(v)) {
        const Result<uint32_t> ip = store::ParseIpv4(item);
        if (!ip.ok()) return bad(Quote(item) + " is not an IPv4 address");
        if (!seen.insert(*ip).second) return bad(item + " is listed twice");
      }
      return Status::Ok();
    }
    case OptionType::kPort:
      if (!ParsePort(v)) return bad("not a port number in 1..65535");
      return Status::Ok();
    case OptionType::kPortList:
      for (const std::string& item : SplitList(v)) {
        const size_t colon = item.find(':');
        if (colon == std::string::npos) {
          if (!ParsePort(item)) return bad(Quote(item) + " is not a port number in 1..65535");
          continue;
        }
        const std::optional<int> low = ParsePort(item.substr(0, colon));
        const std::optional<int> high = ParsePort(item.substr(colon + 1));
        if (!low || !high) {
          return bad(Quote(item) + " is not a port range LOW:HIGH with ports in 1..65535");
        }
        if (*low > *high) return bad("port range " + Quote(item) + " is reversed");
      }
      return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace nsxv::config
