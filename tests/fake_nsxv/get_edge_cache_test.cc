// GET /api/4.0/edges/{id} is answered from a per-edge serialized copy (Model::GetEdgeText).
// These tests change the edge every way a client or a fault can, and check that the next GET
// answers the new state: the fields a client reads, and the whole body against the model's
// document built afresh (GetEdge, which keeps no copy).
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/in_process_transport.h"
#include "tests/test_util/nsx_documents.h"

namespace nsxv::fake {
namespace {

using json = nlohmann::json;
using nsxv::testing::DeployEdgeBody;
using nsxv::testing::ExternalVnicBody;
using nsxv::testing::ProxyFirewallBody;

FakeOptions DeployTakes10s() {
  FakeOptions options;
  options.model.deploy_duration = std::chrono::seconds(10);
  return options;
}

class GetEdgeCacheTest : public ::testing::Test {
 protected:
  explicit GetEdgeCacheTest(FakeOptions options = {})
      : manager_(clock_, std::move(options)), transport_(manager_) {}

  HttpResponse Send(std::string method, std::string target, std::string body = "") {
    auto r = transport_.Send(
        nsxv::testing::AuthedJsonRequest(std::move(method), std::move(target), std::move(body)));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : HttpResponse{};
  }

  // GET edge: 200, and the body is the model's document as it is now, byte for byte.
  json GetFresh(const std::string& id) {
    const HttpResponse r = Send("GET", "/api/4.0/edges/" + id);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers.Get("Content-Type").value_or(""), "application/json");
    json doc;
    EXPECT_TRUE(manager_.model().GetEdge(id, &doc).ok());
    EXPECT_EQ(r.body, doc.dump());
    return json::parse(r.body);
  }

  SimulatedClock clock_;
  FakeManager manager_;
  InProcessTransport transport_;
};

TEST_F(GetEdgeCacheTest, GetAfterEveryKindOfPutAnswersTheNewState) {
  ASSERT_EQ(Send("POST", "/api/4.0/edges", DeployEdgeBody("router-a")).status, 201);
  const json first = GetFresh("edge-1");
  EXPECT_EQ(first["name"], "router-a");
  EXPECT_EQ(first["version"], 1);
  EXPECT_EQ(first["status"], "deployed");
  EXPECT_EQ(GetFresh("edge-1"), first);  // a second GET with no change in between

  ASSERT_EQ(
      Send("PUT", "/api/4.0/edges/edge-1/vnics/0", ExternalVnicBody("10.0.0.5", "dvportgroup-55"))
          .status,
      204);
  json doc = GetFresh("edge-1");
  EXPECT_EQ(doc["version"], 2);
  EXPECT_EQ(doc["vnics"]["vnics"][0]["portgroupId"], "dvportgroup-55");

  ASSERT_EQ(Send("PUT", "/api/4.0/edges/edge-1", DeployEdgeBody("router-b")).status, 204);
  doc = GetFresh("edge-1");
  EXPECT_EQ(doc["name"], "router-b");
  EXPECT_EQ(doc["version"], 3);

  // A change elsewhere on the edge moves its version, which GET edge reports.
  ASSERT_EQ(Send("PUT", "/api/4.0/edges/edge-1/firewall/config", ProxyFirewallBody()).status, 204);
  EXPECT_EQ(GetFresh("edge-1")["version"], 4);
}

TEST_F(GetEdgeCacheTest, GetAfterDeleteAndAfterDeleteFaultIs404) {
  ASSERT_EQ(Send("POST", "/api/4.0/edges", DeployEdgeBody("r1")).status, 201);
  ASSERT_EQ(Send("POST", "/api/4.0/edges", DeployEdgeBody("r2")).status, 201);
  GetFresh("edge-1");
  GetFresh("edge-2");
  ASSERT_EQ(Send("DELETE", "/api/4.0/edges/edge-1").status, 204);
  EXPECT_EQ(Send("GET", "/api/4.0/edges/edge-1").status, 404);

  ASSERT_EQ(Send("PUT", "/__fake/faults",
                 R"([{"edge": "edge-2", "times": 1, "fault": {"kind": "edge_deleted"}}])")
                .status,
            204);
  EXPECT_EQ(Send("GET", "/api/4.0/edges/edge-2").status, 404);
  EXPECT_EQ(Send("GET", "/api/4.0/edges/edge-2").status, 404);
}

TEST_F(GetEdgeCacheTest, FaultsStillApplyToGetAndLeaveTheDocumentAlone) {
  ASSERT_EQ(Send("POST", "/api/4.0/edges", DeployEdgeBody("r1")).status, 201);
  const json before = GetFresh("edge-1");
  const auto fault_once = [&](const std::string& fault) {
    ASSERT_EQ(Send("PUT", "/__fake/faults",
                   R"([{"method": "GET", "path": "/api/4.0/edges/*", "times": 1, "fault": )" +
                       fault + "}]")
                  .status,
              204);
  };
  fault_once(R"({"kind": "http_error", "status": 503})");
  EXPECT_EQ(Send("GET", "/api/4.0/edges/edge-1").status, 503);
  fault_once(R"({"kind": "garbage"})");
  const HttpResponse garbage = Send("GET", "/api/4.0/edges/edge-1");
  EXPECT_EQ(garbage.status, 200);
  EXPECT_TRUE(json::parse(garbage.body, nullptr, false).is_discarded());
  EXPECT_EQ(GetFresh("edge-1"), before);
}

TEST_F(GetEdgeCacheTest, GetAfterStateLoadAnswersTheLoadedEdge) {
  ASSERT_EQ(Send("POST", "/api/4.0/edges", DeployEdgeBody("r1")).status, 201);
  GetFresh("edge-1");
  json state = json::parse(Send("GET", "/__fake/state").body);
  state["edges"][0]["name"] = "loaded";
  state["edges"][0]["document"]["name"] = "loaded";
  state["edges"][0]["version"] = 7;
  ASSERT_EQ(Send("PUT", "/__fake/state", state.dump()).status, 204) << state.dump();
  const json doc = GetFresh("edge-1");
  EXPECT_EQ(doc["name"], "loaded");
  EXPECT_EQ(doc["version"], 7);

  ASSERT_EQ(Send("POST", "/__fake/reset").status, 204);
  EXPECT_EQ(Send("GET", "/api/4.0/edges/edge-1").status, 404);
}

class GetEdgeCacheDeployTest : public GetEdgeCacheTest {
 protected:
  GetEdgeCacheDeployTest() : GetEdgeCacheTest(DeployTakes10s()) {}
};

TEST_F(GetEdgeCacheDeployTest, DeployingTurnsDeployedWhenTheJobEnds) {
  ASSERT_EQ(Send("POST", "/api/4.0/edges?async=true", DeployEdgeBody("r1")).status, 202);
  EXPECT_EQ(GetFresh("edge-1")["status"], "deploying");
  clock_.Advance(std::chrono::seconds(11));
  EXPECT_EQ(GetFresh("edge-1")["status"], "deployed");
}

}  // namespace
}  // namespace nsxv::fake
