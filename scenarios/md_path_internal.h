// Shared between the files of the metadata-path oracle (md_path_*.cc): IPv4 arithmetic, the
// parsed view of one edge's documents, the edge firewall evaluation and the HAProxy application
// rules. Not part of the scenarios API. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace nsxv::scenarios::mdpath {

using nlohmann::json;

inline constexpr const char* kMetadataIp = "169.254.169.254";
inline constexpr uint32_t kInterEdgeNet = 0xA9FE8000U;  // 169.254.128.0
inline constexpr int kInterEdgePrefix = 17;

std::optional<uint32_t> ParseIp(const std::string& text);
std::string IpText(uint32_t ip);
uint32_t PrefixMask(int prefix);
bool InNet(uint32_t ip, uint32_t net, int prefix);
// "a.b.c.d" (prefix 32), "a.b.c.d/n" or "a-b" (range): the matching address interval.
std::optional<std::pair<uint32_t, uint32_t>> ParseAddressSpec(const std::string& text);

// A set of TCP ports as inclusive intervals.
using PortSet = std::vector<std::pair<int, int>>;
PortSet AllPorts();
PortSet Complement(const PortSet& ports);
bool Contains(const PortSet& ports, int port);
PortSet Intersect(const PortSet& a, const PortSet& b);
bool SubsetOf(const PortSet& a, const PortSet& b);
bool Empty(const PortSet& ports);
std::string PortSetText(const PortSet& ports);
// Adds a port value to `out`: 80, "80", "80,443", "1000-2000", "any" (all ports); an array of
// those is the caller's loop. False when the value is none of these.
bool AddPorts(const json& v, PortSet* out);

struct AddressGroup {
  uint32_t primary = 0;
  int prefix = 32;
  std::vector<uint32_t> secondaries;
};

struct VnicView {
  int index = -1;
  std::string type = "internal";  // lower-cased; NSX default Internal
  bool connected = false;         // NSX default false
  std::string portgroup;
  std::vector<AddressGroup> groups;
  bool Owns(uint32_t ip) const;
  bool SubnetHas(uint32_t ip) const;  // some group's subnet contains ip
  std::string Label() const { return "vnic " + std::to_string(index); }
};

// An edge's documents, parsed with the NSX-v defaults (docs/metadata-path.md).
struct EdgeView {
  std::string id;
  bool known = false;  // the snapshot has an entry for this edge
  const json* raw = nullptr;
  std::vector<VnicView> vnics;
  std::vector<std::string> problems;  // documents missing or malformed, one line each
  std::optional<uint32_t> default_gateway;
  std::vector<std::pair<std::pair<uint32_t, int>, uint32_t>> static_routes;  // (net,len)->hop
  std::set<std::string> certificates;
  const json* firewall = nullptr;  // null when not read
  const json* lb = nullptr;        // null when not read
  // The document's read error, or "" when it was read.
  std::string Error(const std::string& document) const;
  bool OwnsAddress(uint32_t ip) const;  // a connected vnic owns it
  const VnicView* ConnectedVnicOwning(uint32_t ip) const;
  const VnicView* ConnectedVnicOnSubnet(uint32_t ip) const;
};

EdgeView ParseEdge(const json& edges, const std::string& edge_id);

// Whether the edge is deployed and running; `reason` says why (or what was seen).
bool EdgeRunning(const EdgeView& edge, std::string* reason);

// ---- firewall ----

// How much of a symbolic set a rule's field matches.
enum class Match { kNone, kSome, kAll };

// The traffic a firewall sees: a source (the tenant VMs behind internal vnics, or the edge
// itself, or one address), a destination address, TCP, and a set of destination ports.
struct Packet {
  enum class Source { kTenant, kEdgeItself, kAddress };
  Source source = Source::kTenant;
  uint32_t source_ip = 0;  // kAddress
  uint32_t dest_ip = 0;
  PortSet ports;
  std::string Describe() const;
};

struct FirewallDecision {
  bool accept = false;   // for the whole packet set
  bool partial = false;  // some of the set would get the other decision (see `reason`)
  bool unknown = false;  // a rule could not be evaluated (reason names it)
  std::string rule;      // "rule 3 'MDServiceIP' (ruleTag 3)", "defaultPolicy", "disabled"
  std::string reason;
};

FirewallDecision EvaluateFirewall(const EdgeView& edge, const Packet& packet);

// ---- load balancer ----

// One application rule line the oracle understands. Anything else is kUnknown.
struct AppRuleOp {
  enum class Kind { kReqAdd, kUnknown };
  Kind kind = Kind::kUnknown;
  std::string header;  // kReqAdd
  std::string value;   // kReqAdd
  std::string text;    // the line, for messages
};
// Parses a rule's script (one directive per line; blank lines ignored).
std::vector<AppRuleOp> ParseAppRule(const std::string& script);

// Lower-cased copy.
std::string Lower(std::string s);
// Bool field with default; an absent or non-bool value gives the default.
bool BoolOr(const json& obj, const char* key, bool fallback);
// Int from a number or a numeric string; nullopt otherwise.
std::optional<int64_t> IntOf(const json& value);
std::string StringOr(const json& obj, const char* key, const std::string& fallback = "");

}  // namespace nsxv::scenarios::mdpath
