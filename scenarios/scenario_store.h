// The store a scenario run's nodes share: the `--store` option of `nsxv-md scenario run` and the
// scenario key `store` (docs/scenarios.md "Store"):
//   sqlite   one SQLite file in the run's work directory, host-local file locks in one lock
//            directory (the nodes are processes of one host);
//   mariadb  a fresh database on a private MariaDB server (scenarios/mariadb_server.h): the one
//            the caller shares across runs, or one started for the run under its work directory
//            and removed afterwards;
//   URL      mysql+pymysql://USER:PASSWORD@HOST/DB (or ?unix_socket=...): a fresh database per
//            run on that existing server, dropped afterwards (the URL's user needs CREATE and
//            DROP; DB only names the server's login database and is not touched).
// On MariaDB every node is a host of its own: its own lock directory, the named locks through
// [DEFAULT] locking_coordinator_url on the same server (GET_LOCK), so nodes share only the
// database, the coordinator and the manager.
//
// Threading: RunStore belongs to one run (one thread sets it up and tears it down); its
// accessors are const and may be read by the run's threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "driver/common/status.h"
#include "driver/config/config.h"
#include "driver/store/context.h"
#include "scenarios/mariadb_server.h"
#include "scenarios/store_choice.h"

namespace nsxv::scenarios {

class RunStore {
 public:
  // kSqlite: nothing to start. kMariadb: a database on `shared` when not null, else on a server
  // started under work_dir/mariadb. kMysqlUrl: a database on that server. The database is named
  // from the run's seed and a random token, so runs sharing a server never meet.
  static Result<std::unique_ptr<RunStore>> Open(const StoreChoice& choice,
                                                const std::string& work_dir, uint64_t seed,
                                                MariadbServer* shared);
  // Drops the run's database and stops a server started for the run.
  ~RunStore();
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  bool mariadb() const { return !url_.empty(); }
  // Sets [database] and [DEFAULT] locking_coordinator_url of a node's configuration.
  void Apply(config::Config& config) const;
  // The lock directory of node `node` ("host"): shared by every node on SQLite, one per node on
  // MariaDB.
  std::string LockDir(const std::string& node) const;
  // The store's Context options (no tenant, not admin).
  store::ContextOptions ContextOptions() const;

 private:
  RunStore() = default;

  std::string work_dir_;
  std::unique_ptr<MariadbServer> own_server_;
  std::string url_;       // the run's database (MariaDB only)
  std::string database_;  // its name
};

}  // namespace nsxv::scenarios
