#include "driver/plugin/plugin.h"

#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "driver/store/ipam.h"
#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/fault_plan.h"
#include "fake_nsxv/in_process_transport.h"
#include "tests/driver/plugin/plugin_fixture.h"
#include "tests/driver/store/temp_dir.h"
#include "tests/test_util/driver_env.h"
#include "tests/test_util/mariadb_server.h"

namespace nsxv::plugin {
namespace {

using nlohmann::json;
using testing_plugin::kInternalTenant;
using testing_plugin::PluginTest;
using testing_plugin::TestConfig;

// ---- helpers ----

TEST(PluginHelpersTest, PortListsAndNames) {
  EXPECT_EQ(*ParsePortList("80"), (std::vector<int64_t>{80}));
  EXPECT_EQ(*ParsePortList("55, 66 ,55,77,80,443,8775"),
            (std::vector<int64_t>{55, 66, 77, 80, 443, 8775}));
  EXPECT_EQ(*ParsePortList("80,1000:1002"), (std::vector<int64_t>{80, 1000, 1001, 1002}));
  for (const char* bad : {"", "x", "80,", "70000", "5:3", "1:5000"}) {
    EXPECT_EQ(ParsePortList(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  const std::string id = "6f1d7c1e-2b8a-4c55-9d3e-0a1b2c3d4e5f";
  EXPECT_EQ(BuildLrouterName("metadata_proxy_router", id), "metadata_proxy_router-" + id);
  EXPECT_EQ(BuildLrouterName(std::string(100, 'n'), id).size(), 78U);
  EXPECT_TRUE(std::regex_match(
      NewUuid(),
      std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_NE(NewUuid(), NewUuid());
}

TEST(PluginHelpersTest, ConvertFirewallRule) {
  FirewallRuleSpec md;
  md.action = "allow";
  md.name = "MDServiceIP";
  md.destination_ip_address = {"169.254.169.254"};
  md.protocol = "tcp";
  md.destination_port = "80,443,8775";
  auto r = ConvertFirewallRule(md, 2);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->action, "accept");
  EXPECT_EQ(r->rule_tag, 2);
  ASSERT_EQ(r->services.size(), 1U);
  EXPECT_EQ(r->services[0].port, (std::vector<int64_t>{80, 443, 8775}));
  FirewallRuleSpec vse;
  vse.action = "allow";
  vse.source_ip_address = {"1.1.1.1"};
  vse.source_vnic_groups = {"vse"};  // replaces the address
  r = ConvertFirewallRule(vse, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->source->ip_address.empty());
  EXPECT_EQ(r->source->vnic_group_id, std::vector<std::string>{"vse"});
  vse.action = "reject";
  EXPECT_EQ(ConvertFirewallRule(vse, 1).status().code(), StatusCode::kInvalidArgument);
}

// ---- networks ----

TEST_F(PluginTest, NetworkCreatesAndDeletesVirtualWire) {
  const Network net = MakeNetwork("inter-edge-net");
  const json wires = Dump()["virtualWires"];
  ASSERT_EQ(wires.size(), 1U);
  EXPECT_EQ(wires[0]["name"], net.id);
  EXPECT_EQ(*store::GetNsxSwitchIds(*ctx_, net.id),
            std::vector<std::string>{wires[0]["id"].get<std::string>()});
  EXPECT_EQ(plugin_->GetNetwork(*ctx_, net.id)->name, "inter-edge-net");
  store::NetworkFilter by_name;
  by_name.name = std::vector<std::string>{"inter-edge-net"};
  EXPECT_EQ(plugin_->GetNetworks(*ctx_, by_name)->size(), 1U);

  ASSERT_TRUE(plugin_->DeleteNetwork(*ctx_, net.id).ok());
  EXPECT_TRUE(Dump()["virtualWires"].empty());
  EXPECT_EQ(plugin_->GetNetwork(*ctx_, net.id).status().code(), StatusCode::kNotFound);
  Status missing = plugin_->DeleteNetwork(*ctx_, net.id);
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_NE(missing.message().find(net.id), std::string::npos);
}

TEST_F(PluginTest, NetworkWithoutScopeIsRefused) {
  PluginConfig c = TestConfig();
  c.vdn_scope_id.clear();
  Reset(c);
  auto net = plugin_->CreateNetwork(*ctx_, NetworkSpec{});
  EXPECT_EQ(net.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Count("networks"), 0);
}

TEST_F(PluginTest, NetworkBackendFailureLeavesNothing) {
  SetFaults(R"([{"method": "POST", "path": "/api/2.0/vdn/scopes/*/virtualwires",
                 "fault": {"kind": "http_error", "status": 500}}])");
  auto net = plugin_->CreateNetwork(*ctx_, NetworkSpec{});
  EXPECT_FALSE(net.ok());
  EXPECT_EQ(Count("networks"), 0);
  EXPECT_TRUE(Dump()["virtualWires"].empty());
}

TEST_F(PluginTest, NetworkWithPortsIsNotDeleted) {
  const Network net = MakeNetwork();
  MakeSubnet(net.id, "10.0.0.0/24");
  PortSpec ps;
  ps.network_id = net.id;
  ASSERT_TRUE(plugin_->CreatePort(*ctx_, ps).ok());
  EXPECT_EQ(plugin_->DeleteNetwork(*ctx_, net.id).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Dump()["virtualWires"].size(), 1U);
}

// ---- subnets ----

TEST_F(PluginTest, SubnetDefaultsFollowNeutron) {
  const Network net = MakeNetwork();
  const Subnet s = MakeSubnet(net.id, "169.254.128.0/17");
  EXPECT_EQ(s.gateway_ip, "169.254.128.1");
  ASSERT_EQ(s.allocation_pools.size(), 1U);
  EXPECT_EQ(s.allocation_pools[0], (store::AllocationPool{"169.254.128.2", "169.254.255.254"}));
  EXPECT_EQ(*plugin_->GetSubnet(*ctx_, s.id), s);
  store::SubnetFilter f;
  f.network_id = std::vector<std::string>{net.id};
  EXPECT_EQ(plugin_->GetSubnets(*ctx_, f)->size(), 1U);
  EXPECT_TRUE(Dump()["edges"].empty());  // no backend calls for subnets
}

TEST_F(PluginTest, SubnetGatewayInTheMiddleSplitsThePool) {
  const Network net = MakeNetwork();
  SubnetSpec spec;
  spec.network_id = net.id;
  spec.cidr = "10.0.0.0/29";
  spec.gateway_ip = "10.0.0.3";
  auto s = plugin_->CreateSubnet(*ctx_, spec);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->allocation_pools, (std::vector<store::AllocationPool>{{"10.0.0.1", "10.0.0.2"},
                                                                     {"10.0.0.4", "10.0.0.6"}}));
}

TEST_F(PluginTest, SubnetBadInputIsRejectedAndDbUnchanged) {
  const Network net = MakeNetwork();
  MakeSubnet(net.id, "10.0.0.0/24");
  struct Case {
    SubnetSpec spec;
    StatusCode code;
    std::string names;
  };
  auto spec = [&](std::string cidr) {
    SubnetSpec s;
    s.network_id = net.id;
    s.cidr = std::move(cidr);
    return s;
  };
  std::vector<Case> cases;
  cases.push_back({spec("10.1.0.0/33"), StatusCode::kInvalidArgument, "10.1.0.0/33"});
  cases.push_back({spec("10.1.0.1/24"), StatusCode::kInvalidArgument, "10.1.0.1/24"});
  cases.push_back({spec("10.0.0.128/25"), StatusCode::kInvalidArgument, "overlaps"});
  SubnetSpec unknown = spec("10.2.0.0/24");
  unknown.network_id = "no-such-net";
  cases.push_back({unknown, StatusCode::kNotFound, "no-such-net"});
  SubnetSpec bad_gw = spec("10.3.0.0/24");
  bad_gw.gateway_ip = "10.4.0.1";
  cases.push_back({bad_gw, StatusCode::kInvalidArgument, "10.4.0.1"});
  SubnetSpec bad_pool = spec("10.5.0.0/24");
  bad_pool.allocation_pools = {{"10.5.0.10", "10.5.1.10"}};
  cases.push_back({bad_pool, StatusCode::kInvalidArgument, "10.5.0.10-10.5.1.10"});
  SubnetSpec pool_gw = spec("10.6.0.0/24");
  pool_gw.allocation_pools = {{"10.6.0.1", "10.6.0.10"}};
  cases.push_back({pool_gw, StatusCode::kInvalidArgument, "gateway"});
  SubnetSpec overlap_pools = spec("10.7.0.0/24");
  overlap_pools.allocation_pools = {{"10.7.0.10", "10.7.0.20"}, {"10.7.0.15", "10.7.0.30"}};
  cases.push_back({overlap_pools, StatusCode::kInvalidArgument, "overlap"});
  for (const Case& c : cases) {
    auto r = plugin_->CreateSubnet(*ctx_, c.spec);
    ASSERT_FALSE(r.ok()) << c.spec.cidr;
    EXPECT_EQ(r.error().code(), c.code) << r.error().ToString();
    EXPECT_NE(r.error().message().find(c.names), std::string::npos) << r.error().message();
    EXPECT_EQ(r.error().message().find('\n'), std::string::npos);
  }
  EXPECT_EQ(Count("subnets"), 1);
  EXPECT_EQ(Count("allocation_pools"), 1);
}

TEST_F(PluginTest, SubnetWithAllocationsIsNotDeleted) {
  const Network net = MakeNetwork();
  const Subnet s = MakeSubnet(net.id, "10.0.0.0/24");
  PortSpec ps;
  ps.network_id = net.id;
  auto port = plugin_->CreatePort(*ctx_, ps);
  ASSERT_TRUE(port.ok());
  EXPECT_EQ(plugin_->DeleteSubnet(*ctx_, s.id).code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(plugin_->DeletePort(*ctx_, port->id).ok());
  EXPECT_TRUE(plugin_->DeleteSubnet(*ctx_, s.id).ok());
  EXPECT_EQ(plugin_->DeleteSubnet(*ctx_, s.id).code(), StatusCode::kNotFound);
}

// ---- ports ----

TEST_F(PluginTest, CreatePortDrawsAnotherMacOnCollision) {
  std::vector<std::string> macs = {"fa:16:3e:00:00:01", "fa:16:3e:00:00:01", "fa:16:3e:00:00:02"};
  size_t next = 0;
  PluginConfig config = TestConfig();
  config.mac_generator = [&] { return macs.at(next++); };
  Reset(config);
  const Network net = MakeNetwork();
  MakeSubnet(net.id, "10.0.0.0/24");
  PortSpec ps;
  ps.network_id = net.id;
  auto first = plugin_->CreatePort(*ctx_, ps);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->mac_address, "fa:16:3e:00:00:01");
  auto second = plugin_->CreatePort(*ctx_, ps);  // collides once, then succeeds
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->mac_address, "fa:16:3e:00:00:02");
  EXPECT_EQ(second->fixed_ips.size(), 1U);
  EXPECT_EQ(next, 3U);
  EXPECT_EQ(Count("ports"), 2);
}

TEST_F(PluginTest, CreatePortGivesUpAfterBoundedMacAttempts) {
  int calls = 0;
  PluginConfig config = TestConfig();
  config.mac_generator = [&] {
    ++calls;
    return std::string("fa:16:3e:00:00:01");
  };
  Reset(config);
  const Network net = MakeNetwork();
  MakeSubnet(net.id, "10.0.0.0/24");
  PortSpec ps;
  ps.network_id = net.id;
  ASSERT_TRUE(plugin_->CreatePort(*ctx_, ps).ok());
  calls = 0;
  auto again = plugin_->CreatePort(*ctx_, ps);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.error().message().find("mac_address"), std::string::npos);
  EXPECT_EQ(calls, kMacAttempts);
  EXPECT_EQ(Count("ports"), 1);
  EXPECT_EQ(Count("ipallocations"), 1);
}

TEST_F(PluginTest, PortsGetAddressesAndReleaseThem) {
  const Network net = MakeNetwork();
  const Subnet s = MakeSubnet(net.id, "10.0.0.0/29");  // pool .2-.6
  PortSpec ps;
  ps.network_id = net.id;
  ps.device_id = "dev-1";
  ps.device_owner = kDeviceOwnerMdInterface;
  std::vector<Port> ports;
  for (int i = 0; i < 5; ++i) {
    auto p = plugin_->CreatePort(*ctx_, ps);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    ASSERT_EQ(p->fixed_ips.size(), 1U);
    EXPECT_EQ(p->fixed_ips[0], (store::FixedIp{s.id, "10.0.0." + std::to_string(i + 2)}));
    EXPECT_EQ(p->mac_address.substr(0, 9), "fa:16:3e:");
    ports.push_back(*p);
  }
  auto full = plugin_->CreatePort(*ctx_, ps);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(full.error().message().find(s.id), std::string::npos);
  EXPECT_EQ(Count("ports"), 5);

  store::PortFilter f;
  f.device_id = std::vector<std::string>{"dev-1"};
  f.network_id = std::vector<std::string>{net.id};
  EXPECT_EQ(plugin_->GetPorts(*ctx_, f)->size(), 5U);
  ASSERT_TRUE(plugin_->DeletePort(*ctx_, ports[2].id).ok());
  auto again = plugin_->CreatePort(*ctx_, ps);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->fixed_ips[0].ip_address, "10.0.0.4");
  EXPECT_EQ(plugin_->DeletePort(*ctx_, "nope").code(), StatusCode::kNotFound);
}

TEST_F(PluginTest, PortFixedIpRequests) {
  const Network net = MakeNetwork();
  const Subnet s = MakeSubnet(net.id, "10.0.0.0/24");
  PortSpec ps;
  ps.network_id = net.id;
  ps.fixed_ips = std::vector<FixedIpRequest>{{std::nullopt, "10.0.0.77"}};
  auto p = plugin_->CreatePort(*ctx_, ps);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->fixed_ips[0].ip_address, "10.0.0.77");

  auto taken = plugin_->CreatePort(*ctx_, ps);
  EXPECT_EQ(taken.status().code(), StatusCode::kAlreadyExists);
  ps.fixed_ips = std::vector<FixedIpRequest>{{s.id, "10.9.0.5"}};
  auto outside = plugin_->CreatePort(*ctx_, ps);
  EXPECT_EQ(outside.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(outside.status().message().find("10.9.0.5"), std::string::npos);
  ps.fixed_ips = std::vector<FixedIpRequest>{{std::nullopt, "10.9.0.5"}};
  EXPECT_EQ(plugin_->CreatePort(*ctx_, ps).status().code(), StatusCode::kInvalidArgument);
  ps.fixed_ips = std::vector<FixedIpRequest>{{"other-subnet", std::nullopt}};
  EXPECT_EQ(plugin_->CreatePort(*ctx_, ps).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Count("ports"), 1);  // failures left nothing
  EXPECT_EQ(Count("ipallocations"), 1);

  PortSpec unknown;
  unknown.network_id = "no-such-net";
  auto r = plugin_->CreatePort(*ctx_, unknown);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("no-such-net"), std::string::npos);
}

TEST_F(PluginTest, TenantsSeeOnlyTheirObjects) {
  testing_util::TempDir dir;
  store::ContextOptions admin_options;
  admin_options.path = dir.File("t.db");
  admin_options.is_admin = true;
  store::ContextOptions user_options = admin_options;
  user_options.is_admin = false;
  user_options.tenant_id = "tenant-a";
  auto admin = store::Context::Open(admin_options);
  auto user = store::Context::Open(user_options);
  ASSERT_TRUE(admin.ok() && user.ok());
  NetworkSpec theirs;
  theirs.name = "theirs";
  theirs.tenant_id = "tenant-b";
  auto other = plugin_->CreateNetwork(**admin, theirs);
  ASSERT_TRUE(other.ok());
  NetworkSpec mine;
  mine.name = "mine";
  auto own = plugin_->CreateNetwork(**user, mine);
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->tenant_id, "tenant-a");

  EXPECT_EQ(plugin_->GetNetwork(**user, other->id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(plugin_->DeleteNetwork(**user, other->id).code(), StatusCode::kNotFound);
  EXPECT_EQ(plugin_->GetNetworks(**user, {})->size(), 1U);
  EXPECT_EQ(plugin_->GetNetworks(**admin, {})->size(), 2U);
  {
    auto elevated = (*user)->Elevated();
    EXPECT_TRUE(plugin_->GetNetwork(**user, other->id).ok());
  }
  EXPECT_FALSE(plugin_->GetNetwork(**user, other->id).ok());
}

}  // namespace
}  // namespace nsxv::plugin
