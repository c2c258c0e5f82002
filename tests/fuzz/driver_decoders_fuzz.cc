// Fuzz target driver_decoders: the driver's decoders of manager answers. The first byte selects
// the decoder (its value modulo 32, so '@' is 0, 'A' is 1 ... 'Z' is 26; 27-31 do nothing), the
// rest is the body.
//   @ edge, A edge page, B edge status, C edge jobs, D vnic, E static routes, F firewall,
//   G LB config, H self-signed certificate id, I uploaded certificate id, J certificate ids,
//   K certificate list, L NSX errorCode (JSON or XML), M NSX details, N id from a Location.
//   O-Z: one Vcns call (GetEdge, ListEdges, FindEdgeByName, GetEdgeStatus, WaitForEdgeJobs,
//   GetVnic, GetLoadBalancerStatistics, DeployEdge, CreateCsr, SelfSignCsr, ListCertificates,
//   CreateVirtualWire) through a Transport that answers every request with the rest of the input,
//   after a shape byte: status = {200,201,204,400,404,409,500,503}[shape % 8], a Location header
//   when shape & 8, XML Content-Type when shape & 16 ('@' 200 JSON, 'I' 201 with Location, 'C'
//   400, 'S' 400 XML). This reaches the decoders inside Vcns (LB statistics, error 10013, deploy's
//   Location, edge paging) and the error mapping of ApiClient.
//
// Properties beyond "no crash, no exception": a decoded document encodes to a body that decodes
// to the same document (less the fields its encoder never sends).
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "driver/common/clock.h"
#include "driver/nsxv/api_client.h"
#include "driver/nsxv/documents.h"
#include "driver/nsxv/loadbalancer.h"
#include "driver/nsxv/vcns.h"
#include "tests/fuzz/fuzz_target.h"

namespace nsxv::fuzz {
namespace {

using driver::ApiClient;
using driver::Vcns;

// What an encoder leaves out on purpose: the firewall's server-assigned ruleId and ruleType
// (documents.h: "never sent").
template <typename T>
void ForgetServerFields(T& /*document*/) {}
template <>
void ForgetServerFields(driver::FirewallConfig& config) {
  for (driver::FirewallRule& rule : config.rules) {
    rule.rule_id.reset();
    rule.rule_type.reset();
  }
}

template <typename T, typename Decode, typename Encode>
void RoundTrip(std::string_view body, Decode decode, Encode encode) {
  Result<T> first = decode(body);
  if (!first.ok()) return;
  const std::string again = encode(*first);
  Result<T> second = decode(again);
  FUZZ_CHECK(second.ok());
  ForgetServerFields(*first);
  FUZZ_CHECK(*second == *first);
}

// Answers every request with the same response; counts requests so a loop over pages is bounded
// by the test (a Vcns call that keeps asking is a finding).
class EchoTransport final : public Transport {
 public:
  explicit EchoTransport(HttpResponse response) : response_(std::move(response)) {}
  Result<HttpResponse> Send(const HttpRequest& /*request*/) override {
    FUZZ_CHECK(++sent_ <= 1000);
    return response_;
  }

 private:
  HttpResponse response_;
  int sent_ = 0;
};

constexpr int kStatuses[] = {200, 201, 204, 400, 404, 409, 500, 503};

void RunVcns(int selector, uint8_t shape, std::string_view body) {
  HttpResponse response;
  response.status = kStatuses[shape % std::size(kStatuses)];
  response.body = std::string(body);
  if ((shape & 0x08U) != 0) {
    response.headers.Set("Location", "/api/4.0/edges/" + std::string(body.substr(0, 40)));
  }
  response.headers.Set("Content-Type",
                       (shape & 0x10U) != 0 ? "application/xml" : "application/json");
  EchoTransport transport(std::move(response));
  SimulatedClock clock;
  driver::ApiClientOptions options;
  options.manager_uri = "https://nsxmgr.example.com";
  options.user = "admin";
  options.password = "default";
  options.retries = 2;
  const ApiClient client(transport, clock, options);
  const Vcns vcns(client);
  switch (selector) {
    case 15:
      (void)vcns.GetEdge("edge-1");
      break;
    case 16:
      (void)vcns.ListEdges();
      break;
    case 17:
      (void)vcns.FindEdgeByName("edge-name");
      break;
    case 18:
      (void)vcns.GetEdgeStatus("edge-1");
      break;
    case 19:
      (void)vcns.WaitForEdgeJobs("edge-1");
      break;
    case 20:
      (void)vcns.GetVnic("edge-1", 1);
      break;
    case 21:
      (void)vcns.GetLoadBalancerStatistics("edge-1");
      break;
    case 22:
      (void)vcns.DeployEdge(
          driver::MakeEdgeDocument({.name = "fuzz", .external_portgroup = "dvportgroup-20"}));
      break;
    case 23:
      (void)vcns.CreateCsr("edge-1");
      break;
    case 24:
      (void)vcns.SelfSignCsr("csr-1");
      break;
    case 25:
      (void)vcns.ListCertificates("edge-1");
      break;
    default:
      (void)vcns.CreateVirtualWire("vdnscope-1", {.name = "net"});
      break;
  }
}

}  // namespace
}  // namespace nsxv::fuzz

NSXV_FUZZ_TARGET(driver_decoders) {
  using namespace nsxv::driver;  // NOLINT(google-build-using-namespace): a target's whole body
  // The Vcns calls log every retry; silence costs nothing and keeps runs fast.
  static const bool quiet = [] {
    spdlog::set_level(spdlog::level::off);
    return true;
  }();
  (void)quiet;
  if (size < 1) return 0;
  const int selector = data[0] % 32;
  if (selector > 26) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (selector) {
    case 0:
      RoundTrip<EdgeDocument>(body, DecodeEdge, EncodeEdge);
      break;
    case 1:
      (void)DecodeEdgePage(body);
      break;
    case 2:
      (void)DecodeEdgeStatus(body);
      break;
    case 3:
      (void)DecodeEdgeJobs(body);
      break;
    case 4:
      RoundTrip<Vnic>(body, DecodeVnic, EncodeVnic);
      break;
    case 5:
      RoundTrip<StaticRouting>(body, DecodeStaticRouting, EncodeStaticRouting);
      break;
    case 6:
      RoundTrip<FirewallConfig>(body, DecodeFirewallConfig, EncodeFirewallConfig);
      break;
    case 7: {
      Result<LoadBalancer> lb = LoadBalancer::Parse(body);
      if (!lb.ok()) break;
      Result<std::string> text = lb->Serialize();
      if (!text.ok()) break;  // a parsed document can still break a serializer rule (named)
      Result<LoadBalancer> again = LoadBalancer::Parse(*text);
      FUZZ_CHECK(again.ok());
      FUZZ_CHECK(*again == *lb);
      break;
    }
    case 8:
      (void)DecodeSelfSignedCertificateId(body);
      break;
    case 9:
      (void)DecodeUploadedCertificateId(body);
      break;
    case 10:
      (void)DecodeCertificateIds(body);
      break;
    case 11:
      (void)DecodeCertificates(body);
      break;
    case 12:
      (void)ParseNsxErrorCode(body);
      break;
    case 13:
      (void)ParseNsxErrorDetails(body);
      break;
    case 14:
      (void)IdFromLocation(body);
      break;
    default: {
      if (body.empty()) break;
      const auto shape = static_cast<uint8_t>(body[0]);
      nsxv::fuzz::RunVcns(selector, shape, body.substr(1));
      break;
    }
  }
  return 0;
}
