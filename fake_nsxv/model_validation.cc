// Document validators and normalizers of the fake NSX-v model (API reference §1, §3, §7).
// Pure functions on JSON values; no state, no locks.
#include <algorithm>
#include <charconv>
#include <set>
#include <utility>

#include "fake_nsxv/model_internal.h"
#include "fake_nsxv/nsx_error.h"
#include "fake_nsxv/spec_rules.h"

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

// A whole decimal number (no sign, no spaces); nullopt otherwise.
std::optional<int64_t> ParseDecimal(std::string_view text) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string Indexed(std::string_view where, size_t i) {
  return std::string(where) + "[" + std::to_string(i) + "]";
}

// Cross-element rules of a vnic the tables cannot say (spec lines in spec_rules.cc).
Status CheckVnicRules(const json& vnic, std::string_view where) {
  const auto connected = vnic.find("isConnected");
  const bool is_connected =
      connected != vnic.end() && connected->is_boolean() && connected->get<bool>();
  if (is_connected) {
    const auto pg = vnic.find("portgroupId");
    if (pg == vnic.end() || !pg->is_string() || pg->get<std::string>().empty()) {
      return BadRequest(nsx_code::kMissingField,
                        Path(where, "portgroupId") + " is required when isConnected is true");
    }
  }
  const json* groups = nullptr;
  if (const auto ag = vnic.find("addressGroups"); ag != vnic.end() && ag->is_object()) {
    if (const auto list = ag->find("addressGroups"); list != ag->end() && list->is_array()) {
      groups = &*list;
    }
  }
  for (size_t i = 0; groups != nullptr && i < groups->size(); ++i) {
    const json& g = (*groups)[i];
    const std::string gw = Indexed(Path(where, "addressGroups.addressGroups"), i);
    const bool mask = g.contains("subnetMask") && !g["subnetMask"].is_null();
    const bool prefix = g.contains("subnetPrefixLength") && !g["subnetPrefixLength"].is_null();
    if (!mask && !prefix) {
      return BadRequest(nsx_code::kMissingField,
                        gw + ".subnetMask (or subnetPrefixLength) is required");
    }
    const auto sec = g.find("secondaryAddresses");
    if (sec != g.end() && sec->is_object()) {
      const auto ips = sec->find("ipAddress");
      if (ips == sec->end() || !ips->is_array() || ips->empty()) {
        return BadRequest(nsx_code::kMissingField,
                          gw + ".secondaryAddresses.ipAddress needs at least one address");
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
  NSXV_RETURN_IF_ERROR(spec::CheckDocument(spec::VnicDocumentSpec(), vnic, where));
  const int64_t i = vnic.at("index").get<int64_t>();
  if (i < 0 || i >= kVnicCount) {
    return BadRequest(nsx_code::kInvalidValue,
                      Path(where, "index") + ": " + std::to_string(i) + " is not in 0-9");
  }
  if (uri_index.has_value() && i != *uri_index) {
    return BadRequest(nsx_code::kInvalidValue, Path(where, "index") + ": " + std::to_string(i) +
                                                   " does not match the URI index " +
                                                   std::to_string(*uri_index));
  }
  return CheckVnicRules(vnic, where);
}

Status CheckEdgeDocument(const json& body) {
  const std::string w = "edge";
  NSXV_RETURN_IF_ERROR(spec::CheckDocument(spec::EdgeDocumentSpec(), body));
  if (const auto name = body.find("name");
      name != body.end() && name->is_string() && name->get<std::string>().empty()) {
    return BadRequest(nsx_code::kInvalidValue, "edge.name must not be empty when given");
  }
  // R 15698 (vnics of an ESG) and R 15727 (mgmtInterface of a DLR), by type (default ESG).
  const bool dlr = body.contains("type") && body["type"] == "distributedRouter";
  if (dlr && !body.contains("mgmtInterface")) {
    return BadRequest(nsx_code::kMissingField,
                      "edge.mgmtInterface is required for a distributedRouter");
  }
  NSXV_ASSIGN_OR_RETURN(const json* vnics, WrappedList(body, "vnics", w));
  if (!dlr && vnics == nullptr) {
    return BadRequest(nsx_code::kMissingField,
                      "edge.vnics.vnics is required for an edge of "
                      "type gatewayServices");
  }
  std::set<int64_t> seen;
  for (size_t i = 0; vnics != nullptr && i < vnics->size(); ++i) {
    const std::string vw = Indexed("edge.vnics.vnics", i);
    NSXV_RETURN_IF_ERROR(CheckVnic((*vnics)[i], std::nullopt, vw));
    if (!seen.insert((*vnics)[i].at("index").get<int64_t>()).second) {
      return BadRequest(nsx_code::kInvalidValue, vw + ".index: duplicate vnic index");
    }
  }
  return Status::Ok();
}

Status CheckStaticRouting(const json& body) {
  return spec::CheckDocument(spec::StaticRoutingSpec(), body);
}

Status CheckLoadBalancer(const json& body,
                         const std::function<bool(std::string_view)>& certificate_exists) {
  NSXV_RETURN_IF_ERROR(spec::CheckDocument(spec::LoadBalancerSpec(), body));
  const auto list = [&](const char* key) -> const json* {
    const auto it = body.find(key);
    return it == body.end() || it->is_null() ? nullptr : &*it;
  };
  const json* monitors = list("monitor");
  const json* profiles = list("applicationProfile");
  const json* rules = list("applicationRule");
  const json* pools = list("pool");
  const json* servers = list("virtualServer");

  // Ids are unique per kind, and references name an object of the document (19274, 19310,
  // 19335, 19365: "must look like <kind>-<n> when used").
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

  for (size_t i = 0; profiles != nullptr && i < profiles->size(); ++i) {
    const std::string pw = Indexed("loadBalancer.applicationProfile", i);
    const json& p = (*profiles)[i];
    const auto client_ssl = p.find("clientSsl");
    if (client_ssl == p.end() || !client_ssl->is_object()) continue;
    const json& certs = client_ssl->at("serviceCertificate");
    for (size_t c = 0; c < certs.size(); ++c) {
      if (!certificate_exists(certs[c].get<std::string>())) {
        return BadRequest(nsx_code::kCertificateNotFound,
                          pw + ".clientSsl.serviceCertificate: certificate '" +
                              certs[c].get<std::string>() + "' is not in the edge's truststore");
      }
    }
  }
  for (size_t i = 0; pools != nullptr && i < pools->size(); ++i) {
    const std::string pw = Indexed("loadBalancer.pool", i);
    const json& p = (*pools)[i];
    NSXV_RETURN_IF_ERROR(CheckRefList(p, "monitorId", monitor_ids, pw));
    NSXV_ASSIGN_OR_RETURN(const json* members, Field(p, "member", Type::kArray, false, pw));
    NSXV_RETURN_IF_ERROR(CollectIds(members, "memberId", pw + ".member").status());
    for (size_t m = 0; members != nullptr && m < members->size(); ++m) {
      const std::string mw = Indexed(pw + ".member", m);
      const json& member = (*members)[m];
      const auto has = [&](const char* key) {
        return member.contains(key) && !member[key].is_null();
      };
      // 19320-19321: ipAddress unless groupingObjectId; 19324-19325: port or monitorPort.
      if (!has("ipAddress") && !has("groupingObjectId")) {
        return BadRequest(nsx_code::kMissingField,
                          mw + ".ipAddress is required (or groupingObjectId)");
      }
      if (!has("port") && !has("monitorPort")) {
        return BadRequest(nsx_code::kMissingField, mw + ".port (or monitorPort) is required");
      }
    }
  }
  for (size_t i = 0; servers != nullptr && i < servers->size(); ++i) {
    const std::string vw = Indexed("loadBalancer.virtualServer", i);
    const json& v = (*servers)[i];
    NSXV_RETURN_IF_ERROR(CheckRef(v, "applicationProfileId", false, profile_ids, vw));
    NSXV_RETURN_IF_ERROR(CheckRef(v, "defaultPoolId", false, pool_ids, vw));
    NSXV_RETURN_IF_ERROR(CheckRefList(v, "applicationRuleId", rule_ids, vw));
  }
  return Status::Ok();
}

Status CheckFirewall(const json& body) {
  NSXV_RETURN_IF_ERROR(spec::CheckDocument(spec::FirewallSpec(), body));
  NSXV_ASSIGN_OR_RETURN(const json* rules, WrappedList(body, "firewallRules", "firewall"));
  for (size_t i = 0; rules != nullptr && i < rules->size(); ++i) {
    const std::string rw = Indexed("firewall.firewallRules.firewallRules", i);
    const json& r = (*rules)[i];
    // ruleTag: long, 1-65536 (17226).
    if (const auto tag = r.find("ruleTag"); tag != r.end() && tag->is_number_integer()) {
      const int64_t t = tag->get<int64_t>();
      if (t < 1 || t > 65536) {
        return BadRequest(nsx_code::kInvalidValue,
                          rw + ".ruleTag: " + std::to_string(t) + " is not in 1-65536");
      }
    }
    // vnicGroupId: vnic-index-[0-9], vse, external, internal, nat64 (17212).
    for (const char* side : {"source", "destination"}) {
      const auto end = r.find(side);
      if (end == r.end() || !end->is_object() || !end->contains("vnicGroupId")) continue;
      for (const json& g : (*end)["vnicGroupId"]) {
        const std::string v = g.get<std::string>();
        const bool ok =
            v == "vse" || v == "external" || v == "internal" || v == "nat64" ||
            (v.size() == 12 && v.rfind("vnic-index-", 0) == 0 && v[11] >= '0' && v[11] <= '9');
        if (!ok) {
          return BadRequest(nsx_code::kInvalidValue,
                            rw + "." + side + ".vnicGroupId: invalid value '" + v + "'");
        }
      }
    }
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
    // NSX-v defaults (19266-19267): enabled true, the other two false.
    if (!out.contains(flag) || out[flag].is_null()) out[flag] = std::string_view(flag) == "enabled";
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

Result<json> NormalizeFirewall(const json& body, const json& current, int64_t* next_rule_id) {
  std::set<int64_t> known;
  if (current.contains("firewallRules") && current["firewallRules"].is_object()) {
    for (const json& r : current["firewallRules"].value("firewallRules", json::array())) {
      if (r.contains("ruleId") && r["ruleId"].is_number_integer()) {
        known.insert(r["ruleId"].get<int64_t>());
      }
    }
  }
  json out = DefaultFirewall();
  for (const char* key : {"enabled", "globalConfig", "defaultPolicy"}) {
    if (body.contains(key) && !body[key].is_null()) out[key] = body[key];
  }
  json rules = json::array();
  std::set<int64_t> kept;
  int64_t next = *next_rule_id;
  if (body.contains("firewallRules") && body["firewallRules"].is_object() &&
      body["firewallRules"].contains("firewallRules") &&
      body["firewallRules"]["firewallRules"].is_array()) {
    const json& sent = body["firewallRules"]["firewallRules"];
    for (size_t i = 0; i < sent.size(); ++i) {
      json r = sent[i];
      const std::string rw = Indexed("firewall.firewallRules.firewallRules", i);
      // ruleId is sent only for rules being updated (17180): it keeps that rule's identity.
      if (r.contains("ruleId") && !r["ruleId"].is_null()) {
        std::optional<int64_t> id;
        if (r["ruleId"].is_number_integer()) id = r["ruleId"].get<int64_t>();
        if (r["ruleId"].is_string()) id = ParseDecimal(r["ruleId"].get<std::string>());
        if (!id || known.count(*id) == 0) {
          return BadRequest(nsx_code::kInvalidValue,
                            rw + ".ruleId: " + r["ruleId"].dump() + " names no rule of this edge");
        }
        if (!kept.insert(*id).second) {
          return BadRequest(nsx_code::kInvalidValue,
                            rw + ".ruleId: " + std::to_string(*id) + " is sent twice");
        }
        r["ruleId"] = *id;
      } else {
        r["ruleId"] = next++;
      }
      if (!r.contains("ruleType")) r["ruleType"] = "user";
      if (!r.contains("enabled") || r["enabled"].is_null()) r["enabled"] = true;
      rules.push_back(std::move(r));
    }
  }
  out["firewallRules"] = {{"firewallRules", std::move(rules)}};
  *next_rule_id = next;
  return out;
}

}  // namespace nsxv::fake
