// The edge-setup benchmark on a MariaDB store (EdgeSetupOptions::store_url): a fresh database per
// run on the server of the URL, the server's CPU measured, and the store named in the reports.
#include <sstream>

#include <gtest/gtest.h>

#include "bench/edge_setup.h"
#include "tests/test_util/mariadb_server.h"

namespace nsxv::bench {
namespace {

TEST(EdgeSetupStoreTest, MariadbRunMeasuresTheServerAndReportsTheStore) {
  std::string url;
  NSXV_FRESH_MARIADB_OR_SKIP(url);
  EdgeSetupOptions o;
  o.edges = 4;
  o.workers = 2;
  o.proxy_ips = 2;
  o.store_url = url;
  auto r = RunEdgeSetup(o);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->edges_ok, 4) << r->first_error;
  EXPECT_EQ(r->edges_failed, 0);
  // The test server listens on a unix socket only, so its process is found and measured.
  EXPECT_GE(r->server_cpu_s, 0);
  EXPECT_GE(r->server_cpu_per_edge_us, 0);

  SweepReport report;
  report.options.stores = {"", url};
  report.results.push_back(*r);
  const std::string md = ReportToMarkdown(report);
  EXPECT_NE(md.find("| store | backend |"), std::string::npos) << md;
  EXPECT_NE(md.find("| mariadb | inprocess | 4 | 2 |"), std::string::npos) << md;
  EXPECT_EQ(md.find(testing_util::MariadbTestPassword()), std::string::npos);
}

TEST(EdgeSetupStoreTest, BadStoreIsRefusedBeforeAnythingRuns) {
  BenchCommandOptions o;
  o.stores = {"postgresql://u:p@h/db"};
  std::ostringstream out;
  const Status s = RunBenchCommand(o, out);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("expected sqlite or mysql"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace nsxv::bench
