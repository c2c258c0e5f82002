// Private to bench/edge_setup*.cc: helpers both the single run and the sweep use (pure,
// thread-safe).
#pragma once

#include <chrono>
#include <string>

namespace nsxv::bench {

using SteadyClock = std::chrono::steady_clock;

// A duration in seconds.
double Seconds(SteadyClock::duration d);
// `s` on one line (newlines to spaces), cut to 300 characters.
std::string OneLine(std::string s);

}  // namespace nsxv::bench

#include <memory>

#include "driver/common/status.h"
#include "driver/store/context.h"

namespace nsxv::bench {

// The store of one edge-setup run (EdgeSetupOptions::store_url): an SQLite file in `dir` (fresh:
// an old one is removed), or a fresh database on the MySQL/MariaDB server of the URL, dropped
// again by the destructor. One thread sets it up and tears it down; options() is read by all.
class BenchStore {
 public:
  static Result<std::unique_ptr<BenchStore>> Open(const std::string& store_url,
                                                  const std::string& dir);
  ~BenchStore();
  BenchStore(const BenchStore&) = delete;
  BenchStore& operator=(const BenchStore&) = delete;

  // The Context options of the store (no tenant, not admin).
  const store::ContextOptions& options() const { return options_; }
  // CPU seconds (user + system) the database server process has used so far; -1 when unknown
  // (SQLite runs in this process; a server reached over TCP cannot be identified). A server on
  // a unix socket is found by the peer credentials of a connection to it.
  double ServerCpuSeconds() const;

 private:
  BenchStore() = default;
  store::ContextOptions options_;
  std::string url_;
  std::string database_;
  int server_pid_ = -1;
};

// "sqlite" for an empty store_url, else "mariadb".
const char* StoreName(const std::string& store_url);

}  // namespace nsxv::bench
