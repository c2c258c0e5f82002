// Crash sweep (`nsxv-md scenario crash-sweep`): real process death at every request of a flow.
//
// The fake runs in this process over HTTPS (127.0.0.1, port 0). Each flow runs as a child
// process, the real nsxv-md binary, whose manager_uri names it as a node of the fake
// ("https://127.0.0.1:P/__node/flow", fake_manager.h): the fake counts that node's requests and,
// at request N, SIGKILLs the child, either before it applies the request (the manager never sees
// it) or after (the manager applied it, the answer is never read). The kill point is exact and
// the same on every run (one init worker, requests in a fixed order).
//
// Flows: init (fresh), router create, router delete and network create. For each flow a dry run
// without a crash point counts its requests N; then, for every k in 1..N and both phases, the
// sweep restores the state before the flow (fake state and database files), runs the flow child
// with the crash point (k, phase), and recovers with child processes: `init`, `repair --yes`,
// `check`. A point passes when the child was killed, init, repair and check exit 0 (zero
// violations), no two backend edges carry the same router id, and the flow's router (network) is
// either present (and so proven by the check) or absent with no edge (wire) left for it.
//
// Threading: runs on the caller's thread; the fake's server threads call the kill.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "driver/common/status.h"

namespace nsxv::scenarios {

struct CrashSweepOptions {
  std::string binary;              // the nsxv-md executable to run as the node
  std::vector<std::string> flows;  // "init", "router-create", "router-delete", "network-create"
  int max_points = 0;              // per flow and phase; 0: every request index
  bool keep_work_dir = false;
  bool json = false;
  // Set: run the random soak with this seed instead of the sweep.
  std::optional<uint64_t> soak_seed;
  int soak_kills = 50;
};

struct CrashSoakReport {
  int kills = 0;   // SIGKILLs that landed
  int rounds = 0;  // rounds of two concurrent processes
  bool converged = false;
  std::string failure;  // one line when !converged
  double seconds = 0;
};

struct CrashPointResult {
  std::string flow;
  std::string phase;  // "before-apply" / "after-apply"
  int request = 0;
  bool ok = false;
  std::string failure;  // one line when !ok
};

struct CrashSweepReport {
  std::vector<CrashPointResult> points;
  std::vector<std::pair<std::string, int>> flow_requests;  // flow -> N
  double seconds = 0;
  int failed() const;
};

// Every flow name the sweep knows.
std::vector<std::string> CrashSweepFlows();

// Fails (Status) for bad options or when the fake or a setup step cannot run; each crash point's
// outcome is in the report.
Result<CrashSweepReport> RunCrashSweep(const CrashSweepOptions& options);

// Random soak (seeded, bounded): two nsxv-md processes at once run random operations (init,
// router create, router delete, network create on four names); each round one of them is
// SIGKILLed at a random request (1..14, random phase), until `kills` kills landed (at most 20
// rounds per kill). Then one init, repair --yes and check must exit 0, with no two edges for one
// router.
Result<CrashSoakReport> RunCrashSoak(const CrashSweepOptions& options, uint64_t seed, int kills);

// The command: runs the sweep (or the soak), prints one line per failed point and a summary (or a
// JSON document); returns the exit code (0 all points passed, 1 a point failed, 2 bad options).
int RunCrashSweepCommand(const CrashSweepOptions& options, std::ostream& out, std::ostream& err);

}  // namespace nsxv::scenarios
