// Port of the md option handling of vmware_nsx/common/config.py and plugin.py (activation, M1, M3).
#include <charconv>
#include <set>

#include "driver/md_proxy/md_proxy.h"
#include "driver/store/ipv4.h"

namespace nsxv::md_proxy {

namespace {

Status Bad(const std::string& option, const std::string& what) {
  return InvalidArgument("[nsxv] " + option + ": " + what);
}

Status CheckIpList(const std::string& option, const std::vector<std::string>& ips) {
  std::set<uint32_t> seen;
  for (const std::string& ip : ips) {
    auto parsed = store::ParseIpv4(ip);
    if (!parsed.ok()) return Bad(option, "invalid IPv4 address \"" + ip + "\"");
    if (!seen.insert(*parsed).second) return Bad(option, "duplicate address \"" + ip + "\"");
  }
  return Status::Ok();
}

Result<int64_t> ParsePort(std::string_view s) {
  int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || v < 1 || v > 65535) {
    return InvalidArgument("bad port");
  }
  return v;
}

Status CheckPortItem(const std::string& item) {
  const size_t colon = item.find(':');
  if (colon == std::string::npos) {
    if (!ParsePort(item).ok())
      return Bad("metadata_service_allowed_ports", "invalid port \"" + item + "\"");
    return Status::Ok();
  }
  auto lo = ParsePort(std::string_view(item).substr(0, colon));
  auto hi = ParsePort(std::string_view(item).substr(colon + 1));
  if (!lo.ok() || !hi.ok() || *hi < *lo) {
    return Bad("metadata_service_allowed_ports", "invalid port range \"" + item + "\"");
  }
  // The firewall converter expands ranges (plugin::ParsePortList), at most 1024 ports each.
  if (!plugin::ParsePortList(item).ok()) {
    return Bad("metadata_service_allowed_ports", "port range \"" + item + "\" is too large");
  }
  return Status::Ok();
}

}  // namespace

std::string MdProxyConfig::DisabledReason() const {
  std::string missing;
  auto add = [&](bool unset, const char* name) {
    if (!unset) return;
    if (!missing.empty()) missing += ", ";
    missing += name;
  };
  add(nova_metadata_ips.empty(), "nova_metadata_ips");
  add(mgt_net_moid.empty(), "mgt_net_moid");
  add(mgt_net_proxy_ips.empty(), "mgt_net_proxy_ips");
  add(mgt_net_proxy_netmask.empty(), "mgt_net_proxy_netmask");
  if (missing.empty()) return "";
  return "metadata proxy disabled: [nsxv] " + missing + " not set";
}

Status MdProxyConfig::Validate() const {
  NSXV_RETURN_IF_ERROR(CheckIpList("mgt_net_proxy_ips", mgt_net_proxy_ips));
  NSXV_RETURN_IF_ERROR(CheckIpList("nova_metadata_ips", nova_metadata_ips));
  if (!mgt_net_proxy_netmask.empty()) {
    auto mask = store::ParseIpv4(mgt_net_proxy_netmask);
    if (!mask.ok())
      return Bad("mgt_net_proxy_netmask", "invalid netmask \"" + mgt_net_proxy_netmask + "\"");
    const uint32_t inverted = ~*mask;
    if (*mask == 0 || (inverted & (inverted + 1)) != 0) {
      return Bad("mgt_net_proxy_netmask",
                 "netmask \"" + mgt_net_proxy_netmask + "\" is not contiguous");
    }
  }
  if (!mgt_net_default_gateway.empty() && !store::ParseIpv4(mgt_net_default_gateway).ok()) {
    return Bad("mgt_net_default_gateway",
               "invalid IPv4 address \"" + mgt_net_default_gateway + "\"");
  }
  if (nova_metadata_port < 1 || nova_metadata_port > 65535) {
    return Bad("nova_metadata_port",
               "port " + std::to_string(nova_metadata_port) + " is not in 1-65535");
  }
  for (const std::string& item : metadata_service_allowed_ports) {
    NSXV_RETURN_IF_ERROR(CheckPortItem(item));
  }
  if (metadata_nova_client_cert.empty() != metadata_nova_client_priv_key.empty()) {
    return metadata_nova_client_cert.empty()
               ? Bad("metadata_nova_client_cert", "not set while metadata_nova_client_priv_key is")
               : Bad("metadata_nova_client_priv_key", "not set while metadata_nova_client_cert is");
  }
  if (max_init_threads < 1) {
    return Bad("max_init_threads",
               "must be at least 1 (got " + std::to_string(max_init_threads) + ")");
  }
  return Status::Ok();
}

std::vector<plugin::FirewallRuleSpec> RouterFirewallRules(const MdProxyConfig& config) {
  std::vector<plugin::FirewallRuleSpec> rules(3);
  rules[0].name = "VSERule";
  rules[0].action = "allow";
  rules[0].source_vnic_groups = {"vse"};
  std::string ports = std::to_string(kMetadataTcpPort) + "," + std::to_string(kMetadataHttpsPort) +
                      "," + std::to_string(kMetadataHttpsVipPort);
  for (const std::string& p : config.metadata_service_allowed_ports) ports += "," + p;
  rules[1].name = "MDServiceIP";
  rules[1].action = "allow";
  rules[1].destination_ip_address = {kMetadataIp};
  rules[1].protocol = "tcp";
  rules[1].destination_port = ports;
  rules[2].name = "MDInterEdgeNet";
  rules[2].action = "deny";
  rules[2].destination_ip_address = {kInternalSubnet};
  return rules;
}

const char* ProxyEdgeActionName(ProxyEdgeAction action) {
  switch (action) {
    case ProxyEdgeAction::kValidated:
      return "validated";
    case ProxyEdgeAction::kReaddressed:
      return "readdressed";
    case ProxyEdgeAction::kCreated:
      return "created";
  }
  return "?";
}

bool InitReport::complete() const {
  for (const auto& e : proxy_edges) {
    if (!e.ok) return false;
  }
  return true;
}

std::vector<std::string> InitReport::failed_ext_ips() const {
  std::vector<std::string> out;
  for (const auto& e : proxy_edges) {
    if (!e.ok) out.push_back(e.ext_ip);
  }
  return out;
}

std::vector<std::string> InitReport::unverified_ext_ips() const {
  std::vector<std::string> out;
  for (const auto& e : proxy_edges) {
    if (!e.ok && e.unverified) out.push_back(e.ext_ip);
  }
  return out;
}

Status InitReport::ToStatus() const {
  std::string kept;
  std::string left_out;
  for (const auto& e : proxy_edges) {
    if (e.ok) continue;
    std::string& list = e.unverified ? kept : left_out;
    list +=
        (list.empty() ? "" : ", ") + e.ext_ip + (e.edge_id.empty() ? "" : " (" + e.edge_id + ")");
  }
  if (kept.empty() && left_out.empty()) return Status::Ok();
  std::string msg = "metadata init incomplete:";
  if (!kept.empty()) msg += " proxy edges not verified, kept as members: " + kept + ";";
  if (!left_out.empty()) msg += " proxy edges failed, not members: " + left_out + ";";
  msg += " live proxy IPs: " + std::to_string(live_proxy_ips.size());
  return {StatusCode::kFailedPrecondition, msg};
}

ContextFactory MakeContextFactory(store::ContextOptions base) {
  return [base = std::move(base)](bool admin) {
    store::ContextOptions o = base;
    o.is_admin = admin;
    o.tenant_id = admin ? kInternalTenantId : "";
    return store::Context::Open(o);
  };
}

}  // namespace nsxv::md_proxy
