// Port of md_proxy.py _get_address_groups and the LB settings of _setup_metadata_lb (M22, M24),
// fixed; and the helpers shared by the handler's source files (md_proxy_internal.h).
#include <algorithm>
#include <set>

#include "driver/md_proxy/md_proxy.h"
#include "driver/md_proxy/md_proxy_internal.h"
#include "driver/store/ipam.h"
#include "driver/store/ipv4.h"

namespace nsxv::md_proxy {

namespace internal {

std::pair<uint32_t, std::string> IpKey(const std::string& ip) {
  auto v = store::ParseIpv4(ip);
  return {v.ok() ? *v : 0U, ip};
}

std::vector<std::string> SortedIps(std::vector<std::string> ips) {
  std::sort(ips.begin(), ips.end(),
            [](const std::string& a, const std::string& b) { return IpKey(a) < IpKey(b); });
  ips.erase(std::unique(ips.begin(), ips.end()), ips.end());
  return ips;
}

std::vector<std::string> Minus(const std::vector<std::string>& a,
                               const std::vector<std::string>& b) {
  std::vector<std::string> out;
  for (const auto& x : a) {
    if (std::find(b.begin(), b.end(), x) == b.end()) out.push_back(x);
  }
  return out;
}

std::string GroupNetmask(const driver::AddressGroup& g) {
  if (g.subnet_mask) return *g.subnet_mask;
  if (g.subnet_prefix_length) {
    if (auto p = g.subnet_prefix_length->AsInt(); p && *p >= 0 && *p <= 32) {
      return store::PrefixToNetmask(static_cast<int>(*p));
    }
  }
  return "";
}

bool ReconcileMembers(driver::LbPool& pool, const std::vector<std::string>& ips, int64_t port) {
  const driver::LbPool before = pool;
  std::vector<driver::LbPoolMember> kept;
  std::set<std::string> names;
  for (const driver::LbPoolMember& m : pool.members) {
    if (std::find(ips.begin(), ips.end(), m.ip_address) == ips.end()) continue;
    if (std::any_of(kept.begin(), kept.end(),
                    [&](const driver::LbPoolMember& k) { return k.ip_address == m.ip_address; })) {
      continue;  // a duplicate address on the backend
    }
    driver::LbPoolMember k = m;
    k.port = port;
    k.monitor_port = driver::IntOrString(port);
    names.insert(k.name);
    kept.push_back(std::move(k));
  }
  int next = 1;
  for (const std::string& ip : ips) {
    if (std::any_of(kept.begin(), kept.end(),
                    [&](const driver::LbPoolMember& k) { return k.ip_address == ip; })) {
      continue;
    }
    while (names.count("Member-" + std::to_string(next)) != 0) ++next;
    driver::LbPoolMember m;
    m.name = "Member-" + std::to_string(next);
    names.insert(m.name);
    m.ip_address = ip;
    m.port = port;
    m.monitor_port = driver::IntOrString(port);
    kept.push_back(std::move(m));
  }
  // Deterministic order: by address.
  std::vector<std::string> order = SortedIps(ips);
  std::sort(kept.begin(), kept.end(),
            [&](const driver::LbPoolMember& a, const driver::LbPoolMember& b) {
              return std::find(order.begin(), order.end(), a.ip_address) <
                     std::find(order.begin(), order.end(), b.ip_address);
            });
  pool.members = std::move(kept);
  return !(pool == before);
}

}  // namespace internal

using internal::SortedIps;

driver::MetadataLbSpec MetadataProxyHandler::ProxyLbSpec(const std::string& edge_id,
                                                         const std::string& internal_ip) const {
  driver::MetadataLbSpec spec;
  spec.edge_id = edge_id;
  spec.vip = internal_ip;
  spec.vip_port = config_.nova_metadata_port;
  spec.member_port = config_.nova_metadata_port;
  spec.member_ips = SortedIps(config_.nova_metadata_ips);
  spec.proxy_lb = true;
  spec.insecure = config_.metadata_insecure;
  return spec;
}

driver::LoadBalancer MetadataProxyHandler::ProxyLb(const std::string& edge_id,
                                                   const std::string& internal_ip) const {
  driver::LoadBalancer lb = driver::MakeMetadataLoadBalancer(ProxyLbSpec(edge_id, internal_ip));
  // Fix (§4.4 #14): in HTTPS mode too the proxy VIP port is nova_metadata_port, the port the
  // router edges' members send to (2016 forced 8775 here).
  lb.virtual_servers[0].port = config_.nova_metadata_port;
  return lb;
}

driver::MetadataLbSpec MetadataProxyHandler::RouterLbSpec(
    const std::string& edge_id, std::vector<std::string> member_ips) const {
  driver::MetadataLbSpec spec;
  spec.edge_id = edge_id;
  spec.vip = kMetadataIp;
  spec.vip_port = kMetadataTcpPort;
  spec.member_port = config_.nova_metadata_port;
  spec.member_ips = SortedIps(std::move(member_ips));
  spec.proxy_lb = false;
  spec.insecure = config_.metadata_insecure;
  spec.shared_secret = config_.metadata_shared_secret;
  return spec;
}

// M22, fixed (§4.4 #18): the first port's first address on the subnet is the primary address;
// no port means an error rather than a group without primaryAddress.
Result<std::vector<driver::AddressGroup>> MetadataProxyHandler::AddressGroups(
    store::Context& ctx, const std::string& device_id, bool is_proxy) const {
  std::string net_id;
  std::string subnet_id;
  {
    MutexLock l(&mu_);
    net_id = internal_net_;
    subnet_id = internal_subnet_;
  }
  store::PortFilter pf;
  pf.network_id = std::vector<std::string>{net_id};
  pf.device_id = std::vector<std::string>{device_id};
  NSXV_ASSIGN_OR_RETURN(const auto ports, plugin_.GetPorts(ctx, pf));
  NSXV_ASSIGN_OR_RETURN(const auto cidr, store::ParseCidr(kInternalSubnet));
  driver::AddressGroup group;
  for (const auto& p : ports) {
    for (const auto& ip : p.fixed_ips) {
      if (ip.subnet_id == subnet_id && group.primary_address.empty()) {
        group.primary_address = ip.ip_address;
      }
    }
  }
  if (group.primary_address.empty()) {
    return NotFound("no metadata port address for " + device_id);
  }
  group.subnet_mask = store::PrefixToNetmask(cidr.prefix);
  group.subnet_prefix_length = driver::IntOrString::String(std::to_string(cidr.prefix));
  if (!is_proxy) {
    driver::SecondaryAddresses sec;
    sec.ip_address = {kMetadataIp};
    group.secondary_addresses = sec;
  }
  return std::vector<driver::AddressGroup>{group};
}

}  // namespace nsxv::md_proxy
