// Sweeps over edge-setup points (RunSweep), their reports (JSON, Markdown, SVG) and the
// `nsxv-md bench` command (RunBenchCommand). One run is in edge_setup.cc.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "bench/edge_measure.h"
#include "bench/edge_setup.h"
#include "bench/edge_setup_internal.h"
#include "bench/plot.h"
#include "driver/store/mysql_url.h"

namespace nsxv::bench {

namespace {

using nlohmann::json;

std::string FormatMs(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", ms);
  return buf;
}

std::string Fixed(double v, int digits) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

std::string Mib(int64_t bytes) { return Fixed(static_cast<double>(bytes) / (1024.0 * 1024.0), 1); }

std::string PointName(const SweepPoint& p) {
  // SQLite, the default store, is not named (the lines read as before stores could be compared).
  return (p.store.empty() ? std::string() : std::string(StoreName(p.store)) + " ") +
         BackendName(p.backend) + " N=" + std::to_string(p.edges) +
         " K=" + std::to_string(p.workers) + " L=" + FormatMs(p.latency_ms) + "ms";
}

json PointJson(const SweepPoint& p) {
  return {{"store", StoreName(p.store)},
          {"backend", BackendName(p.backend)},
          {"edges", p.edges},
          {"workers", p.workers},
          {"latency_ms", p.latency_ms}};
}

}  // namespace

// ---- sweeps ----

SweepOptions QuickSweep() {
  SweepOptions o;
  o.edges = {10, 100};
  o.workers = {1, 16};
  o.latencies_ms = {0, 1};
  o.point_budget_s = 30;
  o.total_budget_s = 100;
  return o;
}

SweepOptions FullSweep() { return SweepOptions{}; }

MachineInfo ReadMachineInfo() {
  MachineInfo m;
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  m.cores = online > 0 ? static_cast<int>(online) : 0;
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    if (m.cpu_model.empty() && line.starts_with("model name")) {
      m.cpu_model = line.substr(colon + 1);
      m.cpu_model.erase(0, m.cpu_model.find_first_not_of(" \t"));
    } else if (m.cpu_mhz == 0 && line.starts_with("cpu MHz")) {
      m.cpu_mhz = std::atof(line.c_str() + colon + 1);
    }
    if (!m.cpu_model.empty() && m.cpu_mhz > 0) break;
  }
  std::error_code ec;
  m.temp_storage = DirectoryStorage(std::filesystem::temp_directory_path(ec).string());
  double load[1] = {0};
  if (getloadavg(load, 1) == 1) m.load_1m = load[0];
  m.load_end_1m = m.load_1m;
  return m;
}

SweepReport RunSweep(const SweepOptions& options, std::ostream* progress) {
  SweepReport report;
  report.machine = ReadMachineInfo();
  report.options = options;
  std::vector<int> edges = options.edges;
  std::sort(edges.begin(), edges.end());
  const auto start = SteadyClock::now();
  double max_c = 0;  // largest calls per edge measured so far
  for (int n : edges) {
    for (const std::string& store : options.stores) {
      for (Backend backend : options.backends) {
        for (double l : options.latencies_ms) {
          for (int k : options.workers) {
            const SweepPoint p{store, backend, n, k, l};
            const double elapsed = Seconds(SteadyClock::now() - start);
            const double c = max_c > 0 ? max_c : options.default_calls_per_edge;
            const double estimate = CriticalPathBound(n, k, c, l / 1000.0);
            std::string skip;
            if (estimate > options.point_budget_s) {
              skip = "estimated bound " + Fixed(estimate, 1) + " s exceeds the point budget of " +
                     Fixed(options.point_budget_s, 0) + " s";
            } else if (elapsed > options.total_budget_s) {
              skip = "sweep budget of " + Fixed(options.total_budget_s, 0) + " s used up";
            }
            if (!skip.empty()) {
              report.skipped.push_back({p, skip});
              if (progress) *progress << "skip " << PointName(p) << ": " << skip << "\n";
              continue;
            }
            EdgeSetupOptions eo;
            eo.backend = backend;
            eo.edges = n;
            eo.workers = k;
            eo.latency_ms = l;
            eo.proxy_ips = options.proxy_ips;
            eo.store_url = store;
            Result<EdgeSetupResult> r = RunEdgeSetup(eo);
            if (!r.ok()) {
              report.failed.push_back({p, OneLine(r.error().ToString())});
              if (progress)
                *progress << "FAIL " << PointName(p) << ": " << r.error().ToString() << "\n";
              continue;
            }
            max_c = std::max(max_c, r->calls_per_edge);
            if (progress) {
              *progress << "done " << PointName(p) << ": wall " << Fixed(r->wall_s, 3) << " s";
              if (l > 0) *progress << ", efficiency " << Fixed(r->efficiency, 2);
              *progress << ", " << Fixed(r->calls_per_edge, 1) << " calls/edge, "
                        << Fixed(r->cpu_per_edge_us, 0) << " us CPU/edge";
              if (r->server_cpu_per_edge_us >= 0) {
                *progress << " + " << Fixed(r->server_cpu_per_edge_us, 0) << " us server CPU/edge";
              }
              if (r->edges_failed > 0) *progress << ", " << r->edges_failed << " FAILED";
              *progress << std::endl;
            }
            report.results.push_back(std::move(r).value());
          }
        }
      }
    }
  }
  report.total_wall_s = Seconds(SteadyClock::now() - start);
  double load[1] = {0};
  if (getloadavg(load, 1) == 1) report.machine.load_end_1m = load[0];
  return report;
}

// ---- reports ----

json ReportToJson(const SweepReport& report) {
  json points = json::array();
  for (const EdgeSetupResult& r : report.results) {
    const EdgeSetupOptions& o = r.options;
    points.push_back({{"store", StoreName(o.store_url)},
                      {"backend", BackendName(o.backend)},
                      {"edges", o.edges},
                      {"workers", o.workers},
                      {"latency_ms", o.latency_ms},
                      {"proxy_ips", o.proxy_ips},
                      {"init_wall_s", r.init_wall_s},
                      {"init_calls", r.init_calls},
                      {"edges_ok", r.edges_ok},
                      {"edges_failed", r.edges_failed},
                      {"first_error", r.first_error},
                      {"wall_s", r.wall_s},
                      {"calls", r.calls},
                      {"calls_per_edge", r.calls_per_edge},
                      {"bound_s", r.bound_s},
                      {"efficiency", r.efficiency},
                      {"cpu_s", r.cpu_s},
                      {"cpu_per_edge_us", r.cpu_per_edge_us},
                      {"server_cpu_s", r.server_cpu_s},
                      {"server_cpu_per_edge_us", r.server_cpu_per_edge_us},
                      {"driver_cpu_per_edge_us", r.driver_cpu_per_edge_us},
                      {"fake_cpu_per_edge_us", r.fake_cpu_per_edge_us},
                      {"heap_growth_bytes", r.heap_growth_bytes},
                      {"sqlite_growth_bytes", r.sqlite_growth_bytes},
                      {"sqlite_end_bytes", r.sqlite_end_bytes},
                      {"driver_heap_end_bytes", r.driver_heap_end_bytes},
                      {"fake_journal_end_bytes", r.fake_journal_end_bytes},
                      {"fake_model_end_bytes", r.fake_model_end_bytes},
                      {"db_file_bytes", r.db_file_bytes},
                      {"peak_rss_kb", r.peak_rss_kb},
                      {"peak_rss_reset", r.peak_rss_reset},
                      {"rss_start_kb", r.rss_start_kb},
                      {"rss_end_kb", r.rss_end_kb}});
  }
  json skipped = json::array();
  for (const SkippedPoint& s : report.skipped) {
    json j = PointJson(s.point);
    j["reason"] = s.reason;
    skipped.push_back(std::move(j));
  }
  json failed = json::array();
  for (const FailedPoint& f : report.failed) {
    json j = PointJson(f.point);
    j["error"] = f.error;
    failed.push_back(std::move(j));
  }
  json backends = json::array();
  for (Backend b : report.options.backends) backends.push_back(BackendName(b));
  json stores = json::array();
  for (const std::string& s : report.options.stores) stores.push_back(StoreName(s));
  return {{"benchmark", "edge_setup"},
          {"machine",
           {{"cores", report.machine.cores},
            {"cpu_model", report.machine.cpu_model},
            {"cpu_mhz", report.machine.cpu_mhz},
            {"temp_storage", report.machine.temp_storage},
            {"load_1m_start", report.machine.load_1m},
            {"load_1m_end", report.machine.load_end_1m}}},
          {"sweep",
           {{"stores", stores},
            {"backends", backends},
            {"edges", report.options.edges},
            {"workers", report.options.workers},
            {"latencies_ms", report.options.latencies_ms},
            {"proxy_ips", report.options.proxy_ips},
            {"point_budget_s", report.options.point_budget_s},
            {"total_budget_s", report.options.total_budget_s}}},
          {"bound", "ceil(N/K) * C * L"},
          {"total_wall_s", report.total_wall_s},
          {"points", points},
          {"skipped", skipped},
          {"failed", failed}};
}

std::string ReportToMarkdown(const SweepReport& report) {
  std::ostringstream md;
  const MachineInfo& m = report.machine;
  md << "Edge setup: " << m.cores << " cores (" << (m.cpu_model.empty() ? "unknown" : m.cpu_model)
     << ", " << Fixed(m.cpu_mhz, 0) << " MHz), temp dir on " << m.temp_storage << ", load "
     << Fixed(m.load_1m, 2) << " -> " << Fixed(m.load_end_1m, 2) << ", " << report.options.proxy_ips
     << " proxy IPs, sweep " << Fixed(report.total_wall_s, 1)
     << " s. Bound = ceil(N/K) x C x L; efficiency = bound / wall.\n\n";
  md << "| store | backend | N | K | L ms | wall s | bound s | efficiency | edges/s | calls/edge "
        "| CPU µs/edge | driver µs/edge | fake µs/edge | server CPU µs/edge | peak RSS MiB "
        "| heap KiB/edge | SQLite KiB/edge | end MiB driver/SQLite/journal/model | init s "
        "| failed |\n";
  md << "|---|---|"
     << "---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        "\n";
  for (const EdgeSetupResult& r : report.results) {
    const EdgeSetupOptions& o = r.options;
    md << "| " << StoreName(o.store_url) << " | " << BackendName(o.backend) << " | " << o.edges
       << " | " << o.workers << " | " << FormatMs(o.latency_ms) << " | " << Fixed(r.wall_s, 3)
       << " | " << (o.latency_ms > 0 ? Fixed(r.bound_s, 3) : "-") << " | "
       << (o.latency_ms > 0 ? Fixed(r.efficiency, 2) : "-") << " | "
       << Fixed(r.wall_s > 0 ? o.edges / r.wall_s : 0, 0) << " | " << Fixed(r.calls_per_edge, 1)
       << " | " << Fixed(r.cpu_per_edge_us, 0) << " | " << Fixed(r.driver_cpu_per_edge_us, 0)
       << " | " << Fixed(r.fake_cpu_per_edge_us, 0) << " | "
       << (r.server_cpu_per_edge_us >= 0 ? Fixed(r.server_cpu_per_edge_us, 0) : "-") << " | "
       << Fixed(static_cast<double>(r.peak_rss_kb) / 1024.0, 1) << " | "
       << Fixed(static_cast<double>(r.heap_growth_bytes) / 1024.0 / o.edges, 1) << " | "
       << Fixed(static_cast<double>(r.sqlite_growth_bytes) / 1024.0 / o.edges, 1) << " | "
       << Mib(r.driver_heap_end_bytes) << "/" << Mib(r.sqlite_end_bytes) << "/"
       << Mib(r.fake_journal_end_bytes) << "/" << Mib(r.fake_model_end_bytes) << " | "
       << Fixed(r.init_wall_s, 3) << " | " << r.edges_failed << " |\n";
  }
  if (!report.skipped.empty()) {
    md << "\nSkipped:\n";
    for (const SkippedPoint& s : report.skipped) {
      md << "- " << PointName(s.point) << ": " << s.reason << "\n";
    }
  }
  if (!report.failed.empty()) {
    md << "\nFailed:\n";
    for (const FailedPoint& f : report.failed) {
      md << "- " << PointName(f.point) << ": " << f.error << "\n";
    }
  }
  for (const EdgeSetupResult& r : report.results) {
    if (!r.first_error.empty()) {
      md << "\nFirst edge error at "
         << PointName({r.options.store_url, r.options.backend, r.options.edges, r.options.workers,
                       r.options.latency_ms})
         << ": " << r.first_error << "\n";
    }
  }
  return md.str();
}

std::string ReportToSvg(const SweepReport& report) {
  PlotFigure fig;
  fig.title = "Edge setup: wall time (solid) and efficiency (dashed) against K workers";
  std::vector<int> edges = report.options.edges;
  std::sort(edges.begin(), edges.end());
  std::vector<double> lats = report.options.latencies_ms;
  std::sort(lats.begin(), lats.end());
  fig.columns = std::max<int>(1, static_cast<int>(lats.size()));
  static const std::map<Backend, std::string> kColors = {{Backend::kInProcess, "#1f77b4"},
                                                         {Backend::kHttps, "#d62728"}};
  // The second store's lines (MariaDB beside SQLite).
  static const std::map<Backend, std::string> kStoreColors = {{Backend::kInProcess, "#2ca02c"},
                                                              {Backend::kHttps, "#9467bd"}};
  for (int n : edges) {
    for (double l : lats) {
      PlotPanel panel;
      panel.title = "N=" + std::to_string(n) + ", L=" + FormatMs(l) + " ms";
      panel.x_label = "K (workers)";
      panel.y_label = "wall s";
      panel.log2_x = true;
      if (l > 0) {
        panel.y2_label = "efficiency";
        panel.y2_max = 1.0;
      }
      for (size_t si = 0; si < report.options.stores.size(); ++si)
        for (Backend b : report.options.backends) {
          const std::string& store = report.options.stores[si];
          const std::string name = report.options.stores.size() > 1
                                       ? std::string(StoreName(store)) + " " + BackendName(b)
                                       : std::string(BackendName(b));
          PlotSeries wall;
          wall.label = name + " wall";
          wall.color = si == 0 ? kColors.at(b) : kStoreColors.at(b);
          PlotSeries eff;
          eff.label = name + " eff";
          eff.color = wall.color;
          eff.dashed = true;
          eff.right_axis = true;
          for (const EdgeSetupResult& r : report.results) {
            const EdgeSetupOptions& o = r.options;
            if (o.store_url != store || o.backend != b || o.edges != n || o.latency_ms != l) {
              continue;
            }
            wall.points.emplace_back(o.workers, r.wall_s);
            eff.points.emplace_back(o.workers, r.efficiency);
          }
          panel.series.push_back(std::move(wall));
          if (l > 0) panel.series.push_back(std::move(eff));
        }
      fig.panels.push_back(std::move(panel));
    }
  }
  return RenderSvg(fig);
}

// ---- the bench command ----

namespace {

Status WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Internal("cannot write " + path.string());
  return Status::Ok();
}

}  // namespace

Status RunBenchCommand(const BenchCommandOptions& options, std::ostream& out) {
  SweepOptions sweep = options.quick ? QuickSweep() : FullSweep();
  if (!options.backends.empty()) {
    std::set<Backend> seen;
    sweep.backends.clear();
    for (Backend b : options.backends) {
      if (seen.insert(b).second) sweep.backends.push_back(b);
    }
  }
  if (!options.stores.empty()) {
    sweep.stores.clear();
    for (const std::string& s : options.stores) {
      if (s != "sqlite" && !store::IsMysqlUrl(s)) {
        return InvalidArgument("store: expected sqlite or mysql+pymysql://USER:PASSWORD@HOST/DB");
      }
      sweep.stores.push_back(s == "sqlite" ? "" : s);
    }
  }
  std::filesystem::path dir;
  if (!options.output_dir.empty()) {
    dir = options.output_dir;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return InvalidArgument("cannot create output directory " + dir.string() + ": " +
                             ec.message());
    }
  }
  const bool show_progress = options.progress && !options.json;
  if (show_progress) {
    out << "edge setup sweep (" << (options.quick ? "quick" : "full") << "): "
        << sweep.stores.size() * sweep.backends.size() * sweep.edges.size() * sweep.workers.size() *
               sweep.latencies_ms.size()
        << " points, budget " << Fixed(sweep.total_budget_s, 0) << " s" << std::endl;
  }
  const SweepReport report = RunSweep(sweep, show_progress ? &out : nullptr);
  const json doc = ReportToJson(report);
  const std::string md = ReportToMarkdown(report);
  if (!dir.empty()) {
    NSXV_RETURN_IF_ERROR(WriteFile(dir / "edge_setup.json", doc.dump(2) + "\n"));
    NSXV_RETURN_IF_ERROR(WriteFile(dir / "edge_setup.md", md));
    NSXV_RETURN_IF_ERROR(WriteFile(dir / "edge_setup.svg", ReportToSvg(report)));
  }
  if (options.json) {
    out << doc.dump(2) << "\n";
  } else {
    out << "\n" << md;
    if (!dir.empty()) {
      out << "\nwrote " << (dir / "edge_setup.json").string() << ", edge_setup.md, "
          << "edge_setup.svg\n";
    }
  }
  if (report.results.empty() && !report.failed.empty()) {
    std::string names;
    for (const FailedPoint& f : report.failed) {
      names += (names.empty() ? "" : "; ") + PointName(f.point) + ": " + f.error;
    }
    return Internal("every benchmark point failed: " + OneLine(names));
  }
  return Status::Ok();
}

}  // namespace nsxv::bench
