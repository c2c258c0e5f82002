// The command line of the fake NSX-v manager, shared by the standalone binary `fake-nsxv` and
// the subcommand `nsxv-md fake`: the flags, and what runs after parsing (the HTTPS server until
// SIGINT/SIGTERM, or the scripted self-demo with --demo).
//
// Exit codes: 0 after a clean stop (SIGINT/SIGTERM) or a passing demo; 1 when the demo fails a
// check or the server cannot start; 2 for a bad flag or an unusable file, with one line naming
// the problem on `err`. Logs go to spdlog's default logger (the caller sets it up); `out`
// carries "listening on URL" first, then (demo) the summary table.
//
// Threading: RunFake() without --demo blocks SIGINT and SIGTERM in the calling thread (every
// thread it starts inherits the mask) and waits for one of them with sigwait(); call it from the
// main thread of a process before other threads start.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>

namespace CLI {
class App;
}  // namespace CLI

namespace nsxv::fake {

inline constexpr int kFakeExitOk = 0;
inline constexpr int kFakeExitFailed = 1;
inline constexpr int kFakeExitUsage = 2;

struct FakeCliFlags {
  std::string listen = "127.0.0.1:0";
  std::string user = "admin";
  std::string password = "default";
  std::string cert_file;
  std::string key_file;
  bool http = false;
  int threads = 2;
  uint64_t seed = 1;
  double time_scale = 1.0;
  std::string faults_file;
  std::string state_file;
  double deploy_duration_s = 0;
  double config_duration_s = 0;
  std::string busy_policy = "serialize";
  int page_size = 256;
  size_t journal_capacity = 10000;
  int verbose = 0;
  bool quiet = false;
  bool demo = false;
};

// Adds the fake-nsxv flags to `app`. `log_flags` adds -v/--verbose and -q/--quiet too (the
// standalone binary; nsxv-md has its own).
void AddFakeFlags(CLI::App& app, FakeCliFlags& flags, bool log_flags);

// Runs the server or the demo for parsed flags; `program` prefixes error lines.
int RunFake(const FakeCliFlags& flags, std::ostream& out, std::ostream& err,
            const std::string& program);

// The whole fake-nsxv binary: parses argv, sets up logging on stderr, runs.
int FakeMain(int argc, char** argv);

}  // namespace nsxv::fake
