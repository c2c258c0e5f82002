// The edge-setup benchmark library: the bound and efficiency math, one small run per backend
// (structure of the result, not timing), the sweep's skip rules and the three report formats.
#include "bench/edge_setup.h"

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bench/plot.h"
#include "driver/nsxv/json_codec.h"
#include "tests/driver/store/temp_dir.h"

namespace nsxv::bench {
namespace {

using nlohmann::json;

TEST(EdgeSetupMathTest, CriticalPathBound) {
  // ceil(N/K) rounds of C calls of L seconds each.
  EXPECT_DOUBLE_EQ(CriticalPathBound(10, 1, 4, 0.001), 10 * 4 * 0.001);
  EXPECT_DOUBLE_EQ(CriticalPathBound(10, 4, 4, 0.001), 3 * 4 * 0.001);  // ceil(10/4) = 3
  EXPECT_DOUBLE_EQ(CriticalPathBound(16, 16, 5.5, 0.005), 1 * 5.5 * 0.005);
  EXPECT_DOUBLE_EQ(CriticalPathBound(1000, 64, 6, 0.005), 16 * 6 * 0.005);
  EXPECT_DOUBLE_EQ(CriticalPathBound(3, 64, 6, 0.005), 1 * 6 * 0.005);  // more workers than edges
  EXPECT_EQ(CriticalPathBound(10, 4, 4, 0), 0);
  EXPECT_EQ(CriticalPathBound(0, 4, 4, 0.001), 0);
  EXPECT_EQ(CriticalPathBound(10, 0, 4, 0.001), 0);
  EXPECT_EQ(CriticalPathBound(10, 4, 0, 0.001), 0);
}

TEST(EdgeSetupMathTest, Efficiency) {
  EXPECT_DOUBLE_EQ(Efficiency(0.9, 1.0), 0.9);
  EXPECT_DOUBLE_EQ(Efficiency(2.0, 4.0), 0.5);
  EXPECT_EQ(Efficiency(0, 1.0), 0);
  EXPECT_EQ(Efficiency(1.0, 0), 0);
}

TEST(EdgeSetupMathTest, Backends) {
  EXPECT_EQ(*ParseBackend("inprocess"), Backend::kInProcess);
  EXPECT_EQ(*ParseBackend("https"), Backend::kHttps);
  EXPECT_EQ(ParseBackend("http").status().code(), StatusCode::kInvalidArgument);
  EXPECT_STREQ(BackendName(Backend::kHttps), "https");
}

TEST(EdgeSetupRunTest, RejectsBadOptions) {
  EdgeSetupOptions o;
  o.edges = 0;
  EXPECT_EQ(RunEdgeSetup(o).status().code(), StatusCode::kInvalidArgument);
  o.edges = 1;
  o.workers = 0;
  EXPECT_EQ(RunEdgeSetup(o).status().code(), StatusCode::kInvalidArgument);
  o.workers = 1;
  o.latency_ms = -1;
  EXPECT_EQ(RunEdgeSetup(o).status().code(), StatusCode::kInvalidArgument);
}

void ExpectConsistent(const EdgeSetupResult& r) {
  const EdgeSetupOptions& o = r.options;
  EXPECT_EQ(r.edges_ok, o.edges) << r.first_error;
  EXPECT_EQ(r.edges_failed, 0);
  EXPECT_TRUE(r.first_error.empty()) << r.first_error;
  EXPECT_GT(r.init_calls, 0U);
  EXPECT_GT(r.calls, 0U);
  EXPECT_DOUBLE_EQ(r.calls_per_edge, static_cast<double>(r.calls) / o.edges);
  EXPECT_DOUBLE_EQ(r.bound_s,
                   CriticalPathBound(o.edges, o.workers, r.calls_per_edge, o.latency_ms / 1000.0));
  EXPECT_DOUBLE_EQ(r.efficiency, Efficiency(r.bound_s, r.wall_s));
  EXPECT_GT(r.wall_s, 0);
  EXPECT_GE(r.cpu_s, 0);
  EXPECT_DOUBLE_EQ(r.cpu_per_edge_us, r.cpu_s * 1e6 / o.edges);
  EXPECT_GT(r.peak_rss_kb, 0);
}

TEST(EdgeSetupRunTest, InProcessSmallRun) {
  EdgeSetupOptions o;
  o.edges = 3;
  o.workers = 2;
  o.proxy_ips = 2;
  auto r = RunEdgeSetup(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ExpectConsistent(*r);
  EXPECT_EQ(r->bound_s, 0);  // L = 0
  EXPECT_EQ(r->efficiency, 0);
}

TEST(EdgeSetupRunTest, HttpsWithLatencyAndOwnWorkDir) {
  testing_util::TempDir dir;
  EdgeSetupOptions o;
  o.backend = Backend::kHttps;
  o.edges = 2;
  o.workers = 2;
  o.latency_ms = 1;
  o.proxy_ips = 1;
  o.work_dir = dir.path();
  auto r = RunEdgeSetup(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ExpectConsistent(*r);
  // One round of C calls of 1 ms each; every call really waits L, so wall >= bound.
  EXPECT_DOUBLE_EQ(r->bound_s, r->calls_per_edge * 0.001);
  EXPECT_GT(r->efficiency, 0);
  EXPECT_LE(r->efficiency, 1.0);
}

SweepOptions TinySweep() {
  SweepOptions s;
  s.backends = {Backend::kInProcess};
  s.edges = {2};
  s.workers = {1, 2};
  s.latencies_ms = {0, 1000};  // the 1 s point's estimate exceeds the point budget
  s.proxy_ips = 1;
  s.point_budget_s = 1;
  return s;
}

TEST(EdgeSetupSweepTest, SkipsPointsOverBudgetAndReports) {
  std::ostringstream progress;
  const SweepReport report = RunSweep(TinySweep(), &progress);
  ASSERT_TRUE(report.failed.empty()) << report.failed.front().error;
  ASSERT_EQ(report.results.size(), 2U);
  ASSERT_EQ(report.skipped.size(), 2U);
  for (const SkippedPoint& s : report.skipped) {
    EXPECT_EQ(s.point.latency_ms, 1000);
    EXPECT_NE(s.reason.find("point budget"), std::string::npos) << s.reason;
  }
  EXPECT_EQ(report.results[0].options.workers, 1);
  EXPECT_EQ(report.results[1].options.workers, 2);
  EXPECT_NE(progress.str().find("skip inprocess N=2 K=1 L=1000ms"), std::string::npos)
      << progress.str();
  EXPECT_GT(report.machine.cores, 0);

  const json doc = ReportToJson(report);
  EXPECT_EQ(doc["benchmark"], "edge_setup");
  EXPECT_EQ(doc["machine"]["cores"], report.machine.cores);
  ASSERT_EQ(doc["points"].size(), 2U);
  for (const char* key :
       {"backend", "edges", "workers", "latency_ms", "wall_s", "bound_s", "efficiency",
        "calls_per_edge", "cpu_per_edge_us", "peak_rss_kb", "init_wall_s", "edges_failed"}) {
    EXPECT_TRUE(doc["points"][0].contains(key)) << key;
  }
  EXPECT_EQ(doc["points"][0]["backend"], "inprocess");
  EXPECT_EQ(doc["skipped"].size(), 2U);
  EXPECT_EQ(doc["skipped"][0]["latency_ms"], 1000.0);

  const std::string md = ReportToMarkdown(report);
  EXPECT_NE(md.find("| backend | N | K | L ms | wall s | bound s | efficiency |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| inprocess | 2 | 1 | 0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("Skipped:"), std::string::npos);

  const std::string svg = ReportToSvg(report);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0U);
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("N=2, L=0 ms"), std::string::npos);
  EXPECT_NE(svg.find("<polyline"), std::string::npos);
  EXPECT_NE(svg.find("no data"), std::string::npos);  // the skipped L = 1000 ms panel
}

TEST(EdgeSetupSweepTest, TotalBudgetStopsTheSweep) {
  SweepOptions s = TinySweep();
  s.latencies_ms = {0};
  s.total_budget_s = -1;  // already used up
  const SweepReport report = RunSweep(s, nullptr);
  EXPECT_TRUE(report.results.empty());
  ASSERT_EQ(report.skipped.size(), 2U);
  EXPECT_NE(report.skipped[0].reason.find("sweep budget"), std::string::npos);
}

TEST(PlotTest, TicksAndEscaping) {
  const auto unit = NiceTicks(1.0);
  ASSERT_EQ(unit.size(), 6U);  // 0, 0.2, ..., 1
  EXPECT_DOUBLE_EQ(unit[1], 0.2);
  EXPECT_DOUBLE_EQ(unit.back(), 1.0);
  const auto ticks = NiceTicks(7.3);
  EXPECT_EQ(ticks.front(), 0);
  EXPECT_GE(ticks.back(), 7.3);
  EXPECT_LE(ticks.size(), 8U);
  EXPECT_EQ(NiceTicks(0), (std::vector<double>{0, 1}));
  EXPECT_EQ(driver::XmlEscape("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;");

  PlotFigure fig;
  fig.title = "t <1>";
  PlotPanel p;
  p.title = "p";
  p.log2_x = true;
  p.series.push_back({.label = "s", .points = {{1, 2}, {4, 1}, {0, 5}}});  // x = 0 dropped
  fig.panels.push_back(p);
  const std::string svg = RenderSvg(fig);
  EXPECT_NE(svg.find("t &lt;1&gt;"), std::string::npos);
  EXPECT_NE(svg.find("<polyline"), std::string::npos);
  EXPECT_EQ(svg.find("x=0 "), std::string::npos);
}

TEST(BenchCommandTest, RefusesAnUnusableOutputDirectory) {
  // Only the option handling: an unusable output directory is refused before any run.
  testing_util::TempDir dir;
  const std::string file = dir.File("not-a-dir");
  { std::ofstream(file) << "x"; }
  BenchCommandOptions o;
  o.quick = true;
  o.output_dir = file + "/sub";
  std::ostringstream out;
  const Status s = RunBenchCommand(o, out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("not-a-dir"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace nsxv::bench
