#include "fake_nsxv/https_client.h"

#include <poll.h>

#include <optional>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace nsxv::fake {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

struct ParsedUrl {
  bool tls = true;
  std::string host;  // without IPv6 brackets
  std::string port;
  bool host_is_ip = false;
};

Result<ParsedUrl> ParseUrl(std::string_view url) {
  ParsedUrl out;
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    out.tls = false;
    rest = url.substr(7);
  } else {
    return InvalidArgument("url \"" + std::string(url) + "\": scheme must be http:// or https://");
  }
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos) {
    return InvalidArgument("url \"" + std::string(url) + "\": must not have a path");
  }
  std::string_view port;
  if (rest.starts_with('[')) {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return InvalidArgument("url: unclosed '['");
    out.host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (rest.starts_with(':')) port = rest.substr(1);
  } else {
    const size_t colon = rest.rfind(':');
    out.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  if (out.host.empty()) return InvalidArgument("url \"" + std::string(url) + "\": no host");
  out.port = port.empty() ? (out.tls ? "443" : "80") : std::string(port);
  beast::error_code ec;
  net::ip::make_address(out.host, ec);
  out.host_is_ip = !ec;
  return out;
}

// True when the error means the peer went away (EOF, reset, TLS stream cut without close_notify).
bool IsPeerClosed(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::connection_aborted || ec == ssl::error::stream_truncated;
}

Status TransportError(StatusCode code, std::string message) { return {code, std::move(message)}; }

}  // namespace

struct HttpsClient::Impl {
  using SslStream = beast::ssl_stream<beast::tcp_stream>;
  using Deadline = net::steady_timer::time_point;

  Impl(HttpsClientOptions opts, ParsedUrl parsed)
      : options(std::move(opts)), url(std::move(parsed)) {}

  beast::tcp_stream& Tcp() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
  bool HasStream() const { return secure.has_value() || plain.has_value(); }

  // Starts one async operation and runs the private io_context until it completes. The
  // tcp_stream deadline (expires_at) turns a stall into beast::error::timeout.
  template <typename Initiate>
  beast::error_code Run(Initiate&& initiate) {
    beast::error_code result;
    std::forward<Initiate>(initiate)(
        [&result](beast::error_code ec, auto&&... /*ignored*/) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  // Drops the connection at once: no TLS close_notify, the socket is closed.
  void Drop() {
    if (HasStream()) {
      beast::error_code ignored;
      Tcp().socket().close(ignored);
    }
    secure.reset();
    plain.reset();
    buffer.clear();
    exchanges_on_connection = 0;
  }

  // Closes politely: TLS close_notify with a short deadline, then the socket.
  void Close() {
    if (secure && Tcp().socket().is_open()) {
      Tcp().expires_after(std::chrono::milliseconds(200));
      (void)Run([this](auto handler) { secure->async_shutdown(std::move(handler)); });
    } else if (plain && Tcp().socket().is_open()) {
      beast::error_code ignored;
      Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
    Drop();
  }

  // An idle keep-alive connection never has anything to read; if it does (EOF, a TLS alert),
  // the server is closing it and it must not be reused.
  bool IdleConnectionLooksDead() {
    if (!HasStream() || !Tcp().socket().is_open()) return true;
    if (exchanges_on_connection == 0) return false;  // TLS 1.3 tickets may still be pending
    pollfd pfd{};
    pfd.fd = Tcp().socket().native_handle();
    pfd.events = POLLIN;
    return ::poll(&pfd, 1, 0) != 0;
  }

  Status Connect(Deadline deadline) {
    Drop();
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    const tcp::resolver::results_type endpoints = resolver.resolve(url.host, url.port, ec);
    if (ec) {
      return TransportError(StatusCode::kUnavailable, "resolve " + url.host + ": " + ec.message());
    }
    if (url.tls) {
      secure.emplace(ioc, ctx);
      const std::string& sni = options.sni.empty() ? url.host : options.sni;
      if ((!options.sni.empty() || !url.host_is_ip) &&
          SSL_set_tlsext_host_name(secure->native_handle(), sni.c_str()) != 1) {
        return TransportError(StatusCode::kTlsError, "cannot set SNI " + sni);
      }
      if (!options.insecure) secure->set_verify_callback(ssl::host_name_verification(url.host));
    } else {
      plain.emplace(ioc);
    }
    Tcp().expires_at(deadline);
    ec = Run([&](auto handler) { Tcp().async_connect(endpoints, std::move(handler)); });
    const std::string where = url.host + ":" + url.port;
    if (ec == beast::error::timeout) {
      Drop();
      return TransportError(StatusCode::kDeadlineExceeded,
                            "connect " + where + ": deadline exceeded");
    }
    if (ec) {
      Drop();
      return TransportError(StatusCode::kUnavailable, "connect " + where + ": " + ec.message());
    }
    ++connects;
    if (!url.tls) return Status::Ok();

    ec = Run([&](auto handler) {
      secure->async_handshake(ssl::stream_base::client, std::move(handler));
    });
    if (ec) {
      std::string message = "TLS handshake with " + where + ": ";
      const long verify = SSL_get_verify_result(secure->native_handle());  // NOLINT: OpenSSL type
      if (ec == beast::error::timeout) {
        Drop();
        return TransportError(StatusCode::kDeadlineExceeded, message + "deadline exceeded");
      }
      message += ec.message();
      if (verify != X509_V_OK)
        message += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
      Drop();
      return TransportError(StatusCode::kTlsError, std::move(message));
    }
    ++tls_handshakes;
    return Status::Ok();
  }

  Status MapExchangeError(std::string_view step, const beast::error_code& ec,
                          bool response_started) {
    const std::string prefix = std::string(step) + " " + url.host + ":" + url.port + ": ";
    if (ec == beast::error::timeout) {
      return TransportError(StatusCode::kDeadlineExceeded, prefix + "deadline exceeded");
    }
    if (ec == http::error::partial_message) {
      return TransportError(StatusCode::kTruncated, prefix + "response truncated");
    }
    if (IsPeerClosed(ec)) {
      if (response_started) {
        return TransportError(StatusCode::kTruncated,
                              prefix + "response truncated (" + ec.message() + ")");
      }
      return TransportError(StatusCode::kConnectionReset,
                            prefix + "connection closed before a response (" + ec.message() + ")");
    }
    if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
      return TransportError(StatusCode::kProtocolError, prefix + "bad response: " + ec.message());
    }
    return TransportError(StatusCode::kConnectionReset, prefix + ec.message());
  }

  Result<HttpResponse> Send(const HttpRequest& request) {
    const Duration timeout =
        request.timeout.count() > 0 ? request.timeout : options.default_timeout;
    const Deadline deadline = net::steady_timer::clock_type::now() +
                              std::chrono::duration_cast<net::steady_timer::duration>(timeout);
    if (IdleConnectionLooksDead()) NSXV_RETURN_IF_ERROR(Connect(deadline));

    http::request<http::string_body> req;
    const http::verb verb = http::string_to_verb(request.method);
    if (verb == http::verb::unknown) {
      req.method_string(request.method);
    } else {
      req.method(verb);
    }
    req.target(request.target);
    req.version(11);
    for (const Headers::Field& field : request.headers.fields())
      req.insert(field.name, field.value);
    if (!request.headers.Has("Host")) {
      const bool v6 = url.host.find(':') != std::string::npos;
      req.set(http::field::host, (v6 ? "[" + url.host + "]" : url.host) + ":" + url.port);
    }
    if (!options.user.empty() && !request.headers.Has("Authorization")) {
      req.set(http::field::authorization, BasicAuthValue(options.user, options.password));
    }
    req.body() = request.body;
    req.prepare_payload();

    Tcp().expires_at(deadline);
    beast::error_code ec = Run([&](auto handler) {
      if (secure) {
        http::async_write(*secure, req, std::move(handler));
      } else {
        http::async_write(*plain, req, std::move(handler));
      }
    });
    if (ec) {
      Status status = MapExchangeError("write to", ec, false);
      Drop();
      return status;
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(options.max_body_bytes);
    if (verb == http::verb::head) parser.skip(true);
    Tcp().expires_at(deadline);
    ec = Run([&](auto handler) {
      if (secure) {
        http::async_read(*secure, buffer, parser, std::move(handler));
      } else {
        http::async_read(*plain, buffer, parser, std::move(handler));
      }
    });
    if (ec) {
      Status status = MapExchangeError("read from", ec, parser.got_some());
      Drop();
      return status;
    }
    Tcp().expires_never();
    ++exchanges_on_connection;

    http::response<http::string_body> res = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      out.headers.Add(std::string(field.name_string()), std::string(field.value()));
    }
    out.body = std::move(res.body());
    if (!res.keep_alive()) Drop();
    return out;
  }

  // Member order matters: the io_context outlives the streams and the SSL context.
  net::io_context ioc{1};
  ssl::context ctx{ssl::context::tls_client};
  HttpsClientOptions options;
  ParsedUrl url;
  std::optional<SslStream> secure;
  std::optional<beast::tcp_stream> plain;
  beast::flat_buffer buffer;
  int exchanges_on_connection = 0;
  int tls_handshakes = 0;
  int connects = 0;
};

Result<std::unique_ptr<HttpsClient>> HttpsClient::Create(HttpsClientOptions options) {
  NSXV_ASSIGN_OR_RETURN(ParsedUrl url, ParseUrl(options.url));
  auto impl = std::make_unique<Impl>(std::move(options), std::move(url));
  beast::error_code ec;
  impl->ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1,
                        ec);
  if (impl->options.insecure) {
    impl->ctx.set_verify_mode(ssl::verify_none, ec);
  } else {
    impl->ctx.set_verify_mode(ssl::verify_peer, ec);
    if (impl->options.ca_pem.empty()) {
      impl->ctx.set_default_verify_paths(ec);
    } else {
      impl->ctx.add_certificate_authority(net::buffer(impl->options.ca_pem), ec);
      if (ec) return InvalidArgument("ca_pem: not a usable PEM certificate: " + ec.message());
    }
  }
  if (ec) return InvalidArgument("TLS client context: " + ec.message());
  return std::unique_ptr<HttpsClient>(new HttpsClient(std::move(impl)));
}

HttpsClient::HttpsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpsClient::~HttpsClient() { impl_->Close(); }

Result<HttpResponse> HttpsClient::Send(const HttpRequest& request) { return impl_->Send(request); }

namespace {
HttpRequest MakeRequest(std::string method, std::string target, std::string body) {
  HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.headers.Set("Accept", "application/json");
  if (!body.empty()) request.headers.Set("Content-Type", "application/json");
  request.body = std::move(body);
  return request;
}
}  // namespace

Result<HttpResponse> HttpsClient::Get(std::string target) {
  return Send(MakeRequest("GET", std::move(target), {}));
}
Result<HttpResponse> HttpsClient::Delete(std::string target) {
  return Send(MakeRequest("DELETE", std::move(target), {}));
}
Result<HttpResponse> HttpsClient::Put(std::string target, std::string body) {
  return Send(MakeRequest("PUT", std::move(target), std::move(body)));
}
Result<HttpResponse> HttpsClient::Post(std::string target, std::string body) {
  return Send(MakeRequest("POST", std::move(target), std::move(body)));
}

void HttpsClient::Close() { impl_->Close(); }
bool HttpsClient::connected() const {
  return impl_->HasStream() && impl_->Tcp().socket().is_open();
}
int HttpsClient::tls_handshakes() const { return impl_->tls_handshakes; }
int HttpsClient::connects() const { return impl_->connects; }

}  // namespace nsxv::fake
