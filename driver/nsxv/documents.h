// Port of the request/response documents built and read in vmware_nsx/plugins/nsx_v/vshield/
// (edge_appliance_driver.py, edge_firewall_driver.py, vcns.py): NSX-v edge, vnic, routing,
// firewall, truststore and virtual-wire documents as C++ values with JSON (and XML) codecs.
//
// Decoding is strict and never throws: a body that is not JSON, a missing required field or a
// field of the wrong type gives kProtocolError naming the document and the field path
// ("vnic: field \"addressGroups.addressGroups[0].primaryAddress\" is missing").
//
// Read-modify-write never drops what the driver does not model: every decoded object keeps the
// fields it did not consume in `extra` (JSON object text, empty when none), and Encode* lays the
// modelled fields over them. A value built from scratch has an empty `extra`. Unknown fields
// nested inside a modelled object are kept too (they go into the enclosing `extra`).
//
// Values are plain data: copyable, not synchronized.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "driver/common/status.h"
#include "driver/nsxv/json_codec.h"

namespace nsxv::driver {

// ---- Vnic (§1.8, §1.9) ----

struct SecondaryAddresses {
  std::string type = "secondary_addresses";
  std::vector<std::string> ip_address;
  std::string extra;
  bool operator==(const SecondaryAddresses&) const = default;
};

struct AddressGroup {
  std::string primary_address;  // required
  std::optional<std::string> subnet_mask;
  // NSX sends and the driver writes a STRING ("17"); a number is accepted and kept as such.
  std::optional<IntOrString> subnet_prefix_length;
  std::optional<SecondaryAddresses> secondary_addresses;
  std::string extra;
  bool operator==(const AddressGroup&) const = default;
};

struct Vnic {
  int64_t index = 0;  // required, 0..9
  std::optional<std::string> name;
  std::optional<std::string> label;
  std::optional<std::string> type;  // "uplink", "internal", "trunk"
  std::optional<std::string> portgroup_id;
  std::optional<int64_t> mtu;
  std::optional<bool> is_connected;
  std::optional<bool> enable_proxy_arp;
  std::optional<bool> enable_send_redirects;
  // addressGroups.addressGroups; has_address_groups says whether the key is sent at all.
  std::vector<AddressGroup> address_groups;
  bool has_address_groups = false;
  // subInterfaces.subInterfaces as JSON array text, for documents the driver builds (it only
  // ever sends []). A decoded vnic keeps subInterfaces verbatim in `extra` instead.
  std::optional<std::string> sub_interfaces;
  std::string extra;
  bool operator==(const Vnic&) const = default;
};

// The vnic bodies of §1.9: external uplink (index 0) or internal with one address group.
// `secondary` may be empty (no secondaryAddresses element). `prefix_length` empty: not sent.
Vnic MakeVnic(int64_t index, std::string portgroup_id, std::string primary_address,
              std::string subnet_mask, std::string prefix_length = {},
              std::vector<std::string> secondary = {});
// The same connected vnic (name, type, mtu 1500, no proxy ARP, send redirects) with the given
// address groups.
Vnic MakeVnic(int64_t index, std::string portgroup_id, std::vector<AddressGroup> address_groups);

Result<Vnic> DecodeVnic(std::string_view body);
std::string EncodeVnic(const Vnic& vnic);

// ---- Static routing (§1.10, §1.11) ----

struct StaticRoute {
  std::optional<std::string> description;
  std::optional<IntOrString> vnic;  // NSX may send "1" or 1
  std::string network;              // required
  std::string next_hop;             // required
  std::optional<int64_t> mtu;
  std::string extra;
  bool operator==(const StaticRoute&) const = default;
};

struct DefaultRoute {
  std::string gateway_address;  // required
  std::optional<std::string> description;
  std::optional<IntOrString> vnic;
  std::optional<int64_t> mtu;
  std::string extra;
  bool operator==(const DefaultRoute&) const = default;
};

struct StaticRouting {
  std::vector<StaticRoute> static_routes;
  std::optional<DefaultRoute> default_route;  // absent: no default route
  std::string extra;
  bool operator==(const StaticRouting&) const = default;
};

Result<StaticRouting> DecodeStaticRouting(std::string_view body);
std::string EncodeStaticRouting(const StaticRouting& routing);

// ---- Firewall (§1.14, §1.15) ----

struct FirewallService {
  std::optional<std::string> protocol;
  std::vector<int64_t> port;         // "port"
  std::vector<int64_t> source_port;  // "sourcePort"
  std::optional<std::string> icmp_type;
  std::string extra;
  bool operator==(const FirewallService&) const = default;
};

struct FirewallEndpoint {
  std::vector<std::string> ip_address;     // "ipAddress"
  std::vector<std::string> vnic_group_id;  // "vnicGroupId"
  std::string extra;
  bool operator==(const FirewallEndpoint&) const = default;
};

struct FirewallRule {
  std::optional<int64_t> rule_id;   // assigned by the backend; never sent
  std::optional<int64_t> rule_tag;  // 1-based position unless given
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::string> rule_type;  // read back ("user"); never sent
  std::string action;                    // required: "accept" or "deny"
  bool enabled = true;
  std::optional<FirewallEndpoint> source;
  std::optional<FirewallEndpoint> destination;
  std::vector<FirewallService> services;  // application.service; empty: no "application"
  std::string extra;
  bool operator==(const FirewallRule&) const = default;
};

struct FirewallConfig {
  std::optional<std::string> feature_type = "firewall_4.0";
  std::optional<int64_t> tcp_timeout_established = 7200;  // globalConfig
  std::vector<FirewallRule> rules;                        // firewallRules.firewallRules
  std::string extra;  // version, enabled, defaultPolicy, ... from a GET
  bool operator==(const FirewallConfig&) const = default;
};

Result<FirewallConfig> DecodeFirewallConfig(std::string_view body);
// The PUT body. ruleId and ruleType (backend-assigned) are not sent.
std::string EncodeFirewallConfig(const FirewallConfig& config);

// ---- Edge document (§1.1, §1.2, §1.3) ----

struct EdgeFeature {
  std::string feature_type;  // "firewall_4.0", "loadbalancer_4.0", "highavailability_4.0"
  std::optional<bool> enabled;
  std::optional<int64_t> tcp_timeout_established;  // globalConfig (firewall)
  std::string extra;
  bool operator==(const EdgeFeature&) const = default;
};

struct EdgeAppliance {
  std::optional<std::string> resource_pool_id;
  std::optional<std::string> datastore_id;
  std::string extra;
  bool operator==(const EdgeAppliance&) const = default;
};

struct EdgeDocument {
  std::optional<std::string> id;  // update only
  std::string name;               // required
  // Sent as its value or JSON null (the 2016 driver always sends "fqdn": null).
  std::optional<std::string> fqdn;
  std::optional<bool> enable_aesni;
  std::optional<bool> enable_fips;
  std::vector<EdgeFeature> features;  // featureConfigs.features
  bool has_features = false;
  // cliSettings
  std::optional<bool> remote_access;
  std::optional<std::string> cli_user_name;
  std::optional<std::string> cli_password;
  bool has_cli_settings = false;
  // autoConfiguration
  std::optional<bool> auto_configuration_enabled;
  std::optional<std::string> auto_configuration_rule_priority;
  bool has_auto_configuration = false;
  // appliances
  std::optional<std::string> appliance_size;
  std::optional<std::string> deployment_container_id;
  std::vector<EdgeAppliance> appliances;  // appliances.appliances
  bool has_appliance_list = false;
  std::optional<std::string> type;  // "gatewayServices"
  std::optional<std::string> datacenter_moid;
  std::vector<Vnic> vnics;  // vnics.vnics
  bool has_vnics = false;
  std::string extra;
  bool operator==(const EdgeDocument&) const = default;
};

// Options of _assemble_edge for a service edge (§1.1).
struct EdgeSpec {
  std::string name;
  std::string appliance_size = "compact";
  std::string external_portgroup;  // vnic 0 portgroupId
  std::optional<std::string> deployment_container_id;
  std::optional<std::string> resource_pool_id;
  std::optional<std::string> datastore_id;
  std::optional<std::string> ha_datastore_id;  // with edge_ha
  std::optional<std::string> datacenter_moid;
  bool edge_ha = false;
  bool loadbalancer_enable = true;
  std::optional<std::string> appliance_user;  // both or neither
  std::optional<std::string> appliance_password;
};

// The deploy document of §1.1 (and, with `id` set, the update document of §1.2).
EdgeDocument MakeEdgeDocument(const EdgeSpec& spec);

Result<EdgeDocument> DecodeEdge(std::string_view body);
std::string EncodeEdge(const EdgeDocument& edge);

// ---- Edge list, status and jobs (§1.4, §1.6, §1.7) ----

struct EdgeSummary {
  std::string id;  // required
  std::optional<std::string> name;
  std::optional<std::string> edge_status;
  std::optional<std::string> edge_type;
  std::optional<std::string> appliance_size;  // appliancesSummary.applianceSize
  std::string extra;
};

struct PagingInfo {
  int64_t page_size = 0;
  int64_t start_index = 0;
  int64_t total_count = 0;
};

struct EdgePage {
  std::vector<EdgeSummary> data;
  std::optional<PagingInfo> paging;  // absent: the page is the whole list
};

Result<EdgePage> DecodeEdgePage(std::string_view body);

struct EdgeStatus {
  std::string edge_status;  // required: GREEN, YELLOW, GREY, RED
  std::string extra;
};

Result<EdgeStatus> DecodeEdgeStatus(std::string_view body);

struct EdgeJob {
  std::optional<std::string> job_id;
  std::optional<std::string> status;
  std::string extra;
};

// `edgeJob` is required and must be an array (check_edge_jobs compares it with []).
Result<std::vector<EdgeJob>> DecodeEdgeJobs(std::string_view body);

// ---- Truststore (§1.16-§1.18) ----

struct CsrSpec {
  std::vector<std::pair<std::string, std::string>> subject = {{"CN", "metadata.nsx.local"},
                                                              {"O", "Organization"},
                                                              {"OU", "Unit"},
                                                              {"L", "Locality"},
                                                              {"ST", "State"},
                                                              {"C", "US"}};
  std::string algorithm = "RSA";
  int key_size = 2048;
};

// <csr>...</csr> without an XML declaration; with the defaults it is the 2016 constant
// byte for byte. Values are XML-escaped.
std::string EncodeCsrXml(const CsrSpec& spec);

// Top-level objectId of the self-signed certificate document (§1.17).
Result<std::string> DecodeSelfSignedCertificateId(std::string_view body);
// certificates[0].objectId of an upload answer (§1.18).
Result<std::string> DecodeUploadedCertificateId(std::string_view body);
// GET .../truststore/certificate/scope/{edgeId}: the objectIds of `certificates`, in order.
Result<std::vector<std::string>> DecodeCertificateIds(std::string_view body);
// One entry of the truststore list of a scope: objectId and x509Certificate.subjectCn (empty
// when absent).
struct CertificateSummary {
  std::string id;
  std::string subject_cn;
  bool operator==(const CertificateSummary&) const = default;
};
Result<std::vector<CertificateSummary>> DecodeCertificates(std::string_view body);
// {"pemEncoding": ..., "privateKey": ...}.
std::string EncodeCertificateUpload(std::string_view pem_encoding, std::string_view private_key);

// ---- Virtual wire (§1.19) ----

struct VirtualWireSpec {
  std::string name;  // the neutron network id
  std::string tenant_id = "virtual wire tenant";
  std::optional<std::string> description;
};

// <virtualWireCreateSpec><name>..</name>[<description>..</description>]<tenantId>..</tenantId>
// </virtualWireCreateSpec>, values XML-escaped (the 2016 xmldumps did not escape).
std::string EncodeVirtualWireXml(const VirtualWireSpec& spec);

}  // namespace nsxv::driver
