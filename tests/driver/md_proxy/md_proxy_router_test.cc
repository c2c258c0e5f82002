// Tests of the metadata proxy on router edges (rules M2, M23-M26; fixes 7, 14, 20, 22) and its
// certificates, against the in-process fake NSX manager.
#include <atomic>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "driver/md_proxy/md_proxy.h"
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
