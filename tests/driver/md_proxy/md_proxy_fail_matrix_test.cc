// Fail matrices (every backend call of init and of router configure/cleanup failing in turn) and
// concurrency of the metadata proxy handler, against the in-process fake NSX manager.
#include <atomic>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "driver/md_proxy/md_proxy.h"
#include "driver/plugin/recovery.h"
#include "driver/store/nsxv_db.h"
#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/fault_plan.h"
#include "fake_nsxv/in_process_transport.h"
#include "tests/driver/md_proxy/md_proxy_fixture.h"
#include "tests/driver/store/temp_dir.h"
#include "tests/test_util/driver_env.h"

namespace nsxv::md_proxy {
namespace {

using nlohmann::json;

using testing_util::TestMdConfig;

// ---- fail matrices ----

class MdProxyFailMatrixTest : public MdProxyTest {
 public:
  // Runs `op` once clean on a fresh fixture to list its calls, then for each call k fails
  // exactly that call, checks the invariants, clears the faults and checks convergence.
  void Matrix(const std::function<void(MdProxyTest&)>& setup,
              const std::function<Status(MdProxyTest&)>& op,
              const std::function<void(MdProxyTest&)>& converged) {
    std::vector<std::pair<std::string, std::string>> calls;
    {
      MdProxyFailMatrixTest clean;
      setup(clean);
      const uint64_t mark = clean.JournalMark();
      ASSERT_TRUE(op(clean).ok());
      calls = clean.CallsSince(mark);
    }
    ASSERT_FALSE(calls.empty());
    for (size_t k = 0; k < calls.size(); ++k) {
      if (calls[k].first == "GET" && k % 3 != 0) continue;  // sample the reads
      int64_t skip = 0;
      for (size_t j = 0; j < k; ++j) skip += calls[j] == calls[k] ? 1 : 0;
      // http_error: not applied, 500. response_lost: applied, the reply never arrives.
      // reset: not applied, connection reset.
      for (const char* fault : {R"({"kind": "http_error", "status": 500})",
                                R"({"kind": "response_lost"})", R"({"kind": "reset"})"}) {
        SCOPED_TRACE("call " + std::to_string(k) + ": " + calls[k].first + " " + calls[k].second +
                     " fault " + fault);
        MdProxyFailMatrixTest t;
        setup(t);
        t.SetFaults(R"([{"method": ")" + calls[k].first + R"(", "path": ")" + calls[k].second +
                    R"(", "skip": )" + std::to_string(skip) + R"(, "times": 1, "fault": )" + fault +
                    "}]");
        (void)op(t);
        t.ExpectInvariants();
        t.ClearFaults();
        const Status rerun = op(t);
        EXPECT_TRUE(rerun.ok()) << rerun.ToString();
        t.ExpectInvariants();
        converged(t);
      }
    }
  }

  void TestBody() override {}
  std::unique_ptr<MetadataProxyHandler> handler;
  std::string router_id;
};

Status InitOp(MdProxyTest& base, MetadataProxyHandler& h) {
  (void)base;
  auto r = h.Init();
  if (!r.ok()) return r.error();
  if (!r->complete()) return Internal("incomplete: " + r->proxy_edges[0].error);
  return Status::Ok();
}

TEST_F(MdProxyFailMatrixTest, FailMatrixInitFresh) {
  Matrix([](MdProxyTest&) {},
         [](MdProxyTest& t) {
           auto& self = static_cast<MdProxyFailMatrixTest&>(t);
           self.handler = self.Handler(TestMdConfig());
           return InitOp(t, *self.handler);
         },
         [](MdProxyTest& t) {
           auto& self = static_cast<MdProxyFailMatrixTest&>(t);
           EXPECT_EQ(self.Dump()["edges"].size(), 2U);
           EXPECT_EQ(self.handler->ProxyEdgeIps().size(), 2U);
         });
}

TEST_F(MdProxyFailMatrixTest, FailMatrixInitRestartWithDrift) {
  auto setup = [](MdProxyTest& t) {
    auto& self = static_cast<MdProxyFailMatrixTest&>(t);
    self.MustInit(*self.Handler(TestMdConfig()));
    const std::string e5 = self.ProxyEdge("10.10.0.5");
    ASSERT_TRUE(self.vcns_->UpdateRoutes(e5, driver::StaticRouting{}).ok());
    ASSERT_TRUE(
        self.vcns_->UpdateVnic(e5, driver::MakeVnic(0, "dvportgroup-9", "10.10.0.5", "255.0.0.0"))
            .ok());
  };
  MdProxyConfig c = TestMdConfig();
  c.nova_metadata_ips = {"10.0.0.11", "10.0.0.13"};
  c.mgt_net_proxy_ips = {"10.10.0.5", "10.10.0.8"};  // 10.10.0.6 is re-addressed
  Matrix(
      setup,
      [c](MdProxyTest& t) {
        auto& self = static_cast<MdProxyFailMatrixTest&>(t);
        self.handler = self.Handler(c);
        return InitOp(t, *self.handler);
      },
      [](MdProxyTest& t) {
        auto& self = static_cast<MdProxyFailMatrixTest&>(t);
        EXPECT_EQ(self.Dump()["edges"].size(), 2U);
        EXPECT_NE(self.ProxyEdge("10.10.0.8"), "");
        EXPECT_EQ(self.MdMembers(self.ProxyEdge("10.10.0.5")),
                  (std::vector<std::string>{"10.0.0.11", "10.0.0.13"}));
      });
}

TEST_F(MdProxyFailMatrixTest, FailMatrixRouterConfigureAndCleanup) {
  for (bool https : {false, true}) {
    SCOPED_TRACE(https ? "https" : "http");
    MdProxyConfig c = TestMdConfig();
    c.metadata_insecure = !https;
    auto setup = [c](MdProxyTest& t) {
      auto& self = static_cast<MdProxyFailMatrixTest&>(t);
      self.handler = self.Handler(c);
      self.MustInit(*self.handler);
      plugin::RouterSpec spec;
      spec.name = "r1";
      auto r = self.plugin_->CreateRouter(*self.ctx_, spec);
      ASSERT_TRUE(r.ok());
      self.router_id = r->id;
    };
    Matrix(
        setup,
        [](MdProxyTest& t) {
          auto& self = static_cast<MdProxyFailMatrixTest&>(t);
          return self.handler->ConfigureRouterEdge(*self.ctx_, self.router_id);
        },
        [](MdProxyTest& t) {
          auto& self = static_cast<MdProxyFailMatrixTest&>(t);
          EXPECT_EQ(self.MdMembers(self.EdgeOf(self.router_id)), self.handler->ProxyEdgeIps());
          EXPECT_EQ(
              self.Count("SELECT COUNT(*) FROM ports WHERE device_id = '" + self.router_id + "'"),
              1);
        });
    auto setup_cleanup = [setup](MdProxyTest& t) {
      setup(t);
      auto& self = static_cast<MdProxyFailMatrixTest&>(t);
      ASSERT_TRUE(self.handler->ConfigureRouterEdge(*self.ctx_, self.router_id).ok());
    };
    Matrix(
        setup_cleanup,
        [](MdProxyTest& t) {
          auto& self = static_cast<MdProxyFailMatrixTest&>(t);
          // A fault the client absorbs (a reset or lost reply to an idempotent read is retried)
          // lets the faulted run complete; the rerun then deletes a router that is already gone,
          // which Neutron reports as NotFound. That is convergence, checked by `converged`.
          std::vector<std::string> warnings;
          const Status s =
              self.handler->DeleteRouterWithMetadata(*self.ctx_, self.router_id, &warnings);
          // An edge that refused its DELETE is reported as left on the manager; the operator's
          // next step (restart or `nsxv-md repair`) removes it, and must find exactly that edge.
          for (const std::string& w : warnings) {
            if (w.find("left on the manager") == std::string::npos) continue;
            auto found =
                plugin::RecoverAtStart(*self.ctx_, *self.vcns_, *self.plugin_, self.locks_);
            if (!found.ok()) return found.status();
            EXPECT_EQ(found->fixed(), 1) << w;
            EXPECT_EQ(found->failed(), 0) << w;
          }
          return s.code() == StatusCode::kNotFound ? Status::Ok() : s;
        },
        [](MdProxyTest& t) {
          auto& self = static_cast<MdProxyFailMatrixTest&>(t);
          EXPECT_EQ(self.Dump()["edges"].size(), 2U);  // the proxy edges only
          EXPECT_EQ(self.Count("SELECT COUNT(*) FROM routers"), 2);
        });
  }
}

// ---- concurrency ----

TEST_F(MdProxyTest, ConcurrencyInitWith20ProxiesAnd8WorkersWhile50RoutersAreCreated) {
  MdProxyConfig c = TestMdConfig();
  c.max_init_threads = 8;
  c.mgt_net_proxy_ips.clear();
  for (int i = 0; i < 20; ++i) c.mgt_net_proxy_ips.push_back("10.10.1." + std::to_string(10 + i));
  auto h = Handler(c);
  Result<InitReport> init = Status(StatusCode::kInternal, "not run");
  std::thread init_thread([&] { init = h->Init(); });
  std::vector<std::thread> threads;
  std::vector<std::string> routers(50);
  std::atomic<int> failures{0};
  for (int t = 0; t < 5; ++t) {
    threads.emplace_back([&, t] {
      auto ctx = factory_(true);  // one Context per thread
      if (!ctx.ok()) {
        ++failures;
        return;
      }
      for (int i = t; i < 50; i += 5) {
        plugin::RouterSpec spec;
        spec.name = "r" + std::to_string(i);
        auto r = plugin_->CreateRouter(**ctx, spec);
        if (!r.ok()) {
          ++failures;
          continue;
        }
        routers[i] = r->id;
        Status s = h->AwaitInit(std::chrono::seconds(120));
        for (int tries = 0; !s.ok() && tries < 100000; ++tries) {
          std::this_thread::yield();
          s = h->AwaitInit(std::chrono::seconds(120));
        }
        if (!s.ok() || !h->ConfigureRouterEdge(**ctx, r->id).ok()) ++failures;
      }
    });
  }
  init_thread.join();
  for (auto& t : threads) t.join();
  ASSERT_TRUE(init.ok()) << init.status().ToString();
  EXPECT_TRUE(init->complete());
  EXPECT_EQ(init->live_proxy_ips.size(), 20U);
  EXPECT_EQ(failures.load(), 0);
  for (const std::string& r : routers) {
    ASSERT_FALSE(r.empty());
    EXPECT_EQ(MdMembers(EdgeOf(r)), init->live_proxy_ips) << r;
  }
  ExpectInvariants();
}

}  // namespace
}  // namespace nsxv::md_proxy
