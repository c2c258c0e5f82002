#include "scenarios/node_ops.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>

#include <nlohmann/json.hpp>

#include "driver/store/neutron_db.h"
#include "scenarios/node.h"
#include "scenarios/repair.h"
#include "scenarios/scenario_parser_internal.h"

namespace nsxv::scenarios {
namespace {

using json = nlohmann::json;

Outcome FromStatus(const Status& s) { return s.ok() ? Outcome{} : Outcome{false, s.message()}; }

// Runs `op` for indexes [0, n) on `workers` threads, each with its own Context of `node`.
std::vector<Outcome> RunBatch(Node& node, int workers, size_t n,
                              const std::function<Outcome(store::Context&, size_t)>& op) {
  std::vector<Outcome> outcomes(n);
  std::atomic<size_t> next{0};
  auto work = [&] {
    auto ctx = node.OpenContext();
    for (size_t i = next++; i < n; i = next++) {
      outcomes[i] = ctx.ok() ? op(**ctx, i) : Outcome{false, ctx.error().message()};
    }
  };
  const int threads = std::max(1, std::min<int>(workers, static_cast<int>(n)));
  if (threads == 1) {
    work();
    return outcomes;
  }
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  return outcomes;
}

Outcome CreateRouter(Node& node, store::Context& ctx, const std::string& name) {
  plugin::RouterSpec spec;
  spec.name = name;
  auto router = node.handler().CreateRouterWithMetadata(ctx, spec);
  return router.ok() ? Outcome{} : Outcome{false, name + ": " + router.error().message()};
}

Outcome DeleteRouter(Node& node, store::Context& ctx, const std::string& name) {
  auto id = FindRouterId(ctx, name);
  if (!id.ok()) return {false, name + ": " + id.error().message()};
  if (!*id) return {false, name + ": no such router in the DB"};
  Status s = node.handler().DeleteRouterWithMetadata(ctx, **id);
  return s.ok() ? Outcome{} : Outcome{false, name + ": " + s.message()};
}

Outcome CreateNetwork(Node& node, store::Context& ctx, const std::string& name,
                      const std::string& cidr) {
  plugin::NetworkSpec spec;
  spec.name = name;
  auto net = node.plugin().CreateNetwork(ctx, spec);
  if (!net.ok()) return {false, name + ": " + net.error().message()};
  if (cidr.empty()) return {};
  plugin::SubnetSpec subnet;
  subnet.network_id = net->id;
  subnet.cidr = cidr;
  subnet.name = name + "-subnet";
  auto created = node.plugin().CreateSubnet(ctx, subnet);
  if (created.ok()) return {};
  // Nothing half-made: the network goes again when its subnet cannot be made.
  (void)node.plugin().DeleteNetwork(ctx, net->id);
  return {false, name + ": subnet " + cidr + ": " + created.error().message()};
}

Outcome DeleteNetwork(Node& node, store::Context& ctx, const std::string& name) {
  auto id = FindNetworkId(ctx, name);
  if (!id.ok()) return {false, name + ": " + id.error().message()};
  if (!*id) return {false, name + ": no such network in the DB"};
  Status s = node.plugin().DeleteNetwork(ctx, **id);
  return s.ok() ? Outcome{} : Outcome{false, name + ": " + s.message()};
}

Outcome CreatePort(Node& node, store::Context& ctx, const NodeOp& op, size_t index) {
  std::string network_id;
  if (op.network == "internal") {
    network_id = node.handler().internal_network_id();
    if (network_id.empty()) return {false, "the internal network is not initialized"};
  } else {
    auto id = FindNetworkId(ctx, op.network);
    if (!id.ok()) return {false, op.network + ": " + id.error().message()};
    if (!*id) return {false, op.network + ": no such network in the DB"};
    network_id = **id;
  }
  plugin::PortSpec spec;
  spec.network_id = network_id;
  spec.name = op.name_prefix + "port-" + std::to_string(index + 1);
  spec.device_id = op.name_prefix + "vm-" + std::to_string(index + 1);
  spec.device_owner = "compute:nova";
  auto port = node.plugin().CreatePort(ctx, spec);
  return port.ok() ? Outcome{} : Outcome{false, spec.name + ": " + port.error().message()};
}

void RunInit(Node& node, NodeOpResult& r) {
  node.InitEntering();
  auto init = node.handler().Init();
  if (!init.ok()) {
    r.outcomes.push_back({false, init.error().message()});
    return;
  }
  r.outcomes.push_back({});
  for (const auto& e : init->proxy_edges) {
    if (!e.ok) r.outcomes.push_back({false, "proxy " + e.ext_ip + ": " + e.error});
  }
  r.init = std::move(init).value();
}

// The handler answers only once initialized: a restarted node runs Init first.
void RunUpdateSecret(Node& node, NodeOpResult& r) {
  Status s;
  auto init = node.handler().Init();
  if (!init.ok()) {
    s = init.error();
  } else {
    auto admin = node.handler().UpdateSecret();
    if (!admin.ok()) {
      s = admin.error();
    } else if (admin->failed > 0) {
      for (const auto& e : admin->edges) {
        if (e.outcome == "failed") r.outcomes.push_back({false, e.edge_id + ": " + e.error});
      }
    }
  }
  r.outcomes.push_back(FromStatus(s));
}

// Everything repair can fix, applied; one outcome per item fixed or not, one failed outcome per
// violation its final check still reports.
void RunRepair(Node& node, const NodeOp& op, NodeOpResult& r) {
  auto ctx = node.OpenContext();
  if (!ctx.ok()) {
    r.outcomes.push_back({false, "repair: " + ctx.error().message()});
    return;
  }
  RepairEnv env{**ctx, node.vcns(), node.plugin(), node.locks(), node.md_config()};
  env.handler = &node.handler();
  env.init = [&node]() -> Status {
    auto init = node.handler().Init();
    if (!init.ok()) return init.error();
    return init->ToStatus();
  };
  RepairOptions options;
  options.apply = true;
  options.edge_name_prefix = op.name_prefix;
  // As `nsxv-md repair`: a fake manager lists its virtual wires on its admin API.
  WireLister wires = FakeAdminWires(node.client());
  if (wires().ok()) options.list_virtual_wires = wires;
  auto report = Repair(env, options);
  if (!report.ok()) {
    r.outcomes.push_back({false, "repair: " + report.error().message()});
    return;
  }
  for (const RepairItem& item : report->items) {
    const bool fixed = item.outcome == "fixed";
    r.outcomes.push_back({fixed, fixed ? ""
                                       : "repair " + item.kind + " " + item.object + ": " +
                                             item.outcome + ": " + item.error});
  }
  for (const Violation& v : report->left) {
    r.outcomes.push_back({false, "repair left " + v.invariant + " " + v.object + ": " + v.detail});
  }
  if (report->init_failed) r.outcomes.push_back({false, "repair: init: " + report->init_error});
  if (r.outcomes.empty()) r.outcomes.push_back({});
}

}  // namespace

Result<std::optional<std::string>> FindRouterId(store::Context& ctx, const std::string& name) {
  store::RouterFilter filter;
  filter.name = std::vector<std::string>{name};
  NSXV_ASSIGN_OR_RETURN(const auto rows, store::ListRouterRows(ctx, filter));
  if (rows.empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows.front().id);
}

Result<std::optional<std::string>> FindNetworkId(store::Context& ctx, const std::string& name) {
  store::NetworkFilter filter;
  filter.name = std::vector<std::string>{name};
  NSXV_ASSIGN_OR_RETURN(const auto rows, store::ListNetworkRows(ctx, filter));
  if (rows.empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows.front().id);
}

bool IsNodeOp(StepOp op) {
  switch (op) {
    case StepOp::kInit:
    case StepOp::kCreateRouters:
    case StepOp::kDeleteRouters:
    case StepOp::kChurnRouters:
    case StepOp::kCreateNetworks:
    case StepOp::kDeleteNetworks:
    case StepOp::kCreatePorts:
    case StepOp::kRedoConfig:
    case StepOp::kStatus:
    case StepOp::kUpdateSecret:
    case StepOp::kRepair:
      return true;
    default:
      return false;
  }
}

NodeOpResult RunNodeOp(Node& node, const NodeOp& op) {
  NodeOpResult r;
  if (op.crash_after_requests) node.CrashAfter(*op.crash_after_requests);
  const auto& names = op.names;
  switch (op.op) {
    case StepOp::kInit:
      RunInit(node, r);
      break;
    case StepOp::kUpdateSecret:
      RunUpdateSecret(node, r);
      break;
    case StepOp::kCreateRouters:
      node.AwaitAnnouncedInits();
      r.outcomes = RunBatch(node, op.workers, names.size(), [&](store::Context& ctx, size_t i) {
        return CreateRouter(node, ctx, names[i]);
      });
      break;
    case StepOp::kDeleteRouters:
      r.outcomes = RunBatch(node, op.workers, names.size(), [&](store::Context& ctx, size_t i) {
        return DeleteRouter(node, ctx, names[i]);
      });
      break;
    case StepOp::kChurnRouters:
      node.AwaitAnnouncedInits();
      r.outcomes = RunBatch(node, op.workers, names.size(), [&](store::Context& ctx, size_t i) {
        for (int round = 0; round < op.rounds; ++round) {
          Outcome o = CreateRouter(node, ctx, names[i]);
          if (!o.ok) return o;
          o = DeleteRouter(node, ctx, names[i]);
          if (!o.ok) return o;
        }
        return Outcome{};
      });
      break;
    case StepOp::kCreateNetworks:
      r.outcomes = RunBatch(node, op.workers, names.size(), [&](store::Context& ctx, size_t i) {
        return CreateNetwork(node, ctx, names[i], i < op.cidrs.size() ? op.cidrs[i] : "");
      });
      break;
    case StepOp::kDeleteNetworks:
      r.outcomes = RunBatch(node, op.workers, names.size(), [&](store::Context& ctx, size_t i) {
        return DeleteNetwork(node, ctx, names[i]);
      });
      break;
    case StepOp::kCreatePorts:
      r.outcomes =
          RunBatch(node, op.workers, static_cast<size_t>(op.count),
                   [&](store::Context& ctx, size_t i) { return CreatePort(node, ctx, op, i); });
      break;
    case StepOp::kRedoConfig: {
      auto admin = node.handler().RedoConfig();
      if (!admin.ok()) {
        r.outcomes.push_back({false, admin.error().message()});
        break;
      }
      for (const auto& e : admin->edges) {
        r.outcomes.push_back(e.outcome == "failed" ? Outcome{false, e.edge_id + ": " + e.error}
                                                   : Outcome{});
      }
      break;
    }
    case StepOp::kRepair:
      RunRepair(node, op, r);
      break;
    case StepOp::kStatus: {
      auto status = node.handler().GetStatus();
      r.outcomes.push_back(status.ok() ? Outcome{} : Outcome{false, status.error().message()});
      break;
    }
    default:
      r.outcomes.push_back(
          {false, std::string("op ") + StepOpName(op.op) + " is not run by a node"});
      break;
  }
  return r;
}

// ---- JSON (the process node protocol, node_worker.h) ----

json NodeOpToJson(const NodeOp& op) {
  json j = {{"op", StepOpName(op.op)},
            {"names", op.names},
            {"cidrs", op.cidrs},
            {"network", op.network},
            {"name_prefix", op.name_prefix},
            {"count", op.count},
            {"workers", op.workers},
            {"rounds", op.rounds}};
  if (op.crash_after_requests) j["crash_after_requests"] = *op.crash_after_requests;
  return j;
}

Result<NodeOp> NodeOpFromJson(const json& j) {
  try {
    NodeOp op;
    StepOp parsed = StepOp::kInit;
    const std::string name = j.at("op").get<std::string>();
    if (!internal::FindStepOp(name, &parsed) || !IsNodeOp(parsed))
      return InvalidArgument("node op: unknown op '" + name + "'");
    op.op = parsed;
    op.names = j.at("names").get<std::vector<std::string>>();
    op.cidrs = j.at("cidrs").get<std::vector<std::string>>();
    op.network = j.at("network").get<std::string>();
    op.name_prefix = j.at("name_prefix").get<std::string>();
    op.count = j.at("count").get<int>();
    op.workers = j.at("workers").get<int>();
    op.rounds = j.at("rounds").get<int>();
    if (j.contains("crash_after_requests")) {
      op.crash_after_requests = j["crash_after_requests"].get<int64_t>();
    }
    return op;
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("node op: ") + e.what());
  }
}

json NodeOpResultToJson(const NodeOpResult& r) {
  json outcomes = json::array();
  for (const Outcome& o : r.outcomes) outcomes.push_back({{"ok", o.ok}, {"error", o.error}});
  json j = {{"outcomes", std::move(outcomes)}};
  if (r.init) {
    json edges = json::array();
    for (const md_proxy::ProxyEdgeReport& e : r.init->proxy_edges) {
      edges.push_back({{"ext_ip", e.ext_ip},
                       {"old_ext_ip", e.old_ext_ip},
                       {"action", static_cast<int>(e.action)},
                       {"router_id", e.router_id},
                       {"edge_id", e.edge_id},
                       {"internal_ip", e.internal_ip},
                       {"changed", e.changed},
                       {"ok", e.ok},
                       {"unverified", e.unverified},
                       {"error", e.error}});
    }
    j["init"] = {{"internal_network_id", r.init->internal_network_id},
                 {"internal_subnet_id", r.init->internal_subnet_id},
                 {"created_internal_network", r.init->created_internal_network},
                 {"proxy_edges", std::move(edges)},
                 {"live_proxy_ips", r.init->live_proxy_ips}};
  }
  return j;
}

Result<NodeOpResult> NodeOpResultFromJson(const json& j) {
  try {
    NodeOpResult r;
    for (const json& o : j.at("outcomes")) {
      r.outcomes.push_back({o.at("ok").get<bool>(), o.at("error").get<std::string>()});
    }
    if (j.contains("init")) {
      const json& i = j["init"];
      md_proxy::InitReport init;
      init.internal_network_id = i.at("internal_network_id").get<std::string>();
      init.internal_subnet_id = i.at("internal_subnet_id").get<std::string>();
      init.created_internal_network = i.at("created_internal_network").get<bool>();
      init.live_proxy_ips = i.at("live_proxy_ips").get<std::vector<std::string>>();
      for (const json& e : i.at("proxy_edges")) {
        md_proxy::ProxyEdgeReport p;
        p.ext_ip = e.at("ext_ip").get<std::string>();
        p.old_ext_ip = e.at("old_ext_ip").get<std::string>();
        p.action = static_cast<md_proxy::ProxyEdgeAction>(e.at("action").get<int>());
        p.router_id = e.at("router_id").get<std::string>();
        p.edge_id = e.at("edge_id").get<std::string>();
        p.internal_ip = e.at("internal_ip").get<std::string>();
        p.changed = e.at("changed").get<bool>();
        p.ok = e.at("ok").get<bool>();
        p.unverified = e.at("unverified").get<bool>();
        p.error = e.at("error").get<std::string>();
        init.proxy_edges.push_back(std::move(p));
      }
      r.init = std::move(init);
    }
    return r;
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("node op result: ") + e.what());
  }
}

}  // namespace nsxv::scenarios
