// Swarm mode: the seed loop (RunSwarm), the reproducer files and nsxv-md scenario swarm
// (contracts in swarm.h).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "driver/common/mutex.h"
#include "scenarios/command_util.h"
#include "scenarios/swarm.h"

namespace nsxv::scenarios {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

constexpr uint64_t kMaxSeeds = 10'000'000;

std::string OneLine(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

// Writes the reproducer: a comment line naming the seed and failure, then the document.
Status WriteReproducer(const std::string& path, uint64_t seed, const std::string& failure,
                       const Scenario& sc) {
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec) return Status(StatusCode::kInternal, parent.string() + ": " + ec.message());
  std::ofstream f(path, std::ios::trunc);
  f << "// reproduces swarm seed " << seed << ": " << OneLine(failure) << "\n"
    << ScenarioToJson(sc).dump(2) << "\n";
  f.close();
  if (!f) return Status(StatusCode::kInternal, path + ": cannot write");
  return Status::Ok();
}

SwarmSeedResult RunSeed(uint64_t seed, const SwarmOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  SwarmSeedResult r;
  r.seed = seed;
  auto finish = [&] {
    r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  };
  auto sc = GenerateSwarmScenario(seed, options);
  if (!sc.ok()) {
    r.failures = {sc.error().message()};
    return finish();
  }
  r.steps = static_cast<int>(sc->steps.size());
  RunOptions run;
  run.backend = options.backend;
  auto report = RunScenario(*sc, run);
  if (report.ok()) {
    r.passed = report->passed();
    r.requests = report->requests;
    r.failures = report->failures;
  } else {
    r.failures = {"the run could not start: " + report.error().message()};
  }
  if (r.passed) return finish();

  Scenario repro = *sc;
  MinimizeStats stats;
  if (options.minimize) {
    MinimizeOptions m;
    m.max_runs = options.max_minimize_runs;
    m.failure_class = FailureClass(report);
    auto minimized = MinimizeFailure(*sc, run, m, &stats);
    if (minimized.ok()) repro = std::move(minimized).value();
  }
  repro.tags = {"swarm"};
  if (repro.Concurrent()) repro.tags.push_back("concurrency");
  r.minimized_steps = static_cast<int>(repro.steps.size());
  r.minimize_runs = stats.runs;
  r.reproduced = stats.reproduced;
  r.minimized_failure = stats.failure.empty() ? r.failures.front() : stats.failure;
  repro.description = !options.minimize ? "swarm seed " + std::to_string(seed) + " (not minimized)"
                      : stats.reproduced
                          ? "swarm seed " + std::to_string(seed) + ", minimized from " +
                                std::to_string(r.steps) + " to " +
                                std::to_string(r.minimized_steps) + " steps in " +
                                std::to_string(stats.runs) + " runs"
                          : "swarm seed " + std::to_string(seed) +
                                " (not minimized: the failure did not show again in " +
                                std::to_string(stats.runs) + " runs)";
  const std::string path =
      (fs::path(options.out_dir) / ("swarm-" + std::to_string(seed) + ".json")).string();
  if (Status s = WriteReproducer(path, seed, r.minimized_failure, repro); s.ok()) {
    r.file = path;
    r.replay = "nsxv-md scenario run " + path +
               (options.backend == BackendKind::kHttps ? " --backend https" : "");
  } else {
    r.failures.push_back("reproducer: " + s.message());
  }
  return finish();
}

void PrintResult(const SwarmSeedResult& r, const SwarmOptions& options, std::ostream& out) {
  const std::string name = "swarm-" + std::to_string(r.seed);
  std::string replay = r.replay;
  if (r.passed || replay.empty()) {
    replay = "nsxv-md scenario swarm --seeds " + std::to_string(r.seed) + ".." +
             std::to_string(r.seed) +
             (options.backend == BackendKind::kHttps ? " --backend https" : "");
  }
  out << (r.passed ? "PASS " : "FAIL ") << name << " seed=" << r.seed << " steps=" << r.steps
      << " requests=" << r.requests << " wall=" << FormatSeconds(r.wall_s) << "  replay: " << replay
      << "\n";
  if (r.passed) return;
  for (const std::string& f : r.failures) out << "  - " << f << "\n";
  if (!options.minimize) return;
  if (r.reproduced) {
    out << "  minimized: " << r.steps << " -> " << r.minimized_steps << " steps in "
        << r.minimize_runs << " runs: " << r.minimized_failure << "\n";
  } else {
    out << "  not minimized: the failure did not show again in " << r.minimize_runs
        << " runs (it depends on the thread interleaving)\n";
  }
}

}  // namespace

json SwarmReport::ToJson() const {
  json seeds = json::array();
  for (const SwarmSeedResult& r : results) {
    json j = {{"seed", r.seed},         {"name", "swarm-" + std::to_string(r.seed)},
              {"passed", r.passed},     {"steps", r.steps},
              {"requests", r.requests}, {"wall_s", r.wall_s},
              {"failures", r.failures}};
    if (!r.passed) {
      j["file"] = r.file;
      j["replay"] = r.replay;
      j["minimized_steps"] = r.minimized_steps;
      j["minimize_runs"] = r.minimize_runs;
      j["reproduced"] = r.reproduced;
      j["minimized_failure"] = r.minimized_failure;
    }
    seeds.push_back(std::move(j));
  }
  return {{"seeds", std::to_string(first) + ".." + std::to_string(last)},
          {"passed", passed},
          {"failed", failed},
          {"wall_s", wall_s},
          {"results", std::move(seeds)}};
}

SwarmReport RunSwarm(uint64_t first, uint64_t last, const SwarmOptions& options,
                     std::ostream& progress) {
  const auto start = std::chrono::steady_clock::now();
  SwarmReport report;
  report.first = first;
  report.last = last;
  const size_t n = last < first ? 0 : static_cast<size_t>(last - first + 1);
  report.results.resize(n);
  std::vector<char> done(n, 0);
  Mutex mu;
  size_t printed = 0;  // results [0, printed) are on `progress`
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) {
      SwarmSeedResult r = RunSeed(first + i, options);
      MutexLock lock(&mu);
      report.results[i] = std::move(r);
      done[i] = 1;
      for (; printed < n && done[printed] != 0; ++printed) {
        PrintResult(report.results[printed], options, progress);
        progress.flush();
      }
    }
  };
  const size_t threads =
      std::clamp<size_t>(static_cast<size_t>(std::max(1, options.jobs)), 1, std::max<size_t>(1, n));
  if (threads == 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t) pool.emplace_back(work);
    for (auto& t : pool) t.join();
  }
  for (const SwarmSeedResult& r : report.results) (r.passed ? report.passed : report.failed) += 1;
  report.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

Result<std::pair<uint64_t, uint64_t>> ParseSeedRange(std::string_view text) {
  const Status bad(StatusCode::kInvalidArgument,
                   "--seeds " + std::string(text) + ": expected A..B with A <= B");
  auto number = [](std::string_view s, uint64_t* out) {
    if (s.empty() || s.size() > 19) return false;
    uint64_t v = 0;
    for (const char c : s) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    *out = v;
    return true;
  };
  uint64_t a = 0;
  uint64_t b = 0;
  const size_t dots = text.find("..");
  if (dots == std::string_view::npos) {
    if (!number(text, &a)) return bad;
    b = a;
  } else if (!number(text.substr(0, dots), &a) || !number(text.substr(dots + 2), &b) || a > b) {
    return bad;
  }
  if (b - a >= kMaxSeeds) {
    return Status(StatusCode::kInvalidArgument, "--seeds " + std::string(text) + ": at most " +
                                                    std::to_string(kMaxSeeds) + " seeds per swarm");
  }
  return std::make_pair(a, b);
}

int RunSwarmCommand(const SwarmCommandOptions& options, std::ostream& out, std::ostream& err) {
  auto fail_usage = [&](const std::string& message) {
    err << "nsxv-md scenario swarm: " << message << "\n";
    return kExitUsage;
  };
  auto range = ParseSeedRange(options.seeds);
  if (!range.ok()) return fail_usage(range.error().message());
  SwarmOptions swarm;
  if (options.backend == "inprocess") {
    swarm.backend = BackendKind::kInProcess;
  } else if (options.backend == "https") {
    swarm.backend = BackendKind::kHttps;
  } else {
    return fail_usage("--backend " + options.backend +
                      ": expected inprocess or https (swarm scenarios need the fake)");
  }
  if (options.jobs < 1) return fail_usage("--jobs must be at least 1");
  if (options.out_dir.empty()) return fail_usage("--out must not be empty");
  swarm.jobs = options.jobs;
  swarm.out_dir = options.out_dir;

  std::ostream discard(nullptr);
  const SwarmReport report =
      RunSwarm(range->first, range->second, swarm, options.json ? discard : out);
  if (options.json) {
    out << report.ToJson().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    out << "swarm seeds " << range->first << ".." << range->second << ": "
        << FormatSeconds(report.wall_s) << " wall, " << swarm.jobs << " job"
        << (swarm.jobs == 1 ? "" : "s") << "\n"
        << report.passed << " passed, " << report.failed << " failed\n";
  }
  return report.failed == 0 ? kExitOk : kExitFailed;
}

}  // namespace nsxv::scenarios
