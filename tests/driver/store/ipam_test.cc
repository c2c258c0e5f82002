#include "driver/store/ipam.h"

#include <unistd.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sys/wait.h>

#include "driver/store/ipv4.h"
#include "driver/store/neutron_db.h"
#include "tests/driver/store/temp_dir.h"
#include "tests/test_util/mariadb_server.h"

namespace nsxv::store {
namespace {

using testing_util::TempDir;

std::unique_ptr<Context> Open(const ContextOptions& options) {
  auto ctx = Context::Open(options);
  EXPECT_TRUE(ctx.ok()) << ctx.status().ToString();
  return std::move(ctx).value();
}

std::string EngineName(const ::testing::TestParamInfo<Engine>& info) {
  return info.param == Engine::kSqlite ? "Sqlite" : "Mariadb";
}

// The IPAM tests run on both engines: SQLite (`file` true: a file shared by threads and
// processes; false: a private in-memory database) and a fresh database of the private MariaDB
// server.
class EngineTest : public ::testing::TestWithParam<Engine> {
 protected:
  void UseEngine(bool file) {
    if (GetParam() == Engine::kMariadb) {
      NSXV_FRESH_MARIADB_OR_SKIP(options_.connection);
    } else if (file) {
      options_.path = dir_.File("ipam.db");
    }
  }
  std::unique_ptr<Context> OpenStore() { return Open(options_); }

  TempDir dir_;
  ContextOptions options_;
};

class IpamTest : public EngineTest {
 protected:
  void SetUp() override { UseEngine(/*file=*/false); }
};

class IpamConcurrencyTest : public EngineTest {
 protected:
  void SetUp() override { UseEngine(/*file=*/true); }
};

TEST(Ipv4Test, ParseAndFormat) {
  EXPECT_EQ(*ParseIpv4("169.254.128.1"), 0xA9FE8001U);
  EXPECT_EQ(FormatIpv4(0xA9FE8001U), "169.254.128.1");
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "a.b.c.d", "1..2.3"}) {
    auto r = ParseIpv4(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message().find(std::string("\"") + bad + "\""), std::string::npos);
  }
}

TEST(Ipv4Test, Cidr) {
  auto c = ParseCidr("169.254.128.0/17");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(FormatIpv4(c->first()), "169.254.128.0");
  EXPECT_EQ(FormatIpv4(c->last()), "169.254.255.255");
  EXPECT_EQ(PrefixToNetmask(17), "255.255.128.0");
  EXPECT_EQ(PrefixToNetmask(0), "0.0.0.0");
  EXPECT_TRUE(c->Overlaps(*ParseCidr("169.254.200.0/24")));
  EXPECT_FALSE(c->Overlaps(*ParseCidr("169.254.0.0/24")));
  for (const char* bad : {"10.0.0.0", "10.0.0.0/33", "10.0.0.1/24", "10.0.0/8", "x/8"}) {
    auto r = ParseCidr(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find(bad), std::string::npos) << r.error().message();
  }
}

// A network with one subnet whose pool is [first, last] (dotted).
void MakeSubnet(Context& ctx, const std::string& cidr, const std::string& first,
                const std::string& last) {
  ASSERT_TRUE(InsertNetwork(ctx, NetworkRow{"net-1", "t", "n"}).ok());
  SubnetRow s;
  s.id = "sub-1";
  s.network_id = "net-1";
  s.cidr = cidr;
  s.allocation_pools = {{first, last}};
  ASSERT_TRUE(InsertSubnet(ctx, s, {{*ParseIpv4(first), *ParseIpv4(last)}}).ok());
}

// Creates a port with one address from sub-1 in one transaction; returns the address.
Result<std::string> NewPort(Context& ctx, const std::string& port_id) {
  std::string ip;
  Status s = RunInTransaction(ctx, [&]() -> Status {
    PortRow p;
    p.id = port_id;
    p.network_id = "net-1";
    p.mac_address = "mac-" + port_id;
    NSXV_RETURN_IF_ERROR(InsertPort(ctx, p));
    NSXV_ASSIGN_OR_RETURN(ip, AllocateIp(ctx, "sub-1", port_id, "net-1"));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return ip;
}

TEST_P(IpamTest, AllocatesInOrderAndExhausts) {
  auto ctx = OpenStore();
  MakeSubnet(*ctx, "10.0.0.0/29", "10.0.0.2", "10.0.0.4");
  EXPECT_EQ(*NewPort(*ctx, "p1"), "10.0.0.2");
  EXPECT_EQ(*NewPort(*ctx, "p2"), "10.0.0.3");
  EXPECT_EQ(*NewPort(*ctx, "p3"), "10.0.0.4");
  auto full = NewPort(*ctx, "p4");
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(full.error().message().find("sub-1"), std::string::npos);
  // The failed unit of work left no port behind.
  EXPECT_FALSE(GetPortRow(*ctx, "p4")->has_value());
}

TEST_P(IpamTest, ReleaseOnPortDeleteAndReuseAfterWrap) {
  auto ctx = OpenStore();
  MakeSubnet(*ctx, "10.0.0.0/29", "10.0.0.2", "10.0.0.5");
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(NewPort(*ctx, "p" + std::to_string(i)).ok());
  ASSERT_TRUE(DeletePortRow(*ctx, "p1").ok());  // frees 10.0.0.3
  EXPECT_EQ(*CountAllocations(*ctx, "sub-1"), 3);
  EXPECT_EQ(*NewPort(*ctx, "p9"), "10.0.0.3");
}

TEST_P(IpamTest, GapAfterCursorIsFoundWithoutScanningFromStart) {
  auto ctx = OpenStore();
  MakeSubnet(*ctx, "10.0.0.0/24", "10.0.0.10", "10.0.0.20");
  // Requested addresses right after the cursor: the allocator skips the run.
  ASSERT_TRUE(RunInTransaction(*ctx, [&]() -> Status {
                for (int i = 10; i < 14; ++i) {
                  PortRow p;
                  p.id = "fixed" + std::to_string(i);
                  p.network_id = "net-1";
                  p.mac_address = p.id;
                  NSXV_RETURN_IF_ERROR(InsertPort(*ctx, p));
                  NSXV_RETURN_IF_ERROR(AllocateSpecificIp(
                      *ctx, "sub-1", "10.0.0." + std::to_string(i), p.id, "net-1"));
                }
                return Status::Ok();
              }).ok());
  EXPECT_EQ(*NewPort(*ctx, "a"), "10.0.0.14");
}

TEST_P(IpamTest, SpecificIpErrors) {
  auto ctx = OpenStore();
  MakeSubnet(*ctx, "10.0.0.0/24", "10.0.0.2", "10.0.0.254");
  Db* db = *ctx->db();
  ASSERT_TRUE(db->Exec("UPDATE subnets SET gateway_ip = '10.0.0.1'").ok());
  PortRow p;
  p.id = "p";
  p.network_id = "net-1";
  p.mac_address = "m";
  ASSERT_TRUE(InsertPort(*ctx, p).ok());
  auto try_ip = [&](const std::string& ip) {
    return RunInTransaction(*ctx,
                            [&] { return AllocateSpecificIp(*ctx, "sub-1", ip, "p", "net-1"); });
  };
  Status outside = try_ip("10.0.1.5");
  EXPECT_EQ(outside.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(outside.message().find("10.0.1.5"), std::string::npos);
  EXPECT_NE(outside.message().find("not in subnet sub-1"), std::string::npos);
  EXPECT_EQ(try_ip("10.0.0.1").code(), StatusCode::kInvalidArgument);    // gateway
  EXPECT_EQ(try_ip("10.0.0.255").code(), StatusCode::kInvalidArgument);  // broadcast
  EXPECT_EQ(try_ip("bogus").code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(try_ip("10.0.0.7").ok());
  Status dup = try_ip("10.0.0.7");
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(dup.message().find("already allocated"), std::string::npos);
  EXPECT_EQ(
      RunInTransaction(*ctx, [&] { return AllocateSpecificIp(*ctx, "nope", "1.1.1.1", "p", "n"); })
          .code(),
      StatusCode::kNotFound);
}

TEST_P(IpamTest, RequiresTransaction) {
  auto ctx = OpenStore();
  MakeSubnet(*ctx, "10.0.0.0/29", "10.0.0.2", "10.0.0.4");
  EXPECT_EQ(AllocateIp(*ctx, "sub-1", "p", "net-1").status().code(), StatusCode::kInternal);
}

TEST_P(IpamTest, InternalSubnetHoldsThousandsOfPorts) {
  auto ctx = OpenStore();
  MakeSubnet(*ctx, "169.254.128.0/17", "169.254.128.2", "169.254.255.254");
  std::set<std::string> seen;
  for (int i = 0; i < 5000; ++i) {
    auto ip = NewPort(*ctx, "p" + std::to_string(i));
    ASSERT_TRUE(ip.ok()) << ip.status().ToString();
    seen.insert(*ip);
  }
  EXPECT_EQ(seen.size(), 5000U);
  EXPECT_EQ(*CountAllocations(*ctx, "sub-1"), 5000);
}

// 16 threads x 200 ports on one subnet of one DB file, each thread with its own Context.
TEST_P(IpamConcurrencyTest, SixteenThreadsGetUniqueAddresses) {
  const ContextOptions options = options_;
  {
    auto ctx = Context::Open(options);
    ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
    MakeSubnet(**ctx, "169.254.128.0/17", "169.254.128.2", "169.254.255.254");
  }
  constexpr int kThreads = 16;
  constexpr int kPorts = 200;
  std::vector<std::vector<std::string>> got(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto ctx = Context::Open(options);
      if (!ctx.ok()) {
        ++failures;
        return;
      }
      for (int i = 0; i < kPorts; ++i) {
        auto ip = NewPort(**ctx, "t" + std::to_string(t) + "-" + std::to_string(i));
        if (!ip.ok()) {
          ++failures;
          continue;
        }
        got[static_cast<size_t>(t)].push_back(*ip);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  std::set<std::string> all;
  size_t total = 0;
  for (const auto& v : got) {
    total += v.size();
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(total, static_cast<size_t>(kThreads * kPorts));
  EXPECT_EQ(all.size(), total);
  auto ctx = Open(options);
  EXPECT_EQ(*CountAllocations(*ctx, "sub-1"), kThreads * kPorts);
  EXPECT_EQ(ListPortRows(*ctx, PortFilter{})->size(), static_cast<size_t>(kThreads * kPorts));
}

// Two processes (fork) allocating on one database at the same time: zero duplicates.
TEST_P(IpamConcurrencyTest, TwoProcessesGetUniqueAddresses) {
  const ContextOptions options = options_;
  {
    auto ctx = Context::Open(options);
    ASSERT_TRUE(ctx.ok());
    MakeSubnet(**ctx, "169.254.128.0/17", "169.254.128.2", "169.254.255.254");
  }
  constexpr int kProcs = 2;
  // 5000 addresses on MariaDB, where the two allocators really run side by side (row locks);
  // SQLite queues them on its write lock.
  const int kPorts = GetParam() == Engine::kMariadb ? 2500 : 300;
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // Child: its own Context on the shared file; exit code 0 on success.
      auto ctx = Context::Open(options);
      if (!ctx.ok()) ::_exit(2);
      for (int i = 0; i < kPorts; ++i) {
        if (!NewPort(**ctx, "proc" + std::to_string(p) + "-" + std::to_string(i)).ok()) {
          ::_exit(3);
        }
      }
      ::_exit(0);
    }
    pids.push_back(pid);
  }
  for (const pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  }
  auto ctx = Open(options);
  auto ports = ListPortRows(*ctx, PortFilter{});
  ASSERT_TRUE(ports.ok());
  ASSERT_EQ(ports->size(), static_cast<size_t>(kProcs * kPorts));
  std::set<std::string> all;
  for (const auto& port : *ports) {
    ASSERT_EQ(port.fixed_ips.size(), 1U);
    all.insert(port.fixed_ips[0].ip_address);
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kProcs * kPorts));
}

INSTANTIATE_TEST_SUITE_P(Engines, IpamTest, ::testing::Values(Engine::kSqlite, Engine::kMariadb),
                         EngineName);
INSTANTIATE_TEST_SUITE_P(Engines, IpamConcurrencyTest,
                         ::testing::Values(Engine::kSqlite, Engine::kMariadb), EngineName);

}  // namespace
}  // namespace nsxv::store
