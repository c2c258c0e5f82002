// Fuzz target config_loader: the nsx.ini loader. The input is the text of a configuration file;
// lines at its start of the form "--set section.option=value" are taken off as --set overrides
// (as `nsxv-md --config FILE --set ...` gives them), the rest is written to an in-memory file of
// this process (memfd, so nothing is left behind when libFuzzer exits) and loaded with LoadConfig
// through its /proc/self/fd path, the whole path a command takes. The INI reader also runs on
// the text alone.
//
// Property beyond "no crash, no exception": an error is one line.
#include <unistd.h>

#include <string>
#include <string_view>

#include <sys/mman.h>

#include "driver/config/config.h"
#include "driver/config/ini.h"
#include "tests/fuzz/fuzz_target.h"

namespace nsxv::fuzz {
namespace {

// One in-memory file per process; returns its path after replacing its content with `text`.
std::string WriteScratchFile(std::string_view text) {
  static const int fd = memfd_create("nsxv-fuzz-config", 0);
  FUZZ_CHECK(fd >= 0);
  FUZZ_CHECK(ftruncate(fd, 0) == 0);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = pwrite(fd, text.data() + done, text.size() - done, static_cast<off_t>(done));
    FUZZ_CHECK(n > 0);
    done += static_cast<size_t>(n);
  }
  return "/proc/self/fd/" + std::to_string(fd);
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
  options.file = nsxv::fuzz::WriteScratchFile(text);
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
