#ifndef OFFLOADKIT_EXAMPLES_COMMON_NUMERIC_HPP
#define OFFLOADKIT_EXAMPLES_COMMON_NUMERIC_HPP

/**
 * @file
 * @brief Bit-reproducible numeric helpers for the Fashion-MNIST trace generator
 *        (examples/make_trace.cpp): IEEE binary16 rounding and an exp() that does not depend
 *        on the C library.
 *
 * Everything here is plain IEEE-754 arithmetic (+, -, *, /, floor, ldexp, bit casts), so the
 * results are identical wherever float/double are IEEE and no fused multiply-add is contracted
 * (x86-64 without -march=native / -mfma). That is what lets the generator reproduce the
 * committed trace byte for byte with g++ and clang++, Debug and Release.
 */

#include <bit>
#include <cmath>
#include <cstdint>

namespace offloadkit::examples {

/**
 * @brief Converts a float to IEEE-754 binary16 bits, rounding to nearest, ties to even.
 *
 * Overflow (|x| >= 65520) gives +-infinity, values below half the smallest subnormal (2^-25)
 * give +-0, NaN stays NaN (quiet, payload dropped). This is what a float16 store on an fp16
 * NPU does (and numpy's float32 -> float16 conversion).
 * @param x any float.
 * @return the binary16 bit pattern.
 * Complexity O(1).
 */
[[nodiscard]] inline std::uint16_t float_to_half_bits(float x) noexcept {
    const std::uint32_t u = std::bit_cast<std::uint32_t>(x);
    const auto sign = static_cast<std::uint16_t>((u >> 16) & 0x8000U);
    const std::uint32_t exp = (u >> 23) & 0xFFU;
    std::uint32_t man = u & 0x7FFFFFU;
    if (exp == 0xFFU) {  // inf or NaN
        return static_cast<std::uint16_t>(sign | 0x7C00U | (man != 0 ? 0x200U : 0U));
    }
    const int e = static_cast<int>(exp) - 127 + 15;  // rebiased exponent
    if (e >= 31) {
        return static_cast<std::uint16_t>(sign | 0x7C00U);
    }
    if (e <= 0) {  // subnormal half (or zero)
        if (e < -10) {
            return sign;  // below 2^-25: rounds to zero (2^-25 exactly is a tie to even = 0)
        }
        man |= 0x800000U;  // implicit leading one
        const int shift = 14 - e;  // 14..24
        const std::uint32_t half_man = man >> shift;
        const std::uint32_t rem = man & ((1U << shift) - 1U);
        const std::uint32_t halfway = 1U << (shift - 1);
        std::uint32_t r = half_man;
        if (rem > halfway || (rem == halfway && (half_man & 1U) != 0)) {
            ++r;  // may carry into the smallest normal: still the right bits
        }
        return static_cast<std::uint16_t>(sign | r);
    }
    std::uint32_t r = (static_cast<std::uint32_t>(e) << 10) | (man >> 13);
    const std::uint32_t rem = man & 0x1FFFU;
    if (rem > 0x1000U || (rem == 0x1000U && (r & 1U) != 0)) {
        ++r;  // a carry out of the mantissa bumps the exponent; 0x7BFF + 1 = infinity, correct
    }
    return static_cast<std::uint16_t>(sign | r);
}

/**
 * @brief The float value of IEEE-754 binary16 bits (exact: every half is a float).
 * Complexity O(1).
 */
[[nodiscard]] inline float half_bits_to_float(std::uint16_t h) noexcept {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000U) << 16;
    const std::uint32_t exp = (h >> 10) & 0x1FU;
    const std::uint32_t man = h & 0x3FFU;
    if (exp == 0x1FU) {
        return std::bit_cast<float>(sign | 0x7F800000U | (man << 13));
    }
    if (exp == 0) {
        // subnormal: man * 2^-24, exact in float
        const float v = static_cast<float>(man) * 0x1.0p-24f;
        return sign != 0 ? -v : v;
    }
    return std::bit_cast<float>(sign | ((exp + 112U) << 23) | (man << 13));
}

/// @brief x rounded to the nearest binary16 value (ties to even), returned as float.
[[nodiscard]] inline float round_to_half(float x) noexcept { return half_bits_to_float(float_to_half_bits(x)); }

/**
 * @brief e^x for float arguments, reproducible on every IEEE platform (no libm call).
 *
 * Range reduction x = k ln2 + r with |r| <= ln2/2 in double, a degree-9 Taylor polynomial for
 * e^r (truncation error < 2e-10 relative, far below float's 6e-8), then scaling by 2^k with
 * std::ldexp (exact). Arguments below -103 give 0, above 88.7 give +inf.
 * @param x the exponent.
 * @return e^x rounded to float (error <= 1 ulp).
 * Complexity O(1).
 */
[[nodiscard]] inline float exp_portable(float x) noexcept {
    if (!(x > -103.0f)) {
        return x != x ? x : 0.0f;  // NaN stays NaN
    }
    if (x > 88.73f) {
        return INFINITY;
    }
    constexpr double ln2 = 0.69314718055994530942;
    constexpr double inv_ln2 = 1.4426950408889634074;
    const double xd = static_cast<double>(x);
    const double k = std::floor(xd * inv_ln2 + 0.5);
    const double r = xd - k * ln2;  // |r| <= 0.347; k*ln2 rounding error ~1e-14, harmless for float
    double p = 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    return static_cast<float>(std::ldexp(p, static_cast<int>(k)));
}

}  // namespace offloadkit::examples

#endif  // OFFLOADKIT_EXAMPLES_COMMON_NUMERIC_HPP
