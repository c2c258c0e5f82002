// [database] connection and [DEFAULT] locking_coordinator_url: neutron.conf's URLs, checked when
// loaded, never shown with their password.
#include <string>

#include <gtest/gtest.h>

#include "driver/config/config.h"

namespace nsxv::config {
namespace {

Result<Config> Load(std::vector<std::string> overrides) {
  LoadOptions options;
  options.overrides = std::move(overrides);
  return LoadConfig(options);
}

std::string Described(const Config& c, const std::string& key) {
  for (const auto& [k, v] : Describe(c)) {
    if (k == key) return v;
  }
  return "<missing>";
}

TEST(DatabaseConfigTest, ConnectionSelectsMariadbAndIsShownWithoutPassword) {
  auto c = Load({"database.connection=mysql+pymysql://neutron:pa55word@db1/neutron",
                 "DEFAULT.locking_coordinator_url=mysql://neutron:pa55word@db1/tooz"});
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->database.connection, "mysql+pymysql://neutron:pa55word@db1/neutron");
  EXPECT_EQ(c->locking_coordinator_url, "mysql://neutron:pa55word@db1/tooz");
  EXPECT_EQ(Described(*c, "database.connection"), "mysql://neutron@db1/neutron");
  EXPECT_EQ(Described(*c, "DEFAULT.locking_coordinator_url"), "mysql://neutron@db1/tooz");
  for (const auto& [key, value] : Describe(*c)) {
    EXPECT_EQ(value.find("pa55word"), std::string::npos) << key;
  }
  for (const auto& [key, origin] : c->origins) {
    EXPECT_EQ(origin.find("pa55word"), std::string::npos) << key;
  }
}

TEST(DatabaseConfigTest, BadUrlsAreOneLineErrorsWithoutPassword) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"database.connection=postgresql://u:pa55word@h/d", "only mysql"},
      {"database.connection=mysql+pymysql://u:pa55word@h", "no /DB"},
      {"database.connection=mysql://u:pa55word@h/d?sslmode=x", "'sslmode'"},
      {"DEFAULT.locking_coordinator_url=zookeeper://u:pa55word@h:2181", "only mysql"},
  };
  for (const auto& [set, why] : cases) {
    auto c = Load({set});
    ASSERT_FALSE(c.ok()) << set;
    EXPECT_EQ(c.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(c.error().message().find(why), std::string::npos) << c.error().message();
    EXPECT_EQ(c.error().message().find("pa55word"), std::string::npos) << c.error().message();
    EXPECT_EQ(c.error().message().find('\n'), std::string::npos);
  }
}

TEST(DatabaseConfigTest, PathAndConnectionTogetherIsAnError) {
  auto c = Load({"database.path=/tmp/x.db", "database.connection=mysql://u:p@h/d"});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("not both"), std::string::npos) << c.error().message();
}

TEST(DatabaseConfigTest, DefaultsAreSqliteAndHostLocks) {
  auto c = Load({});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->database.connection.empty());
  EXPECT_FALSE(c->database.path.empty());
  EXPECT_TRUE(c->locking_coordinator_url.empty());
}

}  // namespace
}  // namespace nsxv::config
