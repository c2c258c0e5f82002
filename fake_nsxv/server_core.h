// Private to fake_nsxv/server*.cc: the listener state every session shares (ServerCore) and
// the session factory. See server.h for the threading and lifetime contract of the Server.
//
// ServerCore's counters are atomics; `sessions` and the stop flags are guarded by `mu`; the
// io_context, acceptor and timer are used from io threads and, once they are joined, from the
// thread in StopServer(). A session is created on an io thread by OnAccept() and registers in
// `sessions` until its destructor calls Unregister().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/error.hpp>

#include "driver/common/mutex.h"
#include "driver/common/thread_annotations.h"
#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/server.h"

namespace nsxv::fake::server_internal {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
// Every connection runs on its own strand. Naming the executor type (instead of
// any_io_executor) spares each asynchronous operation the type-erased executor copies.
using Strand = net::strand<net::io_context::executor_type>;
using StrandSocket = net::basic_stream_socket<tcp, Strand>;

// A session as the server sees it, to close it from Stop().
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Thread-safe: closes the connection on the session's strand.
  virtual void Abort() = 0;
  // Starts the session (TLS handshake, then reads) on its strand.
  virtual void Run() = 0;
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
  void OnAccept(beast::error_code ec, StrandSocket socket);
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

// A new session for an accepted socket: TLS when core.ssl_ctx is set. The caller registers it
// in core.sessions and then calls Run().
std::shared_ptr<SessionBase> MakeSession(ServerCore& core, uint64_t id, StrandSocket socket);

}  // namespace nsxv::fake::server_internal
