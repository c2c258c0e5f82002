#include "scenarios/crash_sweep.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "driver/common/clock.h"
#include "driver/plugin/recovery.h"
#include "driver/store/context.h"
#include "driver/store/neutron_db.h"
#include "driver/store/nsxv_db.h"
#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/server.h"

namespace nsxv::scenarios {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct FlowSpec {
  std::string name;
  std::vector<std::vector<std::string>> setup;  // commands run before the flow
  std::vector<std::string> command;
  std::string object;  // the flow's router or network name ("" for init)
  bool network = false;
};

const std::vector<FlowSpec>& Flows() {
  static const std::vector<FlowSpec> flows = {
      {"init", {}, {"init"}, "", false},
      {"router-create", {{"init"}}, {"router", "create", "r1"}, "r1", false},
      {"router-delete",
       {{"init"}, {"router", "create", "r1"}},
       {"router", "delete", "r1"},
       "r1",
       false},
      {"network-create",
       {{"init"}},
       {"network", "create", "net1", "--cidr", "10.1.0.0/24"},
       "net1",
       true},
  };
  return flows;
}

struct Child {
  int exit_code = -1;   // when exited
  bool killed = false;  // ended by SIGKILL
  std::string out;
};

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class Sweep {
 public:
  explicit Sweep(const CrashSweepOptions& options) : options_(options) {}
  ~Sweep() {
    if (server_) server_->Stop();
    if (!options_.keep_work_dir && !root_.empty()) {
      std::error_code ec;
      fs::remove_all(root_, ec);
    }
  }
  Sweep(const Sweep&) = delete;
  Sweep& operator=(const Sweep&) = delete;

  Status Start() {
    if (options_.binary.empty() || access(options_.binary.c_str(), X_OK) != 0) {
      return InvalidArgument("crash sweep: nsxv-md binary '" + options_.binary +
                             "' is not executable");
    }
    char tmpl[] = "/tmp/nsxv-crash-sweep-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return Internal("crash sweep: cannot create a work directory");
    root_ = tmpl;
    manager_ = std::make_unique<fake::FakeManager>(RealClock(), fake::FakeOptions{});
    NSXV_ASSIGN_OR_RETURN(server_, fake::Server::Start(*manager_, fake::ServerOptions{}));
    std::ofstream(root_ / "ca.pem") << server_->ca_pem();
    return Status::Ok();
  }

  Result<CrashSweepReport> Run() {
    const auto start = std::chrono::steady_clock::now();
    for (const std::string& name : options_.flows) {
      const FlowSpec* flow = nullptr;
      for (const FlowSpec& f : Flows()) {
        if (f.name == name) flow = &f;
      }
      if (flow == nullptr) return InvalidArgument("crash sweep: unknown flow '" + name + "'");
      NSXV_RETURN_IF_ERROR(RunFlow(*flow));
    }
    report_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return std::move(report_);
  }

 private:
  std::string WriteConfig(const fs::path& dir, const std::string& node) const {
    const fs::path file = dir / (node + ".ini");
    std::ofstream(file) << "[nsxv]\n"
                        << "manager_uri = " << server_->url() << "/__node/" << node << "\n"
                        << "ca_file = " << (root_ / "ca.pem").string() << "\n"
                        << "user = admin\npassword = default\n"
                        << "mgt_net_moid = dvportgroup-mgmt\n"
                        << "mgt_net_proxy_ips = 10.10.0.5, 10.10.0.6\n"
                        << "mgt_net_proxy_netmask = 255.255.255.0\n"
                        << "mgt_net_default_gateway = 10.10.0.1\n"
                        << "nova_metadata_ips = 10.20.0.5\n"
                        << "metadata_shared_secret = sweep-secret\n"
                        << "vdn_scope_id = vdnscope-1\n"
                        << "external_network = dvportgroup-ext\n"
                        << "datacenter_moid = datacenter-2\n"
                        << "max_init_threads = 1\n"
                        << "[database]\npath = " << (dir / "md.db").string() << "\n";
    return file.string();
  }

  // Starts nsxv-md as node `node` in `dir`; its pid is stored in `slot` (when given) before it
  // may send anything. Returns -1 when it cannot start.
  pid_t Spawn(const fs::path& dir, const std::string& node, std::vector<std::string> args,
              std::atomic<pid_t>* slot) {
    const std::string config = WriteConfig(dir, node);
    args.insert(args.begin(), {options_.binary, "-q", "--config", config});
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string out_file = (dir / (node + ".out")).string();
    int go[2];
    if (pipe(go) != 0) return -1;
    const pid_t pid = fork();
    if (pid == 0) {
      // Only async-signal-safe calls until execv.
      char byte = 0;
      close(go[1]);
      if (read(go[0], &byte, 1) != 1) _exit(127);
      const int fd = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int null = open("/dev/null", O_WRONLY);
      if (fd >= 0) dup2(fd, STDOUT_FILENO);
      if (null >= 0) dup2(null, STDERR_FILENO);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(go[0]);
    if (pid < 0) {
      close(go[1]);
      return -1;
    }
    if (slot != nullptr) slot->store(pid);
    const char byte = 1;
    (void)!write(go[1], &byte, 1);  // the child starts only once its pid is known
    close(go[1]);
    return pid;
  }

  static Child Wait(pid_t pid, std::atomic<pid_t>* slot, const fs::path& out_file) {
    Child result;
    if (pid < 0) return result;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (slot != nullptr) slot->store(0);
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    result.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    result.out = ReadFile(out_file);
    return result;
  }

  // Runs nsxv-md as node `node` in `dir`; `target`: the crash point's kill may name this child.
  Child RunChild(const fs::path& dir, const std::string& node, std::vector<std::string> args,
                 bool target) {
    std::atomic<pid_t>* slot = target ? &child_ : nullptr;
    const pid_t pid = Spawn(dir, node, std::move(args), slot);
    return Wait(pid, slot, dir / (node + ".out"));
  }

 public:
  // Two processes run random operations at once; one of them is SIGKILLed at a random request
  // each round, until `kills` kills landed (at most 20 rounds per kill). Then init, repair
  // --yes and check must converge.
  Result<CrashSoakReport> Soak(uint64_t seed, int kills) {
    const auto start = std::chrono::steady_clock::now();
    CrashSoakReport out;
    manager_->model().Reset();
    const fs::path dir = root_ / ("soak-" + std::to_string(seed));
    fs::create_directories(dir);
    if (RunChild(dir, "soak-setup", {"init"}, false).exit_code != 0) {
      return Internal("crash soak: the first init failed");
    }
    std::mt19937_64 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
    auto op = [&]() -> std::vector<std::string> {
      const std::string i = std::to_string(1 + pick(4));
      switch (pick(4)) {
        case 0:
          return {"init"};
        case 1:
          return {"router", "create", "r" + i};
        case 2:
          return {"router", "delete", "r" + i};
        default:
          return {"network", "create", "n" + i, "--cidr", "10.1." + i + ".0/24"};
      }
    };
    std::atomic<pid_t> slots[2] = {0, 0};
    for (int round = 1; out.kills < kills && round <= 20 * kills; ++round) {
      out.rounds = round;
      const int victim = pick(2);
      fake::CrashPoint point;
      point.node = "soak-" + std::to_string(round) + "-" + std::to_string(victim);
      point.request = 1 + pick(14);
      point.phase = pick(2) == 0 ? fake::CrashPhase::kBeforeApply : fake::CrashPhase::kAfterApply;
      point.kill = [&slots, victim] {
        const pid_t pid = slots[victim].load();
        if (pid > 0) ::kill(pid, SIGKILL);
      };
      manager_->SetCrashPoint(point);
      pid_t pids[2];
      std::string nodes[2];
      for (int p = 0; p < 2; ++p) {
        nodes[p] = "soak-" + std::to_string(round) + "-" + std::to_string(p);
        pids[p] = Spawn(dir, nodes[p], op(), &slots[p]);
      }
      for (int p = 0; p < 2; ++p) {
        const Child c = Wait(pids[p], &slots[p], dir / (nodes[p] + ".out"));
        if (c.killed) ++out.kills;
      }
      manager_->SetCrashPoint(std::nullopt);
    }
    const Child init = RunChild(dir, "soak-recover", {"init"}, false);
    const Child repair = RunChild(dir, "soak-recover", {"--json", "repair", "--yes"}, false);
    const Child check = RunChild(dir, "soak-recover", {"--json", "check"}, false);
    out.converged = init.exit_code == 0 && repair.exit_code == 0 && check.exit_code == 0;
    if (!out.converged) {
      out.failure = "init exit " + std::to_string(init.exit_code) + ", repair --yes exit " +
                    std::to_string(repair.exit_code) + ", check exit " +
                    std::to_string(check.exit_code);
      const json doc = json::parse(check.out, nullptr, false);
      if (doc.is_object() && doc["result"].is_object() && !doc["result"]["violations"].empty()) {
        const json& v = doc["result"]["violations"][0];
        out.failure += "; " + v.value("object", "") + ": " + v.value("detail", "");
      }
    }
    static const FlowSpec kNone{"soak", {}, {}, "", false};
    if (std::string why = Verify(kNone, dir); out.converged && !why.empty()) {
      out.converged = false;
      out.failure = why;
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
  }

 private:
  void SaveDb(const fs::path& dir) {
    db_files_.clear();
    for (const char* suffix : {"", "-wal"}) {
      const fs::path p = dir / (std::string("md.db") + suffix);
      if (fs::exists(p)) db_files_[suffix] = ReadFile(p);
    }
  }

  fs::path Restore(const std::string& name) {
    const fs::path dir = root_ / name;
    fs::create_directories(dir);
    for (const auto& [suffix, bytes] : db_files_) {
      std::ofstream(dir / ("md.db" + suffix), std::ios::binary) << bytes;
    }
    (void)manager_->model().Load(state_);
    return dir;
  }

  Status RunFlow(const FlowSpec& flow) {
    // The state before the flow, made by real commands.
    manager_->model().Reset();
    const fs::path setup = root_ / ("setup-" + flow.name);
    fs::create_directories(setup);
    for (const auto& command : flow.setup) {
      const Child c = RunChild(setup, "setup-" + flow.name, command, false);
      if (c.exit_code != 0) {
        return Internal("crash sweep: setup of " + flow.name + " failed: " + command.front());
      }
    }
    state_ = manager_->model().Dump();
    SaveDb(setup);

    // How many requests the flow makes.
    const std::string count_node = "count-" + flow.name;
    const Child dry = RunChild(Restore("count-" + flow.name), count_node, flow.command, false);
    if (dry.exit_code != 0) {
      return Internal("crash sweep: " + flow.name + " without a crash failed (exit " +
                      std::to_string(dry.exit_code) + ")");
    }
    const int n = static_cast<int>(manager_->NodeRequests(count_node));
    report_.flow_requests.emplace_back(flow.name, n);
    const int last = options_.max_points > 0 ? std::min(n, options_.max_points) : n;
    for (int k = 1; k <= last; ++k) {
      for (fake::CrashPhase phase :
           {fake::CrashPhase::kBeforeApply, fake::CrashPhase::kAfterApply}) {
        report_.points.push_back(RunPoint(flow, k, phase));
      }
    }
    return Status::Ok();
  }

  CrashPointResult RunPoint(const FlowSpec& flow, int k, fake::CrashPhase phase) {
    CrashPointResult r;
    r.flow = flow.name;
    r.request = k;
    r.phase = phase == fake::CrashPhase::kBeforeApply ? "before-apply" : "after-apply";
    const std::string id = flow.name + "-" + std::to_string(k) + "-" + r.phase;
    const fs::path dir = Restore(id);
    fake::CrashPoint point;
    point.node = "flow-" + id;
    point.request = k;
    point.phase = phase;
    point.kill = [this] {
      const pid_t pid = child_.load();
      if (pid > 0) ::kill(pid, SIGKILL);
    };
    manager_->SetCrashPoint(point);
    const Child victim = RunChild(dir, point.node, flow.command, true);
    const bool fired = manager_->CrashPointFired();
    manager_->SetCrashPoint(std::nullopt);
    auto fail = [&](const std::string& why) {
      r.ok = false;
      r.failure = why;
      return r;
    };
    if (!fired || !victim.killed) {
      return fail("the crash point did not kill the flow (exit " +
                  std::to_string(victim.exit_code) + ")");
    }
    const std::string node = "recover-" + id;
    const Child init = RunChild(dir, node, {"init"}, false);
    if (init.exit_code != 0)
      return fail("init after the crash: exit " + std::to_string(init.exit_code));
    const Child repair = RunChild(dir, node, {"--json", "repair", "--yes"}, false);
    if (repair.exit_code != 0) {
      const json doc = json::parse(repair.out, nullptr, false);
      std::string why = "repair --yes: exit " + std::to_string(repair.exit_code);
      if (doc.is_object() && doc["error"].is_string())
        why += ": " + doc["error"].get<std::string>();
      if (doc.is_object() && doc["result"].is_object() && !doc["result"]["left"].empty()) {
        why += "; " + doc["result"]["left"][0].value("object", "") + ": " +
               doc["result"]["left"][0].value("detail", "");
      }
      return fail(why);
    }
    const Child check = RunChild(dir, node, {"--json", "check"}, false);
    if (check.exit_code != 0)
      return fail("check after repair: exit " + std::to_string(check.exit_code));
    if (std::string why = Verify(flow, dir); !why.empty()) return fail(why);
    r.ok = true;
    if (!options_.keep_work_dir) {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
    return r;
  }

  // No two edges for one router id; the flow's object present, or absent with nothing left on
  // the manager for it.
  std::string Verify(const FlowSpec& flow, const fs::path& dir) {
    const json state = manager_->model().Dump();
    std::map<std::string, int> per_router;
    std::vector<std::string> names;
    for (const json& e : state["edges"]) {
      const std::string name = e.value("name", "");
      names.push_back(name);
      if (plugin::IsDriverEdgeName(name)) ++per_router[name.substr(name.size() - 36)];
    }
    for (const auto& [router, count] : per_router) {
      if (count > 1) return std::to_string(count) + " edges for router " + router;
    }
    store::ContextOptions o;
    o.path = (dir / "md.db").string();
    o.is_admin = true;
    auto ctx = store::Context::Open(o);
    if (!ctx.ok()) return "database does not open: " + ctx.error().message();
    if (flow.object.empty()) return "";
    if (!flow.network) {
      store::RouterFilter f;
      f.name = std::vector<std::string>{flow.object};
      auto rows = store::ListRouterRows(**ctx, f);
      if (!rows.ok()) return rows.error().message();
      if (rows->size() > 1) return std::to_string(rows->size()) + " routers named " + flow.object;
      if (rows->empty()) {
        for (const std::string& name : names) {
          if (name.rfind(flow.object + "-", 0) == 0)
            return "router absent but edge " + name + " left";
        }
      }
      return "";
    }
    store::NetworkFilter f;
    f.name = std::vector<std::string>{flow.object};
    auto rows = store::ListNetworkRows(**ctx, f);
    if (!rows.ok()) return rows.error().message();
    if (rows->size() > 1) return std::to_string(rows->size()) + " networks named " + flow.object;
    auto all = store::ListNetworkRows(**ctx, {});
    if (!all.ok()) return all.error().message();
    std::set<std::string> mapped;
    for (const auto& net : *all) {
      auto wires = store::GetNsxSwitchIds(**ctx, net.id);
      if (wires.ok()) mapped.insert(wires->begin(), wires->end());
    }
    for (const json& w : state["virtualWires"]) {
      if (!mapped.count(w.value("id", ""))) return "virtual wire " + w.value("id", "") + " left";
    }
    return "";
  }

  const CrashSweepOptions& options_;
  fs::path root_;
  std::unique_ptr<fake::FakeManager> manager_;
  std::unique_ptr<fake::Server> server_;
  std::atomic<pid_t> child_{0};
  json state_;
  std::map<std::string, std::string> db_files_;
  CrashSweepReport report_;
};

}  // namespace

int CrashSweepReport::failed() const {
  int n = 0;
  for (const auto& p : points) n += p.ok ? 0 : 1;
  return n;
}

std::vector<std::string> CrashSweepFlows() {
  std::vector<std::string> out;
  for (const FlowSpec& f : Flows()) out.push_back(f.name);
  return out;
}

Result<CrashSweepReport> RunCrashSweep(const CrashSweepOptions& options) {
  CrashSweepOptions o = options;
  if (o.flows.empty()) o.flows = CrashSweepFlows();
  Sweep sweep(o);
  NSXV_RETURN_IF_ERROR(sweep.Start());
  return sweep.Run();
}

Result<CrashSoakReport> RunCrashSoak(const CrashSweepOptions& options, uint64_t seed, int kills) {
  if (kills < 1) return InvalidArgument("crash soak: --kills must be at least 1");
  Sweep sweep(options);
  NSXV_RETURN_IF_ERROR(sweep.Start());
  return sweep.Soak(seed, kills);
}

int RunCrashSweepCommand(const CrashSweepOptions& options, std::ostream& out, std::ostream& err) {
  if (options.soak_seed) {
    auto soak = RunCrashSoak(options, *options.soak_seed, options.soak_kills);
    if (!soak.ok()) {
      err << "nsxv-md scenario crash-sweep: " << soak.error().message() << "\n";
      return soak.error().code() == StatusCode::kInvalidArgument ? 2 : 1;
    }
    if (options.json) {
      out << json{{"seed", *options.soak_seed}, {"kills", soak->kills},
                  {"rounds", soak->rounds},     {"converged", soak->converged},
                  {"failure", soak->failure},   {"seconds", soak->seconds}}
                 .dump(2)
          << "\n";
    } else {
      out << "soak seed=" << *options.soak_seed << ": " << soak->kills << " SIGKILLs in "
          << soak->rounds << " rounds of two processes; init + repair --yes + check "
          << (soak->converged ? "converged" : "did NOT converge: " + soak->failure) << " in "
          << static_cast<int>(soak->seconds) << " s\n";
    }
    return soak->converged ? 0 : 1;
  }
  auto report = RunCrashSweep(options);
  if (!report.ok()) {
    err << "nsxv-md scenario crash-sweep: " << report.error().message() << "\n";
    return report.error().code() == StatusCode::kInvalidArgument ? 2 : 1;
  }
  if (options.json) {
    json points = json::array();
    for (const auto& p : report->points) {
      points.push_back({{"flow", p.flow},
                        {"phase", p.phase},
                        {"request", p.request},
                        {"ok", p.ok},
                        {"failure", p.failure}});
    }
    json flows = json::object();
    for (const auto& [flow, n] : report->flow_requests) flows[flow] = n;
    out << json{{"crash_points", report->points.size()},
                {"failed", report->failed()},
                {"flow_requests", flows},
                {"seconds", report->seconds},
                {"points", points}}
               .dump(2)
        << "\n";
  } else {
    for (const auto& p : report->points) {
      if (!p.ok) {
        out << "FAIL " << p.flow << " kill at request " << p.request << " " << p.phase << ": "
            << p.failure << "\n";
      }
    }
    for (const auto& [flow, n] : report->flow_requests) {
      out << flow << ": " << n << " requests, " << 2 * n << " crash points\n";
    }
    out << report->points.size() << " crash points ran, "
        << report->points.size() - static_cast<size_t>(report->failed()) << " passed, "
        << report->failed() << " failed in " << static_cast<int>(report->seconds) << " s\n";
  }
  return report->failed() == 0 ? 0 : 1;
}

}  // namespace nsxv::scenarios
