// The scripted self-demo of `fake-nsxv --demo`: the request bodies, the check table and the
// flow (deploys, config PUTs, truststore, paging, injected faults, journal and counters).
#include "fake_nsxv/fake_demo.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "driver/common/status.h"
#include "fake_nsxv/https_client.h"
#include "fake_nsxv/sample_documents.h"
#include "fake_nsxv/server.h"

namespace nsxv::fake {
namespace {

using json = nlohmann::json;

std::string DemoRoutesBody() {
  return json{
      {"staticRoutes", {{"staticRoutes", json::array()}}},
      {"defaultRoute", {{"description", "default-gateway"}, {"gatewayAddress", "10.0.0.1"}}}}
      .dump();
}

std::string DemoLbBody(const std::string& vip, const std::string& member) {
  return json{
      {"enabled", true},
      {"featureType", "loadbalancer_4.0"},
      {"applicationProfile",
       {{{"applicationProfileId", "applicationProfile-1"},
         {"name", "MDSrvProxy"},
         {"template", "HTTP"}}}},
      {"monitor",
       {{{"monitorId", "monitor-1"}, {"name", "MDSrvMon"}, {"type", "http"}, {"url", "/"}}}},
      {"pool",
       {{{"poolId", "pool-1"},
         {"name", "MDSrvPool"},
         {"algorithm", "round-robin"},
         {"monitorId", {"monitor-1"}},
         {"member",
          {{{"memberId", "member-1"},
            {"name", "Member-1"},
            {"ipAddress", member},
            {"port", 8775},
            {"monitorPort", 8775},
            {"condition", "enabled"}}}}}}},
      {"virtualServer",
       {{{"virtualServerId", "virtualServer-1"},
         {"name", "MdSrv"},
         {"ipAddress", vip},
         {"port", 8775},
         {"protocol", "HTTP"},
         {"defaultPoolId", "pool-1"},
         {"applicationProfileId", "applicationProfile-1"},
         {"enabled", true}}}}}
      .dump();
}

std::string DemoFirewallBody() {
  return json{{"featureType", "firewall_4.0"},
              {"firewallRules",
               {{"firewallRules",
                 {{{"action", "accept"},
                   {"enabled", true},
                   {"name", "VSERule"},
                   {"source", {{"vnicGroupId", {"vse"}}}}},
                  {{"action", "accept"},
                   {"enabled", true},
                   {"name", "MDInterEdgeNet"},
                   {"source", {{"ipAddress", {"169.254.128.0/17"}}}}}}}}}}
      .dump();
}

constexpr const char* kDemoCsrBody =
    "<csr><subject><attribute><key>CN</key><value>metadata.nsx.local</value></attribute>"
    "</subject><algorithm>RSA</algorithm><keySize>2048</keySize></csr>";

constexpr const char* kDemoFaultPlan = R"({"rules": [
  {"name": "demo-conflict", "method": "PUT", "path": "/api/4.0/edges/*/loadbalancer/config",
   "times": 1, "fault": {"kind": "http_error", "status": 409, "errorCode": 10020,
                         "details": "demo: edge is busy"}},
  {"name": "demo-lost", "method": "PUT", "path": "/api/4.0/edges/*/firewall/config",
   "times": 1, "fault": {"kind": "response_lost"}}
]})";

// Runs the scripted flow, one line per check, and prints the table.
class Demo {
 public:
  explicit Demo(HttpsClient& client) : client_(client) {}

  // Sends and checks the HTTP status: `expect` is an exact status, or 2 for "any 2xx".
  std::optional<HttpResponse> Expect(const std::string& what, const std::string& method,
                                     const std::string& target, const std::string& body, int expect,
                                     bool xml = false) {
    HttpRequest request;
    request.method = method;
    request.target = target;
    request.body = body;
    const char* type = xml ? "application/xml" : "application/json";
    request.headers.Set("Accept", type);
    if (!body.empty() || method == "PUT" || method == "POST")
      request.headers.Set("Content-Type", type);
    const auto start = std::chrono::steady_clock::now();
    Result<HttpResponse> r = client_.Send(request);
    const double ms = ElapsedMs(start);
    const std::string expected = expect == 2 ? "2xx" : std::to_string(expect);
    if (!r.ok()) {
      Record(what, method + " " + target, expected, std::string(StatusCodeName(r.error().code())),
             ms, false, r.error().message());
      return std::nullopt;
    }
    const bool ok = expect == 2 ? r->status / 100 == 2 : r->status == expect;
    Record(what, method + " " + target, expected, std::to_string(r->status), ms, ok,
           ok ? "" : r->body.substr(0, 200));
    if (!ok) return std::nullopt;
    return std::move(r).value();
  }

  // Sends and expects a transport error with the given code.
  void ExpectTransportError(const std::string& what, const std::string& method,
                            const std::string& target, const std::string& body, StatusCode code) {
    HttpRequest request;
    request.method = method;
    request.target = target;
    request.body = body;
    request.headers.Set("Accept", "application/json");
    request.headers.Set("Content-Type", "application/json");
    const auto start = std::chrono::steady_clock::now();
    Result<HttpResponse> r = client_.Send(request);
    const double ms = ElapsedMs(start);
    const std::string got =
        r.ok() ? std::to_string(r->status) : std::string(StatusCodeName(r.error().code()));
    Record(what, method + " " + target, std::string(StatusCodeName(code)), got, ms,
           !r.ok() && r.error().code() == code, "");
  }

  // A check on content already received.
  void Check(const std::string& what, bool ok, const std::string& detail) {
    Record(what, "", "true", ok ? "true" : "false", 0, ok, ok ? "" : detail);
  }

  int failed() const {
    int n = 0;
    for (const Row& row : rows_) n += row.ok ? 0 : 1;
    return n;
  }

  void Print(std::ostream& out) const {
    out << "\n";
    char line[512];
    std::snprintf(line, sizeof(line), "%-3s %-36s %-64s %-17s %-17s %8s  %s\n", "#", "step",
                  "request", "expect", "got", "ms", "result");
    out << line;
    int i = 0;
    double total_ms = 0;
    for (const Row& row : rows_) {
      total_ms += row.ms;
      const std::string ms = row.request.empty() ? "-" : FormatMs(row.ms);
      std::snprintf(line, sizeof(line), "%-3d %-36s %-64s %-17s %-17s %8s  %s\n", ++i,
                    Clip(row.what, 36).c_str(), Clip(row.request, 64).c_str(), row.expect.c_str(),
                    row.got.c_str(), ms.c_str(), row.ok ? "ok" : "FAILED");
      out << line;
      if (!row.ok && !row.detail.empty()) out << "      " << Clip(row.detail, 160) << "\n";
    }
    out << "\n"
        << rows_.size() << " checks, " << rows_.size() - static_cast<size_t>(failed())
        << " passed, " << failed() << " failed; " << client_.tls_handshakes()
        << " TLS handshake(s) over " << client_.connects() << " connection(s); "
        << static_cast<int>(total_ms) << " ms in requests\n";
  }

 private:
  struct Row {
    std::string what;
    std::string request;
    std::string expect;
    std::string got;
    double ms;
    bool ok;
    std::string detail;
  };

  static double ElapsedMs(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  }

  static std::string FormatMs(double ms) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.2f", ms);
    return text;
  }

  static std::string Clip(const std::string& s, size_t n) {
    return s.size() <= n ? s : s.substr(0, n - 3) + "...";
  }

  void Record(std::string what, std::string request, std::string expect, std::string got, double ms,
              bool ok, std::string detail) {
    if (!ok) spdlog::error("demo: {} failed: expected {}, got {} {}", what, expect, got, detail);
    rows_.push_back({std::move(what), std::move(request), std::move(expect), std::move(got), ms, ok,
                     std::move(detail)});
  }

  HttpsClient& client_;
  std::vector<Row> rows_;
};

std::string LastSegment(std::string_view location) {
  const size_t slash = location.rfind('/');
  return std::string(slash == std::string_view::npos ? location : location.substr(slash + 1));
}

std::optional<json> ParseJson(const std::optional<HttpResponse>& r) {
  if (!r) return std::nullopt;
  json j = json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

void RunDemoScript(Demo& demo) {
  demo.Expect("manager info", "GET", "/__fake/info", "", 200);

  std::vector<std::string> edges;
  for (int i = 1; i <= 3; ++i) {
    auto r = demo.Expect("deploy edge " + std::to_string(i), "POST", "/api/4.0/edges",
                         DeployEdgeBody("demo-edge-" + std::to_string(i)), 201);
    const std::string location(r ? r->headers.Get("Location").value_or("") : "");
    edges.push_back(location.empty() ? "edge-" + std::to_string(i) : LastSegment(location));
  }
  demo.Check("3 distinct edge ids from Location",
             edges.size() == 3 && edges[0] != edges[1] && edges[1] != edges[2],
             "edge ids: " + edges[0] + "," + edges[1] + "," + edges[2]);
  const std::string edge = "/api/4.0/edges/" + edges[0];

  demo.Expect("put vnic 0", "PUT", edge + "/vnics/0",
              ExternalVnicBody("10.0.0.5", "dvportgroup-20"), 2);
  demo.Expect("read vnic 0 back", "GET", edge + "/vnics/0", "", 200);
  demo.Expect("static default route", "PUT", edge + "/routing/config/static", DemoRoutesBody(), 2);
  demo.Expect("load balancer config", "PUT", edge + "/loadbalancer/config",
              DemoLbBody("10.0.0.5", "192.168.0.10"), 2);
  demo.Expect("firewall config", "PUT", edge + "/firewall/config", DemoFirewallBody(), 2);

  auto csr = demo.Expect("create CSR (XML)", "POST", "/api/2.0/services/truststore/csr/" + edges[0],
                         kDemoCsrBody, 201, /*xml=*/true);
  const std::string csr_id(csr ? LastSegment(csr->headers.Get("Location").value_or("")) : "");
  demo.Check("CSR Location header", !csr_id.empty(), "no Location header");
  auto cert = ParseJson(demo.Expect("self-sign CSR", "PUT",
                                    "/api/2.0/services/truststore/csr/" + csr_id + "?noOfDays=3650",
                                    "", 2));
  demo.Check("certificate objectId", cert && cert->contains("objectId"),
             cert ? cert->dump() : "no JSON body");

  // Page size is 2 in the demo: three edges take two pages.
  auto page1 =
      ParseJson(demo.Expect("list edges, page 1", "GET", "/api/4.0/edges?startIndex=0", "", 200));
  auto page2 =
      ParseJson(demo.Expect("list edges, page 2", "GET", "/api/4.0/edges?startIndex=2", "", 200));
  const auto count = [](const std::optional<json>& page) -> size_t {
    if (!page) return 0;
    const json::json_pointer data("/edgePage/data");
    return page->contains(data) && page->at(data).is_array() ? page->at(data).size() : 0;
  };
  const auto total = [](const std::optional<json>& page) -> int64_t {
    const json::json_pointer p("/edgePage/pagingInfo/totalCount");
    return page && page->contains(p) && page->at(p).is_number() ? page->at(p).get<int64_t>() : -1;
  };
  demo.Check("paging: 2 + 1 edges, totalCount 3",
             count(page1) == 2 && count(page2) == 1 && total(page1) == 3,
             "pages of " + std::to_string(count(page1)) + " and " + std::to_string(count(page2)) +
                 ", totalCount " + std::to_string(total(page1)));

  // Faults: one 409 on an LB PUT, one lost response on a firewall PUT.
  const std::string edge2 = "/api/4.0/edges/" + edges[1];
  demo.Expect("install fault plan", "PUT", "/__fake/faults", kDemoFaultPlan, 2);
  auto conflict = demo.Expect("LB config hits injected 409", "PUT", edge2 + "/loadbalancer/config",
                              DemoLbBody("10.0.0.6", "192.168.0.11"), 409);
  demo.Check("409 carries errorCode 10020",
             conflict && conflict->body.find("10020") != std::string::npos,
             conflict ? conflict->body : "no response");
  demo.Expect("LB config retry succeeds", "PUT", edge2 + "/loadbalancer/config",
              DemoLbBody("10.0.0.6", "192.168.0.11"), 2);
  demo.ExpectTransportError("firewall reply lost", "PUT", edge2 + "/firewall/config",
                            DemoFirewallBody(), StatusCode::kConnectionReset);
  auto fw = demo.Expect("firewall was applied anyway", "GET", edge2 + "/firewall/config", "", 200);
  demo.Check("firewall rule present after lost reply",
             fw && fw->body.find("MDInterEdgeNet") != std::string::npos,
             fw ? fw->body.substr(0, 200) : "no response");

  auto journal = ParseJson(demo.Expect("read journal", "GET", "/__fake/journal?since=0", "", 200));
  const size_t entries =
      journal && journal->contains("entries") ? journal->at("entries").size() : 0;
  demo.Check("journal has every request", entries >= 18,
             std::to_string(entries) + " journal entries");
  auto counters = ParseJson(demo.Expect("read counters", "GET", "/__fake/counters", "", 200));
  demo.Check("counters list routes", counters && counters->contains("routes"),
             counters ? counters->dump().substr(0, 200) : "no JSON");
  auto faults = demo.Expect("fault stats", "GET", "/__fake/faults", "", 200);
  demo.Check("both fault rules fired",
             faults && faults->body.find("demo-conflict") != std::string::npos &&
                 faults->body.find("demo-lost") != std::string::npos,
             faults ? faults->body.substr(0, 200) : "no response");
}

}  // namespace

int RunDemoFlow(FakeManager& manager, const FakeCliFlags& flags, std::ostream& out,
                std::ostream& err, const std::string& program) {
  ServerOptions server_options;  // 127.0.0.1:0 over HTTPS, whatever --listen says
  server_options.threads = flags.threads;
  auto server = Server::Start(manager, server_options);
  if (!server.ok()) {
    err << program << ": " << server.error().message() << "\n";
    return kFakeExitFailed;
  }
  out << "listening on " << (*server)->url() << std::endl;

  HttpsClientOptions client_options;
  client_options.url = (*server)->url();
  client_options.ca_pem = (*server)->ca_pem();
  client_options.user = flags.user;
  client_options.password = flags.password;
  client_options.default_timeout = std::chrono::seconds(10);
  auto client = HttpsClient::Create(client_options);
  if (!client.ok()) {
    std::cerr << "fake-nsxv: demo client: " << client.error().message() << "\n";
    return kFakeExitFailed;
  }
  Demo demo(**client);
  RunDemoScript(demo);
  demo.Print(out);
  (*client)->Close();
  (*server)->Stop();
  out << (demo.failed() == 0 ? "demo passed" : "demo FAILED") << std::endl;
  return demo.failed() == 0 ? kFakeExitOk : kFakeExitFailed;
}

}  // namespace nsxv::fake
