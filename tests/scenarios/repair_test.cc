// Tests of repair (scenarios/repair.h) and recovery at start (driver/plugin/recovery.h) against
// the in-process fake: a state built by the real code (md init, two routers with metadata, a
// network) is clean; each test adds one kind of debris (DB rows or fake state, as a killed
// process or a change behind the driver's back leaves it), then shows that listing names it and
// changes nothing, that applying fixes it, and that the invariant check is clean afterwards.
#include "scenarios/repair.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "driver/plugin/recovery.h"
#include "driver/store/neutron_db.h"
#include "driver/store/nsxv_db.h"
#include "fake_nsxv/fault_plan.h"
#include "tests/test_util/driver_env.h"

namespace nsxv::scenarios {
namespace {

std::string Describe(const std::vector<Violation>& violations) {
  std::string out;
  for (const Violation& v : violations)
    out += "\n  " + v.invariant + " | " + v.object + " | " + v.detail;
  return out.empty() ? " (no violations)" : out;
}

std::string Describe(const RepairReport& r) {
  std::string out;
  for (const RepairItem& i : r.items) {
    out += "\n  " + i.kind + " | " + i.object + " | " + i.outcome + " " + i.error;
  }
  return out + Describe(r.left);
}

class RepairTest : public testing_util::DriverEnvTest {
 public:
  void SetUp() override {
    md_ = testing_util::TestMdConfig();
    handler_ = std::make_unique<md_proxy::MetadataProxyHandler>(*vcns_, factory_, *plugin_, locks_,
                                                                clock_, md_);
    auto init = handler_->Init();
    ASSERT_TRUE(init.ok()) << init.status().ToString();
    for (const char* name : {"r1", "r2"}) {
      plugin::RouterSpec spec;
      spec.name = name;
      auto r = handler_->CreateRouterWithMetadata(*ctx_, spec);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      routers_.push_back(r->id);
    }
    plugin::NetworkSpec ns;
    ns.name = "web";
    auto net = plugin_->CreateNetwork(*ctx_, ns);
    ASSERT_TRUE(net.ok()) << net.status().ToString();
    net_ = net->id;
    plugin::SubnetSpec ss;
    ss.network_id = net_;
    ss.cidr = "10.1.0.0/24";
    ASSERT_TRUE(plugin_->CreateSubnet(*ctx_, ss).ok());
    ASSERT_TRUE(Check().ok()) << Describe(Check().violations);
  }

  RepairEnv Env() {
    RepairEnv env{*ctx_, *vcns_, *plugin_, locks_, md_};
    env.handler = handler_.get();
    env.init = [this]() { return handler_->Init().status(); };
    return env;
  }
  RepairReport Run(bool apply, std::vector<std::string> kinds = {}) {
    RepairOptions o;
    o.apply = apply;
    o.kinds = std::move(kinds);
    o.list_virtual_wires = FakeModelWires(manager_->model());
    auto r = Repair(Env(), o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : RepairReport{};
  }
  // The check repair promises to leave clean: backend objects outside the naming scope ignored.
  CheckReport Check() {
    CheckOptions o;
    o.driver_naming_only = true;
    o.list_virtual_wires = FakeModelWires(manager_->model());
    auto r = CheckInvariants(*ctx_, *vcns_, md_, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CheckReport{};
  }
  int EdgeCount() {
    auto edges = vcns_->ListEdges();
    EXPECT_TRUE(edges.ok());
    return edges.ok() ? static_cast<int>(edges->size()) : -1;
  }
  std::string EdgeOf(const std::string& router) {
    auto b = store::GetRouterBinding(*ctx_, router);
    return b.ok() && *b ? (*b)->edge_id.value_or("") : "";
  }
  std::string Deploy(const std::string& name) {
    auto id =
        vcns_->DeployEdge(driver::MakeEdgeDocument(plugin::MakeEdgeSpec(plugin_->config(), name)));
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : "";
  }
  // A router row and a binding in `status` without an edge, as a create killed before its deploy
  // answered leaves them.
  std::string PendingRouter(const std::string& name, const std::string& status) {
    store::RouterRow row;
    row.id = plugin::NewUuid();
    row.name = name;
    row.status = store::kStatusPendingCreate;
    row.router_type = "exclusive";
    EXPECT_TRUE(store::InsertRouter(*ctx_, row).ok());
    store::RouterBinding b;
    b.router_id = row.id;
    b.status = status;
    b.appliance_size = "compact";
    b.edge_type = "service";
    EXPECT_TRUE(store::AddRouterBinding(*ctx_, b).ok());
    return row.id;
  }

  // Listing names one item of `kind` and changes nothing; applying fixes it and the check is
  // clean.
  void ListFixCheck(const std::string& kind) {
    const CheckReport before = Check();
    const RepairReport listed = Run(false);
    bool found = false;
    for (const RepairItem& i : listed.items) found = found || i.kind == kind;
    EXPECT_TRUE(found) << "no " << kind << " item:" << Describe(listed);
    EXPECT_EQ(listed.Count("found"), static_cast<int>(listed.items.size()));
    EXPECT_FALSE(listed.clean());
    EXPECT_EQ(Check().violations.size(), before.violations.size()) << "listing changed the state";

    const RepairReport applied = Run(true);
    EXPECT_TRUE(applied.clean()) << Describe(applied);
    EXPECT_GT(applied.Count("fixed"), 0) << Describe(applied);
    const CheckReport after = Check();
    EXPECT_TRUE(after.ok()) << Describe(after.violations);
    EXPECT_TRUE(Run(false).clean()) << Describe(Run(false));
  }

  md_proxy::MdProxyConfig md_;
  std::unique_ptr<md_proxy::MetadataProxyHandler> handler_;
  std::vector<std::string> routers_;
  std::string net_;
};

TEST_F(RepairTest, CleanStateHasNothingToRepair) {
  const RepairReport r = Run(false);
  EXPECT_TRUE(r.items.empty()) << Describe(r);
  EXPECT_TRUE(r.clean());
  EXPECT_TRUE(Run(true).clean());
}

TEST_F(RepairTest, PendingCreateWithItsEdgeIsAdopted) {
  const std::string id = PendingRouter("killed", store::kStatusPendingCreate);
  const std::string edge = Deploy(plugin::BuildLrouterName("killed", id));
  ASSERT_FALSE(Check().ok());
  // The adoptable edge shows as an orphan in the check; the pending item covers it.
  EXPECT_TRUE(Run(false).left.empty()) << Describe(Run(false));
  const int edges = EdgeCount();
  ListFixCheck("pending-bindings");
  EXPECT_EQ(EdgeOf(id), edge);  // adopted, not a second edge
  EXPECT_EQ(EdgeCount(), edges);
  auto row = store::GetRouterRow(*ctx_, id);
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ((*row)->status, store::kStatusActive);
}

TEST_F(RepairTest, PendingCreateWithoutEdgeIsRemoved) {
  const std::string id = PendingRouter("killed", store::kStatusPendingCreate);
  ListFixCheck("pending-bindings");
  auto row = store::GetRouterRow(*ctx_, id);
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(row->has_value());
}

TEST_F(RepairTest, PendingDeleteIsFinished) {
  const std::string edge = EdgeOf(routers_[1]);
  store::RouterBindingUpdate u;
  u.status = store::kStatusPendingDelete;
  ASSERT_TRUE(store::UpdateRouterBinding(*ctx_, routers_[1], u).ok());
  ASSERT_TRUE(manager_->model().RemoveEdge(edge).ok());  // killed after the edge DELETE applied
  ListFixCheck("pending-bindings");
  auto row = store::GetRouterRow(*ctx_, routers_[1]);
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(row->has_value());
}

TEST_F(RepairTest, OrphanedBindingAndItsEdgeAreDeleted) {
  const std::string gone = plugin::NewUuid();
  const std::string edge = Deploy(plugin::BuildLrouterName("gone", gone));
  store::RouterBinding b;
  b.router_id = gone;
  b.edge_id = edge;
  b.status = store::kStatusActive;
  ASSERT_TRUE(store::AddRouterBinding(*ctx_, b).ok());
  ASSERT_TRUE(store::InitEdgeVnicBinding(*ctx_, edge, 20).ok());
  const int edges = EdgeCount();
  ListFixCheck("orphaned-bindings");
  EXPECT_EQ(EdgeCount(), edges - 1);
}

TEST_F(RepairTest, OrphanedEdgeInScopeIsDeletedForeignEdgeIsLeftAlone) {
  Deploy(plugin::BuildLrouterName("old", plugin::NewUuid()));
  const std::string foreign = Deploy("edge-of-other-software");
  const int edges = EdgeCount();
  const RepairReport listed = Run(false);
  EXPECT_EQ(listed.foreign_edges, 1);
  for (const RepairItem& i : listed.items) {
    EXPECT_EQ(i.object.find(foreign), std::string::npos) << "foreign edge listed";
  }
  ListFixCheck("orphaned-edges");
  EXPECT_EQ(EdgeCount(), edges - 1);
  EXPECT_TRUE(vcns_->GetEdgeStatus(foreign).ok()) << "the foreign edge was touched";
}

// A router deleted while its edge refused the DELETE leaves that edge behind; repair finds it as
// an orphaned edge in the naming scope and removes it.
TEST_F(RepairTest, EdgeLeftByARouterDeleteIsRemoved) {
  const std::string edge = EdgeOf(routers_[0]);
  auto plan = fake::FaultPlan::FromJsonText(
      R"([{"method": "DELETE", "path": "/api/4.0/edges/)" + edge +
          R"(", "times": 1000, "fault": {"kind": "http_error", "status": 500}}])",
      1);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  manager_->SetFaultPlan(*plan);
  std::vector<std::string> warnings;
  ASSERT_TRUE(handler_->DeleteRouterWithMetadata(*ctx_, routers_[0], &warnings).ok());
  manager_->SetFaultPlan(*fake::FaultPlan::FromJsonText("[]", 1));
  EXPECT_FALSE(warnings.empty());
  EXPECT_TRUE(vcns_->GetEdgeStatus(edge).ok()) << "the edge should still be on the manager";
  const int edges = EdgeCount();
  ListFixCheck("orphaned-edges");
  EXPECT_EQ(EdgeCount(), edges - 1);
  EXPECT_FALSE(vcns_->GetEdgeStatus(edge).ok()) << "repair left the edge";
}

TEST_F(RepairTest, MissingEdgeIsRedeployedAndItsMetadataConfigured) {
  const std::string old = EdgeOf(routers_[0]);
  ASSERT_TRUE(manager_->model().RemoveEdge(old).ok());
  ListFixCheck("missing-edges");
  EXPECT_NE(EdgeOf(routers_[0]), old);
  EXPECT_FALSE(EdgeOf(routers_[0]).empty());
}

TEST_F(RepairTest, OrphanedVnicSlotsAreDeleted) {
  ASSERT_TRUE(store::InitEdgeVnicBinding(*ctx_, "edge-999", 20).ok());
  ListFixCheck("orphaned-vnics");
}

TEST_F(RepairTest, OrphanedRouterPortIsDeleted) {
  plugin::PortSpec ps;
  ps.network_id = net_;
  ps.device_id = plugin::NewUuid();
  ps.device_owner = plugin::kDeviceOwnerRouterInterface;
  ASSERT_TRUE(plugin_->CreatePort(*ctx_, ps).ok());
  ListFixCheck("orphaned-ports");
  auto left = store::ListPortRows(*ctx_, {});
  ASSERT_TRUE(left.ok());
  for (const auto& p : *left) EXPECT_NE(p.device_id, ps.device_id);
}

TEST_F(RepairTest, OrphanedVirtualWireIsDeleted) {
  driver::VirtualWireSpec spec;
  spec.name = plugin::NewUuid();  // a network id the DB never recorded
  ASSERT_TRUE(vcns_->CreateVirtualWire("vdnscope-1", spec).ok());
  ListFixCheck("orphaned-wires");
}

TEST_F(RepairTest, BrokenRouterMetadataIsConfiguredAgain) {
  store::PortFilter f;
  f.device_id = std::vector<std::string>{routers_[0]};
  auto ports = store::ListPortRows(*ctx_, f);
  ASSERT_TRUE(ports.ok() && ports->size() == 1);
  ASSERT_TRUE(store::DeletePortRow(*ctx_, ports->front().id).ok());
  ListFixCheck("metadata");
}

TEST_F(RepairTest, KindFilterLimitsTheListing) {
  ASSERT_TRUE(store::InitEdgeVnicBinding(*ctx_, "edge-999", 20).ok());
  PendingRouter("killed", store::kStatusPendingCreate);
  const RepairReport r = Run(false, {"orphaned-vnics"});
  ASSERT_EQ(r.items.size(), 1U) << Describe(r);
  EXPECT_EQ(r.items[0].kind, "orphaned-vnics");
  RepairOptions bad;
  bad.kinds = {"no-such-kind"};
  EXPECT_EQ(Repair(Env(), bad).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(RepairTest, OrphanedInternalNetworkRowIsFoundAndDeleted) {
  auto db = ctx_->db();
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("UPDATE nsxv_internal_networks SET network_id = NULL").ok());
  plugin::RecoveryOptions o;
  o.kinds = {plugin::DebrisKind::kOrphanedInternalNetwork};
  auto found = plugin::FindDebris(*ctx_, *vcns_, o);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_EQ(found->items.size(), 1U);
  ASSERT_TRUE(plugin::FixDebris(*ctx_, *vcns_, *plugin_, locks_, found->items[0]).ok());
  auto row = store::GetNsxvInternalNetwork(*ctx_, store::kInterEdgePurpose);
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(row->has_value());
}

TEST_F(RepairTest, RecoveryAtStartAdoptsAPendingRouterAndDeletesOrphans) {
  const std::string id = PendingRouter("killed", store::kStatusPendingCreate);
  const std::string edge = Deploy(plugin::BuildLrouterName("killed", id));
  const std::string orphan = Deploy(plugin::BuildLrouterName("old", plugin::NewUuid()));
  ASSERT_TRUE(store::InitEdgeVnicBinding(*ctx_, "edge-999", 20).ok());
  auto init = handler_->Init();  // a node starting again
  ASSERT_TRUE(init.ok()) << init.status().ToString();
  EXPECT_EQ(EdgeOf(id), edge);
  EXPECT_EQ(vcns_->GetEdgeStatus(orphan).status().code(), StatusCode::kNotFound);
  // What is left is the adopted router's metadata, which repair configures.
  const RepairReport r = Run(true);
  EXPECT_TRUE(r.clean()) << Describe(r);
  ASSERT_EQ(r.items.size(), 1U) << Describe(r);
  EXPECT_EQ(r.items[0].kind, "metadata");
  EXPECT_TRUE(Check().ok()) << Describe(Check().violations);
}

TEST_F(RepairTest, RecoverySkipsAPendingRouterWhoseCreateIsAlive) {
  const std::string id = PendingRouter("alive", store::kStatusPendingCreate);
  auto held = locks_.AcquireFor(locking::EdgeLockName(id), Duration(0));
  ASSERT_TRUE(held.ok());
  auto report = plugin::RecoverAtStart(*ctx_, *vcns_, *plugin_, locks_);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->failed(), 1);
  EXPECT_NE(report->items[0].error.find("in progress"), std::string::npos);
  auto row = store::GetRouterRow(*ctx_, id);
  ASSERT_TRUE(row.ok());
  EXPECT_TRUE(row->has_value());
}

TEST(DriverEdgeNameTest, OnlyTheBuildLrouterNameFormIsInScope) {
  EXPECT_TRUE(plugin::IsDriverEdgeName(plugin::BuildLrouterName("r", plugin::NewUuid())));
  EXPECT_TRUE(
      plugin::IsDriverEdgeName("metadata_proxy_router-0b0e7b0c-4a8e-4a8e-8a8e-0b0e7b0c4a8e"));
  EXPECT_FALSE(plugin::IsDriverEdgeName("edge-of-other-software"));
  EXPECT_FALSE(plugin::IsDriverEdgeName("r-0B0E7B0C-4A8E-4A8E-8A8E-0B0E7B0C4A8E"));
  EXPECT_FALSE(plugin::IsDriverEdgeName("0b0e7b0c-4a8e-4a8e-8a8e-0b0e7b0c4a8e"));
}

}  // namespace
}  // namespace nsxv::scenarios
