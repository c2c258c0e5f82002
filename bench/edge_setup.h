// The edge-setup benchmark: how long metadata init and the setup of N router edges with metadata
// take against the fake NSX-v manager, at a given concurrency K and per-call backend latency L.
//
// One run (RunEdgeSetup) builds everything it needs and tears it down again: a FakeManager on the
// real clock with a latency fault rule ({"fault": {"kind": "latency", "fixed_ms": L}} on every
// request), a transport to it (InProcessTransport, or fake::Server + BeastTransport over HTTPS
// keep-alive on 127.0.0.1, port 0), the driver stack (ApiClient, Vcns, Plugin, host locks,
// MetadataProxyHandler), and an SQLite database in a fresh temporary directory, or a fresh
// database on the MySQL/MariaDB server of `store_url` (created for the run and dropped after it).
// It runs MetadataProxyHandler::Init() with P proxy IPs, then K worker threads take router indexes
// from a shared counter and call CreateRouterWithMetadata until N routers exist (each worker opens
// its own store::Context). It measures the edge phase only: wall time, backend calls (the fake's
// journal total), process CPU and memory, and on MariaDB over a unix socket the CPU of the
// database server process too.
//
// The critical-path bound is ceil(N/K) x C x L, with C the measured backend calls per edge: no
// schedule of K workers, each making its calls one after another, can finish sooner. Efficiency
// is bound / wall (1.0 means latency-bound; it is 0 when L = 0, where the bound is 0).
//
// A sweep (RunSweep) runs a grid of points, skipping those whose estimated bound exceeds the
// per-point budget or that would start after the total budget has run out; skipped points are
// listed in the report with the reason. Reports are JSON, a Markdown table and an SVG plot.
//
// Threading: RunEdgeSetup, RunSweep and RunBenchCommand are blocking calls that start and join
// their own threads; concurrent calls are allowed but measure each other (process CPU and peak
// RSS are per process). Every loop is bounded by N, and every backend call by the driver's
// timeouts. Errors are returned as values; a failed edge is counted in the result, not fatal.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "driver/common/status.h"
#include "driver/plugin/plugin.h"

namespace nsxv::bench {

enum class Backend { kInProcess, kHttps };

// "inprocess" / "https".
const char* BackendName(Backend backend);
Result<Backend> ParseBackend(std::string_view name);

struct EdgeSetupOptions {
  Backend backend = Backend::kInProcess;
  int edges = 10;          // N, >= 1
  int workers = 1;         // K, >= 1
  double latency_ms = 0;   // L per backend call, >= 0 (0: no fault rule is installed)
  int proxy_ips = 10;      // P, 1..200
  int init_threads = 3;    // MdProxyConfig::max_init_threads
  int server_threads = 2;  // fake::Server io threads (HTTPS only)
  std::string work_dir;    // database directory; empty: a fresh temp dir, removed afterwards
  // Empty: SQLite in work_dir. A mysql URL (mysql+pymysql://USER:PASSWORD@HOST/DB, or with
  // ?unix_socket=PATH): a fresh database per run on that server; the user needs CREATE and DROP.
  std::string store_url;
};

struct EdgeSetupResult {
  EdgeSetupOptions options;
  // Init phase (not part of the bound).
  double init_wall_s = 0;
  uint64_t init_calls = 0;
  // Edge phase.
  int edges_ok = 0;
  int edges_failed = 0;
  std::string first_error;  // one line; empty when every edge succeeded
  double wall_s = 0;
  uint64_t calls = 0;         // backend requests during the edge phase (fake journal)
  double calls_per_edge = 0;  // C = calls / N
  double bound_s = 0;         // CriticalPathBound(N, K, C, L)
  double efficiency = 0;      // Efficiency(bound_s, wall_s)
  double cpu_s = 0;           // process CPU time (user + system) during the edge phase
  double cpu_per_edge_us = 0;
  // The database server's CPU during the edge phase (MariaDB on a unix socket); -1: not measured
  // (SQLite: its CPU is in cpu_s; a server over TCP).
  double server_cpu_s = -1;
  double server_cpu_per_edge_us = -1;
  // The process CPU split: the fake's share (in-process: the CPU the calling threads spent inside
  // the fake's transport, by per-thread CPU clocks; HTTPS: the CPU of the server's io threads)
  // and the rest, the driver's (driver, SQLite, transport client; the bench's own share is
  // negligible).
  double fake_cpu_s = 0;
  double driver_cpu_s = 0;
  double driver_cpu_per_edge_us = 0;
  double fake_cpu_per_edge_us = 0;
  // Heap in use (all malloc arenas) and SQLite's own allocations (all connections: page caches,
  // schema, statements), growth over the edge phase.
  int64_t heap_growth_bytes = 0;
  int64_t sqlite_growth_bytes = 0;
  // After the edge phase, by teardown: the heap each part frees when it is destroyed, in order
  // (every worker and admin connection and the driver objects; then the fake's journal; then the
  // server and the fake's model). driver_heap_end excludes SQLite's share (sqlite_end).
  int64_t sqlite_end_bytes = 0;
  int64_t driver_heap_end_bytes = 0;
  int64_t fake_journal_end_bytes = 0;
  int64_t fake_model_end_bytes = 0;
  int64_t db_file_bytes = 0;  // database + WAL file sizes after the edge phase
  // Memory: VmHWM after the run when the high-water mark could be reset at the start of the run
  // (peak_rss_reset), otherwise ru_maxrss (the process-wide peak so far).
  int64_t peak_rss_kb = 0;
  bool peak_rss_reset = false;
  int64_t rss_start_kb = 0;  // VmRSS before the fake and the driver were built
  int64_t rss_end_kb = 0;    // VmRSS after the edge phase, before teardown
};

// ceil(n / k) x calls_per_edge x latency_s; 0 when any input is <= 0.
double CriticalPathBound(int n, int k, double calls_per_edge, double latency_s);
// bound / wall, 0 when either is <= 0.
double Efficiency(double bound_s, double wall_s);

// kInvalidArgument for out-of-range options; an error when the setup or Init() fails. Failures
// of individual edges are counted in the result instead.
Result<EdgeSetupResult> RunEdgeSetup(const EdgeSetupOptions& options);

// ---- sweeps and reports ----

struct SweepPoint {
  std::string store;  // EdgeSetupOptions::store_url ("" SQLite)
  Backend backend = Backend::kInProcess;
  int edges = 0;
  int workers = 0;
  double latency_ms = 0;
};

struct SweepOptions {
  std::vector<Backend> backends = {Backend::kInProcess, Backend::kHttps};
  std::vector<int> edges = {10, 100, 1000};
  std::vector<int> workers = {1, 4, 16, 64};
  std::vector<double> latencies_ms = {0, 1, 5};
  int proxy_ips = 10;
  // A point whose estimated bound (with the largest C measured so far, or
  // default_calls_per_edge before any measurement) exceeds this is skipped.
  double point_budget_s = 60;
  // Points are not started once this much time has passed since the sweep began.
  double total_budget_s = 840;
  double default_calls_per_edge = 12;
  // The stores compared (EdgeSetupOptions::store_url): "" is SQLite.
  std::vector<std::string> stores = {""};
};

// The --quick subset: N in {10, 100}, K in {1, 16}, L in {0, 1 ms}, both backends.
SweepOptions QuickSweep();
// The whole grid of issue 8 with a 14-minute total budget.
SweepOptions FullSweep();

struct SkippedPoint {
  SweepPoint point;
  std::string reason;
};

struct FailedPoint {
  SweepPoint point;
  std::string error;
};

struct MachineInfo {
  int cores = 0;  // online CPUs
  std::string cpu_model;
  double cpu_mhz = 0;        // "cpu MHz" of /proc/cpuinfo (the first CPU), 0 when absent
  std::string temp_storage;  // what stores the temp directory (DirectoryStorage)
  double load_1m = 0;        // load average when the sweep started and ended
  double load_end_1m = 0;
};

MachineInfo ReadMachineInfo();

struct SweepReport {
  MachineInfo machine;
  SweepOptions options;
  double total_wall_s = 0;
  std::vector<EdgeSetupResult> results;
  std::vector<SkippedPoint> skipped;
  std::vector<FailedPoint> failed;
};

// Runs the grid in order N (ascending), backend, L, K. `progress`, when not null, gets one line
// per point as it finishes (or is skipped).
SweepReport RunSweep(const SweepOptions& options, std::ostream* progress);

nlohmann::json ReportToJson(const SweepReport& report);
// A Markdown document: machine line, one table row per measured point, skipped and failed lists.
std::string ReportToMarkdown(const SweepReport& report);
// Wall time and efficiency against K, one panel per (N, L), one line per backend.
std::string ReportToSvg(const SweepReport& report);

// ---- the `nsxv-md bench` subcommand ----

struct BenchCommandOptions {
  bool quick = false;             // QuickSweep() instead of FullSweep()
  std::string output_dir;         // where edge_setup.{json,md,svg} go; empty: no files
  bool json = false;              // print the JSON report instead of the Markdown table
  std::vector<Backend> backends;  // empty: both
  bool progress = true;           // one line per point on `out` while running (not with json)
  // Stores to compare: "sqlite" or a mysql URL (EdgeSetupOptions::store_url); empty: SQLite.
  std::vector<std::string> stores;
};

// Runs the sweep, writes the files (creating output_dir) and prints the table (or JSON) to `out`.
// Errors: kInvalidArgument for bad options, kInternal when a file cannot be written, kInternal
// naming the points when every point failed. Some failed points are reported, not an error.
Status RunBenchCommand(const BenchCommandOptions& options, std::ostream& out);

// The edge placement of every benchmark and test deployment on the embedded fake (transport
// zone, external portgroup, datacenter, resource pool, datastore), in one place.
plugin::PluginConfig SamplePluginConfig();

}  // namespace nsxv::bench
