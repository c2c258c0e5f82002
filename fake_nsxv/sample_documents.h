// Sample NSX request documents for users of the fake (tests, benchmarks, the --demo flow):
// well-formed bodies the fake accepts, with shapes from the API reference §1 and §3. They are
// data for driving the fake, not the driver's document builders (the fake shares no logic with
// the driver). Pure functions; thread-safe.
#pragma once

#include <string>

#include "driver/transport/http.h"

namespace nsxv::fake {

// A request to the fake with its default credentials (admin/default) and JSON Accept and
// Content-Type.
HttpRequest AuthedJsonRequest(std::string method, std::string target, std::string body = "");

// Deploy body of §1.1 with the given unique name: compact gatewayServices edge, uplink vnic 0
// on dvportgroup-20.
std::string DeployEdgeBody(const std::string& name);
// External vnic 0 PUT body of §1.9.
std::string ExternalVnicBody(const std::string& ip, const std::string& portgroup);
// Proxy-edge LB document of §3.3 (a), VIP and one member.
std::string ProxyLbBody(const std::string& vip, const std::string& member_ip);
// Proxy-edge firewall document of §1.14.
std::string ProxyFirewallBody();

}  // namespace nsxv::fake
