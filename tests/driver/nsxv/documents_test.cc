#include "driver/nsxv/documents.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace nsxv::driver {
namespace {

using nlohmann::json;

TEST(DocumentsTest, InternalVnicMatchesTheReferenceBody) {
  const Vnic v =
      MakeVnic(1, "virtualwire-7", "169.254.128.9", "255.255.128.0", "17", {"169.254.169.254"});
  const json expected = json::parse(R"(
    {"index": 1, "name": "internal1", "type": "internal", "portgroupId": "virtualwire-7", "mtu": 1500,
     "enableProxyArp": false, "enableSendRedirects": true, "isConnected": true,
     "addressGroups": {"addressGroups": [{"subnetMask": "255.255.128.0", "subnetPrefixLength": "17",
         "primaryAddress": "169.254.128.9",
         "secondaryAddresses": {"type": "secondary_addresses", "ipAddress": ["169.254.169.254"]}}]}})");
  EXPECT_EQ(json::parse(EncodeVnic(v)), expected);
  Result<Vnic> back = DecodeVnic(EncodeVnic(v));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, v);
  EXPECT_EQ(back->address_groups[0].subnet_prefix_length->text, "17");
  EXPECT_FALSE(back->address_groups[0].subnet_prefix_length->is_number);
}

TEST(DocumentsTest, ExternalVnicHasNoSecondaries) {
  const json expected = json::parse(R"(
     {"index": 0, "name": "external", "type": "uplink", "portgroupId": "dvportgroup-55", "mtu": 1500,
      "enableProxyArp": false, "enableSendRedirects": true, "isConnected": true,
      "addressGroups": {"addressGroups": [{"primaryAddress": "10.10.0.5", "subnetMask": "255.255.255.0"}]}})");
  EXPECT_EQ(json::parse(EncodeVnic(MakeVnic(0, "dvportgroup-55", "10.10.0.5", "255.255.255.0"))),
            expected);
}

TEST(DocumentsTest, VnicKeepsUnknownFieldsAtEveryLevel) {
  const std::string body = R"(
    {"index": 0, "name": "external", "label": "vNic_0", "type": "uplink",
     "portgroupId": "dvportgroup-55", "portgroupName": "mgmt-pg", "mtu": 1500,
     "isConnected": true, "enableProxyArp": false, "enableSendRedirects": true,
     "subInterfaces": {"subInterfaces": [{"index": 10, "tunnelId": 1}]},
     "inShapingPolicy": {"enabled": false},
     "addressGroups": {"addressGroups": [{"primaryAddress": "10.10.0.5",
                                          "subnetMask": "255.255.255.0",
                                          "subnetPrefixLength": 24, "futureKey": [1, 2]}],
                       "wrapperExtra": true}})";
  Result<Vnic> v = DecodeVnic(body);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->portgroup_id, "dvportgroup-55");
  EXPECT_EQ(v->address_groups[0].subnet_prefix_length->AsInt(), 24);
  // Read-modify-write: change the IP, keep everything else.
  v->address_groups[0].primary_address = "10.10.0.6";
  json out = json::parse(EncodeVnic(*v));
  json expected = json::parse(body);
  expected["addressGroups"]["addressGroups"][0]["primaryAddress"] = "10.10.0.6";
  EXPECT_EQ(out, expected);
}

TEST(DocumentsTest, VnicDecodeErrorsNameDocumentAndField) {
  struct Case {
    const char* body;
    const char* needle;
  } cases[] = {
      {"", "vnic: response body is not JSON"},
      {"{\"index\": 0", "not JSON"},
      {"[1]", "vnic: expected an object"},
      {R"({"name": "x"})", "vnic: field \"index\" is missing"},
      {R"({"index": "0"})", "\"index\" must be an integer"},
      {R"({"index": 0, "portgroupId": 5})", "\"portgroupId\" must be a string"},
      {R"({"index": 0, "addressGroups": {"addressGroups": [{"subnetMask": "x"}]}})",
       "vnic.addressGroups.addressGroups[0]: field \"primaryAddress\" is missing"},
      {R"({"index": 0, "addressGroups": []})", "\"addressGroups\" must be an object"},
      {R"({"index": 0, "addressGroups": {"addressGroups": {}}})", "must be an array"},
      {R"({"index": 0, "addressGroups": {"addressGroups": [{"primaryAddress": "a",
          "secondaryAddresses": {"ipAddress": "b"}}]}})",
       "secondaryAddresses: field \"ipAddress\" must be an array"},
  };
  for (const Case& c : cases) {
    Result<Vnic> v = DecodeVnic(c.body);
    ASSERT_FALSE(v.ok()) << c.body;
    EXPECT_EQ(v.status().code(), StatusCode::kProtocolError);
    EXPECT_NE(v.status().message().find(c.needle), std::string::npos)
        << v.status().message() << "\nexpected: " << c.needle;
  }
}

TEST(DocumentsTest, StaticRoutingRoundTrip) {
  StaticRouting r;
  r.default_route = DefaultRoute{"10.10.0.1", "default-gateway", std::nullopt, std::nullopt, ""};
  EXPECT_EQ(json::parse(EncodeStaticRouting(r)), json::parse(R"(
      {"staticRoutes": {"staticRoutes": []},
       "defaultRoute": {"description": "default-gateway", "gatewayAddress": "10.10.0.1"}})"));
  r.default_route.reset();
  EXPECT_EQ(json::parse(EncodeStaticRouting(r)),
            json::parse(R"({"staticRoutes": {"staticRoutes": []}})"));

  const std::string got = R"(
    {"staticRoutes": {"staticRoutes": [{"vnic": "1", "network": "10.1.0.0/16", "nextHop": "10.0.0.1",
                                        "description": "", "mtu": 1500, "type": "user"}]},
     "defaultRoute": {"vnic": 0, "gatewayAddress": "10.10.0.1", "description": "default-gateway",
                      "mtu": 1500, "adminDistance": 1},
     "version": 7})";
  Result<StaticRouting> d = DecodeStaticRouting(got);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->default_route->gateway_address, "10.10.0.1");
  EXPECT_EQ(d->static_routes[0].vnic->AsInt(), 1);
  EXPECT_EQ(json::parse(EncodeStaticRouting(*d)), json::parse(got));
  // Removing the default route removes it, extras or not.
  d->default_route.reset();
  EXPECT_FALSE(json::parse(EncodeStaticRouting(*d)).contains("defaultRoute"));
  // An empty document is no routes and no default route.
  Result<StaticRouting> empty = DecodeStaticRouting("{}");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->static_routes.empty());
  EXPECT_FALSE(empty->default_route.has_value());
  EXPECT_FALSE(DecodeStaticRouting(R"({"defaultRoute": {"vnic": 0}})").ok());
}

TEST(DocumentsTest, FirewallConfigOfTheProxyEdge) {
  FirewallConfig fw;
  FirewallRule vse;
  vse.action = "accept";
  vse.name = "VSERule";
  vse.source = FirewallEndpoint{{}, {"vse"}, ""};
  vse.rule_tag = 1;
  FirewallRule internal;
  internal.action = "accept";
  internal.source = FirewallEndpoint{{"169.254.128.0/17"}, {}, ""};
  internal.rule_tag = 2;
  FirewallRule md;
  md.action = "accept";
  md.name = "MDServiceIP";
  md.destination = FirewallEndpoint{{"169.254.169.254"}, {}, ""};
  md.services.push_back(FirewallService{"tcp", {80, 443, 8775}, {}, std::nullopt, ""});
  md.rule_tag = 3;
  fw.rules = {vse, internal, md};
  EXPECT_EQ(json::parse(EncodeFirewallConfig(fw)), json::parse(R"(
    {"featureType": "firewall_4.0", "globalConfig": {"tcpTimeoutEstablished": 7200},
     "firewallRules": {"firewallRules": [
       {"action": "accept", "enabled": true, "name": "VSERule", "source": {"vnicGroupId": ["vse"]}, "ruleTag": 1},
       {"action": "accept", "enabled": true, "source": {"ipAddress": ["169.254.128.0/17"]}, "ruleTag": 2},
       {"action": "accept", "enabled": true, "name": "MDServiceIP", "destination": {"ipAddress": ["169.254.169.254"]},
        "application": {"service": [{"port": [80, 443, 8775], "protocol": "tcp"}]}, "ruleTag": 3}]}})"));
}

TEST(DocumentsTest, FirewallGetDocumentKeepsExtrasButNotServerIds) {
  const std::string got = R"(
    {"featureType": "firewall_4.0", "version": 3, "enabled": true,
     "globalConfig": {"tcpTimeoutEstablished": 7200, "dropInvalidTraffic": true},
     "defaultPolicy": {"action": "deny", "loggingEnabled": false},
     "firewallRules": {"firewallRules": [
        {"ruleId": 131074, "ruleTag": 1, "name": "VSERule", "ruleType": "user", "action": "accept",
         "enabled": true, "loggingEnabled": false, "source": {"vnicGroupId": ["vse"]}}]}})";
  Result<FirewallConfig> fw = DecodeFirewallConfig(got);
  ASSERT_TRUE(fw.ok()) << fw.status().ToString();
  EXPECT_EQ(fw->rules[0].rule_id, 131074);
  EXPECT_EQ(fw->rules[0].rule_tag, 1);
  EXPECT_EQ(fw->rules[0].rule_type, "user");
  const json out = json::parse(EncodeFirewallConfig(*fw));
  EXPECT_EQ(out["globalConfig"]["dropInvalidTraffic"], true);
  EXPECT_EQ(out["defaultPolicy"]["action"], "deny");
  EXPECT_EQ(out["firewallRules"]["firewallRules"][0]["loggingEnabled"], false);
  EXPECT_FALSE(out["firewallRules"]["firewallRules"][0].contains("ruleId"));
  // The 2016 reader requires firewallRules.
  Result<FirewallConfig> bad = DecodeFirewallConfig(R"({"featureType": "firewall_4.0"})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("firewallRules"), std::string::npos);
  EXPECT_FALSE(DecodeFirewallConfig(R"({"firewallRules": {"firewallRules": [{}]}})").ok());
}

TEST(DocumentsTest, DeployDocumentMatchesTheReferenceExample) {
  EdgeSpec spec;
  spec.name = "metadata_proxy_router-6f1d7c1e-2b8a-4c55-9d3e-0a1b2c3d4e5f";
  spec.external_portgroup = "dvportgroup-20";
  spec.resource_pool_id = "domain-c7";
  spec.datastore_id = "datastore-12";
  spec.datacenter_moid = "datacenter-2";
  const json expected = json::parse(R"(
  {
    "name": "metadata_proxy_router-6f1d7c1e-2b8a-4c55-9d3e-0a1b2c3d4e5f",
    "fqdn": null,
    "enableAesni": true,
    "enableFips": false,
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
    "datacenterMoid": "datacenter-2"
  })");
  const EdgeDocument doc = MakeEdgeDocument(spec);
  EXPECT_EQ(json::parse(EncodeEdge(doc)), expected);
  // Decode -> encode of our own document is exact.
  Result<EdgeDocument> back = DecodeEdge(EncodeEdge(doc));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(json::parse(EncodeEdge(*back)), expected);

  spec.edge_ha = true;
  spec.ha_datastore_id = "datastore-13";
  spec.appliance_user = "admin";
  spec.appliance_password = "Secret-Password-1";
  const json ha = json::parse(EncodeEdge(MakeEdgeDocument(spec)));
  EXPECT_EQ(ha["featureConfigs"]["features"][1],
            json::parse(R"({"featureType": "highavailability_4.0", "enabled": true})"));
  EXPECT_EQ(ha["appliances"]["appliances"].size(), 2U);
  EXPECT_EQ(ha["cliSettings"]["userName"], "admin");
}

TEST(DocumentsTest, EdgeGetDocumentKeepsEverythingOnWriteBack) {
  const std::string got = R"(
    {"id": "edge-5", "version": 4, "status": "deployed", "tenant": "default", "name": "backup-1",
     "fqdn": "NSX-edge-5", "enableAesni": true, "enableFips": false,
     "datacenterMoid": "datacenter-2", "datacenterName": "dc", "type": "gatewayServices",
     "appliances": {"applianceSize": "large", "appliances": [{"datastoreId": "ds-1",
                    "vmId": "vm-358", "highAvailabilityIndex": 0}]},
     "cliSettings": {"remoteAccess": false, "userName": "admin", "sshLoginBannerText": "hi"},
     "featureConfigs": {"features": [{"featureType": "firewall_4.0", "version": 2,
                        "globalConfig": {"tcpTimeoutEstablished": 7200, "udpTimeout": 60}}]},
     "vnics": {"vnics": [{"index": 0, "name": "external", "type": "uplink", "isConnected": true,
                          "portgroupId": "dvportgroup-20"}]},
     "autoConfiguration": {"enabled": false, "rulePriority": "high"}})";
  Result<EdgeDocument> e = DecodeEdge(got);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->appliance_size, "large");
  EXPECT_EQ(e->features[0].tcp_timeout_established, 7200);
  EXPECT_EQ(json::parse(EncodeEdge(*e)), json::parse(got));
  // rename_edge drops the keys that "fail the update".
  e->name = "new-name";
  e->extra = EraseExtraKeys(e->extra, {"status", "version", "tenant", "datacenterName"});
  const json out = json::parse(EncodeEdge(*e));
  EXPECT_EQ(out["name"], "new-name");
  EXPECT_FALSE(out.contains("status"));
  EXPECT_FALSE(out.contains("version"));
  EXPECT_EQ(out["appliances"]["appliances"][0]["vmId"], "vm-358");
  EXPECT_FALSE(DecodeEdge(R"({"id": "edge-1"})").ok());
}

TEST(DocumentsTest, EdgePageStatusAndJobs) {
  Result<EdgePage> page = DecodeEdgePage(R"(
    {"edgePage": {"data": [{"id": "edge-5", "name": "backup-1a2b3c4d-5e6f", "edgeStatus": "GREEN",
                            "edgeType": "gatewayServices",
                            "appliancesSummary": {"applianceSize": "compact"}}],
                  "pagingInfo": {"pageSize": 256, "startIndex": 0, "totalCount": 1}}})");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->data.size(), 1U);
  EXPECT_EQ(page->data[0].appliance_size, "compact");
  EXPECT_EQ(page->paging->total_count, 1);
  EXPECT_FALSE(DecodeEdgePage(R"({"edgePage": {}})").ok());
  EXPECT_FALSE(DecodeEdgePage(R"({"edgePage": {"data": [{"name": "x"}]}})").ok());

  Result<EdgeStatus> st = DecodeEdgeStatus(R"({"edgeStatus": "GREEN", "systemStatus": "good"})");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->edge_status, "GREEN");
  EXPECT_FALSE(DecodeEdgeStatus("{}").ok());

  Result<std::vector<EdgeJob>> jobs =
      DecodeEdgeJobs(R"({"edgeJob": [{"jobId": "jobdata-917", "status": "RUNNING"}]})");
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(jobs->at(0).job_id, "jobdata-917");
  EXPECT_TRUE(DecodeEdgeJobs(R"({"edgeJob": []})")->empty());
  EXPECT_FALSE(DecodeEdgeJobs("{}").ok());  // 2016 compared the key with []
  EXPECT_FALSE(DecodeEdgeJobs(R"({"edgeJob": {}})").ok());
}

TEST(DocumentsTest, TruststoreDocuments) {
  EXPECT_EQ(
      EncodeCsrXml({}),
      "<csr><subject><attribute><key>CN</key><value>metadata.nsx.local</value></attribute>"
      "<attribute><key>O</key><value>Organization</value></attribute><attribute><key>OU</key>"
      "<value>Unit</value></attribute><attribute><key>L</key><value>Locality</value></attribute>"
      "<attribute><key>ST</key><value>State</value></attribute><attribute><key>C</key><value>US"
      "</value></attribute></subject><algorithm>RSA</algorithm><keySize>2048</keySize></csr>");
  EXPECT_EQ(*DecodeSelfSignedCertificateId(R"({"objectId": "certificate-13", "name": "x"})"),
            "certificate-13");
  EXPECT_FALSE(DecodeSelfSignedCertificateId(R"({"certificates": []})").ok());
  EXPECT_EQ(*DecodeUploadedCertificateId(R"({"certificates": [{"objectId": "certificate-14"}]})"),
            "certificate-14");
  EXPECT_FALSE(DecodeUploadedCertificateId(R"({"certificates": []})").ok());
  EXPECT_FALSE(DecodeUploadedCertificateId(R"({"objectId": "certificate-14"})").ok());
  EXPECT_EQ(
      *DecodeCertificateIds(
          R"({"certificates": [{"objectId": "certificate-1"}, {"objectId": "certificate-2"}]})"),
      (std::vector<std::string>{"certificate-1", "certificate-2"}));
  EXPECT_TRUE(DecodeCertificateIds(R"({"certificates": []})")->empty());
  EXPECT_FALSE(DecodeCertificateIds("not json").ok());
  EXPECT_EQ(json::parse(EncodeCertificateUpload("PEM", "KEY")),
            json::parse(R"({"pemEncoding": "PEM", "privateKey": "KEY"})"));
}

TEST(DocumentsTest, VirtualWireSpecIsEscaped) {
  VirtualWireSpec spec;
  spec.name = "0b6c2f3e-8f5a-4a51-9a1e-2f0d1c9e7a11";
  EXPECT_EQ(EncodeVirtualWireXml(spec),
            "<virtualWireCreateSpec><name>0b6c2f3e-8f5a-4a51-9a1e-2f0d1c9e7a11</name>"
            "<tenantId>virtual wire tenant</tenantId></virtualWireCreateSpec>");
  spec.name = "a<b>&\"c'";
  EXPECT_EQ(EncodeVirtualWireXml(spec),
            "<virtualWireCreateSpec><name>a&lt;b&gt;&amp;&quot;c&apos;</name>"
            "<tenantId>virtual wire tenant</tenantId></virtualWireCreateSpec>");
}

TEST(DocumentsTest, PyDumpsMatchesPythonFormatting) {
  const json v = json::parse(R"({"b": [1, 2.5, true, null], "a": {"y": "é\u007f/\"", "x": -3}})");
  EXPECT_EQ(PyDumps(v), R"({"a": {"x": -3, "y": "\u00e9\u007f/\""}, "b": [1, 2.5, true, null]})");
  EXPECT_EQ(PyDumps(json::object()), "{}");
  EXPECT_EQ(PyDumps(json::array()), "[]");
}

}  // namespace
}  // namespace nsxv::driver
