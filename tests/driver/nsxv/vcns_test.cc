#include "driver/nsxv/vcns.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/fault_plan.h"
#include "fake_nsxv/in_process_transport.h"

namespace nsxv::driver {
namespace {

using nlohmann::json;
using std::chrono::seconds;

// Passes requests to the fake and lets a test edit the answers (drop Location, replace bodies).
class EditingTransport final : public Transport {
 public:
  explicit EditingTransport(Transport& inner) : inner_(inner) {}
  Result<HttpResponse> Send(const HttpRequest& request) override {
    Result<HttpResponse> r = inner_.Send(request);
    if (r.ok() && edit) edit(request, *r);
    return r;
  }
  std::function<void(const HttpRequest&, HttpResponse&)> edit;

 private:
  Transport& inner_;
};

class VcnsTest : public ::testing::Test {
 protected:
  explicit VcnsTest(int page_size = 256) { Reset(page_size); }

  void Reset(int page_size = 256) {
    vcns_.reset();
    client_.reset();
    editing_.reset();
    transport_.reset();
    manager_.reset();
    fake::FakeOptions options;
    options.model.page_size = page_size;
    manager_ = std::make_unique<fake::FakeManager>(clock_, options);
    transport_ = std::make_unique<fake::InProcessTransport>(*manager_);
    editing_ = std::make_unique<EditingTransport>(*transport_);
    ApiClientOptions o;
    o.manager_uri = "https://nsxmgr.example.com";
    o.user = "admin";
    o.password = "default";
    o.retries = 5;
    client_ = std::make_unique<ApiClient>(*editing_, clock_, o);
    vcns_ = std::make_unique<Vcns>(*client_);
  }

  void SetFaults(const std::string& text) {
    auto plan = fake::FaultPlan::FromJsonText(text, 1);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    manager_->SetFaultPlan(*plan);
  }

  static EdgeDocument Edge(const std::string& name) {
    EdgeSpec spec;
    spec.name = name;
    spec.external_portgroup = "dvportgroup-20";
    return MakeEdgeDocument(spec);
  }

  std::string MustDeploy(const std::string& name) {
    Result<std::string> id = vcns_->DeployEdge(Edge(name));
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : "";
  }

  size_t EdgeCount() { return manager_->model().EdgeIds().size(); }
  uint64_t Calls() { return transport_->calls(); }

  SimulatedClock clock_;
  std::unique_ptr<fake::FakeManager> manager_;
  std::unique_ptr<fake::InProcessTransport> transport_;
  std::unique_ptr<EditingTransport> editing_;
  std::unique_ptr<ApiClient> client_;
  std::unique_ptr<Vcns> vcns_;
};

TEST_F(VcnsTest, EdgeLifecycle) {
  const std::string id = MustDeploy("router-a");
  EXPECT_EQ(id, "edge-1");
  Result<EdgeDocument> got = vcns_->GetEdge(id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->name, "router-a");

  EdgeDocument renamed = Edge("router-b");
  ASSERT_TRUE(vcns_->UpdateEdge(id, renamed).ok());
  EXPECT_EQ(vcns_->GetEdge(id)->name, "router-b");

  Result<std::vector<EdgeSummary>> all = vcns_->ListEdges();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 1U);
  EXPECT_EQ(all->at(0).id, id);
  EXPECT_EQ(vcns_->FindEdgeByName("router-b")->value().id, id);
  EXPECT_FALSE(vcns_->FindEdgeByName("router-a")->has_value());

  Result<EdgeStatusInfo> st = vcns_->GetEdgeStatus(id);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->health, EdgeHealth::kActive);

  EXPECT_TRUE(vcns_->DeleteEdge(id).ok());
  EXPECT_TRUE(vcns_->DeleteEdge(id).ok());  // 404 counts as success
  Result<EdgeDocument> gone = vcns_->GetEdge(id);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(gone.status().http_status(), 404);
  EXPECT_NE(gone.status().message().find("/api/4.0/edges/edge-1"), std::string::npos);
  EXPECT_EQ(vcns_->UpdateEdge(id, renamed).code(), StatusCode::kNotFound);
}

TEST_F(VcnsTest, DuplicateNameBeforeAnyAttemptIsAlreadyExists) {
  MustDeploy("router-a");
  Result<std::string> dup = vcns_->DeployEdge(Edge("router-a"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(dup.status().nsx_error_code(), 10085);
  EXPECT_EQ(EdgeCount(), 1U);
}

TEST_F(VcnsTest, DeployWithLostResponseCreatesNoDuplicate) {
  SetFaults(R"([{"method": "POST", "path": "/api/4.0/edges", "times": 1,
                 "fault": {"kind": "response_lost"}}])");
  EXPECT_EQ(MustDeploy("router-a"), "edge-1");
  EXPECT_EQ(EdgeCount(), 1U);
  EXPECT_EQ(Calls(), 2U);  // the POST, then the lookup by name; no second POST
}

TEST_F(VcnsTest, DeployRetriesWhenTheFailedAttemptCreatedNothing) {
  SetFaults(R"([{"method": "POST", "path": "/api/4.0/edges", "times": 2,
                 "fault": {"kind": "http_error", "status": 400, "errorCode": 10115}}])");
  const TimePoint t0 = clock_.Now();
  EXPECT_EQ(MustDeploy("router-a"), "edge-1");
  EXPECT_EQ(EdgeCount(), 1U);
  EXPECT_EQ(clock_.Now() - t0, seconds(1) + seconds(2));
  // Reset (request not applied): lookup finds nothing, so the POST is repeated.
  Reset();
  SetFaults(R"([{"method": "POST", "times": 1, "fault": {"kind": "reset"}}])");
  EXPECT_EQ(MustDeploy("router-a"), "edge-1");
  EXPECT_EQ(EdgeCount(), 1U);
}

TEST_F(VcnsTest, DeployWithoutLocationIsProtocolErrorNamingTheEdge) {
  editing_->edit = [](const HttpRequest& req, HttpResponse& r) {
    if (req.method == "POST") r.headers.Remove("Location");
  };
  Result<std::string> id = vcns_->DeployEdge(Edge("router-a"));
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), StatusCode::kProtocolError);
  EXPECT_NE(id.status().message().find("no Location header"), std::string::npos);
  EXPECT_NE(id.status().message().find("POST https://nsxmgr.example.com/api/4.0/edges"),
            std::string::npos);
  EXPECT_NE(id.status().message().find("exists as edge-1"), std::string::npos)
      << id.status().message();
  editing_->edit = [](const HttpRequest& req, HttpResponse& r) {
    if (req.method == "POST") r.headers.Set("Location", "/api/4.0/edges/");
  };
  EXPECT_EQ(vcns_->DeployEdge(Edge("router-b")).status().code(), StatusCode::kProtocolError);
}

TEST_F(VcnsTest, ListEdgesReadsEveryPage) {
  Reset(/*page_size=*/2);
  for (int i = 0; i < 5; ++i) MustDeploy("r" + std::to_string(i));
  const uint64_t before = Calls();
  Result<std::vector<EdgeSummary>> all = vcns_->ListEdges();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 5U);
  EXPECT_EQ(all->at(4).id, "edge-5");
  EXPECT_EQ(Calls() - before, 3U);
}

TEST_F(VcnsTest, EdgeStatusNotRunningAndOtherErrors) {
  const std::string id = MustDeploy("r");
  SetFaults(R"([{"path": "/api/4.0/edges/*/status", "times": 1,
                 "fault": {"kind": "http_error", "status": 400, "errorCode": 10013}},
                {"path": "/api/4.0/edges/*/status", "skip": 1, "times": 1,
                 "fault": {"kind": "http_error", "status": 500}}])");
  Result<EdgeStatusInfo> down = vcns_->GetEdgeStatus(id);
  ASSERT_TRUE(down.ok()) << down.status().ToString();
  EXPECT_EQ(down->health, EdgeHealth::kDown);
  EXPECT_FALSE(down->running);
  Result<EdgeStatusInfo> err = vcns_->GetEdgeStatus(id);
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.status().http_status(), 500);
  ASSERT_TRUE(manager_->model().SetEdgeStatus(id, "YELLOW").ok());
  EXPECT_EQ(vcns_->GetEdgeStatus(id)->health, EdgeHealth::kDown);
  ASSERT_TRUE(manager_->model().SetEdgeStatus(id, "RED").ok());
  EXPECT_EQ(vcns_->GetEdgeStatus(id)->health, EdgeHealth::kError);
  SetFaults("[]");  // faults count per request key: edge-99 would get its own 10013
  EXPECT_EQ(vcns_->GetEdgeStatus("edge-99").status().code(), StatusCode::kNotFound);
}

// The fake answers a powered-off edge's status read as upstream's edge_appliance_driver expects
// (errorCode 10013): the driver reads DOWN, not an error, and makes one request.
TEST_F(VcnsTest, PoweredOffEdgeIsDownAndNotRunning) {
  const std::string id = MustDeploy("off");
  ASSERT_TRUE(manager_->model().SetPowered(id, false).ok());
  const uint64_t before = Calls();
  Result<EdgeStatusInfo> down = vcns_->GetEdgeStatus(id);
  ASSERT_TRUE(down.ok()) << down.status().ToString();
  EXPECT_EQ(down->health, EdgeHealth::kDown);
  EXPECT_FALSE(down->running);
  EXPECT_EQ(Calls() - before, 1u);
  ASSERT_TRUE(manager_->model().SetPowered(id, true).ok());
  EXPECT_EQ(vcns_->GetEdgeStatus(id)->health, EdgeHealth::kActive);
}

TEST_F(VcnsTest, WaitForEdgeJobsPollsWithBackoff) {
  const std::string id = MustDeploy("r");
  uint64_t before = Calls();
  EXPECT_TRUE(*vcns_->WaitForEdgeJobs(id));
  EXPECT_EQ(Calls() - before, 1U);
  EXPECT_TRUE(vcns_->GetEdgeJobs(id)->empty());
  // A failed job poll surfaces the error.
  EXPECT_EQ(vcns_->WaitForEdgeJobs("edge-99").status().code(), StatusCode::kNotFound);
  // Pending jobs (the fake answers with a RUNNING job): 5 polls, waits 0.5+1+2+4 s, false.
  editing_->edit = [](const HttpRequest& req, HttpResponse& r) {
    if (req.target.ends_with("/jobs")) {
      r.body = R"({"edgeJob": [{"jobId": "jobdata-1", "status": "RUNNING"}]})";
    }
  };
  before = Calls();
  const TimePoint t0 = clock_.Now();
  Result<bool> idle = vcns_->WaitForEdgeJobs(id);
  ASSERT_TRUE(idle.ok());
  EXPECT_FALSE(*idle);
  EXPECT_EQ(Calls() - before, 5U);
  EXPECT_EQ(clock_.Now() - t0, std::chrono::milliseconds(7500));
  editing_->edit = [](const HttpRequest& req, HttpResponse& r) {
    if (req.target.ends_with("/jobs")) r.body = R"({"jobs": []})";
  };
  EXPECT_EQ(vcns_->WaitForEdgeJobs(id).status().code(), StatusCode::kProtocolError);
}

TEST_F(VcnsTest, VnicPutGetAnd400Retries) {
  const std::string id = MustDeploy("r");
  const Vnic v =
      MakeVnic(1, "virtualwire-7", "169.254.128.9", "255.255.128.0", "17", {"169.254.169.254"});
  ASSERT_TRUE(vcns_->UpdateVnic(id, v).ok());
  Result<Vnic> got = vcns_->GetVnic(id, 1);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->address_groups[0].primary_address, "169.254.128.9");
  EXPECT_EQ(got->address_groups[0].secondary_addresses->ip_address[0], "169.254.169.254");
  EXPECT_EQ(got->portgroup_id, "virtualwire-7");
  EXPECT_EQ(vcns_->GetVnic("edge-99", 1).status().code(), StatusCode::kNotFound);
  // The fake rejects a connected vnic without portgroup (400): retried `retries` times.
  Vnic bad = v;
  bad.portgroup_id.reset();
  const uint64_t before = Calls();
  const TimePoint t0 = clock_.Now();
  Status s = vcns_->UpdateVnic(id, bad);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.http_status(), 400);
  EXPECT_EQ(Calls() - before, 5U);
  EXPECT_EQ(clock_.Now() - t0, seconds(1 + 2 + 4 + 4));
  bad.index = 10;
  EXPECT_EQ(vcns_->UpdateVnic(id, bad).code(), StatusCode::kInvalidArgument);
}

TEST_F(VcnsTest, ConflictRetriedThenSucceeds) {
  const std::string id = MustDeploy("r");
  SetFaults(R"([{"method": "PUT", "times": 3,
                 "fault": {"kind": "http_error", "status": 409, "errorCode": 10020}}])");
  const uint64_t before = Calls();
  const TimePoint t0 = clock_.Now();
  ASSERT_TRUE(
      vcns_->UpdateVnic(id, MakeVnic(0, "dvportgroup-55", "10.0.0.5", "255.255.255.0")).ok());
  EXPECT_EQ(Calls() - before, 4U);
  EXPECT_EQ(clock_.Now() - t0, seconds(1 + 2 + 4));
}

TEST_F(VcnsTest, UnavailableIsRetriedUntilExhausted) {
  const std::string id = MustDeploy("r");
  SetFaults(R"([{"method": "GET", "fault": {"kind": "http_error", "status": 503}}])");
  const uint64_t before = Calls();
  const TimePoint t0 = clock_.Now();
  Result<StaticRouting> r = vcns_->GetRoutes(id);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().http_status(), 503);
  EXPECT_EQ(Calls() - before, 5U);
  EXPECT_EQ(clock_.Now() - t0, seconds(1 + 2 + 4 + 4));
  // A 500 is not retried.
  SetFaults(R"([{"method": "GET", "fault": {"kind": "http_error", "status": 500}}])");
  const uint64_t b2 = Calls();
  EXPECT_FALSE(vcns_->GetRoutes(id).ok());
  EXPECT_EQ(Calls() - b2, 1U);
}

TEST_F(VcnsTest, RoutesPutGet) {
  const std::string id = MustDeploy("r");
  StaticRouting routing;
  routing.default_route =
      DefaultRoute{"10.10.0.1", "default-gateway", std::nullopt, std::nullopt, ""};
  ASSERT_TRUE(vcns_->UpdateRoutes(id, routing).ok());
  Result<StaticRouting> got = vcns_->GetRoutes(id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->default_route->gateway_address, "10.10.0.1");
  EXPECT_EQ(vcns_->GetRoutes("edge-99").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(vcns_->UpdateRoutes("edge-99", routing).code(), StatusCode::kNotFound);
}

TEST_F(VcnsTest, LoadBalancerRoundTripThroughTheFakeIsByteExact) {
  const std::string id = MustDeploy("r");
  MetadataLbSpec spec;
  spec.edge_id = id;
  spec.vip = "169.254.128.3";
  spec.vip_port = 8775;
  spec.member_port = 8775;
  spec.member_ips = {"10.0.0.11", "10.0.0.12"};
  spec.proxy_lb = true;
  const LoadBalancer lb = MakeMetadataLoadBalancer(spec);
  ASSERT_TRUE(vcns_->PutLoadBalancer(id, lb).ok());
  Result<LoadBalancer> got = vcns_->GetLoadBalancer(id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got->Serialize(), *lb.Serialize());
  Result<std::vector<LbPoolStatistics>> stats = vcns_->GetLoadBalancerStatistics(id);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  // A member without an address is refused before anything is sent.
  spec.member_ips = {""};
  const uint64_t before = Calls();
  EXPECT_EQ(vcns_->PutLoadBalancer(id, MakeMetadataLoadBalancer(spec)).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Calls(), before);
  EXPECT_EQ(vcns_->GetLoadBalancer("edge-99").status().code(), StatusCode::kNotFound);
}

TEST_F(VcnsTest, RouterEdgeHttpsFlowWithCertificate) {
  const std::string id = MustDeploy("r");
  Result<std::string> csr = vcns_->CreateCsr(id);
  ASSERT_TRUE(csr.ok()) << csr.status().ToString();
  Result<std::string> cert = vcns_->SelfSignCsr(*csr);
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  MetadataLbSpec spec;
  spec.edge_id = id;
  spec.vip = "169.254.169.254";
  spec.vip_port = 80;
  spec.member_port = 8775;
  spec.member_ips = {"169.254.128.3"};
  spec.insecure = false;
  spec.certificate_id = *cert;
  ASSERT_TRUE(vcns_->PutLoadBalancer(id, MakeMetadataLoadBalancer(spec)).ok());
  Result<LoadBalancer> got = vcns_->GetLoadBalancer(id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->virtual_servers[0].app_profile.client_ssl->service_certificate[0], *cert);
  // An unknown certificate is rejected by the fake (400).
  spec.certificate_id = "certificate-999";
  EXPECT_EQ(vcns_->PutLoadBalancer(id, MakeMetadataLoadBalancer(spec)).code(),
            StatusCode::kInvalidArgument);

  Result<std::string> up = vcns_->UploadCertificate(
      id, "-----BEGIN CERTIFICATE-----\nMIID\n-----END CERTIFICATE-----",
      "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----");
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  EXPECT_FALSE(up->empty());
  EXPECT_EQ(vcns_->UploadCertificate(id, "", "k").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(vcns_->CreateCsr("edge-99").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(vcns_->SelfSignCsr("csr-99").status().code(), StatusCode::kNotFound);

  editing_->edit = [](const HttpRequest& req, HttpResponse& r) {
    if (req.method == "POST") r.headers.Remove("Location");
  };
  Result<std::string> no_loc = vcns_->CreateCsr(id);
  EXPECT_EQ(no_loc.status().code(), StatusCode::kProtocolError);
  EXPECT_NE(no_loc.status().message().find("/api/2.0/services/truststore/csr/" + id),
            std::string::npos);
}

TEST_F(VcnsTest, FirewallPutGet) {
  const std::string id = MustDeploy("r");
  FirewallConfig fw;
  FirewallRule vse;
  vse.action = "accept";
  vse.name = "VSERule";
  vse.source = FirewallEndpoint{{}, {"vse"}, ""};
  vse.rule_tag = 1;
  fw.rules.push_back(vse);
  ASSERT_TRUE(vcns_->UpdateFirewall(id, fw).ok());
  Result<FirewallConfig> got = vcns_->GetFirewall(id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->rules.size(), 1U);
  EXPECT_TRUE(got->rules[0].rule_id.has_value());
  EXPECT_EQ(got->rules[0].rule_tag, 1);
  EXPECT_EQ(vcns_->GetFirewall("edge-99").status().code(), StatusCode::kNotFound);
  FirewallRule bad;
  bad.action = "maybe";
  fw.rules.push_back(bad);
  Status s = vcns_->UpdateFirewall(id, fw);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.http_status(), 400);
}

TEST_F(VcnsTest, VirtualWires) {
  VirtualWireSpec spec;
  spec.name = "net-1";
  Result<std::string> wire = vcns_->CreateVirtualWire("vdnscope-1", spec);
  ASSERT_TRUE(wire.ok()) << wire.status().ToString();
  EXPECT_TRUE(wire->starts_with("virtualwire-"));
  EXPECT_TRUE(vcns_->DeleteVirtualWire(*wire).ok());
  EXPECT_TRUE(vcns_->DeleteVirtualWire(*wire).ok()) << "already gone: a 404 is success";
  // A 400 answer created nothing and is retried.
  SetFaults(R"([{"method": "POST", "times": 2, "fault": {"kind": "http_error", "status": 400}}])");
  EXPECT_TRUE(vcns_->CreateVirtualWire("vdnscope-1", spec).ok());
  // A lost answer is reported, not repeated: no duplicate wire is created.
  SetFaults(R"([{"method": "POST", "times": 1, "fault": {"kind": "response_lost"}}])");
  const uint64_t before = Calls();
  Result<std::string> lost = vcns_->CreateVirtualWire("vdnscope-1", spec);
  ASSERT_FALSE(lost.ok());
  EXPECT_TRUE(lost.status().IsTransportError());
  EXPECT_EQ(Calls() - before, 1U);
  // A body that is not an id is a protocol error.
  editing_->edit = [](const HttpRequest&, HttpResponse& r) { r.body = "<html>oops</html>"; };
  Result<std::string> garbage = vcns_->CreateVirtualWire("vdnscope-1", spec);
  EXPECT_EQ(garbage.status().code(), StatusCode::kProtocolError);
  EXPECT_NE(garbage.status().message().find("HTTP 201"), std::string::npos);
}

TEST_F(VcnsTest, MalformedAndTruncatedBodiesAreClearErrors) {
  const std::string id = MustDeploy("r");
  SetFaults(R"([{"method": "GET", "times": 1, "fault": {"kind": "garbage"}}])");
  Result<Vnic> v = vcns_->GetVnic(id, 0);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kProtocolError);
  const std::string m = v.status().message();
  EXPECT_NE(m.find("GET https://nsxmgr.example.com/api/4.0/edges/edge-1/vnics/0"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("HTTP 200"), std::string::npos) << m;
  EXPECT_NE(m.find("not JSON"), std::string::npos) << m;
  // Truncation is a transport error: reads retry it and succeed.
  SetFaults(R"([{"method": "GET", "times": 1, "fault": {"kind": "truncated"}}])");
  EXPECT_TRUE(vcns_->GetVnic(id, 0).ok());
  // Every edited-away shape of a good answer fails without a crash.
  for (const char* body : {"", "{", "null", "[]", "{\"index\": \"x\"}", "\"s\""}) {
    editing_->edit = [body](const HttpRequest&, HttpResponse& r) { r.body = body; };
    EXPECT_EQ(vcns_->GetVnic(id, 0).status().code(), StatusCode::kProtocolError) << body;
    EXPECT_FALSE(vcns_->GetLoadBalancer(id).ok()) << body;
    EXPECT_FALSE(vcns_->GetEdgeStatus(id).ok()) << body;
    EXPECT_FALSE(vcns_->SelfSignCsr("csr-1").ok()) << body;
  }
}

// Fail matrix: fail call k of DeployEdge for every k, every fault kind and both kinds of call it
// makes (the POST and its attempts; the edge-list lookups). Fault rules count per request key, so
// `skip: k` on one method fails exactly the k-th call of that kind. Success means exactly one
// edge with the returned id; an error either left no edge or says the outcome is unknown
// (transport error) or names the edge (protocol error) - never a silent half-done deploy. A rerun
// converges to one edge.
TEST_F(VcnsTest, DeployFailMatrix) {
  const char* kinds[] = {R"({"kind": "http_error", "status": 500})",
                         R"({"kind": "http_error", "status": 503})",
                         R"({"kind": "http_error", "status": 400})",
                         R"({"kind": "reset"})",
                         R"({"kind": "response_lost"})",
                         R"({"kind": "truncated"})",
                         R"({"kind": "garbage"})",
                         R"({"kind": "timeout"})"};
  int runs = 0;
  for (const char* method : {"POST", "GET"}) {
    for (const char* kind : kinds) {
      for (int k = 0; k < 3; ++k) {
        Reset();
        SetFaults(std::string(R"([{"method": ")") + method + R"(", "skip": )" + std::to_string(k) +
                  R"(, "times": 1, "fault": )" + kind + "}]");
        Result<std::string> id = vcns_->DeployEdge(Edge("md-router"));
        const std::vector<std::string> edges = manager_->model().EdgeIds();
        const std::string where = std::string(method) + " " + kind + " k=" + std::to_string(k);
        if (id.ok()) {
          ASSERT_EQ(edges.size(), 1U) << where;
          EXPECT_EQ(edges[0], *id) << where;
        } else {
          EXPECT_TRUE(edges.empty() || id.status().IsTransportError() ||
                      id.status().code() == StatusCode::kProtocolError)
              << where << ": " << id.status().ToString();
          EXPECT_LE(edges.size(), 1U) << where;
        }
        SetFaults("[]");
        Result<std::string> again = vcns_->DeployEdge(Edge("md-router"));
        if (!again.ok()) {
          EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists) << where;
        }
        EXPECT_EQ(manager_->model().EdgeIds().size(), 1U) << where;
        ++runs;
      }
    }
  }
  EXPECT_EQ(runs, 48);
}

// Fail matrix for the paged list: fail page k for every k.
TEST_F(VcnsTest, ListEdgesFailMatrix) {
  Reset(/*page_size=*/2);
  for (int i = 0; i < 5; ++i) MustDeploy("r" + std::to_string(i));
  for (int k = 0; k < 3; ++k) {
    SetFaults(std::string(R"([{"method": "GET", "skip": )") + std::to_string(k) +
              R"(, "times": 1, "fault": {"kind": "http_error", "status": 500}}])");
    Result<std::vector<EdgeSummary>> all = vcns_->ListEdges();
    ASSERT_FALSE(all.ok()) << "k=" << k;
    EXPECT_EQ(all.status().http_status(), 500);
    EXPECT_NE(all.status().message().find("startIndex=" + std::to_string(2 * k)), std::string::npos)
        << all.status().message();
    // A reset is retried transparently.
    SetFaults(std::string(R"([{"method": "GET", "skip": )") + std::to_string(k) +
              R"(, "times": 1, "fault": {"kind": "reset"}}])");
    Result<std::vector<EdgeSummary>> retried = vcns_->ListEdges();
    ASSERT_TRUE(retried.ok()) << retried.status().ToString();
    EXPECT_EQ(retried->size(), 5U);
  }
}

TEST_F(VcnsTest, DeleteCertificateIsIdempotentAndRetries503) {
  const std::string id = MustDeploy("r");
  Result<std::string> cert = vcns_->SelfSignCsr(*vcns_->CreateCsr(id));
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  SetFaults(
      R"([{"method": "DELETE", "times": 2, "fault": {"kind": "http_error", "status": 503}}])");
  const uint64_t before = Calls();
  ASSERT_TRUE(vcns_->DeleteCertificate(*cert).ok());
  EXPECT_EQ(Calls() - before, 3U);
  EXPECT_TRUE(manager_->model().Dump()["certificates"].empty());
  SetFaults("[]");
  EXPECT_TRUE(vcns_->DeleteCertificate(*cert).ok());  // 404 counts as success
  EXPECT_TRUE(vcns_->DeleteCertificate("certificate-77").ok());
}

TEST_F(VcnsTest, DeleteCertificateInUseAndOtherErrorsAreReported) {
  const std::string id = MustDeploy("r");
  Result<std::string> cert = vcns_->SelfSignCsr(*vcns_->CreateCsr(id));
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  MetadataLbSpec spec;
  spec.edge_id = id;
  spec.vip = "169.254.169.254";
  spec.vip_port = 80;
  spec.member_port = 8775;
  spec.member_ips = {"169.254.128.3"};
  spec.insecure = false;
  spec.certificate_id = *cert;
  ASSERT_TRUE(vcns_->PutLoadBalancer(id, MakeMetadataLoadBalancer(spec)).ok());
  const Status in_use = vcns_->DeleteCertificate(*cert);
  EXPECT_EQ(in_use.code(), StatusCode::kInvalidArgument) << in_use.ToString();
  EXPECT_EQ(in_use.http_status(), 400);
  EXPECT_EQ(manager_->model().Dump()["certificates"].size(), 1U);

  // A 500 is reported, not retried; a transport error is resent (a DELETE is idempotent).
  ASSERT_TRUE(vcns_->PutLoadBalancer(id, LoadBalancer{}).ok());
  SetFaults(
      R"([{"method": "DELETE", "times": 1, "fault": {"kind": "http_error", "status": 500}}])");
  uint64_t before = Calls();
  EXPECT_FALSE(vcns_->DeleteCertificate(*cert).ok());
  EXPECT_EQ(Calls() - before, 1U);
  SetFaults(R"([{"method": "DELETE", "times": 1, "fault": {"kind": "response_lost"}}])");
  before = Calls();
  EXPECT_TRUE(vcns_->DeleteCertificate(*cert).ok()) << "the resend's 404 means deleted";
  EXPECT_EQ(Calls() - before, 2U);
  SetFaults("[]");
  EXPECT_TRUE(vcns_->DeleteCertificate(*cert).ok());
  EXPECT_TRUE(manager_->model().Dump()["certificates"].empty());
}

}  // namespace
}  // namespace nsxv::driver
