// Nova's signature and the two renderings of an MdPathReport (text hop table, JSON document;
// the JSON form is documented in docs/metadata-path.md).
#include <algorithm>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "scenarios/md_path.h"

namespace nsxv::scenarios {

std::string MdPathSignature(const std::string& key, const std::string& message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4U];
    out += kHex[digest[i] & 0xFU];
  }
  return out;
}

std::string MdPathStatus(const MdRouterVerdict& verdict) {
  if (verdict.metadata.proven) return "200";
  for (const auto& h : verdict.metadata.hops) {
    if (h.ok) continue;
    if (h.edge == "nova" && (h.decision == "400" || h.decision == "403")) return h.decision;
    return "unreachable";
  }
  return "unreachable";
}

namespace {

std::string Pad(const std::string& s, size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

void RenderVerdict(const MdPathVerdict& v, std::string* out) {
  size_t we = 4, wl = 7, wd = 8;
  for (const auto& h : v.hops) {
    we = std::max(we, h.edge.size());
    wl = std::max(wl, h.element.size());
    wd = std::max(wd, h.decision.size());
  }
  for (const auto& h : v.hops) {
    *out += "    " + Pad(h.edge, we + 1) + Pad(h.element, wl + 1) + Pad(h.decision, wd + 1) +
            (h.ok ? "" : "FAIL ") + h.reason + "\n";
  }
  *out += "  " + v.check + ": " + (v.proven ? "proven" : "FAILED") + " - " + v.reason + "\n";
}

nlohmann::json VerdictJson(const MdPathVerdict& v) {
  nlohmann::json hops = nlohmann::json::array();
  for (const auto& h : v.hops) {
    hops.push_back({{"edge", h.edge},
                    {"element", h.element},
                    {"decision", h.decision},
                    {"reason", h.reason},
                    {"ok", h.ok}});
  }
  return {{"check", v.check}, {"proven", v.proven}, {"reason", v.reason}, {"hops", hops}};
}

}  // namespace

std::string RenderMdPathText(const MdPathReport& report) {
  std::string out;
  for (const auto& r : report.routers) {
    out += "router " + r.router_id + " (" + r.edge_id +
           "): " + (r.proven() ? "proven" : "FAILED - " + r.FirstFailure()) + "\n";
    RenderVerdict(r.metadata, &out);
    for (const auto& n : r.negatives) RenderVerdict(n, &out);
  }
  out += "metadata path: " + std::to_string(report.proven()) + "/" +
         std::to_string(report.routers.size()) + " routers proven\n";
  return out;
}

nlohmann::json MdPathReportToJson(const MdPathReport& report) {
  nlohmann::json routers = nlohmann::json::array();
  for (const auto& r : report.routers) {
    nlohmann::json checks = nlohmann::json::array({VerdictJson(r.metadata)});
    for (const auto& n : r.negatives) checks.push_back(VerdictJson(n));
    routers.push_back({{"router", r.router_id},
                       {"edge", r.edge_id},
                       {"proven", r.proven()},
                       {"failure", r.FirstFailure()},
                       {"checks", checks}});
  }
  return {{"routers", routers},
          {"proven", report.proven()},
          {"total", report.routers.size()},
          {"ok", report.ok()}};
}

}  // namespace nsxv::scenarios
