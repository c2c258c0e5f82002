// Swarm mode: the scenario generator, the failure classes and the minimizer (the seed loop and
// the command are in swarm_run.cc). Contracts in swarm.h.
#include "scenarios/swarm.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include <nlohmann/json.hpp>

namespace nsxv::scenarios {
namespace {

using json = nlohmann::json;

// Draws from std::mt19937_64 with fixed mappings (the standard fixes the engine's output, not
// the distributions'), so a seed gives the same scenario with every standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  int Int(int lo, int hi) {  // [lo, hi]
    return lo + static_cast<int>(gen_() % static_cast<uint64_t>(hi - lo + 1));
  }
  double Real() { return static_cast<double>(gen_() >> 11) * 0x1.0p-53; }  // [0, 1)
  bool Chance(double p) { return Real() < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(gen_() % v.size())];
  }
  // k distinct items of `v` in random order.
  template <typename T>
  std::vector<T> Sample(std::vector<T> v, size_t k) {
    for (size_t i = 0; i < k && i < v.size(); ++i) {
      std::swap(v[i], v[i + static_cast<size_t>(gen_() % (v.size() - i))]);
    }
    v.resize(std::min(k, v.size()));
    return v;
  }
  double Round3(double x) { return std::round(x * 1000) / 1000; }

 private:
  std::mt19937_64 gen_;
};

std::string Ip(const char* net, int host) { return std::string(net) + std::to_string(host); }

std::vector<std::string> ProxyPool() {
  std::vector<std::string> pool;
  for (int h = 11; h <= 16; ++h) pool.push_back(Ip("10.10.0.", h));
  return pool;
}

struct Target {
  const char* method;
  const char* path;
};

// Requests the driver really sends (fake_nsxv/router.cc routes, driver/nsxv/vcns.cc calls).
const std::vector<Target>& AnyTargets() {
  static const auto* t = new std::vector<Target>{
      {"POST", "/api/4.0/edges"},
      {"GET", "/api/4.0/edges"},
      {"GET", "/api/4.0/edges/*"},
      {"PUT", "/api/4.0/edges/*"},
      {"DELETE", "/api/4.0/edges/*"},
      {"GET", "/api/4.0/edges/jobs/*"},
      {"*", "/api/4.0/edges/*/loadbalancer/config"},
      {"PUT", "/api/4.0/edges/*/loadbalancer/config"},
      {"*", "/api/4.0/edges/*/vnics/*"},
      {"*", "/api/4.0/edges/*/routing/config/static"},
      {"*", "/api/4.0/edges/*/firewall/config"},
      {"*", "/api/2.0/services/truststore/**"},
      {"POST", "/api/2.0/vdn/scopes/*/virtualwires"},
      {"DELETE", "/api/2.0/vdn/virtualwires/*"},
      {"*", "/api/4.0/edges/**"},
      {"WRITE", "**"},
      {"*", "**"},
  };
  return *t;
}

// Requests that address an edge (edge_powered_off) or start a job (job_failure).
const std::vector<Target>& EdgeTargets() {
  static const auto* t = new std::vector<Target>{
      {"POST", "/api/4.0/edges"},          {"PUT", "/api/4.0/edges/*"},
      {"*", "/api/4.0/edges/*"},           {"PUT", "/api/4.0/edges/*/loadbalancer/config"},
      {"PUT", "/api/4.0/edges/*/vnics/*"}, {"*", "/api/4.0/edges/**"},
  };
  return *t;
}

json FaultOf(Rng& rng, const std::string& kind) {
  json f = {{"kind", kind}};
  if (kind == "http_error") {
    switch (rng.Int(0, 2)) {
      case 0:
        f["status"] = 409;
        f["errorCode"] = 10020;
        break;
      case 1:
        f["status"] = 500;
        break;
      default:
        f["status"] = 503;
        break;
    }
  } else if (kind == "latency") {
    f["lognormal"] = {{"median_ms", rng.Int(1, 200)}, {"sigma", rng.Round3(0.2 + rng.Real())}};
  }
  return f;
}

// 1..max rules; client plans leave out the kinds that change the backend.
json FaultPlan(Rng& rng, int min_rules, int max_rules, bool client) {
  static const std::vector<std::string> kServer = {
      "http_error", "http_error", "latency",          "reset",      "response_lost", "truncated",
      "timeout",    "latency",    "edge_powered_off", "job_failure"};
  static const std::vector<std::string> kClient = {"http_error", "latency",       "reset",
                                                   "timeout",    "response_lost", "truncated"};
  json rules = json::array();
  const int n = rng.Int(min_rules, max_rules);
  for (int i = 1; i <= n; ++i) {
    const std::string kind = rng.Pick(client ? kClient : kServer);
    const bool edge_kind = kind == "edge_powered_off" || kind == "job_failure";
    const Target& t = rng.Pick(edge_kind ? EdgeTargets() : AnyTargets());
    json rule = {{"name", "f" + std::to_string(i)}, {"path", t.path}};
    const std::string method = t.method;
    if (method == "WRITE") {
      rule["method"] = rng.Pick(std::vector<std::string>{"PUT", "POST", "DELETE"});
    } else if (method != "*") {
      rule["method"] = method;
    }
    if (rng.Chance(0.7)) {
      // Log-uniform in [0.02, 0.3].
      rule["probability"] = rng.Round3(0.02 * std::pow(15.0, rng.Real()));
    } else {
      if (rng.Chance(0.6)) rule["skip"] = rng.Int(0, 5);
      rule["times"] = rng.Int(1, 3);
    }
    rule["fault"] = FaultOf(rng, kind);
    rules.push_back(std::move(rule));
  }
  return {{"rules", std::move(rules)}};
}

// What exists as the steps are generated, mirroring the parser's reference rules.
struct Gen {
  Rng rng;
  const SwarmOptions& options;
  std::vector<std::string> nodes;              // "a" (initializer) and maybe "b"
  std::vector<std::string> initializers;       // nodes whose metadata_initializer is true
  std::vector<std::string> routers, networks;  // live, by name
  int next_router = 1, next_churn = 1, next_network = 1, routers_made = 0;
  int proxies = 1;  // the most proxy IPs configured so far

  json OnNode(json step, const std::string& node) {
    if (node != nodes.front()) step["node"] = node;
    return step;
  }
  const std::string& AnyNode() { return rng.Pick(nodes); }
  int Workers() { return rng.Chance(0.5) ? 1 : rng.Int(2, 4); }

  json CreateRouters() {
    const int left = std::max(1, options.max_routers - routers_made);
    const int count = rng.Int(1, std::min(12, left));
    json s = {{"op", "create_routers"},
              {"prefix", "r"},
              {"first", next_router},
              {"count", count},
              {"workers", Workers()}};
    next_router += count;
    routers_made += count;
    const std::string node = AnyNode();
    return OnNode(std::move(s), node);
  }
  json DeleteRouters(std::vector<std::string>* live) {
    const size_t k =
        static_cast<size_t>(rng.Int(1, static_cast<int>(std::min<size_t>(live->size(), 6))));
    std::vector<std::string> names = rng.Sample(*live, k);
    for (const auto& n : names) live->erase(std::find(live->begin(), live->end(), n));
    json s = {{"op", "delete_routers"}, {"names", names}, {"workers", Workers()}};
    const std::string node = AnyNode();
    return OnNode(std::move(s), node);
  }
  json ChurnRouters() {
    const int count = rng.Int(1, 3);
    json s = {{"op", "churn_routers"}, {"prefix", "c"},           {"first", next_churn},
              {"count", count},        {"rounds", rng.Int(1, 3)}, {"workers", Workers()}};
    next_churn += count;
    const std::string node = AnyNode();
    return OnNode(std::move(s), node);
  }
  json CreateNetworks(std::vector<std::string>* made) {
    const int count = rng.Int(1, 4);
    json s = {{"op", "create_networks"},
              {"prefix", "n"},
              {"first", next_network},
              {"count", count},
              {"workers", Workers()}};
    if (rng.Chance(0.6)) s["cidr"] = "192.168.{i}.0/24";
    for (int i = next_network; i < next_network + count; ++i) {
      char name[16];
      std::snprintf(name, sizeof(name), "n-%03d", i);
      made->push_back(name);
    }
    next_network += count;
    const std::string node = AnyNode();
    return OnNode(std::move(s), node);
  }
  json DeleteNetworks(std::vector<std::string>* live) {
    const size_t k = static_cast<size_t>(rng.Int(1, static_cast<int>(live->size())));
    std::vector<std::string> names = rng.Sample(*live, k);
    for (const auto& n : names) live->erase(std::find(live->begin(), live->end(), n));
    return OnNode({{"op", "delete_networks"}, {"names", names}}, AnyNode());
  }

  // Init on every node of `which`, initializers first (the others only validate).
  void Inits(const std::vector<std::string>& which, json* steps) {
    for (const bool initializer : {true, false}) {
      for (const std::string& n : which) {
        const bool is = std::count(initializers.begin(), initializers.end(), n) > 0;
        if (is == initializer) steps->push_back(OnNode({{"op", "init"}}, n));
      }
    }
  }

  // A changed cluster setting is changed on every node (a plain restart hits one node); each
  // restarted node is initialized again, as the plugin does at start.
  void Restart(json* steps) {
    json nsxv = json::object();
    std::vector<std::string> which = nodes;
    const int kind = rng.Int(0, 4);
    if (kind <= 1) {
      // Never fewer IPs than edges provisioned so far: the driver refuses to shrink the proxy
      // set (as upstream; the operator removes edges first), so a shorter list is no bug.
      const int n = rng.Int(proxies, 4);
      proxies = n;
      nsxv["mgt_net_proxy_ips"] = rng.Sample(ProxyPool(), static_cast<size_t>(n));
    } else if (kind <= 3) {
      std::vector<std::string> nova = {"10.20.0.5", "10.20.0.6", "10.20.0.7"};
      nsxv["nova_metadata_ips"] = rng.Sample(nova, static_cast<size_t>(rng.Int(1, 2)));
    } else {
      which = {AnyNode()};
    }
    for (const std::string& n : which) {
      json s = {{"op", "restart"}};
      if (!nsxv.empty()) s["nsxv"] = nsxv;
      steps->push_back(OnNode(std::move(s), n));
    }
    Inits(which, steps);
  }

  // One of the ops a parallel block runs; names it deletes leave `live` at once so the sibling
  // cannot pick them, names it creates go live after the block.
  json SubStep(std::vector<std::string>* live_routers, std::vector<std::string>* live_nets,
               std::vector<std::string>* new_routers, std::vector<std::string>* new_nets) {
    for (;;) {
      switch (rng.Int(0, 5)) {
        case 0:
        case 1:
          if (routers_made >= options.max_routers) continue;
          {
            const int first = next_router;
            json s = CreateRouters();
            for (int i = first; i < next_router; ++i) {
              char name[16];
              std::snprintf(name, sizeof(name), "r-%03d", i);
              new_routers->push_back(name);
            }
            return s;
          }
        case 2:
          if (live_routers->empty()) continue;
          return DeleteRouters(live_routers);
        case 3:
          return ChurnRouters();
        case 4:
          if (rng.Chance(0.5) && !live_nets->empty()) return DeleteNetworks(live_nets);
          return CreateNetworks(new_nets);
        default:
          return OnNode({{"op", "redo_config"}}, AnyNode());
      }
    }
  }

  void Action(json* steps, bool* faults_on) {
    for (;;) {
      const int pick = rng.Int(0, 99);
      if (pick < 22) {  // create_routers
        if (routers_made >= options.max_routers) continue;
        const int first = next_router;
        steps->push_back(CreateRouters());
        for (int i = first; i < next_router; ++i) {
          char name[16];
          std::snprintf(name, sizeof(name), "r-%03d", i);
          routers.push_back(name);
        }
      } else if (pick < 34) {
        if (routers.empty()) continue;
        steps->push_back(DeleteRouters(&routers));
      } else if (pick < 42) {
        steps->push_back(ChurnRouters());
      } else if (pick < 50) {
        if (!networks.empty() && rng.Chance(0.4)) {
          steps->push_back(DeleteNetworks(&networks));
        } else {
          steps->push_back(CreateNetworks(&networks));
        }
      } else if (pick < 60) {
        Restart(steps);
      } else if (pick < 66) {
        steps->push_back(OnNode({{"op", "redo_config"}}, AnyNode()));
      } else if (pick < 76) {
        const bool client = rng.Chance(0.2);
        steps->push_back({{"op", "set_faults"},
                          {"side", client ? "client" : "server"},
                          {"faults", FaultPlan(rng, 1, 4, client)}});
        *faults_on = true;
      } else if (pick < 82) {
        if (!*faults_on) continue;
        steps->push_back({{"op", "clear_faults"}});
        *faults_on = false;
      } else if (pick < 86) {
        steps->push_back({{"op", "wait"}, {"seconds", rng.Int(1, 300)}});
      } else {
        std::vector<std::string> new_routers, new_nets;
        json subs = json::array();
        for (int i = 0; i < 2; ++i)
          subs.push_back(SubStep(&routers, &networks, &new_routers, &new_nets));
        steps->push_back({{"op", "parallel"}, {"steps", std::move(subs)}});
        routers.insert(routers.end(), new_routers.begin(), new_routers.end());
        networks.insert(networks.end(), new_nets.begin(), new_nets.end());
      }
      return;
    }
  }
};

json GenerateDocument(uint64_t seed, const SwarmOptions& options) {
  Gen g{Rng(seed), options, {"a"}, {"a"}, {}, {}};
  json doc = {{"format", kScenarioFormat},
              {"name", "swarm-" + std::to_string(seed)},
              {"description", "generated by nsxv-md scenario swarm"},
              {"seed", seed}};
  g.proxies = g.rng.Int(1, 4);
  json nsxv = {{"mgt_net_proxy_ips", g.rng.Sample(ProxyPool(), static_cast<size_t>(g.proxies))}};
  if (g.rng.Chance(0.25)) nsxv["metadata_insecure"] = false;
  doc["nsxv"] = std::move(nsxv);
  json nodes = json::array({{{"name", "a"}}});
  if (g.rng.Chance(0.4)) {
    const bool initializer = g.rng.Chance(0.4);
    nodes.push_back({{"name", "b"}, {"nsxv", {{"metadata_initializer", initializer}}}});
    g.nodes.push_back("b");
    if (initializer) g.initializers.push_back("b");
  }
  doc["nodes"] = std::move(nodes);
  bool faults_on = false;
  if (const int rules = g.rng.Int(0, 4); rules > 0) {
    doc["faults"] = FaultPlan(g.rng, rules, rules, false);
    faults_on = true;
  }
  json steps = json::array();
  g.Inits(g.nodes, &steps);
  const int actions =
      g.rng.Int(options.min_actions, std::max(options.min_actions, options.max_actions));
  for (int i = 0; i < actions; ++i) g.Action(&steps, &faults_on);
  doc["steps"] = std::move(steps);
  return doc;
}

}  // namespace

Result<Scenario> GenerateSwarmScenario(uint64_t seed, const SwarmOptions& options) {
  json doc = GenerateDocument(seed, options);
  auto sc = ParseScenario(doc.dump(), "");
  if (!sc.ok()) {
    return Status(StatusCode::kInternal,
                  "swarm seed " + std::to_string(seed) +
                      " generated an invalid scenario: " + sc.error().message());
  }
  bool concurrent = sc->Concurrent();
  sc->tags = {"swarm"};
  if (concurrent) sc->tags.push_back("concurrency");
  return sc;
}

}  // namespace nsxv::scenarios
