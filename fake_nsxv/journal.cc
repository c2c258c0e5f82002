#include "fake_nsxv/journal.h"

#include <nlohmann/json.hpp>

namespace nsxv::fake {

uint64_t Journal::Record(JournalEntry entry) {
  MutexLock lock(&mu_);
  entry.seq = next_seq_++;
  RouteCounter& rc = routes_[entry.route];
  ++rc.count;
  ++rc.by_status[entry.status];
  if (!entry.fault.empty()) ++faults_[entry.fault];
  if (entries_.size() == capacity_) {
    entries_.pop_front();
    ++dropped_;
  }
  const uint64_t seq = entry.seq;
  entries_.push_back(std::move(entry));
  return seq;
}

void Journal::Clear() {
  MutexLock lock(&mu_);
  entries_.clear();
  routes_.clear();
  faults_.clear();
  dropped_ = 0;
}

nlohmann::json Journal::ToJson(uint64_t since, size_t limit) const {
  MutexLock lock(&mu_);
  nlohmann::json out = nlohmann::json::array();
  for (const JournalEntry& e : entries_) {
    if (e.seq <= since) continue;
    if (out.size() >= limit) break;
    nlohmann::json j = {{"seq", e.seq},     {"method", e.method}, {"path", e.target},
                        {"route", e.route}, {"status", e.status}, {"duration_us", e.duration_us}};
    j["fault"] = e.fault.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.fault);
    if (!e.rule.empty()) j["rule"] = e.rule;
    out.push_back(std::move(j));
  }
  const uint64_t next = out.empty() ? since : out.back()["seq"].get<uint64_t>();
  return {{"entries", std::move(out)}, {"next", next}, {"dropped", dropped_}};
}

nlohmann::json Journal::CountersJson() const {
  MutexLock lock(&mu_);
  nlohmann::json routes = nlohmann::json::object();
  uint64_t total = 0;
  for (const auto& [route, rc] : routes_) {
    nlohmann::json by_status = nlohmann::json::object();
    for (const auto& [status, n] : rc.by_status) by_status[std::to_string(status)] = n;
    routes[route] = {{"count", rc.count}, {"status", std::move(by_status)}};
    total += rc.count;
  }
  return {{"total", total}, {"routes", std::move(routes)}, {"faults", faults_}};
}

uint64_t Journal::total() const {
  MutexLock lock(&mu_);
  return next_seq_ - 1;
}

}  // namespace nsxv::fake
