// nsxv-md: the command line of the metadata-proxy toolkit, as a library function so tests run it
// in-process (no subprocess): Run(argc, argv, out, err) parses the arguments with CLI11, loads
// the nsx.ini configuration, runs one subcommand and returns the exit code.
//
// Subcommands: demo, init, router create|delete|list, network create|delete, status, redo-config,
// update-secret, check, repair, scenario run|swarm|crash-sweep, bench, fake. Global options
// (accepted before or after the subcommand): --config FILE, --set SECTION.OPTION=VALUE
// (repeatable), --json, -v/--verbose (repeatable), -q/--quiet.
//
// Output: tables on `out` by default; with --json exactly one JSON document on `out`
// ({"command", "ok", "exit_code", "warnings", "result", "error"}), also on failure. Errors are
// one line "nsxv-md: ..." on `err`. Logs (spdlog) go to `err`: warnings by default, -v info,
// -vv debug, -vvv trace, -q errors only. A progress line (done/total, rate, ETA) is drawn on
// stderr only when `err` is std::cerr and stderr is a terminal. Secrets are never printed.
//
// Exit codes: 0 success; 1 the operation failed or check found violations; 2 usage or
// configuration error.
//
// Threading: call from one thread at a time (it installs a default spdlog logger writing to
// `err` for the duration of the call and restores the previous one). `fake` without --demo
// blocks SIGINT/SIGTERM and waits for one (see fake_nsxv/fake_cli.h).
#pragma once

#include <ostream>

namespace nsxv::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

int Run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace nsxv::cli
