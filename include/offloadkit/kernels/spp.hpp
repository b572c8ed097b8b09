#ifndef OFFLOADKIT_KERNELS_SPP_HPP
#define OFFLOADKIT_KERNELS_SPP_HPP

/**
 * @file
 * @brief Spatial pyramid pooling (SPP): the layer ApproxNet puts at every outport so that feature
 *        maps of different spatial sizes (one per input shape, ApproxNet Table 1) pool into one
 *        fixed-length vector (ApproxNet §4.1; He et al., "Spatial pyramid pooling in deep
 *        convolutional networks", 2015).
 *
 * For each level l, each spatial axis of size a is cut into exactly l bins, and each (channel,
 * bin row, bin column) gets the maximum (or mean) of its window. Two bin rules
 * (docs/api.md, "spatial pyramid pooling"):
 *
 * - spp_rule::paper (default) — ApproxNet §4.1: window ceil(a/l), stride floor(a/l); bin i covers
 *   [i*stride, min(i*stride + window, a)). The min() never clips: with a = q*l + r,
 *   (l-1)*q + ceil(a/l) = l*q + [r > 0] <= a. Edge cases, kept as published:
 *   - a < l is rejected (stride 0); ApproxNet itself requires a >= 7 for l = 3 (§4.1).
 *   - The last a - l*q - [r > 0] = r - [r > 0] rows/columns are in no bin when r >= 2, e.g. at
 *     l = 3 for a = 8, 11, 14, 20 (three of Table 1's map sizes: 8x8, 14x14, 20x20) the last
 *     row and column are never pooled. This is the rule as the paper states it; we keep it.
 *   - torch's F.max_pool2d(x, ceil(a/l), floor(a/l)) computes the same bins, but returns
 *     floor((a - ceil(a/l)) / floor(a/l)) + 1 bins, which is more than l when r > q
 *     (e.g. a = 5, l = 3 gives 4): the paper's layer keeps the first l (its FC layer expects
 *     l*l per channel), and so do we.
 * - spp_rule::adaptive — torch's adaptive pooling: bin i covers [floor(i*a/l), ceil((i+1)*a/l)),
 *   which always covers the whole axis and is defined for a < l too (bins then repeat pixels).
 *
 * Output order (both rules, both layouts): levels in the order given; within a level channel,
 * then bin row, then bin column — torch.cat([pool(x).flatten(1) for each level], 1). An HWC
 * input produces the same vector as its CHW transpose, so an FC layer's weights do not depend on
 * the layout.
 *
 * Values: max pooling follows torch exactly, including NaN: a bin with a NaN in it yields NaN.
 * Signed zeros may come out either way in a bin whose maximum is 0 (compare with ==). Average
 * pooling divides the bin's sum by its element count (no padding exists), as ATen does: once by
 * the window area under the paper rule (avg_pool2d), by the row count and then the column count
 * under the adaptive rule (adaptive_avg_pool2d; once by H*W at level 1, its mean() path). It sums in the input's type, in a different
 * order than torch, so it agrees with torch to rounding (relative ~1e-6 for float) and bit for
 * bit on data whose partial sums are exact (small integers, dyadic fractions).
 *
 * Speed: every kernel has a scalar reference beside it (detail::spp_pool_reference); the fast
 * path uses xsimd batches. CHW: the bins of all levels are computed once per call, and the band
 * boundaries of all levels cut the rows into segments. Small maps (H*W <= 256, so up to
 * ApproxNet's 14x14, with at least four vectors of channels and, for max, no NaN) are transposed
 * four vectors of channels at a time (8x8 register tiles under AVX) and pooled with vectors across
 * channels (no horizontal work at all). Otherwise, per channel, every segment is reduced once
 * (vectors along the row, so each pooled element is read once whatever the number of levels; for
 * max the same pass looks for NaN and hands a NaN plane to the reference), each band merges its
 * segments, and each bin reduces its columns. Maps wider than 512 or with many bins go band by
 * band in column chunks; a level with more than 64 bins per axis uses the reference. HWC: vectors
 * run along channels, channel groups outermost so a group's slice of the map stays in cache
 * across levels; fewer channels than a vector use the reference. No allocation (stack buffers of
 * about 21 KB for float and 40 KB for double on the row path, 32 KB on the small-map path), no
 * threads.
 *
 * Measured (benchmarks/bench_approx.cpp, AVX-512, levels {1, 2, 3}): 64x28x28 ~8 us, 64x14x14
 * ~5 us, 64x7x7 ~2 us, 512x56x56 ~140 us (memcpy of the same bytes ~110-170 us on the same
 * machine); torch 1.13 needs 299 us, 119 us, 56 us and 5.96 ms.
 */

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <ranges>
#include <span>
#include <type_traits>

#include "../detail/simd.hpp"
#include "../error.hpp"

namespace offloadkit {

/// How an axis of size a is cut into l bins (see the file comment and docs/api.md).
enum class spp_rule {
    paper,    ///< ApproxNet §4.1: window ceil(a/l), stride floor(a/l), exactly l bins; a < l rejected
    adaptive  ///< torch adaptive pooling: bin i = [floor(i*a/l), ceil((i+1)*a/l))
};

/// Memory layout of one feature map (of one image; batches add a leading N).
enum class tensor_layout {
    chw,  ///< channel planes: element (c, y, x) at (c*H + y)*W + x (torch's default NCHW)
    hwc   ///< interleaved channels: element (c, y, x) at (y*W + x)*C + c (channels-last)
};

/// The pyramid levels ApproxNet uses (ApproxNet §4.1: l = 1, 2, 3; C*14 outputs).
inline constexpr std::array<std::size_t, 3> spp_default_levels{1, 2, 3};

/// The half-open element range [begin, end) of one bin on one axis.
struct spp_bin {
    std::size_t begin = 0;
    std::size_t end = 0;
    friend constexpr bool operator==(const spp_bin&, const spp_bin&) = default;
};

/**
 * @brief Bin `i` of `l` on an axis of `a` elements under `rule` (no validation).
 * @pre l >= 1, i < l, a >= 1, a*l does not overflow; a >= l for spp_rule::paper. Outside the
 *      precondition the result is meaningless but defined: l == 0 gives the empty bin {0, 0}
 *      (instead of a division by zero), overflow wraps.
 * @return paper: [i*floor(a/l), i*floor(a/l) + ceil(a/l)) (never clipped, see the file comment);
 *         adaptive: [floor(i*a/l), ceil((i+1)*a/l)). O(1).
 */
[[nodiscard]] constexpr spp_bin spp_bin_range(std::size_t a, std::size_t l, std::size_t i, spp_rule rule) noexcept {
    if (l == 0) [[unlikely]] {
        return {0, 0};
    }
    if (rule == spp_rule::paper) {
        const std::size_t stride = a / l;
        const std::size_t window = (a + l - 1) / l;
        const std::size_t begin = i * stride;
        return {begin, std::min(begin + window, a)};
    }
    return {i * a / l, ((i + 1) * a + l - 1) / l};
}

namespace detail {

template <class T>
concept spp_value = std::same_as<T, float> || std::same_as<T, double>;

/// A contiguous, sized range of float or double (std::vector, std::array, std::span, ...).
template <class R>
concept spp_input_range = std::ranges::contiguous_range<const R> && std::ranges::sized_range<const R> &&
                          spp_value<std::remove_cv_t<std::ranges::range_value_t<const R>>>;

/// A contiguous, sized range of writable float or double.
template <class R>
concept spp_output_range = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
                           spp_value<std::remove_cv_t<std::ranges::range_value_t<R>>> &&
                           !std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<R>>>;

/// A contiguous, sized range of integers (the pyramid levels).
template <class R>
concept spp_level_range = std::ranges::contiguous_range<const R> && std::ranges::sized_range<const R> &&
                          std::integral<std::remove_cv_t<std::ranges::range_value_t<const R>>> &&
                          !std::same_as<std::remove_cv_t<std::ranges::range_value_t<const R>>, bool>;

enum class pool_op { max, average };

/// a * b, or fail "function: what overflows std::size_t".
inline std::size_t checked_mul(std::size_t a, std::size_t b, std::string_view function, std::string_view what) {
    if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a) [[unlikely]] {
        fail(function, what, " overflows std::size_t");
    }
    return a * b;
}

/// Level l as std::size_t after checking it is >= 1 (negative levels fail here too).
template <class L>
std::size_t checked_level(L value, std::size_t index, std::string_view function) {
    if constexpr (std::is_signed_v<L>) {
        if (value < 1) [[unlikely]] {
            fail(function, arg_at{"levels", index}, " is ", static_cast<long long>(value), ", expected >= 1");
        }
    } else {
        if (value < 1) [[unlikely]] {
            fail(function, arg_at{"levels", index}, " is 0, expected >= 1");
        }
    }
    if constexpr (sizeof(L) > sizeof(std::size_t)) {
        require(value <= static_cast<L>(std::numeric_limits<std::size_t>::max()), function,
                arg_at{"levels", index}, " is too large");
    }
    return static_cast<std::size_t>(value);
}

/// C * sum(l*l) with every level validated; fails on a zero level or overflow.
template <class L>
std::size_t spp_output_size_checked(std::size_t channels, std::span<const L> levels, std::string_view function) {
    std::size_t per_channel = 0;
    for (std::size_t i = 0; i < levels.size(); ++i) {
        const std::size_t l = checked_level(levels[i], i, function);
        const std::size_t sq = checked_mul(l, l, function, "levels[i]^2");
        require(per_channel <= std::numeric_limits<std::size_t>::max() - sq, function,
                "sum of levels^2 overflows std::size_t");
        per_channel += sq;
    }
    return checked_mul(channels, per_channel, function, "C * sum(levels^2)");
}

/// Everything the SPP entry points validate, in one place; nothing is written before it passes.
template <class L>
std::size_t spp_validate(std::string_view function, std::size_t input_size, std::size_t output_size, std::size_t n,
                         std::size_t c, std::size_t h, std::size_t w, std::span<const L> levels, spp_rule rule) {
    require(n >= 1, function, "N is 0, expected >= 1");
    require(c >= 1, function, "C is 0, expected >= 1");
    require(h >= 1, function, "H is 0, expected >= 1");
    require(w >= 1, function, "W is 0, expected >= 1");
    require(!levels.empty(), function, "levels is empty");
    require(rule == spp_rule::paper || rule == spp_rule::adaptive, function, "rule is not a spp_rule value");
    const std::size_t chw = checked_mul(checked_mul(c, h, function, "C*H"), w, function, "C*H*W");
    const std::size_t total_in = checked_mul(n, chw, function, "N*C*H*W");
    const std::size_t per_image = spp_output_size_checked(c, levels, function);
    const std::size_t total_out = checked_mul(n, per_image, function, "N * spp_output_size");
    for (std::size_t i = 0; i < levels.size(); ++i) {
        const auto l = static_cast<std::size_t>(levels[i]);
        // Keeps (i+1)*a in spp_bin_range free of overflow.
        (void)checked_mul(l, std::max(h, w) + 1, function, "levels[i] * (max(H, W) + 1)");
        if (rule == spp_rule::paper) {
            require(l <= h, function, arg_at{"levels", i}, " is ", l, ", larger than H = ", h,
                    " (the paper rule needs H >= l: stride floor(H/l) would be 0)");
            require(l <= w, function, arg_at{"levels", i}, " is ", l, ", larger than W = ", w,
                    " (the paper rule needs W >= l: stride floor(W/l) would be 0)");
        }
    }
    if (n == 1) {
        require_same_size(input_size, total_in, function, "input", "C*H*W");
        require_same_size(output_size, total_out, function, "output", "spp_output_size(C, levels)");
    } else {
        require_same_size(input_size, total_in, function, "input", "N*C*H*W");
        require_same_size(output_size, total_out, function, "output", "N * spp_output_size(C, levels)");
    }
    return per_image;
}

/// A bin's mean from its sum, divided exactly as ATen 1.13 does: avg_pool2d divides once by the
/// window area; adaptive_avg_pool2d divides by the row count and then by the column count, except
/// for a 1x1 output, which it computes as mean() (one division by H*W).
template <class T>
inline T bin_mean(T sum, std::size_t rows, std::size_t cols, std::size_t level, spp_rule rule) noexcept {
    if (rule == spp_rule::paper || level == 1) {
        return sum / static_cast<T>(rows * cols);
    }
    return sum / static_cast<T>(rows) / static_cast<T>(cols);
}

/**
 * @brief The scalar reference: SPP of one image, element by element, in torch's order
 *        (row-major within a bin; max keeps the first NaN: `if (v > m || isnan(v)) m = v`,
 *        starting from -inf, as ATen's max_pool2d does).
 *
 * Tests and benchmarks compare the fast path with this. O(C * sum over levels of the bins'
 * areas). @pre validated arguments (see spp_validate).
 */
template <class T, class L>
void spp_pool_reference(const T* in, std::size_t c_count, std::size_t h, std::size_t w, std::span<const L> levels,
                        T* out, spp_rule rule, tensor_layout layout, pool_op op) noexcept {
    const std::size_t cs = layout == tensor_layout::chw ? h * w : 1;               // channel stride
    const std::size_t ys = layout == tensor_layout::chw ? w : w * c_count;         // row stride
    const std::size_t xs = layout == tensor_layout::chw ? 1 : c_count;             // column stride
    for (const L level : levels) {
        const auto l = static_cast<std::size_t>(level);
        for (std::size_t c = 0; c < c_count; ++c) {
            for (std::size_t by = 0; by < l; ++by) {
                const spp_bin rows = spp_bin_range(h, l, by, rule);
                for (std::size_t bx = 0; bx < l; ++bx) {
                    const spp_bin cols = spp_bin_range(w, l, bx, rule);
                    T acc = op == pool_op::max ? -std::numeric_limits<T>::infinity() : T(0);
                    for (std::size_t y = rows.begin; y < rows.end; ++y) {
                        for (std::size_t x = cols.begin; x < cols.end; ++x) {
                            const T v = in[c * cs + y * ys + x * xs];
                            if (op == pool_op::max) {
                                if (v > acc || std::isnan(v)) {
                                    acc = v;
                                }
                            } else {
                                acc += v;
                            }
                        }
                    }
                    if (op == pool_op::average) {
                        acc = bin_mean(acc, rows.end - rows.begin, cols.end - cols.begin, l, rule);
                    }
                    *out++ = acc;
                }
            }
        }
    }
}

namespace spp_simd {

template <class T>
using batch = simd::batch<T>;
template <class T>
inline constexpr std::size_t lanes = simd::lanes<T>;

template <pool_op Op, class T>
inline T combine(T a, T b) noexcept {
    if constexpr (Op == pool_op::max) {
        return a < b ? b : a;
    } else {
        return a + b;
    }
}

OFFLOADKIT_DETAIL_GCC12_AVX512_BEGIN
template <pool_op Op, class B>
inline B combine_batch(const B& a, const B& b) noexcept {
    if constexpr (Op == pool_op::max) {
        return xsimd::max(a, b);
    } else {
        return a + b;
    }
}
OFFLOADKIT_DETAIL_GCC12_AVX512_END

/// True if any of p[0..n) is NaN (vectorised).
template <class T>
bool any_nan(const T* p, std::size_t n) noexcept {
    constexpr std::size_t L = lanes<T>;
    std::size_t i = 0;
    if (n >= L) {
        // xsimd::isnan, not v != v: xsimd 8 compares AVX/AVX-512 batches with an ordered
        // not-equal, which is false for NaN (SSE's cmpneq is true).
        auto bad = xsimd::isnan(batch<T>::load_unaligned(p));
        for (i = L; i + L <= n; i += L) {
            bad = bad | xsimd::isnan(batch<T>::load_unaligned(p + i));
        }
        if (xsimd::any(bad)) {
            return true;
        }
    }
    for (; i < n; ++i) {
        if (std::isnan(p[i])) {
            return true;
        }
    }
    return false;
}

/**
 * Vertical pass: dst[k] = Op over rows r in [0, nrows) of src[r*stride + k], for k in [0, n).
 * Vectors along k; a final overlapping vector covers n % L (it recomputes some columns with the
 * same row order, so they get identical values). Four accumulators at a time for ILP. A row
 * narrower than a vector is read as one full vector when that stays below `readable_end` (the
 * extra lanes belong to the next row; dst must have room for L elements, the extra ones are
 * never used for a result).
 * With CheckNaN, returns true if any loaded lane was NaN (the over-read lanes included, so a
 * NaN just past the rows may also report true: callers then take the exact reference path).
 */
template <pool_op Op, bool CheckNaN, class T>
bool reduce_rows(const T* src, std::size_t stride, std::size_t nrows, std::size_t n, T* dst,
                 const T* readable_end) noexcept {
    constexpr std::size_t L = lanes<T>;
    using B = batch<T>;
    // Loads one vector and, with CheckNaN, folds its NaN lanes into `bad`.
    auto load = [](const T* p, typename B::batch_bool_type& bad) {
        const B v = B::load_unaligned(p);
        if constexpr (CheckNaN) {
            bad = bad | xsimd::isnan(v);  // see any_nan: not v != v
        }
        return v;
    };
    typename B::batch_bool_type bad(false);
    if (n < L) {
        if (static_cast<std::size_t>(readable_end - src) >= (nrows - 1) * stride + L) {
            B a0 = load(src, bad);
            for (std::size_t r = 1; r < nrows; ++r) {
                a0 = combine_batch<Op>(a0, load(src + r * stride, bad));
            }
            a0.store_unaligned(dst);
            return CheckNaN && xsimd::any(bad);
        }
        bool nan = false;
        for (std::size_t k = 0; k < n; ++k) {
            T acc = src[k];
            nan = nan || std::isnan(acc);
            for (std::size_t r = 1; r < nrows; ++r) {
                const T v = src[r * stride + k];
                nan = nan || std::isnan(v);
                acc = combine<Op>(acc, v);
            }
            dst[k] = acc;
        }
        return CheckNaN && nan;
    }
    const std::size_t nb = (n + L - 1) / L;  // vector positions, the last one clamped to n - L
    auto pos = [&](std::size_t j) { return std::min(j * L, n - L); };
    std::size_t j = 0;
    for (; j + 4 <= nb; j += 4) {
        const std::size_t p0 = pos(j), p1 = pos(j + 1), p2 = pos(j + 2), p3 = pos(j + 3);
        B a0 = load(src + p0, bad);
        B a1 = load(src + p1, bad);
        B a2 = load(src + p2, bad);
        B a3 = load(src + p3, bad);
        for (std::size_t r = 1; r < nrows; ++r) {
            const T* row = src + r * stride;
            a0 = combine_batch<Op>(a0, load(row + p0, bad));
            a1 = combine_batch<Op>(a1, load(row + p1, bad));
            a2 = combine_batch<Op>(a2, load(row + p2, bad));
            a3 = combine_batch<Op>(a3, load(row + p3, bad));
        }
        a0.store_unaligned(dst + p0);
        a1.store_unaligned(dst + p1);
        a2.store_unaligned(dst + p2);
        a3.store_unaligned(dst + p3);
    }
    if (nb - j >= 2) {
        const std::size_t p0 = pos(j), p1 = pos(j + 1);
        B a0 = load(src + p0, bad);
        B a1 = load(src + p1, bad);
        for (std::size_t r = 1; r < nrows; ++r) {
            const T* row = src + r * stride;
            a0 = combine_batch<Op>(a0, load(row + p0, bad));
            a1 = combine_batch<Op>(a1, load(row + p1, bad));
        }
        a0.store_unaligned(dst + p0);
        a1.store_unaligned(dst + p1);
        j += 2;
    }
    if (j < nb) {
        const std::size_t p0 = pos(j);
        B a0 = load(src + p0, bad);
        for (std::size_t r = 1; r < nrows; ++r) {
            a0 = combine_batch<Op>(a0, load(src + r * stride + p0, bad));
        }
        a0.store_unaligned(dst + p0);
    }
    return CheckNaN && xsimd::any(bad);
}

/// Horizontal sum of p[0..n), n >= 1 (vector body, scalar tail).
template <class T>
T sum_span(const T* p, std::size_t n) noexcept {
    constexpr std::size_t L = lanes<T>;
    if (n < L) {
        T acc = p[0];
        for (std::size_t k = 1; k < n; ++k) {
            acc += p[k];
        }
        return acc;
    }
    auto acc = batch<T>::load_unaligned(p);
    std::size_t k = L;
    for (; k + L <= n; k += L) {
        acc += batch<T>::load_unaligned(p + k);
    }
    T s = simd::reduce_add(acc);
    for (; k < n; ++k) {
        s += p[k];
    }
    return s;
}

/// Max of p[0..n), n >= 1: scalar with four independent chains (a bin is a few dozen elements;
/// a vector reduction would cost more than it saves, notably with xsimd 8's reduce_max).
template <class T>
T max_span(const T* p, std::size_t n) noexcept {
    T m0 = p[0], m1 = p[0], m2 = p[0], m3 = p[0];
    std::size_t k = 1;
    for (; k + 4 <= n; k += 4) {
        m0 = combine<pool_op::max>(m0, p[k]);
        m1 = combine<pool_op::max>(m1, p[k + 1]);
        m2 = combine<pool_op::max>(m2, p[k + 2]);
        m3 = combine<pool_op::max>(m3, p[k + 3]);
    }
    for (; k < n; ++k) {
        m0 = combine<pool_op::max>(m0, p[k]);
    }
    return combine<pool_op::max>(combine<pool_op::max>(m0, m1), combine<pool_op::max>(m2, m3));
}

template <pool_op Op, class T>
T reduce_span(const T* p, std::size_t n) noexcept {
    if constexpr (Op == pool_op::max) {
        return max_span(p, n);
    } else {
        return sum_span(p, n);
    }
}

/// dst[0..n) = Op over s in [0, count) of src[s*stride + k]: merges segment buffers into a band.
/// Rows narrower than a vector use one full vector (the buffers have room for it).
template <pool_op Op, class T>
void merge_rows(const T* src, std::size_t stride, std::size_t count, std::size_t n, T* dst) noexcept {
    reduce_rows<Op, false>(src, stride, count, n, dst, src + (count - 1) * stride + std::max(n, lanes<T>));
}

/// The CHW kernel's band buffer: maps wider than this are processed in column chunks.
inline constexpr std::size_t chw_chunk = 512;
/// Room past a row for full-vector over-reads and stores (>= the widest batch).
inline constexpr std::size_t chw_pad = 64;
/// Elements of T available for the per-channel row-segment buffers.
inline constexpr std::size_t segment_capacity = 4096;

/**
 * Everything about the bins that does not depend on the channel, computed once per call
 * (integer divisions are not free per channel). Row segments: the band boundaries of all levels
 * cut the rows into segments; each channel reduces every segment once, and a band is the Op of
 * its segments, so each row is read once however many levels there are.
 */
struct chw_plan {
    static constexpr std::size_t max_bins = 64;  ///< total bins per axis over all levels
    static constexpr std::size_t max_bounds = 2 * max_bins;
    std::array<spp_bin, max_bins> rows;
    std::array<spp_bin, max_bins> cols;
    std::array<std::size_t, max_bounds> bounds;  ///< sorted distinct band boundaries (rows)
    std::array<std::size_t, max_bins> first_seg;  ///< per band: its first segment
    std::array<std::size_t, max_bins> last_seg;   ///< per band: one past its last segment
    std::array<bool, max_bounds> seg_used;
    std::size_t nbounds = 0;
    std::size_t seg_stride = 0;
    bool fits = false;      ///< all bins fit in the arrays
    bool segments = false;  ///< segment buffers fit in segment_capacity (and W <= chw_chunk)
};

template <class L>
void make_chw_plan(std::size_t h, std::size_t w, std::span<const L> levels, spp_rule rule, chw_plan& plan) noexcept {
    std::size_t total = 0;
    for (const L level : levels) {
        const auto l = static_cast<std::size_t>(level);
        if (l > chw_plan::max_bins - total) {
            plan.fits = false;
            return;
        }
        for (std::size_t i = 0; i < l; ++i) {
            plan.rows[total + i] = spp_bin_range(h, l, i, rule);
            plan.cols[total + i] = spp_bin_range(w, l, i, rule);
        }
        total += l;
    }
    plan.fits = true;
    // Distinct band boundaries, sorted (insertion sort: at most 128 values).
    std::size_t nb = 0;
    auto insert = [&](std::size_t v) {
        std::size_t k = 0;
        while (k < nb && plan.bounds[k] < v) {
            ++k;
        }
        if (k < nb && plan.bounds[k] == v) {
            return;
        }
        for (std::size_t m = nb; m > k; --m) {
            plan.bounds[m] = plan.bounds[m - 1];
        }
        plan.bounds[k] = v;
        ++nb;
    };
    for (std::size_t b = 0; b < total; ++b) {
        insert(plan.rows[b].begin);
        insert(plan.rows[b].end);
    }
    plan.nbounds = nb;
    std::fill(plan.seg_used.begin(), plan.seg_used.begin() + static_cast<std::ptrdiff_t>(nb), false);
    for (std::size_t b = 0; b < total; ++b) {
        std::size_t k = 0;
        while (plan.bounds[k] != plan.rows[b].begin) {
            ++k;
        }
        plan.first_seg[b] = k;
        while (plan.bounds[k] != plan.rows[b].end) {
            plan.seg_used[k] = true;
            ++k;
        }
        plan.last_seg[b] = k;
    }
    plan.seg_stride = w + chw_pad;
    plan.segments = w <= chw_chunk && (nb - 1) * plan.seg_stride <= segment_capacity;
}

/**
 * One channel plane in segment mode: writes every level's l*l outputs. For max, the segment pass
 * (which reads every pooled element exactly once) also looks for NaN; if it sees one, nothing is
 * written and false is returned (the caller then runs the reference on this plane).
 */
template <pool_op Op, class T, class L>
bool pool_plane_segments(const T* plane, std::size_t c, std::size_t c_count, std::size_t w,
                         std::span<const L> levels, const chw_plan& plan, spp_rule rule, T* out, T* seg, T* band,
                         const T* readable_end) noexcept {
    const std::size_t stride = plan.seg_stride;
    bool nan = false;
    for (std::size_t s = 0; s + 1 < plan.nbounds; ++s) {
        if (plan.seg_used[s]) {
            nan |= reduce_rows<Op, Op == pool_op::max>(plane + plan.bounds[s] * w, w,
                                                       plan.bounds[s + 1] - plan.bounds[s], w, seg + s * stride,
                                                       readable_end);
        }
    }
    if (nan) {
        return false;
    }
    std::size_t level_offset = 0;
    std::size_t b = 0;  // band index into the plan
    for (const L level : levels) {
        const auto l = static_cast<std::size_t>(level);
        T* dst = out + level_offset + c * l * l;
        const spp_bin* cols = plan.cols.data() + b;
        for (std::size_t by = 0; by < l; ++by, ++b) {
            const std::size_t first = plan.first_seg[b];
            const std::size_t count = plan.last_seg[b] - first;
            const T* src = seg + first * stride;
            if (count > 1) {
                merge_rows<Op>(src, stride, count, w, band);
                src = band;
            }
            const std::size_t nrows = plan.rows[b].end - plan.rows[b].begin;
            for (std::size_t bx = 0; bx < l; ++bx) {
                const std::size_t width = cols[bx].end - cols[bx].begin;
                const T v = reduce_span<Op>(src + cols[bx].begin, width);
                if constexpr (Op == pool_op::max) {
                    dst[by * l + bx] = v;
                } else {
                    dst[by * l + bx] = bin_mean(v, nrows, width, l, rule);
                }
            }
        }
        level_offset += c_count * l * l;
    }
    return true;
}

/// One channel plane, one level, band by band (maps too wide for segment buffers; wider than
/// chw_chunk: column chunks, bins straddling a chunk boundary combine partial results).
template <pool_op Op, class T>
void pool_plane_level(const T* plane, std::size_t w, std::size_t l, const spp_bin* rows, const spp_bin* cols,
                      spp_rule rule, T* out, T* buf, const T* readable_end) noexcept {
    for (std::size_t by = 0; by < l; ++by) {
        const std::size_t nrows = rows[by].end - rows[by].begin;
        T* out_row = out + by * l;
        for (std::size_t cx0 = 0; cx0 < w; cx0 += chw_chunk) {
            const std::size_t cw = std::min(chw_chunk, w - cx0);
            reduce_rows<Op, false>(plane + rows[by].begin * w + cx0, w, nrows, cw, buf, readable_end);
            for (std::size_t bx = 0; bx < l; ++bx) {
                const std::size_t s = std::max(cols[bx].begin, cx0);
                const std::size_t e = std::min(cols[bx].end, cx0 + cw);
                if (s >= e) {
                    continue;
                }
                const T part = reduce_span<Op>(buf + (s - cx0), e - s);
                out_row[bx] = s == cols[bx].begin ? part : combine<Op>(out_row[bx], part);
            }
        }
        if constexpr (Op == pool_op::average) {
            for (std::size_t bx = 0; bx < l; ++bx) {
                out_row[bx] = bin_mean(out_row[bx], nrows, cols[bx].end - cols[bx].begin, l, rule);
            }
        }
    }
}

/// Planes up to this many elements take the channel-vectorised path (spp_chw_small): up to
/// 14x14, ApproxNet's smallest SPP inputs (Table 1), where the per-channel row path spends more
/// on per-bin bookkeeping than on pooling.
inline constexpr std::size_t small_plane = 256;
/// Vectors of channels per block of spp_chw_small (4 measured best of 1..8 at 7x7, 10x10 and
/// 14x14; with 1 or 2, GCC 12 keeps the accumulators in memory).
inline constexpr std::size_t small_group = 4;

/// blk[p*gc + j] = src[j*hw + p] for p < hw, j < gc (gc a multiple of the vector width): gc
/// channel planes of hw pixels into pixel-major order. With AVX and 8-float vectors, 8x8 tiles go
/// through registers (xsimd 8 has no portable transpose; a scalar transpose was two thirds of the
/// time of a 64x14x14 map); elsewhere, and for the last hw % 8 pixels, element by element.
template <class T>
void transpose_block(const T* src, std::size_t hw, std::size_t gc, T* blk) noexcept {
    std::size_t p0 = 0;
#if XSIMD_WITH_AVX && !XSIMD_WITH_AVX512F
    if constexpr (std::is_same_v<T, float> && lanes<T> == 8) {
        for (; p0 + 8 <= hw; p0 += 8) {
            for (std::size_t j0 = 0; j0 < gc; j0 += 8) {
                const float* s0 = src + j0 * hw + p0;
                __m256 r[8];
                for (std::size_t k = 0; k < 8; ++k) {
                    r[k] = _mm256_loadu_ps(s0 + k * hw);  // channel j0 + k, pixels p0..p0+7
                }
                const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]);
                const __m256 t1 = _mm256_unpackhi_ps(r[0], r[1]);
                const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]);
                const __m256 t3 = _mm256_unpackhi_ps(r[2], r[3]);
                const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]);
                const __m256 t5 = _mm256_unpackhi_ps(r[4], r[5]);
                const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]);
                const __m256 t7 = _mm256_unpackhi_ps(r[6], r[7]);
                const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44);
                const __m256 u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
                const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44);
                const __m256 u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
                const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44);
                const __m256 u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
                const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44);
                const __m256 u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
                float* d = blk + p0 * gc + j0;
                _mm256_storeu_ps(d + 0 * gc, _mm256_permute2f128_ps(u0, u4, 0x20));  // pixel p0
                _mm256_storeu_ps(d + 1 * gc, _mm256_permute2f128_ps(u1, u5, 0x20));
                _mm256_storeu_ps(d + 2 * gc, _mm256_permute2f128_ps(u2, u6, 0x20));
                _mm256_storeu_ps(d + 3 * gc, _mm256_permute2f128_ps(u3, u7, 0x20));
                _mm256_storeu_ps(d + 4 * gc, _mm256_permute2f128_ps(u0, u4, 0x31));
                _mm256_storeu_ps(d + 5 * gc, _mm256_permute2f128_ps(u1, u5, 0x31));
                _mm256_storeu_ps(d + 6 * gc, _mm256_permute2f128_ps(u2, u6, 0x31));
                _mm256_storeu_ps(d + 7 * gc, _mm256_permute2f128_ps(u3, u7, 0x31));
            }
        }
    }
#endif
    for (std::size_t p = p0; p < hw; ++p) {
        T* dst = blk + p * gc;
        for (std::size_t j = 0; j < gc; ++j) {
            dst[j] = src[j * hw + p];
        }
    }
}

/**
 * Small maps (H*W <= small_plane, C >= 4L, no NaN when pooling max): vectors run across
 * channels, as in spp_hwc. A block of 4L channel planes is transposed into blk[p*4L + channel]
 * (32 KB on the stack for float and double), then every bin is a vertical reduction over its
 * pixels in row-major order, as the reference does (so averages match it bit for bit), with four
 * independent accumulators per pixel visit (the loop overhead of a bin of a few pixels is shared
 * by four vectors). The last block overlaps the previous one; overlapped channels get identical
 * values. Maps with a NaN take the row path, which hands NaN planes to the reference.
 */
template <pool_op Op, class T, class L>
void spp_chw_small(const T* in, std::size_t c_count, std::size_t h, std::size_t w, std::span<const L> levels,
                   const chw_plan& plan, T* out, spp_rule rule) noexcept {
    using B = batch<T>;
    constexpr std::size_t Ln = lanes<T>;
    constexpr std::size_t G = small_group;
    constexpr std::size_t gc = G * Ln;  // channels per block, <= c_count
    constexpr std::size_t capacity = small_plane * gc;
    const std::size_t hw = h * w;
    alignas(64) T blk[capacity];
    alignas(64) T lanes_out[gc];
    for (std::size_t c_next = 0; c_next < c_count; c_next += gc) {
        const std::size_t c0 = std::min(c_next, c_count - gc);
        transpose_block(in + c0 * hw, hw, gc, blk);
        std::size_t level_offset = 0;
        std::size_t b = 0;  // band index into the plan
        for (const L level : levels) {
            const auto l = static_cast<std::size_t>(level);
            const spp_bin* cols = plan.cols.data() + b;
            for (std::size_t by = 0; by < l; ++by, ++b) {
                const spp_bin rows = plan.rows[b];
                for (std::size_t bx = 0; bx < l; ++bx) {
                    B acc[G];
                    const T* first = blk + (rows.begin * w + cols[bx].begin) * gc;
                    for (std::size_t v = 0; v < G; ++v) {
                        acc[v] = B::load_aligned(first + v * Ln);
                    }
                    for (std::size_t y = rows.begin; y < rows.end; ++y) {
                        // the first pixel of the bin initialised the accumulators
                        const std::size_t x_first = y == rows.begin ? cols[bx].begin + 1 : cols[bx].begin;
                        const T* px = blk + (y * w + x_first) * gc;
                        for (std::size_t x = x_first; x < cols[bx].end; ++x, px += gc) {
                            for (std::size_t v = 0; v < G; ++v) {
                                acc[v] = combine_batch<Op>(acc[v], B::load_aligned(px + v * Ln));
                            }
                        }
                    }
                    for (std::size_t v = 0; v < G; ++v) {
                        acc[v].store_aligned(lanes_out + v * Ln);
                    }
                    T* dst = out + level_offset + by * l + bx;
                    const std::size_t nr = rows.end - rows.begin, nc = cols[bx].end - cols[bx].begin;
                    for (std::size_t j = 0; j < G * Ln; ++j) {
                        dst[(c0 + j) * l * l] =
                            Op == pool_op::max ? lanes_out[j] : bin_mean(lanes_out[j], nr, nc, l, rule);
                    }
                }
            }
            level_offset += c_count * l * l;
        }
    }
}

template <pool_op Op, class T, class L>
void spp_chw(const T* in, std::size_t c_count, std::size_t h, std::size_t w, std::span<const L> levels,
             T* out, spp_rule rule) noexcept {
    const std::size_t plane_size = h * w;
    const T* const end = in + c_count * plane_size;
    chw_plan plan;
    make_chw_plan(h, w, levels, rule, plan);
    if (plan.fits && plane_size <= small_plane && c_count >= small_group * lanes<T> &&
        !(Op == pool_op::max && any_nan(in, c_count * plane_size))) {
        spp_chw_small<Op>(in, c_count, h, w, levels, plan, out, rule);
        return;
    }
    alignas(64) T band[chw_chunk + chw_pad];
    std::fill(band, band + chw_chunk + chw_pad, T(0));
    auto nan_plane = [&](const T* plane) { return Op == pool_op::max && any_nan(plane, plane_size); };
    auto reference_level = [&](const T* plane, std::size_t l, T* dst) {
        // Torch's NaN semantics (and very fine levels) through the reference, one plane.
        const std::array<std::size_t, 1> one{l};
        spp_pool_reference<T, std::size_t>(plane, 1, h, w, one, dst, rule, tensor_layout::chw, Op);
    };
    if (plan.fits && plan.segments) {
        alignas(64) T seg[segment_capacity + chw_pad];
        std::fill(seg, seg + (plan.nbounds - 1) * plan.seg_stride + chw_pad, T(0));  // no indeterminate lanes
        for (std::size_t c = 0; c < c_count; ++c) {
            const T* plane = in + c * plane_size;
            if (!pool_plane_segments<Op>(plane, c, c_count, w, levels, plan, rule, out, seg, band, end)) {
                std::size_t level_offset = 0;
                for (const L level : levels) {
                    const auto l = static_cast<std::size_t>(level);
                    reference_level(plane, l, out + level_offset + c * l * l);
                    level_offset += c_count * l * l;
                }
            }
        }
        return;
    }
    // Wide maps or many bins: channel outer when the bins fit the plan, else level by level.
    std::size_t level_offset = 0;
    std::size_t bin_offset = 0;
    for (const L level : levels) {
        const auto l = static_cast<std::size_t>(level);
        std::array<spp_bin, chw_plan::max_bins> rows_local{}, cols_local{};
        const spp_bin* rows = plan.fits ? plan.rows.data() + bin_offset : rows_local.data();
        const spp_bin* cols = plan.fits ? plan.cols.data() + bin_offset : cols_local.data();
        const bool planned = plan.fits || l <= chw_plan::max_bins;
        if (!plan.fits && planned) {
            for (std::size_t i = 0; i < l; ++i) {
                rows_local[i] = spp_bin_range(h, l, i, rule);
                cols_local[i] = spp_bin_range(w, l, i, rule);
            }
        }
        for (std::size_t c = 0; c < c_count; ++c) {
            const T* plane = in + c * plane_size;
            T* dst = out + level_offset + c * l * l;
            if (!planned || nan_plane(plane)) {
                reference_level(plane, l, dst);
            } else {
                pool_plane_level<Op>(plane, w, l, rows, cols, rule, dst, band, end);
            }
        }
        level_offset += c_count * l * l;
        bin_offset += l;
    }
}

/// HWC: vectors along channels. Channel group [c0, c0 + g*L) with overlapping last vector
/// (identical per-lane work, so overlapped channels get identical values).
template <pool_op Op, class T, class L>
void spp_hwc(const T* in, std::size_t c_count, std::size_t h, std::size_t w, std::span<const L> levels, T* out,
             spp_rule rule) noexcept {
    constexpr std::size_t Ln = lanes<T>;
    constexpr std::size_t group = 8;  // vectors per channel group (8 measured best of 1, 2, 4, 8)
    if (c_count < Ln) {
        spp_pool_reference<T, L>(in, c_count, h, w, levels, out, rule, tensor_layout::hwc, Op);
        return;
    }
    const std::size_t nb = (c_count + Ln - 1) / Ln;
    auto pos = [&](std::size_t j) { return std::min(j * Ln, c_count - Ln); };
    const std::size_t ys = w * c_count;
    alignas(64) T lanes_out[group * Ln];
    for (std::size_t j0 = 0; j0 < nb; j0 += group) {
        const std::size_t g = std::min(group, nb - j0);
        std::size_t level_offset = 0;
        for (const L level : levels) {
            const auto l = static_cast<std::size_t>(level);
            for (std::size_t by = 0; by < l; ++by) {
                const spp_bin rows = spp_bin_range(h, l, by, rule);
                for (std::size_t bx = 0; bx < l; ++bx) {
                    const spp_bin cols = spp_bin_range(w, l, bx, rule);
                    batch<T> acc[group];
                    const T* first = in + rows.begin * ys + cols.begin * c_count;
                    for (std::size_t v = 0; v < g; ++v) {
                        acc[v] = batch<T>::load_unaligned(first + pos(j0 + v));
                    }
                    for (std::size_t y = rows.begin; y < rows.end; ++y) {
                        // The first pixel of the bin initialised the accumulators.
                        const std::size_t x_first = y == rows.begin ? cols.begin + 1 : cols.begin;
                        for (std::size_t x = x_first; x < cols.end; ++x) {
                            const T* px = in + y * ys + x * c_count;
                            for (std::size_t v = 0; v < g; ++v) {
                                acc[v] = combine_batch<Op>(acc[v], batch<T>::load_unaligned(px + pos(j0 + v)));
                            }
                        }
                    }
                    const std::size_t nr = rows.end - rows.begin;
                    const std::size_t nc = cols.end - cols.begin;
                    for (std::size_t v = 0; v < g; ++v) {
                        if constexpr (Op == pool_op::average) {
                            if (rule == spp_rule::paper || l == 1) {
                                acc[v] = acc[v] / batch<T>(static_cast<T>(nr * nc));
                            } else {
                                acc[v] = acc[v] / batch<T>(static_cast<T>(nr)) / batch<T>(static_cast<T>(nc));
                            }
                        }
                        acc[v].store_unaligned(lanes_out + v * Ln);
                    }
                    T* dst = out + level_offset + by * l + bx;
                    for (std::size_t v = 0; v < g; ++v) {
                        const std::size_t p = pos(j0 + v);
                        for (std::size_t k = 0; k < Ln; ++k) {
                            dst[(p + k) * l * l] = lanes_out[v * Ln + k];
                        }
                    }
                }
            }
            level_offset += c_count * l * l;
        }
    }
}

/// One image, validated: fast path (or the reference for max over HWC maps that contain NaN).
template <pool_op Op, class T, class L>
void spp_image(const T* in, std::size_t c, std::size_t h, std::size_t w, std::span<const L> levels, T* out,
               spp_rule rule, tensor_layout layout) noexcept {
    if (layout == tensor_layout::chw) {
        spp_chw<Op>(in, c, h, w, levels, out, rule);
    } else if (Op == pool_op::max && any_nan(in, c * h * w)) {
        spp_pool_reference<T, L>(in, c, h, w, levels, out, rule, tensor_layout::hwc, Op);
    } else {
        spp_hwc<Op>(in, c, h, w, levels, out, rule);
    }
}

}  // namespace spp_simd

template <class R>
inline auto as_level_span(const R& r) noexcept {
    using L = std::remove_cv_t<std::ranges::range_value_t<const R>>;
    return std::span<const L>(std::ranges::data(r), std::ranges::size(r));
}

/// The common entry: validate everything, then pool N images.
template <pool_op Op, class In, class L, class Out>
void spp_entry(std::string_view function, const In& input, std::size_t n, std::size_t c, std::size_t h, std::size_t w,
               std::span<const L> levels, Out&& output, spp_rule rule, tensor_layout layout) {
    using T = std::remove_cv_t<std::ranges::range_value_t<const In>>;
    static_assert(std::is_same_v<T, std::remove_cv_t<std::ranges::range_value_t<Out>>>,
                  "spp: input and output must have the same element type (float or double)");
    require(layout == tensor_layout::chw || layout == tensor_layout::hwc, function,
            "layout is not a tensor_layout value");
    const std::size_t per_image =
        spp_validate(function, std::ranges::size(input), std::ranges::size(output), n, c, h, w, levels, rule);
    const T* in = std::ranges::data(input);
    T* out = std::ranges::data(output);
    const std::size_t image = c * h * w;
    for (std::size_t i = 0; i < n; ++i) {
        spp_simd::spp_image<Op>(in + i * image, c, h, w, levels, out + i * per_image, rule, layout);
    }
}

}  // namespace detail

/**
 * @brief Length of the SPP output vector: C * sum over levels of l*l (docs/api.md).
 * @param channels C.
 * @param levels the pyramid levels (any contiguous range of integers, or a braced list).
 * @return C * sum(l*l); e.g. spp_output_size(64, {1, 2, 3}) == 896. O(levels).
 * @throws offloadkit::invalid_argument if a level is < 1 ("spp_output_size: levels[1] is 0, ...")
 *         or the result overflows std::size_t. (An empty list gives 0.)
 */
template <class Levels>
    requires detail::spp_level_range<Levels>
[[nodiscard]] std::size_t spp_output_size(std::size_t channels, const Levels& levels) {
    return detail::spp_output_size_checked(channels, detail::as_level_span(levels), "spp_output_size");
}

/// @copydoc spp_output_size(std::size_t, const Levels&)
[[nodiscard]] inline std::size_t spp_output_size(std::size_t channels, std::initializer_list<std::size_t> levels) {
    return detail::spp_output_size_checked(channels, detail::as_level_span(levels), "spp_output_size");
}

/**
 * @brief Spatial pyramid max pooling of one C x H x W feature map (ApproxNet §4.1; API.md).
 *
 * @param input  C*H*W floats (or doubles) in `layout` (CHW by default).
 * @param C, H, W  channels, height, width; all >= 1.
 * @param levels pyramid levels, each >= 1 (e.g. ok::spp_default_levels or {1, 2, 3}); under
 *        spp_rule::paper each must be <= H and <= W.
 * @param output spp_output_size(C, levels) elements; order: level, channel, bin row, bin column.
 * @param rule   spp_rule::paper (window ceil(a/l), stride floor(a/l)) or spp_rule::adaptive.
 * @param layout tensor_layout::chw (default) or tensor_layout::hwc; the output order is the same.
 * @throws offloadkit::invalid_argument for C, H or W = 0, an empty level list, a level < 1, a level
 *         > H or W under the paper rule, input.size() != C*H*W, output.size() !=
 *         spp_output_size(C, levels), or sizes that overflow; `output` is untouched then.
 *
 * Complexity O(C*H*W*levels) with vector loads; no allocation (a 512-element stack row buffer).
 * NaN in a bin gives NaN (as torch); -0.0/+0.0 may differ from torch in an all-zero bin.
 * @code
 * std::vector<float> fmap(64 * 28 * 28), pooled(ok::spp_output_size(64, {1, 2, 3}));  // 896
 * ok::spp_max_pool(fmap, 64, 28, 28, ok::spp_default_levels, pooled);
 * @endcode
 */
template <class In, class Levels, class Out>
    requires detail::spp_input_range<In> && detail::spp_level_range<Levels> && detail::spp_output_range<Out>
void spp_max_pool(const In& input, std::size_t C, std::size_t H, std::size_t W, const Levels& levels, Out&& output,
                  spp_rule rule = spp_rule::paper, tensor_layout layout = tensor_layout::chw) {
    detail::spp_entry<detail::pool_op::max>("spp_max_pool", input, 1, C, H, W, detail::as_level_span(levels), output,
                                            rule, layout);
}

/// @copydoc spp_max_pool(const In&, std::size_t, std::size_t, std::size_t, const Levels&, Out&&, spp_rule, tensor_layout)
template <class In, class Out>
    requires detail::spp_input_range<In> && detail::spp_output_range<Out>
void spp_max_pool(const In& input, std::size_t C, std::size_t H, std::size_t W, std::initializer_list<std::size_t> levels,
                  Out&& output, spp_rule rule = spp_rule::paper, tensor_layout layout = tensor_layout::chw) {
    detail::spp_entry<detail::pool_op::max>("spp_max_pool", input, 1, C, H, W, detail::as_level_span(levels), output,
                                            rule, layout);
}

/**
 * @brief Spatial pyramid average pooling: as spp_max_pool, each bin's mean (sum / element count;
 *        the bins never reach outside the map, so no padding convention is involved).
 *
 * Matches torch's F.avg_pool2d(x, ceil(a/l), floor(a/l)) (first l bins) and
 * F.adaptive_avg_pool2d to float rounding. Same parameters, errors and complexity as
 * spp_max_pool; no allocation.
 */
template <class In, class Levels, class Out>
    requires detail::spp_input_range<In> && detail::spp_level_range<Levels> && detail::spp_output_range<Out>
void spp_avg_pool(const In& input, std::size_t C, std::size_t H, std::size_t W, const Levels& levels, Out&& output,
                  spp_rule rule = spp_rule::paper, tensor_layout layout = tensor_layout::chw) {
    detail::spp_entry<detail::pool_op::average>("spp_avg_pool", input, 1, C, H, W, detail::as_level_span(levels),
                                                output, rule, layout);
}

/// @copydoc spp_avg_pool(const In&, std::size_t, std::size_t, std::size_t, const Levels&, Out&&, spp_rule, tensor_layout)
template <class In, class Out>
    requires detail::spp_input_range<In> && detail::spp_output_range<Out>
void spp_avg_pool(const In& input, std::size_t C, std::size_t H, std::size_t W, std::initializer_list<std::size_t> levels,
                  Out&& output, spp_rule rule = spp_rule::paper, tensor_layout layout = tensor_layout::chw) {
    detail::spp_entry<detail::pool_op::average>("spp_avg_pool", input, 1, C, H, W, detail::as_level_span(levels),
                                                output, rule, layout);
}

/**
 * @brief Batch form of spp_max_pool: N maps of C x H x W (NCHW or NHWC), output
 *        N * spp_output_size(C, levels), image i's vector at i * spp_output_size(C, levels).
 *
 * Images are processed one after the other on the calling thread; no allocation.
 * @throws offloadkit::invalid_argument as spp_max_pool, plus N = 0 and sizes that do not match
 *         N*C*H*W / N*spp_output_size(C, levels).
 */
template <class In, class Levels, class Out>
    requires detail::spp_input_range<In> && detail::spp_level_range<Levels> && detail::spp_output_range<Out>
void spp_max_pool_batch(const In& input, std::size_t N, std::size_t C, std::size_t H, std::size_t W,
                        const Levels& levels, Out&& output, spp_rule rule = spp_rule::paper,
                        tensor_layout layout = tensor_layout::chw) {
    detail::spp_entry<detail::pool_op::max>("spp_max_pool_batch", input, N, C, H, W, detail::as_level_span(levels),
                                            output, rule, layout);
}

/// @copydoc spp_max_pool_batch(const In&, std::size_t, std::size_t, std::size_t, std::size_t, const Levels&, Out&&, spp_rule, tensor_layout)
template <class In, class Out>
    requires detail::spp_input_range<In> && detail::spp_output_range<Out>
void spp_max_pool_batch(const In& input, std::size_t N, std::size_t C, std::size_t H, std::size_t W,
                        std::initializer_list<std::size_t> levels, Out&& output, spp_rule rule = spp_rule::paper,
                        tensor_layout layout = tensor_layout::chw) {
    detail::spp_entry<detail::pool_op::max>("spp_max_pool_batch", input, N, C, H, W, detail::as_level_span(levels),
                                            output, rule, layout);
}

/// Batch form of spp_avg_pool (layout, order and errors as spp_max_pool_batch).
template <class In, class Levels, class Out>
    requires detail::spp_input_range<In> && detail::spp_level_range<Levels> && detail::spp_output_range<Out>
void spp_avg_pool_batch(const In& input, std::size_t N, std::size_t C, std::size_t H, std::size_t W,
                        const Levels& levels, Out&& output, spp_rule rule = spp_rule::paper,
                        tensor_layout layout = tensor_layout::chw) {
    detail::spp_entry<detail::pool_op::average>("spp_avg_pool_batch", input, N, C, H, W,
                                                detail::as_level_span(levels), output, rule, layout);
}

/// @copydoc spp_avg_pool_batch(const In&, std::size_t, std::size_t, std::size_t, std::size_t, const Levels&, Out&&, spp_rule, tensor_layout)
template <class In, class Out>
    requires detail::spp_input_range<In> && detail::spp_output_range<Out>
void spp_avg_pool_batch(const In& input, std::size_t N, std::size_t C, std::size_t H, std::size_t W,
                        std::initializer_list<std::size_t> levels, Out&& output, spp_rule rule = spp_rule::paper,
                        tensor_layout layout = tensor_layout::chw) {
    detail::spp_entry<detail::pool_op::average>("spp_avg_pool_batch", input, N, C, H, W,
                                                detail::as_level_span(levels), output, rule, layout);
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_KERNELS_SPP_HPP
