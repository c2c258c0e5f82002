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

// ---- router edges (M24-M26) ----

TEST_F(MdProxyTest, M24M25RouterEdgeGetsInterfaceAndLbWithSignature) {
  auto h = Handler(TestMdConfig());
  const InitReport init = MustInit(*h);
  const plugin::Router router = NewRouter(*h, "r1");
  const std::string edge = EdgeOf(router.id);
  driver::LoadBalancer lb = Lb(edge);
  auto* vs = lb.FindVirtualServer(kMetadataVseName);
  ASSERT_NE(vs, nullptr);
  EXPECT_EQ(vs->ip_address, kMetadataIp);
  EXPECT_EQ(vs->port, driver::IntOrString(80));
  EXPECT_EQ(MdMembers(edge), init.live_proxy_ips);
  EXPECT_EQ(vs->default_pool.members[0].port, driver::IntOrString(8775));
  ASSERT_EQ(vs->app_rules.size(), 2U);
  EXPECT_EQ(vs->app_rules[0].script, "reqadd X-Metadata-Provider:" + edge);
  EXPECT_EQ(vs->app_rules[1].script,
            "reqadd X-Metadata-Provider-Signature:" + driver::HmacSha256Hex("s3cr3t", edge));
  auto vnic = vcns_->GetVnic(edge, 1);
  ASSERT_TRUE(vnic.ok());
  ASSERT_EQ(vnic->address_groups.size(), 1U);
  EXPECT_EQ(vnic->address_groups[0].secondary_addresses->ip_address,
            (std::vector<std::string>{kMetadataIp}));
  // Deterministic documents: configuring again changes nothing (no write).
  const uint64_t mark = JournalMark();
  ASSERT_TRUE(h->ConfigureRouterEdge(*ctx_, router.id).ok());
  for (const auto& [m, p] : CallsSince(mark)) {
    if (m == "PUT") {
      EXPECT_EQ(p.find("loadbalancer"), std::string::npos) << m << " " << p;
    }
  }
  EXPECT_EQ(Lb(edge), lb);
}

TEST_F(MdProxyTest, M26Fix7CleanupRemovesEveryPortLbAndInterface) {
  auto h = Handler(TestMdConfig());
  MustInit(*h);
  const plugin::Router router = NewRouter(*h, "r1");
  const std::string edge = EdgeOf(router.id);
  // A second md port (as a retried 2016 configure could leave).
  plugin::PortSpec ps;
  ps.network_id = h->internal_network_id();
  ps.device_id = router.id;
  ps.device_owner = plugin::kDeviceOwnerRouterGateway;
  ASSERT_TRUE(plugin_->CreatePort(*ctx_, ps).ok());
  ASSERT_TRUE(h->CleanupRouterEdge(*ctx_, router.id).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ports WHERE device_id = '" + router.id + "'"), 0);
  EXPECT_EQ(Lb(edge).FindVirtualServer(kMetadataVseName), nullptr);
  EXPECT_FALSE(vcns_->GetVnic(edge, 1)->is_connected.value_or(true));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM nsxv_edge_vnic_bindings WHERE network_id IS NOT NULL "
                  "AND edge_id = '" +
                  edge + "'"),
            0);
  ASSERT_TRUE(h->DeleteRouterWithMetadata(*ctx_, router.id).ok());
  ExpectInvariants();
}

TEST_F(MdProxyTest, M2DhcpResourceIdIsConfiguredLikeARouter) {
  auto h = Handler(TestMdConfig());
  const InitReport init = MustInit(*h);
  // A DHCP edge: a binding "dhcp-<net>" to a deployed edge, no router row.
  driver::EdgeSpec spec;
  spec.name = "dhcp-edge";
  spec.external_portgroup = "dvportgroup-20";
  auto edge = vcns_->DeployEdge(driver::MakeEdgeDocument(spec));
  ASSERT_TRUE(edge.ok()) << edge.status().ToString();
  store::RouterBinding b;
  b.router_id = "dhcp-net-1";
  b.edge_id = *edge;
  b.status = store::kStatusActive;
  ASSERT_TRUE(store::AddRouterBinding(*ctx_, b).ok());
  ASSERT_TRUE(store::InitEdgeVnicBinding(*ctx_, *edge, 20).ok());
  ASSERT_TRUE(h->ConfigureRouterEdge(*ctx_, "dhcp-net-1").ok());
  EXPECT_EQ(MdMembers(*edge), init.live_proxy_ips);
  ASSERT_TRUE(h->CleanupRouterEdge(*ctx_, "dhcp-net-1").ok());
  EXPECT_EQ(Lb(*edge).FindVirtualServer(kMetadataVseName), nullptr);
}

TEST_F(MdProxyTest, M23Fix14Fix20HttpsPortsAgreeAndCertificateIsReused) {
  MdProxyConfig c = TestMdConfig();
  c.metadata_insecure = false;
  c.nova_metadata_port = 8080;
  auto h = Handler(c);
  const InitReport init = MustInit(*h);
  const std::string proxy = init.proxy_edges[0].edge_id;
  const plugin::Router router = NewRouter(*h, "r1");
  const std::string edge = EdgeOf(router.id);
  driver::LoadBalancer plb = Lb(proxy);
  driver::LoadBalancer rlb = Lb(edge);
  auto* pvs = plb.FindVirtualServer(kMetadataVseName);
  auto* rvs = rlb.FindVirtualServer(kMetadataVseName);
  EXPECT_EQ(pvs->protocol, "HTTPS");
  EXPECT_EQ(rvs->port, driver::IntOrString(443));
  EXPECT_EQ(rvs->default_pool.members.at(0).port, pvs->port) << "HTTPS VIP and member ports";
  ASSERT_TRUE(rvs->app_profile.client_ssl.has_value());
  const std::string cert = rvs->app_profile.client_ssl->service_certificate.at(0);
  ASSERT_TRUE(h->ConfigureRouterEdge(*ctx_, router.id).ok());
  // A new handler (restart) reuses the edge's certificate too.
  auto h2 = Handler(c);
  MustInit(*h2);
  ASSERT_TRUE(h2->ConfigureRouterEdge(*ctx_, router.id).ok());
  EXPECT_EQ(Lb(edge)
                .FindVirtualServer(kMetadataVseName)
                ->app_profile.client_ssl->service_certificate.at(0),
            cert);
  EXPECT_EQ(Dump()["certificates"].size(), 1U);
  ExpectInvariants();
}

TEST_F(MdProxyTest, M23Fix22UnreadableCertificateFileIsAnError) {
  MdProxyConfig c = TestMdConfig();
  c.metadata_insecure = false;
  c.metadata_nova_client_cert = dir_.File("missing.pem");
  c.metadata_nova_client_priv_key = dir_.File("missing.key");
  auto h = Handler(c);
  MustInit(*h);
  plugin::RouterSpec spec;
  spec.name = "r1";
  auto r = h->CreateRouterWithMetadata(*ctx_, spec);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("metadata_nova_client_cert"), std::string::npos);
  EXPECT_TRUE(Dump()["certificates"].empty());
  ExpectInvariants();
  // Readable files are uploaded.
  std::ofstream(dir_.File("missing.pem")) << "-----BEGIN CERTIFICATE-----\nAA==\n";
  std::ofstream(dir_.File("missing.key")) << "-----BEGIN PRIVATE KEY-----\nAA==\n";
  auto ok = h->CreateRouterWithMetadata(*ctx_, spec);
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
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

// ---- fail matrices ----

class MdProxyFailMatrixTest : public MdProxyTest {
 public:
  // Runs `op` once clean on a fresh fixture to list its calls, then for each call k fails
  // exactly that call, checks the invariants, clears the faults and checks convergence.
  void Matrix(const std::function<void(MdProxyTest&)>& setup,
              const std::function<Status(MdProxyTest&)>& op,
              const std::function<void(MdProxyTest&)>& converged) {
    std::vector<std::pair<std::string, std::string>> calls;
    {
      MdProxyFailMatrixTest clean;
      setup(clean);
      const uint64_t mark = clean.JournalMark();
      ASSERT_TRUE(op(clean).ok());
      calls = clean.CallsSince(mark);
    }
    ASSERT_FALSE(calls.empty());
    for (size_t k = 0; k < calls.size(); ++k) {
      if (calls[k].first == "GET" && k % 3 != 0) continue;  // sample the reads
      int64_t skip = 0;
      for (size_t j = 0; j < k; ++j) skip += calls[j] == calls[k] ? 1 : 0;
      // http_error: not applied, 500. response_lost: applied, the reply never arrives.
      // reset: not applied, connection reset.
      for (const char* fault : {R"({"kind": "http_error", "status": 500})",
                                R"({"kind": "response_lost"})", R"({"kind": "reset"})"}) {
        SCOPED_TRACE("call " + std::to_string(k) + ": " + calls[k].first + " " + calls[k].second +
                     " fault " + fault);
        MdProxyFailMatrixTest t;
        setup(t);
        t.SetFaults(R"([{"method": ")" + calls[k].first + R"(", "path": ")" + calls[k].second +
                    R"(", "skip": )" + std::to_string(skip) + R"(, "times": 1, "fault": )" + fault +
                    "}]");
        (void)op(t);
        t.ExpectInvariants();
        t.ClearFaults();
        const Status rerun = op(t);
        EXPECT_TRUE(rerun.ok()) << rerun.ToString();
        t.ExpectInvariants();
        converged(t);
      }
    }
  }

  void TestBody() override {}
  std::unique_ptr<MetadataProxyHandler> handler;
  std::string router_id;
};

Status InitOp(MdProxyTest& base, MetadataProxyHandler& h) {
  (void)base;
  auto r = h.Init();
  if (!r.ok()) return r.error();
  if (!r->complete()) return Internal("incomplete: " + r->proxy_edges[0].error);
  return Status::Ok();
}

TEST_F(MdProxyFailMatrixTest, FailMatrixInitFresh) {
  Matrix([](MdProxyTest&) {},
         [](MdProxyTest& t) {
           auto& self = static_cast<MdProxyFailMatrixTest&>(t);
           self.handler = self.Handler(TestMdConfig());
           return InitOp(t, *self.handler);
         },
         [](MdProxyTest& t) {
           auto& self = static_cast<MdProxyFailMatrixTest&>(t);
           EXPECT_EQ(self.Dump()["edges"].size(), 2U);
           EXPECT_EQ(self.handler->ProxyEdgeIps().size(), 2U);
         });
}

TEST_F(MdProxyFailMatrixTest, FailMatrixInitRestartWithDrift) {
  auto setup = [](MdProxyTest& t) {
    auto& self = static_cast<MdProxyFailMatrixTest&>(t);
    self.MustInit(*self.Handler(TestMdConfig()));
    const std::string e5 = self.ProxyEdge("10.10.0.5");
    ASSERT_TRUE(self.vcns_->UpdateRoutes(e5, driver::StaticRouting{}).ok());
    ASSERT_TRUE(
        self.vcns_->UpdateVnic(e5, driver::MakeVnic(0, "dvportgroup-9", "10.10.0.5", "255.0.0.0"))
            .ok());
  };
  MdProxyConfig c = TestMdConfig();
  c.nova_metadata_ips = {"10.0.0.11", "10.0.0.13"};
  c.mgt_net_proxy_ips = {"10.10.0.5", "10.10.0.8"};  // 10.10.0.6 is re-addressed
  Matrix(
      setup,
      [c](MdProxyTest& t) {
        auto& self = static_cast<MdProxyFailMatrixTest&>(t);
        self.handler = self.Handler(c);
        return InitOp(t, *self.handler);
      },
      [](MdProxyTest& t) {
        auto& self = static_cast<MdProxyFailMatrixTest&>(t);
        EXPECT_EQ(self.Dump()["edges"].size(), 2U);
        EXPECT_NE(self.ProxyEdge("10.10.0.8"), "");
        EXPECT_EQ(self.MdMembers(self.ProxyEdge("10.10.0.5")),
                  (std::vector<std::string>{"10.0.0.11", "10.0.0.13"}));
      });
}

TEST_F(MdProxyFailMatrixTest, FailMatrixRouterConfigureAndCleanup) {
  for (bool https : {false, true}) {
    SCOPED_TRACE(https ? "https" : "http");
    MdProxyConfig c = TestMdConfig();
    c.metadata_insecure = !https;
    auto setup = [c](MdProxyTest& t) {
      auto& self = static_cast<MdProxyFailMatrixTest&>(t);
      self.handler = self.Handler(c);
      self.MustInit(*self.handler);
      plugin::RouterSpec spec;
      spec.name = "r1";
      auto r = self.plugin_->CreateRouter(*self.ctx_, spec);
      ASSERT_TRUE(r.ok());
      self.router_id = r->id;
    };
    Matrix(
        setup,
        [](MdProxyTest& t) {
          auto& self = static_cast<MdProxyFailMatrixTest&>(t);
          return self.handler->ConfigureRouterEdge(*self.ctx_, self.router_id);
        },
        [](MdProxyTest& t) {
          auto& self = static_cast<MdProxyFailMatrixTest&>(t);
          EXPECT_EQ(self.MdMembers(self.EdgeOf(self.router_id)), self.handler->ProxyEdgeIps());
          EXPECT_EQ(
              self.Count("SELECT COUNT(*) FROM ports WHERE device_id = '" + self.router_id + "'"),
              1);
        });
    auto setup_cleanup = [setup](MdProxyTest& t) {
      setup(t);
      auto& self = static_cast<MdProxyFailMatrixTest&>(t);
      ASSERT_TRUE(self.handler->ConfigureRouterEdge(*self.ctx_, self.router_id).ok());
    };
    Matrix(
        setup_cleanup,
        [](MdProxyTest& t) {
          auto& self = static_cast<MdProxyFailMatrixTest&>(t);
          // A fault the client absorbs (a reset or lost reply to an idempotent read is retried)
          // lets the faulted run complete; the rerun then deletes a router that is already gone,
          // which Neutron reports as NotFound. That is convergence, checked by `converged`.
          std::vector<std::string> warnings;
          const Status s =
              self.handler->DeleteRouterWithMetadata(*self.ctx_, self.router_id, &warnings);
          // An edge that refused its DELETE is reported as left on the manager; the operator's
          // next step (restart or `nsxv-md repair`) removes it, and must find exactly that edge.
          for (const std::string& w : warnings) {
            if (w.find("left on the manager") == std::string::npos) continue;
            auto found =
                plugin::RecoverAtStart(*self.ctx_, *self.vcns_, *self.plugin_, self.locks_);
            if (!found.ok()) return found.status();
            EXPECT_EQ(found->fixed(), 1) << w;
            EXPECT_EQ(found->failed(), 0) << w;
          }
          return s.code() == StatusCode::kNotFound ? Status::Ok() : s;
        },
        [](MdProxyTest& t) {
          auto& self = static_cast<MdProxyFailMatrixTest&>(t);
          EXPECT_EQ(self.Dump()["edges"].size(), 2U);  // the proxy edges only
          EXPECT_EQ(self.Count("SELECT COUNT(*) FROM routers"), 2);
        });
  }
}

// ---- concurrency ----

TEST_F(MdProxyTest, ConcurrencyInitWith20ProxiesAnd8WorkersWhile50RoutersAreCreated) {
  MdProxyConfig c = TestMdConfig();
  c.max_init_threads = 8;
  c.mgt_net_proxy_ips.clear();
  for (int i = 0; i < 20; ++i) c.mgt_net_proxy_ips.push_back("10.10.1." + std::to_string(10 + i));
  auto h = Handler(c);
  Result<InitReport> init = Status(StatusCode::kInternal, "not run");
  std::thread init_thread([&] { init = h->Init(); });
  std::vector<std::thread> threads;
  std::vector<std::string> routers(50);
  std::atomic<int> failures{0};
  for (int t = 0; t < 5; ++t) {
    threads.emplace_back([&, t] {
      auto ctx = factory_(true);  // one Context per thread
      if (!ctx.ok()) {
        ++failures;
        return;
      }
      for (int i = t; i < 50; i += 5) {
        plugin::RouterSpec spec;
        spec.name = "r" + std::to_string(i);
        auto r = plugin_->CreateRouter(**ctx, spec);
        if (!r.ok()) {
          ++failures;
          continue;
        }
        routers[i] = r->id;
        Status s = h->AwaitInit(std::chrono::seconds(120));
        for (int tries = 0; !s.ok() && tries < 100000; ++tries) {
          std::this_thread::yield();
          s = h->AwaitInit(std::chrono::seconds(120));
        }
        if (!s.ok() || !h->ConfigureRouterEdge(**ctx, r->id).ok()) ++failures;
      }
    });
  }
  init_thread.join();
  for (auto& t : threads) t.join();
  ASSERT_TRUE(init.ok()) << init.status().ToString();
  EXPECT_TRUE(init->complete());
  EXPECT_EQ(init->live_proxy_ips.size(), 20U);
  EXPECT_EQ(failures.load(), 0);
  for (const std::string& r : routers) {
    ASSERT_FALSE(r.empty());
    EXPECT_EQ(MdMembers(EdgeOf(r)), init->live_proxy_ips) << r;
  }
  ExpectInvariants();
}

// ---- issue 5: certificates are reused per edge and removed on cleanup ----

std::vector<std::string> CertificatesOn(const json& dump, const std::string& edge) {
  std::vector<std::string> ids;
  for (const json& c : dump["certificates"]) {
    if (c["scope"] == edge) ids.push_back(c["id"].get<std::string>());
  }
  return ids;
}

MdProxyConfig HttpsConfig() {
  MdProxyConfig c = TestMdConfig();
  c.metadata_insecure = false;
  return c;
}

TEST_F(MdProxyTest, Issue5CertificateIsReusedAndDeletedOnCleanup) {
  auto h = Handler(HttpsConfig());
  MustInit(*h);
  const plugin::Router router = NewRouter(*h, "r1");
  const std::string edge = EdgeOf(router.id);
  const std::vector<std::string> first = CertificatesOn(Dump(), edge);
  ASSERT_EQ(first.size(), 1U);
  ASSERT_TRUE(h->ConfigureRouterEdge(*ctx_, router.id).ok());
  EXPECT_EQ(CertificatesOn(Dump(), edge), first) << "configure twice reuses one certificate";

  ASSERT_TRUE(h->CleanupRouterEdge(*ctx_, router.id).ok());
  EXPECT_TRUE(CertificatesOn(Dump(), edge).empty()) << "cleanup deletes the certificate";
  EXPECT_EQ(Lb(edge).FindVirtualServer(kMetadataVseName), nullptr);
  ASSERT_TRUE(h->CleanupRouterEdge(*ctx_, router.id).ok()) << "a second cleanup is a no-op";

  ASSERT_TRUE(h->ConfigureRouterEdge(*ctx_, router.id).ok());
  const std::vector<std::string> second = CertificatesOn(Dump(), edge);
  ASSERT_EQ(second.size(), 1U);
  EXPECT_NE(second, first) << "configure after cleanup makes a new certificate";
  EXPECT_EQ(Lb(edge)
                .FindVirtualServer(kMetadataVseName)
                ->app_profile.client_ssl->service_certificate.at(0),
            second[0]);
  ASSERT_TRUE(h->DeleteRouterWithMetadata(*ctx_, router.id).ok());
  EXPECT_TRUE(Dump()["certificates"].empty());
  ExpectInvariants();
}

TEST_F(MdProxyTest, Issue5CleanupAfterRestartDeletesTheCertificateTheLbServes) {
  auto h = Handler(HttpsConfig());
  MustInit(*h);
  const plugin::Router router = NewRouter(*h, "r1");
  const std::string edge = EdgeOf(router.id);
  ASSERT_EQ(CertificatesOn(Dump(), edge).size(), 1U);
  auto h2 = Handler(HttpsConfig());  // a restart: no tracking in memory
  MustInit(*h2);
  ASSERT_TRUE(h2->CleanupRouterEdge(*ctx_, router.id).ok());
  EXPECT_TRUE(CertificatesOn(Dump(), edge).empty());
}

TEST_F(MdProxyTest, Issue5FailedCertificateDeleteIsReportedAndARerunConverges) {
  auto h = Handler(HttpsConfig());
  MustInit(*h);
  const plugin::Router router = NewRouter(*h, "r1");
  const std::string edge = EdgeOf(router.id);
  const std::vector<std::string> certs = CertificatesOn(Dump(), edge);
  ASSERT_EQ(certs.size(), 1U);
  for (const char* fault : {R"({"kind": "http_error", "status": 500})",
                            R"({"kind": "http_error", "status": 503})", R"({"kind": "reset"})"}) {
    SCOPED_TRACE(fault);
    // The 503 rule fires more often than the client retries, so every kind fails the cleanup.
    SetFaults(std::string(R"([{"method": "DELETE", "path": "/api/2.0/services/truststore/)") +
              R"(certificate/)" + certs[0] + R"(", "times": 10, "fault": )" + fault + "}]");
    const Status failed = h->CleanupRouterEdge(*ctx_, router.id);
    EXPECT_FALSE(failed.ok());
    EXPECT_NE(failed.message().find(certs[0]), std::string::npos) << failed.ToString();
    EXPECT_EQ(CertificatesOn(Dump(), edge), certs);
    EXPECT_EQ(Lb(edge).FindVirtualServer(kMetadataVseName), nullptr);
  }
  ClearFaults();
  ASSERT_TRUE(h->CleanupRouterEdge(*ctx_, router.id).ok());
  EXPECT_TRUE(Dump()["certificates"].empty());
  ASSERT_TRUE(h->DeleteRouterWithMetadata(*ctx_, router.id).ok());
  ExpectInvariants();
}

}  // namespace
}  // namespace nsxv::md_proxy
