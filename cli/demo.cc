// nsxv-md demo: the main job on an embedded fake NSX-v manager (see commands.h / cli.h).
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include <spdlog/spdlog.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "driver/config/mapping.h"
#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/server.h"
#include "scenarios/invariants.h"
#include "scenarios/runner.h"

namespace nsxv::cli {
namespace {

using json = nlohmann::json;

// The demo's [nsxv] settings: the scenarios' base with three proxy edges and two Nova servers.
config::Config DemoBase() {
  config::Config c = scenarios::ScenarioBaseConfig();
  c.nsxv.mgt_net_proxy_ips = {"10.10.0.11", "10.10.0.12", "10.10.0.13"};
  c.nsxv.nova_metadata_ips = {"10.20.0.5", "10.20.0.6"};
  c.nsxv.metadata_shared_secret = "demo-shared-secret";
  return c;
}

// A private temporary directory, removed on destruction unless kept.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "nsxv-md-demo-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    if (!path_.empty() && !keep_) {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  void Keep() { keep_ = true; }

 private:
  std::string path_;
  bool keep_ = false;
};

struct Step {
  std::string name;
  std::string result;
  double seconds = 0;
  bool ok = true;
};

}  // namespace

int RunDemo(Session& s, const DemoOptions& options) {
  const auto total_start = std::chrono::steady_clock::now();
  std::vector<Step> steps;
  config::Config config;
  if (auto e = s.LoadConfig(&config, DemoBase())) return s.Fail(*e);
  if (config.origins.count("nsxv.manager_uri") > 0) {
    const std::string w = "demo uses its embedded fake manager; [nsxv] manager_uri is ignored";
    spdlog::warn("{}", w);
    s.warnings.push_back(w);
  }

  {
    Runtime probe(config);
    if (auto e = probe.CheckMetadataConfig()) return s.Fail(*e);
  }

  // 1. The fake manager over HTTPS on loopback with a generated certificate.
  auto start = std::chrono::steady_clock::now();
  fake::FakeOptions fake_options;
  fake_options.user = "admin";
  fake_options.password = "demo-" + std::to_string(std::random_device{}());
  fake::FakeManager manager(RealClock(), fake_options);
  fake::ServerOptions server_options;
  server_options.threads = 2;
  auto server = fake::Server::Start(manager, server_options);
  if (!server.ok()) {
    return s.Fail(
        {kExitFailed, "demo: cannot start the fake manager: " + server.error().message()});
  }
  const std::string url = (*server)->url();
  steps.push_back(
      {"fake NSX-v manager", url + " (self-signed certificate, verified)", SecondsSince(start)});

  config.nsxv.manager_uri = url;
  config.nsxv.user = fake_options.user;
  config.nsxv.password = fake_options.password;
  config.nsxv.ca_file.reset();
  config.nsxv.insecure = false;
  TempDir temp;
  if (config.origins.count("database.path") == 0) {
    if (temp.path().empty())
      return s.Fail({kExitFailed, "demo: cannot create a temporary directory"});
    config.database.path = temp.path() + "/nsxv.db";
  }
  if (options.keep_db) temp.Keep();

  Runtime runtime(config);
  if (auto e = runtime.Connect((*server)->ca_pem())) return s.Fail(*e);
  if (auto e = runtime.OpenStore()) return s.Fail(*e);
  if (auto e = runtime.MakeHandler(/*read_only=*/false)) return s.Fail(*e);

  // 2. Metadata init: internal network and one proxy edge per configured IP.
  start = std::chrono::steady_clock::now();
  auto init = runtime.handler().Init();
  if (!init.ok())
    return s.Fail({kExitFailed, "demo: metadata init failed: " + init.error().message()});
  size_t proxies_ok = 0;
  for (const auto& e : init->proxy_edges) proxies_ok += e.ok ? 1 : 0;
  steps.push_back({"metadata init",
                   std::to_string(proxies_ok) + "/" + std::to_string(init->proxy_edges.size()) +
                       " proxy edges ready, internal network " +
                       (init->created_internal_network ? "created" : "found"),
                   SecondsSince(start), init->complete()});

  // 3. Tenant routers with metadata, created by the workers (each with its own Context).
  start = std::chrono::steady_clock::now();
  const int n = options.routers;
  std::atomic<int> next{0};
  std::atomic<int> created{0};
  std::mutex errors_mu;
  std::vector<std::string> errors;
  {
    Progress progress(s.progress, "routers", static_cast<size_t>(n));
    std::vector<std::thread> workers;
    for (int w = 0; w < std::min(options.workers, std::max(n, 1)); ++w) {
      workers.emplace_back([&, w] {
        auto ctx = runtime.OpenContext("demo-tenant-" + std::to_string(w % 4 + 1));
        if (!ctx.ok()) {
          std::lock_guard<std::mutex> lock(errors_mu);
          errors.push_back(ctx.error().message());
          return;
        }
        for (int i = next++; i < n; i = next++) {
          char name[32];
          std::snprintf(name, sizeof(name), "demo-router-%03d", i + 1);
          plugin::RouterSpec spec;
          spec.name = name;
          auto router = runtime.handler().CreateRouterWithMetadata(**ctx, spec);
          if (router.ok()) {
            ++created;
          } else {
            std::lock_guard<std::mutex> lock(errors_mu);
            errors.push_back(std::string(name) + ": " + router.error().message());
          }
          progress.Tick();
        }
      });
    }
    for (auto& t : workers) t.join();
  }
  const double routers_seconds = SecondsSince(start);
  char rate[64];
  std::snprintf(rate, sizeof(rate), ", %.1f routers/s",
                routers_seconds > 0 ? created / routers_seconds : 0.0);
  steps.push_back({"routers with metadata",
                   std::to_string(created.load()) + "/" + std::to_string(n) + " configured by " +
                       std::to_string(options.workers) + " workers" + rate,
                   routers_seconds, created.load() == n});
  for (const std::string& e : errors) spdlog::error("demo: {}", e);

  // 4. Invariants of the DB against the backend.
  start = std::chrono::steady_clock::now();
  scenarios::CheckOptions check_options;
  check_options.list_virtual_wires = scenarios::FakeModelWires(manager.model());
  check_options.metadata_path_client = &runtime.client();
  auto check = scenarios::CheckInvariants(runtime.admin_context(), runtime.vcns(),
                                          config::ToMdProxyConfig(runtime.config()), check_options);
  if (!check.ok()) return s.Fail({kExitFailed, "demo: check failed: " + check.error().message()});
  steps.push_back({"invariant checks",
                   std::to_string(check->passed()) + "/" + std::to_string(check->checks) +
                       " passed (" + std::to_string(check->backend_edges) +
                       " edges on the backend)",
                   SecondsSince(start), check->ok()});
  steps.push_back(
      {"metadata path",
       std::to_string(check->metadata_paths_proven) + "/" + std::to_string(check->metadata_paths) +
           " routers proven",
       0.0, check->metadata_paths_proven == check->metadata_paths && check->metadata_paths == n});

  const uint64_t requests = runtime.requests_sent();
  const double total = SecondsSince(total_start);
  bool ok = true;
  for (const Step& step : steps) ok = ok && step.ok;

  json steps_json = json::array();
  for (const Step& step : steps) {
    steps_json.push_back(
        {{"step", step.name}, {"result", step.result}, {"seconds", step.seconds}, {"ok", step.ok}});
  }
  s.result = {{"manager_uri", url},
              {"database", config.database.path},
              {"steps", steps_json},
              {"init", InitReportJson(*init)},
              {"routers_requested", n},
              {"routers_configured", created.load()},
              {"workers", options.workers},
              {"router_errors", errors},
              {"check", CheckReportJson(*check)},
              {"nsx_requests", requests},
              {"total_seconds", total}};

  if (!s.json) {
    s.out << "nsxv-md demo: metadata proxy on an embedded fake NSX-v manager\n\n";
    PrintInitReport(s.out, *init);
    s.out << "\n";
    PrintViolations(s.out, *check);
    Table t({"STEP", "RESULT", "TIME", "OK"});
    for (const Step& step : steps) {
      t.AddRow({step.name, step.result, FormatDuration(step.seconds), step.ok ? "ok" : "FAILED"});
    }
    t.AddRow({"total", std::to_string(requests) + " NSX requests over HTTPS", FormatDuration(total),
              ok ? "ok" : "FAILED"});
    t.Print(s.out);
    if (options.keep_db) s.out << "\ndatabase kept: " << config.database.path << "\n";
    s.out << "\n" << (ok ? "demo passed" : "demo FAILED") << "\n";
  }
  if (!ok) return s.Fail({kExitFailed, "demo failed (see the table above)"});
  return kExitOk;
}

}  // namespace nsxv::cli
