// Journal: the fake's bounded record of requests (newest kept) and per-route counters, served at
// GET /__fake/journal and GET /__fake/counters. Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "driver/common/mutex.h"

namespace nsxv::fake {

struct JournalEntry {
  uint64_t seq = 0;  // assigned by Record, from 1
  std::string method;
  std::string target;
  std::string route;        // Router::RouteName, or "admin"/"unauthorized"
  int status = 0;           // 0 when no answer was delivered
  std::string fault;        // kind of the fault applied, empty for none
  std::string rule;         // names of the rules that fired, comma separated
  int64_t duration_us = 0;  // processing time plus the delivery delay
};

class Journal {
 public:
  explicit Journal(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Stores the entry (dropping the oldest when full) and returns its sequence number.
  uint64_t Record(JournalEntry entry) EXCLUDES(mu_);
  void Clear() EXCLUDES(mu_);

  // {"entries": [...seq > since, at most limit...], "next": last seq, "dropped": n}.
  nlohmann::json ToJson(uint64_t since, size_t limit) const EXCLUDES(mu_);
  // {"total": n, "routes": {route: {"count": n, "status": {"200": n}}}, "faults": {kind: n}}.
  nlohmann::json CountersJson() const EXCLUDES(mu_);
  uint64_t total() const EXCLUDES(mu_);

 private:
  struct RouteCounter {
    uint64_t count = 0;
    std::map<int, uint64_t> by_status;
  };

  const size_t capacity_;
  mutable Mutex mu_;
  std::deque<JournalEntry> entries_ GUARDED_BY(mu_);
  uint64_t next_seq_ GUARDED_BY(mu_) = 1;
  uint64_t dropped_ GUARDED_BY(mu_) = 0;
  std::map<std::string, RouteCounter> routes_ GUARDED_BY(mu_);
  std::map<std::string, uint64_t> faults_ GUARDED_BY(mu_);
};

}  // namespace nsxv::fake
