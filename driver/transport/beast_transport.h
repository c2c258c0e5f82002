// BeastTransport: HTTPS (or plain HTTP) to one NSX-v manager with a pool of keep-alive
// connections, a deadline per request and peer verification on by default.
//
// Verification: with `ca_file` or `ca_pem` the peer must chain to those certificates; without,
// to the system store. The certificate must match the host (name or IP). `insecure` turns both
// checks off; it must be asked for and is logged once as a warning. SNI is sent for host names.
//
// Pool: up to `pool_size` connections; a request takes an idle one (or opens one), and waits for
// one, within its deadline, when all are busy. An idle connection the server has closed is
// detected before reuse and replaced. A failure without a complete response returns a transport
// error (kUnavailable for connect, kTlsError, kDeadlineExceeded, kConnectionReset, kTruncated,
// kProtocolError), never an HTTP status; the connection is then discarded. Only GET requests are
// resent, once, when a reused connection turns out closed before any response byte.
//
// Thread-safe: Send() may be called from many threads; each exchange runs on its connection's own
// io_context in the calling thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "driver/common/clock.h"
#include "driver/transport/transport.h"

namespace nsxv {

struct BeastTransportOptions {
  // "https://host[:port][/prefix]" or "http://..."; only scheme, host and port are used here.
  std::string url;
  std::string ca_file;  // PEM file of trusted CAs
  std::string ca_pem;   // PEM text of trusted CAs (tests), in addition to ca_file
  bool insecure = false;
  int pool_size = 8;
  Duration default_timeout = std::chrono::seconds(240);
  uint64_t max_response_bytes = 16U << 20U;
};

struct BeastTransportStats {
  uint64_t connects = 0;
  uint64_t tls_handshakes = 0;
  uint64_t requests = 0;
  uint64_t stale_reconnects = 0;
};

class BeastTransport final : public Transport {
 public:
  // kInvalidArgument for a bad URL, an unreadable ca_file or unusable PEM (one line, naming it).
  static Result<std::unique_ptr<BeastTransport>> Create(BeastTransportOptions options);
  ~BeastTransport() override;
  BeastTransport(const BeastTransport&) = delete;
  BeastTransport& operator=(const BeastTransport&) = delete;

  Result<HttpResponse> Send(const HttpRequest& request) override;
  BeastTransportStats stats() const;

 private:
  struct Impl;
  explicit BeastTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nsxv
