// The fake manager's edges and jobs: construction, the per-edge accessor, job retirement, the
// config-change gate (Admit/Finish), fault hooks, deploy/update/get/list/delete and job status.
// Model methods declared in model.h, with the lock order documented there.
#include "fake_nsxv/model.h"

#include <algorithm>
#include <utility>

#include "fake_nsxv/model_internal.h"
#include "fake_nsxv/nsx_error.h"

namespace nsxv::fake {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Edge and job rules. Every function names the locks it needs; see the order in model.h.

namespace {

Duration ScaleDuration(Duration d, double scale) {
  if (d.count() <= 0 || scale <= 0) return Duration(0);
  return Duration(static_cast<Duration::rep>(static_cast<double>(d.count()) * scale));
}

EdgeData NewEdgeData(const json& body) {
  EdgeData data;
  data.name = body.at("name").get<std::string>();
  data.document = body;
  for (int i = 0; i < kVnicCount; ++i) data.vnics[static_cast<size_t>(i)] = DefaultVnic(i);
  data.static_routing = DefaultStaticRouting();
  data.load_balancer = DefaultLoadBalancer();
  data.firewall = DefaultFirewall();
  return data;
}

// Copies the vnics listed in an edge document into their slots.
void SeedVnics(const json& body, EdgeData* data) {
  const auto vnics = body.find("vnics");
  if (vnics == body.end() || !vnics->is_object() || !vnics->contains("vnics")) return;
  for (const json& v : (*vnics)["vnics"]) {
    const int index = v.at("index").get<int>();
    data->vnics[static_cast<size_t>(index)] = NormalizeVnic(v, index);
  }
}

bool IsDeploying(const EdgeData& edge, const GlobalData& global) {
  return std::any_of(edge.running_jobs.begin(), edge.running_jobs.end(), [&](int64_t num) {
    const auto it = global.jobs.find(num);
    return it != global.jobs.end() && it->second.kind == JobKind::kDeploy;
  });
}

std::string EffectiveStatus(const EdgeData& edge, const GlobalData& global) {
  if (!edge.powered || IsDeploying(edge, global)) return "GREY";
  return edge.status;
}

json JobJson(const Job& job, TimePoint now) {
  std::string status = job.status;
  if (status == "RUNNING" && now < job.start) status = "QUEUED";
  std::string message = "Updating configuration of edge " + job.edge_id;
  if (job.kind == JobKind::kDeploy) message = "Deploying edge " + job.edge_id;
  if (job.kind == JobKind::kDelete) message = "Deleting edge " + job.edge_id;
  return {{"jobId", MakeId("jobdata", job.num)},
          {"edgeId", job.edge_id},
          {"status", status},
          {"message", message},
          {"result", json::array({{{"key", "edgeId"}, {"value", job.edge_id}}})}};
}

// Forgets everything scoped to an edge that is going away: its name and truststore. Running
// jobs of the edge end FAILED.
void RemoveScope(GlobalData* global, const std::string& edge_id, const std::string& name) {
  const auto it = global->names.find(name);
  if (it != global->names.end() && it->second == edge_id) global->names.erase(it);
  std::erase_if(global->csrs, [&](const auto& kv) { return kv.second.scope == edge_id; });
  std::erase_if(global->certificates, [&](const auto& kv) { return kv.second.scope == edge_id; });
  for (auto& [num, job] : global->jobs) {
    if (job.edge_id == edge_id && job.status == "RUNNING") job.status = "FAILED";
  }
}

// Retires the edge's finished jobs. A failed deploy job removes the edge: it is marked
// removed (erased from the registry later) and true is returned.
bool RetireJobs(EdgeState* e, TimePoint now, GlobalState* g) REQUIRES(e->mu) {
  if (e->data.running_jobs.empty()) return false;
  MutexLock lock(&g->mu);
  bool remove = false;
  std::vector<int64_t> still_running;
  for (const int64_t num : e->data.running_jobs) {
    const auto it = g->data.jobs.find(num);
    if (it == g->data.jobs.end() || it->second.status != "RUNNING") continue;
    Job& job = it->second;
    if (job.finish > now) {
      still_running.push_back(num);
      continue;
    }
    job.status = job.fail ? "FAILED" : "SUCCESS";
    if (job.fail && job.kind == JobKind::kDeploy) remove = true;
  }
  e->data.running_jobs = std::move(still_running);
  if (remove) {
    e->removed = true;
    RemoveScope(&g->data, e->id, e->data.name);
  }
  return remove;
}

void FailRunningJobs(EdgeState* e, GlobalState* g) REQUIRES(e->mu, g->mu) {
  for (const int64_t num : e->data.running_jobs) {
    const auto it = g->data.jobs.find(num);
    if (it == g->data.jobs.end()) continue;
    it->second.fail = true;
    it->second.status = "FAILED";
  }
  e->data.running_jobs.clear();
  e->data.status = "RED";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Model: construction, lookup, the per-edge accessor and the config-change gate.

Model::Model(Clock& clock, ModelOptions options)
    : clock_(clock), options_(std::move(options)), global_(std::make_unique<GlobalState>()) {}

Model::~Model() = default;

Duration Model::Scaled(Duration virtual_duration) const {
  return ScaleDuration(virtual_duration, options_.time_scale);
}

Result<EdgeState*> Model::FindEdge(std::string_view edge_id) {
  const std::optional<int64_t> n = ParseId(edge_id, "edge");
  if (!n) return EdgeNotFound(edge_id);
  const auto it = edges_.find(*n);
  if (it == edges_.end()) return EdgeNotFound(edge_id);
  return it->second.get();
}

void Model::SweepRemoved() {
  if (pending_removals_.load() == 0) return;
  for (auto it = edges_.begin(); it != edges_.end();) {
    EdgeState* e = it->second.get();
    bool removed = false;
    {
      MutexLock lock(&e->mu);
      removed = e->removed;
    }
    it = removed ? edges_.erase(it) : std::next(it);
  }
  pending_removals_.store(0);
}

Env MakeEnv(const Clock& clock, const ModelOptions& options, GlobalState* global) {
  return Env{clock.Now(), options, options.time_scale, global};
}

// Retires jobs; 404 if the edge is removed (now or before).
Status Touch(EdgeState* e, const Env& env, std::atomic<int>* pending_removals) REQUIRES(e->mu) {
  if (e->removed) return EdgeNotFound(e->id);
  if (RetireJobs(e, env.now, env.global)) {
    pending_removals->fetch_add(1);
    return EdgeNotFound(e->id);
  }
  return Status::Ok();
}

// The locks are taken and released by hand (conditionally: no edge lock when the id is
// unknown), which the analysis cannot follow; callers are checked against the declaration.
Model::EdgeAccess::EdgeAccess(Model* model, std::string_view edge_id) NO_THREAD_SAFETY_ANALYSIS
    : registry_(&model->registry_mu_),
      env(MakeEnv(model->clock_, model->options_, model->global_.get())),
      state(Open(model, edge_id)) {}

EdgeState* Model::EdgeAccess::Open(Model* model,
                                   std::string_view edge_id) NO_THREAD_SAFETY_ANALYSIS {
  registry_->ReaderLock();
  Result<EdgeState*> found = model->FindEdge(edge_id);
  if (!found.ok()) {
    status_ = found.error();
    return nullptr;
  }
  EdgeState* e = *found;
  e->mu.Lock();
  status_ = Touch(e, env, &model->pending_removals_);
  return e;
}

Model::EdgeAccess::~EdgeAccess() NO_THREAD_SAFETY_ANALYSIS {
  if (state != nullptr) state->mu.Unlock();
  registry_->ReaderUnlock();
}

Result<TimePoint> Admit(EdgeState* e, const Env& env, Call* call) REQUIRES(e->mu) {
  if (!e->data.powered) {
    return BadRequest(nsx_code::kEdgeNotRunning, "Edge " + e->id + " is not running.");
  }
  MutexLock lock(&env.global->mu);
  if (call->fail_job) {
    FailRunningJobs(e, env.global);
    return BadRequest(nsx_code::kJobFailed, "Job on edge " + e->id + " failed.");
  }
  TimePoint start = env.now;
  for (const int64_t num : e->data.running_jobs) {
    start = std::max(start, env.global->data.jobs.at(num).finish);
  }
  if (start > env.now && env.options.busy_policy == BusyPolicy::kReject) {
    return NsxStatus(409, nsx_code::kEdgeBusy,
                     "Edge " + e->id + " is busy: another job is in progress.");
  }
  return start;
}

void Finish(EdgeState* e, const Env& env, TimePoint start, Call* call) REQUIRES(e->mu) {
  ++e->data.version;
  const Duration duration = ScaleDuration(env.options.config_duration, env.scale);
  TimePoint end = start;
  if (duration.count() > 0 || call->async) {
    end = start + duration;
    MutexLock lock(&env.global->mu);
    GlobalData& g = env.global->data;
    Job job;
    job.num = ++g.job_counter;
    job.edge_id = e->id;
    job.kind = JobKind::kConfig;
    job.start = start;
    job.finish = end;
    g.jobs[job.num] = job;
    e->data.running_jobs.push_back(job.num);
    if (call->async) call->job_id = MakeId("jobdata", job.num);
  }
  call->delay = call->async ? Duration(0) : end - env.now;
}

// ---------------------------------------------------------------------------------------------
// Fault hooks and introspection.

Status Model::SetPowered(std::string_view edge_id, bool on) {
  EdgeAccess edge(this, edge_id);
  NSXV_RETURN_IF_ERROR(edge.status());
  edge.state->data.powered = on;
  return Status::Ok();
}

Status Model::RemoveEdge(std::string_view edge_id) { return DeleteEdge(edge_id); }

Status Model::FailJobs(std::string_view edge_id) {
  EdgeAccess edge(this, edge_id);
  NSXV_RETURN_IF_ERROR(edge.status());
  MutexLock global_lock(&global_->mu);
  FailRunningJobs(edge.state, global_.get());
  return Status::Ok();
}

Status Model::SetEdgeStatus(std::string_view edge_id, std::string_view status) {
  if (status != "GREEN" && status != "YELLOW" && status != "GREY" && status != "RED") {
    return InvalidArgument("edge status must be GREEN, YELLOW, GREY or RED");
  }
  EdgeAccess edge(this, edge_id);
  NSXV_RETURN_IF_ERROR(edge.status());
  edge.state->data.status = std::string(status);
  return Status::Ok();
}

std::vector<std::string> Model::EdgeIds() const {
  WriterLock reg(&registry_mu_);  // whole-model view: see the lock order in model.h
  std::vector<std::string> ids;
  for (const auto& [num, edge] : edges_) {
    EdgeState* e = edge.get();
    MutexLock lock(&e->mu);
    if (!e->removed) ids.push_back(e->id);
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Edges.

Result<DeployResult> Model::DeployEdge(const json& body, bool async, Call* call) {
  NSXV_RETURN_IF_ERROR(CheckEdgeDocument(body));
  const Env env = MakeEnv(clock_, options_, global_.get());
  const Duration duration = Scaled(options_.deploy_duration);
  WriterLock reg(&registry_mu_);
  SweepRemoved();
  // name is optional (nsxraml 6.4 line 15648): the default is NSX-<edgeId>.
  json document = body;
  if (!document.contains("name") || document["name"].is_null()) {
    document["name"] = "NSX-" + MakeId("edge", edge_counter_ + 1);
  }
  const std::string name = document["name"].get<std::string>();
  {
    // Names change only under the registry lock (exclusive here) or with it shared, so the
    // check stays true until the edge is published below.
    MutexLock global_lock(&global_->mu);
    if (global_->data.names.count(name) != 0) {
      return BadRequest(nsx_code::kDuplicateEdgeName,
                        "Edge name should be unique for tenant. Edge " + name +
                            " already exists for default tenant.");
    }
  }
  const int64_t n = ++edge_counter_;
  const std::string id = MakeId("edge", n);
  if (!async && call->fail_job) {
    call->delay = duration;
    return BadRequest(nsx_code::kJobFailed, "Deployment of edge " + id + " failed.");
  }
  auto edge = std::make_shared<EdgeState>(n, id);
  DeployResult result{id, ""};
  {
    MutexLock lock(&edge->mu);
    edge->data = NewEdgeData(document);
    SeedVnics(document, &edge->data);
    MutexLock global_lock(&global_->mu);
    GlobalData& g = global_->data;
    if (async || duration.count() > 0) {
      Job job;
      job.num = ++g.job_counter;
      job.edge_id = id;
      job.kind = JobKind::kDeploy;
      job.start = env.now;
      job.finish = env.now + duration;
      job.fail = call->fail_job;
      g.jobs[job.num] = job;
      edge->data.running_jobs.push_back(job.num);
      if (async) result.job_id = MakeId("jobdata", job.num);
    }
    g.names[name] = id;
  }
  call->delay = async ? Duration(0) : duration;
  edges_[n] = std::move(edge);
  return result;
}

Status Model::UpdateEdge(std::string_view edge_id, const json& body, Call* call) {
  EdgeAccess edge(this, edge_id);
  NSXV_RETURN_IF_ERROR(edge.status());
  NSXV_RETURN_IF_ERROR(CheckEdgeDocument(body));
  if (body.contains("id") && body["id"].is_string() &&
      body["id"].get<std::string>() != edge.state->id) {
    return BadRequest(nsx_code::kInvalidValue,
                      "edge.id '" + body["id"].get<std::string>() + "' does not match the URI");
  }
  NSXV_ASSIGN_OR_RETURN(const TimePoint start, Admit(edge.state, edge.env, call));
  // An update without a name keeps the edge's name (name is optional, line 15648).
  const std::string name = body.contains("name") && body["name"].is_string()
                               ? body["name"].get<std::string>()
                               : edge.state->data.name;
  {
    MutexLock global_lock(&global_->mu);
    auto& names = global_->data.names;
    const auto it = names.find(name);
    if (it != names.end() && it->second != edge.state->id) {
      return BadRequest(nsx_code::kDuplicateEdgeName,
                        "Edge name should be unique for tenant. Edge " + name +
                            " already exists for default tenant.");
    }
    names.erase(edge.state->data.name);
    names[name] = edge.state->id;
  }
  edge.state->data.name = name;
  edge.state->data.document = body;
  edge.state->data.document["name"] = name;
  edge.state->data.document.erase("id");
  SeedVnics(body, &edge.state->data);
  Finish(edge.state, edge.env, start, call);
  return Status::Ok();
}

namespace {

// GET edge's document: the stored deploy/update body with the fields the manager adds.
json EdgeDocument(const EdgeState& e, bool deploying) REQUIRES(e.mu) {
  json doc = e.data.document;
  doc["id"] = e.id;
  doc["name"] = e.data.name;
  doc["version"] = e.data.version;
  if (!doc.contains("type")) doc["type"] = "gatewayServices";
  if (!doc.contains("tenant")) doc["tenant"] = "default";
  if (!doc.contains("appliances") || !doc["appliances"].is_object()) {
    doc["appliances"] = json::object();
  }
  if (!doc["appliances"].contains("applianceSize")) doc["appliances"]["applianceSize"] = "compact";
  json vnics = json::array();
  for (const json& v : e.data.vnics) vnics.push_back(v);
  doc["vnics"] = {{"vnics", std::move(vnics)}};
  doc["status"] = deploying ? "deploying" : "deployed";
  return doc;
}

}  // namespace

Status Model::GetEdge(std::string_view edge_id, json* out) {
  EdgeAccess edge(this, edge_id);
  NSXV_RETURN_IF_ERROR(edge.status());
  MutexLock global_lock(&global_->mu);
  *out = EdgeDocument(*edge.state, IsDeploying(edge.state->data, global_->data));
  return Status::Ok();
}

Status Model::GetEdgeText(std::string_view edge_id, std::string* out) {
  EdgeAccess edge(this, edge_id);
  NSXV_RETURN_IF_ERROR(edge.status());
  bool deploying = false;
  {
    MutexLock global_lock(&global_->mu);
    deploying = IsDeploying(edge.state->data, global_->data);
  }
  EdgeState::GetEdgeCache& cache = edge.state->get_edge_cache;
  if (cache.text.empty() || cache.version != edge.state->data.version ||
      cache.deploying != deploying) {
    cache.text =
        EdgeDocument(*edge.state, deploying).dump(-1, ' ', false, json::error_handler_t::replace);
    cache.version = edge.state->data.version;
    cache.deploying = deploying;
  }
  *out = cache.text;
  return Status::Ok();
}

Status Model::ListEdges(int start_index, int page_size, json* out) {
  if (start_index < 0) return BadRequest(nsx_code::kInvalidValue, "startIndex must be >= 0");
  if (page_size <= 0) page_size = options_.page_size;
  const Env env = MakeEnv(clock_, options_, global_.get());
  WriterLock reg(&registry_mu_);  // whole-model view: see the lock order in model.h
  std::vector<json> live;
  for (const auto& [num, edge] : edges_) {
    EdgeState* e = edge.get();
    MutexLock lock(&e->mu);
    if (!Touch(e, env, &pending_removals_).ok()) continue;
    const json& doc = e->data.document;
    std::string size = "compact";
    if (doc.contains("appliances") && doc["appliances"].is_object() &&
        doc["appliances"].contains("applianceSize")) {
      size = doc["appliances"]["applianceSize"].get<std::string>();
    }
    MutexLock global_lock(&global_->mu);
    live.push_back({{"id", e->id},
                    {"objectId", e->id},
                    {"name", e->data.name},
                    {"edgeStatus", EffectiveStatus(e->data, global_->data)},
                    {"edgeType", doc.value("type", "gatewayServices")},
                    {"state", IsDeploying(e->data, global_->data) ? "deploying" : "deployed"},
                    {"appliancesSummary", {{"applianceSize", size}}}});
  }
  json data = json::array();
  const size_t begin = std::min(live.size(), static_cast<size_t>(start_index));
  const size_t end = std::min(live.size(), begin + static_cast<size_t>(page_size));
  for (size_t i = begin; i < end; ++i) data.push_back(std::move(live[i]));
  *out = {
      {"edgePage",
       {{"data", std::move(data)},
        {"pagingInfo",
         {{"pageSize", page_size}, {"startIndex", start_index}, {"totalCount", live.size()}}}}}};
  return Status::Ok();
}

Status Model::DeleteEdge(std::string_view edge_id, Call* call) {
  const TimePoint now = clock_.Now();
  WriterLock reg(&registry_mu_);
  SweepRemoved();
  NSXV_ASSIGN_OR_RETURN(EdgeState * e, FindEdge(edge_id));
  {
    MutexLock lock(&e->mu);
    if (e->removed) return EdgeNotFound(edge_id);
    e->removed = true;
    MutexLock global_lock(&global_->mu);
    RemoveScope(&global_->data, e->id, e->data.name);
    if (call != nullptr && call->async) {
      // The delete is done at once; its job is recorded finished so that it can be read.
      GlobalData& g = global_->data;
      Job job;
      job.num = ++g.job_counter;
      job.edge_id = e->id;
      job.kind = JobKind::kDelete;
      job.start = now;
      job.finish = now;
      job.status = "SUCCESS";
      g.jobs[job.num] = job;
      call->job_id = MakeId("jobdata", job.num);
    }
  }
  edges_.erase(e->num);
  return Status::Ok();
}

Status Model::GetEdgeStatus(std::string_view edge_id, json* out) {
  EdgeAccess edge(this, edge_id);
  NSXV_RETURN_IF_ERROR(edge.status());
  MutexLock global_lock(&global_->mu);
  if (!edge.state->data.powered && !IsDeploying(edge.state->data, global_->data)) {
    return BadRequest(nsx_code::kEdgeNotRunning, "Edge " + edge.state->id + " is not running.");
  }
  const std::string status = EffectiveStatus(edge.state->data, global_->data);
  *out = {{"edgeStatus", status},
          {"systemStatus", edge.state->data.powered ? "good" : "not running"},
          {"publishStatus", "APPLIED"},
          {"version", edge.state->data.version},
          {"activeVseHaIndex", 0},
          {"edgeVmStatus", json::array({{{"edgeVMStatus", status},
                                         {"haState", "active"},
                                         {"index", 0},
                                         {"id", "vm-" + std::to_string(edge.state->num)},
                                         {"name", edge.state->data.name + "-0"}}})},
          {"featureStatuses", json::array()}};
  return Status::Ok();
}

Status Model::GetEdgeJobs(std::string_view edge_id, json* out) {
  EdgeAccess edge(this, edge_id);
  NSXV_RETURN_IF_ERROR(edge.status());
  MutexLock global_lock(&global_->mu);
  json jobs = json::array();
  for (const int64_t num : edge.state->data.running_jobs) {
    jobs.push_back(JobJson(global_->data.jobs.at(num), edge.env.now));
  }
  *out = {{"edgeJob", std::move(jobs)}};
  return Status::Ok();
}

Status Model::GetJob(std::string_view job_id, json* out) {
  const std::optional<int64_t> num = ParseId(job_id, "jobdata");
  const Status not_found = ObjectNotFound("Job " + std::string(job_id) + " not found.");
  if (!num) return not_found;
  const Env env = MakeEnv(clock_, options_, global_.get());
  ReaderLock reg(&registry_mu_);
  std::string edge_id;
  {
    MutexLock global_lock(&global_->mu);
    const auto it = global_->data.jobs.find(*num);
    if (it == global_->data.jobs.end()) return not_found;
    edge_id = it->second.edge_id;
  }
  // Retire the owning edge's jobs first so the answer reflects the clock.
  if (auto found = FindEdge(edge_id); found.ok()) {
    EdgeState* e = *found;
    MutexLock lock(&e->mu);
    (void)Touch(e, env, &pending_removals_);
  }
  MutexLock global_lock(&global_->mu);
  *out = JobJson(global_->data.jobs.at(*num), env.now);
  return Status::Ok();
}

}  // namespace nsxv::fake
