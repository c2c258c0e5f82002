// The driver's cost per call: ApiClient + BeastTransport against the fake over HTTPS keep-alive
// on loopback, with 1, 4, 16 and 64 concurrent callers sharing one client (pool = callers, max
// 16). Reports calls/s (items_per_second) and CPU µs per call (process CPU, client and server
// together, since both run in this process).
#include <ctime>
#include <memory>
#include <mutex>
#include <string>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "driver/nsxv/api_client.h"
#include "driver/transport/beast_transport.h"
#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/server.h"

namespace nsxv {
namespace {

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Fixture {
  Fixture() {
    fake::ServerOptions o;
    o.threads = 2;
    auto s = fake::Server::Start(manager, o);
    if (!s.ok()) std::abort();
    server = std::move(s).value();
    auto t =
        BeastTransport::Create({.url = server->url(), .ca_pem = server->ca_pem(), .pool_size = 16});
    if (!t.ok()) std::abort();
    transport = std::move(t).value();
    client = std::make_unique<driver::ApiClient>(
        *transport, RealClock(),
        driver::ApiClientOptions{
            .manager_uri = server->url(), .user = "admin", .password = "default"});
    nlohmann::json deploy = {{"name", "bench-edge"},
                             {"type", "gatewayServices"},
                             {"appliances", {{"applianceSize", "compact"}}},
                             {"vnics", {{"vnics", nlohmann::json::array()}}}};
    auto r = client->Call({.method = "POST", .path = "/api/4.0/edges", .body = deploy.dump()});
    if (!r.ok()) std::abort();
    edge = driver::IdFromLocation(r->headers.Get("Location").value_or(""));
  }
  fake::FakeManager manager{RealClock(), fake::FakeOptions{}};
  std::unique_ptr<fake::Server> server;
  std::unique_ptr<BeastTransport> transport;
  std::unique_ptr<driver::ApiClient> client;
  std::string edge;
};

Fixture& GetFixture() {
  static Fixture* f = new Fixture();  // lives for the whole run
  return *f;
}

void BM_DriverGetStatusHttps(benchmark::State& state) {
  Fixture& f = GetFixture();
  const driver::ApiCall call{.method = "GET",
                             .path = "/api/4.0/edges/" + f.edge + "/status?getlatest=false"};
  const double cpu0 = state.thread_index() == 0 ? ProcessCpuSeconds() : 0;
  for (auto _ : state) {
    auto r = f.client->Call(call);
    if (!r.ok()) {
      state.SkipWithError(r.error().ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    const double per_thread_calls = static_cast<double>(state.iterations());
    const double calls = per_thread_calls * state.threads();
    state.counters["cpu_us_per_call"] =
        (ProcessCpuSeconds() - cpu0) * 1e6 / (calls > 0 ? calls : 1);
  }
}

BENCHMARK(BM_DriverGetStatusHttps)->Threads(1)->Threads(4)->Threads(16)->Threads(64)->UseRealTime();

}  // namespace
}  // namespace nsxv
