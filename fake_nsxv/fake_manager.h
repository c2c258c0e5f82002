// FakeManager: one fake NSX-v manager, without sockets. It owns the Model, the Router, the
// FaultPlan and the request Journal, and turns one HttpRequest into one Exchange: what to answer
// and how to deliver it (normally, after a delay, truncated, or not at all). Both the HTTPS
// Server and InProcessTransport call Process(), so faults behave the same on both paths.
//
// Pipeline of Process(): Basic auth (401) -> admin routes under /__fake/ -> fault decision
// (FaultPlan) -> pre-request faults (edge powered off / deleted) -> Router -> post-request
// faults (error status replaces the answer before the model sees the request; response lost,
// truncated, garbage after the model applied it) -> journal + counters.
//
// Thread-safe: Process() may be called from many threads at once. The Model serializes per edge;
// the plan, journal and counters have their own locks (never held while calling the Model).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "driver/common/clock.h"
#include "driver/common/mutex.h"
#include "driver/transport/http.h"
#include "fake_nsxv/fault_plan.h"
#include "fake_nsxv/journal.h"
#include "fake_nsxv/model.h"

namespace nsxv::fake {

struct FakeOptions {
  std::string user = "admin";
  std::string password = "default";
  uint64_t seed = 1;
  // Real time = virtual duration x time_scale (latency faults, deploy and job durations).
  double time_scale = 1.0;
  ModelOptions model;
  size_t journal_capacity = 10000;
};

// How the answer reaches the client.
enum class Delivery {
  kNormal,        // send `response` after `delay`
  kReset,         // close the connection without answering; the request was not applied
  kNoReply,       // keep the client waiting until its own deadline; not applied
  kTruncated,     // send the head and part of the body, then close; applied
  kResponseLost,  // applied, then the connection is closed without an answer
};

struct Exchange {
  HttpResponse response;
  Delivery delivery = Delivery::kNormal;
  // Wait before delivering, already scaled to the clock (latency faults, sync deploy, busy edge).
  Duration delay{0};
};

class FakeManager {
 public:
  FakeManager(Clock& clock, FakeOptions options);
  ~FakeManager();
  FakeManager(const FakeManager&) = delete;
  FakeManager& operator=(const FakeManager&) = delete;

  Exchange Process(const HttpRequest& request);

  Model& model() { return *model_; }
  Clock& clock() { return clock_; }
  const FakeOptions& options() const { return options_; }
  Journal& journal() { return journal_; }

  // Replaces the fault plan (thread-safe; requests in flight keep the plan they started with).
  void SetFaultPlan(std::shared_ptr<const FaultPlan> plan) EXCLUDES(mu_);
  std::shared_ptr<const FaultPlan> fault_plan() const EXCLUDES(mu_);
  // Lifts the plan and returns it with its install time; RestoreFaultPlan puts it back as it was
  // (counters and window start kept), for reads that must not meet faults (invariant checks).
  std::pair<std::shared_ptr<const FaultPlan>, TimePoint> SuspendFaultPlan() EXCLUDES(mu_);
  void RestoreFaultPlan(std::shared_ptr<const FaultPlan> plan, TimePoint installed_at)
      EXCLUDES(mu_);

  // Scales a virtual duration to clock time.
  Duration Scaled(Duration virtual_duration) const;

 private:
  Exchange HandleAdmin(const HttpRequest& request);
  bool Authorized(const HttpRequest& request) const;

  Clock& clock_;
  const FakeOptions options_;
  const std::string expected_auth_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<class Router> router_;
  Journal journal_;
  mutable Mutex mu_;
  std::shared_ptr<const FaultPlan> plan_ GUARDED_BY(mu_);
  TimePoint plan_installed_at_ GUARDED_BY(mu_);
};

}  // namespace nsxv::fake
