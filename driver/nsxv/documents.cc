// Port of the document builders of vmware_nsx/plugins/nsx_v/vshield/edge_appliance_driver.py
// and edge_firewall_driver.py, and of the response fields vcns.py callers read.
#include "driver/nsxv/documents.h"

#include <nlohmann/json.hpp>

#include "driver/nsxv/documents_internal.h"

namespace nsxv::driver {

using nlohmann::json;

namespace {

Status ProtocolError(std::string message) {
  return {StatusCode::kProtocolError, std::move(message)};
}

}  // namespace

namespace internal {

Status DecodeBody(std::string_view body, const char* doc,
                  const std::function<Status(ObjectReader&)>& fn, std::string* extra) {
  NSXV_ASSIGN_OR_RETURN(json v, ParseJsonBody(body, doc));
  ObjectReader r(v, doc);
  NSXV_TRY(r.status());
  NSXV_TRY(fn(r));
  *extra = r.Extra();
  return Status::Ok();
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
    known["secondaryAddresses"] = WithExtra(s.extra, std::move(sec));
  }
  return WithExtra(g.extra, std::move(known));
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
  return WithExtra(v.extra, std::move(known));
}

}  // namespace internal

namespace {

using internal::DecodeDocument;
using internal::DecodeElement;
using internal::PutOpt;
using internal::ReadVnic;
using internal::VnicJson;

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
  return WithExtra(e.extra, std::move(known));
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
      services.push_back(WithExtra(s.extra, std::move(svc)));
    }
    known["application"] = {{"service", std::move(services)}};
  }
  return WithExtra(rule.extra, std::move(known));
}

}  // namespace

// ---- public: vnic ----

Vnic MakeVnic(int64_t index, std::string portgroup_id, std::vector<AddressGroup> address_groups) {
  Vnic v;
  v.index = index;
  v.name = index == 0 ? "external" : "internal" + std::to_string(index);
  v.type = index == 0 ? "uplink" : "internal";
  v.portgroup_id = std::move(portgroup_id);
  v.mtu = 1500;
  v.enable_proxy_arp = false;
  v.enable_send_redirects = true;
  v.is_connected = true;
  v.address_groups = std::move(address_groups);
  v.has_address_groups = true;
  return v;
}

Vnic MakeVnic(int64_t index, std::string portgroup_id, std::string primary_address,
              std::string subnet_mask, std::string prefix_length,
              std::vector<std::string> secondary) {
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
  return MakeVnic(index, std::move(portgroup_id), std::vector<AddressGroup>{std::move(g)});
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
    routes.push_back(WithExtra(r.extra, std::move(known)));
  }
  json known = {{"staticRoutes", {{"staticRoutes", std::move(routes)}}}};
  if (routing.default_route) {
    const DefaultRoute& d = *routing.default_route;
    json def = {{"gatewayAddress", d.gateway_address}};
    PutOpt(def, "description", d.description);
    PutOpt(def, "vnic", d.vnic);
    PutOpt(def, "mtu", d.mtu);
    known["defaultRoute"] = WithExtra(d.extra, std::move(def));
  }
  json out = WithExtra(routing.extra, std::move(known));
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
  return Dump(WithExtra(config.extra, std::move(known)));
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

Result<std::vector<std::string>> DecodeCertificateIds(std::string_view body) {
  NSXV_ASSIGN_OR_RETURN(json v, ParseJsonBody(body, "certificates"));
  ObjectReader r(v, "certificates");
  std::vector<std::string> ids;
  NSXV_TRY(r.Objects("certificates", false, false,
                     [&](size_t, const json& e, const std::string& where) -> Status {
                       ObjectReader cr(e, where);
                       std::string id;
                       NSXV_TRY(cr.String("objectId", &id));
                       if (!id.empty()) ids.push_back(std::move(id));
                       return Status::Ok();
                     }));
  return ids;
}

Result<std::vector<CertificateSummary>> DecodeCertificates(std::string_view body) {
  NSXV_ASSIGN_OR_RETURN(json v, ParseJsonBody(body, "certificates"));
  ObjectReader r(v, "certificates");
  std::vector<CertificateSummary> out;
  NSXV_TRY(r.Objects("certificates", false, false,
                     [&](size_t, const json& e, const std::string& where) -> Status {
                       ObjectReader cr(e, where);
                       CertificateSummary c;
                       NSXV_TRY(cr.String("objectId", &c.id));
                       NSXV_TRY(cr.Nested("x509Certificate", false, [&](ObjectReader& x) {
                         std::optional<std::string> cn;
                         NSXV_TRY(x.OptString("subjectCn", &cn));
                         c.subject_cn = cn.value_or("");
                         return Status::Ok();
                       }));
                       if (!c.id.empty()) out.push_back(std::move(c));
                       return Status::Ok();
                     }));
  return out;
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
