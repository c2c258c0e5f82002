// FaultTransport: a Transport decorator that applies a FaultPlan on the client side, so failure
// runs also work against a real NSX-v manager (where the server cannot be told to misbehave).
//
// Per request it takes the plan's decision (same determinism as the fake: seed, rule, "METHOD
// path", occurrence) and acts it out around the inner transport: latency is slept on the Clock;
// http_error answers without sending (NSX error body, as the fake would); reset and timeout do
// not send (kConnectionReset; kDeadlineExceeded after the request's timeout); truncated,
// garbage and response_lost send the request (the change is applied) and then spoil the answer
// (kTruncated; a non-JSON 200 body; kConnectionReset). Kinds that change backend state
// (edge_powered_off, edge_deleted, job_failure) cannot be done from the client and are refused
// by Create().
//
// Thread-safe when the inner transport is (the plan's counters are locked).
#pragma once

#include <memory>

#include "driver/common/clock.h"
#include "driver/transport/transport.h"
#include "fake_nsxv/fault_plan.h"

namespace nsxv::scenarios {

class FaultTransport final : public Transport {
 public:
  // kInvalidArgument naming the rule when the plan has a kind that needs the server.
  // `time_scale` scales the plan's virtual latencies and windows to clock time.
  static Result<std::unique_ptr<FaultTransport>> Create(
      Transport& inner, std::shared_ptr<const fake::FaultPlan> plan, Clock& clock,
      double time_scale = 1.0, Duration default_timeout = std::chrono::seconds(240));

  Result<HttpResponse> Send(const HttpRequest& request) override;

 private:
  FaultTransport(Transport& inner, std::shared_ptr<const fake::FaultPlan> plan, Clock& clock,
                 double time_scale, Duration default_timeout);

  Transport& inner_;
  const std::shared_ptr<const fake::FaultPlan> plan_;
  Clock& clock_;
  const double time_scale_;
  const Duration default_timeout_;
  const TimePoint installed_at_;
};

}  // namespace nsxv::scenarios
