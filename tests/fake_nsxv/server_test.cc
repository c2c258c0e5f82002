#include "fake_nsxv/server.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/time.h>

#include "fake_nsxv/fault_plan.h"
#include "fake_nsxv/https_client.h"
#include "fake_nsxv/tls_cert.h"
#include "tests/test_util/nsx_documents.h"

namespace nsxv::fake {
namespace {

using std::chrono::milliseconds;

// Generated once: key generation is cheap, but there is no reason to repeat it per test.
const TlsIdentity& SharedIdentity() {
  static const TlsIdentity* identity = new TlsIdentity(GenerateSelfSignedIdentity().value());
  return *identity;
}

// Polls `done` every millisecond until it holds or `timeout` passes.
template <typename Pred>
[[nodiscard]] ::testing::AssertionResult WaitFor(Pred done, milliseconds timeout) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) {
      return ::testing::AssertionFailure()
             << "condition not met within " << timeout.count() << " ms";
    }
    std::this_thread::sleep_for(milliseconds(1));
  }
  return ::testing::AssertionSuccess();
}

// A plain TCP connection to 127.0.0.1 for speaking raw (or broken) HTTP; reads time out after
// 5 s so a bug cannot hang the test.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    timeval tv{};
    tv.tv_sec = 5;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool Send(const std::string& bytes) {
    return connected_ && ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
                             static_cast<ssize_t>(bytes.size());
  }
  // Reads until `marker` has arrived (empty: until the peer closes); returns all read so far.
  std::string ReadUntil(const std::string& marker) {
    char buf[4096];
    while (marker.empty() || received_.find(marker) == std::string::npos) {
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      received_.append(buf, static_cast<size_t>(n));
    }
    return received_;
  }

 private:
  int fd_;
  bool connected_ = false;
  std::string received_;
};

std::string RawExchange(uint16_t port, const std::string& bytes) {
  RawConnection conn(port);
  if (!conn.Send(bytes)) return "send failed";
  return conn.ReadUntil("");
}

class ServerTest : public ::testing::Test {
 protected:
  explicit ServerTest(Clock& clock = simulated_) : manager_(clock, FakeOptions{}) {}

  void StartServer(ServerOptions options = {}) {
    if (options.tls && !options.identity) options.identity = SharedIdentity();
    auto started = Server::Start(manager_, std::move(options));
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value();
  }

  std::unique_ptr<HttpsClient> NewClient(HttpsClientOptions options = {}) {
    if (options.url.empty()) options.url = server_->url();
    if (options.ca_pem.empty() && !options.insecure) options.ca_pem = server_->ca_pem();
    if (options.user.empty()) {
      options.user = "admin";
      options.password = "default";
    }
    auto client = HttpsClient::Create(std::move(options));
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }

  void SetFaults(std::string_view plan_json) {
    auto plan = FaultPlan::FromJsonText(plan_json, 1);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    manager_.SetFaultPlan(std::move(plan).value());
  }

  static HttpRequest Get(std::string target, Duration timeout = Duration(0)) {
    HttpRequest r;
    r.method = "GET";
    r.target = std::move(target);
    r.headers.Set("Accept", "application/json");
    r.timeout = timeout;
    return r;
  }

  static SimulatedClock simulated_;
  FakeManager manager_;
  std::unique_ptr<Server> server_;  // destroyed before the manager it serves
};

SimulatedClock ServerTest::simulated_;

TEST_F(ServerTest, HttpsKeepAliveReusesOneConnection) {
  StartServer();
  EXPECT_TRUE(server_->url().starts_with("https://127.0.0.1:")) << server_->url();
  EXPECT_NE(server_->port(), 0);
  auto client = NewClient();
  ASSERT_NE(client, nullptr);
  for (int i = 0; i < 40; ++i) {
    auto r = client->Get(i % 2 == 0 ? "/__fake/info" : "/api/4.0/edges");
    ASSERT_TRUE(r.ok()) << i << ": " << r.status().ToString();
    ASSERT_EQ(r->status, 200) << r->body;
  }
  EXPECT_EQ(client->tls_handshakes(), 1);
  EXPECT_EQ(client->connects(), 1);
  const ServerCounters c = server_->counters();
  EXPECT_EQ(c.connections_accepted, 1u);
  EXPECT_EQ(c.tls_handshakes, 1u);
  EXPECT_EQ(c.requests, 40u);
}

TEST_F(ServerTest, WrongCaIsTlsError) {
  StartServer();
  auto other = GenerateSelfSignedIdentity();
  ASSERT_TRUE(other.ok());
  HttpsClientOptions o;
  o.ca_pem = other->cert_pem;
  auto client = NewClient(o);
  auto r = client->Get("/__fake/info");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kTlsError) << r.error().ToString();
  EXPECT_EQ(r.error().http_status(), 0);
  EXPECT_EQ(client->tls_handshakes(), 0);

  HttpsClientOptions insecure;
  insecure.insecure = true;
  auto r2 = NewClient(insecure)->Get("/__fake/info");
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->status, 200);
}

TEST_F(ServerTest, HostNameMustMatchCertificate) {
  ServerOptions o;
  o.host = "127.0.0.2";  // loopback too, but not in the certificate's subjectAltName
  StartServer(o);
  auto r = NewClient()->Get("/__fake/info");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kTlsError) << r.error().ToString();
}

TEST_F(ServerTest, LocalhostNameMatchesCertificate) {
  StartServer();
  HttpsClientOptions by_name;
  by_name.url = "https://localhost:" + std::to_string(server_->port());  // SNI + DNS:localhost
  auto r = NewClient(by_name)->Get("/__fake/info");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServerTest, MissingOrWrongCredentialsGive401) {
  StartServer();
  HttpsClientOptions wrong;
  wrong.user = "admin";
  wrong.password = "nope";
  auto r = NewClient(wrong)->Get("/api/4.0/edges");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 401);

  auto client = NewClient();
  HttpRequest anonymous = Get("/api/4.0/edges");
  anonymous.headers.Set("Authorization", "");  // suppresses the client's credentials
  auto r2 = client->Send(anonymous);
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->status, 401);
  auto r3 = client->Get("/api/4.0/edges");  // same connection, now with credentials
  ASSERT_TRUE(r3.ok());
  EXPECT_EQ(r3->status, 200);
  EXPECT_EQ(client->connects(), 1);
}

TEST_F(ServerTest, PlainHttpMode) {
  ServerOptions o;
  o.tls = false;
  StartServer(o);
  EXPECT_TRUE(server_->url().starts_with("http://127.0.0.1:")) << server_->url();
  EXPECT_TRUE(server_->ca_pem().empty());
  auto client = NewClient();
  for (int i = 0; i < 5; ++i) {
    auto r = client->Get("/__fake/info");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(client->tls_handshakes(), 0);
  EXPECT_EQ(client->connects(), 1);
}

// The bytes of a GET edge answer: an HTTP/1.1 status line, the manager's Content-Type, the
// Server field, Content-Length framing and the document; twice on one keep-alive connection.
TEST_F(ServerTest, GetEdgeOnTheWireIsContentLengthFramedAndKeptAlive) {
  ServerOptions o;
  o.tls = false;
  StartServer(o);
  ASSERT_EQ(manager_
                .Process(nsxv::testing::AuthedJsonRequest("POST", "/api/4.0/edges",
                                                          nsxv::testing::DeployEdgeBody("r1")))
                .response.status,
            201);
  nlohmann::json doc;
  ASSERT_TRUE(manager_.model().GetEdge("edge-1", &doc).ok());
  const std::string body = doc.dump();
  const std::string expected =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
      "Server: fake-nsxv\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  const std::string request = "GET /api/4.0/edges/edge-1 HTTP/1.1\r\nHost: x\r\nAuthorization: " +
                              BasicAuthValue("admin", "default") + "\r\n\r\n";
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send(request));
  EXPECT_EQ(conn.ReadUntil(expected), expected);
  ASSERT_TRUE(conn.Send(request));
  EXPECT_EQ(conn.ReadUntil(expected + expected), expected + expected);
}

TEST_F(ServerTest, ResetIsConnectionResetAndNextRequestReconnects) {
  StartServer();
  SetFaults(R"([{"method": "GET", "path": "/api/4.0/edges", "times": 1,
                 "fault": {"kind": "reset"}}])");
  auto client = NewClient();
  auto r = client->Get("/api/4.0/edges");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kConnectionReset) << r.error().ToString();
  auto again = client->Get("/api/4.0/edges");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(client->tls_handshakes(), 2);
}

TEST_F(ServerTest, NoReplyIsClientDeadline) {
  StartServer();
  SetFaults(R"([{"method": "GET", "path": "/api/4.0/edges", "times": 1,
                 "fault": {"kind": "timeout"}}])");
  auto client = NewClient();
  const auto start = std::chrono::steady_clock::now();
  auto r = client->Send(Get("/api/4.0/edges", milliseconds(100)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kDeadlineExceeded) << r.error().ToString();
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(100));
  // The held connection is closed once the client gives up on it.
  EXPECT_TRUE(
      WaitFor([&] { return server_->counters().connections_open == 0; }, milliseconds(2000)));
}

TEST_F(ServerTest, TruncatedIsTruncated) {
  StartServer();
  SetFaults(R"([{"method": "GET", "path": "/api/4.0/edges", "times": 1,
                 "fault": {"kind": "truncated"}}])");
  auto client = NewClient();
  auto r = client->Get("/api/4.0/edges");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kTruncated) << r.error().ToString();
}

TEST_F(ServerTest, TruncatedOverPlainHttpIsTruncated) {
  ServerOptions o;
  o.tls = false;
  StartServer(o);
  SetFaults(R"([{"method": "GET", "path": "/api/4.0/edges", "times": 1,
                 "fault": {"kind": "truncated"}}])");
  auto r = NewClient()->Get("/api/4.0/edges");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kTruncated) << r.error().ToString();
}

TEST_F(ServerTest, ResponseLostIsConnectionResetButApplied) {
  StartServer();
  SetFaults(R"([{"method": "POST", "path": "/api/4.0/edges", "times": 1,
                 "fault": {"kind": "response_lost"}}])");
  auto client = NewClient();
  auto r = client->Post("/api/4.0/edges", nsxv::testing::DeployEdgeBody("lost-reply"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kConnectionReset) << r.error().ToString();
  auto list = client->Get("/api/4.0/edges");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_NE(list->body.find("lost-reply"), std::string::npos) << list->body;
}

TEST_F(ServerTest, MalformedHttpGets400AndClose) {
  ServerOptions o;
  o.tls = false;
  StartServer(o);
  const std::string reply = RawExchange(server_->port(), "this is not http\r\n\r\n");
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 400")) << reply;
  EXPECT_NE(reply.find("Connection: close"), std::string::npos) << reply;
  EXPECT_EQ(server_->counters().bad_requests, 1u);
  EXPECT_EQ(server_->counters().requests, 0u);
  // The server is still fine.
  auto r = NewClient()->Get("/__fake/info");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

TEST_F(ServerTest, OversizeBodyGets413) {
  ServerOptions o;
  o.max_body_bytes = 1024;
  StartServer(o);
  auto client = NewClient();
  auto r = client->Put("/api/4.0/edges/edge-1/firewall/config", std::string(4096, 'x'));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 413);
  EXPECT_FALSE(client->connected());
  auto again = client->Get("/__fake/info");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->status, 200);
}

TEST_F(ServerTest, HonoursExpect100Continue) {
  ServerOptions o;
  o.tls = false;
  StartServer(o);
  RawConnection conn(server_->port());
  const std::string body = R"({"rules": []})";
  ASSERT_TRUE(conn.Send("PUT /__fake/faults HTTP/1.1\r\nHost: x\r\nAuthorization: " +
                        BasicAuthValue("admin", "default") +
                        "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
                        "Content-Length: " +
                        std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n"));
  EXPECT_TRUE(conn.ReadUntil("\r\n\r\n").starts_with("HTTP/1.1 100 Continue\r\n\r\n"));
  ASSERT_TRUE(conn.Send(body));
  const std::string all = conn.ReadUntil("");
  EXPECT_NE(all.find("HTTP/1.1 204"), std::string::npos) << all;
}

TEST_F(ServerTest, OversizeContentLengthRefusedBeforeTheBody) {
  ServerOptions o;
  o.tls = false;
  o.max_body_bytes = 100;
  StartServer(o);
  const std::string reply =
      RawExchange(server_->port(), "PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 413")) << reply;
}

TEST_F(ServerTest, SimulatedLatencyAdvancesTheClockWithoutWaiting) {
  StartServer();
  SetFaults(R"([{"method": "GET", "path": "/api/4.0/edges", "times": 1,
                 "fault": {"kind": "latency", "fixed_ms": 3600000}}])");
  const TimePoint before = simulated_.Now();
  auto r = NewClient()->Send(Get("/api/4.0/edges", milliseconds(2000)));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_GE(simulated_.Now() - before, std::chrono::hours(1));
}

TEST_F(ServerTest, ConcurrencyEightClients) {
  ServerOptions o;
  o.threads = 4;
  StartServer(o);
  constexpr int kClients = 8;
  constexpr int kRequests = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  std::vector<int> handshakes(kClients, 0);
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      auto client = NewClient();
      if (!client) return;
      for (int i = 0; i < kRequests; ++i) {
        auto r = client->Get(i % 3 == 0 ? "/__fake/counters" : "/api/4.0/edges");
        if (r.ok() && r->status == 200) ok.fetch_add(1);
      }
      handshakes[static_cast<size_t>(t)] = client->tls_handshakes();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
  for (int h : handshakes) EXPECT_EQ(h, 1);
  EXPECT_EQ(server_->counters().connections_accepted, static_cast<uint64_t>(kClients));
  EXPECT_EQ(server_->counters().requests, static_cast<uint64_t>(kClients * kRequests));
}

TEST_F(ServerTest, GracefulStopWithClientsConnected) {
  StartServer();
  SetFaults(R"([{"method": "GET", "path": "/api/4.0/edges", "fault": {"kind": "timeout"}}])");
  auto idle = NewClient();
  ASSERT_TRUE(idle->Get("/__fake/info").ok());  // an idle keep-alive connection
  const uint16_t port = server_->port();

  // A client whose request the server holds without answering.
  Result<HttpResponse> held = Status(StatusCode::kInternal, "not run");
  std::thread waiter(
      [&] { held = NewClient()->Send(Get("/api/4.0/edges", std::chrono::seconds(30))); });
  ASSERT_TRUE(WaitFor([&] { return server_->counters().requests >= 2; }, milliseconds(5000)));

  const auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1500));
  waiter.join();
  ASSERT_FALSE(held.ok());
  EXPECT_EQ(held.error().code(), StatusCode::kConnectionReset) << held.error().ToString();
  EXPECT_EQ(server_->counters().connections_open, 0u);

  auto after = idle->Get("/__fake/info");
  ASSERT_FALSE(after.ok());
  EXPECT_TRUE(after.error().code() == StatusCode::kUnavailable ||
              after.error().code() == StatusCode::kConnectionReset)
      << after.error().ToString();
  server_->Stop();  // idempotent

  HttpsClientOptions refused;
  refused.url = "https://127.0.0.1:" + std::to_string(port);
  auto r = NewClient(refused)->Get("/__fake/info");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kUnavailable) << r.error().ToString();
}

TEST_F(ServerTest, StopWithoutConnectionsRefusesNewOnes) {
  StartServer();
  const std::string url = server_->url();
  server_->Stop();
  HttpsClientOptions o;
  o.url = url;
  auto r = NewClient(o)->Send(Get("/__fake/info", milliseconds(200)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kUnavailable) << r.error().ToString();
}

TEST_F(ServerTest, StartFailsCleanly) {
  ServerOptions bad_host;
  bad_host.host = "not-an-address";
  auto r = Server::Start(manager_, bad_host);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);

  StartServer();
  ServerOptions taken;
  taken.port = server_->port();
  taken.identity = SharedIdentity();
  auto r2 = Server::Start(manager_, taken);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().code(), StatusCode::kUnavailable) << r2.error().ToString();

  ServerOptions one_file;
  one_file.cert_file = "/nonexistent.pem";
  EXPECT_EQ(Server::Start(manager_, one_file).status().code(), StatusCode::kInvalidArgument);
}

TEST(HttpsClientTest, RejectsBadUrls) {
  for (const char* url : {"ftp://x", "127.0.0.1:80", "https://", "https://h:1/path"}) {
    HttpsClientOptions o;
    o.url = url;
    EXPECT_EQ(HttpsClient::Create(o).status().code(), StatusCode::kInvalidArgument) << url;
  }
  HttpsClientOptions bad_ca;
  bad_ca.url = "https://127.0.0.1:1";
  bad_ca.ca_pem = "not a pem";
  EXPECT_EQ(HttpsClient::Create(bad_ca).status().code(), StatusCode::kInvalidArgument);
}

// With the real clock the delay is an asio timer: a single io thread keeps serving others.
class RealClockServerTest : public ServerTest {
 protected:
  RealClockServerTest() : ServerTest(RealClock()) {}
};

TEST_F(RealClockServerTest, LatencyWaitsOnTimerWithoutBlockingIoThread) {
  ServerOptions o;
  o.threads = 1;
  StartServer(o);
  SetFaults(R"([{"method": "GET", "path": "/api/4.0/edges", "times": 1,
                 "fault": {"kind": "latency", "fixed_ms": 150}}])");
  auto fast = NewClient();
  ASSERT_TRUE(fast->Get("/__fake/info").ok());

  std::chrono::steady_clock::duration slow_elapsed{};
  Result<HttpResponse> slow_result = Status(StatusCode::kInternal, "not run");
  std::thread slow([&] {
    const auto start = std::chrono::steady_clock::now();
    slow_result = NewClient()->Send(Get("/api/4.0/edges", milliseconds(2000)));
    slow_elapsed = std::chrono::steady_clock::now() - start;
  });
  ASSERT_TRUE(WaitFor([&] { return server_->counters().requests >= 2; }, milliseconds(5000)));
  const auto start = std::chrono::steady_clock::now();
  auto quick = fast->Get("/__fake/info");
  const auto quick_elapsed = std::chrono::steady_clock::now() - start;
  slow.join();

  ASSERT_TRUE(quick.ok()) << quick.status().ToString();
  ASSERT_TRUE(slow_result.ok()) << slow_result.status().ToString();
  EXPECT_EQ(slow_result->status, 200);
  EXPECT_GE(slow_elapsed, milliseconds(150));
  EXPECT_LT(quick_elapsed, milliseconds(140)) << "the delay blocked the only io thread";
}

}  // namespace
}  // namespace nsxv::fake
