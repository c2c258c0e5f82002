#include "cli/runtime.h"

#include <filesystem>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "driver/config/mapping.h"
#include "driver/locking/mysql_lock.h"
#include "driver/transport/beast_transport.h"

namespace nsxv::cli {
namespace {

// The probe's deadline: enough for a slow manager, short enough for an operator waiting.
constexpr std::chrono::seconds kProbeTimeout{30};

}  // namespace

Runtime::~Runtime() {
  // The handler and plugin refer to the client and locks: destroy in reverse order.
  handler_.reset();
  admin_ctx_.reset();
  plugin_.reset();
  locks_.reset();
  vcns_.reset();
  client_.reset();
  transport_.reset();
}

std::string DescribeConnectError(const Status& status, const std::string& url,
                                 const std::string& user) {
  switch (status.code()) {
    case StatusCode::kTlsError:
      return "untrusted or failed TLS connection to the NSX manager at " + url + ": " +
             status.message() +
             " (set [nsxv] ca_file to the manager's CA, or insecure = true to skip verification)";
    case StatusCode::kPermissionDenied:
      return "the NSX manager at " + url + " rejected the credentials of user '" + user +
             "' (HTTP " + std::to_string(status.http_status()) +
             "): check [nsxv] user and password";
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kConnectionReset:
    case StatusCode::kTruncated:
      if (status.http_status() == 0) {
        return "cannot reach the NSX manager at " + url + ": " + status.message();
      }
      break;
    default:
      break;
  }
  return "the NSX manager at " + url +
         " did not answer the probe GET /api/4.0/edges: " + status.message();
}

std::optional<CommandError> Runtime::Connect(const std::string& extra_ca_pem) {
  const config::NsxvOptions& o = config_.nsxv;
  if (!o.manager_uri) {
    return CommandError{2,
                        "[nsxv] manager_uri is not set: give --config FILE with an [nsxv] "
                        "section, or --set nsxv.manager_uri=https://HOST"};
  }
  BeastTransportOptions topt = config::ToTransportOptions(config_);
  topt.ca_pem = extra_ca_pem;
  auto transport = BeastTransport::Create(topt);
  if (!transport.ok()) {
    return CommandError{2, "[nsxv] " + transport.error().message()};
  }
  transport_ = std::move(transport).value();
  client_ = std::make_unique<driver::ApiClient>(*transport_, RealClock(),
                                                config::ToApiClientOptions(config_));
  vcns_ = std::make_unique<driver::Vcns>(*client_);

  driver::ApiCall probe;
  probe.method = "GET";
  probe.path = "/api/4.0/edges?startIndex=0";
  probe.timeout =
      std::min<Duration>(kProbeTimeout, std::chrono::seconds(o.nsx_transaction_timeout));
  probe.op = "probe";
  auto answer = client_->CallOnce(probe);
  if (!answer.ok()) {
    return CommandError{1, DescribeConnectError(answer.error(), *o.manager_uri, o.user)};
  }
  ProbeVersion(probe.timeout);
  return std::nullopt;
}

void Runtime::ProbeVersion(Duration timeout) {
  // GET /api/2.0/services/vsmconfig is the call upstream's start-up reads the version from
  // (vcns.py:856-861); it is in no published spec, so a manager without it is still usable.
  driver::ApiCall call;
  call.method = "GET";
  call.path = "/api/2.0/services/vsmconfig";
  call.timeout = timeout;
  call.op = "probe_version";
  auto answer = client_->CallOnce(call);
  if (!answer.ok()) {
    manager_version_.clear();
    version_note_ = "the manager does not answer GET /api/2.0/services/vsmconfig (" +
                    answer.error().message() + "); version unknown";
  } else {
    const nlohmann::json doc = nlohmann::json::parse(answer->body, nullptr, false);
    if (doc.is_object() && doc.contains("version") && doc["version"].is_string()) {
      manager_version_ = doc["version"].get<std::string>();
      version_note_.clear();
    } else {
      version_note_ = "GET /api/2.0/services/vsmconfig has no version string; version unknown";
    }
  }
  if (manager_version_.empty()) {
    spdlog::info("nsx_manager url={} version=unknown note=\"{}\"", *config_.nsxv.manager_uri,
                 version_note_);
  } else {
    spdlog::info("nsx_manager url={} version={}", *config_.nsxv.manager_uri, manager_version_);
  }
}

std::optional<CommandError> Runtime::OpenStore() {
  const std::string& path = config_.database.path;
  const std::string& connection = config_.database.connection;
  if (connection.empty()) {
    if (path == ":memory:" || path.empty()) {
      return CommandError{
          2, "[database] path '" + path + "' cannot be shared by the worker threads: give a file"};
    }
    if (Status s = store::EnsureParentDirectory(path); !s.ok()) {
      return CommandError{1, "[database] path " + path + ": " + s.message()};
    }
  }
  contexts_ = md_proxy::MakeContextFactory(config::ToContextOptions(config_));
  // Errors of a MariaDB store name its URL without the password (store/mysql_url.h).
  const std::string where =
      connection.empty() ? "[database] path " + path : "[database] connection";
  auto ctx = contexts_(/*admin=*/true);
  if (!ctx.ok()) return CommandError{1, where + ": " + ctx.error().message()};
  admin_ctx_ = std::move(ctx).value();

  locking::HostLockOptions lopt;
  lopt.lock_dir = (std::filesystem::path(path).parent_path() / "locks").string();
  auto locks = locking::MakeLockProvider(RealClock(), config_.locking_coordinator_url, lopt);
  if (!locks.ok()) return CommandError{1, "[DEFAULT] " + locks.error().message()};
  locks_ = std::move(locks).value();
  plugin_ = std::make_unique<plugin::Plugin>(*vcns_, *locks_, config::ToPluginConfig(config_));
  return std::nullopt;
}

std::optional<CommandError> Runtime::CheckMetadataConfig() const {
  const md_proxy::MdProxyConfig md = config::ToMdProxyConfig(config_);
  if (!md.Enabled()) {
    return CommandError{2, "metadata proxy is not configured: " + md.DisabledReason()};
  }
  if (Status s = md.Validate(); !s.ok()) return CommandError{2, "[nsxv] " + s.message()};
  // What the metadata operations deploy (proxy edges, the internal network) is checked before
  // any backend write.
  const plugin::PluginConfig placement = config::ToPluginConfig(config_);
  for (const Status& s :
       {plugin::CheckEdgeDeploymentOptions(placement), plugin::CheckNetworkOptions(placement)}) {
    if (!s.ok()) return CommandError{2, s.message()};
  }
  return std::nullopt;
}

std::optional<CommandError> Runtime::MakeHandler(bool read_only) {
  if (auto e = CheckMetadataConfig()) return e;
  md_proxy::MdProxyConfig md = config::ToMdProxyConfig(config_);
  if (read_only) md.metadata_initializer = false;
  handler_ = std::make_unique<md_proxy::MetadataProxyHandler>(*vcns_, contexts_, *plugin_, *locks_,
                                                              RealClock(), std::move(md));
  return std::nullopt;
}

Result<std::unique_ptr<store::Context>> Runtime::OpenContext(const std::string& tenant_id) const {
  store::ContextOptions o;
  o.path = config_.database.path;
  o.connection = config_.database.connection;
  o.tenant_id = tenant_id;
  o.is_admin = true;
  return store::Context::Open(o);
}

}  // namespace nsxv::cli
