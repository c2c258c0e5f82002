#include "scenarios/mariadb_server.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include <sys/file.h>
#include <sys/wait.h>

#include "driver/store/mariadb.h"
#include "driver/store/mysql_admin.h"
#include "driver/store/mysql_url.h"

namespace nsxv::scenarios {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUser = "nsxv";
constexpr const char* kPassword = "n5xv-T3st!pw";
constexpr const char* kPasswordInUrl = "n5xv-T3st%21pw";

std::optional<std::string> FindBinary(const std::vector<std::string>& names) {
  std::vector<std::string> dirs;
  // NOLINTNEXTLINE(concurrency-mt-unsafe): PATH is not changed by this program.
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::stringstream ss(path);
    for (std::string dir; std::getline(ss, dir, ':');) dirs.push_back(dir);
  }
  dirs.insert(dirs.end(), {"/usr/sbin", "/usr/local/sbin"});
  for (const std::string& name : names) {
    for (const std::string& dir : dirs) {
      const fs::path p = fs::path(dir) / name;
      if (::access(p.c_str(), X_OK) == 0) return p.string();
    }
  }
  return std::nullopt;
}

// Starts `argv` with stdout and stderr appended to `log`; the child's pid.
Result<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& log) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return Internal("fork failed");
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

std::string Tail(const std::string& file) {
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > 1500 ? text.substr(text.size() - 1500) : text;
}

Status InstallDb(const std::string& install, const std::string& datadir, bool root_user,
                 const std::string& log) {
  std::vector<std::string> init = {install, "--no-defaults", "--datadir=" + datadir,
                                   "--auth-root-authentication-method=normal", "--skip-test-db"};
  if (root_user) init.push_back("--user=root");
  NSXV_ASSIGN_OR_RETURN(const pid_t pid, Spawn(init, log));
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Internal("mariadb-install-db failed; " + log + ":\n" + Tail(log));
  }
  return Status::Ok();
}

// Copies `templ` (filled by mariadb-install-db once, under templ.lock) to `datadir`.
Status CopyTemplate(const std::string& templ, const std::string& datadir,
                    const std::string& install, bool root_user, const std::string& log) {
  std::error_code ec;
  fs::create_directories(fs::path(templ).parent_path(), ec);
  const std::string lock_file = templ + ".lock";
  const int lock_fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0) return Internal("cannot open " + lock_file);
  ::flock(lock_fd, LOCK_EX);
  Status s = [&]() -> Status {
    if (!fs::exists(templ + "/.ready", ec)) {
      fs::remove_all(templ, ec);
      fs::create_directories(templ, ec);
      NSXV_RETURN_IF_ERROR(InstallDb(install, templ, root_user, log));
      std::ofstream(templ + "/.ready") << "ok\n";
    }
    fs::copy(templ, datadir, fs::copy_options::recursive, ec);
    if (ec) return Internal("cannot copy " + templ + ": " + ec.message());
    return Status::Ok();
  }();
  ::flock(lock_fd, LOCK_UN);
  ::close(lock_fd);
  return s;
}

}  // namespace

const char* MariadbServerPassword() { return kPassword; }

Result<std::unique_ptr<MariadbServer>> MariadbServer::Start(const MariadbServerOptions& options) {
  std::unique_ptr<MariadbServer> server(new MariadbServer());
  Status s = server->Launch(options);
  if (!s.ok()) return s;  // the destructor stops what started and removes the root
  return server;
}

MariadbServer::~MariadbServer() { Stop(); }

Status MariadbServer::Launch(const MariadbServerOptions& options) {
  const auto server = FindBinary({"mariadbd", "mysqld"});
  const auto install = FindBinary({"mariadb-install-db", "mysql_install_db"});
  if (!server || !install) {
    return NotFound(
        "MariaDB server not installed (mariadbd / mariadb-install-db not found; "
        "apt-get install mariadb-server, as setup.sh does)");
  }
  owner_ = ::getpid();
  std::error_code ec;
  root_ = fs::absolute(options.root, ec).string();
  fs::remove_all(root_, ec);
  fs::create_directories(root_, ec);
  if (ec) return Internal("cannot create " + root_ + ": " + ec.message());
  socket_ = root_ + "/mysqld.sock";
  // A unix socket path has at most 107 characters.
  if (socket_.size() >= 100) {
    socket_ = "/tmp/nsxv-mariadb-" + std::to_string(::getpid()) + "-" +
              std::to_string(std::hash<std::string>{}(root_) % 1000000) + ".sock";
  }
  const std::string log = root_ + "/server.log";
  const bool root_user = ::geteuid() == 0;
  const std::string datadir = root_ + "/data";
  if (options.template_dir.empty()) {
    NSXV_RETURN_IF_ERROR(InstallDb(*install, datadir, root_user, log));
  } else {
    NSXV_RETURN_IF_ERROR(CopyTemplate(options.template_dir, datadir, *install, root_user, log));
  }
  std::vector<std::string> run = {
      *server, "--no-defaults", "--datadir=" + datadir, "--socket=" + socket_, "--skip-networking",
      "--pid-file=" + root_ + "/mariadbd.pid", "--log-error=" + log, "--skip-log-bin",
      "--skip-name-resolve", "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=32M",
      "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0",
      // Throw-away data: no fsync, tables in the system tablespace (each database has 11 tables).
      "--innodb-flush-method=nosync", "--innodb-file-per-table=0", "--max-connections=400"};
  if (root_user) run.push_back("--user=root");
  NSXV_ASSIGN_OR_RETURN(pid_, Spawn(run, log));
  // Bounded wait for the socket to accept connections (the server starts in about a second).
  int status = 0;
  Status last = Internal("not tried");
  for (int i = 0; i < 600; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Internal("mariadbd exited at start; " + log + ":\n" + Tail(log));
    }
    last = Admin(std::string("CREATE USER IF NOT EXISTS '") + kUser + "'@'localhost' " +
                 "IDENTIFIED BY '" + kPassword + "'; GRANT ALL PRIVILEGES ON *.* TO '" + kUser +
                 "'@'localhost'");
    if (last.ok()) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Internal("mariadbd did not accept connections: " + last.ToString());
}

Status MariadbServer::Admin(const std::string& sql) const {
  store::MysqlUrl root;
  root.user = "root";
  root.database = "mysql";
  root.unix_socket = socket_;
  NSXV_ASSIGN_OR_RETURN(auto db, store::MariadbDb::Open(root, 10000));
  return db->Exec(sql);
}

std::string MariadbServer::Url(const std::string& name) const {
  return std::string("mysql+pymysql://") + kUser + ":" + kPasswordInUrl + "@localhost/" + name +
         "?unix_socket=" + socket_;
}

Result<std::string> MariadbServer::CreateDatabase(const std::string& name) {
  NSXV_RETURN_IF_ERROR(store::CreateMysqlDatabase(Url(name), name));
  return Url(name);
}

void MariadbServer::Stop() {
  if (::getpid() != owner_) return;  // not started, or a forked child
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    bool gone = false;
    for (int i = 0; i < 600 && !gone; ++i) {  // up to 30 s for a clean shutdown
      gone = ::waitpid(pid_, &status, WNOHANG) == pid_;
      if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!gone) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  if (!root_.empty()) {
    std::error_code ec;
    fs::remove_all(root_, ec);
    if (socket_.rfind("/tmp/", 0) == 0) fs::remove(socket_, ec);
    root_.clear();
  }
}

}  // namespace nsxv::scenarios
