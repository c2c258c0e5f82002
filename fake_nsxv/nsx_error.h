// NSX error codes and error bodies as the fake emits them (API reference §2.5 and §7).
// Codes marked [UNVERIFIED] are this project's realistic choices; see docs/fake-nsxv.md.
#pragma once

#include <string>
#include <string_view>

#include "driver/transport/http.h"

namespace nsxv::fake {

namespace nsx_code {
inline constexpr int kEdgeNotRunning = 10013;          // reference §2.5
inline constexpr int kDuplicateEdgeName = 10085;       // reference §2.5 ([FAKE] deploy)
inline constexpr int kVnicAddressNotInSubnet = 10115;  // reference §2.5 (observed)
inline constexpr int kObjectNotFound = 202;            // core-services "object not found"
inline constexpr int kEdgeNotFound = 10003;            // [UNVERIFIED]
inline constexpr int kInvalidRequestBody = 10001;      // [UNVERIFIED] malformed or mistyped body
inline constexpr int kMissingField = 10002;            // [UNVERIFIED] required field absent
inline constexpr int kEdgeBusy = 10020;           // [UNVERIFIED] job running, busy policy reject
inline constexpr int kJobFailed = 10021;          // [UNVERIFIED] deploy job failed
inline constexpr int kCertificateNotFound = 202;  // core-services object not found
inline constexpr int kUnknownRoute = 100046;      // answered for unknown URIs
inline constexpr int kInvalidValue = 10004;       // [UNVERIFIED] value out of range or not allowed
inline constexpr int kLbReferenceNotFound = 14010;  // [UNVERIFIED] LB id reference unresolved
// [UNVERIFIED] DELETE of a truststore certificate an edge LB's clientSsl still names
inline constexpr int kCertificateInUse = 14011;
}  // namespace nsx_code

struct NsxError {
  int http_status = 400;
  int error_code = 0;
  std::string details;
  std::string module = "vShield Edge";
};

// Body in the format the request asked for: XML when its Accept (or, failing that,
// Content-Type) names xml, JSON otherwise. Sets Content-Type.
HttpResponse MakeErrorResponse(const HttpRequest& request, const NsxError& error);

bool WantsXml(const HttpRequest& request);

// Text with &, <, > and quotes escaped for XML element content and attributes.
std::string XmlEscape(std::string_view in);

}  // namespace nsxv::fake
