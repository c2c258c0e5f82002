#include "driver/config/config.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <functional>
#include <set>

#include "driver/config/ini.h"
#include "driver/store/context.h"
#include "driver/store/ipv4.h"

namespace nsxv::config {
namespace {

using Apply = std::function<void(Config&, const std::string&)>;

struct OptionDef {
  OptionInfo info;
  Apply apply;
};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string Trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  const size_t end = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(begin, end - begin + 1));
}

std::optional<bool> ParseBool(std::string_view text) {
  const std::string v = Lower(Trim(text));
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  return std::nullopt;
}

std::optional<long> ParseInt(std::string_view text) {
  std::string v = Trim(text);
  if (!v.empty() && v.front() == '+') v.erase(0, 1);
  long value = 0;
  const char* end = v.data() + v.size();
  const auto [ptr, ec] = std::from_chars(v.data(), end, value);
  if (v.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<int> ParsePort(std::string_view text) {
  const std::optional<long> v = ParseInt(text);
  if (!v || *v < 1 || *v > 65535) return std::nullopt;
  return static_cast<int>(*v);
}

std::optional<std::string> OptionalString(const std::string& value) {
  const std::string v = Trim(value);
  if (v.empty()) return std::nullopt;
  return v;
}

// "scheme://host[:port][/path]"; returns why it is not one, or "".
std::string UriProblem(const std::string& value) {
  const size_t scheme_end = value.find("://");
  if (scheme_end == std::string::npos) return "expected https://HOST[:PORT]";
  const std::string scheme = Lower(value.substr(0, scheme_end));
  if (scheme != "https" && scheme != "http") return "scheme must be https or http";
  std::string authority = value.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (authority.find('@') != std::string::npos) {
    return "credentials do not belong in the URL (use user and password)";
  }
  std::string host = authority;
  std::string port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) return "unterminated IPv6 address";
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return "unexpected text after the IPv6 address";
      port = authority.substr(close + 2);
      if (port.empty()) return "empty port";
    }
  } else if (const size_t colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return "empty port";
  }
  if (host.empty()) return "missing host";
  if (!port.empty() && !ParsePort(port)) return "port '" + port + "' is not in 1..65535";
  return "";
}

std::string FileProblem(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return "no such file";
  if (std::filesystem::is_directory(path, ec)) return "is a directory";
  if (access(path.c_str(), R_OK) != 0) return "not readable";
  return "";
}

bool IsSecret(const OptionInfo& info) { return info.type == OptionType::kSecret; }

// ---- the option table ----

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
    d->push_back(Unused("DEFAULT", "locking_coordinator_url", OptionType::kString, "",
                        "Distributed lock service (not supported: host-local locks are used)"));
    // [database].
    d->push_back({{"database", "path", OptionType::kString,
                   "$XDG_DATA_HOME/nsxv-sim/nsxv.db or ~/.local/share/nsxv-sim/nsxv.db",
                   "SQLite database file of the driver"},
                  [](Config& c, const std::string& v) { c.database.path = Trim(v); }});
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

std::string Quote(const std::string& s) { return "'" + s + "'"; }

std::string FileWhere(const std::string& file, int line, const std::string& section,
                      const std::string& key, const std::string& value, bool secret) {
  std::string where = file + ":" + std::to_string(line) + ": [" + section + "] " + key;
  if (!secret) where += " = " + Quote(value);
  return where;
}

std::string SetWhere(const std::string& section, const std::string& key, const std::string& value,
                     bool secret) {
  return "--set " + section + "." + key + "=" + (secret ? std::string("<hidden>") : value);
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
    return InvalidArgument("--set " + text + ": expected SECTION.OPTION=VALUE");
  }
  const std::string section = Trim(text.substr(0, dot));
  const std::string key = Trim(text.substr(dot + 1, eq - dot - 1));
  const std::string value = text.substr(eq + 1);
  const OptionDef* def = FindDef(section, key);
  if (def == nullptr) {
    std::string message = "--set " + section + "." + key + ": unknown option";
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
  if (o.insecure) {
    config.warnings.push_back(origin("insecure") +
                              "[nsxv] insecure = true: TLS certificate verification is OFF" +
                              (o.ca_file ? std::string(" (ca_file is not used)") : std::string()));
  }
  return Status::Ok();
}

}  // namespace

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  if (Trim(text).empty()) return out;
  size_t pos = 0;
  while (true) {
    const size_t comma = text.find(',', pos);
    out.push_back(Trim(text.substr(pos, comma == std::string_view::npos ? comma : comma - pos)));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

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

Status CheckValue(const OptionInfo& option, const std::string& value, const std::string& where) {
  const auto bad = [&](const std::string& why) { return InvalidArgument(where + ": " + why); };
  const std::string v = Trim(value);
  switch (option.type) {
    case OptionType::kString:
    case OptionType::kSecret:
    case OptionType::kStringList:
      return Status::Ok();
    case OptionType::kBool:
      if (!ParseBool(v)) return bad("not a boolean (true/false, yes/no, on/off, 1/0)");
      return Status::Ok();
    case OptionType::kInt: {
      const std::optional<long> n = ParseInt(v);
      if (!n) return bad("not an integer");
      if (*n < option.min || *n > option.max) {
        return bad("must be in " + std::to_string(option.min) + ".." + std::to_string(option.max));
      }
      return Status::Ok();
    }
    case OptionType::kUri:
      if (v.empty()) return Status::Ok();
      if (std::string why = UriProblem(v); !why.empty()) return bad("not a manager URL: " + why);
      return Status::Ok();
    case OptionType::kPath:
      if (v.empty()) return Status::Ok();
      if (std::string why = FileProblem(v); !why.empty()) return bad(why);
      return Status::Ok();
    case OptionType::kChoice:
      for (const std::string& choice : option.choices) {
        if (v == choice) return Status::Ok();
      }
      {
        std::string list;
        for (const std::string& choice : option.choices)
          list += (list.empty() ? "" : ", ") + choice;
        return bad("must be one of " + list);
      }
    case OptionType::kIpv4:
      if (v.empty()) return Status::Ok();
      if (!store::ParseIpv4(v).ok()) return bad("not an IPv4 address");
      return Status::Ok();
    case OptionType::kNetmask: {
      if (v.empty()) return Status::Ok();
      const Result<uint32_t> mask = store::ParseIpv4(v);
      if (!mask.ok()) return bad("not a dotted netmask such as 255.255.255.0");
      const uint32_t inverted = ~*mask;
      if (*mask == 0 || (inverted & (inverted + 1U)) != 0) {
        return bad("not a netmask (the one bits must be contiguous, e.g. 255.255.255.0)");
      }
      return Status::Ok();
    }
    case OptionType::kIpv4List: {
      std::set<uint32_t> seen;
      for (const std::string& item : SplitList(v)) {
        const Result<uint32_t> ip = store::ParseIpv4(item);
        if (!ip.ok()) return bad(Quote(item) + " is not an IPv4 address");
        if (!seen.insert(*ip).second) return bad(item + " is listed twice");
      }
      return Status::Ok();
    }
    case OptionType::kPort:
      if (!ParsePort(v)) return bad("not a port number in 1..65535");
      return Status::Ok();
    case OptionType::kPortList:
      for (const std::string& item : SplitList(v)) {
        const size_t colon = item.find(':');
        if (colon == std::string::npos) {
          if (!ParsePort(item)) return bad(Quote(item) + " is not a port number in 1..65535");
          continue;
        }
        const std::optional<int> low = ParsePort(item.substr(0, colon));
        const std::optional<int> high = ParsePort(item.substr(colon + 1));
        if (!low || !high) {
          return bad(Quote(item) + " is not a port range LOW:HIGH with ports in 1..65535");
        }
        if (*low > *high) return bad("port range " + Quote(item) + " is reversed");
      }
      return Status::Ok();
  }
  return Status::Ok();
}

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
  };
  std::vector<std::pair<std::string, std::string>> out;
  for (const OptionInfo& info : KnownOptions()) {
    const std::string key = info.section + "." + info.name;
    if (info.section == "database") {
      out.emplace_back(key, config.database.path);
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
