#include "bench/edge_measure.h"

#include <malloc.h>
#include <sqlite3.h>
#include <time.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace nsxv::bench {
namespace {

int64_t ClockNs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// "\040" and friends in mountinfo paths back to characters.
std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool UnderMount(const std::string& path, const std::string& mount) {
  if (mount == "/") return true;
  return path == mount || (path.starts_with(mount) && path[mount.size()] == '/');
}

}  // namespace

double ProcessCpuSeconds() { return static_cast<double>(ClockNs(CLOCK_PROCESS_CPUTIME_ID)) * 1e-9; }

double ThreadCpuSeconds() { return static_cast<double>(ClockNs(CLOCK_THREAD_CPUTIME_ID)) * 1e-9; }

int64_t HeapInUseBytes() {
  const struct mallinfo2 mi = mallinfo2();
  return static_cast<int64_t>(mi.uordblks + mi.hblkhd);
}

int64_t SqliteMemoryBytes() { return sqlite3_memory_used(); }

std::string DirectoryStorage(const std::string& dir) {
  std::error_code ec;
  const std::string path = std::filesystem::weakly_canonical(dir, ec).string();
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  std::string best_mount;
  std::string best;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string w; fields >> w;) f.push_back(w);
    if (f.size() < 7) continue;
    size_t dash = 6;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (dash + 2 >= f.size()) continue;
    const std::string mount = Unescape(f[4]);
    if (!UnderMount(path, mount) || mount.size() < best_mount.size()) continue;
    best_mount = mount;
    best = f[dash + 1] + " on " + Unescape(f[dash + 2]);
    // Rotational flag of the block device, when it is one (virtual disks often say 1).
    std::ifstream rot("/sys/dev/block/" + f[2] + "/queue/rotational");
    int r = -1;
    if (rot >> r) best += r == 1 ? " (rotational)" : " (non-rotational)";
  }
  return best.empty() ? "unknown" : best;
}

Result<HttpResponse> CpuTimedTransport::Send(const HttpRequest& request) {
  const int64_t t0 = ClockNs(CLOCK_THREAD_CPUTIME_ID);
  Result<HttpResponse> r = inner_.Send(request);
  cpu_ns_.fetch_add(ClockNs(CLOCK_THREAD_CPUTIME_ID) - t0, std::memory_order_relaxed);
  return r;
}

}  // namespace nsxv::bench
