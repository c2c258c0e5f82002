// FakeManager: one fake NSX-v manager, without sockets. It owns the Model, the Router, the
// FaultPlan and the request Journal, and turns one HttpRequest into one Exchange: what to answer
// and how to deliver it (normally, after a delay, truncated, or not at all). Both the HTTPS
// Server and InProcessTransport call Process(), so faults behave the same on both paths.
//
// Pipeline of Process(): node prefix (see SetCrashPoint) -> Basic auth (401) -> admin routes under
// /__fake/ -> crash point before apply (kill, reset) -> fault decision (FaultPlan) -> pre-request
// faults (edge powered off / deleted) -> Router -> post-request faults (error status replaces the
// answer before the model sees the request; response lost, truncated, garbage after the model
// applied it) -> crash point after apply (kill, answer lost) -> journal + counters.
//
// Thread-safe: Process() may be called from many threads at once. The Model serializes per edge;
// the plan, journal and counters have their own locks (never held while calling the Model).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
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

// Where a crash point kills its node (see FakeManager::SetCrashPoint).
enum class CrashPhase {
  kBeforeApply,  // the manager never applies request N; the connection is reset
  kAfterApply,   // request N is applied; its answer is never sent
};

// Kills a node at its `request`-th request (1-based, admin requests not counted). `kill` runs on
// the thread that processes the request, before the request is applied (kBeforeApply) or after
// (kAfterApply); it must make sure the node never reads an answer (e.g. SIGKILL its process).
struct CrashPoint {
  std::string node;
  int64_t request = 0;
  CrashPhase phase = CrashPhase::kBeforeApply;
  std::function<void()> kill;
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

  // Nodes: a request whose target starts with "/__node/<name>/" is counted for node <name> and
  // then processed without that prefix (a client names itself through its manager_uri,
  // "https://host:port/__node/<name>"). Arms one crash point (replacing any) or, with nullopt,
  // disarms it; a crash point fires once.
  void SetCrashPoint(std::optional<CrashPoint> point) EXCLUDES(mu_);
  // Requests counted for `node` so far (admin requests not counted).
  int64_t NodeRequests(const std::string& node) const EXCLUDES(mu_);
  // Whether the armed crash point has fired (false when none is armed).
  bool CrashPointFired() const EXCLUDES(mu_);

  // Scales a virtual duration to clock time.
  Duration Scaled(Duration virtual_duration) const;

 private:
  Exchange ProcessFor(const std::string& node, const HttpRequest& request);
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
  std::map<std::string, int64_t> node_requests_ GUARDED_BY(mu_);
  std::optional<CrashPoint> crash_ GUARDED_BY(mu_);
  bool crash_fired_ GUARDED_BY(mu_) = false;
};

}  // namespace nsxv::fake
