// The child side of a process node (process_node.h): `nsxv-md --config INI scenario node-worker
// --node NAME --lock-dir DIR`, a hidden subcommand of the same binary.
//
// Builds the Node stack of an in-process node from INI (loaded over ScenarioBaseConfig(), so the
// file holds only the scenario's options, the manager URL naming this node to the fake, its CA
// and the store) and answers one JSON line per request line:
//   in:  {"id": N, "op": {...NodeOpToJson...}}     out: {"id": N, "result": {...}}
//   in:  {"id": N, "announce_init": true}           out: {"id": N, "ok": true}
// First line out: {"ready": true}, or {"ready": false, "error": "..."} and exit 2. Before each
// request the node sends to the manager it writes {"req": [METHOD, PATH]} (PATH without the node
// prefix), so the runner knows what reached the manager even when the process is killed right
// after. Each op runs on a thread of its own; at the end of input the worker waits for them and
// exits 0.
//
// Time: the fake runs on a simulated clock in the runner's process. The worker's clock is a
// simulated clock of its own whose sleeps also move the fake's clock forward
// (POST /__fake/clock/advance), as a node's sleeps do in process.
//
// Threading: blocking; owns its op threads.
#pragma once

#include <iosfwd>
#include <string>

namespace nsxv::scenarios {

struct NodeWorkerOptions {
  std::string config_file;
  std::string node;
  std::string lock_dir;
};

// Exit code: 0 at the end of input, 2 when the node cannot be built.
int RunNodeWorker(const NodeWorkerOptions& options, std::istream& in, std::ostream& out);

}  // namespace nsxv::scenarios
