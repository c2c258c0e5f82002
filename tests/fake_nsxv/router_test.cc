#include "fake_nsxv/router.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "driver/common/clock.h"
#include "fake_nsxv/model.h"
#include "fake_nsxv/nsx_error.h"

namespace nsxv::fake {
namespace {

using nlohmann::json;

json DeployBody(const std::string& name) {
  json body = json::parse(R"({
    "fqdn": null, "enableAesni": true, "enableFips": false,
    "featureConfigs": {"features": [
        {"featureType": "firewall_4.0", "globalConfig": {"tcpTimeoutEstablished": 7200}},
        {"featureType": "loadbalancer_4.0", "enabled": true}]},
    "cliSettings": {"remoteAccess": false},
    "autoConfiguration": {"enabled": false, "rulePriority": "high"},
    "appliances": {"applianceSize": "compact",
                   "appliances": [{"resourcePoolId": "domain-c7", "datastoreId": "datastore-12"}]},
    "type": "gatewayServices",
    "vnics": {"vnics": [{"index": 0, "name": "external", "type": "uplink",
                         "portgroupId": "dvportgroup-20", "mtu": 1500,
                         "enableProxyArp": false, "enableSendRedirects": true,
                         "isConnected": true, "subInterfaces": {"subInterfaces": []}}]},
    "datacenterMoid": "datacenter-2"})");
  body["name"] = name;
  return body;
}

// §3.3 (a): the proxy edge's LB document, byte-exact as the driver sends it.
constexpr const char* kProxyLb =
    R"({"accelerationEnabled": false, "applicationProfile": [{"applicationProfileId": "applicationProfile-1", "insertXForwardedFor": false, "name": "MDSrvProxy", "serverSslEnabled": false, "sslPassthrough": false, "template": "HTTP"}], "enableServiceInsertion": false, "enabled": true, "featureType": "loadbalancer_4.0", "monitor": [{"interval": 10, "maxRetries": 3, "method": "GET", "monitorId": "monitor-1", "name": "MDSrvMon", "timeout": 15, "type": "http", "url": "/"}], "pool": [{"algorithm": "round-robin", "member": [{"condition": "enabled", "ipAddress": "10.0.0.11", "maxConn": 0, "memberId": "member-1", "minConn": 0, "monitorPort": 8775, "name": "Member-1", "port": 8775, "weight": 1}, {"condition": "enabled", "ipAddress": "10.0.0.12", "maxConn": 0, "memberId": "member-2", "minConn": 0, "monitorPort": 8775, "name": "Member-2", "port": 8775, "weight": 1}], "monitorId": ["monitor-1"], "name": "MDSrvPool", "poolId": "pool-1", "transparent": false}], "virtualServer": [{"accelerationEnabled": false, "applicationProfileId": "applicationProfile-1", "connectionLimit": 0, "defaultPoolId": "pool-1", "enableServiceInsertion": false, "enabled": true, "ipAddress": "169.254.128.3", "name": "MdSrv", "port": 8775, "protocol": "HTTP", "virtualServerId": "virtualServer-1"}]})";

constexpr const char* kVnic1 = R"({"index": 1, "name": "internal1", "type": "internal",
    "portgroupId": "virtualwire-7", "mtu": 1500, "enableProxyArp": false,
    "enableSendRedirects": true, "isConnected": true,
    "addressGroups": {"addressGroups": [{"subnetMask": "255.255.128.0",
        "subnetPrefixLength": "17", "primaryAddress": "169.254.128.9",
        "secondaryAddresses": {"type": "secondary_addresses", "ipAddress": ["169.254.169.254"]}}]}})";

constexpr const char* kFirewall = R"({"featureType": "firewall_4.0",
    "globalConfig": {"tcpTimeoutEstablished": 7200},
    "firewallRules": {"firewallRules": [
      {"action": "accept", "enabled": true, "name": "VSERule", "source": {"vnicGroupId": ["vse"]},
       "ruleTag": 1},
      {"action": "accept", "enabled": true, "source": {"ipAddress": ["169.254.128.0/17"]},
       "ruleTag": 2}]}})";

constexpr const char* kCsrXml =
    "<csr><subject><attribute><key>CN</key><value>metadata.nsx.local</value></attribute>"
    "<attribute><key>O</key><value>Organization</value></attribute></subject>"
    "<algorithm>RSA</algorithm><keySize>2048</keySize></csr>";

class RouterTest : public ::testing::Test {
 protected:
  Routed Send(const std::string& method, const std::string& target, const std::string& body = "",
              const std::string& accept = "application/json", RequestOptions options = {}) {
    HttpRequest request;
    request.method = method;
    request.target = target;
    request.body = body;
    request.headers.Set("Accept", accept);
    request.headers.Set("Content-Type", accept);
    return router_.Handle(request, options);
  }

  static json Body(const Routed& routed) { return json::parse(routed.response.body); }
  static int ErrorCode(const Routed& routed) { return Body(routed).at("errorCode").get<int>(); }

  std::string Deploy(const std::string& name) {
    const Routed r = Send("POST", "/api/4.0/edges", DeployBody(name).dump());
    EXPECT_EQ(r.response.status, 201) << r.response.body;
    const std::string location(r.response.headers.Get("Location").value_or(""));
    return location.substr(location.rfind('/') + 1);
  }

  SimulatedClock clock_;
  Model model_{clock_, ModelOptions{}};
  Router router_{model_};
};

TEST_F(RouterTest, DeployAnswers201WithLocationAndEmptyBody) {
  const Routed r = Send("POST", "/api/4.0/edges", DeployBody("md-1").dump());
  EXPECT_EQ(r.response.status, 201);
  EXPECT_EQ(r.response.headers.Get("Location"), "/api/4.0/edges/edge-1");
  EXPECT_TRUE(r.response.body.empty());
  EXPECT_EQ(Deploy("md-2"), "edge-2");
}

TEST_F(RouterTest, DuplicateNameIs400With10085) {
  Deploy("md");
  const json before = model_.Dump();
  const Routed r = Send("POST", "/api/4.0/edges", DeployBody("md").dump());
  EXPECT_EQ(r.response.status, 400);
  EXPECT_EQ(ErrorCode(r), nsx_code::kDuplicateEdgeName);
  EXPECT_EQ(Body(r).at("moduleName"), "vShield Edge");
  EXPECT_EQ(model_.Dump(), before);
}

TEST_F(RouterTest, GetEdgeEchoesDocument) {
  const std::string id = Deploy("md");
  const Routed r = Send("GET", "/api/4.0/edges/" + id);
  ASSERT_EQ(r.response.status, 200);
  const json doc = Body(r);
  EXPECT_EQ(doc["id"], id);
  EXPECT_EQ(doc["name"], "md");
  EXPECT_EQ(doc["appliances"]["applianceSize"], "compact");
  EXPECT_EQ(doc["vnics"]["vnics"].size(), 10u);
  EXPECT_EQ(doc["vnics"]["vnics"][0]["portgroupId"], "dvportgroup-20");
}

TEST_F(RouterTest, UpdateEdgeRenames) {
  const std::string id = Deploy("backup-1");
  json body = DeployBody("metadata_proxy_router-x");
  body["id"] = id;
  EXPECT_EQ(Send("PUT", "/api/4.0/edges/" + id, body.dump()).response.status, 204);
  EXPECT_EQ(Body(Send("GET", "/api/4.0/edges/" + id))["name"], "metadata_proxy_router-x");
  // The old name is free again, the new one taken.
  EXPECT_EQ(Send("POST", "/api/4.0/edges", DeployBody("backup-1").dump()).response.status, 201);
  const Routed dup = Send("POST", "/api/4.0/edges", DeployBody("metadata_proxy_router-x").dump());
  EXPECT_EQ(ErrorCode(dup), nsx_code::kDuplicateEdgeName);
}

TEST_F(RouterTest, ListEdgesPages) {
  for (int i = 0; i < 5; ++i) Deploy("e" + std::to_string(i));
  const Routed all = Send("GET", "/api/4.0/edges");
  ASSERT_EQ(all.response.status, 200);
  const json page = Body(all)["edgePage"];
  EXPECT_EQ(page["data"].size(), 5u);
  EXPECT_EQ(page["pagingInfo"]["totalCount"], 5);
  EXPECT_EQ(page["pagingInfo"]["pageSize"], 256);
  EXPECT_EQ(page["pagingInfo"]["startIndex"], 0);
  EXPECT_EQ(page["data"][0]["edgeStatus"], "GREEN");
  EXPECT_EQ(page["data"][0]["edgeType"], "gatewayServices");
  EXPECT_EQ(page["data"][0]["appliancesSummary"]["applianceSize"], "compact");

  const json p2 = Body(Send("GET", "/api/4.0/edges?startIndex=2&pageSize=2"))["edgePage"];
  ASSERT_EQ(p2["data"].size(), 2u);
  EXPECT_EQ(p2["data"][0]["id"], "edge-3");
  EXPECT_EQ(p2["data"][1]["id"], "edge-4");
  EXPECT_EQ(p2["pagingInfo"]["totalCount"], 5);
  EXPECT_EQ(p2["pagingInfo"]["startIndex"], 2);
  const json past = Body(Send("GET", "/api/4.0/edges?startIndex=9"))["edgePage"];
  EXPECT_TRUE(past["data"].empty());
  EXPECT_EQ(Send("GET", "/api/4.0/edges?startIndex=x").response.status, 400);
}

TEST_F(RouterTest, DeleteEdgeThen404) {
  const std::string id = Deploy("md");
  EXPECT_EQ(Send("DELETE", "/api/4.0/edges/" + id).response.status, 204);
  const Routed again = Send("DELETE", "/api/4.0/edges/" + id);
  EXPECT_EQ(again.response.status, 404);
  EXPECT_EQ(ErrorCode(again), nsx_code::kEdgeNotFound);
  // The name is free after the delete.
  EXPECT_EQ(Send("POST", "/api/4.0/edges", DeployBody("md").dump()).response.status, 201);
}

TEST_F(RouterTest, StatusAndJobs) {
  const std::string id = Deploy("md");
  const Routed s = Send("GET", "/api/4.0/edges/" + id + "/status?getlatest=false");
  ASSERT_EQ(s.response.status, 200);
  EXPECT_EQ(Body(s)["edgeStatus"], "GREEN");
  const Routed j = Send("GET", "/api/4.0/edges/" + id + "/jobs");
  ASSERT_EQ(j.response.status, 200);
  EXPECT_EQ(Body(j), json::parse(R"({"edgeJob": []})"));
}

TEST_F(RouterTest, VnicGetAndPut) {
  const std::string id = Deploy("md");
  const json v0 = Body(Send("GET", "/api/4.0/edges/" + id + "/vnics/0"));
  EXPECT_EQ(v0["portgroupId"], "dvportgroup-20");
  const json v3 = Body(Send("GET", "/api/4.0/edges/" + id + "/vnics/3"));
  EXPECT_EQ(v3["name"], "vnic3");
  EXPECT_EQ(v3["label"], "vNic_3");
  EXPECT_EQ(v3["isConnected"], false);
  EXPECT_EQ(v3["addressGroups"]["addressGroups"], json::array());

  EXPECT_EQ(Send("PUT", "/api/4.0/edges/" + id + "/vnics/1", kVnic1).response.status, 204);
  const json v1 = Body(Send("GET", "/api/4.0/edges/" + id + "/vnics/1"));
  EXPECT_EQ(v1["portgroupId"], "virtualwire-7");
  EXPECT_EQ(v1["addressGroups"]["addressGroups"][0]["primaryAddress"], "169.254.128.9");
  EXPECT_EQ(v1["addressGroups"]["addressGroups"][0]["subnetPrefixLength"], "17");
}

TEST_F(RouterTest, StaticRoutingDefaultAndPut) {
  const std::string id = Deploy("md");
  const std::string uri = "/api/4.0/edges/" + id + "/routing/config/static";
  EXPECT_EQ(Body(Send("GET", uri)), json::parse(R"({"staticRoutes":{"staticRoutes":[]}})"));
  const json body = json::parse(R"({"staticRoutes": {"staticRoutes": []},
      "defaultRoute": {"description": "default-gateway", "gatewayAddress": "10.10.0.1"}})");
  EXPECT_EQ(Send("PUT", uri, body.dump()).response.status, 204);
  EXPECT_EQ(Body(Send("GET", uri)), body);
  // A PUT without defaultRoute removes it.
  EXPECT_EQ(Send("PUT", uri, R"({"staticRoutes": {"staticRoutes": []}})").response.status, 204);
  EXPECT_FALSE(Body(Send("GET", uri)).contains("defaultRoute"));
}

TEST_F(RouterTest, LoadBalancerSkeletonPutAndStatistics) {
  const std::string id = Deploy("md");
  const std::string uri = "/api/4.0/edges/" + id + "/loadbalancer/config";
  const json skeleton = Body(Send("GET", uri));
  for (const char* key :
       {"virtualServer", "pool", "applicationProfile", "applicationRule", "monitor"}) {
    EXPECT_EQ(skeleton.at(key), json::array()) << key;
  }
  EXPECT_EQ(skeleton["enabled"], false);
  EXPECT_EQ(skeleton["enableServiceInsertion"], false);
  EXPECT_EQ(skeleton["accelerationEnabled"], false);

  EXPECT_EQ(Send("PUT", uri, kProxyLb).response.status, 204);
  const json lb = Body(Send("GET", uri));
  json expected = json::parse(kProxyLb);
  expected["applicationRule"] = json::array();  // always present on read (§3.4)
  EXPECT_EQ(lb, expected);

  const json stats = Body(Send("GET", "/api/4.0/edges/" + id + "/loadbalancer/statistics"));
  ASSERT_EQ(stats["pool"].size(), 1u);
  EXPECT_EQ(stats["pool"][0]["name"], "MDSrvPool");
  EXPECT_EQ(stats["pool"][0]["member"][0]["ipAddress"], "10.0.0.11");
  EXPECT_EQ(stats["pool"][0]["member"][0]["status"], "UP");
}

TEST_F(RouterTest, FirewallAssignsRuleIds) {
  const std::string id = Deploy("md");
  const std::string uri = "/api/4.0/edges/" + id + "/firewall/config";
  EXPECT_EQ(Send("PUT", uri, kFirewall).response.status, 204);
  const json fw = Body(Send("GET", uri));
  const json& rules = fw["firewallRules"]["firewallRules"];
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0]["ruleId"], 131074);
  EXPECT_EQ(rules[0]["ruleTag"], 1);
  EXPECT_EQ(rules[1]["ruleId"], 131075);
  EXPECT_EQ(rules[1]["ruleTag"], 2);
  EXPECT_EQ(fw["featureType"], "firewall_4.0");
  EXPECT_EQ(fw["globalConfig"]["tcpTimeoutEstablished"], 7200);
}

TEST_F(RouterTest, TruststoreCsrSelfSignAndUpload) {
  const std::string id = Deploy("rtr");
  const Routed csr =
      Send("POST", "/api/2.0/services/truststore/csr/" + id, kCsrXml, "application/xml");
  ASSERT_EQ(csr.response.status, 201) << csr.response.body;
  EXPECT_EQ(csr.response.headers.Get("Location"), "/api/2.0/services/truststore/csr/csr-1");

  const Routed cert = Send("PUT", "/api/2.0/services/truststore/csr/csr-1?noOfDays=3650");
  ASSERT_EQ(cert.response.status, 200) << cert.response.body;
  EXPECT_EQ(Body(cert)["objectId"], "certificate-1");
  EXPECT_EQ(Body(cert)["name"], "metadata.nsx.local");

  const json upload = {
      {"pemEncoding", "-----BEGIN CERTIFICATE-----\nMIID\n-----END CERTIFICATE-----"},
      {"privateKey", "-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----"}};
  const Routed up = Send("POST", "/api/2.0/services/truststore/certificate/" + id, upload.dump());
  ASSERT_EQ(up.response.status, 200) << up.response.body;
  EXPECT_EQ(Body(up)["certificates"][0]["objectId"], "certificate-2");

  const Routed list = Send("GET", "/api/2.0/services/truststore/certificate/scope/" + id);
  ASSERT_EQ(list.response.status, 200);
  EXPECT_EQ(Body(list)["certificates"].size(), 2u);

  // The router edge's HTTPS LB may now name certificate-1 (§3.3 (d)).
  json lb = json::parse(kProxyLb);
  lb["applicationProfile"][0]["clientSsl"] = {{"clientAuth", "ignore"},
                                              {"serviceCertificate", {"certificate-1"}}};
  EXPECT_EQ(Send("PUT", "/api/4.0/edges/" + id + "/loadbalancer/config", lb.dump()).response.status,
            204);
}

TEST_F(RouterTest, TruststoreErrors) {
  EXPECT_EQ(Send("POST", "/api/2.0/services/truststore/csr/edge-9", kCsrXml).response.status, 404);
  EXPECT_EQ(Send("PUT", "/api/2.0/services/truststore/csr/csr-4?noOfDays=3650").response.status,
            404);
  const std::string id = Deploy("rtr");
  const Routed bad = Send("POST", "/api/2.0/services/truststore/csr/" + id, "<oops/>");
  EXPECT_EQ(bad.response.status, 400);
  Send("POST", "/api/2.0/services/truststore/csr/" + id, kCsrXml);
  EXPECT_EQ(Send("PUT", "/api/2.0/services/truststore/csr/csr-1").response.status, 400);
  const Routed null_pem = Send("POST", "/api/2.0/services/truststore/certificate/" + id,
                               R"({"pemEncoding": null, "privateKey": null})");
  EXPECT_EQ(null_pem.response.status, 400);
  EXPECT_EQ(ErrorCode(null_pem), nsx_code::kMissingField);
  EXPECT_EQ(Body(null_pem)["moduleName"], "core-services");
  EXPECT_EQ(Send("GET", "/api/2.0/services/truststore/certificate/scope/edge-9").response.status,
            404);
}

TEST_F(RouterTest, VirtualWireCreateAndDelete) {
  const std::string spec =
      "<virtualWireCreateSpec><name>net-1</name><tenantId>virtual wire tenant</tenantId>"
      "</virtualWireCreateSpec>";
  const Routed r =
      Send("POST", "/api/2.0/vdn/scopes/vdnscope-1/virtualwires", spec, "application/xml");
  ASSERT_EQ(r.response.status, 201);
  EXPECT_EQ(r.response.body, "virtualwire-1");
  EXPECT_EQ(r.response.headers.Get("Content-Type"), "text/plain");
  EXPECT_EQ(r.response.headers.Get("Location"), "/api/2.0/vdn/virtualwires/virtualwire-1");
  EXPECT_EQ(Send("DELETE", "/api/2.0/vdn/virtualwires/virtualwire-1").response.status, 200);
  EXPECT_EQ(Send("DELETE", "/api/2.0/vdn/virtualwires/virtualwire-1").response.status, 404);
  const Routed no_tenant =
      Send("POST", "/api/2.0/vdn/scopes/vdnscope-1/virtualwires",
           "<virtualWireCreateSpec><name>x</name></virtualWireCreateSpec>", "application/xml");
  EXPECT_EQ(no_tenant.response.status, 400);
  EXPECT_NE(no_tenant.response.body.find("<errorCode>10002</errorCode>"), std::string::npos);
}

TEST_F(RouterTest, SpoofguardCreateNeedsTheDocumentedTrailingSlash) {
  const std::string policy =
      "<spoofguardPolicy><name>n</name><operationMode>DISABLE</operationMode>"
      "<allowLocalIPs>true</allowLocalIPs><enforcementPoint><id>virtualwire-7</id>"
      "<type>virtualwire</type></enforcementPoint></spoofguardPolicy>";
  const Routed r =
      Send("POST", "/api/4.0/services/spoofguard/policies/", policy, "application/xml");
  ASSERT_EQ(r.response.status, 201);
  EXPECT_EQ(r.response.body, "spoofguardpolicy-1");
  // nsxraml 6.4 lines 14862-14863: the create path ends in '/'.
  EXPECT_EQ(Send("POST", "/api/4.0/services/spoofguard/policies", policy).response.status, 404);
  EXPECT_EQ(
      Send("DELETE", "/api/4.0/services/spoofguard/policies/spoofguardpolicy-1").response.status,
      200);
  EXPECT_EQ(Router::RouteName(
                HttpRequest{"POST", "/api/4.0/services/spoofguard/policies/", {}, "", Duration(0)}),
            "POST /api/4.0/services/spoofguard/policies/");
}

TEST_F(RouterTest, UnknownEdgeIs404OnEveryEdgeRoute) {
  const std::vector<std::pair<std::string, std::string>> calls = {
      {"GET", ""},
      {"PUT", ""},
      {"DELETE", ""},
      {"GET", "/status"},
      {"GET", "/jobs"},
      {"GET", "/vnics/0"},
      {"PUT", "/vnics/1"},
      {"GET", "/routing/config/static"},
      {"PUT", "/routing/config/static"},
      {"GET", "/loadbalancer/config"},
      {"PUT", "/loadbalancer/config"},
      {"GET", "/loadbalancer/statistics"},
      {"GET", "/firewall/config"},
      {"PUT", "/firewall/config"},
  };
  const std::string bodies[] = {DeployBody("x").dump(), kVnic1, "{}", kProxyLb, kFirewall};
  for (const auto& [method, suffix] : calls) {
    for (const char* id : {"edge-7", "bogus"}) {
      std::string body = "{}";
      if (suffix.empty()) body = bodies[0];
      if (suffix == "/vnics/1") body = kVnic1;
      const Routed r = Send(method, std::string("/api/4.0/edges/") + id + suffix, body);
      EXPECT_EQ(r.response.status, 404) << method << " " << suffix;
      EXPECT_EQ(ErrorCode(r), nsx_code::kEdgeNotFound) << method << " " << suffix;
    }
  }
}

struct BadRequestCase {
  std::string name;
  std::string method;
  std::string suffix;  // appended to /api/4.0/edges/edge-1
  std::string body;
  int error_code;
};

TEST_F(RouterTest, ValidationRejectsWithoutStateChange) {
  Deploy("md");
  ASSERT_EQ(Send("PUT", "/api/4.0/edges/edge-1/loadbalancer/config", kProxyLb).response.status,
            204);
  json no_ip = json::parse(kProxyLb);
  no_ip["pool"][0]["member"][1]["ipAddress"] = nullptr;
  json absent_ip = json::parse(kProxyLb);
  absent_ip["pool"][0]["member"][0].erase("ipAddress");
  json bad_pool = json::parse(kProxyLb);
  bad_pool["virtualServer"][0]["defaultPoolId"] = "pool-9";
  json bad_profile = json::parse(kProxyLb);
  bad_profile["virtualServer"][0]["applicationProfileId"] = "applicationProfile-2";
  json bad_monitor = json::parse(kProxyLb);
  bad_monitor["pool"][0]["monitorId"] = {"monitor-10"};
  json bad_rule = json::parse(kProxyLb);
  bad_rule["virtualServer"][0]["applicationRuleId"] = {"applicationRule-1"};
  json bad_cert = json::parse(kProxyLb);
  bad_cert["applicationProfile"][0]["clientSsl"] = {{"clientAuth", "ignore"},
                                                    {"serviceCertificate", {"certificate-13"}}};
  json wrong_type = json::parse(kProxyLb);
  wrong_type["enabled"] = "yes";
  json vnic_no_primary = json::parse(kVnic1);
  vnic_no_primary["addressGroups"]["addressGroups"][0].erase("primaryAddress");
  json vnic_no_pg = json::parse(kVnic1);
  vnic_no_pg.erase("portgroupId");
  json vnic_index = json::parse(kVnic1);
  vnic_index["index"] = 2;
  json fw_action = json::parse(kFirewall);
  fw_action["firewallRules"]["firewallRules"][1]["action"] = "allow";
  json edge_no_size = DeployBody("x");
  edge_no_size["appliances"].erase("applianceSize");
  json edge_id_mismatch = DeployBody("md");
  edge_id_mismatch["id"] = "edge-2";
  json edge_bad_vnic = DeployBody("x");
  edge_bad_vnic["vnics"]["vnics"][0].erase("portgroupId");

  const std::vector<BadRequestCase> cases = {
      {"malformed json", "PUT", "/loadbalancer/config",
       "{\"enabled\": ", nsx_code::kInvalidRequestBody},
      {"empty body", "PUT", "/firewall/config", "", nsx_code::kInvalidRequestBody},
      {"json array", "PUT", "/routing/config/static", "[]", nsx_code::kInvalidRequestBody},
      {"lb wrong type", "PUT", "/loadbalancer/config", wrong_type.dump(),
       nsx_code::kInvalidRequestBody},
      {"member null ip", "PUT", "/loadbalancer/config", no_ip.dump(), nsx_code::kMissingField},
      {"member absent ip", "PUT", "/loadbalancer/config", absent_ip.dump(),
       nsx_code::kMissingField},
      {"vs pool ref", "PUT", "/loadbalancer/config", bad_pool.dump(),
       nsx_code::kLbReferenceNotFound},
      {"vs profile ref", "PUT", "/loadbalancer/config", bad_profile.dump(),
       nsx_code::kLbReferenceNotFound},
      {"pool monitor ref", "PUT", "/loadbalancer/config", bad_monitor.dump(),
       nsx_code::kLbReferenceNotFound},
      {"vs rule ref", "PUT", "/loadbalancer/config", bad_rule.dump(),
       nsx_code::kLbReferenceNotFound},
      {"unknown certificate", "PUT", "/loadbalancer/config", bad_cert.dump(),
       nsx_code::kCertificateNotFound},
      {"no primaryAddress", "PUT", "/vnics/1", vnic_no_primary.dump(), nsx_code::kMissingField},
      {"connected without portgroup", "PUT", "/vnics/1", vnic_no_pg.dump(),
       nsx_code::kMissingField},
      {"index mismatch", "PUT", "/vnics/1", vnic_index.dump(), nsx_code::kInvalidValue},
      {"index out of range", "PUT", "/vnics/10", kVnic1, nsx_code::kInvalidValue},
      {"index not a number", "PUT", "/vnics/x", kVnic1, nsx_code::kInvalidValue},
      {"get index out of range", "GET", "/vnics/12", "", nsx_code::kInvalidValue},
      {"firewall action", "PUT", "/firewall/config", fw_action.dump(), nsx_code::kInvalidValue},
      {"route without nextHop", "PUT", "/routing/config/static",
       R"({"staticRoutes": {"staticRoutes": [{"network": "10.0.0.0/8"}]}})",
       nsx_code::kMissingField},
      {"default route without gateway", "PUT", "/routing/config/static",
       R"({"defaultRoute": {"description": "d"}})", nsx_code::kMissingField},
      {"edge without applianceSize", "PUT", "", edge_no_size.dump(), nsx_code::kMissingField},
      {"edge vnic without portgroup", "PUT", "", edge_bad_vnic.dump(), nsx_code::kMissingField},
      {"edge id mismatch", "PUT", "", edge_id_mismatch.dump(), nsx_code::kInvalidValue},
  };
  for (const BadRequestCase& c : cases) {
    const json before = model_.Dump();
    const Routed r = Send(c.method, "/api/4.0/edges/edge-1" + c.suffix, c.body);
    EXPECT_EQ(r.response.status, 400) << c.name << ": " << r.response.body;
    EXPECT_EQ(ErrorCode(r), c.error_code) << c.name << ": " << r.response.body;
    EXPECT_EQ(model_.Dump(), before) << c.name;
  }
  // Deploy-time validation too.
  const json before = model_.Dump();
  EXPECT_EQ(ErrorCode(Send("POST", "/api/4.0/edges", edge_bad_vnic.dump())),
            nsx_code::kMissingField);
  EXPECT_EQ(ErrorCode(Send("POST", "/api/4.0/edges", "not json")), nsx_code::kInvalidRequestBody);
  EXPECT_EQ(model_.Dump(), before);
}

TEST_F(RouterTest, UnknownPathIs404AndWrongMethodIs405) {
  const Routed unknown = Send("GET", "/api/4.0/nothing");
  EXPECT_EQ(unknown.response.status, 404);
  EXPECT_EQ(ErrorCode(unknown), nsx_code::kUnknownRoute);
  // manager_uri with a trailing '/' gives '//api/...': not tolerated.
  EXPECT_EQ(Send("GET", "//api/4.0/edges").response.status, 404);
  EXPECT_EQ(Send("GET", "/api/4.0/edges/").response.status, 404);

  const Routed wrong = Send("DELETE", "/api/4.0/edges/edge-1/vnics/0");
  EXPECT_EQ(wrong.response.status, 405);
  EXPECT_EQ(wrong.response.headers.Get("Allow"), "GET, PUT");
  const Routed post = Send("POST", "/api/4.0/edges/edge-1");
  EXPECT_EQ(post.response.status, 405);
  EXPECT_EQ(post.response.headers.Get("Allow"), "GET, PUT, DELETE");
  EXPECT_EQ(Send("PATCH", "/api/4.0/edges").response.headers.Get("Allow"), "POST, GET");
}

TEST_F(RouterTest, ErrorBodyFollowsAccept) {
  const Routed xml = Send("GET", "/api/4.0/edges/edge-5", "", "application/xml");
  EXPECT_EQ(xml.response.status, 404);
  EXPECT_EQ(xml.response.headers.Get("Content-Type"), "application/xml");
  EXPECT_NE(xml.response.body.find("<error><errorCode>10003</errorCode><details>"),
            std::string::npos);
  EXPECT_NE(xml.response.body.find("<moduleName>vShield Edge</moduleName></error>"),
            std::string::npos);
  const Routed js = Send("GET", "/api/4.0/edges/edge-5");
  EXPECT_EQ(js.response.headers.Get("Content-Type"), "application/json");
  const json body = Body(js);
  EXPECT_EQ(body["errorCode"], 10003);
  EXPECT_TRUE(body.contains("details"));
  EXPECT_TRUE(body["errorData"].is_null());
}

TEST_F(RouterTest, PoweredOffEdgeRejectsConfigButServesGets) {
  const std::string id = Deploy("md");
  ASSERT_TRUE(model_.SetPowered(id, false).ok());
  const Routed put = Send("PUT", "/api/4.0/edges/" + id + "/loadbalancer/config", kProxyLb);
  EXPECT_EQ(put.response.status, 400);
  EXPECT_EQ(ErrorCode(put), nsx_code::kEdgeNotRunning);
  // Upstream's edge_appliance_driver reads errorCode 10013 on the status call as DOWN.
  const Routed status = Send("GET", "/api/4.0/edges/" + id + "/status?getlatest=false");
  EXPECT_EQ(status.response.status, 400);
  EXPECT_EQ(ErrorCode(status), nsx_code::kEdgeNotRunning);
  EXPECT_EQ(Send("GET", "/api/4.0/edges/" + id + "/loadbalancer/config").response.status, 200);
  ASSERT_TRUE(model_.SetPowered(id, true).ok());
  EXPECT_EQ(Send("PUT", "/api/4.0/edges/" + id + "/loadbalancer/config", kProxyLb).response.status,
            204);
}

TEST(RouterStaticTest, RouteNames) {
  auto name = [](const char* method, const char* target) {
    return Router::RouteName(HttpRequest{method, target, {}, "", Duration(0)});
  };
  EXPECT_EQ(name("PUT", "/api/4.0/edges/edge-3/vnics/1"),
            "PUT /api/4.0/edges/{edgeId}/vnics/{index}");
  EXPECT_EQ(name("GET", "/api/4.0/edges/edge-3/status?getlatest=false"),
            "GET /api/4.0/edges/{edgeId}/status");
  EXPECT_EQ(name("GET", "/api/4.0/edges/jobs/jobdata-4"), "GET /api/4.0/edges/jobs/{jobId}");
  EXPECT_EQ(name("PUT", "/api/2.0/services/truststore/csr/csr-1?noOfDays=3650"),
            "PUT /api/2.0/services/truststore/csr/{csrId}");
  EXPECT_EQ(name("POST", "/api/2.0/services/truststore/csr/edge-1"),
            "POST /api/2.0/services/truststore/csr/{edgeId}");
  EXPECT_EQ(name("GET", "/api/4.0/nope"), "unknown");
  EXPECT_EQ(name("DELETE", "/api/4.0/edges/edge-1/vnics/0"), "unknown");
}

TEST(RouterStaticTest, EdgeIdOf) {
  EXPECT_EQ(Router::EdgeIdOf("/api/4.0/edges/edge-3/vnics/1"), "edge-3");
  EXPECT_EQ(Router::EdgeIdOf("/api/4.0/edges/edge-3"), "edge-3");
  EXPECT_EQ(Router::EdgeIdOf("/api/2.0/services/truststore/csr/edge-4"), "edge-4");
  EXPECT_EQ(Router::EdgeIdOf("/api/2.0/services/truststore/certificate/edge-5"), "edge-5");
  EXPECT_EQ(Router::EdgeIdOf("/api/2.0/services/truststore/certificate/scope/edge-6"), "edge-6");
  EXPECT_EQ(Router::EdgeIdOf("/api/2.0/services/truststore/csr/csr-1"), std::nullopt);
  EXPECT_EQ(Router::EdgeIdOf("/api/4.0/edges/jobs/jobdata-1"), std::nullopt);
  EXPECT_EQ(Router::EdgeIdOf("/api/4.0/edges"), std::nullopt);
  EXPECT_EQ(Router::EdgeIdOf("/api/2.0/vdn/virtualwires/virtualwire-1"), std::nullopt);
}

TEST_F(RouterTest, TruststoreCertificateGetAndDelete) {
  const std::string id = Deploy("rtr");
  ASSERT_EQ(Send("POST", "/api/2.0/services/truststore/csr/" + id, kCsrXml).response.status, 201);
  ASSERT_EQ(Send("PUT", "/api/2.0/services/truststore/csr/csr-1?noOfDays=3650").response.status,
            200);
  const Routed got = Send("GET", "/api/2.0/services/truststore/certificate/certificate-1");
  ASSERT_EQ(got.response.status, 200) << got.response.body;
  EXPECT_EQ(Body(got)["objectId"], "certificate-1");
  EXPECT_EQ(Body(got)["scopeId"], id);

  const Routed del = Send("DELETE", "/api/2.0/services/truststore/certificate/certificate-1");
  EXPECT_EQ(del.response.status, 204) << del.response.body;
  EXPECT_TRUE(del.response.body.empty());
  const Routed list = Send("GET", "/api/2.0/services/truststore/certificate/scope/" + id);
  EXPECT_EQ(Body(list)["certificates"].size(), 0u);

  for (const char* gone : {"certificate-1", "certificate-9", "csr-1", "nonsense"}) {
    const std::string path = std::string("/api/2.0/services/truststore/certificate/") + gone;
    const Routed again = Send("DELETE", path);
    EXPECT_EQ(again.response.status, 404) << gone;
    EXPECT_EQ(ErrorCode(again), nsx_code::kObjectNotFound) << gone;
    EXPECT_EQ(Body(again)["moduleName"], "core-services") << gone;
    EXPECT_EQ(Send("GET", path).response.status, 404) << gone;
  }
  EXPECT_EQ(Send("PATCH", "/api/2.0/services/truststore/certificate/certificate-1")
                .response.headers.Get("Allow"),
            "POST, GET, DELETE");
}

TEST_F(RouterTest, TruststoreCertificateInUseIsNotDeleted) {
  const std::string id = Deploy("rtr");
  Send("POST", "/api/2.0/services/truststore/csr/" + id, kCsrXml);
  Send("PUT", "/api/2.0/services/truststore/csr/csr-1?noOfDays=3650");
  json lb = json::parse(kProxyLb);
  lb["applicationProfile"][0]["clientSsl"] = {{"clientAuth", "ignore"},
                                              {"serviceCertificate", {"certificate-1"}}};
  const std::string lb_path = "/api/4.0/edges/" + id + "/loadbalancer/config";
  ASSERT_EQ(Send("PUT", lb_path, lb.dump()).response.status, 204);

  const json before = model_.Dump();
  const Routed in_use = Send("DELETE", "/api/2.0/services/truststore/certificate/certificate-1");
  EXPECT_EQ(in_use.response.status, 400);
  EXPECT_EQ(ErrorCode(in_use), nsx_code::kCertificateInUse);
  EXPECT_EQ(model_.Dump(), before);

  // Once the LB stops naming it the certificate goes; the ids continue after Dump/Load.
  lb["applicationProfile"][0].erase("clientSsl");
  ASSERT_EQ(Send("PUT", lb_path, lb.dump()).response.status, 204);
  EXPECT_EQ(
      Send("DELETE", "/api/2.0/services/truststore/certificate/certificate-1").response.status,
      204);
  const json after = model_.Dump();
  EXPECT_TRUE(after["certificates"].empty());
  ASSERT_TRUE(model_.Load(after).ok());
  EXPECT_EQ(model_.Dump(), after);
  Send("POST", "/api/2.0/services/truststore/csr/" + id, kCsrXml);
  const Routed next = Send("PUT", "/api/2.0/services/truststore/csr/csr-2?noOfDays=30");
  EXPECT_EQ(Body(next)["objectId"], "certificate-2");
}

}  // namespace
}  // namespace nsxv::fake
