#include "scenarios/process_node.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/wait.h>

#include "driver/config/mapping.h"

namespace nsxv::scenarios {
namespace {

using json = nlohmann::json;

constexpr auto kReadyTimeout = std::chrono::seconds(60);
constexpr auto kStopTimeout = std::chrono::seconds(10);

const char* PhaseName(fake::CrashPhase phase) {
  return phase == fake::CrashPhase::kBeforeApply ? "before-apply" : "after-apply";
}

// Options the node's nsx.ini takes from the configuration itself rather than from the overrides.
bool Managed(const std::string& key) {
  return key == "nsxv.manager_uri" || key == "nsxv.user" || key == "nsxv.password" ||
         key == "nsxv.ca_file" || key == "nsxv.insecure" || key == "nsxv.nsx_transaction_timeout" ||
         key == "database.path" || key == "database.connection" ||
         key == "DEFAULT.locking_coordinator_url";
}

// How many outcomes an op has when its node dies without answering.
size_t Items(const NodeOp& op) {
  switch (op.op) {
    case StepOp::kCreateRouters:
    case StepOp::kDeleteRouters:
    case StepOp::kChurnRouters:
    case StepOp::kCreateNetworks:
    case StepOp::kDeleteNetworks:
      return op.names.size();
    case StepOp::kCreatePorts:
      return static_cast<size_t>(op.count);
    default:
      return 1;
  }
}

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

ProcessNode::ProcessNode(std::string name, ProcessNodeOptions options)
    : name_(std::move(name)), options_(std::move(options)) {}

ProcessNode::~ProcessNode() {
  if (kill_) (void)DisarmKill();
  StopWorker();
}

Status ProcessNode::Start(config::Config config, const std::vector<std::string>& overrides) {
  // Checked before anything is torn down: a refused configuration keeps the running node.
  md_proxy::MdProxyConfig md = config::ToMdProxyConfig(config);
  if (!md.Enabled()) {
    return Status(StatusCode::kInvalidArgument,
                  "node " + name_ + ": metadata proxy is not configured: " + md.DisabledReason());
  }
  NSXV_RETURN_IF_ERROR(md.Validate());
  if (options_.fake == nullptr) return InvalidArgument("node " + name_ + ": no fake manager");
  StopWorker();
  config_ = std::move(config);
  overrides_ = overrides;
  md_ = std::move(md);
  ++generation_;
  killed_ = false;
  kill_.reset();

  // The worker's nsx.ini: the scenario's options, then the manager (as this node) and the store.
  std::map<std::string, std::vector<std::string>> sections;
  for (const std::string& o : overrides_) {
    const size_t dot = o.find('.');
    const size_t eq = o.find('=');
    if (dot == std::string::npos || eq == std::string::npos || eq < dot) {
      return InvalidArgument("node " + name_ + ": override '" + o +
                             "' is not section.option=value");
    }
    if (Managed(o.substr(0, eq))) continue;
    sections[o.substr(0, dot)].push_back(o.substr(dot + 1, eq - dot - 1) + " = " +
                                         o.substr(eq + 1));
  }
  const config::NsxvOptions& n = config_.nsxv;
  auto& nsxv = sections["nsxv"];
  nsxv.push_back("manager_uri = " + n.manager_uri.value_or("") + "/__node/" + fake_node());
  nsxv.push_back("ca_file = " + options_.ca_file);
  nsxv.push_back("insecure = false");
  nsxv.push_back("user = " + n.user);
  nsxv.push_back("password = " + n.password);
  nsxv.push_back("nsx_transaction_timeout = " + std::to_string(n.nsx_transaction_timeout));
  sections["database"].push_back(config_.database.connection.empty()
                                     ? "path = " + config_.database.path
                                     : "connection = " + config_.database.connection);
  if (!config_.locking_coordinator_url.empty()) {
    sections["DEFAULT"].push_back("locking_coordinator_url = " + config_.locking_coordinator_url);
  }
  const std::string base = options_.work_dir + "/" + fake_node();
  {
    std::ofstream ini(base + ".ini");
    for (const auto& [section, lines] : sections) {
      ini << "[" << section << "]\n";
      for (const std::string& line : lines) ini << line << "\n";
    }
    if (!ini) return Internal("node " + name_ + ": cannot write " + base + ".ini");
  }

  std::vector<std::string> args = {options_.binary, "--config",    base + ".ini",
                                   "scenario",      "node-worker", "--node",
                                   name_,           "--lock-dir",  options_.lock_dir};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = base + ".log";
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return Internal("node " + name_ + ": socketpair failed");
  }
  const pid_t pid = fork();
  if (pid == 0) {
    // Only async-signal-safe calls until execv; every other descriptor is closed, so no socket
    // of this process stays open in the worker.
    const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(sv[1], STDIN_FILENO);
    dup2(sv[1], STDOUT_FILENO);
    if (log_fd >= 0) dup2(log_fd, STDERR_FILENO);
    close_range(3, ~0U, 0);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(sv[1]);
  if (pid < 0) {
    close(sv[0]);
    return Internal("node " + name_ + ": fork failed");
  }
  pid_ = pid;
  to_worker_ = sv[0];
  auto ready = std::make_shared<Pending>();
  {
    MutexLock lock(&mu_);
    alive_ = true;
    ready_ = ready;
  }
  reader_ = std::thread([this, fd = sv[0]] { ReadLoop(fd); });

  std::string line;
  {
    MutexLock lock(&mu_);
    const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
    while (!ready->done && std::chrono::steady_clock::now() < deadline) {
      (void)cv_.WaitFor(&mu_, deadline - std::chrono::steady_clock::now());
    }
    line = ready->line;
    ready_.reset();
  }
  const json doc = json::parse(line, nullptr, false);
  if (doc.is_object() && doc.value("ready", false)) return Status::Ok();
  std::string why = doc.is_object() && doc.contains("error") && doc["error"].is_string()
                        ? doc["error"].get<std::string>()
                        : "the worker did not start (see " + log + ")";
  StopWorker();
  return Status(StatusCode::kInvalidArgument, why);
}

void ProcessNode::StopWorker() {
  if (pid_ < 0) return;
  shutdown(to_worker_, SHUT_WR);  // end of input: the worker finishes its ops and exits
  int status = 0;
  bool reaped = false;
  const auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
  while (!reaped && std::chrono::steady_clock::now() < deadline) {
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    reaped = r == pid_ || (r < 0 && errno != EINTR);
    if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!reaped) {
    ::kill(pid_, SIGKILL);
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (reader_.joinable()) reader_.join();
  close(to_worker_);
  to_worker_ = -1;
  pid_ = -1;
}

void ProcessNode::ReadLoop(int fd) {
  std::string buffer;
  char chunk[4096];
  for (;;) {
    const ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<size_t>(n));
    for (size_t eol = buffer.find('\n'); eol != std::string::npos; eol = buffer.find('\n')) {
      std::string line = buffer.substr(0, eol);
      buffer.erase(0, eol + 1);
      const json doc = json::parse(line, nullptr, false);
      if (!doc.is_object()) continue;
      if (doc.contains("req")) {
        const json& r = doc["req"];
        if (options_.on_request && r.is_array() && r.size() == 2 && r[0].is_string() &&
            r[1].is_string()) {
          options_.on_request({r[0].get<std::string>(), r[1].get<std::string>()});
        }
        continue;
      }
      MutexLock lock(&mu_);
      std::shared_ptr<Pending> p;
      if (doc.contains("ready")) {
        p = ready_;
      } else if (doc.contains("id") && doc["id"].is_number_integer()) {
        auto it = pending_.find(doc["id"].get<int64_t>());
        if (it != pending_.end()) p = it->second;
      }
      if (p) {
        p->done = true;
        p->line = std::move(line);
        cv_.SignalAll();
      }
    }
  }
  MutexLock lock(&mu_);
  alive_ = false;
  for (auto& [id, p] : pending_) p->done = true;
  if (ready_) ready_->done = true;
  cv_.SignalAll();
}

std::string ProcessNode::DeathMessage() const {
  if (killed_ && kill_) {
    return "node " + name_ + " killed (SIGKILL at request " + std::to_string(kill_->first) + ", " +
           PhaseName(kill_->second) + ")";
  }
  return "node " + name_ + ": the worker process ended without answering (see " +
         options_.work_dir + "/" + fake_node() + ".log)";
}

Result<std::string> ProcessNode::Call(json message) {
  auto p = std::make_shared<Pending>();
  int64_t id = 0;
  MutexLock lock(&mu_);
  if (!alive_) return Status(StatusCode::kUnavailable, DeathMessage());
  id = next_id_++;
  message["id"] = id;
  pending_[id] = p;
  if (!WriteAll(to_worker_, message.dump() + "\n")) {
    pending_.erase(id);
    return Status(StatusCode::kUnavailable, DeathMessage());
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.op_timeout;
  while (!p->done && std::chrono::steady_clock::now() < deadline) {
    (void)cv_.WaitFor(&mu_, deadline - std::chrono::steady_clock::now());
  }
  pending_.erase(id);
  if (!p->done) {
    ::kill(pid_, SIGKILL);
    return Status(StatusCode::kDeadlineExceeded, "node " + name_ + ": no answer in " +
                                                     std::to_string(options_.op_timeout.count()) +
                                                     " s; worker killed");
  }
  if (p->line.empty()) return Status(StatusCode::kUnavailable, DeathMessage());
  return std::move(p->line);
}

NodeOpResult ProcessNode::Run(const NodeOp& op) {
  NodeOpResult r;
  auto line = Call({{"op", NodeOpToJson(op)}});
  if (line.ok()) {
    const json doc = json::parse(*line, nullptr, false);
    if (doc.is_object() && doc.contains("result")) {
      auto parsed = NodeOpResultFromJson(doc["result"]);
      if (parsed.ok()) return std::move(parsed).value();
      r.outcomes.push_back({false, "node " + name_ + ": " + parsed.error().message()});
      return r;
    }
    const std::string why = doc.is_object() && doc.contains("error") && doc["error"].is_string()
                                ? doc["error"].get<std::string>()
                                : "unreadable answer";
    r.outcomes.push_back({false, "node " + name_ + ": " + why});
    return r;
  }
  // No answer: every operation of the op is lost with the process.
  r.outcomes.assign(Items(op), Outcome{false, line.error().message()});
  return r;
}

void ProcessNode::AnnounceInit() { (void)Call({{"announce_init", true}}); }

void ProcessNode::ArmKill(int64_t at_request, fake::CrashPhase phase) {
  fake::CrashPoint point;
  point.node = fake_node();
  point.request = options_.fake->NodeRequests(point.node) + at_request;
  point.phase = phase;
  const pid_t pid = pid_;
  point.kill = [this, pid] {
    killed_ = true;
    if (pid > 0) ::kill(pid, SIGKILL);
  };
  kill_ = {at_request, phase};
  killed_ = false;
  options_.fake->SetCrashPoint(std::move(point));
}

bool ProcessNode::DisarmKill() {
  const bool fired = options_.fake->CrashPointFired();
  options_.fake->SetCrashPoint(std::nullopt);
  return fired;
}

}  // namespace nsxv::scenarios
