// The MariaDB engine: connection URLs as neutron.conf writes them, the dialect rewrite, and what
// only InnoDB does (deadlocks retried to success). The store, IPAM and plugin behaviour shared
// with SQLite is tested on both engines by the parameterized suites of store_test.cc and
// ipam_test.cc.
#include <latch>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "driver/store/context.h"
#include "driver/store/dialect.h"
#include "driver/store/ipam.h"
#include "driver/store/mysql_url.h"
#include "driver/store/neutron_db.h"
#include "driver/store/schema.h"
#include "tests/test_util/mariadb_server.h"

namespace nsxv::store {
namespace {

TEST(MysqlUrlTest, NeutronConfForms) {
  auto tcp = ParseMysqlUrl("mysql+pymysql://neutron:s%40cret@db.example:3307/neutron");
  ASSERT_TRUE(tcp.ok()) << tcp.status().ToString();
  EXPECT_EQ(tcp->user, "neutron");
  EXPECT_EQ(tcp->password, "s@cret");
  EXPECT_EQ(tcp->host, "db.example");
  EXPECT_EQ(tcp->port, 3307U);
  EXPECT_EQ(tcp->database, "neutron");
  EXPECT_EQ(tcp->Redacted(), "mysql://neutron@db.example:3307/neutron");

  auto sock =
      ParseMysqlUrl("mysql://u:p@/neutron?unix_socket=/run/mysqld/mysqld.sock&charset=utf8");
  ASSERT_TRUE(sock.ok()) << sock.status().ToString();
  EXPECT_EQ(sock->unix_socket, "/run/mysqld/mysqld.sock");
  EXPECT_TRUE(sock->host.empty());
  EXPECT_EQ(sock->Redacted(), "mysql://u@localhost/neutron?unix_socket=/run/mysqld/mysqld.sock");
  EXPECT_TRUE(IsMysqlUrl("mariadb+pymysql://u:p@h/d"));
  EXPECT_FALSE(IsMysqlUrl("sqlite:///tmp/x.db"));
}

TEST(MysqlUrlTest, ErrorsNameThePartNeverThePassword) {
  for (const char* bad :
       {"postgresql://u:hunter2@h/d", "mysql://u:hunter2@h", "mysql://:hunter2@h/d",
        "mysql://u:hunter2@h:99999/d", "mysql://u:hunter2@h/d?ssl=1", "mysql://u:hunter2@/d"}) {
    auto url = ParseMysqlUrl(bad);
    ASSERT_FALSE(url.ok()) << bad;
    EXPECT_EQ(url.error().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(url.error().message().find("hunter2"), std::string::npos) << url.error().message();
  }
  EXPECT_NE(ParseMysqlUrl("mysql://u:p@h/d?ssl=1").error().message().find("'ssl'"),
            std::string::npos);
}

TEST(DialectTest, MariadbRewrites) {
  EXPECT_EQ(MariadbSql("BEGIN IMMEDIATE"), "START TRANSACTION");
  EXPECT_EQ(MariadbSql("INSERT OR IGNORE INTO t VALUES (1)"), "INSERT IGNORE INTO t VALUES (1)");
  const std::string in = MariadbSql("SELECT 1 WHERE x IN (SELECT value FROM json_each(?2))");
  EXPECT_NE(in.find("JSON_TABLE(?2, '$[*]'"), std::string::npos) << in;
  const std::string ddl = SchemaSql(Engine::kMariadb,
                                    "CREATE TABLE t ({rowid} id TEXT, n INTEGER "
                                    "CHECK (id <> 'TEXT'))");
  EXPECT_NE(ddl.find("rowid BIGINT NOT NULL AUTO_INCREMENT UNIQUE"), std::string::npos);
  EXPECT_NE(ddl.find("n BIGINT"), std::string::npos);
  EXPECT_NE(ddl.find("'TEXT'"), std::string::npos);  // literals are left alone
  EXPECT_EQ(SchemaSql(Engine::kSqlite, "CREATE TABLE t ({rowid}id TEXT)"),
            "CREATE TABLE t (id TEXT)");
}

class MariadbStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { NSXV_FRESH_MARIADB_OR_SKIP(options_.connection); }
  std::unique_ptr<Context> Open() {
    auto ctx = Context::Open(options_);
    EXPECT_TRUE(ctx.ok()) << ctx.status().ToString();
    return ctx.ok() ? std::move(ctx).value() : nullptr;
  }
  ContextOptions options_;
};

TEST_F(MariadbStoreTest, MigratesOnceAndNamesTheServerWithoutPassword) {
  auto first = Open();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->engine(), Engine::kMariadb);
  Db* db = *first->db();
  EXPECT_EQ(*SchemaVersion(*db), kSchemaVersion);
  ASSERT_TRUE(InsertNetwork(*first, NetworkRow{"net-1", "t", "n"}).ok());
  auto second = Open();  // finds the schema current, keeps the data
  ASSERT_NE(second, nullptr);
  EXPECT_TRUE(GetNetworkRow(*second, "net-1")->has_value());
  EXPECT_EQ(first->path().find(testing_util::MariadbTestPassword()), std::string::npos);
  EXPECT_EQ(first->path().rfind("mysql://nsxv@localhost/", 0), 0U) << first->path();
}

TEST_F(MariadbStoreTest, WrongPasswordIsPermissionDeniedAndNotEchoed) {
  ContextOptions bad = options_;
  const size_t at = bad.connection.find('@');
  bad.connection = "mysql+pymysql://nsxv:wrong-pw-123" + bad.connection.substr(at);
  auto ctx = Context::Open(bad);
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.error().code(), StatusCode::kPermissionDenied) << ctx.error().ToString();
  EXPECT_EQ(ctx.error().message().find("wrong-pw-123"), std::string::npos);
  EXPECT_NE(ctx.error().message().find("mysql://nsxv@localhost/"), std::string::npos);
}

TEST_F(MariadbStoreTest, NewerSchemaIsRejected) {
  {
    auto ctx = Open();
    ASSERT_NE(ctx, nullptr);
    ASSERT_TRUE((*ctx->db())->Exec("UPDATE nsxv_schema_version SET version = 99").ok());
  }
  auto ctx = Context::Open(options_);
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(ctx.error().message().find("schema version 99"), std::string::npos);
}

// Two transactions lock two rows in opposite orders: InnoDB breaks the cycle by rolling one back
// with error 1213, and RunInTransaction runs that one again, to success.
TEST_F(MariadbStoreTest, DeadlockIsRetriedToSuccess) {
  {
    auto ctx = Open();
    ASSERT_NE(ctx, nullptr);
    ASSERT_TRUE(InsertNetwork(*ctx, NetworkRow{"x", "t", "x0"}).ok());
    ASSERT_TRUE(InsertNetwork(*ctx, NetworkRow{"y", "t", "y0"}).ok());
  }
  std::latch a_holds_x(1);
  std::latch b_holds_y(1);
  struct Outcome {
    Status final;
    int attempts = 0;
    Status first_failure;
  };
  Outcome a;
  Outcome b;
  auto worker = [&](Outcome& out, const std::string& first, const std::string& second,
                    std::latch& mine, std::latch& theirs, const std::string& name) {
    ContextOptions o = options_;
    o.busy_timeout_ms = 20000;  // a lock wait (1205) instead of a deadlock would take 20 s
    auto ctx = Context::Open(o);
    if (!ctx.ok()) {
      out.final = ctx.error();
      return;
    }
    Context& c = **ctx;
    out.final = RunInTransaction(c, [&]() -> Status {
      const int attempt = ++out.attempts;
      NSXV_ASSIGN_OR_RETURN(Db * db, c.db());
      const auto update = [&](const std::string& id) -> Status {
        NSXV_ASSIGN_OR_RETURN(Stmt s, db->Prepare("UPDATE networks SET name = ? WHERE id = ?"));
        s.BindAll(name, id);
        Status st = s.Run().status();
        if (!st.ok() && out.first_failure.ok()) out.first_failure = st;
        return st;
      };
      NSXV_RETURN_IF_ERROR(update(first));
      if (attempt == 1) {
        mine.count_down();
        theirs.wait();
      }
      return update(second);
    });
  };
  std::thread ta(worker, std::ref(a), "x", "y", std::ref(a_holds_x), std::ref(b_holds_y), "A");
  std::thread tb(worker, std::ref(b), "y", "x", std::ref(b_holds_y), std::ref(a_holds_x), "B");
  ta.join();
  tb.join();
  ASSERT_TRUE(a.final.ok()) << a.final.ToString();
  ASSERT_TRUE(b.final.ok()) << b.final.ToString();
  // Exactly one was the deadlock victim and ran twice.
  EXPECT_EQ(a.attempts + b.attempts, 3);
  const Outcome& victim = a.attempts == 2 ? a : b;
  EXPECT_EQ(victim.first_failure.code(), StatusCode::kUnavailable);
  EXPECT_NE(victim.first_failure.message().find("error 1213"), std::string::npos)
      << victim.first_failure.ToString();
  // The victim committed last, so both rows carry its name.
  const std::string winner_name = &victim == &a ? "A" : "B";
  auto ctx = Open();
  ASSERT_NE(ctx, nullptr);
  EXPECT_EQ((*GetNetworkRow(*ctx, "x"))->name, winner_name);
  EXPECT_EQ((*GetNetworkRow(*ctx, "y"))->name, winner_name);
}

}  // namespace
}  // namespace nsxv::store
