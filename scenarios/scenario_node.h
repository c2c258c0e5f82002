// A node of a scenario run, whichever crash model it follows: an in-process Node (node.h; a crash
// is "stops sending": the node's transport fails every call from request N on while its code
// keeps running) or a ProcessNode (process_node.h; the node is a child process that a crash
// point SIGKILLs). The runner orchestrates both through this interface, and both run an
// operation through RunNodeOp (node_ops.h), so an op means the same thing in both models.
//
// Threading: Start() runs between steps, when no operation uses the node. Run() and
// AnnounceInit() may be called from several threads at once (the sub-steps of a parallel block).
#pragma once

#include <string>
#include <vector>

#include "driver/common/status.h"
#include "driver/config/config.h"
#include "driver/md_proxy/md_proxy.h"
#include "scenarios/node_ops.h"

namespace nsxv::scenarios {

class ScenarioNode {
 public:
  virtual ~ScenarioNode() = default;

  virtual const std::string& name() const = 0;
  virtual const config::Config& config() const = 0;
  virtual const md_proxy::MdProxyConfig& md_config() const = 0;

  // (Re)starts the node, as a process restart, from `config`. `overrides` ("section.option=
  // value") are what turn ScenarioBaseConfig() into `config` apart from the manager, its
  // credentials and the store; a process node writes them into its worker's nsx.ini.
  // kInvalidArgument naming the option when the metadata configuration is invalid; the node
  // then keeps running as before.
  virtual Status Start(config::Config config, const std::vector<std::string>& overrides) = 0;
  // Start() again with the configuration in force.
  virtual Status Restart() = 0;

  virtual NodeOpResult Run(const NodeOp& op) = 0;
  // Parallel blocks: an init sub-step is announced before the threads start (Node::AnnounceInit).
  virtual void AnnounceInit() = 0;
  // Whether the node runs in a child process (the SIGKILL crash model).
  virtual bool in_child_process() const { return false; }
};

}  // namespace nsxv::scenarios
