// The driver over real HTTPS (BeastTransport -> fake::Server on 127.0.0.1:0): retry and
// response-lost behaviour end to end, with the retry waits on a SimulatedClock.
#include <gtest/gtest.h>

#include "driver/nsxv/vcns.h"
#include "driver/transport/beast_transport.h"
#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/server.h"
#include "fake_nsxv/tls_cert.h"

namespace nsxv::driver {
namespace {

class VcnsHttpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = fake::Server::Start(manager_, {});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
    auto t = BeastTransport::Create(
        {.url = server_->url(), .ca_pem = server_->ca_pem(), .pool_size = 2});
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    transport_ = std::move(t).value();
    client_ = std::make_unique<ApiClient>(*transport_, clock_,
                                          ApiClientOptions{.manager_uri = server_->url() + "/",
                                                           .user = "admin",
                                                           .password = "default",
                                                           .retries = 5});
    vcns_ = std::make_unique<Vcns>(*client_);
  }

  void SetFaults(std::string_view plan) {
    auto p = fake::FaultPlan::FromJsonText(plan, 1);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    manager_.SetFaultPlan(*p);
  }

  static EdgeDocument Edge(const std::string& name) {
    EdgeSpec spec;
    spec.name = name;
    spec.external_portgroup = "dvportgroup-20";
    return MakeEdgeDocument(spec);
  }

  SimulatedClock clock_;
  fake::FakeManager manager_{RealClock(), fake::FakeOptions{}};
  std::unique_ptr<fake::Server> server_;
  std::unique_ptr<BeastTransport> transport_;
  std::unique_ptr<ApiClient> client_;
  std::unique_ptr<Vcns> vcns_;
};

TEST_F(VcnsHttpsTest, ConflictThenSuccessOverHttps) {
  auto id = vcns_->DeployEdge(Edge("r1"));
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  SetFaults(R"([{"method": "PUT", "times": 2, "fault": {"kind": "http_error", "status": 409}}])");
  StaticRouting routes;
  routes.default_route =
      DefaultRoute{.gateway_address = "10.0.0.1", .description = "default-gateway"};
  const Status s = vcns_->UpdateRoutes(*id, routes);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(clock_.Elapsed(), std::chrono::seconds(1 + 2));
  auto back = vcns_->GetRoutes(*id);
  ASSERT_TRUE(back.ok());
  ASSERT_TRUE(back->default_route.has_value());
  EXPECT_EQ(back->default_route->gateway_address, "10.0.0.1");
  EXPECT_EQ(transport_->stats().tls_handshakes, 1U);  // retries reuse the connection
}

TEST_F(VcnsHttpsTest, ServiceUnavailableExhaustsOverHttps) {
  SetFaults(R"([{"method": "GET", "fault": {"kind": "http_error", "status": 503}}])");
  auto r = vcns_->ListEdges();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.error().http_status(), 503);
  EXPECT_EQ(manager_.fault_plan()->Stats()[0].fired, 5);
}

TEST_F(VcnsHttpsTest, ResponseLostOnDeployCreatesNoDuplicate) {
  SetFaults(
      R"([{"method": "POST", "path": "/api/4.0/edges", "times": 1, "fault": {"kind": "response_lost"}}])");
  auto id = vcns_->DeployEdge(Edge("lost-reply"));
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(*id, "edge-1");
  EXPECT_EQ(manager_.model().EdgeIds().size(), 1U);
}

}  // namespace
}  // namespace nsxv::driver
