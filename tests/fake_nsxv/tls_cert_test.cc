#include "fake_nsxv/tls_cert.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nsxv::fake {
namespace {

using ::testing::HasSubstr;

// A file under the test temp dir, unique per process and name; removed at destruction.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& content)
      : path_(::testing::TempDir() + "/tls_cert_test_" + std::to_string(::getpid()) + "_" + name) {
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(TlsCertTest, GeneratedIdentityIsSelfSignedLocalhostP256ForOneYear) {
  auto identity = GenerateSelfSignedIdentity();
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  EXPECT_TRUE(identity->cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
  EXPECT_TRUE(identity->key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
  EXPECT_TRUE(ValidateTlsIdentity(*identity).ok());

  auto info = InspectCertificate(identity->cert_pem);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->subject_cn, "localhost");
  EXPECT_EQ(info->dns_names, std::vector<std::string>{"localhost"});
  EXPECT_EQ(info->ip_addresses, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(info->key_type, "EC P-256");
  EXPECT_TRUE(info->self_signed);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::hours>(info->validity).count(), 365 * 24);
}

TEST(TlsCertTest, EachGenerationIsFresh) {
  auto a = GenerateSelfSignedIdentity();
  auto b = GenerateSelfSignedIdentity();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->cert_pem, b->cert_pem);
  EXPECT_NE(a->key_pem, b->key_pem);
  EXPECT_FALSE(ValidateTlsIdentity({a->cert_pem, b->key_pem}).ok());
}

TEST(TlsCertTest, LoadsPairFromFiles) {
  auto identity = GenerateSelfSignedIdentity();
  ASSERT_TRUE(identity.ok());
  TempFile cert("cert.pem", identity->cert_pem);
  TempFile key("key.pem", identity->key_pem);
  auto loaded = LoadTlsIdentity(cert.path(), key.path());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->cert_pem, identity->cert_pem);
  EXPECT_EQ(loaded->key_pem, identity->key_pem);
}

TEST(TlsCertTest, BadFilesGiveOneLineErrorNamingTheFile) {
  auto identity = GenerateSelfSignedIdentity();
  auto other = GenerateSelfSignedIdentity();
  ASSERT_TRUE(identity.ok() && other.ok());
  TempFile cert("cert.pem", identity->cert_pem);
  TempFile key("key.pem", identity->key_pem);
  TempFile other_key("other-key.pem", other->key_pem);
  TempFile junk("junk.pem", "hello, not a certificate\n");

  const std::string missing = ::testing::TempDir() + "/does-not-exist.pem";
  auto r = LoadTlsIdentity(missing, key.path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.error().message(), HasSubstr(missing + ": cannot read"));

  r = LoadTlsIdentity(junk.path(), key.path());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr(junk.path() + ": no PEM certificate found"));

  r = LoadTlsIdentity(cert.path(), junk.path());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr(junk.path() + ": no PEM private key found"));

  r = LoadTlsIdentity(cert.path(), other_key.path());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("does not match"));

  for (const Status& s : {LoadTlsIdentity(missing, key.path()).status(),
                          LoadTlsIdentity(junk.path(), key.path()).status()}) {
    EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
  }
}

}  // namespace
}  // namespace nsxv::fake
