// The element tables of the NSX-v request documents (see spec_rules.h). Long because it is the
// tables themselves, kept together so that a reviewer can hold them against
// shared/reference/nsxv-raml-facts.md §3 line by line.
#include "fake_nsxv/spec_rules.h"

#include <nlohmann/json.hpp>

#include "fake_nsxv/model_internal.h"
#include "fake_nsxv/nsx_error.h"

namespace nsxv::fake::spec {

using nlohmann::json;

namespace {

constexpr Need R = Need::kRequired;
constexpr Need O = Need::kOptional;

std::vector<Element> Vnic(const std::string& p) {
  return {
      {p + "index", Kind::kInt, R, {}, "R 15699 (0-9; range checked in model_validation.cc)"},
      {p + "name", Kind::kString, O, {}, "O 15700"},
      {p + "label", Kind::kString, O, {}, "O 15701"},
      // The table spells Uplink/Internal/TRUNK, the examples (and upstream) lowercase.
      {p + "type",
       Kind::kString,
       O,
       {"Uplink", "Internal", "TRUNK", "uplink", "internal", "trunk"},
       "O 15702; lowercase in the examples 15497, 15614"},
      // R 15703 "needed when isConnected=true": enforced as that condition in
      // model_validation.cc.
      {p + "portgroupId", Kind::kString, O, {}, "R 15703 when isConnected (rule in code)"},
      {p + "portgroupName", Kind::kString, O, {}, "- 23903 (example only)"},
      // R 15704, not enforced: upstream deploys its uplink vnic connected and without addresses
      // (an empty subInterfaces instead; surprise 13) and that works on real managers.
      {p + "addressGroups", Kind::kObject, O, {}, "R 15704, optional here (surprise 13)"},
      {p + "addressGroups.addressGroups", Kind::kArray, O, {}, "R 15704"},
      {p + "addressGroups.addressGroups[]", Kind::kObject, O, {}, "15704"},
      {p + "addressGroups.addressGroups[].primaryAddress", Kind::kString, R, {}, "R 15705"},
      {p + "addressGroups.addressGroups[].secondaryAddresses", Kind::kObject, O, {}, "O 15706"},
      {p + "addressGroups.addressGroups[].secondaryAddresses.type",
       Kind::kString,
       O,
       {},
       "- (upstream sends secondary_addresses)"},
      {p + "addressGroups.addressGroups[].secondaryAddresses.ipAddress",
       Kind::kStringList,
       O,
       {},
       "O 15706 (at least one if the container is present; rule in code)"},
      // R 15707, one of the two: enforced in model_validation.cc.
      {p + "addressGroups.addressGroups[].subnetMask",
       Kind::kString,
       O,
       {},
       "R 15707 one of (rule in code)"},
      {p + "addressGroups.addressGroups[].subnetPrefixLength",
       Kind::kIntOrString,
       O,
       {},
       "R 15707 one of (rule in code)"},
      {p + "macAddress", Kind::kObject, O, {}, "O 15708"},
      {p + "macAddress.edgeVmHaIndex", Kind::kIntOrString, R, {}, "R 15709"},
      {p + "macAddress.value", Kind::kString, O, {}, "O 15710"},
      {p + "mtu", Kind::kInt, O, {}, "O 15711 (default 1500)"},
      {p + "enableProxyArp", Kind::kBool, O, {}, "O 15712"},
      {p + "enableSendRedirects", Kind::kBool, O, {}, "O 15713"},
      {p + "isConnected", Kind::kBool, O, {}, "O 15714 (default false)"},
      {p + "inShapingPolicy", Kind::kObject, O, {}, "O 15715"},
      {p + "outShapingPolicy", Kind::kObject, O, {}, "O 15715"},
      {p + "subInterfaces", Kind::kObject, O, {}, "- 23934"},
      {p + "subInterfaces.subInterfaces", Kind::kArray, O, {}, "- 23934"},
  };
}

DocumentSpec MakeEdge() {
  DocumentSpec d{"edge", {}};
  d.elements = {
      {"id", Kind::kString, O, {}, "- 16003 (update example)"},
      {"name", Kind::kString, O, {}, "O 15648 (default NSX-<edgeId>)"},
      {"description", Kind::kString, O, {}, "O 15649"},
      {"tenant", Kind::kString, O, {}, "O 15650"},
      {"fqdn", Kind::kString, O, {}, "O 15651 (upstream sends null)"},
      {"datacenterMoid", Kind::kString, O, {}, "O 15645"},
      {"datacenterName", Kind::kString, O, {}, "O 15646"},
      {"type", Kind::kString, O, {"gatewayServices", "distributedRouter"}, "O 15647"},
      {"vseLogLevel",
       Kind::kString,
       O,
       {"emergency", "alert", "critical", "error", "warning", "notice", "info", "debug"},
       "O 15652 (default info)"},
      {"enableAesni", Kind::kBool, O, {}, "O 15653"},
      {"enableFips", Kind::kBool, O, {}, "- 15468 (example)"},
      {"appliances", Kind::kObject, O, {}, "15660-15675"},
      {"appliances.applianceSize",
       Kind::kString,
       R,
       {"compact", "large", "quadlarge", "xlarge"},
       "R 15660"},
      {"appliances.enableCoreDump", Kind::kBool, O, {}, "O 15654"},
      {"appliances.deployAppliances", Kind::kBool, O, {}, "- 15661"},
      {"appliances.deploymentContainerId", Kind::kString, O, {}, "JSON only (upstream)"},
      // R 15662; upstream omits the list when no datastore is configured (surprise 13) and a
      // manager then deploys no appliance. [UNVERIFIED] kept optional.
      {"appliances.appliances", Kind::kArray, O, {}, "R 15662, optional here (surprise 13)"},
      {"appliances.appliances[]", Kind::kObject, O, {}, "15662"},
      {"appliances.appliances[].resourcePoolId", Kind::kString, R, {}, "R 15663"},
      {"appliances.appliances[].datastoreId", Kind::kString, R, {}, "R 15664"},
      {"appliances.appliances[].hostId", Kind::kString, O, {}, "O 15665"},
      {"appliances.appliances[].vmFolderId", Kind::kString, O, {}, "O 15666"},
      {"cliSettings", Kind::kObject, O, {}, "15676-15678"},
      // R 15676/15677; upstream sends cliSettings with remoteAccess only unless a user is
      // configured (surprise 13). [UNVERIFIED] kept optional.
      {"cliSettings.userName", Kind::kString, O, {}, "R 15676, optional here (surprise 13)"},
      {"cliSettings.password", Kind::kString, O, {}, "R 15677, optional here (surprise 13)"},
      {"cliSettings.remoteAccess", Kind::kBool, R, {}, "R 15678"},
      {"autoConfiguration", Kind::kObject, O, {}, "15679-15680"},
      {"autoConfiguration.enabled", Kind::kBool, O, {}, "O 15679"},
      {"autoConfiguration.rulePriority", Kind::kString, O, {"high", "low"}, "O 15680"},
      {"dnsClient", Kind::kObject, O, {}, "O 15688"},
      {"queryDaemon", Kind::kObject, O, {}, "- 15681"},
      // R 15698 for an ESG (the default type): enforced by type in model_validation.cc.
      {"vnics", Kind::kObject, O, {}, "R 15698 for gatewayServices (rule in code)"},
      {"vnics.vnics", Kind::kArray, O, {}, "R 15698"},
      {"vnics.vnics[]", Kind::kObject, O, {}, "15698"},
      {"mgmtInterface", Kind::kObject, O, {}, "R 15727 for distributedRouter (rule in code)"},
      {"interfaces", Kind::kObject, O, {}, "O 15728"},
      {"featureConfigs", Kind::kObject, O, {}, "JSON only (upstream)"},
      {"featureConfigs.features", Kind::kArray, O, {}, "JSON only"},
      {"featureConfigs.features[]", Kind::kObject, O, {}, "JSON only"},
      {"featureConfigs.features[].featureType", Kind::kString, R, {}, "JSON only (upstream)"},
  };
  for (Element& e : Vnic("vnics.vnics[].")) d.elements.push_back(std::move(e));
  return d;
}

DocumentSpec MakeVnic() { return DocumentSpec{"vnic", Vnic("")}; }

DocumentSpec MakeStaticRouting() {
  // The spec marks no element Required (17770-17790). A route without a network or next hop, or
  // a default route without a gateway, configures nothing: the fake rejects them. [UNVERIFIED]
  return DocumentSpec{
      "staticRouting",
      {
          {"featureType", Kind::kString, O, {}, "- (upstream sends none)"},
          {"staticRoutes", Kind::kObject, O, {}, "- 18142"},
          {"staticRoutes.staticRoutes", Kind::kArray, O, {}, "- 18142"},
          {"staticRoutes.staticRoutes[]", Kind::kObject, O, {}, "18142"},
          {"staticRoutes.staticRoutes[].network", Kind::kString, R, {}, "- 17787 [UNVERIFIED] R"},
          {"staticRoutes.staticRoutes[].nextHop", Kind::kString, R, {}, "- 17788 [UNVERIFIED] R"},
          {"staticRoutes.staticRoutes[].vnic", Kind::kIntOrString, O, {}, "- 17784"},
          {"staticRoutes.staticRoutes[].description", Kind::kString, O, {}, "- 17785"},
          {"staticRoutes.staticRoutes[].mtu", Kind::kInt, O, {}, "- 17786"},
          {"staticRoutes.staticRoutes[].adminDistance", Kind::kInt, O, {}, "O 17789"},
          {"staticRoutes.staticRoutes[].type", Kind::kString, O, {"user", "internal"}, "O 17790"},
          {"defaultRoute", Kind::kObject, O, {}, "- 17773"},
          {"defaultRoute.gatewayAddress", Kind::kString, R, {}, "- 17777 [UNVERIFIED] R"},
          {"defaultRoute.description", Kind::kString, O, {}, "- 17773"},
          {"defaultRoute.vnic", Kind::kIntOrString, O, {}, "- 17775"},
          {"defaultRoute.mtu", Kind::kInt, O, {}, "- 17776"},
          {"defaultRoute.adminDistance", Kind::kInt, O, {}, "O 17778"},
      }};
}

DocumentSpec MakeLoadBalancer() {
  return DocumentSpec{
      "loadBalancer",
      {
          {"featureType", Kind::kString, O, {}, "- (upstream loadbalancer_4.0)"},
          {"enabled", Kind::kBool, O, {}, "O 19267 (default true)"},
          {"accelerationEnabled", Kind::kBool, O, {}, "O 19266"},
          {"enableServiceInsertion", Kind::kBool, O, {}, "- 19376"},
          {"logging", Kind::kObject, O, {}, "O 19263"},
          {"logging.enable", Kind::kBool, O, {}, "O 19264"},
          {"logging.logLevel",
           Kind::kString,
           O,
           {"EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG",
            "emergency", "alert", "critical", "error", "warning", "notice", "info", "debug"},
           "O 19265; lowercase in the example 19380"},
          {"virtualServer", Kind::kArray, O, {}, "O 19291 (0-64)"},
          {"virtualServer[]", Kind::kObject, O, {}, "19291"},
          {"virtualServer[].virtualServerId", Kind::kString, O, {}, "- (example)"},
          {"virtualServer[].name", Kind::kString, R, {}, "R 19292"},
          {"virtualServer[].description", Kind::kString, O, {}, "O 19293"},
          {"virtualServer[].enabled", Kind::kBool, O, {}, "O 19294"},
          {"virtualServer[].ipAddress", Kind::kString, R, {}, "R 19295"},
          {"virtualServer[].protocol",
           Kind::kString,
           R,
           {"HTTP", "HTTPS", "TCP", "UDP", "http", "https", "tcp", "udp"},
           "R 19296; lowercase in the example 19388"},
          {"virtualServer[].port", Kind::kIntOrString, R, {}, "R 19297"},
          {"virtualServer[].connectionLimit", Kind::kInt, O, {}, "O 19298"},
          {"virtualServer[].connectionRateLimit", Kind::kInt, O, {}, "O 19299"},
          {"virtualServer[].defaultPoolId", Kind::kString, O, {}, "O 19300"},
          {"virtualServer[].applicationProfileId", Kind::kString, O, {}, "O 19301"},
          {"virtualServer[].accelerationEnabled", Kind::kBool, O, {}, "O 19302"},
          {"virtualServer[].applicationRuleId", Kind::kStringList, O, {}, "O 19303"},
          {"virtualServer[].enableServiceInsertion", Kind::kBool, O, {}, "- (example)"},
          {"applicationProfile", Kind::kArray, O, {}, "O 19334"},
          {"applicationProfile[]", Kind::kObject, O, {}, "19334"},
          {"applicationProfile[].applicationProfileId", Kind::kString, O, {}, "O 19335"},
          {"applicationProfile[].name", Kind::kString, R, {}, "R 19336"},
          {"applicationProfile[].template",
           Kind::kString,
           O,
           {"HTTP", "HTTPS", "TCP", "UDP", "http", "https", "tcp", "udp"},
           "- xsd:42, GET examples 19669-19693"},
          {"applicationProfile[].persistence", Kind::kObject, O, {}, "O 19337"},
          {"applicationProfile[].persistence.method",
           Kind::kString,
           R,
           {"cookie", "ssl_sessionid", "sourceip", "msrdp"},
           "R 19338"},
          {"applicationProfile[].persistence.cookieName", Kind::kString, O, {}, "O 19339"},
          {"applicationProfile[].persistence.cookieMode",
           Kind::kString,
           O,
           {"insert", "prefix", "app"},
           "O 19340"},
          {"applicationProfile[].persistence.expire", Kind::kIntOrString, O, {}, "O 19341"},
          {"applicationProfile[].insertXForwardedFor", Kind::kBool, O, {}, "O 19342"},
          {"applicationProfile[].sslPassthrough", Kind::kBool, O, {}, "O 19343"},
          {"applicationProfile[].httpRedirect", Kind::kObject, O, {}, "O 19344"},
          {"applicationProfile[].httpRedirect.to", Kind::kString, R, {}, "R 19345"},
          {"applicationProfile[].serverSslEnabled", Kind::kBool, O, {}, "O 19346"},
          {"applicationProfile[].serverSsl", Kind::kObject, O, {}, "O 19347"},
          {"applicationProfile[].clientSsl", Kind::kObject, O, {}, "O 19353"},
          {"applicationProfile[].clientSsl.serviceCertificate",
           Kind::kStringList,
           R,
           {},
           "R 19355 (only one supported)"},
          {"applicationProfile[].clientSsl.clientAuth",
           Kind::kString,
           O,
           {"Required", "Ignore", "required", "ignore"},
           "O 19358; upstream sends lowercase"},
          {"applicationProfile[].clientSsl.ciphers", Kind::kString, O, {}, "O 19354"},
          {"applicationProfile[].clientSsl.caCertificate", Kind::kStringList, O, {}, "O 19356"},
          {"applicationProfile[].clientSsl.crlCertificate", Kind::kStringList, O, {}, "O 19357"},
          {"pool", Kind::kArray, O, {}, "O 19309"},
          {"pool[]", Kind::kObject, O, {}, "19309"},
          {"pool[].poolId", Kind::kString, O, {}, "O 19310"},
          {"pool[].name", Kind::kString, R, {}, "R 19311"},
          {"pool[].description", Kind::kString, O, {}, "O 19312"},
          {"pool[].algorithm",
           Kind::kString,
           O,
           {"round-robin", "ip-hash", "uri", "leastconn", "url", "httpheader"},
           "O 19313"},
          {"pool[].algorithmParameters", Kind::kString, O, {}, "O 19314"},
          {"pool[].transparent", Kind::kBool, O, {}, "O 19315"},
          {"pool[].monitorId", Kind::kStringList, O, {}, "O 19316 (only one supported)"},
          {"pool[].member", Kind::kArray, O, {}, "O 19317"},
          {"pool[].member[]", Kind::kObject, O, {}, "19317"},
          {"pool[].member[].memberId", Kind::kString, O, {}, "O 19318"},
          {"pool[].member[].name", Kind::kString, O, {}, "O 19319"},
          // R 19320 "if groupingObjectId is null": rule in code.
          {"pool[].member[].ipAddress", Kind::kString, O, {}, "O 19320 (rule in code)"},
          {"pool[].member[].groupingObjectId", Kind::kString, O, {}, "O 19321"},
          {"pool[].member[].groupingObjectName", Kind::kString, O, {}, "O 19322"},
          {"pool[].member[].weight", Kind::kInt, O, {}, "O 19323"},
          // "at least one of the two" (19324-19325): rule in code.
          {"pool[].member[].port", Kind::kIntOrString, O, {}, "O 19324 (rule in code)"},
          {"pool[].member[].monitorPort", Kind::kIntOrString, O, {}, "O 19325 (rule in code)"},
          {"pool[].member[].minConn", Kind::kInt, O, {}, "O 19326"},
          {"pool[].member[].maxConn", Kind::kInt, O, {}, "O 19327"},
          {"pool[].member[].condition", Kind::kString, O, {"enabled", "disabled"}, "O 19328"},
          {"monitor", Kind::kArray, O, {}, "O 19273"},
          {"monitor[]", Kind::kObject, O, {}, "19273"},
          {"monitor[].monitorId", Kind::kString, O, {}, "O 19274"},
          {"monitor[].name", Kind::kString, R, {}, "R 19275"},
          {"monitor[].type",
           Kind::kString,
           R,
           {"HTTP", "HTTPS", "TCP", "ICMP", "UDP", "http", "https", "tcp", "icmp", "udp"},
           "R 19276; lowercase in the example 19589"},
          {"monitor[].interval", Kind::kInt, O, {}, "O 19277 (default 5)"},
          {"monitor[].timeout", Kind::kInt, O, {}, "O 19278"},
          {"monitor[].maxRetries", Kind::kInt, O, {}, "O 19279"},
          {"monitor[].method",
           Kind::kString,
           O,
           {"OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "CONNECT"},
           "O 19280"},
          {"monitor[].url", Kind::kString, O, {}, "O 19281"},
          {"monitor[].expected", Kind::kString, O, {}, "O 19282"},
          {"monitor[].send", Kind::kString, O, {}, "O 19283"},
          {"monitor[].receive", Kind::kString, O, {}, "O 19284"},
          {"monitor[].extension", Kind::kString, O, {}, "O 19285"},
          {"applicationRule", Kind::kArray, O, {}, "O 19364"},
          {"applicationRule[]", Kind::kObject, O, {}, "19364"},
          {"applicationRule[].applicationRuleId", Kind::kString, O, {}, "O 19365"},
          {"applicationRule[].name", Kind::kString, R, {}, "R 19366"},
          {"applicationRule[].script", Kind::kString, R, {}, "R 19367"},
      }};
}

DocumentSpec MakeFirewall() {
  const std::vector<std::string_view> kActions = {"accept", "deny"};
  DocumentSpec d{
      "firewall",
      {
          {"featureType", Kind::kString, O, {}, "- (upstream firewall_4.0)"},
          {"enabled", Kind::kBool, O, {}, "- xsd:13"},
          {"globalConfig", Kind::kObject, O, {}, "O 17187-17201"},
          {"defaultPolicy", Kind::kObject, O, {}, "O 17202 (default deny)"},
          // "-" 17203: a policy without an action says nothing. [UNVERIFIED] required.
          {"defaultPolicy.action", Kind::kString, R, kActions, "- 17203 [UNVERIFIED] R"},
          {"defaultPolicy.loggingEnabled", Kind::kBool, O, {}, "O 17204"},
          {"firewallRules", Kind::kObject, O, {}, "O 17205"},
          {"firewallRules.firewallRules", Kind::kArray, O, {}, "O 17205"},
          {"firewallRules.firewallRules[]", Kind::kObject, O, {}, "17205"},
          // "-" 17206: a rule without an action is meaningless. [UNVERIFIED] required.
          {"firewallRules.firewallRules[].action", Kind::kString, R, kActions,
           "- 17206 [UNVERIFIED] R"},
          {"firewallRules.firewallRules[].ruleId", Kind::kIntOrString, O, {}, "- 17180 (updates)"},
          {"firewallRules.firewallRules[].ruleTag",
           Kind::kInt,
           O,
           {},
           "O 17226 (1-65536; range in code)"},
          {"firewallRules.firewallRules[].name", Kind::kString, O, {}, "- 17220"},
          {"firewallRules.firewallRules[].description", Kind::kString, O, {}, "- 17221"},
          {"firewallRules.firewallRules[].enabled", Kind::kBool, O, {}, "O 17222"},
          {"firewallRules.firewallRules[].loggingEnabled", Kind::kBool, O, {}, "O 17223"},
          {"firewallRules.firewallRules[].matchTranslated", Kind::kBool, O, {}, "- 17224"},
          {"firewallRules.firewallRules[].direction", Kind::kString, O, {"in", "out"}, "O 17225"},
          {"firewallRules.firewallRules[].application", Kind::kObject, O, {}, "O 17213"},
          {"firewallRules.firewallRules[].application.applicationId",
           Kind::kStringList,
           O,
           {},
           "- 17214"},
          {"firewallRules.firewallRules[].application.service", Kind::kArray, O, {}, "- 17215"},
          {"firewallRules.firewallRules[].application.service[]", Kind::kObject, O, {}, "17215"},
          {"firewallRules.firewallRules[].application.service[].protocol",
           Kind::kString,
           O,
           {},
           "- 17216"},
          {"firewallRules.firewallRules[].application.service[].port",
           Kind::kIntOrStringList,
           O,
           {},
           "- 17217 (list)"},
          {"firewallRules.firewallRules[].application.service[].sourcePort",
           Kind::kIntOrStringList,
           O,
           {},
           "- 17218 (list)"},
          {"firewallRules.firewallRules[].application.service[].icmpType",
           Kind::kString,
           O,
           {},
           "- 17219"},
      }};
  for (const char* side : {"source", "destination"}) {
    const std::string p = std::string("firewallRules.firewallRules[].") + side;
    d.elements.push_back({p, Kind::kObject, O, {}, "O 17207-17208 (default any)"});
    d.elements.push_back({p + ".exclude", Kind::kBool, O, {}, "- 17209"});
    d.elements.push_back({p + ".ipAddress", Kind::kStringList, O, {}, "- 17210"});
    d.elements.push_back({p + ".groupingObjectId", Kind::kStringList, O, {}, "- 17211"});
    d.elements.push_back(
        {p + ".vnicGroupId", Kind::kStringList, O, {}, "- 17212 (values checked in code)"});
  }
  return d;
}

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kString:
      return "a string";
    case Kind::kBool:
      return "a boolean";
    case Kind::kInt:
      return "an integer";
    case Kind::kObject:
      return "an object";
    case Kind::kArray:
      return "an array";
    case Kind::kIntOrString:
      return "an integer or a string";
    case Kind::kStringList:
      return "an array of strings";
    case Kind::kIntOrStringList:
      return "an array of integers or strings";
  }
  return "?";
}

bool HasKind(const json& v, Kind kind) {
  const auto all = [&](auto pred) {
    if (!v.is_array()) return false;
    for (const json& item : v) {
      if (!pred(item)) return false;
    }
    return true;
  };
  switch (kind) {
    case Kind::kString:
      return v.is_string();
    case Kind::kBool:
      return v.is_boolean();
    case Kind::kInt:
      return v.is_number_integer();
    case Kind::kObject:
      return v.is_object();
    case Kind::kArray:
      return v.is_array();
    case Kind::kIntOrString:
      return v.is_number_integer() || v.is_string();
    case Kind::kStringList:
      return all([](const json& i) { return i.is_string(); });
    case Kind::kIntOrStringList:
      return all([](const json& i) { return i.is_number_integer() || i.is_string(); });
  }
  return false;
}

struct Segment {
  std::string name;
  bool each = false;  // "name[]": every item of the array
};

std::vector<Segment> Split(std::string_view path) {
  std::vector<Segment> out;
  size_t pos = 0;
  while (pos <= path.size()) {
    const size_t dot = path.find('.', pos);
    std::string_view part = path.substr(pos, dot == std::string_view::npos ? dot : dot - pos);
    Segment s;
    if (part.size() > 2 && part.substr(part.size() - 2) == "[]") {
      s.each = true;
      part.remove_suffix(2);
    }
    s.name = std::string(part);
    out.push_back(std::move(s));
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  return out;
}

std::string Allowed(const std::vector<std::string_view>& values) {
  std::string out;
  for (const std::string_view v : values) out += (out.empty() ? "" : ", ") + std::string(v);
  return out;
}

Status CheckValues(const Element& e, const json& v, const std::string& where) {
  if (e.values.empty()) return Status::Ok();
  const auto allowed = [&](const json& item) {
    if (!item.is_string()) return true;  // integers are not enumerated
    const std::string s = item.get<std::string>();
    for (const std::string_view a : e.values) {
      if (s == a) return true;
    }
    return false;
  };
  const std::vector<json> items = v.is_array() ? v.get<std::vector<json>>() : std::vector<json>{v};
  for (const json& item : items) {
    if (!allowed(item)) {
      return BadRequest(nsx_code::kInvalidValue, where + ": invalid value '" +
                                                     item.get<std::string>() +
                                                     "' (allowed: " + Allowed(e.values) + ")");
    }
  }
  return Status::Ok();
}

// Applies `e` at every place its parent exists, below `node` (whose path is `where`).
Status Apply(const Element& e, const std::vector<Segment>& segs, size_t i, const json& node,
             const std::string& where) {
  const Segment& seg = segs[i];
  const std::string here = where.empty() ? seg.name : where + "." + seg.name;
  const auto it = node.find(seg.name);
  const bool present = it != node.end() && !it->is_null();
  if (i + 1 == segs.size() && !seg.each) {
    if (!present) {
      if (e.need == Need::kRequired) {
        return BadRequest(nsx_code::kMissingField, here + " is required");
      }
      return Status::Ok();
    }
    if (!HasKind(*it, e.kind)) {
      return BadRequest(nsx_code::kInvalidRequestBody,
                        here + " must be " + std::string(KindName(e.kind)));
    }
    return CheckValues(e, *it, here);
  }
  if (!present) return Status::Ok();  // the parent is absent: nothing to check below it
  if (seg.each) {
    if (!it->is_array()) return Status::Ok();  // the array's own row reports its type
    for (size_t k = 0; k < it->size(); ++k) {
      const json& item = (*it)[k];
      const std::string at = here + "[" + std::to_string(k) + "]";
      if (i + 1 == segs.size()) {  // "x[]": every item must have the row's kind
        if (!HasKind(item, e.kind)) {
          return BadRequest(nsx_code::kInvalidRequestBody,
                            at + " must be " + std::string(KindName(e.kind)));
        }
        continue;
      }
      if (!item.is_object()) continue;  // reported by the "x[]" row
      NSXV_RETURN_IF_ERROR(Apply(e, segs, i + 1, item, at));
    }
    return Status::Ok();
  }
  if (!it->is_object()) return Status::Ok();  // the parent's own row reports its type
  return Apply(e, segs, i + 1, *it, here);
}

}  // namespace

std::vector<Element> VnicElementsUnder(std::string_view parent) {
  return Vnic(std::string(parent) + ".");
}

const DocumentSpec& EdgeDocumentSpec() {
  static const DocumentSpec* d = new DocumentSpec(MakeEdge());
  return *d;
}
const DocumentSpec& VnicDocumentSpec() {
  static const DocumentSpec* d = new DocumentSpec(MakeVnic());
  return *d;
}
const DocumentSpec& StaticRoutingSpec() {
  static const DocumentSpec* d = new DocumentSpec(MakeStaticRouting());
  return *d;
}
const DocumentSpec& LoadBalancerSpec() {
  static const DocumentSpec* d = new DocumentSpec(MakeLoadBalancer());
  return *d;
}
const DocumentSpec& FirewallSpec() {
  static const DocumentSpec* d = new DocumentSpec(MakeFirewall());
  return *d;
}

const std::vector<const DocumentSpec*>& AllDocumentSpecs() {
  static const auto* all = new std::vector<const DocumentSpec*>{
      &EdgeDocumentSpec(), &VnicDocumentSpec(), &StaticRoutingSpec(), &LoadBalancerSpec(),
      &FirewallSpec()};
  return *all;
}

Status CheckDocument(const DocumentSpec& spec, const json& body, std::string_view prefix) {
  const std::string root(prefix.empty() ? spec.name : prefix);
  if (!body.is_object()) {
    return BadRequest(nsx_code::kInvalidRequestBody, root + " must be an object");
  }
  for (const Element& e : spec.elements) {
    NSXV_RETURN_IF_ERROR(Apply(e, Split(e.path), 0, body, root));
  }
  return Status::Ok();
}

}  // namespace nsxv::fake::spec
