// A test fixture base with the driver stack over the in-process fake NSX manager: a simulated
// clock, the fake, an ApiClient (3 attempts) and Vcns, host locks, the plugin, a SQLite database
// in a temporary directory, a ContextFactory over it and one admin Context of the test thread.
// Used by the md_proxy and invariant tests. Not thread-safe (one test thread).
#pragma once

#include <memory>

#include <gtest/gtest.h>

#include "bench/edge_setup.h"
#include "driver/common/clock.h"
#include "driver/locking/lock.h"
#include "driver/md_proxy/md_proxy.h"
#include "driver/nsxv/api_client.h"
#include "driver/nsxv/vcns.h"
#include "driver/plugin/plugin.h"
#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/in_process_transport.h"
#include "tests/driver/store/temp_dir.h"
#include "tests/test_util/mariadb_server.h"

namespace nsxv::testing_util {

// Edge placement options every test deployment uses (the benchmark's, in one place).
inline plugin::PluginConfig TestPluginConfig() { return bench::SamplePluginConfig(); }

// Metadata options of the test deployment; the IP lists are deliberately unsorted (the handler
// must sort them).
inline md_proxy::MdProxyConfig TestMdConfig() {
  md_proxy::MdProxyConfig c;
  c.mgt_net_moid = "dvportgroup-55";
  c.mgt_net_proxy_ips = {"10.10.0.6", "10.10.0.5"};
  c.mgt_net_proxy_netmask = "255.255.255.0";
  c.mgt_net_default_gateway = "10.10.0.1";
  c.nova_metadata_ips = {"10.0.0.12", "10.0.0.11"};
  c.metadata_shared_secret = "s3cr3t";
  return c;
}

// A fixture base with the fake NSX manager in process on a simulated clock and the typed client
// over it: an ApiClient with the fake's credentials and 3 attempts, and Vcns. Derived fixtures
// declare what uses these as their own members, so it is destroyed before them.
class FakeBackendTest : public ::testing::Test {
 public:
  FakeBackendTest() { ResetBackend(); }

  // A fresh fake and client. Precondition: nothing holds the previous ones.
  void ResetBackend() {
    vcns_.reset();
    client_.reset();
    transport_.reset();
    manager_.reset();
    manager_ = std::make_unique<fake::FakeManager>(clock_, fake::FakeOptions{});
    transport_ = std::make_unique<fake::InProcessTransport>(*manager_);
    driver::ApiClientOptions o;
    o.manager_uri = "https://nsxmgr.example.com";
    o.user = "admin";
    o.password = "default";
    o.retries = 3;
    client_ = std::make_unique<driver::ApiClient>(*transport_, clock_, o);
    vcns_ = std::make_unique<driver::Vcns>(*client_);
  }

  SimulatedClock clock_;
  std::unique_ptr<fake::FakeManager> manager_;
  std::unique_ptr<fake::InProcessTransport> transport_;
  std::unique_ptr<driver::ApiClient> client_;
  std::unique_ptr<driver::Vcns> vcns_;
};

class DriverEnvTest : public FakeBackendTest {
 public:
  DriverEnvTest() {
    plugin_ = std::make_unique<plugin::Plugin>(*vcns_, locks_, TestPluginConfig());
    store::ContextOptions sqlite;
    sqlite.path = dir_.File("nsxv.db");
    sqlite.clock = &clock_;
    factory_ =
        TestStoreIsMariadb() ? FreshMariadbFactory(&clock_) : md_proxy::MakeContextFactory(sqlite);
    auto ctx = factory_(true);
    EXPECT_TRUE(ctx.ok()) << ctx.status().ToString();
    if (ctx.ok()) ctx_ = std::move(ctx).value();
  }

  // Public, as in the fixtures this replaces: helper threads of the tests use them.
  TempDir dir_;
  locking::HostLockProvider locks_{clock_, {}};
  std::unique_ptr<plugin::Plugin> plugin_;
  md_proxy::ContextFactory factory_;
  std::unique_ptr<store::Context> ctx_;
};

}  // namespace nsxv::testing_util
