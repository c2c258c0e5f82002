// The conformance table (fake_nsxv/conformance.json) against the fake: every served route is in
// the table; each route answers its listed status to its minimal valid request; and that request
// minus each Required element of its document (fake_nsxv/spec_rules.cc, plus the rules kept in
// code) is refused with 400 naming the element. Every Required element of every document is
// exercised by some route.
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "driver/common/clock.h"
#include "fake_nsxv/model.h"
#include "fake_nsxv/router.h"
#include "fake_nsxv/spec_rules.h"

namespace nsxv::fake {
namespace {

using nlohmann::json;

json LoadTable() {
  std::ifstream in(std::string(NSXV_SOURCE_DIR) + "/fake_nsxv/conformance.json");
  EXPECT_TRUE(in.good()) << "fake_nsxv/conformance.json not found";
  return in.good() ? json::parse(in) : json::object();
}

std::string Replace(std::string text, const std::map<std::string, std::string>& vars) {
  for (const auto& [key, value] : vars) {
    for (size_t pos = text.find(key); pos != std::string::npos; pos = text.find(key, pos)) {
      text.replace(pos, key.size(), value);
      pos += value.size();
    }
  }
  return text;
}

// A fresh fake with edge-1, a second edge deployed with ?async=true (its job), a CSR on edge-1,
// a certificate self-signed from another CSR, a virtual wire and a spoofguard policy.
class Fake {
 public:
  Fake() {
    const std::string edge = Send("POST", "/api/4.0/edges", DeployBody("setup-1")).Location();
    vars_["{edgeId}"] = edge.substr(edge.rfind('/') + 1);
    const std::string job =
        Send("POST", "/api/4.0/edges?async=true", DeployBody("setup-2")).Location();
    vars_["{jobId}"] = job.substr(job.rfind('/') + 1);
    const std::string csr_xml = "<csr><algorithm>RSA</algorithm><keySize>2048</keySize></csr>";
    const std::string csr = Send("POST", "/api/2.0/services/truststore/csr/" + vars_["{edgeId}"],
                                 csr_xml, "application/xml")
                                .Location();
    vars_["{csrId}"] = csr.substr(csr.rfind('/') + 1);
    const std::string signing =
        Send("POST", "/api/2.0/services/truststore/csr/" + vars_["{edgeId}"], csr_xml,
             "application/xml")
            .Location();
    const Reply signed_cert = Send("PUT", signing + "?noOfDays=3650", "", "application/json");
    vars_["{certificateId}"] = json::parse(signed_cert.body).value("objectId", "");
    vars_["{virtualWireId}"] =
        Send("POST", "/api/2.0/vdn/scopes/vdnscope-1/virtualwires",
             "<virtualWireCreateSpec><tenantId>t</tenantId></virtualWireCreateSpec>",
             "application/xml")
            .body;
    vars_["{policyId}"] =
        Send("POST", "/api/4.0/services/spoofguard/policies/",
             "<spoofguardPolicy><name>p</name></spoofguardPolicy>", "application/xml")
            .body;
  }

  struct Reply {
    int status = 0;
    std::string body;
    std::string location;
    std::string Location() const { return location; }
  };

  Reply Send(const std::string& method, const std::string& target, const std::string& body,
             const std::string& content_type = "application/json") {
    HttpRequest request;
    request.method = method;
    request.target = Replace(target, vars_);
    request.body = Replace(body, vars_);
    request.headers.Set("Accept", "application/json");
    if (!body.empty()) request.headers.Set("Content-Type", content_type);
    const Routed r = router_.Handle(request);
    return {r.response.status, r.response.body,
            std::string(r.response.headers.Get("Location").value_or(""))};
  }

  bool ready() const {
    for (const auto& [key, value] : vars_) {
      if (value.empty()) return false;
    }
    return vars_.size() == 6;
  }

 private:
  static std::string DeployBody(const std::string& name) {
    return json{{"name", name},
                {"appliances", {{"applianceSize", "compact"}}},
                {"vnics",
                 {{"vnics", json::array({{{"index", 0},
                                          {"type", "uplink"},
                                          {"portgroupId", "dvportgroup-20"},
                                          {"isConnected", true}}})}}}}
        .dump();
  }

  SimulatedClock clock_;
  Model model_{clock_, ModelOptions{}};
  Router router_{model_};
  std::map<std::string, std::string> vars_;
};

// Removes `path` ("a.b[].c": from the first item of each array) from `body`; false when the
// path does not resolve in this body.
bool Remove(json& body, const std::string& path) {
  json* node = &body;
  std::stringstream parts(path);
  std::string part;
  std::vector<std::string> segments;
  while (std::getline(parts, part, '.')) segments.push_back(part);
  for (size_t i = 0; i < segments.size(); ++i) {
    std::string name = segments[i];
    const bool each = name.size() > 2 && name.substr(name.size() - 2) == "[]";
    if (each) name.resize(name.size() - 2);
    if (!node->is_object() || !node->contains(name)) return false;
    if (i + 1 == segments.size() && !each) {
      node->erase(name);
      return true;
    }
    node = &(*node)[name];
    if (each) {
      if (!node->is_array() || node->empty()) return false;
      node = &(*node)[0];
    }
  }
  return false;
}

std::string Indexed(const std::string& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path.compare(i, 2, "[]") == 0) {
      out += "[0]";
      ++i;
    } else {
      out += path[i];
    }
  }
  return out;
}

const spec::DocumentSpec* FindSpec(const std::string& name) {
  for (const spec::DocumentSpec* s : spec::AllDocumentSpecs()) {
    if (s->name == name) return s;
  }
  return nullptr;
}

TEST(Conformance, EveryServedRouteIsInTheTableOnce) {
  const json table = LoadTable();
  std::set<std::string> listed;
  for (const json& row : table["routes"]) {
    EXPECT_TRUE(listed.insert(row["route"].get<std::string>()).second) << row["route"];
    EXPECT_FALSE(row.value("spec", "").empty()) << row["route"] << ": no spec reference";
  }
  std::set<std::string> served;
  for (const std::string& route : Router::ServedRoutes()) {
    served.insert(route);
    EXPECT_EQ(listed.count(route), 1u) << route << " is served but missing from the table";
  }
  for (const std::string& route : listed) {
    EXPECT_EQ(served.count(route), 1u) << route << " is in the table but not served";
  }
}

TEST(Conformance, EachRouteAnswersItsStatusAndRefusesEachMissingRequiredElement) {
  const json table = LoadTable();
  std::map<std::string, std::set<std::string>> exercised;  // document -> required paths
  for (const json& row : table["routes"]) {
    const std::string route = row["route"];
    const std::string method = route.substr(0, route.find(' '));
    const std::string content_type = row.value("content_type", "application/json");
    const bool xml = content_type == "application/xml";
    const json body = row.value("body", json());
    const std::string text = body.is_null()     ? ""
                             : body.is_string() ? body.get<std::string>()
                                                : body.dump();
    {
      Fake fake;
      ASSERT_TRUE(fake.ready());
      const Fake::Reply r = fake.Send(method, row["target"], text, content_type);
      EXPECT_EQ(r.status, row["status"].get<int>()) << route << ": " << r.body;
    }
    if (xml) {
      for (const json& tag : row.value("xml_required", json::array())) {
        const std::string t = tag.get<std::string>();
        std::string without = text;
        const size_t open = without.find("<" + t + ">");
        const size_t close = without.find("</" + t + ">");
        ASSERT_NE(open, std::string::npos) << route << ": body lacks <" << t << ">";
        without.erase(open, close + t.size() + 3 - open);
        Fake fake;
        const Fake::Reply r = fake.Send(method, row["target"], without, content_type);
        EXPECT_EQ(r.status, 400) << route << " without " << t << ": " << r.body;
        EXPECT_NE(r.body.find(t), std::string::npos) << route << " without " << t << ": " << r.body;
      }
      continue;
    }
    if (!row.contains("document")) continue;
    const std::string document = row["document"];
    const spec::DocumentSpec* spec = FindSpec(document);
    ASSERT_NE(spec, nullptr) << route << ": unknown document " << document;
    std::vector<std::string> required;
    for (const spec::Element& e : spec->elements) {
      if (e.need == spec::Need::kRequired) required.push_back(e.path);
    }
    for (const json& extra : row.value("code_required", json::array())) {
      required.push_back(extra.get<std::string>());
    }
    for (const std::string& path : required) {
      json without = body;
      if (!Remove(without, path)) continue;  // this body has no parent for it
      exercised[document].insert(path);
      Fake fake;
      const Fake::Reply r = fake.Send(method, row["target"], without.dump(), content_type);
      EXPECT_EQ(r.status, 400) << route << " without " << path << ": " << r.body;
      const std::string named = document + "." + Indexed(path);
      EXPECT_NE(r.body.find(named), std::string::npos)
          << route << " without " << path << ": the error does not name " << named << ": "
          << r.body;
    }
  }
  for (const spec::DocumentSpec* spec : spec::AllDocumentSpecs()) {
    for (const spec::Element& e : spec->elements) {
      if (e.need != spec::Need::kRequired) continue;
      EXPECT_EQ(exercised[std::string(spec->name)].count(e.path), 1u)
          << spec->name << "." << e.path << " (" << e.spec
          << ") is Required but no route's body in the conformance table exercises it";
    }
  }
}

}  // namespace
}  // namespace nsxv::fake
