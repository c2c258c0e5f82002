#include "driver/nsxv/api_client.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/in_process_transport.h"
#include "tests/test_util/nsx_documents.h"

namespace nsxv::driver {
namespace {

// Records requests and answers with a canned response.
class RecordingTransport : public Transport {
 public:
  Result<HttpResponse> Send(const HttpRequest& request) override {
    last = request;
    return response;
  }
  HttpRequest last;
  HttpResponse response;
};

TEST(ApiClientTest, JoinsUrlWithoutDoubleSlashAndSetsHeaders) {
  RecordingTransport t;
  SimulatedClock clock;
  ApiClient client(t, clock,
                   {.manager_uri = "https://nsx.example.com/", .user = "admin", .password = "pw"});
  EXPECT_EQ(client.Url("/api/4.0/edges"), "https://nsx.example.com/api/4.0/edges");
  ASSERT_TRUE(client.Call({.method = "GET", .path = "/api/4.0/edges"}).ok());
  EXPECT_EQ(t.last.target, "/api/4.0/edges");
  EXPECT_EQ(*t.last.headers.Get("Authorization"), BasicAuthValue("admin", "pw"));
  EXPECT_EQ(*t.last.headers.Get("Accept"), "application/json");
  EXPECT_EQ(*t.last.headers.Get("Content-Type"), "application/json");
  EXPECT_EQ(t.last.timeout, std::chrono::seconds(240));
  ASSERT_TRUE(client
                  .Call({.method = "POST",
                         .path = "/x",
                         .body = "<a/>",
                         .format = Format::kXml,
                         .timeout = std::chrono::seconds(5)})
                  .ok());
  EXPECT_EQ(*t.last.headers.Get("Accept"), "application/xml");
  EXPECT_EQ(t.last.timeout, std::chrono::seconds(5));
}

TEST(ApiClientTest, ManagerUriPathPrefixIsKept) {
  RecordingTransport t;
  SimulatedClock clock;
  ApiClient client(t, clock, {.manager_uri = "https://lb.example.com:8443/nsx//"});
  ASSERT_TRUE(client.Call({.method = "GET", .path = "/api/4.0/edges"}).ok());
  EXPECT_EQ(t.last.target, "/nsx/api/4.0/edges");
}

TEST(ApiClientTest, MapsStatusesAndNsxErrorCodes) {
  EXPECT_EQ(StatusCodeForHttp(400), StatusCode::kInvalidArgument);
  EXPECT_EQ(StatusCodeForHttp(415), StatusCode::kInvalidArgument);
  EXPECT_EQ(StatusCodeForHttp(403), StatusCode::kPermissionDenied);
  EXPECT_EQ(StatusCodeForHttp(404), StatusCode::kNotFound);
  EXPECT_EQ(StatusCodeForHttp(409), StatusCode::kConflict);
  EXPECT_EQ(StatusCodeForHttp(503), StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeForHttp(303), StatusCode::kInternal);
  EXPECT_EQ(StatusCodeForHttp(500), StatusCode::kInternal);
  EXPECT_EQ(ParseNsxErrorCode(R"({"errorCode": 10085, "details": "dup"})"), 10085);
  EXPECT_EQ(ParseNsxErrorCode(R"({"errorCode": "100046"})"), 100046);
  EXPECT_EQ(
      ParseNsxErrorCode(
          "<?xml version=\"1.0\"?><error><details>x</details><errorCode>10115</errorCode></error>"),
      10115);
  EXPECT_EQ(ParseNsxErrorCode("garbage"), 0);
  EXPECT_EQ(ParseNsxErrorDetails("<error><details>Address group bad</details></error>"),
            "Address group bad");
  EXPECT_EQ(IdFromLocation("/api/4.0/edges/edge-12"), "edge-12");
  EXPECT_EQ(IdFromLocation("https://h/api/2.0/services/truststore/csr/csr-3/"), "csr-3");
  EXPECT_EQ(IdFromLocation(""), "");
}

TEST(ApiClientTest, NsxNotFoundCodesTakePrecedence) {
  RecordingTransport t;
  SimulatedClock clock;
  ApiClient client(t, clock, {.manager_uri = "https://m"});
  t.response.status = 400;
  t.response.body = R"({"errorCode": 100046, "details": "Unknown Error Occurred"})";
  Result<HttpResponse> r = client.Call({.method = "GET", .path = "/api/4.0/firewall"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(r.error().http_status(), 400);
  EXPECT_EQ(r.error().nsx_error_code(), 100046);
  EXPECT_EQ(r.error().message(),
            "GET https://m/api/4.0/firewall: HTTP 400 errorCode 100046: Unknown Error Occurred");
}

TEST(ApiClientTest, ErrorsNameMethodPathStatusAndExcerpt) {
  RecordingTransport t;
  SimulatedClock clock;
  ApiClient client(t, clock, {.manager_uri = "https://m"});
  t.response.status = 502;
  t.response.body = std::string(300, 'x');
  Result<HttpResponse> r = client.Call({.method = "PUT", .path = "/api/4.0/edges/edge-1"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kInternal);
  EXPECT_EQ(r.error().message(),
            "PUT https://m/api/4.0/edges/edge-1: HTTP 502: " + std::string(200, 'x') + "...");
}

TEST(ApiClientTest, OversizeResponseIsRefused) {
  RecordingTransport t;
  SimulatedClock clock;
  ApiClient client(t, clock, {.manager_uri = "https://m", .max_response_bytes = 10});
  t.response.body = std::string(11, '{');
  Result<HttpResponse> r = client.Call({.method = "GET", .path = "/big"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kProtocolError);
  EXPECT_NE(r.error().message().find("exceeds the limit of 10"), std::string::npos);
}

TEST(ApiClientTest, SecretsAreRedacted) {
  RecordingTransport t;
  SimulatedClock clock;
  ApiClient client(t, clock,
                   {.manager_uri = "https://m",
                    .user = "admin",
                    .password = "hunter2-pw",
                    .secrets = {"s3cr3t-md"}});
  const std::string token = BasicAuthValue("admin", "hunter2-pw").substr(6);
  EXPECT_EQ(client.Redact("pw=hunter2-pw secret=s3cr3t-md auth=" + token),
            "pw=*** secret=*** auth=***");
  t.response.status = 400;
  t.response.body = R"({"details": "bad secret s3cr3t-md"})";
  Result<HttpResponse> r = client.Call({.method = "PUT", .path = "/x"});
  EXPECT_EQ(r.error().message().find("s3cr3t-md"), std::string::npos);
}

class ApiClientFakeTest : public ::testing::Test {
 protected:
  ApiClientFakeTest()
      : manager_(clock_, fake::FakeOptions{}),
        transport_(manager_),
        client_(
            transport_, clock_,
            {.manager_uri = "https://fake", .user = "admin", .password = "default", .retries = 5}) {
  }

  void SetFaults(std::string_view plan) {
    auto p = fake::FaultPlan::FromJsonText(plan, 1);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    manager_.SetFaultPlan(*p);
  }

  SimulatedClock clock_;
  fake::FakeManager manager_;
  fake::InProcessTransport transport_;
  ApiClient client_;
};

TEST_F(ApiClientFakeTest, ConflictIsRetriedWithBackoffThenSucceeds) {
  SetFaults(R"([{"method": "POST", "times": 2, "fault": {"kind": "http_error", "status": 409}}])");
  Result<HttpResponse> r = client_.Call({.method = "POST",
                                         .path = "/api/4.0/edges",
                                         .body = testing::DeployEdgeBody("r1"),
                                         .op = "deploy"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(transport_.calls(), 3U);
  EXPECT_EQ(clock_.Elapsed(), std::chrono::seconds(1 + 2));
}

TEST_F(ApiClientFakeTest, ServiceUnavailableExhaustsTheRetries) {
  SetFaults(R"([{"fault": {"kind": "http_error", "status": 503}}])");
  Result<HttpResponse> r = client_.Call(
      {.method = "GET", .path = "/api/4.0/edges", .policy = RetryPolicy::OnHttp(5, {503})});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(transport_.calls(), 5U);
  EXPECT_EQ(clock_.Elapsed(), std::chrono::seconds(1 + 2 + 4 + 4));
}

TEST_F(ApiClientFakeTest, WrongCredentialsArePermissionDenied) {
  ApiClient bad(transport_, clock_,
                {.manager_uri = "https://fake", .user = "admin", .password = "nope"});
  Result<HttpResponse> r = bad.Call({.method = "GET", .path = "/api/4.0/edges"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(r.error().http_status(), 401);
  EXPECT_EQ(r.error().message().find("nope"), std::string::npos);
}

TEST_F(ApiClientFakeTest, XmlRequestsGetXmlErrorsWithTheCodeParsed) {
  Result<HttpResponse> r = client_.Call({.method = "POST",
                                         .path = "/api/2.0/services/truststore/csr/edge-404",
                                         .body = "<csr/>",
                                         .format = Format::kXml});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kNotFound);
  EXPECT_NE(r.error().nsx_error_code(), 0);
}

TEST_F(ApiClientFakeTest, TransportErrorsNameTheRequestOnce) {
  SetFaults(R"([{"times": 1, "fault": {"kind": "reset"}}])");
  Result<HttpResponse> r = client_.Call({.method = "GET", .path = "/api/4.0/edges/edge-1"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kConnectionReset);
  EXPECT_EQ(r.error().message(), "GET https://fake/api/4.0/edges/edge-1: connection reset by peer");
}

}  // namespace
}  // namespace nsxv::driver
