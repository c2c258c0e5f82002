// Private to bench/edge_setup*.cc: what the edge-setup benchmark measures besides wall time, and
// how. CPU clocks (process, calling thread), heap bytes in use (glibc mallinfo2: every arena, so
// process-wide), SQLite's own allocation counter (process-wide: every connection's page cache,
// schema and statements), the storage behind a directory, and CpuTimedTransport, a Transport
// decorator that adds up the calling thread's CPU time spent inside the wrapped transport (the
// fake's share of an in-process run, where the fake runs on the driver's threads).
//
// Threading: the free functions are thread-safe. CpuTimedTransport is thread-safe when the
// wrapped transport is; the wrapped transport must outlive it.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "driver/transport/transport.h"

namespace nsxv::bench {

double ProcessCpuSeconds();
double ThreadCpuSeconds();
// Bytes of heap in use (allocated and not freed) in all malloc arenas, including mmapped blocks.
int64_t HeapInUseBytes();
// sqlite3_memory_used(): bytes SQLite holds now, all connections together.
int64_t SqliteMemoryBytes();

// What stores a directory's files: "ext4 on /dev/vda" ("tmpfs on tmpfs"); "unknown" when
// /proc/self/mountinfo does not say.
std::string DirectoryStorage(const std::string& dir);

class CpuTimedTransport final : public Transport {
 public:
  explicit CpuTimedTransport(Transport& inner) : inner_(inner) {}
  Result<HttpResponse> Send(const HttpRequest& request) override;
  // CPU seconds spent inside inner.Send() so far, over all calling threads.
  double cpu_seconds() const {
    return static_cast<double>(cpu_ns_.load(std::memory_order_relaxed)) * 1e-9;
  }

 private:
  Transport& inner_;
  std::atomic<int64_t> cpu_ns_{0};
};

}  // namespace nsxv::bench
