#include "tests/test_util/mariadb_server.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>

#include "driver/store/context.h"
#include "scenarios/mariadb_server.h"

namespace nsxv::testing_util {
namespace {

namespace fs = std::filesystem;

// The test process's server (scenarios/mariadb_server.h), started on first use under
// build/mariadb-test/<pid> from the build folder's template data directory.
class TestServer {
 public:
  Result<std::string> FreshDatabase() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_) {
      started_ = true;
      std::error_code ec;
      const fs::path build = fs::read_symlink("/proc/self/exe", ec).parent_path().parent_path();
      scenarios::MariadbServerOptions o;
      o.root = (build / "mariadb-test" / std::to_string(::getpid())).string();
      o.template_dir = (build / "mariadb-test" / "template").string();
      auto server = scenarios::MariadbServer::Start(o);
      if (server.ok()) {
        server_ = std::move(server).value();
      } else if (server.error().code() == StatusCode::kNotFound) {
        start_status_ = NotFound(server.error().message() + ": MariaDB tests skipped");
      } else {
        start_status_ = server.error();
      }
    }
    NSXV_RETURN_IF_ERROR(start_status_);
    return server_->CreateDatabase("nsxv_test_" + std::to_string(++databases_));
  }

 private:
  std::mutex mu_;
  bool started_ = false;
  Status start_status_;
  std::unique_ptr<scenarios::MariadbServer> server_;
  int databases_ = 0;
};

TestServer& TheServer() {
  // Destroyed at exit by the process that created it (the server ignores Stop() in a forked
  // child; children leave with _exit).
  static TestServer server;
  return server;
}

}  // namespace

Result<std::string> FreshMariadbDatabase() { return TheServer().FreshDatabase(); }

const char* MariadbTestPassword() { return scenarios::MariadbServerPassword(); }

bool TestStoreIsMariadb() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): documented as called before threads start.
  const char* store = std::getenv("NSXV_TEST_STORE");
  return store != nullptr && std::string(store) == "mariadb";
}

md_proxy::ContextFactory FreshMariadbFactory(Clock* clock) {
  auto url = FreshMariadbDatabase();
  EXPECT_TRUE(url.ok()) << url.status().ToString();
  store::ContextOptions o;
  o.connection = url.ok() ? *url : std::string("mysql://unavailable@localhost/none");
  o.clock = clock;
  return md_proxy::MakeContextFactory(o);
}

}  // namespace nsxv::testing_util
