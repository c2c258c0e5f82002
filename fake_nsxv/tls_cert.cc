#include "fake_nsxv/tls_cert.h"

#include <cerrno>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <system_error>
#include <utility>

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

namespace nsxv::fake {
namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};

using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;

constexpr int kValidityDays = 365;
constexpr int kSerialBits = 159;  // positive and at most 20 octets (RFC 5280 4.1.2.2)

// The most recent OpenSSL error as text, and the queue emptied so it cannot leak into a later
// unrelated failure.
std::string TakeOpenSslError() {
  const unsigned long code = ERR_peek_last_error();  // NOLINT(google-runtime-int): OpenSSL type
  std::string text = "unknown OpenSSL error";
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    text = buf;
  }
  ERR_clear_error();
  return text;
}

Status OpenSslFailure(std::string_view what) {
  return Internal(std::string(what) + ": " + TakeOpenSslError());
}

BioPtr MemoryBio(std::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string DrainBio(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);  // NOLINT(google-runtime-int): OpenSSL type
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

Result<X509Ptr> ParseCertificate(std::string_view pem, std::string_view source) {
  BioPtr bio = MemoryBio(pem);
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) {
    ERR_clear_error();
    return InvalidArgument(std::string(source) + ": no PEM certificate found");
  }
  return cert;
}

Result<PkeyPtr> ParsePrivateKey(std::string_view pem, std::string_view source) {
  BioPtr bio = MemoryBio(pem);
  PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) {
    ERR_clear_error();
    return InvalidArgument(std::string(source) +
                           ": no PEM private key found (encrypted keys are not supported)");
  }
  return key;
}

Status CheckKeyMatches(X509* cert, EVP_PKEY* key, std::string_view key_source) {
  if (X509_check_private_key(cert, key) != 1) {
    ERR_clear_error();
    return InvalidArgument(std::string(key_source) +
                           ": private key does not match the certificate");
  }
  return Status::Ok();
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    return InvalidArgument(
        path + ": cannot read: " + std::error_code(err, std::generic_category()).message());
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return InvalidArgument(path + ": read error");
  return text.str();
}

Status AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpenSslFailure(std::string("add extension ") + OBJ_nid2sn(nid));
  }
  return Status::Ok();
}

std::string KeyDescription(EVP_PKEY* key) {
  const int bits = EVP_PKEY_get_bits(key);
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_EC: {
      char group[64] = {};
      size_t len = 0;
      if (EVP_PKEY_get_group_name(key, group, sizeof(group), &len) == 1) {
        const std::string name(group, len);
        return "EC " + std::string(name == "prime256v1" ? "P-256" : name);
      }
      return "EC " + std::to_string(bits);
    }
    case EVP_PKEY_RSA:
      return "RSA " + std::to_string(bits);
    case EVP_PKEY_ED25519:
      return "Ed25519";
    default:
      return "unknown " + std::to_string(bits);
  }
}

}  // namespace

Result<TlsIdentity> GenerateSelfSignedIdentity() {
  char curve[] = "P-256";  // EVP_PKEY_Q_keygen's vararg wants a mutable char*
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
  if (!key) return OpenSslFailure("generate EC P-256 key");

  X509Ptr cert(X509_new());
  if (!cert) return OpenSslFailure("X509_new");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) return OpenSslFailure("set version");

  BnPtr serial(BN_new());
  if (!serial || BN_rand(serial.get(), kSerialBits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return OpenSslFailure("random serial");
  }

  // Start a minute early so a client whose clock is slightly behind still accepts it.
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), kValidityDays, -60, nullptr) == nullptr) {
    return OpenSslFailure("set validity");
  }

  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto add_entry = [name](const char* field, const char* value) {
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC,
                                      reinterpret_cast<const unsigned char*>(value), -1, -1,
                                      0) == 1;
  };
  if (!add_entry("O", "nsxv-sim fake NSX-v manager") || !add_entry("CN", "localhost")) {
    return OpenSslFailure("set subject");
  }
  if (X509_set_issuer_name(cert.get(), name) != 1) return OpenSslFailure("set issuer");
  if (X509_set_pubkey(cert.get(), key.get()) != 1) return OpenSslFailure("set public key");

  // CA:TRUE lets clients that insist on a CA in their trust store (the usual --cacert) accept it.
  NSXV_RETURN_IF_ERROR(AddExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE"));
  NSXV_RETURN_IF_ERROR(
      AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign"));
  NSXV_RETURN_IF_ERROR(AddExtension(cert.get(), NID_ext_key_usage, "serverAuth"));
  NSXV_RETURN_IF_ERROR(AddExtension(cert.get(), NID_subject_key_identifier, "hash"));
  NSXV_RETURN_IF_ERROR(
      AddExtension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"));

  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return OpenSslFailure("sign");

  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    return OpenSslFailure("write PEM");
  }
  return TlsIdentity{DrainBio(cert_bio.get()), DrainBio(key_bio.get())};
}

Result<TlsIdentity> LoadTlsIdentity(const std::string& cert_file, const std::string& key_file) {
  TlsIdentity identity;
  NSXV_ASSIGN_OR_RETURN(identity.cert_pem, ReadFile(cert_file));
  NSXV_ASSIGN_OR_RETURN(identity.key_pem, ReadFile(key_file));
  NSXV_ASSIGN_OR_RETURN(X509Ptr cert, ParseCertificate(identity.cert_pem, cert_file));
  NSXV_ASSIGN_OR_RETURN(PkeyPtr key, ParsePrivateKey(identity.key_pem, key_file));
  NSXV_RETURN_IF_ERROR(CheckKeyMatches(cert.get(), key.get(), key_file));
  return identity;
}

Status ValidateTlsIdentity(const TlsIdentity& identity) {
  NSXV_ASSIGN_OR_RETURN(X509Ptr cert, ParseCertificate(identity.cert_pem, "certificate"));
  NSXV_ASSIGN_OR_RETURN(PkeyPtr key, ParsePrivateKey(identity.key_pem, "private key"));
  return CheckKeyMatches(cert.get(), key.get(), "private key");
}

Result<CertificateInfo> InspectCertificate(std::string_view cert_pem) {
  NSXV_ASSIGN_OR_RETURN(X509Ptr cert, ParseCertificate(cert_pem, "certificate"));
  CertificateInfo info;

  X509_NAME* subject = X509_get_subject_name(cert.get());
  const int cn_index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (cn_index >= 0) {
    const ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, cn_index));
    info.subject_cn.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(cn)),
                           static_cast<size_t>(ASN1_STRING_length(cn)));
  }

  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);
    if (gn->type == GEN_DNS) {
      const ASN1_STRING* dns = gn->d.dNSName;
      info.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                  static_cast<size_t>(ASN1_STRING_length(dns)));
    } else if (gn->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = gn->d.iPAddress;
      const int len = ASN1_STRING_length(ip);
      char text[INET6_ADDRSTRLEN] = {};
      if ((len == 4 || len == 16) &&
          inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(ip), text, sizeof(text))) {
        info.ip_addresses.emplace_back(text);
      }
    }
  }

  int days = 0;
  int seconds = 0;
  if (ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert.get()),
                     X509_get0_notAfter(cert.get())) == 1) {
    info.validity = std::chrono::hours(24) * days + std::chrono::seconds(seconds);
  }

  PkeyPtr key(X509_get_pubkey(cert.get()));
  if (key) info.key_type = KeyDescription(key.get());
  info.self_signed = X509_check_issued(cert.get(), cert.get()) == X509_V_OK && key &&
                     X509_verify(cert.get(), key.get()) == 1;
  ERR_clear_error();
  return info;
}

}  // namespace nsxv::fake
