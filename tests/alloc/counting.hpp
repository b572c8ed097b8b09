#ifndef OFFLOADKIT_TESTS_ALLOC_COUNTING_HPP
#define OFFLOADKIT_TESTS_ALLOC_COUNTING_HPP

// Allocation counting for tests/alloc/: the binary's main replaces global operator new.
#include <atomic>

namespace offloadkit::test_alloc {
extern std::atomic<long long> allocations;

/// Number of global operator new calls made while `f` runs.
template <class F>
long long allocations_during(F&& f) {
    const long long before = allocations.load();
    f();
    return allocations.load() - before;
}
}  // namespace offloadkit::test_alloc

#endif
