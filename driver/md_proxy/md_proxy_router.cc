// Port of md_proxy.py configure_router_edge / cleanup_router_edge / _create_ssl_cert (M23-M26).
// The admin utilities are in md_proxy_admin.cc.
#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include <spdlog/spdlog.h>

#include "driver/md_proxy/md_proxy.h"
#include "driver/md_proxy/md_proxy_internal.h"
#include "driver/store/ipam.h"
#include "driver/store/ipv4.h"
#include "driver/store/nsxv_db.h"

namespace nsxv::md_proxy {

using internal::Annotate;
using internal::NoLiveProxy;

namespace {

Result<std::string> ReadPem(const std::string& option, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("[nsxv] " + option + ": cannot read \"" + path + "\"");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  // Fix (§4.4 #22): never send a null or empty PEM.
  if (in.bad() || text.empty()) {
    return InvalidArgument("[nsxv] " + option + ": \"" + path + "\" is empty or unreadable");
  }
  return text;
}

bool IsNotFound(const Status& s) { return s.code() == StatusCode::kNotFound; }

}  // namespace

std::string MetadataCertificateCn(const std::string& edge_id) {
  return "nsxv-md-metadata." + edge_id;
}

// M23, fixed (§4.4 #20, #22): one certificate per edge, reused: the one this handler made for the
// edge, else the one the edge's md virtual server already serves. Certificates are tracked here
// and by the LB document itself; CleanupRouterEdge deletes the tracked one.
Result<std::string> MetadataProxyHandler::EnsureCertificate(const std::string& edge_id,
                                                            const driver::LoadBalancer* current) {
  {
    MutexLock l(&mu_);
    auto it = certificates_.find(edge_id);
    if (it != certificates_.end()) return it->second;
  }
  if (current != nullptr) {
    for (const auto& vs : current->virtual_servers) {
      if (vs.name == kMetadataVseName && vs.app_profile.client_ssl &&
          !vs.app_profile.client_ssl->service_certificate.empty()) {
        const std::string id = vs.app_profile.client_ssl->service_certificate.front();
        MutexLock l(&mu_);
        certificates_[edge_id] = id;
        return id;
      }
    }
  }
  // A CSR sign whose reply was lost (or a crash before the LB PUT) leaves a certificate in the
  // edge's truststore that nothing tracks. Only a certificate carrying the driver's marker (its
  // subject CN names this edge) is adopted: another service's certificate on the edge (LBaaS) is
  // never taken over. An uploaded certificate carries the operator's subject, so nothing is
  // adopted in upload mode (a lost upload reply can leave one untracked certificate behind).
  const bool self_signed =
      config_.metadata_nova_client_cert.empty() && config_.metadata_nova_client_priv_key.empty();
  if (self_signed) {
    NSXV_ASSIGN_OR_RETURN(const std::vector<driver::CertificateSummary> existing,
                          vcns_.ListCertificates(edge_id));
    for (const driver::CertificateSummary& c : existing) {
      if (c.subject_cn != MetadataCertificateCn(edge_id)) continue;
      MutexLock l(&mu_);
      certificates_[edge_id] = c.id;
      return c.id;
    }
  }
  std::string cert_id;
  if (self_signed) {
    driver::CsrSpec spec;
    for (auto& [key, value] : spec.subject) {
      if (key == "CN") value = MetadataCertificateCn(edge_id);
    }
    NSXV_ASSIGN_OR_RETURN(const std::string csr, vcns_.CreateCsr(edge_id, spec));
    NSXV_ASSIGN_OR_RETURN(cert_id, vcns_.SelfSignCsr(csr));
  } else {
    if (config_.metadata_nova_client_cert.empty()) {
      return InvalidArgument("Metadata certificate path not configured");
    }
    if (config_.metadata_nova_client_priv_key.empty()) {
      return InvalidArgument("Metadata client private key not configured");
    }
    NSXV_ASSIGN_OR_RETURN(const std::string pem,
                          ReadPem("metadata_nova_client_cert", config_.metadata_nova_client_cert));
    NSXV_ASSIGN_OR_RETURN(const std::string key, ReadPem("metadata_nova_client_priv_key",
                                                         config_.metadata_nova_client_priv_key));
    NSXV_ASSIGN_OR_RETURN(cert_id, vcns_.UploadCertificate(edge_id, pem, key));
  }
  MutexLock l(&mu_);
  certificates_[edge_id] = cert_id;
  return cert_id;
}

Result<store::Context*> MetadataProxyHandler::ThreadAdminContext() {
  const std::thread::id self = std::this_thread::get_id();
  {
    MutexLock l(&admin_mu_);
    auto it = admin_contexts_.find(self);
    if (it != admin_contexts_.end()) return it->second.get();
  }
  NSXV_ASSIGN_OR_RETURN(auto opened, contexts_(true));
  store::Context* raw = opened.get();
  MutexLock l(&admin_mu_);
  admin_contexts_[self] = std::move(opened);
  return raw;
}

Status MetadataProxyHandler::ConfigureRouterEdge(store::Context& ctx,
                                                 const std::string& router_id) {
  std::string net_id;
  std::vector<std::string> proxy_ips;
  {
    MutexLock l(&mu_);
    // A configure that arrives while the first Init() runs waits for it to publish the proxy IPs
    // (bounded: Init() itself is bounded by the driver's timeouts).
    const auto deadline = std::chrono::steady_clock::now() + kConfigureInitWait;
    while (!initialized_ && init_running_ > 0) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) break;
      init_cv_.WaitFor(&mu_, deadline - now);
    }
    if (!initialized_) {
      return Status(StatusCode::kFailedPrecondition, "metadata proxy is not initialized");
    }
    net_id = internal_net_;
    proxy_ips = proxy_ips_;
    if (proxy_ips.empty()) return NoLiveProxy("router " + router_id, pool_status_);
  }
  NSXV_RETURN_IF_ERROR(ctx.CheckThread());
  // Upstream ef81e5b56: the md port is made with an admin context of its own (on this thread), not
  // inside the caller's transaction; it is this thread's cached admin connection.
  NSXV_ASSIGN_OR_RETURN(store::Context * admin, ThreadAdminContext());
  NSXV_ASSIGN_OR_RETURN(const auto binding, store::GetRouterBinding(*admin, router_id));
  if (!binding || !binding->edge_id || binding->status != store::kStatusActive) {
    return Status(StatusCode::kFailedPrecondition, "router " + router_id + " has no active edge");
  }
  const std::string edge_id = *binding->edge_id;
  NSXV_ASSIGN_OR_RETURN(auto lock, locks_.Acquire(locking::EdgeLockName(edge_id)));

  store::PortFilter pf;
  pf.network_id = std::vector<std::string>{net_id};
  pf.device_id = std::vector<std::string>{router_id};
  NSXV_ASSIGN_OR_RETURN(const auto existing, plugin_.GetPorts(*admin, pf));
  bool port_created = false;
  if (existing.empty()) {
    plugin::PortSpec ps;
    ps.network_id = net_id;
    ps.tenant_id = kInternalTenantId;
    ps.device_id = router_id;
    ps.device_owner = plugin::kDeviceOwnerRouterGateway;
    ps.port_security_enabled = false;
    NSXV_RETURN_IF_ERROR(
        Annotate(plugin_.CreatePort(*admin, ps).status(), "creating md port of " + router_id));
    port_created = true;
  }
  NSXV_ASSIGN_OR_RETURN(const auto slot_before, store::GetEdgeVnicBinding(*admin, edge_id, net_id));
  auto run = [&]() -> Status {
    NSXV_ASSIGN_OR_RETURN(const auto groups, AddressGroups(*admin, router_id, false));
    NSXV_ASSIGN_OR_RETURN(const auto wires, store::GetNsxSwitchIds(*admin, net_id));
    if (wires.empty()) return NotFound("internal network " + net_id + " has no backend switch");
    std::optional<store::EdgeVnicBinding> slot = slot_before;
    if (!slot) {
      NSXV_ASSIGN_OR_RETURN(slot,
                            store::AllocateEdgeVnic(*admin, edge_id, net_id,
                                                    plugin_.config().maximum_tunnels_per_vnic));
    }
    const driver::Vnic vnic = driver::MakeVnic(slot->vnic_index, wires.front(), groups);
    NSXV_RETURN_IF_ERROR(Annotate(vcns_.UpdateVnic(edge_id, vnic),
                                  "updating md interface of " + router_id + " on " + edge_id));
    NSXV_RETURN_IF_ERROR(EnsureMdFirewall(edge_id).status());
    NSXV_ASSIGN_OR_RETURN(const driver::LoadBalancer current, vcns_.GetLoadBalancer(edge_id));
    driver::MetadataLbSpec spec = RouterLbSpec(edge_id, proxy_ips);
    if (!config_.metadata_insecure) {
      NSXV_ASSIGN_OR_RETURN(spec.certificate_id, EnsureCertificate(edge_id, &current));
    }
    // Fix (§4.4 #21): only the md virtual server is replaced; other virtual servers stay.
    driver::LoadBalancer desired = current;
    desired.enabled = true;
    desired.AddVirtualServer(driver::MakeMetadataLoadBalancer(spec).virtual_servers[0]);
    if (desired == current) return Status::Ok();
    return Annotate(vcns_.PutLoadBalancer(edge_id, desired), "configuring md LB of " + edge_id);
  };
  Status s = run();
  if (s.ok()) return s;
  // Fix (§4.4 #19): roll back what this call added.
  if (!slot_before) {
    // Best effort, every step tried: what stays is on an edge the caller may delete anyway.
    std::vector<std::string> ignored;
    (void)DeconfigureEdge(*admin, edge_id, net_id, /*remove_vs=*/false, &ignored);
  }
  if (port_created) {
    plugin::DeleteOptions del;
    del.allow_delete_internal = true;
    del.l3_port_check = false;
    auto ports = plugin_.GetPorts(*admin, pf);
    if (ports.ok()) {
      for (const auto& p : *ports) (void)plugin_.DeletePort(*admin, p.id, del);
    }
  }
  return s;
}

Status MetadataProxyHandler::DeconfigureEdge(store::Context& admin, const std::string& edge_id,
                                             const std::string& internal_net, bool remove_vs,
                                             std::vector<std::string>* warnings) {
  // Strict: the first failure is returned. Lenient (warnings): noted, and the next step runs.
  auto failed = [&](const Status& s) {
    if (warnings == nullptr) return true;
    spdlog::warn("md_proxy op=deconfigure_edge edge={} warning=\"{}\"", edge_id, s.message());
    warnings->push_back(s.message());
    return false;
  };
  if (remove_vs) {
    auto lb = vcns_.GetLoadBalancer(edge_id);
    const driver::LbVirtualServer* vs = lb.ok() ? lb->FindVirtualServer(kMetadataVseName) : nullptr;
    if (!lb.ok() && !IsNotFound(lb.error())) {
      if (failed(Annotate(lb.error(), "reading LB of " + edge_id))) {
        return Annotate(lb.error(), "reading LB of " + edge_id);
      }
    } else if (vs != nullptr) {
      if (vs->app_profile.client_ssl && !vs->app_profile.client_ssl->service_certificate.empty()) {
        // Track the certificate the md VS serves (e.g. made before a restart) so that
        // CleanupRouterEdge deletes it once the VS is gone.
        MutexLock l(&mu_);
        certificates_.emplace(edge_id, vs->app_profile.client_ssl->service_certificate.front());
      }
      driver::LoadBalancer desired = *lb;
      desired.RemoveVirtualServer(kMetadataVseName);
      Status put = vcns_.PutLoadBalancer(edge_id, desired);
      if (!put.ok() && !IsNotFound(put)) {
        const Status s = Annotate(put, "removing md LB of " + edge_id);
        if (failed(s)) return s;
      }
    }
  }
  if (Status fw = RemoveMdFirewall(edge_id); !fw.ok() && failed(fw)) return fw;
  NSXV_ASSIGN_OR_RETURN(const auto slot, store::GetEdgeVnicBinding(admin, edge_id, internal_net));
  if (!slot) return Status::Ok();
  driver::Vnic vnic;
  vnic.index = slot->vnic_index;
  vnic.name = "vnic" + std::to_string(slot->vnic_index);
  vnic.type = "internal";
  vnic.is_connected = false;
  vnic.has_address_groups = true;
  Status put = vcns_.UpdateVnic(edge_id, vnic);
  if (!put.ok() && !IsNotFound(put)) {
    const Status s = Annotate(put, "removing md interface of " + edge_id);
    if (failed(s)) return s;
  }
  return store::FreeEdgeVnicByNetwork(admin, edge_id, internal_net);
}

// M26, fixed (§4.4 #7): every md port, the md virtual server, the inter-edge vnic and the
// edge's md certificate (issue 5).
Status MetadataProxyHandler::CleanupRouterEdge(store::Context& ctx, const std::string& router_id) {
  return CleanupRouterEdgeImpl(ctx, router_id, nullptr);
}

Status MetadataProxyHandler::CleanupRouterEdgeImpl(store::Context& ctx,
                                                   const std::string& router_id,
                                                   std::vector<std::string>* warnings) {
  NSXV_RETURN_IF_ERROR(ctx.CheckThread());
  NSXV_ASSIGN_OR_RETURN(auto admin, contexts_(true));
  NSXV_ASSIGN_OR_RETURN(const auto net,
                        store::GetNsxvInternalNetwork(*admin, store::kInterEdgePurpose));
  if (!net) return Status::Ok();  // metadata never initialized: nothing to clean
  NSXV_ASSIGN_OR_RETURN(const auto binding, store::GetRouterBinding(*admin, router_id));
  if (binding && binding->edge_id) {
    NSXV_ASSIGN_OR_RETURN(auto lock, locks_.Acquire(locking::EdgeLockName(*binding->edge_id)));
    NSXV_RETURN_IF_ERROR(
        DeconfigureEdge(*admin, *binding->edge_id, *net, /*remove_vs=*/true, warnings));
    // Issue 5: no md VS names the edge's certificate any more; remove it from the truststore.
    // The tracking entry stays until the DELETE succeeded, so a rerun converges.
    std::optional<std::string> cert;
    {
      MutexLock l(&mu_);
      auto it = certificates_.find(*binding->edge_id);
      if (it != certificates_.end()) cert = it->second;
    }
    if (cert) {
      const Status deleted = Annotate(vcns_.DeleteCertificate(*cert),
                                      "deleting certificate " + *cert + " of " + *binding->edge_id);
      if (!deleted.ok() && warnings == nullptr) return deleted;
      if (!deleted.ok()) {
        spdlog::warn("md_proxy op=cleanup_router_edge router={} warning=\"{}\"", router_id,
                     deleted.message());
        warnings->push_back(deleted.message());
      } else {
        MutexLock l(&mu_);
        certificates_.erase(*binding->edge_id);
      }
    }
  }
  store::PortFilter pf;
  pf.network_id = std::vector<std::string>{*net};
  pf.device_id = std::vector<std::string>{router_id};
  NSXV_ASSIGN_OR_RETURN(const auto ports, plugin_.GetPorts(*admin, pf));
  plugin::DeleteOptions del;
  del.allow_delete_internal = true;
  del.l3_port_check = false;
  for (const auto& p : ports) {
    NSXV_RETURN_IF_ERROR(Annotate(plugin_.DeletePort(*admin, p.id, del), "deleting md port"));
  }
  return Status::Ok();
}

Result<plugin::Router> MetadataProxyHandler::CreateRouterWithMetadata(
    store::Context& ctx, const plugin::RouterSpec& spec) {
  {
    // Refused before an edge is deployed (and deleted again) for nothing.
    MutexLock l(&mu_);
    if (!initialized_ && init_running_ == 0) {
      return Status(StatusCode::kFailedPrecondition, "metadata proxy is not initialized");
    }
    if (initialized_ && proxy_ips_.empty()) {
      return NoLiveProxy("router \"" + spec.name + "\"", pool_status_);
    }
  }
  NSXV_ASSIGN_OR_RETURN(const plugin::Router router, plugin_.CreateRouter(ctx, spec));
  Status s = ConfigureRouterEdge(ctx, router.id);
  if (s.ok()) return router;
  Status d = plugin_.DeleteRouter(ctx, router.id);
  std::string msg = "configuring metadata for router " + router.id + ": " + s.message();
  if (!d.ok()) msg += " (deleting the router failed: " + d.message() + ")";
  Status out(s.code(), msg);
  out.WithHttp(s.http_status(), s.nsx_error_code());
  return out;
}

Status MetadataProxyHandler::DeleteRouterWithMetadata(store::Context& ctx,
                                                      const std::string& router_id,
                                                      std::vector<std::string>* warnings) {
  std::optional<std::string> edge_id;
  {
    NSXV_ASSIGN_OR_RETURN(auto admin, contexts_(true));
    NSXV_ASSIGN_OR_RETURN(const auto binding, store::GetRouterBinding(*admin, router_id));
    if (binding) edge_id = binding->edge_id;
  }
  NSXV_RETURN_IF_ERROR(plugin_.GetRouter(ctx, router_id).status());
  {
    // A proxy router is refused before anything is deconfigured (the plugin would refuse the
    // delete only after CleanupRouterEdge had removed the proxy's md port; found by swarm).
    NSXV_ASSIGN_OR_RETURN(auto admin, contexts_(true));
    NSXV_ASSIGN_OR_RETURN(const auto proxy, store::GetNsxvInternalEdgeByRouter(*admin, router_id));
    if (proxy) {
      return Status(StatusCode::kPermissionDenied, "router " + router_id +
                                                       " is a metadata proxy router (" +
                                                       proxy->ext_ip_address + "); not deleted");
    }
  }
  // Upstream cleanup_router_edge(warn=True): the edge is about to be deleted, so what cannot be
  // deconfigured on it is a warning; only a DB failure stops the delete here.
  std::vector<std::string> noted;
  NSXV_RETURN_IF_ERROR(CleanupRouterEdgeImpl(ctx, router_id, &noted));
  plugin::DeleteOptions del;
  del.edge_warnings = &noted;
  Status deleted = plugin_.DeleteRouter(ctx, router_id, del);
  if (warnings != nullptr) warnings->insert(warnings->end(), noted.begin(), noted.end());
  NSXV_RETURN_IF_ERROR(deleted);
  if (edge_id) {
    // The edge and its truststore are gone.
    MutexLock l(&mu_);
    certificates_.erase(*edge_id);
  }
  return Status::Ok();
}

}  // namespace nsxv::md_proxy
