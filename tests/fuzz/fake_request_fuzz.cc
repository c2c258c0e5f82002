// Fuzz target fake_request: the fake manager's request handling in process, no sockets. Each
// input is a sequence of at most 16 requests run through FakeManager::Process (the entry the
// HTTPS server and the in-process transport hand a parsed request to: auth, admin routes, fault
// plan, Router, Model, journal) on a fresh fake with a simulated clock, so an input replays alone.
//
// Input: requests separated by a line "%%". A request is one header line, then its body:
//   #N [option...]               route template N of the served list (modulo its size), with its
//                                method: Router::ServedRoutes() then the admin routes
//   METHOD TARGET [option...]    any method and target; {name} placeholders are filled as below
// Options: edgeId=, index=, jobId=, csrId=, certificateId=, scopeId=, virtualWireId=, policyId=
// fill the placeholder of that name (defaults edge-1, 1, jobdata-1, csr-1, certificate-1,
// vdnscope-1, virtualwire-1, spoofguardpolicy-1); q=QUERY appends "?QUERY"; accept=json|xml|TEXT
// and ctype=json|xml|none|TEXT set Accept and Content-Type (default json); auth=none|bad leaves
// out or spoils the Basic credentials; H:NAME=VALUE adds a header.
//
// Properties beyond "no crash, no exception": every answer has a status in 100..599, and an
// error answer has a body. With NSXV_FUZZ_TRACE set in the environment each request and its
// status are printed to stderr (to see what a corpus file does).
#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "driver/common/clock.h"
#include "driver/transport/http.h"
#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/router.h"
#include "tests/fuzz/fuzz_target.h"

namespace nsxv::fuzz {
namespace {

constexpr size_t kMaxRequests = 16;

const std::vector<std::string>& Templates() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> t = fake::Router::ServedRoutes();
    for (const char* admin :
         {"POST /__fake/reset", "GET /__fake/state", "PUT /__fake/state", "GET /__fake/faults",
          "PUT /__fake/faults", "DELETE /__fake/faults", "GET /__fake/journal",
          "GET /__fake/counters", "POST /__fake/edges/{edgeId}/power", "POST /__fake/clock/advance",
          "GET /__fake/info"}) {
      t.emplace_back(admin);
    }
    return t;
  }();
  return all;
}

struct Placeholder {
  std::string_view name;
  std::string_view fallback;
};
constexpr std::array<Placeholder, 8> kPlaceholders = {{{"edgeId", "edge-1"},
                                                       {"index", "1"},
                                                       {"jobId", "jobdata-1"},
                                                       {"csrId", "csr-1"},
                                                       {"certificateId", "certificate-1"},
                                                       {"scopeId", "vdnscope-1"},
                                                       {"virtualWireId", "virtualwire-1"},
                                                       {"policyId", "spoofguardpolicy-1"}}};

std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> out;
  while (!line.empty()) {
    const size_t start = line.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    line.remove_prefix(start);
    const size_t end = line.find(' ');
    out.push_back(line.substr(0, end));
    line = end == std::string_view::npos ? std::string_view() : line.substr(end);
  }
  return out;
}

std::string Expand(std::string_view target, const std::vector<std::string_view>& options) {
  std::string out;
  while (!target.empty()) {
    const size_t open = target.find('{');
    const size_t close = open == std::string_view::npos ? open : target.find('}', open);
    if (close == std::string_view::npos) {
      out += target;
      break;
    }
    out += target.substr(0, open);
    const std::string_view name = target.substr(open + 1, close - open - 1);
    std::string value = "x";
    for (const Placeholder& p : kPlaceholders) {
      if (p.name == name) value = p.fallback;
    }
    for (std::string_view o : options) {
      if (o.size() > name.size() && o.starts_with(name) && o[name.size()] == '=') {
        value = o.substr(name.size() + 1);
      }
    }
    out += value;
    target.remove_prefix(close + 1);
  }
  return out;
}

std::string MediaType(std::string_view v) {
  if (v == "json") return "application/json";
  if (v == "xml") return "application/xml";
  return std::string(v);
}

// Builds one request from its header line and body; false when the line names no request.
bool BuildRequest(std::string_view line, std::string_view body, HttpRequest* r) {
  std::vector<std::string_view> words = Words(line);
  if (words.empty()) return false;
  std::string method;
  std::string target;
  size_t first_option = 1;
  if (words[0].starts_with('#')) {
    size_t n = 0;
    for (char c : words[0].substr(1)) {
      if (c < '0' || c > '9') break;
      n = (n * 10 + static_cast<size_t>(c - '0')) % 100000;
    }
    const std::string& t = Templates()[n % Templates().size()];
    const size_t space = t.find(' ');
    method = t.substr(0, space);
    target = t.substr(space + 1);
  } else {
    if (words.size() < 2) return false;
    method = std::string(words[0]);
    target = std::string(words[1]);
    first_option = 2;
  }
  const std::vector<std::string_view> options(words.begin() + static_cast<long>(first_option),
                                              words.end());
  r->method = method;
  r->target = Expand(target, options);
  r->body = std::string(body);
  std::string accept = "application/json";
  std::string ctype = "application/json";
  std::string auth = BasicAuthValue("admin", "default");
  for (std::string_view o : options) {
    const size_t eq = o.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = o.substr(0, eq);
    const std::string_view value = o.substr(eq + 1);
    if (key == "q") r->target += "?" + std::string(value);
    if (key == "accept") accept = MediaType(value);
    if (key == "ctype") ctype = value == "none" ? "" : MediaType(value);
    if (key == "auth") auth = value == "none" ? "" : BasicAuthValue("admin", std::string(value));
    if (key.starts_with("H:")) r->headers.Add(std::string(key.substr(2)), std::string(value));
  }
  if (!auth.empty()) r->headers.Set("Authorization", auth);
  r->headers.Set("Accept", accept);
  if (!ctype.empty()) r->headers.Set("Content-Type", ctype);
  return true;
}

}  // namespace
}  // namespace nsxv::fuzz

NSXV_FUZZ_TARGET(fake_request) {
  using nsxv::fuzz::kMaxRequests;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  nsxv::SimulatedClock clock;
  nsxv::fake::FakeManager fake(clock, nsxv::fake::FakeOptions{});
  static const bool trace = std::getenv("NSXV_FUZZ_TRACE") != nullptr;
  for (size_t n = 0; n < kMaxRequests && !input.empty(); ++n) {
    constexpr std::string_view kSeparator = "\n%%\n";
    const size_t end = input.find(kSeparator);
    const std::string_view one = input.substr(0, end);
    input =
        end == std::string_view::npos ? std::string_view() : input.substr(end + kSeparator.size());
    const size_t eol = one.find('\n');
    const std::string_view line = one.substr(0, eol);
    const std::string_view body =
        eol == std::string_view::npos ? std::string_view() : one.substr(eol + 1);
    nsxv::HttpRequest request;
    if (!nsxv::fuzz::BuildRequest(line, body, &request)) continue;
    const nsxv::fake::Exchange ex = fake.Process(request);
    if (trace) {
      std::fprintf(stderr, "%s %s -> %d %.120s\n", request.method.c_str(), request.target.c_str(),
                   ex.response.status, ex.response.body.c_str());
    }
    FUZZ_CHECK(ex.response.status >= 100 && ex.response.status <= 599);
    FUZZ_CHECK(ex.response.status < 400 || !ex.response.body.empty());
  }
  return 0;
}
