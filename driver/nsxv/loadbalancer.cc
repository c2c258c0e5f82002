// Port of vmware_nsx/plugins/nsx_v/vshield/nsxv_loadbalancer.py (and, for
// MakeMetadataLoadBalancer, of md_proxy.py's _setup_metadata_lb document).
#include "driver/nsxv/loadbalancer.h"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace nsxv::driver {

using nlohmann::json;

namespace {

Status ProtocolError(std::string message) {
  return {StatusCode::kProtocolError, std::move(message)};
}

json ToJson(const IntOrString& v) {
  if (v.is_number) {
    if (auto n = v.AsInt()) return *n;
  }
  return v.text;
}

template <typename T>
void PutOpt(json& out, const char* key, const std::optional<T>& v) {
  if (v) out[key] = *v;
}

template <typename T>
void AddOrReplace(std::vector<T>& items, T item) {
  auto it =
      std::find_if(items.begin(), items.end(), [&](const T& x) { return x.name == item.name; });
  if (it != items.end()) {
    *it = std::move(item);
  } else {
    items.push_back(std::move(item));
  }
}

// ---- encode ----

struct Counters {
  int vs = 1, profile = 1, rule = 1, pool = 1, member = 1, monitor = 1;
};

std::string Id(const char* kind, int* counter) {
  return std::string(kind) + "-" + std::to_string((*counter)++);
}

json ProfileJson(const LbAppProfile& p) {
  json known = {{"name", p.name},
                {"serverSslEnabled", p.server_ssl_enabled},
                {"sslPassthrough", p.ssl_passthrough},
                {"template", p.template_name},
                {"insertXForwardedFor", p.insert_x_forwarded_for}};
  if (p.persistence) {
    const LbPersistence& s = *p.persistence;
    json pj = {{"method", s.method}};
    PutOpt(pj, "expire", s.expire);
    PutOpt(pj, "cookieMode", s.cookie_mode);
    PutOpt(pj, "cookieName", s.cookie_name);
    known["persistence"] = WithExtra(s.extra, std::move(pj));
  }
  if (p.client_ssl) {
    const LbClientSsl& c = *p.client_ssl;
    known["clientSsl"] = WithExtra(
        c.extra, {{"clientAuth", c.client_auth}, {"serviceCertificate", c.service_certificate}});
  }
  return WithExtra(p.extra, std::move(known));
}

json RuleJson(const LbAppRule& r) {
  return WithExtra(r.extra, {{"name", r.name}, {"script", r.script}});
}

json MonitorJson(const LbMonitor& m) {
  json known = {{"name", m.name}};
  PutOpt(known, "interval", m.interval);
  PutOpt(known, "maxRetries", m.max_retries);
  PutOpt(known, "method", m.method);
  PutOpt(known, "timeout", m.timeout);
  PutOpt(known, "type", m.type);
  PutOpt(known, "url", m.url);
  return WithExtra(m.extra, std::move(known));
}

// Emits the pool, its members and monitors; returns the pool id.
Result<std::string> EmitPool(const LbPool& pool, Counters* c, json* pools, json* monitors) {
  json known = {{"name", pool.name},
                {"algorithm", pool.algorithm},
                {"transparent", pool.transparent},
                {"poolId", Id("pool", &c->pool)}};
  json members = json::array();
  for (const LbPoolMember& m : pool.members) {
    if (m.ip_address.empty()) {
      // Fix: 2016 sent "ipAddress": null for a skipped proxy edge (§4.4 bug 3).
      return Status(StatusCode::kInvalidArgument, "loadBalancer: member \"" + m.name +
                                                      "\" of pool \"" + pool.name +
                                                      "\" has no IP address");
    }
    json mj = {{"name", m.name},
               {"ipAddress", m.ip_address},
               {"port", ToJson(m.port)},
               {"monitorPort", m.monitor_port ? ToJson(*m.monitor_port) : json(nullptr)},
               {"condition", m.condition},
               {"weight", m.weight},
               {"minConn", m.min_conn},
               {"maxConn", m.max_conn},
               {"memberId", Id("member", &c->member)}};
    members.push_back(WithExtra(m.extra, std::move(mj)));
  }
  known["member"] = std::move(members);
  json monitor_ids = json::array();
  for (const LbMonitor& m : pool.monitors) {
    json mj = MonitorJson(m);
    mj["monitorId"] = Id("monitor", &c->monitor);
    monitor_ids.push_back(mj["monitorId"]);
    monitors->push_back(std::move(mj));
  }
  known["monitorId"] = std::move(monitor_ids);
  std::string id = known["poolId"].get<std::string>();
  pools->push_back(WithExtra(pool.extra, std::move(known)));
  return id;
}

// ---- decode ----

template <typename T>
struct Entry {
  T value;
  bool used = false;
};

Status ReadMonitor(ObjectReader& r, LbMonitor* m) {
  NSXV_TRY(r.String("name", &m->name));
  NSXV_TRY(r.OptInt("interval", &m->interval));
  NSXV_TRY(r.OptInt("maxRetries", &m->max_retries));
  NSXV_TRY(r.OptString("method", &m->method));
  NSXV_TRY(r.OptInt("timeout", &m->timeout));
  NSXV_TRY(r.OptString("type", &m->type));
  return r.OptString("url", &m->url);
}

Status ReadProfile(ObjectReader& r, LbAppProfile* p) {
  NSXV_TRY(r.String("name", &p->name));
  NSXV_TRY(r.Bool("serverSslEnabled", &p->server_ssl_enabled));
  NSXV_TRY(r.Bool("sslPassthrough", &p->ssl_passthrough));
  NSXV_TRY(r.String("template", &p->template_name));
  NSXV_TRY(r.Bool("insertXForwardedFor", &p->insert_x_forwarded_for));
  if (const json* v = r.Raw("persistence")) {
    ObjectReader pr(*v, r.Path("persistence"));
    LbPersistence s;
    NSXV_TRY(pr.String("method", &s.method));
    NSXV_TRY(pr.OptInt("expire", &s.expire));
    NSXV_TRY(pr.OptString("cookieMode", &s.cookie_mode));
    NSXV_TRY(pr.OptString("cookieName", &s.cookie_name));
    s.extra = pr.Extra();
    p->persistence = std::move(s);
  }
  if (const json* v = r.Raw("clientSsl")) {
    // Fix: 2016 get_loadbalancer() dropped clientSsl, losing the certificate binding.
    ObjectReader cr(*v, r.Path("clientSsl"));
    LbClientSsl c;
    std::optional<std::string> auth;
    NSXV_TRY(cr.OptString("clientAuth", &auth));
    c.client_auth = auth.value_or("ignore");
    NSXV_TRY(cr.StringList("serviceCertificate", false, &c.service_certificate));
    c.extra = cr.Extra();
    p->client_ssl = std::move(c);
  }
  return Status::Ok();
}

Status ReadMember(ObjectReader& r, LbPoolMember* m) {
  NSXV_TRY(r.String("name", &m->name));
  NSXV_TRY(r.String("ipAddress", &m->ip_address));
  NSXV_TRY(r.IntOrStr("port", &m->port));
  NSXV_TRY(r.OptIntOrStr("monitorPort", &m->monitor_port));  // null allowed, as 2016 sends it
  NSXV_TRY(r.String("condition", &m->condition));
  NSXV_TRY(r.Int("weight", &m->weight));
  NSXV_TRY(r.Int("minConn", &m->min_conn));
  return r.Int("maxConn", &m->max_conn);
}

Status ReadVirtualServer(ObjectReader& r, LbVirtualServer* vs) {
  NSXV_TRY(r.String("name", &vs->name));
  NSXV_TRY(r.String("ipAddress", &vs->ip_address));
  NSXV_TRY(r.IntOrStr("port", &vs->port));
  NSXV_TRY(r.String("protocol", &vs->protocol));
  NSXV_TRY(r.Bool("enabled", &vs->enabled));
  NSXV_TRY(r.Bool("accelerationEnabled", &vs->acceleration_enabled));
  NSXV_TRY(r.Int("connectionLimit", &vs->connection_limit));
  std::optional<bool> esi;
  NSXV_TRY(r.OptBool("enableServiceInsertion", &esi));
  vs->enable_service_insertion = esi.value_or(false);
  return Status::Ok();
}

// Decodes the array `key` of objects identified by `id_key` into `out`, in document order.
template <typename T>
Status ReadTable(ObjectReader& top, const char* key, const char* id_key,
                 const std::function<Status(ObjectReader&, T*)>& read,
                 std::vector<std::pair<std::string, Entry<T>>>* out) {
  return top.Objects(key, false, false,
                     [&](size_t, const json& v, const std::string& where) -> Status {
                       ObjectReader r(v, where);
                       NSXV_TRY(r.status());
                       std::string id;
                       NSXV_TRY(r.String(id_key, &id));
                       for (const auto& [seen, unused] : *out) {
                         if (seen == id) return r.Error(id_key, "duplicates \"" + id + "\"");
                       }
                       T value;
                       NSXV_TRY(read(r, &value));
                       value.extra = r.Extra();
                       out->push_back({id, Entry<T>{std::move(value)}});
                       return Status::Ok();
                     });
}

template <typename T>
Entry<T>* Lookup(std::vector<std::pair<std::string, Entry<T>>>& table, std::string_view id) {
  for (auto& [key, entry] : table) {
    if (key == id) return &entry;
  }
  return nullptr;
}

// A pool as read: the pool and the monitor ids it references.
struct RawPool {
  LbPool pool;
  std::vector<std::string> monitor_ids;
  std::string extra;  // mirrors pool.extra for ReadTable
};

}  // namespace

void LbPool::AddMember(LbPoolMember member) { AddOrReplace(members, std::move(member)); }
void LbPool::AddMonitor(LbMonitor monitor) { AddOrReplace(monitors, std::move(monitor)); }
void LbVirtualServer::AddAppRule(LbAppRule rule) { AddOrReplace(app_rules, std::move(rule)); }

void LbAppProfile::SetPersistence(bool persist, std::string method, std::string cookie_name,
                                  std::string cookie_mode, int64_t expire) {
  if (!persist) {
    persistence.reset();
    return;
  }
  LbPersistence p;
  p.method = std::move(method);
  p.expire = expire;
  // Fix: 2016 kept the cookie fields only when cookie_mode == 'cookie'; they belong to the
  // cookie *method* (§3.4).
  if (p.method == "cookie") {
    p.cookie_mode = std::move(cookie_mode);
    p.cookie_name = std::move(cookie_name);
  }
  persistence = std::move(p);
}

void LbAppProfile::SetClientSsl(std::string cert_id) {
  LbClientSsl c;
  c.service_certificate.push_back(std::move(cert_id));
  client_ssl = std::move(c);
}

void LoadBalancer::AddVirtualServer(LbVirtualServer vs) {
  AddOrReplace(virtual_servers, std::move(vs));
}

void LoadBalancer::RemoveVirtualServer(std::string_view name) {
  std::erase_if(virtual_servers, [&](const LbVirtualServer& vs) { return vs.name == name; });
}

LbVirtualServer* LoadBalancer::FindVirtualServer(std::string_view name) {
  for (LbVirtualServer& vs : virtual_servers) {
    if (vs.name == name) return &vs;
  }
  return nullptr;
}

Result<std::string> LoadBalancer::Serialize() const {
  Counters c;
  json servers = json::array();
  json profiles = json::array();
  json rules = json::array();
  json pools = json::array();
  json monitors = json::array();
  for (const LbVirtualServer& vs : virtual_servers) {
    json known = {{"name", vs.name},
                  {"ipAddress", vs.ip_address},
                  {"port", ToJson(vs.port)},
                  {"protocol", vs.protocol},
                  {"enabled", vs.enabled},
                  {"accelerationEnabled", vs.acceleration_enabled},
                  {"connectionLimit", vs.connection_limit},
                  {"enableServiceInsertion", vs.enable_service_insertion},
                  {"virtualServerId", Id("virtualServer", &c.vs)}};
    json profile = ProfileJson(vs.app_profile);
    profile["applicationProfileId"] = Id("applicationProfile", &c.profile);
    known["applicationProfileId"] = profile["applicationProfileId"];
    profiles.push_back(std::move(profile));
    if (!vs.app_rules.empty()) {
      json ids = json::array();
      for (const LbAppRule& rule : vs.app_rules) {
        json rj = RuleJson(rule);
        rj["applicationRuleId"] = Id("applicationRule", &c.rule);
        ids.push_back(rj["applicationRuleId"]);
        rules.push_back(std::move(rj));
      }
      known["applicationRuleId"] = std::move(ids);
    }
    NSXV_ASSIGN_OR_RETURN(known["defaultPoolId"], EmitPool(vs.default_pool, &c, &pools, &monitors));
    servers.push_back(WithExtra(vs.extra, std::move(known)));
  }
  // Objects no virtual server references: after the referenced ones, same counters.
  for (const LbAppProfile& p : unreferenced_profiles) {
    json pj = ProfileJson(p);
    pj["applicationProfileId"] = Id("applicationProfile", &c.profile);
    profiles.push_back(std::move(pj));
  }
  for (const LbAppRule& r : unreferenced_rules) {
    json rj = RuleJson(r);
    rj["applicationRuleId"] = Id("applicationRule", &c.rule);
    rules.push_back(std::move(rj));
  }
  for (const LbPool& p : unreferenced_pools) {
    NSXV_TRY(EmitPool(p, &c, &pools, &monitors).status());
  }
  for (const LbMonitor& m : unreferenced_monitors) {
    json mj = MonitorJson(m);
    mj["monitorId"] = Id("monitor", &c.monitor);
    monitors.push_back(std::move(mj));
  }
  json known = {{"enabled", enabled},
                {"enableServiceInsertion", enable_service_insertion},
                {"accelerationEnabled", acceleration_enabled},
                {"applicationProfile", std::move(profiles)},
                {"monitor", std::move(monitors)},
                {"pool", std::move(pools)},
                {"virtualServer", std::move(servers)},
                {"featureType", "loadbalancer_4.0"}};
  if (!rules.empty()) known["applicationRule"] = std::move(rules);
  return PyDumps(WithExtra(extra, std::move(known)));
}

Result<LoadBalancer> LoadBalancer::Parse(std::string_view body) {
  NSXV_ASSIGN_OR_RETURN(json doc, ParseJsonBody(body, "loadBalancer"));
  ObjectReader top(doc, "loadBalancer");
  NSXV_TRY(top.status());
  LoadBalancer lb;
  NSXV_TRY(top.Bool("enabled", &lb.enabled));
  NSXV_TRY(top.Bool("enableServiceInsertion", &lb.enable_service_insertion));
  NSXV_TRY(top.Bool("accelerationEnabled", &lb.acceleration_enabled));
  std::optional<std::string> feature_type;
  NSXV_TRY(top.OptString("featureType", &feature_type));  // always re-sent as loadbalancer_4.0

  std::vector<std::pair<std::string, Entry<LbMonitor>>> monitors;
  std::vector<std::pair<std::string, Entry<LbAppProfile>>> profiles;
  std::vector<std::pair<std::string, Entry<LbAppRule>>> rules;
  std::vector<std::pair<std::string, Entry<RawPool>>> pools;
  NSXV_TRY(ReadTable<LbMonitor>(top, "monitor", "monitorId", ReadMonitor, &monitors));
  NSXV_TRY(ReadTable<LbAppProfile>(top, "applicationProfile", "applicationProfileId", ReadProfile,
                                   &profiles));
  // Fix: an absent applicationRule array reads as empty (2016 raised KeyError).
  NSXV_TRY(ReadTable<LbAppRule>(
      top, "applicationRule", "applicationRuleId",
      [](ObjectReader& r, LbAppRule* rule) {
        NSXV_TRY(r.String("name", &rule->name));
        return r.String("script", &rule->script);
      },
      &rules));
  NSXV_TRY(ReadTable<RawPool>(
      top, "pool", "poolId",
      [](ObjectReader& r, RawPool* p) {
        NSXV_TRY(r.String("name", &p->pool.name));
        NSXV_TRY(r.String("algorithm", &p->pool.algorithm));
        NSXV_TRY(r.Bool("transparent", &p->pool.transparent));
        // Fix: monitorId must be a list, matched exactly (2016 used `in`, a substring test on
        // a string). Absent reads as no monitor.
        NSXV_TRY(r.StringList("monitorId", false, &p->monitor_ids));
        return r.Objects("member", false, false,
                         [&](size_t, const json& v, const std::string& where) -> Status {
                           ObjectReader mr(v, where);
                           NSXV_TRY(mr.status());
                           LbPoolMember m;
                           std::optional<std::string> member_id;  // renumbered
                           NSXV_TRY(mr.OptString("memberId", &member_id));
                           NSXV_TRY(ReadMember(mr, &m));
                           m.extra = mr.Extra();
                           p->pool.members.push_back(std::move(m));
                           return Status::Ok();
                         });
      },
      &pools));

  // Resolves a pool's monitors (exact id match) and returns the finished pool.
  auto finish_pool = [&](Entry<RawPool>& raw, const std::string& where) -> Result<LbPool> {
    LbPool pool = raw.value.pool;
    pool.extra = raw.value.extra;
    for (const std::string& mid : raw.value.monitor_ids) {
      Entry<LbMonitor>* m = Lookup(monitors, mid);
      if (m == nullptr) {
        return ProtocolError(where + ": monitorId \"" + mid + "\" names no monitor");
      }
      m->used = true;
      pool.monitors.push_back(m->value);
    }
    return pool;
  };

  NSXV_TRY(top.Objects(
      "virtualServer", true, false, [&](size_t, const json& v, const std::string& where) -> Status {
        ObjectReader r(v, where);
        NSXV_TRY(r.status());
        LbVirtualServer vs;
        std::optional<std::string> vs_id;
        NSXV_TRY(r.OptString("virtualServerId", &vs_id));
        NSXV_TRY(ReadVirtualServer(r, &vs));
        std::string profile_id;
        NSXV_TRY(r.String("applicationProfileId", &profile_id));
        Entry<LbAppProfile>* profile = Lookup(profiles, profile_id);
        if (profile == nullptr) return r.Error("applicationProfileId", "names no profile");
        profile->used = true;
        vs.app_profile = profile->value;
        std::vector<std::string> rule_ids;
        // Fix: absent applicationRuleId reads as no rules. Rules keep the VS's id order.
        NSXV_TRY(r.StringList("applicationRuleId", false, &rule_ids));
        for (const std::string& rid : rule_ids) {
          Entry<LbAppRule>* rule = Lookup(rules, rid);
          if (rule == nullptr) {
            return r.Error("applicationRuleId", "\"" + rid + "\" names no application rule");
          }
          rule->used = true;
          vs.app_rules.push_back(rule->value);
        }
        std::string pool_id;
        NSXV_TRY(r.String("defaultPoolId", &pool_id));
        Entry<RawPool>* pool = Lookup(pools, pool_id);
        if (pool == nullptr) return r.Error("defaultPoolId", "names no pool");
        pool->used = true;
        NSXV_ASSIGN_OR_RETURN(vs.default_pool, finish_pool(*pool, "loadBalancer.pool " + pool_id));
        vs.extra = r.Extra();
        lb.virtual_servers.push_back(std::move(vs));
        return Status::Ok();
      }));

  for (auto& [id, entry] : pools) {
    if (entry.used) continue;
    NSXV_ASSIGN_OR_RETURN(LbPool pool, finish_pool(entry, "loadBalancer.pool " + id));
    lb.unreferenced_pools.push_back(std::move(pool));
  }
  for (auto& [id, entry] : profiles) {
    if (!entry.used) lb.unreferenced_profiles.push_back(entry.value);
  }
  for (auto& [id, entry] : rules) {
    if (!entry.used) lb.unreferenced_rules.push_back(entry.value);
  }
  for (auto& [id, entry] : monitors) {
    if (!entry.used) lb.unreferenced_monitors.push_back(entry.value);
  }
  lb.extra = top.Extra();
  return lb;
}

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &len);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4U];
    out += kHex[digest[i] & 0xFU];
  }
  return out;
}

LoadBalancer MakeMetadataLoadBalancer(const MetadataLbSpec& spec) {
  std::string protocol = "HTTP";
  int64_t vip_port = spec.vip_port;
  bool ssl_passthrough = false;
  if (!spec.insecure) {
    protocol = "HTTPS";
    vip_port = spec.proxy_lb ? 8775 : 443;  // METADATA_HTTPS_VIP_PORT / METADATA_HTTPS_PORT
    ssl_passthrough = spec.proxy_lb;
  }
  LbVirtualServer vs;
  vs.name = "MdSrv";
  vs.ip_address = spec.vip;
  vs.port = vip_port;
  vs.protocol = protocol;
  if (!spec.proxy_lb) {
    vs.AddAppRule({"insert-mdp", "reqadd X-Metadata-Provider:" + spec.edge_id, ""});
    if (!spec.shared_secret.empty()) {
      vs.AddAppRule({"insert-auth",
                     "reqadd X-Metadata-Provider-Signature:" +
                         HmacSha256Hex(spec.shared_secret, spec.edge_id),
                     ""});
    }
  }
  LbAppProfile& profile = vs.app_profile;
  profile.name = "MDSrvProxy";
  profile.template_name = protocol;
  profile.server_ssl_enabled = !spec.insecure;
  profile.ssl_passthrough = ssl_passthrough;
  profile.insert_x_forwarded_for = !spec.proxy_lb;
  if (!spec.insecure && !spec.proxy_lb && !spec.certificate_id.empty()) {
    profile.SetClientSsl(spec.certificate_id);
  }
  LbPool& pool = vs.default_pool;
  pool.name = "MDSrvPool";
  LbMonitor monitor;
  monitor.name = "MDSrvMon";
  monitor.type = spec.proxy_lb ? (spec.insecure ? "http" : "https") : "tcp";
  pool.AddMonitor(std::move(monitor));
  int i = 0;
  for (const std::string& ip : spec.member_ips) {
    LbPoolMember m;
    m.name = "Member-" + std::to_string(++i);
    m.ip_address = ip;
    m.port = spec.member_port;
    m.monitor_port = IntOrString(spec.member_port);
    pool.AddMember(std::move(m));
  }
  LoadBalancer lb;
  lb.AddVirtualServer(std::move(vs));
  return lb;
}

}  // namespace nsxv::driver
