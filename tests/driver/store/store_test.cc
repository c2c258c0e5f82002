#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "driver/store/context.h"
#include "driver/store/neutron_db.h"
#include "driver/store/nsxv_db.h"
#include "driver/store/schema.h"
#include "driver/store/sqlite.h"
#include "tests/driver/store/temp_dir.h"
#include "tests/test_util/mariadb_server.h"

namespace nsxv::store {
namespace {

using testing_util::TempDir;

std::unique_ptr<Context> Memory() {
  auto ctx = Context::Open(ContextOptions{});
  EXPECT_TRUE(ctx.ok()) << ctx.status().ToString();
  return std::move(ctx).value();
}

// The suites below run on both engines: Memory() is a private in-memory SQLite database, or a
// connection to a fresh database of the private MariaDB server.
class EngineTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (GetParam() == Engine::kMariadb) NSXV_FRESH_MARIADB_OR_SKIP(options_.connection);
  }
  std::unique_ptr<Context> Memory() {
    auto ctx = Context::Open(options_);
    EXPECT_TRUE(ctx.ok()) << ctx.status().ToString();
    return std::move(ctx).value();
  }
  ContextOptions options_;
};
using TransactionTest = EngineTest;
using RouterBindingTest = EngineTest;
using EdgeVnicBindingTest = EngineTest;
using InternalTablesTest = EngineTest;
using NeutronRowsTest = EngineTest;

std::string EngineName(const ::testing::TestParamInfo<Engine>& info) {
  return info.param == Engine::kSqlite ? "Sqlite" : "Mariadb";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(ContextTest, OpensMemoryAndMigrates) {
  auto ctx = Memory();
  auto db = ctx->db();
  ASSERT_TRUE(db.ok());
  auto version = SchemaVersion(**db);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, kSchemaVersion);
  EXPECT_FALSE(ctx->is_admin());
}

TEST(ContextTest, FileUsesWalAndForeignKeys) {
  TempDir dir;
  ContextOptions options;
  options.path = dir.File("a.db");
  auto ctx = Context::Open(options);
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  Db* db = *(*ctx)->db();
  auto mode = db->Prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  ASSERT_TRUE(*mode->Step());
  EXPECT_EQ(mode->Text(0), "wal");
  auto fk = db->Prepare("PRAGMA foreign_keys");
  ASSERT_TRUE(fk.ok());
  ASSERT_TRUE(*fk->Step());
  EXPECT_EQ(fk->Int(0), 1);
}

TEST(ContextTest, ReopenKeepsData) {
  TempDir dir;
  ContextOptions options;
  options.path = dir.File("a.db");
  {
    auto ctx = Context::Open(options);
    ASSERT_TRUE(ctx.ok());
    ASSERT_TRUE(CreateNsxvInternalEdge(**ctx, "10.0.0.5", kInterEdgePurpose, "r1").ok());
  }
  auto ctx = Context::Open(options);
  ASSERT_TRUE(ctx.ok());
  auto edge = GetNsxvInternalEdge(**ctx, "10.0.0.5");
  ASSERT_TRUE(edge.ok());
  ASSERT_TRUE(edge->has_value());
  EXPECT_EQ((*edge)->router_id, "r1");
}

// A database written at schema version 1 (the vnic-slot table as a rowid table with a full index
// on network_id) opens at the current version with the same slot rows, the table clustered on its
// key and the index holding bound slots only, which lookups by network still use.
TEST(ContextTest, Version1VnicSlotsMigrateUnchanged) {
  TempDir dir;
  const std::string path = dir.File("v1.db");
  {
    auto raw = SqliteDb::Open(path, DbOptions{});
    ASSERT_TRUE(raw.ok()) << raw.status().ToString();
    ASSERT_TRUE((*raw)
                    ->Exec("CREATE TABLE nsxv_edge_vnic_bindings (edge_id TEXT NOT NULL, "
                           "vnic_index INTEGER NOT NULL, tunnel_index INTEGER NOT NULL, "
                           "network_id TEXT, created_at TEXT NOT NULL, updated_at TEXT, "
                           "PRIMARY KEY (edge_id, vnic_index, tunnel_index));"
                           "CREATE INDEX nsxv_edge_vnic_bindings_network ON "
                           "nsxv_edge_vnic_bindings(network_id);"
                           "INSERT INTO nsxv_edge_vnic_bindings VALUES "
                           "('edge-1', 1, 1, 'net-a', '2026-01-01T00:00:00.000Z', NULL), "
                           "('edge-1', 1, 2, NULL, '2026-01-01T00:00:00.000Z', NULL), "
                           "('edge-2', 1, 1, NULL, '2026-01-01T00:00:00.000Z', "
                           "'2026-01-02T00:00:00.000Z');"
                           "PRAGMA user_version = 1;")
                    .ok());
  }
  ContextOptions options;
  options.path = path;
  auto ctx = Context::Open(options);
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  Db* db = *(*ctx)->db();
  EXPECT_EQ(*SchemaVersion(*db), kSchemaVersion);
  auto rows = db->Prepare(
      "SELECT edge_id || ':' || vnic_index || ':' || tunnel_index || ':' || "
      "IFNULL(network_id, '-') || ':' || created_at || ':' || IFNULL(updated_at, '-') "
      "FROM nsxv_edge_vnic_bindings ORDER BY edge_id, vnic_index, tunnel_index");
  ASSERT_TRUE(rows.ok());
  std::vector<std::string> seen;
  while (*rows->Step()) seen.push_back(rows->Text(0));
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "edge-1:1:1:net-a:2026-01-01T00:00:00.000Z:-",
                      "edge-1:1:2:-:2026-01-01T00:00:00.000Z:-",
                      "edge-2:1:1:-:2026-01-01T00:00:00.000Z:2026-01-02T00:00:00.000Z"}));
  auto ddl = db->Prepare(
      "SELECT name, sql FROM sqlite_master WHERE tbl_name = "
      "'nsxv_edge_vnic_bindings' AND sql IS NOT NULL ORDER BY name");
  ASSERT_TRUE(ddl.ok());
  ASSERT_TRUE(*ddl->Step());
  EXPECT_EQ(ddl->Text(0), "nsxv_edge_vnic_bindings");
  EXPECT_NE(ddl->Text(1).find("WITHOUT ROWID"), std::string::npos) << ddl->Text(1);
  ASSERT_TRUE(*ddl->Step());
  EXPECT_EQ(ddl->Text(0), "nsxv_edge_vnic_bindings_network");
  EXPECT_NE(ddl->Text(1).find("WHERE network_id IS NOT NULL"), std::string::npos);
  EXPECT_FALSE(*ddl->Step());
  auto plan = db->Prepare(
      "EXPLAIN QUERY PLAN SELECT edge_id FROM nsxv_edge_vnic_bindings "
      "WHERE network_id = 'net-a'");
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE(*plan->Step());
  EXPECT_NE(plan->Text(3).find("nsxv_edge_vnic_bindings_network"), std::string::npos)
      << plan->Text(3);
  auto bound = GetEdgeVnicBindingsByIntLswitch(**ctx, "net-a");
  ASSERT_TRUE(bound.ok());
  ASSERT_EQ(bound->size(), 1U);
  EXPECT_EQ((*bound)[0].edge_id, "edge-1");
}

TEST(ContextTest, NotSqliteFileIsRejectedAndUnchanged) {
  TempDir dir;
  const std::string path = dir.File("junk.db");
  const std::string junk(4096, 'x');
  std::ofstream(path, std::ios::binary) << junk;
  ContextOptions options;
  options.path = path;
  auto ctx = Context::Open(options);
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(ctx.error().message().find(path), std::string::npos) << ctx.error().message();
  EXPECT_NE(ctx.error().message().find("not an SQLite database"), std::string::npos);
  EXPECT_EQ(ctx.error().message().find('\n'), std::string::npos);
  EXPECT_EQ(ReadFile(path), junk);
}

TEST(ContextTest, NewerSchemaIsRejectedAndUnchanged) {
  TempDir dir;
  ContextOptions options;
  options.path = dir.File("new.db");
  {
    auto ctx = Context::Open(options);
    ASSERT_TRUE(ctx.ok());
    ASSERT_TRUE((*(*ctx)->db())->Exec("PRAGMA user_version = 99").ok());
  }
  const std::string before = ReadFile(options.path);
  auto ctx = Context::Open(options);
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(ctx.error().message().find("schema version 99"), std::string::npos)
      << ctx.error().message();
  EXPECT_NE(ctx.error().message().find(options.path), std::string::npos);
  EXPECT_EQ(ReadFile(options.path), before);
}

TEST(ContextTest, DefaultPathFollowsXdg) {
  const char* old_xdg = std::getenv("XDG_DATA_HOME");
  const std::string saved = old_xdg != nullptr ? old_xdg : "";
  setenv("XDG_DATA_HOME", "/var/tmp/xdg", 1);
  EXPECT_EQ(DefaultDatabasePath(), "/var/tmp/xdg/nsxv-sim/nsxv.db");
  unsetenv("XDG_DATA_HOME");
  const char* home = std::getenv("HOME");
  EXPECT_EQ(DefaultDatabasePath(),
            std::string(home != nullptr ? home : ".") + "/.local/share/nsxv-sim/nsxv.db");
  if (old_xdg != nullptr) setenv("XDG_DATA_HOME", saved.c_str(), 1);
}

TEST(ContextTest, EnsureParentDirectoryCreatesIt) {
  TempDir dir;
  const std::string path = dir.File("x/y/nsxv.db");
  ASSERT_TRUE(EnsureParentDirectory(path).ok());
  EXPECT_TRUE(std::filesystem::is_directory(dir.File("x/y")));
  ContextOptions options;
  options.path = path;
  EXPECT_TRUE(Context::Open(options).ok());
}

TEST(ContextTest, ElevationIsScoped) {
  auto ctx = Memory();
  {
    auto admin = ctx->Elevated();
    EXPECT_TRUE(ctx->is_admin());
  }
  EXPECT_FALSE(ctx->is_admin());
}

// The seed bug: a context shared between threads. Using a Context from a thread other than the
// one that opened it must fail loudly.
TEST(ContextDeathTest, ThreadMisuseIsDetected) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto ctx = Memory();
#ifndef NDEBUG
  EXPECT_DEATH(
      {
        std::thread t([&] { (void)GetRouterBinding(*ctx, "r1"); });
        t.join();
      },
      "bound to thread .* but was used from thread");
#else
  Status seen;
  std::thread t([&] { seen = GetRouterBinding(*ctx, "r1").status(); });
  t.join();
  EXPECT_EQ(seen.code(), StatusCode::kFailedPrecondition);
#endif
  // The owner keeps working.
  EXPECT_TRUE(GetRouterBinding(*ctx, "r1").ok());
}

TEST_P(TransactionTest, RollbackOnDestruction) {
  auto ctx = Memory();
  Db* db = *ctx->db();
  {
    auto txn = Transaction::Begin(*db);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(AddRouterBinding(*ctx, {"r1", {}, {}, kStatusActive, {}, {}, {}, {}}).ok());
  }
  auto b = GetRouterBinding(*ctx, "r1");
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->has_value());
}

TEST_P(TransactionTest, NestedSavepointRollsBackOnlyItself) {
  auto ctx = Memory();
  Db* db = *ctx->db();
  auto outer = Transaction::Begin(*db);
  ASSERT_TRUE(outer.ok());
  ASSERT_TRUE(AddRouterBinding(*ctx, {"r1", {}, {}, kStatusActive, {}, {}, {}, {}}).ok());
  {
    auto inner = Transaction::Begin(*db);
    ASSERT_TRUE(inner.ok());
    ASSERT_TRUE(AddRouterBinding(*ctx, {"r2", {}, {}, kStatusActive, {}, {}, {}, {}}).ok());
  }
  ASSERT_TRUE(outer->Commit().ok());
  EXPECT_TRUE(GetRouterBinding(*ctx, "r1")->has_value());
  EXPECT_FALSE(GetRouterBinding(*ctx, "r2")->has_value());
}

// ---- nsxv_router_bindings ----

TEST_P(RouterBindingTest, AddGetUpdateDelete) {
  auto ctx = Memory();
  RouterBinding b{"r1",         std::nullopt, std::nullopt, kStatusPendingCreate,
                  std::nullopt, "compact",    "service",    std::nullopt};
  ASSERT_TRUE(AddRouterBinding(*ctx, b).ok());
  auto dup = AddRouterBinding(*ctx, b);
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(dup.message().find("r1"), std::string::npos);

  auto got = GetRouterBinding(*ctx, "r1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(**got, b);

  RouterBindingUpdate u;
  u.edge_id = std::optional<std::string>("edge-7");
  u.status = kStatusActive;
  ASSERT_TRUE(UpdateRouterBinding(*ctx, "r1", u).ok());
  got = GetRouterBinding(*ctx, "r1");
  EXPECT_EQ((*got)->edge_id, "edge-7");
  EXPECT_EQ((*got)->status, kStatusActive);
  EXPECT_EQ((*got)->appliance_size, "compact");

  auto by_edge = GetRouterBindingByEdge(*ctx, "edge-7");
  ASSERT_TRUE(by_edge.ok() && by_edge->has_value());
  EXPECT_EQ((*by_edge)->router_id, "r1");
  EXPECT_EQ(GetRouterBindingsByEdge(*ctx, "edge-7")->size(), 1U);

  EXPECT_EQ(UpdateRouterBinding(*ctx, "nope", u).code(), StatusCode::kNotFound);
  ASSERT_TRUE(DeleteRouterBinding(*ctx, "r1").ok());
  EXPECT_FALSE(GetRouterBinding(*ctx, "r1")->has_value());
  EXPECT_TRUE(DeleteRouterBinding(*ctx, "r1").ok());
}

TEST_P(RouterBindingTest, BadApplianceSizeIsRejected) {
  auto ctx = Memory();
  RouterBinding b{"r1", {}, {}, kStatusActive, {}, "huge", {}, {}};
  EXPECT_EQ(AddRouterBinding(*ctx, b).code(), StatusCode::kInvalidArgument);
}

TEST_P(RouterBindingTest, CleanEdgeRouterBinding) {
  auto ctx = Memory();
  ASSERT_TRUE(AddRouterBinding(*ctx, {"a", "edge-1", {}, kStatusActive, {}, {}, {}, {}}).ok());
  ASSERT_TRUE(AddRouterBinding(*ctx, {"b", "edge-1", {}, kStatusActive, {}, {}, {}, {}}).ok());
  ASSERT_TRUE(AddRouterBinding(*ctx, {"c", "edge-2", {}, kStatusActive, {}, {}, {}, {}}).ok());
  ASSERT_TRUE(CleanEdgeRouterBinding(*ctx, "edge-1").ok());
  auto all = GetRouterBindings(*ctx);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1U);
  EXPECT_EQ((*all)[0].router_id, "c");
}

// ---- nsxv_edge_vnic_bindings ----

TEST_P(EdgeVnicBindingTest, InitCreatesNineVnicsOfTTunnels) {
  auto ctx = Memory();
  ASSERT_TRUE(InitEdgeVnicBinding(*ctx, "edge-1", 20).ok());
  EXPECT_EQ(*CountEdgeVnicBindings(*ctx, "edge-1"), 180);
  ASSERT_TRUE(InitEdgeVnicBinding(*ctx, "edge-1", 20).ok());  // idempotent
  EXPECT_EQ(*CountEdgeVnicBindings(*ctx, "edge-1"), 180);
  ASSERT_TRUE(InitEdgeVnicBinding(*ctx, "edge-2", 500).ok());  // out of range: 10
  EXPECT_EQ(*CountEdgeVnicBindings(*ctx, "edge-2"), 90);
}

TEST_P(EdgeVnicBindingTest, InitLaysOutTunnelsPerVnic) {
  auto ctx = Memory();
  ASSERT_TRUE(InitEdgeVnicBinding(*ctx, "edge-1", 3).ok());
  auto db = ctx->db();
  ASSERT_TRUE(db.ok());
  auto stmt = (*db)->Prepare(
      "SELECT vnic_index, tunnel_index, network_id IS NULL FROM nsxv_edge_vnic_bindings "
      "WHERE edge_id = ? ORDER BY tunnel_index");
  ASSERT_TRUE(stmt.ok());
  stmt->Bind(1, "edge-1");
  std::vector<std::pair<int64_t, int64_t>> got;
  while (*stmt->Step()) {
    EXPECT_TRUE(stmt->Bool(2));
    got.emplace_back(stmt->Int(0), stmt->Int(1));
  }
  std::vector<std::pair<int64_t, int64_t>> want;
  for (int vnic = 1; vnic < kMaxVnicNum; ++vnic) {
    for (int tunnel = (vnic - 1) * 3 + 1; tunnel <= vnic * 3; ++tunnel) {
      want.emplace_back(vnic, tunnel);
    }
  }
  EXPECT_EQ(got, want);
}

TEST_P(EdgeVnicBindingTest, AllocateIsDeterministicAndExhausts) {
  auto ctx = Memory();
  ASSERT_TRUE(InitEdgeVnicBinding(*ctx, "edge-1", 20).ok());
  for (int vnic = 1; vnic <= 9; ++vnic) {
    auto slot = AllocateEdgeVnic(*ctx, "edge-1", "net-" + std::to_string(vnic), 20);
    ASSERT_TRUE(slot.ok()) << slot.status().ToString();
    EXPECT_EQ(slot->vnic_index, vnic);
    EXPECT_EQ(slot->tunnel_index, (vnic - 1) * 20 + 1);
    EXPECT_EQ(slot->network_id, "net-" + std::to_string(vnic));
  }
  auto full = AllocateEdgeVnic(*ctx, "edge-1", "net-x", 20);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(full.error().message().find("edge-1"), std::string::npos);

  auto b = GetEdgeVnicBinding(*ctx, "edge-1", "net-3");
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->vnic_index, 3);
  EXPECT_EQ(GetEdgeVnicBindingsByEdge(*ctx, "edge-1")->size(), 9U);
  EXPECT_EQ(GetEdgeVnicBindingsByIntLswitch(*ctx, "net-3")->size(), 1U);

  ASSERT_TRUE(FreeEdgeVnicByNetwork(*ctx, "edge-1", "net-3").ok());
  auto again = AllocateEdgeVnic(*ctx, "edge-1", "net-y", 20);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->vnic_index, 3);

  ASSERT_TRUE(CleanEdgeVnicBinding(*ctx, "edge-1").ok());
  EXPECT_EQ(*CountEdgeVnicBindings(*ctx, "edge-1"), 0);
  EXPECT_EQ(AllocateEdgeVnic(*ctx, "edge-1", "n", 20).error().code(),
            StatusCode::kResourceExhausted);
}

// ---- internal networks / edges / mappings ----

TEST_P(InternalTablesTest, InternalNetworkIsOnePerPurpose) {
  auto ctx = Memory();
  ASSERT_TRUE(InsertNetwork(*ctx, NetworkRow{"net-1", "t", "inter-edge-net"}).ok());
  ASSERT_TRUE(InsertNetwork(*ctx, NetworkRow{"net-2", "t", "other"}).ok());
  ASSERT_TRUE(CreateNsxvInternalNetwork(*ctx, kInterEdgePurpose, "net-1").ok());
  EXPECT_EQ(CreateNsxvInternalNetwork(*ctx, kInterEdgePurpose, "net-2").code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(CreateNsxvInternalNetwork(*ctx, "bogus", "net-2").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(**GetNsxvInternalNetwork(*ctx, kInterEdgePurpose), "net-1");
  EXPECT_TRUE(*IsNsxvInternalNetwork(*ctx, "net-1"));
  EXPECT_FALSE(*IsNsxvInternalNetwork(*ctx, "net-2"));
  // ON DELETE CASCADE from networks.
  ASSERT_TRUE(DeleteNetworkRow(*ctx, "net-1").ok());
  EXPECT_FALSE(GetNsxvInternalNetwork(*ctx, kInterEdgePurpose)->has_value());
}

TEST_P(InternalTablesTest, InternalEdges) {
  auto ctx = Memory();
  ASSERT_TRUE(CreateNsxvInternalEdge(*ctx, "10.0.0.6", kInterEdgePurpose, "r2").ok());
  ASSERT_TRUE(CreateNsxvInternalEdge(*ctx, "10.0.0.5", kInterEdgePurpose, "r1").ok());
  EXPECT_EQ(CreateNsxvInternalEdge(*ctx, "10.0.0.5", kInterEdgePurpose, "r3").code(),
            StatusCode::kAlreadyExists);
  auto all = GetNsxvInternalEdgesByPurpose(*ctx, kInterEdgePurpose);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2U);
  EXPECT_EQ((*all)[0].ext_ip_address, "10.0.0.5");
  EXPECT_EQ((**GetNsxvInternalEdgeByRouter(*ctx, "r2")).ext_ip_address, "10.0.0.6");
  ASSERT_TRUE(UpdateNsxvInternalEdge(*ctx, "10.0.0.6", "r9").ok());
  EXPECT_EQ((**GetNsxvInternalEdge(*ctx, "10.0.0.6")).router_id, "r9");
  EXPECT_EQ(UpdateNsxvInternalEdge(*ctx, "1.1.1.1", "r9").code(), StatusCode::kNotFound);
  ASSERT_TRUE(DeleteNsxvInternalEdge(*ctx, "10.0.0.5").ok());
  EXPECT_EQ(GetNsxvInternalEdgesByPurpose(*ctx, kInterEdgePurpose)->size(), 1U);
}

TEST_P(InternalTablesTest, NetworkMappingsCascade) {
  auto ctx = Memory();
  EXPECT_EQ(AddNetworkMapping(*ctx, "missing", "virtualwire-1").code(),
            StatusCode::kFailedPrecondition);
  ASSERT_TRUE(InsertNetwork(*ctx, NetworkRow{"net-1", "t", "n"}).ok());
  ASSERT_TRUE(AddNetworkMapping(*ctx, "net-1", "virtualwire-1").ok());
  EXPECT_EQ(*GetNsxSwitchIds(*ctx, "net-1"), std::vector<std::string>{"virtualwire-1"});
  ASSERT_TRUE(DeleteNetworkRow(*ctx, "net-1").ok());
  EXPECT_TRUE(GetNsxSwitchIds(*ctx, "net-1")->empty());
}

TEST_P(NeutronRowsTest, PortFiltersMatchLists) {
  auto ctx = Memory();
  ASSERT_TRUE(InsertNetwork(*ctx, NetworkRow{"net-1", "t", "n"}).ok());
  PortRow p;
  p.network_id = "net-1";
  for (int i = 0; i < 3; ++i) {
    p.id = "p" + std::to_string(i);
    p.mac_address = "fa:16:3e:00:00:0" + std::to_string(i);
    p.device_id = i == 2 ? "r\"quoted" : "r1";
    ASSERT_TRUE(InsertPort(*ctx, p).ok());
  }
  PortFilter f;
  f.device_id = std::vector<std::string>{"r1"};
  EXPECT_EQ(ListPortRows(*ctx, f)->size(), 2U);
  f.device_id = std::vector<std::string>{"r\"quoted", "zzz"};
  ASSERT_EQ(ListPortRows(*ctx, f)->size(), 1U);
  f.device_id = std::vector<std::string>{};
  EXPECT_TRUE(ListPortRows(*ctx, f)->empty());
  EXPECT_EQ(ListPortRows(*ctx, PortFilter{})->size(), 3U);
  // A port's network cannot go away under it.
  EXPECT_EQ(DeleteNetworkRow(*ctx, "net-1").code(), StatusCode::kFailedPrecondition);
}

INSTANTIATE_TEST_SUITE_P(Engines, TransactionTest,
                         ::testing::Values(Engine::kSqlite, Engine::kMariadb), EngineName);
INSTANTIATE_TEST_SUITE_P(Engines, RouterBindingTest,
                         ::testing::Values(Engine::kSqlite, Engine::kMariadb), EngineName);
INSTANTIATE_TEST_SUITE_P(Engines, EdgeVnicBindingTest,
                         ::testing::Values(Engine::kSqlite, Engine::kMariadb), EngineName);
INSTANTIATE_TEST_SUITE_P(Engines, InternalTablesTest,
                         ::testing::Values(Engine::kSqlite, Engine::kMariadb), EngineName);
INSTANTIATE_TEST_SUITE_P(Engines, NeutronRowsTest,
                         ::testing::Values(Engine::kSqlite, Engine::kMariadb), EngineName);

}  // namespace
}  // namespace nsxv::store
