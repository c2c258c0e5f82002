#include "scenarios/store_choice.h"

#include "driver/store/mysql_url.h"

namespace nsxv::scenarios {

std::string StoreChoice::Name() const {
  switch (kind) {
    case StoreKind::kSqlite:
      return "sqlite";
    case StoreKind::kMariadb:
      return "mariadb";
    case StoreKind::kMysqlUrl: {
      auto parsed = store::ParseMysqlUrl(url);
      return parsed.ok() ? parsed->Redacted() : "mysql://(invalid)";
    }
  }
  return "sqlite";
}

Result<StoreChoice> ParseStoreChoice(std::string_view text) {
  StoreChoice c;
  if (text == "sqlite") return c;
  if (text == "mariadb") {
    c.kind = StoreKind::kMariadb;
    return c;
  }
  if (store::IsMysqlUrl(text)) {
    NSXV_RETURN_IF_ERROR(store::ParseMysqlUrl(text).status());
    c.kind = StoreKind::kMysqlUrl;
    c.url = std::string(text);
    return c;
  }
  const std::string shown = text.find('@') == std::string_view::npos ? std::string(text) : "...";
  return Status(
      StatusCode::kInvalidArgument,
      "store '" + shown + "': expected sqlite, mariadb or mysql+pymysql://USER:PASSWORD@HOST/DB");
}

}  // namespace nsxv::scenarios
