#ifndef OFFLOADKIT_DETAIL_RADIX_SORT_HPP
#define OFFLOADKIT_DETAIL_RADIX_SORT_HPP

/**
 * @file
 * @brief Stable LSD radix sort on the bits of float/double values.
 *
 * Sorting dominates isotonic calibration and equal-mass binning. Scores are mapped to unsigned
 * integers whose order is the numeric order (flip all bits of negatives, the sign bit of
 * positives; -0 is first turned into +0 so the two compare equal, as they do as doubles), then
 * sorted 8 bits at a time from the least significant digit. One counting pass builds every
 * digit's histogram; digits on which all keys agree are skipped. 8-bit digits (256 buckets) keep
 * the scatter within what the store buffers and L1 handle; 11-bit digits measured ~2x slower per
 * element here despite fewer passes. O(n) time, n scratch.
 */

#include <algorithm>
#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <numeric>
#include <span>
#include <type_traits>
#include <utility>
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

/// Inverse of order_key(double) (-0.0 comes back as +0.0).
[[nodiscard]] inline double from_order_key(std::uint64_t k) noexcept {
    return std::bit_cast<double>((k >> 63) != 0 ? (k & 0x7FFFFFFFFFFFFFFFULL) : ~k);
}

/// Inverse of order_key(float) (-0.0f comes back as +0.0f).
[[nodiscard]] inline float from_order_key(std::uint32_t k) noexcept {
    return std::bit_cast<float>((k >> 31) != 0 ? (k & 0x7FFFFFFFU) : ~k);
}

/// The key type of a score type: 32 bits for float, 64 for double.
template <class T>
using order_key_t = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

namespace radix {

inline constexpr unsigned digit_bits = 8;
inline constexpr std::size_t buckets = std::size_t{1} << digit_bits;

template <class Key>
inline constexpr unsigned passes = sizeof(Key) * 8 / digit_bits;

/// All digit histograms in one pass.
template <class Key>
std::vector<std::size_t> histograms(const std::vector<Key>& keys) {
    std::vector<std::size_t> counts(passes<Key> * buckets, 0);
    for (const Key key : keys) {
        Key k = key;
        for (unsigned p = 0; p < passes<Key>; ++p) {
            ++counts[p * buckets + static_cast<std::size_t>(k & 0xFF)];
            k = static_cast<Key>(k >> digit_bits);
        }
    }
    return counts;
}

/// Turns the histogram of pass p into starting offsets; false if every key has the same digit.
inline bool offsets(std::size_t* c, std::size_t n) noexcept {
    std::size_t sum = 0;
    for (std::size_t b = 0; b < buckets; ++b) {
        if (c[b] == n) {
            return false;
        }
        const std::size_t t = c[b];
        c[b] = sum;
        sum += t;
    }
    return true;
}

/// Leaf size of the MSD sort: ranges this short (or bucketed ranges whose buckets all are) are
/// finished by insertion sort.
inline constexpr std::size_t msd_leaf = 32;
/// Largest digit of the MSD sort: 4096 buckets, 16 KB of counters, within L1.
inline constexpr unsigned msd_max_bits = 12;
/// Counters the MSD sort of n keys needs: one level's at most 2^min(12, bit_width(n)), and a level
/// removes at least 6 bits of the key range (it only recurses on more than 32 keys), so at most
/// ceil(bits of Key / 6) levels (about 200 KB for large n, 50 KB for a thousand keys).
template <class Key>
[[nodiscard]] constexpr std::size_t msd_counters(std::size_t n) noexcept {
    const auto bits = std::min(msd_max_bits, static_cast<unsigned>(std::bit_width(n)));
    return ((sizeof(Key) * 8 + 5) / 6 + 1) * ((std::size_t{1} << bits) + 1);
}

template <class Key>
void insertion_sort(Key* a, std::size_t n) noexcept {
    for (std::size_t i = 1; i < n; ++i) {
        const Key k = a[i];
        if (k < a[i - 1]) {
            std::size_t j = i;
            do {
                a[j] = a[j - 1];
                --j;
            } while (j > 0 && k < a[j - 1]);
            a[j] = k;
        }
    }
}

/**
 * @brief MSD radix sort with a digit fitted to the keys: the n keys at `data` are bucketed by
 *        the top bits of (key - min), at most 12 bits and about log2(n) (so buckets average about
 *        one key at the last level), scattered into `spare`, and each bucket is sorted the same
 *        way with the roles of the two buffers swapped. The result ends in `spare` if
 *        `into_spare`, else in `data`; the other buffer is clobbered. (key - min) >> shift is
 *        monotone in the key, so every key of a lower bucket is less than every key of a higher
 *        one, and buckets of one key value (shift 0) or of at most 32 keys need no more digits
 *        (insertion sort over the whole range then moves keys only within their bucket).
 *        `counters` has room for msd_counters<Key>(n) (less what callers above use).
 *
 * For 500k uniform doubles this is two scatter passes (one to memory, then one within L1 per
 * bucket) and an insertion sort over nearly sorted keys, against seven 8-bit LSD passes.
 */
template <class Key>
void msd(Key* data, Key* spare, std::size_t n, bool into_spare, std::uint32_t* counters) noexcept {
    Key* const target = into_spare ? spare : data;
    if (n <= msd_leaf) {
        if (into_spare) {
            std::copy(data, data + n, spare);
        }
        insertion_sort(target, n);
        return;
    }
    Key lo = data[0];
    Key hi = data[0];
    for (std::size_t i = 1; i < n; ++i) {
        lo = std::min(lo, data[i]);
        hi = std::max(hi, data[i]);
    }
    const Key range = static_cast<Key>(hi - lo);
    if (range == 0) {
        if (into_spare) {
            std::copy(data, data + n, spare);
        }
        return;
    }
    const auto range_bits = static_cast<unsigned>(std::bit_width(range));
    const unsigned bits = std::min({msd_max_bits, static_cast<unsigned>(std::bit_width(n)), range_bits});
    const unsigned shift = range_bits - bits;
    const std::size_t nb = static_cast<std::size_t>(range >> shift) + 1;  // <= 2^bits
    std::uint32_t* const c = counters;
    std::fill(c, c + nb, 0U);
    for (std::size_t i = 0; i < n; ++i) {
        ++c[static_cast<std::size_t>(static_cast<Key>(data[i] - lo) >> shift)];
    }
    std::uint32_t sum = 0;
    std::uint32_t most = 0;
    for (std::size_t b = 0; b < nb; ++b) {
        const std::uint32_t t = c[b];
        c[b] = sum;
        sum += t;
        most = std::max(most, t);
    }
    for (std::size_t i = 0; i < n; ++i) {
        const Key k = data[i];
        spare[c[static_cast<std::size_t>(static_cast<Key>(k - lo) >> shift)]++] = k;
    }
    // The keys are bucketed in `spare`; c[b] is the end of bucket b.
    if (shift == 0 || most <= msd_leaf) {
        if (!into_spare) {
            std::copy(spare, spare + n, data);
        }
        if (shift != 0) {
            insertion_sort(target, n);
        }
        return;
    }
    std::size_t begin = 0;
    for (std::size_t b = 0; b < nb; ++b) {
        const std::size_t end = c[b];
        msd(spare + begin, data + begin, end - begin, !into_spare, counters + nb);
        begin = end;
    }
}

}  // namespace radix

/**
 * @brief Sorts the n keys at `data` ascending, using the n keys at `spare` as scratch
 *        (clobbered). Keys only: equal keys are indistinguishable, so no stability is needed.
 *        Fewer than 2^32 keys.
 * Complexity: O(n) time (at most ceil(64 / 6) levels of the MSD sort), O(1) extra memory
 * besides about 200 KB of counters.
 */
template <class Key>
    requires(std::same_as<Key, std::uint32_t> || std::same_as<Key, std::uint64_t>)
void sort_keys(Key* data, Key* spare, std::size_t n) {
    if (n < 128) {
        std::sort(data, data + n);
        return;
    }
    const auto counters = std::make_unique_for_overwrite<std::uint32_t[]>(radix::msd_counters<Key>(n));
    radix::msd(data, spare, n, false, counters.get());
}

/**
 * @brief Sorts `keys` ascending (stable, so equal keys keep their order), using `scratch` as the
 *        second buffer (resized as needed; pass the same one to several sorts to allocate once).
 * Complexity: O(n), at most sizeof(Key) scatter passes.
 */
template <class Key>
    requires(std::same_as<Key, std::uint32_t> || std::same_as<Key, std::uint64_t>)
void radix_sort(std::vector<Key>& keys, std::vector<Key>& scratch) {
    const std::size_t n = keys.size();
    if (n < 128) {
        std::sort(keys.begin(), keys.end());
        return;
    }
    if (scratch.size() < n) {
        scratch.resize(n);
    }
    if (n <= std::numeric_limits<std::uint32_t>::max()) {
        sort_keys(keys.data(), scratch.data(), n);
        return;
    }
    auto counts = radix::histograms(keys);
    bool in_scratch = false;  // where the current order lives
    for (unsigned p = 0; p < radix::passes<Key>; ++p) {
        std::size_t* c = counts.data() + p * radix::buckets;
        if (!radix::offsets(c, n)) {
            continue;
        }
        const unsigned shift = p * radix::digit_bits;
        const Key* src = in_scratch ? scratch.data() : keys.data();
        Key* dst = in_scratch ? keys.data() : scratch.data();
        for (std::size_t i = 0; i < n; ++i) {
            const Key k = src[i];
            dst[c[static_cast<std::size_t>((k >> shift) & 0xFF)]++] = k;
        }
        in_scratch = !in_scratch;
    }
    if (in_scratch) {
        std::copy(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(n), keys.begin());
    }
}

/// radix_sort with its own scratch buffer.
template <class Key>
    requires(std::same_as<Key, std::uint32_t> || std::same_as<Key, std::uint64_t>)
void radix_sort(std::vector<Key>& keys) {
    std::vector<Key> scratch;
    radix_sort(keys, scratch);
}

/**
 * @brief Sorts `keys` ascending, stably, and applies the same permutation to `payload`.
 * Complexity: O(n), at most sizeof(Key) scatter passes; 2n scratch.
 */
template <class Key, class Payload>
    requires(std::same_as<Key, std::uint32_t> || std::same_as<Key, std::uint64_t>)
void radix_sort_pairs(std::vector<Key>& keys, std::vector<Payload>& payload) {
    const std::size_t n = keys.size();
    if (n < 128) {
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
    auto counts = radix::histograms(keys);
    std::vector<Key> keys2(n);
    std::vector<Payload> payload2(n);
    for (unsigned p = 0; p < radix::passes<Key>; ++p) {
        std::size_t* c = counts.data() + p * radix::buckets;
        if (!radix::offsets(c, n)) {
            continue;
        }
        const unsigned shift = p * radix::digit_bits;
        for (std::size_t i = 0; i < n; ++i) {
            const Key k = keys[i];
            const std::size_t pos = c[static_cast<std::size_t>((k >> shift) & 0xFF)]++;
            keys2[pos] = k;
            payload2[pos] = payload[i];
        }
        keys.swap(keys2);
        payload.swap(payload2);
    }
}

/**
 * @brief Visits the elements of two sorted key runs in merged order, ties from the first run
 *        first: `visit(key, run, index_in_run)` with run 0 or 1. With run 0 = label 0 and run 1 =
 *        label 1, each sorted stably, this is the (score, label) order of numpy.lexsort((y, x)).
 */
template <class Key, class Visit>
void merge_runs(std::span<const Key> run0, std::span<const Key> run1, Visit&& visit) {
    std::size_t i = 0;
    std::size_t j = 0;
    const std::size_t n0 = run0.size();
    const std::size_t n1 = run1.size();
    // Branch-free selection while both runs last (labels interleave unpredictably).
    while (i < n0 && j < n1) {
        const Key a = run0[i];
        const Key b = run1[j];
        const bool second = b < a;  // ties: run 0 first
        visit(second ? b : a, second ? 1U : 0U, second ? j : i);
        i += second ? 0 : 1;
        j += second ? 1 : 0;
    }
    for (; i < n0; ++i) {
        visit(run0[i], 0U, i);
    }
    for (; j < n1; ++j) {
        visit(run1[j], 1U, j);
    }
}

/// merge_runs over two vectors.
template <class Key, class Visit>
void merge_runs(const std::vector<Key>& run0, const std::vector<Key>& run1, Visit&& visit) {
    merge_runs(std::span<const Key>(run0), std::span<const Key>(run1), std::forward<Visit>(visit));
}

}  // namespace offloadkit::detail

#endif  // OFFLOADKIT_DETAIL_RADIX_SORT_HPP
