#include "scenarios/md_path_collect.h"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "driver/nsxv/vcns.h"
#include "driver/store/neutron_db.h"
#include "driver/store/nsxv_db.h"

namespace nsxv::scenarios {
namespace {

using nlohmann::json;

constexpr int kVnicSlots = 10;  // vnics 0-9 (RAML 15699)
constexpr int kMaxEdgePages = 1000;

Result<json> GetJson(const driver::ApiClient& client, const std::string& path, const char* op) {
  driver::ApiCall call;
  call.method = "GET";
  call.path = path;
  call.policy = driver::Vcns::ReadPolicy();
  call.op = op;
  NSXV_ASSIGN_OR_RETURN(HttpResponse r, client.Call(call));
  json body = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return Status(StatusCode::kProtocolError,
                  "GET " + path + ": answer is not JSON (" + r.body.substr(0, 60) + ")");
  }
  return body;
}

}  // namespace

Status CollectMdPathSnapshot(const driver::ApiClient& client,
                             const std::vector<std::string>& edge_ids, json* out) {
  *out = json::object();
  const std::set<std::string> wanted(edge_ids.begin(), edge_ids.end());
  std::map<std::string, json> summaries;
  int start = 0;
  for (int page = 0; page < kMaxEdgePages; ++page) {
    NSXV_ASSIGN_OR_RETURN(
        json body,
        GetJson(client, "/api/4.0/edges?startIndex=" + std::to_string(start), "list_edges"));
    const json data =
        body.contains("edgePage") ? body["edgePage"].value("data", json::array()) : json::array();
    for (const json& e : data) {
      const std::string id = e.value("id", e.value("objectId", ""));
      if (wanted.count(id) != 0) summaries[id] = e;
    }
    const json paging =
        body.contains("edgePage") ? body["edgePage"].value("pagingInfo", json()) : json();
    const int total = paging.is_object() ? paging.value("totalCount", 0) : 0;
    start += static_cast<int>(data.size());
    if (data.empty() || start >= total) break;
  }
  for (const std::string& id : wanted) {
    json edge = json::object();
    json errors = json::object();
    if (summaries.count(id) == 0) {
      // Absent from the list: the edge does not exist; the evaluator reports "no documents".
      continue;
    }
    edge["summary"] = summaries[id];
    const std::string base = "/api/4.0/edges/" + id;
    auto read = [&](const std::string& name, const std::string& path, const char* op) {
      Result<json> r = GetJson(client, path, op);
      if (r.ok()) {
        edge[name] = std::move(r).value();
      } else {
        errors[name] = r.error().message();
        if (name == "status" && r.error().nsx_error_code() != 0) {
          edge["statusErrorCode"] = r.error().nsx_error_code();
        }
      }
    };
    read("status", base + "/status?getlatest=false", "edge_status");
    // The edge document carries its vnics; only when it does not are the slots read one by one.
    json vnics = json::array();
    Result<json> doc = GetJson(client, base, "get_edge");
    if (doc.ok() && doc->contains("vnics") && (*doc)["vnics"].is_object() &&
        (*doc)["vnics"].contains("vnics") && (*doc)["vnics"]["vnics"].is_array() &&
        !(*doc)["vnics"]["vnics"].empty()) {
      vnics = (*doc)["vnics"]["vnics"];
    }
    const bool per_slot = vnics.empty();
    for (int i = 0; per_slot && i < kVnicSlots; ++i) {
      Result<json> v = GetJson(client, base + "/vnics/" + std::to_string(i), "get_vnic");
      if (v.ok()) {
        vnics.push_back(std::move(v).value());
      } else {
        errors["vnic " + std::to_string(i)] = v.error().message();
      }
    }
    edge["vnics"] = std::move(vnics);
    read("routing", base + "/routing/config/static", "get_routes");
    read("firewall", base + "/firewall/config", "get_firewall");
    read("loadBalancer", base + "/loadbalancer/config", "get_lb");
    read("certificates", "/api/2.0/services/truststore/certificate/scope/" + id,
         "list_certificates");
    if (!errors.empty()) edge["errors"] = std::move(errors);
    (*out)[id] = std::move(edge);
  }
  return Status::Ok();
}

Result<MdPathInput> MdPathInputFromDb(store::Context& ctx, const md_proxy::MdProxyConfig& md,
                                      const MdTraceOptions& options) {
  if (!md.Enabled()) return InvalidArgument("metadata is disabled: " + md.DisabledReason());
  MdPathInput in;
  in.nova.metadata_ips = md.nova_metadata_ips;
  in.nova.port = md.nova_metadata_port;
  in.nova.shared_secret = options.nova_shared_secret.value_or(md.metadata_shared_secret);
  in.nova.metadata_insecure = md.metadata_insecure;
  in.nova.allowed_ports = md.metadata_service_allowed_ports;
  NSXV_ASSIGN_OR_RETURN(const auto routers, store::ListRouterRows(ctx, {}));
  NSXV_ASSIGN_OR_RETURN(const auto bindings, store::GetRouterBindings(ctx));
  NSXV_ASSIGN_OR_RETURN(const auto proxies,
                        store::GetNsxvInternalEdgesByPurpose(ctx, store::kInterEdgePurpose));
  std::map<std::string, std::string> edge_of;
  for (const auto& b : bindings) {
    if (b.edge_id && b.status == store::kStatusActive) edge_of[b.router_id] = *b.edge_id;
  }
  std::set<std::string> proxy_routers;
  for (const auto& p : proxies) {
    if (!p.router_id) continue;
    proxy_routers.insert(*p.router_id);
    if (edge_of.count(*p.router_id) != 0) in.proxy_edges.push_back(edge_of[*p.router_id]);
  }
  std::sort(in.proxy_edges.begin(), in.proxy_edges.end());
  bool matched = false;
  for (const auto& r : routers) {
    if (proxy_routers.count(r.id) != 0 || edge_of.count(r.id) == 0) continue;
    const std::string& edge = edge_of[r.id];
    if (!options.router.empty() && options.router != r.id && options.router != r.name &&
        options.router != edge) {
      continue;
    }
    matched = true;
    in.routers.push_back({r.id, edge});
  }
  if (!options.router.empty() && !matched) {
    return NotFound("no router with an ACTIVE edge has id, name or edge id '" + options.router +
                    "'");
  }
  return in;
}

Result<MdPathReport> TraceMetadataPaths(store::Context& ctx, const driver::ApiClient& client,
                                        const md_proxy::MdProxyConfig& md,
                                        const MdTraceOptions& options) {
  NSXV_ASSIGN_OR_RETURN(MdPathInput in, MdPathInputFromDb(ctx, md, options));
  std::vector<std::string> edges = in.proxy_edges;
  for (const auto& r : in.routers) edges.push_back(r.edge_id);
  json snapshot;
  NSXV_RETURN_IF_ERROR(CollectMdPathSnapshot(client, edges, &snapshot));
  return EvaluateMdPaths(snapshot, in);
}

}  // namespace nsxv::scenarios
