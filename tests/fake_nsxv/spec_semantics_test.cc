// State semantics the published NSX-v spec documents (nsxv-raml-facts.md §2, §3.5, §4, §5),
// held against the fake's router: firewall rule identity, section reset, async jobs, job
// statuses, "object not found" errors and a powered-off edge's status read.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "driver/common/clock.h"
#include "fake_nsxv/model.h"
#include "fake_nsxv/nsx_error.h"
#include "fake_nsxv/router.h"

namespace nsxv::fake {
namespace {

using nlohmann::json;
using std::chrono::seconds;

json DeployBody(const std::string& name) {
  return {{"name", name},
          {"type", "gatewayServices"},
          {"appliances",
           {{"applianceSize", "compact"},
            {"appliances", {{{"resourcePoolId", "domain-c7"}, {"datastoreId", "datastore-12"}}}}}},
          {"vnics",
           {{"vnics",
             {{{"index", 0},
               {"type", "uplink"},
               {"portgroupId", "dvportgroup-20"},
               {"isConnected", true},
               {"addressGroups",
                {{"addressGroups",
                  {{{"primaryAddress", "10.0.0.5"}, {"subnetMask", "255.255.255.0"}}}}}}}}}}}};
}

json Rule(const std::string& name, int tag) {
  return {{"name", name},
          {"action", "accept"},
          {"source", {{"ipAddress", {"169.254.128.0/17"}}}},
          {"ruleTag", tag}};
}

json Firewall(json rules) {
  return {{"featureType", "firewall_4.0"},
          {"firewallRules", {{"firewallRules", std::move(rules)}}}};
}

class SpecSemanticsTest : public ::testing::Test {
 protected:
  explicit SpecSemanticsTest(ModelOptions options = {}) : model_(clock_, options) {}

  Routed Send(const std::string& method, const std::string& target, const json& body = nullptr) {
    HttpRequest request;
    request.method = method;
    request.target = target;
    if (!body.is_null()) request.body = body.dump();
    request.headers.Set("Accept", "application/json");
    request.headers.Set("Content-Type", "application/json");
    return router_.Handle(request, {});
  }
  static json Body(const Routed& routed) { return json::parse(routed.response.body); }
  static std::string Location(const Routed& routed) {
    return std::string(routed.response.headers.Get("Location").value_or(""));
  }

  std::string Deploy(const std::string& name) {
    const Routed r = Send("POST", "/api/4.0/edges", DeployBody(name));
    EXPECT_EQ(r.response.status, 201) << r.response.body;
    const std::string location = Location(r);
    return location.substr(location.rfind('/') + 1);
  }

  json Rules(const std::string& edge) {
    return Body(Send(
        "GET", "/api/4.0/edges/" + edge + "/firewall/config"))["firewallRules"]["firewallRules"];
  }

  SimulatedClock clock_;
  Model model_;
  Router router_{model_};
};

// nsxraml 6.4 lines 17180-17183: ruleId is sent only for rules being updated, and it keeps
// the rule's identity; rules sent without one get new ids.
TEST_F(SpecSemanticsTest, FirewallPutKeepsTheRuleIdItIsSent) {
  const std::string edge = Deploy("fw");
  const std::string uri = "/api/4.0/edges/" + edge + "/firewall/config";
  ASSERT_EQ(Send("PUT", uri, Firewall({Rule("a", 1), Rule("b", 2)})).response.status, 204);
  const json first = Rules(edge);
  ASSERT_EQ(first.size(), 2u);
  const json id_a = first[0]["ruleId"];
  const json id_b = first[1]["ruleId"];
  EXPECT_NE(id_a, id_b);

  // Update b (carrying its ruleId), drop a, add c.
  json b = Rule("b-renamed", 1);
  b["ruleId"] = id_b;
  ASSERT_EQ(Send("PUT", uri, Firewall({b, Rule("c", 2)})).response.status, 204);
  const json second = Rules(edge);
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0]["ruleId"], id_b);
  EXPECT_EQ(second[0]["name"], "b-renamed");
  EXPECT_NE(second[1]["ruleId"], id_a);
  EXPECT_NE(second[1]["ruleId"], id_b);

  // A ruleId that names no rule of the edge, or one sent twice, is refused; nothing changes.
  json unknown = Rule("x", 1);
  unknown["ruleId"] = id_a;  // a's rule no longer exists
  const Routed bad = Send("PUT", uri, Firewall({unknown}));
  EXPECT_EQ(bad.response.status, 400);
  EXPECT_NE(Body(bad)["details"].get<std::string>().find("ruleId"), std::string::npos);
  const Routed twice = Send("PUT", uri, Firewall({b, b}));
  EXPECT_EQ(twice.response.status, 400);
  EXPECT_EQ(Rules(edge), second);
}

// nsxraml 6.4 lines 17175-17178: a section the PUT leaves out is reset to the system default
// (defaultPolicy deny, 17202; tcpTimeoutEstablished 21600, 17193).
TEST_F(SpecSemanticsTest, FirewallOmittedSectionResetsToItsDefault) {
  const std::string edge = Deploy("fw");
  const std::string uri = "/api/4.0/edges/" + edge + "/firewall/config";
  json full = Firewall({Rule("a", 1)});
  full["defaultPolicy"] = {{"action", "accept"}, {"loggingEnabled", true}};
  full["globalConfig"] = {{"tcpTimeoutEstablished", 7200}};
  ASSERT_EQ(Send("PUT", uri, full).response.status, 204);
  json fw = Body(Send("GET", uri));
  EXPECT_EQ(fw["defaultPolicy"]["action"], "accept");
  EXPECT_EQ(fw["globalConfig"]["tcpTimeoutEstablished"], 7200);

  ASSERT_EQ(Send("PUT", uri, json{{"featureType", "firewall_4.0"}}).response.status, 204);
  fw = Body(Send("GET", uri));
  EXPECT_EQ(fw["defaultPolicy"]["action"], "deny");
  EXPECT_EQ(fw["defaultPolicy"]["loggingEnabled"], false);
  EXPECT_EQ(fw["globalConfig"]["tcpTimeoutEstablished"], 21600);
  EXPECT_TRUE(fw["firewallRules"]["firewallRules"].empty());
}

// nsxraml 6.4 lines 24163-24176: with ?async=true a 4.0 POST, PUT or DELETE is "Accepted" with
// the job's id in Location, and the job runs to the spec's end status (24174-24175).
TEST_F(SpecSemanticsTest, AsyncChangesAnswer202WithTheJobLocation) {
  const Routed deploy = Send("POST", "/api/4.0/edges?async=true", DeployBody("async"));
  ASSERT_EQ(deploy.response.status, 202) << deploy.response.body;
  const std::string deploy_job = Location(deploy);
  ASSERT_EQ(deploy_job.rfind("/api/4.0/edges/jobs/jobdata-", 0), 0u) << deploy_job;
  const json job = Body(Send("GET", deploy_job));
  EXPECT_EQ(job["status"], "SUCCESS");
  const std::string edge = job["edgeId"].get<std::string>();

  const std::string fw_uri = "/api/4.0/edges/" + edge + "/firewall/config?async=true";
  const Routed put = Send("PUT", fw_uri, Firewall({Rule("a", 1)}));
  ASSERT_EQ(put.response.status, 202) << put.response.body;
  ASSERT_NE(Location(put), deploy_job);
  EXPECT_EQ(Body(Send("GET", Location(put)))["status"], "SUCCESS");
  EXPECT_EQ(Rules(edge).size(), 1u);  // the job's change is applied

  const Routed del = Send("DELETE", "/api/4.0/edges/" + edge + "?async=true");
  ASSERT_EQ(del.response.status, 202) << del.response.body;
  EXPECT_EQ(Body(Send("GET", Location(del)))["status"], "SUCCESS");
  EXPECT_EQ(Send("GET", "/api/4.0/edges/" + edge).response.status, 404);

  // GETs ignore the parameter; the non-edge routes are not 4.0 edge configuration.
  EXPECT_EQ(Send("GET", "/api/4.0/edges?async=true").response.status, 200);
}

class TimedSpecSemanticsTest : public SpecSemanticsTest {
 protected:
  static ModelOptions Timed() {
    ModelOptions options;
    options.config_duration = seconds(10);
    return options;
  }
  TimedSpecSemanticsTest() : SpecSemanticsTest(Timed()) {}
};

// A job behind another job of the same edge is QUEUED, then RUNNING, then SUCCESS; the async
// answer is not held back by the busy edge.
TEST_F(TimedSpecSemanticsTest, AsyncJobsAreQueuedThenRunThenSucceed) {
  const std::string edge = Deploy("timed");
  const std::string uri = "/api/4.0/edges/" + edge + "/firewall/config?async=true";
  const Routed first = Send("PUT", uri, Firewall({Rule("a", 1)}));
  const Routed second = Send("PUT", uri, Firewall({Rule("b", 1)}));
  ASSERT_EQ(first.response.status, 202);
  ASSERT_EQ(second.response.status, 202);
  EXPECT_EQ(second.delay, Duration(0));
  EXPECT_EQ(Body(Send("GET", Location(first)))["status"], "RUNNING");
  EXPECT_EQ(Body(Send("GET", Location(second)))["status"], "QUEUED");
  clock_.Advance(seconds(10));
  EXPECT_EQ(Body(Send("GET", Location(first)))["status"], "SUCCESS");
  EXPECT_EQ(Body(Send("GET", Location(second)))["status"], "RUNNING");
  clock_.Advance(seconds(10));
  EXPECT_EQ(Body(Send("GET", Location(second)))["status"], "SUCCESS");
  EXPECT_TRUE(Body(Send("GET", "/api/4.0/edges/" + edge + "/jobs"))["edgeJob"].empty());
}

// "Object not found" is NSX errorCode 202 from module core-services (master line 3599); the
// HTTP status stays 4xx (an HTTP 202 would read as success to upstream, facts §5.3).
TEST_F(SpecSemanticsTest, ObjectNotFoundIsErrorCode202FromCoreServices) {
  const Routed job = Send("GET", "/api/4.0/edges/jobs/jobdata-99");
  EXPECT_EQ(job.response.status, 404);
  EXPECT_EQ(Body(job)["errorCode"], 202);
  EXPECT_EQ(Body(job)["moduleName"], "core-services");

  const std::string edge = Deploy("lb");
  json lb = {{"enabled", true},
             {"applicationProfile",
              {{{"applicationProfileId", "applicationProfile-1"},
                {"name", "https"},
                {"template", "HTTPS"},
                {"clientSsl", {{"serviceCertificate", {"certificate-9"}}}}}}}};
  const Routed put = Send("PUT", "/api/4.0/edges/" + edge + "/loadbalancer/config", lb);
  EXPECT_EQ(put.response.status, 400) << put.response.body;
  EXPECT_EQ(Body(put)["errorCode"], 202);
  EXPECT_EQ(Body(put)["moduleName"], "core-services");

  const Routed cert = Send("GET", "/api/2.0/services/truststore/certificate/certificate-9");
  EXPECT_EQ(cert.response.status, 404);
  EXPECT_EQ(Body(cert)["errorCode"], 202);
  EXPECT_EQ(Body(cert)["moduleName"], "core-services");

  // An unknown edge keeps its own code and module.
  const Routed missing = Send("GET", "/api/4.0/edges/edge-77");
  EXPECT_EQ(missing.response.status, 404);
  EXPECT_EQ(Body(missing)["moduleName"], "vShield Edge");
}

// Upstream's edge_appliance_driver reads errorCode 10013 ("edge not running") on the status
// call as DOWN; a powered-off edge answers that, and GREY only while it deploys.
TEST_F(SpecSemanticsTest, PoweredOffEdgeStatusReadFailsWith10013) {
  const std::string edge = Deploy("off");
  ASSERT_TRUE(model_.SetPowered(edge, false).ok());
  const Routed status = Send("GET", "/api/4.0/edges/" + edge + "/status?getlatest=false");
  EXPECT_EQ(status.response.status, 400);
  EXPECT_EQ(Body(status)["errorCode"], nsx_code::kEdgeNotRunning);
  ASSERT_TRUE(model_.SetPowered(edge, true).ok());
  EXPECT_EQ(Body(Send("GET", "/api/4.0/edges/" + edge + "/status"))["edgeStatus"], "GREEN");
}

}  // namespace
}  // namespace nsxv::fake
