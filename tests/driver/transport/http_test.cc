#include "driver/transport/http.h"

#include <gtest/gtest.h>

namespace nsxv {
namespace {

TEST(HeadersTest, CaseInsensitiveSetGetRemove) {
  Headers h;
  h.Add("Content-Type", "application/json");
  h.Add("X-A", "1");
  EXPECT_EQ(*h.Get("content-type"), "application/json");
  h.Set("CONTENT-TYPE", "application/xml");
  EXPECT_EQ(*h.Get("Content-Type"), "application/xml");
  EXPECT_EQ(h.fields().size(), 2U);
  h.Remove("x-a");
  EXPECT_FALSE(h.Has("X-A"));
}

TEST(HttpRequestTest, PathAndQuery) {
  HttpRequest r;
  r.target = "/api/4.0/edges/edge-1/status?getlatest=false&x=1&flag";
  EXPECT_EQ(r.Path(), "/api/4.0/edges/edge-1/status");
  EXPECT_EQ(r.Query(), "getlatest=false&x=1&flag");
  EXPECT_EQ(*r.QueryParam("getlatest"), "false");
  EXPECT_EQ(*r.QueryParam("x"), "1");
  EXPECT_EQ(*r.QueryParam("flag"), "");
  EXPECT_FALSE(r.QueryParam("missing").has_value());
  r.target = "/api/4.0/edges";
  EXPECT_EQ(r.Query(), "");
}

TEST(Base64Test, RoundTripAllLengths) {
  std::string s;
  for (int i = 0; i < 70; ++i) {
    const std::string enc = Base64Encode(s);
    EXPECT_EQ(enc.size() % 4, 0U);
    auto dec = Base64Decode(enc);
    ASSERT_TRUE(dec.has_value()) << enc;
    EXPECT_EQ(*dec, s);
    s += static_cast<char>(i * 37);
  }
  EXPECT_FALSE(Base64Decode("abc").has_value());
  EXPECT_FALSE(Base64Decode("a$c=").has_value());
}

// The 2016 client put a newline into long tokens (base64.encodestring); ours never does.
TEST(BasicAuthTest, LongCredentialsStayOnOneLine) {
  const std::string user(40, 'u');
  const std::string password(40, 'p');
  const std::string v = BasicAuthValue(user, password);
  EXPECT_EQ(v.find('\n'), std::string::npos);
  EXPECT_EQ(*Base64Decode(v.substr(6)), user + ":" + password);
  EXPECT_EQ(BasicAuthValue("admin", "default"), "Basic YWRtaW46ZGVmYXVsdA==");
}

}  // namespace
}  // namespace nsxv
