// nsx.ini configuration: the [nsxv] options of API reference §5 (same names, types and defaults
// as vmware_nsx/common/config.py, with the exceptions listed below), plus [database] path and
// connection and [DEFAULT] locking_coordinator_url, read from an oslo.config style INI file and
// `--set section.option=value` overrides.
//
// The store: [database] path (an SQLite file, the default) or [database] connection, a MariaDB /
// MySQL URL as in neutron.conf (mysql+pymysql://USER:PASSWORD@HOST/DB, or ...@/DB?unix_socket=
// PATH); giving both is an error. Named locks: host-local file locks, or GET_LOCK on the server
// of [DEFAULT] locking_coordinator_url = mysql://... Both URLs are secrets: messages and
// Describe() show them without the password.
//
// Differences from upstream, on purpose:
//  - `insecure` defaults to false: TLS verification is on unless asked off (upstream: true, and
//    its help text claimed ca_file overrides it, which the code did not do). insecure = true
//    turns verification off whether or not ca_file is set, and says so in a warning.
//  - Values are checked when loaded, not when first used: IP addresses, netmasks, ports, port
//    ranges, duplicates in nova_metadata_ips / mgt_net_proxy_ips, integer ranges (retries >= 1),
//    readable ca_file and metadata client cert/key files.
//  - max_init_threads (2016: the constant MAX_INIT_THREADS = 3) is an option.
// Options of §5 the metadata flow does not use here (availability_zones, dvs_id,
// backup_edge_pool, task_status_check_interval, dhcp_force_metadata) are accepted and type-checked;
// a warning says they have no effect when they are set.
//
// Unknown options of [nsxv] and [database] are warnings naming the closest known option (edit
// distance); in [DEFAULT], which holds many neutron options, only near misses of ours are. Other
// sections of a neutron configuration are ignored, except near misses of [nsxv] / [database] and
// [az:*] sections (not supported), which are warnings. An unknown option in --set is an error (a
// typo on the command line would otherwise do nothing).
//
// Errors: one line, kInvalidArgument (kNotFound / kPermissionDenied for an unusable file),
// naming the option and where its value came from: "nsx.ini:12: [nsxv] retries = 'abc': not an
// integer" or "--set nsxv.retries=abc: not an integer". Secret values (password,
// metadata_shared_secret, edge_appliance_password, and the passwords of [database] connection
// and locking_coordinator_url) never appear in messages, warnings or Describe().
//
// Pure values and functions; thread-safe. LoadConfig reads files and, for the default database
// path, the environment (call it before starting threads).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driver/common/status.h"

namespace nsxv::config {

// [nsxv], §5.1 and §5.2. std::nullopt / empty lists mean "not set" (oslo's None / []).
struct NsxvOptions {
  // §5.2: connection
  std::optional<std::string> manager_uri;
  std::string user = "admin";
  std::string password = "default";  // secret
  std::optional<std::string> ca_file;
  bool insecure = false;  // upstream default: true (see the header comment)
  int retries = 20;
  int nsx_transaction_timeout = 240;  // seconds
  // §5.2: edge deployment
  std::optional<std::string> datacenter_moid;
  std::optional<std::string> deployment_container_id;
  std::optional<std::string> resource_pool_id;
  std::optional<std::string> datastore_id;
  std::optional<std::string> ha_datastore_id;
  bool edge_ha = false;
  std::optional<std::string> external_network;
  std::optional<std::string> vdn_scope_id;
  std::string exclusive_router_appliance_size = "compact";
  std::optional<std::string> edge_appliance_user;
  std::optional<std::string> edge_appliance_password;  // secret
  bool spoofguard_enabled = true;
  int maximum_tunnels_per_vnic = 20;
  // §5.1: metadata proxy
  std::optional<std::string> mgt_net_moid;
  std::vector<std::string> mgt_net_proxy_ips;
  std::optional<std::string> mgt_net_proxy_netmask;
  std::optional<std::string> mgt_net_default_gateway;
  std::vector<std::string> nova_metadata_ips;
  int nova_metadata_port = 8775;
  std::optional<std::string> metadata_shared_secret;  // secret
  bool metadata_insecure = true;
  std::optional<std::string> metadata_nova_client_cert;
  std::optional<std::string> metadata_nova_client_priv_key;
  bool metadata_initializer = true;
  std::vector<std::string> metadata_service_allowed_ports;  // "8080" or "1000:2000"
  int max_init_threads = 3;
};

struct DatabaseOptions {
  std::string path;  // empty until loaded: LoadConfig fills in store::DefaultDatabasePath()
  // A MariaDB/MySQL URL (a secret: it holds the password); empty: SQLite at `path`.
  std::string connection;
};

struct Config {
  NsxvOptions nsxv;
  DatabaseOptions database;
  // [DEFAULT] locking_coordinator_url: a mysql URL (a secret); empty: host-local file locks.
  std::string locking_coordinator_url;
  // Raw values of the accepted-but-unused options, by "section.option".
  std::map<std::string, std::string> unused;
  // Where each set option came from, by "section.option": "nsx.ini:12" or "--set".
  std::map<std::string, std::string> origins;
  // One line each, ready to log (unknown options, unused options, insecure).
  std::vector<std::string> warnings;
  // The config file, empty when none.
  std::string file;
};

enum class OptionType {
  kString,
  kSecret,
  kBool,
  kInt,
  kUri,
  kPath,        // a readable file
  kChoice,      // one of `choices`
  kIpv4,        // one IPv4 address
  kNetmask,     // dotted, contiguous
  kIpv4List,    // comma separated IPv4 addresses, no duplicates
  kPort,        // 1..65535
  kPortList,    // comma separated "PORT" or "LOW:HIGH"
  kStringList,  // comma separated strings
};

struct OptionInfo {
  std::string section;  // "nsxv", "database", "DEFAULT"
  std::string name;
  OptionType type = OptionType::kString;
  std::string default_text;  // as shown in help ("" when None)
  std::string help;
  bool used = true;  // false: accepted for compatibility, no effect
  int min = 0;       // kInt bounds
  int max = 0;
  std::vector<std::string> choices;
};

// Every known option, in documentation order.
const std::vector<OptionInfo>& KnownOptions();
const OptionInfo* FindOption(std::string_view section, std::string_view name);
// Levenshtein distance (for "did you mean").
size_t EditDistance(std::string_view a, std::string_view b);
// The known option of `section` closest to `name`, if one is close enough to suggest.
std::optional<std::string> ClosestOption(std::string_view section, std::string_view name);

struct LoadOptions {
  std::optional<std::string> file;     // --config
  std::vector<std::string> overrides;  // --set "section.option=value", applied in order
};

// Defaults, then the file, then the overrides; then every value is checked and
// database.path defaulted. `base` replaces the defaults (the demo's configuration).
Result<Config> LoadConfig(const LoadOptions& options, const Config& base = Config());

// The effective options as (section.option, printable value) pairs, in KnownOptions() order,
// secrets shown as "<set>" / "<not set>".
std::vector<std::pair<std::string, std::string>> Describe(const Config& config);

// Checks a value of the given option without applying it (for tests and --set). `where` prefixes
// the message.
Status CheckValue(const OptionInfo& option, const std::string& value, const std::string& where);

// "a, b,c" -> {"a", "b", "c"}; "" -> {} (oslo ListOpt).
std::vector<std::string> SplitList(std::string_view text);

}  // namespace nsxv::config
