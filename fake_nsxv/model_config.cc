// The fake manager's edge configuration (§1.8-§1.15, §1.24): vnics, static routing, load
// balancer (and its statistics) and firewall. Model methods declared in model.h, with the lock
// order documented there (registry -> edge -> global); model.cc keeps edges and jobs.
#include <set>
#include <string>
#include <utility>

#include "fake_nsxv/model.h"
#include "fake_nsxv/model_internal.h"

namespace nsxv::fake {

using nlohmann::json;

namespace {

std::set<std::string> CertificatesOf(const GlobalData& global, const std::string& scope) {
  std::set<std::string> ids;
  for (const auto& [num, cert] : global.certificates) {
    if (cert.scope == scope) ids.insert(MakeId("certificate", num));
  }
  return ids;
}

}  // namespace

Status Model::GetVnic(std::string_view edge_id, std::string_view index, json* out) {
  EdgeAccess edge(this, edge_id);
  NSXV_RETURN_IF_ERROR(edge.status());
  NSXV_ASSIGN_OR_RETURN(const int i, ParseVnicIndex(index));
  *out = edge.state->data.vnics[static_cast<size_t>(i)];
  return Status::Ok();
}

Status Model::UpdateVnic(std::string_view edge_id, std::string_view index, const json& body,
                         Call* call) {
  EdgeAccess edge(this, edge_id);
  NSXV_RETURN_IF_ERROR(edge.status());
  NSXV_ASSIGN_OR_RETURN(const int i, ParseVnicIndex(index));
  NSXV_RETURN_IF_ERROR(CheckVnic(body, i, "vnic"));
  NSXV_ASSIGN_OR_RETURN(const TimePoint start, Admit(edge.state, edge.env, call));
  edge.state->data.vnics[static_cast<size_t>(i)] = NormalizeVnic(body, i);
  Finish(edge.state, edge.env, start, call);
  return Status::Ok();
}

Status Model::GetStaticRouting(std::string_view edge_id, json* out) {
  EdgeAccess edge(this, edge_id);
  NSXV_RETURN_IF_ERROR(edge.status());
  *out = edge.state->data.static_routing;
  return Status::Ok();
}

Status Model::UpdateStaticRouting(std::string_view edge_id, const json& body, Call* call) {
  EdgeAccess edge(this, edge_id);
  NSXV_RETURN_IF_ERROR(edge.status());
  NSXV_RETURN_IF_ERROR(CheckStaticRouting(body));
  NSXV_ASSIGN_OR_RETURN(const TimePoint start, Admit(edge.state, edge.env, call));
  edge.state->data.static_routing = NormalizeStaticRouting(body);
  Finish(edge.state, edge.env, start, call);
  return Status::Ok();
}

Status Model::GetLoadBalancer(std::string_view edge_id, json* out) {
  EdgeAccess edge(this, edge_id);
  NSXV_RETURN_IF_ERROR(edge.status());
  *out = edge.state->data.load_balancer;
  return Status::Ok();
}

Status Model::UpdateLoadBalancer(std::string_view edge_id, const json& body, Call* call) {
  EdgeAccess edge(this, edge_id);
  NSXV_RETURN_IF_ERROR(edge.status());
  std::set<std::string> certificates;
  {
    MutexLock global_lock(&global_->mu);
    certificates = CertificatesOf(global_->data, edge.state->id);
  }
  NSXV_RETURN_IF_ERROR(CheckLoadBalancer(
      body, [&](std::string_view id) { return certificates.count(std::string(id)) != 0; }));
  NSXV_ASSIGN_OR_RETURN(const TimePoint start, Admit(edge.state, edge.env, call));
  edge.state->data.load_balancer = NormalizeLoadBalancer(body);
  Finish(edge.state, edge.env, start, call);
  return Status::Ok();
}

Status Model::GetLoadBalancerStatistics(std::string_view edge_id, json* out) {
  EdgeAccess edge(this, edge_id);
  NSXV_RETURN_IF_ERROR(edge.status());
  const json& lb = edge.state->data.load_balancer;
  json pools = json::array();
  for (const json& pool : lb["pool"]) {
    json members = json::array();
    for (const json& m : pool.value("member", json::array())) {
      const bool up = m.value("condition", "enabled") != "disabled";
      members.push_back({{"memberId", m.value("memberId", "")},
                         {"name", m.value("name", "")},
                         {"ipAddress", m.value("ipAddress", "")},
                         {"status", up ? "UP" : "DOWN"}});
    }
    pools.push_back({{"poolId", pool.value("poolId", "")},
                     {"name", pool.value("name", "")},
                     {"status", "UP"},
                     {"member", std::move(members)}});
  }
  json servers = json::array();
  for (const json& vs : lb["virtualServer"]) {
    servers.push_back({{"virtualServerId", vs.value("virtualServerId", "")},
                       {"name", vs.value("name", "")},
                       {"ipAddress", vs.value("ipAddress", "")},
                       {"status", "OPEN"}});
  }
  *out = {{"serverStatus", lb.value("enabled", false) ? "UP" : "DOWN"},
          {"pool", std::move(pools)},
          {"virtualServer", std::move(servers)}};
  return Status::Ok();
}

Status Model::GetFirewall(std::string_view edge_id, json* out) {
  EdgeAccess edge(this, edge_id);
  NSXV_RETURN_IF_ERROR(edge.status());
  *out = edge.state->data.firewall;
  (*out)["version"] = edge.state->data.version;
  return Status::Ok();
}

Status Model::UpdateFirewall(std::string_view edge_id, const json& body, Call* call) {
  EdgeAccess edge(this, edge_id);
  NSXV_RETURN_IF_ERROR(edge.status());
  NSXV_RETURN_IF_ERROR(CheckFirewall(body));
  int64_t next_rule_id = edge.state->data.next_rule_id;
  NSXV_ASSIGN_OR_RETURN(json firewall,
                        NormalizeFirewall(body, edge.state->data.firewall, &next_rule_id));
  NSXV_ASSIGN_OR_RETURN(const TimePoint start, Admit(edge.state, edge.env, call));
  edge.state->data.firewall = std::move(firewall);
  edge.state->data.next_rule_id = next_rule_id;
  Finish(edge.state, edge.env, start, call);
  return Status::Ok();
}

}  // namespace nsxv::fake
