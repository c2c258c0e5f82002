// nsxv_fuzz_replay TARGET PATH...: runs every file of the given files and directories (not
// recursive) through one fuzz target's entry, without libFuzzer. ctest runs it on each target's
// seed corpus (tests/fuzz/corpus/<target>/) in the ordinary build; a reproducer from a fuzz run
// replays the same way. Prints how many files ran; a finding aborts as it would under libFuzzer.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace nsxv::fuzz {
int Run_fake_request(const uint8_t* data, size_t size);
int Run_driver_decoders(const uint8_t* data, size_t size);
int Run_config_loader(const uint8_t* data, size_t size);
int Run_scenario_parser(const uint8_t* data, size_t size);
}  // namespace nsxv::fuzz

namespace {

struct Target {
  std::string_view name;
  int (*run)(const uint8_t*, size_t);
};

constexpr Target kTargets[] = {{"fake_request", nsxv::fuzz::Run_fake_request},
                               {"driver_decoders", nsxv::fuzz::Run_driver_decoders},
                               {"config_loader", nsxv::fuzz::Run_config_loader},
                               {"scenario_parser", nsxv::fuzz::Run_scenario_parser}};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: nsxv_fuzz_replay TARGET FILE|DIR...\ntargets:");
    for (const Target& t : kTargets)
      std::fprintf(stderr, " %.*s", static_cast<int>(t.name.size()), t.name.data());
    std::fprintf(stderr, "\n");
    return 2;
  }
  const std::string_view name = argv[1];
  const auto* target = std::find_if(std::begin(kTargets), std::end(kTargets),
                                    [&](const Target& t) { return t.name == name; });
  if (target == std::end(kTargets)) {
    std::fprintf(stderr, "nsxv_fuzz_replay: unknown target '%s'\n", argv[1]);
    return 2;
  }
  std::vector<std::filesystem::path> files;
  for (int i = 2; i < argc; ++i) {
    const std::filesystem::path arg = argv[i];
    std::error_code ec;
    if (std::filesystem::is_directory(arg, ec)) {
      for (const auto& entry : std::filesystem::directory_iterator(arg, ec)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      if (ec) {
        std::fprintf(stderr, "nsxv_fuzz_replay: cannot list %s: %s\n", argv[i],
                     ec.message().c_str());
        return 2;
      }
    } else if (std::filesystem::is_regular_file(arg, ec)) {
      files.push_back(arg);
    } else {
      std::fprintf(stderr, "nsxv_fuzz_replay: %s: no such file or directory\n", argv[i]);
      return 2;
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "nsxv_fuzz_replay: no input files\n");
    return 2;
  }
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "nsxv_fuzz_replay: cannot read %s\n", file.c_str());
      return 2;
    }
    std::fprintf(stderr, "%s\n", file.c_str());
    (void)target->run(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("%.*s: replayed %zu files\n", static_cast<int>(name.size()), name.data(),
              files.size());
  return 0;
}
