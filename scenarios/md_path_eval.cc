// The metadata-path oracle's hop logic (md_path.h): the positive path VM -> router edge (status,
// vnic, firewall, LB virtual server, profile, application rules, pool) -> every member's proxy
// edge (ownership, reachability, status, firewall, virtual server, pool) -> every Nova endpoint
// (route, firewall) -> Nova's header checks; and the three negative verdicts. This file is longer
// than ~500 lines because the hops of one path read best in one place.
#include <algorithm>
#include <map>

#include "driver/common/strings.h"
#include "scenarios/md_path.h"
#include "scenarios/md_path_internal.h"

namespace nsxv::scenarios {

using namespace mdpath;  // NOLINT(google-build-using-namespace): the oracle's own helpers

namespace {

struct Header {
  std::string name;
  std::string value;
};

// Collects hops; the first hop that is not ok gives the verdict's reason.
class VerdictBuilder {
 public:
  explicit VerdictBuilder(std::string check) { v_.check = std::move(check); }
  bool Hop(const std::string& edge, const std::string& element, const std::string& decision,
           const std::string& reason, bool ok) {
    v_.hops.push_back({edge, element, decision, reason, ok});
    if (!ok && !failed_) {
      failed_ = true;
      v_.reason = edge + " " + element + ": " + reason;
    }
    return ok;
  }
  bool failed() const { return failed_; }
  MdPathVerdict Done(const std::string& summary) {
    v_.proven = !failed_;
    if (!failed_) v_.reason = summary;
    return std::move(v_);
  }

 private:
  MdPathVerdict v_;
  bool failed_ = false;
};

// The hop of a firewall decision; ok when it is the wanted decision for the whole packet set.
bool FirewallHop(VerdictBuilder& b, const EdgeView& edge, const FirewallDecision& fw,
                 const std::string& reason, bool want_accept = true) {
  const char* word = fw.unknown ? "unknown" : fw.accept ? "accept" : "deny";
  return b.Hop(edge.id, "firewall", word, reason,
               fw.accept == want_accept && !fw.partial && !fw.unknown);
}

const json* FindById(const json& lb, const char* list, const char* id_key, const std::string& id) {
  if (!lb.contains(list) || !lb[list].is_array()) return nullptr;
  for (const json& e : lb[list]) {
    if (StringOr(e, id_key) == id) return &e;
  }
  return nullptr;
}

PortSet PortsOf(const json& v) {
  PortSet out;
  if (v.is_array()) {
    for (const auto& e : v) AddPorts(e, &out);
  } else {
    AddPorts(v, &out);
  }
  return out;
}

// Members that receive new connections: condition enabled (NSX default); disabled and drain do
// not.
std::vector<const json*> ActiveMembers(const json& pool) {
  std::vector<const json*> out;
  if (!pool.contains("member") || !pool["member"].is_array()) return out;
  for (const json& m : pool["member"]) {
    const std::string c = Lower(StringOr(m, "condition", "enabled"));
    if (c == "enabled") out.push_back(&m);
  }
  return out;
}

// Nova's reading of the headers, under one of two readings of repeated header lines.
enum class HeaderReading { kMerged, kFirst };

std::optional<std::string> HeaderValue(const std::vector<Header>& headers, const std::string& name,
                                       HeaderReading reading) {
  std::optional<std::string> out;
  for (const auto& h : headers) {
    if (Lower(h.name) != Lower(name)) continue;
    if (!out) {
      out = h.value;
      if (reading == HeaderReading::kFirst) break;
    } else {
      *out += ", " + h.value;
    }
  }
  return out;
}

struct NovaAnswer {
  int status = 0;
  std::string provider;
  std::string reason;
};

// Nova's _handle_instance_id_request_from_lb (X-Metadata-Provider present) or, without it, the
// instance-id path that a bare LB request cannot satisfy.
NovaAnswer AskNova(const std::vector<Header>& headers, const MdPathNova& nova,
                   HeaderReading reading) {
  NovaAnswer a;
  const auto provider = HeaderValue(headers, "X-Metadata-Provider", reading);
  if (!provider) {
    a.status = 400;
    a.reason = "no X-Metadata-Provider: Nova takes the X-Instance-ID path and answers 400";
    return a;
  }
  a.provider = *provider;
  if (!HeaderValue(headers, "X-Forwarded-For", reading)) {
    a.status = 400;
    a.reason = "X-Forwarded-For is missing from request (Nova answers 400)";
    return a;
  }
  if (!nova.shared_secret.empty()) {
    const auto sig = HeaderValue(headers, "X-Metadata-Provider-Signature", reading);
    const std::string expected = MdPathSignature(nova.shared_secret, *provider);
    if (!sig || *sig != expected) {
      a.status = 403;
      a.reason = "signature mismatch for provider '" + *provider +
                 "': " + (sig ? "got " + sig->substr(0, 16) + "..." : std::string("no signature")) +
                 ", Nova expects " + expected.substr(0, 16) + "... (Nova answers 403)";
      return a;
    }
    a.reason = "provider '" + *provider + "' with a valid signature";
  } else {
    a.reason = "provider '" + *provider + "'; Nova has no shared secret (no signature check)";
  }
  a.status = 200;
  return a;
}

std::string MemberText(const json& m) {
  std::string port = m.contains("port") ? m["port"].dump() : "?";
  if (port.size() > 1 && port.front() == '"') port = port.substr(1, port.size() - 2);
  return StringOr(m, "ipAddress", "?") + ":" + port;
}

class Tracer {
 public:
  Tracer(const json& edges, const MdPathInput& input) : edges_(edges), input_(input) {
    for (const auto& p : input.proxy_edges) proxies_.push_back(p);
  }

  MdRouterVerdict Trace(const MdPathRouter& router) {
    MdRouterVerdict out;
    out.router_id = router.router_id;
    out.edge_id = router.edge_id;
    out.metadata = Positive(router);
    out.negatives.push_back(NoInterEdge(router));
    out.negatives.push_back(NoOtherPort(router));
    out.negatives.push_back(NoSpoofedProvider(router));
    return out;
  }

 private:
  const EdgeView& Edge(const std::string& id) {
    auto it = cache_.find(id);
    if (it == cache_.end()) it = cache_.emplace(id, ParseEdge(edges_, id)).first;
    return it->second;
  }

  int VmPort() const { return input_.nova.metadata_insecure ? 80 : 443; }
  std::string VmProtocol() const { return input_.nova.metadata_insecure ? "HTTP" : "HTTPS"; }

  // The enabled virtual servers of `lb` listening on ip:port.
  static std::vector<const json*> Listeners(const json& lb, uint32_t ip, int port) {
    std::vector<const json*> out;
    if (!lb.contains("virtualServer") || !lb["virtualServer"].is_array()) return out;
    for (const json& vs : lb["virtualServer"]) {
      if (!BoolOr(vs, "enabled", true)) continue;
      if (ParseIp(StringOr(vs, "ipAddress")) != ip) continue;
      if (!vs.contains("port") || !Contains(PortsOf(vs["port"]), port)) continue;
      out.push_back(&vs);
    }
    return out;
  }

  // The LB of `edge` accepting `protocol` on ip:port, after the "lb" and "virtualServer" hops.
  const json* FindVirtualServer(VerdictBuilder& b, const EdgeView& edge, uint32_t ip, int port,
                                const std::vector<std::string>& protocols) {
    if (edge.lb == nullptr) {
      b.Hop(edge.id, "lb", "unread", "load balancer not read: " + edge.Error("loadBalancer"),
            false);
      return nullptr;
    }
    if (!b.Hop(edge.id, "lb", BoolOr(*edge.lb, "enabled", true) ? "enabled" : "disabled",
               BoolOr(*edge.lb, "enabled", true) ? "load balancer enabled"
                                                 : "load balancer disabled (enabled=false)",
               BoolOr(*edge.lb, "enabled", true))) {
      return nullptr;
    }
    const auto vss = Listeners(*edge.lb, ip, port);
    const std::string where = IpText(ip) + ":" + std::to_string(port);
    if (vss.empty()) {
      b.Hop(edge.id, "virtualServer", "none", "no enabled virtual server listens on " + where,
            false);
      return nullptr;
    }
    if (vss.size() > 1) {
      b.Hop(edge.id, "virtualServer", "ambiguous",
            std::to_string(vss.size()) + " enabled virtual servers listen on " + where, false);
      return nullptr;
    }
    const json& vs = *vss.front();
    const std::string proto = StringOr(vs, "protocol");
    const bool ok = std::find(protocols.begin(), protocols.end(), Lower(proto)) != protocols.end();
    b.Hop(edge.id, "virtualServer " + StringOr(vs, "name"), ok ? "listen" : "wrong protocol",
          "listens on " + where + " " + proto +
              (ok ? "" : "; expected " + Join(protocols, " or ") + " here"),
          ok);
    return ok ? &vs : nullptr;
  }

  // Applies the VS's application rules to `headers`; false (after a failing hop) on any rule the
  // oracle does not understand or cannot find.
  bool ApplyRules(VerdictBuilder& b, const EdgeView& edge, const json& vs,
                  std::vector<Header>* headers) {
    if (!vs.contains("applicationRuleId")) return true;
    std::vector<std::string> ids;
    const json& list = vs["applicationRuleId"];
    if (list.is_string()) ids.push_back(list.get<std::string>());
    if (list.is_array()) {
      for (const auto& id : list) {
        if (id.is_string()) ids.push_back(id.get<std::string>());
      }
    }
    for (const auto& id : ids) {
      const json* rule = FindById(*edge.lb, "applicationRule", "applicationRuleId", id);
      if (rule == nullptr) {
        return b.Hop(edge.id, "applicationRule " + id, "missing",
                     "the virtual server names " + id + ", which the LB does not hold", false);
      }
      const std::string element = "applicationRule " + StringOr(*rule, "name", id);
      for (const auto& op : ParseAppRule(StringOr(*rule, "script"))) {
        if (op.kind != AppRuleOp::Kind::kReqAdd) {
          return b.Hop(edge.id, element, "unknown rule",
                       "unknown rule '" + op.text + "' (the oracle knows only 'reqadd Name:value')",
                       false);
        }
        headers->push_back({op.header, op.value});
        b.Hop(edge.id, element, "reqadd", op.header + ": " + op.value, true);
      }
    }
    return true;
  }

  MdPathVerdict Positive(const MdPathRouter& router);
  bool TraceMember(VerdictBuilder& b, const EdgeView& r, const VnicView& r_vnic, uint32_t r_source,
                   const json& member, bool tls, int default_port,
                   const std::vector<Header>& headers, const std::string& router_edge);
  bool TraceNova(VerdictBuilder& b, const EdgeView& p, const json& member, bool tls,
                 const std::vector<Header>& headers, const std::string& router_edge);
  MdPathVerdict NoInterEdge(const MdPathRouter& router);
  MdPathVerdict NoOtherPort(const MdPathRouter& router);
  MdPathVerdict NoSpoofedProvider(const MdPathRouter& router);

  // The router's headers as the path builds them (client headers first), or nullopt when the
  // router's LB cannot be read into a header list (the positive verdict says why).
  std::optional<std::vector<Header>> RouterHeaders(const EdgeView& r,
                                                   std::vector<Header> client_headers);

  const json& edges_;
  const MdPathInput& input_;
  std::vector<std::string> proxies_;
  std::map<std::string, EdgeView> cache_;
};

// ---- the positive path ----

MdPathVerdict Tracer::Positive(const MdPathRouter& router) {
  VerdictBuilder b("metadata");
  const EdgeView& r = Edge(router.edge_id);
  if (r.known) {
    for (const auto& p : r.problems) b.Hop(r.id, "documents", "malformed", p, false);
  }
  std::string why;
  const bool running = EdgeRunning(r, &why);
  if (!b.Hop(r.id, "status", running ? "up" : "down", why, running)) return b.Done("");

  const uint32_t md_ip = *ParseIp(kMetadataIp);
  const VnicView* vnic = r.ConnectedVnicOwning(md_ip);
  if (vnic == nullptr) {
    std::string reason = std::string("no connected vnic owns ") + kMetadataIp;
    for (const auto& v : r.vnics) {
      if (v.Owns(md_ip)) reason += " (" + v.Label() + " does, but isConnected=false)";
    }
    b.Hop(r.id, "vnic", "missing", reason, false);
    return b.Done("");
  }
  std::optional<uint32_t> source;  // the edge's inter-edge address on that vnic
  for (const auto& g : vnic->groups) {
    if (InNet(g.primary, kInterEdgeNet, kInterEdgePrefix) && InNet(md_ip, g.primary, g.prefix)) {
      source = g.primary;
    }
  }
  if (!b.Hop(r.id, vnic->Label(), "owns",
             std::string(kMetadataIp) + " on " + vnic->portgroup +
                 (source ? ", inter-edge address " + IpText(*source)
                         : ", but no primary address on 169.254.128.0/17 holds it"),
             source.has_value())) {
    return b.Done("");
  }
  Packet in;
  in.dest_ip = md_ip;
  in.ports = {{VmPort(), VmPort()}};
  // A firewall decision does not stop the trace: the hops behind it still show what else is
  // wrong (the verdict keeps the first failure).
  const FirewallDecision fw = EvaluateFirewall(r, in);
  FirewallHop(b, r, fw, fw.reason);
  const json* vs = FindVirtualServer(b, r, md_ip, VmPort(), {Lower(VmProtocol())});
  if (vs == nullptr) return b.Done("");

  // Application profile: X-Forwarded-For, TLS termination and certificate.
  const json* profile = FindById(*r.lb, "applicationProfile", "applicationProfileId",
                                 StringOr(*vs, "applicationProfileId"));
  if (profile == nullptr) {
    b.Hop(r.id, "applicationProfile", "missing",
          "the virtual server names no application profile the LB holds", false);
    return b.Done("");
  }
  const std::string pname = "applicationProfile " + StringOr(*profile, "name");
  const std::string tmpl = StringOr(*profile, "template", VmProtocol());
  if (!b.Hop(r.id, pname, "template", "template " + tmpl, Lower(tmpl) == Lower(VmProtocol()))) {
    return b.Done("");
  }
  bool upstream_tls = false;
  if (!input_.nova.metadata_insecure) {
    if (!b.Hop(r.id, pname, BoolOr(*profile, "sslPassthrough", false) ? "passthrough" : "terminate",
               BoolOr(*profile, "sslPassthrough", false)
                   ? "sslPassthrough=true: the edge cannot add headers to TLS it does not decrypt"
                   : "terminates TLS",
               !BoolOr(*profile, "sslPassthrough", false))) {
      return b.Done("");
    }
    std::string cert;
    if (profile->contains("clientSsl") && (*profile)["clientSsl"].is_object()) {
      const json& sc = (*profile)["clientSsl"].value("serviceCertificate", json());
      if (sc.is_array() && !sc.empty() && sc[0].is_string()) cert = sc[0].get<std::string>();
      if (sc.is_string()) cert = sc.get<std::string>();
    }
    const bool present = !cert.empty() && r.certificates.count(cert) > 0;
    if (!b.Hop(r.id, pname, "certificate",
               cert.empty() ? "clientSsl names no service certificate"
                            : cert + (present ? " is in the edge's truststore"
                                              : " is not in the edge's truststore"),
               present)) {
      return b.Done("");
    }
    upstream_tls = BoolOr(*profile, "serverSslEnabled", false);
  }
  std::vector<Header> headers;
  if (!b.Hop(r.id, pname, "X-Forwarded-For",
             BoolOr(*profile, "insertXForwardedFor", false)
                 ? "inserts X-Forwarded-For: <VM address>"
                 : "insertXForwardedFor=false: Nova will answer 400 (X-Forwarded-For missing)",
             BoolOr(*profile, "insertXForwardedFor", false))) {
    return b.Done("");
  }
  headers.push_back({"X-Forwarded-For", "<VM address>"});
  if (!ApplyRules(b, r, *vs, &headers)) return b.Done("");

  const json* pool = FindById(*r.lb, "pool", "poolId", StringOr(*vs, "defaultPoolId"));
  if (pool == nullptr) {
    b.Hop(r.id, "pool", "missing", "the virtual server names no pool the LB holds", false);
    return b.Done("");
  }
  const auto members = ActiveMembers(*pool);
  std::vector<std::string> texts;
  for (const json* m : members) texts.push_back(MemberText(*m));
  if (!b.Hop(r.id, "pool " + StringOr(*pool, "name"), members.empty() ? "empty" : "balance",
             members.empty() ? "no enabled member: every request fails (503)"
                             : std::to_string(members.size()) +
                                   " enabled member(s), each must work: " + Join(texts, ", "),
             !members.empty())) {
    return b.Done("");
  }
  const int vs_port = VmPort();
  for (const json* m : members) {
    TraceMember(b, r, *vnic, *source, *m, upstream_tls, vs_port, headers, r.id);
  }
  return b.Done("every member's path reaches Nova with X-Metadata-Provider " + r.id +
                " and a valid signature");
}

bool Tracer::TraceMember(VerdictBuilder& b, const EdgeView& r, const VnicView& r_vnic,
                         uint32_t r_source, const json& member, bool tls, int default_port,
                         const std::vector<Header>& headers, const std::string& router_edge) {
  const std::string mtext = MemberText(member);
  const std::string element = "member " + mtext;
  const auto ip = ParseIp(StringOr(member, "ipAddress"));
  // A member without a port uses the virtual server's port.
  const auto port =
      member.contains("port") ? IntOf(member["port"]) : std::optional<int64_t>(default_port);
  if (!ip || !port) return b.Hop(r.id, element, "malformed", "no usable ipAddress/port", false);
  Packet out;
  out.source = Packet::Source::kEdgeItself;
  out.source_ip = r_source;
  out.dest_ip = *ip;
  out.ports = {{static_cast<int>(*port), static_cast<int>(*port)}};
  const FirewallDecision fw = EvaluateFirewall(r, out);
  FirewallHop(b, r, fw, fw.reason);
  if (!InNet(*ip, kInterEdgeNet, kInterEdgePrefix)) {
    return b.Hop(r.id, element, "outside",
                 mtext + " is not on the internal network " + "169.254.128.0/17", false);
  }
  std::vector<std::string> owners;
  for (const auto& pid : proxies_) {
    const EdgeView& p = Edge(pid);
    for (const auto& v : p.vnics) {
      for (const auto& g : v.groups) {
        if (g.primary == *ip && v.connected) owners.push_back(pid);
      }
    }
  }
  if (owners.size() != 1) {
    std::string reason = owners.empty() ? mtext + " is owned by no proxy edge's connected vnic"
                                        : mtext + " is owned by " + std::to_string(owners.size()) +
                                              " proxy edges: " + Join(owners, ", ");
    return b.Hop(r.id, element, "no owner", reason, false);
  }
  const EdgeView& p = Edge(owners.front());
  const VnicView* p_vnic = p.ConnectedVnicOwning(*ip);
  const bool same_wire =
      p_vnic != nullptr && p_vnic->portgroup == r_vnic.portgroup && r_vnic.SubnetHas(*ip);
  if (!b.Hop(r.id, element, same_wire ? "reachable" : "unreachable",
             same_wire ? "owned by proxy " + p.id + " " + p_vnic->Label() + " on " +
                             p_vnic->portgroup + ", the router's inter-edge network"
                       : "owned by proxy " + p.id + " but not on the router's " + r_vnic.Label() +
                             " network (" + r_vnic.portgroup + ")",
             same_wire)) {
    return false;
  }
  std::string why;
  const bool running = EdgeRunning(p, &why);
  if (!b.Hop(p.id, "status", running ? "up" : "down", why, running)) return false;
  Packet in;
  in.source = Packet::Source::kAddress;
  in.source_ip = r_source;
  in.dest_ip = *ip;
  in.ports = out.ports;
  const FirewallDecision pfw = EvaluateFirewall(p, in);
  if (!FirewallHop(b, p, pfw, pfw.reason)) {
    return false;
  }
  // TLS from the router edge: an HTTPS virtual server passing TLS through (or terminating with
  // a certificate); plain HTTP: an HTTP or TCP virtual server.
  const std::vector<std::string> protocols =
      tls ? std::vector<std::string>{"https"} : std::vector<std::string>{"http", "tcp"};
  const json* vs = FindVirtualServer(b, p, *ip, static_cast<int>(*port), protocols);
  if (vs == nullptr) return false;
  const json* profile = FindById(*p.lb, "applicationProfile", "applicationProfileId",
                                 StringOr(*vs, "applicationProfileId"));
  const bool passthrough = profile != nullptr && BoolOr(*profile, "sslPassthrough", false);
  std::vector<Header> hs = headers;
  bool nova_tls = tls;
  if (tls && !passthrough) {
    return b.Hop(p.id, "applicationProfile", "no passthrough",
                 "an HTTPS virtual server without sslPassthrough needs its own certificate; "
                 "the proxy edge must pass the router edge's TLS through",
                 false);
  }
  if (!tls && Lower(StringOr(*vs, "protocol")) == "http") {
    if (profile != nullptr && BoolOr(*profile, "insertXForwardedFor", false)) {
      hs.push_back({"X-Forwarded-For", IpText(r_source)});
    }
    if (!ApplyRules(b, p, *vs, &hs)) return false;
    nova_tls = profile != nullptr && Lower(StringOr(*profile, "template")) == "https" &&
               BoolOr(*profile, "serverSslEnabled", false);
  }
  const json* pool = FindById(*p.lb, "pool", "poolId", StringOr(*vs, "defaultPoolId"));
  const auto members = pool == nullptr ? std::vector<const json*>{} : ActiveMembers(*pool);
  if (!b.Hop(p.id, pool == nullptr ? "pool" : "pool " + StringOr(*pool, "name"),
             members.empty() ? "empty" : "balance",
             pool == nullptr   ? "the virtual server names no pool the LB holds"
             : members.empty() ? "no enabled member: every request fails (503)"
                               : std::to_string(members.size()) + " enabled Nova member(s)",
             !members.empty())) {
    return false;
  }
  bool all = true;
  for (const json* m : members) all = TraceNova(b, p, *m, nova_tls, hs, router_edge) && all;
  return all;
}

bool Tracer::TraceNova(VerdictBuilder& b, const EdgeView& p, const json& member, bool tls,
                       const std::vector<Header>& headers, const std::string& router_edge) {
  const std::string mtext = MemberText(member);
  const std::string element = "member " + mtext;
  const auto ip = ParseIp(StringOr(member, "ipAddress"));
  const auto port = member.contains("port") ? IntOf(member["port"]) : std::nullopt;
  if (!ip || !port) return b.Hop(p.id, element, "malformed", "no usable ipAddress/port", false);
  const auto& nova = input_.nova;
  const bool nova_ip = std::any_of(nova.metadata_ips.begin(), nova.metadata_ips.end(),
                                   [&](const std::string& s) { return ParseIp(s) == ip; });
  if (!b.Hop(p.id, element, nova_ip && *port == nova.port ? "nova" : "not nova",
             nova_ip && *port == nova.port
                 ? mtext + " is a Nova metadata endpoint"
                 : mtext + " is not a Nova metadata endpoint (nova_metadata_ips " +
                       Join(nova.metadata_ips, ",") + " port " + std::to_string(nova.port) + ")",
             nova_ip && *port == nova.port)) {
    return false;
  }
  // Egress: the connected subnet holding the address, else a static route's next hop on a
  // connected subnet (longest prefix first), else the default gateway on a connected subnet.
  std::string route;
  const VnicView* egress = p.ConnectedVnicOnSubnet(*ip);
  if (egress != nullptr)
    route = "on the subnet of " + egress->Label() + " (" + egress->portgroup + ")";
  int best = -1;
  for (const auto& [net, hop] : p.static_routes) {
    if (egress != nullptr && route.rfind("on the subnet", 0) == 0) break;
    const VnicView* v = p.ConnectedVnicOnSubnet(hop);
    if (v != nullptr && InNet(*ip, net.first, net.second) && net.second > best) {
      best = net.second;
      egress = v;
      route = "static route " + IpText(net.first) + "/" + std::to_string(net.second) + " via " +
              IpText(hop);
    }
  }
  if (egress == nullptr && p.default_gateway) {
    egress = p.ConnectedVnicOnSubnet(*p.default_gateway);
    if (egress != nullptr) route = "default route via " + IpText(*p.default_gateway);
  }
  if (!b.Hop(p.id, "route", route.empty() ? "no route" : "route",
             route.empty()
                 ? "no connected subnet, static route or default route reaches " + IpText(*ip)
                 : IpText(*ip) + " " + route,
             !route.empty())) {
    return false;
  }
  Packet out;
  out.source = Packet::Source::kEdgeItself;
  out.dest_ip = *ip;
  out.ports = {{nova.port, nova.port}};
  for (const auto& g : egress->groups) {
    if (InNet(*ip, g.primary, g.prefix) ||
        (p.default_gateway && InNet(*p.default_gateway, g.primary, g.prefix)) ||
        out.source_ip == 0) {
      out.source_ip = g.primary;
    }
  }
  const FirewallDecision fw = EvaluateFirewall(p, out);
  if (!FirewallHop(b, p, fw, fw.reason)) {
    return false;
  }
  const bool want_tls = !nova.metadata_insecure;
  if (!b.Hop("nova", mtext, tls ? "tls" : "plain",
             std::string("the proxy speaks ") + (tls ? "TLS" : "plain HTTP") + " to Nova, which " +
                 (want_tls ? "speaks TLS" : "speaks plain HTTP"),
             tls == want_tls)) {
    return false;
  }
  for (HeaderReading reading : {HeaderReading::kMerged, HeaderReading::kFirst}) {
    const NovaAnswer a = AskNova(headers, nova, reading);
    const bool identity = a.status == 200 && a.provider == router_edge;
    const std::string how =
        reading == HeaderReading::kMerged ? " (repeated headers merged)" : " (first header wins)";
    if (!b.Hop("nova", mtext, std::to_string(a.status),
               a.reason +
                   (a.status == 200 && !identity ? "; that is not the router's edge " + router_edge
                                                 : "") +
                   how,
               identity)) {
      return false;
    }
  }
  return true;
}

// ---- negative verdicts ----

std::optional<std::vector<Header>> Tracer::RouterHeaders(const EdgeView& r,
                                                         std::vector<Header> headers) {
  if (r.lb == nullptr) return std::nullopt;
  VerdictBuilder scratch("scratch");
  const auto vss = Listeners(*r.lb, *ParseIp(kMetadataIp), VmPort());
  if (vss.size() != 1) return std::nullopt;
  const json* profile = FindById(*r.lb, "applicationProfile", "applicationProfileId",
                                 StringOr(*vss.front(), "applicationProfileId"));
  if (profile != nullptr && BoolOr(*profile, "insertXForwardedFor", false)) {
    headers.push_back({"X-Forwarded-For", "<VM address>"});
  }
  if (!ApplyRules(scratch, r, *vss.front(), &headers)) return std::nullopt;
  return headers;
}

MdPathVerdict Tracer::NoInterEdge(const MdPathRouter& router) {
  VerdictBuilder b("no-inter-edge");
  const EdgeView& r = Edge(router.edge_id);
  if (!r.known) {
    b.Hop(r.id, "documents", "missing", "edge " + r.id + " is not on the manager", false);
    return b.Done("");
  }
  int probed = 0;
  for (const auto& pid : proxies_) {
    const EdgeView& p = Edge(pid);
    for (const auto& v : p.vnics) {
      for (const auto& g : v.groups) {
        if (!v.connected || !InNet(g.primary, kInterEdgeNet, kInterEdgePrefix)) continue;
        ++probed;
        const std::string target = p.id + " " + IpText(g.primary);
        if (r.ConnectedVnicOnSubnet(g.primary) == nullptr) {
          b.Hop(r.id, "route", "no route", "no connected subnet of the router edge holds " + target,
                true);
          continue;
        }
        Packet pk;
        pk.dest_ip = g.primary;
        pk.ports = AllPorts();
        const FirewallDecision fw = EvaluateFirewall(r, pk);
        FirewallHop(b, r, fw, "to proxy " + target + ": " + fw.reason, /*want_accept=*/false);
      }
    }
  }
  return b.Done("tenant traffic to the " + std::to_string(probed) +
                " proxy inter-edge address(es) is denied on the router edge");
}

MdPathVerdict Tracer::NoOtherPort(const MdPathRouter& router) {
  VerdictBuilder b("no-other-port");
  const EdgeView& r = Edge(router.edge_id);
  PortSet allowed = {{80, 80}, {443, 443}, {8775, 8775}};
  for (const auto& text : input_.nova.allowed_ports) {
    std::string s = text;
    std::replace(s.begin(), s.end(), ':', '-');
    if (!AddPorts(json(s), &allowed)) {
      b.Hop("config", "metadata_service_allowed_ports", "malformed",
            "'" + text + "' is not a port or range", false);
    }
  }
  Packet pk;
  pk.dest_ip = *ParseIp(kMetadataIp);
  pk.ports = Complement(allowed);
  const FirewallDecision fw = EvaluateFirewall(r, pk);
  FirewallHop(b, r, fw, fw.reason, /*want_accept=*/false);
  return b.Done(std::string("tenant traffic to ") + kMetadataIp + " outside " +
                PortSetText(allowed) + " is denied");
}

MdPathVerdict Tracer::NoSpoofedProvider(const MdPathRouter& router) {
  VerdictBuilder b("no-spoofed-provider");
  std::string victim = "edge-victim";
  for (const auto& other : input_.routers) {
    if (other.edge_id != router.edge_id) {
      victim = other.edge_id;
      break;
    }
  }
  // The client knows no secret: it sends the victim's id with a signature it made up.
  const std::vector<Header> client = {{"X-Metadata-Provider", victim},
                                      {"X-Metadata-Provider-Signature", std::string(64, '0')}};
  b.Hop("client", "request", "spoof",
        "sends X-Metadata-Provider: " + victim + " and a made-up signature", true);
  const auto headers = RouterHeaders(Edge(router.edge_id), client);
  if (!headers) {
    b.Hop(router.edge_id, "lb", "unknown",
          "the router's metadata virtual server cannot be read into a header list (see the "
          "metadata verdict)",
          false);
    return b.Done("");
  }
  for (HeaderReading reading : {HeaderReading::kMerged, HeaderReading::kFirst}) {
    const NovaAnswer a = AskNova(*headers, input_.nova, reading);
    const bool stolen = a.status == 200 && a.provider == victim;
    b.Hop("nova", "identity", std::to_string(a.status),
          a.reason +
              (reading == HeaderReading::kMerged ? " (repeated headers merged)"
                                                 : " (first header wins)") +
              (stolen ? ": the client obtains " + victim + "'s identity" : ""),
          !stolen);
  }
  return b.Done("a client-supplied X-Metadata-Provider does not obtain " + victim + "'s identity");
}

}  // namespace

bool MdRouterVerdict::proven() const {
  return metadata.proven && std::all_of(negatives.begin(), negatives.end(),
                                        [](const MdPathVerdict& v) { return v.proven; });
}

std::string MdRouterVerdict::FirstFailure() const {
  if (!metadata.proven) return metadata.check + ": " + metadata.reason;
  for (const auto& v : negatives) {
    if (!v.proven) return v.check + ": " + v.reason;
  }
  return "";
}

int MdPathReport::proven() const {
  return static_cast<int>(std::count_if(routers.begin(), routers.end(),
                                        [](const MdRouterVerdict& r) { return r.proven(); }));
}

MdPathReport EvaluateMdPaths(const nlohmann::json& edges, const MdPathInput& input) {
  Tracer tracer(edges, input);
  MdPathReport report;
  for (const auto& router : input.routers) report.routers.push_back(tracer.Trace(router));
  return report;
}

}  // namespace nsxv::scenarios
