// IPv4 addresses and CIDRs as integers, for IPAM and input validation. Only IPv4: the metadata
// flow's subnets are IPv4, and the schema enforces ip_version = 4.
//
// Parsing is strict (four decimal octets 0-255, no leading zeros beyond "0", prefix 0-32, host
// bits of a CIDR must be zero) and errors are one-line InvalidArgument messages naming the input.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "driver/common/status.h"

namespace nsxv::store {

struct Cidr {
  uint32_t network = 0;
  int prefix = 0;

  uint32_t mask() const { return prefix == 0 ? 0U : ~0U << (32 - prefix); }
  uint32_t first() const { return network; }
  uint32_t last() const { return network | ~mask(); }
  bool Contains(uint32_t ip) const { return (ip & mask()) == network; }
  bool Overlaps(const Cidr& o) const { return Contains(o.network) || o.Contains(network); }
  std::string ToString() const;
};

Result<uint32_t> ParseIpv4(std::string_view text);
std::string FormatIpv4(uint32_t ip);
Result<Cidr> ParseCidr(std::string_view text);
// Dotted netmask of a prefix length: 17 -> "255.255.128.0".
std::string PrefixToNetmask(int prefix);

}  // namespace nsxv::store
