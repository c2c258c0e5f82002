// Model helpers shared by the model*.cc files (declared in model_internal.h): ids, NSX error
// Statuses, the default documents of a new edge (§7), certificate documents and the small XML
// readers of the truststore, wire and spoofguard bodies.
#include <cctype>

#include "fake_nsxv/model_internal.h"
#include "fake_nsxv/nsx_error.h"

namespace nsxv::fake {

using nlohmann::json;

std::optional<int64_t> ParseId(std::string_view id, std::string_view prefix) {
  if (id.size() <= prefix.size() + 1 || id.substr(0, prefix.size()) != prefix ||
      id[prefix.size()] != '-') {
    return std::nullopt;
  }
  const std::string_view digits = id.substr(prefix.size() + 1);
  if (digits.size() > 18 || digits[0] == '0') return std::nullopt;
  int64_t n = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

std::string MakeId(std::string_view prefix, int64_t n) {
  return std::string(prefix) + "-" + std::to_string(n);
}

Status NsxStatus(int http_status, int error_code, std::string details) {
  StatusCode code = StatusCode::kInternal;
  if (error_code == nsx_code::kEdgeNotRunning) {
    code = StatusCode::kFailedPrecondition;
  } else if (error_code == nsx_code::kDuplicateEdgeName) {
    code = StatusCode::kAlreadyExists;
  } else if (http_status == 400) {
    code = StatusCode::kInvalidArgument;
  } else if (http_status == 404) {
    code = StatusCode::kNotFound;
  } else if (http_status == 409) {
    code = StatusCode::kConflict;
  }
  Status status(code, std::move(details));
  status.WithHttp(http_status, error_code);
  return status;
}

Status BadRequest(int error_code, std::string details) {
  return NsxStatus(400, error_code, std::move(details));
}

Status EdgeNotFound(std::string_view edge_id) {
  return NsxStatus(404, nsx_code::kEdgeNotFound,
                   "Edge " + std::string(edge_id) + " not found on this NSX Manager.");
}

Status ObjectNotFound(std::string details) {
  return NsxStatus(404, nsx_code::kObjectNotFound, std::move(details));
}

json DefaultVnic(int index) {
  const std::string i = std::to_string(index);
  return {{"index", index},
          {"name", "vnic" + i},
          {"label", "vNic_" + i},
          {"type", "internal"},
          {"isConnected", false},
          {"mtu", 1500},
          {"addressGroups", {{"addressGroups", json::array()}}}};
}

json DefaultStaticRouting() { return {{"staticRoutes", {{"staticRoutes", json::array()}}}}; }

json DefaultLoadBalancer() {
  return {{"enabled", false},
          {"enableServiceInsertion", false},
          {"accelerationEnabled", false},
          {"virtualServer", json::array()},
          {"pool", json::array()},
          {"applicationProfile", json::array()},
          {"applicationRule", json::array()},
          {"monitor", json::array()}};
}

json DefaultFirewall() {
  return {{"featureType", "firewall_4.0"},
          {"enabled", true},
          {"globalConfig", {{"tcpTimeoutEstablished", 21600}}},
          {"defaultPolicy", {{"action", "deny"}, {"loggingEnabled", false}}},
          {"firewallRules", {{"firewallRules", json::array()}}}};
}

json CertificateJson(int64_t num, const Certificate& cert) {
  return {{"objectId", MakeId("certificate", num)},
          {"name", cert.name},
          {"certificateType", cert.type},
          {"scopeId", cert.scope},
          {"x509Certificate",
           {{"subjectCn", cert.name},
            {"issuerCn", cert.type == "certificate_self_signed" ? cert.name : "unknown"},
            {"publicKeyAlgo", "RSA"},
            {"publicKeyLength", 2048}}}};
}

std::optional<std::string> XmlText(std::string_view xml, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  const size_t start = xml.find(open);
  if (start == std::string_view::npos) return std::nullopt;
  const size_t end = xml.find(close, start + open.size());
  if (end == std::string_view::npos) return std::nullopt;
  return std::string(xml.substr(start + open.size(), end - start - open.size()));
}

bool XmlRootIs(std::string_view xml, std::string_view root) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  xml = trim(xml);
  if (xml.substr(0, 5) == "<?xml") {
    const size_t end = xml.find("?>");
    if (end == std::string_view::npos) return false;
    xml = trim(xml.substr(end + 2));
  }
  const std::string open = "<" + std::string(root);
  const std::string close = "</" + std::string(root) + ">";
  if (xml.substr(0, open.size()) != open || xml.size() < open.size() + close.size()) return false;
  const char after = xml[open.size()];
  if (after != '>' && after != ' ') return false;
  return xml.substr(xml.size() - close.size()) == close;
}

Status BadXml(std::string_view root) {
  return BadRequest(nsx_code::kInvalidRequestBody,
                    "The request body is not a valid <" + std::string(root) + "> document");
}

}  // namespace nsxv::fake
