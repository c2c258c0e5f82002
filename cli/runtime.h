// The objects one nsxv-md command works with, built from a loaded Config in one place: the
// HTTPS transport, ApiClient and Vcns for the manager, the host lock provider, the plugin and the
// metadata-proxy handler over the SQLite database.
//
// Order matters for "no change on failure": Connect() checks the manager (reachability, TLS
// trust, credentials) with one read before anything opens the database; OpenStore() is called
// only after that.
//
// Threading: a Runtime is built and destroyed on one thread; the objects it owns are the
// thread-safe driver objects (Vcns, Plugin, MetadataProxyHandler) and are shared by the worker
// threads of a command. Contexts come from contexts(), one per thread.
#pragma once

#include <memory>
#include <string>

#include "driver/common/clock.h"
#include "driver/common/status.h"
#include "driver/config/config.h"
#include "driver/locking/lock.h"
#include "driver/md_proxy/md_proxy.h"
#include "driver/nsxv/api_client.h"
#include "driver/nsxv/vcns.h"
#include "driver/plugin/plugin.h"
#include "driver/store/context.h"
#include "driver/transport/transport.h"

namespace nsxv::cli {

// A failure with the exit code it maps to (1: operation failed, 2: usage or configuration).
struct CommandError {
  int exit_code = 1;
  std::string message;  // one line
};

class Runtime {
 public:
  explicit Runtime(config::Config config) : config_(std::move(config)) {}
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Builds the transport and client and probes the manager with GET /api/4.0/edges (one attempt,
  // bounded deadline). Exit 2 for a missing manager_uri or unusable ca_file; exit 1, with the
  // cause and the URL, when the manager is unreachable, untrusted or rejects the credentials.
  // `extra_ca_pem`: trusted in addition to ca_file (the embedded fake's certificate).
  // Then reads the manager version (ProbeVersion); a manager without that call still connects.
  std::optional<CommandError> Connect(const std::string& extra_ca_pem = "");
  // Creates the database directory, opens (and migrates) the database on this thread, builds
  // the lock provider and the plugin. REQUIRES: Connect() succeeded.
  std::optional<CommandError> OpenStore();
  // Exit 2 when metadata is not configured or its options are invalid. Call it before
  // Connect() so that such a command changes nothing.
  std::optional<CommandError> CheckMetadataConfig() const;
  // Builds the handler (after CheckMetadataConfig()). `read_only`: metadata_initializer is forced
  // off, so Init() makes no backend or DB change and reports drift as an error instead.
  // REQUIRES: OpenStore() succeeded.
  std::optional<CommandError> MakeHandler(bool read_only);

  const config::Config& config() const { return config_; }
  // The manager's version from the probe (GET /api/2.0/services/vsmconfig, which upstream's
  // start-up reads); empty when the manager does not serve that undocumented call, and then
  // version_note() says why. Valid after Connect() succeeded.
  const std::string& manager_version() const { return manager_version_; }
  const std::string& version_note() const { return version_note_; }
  const driver::Vcns& vcns() const { return *vcns_; }
  const driver::ApiClient& client() const { return *client_; }
  plugin::Plugin& plugin() { return *plugin_; }
  locking::LockProvider& locks() { return *locks_; }
  md_proxy::MetadataProxyHandler& handler() { return *handler_; }
  const md_proxy::ContextFactory& contexts() const { return contexts_; }
  // The admin Context of this (the constructing) thread.
  store::Context& admin_context() { return *admin_ctx_; }
  Result<std::unique_ptr<store::Context>> OpenContext(const std::string& tenant_id) const;
  uint64_t requests_sent() const { return client_ ? client_->requests_sent() : 0; }

 private:
  // After the edge probe: reads the version (one attempt, `timeout`); never fails Connect().
  void ProbeVersion(Duration timeout);

  config::Config config_;
  std::string manager_version_;
  std::string version_note_;
  std::unique_ptr<Transport> transport_;
  std::unique_ptr<driver::ApiClient> client_;
  std::unique_ptr<driver::Vcns> vcns_;
  std::unique_ptr<locking::LockProvider> locks_;  // host locks, or GET_LOCK (mysql_lock.h)
  std::unique_ptr<plugin::Plugin> plugin_;
  md_proxy::ContextFactory contexts_;
  std::unique_ptr<store::Context> admin_ctx_;
  std::unique_ptr<md_proxy::MetadataProxyHandler> handler_;
};

// The one-line message for a failed probe of `url` (no response, TLS, HTTP 401/403, ...).
std::string DescribeConnectError(const Status& status, const std::string& url,
                                 const std::string& user);

}  // namespace nsxv::cli
