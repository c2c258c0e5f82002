// Representative points of the edge-setup benchmark (bench/edge_setup.h) as Google Benchmark
// cases: in-process and HTTPS keep-alive, K = 1 and 16 workers, L = 0, 32 router edges with
// metadata after an init with 10 proxy IPs. Each iteration is a whole run (fresh fake, database
// and driver); the reported time is the edge phase only (manual time). Counters: calls per edge,
// process CPU µs per edge (client and fake together, both are in this process), edges/s.
// The parameter sweep and its report are `nsxv-md bench` (RunBenchCommand); the same sweep runs
// here with `--sweep=quick|full [--out=DIR] [--json] [--backend=inprocess|https]
// [--store=sqlite|mysql+pymysql://...]` (--store repeatable: stores side by side), and one point
// (for profiling) with `--point --backend=B --edges=N --workers=K --latency_ms=L [--store=S]`.
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "bench/edge_setup.h"

namespace nsxv::bench {
namespace {

constexpr int kEdges = 32;

void BM_EdgeSetup(benchmark::State& state, Backend backend) {
  EdgeSetupOptions o;
  o.backend = backend;
  o.edges = kEdges;
  o.workers = static_cast<int>(state.range(0));
  o.latency_ms = 0;
  double calls_per_edge = 0;
  double cpu_us = 0;
  int64_t runs = 0;
  for (auto _ : state) {
    Result<EdgeSetupResult> r = RunEdgeSetup(o);
    if (!r.ok()) {
      state.SkipWithError(r.error().ToString().c_str());
      break;
    }
    if (r->edges_failed > 0) {
      state.SkipWithError(("edge failed: " + r->first_error).c_str());
      break;
    }
    state.SetIterationTime(r->wall_s);
    calls_per_edge += r->calls_per_edge;
    cpu_us += r->cpu_per_edge_us;
    ++runs;
  }
  if (runs > 0) {
    state.counters["calls_per_edge"] = calls_per_edge / static_cast<double>(runs);
    state.counters["cpu_us_per_edge"] = cpu_us / static_cast<double>(runs);
  }
  state.SetItemsProcessed(runs * kEdges);
}

BENCHMARK_CAPTURE(BM_EdgeSetup, inprocess, Backend::kInProcess)
    ->Arg(1)
    ->Arg(16)
    ->ArgName("K")
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_EdgeSetup, https, Backend::kHttps)
    ->Arg(1)
    ->Arg(16)
    ->ArgName("K")
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// Runs the sweep when argv has --sweep=... (or one point with --point); returns the exit code, or
// -1 to run the benchmarks.
int MaybeRunSweep(int argc, char** argv) {
  BenchCommandOptions o;
  EdgeSetupOptions point;
  bool sweep = false;
  bool one = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--point") {
      one = true;
    } else if (arg.starts_with("--edges=")) {
      point.edges = std::atoi(argv[i] + 8);
    } else if (arg.starts_with("--workers=")) {
      point.workers = std::atoi(argv[i] + 10);
    } else if (arg.starts_with("--latency_ms=")) {
      point.latency_ms = std::atof(argv[i] + 13);
    } else if (arg == "--sweep=quick" || arg == "--sweep=full") {
      sweep = true;
      o.quick = arg == "--sweep=quick";
    } else if (arg.starts_with("--out=")) {
      o.output_dir = std::string(arg.substr(6));
    } else if (arg == "--json") {
      o.json = true;
    } else if (arg.starts_with("--backend=")) {
      Result<Backend> b = ParseBackend(arg.substr(10));
      if (!b.ok()) {
        std::cerr << b.error().message() << "\n";
        return 2;
      }
      o.backends.push_back(*b);
      point.backend = *b;
    } else if (arg.starts_with("--store=")) {
      o.stores.emplace_back(arg.substr(8));
      point.store_url = o.stores.back() == "sqlite" ? "" : o.stores.back();
    }
  }
  if (one) {
    Result<EdgeSetupResult> r = RunEdgeSetup(point);
    if (!r.ok()) {
      std::cerr << r.error().ToString() << "\n";
      return 1;
    }
    SweepReport report;
    report.machine = ReadMachineInfo();
    report.options.backends = {point.backend};
    report.options.stores = {point.store_url};
    report.results.push_back(std::move(r).value());
    std::cout << (o.json ? ReportToJson(report).dump(2) + "\n" : ReportToMarkdown(report));
    return 0;
  }
  if (!sweep) return -1;
  const Status s = RunBenchCommand(o, std::cout);
  if (!s.ok()) {
    std::cerr << s.ToString() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace nsxv::bench

int main(int argc, char** argv) {
  const int sweep = nsxv::bench::MaybeRunSweep(argc, argv);
  if (sweep >= 0) return sweep;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
