#include "fake_nsxv/sample_documents.h"

#include <utility>

#include <nlohmann/json.hpp>

namespace nsxv::fake {

HttpRequest AuthedJsonRequest(std::string method, std::string target, std::string body) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  r.headers.Set("Authorization", BasicAuthValue("admin", "default"));
  r.headers.Set("Accept", "application/json");
  r.headers.Set("Content-Type", "application/json");
  return r;
}

std::string DeployEdgeBody(const std::string& name) {
  nlohmann::json j = {
      {"name", name},
      {"fqdn", nullptr},
      {"enableAesni", true},
      {"enableFips", false},
      {"featureConfigs",
       {{"features",
         {{{"featureType", "firewall_4.0"}, {"globalConfig", {{"tcpTimeoutEstablished", 7200}}}},
          {{"featureType", "loadbalancer_4.0"}, {"enabled", true}}}}}},
      {"cliSettings", {{"remoteAccess", false}}},
      {"autoConfiguration", {{"enabled", false}, {"rulePriority", "high"}}},
      {"appliances",
       {{"applianceSize", "compact"},
        {"appliances", {{{"resourcePoolId", "domain-c7"}, {"datastoreId", "datastore-12"}}}}}},
      {"type", "gatewayServices"},
      {"vnics",
       {{"vnics",
         {{{"index", 0},
           {"name", "external"},
           {"type", "uplink"},
           {"portgroupId", "dvportgroup-20"},
           {"mtu", 1500},
           {"enableProxyArp", false},
           {"enableSendRedirects", true},
           {"isConnected", true},
           {"subInterfaces", {{"subInterfaces", nlohmann::json::array()}}}}}}}},
      {"datacenterMoid", "datacenter-2"}};
  return j.dump();
}

std::string ExternalVnicBody(const std::string& ip, const std::string& portgroup) {
  nlohmann::json j = {
      {"index", 0},
      {"name", "external"},
      {"type", "uplink"},
      {"portgroupId", portgroup},
      {"mtu", 1500},
      {"enableProxyArp", false},
      {"enableSendRedirects", true},
      {"isConnected", true},
      {"addressGroups",
       {{"addressGroups", {{{"primaryAddress", ip}, {"subnetMask", "255.255.255.0"}}}}}}};
  return j.dump();
}

std::string ProxyLbBody(const std::string& vip, const std::string& member_ip) {
  nlohmann::json j = {{"accelerationEnabled", false},
                      {"applicationProfile",
                       {{{"applicationProfileId", "applicationProfile-1"},
                         {"insertXForwardedFor", false},
                         {"name", "MDSrvProxy"},
                         {"serverSslEnabled", false},
                         {"sslPassthrough", false},
                         {"template", "HTTP"}}}},
                      {"enableServiceInsertion", false},
                      {"enabled", true},
                      {"featureType", "loadbalancer_4.0"},
                      {"monitor",
                       {{{"interval", 10},
                         {"maxRetries", 3},
                         {"method", "GET"},
                         {"monitorId", "monitor-1"},
                         {"name", "MDSrvMon"},
                         {"timeout", 15},
                         {"type", "http"},
                         {"url", "/"}}}},
                      {"pool",
                       {{{"algorithm", "round-robin"},
                         {"member",
                          {{{"condition", "enabled"},
                            {"ipAddress", member_ip},
                            {"maxConn", 0},
                            {"memberId", "member-1"},
                            {"minConn", 0},
                            {"monitorPort", 8775},
                            {"name", "Member-1"},
                            {"port", 8775},
                            {"weight", 1}}}},
                         {"monitorId", {"monitor-1"}},
                         {"name", "MDSrvPool"},
                         {"poolId", "pool-1"},
                         {"transparent", false}}}},
                      {"virtualServer",
                       {{{"accelerationEnabled", false},
                         {"applicationProfileId", "applicationProfile-1"},
                         {"connectionLimit", 0},
                         {"defaultPoolId", "pool-1"},
                         {"enableServiceInsertion", false},
                         {"enabled", true},
                         {"ipAddress", vip},
                         {"name", "MdSrv"},
                         {"port", 8775},
                         {"protocol", "HTTP"},
                         {"virtualServerId", "virtualServer-1"}}}}};
  return j.dump();
}

std::string ProxyFirewallBody() {
  nlohmann::json j = {{"featureType", "firewall_4.0"},
                      {"globalConfig", {{"tcpTimeoutEstablished", 7200}}},
                      {"firewallRules",
                       {{"firewallRules",
                         {{{"action", "accept"},
                           {"enabled", true},
                           {"name", "VSERule"},
                           {"source", {{"vnicGroupId", {"vse"}}}},
                           {"ruleTag", 1}},
                          {{"action", "accept"},
                           {"enabled", true},
                           {"source", {{"ipAddress", {"169.254.128.0/17"}}}},
                           {"ruleTag", 2}}}}}}};
  return j.dump();
}

}  // namespace nsxv::fake
