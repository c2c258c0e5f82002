// Read-only collection of the metadata-path oracle's input (md_path.h) from a manager, and the
// one call behind `nsxv-md trace`: the routers and proxy edges come from the driver's DB (router
// bindings, nsxv_internal_edges), the documents from the manager through an ApiClient with GETs
// only (the in-process fake, the fake over HTTPS, or a real manager), and Nova's side from the
// md configuration (Nova's own secret may be given separately).
//
// GETs per edge: .../status?getlatest=false, the edge document (its vnics; .../vnics/{0..9}
// one by one only when the edge document lists none), .../routing/config/static,
// .../firewall/config, .../loadbalancer/config, truststore/certificate/scope/{edge}; plus the
// pages of GET /api/4.0/edges once. A document that cannot be read is recorded in the snapshot's
// "errors" (the evaluator turns it into a failing hop); only a failed edge list fails the call.
//
// Threading: runs on the caller's thread with the caller's Context; the ApiClient is shared as
// its own contract allows.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "driver/common/status.h"
#include "driver/md_proxy/md_proxy.h"
#include "driver/nsxv/api_client.h"
#include "driver/store/context.h"
#include "scenarios/md_path.h"

namespace nsxv::scenarios {

// Fills `out` (an object keyed by edge id, the "edge snapshot" of md_path.h) with the documents
// of `edge_ids`. Fails only when the edge list cannot be read.
Status CollectMdPathSnapshot(const driver::ApiClient& client,
                             const std::vector<std::string>& edge_ids, nlohmann::json* out);

struct MdTraceOptions {
  // Empty: every router with an ACTIVE edge (proxy routers excluded). Otherwise the router whose
  // id, name or edge id equals this (kNotFound when there is none).
  std::string router;
  // Nova's metadata_proxy_shared_secret; unset: the driver's metadata_shared_secret.
  std::optional<std::string> nova_shared_secret;
};

// The routers and proxy edges of the driver's DB, as the evaluator's input (Nova side from `md`).
Result<MdPathInput> MdPathInputFromDb(store::Context& ctx, const md_proxy::MdProxyConfig& md,
                                      const MdTraceOptions& options);

// MdPathInputFromDb + CollectMdPathSnapshot + EvaluateMdPaths. Render the report with
// RenderMdPathText / MdPathReportToJson (md_path.h).
Result<MdPathReport> TraceMetadataPaths(store::Context& ctx, const driver::ApiClient& client,
                                        const md_proxy::MdProxyConfig& md,
                                        const MdTraceOptions& options);

}  // namespace nsxv::scenarios
