// InProcessTransport: the driver-facing Transport that hands each request straight to a
// FakeManager (no sockets), with the same faults and latency as the HTTPS server. Delays are
// slept on the manager's Clock (virtual time when it is a SimulatedClock).
//
// Delivery mapping: reset and response-lost -> kConnectionReset; no reply -> kDeadlineExceeded
// after the request's timeout (or the default); truncated -> kTruncated; a delay at or beyond the
// timeout -> kDeadlineExceeded after the timeout. Thread-safe (the manager is).
#pragma once

#include <atomic>

#include "driver/transport/transport.h"
#include "fake_nsxv/fake_manager.h"

namespace nsxv::fake {

class InProcessTransport final : public Transport {
 public:
  // `default_timeout` applies when a request has none (NSX client default: 240 s).
  explicit InProcessTransport(FakeManager& manager,
                              Duration default_timeout = std::chrono::seconds(240))
      : manager_(manager), default_timeout_(default_timeout) {}

  Result<HttpResponse> Send(const HttpRequest& request) override;

  uint64_t calls() const { return calls_.load(); }

 private:
  FakeManager& manager_;
  const Duration default_timeout_;
  std::atomic<uint64_t> calls_{0};
};

}  // namespace nsxv::fake
