// Tests of the metadata-path oracle (scenarios/md_path.h) on hand-written NSX documents: the
// bodies of API reference §1.14 (firewall rules), §3.3 (the exact LB bodies for proxy and router
// edges, HTTP and HTTPS), §1.6 (status) and §1.8-1.10 (vnics, routes). No driver code produces
// them. Each hop kind has a passing document (the complete world proves every router) and a
// failing one (the world with exactly one element broken), and each test checks which hop fails.
#include "scenarios/md_path.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "scenarios/md_path_internal.h"

namespace nsxv::scenarios {
namespace {

using nlohmann::json;

// Reference §3.3c: HMAC-SHA256("s3cr3t", "edge-12"), cross-checked there independently.
constexpr const char* kEdge12Signature =
    "fe0e17dccac09132f677eecccca14f4552cfc9108066076b2512a0b22ef17ca2";

json Status(const std::string& edge_status) {
  return {{"edgeStatus", edge_status},
          {"publishStatus", "APPLIED"},
          {"edgeVmStatus", {{{"edgeVMStatus", edge_status}, {"haState", "active"}, {"index", 0}}}}};
}

json Vnic(int index, const std::string& type, const std::string& pg, const std::string& ip,
          const std::string& mask, const std::vector<std::string>& secondaries = {}) {
  json group = {{"primaryAddress", ip}, {"subnetMask", mask}};
  if (!secondaries.empty()) {
    group["secondaryAddresses"] = {{"type", "secondary_addresses"}, {"ipAddress", secondaries}};
  }
  return {{"index", index},
          {"type", type},
          {"portgroupId", pg},
          {"isConnected", true},
          {"addressGroups", {{"addressGroups", {group}}}}};
}

// Router edge firewall with the metadata rules of §1.14 (and the external accept the plugin adds
// last).
json RouterFirewall() {
  return json::parse(R"({"featureType": "firewall_4.0", "enabled": true,
    "defaultPolicy": {"action": "deny", "loggingEnabled": false},
    "firewallRules": {"firewallRules": [
      {"ruleId": 10, "ruleTag": 1, "name": "VSERule", "action": "accept", "enabled": true,
       "source": {"vnicGroupId": ["vse"]}},
      {"ruleId": 11, "ruleTag": 2, "name": "MDServiceIP", "action": "accept", "enabled": true,
       "destination": {"ipAddress": ["169.254.169.254"]},
       "application": {"service": [{"port": [80, 443, 8775], "protocol": "tcp"}]}},
      {"ruleId": 12, "ruleTag": 3, "name": "MDInterEdgeNet", "action": "deny", "enabled": true,
       "destination": {"ipAddress": ["169.254.128.0/17"]}},
      {"ruleId": 13, "ruleTag": 4, "action": "accept", "enabled": true,
       "destination": {"vnicGroupId": ["external"]}}]}})");
}

// Proxy edge firewall of §1.14.
json ProxyFirewall() {
  return json::parse(R"({"featureType": "firewall_4.0", "enabled": true,
    "defaultPolicy": {"action": "deny", "loggingEnabled": false},
    "firewallRules": {"firewallRules": [
      {"ruleId": 20, "ruleTag": 1, "name": "VSERule", "action": "accept", "enabled": true,
       "source": {"vnicGroupId": ["vse"]}},
      {"ruleId": 21, "ruleTag": 2, "action": "accept", "enabled": true,
       "source": {"ipAddress": ["169.254.128.0/17"]}}]}})");
}

// §3.3c (HTTP) / §3.3d (HTTPS) for edge-12 with secret s3cr3t and members .3 and .4.
json RouterLb(bool https) {
  json lb = json::parse(
      R"({"accelerationEnabled": false, "applicationProfile": [{"applicationProfileId": "applicationProfile-1", "insertXForwardedFor": true, "name": "MDSrvProxy", "serverSslEnabled": false, "sslPassthrough": false, "template": "HTTP"}], "applicationRule": [{"applicationRuleId": "applicationRule-1", "name": "insert-mdp", "script": "reqadd X-Metadata-Provider:edge-12"}, {"applicationRuleId": "applicationRule-2", "name": "insert-auth", "script": "reqadd X-Metadata-Provider-Signature:fe0e17dccac09132f677eecccca14f4552cfc9108066076b2512a0b22ef17ca2"}], "enableServiceInsertion": false, "enabled": true, "featureType": "loadbalancer_4.0", "monitor": [{"interval": 10, "maxRetries": 3, "method": "GET", "monitorId": "monitor-1", "name": "MDSrvMon", "timeout": 15, "type": "tcp", "url": "/"}], "pool": [{"algorithm": "round-robin", "member": [{"condition": "enabled", "ipAddress": "169.254.128.3", "maxConn": 0, "memberId": "member-1", "minConn": 0, "monitorPort": 8775, "name": "Member-1", "port": 8775, "weight": 1}, {"condition": "enabled", "ipAddress": "169.254.128.4", "maxConn": 0, "memberId": "member-2", "minConn": 0, "monitorPort": 8775, "name": "Member-2", "port": 8775, "weight": 1}], "monitorId": ["monitor-1"], "name": "MDSrvPool", "poolId": "pool-1", "transparent": false}], "virtualServer": [{"accelerationEnabled": false, "applicationProfileId": "applicationProfile-1", "applicationRuleId": ["applicationRule-1", "applicationRule-2"], "connectionLimit": 0, "defaultPoolId": "pool-1", "enableServiceInsertion": false, "enabled": true, "ipAddress": "169.254.169.254", "name": "MdSrv", "port": 80, "protocol": "HTTP", "virtualServerId": "virtualServer-1"}]})");
  if (https) {
    lb["applicationProfile"][0] = json::parse(
        R"({"applicationProfileId": "applicationProfile-1", "clientSsl": {"clientAuth": "ignore", "serviceCertificate": ["certificate-13"]}, "insertXForwardedFor": true, "name": "MDSrvProxy", "serverSslEnabled": true, "sslPassthrough": false, "template": "HTTPS"})");
    lb["virtualServer"][0]["port"] = 443;
    lb["virtualServer"][0]["protocol"] = "HTTPS";
  }
  return lb;
}

// §3.3a (HTTP) / §3.3b (HTTPS) with the given VIP; Nova 10.0.0.11 and 10.0.0.12 on 8775.
json ProxyLb(const std::string& vip, bool https) {
  json lb = json::parse(
      R"({"accelerationEnabled": false, "applicationProfile": [{"applicationProfileId": "applicationProfile-1", "insertXForwardedFor": false, "name": "MDSrvProxy", "serverSslEnabled": false, "sslPassthrough": false, "template": "HTTP"}], "enableServiceInsertion": false, "enabled": true, "featureType": "loadbalancer_4.0", "monitor": [{"interval": 10, "maxRetries": 3, "method": "GET", "monitorId": "monitor-1", "name": "MDSrvMon", "timeout": 15, "type": "http", "url": "/"}], "pool": [{"algorithm": "round-robin", "member": [{"condition": "enabled", "ipAddress": "10.0.0.11", "maxConn": 0, "memberId": "member-1", "minConn": 0, "monitorPort": 8775, "name": "Member-1", "port": 8775, "weight": 1}, {"condition": "enabled", "ipAddress": "10.0.0.12", "maxConn": 0, "memberId": "member-2", "minConn": 0, "monitorPort": 8775, "name": "Member-2", "port": 8775, "weight": 1}], "monitorId": ["monitor-1"], "name": "MDSrvPool", "poolId": "pool-1", "transparent": false}], "virtualServer": [{"accelerationEnabled": false, "applicationProfileId": "applicationProfile-1", "connectionLimit": 0, "defaultPoolId": "pool-1", "enableServiceInsertion": false, "enabled": true, "ipAddress": "169.254.128.3", "name": "MdSrv", "port": 8775, "protocol": "HTTP", "virtualServerId": "virtualServer-1"}]})");
  lb["virtualServer"][0]["ipAddress"] = vip;
  if (https) {
    lb["applicationProfile"][0]["serverSslEnabled"] = true;
    lb["applicationProfile"][0]["sslPassthrough"] = true;
    lb["applicationProfile"][0]["template"] = "HTTPS";
    lb["monitor"][0]["type"] = "https";
    lb["virtualServer"][0]["protocol"] = "HTTPS";
  }
  return lb;
}

json ProxyEdge(const std::string& ext_ip, const std::string& inter_ip, bool https) {
  return {{"summary", {{"id", "x"}, {"state", "deployed"}, {"edgeStatus", "GREEN"}}},
          {"status", Status("GREEN")},
          {"vnics",
           {Vnic(0, "uplink", "dvportgroup-55", ext_ip, "255.255.255.0"),
            Vnic(1, "internal", "virtualwire-7", inter_ip, "255.255.128.0")}},
          {"routing",
           {{"staticRoutes", {{"staticRoutes", json::array()}}},
            {"defaultRoute", {{"gatewayAddress", "10.10.0.1"}, {"vnic", "0"}}}}},
          {"firewall", ProxyFirewall()},
          {"loadBalancer", ProxyLb(inter_ip, https)},
          {"certificates", {{"certificates", json::array()}}}};
}

json World(bool https = false) {
  json router = {
      {"summary", {{"id", "edge-12"}, {"state", "deployed"}, {"edgeStatus", "GREEN"}}},
      {"status", Status("GREEN")},
      {"vnics",
       {Vnic(0, "uplink", "dvportgroup-60", "172.24.4.10", "255.255.255.0"),
        Vnic(1, "internal", "virtualwire-7", "169.254.128.9", "255.255.128.0", {"169.254.169.254"}),
        Vnic(2, "internal", "virtualwire-20", "10.1.0.1", "255.255.255.0")}},
      {"routing", {{"staticRoutes", {{"staticRoutes", json::array()}}}}},
      {"firewall", RouterFirewall()},
      {"loadBalancer", RouterLb(https)},
      {"certificates",
       {{"certificates",
         https ? json::array({{{"objectId", "certificate-13"}}}) : json::array()}}}};
  return {{"edge-12", router},
          {"edge-7", ProxyEdge("10.10.0.5", "169.254.128.3", https)},
          {"edge-8", ProxyEdge("10.10.0.6", "169.254.128.4", https)}};
}

MdPathInput Input(bool https = false) {
  MdPathInput in;
  in.routers = {{"router-1", "edge-12"}};
  in.proxy_edges = {"edge-7", "edge-8"};
  in.nova.metadata_ips = {"10.0.0.11", "10.0.0.12"};
  in.nova.port = 8775;
  in.nova.shared_secret = "s3cr3t";
  in.nova.metadata_insecure = !https;
  return in;
}

const MdPathVerdict& Check(const MdPathReport& r, const std::string& check) {
  const auto& router = r.routers.at(0);
  if (check == "metadata") return router.metadata;
  for (const auto& v : router.negatives) {
    if (v.check == check) return v;
  }
  ADD_FAILURE() << "no verdict " << check;
  return router.metadata;
}

std::string Dump(const MdPathReport& r) { return "\n" + RenderMdPathText(r); }

json& Rule(json& world, const std::string& edge, const std::string& name) {
  for (json& rule : world[edge]["firewall"]["firewallRules"]["firewallRules"]) {
    if (rule.value("name", "") == name) return rule;
  }
  ADD_FAILURE() << "no rule " << name;
  return world;
}

// Expects the metadata verdict to fail with a reason containing `text`.
void ExpectMetadataFails(const json& world, const MdPathInput& in, const std::string& text) {
  const MdPathReport r = EvaluateMdPaths(world, in);
  const MdPathVerdict& v = Check(r, "metadata");
  EXPECT_FALSE(v.proven) << Dump(r);
  EXPECT_NE(v.reason.find(text), std::string::npos) << "reason: " << v.reason << Dump(r);
  EXPECT_FALSE(r.ok());
}

TEST(MdPathTest, SignatureMatchesTheReferenceValue) {
  EXPECT_EQ(MdPathSignature("s3cr3t", "edge-12"), kEdge12Signature);
}

TEST(MdPathTest, ReferenceDocumentsProveEveryCheckHttp) {
  const MdPathReport r = EvaluateMdPaths(World(), Input());
  ASSERT_EQ(r.routers.size(), 1U);
  EXPECT_TRUE(r.routers[0].proven()) << Dump(r);
  EXPECT_EQ(r.proven(), 1);
  for (const char* c : {"metadata", "no-inter-edge", "no-other-port", "no-spoofed-provider"}) {
    EXPECT_TRUE(Check(r, c).proven) << c << Dump(r);
  }
  // Both members and both Nova endpoints behind each are on the hop list.
  const std::string text = RenderMdPathText(r);
  for (const char* s : {"member 169.254.128.3:8775", "member 169.254.128.4:8775",
                        "member 10.0.0.12:8775", "edge-8", "1/1 routers proven"}) {
    EXPECT_NE(text.find(s), std::string::npos) << s << Dump(r);
  }
}

TEST(MdPathTest, ReferenceDocumentsProveEveryCheckHttps) {
  const MdPathReport r = EvaluateMdPaths(World(true), Input(true));
  EXPECT_TRUE(r.ok()) << Dump(r);
}

TEST(MdPathTest, MissingFirewallAcceptUnderDefaultDenyFails) {
  json w = World();
  w["edge-12"]["firewall"] = json::parse(
      R"({"enabled": true, "defaultPolicy": {"action": "deny"},
          "firewallRules": {"firewallRules": []}})");
  ExpectMetadataFails(w, Input(), "defaultPolicy deny");
}

TEST(MdPathTest, AbsentDefaultPolicyMeansDeny) {
  json w = World();
  w["edge-12"]["firewall"] = json::parse(R"({"firewallRules": {"firewallRules": []}})");
  ExpectMetadataFails(w, Input(), "absent = deny");
}

TEST(MdPathTest, DisabledRuleIsSkipped) {
  json w = World();
  Rule(w, "edge-12", "MDServiceIP")["enabled"] = false;
  ExpectMetadataFails(w, Input(), "MDInterEdgeNet");
}

TEST(MdPathTest, SourceRestrictedAcceptProvesNothingForAllVms) {
  json w = World();
  Rule(w, "edge-12", "MDServiceIP")["source"] = {{"ipAddress", {"10.1.0.0/24"}}};
  ExpectMetadataFails(w, Input(), "decides part of that traffic");
}

TEST(MdPathTest, MissingVseRuleBlocksTheLbToItsMembers) {
  json w = World();
  Rule(w, "edge-12", "VSERule")["enabled"] = false;
  // The tenant request still passes MDServiceIP; the LB's own connection to the member is denied.
  ExpectMetadataFails(w, Input(), "'MDInterEdgeNet' (ruleTag 3) denies the edge itself (vse)");
}

TEST(MdPathTest, DisabledFirewallAcceptsButTheNegativesFail) {
  json w = World();
  w["edge-12"]["firewall"]["enabled"] = false;
  const MdPathReport r = EvaluateMdPaths(w, Input());
  EXPECT_TRUE(Check(r, "metadata").proven) << Dump(r);
  EXPECT_FALSE(Check(r, "no-inter-edge").proven) << Dump(r);
  EXPECT_FALSE(Check(r, "no-other-port").proven) << Dump(r);
}

TEST(MdPathTest, AcceptOnAnyPortFailsNoOtherPort) {
  json w = World();
  Rule(w, "edge-12", "MDServiceIP").erase("application");
  const MdPathReport r = EvaluateMdPaths(w, Input());
  EXPECT_TRUE(Check(r, "metadata").proven) << Dump(r);
  EXPECT_FALSE(Check(r, "no-other-port").proven) << Dump(r);
}

TEST(MdPathTest, AllowedPortsConfigWidensTheAllowedSet) {
  json w = World();
  Rule(w, "edge-12", "MDServiceIP")["application"]["service"][0]["port"] = {80, 443, 8775, 9000};
  MdPathInput in = Input();
  EXPECT_FALSE(Check(EvaluateMdPaths(w, in), "no-other-port").proven);
  in.nova.allowed_ports = {"9000"};
  EXPECT_TRUE(Check(EvaluateMdPaths(w, in), "no-other-port").proven);
}

TEST(MdPathTest, NoDenyForTheInterEdgeNetFailsNoInterEdge) {
  json w = World();
  Rule(w, "edge-12", "MDInterEdgeNet")["action"] = "accept";
  const MdPathReport r = EvaluateMdPaths(w, Input());
  const MdPathVerdict& v = Check(r, "no-inter-edge");
  EXPECT_FALSE(v.proven) << Dump(r);
  EXPECT_NE(v.reason.find("169.254.128.3"), std::string::npos) << v.reason;
}

TEST(MdPathTest, RouterEdgeNotRunningFails) {
  json w = World();
  w["edge-12"]["status"] = Status("GREY");
  ExpectMetadataFails(w, Input(), "edgeStatus is 'GREY'");
}

TEST(MdPathTest, RouterEdgeStillDeployingFails) {
  json w = World();
  w["edge-12"]["summary"]["state"] = "deploying";
  ExpectMetadataFails(w, Input(), "not deployed");
}

TEST(MdPathTest, DisconnectedMetadataVnicFails) {
  json w = World();
  w["edge-12"]["vnics"][1]["isConnected"] = false;
  ExpectMetadataFails(w, Input(), "isConnected=false");
}

TEST(MdPathTest, AbsentIsConnectedMeansDisconnected) {
  json w = World();
  w["edge-12"]["vnics"][1].erase("isConnected");
  ExpectMetadataFails(w, Input(), "no connected vnic owns 169.254.169.254");
}

TEST(MdPathTest, DisabledLoadBalancerFails) {
  json w = World();
  w["edge-12"]["loadBalancer"]["enabled"] = false;
  ExpectMetadataFails(w, Input(), "load balancer disabled");
}

TEST(MdPathTest, AbsentLbEnabledMeansEnabled) {
  json w = World();
  w["edge-12"]["loadBalancer"].erase("enabled");
  EXPECT_TRUE(EvaluateMdPaths(w, Input()).ok());
}

TEST(MdPathTest, VirtualServerOnAnotherPortFails) {
  json w = World();
  w["edge-12"]["loadBalancer"]["virtualServer"][0]["port"] = 8080;
  ExpectMetadataFails(w, Input(), "no enabled virtual server listens on 169.254.169.254:80");
}

TEST(MdPathTest, ZeroPoolMembersFails) {
  json w = World();
  w["edge-12"]["loadBalancer"]["pool"][0]["member"] = json::array();
  ExpectMetadataFails(w, Input(), "no enabled member");
}

TEST(MdPathTest, DisabledMembersDoNotCount) {
  json w = World();
  for (json& m : w["edge-12"]["loadBalancer"]["pool"][0]["member"]) m["condition"] = "disabled";
  ExpectMetadataFails(w, Input(), "no enabled member");
}

TEST(MdPathTest, MemberOwnedByNoProxyEdgeFails) {
  json w = World();
  w["edge-12"]["loadBalancer"]["pool"][0]["member"][1]["ipAddress"] = "169.254.128.99";
  ExpectMetadataFails(w, Input(), "169.254.128.99:8775 is owned by no proxy edge");
}

TEST(MdPathTest, MemberOwnedByAnEdgeThatIsNotAProxyFails) {
  MdPathInput in = Input();
  in.proxy_edges = {"edge-7"};  // edge-8 still owns .4, but it is not a proxy edge
  ExpectMetadataFails(World(), in, "169.254.128.4:8775 is owned by no proxy edge");
}

TEST(MdPathTest, MemberOwnedByPoweredOffProxyFails) {
  json w = World();
  w["edge-8"]["status"] = Status("GREY");  // the fake and NSX report a powered-off edge GREY
  ExpectMetadataFails(w, Input(), "edge-8 status");
}

TEST(MdPathTest, ProxyStatusErrorNotRunningFails) {
  json w = World();
  w["edge-8"].erase("status");
  w["edge-8"]["statusErrorCode"] = 10013;
  w["edge-8"]["errors"] = {{"status", "GET .../status: 400 errorCode 10013"}};
  ExpectMetadataFails(w, Input(), "10013");
}

TEST(MdPathTest, MemberOnAnotherWireIsUnreachable) {
  json w = World();
  w["edge-8"]["vnics"][1]["portgroupId"] = "virtualwire-99";
  ExpectMetadataFails(w, Input(), "not on the router's vnic 1 network");
}

TEST(MdPathTest, ProxyFirewallWithoutInternalAcceptFails) {
  json w = World();
  w["edge-7"]["firewall"]["firewallRules"]["firewallRules"].erase(1);
  ExpectMetadataFails(w, Input(), "edge-7 firewall");
}

TEST(MdPathTest, Vip443WithMembersOnTheHttpPortFails) {
  json w = World(true);
  for (json& m : w["edge-12"]["loadBalancer"]["pool"][0]["member"]) m["port"] = 80;
  ExpectMetadataFails(w, Input(true), "no enabled virtual server listens on 169.254.128.3:80");
}

TEST(MdPathTest, HttpsCertificateMissingFromTruststoreFails) {
  json w = World(true);
  w["edge-12"]["certificates"]["certificates"] = json::array();
  ExpectMetadataFails(w, Input(true), "certificate-13 is not in the edge's truststore");
}

TEST(MdPathTest, HttpsProxyWithoutPassthroughFails) {
  json w = World(true);
  w["edge-7"]["loadBalancer"]["applicationProfile"][0]["sslPassthrough"] = false;
  ExpectMetadataFails(w, Input(true), "sslPassthrough");
}

TEST(MdPathTest, ProxyMemberThatIsNotNovaFails) {
  json w = World();
  w["edge-7"]["loadBalancer"]["pool"][0]["member"][0]["ipAddress"] = "10.0.0.99";
  ExpectMetadataFails(w, Input(), "10.0.0.99:8775 is not a Nova metadata endpoint");
}

TEST(MdPathTest, NovaWithoutRouteFails) {
  json w = World();
  w["edge-7"]["routing"].erase("defaultRoute");
  ExpectMetadataFails(w, Input(), "no connected subnet, static route or default route");
}

TEST(MdPathTest, NovaReachableThroughAStaticRoute) {
  json w = World();
  w["edge-7"]["routing"].erase("defaultRoute");
  w["edge-7"]["routing"]["staticRoutes"]["staticRoutes"] = {
      {{"network", "10.0.0.0/24"}, {"nextHop", "10.10.0.1"}, {"vnic", "0"}}};
  EXPECT_TRUE(Check(EvaluateMdPaths(w, Input()), "metadata").proven);
}

TEST(MdPathTest, SignatureComputedWithTheWrongSecretFails) {
  MdPathInput in = Input();
  in.nova.shared_secret = "rotated";
  ExpectMetadataFails(World(), in, "signature mismatch");
}

TEST(MdPathTest, MissingSignatureRuleFailsWhenNovaChecks) {
  json w = World();
  w["edge-12"]["loadBalancer"]["virtualServer"][0]["applicationRuleId"] = {"applicationRule-1"};
  ExpectMetadataFails(w, Input(), "no signature");
}

TEST(MdPathTest, NoSecretAnywhereServesButAllowsSpoofing) {
  json w = World();
  w["edge-12"]["loadBalancer"]["virtualServer"][0]["applicationRuleId"] = {"applicationRule-1"};
  MdPathInput in = Input();
  in.nova.shared_secret.clear();
  const MdPathReport r = EvaluateMdPaths(w, in);
  EXPECT_TRUE(Check(r, "metadata").proven) << Dump(r);
  const MdPathVerdict& spoof = Check(r, "no-spoofed-provider");
  EXPECT_FALSE(spoof.proven) << Dump(r);
  EXPECT_NE(spoof.reason.find("obtains edge-victim's identity"), std::string::npos) << spoof.reason;
}

TEST(MdPathTest, ProviderOfAnotherEdgeFails) {
  json w = World();
  w["edge-12"]["loadBalancer"]["applicationRule"][0]["script"] =
      "reqadd X-Metadata-Provider:edge-99";
  w["edge-12"]["loadBalancer"]["applicationRule"][1]["script"] =
      "reqadd X-Metadata-Provider-Signature:" + MdPathSignature("s3cr3t", "edge-99");
  ExpectMetadataFails(w, Input(), "not the router's edge edge-12");
}

TEST(MdPathTest, UnknownApplicationRuleFails) {
  json w = World();
  w["edge-12"]["loadBalancer"]["applicationRule"][0]["script"] =
      "acl is_md hdr(host) 169.254.169.254\nreqadd X-Metadata-Provider:edge-12 if is_md";
  ExpectMetadataFails(w, Input(), "unknown rule 'acl is_md");
}

TEST(MdPathTest, MissingXForwardedForFails) {
  json w = World();
  w["edge-12"]["loadBalancer"]["applicationProfile"][0]["insertXForwardedFor"] = false;
  ExpectMetadataFails(w, Input(), "X-Forwarded-For missing");
}

TEST(MdPathTest, EdgeAbsentFromTheSnapshotFails) {
  MdPathInput in = Input();
  in.routers = {{"router-2", "edge-404"}};
  ExpectMetadataFails(World(), in, "not on the manager");
}

TEST(MdPathHaproxyTest, ReqaddFormsAreUnderstoodAndEverythingElseIsUnknown) {
  using mdpath::AppRuleOp;
  auto ops = mdpath::ParseAppRule("reqadd X-Metadata-Provider:edge-12\n\n  reqadd X-A:b  ");
  ASSERT_EQ(ops.size(), 2U);
  EXPECT_EQ(ops[0].kind, AppRuleOp::Kind::kReqAdd);
  EXPECT_EQ(ops[0].header, "X-Metadata-Provider");
  EXPECT_EQ(ops[0].value, "edge-12");
  EXPECT_EQ(ops[1].header, "X-A");
  for (const char* s :
       {"reqadd X-A:b if foo", "reqadd X-A:\\ b", "reqdel ^X-Metadata-Provider:", "block if foo",
        "http-request set-header X-A b", "reqadd :b", "reqadd X A:b", ""}) {
    auto unknown = mdpath::ParseAppRule(s);
    ASSERT_EQ(unknown.size(), 1U) << s;
    EXPECT_EQ(unknown[0].kind, AppRuleOp::Kind::kUnknown) << s;
  }
}

TEST(MdPathFirewallTest, PortListsRangesAndStrings) {
  json w = World();
  Rule(w, "edge-12", "MDServiceIP")["application"]["service"][0]["port"] = {"79-81", "443"};
  EXPECT_TRUE(Check(EvaluateMdPaths(w, Input()), "metadata").proven);
  Rule(w, "edge-12", "MDServiceIP")["application"]["service"][0]["port"] = {"81-90"};
  EXPECT_FALSE(Check(EvaluateMdPaths(w, Input()), "metadata").proven);
}

TEST(MdPathFirewallTest, GroupingObjectsAreUnknownNotGuessed) {
  json w = World();
  Rule(w, "edge-12", "VSERule")["destination"] = {{"groupingObjectId", {"ipset-1"}}};
  ExpectMetadataFails(w, Input(), "groupingObjectId ipset-1 cannot be resolved");
}

TEST(MdPathRenderTest, JsonCarriesVerdictsAndHops) {
  json w = World();
  w["edge-12"]["loadBalancer"]["pool"][0]["member"] = json::array();
  const json j = MdPathReportToJson(EvaluateMdPaths(w, Input()));
  EXPECT_EQ(j["total"], 1);
  EXPECT_EQ(j["proven"], 0);
  EXPECT_EQ(j["ok"], false);
  const json& r = j["routers"][0];
  EXPECT_EQ(r["edge"], "edge-12");
  EXPECT_EQ(r["checks"].size(), 4U);
  EXPECT_EQ(r["checks"][0]["check"], "metadata");
  EXPECT_NE(r["failure"].get<std::string>().find("no enabled member"), std::string::npos);
  EXPECT_FALSE(r["checks"][0]["hops"].back()["ok"].get<bool>());
}

}  // namespace
}  // namespace nsxv::scenarios
