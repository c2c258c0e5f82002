// Embeds the fake NSX-v manager in process and drives it with the NSX-v driver: creates a
// virtual wire, lists the (empty) edges and deletes the wire. Prints one line; exit 0 on success.
#include <iostream>

#include "driver/common/clock.h"
#include "driver/nsxv/api_client.h"
#include "driver/nsxv/vcns.h"
#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/in_process_transport.h"

int main() {
  nsxv::SimulatedClock clock;
  nsxv::fake::FakeManager manager(clock, nsxv::fake::FakeOptions{});
  nsxv::fake::InProcessTransport transport(manager);
  nsxv::driver::ApiClientOptions options;
  options.manager_uri = "https://nsxmgr.example.com";
  options.user = "admin";
  options.password = "default";
  nsxv::driver::ApiClient client(transport, clock, options);
  nsxv::driver::Vcns vcns(client);

  nsxv::driver::VirtualWireSpec spec;
  spec.name = "consumer-net";
  auto wire = vcns.CreateVirtualWire("vdnscope-1", spec);
  if (!wire.ok()) {
    std::cerr << "consumer: create virtual wire: " << wire.status().ToString() << "\n";
    return 1;
  }
  auto edges = vcns.ListEdges();
  if (!edges.ok()) {
    std::cerr << "consumer: list edges: " << edges.status().ToString() << "\n";
    return 1;
  }
  nsxv::Status deleted = vcns.DeleteVirtualWire(*wire);
  if (!deleted.ok()) {
    std::cerr << "consumer: delete virtual wire: " << deleted.ToString() << "\n";
    return 1;
  }
  std::cout << "consumer: wire " << *wire << " created and deleted, " << edges->size()
            << " edges\n";
  return 0;
}
