#include "driver/store/dialect.h"

#include <cctype>

namespace nsxv::store {
namespace {

constexpr std::string_view kSqliteNow = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
constexpr std::string_view kMariadbNow =
    "CONCAT(SUBSTRING(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 1, 23), 'Z')";

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// Replaces whole-word occurrences of `from` outside '...' literals.
void ReplaceWord(std::string& s, std::string_view from, std::string_view to) {
  std::string out;
  bool quoted = false;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '\'') quoted = !quoted;
    if (!quoted && s.compare(i, from.size(), from) == 0 && (i == 0 || !IsWordChar(s[i - 1])) &&
        (i + from.size() == s.size() || !IsWordChar(s[i + from.size()]))) {
      out += to;
      i += from.size();
      continue;
    }
    out += s[i++];
  }
  s = std::move(out);
}

}  // namespace

std::string SchemaSql(Engine engine, std::string_view ddl) {
  std::string s(ddl);
  if (engine == Engine::kSqlite) {
    ReplaceAll(s, "{now}", "(" + std::string(kSqliteNow) + ")");
    ReplaceAll(s, "{rowid}", "");
    return s;
  }
  ReplaceWord(s, "TEXT", "VARCHAR(255) COLLATE utf8mb4_bin");
  ReplaceWord(s, "INTEGER", "BIGINT");
  ReplaceAll(s, "{now}", "(" + std::string(kMariadbNow) + ")");
  ReplaceAll(s, "{rowid}", "rowid BIGINT NOT NULL AUTO_INCREMENT UNIQUE,");
  return s;
}

std::string MariadbSql(std::string_view sql) {
  if (sql == "BEGIN IMMEDIATE" || sql == "BEGIN") return "START TRANSACTION";
  std::string s(sql);
  ReplaceAll(s, "INSERT OR IGNORE", "INSERT IGNORE");
  ReplaceAll(s, "PRAGMA foreign_keys = OFF", "SET SESSION foreign_key_checks = 0");
  ReplaceAll(s, "PRAGMA foreign_keys = ON", "SET SESSION foreign_key_checks = 1");
  ReplaceAll(s, kSqliteNow, kMariadbNow);
  // json_each(ARG) -> JSON_TABLE(ARG, ...) AS nsxv_json; ARG has no parentheses in the store.
  constexpr std::string_view kJsonEach = "json_each(";
  for (size_t pos = s.find(kJsonEach); pos != std::string::npos; pos = s.find(kJsonEach, pos)) {
    const size_t close = s.find(')', pos);
    if (close == std::string::npos) break;
    const std::string arg = s.substr(pos + kJsonEach.size(), close - pos - kJsonEach.size());
    const std::string table = "JSON_TABLE(" + arg +
                              ", '$[*]' COLUMNS (value VARCHAR(255) COLLATE utf8mb4_bin "
                              "PATH '$')) AS nsxv_json";
    s.replace(pos, close + 1 - pos, table);
    pos += table.size();
  }
  return s;
}

}  // namespace nsxv::store
