#include "fake_nsxv/nsx_error.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace nsxv::fake {
namespace {

bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle) {
  const auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                              [](char a, char b) {
                                return std::tolower(static_cast<unsigned char>(a)) ==
                                       std::tolower(static_cast<unsigned char>(b));
                              });
  return it != haystack.end();
}

}  // namespace

std::string XmlEscape(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (const char c : in) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

bool WantsXml(const HttpRequest& request) {
  if (const auto accept = request.headers.Get("Accept")) {
    if (ContainsIgnoreCase(*accept, "xml")) return true;
    if (ContainsIgnoreCase(*accept, "json")) return false;
  }
  const auto content_type = request.headers.Get("Content-Type");
  return content_type.has_value() && ContainsIgnoreCase(*content_type, "xml");
}

HttpResponse MakeErrorResponse(const HttpRequest& request, const NsxError& error) {
  HttpResponse response;
  response.status = error.http_status;
  if (WantsXml(request)) {
    response.headers.Set("Content-Type", "application/xml");
    response.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><error><errorCode>" +
                    std::to_string(error.error_code) + "</errorCode><details>" +
                    XmlEscape(error.details) + "</details><moduleName>" + XmlEscape(error.module) +
                    "</moduleName></error>";
  } else {
    response.headers.Set("Content-Type", "application/json");
    const nlohmann::json body = {{"errorCode", error.error_code},
                                 {"details", error.details},
                                 {"moduleName", error.module},
                                 {"errorData", nullptr},
                                 {"rootCauseString", nullptr}};
    // The details quote the request (its path, its values), which may hold bytes that are not
    // UTF-8: they are written as U+FFFD instead of failing the answer.
    response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return response;
}

}  // namespace nsxv::fake
