// The only driver file that includes Beast.
#include "driver/transport/beast_transport.h"

#include <poll.h>

#include <atomic>
#include <deque>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <variant>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include "driver/common/mutex.h"

namespace nsxv {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using SteadyTime = std::chrono::steady_clock::time_point;

struct Endpoint {
  bool tls = true;
  std::string host;
  std::string port;
  bool host_is_ip = false;
};

Result<Endpoint> ParseUrl(const std::string& url) {
  Endpoint e;
  std::string_view rest = url;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    e.tls = false;
    rest.remove_prefix(7);
  } else {
    return InvalidArgument("url \"" + url + "\": must start with https:// or http://");
  }
  rest = rest.substr(0, rest.find('/'));
  if (rest.starts_with('[')) {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos)
      return InvalidArgument("url \"" + url + "\": bad IPv6 host");
    e.host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (rest.starts_with(':')) e.port = std::string(rest.substr(1));
  } else {
    const size_t colon = rest.rfind(':');
    e.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) e.port = std::string(rest.substr(colon + 1));
  }
  if (e.host.empty()) return InvalidArgument("url \"" + url + "\": no host");
  if (e.port.empty()) e.port = e.tls ? "443" : "80";
  if (e.port.find_first_not_of("0123456789") != std::string::npos || e.port.size() > 5) {
    return InvalidArgument("url \"" + url + "\": bad port \"" + e.port + "\"");
  }
  error_code ec;
  (void)asio::ip::make_address(e.host, ec);
  e.host_is_ip = !ec;
  return e;
}

// One keep-alive connection with its own io_context; used by one thread at a time.
struct Connection {
  explicit Connection(ssl::context* ctx, bool tls) {
    if (tls) {
      tls_stream.emplace(ioc, *ctx);
    } else {
      plain_stream.emplace(ioc);
    }
  }

  beast::tcp_stream& lowest() {
    return tls_stream ? beast::get_lowest_layer(*tls_stream) : *plain_stream;
  }

  // True when the peer closed (or sent anything) while the connection was idle.
  bool LooksClosed() {
    pollfd p{};
    p.fd = lowest().socket().native_handle();
    p.events = POLLIN;
    return ::poll(&p, 1, 0) != 0;  // readable (EOF, alert, garbage) or error
  }

  asio::io_context ioc;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_stream;
  std::optional<beast::tcp_stream> plain_stream;
  beast::flat_buffer buffer;
  bool open = false;
};

// Runs the io_context until the pending operation completes.
void RunOne(asio::io_context& ioc) {
  ioc.restart();
  ioc.run();
}

std::string TlsErrorText(const error_code& ec, SSL* ssl_handle) {
  std::string text = ec.message();
  if (ssl_handle != nullptr) {
    const long verify = SSL_get_verify_result(ssl_handle);
    if (verify != X509_V_OK)
      text = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
  }
  return text;
}

}  // namespace

struct BeastTransport::Impl {
  BeastTransportOptions options;
  Endpoint endpoint;
  ssl::context ctx{ssl::context::tls_client};
  Mutex mu;
  CondVar cv;
  std::deque<std::unique_ptr<Connection>> idle GUARDED_BY(mu);
  int total GUARDED_BY(mu) = 0;
  std::atomic<uint64_t> connects{0};
  std::atomic<uint64_t> handshakes{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> stale{0};

  // Takes an idle connection or makes a new one; nullptr when none frees up before `deadline`.
  std::unique_ptr<Connection> Acquire(SteadyTime deadline) EXCLUDES(mu) {
    MutexLock lock(&mu);
    while (idle.empty() && total >= options.pool_size) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) return nullptr;
      (void)cv.WaitFor(&mu, left);
    }
    if (!idle.empty()) {
      auto c = std::move(idle.back());
      idle.pop_back();
      return c;
    }
    ++total;
    return std::make_unique<Connection>(&ctx, endpoint.tls);
  }

  void Release(std::unique_ptr<Connection> c) EXCLUDES(mu) {
    {
      MutexLock lock(&mu);
      if (c && c->open) {
        idle.push_back(std::move(c));
      } else {
        --total;
      }
    }
    cv.Signal();
  }

  Status Connect(Connection& c, SteadyTime deadline, const std::string& where) {
    c.open = false;
    c.buffer.clear();
    // Fresh streams: a used SSL object cannot be reconnected.
    if (endpoint.tls) {
      c.tls_stream.emplace(c.ioc, ctx);
    } else {
      c.plain_stream.emplace(c.ioc);
    }
    tcp::resolver resolver(c.ioc);
    error_code ec;
    tcp::resolver::results_type results;
    resolver.async_resolve(endpoint.host, endpoint.port,
                           [&](error_code e, tcp::resolver::results_type r) {
                             ec = e;
                             results = std::move(r);
                           });
    RunOne(c.ioc);
    if (ec)
      return {StatusCode::kUnavailable, where + ": resolve " + endpoint.host + ": " + ec.message()};
    c.lowest().expires_at(deadline);
    c.lowest().async_connect(results, [&](error_code e, const tcp::endpoint&) { ec = e; });
    RunOne(c.ioc);
    connects.fetch_add(1);
    if (ec == beast::error::timeout) {
      return {StatusCode::kDeadlineExceeded,
              where + ": connect to " + endpoint.host + ":" + endpoint.port + " timed out"};
    }
    if (ec) {
      return {StatusCode::kUnavailable,
              where + ": connect to " + endpoint.host + ":" + endpoint.port + ": " + ec.message()};
    }
    c.lowest().socket().set_option(tcp::no_delay(true), ec);
    if (endpoint.tls) {
      auto& s = *c.tls_stream;
      if (!endpoint.host_is_ip) SSL_set_tlsext_host_name(s.native_handle(), endpoint.host.c_str());
      if (!options.insecure) {
        s.set_verify_mode(ssl::verify_peer);
        s.set_verify_callback(ssl::host_name_verification(endpoint.host));
      } else {
        s.set_verify_mode(ssl::verify_none);
      }
      s.async_handshake(ssl::stream_base::client, [&](error_code e) { ec = e; });
      RunOne(c.ioc);
      if (ec == beast::error::timeout) {
        return {StatusCode::kDeadlineExceeded, where + ": TLS handshake timed out"};
      }
      if (ec)
        return {StatusCode::kTlsError, where + ": TLS handshake with " + endpoint.host + ": " +
                                           TlsErrorText(ec, s.native_handle())};
      handshakes.fetch_add(1);
    }
    c.open = true;
    return Status::Ok();
  }

  // One write + read on an open connection. `got_bytes` tells whether any response byte came.
  template <typename Stream>
  Result<HttpResponse> Exchange(Connection& c, Stream& stream, const HttpRequest& request,
                                SteadyTime deadline, const std::string& where, bool* got_bytes) {
    http::request<http::string_body> req{http::string_to_verb(request.method), request.target, 11};
    if (req.method() == http::verb::unknown) {
      return InvalidArgument(where + ": unknown HTTP method \"" + request.method + "\"");
    }
    req.method_string(request.method);
    for (const Headers::Field& f : request.headers.fields()) req.insert(f.name, f.value);
    req.set(http::field::host, endpoint.host);
    req.keep_alive(true);
    req.body() = request.body;
    req.prepare_payload();

    error_code ec;
    c.lowest().expires_at(deadline);
    http::async_write(stream, req, [&](error_code e, size_t) { ec = e; });
    RunOne(c.ioc);
    if (ec == beast::error::timeout)
      return Status(StatusCode::kDeadlineExceeded, where + ": no response within the deadline");
    if (ec) return Status(StatusCode::kConnectionReset, where + ": write failed: " + ec.message());

    http::response_parser<http::string_body> parser;
    parser.body_limit(options.max_response_bytes);
    parser.header_limit(64 * 1024);
    c.lowest().expires_at(deadline);
    size_t read_bytes = 0;
    http::async_read(stream, c.buffer, parser, [&](error_code e, size_t n) {
      ec = e;
      read_bytes = n;
    });
    RunOne(c.ioc);
    *got_bytes = read_bytes > 0 || parser.got_some();
    if (ec == beast::error::timeout)
      return Status(StatusCode::kDeadlineExceeded, where + ": no response within the deadline");
    if (ec == http::error::body_limit) {
      return Status(StatusCode::kProtocolError, where + ": response body exceeds " +
                                                    std::to_string(options.max_response_bytes) +
                                                    " bytes");
    }
    if (ec) {
      const bool closed = ec == http::error::end_of_stream || ec == asio::error::eof ||
                          ec == asio::error::connection_reset ||
                          ec == ssl::error::stream_truncated || ec == http::error::partial_message;
      if (closed && !*got_bytes) {
        return Status(StatusCode::kConnectionReset,
                      where + ": connection closed before a response (" + ec.message() + ")");
      }
      if (closed || ec == http::error::partial_message) {
        return Status(StatusCode::kTruncated,
                      where + ": response truncated (" + ec.message() + ")");
      }
      return Status(StatusCode::kProtocolError, where + ": bad response: " + ec.message());
    }
    auto& res = parser.get();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) out.headers.Add(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(res.body());
    if (!res.keep_alive()) c.open = false;
    return out;
  }

  Result<HttpResponse> Send(const HttpRequest& request) {
    requests.fetch_add(1);
    const Duration timeout =
        request.timeout.count() > 0 ? request.timeout : options.default_timeout;
    const SteadyTime deadline =
        std::chrono::steady_clock::now() +
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout);
    const std::string where = request.method + " " + request.target;
    std::unique_ptr<Connection> c = Acquire(deadline);
    if (!c)
      return Status(StatusCode::kDeadlineExceeded,
                    where + ": no pooled connection free within the deadline");
    for (int attempt = 0;; ++attempt) {
      const bool reused = c->open;
      if (reused && c->LooksClosed()) {
        stale.fetch_add(1);
        c->open = false;
      }
      if (!c->open) {
        Status s = Connect(*c, deadline, where);
        if (!s.ok()) {
          c->open = false;
          Release(std::move(c));
          return s;
        }
      }
      bool got_bytes = false;
      Result<HttpResponse> r =
          c->tls_stream ? Exchange(*c, *c->tls_stream, request, deadline, where, &got_bytes)
                        : Exchange(*c, *c->plain_stream, request, deadline, where, &got_bytes);
      if (r.ok()) {
        Release(std::move(c));
        return r;
      }
      c->open = false;
      const bool resend = reused && attempt == 0 && !got_bytes && request.method == "GET" &&
                          r.error().code() == StatusCode::kConnectionReset;
      if (!resend) {
        Release(std::move(c));
        return r;
      }
      stale.fetch_add(1);
    }
  }
};

Result<std::unique_ptr<BeastTransport>> BeastTransport::Create(BeastTransportOptions options) {
  auto impl = std::make_unique<Impl>();
  NSXV_ASSIGN_OR_RETURN(impl->endpoint, ParseUrl(options.url));
  if (options.pool_size < 1) return InvalidArgument("pool size must be >= 1");
  error_code ec;
  impl->ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (!options.ca_file.empty()) {
    std::ifstream f(options.ca_file);
    if (!f) return InvalidArgument("ca_file " + options.ca_file + ": cannot be read");
    impl->ctx.load_verify_file(options.ca_file, ec);
    if (ec)
      return InvalidArgument("ca_file " + options.ca_file + ": no usable PEM certificate (" +
                             ec.message() + ")");
  }
  if (!options.ca_pem.empty()) {
    impl->ctx.add_certificate_authority(asio::buffer(options.ca_pem), ec);
    if (ec) return InvalidArgument("CA PEM: not a usable certificate (" + ec.message() + ")");
  }
  if (options.ca_file.empty() && options.ca_pem.empty()) {
    impl->ctx.set_default_verify_paths(ec);
    if (ec) return InvalidArgument("system CA store: " + ec.message());
  }
  if (options.insecure && impl->endpoint.tls) {
    spdlog::warn("transport url={} insecure=true: TLS certificate verification is OFF",
                 options.url);
  }
  impl->options = std::move(options);
  return std::unique_ptr<BeastTransport>(new BeastTransport(std::move(impl)));
}

BeastTransport::BeastTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BeastTransport::~BeastTransport() = default;

Result<HttpResponse> BeastTransport::Send(const HttpRequest& request) {
  return impl_->Send(request);
}

BeastTransportStats BeastTransport::stats() const {
  return {impl_->connects.load(), impl_->handshakes.load(), impl_->requests.load(),
          impl_->stale.load()};
}

}  // namespace nsxv
