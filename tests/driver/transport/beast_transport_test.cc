#include "driver/transport/beast_transport.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "driver/nsxv/api_client.h"
#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/server.h"
#include "fake_nsxv/tls_cert.h"
#include "tests/test_util/nsx_documents.h"

namespace nsxv {
namespace {

const fake::TlsIdentity& Identity() {
  static const fake::TlsIdentity* id = new fake::TlsIdentity(*fake::GenerateSelfSignedIdentity());
  return *id;
}

class HttpsTransportTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer({}); }

  void StartServer(fake::ServerOptions o) {
    o.identity = Identity();
    auto s = fake::Server::Start(manager_, std::move(o));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
  }

  std::unique_ptr<BeastTransport> Transport(int pool = 4, std::string ca = Identity().cert_pem,
                                            bool insecure = false) {
    auto t = BeastTransport::Create(
        {.url = server_->url(), .ca_pem = std::move(ca), .insecure = insecure, .pool_size = pool});
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? std::move(t).value() : nullptr;
  }

  static HttpRequest Get(std::string target) {
    return nsxv::testing::AuthedJsonRequest("GET", std::move(target));
  }

  void SetFaults(std::string_view plan) {
    auto p = fake::FaultPlan::FromJsonText(plan, 1);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    manager_.SetFaultPlan(*p);
  }

  fake::FakeManager manager_{RealClock(), fake::FakeOptions{}};
  std::unique_ptr<fake::Server> server_;
};

TEST_F(HttpsTransportTest, KeepAliveReusesOneTlsHandshake) {
  auto t = Transport(/*pool=*/1);
  for (int i = 0; i < 50; ++i) {
    Result<HttpResponse> r = t->Send(Get("/api/4.0/edges"));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->status, 200);
  }
  EXPECT_EQ(t->stats().tls_handshakes, 1U);
  EXPECT_EQ(t->stats().connects, 1U);
}

TEST_F(HttpsTransportTest, WrongCaFailsVerification) {
  auto other = fake::GenerateSelfSignedIdentity();
  ASSERT_TRUE(other.ok());
  auto t = Transport(1, other->cert_pem);
  Result<HttpResponse> r = t->Send(Get("/api/4.0/edges"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kTlsError);
  EXPECT_EQ(r.error().http_status(), 0);
  EXPECT_NE(r.error().message().find("certificate verify failed"), std::string::npos)
      << r.error().message();
}

TEST_F(HttpsTransportTest, InsecureMustBeAskedForAndThenWorks) {
  auto other = fake::GenerateSelfSignedIdentity();
  auto t = Transport(1, other->cert_pem, /*insecure=*/true);
  Result<HttpResponse> r = t->Send(Get("/api/4.0/edges"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

TEST_F(HttpsTransportTest, DeadlineExpiryIsATransportError) {
  SetFaults(R"([{"times": 1, "fault": {"kind": "timeout"}}])");
  auto t = Transport();
  HttpRequest req = Get("/api/4.0/edges");
  req.timeout = std::chrono::milliseconds(150);
  Result<HttpResponse> r = t->Send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(r.error().IsTransportError());
  EXPECT_TRUE(t->Send(Get("/api/4.0/edges")).ok());  // a new connection serves the next call
}

TEST_F(HttpsTransportTest, ResetAndTruncatedAreDistinguished) {
  SetFaults(R"([{"path": "/api/4.0/edges", "times": 1, "fault": {"kind": "reset"}},
                {"path": "/api/4.0/edges", "skip": 1, "times": 1, "fault": {"kind": "truncated"}}])");
  auto t = Transport();
  Result<HttpResponse> reset = t->Send(Get("/api/4.0/edges"));
  EXPECT_EQ(reset.status().code(), StatusCode::kConnectionReset);
  Result<HttpResponse> cut = t->Send(Get("/api/4.0/edges"));
  EXPECT_EQ(cut.status().code(), StatusCode::kTruncated);
  EXPECT_TRUE(t->Send(Get("/api/4.0/edges")).ok());
}

TEST_F(HttpsTransportTest, ConnectRefusedIsUnavailable) {
  const std::string url = server_->url();
  server_->Stop();
  auto t = BeastTransport::Create({.url = url, .ca_pem = Identity().cert_pem});
  ASSERT_TRUE(t.ok());
  HttpRequest req = Get("/api/4.0/edges");
  req.timeout = std::chrono::seconds(5);
  Result<HttpResponse> r = (*t)->Send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kUnavailable) << r.error().ToString();
}

TEST_F(HttpsTransportTest, ServerClosedIdleConnectionIsReplaced) {
  server_->Stop();
  StartServer({.idle_timeout = std::chrono::milliseconds(50)});
  auto t = Transport(1);
  ASSERT_TRUE(t->Send(Get("/api/4.0/edges")).ok());
  // Wait (bounded) until the server has closed the idle connection.
  for (int i = 0; i < 200 && server_->counters().connections_open > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(server_->counters().connections_open, 0U);
  HttpRequest put = Get("/api/4.0/edges");
  put.method = "POST";
  put.body = testing::DeployEdgeBody("after-idle");
  put.headers.Set("Content-Type", "application/json");
  Result<HttpResponse> r = t->Send(put);  // not a GET: must not be resent blindly
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(t->stats().connects, 2U);
  EXPECT_GE(t->stats().stale_reconnects, 1U);
}

TEST_F(HttpsTransportTest, BadOptionsAreOneLineErrors) {
  EXPECT_EQ(BeastTransport::Create({.url = "ftp://x"}).status().message(),
            "url \"ftp://x\": must start with https:// or http://");
  EXPECT_EQ(BeastTransport::Create({.url = "https://h:99x"}).status().message(),
            "url \"https://h:99x\": bad port \"99x\"");
  EXPECT_EQ(BeastTransport::Create({.url = "https://h", .ca_file = "/nonexistent/ca.pem"})
                .status()
                .message(),
            "ca_file /nonexistent/ca.pem: cannot be read");
  EXPECT_EQ(BeastTransport::Create({.url = "https://h", .ca_pem = "not a pem"}).status().code(),
            StatusCode::kInvalidArgument);
}

// 16 threads share one transport and one API client over HTTPS (run under TSan in CI).
TEST_F(HttpsTransportTest, SixteenThreadsShareOneClientConcurrency) {
  auto t = Transport(/*pool=*/8);
  SimulatedClock retry_clock;
  driver::ApiClient client(*t, retry_clock,
                           {.manager_uri = server_->url(), .user = "admin", .password = "default"});
  SetFaults(
      R"([{"method": "PUT", "probability": 0.2, "fault": {"kind": "http_error", "status": 409}}])");
  std::vector<std::string> edges;
  for (int i = 0; i < 16; ++i) {
    auto r = client.Call({.method = "POST",
                          .path = "/api/4.0/edges",
                          .body = testing::DeployEdgeBody("t" + std::to_string(i))});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    edges.push_back(driver::IdFromLocation(r->headers.Get("Location").value_or("")));
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      const std::string base = "/api/4.0/edges/" + edges[static_cast<size_t>(i)];
      for (int k = 0; k < 20; ++k) {
        auto put = client.Call({.method = "PUT",
                                .path = base + "/vnics/0",
                                .body = testing::ExternalVnicBody("10.0.0." + std::to_string(i + 2),
                                                                  "dvportgroup-9")});
        auto get = client.Call({.method = "GET", .path = base + "/vnics/0"});
        if (!put.ok() || !get.ok() ||
            nlohmann::json::parse(get->body)["portgroupId"] != "dvportgroup-9") {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(t->stats().tls_handshakes, 8U);
  EXPECT_GT(retry_clock.Elapsed(), Duration(0));  // some 409s were retried
}

}  // namespace
}  // namespace nsxv
