// Port of vmware_nsx/plugins/nsx_v/vshield/nsxv_loadbalancer.py.
//
// The edge load-balancer document (API reference §3): virtual servers, each with one application
// profile, its application rules and one default pool (members, monitors). Serialize() builds
// the PUT body exactly as the 2016 serializable_payload() + json.dumps(sort_keys=True) did:
// ids assigned by the client from fresh counters starting at 1, in virtual-server insertion
// order (member and monitor counters are global), the "applicationRule" key omitted when no
// virtual server has rules, Python's default separators. Parse() rebuilds the model from a GET
// document by the ids the backend returns and keeps everything: unknown fields at every level,
// clientSsl, persistence, and objects no virtual server references (they are re-emitted after
// the referenced ones, renumbered like the rest).
//
// Fixes of the 2016 module (each also marked "Fix:" where it is implemented):
//  - pool.monitorId must be an array and is matched exactly (2016 used `in`, which on a string
//    matched "monitor-1" inside "monitor-10");
//  - persistence keeps cookieMode/cookieName when the *method* is "cookie" (2016 tested
//    cookie_mode == 'cookie');
//  - a missing "applicationRule" array or "applicationRuleId" list reads as empty (2016 raised
//    KeyError; NSX omits empty arrays);
//  - clientSsl and all other unmodelled fields survive a read-modify-write (2016 dropped them);
//  - a member without an IP address is refused by Serialize() instead of sending null;
//  - a dangling reference (defaultPoolId, applicationProfileId, applicationRuleId, monitorId)
//    is a kProtocolError rather than a crash or a silently dropped object.
//
// Plain values: copyable, not synchronized.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driver/common/status.h"
#include "driver/nsxv/json_codec.h"

namespace nsxv::driver {

struct LbMonitor {
  std::string name;
  std::optional<int64_t> interval = 10;
  std::optional<int64_t> max_retries = 3;
  std::optional<std::string> method = "GET";  // [UNVERIFIED] whether NSX returns it for tcp
  std::optional<int64_t> timeout = 15;
  std::optional<std::string> type = "http";
  std::optional<std::string> url = "/";
  std::string extra;
  bool operator==(const LbMonitor&) const = default;
};

struct LbPoolMember {
  std::string name;
  std::string ip_address;
  IntOrString port;
  std::optional<IntOrString> monitor_port;  // nullopt: JSON null (as 2016 sent None)
  std::string condition = "enabled";
  int64_t weight = 1;
  int64_t min_conn = 0;
  int64_t max_conn = 0;
  std::string extra;
  bool operator==(const LbPoolMember&) const = default;
};

struct LbPool {
  std::string name;
  std::string algorithm = "round-robin";
  bool transparent = false;
  std::vector<LbPoolMember> members;  // insertion order; names are unique (AddMember replaces)
  std::vector<LbMonitor> monitors;
  std::string extra;

  void AddMember(LbPoolMember member);
  void AddMonitor(LbMonitor monitor);
  bool operator==(const LbPool&) const = default;
};

struct LbPersistence {
  std::string method;  // "cookie", "sourceip", ...
  std::optional<int64_t> expire;
  std::optional<std::string> cookie_mode;
  std::optional<std::string> cookie_name;
  std::string extra;
  bool operator==(const LbPersistence&) const = default;
};

struct LbClientSsl {
  std::string client_auth = "ignore";
  std::vector<std::string> service_certificate;
  std::string extra;
  bool operator==(const LbClientSsl&) const = default;
};

struct LbAppProfile {
  std::string name;
  bool server_ssl_enabled = false;
  bool ssl_passthrough = false;
  std::string template_name = "TCP";  // "template"
  bool insert_x_forwarded_for = false;
  std::optional<LbPersistence> persistence;
  std::optional<LbClientSsl> client_ssl;
  std::string extra;

  // set_persistence(). Fix: cookie mode and name are kept when `method` is "cookie" (2016
  // compared cookie_mode with 'cookie'). persist=false removes persistence.
  void SetPersistence(bool persist, std::string method = "cookie",
                      std::string cookie_name = "JSESSIONID", std::string cookie_mode = "insert",
                      int64_t expire = 30);
  // clientSsl {clientAuth: "ignore", serviceCertificate: [cert_id]}.
  void SetClientSsl(std::string cert_id);
  bool operator==(const LbAppProfile&) const = default;
};

struct LbAppRule {
  std::string name;
  std::string script;
  std::string extra;
  bool operator==(const LbAppRule&) const = default;
};

struct LbVirtualServer {
  std::string name;
  std::string ip_address;
  IntOrString port = 80;
  std::string protocol = "HTTP";
  bool enabled = true;
  bool acceleration_enabled = false;
  int64_t connection_limit = 0;
  bool enable_service_insertion = false;
  LbAppProfile app_profile;
  std::vector<LbAppRule> app_rules;  // insertion order; AddAppRule replaces by name
  LbPool default_pool;
  std::string extra;

  void AddAppRule(LbAppRule rule);
  bool operator==(const LbVirtualServer&) const = default;
};

class LoadBalancer {
 public:
  bool enabled = true;
  bool enable_service_insertion = false;
  bool acceleration_enabled = false;
  std::vector<LbVirtualServer> virtual_servers;  // insertion order = id order
  // Objects of a parsed document that no virtual server references (kept, never built here).
  std::vector<LbAppProfile> unreferenced_profiles;
  std::vector<LbAppRule> unreferenced_rules;
  std::vector<LbPool> unreferenced_pools;
  std::vector<LbMonitor> unreferenced_monitors;
  std::string extra;

  // add_virtual_server(): a server with the same name is replaced in place (dict semantics).
  void AddVirtualServer(LbVirtualServer vs);
  void RemoveVirtualServer(std::string_view name);
  LbVirtualServer* FindVirtualServer(std::string_view name);

  // The PUT body (§3.2, §3.3). kInvalidArgument for a member without an IP address.
  Result<std::string> Serialize() const;
  // A GET document (§3.4). kProtocolError for bodies that are not the LB document.
  static Result<LoadBalancer> Parse(std::string_view body);

  bool operator==(const LoadBalancer&) const = default;
};

// HMAC-SHA256(key, message) as 64 lower-case hex digits (the insert-auth signature, §3.3 (c)).
std::string HmacSha256Hex(std::string_view key, std::string_view message);

// The metadata LB document of _setup_metadata_lb (§3.3).
struct MetadataLbSpec {
  std::string edge_id;
  std::string vip;
  int64_t vip_port = 0;
  int64_t member_port = 0;
  std::vector<std::string> member_ips;
  bool proxy_lb = false;  // true: metadata proxy edge; false: router or DHCP edge
  bool insecure = true;   // metadata_insecure
  std::string shared_secret;
  std::string certificate_id;  // router edge over HTTPS: clientSsl service certificate
};
LoadBalancer MakeMetadataLoadBalancer(const MetadataLbSpec& spec);

}  // namespace nsxv::driver
