// The choice of store for a scenario run, as `--store` and the scenario key `store` give it:
// "sqlite", "mariadb" or a mysql URL (scenario_store.h runs it). Parsing only, no dependencies on
// the store itself, so the scenario parser can check the key.
#pragma once

#include <string>
#include <string_view>

#include "driver/common/status.h"

namespace nsxv::scenarios {

enum class StoreKind { kSqlite, kMariadb, kMysqlUrl };

struct StoreChoice {
  StoreKind kind = StoreKind::kSqlite;
  std::string url;  // kMysqlUrl: the server (a secret: it may hold a password)
  // "sqlite", "mariadb", or the URL without its password.
  std::string Name() const;
};

// "sqlite", "mariadb" or a mysql URL; InvalidArgument naming the expected forms otherwise
// (never echoing a password).
Result<StoreChoice> ParseStoreChoice(std::string_view text);

}  // namespace nsxv::scenarios
