// Canonical NSX request documents for tests (shapes from the API reference §1 and §3).
#pragma once

#include <string>

#include "driver/transport/http.h"

namespace nsxv::testing {

// A request to the fake with its default credentials (admin/default) and JSON Accept and
// Content-Type.
HttpRequest AuthedJsonRequest(std::string method, std::string target, std::string body = "");

// Deploy body of §1.1 with the given unique name.
std::string DeployEdgeBody(const std::string& name);
// External vnic 0 PUT body of §1.9.
std::string ExternalVnicBody(const std::string& ip, const std::string& portgroup);
// Proxy-edge LB document of §3.3 (a), VIP and one member.
std::string ProxyLbBody(const std::string& vip, const std::string& member_ip);
// Proxy-edge firewall document of §1.14.
std::string ProxyFirewallBody();

}  // namespace nsxv::testing
