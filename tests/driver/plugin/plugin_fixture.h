// The Plugin test fixture shared by plugin_test.cc (networks, subnets, ports) and
// plugin_router_test.cc (routers, edge updates, fail matrix).
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "driver/plugin/plugin.h"
#include "driver/store/ipam.h"
#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/fault_plan.h"
#include "fake_nsxv/in_process_transport.h"
#include "tests/test_util/driver_env.h"
#include "tests/test_util/mariadb_server.h"

namespace nsxv::plugin::testing_plugin {

using nlohmann::json;

inline constexpr const char* kInternalTenant = "a1b2c3d4-e5f6-eeff-ffee-6f5e4d3c2b1a";

inline PluginConfig TestConfig() { return testing_util::TestPluginConfig(); }

// One fake NSX manager (in process, simulated clock), the typed client, locks, a plugin and an
// admin Context on a private in-memory database (a fresh MariaDB database with
// NSXV_TEST_STORE=mariadb).
class PluginTest : public testing_util::FakeBackendTest {
 protected:
  PluginTest() { Build(TestConfig()); }

  // A fresh fake, client, plugin and database, the plugin with `config`.
  void Reset(const PluginConfig& config) {
    ctx_.reset();
    plugin_.reset();
    ResetBackend();
    Build(config);
  }

  void Build(const PluginConfig& config) {
    plugin_ = std::make_unique<Plugin>(*vcns_, locks_, config);
    store::ContextOptions co;
    co.is_admin = true;
    co.clock = &clock_;
    if (testing_util::TestStoreIsMariadb()) {  // NSXV_TEST_STORE=mariadb: a fresh database
      auto url = testing_util::FreshMariadbDatabase();
      ASSERT_TRUE(url.ok()) << url.status().ToString();
      co.connection = *url;
    }
    auto ctx = store::Context::Open(co);
    ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
    ctx_ = std::move(ctx).value();
  }

  void SetFaults(const std::string& text) {
    auto plan = fake::FaultPlan::FromJsonText(text, 1);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    manager_->SetFaultPlan(*plan);
  }

  json Dump() { return manager_->model().Dump(); }
  json EdgeById(const std::string& id) {
    const json dump = Dump();
    for (const json& e : dump["edges"]) {
      if (e["id"] == id) return e;
    }
    return nullptr;
  }

  Network MakeNetwork(const std::string& name = "net") {
    NetworkSpec spec;
    spec.name = name;
    auto net = plugin_->CreateNetwork(*ctx_, spec);
    EXPECT_TRUE(net.ok()) << net.status().ToString();
    return net.ok() ? *net : Network{};
  }
  Subnet MakeSubnet(const std::string& net_id, const std::string& cidr) {
    SubnetSpec spec;
    spec.network_id = net_id;
    spec.cidr = cidr;
    auto subnet = plugin_->CreateSubnet(*ctx_, spec);
    EXPECT_TRUE(subnet.ok()) << subnet.status().ToString();
    return subnet.ok() ? *subnet : Subnet{};
  }
  Router MakeRouter(const std::string& name = "metadata_proxy_router") {
    RouterSpec spec;
    spec.name = name;
    auto router = plugin_->CreateRouter(*ctx_, spec);
    EXPECT_TRUE(router.ok()) << router.status().ToString();
    return router.ok() ? *router : Router{};
  }
  int64_t Count(const std::string& table) {
    auto db = ctx_->db();
    auto stmt = (*db)->Prepare("SELECT COUNT(*) FROM " + table);
    EXPECT_TRUE(stmt.ok());
    EXPECT_TRUE(stmt->Step().ok());
    return stmt->Int(0);
  }

  locking::HostLockProvider locks_{clock_, {}};
  std::unique_ptr<Plugin> plugin_;
  std::unique_ptr<store::Context> ctx_;
};

}  // namespace nsxv::plugin::testing_plugin
