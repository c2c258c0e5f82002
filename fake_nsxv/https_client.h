// HttpsClient: a small blocking HTTP/1.1 probe client for the fake NSX-v manager (tests, the
// benchmark, `fake-nsxv --demo`). It is deliberately independent of the driver's BeastTransport:
// the fake never links driver code.
//
// One instance keeps at most one connection (TLS or plain) and reuses it while the server keeps
// it alive; tls_handshakes() counts handshakes so a test can prove the reuse. Each Send() has a
// deadline covering connect, handshake, write and read (request.timeout, or the client default).
// Send() returns any HTTP status as a response; a non-OK Status only when no complete response
// arrived: kUnavailable (connect refused or unreachable), kTlsError (handshake or verification),
// kDeadlineExceeded, kConnectionReset (closed or reset before a response), kTruncated (closed
// mid-response), kProtocolError (unparseable response). After such a failure the connection is
// dropped and the next Send() opens a new one. Nothing is retried.
//
// Not thread-safe: use one instance per thread. Instances are independent.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "driver/common/clock.h"
#include "driver/common/status.h"
#include "driver/transport/http.h"

namespace nsxv::fake {

struct HttpsClientOptions {
  // "https://127.0.0.1:40123" or "http://127.0.0.1:40123"; the scheme selects TLS. No path.
  std::string url;
  // PEM certificates to trust (the fake's self-signed certificate). Empty: the system store.
  std::string ca_pem;
  // Skip certificate and host name verification (like curl -k).
  bool insecure = false;
  // TLS server name indication; empty: the URL host when it is a name (never for an IP literal).
  std::string sni;
  // Basic credentials added to requests that carry no Authorization header; empty user: none.
  std::string user;
  std::string password;
  // Deadline of one exchange when the request sets none.
  Duration default_timeout = std::chrono::seconds(10);
  // Largest response body accepted (kProtocolError beyond it).
  uint64_t max_body_bytes = 64ull << 20;
};

class HttpsClient {
 public:
  // kInvalidArgument for a bad URL or an unusable CA PEM.
  static Result<std::unique_ptr<HttpsClient>> Create(HttpsClientOptions options);
  ~HttpsClient();  // closes the connection (TLS close_notify, bounded wait)
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  Result<HttpResponse> Send(const HttpRequest& request);

  // Shorthands: JSON Content-Type and Accept when a body is given.
  Result<HttpResponse> Get(std::string target);
  Result<HttpResponse> Delete(std::string target);
  Result<HttpResponse> Put(std::string target, std::string body);
  Result<HttpResponse> Post(std::string target, std::string body);

  // Closes the current connection, if any; the next Send() reconnects.
  void Close();

  bool connected() const;
  // TLS handshakes completed and TCP connections opened since Create().
  int tls_handshakes() const;
  int connects() const;

 private:
  struct Impl;
  explicit HttpsClient(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace nsxv::fake
