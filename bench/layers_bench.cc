// The cost of the layers below the metadata-proxy logic: SQLite port creation with IPAM on the
// internal /17 (WAL file, one transaction per port), and the LB document encode/decode of a
// router edge (the §3.3 (c) document with 10 proxy members).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <benchmark/benchmark.h>

#include "driver/nsxv/loadbalancer.h"
#include "driver/store/context.h"
#include "driver/store/ipam.h"
#include "driver/store/neutron_db.h"

namespace nsxv {
namespace {

void BM_SqlitePortCreateWithIpam(benchmark::State& state) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("nsxv-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto ctx = store::Context::Open({.path = (dir / "bench.db").string(), .is_admin = true});
  if (!ctx.ok()) {
    state.SkipWithError(ctx.error().ToString().c_str());
    return;
  }
  store::Context& c = **ctx;
  store::NetworkRow net{.id = "net-md", .name = "inter-edge-net"};
  store::SubnetRow subnet{.id = "subnet-md",
                          .network_id = "net-md",
                          .name = "md",
                          .cidr = "169.254.128.0/17",
                          .allocation_pools = {{"169.254.128.2", "169.254.255.254"}}};
  if (!store::InsertNetwork(c, net).ok() ||
      !store::InsertSubnet(c, subnet, {{0xA9FE8002U, 0xA9FEFFFEU}}).ok()) {
    state.SkipWithError("setup failed");
    return;
  }
  int64_t n = 0;
  for (auto _ : state) {
    const std::string port_id = "port-" + std::to_string(n);
    char mac[18];
    std::snprintf(mac, sizeof mac, "fa:16:3e:%02x:%02x:%02x",
                  static_cast<unsigned>(n >> 16U) & 255U, static_cast<unsigned>(n >> 8U) & 255U,
                  static_cast<unsigned>(n) & 255U);
    ++n;
    const Status s = store::RunInTransaction(c, [&]() -> Status {
      NSXV_RETURN_IF_ERROR(store::InsertPort(c, {.id = port_id,
                                                 .network_id = "net-md",
                                                 .mac_address = mac,
                                                 .device_id = "r",
                                                 .device_owner = "bench"}));
      return store::AllocateIp(c, "subnet-md", port_id, "net-md").status();
    });
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  ctx = Status(StatusCode::kInternal, "closed");  // close before removing the files
  std::filesystem::remove_all(dir);
}
// The /17 holds 32,765 addresses: a fixed count keeps the run inside it.
BENCHMARK(BM_SqlitePortCreateWithIpam)->Iterations(5000);

driver::LoadBalancer RouterEdgeLb() {
  driver::MetadataLbSpec spec{.edge_id = "edge-12",
                              .vip = "169.254.169.254",
                              .vip_port = 80,
                              .member_port = 8775,
                              .proxy_lb = false,
                              .insecure = true,
                              .shared_secret = "s3cr3t"};
  for (int i = 0; i < 10; ++i) spec.member_ips.push_back("169.254.128." + std::to_string(3 + i));
  return driver::MakeMetadataLoadBalancer(spec);
}

void BM_LbSerialize(benchmark::State& state) {
  const driver::LoadBalancer lb = RouterEdgeLb();
  for (auto _ : state) {
    auto body = lb.Serialize();
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(BM_LbSerialize);

void BM_LbParse(benchmark::State& state) {
  const std::string body = *RouterEdgeLb().Serialize();
  for (auto _ : state) {
    auto lb = driver::LoadBalancer::Parse(body);
    benchmark::DoNotOptimize(lb);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_LbParse);

}  // namespace
}  // namespace nsxv
