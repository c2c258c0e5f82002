#include "fake_nsxv/fake_manager.h"

#include <nlohmann/json.hpp>

#include "fake_nsxv/nsx_error.h"
#include "fake_nsxv/router.h"

namespace nsxv::fake {
namespace {

// Replaces the body with bytes that are neither JSON nor XML (fault kind "garbage").
void MakeGarbage(HttpResponse* r) {
  r->status = 200;
  r->headers.Set("Content-Type", "application/json");
  r->body = "<html><body>502 Bad Gateway</body></html>\x01\x02{\"truncated";
}

}  // namespace

FakeManager::FakeManager(Clock& clock, FakeOptions options)
    : clock_(clock),
      options_(std::move(options)),
      expected_auth_(BasicAuthValue(options_.user, options_.password)),
      journal_(options_.journal_capacity) {
  ModelOptions model_options = options_.model;
  model_options.time_scale = options_.time_scale;
  model_ = std::make_unique<Model>(clock_, model_options);
  router_ = std::make_unique<Router>(*model_);
}

FakeManager::~FakeManager() = default;

void FakeManager::SetFaultPlan(std::shared_ptr<const FaultPlan> plan) {
  MutexLock lock(&mu_);
  plan_ = std::move(plan);
  plan_installed_at_ = clock_.Now();
}

std::pair<std::shared_ptr<const FaultPlan>, TimePoint> FakeManager::SuspendFaultPlan() {
  MutexLock lock(&mu_);
  auto out = std::make_pair(std::move(plan_), plan_installed_at_);
  plan_ = nullptr;
  return out;
}

void FakeManager::RestoreFaultPlan(std::shared_ptr<const FaultPlan> plan, TimePoint installed_at) {
  MutexLock lock(&mu_);
  plan_ = std::move(plan);
  plan_installed_at_ = installed_at;
}

std::shared_ptr<const FaultPlan> FakeManager::fault_plan() const {
  MutexLock lock(&mu_);
  return plan_;
}

Duration FakeManager::Scaled(Duration virtual_duration) const {
  return std::chrono::duration_cast<Duration>(virtual_duration * options_.time_scale);
}

bool FakeManager::Authorized(const HttpRequest& request) const {
  const auto auth = request.headers.Get("Authorization");
  return auth && *auth == expected_auth_;
}

void FakeManager::SetCrashPoint(std::optional<CrashPoint> point) {
  MutexLock lock(&mu_);
  crash_ = std::move(point);
  crash_fired_ = false;
}

int64_t FakeManager::NodeRequests(const std::string& node) const {
  MutexLock lock(&mu_);
  const auto it = node_requests_.find(node);
  return it == node_requests_.end() ? 0 : it->second;
}

bool FakeManager::CrashPointFired() const {
  MutexLock lock(&mu_);
  return crash_fired_;
}

Exchange FakeManager::Process(const HttpRequest& original) {
  constexpr std::string_view kNodePrefix = "/__node/";
  if (!original.target.starts_with(kNodePrefix)) return ProcessFor("", original);
  const size_t end = original.target.find('/', kNodePrefix.size());
  if (end == std::string::npos) return ProcessFor("", original);
  HttpRequest request = original;
  request.target = original.target.substr(end);
  return ProcessFor(original.target.substr(kNodePrefix.size(), end - kNodePrefix.size()), request);
}

Exchange FakeManager::ProcessFor(const std::string& node, const HttpRequest& request) {
  const TimePoint start = clock_.Now();
  const std::string path(request.Path());
  JournalEntry entry{0, request.method, request.target, "", 0, "", "", 0};
  Exchange ex;

  auto finish = [&]() -> Exchange {
    const bool answered = ex.delivery == Delivery::kNormal || ex.delivery == Delivery::kTruncated;
    entry.status = answered ? ex.response.status : 0;
    entry.duration_us =
        std::chrono::duration_cast<std::chrono::microseconds>(clock_.Now() - start + ex.delay)
            .count();
    journal_.Record(std::move(entry));
    return std::move(ex);
  };

  if (!Authorized(request)) {
    entry.route = "unauthorized";
    ex.response = MakeErrorResponse(
        request, {401, 0, "Authentication failed: missing or wrong credentials", "core-services"});
    ex.response.headers.Set("WWW-Authenticate", "Basic realm=\"NSX Manager\"");
    return finish();
  }
  if (path.starts_with("/__fake/") || path == "/__fake") {
    entry.route = "admin";
    ex = HandleAdmin(request);
    return finish();
  }

  // The crash point of this node, when this is its request.
  std::optional<CrashPoint> crash;
  if (!node.empty()) {
    MutexLock lock(&mu_);
    const int64_t n = ++node_requests_[node];
    if (crash_ && !crash_fired_ && crash_->node == node && crash_->request == n) {
      crash_fired_ = true;
      crash = crash_;
    }
  }
  if (crash && crash->phase == CrashPhase::kBeforeApply) {
    entry.route = Router::RouteName(request);
    entry.fault = "crash-before-apply";
    if (crash->kill) crash->kill();
    ex.delivery = Delivery::kReset;
    return finish();
  }

  entry.route = Router::RouteName(request);
  const std::optional<std::string> edge = Router::EdgeIdOf(path);
  std::shared_ptr<const FaultPlan> plan;
  TimePoint installed_at;
  {
    MutexLock lock(&mu_);
    plan = plan_;
    installed_at = plan_installed_at_;
  }
  FaultDecision decision;
  if (plan) {
    const double scale = options_.time_scale > 0 ? options_.time_scale : 1.0;
    const auto elapsed_virtual =
        std::chrono::duration_cast<Duration>((clock_.Now() - installed_at) / scale);
    decision = plan->Decide(request.method, path, edge, elapsed_virtual);
  }
  ex.delay = Scaled(decision.latency);
  for (const std::string& name : decision.fired) {
    entry.rule += (entry.rule.empty() ? "" : ",") + name;
  }
  if (decision.latency.count() > 0) entry.fault = "latency";

  RequestOptions route_options;
  std::optional<FaultKind> after;  // applied once the router has answered
  if (decision.fault) {
    const Fault& f = *decision.fault;
    entry.fault = std::string(FaultKindName(f.kind));
    switch (f.kind) {
      case FaultKind::kHttpError:
        ex.response =
            MakeErrorResponse(request, {f.status, f.error_code, f.details, "vShield Edge"});
        return finish();
      case FaultKind::kReset:
        ex.delivery = Delivery::kReset;
        return finish();
      case FaultKind::kTimeout:
        ex.delivery = Delivery::kNoReply;
        return finish();
      case FaultKind::kEdgePoweredOff:
        if (edge) (void)model_->SetPowered(*edge, false);
        break;
      case FaultKind::kEdgeDeleted:
        if (edge) (void)model_->RemoveEdge(*edge);
        break;
      case FaultKind::kJobFailure:
        route_options.fail_job = true;
        break;
      case FaultKind::kTruncated:
      case FaultKind::kGarbage:
      case FaultKind::kResponseLost:
        after = f.kind;
        break;
      case FaultKind::kLatency:
        break;
    }
  }

  Routed routed = router_->Handle(request, route_options);
  ex.response = std::move(routed.response);
  ex.delay += routed.delay;
  if (after == FaultKind::kTruncated) {
    ex.delivery = Delivery::kTruncated;
    if (ex.response.body.size() < 2) {
      ex.response.status = 200;  // a 204 has no body to cut
      ex.response.body = "{\"truncated\": true}";
    }
  } else if (after == FaultKind::kGarbage) {
    MakeGarbage(&ex.response);
  } else if (after == FaultKind::kResponseLost) {
    ex.delivery = Delivery::kResponseLost;
  }
  if (crash) {  // kAfterApply: applied above; the node dies before it reads the answer
    entry.fault = "crash-after-apply";
    if (crash->kill) crash->kill();
    ex.delivery = Delivery::kResponseLost;
  }
  return finish();
}

}  // namespace nsxv::fake
