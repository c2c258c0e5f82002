#include "scenarios/scenario_command.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <ostream>

#include <nlohmann/json.hpp>

#include "scenarios/command_util.h"
#include "scenarios/mariadb_server.h"
#include "scenarios/runner.h"
#include "scenarios/scenario_store.h"

namespace nsxv::scenarios {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

// The first place two normalized reports differ ("steps[3].verdicts"), or "".
std::string FirstDifference(const json& a, const json& b) {
  const json patch = json::diff(a, b);
  if (patch.empty()) return "";
  return patch.front().value("path", std::string("/"));
}

// What a run against a real manager would create, without contacting it.
void PrintDryRun(const Scenario& sc, const std::string& prefix, const config::Config& base,
                 std::ostream& out) {
  out << "scenario " << sc.name << " (dry run, prefix " << prefix << "):\n";
  std::vector<std::string> proxies = base.nsxv.mgt_net_proxy_ips;
  auto it = sc.nsxv.find("mgt_net_proxy_ips");
  if (it != sc.nsxv.end()) proxies = config::SplitList(it->second);
  out << "  internal network inter-edge-net (virtual wire) and subnet 169.254.128.0/17\n";
  for (const auto& ip : proxies) out << "  proxy edge for " << ip << " (metadata_proxy_router)\n";
  std::vector<std::string> routers;
  std::vector<std::string> networks;
  auto collect = [&](const Step& step) {
    if (step.op == StepOp::kCreateRouters || step.op == StepOp::kChurnRouters) {
      for (const auto& n : step.Names()) routers.push_back(prefix + "-" + n);
    }
    if (step.op == StepOp::kCreateNetworks) {
      for (const auto& n : step.Names()) networks.push_back(prefix + "-" + n);
    }
  };
  for (const Step& step : sc.steps) {
    collect(step);
    for (const Step& sub : step.steps) collect(sub);
  }
  out << "  " << routers.size() << " routers (edges)";
  if (!routers.empty()) out << ": " << routers.front() << " .. " << routers.back();
  out << "\n  " << networks.size() << " networks (virtual wires)";
  if (!networks.empty()) out << ": " << networks.front() << " .. " << networks.back();
  out << "\n  everything is removed at the end of the run\n";
}

// " store=mariadb" (or the redacted URL) when the run is not on SQLite; "" on SQLite.
std::string StoreSuffix(const Scenario& sc, const RunOptions& run) {
  auto c = ParseStoreChoice(!run.store.empty() ? run.store
                            : sc.store.empty() ? "sqlite"
                                               : sc.store);
  if (!c.ok() || c->kind == StoreKind::kSqlite) return "";
  return " store=" + c->Name();
}

}  // namespace

Result<std::vector<std::string>> ExpandScenarioPaths(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      // Subfolders too (directory symlinks are not followed, so there are no cycles).
      std::vector<std::string> found;
      fs::recursive_directory_iterator it(p, ec), end;
      for (; !ec && it != end; it.increment(ec)) {
        if (it->path().extension() == ".json" && it->is_regular_file(ec)) {
          found.push_back(it->path().string());
        }
      }
      if (ec) return Status(StatusCode::kInvalidArgument, p + ": " + ec.message());
      std::sort(found.begin(), found.end());
      if (found.empty()) {
        return Status(StatusCode::kInvalidArgument, p + ": no *.json scenario files");
      }
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      return Status(StatusCode::kInvalidArgument, p + ": no such file or directory");
    }
  }
  return files;
}

int RunScenarioCommand(const ScenarioCommandOptions& options, std::ostream& out,
                       std::ostream& err) {
  auto fail_usage = [&](const std::string& message) {
    err << "nsxv-md scenario: " << message << "\n";
    return kExitUsage;
  };
  if (options.paths.empty()) return fail_usage("give at least one scenario file or directory");
  if (options.repeat < 1) return fail_usage("--repeat must be at least 1");
  auto files = ExpandScenarioPaths(options.paths);
  if (!files.ok()) return fail_usage(files.error().message());

  // Every file is read and checked before anything runs.
  std::vector<Scenario> scenarios;
  for (const std::string& file : *files) {
    auto sc = LoadScenarioFile(file);
    if (!sc.ok()) return fail_usage(sc.error().message());
    const bool tagged =
        options.tags.empty() || std::any_of(options.tags.begin(), options.tags.end(), [&](auto& t) {
          return std::find(sc->tags.begin(), sc->tags.end(), t) != sc->tags.end();
        });
    if (tagged) scenarios.push_back(std::move(sc).value());
  }
  if (scenarios.empty()) return fail_usage("no scenario has one of the tags given with --tag");

  RunOptions run;
  run.seed = options.seed;
  run.keep_work_dir = options.keep_work_dir;
  run.allow_changes = options.allow_changes;
  run.run_prefix = options.run_prefix;
  run.process_nodes = options.process_nodes;
  if (options.backend == "inprocess") {
    run.backend = BackendKind::kInProcess;
  } else if (options.backend == "https") {
    run.backend = BackendKind::kHttps;
  } else if (options.backend.rfind("https://", 0) == 0 ||
             options.backend.rfind("http://", 0) == 0) {
    run.backend = BackendKind::kReal;
    config::LoadOptions load = options.config;
    load.overrides.push_back("nsxv.manager_uri=" + options.backend);
    auto cfg = config::LoadConfig(load);
    if (!cfg.ok()) return fail_usage(cfg.error().message());
    run.real_config = std::move(cfg).value();
    for (const Scenario& sc : scenarios) {
      if (sc.NeedsServerSide()) {
        return fail_usage("scenario " + sc.name + " (" + sc.file +
                          ") needs the fake (server-side faults, initial backend state, backend "
                          "steps, kills or virtual time); a real manager takes client_faults only");
      }
    }
    if (options.dry_run) {
      for (const Scenario& sc : scenarios) {
        const std::string prefix = options.run_prefix.empty()
                                       ? DefaultRunPrefix(options.seed.value_or(sc.seed))
                                       : options.run_prefix;
        PrintDryRun(sc, prefix, *run.real_config, out);
      }
      return kExitOk;
    }
    if (!options.allow_changes) {
      return fail_usage("refusing to change the NSX manager at " + options.backend +
                        ": pass --allow-changes (or --dry-run to list what would be created)");
    }
  } else {
    return fail_usage("--backend " + options.backend +
                      ": expected inprocess, https or a manager URL (https://HOST)");
  }
  if (options.dry_run && run.backend != BackendKind::kReal) {
    return fail_usage("--dry-run applies to a real manager (--backend https://HOST)");
  }
  for (const Scenario& sc : scenarios) {
    if (Status s = CheckRunnable(sc, run.backend, run.process_nodes); !s.ok()) {
      return fail_usage(s.message());
    }
  }
  run.store = options.store;
  if (!options.store.empty()) {
    if (auto c = ParseStoreChoice(options.store); !c.ok()) return fail_usage(c.error().message());
  }
  // One private MariaDB server for every run that asks for one (starting one takes seconds).
  std::unique_ptr<MariadbServer> server;
  std::string server_dir;
  const bool wants_server = options.store == "mariadb" ||
                            (options.store.empty() &&
                             std::any_of(scenarios.begin(), scenarios.end(),
                                         [](const Scenario& sc) { return sc.store == "mariadb"; }));
  if (wants_server) {
    server_dir = (fs::temp_directory_path() / "nsxv-mariadb-XXXXXX").string();
    if (mkdtemp(server_dir.data()) == nullptr) {
      err << "nsxv-md scenario: cannot create a temporary directory for the MariaDB server\n";
      return kExitFailed;
    }
    MariadbServerOptions so;
    so.root = server_dir;
    auto started = MariadbServer::Start(so);
    if (!started.ok()) {
      std::error_code ec;
      fs::remove_all(server_dir, ec);
      err << "nsxv-md scenario: private MariaDB server: " << started.error().message() << "\n";
      return kExitFailed;
    }
    server = std::move(started).value();
    run.mariadb_server = server.get();
  }

  int passed = 0;
  int failed = 0;
  json results = json::array();
  for (const Scenario& sc : scenarios) {
    const uint64_t seed = options.seed.value_or(sc.seed);
    const std::string replay = ReplayCommand(sc, run, seed);
    std::optional<json> first_normalized;
    std::string difference;
    for (int rep = 1; rep <= options.repeat; ++rep) {
      auto report = RunScenario(sc, run);
      json entry;
      bool ok = false;
      if (!report.ok()) {
        entry = {{"name", sc.name},
                 {"file", sc.file},
                 {"seed", seed},
                 {"passed", false},
                 {"failures", {report.error().message()}}};
        if (!options.json) {
          out << "FAIL " << sc.name << " seed=" << seed << ": " << report.error().message()
              << "\n  replay: " << replay << "\n";
        }
      } else {
        ok = report->passed();
        const json normalized = report->Normalized();
        if (!first_normalized) {
          first_normalized = normalized;
        } else if (difference.empty() && normalized != *first_normalized) {
          difference = "run " + std::to_string(rep) + " differs from run 1 at " +
                       FirstDifference(*first_normalized, normalized);
        }
        entry = report->ToJson();
        if (!options.json) {
          out << (ok ? "PASS " : "FAIL ") << sc.name << " seed=" << seed
              << " backend=" << BackendKindName(report->backend) << StoreSuffix(sc, run)
              << " steps=" << sc.steps.size() << " requests=" << report->requests
              << " wall=" << FormatSeconds(report->wall_s)
              << " virtual=" << FormatSeconds(report->virtual_s)
              << (options.repeat > 1 ? " run=" + std::to_string(rep) : "") << "  replay: " << replay
              << "\n";
          for (const std::string& f : report->failures) out << "  - " << f << "\n";
        }
      }
      entry["replay"] = replay;
      entry["run"] = rep;
      results.push_back(std::move(entry));
      (ok ? passed : failed) += 1;
    }
    if (options.repeat > 1) {
      const bool same = difference.empty();
      if (!options.json) {
        out << (same ? "SAME " : "DIFF ") << sc.name << " seed=" << seed << ": " << options.repeat
            << " runs " << (same ? "gave identical normalized reports" : difference) << "\n";
      }
      results.push_back({{"name", sc.name},
                         {"seed", seed},
                         {"repeat", options.repeat},
                         {"identical", same},
                         {"difference", difference}});
      if (!same) ++failed;
    }
  }
  if (options.json) {
    out << json{{"results", results}, {"passed", passed}, {"failed", failed}}.dump(
               2, ' ', false, json::error_handler_t::replace)
        << "\n";
  } else {
    out << passed << " passed, " << failed << " failed\n";
  }
  return failed == 0 ? kExitOk : kExitFailed;
}

}  // namespace nsxv::scenarios
