// The canonical NSX request documents of the tests: fake_nsxv/sample_documents.h, the one
// builder that tests, benchmarks and the fake's demo share, under the tests' namespace.
#pragma once

#include "fake_nsxv/sample_documents.h"

namespace nsxv::testing {

using fake::AuthedJsonRequest;
using fake::DeployEdgeBody;
using fake::ExternalVnicBody;
using fake::ProxyFirewallBody;
using fake::ProxyLbBody;

}  // namespace nsxv::testing
