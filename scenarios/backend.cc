#include "scenarios/backend.h"

#include "driver/transport/beast_transport.h"
#include "fake_nsxv/in_process_transport.h"

namespace nsxv::scenarios {
namespace {}  // namespace

const char* BackendKindName(BackendKind kind) {
  switch (kind) {
    case BackendKind::kInProcess:
      return "inprocess";
    case BackendKind::kHttps:
      return "https";
    case BackendKind::kReal:
      return "real";
  }
  return "?";
}

Backend::~Backend() {
  transport_.reset();
  if (server_) server_->Stop();
  server_.reset();
  fake_.reset();
}

// A backend with the fake on a fresh simulated clock. time_scale stays 1 for both fake backends:
// on a simulated clock the HTTPS server moves the clock forward instead of waiting, so latencies
// and fault windows mean the same virtual time in process and over HTTPS.
std::unique_ptr<Backend> Backend::WithFake(BackendKind kind, uint64_t seed) {
  std::unique_ptr<Backend> b(new Backend());
  b->kind_ = kind;
  b->simulated_ = std::make_unique<SimulatedClock>();
  b->clock_ = b->simulated_.get();
  fake::FakeOptions options;
  options.seed = seed;
  options.user = "admin";
  options.password = "fake-nsx-password";
  b->fake_ = std::make_unique<fake::FakeManager>(*b->clock_, options);
  b->user_ = options.user;
  b->password_ = options.password;
  return b;
}

Result<std::unique_ptr<Backend>> Backend::InProcess(uint64_t seed) {
  std::unique_ptr<Backend> b = WithFake(BackendKind::kInProcess, seed);
  b->transport_ = std::make_unique<fake::InProcessTransport>(*b->fake_);
  b->url_ = "https://nsxmanager.fake";
  return b;
}

Result<std::unique_ptr<Backend>> Backend::Https(uint64_t seed) {
  std::unique_ptr<Backend> b = WithFake(BackendKind::kHttps, seed);
  fake::ServerOptions server_options;
  server_options.threads = 2;
  NSXV_ASSIGN_OR_RETURN(b->server_, fake::Server::Start(*b->fake_, server_options));
  b->url_ = b->server_->url();
  BeastTransportOptions topt;
  topt.url = b->url_;
  topt.ca_pem = b->server_->ca_pem();
  b->ca_pem_ = topt.ca_pem;
  topt.pool_size = 16;
  NSXV_ASSIGN_OR_RETURN(b->transport_, BeastTransport::Create(topt));
  return b;
}

Result<std::unique_ptr<Backend>> Backend::Real(const RealManager& manager) {
  std::unique_ptr<Backend> b(new Backend());
  b->kind_ = BackendKind::kReal;
  b->clock_ = &RealClock();
  BeastTransportOptions topt;
  topt.url = manager.url;
  topt.ca_file = manager.ca_file;
  topt.insecure = manager.insecure;
  NSXV_ASSIGN_OR_RETURN(b->transport_, BeastTransport::Create(topt));
  b->url_ = manager.url;
  b->user_ = manager.user;
  b->password_ = manager.password;
  return b;
}

Status Backend::Advance(Duration d) {
  if (!simulated_) {
    return Status(StatusCode::kFailedPrecondition,
                  "virtual time needs a fake backend (a real manager runs in real time)");
  }
  simulated_->Advance(d);
  return Status::Ok();
}

}  // namespace nsxv::scenarios
