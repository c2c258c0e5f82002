// Output helpers of nsxv-md: plain-text tables for people, a progress line for long work.
//
// Table is a value (not synchronized). Progress is thread-safe: worker threads call Tick(); it
// redraws one line on its stream at most every 100 ms ("routers 12/20  4.1/s  ETA 2s"), and only
// when constructed with a stream (nsxv-md passes stderr when stderr is a terminal, nullptr
// otherwise, so logs and pipes stay clean).
#pragma once

#include <chrono>
#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "driver/common/mutex.h"
#include "driver/common/strings.h"

namespace nsxv::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void AddRow(std::vector<std::string> cells);
  size_t rows() const { return rows_.size(); }
  // Columns sized to their widest cell, two spaces apart, a dashed rule under the header.
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

class Progress {
 public:
  // `out` nullptr: silent.
  Progress(std::ostream* out, std::string what, size_t total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Tick(size_t n = 1) EXCLUDES(mu_);
  // Draws the final state and ends the line (idempotent; the destructor calls it).
  void Finish() EXCLUDES(mu_);

 private:
  void Draw(bool final) REQUIRES(mu_);

  std::ostream* const out_;
  const std::string what_;
  const size_t total_;
  const std::chrono::steady_clock::time_point start_;
  Mutex mu_;
  size_t done_ GUARDED_BY(mu_) = 0;
  bool finished_ GUARDED_BY(mu_) = false;
  std::chrono::steady_clock::time_point last_draw_ GUARDED_BY(mu_);
};

// "850 ms", "3.2 s", "2 min 5 s".
std::string FormatDuration(double seconds);
// Seconds since `start`.
double SecondsSince(std::chrono::steady_clock::time_point start);

}  // namespace nsxv::cli
