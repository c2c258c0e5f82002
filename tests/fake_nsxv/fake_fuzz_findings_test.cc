// Inputs the fake_request fuzz target found (docs/fuzzing.md); each is also in
// tests/fuzz/corpus/fake_request/.
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

}  // namespace
}  // namespace nsxv::fake
