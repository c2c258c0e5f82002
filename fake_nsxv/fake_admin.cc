// Admin API of the fake under /__fake/ (same Basic auth as the NSX API):
//   POST   /__fake/reset                      state, journal and fault plan back to empty
//   GET    /__fake/state  | PUT /__fake/state  full model state as JSON (load is all or nothing)
//   GET    /__fake/faults | PUT | DELETE       the fault plan, with per-rule match/fire counts
//   GET    /__fake/journal?since=N&limit=M    request journal
//   GET    /__fake/counters                   per-route and per-fault counters
//   POST   /__fake/edges/{id}/power?on=false  power an edge off or on
//   POST   /__fake/clock/advance?seconds=S    move a simulated clock forward
//   GET    /__fake/info                       seed, time scale, clock kind, journal total
#include <charconv>

#include <nlohmann/json.hpp>

#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/nsx_error.h"

namespace nsxv::fake {
namespace {

using json = nlohmann::json;

Exchange JsonAnswer(int status, const json& body) {
  Exchange ex;
  ex.response.status = status;
  ex.response.headers.Set("Content-Type", "application/json");
  // The journal and the state quote requests, whose bytes need not be UTF-8: written as U+FFFD.
  ex.response.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return ex;
}

Exchange NoContent() {
  Exchange ex;
  ex.response.status = 204;
  return ex;
}

Exchange AdminError(const HttpRequest& request, int status, std::string details) {
  Exchange ex;
  ex.response = MakeErrorResponse(request, {status, 0, std::move(details), "fake-admin"});
  return ex;
}

template <typename T>
bool ParseNumber(const std::optional<std::string>& s, T* out) {
  if (!s) return false;
  const char* end = s->data() + s->size();
  auto [ptr, ec] = std::from_chars(s->data(), end, *out);
  return ec == std::errc() && ptr == end;
}

}  // namespace

Exchange FakeManager::HandleAdmin(const HttpRequest& request) {
  const std::string path(request.Path());
  const std::string& m = request.method;
  auto method_not_allowed = [&](std::string allow) {
    Exchange ex = AdminError(request, 405, "Method " + m + " not allowed on " + path);
    ex.response.headers.Set("Allow", std::move(allow));
    return ex;
  };

  if (path == "/__fake/reset") {
    if (m != "POST") return method_not_allowed("POST");
    model_->Reset();
    journal_.Clear();
    SetFaultPlan(nullptr);
    return NoContent();
  }
  if (path == "/__fake/state") {
    if (m == "GET") return JsonAnswer(200, model_->Dump());
    if (m != "PUT") return method_not_allowed("GET, PUT");
    const json doc = json::parse(request.body, nullptr, false);
    if (doc.is_discarded()) return AdminError(request, 400, "state: body is not valid JSON");
    const Status s = model_->Load(doc);
    if (!s.ok()) return AdminError(request, 400, "state: " + s.message());
    return NoContent();
  }
  if (path == "/__fake/faults") {
    if (m == "GET") {
      const auto plan = fault_plan();
      return JsonAnswer(200, plan ? plan->ToJson() : json{{"rules", json::array()}});
    }
    if (m == "DELETE") {
      SetFaultPlan(nullptr);
      return NoContent();
    }
    if (m != "PUT") return method_not_allowed("GET, PUT, DELETE");
    auto plan = FaultPlan::FromJsonText(request.body, options_.seed);
    if (!plan.ok()) return AdminError(request, 400, plan.error().message());
    SetFaultPlan(std::move(plan).value());
    return NoContent();
  }
  if (path == "/__fake/journal") {
    if (m != "GET") return method_not_allowed("GET");
    uint64_t since = 0;
    size_t limit = 1000;
    if (request.QueryParam("since") && !ParseNumber(request.QueryParam("since"), &since)) {
      return AdminError(request, 400, "journal: since must be a non-negative integer");
    }
    if (request.QueryParam("limit") && !ParseNumber(request.QueryParam("limit"), &limit)) {
      return AdminError(request, 400, "journal: limit must be a non-negative integer");
    }
    return JsonAnswer(200, journal_.ToJson(since, limit));
  }
  if (path == "/__fake/counters") {
    if (m != "GET") return method_not_allowed("GET");
    return JsonAnswer(200, journal_.CountersJson());
  }
  if (path == "/__fake/info") {
    if (m != "GET") return method_not_allowed("GET");
    const bool simulated = dynamic_cast<SimulatedClock*>(&clock_) != nullptr;
    return JsonAnswer(200, {{"seed", options_.seed},
                            {"time_scale", options_.time_scale},
                            {"clock", simulated ? "simulated" : "real"},
                            {"requests", journal_.total()}});
  }
  if (path == "/__fake/clock/advance") {
    if (m != "POST") return method_not_allowed("POST");
    auto* sim = dynamic_cast<SimulatedClock*>(&clock_);
    if (sim == nullptr) return AdminError(request, 409, "clock: the fake runs on the real clock");
    double seconds = 0;
    const auto arg = request.QueryParam("seconds");
    // At most a year per call, so the advance always fits a Duration (and "inf" or "nan",
    // which from_chars accepts, are refused).
    constexpr double kMaxAdvanceSeconds = 365.0 * 24 * 3600;
    if (!arg || !ParseNumber(arg, &seconds) || !(seconds >= 0 && seconds <= kMaxAdvanceSeconds)) {
      return AdminError(request, 400, "clock: seconds must be a number in 0..31536000 (one year)");
    }
    sim->Advance(std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds)));
    return NoContent();
  }
  constexpr std::string_view kEdges = "/__fake/edges/";
  if (path.starts_with(kEdges) && path.ends_with("/power")) {
    if (m != "POST") return method_not_allowed("POST");
    const std::string edge = path.substr(kEdges.size(), path.size() - kEdges.size() - 6);
    const auto on = request.QueryParam("on");
    if (!on || (*on != "true" && *on != "false")) {
      return AdminError(request, 400, "power: query on=true|false is required");
    }
    const Status s = model_->SetPowered(edge, *on == "true");
    if (!s.ok()) return AdminError(request, 404, s.message());
    return NoContent();
  }
  return AdminError(request, 404, "No admin route " + m + " " + path);
}

}  // namespace nsxv::fake
