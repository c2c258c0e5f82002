// The manager-wide calls of the upstream plugin's start-up (nsxv-raml-facts.md §2.1): the
// manager version (vsmconfig), the transport zones (vdn/scopes), the vCenter inventory
// (usermgmt/scopingobjects) and the edge publishing tuning (edgePublish/tuningConfiguration,
// nsxraml 6.4 lines 24248-24328). Model methods declared in model.h, lock order there.
//
// The inventory is fixed (kDatacenters, kNetworks, kVdnScopes below) plus what the driver made:
// every virtual wire, the transport zones they are in and the portgroups of live edges' vnics.
#include <cctype>
#include <charconv>
#include <set>
#include <string>

#include "fake_nsxv/model.h"
#include "fake_nsxv/model_internal.h"
#include "fake_nsxv/nsx_error.h"

namespace nsxv::fake {

using nlohmann::json;

namespace {

// The version GET /api/2.0/services/vsmconfig reports. The call is undocumented; its "6.x.y"
// string form is [INFERRED] from upstream's LooseVersion comparisons (vcns.py:856-861).
constexpr const char* kManagerVersion = "6.4.14";
constexpr const char* kDatacenters[] = {"datacenter-2"};
// The networks of the scenario base settings and the sample documents.
constexpr const char* kNetworks[] = {"dvportgroup-20", "dvportgroup-ext", "dvportgroup-mgmt"};
constexpr const char* kVdnScopes[] = {"vdnscope-1"};

std::string Element(std::string_view tag, std::string_view text) {
  return "<" + std::string(tag) + ">" + XmlEscape(text) + "</" + std::string(tag) + ">";
}

enum class TuningKind { kBool, kCount, kPercent, kMegaHertz };

struct TuningField {
  const char* name;
  TuningKind kind;
  int64_t fallback;  // the documented default (24268-24278)
};

constexpr TuningField kTuningFields[] = {
    {"lockUpdatesOnEdge", TuningKind::kBool, 0},
    {"aggregatePublishing", TuningKind::kBool, 1},
    {"edgeVMHealthCheckIntervalInMin", TuningKind::kCount, 0},
    {"healthCheckCommandTimeoutInMs", TuningKind::kCount, 120000},
    {"maxParallelVixCallsForHealthCheck", TuningKind::kCount, 25},
    {"publishingTimeoutInMs", TuningKind::kCount, 1200000},
    {"edgeVCpuReservationPercentage", TuningKind::kPercent, 100},
    {"edgeMemoryReservationPercentage", TuningKind::kPercent, 100},
    {"megaHertzPerVCpu", TuningKind::kMegaHertz, 1000},
};

const TuningField* FindTuningField(std::string_view name) {
  for (const TuningField& f : kTuningFields) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

// The value of one <field>text</field>, or a 400 naming the field.
Result<json> TuningValue(const TuningField& field, std::string_view text) {
  const std::string where = std::string("tuningConfiguration.") + field.name;
  if (field.kind == TuningKind::kBool) {
    std::string lower(text);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // Upstream writes Python's str(bool): "True"/"False" (vcns.py:880-891).
    if (lower == "true") return json(true);
    if (lower == "false") return json(false);
    return BadRequest(nsx_code::kInvalidValue,
                      where + ": '" + std::string(text) + "' is not true or false");
  }
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0) {
    return BadRequest(nsx_code::kInvalidValue,
                      where + ": '" + std::string(text) + "' is not a non-negative integer");
  }
  if (field.kind == TuningKind::kPercent && value > 100) {
    return BadRequest(nsx_code::kInvalidValue,
                      where + ": " + std::to_string(value) + " is not in 0-100 (24276-24277)");
  }
  if (field.kind == TuningKind::kMegaHertz && value != 1000 && value != 1500 && value != 2000) {
    return BadRequest(nsx_code::kInvalidValue,
                      where + ": " + std::to_string(value) + " is not 1000, 1500 or 2000 (24278)");
  }
  return json(value);
}

}  // namespace

json DefaultTuningConfiguration() {
  json out = json::object();
  for (const TuningField& f : kTuningFields) {
    out[f.name] = f.kind == TuningKind::kBool ? json(f.fallback != 0) : json(f.fallback);
  }
  return out;
}

Status CheckTuningConfiguration(const json& tuning) {
  if (!tuning.is_object()) return InvalidArgument("tuningConfiguration must be an object");
  for (const TuningField& f : kTuningFields) {
    const auto it = tuning.find(f.name);
    if (it == tuning.end()) {
      return InvalidArgument(std::string("tuningConfiguration.") + f.name + " is missing");
    }
    const std::string text = it->is_boolean() ? (it->get<bool>() ? "true" : "false") : it->dump();
    if ((f.kind == TuningKind::kBool) != it->is_boolean()) {
      return InvalidArgument(std::string("tuningConfiguration.") + f.name + " has the wrong type");
    }
    NSXV_ASSIGN_OR_RETURN(const json value, TuningValue(f, text));
    (void)value;
  }
  if (tuning.size() != std::size(kTuningFields)) {
    return InvalidArgument("tuningConfiguration has an unknown field");
  }
  return Status::Ok();
}

Status Model::GetManagerConfig(json* out) {
  *out = {{"version", kManagerVersion}};
  return Status::Ok();
}

Status Model::GetVdnScopes(std::string* xml) {
  std::set<std::string> scopes(std::begin(kVdnScopes), std::end(kVdnScopes));
  {
    ReaderLock reg(&registry_mu_);
    MutexLock global_lock(&global_->mu);
    for (const auto& [num, wire] : global_->data.wires) scopes.insert(wire.scope);
  }
  std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><vdnScopes>";
  for (const std::string& id : scopes) {
    // nsxraml 6.4 lines 953-1091: objectId, objectTypeName VdnScope, name, id, clusters.
    body += "<vdnScope>" + Element("objectId", id) + Element("objectTypeName", "VdnScope") +
            Element("name", id) + Element("id", id) + "<clusters></clusters></vdnScope>";
  }
  *xml = body + "</vdnScopes>";
  return Status::Ok();
}

Status Model::GetScopingObjects(std::string* xml) {
  std::set<std::pair<std::string, std::string>> objects;  // (type, id)
  for (const char* id : kDatacenters) objects.insert({"Datacenter", id});
  for (const char* id : kNetworks) objects.insert({"DistributedVirtualPortgroup", id});
  {
    WriterLock reg(&registry_mu_);  // whole-model view: see the lock order in model.h
    for (const auto& [num, edge] : edges_) {
      EdgeState* e = edge.get();
      MutexLock lock(&e->mu);
      if (e->removed) continue;
      for (const json& v : e->data.vnics) {
        const std::string pg = v.value("portgroupId", "");
        if (pg.rfind("dvportgroup-", 0) == 0) objects.insert({"DistributedVirtualPortgroup", pg});
      }
    }
    MutexLock global_lock(&global_->mu);
    for (const auto& [num, wire] : global_->data.wires) {
      objects.insert({"VirtualWire", MakeId("virtualwire", num)});
    }
  }
  // No response example in the RAML (4563-4567); upstream reads <object> elements with
  // objectTypeName, objectId and name (vcns.py:796-801). The root name is [INFERRED].
  std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><list>";
  for (const auto& [type, id] : objects) {
    body += "<object>" + Element("objectId", id) + Element("objectTypeName", type) +
            Element("name", id) + "</object>";
  }
  *xml = body + "</list>";
  return Status::Ok();
}

Status Model::GetTuningConfiguration(json* out) {
  MutexLock global_lock(&global_->mu);
  *out = global_->data.tuning;
  return Status::Ok();
}

Status Model::UpdateTuningConfiguration(std::string_view xml) {
  if (!XmlRootIs(xml, "tuningConfiguration")) return BadXml("tuningConfiguration");
  // The children of the root, one level: <name>text</name>.
  const size_t open = xml.find("<tuningConfiguration");
  size_t at = xml.find('>', open) + 1;
  const size_t end = xml.rfind("</tuningConfiguration>");
  json changes = json::object();
  for (int guard = 0; guard < 64; ++guard) {
    const size_t lt = xml.find('<', at);
    if (lt == std::string_view::npos || lt >= end) break;
    const size_t gt = xml.find('>', lt);
    if (gt == std::string_view::npos || gt > end) return BadXml("tuningConfiguration");
    const std::string name(xml.substr(lt + 1, gt - lt - 1));
    const std::string close = "</" + name + ">";
    const size_t stop = xml.find(close, gt + 1);
    if (name.empty() || stop == std::string_view::npos || stop > end) {
      return BadXml("tuningConfiguration");
    }
    const TuningField* field = FindTuningField(name);
    if (field == nullptr) {
      return BadRequest(nsx_code::kInvalidValue,
                        "tuningConfiguration." + name + " is not a tuning field (24268-24278)");
    }
    NSXV_ASSIGN_OR_RETURN(json value, TuningValue(*field, xml.substr(gt + 1, stop - gt - 1)));
    changes[name] = std::move(value);
    at = stop + close.size();
  }
  if (const size_t lt = xml.find('<', at); lt != std::string_view::npos && lt < end) {
    return BadRequest(nsx_code::kInvalidValue, "tuningConfiguration has too many elements");
  }
  MutexLock global_lock(&global_->mu);
  // [UNVERIFIED] A field the PUT leaves out keeps its value (the RAML does not say).
  for (auto& [key, value] : changes.items()) global_->data.tuning[key] = value;
  return Status::Ok();
}

}  // namespace nsxv::fake
