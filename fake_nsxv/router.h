// CONTRACT SKETCH (helper fills in): pure request -> response for the NSX REST API (/api/...).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "driver/transport/http.h"
#include "fake_nsxv/model.h"

namespace nsxv::fake {

struct RequestOptions {
  bool fail_job = false;  // fault kind job_failure: the job this request starts fails
};

struct Routed {
  HttpResponse response;
  Duration delay{0};  // clock time the answer is held back (sync deploy, busy edge)
};

class Router {
 public:
  explicit Router(Model& model);
  Routed Handle(const HttpRequest& request, const RequestOptions& options = {});

  // Route template for counters, e.g. "PUT /api/4.0/edges/{edgeId}/vnics/{index}";
  // "unknown" when nothing matches.
  static std::string RouteName(const HttpRequest& request);
  // Edge id the path refers to (/edges/{id}/..., truststore csr|certificate/{edgeId}).
  static std::optional<std::string> EdgeIdOf(std::string_view path);
};

}  // namespace nsxv::fake
