#ifndef OFFLOADKIT_DETAIL_SIMD_HPP
#define OFFLOADKIT_DETAIL_SIMD_HPP

/**
 * @file
 * @brief The xsimd surface offloadkit uses, made identical across xsimd 8 through 13.
 *
 * Debian ships xsimd 8.1, Conan and vcpkg ship 12/13. The batch type, load_unaligned /
 * store_unaligned, broadcast, arithmetic, min/max/abs/sqrt/exp/fma/select are common to all of
 * them; horizontal reductions are not (8.x has only `hadd`; 9.0 added reduce_add/max/min and later
 * releases dropped `hadd`). Kernels call the reductions below instead of xsimd's directly.
 * SIMD is selected at compile time for the target (no runtime dispatch).
 */

#include <cstddef>

/*
 * GCC 12's AVX-512 intrinsics (_mm512_max_ps, _mm512_sqrt_ps, ...) pass _mm512_undefined_*() as an
 * operand the instruction ignores; once inlined, GCC 12 reports "'__Y' may be used uninitialized"
 * (GCC bug 105593, fixed in GCC 13) under -march=native. The one workaround of the library:
 * the intrinsic headers are included with those warnings off (effective when this is the first
 * inclusion of <immintrin.h>), and code regions that use AVX-512-capable xsimd operations are
 * wrapped in OFFLOADKIT_DETAIL_GCC12_AVX512_BEGIN / _END (effective wherever inlining happens).
 * Other compilers and versions see nothing.
 */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ <= 12
#define OFFLOADKIT_DETAIL_GCC12_AVX512_BEGIN                                \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"") \
        _Pragma("GCC diagnostic ignored \"-Wuninitialized\"")
#define OFFLOADKIT_DETAIL_GCC12_AVX512_END _Pragma("GCC diagnostic pop")
#else
#define OFFLOADKIT_DETAIL_GCC12_AVX512_BEGIN
#define OFFLOADKIT_DETAIL_GCC12_AVX512_END
#endif

OFFLOADKIT_DETAIL_GCC12_AVX512_BEGIN
#include <xsimd/xsimd.hpp>
OFFLOADKIT_DETAIL_GCC12_AVX512_END

namespace offloadkit::detail::simd {

/// The default batch of T for the architecture being compiled for.
template <class T>
using batch = xsimd::batch<T>;

/// Lanes in batch<T>.
template <class T>
inline constexpr std::size_t lanes = xsimd::batch<T>::size;

/// Sum of all lanes.
template <class T, class A>
inline T reduce_add(const xsimd::batch<T, A>& b) noexcept {
#if XSIMD_VERSION_MAJOR >= 9
    return xsimd::reduce_add(b);
#else
    return xsimd::hadd(b);
#endif
}

/// Largest lane (NaN handling as xsimd::max: not specified; callers pass finite data).
template <class T, class A>
inline T reduce_max(const xsimd::batch<T, A>& b) noexcept {
#if XSIMD_VERSION_MAJOR >= 9
    return xsimd::reduce_max(b);
#else
    alignas(A::alignment()) T lanes_[xsimd::batch<T, A>::size];
    b.store_aligned(lanes_);
    T m = lanes_[0];
    for (std::size_t i = 1; i < xsimd::batch<T, A>::size; ++i) {
        m = lanes_[i] > m ? lanes_[i] : m;
    }
    return m;
#endif
}

/// Smallest lane.
template <class T, class A>
inline T reduce_min(const xsimd::batch<T, A>& b) noexcept {
#if XSIMD_VERSION_MAJOR >= 9
    return xsimd::reduce_min(b);
#else
    alignas(A::alignment()) T lanes_[xsimd::batch<T, A>::size];
    b.store_aligned(lanes_);
    T m = lanes_[0];
    for (std::size_t i = 1; i < xsimd::batch<T, A>::size; ++i) {
        m = lanes_[i] < m ? lanes_[i] : m;
    }
    return m;
#endif
}

/**
 * @brief xsimd::exp with its argument clamped to [-1000, 1000] first: same results, no
 *        undefined behaviour for huge or infinite arguments.
 *
 * xsimd's generic exp (the SSE2/AVX path of xsimd 8 and later) converts round(x / ln 2) to an
 * integer batch, which is undefined behaviour for |x| beyond about 2^62 (double) or 2^31 (float),
 * +-inf included (UBSan: "inf is outside the range of representable values of type 'long'");
 * a Platt calibrator's a*s + b at s = 1e300, or a softmax over logits 1e300 apart, gets there.
 * exp saturates well inside +-1000 (to 0 below about -745 for double and -104 for float, to +inf
 * above about 709.8 and 88.7), so clamping changes no result. NaN must not be passed (xsimd's exp
 * has no NaN path either); the callers' arguments are finite or +-inf by construction.
 * O(1) per lane, no allocation.
 */
template <class T, class A>
inline xsimd::batch<T, A> exp_saturating(const xsimd::batch<T, A>& x) noexcept {
    const xsimd::batch<T, A> bound(T(1000));
    return xsimd::exp(xsimd::min(xsimd::max(x, -bound), bound));
}

}  // namespace offloadkit::detail::simd

#endif  // OFFLOADKIT_DETAIL_SIMD_HPP
