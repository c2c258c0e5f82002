#include "driver/store/mysql_url.h"

#include <charconv>
#include <optional>

namespace nsxv::store {
namespace {

std::optional<std::string> PercentDecode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    unsigned value = 0;
    const auto [p, ec] = std::from_chars(in.data() + i + 1, in.data() + i + 3, value, 16);
    if (ec != std::errc() || p != in.data() + i + 3) return std::nullopt;
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

std::string_view SchemeOf(std::string_view text) {
  const size_t sep = text.find("://");
  if (sep == std::string_view::npos) return {};
  return text.substr(0, sep);
}

}  // namespace

bool IsMysqlUrl(std::string_view text) {
  const std::string_view scheme = SchemeOf(text);
  const std::string_view dialect = scheme.substr(0, scheme.find('+'));
  return dialect == "mysql" || dialect == "mariadb";
}

std::string MysqlUrl::Redacted() const {
  std::string out = "mysql://" + user + "@" + (host.empty() ? "localhost" : host);
  if (port != 0) out += ":" + std::to_string(port);
  out += "/" + database;
  if (!unix_socket.empty()) out += "?unix_socket=" + unix_socket;
  return out;
}

Result<MysqlUrl> ParseMysqlUrl(std::string_view text) {
  const auto bad = [](const std::string& what) {
    return InvalidArgument("database URL: " + what +
                           " (expected mysql+pymysql://USER:PASSWORD@HOST[:PORT]/DB"
                           "[?unix_socket=PATH])");
  };
  if (!IsMysqlUrl(text)) return bad("scheme is not mysql or mariadb");
  std::string_view rest = text.substr(SchemeOf(text).size() + 3);
  MysqlUrl url;
  std::string_view query;
  if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return bad("no /DB database name");
  const std::string_view db = rest.substr(slash + 1);
  std::string_view authority = rest.substr(0, slash);
  if (db.empty() || db.find('/') != std::string_view::npos) return bad("bad database name");
  url.database = std::string(db);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const size_t colon = userinfo.find(':');
    auto user = PercentDecode(userinfo.substr(0, colon));
    if (!user) return bad("bad percent-encoding in the user name");
    url.user = *user;
    if (colon != std::string_view::npos) {
      auto password = PercentDecode(userinfo.substr(colon + 1));
      if (!password) return bad("bad percent-encoding in the password");
      url.password = *password;
    }
  }
  if (url.user.empty()) return bad("no user name");
  if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    unsigned value = 0;
    const auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535) {
      return bad("bad port");
    }
    url.port = value;
    authority = authority.substr(0, colon);
  }
  url.host = std::string(authority);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    auto value = PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!value) return bad("bad percent-encoding in query key " + std::string(key));
    if (key == "unix_socket") {
      url.unix_socket = *value;
    } else if (key == "charset") {
      if (*value != "utf8" && *value != "utf8mb4") return bad("charset must be utf8 or utf8mb4");
    } else {
      return bad("unsupported query key '" + std::string(key) + "'");
    }
  }
  if (url.host.empty() && url.unix_socket.empty()) return bad("no host and no unix_socket");
  return url;
}

}  // namespace nsxv::store
