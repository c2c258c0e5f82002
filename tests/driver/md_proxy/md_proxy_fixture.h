// The fixture of the metadata proxy handler tests: the in-process fake NSX manager, the plugin
// and a DB (testing_util::DriverEnvTest) plus helpers that read the backend and the DB.
// Single-threaded unless a test says otherwise; helper threads use only the thread-safe members.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "driver/md_proxy/md_proxy.h"
#include "driver/store/nsxv_db.h"
#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/fault_plan.h"
#include "tests/test_util/driver_env.h"

namespace nsxv::md_proxy {

class MdProxyTest : public testing_util::DriverEnvTest {
 public:
  std::unique_ptr<MetadataProxyHandler> Handler(const MdProxyConfig& config) {
    return std::make_unique<MetadataProxyHandler>(*vcns_, factory_, *plugin_, locks_, clock_,
                                                  config);
  }
  InitReport MustInit(MetadataProxyHandler& h) {
    auto r = h.Init();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : InitReport{};
  }

  void SetFaults(const std::string& text) {
    auto plan = fake::FaultPlan::FromJsonText(text, 1);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    manager_->SetFaultPlan(*plan);
  }
  void ClearFaults() { SetFaults("[]"); }

  nlohmann::json Dump() { return manager_->model().Dump(); }
  uint64_t JournalMark() { return manager_->journal().total(); }
  // "METHOD path" of the backend calls after `since`.
  std::vector<std::pair<std::string, std::string>> CallsSince(uint64_t since) {
    std::vector<std::pair<std::string, std::string>> out;
    const nlohmann::json j = manager_->journal().ToJson(since, 1000000);
    for (const nlohmann::json& e : j["entries"]) {
      std::string path = e["path"].get<std::string>();
      out.emplace_back(e["method"].get<std::string>(), path.substr(0, path.find('?')));
    }
    return out;
  }

  driver::LoadBalancer Lb(const std::string& edge_id) {
    auto lb = vcns_->GetLoadBalancer(edge_id);
    EXPECT_TRUE(lb.ok()) << lb.status().ToString();
    return lb.ok() ? *lb : driver::LoadBalancer{};
  }
  std::vector<std::string> MdMembers(const std::string& edge_id) {
    driver::LoadBalancer lb = Lb(edge_id);
    std::vector<std::string> ips;
    if (auto* vs = lb.FindVirtualServer(kMetadataVseName)) {
      for (const auto& m : vs->default_pool.members) ips.push_back(m.ip_address);
    }
    return ips;
  }
  std::string EdgeOf(const std::string& router_id) {
    auto b = store::GetRouterBinding(*ctx_, router_id);
    return b.ok() && *b && (*b)->edge_id ? *(*b)->edge_id : "";
  }
  std::string ProxyEdge(const std::string& ext_ip) {
    auto row = store::GetNsxvInternalEdge(*ctx_, ext_ip);
    if (!row.ok() || !*row || !(*row)->router_id) return "";
    return EdgeOf(*(*row)->router_id);
  }
  plugin::Router NewRouter(MetadataProxyHandler& h, const std::string& name) {
    plugin::RouterSpec spec;
    spec.name = name;
    auto r = h.CreateRouterWithMetadata(*ctx_, spec);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : plugin::Router{};
  }
  std::string MakeCert(const std::string& edge_id) {
    auto csr = vcns_->CreateCsr(edge_id);
    EXPECT_TRUE(csr.ok()) << csr.status().ToString();
    auto cert = vcns_->SelfSignCsr(csr.ok() ? *csr : "");
    EXPECT_TRUE(cert.ok()) << cert.status().ToString();
    return cert.ok() ? *cert : "";
  }
  int64_t Count(const std::string& sql) {
    auto db = ctx_->db();
    auto stmt = (*db)->Prepare(sql);
    EXPECT_TRUE(stmt.ok());
    EXPECT_TRUE(stmt->Step().ok());
    return stmt->Int(0);
  }

  // Invariants after any run: every backend edge is bound to a router; every md port belongs to
  // an existing router; at most one certificate per edge; every proxy row has an edge.
  void ExpectInvariants() {
    const nlohmann::json dump = Dump();
    std::set<std::string> bound;
    auto bindings = store::GetRouterBindings(*ctx_);
    ASSERT_TRUE(bindings.ok());
    for (const auto& b : *bindings) {
      if (b.edge_id) bound.insert(*b.edge_id);
    }
    for (const nlohmann::json& e : dump["edges"]) {
      EXPECT_TRUE(bound.count(e["id"].get<std::string>())) << "orphan edge " << e["id"];
    }
    EXPECT_EQ(Count("SELECT COUNT(*) FROM ports WHERE device_id NOT IN (SELECT id FROM routers)"),
              0)
        << "orphan port";
    std::map<std::string, int> certs;
    for (const nlohmann::json& c : dump["certificates"]) ++certs[c["scope"].get<std::string>()];
    for (const auto& [edge, n] : certs) EXPECT_LE(n, 1) << "certificates leaked on " << edge;
    EXPECT_EQ(Count("SELECT COUNT(*) FROM nsxv_internal_edges WHERE router_id NOT IN "
                    "(SELECT router_id FROM nsxv_router_bindings)"),
              0)
        << "proxy row without router";
  }
};

}  // namespace nsxv::md_proxy
