// The NSX-v API specification's element rules, as data: one table per request document of the
// md flow (edge create/update with vnics and appliances, vnic update, static routing, load
// balancer, firewall), each row an element path with its type, whether the fake requires it, the
// values the spec allows (with the spellings the spec uses) and the spec line it comes from
// (nsxraml 6.4 line numbers, from shared/reference/nsxv-raml-facts.md §3). CheckDocument applies
// a table to a JSON body; the rules that relate several elements (references, "one of",
// "at least one of") stay in model_validation.cc, each with its citation.
//
// Paths: dotted member names; "[]" means every item of that array ("pool[].member[].port").
// A row applies only where its parent exists: "pool[].name" is required in every pool item, and
// says nothing when the body has no pool. Rows must list a parent before its children.
//
// Threading: the tables are immutable after first use; everything here is thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "driver/common/status.h"

namespace nsxv::fake::spec {

enum class Kind {
  kString,
  kBool,
  kInt,
  kObject,
  kArray,
  kIntOrString,
  kStringList,
  kIntOrStringList
};

// Required: the fake rejects the body without it (400, errorCode 10002, message names the path).
// Optional: accepted when absent; checked for type and values when present.
enum class Need { kRequired, kOptional };

struct Element {
  std::string path;
  Kind kind;
  Need need;
  std::vector<std::string_view> values;  // allowed values (exact spelling); empty: any
  // "R 19296" / "O 19294" / "- 17788" (spec silent): the spec's marking and line. A row whose
  // need differs from the spec's marking says why, with [UNVERIFIED] where no source confirms.
  std::string_view spec;
};

struct DocumentSpec {
  std::string_view name;  // "loadBalancer": the prefix of error paths
  std::vector<Element> elements;
};

const DocumentSpec& EdgeDocumentSpec();   // POST /4.0/edges, PUT /4.0/edges/{id}
const DocumentSpec& VnicDocumentSpec();   // PUT /4.0/edges/{id}/vnics/{index}
const DocumentSpec& StaticRoutingSpec();  // PUT .../routing/config/static
const DocumentSpec& LoadBalancerSpec();   // PUT .../loadbalancer/config
const DocumentSpec& FirewallSpec();       // PUT .../firewall/config
const std::vector<const DocumentSpec*>& AllDocumentSpecs();

// Applies every row of `spec` to `body` (an object). Errors: 400 with errorCode 10002 for a
// missing required element, 10001 for a wrong type, 10004 for a value the spec does not allow;
// the message names the element's path with array indexes ("loadBalancer.pool[0].name").
// `prefix` replaces spec.name in messages when not empty (a vnic inside an edge document).
Status CheckDocument(const DocumentSpec& spec, const nlohmann::json& body,
                     std::string_view prefix = {});

// The vnic rows re-rooted under "vnics.vnics[]" (used by the edge table).
std::vector<Element> VnicElementsUnder(std::string_view parent);

}  // namespace nsxv::fake::spec
