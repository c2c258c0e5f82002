// Port of the document builders of vmware_nsx/plugins/nsx_v/vshield/edge_appliance_driver.py
// and edge_firewall_driver.py, and of the response fields vcns.py callers read.
#include "driver/nsxv/documents.h"

#include <nlohmann/json.hpp>

namespace nsxv::driver {

using nlohmann::json;

namespace {

Status ProtocolError(std::string message) {
  return {StatusCode::kProtocolError, std::move(message)};
}

void PutOpt(json& out, const char* key, const std::optional<std::string>& v) {
  if (v) out[key] = *v;
}
void PutOpt(json& out, const char* key, const std::optional<bool>& v) {
  if (v) out[key] = *v;
}
void PutOpt(json& out, const char* key, const std::optional<int64_t>& v) {
  if (v) out[key] = *v;
}

json ToJson(const IntOrString& v) {
  if (v.is_number) {
    if (auto n = v.AsInt()) return *n;
  }
  return v.text;
}

void PutOpt(json& out, const char* key, const std::optional<IntOrString>& v) {
  if (v) out[key] = ToJson(*v);
}

// Decodes the whole body as one object with `fn`, then stores the leftovers in *extra.
template <typename T>
Result<T> DecodeDocument(std::string_view body, const char* doc,
                         const std::function<Status(ObjectReader&, T*)>& fn) {
  NSXV_ASSIGN_OR_RETURN(json v, ParseJsonBody(body, doc));
  ObjectReader r(v, doc);
  NSXV_TRY(r.status());
  T out;
  NSXV_TRY(fn(r, &out));
  if constexpr (requires { out.extra; }) out.extra = r.Extra();
  return out;
}

// Runs `fn` on a child reader for array element `v` and stores its leftovers in *extra.
Status DecodeElement(const json& v, const std::string& where, std::string* extra,
                     const std::function<Status(ObjectReader&)>& fn) {
  ObjectReader r(v, where);
  NSXV_TRY(r.status());
  NSXV_TRY(fn(r));
  *extra = r.Extra();
  return Status::Ok();
}

// ---- Vnic ----

Status ReadAddressGroup(ObjectReader& r, AddressGroup* g) {
  NSXV_TRY(r.String("primaryAddress", &g->primary_address));
  NSXV_TRY(r.OptString("subnetMask", &g->subnet_mask));
  NSXV_TRY(r.OptIntOrStr("subnetPrefixLength", &g->subnet_prefix_length));
  const json* sec = r.Raw("secondaryAddresses");
  if (sec != nullptr) {
    SecondaryAddresses s;
    NSXV_TRY(DecodeElement(*sec, r.Path("secondaryAddresses"), &s.extra,
                           [&](ObjectReader& sr) -> Status {
                             std::optional<std::string> type;
                             NSXV_TRY(sr.OptString("type", &type));
                             s.type = type.value_or("");
                             return sr.StringList("ipAddress", false, &s.ip_address);
                           }));
    g->secondary_addresses = std::move(s);
  }
  return Status::Ok();
}

json AddressGroupJson(const AddressGroup& g) {
  json known = {{"primaryAddress", g.primary_address}};
  PutOpt(known, "subnetMask", g.subnet_mask);
  PutOpt(known, "subnetPrefixLength", g.subnet_prefix_length);
  if (g.secondary_addresses) {
    const SecondaryAddresses& s = *g.secondary_addresses;
    json sec = {{"ipAddress", s.ip_address}};
    if (!s.type.empty()) sec["type"] = s.type;
    known["secondaryAddresses"] = WithExtra(s.extra, sec);
  }
  return WithExtra(g.extra, known);
}

Status ReadVnic(ObjectReader& r, Vnic* v) {
  NSXV_TRY(r.Int("index", &v->index));
  NSXV_TRY(r.OptString("name", &v->name));
  NSXV_TRY(r.OptString("label", &v->label));
  NSXV_TRY(r.OptString("type", &v->type));
  NSXV_TRY(r.OptString("portgroupId", &v->portgroup_id));
  NSXV_TRY(r.OptInt("mtu", &v->mtu));
  NSXV_TRY(r.OptBool("isConnected", &v->is_connected));
  NSXV_TRY(r.OptBool("enableProxyArp", &v->enable_proxy_arp));
  NSXV_TRY(r.OptBool("enableSendRedirects", &v->enable_send_redirects));
  NSXV_TRY(r.Objects(
      "addressGroups", false, true,
      [&](size_t, const json& e, const std::string& where) -> Status {
        AddressGroup g;
        NSXV_TRY(DecodeElement(e, where, &g.extra,
                               [&](ObjectReader& gr) { return ReadAddressGroup(gr, &g); }));
        v->address_groups.push_back(std::move(g));
        return Status::Ok();
      },
      &v->has_address_groups));
  // subInterfaces is left in `extra` verbatim: the driver never edits sub-interfaces of a vnic it
  // read (Vnic::sub_interfaces is only for documents it builds).
  return Status::Ok();
}

json VnicJson(const Vnic& v) {
  json known = {{"index", v.index}};
  PutOpt(known, "name", v.name);
  PutOpt(known, "label", v.label);
  PutOpt(known, "type", v.type);
  PutOpt(known, "portgroupId", v.portgroup_id);
  PutOpt(known, "mtu", v.mtu);
  PutOpt(known, "isConnected", v.is_connected);
  PutOpt(known, "enableProxyArp", v.enable_proxy_arp);
  PutOpt(known, "enableSendRedirects", v.enable_send_redirects);
  if (v.has_address_groups || !v.address_groups.empty()) {
    json groups = json::array();
    for (const AddressGroup& g : v.address_groups) groups.push_back(AddressGroupJson(g));
    known["addressGroups"] = {{"addressGroups", std::move(groups)}};
  }
  if (v.sub_interfaces) {
    json list = json::parse(*v.sub_interfaces, nullptr, false);
    if (!list.is_array()) list = json::array();
    known["subInterfaces"] = {{"subInterfaces", std::move(list)}};
  }
  return WithExtra(v.extra, known);
}

// ---- Static routing ----

Status ReadStaticRouting(ObjectReader& r, StaticRouting* out) {
  NSXV_TRY(r.Objects("staticRoutes", false, true,
                     [&](size_t, const json& e, const std::string& where) -> Status {
                       StaticRoute route;
                       NSXV_TRY(DecodeElement(e, where, &route.extra, [&](ObjectReader& rr) {
                         NSXV_TRY(rr.OptString("description", &route.description));
                         NSXV_TRY(rr.OptIntOrStr("vnic", &route.vnic));
                         NSXV_TRY(rr.String("network", &route.network));
                         NSXV_TRY(rr.String("nextHop", &route.next_hop));
                         return rr.OptInt("mtu", &route.mtu);
                       }));
                       out->static_routes.push_back(std::move(route));
                       return Status::Ok();
                     }));
  const json* def = r.Raw("defaultRoute");
  if (def != nullptr) {
    DefaultRoute d;
    NSXV_TRY(DecodeElement(*def, r.Path("defaultRoute"), &d.extra, [&](ObjectReader& dr) {
      NSXV_TRY(dr.String("gatewayAddress", &d.gateway_address));
      NSXV_TRY(dr.OptString("description", &d.description));
      NSXV_TRY(dr.OptIntOrStr("vnic", &d.vnic));
      return dr.OptInt("mtu", &d.mtu);
    }));
    out->default_route = std::move(d);
  }
  return Status::Ok();
}

// ---- Firewall ----

Status ReadEndpoint(const json& v, const std::string& where, std::optional<FirewallEndpoint>* out) {
  FirewallEndpoint e;
  NSXV_TRY(DecodeElement(v, where, &e.extra, [&](ObjectReader& r) {
    NSXV_TRY(r.StringList("ipAddress", false, &e.ip_address));
    return r.StringList("vnicGroupId", false, &e.vnic_group_id);
  }));
  *out = std::move(e);
  return Status::Ok();
}

json EndpointJson(const FirewallEndpoint& e) {
  json known = json::object();
  if (!e.ip_address.empty()) known["ipAddress"] = e.ip_address;
  if (!e.vnic_group_id.empty()) known["vnicGroupId"] = e.vnic_group_id;
  return WithExtra(e.extra, known);
}

Status ReadFirewallRule(ObjectReader& r, FirewallRule* rule) {
  NSXV_TRY(r.OptInt("ruleId", &rule->rule_id));
  NSXV_TRY(r.OptInt("ruleTag", &rule->rule_tag));
  NSXV_TRY(r.OptString("name", &rule->name));
  NSXV_TRY(r.OptString("description", &rule->description));
  NSXV_TRY(r.OptString("ruleType", &rule->rule_type));
  NSXV_TRY(r.String("action", &rule->action));
  std::optional<bool> enabled;
  NSXV_TRY(r.OptBool("enabled", &enabled));
  rule->enabled = enabled.value_or(true);
  if (const json* s = r.Raw("source")) {
    NSXV_TRY(ReadEndpoint(*s, r.Path("source"), &rule->source));
  }
  if (const json* d = r.Raw("destination")) {
    NSXV_TRY(ReadEndpoint(*d, r.Path("destination"), &rule->destination));
  }
  return r.Nested("application", false, [&](ObjectReader& ar) {
    return ar.Objects("service", false, false,
                      [&](size_t, const json& e, const std::string& where) -> Status {
                        FirewallService svc;
                        NSXV_TRY(DecodeElement(e, where, &svc.extra, [&](ObjectReader& sr) {
                          NSXV_TRY(sr.OptString("protocol", &svc.protocol));
                          NSXV_TRY(sr.IntList("port", false, &svc.port));
                          NSXV_TRY(sr.IntList("sourcePort", false, &svc.source_port));
                          return sr.OptString("icmpType", &svc.icmp_type);
                        }));
                        rule->services.push_back(std::move(svc));
                        return Status::Ok();
                      });
  });
}

json FirewallRuleJson(const FirewallRule& rule) {
  json known = {{"action", rule.action}, {"enabled", rule.enabled}};
  PutOpt(known, "ruleTag", rule.rule_tag);
  PutOpt(known, "name", rule.name);
  PutOpt(known, "description", rule.description);
  if (rule.source) known["source"] = EndpointJson(*rule.source);
  if (rule.destination) known["destination"] = EndpointJson(*rule.destination);
  if (!rule.services.empty()) {
    json services = json::array();
    for (const FirewallService& s : rule.services) {
      json svc = json::object();
      PutOpt(svc, "protocol", s.protocol);
      if (!s.port.empty()) svc["port"] = s.port;
      if (!s.source_port.empty()) svc["sourcePort"] = s.source_port;
      PutOpt(svc, "icmpType", s.icmp_type);
      services.push_back(WithExtra(s.extra, svc));
    }
    known["application"] = {{"service", std::move(services)}};
  }
  return WithExtra(rule.extra, known);
}

// ---- Edge ----

Status ReadEdge(ObjectReader& r, EdgeDocument* e) {
  NSXV_TRY(r.OptString("id", &e->id));
  NSXV_TRY(r.String("name", &e->name));
  NSXV_TRY(r.OptString("fqdn", &e->fqdn));
  NSXV_TRY(r.OptBool("enableAesni", &e->enable_aesni));
  NSXV_TRY(r.OptBool("enableFips", &e->enable_fips));
  NSXV_TRY(r.Nested(
      "featureConfigs", false,
      [&](ObjectReader& fr) {
        return fr.Objects("features", false, false,
                          [&](size_t, const json& v, const std::string& where) -> Status {
                            EdgeFeature f;
                            NSXV_TRY(DecodeElement(v, where, &f.extra, [&](ObjectReader& er) {
                              NSXV_TRY(er.String("featureType", &f.feature_type));
                              NSXV_TRY(er.OptBool("enabled", &f.enabled));
                              return er.Nested("globalConfig", false, [&](ObjectReader& gr) {
                                return gr.OptInt("tcpTimeoutEstablished",
                                                 &f.tcp_timeout_established);
                              });
                            }));
                            e->features.push_back(std::move(f));
                            return Status::Ok();
                          });
      },
      &e->has_features));
  NSXV_TRY(r.Nested(
      "cliSettings", false,
      [&](ObjectReader& cr) {
        NSXV_TRY(cr.OptBool("remoteAccess", &e->remote_access));
        NSXV_TRY(cr.OptString("userName", &e->cli_user_name));
        return cr.OptString("password", &e->cli_password);
      },
      &e->has_cli_settings));
  NSXV_TRY(r.Nested(
      "autoConfiguration", false,
      [&](ObjectReader& ar) {
        NSXV_TRY(ar.OptBool("enabled", &e->auto_configuration_enabled));
        return ar.OptString("rulePriority", &e->auto_configuration_rule_priority);
      },
      &e->has_auto_configuration));
  NSXV_TRY(r.Nested("appliances", false, [&](ObjectReader& ar) {
    NSXV_TRY(ar.OptString("applianceSize", &e->appliance_size));
    NSXV_TRY(ar.OptString("deploymentContainerId", &e->deployment_container_id));
    return ar.Objects(
        "appliances", false, false,
        [&](size_t, const json& v, const std::string& where) -> Status {
          EdgeAppliance a;
          NSXV_TRY(DecodeElement(v, where, &a.extra, [&](ObjectReader& pr) {
            NSXV_TRY(pr.OptString("resourcePoolId", &a.resource_pool_id));
            return pr.OptString("datastoreId", &a.datastore_id);
          }));
          e->appliances.push_back(std::move(a));
          return Status::Ok();
        },
        &e->has_appliance_list);
  }));
  NSXV_TRY(r.OptString("type", &e->type));
  NSXV_TRY(r.OptString("datacenterMoid", &e->datacenter_moid));
  return r.Objects(
      "vnics", false, true,
      [&](size_t, const json& v, const std::string& where) -> Status {
        Vnic vnic;
        NSXV_TRY(DecodeElement(v, where, &vnic.extra,
                               [&](ObjectReader& vr) { return ReadVnic(vr, &vnic); }));
        e->vnics.push_back(std::move(vnic));
        return Status::Ok();
      },
      &e->has_vnics);
}

}  // namespace

// ---- public: vnic ----

Vnic MakeVnic(int64_t index, std::string portgroup_id, std::string primary_address,
              std::string subnet_mask, std::string prefix_length,
              std::vector<std::string> secondary) {
  Vnic v;
  v.index = index;
  v.name = index == 0 ? "external" : "internal" + std::to_string(index);
  v.type = index == 0 ? "uplink" : "internal";
  v.portgroup_id = std::move(portgroup_id);
  v.mtu = 1500;
  v.enable_proxy_arp = false;
  v.enable_send_redirects = true;
  v.is_connected = true;
  AddressGroup g;
  g.primary_address = std::move(primary_address);
  g.subnet_mask = std::move(subnet_mask);
  if (!prefix_length.empty())
    g.subnet_prefix_length = IntOrString::String(std::move(prefix_length));
  if (!secondary.empty()) {
    SecondaryAddresses s;
    s.ip_address = std::move(secondary);
    g.secondary_addresses = std::move(s);
  }
  v.address_groups.push_back(std::move(g));
  v.has_address_groups = true;
  return v;
}

Result<Vnic> DecodeVnic(std::string_view body) {
  return DecodeDocument<Vnic>(body, "vnic",
                              [](ObjectReader& r, Vnic* v) { return ReadVnic(r, v); });
}

std::string EncodeVnic(const Vnic& vnic) { return Dump(VnicJson(vnic)); }

// ---- public: static routing ----

Result<StaticRouting> DecodeStaticRouting(std::string_view body) {
  return DecodeDocument<StaticRouting>(body, "staticRouting", ReadStaticRouting);
}

std::string EncodeStaticRouting(const StaticRouting& routing) {
  json routes = json::array();
  for (const StaticRoute& r : routing.static_routes) {
    json known = {{"network", r.network}, {"nextHop", r.next_hop}};
    PutOpt(known, "description", r.description);
    PutOpt(known, "vnic", r.vnic);
    PutOpt(known, "mtu", r.mtu);
    routes.push_back(WithExtra(r.extra, known));
  }
  json known = {{"staticRoutes", {{"staticRoutes", std::move(routes)}}}};
  if (routing.default_route) {
    const DefaultRoute& d = *routing.default_route;
    json def = {{"gatewayAddress", d.gateway_address}};
    PutOpt(def, "description", d.description);
    PutOpt(def, "vnic", d.vnic);
    PutOpt(def, "mtu", d.mtu);
    known["defaultRoute"] = WithExtra(d.extra, def);
  }
  json out = WithExtra(routing.extra, known);
  if (!routing.default_route) out.erase("defaultRoute");
  return Dump(out);
}

// ---- public: firewall ----

Result<FirewallConfig> DecodeFirewallConfig(std::string_view body) {
  return DecodeDocument<FirewallConfig>(body, "firewall", [](ObjectReader& r, FirewallConfig* c) {
    NSXV_TRY(r.OptString("featureType", &c->feature_type));
    c->tcp_timeout_established.reset();
    NSXV_TRY(r.Nested("globalConfig", false, [&](ObjectReader& gr) {
      return gr.OptInt("tcpTimeoutEstablished", &c->tcp_timeout_established);
    }));
    // The 2016 _create_rule_id_mapping reads firewallRules.firewallRules unconditionally.
    return r.Objects("firewallRules", true, true,
                     [&](size_t, const json& v, const std::string& where) -> Status {
                       FirewallRule rule;
                       NSXV_TRY(DecodeElement(v, where, &rule.extra, [&](ObjectReader& rr) {
                         return ReadFirewallRule(rr, &rule);
                       }));
                       c->rules.push_back(std::move(rule));
                       return Status::Ok();
                     });
  });
}

std::string EncodeFirewallConfig(const FirewallConfig& config) {
  json rules = json::array();
  for (const FirewallRule& rule : config.rules) rules.push_back(FirewallRuleJson(rule));
  json known = {{"firewallRules", {{"firewallRules", std::move(rules)}}}};
  PutOpt(known, "featureType", config.feature_type);
  if (config.tcp_timeout_established) {
    known["globalConfig"] = {{"tcpTimeoutEstablished", *config.tcp_timeout_established}};
  }
  return Dump(WithExtra(config.extra, known));
}

// ---- public: edge ----

EdgeDocument MakeEdgeDocument(const EdgeSpec& spec) {
  EdgeDocument e;
  e.name = spec.name;
  e.enable_aesni = true;
  e.enable_fips = false;
  e.has_features = true;
  EdgeFeature fw;
  fw.feature_type = "firewall_4.0";
  fw.tcp_timeout_established = 7200;
  e.features.push_back(fw);
  if (spec.edge_ha) {
    EdgeFeature ha;
    ha.feature_type = "highavailability_4.0";
    ha.enabled = true;
    e.features.push_back(ha);
  }
  if (spec.loadbalancer_enable) {
    EdgeFeature lb;
    lb.feature_type = "loadbalancer_4.0";
    lb.enabled = true;
    e.features.push_back(lb);
  }
  e.has_cli_settings = true;
  e.remote_access = false;
  if (spec.appliance_user && spec.appliance_password) {
    e.cli_user_name = spec.appliance_user;
    e.cli_password = spec.appliance_password;
  }
  e.has_auto_configuration = true;
  e.auto_configuration_enabled = false;
  e.auto_configuration_rule_priority = "high";
  e.appliance_size = spec.appliance_size;
  e.deployment_container_id = spec.deployment_container_id;
  if (spec.datastore_id) {
    e.has_appliance_list = true;
    EdgeAppliance a;
    a.resource_pool_id = spec.resource_pool_id;
    a.datastore_id = spec.datastore_id;
    e.appliances.push_back(a);
    if (spec.edge_ha && spec.ha_datastore_id) {
      a.datastore_id = spec.ha_datastore_id;
      e.appliances.push_back(a);
    }
  }
  e.datacenter_moid = spec.datacenter_moid;
  e.type = "gatewayServices";
  Vnic ext;
  ext.index = 0;
  ext.name = "external";
  ext.type = "uplink";
  ext.portgroup_id = spec.external_portgroup;
  ext.mtu = 1500;
  ext.enable_proxy_arp = false;
  ext.enable_send_redirects = true;
  ext.is_connected = true;
  ext.sub_interfaces = "[]";  // no address: _assemble_edge_vnic sends empty subInterfaces
  e.vnics.push_back(ext);
  e.has_vnics = true;
  return e;
}

Result<EdgeDocument> DecodeEdge(std::string_view body) {
  return DecodeDocument<EdgeDocument>(body, "edge", ReadEdge);
}

std::string EncodeEdge(const EdgeDocument& e) {
  json known = {{"name", e.name}, {"fqdn", e.fqdn ? json(*e.fqdn) : json(nullptr)}};
  PutOpt(known, "id", e.id);
  PutOpt(known, "enableAesni", e.enable_aesni);
  PutOpt(known, "enableFips", e.enable_fips);
  if (e.has_features || !e.features.empty()) {
    json features = json::array();
    for (const EdgeFeature& f : e.features) {
      json fj = {{"featureType", f.feature_type}};
      PutOpt(fj, "enabled", f.enabled);
      if (f.tcp_timeout_established) {
        fj["globalConfig"] = {{"tcpTimeoutEstablished", *f.tcp_timeout_established}};
      }
      features.push_back(WithExtra(f.extra, fj));
    }
    known["featureConfigs"] = {{"features", std::move(features)}};
  }
  if (e.has_cli_settings || e.remote_access || e.cli_user_name || e.cli_password) {
    json cli = json::object();
    PutOpt(cli, "remoteAccess", e.remote_access);
    PutOpt(cli, "userName", e.cli_user_name);
    PutOpt(cli, "password", e.cli_password);
    known["cliSettings"] = std::move(cli);
  }
  if (e.has_auto_configuration || e.auto_configuration_enabled ||
      e.auto_configuration_rule_priority) {
    json ac = json::object();
    PutOpt(ac, "enabled", e.auto_configuration_enabled);
    PutOpt(ac, "rulePriority", e.auto_configuration_rule_priority);
    known["autoConfiguration"] = std::move(ac);
  }
  if (e.appliance_size || e.deployment_container_id || e.has_appliance_list ||
      !e.appliances.empty()) {
    json ap = json::object();
    PutOpt(ap, "applianceSize", e.appliance_size);
    PutOpt(ap, "deploymentContainerId", e.deployment_container_id);
    if (e.has_appliance_list || !e.appliances.empty()) {
      json list = json::array();
      for (const EdgeAppliance& a : e.appliances) {
        json aj = json::object();
        PutOpt(aj, "resourcePoolId", a.resource_pool_id);
        PutOpt(aj, "datastoreId", a.datastore_id);
        list.push_back(WithExtra(a.extra, aj));
      }
      ap["appliances"] = std::move(list);
    }
    known["appliances"] = std::move(ap);
  }
  PutOpt(known, "type", e.type);
  PutOpt(known, "datacenterMoid", e.datacenter_moid);
  if (e.has_vnics || !e.vnics.empty()) {
    json vnics = json::array();
    for (const Vnic& v : e.vnics) vnics.push_back(VnicJson(v));
    known["vnics"] = {{"vnics", std::move(vnics)}};
  }
  return Dump(WithExtra(e.extra, known));
}

// ---- public: list, status, jobs ----

Result<EdgePage> DecodeEdgePage(std::string_view body) {
  return DecodeDocument<EdgePage>(body, "edgeList", [](ObjectReader& r, EdgePage* page) {
    return r.Nested("edgePage", true, [&](ObjectReader& pr) {
      NSXV_TRY(pr.Objects("data", true, false,
                          [&](size_t, const json& v, const std::string& where) -> Status {
                            EdgeSummary s;
                            NSXV_TRY(DecodeElement(v, where, &s.extra, [&](ObjectReader& sr) {
                              NSXV_TRY(sr.String("id", &s.id));
                              NSXV_TRY(sr.OptString("name", &s.name));
                              NSXV_TRY(sr.OptString("edgeStatus", &s.edge_status));
                              NSXV_TRY(sr.OptString("edgeType", &s.edge_type));
                              return sr.Nested("appliancesSummary", false, [&](ObjectReader& ar) {
                                return ar.OptString("applianceSize", &s.appliance_size);
                              });
                            }));
                            page->data.push_back(std::move(s));
                            return Status::Ok();
                          }));
      return pr.Nested("pagingInfo", false, [&](ObjectReader& ir) {
        PagingInfo p;
        NSXV_TRY(ir.Int("pageSize", &p.page_size));
        NSXV_TRY(ir.Int("startIndex", &p.start_index));
        NSXV_TRY(ir.Int("totalCount", &p.total_count));
        page->paging = p;
        return Status::Ok();
      });
    });
  });
}

Result<EdgeStatus> DecodeEdgeStatus(std::string_view body) {
  return DecodeDocument<EdgeStatus>(body, "edgeStatus", [](ObjectReader& r, EdgeStatus* s) {
    return r.String("edgeStatus", &s->edge_status);
  });
}

Result<std::vector<EdgeJob>> DecodeEdgeJobs(std::string_view body) {
  NSXV_ASSIGN_OR_RETURN(json v, ParseJsonBody(body, "edgeJobs"));
  ObjectReader r(v, "edgeJobs");
  NSXV_TRY(r.status());
  std::vector<EdgeJob> jobs;
  NSXV_TRY(r.Objects("edgeJob", true, false,
                     [&](size_t, const json& e, const std::string& where) -> Status {
                       EdgeJob job;
                       NSXV_TRY(DecodeElement(e, where, &job.extra, [&](ObjectReader& jr) {
                         NSXV_TRY(jr.OptString("jobId", &job.job_id));
                         return jr.OptString("status", &job.status);
                       }));
                       jobs.push_back(std::move(job));
                       return Status::Ok();
                     }));
  return jobs;
}

// ---- public: truststore ----

std::string EncodeCsrXml(const CsrSpec& spec) {
  std::string out = "<csr><subject>";
  for (const auto& [key, value] : spec.subject) {
    out += "<attribute><key>" + XmlEscape(key) + "</key><value>" + XmlEscape(value) +
           "</value></attribute>";
  }
  out += "</subject><algorithm>" + XmlEscape(spec.algorithm) + "</algorithm><keySize>" +
         std::to_string(spec.key_size) + "</keySize></csr>";
  return out;
}

Result<std::string> DecodeSelfSignedCertificateId(std::string_view body) {
  NSXV_ASSIGN_OR_RETURN(json v, ParseJsonBody(body, "certificate"));
  ObjectReader r(v, "certificate");
  std::string id;
  NSXV_TRY(r.String("objectId", &id));
  if (id.empty()) return ProtocolError("certificate: field \"objectId\" is empty");
  return id;
}

Result<std::string> DecodeUploadedCertificateId(std::string_view body) {
  NSXV_ASSIGN_OR_RETURN(json v, ParseJsonBody(body, "certificates"));
  ObjectReader r(v, "certificates");
  std::string id;
  bool seen = false;
  NSXV_TRY(r.Objects("certificates", true, false,
                     [&](size_t i, const json& e, const std::string& where) -> Status {
                       if (i > 0) return Status::Ok();
                       seen = true;
                       ObjectReader cr(e, where);
                       return cr.String("objectId", &id);
                     }));
  if (!seen) return ProtocolError("certificates: field \"certificates\" is empty");
  if (id.empty()) return ProtocolError("certificates: field \"certificates[0].objectId\" is empty");
  return id;
}

std::string EncodeCertificateUpload(std::string_view pem_encoding, std::string_view private_key) {
  return Dump(json{{"pemEncoding", pem_encoding}, {"privateKey", private_key}});
}

// ---- public: virtual wire ----

std::string EncodeVirtualWireXml(const VirtualWireSpec& spec) {
  std::string out = "<virtualWireCreateSpec><name>" + XmlEscape(spec.name) + "</name>";
  if (spec.description) out += "<description>" + XmlEscape(*spec.description) + "</description>";
  out += "<tenantId>" + XmlEscape(spec.tenant_id) + "</tenantId></virtualWireCreateSpec>";
  return out;
}

}  // namespace nsxv::driver
