#include "cli/cli.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "bench/edge_setup.h"
#include "cli/commands.h"
#include "fake_nsxv/fake_cli.h"
#include "scenarios/crash_sweep.h"
#include "scenarios/node_worker.h"
#include "scenarios/scenario_command.h"
#include "scenarios/swarm.h"

namespace nsxv::cli {
namespace {

constexpr const char* kDescription =
    "nsxv-md: the NSX-v metadata proxy from the command line. Sets up the metadata proxy edges "
    "(init), creates and deletes tenant routers with metadata, reports and repairs their "
    "configuration, and checks the driver's database against the NSX manager. 'demo' runs the "
    "whole flow on an embedded fake NSX-v manager over HTTPS and needs no configuration.";

constexpr const char* kFooter =
    "Configuration: --config FILE reads the [nsxv] and [database] sections of an nsx.ini file; "
    "--set SECTION.OPTION=VALUE overrides one option (repeatable). [nsxv] insecure defaults to "
    "false here (TLS verification on; upstream's default is true).\n"
    "Output: tables by default; --json prints one JSON document on stdout.\n"
    "Exit codes: 0 success, 1 the operation failed or check found violations, 2 usage or "
    "configuration error.\n"
    "Pages: docs/nsxv-md/<subcommand>.md";

// Installs a logger writing to `err` for the lifetime of the object.
class ScopedLogger {
 public:
  ScopedLogger(std::ostream& err, int verbose, bool quiet) : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(err, /*force_flush=*/true);
    auto logger = std::make_shared<spdlog::logger>("nsxv-md", std::move(sink));
    logger->set_pattern("nsxv-md: %l: %v");
    logger->set_level(quiet          ? spdlog::level::err
                      : verbose >= 3 ? spdlog::level::trace
                      : verbose == 2 ? spdlog::level::debug
                      : verbose == 1 ? spdlog::level::info
                                     : spdlog::level::warn);
    spdlog::set_default_logger(std::move(logger));
  }
  ~ScopedLogger() { spdlog::set_default_logger(previous_); }
  ScopedLogger(const ScopedLogger&) = delete;
  ScopedLogger& operator=(const ScopedLogger&) = delete;

 private:
  std::shared_ptr<spdlog::logger> previous_;
};

void PrintJson(Session& s, int code) {
  nlohmann::json doc = {{"command", s.command},
                        {"ok", code == kExitOk},
                        {"exit_code", code},
                        {"warnings", s.warnings},
                        {"result", s.result},
                        {"error", s.error.empty() ? nlohmann::json() : nlohmann::json(s.error)}};
  if (!s.manager.is_null()) doc["manager"] = s.manager;
  s.out << doc.dump(2) << "\n";
}

}  // namespace

int Run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{kDescription, "nsxv-md"};
  app.footer(kFooter);
  app.fallthrough();  // global options may follow the subcommand
  app.require_subcommand(1);

  std::optional<std::string> config_file;
  std::vector<std::string> overrides;
  bool json = false;
  int verbose = 0;
  bool quiet = false;
  app.add_option("--config", config_file, "nsx.ini file to read ([nsxv] and [database] sections)");
  app.add_option("--set", overrides,
                 "Override one option, SECTION.OPTION=VALUE (e.g. nsxv.retries=5, "
                 "database.path=/tmp/md.db); repeatable, applied after --config")
      ->allow_extra_args(false);
  app.add_flag("--json", json, "Print one JSON document on stdout instead of tables");
  app.add_flag("-v,--verbose", verbose, "More logging on stderr (-v info, -vv debug, -vvv trace)");
  app.add_flag("-q,--quiet", quiet, "Log only errors (no warnings)");

  DemoOptions demo;
  CLI::App* demo_cmd = app.add_subcommand(
      "demo",
      "Run the main job on an embedded fake NSX-v manager (HTTPS on 127.0.0.1, self-signed "
      "certificate, verified): metadata init with 3 proxy edges, N tenant routers with metadata "
      "created by K workers, every invariant checked; prints a summary with timings. Needs no "
      "configuration; --config/--set change the demo's settings (not the manager)");
  demo_cmd->add_option("--routers", demo.routers, "Tenant routers to create")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  demo_cmd->add_option("--workers", demo.workers, "Threads creating routers")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  demo_cmd->add_flag("--keep-db", demo.keep_db,
                     "Keep the demo's temporary database and print its path");

  CLI::App* init_cmd = app.add_subcommand(
      "init",
      "Set up or repair the metadata proxy: the internal network and one proxy edge per "
      "mgt_net_proxy_ips entry (validate, re-address or create), as the plugin does at start");

  RouterOptions router;
  CLI::App* router_cmd =
      app.add_subcommand("router", "Tenant routers with metadata: create, delete, list");
  router_cmd->require_subcommand(1);
  CLI::App* create_cmd = router_cmd->add_subcommand(
      "create", "Create an exclusive router (one NSX edge) and configure metadata on it");
  create_cmd->add_option("NAME", router.name, "Router name")->required();
  create_cmd->add_option("--tenant", router.tenant, "Tenant (project) id of the router")
      ->capture_default_str();
  CLI::App* delete_cmd = router_cmd->add_subcommand(
      "delete", "Remove metadata from a router, then delete it and its edge");
  delete_cmd->add_option("ROUTER", router.name, "Router name or id")->required();
  CLI::App* list_cmd = router_cmd->add_subcommand(
      "list", "List the routers of the database with their edges (reads the database only)");

  CLI::App* status_cmd = app.add_subcommand(
      "status",
      "Show the proxy edges (with Nova member status) and whether every router edge's metadata "
      "LB members equal the live proxy IPs; read-only (exit 1 on any problem)");
  CLI::App* redo_cmd = app.add_subcommand(
      "redo-config",
      "Rewrite the metadata LB members of every router edge from the live proxy IPs");
  CLI::App* secret_cmd = app.add_subcommand(
      "update-secret",
      "Recompute the X-Metadata-Provider-Signature rule of every router edge from "
      "metadata_shared_secret (removed when unset)");
  CheckCliOptions check;
  CLI::App* check_cmd = app.add_subcommand(
      "check",
      "Check the database against the NSX backend: one edge per router, proxy edges as "
      "configured, router LB members = live proxy IPs, no orphan edges or ports (exit 1 on any "
      "violation); read-only. Backend edges outside the driver's naming scope are counted, not "
      "reported as orphans");
  check_cmd->add_flag("--all-edges", check.all_edges,
                      "Report every backend edge no router is bound to as an orphan, whatever "
                      "its name (a manager used by nothing else)");
  check_cmd->add_option("--edge-prefix", check.edge_prefix,
                        "Narrow the naming scope to edges whose name starts with this prefix");
  TraceOptions trace;
  CLI::App* trace_cmd = app.add_subcommand(
      "trace",
      "Prove or refute, from the NSX configuration alone (GETs only), that a VM behind a router "
      "reaches Nova's metadata service with a valid signature: one row per hop and a verdict "
      "(exit 1 when a path fails)");
  trace_cmd->add_option("ROUTER", trace.router, "Router id, name or edge id");
  trace_cmd->add_flag("--all", trace.all, "Every router with an edge");
  trace_cmd->add_option("--nova-secret-file", trace.nova_secret_file,
                        "File whose first line is Nova's metadata_proxy_shared_secret (default: "
                        "the driver's metadata_shared_secret)");

  RepairOptions repair;
  CLI::App* repair_cmd = app.add_subcommand(
      "repair",
      "List (default, or --dry-run) or fix (--yes) what check reports and can be fixed without "
      "guessing: half-created or orphaned router bindings, orphaned or missing edges (only edges "
      "named by the driver), orphaned vnic slots, ports, IP allocations, virtual wires (fake "
      "only) and stale router metadata; exit 1 when something is left (docs/nsxv-md/repair.md)");
  repair_cmd->add_option("KIND", repair.kinds,
                         "Only these kinds (pending-bindings, orphaned-bindings, missing-edges, "
                         "orphaned-edges, orphaned-vnics, orphaned-ports, orphaned-allocations, "
                         "orphaned-internal-networks, orphaned-wires, metadata)");
  repair_cmd->add_flag("--dry-run", repair.dry_run, "List only (the default)");
  repair_cmd->add_flag("--yes", repair.yes, "Apply the fixes");
  repair_cmd->add_option("--edge-prefix", repair.edge_prefix,
                         "Narrow the naming scope to edges whose name starts with this prefix");

  NetworkOptions network;
  CLI::App* network_cmd = app.add_subcommand("network", "Tenant networks: create, delete");
  network_cmd->require_subcommand(1);
  CLI::App* net_create_cmd = network_cmd->add_subcommand(
      "create", "Create a network (one NSX virtual wire) with one subnet");
  net_create_cmd->add_option("NAME", network.name, "Network name")->required();
  net_create_cmd->add_option("--cidr", network.cidr, "Subnet CIDR")->capture_default_str();
  net_create_cmd->add_option("--tenant", network.tenant, "Tenant (project) id")
      ->capture_default_str();
  CLI::App* net_delete_cmd =
      network_cmd->add_subcommand("delete", "Delete a network and its virtual wire");
  net_delete_cmd->add_option("NETWORK", network.name, "Network name or id")->required();

  bench::BenchCommandOptions bench_opts;
  std::vector<std::string> bench_backends;
  CLI::App* bench_cmd = app.add_subcommand(
      "bench",
      "Benchmark concurrent edge setup on the embedded fake: metadata init, then N router edges "
      "by K workers at per-call latency L, in process and over HTTPS; prints a table (or JSON) and "
      "writes edge_setup.{json,md,svg}");
  bench_cmd->add_flag("--quick", bench_opts.quick,
                      "Small sweep (under 2 minutes) instead of the full one (under 15 minutes)");
  bench_cmd->add_option("--out", bench_opts.output_dir,
                        "Directory for edge_setup.json, .md and .svg (default: no files)");
  bench_cmd
      ->add_option("--backend", bench_backends, "inprocess or https; repeatable (default both)")
      ->check(CLI::IsMember({"inprocess", "https"}));
  bench_cmd->add_option(
      "--store", bench_opts.stores,
      "sqlite or mysql+pymysql://USER:PASSWORD@HOST/DB (a fresh database per "
      "point on that server); repeatable, compared side by side (default sqlite)");

  scenarios::ScenarioCommandOptions scenario_opts;
  CLI::App* scenario_cmd = app.add_subcommand(
      "scenario", "Deterministic failure, concurrency and scale scenarios (docs/scenarios.md)");
  scenario_cmd->require_subcommand(1);
  CLI::App* scenario_run_cmd = scenario_cmd->add_subcommand(
      "run",
      "Run scenario files against the in-process fake (default), the fake over HTTPS, or a real "
      "manager; each run ends with an invariant check and a liveness phase");
  scenario_run_cmd->add_option("PATH", scenario_opts.paths, "Scenario files or directories")
      ->required();
  scenario_run_cmd->add_option("--seed", scenario_opts.seed, "Override every scenario's seed");
  scenario_run_cmd
      ->add_option("--backend", scenario_opts.backend,
                   "inprocess, https (the fake on loopback) or a manager URL https://HOST "
                   "(with --config; client-side faults only)")
      ->capture_default_str();
  scenario_run_cmd
      ->add_option("--repeat", scenario_opts.repeat,
                   "Run each scenario N times and compare the normalized reports")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  scenario_run_cmd->add_option("--tag", scenario_opts.tags,
                               "Run only the scenarios with this tag (repeatable: any of them)");
  scenario_run_cmd->add_flag("--dry-run", scenario_opts.dry_run,
                             "Real manager: list what would be created, change nothing");
  scenario_run_cmd->add_flag("--allow-changes", scenario_opts.allow_changes,
                             "Real manager: allow the run to create and delete objects");
  scenario_run_cmd->add_option(
      "--run-prefix", scenario_opts.run_prefix,
      "Real manager: prefix of every name (default nsxvsim-SEED-PID-RANDOM)");
  scenario_run_cmd->add_flag("--keep", scenario_opts.keep_work_dir,
                             "Keep each run's work directory (database, locks)");
  scenario_run_cmd->add_flag("--process-nodes", scenario_opts.process_nodes,
                             "Run every node in a child process (this nsxv-md) against the fake "
                             "over HTTPS, so that a step's kill is a real SIGKILL");
  scenarios::NodeWorkerOptions worker_opts;
  CLI::App* scenario_worker_cmd = scenario_cmd->add_subcommand(
      "node-worker", "A process node of a scenario run (started by the runner)");
  scenario_worker_cmd->group("");  // internal: not listed in --help
  scenario_worker_cmd->add_option("--node", worker_opts.node, "Node name")->required();
  scenario_worker_cmd->add_option("--lock-dir", worker_opts.lock_dir, "Lock directory")->required();
  scenario_run_cmd->add_option(
      "--store", scenario_opts.store,
      "sqlite, mariadb (a private MariaDB server for the command, a fresh database per run) or "
      "mysql+pymysql://USER:PASSWORD@HOST/DB (a fresh database per run on that server); default: "
      "each scenario's `store` key, else sqlite");
  scenarios::SwarmCommandOptions swarm_opts;
  CLI::App* scenario_swarm_cmd = scenario_cmd->add_subcommand(
      "swarm",
      "Run one generated scenario per seed (random operation mixes, faults, intensities and "
      "concurrency) with invariants and liveness; a failing seed is minimized and written as a "
      "scenario file that reproduces it");
  scenario_swarm_cmd->add_option("--seeds", swarm_opts.seeds, "Seed range A..B (or one seed N)")
      ->required();
  scenario_swarm_cmd
      ->add_option("--backend", swarm_opts.backend, "inprocess or https (the fake on loopback)")
      ->capture_default_str();
  scenario_swarm_cmd
      ->add_option("--out", swarm_opts.out_dir,
                   "Directory for the minimized reproducers swarm-<seed>.json")
      ->capture_default_str();
  scenario_swarm_cmd->add_option("--jobs", swarm_opts.jobs, "Seeds run at once (threads)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  scenarios::CrashSweepOptions sweep_opts;
  CLI::App* scenario_sweep_cmd = scenario_cmd->add_subcommand(
      "crash-sweep",
      "SIGKILL this nsxv-md, run as a child process against the fake over HTTPS, at every "
      "request of init, router create, router delete and network create (before and after the "
      "manager applies it); after each kill: init, repair --yes, check must be clean");
  scenario_sweep_cmd->add_option("--flow", sweep_opts.flows, "Only this flow (repeatable)")
      ->check(CLI::IsMember(scenarios::CrashSweepFlows()));
  scenario_sweep_cmd
      ->add_option("--max-points", sweep_opts.max_points,
                   "Only the first N request indexes of each flow (0: all)")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  scenario_sweep_cmd->add_option(
      "--soak", sweep_opts.soak_seed,
      "Instead: the random soak with this seed (two processes, random operations, SIGKILLs)");
  scenario_sweep_cmd->add_option("--kills", sweep_opts.soak_kills, "SIGKILLs of the soak")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  scenario_sweep_cmd->add_flag("--keep", sweep_opts.keep_work_dir,
                               "Keep the work directory (databases and child outputs)");
  fake::FakeCliFlags fake_flags;
  CLI::App* fake_cmd = app.add_subcommand(
      "fake",
      "Run the fake NSX-v manager standalone until SIGINT/SIGTERM (same flags as fake-nsxv; "
      "--demo runs its scripted self-demo)");
  fake::AddFakeFlags(*fake_cmd, fake_flags, /*log_flags=*/false);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::Success& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    err << "nsxv-md: " << e.what() << " (see nsxv-md --help)\n";
    return kExitUsage;
  }

  ScopedLogger logger(err, verbose, quiet);
  Session s{out, err};
  s.json = json;
  if (&err == &std::cerr && isatty(STDERR_FILENO) != 0 && !quiet) s.progress = &err;
  s.load.file = config_file;
  s.load.overrides = overrides;

  int code = kExitUsage;
  if (*bench_cmd) {
    // The benchmark prints its own table or JSON document.
    bench_opts.json = json;
    for (const std::string& b : bench_backends) {
      bench_opts.backends.push_back(b == "https" ? bench::Backend::kHttps
                                                 : bench::Backend::kInProcess);
    }
    const Status st = bench::RunBenchCommand(bench_opts, out);
    if (st.ok()) return kExitOk;
    err << "nsxv-md bench: " << st.message() << "\n";
    return st.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailed;
  }
  if (*scenario_run_cmd) {
    // Scenario runs print their own result lines or JSON document.
    scenario_opts.json = json;
    // Faults make the driver log retries and skipped edges by design; the report says what
    // failed. Driver logs only with -v.
    if (verbose == 0) spdlog::set_level(spdlog::level::critical);
    scenario_opts.config.file = config_file;
    scenario_opts.config.overrides = overrides;
    return scenarios::RunScenarioCommand(scenario_opts, out, err);
  }
  if (*scenario_worker_cmd) {
    worker_opts.config_file = config_file.value_or("");
    return scenarios::RunNodeWorker(worker_opts, std::cin, out);
  }
  if (*scenario_swarm_cmd) {
    // Swarm prints its own result lines or JSON document; faults make the driver log retries.
    swarm_opts.json = json;
    if (verbose == 0) spdlog::set_level(spdlog::level::critical);
    return scenarios::RunSwarmCommand(swarm_opts, out, err);
  }
  if (*scenario_sweep_cmd) {
    sweep_opts.json = json;
    std::error_code ec;
    sweep_opts.binary = std::filesystem::read_symlink("/proc/self/exe", ec).string();
    if (verbose == 0) spdlog::set_level(spdlog::level::critical);
    return scenarios::RunCrashSweepCommand(sweep_opts, out, err);
  }
  if (*fake_cmd) {
    // The fake prints its own output (not the JSON document).
    return fake::RunFake(fake_flags, out, err, "nsxv-md fake");
  } else if (*demo_cmd) {
    s.command = "demo";
    code = RunDemo(s, demo);
  } else if (*init_cmd) {
    s.command = "init";
    code = RunInit(s);
  } else if (*create_cmd) {
    s.command = "router create";
    code = RunRouterCreate(s, router);
  } else if (*delete_cmd) {
    s.command = "router delete";
    code = RunRouterDelete(s, router);
  } else if (*list_cmd) {
    s.command = "router list";
    code = RunRouterList(s);
  } else if (*status_cmd) {
    s.command = "status";
    code = RunStatus(s);
  } else if (*redo_cmd) {
    s.command = "redo-config";
    code = RunRedoConfig(s);
  } else if (*secret_cmd) {
    s.command = "update-secret";
    code = RunUpdateSecret(s);
  } else if (*check_cmd) {
    s.command = "check";
    code = RunCheck(s, check);
  } else if (*trace_cmd) {
    s.command = "trace";
    code = RunTrace(s, trace);
  } else if (*repair_cmd) {
    s.command = "repair";
    code = RunRepair(s, repair);
  } else if (*net_create_cmd) {
    s.command = "network create";
    code = RunNetworkCreate(s, network);
  } else if (*net_delete_cmd) {
    s.command = "network delete";
    code = RunNetworkDelete(s, network);
  }
  if (s.json) PrintJson(s, code);
  return code;
}

}  // namespace nsxv::cli
