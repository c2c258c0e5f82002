#include "fake_nsxv/journal.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace nsxv::fake {
namespace {

JournalEntry Entry(std::string route, int status, std::string fault = "") {
  JournalEntry e;
  e.method = "GET";
  e.target = "/x";
  e.route = std::move(route);
  e.status = status;
  e.fault = std::move(fault);
  return e;
}

TEST(JournalTest, BoundedKeepsNewestAndCounts) {
  Journal j(3);
  for (int i = 0; i < 5; ++i) j.Record(Entry("GET /a", i < 4 ? 200 : 404, i == 2 ? "reset" : ""));
  const nlohmann::json all = j.ToJson(0, 100);
  ASSERT_EQ(all["entries"].size(), 3U);
  EXPECT_EQ(all["entries"][0]["seq"], 3);
  EXPECT_EQ(all["entries"][2]["seq"], 5);
  EXPECT_EQ(all["dropped"], 2);
  EXPECT_EQ(all["next"], 5);
  const nlohmann::json since = j.ToJson(4, 100);
  ASSERT_EQ(since["entries"].size(), 1U);
  EXPECT_EQ(j.ToJson(0, 1)["entries"].size(), 1U);
  const nlohmann::json c = j.CountersJson();
  EXPECT_EQ(c["total"], 5);
  EXPECT_EQ(c["routes"]["GET /a"]["status"]["200"], 4);
  EXPECT_EQ(c["routes"]["GET /a"]["status"]["404"], 1);
  EXPECT_EQ(c["faults"]["reset"], 1);
  j.Clear();
  EXPECT_TRUE(j.ToJson(0, 100)["entries"].empty());
}

}  // namespace
}  // namespace nsxv::fake
