// Tests of the "never break metadata silently" rules of issue 14 (docs/md-proxy.md): transient
// errors never remove metadata, the M3 firewall rules on router edges, deleting routers whose edge
// is broken, prerequisites before any write.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "driver/md_proxy/md_proxy.h"
#include "driver/plugin/plugin.h"
#include "driver/store/nsxv_db.h"
#include "tests/driver/md_proxy/md_proxy_fixture.h"
#include "tests/test_util/driver_env.h"

namespace nsxv::md_proxy {
namespace {

using nlohmann::json;
using testing_util::TestMdConfig;

class MdProxyIssue14Test : public MdProxyTest {
 public:
  // A fault rule on every call of `method` `path` (more times than the client retries).
  static std::string Always(const std::string& method, const std::string& path, int status) {
    return R"({"method": ")" + method + R"(", "path": ")" + path +
           R"(", "times": 1000, "fault": {"kind": "http_error", "status": )" +
           std::to_string(status) + "}}";
  }
};

// ---- item 1: a transient error never removes metadata ----

TEST_F(MdProxyIssue14Test, TransientReadErrorKeepsTheProxyEdgeAMember) {
  const InitReport first = MustInit(*Handler(TestMdConfig()));
  ASSERT_EQ(first.live_proxy_ips.size(), 2U);
  auto h0 = Handler(TestMdConfig());
  MustInit(*h0);
  const plugin::Router before = NewRouter(*h0, "before");
  SetFaults("[" +
            Always("GET",
                   "/api/4.0/edges/" + first.proxy_edges[0].edge_id + "/routing/config/static",
                   500) +
            "]");
  auto h = Handler(TestMdConfig());
  const InitReport r = MustInit(*h);
  // The edge exists and was configured: it stays a member, reported as not verified.
  EXPECT_FALSE(r.complete());
  EXPECT_EQ(r.failed_ext_ips(), (std::vector<std::string>{"10.10.0.5"}));
  EXPECT_EQ(r.unverified_ext_ips(), (std::vector<std::string>{"10.10.0.5"}));
  EXPECT_EQ(r.live_proxy_ips, first.live_proxy_ips);
  // The operations that go on still end with an error naming the unverified edge.
  const Status pool = h->PoolStatus();
  EXPECT_FALSE(pool.ok());
  EXPECT_NE(pool.message().find("not verified, kept as members: 10.10.0.5"), std::string::npos)
      << pool.message();
  EXPECT_EQ(h->ProxyEdgeIps(), first.live_proxy_ips);
  const plugin::Router router = NewRouter(*h, "r1");
  EXPECT_EQ(MdMembers(EdgeOf(router.id)), first.live_proxy_ips);
  auto redo = h->RedoConfig();
  ASSERT_TRUE(redo.ok()) << redo.status().ToString();
  EXPECT_EQ(MdMembers(EdgeOf(before.id)), first.live_proxy_ips);
}

TEST_F(MdProxyIssue14Test, AnEmptyMemberListIsNeverWritten) {
  const InitReport first = MustInit(*Handler(TestMdConfig()));
  auto h0 = Handler(TestMdConfig());
  MustInit(*h0);
  const plugin::Router before = NewRouter(*h0, "before");
  // Both proxy edges powered off while the Nova servers change: neither can take the new Nova
  // list ("not running"), so neither is a live proxy.
  for (const auto& e : first.proxy_edges) {
    ASSERT_TRUE(manager_->model().SetPowered(e.edge_id, false).ok());
  }
  MdProxyConfig changed = TestMdConfig();
  changed.nova_metadata_ips = {"10.0.0.21"};
  auto h = Handler(changed);
  const InitReport r = MustInit(*h);
  EXPECT_TRUE(r.live_proxy_ips.empty());
  const uint64_t mark = JournalMark();
  auto redo = h->RedoConfig();
  EXPECT_FALSE(redo.ok()) << "redo-config with no live proxy edge";
  EXPECT_NE(redo.status().message().find("no live metadata proxy edge"), std::string::npos)
      << redo.status().message();
  EXPECT_EQ(MdMembers(EdgeOf(before.id)), first.live_proxy_ips);
  plugin::RouterSpec spec;
  spec.name = "r1";
  auto created = h->CreateRouterWithMetadata(*ctx_, spec);
  EXPECT_FALSE(created.ok()) << "a router was created with an empty metadata pool";
  for (const auto& [method, path] : CallsSince(mark)) {
    EXPECT_FALSE(method == "PUT" && path.ends_with("/loadbalancer/config"))
        << "an LB was written: " << path;
  }
  ExpectInvariants();
}

// ---- item 2: the M3 firewall rules on router edges ----

// The user rules of `edge_id`'s firewall as the fake stores them.
json FirewallRulesOf(const json& dump, const std::string& edge_id) {
  for (const json& e : dump["edges"]) {
    if (e["id"] == edge_id) return e["firewall"]["firewallRules"]["firewallRules"];
  }
  return json::array();
}

const json* RuleNamed(const json& rules, const std::string& name) {
  for (const json& r : rules) {
    if (r.value("name", "") == name) return &r;
  }
  return nullptr;
}

TEST_F(MdProxyIssue14Test, M3FirewallRulesAreWrittenOnConfigureAndRemovedOnCleanup) {
  MdProxyConfig c = TestMdConfig();
  c.metadata_service_allowed_ports = {"9000"};
  auto h = Handler(c);
  MustInit(*h);
  plugin::RouterSpec spec;
  spec.name = "r1";
  auto router = plugin_->CreateRouter(*ctx_, spec);
  ASSERT_TRUE(router.ok()) << router.status().ToString();
  const std::string edge = EdgeOf(router->id);
  // A rule another service wrote on the edge survives configure and cleanup.
  driver::FirewallConfig theirs;
  driver::FirewallRule other;
  other.name = "lbaas-vip";
  other.action = "accept";
  other.rule_tag = 1;
  other.destination = driver::FirewallEndpoint{{"10.1.2.3"}, {}, {}};
  theirs.rules = {other};
  ASSERT_TRUE(vcns_->UpdateFirewall(edge, theirs).ok());

  ASSERT_TRUE(h->ConfigureRouterEdge(*ctx_, router->id).ok());
  // Expected bodies: reference §1.14 ("Metadata rules that the plugin adds to router edges").
  const json rules = FirewallRulesOf(Dump(), edge);
  ASSERT_EQ(rules.size(), 4U) << rules.dump();
  const json* vse = RuleNamed(rules, "VSERule");
  const json* service = RuleNamed(rules, "MDServiceIP");
  const json* inter_edge = RuleNamed(rules, "MDInterEdgeNet");
  ASSERT_TRUE(vse && service && inter_edge) << rules.dump();
  EXPECT_EQ((*vse)["action"], "accept");
  EXPECT_EQ((*vse)["source"]["vnicGroupId"], json::array({"vse"}));
  EXPECT_EQ((*service)["action"], "accept");
  EXPECT_EQ((*service)["destination"]["ipAddress"], json::array({"169.254.169.254"}));
  EXPECT_EQ((*service)["application"]["service"][0]["protocol"], "tcp");
  EXPECT_EQ((*service)["application"]["service"][0]["port"], json::array({80, 443, 8775, 9000}));
  EXPECT_EQ((*inter_edge)["action"], "deny");
  EXPECT_EQ((*inter_edge)["destination"]["ipAddress"], json::array({"169.254.128.0/17"}));
  const json* kept = RuleNamed(rules, "lbaas-vip");
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ((*kept)["destination"]["ipAddress"], json::array({"10.1.2.3"}));
  std::set<int64_t> tags;
  for (const json& r : rules) tags.insert(r["ruleTag"].get<int64_t>());
  EXPECT_EQ(tags.size(), rules.size()) << "ruleTags must stay unique: " << rules.dump();

  // Configuring again writes no firewall.
  const uint64_t mark = JournalMark();
  ASSERT_TRUE(h->ConfigureRouterEdge(*ctx_, router->id).ok());
  for (const auto& [method, path] : CallsSince(mark)) {
    EXPECT_FALSE(method == "PUT" && path.ends_with("/firewall/config")) << path;
  }

  // The proxy edges keep their own rules (§1.14: VSERule and the inter-edge allow).
  for (const std::string ip : {"10.10.0.5", "10.10.0.6"}) {
    const json proxy_rules = FirewallRulesOf(Dump(), ProxyEdge(ip));
    EXPECT_EQ(RuleNamed(proxy_rules, "MDInterEdgeNet"), nullptr) << proxy_rules.dump();
  }

  ASSERT_TRUE(h->CleanupRouterEdge(*ctx_, router->id).ok());
  const json after = FirewallRulesOf(Dump(), edge);
  ASSERT_EQ(after.size(), 1U) << after.dump();
  EXPECT_EQ(after[0]["name"], "lbaas-vip");
}

// A router edge configured before the driver wrote the M3 rules (an empty firewall with default
// deny): redo-config puts the rules in place, and a second run changes nothing.
TEST_F(MdProxyIssue14Test, RedoConfigAddsMissingM3RulesToExistingRouterEdges) {
  auto h = Handler(TestMdConfig());
  MustInit(*h);
  const plugin::Router r = NewRouter(*h, "configured-before-m3");
  const std::string edge = EdgeOf(r.id);
  ASSERT_TRUE(vcns_->UpdateFirewall(edge, driver::FirewallConfig{}).ok());
  ASSERT_TRUE(FirewallRulesOf(Dump(), edge).empty());

  auto redo = h->RedoConfig();
  ASSERT_TRUE(redo.ok()) << redo.status().ToString();
  EXPECT_EQ(redo->updated, 1);
  EXPECT_EQ(redo->failed, 0);
  const json rules = FirewallRulesOf(Dump(), edge);
  for (const char* name : {"VSERule", "MDServiceIP", "MDInterEdgeNet"}) {
    EXPECT_NE(RuleNamed(rules, name), nullptr) << name << " missing: " << rules.dump();
  }

  const uint64_t mark = JournalMark();
  auto again = h->RedoConfig();
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->updated, 0);
  EXPECT_EQ(again->unchanged, 1);
  for (const auto& [method, path] : CallsSince(mark)) EXPECT_NE(method, "PUT") << path;
}

// ---- item 3: a router whose edge is broken can always be deleted ----

TEST_F(MdProxyIssue14Test, RouterWithABrokenEdgeCanAlwaysBeDeleted) {
  MdProxyConfig c = TestMdConfig();
  c.metadata_insecure = false;  // a certificate to delete as well
  auto h = Handler(c);
  MustInit(*h);
  const plugin::Router off = NewRouter(*h, "powered-off");
  const plugin::Router erring = NewRouter(*h, "answering-errors");
  const plugin::Router gone = NewRouter(*h, "deleted-behind-our-back");
  ASSERT_TRUE(manager_->model().SetPowered(EdgeOf(off.id), false).ok());
  ASSERT_TRUE(manager_->model().RemoveEdge(EdgeOf(gone.id)).ok());
  const std::string e = EdgeOf(erring.id);
  SetFaults("[" + Always("GET", "/api/4.0/edges/" + e + "/loadbalancer/config", 500) + "," +
            Always("PUT", "/api/4.0/edges/" + e + "/vnics/*", 500) + "," +
            Always("DELETE", "/api/2.0/services/truststore/certificate/*", 500) + "]");
  for (const plugin::Router& r : {off, erring, gone}) {
    SCOPED_TRACE(r.name);
    const Status s = h->DeleteRouterWithMetadata(*ctx_, r.id);
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(Count("SELECT COUNT(*) FROM routers WHERE id = '" + r.id + "'"), 0);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM ports WHERE device_id = '" + r.id + "'"), 0);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM nsxv_router_bindings WHERE router_id = '" + r.id + "'"),
              0);
  }
  ClearFaults();
  EXPECT_EQ(Dump()["edges"].size(), 2U) << "only the proxy edges are left";
  ExpectInvariants();
}

// An edge that refuses its own DELETE: the router still goes, and the leftover edge is reported.
TEST_F(MdProxyIssue14Test, EdgeRefusingItsDeleteIsReportedAndTheRouterStillGoes) {
  auto h = Handler(TestMdConfig());
  MustInit(*h);
  const plugin::Router r = NewRouter(*h, "edge-refuses-delete");
  const std::string e = EdgeOf(r.id);
  SetFaults("[" + Always("DELETE", "/api/4.0/edges/" + e, 500) + "]");
  std::vector<std::string> warnings;
  const Status s = h->DeleteRouterWithMetadata(*ctx_, r.id, &warnings);
  ClearFaults();
  EXPECT_TRUE(s.ok()) << s.ToString();
  bool named = false;
  for (const std::string& w : warnings) {
    named = named || (w.find(e) != std::string::npos && w.find("repair") != std::string::npos);
  }
  EXPECT_TRUE(named) << "no warning names the edge left behind: "
                     << ::testing::PrintToString(warnings);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM routers WHERE id = '" + r.id + "'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM nsxv_router_bindings WHERE router_id = '" + r.id + "'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ports WHERE device_id = '" + r.id + "'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM nsxv_edge_vnic_bindings WHERE edge_id = '" + e + "'"), 0);
  const json dump = Dump();
  bool left = false;
  for (const json& edge : dump["edges"]) left = left || edge["id"] == e;
  EXPECT_TRUE(left) << "the refused DELETE must not have removed the edge " << e;
}

// ---- item 8: prerequisites before any write ----

TEST_F(MdProxyIssue14Test, MissingDeploymentOptionIsAConfigErrorAndNothingIsCreated) {
  for (const std::string option : {"external_network", "vdn_scope_id"}) {
    SCOPED_TRACE(option);
    plugin::PluginConfig pc = testing_util::TestPluginConfig();
    (option == "external_network" ? pc.external_network : pc.vdn_scope_id).clear();
    plugin_ = std::make_unique<plugin::Plugin>(*vcns_, locks_, pc);
    const uint64_t mark = JournalMark();
    auto r = Handler(TestMdConfig())->Init();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument) << r.error().ToString();
    EXPECT_NE(r.error().message().find(option), std::string::npos) << r.error().message();
    for (const auto& [method, path] : CallsSince(mark)) {
      EXPECT_EQ(method, "GET") << "a backend write before the configuration error: " << path;
    }
    EXPECT_EQ(Count("SELECT COUNT(*) FROM networks"), 0);
    EXPECT_EQ(Dump()["edges"].size(), 0U);
  }
}

// ---- item 5: certificates, only our own ----

TEST_F(MdProxyIssue14Test, AnotherServicesCertificateIsNeitherAdoptedNorDeleted) {
  MdProxyConfig c = TestMdConfig();
  c.metadata_insecure = false;
  auto h = Handler(c);
  MustInit(*h);
  plugin::RouterSpec spec;
  spec.name = "r1";
  auto router = plugin_->CreateRouter(*ctx_, spec);
  ASSERT_TRUE(router.ok()) << router.status().ToString();
  const std::string edge = EdgeOf(router->id);
  const std::string lbaas = MakeCert(edge);  // another service's certificate on the same edge
  ASSERT_TRUE(h->ConfigureRouterEdge(*ctx_, router->id).ok());
  auto lb = vcns_->GetLoadBalancer(edge);
  ASSERT_TRUE(lb.ok());
  const auto* vs = lb->FindVirtualServer(kMetadataVseName);
  ASSERT_TRUE(vs && vs->app_profile.client_ssl);
  const std::string ours = vs->app_profile.client_ssl->service_certificate.at(0);
  EXPECT_NE(ours, lbaas) << "the md virtual server took over another service's certificate";
  ASSERT_TRUE(h->CleanupRouterEdge(*ctx_, router->id).ok());
  std::set<std::string> left;
  const json dump = Dump();
  for (const json& cert : dump["certificates"]) left.insert(cert["id"].get<std::string>());
  EXPECT_EQ(left.count(ours), 0U) << "our certificate was not deleted";
  EXPECT_EQ(left.count(lbaas), 1U) << "another service's certificate was deleted";
}

// A lost CSR-sign reply leaves our own certificate untracked: the next configure adopts it (it
// carries the driver's marker) instead of making a second one.
TEST_F(MdProxyIssue14Test, OwnUntrackedCertificateIsAdopted) {
  MdProxyConfig c = TestMdConfig();
  c.metadata_insecure = false;
  auto h = Handler(c);
  MustInit(*h);
  plugin::RouterSpec spec;
  spec.name = "r1";
  auto router = plugin_->CreateRouter(*ctx_, spec);
  ASSERT_TRUE(router.ok());
  const std::string edge = EdgeOf(router->id);
  SetFaults(R"([{"method": "PUT", "path": "/api/2.0/services/truststore/csr/*", "times": 1,
                 "fault": {"kind": "response_lost"}}])");
  EXPECT_FALSE(h->ConfigureRouterEdge(*ctx_, router->id).ok());
  ClearFaults();
  ASSERT_TRUE(h->ConfigureRouterEdge(*ctx_, router->id).ok());
  int on_edge = 0;
  const json dump = Dump();
  for (const json& cert : dump["certificates"]) on_edge += cert["scope"] == edge ? 1 : 0;
  EXPECT_EQ(on_edge, 1);
}

// ---- item 4: status reads only and reports drift ----

TEST_F(MdProxyIssue14Test, StatusReadsOnlyAndReportsDriftWithoutInit) {
  const InitReport first = MustInit(*Handler(TestMdConfig()));
  auto h0 = Handler(TestMdConfig());
  MustInit(*h0);
  const plugin::Router router = NewRouter(*h0, "r1");
  // Drift of each kind the issue names: a gateway changed, Nova IPs changed, a proxy IP added.
  const std::string e5 = first.proxy_edges[0].edge_id;
  ASSERT_TRUE(vcns_->UpdateRoutes(e5, driver::StaticRouting{}).ok());
  MdProxyConfig changed = TestMdConfig();
  changed.metadata_initializer = false;  // status runs as a non-initializer (read only)
  changed.nova_metadata_ips = {"10.0.0.11", "10.0.0.13"};
  changed.mgt_net_proxy_ips.push_back("10.10.0.7");
  auto h = Handler(changed);
  const uint64_t mark = JournalMark();
  auto status = h->GetStatus();  // no Init() first
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  for (const auto& [method, path] : CallsSince(mark)) {
    EXPECT_EQ(method, "GET") << "status wrote: " << path;
  }
  ASSERT_EQ(status->proxy_edges.size(), 2U);
  const ProxyEdgeStatus& p5 = status->proxy_edges[0];
  EXPECT_FALSE(p5.ok);
  std::string drift5;
  for (const auto& d : p5.drift) drift5 += d + "\n";
  EXPECT_NE(drift5.find("default gateway: expected 10.10.0.1, actual none"), std::string::npos)
      << drift5;
  EXPECT_NE(drift5.find("Nova members: expected [10.0.0.11,10.0.0.13], actual "
                        "[10.0.0.11,10.0.0.12]"),
            std::string::npos)
      << drift5;
  EXPECT_EQ(status->live_proxy_ips, first.live_proxy_ips);
  ASSERT_EQ(status->router_edges.size(), 1U);
  EXPECT_EQ(status->router_edges[0].router_id, router.id);
  EXPECT_TRUE(status->router_edges[0].members_match);
  EXPECT_TRUE(status->router_edges[0].ok) << status->router_edges[0].error;
}

// ---- item 9: tests for fixes that had none ----

// M7: an internal network recorded without its subnet gets the subnet (initializer) or is
// reported (non-initializer); 2016 raised IndexError.
TEST_F(MdProxyIssue14Test, M7InternalNetworkWithoutSubnet) {
  plugin::NetworkSpec ns;
  ns.name = kInterEdgeNetName;
  ns.tenant_id = kInternalTenantId;
  ns.port_security_enabled = false;
  auto net = plugin_->CreateNetwork(*ctx_, ns);
  ASSERT_TRUE(net.ok()) << net.status().ToString();
  ASSERT_TRUE(store::CreateNsxvInternalNetwork(*ctx_, store::kInterEdgePurpose, net->id).ok());
  MdProxyConfig follower = TestMdConfig();
  follower.metadata_initializer = false;
  auto reported = Handler(follower)->Init();
  ASSERT_FALSE(reported.ok());
  EXPECT_NE(reported.error().message().find("internal network has no subnet"), std::string::npos)
      << reported.error().message();
  const InitReport r = MustInit(*Handler(TestMdConfig()));
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(r.internal_network_id, net->id);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM subnets WHERE cidr = '169.254.128.0/17'"), 1);
}

// Bug #2: a proxy edge's external vnic without portgroupId reads as drift and is repaired.
TEST_F(MdProxyIssue14Test, Bug2VnicWithoutPortgroupIsRepaired) {
  const InitReport first = MustInit(*Handler(TestMdConfig()));
  const std::string e5 = first.proxy_edges[0].edge_id;
  driver::Vnic bare;
  bare.index = 0;
  bare.name = "vnic0";
  bare.type = "uplink";
  bare.is_connected = false;
  bare.has_address_groups = true;
  ASSERT_TRUE(vcns_->UpdateVnic(e5, bare).ok());
  ASSERT_FALSE(vcns_->GetVnic(e5, 0)->portgroup_id.has_value());
  const InitReport r = MustInit(*Handler(TestMdConfig()));
  EXPECT_TRUE(r.complete()) << r.proxy_edges[0].error;
  EXPECT_TRUE(r.proxy_edges[0].changed);
  EXPECT_EQ(vcns_->GetVnic(e5, 0)->portgroup_id.value_or(""), TestMdConfig().mgt_net_moid);
}

// Bug #18: a router with several md ports gets one address group whose primary address is one of
// them, and cleanup removes every md port.
TEST_F(MdProxyIssue14Test, Bug18SeveralMdPortsOnOneRouter) {
  auto h = Handler(TestMdConfig());
  MustInit(*h);
  const plugin::Router router = NewRouter(*h, "r1");
  plugin::PortSpec ps;
  ps.network_id = h->internal_network_id();
  ps.tenant_id = kInternalTenantId;
  ps.device_id = router.id;
  ps.device_owner = plugin::kDeviceOwnerRouterGateway;
  ps.port_security_enabled = false;
  ASSERT_TRUE(plugin_->CreatePort(*ctx_, ps).ok());
  ASSERT_EQ(Count("SELECT COUNT(*) FROM ports WHERE device_id = '" + router.id + "'"), 2);
  ASSERT_TRUE(h->ConfigureRouterEdge(*ctx_, router.id).ok());
  const std::string edge = EdgeOf(router.id);
  bool found = false;
  for (int i = 1; i < 10; ++i) {
    auto vnic = vcns_->GetVnic(edge, i);
    if (!vnic.ok() || vnic->portgroup_id.value_or("").empty()) continue;
    ASSERT_EQ(vnic->address_groups.size(), 1U);
    EXPECT_FALSE(vnic->address_groups[0].primary_address.empty());
    found = true;
  }
  EXPECT_TRUE(found) << "no md interface on " << edge;
  ASSERT_TRUE(h->CleanupRouterEdge(*ctx_, router.id).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ports WHERE device_id = '" + router.id + "'"), 0);
}

// Bug #21 at handler level: another service's virtual server on the router edge's LB survives
// configure and cleanup.
TEST_F(MdProxyIssue14Test, Bug21OtherLbSettingsSurviveConfigureAndCleanup) {
  auto h = Handler(TestMdConfig());
  MustInit(*h);
  plugin::RouterSpec spec;
  spec.name = "r1";
  auto router = plugin_->CreateRouter(*ctx_, spec);
  ASSERT_TRUE(router.ok());
  const std::string edge = EdgeOf(router->id);
  driver::MetadataLbSpec other_spec;
  other_spec.edge_id = edge;
  other_spec.vip = "10.1.2.3";
  other_spec.vip_port = 8080;
  other_spec.member_port = 8080;
  other_spec.member_ips = {"10.9.9.9"};
  driver::LoadBalancer lb = driver::MakeMetadataLoadBalancer(other_spec);
  lb.virtual_servers[0].name = "lbaas-vs";
  lb.virtual_servers[0].default_pool.name = "lbaas-pool";
  ASSERT_TRUE(vcns_->PutLoadBalancer(edge, lb).ok());
  ASSERT_TRUE(h->ConfigureRouterEdge(*ctx_, router->id).ok());
  driver::LoadBalancer configured = Lb(edge);
  EXPECT_NE(configured.FindVirtualServer(kMetadataVseName), nullptr);
  ASSERT_NE(configured.FindVirtualServer("lbaas-vs"), nullptr);
  EXPECT_EQ(configured.FindVirtualServer("lbaas-vs")->ip_address, "10.1.2.3");
  ASSERT_TRUE(h->CleanupRouterEdge(*ctx_, router->id).ok());
  driver::LoadBalancer cleaned = Lb(edge);
  EXPECT_EQ(cleaned.FindVirtualServer(kMetadataVseName), nullptr);
  ASSERT_NE(cleaned.FindVirtualServer("lbaas-vs"), nullptr);
  EXPECT_EQ(cleaned.FindVirtualServer("lbaas-vs")->default_pool.members.at(0).ip_address,
            "10.9.9.9");
}

}  // namespace
}  // namespace nsxv::md_proxy
