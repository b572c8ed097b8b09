// Main of the allocation-counting test binary: global operator new/delete replaced by versions that
// count every allocation, so tests can assert that hot paths allocate nothing after warm-up.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <malloc.h>

#include <cstdlib>
#include <new>

#include "alloc/counting.hpp"

namespace offloadkit::test_alloc {
std::atomic<long long> allocations{0};
std::atomic<long long> live_bytes{0};
std::atomic<long long> peak_bytes{0};

namespace {
void* track(void* p) noexcept {
    if (p != nullptr) {
        const long long now = live_bytes.fetch_add(static_cast<long long>(malloc_usable_size(p))) +
                              static_cast<long long>(malloc_usable_size(p));
        long long peak = peak_bytes.load();
        while (now > peak && !peak_bytes.compare_exchange_weak(peak, now)) {
        }
    }
    return p;
}
void untrack(void* p) noexcept {
    if (p != nullptr) {
        live_bytes.fetch_sub(static_cast<long long>(malloc_usable_size(p)));
    }
}
}  // namespace
}  // namespace offloadkit::test_alloc

using offloadkit::test_alloc::track;
using offloadkit::test_alloc::untrack;

void* operator new(std::size_t n) {
    offloadkit::test_alloc::allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = track(std::malloc(n ? n : 1))) {
        return p;
    }
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new(std::size_t n, std::align_val_t al) {
    offloadkit::test_alloc::allocations.fetch_add(1, std::memory_order_relaxed);
    const auto a = static_cast<std::size_t>(al);
    if (void* p = track(std::aligned_alloc(a, (n + a - 1) / a * a))) {
        return p;
    }
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t al) { return ::operator new(n, al); }
// The nothrow forms too (std::stable_sort's temporary buffer uses them): otherwise ASan's own
// nothrow operator new allocates and the free() below reports an alloc-dealloc mismatch.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    offloadkit::test_alloc::allocations.fetch_add(1, std::memory_order_relaxed);
    return track(std::malloc(n ? n : 1));
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return ::operator new(n, t); }
// These deletes free what the operator new above malloc'ed; GCC 12 cannot see through the
// replacement when inlining and warns about a new/free mismatch that is not there.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void operator delete(void* p) noexcept {
    untrack(p);
    std::free(p);
}
void operator delete[](void* p) noexcept {
    untrack(p);
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    untrack(p);
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    untrack(p);
    std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
    untrack(p);
    std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    untrack(p);
    std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    untrack(p);
    std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    untrack(p);
    std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
    untrack(p);
    std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
    untrack(p);
    std::free(p);
}
