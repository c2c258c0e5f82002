// Transport: where the bytes of one HTTP exchange go. The seam between the NSX client and the
// network: BeastTransport talks HTTPS to a manager, fake::InProcessTransport calls the fake's
// router directly.
//
// Send() returns a response for any HTTP status, 4xx and 5xx included; a non-OK Status only when
// no complete response arrived (connect, TLS, deadline, reset, truncation), and then
// Status::http_status() is 0. Implementations are safe to call from many threads at once.
#pragma once

#include "driver/common/status.h"
#include "driver/transport/http.h"

namespace nsxv {

class Transport {
 public:
  virtual ~Transport() = default;
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

}  // namespace nsxv
