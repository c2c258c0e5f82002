// Inputs the fake_request fuzz target found (docs/fuzzing.md); each is also in
// tests/fuzz/corpus/fake_request/.
#include <chrono>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "driver/common/clock.h"
#include "fake_nsxv/fake_manager.h"
#include "tests/test_util/nsx_documents.h"

namespace nsxv::fake {
namespace {

using json = nlohmann::json;
using nsxv::testing::AuthedJsonRequest;

// corpus/fake_request/invalid-utf8-path.txt: a path with a byte that is not UTF-8 made the 404
// body's JSON dump throw, which ended the process.
TEST(FakeFuzzFindings, PathThatIsNotUtf8GetsA404NamingIt) {
  SimulatedClock clock;
  FakeManager fake(clock, FakeOptions{});
  const Exchange ex =
      fake.Process(AuthedJsonRequest("GET", "/api\xad/4.0/edgePublish/tuningConfiguration"));
  EXPECT_EQ(ex.response.status, 404);
  const json body = json::parse(ex.response.body);
  EXPECT_EQ(body["errorCode"], 100046);
  EXPECT_EQ(
      body["details"],
      "The requested URI /api\xEF\xBF\xBD/4.0/edgePublish/tuningConfiguration was not found.");
  // The journal quotes the request too.
  const Exchange journal = fake.Process(AuthedJsonRequest("GET", "/__fake/journal"));
  ASSERT_EQ(journal.response.status, 200);
  EXPECT_NE(journal.response.body.find("/api\xEF\xBF\xBD/4.0"), std::string::npos);
}

// corpus/fake_request/clock-advance-out-of-range.txt: seconds=1e300, inf or nan overflowed the
// conversion to a Duration (undefined behaviour, UBSan float-cast-overflow).
TEST(FakeFuzzFindings, ClockAdvanceOutOfRangeIsRefused) {
  SimulatedClock clock;
  FakeManager fake(clock, FakeOptions{});
  for (const char* seconds : {"1e300", "inf", "nan", "31536001"}) {
    const Exchange ex = fake.Process(
        AuthedJsonRequest("POST", std::string("/__fake/clock/advance?seconds=") + seconds));
    EXPECT_EQ(ex.response.status, 400) << seconds;
    EXPECT_EQ(json::parse(ex.response.body)["details"],
              "clock: seconds must be a number in 0..31536000 (one year)");
  }
  EXPECT_EQ(clock.Elapsed(), Duration(0));
  EXPECT_EQ(fake.Process(AuthedJsonRequest("POST", "/__fake/clock/advance?seconds=31536000"))
                .response.status,
            204);
}

// corpus/fake_request/latency-out-of-range.txt: a latency rule of 1e300 ms overflowed the
// conversion of the sampled latency to a Duration.
TEST(FakeFuzzFindings, LatencyRulesOutOfRangeAreRefused) {
  SimulatedClock clock;
  FakeManager fake(clock, FakeOptions{});
  const std::map<std::string, std::string> plans = {
      {R"({"lognormal": {"median_ms": 1e300, "sigma": 0.3}})",
       "needs 0 < median_ms <= 86400000 (one day), 0 <= sigma <= 10"},
      {R"({"lognormal": {"median_ms": 5, "sigma": 300}})",
       "needs 0 < median_ms <= 86400000 (one day), 0 <= sigma <= 10"},
      {R"({"uniform_ms": [0, 1e300]})", "needs 0 <= min <= max <= 86400000 (one day)"},
      {R"({"fixed_ms": 1e300})", "must be in 0..86400000 (one day)"},
  };
  for (const auto& [latency, why] : plans) {
    const std::string plan =
        R"({"rules": [{"fault": {"kind": "latency", )" + latency.substr(1) + "}]}";
    const Exchange ex = fake.Process(AuthedJsonRequest("PUT", "/__fake/faults", plan));
    EXPECT_EQ(ex.response.status, 400) << plan;
    EXPECT_NE(ex.response.body.find(why), std::string::npos) << ex.response.body;
  }
}

// corpus/fake_request/fault-plan-number-overflow.txt: a number beyond a double in a fault plan
// made the JSON parser throw out_of_range, which FromJsonText did not catch: the fake ended.
TEST(FakeFuzzFindings, FaultPlanNumberBeyondADoubleIsASyntaxError) {
  SimulatedClock clock;
  FakeManager fake(clock, FakeOptions{});
  const Exchange ex = fake.Process(
      AuthedJsonRequest("PUT", "/__fake/faults",
                        R"({"rules": [{"fault": {"kind": "latency", "fixed_ms": 1e452}}]})"));
  EXPECT_EQ(ex.response.status, 400);
  EXPECT_EQ(json::parse(ex.response.body)["details"],
            "fault plan: number overflow parsing '1e452'");
}

// The lognormal tail is unbounded: a sample is capped at one day.
TEST(FakeFuzzFindings, SampledLatencyIsCappedAtOneDay) {
  SimulatedClock clock;
  FakeManager fake(clock, FakeOptions{});
  ASSERT_EQ(fake.Process(AuthedJsonRequest("PUT", "/__fake/faults",
                                           R"({"rules": [{"fault": {"kind": "latency",
                                               "lognormal": {"median_ms": 86400000,
                                                             "sigma": 10}}}]})"))
                .response.status,
            204);
  for (int i = 0; i < 20; ++i) {
    const Exchange ex = fake.Process(AuthedJsonRequest("GET", "/api/4.0/edges"));
    EXPECT_LE(ex.delay, std::chrono::hours(24));
  }
}

}  // namespace
}  // namespace nsxv::fake
