#include "scenarios/scenario_store.h"

#include <random>

#include <spdlog/spdlog.h>

#include "driver/config/mapping.h"
#include "driver/store/mysql_admin.h"
#include "driver/store/mysql_url.h"

namespace nsxv::scenarios {

Result<std::unique_ptr<RunStore>> RunStore::Open(const StoreChoice& choice,
                                                 const std::string& work_dir, uint64_t seed,
                                                 MariadbServer* shared) {
  std::unique_ptr<RunStore> s(new RunStore());
  s->work_dir_ = work_dir;
  if (choice.kind == StoreKind::kSqlite) return s;
  char token[9];
  std::snprintf(token, sizeof(token), "%08x", static_cast<unsigned>(std::random_device{}()));
  const std::string name = "nsxv_scenario_" + std::to_string(seed % 1000000000) + "_" + token;
  if (choice.kind == StoreKind::kMariadb) {
    MariadbServer* server = shared;
    if (server == nullptr) {
      MariadbServerOptions o;
      o.root = work_dir + "/mariadb";
      NSXV_ASSIGN_OR_RETURN(s->own_server_, MariadbServer::Start(o));
      server = s->own_server_.get();
    }
    NSXV_ASSIGN_OR_RETURN(s->url_, server->CreateDatabase(name));
  } else {
    NSXV_ASSIGN_OR_RETURN(std::string url, store::MysqlUrlWithDatabase(choice.url, name));
    NSXV_RETURN_IF_ERROR(store::CreateMysqlDatabase(choice.url, name));
    s->url_ = std::move(url);
  }
  s->database_ = name;
  return s;
}

RunStore::~RunStore() {
  if (!database_.empty()) {
    if (Status st = store::DropMysqlDatabase(url_, database_); !st.ok()) {
      spdlog::warn("scenario store: database {} not dropped: {}", database_, st.message());
    }
  }
  own_server_.reset();
}

void RunStore::Apply(config::Config& config) const {
  config.database.path = work_dir_ + "/nsxv.db";
  config.database.connection = url_;
  config.locking_coordinator_url = url_;
}

std::string RunStore::LockDir(const std::string& node) const {
  return mariadb() ? work_dir_ + "/hosts/" + node + "/locks" : work_dir_ + "/locks";
}

store::ContextOptions RunStore::ContextOptions() const {
  config::Config c;
  Apply(c);
  return config::ToContextOptions(c);
}

}  // namespace nsxv::scenarios
