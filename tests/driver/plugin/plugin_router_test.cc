// Plugin routers (plugin_router.cc): create and delete, edge updates, and the fail matrix.
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "driver/plugin/plugin.h"
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

// The two rules a metadata proxy router's firewall gets: from the edge itself (vse) and from the
// inter-edge network.
std::vector<FirewallRuleSpec> ProxyFirewallRules() {
  FirewallRuleSpec vse;
  vse.action = "allow";
  vse.name = "VSERule";
  vse.source_vnic_groups = {"vse"};
  FirewallRuleSpec internal;
  internal.action = "allow";
  internal.source_ip_address = {"169.254.128.0/17"};
  return {vse, internal};
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
  const std::vector<FirewallRuleSpec> rules = ProxyFirewallRules();  // [0]: the vse rule
  ASSERT_TRUE(plugin_->UpdateFirewall(*ctx_, r.id, rules, false).ok());
  std::string fw = EdgeById(edge)["firewall"].dump();
  EXPECT_NE(fw.find("VSERule"), std::string::npos) << fw;
  EXPECT_NE(fw.find("169.254.128.0/17"), std::string::npos);
  EXPECT_EQ(fw.find("\"external\""), std::string::npos);
  ASSERT_TRUE(plugin_->UpdateFirewall(*ctx_, r.id, {rules[0]}, true).ok());
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
  NSXV_RETURN_IF_ERROR(plugin.UpdateFirewall(ctx, router.id, ProxyFirewallRules(), false));
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
