// Tests of nsx.ini parsing (every option, every error) and of the mapping to the layers' options.
#include "driver/config/config.h"

#include <unistd.h>

#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "driver/config/ini.h"
#include "driver/config/mapping.h"
#include "driver/store/context.h"
#include "tests/driver/store/temp_dir.h"

namespace nsxv::config {
namespace {

using testing_util::TempDir;

std::string Write(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.File(name);
  std::ofstream(path) << text;
  return path;
}

Result<Config> LoadText(const TempDir& dir, const std::string& text,
                        std::vector<std::string> overrides = {}) {
  LoadOptions o;
  o.file = Write(dir, "nsx.ini", text);
  o.overrides = std::move(overrides);
  return LoadConfig(o);
}

// The error message of loading `text`; "" when it loads.
std::string ErrorOf(const TempDir& dir, const std::string& text,
                    std::vector<std::string> overrides = {}) {
  auto c = LoadText(dir, text, std::move(overrides));
  return c.ok() ? "" : c.error().message();
}

bool HasWarning(const Config& c, const std::string& part) {
  for (const auto& w : c.warnings) {
    if (w.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST(IniTest, SectionsKeysCommentsQuotesContinuations) {
  auto f = ParseIni(
      "# comment\n; another\n[nsxv]\nuser = 'bob'\nmanager_uri: https://m:443\n"
      "nova_metadata_ips = 10.0.0.1,\n   10.0.0.2\n\n[database]\npath=\"/x y\"\r\n",
      "t.ini");
  ASSERT_TRUE(f.ok()) << f.error().message();
  ASSERT_EQ(f->entries.size(), 4u);
  EXPECT_EQ(f->sections, (std::vector<std::string>{"nsxv", "database"}));
  EXPECT_EQ(f->entries[0].value, "bob");
  EXPECT_EQ(f->entries[0].line, 4);
  EXPECT_EQ(f->entries[1].value, "https://m:443");
  EXPECT_EQ(f->entries[2].value, "10.0.0.1,\n10.0.0.2");
  EXPECT_EQ(f->entries[3].section, "database");
  EXPECT_EQ(f->entries[3].value, "/x y");
}

TEST(IniTest, InlineHashIsPartOfTheValueAsInOslo) {
  auto f = ParseIni("[nsxv]\nuser = a # b\n", "t.ini");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->entries[0].value, "a # b");
}

TEST(IniTest, SyntaxErrorsNameFileAndLine) {
  EXPECT_EQ(ParseIni("[nsxv\n", "a.ini").error().message(),
            "a.ini:1: section header is missing its closing ']'");
  EXPECT_EQ(ParseIni("[nsxv]\n\nretries\n", "a.ini").error().message(),
            "a.ini:3: expected 'key = value' or '[section]', got 'retries'");
  EXPECT_EQ(ParseIni("retries = 3\n", "a.ini").error().message(),
            "a.ini:1: 'retries' appears before any [section] header");
  EXPECT_EQ(ParseIni("[ ]\n", "a.ini").error().message(), "a.ini:1: empty section name '[]'");
  EXPECT_EQ(ParseIni("[nsxv]\n = 3\n", "a.ini").error().message(),
            "a.ini:2: a value without a key");
}

TEST(IniTest, DuplicateKeyKeepsTheLaterValue) {
  auto f = ParseIni("[nsxv]\nretries = 1\nretries = 2\n", "t.ini");
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->entries.size(), 1u);
  EXPECT_EQ(f->entries[0].value, "2");
  EXPECT_EQ(f->entries[0].line, 3);
  EXPECT_EQ(f->entries[0].overridden_line, 2);
}

TEST(ConfigTest, DefaultsMatchReferenceSection5ExceptInsecure) {
  auto c = LoadConfig({});
  ASSERT_TRUE(c.ok()) << c.error().message();
  const NsxvOptions& o = c->nsxv;
  EXPECT_FALSE(o.manager_uri);
  EXPECT_EQ(o.user, "admin");
  EXPECT_EQ(o.password, "default");
  EXPECT_FALSE(o.ca_file);
  EXPECT_FALSE(o.insecure);  // upstream: true
  EXPECT_EQ(o.retries, 20);
  EXPECT_EQ(o.nsx_transaction_timeout, 240);
  EXPECT_FALSE(o.edge_ha);
  EXPECT_EQ(o.exclusive_router_appliance_size, "compact");
  EXPECT_TRUE(o.spoofguard_enabled);
  EXPECT_EQ(o.maximum_tunnels_per_vnic, 20);
  EXPECT_TRUE(o.mgt_net_proxy_ips.empty());
  EXPECT_TRUE(o.nova_metadata_ips.empty());
  EXPECT_EQ(o.nova_metadata_port, 8775);
  EXPECT_TRUE(o.metadata_insecure);
  EXPECT_TRUE(o.metadata_initializer);
  EXPECT_TRUE(o.metadata_service_allowed_ports.empty());
  EXPECT_EQ(o.max_init_threads, 3);
  EXPECT_EQ(c->database.path, store::DefaultDatabasePath());
  EXPECT_TRUE(c->warnings.empty());
}

TEST(ConfigTest, ReadsEveryOption) {
  TempDir dir;
  const std::string ca = Write(dir, "ca.pem", "x");
  const std::string cert = Write(dir, "cert.pem", "x");
  const std::string key = Write(dir, "key.pem", "x");
  auto c = LoadText(dir,
                    "[nsxv]\n"
                    "manager_uri = https://nsx.example.com:8443\n"
                    "user = operator\n"
                    "password = s3cret\n"
                    "ca_file = " +
                        ca +
                        "\n"
                        "insecure = False\n"
                        "retries = 7\n"
                        "nsx_transaction_timeout = 60\n"
                        "datacenter_moid = datacenter-9\n"
                        "deployment_container_id = container-1\n"
                        "resource_pool_id = domain-c9\n"
                        "datastore_id = datastore-9\n"
                        "ha_datastore_id = datastore-10\n"
                        "edge_ha = yes\n"
                        "external_network = dvportgroup-ext\n"
                        "vdn_scope_id = vdnscope-3\n"
                        "exclusive_router_appliance_size = xlarge\n"
                        "edge_appliance_user = cli\n"
                        "edge_appliance_password = clipw\n"
                        "spoofguard_enabled = off\n"
                        "maximum_tunnels_per_vnic = 110\n"
                        "mgt_net_moid = dvportgroup-mgmt\n"
                        "mgt_net_proxy_ips = 10.0.0.5, 10.0.0.6\n"
                        "mgt_net_proxy_netmask = 255.255.255.128\n"
                        "mgt_net_default_gateway = 10.0.0.1\n"
                        "nova_metadata_ips = 10.1.0.5,10.1.0.6\n"
                        "nova_metadata_port = 8776\n"
                        "metadata_shared_secret = hmac-key\n"
                        "metadata_insecure = 0\n"
                        "metadata_nova_client_cert = " +
                        cert +
                        "\n"
                        "metadata_nova_client_priv_key = " +
                        key +
                        "\n"
                        "metadata_initializer = false\n"
                        "metadata_service_allowed_ports = 8080, 9000:9010\n"
                        "max_init_threads = 5\n"
                        "[database]\n"
                        "path = " +
                        dir.File("md.db") + "\n");
  ASSERT_TRUE(c.ok()) << c.error().message();
  const NsxvOptions& o = c->nsxv;
  EXPECT_EQ(o.manager_uri, "https://nsx.example.com:8443");
  EXPECT_EQ(o.user, "operator");
  EXPECT_EQ(o.password, "s3cret");
  EXPECT_EQ(o.ca_file, ca);
  EXPECT_FALSE(o.insecure);
  EXPECT_EQ(o.retries, 7);
  EXPECT_EQ(o.nsx_transaction_timeout, 60);
  EXPECT_EQ(o.datacenter_moid, "datacenter-9");
  EXPECT_EQ(o.deployment_container_id, "container-1");
  EXPECT_EQ(o.resource_pool_id, "domain-c9");
  EXPECT_EQ(o.datastore_id, "datastore-9");
  EXPECT_EQ(o.ha_datastore_id, "datastore-10");
  EXPECT_TRUE(o.edge_ha);
  EXPECT_EQ(o.external_network, "dvportgroup-ext");
  EXPECT_EQ(o.vdn_scope_id, "vdnscope-3");
  EXPECT_EQ(o.exclusive_router_appliance_size, "xlarge");
  EXPECT_EQ(o.edge_appliance_user, "cli");
  EXPECT_EQ(o.edge_appliance_password, "clipw");
  EXPECT_FALSE(o.spoofguard_enabled);
  EXPECT_EQ(o.maximum_tunnels_per_vnic, 110);
  EXPECT_EQ(o.mgt_net_moid, "dvportgroup-mgmt");
  EXPECT_EQ(o.mgt_net_proxy_ips, (std::vector<std::string>{"10.0.0.5", "10.0.0.6"}));
  EXPECT_EQ(o.mgt_net_proxy_netmask, "255.255.255.128");
  EXPECT_EQ(o.mgt_net_default_gateway, "10.0.0.1");
  EXPECT_EQ(o.nova_metadata_ips, (std::vector<std::string>{"10.1.0.5", "10.1.0.6"}));
  EXPECT_EQ(o.nova_metadata_port, 8776);
  EXPECT_EQ(o.metadata_shared_secret, "hmac-key");
  EXPECT_FALSE(o.metadata_insecure);
  EXPECT_EQ(o.metadata_nova_client_cert, cert);
  EXPECT_EQ(o.metadata_nova_client_priv_key, key);
  EXPECT_FALSE(o.metadata_initializer);
  EXPECT_EQ(o.metadata_service_allowed_ports, (std::vector<std::string>{"8080", "9000:9010"}));
  EXPECT_EQ(o.max_init_threads, 5);
  EXPECT_EQ(c->database.path, dir.File("md.db"));
  EXPECT_EQ(c->origins.at("nsxv.retries"), dir.File("nsx.ini") + ":7");
  EXPECT_TRUE(c->warnings.empty()) << c->warnings.front();
}

TEST(ConfigTest, EmptyValuesMeanNotSet) {
  TempDir dir;
  auto c = LoadText(dir, "[nsxv]\nca_file =\nmgt_net_proxy_ips =\nmgt_net_default_gateway = \n");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_FALSE(c->nsxv.ca_file);
  EXPECT_TRUE(c->nsxv.mgt_net_proxy_ips.empty());
  EXPECT_FALSE(c->nsxv.mgt_net_default_gateway);
}

TEST(ConfigTest, OverridesApplyAfterTheFile) {
  TempDir dir;
  auto c = LoadText(dir, "[nsxv]\nretries = 7\n",
                    {"nsxv.retries=9", "database.path=/tmp/x.db", "nsxv.insecure = true"});
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->nsxv.retries, 9);
  EXPECT_EQ(c->database.path, "/tmp/x.db");
  EXPECT_TRUE(c->nsxv.insecure);
  EXPECT_EQ(c->origins.at("nsxv.retries"), "--set");
  EXPECT_TRUE(HasWarning(*c, "TLS certificate verification is OFF"));
}

TEST(ConfigTest, BaseReplacesTheDefaults) {
  Config base;
  base.nsxv.retries = 3;
  auto c = LoadConfig({}, base);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->nsxv.retries, 3);
}

TEST(ConfigTest, FileErrors) {
  TempDir dir;
  LoadOptions o;
  o.file = dir.File("missing.ini");
  auto c = LoadConfig(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(c.error().message(), "--config " + dir.File("missing.ini") + ": no such file");
  o.file = dir.path();
  EXPECT_EQ(LoadConfig(o).error().message(), "--config " + dir.path() + ": is a directory");
  if (geteuid() != 0) {  // root reads anything
    const std::string path = Write(dir, "locked.ini", "[nsxv]\n");
    chmod(path.c_str(), 0);
    o.file = path;
    EXPECT_EQ(LoadConfig(o).error().code(), StatusCode::kPermissionDenied);
  }
  EXPECT_EQ(ErrorOf(dir, "[nsxv]\nuser = a\nretries\n"),
            "--config " + dir.File("nsx.ini") +
                ":3: expected 'key = value' or '[section]', got "
                "'retries'");
}

TEST(ConfigTest, ValueErrorsNameOptionFileAndLine) {
  TempDir dir;
  const std::string f = dir.File("nsx.ini");
  struct Case {
    std::string line;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"retries = abc", "[nsxv] retries = 'abc': not an integer"},
      {"retries = 0", "[nsxv] retries = '0': must be in 1..1000"},
      {"retries = 2.5", "[nsxv] retries = '2.5': not an integer"},
      {"nsx_transaction_timeout = -1", "must be in 1..86400"},
      {"maximum_tunnels_per_vnic = 111", "must be in 1..110"},
      {"max_init_threads = 0", "[nsxv] max_init_threads = '0': must be in 1..64"},
      {"insecure = maybe", "[nsxv] insecure = 'maybe': not a boolean"},
      {"edge_ha = 2", "not a boolean"},
      {"manager_uri = nsx.example.com", "not a manager URL: expected https://HOST[:PORT]"},
      {"manager_uri = ftp://nsx", "not a manager URL: scheme must be https or http"},
      {"manager_uri = https://:443", "not a manager URL: missing host"},
      {"manager_uri = https://nsx:99999", "not a manager URL: port '99999' is not in 1..65535"},
      {"manager_uri = https://u:p@nsx", "credentials do not belong in the URL"},
      {"ca_file = /nonexistent/ca.pem", "[nsxv] ca_file = '/nonexistent/ca.pem': no such file"},
      {"exclusive_router_appliance_size = huge",
       "must be one of compact, large, xlarge, quadlarge"},
      {"mgt_net_default_gateway = 10.0.0",
       "[nsxv] mgt_net_default_gateway = '10.0.0': not an "
       "IPv4 address"},
      {"mgt_net_proxy_netmask = 255.0.255.0", "not a netmask (the one bits must be contiguous"},
      {"mgt_net_proxy_netmask = 0.0.0.0", "not a netmask"},
      {"mgt_net_proxy_netmask = 24", "not a dotted netmask"},
      {"mgt_net_proxy_ips = 10.0.0.1,10.0.0.300", "'10.0.0.300' is not an IPv4 address"},
      {"mgt_net_proxy_ips = 10.0.0.1,10.0.0.1", "10.0.0.1 is listed twice"},
      {"nova_metadata_ips = 10.1.0.5, 10.1.0.6, 10.1.0.5",
       "[nsxv] nova_metadata_ips = '10.1.0.5, 10.1.0.6, 10.1.0.5': 10.1.0.5 is listed twice"},
      {"nova_metadata_port = 0", "not a port number in 1..65535"},
      {"nova_metadata_port = 65536", "not a port number in 1..65535"},
      {"nova_metadata_port = http", "not a port number in 1..65535"},
      {"metadata_service_allowed_ports = 80,x", "'x' is not a port number"},
      {"metadata_service_allowed_ports = 90:80", "port range '90:80' is reversed"},
      {"metadata_service_allowed_ports = 1:70000", "'1:70000' is not a port range LOW:HIGH"},
      {"metadata_service_allowed_ports = 1:", "is not a port range"},
      {"task_status_check_interval = x", "not an integer"},
      {"dhcp_force_metadata = x", "not a boolean"},
  };
  for (const Case& c : cases) {
    const std::string error = ErrorOf(dir, "[nsxv]\n\n" + c.line + "\n");
    EXPECT_NE(error.find(f + ":3: "), std::string::npos) << c.line << " -> " << error;
    EXPECT_NE(error.find(c.message), std::string::npos) << c.line << " -> " << error;
  }
}

TEST(ConfigTest, OverrideErrors) {
  EXPECT_EQ(LoadConfig({{}, {"nsxv.retries=abc"}}).error().message(),
            "--set nsxv.retries=abc: not an integer");
  EXPECT_EQ(LoadConfig({{}, {"retries=3"}}).error().message(),
            "--set retries=3: expected SECTION.OPTION=VALUE");
  EXPECT_EQ(LoadConfig({{}, {"nsxv.retries"}}).error().message(),
            "--set nsxv.retries: expected SECTION.OPTION=VALUE");
  EXPECT_EQ(LoadConfig({{}, {"nsxv.retrys=3"}}).error().message(),
            "--set nsxv.retrys: unknown option (did you mean 'nsxv.retries'?)");
  EXPECT_EQ(LoadConfig({{}, {"nova.x=3"}}).error().message(),
            "--set nova.x: unknown option (sections: nsxv, database, DEFAULT)");
  EXPECT_EQ(LoadConfig({{}, {"database.path="}}).ok(), true);
}

TEST(ConfigTest, CertificateAndKeyGoTogether) {
  TempDir dir;
  const std::string cert = Write(dir, "cert.pem", "x");
  const std::string error = ErrorOf(dir, "[nsxv]\nmetadata_nova_client_cert = " + cert + "\n");
  EXPECT_NE(error.find(dir.File("nsx.ini") + ":2: [nsxv] metadata_nova_client_cert is set but "
                                             "metadata_nova_client_priv_key is not"),
            std::string::npos)
      << error;
}

// Metadata set-ups that load but leave VMs exposed (no signature) or unserved (no route to Nova).
TEST(ConfigTest, MetadataWithoutSecretOrRouteToNovaWarns) {
  TempDir dir;
  const std::string md =
      "[nsxv]\nmgt_net_moid = dvportgroup-1\nmgt_net_proxy_ips = 10.10.0.5,10.10.0.6\n"
      "mgt_net_proxy_netmask = 255.255.255.0\n";
  auto c = LoadText(dir, md + "nova_metadata_ips = 10.10.0.20\n");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_TRUE(HasWarning(*c, "metadata_shared_secret is not set"));
  EXPECT_FALSE(HasWarning(*c, "no route to it"));

  c = LoadText(dir, md + "nova_metadata_ips = 192.168.7.20\nmetadata_shared_secret = s3cret\n");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_FALSE(HasWarning(*c, "metadata_shared_secret is not set"));
  EXPECT_TRUE(HasWarning(*c, "nova_metadata_ips 192.168.7.20 is outside the proxy subnet"));
  for (const std::string& w : c->warnings) EXPECT_EQ(w.find("s3cret"), std::string::npos) << w;

  c = LoadText(dir, md + "nova_metadata_ips = 192.168.7.20\nmetadata_shared_secret = s3cret\n"
                         "mgt_net_default_gateway = 10.10.0.1\n");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_TRUE(c->warnings.empty()) << c->warnings.front();
}

TEST(ConfigTest, UnknownOptionsWarnWithTheClosestName) {
  TempDir dir;
  auto c = LoadText(dir,
                    "[DEFAULT]\ndebug = true\nlocking_cordinator_url = x\n[nsxv]\nretires = 5\n"
                    "completely_unrelated_thing = 1\n[databse]\npath = /x\n[nsx_v3]\nfoo = 1\n"
                    "[az:zone1]\nmgt_net_moid = x\n");
  ASSERT_TRUE(c.ok()) << c.error().message();
  const std::string f = dir.File("nsx.ini");
  EXPECT_TRUE(HasWarning(*c, f + ":5: unknown option [nsxv] retires (did you mean 'retries'?)"));
  EXPECT_TRUE(HasWarning(*c, f + ":6: unknown option [nsxv] completely_unrelated_thing"));
  EXPECT_TRUE(HasWarning(*c,
                         "unknown option [DEFAULT] locking_cordinator_url (did you mean "
                         "'locking_coordinator_url'?)"));
  EXPECT_FALSE(HasWarning(*c, "debug"));  // other neutron options of [DEFAULT] are quiet
  EXPECT_TRUE(HasWarning(*c, "unknown section [databse] ignored (did you mean [database]?)"));
  EXPECT_FALSE(HasWarning(*c, "nsx_v3"));
  EXPECT_TRUE(HasWarning(*c, "section [az:zone1] ignored: availability zones are not supported"));
  EXPECT_EQ(c->warnings.size(), 5u);
}

// Issue 14 item 6: spoofguard is not implemented (docs/md-proxy.md), so setting it warns.
TEST(ConfigTest, SpoofguardEnabledWarnsThatItHasNoEffect) {
  TempDir dir;
  auto c = LoadText(dir, "[nsxv]\nspoofguard_enabled = true\n");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_TRUE(HasWarning(*c, "[nsxv] spoofguard_enabled = 'true': accepted but has no effect"));
}

TEST(ConfigTest, UnusedAndDuplicateOptionsWarn) {
  TempDir dir;
  auto c = LoadText(dir,
                    "[nsxv]\ndvs_id = dvs-1\nbackup_edge_pool = service:large:1:2\nretries = 3\n"
                    "retries = 4\nedge_appliance_user = u\n");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->nsxv.retries, 4);
  EXPECT_EQ(c->unused.at("nsxv.dvs_id"), "dvs-1");
  EXPECT_TRUE(HasWarning(*c, "[nsxv] dvs_id = 'dvs-1': accepted but has no effect"));
  EXPECT_TRUE(HasWarning(*c, "backup_edge_pool"));
  EXPECT_TRUE(HasWarning(*c, ":5: [nsxv] retries is set again (first at line 4)"));
  EXPECT_TRUE(HasWarning(*c, "edge_appliance_user and edge_appliance_password are used only"));
}

TEST(ConfigTest, InsecureWithCaFileSaysTheFileIsNotUsed) {
  TempDir dir;
  const std::string ca = Write(dir, "ca.pem", "x");
  auto c = LoadText(dir, "[nsxv]\ninsecure = true\nca_file = " + ca + "\n");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(HasWarning(*c,
                         ":2: [nsxv] insecure = true: TLS certificate verification is OFF "
                         "(ca_file is not used)"));
  EXPECT_TRUE(ToTransportOptions(*c).insecure);
  EXPECT_EQ(ToTransportOptions(*c).ca_file, "");
}

TEST(ConfigTest, SecretsNeverAppearInMessagesOrDescribe) {
  TempDir dir;
  auto c = LoadText(dir,
                    "[nsxv]\npassword = pw-SECRET-1\nmetadata_shared_secret = md-SECRET-2\n"
                    "edge_appliance_user = u\nedge_appliance_password = ea-SECRET-3\n"
                    "password = pw-SECRET-1\n");
  ASSERT_TRUE(c.ok());
  std::string all;
  for (const auto& w : c->warnings) all += w + "\n";
  for (const auto& [key, value] : Describe(*c)) all += key + "=" + value + "\n";
  EXPECT_EQ(all.find("SECRET"), std::string::npos) << all;
  EXPECT_NE(all.find("nsxv.password=<set>"), std::string::npos);
  EXPECT_NE(all.find("nsxv.metadata_shared_secret=<set>"), std::string::npos);
  // The value of a secret is not echoed by --set either.
  EXPECT_EQ(LoadConfig({{}, {"nsxv.password=pw-SECRET-1", "nsxv.retries=x"}}).error().message(),
            "--set nsxv.retries=x: not an integer");
  EXPECT_EQ(CheckValue(*FindOption("nsxv", "password"), "x", "w").ok(), true);
}

TEST(ConfigTest, DescribeListsEveryKnownOption) {
  auto c = LoadConfig({});
  ASSERT_TRUE(c.ok());
  const auto described = Describe(*c);
  ASSERT_EQ(described.size(), KnownOptions().size());
  const std::map<std::string, std::string> values(described.begin(), described.end());
  EXPECT_EQ(values.at("nsxv.retries"), "20");
  EXPECT_EQ(values.at("nsxv.insecure"), "false");
  EXPECT_EQ(values.at("nsxv.backup_edge_pool"), "service:compact:4:10,vdr:compact:4:10");
  // Every §5 option of the brief is known.
  for (const char* name : {"manager_uri",
                           "user",
                           "password",
                           "ca_file",
                           "insecure",
                           "retries",
                           "datacenter_moid",
                           "deployment_container_id",
                           "resource_pool_id",
                           "datastore_id",
                           "ha_datastore_id",
                           "edge_ha",
                           "external_network",
                           "vdn_scope_id",
                           "exclusive_router_appliance_size",
                           "edge_appliance_user",
                           "edge_appliance_password",
                           "spoofguard_enabled",
                           "maximum_tunnels_per_vnic",
                           "mgt_net_moid",
                           "mgt_net_proxy_ips",
                           "mgt_net_proxy_netmask",
                           "mgt_net_default_gateway",
                           "nova_metadata_ips",
                           "nova_metadata_port",
                           "metadata_shared_secret",
                           "metadata_insecure",
                           "metadata_nova_client_cert",
                           "metadata_nova_client_priv_key",
                           "metadata_initializer",
                           "metadata_service_allowed_ports",
                           "nsx_transaction_timeout",
                           "max_init_threads"}) {
    EXPECT_NE(FindOption("nsxv", name), nullptr) << name;
  }
  EXPECT_NE(FindOption("database", "path"), nullptr);
}

TEST(ConfigTest, EditDistanceAndClosestOption) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("retries", "retires"), 2u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(ClosestOption("nsxv", "nova_metadata_ip"), "nova_metadata_ips");
  EXPECT_EQ(ClosestOption("nsxv", "MANAGER_URI"), "manager_uri");
  EXPECT_EQ(ClosestOption("nsxv", "zzz"), std::nullopt);
  EXPECT_EQ(ClosestOption("database", "pth"), "path");
}

TEST(ConfigTest, SplitListFollowsOslo) {
  EXPECT_TRUE(SplitList("").empty());
  EXPECT_TRUE(SplitList("  ").empty());
  EXPECT_EQ(SplitList(" a, b ,c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(SplitList("a,\nb"), (std::vector<std::string>{"a", "b"}));
}

TEST(MappingTest, OneConfigFeedsEveryLayer) {
  TempDir dir;
  const std::string ca = Write(dir, "ca.pem", "x");
  auto c = LoadText(dir,
                    "[nsxv]\nmanager_uri = https://nsx:443/\nuser = u\npassword = p\n"
                    "ca_file = " +
                        ca +
                        "\nretries = 4\nnsx_transaction_timeout = 30\n"
                        "vdn_scope_id = vdnscope-1\nexternal_network = pg-ext\nedge_ha = true\n"
                        "datastore_id = ds-1\nexclusive_router_appliance_size = large\n"
                        "maximum_tunnels_per_vnic = 15\nmgt_net_moid = pg-m\n"
                        "mgt_net_proxy_ips = 10.0.0.2\nmgt_net_proxy_netmask = 255.255.255.0\n"
                        "nova_metadata_ips = 10.1.0.2\nmetadata_shared_secret = s\n"
                        "metadata_service_allowed_ports = 81\nmax_init_threads = 2\n");
  ASSERT_TRUE(c.ok()) << c.error().message();
  const BeastTransportOptions t = ToTransportOptions(*c);
  EXPECT_EQ(t.url, "https://nsx:443/");
  EXPECT_EQ(t.ca_file, ca);
  EXPECT_FALSE(t.insecure);
  EXPECT_EQ(t.default_timeout, std::chrono::seconds(30));
  const driver::ApiClientOptions a = ToApiClientOptions(*c);
  EXPECT_EQ(a.manager_uri, "https://nsx:443/");
  EXPECT_EQ(a.user, "u");
  EXPECT_EQ(a.password, "p");
  EXPECT_EQ(a.retries, 4);
  EXPECT_EQ(a.timeout, std::chrono::seconds(30));
  EXPECT_EQ(a.secrets, (std::vector<std::string>{"p", "s"}));
  const plugin::PluginConfig p = ToPluginConfig(*c);
  EXPECT_EQ(p.vdn_scope_id, "vdnscope-1");
  EXPECT_EQ(p.external_network, "pg-ext");
  EXPECT_TRUE(p.edge_ha);
  EXPECT_EQ(p.datastore_id, "ds-1");
  EXPECT_EQ(p.exclusive_router_appliance_size, "large");
  EXPECT_EQ(p.maximum_tunnels_per_vnic, 15);
  const md_proxy::MdProxyConfig m = ToMdProxyConfig(*c);
  EXPECT_EQ(m.mgt_net_moid, "pg-m");
  EXPECT_EQ(m.mgt_net_proxy_ips, (std::vector<std::string>{"10.0.0.2"}));
  EXPECT_EQ(m.mgt_net_proxy_netmask, "255.255.255.0");
  EXPECT_EQ(m.mgt_net_default_gateway, "");
  EXPECT_EQ(m.nova_metadata_ips, (std::vector<std::string>{"10.1.0.2"}));
  EXPECT_EQ(m.metadata_shared_secret, "s");
  EXPECT_EQ(m.metadata_service_allowed_ports, (std::vector<std::string>{"81"}));
  EXPECT_EQ(m.max_init_threads, 2);
  EXPECT_TRUE(m.Enabled());
  EXPECT_TRUE(m.Validate().ok()) << m.Validate().message();
}

}  // namespace
}  // namespace nsxv::config
