// CONTRACT SKETCH (helper fills in): the fake NSX-v manager's state and rules, no HTTP.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>

#include "driver/common/clock.h"
#include "driver/common/status.h"

namespace nsxv::fake {

enum class BusyPolicy { kSerialize, kReject };

struct ModelOptions {
  // Virtual time an edge deploy takes (sync deploy answers after it; async jobs run for it).
  Duration deploy_duration = std::chrono::seconds(0);
  // Virtual time a config change (vnic, LB, firewall, routes) keeps the edge busy.
  Duration config_duration = std::chrono::seconds(0);
  BusyPolicy busy_policy = BusyPolicy::kSerialize;
  double time_scale = 1.0;  // clock time = virtual duration x time_scale
  int page_size = 256;      // edgePage size for GET /api/4.0/edges
};

class Model {
 public:
  Model(Clock& clock, ModelOptions options);

  // Full state as JSON, and back. Load() replaces everything or, on error, nothing.
  nlohmann::json Dump() const;
  Status Load(const nlohmann::json& state);
  void Reset();

  // Fault hooks (FakeManager): power an edge off/on; delete it behind the driver's back;
  // make its running jobs (or the next deploy job) fail. NotFound for an unknown edge.
  Status SetPowered(std::string_view edge_id, bool on);
  Status RemoveEdge(std::string_view edge_id);
  Status FailJobs(std::string_view edge_id);
};

}  // namespace nsxv::fake
