#include "fake_nsxv/fake_cli.h"

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "driver/common/clock.h"
#include "driver/common/status.h"
#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/fault_plan.h"
#include "fake_nsxv/https_client.h"
#include "fake_nsxv/model.h"
#include "fake_nsxv/server.h"

namespace nsxv::fake {
namespace {

using json = nlohmann::json;

constexpr int kExitOk = kFakeExitOk;
constexpr int kExitFailed = kFakeExitFailed;
constexpr int kExitUsage = kFakeExitUsage;

// A failure to report as "<program>: <message>" with an exit code.
struct Failure {
  int exit_code;
  std::string message;
};

// Where the output goes and how messages are prefixed.
struct Io {
  std::ostream& out;
  std::ostream& err;
  std::string program;
};

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

Duration Seconds(double s) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}

// "HOST:PORT", "[v6]:PORT" or ":PORT" (127.0.0.1).
std::optional<Failure> ParseListen(const std::string& text, ServerOptions* out) {
  const auto bad = [&](const std::string& why) {
    return Failure{kExitUsage, "--listen " + text + ": " + why};
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return bad("expected HOST:PORT");
  std::string host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "127.0.0.1";
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
    return bad("port must be a number in [0, 65535]");
  }
  out->host = host;
  out->port = static_cast<uint16_t>(std::stoi(port));
  return std::nullopt;
}

// Builds the manager's options and the server's from the flags; checks every file.
std::optional<Failure> BuildOptions(const FakeCliFlags& flags, FakeOptions* fake,
                                    ServerOptions* server) {
  if (flags.cert_file.empty() != flags.key_file.empty()) {
    return Failure{kExitUsage, "--cert and --key go together: give both or neither"};
  }
  if (flags.http && !flags.cert_file.empty()) {
    return Failure{kExitUsage, "--http cannot be combined with --cert/--key"};
  }
  if (!(flags.time_scale > 0)) {
    std::ostringstream value;
    value << flags.time_scale;
    return Failure{kExitUsage, "--time-scale " + value.str() + ": must be > 0"};
  }
  if (auto f = ParseListen(flags.listen, server)) return f;
  server->tls = !flags.http;
  server->threads = flags.threads;
  server->cert_file = flags.cert_file;
  server->key_file = flags.key_file;

  fake->user = flags.user;
  fake->password = flags.password;
  fake->seed = flags.seed;
  fake->time_scale = flags.time_scale;
  fake->journal_capacity = flags.journal_capacity;
  fake->model.deploy_duration = Seconds(flags.deploy_duration_s);
  fake->model.config_duration = Seconds(flags.config_duration_s);
  fake->model.busy_policy =
      flags.busy_policy == "reject" ? BusyPolicy::kReject : BusyPolicy::kSerialize;
  fake->model.time_scale = flags.time_scale;
  fake->model.page_size = flags.page_size;
  return std::nullopt;
}

// Loads --faults and --state into the manager.
std::optional<Failure> LoadFiles(const FakeCliFlags& flags, FakeManager& manager) {
  if (!flags.faults_file.empty()) {
    const std::optional<std::string> text = ReadFile(flags.faults_file);
    if (!text) return Failure{kExitUsage, "--faults " + flags.faults_file + ": cannot read file"};
    auto plan = FaultPlan::FromJsonText(*text, flags.seed);
    if (!plan.ok()) {
      return Failure{kExitUsage, "--faults " + flags.faults_file + ": " + plan.error().message()};
    }
    manager.SetFaultPlan(std::move(plan).value());
  }
  if (!flags.state_file.empty()) {
    const std::optional<std::string> text = ReadFile(flags.state_file);
    if (!text) return Failure{kExitUsage, "--state " + flags.state_file + ": cannot read file"};
    json state;
    try {
      state = json::parse(*text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
    } catch (const json::parse_error& e) {
      // e.what() is "[json.exception.parse_error.101] parse error at line 2, column 1: ...".
      std::string what = e.what();
      const size_t bracket = what.find("] ");
      if (bracket != std::string::npos) what = what.substr(bracket + 2);
      return Failure{kExitUsage, "--state " + flags.state_file + ": " + what};
    }
    const Status loaded = manager.model().Load(state);
    if (!loaded.ok()) {
      return Failure{kExitUsage, "--state " + flags.state_file + ": " + loaded.message()};
    }
  }
  return std::nullopt;
}

void WarnUnmatchedRules(FakeManager& manager) {
  const std::shared_ptr<const FaultPlan> plan = manager.fault_plan();
  if (!plan) return;
  for (const std::string& rule : plan->UnmatchedRules()) {
    spdlog::warn("fault rule \"{}\" matched no request", rule);
  }
}

int RunServer(const FakeCliFlags& flags, const FakeOptions& fake_options,
              ServerOptions server_options, const Io& io) {
  // Block the stop signals before any thread starts, so that every thread inherits the mask and
  // only sigwait() below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  FakeManager manager(RealClock(), fake_options);
  if (auto failure = LoadFiles(flags, manager)) {
    io.err << io.program << ": " << failure->message << "\n";
    return failure->exit_code;
  }
  auto server = Server::Start(manager, std::move(server_options));
  if (!server.ok()) {
    // TLS file errors start with the file name; say which flag gave it.
    const std::string& message = server.error().message();
    std::string flag;
    if (!flags.cert_file.empty() && message.starts_with(flags.cert_file + ":")) flag = "--cert ";
    if (flag.empty() && !flags.key_file.empty() && message.starts_with(flags.key_file + ":")) {
      flag = "--key ";
    }
    io.err << io.program << ": " << flag << message << "\n";
    return server.error().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailed;
  }
  io.out << "listening on " << (*server)->url() << std::endl;
  spdlog::info("user {}, seed {}, time scale {}, {} thread(s){}", flags.user, flags.seed,
               flags.time_scale, flags.threads,
               (*server)->tls() && flags.cert_file.empty() ? ", self-signed certificate" : "");

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("{}: stopping", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->Stop();
  const ServerCounters counters = (*server)->counters();
  spdlog::info("served {} request(s) on {} connection(s)", counters.requests,
               counters.connections_accepted);
  WarnUnmatchedRules(manager);
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------
// --demo

std::string DemoDeployBody(const std::string& name) {
  return json{
      {"name", name},
      {"type", "gatewayServices"},
      {"datacenterMoid", "datacenter-2"},
      {"appliances",
       {{"applianceSize", "compact"},
        {"appliances", {{{"resourcePoolId", "domain-c7"}, {"datastoreId", "datastore-1"}}}}}},
      {"vnics",
       {{"vnics",
         {{{"index", 0},
           {"name", "external"},
           {"type", "uplink"},
           {"portgroupId", "dvportgroup-20"},
           {"isConnected", true}}}}}}}
      .dump();
}

std::string DemoVnicBody(const std::string& ip) {
  return json{{"index", 0},
              {"name", "external"},
              {"type", "uplink"},
              {"portgroupId", "dvportgroup-20"},
              {"mtu", 1500},
              {"isConnected", true},
              {"addressGroups",
               {{"addressGroups", {{{"primaryAddress", ip}, {"subnetMask", "255.255.255.0"}}}}}}}
      .dump();
}

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
                         DemoDeployBody("demo-edge-" + std::to_string(i)), 201);
    const std::string location(r ? r->headers.Get("Location").value_or("") : "");
    edges.push_back(location.empty() ? "edge-" + std::to_string(i) : LastSegment(location));
  }
  demo.Check("3 distinct edge ids from Location",
             edges.size() == 3 && edges[0] != edges[1] && edges[1] != edges[2],
             "edge ids: " + edges[0] + "," + edges[1] + "," + edges[2]);
  const std::string edge = "/api/4.0/edges/" + edges[0];

  demo.Expect("put vnic 0", "PUT", edge + "/vnics/0", DemoVnicBody("10.0.0.5"), 2);
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

int RunDemo(const FakeCliFlags& flags, FakeOptions fake_options, const Io& io) {
  fake_options.model.page_size = 2;
  FakeManager manager(RealClock(), fake_options);
  if (auto failure = LoadFiles(flags, manager)) {
    io.err << io.program << ": " << failure->message << "\n";
    return failure->exit_code;
  }
  ServerOptions server_options;  // 127.0.0.1:0 over HTTPS, whatever --listen says
  server_options.threads = flags.threads;
  auto server = Server::Start(manager, server_options);
  if (!server.ok()) {
    io.err << io.program << ": " << server.error().message() << "\n";
    return kExitFailed;
  }
  io.out << "listening on " << (*server)->url() << std::endl;

  HttpsClientOptions client_options;
  client_options.url = (*server)->url();
  client_options.ca_pem = (*server)->ca_pem();
  client_options.user = flags.user;
  client_options.password = flags.password;
  client_options.default_timeout = std::chrono::seconds(10);
  auto client = HttpsClient::Create(client_options);
  if (!client.ok()) {
    std::cerr << "fake-nsxv: demo client: " << client.error().message() << "\n";
    return kExitFailed;
  }
  Demo demo(**client);
  RunDemoScript(demo);
  demo.Print(io.out);
  (*client)->Close();
  (*server)->Stop();
  io.out << (demo.failed() == 0 ? "demo passed" : "demo FAILED") << std::endl;
  return demo.failed() == 0 ? kExitOk : kExitFailed;
}

}  // namespace

void AddFakeFlags(CLI::App& app, FakeCliFlags& flags, bool log_flags) {
  app.add_option("--listen", flags.listen,
                 "Address to listen on, HOST:PORT; port 0 picks a free one")
      ->capture_default_str();
  app.add_option("--user", flags.user, "Basic-auth user name")->capture_default_str();
  app.add_option("--password", flags.password, "Basic-auth password")->capture_default_str();
  app.add_option("--cert", flags.cert_file,
                 "Server certificate, PEM file (with --key); default: a generated self-signed one");
  app.add_option("--key", flags.key_file, "Private key of --cert, PEM file");
  app.add_flag("--http", flags.http, "Serve plain HTTP instead of HTTPS");
  app.add_option("--threads", flags.threads, "Server I/O threads")
      ->check(CLI::Range(1, kMaxServerThreads))
      ->capture_default_str();
  app.add_option("--seed", flags.seed, "Seed of fault decisions (when the plan has none)")
      ->capture_default_str();
  app.add_option("--time-scale", flags.time_scale,
                 "Clock time per virtual second of latency, deploys and jobs (> 0)")
      ->capture_default_str();
  app.add_option("--faults", flags.faults_file, "Fault plan, JSON file (comments allowed)");
  app.add_option("--state", flags.state_file,
                 "Initial state, JSON file as GET /__fake/state gives");
  app.add_option("--deploy-duration", flags.deploy_duration_s,
                 "Virtual seconds an edge deploy takes")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--config-duration", flags.config_duration_s,
                 "Virtual seconds a config change keeps an edge busy")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--busy-policy", flags.busy_policy,
                 "Config change to a busy edge: wait for it (serialize) or answer 409 (reject)")
      ->check(CLI::IsMember({"serialize", "reject"}))
      ->capture_default_str();
  app.add_option("--page-size", flags.page_size, "Edges per page of GET /api/4.0/edges")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--journal-capacity", flags.journal_capacity,
                 "Requests kept in the journal (/__fake/journal)")
      ->check(CLI::Range(size_t{1}, size_t{100000000}))
      ->capture_default_str();
  app.add_flag("--demo", flags.demo,
               "Self-demo: start on 127.0.0.1:0, drive a scripted NSX flow with faults through "
               "HTTPS, print a summary; exit 0 when every check passes");

  if (log_flags) {
    app.add_flag("-v,--verbose", flags.verbose, "More logging on stderr (-vv: trace)");
    app.add_flag("-q,--quiet", flags.quiet, "Log only warnings and errors");
  }
}

int RunFake(const FakeCliFlags& flags, std::ostream& out, std::ostream& err,
            const std::string& program) {
  const Io io{out, err, program};
  FakeOptions fake_options;
  ServerOptions server_options;
  if (auto failure = BuildOptions(flags, &fake_options, &server_options)) {
    err << program << ": " << failure->message << "\n";
    return failure->exit_code;
  }
  if (flags.demo) return RunDemo(flags, fake_options, io);
  return RunServer(flags, fake_options, std::move(server_options), io);
}

int FakeMain(int argc, char** argv) {
  FakeCliFlags flags;
  CLI::App app{
      "fake-nsxv: a stateful fake VMware NSX-v manager (REST over HTTPS) with fault "
      "injection, for tests and benchmarks of the metadata-proxy driver.",
      "fake-nsxv"};
  AddFakeFlags(app, flags, /*log_flags=*/true);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "fake-nsxv: " << e.what() << "\n";
    return kFakeExitUsage;
  }

  auto logger = spdlog::stderr_color_mt("fake-nsxv");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_level(flags.quiet          ? spdlog::level::warn
                    : flags.verbose >= 2 ? spdlog::level::trace
                    : flags.verbose == 1 ? spdlog::level::debug
                                         : spdlog::level::info);
  return RunFake(flags, std::cout, std::cerr, "fake-nsxv");
}

}  // namespace nsxv::fake
