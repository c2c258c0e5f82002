// Shared by the scenario commands (scenario_command.cc, swarm_run.cc): exit codes and formatting.
#pragma once

#include <cstdio>
#include <string>

namespace nsxv::scenarios {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // a run failed, or repeats differed
inline constexpr int kExitUsage = 2;   // bad options or scenario files; nothing ran

// "1.23s".
inline std::string FormatSeconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2fs", s);
  return buf;
}

}  // namespace nsxv::scenarios
