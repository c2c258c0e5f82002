// Tests of the metadata-path collector (scenarios/md_path_collect.h) against the fake NSX
// manager, in process and over HTTPS, with the state built by the real driver (md init and two
// routers with metadata). The expected verdicts come from the documents of API reference §1.14:
// the driver does not write the metadata firewall rules to router edges, so every router fails at
// its edge's firewall (default deny); once those rules are PUT on each router edge (by the test,
// as raw §1.14 JSON), every router is proven.
#include "scenarios/md_path_collect.h"

#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "driver/store/nsxv_db.h"
#include "driver/transport/beast_transport.h"
#include "fake_nsxv/server.h"
#include "scenarios/client_stack.h"
#include "scenarios/invariants.h"
#include "tests/test_util/driver_env.h"

namespace nsxv::scenarios {
namespace {

using ::testing::HasSubstr;

// §1.14: the metadata rules the plugin adds to router edges, then the external accept.
constexpr const char* kRouterFirewall = R"({"featureType": "firewall_4.0",
  "globalConfig": {"tcpTimeoutEstablished": 7200},
  "firewallRules": {"firewallRules": [
    {"action": "accept", "enabled": true, "name": "VSERule", "source": {"vnicGroupId": ["vse"]},
     "ruleTag": 1},
    {"action": "accept", "enabled": true, "name": "MDServiceIP",
     "destination": {"ipAddress": ["169.254.169.254"]},
     "application": {"service": [{"port": [80, 443, 8775], "protocol": "tcp"}]}, "ruleTag": 2},
    {"action": "deny", "enabled": true, "name": "MDInterEdgeNet",
     "destination": {"ipAddress": ["169.254.128.0/17"]}, "ruleTag": 3},
    {"action": "accept", "enabled": true, "destination": {"vnicGroupId": ["external"]},
     "ruleTag": 4}]}})";

class MdPathCollectTest : public testing_util::DriverEnvTest {
 public:
  void Build() {
    md_ = testing_util::TestMdConfig();
    handler_ = std::make_unique<md_proxy::MetadataProxyHandler>(*vcns_, factory_, *plugin_, locks_,
                                                                clock_, md_);
    auto init = handler_->Init();
    ASSERT_TRUE(init.ok()) << init.status().ToString();
    for (const char* name : {"demo-r1", "demo-r2"}) {
      plugin::RouterSpec spec;
      spec.name = name;
      auto r = handler_->CreateRouterWithMetadata(*ctx_, spec);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      auto b = store::GetRouterBinding(*ctx_, r->id);
      ASSERT_TRUE(b.ok() && *b && (*b)->edge_id);
      router_edges_.push_back(*(*b)->edge_id);
    }
  }

  // Replaces every router edge's firewall with an empty one (defaultPolicy deny).
  void StripRouterFirewalls() {
    for (const auto& edge : router_edges_) {
      driver::ApiCall call;
      call.method = "PUT";
      call.path = "/api/4.0/edges/" + edge + "/firewall/config";
      call.body = R"({"featureType": "firewall_4.0"})";
      ASSERT_TRUE(client_->Call(call).ok());
    }
  }

  // Replaces every router edge's firewall with the §1.14 rules written out by hand, so the
  // oracle is also shown to prove routers whose rules the driver's encoder did not write.
  void PutRouterFirewallRules() {
    for (const auto& edge : router_edges_) {
      driver::ApiCall call;
      call.method = "PUT";
      call.path = "/api/4.0/edges/" + edge + "/firewall/config";
      call.body = kRouterFirewall;
      ASSERT_TRUE(client_->Call(call).ok());
    }
  }

  Result<MdPathReport> Trace(const driver::ApiClient& client, MdTraceOptions options = {}) {
    return TraceMetadataPaths(*ctx_, client, md_, options);
  }

  md_proxy::MdProxyConfig md_;
  std::unique_ptr<md_proxy::MetadataProxyHandler> handler_;
  std::vector<std::string> router_edges_;
};

std::string Text(const MdPathReport& r) { return "\n" + RenderMdPathText(r); }

TEST_F(MdPathCollectTest, DriverConfiguredRoutersAreProvenWithGetsOnly) {
  Build();
  RequestRecorder recorder(*transport_);
  driver::ApiClient observer(recorder, clock_, client_->options());
  auto report = Trace(observer);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->routers.size(), 2U);
  EXPECT_EQ(report->proven(), 2) << Text(*report);
  std::set<std::string> methods;
  for (const auto& req : recorder.Since(0)) methods.insert(req.method);
  EXPECT_EQ(methods, std::set<std::string>{"GET"});
}

TEST_F(MdPathCollectTest, RouterEdgeWithoutTheMetadataRulesFailsAtItsFirewall) {
  Build();
  StripRouterFirewalls();
  auto report = Trace(*client_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->proven(), 0) << Text(*report);
  for (const auto& r : report->routers) {
    EXPECT_THAT(r.metadata.reason, HasSubstr(r.edge_id + " firewall: no rule matches tenant VMs"))
        << Text(*report);
    EXPECT_THAT(r.metadata.reason, HasSubstr("defaultPolicy deny"));
  }
}

TEST_F(MdPathCollectTest, RouterFirewallRulesMakeEveryRouterProven) {
  Build();
  PutRouterFirewallRules();
  auto report = Trace(*client_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok()) << Text(*report);
  EXPECT_THAT(RenderMdPathText(*report), HasSubstr("metadata path: 2/2 routers proven"));
}

TEST_F(MdPathCollectTest, NovaSecretThatDiffersFromTheDriversFailsWithSignatureMismatch) {
  Build();
  PutRouterFirewallRules();
  MdTraceOptions options;
  options.nova_shared_secret = "rotated-in-nova";
  auto report = Trace(*client_, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->routers.size(), 2U);
  for (const auto& r : report->routers) {
    EXPECT_THAT(r.FirstFailure(), HasSubstr("signature mismatch")) << Text(*report);
  }
}

TEST_F(MdPathCollectTest, OneRouterByNameOrEdgeAndAnUnknownOne) {
  Build();
  MdTraceOptions options;
  options.router = "demo-r2";
  auto by_name = Trace(*client_, options);
  ASSERT_TRUE(by_name.ok()) << by_name.status().ToString();
  ASSERT_EQ(by_name->routers.size(), 1U);
  EXPECT_EQ(by_name->routers[0].edge_id, router_edges_[1]);
  options.router = router_edges_[0];
  auto by_edge = Trace(*client_, options);
  ASSERT_TRUE(by_edge.ok());
  ASSERT_EQ(by_edge->routers.size(), 1U);
  options.router = "no-such-router";
  auto none = Trace(*client_, options);
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.error().message(), HasSubstr("no-such-router"));
}

TEST_F(MdPathCollectTest, ProxyEdgePoweredOffFailsAtItsStatus) {
  Build();
  PutRouterFirewallRules();
  auto proxies = store::GetNsxvInternalEdgesByPurpose(*ctx_, store::kInterEdgePurpose);
  ASSERT_TRUE(proxies.ok() && !proxies->empty());
  auto b = store::GetRouterBinding(*ctx_, *proxies->front().router_id);
  ASSERT_TRUE(b.ok() && *b && (*b)->edge_id);
  ASSERT_TRUE(manager_->model().SetPowered(*(*b)->edge_id, false).ok());
  auto report = Trace(*client_);
  ASSERT_TRUE(report.ok());
  for (const auto& r : report->routers) {
    EXPECT_THAT(r.metadata.reason, HasSubstr(*(*b)->edge_id + " status")) << Text(*report);
  }
}

TEST_F(MdPathCollectTest, OverHttpsTheHopTableIsTheSame) {
  Build();
  PutRouterFirewallRules();
  auto server = fake::Server::Start(*manager_, {});
  ASSERT_TRUE(server.ok()) << server.error().message();
  BeastTransportOptions to;
  to.url = (*server)->url();
  to.ca_pem = (*server)->ca_pem();
  auto https = BeastTransport::Create(to);
  ASSERT_TRUE(https.ok()) << https.error().message();
  driver::ApiClientOptions o = client_->options();
  o.manager_uri = (*server)->url();
  driver::ApiClient remote(**https, clock_, o);
  auto over_https = Trace(remote);
  ASSERT_TRUE(over_https.ok()) << over_https.status().ToString();
  auto in_process = Trace(*client_);
  ASSERT_TRUE(in_process.ok());
  EXPECT_EQ(RenderMdPathText(*over_https), RenderMdPathText(*in_process));
  EXPECT_THAT(RenderMdPathText(*over_https), HasSubstr("2/2 routers proven"));
}

TEST_F(MdPathCollectTest, InvariantRunsWithAClientAndNamesEachUnprovenRouter) {
  Build();
  auto off = CheckInvariants(*ctx_, *vcns_, md_);
  ASSERT_TRUE(off.ok()) << off.status().ToString();
  EXPECT_EQ(off->metadata_paths, 0);
  CheckOptions on;
  on.metadata_path_client = client_.get();
  auto healthy = CheckInvariants(*ctx_, *vcns_, md_, on);
  ASSERT_TRUE(healthy.ok()) << healthy.status().ToString();
  EXPECT_EQ(healthy->metadata_paths, 2);
  EXPECT_EQ(healthy->metadata_paths_proven, 2);
  StripRouterFirewalls();
  auto broken = CheckInvariants(*ctx_, *vcns_, md_, on);
  ASSERT_TRUE(broken.ok()) << broken.status().ToString();
  EXPECT_EQ(broken->metadata_paths_proven, 0);
  int md_violations = 0;
  for (const auto& v : broken->violations) {
    if (v.invariant != "metadata-path") continue;
    ++md_violations;
    EXPECT_THAT(v.detail, HasSubstr("firewall: no rule matches tenant VMs"));
  }
  EXPECT_EQ(md_violations, 2);

  PutRouterFirewallRules();
  auto fixed = CheckInvariants(*ctx_, *vcns_, md_, on);
  ASSERT_TRUE(fixed.ok());
  EXPECT_TRUE(fixed->ok());
  EXPECT_EQ(fixed->metadata_paths_proven, 2);
  on.nova_shared_secret = "rotated-in-nova";
  auto rotated = CheckInvariants(*ctx_, *vcns_, md_, on);
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(rotated->metadata_paths_proven, 0);
}

}  // namespace
}  // namespace nsxv::scenarios
