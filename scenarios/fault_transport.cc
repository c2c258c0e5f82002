#include "scenarios/fault_transport.h"

#include "fake_nsxv/nsx_error.h"
#include "fake_nsxv/router.h"

namespace nsxv::scenarios {
namespace {

Duration Scale(Duration d, double scale) { return std::chrono::duration_cast<Duration>(d * scale); }

}  // namespace

Result<std::unique_ptr<FaultTransport>> FaultTransport::Create(
    Transport& inner, std::shared_ptr<const fake::FaultPlan> plan, Clock& clock, double time_scale,
    Duration default_timeout) {
  if (!plan) return InvalidArgument("client-side faults: no fault plan");
  if (!(time_scale > 0)) return InvalidArgument("client-side faults: time scale must be > 0");
  for (const fake::FaultRule& rule : plan->rules()) {
    switch (rule.fault.kind) {
      case fake::FaultKind::kEdgePoweredOff:
      case fake::FaultKind::kEdgeDeleted:
      case fake::FaultKind::kJobFailure:
        return InvalidArgument("rule " + rule.name + ": fault kind \"" +
                               std::string(fake::FaultKindName(rule.fault.kind)) +
                               "\" changes the backend and cannot be applied on the client side");
      default:
        break;
    }
  }
  return std::unique_ptr<FaultTransport>(
      new FaultTransport(inner, std::move(plan), clock, time_scale, default_timeout));
}

FaultTransport::FaultTransport(Transport& inner, std::shared_ptr<const fake::FaultPlan> plan,
                               Clock& clock, double time_scale, Duration default_timeout)
    : inner_(inner),
      plan_(std::move(plan)),
      clock_(clock),
      time_scale_(time_scale),
      default_timeout_(default_timeout),
      installed_at_(clock.Now()) {}

Result<HttpResponse> FaultTransport::Send(const HttpRequest& request) {
  const std::string path(request.Path());
  const std::string where = request.method + " " + request.target;
  const auto elapsed_virtual =
      std::chrono::duration_cast<Duration>((clock_.Now() - installed_at_) / time_scale_);
  const fake::FaultDecision d =
      plan_->Decide(request.method, path, fake::Router::EdgeIdOf(path), elapsed_virtual);
  clock_.SleepFor(Scale(d.latency, time_scale_));
  if (!d.fault) return inner_.Send(request);

  const fake::Fault& f = *d.fault;
  switch (f.kind) {
    case fake::FaultKind::kHttpError:
      return fake::MakeErrorResponse(request, {f.status, f.error_code, f.details, "vShield Edge"});
    case fake::FaultKind::kReset:
      return Status(StatusCode::kConnectionReset, where + ": connection reset (injected)");
    case fake::FaultKind::kTimeout:
      clock_.SleepFor(request.timeout.count() > 0 ? request.timeout : default_timeout_);
      return Status(StatusCode::kDeadlineExceeded,
                    where + ": no response within the deadline (injected)");
    default:
      break;
  }
  // The remaining kinds let the request through (the change is applied) and spoil the answer.
  Result<HttpResponse> r = inner_.Send(request);
  if (!r.ok()) return r;
  switch (f.kind) {
    case fake::FaultKind::kTruncated:
      return Status(StatusCode::kTruncated, where + ": response truncated (injected)");
    case fake::FaultKind::kResponseLost:
      return Status(StatusCode::kConnectionReset,
                    where + ": connection closed before a response (injected)");
    case fake::FaultKind::kGarbage:
      r->status = 200;
      r->headers.Set("Content-Type", "application/json");
      r->body = "<html><body>502 Bad Gateway</body></html>";
      return r;
    default:
      return r;  // refused by Create(); latency never reaches here
  }
}

}  // namespace nsxv::scenarios
