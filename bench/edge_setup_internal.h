// Private to bench/edge_setup*.cc: helpers both the single run and the sweep use (pure,
// thread-safe).
#pragma once

#include <chrono>
#include <string>

namespace nsxv::bench {

using SteadyClock = std::chrono::steady_clock;

// A duration in seconds.
double Seconds(SteadyClock::duration d);
// `s` on one line (newlines to spaces), cut to 300 characters.
std::string OneLine(std::string s);

}  // namespace nsxv::bench
