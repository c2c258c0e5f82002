// The fake manager's truststore (CSRs, certificates), virtual wires and spoofguard policies:
// Model methods declared in model.h, with the lock order documented there (registry -> edge ->
// global). model.cc keeps edges and jobs, model_config.cc the edge configuration.
#include <set>
#include <string>

#include "fake_nsxv/model.h"
#include "fake_nsxv/model_internal.h"
#include "fake_nsxv/nsx_error.h"

namespace nsxv::fake {

using nlohmann::json;

Result<std::string> Model::CreateCsr(std::string_view edge_id, std::string_view xml_body) {
  EdgeAccess edge(this, edge_id);
  NSXV_RETURN_IF_ERROR(edge.status());
  if (!XmlRootIs(xml_body, "csr")) return BadXml("csr");
  std::string common_name = "unknown";
  if (const auto subject = XmlText(xml_body, "subject")) {
    const size_t cn = subject->find("<key>CN</key>");
    if (cn != std::string::npos) {
      if (auto value = XmlText(std::string_view(*subject).substr(cn), "value")) {
        common_name = std::move(*value);
      }
    }
  }
  MutexLock global_lock(&global_->mu);
  GlobalData& g = global_->data;
  const int64_t n = ++g.csr_counter;
  g.csrs[n] = Csr{edge.state->id, common_name};
  return MakeId("csr", n);
}

Status Model::SelfSignCsr(std::string_view csr_id, std::string_view days, json* out) {
  if (days.empty()) return BadRequest(nsx_code::kMissingField, "noOfDays is required");
  int64_t n_days = 0;
  for (const char c : days) {
    if (c < '0' || c > '9' || n_days > 100000) {
      return BadRequest(nsx_code::kInvalidValue, "noOfDays must be a positive integer");
    }
    n_days = n_days * 10 + (c - '0');
  }
  if (n_days <= 0 || n_days > 100000) {
    return BadRequest(nsx_code::kInvalidValue, "noOfDays must be from 1 to 100000");
  }
  const std::optional<int64_t> csr = ParseId(csr_id, "csr");
  const Status not_found = ObjectNotFound("CSR " + std::string(csr_id) + " not found.");
  if (!csr) return not_found;
  MutexLock global_lock(&global_->mu);
  GlobalData& g = global_->data;
  const auto it = g.csrs.find(*csr);
  if (it == g.csrs.end()) return not_found;
  Certificate cert;
  cert.scope = it->second.scope;
  cert.name = it->second.common_name;
  cert.type = "certificate_self_signed";
  cert.has_private_key = true;
  cert.days = n_days;
  const int64_t n = ++g.certificate_counter;
  g.certificates[n] = cert;
  *out = CertificateJson(n, cert);
  return Status::Ok();
}

Status Model::UploadCertificate(std::string_view edge_id, const json& body, json* out) {
  EdgeAccess edge(this, edge_id);
  NSXV_RETURN_IF_ERROR(edge.status());
  if (!body.is_object()) {
    return BadRequest(nsx_code::kInvalidRequestBody, "trustObject must be an object");
  }
  const auto pem = body.find("pemEncoding");
  if (pem == body.end() || pem->is_null()) {
    return BadRequest(nsx_code::kMissingField, "trustObject.pemEncoding is required");
  }
  if (!pem->is_string()) {
    return BadRequest(nsx_code::kInvalidRequestBody, "trustObject.pemEncoding must be a string");
  }
  if (pem->get<std::string>().find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return BadRequest(nsx_code::kInvalidValue, "trustObject.pemEncoding is not a PEM certificate");
  }
  for (const char* key : {"privateKey", "passphrase"}) {
    if (body.contains(key) && !body[key].is_null() && !body[key].is_string()) {
      return BadRequest(nsx_code::kInvalidRequestBody,
                        "trustObject." + std::string(key) + " must be a string");
    }
  }
  MutexLock global_lock(&global_->mu);
  GlobalData& g = global_->data;
  const int64_t n = ++g.certificate_counter;
  Certificate cert;
  cert.scope = edge.state->id;
  cert.name = MakeId("certificate", n);
  cert.type = "certificate";
  cert.pem = pem->get<std::string>();
  cert.has_private_key = body.contains("privateKey") && body["privateKey"].is_string();
  g.certificates[n] = cert;
  *out = {{"certificates", json::array({CertificateJson(n, cert)})}};
  return Status::Ok();
}

Status Model::ListCertificates(std::string_view edge_id, json* out) {
  EdgeAccess edge(this, edge_id);
  NSXV_RETURN_IF_ERROR(edge.status());
  MutexLock global_lock(&global_->mu);
  json list = json::array();
  for (const auto& [num, cert] : global_->data.certificates) {
    if (cert.scope == edge.state->id) list.push_back(CertificateJson(num, cert));
  }
  *out = {{"certificates", std::move(list)}};
  return Status::Ok();
}

namespace {

Status CertificateNotFound(std::string_view certificate_id) {
  return ObjectNotFound("Certificate " + std::string(certificate_id) + " not found.");
}

// Whether an application profile of `lb` names `certificate_id` in clientSsl.serviceCertificate.
bool LbNamesCertificate(const json& lb, const std::string& certificate_id) {
  const auto profiles = lb.find("applicationProfile");
  if (profiles == lb.end() || !profiles->is_array()) return false;
  for (const json& p : *profiles) {
    const auto ssl = p.find("clientSsl");
    if (ssl == p.end() || !ssl->is_object()) continue;
    const auto certs = ssl->find("serviceCertificate");
    if (certs == ssl->end() || !certs->is_array()) continue;
    for (const json& c : *certs) {
      if (c.is_string() && c.get<std::string>() == certificate_id) return true;
    }
  }
  return false;
}

}  // namespace

Status Model::GetCertificate(std::string_view certificate_id, json* out) {
  const std::optional<int64_t> n = ParseId(certificate_id, "certificate");
  if (!n) return CertificateNotFound(certificate_id);
  MutexLock global_lock(&global_->mu);
  const auto it = global_->data.certificates.find(*n);
  if (it == global_->data.certificates.end()) return CertificateNotFound(certificate_id);
  *out = CertificateJson(*n, it->second);
  return Status::Ok();
}

Status Model::DeleteCertificate(std::string_view certificate_id) {
  const std::optional<int64_t> n = ParseId(certificate_id, "certificate");
  if (!n) return CertificateNotFound(certificate_id);
  const std::string id = MakeId("certificate", *n);
  const Env env = MakeEnv(clock_, options_, global_.get());
  ReaderLock reg(&registry_mu_);
  std::string scope;
  {
    MutexLock global_lock(&global_->mu);
    const auto it = global_->data.certificates.find(*n);
    if (it == global_->data.certificates.end()) return CertificateNotFound(certificate_id);
    scope = it->second.scope;
  }
  // Erases the certificate if it is still there (a concurrent delete may have won).
  auto erase = [&]() -> Status {
    MutexLock global_lock(&global_->mu);
    if (global_->data.certificates.erase(*n) == 0) return CertificateNotFound(certificate_id);
    return Status::Ok();
  };
  Result<EdgeState*> found = FindEdge(scope);
  if (!found.ok()) return erase();  // the scope edge is gone; so is its truststore
  EdgeState* e = *found;
  MutexLock lock(&e->mu);
  // An edge a failed job just removed took its truststore with it: erase() answers 404.
  if (Touch(e, env, &pending_removals_).ok() && LbNamesCertificate(e->data.load_balancer, id)) {
    return BadRequest(nsx_code::kCertificateInUse,
                      "Certificate " + id + " is in use by the load balancer of " + e->id + ".");
  }
  return erase();
}

// ---------------------------------------------------------------------------------------------
// Virtual wires and spoofguard.

Result<std::string> Model::CreateVirtualWire(std::string_view scope_id, std::string_view xml_body) {
  if (!XmlRootIs(xml_body, "virtualWireCreateSpec")) return BadXml("virtualWireCreateSpec");
  const std::optional<std::string> tenant = XmlText(xml_body, "tenantId");
  if (!tenant || tenant->empty()) {
    return BadRequest(nsx_code::kMissingField, "virtualWireCreateSpec.tenantId is required");
  }
  MutexLock global_lock(&global_->mu);
  GlobalData& g = global_->data;
  const int64_t n = ++g.wire_counter;
  g.wires[n] = VirtualWire{std::string(scope_id), XmlText(xml_body, "name").value_or(""), *tenant};
  return MakeId("virtualwire", n);
}

Status Model::DeleteVirtualWire(std::string_view wire_id) {
  const std::optional<int64_t> n = ParseId(wire_id, "virtualwire");
  MutexLock global_lock(&global_->mu);
  if (!n || global_->data.wires.erase(*n) == 0) {
    return ObjectNotFound("Virtual wire " + std::string(wire_id) + " not found.");
  }
  return Status::Ok();
}

Result<std::string> Model::CreateSpoofguardPolicy(std::string_view xml_body) {
  if (!XmlRootIs(xml_body, "spoofguardPolicy")) return BadXml("spoofguardPolicy");
  const std::optional<std::string> name = XmlText(xml_body, "name");
  if (!name || name->empty()) {
    return BadRequest(nsx_code::kMissingField, "spoofguardPolicy.name is required");
  }
  MutexLock global_lock(&global_->mu);
  GlobalData& g = global_->data;
  const int64_t n = ++g.policy_counter;
  g.policies[n] = SpoofguardPolicy{*name, XmlText(xml_body, "operationMode").value_or("")};
  return MakeId("spoofguardpolicy", n);
}

Status Model::DeleteSpoofguardPolicy(std::string_view policy_id) {
  const std::optional<int64_t> n = ParseId(policy_id, "spoofguardpolicy");
  MutexLock global_lock(&global_->mu);
  if (!n || global_->data.policies.erase(*n) == 0) {
    return ObjectNotFound("Spoofguard policy " + std::string(policy_id) + " not found.");
  }
  return Status::Ok();
}

}  // namespace nsxv::fake
