// A scenario node whose work runs in a child process: the nsxv-md binary started as
// `nsxv-md scenario node-worker` (node_worker.h), which builds the same Node stack from a
// generated nsx.ini and talks to the fake over HTTPS as node "<name>.<generation>"
// (manager_uri https://127.0.0.1:P/__node/<name>.<generation>, the fake's CA trusted). Each
// Start() is a new process with the next generation, so the fake counts each incarnation's
// requests from 1.
//
// The runner sends each NodeOp as one JSON line on the worker's stdin and waits for the answer
// line with the same id; the worker runs every op on a thread of its own, so the ops of a
// parallel block run concurrently inside it. Before sending a request the worker writes it on
// stdout ("req" line); those lines reach `on_request` (the runner's request log), also when the
// worker dies right after.
//
// ArmKill() arms the fake's crash point (fake_manager.h) at this incarnation's N-th request from
// now: the fake SIGKILLs the worker before applying that request or after applying it (the
// answer is never read). The ops in flight then fail with "node <name> killed (SIGKILL at request
// N, <phase>)"; the node stays dead until Start().
//
// Threading: Start(), ArmKill() and DisarmKill() run between steps; Run() and AnnounceInit() may
// run on several threads at once. One reader thread per worker delivers the answers.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <sys/types.h>

#include "driver/common/mutex.h"
#include "fake_nsxv/fake_manager.h"
#include "scenarios/client_stack.h"
#include "scenarios/scenario_node.h"

namespace nsxv::scenarios {

struct ProcessNodeOptions {
  std::string binary;    // the nsxv-md executable
  std::string work_dir;  // the worker's nsx.ini and log: <work_dir>/<name>.<generation>.{ini,log}
  std::string lock_dir;  // the node's lock directory ("host")
  std::string ca_file;   // PEM file of the fake's CA
  fake::FakeManager* fake = nullptr;                // for the crash point; required
  std::function<void(RecordedRequest)> on_request;  // every request the worker sends
  std::chrono::seconds op_timeout{300};             // then the worker is killed
};

class ProcessNode final : public ScenarioNode {
 public:
  ProcessNode(std::string name, ProcessNodeOptions options);
  ~ProcessNode() override;
  ProcessNode(const ProcessNode&) = delete;
  ProcessNode& operator=(const ProcessNode&) = delete;

  const std::string& name() const override { return name_; }
  const config::Config& config() const override { return config_; }
  const md_proxy::MdProxyConfig& md_config() const override { return md_; }
  // Stops the running worker (stdin closed, it finishes its ops and exits; SIGKILL after 10 s)
  // and starts a new one; returns once it is ready or has refused its configuration.
  Status Start(config::Config config, const std::vector<std::string>& overrides) override;
  Status Restart() override { return Start(config_, overrides_); }
  NodeOpResult Run(const NodeOp& op) override;
  void AnnounceInit() override;
  bool in_child_process() const override { return true; }

  // The name the fake counts this incarnation's requests under ("a.2").
  std::string fake_node() const { return name_ + "." + std::to_string(generation_); }
  void ArmKill(int64_t at_request, fake::CrashPhase phase);
  // Disarms the crash point; true when it fired (the worker was SIGKILLed at that request).
  bool DisarmKill();

 private:
  struct Pending {
    bool done = false;
    std::string line;  // the answer line, or empty when the worker ended first
  };

  void StopWorker();
  void ReadLoop(int fd) EXCLUDES(mu_);
  // Sends `message` (an object without "id") and waits for its answer line.
  Result<std::string> Call(nlohmann::json message) EXCLUDES(mu_);
  std::string DeathMessage() const;

  const std::string name_;
  const ProcessNodeOptions options_;
  config::Config config_;
  std::vector<std::string> overrides_;
  md_proxy::MdProxyConfig md_;
  int generation_ = 0;
  pid_t pid_ = -1;
  int to_worker_ = -1;  // its stdin
  std::thread reader_;
  std::atomic<bool> killed_{false};  // set by the crash point
  std::optional<std::pair<int64_t, fake::CrashPhase>> kill_;

  Mutex mu_;  // also serializes writes to to_worker_
  CondVar cv_;
  bool alive_ GUARDED_BY(mu_) = false;
  int64_t next_id_ GUARDED_BY(mu_) = 1;
  std::map<int64_t, std::shared_ptr<Pending>> pending_ GUARDED_BY(mu_);
  std::shared_ptr<Pending> ready_ GUARDED_BY(mu_);  // the worker's first line
};

}  // namespace nsxv::scenarios
