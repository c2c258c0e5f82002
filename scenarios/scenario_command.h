// nsxv-md scenario run: loads scenario files (every file is parsed and checked before anything
// runs), runs each against the chosen backend (--repeat times), prints one result line per run
// with its seed and replay command, and a closing "N passed, N failed" line; --json prints one
// document instead. Exit 0 when everything passed, 1 when a run failed or repeats differed, 2 for
// usage errors and bad scenario files.
//
// Threading: blocking; the runs are sequential (each run starts its own worker threads).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "driver/config/config.h"

namespace nsxv::scenarios {

struct ScenarioCommandOptions {
  std::vector<std::string> paths;  // files, or directories (their *.json, sorted)
  std::optional<uint64_t> seed;
  std::string backend = "inprocess";  // inprocess | https | a manager URL
  int repeat = 1;
  std::vector<std::string> tags;  // run only scenarios with one of these tags (empty: all)
  bool json = false;
  config::LoadOptions config;  // --config / --set: the real manager's nsx.ini
  bool dry_run = false;
  bool allow_changes = false;
  std::string run_prefix;
  bool keep_work_dir = false;
  bool process_nodes = false;  // every node in a child process (RunOptions::process_nodes)
  // sqlite | mariadb | a mysql URL (scenario_store.h); empty: each scenario's `store` key. For
  // mariadb one private server serves every run of the command (a fresh database per run).
  std::string store;
};

int RunScenarioCommand(const ScenarioCommandOptions& options, std::ostream& out, std::ostream& err);

// The scenario files under `paths` (directories expanded to their *.json, sorted), or an error
// naming a path that does not exist.
Result<std::vector<std::string>> ExpandScenarioPaths(const std::vector<std::string>& paths);

}  // namespace nsxv::scenarios
