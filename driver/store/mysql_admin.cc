#include "driver/store/mysql_admin.h"

#include "driver/store/mariadb.h"
#include "driver/store/mysql_url.h"

namespace nsxv::store {
namespace {

Status CheckDatabaseName(const std::string& name) {
  if (name.empty() || name.size() > 64 ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
          std::string::npos) {
    return Status(StatusCode::kInvalidArgument,
                  "database name '" + name + "': use 1..64 letters, digits or underscores");
  }
  return Status::Ok();
}

// A connection to the server of `url`, with no default database.
Result<std::unique_ptr<MariadbDb>> OpenServer(const std::string& url) {
  NSXV_ASSIGN_OR_RETURN(MysqlUrl u, ParseMysqlUrl(url));
  u.database.clear();
  return MariadbDb::Open(u, 10000);
}

}  // namespace

Result<std::string> MysqlUrlWithDatabase(const std::string& url, const std::string& database) {
  NSXV_RETURN_IF_ERROR(ParseMysqlUrl(url).status());
  NSXV_RETURN_IF_ERROR(CheckDatabaseName(database));
  // USER:PASSWORD@HOST ends at the first '/' after the scheme (a '/' in the password is
  // percent-encoded); the database runs from there to the query.
  const size_t authority = url.find("://") + 3;
  const size_t query = url.find('?', authority);
  const size_t end = query == std::string::npos ? url.size() : query;
  const size_t slash = url.find('/', authority);
  if (slash == std::string::npos || slash > end) {
    return url.substr(0, end) + "/" + database + url.substr(end);
  }
  return url.substr(0, slash + 1) + database + url.substr(end);
}

Status CreateMysqlDatabase(const std::string& url, const std::string& database) {
  NSXV_RETURN_IF_ERROR(CheckDatabaseName(database));
  NSXV_ASSIGN_OR_RETURN(auto db, OpenServer(url));
  return db->Exec("CREATE DATABASE " + database + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
}

Status DropMysqlDatabase(const std::string& url, const std::string& database) {
  NSXV_RETURN_IF_ERROR(CheckDatabaseName(database));
  NSXV_ASSIGN_OR_RETURN(auto db, OpenServer(url));
  return db->Exec("DROP DATABASE IF EXISTS " + database);
}

}  // namespace nsxv::store
