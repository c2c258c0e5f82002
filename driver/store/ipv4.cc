#include "driver/store/ipv4.h"

#include <charconv>
#include <string>

namespace nsxv::store {
namespace {

bool ParseDecimal(std::string_view s, uint32_t max, uint32_t* out) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return false;
  uint32_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

Result<uint32_t> ParseIpv4(std::string_view text) {
  uint32_t ip = 0;
  std::string_view rest = text;
  for (int i = 0; i < 4; ++i) {
    const size_t dot = rest.find('.');
    const bool last = i == 3;
    if (last != (dot == std::string_view::npos)) {
      return InvalidArgument("invalid IPv4 address \"" + std::string(text) + "\"");
    }
    uint32_t octet = 0;
    if (!ParseDecimal(rest.substr(0, dot), 255, &octet)) {
      return InvalidArgument("invalid IPv4 address \"" + std::string(text) + "\"");
    }
    ip = (ip << 8U) | octet;
    if (!last) rest = rest.substr(dot + 1);
  }
  return ip;
}

std::string FormatIpv4(uint32_t ip) {
  return std::to_string(ip >> 24U) + "." + std::to_string((ip >> 16U) & 0xffU) + "." +
         std::to_string((ip >> 8U) & 0xffU) + "." + std::to_string(ip & 0xffU);
}

Result<Cidr> ParseCidr(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return InvalidArgument("invalid CIDR " + quoted + ": missing /prefix");
  }
  auto ip = ParseIpv4(text.substr(0, slash));
  if (!ip.ok()) return InvalidArgument("invalid CIDR " + quoted + ": bad address");
  uint32_t prefix = 0;
  if (!ParseDecimal(text.substr(slash + 1), 32, &prefix)) {
    return InvalidArgument("invalid CIDR " + quoted + ": prefix must be 0-32");
  }
  Cidr cidr{*ip, static_cast<int>(prefix)};
  if ((*ip & ~cidr.mask()) != 0) {
    return InvalidArgument("invalid CIDR " + quoted + ": host bits are set");
  }
  return cidr;
}

std::string Cidr::ToString() const { return FormatIpv4(network) + "/" + std::to_string(prefix); }

std::string PrefixToNetmask(int prefix) { return FormatIpv4(Cidr{0, prefix}.mask()); }

}  // namespace nsxv::store
