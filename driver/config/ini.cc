#include "driver/config/ini.h"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace nsxv::config {
namespace {

std::string_view Trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(" \t\r\f\v");
  if (begin == std::string_view::npos) return {};
  const size_t end = s.find_last_not_of(" \t\r\f\v");
  return s.substr(begin, end - begin + 1);
}

std::string Unquote(std::string_view value) {
  if (value.size() >= 2 && value.front() == value.back() &&
      (value.front() == '"' || value.front() == '\'')) {
    value = value.substr(1, value.size() - 2);
  }
  return std::string(value);
}

Status SyntaxError(const std::string& name, int line, const std::string& what) {
  return InvalidArgument(name + ":" + std::to_string(line) + ": " + what);
}

}  // namespace

Result<IniFile> ParseIni(std::string_view text, const std::string& name) {
  IniFile file;
  file.name = name;
  std::string section;
  bool in_section = false;
  // Index into file.entries of the entry a continuation line extends; -1: none.
  long last_entry = -1;
  int line_number = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t eol = text.find('\n', pos);
    std::string_view raw = text.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    pos = eol == std::string_view::npos ? text.size() + 1 : eol + 1;
    ++line_number;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    const std::string_view line = Trim(raw);
    if (line.empty()) {
      last_entry = -1;
      continue;
    }
    if (line.front() == '#' || line.front() == ';') continue;
    const bool indented = raw.front() == ' ' || raw.front() == '\t';
    if (indented && last_entry >= 0) {
      IniEntry& entry = file.entries[static_cast<size_t>(last_entry)];
      entry.value += "\n";
      entry.value += Unquote(line);
      continue;
    }
    if (line.front() == '[') {
      if (line.back() != ']') {
        return SyntaxError(name, line_number, "section header is missing its closing ']'");
      }
      section = std::string(Trim(line.substr(1, line.size() - 2)));
      if (section.empty()) return SyntaxError(name, line_number, "empty section name '[]'");
      in_section = true;
      last_entry = -1;
      bool seen = false;
      for (const std::string& s : file.sections) seen = seen || s == section;
      if (!seen) file.sections.push_back(section);
      continue;
    }
    const size_t sep = line.find_first_of("=:");
    if (sep == std::string_view::npos) {
      return SyntaxError(name, line_number,
                         "expected 'key = value' or '[section]', got '" + std::string(line) + "'");
    }
    const std::string key(Trim(line.substr(0, sep)));
    if (key.empty()) return SyntaxError(name, line_number, "a value without a key");
    if (!in_section) {
      return SyntaxError(name, line_number, "'" + key + "' appears before any [section] header");
    }
    const std::string value = Unquote(Trim(line.substr(sep + 1)));
    long found = -1;
    for (size_t i = 0; i < file.entries.size(); ++i) {
      if (file.entries[i].section == section && file.entries[i].key == key) {
        found = static_cast<long>(i);
      }
    }
    if (found >= 0) {
      IniEntry& entry = file.entries[static_cast<size_t>(found)];
      entry.overridden_line = entry.line;
      entry.line = line_number;
      entry.value = value;
      last_entry = found;
    } else {
      file.entries.push_back(IniEntry{section, key, value, line_number, 0});
      last_entry = static_cast<long>(file.entries.size()) - 1;
    }
  }
  return file;
}

Result<IniFile> ReadIniFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return InvalidArgument(path + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    if (err == ENOENT) return NotFound(path + ": no such file");
    if (err == EACCES) return Status(StatusCode::kPermissionDenied, path + ": permission denied");
    return InvalidArgument(path + ": cannot read (" + std::generic_category().message(err) + ")");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return InvalidArgument(path + ": read error");
  return ParseIni(text.str(), path);
}

}  // namespace nsxv::config
