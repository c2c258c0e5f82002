// The MariaDB/MySQL engine of the store seam (db.h), over MariaDB Connector/C.
//
// Statements go over the text protocol with parameters escaped on the client
// (mysql_real_escape_string on a utf8mb4 connection), as PyMySQL does for Neutron; results are
// fetched whole (mysql_store_result), so a statement's rows stay readable while other
// statements run on the connection. SQL arrives in the store's SQLite dialect and is rewritten
// once per cached statement (dialect.h).
//
// Session: utf8mb4, strict SQL mode, REPEATABLE READ (InnoDB's and Neutron's default), matched
// rather than changed rows counted for UPDATE (CLIENT_FOUND_ROWS, as SQLite counts), and
// innodb_lock_wait_timeout from the busy timeout (whole seconds, at least 1). The connection is
// never re-established behind the caller's back: a lost connection is kConnectionReset.
//
// Errors (MariadbStatus): 1213 deadlock and 1205 lock-wait timeout -> kUnavailable (retry the
// transaction); 1062 duplicate key -> kAlreadyExists; 1451/1452 foreign key ->
// kFailedPrecondition; 4025 CHECK, 1048 NOT NULL -> kInvalidArgument; 1045 access denied ->
// kPermissionDenied; 2002/2003/2006/2013, 1927 (killed) -> kConnectionReset; anything else ->
// kInternal.
//
// Threading: as every Db (db.h): one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "driver/common/status.h"
#include "driver/store/db.h"
#include "driver/store/mysql_url.h"

struct st_mysql;

namespace nsxv::store {

// Status for MariaDB error number `error`.
Status MariadbStatus(unsigned error, std::string_view what, std::string_view detail);

// Makes the client library ready; called by every connect. Thread-safe.
void InitMariadbLibrary();

// Opens a client connection (utf8mb4, no automatic reconnect). The caller owns it
// (mysql_close). Errors name the redacted URL.
Result<st_mysql*> ConnectMariadb(const MysqlUrl& url, unsigned long client_flags);

class MariadbDb final : public Db {
 public:
  static Result<std::unique_ptr<MariadbDb>> Open(const MysqlUrl& url, int busy_timeout_ms);
  ~MariadbDb() override;

  Engine engine() const override { return Engine::kMariadb; }
  Status Exec(std::string_view sql) override;
  bool in_transaction() const override;
  // The last error of the connection as a Status.
  Status Error(std::string_view what) const;
  st_mysql* raw() { return conn_; }

 private:
  MariadbDb(st_mysql* conn, std::string path) : Db(std::move(path)), conn_(conn) {}
  Result<std::unique_ptr<Statement>> NewStatement(std::string_view sql) override;
  st_mysql* conn_;
};

}  // namespace nsxv::store
