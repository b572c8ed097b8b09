#ifndef OFFLOADKIT_TESTS_ALLOC_COUNTING_HPP
#define OFFLOADKIT_TESTS_ALLOC_COUNTING_HPP

// Allocation counting for tests/alloc/: the binary's main replaces global operator new.
#include <atomic>

namespace offloadkit::test_alloc {
extern std::atomic<long long> allocations;
extern std::atomic<long long> live_bytes;  ///< bytes allocated and not yet freed (malloc_usable_size)
extern std::atomic<long long> peak_bytes;  ///< the largest live_bytes seen since the last reset_peak()

/// Starts a new peak measurement at the current live_bytes.
inline void reset_peak() { peak_bytes.store(live_bytes.load()); }

/// The largest growth of live memory above its level at the start while `f` runs (bytes).
template <class F>
long long peak_growth_during(F&& f) {
    const long long base = live_bytes.load();
    reset_peak();
    f();
    return peak_bytes.load() - base;
}

/// Number of global operator new calls made while `f` runs.
template <class F>
long long allocations_during(F&& f) {
    const long long before = allocations.load();
    f();
    return allocations.load() - before;
}
}  // namespace offloadkit::test_alloc

#endif
