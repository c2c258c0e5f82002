// Router: a pure function from one NSX REST request (/api/...) to its response, over a Model.
//
// It matches the method and path against the routes of API reference §1, parses the body
// (JSON, or XML for the truststore CSR, virtual wire and spoofguard calls), calls the Model and
// renders the NSX answer: status code, Location header, JSON (or plain-text id) body. Errors
// carry an NSX error body in the format the request's Accept asks for (MakeErrorResponse):
// 404 for an unknown path or object, 405 with an Allow header for a known path with another
// method, and whatever status and errorCode the Model chose.
//
// Paths under /__fake/ are not routed here (FakeManager handles them). No sockets, no
// threads, no sleeping: the time the answer must be held back is returned in Routed.delay.
//
// Thread-safety: Handle() may be called from many threads at once; the Router has no mutable
// state of its own and the Model is thread-safe. The Model must outlive the Router.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
  // "unknown" when nothing matches (a known path with another method is also "unknown").
  static std::string RouteName(const HttpRequest& request);
  // Every route served, as "METHOD template" in RouteName's form (the conformance table lists
  // each of them with its spec reference).
  static std::vector<std::string> ServedRoutes();
  // Edge id the path refers to (/edges/{id}/..., truststore csr|certificate/{edgeId}).
  static std::optional<std::string> EdgeIdOf(std::string_view path);

 private:
  Model& model_;
};

}  // namespace nsxv::fake
