// The store of one edge-setup run (BenchStore, edge_setup_internal.h).
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/socket.h>
#include <sys/un.h>

#include "bench/edge_setup_internal.h"
#include "driver/store/mysql_admin.h"
#include "driver/store/mysql_url.h"

namespace nsxv::bench {
namespace {

// The pid of the process listening on the unix socket `path`; -1 when it cannot be told.
int PeerPid(const std::string& path) {
  sockaddr_un addr{};
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) return -1;
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  int pid = -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) pid = cred.pid;
  }
  ::close(fd);
  return pid;
}

}  // namespace

const char* StoreName(const std::string& store_url) {
  return store_url.empty() ? "sqlite" : "mariadb";
}

Result<std::unique_ptr<BenchStore>> BenchStore::Open(const std::string& store_url,
                                                     const std::string& dir) {
  std::unique_ptr<BenchStore> s(new BenchStore());
  if (store_url.empty()) {
    const std::string db_path = dir + "/bench.db";
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path + suffix, ec);
    s->options_.path = db_path;
    return s;
  }
  NSXV_ASSIGN_OR_RETURN(const store::MysqlUrl url, store::ParseMysqlUrl(store_url));
  static std::atomic<int> counter{0};
  const std::string name =
      "nsxv_bench_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  NSXV_ASSIGN_OR_RETURN(s->options_.connection, store::MysqlUrlWithDatabase(store_url, name));
  NSXV_RETURN_IF_ERROR(store::CreateMysqlDatabase(store_url, name));
  s->url_ = store_url;
  s->database_ = name;
  s->server_pid_ = PeerPid(url.unix_socket);
  return s;
}

BenchStore::~BenchStore() {
  if (!database_.empty()) (void)store::DropMysqlDatabase(url_, database_);
}

double BenchStore::ServerCpuSeconds() const {
  if (server_pid_ <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(server_pid_) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i >= 14) ticks += std::strtod(field.c_str(), nullptr);
  }
  const long hz = ::sysconf(_SC_CLK_TCK);
  return hz > 0 ? ticks / static_cast<double>(hz) : -1;
}

}  // namespace nsxv::bench
