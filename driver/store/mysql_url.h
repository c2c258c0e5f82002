// The MySQL/MariaDB connection URL as operators write it in neutron.conf (SQLAlchemy form):
//   [database] connection = mysql+pymysql://USER:PASSWORD@HOST[:PORT]/DB
//   [database] connection = mysql+pymysql://USER:PASSWORD@/DB?unix_socket=/run/mysqld/mysqld.sock
// and as tooz takes it for [DEFAULT] locking_coordinator_url (mysql://...). The scheme is mysql
// or mariadb, optionally "+DRIVER" (pymysql, mysqldb, ...: the driver name is not used here).
// USER and PASSWORD are percent-decoded. Query keys: unix_socket, charset (utf8 or utf8mb4;
// connections always use utf8mb4); any other key is an error naming it.
//
// The password never appears in a message: Redacted() is the printable form, and parse errors
// name the part that is wrong, never the text. Pure values; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "driver/common/status.h"

namespace nsxv::store {

struct MysqlUrl {
  std::string user;
  std::string password;
  std::string host;   // empty with unix_socket
  unsigned port = 0;  // 0: the default (3306)
  std::string database;
  std::string unix_socket;

  // "mysql://USER@HOST:PORT/DB" or "mysql://USER@localhost/DB?unix_socket=PATH": no password.
  std::string Redacted() const;
};

// True when `text` starts with a mysql or mariadb scheme.
bool IsMysqlUrl(std::string_view text);

// InvalidArgument naming what is wrong (never echoing the password).
Result<MysqlUrl> ParseMysqlUrl(std::string_view text);

}  // namespace nsxv::store
