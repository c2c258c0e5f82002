// Where a scenario's requests go: the fake NSX-v manager in process (default; virtual time on a
// SimulatedClock, no sockets), the same fake over HTTPS on loopback (real TLS, a generated
// certificate, still virtual time), or a real manager (real time, client-side faults only).
//
// The fake backends expose the FakeManager for server-side faults, initial state and changes
// behind the driver's back; a real backend has none of these (fake() is null) and the runner
// refuses scenarios that need them before anything runs.
//
// Threading: built and destroyed on one thread; transport() and clock() are thread-safe.
#pragma once

#include <memory>
#include <string>

#include "driver/common/clock.h"
#include "driver/common/status.h"
#include "driver/transport/transport.h"
#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/server.h"

namespace nsxv::scenarios {

enum class BackendKind { kInProcess, kHttps, kReal };
const char* BackendKindName(BackendKind kind);

struct RealManager {
  std::string url;
  std::string user;
  std::string password;
  std::string ca_file;
  bool insecure = false;
};

class Backend {
 public:
  static Result<std::unique_ptr<Backend>> InProcess(uint64_t seed);
  static Result<std::unique_ptr<Backend>> Https(uint64_t seed);
  static Result<std::unique_ptr<Backend>> Real(const RealManager& manager);
  ~Backend();
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  BackendKind kind() const { return kind_; }
  Transport& transport() { return *transport_; }
  Clock& clock() { return *clock_; }
  // The fake, or nullptr for a real manager.
  fake::FakeManager* fake() { return fake_.get(); }
  const std::string& url() const { return url_; }
  const std::string& user() const { return user_; }
  const std::string& password() const { return password_; }
  // The PEM of the CA that signed the HTTPS fake's certificate; empty for other backends.
  const std::string& ca_pem() const { return ca_pem_; }
  // Moves virtual time forward (fake backends only).
  Status Advance(Duration d);

 private:
  Backend() = default;
  static std::unique_ptr<Backend> WithFake(BackendKind kind, uint64_t seed);

  BackendKind kind_ = BackendKind::kInProcess;
  std::unique_ptr<SimulatedClock> simulated_;
  Clock* clock_ = nullptr;
  std::unique_ptr<fake::FakeManager> fake_;
  std::unique_ptr<fake::Server> server_;
  std::unique_ptr<Transport> transport_;
  std::string url_;
  std::string user_;
  std::string password_;
  std::string ca_pem_;
};

}  // namespace nsxv::scenarios
