// Tests of the metadata proxy handler (rules M1-M26 of the API reference §4.1 and the fixes of
// §4.4) against the in-process fake NSX manager. Each test names the rule or fix it covers.
#include "driver/md_proxy/md_proxy.h"

#include <atomic>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "driver/plugin/recovery.h"
#include "driver/store/nsxv_db.h"
#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/fault_plan.h"
#include "fake_nsxv/in_process_transport.h"
#include "tests/driver/md_proxy/md_proxy_fixture.h"
#include "tests/driver/store/temp_dir.h"
#include "tests/test_util/driver_env.h"

namespace nsxv::md_proxy {
namespace {

using nlohmann::json;

using testing_util::TestMdConfig;

// ---- configuration (M1, M3, bad input) ----

TEST(MdProxyConfigTest, M1MissingRequiredOptionsDisableMetadataWithOneLine) {
  MdProxyConfig c = TestMdConfig();
  EXPECT_TRUE(c.Enabled());
  c.mgt_net_moid.clear();
  c.nova_metadata_ips.clear();
  EXPECT_FALSE(c.Enabled());
  EXPECT_EQ(c.DisabledReason(),
            "metadata proxy disabled: [nsxv] nova_metadata_ips, mgt_net_moid not set");
}

TEST(MdProxyConfigTest, BadInputIsAConfigErrorNamingTheOption) {
  auto error = [](auto edit) {
    MdProxyConfig c = TestMdConfig();
    edit(c);
    return c.Validate().message();
  };
  EXPECT_NE(error([](auto& c) {
              c.nova_metadata_ips = {"10.0.0.1", "10.0.0.1"};
            }).find("nova_metadata_ips: duplicate"),
            std::string::npos);
  EXPECT_NE(error([](auto& c) { c.mgt_net_proxy_ips = {"10.0.0.300"}; }).find("mgt_net_proxy_ips"),
            std::string::npos);
  EXPECT_NE(
      error([](auto& c) { c.mgt_net_proxy_netmask = "255.0.255.0"; }).find("mgt_net_proxy_netmask"),
      std::string::npos);
  EXPECT_NE(error([](auto& c) { c.nova_metadata_port = 70000; }).find("nova_metadata_port"),
            std::string::npos);
  EXPECT_NE(error([](auto& c) {
              c.metadata_service_allowed_ports = {"2000:1000"};
            }).find("metadata_service_allowed_ports"),
            std::string::npos);
  EXPECT_NE(error([](auto& c) {
              c.metadata_service_allowed_ports = {"abc"};
            }).find("metadata_service_allowed_ports"),
            std::string::npos);
  EXPECT_NE(error([](auto& c) {
              c.metadata_nova_client_cert = "/x.pem";
            }).find("metadata_nova_client_priv_key"),
            std::string::npos);
  EXPECT_NE(error([](auto& c) { c.max_init_threads = 0; }).find("max_init_threads"),
            std::string::npos);
  EXPECT_TRUE(error([](auto& c) {
                c.metadata_service_allowed_ports = {"8080", "1000:1010"};
              }).empty());
}

TEST(MdProxyConfigTest, M3RouterFirewallRulesIncludeAllowedPortsAndRanges) {
  MdProxyConfig c = TestMdConfig();
  c.metadata_service_allowed_ports = {"8080", "1000:1002"};
  const auto rules = RouterFirewallRules(c);
  ASSERT_EQ(rules.size(), 3U);
  EXPECT_EQ(*rules[0].name, "VSERule");
  EXPECT_EQ(*rules[1].destination_port, "80,443,8775,8080,1000:1002");
  EXPECT_EQ(rules[2].action, "deny");
  auto converted = plugin::ConvertFirewallRule(rules[1], 2);  // §4.4 #16: no ValueError
  EXPECT_TRUE(converted.ok()) << converted.status().ToString();
}

TEST_F(MdProxyTest, M1InitWithMissingOptionsFailsClearly) {
  MdProxyConfig c = TestMdConfig();
  c.mgt_net_proxy_netmask.clear();
  auto r = Handler(c)->Init();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("mgt_net_proxy_netmask"), std::string::npos);
  EXPECT_EQ(manager_->journal().total(), 0U);
}

// ---- init (M5-M21) ----

TEST_F(MdProxyTest, M5toM10M20M22InitFreshCreatesNetworkAndProxyEdges) {
  auto h = Handler(TestMdConfig());
  const InitReport r = MustInit(*h);
  EXPECT_TRUE(r.complete());
  EXPECT_TRUE(r.created_internal_network);
  ASSERT_EQ(r.proxy_edges.size(), 2U);
  EXPECT_EQ(r.proxy_edges[0].ext_ip, "10.10.0.5");  // sorted
  EXPECT_EQ(r.proxy_edges[1].ext_ip, "10.10.0.6");
  ASSERT_EQ(r.live_proxy_ips.size(), 2U);
  for (const auto& e : r.proxy_edges) {
    EXPECT_EQ(e.action, ProxyEdgeAction::kCreated);
    auto vnic = vcns_->GetVnic(e.edge_id, 0);
    ASSERT_TRUE(vnic.ok());
    EXPECT_EQ(*vnic->portgroup_id, "dvportgroup-55");
    EXPECT_EQ(vnic->address_groups.at(0).primary_address, e.ext_ip);
    auto routes = vcns_->GetRoutes(e.edge_id);
    ASSERT_TRUE(routes.ok());
    EXPECT_EQ(routes->default_route->gateway_address, "10.10.0.1");
    driver::LoadBalancer lb = Lb(e.edge_id);
    auto* vs = lb.FindVirtualServer(kMetadataVseName);
    ASSERT_NE(vs, nullptr);
    EXPECT_EQ(vs->ip_address, e.internal_ip);
    EXPECT_EQ(MdMembers(e.edge_id), (std::vector<std::string>{"10.0.0.11", "10.0.0.12"}));
    EXPECT_EQ(ProxyEdge(e.ext_ip), e.edge_id);
  }
  auto net = store::GetNsxvInternalNetwork(*ctx_, store::kInterEdgePurpose);
  ASSERT_TRUE(net.ok() && *net);
  EXPECT_EQ(**net, r.internal_network_id);
  ExpectInvariants();
}

TEST_F(MdProxyTest, M9NonInitializerWithoutNetworkIsIncomplete) {
  MdProxyConfig c = TestMdConfig();
  c.metadata_initializer = false;
  auto r = Handler(c)->Init();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("incomplete on initializer node"), std::string::npos);
}

TEST_F(MdProxyTest, Fix12RestartWithUnchangedConfigMakesZeroWrites) {
  MustInit(*Handler(TestMdConfig()));
  for (bool initializer : {true, false}) {
    MdProxyConfig c = TestMdConfig();
    c.metadata_initializer = initializer;
    const uint64_t mark = JournalMark();
    const InitReport r = MustInit(*Handler(c));
    EXPECT_TRUE(r.complete());
    for (const auto& e : r.proxy_edges) EXPECT_FALSE(e.changed);
    const auto calls = CallsSince(mark);
    EXPECT_FALSE(calls.empty());
    for (const auto& [method, path] : calls) EXPECT_EQ(method, "GET") << path;
  }
}

TEST_F(MdProxyTest, M11MoreDbEdgesThanConfiguredIpsIsAnError) {
  MustInit(*Handler(TestMdConfig()));
  MdProxyConfig c = TestMdConfig();
  c.mgt_net_proxy_ips = {"10.10.0.5"};
  auto r = Handler(c)->Init();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("smaller than number of Edges"), std::string::npos);
}

TEST_F(MdProxyTest, M16M17Fix1Fix2Fix15DriftIsRepairedIncludingNetmaskAndMissingGroups) {
  const InitReport first = MustInit(*Handler(TestMdConfig()));
  const std::string e5 = first.proxy_edges[0].edge_id;
  const std::string e6 = first.proxy_edges[1].edge_id;
  // Netmask only (2016 missed it), and a vnic without address groups (2016 crashed).
  ASSERT_TRUE(
      vcns_->UpdateVnic(e5, driver::MakeVnic(0, "dvportgroup-55", "10.10.0.5", "255.255.0.0"))
          .ok());
  driver::Vnic bare;
  bare.index = 0;
  bare.type = "uplink";
  bare.portgroup_id = "dvportgroup-55";
  bare.is_connected = true;
  bare.has_address_groups = true;
  ASSERT_TRUE(vcns_->UpdateVnic(e6, bare).ok());
  ASSERT_TRUE(vcns_->UpdateRoutes(e6, driver::StaticRouting{}).ok());
  const InitReport r = MustInit(*Handler(TestMdConfig()));
  EXPECT_TRUE(r.complete()) << r.proxy_edges[0].error << r.proxy_edges[1].error;
  for (const auto& e : r.proxy_edges) {
    EXPECT_TRUE(e.changed);
    auto vnic = vcns_->GetVnic(e.edge_id, 0);
    ASSERT_TRUE(vnic.ok());
    ASSERT_FALSE(vnic->address_groups.empty());
    EXPECT_EQ(vnic->address_groups[0].primary_address, e.ext_ip);
    EXPECT_EQ(*vnic->address_groups[0].subnet_mask, "255.255.255.0");
  }
  EXPECT_EQ(vcns_->GetRoutes(e6)->default_route->gateway_address, "10.10.0.1");
  // Non-initializer with drift: incomplete.
  ASSERT_TRUE(vcns_->UpdateRoutes(e6, driver::StaticRouting{}).ok());
  MdProxyConfig c = TestMdConfig();
  c.metadata_initializer = false;
  auto bad = Handler(c)->Init();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("incomplete"), std::string::npos);
}

TEST_F(MdProxyTest, M18Fix11NovaIpChangeReconcilesMembersAndKeepsOtherFields) {
  const InitReport first = MustInit(*Handler(TestMdConfig()));
  const std::string edge = first.proxy_edges[0].edge_id;
  // Give the proxy profile a clientSsl and a member weight: both must survive.
  driver::LoadBalancer lb = Lb(edge);
  auto* vs = lb.FindVirtualServer(kMetadataVseName);
  const std::string cert = MakeCert(edge);
  vs->app_profile.SetClientSsl(cert);
  vs->default_pool.members[0].weight = 5;  // 10.0.0.11
  ASSERT_TRUE(vcns_->PutLoadBalancer(edge, lb).ok());
  MdProxyConfig c = TestMdConfig();
  c.nova_metadata_ips = {"10.0.0.13", "10.0.0.11", "10.0.0.14"};  // count changes
  const InitReport r = MustInit(*Handler(c));
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(MdMembers(edge), (std::vector<std::string>{"10.0.0.11", "10.0.0.13", "10.0.0.14"}));
  driver::LoadBalancer after = Lb(edge);
  auto* vs2 = after.FindVirtualServer(kMetadataVseName);
  ASSERT_TRUE(vs2->app_profile.client_ssl.has_value());
  EXPECT_EQ(vs2->app_profile.client_ssl->service_certificate.at(0), cert);
  EXPECT_EQ(vs2->default_pool.members[0].weight, 5);
  // Shrinking works too.
  c.nova_metadata_ips = {"10.0.0.14"};
  MustInit(*Handler(c));
  EXPECT_EQ(MdMembers(edge), (std::vector<std::string>{"10.0.0.14"}));
}

TEST_F(MdProxyTest, M19Fix9ReaddressKeepsRowUntilApplied) {
  const InitReport first = MustInit(*Handler(TestMdConfig()));
  const std::string edge6 = first.proxy_edges[1].edge_id;
  MdProxyConfig c = TestMdConfig();
  c.mgt_net_proxy_ips = {"10.10.0.5", "10.10.0.7"};
  SetFaults(R"([{"method": "PUT", "path": "/api/4.0/edges/*/vnics/0", "times": 10,
                 "fault": {"kind": "http_error", "status": 500}}])");
  const InitReport failed = MustInit(*Handler(c));
  EXPECT_FALSE(failed.complete());
  EXPECT_EQ(failed.failed_ext_ips(), (std::vector<std::string>{"10.10.0.7"}));
  EXPECT_EQ(ProxyEdge("10.10.0.6"), edge6) << "the edge was forgotten";
  // Still configured at its old address: an unverified member (issue 14 item 1).
  EXPECT_EQ(failed.unverified_ext_ips(), (std::vector<std::string>{"10.10.0.7"}));
  EXPECT_EQ(failed.live_proxy_ips, first.live_proxy_ips);
  ClearFaults();
  const InitReport r = MustInit(*Handler(c));
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(r.proxy_edges[1].action, ProxyEdgeAction::kReaddressed);
  EXPECT_EQ(ProxyEdge("10.10.0.7"), edge6);
  EXPECT_EQ(ProxyEdge("10.10.0.6"), "");
  EXPECT_EQ(vcns_->GetVnic(edge6, 0)->address_groups.at(0).primary_address, "10.10.0.7");
  EXPECT_EQ(Dump()["edges"].size(), 2U);
  ExpectInvariants();
}

TEST_F(MdProxyTest, Fix3Fix13FailedProxyEdgeIsReportedSkippedAndNeverANullMember) {
  const InitReport first = MustInit(*Handler(TestMdConfig()));
  // A proxy edge that is not running cannot take the new Nova list: it is broken, not a member.
  // (A transient error keeps an edge a member: md_proxy_issue14_test.cc.)
  ASSERT_TRUE(manager_->model().SetPowered(first.proxy_edges[0].edge_id, false).ok());
  MdProxyConfig changed = TestMdConfig();
  changed.nova_metadata_ips = {"10.0.0.21"};
  auto h = Handler(changed);
  const InitReport r = MustInit(*h);
  EXPECT_EQ(r.failed_ext_ips(), (std::vector<std::string>{"10.10.0.5"}));
  EXPECT_FALSE(r.proxy_edges[0].unverified);
  EXPECT_NE(r.proxy_edges[0].error.find("not running"), std::string::npos)
      << r.proxy_edges[0].error;
  EXPECT_EQ(r.live_proxy_ips, (std::vector<std::string>{first.proxy_edges[1].internal_ip}));
  const plugin::Router router = NewRouter(*h, "r1");
  EXPECT_EQ(MdMembers(EdgeOf(router.id)), r.live_proxy_ips);
}

TEST_F(MdProxyTest, ProxyEdgeDeletedBehindTheDriversBackIsReplaced) {
  const InitReport first = MustInit(*Handler(TestMdConfig()));
  const std::string gone = first.proxy_edges[0].edge_id;
  ASSERT_TRUE(manager_->model().RemoveEdge(gone).ok());
  const InitReport r = MustInit(*Handler(TestMdConfig()));
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(r.proxy_edges[0].action, ProxyEdgeAction::kCreated);
  EXPECT_NE(r.proxy_edges[0].edge_id, gone);
  EXPECT_EQ(ProxyEdge(first.proxy_edges[0].ext_ip), r.proxy_edges[0].edge_id);
  EXPECT_EQ(r.live_proxy_ips.size(), 2U);
  EXPECT_EQ(Dump()["edges"].size(), 2U);
  ExpectInvariants();
  // A non-initializer does not repair: it reports the pool as incomplete.
  ASSERT_TRUE(manager_->model().RemoveEdge(r.proxy_edges[1].edge_id).ok());
  MdProxyConfig follower = TestMdConfig();
  follower.metadata_initializer = false;
  auto reported = Handler(follower)->Init();
  ASSERT_TRUE(reported.ok()) << reported.error().message();
  EXPECT_FALSE(reported->complete());
  EXPECT_EQ(Dump()["edges"].size(), 1U) << "a non-initializer created an edge";
}

TEST_F(MdProxyTest, Fix4InternalNetworkFailureCleansUpAndRaises) {
  SetFaults(R"([{"method": "POST", "path": "/api/2.0/vdn/scopes/*/virtualwires", "times": 10,
                 "fault": {"kind": "http_error", "status": 500}}])");
  auto r = Handler(TestMdConfig())->Init();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("internal network for metadata service"), std::string::npos);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM networks"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM nsxv_internal_networks"), 0);
  ClearFaults();
  EXPECT_TRUE(MustInit(*Handler(TestMdConfig())).complete());
}

TEST_F(MdProxyTest, MaxInitThreadsBoundsTheProxyEdgePool) {
  MdProxyConfig c = TestMdConfig();
  c.max_init_threads = 1;
  c.mgt_net_proxy_ips = {"10.10.0.5", "10.10.0.6", "10.10.0.7"};
  const InitReport r = MustInit(*Handler(c));
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(r.live_proxy_ips.size(), 3U);
}

// ---- admin operations ----

TEST_F(MdProxyTest, AdminStatusRedoConfigAndUpdateSecret) {
  auto h = Handler(TestMdConfig());
  const InitReport init = MustInit(*h);
  const plugin::Router r1 = NewRouter(*h, "r1");
  const plugin::Router r2 = NewRouter(*h, "r2");
  // r2 loses a member behind our back.
  driver::LoadBalancer lb = Lb(EdgeOf(r2.id));
  lb.FindVirtualServer(kMetadataVseName)->default_pool.members.pop_back();
  lb.FindVirtualServer(kMetadataVseName)->app_profile.SetClientSsl(MakeCert(EdgeOf(r2.id)));
  ASSERT_TRUE(vcns_->PutLoadBalancer(EdgeOf(r2.id), lb).ok());
  auto st = h->GetStatus();
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  ASSERT_EQ(st->proxy_edges.size(), 2U);
  EXPECT_TRUE(st->proxy_edges[0].ok) << st->proxy_edges[0].error;
  ASSERT_EQ(st->router_edges.size(), 2U);
  std::map<std::string, bool> match;
  for (const auto& e : st->router_edges) match[e.router_id] = e.members_match;
  EXPECT_TRUE(match[r1.id]);
  EXPECT_FALSE(match[r2.id]);
  auto redo = h->RedoConfig();
  ASSERT_TRUE(redo.ok());
  EXPECT_EQ(redo->updated, 1);
  EXPECT_EQ(redo->unchanged, 1);
  EXPECT_EQ(MdMembers(EdgeOf(r2.id)), init.live_proxy_ips);
  EXPECT_TRUE(Lb(EdgeOf(r2.id)).FindVirtualServer(kMetadataVseName)->app_profile.client_ssl);
  // update-secret: a new secret rewrites the rule; an edge without md VS is skipped (§4.4 #27).
  ASSERT_TRUE(h->CleanupRouterEdge(*ctx_, r1.id).ok());
  MdProxyConfig c = TestMdConfig();
  c.metadata_shared_secret = "n3w";
  auto h2 = Handler(c);
  MustInit(*h2);
  auto upd = h2->UpdateSecret();
  ASSERT_TRUE(upd.ok());
  EXPECT_EQ(upd->skipped, 1);
  EXPECT_EQ(upd->updated, 1);
  const std::string e2 = EdgeOf(r2.id);
  EXPECT_EQ(Lb(e2).FindVirtualServer(kMetadataVseName)->app_rules.at(1).script,
            "reqadd X-Metadata-Provider-Signature:" + driver::HmacSha256Hex("n3w", e2));
}

}  // namespace
}  // namespace nsxv::md_proxy
