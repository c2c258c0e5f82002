// Model::Dump, Model::Load and Model::Reset: the model's whole state as one JSON document.
//
// Document (all arrays in ascending id order, so a dump is canonical):
//   {"format": "nsxv-fake-model/1",
//    "counters": {"edge", "job", "csr", "certificate", "virtualWire", "spoofguardPolicy"},
//    "edges": [{id, name, document, powered, status, vnics[10], staticRouting, loadBalancer,
//               firewall, nextRuleId, version, runningJobs[jobId]}],
//    "jobs": [{jobId, edgeId, kind, startNs, finishNs, fail, status}],
//    "csrs": [{id, scope, commonName}],
//    "certificates": [{id, scope, name, type, pem, hasPrivateKey, days}],
//    "virtualWires": [{id, scope, name, tenantId}],
//    "spoofguardPolicies": [{id, name, operationMode}],
//    "tuningConfiguration": {the flat tuning object}}   (optional in Load: default values)
#include <set>
#include <utility>

#include "fake_nsxv/model.h"
#include "fake_nsxv/model_internal.h"

namespace nsxv::fake {

using nlohmann::json;

namespace {

constexpr std::string_view kFormat = "nsxv-fake-model/1";

const char* JobKindName(JobKind kind) {
  switch (kind) {
    case JobKind::kDeploy:
      return "deploy";
    case JobKind::kDelete:
      return "delete";
    case JobKind::kConfig:
      break;
  }
  return "config";
}

int64_t Ns(TimePoint t) { return static_cast<int64_t>(t.time_since_epoch().count()); }

// A reader of one JSON object that names the path of the first problem it meets.
class Reader {
 public:
  Reader(const json& obj, std::string where) : obj_(obj), where_(std::move(where)) {}

  Status Check() const {
    if (obj_.is_object()) return Status::Ok();
    return InvalidArgument(where_ + " must be an object");
  }
  Result<const json*> Get(std::string_view key, json::value_t type) const {
    const auto it = obj_.find(key);
    const std::string path = where_ + "." + std::string(key);
    if (it == obj_.end()) return InvalidArgument(path + " is missing");
    const bool ok =
        type == json::value_t::number_integer ? it->is_number_integer() : it->type() == type;
    if (!ok) return InvalidArgument(path + " has the wrong type");
    return &*it;
  }
  Result<std::string> String(std::string_view key) const {
    NSXV_ASSIGN_OR_RETURN(const json* v, Get(key, json::value_t::string));
    return v->get<std::string>();
  }
  Result<int64_t> Int(std::string_view key, int64_t min) const {
    NSXV_ASSIGN_OR_RETURN(const json* v, Get(key, json::value_t::number_integer));
    const int64_t n = v->get<int64_t>();
    if (n < min) return InvalidArgument(where_ + "." + std::string(key) + " is out of range");
    return n;
  }
  Result<bool> Bool(std::string_view key) const {
    NSXV_ASSIGN_OR_RETURN(const json* v, Get(key, json::value_t::boolean));
    return v->get<bool>();
  }
  // "<prefix>-<n>" with 1 <= n <= max.
  Result<int64_t> Id(std::string_view key, std::string_view prefix, int64_t max) const {
    NSXV_ASSIGN_OR_RETURN(const std::string id, String(key));
    const std::optional<int64_t> n = ParseId(id, prefix);
    if (!n || *n > max) {
      return InvalidArgument(where_ + "." + std::string(key) + " '" + id +
                             "' is not a valid id at or below its counter");
    }
    return *n;
  }
  const std::string& where() const { return where_; }

 private:
  const json& obj_;
  std::string where_;
};

std::string At(std::string_view list, size_t i) {
  return std::string(list) + "[" + std::to_string(i) + "]";
}

Status Wrap(const Status& status, const std::string& where) {
  if (status.ok()) return status;
  return InvalidArgument(where + ": " + status.message());
}

Result<const json*> List(const json& state, std::string_view key) {
  return Reader(state, "state").Get(key, json::value_t::array);
}

}  // namespace

json DumpEdge(const std::string& id, const EdgeData& edge) {
  json vnics = json::array();
  for (const json& v : edge.vnics) vnics.push_back(v);
  json jobs = json::array();
  for (const int64_t num : edge.running_jobs) jobs.push_back(MakeId("jobdata", num));
  return {{"id", id},
          {"name", edge.name},
          {"document", edge.document},
          {"powered", edge.powered},
          {"status", edge.status},
          {"vnics", std::move(vnics)},
          {"staticRouting", edge.static_routing},
          {"loadBalancer", edge.load_balancer},
          {"firewall", edge.firewall},
          {"nextRuleId", edge.next_rule_id},
          {"version", edge.version},
          {"runningJobs", std::move(jobs)}};
}

json DumpGlobal(const GlobalData& g) {
  json out = json::object();
  out["counters"] = {{"job", g.job_counter},
                     {"csr", g.csr_counter},
                     {"certificate", g.certificate_counter},
                     {"virtualWire", g.wire_counter},
                     {"spoofguardPolicy", g.policy_counter}};
  json jobs = json::array();
  for (const auto& [num, job] : g.jobs) {
    jobs.push_back({{"jobId", MakeId("jobdata", num)},
                    {"edgeId", job.edge_id},
                    {"kind", JobKindName(job.kind)},
                    {"startNs", Ns(job.start)},
                    {"finishNs", Ns(job.finish)},
                    {"fail", job.fail},
                    {"status", job.status}});
  }
  out["jobs"] = std::move(jobs);
  json csrs = json::array();
  for (const auto& [num, csr] : g.csrs) {
    csrs.push_back(
        {{"id", MakeId("csr", num)}, {"scope", csr.scope}, {"commonName", csr.common_name}});
  }
  out["csrs"] = std::move(csrs);
  json certs = json::array();
  for (const auto& [num, cert] : g.certificates) {
    certs.push_back({{"id", MakeId("certificate", num)},
                     {"scope", cert.scope},
                     {"name", cert.name},
                     {"type", cert.type},
                     {"pem", cert.pem},
                     {"hasPrivateKey", cert.has_private_key},
                     {"days", cert.days}});
  }
  out["certificates"] = std::move(certs);
  json wires = json::array();
  for (const auto& [num, wire] : g.wires) {
    wires.push_back({{"id", MakeId("virtualwire", num)},
                     {"scope", wire.scope},
                     {"name", wire.name},
                     {"tenantId", wire.tenant}});
  }
  out["virtualWires"] = std::move(wires);
  json policies = json::array();
  for (const auto& [num, policy] : g.policies) {
    policies.push_back({{"id", MakeId("spoofguardpolicy", num)},
                        {"name", policy.name},
                        {"operationMode", policy.mode}});
  }
  out["spoofguardPolicies"] = std::move(policies);
  out["tuningConfiguration"] = g.tuning;
  return out;
}

json Model::Dump() const {
  WriterLock reg(&registry_mu_);  // whole-model view: see the lock order in model.h
  json edges = json::array();
  for (const auto& [num, edge] : edges_) {
    EdgeState* e = edge.get();
    MutexLock lock(&e->mu);
    if (!e->removed) edges.push_back(DumpEdge(e->id, e->data));
  }
  MutexLock global_lock(&global_->mu);
  json out = DumpGlobal(global_->data);
  out["format"] = kFormat;
  out["counters"]["edge"] = edge_counter_;
  out["edges"] = std::move(edges);
  return out;
}

namespace {

struct LoadedState {
  int64_t edge_counter = 0;
  std::map<int64_t, std::pair<std::string, EdgeData>> edges;
  GlobalData global;
};

Status LoadGlobal(const json& state, LoadedState* out) {
  GlobalData& g = out->global;
  const Reader top(state, "state");
  NSXV_ASSIGN_OR_RETURN(const json* counters_json, top.Get("counters", json::value_t::object));
  const Reader counters(*counters_json, "state.counters");
  NSXV_ASSIGN_OR_RETURN(out->edge_counter, counters.Int("edge", 0));
  NSXV_ASSIGN_OR_RETURN(g.job_counter, counters.Int("job", 0));
  NSXV_ASSIGN_OR_RETURN(g.csr_counter, counters.Int("csr", 0));
  NSXV_ASSIGN_OR_RETURN(g.certificate_counter, counters.Int("certificate", 0));
  NSXV_ASSIGN_OR_RETURN(g.wire_counter, counters.Int("virtualWire", 0));
  NSXV_ASSIGN_OR_RETURN(g.policy_counter, counters.Int("spoofguardPolicy", 0));

  NSXV_ASSIGN_OR_RETURN(const json* jobs, List(state, "jobs"));
  for (size_t i = 0; i < jobs->size(); ++i) {
    const Reader r((*jobs)[i], At("state.jobs", i));
    NSXV_RETURN_IF_ERROR(r.Check());
    Job job;
    NSXV_ASSIGN_OR_RETURN(job.num, r.Id("jobId", "jobdata", g.job_counter));
    NSXV_ASSIGN_OR_RETURN(job.edge_id, r.String("edgeId"));
    NSXV_ASSIGN_OR_RETURN(const std::string kind, r.String("kind"));
    if (kind == "deploy") {
      job.kind = JobKind::kDeploy;
    } else if (kind == "config") {
      job.kind = JobKind::kConfig;
    } else if (kind == "delete") {
      job.kind = JobKind::kDelete;
    } else {
      return InvalidArgument(r.where() + ".kind invalid");
    }
    NSXV_ASSIGN_OR_RETURN(const int64_t start, r.Int("startNs", INT64_MIN));
    NSXV_ASSIGN_OR_RETURN(const int64_t finish, r.Int("finishNs", INT64_MIN));
    job.start = TimePoint(Duration(start));
    job.finish = TimePoint(Duration(finish));
    NSXV_ASSIGN_OR_RETURN(job.fail, r.Bool("fail"));
    NSXV_ASSIGN_OR_RETURN(job.status, r.String("status"));
    if (job.status != "RUNNING" && job.status != "SUCCESS" && job.status != "FAILED") {
      return InvalidArgument(r.where() + ".status invalid");
    }
    if (!g.jobs.emplace(job.num, job).second) return InvalidArgument(r.where() + ": duplicate");
  }

  NSXV_ASSIGN_OR_RETURN(const json* csrs, List(state, "csrs"));
  for (size_t i = 0; i < csrs->size(); ++i) {
    const Reader r((*csrs)[i], At("state.csrs", i));
    NSXV_RETURN_IF_ERROR(r.Check());
    Csr csr;
    NSXV_ASSIGN_OR_RETURN(const int64_t n, r.Id("id", "csr", g.csr_counter));
    NSXV_ASSIGN_OR_RETURN(csr.scope, r.String("scope"));
    NSXV_ASSIGN_OR_RETURN(csr.common_name, r.String("commonName"));
    if (!g.csrs.emplace(n, csr).second) return InvalidArgument(r.where() + ": duplicate");
  }

  NSXV_ASSIGN_OR_RETURN(const json* certs, List(state, "certificates"));
  for (size_t i = 0; i < certs->size(); ++i) {
    const Reader r((*certs)[i], At("state.certificates", i));
    NSXV_RETURN_IF_ERROR(r.Check());
    Certificate cert;
    NSXV_ASSIGN_OR_RETURN(const int64_t n, r.Id("id", "certificate", g.certificate_counter));
    NSXV_ASSIGN_OR_RETURN(cert.scope, r.String("scope"));
    NSXV_ASSIGN_OR_RETURN(cert.name, r.String("name"));
    NSXV_ASSIGN_OR_RETURN(cert.type, r.String("type"));
    NSXV_ASSIGN_OR_RETURN(cert.pem, r.String("pem"));
    NSXV_ASSIGN_OR_RETURN(cert.has_private_key, r.Bool("hasPrivateKey"));
    NSXV_ASSIGN_OR_RETURN(cert.days, r.Int("days", 0));
    if (!g.certificates.emplace(n, cert).second) return InvalidArgument(r.where() + ": duplicate");
  }

  NSXV_ASSIGN_OR_RETURN(const json* wires, List(state, "virtualWires"));
  for (size_t i = 0; i < wires->size(); ++i) {
    const Reader r((*wires)[i], At("state.virtualWires", i));
    NSXV_RETURN_IF_ERROR(r.Check());
    VirtualWire wire;
    NSXV_ASSIGN_OR_RETURN(const int64_t n, r.Id("id", "virtualwire", g.wire_counter));
    NSXV_ASSIGN_OR_RETURN(wire.scope, r.String("scope"));
    NSXV_ASSIGN_OR_RETURN(wire.name, r.String("name"));
    NSXV_ASSIGN_OR_RETURN(wire.tenant, r.String("tenantId"));
    if (!g.wires.emplace(n, wire).second) return InvalidArgument(r.where() + ": duplicate");
  }

  NSXV_ASSIGN_OR_RETURN(const json* policies, List(state, "spoofguardPolicies"));
  for (size_t i = 0; i < policies->size(); ++i) {
    const Reader r((*policies)[i], At("state.spoofguardPolicies", i));
    NSXV_RETURN_IF_ERROR(r.Check());
    SpoofguardPolicy policy;
    NSXV_ASSIGN_OR_RETURN(const int64_t n, r.Id("id", "spoofguardpolicy", g.policy_counter));
    NSXV_ASSIGN_OR_RETURN(policy.name, r.String("name"));
    NSXV_ASSIGN_OR_RETURN(policy.mode, r.String("operationMode"));
    if (!g.policies.emplace(n, policy).second) return InvalidArgument(r.where() + ": duplicate");
  }
  // A state written before the tuning call was served has the manager's defaults.
  if (const auto it = state.find("tuningConfiguration"); it != state.end()) {
    NSXV_RETURN_IF_ERROR(Wrap(CheckTuningConfiguration(*it), "state"));
    g.tuning = *it;
  }
  return Status::Ok();
}

Status LoadEdge(const json& item, const std::string& where, LoadedState* out) {
  const Reader r(item, where);
  NSXV_RETURN_IF_ERROR(r.Check());
  EdgeData data;
  NSXV_ASSIGN_OR_RETURN(const int64_t n, r.Id("id", "edge", out->edge_counter));
  const std::string id = MakeId("edge", n);
  NSXV_ASSIGN_OR_RETURN(data.name, r.String("name"));
  NSXV_ASSIGN_OR_RETURN(const json* document, r.Get("document", json::value_t::object));
  NSXV_RETURN_IF_ERROR(Wrap(CheckEdgeDocument(*document), where + ".document"));
  if (document->value("name", "") != data.name) {
    return InvalidArgument(where + ".document.name differs from the edge name");
  }
  data.document = *document;
  NSXV_ASSIGN_OR_RETURN(data.powered, r.Bool("powered"));
  NSXV_ASSIGN_OR_RETURN(data.status, r.String("status"));
  if (data.status != "GREEN" && data.status != "YELLOW" && data.status != "GREY" &&
      data.status != "RED") {
    return InvalidArgument(where + ".status must be GREEN, YELLOW, GREY or RED");
  }
  NSXV_ASSIGN_OR_RETURN(const json* vnics, r.Get("vnics", json::value_t::array));
  if (vnics->size() != static_cast<size_t>(kVnicCount)) {
    return InvalidArgument(where + ".vnics must hold 10 vnics");
  }
  for (int i = 0; i < kVnicCount; ++i) {
    const json& v = (*vnics)[static_cast<size_t>(i)];
    const std::string vw = At(where + ".vnics", static_cast<size_t>(i));
    NSXV_RETURN_IF_ERROR(Wrap(CheckVnic(v, i, "vnic"), vw));
    if (!v.contains("index")) return InvalidArgument(vw + ".index is missing");
    data.vnics[static_cast<size_t>(i)] = v;
  }
  NSXV_ASSIGN_OR_RETURN(const json* routing, r.Get("staticRouting", json::value_t::object));
  NSXV_RETURN_IF_ERROR(Wrap(CheckStaticRouting(*routing), where + ".staticRouting"));
  data.static_routing = *routing;
  NSXV_ASSIGN_OR_RETURN(const json* lb, r.Get("loadBalancer", json::value_t::object));
  std::set<std::string> certificates;
  for (const auto& [num, cert] : out->global.certificates) {
    if (cert.scope == id) certificates.insert(MakeId("certificate", num));
  }
  NSXV_RETURN_IF_ERROR(
      Wrap(CheckLoadBalancer(
               *lb, [&](std::string_view c) { return certificates.count(std::string(c)); }),
           where + ".loadBalancer"));
  data.load_balancer = *lb;
  NSXV_ASSIGN_OR_RETURN(const json* firewall, r.Get("firewall", json::value_t::object));
  NSXV_RETURN_IF_ERROR(Wrap(CheckFirewall(*firewall), where + ".firewall"));
  data.firewall = *firewall;
  NSXV_ASSIGN_OR_RETURN(data.next_rule_id, r.Int("nextRuleId", kFirstFirewallRuleId));
  NSXV_ASSIGN_OR_RETURN(data.version, r.Int("version", 1));
  NSXV_ASSIGN_OR_RETURN(const json* running, r.Get("runningJobs", json::value_t::array));
  for (size_t i = 0; i < running->size(); ++i) {
    const std::string jw = At(where + ".runningJobs", i);
    const json& j = (*running)[i];
    const std::optional<int64_t> num =
        j.is_string() ? ParseId(j.get<std::string>(), "jobdata") : std::nullopt;
    const auto it = num ? out->global.jobs.find(*num) : out->global.jobs.end();
    if (it == out->global.jobs.end() || it->second.edge_id != id ||
        it->second.status != "RUNNING") {
      return InvalidArgument(jw + " does not name a RUNNING job of this edge");
    }
    if (!data.running_jobs.empty() && data.running_jobs.back() >= *num) {
      return InvalidArgument(jw + " is out of order or repeated");
    }
    data.running_jobs.push_back(*num);
  }
  if (out->global.names.count(data.name) != 0) {
    return InvalidArgument(where + ".name '" + data.name + "' is not unique");
  }
  if (out->edges.count(n) != 0) return InvalidArgument(where + ".id is repeated");
  out->global.names[data.name] = id;
  out->edges.emplace(n, std::make_pair(id, std::move(data)));
  return Status::Ok();
}

Result<LoadedState> ParseState(const json& state) {
  if (!state.is_object()) return InvalidArgument("state must be an object");
  if (state.value("format", "") != kFormat) {
    return InvalidArgument("state.format must be \"" + std::string(kFormat) + "\"");
  }
  LoadedState loaded;
  NSXV_RETURN_IF_ERROR(LoadGlobal(state, &loaded));
  NSXV_ASSIGN_OR_RETURN(const json* edges, List(state, "edges"));
  for (size_t i = 0; i < edges->size(); ++i) {
    NSXV_RETURN_IF_ERROR(LoadEdge((*edges)[i], At("state.edges", i), &loaded));
  }
  // Every RUNNING job must be listed by its (live) edge.
  std::set<int64_t> listed;
  for (const auto& [n, edge] : loaded.edges) {
    listed.insert(edge.second.running_jobs.begin(), edge.second.running_jobs.end());
  }
  for (const auto& [num, job] : loaded.global.jobs) {
    if (job.status == "RUNNING" && listed.count(num) == 0) {
      return InvalidArgument("state.jobs: " + MakeId("jobdata", num) +
                             " is RUNNING but no edge lists it");
    }
  }
  return loaded;
}

}  // namespace

Status Model::Load(const json& state) {
  NSXV_ASSIGN_OR_RETURN(LoadedState loaded, ParseState(state));
  std::map<int64_t, std::shared_ptr<EdgeState>> edges;
  for (auto& [n, edge] : loaded.edges) {
    auto e = std::make_shared<EdgeState>(n, edge.first);
    MutexLock lock(&e->mu);
    e->data = std::move(edge.second);
    edges.emplace(n, std::move(e));
  }
  WriterLock reg(&registry_mu_);
  MutexLock global_lock(&global_->mu);
  edges_ = std::move(edges);
  edge_counter_ = loaded.edge_counter;
  pending_removals_.store(0);
  global_->data = std::move(loaded.global);
  return Status::Ok();
}

void Model::Reset() {
  WriterLock reg(&registry_mu_);
  MutexLock global_lock(&global_->mu);
  edges_.clear();
  edge_counter_ = 0;
  pending_removals_.store(0);
  global_->data = GlobalData{};
}

}  // namespace nsxv::fake
