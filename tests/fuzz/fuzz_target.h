// NSXV_FUZZ_TARGET(name): defines the body of one fuzz target as
// `int nsxv::fuzz::Run_<name>(const uint8_t* data, size_t size)`. Built for libFuzzer
// (NSXV_LIBFUZZER defined, the fuzz preset) it also defines LLVMFuzzerTestOneInput calling it;
// built into nsxv_fuzz_replay (every other preset) it is one entry of the replay table, so the
// release build runs every corpus file through the same code without libFuzzer.
//
// A target returns 0 for every input. A finding is anything else: an escaping exception, a
// crash, a sanitizer report, a hang, or a broken property (FUZZ_CHECK, which aborts with the
// failed condition).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (false)

#ifdef NSXV_LIBFUZZER
#define NSXV_FUZZ_ENTRY(name)                                               \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);  \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { \
    return nsxv::fuzz::Run_##name(data, size);                              \
  }
#else
#define NSXV_FUZZ_ENTRY(name)
#endif

#define NSXV_FUZZ_TARGET(name)                      \
  namespace nsxv::fuzz {                            \
  int Run_##name(const uint8_t* data, size_t size); \
  }                                                 \
  NSXV_FUZZ_ENTRY(name)                             \
  int nsxv::fuzz::Run_##name(const uint8_t* data, size_t size)
