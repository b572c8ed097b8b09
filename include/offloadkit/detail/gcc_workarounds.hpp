#ifndef OFFLOADKIT_DETAIL_GCC_WORKAROUNDS_HPP
#define OFFLOADKIT_DETAIL_GCC_WORKAROUNDS_HPP

/**
 * @file
 * @brief Scoped suppression of a known false warning of GCC 12.
 *
 * GCC 12's AVX-512 intrinsics (_mm512_max_ps, _mm512_sqrt_ps, ...) pass _mm512_undefined_ps() as
 * an operand the instruction ignores; once inlined into user code GCC 12 reports
 * "'__Y' may be used uninitialized" (GCC bug 105593, fixed in GCC 13). Code that uses such
 * xsimd operations is wrapped in OFFLOADKIT_DETAIL_GCC12_AVX512_BEGIN / _END; other compilers
 * and versions see nothing.
 */

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#define OFFLOADKIT_DETAIL_GCC12_AVX512_BEGIN \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"")
#define OFFLOADKIT_DETAIL_GCC12_AVX512_END _Pragma("GCC diagnostic pop")
#else
#define OFFLOADKIT_DETAIL_GCC12_AVX512_BEGIN
#define OFFLOADKIT_DETAIL_GCC12_AVX512_END
#endif

#endif  // OFFLOADKIT_DETAIL_GCC_WORKAROUNDS_HPP
