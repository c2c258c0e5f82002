// Requests per second of the fake NSX-v manager: in-process (no sockets), plain HTTP and HTTPS
// keep-alive over loopback. Each benchmark thread is one client with its own connection. The
// request mix is the md flow's hot pair: GET vnic 0, then PUT it back.
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <benchmark/benchmark.h>

#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/https_client.h"
#include "fake_nsxv/in_process_transport.h"
#include "fake_nsxv/sample_documents.h"
#include "fake_nsxv/server.h"

namespace nsxv::fake {
namespace {

constexpr int kEdges = 64;

// One manager with kEdges edges, and (lazily) one HTTPS and one HTTP server in front of it.
struct Backend {
  Backend() : manager(RealClock(), FakeOptions{}), transport(manager) {
    for (int i = 0; i < kEdges; ++i) {
      auto r = transport.Send(AuthedJsonRequest("POST", "/api/4.0/edges",
                                                DeployEdgeBody("bench-" + std::to_string(i))));
      if (!r.ok() || r->status != 201) std::abort();
    }
  }
  Server& server(bool tls) {
    std::lock_guard<std::mutex> lock(mu);
    auto& s = tls ? https : http;
    if (!s) {
      ServerOptions o;
      o.tls = tls;
      o.threads = 2;
      auto started = Server::Start(manager, o);
      if (!started.ok()) std::abort();
      s = std::move(started).value();
    }
    return *s;
  }
  FakeManager manager;
  InProcessTransport transport;
  std::mutex mu;
  std::unique_ptr<Server> https;
  std::unique_ptr<Server> http;
};

Backend& GetBackend() {
  static Backend* backend = new Backend();  // lives for the whole run
  return *backend;
}

void RunMix(benchmark::State& state,
            const std::function<Result<HttpResponse>(const HttpRequest&)>& send) {
  const int edge = state.thread_index() % kEdges + 1;
  const std::string vnic = "/api/4.0/edges/edge-" + std::to_string(edge) + "/vnics/0";
  const HttpRequest get = AuthedJsonRequest("GET", vnic);
  const std::string ip = "10.1.0." + std::to_string(edge % 250 + 2);
  const HttpRequest put = AuthedJsonRequest("PUT", vnic, ExternalVnicBody(ip, "dvportgroup-55"));
  for (auto _ : state) {
    auto a = send(get);
    auto b = send(put);
    if (!a.ok() || !b.ok() || a->status != 200 || b->status >= 300) {
      state.SkipWithError("request failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * 2);
}

void BM_FakeInProcess(benchmark::State& state) {
  Backend& b = GetBackend();
  RunMix(state, [&](const HttpRequest& r) { return b.transport.Send(r); });
}

void RunOverSocket(benchmark::State& state, bool tls) {
  Server& server = GetBackend().server(tls);
  HttpsClientOptions o;
  o.url = server.url();
  o.ca_pem = server.ca_pem();
  auto client = HttpsClient::Create(o);
  if (!client.ok()) {
    state.SkipWithError(client.error().ToString().c_str());
    return;
  }
  RunMix(state, [&](const HttpRequest& r) { return (*client)->Send(r); });
  state.counters["handshakes"] = (*client)->tls_handshakes();
}

void BM_FakeHttpsKeepAlive(benchmark::State& state) { RunOverSocket(state, true); }
void BM_FakeHttpKeepAlive(benchmark::State& state) { RunOverSocket(state, false); }

BENCHMARK(BM_FakeInProcess)->ThreadRange(1, 8)->UseRealTime();
BENCHMARK(BM_FakeHttpKeepAlive)->ThreadRange(1, 8)->UseRealTime();
BENCHMARK(BM_FakeHttpsKeepAlive)->ThreadRange(1, 8)->UseRealTime();

}  // namespace
}  // namespace nsxv::fake
