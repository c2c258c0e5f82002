// The Server of server.h: the listener (ServerCore: accept loop, io threads, stop) and the
// public API. Sessions are in server_session.cc.
#include "fake_nsxv/server.h"

#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <exception>
#include <utility>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "fake_nsxv/server_core.h"

namespace nsxv::fake {
namespace server_internal {

void ServerCore::RunIoThread() {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      // A handler threw (it should not); keep serving the other connections.
      spdlog::error("fake-nsxv: io thread: {}", e.what());
    }
  }
}

void ServerCore::DoAccept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, StrandSocket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void ServerCore::OnAccept(beast::error_code ec, StrandSocket socket) {
  if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) {
    // Out of descriptors and the like: back off instead of spinning.
    spdlog::warn("fake-nsxv: accept: {}", ec.message());
    accept_backoff.expires_after(std::chrono::milliseconds(50));
    accept_backoff.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec) DoAccept();
    });
    return;
  }
  std::shared_ptr<SessionBase> session;
  {
    MutexLock lock(&mu);
    if (stopping) {
      beast::error_code ignored;
      socket.close(ignored);
      return;
    }
    const uint64_t id = next_session_id++;
    session = MakeSession(*this, id, std::move(socket));
    sessions.emplace(id, session);
  }
  connections_accepted.fetch_add(1, std::memory_order_relaxed);
  session->Run();
  DoAccept();
}

void ServerCore::Unregister(uint64_t id) {
  MutexLock lock(&mu);
  sessions.erase(id);
  sessions_changed.SignalAll();
}

void ServerCore::StopServer() {
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    MutexLock lock(&mu);
    if (stopped) return;
    stopped = true;
    stopping = true;
    for (auto& [id, weak] : sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  net::post(acceptor.get_executor(), [this] {
    beast::error_code ignored;
    acceptor.close(ignored);
    accept_backoff.cancel();
  });
  for (const auto& s : live) s->Abort();
  live.clear();  // the sessions must be able to die before the wait below ends

  {
    MutexLock lock(&mu);
    const auto give_up = std::chrono::steady_clock::now() + options.stop_grace;
    while (!sessions.empty() && std::chrono::steady_clock::now() < give_up) {
      sessions_changed.WaitFor(&mu, std::chrono::milliseconds(20));
    }
    if (!sessions.empty()) {
      spdlog::warn("fake-nsxv: {} connection(s) still open at stop; stopping anyway",
                   sessions.size());
    }
  }
  ioc.stop();
  for (std::thread& t : threads) {
    if (t.joinable()) t.join();
  }
  // No io thread runs any more, so this thread may touch the acceptor, and must: the posted close
  // may not have run before stop(). Then run what the stop left queued (session aborts, aborted
  // operations) so that no socket stays open until the Server is destroyed.
  beast::error_code ignored;
  acceptor.close(ignored);
  accept_backoff.cancel();
  ioc.restart();
  for (int round = 0; round < 10000 && ioc.poll() > 0; ++round) {
  }
}

}  // namespace server_internal

using server_internal::ServerCore;
namespace net = server_internal::net;
namespace ssl = server_internal::ssl;
using server_internal::tcp;
namespace beast = server_internal::beast;

struct Server::Impl final : ServerCore {
  using ServerCore::ServerCore;
};

Result<std::unique_ptr<Server>> Server::Start(FakeManager& manager, ServerOptions options) {
  options.threads = std::clamp(options.threads, 1, kMaxServerThreads);
  if (options.max_body_bytes == 0) return InvalidArgument("max_body_bytes must be positive");
  if (options.idle_timeout.count() <= 0) return InvalidArgument("idle_timeout must be positive");
  if (options.cert_file.empty() != options.key_file.empty()) {
    return InvalidArgument("give both a certificate and a key file, or neither");
  }

  auto impl = std::make_unique<Impl>(manager, std::move(options));
  const ServerOptions& opts = impl->options;

  if (opts.tls) {
    TlsIdentity identity;
    if (!opts.cert_file.empty()) {
      NSXV_ASSIGN_OR_RETURN(identity, LoadTlsIdentity(opts.cert_file, opts.key_file));
    } else if (opts.identity) {
      NSXV_RETURN_IF_ERROR(ValidateTlsIdentity(*opts.identity));
      identity = *opts.identity;
    } else {
      NSXV_ASSIGN_OR_RETURN(identity, GenerateSelfSignedIdentity());
    }
    impl->ssl_ctx.emplace(ssl::context::tls_server);
    beast::error_code ec;
    impl->ssl_ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                                   ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                               ec);
    if (!ec) impl->ssl_ctx->use_certificate_chain(net::buffer(identity.cert_pem), ec);
    if (!ec) impl->ssl_ctx->use_private_key(net::buffer(identity.key_pem), ssl::context::pem, ec);
    if (ec) return InvalidArgument("TLS server context: " + ec.message());
    impl->cert_pem = std::move(identity.cert_pem);
  }

  const std::string bind_host = opts.host == "localhost" ? "127.0.0.1" : opts.host;
  beast::error_code ec;
  const net::ip::address address = net::ip::make_address(bind_host, ec);
  if (ec) return InvalidArgument("listen host \"" + opts.host + "\": not an IP address");
  const tcp::endpoint endpoint(address, opts.port);
  const std::string where = bind_host + ":" + std::to_string(opts.port);

  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status(StatusCode::kUnavailable, "listen " + where + ": " + ec.message());
  impl->port = impl->acceptor.local_endpoint(ec).port();
  if (ec) return Status(StatusCode::kUnavailable, "listen " + where + ": " + ec.message());

  std::string shown = address.is_unspecified()
                          ? (address.is_v4() ? std::string("127.0.0.1") : std::string("::1"))
                          : address.to_string();
  impl->host = address.is_v6() ? "[" + shown + "]" : shown;

  ServerCore* raw = impl.get();
  net::post(impl->acceptor.get_executor(), [raw] { raw->DoAccept(); });
  impl->threads.reserve(static_cast<size_t>(opts.threads));
  for (int i = 0; i < opts.threads; ++i) {
    impl->threads.emplace_back([raw] { raw->RunIoThread(); });
  }
  spdlog::debug("fake-nsxv: listening on {}://{}:{} with {} thread(s)", opts.tls ? "https" : "http",
                impl->host, impl->port, opts.threads);
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

void Server::Stop() { impl_->StopServer(); }

uint16_t Server::port() const { return impl_->port; }
bool Server::tls() const { return impl_->ssl_ctx.has_value(); }

std::string Server::url() const {
  return std::string(tls() ? "https://" : "http://") + impl_->host + ":" +
         std::to_string(impl_->port);
}

const std::string& Server::ca_pem() const { return impl_->cert_pem; }

ServerCounters Server::counters() const {
  ServerCounters out;
  out.connections_accepted = impl_->connections_accepted.load(std::memory_order_relaxed);
  out.tls_handshakes = impl_->tls_handshakes.load(std::memory_order_relaxed);
  out.requests = impl_->requests.load(std::memory_order_relaxed);
  out.bad_requests = impl_->bad_requests.load(std::memory_order_relaxed);
  {
    MutexLock lock(&impl_->mu);
    out.connections_open = impl_->sessions.size();
  }
  return out;
}

double Server::io_cpu_seconds() const {
  // Under mu with `stopped` false, no io thread has been joined yet (StopServer sets `stopped`
  // under mu before it joins), so every native handle is still valid.
  MutexLock lock(&impl_->mu);
  if (impl_->stopped) return 0;
  double total = 0;
  for (std::thread& t : impl_->threads) {
    clockid_t clock{};
    timespec ts{};
    if (pthread_getcpuclockid(t.native_handle(), &clock) == 0 && clock_gettime(clock, &ts) == 0) {
      total += static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
    }
  }
  return total;
}

}  // namespace nsxv::fake
