// A private MariaDB server for scenario runs and tests: its own data directory and socket under
// a root directory, no TCP port (--skip-networking), no system service, no configuration file
// (--no-defaults), throw-away durability (no fsync). Stop() (and the destructor) ends it with
// SIGTERM, waits for it (bounded), and removes the root directory.
//
// The data directory comes from mariadb-install-db, run into the root, or copied from a
// template directory that mariadb-install-db fills once (under a file lock, so parallel
// processes create it once) when `template_dir` is given.
//
// Threading: CreateDatabase and DropDatabase are thread-safe (each opens its own connection).
// The server belongs to the process that started it: a forked child never stops it (Stop() in
// another process does nothing) and must leave with _exit.
#pragma once

#include <memory>
#include <string>

#include <sys/types.h>

#include "driver/common/status.h"

namespace nsxv::scenarios {

struct MariadbServerOptions {
  std::string root;          // created; holds data/, the socket, server.log; removed by Stop()
  std::string template_dir;  // empty: mariadb-install-db runs into root/data
};

class MariadbServer {
 public:
  // Starts the server and creates a user with a password (MariadbServerPassword()) allowed
  // everything. kNotFound when mariadbd or mariadb-install-db is not installed (the message says
  // so); kInternal with the tail of the server log for any other failure.
  static Result<std::unique_ptr<MariadbServer>> Start(const MariadbServerOptions& options);
  ~MariadbServer();
  MariadbServer(const MariadbServer&) = delete;
  MariadbServer& operator=(const MariadbServer&) = delete;

  // Creates the empty database `name` (utf8mb4, binary collation); its URL in neutron.conf's
  // form, mysql+pymysql://USER:PASSWORD@localhost/NAME?unix_socket=PATH.
  Result<std::string> CreateDatabase(const std::string& name);
  // The server's URL for database `name` (no database is created).
  std::string Url(const std::string& name) const;
  void Stop();

 private:
  MariadbServer() = default;
  Status Launch(const MariadbServerOptions& options);
  Status Admin(const std::string& sql) const;

  std::string root_;
  std::string socket_;
  pid_t pid_ = -1;
  pid_t owner_ = -1;
};

// The password of the user MariadbServer creates (tests check that it never appears in
// messages).
const char* MariadbServerPassword();

}  // namespace nsxv::scenarios
