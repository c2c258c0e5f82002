// The HAProxy application-rule forms the metadata-path oracle understands: exactly the form the
// driver writes on router edges (API reference §3.3c), "reqadd <Name>:<value>" with no condition
// and no escape (HAProxy 1.x: append one header line to the request, whatever the client sent).
// Every other line (acl, block, reqdel, reqrep, http-request, conditions, escapes) is kUnknown:
// the oracle refuses to guess what it does to the request.
#include <cctype>

#include "scenarios/md_path_internal.h"

namespace nsxv::scenarios::mdpath {
namespace {

bool IsTokenChar(char c) {
  // RFC 7230 tchar.
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

AppRuleOp ParseLine(const std::string& line) {
  AppRuleOp op;
  op.text = line;
  const std::string keyword = "reqadd";
  if (line.compare(0, keyword.size(), keyword) != 0 || line.size() <= keyword.size() ||
      (line[keyword.size()] != ' ' && line[keyword.size()] != '\t')) {
    return op;
  }
  size_t i = keyword.size();
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  const std::string arg = line.substr(i);
  // One argument, no condition, no escapes: any blank or backslash is outside the known form.
  if (arg.empty() || arg.find_first_of(" \t\\") != std::string::npos) return op;
  const size_t colon = arg.find(':');
  if (colon == std::string::npos || colon == 0) return op;
  for (size_t k = 0; k < colon; ++k) {
    if (!IsTokenChar(arg[k])) return op;
  }
  op.kind = AppRuleOp::Kind::kReqAdd;
  op.header = arg.substr(0, colon);
  op.value = arg.substr(colon + 1);
  return op;
}

}  // namespace

std::vector<AppRuleOp> ParseAppRule(const std::string& script) {
  std::vector<AppRuleOp> out;
  size_t start = 0;
  while (start <= script.size()) {
    size_t end = script.find('\n', start);
    if (end == std::string::npos) end = script.size();
    std::string line = script.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.pop_back();
    }
    size_t first = 0;
    while (first < line.size() && (line[first] == ' ' || line[first] == '\t')) ++first;
    line.erase(0, first);
    if (!line.empty()) out.push_back(ParseLine(line));
    start = end + 1;
  }
  if (out.empty()) {
    AppRuleOp empty;
    empty.text = "(empty script)";
    out.push_back(empty);
  }
  return out;
}

}  // namespace nsxv::scenarios::mdpath
