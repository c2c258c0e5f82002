// Inputs the config_loader fuzz target found (docs/fuzzing.md); each is also in
// tests/fuzz/corpus/config_loader/.
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "driver/config/config.h"
#include "tests/driver/store/temp_dir.h"

namespace nsxv::config {
namespace {

using testing_util::TempDir;

std::string ErrorOf(const std::string& text, std::vector<std::string> overrides = {}) {
  const TempDir dir;
  LoadOptions o;
  o.file = dir.File("nsx.ini");
  std::ofstream(*o.file) << text;
  o.overrides = std::move(overrides);
  auto c = LoadConfig(o);
  return c.ok() ? "" : c.error().message();
}

// corpus/config_loader/multiline-value-error.ini: a continued value that fails its check was
// quoted with its line breaks, so the error spanned three lines.
TEST(ConfigFuzzFindings, ContinuedValueErrorIsOneLine) {
  const std::string error =
      ErrorOf("[nsxv]\nnova_metadata_ips = 10.1.0.5,\n  10.1.0ps =\n    10.0.0.2\n");
  EXPECT_NE(error.find(":2: [nsxv] nova_metadata_ips = '10.1.0.5,\\n10.1.0ps =\\n10.0.0.2': "
                       "'10.1.0ps =\\n10.0.0.2' is not an IPv4 address"),
            std::string::npos)
      << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

// corpus/config_loader/multiline-uri-port-error.ini: the manager URL check quoted the bad port
// with the value's line break.
TEST(ConfigFuzzFindings, BadPortOfAContinuedManagerUriIsOneLine) {
  const std::string error =
      ErrorOf("[nsxv]\nmanager_uri = https://nsx.example.com:8443u=\n ser operator\n");
  EXPECT_NE(error.find(":2: [nsxv] manager_uri = 'https://nsx.example.com:8443u=\\nser operator': "
                       "not a manager URL: port '8443u=\\nser operator' is not in 1..65535"),
            std::string::npos)
      << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST(ConfigFuzzFindings, ControlCharactersInSetValuesAreWrittenOut) {
  const std::string error = ErrorOf("[nsxv]\n", {"nsxv.retries=1\n2\t\x01"});
  EXPECT_EQ(error, "--set nsxv.retries=1\\n2\\t\\x01: not an integer");
}

}  // namespace
}  // namespace nsxv::config
