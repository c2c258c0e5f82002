// Retry policies as data (API reference §2.6) and the loop that applies them on a Clock.
//
// After failed attempt n (n = 1, 2, ...) the wait is min(initial * 2^n, max): with the 2016
// defaults (0.5 s, 4 s) that is 1 s, 2 s, 4 s, 4 s, ... The loop stops after max_attempts
// attempts and returns the last error unchanged. Stateless and thread-safe.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "driver/common/clock.h"
#include "driver/common/status.h"

namespace nsxv {

struct RetryPolicy {
  int max_attempts = 1;
  Duration initial = std::chrono::milliseconds(500);
  Duration max = std::chrono::seconds(4);
  // HTTP statuses that are retried (409 for every NSX call; 400/404/503 for some).
  std::vector<int> retry_http;
  // Retry when no response arrived (only for calls that are safe to repeat).
  bool retry_transport = false;
  // NSX errorCodes that are never retried even when their HTTP status is (e.g. 10013 "edge not
  // running" on a 400 that a vnic update otherwise retries: a powered-off edge stays off).
  std::vector<int> final_nsx_codes;

  // The wait after failed attempt `attempt` (1-based).
  Duration BackoffAfter(int attempt) const;
  bool ShouldRetry(const Status& s) const;

  static RetryPolicy None() { return {}; }
  // Retries the given HTTP statuses with the default backoff, `attempts` attempts in all.
  static RetryPolicy OnHttp(int attempts, std::initializer_list<int> statuses);
};

// Calls `attempt` until it succeeds, fails with an error the policy does not retry, or the
// attempts run out; sleeps on `clock` between attempts. `on_retry` (may be empty) is told about
// each retry: the attempt that failed (1-based), its error and the wait.
template <typename T>
Result<T> CallWithRetry(Clock& clock, const RetryPolicy& policy,
                        const std::function<Result<T>(int attempt)>& attempt,
                        const std::function<void(int, const Status&, Duration)>& on_retry = {}) {
  for (int n = 1;; ++n) {
    Result<T> r = attempt(n);
    if (r.ok() || n >= policy.max_attempts || !policy.ShouldRetry(r.error())) return r;
    const Duration wait = policy.BackoffAfter(n);
    if (on_retry) on_retry(n, r.error(), wait);
    clock.SleepFor(wait);
  }
}

}  // namespace nsxv
