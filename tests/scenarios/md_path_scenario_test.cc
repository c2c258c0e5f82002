// Tests of the scenario format's metadata-path parts: `nova.shared_secret` and the step
// `metadata_request` (parser, round trip, runner). A router edge whose firewall lost the
// metadata rules (backend step) is "unreachable": default deny (docs/metadata-path.md).
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "scenarios/runner.h"
#include "scenarios/scenario.h"

namespace nsxv::scenarios {
namespace {

using ::testing::HasSubstr;

std::string WithSteps(const std::string& steps, const std::string& extra = "") {
  return R"({"format": 1, "name": "md", )" + extra + R"( "steps": [
    {"op": "init"},
    {"op": "create_routers", "prefix": "r", "count": 1},
    )" + steps +
         "]}";
}

TEST(MdPathScenarioParser, NovaSecretAndMetadataRequestRoundTrip) {
  auto sc = ParseScenario(WithSteps(R"({"op": "metadata_request", "router": "r-001",
                                         "expect": {"status": 403}},
                                        {"op": "metadata_request", "router": "r-001",
                                         "expect": {"status": "unreachable"}})",
                                    R"("nova": {"shared_secret": "nova-side"},)"),
                          "t.json");
  ASSERT_TRUE(sc.ok()) << sc.error().message();
  EXPECT_EQ(sc->nova_shared_secret, "nova-side");
  ASSERT_EQ(sc->steps.size(), 4U);
  EXPECT_EQ(sc->steps[2].op, StepOp::kMetadataRequest);
  EXPECT_EQ(sc->steps[2].router, "r-001");
  EXPECT_EQ(sc->steps[2].expect.metadata_status, "403");
  EXPECT_EQ(sc->steps[3].expect.metadata_status, "unreachable");
  const nlohmann::json doc = ScenarioToJson(*sc);
  EXPECT_EQ(doc["nova"]["shared_secret"], "nova-side");
  EXPECT_EQ(doc["steps"][2]["op"], "metadata_request");
  EXPECT_EQ(doc["steps"][2]["expect"]["status"], 403);
  auto again = ParseScenario(doc.dump(), "again.json");
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(ScenarioToJson(*again), doc);
}

TEST(MdPathScenarioParser, NoNovaSectionMeansTheDriversSecret) {
  auto sc = ParseScenario(WithSteps(R"({"op": "check"})"), "t.json");
  ASSERT_TRUE(sc.ok()) << sc.error().message();
  EXPECT_FALSE(sc->nova_shared_secret.has_value());
  EXPECT_FALSE(ScenarioToJson(*sc).contains("nova"));
}

TEST(MdPathScenarioParser, BadDocumentsNameTheirCause) {
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {WithSteps(R"({"op": "metadata_request", "router": "r-009"})"),
       "$.steps[2].router: router 'r-009' is not created by an earlier step"},
      {WithSteps(R"({"op": "metadata_request"})"), "$.steps[2].router: required key is missing"},
      {WithSteps(R"({"op": "metadata_request", "router": "r-001", "expect": {"status": 500}})"),
       "$.steps[2].expect.status: expected 200, 400, 403 or \"unreachable\", got 500"},
      {WithSteps(R"({"op": "check", "expect": {"status": 200}})"),
       "$.steps[2].expect.status: a metadata status is reported by metadata_request steps only"},
      {WithSteps(R"({"op": "check"})", R"("nova": {"secret": "x"},)"), "$.nova.secret"},
      {WithSteps(R"({"op": "check"})", R"("nova": "x",)"), "$.nova: expected an object"},
  };
  for (const Case& c : cases) {
    auto sc = ParseScenario(c.text, "t.json");
    ASSERT_FALSE(sc.ok()) << c.text;
    EXPECT_THAT(sc.error().message(), HasSubstr(c.message)) << c.text;
  }
}

TEST(MdPathScenarioRunner, ConfiguredRouterAnswers200AndAWrongExpectationSaysWhy) {
  auto sc = ParseScenario(WithSteps(R"({"op": "metadata_request", "router": "r-001",
                                         "expect": {"status": 200}},
                                        {"op": "metadata_request", "router": "r-001",
                                         "expect": {"status": 403}})"),
                          "t.json");
  ASSERT_TRUE(sc.ok()) << sc.error().message();
  auto report = RunScenario(*sc, RunOptions{});
  ASSERT_TRUE(report.ok()) << report.error().message();
  ASSERT_EQ(report->steps.size(), 4U);
  EXPECT_TRUE(report->steps[2].ok());
  ASSERT_FALSE(report->steps[3].ok());
  std::string details;
  for (const auto& v : report->steps[3].verdicts) details += v.what + ": " + v.detail + "\n";
  EXPECT_THAT(details, HasSubstr("status: got 200"));
  EXPECT_THAT(details, HasSubstr("expected 403"));
}

TEST(MdPathScenarioRunner, MetadataPathInvariantIsOnByDefaultAndCanBeTurnedOff) {
  auto sc = ParseScenario(WithSteps(R"({"op": "check", "expect": {"violations": 0}})"), "t.json");
  ASSERT_TRUE(sc.ok()) << sc.error().message();
  EXPECT_TRUE(RunOptions{}.metadata_path);
  auto on = RunScenario(*sc, RunOptions{});
  ASSERT_TRUE(on.ok());
  EXPECT_TRUE(on->passed());
  EXPECT_GT(on->final_check.metadata_paths, 0);
  EXPECT_EQ(on->final_check.metadata_paths_proven, on->final_check.metadata_paths);
  RunOptions off;
  off.metadata_path = false;
  auto without = RunScenario(*sc, off);
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(without->final_check.metadata_paths, 0);
}

}  // namespace
}  // namespace nsxv::scenarios
