// The metadata-path oracle's view of one edge: IPv4 and port arithmetic, the edge documents
// parsed with their NSX-v defaults, and the edge's running state (docs/metadata-path.md).
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "scenarios/md_path_internal.h"

namespace nsxv::scenarios::mdpath {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool BoolOr(const json& obj, const char* key, bool fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_boolean()) return fallback;
  return it->get<bool>();
}

std::optional<int64_t> IntOf(const json& value) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (!value.is_string()) return std::nullopt;
  const std::string s = value.get<std::string>();
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string StringOr(const json& obj, const char* key, const std::string& fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

std::optional<uint32_t> ParseIp(const std::string& text) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4) return std::nullopt;
  if (a > 255 || b > 255 || c > 255 || d > 255) return std::nullopt;
  return (a << 24U) | (b << 16U) | (c << 8U) | d;
}

std::string IpText(uint32_t ip) {
  return std::to_string(ip >> 24U) + "." + std::to_string((ip >> 16U) & 255U) + "." +
         std::to_string((ip >> 8U) & 255U) + "." + std::to_string(ip & 255U);
}

uint32_t PrefixMask(int prefix) {
  if (prefix <= 0) return 0;
  if (prefix >= 32) return 0xFFFFFFFFU;
  return ~((1U << static_cast<unsigned>(32 - prefix)) - 1U);
}

bool InNet(uint32_t ip, uint32_t net, int prefix) {
  return (ip & PrefixMask(prefix)) == (net & PrefixMask(prefix));
}

std::optional<std::pair<uint32_t, uint32_t>> ParseAddressSpec(const std::string& text) {
  if (Lower(text) == "any") return std::make_pair(0U, 0xFFFFFFFFU);
  const size_t slash = text.find('/');
  if (slash != std::string::npos) {
    auto ip = ParseIp(text.substr(0, slash));
    auto len = IntOf(json(text.substr(slash + 1)));
    if (!ip || !len || *len > 32) return std::nullopt;
    const uint32_t mask = PrefixMask(static_cast<int>(*len));
    return std::make_pair(*ip & mask, (*ip & mask) | ~mask);
  }
  const size_t dash = text.find('-');
  if (dash != std::string::npos) {
    auto lo = ParseIp(text.substr(0, dash));
    auto hi = ParseIp(text.substr(dash + 1));
    if (!lo || !hi || *lo > *hi) return std::nullopt;
    return std::make_pair(*lo, *hi);
  }
  auto ip = ParseIp(text);
  if (!ip) return std::nullopt;
  return std::make_pair(*ip, *ip);
}

// ---- ports ----

PortSet AllPorts() { return {{1, 65535}}; }

namespace {
PortSet Normalize(PortSet p) {
  std::sort(p.begin(), p.end());
  PortSet out;
  for (const auto& r : p) {
    if (r.first > r.second) continue;
    if (!out.empty() && r.first <= out.back().second + 1) {
      out.back().second = std::max(out.back().second, r.second);
    } else {
      out.push_back(r);
    }
  }
  return out;
}
}  // namespace

PortSet Complement(const PortSet& ports) {
  PortSet out;
  int next = 1;
  for (const auto& r : Normalize(ports)) {
    if (r.first > next) out.emplace_back(next, r.first - 1);
    next = std::max(next, r.second + 1);
  }
  if (next <= 65535) out.emplace_back(next, 65535);
  return out;
}

bool Contains(const PortSet& ports, int port) {
  return std::any_of(ports.begin(), ports.end(),
                     [&](const auto& r) { return r.first <= port && port <= r.second; });
}

PortSet Intersect(const PortSet& a, const PortSet& b) {
  PortSet out;
  for (const auto& x : a) {
    for (const auto& y : b) {
      const int lo = std::max(x.first, y.first);
      const int hi = std::min(x.second, y.second);
      if (lo <= hi) out.emplace_back(lo, hi);
    }
  }
  return Normalize(out);
}

bool Empty(const PortSet& ports) { return Normalize(ports).empty(); }

bool SubsetOf(const PortSet& a, const PortSet& b) { return Empty(Intersect(a, Complement(b))); }

std::string PortSetText(const PortSet& ports) {
  const PortSet n = Normalize(ports);
  if (n == AllPorts()) return "any port";
  std::string out;
  for (const auto& r : n) {
    if (!out.empty()) out += ",";
    out += r.first == r.second ? std::to_string(r.first)
                               : std::to_string(r.first) + "-" + std::to_string(r.second);
  }
  return out.empty() ? "no port" : out;
}

// ---- vnics and edges ----

bool VnicView::Owns(uint32_t ip) const {
  for (const auto& g : groups) {
    if (g.primary == ip) return true;
    if (std::find(g.secondaries.begin(), g.secondaries.end(), ip) != g.secondaries.end()) {
      return true;
    }
  }
  return false;
}

bool VnicView::SubnetHas(uint32_t ip) const {
  return std::any_of(groups.begin(), groups.end(),
                     [&](const AddressGroup& g) { return InNet(ip, g.primary, g.prefix); });
}

std::string EdgeView::Error(const std::string& document) const {
  if (raw == nullptr) return "no documents for edge " + id;
  auto errors = raw->find("errors");
  if (errors != raw->end() && errors->is_object() && errors->contains(document)) {
    const json& e = (*errors)[document];
    return e.is_string() ? e.get<std::string>() : e.dump();
  }
  if (!raw->contains(document)) return document + " was not read";
  return "";
}

bool EdgeView::OwnsAddress(uint32_t ip) const { return ConnectedVnicOwning(ip) != nullptr; }

const VnicView* EdgeView::ConnectedVnicOwning(uint32_t ip) const {
  for (const auto& v : vnics) {
    if (v.connected && v.Owns(ip)) return &v;
  }
  return nullptr;
}

const VnicView* EdgeView::ConnectedVnicOnSubnet(uint32_t ip) const {
  for (const auto& v : vnics) {
    if (v.connected && v.SubnetHas(ip)) return &v;
  }
  return nullptr;
}

namespace {

int MaskPrefix(uint32_t mask) {
  int n = 0;
  while (n < 32 && (mask & (0x80000000U >> static_cast<unsigned>(n))) != 0) ++n;
  return n;
}

std::vector<std::string> StringList(const json& v) {
  std::vector<std::string> out;
  if (v.is_string()) out.push_back(v.get<std::string>());
  if (v.is_array()) {
    for (const auto& e : v) {
      if (e.is_string()) out.push_back(e.get<std::string>());
    }
  }
  return out;
}

// NSX-v JSON wraps lists as {"plural": {"plural": [...]}}; accept the bare list as well.
const json* Wrapped(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end()) return nullptr;
  if (it->is_array()) return &*it;
  if (it->is_object()) {
    auto inner = it->find(key);
    if (inner != it->end() && inner->is_array()) return &*inner;
  }
  return nullptr;
}

VnicView ParseVnic(const json& v, std::vector<std::string>* problems, const std::string& edge) {
  VnicView out;
  if (auto idx = v.is_object() ? IntOf(v.value("index", json())) : std::nullopt) {
    out.index = static_cast<int>(*idx);
  }
  out.type = Lower(StringOr(v, "type", "internal"));
  out.connected = BoolOr(v, "isConnected", false);
  out.portgroup = StringOr(v, "portgroupId");
  const json* groups = Wrapped(v, "addressGroups");
  if (groups == nullptr) return out;
  for (const json& g : *groups) {
    AddressGroup ag;
    auto primary = ParseIp(StringOr(g, "primaryAddress"));
    if (!primary) {
      problems->push_back(edge + " vnic " + std::to_string(out.index) +
                          ": address group without a valid primaryAddress");
      continue;
    }
    ag.primary = *primary;
    // subnetMask wins over subnetPrefixLength when both are given (RAML 15707).
    if (auto mask = ParseIp(StringOr(g, "subnetMask"))) {
      ag.prefix = MaskPrefix(*mask);
    } else if (auto len =
                   g.is_object() ? IntOf(g.value("subnetPrefixLength", json())) : std::nullopt) {
      ag.prefix = static_cast<int>(std::min<int64_t>(*len, 32));
    }
    if (g.contains("secondaryAddresses") && g["secondaryAddresses"].is_object()) {
      for (const auto& s : StringList(g["secondaryAddresses"].value("ipAddress", json()))) {
        if (auto ip = ParseIp(s)) ag.secondaries.push_back(*ip);
      }
    }
    out.groups.push_back(std::move(ag));
  }
  return out;
}

}  // namespace

EdgeView ParseEdge(const json& edges, const std::string& edge_id) {
  EdgeView e;
  e.id = edge_id;
  if (!edges.is_object() || !edges.contains(edge_id) || !edges[edge_id].is_object()) {
    e.problems.push_back("no documents for edge " + edge_id);
    return e;
  }
  e.known = true;
  e.raw = &edges[edge_id];
  const json& raw = *e.raw;
  if (raw.contains("vnics") && raw["vnics"].is_array()) {
    for (const json& v : raw["vnics"]) e.vnics.push_back(ParseVnic(v, &e.problems, edge_id));
  }
  if (raw.contains("routing") && raw["routing"].is_object()) {
    const json& r = raw["routing"];
    if (r.contains("defaultRoute") && r["defaultRoute"].is_object()) {
      e.default_gateway = ParseIp(StringOr(r["defaultRoute"], "gatewayAddress"));
    }
    if (const json* routes = Wrapped(r, "staticRoutes")) {
      for (const json& route : *routes) {
        auto net = ParseAddressSpec(StringOr(route, "network"));
        auto hop = ParseIp(StringOr(route, "nextHop"));
        if (!net || !hop) continue;
        e.static_routes.push_back({{net->first, MaskPrefix(~(net->second - net->first))}, *hop});
      }
    }
  }
  if (raw.contains("certificates")) {
    const json& c = raw["certificates"];
    const json* list = c.is_array() ? &c : Wrapped(c, "certificates");
    if (list != nullptr) {
      for (const json& cert : *list) {
        const std::string id = StringOr(cert, "objectId");
        if (!id.empty()) e.certificates.insert(id);
      }
    }
  }
  if (raw.contains("firewall") && raw["firewall"].is_object()) e.firewall = &raw["firewall"];
  if (raw.contains("loadBalancer") && raw["loadBalancer"].is_object()) {
    e.lb = &raw["loadBalancer"];
  }
  return e;
}

bool EdgeRunning(const EdgeView& edge, std::string* reason) {
  if (!edge.known) {
    *reason = "edge " + edge.id + " is not on the manager (no documents)";
    return false;
  }
  const json& raw = *edge.raw;
  const std::string state = raw.contains("summary") ? StringOr(raw["summary"], "state") : "";
  if (!state.empty() && Lower(state) != "deployed") {
    *reason = "edge state is '" + state + "', not deployed";
    return false;
  }
  if (raw.value("statusErrorCode", 0) == 10013) {
    *reason = "status read answered NSX error 10013 (edge not running)";
    return false;
  }
  if (!raw.contains("status") || !raw["status"].is_object()) {
    *reason = "status not read: " + edge.Error("status");
    return false;
  }
  const json& st = raw["status"];
  const std::string status = StringOr(st, "edgeStatus");
  if (status != "GREEN" && status != "YELLOW") {
    *reason = "edgeStatus is '" + status + "' (GREY: not running or unknown, RED: no appliance)";
    return false;
  }
  if (st.contains("edgeVmStatus") && st["edgeVmStatus"].is_array() && !st["edgeVmStatus"].empty()) {
    bool vm_up = false;
    for (const json& vm : st["edgeVmStatus"]) {
      const std::string s = StringOr(vm, "edgeVMStatus");
      vm_up = vm_up || s == "GREEN" || s == "YELLOW";
    }
    if (!vm_up) {
      *reason = "edgeStatus " + status + " but no appliance VM is GREEN or YELLOW";
      return false;
    }
  }
  *reason = "deployed, edgeStatus " + status;
  return true;
}

}  // namespace nsxv::scenarios::mdpath
