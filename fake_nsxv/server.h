// Server: the fake NSX-v manager on a socket. An HTTP/1.1 listener (HTTPS by default, plain HTTP
// when asked) whose sessions turn each request into FakeManager::Process() and then act out the
// Exchange: answer after its delay, reset the connection, keep the client waiting, send half a
// body, or close without answering after the change was applied.
//
// Threads: one io_context run by `threads` threads; every connection runs on its own strand, so
// one connection's handlers never run concurrently. Process() runs on an io thread; the Exchange's
// delay is an asio timer when the manager uses RealClock() (no io thread blocks) and a
// Clock::SleepFor() otherwise (a SimulatedClock advances at once). Malformed requests get 400,
// bodies over max_body_bytes get 413, and both close the connection.
//
// Lifetime: Start() binds and returns a running server. Stop() stops accepting, closes every
// connection (waiting briefly for handlers to finish) and joins the threads; it is idempotent and
// the destructor calls it. The FakeManager must outlive the Server. port(), url(), ca_pem() and
// the counters may be called from any thread; Stop() from any thread but the server's own.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "driver/common/clock.h"
#include "driver/common/status.h"
#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/tls_cert.h"

namespace nsxv::fake {

struct ServerOptions {
  // IPv4/IPv6 literal or "localhost" (taken as 127.0.0.1). Port 0 picks a free port.
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  int threads = 2;  // clamped to [1, kMaxServerThreads]
  bool tls = true;  // false: plain HTTP
  // PEM files; both empty: a self-signed identity is generated at Start() (or `identity` is used).
  std::string cert_file;
  std::string key_file;
  // An identity already in memory (tests share one to skip key generation). Ignored when files
  // are given.
  std::optional<TlsIdentity> identity;
  uint64_t max_body_bytes = 16ull << 20;
  // A connection with no request in progress for this long is closed; also bounds a handshake
  // and the wait of a kNoReply exchange.
  Duration idle_timeout = std::chrono::seconds(60);
  // Stop() waits this long for open connections to finish closing before it stops the threads.
  Duration stop_grace = std::chrono::seconds(2);
};

inline constexpr int kMaxServerThreads = 64;

struct ServerCounters {
  uint64_t connections_accepted = 0;
  uint64_t connections_open = 0;
  uint64_t tls_handshakes = 0;
  uint64_t requests = 0;      // requests handed to FakeManager::Process
  uint64_t bad_requests = 0;  // answered 400 or 413 without reaching the manager
};

class Server {
 public:
  // kInvalidArgument for bad options or an unusable certificate; kUnavailable when the address
  // cannot be bound ("listen 127.0.0.1:80: Permission denied").
  static Result<std::unique_ptr<Server>> Start(FakeManager& manager, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void Stop();

  uint16_t port() const;
  bool tls() const;
  // "https://127.0.0.1:40123" (IPv6 hosts in brackets).
  std::string url() const;
  // The certificate served, PEM; for a self-signed one, the CA a client must trust. Empty when
  // plain HTTP.
  const std::string& ca_pem() const;
  ServerCounters counters() const;
  // CPU time (user + system) the io threads have used so far, from their per-thread CPU clocks;
  // 0 once Stop() has begun.
  double io_cpu_seconds() const;

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace nsxv::fake
