// The table of every [nsxv], [DEFAULT] and [database] option this tool knows: name, type, default,
// help and where a value lands in the Config. Long because it is one table, kept in one place so
// that it can be read against reference §5 line by line.
#include <algorithm>

#include "driver/config/config.h"
#include "driver/config/config_internal.h"

namespace nsxv::config {
namespace internal {
namespace {

// ---- builders of table rows ----

OptionDef Str(const char* section, const char* name, std::optional<std::string> NsxvOptions::*field,
              std::string help) {
  return {{section, name, OptionType::kString, "", std::move(help)},
          [field](Config& c, const std::string& v) { c.nsxv.*field = OptionalString(v); }};
}

OptionDef StrDefault(const char* name, std::string NsxvOptions::*field, const char* def,
                     std::string help) {
  return {{"nsxv", name, OptionType::kString, def, std::move(help)},
          [field](Config& c, const std::string& v) { c.nsxv.*field = Trim(v); }};
}

OptionDef Path(const char* name, std::optional<std::string> NsxvOptions::*field, std::string help) {
  return {{"nsxv", name, OptionType::kPath, "", std::move(help)},
          [field](Config& c, const std::string& v) { c.nsxv.*field = OptionalString(v); }};
}

OptionDef Bool(const char* name, bool NsxvOptions::*field, bool def, std::string help) {
  return {{"nsxv", name, OptionType::kBool, def ? "true" : "false", std::move(help)},
          [field](Config& c, const std::string& v) { c.nsxv.*field = ParseBool(v).value(); }};
}

OptionDef Int(const char* name, int NsxvOptions::*field, int def, int min, int max,
              std::string help) {
  OptionDef d{{"nsxv", name, OptionType::kInt, std::to_string(def), std::move(help)},
              [field](Config& c, const std::string& v) {
                c.nsxv.*field = static_cast<int>(ParseInt(v).value());
              }};
  d.info.min = min;
  d.info.max = max;
  return d;
}

OptionDef Ip(const char* name, std::optional<std::string> NsxvOptions::*field, OptionType type,
             std::string help) {
  return {{"nsxv", name, type, "", std::move(help)},
          [field](Config& c, const std::string& v) { c.nsxv.*field = OptionalString(v); }};
}

OptionDef List(const char* name, std::vector<std::string> NsxvOptions::*field, OptionType type,
               std::string help) {
  return {{"nsxv", name, type, "", std::move(help)},
          [field](Config& c, const std::string& v) { c.nsxv.*field = SplitList(v); }};
}

OptionDef Unused(const char* section, const char* name, OptionType type, const char* def,
                 std::string help) {
  OptionDef d{{section, name, type, def, std::move(help)},
              [key = std::string(section) + "." + name](Config& c, const std::string& v) {
                c.unused[key] = v;
              }};
  d.info.used = false;
  return d;
}

}  // namespace

const std::vector<OptionDef>& Defs() {
  static const std::vector<OptionDef>* defs = [] {
    auto* d = new std::vector<OptionDef>;
    using N = NsxvOptions;
    // §5.2: connection.
    d->push_back({{"nsxv", "manager_uri", OptionType::kUri, "",
                   "URL of the NSX-v manager, https://HOST[:PORT]; required except for demo"},
                  [](Config& c, const std::string& v) { c.nsxv.manager_uri = OptionalString(v); }});
    d->push_back(StrDefault("user", &N::user, "admin", "NSX-v manager user (Basic auth)"));
    d->push_back({{"nsxv", "password", OptionType::kSecret, "default",
                   "NSX-v manager password (secret: never printed)"},
                  [](Config& c, const std::string& v) { c.nsxv.password = v; }});
    d->push_back(Path("ca_file", &N::ca_file,
                      "PEM file of CAs the manager's certificate must chain to; default: the "
                      "system store"));
    d->push_back(Bool("insecure", &N::insecure, false,
                      "Turn TLS certificate verification off, even when ca_file is set. Default "
                      "false here; upstream's default is true"));
    d->push_back(Int("retries", &N::retries, 20, 1, 1000,
                     "Attempts of every retried NSX call and edge-job poll"));
    d->push_back(Int("nsx_transaction_timeout", &N::nsx_transaction_timeout, 240, 1, 86400,
                     "Deadline of one NSX request, seconds"));
    // §5.2: edge deployment.
    d->push_back(Str("nsxv", "datacenter_moid", &N::datacenter_moid,
                     "Datacenter MOID of new edges (datacenterMoid)"));
    d->push_back(Str("nsxv", "deployment_container_id", &N::deployment_container_id,
                     "Deployment container of new edges"));
    d->push_back(
        Str("nsxv", "resource_pool_id", &N::resource_pool_id, "Resource pool of edge appliances"));
    d->push_back(Str("nsxv", "datastore_id", &N::datastore_id, "Datastore of edge appliances"));
    d->push_back(Str("nsxv", "ha_datastore_id", &N::ha_datastore_id,
                     "Datastore of the second appliance when edge_ha is on"));
    d->push_back(Bool("edge_ha", &N::edge_ha, false, "Deploy edges with a second (HA) appliance"));
    d->push_back(
        Str("nsxv", "external_network", &N::external_network, "Portgroup of vnic 0 of new edges"));
    d->push_back(Str("nsxv", "vdn_scope_id", &N::vdn_scope_id,
                     "Transport zone of the metadata virtual wire"));
    {
      OptionDef size{{"nsxv", "exclusive_router_appliance_size", OptionType::kChoice, "compact",
                      "Appliance size of router edges"},
                     [](Config& c, const std::string& v) {
                       c.nsxv.exclusive_router_appliance_size = Trim(v);
                     }};
      size.info.choices = {"compact", "large", "xlarge", "quadlarge"};
      d->push_back(std::move(size));
    }
    d->push_back(Str("nsxv", "edge_appliance_user", &N::edge_appliance_user,
                     "CLI user of edge appliances (with edge_appliance_password)"));
    d->push_back({{"nsxv", "edge_appliance_password", OptionType::kSecret, "",
                   "CLI password of edge appliances (secret: never printed)"},
                  [](Config& c, const std::string& v) {
                    c.nsxv.edge_appliance_password = OptionalString(v);
                  }});
    {
      // Not implemented (docs/md-proxy.md): the md network has port security off, so its policy
      // would be DISABLE, and md reads nothing from it.
      // Setting it true warns; false is what the driver does.
      OptionDef spoofguard = Bool("spoofguard_enabled", &N::spoofguard_enabled, true,
                                  "Spoofguard policy for the metadata network; not implemented");
      spoofguard.apply = [set = spoofguard.apply](Config& c, const std::string& v) {
        set(c, v);
        if (c.nsxv.spoofguard_enabled) {
          c.warnings.push_back("[nsxv] spoofguard_enabled = '" + v +
                               "': accepted but has no effect (spoofguard is not implemented)");
        }
      };
      d->push_back(std::move(spoofguard));
    }
    d->push_back(Int("maximum_tunnels_per_vnic", &N::maximum_tunnels_per_vnic, 20, 1, 110,
                     "Tunnels per vnic for vnic-binding slots (values above 109 act as 10)"));
    // §5.1: metadata proxy.
    d->push_back(Str("nsxv", "mgt_net_moid", &N::mgt_net_moid,
                     "Portgroup of the metadata proxy edges' external vnic (enables metadata)"));
    d->push_back(List("mgt_net_proxy_ips", &N::mgt_net_proxy_ips, OptionType::kIpv4List,
                      "Management IPs, one metadata proxy edge per IP (enables metadata)"));
    d->push_back(Ip("mgt_net_proxy_netmask", &N::mgt_net_proxy_netmask, OptionType::kNetmask,
                    "Netmask of the management IPs, dotted (enables metadata)"));
    d->push_back(Ip("mgt_net_default_gateway", &N::mgt_net_default_gateway, OptionType::kIpv4,
                    "Default gateway of the proxy edges; unset: no default route"));
    d->push_back(List("nova_metadata_ips", &N::nova_metadata_ips, OptionType::kIpv4List,
                      "Nova metadata server IPs, the proxy LB members (enables metadata)"));
    d->push_back(
        {{"nsxv", "nova_metadata_port", OptionType::kPort, "8775", "Nova metadata server port"},
         [](Config& c, const std::string& v) {
           c.nsxv.nova_metadata_port = ParsePort(v).value();
         }});
    d->push_back({{"nsxv", "metadata_shared_secret", OptionType::kSecret, "",
                   "Secret of the X-Metadata-Provider-Signature HMAC (secret: never printed)"},
                  [](Config& c, const std::string& v) {
                    c.nsxv.metadata_shared_secret = OptionalString(v);
                  }});
    d->push_back(Bool("metadata_insecure", &N::metadata_insecure, true,
                      "Plain HTTP to Nova; false: HTTPS with an edge certificate"));
    d->push_back(Path("metadata_nova_client_cert", &N::metadata_nova_client_cert,
                      "PEM certificate for HTTPS to Nova (with metadata_nova_client_priv_key); "
                      "unset: a self-signed one per edge"));
    d->push_back(Path("metadata_nova_client_priv_key", &N::metadata_nova_client_priv_key,
                      "PEM private key of metadata_nova_client_cert"));
    d->push_back(Bool("metadata_initializer", &N::metadata_initializer, true,
                      "This node may create or repair metadata objects"));
    d->push_back(List("metadata_service_allowed_ports", &N::metadata_service_allowed_ports,
                      OptionType::kPortList,
                      "Extra TCP ports (PORT or LOW:HIGH) of the MDServiceIP firewall rule"));
    d->push_back(Int("max_init_threads", &N::max_init_threads, 3, 1, 64,
                     "Threads that set up proxy edges in parallel (2016: MAX_INIT_THREADS)"));
    // §5.2 options without effect here.
    d->push_back(Unused("nsxv", "availability_zones", OptionType::kStringList, "",
                        "Availability zones (not supported: the default zone only)"));
    d->push_back(Unused("nsxv", "dvs_id", OptionType::kString, "",
                        "DVS of VLAN networks (not used by the metadata flow)"));
    d->push_back(Unused("nsxv", "backup_edge_pool", OptionType::kStringList,
                        "service:compact:4:10,vdr:compact:4:10",
                        "Backup edge pool (not used: every router deploys its own edge)"));
    d->push_back(Unused("nsxv", "task_status_check_interval", OptionType::kInt, "2000",
                        "Task manager poll interval, ms (not used)"));
    d->back().info.min = 1;
    d->back().info.max = 1 << 30;
    d->push_back(Unused("nsxv", "dhcp_force_metadata", OptionType::kBool, "true",
                        "DHCP host routes for metadata (not used)"));
    d->push_back({{"DEFAULT", "locking_coordinator_url", OptionType::kSecret, "",
                   "Distributed locks: mysql://USER:PASSWORD@HOST/DB takes the named locks with "
                   "GET_LOCK on that server; empty: host-local file locks (secret: shown without "
                   "the password)"},
                  [](Config& c, const std::string& v) { c.locking_coordinator_url = Trim(v); }});
    // [database].
    d->push_back({{"database", "path", OptionType::kString,
                   "$XDG_DATA_HOME/nsxv-sim/nsxv.db or ~/.local/share/nsxv-sim/nsxv.db",
                   "SQLite database file of the driver"},
                  [](Config& c, const std::string& v) { c.database.path = Trim(v); }});
    d->push_back({{"database", "connection", OptionType::kSecret, "",
                   "MariaDB/MySQL store instead of the SQLite file: "
                   "mysql+pymysql://USER:PASSWORD@HOST[:PORT]/DB or "
                   "mysql+pymysql://USER:PASSWORD@/DB?unix_socket=PATH (secret: shown without the "
                   "password)"},
                  [](Config& c, const std::string& v) { c.database.connection = Trim(v); }});
    return d;
  }();
  return *defs;
}

const OptionDef* FindDef(std::string_view section, std::string_view name) {
  for (const OptionDef& def : Defs()) {
    if (def.info.section == section && def.info.name == name) return &def;
  }
  return nullptr;
}

}  // namespace internal

using internal::Defs;
using internal::FindDef;
using internal::Lower;
using internal::OptionDef;

const std::vector<OptionInfo>& KnownOptions() {
  static const std::vector<OptionInfo>* infos = [] {
    auto* v = new std::vector<OptionInfo>;
    for (const OptionDef& def : Defs()) v->push_back(def.info);
    return v;
  }();
  return *infos;
}

const OptionInfo* FindOption(std::string_view section, std::string_view name) {
  const OptionDef* def = FindDef(section, name);
  return def == nullptr ? nullptr : &def->info;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::optional<std::string> ClosestOption(std::string_view section, std::string_view name) {
  std::optional<std::string> best;
  size_t best_distance = 0;
  for (const OptionDef& def : Defs()) {
    if (def.info.section != section) continue;
    const size_t distance = EditDistance(Lower(name), def.info.name);
    if (!best || distance < best_distance) {
      best = def.info.name;
      best_distance = distance;
    }
  }
  // Close enough: at most a third of the name's length (and at least 2 edits allowed).
  const size_t limit = std::max<size_t>(2, name.size() / 3);
  if (best && best_distance <= limit) return best;
  return std::nullopt;
}

}  // namespace nsxv::config
