#include "cli/output.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace nsxv::cli {

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

void Table::Print(std::ostream& out) const {
  std::vector<size_t> widths(headers_.size());
  for (size_t c = 0; c < headers_.size(); ++c) {
    widths[c] = headers_[c].size();
    for (const auto& row : rows_) widths[c] = std::max(widths[c], row[c].size());
  }
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t c = 0; c < cells.size(); ++c) {
      text += cells[c];
      if (c + 1 < cells.size()) text += std::string(widths[c] - cells[c].size() + 2, ' ');
    }
    out << text << "\n";
  };
  line(headers_);
  std::vector<std::string> rule;
  for (size_t width : widths) rule.emplace_back(width, '-');
  line(rule);
  for (const auto& row : rows_) line(row);
}

Progress::Progress(std::ostream* out, std::string what, size_t total)
    : out_(out),
      what_(std::move(what)),
      total_(total),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { Finish(); }

void Progress::Tick(size_t n) {
  MutexLock lock(&mu_);
  done_ += n;
  const auto now = std::chrono::steady_clock::now();
  if (out_ != nullptr && now - last_draw_ >= std::chrono::milliseconds(100)) {
    last_draw_ = now;
    Draw(false);
  }
}

void Progress::Finish() {
  MutexLock lock(&mu_);
  if (finished_) return;
  finished_ = true;
  if (out_ != nullptr) Draw(true);
}

void Progress::Draw(bool final) {
  const double elapsed = SecondsSince(start_);
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0;
  char line[160];
  std::string eta = "-";
  if (rate > 0 && done_ < total_) eta = FormatDuration(static_cast<double>(total_ - done_) / rate);
  std::snprintf(line, sizeof(line), "\r%s %zu/%zu  %.1f/s  %s %s\033[K", what_.c_str(), done_,
                total_, rate, final ? "in" : "ETA",
                final ? FormatDuration(elapsed).c_str() : eta.c_str());
  *out_ << line;
  if (final) *out_ << "\n";
  out_->flush();
}

std::string FormatDuration(double seconds) {
  char text[48];
  if (seconds < 1) {
    std::snprintf(text, sizeof(text), "%.0f ms", seconds * 1000);
  } else if (seconds < 60) {
    std::snprintf(text, sizeof(text), "%.1f s", seconds);
  } else {
    const long total = std::lround(seconds);
    std::snprintf(text, sizeof(text), "%ld min %ld s", total / 60, total % 60);
  }
  return text;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace nsxv::cli
