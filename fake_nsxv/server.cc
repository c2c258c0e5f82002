#include "fake_nsxv/server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <exception>
#include <functional>
#include <optional>
#include <sstream>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "driver/common/mutex.h"

namespace nsxv::fake {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

using BeastRequest = http::request<http::string_body>;
using BeastResponse = http::response<http::string_body>;

constexpr uint32_t kHeaderLimit = 64 * 1024;
// How long a closing plain-HTTP connection drains what the client still sends, so that closing
// with unread input does not turn our last response into a TCP reset.
constexpr auto kLingerTime = std::chrono::milliseconds(500);
// Bound on the TLS close_notify exchange of a graceful close.
constexpr auto kTlsShutdownTime = std::chrono::seconds(1);

HttpRequest ToFakeRequest(const BeastRequest& req) {
  HttpRequest out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  for (const auto& field : req) {
    out.headers.Add(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = req.body();
  return out;
}

bool IsFramingHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
         EqualsIgnoreCase(name, "Connection");
}

BeastResponse ToBeastResponse(const HttpResponse& response, unsigned version, bool keep_alive) {
  BeastResponse out;
  out.version(version);
  out.result(static_cast<unsigned>(response.status));
  for (const Headers::Field& field : response.headers.fields()) {
    // Framing is ours: the body sent decides Content-Length, the session decides Connection.
    if (!IsFramingHeader(field.name)) out.insert(field.name, field.value);
  }
  if (out.find(http::field::server) == out.end()) out.set(http::field::server, "fake-nsxv");
  out.body() = response.body;
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

HttpResponse ProtocolErrorResponse(int status, std::string details) {
  HttpResponse out;
  out.status = status;
  out.headers.Set("Content-Type", "application/json");
  nlohmann::json body = {
      {"errorCode", status}, {"details", std::move(details)}, {"moduleName", "fake-nsxv"}};
  out.body = body.dump();
  return out;
}

HttpResponse InternalErrorResponse(std::string_view what) {
  return ProtocolErrorResponse(500, "fake-nsxv internal error: " + std::string(what));
}

// A session as the server sees it, to close it from Stop().
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Thread-safe: closes the connection on the session's strand.
  virtual void Abort() = 0;
};

class ServerCore {
 public:
  ServerCore(FakeManager& m, ServerOptions opts)
      : manager(m),
        options(std::move(opts)),
        real_clock(&m.clock() == &RealClock()),
        ioc(options.threads) {}

  void RunIoThread();
  void DoAccept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void Unregister(uint64_t id) EXCLUDES(mu);
  void StopServer() EXCLUDES(mu);

  FakeManager& manager;
  const ServerOptions options;
  const bool real_clock;
  std::string cert_pem;
  std::string host;  // as shown in url()
  uint16_t port = 0;
  std::optional<ssl::context> ssl_ctx;

  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> tls_handshakes{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> bad_requests{0};

  Mutex mu;
  CondVar sessions_changed;
  bool stopping GUARDED_BY(mu) = false;
  bool stopped GUARDED_BY(mu) = false;
  uint64_t next_session_id GUARDED_BY(mu) = 1;
  std::unordered_map<uint64_t, std::weak_ptr<SessionBase>> sessions GUARDED_BY(mu);

  // Declared after everything sessions touch: destroying the io_context destroys the handlers
  // still queued, and with them the last references to their sessions.
  net::io_context ioc;
  tcp::acceptor acceptor{net::make_strand(ioc)};
  net::steady_timer accept_backoff{acceptor.get_executor()};
  std::vector<std::thread> threads;
};

// One connection. Every handler runs on the connection's strand; `closed_` and the buffers are
// therefore touched by one thread at a time and need no lock.
template <bool kTls>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<kTls>> {
 public:
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

  template <typename... StreamArgs>
  Session(ServerCore& server, uint64_t id, StreamArgs&&... stream_args)
      : server_(server),
        id_(id),
        stream_(std::forward<StreamArgs>(stream_args)...),
        timer_(stream_.get_executor()) {}

  ~Session() override { server_.Unregister(id_); }

  void Run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::OnRun, this->shared_from_this()));
  }

  void Abort() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->CloseNow(false); });
  }

 private:
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void OnRun() {
    if constexpr (kTls) {
      Tcp().expires_after(server_.options.idle_timeout);
      stream_.async_handshake(
          ssl::stream_base::server,
          beast::bind_front_handler(&Session::OnHandshake, this->shared_from_this()));
    } else {
      DoRead();
    }
  }

  void OnHandshake(beast::error_code ec) {
    if (ec) {
      spdlog::debug("fake-nsxv: TLS handshake failed: {}", ec.message());
      CloseNow(false);
      return;
    }
    server_.tls_handshakes.fetch_add(1, std::memory_order_relaxed);
    DoRead();
  }

  void DoRead() {
    if (closed_) return;
    parser_.emplace();
    parser_->body_limit(server_.options.max_body_bytes);
    parser_->header_limit(kHeaderLimit);
    Tcp().expires_after(server_.options.idle_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::OnHeader, this->shared_from_this()));
  }

  // The head is read first so that an oversize Content-Length is refused before the body
  // arrives, and so that "Expect: 100-continue" (curl sends it for larger bodies) is honoured.
  void OnHeader(beast::error_code ec, std::size_t /*bytes*/) {
    if (ReadFailed(ec)) return;
    if (parser_->is_done()) {
      HandleRequest(parser_->release());
      return;
    }
    const auto expect = parser_->get().find(http::field::expect);
    if (expect != parser_->get().end() && EqualsIgnoreCase(expect->value(), "100-continue")) {
      raw_ = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(stream_, net::buffer(raw_),
                       [self = this->shared_from_this()](beast::error_code write_ec, std::size_t) {
                         if (write_ec) {
                           self->CloseNow(false);
                         } else {
                           self->ReadBody();
                         }
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (closed_) return;
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, this->shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t /*bytes*/) {
    if (ReadFailed(ec)) return;
    HandleRequest(parser_->release());
  }

  // Deals with a failed read; false when `ec` is success and the request can be handled.
  bool ReadFailed(const beast::error_code& ec) {
    if (closed_) return true;
    if (!ec) return false;
    if (ec == http::error::end_of_stream) {
      GracefulClose();
    } else if (ec == http::error::body_limit) {
      RejectRequest(
          413, "request body exceeds " + std::to_string(server_.options.max_body_bytes) + " bytes");
    } else if (ec != http::error::partial_message &&
               ec.category() == http::make_error_code(http::error::bad_method).category()) {
      RejectRequest(400, "malformed HTTP request: " + ec.message());
    } else {  // timeout, reset, TLS failure, client gone mid-request
      CloseNow(false);
    }
    return true;
  }

  void HandleRequest(BeastRequest req) {
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    Exchange exchange;
    try {
      exchange = server_.manager.Process(ToFakeRequest(req));
    } catch (const std::exception& e) {
      spdlog::error("fake-nsxv: {} {}: {}", std::string(req.method_string()),
                    std::string(req.target()), e.what());
      exchange = Exchange{InternalErrorResponse(e.what()), Delivery::kNormal, Duration(0)};
    }
    server_.requests.fetch_add(1, std::memory_order_relaxed);

    if (exchange.delivery == Delivery::kNoReply) {
      HoldOpen();
      return;
    }
    AfterDelay(exchange.delay,
               [this, exchange = std::move(exchange)]() mutable { Deliver(std::move(exchange)); });
  }

  // Runs `then` after `delay`: on an asio timer with the real clock (no io thread blocks), or
  // through Clock::SleepFor otherwise (a simulated clock just moves forward).
  void AfterDelay(Duration delay, std::function<void()> then) {
    if (delay.count() <= 0) {
      then();
    } else if (server_.real_clock) {
      timer_.expires_after(delay);
      timer_.async_wait(
          [self = this->shared_from_this(), then = std::move(then)](beast::error_code ec) {
            if (ec || self->closed_) return;
            then();
          });
    } else {
      server_.manager.clock().SleepFor(delay);
      then();
    }
  }

  void Deliver(Exchange exchange) {
    switch (exchange.delivery) {
      case Delivery::kNormal:
        WriteResponse(exchange.response, /*close=*/!keep_alive_);
        return;
      case Delivery::kReset:
        CloseNow(/*reset=*/true);
        return;
      case Delivery::kNoReply:
        HoldOpen();
        return;
      case Delivery::kTruncated:
        WriteTruncated(exchange.response);
        return;
      case Delivery::kResponseLost:
        CloseNow(false);
        return;
    }
    CloseNow(false);
  }

  void WriteResponse(const HttpResponse& response, bool close) {
    response_.emplace(ToBeastResponse(response, version_, !close));
    const bool keep = response_->keep_alive();
    Tcp().expires_after(server_.options.idle_timeout);
    http::async_write(stream_, *response_,
                      [self = this->shared_from_this(), keep](beast::error_code ec, std::size_t) {
                        self->OnWrite(ec, keep);
                      });
  }

  void OnWrite(beast::error_code ec, bool keep) {
    response_.reset();
    if (closed_) return;
    if (ec) {
      CloseNow(false);
    } else if (keep) {
      DoRead();
    } else {
      GracefulClose();
    }
  }

  // The head announces the whole body, half of it is sent, then the connection closes without a
  // TLS close_notify. An empty body cannot be cut, so half of the head is sent instead.
  void WriteTruncated(const HttpResponse& response) {
    const BeastResponse full = ToBeastResponse(response, version_, true);
    std::ostringstream wire;
    wire << full;
    const std::string serialized = wire.str();
    const size_t body_size = full.body().size();
    const size_t head_size = serialized.size() - body_size;
    raw_ = body_size > 0 ? serialized.substr(0, head_size + body_size / 2)
                         : serialized.substr(0, head_size / 2);
    Tcp().expires_after(server_.options.idle_timeout);
    net::async_write(stream_, net::buffer(raw_),
                     [self = this->shared_from_this()](beast::error_code, std::size_t) {
                       self->CloseNow(false);
                     });
  }

  // kNoReply: read and discard whatever the client sends until it closes, the idle timeout
  // fires, or the server stops.
  void HoldOpen() {
    if (closed_) return;
    Tcp().expires_after(server_.options.idle_timeout);
    stream_.async_read_some(net::buffer(drain_),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) {
                                self->CloseNow(false);
                              } else {
                                self->HoldOpen();
                              }
                            });
  }

  void RejectRequest(int status, std::string details) {
    server_.bad_requests.fetch_add(1, std::memory_order_relaxed);
    version_ = 11;
    keep_alive_ = false;
    WriteResponse(ProtocolErrorResponse(status, std::move(details)), /*close=*/true);
  }

  void GracefulClose() {
    if (closed_) return;
    if constexpr (kTls) {
      Tcp().expires_after(kTlsShutdownTime);
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->CloseNow(false); });
    } else {
      beast::error_code ignored;
      Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
      Drain();
    }
  }

  void Drain() {
    Tcp().expires_after(kLingerTime);
    Tcp().async_read_some(net::buffer(drain_),
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                            if (ec || self->closed_) {
                              self->CloseNow(false);
                            } else {
                              self->Drain();
                            }
                          });
  }

  // Lowest-level close, no TLS shutdown. `reset` sends a TCP RST (SO_LINGER 0) instead of FIN.
  void CloseNow(bool reset) {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    beast::error_code ignored;
    if (reset) Tcp().socket().set_option(net::socket_base::linger(true, 0), ignored);
    Tcp().close();
  }

  ServerCore& server_;
  const uint64_t id_;
  Stream stream_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<BeastResponse> response_;
  std::string raw_;
  std::array<char, 4096> drain_{};
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool closed_ = false;
};

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
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void ServerCore::OnAccept(beast::error_code ec, tcp::socket socket) {
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
  std::function<void()> run;
  {
    MutexLock lock(&mu);
    if (stopping) {
      beast::error_code ignored;
      socket.close(ignored);
      return;
    }
    const uint64_t id = next_session_id++;
    if (ssl_ctx) {
      auto s = std::make_shared<Session<true>>(*this, id, std::move(socket), *ssl_ctx);
      run = [s] { s->Run(); };
      session = s;
    } else {
      auto s = std::make_shared<Session<false>>(*this, id, std::move(socket));
      run = [s] { s->Run(); };
      session = s;
    }
    sessions.emplace(id, session);
  }
  connections_accepted.fetch_add(1, std::memory_order_relaxed);
  run();
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

}  // namespace

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

}  // namespace nsxv::fake
