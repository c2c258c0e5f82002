// Inputs the scenario_parser fuzz target found or confirmed (docs/fuzzing.md); each is also in
// tests/fuzz/corpus/scenario_parser/.
#include <gtest/gtest.h>

#include "scenarios/scenario.h"

namespace nsxv::scenarios {
namespace {

// corpus/scenario_parser/number-overflow.json: a number beyond a double made the JSON parser
// throw out_of_range, which ParseScenario only caught as an internal error.
TEST(ScenarioFuzzFindings, NumberBeyondADoubleIsInvalidInput) {
  const auto scenario = ParseScenario(R"({"name": "x", "seed": 1e452})", "t.json");
  ASSERT_FALSE(scenario.ok());
  EXPECT_EQ(scenario.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(scenario.error().message(), "t.json: number overflow parsing '1e452'");
}

}  // namespace
}  // namespace nsxv::scenarios
