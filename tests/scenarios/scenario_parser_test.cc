#include <cstdio>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_nsxv/model.h"
#include "scenarios/scenario.h"

namespace nsxv::scenarios {
namespace {

using json = nlohmann::json;

// Every op, every expectation key, both fault sides, two nodes, an initial backend and DB.
std::string FullScenario() {
  SimulatedClock clock;
  fake::Model model(clock, fake::ModelOptions{});
  const std::string backend = model.Dump().dump();
  return R"({
  // comments are allowed
  "format": 1,
  "name": "full-01",
  "description": "every op once",
  "seed": 42,
  "tags": ["concurrency", "https"],
  "nsxv": {"mgt_net_proxy_ips": ["10.0.0.5", "10.0.0.6"], "retries": 3, "edge_ha": false},
  "nodes": [{"name": "a"}, {"name": "b", "nsxv": {"metadata_initializer": false}}],
  "initial": {"backend": )" +
         backend + R"(, "sql": ["SELECT 1"]},
  "faults": {"rules": [{"name": "slow", "path": "/api/4.0/edges/**",
                        "fault": {"kind": "latency", "fixed_ms": 5}}]},
  "client_faults": [{"name": "drop", "method": "PUT", "times": 1, "fault": {"kind": "reset"}}],
  "steps": [
    {"op": "init", "name": "first init", "crash_after_requests": 7,
     "expect": {"ok": true, "faults_fired": {"slow": {"min": 1}, "drop": 1},
                "init": {"created": 2, "validated": 0, "readdressed": 0, "failed": 0,
                         "changed": {"max": 2}, "complete": true}}},
    {"op": "restart", "node": "b", "nsxv": {"mgt_net_proxy_ips": "10.0.0.7"}},
    {"op": "create_routers", "prefix": "r", "first": 1, "count": 3, "workers": 2,
     "expect": {"succeeded": 3, "failed": 0, "writes": {"min": 3, "max": 100},
                "requests": [{"method": "POST", "path": "/api/4.0/edges", "count": 3},
                             {"method": "WRITE", "path": "**", "count": {"min": 1}}],
                "state": {"routers": 3, "proxy_edges": 2, "backend_edges": 5,
                          "live_proxy_ips": 2, "networks": 0}}},
    {"op": "create_networks", "prefix": "net", "count": 2, "cidr": "10.{i}.0.0/24"},
    {"op": "create_ports", "network": "net-001", "count": 4},
    {"op": "create_ports", "network": "internal"},
    {"op": "parallel", "steps": [
      {"op": "delete_routers", "names": ["r-001"]},
      {"op": "churn_routers", "prefix": "c", "count": 2, "rounds": 3, "node": "b"}
    ]},
    {"op": "set_faults", "side": "client", "faults": {"rules": [{"name": "boom",
      "fault": {"kind": "http_error", "status": 503}}]}},
    {"op": "backend", "action": "power_off", "target": "router:r-002",
     "expect": {"error_contains": "503", "faults_fired": {"boom": 0, "slow": 0}}},
    {"op": "backend", "action": "delete_edge", "target": "proxy:10.0.0.7"},
    {"op": "clear_faults"},
    {"op": "wait", "seconds": 1.5},
    {"op": "check", "expect": {"violations": 0, "violation_invariants": ["routers", "proxy"]}},
    {"op": "status"},
    {"op": "redo_config", "node": "b"},
    {"op": "update_secret", "secret": "s3cret"},
    {"op": "delete_networks", "names": ["net-002"]},
    {"op": "delete_routers", "prefix": "r", "first": 2, "count": 2}
  ],
  "expect": {"violations": 0, "faults_fired": {"boom": {"max": 10}}},
  "expect_final": {"ok": true, "state": {"routers": 0}},
  "liveness": {"enabled": true, "rounds": 5},
  "timeout_s": 30
})";
}

Scenario MustParse(const std::string& text) {
  auto s = ParseScenario(text, "t.json");
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : Scenario{};
}

TEST(ScenarioParser, FullScenarioUsesEveryOp) {
  const Scenario s = MustParse(FullScenario());
  EXPECT_EQ(s.file, "t.json");
  EXPECT_EQ(s.name, "full-01");
  EXPECT_EQ(s.seed, 42U);
  EXPECT_EQ(s.nsxv.at("mgt_net_proxy_ips"), "10.0.0.5,10.0.0.6");
  EXPECT_EQ(s.nsxv.at("retries"), "3");
  EXPECT_EQ(s.nsxv.at("edge_ha"), "false");
  ASSERT_EQ(s.nodes.size(), 2U);
  EXPECT_EQ(s.nodes[1].nsxv.at("metadata_initializer"), "false");
  EXPECT_FALSE(s.initial_backend.empty());
  EXPECT_EQ(s.initial_sql, std::vector<std::string>{"SELECT 1"});
  EXPECT_NE(s.server_faults.find("slow"), std::string::npos);
  EXPECT_NE(s.client_faults.find("drop"), std::string::npos);
  ASSERT_EQ(s.steps.size(), 18U);

  const Step& init = s.steps[0];
  EXPECT_EQ(init.op, StepOp::kInit);
  EXPECT_EQ(init.label, "first init");
  EXPECT_EQ(init.node, "a");
  EXPECT_EQ(init.crash_after_requests, 7);
  EXPECT_EQ(init.json_path, "$.steps[0]");
  EXPECT_EQ(init.expect.proxy_created->Describe(), "2");
  EXPECT_EQ(init.expect.proxy_changed->Describe(), "<= 2");
  EXPECT_EQ(init.expect.faults_fired.at("slow").Describe(), ">= 1");
  EXPECT_TRUE(*init.expect.complete);

  EXPECT_EQ(s.steps[1].node, "b");
  EXPECT_EQ(s.steps[1].nsxv.at("mgt_net_proxy_ips"), "10.0.0.7");
  const Step& create = s.steps[2];
  EXPECT_EQ(create.Names(), (std::vector<std::string>{"r-001", "r-002", "r-003"}));
  EXPECT_EQ(create.workers, 2);
  EXPECT_EQ(create.expect.writes->Describe(), "3..100");
  ASSERT_EQ(create.expect.requests.size(), 2U);
  EXPECT_EQ(create.expect.requests[1].method, "WRITE");
  EXPECT_EQ(*create.expect.backend_edges->min, 5);
  EXPECT_EQ(s.steps[3].cidr, "10.{i}.0.0/24");
  EXPECT_EQ(s.steps[3].Names(), (std::vector<std::string>{"net-001", "net-002"}));
  EXPECT_EQ(s.steps[4].network, "net-001");
  EXPECT_EQ(s.steps[4].count, 4);

  const Step& par = s.steps[6];
  EXPECT_EQ(par.op, StepOp::kParallel);
  ASSERT_EQ(par.steps.size(), 2U);
  EXPECT_EQ(par.steps[1].json_path, "$.steps[6].steps[1]");
  EXPECT_EQ(par.steps[1].op, StepOp::kChurnRouters);
  EXPECT_EQ(par.steps[1].rounds, 3);
  EXPECT_EQ(par.steps[0].count, 1);

  EXPECT_EQ(s.steps[7].side, FaultSide::kClient);
  EXPECT_EQ(json::parse(s.steps[7].faults)["rules"][0]["name"], "boom");
  EXPECT_EQ(s.steps[8].action, "power_off");
  EXPECT_EQ(s.steps[8].target, "router:r-002");
  EXPECT_EQ(s.steps[10].op, StepOp::kClearFaults);
  EXPECT_DOUBLE_EQ(s.steps[11].seconds, 1.5);
  EXPECT_EQ(s.steps[12].expect.violation_invariants.size(), 2U);
  EXPECT_EQ(s.steps[13].op, StepOp::kStatus);
  EXPECT_EQ(s.steps[14].op, StepOp::kRedoConfig);
  EXPECT_EQ(s.steps[15].nsxv.at("metadata_shared_secret"), "s3cret");
  EXPECT_EQ(s.steps[16].op, StepOp::kDeleteNetworks);
  EXPECT_EQ(s.steps[17].Names(), (std::vector<std::string>{"r-002", "r-003"}));

  EXPECT_EQ(s.expect_after_steps.violations->Describe(), "0");
  EXPECT_TRUE(*s.expect_final.ok);
  EXPECT_EQ(s.liveness.rounds, 5);
  EXPECT_DOUBLE_EQ(s.timeout_s, 30);
  EXPECT_TRUE(s.Concurrent());
  EXPECT_TRUE(s.NeedsServerSide());
}

TEST(ScenarioParser, RoundTrip) {
  const Scenario first = MustParse(FullScenario());
  const std::string once = ScenarioToJson(first).dump(2);
  const Scenario second = MustParse(once);
  const std::string twice = ScenarioToJson(second).dump(2);
  EXPECT_EQ(once, twice);
  EXPECT_EQ(second.steps.size(), first.steps.size());
  EXPECT_EQ(second.steps[15].nsxv, first.steps[15].nsxv);
  EXPECT_EQ(second.server_faults, first.server_faults);
  EXPECT_EQ(second.initial_backend, first.initial_backend);

  const Scenario minimal = MustParse(R"({"format": 1, "name": "m", "steps": [{"op": "check"}]})");
  const std::string m1 = ScenarioToJson(minimal).dump();
  EXPECT_EQ(ScenarioToJson(MustParse(m1)).dump(), m1);
}

TEST(ScenarioParser, Defaults) {
  const Scenario s = MustParse(
      R"({"format": 1, "name": "d", "steps": [{"op": "init"}, {"op": "create_routers", "prefix": "r"}]})");
  EXPECT_EQ(s.seed, 1U);
  ASSERT_EQ(s.nodes.size(), 1U);
  EXPECT_EQ(s.nodes[0].name, "a");
  EXPECT_TRUE(s.nsxv.empty());
  EXPECT_TRUE(s.server_faults.empty());
  EXPECT_TRUE(s.client_faults.empty());
  EXPECT_TRUE(s.initial_backend.empty());
  EXPECT_TRUE(s.liveness.enabled);
  EXPECT_EQ(s.liveness.rounds, 3);
  EXPECT_DOUBLE_EQ(s.timeout_s, 10);
  EXPECT_TRUE(s.expect_after_steps.empty());
  EXPECT_EQ(s.steps[0].node, "a");
  EXPECT_FALSE(s.steps[0].crash_after_requests.has_value());
  EXPECT_EQ(s.steps[1].Names(), std::vector<std::string>{"r-001"});
  EXPECT_EQ(s.steps[1].workers, 1);
  EXPECT_FALSE(s.Concurrent());
  EXPECT_FALSE(s.NeedsServerSide());

  // Nodes declared without "a": steps default to the first.
  const Scenario n = MustParse(
      R"({"format": 1, "name": "n", "nodes": [{"name": "x"}, {"name": "y"}], "liveness": false,
          "steps": [{"op": "init"}]})");
  EXPECT_EQ(n.steps[0].node, "x");
  EXPECT_FALSE(n.liveness.enabled);
  EXPECT_TRUE(n.Concurrent());
}

// The example of docs/scenarios.md ("File format"), kept in step with it.
TEST(ScenarioParser, DocumentationExampleParses) {
  const Scenario s = MustParse(R"({
  "format": 1,
  "name": "reset-during-create",
  "description": "a reset on every third edge deploy; everything converges",
  "seed": 7,
  "tags": ["failure"],
  "nsxv": {"mgt_net_proxy_ips": ["10.0.0.5", "10.0.0.6"], "retries": 5},
  "faults": {"rules": [{"name": "reset-deploy", "method": "POST", "path": "/api/4.0/edges",
                        "probability": 0.3, "fault": {"kind": "reset"}}]},
  "steps": [
    {"op": "init", "expect": {"ok": true, "init": {"created": 2, "complete": true}}},
    {"op": "create_routers", "prefix": "r", "count": 20, "workers": 4,
     "expect": {"faults_fired": {"reset-deploy": {"min": 1}}, "state": {"routers": {"max": 22}}}},
    {"op": "backend", "action": "power_off", "target": "proxy:10.0.0.5"},
    {"op": "clear_faults"},
    {"op": "check", "expect": {"violations": {"min": 1}, "violation_invariants": ["proxy"]}},
    {"op": "delete_routers", "prefix": "r", "first": 1, "count": 10}
  ],
  "expect_final": {"violations": 0},
  "liveness": {"rounds": 3}
})");
  EXPECT_EQ(s.steps.size(), 6U);
}

TEST(ScenarioParser, ModelHelpers) {
  CountBound b;
  EXPECT_EQ(b.Describe(), "any");
  EXPECT_TRUE(b.Holds(-5));
  b.min = 1;
  b.max = 4;
  EXPECT_EQ(b.Describe(), "1..4");
  EXPECT_TRUE(b.Holds(1));
  EXPECT_TRUE(b.Holds(4));
  EXPECT_FALSE(b.Holds(0));
  EXPECT_FALSE(b.Holds(5));
  EXPECT_STREQ(StepOpName(StepOp::kUpdateSecret), "update_secret");
  Step s;
  s.prefix = "big";
  s.first = 999;
  s.count = 2;
  EXPECT_EQ(s.Names(), (std::vector<std::string>{"big-999", "big-1000"}));
  EXPECT_TRUE(Expectation{}.empty());
}

TEST(ScenarioParser, LoadScenarioFile) {
  const std::string path = ::testing::TempDir() + "/scenario_parser_test.json";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  const std::string text = R"({"format": 1, "name": "f", "steps": [{"op": "status"}]})";
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  auto s = LoadScenarioFile(path);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->file, path);
  std::remove(path.c_str());

  auto missing = LoadScenarioFile("/nonexistent/x.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(),
            "/nonexistent/x.json: cannot read: No such file or directory");
}

struct BadCase {
  const char* what;
  std::string text;
  std::string path;    // the message starts with "t.json: <path>: "
  std::string reason;  // and contains this
};

// A document with the given steps (and optional extra top-level keys before them).
std::string Doc(const std::string& steps, const std::string& extra = "") {
  return R"({"format": 1, "name": "bad", )" + extra + R"("steps": )" + steps + "}";
}

TEST(ScenarioParser, BadInput) {
  const std::string kPlan = R"({"rules": [{"name": "x", "fault": {"kind": "reset"}}]})";
  const std::vector<BadCase> cases = {
      {"unknown top-level key", Doc(R"([{"op": "init"}])", R"("colour": 1, )"), "$.colour",
       "unknown key in a scenario"},
      {"misspelt top-level key", Doc(R"([{"op": "init"}])", R"("sede": 1, )"), "$.sede",
       "did you mean 'seed'?"},
      {"unknown step key", Doc(R"([{"op": "init", "count": 2}])"), "$.steps[0].count",
       "unknown key in a step of op init"},
      {"unknown op", Doc(R"([{"op": "init"}, {"op": "explode"}])"), "$.steps[1].op",
       "unknown op 'explode'"},
      {"wrong type", Doc(R"([{"op": "create_routers", "prefix": "r", "count": "3"}])"),
       "$.steps[0].count", "expected an integer, got string"},
      {"count 0", Doc(R"([{"op": "create_routers", "prefix": "r", "count": 0}])"),
       "$.steps[0].count", "must be in 1..100000, got 0"},
      {"workers too many", Doc(R"([{"op": "create_routers", "prefix": "r", "workers": 300}])"),
       "$.steps[0].workers", "1..256"},
      {"unknown node", Doc(R"([{"op": "init", "node": "z"}])"), "$.steps[0].node",
       "unknown node 'z' (nodes: a)"},
      {"duplicate node", Doc(R"([{"op": "init"}])", R"("nodes": [{"name": "a"}, {"name": "a"}], )"),
       "$.nodes[1].name", "duplicate node 'a'"},
      {"delete of a router never created",
       Doc(R"([{"op": "create_routers", "prefix": "r", "count": 3},
               {"op": "delete_routers", "prefix": "r", "first": 5, "count": 3}])"),
       "$.steps[1]", "router 'r-005' is not created by an earlier step"},
      {"delete twice",
       Doc(R"([{"op": "create_routers", "names": ["r-007"]}, {"op": "delete_routers", "names": ["r-007"]},
               {"op": "delete_routers", "names": ["r-007"]}])"),
       "$.steps[2].names[0]", "router 'r-007' is not created by an earlier step (it was deleted)"},
      {"sibling in a parallel block does not count",
       Doc(R"([{"op": "parallel", "steps": [{"op": "create_routers", "names": ["q"]},
                                            {"op": "delete_routers", "names": ["q"]}]}])"),
       "$.steps[0].steps[1].names[0]", "router 'q' is not created by an earlier step"},
      {"create twice",
       Doc(R"([{"op": "create_routers", "prefix": "r"}, {"op": "create_routers", "prefix": "r"}])"),
       "$.steps[1]", "router 'r-001' already exists"},
      {"ports on an unknown network", Doc(R"([{"op": "create_ports", "network": "n"}])"),
       "$.steps[0].network", "network 'n' is not created by an earlier step"},
      {"backend target unknown proxy ip",
       Doc(R"([{"op": "backend", "action": "power_off", "target": "proxy:1.2.3.4"}])"),
       "$.steps[0].target", "'1.2.3.4' is in no mgt_net_proxy_ips"},
      {"faults_fired of a missing rule",
       Doc(R"([{"op": "set_faults", "faults": )" + kPlan + R"(}, {"op": "clear_faults"},
               {"op": "init", "expect": {"faults_fired": {"x": 1}}}])"),
       "$.steps[2].expect.faults_fired.x",
       "references nothing: no fault rule 'x' in the plan in force"},
      {"unknown nsxv option with suggestion",
       Doc(R"([{"op": "init"}])", R"("nsxv": {"retires": 3}, )"), "$.nsxv.retires",
       "unknown [nsxv] option (did you mean 'retries'?)"},
      {"bad nsxv value", Doc(R"([{"op": "restart", "nsxv": {"retries": "abc"}}])"),
       "$.steps[0].nsxv.retries", "not an integer"},
      {"bad nsxv value on a node",
       Doc(R"([{"op": "init"}])",
           R"("nodes": [{"name": "a", "nsxv": {"mgt_net_proxy_ips": "1.2.3"}}], )"),
       "$.nodes[0].nsxv.mgt_net_proxy_ips", ""},
      {"client plan with edge_deleted",
       Doc(R"([{"op": "init"}])",
           R"("client_faults": [{"name": "gone", "fault": {"kind": "edge_deleted"}}], )"),
       "$.client_faults", "rule gone: fault kind \"edge_deleted\" changes the backend"},
      {"bad server plan", Doc(R"([{"op": "set_faults", "faults": {"rules": [{"fault": {}}]}}])"),
       "$.steps[0].faults", "\"kind\" is required"},
      {"nested parallel",
       Doc(R"([{"op": "parallel", "steps": [{"op": "parallel", "steps": [{"op": "init"}]}]}])"),
       "$.steps[0].steps[0].op", "parallel steps do not nest"},
      {"min > max", Doc(R"([{"op": "init", "expect": {"writes": {"min": 5, "max": 2}}}])"),
       "$.steps[0].expect.writes", "min 5 > max 2"},
      {"bound of the wrong type", Doc(R"([{"op": "init", "expect": {"failed": "none"}}])"),
       "$.steps[0].expect.failed", "expected an integer or {\"min\": N, \"max\": M}, got string"},
      {"init expectation on a non-init step",
       Doc(R"([{"op": "status", "expect": {"init": {"created": 1}}}])"), "$.steps[0].expect.init",
       "init steps only"},
      {"unknown invariant name",
       Doc(R"([{"op": "check", "expect": {"violation_invariants": ["routers", "edges"]}}])"),
       "$.steps[0].expect.violation_invariants[1]", "unknown invariant 'edges'"},
      {"violations on a non-check step", Doc(R"([{"op": "init", "expect": {"violations": 0}}])"),
       "$.steps[0].expect.violations", "check steps"},
      {"bad CIDR",
       Doc(R"([{"op": "create_networks", "prefix": "n", "count": 2, "cidr": "10.{i}.0.1/24"}])"),
       "$.steps[0].cidr", "host bits are set"},
      {"CIDR out of range at the last index",
       Doc(R"([{"op": "create_networks", "prefix": "n", "first": 250, "count": 10, "cidr": "10.{i}.0.0/24"}])"),
       "$.steps[0].cidr", "{i} = 259"},
      {"missing format", R"({"name": "x", "steps": [{"op": "init"}]})", "$.format",
       "required key is missing"},
      {"wrong format version", R"({"format": 2, "name": "x", "steps": [{"op": "init"}]})",
       "$.format", "unsupported format 2 (this nsxv-md reads format 1)"},
      {"bad name", R"({"format": 1, "name": "Big Name", "steps": [{"op": "init"}]})", "$.name",
       "not a name"},
      {"empty steps", Doc("[]"), "$.steps", "must not be empty"},
      {"names and prefix", Doc(R"([{"op": "create_routers", "prefix": "r", "names": ["a"]}])"),
       "$.steps[0].prefix", "either \"names\" or prefix/first/count"},
      {"wait without seconds", Doc(R"([{"op": "wait"}])"), "$.steps[0].seconds",
       "required key is missing"},
      {"wait of 0 s", Doc(R"([{"op": "wait", "seconds": 0}])"), "$.steps[0].seconds",
       "must be > 0"},
      {"backend action", Doc(R"([{"op": "backend", "action": "reboot", "target": "router:r"}])"),
       "$.steps[0].action", "'reboot' is not one of"},
      {"liveness rounds", Doc(R"([{"op": "init"}])", R"("liveness": {"rounds": 50}, )"),
       "$.liveness.rounds", "1..20"},
      {"initial backend not a state", Doc(R"([{"op": "init"}])", R"("initial": {"backend": {}}, )"),
       "$.initial.backend", "state.format"},
      {"seed negative", Doc(R"([{"op": "init"}])", R"("seed": -1, )"), "$.seed",
       "must be >= 0, got -1"},
      {"request method",
       Doc(R"([{"op": "init", "expect": {"requests": [{"method": "PATCH", "count": 1}]}}])"),
       "$.steps[0].expect.requests[0].method", "'PATCH' is not one of"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.what);
    auto s = ParseScenario(c.text, "t.json");
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_EQ(s.error().code(), StatusCode::kInvalidArgument);
    const std::string& m = s.error().message();
    EXPECT_EQ(m.rfind("t.json: " + c.path + ": ", 0), 0U) << m;
    EXPECT_NE(m.find(c.reason), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
}

TEST(ScenarioParser, SyntaxErrorNamesLineAndColumn) {
  auto s = ParseScenario("{\n  \"format\": 1,\n  \"name\": x\n}", "t.json");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message().rfind("t.json:3:11: ", 0), 0U) << s.error().message();
  EXPECT_NE(s.error().message().find("syntax error"), std::string::npos) << s.error().message();

  auto empty = ParseScenario("", "e.json");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message().rfind("e.json:1:1: ", 0), 0U) << empty.error().message();

  auto top = ParseScenario("[1]", "t.json");
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.error().message(), "t.json: $: expected an object, got array");
}

}  // namespace
}  // namespace nsxv::scenarios
