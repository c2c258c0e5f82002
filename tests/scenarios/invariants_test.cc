// Tests of the invariant checker (scenarios/invariants.h) against the in-process fake NSX manager:
// a state built by the real code (md init, routers with metadata, a plugin-made network, subnet
// and port) gives no violation in HTTP and HTTPS mode; each test then breaks exactly one thing and
// expects exactly the violation that names it.
#include "scenarios/invariants.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "driver/store/nsxv_db.h"
#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/in_process_transport.h"
#include "tests/driver/store/temp_dir.h"
#include "tests/test_util/driver_env.h"

namespace nsxv::scenarios {
namespace {

md_proxy::MdProxyConfig TestMdConfig(bool insecure) {
  md_proxy::MdProxyConfig c = testing_util::TestMdConfig();
  c.metadata_insecure = insecure;
  return c;
}

std::string Describe(const CheckReport& r) {
  std::string out;
  for (const Violation& v : r.violations) {
    out += "\n  " + v.invariant + " | " + v.object + " | " + v.detail;
  }
  return out.empty() ? " (no violations)" : out;
}

class InvariantsTest : public testing_util::DriverEnvTest {
 public:
  // md init, two routers with metadata ("demo-r1", "demo-r2"), a tenant network with a subnet
  // and one port, and a network without subnet with one port (no address, which is fine).
  void Build(bool insecure) {
    md_ = TestMdConfig(insecure);
    handler_ = std::make_unique<md_proxy::MetadataProxyHandler>(*vcns_, factory_, *plugin_, locks_,
                                                                clock_, md_);
    auto init = handler_->Init();
    ASSERT_TRUE(init.ok()) << init.status().ToString();
    ASSERT_TRUE(init->complete());
    proxy_edge_ = init->proxy_edges.at(0).edge_id;
    for (const char* name : {"demo-r1", "demo-r2"}) {
      plugin::RouterSpec spec;
      spec.name = name;
      auto r = handler_->CreateRouterWithMetadata(*ctx_, spec);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      routers_.push_back(r->id);
    }
    auto b = store::GetRouterBinding(*ctx_, routers_[0]);
    ASSERT_TRUE(b.ok() && *b && (*b)->edge_id);
    router_edge_ = *(*b)->edge_id;

    plugin::NetworkSpec ns;
    ns.name = "web";
    ns.tenant_id = "tenant-a";
    auto net = plugin_->CreateNetwork(*ctx_, ns);
    ASSERT_TRUE(net.ok()) << net.status().ToString();
    net_ = net->id;
    plugin::SubnetSpec ss;
    ss.network_id = net_;
    ss.cidr = "10.1.0.0/24";
    ss.tenant_id = "tenant-a";
    ASSERT_TRUE(plugin_->CreateSubnet(*ctx_, ss).ok());
    plugin::PortSpec ps;
    ps.network_id = net_;
    ps.tenant_id = "tenant-a";
    ps.device_id = "vm-1";
    ps.device_owner = "compute:nova";
    auto port = plugin_->CreatePort(*ctx_, ps);
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    ASSERT_EQ(port->fixed_ips.size(), 1U);
    port_ = port->id;
    port_ip_ = port->fixed_ips[0].ip_address;

    ns.name = "bare";
    auto bare = plugin_->CreateNetwork(*ctx_, ns);
    ASSERT_TRUE(bare.ok()) << bare.status().ToString();
    ps.network_id = bare->id;
    ps.device_id = "vm-2";
    ASSERT_TRUE(plugin_->CreatePort(*ctx_, ps).ok());
  }

  CheckOptions WithWires(std::string prefix = "") {
    CheckOptions o;
    o.edge_name_prefix = std::move(prefix);
    o.list_virtual_wires = FakeModelWires(manager_->model());
    return o;
  }
  CheckReport Check(const CheckOptions& options) {
    auto r = CheckInvariants(*ctx_, *vcns_, md_, options);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CheckReport{};
  }
  CheckReport Check() { return Check(WithWires()); }

  // Exactly one violation, of `invariant`, whose object contains `object` and detail `detail`.
  static void ExpectOnly(const CheckReport& r, const std::string& invariant,
                         const std::string& object, const std::string& detail = "") {
    ASSERT_EQ(r.violations.size(), 1U) << Describe(r);
    const Violation& v = r.violations[0];
    EXPECT_EQ(v.invariant, invariant) << Describe(r);
    EXPECT_NE(v.object.find(object), std::string::npos) << Describe(r);
    EXPECT_NE(v.detail.find(detail), std::string::npos) << Describe(r);
    EXPECT_EQ(r.passed(), r.checks - 1);
  }

  void Sql(const std::string& sql) {
    auto db = ctx_->db();
    ASSERT_TRUE(db.ok());
    const Status s = (*db)->Exec(sql);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::string WireOf(const std::string& net) {
    auto wires = store::GetNsxSwitchIds(*ctx_, net);
    EXPECT_TRUE(wires.ok() && wires->size() == 1);
    return wires.ok() && !wires->empty() ? wires->front() : "";
  }
  std::string MakeCert(const std::string& edge_id) {
    auto csr = vcns_->CreateCsr(edge_id);
    EXPECT_TRUE(csr.ok()) << csr.status().ToString();
    auto cert = vcns_->SelfSignCsr(csr.ok() ? *csr : "");
    EXPECT_TRUE(cert.ok()) << cert.status().ToString();
    return cert.ok() ? *cert : "";
  }
  std::string DeployStrayEdge(const std::string& name) {
    driver::EdgeSpec spec;
    spec.name = name;
    spec.external_portgroup = "dvportgroup-20";
    spec.datacenter_moid = "datacenter-2";
    spec.resource_pool_id = "domain-c7";
    spec.datastore_id = "datastore-12";
    auto id = vcns_->DeployEdge(driver::MakeEdgeDocument(spec));
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : "";
  }
  std::string CreateStrayWire(const std::string& name) {
    driver::VirtualWireSpec spec;
    spec.name = name;
    auto id = vcns_->CreateVirtualWire("vdnscope-1", spec);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : "";
  }

  md_proxy::MdProxyConfig md_;
  std::unique_ptr<md_proxy::MetadataProxyHandler> handler_;
  std::vector<std::string> routers_;
  std::string proxy_edge_, router_edge_, net_, port_, port_ip_;
};

// ---- consistent states ----

TEST_F(InvariantsTest, ConsistentInsecureStateHasNoViolation) {
  Build(/*insecure=*/true);
  const CheckReport r = Check();
  EXPECT_TRUE(r.ok()) << Describe(r);
  EXPECT_EQ(r.routers, 4);
  EXPECT_EQ(r.proxy_edges, 2);
  EXPECT_EQ(r.router_edges, 2);
  EXPECT_EQ(r.backend_edges, 4);
  EXPECT_EQ(r.networks, 3);     // internal, web, bare
  EXPECT_EQ(r.ports, 6);        // 2 proxy md ports, 2 router md ports, vm-1, vm-2
  EXPECT_EQ(r.allocations, 5);  // vm-2 has no address (its network has no subnet)
  EXPECT_EQ(r.virtual_wires, 3);
  EXPECT_TRUE(r.virtual_wires_listed);
  EXPECT_EQ(r.certificates, 0);
  // The source-compatible overload: same result, no wire list.
  auto plain = CheckInvariants(*ctx_, *vcns_, md_);
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->ok()) << Describe(*plain);
  EXPECT_FALSE(plain->virtual_wires_listed);
  EXPECT_LT(plain->checks, r.checks);
}

TEST_F(InvariantsTest, ConsistentHttpsStateHasNoViolation) {
  Build(/*insecure=*/false);
  const CheckReport r = Check();
  EXPECT_TRUE(r.ok()) << Describe(r);
  EXPECT_EQ(r.certificates, 2);  // one per router edge, none on the proxy edges
}

// ---- orphans ----

TEST_F(InvariantsTest, MissingAllocationRowLeavesAPortWithoutAddress) {
  Build(true);
  Sql("DELETE FROM ipallocations WHERE port_id = '" + port_ + "'");
  ExpectOnly(Check(), "half-created", "port " + port_, "has no fixed IP");
}

TEST_F(InvariantsTest, AllocationOfAMissingPortIsAnOrphan) {
  Build(true);
  Sql("PRAGMA foreign_keys = OFF");
  Sql("INSERT INTO ipallocations (subnet_id, ip_int, ip_address, port_id, network_id) "
      "SELECT id, 167837696 + 99, '10.1.0.99', 'gone-port', network_id FROM subnets "
      "WHERE network_id = '" +
      net_ + "'");
  Sql("PRAGMA foreign_keys = ON");
  ExpectOnly(Check(), "orphans", "allocation 10.1.0.99", "missing port gone-port");
}

TEST_F(InvariantsTest, AllocationRecordedOnAnotherNetworkIsAnOrphan) {
  Build(true);
  Sql("UPDATE ipallocations SET network_id = 'other-net' WHERE port_id = '" + port_ + "'");
  ExpectOnly(Check(), "orphans", "allocation " + port_ip_, "recorded on network other-net");
}

TEST_F(InvariantsTest, VnicSlotsOfAnUnboundEdgeAreOrphans) {
  Build(true);
  ASSERT_TRUE(store::InitEdgeVnicBinding(*ctx_, "edge-999", 2).ok());
  ExpectOnly(Check(), "orphans", "vnic slots of edge-999", "no router is bound to");
}

TEST_F(InvariantsTest, StrayBackendWireIsAnOrphan) {
  Build(true);
  const std::string wire = CreateStrayWire("nobody");
  ExpectOnly(Check(), "orphans", "virtual wire " + wire + " (nobody)", "no network maps to it");
  // Without a wire lister the backend wires are not examined.
  EXPECT_TRUE(Check(CheckOptions{}).ok());
}

TEST_F(InvariantsTest, DeletedBackendWireOfANetworkIsReported) {
  Build(true);
  ASSERT_TRUE(vcns_->DeleteVirtualWire(WireOf(net_)).ok());
  ExpectOnly(Check(), "orphans", "network " + net_, "does not exist on the backend");
}

TEST_F(InvariantsTest, StrayEdgeIsAnOrphan) {
  Build(true);
  const std::string edge = DeployStrayEdge("leftover");
  ExpectOnly(Check(), "orphans", "edge " + edge, "no router is bound to it");
}

TEST_F(InvariantsTest, ExtraCertificateOnAnHttpsRouterEdgeIsAnOrphan) {
  Build(/*insecure=*/false);
  const std::string cert = MakeCert(router_edge_);
  ExpectOnly(Check(), "orphans", "router " + routers_[0], cert);
}

TEST_F(InvariantsTest, CertificateOnAnInsecureRouterEdgeIsAnOrphan) {
  Build(/*insecure=*/true);
  MakeCert(router_edge_);
  ExpectOnly(Check(), "orphans", "router " + routers_[0], "metadata_insecure");
}

TEST_F(InvariantsTest, CertificateOnAProxyEdgeIsAnOrphan) {
  Build(/*insecure=*/false);
  MakeCert(proxy_edge_);
  ExpectOnly(Check(), "orphans", "proxy 10.10.0.5", "on a proxy edge");
}

// ---- half-created ----

TEST_F(InvariantsTest, PendingBindingIsReportedOnce) {
  Build(true);
  store::RouterBindingUpdate u;
  u.status = store::kStatusPendingCreate;
  ASSERT_TRUE(store::UpdateRouterBinding(*ctx_, routers_[1], u).ok());
  ExpectOnly(Check(), "half-created", "router " + routers_[1], "binding is PENDING_CREATE");
}

TEST_F(InvariantsTest, NetworkWithoutWireIdIsHalfCreated) {
  Build(true);
  const std::string wire = WireOf(net_);
  Sql("DELETE FROM neutron_nsx_network_mappings WHERE neutron_id = '" + net_ + "'");
  ExpectOnly(Check(CheckOptions{}), "half-created", "network " + net_, "no virtual wire id");
  // With the backend's wires, the wire the row lost is an orphan too.
  const CheckReport r = Check();
  ASSERT_EQ(r.violations.size(), 2U) << Describe(r);
  EXPECT_EQ(r.violations[1].invariant, "orphans");
  EXPECT_NE(r.violations[1].object.find("virtual wire " + wire), std::string::npos) << Describe(r);
}

// ---- prefix scope ----

TEST_F(InvariantsTest, PrefixScopeIgnoresForeignObjectsButReportsPrefixedOrphans) {
  Build(true);
  DeployStrayEdge("someone-elses-edge");
  CreateStrayWire("someone-elses-wire");
  const std::string edge = DeployStrayEdge("demo-leftover");
  const std::string wire = CreateStrayWire("demo-wire");

  CheckReport r = Check(WithWires("demo-"));
  ASSERT_EQ(r.violations.size(), 2U) << Describe(r);
  EXPECT_EQ(r.violations[0].invariant, "orphans");
  EXPECT_EQ(r.violations[0].object, "edge " + edge);
  EXPECT_EQ(r.violations[1].invariant, "orphans");
  EXPECT_NE(r.violations[1].object.find("virtual wire " + wire), std::string::npos);
  // demo-r1, demo-r2, demo-leftover, and the two proxy edges (not prefixed, but the DB binds
  // them: they are the run's own).
  EXPECT_EQ(r.backend_edges, 5);
  EXPECT_EQ(r.foreign_edges, 1);  // someone-elses-edge
  EXPECT_EQ(r.virtual_wires, 1);
  EXPECT_EQ(r.foreign_wires, 4);

  // Without a prefix every stray object is an orphan.
  r = Check(WithWires());
  EXPECT_EQ(r.violations.size(), 4U) << Describe(r);
  EXPECT_EQ(r.foreign_edges, 0);
}

}  // namespace
}  // namespace nsxv::scenarios
