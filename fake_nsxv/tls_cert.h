// TLS identity of the fake NSX-v manager: a certificate and its private key, both PEM.
//
// GenerateSelfSignedIdentity() makes a fresh EC P-256 key and a self-signed X.509 v3 certificate
// for CN=localhost (subjectAltName DNS:localhost, IP:127.0.0.1), valid one year, random serial.
// Because it is self-signed, its cert_pem is also the CA a client must trust. LoadTlsIdentity()
// reads an operator-supplied pair instead. Errors are one-line Status messages that name the file.
//
// Free functions, no shared state: safe to call from any thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "driver/common/status.h"

namespace nsxv::fake {

struct TlsIdentity {
  std::string cert_pem;  // "-----BEGIN CERTIFICATE-----..."; trust it as a CA for a self-signed one
  std::string key_pem;   // PKCS#8 "-----BEGIN PRIVATE KEY-----..."
};

// kInternal when OpenSSL fails (it should not).
Result<TlsIdentity> GenerateSelfSignedIdentity();

// Reads both files and checks that they parse as PEM and that the key matches the certificate.
// kInvalidArgument with a message such as "cert.pem: no PEM certificate found".
Result<TlsIdentity> LoadTlsIdentity(const std::string& cert_file, const std::string& key_file);

// Parses both PEM strings and checks that the key matches the certificate.
Status ValidateTlsIdentity(const TlsIdentity& identity);

// What a certificate says, for tests and logs.
struct CertificateInfo {
  std::string subject_cn;
  std::vector<std::string> dns_names;     // subjectAltName DNS entries
  std::vector<std::string> ip_addresses;  // subjectAltName IP entries, dotted or RFC 5952 text
  std::chrono::seconds validity{0};       // notAfter - notBefore
  bool self_signed = false;               // issuer == subject and the signature verifies
  std::string key_type;                   // "EC P-256", "RSA 2048", ...
};

Result<CertificateInfo> InspectCertificate(std::string_view cert_pem);

}  // namespace nsxv::fake
