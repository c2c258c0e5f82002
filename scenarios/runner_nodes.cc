// The scenario runner's nodes: their configuration, where they keep their state (store and lock
// directory), and which crash model each follows (in process, or a child process).
#include <unistd.h>

#include <filesystem>

#include "driver/config/config.h"
#include "scenarios/process_node.h"
#include "scenarios/runner_internal.h"

namespace nsxv::scenarios {
namespace {

// The request deadline of nodes on the HTTPS backend unless a scenario sets one (seconds).
constexpr int kHttpsRequestTimeoutS = 5;

}  // namespace

Result<config::Config> ScenarioRun::NodeConfig(const NodeSpec& spec,
                                               const std::map<std::string, std::string>& changes,
                                               std::vector<std::string>* overrides) const {
  config::LoadOptions load;
  auto add = [&](const std::map<std::string, std::string>& options) {
    for (const auto& [k, v] : options) load.overrides.push_back("nsxv." + k + "=" + v);
  };
  add(scenario_.nsxv);
  add(spec.nsxv);
  add(changes);
  if (overrides != nullptr) *overrides = load.overrides;
  config::Config base = options_.real_config ? *options_.real_config : ScenarioBaseConfig();
  store_->Apply(base);
  NSXV_ASSIGN_OR_RETURN(config::Config c, config::LoadConfig(load, base));
  if (backend_->kind() == BackendKind::kHttps &&
      c.origins.count("nsxv.nsx_transaction_timeout") == 0) {
    // Over loopback a request takes milliseconds; a `timeout` fault holds the answer until the
    // client's deadline, which is real time on a socket: 5 s instead of 240 s per such fault.
    c.nsxv.nsx_transaction_timeout = kHttpsRequestTimeoutS;
  }
  store_->Apply(c);
  c.nsxv.manager_uri = backend_->url();
  c.nsxv.user = backend_->user();
  c.nsxv.password = backend_->password();
  return c;
}

ScenarioNode& ScenarioRun::NodeByName(const std::string& name) { return *nodes_.at(name); }

bool ScenarioRun::IsProcessNode(const NodeSpec& spec) const {
  return spec.process || options_.process_nodes;
}

Result<std::unique_ptr<ScenarioNode>> ScenarioRun::MakeNode(const NodeSpec& spec) {
  const std::string lock_dir = store_->LockDir(spec.name);
  if (!IsProcessNode(spec)) {
    return std::unique_ptr<ScenarioNode>(std::make_unique<Node>(
        spec.name, *slot_, backend_->clock(), lock_dir, backend_kind_ == BackendKind::kReal));
  }
  ProcessNodeOptions o;
  o.binary = options_.node_binary;
  if (o.binary.empty()) {
    std::error_code ec;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    o.binary =
        self.filename() == "nsxv-md" ? self.string() : (self.parent_path() / "nsxv-md").string();
  }
  if (access(o.binary.c_str(), X_OK) != 0) {
    return Status(StatusCode::kFailedPrecondition,
                  "process node " + spec.name + " needs the nsxv-md executable: " + o.binary +
                      " is not executable");
  }
  o.work_dir = work_dir_ + "/nodes";
  o.lock_dir = lock_dir;
  o.ca_file = work_dir_ + "/fake-ca.pem";
  o.fake = backend_->fake();
  o.on_request = [this](RecordedRequest r) { recorder_->Record(std::move(r)); };
  std::error_code ec;
  std::filesystem::create_directories(o.work_dir, ec);
  if (ec) return Status(StatusCode::kInternal, o.work_dir + ": " + ec.message());
  return std::unique_ptr<ScenarioNode>(std::make_unique<ProcessNode>(spec.name, std::move(o)));
}

}  // namespace nsxv::scenarios
