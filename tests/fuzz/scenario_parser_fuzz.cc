// Fuzz target scenario_parser: the scenario file parser (scenarios/scenario_parser*.cc) on the
// text of a scenario file, with the fault plans, expectations and steps it parses.
//
// Properties beyond "no crash, no exception": an error is one line and never kInternal (the
// parser turns an unexpected exception into kInternal); an accepted scenario written back with
// ScenarioToJson parses again to the same document.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "scenarios/scenario.h"
#include "tests/fuzz/fuzz_target.h"

NSXV_FUZZ_TARGET(scenario_parser) {
  using nsxv::scenarios::ParseScenario;
  using nsxv::scenarios::ScenarioToJson;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto scenario = ParseScenario(text, "fuzz.json");
  if (!scenario.ok()) {
    const std::string& message = scenario.error().message();
    if (scenario.error().code() == nsxv::StatusCode::kInternal ||
        message.find('\n') != std::string::npos) {
      std::fprintf(stderr, "scenario_parser: %s\n", message.c_str());
      FUZZ_CHECK(!"an error is one line and not kInternal");
    }
    return 0;
  }
  const nlohmann::json once = ScenarioToJson(*scenario);
  const auto again = ParseScenario(once.dump(), "again.json");
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(ScenarioToJson(*again) == once);
  return 0;
}
