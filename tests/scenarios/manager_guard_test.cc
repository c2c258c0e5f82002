// The real-manager safety refusal (issue 16): before a run creates anything it refuses a manager
// that already holds an edge with an address of [nsxv] mgt_net_proxy_ips, or a proxy router of
// the driver's name that the run's database does not own. A fake over HTTPS stands in for the
// manager.
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/model.h"
#include "fake_nsxv/server.h"
#include "scenarios/runner.h"
#include "scenarios/scenario_command.h"
#include "tests/driver/store/temp_dir.h"

namespace nsxv::scenarios {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

constexpr const char* kProxyIp = "10.10.0.11";

json Edge(const std::string& name, const std::string& vnic0_ip) {
  json vnic = {
      {"index", 0},
      {"type", "uplink"},
      {"portgroupId", "dvportgroup-mgmt"},
      {"isConnected", true},
      {"addressGroups",
       {{"addressGroups", {{{"primaryAddress", vnic0_ip}, {"subnetMask", "255.255.255.0"}}}}}}};
  return {{"name", name},
          {"appliances", {{"applianceSize", "compact"}}},
          {"vnics", {{"vnics", {vnic}}}}};
}

class ManagerGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = fake::Server::Start(manager_, {});
    ASSERT_TRUE(server.ok()) << server.error().message();
    server_ = std::move(server).value();
    const std::string ca = dir_.File("ca.pem");
    std::ofstream(ca) << server_->ca_pem();
    config::Config real;
    real.nsxv.manager_uri = server_->url();
    real.nsxv.user = "ops";
    real.nsxv.password = "pw";
    real.nsxv.ca_file = ca;
    real.nsxv.mgt_net_moid = "dvportgroup-mgmt";
    real.nsxv.mgt_net_proxy_ips = {kProxyIp};
    real.nsxv.mgt_net_proxy_netmask = "255.255.255.0";
    real.nsxv.nova_metadata_ips = {"10.20.0.5"};
    real.nsxv.vdn_scope_id = "vdnscope-1";
    real.nsxv.datacenter_moid = "datacenter-2";
    real.nsxv.resource_pool_id = "domain-c7";
    real.nsxv.datastore_id = "datastore-1";
    real.nsxv.external_network = "dvportgroup-ext";
    options_.backend = BackendKind::kReal;
    options_.real_config = real;
    options_.allow_changes = true;
    options_.run_prefix = "guard";
  }

  void AddEdge(const std::string& name, const std::string& vnic0_ip) {
    fake::Call call;
    ASSERT_TRUE(manager_.model().DeployEdge(Edge(name, vnic0_ip), false, &call).ok());
  }

  Result<ScenarioReport> Run() {
    auto sc = ParseScenario(R"({"format": 1, "name": "guarded", "steps": [{"op": "init"}]})",
                            "guarded.json");
    EXPECT_TRUE(sc.ok());
    return RunScenario(*sc, options_);
  }

  fake::FakeManager manager_{RealClock(), fake::FakeOptions{.user = "ops", .password = "pw"}};
  std::unique_ptr<fake::Server> server_;
  testing_util::TempDir dir_;
  RunOptions options_;
};

TEST_F(ManagerGuardTest, RefusesAnEdgeOnAConfiguredProxyIpBeforeCreatingAnything) {
  AddEdge("production-md-proxy", kProxyIp);
  const json before = manager_.model().Dump();
  auto r = Run();
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("refusing"));
  EXPECT_THAT(r.error().message(), HasSubstr("edge-1"));
  EXPECT_THAT(r.error().message(), HasSubstr(kProxyIp));
  EXPECT_EQ(manager_.model().Dump(), before);  // nothing was created
}

TEST_F(ManagerGuardTest, RefusesAProxyRouterOfTheDriversNameTheRunDoesNotOwn) {
  AddEdge("metadata_proxy_router-5a1c", "10.99.0.7");
  auto r = Run();
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("metadata_proxy_router-5a1c"));
  EXPECT_EQ(manager_.model().EdgeIds().size(), 1u);
}

TEST_F(ManagerGuardTest, RunsBesideUnrelatedEdgesAndLeavesThem) {
  AddEdge("someone-elses-edge", "10.99.0.7");
  auto r = Run();
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->passed());
  EXPECT_EQ(manager_.model().EdgeIds(), (std::vector<std::string>{"edge-1"}));
}

}  // namespace
}  // namespace nsxv::scenarios
