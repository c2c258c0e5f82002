// The client side of a scenario run, between a node's ApiClient and the backend's transport:
//
//   ApiClient -> NodeTransport (crash gate) -> client fault plan (FaultTransport, replaceable)
//             -> RequestRecorder -> backend transport (in-process fake, HTTPS, real manager)
//
// RequestRecorder logs every request that reaches the backend (method and path), so a step's
// request counts are "what the manager received", retries included and client-side faults
// excluded. FaultSlot holds the client fault plan in force (shared by every node, so occurrence
// counters are shared like the server's). NodeTransport lets a scenario crash one node after N
// requests: from then on every request of that node fails without being sent.
//
// Thread-safe: all three may be used by many threads at once.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "driver/common/clock.h"
#include "driver/common/mutex.h"
#include "driver/transport/transport.h"

namespace nsxv::scenarios {

struct RecordedRequest {
  std::string method;
  std::string path;  // without the query
};

class RequestRecorder final : public Transport {
 public:
  explicit RequestRecorder(Transport& inner) : inner_(inner) {}
  Result<HttpResponse> Send(const HttpRequest& request) override;

  // Logs a request that reached the backend by another way (a process node's).
  void Record(RecordedRequest request) EXCLUDES(mu_);
  size_t size() const EXCLUDES(mu_);
  // The requests recorded at positions [from, size()).
  std::vector<RecordedRequest> Since(size_t from) const EXCLUDES(mu_);

 private:
  Transport& inner_;
  mutable Mutex mu_;
  std::vector<RecordedRequest> log_ GUARDED_BY(mu_);
};

// The replaceable client fault transport; passes straight to `inner` when none is set.
class FaultSlot final : public Transport {
 public:
  explicit FaultSlot(Transport& inner) : inner_(inner) {}
  Result<HttpResponse> Send(const HttpRequest& request) override;
  // nullptr clears. Requests in flight finish on the transport they started with.
  void Set(std::shared_ptr<Transport> faults) EXCLUDES(mu_);

 private:
  Transport& inner_;
  Mutex mu_;
  std::shared_ptr<Transport> faults_ GUARDED_BY(mu_);
};

class NodeTransport final : public Transport {
 public:
  NodeTransport(Transport& inner, std::string node) : inner_(inner), node_(std::move(node)) {}
  Result<HttpResponse> Send(const HttpRequest& request) override;
  // The node sends `requests` more requests, then behaves as crashed (kUnavailable "node <n>
  // crashed"). Negative: no crash.
  void CrashAfter(int64_t requests) { budget_.store(requests); }
  bool crashed() const { return budget_.load() == 0; }

 private:
  Transport& inner_;
  const std::string node_;
  std::atomic<int64_t> budget_{-1};
};

// A node's clock: the backend's, except that with `skip_when_crashed` a crashed node does not
// sleep (its process is gone; the back-offs of the retries that fail after the crash would
// only cost wall time on a real manager). Now() is always the backend's.
class NodeClock final : public Clock {
 public:
  NodeClock(Clock& inner, const NodeTransport& transport, bool skip_when_crashed)
      : inner_(inner), transport_(transport), skip_when_crashed_(skip_when_crashed) {}
  TimePoint Now() const override { return inner_.Now(); }
  void SleepFor(Duration d) override {
    if (skip_when_crashed_ && transport_.crashed()) return;
    inner_.SleepFor(d);
  }

 private:
  Clock& inner_;
  const NodeTransport& transport_;
  const bool skip_when_crashed_;
};

}  // namespace nsxv::scenarios
