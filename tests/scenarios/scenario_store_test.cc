// The scenario runner on MariaDB (scenarios/scenario_store.h): the store choice, and runs whose
// nodes share a MariaDB database and the GET_LOCK coordinator instead of a file and flock.
#include "scenarios/scenario_store.h"

#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "driver/store/mariadb.h"
#include "driver/store/mysql_admin.h"
#include "driver/store/mysql_url.h"
#include "scenarios/runner.h"
#include "tests/driver/store/temp_dir.h"
#include "tests/test_util/mariadb_server.h"

namespace nsxv::scenarios {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(StoreChoice, ParsesTheThreeFormsAndRefusesOthersWithoutEchoingAPassword) {
  auto sqlite = ParseStoreChoice("sqlite");
  ASSERT_TRUE(sqlite.ok());
  EXPECT_EQ(sqlite->kind, StoreKind::kSqlite);
  auto mariadb = ParseStoreChoice("mariadb");
  ASSERT_TRUE(mariadb.ok());
  EXPECT_EQ(mariadb->kind, StoreKind::kMariadb);
  auto url = ParseStoreChoice("mysql+pymysql://neutron:Secr3t@db.example.com/neutron");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->kind, StoreKind::kMysqlUrl);
  EXPECT_THAT(url->Name(), Not(HasSubstr("Secr3t")));
  EXPECT_THAT(url->Name(), HasSubstr("db.example.com"));

  auto bad = ParseStoreChoice("postgresql://neutron:Secr3t@db/neutron");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.error().message(), HasSubstr("expected sqlite, mariadb or mysql"));
  EXPECT_THAT(bad.error().message(), Not(HasSubstr("Secr3t")));
}

TEST(StoreChoice, ScenarioKeyIsCheckedWhenTheFileIsRead) {
  auto sc = ParseScenario(
      R"({"format": 1, "name": "s", "store": "oracle", "steps": [{"op": "init"}]})", "s.json");
  ASSERT_FALSE(sc.ok());
  EXPECT_THAT(sc.error().message(), HasSubstr("$.store"));
  auto ok = ParseScenario(
      R"({"format": 1, "name": "s", "store": "mariadb", "steps": [{"op": "init"}]})", "s.json");
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(ok->store, "mariadb");
  EXPECT_EQ(ScenarioToJson(*ok).value("store", ""), "mariadb");
}

TEST(MysqlUrlWithDatabase, ReplacesOnlyTheDatabase) {
  // The forms of neutron.conf's [database] connection (store/mysql_url.h).
  auto tcp =
      store::MysqlUrlWithDatabase("mysql+pymysql://u:p%2Fw@db.example.com:3307/neutron", "other_1");
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ(*tcp, "mysql+pymysql://u:p%2Fw@db.example.com:3307/other_1");
  auto sock = store::MysqlUrlWithDatabase(
      "mysql+pymysql://u:pw@/neutron?unix_socket=/run/mysqld/mysqld.sock", "x");
  ASSERT_TRUE(sock.ok());
  EXPECT_EQ(*sock, "mysql+pymysql://u:pw@/x?unix_socket=/run/mysqld/mysqld.sock");
  auto parsed = store::ParseMysqlUrl(*sock);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->database, "x");
  EXPECT_EQ(parsed->password, "pw");
  EXPECT_FALSE(store::MysqlUrlWithDatabase("mysql://u@h/db", "x; DROP").ok());
}

// Two initializer nodes init at once and create routers at once; the state expectations are
// read by the observer, so they hold only if it reads the nodes' MariaDB database.
constexpr const char* kTwoNodes = R"({
  "format": 1, "name": "two-nodes-mariadb", "seed": 3,
  "nodes": [{"name": "a"}, {"name": "b"}],
  "steps": [
    {"op": "parallel", "steps": [{"op": "init", "node": "a"}, {"op": "init", "node": "b"}],
     "expect": {"ok": true, "succeeded": 2,
                "requests": [{"method": "POST", "path": "/api/4.0/edges", "count": 2}],
                "state": {"proxy_edges": 2, "routers": 2}}},
    {"op": "parallel", "steps": [
       {"op": "create_routers", "node": "a", "prefix": "a", "count": 4, "workers": 2},
       {"op": "create_routers", "node": "b", "prefix": "b", "count": 4, "workers": 2}],
     "expect": {"ok": true, "succeeded": 8, "state": {"routers": 10}}}
  ],
  "expect": {"violations": 0, "state": {"routers": 10}}})";

// The names of the scenario databases on the server of `url`.
std::vector<std::string> ScenarioDatabases(const std::string& url) {
  std::vector<std::string> names;
  auto parsed = store::ParseMysqlUrl(url);
  if (!parsed.ok()) return names;
  parsed->database.clear();
  auto db = store::MariadbDb::Open(*parsed, 10000);
  if (!db.ok()) return names;
  auto stmt = (*db)->Prepare("SELECT schema_name FROM information_schema.schemata");
  if (!stmt.ok()) return names;
  for (int i = 0; i < 10000; ++i) {
    auto row = stmt->Step();
    if (!row.ok() || !*row) break;
    const std::string name = stmt->Text(0);
    if (name.rfind("nsxv_scenario_", 0) == 0) names.push_back(name);
  }
  return names;
}

TEST(ScenarioOnMariadb, NodesShareADatabaseOnAnExistingServerThatIsDroppedAfterwards) {
  std::string url;
  NSXV_FRESH_MARIADB_OR_SKIP(url);
  auto sc = ParseScenario(kTwoNodes, "two.json");
  ASSERT_TRUE(sc.ok()) << sc.error().message();
  testing_util::TempDir dir;
  RunOptions o;
  o.store = url;
  o.work_dir = dir.path();
  o.keep_work_dir = true;
  auto report = RunScenario(*sc, o);
  ASSERT_TRUE(report.ok()) << report.error().message();
  std::string failures;
  for (const auto& f : report->failures) failures += f + "\n";
  EXPECT_TRUE(report->passed()) << failures;
  EXPECT_EQ(report->final_routers.size(), 8u);
  // Nothing went to an SQLite file, and the run's database is gone.
  EXPECT_FALSE(std::filesystem::exists(dir.File("nsxv.db")));
  EXPECT_TRUE(ScenarioDatabases(url).empty());
}

TEST(ScenarioOnMariadb, ScenarioKeyStartsAPrivateServerUnderTheWorkDirAndRemovesIt) {
  std::string url;
  NSXV_FRESH_MARIADB_OR_SKIP(url);  // skips when the server is not installed
  auto sc = ParseScenario(kTwoNodes, "two.json");
  ASSERT_TRUE(sc.ok());
  sc->store = "mariadb";
  testing_util::TempDir dir;
  RunOptions o;
  o.work_dir = dir.path();
  o.keep_work_dir = true;
  auto report = RunScenario(*sc, o);
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_TRUE(report->passed());
  EXPECT_EQ(report->final_routers.size(), 8u);
  EXPECT_FALSE(std::filesystem::exists(dir.File("nsxv.db")));
  EXPECT_FALSE(std::filesystem::exists(dir.File("mariadb")));
}

}  // namespace
}  // namespace nsxv::scenarios
