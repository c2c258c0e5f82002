// Edge firewall evaluation for the metadata-path oracle (API reference §1.14-1.15, RAML facts
// §3.5): rules in document order, first match wins, disabled rules skipped, the default policy
// last (deny when absent). Matches are three-valued over symbolic packet sets (all tenant VMs, a
// set of ports), so a verdict holds for every VM and port it speaks of.
#include <algorithm>

#include "scenarios/md_path_internal.h"

namespace nsxv::scenarios::mdpath {
namespace {

Match Combine(Match a, Match b) {
  if (a == Match::kNone || b == Match::kNone) return Match::kNone;
  if (a == Match::kSome || b == Match::kSome) return Match::kSome;
  return Match::kAll;
}

Match Either(Match a, Match b) {
  if (a == Match::kAll || b == Match::kAll) return Match::kAll;
  if (a == Match::kSome || b == Match::kSome) return Match::kSome;
  return Match::kNone;
}

std::vector<std::string> Strings(const json& obj, const char* key) {
  std::vector<std::string> out;
  if (!obj.is_object() || !obj.contains(key)) return out;
  const json& v = obj[key];
  if (v.is_string()) out.push_back(v.get<std::string>());
  if (v.is_array()) {
    for (const auto& e : v) {
      if (e.is_string()) out.push_back(e.get<std::string>());
    }
  }
  return out;
}

// Connected internal vnics that are not on the inter-edge network: where tenant VMs live.
std::vector<int> TenantVnics(const EdgeView& edge) {
  std::vector<int> out;
  for (const auto& v : edge.vnics) {
    if (!v.connected || v.type != "internal") continue;
    const bool inter_edge = std::any_of(v.groups.begin(), v.groups.end(), [](const auto& g) {
      return InNet(g.primary, kInterEdgeNet, kInterEdgePrefix);
    });
    if (!inter_edge) out.push_back(v.index);
  }
  return out;
}

// Whether `ip` belongs to the vnic group `group` of `edge`.
bool InVnicGroup(const EdgeView& edge, const std::string& group, uint32_t ip) {
  if (group == "vse") return edge.OwnsAddress(ip);
  for (const auto& v : edge.vnics) {
    if (!v.connected || !(v.SubnetHas(ip) || v.Owns(ip))) continue;
    if (group == "internal" && v.type == "internal") return true;
    if (group == "external" && v.type == "uplink") return true;
    if (group == "vnic-index-" + std::to_string(v.index)) return true;
  }
  return false;
}

// How much of the address side (`tenant` symbolic, else `ip`) a source/destination object
// matches. Sets *unknown for grouping objects (not resolvable from the edge's documents).
Match MatchAddress(const EdgeView& edge, const json* field, bool tenant, bool edge_itself,
                   uint32_t ip, std::string* unknown) {
  if (field == nullptr || field->is_null()) return Match::kAll;
  if (!field->is_object()) {
    *unknown = "source/destination is not an object";
    return Match::kNone;
  }
  if (!Strings(*field, "groupingObjectId").empty()) {
    *unknown = "groupingObjectId " + Strings(*field, "groupingObjectId").front() +
               " cannot be resolved from the edge documents";
    return Match::kNone;
  }
  const auto ips = Strings(*field, "ipAddress");
  const auto groups = Strings(*field, "vnicGroupId");
  Match m = Match::kNone;
  if (ips.empty() && groups.empty()) m = Match::kAll;  // {} = any
  for (const auto& text : ips) {
    auto range = ParseAddressSpec(text);
    if (!range) {
      *unknown = "ipAddress '" + text + "' is not an IP, range or CIDR";
      return Match::kNone;
    }
    if (tenant) {
      m = Either(m, range->first == 0 && range->second == 0xFFFFFFFFU ? Match::kAll : Match::kSome);
    } else if (range->first <= ip && ip <= range->second) {
      m = Match::kAll;
    }
  }
  for (const auto& group : groups) {
    if (tenant) {
      if (group == "internal") {
        m = Either(m, Match::kAll);
      } else if (group.rfind("vnic-index-", 0) == 0) {
        const auto tv = TenantVnics(edge);
        const bool all = !tv.empty() && std::all_of(tv.begin(), tv.end(), [&](int i) {
          return group == "vnic-index-" + std::to_string(i);
        });
        m = Either(m, all ? Match::kAll : Match::kSome);
      }
    } else if (edge_itself) {
      if (group == "vse") m = Match::kAll;
    } else if (InVnicGroup(edge, group, ip)) {
      m = Match::kAll;
    }
  }
  if (BoolOr(*field, "exclude", false)) {
    if (m == Match::kAll) return Match::kNone;
    if (m == Match::kNone) return Match::kAll;
  }
  return m;
}

}  // namespace

bool AddPorts(const json& v, PortSet* out) {
  if (auto n = IntOf(v)) {
    out->emplace_back(static_cast<int>(*n), static_cast<int>(*n));
    return true;
  }
  if (!v.is_string()) return false;
  std::string s = v.get<std::string>();
  if (Lower(s) == "any") {
    *out = AllPorts();
    return true;
  }
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = s.find(',', start);
    const std::string item = s.substr(start, comma == std::string::npos ? comma : comma - start);
    const size_t dash = item.find('-');
    auto lo = IntOf(json(item.substr(0, dash)));
    auto hi = dash == std::string::npos ? lo : IntOf(json(item.substr(dash + 1)));
    if (!lo || !hi) return false;
    out->emplace_back(static_cast<int>(*lo), static_cast<int>(*hi));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return true;
}

namespace {

Match MatchApplication(const json* app, const PortSet& ports, std::string* unknown) {
  if (app == nullptr || app->is_null()) return Match::kAll;
  if (!Strings(*app, "applicationId").empty()) {
    *unknown = "applicationId " + Strings(*app, "applicationId").front() +
               " cannot be resolved from the edge documents";
    return Match::kNone;
  }
  if (!app->contains("service")) return Match::kAll;
  const json& svc = (*app)["service"];
  std::vector<json> services;
  if (svc.is_array()) {
    services.assign(svc.begin(), svc.end());
  } else {
    services.push_back(svc);
  }
  PortSet covered;
  bool source_port_limited = false;
  for (const json& s : services) {
    const std::string proto = Lower(StringOr(s, "protocol", "any"));
    if (proto != "tcp" && proto != "any") continue;
    if (s.contains("sourcePort") && !s["sourcePort"].is_null()) {
      PortSet sp;
      const json& v = s["sourcePort"];
      bool ok = true;
      if (v.is_array()) {
        for (const auto& e : v) ok = ok && AddPorts(e, &sp);
      } else {
        ok = AddPorts(v, &sp);
      }
      if (!ok) {
        *unknown = "sourcePort " + v.dump() + " is not a port list";
        return Match::kNone;
      }
      if (!sp.empty() && !SubsetOf(AllPorts(), sp)) source_port_limited = true;
    }
    if (!s.contains("port") || s["port"].is_null()) {
      covered = AllPorts();
      continue;
    }
    const json& v = s["port"];
    bool ok = true;
    if (v.is_array()) {
      if (v.empty()) covered = AllPorts();
      for (const auto& e : v) ok = ok && AddPorts(e, &covered);
    } else {
      ok = AddPorts(v, &covered);
    }
    if (!ok) {
      *unknown = "port " + v.dump() + " is not a port list";
      return Match::kNone;
    }
  }
  const PortSet hit = Intersect(ports, covered);
  if (Empty(hit)) return Match::kNone;
  // A client's source port is ephemeral: a source-port restriction matches only some requests.
  if (source_port_limited || !SubsetOf(ports, covered)) return Match::kSome;
  return Match::kAll;
}

std::string RuleName(const json& rule, size_t position) {
  std::string out = "rule " + std::to_string(position + 1);
  const std::string name = StringOr(rule, "name");
  if (!name.empty()) out += " '" + name + "'";
  if (rule.contains("ruleTag")) out += " (ruleTag " + rule["ruleTag"].dump() + ")";
  return out;
}

}  // namespace

std::string Packet::Describe() const {
  std::string src = source == Source::kTenant       ? "tenant VMs"
                    : source == Source::kEdgeItself ? "the edge itself (vse) " + IpText(source_ip)
                                                    : IpText(source_ip);
  return src + " -> " + IpText(dest_ip) + " tcp " + PortSetText(ports);
}

FirewallDecision EvaluateFirewall(const EdgeView& edge, const Packet& packet) {
  FirewallDecision d;
  if (edge.firewall == nullptr) {
    d.unknown = true;
    d.rule = "firewall";
    d.reason = "firewall config not read: " + edge.Error("firewall");
    return d;
  }
  const json& fw = *edge.firewall;
  if (!BoolOr(fw, "enabled", true)) {
    d.accept = true;
    d.rule = "disabled";
    d.reason = "the firewall is disabled (enabled=false): everything passes";
    return d;
  }
  std::string partial_rule;
  bool partial_accept = false;
  bool partial_deny = false;
  const json* rules = nullptr;
  if (fw.contains("firewallRules")) {
    const json& fr = fw["firewallRules"];
    if (fr.is_array()) rules = &fr;
    if (fr.is_object() && fr.contains("firewallRules") && fr["firewallRules"].is_array()) {
      rules = &fr["firewallRules"];
    }
  }
  const bool tenant = packet.source == Packet::Source::kTenant;
  const bool self = packet.source == Packet::Source::kEdgeItself;
  for (size_t i = 0; rules != nullptr && i < rules->size(); ++i) {
    const json& rule = (*rules)[i];
    if (!BoolOr(rule, "enabled", true)) continue;
    std::string unknown;
    const json* src = rule.contains("source") ? &rule["source"] : nullptr;
    const json* dst = rule.contains("destination") ? &rule["destination"] : nullptr;
    const json* app = rule.contains("application") ? &rule["application"] : nullptr;
    Match m = MatchAddress(edge, src, tenant, self, packet.source_ip, &unknown);
    m = Combine(m, MatchAddress(edge, dst, false, false, packet.dest_ip, &unknown));
    m = Combine(m, MatchApplication(app, packet.ports, &unknown));
    const std::string action = Lower(StringOr(rule, "action"));
    const bool accept = action == "accept" || action == "allow";
    if (!unknown.empty() || (!accept && action != "deny" && action != "reject")) {
      d.unknown = true;
      d.rule = RuleName(rule, i);
      d.reason = d.rule + ": " + (unknown.empty() ? "unknown action '" + action + "'" : unknown);
      return d;
    }
    if (m == Match::kNone) continue;
    if (m == Match::kSome) {
      if (partial_rule.empty()) partial_rule = RuleName(rule, i);
      (accept ? partial_accept : partial_deny) = true;
      continue;
    }
    d.accept = accept;
    d.rule = RuleName(rule, i);
    d.partial = accept ? partial_deny : partial_accept;
    d.reason = d.rule + " " + (accept ? "accepts " : "denies ") + packet.Describe();
    if (d.partial) d.reason += "; but " + partial_rule + " before it decides part of that traffic";
    return d;
  }
  std::string policy = "deny";
  if (fw.contains("defaultPolicy") && fw["defaultPolicy"].is_object()) {
    policy = Lower(StringOr(fw["defaultPolicy"], "action", "deny"));
  }
  d.accept = policy == "accept" || policy == "allow";
  d.rule = "defaultPolicy";
  d.partial = d.accept ? partial_deny : partial_accept;
  d.reason = "no rule matches " + packet.Describe() + "; defaultPolicy " +
             (fw.contains("defaultPolicy") ? policy : "absent = deny");
  if (d.partial) d.reason += "; but " + partial_rule + " decides part of that traffic";
  return d;
}

}  // namespace nsxv::scenarios::mdpath
