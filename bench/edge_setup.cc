// One edge-setup run (RunEdgeSetup): the fake + driver stack, the timed edge phase and the
// process measurements; plus the small pure helpers of edge_setup.h. Sweeps, reports and the
// bench command are in edge_sweep.cc.
#include "bench/edge_setup.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <latch>
#include <memory>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include "bench/edge_measure.h"
#include "bench/edge_setup_internal.h"
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

constexpr const char* kBenchTenant = "bench-tenant";

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
  // In-process only: the driver's view of `transport`, counting the CPU spent inside the fake.
  std::unique_ptr<CpuTimedTransport> timed;
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
    timed.reset();
    transport.reset();
    if (server) server->Stop();
    server.reset();
    manager.reset();
  }
};

Status BuildStack(const EdgeSetupOptions& o, const store::ContextOptions& db, Stack& s) {
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
  Transport* to_fake = s.transport.get();
  if (o.backend == Backend::kInProcess) {
    s.timed = std::make_unique<CpuTimedTransport>(*s.transport);
    to_fake = s.timed.get();
  }
  s.client = std::make_unique<driver::ApiClient>(*to_fake, RealClock(), co);
  s.vcns = std::make_unique<driver::Vcns>(*s.client);
  s.locks = std::make_unique<locking::HostLockProvider>(RealClock(), locking::HostLockOptions{});
  s.plugin = std::make_unique<plugin::Plugin>(*s.vcns, *s.locks, SamplePluginConfig());
  md_proxy::MdProxyConfig md = BenchMdConfig(o);
  NSXV_RETURN_IF_ERROR(md.Validate());
  s.handler = std::make_unique<md_proxy::MetadataProxyHandler>(
      *s.vcns, md_proxy::MakeContextFactory(db), *s.plugin, *s.locks, RealClock(), std::move(md));
  return Status::Ok();
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
  NSXV_ASSIGN_OR_RETURN(const std::unique_ptr<BenchStore> db,
                        BenchStore::Open(options.store_url, dir));

  Stack stack;
  NSXV_RETURN_IF_ERROR(BuildStack(options, db->options(), stack));
  {
    // Creates the schema once on this thread before any worker opens the store.
    NSXV_ASSIGN_OR_RETURN(auto ctx, md_proxy::MakeContextFactory(db->options())(true));
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
  // Each worker's Context, kept open past the edge phase so the memory measurement sees it.
  std::vector<std::unique_ptr<store::Context>> contexts;
  std::latch ready(k);
  std::latch go(1);
  auto record_error = [&](const std::string& message) {
    std::lock_guard<std::mutex> lock(error_mu);
    if (first_error.empty()) first_error = OneLine(message);
  };
  auto worker = [&] {
    store::ContextOptions co = db->options();
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
    std::lock_guard<std::mutex> lock(error_mu);
    contexts.push_back(std::move(ctx).value());
  };
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(k));
  for (int i = 0; i < k; ++i) threads.emplace_back(worker);
  ready.wait();
  const auto fake_cpu = [&] {
    return stack.timed ? stack.timed->cpu_seconds() : stack.server->io_cpu_seconds();
  };
  const int64_t heap0 = HeapInUseBytes();
  const int64_t sqlite0 = SqliteMemoryBytes();
  const double fake_cpu0 = fake_cpu();
  const double cpu0 = ProcessCpuSeconds();
  const double server_cpu0 = db->ServerCpuSeconds();
  const auto t0 = SteadyClock::now();
  go.count_down();
  for (auto& t : threads) t.join();
  const auto t1 = SteadyClock::now();
  const double cpu1 = ProcessCpuSeconds();
  const double server_cpu1 = db->ServerCpuSeconds();
  const double fake_cpu1 = fake_cpu();
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
  if (server_cpu0 >= 0 && server_cpu1 >= 0) {
    result.server_cpu_s = server_cpu1 - server_cpu0;
    result.server_cpu_per_edge_us = result.server_cpu_s * 1e6 / n;
  }
  result.fake_cpu_s = fake_cpu1 - fake_cpu0;
  result.driver_cpu_s = result.cpu_s - result.fake_cpu_s;
  result.driver_cpu_per_edge_us = result.driver_cpu_s * 1e6 / n;
  result.fake_cpu_per_edge_us = result.fake_cpu_s * 1e6 / n;
  result.rss_end_kb = ProcStatusKb("VmRSS:");
  const int64_t hwm = ProcStatusKb("VmHWM:");
  if (result.peak_rss_reset && hwm > 0) {
    result.peak_rss_kb = hwm;
  } else {
    result.peak_rss_reset = false;
    result.peak_rss_kb = MaxRssKb();
  }
  // SQLite only: a MariaDB store's data lives in the server's files.
  if (const std::string& db_path = db->options().path;
      db->options().connection.empty() && !db_path.empty()) {
    for (const char* suffix : {"", "-wal"}) {
      std::error_code ec;
      const auto size = std::filesystem::file_size(db_path + suffix, ec);
      if (!ec) result.db_file_bytes += static_cast<int64_t>(size);
    }
  }

  // Memory by teardown, in dependency order (see edge_setup.h).
  const int64_t heap_end = HeapInUseBytes();
  result.sqlite_end_bytes = SqliteMemoryBytes();
  result.heap_growth_bytes = heap_end - heap0;
  result.sqlite_growth_bytes = result.sqlite_end_bytes - sqlite0;
  contexts.clear();
  stack.handler.reset();
  stack.plugin.reset();
  stack.locks.reset();
  stack.vcns.reset();
  stack.client.reset();
  stack.timed.reset();
  if (stack.server) stack.transport.reset();  // the HTTPS client; in-process, it is the fake's
  const int64_t heap_driverless = HeapInUseBytes();
  result.driver_heap_end_bytes = heap_end - heap_driverless - result.sqlite_end_bytes;
  stack.manager->journal().Clear();
  const int64_t heap_journalless = HeapInUseBytes();
  result.fake_journal_end_bytes = heap_driverless - heap_journalless;
  stack.transport.reset();
  if (stack.server) stack.server->Stop();
  stack.server.reset();
  stack.manager.reset();
  result.fake_model_end_bytes = heap_journalless - HeapInUseBytes();
  return result;
}

// Shared with edge_sweep.cc (edge_setup_internal.h).

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string OneLine(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  if (s.size() > 300) s = s.substr(0, 297) + "...";
  return s;
}

plugin::PluginConfig SamplePluginConfig() {
  plugin::PluginConfig c;
  c.vdn_scope_id = "vdnscope-1";
  c.external_network = "dvportgroup-20";
  c.datacenter_moid = "datacenter-2";
  c.resource_pool_id = "domain-c7";
  c.datastore_id = "datastore-12";
  return c;
}

}  // namespace nsxv::bench
