// The one place where a loaded nsx.ini Config becomes the option structs of the layers below:
// the transport (URL, CA file, verification, request deadline), the ApiClient (credentials,
// retries, secrets to scrub), the plugin (edge deployment), the metadata-proxy handler and the
// store ([database]).
//
// Pure functions; thread-safe.
#pragma once

#include "driver/config/config.h"
#include "driver/md_proxy/md_proxy.h"
#include "driver/nsxv/api_client.h"
#include "driver/plugin/plugin.h"
#include "driver/store/context.h"
#include "driver/transport/beast_transport.h"

namespace nsxv::config {

// REQUIRES: config.nsxv.manager_uri is set.
BeastTransportOptions ToTransportOptions(const Config& config);
driver::ApiClientOptions ToApiClientOptions(const Config& config);
plugin::PluginConfig ToPluginConfig(const Config& config);
md_proxy::MdProxyConfig ToMdProxyConfig(const Config& config);
// [database]: the connection URL when set, else the SQLite path (no tenant, not admin).
store::ContextOptions ToContextOptions(const Config& config);

// The strings ApiClient must scrub from logs and errors: the password and every secret set.
std::vector<std::string> Secrets(const Config& config);

}  // namespace nsxv::config
