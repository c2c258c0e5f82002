#include "driver/transport/retry.h"

#include <algorithm>

namespace nsxv {

Duration RetryPolicy::BackoffAfter(int attempt) const {
  Duration wait = initial;
  for (int i = 0; i < attempt && wait < max; ++i) wait *= 2;
  return std::min(wait, max);
}

bool RetryPolicy::ShouldRetry(const Status& s) const {
  if (s.ok()) return false;
  if (s.http_status() == 0) return retry_transport && s.IsTransportError();
  if (s.nsx_error_code() != 0 && std::find(final_nsx_codes.begin(), final_nsx_codes.end(),
                                           s.nsx_error_code()) != final_nsx_codes.end()) {
    return false;
  }
  return std::find(retry_http.begin(), retry_http.end(), s.http_status()) != retry_http.end();
}

RetryPolicy RetryPolicy::OnHttp(int attempts, std::initializer_list<int> statuses) {
  RetryPolicy p;
  p.max_attempts = attempts;
  p.retry_http = statuses;
  return p;
}

}  // namespace nsxv
