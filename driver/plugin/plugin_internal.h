// Helpers shared by the plugin's source files (plugin.cc: networks, subnets, ports;
// plugin_router.cc: routers and edge updates). Not part of the plugin's interface.
#pragma once

#include <string>

#include "driver/common/status.h"

namespace nsxv::plugin::internal {

// `s` with "what: " before its message (HTTP status and NSX errorCode kept); OK stays OK.
inline Status Prefixed(const Status& s, const std::string& what) {
  if (s.ok()) return s;
  Status out(s.code(), what + ": " + s.message());
  out.WithHttp(s.http_status(), s.nsx_error_code());
  return out;
}

inline Status PermissionDenied(const std::string& m) { return {StatusCode::kPermissionDenied, m}; }
inline Status FailedPrecondition(const std::string& m) {
  return {StatusCode::kFailedPrecondition, m};
}

}  // namespace nsxv::plugin::internal
