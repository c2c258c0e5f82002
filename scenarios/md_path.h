// The metadata-path oracle: proves or refutes, per tenant router, "a VM behind this router that
// asks http(s)://169.254.169.254/openstack/latest/meta_data.json reaches a Nova metadata server
// with X-Metadata-Provider: <edge id> and a valid X-Metadata-Provider-Signature, and nothing else
// on the internal network is reachable from the tenant side", from the NSX documents alone.
//
// It is independent of the driver's code on purpose: it reads the raw JSON documents the manager
// returns and applies the NSX-v semantics listed in docs/metadata-path.md (one line each, marked
// [UNVERIFIED] where no public source confirms them). It never asks what the driver meant to
// write, so a mistake the driver makes is not repeated here.
//
// Input, per edge (an object keyed by edge id; the "edge snapshot", documented in
// docs/metadata-path.md): "summary" (the edge's entry of GET /api/4.0/edges), "status" (GET
// .../status), "vnics" (array of GET .../vnics/{i}), "routing" (GET .../routing/config/static),
// "firewall" (GET .../firewall/config), "loadBalancer" (GET .../loadbalancer/config),
// "certificates" (GET .../truststore/certificate/scope/{edge}), and "errors" (document name ->
// one-line error, for documents the collector could not read; "statusErrorCode" the NSX errorCode
// of a failed status read). An absent element takes its documented NSX-v default.
//
// Output: one MdRouterVerdict per router: the positive path ("metadata") with its hop list, and
// three negative verdicts ("no-inter-edge", "no-other-port", "no-spoofed-provider").
//
// Pure functions on plain values; thread-compatible (no shared state).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace nsxv::scenarios {

// Nova's side of the path.
struct MdPathNova {
  std::vector<std::string> metadata_ips;  // nova_metadata_ips
  int port = 8775;                        // nova_metadata_port
  // Nova's metadata_proxy_shared_secret (may differ from the driver's). Empty: Nova does not
  // check X-Metadata-Provider-Signature (as Nova does).
  std::string shared_secret;
  // The VM asks http://169.254.169.254:80 when true, https://...:443 when false; Nova then speaks
  // TLS on its metadata port.
  bool metadata_insecure = true;
  // metadata_service_allowed_ports ("9000" or "1000:2000"): ports of 169.254.169.254 a tenant may
  // reach besides 80, 443 and 8775; the negative check "no-other-port" probes every other port.
  std::vector<std::string> allowed_ports;
};

struct MdPathRouter {
  std::string router_id;  // for messages only
  std::string edge_id;    // the router's edge (from the driver's router bindings)
};

struct MdPathInput {
  std::vector<MdPathRouter> routers;     // tenant router / DHCP edges that must reach metadata
  std::vector<std::string> proxy_edges;  // edge ids of the metadata proxy edges
  MdPathNova nova;
};

// One step of a path: which element of which edge decided what, and why.
struct MdPathHop {
  std::string edge;      // "edge-12", or "nova", or "client"
  std::string element;   // "status", "vnic 1", "firewall", "lb", "virtualServer MdSrv", ...
  std::string decision;  // what the element did: "up", "accept", "deny", "listen", "reqadd", ...
  std::string reason;    // one line
  bool ok = true;        // the hop is consistent with the verdict being proven
};

struct MdPathVerdict {
  std::string check;  // "metadata", "no-inter-edge", "no-other-port", "no-spoofed-provider"
  bool proven = false;
  std::string reason;  // proven: one-line summary; failed: the first failing hop's reason
  std::vector<MdPathHop> hops;
};

struct MdRouterVerdict {
  std::string router_id;
  std::string edge_id;
  MdPathVerdict metadata;
  std::vector<MdPathVerdict> negatives;
  bool proven() const;
  // "" when proven, else "<check>: <reason>" of the first verdict that failed.
  std::string FirstFailure() const;
};

struct MdPathReport {
  std::vector<MdRouterVerdict> routers;
  int proven() const;  // routers whose every verdict is proven
  bool ok() const { return proven() == static_cast<int>(routers.size()); }
};

// Evaluates every router of `input` against the edge snapshot `edges` (see the header comment).
// Never fails: a missing or malformed document is a failing hop naming it.
MdPathReport EvaluateMdPaths(const nlohmann::json& edges, const MdPathInput& input);

// What the VM gets: "200" when the metadata path is proven; otherwise, when the first failing hop
// is Nova's answer, that status ("400", "403"); otherwise "unreachable".
std::string MdPathStatus(const MdRouterVerdict& verdict);

// lower-case hex of HMAC-SHA256(key, message) (Nova's signature; OpenSSL).
std::string MdPathSignature(const std::string& key, const std::string& message);

// The hop table as text: one "edge  element  decision  reason" row per hop, a verdict line per
// check, and a last line "metadata path: N/M routers proven".
std::string RenderMdPathText(const MdPathReport& report);
// The JSON form (documented in docs/metadata-path.md).
nlohmann::json MdPathReportToJson(const MdPathReport& report);

}  // namespace nsxv::scenarios
