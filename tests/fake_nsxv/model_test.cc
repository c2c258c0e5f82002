#include "fake_nsxv/model.h"

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "driver/common/clock.h"
#include "fake_nsxv/nsx_error.h"

namespace nsxv::fake {
namespace {

using nlohmann::json;
using std::chrono::seconds;

json Edge(const std::string& name) {
  return {{"name", name},
          {"type", "gatewayServices"},
          {"appliances", {{"applianceSize", "compact"}}},
          {"vnics",
           {{"vnics", json::array({{{"index", 0},
                                    {"name", "external"},
                                    {"type", "uplink"},
                                    {"portgroupId", "dvportgroup-20"},
                                    {"isConnected", true}}})}}}};
}

json Vnic(int index, const std::string& ip) {
  return {{"index", index},
          {"name", "internal" + std::to_string(index)},
          {"type", "internal"},
          {"portgroupId", "virtualwire-1"},
          {"isConnected", true},
          {"addressGroups",
           {{"addressGroups",
             json::array({{{"primaryAddress", ip}, {"subnetMask", "255.255.128.0"}}})}}}};
}

const json kRoutes = {{"staticRoutes", {{"staticRoutes", json::array()}}},
                      {"defaultRoute", {{"gatewayAddress", "10.0.0.1"}}}};

std::string DeployOk(Model& model, const std::string& name, bool async = false) {
  Call call;
  Result<DeployResult> r = model.DeployEdge(Edge(name), async, &call);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r->edge_id : "";
}

json Get(Status (Model::*fn)(std::string_view, json*), Model& model, const std::string& id) {
  json out;
  EXPECT_TRUE((model.*fn)(id, &out).ok());
  return out;
}

class ModelTest : public ::testing::Test {
 protected:
  ModelOptions Options() {
    ModelOptions o;
    o.deploy_duration = seconds(60);
    o.config_duration = seconds(10);
    o.time_scale = 0.5;
    return o;
  }
  SimulatedClock clock_;
};

TEST_F(ModelTest, SyncDeployDelaysAnswerByScaledDuration) {
  Model model(clock_, Options());
  Call call;
  Result<DeployResult> r = model.DeployEdge(Edge("md"), /*async=*/false, &call);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->edge_id, "edge-1");
  EXPECT_TRUE(r->job_id.empty());
  EXPECT_EQ(call.delay, seconds(30));
  // Until the deploy ends the edge has a running job and reports GREY.
  EXPECT_EQ(Get(&Model::GetEdgeJobs, model, "edge-1")["edgeJob"].size(), 1u);
  EXPECT_EQ(Get(&Model::GetEdgeStatus, model, "edge-1")["edgeStatus"], "GREY");
  clock_.Advance(seconds(30));
  EXPECT_EQ(Get(&Model::GetEdgeJobs, model, "edge-1")["edgeJob"], json::array());
  EXPECT_EQ(Get(&Model::GetEdgeStatus, model, "edge-1")["edgeStatus"], "GREEN");
}

TEST_F(ModelTest, NameIsOptionalDefaultingToNsxEdgeIdAndKeptByUpdates) {
  // nsxraml 6.4 line 15648: name is optional, default NSX-<edgeId>.
  Model model(clock_, ModelOptions{});
  json body = Edge("unused");
  body.erase("name");
  Call call;
  Result<DeployResult> r = model.DeployEdge(body, /*async=*/false, &call);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Get(&Model::GetEdge, model, r->edge_id)["name"], "NSX-" + r->edge_id);
  Call update;
  ASSERT_TRUE(model.UpdateEdge(r->edge_id, body, &update).ok());
  EXPECT_EQ(Get(&Model::GetEdge, model, r->edge_id)["name"], "NSX-" + r->edge_id);
}

TEST_F(ModelTest, AsyncDeployJobLifecycle) {
  Model model(clock_, Options());
  Call call;
  Result<DeployResult> r = model.DeployEdge(Edge("md"), /*async=*/true, &call);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->job_id, "jobdata-1");
  EXPECT_EQ(call.delay, Duration(0));
  json job;
  ASSERT_TRUE(model.GetJob("jobdata-1", &job).ok());
  EXPECT_EQ(job["status"], "RUNNING");
  EXPECT_EQ(job["edgeId"], "edge-1");
  clock_.Advance(seconds(29));
  ASSERT_TRUE(model.GetJob("jobdata-1", &job).ok());
  EXPECT_EQ(job["status"], "RUNNING");
  clock_.Advance(seconds(1));
  ASSERT_TRUE(model.GetJob("jobdata-1", &job).ok());
  EXPECT_EQ(job["status"], "SUCCESS");
  EXPECT_EQ(Get(&Model::GetEdgeStatus, model, "edge-1")["edgeStatus"], "GREEN");
  EXPECT_EQ(model.GetJob("jobdata-9", &job).http_status(), 404);
}

TEST_F(ModelTest, SyncDeployJobFailureLeavesNoEdge) {
  Model model(clock_, Options());
  Call call;
  call.fail_job = true;
  Result<DeployResult> r = model.DeployEdge(Edge("md"), false, &call);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status(), 400);
  EXPECT_EQ(r.error().nsx_error_code(), nsx_code::kJobFailed);
  EXPECT_EQ(call.delay, seconds(30));
  EXPECT_TRUE(model.EdgeIds().empty());
  // The name is free: a retry succeeds.
  EXPECT_EQ(DeployOk(model, "md"), "edge-2");
}

TEST_F(ModelTest, AsyncDeployJobFailureRemovesEdgeWhenRetired) {
  Model model(clock_, Options());
  Call call;
  call.fail_job = true;
  Result<DeployResult> r = model.DeployEdge(Edge("md"), true, &call);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(model.EdgeIds(), std::vector<std::string>{"edge-1"});
  clock_.Advance(seconds(30));
  json out;
  EXPECT_EQ(model.GetEdgeStatus("edge-1", &out).http_status(), 404);
  EXPECT_TRUE(model.EdgeIds().empty());
  ASSERT_TRUE(model.GetJob(r->job_id, &out).ok());
  EXPECT_EQ(out["status"], "FAILED");
  EXPECT_EQ(DeployOk(model, "md"), "edge-2");
  EXPECT_EQ(model.Dump()["edges"].size(), 1u);
}

TEST_F(ModelTest, BusySerializeDelaysUntilJobEnds) {
  Model model(clock_, Options());
  DeployOk(model, "md", /*async=*/true);  // job runs 30 s of clock time
  clock_.Advance(seconds(10));
  Call call;
  ASSERT_TRUE(model.UpdateVnic("edge-1", "1", Vnic(1, "169.254.128.9"), &call).ok());
  // 20 s left on the deploy, then 5 s (10 s x 0.5) for this change.
  EXPECT_EQ(call.delay, seconds(25));
  Call second;
  ASSERT_TRUE(model.UpdateStaticRouting("edge-1", kRoutes, &second).ok());
  EXPECT_EQ(second.delay, seconds(30));
  EXPECT_EQ(Get(&Model::GetEdgeJobs, model, "edge-1")["edgeJob"].size(), 3u);
  clock_.Advance(seconds(30));
  EXPECT_EQ(Get(&Model::GetEdgeJobs, model, "edge-1")["edgeJob"], json::array());
}

TEST_F(ModelTest, BusyRejectAnswers409WithoutChange) {
  ModelOptions o = Options();
  o.busy_policy = BusyPolicy::kReject;
  Model model(clock_, o);
  DeployOk(model, "md", true);
  const json before = model.Dump();
  Call call;
  const Status s = model.UpdateVnic("edge-1", "1", Vnic(1, "169.254.128.9"), &call);
  EXPECT_EQ(s.http_status(), 409);
  EXPECT_EQ(s.nsx_error_code(), nsx_code::kEdgeBusy);
  EXPECT_EQ(model.Dump(), before);
  clock_.Advance(seconds(30));
  EXPECT_TRUE(model.UpdateVnic("edge-1", "1", Vnic(1, "169.254.128.9"), &call).ok());
  EXPECT_EQ(call.delay, seconds(5));
}

TEST_F(ModelTest, PoweredOffEdgeRejectsConfigWith10013) {
  Model model(clock_, ModelOptions{});
  DeployOk(model, "md");
  ASSERT_TRUE(model.SetPowered("edge-1", false).ok());
  const json before = model.Dump();
  Call call;
  const Status s = model.UpdateFirewall("edge-1", json::object(), &call);
  EXPECT_EQ(s.http_status(), 400);
  EXPECT_EQ(s.nsx_error_code(), nsx_code::kEdgeNotRunning);
  EXPECT_EQ(model.Dump(), before);
  json status;
  EXPECT_EQ(model.GetEdgeStatus("edge-1", &status).nsx_error_code(), nsx_code::kEdgeNotRunning);
  json vnic;
  EXPECT_TRUE(model.GetVnic("edge-1", "0", &vnic).ok());
  EXPECT_EQ(model.SetPowered("edge-9", false).http_status(), 404);
}

TEST_F(ModelTest, FailJobsEndsRunningJobsAndTurnsEdgeRed) {
  Model model(clock_, Options());
  DeployOk(model, "md", true);
  ASSERT_TRUE(model.FailJobs("edge-1").ok());
  EXPECT_EQ(Get(&Model::GetEdgeJobs, model, "edge-1")["edgeJob"], json::array());
  EXPECT_EQ(Get(&Model::GetEdgeStatus, model, "edge-1")["edgeStatus"], "RED");
  json job;
  ASSERT_TRUE(model.GetJob("jobdata-1", &job).ok());
  EXPECT_EQ(job["status"], "FAILED");
  EXPECT_EQ(model.FailJobs("edge-2").http_status(), 404);
}

TEST_F(ModelTest, ConfigChangeWithFailJobIsRejectedAndEdgeGoesRed) {
  Model model(clock_, ModelOptions{});
  DeployOk(model, "md");
  Call call;
  call.fail_job = true;
  const Status s = model.UpdateStaticRouting("edge-1", kRoutes, &call);
  EXPECT_EQ(s.nsx_error_code(), nsx_code::kJobFailed);
  EXPECT_FALSE(Get(&Model::GetStaticRouting, model, "edge-1").contains("defaultRoute"));
  EXPECT_EQ(Get(&Model::GetEdgeStatus, model, "edge-1")["edgeStatus"], "RED");
}

TEST_F(ModelTest, RemoveEdgeAndCertificatesGoWithIt) {
  Model model(clock_, ModelOptions{});
  DeployOk(model, "rtr");
  json cert;
  ASSERT_TRUE(
      model.UploadCertificate("edge-1", {{"pemEncoding", "-----BEGIN CERTIFICATE-----\nx"}}, &cert)
          .ok());
  ASSERT_TRUE(model.RemoveEdge("edge-1").ok());
  EXPECT_EQ(model.RemoveEdge("edge-1").http_status(), 404);
  EXPECT_TRUE(model.Dump()["certificates"].empty());
  EXPECT_TRUE(model.Dump()["names"].is_null());
  EXPECT_EQ(DeployOk(model, "rtr"), "edge-2");
}

TEST_F(ModelTest, DumpLoadRoundTripContinuesCounters) {
  Model model(clock_, Options());
  DeployOk(model, "a");
  DeployOk(model, "b", true);
  Call call;
  ASSERT_TRUE(model.UpdateVnic("edge-1", "1", Vnic(1, "169.254.128.9"), &call).ok());
  ASSERT_TRUE(model.UpdateStaticRouting("edge-1", kRoutes, &call).ok());
  ASSERT_TRUE(model
                  .UpdateFirewall("edge-1",
                                  {{"firewallRules",
                                    {{"firewallRules", json::array({{{"action", "accept"}}})}}}},
                                  &call)
                  .ok());
  Result<std::string> csr = model.CreateCsr("edge-1", "<csr><subject/></csr>");
  ASSERT_TRUE(csr.ok());
  json cert;
  ASSERT_TRUE(model.SelfSignCsr(*csr, "3650", &cert).ok());
  ASSERT_TRUE(model
                  .CreateVirtualWire("vdnscope-1",
                                     "<virtualWireCreateSpec><name>n</name><tenantId>t"
                                     "</tenantId></virtualWireCreateSpec>")
                  .ok());
  ASSERT_TRUE(
      model.CreateSpoofguardPolicy("<spoofguardPolicy><name>p</name></spoofguardPolicy>").ok());
  ASSERT_TRUE(model.SetPowered("edge-2", false).ok());

  const json dump = model.Dump();
  Model copy(clock_, Options());
  ASSERT_TRUE(copy.Load(dump).ok());
  EXPECT_EQ(copy.Dump(), dump);
  // Ids continue after a load.
  EXPECT_EQ(DeployOk(copy, "c"), "edge-3");
  Result<std::string> wire = copy.CreateVirtualWire(
      "vdnscope-1", "<virtualWireCreateSpec><tenantId>t</tenantId></virtualWireCreateSpec>");
  ASSERT_TRUE(wire.ok());
  EXPECT_EQ(*wire, "virtualwire-2");
  // Running jobs survive a load and still complete.
  clock_.Advance(seconds(60));
  EXPECT_EQ(Get(&Model::GetEdgeJobs, copy, "edge-2")["edgeJob"], json::array());
}

TEST_F(ModelTest, LoadRejectsBadDocumentsAndKeepsState) {
  Model model(clock_, ModelOptions{});
  DeployOk(model, "a");
  DeployOk(model, "b");
  const json good = model.Dump();

  std::vector<std::pair<std::string, json>> bad;
  bad.emplace_back("not an object", json::array());
  json j = good;
  j["format"] = "other";
  bad.emplace_back("format", j);
  j = good;
  j["edges"][1]["name"] = "a";
  j["edges"][1]["document"]["name"] = "a";
  bad.emplace_back("duplicate name", j);
  j = good;
  j["edges"][0]["vnics"].erase(3);
  bad.emplace_back("nine vnics", j);
  j = good;
  j["counters"]["edge"] = 1;
  bad.emplace_back("id above counter", j);
  j = good;
  j["edges"][0]["loadBalancer"]["pool"] =
      json::array({{{"name", "p"}, {"member", json::array({{{"ipAddress", nullptr}}})}}});
  bad.emplace_back("invalid lb", j);
  j = good;
  j["edges"][0]["runningJobs"] = json::array({"jobdata-7"});
  bad.emplace_back("unknown job", j);
  j = good;
  j.erase("certificates");
  bad.emplace_back("missing list", j);

  Model target(clock_, ModelOptions{});
  DeployOk(target, "keep");
  const json before = target.Dump();
  for (const auto& [name, doc] : bad) {
    const Status s = target.Load(doc);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << name;
    EXPECT_FALSE(s.message().empty()) << name;
    EXPECT_EQ(target.Dump(), before) << name;
  }
  EXPECT_TRUE(target.Load(good).ok());
  EXPECT_EQ(target.Dump(), good);
}

TEST_F(ModelTest, ResetClearsEverything) {
  Model model(clock_, ModelOptions{});
  DeployOk(model, "a");
  model.Reset();
  EXPECT_TRUE(model.EdgeIds().empty());
  EXPECT_EQ(DeployOk(model, "a"), "edge-1");
}

TEST_F(ModelTest, ConcurrencyManyThreadsKeepStateConsistent) {
  Model model(clock_, ModelOptions{});
  constexpr int kThreads = 8;
  constexpr int kIterations = 40;
  for (int i = 0; i < 4; ++i) DeployOk(model, "shared-" + std::to_string(i));
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIterations; ++i) {
        Call call;
        const std::string own = "t" + std::to_string(t) + "-" + std::to_string(i);
        Result<DeployResult> r = model.DeployEdge(Edge(own), false, &call);
        if (!r.ok()) ++unexpected;
        // Everyone races on the same four edges and on a shared name.
        const std::string shared = "edge-" + std::to_string(1 + (i + t) % 4);
        if (!model
                 .UpdateVnic(shared, std::to_string(1 + t),
                             Vnic(1 + t, "169.254.128." + std::to_string(i + 1)), &call)
                 .ok()) {
          ++unexpected;
        }
        json out;
        if (!model.ListEdges(0, 0, &out).ok()) ++unexpected;
        if (!model.GetEdge(shared, &out).ok()) ++unexpected;
        Result<DeployResult> dup = model.DeployEdge(Edge("contended"), false, &call);
        if (dup.ok() && i % 2 == 0) (void)model.DeleteEdge(dup->edge_id);
        if (r.ok() && i % 3 == 0 && !model.DeleteEdge(r->edge_id).ok()) ++unexpected;
        if (i % 8 == t % 8) (void)model.Dump();
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(unexpected.load(), 0);

  const json dump = model.Dump();
  std::set<std::string> names;
  for (const json& e : dump["edges"]) {
    EXPECT_TRUE(names.insert(e["name"].get<std::string>()).second) << e["name"];
    EXPECT_EQ(e["vnics"].size(), 10u);
  }
  EXPECT_LE(names.count("contended"), 1u);
  // Each thread deleted every third of its own edges.
  int own = 0;
  for (const std::string& n : names) own += n[0] == 't' ? 1 : 0;
  EXPECT_EQ(own, kThreads * (kIterations - (kIterations + 2) / 3));
  // Shared edges: vnic t+1 holds one of the addresses thread t wrote.
  for (int e = 0; e < 4; ++e) {
    for (int t = 0; t < kThreads; ++t) {
      json vnic;
      ASSERT_TRUE(
          model.GetVnic("edge-" + std::to_string(e + 1), std::to_string(1 + t), &vnic).ok());
      EXPECT_EQ(vnic["portgroupId"], "virtualwire-1");
    }
  }
  // The dump is a valid state.
  Model copy(clock_, ModelOptions{});
  EXPECT_TRUE(copy.Load(dump).ok());
  EXPECT_EQ(copy.Dump(), dump);
}

}  // namespace
}  // namespace nsxv::fake
