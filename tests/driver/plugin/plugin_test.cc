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
#include "tests/driver/store/temp_dir.h"
#include "tests/test_util/driver_env.h"
#include "tests/test_util/mariadb_server.h"

namespace nsxv::plugin {
namespace {

using nlohmann::json;

constexpr const char* kInternalTenant = "a1b2c3d4-e5f6-eeff-ffee-6f5e4d3c2b1a";

PluginConfig TestConfig() { return testing_util::TestPluginConfig(); }

// One fake NSX manager (in process, simulated clock), the typed client, locks, a plugin and an
// admin Context on a private in-memory database (a fresh MariaDB database with
// NSXV_TEST_STORE=mariadb).
class PluginTest : public ::testing::Test {
 protected:
  PluginTest() { Reset(TestConfig()); }

  void Reset(const PluginConfig& config) {
    ctx_.reset();
    plugin_.reset();
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

  SimulatedClock clock_;
  locking::HostLockProvider locks_{clock_, {}};
  std::unique_ptr<fake::FakeManager> manager_;
  std::unique_ptr<fake::InProcessTransport> transport_;
  std::unique_ptr<driver::ApiClient> client_;
  std::unique_ptr<driver::Vcns> vcns_;
  std::unique_ptr<Plugin> plugin_;
  std::unique_ptr<store::Context> ctx_;
};

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

// ---- routers ----

TEST_F(PluginTest, CreateRouterDeploysEdgeAndBindsIt) {
  const Router r = MakeRouter();
  EXPECT_EQ(r.status, store::kStatusActive);
  auto binding = store::GetRouterBinding(*ctx_, r.id);
  ASSERT_TRUE(binding.ok() && binding->has_value());
  EXPECT_EQ((*binding)->status, store::kStatusActive);
  EXPECT_EQ((*binding)->appliance_size, "compact");
  EXPECT_EQ((*binding)->edge_type, "service");
  ASSERT_TRUE((*binding)->edge_id.has_value());
  const json edge = EdgeById(*(*binding)->edge_id);
  ASSERT_FALSE(edge.is_null());
  EXPECT_EQ(edge["name"], "metadata_proxy_router-" + r.id);
  const std::string doc = edge["document"].dump();
  EXPECT_NE(doc.find("dvportgroup-20"), std::string::npos);
  EXPECT_NE(doc.find("datastore-12"), std::string::npos);
  EXPECT_EQ(*store::CountEdgeVnicBindings(*ctx_, *(*binding)->edge_id), 180);
  EXPECT_EQ(plugin_->GetRouter(*ctx_, r.id)->status, store::kStatusActive);
  EXPECT_EQ(*plugin_->GetRouterEdge(*ctx_, r.id), *(*binding)->edge_id);
}

TEST_F(PluginTest, DeleteRouterRemovesEdgeBindingsAndPorts) {
  const Network net = MakeNetwork();
  MakeSubnet(net.id, "169.254.128.0/17");
  const Router r = MakeRouter();
  PortSpec ps;
  ps.network_id = net.id;
  ps.device_id = r.id;
  ps.device_owner = kDeviceOwnerRouterInterface;
  ASSERT_TRUE(plugin_->CreatePort(*ctx_, ps).ok());
  // A router interface port is guarded while its router exists.
  auto ports = plugin_->GetPorts(*ctx_, {});
  EXPECT_EQ(plugin_->DeletePort(*ctx_, (*ports)[0].id).code(), StatusCode::kFailedPrecondition);

  ASSERT_TRUE(plugin_->DeleteRouter(*ctx_, r.id).ok());
  EXPECT_TRUE(Dump()["edges"].empty());
  EXPECT_EQ(Count("routers"), 0);
  EXPECT_EQ(Count("nsxv_router_bindings"), 0);
  EXPECT_EQ(Count("nsxv_edge_vnic_bindings"), 0);
  EXPECT_EQ(Count("ports"), 0);
  EXPECT_EQ(Count("ipallocations"), 0);
  EXPECT_EQ(plugin_->DeleteRouter(*ctx_, r.id).code(), StatusCode::kNotFound);
}

TEST_F(PluginTest, UnsupportedRouterTypeAndUnknownRouter) {
  RouterSpec spec;
  spec.router_type = "shared";
  EXPECT_EQ(plugin_->CreateRouter(*ctx_, spec).status().code(), StatusCode::kInvalidArgument);
  Status s = plugin_->UpdateRoutes(*ctx_, "no-such-router", "10.0.0.1");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("no-such-router"), std::string::npos);
  EXPECT_TRUE(Dump()["edges"].empty());
}

TEST_F(PluginTest, DeployFailureLeavesNoBindingAndNoEdge) {
  for (const char* kind : {R"({"kind": "http_error", "status": 500})", R"({"kind": "reset"})",
                           R"({"kind": "response_lost"})"}) {
    SCOPED_TRACE(kind);
    Reset(TestConfig());
    SetFaults(std::string(R"([{"method": "POST", "path": "/api/4.0/edges", "fault": )") + kind +
              "}]");
    auto r = plugin_->CreateRouter(*ctx_, RouterSpec{"metadata_proxy_router"});
    if (r.ok()) {
      // A lost answer was recovered by the client's lookup: one consistent edge.
      EXPECT_EQ(Dump()["edges"].size(), 1U);
      EXPECT_EQ(Count("nsxv_router_bindings"), 1);
      continue;
    }
    EXPECT_TRUE(Dump()["edges"].empty());
    EXPECT_EQ(Count("nsxv_router_bindings"), 0);
    EXPECT_EQ(Count("routers"), 0);
    EXPECT_EQ(Count("nsxv_edge_vnic_bindings"), 0);
  }
}

TEST_F(PluginTest, MetadataObjectsAreProtected) {
  const Network net = MakeNetwork("inter-edge-net");
  const Subnet s = MakeSubnet(net.id, "169.254.128.0/17");
  ASSERT_TRUE(store::CreateNsxvInternalNetwork(*ctx_, store::kInterEdgePurpose, net.id).ok());
  const Router r = MakeRouter();
  ASSERT_TRUE(
      store::CreateNsxvInternalEdge(*ctx_, "10.10.0.5", store::kInterEdgePurpose, r.id).ok());
  PortSpec ps;
  ps.network_id = net.id;
  ps.device_id = r.id;
  ps.device_owner = kDeviceOwnerMdInterface;
  auto port = plugin_->CreatePort(*ctx_, ps);
  ASSERT_TRUE(port.ok());

  EXPECT_EQ(plugin_->DeletePort(*ctx_, port->id).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(plugin_->DeleteSubnet(*ctx_, s.id).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(plugin_->DeleteNetwork(*ctx_, net.id).code(), StatusCode::kPermissionDenied);
  Status rs = plugin_->DeleteRouter(*ctx_, r.id);
  EXPECT_EQ(rs.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(rs.message().find(r.id), std::string::npos);
  EXPECT_EQ(Dump()["edges"].size(), 1U);

  DeleteOptions internal;
  internal.allow_delete_internal = true;
  ASSERT_TRUE(plugin_->DeleteRouter(*ctx_, r.id, internal).ok());
  EXPECT_EQ(Count("nsxv_internal_edges"), 0);
  EXPECT_EQ(Count("ports"), 0);
  ASSERT_TRUE(plugin_->DeleteNetwork(*ctx_, net.id, internal).ok());
  EXPECT_EQ(Count("nsxv_internal_networks"), 0);
  EXPECT_EQ(Count("subnets"), 0);
}

// ---- edge updates ----

TEST_F(PluginTest, UpdateRoutesSetsAndRemovesDefaultGateway) {
  const Router r = MakeRouter();
  const std::string edge = *plugin_->GetRouterEdge(*ctx_, r.id);
  ASSERT_TRUE(plugin_->UpdateRoutes(*ctx_, r.id, "10.10.0.1/24").ok());
  json routing = EdgeById(edge)["staticRouting"];
  EXPECT_EQ(routing["defaultRoute"]["gatewayAddress"], "10.10.0.1") << routing.dump();
  ASSERT_TRUE(
      plugin_->UpdateRoutes(*ctx_, r.id, std::nullopt, {{"192.168.0.0/16", "10.0.0.9"}}).ok());
  routing = EdgeById(edge)["staticRouting"];
  EXPECT_FALSE(routing.contains("defaultRoute")) << routing.dump();
  EXPECT_NE(routing.dump().find("192.168.0.0/16"), std::string::npos);
  EXPECT_EQ(plugin_->UpdateRoutes(*ctx_, r.id, "not-an-ip").code(), StatusCode::kInvalidArgument);
}

TEST_F(PluginTest, UpdateInterfaceRepointsExternalVnic) {
  const Router r = MakeRouter();
  const std::string edge = *plugin_->GetRouterEdge(*ctx_, r.id);
  ASSERT_TRUE(
      plugin_->UpdateInterface(*ctx_, r.id, 0, "dvportgroup-55", "10.10.0.5", "255.255.255.0")
          .ok());
  const json vnic0 = EdgeById(edge)["vnics"][0];
  EXPECT_EQ(vnic0["portgroupId"], "dvportgroup-55") << vnic0.dump();
  EXPECT_NE(vnic0.dump().find("10.10.0.5"), std::string::npos);
  EXPECT_EQ(plugin_->UpdateInterface(*ctx_, r.id, 10, "pg", "1.1.1.1", "255.0.0.0").code(),
            StatusCode::kInvalidArgument);
}

TEST_F(PluginTest, UpdateInternalInterfaceAllocatesVnicSlots) {
  const Network net = MakeNetwork("inter-edge-net");
  MakeSubnet(net.id, "169.254.128.0/17");
  const Router r = MakeRouter();
  const std::string edge = *plugin_->GetRouterEdge(*ctx_, r.id);
  driver::AddressGroup g;
  g.primary_address = "169.254.128.2";
  g.subnet_mask = "255.255.128.0";
  g.subnet_prefix_length = driver::IntOrString::String("17");
  auto vnic = plugin_->UpdateInternalInterface(*ctx_, r.id, net.id, {g});
  ASSERT_TRUE(vnic.ok()) << vnic.status().ToString();
  EXPECT_EQ(*vnic, 1);
  const json v1 = EdgeById(edge)["vnics"][1];
  EXPECT_EQ(v1["portgroupId"], (*store::GetNsxSwitchIds(*ctx_, net.id))[0]) << v1.dump();
  EXPECT_EQ(v1["type"], "internal");
  EXPECT_EQ(*plugin_->UpdateInternalInterface(*ctx_, r.id, net.id, {g}), 1);  // reused
  const Network other = MakeNetwork("other");
  EXPECT_EQ(*plugin_->UpdateInternalInterface(*ctx_, r.id, other.id, {g}), 2);
  driver::AddressGroup empty;
  EXPECT_EQ(plugin_->UpdateInternalInterface(*ctx_, r.id, net.id, {empty}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(PluginTest, UpdateInternalInterfaceFailureFreesTheSlot) {
  const Network net = MakeNetwork();
  const Router r = MakeRouter();
  SetFaults(R"([{"method": "PUT", "path": "/api/4.0/edges/*/vnics/*",
                 "fault": {"kind": "http_error", "status": 500}}])");
  driver::AddressGroup g;
  g.primary_address = "169.254.128.2";
  g.subnet_mask = "255.255.128.0";
  EXPECT_FALSE(plugin_->UpdateInternalInterface(*ctx_, r.id, net.id, {g}).ok());
  EXPECT_TRUE(
      store::GetEdgeVnicBindingsByEdge(*ctx_, *plugin_->GetRouterEdge(*ctx_, r.id))->empty());
}

TEST_F(PluginTest, UpdateFirewallPutsProxyRules) {
  const Router r = MakeRouter();
  const std::string edge = *plugin_->GetRouterEdge(*ctx_, r.id);
  FirewallRuleSpec vse;
  vse.action = "allow";
  vse.name = "VSERule";
  vse.source_vnic_groups = {"vse"};
  FirewallRuleSpec internal;
  internal.action = "allow";
  internal.source_ip_address = {"169.254.128.0/17"};
  ASSERT_TRUE(plugin_->UpdateFirewall(*ctx_, r.id, {vse, internal}, false).ok());
  std::string fw = EdgeById(edge)["firewall"].dump();
  EXPECT_NE(fw.find("VSERule"), std::string::npos) << fw;
  EXPECT_NE(fw.find("169.254.128.0/17"), std::string::npos);
  EXPECT_EQ(fw.find("\"external\""), std::string::npos);
  ASSERT_TRUE(plugin_->UpdateFirewall(*ctx_, r.id, {vse}, true).ok());
  fw = EdgeById(edge)["firewall"].dump();
  EXPECT_NE(fw.find("\"external\""), std::string::npos) << fw;
  FirewallRuleSpec bad;
  bad.action = "drop";
  EXPECT_EQ(plugin_->UpdateFirewall(*ctx_, r.id, {bad}, false).code(),
            StatusCode::kInvalidArgument);
}

// ---- fail matrix ----

// The metadata-proxy edge setup (§1.25 A) followed by its teardown, step by step.
Status MdFlow(Plugin& plugin, store::Context& ctx) {
  NetworkSpec ns;
  ns.name = "inter-edge-net";
  ns.tenant_id = kInternalTenant;
  ns.port_security_enabled = false;
  NSXV_ASSIGN_OR_RETURN(const Network net, plugin.CreateNetwork(ctx, ns));
  NSXV_RETURN_IF_ERROR(store::CreateNsxvInternalNetwork(ctx, store::kInterEdgePurpose, net.id));
  SubnetSpec ss;
  ss.network_id = net.id;
  ss.cidr = "169.254.128.0/17";
  NSXV_RETURN_IF_ERROR(plugin.CreateSubnet(ctx, ss).status());
  RouterSpec rs;
  rs.name = "metadata_proxy_router";
  rs.tenant_id = kInternalTenant;
  NSXV_ASSIGN_OR_RETURN(const Router router, plugin.CreateRouter(ctx, rs));
  NSXV_RETURN_IF_ERROR(
      plugin.UpdateInterface(ctx, router.id, 0, "dvportgroup-55", "10.10.0.5", "255.255.255.0"));
  PortSpec ps;
  ps.network_id = net.id;
  ps.device_id = router.id;
  ps.device_owner = kDeviceOwnerMdInterface;
  ps.port_security_enabled = false;
  NSXV_ASSIGN_OR_RETURN(const Port port, plugin.CreatePort(ctx, ps));
  driver::AddressGroup g;
  g.primary_address = port.fixed_ips.at(0).ip_address;
  g.subnet_mask = "255.255.128.0";
  g.subnet_prefix_length = driver::IntOrString::String("17");
  NSXV_RETURN_IF_ERROR(plugin.UpdateInternalInterface(ctx, router.id, net.id, {g}).status());
  FirewallRuleSpec vse;
  vse.action = "allow";
  vse.name = "VSERule";
  vse.source_vnic_groups = {"vse"};
  FirewallRuleSpec internal;
  internal.action = "allow";
  internal.source_ip_address = {"169.254.128.0/17"};
  NSXV_RETURN_IF_ERROR(plugin.UpdateFirewall(ctx, router.id, {vse, internal}, false));
  NSXV_RETURN_IF_ERROR(plugin.UpdateRoutes(ctx, router.id, "10.10.0.1"));
  NSXV_RETURN_IF_ERROR(
      store::CreateNsxvInternalEdge(ctx, "10.10.0.5", store::kInterEdgePurpose, router.id));
  // Teardown.
  DeleteOptions internal_ok;
  internal_ok.allow_delete_internal = true;
  NSXV_RETURN_IF_ERROR(plugin.DeleteRouter(ctx, router.id, internal_ok));
  return plugin.DeleteNetwork(ctx, net.id, internal_ok);
}

class PluginFailMatrixTest : public PluginTest {
 protected:
  // No orphan edge, binding or port, checked against the DB and the fake's dump.
  void ExpectNoOrphans(bool check_wires) {
    const json dump = Dump();
    std::set<std::string> backend_edges;
    for (const json& e : dump["edges"]) backend_edges.insert(e["id"].get<std::string>());
    auto bindings = store::GetRouterBindings(*ctx_);
    ASSERT_TRUE(bindings.ok());
    std::set<std::string> bound_edges;
    for (const auto& b : *bindings) {
      ASSERT_TRUE(plugin_->GetRouter(*ctx_, b.router_id).ok()) << "binding without router";
      EXPECT_NE(b.status, store::kStatusPendingCreate) << "half-created router " << b.router_id;
      if (b.edge_id) bound_edges.insert(*b.edge_id);
      if (b.status == store::kStatusActive) {
        ASSERT_TRUE(b.edge_id.has_value());
        EXPECT_TRUE(backend_edges.count(*b.edge_id)) << "binding to missing edge " << *b.edge_id;
      }
    }
    for (const std::string& e : backend_edges) {
      EXPECT_TRUE(bound_edges.count(e)) << "orphan edge " << e << " " << dump.dump();
    }
    auto routers = plugin_->GetRouters(*ctx_, {});
    ASSERT_TRUE(routers.ok());
    EXPECT_EQ(routers->size(), bindings->size()) << "router without binding";
    auto ports = plugin_->GetPorts(*ctx_, {});
    ASSERT_TRUE(ports.ok());
    for (const Port& p : *ports) {
      EXPECT_TRUE(plugin_->GetRouter(*ctx_, p.device_id).ok()) << "orphan port " << p.id;
    }
    auto db = ctx_->db();
    auto stray = (*db)->Prepare(
        "SELECT COUNT(*) FROM nsxv_edge_vnic_bindings WHERE edge_id NOT IN "
        "(SELECT edge_id FROM nsxv_router_bindings WHERE edge_id IS NOT NULL)");
    ASSERT_TRUE(stray.ok() && stray->Step().ok());
    EXPECT_EQ(stray->Int(0), 0) << "vnic bindings of an unbound edge";
    if (check_wires) {
      // Every backend wire is mapped (a lost DELETE answer may leave a mapping whose wire is
      // already gone; the rerun's 404 then counts as deleted).
      for (const json& w : dump["virtualWires"]) {
        auto stmt = (*db)->Prepare(
            "SELECT COUNT(*) FROM neutron_nsx_network_mappings WHERE "
            "nsx_id = ?");
        ASSERT_TRUE(stmt.ok());
        stmt->BindAll(w["id"].get<std::string>());
        ASSERT_TRUE(stmt->Step().ok());
        EXPECT_EQ(stmt->Int(0), 1) << "orphan virtual wire " << w.dump();
      }
    }
  }

  // Deletes whatever the failed flow left (as the md cleanup would), twice at most.
  void Teardown() {
    DeleteOptions internal_ok;
    internal_ok.allow_delete_internal = true;
    for (int pass = 0; pass < 2; ++pass) {
      const auto routers = plugin_->GetRouters(*ctx_, {});
      ASSERT_TRUE(routers.ok());
      for (const Router& r : *routers) {
        (void)plugin_->DeleteRouter(*ctx_, r.id, internal_ok);
      }
      const auto networks = plugin_->GetNetworks(*ctx_, {});
      ASSERT_TRUE(networks.ok());
      for (const Network& n : *networks) {
        (void)plugin_->DeleteNetwork(*ctx_, n.id, internal_ok);
      }
    }
  }

  // "METHOD path" of every backend call of a clean run.
  std::vector<std::pair<std::string, std::string>> CleanRunCalls() {
    Reset(TestConfig());
    EXPECT_TRUE(MdFlow(*plugin_, *ctx_).ok());
    std::vector<std::pair<std::string, std::string>> calls;
    const json journal = manager_->journal().ToJson(0, 100000);
    for (const json& e : journal["entries"]) {
      std::string target = e["path"].get<std::string>();
      target = target.substr(0, target.find('?'));
      calls.emplace_back(e["method"].get<std::string>(), target);
    }
    return calls;
  }
};

TEST_F(PluginFailMatrixTest, EveryBackendCallFailing) {
  const auto calls = CleanRunCalls();
  ASSERT_GE(calls.size(), 9U);  // wire, deploy, vnic0, vnic1, fw PUT+GET, routes, delete x2
  const std::vector<std::string> kinds = {R"({"kind": "http_error", "status": 500})",
                                          R"({"kind": "response_lost"})"};
  for (size_t k = 0; k < calls.size(); ++k) {
    // skip = earlier calls with the same key: the fault hits exactly call k.
    int64_t skip = 0;
    for (size_t j = 0; j < k; ++j) skip += calls[j] == calls[k] ? 1 : 0;
    for (const std::string& kind : kinds) {
      SCOPED_TRACE("call " + std::to_string(k) + ": " + calls[k].first + " " + calls[k].second +
                   " fault " + kind);
      Reset(TestConfig());
      SetFaults(R"([{"method": ")" + calls[k].first + R"(", "path": ")" + calls[k].second +
                R"(", "skip": )" + std::to_string(skip) + R"(, "times": 1, "fault": )" + kind +
                "}]");
      const Status flow = MdFlow(*plugin_, *ctx_);
      // A lost answer to a virtual-wire create cannot be recovered (no lookup by name).
      const bool wire_lost = kind.find("response_lost") != std::string::npos &&
                             calls[k].second.find("virtualwires") != std::string::npos &&
                             calls[k].first == "POST";
      ExpectNoOrphans(!wire_lost);
      Teardown();
      const json dump = Dump();
      EXPECT_TRUE(dump["edges"].empty()) << flow.ToString() << "\n" << dump["edges"].dump();
      EXPECT_EQ(Count("routers"), 0);
      EXPECT_EQ(Count("nsxv_router_bindings"), 0);
      EXPECT_EQ(Count("nsxv_edge_vnic_bindings"), 0);
      EXPECT_EQ(Count("ports"), 0);
      EXPECT_EQ(Count("networks"), 0);
      if (!wire_lost) {
        EXPECT_TRUE(dump["virtualWires"].empty());
      }
      // The fault fired: the plan saw its request.
      EXPECT_TRUE(manager_->fault_plan()->UnmatchedRules().empty());
    }
  }
}

}  // namespace
}  // namespace nsxv::plugin
