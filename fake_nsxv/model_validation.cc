// Document validators and normalizers of the fake NSX-v model (API reference §1, §3, §7).
// Pure functions on JSON values; no state, no locks.
#include <algorithm>
#include <set>
#include <utility>

#include "fake_nsxv/model_internal.h"
#include "fake_nsxv/nsx_error.h"

namespace nsxv::fake {

using nlohmann::json;

namespace {

enum class Type { kString, kBool, kInt, kObject, kArray, kIntOrString };

std::string_view TypeName(Type type) {
  switch (type) {
    case Type::kString:
      return "a string";
    case Type::kBool:
      return "a boolean";
    case Type::kInt:
      return "an integer";
    case Type::kObject:
      return "an object";
    case Type::kArray:
      return "an array";
    case Type::kIntOrString:
      return "an integer or a string";
  }
  return "?";
}

bool HasType(const json& v, Type type) {
  switch (type) {
    case Type::kString:
      return v.is_string();
    case Type::kBool:
      return v.is_boolean();
    case Type::kInt:
      return v.is_number_integer();
    case Type::kObject:
      return v.is_object();
    case Type::kArray:
      return v.is_array();
    case Type::kIntOrString:
      return v.is_number_integer() || v.is_string();
  }
  return false;
}

std::string Path(std::string_view where, std::string_view key) {
  std::string out(where);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

// The field `key` of object `obj`: nullptr when absent or null and optional; an error when
// required and absent or null, or present with the wrong type.
Result<const json*> Field(const json& obj, std::string_view key, Type type, bool required,
                          std::string_view where) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) return BadRequest(nsx_code::kMissingField, Path(where, key) + " is required");
    return static_cast<const json*>(nullptr);
  }
  if (!HasType(*it, type)) {
    return BadRequest(nsx_code::kInvalidRequestBody,
                      Path(where, key) + " must be " + std::string(TypeName(type)));
  }
  return &*it;
}

Status Optional(const json& obj, std::string_view key, Type type, std::string_view where) {
  return Field(obj, key, type, false, where).status();
}

Status OptionalAll(const json& obj, std::initializer_list<std::string_view> keys, Type type,
                   std::string_view where) {
  for (const std::string_view key : keys) NSXV_RETURN_IF_ERROR(Optional(obj, key, type, where));
  return Status::Ok();
}

Status ExpectObject(const json& v, std::string_view where) {
  if (v.is_object()) return Status::Ok();
  return BadRequest(nsx_code::kInvalidRequestBody, std::string(where) + " must be an object");
}

// The array `outer.inner` of a double-wrapped list ({"x":{"x":[...]}}), or nullptr if absent.
Result<const json*> WrappedList(const json& obj, std::string_view key, std::string_view where) {
  NSXV_ASSIGN_OR_RETURN(const json* outer, Field(obj, key, Type::kObject, false, where));
  if (outer == nullptr) return static_cast<const json*>(nullptr);
  return Field(*outer, key, Type::kArray, false, Path(where, key));
}

std::string Indexed(std::string_view where, size_t i) {
  return std::string(where) + "[" + std::to_string(i) + "]";
}

Status OneOf(const json* v, std::initializer_list<std::string_view> allowed,
             std::string_view what) {
  if (v == nullptr) return Status::Ok();
  const std::string s = v->get<std::string>();
  for (const std::string_view a : allowed) {
    if (s == a) return Status::Ok();
  }
  return BadRequest(nsx_code::kInvalidValue, std::string(what) + ": invalid value '" + s + "'");
}

Status CheckAddressGroup(const json& group, std::string_view where) {
  NSXV_RETURN_IF_ERROR(ExpectObject(group, where));
  NSXV_RETURN_IF_ERROR(Field(group, "primaryAddress", Type::kString, true, where).status());
  NSXV_RETURN_IF_ERROR(Optional(group, "subnetMask", Type::kString, where));
  NSXV_RETURN_IF_ERROR(Optional(group, "subnetPrefixLength", Type::kIntOrString, where));
  NSXV_ASSIGN_OR_RETURN(const json* secondary,
                        Field(group, "secondaryAddresses", Type::kObject, false, where));
  if (secondary != nullptr) {
    const std::string sw = Path(where, "secondaryAddresses");
    NSXV_RETURN_IF_ERROR(Optional(*secondary, "type", Type::kString, sw));
    NSXV_ASSIGN_OR_RETURN(const json* ips, Field(*secondary, "ipAddress", Type::kArray, false, sw));
    if (ips != nullptr) {
      for (size_t i = 0; i < ips->size(); ++i) {
        if (!(*ips)[i].is_string()) {
          return BadRequest(nsx_code::kInvalidRequestBody,
                            Indexed(Path(sw, "ipAddress"), i) + " must be a string");
        }
      }
    }
  }
  return Status::Ok();
}

// Ids of one LB object kind: the optional `id_key` of each entry, unique.
Result<std::set<std::string>> CollectIds(const json* list, std::string_view id_key,
                                         std::string_view where) {
  std::set<std::string> ids;
  if (list == nullptr) return ids;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string w = Indexed(where, i);
    NSXV_RETURN_IF_ERROR(ExpectObject((*list)[i], w));
    NSXV_ASSIGN_OR_RETURN(const json* id, Field((*list)[i], id_key, Type::kString, false, w));
    if (id != nullptr && !ids.insert(id->get<std::string>()).second) {
      return BadRequest(nsx_code::kInvalidValue,
                        Path(w, id_key) + ": duplicate id '" + id->get<std::string>() + "'");
    }
  }
  return ids;
}

// Every entry of the optional string array `key` must name an id in `known`.
Status CheckRefList(const json& obj, std::string_view key, const std::set<std::string>& known,
                    std::string_view where) {
  NSXV_ASSIGN_OR_RETURN(const json* refs, Field(obj, key, Type::kArray, false, where));
  if (refs == nullptr) return Status::Ok();
  for (size_t i = 0; i < refs->size(); ++i) {
    const json& r = (*refs)[i];
    if (!r.is_string()) {
      return BadRequest(nsx_code::kInvalidRequestBody,
                        Indexed(Path(where, key), i) + " must be a string");
    }
    if (known.count(r.get<std::string>()) == 0) {
      return BadRequest(nsx_code::kLbReferenceNotFound,
                        Path(where, key) + ": '" + r.get<std::string>() + "' does not exist");
    }
  }
  return Status::Ok();
}

Status CheckRef(const json& obj, std::string_view key, bool required,
                const std::set<std::string>& known, std::string_view where) {
  NSXV_ASSIGN_OR_RETURN(const json* ref, Field(obj, key, Type::kString, required, where));
  if (ref != nullptr && known.count(ref->get<std::string>()) == 0) {
    return BadRequest(nsx_code::kLbReferenceNotFound,
                      Path(where, key) + ": '" + ref->get<std::string>() + "' does not exist");
  }
  return Status::Ok();
}

}  // namespace

Result<int> ParseVnicIndex(std::string_view text) {
  if (text.size() == 1 && text[0] >= '0' && text[0] <= '9') return text[0] - '0';
  return BadRequest(nsx_code::kInvalidValue,
                    "vnic index '" + std::string(text) + "' is not an integer from 0 to 9");
}

Status CheckVnic(const json& vnic, std::optional<int> uri_index, std::string_view where) {
  NSXV_RETURN_IF_ERROR(ExpectObject(vnic, where));
  NSXV_ASSIGN_OR_RETURN(const json* index, Field(vnic, "index", Type::kInt, false, where));
  if (index != nullptr) {
    const int64_t i = index->get<int64_t>();
    if (i < 0 || i >= kVnicCount) {
      return BadRequest(nsx_code::kInvalidValue,
                        Path(where, "index") + ": " + std::to_string(i) + " is not in 0-9");
    }
    if (uri_index.has_value() && i != *uri_index) {
      return BadRequest(nsx_code::kInvalidValue, Path(where, "index") + ": " + std::to_string(i) +
                                                     " does not match the URI index " +
                                                     std::to_string(*uri_index));
    }
  }
  NSXV_RETURN_IF_ERROR(OptionalAll(vnic, {"name", "label", "type", "portgroupId", "portgroupName"},
                                   Type::kString, where));
  NSXV_RETURN_IF_ERROR(Optional(vnic, "mtu", Type::kInt, where));
  NSXV_RETURN_IF_ERROR(
      OptionalAll(vnic, {"enableProxyArp", "enableSendRedirects"}, Type::kBool, where));
  NSXV_RETURN_IF_ERROR(OneOf(Field(vnic, "type", Type::kString, false, where).value(),
                             {"uplink", "internal", "trunk"}, Path(where, "type")));
  NSXV_ASSIGN_OR_RETURN(const json* connected,
                        Field(vnic, "isConnected", Type::kBool, false, where));
  if (connected != nullptr && connected->get<bool>()) {
    const auto pg = vnic.find("portgroupId");
    if (pg == vnic.end() || !pg->is_string() || pg->get<std::string>().empty()) {
      return BadRequest(nsx_code::kMissingField,
                        Path(where, "portgroupId") + " is required when isConnected is true");
    }
  }
  NSXV_ASSIGN_OR_RETURN(const json* groups, WrappedList(vnic, "addressGroups", where));
  if (groups != nullptr) {
    for (size_t i = 0; i < groups->size(); ++i) {
      NSXV_RETURN_IF_ERROR(
          CheckAddressGroup((*groups)[i], Indexed(Path(where, "addressGroups.addressGroups"), i)));
    }
  }
  NSXV_ASSIGN_OR_RETURN(const json* subs, WrappedList(vnic, "subInterfaces", where));
  if (subs != nullptr) {
    for (size_t i = 0; i < subs->size(); ++i) {
      NSXV_RETURN_IF_ERROR(
          ExpectObject((*subs)[i], Indexed(Path(where, "subInterfaces.subInterfaces"), i)));
    }
  }
  return Status::Ok();
}

Status CheckEdgeDocument(const json& body) {
  const std::string_view w = "edge";
  NSXV_RETURN_IF_ERROR(ExpectObject(body, w));
  NSXV_ASSIGN_OR_RETURN(const json* name, Field(body, "name", Type::kString, true, w));
  if (name->get<std::string>().empty()) {
    return BadRequest(nsx_code::kMissingField, "edge.name must not be empty");
  }
  NSXV_RETURN_IF_ERROR(OptionalAll(
      body, {"id", "fqdn", "description", "datacenterMoid", "tenant", "type"}, Type::kString, w));
  NSXV_RETURN_IF_ERROR(OneOf(Field(body, "type", Type::kString, false, w).value(),
                             {"gatewayServices", "distributedRouter"}, "edge.type"));
  NSXV_RETURN_IF_ERROR(OptionalAll(body, {"enableAesni", "enableFips"}, Type::kBool, w));
  NSXV_RETURN_IF_ERROR(OptionalAll(body, {"cliSettings", "autoConfiguration"}, Type::kObject, w));
  NSXV_ASSIGN_OR_RETURN(const json* appliances, Field(body, "appliances", Type::kObject, false, w));
  if (appliances != nullptr) {
    const std::string aw = "edge.appliances";
    NSXV_ASSIGN_OR_RETURN(const json* size,
                          Field(*appliances, "applianceSize", Type::kString, false, aw));
    NSXV_RETURN_IF_ERROR(
        OneOf(size, {"compact", "large", "xlarge", "quadlarge"}, aw + ".applianceSize"));
    NSXV_RETURN_IF_ERROR(Optional(*appliances, "deploymentContainerId", Type::kString, aw));
    NSXV_ASSIGN_OR_RETURN(const json* list,
                          Field(*appliances, "appliances", Type::kArray, false, aw));
    if (list != nullptr) {
      for (size_t i = 0; i < list->size(); ++i) {
        NSXV_RETURN_IF_ERROR(ExpectObject((*list)[i], Indexed(aw + ".appliances", i)));
      }
    }
  }
  NSXV_ASSIGN_OR_RETURN(const json* fc, Field(body, "featureConfigs", Type::kObject, false, w));
  if (fc != nullptr) {
    NSXV_ASSIGN_OR_RETURN(const json* list,
                          Field(*fc, "features", Type::kArray, false, "edge.featureConfigs"));
    if (list != nullptr) {
      for (size_t i = 0; i < list->size(); ++i) {
        const std::string fw = Indexed("edge.featureConfigs.features", i);
        NSXV_RETURN_IF_ERROR(ExpectObject((*list)[i], fw));
        NSXV_RETURN_IF_ERROR(Field((*list)[i], "featureType", Type::kString, true, fw).status());
      }
    }
  }
  NSXV_ASSIGN_OR_RETURN(const json* vnics, WrappedList(body, "vnics", w));
  if (vnics != nullptr) {
    std::set<int64_t> seen;
    for (size_t i = 0; i < vnics->size(); ++i) {
      const std::string vw = Indexed("edge.vnics.vnics", i);
      NSXV_RETURN_IF_ERROR(CheckVnic((*vnics)[i], std::nullopt, vw));
      NSXV_ASSIGN_OR_RETURN(const json* index, Field((*vnics)[i], "index", Type::kInt, true, vw));
      if (!seen.insert(index->get<int64_t>()).second) {
        return BadRequest(nsx_code::kInvalidValue, vw + ".index: duplicate vnic index");
      }
    }
  }
  return Status::Ok();
}

Status CheckStaticRouting(const json& body) {
  const std::string_view w = "staticRouting";
  NSXV_RETURN_IF_ERROR(ExpectObject(body, w));
  NSXV_RETURN_IF_ERROR(Optional(body, "featureType", Type::kString, w));
  NSXV_ASSIGN_OR_RETURN(const json* routes, WrappedList(body, "staticRoutes", w));
  if (routes != nullptr) {
    for (size_t i = 0; i < routes->size(); ++i) {
      const std::string rw = Indexed("staticRouting.staticRoutes.staticRoutes", i);
      const json& r = (*routes)[i];
      NSXV_RETURN_IF_ERROR(ExpectObject(r, rw));
      NSXV_RETURN_IF_ERROR(Field(r, "network", Type::kString, true, rw).status());
      NSXV_RETURN_IF_ERROR(Field(r, "nextHop", Type::kString, true, rw).status());
      NSXV_RETURN_IF_ERROR(Optional(r, "vnic", Type::kIntOrString, rw));
      NSXV_RETURN_IF_ERROR(Optional(r, "description", Type::kString, rw));
      NSXV_RETURN_IF_ERROR(Optional(r, "mtu", Type::kInt, rw));
    }
  }
  NSXV_ASSIGN_OR_RETURN(const json* def, Field(body, "defaultRoute", Type::kObject, false, w));
  if (def != nullptr) {
    const std::string dw = "staticRouting.defaultRoute";
    NSXV_RETURN_IF_ERROR(Field(*def, "gatewayAddress", Type::kString, true, dw).status());
    NSXV_RETURN_IF_ERROR(Optional(*def, "vnic", Type::kIntOrString, dw));
    NSXV_RETURN_IF_ERROR(Optional(*def, "description", Type::kString, dw));
    NSXV_RETURN_IF_ERROR(Optional(*def, "mtu", Type::kInt, dw));
  }
  return Status::Ok();
}

Status CheckLoadBalancer(const json& body,
                         const std::function<bool(std::string_view)>& certificate_exists) {
  const std::string_view w = "loadBalancer";
  NSXV_RETURN_IF_ERROR(ExpectObject(body, w));
  NSXV_RETURN_IF_ERROR(OptionalAll(
      body, {"enabled", "enableServiceInsertion", "accelerationEnabled"}, Type::kBool, w));
  NSXV_RETURN_IF_ERROR(Optional(body, "featureType", Type::kString, w));
  NSXV_ASSIGN_OR_RETURN(const json* monitors, Field(body, "monitor", Type::kArray, false, w));
  NSXV_ASSIGN_OR_RETURN(const json* profiles,
                        Field(body, "applicationProfile", Type::kArray, false, w));
  NSXV_ASSIGN_OR_RETURN(const json* rules, Field(body, "applicationRule", Type::kArray, false, w));
  NSXV_ASSIGN_OR_RETURN(const json* pools, Field(body, "pool", Type::kArray, false, w));
  NSXV_ASSIGN_OR_RETURN(const json* servers, Field(body, "virtualServer", Type::kArray, false, w));

  NSXV_ASSIGN_OR_RETURN(const std::set<std::string> monitor_ids,
                        CollectIds(monitors, "monitorId", "loadBalancer.monitor"));
  NSXV_ASSIGN_OR_RETURN(
      const std::set<std::string> profile_ids,
      CollectIds(profiles, "applicationProfileId", "loadBalancer.applicationProfile"));
  NSXV_ASSIGN_OR_RETURN(const std::set<std::string> rule_ids,
                        CollectIds(rules, "applicationRuleId", "loadBalancer.applicationRule"));
  NSXV_ASSIGN_OR_RETURN(const std::set<std::string> pool_ids,
                        CollectIds(pools, "poolId", "loadBalancer.pool"));
  NSXV_RETURN_IF_ERROR(
      CollectIds(servers, "virtualServerId", "loadBalancer.virtualServer").status());

  for (size_t i = 0; monitors != nullptr && i < monitors->size(); ++i) {
    const std::string mw = Indexed("loadBalancer.monitor", i);
    const json& m = (*monitors)[i];
    NSXV_RETURN_IF_ERROR(Field(m, "name", Type::kString, true, mw).status());
    NSXV_RETURN_IF_ERROR(OptionalAll(m, {"type", "method", "url"}, Type::kString, mw));
    NSXV_RETURN_IF_ERROR(OptionalAll(m, {"interval", "maxRetries", "timeout"}, Type::kInt, mw));
  }
  for (size_t i = 0; profiles != nullptr && i < profiles->size(); ++i) {
    const std::string pw = Indexed("loadBalancer.applicationProfile", i);
    const json& p = (*profiles)[i];
    NSXV_RETURN_IF_ERROR(Field(p, "name", Type::kString, true, pw).status());
    NSXV_RETURN_IF_ERROR(Optional(p, "template", Type::kString, pw));
    NSXV_RETURN_IF_ERROR(OptionalAll(
        p, {"serverSslEnabled", "sslPassthrough", "insertXForwardedFor"}, Type::kBool, pw));
    NSXV_ASSIGN_OR_RETURN(const json* persistence,
                          Field(p, "persistence", Type::kObject, false, pw));
    if (persistence != nullptr) {
      NSXV_RETURN_IF_ERROR(
          Field(*persistence, "method", Type::kString, true, pw + ".persistence").status());
    }
    NSXV_ASSIGN_OR_RETURN(const json* client_ssl, Field(p, "clientSsl", Type::kObject, false, pw));
    if (client_ssl != nullptr) {
      const std::string cw = pw + ".clientSsl";
      NSXV_RETURN_IF_ERROR(Optional(*client_ssl, "clientAuth", Type::kString, cw));
      NSXV_ASSIGN_OR_RETURN(const json* certs,
                            Field(*client_ssl, "serviceCertificate", Type::kArray, false, cw));
      for (size_t c = 0; certs != nullptr && c < certs->size(); ++c) {
        const json& cert = (*certs)[c];
        if (!cert.is_string()) {
          return BadRequest(nsx_code::kInvalidRequestBody,
                            Indexed(cw + ".serviceCertificate", c) + " must be a string");
        }
        if (!certificate_exists(cert.get<std::string>())) {
          return BadRequest(nsx_code::kCertificateNotFound,
                            cw + ".serviceCertificate: certificate '" + cert.get<std::string>() +
                                "' is not in the edge's truststore");
        }
      }
    }
  }
  for (size_t i = 0; rules != nullptr && i < rules->size(); ++i) {
    const std::string rw = Indexed("loadBalancer.applicationRule", i);
    NSXV_RETURN_IF_ERROR(Field((*rules)[i], "name", Type::kString, true, rw).status());
    NSXV_RETURN_IF_ERROR(Field((*rules)[i], "script", Type::kString, true, rw).status());
  }
  for (size_t i = 0; pools != nullptr && i < pools->size(); ++i) {
    const std::string pw = Indexed("loadBalancer.pool", i);
    const json& p = (*pools)[i];
    NSXV_RETURN_IF_ERROR(Field(p, "name", Type::kString, true, pw).status());
    NSXV_RETURN_IF_ERROR(Optional(p, "algorithm", Type::kString, pw));
    NSXV_RETURN_IF_ERROR(Optional(p, "transparent", Type::kBool, pw));
    NSXV_RETURN_IF_ERROR(CheckRefList(p, "monitorId", monitor_ids, pw));
    NSXV_ASSIGN_OR_RETURN(const json* members, Field(p, "member", Type::kArray, false, pw));
    NSXV_RETURN_IF_ERROR(CollectIds(members, "memberId", pw + ".member").status());
    for (size_t m = 0; members != nullptr && m < members->size(); ++m) {
      const std::string mw = Indexed(pw + ".member", m);
      const json& member = (*members)[m];
      NSXV_RETURN_IF_ERROR(Field(member, "ipAddress", Type::kString, true, mw).status());
      NSXV_RETURN_IF_ERROR(Optional(member, "name", Type::kString, mw));
      NSXV_RETURN_IF_ERROR(OptionalAll(member, {"port", "monitorPort"}, Type::kIntOrString, mw));
      NSXV_RETURN_IF_ERROR(OptionalAll(member, {"weight", "minConn", "maxConn"}, Type::kInt, mw));
      NSXV_ASSIGN_OR_RETURN(const json* condition,
                            Field(member, "condition", Type::kString, false, mw));
      NSXV_RETURN_IF_ERROR(OneOf(condition, {"enabled", "disabled", "drain"}, mw + ".condition"));
    }
  }
  for (size_t i = 0; servers != nullptr && i < servers->size(); ++i) {
    const std::string vw = Indexed("loadBalancer.virtualServer", i);
    const json& v = (*servers)[i];
    NSXV_RETURN_IF_ERROR(Field(v, "name", Type::kString, true, vw).status());
    NSXV_RETURN_IF_ERROR(Field(v, "ipAddress", Type::kString, true, vw).status());
    NSXV_RETURN_IF_ERROR(Optional(v, "protocol", Type::kString, vw));
    NSXV_RETURN_IF_ERROR(Optional(v, "port", Type::kIntOrString, vw));
    NSXV_RETURN_IF_ERROR(Optional(v, "connectionLimit", Type::kInt, vw));
    NSXV_RETURN_IF_ERROR(OptionalAll(
        v, {"enabled", "accelerationEnabled", "enableServiceInsertion"}, Type::kBool, vw));
    NSXV_RETURN_IF_ERROR(CheckRef(v, "applicationProfileId", true, profile_ids, vw));
    NSXV_RETURN_IF_ERROR(CheckRef(v, "defaultPoolId", false, pool_ids, vw));
    NSXV_RETURN_IF_ERROR(CheckRefList(v, "applicationRuleId", rule_ids, vw));
  }
  return Status::Ok();
}

Status CheckFirewall(const json& body) {
  const std::string_view w = "firewall";
  NSXV_RETURN_IF_ERROR(ExpectObject(body, w));
  NSXV_RETURN_IF_ERROR(Optional(body, "featureType", Type::kString, w));
  NSXV_RETURN_IF_ERROR(Optional(body, "enabled", Type::kBool, w));
  NSXV_RETURN_IF_ERROR(Optional(body, "globalConfig", Type::kObject, w));
  NSXV_ASSIGN_OR_RETURN(const json* policy, Field(body, "defaultPolicy", Type::kObject, false, w));
  if (policy != nullptr) {
    NSXV_ASSIGN_OR_RETURN(const json* action,
                          Field(*policy, "action", Type::kString, false, "firewall.defaultPolicy"));
    NSXV_RETURN_IF_ERROR(OneOf(action, {"accept", "deny"}, "firewall.defaultPolicy.action"));
  }
  NSXV_ASSIGN_OR_RETURN(const json* rules, WrappedList(body, "firewallRules", w));
  for (size_t i = 0; rules != nullptr && i < rules->size(); ++i) {
    const std::string rw = Indexed("firewall.firewallRules.firewallRules", i);
    const json& r = (*rules)[i];
    NSXV_RETURN_IF_ERROR(ExpectObject(r, rw));
    NSXV_ASSIGN_OR_RETURN(const json* action, Field(r, "action", Type::kString, true, rw));
    NSXV_RETURN_IF_ERROR(OneOf(action, {"accept", "deny"}, rw + ".action"));
    NSXV_RETURN_IF_ERROR(OptionalAll(r, {"enabled", "loggingEnabled"}, Type::kBool, rw));
    NSXV_RETURN_IF_ERROR(OptionalAll(r, {"name", "description"}, Type::kString, rw));
    NSXV_RETURN_IF_ERROR(Optional(r, "ruleTag", Type::kInt, rw));
    NSXV_RETURN_IF_ERROR(
        OptionalAll(r, {"source", "destination", "application"}, Type::kObject, rw));
  }
  return Status::Ok();
}

json NormalizeVnic(const json& vnic, int index) {
  json out = vnic;
  out["index"] = index;
  if (!out.contains("label")) out["label"] = "vNic_" + std::to_string(index);
  return out;
}

json NormalizeStaticRouting(const json& body) {
  json out = body;
  if (!out.contains("staticRoutes") || out["staticRoutes"].is_null()) {
    out["staticRoutes"] = {{"staticRoutes", json::array()}};
  } else if (!out["staticRoutes"].contains("staticRoutes") ||
             out["staticRoutes"]["staticRoutes"].is_null()) {
    out["staticRoutes"]["staticRoutes"] = json::array();
  }
  if (out.contains("defaultRoute") && out["defaultRoute"].is_null()) out.erase("defaultRoute");
  return out;
}

json NormalizeLoadBalancer(const json& body) {
  json out = body;
  for (const char* flag : {"enabled", "enableServiceInsertion", "accelerationEnabled"}) {
    if (!out.contains(flag) || out[flag].is_null()) out[flag] = false;
  }
  // Server-assigned ids for objects sent without one: "<kind>-<n>" past the largest in use.
  const std::pair<const char*, const char*> kinds[] = {
      {"virtualServer", "virtualServerId"},
      {"pool", "poolId"},
      {"applicationProfile", "applicationProfileId"},
      {"applicationRule", "applicationRuleId"},
      {"monitor", "monitorId"}};
  for (const auto& [list, id_key] : kinds) {
    if (!out.contains(list) || out[list].is_null()) out[list] = json::array();
    int64_t next = 1;
    for (const json& item : out[list]) {
      if (item.contains(id_key) && item[id_key].is_string()) {
        if (auto n = ParseId(item[id_key].get<std::string>(), list)) next = std::max(next, *n + 1);
      }
    }
    for (json& item : out[list]) {
      if (!item.contains(id_key) || item[id_key].is_null()) item[id_key] = MakeId(list, next++);
    }
  }
  return out;
}

json NormalizeFirewall(const json& body, int64_t* next_rule_id) {
  json out = DefaultFirewall();
  for (const char* key : {"enabled", "globalConfig", "defaultPolicy"}) {
    if (body.contains(key) && !body[key].is_null()) out[key] = body[key];
  }
  json rules = json::array();
  if (body.contains("firewallRules") && body["firewallRules"].is_object() &&
      body["firewallRules"].contains("firewallRules") &&
      body["firewallRules"]["firewallRules"].is_array()) {
    for (const json& rule : body["firewallRules"]["firewallRules"]) {
      json r = rule;
      r["ruleId"] = (*next_rule_id)++;
      if (!r.contains("ruleType")) r["ruleType"] = "user";
      if (!r.contains("enabled") || r["enabled"].is_null()) r["enabled"] = true;
      rules.push_back(std::move(r));
    }
  }
  out["firewallRules"] = {{"firewallRules", std::move(rules)}};
  return out;
}

}  // namespace nsxv::fake
