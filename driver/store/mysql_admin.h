// Databases on a MySQL/MariaDB server, for tools that want a fresh one per run (the scenario
// runner's and the benchmark's `--store mysql+pymysql://...`): the URL of another database on the
// same server, CREATE DATABASE and DROP DATABASE as the URL's user. Database names are
// identifiers here (1..64 letters, digits, underscores), so no quoting is needed.
//
// Errors name the redacted URL (store/mysql_url.h), never the password. Thread-safe: each call
// opens and closes its own connection.
#pragma once

#include <string>

#include "driver/common/status.h"

namespace nsxv::store {

// `url` with its database replaced by `database` (user, password, host and query kept).
Result<std::string> MysqlUrlWithDatabase(const std::string& url, const std::string& database);

// CREATE DATABASE `database` (utf8mb4, binary collation) on the server of `url`.
Status CreateMysqlDatabase(const std::string& url, const std::string& database);
// DROP DATABASE IF EXISTS `database` on the server of `url`.
Status DropMysqlDatabase(const std::string& url, const std::string& database);

}  // namespace nsxv::store
