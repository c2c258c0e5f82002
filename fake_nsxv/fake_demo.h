// The scripted self-demo of `fake-nsxv --demo` (see fake_cli.h): serves `manager` over HTTPS on
// 127.0.0.1:0 (whatever --listen says), drives an NSX flow with injected faults through an
// HttpsClient, prints "listening on URL", one row per check and a summary on `out`, and returns
// kFakeExitOk when every check passed, kFakeExitFailed otherwise or when the server or client
// cannot start (one line on `err`, prefixed with `program`).
//
// Preconditions: `manager` has page size 2 (the paging checks expect three edges on two pages)
// and no edges named demo-edge-1..3. Blocks until the flow ends; call from one thread.
#pragma once

#include <ostream>
#include <string>

#include "fake_nsxv/fake_cli.h"
#include "fake_nsxv/fake_manager.h"

namespace nsxv::fake {

int RunDemoFlow(FakeManager& manager, const FakeCliFlags& flags, std::ostream& out,
                std::ostream& err, const std::string& program);

}  // namespace nsxv::fake
