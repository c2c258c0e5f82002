// The fake's HTTP sessions: one connection each, reading requests with Beast, handing them to
// FakeManager::Process() and acting out the Exchange (delay, reset, hold open, truncated body,
// lost response). See server.h for the contract; ServerCore is in server_core.h.
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "fake_nsxv/server_core.h"

namespace nsxv::fake::server_internal {
namespace {

namespace http = beast::http;

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

// Takes the body out of `response`.
BeastResponse ToBeastResponse(HttpResponse& response, unsigned version, bool keep_alive) {
  BeastResponse out;
  out.version(version);
  out.result(static_cast<unsigned>(response.status));
  for (const Headers::Field& field : response.headers.fields()) {
    // Framing is ours: the body sent decides Content-Length, the session decides Connection.
    if (!IsFramingHeader(field.name)) out.insert(field.name, field.value);
  }
  if (out.find(http::field::server) == out.end()) out.set(http::field::server, "fake-nsxv");
  out.body() = std::move(response.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

// The bytes of `response` on the wire into `out` (replaced): the head as Beast's fields writer
// renders it, then the body. Responses are always framed by Content-Length (prepare_payload;
// Transfer-Encoding is never copied from the manager's answer), so the body goes as it is. One
// contiguous buffer is cheaper to send than Beast's composed write over the message's buffer
// sequence, and lets a truncated delivery cut it.
void Serialize(const BeastResponse& response, std::string* out) {
  const http::fields::writer head(response.base(), response.version(), response.result_int());
  const auto buffers = head.get();  // a view; it must outlive the loop below
  out->clear();
  for (const net::const_buffer b : beast::buffers_range_ref(buffers)) {
    out->append(static_cast<const char*>(b.data()), b.size());
  }
  out->append(response.body());
}

HttpResponse ProtocolErrorResponse(int status, std::string details) {
  HttpResponse out;
  out.status = status;
  out.headers.Set("Content-Type", "application/json");
  nlohmann::json body = {
      {"errorCode", status}, {"details", std::move(details)}, {"moduleName", "fake-nsxv"}};
  // The details may quote request bytes (an exception's message): invalid UTF-8 is replaced,
  // never thrown from here.
  out.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return out;
}

HttpResponse InternalErrorResponse(std::string_view what) {
  return ProtocolErrorResponse(500, "fake-nsxv internal error: " + std::string(what));
}

// One connection. Every handler runs on the connection's strand; `closed_` and the buffers are
// therefore touched by one thread at a time and need no lock.
template <bool kTls>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<kTls>> {
 public:
  using TcpStream = beast::basic_stream<tcp, Strand>;
  using Stream = std::conditional_t<kTls, beast::ssl_stream<TcpStream>, TcpStream>;
  using Timer = net::basic_waitable_timer<std::chrono::steady_clock,
                                          net::wait_traits<std::chrono::steady_clock>, Strand>;

  template <typename... StreamArgs>
  Session(ServerCore& server, uint64_t id, StreamArgs&&... stream_args)
      : server_(server),
        id_(id),
        stream_(std::forward<StreamArgs>(stream_args)...),
        timer_(stream_.get_executor()) {}

  ~Session() override { server_.Unregister(id_); }

  void Run() override {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::OnRun, this->shared_from_this()));
  }

  void Abort() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->CloseNow(false); });
  }

 private:
  TcpStream& Tcp() { return beast::get_lowest_layer(stream_); }

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
  template <typename Then>
  void AfterDelay(Duration delay, Then then) {
    if (delay.count() <= 0) {
      then();
    } else if (server_.real_clock) {
      timer_.expires_after(delay);
      timer_.async_wait(
          [self = this->shared_from_this(), then = std::move(then)](beast::error_code ec) mutable {
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
        WriteResponse(std::move(exchange.response), /*close=*/!keep_alive_);
        return;
      case Delivery::kReset:
        CloseNow(/*reset=*/true);
        return;
      case Delivery::kNoReply:
        HoldOpen();
        return;
      case Delivery::kTruncated:
        WriteTruncated(std::move(exchange.response));
        return;
      case Delivery::kResponseLost:
        CloseNow(false);
        return;
    }
    CloseNow(false);
  }

  void WriteResponse(HttpResponse response, bool close) {
    BeastResponse message = ToBeastResponse(response, version_, !close);
    const bool keep = message.keep_alive();
    Serialize(message, &raw_);
    Tcp().expires_after(server_.options.idle_timeout);
    net::async_write(stream_, net::buffer(raw_),
                     [self = this->shared_from_this(), keep](beast::error_code ec, std::size_t) {
                       self->OnWrite(ec, keep);
                     });
  }

  void OnWrite(beast::error_code ec, bool keep) {
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
  void WriteTruncated(HttpResponse response) {
    BeastResponse full = ToBeastResponse(response, version_, true);
    Serialize(full, &raw_);
    const size_t body_size = full.body().size();
    const size_t head_size = raw_.size() - body_size;
    raw_.resize(body_size > 0 ? head_size + body_size / 2 : head_size / 2);
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
  Timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string raw_;  // bytes being written: a response, its truncated part, or 100 Continue
  std::array<char, 4096> drain_{};
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool closed_ = false;
};

}  // namespace

std::shared_ptr<SessionBase> MakeSession(ServerCore& core, uint64_t id, StrandSocket socket) {
  if (core.ssl_ctx)
    return std::make_shared<Session<true>>(core, id, std::move(socket), *core.ssl_ctx);
  return std::make_shared<Session<false>>(core, id, std::move(socket));
}

}  // namespace nsxv::fake::server_internal
