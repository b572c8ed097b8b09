#ifndef OFFLOADKIT_DETAIL_RADIX_SORT_HPP
#define OFFLOADKIT_DETAIL_RADIX_SORT_HPP

/**
 * @file
 * @brief Stable LSD radix sort of (key, payload) pairs on the bits of float/double values.
 *
 * Sorting dominates isotonic calibration and equal-mass binning. Scores are mapped to unsigned
 * integers whose order is the numeric order (flip all bits of negatives, the sign bit of
 * positives; -0 is first turned into +0 so the two compare equal, as they do as doubles), then
 * sorted 11 bits at a time from the least significant digit. One counting pass builds every
 * digit's histogram; digits on which all keys agree are skipped (scores in [0, 1] share their top
 * bits). 32-bit keys take at most 3 scatter passes, 64-bit keys at most 6: O(n) time, 2n scratch.
 */

#include <algorithm>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <type_traits>
#include <vector>

namespace offloadkit::detail {

/// Order-preserving key of a double (NaN excluded): a < b  <=>  order_key(a) < order_key(b).
[[nodiscard]] inline std::uint64_t order_key(double v) noexcept {
    const auto u = std::bit_cast<std::uint64_t>(v + 0.0);  // -0.0 + 0.0 == +0.0
    return (u >> 63) != 0 ? ~u : (u | 0x8000000000000000ULL);
}

/// Order-preserving key of a float (NaN excluded).
[[nodiscard]] inline std::uint32_t order_key(float v) noexcept {
    const auto u = std::bit_cast<std::uint32_t>(v + 0.0F);
    return (u >> 31) != 0 ? ~u : (u | 0x80000000U);
}

/// Inverse of order_key(double).
[[nodiscard]] inline double from_order_key(std::uint64_t k) noexcept {
    return std::bit_cast<double>((k >> 63) != 0 ? (k & 0x7FFFFFFFFFFFFFFFULL) : ~k);
}

/// Inverse of order_key(float).
[[nodiscard]] inline float from_order_key(std::uint32_t k) noexcept {
    return std::bit_cast<float>((k >> 31) != 0 ? (k & 0x7FFFFFFFU) : ~k);
}

/**
 * @brief Sorts `keys` ascending, stably, and applies the same permutation to `payload`.
 *
 * Small inputs (< 256 pairs) use std::stable_sort on the pairs; larger ones the LSD radix sort.
 * Both give the same result (the stable order).
 * @param keys unsigned 32- or 64-bit keys (see order_key).
 * @param payload same size as keys.
 * Complexity: O(n) time with at most 3 (32-bit) or 6 (64-bit) scatter passes; 2n scratch.
 */
template <class Key, class Payload>
    requires(std::same_as<Key, std::uint32_t> || std::same_as<Key, std::uint64_t>)
void radix_sort_pairs(std::vector<Key>& keys, std::vector<Payload>& payload) {
    const std::size_t n = keys.size();
    if (n < 256) {
        std::vector<std::size_t> idx(n);
        std::iota(idx.begin(), idx.end(), std::size_t{0});
        std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
        std::vector<Key> k2(n);
        std::vector<Payload> p2(n);
        for (std::size_t i = 0; i < n; ++i) {
            k2[i] = keys[idx[i]];
            p2[i] = payload[idx[i]];
        }
        keys.swap(k2);
        payload.swap(p2);
        return;
    }
    constexpr unsigned digit_bits = 11;
    constexpr std::size_t buckets = std::size_t{1} << digit_bits;
    constexpr Key mask = static_cast<Key>(buckets - 1);
    constexpr unsigned passes = (sizeof(Key) * 8 + digit_bits - 1) / digit_bits;

    std::vector<std::size_t> counts(passes * buckets, 0);
    for (std::size_t i = 0; i < n; ++i) {
        Key k = keys[i];
        for (unsigned p = 0; p < passes; ++p) {
            ++counts[p * buckets + static_cast<std::size_t>(k & mask)];
            k = static_cast<Key>(k >> digit_bits);
        }
    }
    std::vector<Key> keys2(n);
    std::vector<Payload> payload2(n);
    for (unsigned p = 0; p < passes; ++p) {
        std::size_t* c = counts.data() + p * buckets;
        const unsigned shift = p * digit_bits;
        if (c[static_cast<std::size_t>((keys[0] >> shift) & mask)] == n) {
            continue;  // every key has the same digit here
        }
        std::size_t sum = 0;
        for (std::size_t b = 0; b < buckets; ++b) {
            const std::size_t t = c[b];
            c[b] = sum;
            sum += t;
        }
        for (std::size_t i = 0; i < n; ++i) {
            const Key k = keys[i];
            const std::size_t pos = c[static_cast<std::size_t>((k >> shift) & mask)]++;
            keys2[pos] = k;
            payload2[pos] = payload[i];
        }
        keys.swap(keys2);
        payload.swap(payload2);
    }
}

}  // namespace offloadkit::detail

#endif  // OFFLOADKIT_DETAIL_RADIX_SORT_HPP
