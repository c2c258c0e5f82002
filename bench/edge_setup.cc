#include "bench/edge_setup.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include "bench/plot.h"
#include "driver/locking/lock.h"
#include "driver/md_proxy/md_proxy.h"
#include "driver/nsxv/api_client.h"
#include "driver/nsxv/vcns.h"
#include "driver/plugin/plugin.h"
#include "driver/store/context.h"
#include "driver/transport/beast_transport.h"
#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/fault_plan.h"
#include "fake_nsxv/in_process_transport.h"
#include "fake_nsxv/server.h"

namespace nsxv::bench {

namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kBenchTenant = "bench-tenant";

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// A "VmRSS:"-style field of /proc/self/status in kB; -1 when unavailable.
int64_t ProcStatusKb(std::string_view field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(field)) return std::strtoll(line.c_str() + field.size(), nullptr, 10);
  }
  return -1;
}

// Resets VmHWM to the current RSS (Linux >= 4.0); false when not permitted.
bool ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  if (!out) return false;
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

int64_t MaxRssKb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// A temporary directory removed (recursively) on destruction.
class TempDir {
 public:
  TempDir() {
    std::error_code ec;
    std::string tmpl = (std::filesystem::temp_directory_path(ec) / "nsxv-bench-XXXXXX").string();
    if (ec) tmpl = "/tmp/nsxv-bench-XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Status ValidateOptions(const EdgeSetupOptions& o) {
  if (o.edges < 1 || o.edges > 100000) return InvalidArgument("edges must be in 1..100000");
  if (o.workers < 1 || o.workers > 1024) return InvalidArgument("workers must be in 1..1024");
  if (!(o.latency_ms >= 0) || o.latency_ms > 10000) {
    return InvalidArgument("latency_ms must be in 0..10000");
  }
  if (o.proxy_ips < 1 || o.proxy_ips > 200) return InvalidArgument("proxy_ips must be in 1..200");
  if (o.init_threads < 1 || o.init_threads > 64) {
    return InvalidArgument("init_threads must be in 1..64");
  }
  if (o.server_threads < 1 || o.server_threads > fake::kMaxServerThreads) {
    return InvalidArgument("server_threads must be in 1.." +
                           std::to_string(fake::kMaxServerThreads));
  }
  return Status::Ok();
}

plugin::PluginConfig BenchPluginConfig() {
  plugin::PluginConfig c;
  c.vdn_scope_id = "vdnscope-1";
  c.external_network = "dvportgroup-20";
  c.datacenter_moid = "datacenter-2";
  c.resource_pool_id = "domain-c7";
  c.datastore_id = "datastore-12";
  return c;
}

md_proxy::MdProxyConfig BenchMdConfig(const EdgeSetupOptions& o) {
  md_proxy::MdProxyConfig c;
  c.mgt_net_moid = "dvportgroup-mgt";
  for (int i = 0; i < o.proxy_ips; ++i) {
    c.mgt_net_proxy_ips.push_back("10.20." + std::to_string(i / 200) + "." +
                                  std::to_string(10 + i % 200));
  }
  c.mgt_net_proxy_netmask = "255.255.0.0";
  c.mgt_net_default_gateway = "10.20.255.254";
  c.nova_metadata_ips = {"10.30.0.5"};
  c.max_init_threads = o.init_threads;
  return c;
}

// The fake, the transport to it and the driver objects of one run, built in dependency order
// and destroyed in reverse.
struct Stack {
  std::unique_ptr<fake::FakeManager> manager;
  std::unique_ptr<fake::Server> server;
  std::unique_ptr<Transport> transport;
  std::unique_ptr<driver::ApiClient> client;
  std::unique_ptr<driver::Vcns> vcns;
  std::unique_ptr<locking::HostLockProvider> locks;
  std::unique_ptr<plugin::Plugin> plugin;
  std::unique_ptr<md_proxy::MetadataProxyHandler> handler;

  ~Stack() {
    handler.reset();
    plugin.reset();
    locks.reset();
    vcns.reset();
    client.reset();
    transport.reset();
    if (server) server->Stop();
    server.reset();
    manager.reset();
  }
};

Status BuildStack(const EdgeSetupOptions& o, const std::string& db_path, Stack& s) {
  s.manager = std::make_unique<fake::FakeManager>(RealClock(), fake::FakeOptions{});
  if (o.latency_ms > 0) {
    const json plan = {{"rules",
                        {{{"name", "backend-latency"},
                          {"path", "/**"},
                          {"fault", {{"kind", "latency"}, {"fixed_ms", o.latency_ms}}}}}}};
    NSXV_ASSIGN_OR_RETURN(auto parsed, fake::FaultPlan::FromJson(plan, 1));
    s.manager->SetFaultPlan(std::move(parsed));
  }
  std::string uri = "https://nsxmgr.bench.invalid";
  if (o.backend == Backend::kInProcess) {
    s.transport = std::make_unique<fake::InProcessTransport>(*s.manager);
  } else {
    fake::ServerOptions so;
    so.threads = o.server_threads;
    NSXV_ASSIGN_OR_RETURN(s.server, fake::Server::Start(*s.manager, so));
    uri = s.server->url();
    BeastTransportOptions to;
    to.url = uri;
    to.ca_pem = s.server->ca_pem();
    to.pool_size = std::max(o.workers, o.init_threads);
    NSXV_ASSIGN_OR_RETURN(s.transport, BeastTransport::Create(to));
  }
  driver::ApiClientOptions co;
  co.manager_uri = uri;
  co.user = "admin";
  co.password = "default";
  s.client = std::make_unique<driver::ApiClient>(*s.transport, RealClock(), co);
  s.vcns = std::make_unique<driver::Vcns>(*s.client);
  s.locks = std::make_unique<locking::HostLockProvider>(RealClock(), locking::HostLockOptions{});
  s.plugin = std::make_unique<plugin::Plugin>(*s.vcns, *s.locks, BenchPluginConfig());
  md_proxy::MdProxyConfig md = BenchMdConfig(o);
  NSXV_RETURN_IF_ERROR(md.Validate());
  s.handler = std::make_unique<md_proxy::MetadataProxyHandler>(
      *s.vcns, md_proxy::MakeContextFactory(db_path), *s.plugin, *s.locks, RealClock(),
      std::move(md));
  return Status::Ok();
}

std::string OneLine(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  if (s.size() > 300) s = s.substr(0, 297) + "...";
  return s;
}

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

std::string PointName(const SweepPoint& p) {
  return std::string(BackendName(p.backend)) + " N=" + std::to_string(p.edges) +
         " K=" + std::to_string(p.workers) + " L=" + FormatMs(p.latency_ms) + "ms";
}

json PointJson(const SweepPoint& p) {
  return {{"backend", BackendName(p.backend)},
          {"edges", p.edges},
          {"workers", p.workers},
          {"latency_ms", p.latency_ms}};
}

}  // namespace

const char* BackendName(Backend backend) {
  return backend == Backend::kHttps ? "https" : "inprocess";
}

Result<Backend> ParseBackend(std::string_view name) {
  if (name == "inprocess" || name == "in-process") return Backend::kInProcess;
  if (name == "https") return Backend::kHttps;
  return InvalidArgument("unknown backend \"" + std::string(name) + "\" (known: inprocess, https)");
}

double CriticalPathBound(int n, int k, double calls_per_edge, double latency_s) {
  if (n <= 0 || k <= 0 || !(calls_per_edge > 0) || !(latency_s > 0)) return 0;
  const int rounds = (n + k - 1) / k;
  return static_cast<double>(rounds) * calls_per_edge * latency_s;
}

double Efficiency(double bound_s, double wall_s) {
  if (!(bound_s > 0) || !(wall_s > 0)) return 0;
  return bound_s / wall_s;
}

Result<EdgeSetupResult> RunEdgeSetup(const EdgeSetupOptions& options) {
  NSXV_RETURN_IF_ERROR(ValidateOptions(options));
  EdgeSetupResult result;
  result.options = options;
  result.peak_rss_reset = ResetPeakRss();
  result.rss_start_kb = ProcStatusKb("VmRSS:");

  TempDir temp;
  std::string dir = options.work_dir;
  if (dir.empty()) {
    if (temp.path().empty()) return Internal("cannot create a temporary directory");
    dir = temp.path();
  }
  const std::string db_path = dir + "/bench.db";
  std::error_code ec;
  std::filesystem::remove(db_path, ec);
  std::filesystem::remove(db_path + "-wal", ec);
  std::filesystem::remove(db_path + "-shm", ec);

  Stack stack;
  NSXV_RETURN_IF_ERROR(BuildStack(options, db_path, stack));
  {
    // Creates the schema once on this thread before any worker opens the file.
    NSXV_ASSIGN_OR_RETURN(auto ctx, md_proxy::MakeContextFactory(db_path)(true));
  }

  // Init phase.
  const uint64_t calls0 = stack.manager->journal().total();
  const auto init0 = SteadyClock::now();
  NSXV_ASSIGN_OR_RETURN(const md_proxy::InitReport init, stack.handler->Init());
  result.init_wall_s = Seconds(SteadyClock::now() - init0);
  if (!init.complete()) {
    std::string failed;
    for (const auto& e : init.proxy_edges) {
      if (!e.ok) failed += (failed.empty() ? "" : "; ") + e.ext_ip + ": " + e.error;
    }
    return Internal("metadata init incomplete: " + OneLine(failed));
  }
  const uint64_t calls1 = stack.manager->journal().total();
  result.init_calls = calls1 - calls0;

  // Edge phase: K workers, each with its own Context, take router indexes from `next`.
  const int n = options.edges;
  const int k = options.workers;
  std::atomic<int> next{0};
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::mutex error_mu;
  std::string first_error;
  std::latch ready(k);
  std::latch go(1);
  auto record_error = [&](const std::string& message) {
    std::lock_guard<std::mutex> lock(error_mu);
    if (first_error.empty()) first_error = OneLine(message);
  };
  auto worker = [&] {
    store::ContextOptions co;
    co.path = db_path;
    co.tenant_id = kBenchTenant;
    Result<std::unique_ptr<store::Context>> ctx = store::Context::Open(co);
    ready.count_down();
    go.wait();
    if (!ctx.ok()) {
      record_error("opening a worker context: " + ctx.error().ToString());
      // Claim nothing more than the remaining work so the run still ends.
      while (next.fetch_add(1) < n) failed.fetch_add(1);
      return;
    }
    for (int i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
      plugin::RouterSpec spec;
      spec.name = "bench-router-" + std::to_string(i);
      auto router = stack.handler->CreateRouterWithMetadata(**ctx, spec);
      if (router.ok()) {
        ok.fetch_add(1);
      } else {
        failed.fetch_add(1);
        record_error(spec.name + ": " + router.error().ToString());
      }
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(k));
  for (int i = 0; i < k; ++i) threads.emplace_back(worker);
  ready.wait();
  const double cpu0 = ProcessCpuSeconds();
  const auto t0 = SteadyClock::now();
  go.count_down();
  for (auto& t : threads) t.join();
  const auto t1 = SteadyClock::now();
  const double cpu1 = ProcessCpuSeconds();
  const uint64_t calls2 = stack.manager->journal().total();

  result.edges_ok = ok.load();
  result.edges_failed = failed.load();
  result.first_error = first_error;
  result.wall_s = Seconds(t1 - t0);
  result.calls = calls2 - calls1;
  result.calls_per_edge = static_cast<double>(result.calls) / n;
  result.bound_s = CriticalPathBound(n, k, result.calls_per_edge, options.latency_ms / 1000.0);
  result.efficiency = Efficiency(result.bound_s, result.wall_s);
  result.cpu_s = cpu1 - cpu0;
  result.cpu_per_edge_us = result.cpu_s * 1e6 / n;
  result.rss_end_kb = ProcStatusKb("VmRSS:");
  const int64_t hwm = ProcStatusKb("VmHWM:");
  if (result.peak_rss_reset && hwm > 0) {
    result.peak_rss_kb = hwm;
  } else {
    result.peak_rss_reset = false;
    result.peak_rss_kb = MaxRssKb();
  }
  return result;
}

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
    if (line.starts_with("model name")) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        m.cpu_model = line.substr(colon + 1);
        m.cpu_model.erase(0, m.cpu_model.find_first_not_of(" \t"));
      }
      break;
    }
  }
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
    for (Backend backend : options.backends) {
      for (double l : options.latencies_ms) {
        for (int k : options.workers) {
          const SweepPoint p{backend, n, k, l};
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
            if (r->edges_failed > 0) *progress << ", " << r->edges_failed << " FAILED";
            *progress << std::endl;
          }
          report.results.push_back(std::move(r).value());
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
    points.push_back({{"backend", BackendName(o.backend)},
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
  return {{"benchmark", "edge_setup"},
          {"machine",
           {{"cores", report.machine.cores},
            {"cpu_model", report.machine.cpu_model},
            {"load_1m_start", report.machine.load_1m},
            {"load_1m_end", report.machine.load_end_1m}}},
          {"sweep",
           {{"backends", backends},
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
     << "), load " << Fixed(m.load_1m, 2) << " -> " << Fixed(m.load_end_1m, 2) << ", "
     << report.options.proxy_ips << " proxy IPs, sweep " << Fixed(report.total_wall_s, 1)
     << " s. Bound = ceil(N/K) x C x L; efficiency = bound / wall.\n\n";
  md << "| backend | N | K | L ms | wall s | bound s | efficiency | edges/s | calls/edge "
        "| CPU µs/edge | peak RSS MiB | init s | failed |\n";
  md << "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const EdgeSetupResult& r : report.results) {
    const EdgeSetupOptions& o = r.options;
    md << "| " << BackendName(o.backend) << " | " << o.edges << " | " << o.workers << " | "
       << FormatMs(o.latency_ms) << " | " << Fixed(r.wall_s, 3) << " | "
       << (o.latency_ms > 0 ? Fixed(r.bound_s, 3) : "-") << " | "
       << (o.latency_ms > 0 ? Fixed(r.efficiency, 2) : "-") << " | "
       << Fixed(r.wall_s > 0 ? o.edges / r.wall_s : 0, 0) << " | " << Fixed(r.calls_per_edge, 1)
       << " | " << Fixed(r.cpu_per_edge_us, 0) << " | "
       << Fixed(static_cast<double>(r.peak_rss_kb) / 1024.0, 1) << " | " << Fixed(r.init_wall_s, 3)
       << " | " << r.edges_failed << " |\n";
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
         << PointName({r.options.backend, r.options.edges, r.options.workers, r.options.latency_ms})
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
      for (Backend b : report.options.backends) {
        PlotSeries wall;
        wall.label = std::string(BackendName(b)) + " wall";
        wall.color = kColors.at(b);
        PlotSeries eff;
        eff.label = std::string(BackendName(b)) + " eff";
        eff.color = kColors.at(b);
        eff.dashed = true;
        eff.right_axis = true;
        for (const EdgeSetupResult& r : report.results) {
          const EdgeSetupOptions& o = r.options;
          if (o.backend != b || o.edges != n || o.latency_ms != l) continue;
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
        << sweep.backends.size() * sweep.edges.size() * sweep.workers.size() *
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
