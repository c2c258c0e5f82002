#include "fake_nsxv/in_process_transport.h"

namespace nsxv::fake {

Result<HttpResponse> InProcessTransport::Send(const HttpRequest& request) {
  calls_.fetch_add(1);
  const Duration timeout = request.timeout.count() > 0 ? request.timeout : default_timeout_;
  const std::string where = request.method + " " + request.target;
  Exchange ex = manager_.Process(request);
  Clock& clock = manager_.clock();
  if (ex.delivery == Delivery::kNoReply || ex.delay >= timeout) {
    clock.SleepFor(timeout);
    return Status(StatusCode::kDeadlineExceeded, where + ": no response within the deadline");
  }
  clock.SleepFor(ex.delay);
  switch (ex.delivery) {
    case Delivery::kNormal:
      return std::move(ex.response);
    case Delivery::kReset:
      return Status(StatusCode::kConnectionReset, where + ": connection reset by peer");
    case Delivery::kResponseLost:
      return Status(StatusCode::kConnectionReset, where + ": connection closed before a response");
    case Delivery::kTruncated:
      return Status(StatusCode::kTruncated, where + ": response body truncated");
    case Delivery::kNoReply:
      break;
  }
  return Status(StatusCode::kInternal, where + ": unknown delivery");
}

}  // namespace nsxv::fake
