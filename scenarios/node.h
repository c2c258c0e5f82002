// One Neutron server in a scenario: its own client stack, lock provider, plugin and metadata
// proxy handler over the scenario's shared store: an SQLite database and one lock directory (so
// two nodes contend for nsx-metadata-init exactly like two processes: flock on the same files),
// or a MariaDB database with the named locks on its server ([DEFAULT] locking_coordinator_url)
// and a lock directory of the node's own (scenario_store.h).
//
// Restart() is a process restart: the handler, plugin, locks and client are destroyed (held locks
// released, thread Contexts closed) and rebuilt from the new configuration; the database and the
// backend keep everything.
//
// Threading: Restart() and Crash() run between steps, when no operation uses the node. During a
// step, handler(), plugin() and vcns() are shared by the step's worker threads (they are
// thread-safe); each worker opens its own Context with OpenContext().
#pragma once

#include <memory>
#include <string>

#include "driver/common/mutex.h"
#include "driver/config/config.h"
#include "driver/locking/lock.h"
#include "driver/md_proxy/md_proxy.h"
#include "driver/nsxv/api_client.h"
#include "driver/nsxv/vcns.h"
#include "driver/plugin/plugin.h"
#include "scenarios/client_stack.h"
#include "scenarios/scenario_node.h"

namespace nsxv::scenarios {

class Node final : public ScenarioNode {
 public:
  // `below`: the shared client stack under this node (FaultSlot). `clock`: the backend's clock
  // (retries, job polling). Locks and the store wait in real time. `real_time`: the clock is a
  // real manager's, and a crashed node skips its sleeps (NodeClock).
  Node(std::string name, Transport& below, Clock& clock, std::string lock_dir,
       bool real_time = false);
  ~Node() override;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // (Re)builds everything from `config` (manager_uri, credentials and [database] set; the lock
  // provider from locking_coordinator_url). kInvalidArgument when the coordinator does not
  // connect.
  // kInvalidArgument naming the option when the metadata configuration is invalid; the node then
  // keeps running as before.
  Status Start(config::Config config);
  Status Start(config::Config config, const std::vector<std::string>& overrides) override {
    (void)overrides;
    return Start(std::move(config));
  }
  Status Restart() override { return Start(config_); }
  NodeOpResult Run(const NodeOp& op) override { return RunNodeOp(*this, op); }
  // From now on the node sends `requests` more requests and then fails every call.
  void CrashAfter(int64_t requests) { transport_.CrashAfter(requests); }

  // Parallel blocks: an init sub-step is announced before the threads start, and operations that
  // need the metadata proxy wait until every announced init has entered Init() (which then makes
  // their ConfigureRouterEdge wait for it), so "routers while init runs" does not depend on
  // which thread the scheduler starts first.
  void AnnounceInit() override EXCLUDES(launch_mu_);
  void InitEntering() EXCLUDES(launch_mu_);
  void AwaitAnnouncedInits() EXCLUDES(launch_mu_);

  const std::string& name() const override { return name_; }
  const config::Config& config() const override { return config_; }
  const md_proxy::MdProxyConfig& md_config() const override { return md_; }
  md_proxy::MetadataProxyHandler& handler() { return *handler_; }
  plugin::Plugin& plugin() { return *plugin_; }
  const driver::Vcns& vcns() const { return *vcns_; }
  const driver::ApiClient& client() const { return *client_; }
  locking::LockProvider& locks() { return *locks_; }
  Result<std::unique_ptr<store::Context>> OpenContext() const;

 private:
  void Stop();

  const std::string name_;
  NodeTransport transport_;
  NodeClock clock_;
  const std::string lock_dir_;
  config::Config config_;
  md_proxy::MdProxyConfig md_;
  std::unique_ptr<driver::ApiClient> client_;
  std::unique_ptr<driver::Vcns> vcns_;
  std::unique_ptr<locking::LockProvider> locks_;
  std::unique_ptr<plugin::Plugin> plugin_;
  std::unique_ptr<md_proxy::MetadataProxyHandler> handler_;
  Mutex launch_mu_;
  CondVar launch_cv_;
  int announced_inits_ GUARDED_BY(launch_mu_) = 0;
};

}  // namespace nsxv::scenarios
