#include "driver/store/mariadb.h"

#include <mysql.h>

#include <algorithm>
#include <charconv>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "driver/store/dialect.h"

namespace nsxv::store {
namespace {

// MariaDB server error numbers (include/mysqld_error.h of the server; not in Connector/C).
constexpr unsigned kErAccessDenied = 1045;
constexpr unsigned kErBadNull = 1048;
constexpr unsigned kErDupEntry = 1062;
constexpr unsigned kErLockWaitTimeout = 1205;
constexpr unsigned kErLockDeadlock = 1213;
constexpr unsigned kErRowIsReferenced = 1451;
constexpr unsigned kErNoReferencedRow = 1452;
constexpr unsigned kErDupEntryWithKeyName = 1586;
constexpr unsigned kErConstraintFailed = 4025;
constexpr unsigned kErConnectionKilled = 1927;
// Client errors (errmsg.h).
constexpr unsigned kCrConnectionError = 2002;
constexpr unsigned kCrConnHostError = 2003;
constexpr unsigned kCrServerGone = 2006;
constexpr unsigned kCrServerLost = 2013;

// A statement as the engine runs it: the rewritten text cut at its placeholders.
class MariadbStatement final : public Statement {
 public:
  MariadbStatement(MariadbDb* db, std::string_view sqlite_sql) : db_(db) {
    Split(MariadbSql(sqlite_sql));
  }
  ~MariadbStatement() override { FreeResult(); }
  MariadbStatement(const MariadbStatement&) = delete;
  MariadbStatement& operator=(const MariadbStatement&) = delete;

  void Bind(int index, std::string_view value) override {
    std::string literal(value.size() * 2 + 3, '\0');
    literal[0] = '\'';
    const unsigned long n =
        mysql_real_escape_string(db_->raw(), literal.data() + 1, value.data(), value.size());
    literal.resize(n + 1);
    literal += '\'';
    Slot(index) = std::move(literal);
  }
  void Bind(int index, int64_t value) override { Slot(index) = std::to_string(value); }
  void BindNull(int index) override { Slot(index) = "NULL"; }

  Result<bool> Step() override {
    if (!executed_) {
      std::string sql = parts_[0];
      for (size_t i = 0; i < params_.size(); ++i) {
        const size_t p = params_[i];
        sql += p < values_.size() && values_[p] ? *values_[p] : std::string("NULL");
        sql += parts_[i + 1];
      }
      if (mysql_real_query(db_->raw(), sql.data(), sql.size()) != 0) {
        return db_->Error("statement");
      }
      result_ = mysql_store_result(db_->raw());
      if (result_ == nullptr && mysql_field_count(db_->raw()) != 0) {
        return db_->Error("reading result");
      }
      changes_ = result_ == nullptr ? static_cast<int64_t>(mysql_affected_rows(db_->raw())) : 0;
      executed_ = true;
    }
    if (result_ == nullptr) return false;
    row_ = mysql_fetch_row(result_);
    if (row_ == nullptr) return false;
    lengths_ = mysql_fetch_lengths(result_);
    return true;
  }
  int64_t Changes() const override { return changes_; }
  void Reset() override {
    FreeResult();
    values_.clear();
  }
  bool IsNull(int col) const override { return row_ == nullptr || row_[col] == nullptr; }
  int64_t Int(int col) const override {
    if (IsNull(col)) return 0;
    int64_t value = 0;
    const char* p = row_[col];
    std::from_chars(p, p + lengths_[col], value);  // "3.0000" (a decimal) reads as 3
    return value;
  }
  std::string Text(int col) const override {
    if (IsNull(col)) return {};
    return {row_[col], lengths_[col]};
  }

 private:
  // Cuts `sql` at each ? or ?N outside quotes; ?N names parameter N, ? the next after the
  // largest so far (SQLite's numbering).
  void Split(const std::string& sql) {
    std::string part;
    size_t largest = 0;
    char quote = 0;
    for (size_t i = 0; i < sql.size(); ++i) {
      const char c = sql[i];
      if (quote != 0) {
        if (c == quote) quote = 0;
        part += c;
        continue;
      }
      if (c == '\'' || c == '"' || c == '`') {
        quote = c;
        part += c;
        continue;
      }
      if (c != '?') {
        part += c;
        continue;
      }
      size_t j = i + 1;
      size_t n = 0;
      while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') n = n * 10 + (sql[j++] - '0');
      if (j == i + 1) n = largest + 1;
      largest = std::max(largest, n);
      params_.push_back(n);
      parts_.push_back(std::move(part));
      part.clear();
      i = j - 1;
    }
    parts_.push_back(std::move(part));
  }
  std::optional<std::string>& Slot(int index) {
    const auto i = static_cast<size_t>(std::max(index, 0));
    if (values_.size() <= i) values_.resize(i + 1);
    return values_[i];
  }
  void FreeResult() {
    if (result_ != nullptr) mysql_free_result(result_);
    result_ = nullptr;
    row_ = nullptr;
    lengths_ = nullptr;
    executed_ = false;
  }

  MariadbDb* db_;
  std::vector<std::string> parts_;                  // parts_.size() == params_.size() + 1
  std::vector<size_t> params_;                      // the parameter number of each placeholder
  std::vector<std::optional<std::string>> values_;  // SQL literal by parameter number
  bool executed_ = false;
  MYSQL_RES* result_ = nullptr;
  MYSQL_ROW row_ = nullptr;
  unsigned long* lengths_ = nullptr;
  int64_t changes_ = 0;
};

}  // namespace

Status MariadbStatus(unsigned error, std::string_view what, std::string_view detail) {
  std::string msg(what);
  msg += ": error " + std::to_string(error);
  if (!detail.empty()) {
    msg += ": ";
    msg += detail;
  }
  switch (error) {
    case kErLockDeadlock:
    case kErLockWaitTimeout:
      return {StatusCode::kUnavailable, std::move(msg)};
    case kErDupEntry:
    case kErDupEntryWithKeyName:
      return {StatusCode::kAlreadyExists, std::move(msg)};
    case kErRowIsReferenced:
    case kErNoReferencedRow:
      return {StatusCode::kFailedPrecondition, std::move(msg)};
    case kErConstraintFailed:
    case kErBadNull:
      return {StatusCode::kInvalidArgument, std::move(msg)};
    case kErAccessDenied:
      return {StatusCode::kPermissionDenied, std::move(msg)};
    case kCrConnectionError:
    case kCrConnHostError:
    case kCrServerGone:
    case kCrServerLost:
    case kErConnectionKilled:
      return {StatusCode::kConnectionReset, std::move(msg)};
    default:
      return {StatusCode::kInternal, std::move(msg)};
  }
}

void InitMariadbLibrary() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

Result<MYSQL*> ConnectMariadb(const MysqlUrl& url, unsigned long client_flags) {
  InitMariadbLibrary();
  MYSQL* conn = mysql_init(nullptr);
  if (conn == nullptr) return Internal("mysql_init failed (out of memory)");
  const unsigned timeout = 10;
  mysql_options(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  mysql_options(conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  const bool host_given = !url.host.empty() && url.unix_socket.empty();
  if (mysql_real_connect(conn, host_given ? url.host.c_str() : "localhost", url.user.c_str(),
                         url.password.c_str(), url.database.c_str(), url.port,
                         url.unix_socket.empty() ? nullptr : url.unix_socket.c_str(),
                         client_flags) == nullptr) {
    Status s =
        MariadbStatus(mysql_errno(conn), "connecting to " + url.Redacted(), mysql_error(conn));
    mysql_close(conn);
    return s;
  }
  return conn;
}

Result<std::unique_ptr<MariadbDb>> MariadbDb::Open(const MysqlUrl& url, int busy_timeout_ms) {
  NSXV_ASSIGN_OR_RETURN(MYSQL * conn,
                        ConnectMariadb(url, CLIENT_FOUND_ROWS | CLIENT_MULTI_STATEMENTS));
  std::unique_ptr<MariadbDb> db(new MariadbDb(conn, url.Redacted()));
  const int wait_s = std::max(1, (busy_timeout_ms + 999) / 1000);
  NSXV_RETURN_IF_ERROR(db->Exec(
      "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION', "
      "SESSION innodb_lock_wait_timeout = " +
      std::to_string(wait_s) + "; SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
  return db;
}

MariadbDb::~MariadbDb() {
  ClearCache();
  mysql_close(conn_);
}

Status MariadbDb::Exec(std::string_view sql) {
  const std::string text = MariadbSql(sql);
  if (mysql_real_query(conn_, text.data(), text.size()) != 0) return Error("statement");
  for (;;) {
    MYSQL_RES* res = mysql_store_result(conn_);
    if (res != nullptr) mysql_free_result(res);
    const int more = mysql_next_result(conn_);
    if (more < 0) return Status::Ok();
    if (more > 0) return Error("statement");
  }
}

Result<std::unique_ptr<Statement>> MariadbDb::NewStatement(std::string_view sql) {
  return std::unique_ptr<Statement>(new MariadbStatement(this, sql));
}

Status MariadbDb::Error(std::string_view what) const {
  return MariadbStatus(mysql_errno(conn_), std::string(what) + " on database " + path(),
                       mysql_error(conn_));
}

bool MariadbDb::in_transaction() const {
  unsigned int status = 0;
  mariadb_get_infov(conn_, MARIADB_CONNECTION_SERVER_STATUS, &status);
  return (status & SERVER_STATUS_IN_TRANS) != 0;
}

}  // namespace nsxv::store
