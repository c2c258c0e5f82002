// End-to-end tests of nsxv-md: Run() in-process against the fake NSX-v manager over HTTPS
// (127.0.0.1:0, generated certificate trusted through ca_file), with a temporary nsx.ini and
// database. Covers every subcommand, exit codes, --json documents and the bad-input paths.
#include "cli/cli.h"

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "driver/store/sqlite.h"
#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/fault_plan.h"
#include "fake_nsxv/sample_documents.h"
#include "fake_nsxv/server.h"
#include "fake_nsxv/tls_cert.h"
#include "tests/driver/store/temp_dir.h"

namespace nsxv::cli {
namespace {

using nlohmann::json;
using testing_util::TempDir;

constexpr const char* kPassword = "pw-Secret-4711";
constexpr const char* kSharedSecret = "md-Secret-0815";

const fake::TlsIdentity& SharedIdentity() {
  static const fake::TlsIdentity* identity =
      new fake::TlsIdentity(fake::GenerateSelfSignedIdentity().value());
  return *identity;
}

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
  json Json() const { return json::parse(out); }
};

Outcome RunCli(std::vector<std::string> args) {
  args.insert(args.begin(), "nsxv-md");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out;
  std::ostringstream err;
  Outcome o;
  o.code = Run(static_cast<int>(argv.size()), argv.data(), out, err);
  o.out = out.str();
  o.err = err.str();
  return o;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake::FakeOptions options;
    options.password = kPassword;
    manager_ = std::make_unique<fake::FakeManager>(RealClock(), options);
    fake::ServerOptions server_options;
    server_options.identity = SharedIdentity();
    auto server = fake::Server::Start(*manager_, server_options);
    ASSERT_TRUE(server.ok()) << server.error().message();
    server_ = std::move(server).value();
    ca_file_ = dir_.File("ca.pem");
    std::ofstream(ca_file_) << server_->ca_pem();
    config_ = dir_.File("nsx.ini");
    WriteConfig("");
  }

  void WriteConfig(const std::string& extra) {
    std::ofstream(config_) << "[nsxv]\n"
                           << "manager_uri = " << server_->url() << "\n"
                           << "ca_file = " << ca_file_ << "\n"
                           << "user = admin\n"
                           << "password = " << kPassword << "\n"
                           << "mgt_net_moid = dvportgroup-mgmt\n"
                           << "mgt_net_proxy_ips = 10.10.0.5, 10.10.0.6\n"
                           << "mgt_net_proxy_netmask = 255.255.255.0\n"
                           << "mgt_net_default_gateway = 10.10.0.1\n"
                           << "nova_metadata_ips = 10.20.0.5\n"
                           << "metadata_shared_secret = " << kSharedSecret << "\n"
                           << "vdn_scope_id = vdnscope-1\n"
                           << "external_network = dvportgroup-ext\n"
                           << "datacenter_moid = datacenter-2\n"
                           << extra << "[database]\npath = " << db() << "\n";
  }

  std::string db() const { return dir_.File("md.db"); }
  bool DbExists() const {
    struct stat st {};
    return stat(db().c_str(), &st) == 0;
  }

  // Runs with --config and the given arguments.
  Outcome Cli(std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", config_});
    return RunCli(std::move(args));
  }

  TempDir dir_;
  std::unique_ptr<fake::FakeManager> manager_;
  std::unique_ptr<fake::Server> server_;
  std::string ca_file_;
  std::string config_;
};

void ExpectNoSecrets(const Outcome& o) {
  for (const char* secret : {kPassword, kSharedSecret}) {
    EXPECT_EQ(o.out.find(secret), std::string::npos) << o.out;
    EXPECT_EQ(o.err.find(secret), std::string::npos) << o.err;
  }
}

void ExpectDocument(const json& doc, const std::string& command, bool ok) {
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc.at("command"), command);
  EXPECT_EQ(doc.at("ok"), ok);
  EXPECT_EQ(doc.at("exit_code"), ok ? 0 : doc.at("exit_code").get<int>());
  EXPECT_TRUE(doc.at("warnings").is_array());
  EXPECT_TRUE(doc.at("result").is_object());
  EXPECT_EQ(doc.at("error").is_null(), ok);
}

// ---- usage ----

TEST(CliUsageTest, HelpListsEverySubcommand) {
  const Outcome o = RunCli({"--help"});
  EXPECT_EQ(o.code, 0);
  for (const char* name :
       {"demo", "init", "router", "status", "redo-config", "update-secret", "check", "repair",
        "network", "fake", "--config", "--set", "--json", "Exit codes"}) {
    EXPECT_NE(o.out.find(name), std::string::npos) << name;
  }
  for (const std::vector<std::string>& sub :
       std::vector<std::vector<std::string>>{{"demo"},
                                             {"init"},
                                             {"router"},
                                             {"router", "create"},
                                             {"router", "delete"},
                                             {"router", "list"},
                                             {"status"},
                                             {"redo-config"},
                                             {"update-secret"},
                                             {"check"},
                                             {"repair"},
                                             {"network", "create"},
                                             {"network", "delete"},
                                             {"fake"}}) {
    std::vector<std::string> args = sub;
    args.push_back("--help");
    const Outcome h = RunCli(args);
    EXPECT_EQ(h.code, 0) << sub.back();
    EXPECT_NE(h.out.find("Usage"), std::string::npos) << sub.back() << ": " << h.out;
  }
  EXPECT_NE(RunCli({"fake", "--help"}).out.find("--busy-policy"), std::string::npos);
  EXPECT_NE(RunCli({"demo", "--help"}).out.find("--routers"), std::string::npos);
}

TEST(CliUsageTest, UsageErrorsExit2) {
  EXPECT_EQ(RunCli({}).code, 2);
  EXPECT_EQ(RunCli({"frobnicate"}).code, 2);
  EXPECT_EQ(RunCli({"init", "--bogus"}).code, 2);
  EXPECT_EQ(RunCli({"router"}).code, 2);
  EXPECT_EQ(RunCli({"router", "create"}).code, 2);
  EXPECT_EQ(RunCli({"demo", "--routers", "-1"}).code, 2);
  EXPECT_EQ(RunCli({"demo", "--workers", "0"}).code, 2);
  const Outcome o = RunCli({"fake", "--time-scale", "0"});
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("nsxv-md fake: --time-scale 0: must be > 0"), std::string::npos) << o.err;
}

TEST(CliUsageTest, ConfigErrorsExit2WithOneLine) {
  TempDir dir;
  const std::string bad = dir.File("bad.ini");
  std::ofstream(bad) << "[nsxv]\nretries = abc\n";
  Outcome o = RunCli({"--config", bad, "check"});
  EXPECT_EQ(o.code, 2);
  EXPECT_EQ(o.err, "nsxv-md: " + bad + ":2: [nsxv] retries = 'abc': not an integer\n");
  o = RunCli({"--config", dir.File("missing.ini"), "init"});
  EXPECT_EQ(o.code, 2);
  EXPECT_EQ(o.err, "nsxv-md: --config " + dir.File("missing.ini") + ": no such file\n");
  o = RunCli({"check"});  // no manager_uri
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("[nsxv] manager_uri is not set"), std::string::npos);
  o = RunCli({"--set", "nsxv.nova_metadata_ips=10.0.0.1,10.0.0.1", "--json", "init"});
  EXPECT_EQ(o.code, 2);
  const json doc = o.Json();
  ExpectDocument(doc, "init", false);
  EXPECT_EQ(doc.at("exit_code"), 2);
  EXPECT_EQ(doc.at("error"),
            "--set nsxv.nova_metadata_ips=10.0.0.1,10.0.0.1: 10.0.0.1 is listed twice");
}

// ---- demo ----

TEST(CliDemoTest, DemoNeedsNoConfigAndPasses) {
  const Outcome o = RunCli({"demo", "--routers", "6", "--workers", "3"});
  EXPECT_EQ(o.code, 0) << o.out << o.err;
  for (const char* part : {"metadata init", "3/3 proxy edges ready", "routers with metadata",
                           "6/6 configured by 3 workers", "invariant checks", "demo passed"}) {
    EXPECT_NE(o.out.find(part), std::string::npos) << part << "\n" << o.out;
  }
}

TEST(CliDemoTest, DemoJsonDocument) {
  const Outcome o =
      RunCli({"demo", "--routers", "4", "--json", "--set", "nsxv.max_init_threads=2"});
  ASSERT_EQ(o.code, 0) << o.out << o.err;
  const json doc = o.Json();
  ExpectDocument(doc, "demo", true);
  const json& r = doc.at("result");
  EXPECT_EQ(r.at("routers_requested"), 4);
  EXPECT_EQ(r.at("routers_configured"), 4);
  EXPECT_EQ(r.at("init").at("proxy_edges").size(), 3u);
  EXPECT_EQ(r.at("init").at("complete"), true);
  EXPECT_EQ(r.at("check").at("violations").size(), 0u);
  EXPECT_GT(r.at("check").at("checks").get<int>(), 0);
  EXPECT_EQ(r.at("check").at("passed"), r.at("check").at("checks"));
  EXPECT_EQ(r.at("steps").size(), 5u);
  EXPECT_EQ(r.at("steps").at(4).at("step"), "metadata path");
  EXPECT_EQ(r.at("steps").at(4).at("result"), "4/4 routers proven");
  for (const json& step : r.at("steps")) {
    EXPECT_TRUE(step.at("ok").get<bool>()) << step.dump();
    EXPECT_TRUE(step.at("seconds").is_number());
  }
  EXPECT_GT(r.at("nsx_requests").get<int>(), 0);
  EXPECT_TRUE(r.at("total_seconds").is_number());
  EXPECT_EQ(o.out.find("demo-shared-secret"), std::string::npos);
  EXPECT_EQ(o.err.find("demo-shared-secret"), std::string::npos);
}

// ---- every subcommand against the fake over HTTPS ----

TEST_F(CliTest, InitRouterStatusRedoSecretCheckDelete) {
  Outcome o = Cli({"init"});
  ASSERT_EQ(o.code, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("2/2 proxy edges ok"), std::string::npos) << o.out;

  o = Cli({"init", "--json"});  // a restart: validated, nothing changed
  ASSERT_EQ(o.code, 0) << o.err;
  json doc = o.Json();
  ExpectDocument(doc, "init", true);
  ASSERT_EQ(doc["result"]["proxy_edges"].size(), 2u);
  for (const json& e : doc["result"]["proxy_edges"]) {
    EXPECT_EQ(e["action"], "validated");
    EXPECT_EQ(e["changed"], false);
  }
  EXPECT_EQ(doc["result"]["live_proxy_ips"].size(), 2u);

  o = Cli({"router", "create", "web", "--tenant", "t1"});
  ASSERT_EQ(o.code, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("web"), std::string::npos);
  o = Cli({"router", "create", "db", "--json"});
  ASSERT_EQ(o.code, 0) << o.err;
  doc = o.Json();
  ExpectDocument(doc, "router create", true);
  EXPECT_EQ(doc["result"]["router"]["name"], "db");
  EXPECT_EQ(doc["result"]["router"]["tenant_id"], "nsxv-md");
  EXPECT_FALSE(doc["result"]["router"]["edge_id"].get<std::string>().empty());
  const std::string db_id = doc["result"]["router"]["id"];

  o = Cli({"router", "list", "--json"});
  ASSERT_EQ(o.code, 0) << o.err;
  doc = o.Json();
  ExpectDocument(doc, "router list", true);
  ASSERT_EQ(doc["result"]["routers"].size(), 4u);  // 2 proxy routers + web + db
  int proxies = 0;
  for (const json& r : doc["result"]["routers"]) {
    proxies += r["role"] == "md-proxy" ? 1 : 0;
    EXPECT_FALSE(r["metadata_ip"].get<std::string>().empty()) << r.dump();
  }
  EXPECT_EQ(proxies, 2);
  o = Cli({"router", "list"});
  EXPECT_NE(o.out.find("4 router(s) in " + db()), std::string::npos) << o.out;

  o = Cli({"status", "--json"});
  ASSERT_EQ(o.code, 0) << o.out << o.err;
  doc = o.Json();
  ExpectDocument(doc, "status", true);
  EXPECT_EQ(doc["result"]["proxy_edges"].size(), 2u);
  ASSERT_EQ(doc["result"]["router_edges"].size(), 2u);
  for (const json& r : doc["result"]["router_edges"]) EXPECT_EQ(r["members_match"], true);
  EXPECT_EQ(doc["result"]["problems"], 0);
  EXPECT_EQ(Cli({"status"}).code, 0);

  o = Cli({"redo-config", "--json"});
  ASSERT_EQ(o.code, 0) << o.err;
  doc = o.Json();
  ExpectDocument(doc, "redo-config", true);
  EXPECT_EQ(doc["result"]["edges"].size(), 2u);
  EXPECT_EQ(doc["result"]["failed"], 0);
  EXPECT_EQ(Cli({"redo-config"}).code, 0);

  // A new secret: every router edge's signature rule changes.
  o = Cli({"--set", "nsxv.metadata_shared_secret=another-secret", "update-secret", "--json"});
  ASSERT_EQ(o.code, 0) << o.err;
  doc = o.Json();
  ExpectDocument(doc, "update-secret", true);
  EXPECT_EQ(doc["result"]["updated"], 2);
  EXPECT_EQ(o.out.find("another-secret"), std::string::npos);
  EXPECT_EQ(Cli({"update-secret"}).code, 0);

  o = Cli({"check", "--json"});
  ASSERT_EQ(o.code, 0) << o.out << o.err;
  doc = o.Json();
  ExpectDocument(doc, "check", true);
  EXPECT_EQ(doc["result"]["routers"], 4);
  EXPECT_EQ(doc["result"]["proxy_edges"], 2);
  EXPECT_EQ(doc["result"]["router_edges"], 2);
  EXPECT_EQ(doc["result"]["backend_edges"], 4);
  EXPECT_EQ(doc["result"]["passed"], doc["result"]["checks"]);
  o = Cli({"check"});
  EXPECT_EQ(o.code, 0);
  EXPECT_NE(o.out.find("invariant checks passed"), std::string::npos);

  o = Cli({"router", "delete", "web"});
  ASSERT_EQ(o.code, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("deleted router"), std::string::npos);
  o = Cli({"router", "delete", db_id, "--json"});
  ASSERT_EQ(o.code, 0) << o.err;
  ExpectDocument(o.Json(), "router delete", true);
  o = Cli({"router", "delete", "web"});
  EXPECT_EQ(o.code, 1);
  EXPECT_EQ(o.err, "nsxv-md: router delete: no router named web\n");
  EXPECT_EQ(Cli({"check"}).code, 0);
}

TEST_F(CliTest, RouterDeleteRefusesProxyRoutersAndAmbiguousNames) {
  ASSERT_EQ(Cli({"router", "create", "twin"}).code, 0);
  ASSERT_EQ(Cli({"router", "create", "twin"}).code, 0);
  Outcome o = Cli({"router", "delete", "twin"});
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("2 routers are named twin"), std::string::npos) << o.err;
  o = Cli({"router", "delete", "metadata_proxy_router"});
  EXPECT_EQ(o.code, 1);
  const json list = Cli({"router", "list", "--json"}).Json();
  std::string proxy_id;
  for (const json& r : list["result"]["routers"]) {
    if (r["role"] == "md-proxy") proxy_id = r["id"];
  }
  o = Cli({"router", "delete", proxy_id});
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("is a metadata proxy router"), std::string::npos) << o.err;
}

TEST_F(CliTest, CheckFindsAnEdgeDeletedBehindTheDriversBack) {
  ASSERT_EQ(Cli({"router", "create", "victim", "--json"}).code, 0);
  const json doc = Cli({"router", "list", "--json"}).Json();
  std::string edge;
  for (const json& r : doc["result"]["routers"]) {
    if (r["name"] == "victim") edge = r["edge_id"];
  }
  ASSERT_TRUE(manager_->model().DeleteEdge(edge).ok());
  Outcome o = Cli({"check"});
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.out.find("edge " + edge + " does not exist on the backend"), std::string::npos)
      << o.out;
  EXPECT_NE(o.err.find("invariant violation(s)"), std::string::npos);
  o = Cli({"check", "--json"});
  EXPECT_EQ(o.code, 1);
  const json report = o.Json();
  ExpectDocument(report, "check", false);
  EXPECT_GE(report["result"]["violations"].size(), 1u);
  EXPECT_EQ(report["result"]["violations"][0]["invariant"], "routers");
}

// An edge of other software on the same manager is outside the driver's naming scope: check
// counts it and passes; --all-edges reports it as an orphan.
TEST_F(CliTest, CheckLeavesEdgesOutsideTheNamingScopeAlone) {
  ASSERT_EQ(Cli({"router", "create", "ours", "--json"}).code, 0);
  fake::Call call;
  auto foreign = manager_->model().DeployEdge(
      json::parse(fake::DeployEdgeBody("lbaas-of-other-software")), false, &call);
  ASSERT_TRUE(foreign.ok()) << foreign.status().ToString();
  Outcome o = Cli({"check"});
  EXPECT_EQ(o.code, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("1 backend edges outside the naming scope"), std::string::npos) << o.out;
  o = Cli({"check", "--json"});
  EXPECT_EQ(o.code, 0) << o.out << o.err;
  EXPECT_EQ(o.Json()["result"]["foreign_edges"], 1);
  o = Cli({"check", "--all-edges"});
  EXPECT_EQ(o.code, 1) << o.out << o.err;
  EXPECT_NE(o.out.find(foreign->edge_id), std::string::npos) << o.out;
}

// repair lists without changing anything (exit 1: something to repair), fixes with --yes
// (exit 0: check is clean after it), and then has nothing left to list (exit 0).
TEST_F(CliTest, RepairListsThenFixesWithYes) {
  ASSERT_EQ(Cli({"router", "create", "victim", "--json"}).code, 0);
  const json doc = Cli({"router", "list", "--json"}).Json();
  std::string edge;
  for (const json& r : doc["result"]["routers"]) {
    if (r["name"] == "victim") edge = r["edge_id"];
  }
  ASSERT_TRUE(manager_->model().DeleteEdge(edge).ok());
  ASSERT_EQ(Cli({"check"}).code, 1);

  Outcome o = Cli({"repair", "--json"});
  EXPECT_EQ(o.code, 1) << o.out << o.err;
  json report = o.Json();
  ExpectDocument(report, "repair", false);
  EXPECT_FALSE(report["result"]["applied"].get<bool>());
  ASSERT_GE(report["result"]["items"].size(), 1u) << o.out;
  EXPECT_EQ(report["result"]["items"][0]["kind"], "missing-edges");
  EXPECT_EQ(report["result"]["items"][0]["outcome"], "found");
  EXPECT_TRUE(report["result"]["virtual_wires_listed"].get<bool>());  // the fake lists them
  EXPECT_EQ(Cli({"check"}).code, 1) << "listing changed something";
  EXPECT_EQ(Cli({"repair", "--dry-run"}).code, 1);

  o = Cli({"repair", "--yes", "--json"});
  EXPECT_EQ(o.code, 0) << o.out << o.err;
  report = o.Json();
  ExpectDocument(report, "repair", true);
  EXPECT_TRUE(report["result"]["applied"].get<bool>());
  EXPECT_GE(report["result"]["fixed"].get<int>(), 1);
  EXPECT_EQ(report["result"]["left"].size(), 0u);
  EXPECT_EQ(Cli({"check"}).code, 0);
  o = Cli({"repair"});
  EXPECT_EQ(o.code, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("0 item(s) to repair"), std::string::npos) << o.out;
}

// What no repair applies to is left, with its reason, and the exit code is 1.
TEST_F(CliTest, RepairReportsWhatItCannotFix) {
  ASSERT_EQ(Cli({"network", "create", "web", "--cidr", "10.1.0.0/24"}).code, 0);
  {
    auto file = store::SqliteDb::Open(db(), {});
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)
                    ->Exec("DELETE FROM neutron_nsx_network_mappings WHERE neutron_id IN "
                           "(SELECT id FROM networks WHERE name = 'web')")
                    .ok());
  }
  const Outcome o = Cli({"repair", "--yes", "--json"});
  EXPECT_EQ(o.code, 1) << o.out << o.err;
  const json report = o.Json();
  ExpectDocument(report, "repair", false);
  bool wire_fixed = false;
  for (const json& i : report["result"]["items"]) {
    wire_fixed = wire_fixed || (i["kind"] == "orphaned-wires" && i["outcome"] == "fixed");
  }
  EXPECT_TRUE(wire_fixed) << o.out;  // the unmapped wire is deleted
  ASSERT_EQ(report["result"]["left"].size(), 1u) << o.out;
  EXPECT_EQ(report["result"]["left"][0]["invariant"], "half-created");
  EXPECT_NE(report["result"]["left"][0]["detail"].get<std::string>().find("no virtual wire"),
            std::string::npos);
  EXPECT_NE(report["error"].get<std::string>().find("could not be fixed"), std::string::npos);
}

TEST_F(CliTest, RepairUsageErrorsExit2) {
  EXPECT_EQ(Cli({"repair", "no-such-kind"}).code, 2);
  EXPECT_EQ(Cli({"repair", "--yes", "--dry-run"}).code, 2);
}

TEST_F(CliTest, StatusIsReadOnlyAndReportsDrift) {
  ASSERT_EQ(Cli({"init"}).code, 0);
  // A different default gateway in the configuration is drift: status must not repair it.
  const json before = manager_->model().Dump();
  Outcome o = Cli({"--set", "nsxv.mgt_net_default_gateway=10.10.0.254", "status"});
  EXPECT_EQ(o.code, 1);  // the drift is a problem it describes, per proxy edge
  EXPECT_NE(o.out.find("10.10.0.254"), std::string::npos) << o.out;
  EXPECT_EQ(o.err.find("metadata init"), std::string::npos) << o.err;  // no Init ran
  EXPECT_EQ(manager_->model().Dump(), before);                         // nothing written
  EXPECT_EQ(Cli({"check"}).code, 0);  // unchanged backend still matches the file's config
}

// The manager probe reads the version the way upstream's start-up does (GET
// /api/2.0/services/vsmconfig); that call is in no published spec, so a manager that does not
// serve it still connects and the version is reported unknown.
TEST_F(CliTest, ProbeReportsTheManagerVersionAndCopesWithoutTheCall) {
  Outcome o = Cli({"--json", "init"});
  ASSERT_EQ(o.code, 0) << o.err;
  json served;
  ASSERT_TRUE(manager_->model().GetManagerConfig(&served).ok());
  EXPECT_EQ(o.Json()["manager"]["version"], served["version"]);

  auto plan = fake::FaultPlan::FromJsonText(
      R"({"rules": [{"path": "/api/2.0/services/vsmconfig",
                     "fault": {"kind": "http_error", "status": 404}}]})",
      1);
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  manager_->SetFaultPlan(*plan);
  o = Cli({"--json", "init"});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.Json()["manager"]["version"], "");
  EXPECT_NE(o.Json()["manager"]["note"].get<std::string>().find("version unknown"),
            std::string::npos);
}

TEST_F(CliTest, MetadataNotConfiguredIsAConfigError) {
  const Outcome o = Cli({"--set", "nsxv.mgt_net_moid=", "init"});
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("metadata proxy is not configured"), std::string::npos) << o.err;
  EXPECT_FALSE(DbExists());
}

// ---- bad manager: one line naming the cause and the URL, exit 1, nothing changed ----

TEST_F(CliTest, WrongCredentials) {
  const Outcome o = Cli({"--set", "nsxv.password=wrong-password", "init"});
  EXPECT_EQ(o.code, 1);
  EXPECT_EQ(o.err, "nsxv-md: the NSX manager at " + server_->url() +
                       " rejected the credentials of user 'admin' (HTTP 401): check [nsxv] user "
                       "and password\n");
  EXPECT_EQ(o.out, "");
  EXPECT_FALSE(DbExists());
  EXPECT_TRUE(manager_->model().EdgeIds().empty());
}

TEST_F(CliTest, UntrustedCertificate) {
  const Outcome o = Cli({"--set", "nsxv.ca_file=", "router", "create", "r"});
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(
      o.err.find("untrusted or failed TLS connection to the NSX manager at " + server_->url()),
      std::string::npos)
      << o.err;
  EXPECT_NE(o.err.find("ca_file"), std::string::npos);
  EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1);
  EXPECT_FALSE(DbExists());
}

TEST_F(CliTest, InsecureSkipsVerificationWithAWarning) {
  ASSERT_EQ(Cli({"init"}).code, 0);
  const Outcome o = Cli({"--set", "nsxv.ca_file=", "--set", "nsxv.insecure=true", "check"});
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.err.find("TLS certificate verification is OFF"), std::string::npos) << o.err;
  EXPECT_EQ(Cli({"-q", "--set", "nsxv.ca_file=", "--set", "nsxv.insecure=true", "check"}).err, "");
}

TEST_F(CliTest, UnreachableManager) {
  const std::string url = server_->url();
  server_->Stop();
  const Outcome o = Cli({"init", "--json"});
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("nsxv-md: cannot reach the NSX manager at " + url), std::string::npos)
      << o.err;
  const json doc = o.Json();
  ExpectDocument(doc, "init", false);
  EXPECT_EQ(doc["exit_code"], 1);
  EXPECT_FALSE(DbExists());
}

TEST_F(CliTest, SecretsAreNeverPrinted) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"-vvv", "init"},
           {"-vvv", "--json", "router", "create", "r1"},
           {"-vvv", "status"},
           {"-vvv", "--json", "update-secret"},
           {"-vvv", "--set", "nsxv.password=wrong", "check"},
       }) {
    const Outcome o = Cli(args);
    ExpectNoSecrets(o);
  }
}

TEST_F(CliTest, ListWithoutDatabaseCreatesNothing) {
  const Outcome o = Cli({"router", "list"});
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find("0 router(s)"), std::string::npos);
  EXPECT_FALSE(DbExists());
}

TEST(CliFakeTest, FakeDemoRunsTheFakesSelfDemo) {
  const Outcome o = RunCli({"fake", "--demo"});
  EXPECT_EQ(o.code, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("listening on https://127.0.0.1:"), std::string::npos);
  EXPECT_NE(o.out.find("demo passed"), std::string::npos);
}

}  // namespace
}  // namespace nsxv::cli
