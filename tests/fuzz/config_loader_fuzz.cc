// Fuzz target config_loader: the nsx.ini loader. The input is the text of a configuration file;
// lines at its start of the form "--set section.option=value" are taken off as --set overrides
// (as `nsxv-md --config FILE --set ...` gives them), the rest is written to a file of this
// process and loaded with LoadConfig, the whole path a command takes. The INI reader also runs on
// the text alone.
//
// Property beyond "no crash, no exception": an error is one line.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "driver/config/config.h"
#include "driver/config/ini.h"
#include "tests/fuzz/fuzz_target.h"

namespace nsxv::fuzz {
namespace {

// One scratch file per process, removed at exit.
const std::string& ScratchFile() {
  static const std::string path = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string p = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                    "/nsxv-fuzz-config-" + std::to_string(getpid()) + ".ini";
    std::atexit([] { std::remove(ScratchFile().c_str()); });
    return p;
  }();
  return path;
}

void CheckOneLine(const Status& status) {
  if (status.ok() || status.message().find('\n') == std::string::npos) return;
  std::fprintf(stderr, "error of several lines:\n%s\n", status.message().c_str());
  FUZZ_CHECK(!"an error is one line");
}

}  // namespace
}  // namespace nsxv::fuzz

NSXV_FUZZ_TARGET(config_loader) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  nsxv::config::LoadOptions options;
  constexpr std::string_view kSet = "--set ";
  while (text.starts_with(kSet) && options.overrides.size() < 8) {
    const size_t end = text.find('\n');
    options.overrides.emplace_back(text.substr(
        kSet.size(), end == std::string_view::npos ? std::string_view::npos : end - kSet.size()));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  {
    std::ofstream out(nsxv::fuzz::ScratchFile(), std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  options.file = nsxv::fuzz::ScratchFile();
  const nsxv::Result<nsxv::config::Config> config = nsxv::config::LoadConfig(options);
  if (config.ok()) {
    (void)nsxv::config::Describe(*config);
  } else {
    nsxv::fuzz::CheckOneLine(config.error());
  }
  const auto ini = nsxv::config::ParseIni(text, "fuzz.ini");
  if (!ini.ok()) nsxv::fuzz::CheckOneLine(ini.error());
  return 0;
}
