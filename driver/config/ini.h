// A reader for the INI dialect of oslo.config (nsx.ini, neutron.conf): `[section]` headers,
// `key = value` or `key: value` lines, whole-line comments starting with '#' or ';', values
// continued on following lines that start with whitespace (joined with '\n'), and one pair of
// matching quotes around a value removed. As in oslo.config, a '#' after a value is part of the
// value, not a comment, and a key set twice keeps the later value (the earlier line is reported
// in `IniEntry::overridden_line` so the caller can warn).
//
// Errors are one-line kInvalidArgument messages "FILE:LINE: what is wrong".
//
// Pure functions over strings (ReadIniFile also reads one file); thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "driver/common/status.h"

namespace nsxv::config {

struct IniEntry {
  std::string section;  // as written, without brackets
  std::string key;
  std::string value;
  int line = 0;             // 1-based line of the key
  int overridden_line = 0;  // line of an earlier value of the same key in the section, or 0
};

struct IniFile {
  std::string name;                   // the file name used in messages
  std::vector<std::string> sections;  // in order of first appearance
  std::vector<IniEntry> entries;      // one per (section, key), in order of first appearance
};

// Parses `text`; `name` is used in error messages.
Result<IniFile> ParseIni(std::string_view text, const std::string& name);
// Reads and parses `path`. kNotFound / kPermissionDenied / kInvalidArgument naming the file.
Result<IniFile> ReadIniFile(const std::string& path);

}  // namespace nsxv::config
