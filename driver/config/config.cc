// Loading a configuration: nsx.ini, then --set overrides, then the checks of option combinations.
#include "driver/config/config.h"

#include <map>

#include "driver/config/config_internal.h"
#include "driver/config/ini.h"
#include "driver/store/context.h"
#include "driver/store/ipv4.h"
#include "driver/store/mysql_url.h"

namespace nsxv::config {
namespace {

using internal::Defs;
using internal::FindDef;
using internal::IsSecret;
using internal::Lower;
using internal::OptionDef;
using internal::Quote;
using internal::Trim;

std::string FileWhere(const std::string& file, int line, const std::string& section,
                      const std::string& key, const std::string& value, bool secret) {
  std::string where = file + ":" + std::to_string(line) + ": [" + section + "] " + key;
  if (!secret) where += " = " + Quote(value);
  return where;
}

std::string SetWhere(const std::string& section, const std::string& key, const std::string& value,
                     bool secret) {
  return "--set " + section + "." + key + "=" +
         (secret ? std::string("<hidden>") : internal::Printable(value));
}

// The sections a neutron configuration has that we do not read, kept quiet.
bool KnownSection(std::string_view section) {
  return section == "nsxv" || section == "database" || section == "DEFAULT";
}

void WarnUnknownSection(const IniFile& file, const std::string& section, Config& config) {
  if (KnownSection(section)) return;
  if (section.rfind("az:", 0) == 0) {
    config.warnings.push_back(file.name + ": section [" + section +
                              "] ignored: availability zones are not supported");
    return;
  }
  for (const char* known : {"nsxv", "database"}) {
    // A near miss: one edit, or two swapped letters. (Not two edits in general: [nsx_v3] is the
    // NSX-T plugin's section, two edits from [nsxv].)
    const std::string lower = Lower(section);
    std::string sorted_lower = lower;
    std::string sorted_known = known;
    std::sort(sorted_lower.begin(), sorted_lower.end());
    std::sort(sorted_known.begin(), sorted_known.end());
    const size_t distance = EditDistance(lower, known);
    if (distance == 1 || (distance == 2 && sorted_lower == sorted_known)) {
      config.warnings.push_back(file.name + ": unknown section [" + section +
                                "] ignored (did you mean [" + known + "]?)");
      return;
    }
  }
}

Status ApplyValue(Config& config, const OptionDef& def, const std::string& value,
                  const std::string& where, const std::string& origin) {
  NSXV_RETURN_IF_ERROR(CheckValue(def.info, value, where));
  def.apply(config, value);
  const std::string key = def.info.section + "." + def.info.name;
  config.origins[key] = origin;
  if (!def.info.used && !Trim(value).empty()) {
    config.warnings.push_back(where + ": accepted but has no effect (" + def.info.help + ")");
  }
  return Status::Ok();
}

Status ApplyFile(const IniFile& file, Config& config) {
  for (const std::string& section : file.sections) WarnUnknownSection(file, section, config);
  for (const IniEntry& entry : file.entries) {
    if (!KnownSection(entry.section)) continue;
    const OptionDef* def = FindDef(entry.section, entry.key);
    const std::string line = file.name + ":" + std::to_string(entry.line);
    if (def == nullptr) {
      std::string warning = line + ": unknown option [" + entry.section + "] " + entry.key;
      const std::optional<std::string> closest = ClosestOption(entry.section, entry.key);
      // [DEFAULT] of a neutron configuration holds many options that are not ours: only a
      // near miss of one we read is worth a warning there.
      if (entry.section == "DEFAULT" && !closest) continue;
      if (closest) warning += " (did you mean '" + *closest + "'?)";
      config.warnings.push_back(warning + "; ignored");
      continue;
    }
    if (entry.overridden_line != 0) {
      config.warnings.push_back(line + ": [" + entry.section + "] " + entry.key +
                                " is set again (first at line " +
                                std::to_string(entry.overridden_line) + "); the later value wins");
    }
    const std::string where = FileWhere(file.name, entry.line, entry.section, entry.key,
                                        entry.value, IsSecret(def->info));
    NSXV_RETURN_IF_ERROR(ApplyValue(config, *def, entry.value, where, line));
  }
  return Status::Ok();
}

Status ApplyOverride(const std::string& text, Config& config) {
  const size_t eq = text.find('=');
  const size_t dot = text.find('.');
  if (eq == std::string::npos || dot == std::string::npos || dot > eq) {
    return InvalidArgument("--set " + internal::Printable(text) +
                           ": expected SECTION.OPTION=VALUE");
  }
  const std::string section = Trim(text.substr(0, dot));
  const std::string key = Trim(text.substr(dot + 1, eq - dot - 1));
  const std::string value = text.substr(eq + 1);
  const OptionDef* def = FindDef(section, key);
  if (def == nullptr) {
    std::string message = "--set " + internal::Printable(section + "." + key) + ": unknown option";
    if (auto closest = ClosestOption(section, key)) {
      message += " (did you mean '" + section + "." + *closest + "'?)";
    } else if (!KnownSection(section)) {
      message += " (sections: nsxv, database, DEFAULT)";
    }
    return InvalidArgument(message);
  }
  return ApplyValue(config, *def, value, SetWhere(section, key, value, IsSecret(def->info)),
                    "--set");
}

// Checks that concern more than one option.
Status CheckCombinations(Config& config) {
  const NsxvOptions& o = config.nsxv;
  const auto origin = [&](const std::string& key) {
    auto it = config.origins.find("nsxv." + key);
    return it == config.origins.end() ? std::string() : it->second + ": ";
  };
  if (o.metadata_nova_client_cert.has_value() != o.metadata_nova_client_priv_key.has_value()) {
    const std::string missing =
        o.metadata_nova_client_cert ? "metadata_nova_client_priv_key" : "metadata_nova_client_cert";
    const std::string given =
        o.metadata_nova_client_cert ? "metadata_nova_client_cert" : "metadata_nova_client_priv_key";
    return InvalidArgument(origin(given) + "[nsxv] " + given + " is set but " + missing +
                           " is not: give both or neither");
  }
  if (o.edge_appliance_user.has_value() != o.edge_appliance_password.has_value()) {
    config.warnings.push_back(
        "[nsxv] edge_appliance_user and edge_appliance_password are used only together; the one "
        "set is ignored");
  }
  const auto origin_of = [&](const std::string& key) {
    auto it = config.origins.find(key);
    return it == config.origins.end() ? std::string() : it->second + ": ";
  };
  if (!config.database.connection.empty()) {
    const std::string where = origin_of("database.connection") + "[database] connection: ";
    if (config.origins.count("database.path") != 0) {
      return InvalidArgument(where +
                             "give either [database] path (SQLite) or connection, not both");
    }
    if (!store::IsMysqlUrl(config.database.connection)) {
      return InvalidArgument(where +
                             "only mysql:// or mysql+pymysql:// URLs are supported (for "
                             "SQLite, set [database] path)");
    }
    auto url = store::ParseMysqlUrl(config.database.connection);
    if (!url.ok()) return InvalidArgument(where + url.error().message());
  }
  if (!config.locking_coordinator_url.empty()) {
    const std::string where =
        origin_of("DEFAULT.locking_coordinator_url") + "[DEFAULT] locking_coordinator_url: ";
    if (!store::IsMysqlUrl(config.locking_coordinator_url)) {
      return InvalidArgument(where + "only mysql:// coordinators are supported");
    }
    auto url = store::ParseMysqlUrl(config.locking_coordinator_url);
    if (!url.ok()) return InvalidArgument(where + url.error().message());
  }
  // Metadata set-ups that work but leave VMs exposed or unserved (the metadata proxy is configured
  // when its management network and proxy IPs are given).
  if (o.mgt_net_moid && !o.mgt_net_proxy_ips.empty()) {
    if (!o.metadata_shared_secret || o.metadata_shared_secret->empty()) {
      config.warnings.push_back(
          "[nsxv] metadata_shared_secret is not set: router edges add no "
          "X-Metadata-Provider-Signature, so Nova cannot tell the proxy's requests from spoofed "
          "ones (set the same secret as Nova's metadata_proxy_shared_secret)");
    }
    auto mask = store::ParseIpv4(o.mgt_net_proxy_netmask.value_or(""));
    auto first = store::ParseIpv4(o.mgt_net_proxy_ips.front());
    if (mask.ok() && first.ok() &&
        (!o.mgt_net_default_gateway || o.mgt_net_default_gateway->empty())) {
      for (const std::string& nova : o.nova_metadata_ips) {
        auto ip = store::ParseIpv4(nova);
        if (ip.ok() && (*ip & *mask) != (*first & *mask)) {
          config.warnings.push_back(
              origin("nova_metadata_ips") + "[nsxv] nova_metadata_ips " + nova +
              " is outside the proxy subnet of " + o.mgt_net_proxy_ips.front() + "/" +
              *o.mgt_net_proxy_netmask +
              " and mgt_net_default_gateway is not set: the proxy edges have no route to it");
        }
      }
    }
  }
  if (o.insecure) {
    config.warnings.push_back(origin("insecure") +
                              "[nsxv] insecure = true: TLS certificate verification is OFF" +
                              (o.ca_file ? std::string(" (ca_file is not used)") : std::string()));
  }
  return Status::Ok();
}

}  // namespace

Result<Config> LoadConfig(const LoadOptions& options, const Config& base) {
  Config config = base;
  config.warnings.clear();
  if (options.file) {
    Result<IniFile> file = ReadIniFile(*options.file);
    if (!file.ok()) {
      return Status(file.error().code(), "--config " + file.error().message());
    }
    config.file = *options.file;
    NSXV_RETURN_IF_ERROR(ApplyFile(*file, config));
  }
  for (const std::string& override_text : options.overrides) {
    NSXV_RETURN_IF_ERROR(ApplyOverride(override_text, config));
  }
  NSXV_RETURN_IF_ERROR(CheckCombinations(config));
  if (config.database.path.empty()) config.database.path = store::DefaultDatabasePath();
  return config;
}

std::vector<std::pair<std::string, std::string>> Describe(const Config& config) {
  // Renders the effective value of every option by loading it back from the Config.
  const NsxvOptions& o = config.nsxv;
  const auto opt = [](const std::optional<std::string>& v) { return v.value_or(""); };
  const auto list = [](const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& item : v) out += (out.empty() ? "" : ",") + item;
    return out;
  };
  const auto boolean = [](bool b) { return std::string(b ? "true" : "false"); };
  const auto secret = [](bool set) { return std::string(set ? "<set>" : "<not set>"); };
  const auto redacted = [&](const std::string& url) {
    if (url.empty()) return std::string();
    auto parsed = store::ParseMysqlUrl(url);
    return parsed.ok() ? parsed->Redacted() : secret(true);
  };
  const std::map<std::string, std::string> values = {
      {"manager_uri", opt(o.manager_uri)},
      {"user", o.user},
      {"password", secret(!o.password.empty())},
      {"ca_file", opt(o.ca_file)},
      {"insecure", boolean(o.insecure)},
      {"retries", std::to_string(o.retries)},
      {"nsx_transaction_timeout", std::to_string(o.nsx_transaction_timeout)},
      {"datacenter_moid", opt(o.datacenter_moid)},
      {"deployment_container_id", opt(o.deployment_container_id)},
      {"resource_pool_id", opt(o.resource_pool_id)},
      {"datastore_id", opt(o.datastore_id)},
      {"ha_datastore_id", opt(o.ha_datastore_id)},
      {"edge_ha", boolean(o.edge_ha)},
      {"external_network", opt(o.external_network)},
      {"vdn_scope_id", opt(o.vdn_scope_id)},
      {"exclusive_router_appliance_size", o.exclusive_router_appliance_size},
      {"edge_appliance_user", opt(o.edge_appliance_user)},
      {"edge_appliance_password", secret(o.edge_appliance_password.has_value())},
      {"spoofguard_enabled", boolean(o.spoofguard_enabled)},
      {"maximum_tunnels_per_vnic", std::to_string(o.maximum_tunnels_per_vnic)},
      {"mgt_net_moid", opt(o.mgt_net_moid)},
      {"mgt_net_proxy_ips", list(o.mgt_net_proxy_ips)},
      {"mgt_net_proxy_netmask", opt(o.mgt_net_proxy_netmask)},
      {"mgt_net_default_gateway", opt(o.mgt_net_default_gateway)},
      {"nova_metadata_ips", list(o.nova_metadata_ips)},
      {"nova_metadata_port", std::to_string(o.nova_metadata_port)},
      {"metadata_shared_secret", secret(o.metadata_shared_secret.has_value())},
      {"metadata_insecure", boolean(o.metadata_insecure)},
      {"metadata_nova_client_cert", opt(o.metadata_nova_client_cert)},
      {"metadata_nova_client_priv_key", opt(o.metadata_nova_client_priv_key)},
      {"metadata_initializer", boolean(o.metadata_initializer)},
      {"metadata_service_allowed_ports", list(o.metadata_service_allowed_ports)},
      {"max_init_threads", std::to_string(o.max_init_threads)},
      {"locking_coordinator_url", redacted(config.locking_coordinator_url)},
  };
  std::vector<std::pair<std::string, std::string>> out;
  for (const OptionInfo& info : KnownOptions()) {
    const std::string key = info.section + "." + info.name;
    if (info.section == "database") {
      out.emplace_back(
          key, info.name == "path" ? config.database.path : redacted(config.database.connection));
    } else if (!info.used) {
      auto it = config.unused.find(key);
      out.emplace_back(key, it == config.unused.end() ? info.default_text : it->second);
    } else {
      auto it = values.find(info.name);
      out.emplace_back(key, it == values.end() ? std::string() : it->second);
    }
  }
  return out;
}

}  // namespace nsxv::config
