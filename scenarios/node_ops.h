// What one scenario step asks of one node, as a value (NodeOp), and how a node runs it
// (RunNodeOp). The runner runs it on an in-process Node; a process node's worker
// (node_worker.h) receives the same value as one JSON line and runs the same RunNodeOp, so every
// operation means exactly the same thing in both crash models.
//
// Names in a NodeOp are final (the run prefix of a real manager already applied). RunNodeOp runs
// a batch on `workers` threads, each with its own store Context.
//
// Threading: RunNodeOp may run for several ops of one node at once (a parallel block); the Node's
// handler and plugin are thread-safe. The JSON conversions are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "driver/common/status.h"
#include "driver/md_proxy/md_proxy.h"
#include "driver/store/context.h"
#include "scenarios/scenario.h"

namespace nsxv::scenarios {

class Node;

// One operation's result.
struct Outcome {
  bool ok = true;
  std::string error;  // one line when !ok
};

struct NodeOp {
  // init, create_routers, delete_routers, churn_routers, create_networks, delete_networks,
  // create_ports, redo_config, status, update_secret (Init then UpdateSecret), repair.
  StepOp op = StepOp::kInit;
  std::vector<std::string> names;  // routers or networks, final names
  std::vector<std::string> cidrs;  // create_networks: one per name ("" for none)
  std::string network;             // create_ports: a final network name, or "internal"
  // The run prefix and "-" (real managers), or "": before create_ports' "port-<i>" / "vm-<i>";
  // repair's naming scope.
  std::string name_prefix;
  int count = 1;  // create_ports
  int workers = 1;
  int rounds = 1;  // churn_routers
  // The node sends this many more requests, then every call fails ("stops sending").
  std::optional<int64_t> crash_after_requests;
};

struct NodeOpResult {
  std::vector<Outcome> outcomes;
  std::optional<md_proxy::InitReport> init;  // init ops
};

// Whether `op` is run by a node (RunNodeOp) rather than by the runner itself.
bool IsNodeOp(StepOp op);

NodeOpResult RunNodeOp(Node& node, const NodeOp& op);

// The id of the router (network) with this final name in the DB, or nullopt.
Result<std::optional<std::string>> FindRouterId(store::Context& ctx, const std::string& name);
Result<std::optional<std::string>> FindNetworkId(store::Context& ctx, const std::string& name);

nlohmann::json NodeOpToJson(const NodeOp& op);
Result<NodeOp> NodeOpFromJson(const nlohmann::json& j);
nlohmann::json NodeOpResultToJson(const NodeOpResult& r);
Result<NodeOpResult> NodeOpResultFromJson(const nlohmann::json& j);

}  // namespace nsxv::scenarios
