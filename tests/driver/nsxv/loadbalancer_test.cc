#include "driver/nsxv/loadbalancer.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace nsxv::driver {
namespace {

using nlohmann::json;

// Reference §3.3 (a): metadata proxy edge, metadata_insecure=True. [GEN] by the 2016 module.
constexpr char kBodyA[] =
    R"({"accelerationEnabled": false, "applicationProfile": [{"applicationProfileId": "applicationProfile-1", "insertXForwardedFor": false, "name": "MDSrvProxy", "serverSslEnabled": false, "sslPassthrough": false, "template": "HTTP"}], "enableServiceInsertion": false, "enabled": true, "featureType": "loadbalancer_4.0", "monitor": [{"interval": 10, "maxRetries": 3, "method": "GET", "monitorId": "monitor-1", "name": "MDSrvMon", "timeout": 15, "type": "http", "url": "/"}], "pool": [{"algorithm": "round-robin", "member": [{"condition": "enabled", "ipAddress": "10.0.0.11", "maxConn": 0, "memberId": "member-1", "minConn": 0, "monitorPort": 8775, "name": "Member-1", "port": 8775, "weight": 1}, {"condition": "enabled", "ipAddress": "10.0.0.12", "maxConn": 0, "memberId": "member-2", "minConn": 0, "monitorPort": 8775, "name": "Member-2", "port": 8775, "weight": 1}], "monitorId": ["monitor-1"], "name": "MDSrvPool", "poolId": "pool-1", "transparent": false}], "virtualServer": [{"accelerationEnabled": false, "applicationProfileId": "applicationProfile-1", "connectionLimit": 0, "defaultPoolId": "pool-1", "enableServiceInsertion": false, "enabled": true, "ipAddress": "169.254.128.3", "name": "MdSrv", "port": 8775, "protocol": "HTTP", "virtualServerId": "virtualServer-1"}]})";

// Reference §3.3 (c): router edge, metadata_insecure=True, metadata_shared_secret="s3cr3t".
constexpr char kBodyC[] =
    R"({"accelerationEnabled": false, "applicationProfile": [{"applicationProfileId": "applicationProfile-1", "insertXForwardedFor": true, "name": "MDSrvProxy", "serverSslEnabled": false, "sslPassthrough": false, "template": "HTTP"}], "applicationRule": [{"applicationRuleId": "applicationRule-1", "name": "insert-mdp", "script": "reqadd X-Metadata-Provider:edge-12"}, {"applicationRuleId": "applicationRule-2", "name": "insert-auth", "script": "reqadd X-Metadata-Provider-Signature:fe0e17dccac09132f677eecccca14f4552cfc9108066076b2512a0b22ef17ca2"}], "enableServiceInsertion": false, "enabled": true, "featureType": "loadbalancer_4.0", "monitor": [{"interval": 10, "maxRetries": 3, "method": "GET", "monitorId": "monitor-1", "name": "MDSrvMon", "timeout": 15, "type": "tcp", "url": "/"}], "pool": [{"algorithm": "round-robin", "member": [{"condition": "enabled", "ipAddress": "169.254.128.3", "maxConn": 0, "memberId": "member-1", "minConn": 0, "monitorPort": 8775, "name": "Member-1", "port": 8775, "weight": 1}, {"condition": "enabled", "ipAddress": "169.254.128.4", "maxConn": 0, "memberId": "member-2", "minConn": 0, "monitorPort": 8775, "name": "Member-2", "port": 8775, "weight": 1}], "monitorId": ["monitor-1"], "name": "MDSrvPool", "poolId": "pool-1", "transparent": false}], "virtualServer": [{"accelerationEnabled": false, "applicationProfileId": "applicationProfile-1", "applicationRuleId": ["applicationRule-1", "applicationRule-2"], "connectionLimit": 0, "defaultPoolId": "pool-1", "enableServiceInsertion": false, "enabled": true, "ipAddress": "169.254.169.254", "name": "MdSrv", "port": 80, "protocol": "HTTP", "virtualServerId": "virtualServer-1"}]})";

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

MetadataLbSpec ProxySpec() {
  MetadataLbSpec s;
  s.edge_id = "edge-7";
  s.vip = "169.254.128.3";
  s.vip_port = 8775;
  s.member_port = 8775;
  s.member_ips = {"10.0.0.11", "10.0.0.12"};
  s.proxy_lb = true;
  return s;
}

MetadataLbSpec RouterSpec() {
  MetadataLbSpec s;
  s.edge_id = "edge-12";
  s.vip = "169.254.169.254";
  s.vip_port = 80;
  s.member_port = 8775;
  s.member_ips = {"169.254.128.3", "169.254.128.4"};
  s.proxy_lb = false;
  s.shared_secret = "s3cr3t";
  return s;
}

std::string MustSerialize(const LoadBalancer& lb) {
  Result<std::string> body = lb.Serialize();
  EXPECT_TRUE(body.ok()) << body.status().ToString();
  return body.ok() ? *body : std::string();
}

TEST(LoadBalancerTest, ProxyEdgeHttpBodyIsByteExact) {
  EXPECT_EQ(MustSerialize(MakeMetadataLoadBalancer(ProxySpec())), kBodyA);
}

TEST(LoadBalancerTest, ProxyEdgeHttpsBodyIsTheDocumentedVariant) {
  MetadataLbSpec spec = ProxySpec();
  spec.insecure = false;
  std::string expected = kBodyA;
  expected =
      Replace(expected, R"("serverSslEnabled": false, "sslPassthrough": false, "template": "HTTP")",
              R"("serverSslEnabled": true, "sslPassthrough": true, "template": "HTTPS")");
  expected = Replace(expected, R"("type": "http")", R"("type": "https")");
  expected = Replace(expected, R"("port": 8775, "protocol": "HTTP")",
                     R"("port": 8775, "protocol": "HTTPS")");
  EXPECT_EQ(MustSerialize(MakeMetadataLoadBalancer(spec)), expected);
  // The VIP port is forced to 8775 whatever nova_metadata_port is.
  spec.vip_port = 80;
  EXPECT_EQ(MustSerialize(MakeMetadataLoadBalancer(spec)), expected);
}

TEST(LoadBalancerTest, RouterEdgeHttpBodyIsByteExact) {
  EXPECT_EQ(MustSerialize(MakeMetadataLoadBalancer(RouterSpec())), kBodyC);
  EXPECT_EQ(HmacSha256Hex("s3cr3t", "edge-12"),
            "fe0e17dccac09132f677eecccca14f4552cfc9108066076b2512a0b22ef17ca2");
}

TEST(LoadBalancerTest, RouterEdgeWithoutSecretHasOnlyInsertMdp) {
  MetadataLbSpec spec = RouterSpec();
  spec.shared_secret.clear();
  std::string expected = kBodyC;
  expected = Replace(
      expected,
      R"(, {"applicationRuleId": "applicationRule-2", "name": "insert-auth", "script": "reqadd X-Metadata-Provider-Signature:fe0e17dccac09132f677eecccca14f4552cfc9108066076b2512a0b22ef17ca2"})",
      "");
  expected = Replace(expected, R"("applicationRuleId": ["applicationRule-1", "applicationRule-2"])",
                     R"("applicationRuleId": ["applicationRule-1"])");
  EXPECT_EQ(MustSerialize(MakeMetadataLoadBalancer(spec)), expected);
}

TEST(LoadBalancerTest, RouterEdgeHttpsBodyIsTheDocumentedVariant) {
  MetadataLbSpec spec = RouterSpec();
  spec.insecure = false;
  spec.certificate_id = "certificate-13";
  std::string expected = kBodyC;
  expected = Replace(
      expected,
      R"({"applicationProfileId": "applicationProfile-1", "insertXForwardedFor": true, "name": "MDSrvProxy", "serverSslEnabled": false, "sslPassthrough": false, "template": "HTTP"})",
      R"({"applicationProfileId": "applicationProfile-1", "clientSsl": {"clientAuth": "ignore", "serviceCertificate": ["certificate-13"]}, "insertXForwardedFor": true, "name": "MDSrvProxy", "serverSslEnabled": true, "sslPassthrough": false, "template": "HTTPS"})");
  expected =
      Replace(expected, R"("port": 80, "protocol": "HTTP")", R"("port": 443, "protocol": "HTTPS")");
  const std::string body = MustSerialize(MakeMetadataLoadBalancer(spec));
  EXPECT_EQ(body, expected);
  EXPECT_NE(body.find(R"("type": "tcp")"), std::string::npos);  // the monitor stays tcp
}

TEST(LoadBalancerTest, ParseThenSerializeIsByteExact) {
  for (const char* body : {kBodyA, kBodyC}) {
    Result<LoadBalancer> lb = LoadBalancer::Parse(body);
    ASSERT_TRUE(lb.ok()) << lb.status().ToString();
    EXPECT_EQ(MustSerialize(*lb), body);
  }
  MetadataLbSpec spec = RouterSpec();
  spec.insecure = false;
  spec.certificate_id = "certificate-13";
  const std::string https = MustSerialize(MakeMetadataLoadBalancer(spec));
  Result<LoadBalancer> lb = LoadBalancer::Parse(https);
  ASSERT_TRUE(lb.ok()) << lb.status().ToString();
  ASSERT_TRUE(lb->virtual_servers[0].app_profile.client_ssl.has_value());  // 2016 lost it
  EXPECT_EQ(MustSerialize(*lb), https);
  EXPECT_EQ(*lb, MakeMetadataLoadBalancer(spec));
}

TEST(LoadBalancerTest, ParseKeepsUnknownFieldsAndForeignIds) {
  // A backend document with its own ids, extra fields at every level, an extra top-level
  // "version", an unreferenced pool/monitor, and rules listed out of VS order.
  const std::string doc = R"({
    "version": 4, "enabled": true, "enableServiceInsertion": false, "accelerationEnabled": true,
    "featureType": "loadbalancer_4.0", "logging": {"enable": false, "logLevel": "info"},
    "applicationProfile": [{"applicationProfileId": "applicationProfile-9", "name": "p",
      "serverSslEnabled": false, "sslPassthrough": false, "template": "HTTP",
      "insertXForwardedFor": false, "httpRedirect": {"to": "x"},
      "persistence": {"method": "cookie", "cookieName": "C", "cookieMode": "app", "expire": 5}}],
    "applicationRule": [{"applicationRuleId": "applicationRule-4", "name": "b", "script": "B"},
                        {"applicationRuleId": "applicationRule-3", "name": "a", "script": "A"}],
    "monitor": [{"monitorId": "monitor-10", "name": "m10", "interval": 5, "maxRetries": 2,
                 "timeout": 9, "type": "tcp"},
                {"monitorId": "monitor-1", "name": "m1", "interval": 10, "maxRetries": 3,
                 "method": "GET", "timeout": 15, "type": "http", "url": "/", "extension": "e"}],
    "pool": [{"poolId": "pool-7", "name": "web", "algorithm": "leastconn", "transparent": false,
              "monitorId": ["monitor-10"], "description": "d",
              "member": [{"memberId": "member-3", "name": "w1", "ipAddress": "10.1.1.1",
                          "port": "8080", "monitorPort": null, "condition": "drain",
                          "weight": 2, "minConn": 0, "maxConn": 10,
                          "groupingObjectId": "g"}]},
             {"poolId": "pool-8", "name": "orphan", "algorithm": "round-robin",
              "transparent": true, "monitorId": ["monitor-1"], "member": []}],
    "virtualServer": [{"virtualServerId": "virtualServer-2", "name": "vs", "ipAddress": "1.2.3.4",
                       "port": 80, "protocol": "HTTP", "enabled": true,
                       "accelerationEnabled": false, "connectionLimit": 7,
                       "enableServiceInsertion": true, "description": "keep me",
                       "applicationProfileId": "applicationProfile-9",
                       "applicationRuleId": ["applicationRule-3", "applicationRule-4"],
                       "defaultPoolId": "pool-7"}]})";
  Result<LoadBalancer> lb = LoadBalancer::Parse(doc);
  ASSERT_TRUE(lb.ok()) << lb.status().ToString();
  ASSERT_EQ(lb->virtual_servers.size(), 1U);
  const LbVirtualServer& vs = lb->virtual_servers[0];
  // monitorId matched exactly: "monitor-10" is not "monitor-1".
  ASSERT_EQ(vs.default_pool.monitors.size(), 1U);
  EXPECT_EQ(vs.default_pool.monitors[0].name, "m10");
  EXPECT_FALSE(vs.default_pool.monitors[0].method.has_value());
  ASSERT_EQ(vs.app_rules.size(), 2U);
  EXPECT_EQ(vs.app_rules[0].name, "a");  // the VS's own order
  EXPECT_TRUE(vs.enable_service_insertion);
  ASSERT_TRUE(vs.app_profile.persistence.has_value());
  EXPECT_EQ(vs.app_profile.persistence->cookie_mode, "app");
  ASSERT_EQ(lb->unreferenced_pools.size(), 1U);
  EXPECT_EQ(lb->unreferenced_pools[0].monitors[0].name, "m1");

  Result<std::string> out = lb->Serialize();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const json j = json::parse(*out);
  json in = json::parse(doc);
  // Ids are renumbered; everything else is kept.
  EXPECT_EQ(j["version"], 4);
  EXPECT_EQ(j["logging"], in["logging"]);
  EXPECT_EQ(j["applicationProfile"][0]["httpRedirect"],
            in["applicationProfile"][0]["httpRedirect"]);
  EXPECT_EQ(j["applicationProfile"][0]["persistence"], in["applicationProfile"][0]["persistence"]);
  EXPECT_EQ(j["virtualServer"][0]["description"], "keep me");
  EXPECT_EQ(j["virtualServer"][0]["connectionLimit"], 7);
  EXPECT_EQ(j["virtualServer"][0]["applicationRuleId"],
            json({"applicationRule-1", "applicationRule-2"}));
  EXPECT_EQ(j["applicationRule"][0]["script"], "A");
  EXPECT_EQ(j["pool"][0]["description"], "d");
  EXPECT_EQ(j["pool"][0]["member"][0]["groupingObjectId"], "g");
  EXPECT_EQ(j["pool"][0]["member"][0]["port"], "8080");
  EXPECT_TRUE(j["pool"][0]["member"][0]["monitorPort"].is_null());
  EXPECT_EQ(j["pool"][0]["monitorId"], json({"monitor-1"}));
  EXPECT_EQ(j["monitor"][0]["name"], "m10");
  EXPECT_EQ(j["pool"][1]["name"], "orphan");
  EXPECT_EQ(j["pool"][1]["monitorId"], json({"monitor-2"}));
  EXPECT_EQ(j["monitor"][1]["extension"], "e");
  EXPECT_EQ(j["pool"][1]["member"], json::array());
  // And the renumbered document is a fixed point.
  Result<LoadBalancer> again = LoadBalancer::Parse(*out);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again->Serialize(), *out);
}

TEST(LoadBalancerTest, EmptyBalancerOmitsApplicationRule) {
  LoadBalancer lb;
  EXPECT_EQ(
      MustSerialize(lb),
      R"({"accelerationEnabled": false, "applicationProfile": [], "enableServiceInsertion": false, "enabled": true, "featureType": "loadbalancer_4.0", "monitor": [], "pool": [], "virtualServer": []})");
  // The fake returns all five arrays, empty.
  Result<LoadBalancer> parsed = LoadBalancer::Parse(
      R"({"enabled": false, "enableServiceInsertion": false, "accelerationEnabled": false,
          "virtualServer": [], "pool": [], "monitor": [], "applicationProfile": [],
          "applicationRule": []})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_FALSE(parsed->enabled);
  EXPECT_TRUE(parsed->virtual_servers.empty());
}

TEST(LoadBalancerTest, ParseErrorsNameTheField) {
  struct Case {
    const char* body;
    const char* needle;
  } cases[] = {
      {"not json", "not JSON"},
      {"[]", "expected an object"},
      {R"({"enabled": true, "enableServiceInsertion": false})", "accelerationEnabled"},
      {R"({"enabled": true, "enableServiceInsertion": false, "accelerationEnabled": false})",
       "virtualServer"},
      {R"({"enabled": "yes", "enableServiceInsertion": false, "accelerationEnabled": false,
           "virtualServer": []})",
       "\"enabled\" must be a boolean"},
      {R"({"enabled": true, "enableServiceInsertion": false, "accelerationEnabled": false,
           "pool": [{"poolId": "pool-1", "name": "p", "algorithm": "round-robin",
                     "transparent": false, "monitorId": "monitor-1", "member": []}],
           "virtualServer": []})",
       "monitorId"},
      {R"({"enabled": true, "enableServiceInsertion": false, "accelerationEnabled": false,
           "pool": [{"poolId": "pool-1", "name": "p", "algorithm": "round-robin",
                     "transparent": false, "monitorId": ["monitor-1"], "member": []}],
           "virtualServer": []})",
       "names no monitor"},
  };
  for (const Case& c : cases) {
    Result<LoadBalancer> lb = LoadBalancer::Parse(c.body);
    ASSERT_FALSE(lb.ok()) << c.body;
    EXPECT_EQ(lb.status().code(), StatusCode::kProtocolError);
    EXPECT_NE(lb.status().message().find(c.needle), std::string::npos)
        << lb.status().message() << " vs " << c.needle;
  }
  // A truncated copy of a real body at every length fails cleanly.
  const std::string a = kBodyA;
  for (size_t n = 0; n < a.size(); n += 7) {
    EXPECT_FALSE(LoadBalancer::Parse(a.substr(0, n)).ok()) << n;
  }
}

TEST(LoadBalancerTest, PersistenceKeepsCookieFieldsForCookieMethod) {
  LbAppProfile p;
  p.SetPersistence(true, "cookie", "JSESSIONID", "insert", 30);
  ASSERT_TRUE(p.persistence.has_value());
  EXPECT_EQ(p.persistence->cookie_mode, "insert");  // 2016 dropped it (tested the mode)
  EXPECT_EQ(p.persistence->cookie_name, "JSESSIONID");
  p.SetPersistence(true, "sourceip");
  EXPECT_FALSE(p.persistence->cookie_mode.has_value());
  p.SetPersistence(false);
  EXPECT_FALSE(p.persistence.has_value());
}

TEST(LoadBalancerTest, SerializeRefusesMemberWithoutAddressAndKeepsDictSemantics) {
  MetadataLbSpec spec = RouterSpec();
  spec.member_ips = {"169.254.128.3", ""};
  Result<std::string> body = MakeMetadataLoadBalancer(spec).Serialize();
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().code(), StatusCode::kInvalidArgument);
  // Adding a virtual server with an existing name replaces it in place.
  LoadBalancer lb = MakeMetadataLoadBalancer(ProxySpec());
  LbVirtualServer other;
  other.name = "Other";
  other.ip_address = "1.1.1.1";
  other.app_profile.name = "x";
  other.default_pool.name = "y";
  lb.AddVirtualServer(other);
  LbVirtualServer md = lb.virtual_servers[0];
  md.ip_address = "169.254.128.9";
  lb.AddVirtualServer(md);
  ASSERT_EQ(lb.virtual_servers.size(), 2U);
  EXPECT_EQ(lb.virtual_servers[0].ip_address, "169.254.128.9");
  lb.RemoveVirtualServer("MdSrv");
  ASSERT_NE(lb.FindVirtualServer("Other"), nullptr);
  EXPECT_EQ(lb.FindVirtualServer("MdSrv"), nullptr);
}

}  // namespace
}  // namespace nsxv::driver
