// Internal to nsxv-md: the state one invocation carries, and one function per subcommand. Each
// returns the exit code, writes tables to `out` (unless --json) and fills `result` for the JSON
// document. See cli.h for the contract.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/runtime.h"
#include "driver/config/config.h"

namespace nsxv::scenarios {
struct CheckReport;
}  // namespace nsxv::scenarios

namespace nsxv::cli {

struct Session {
  std::ostream& out;
  std::ostream& err;
  bool json = false;
  // Progress goes here when stderr is a terminal; nullptr otherwise.
  std::ostream* progress = nullptr;
  config::LoadOptions load;
  std::string command;  // "init", "router create", ...
  nlohmann::json result = nlohmann::json::object();
  // The manager the command reached: {"version", "note"?} (null when it reached none).
  nlohmann::json manager;
  std::vector<std::string> warnings;
  std::string error;

  // Records `error` as the failure of the command and returns its exit code.
  int Fail(const CommandError& error);
  // Loads the configuration (with `base` as defaults) and logs its warnings. Exit 2 on error.
  std::optional<CommandError> LoadConfig(config::Config* config,
                                         const config::Config& base = config::Config());
};

struct DemoOptions {
  int routers = 20;
  int workers = 4;
  bool keep_db = false;
};

struct RouterOptions {
  std::string name;  // create: the name; delete: a name or an id
  std::string tenant = "nsxv-md";
};

// Connect + OpenStore (+ the handler and its Init when `handler` is set; `read_only` forces
// metadata_initializer off).
struct Prepared {
  std::unique_ptr<Runtime> runtime;
  std::optional<md_proxy::InitReport> init;
};
// Loads the configuration, connects and opens the store; with `handler`, makes the metadata
// handler and (unless `run_init` is false) runs its Init.
std::optional<CommandError> Prepare(Session& s, Prepared* p, bool handler, bool read_only,
                                    bool run_init = true);

int RunDemo(Session& s, const DemoOptions& options);
int RunInit(Session& s);
int RunRouterCreate(Session& s, const RouterOptions& options);
int RunRouterDelete(Session& s, const RouterOptions& options);
int RunRouterList(Session& s);
int RunStatus(Session& s);
int RunRedoConfig(Session& s);
int RunUpdateSecret(Session& s);
struct CheckCliOptions {
  // Backend edges (and wires) outside the driver's naming scope are counted, not checked for
  // orphans, unless `all_edges`; `edge_prefix` narrows the scope further (as repair).
  bool all_edges = false;
  std::string edge_prefix;
};
int RunCheck(Session& s, const CheckCliOptions& options);

struct TraceOptions {
  std::string router;  // a router id, name or edge id; empty with all = true
  bool all = false;
  std::string nova_secret_file;  // file holding Nova's metadata_proxy_shared_secret (optional)
};
int RunTrace(Session& s, const TraceOptions& options);
struct RepairOptions {
  bool dry_run = false;
  bool yes = false;
  std::string edge_prefix;
  std::vector<std::string> kinds;
};
int RunRepair(Session& s, const RepairOptions& options);

struct NetworkOptions {
  std::string name;  // create: the name; delete: a name or an id
  std::string cidr = "10.0.0.0/24";
  std::string tenant = "nsxv-md";
};
int RunNetworkCreate(Session& s, const NetworkOptions& options);
int RunNetworkDelete(Session& s, const NetworkOptions& options);

// Shared pieces of the commands (commands.cc), used by the demo too.
nlohmann::json InitReportJson(const md_proxy::InitReport& report);
void PrintInitReport(std::ostream& out, const md_proxy::InitReport& report);
nlohmann::json CheckReportJson(const scenarios::CheckReport& report);
void PrintViolations(std::ostream& out, const scenarios::CheckReport& report);

}  // namespace nsxv::cli
