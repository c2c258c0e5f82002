// Clang thread-safety annotations (-Wthread-safety). They expand to nothing on other compilers.
#pragma once

#if defined(__clang__)
#define NSXV_TSA(x) __attribute__((x))
#else
#define NSXV_TSA(x)
#endif

#define CAPABILITY(x) NSXV_TSA(capability(x))
#define SCOPED_CAPABILITY NSXV_TSA(scoped_lockable)
#define GUARDED_BY(x) NSXV_TSA(guarded_by(x))
#define PT_GUARDED_BY(x) NSXV_TSA(pt_guarded_by(x))
#define ACQUIRED_BEFORE(...) NSXV_TSA(acquired_before(__VA_ARGS__))
#define REQUIRES(...) NSXV_TSA(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) NSXV_TSA(requires_shared_capability(__VA_ARGS__))
#define ACQUIRE(...) NSXV_TSA(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) NSXV_TSA(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) NSXV_TSA(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) NSXV_TSA(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) NSXV_TSA(release_generic_capability(__VA_ARGS__))
#define EXCLUDES(...) NSXV_TSA(locks_excluded(__VA_ARGS__))
#define NO_THREAD_SAFETY_ANALYSIS NSXV_TSA(no_thread_safety_analysis)
