#include "scenarios/invariants.h"

#include <algorithm>
#include <map>
#include <set>

#include "driver/common/strings.h"
#include "driver/store/neutron_db.h"
#include "driver/store/nsxv_db.h"
#include "scenarios/invariants_internal.h"
#include "scenarios/md_path_collect.h"

namespace nsxv::scenarios {
namespace {

bool IsRouterOwner(const std::string& owner) {
  return owner == plugin::kDeviceOwnerRouterInterface ||
         owner == plugin::kDeviceOwnerRouterGateway || owner == plugin::kDeviceOwnerMdInterface;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::string ListText(const std::vector<std::string>& v) {
  return v.empty() ? std::string("(none)") : Join(v, ",");
}

class Checker {
 public:
  Checker(store::Context& ctx, const driver::Vcns& vcns, const md_proxy::MdProxyConfig& md,
          const CheckOptions& options)
      : ctx_(ctx), vcns_(vcns), md_(md), options_(options) {}

  Result<CheckReport> Run() {
    NSXV_RETURN_IF_ERROR(Load());
    CheckRoutersAndOrphans();
    CheckProxyEdges();
    if (md_.Enabled()) CheckRouterEdges();
    if (md_.Enabled() && options_.metadata_path_client != nullptr) CheckMetadataPaths();
    NSXV_RETURN_IF_ERROR(internal::CheckStoreInvariants(ctx_, options_, report_));
    return std::move(report_);
  }

 private:
  void Expect(bool ok, const std::string& invariant, const std::string& object,
              const std::string& detail) {
    internal::Expect(report_, ok, invariant, object, detail);
  }

  Status Load() {
    NSXV_ASSIGN_OR_RETURN(routers_, store::ListRouterRows(ctx_, {}));
    report_.routers = static_cast<int>(routers_.size());
    NSXV_ASSIGN_OR_RETURN(const auto bindings, store::GetRouterBindings(ctx_));
    std::set<std::string> bound;
    for (const auto& b : bindings) {
      bindings_[b.router_id] = b;
      if (b.edge_id) bound.insert(*b.edge_id);
    }
    // In scope: the prefix names the edge, or the DB binds it (the proxy routers' edges are
    // named after the driver's proxy router, not the run).
    NSXV_ASSIGN_OR_RETURN(const auto edges, vcns_.ListEdges());
    for (const auto& edge : edges) {
      backend_edges_.insert(edge.id);
      if (internal::InScope(options_, edge.name) || bound.count(edge.id) != 0) {
        scoped_edges_.insert(edge.id);
      } else {
        ++report_.foreign_edges;
      }
    }
    report_.backend_edges = static_cast<int>(scoped_edges_.size());
    NSXV_ASSIGN_OR_RETURN(internal_edges_,
                          store::GetNsxvInternalEdgesByPurpose(ctx_, store::kInterEdgePurpose));
    report_.proxy_edges = static_cast<int>(internal_edges_.size());
    NSXV_ASSIGN_OR_RETURN(const auto net,
                          store::GetNsxvInternalNetwork(ctx_, store::kInterEdgePurpose));
    internal_net_ = net.value_or("");
    NSXV_ASSIGN_OR_RETURN(ports_, store::ListPortRows(ctx_, {}));
    for (const auto& e : internal_edges_) {
      if (e.router_id) proxy_routers_.insert(*e.router_id);
    }
    return Status::Ok();
  }

  std::string RouterObject(const std::string& router_id) const {
    auto it = bindings_.find(router_id);
    std::string text = "router " + router_id;
    if (it != bindings_.end() && it->second.edge_id) text += " (" + *it->second.edge_id + ")";
    return text;
  }

  // The router's ACTIVE edge, or "" when it has none.
  std::string EdgeOf(const std::string& router_id) const {
    auto it = bindings_.find(router_id);
    if (it == bindings_.end() || !it->second.edge_id || it->second.status != store::kStatusActive) {
      return "";
    }
    return *it->second.edge_id;
  }

  std::vector<const store::PortRow*> MdPorts(const std::string& router_id) const {
    std::vector<const store::PortRow*> out;
    for (const auto& p : ports_) {
      if (p.network_id == internal_net_ && p.device_id == router_id) out.push_back(&p);
    }
    return out;
  }

  void CheckRoutersAndOrphans() {
    std::set<std::string> router_ids;
    std::map<std::string, std::vector<std::string>> routers_by_edge;
    for (const auto& router : routers_) {
      router_ids.insert(router.id);
      const std::string object = RouterObject(router.id);
      auto it = bindings_.find(router.id);
      Expect(it != bindings_.end(), "routers", object, "has no router binding");
      if (it == bindings_.end()) continue;
      const auto& b = it->second;
      if (b.status == store::kStatusActive) {
        Expect(b.edge_id.has_value(), "routers", object, "ACTIVE binding without an edge");
      } else {
        Expect(false, "half-created", object,
               "binding is " + b.status + (b.edge_id ? "" : " without an edge"));
      }
      if (!b.edge_id) continue;
      routers_by_edge[*b.edge_id].push_back(router.id);
      Expect(backend_edges_.count(*b.edge_id) == 1, "routers", object,
             "edge " + *b.edge_id + " does not exist on the backend");
    }
    for (const auto& [edge, routers] : routers_by_edge) {
      Expect(routers.size() == 1, "routers", "edge " + edge,
             "bound to " + std::to_string(routers.size()) + " routers: " + Join(routers));
    }
    for (const auto& [router_id, b] : bindings_) {
      Expect(router_ids.count(router_id) == 1, "orphans", "binding of router " + router_id,
             "the router does not exist");
    }
    for (const std::string& edge : scoped_edges_) {
      Expect(routers_by_edge.count(edge) == 1, "orphans", "edge " + edge,
             "exists on the backend but no router is bound to it");
    }
    for (const auto& port : ports_) {
      if (!IsRouterOwner(port.device_owner)) continue;
      Expect(router_ids.count(port.device_id) == 1, "orphans", "port " + port.id,
             port.device_owner + " port of missing router " + port.device_id);
    }
  }

  // The md port's single IP, or "" after recording a violation.
  std::string MdPortIp(const std::string& invariant, const std::string& router_id) {
    const auto ports = MdPorts(router_id);
    Expect(ports.size() == 1, invariant, RouterObject(router_id),
           "has " + std::to_string(ports.size()) + " metadata ports (expected 1)");
    if (ports.size() != 1 || ports[0]->fixed_ips.empty()) return "";
    return ports[0]->fixed_ips.front().ip_address;
  }

  // The inter-edge vnic of the edge, after checking its primary address.
  std::optional<driver::Vnic> InterEdgeVnic(const std::string& invariant,
                                            const std::string& router_id,
                                            const std::string& edge_id, const std::string& md_ip) {
    const std::string object = RouterObject(router_id);
    auto binding = store::GetEdgeVnicBinding(ctx_, edge_id, internal_net_);
    const bool bound = binding.ok() && binding->has_value();
    Expect(bound, invariant, object, "no vnic slot is bound to the internal network");
    if (!bound) return std::nullopt;
    auto vnic = vcns_.GetVnic(edge_id, (*binding)->vnic_index);
    Expect(vnic.ok(), invariant, object,
           vnic.ok() ? "" : "reading the inter-edge vnic: " + vnic.error().message());
    if (!vnic.ok()) return std::nullopt;
    const std::string primary =
        vnic->address_groups.empty() ? "" : vnic->address_groups.front().primary_address;
    Expect(primary == md_ip, invariant, object,
           "inter-edge vnic " + std::to_string((*binding)->vnic_index) + " has address '" +
               primary + "', the md port has '" + md_ip + "'");
    return std::move(vnic).value();
  }

  void CheckMdVirtualServer(const std::string& invariant, const std::string& router_id,
                            const std::string& edge_id, const std::string& vip, int vip_port,
                            const std::vector<std::string>& members) {
    const std::string object = RouterObject(router_id);
    auto lb = vcns_.GetLoadBalancer(edge_id);
    Expect(lb.ok(), invariant, object,
           lb.ok() ? "" : "reading the load balancer: " + lb.error().message());
    if (!lb.ok()) return;
    driver::LbVirtualServer* vs = lb->FindVirtualServer(md_proxy::kMetadataVseName);
    Expect(vs != nullptr, invariant, object, "no MdSrv virtual server");
    if (vs == nullptr) return;
    const auto& ssl = vs->app_profile.client_ssl;
    if (ssl && !ssl->service_certificate.empty()) {
      md_certificate_[edge_id] = ssl->service_certificate.front();
    }
    Expect(vs->ip_address == vip && vs->port.AsInt() == vip_port, invariant, object,
           "MdSrv listens on " + vs->ip_address + ":" + vs->port.text + ", expected " + vip + ":" +
               std::to_string(vip_port));
    std::vector<std::string> got;
    bool ports_ok = true;
    for (const auto& m : vs->default_pool.members) {
      got.push_back(m.ip_address);
      ports_ok = ports_ok && m.port.AsInt() == md_.nova_metadata_port;
    }
    got = Sorted(got);
    Expect(got == Sorted(members), invariant, object,
           "LB members " + ListText(got) + ", expected " + ListText(Sorted(members)));
    Expect(ports_ok, invariant, object,
           "LB member port is not nova_metadata_port " + std::to_string(md_.nova_metadata_port));
  }

  // orphans: the truststore of a router edge holds, in HTTPS mode, exactly the certificate its
  // MdSrv clientSsl names (exactly one when that reference was not read), otherwise none; that of
  // a proxy edge holds none. An edge missing on the backend is skipped (the routers invariant
  // reports it).
  void CheckCertificates(const std::string& object, const std::string& edge_id, bool proxy) {
    if (backend_edges_.count(edge_id) == 0) return;
    auto ids = vcns_.ListCertificateIds(edge_id);
    Expect(ids.ok(), "orphans", object,
           ids.ok() ? "" : "reading the truststore: " + ids.error().message());
    if (!ids.ok()) return;
    const std::vector<std::string> got = Sorted(*ids);
    report_.certificates += static_cast<int>(got.size());
    const std::string text = std::to_string(got.size()) + " certificate(s) (" + ListText(got) + ")";
    if (proxy || md_.metadata_insecure) {
      Expect(got.empty(), "orphans", object,
             "truststore holds " + text + ", expected none" +
                 (proxy ? " on a proxy edge" : " (metadata_insecure)"));
      return;
    }
    const auto ref = md_certificate_.find(edge_id);
    if (ref == md_certificate_.end()) {
      Expect(got.size() == 1, "orphans", object,
             "truststore holds " + text + ", expected exactly one (MdSrv names none)");
    } else {
      Expect(got == std::vector<std::string>{ref->second}, "orphans", object,
             "truststore holds " + text + ", expected only " + ref->second +
                 ", the MdSrv clientSsl certificate");
    }
  }

  void CheckProxyEdges() {
    std::vector<std::string> db_ips;
    for (const auto& e : internal_edges_) db_ips.push_back(e.ext_ip_address);
    if (md_.Enabled() || !internal_edges_.empty()) {
      Expect(Sorted(db_ips) == Sorted(md_.mgt_net_proxy_ips), "proxy", "proxy edges",
             "DB has " + ListText(Sorted(db_ips)) + ", mgt_net_proxy_ips is " +
                 ListText(Sorted(md_.mgt_net_proxy_ips)));
    }
    for (const auto& e : internal_edges_) {
      const std::string object = "proxy " + e.ext_ip_address;
      Expect(e.router_id.has_value(), "proxy", object, "has no router");
      if (!e.router_id) continue;
      const std::string& router_id = *e.router_id;
      const std::string edge_id = EdgeOf(router_id);
      Expect(!edge_id.empty(), "proxy", object, "router " + router_id + " has no ACTIVE edge");
      if (edge_id.empty()) continue;
      const std::string md_ip = MdPortIp("proxy", router_id);
      if (!md_ip.empty()) report_.live_proxy_ips.push_back(md_ip);

      auto vnic0 = vcns_.GetVnic(edge_id, md_proxy::kExternalVnicIndex);
      Expect(vnic0.ok(), "proxy", object,
             vnic0.ok() ? "" : "reading vnic 0: " + vnic0.error().message());
      if (vnic0.ok()) {
        const std::string pg = vnic0->portgroup_id.value_or("");
        const std::string ip =
            vnic0->address_groups.empty() ? "" : vnic0->address_groups.front().primary_address;
        const std::string mask = vnic0->address_groups.empty()
                                     ? ""
                                     : vnic0->address_groups.front().subnet_mask.value_or("");
        Expect(
            pg == md_.mgt_net_moid && ip == e.ext_ip_address && mask == md_.mgt_net_proxy_netmask,
            "proxy", object,
            "vnic 0 is " + pg + " " + ip + "/" + mask + ", expected " + md_.mgt_net_moid + " " +
                e.ext_ip_address + "/" + md_.mgt_net_proxy_netmask);
      }
      if (!md_ip.empty()) (void)InterEdgeVnic("proxy", router_id, edge_id, md_ip);

      auto routes = vcns_.GetRoutes(edge_id);
      Expect(routes.ok(), "proxy", object,
             routes.ok() ? "" : "reading routes: " + routes.error().message());
      if (routes.ok()) {
        const std::string gw =
            routes->default_route ? routes->default_route->gateway_address : std::string();
        Expect(gw == md_.mgt_net_default_gateway, "proxy", object,
               "default gateway '" + gw + "', expected '" + md_.mgt_net_default_gateway + "'");
      }
      if (!md_ip.empty()) {
        CheckMdVirtualServer("proxy", router_id, edge_id, md_ip, md_.nova_metadata_port,
                             md_.nova_metadata_ips);
      }
      auto fw = vcns_.GetFirewall(edge_id);
      Expect(fw.ok(), "proxy", object,
             fw.ok() ? "" : "reading the firewall: " + fw.error().message());
      if (fw.ok()) {
        bool found = false;
        for (const auto& rule : fw->rules) {
          found =
              found || (rule.action == "accept" && rule.source &&
                        std::count(rule.source->ip_address.begin(), rule.source->ip_address.end(),
                                   md_proxy::kInternalSubnet) > 0);
        }
        Expect(found, "proxy", object,
               std::string("no firewall rule accepts ") + md_proxy::kInternalSubnet);
      }
      // The md proxy never makes a certificate on a proxy edge (its LB passes TLS through).
      CheckCertificates(object, edge_id, /*proxy=*/true);
    }
    report_.live_proxy_ips = Sorted(report_.live_proxy_ips);
  }

  void CheckRouterEdges() {
    for (const auto& router : routers_) {
      if (proxy_routers_.count(router.id) > 0) continue;
      const std::string edge_id = EdgeOf(router.id);
      if (edge_id.empty()) continue;  // reported by CheckRoutersAndOrphans
      ++report_.router_edges;
      const std::string md_ip = MdPortIp("router-md", router.id);
      if (md_ip.empty()) {
        // No md port (reported above): in HTTPS mode a certificate may or may not be due yet.
        if (md_.metadata_insecure) CheckCertificates(RouterObject(router.id), edge_id, false);
        continue;
      }
      auto vnic = InterEdgeVnic("router-md", router.id, edge_id, md_ip);
      if (vnic) {
        bool secondary = false;
        for (const auto& group : vnic->address_groups) {
          if (!group.secondary_addresses) continue;
          const auto& ips = group.secondary_addresses->ip_address;
          secondary =
              secondary || std::find(ips.begin(), ips.end(), md_proxy::kMetadataIp) != ips.end();
        }
        Expect(secondary, "router-md", RouterObject(router.id),
               std::string("inter-edge vnic lacks the secondary address ") + md_proxy::kMetadataIp);
      }
      CheckMdVirtualServer(
          "router-md", router.id, edge_id, md_proxy::kMetadataIp,
          md_.metadata_insecure ? md_proxy::kMetadataTcpPort : md_proxy::kMetadataHttpsPort,
          report_.live_proxy_ips);
      CheckCertificates(RouterObject(router.id), edge_id, /*proxy=*/false);
    }
  }

  // metadata-path: the oracle proves every router (one check each).
  void CheckMetadataPaths() {
    MdTraceOptions topt;
    topt.nova_shared_secret = options_.nova_shared_secret;
    auto report = TraceMetadataPaths(ctx_, *options_.metadata_path_client, md_, topt);
    if (!report.ok()) {
      Expect(false, "metadata-path", "routers", "trace failed: " + report.error().message());
      return;
    }
    for (const auto& r : report->routers) {
      ++report_.metadata_paths;
      if (r.proven()) ++report_.metadata_paths_proven;
      Expect(r.proven(), "metadata-path", RouterObject(r.router_id), r.FirstFailure());
    }
  }

  store::Context& ctx_;
  const driver::Vcns& vcns_;
  const md_proxy::MdProxyConfig& md_;
  const CheckOptions& options_;
  CheckReport report_;
  std::set<std::string> backend_edges_;                // every edge the manager lists
  std::set<std::string> scoped_edges_;                 // those within the prefix scope
  std::map<std::string, std::string> md_certificate_;  // edge id -> MdSrv clientSsl certificate
  std::vector<store::RouterRow> routers_;
  std::map<std::string, store::RouterBinding> bindings_;
  std::vector<store::InternalEdge> internal_edges_;
  std::string internal_net_;
  std::vector<store::PortRow> ports_;
  std::set<std::string> proxy_routers_;
};

}  // namespace

Result<CheckReport> CheckInvariants(store::Context& ctx, const driver::Vcns& vcns,
                                    const md_proxy::MdProxyConfig& md,
                                    const CheckOptions& options) {
  return Checker(ctx, vcns, md, options).Run();
}

Result<CheckReport> CheckInvariants(store::Context& ctx, const driver::Vcns& vcns,
                                    const md_proxy::MdProxyConfig& md) {
  return CheckInvariants(ctx, vcns, md, CheckOptions{});
}

}  // namespace nsxv::scenarios
