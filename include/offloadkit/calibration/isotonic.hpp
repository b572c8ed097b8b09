#ifndef OFFLOADKIT_CALIBRATION_ISOTONIC_HPP
#define OFFLOADKIT_CALIBRATION_ISOTONIC_HPP

/**
 * @file
 * @brief Isotonic-regression calibration (CBO §III-B, "Isotonic Regression": a monotone
 *        piecewise function f minimising sum_i (f(x_i) - y_i)^2), computed exactly as
 *        scikit-learn 1.2's IsotonicRegression(y_min=0, y_max=1, increasing=True,
 *        out_of_bounds='clip').
 *
 * The steps, each matching scikit-learn operation for operation (so results agree to the last
 * digit, which the golden-vector tests check):
 *  1. drop samples of weight 0;
 *  2. sort by (score, label), stably (an LSD radix sort on the score bits, detail/radix_sort.hpp);
 *  3. merge runs of equal scores into one point: weighted mean label, summed weight. "Equal" is
 *     scikit-learn's `_make_unique` rule: a score joins the current run while it is less than
 *     1e-15 (numpy's float64 resolution) above the run's first score, which is the point's score;
 *  4. weighted pool-adjacent-violators (Best & Chakravarti 1990), the variant that pools a whole
 *     non-increasing run at once and then steps back one block, O(n);
 *  5. clip to [0, 1]; keep the first and last points and those whose value differs from a
 *     neighbour's;
 *  6. predict by linear interpolation between the kept points (numpy.interp's formula
 *     slope * (s - x_j) + y_j), scores clipped to [first, last] kept score. Two guards beyond
 *     numpy, which change no prediction by more than the rounding they remove: the result is kept
 *     within the segment's [y_j, y_{j+1}] (the rounded slope times the rounded offset can
 *     overshoot y_{j+1} by an ulp, which made predictions above 1 and non-monotone maps), and a
 *     segment whose slope overflows (x_{j+1} - x_j subnormal: inf * 0 = NaN at x_j) or is
 *     subnormal (x_{j+1} - x_j near the largest double: the slope keeps few digits, 1e-16 off
 *     at scale 1) is interpolated as y_j + t (y_{j+1} - y_j), t = (s - x_j) / (x_{j+1} - x_j).
 * Scores are handled as doubles (float scores are widened exactly), i.e. as scikit-learn fed with
 * float64 arrays.
 */

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../concepts.hpp"
#include "../detail/calibration_input.hpp"
#include "../detail/model_text.hpp"
#include "../detail/radix_sort.hpp"
#include "../error.hpp"

namespace offloadkit {

/// Direction of the fitted function.
enum class isotonic_direction {
    increasing,  ///< non-decreasing in the score (the calibration case; the default)
    decreasing,  ///< non-increasing in the score
    automatic    ///< scikit-learn's increasing='auto': increasing iff Spearman's rho(scores, labels) >= 0
};

/// Options of isotonic_calibrator::fit.
struct isotonic_options {
    isotonic_direction direction = isotonic_direction::increasing;
};

namespace detail::isotonic_fit {

/// Points after merging equal scores: strictly increasing x, mean label y, summed weight w.
struct unique_points {
    std::vector<double> x;
    std::vector<double> y;
    std::vector<double> w;
};

/**
 * @brief Step 3 as a stream: walks the two label runs (sorted keys, label 0 first on ties) in
 *        merged order and hands out one merged point at a time (scikit-learn's `_make_unique`:
 *        a score joins the current point while it is less than 1e-15 above the point's first
 *        score; y is the weighted mean label, w the summed weight, in the same order of
 *        operations). `Weighted` false: every weight is 1.
 */
template <class Key, bool Weighted>
class unique_stream {
public:
    unique_stream(std::span<const Key> k0, std::span<const Key> k1, const double* w0, const double* w1) noexcept
        : k0_(k0), k1_(k1), w0_(w0), w1_(w1) {}

    /// Up to `cap` (>= 1) next points into x, y, w; returns how many (0: every sample merged).
    /// The merge state lives in locals during the call (registers, not memory, carry the run's sums).
    std::size_t fill(double* x, double* y, double* w, std::size_t cap) noexcept {
        constexpr double eps = 1e-15;  // numpy.finfo(numpy.float64).resolution
        const Key* const k0 = k0_.data();
        const Key* const k1 = k1_.data();
        const std::size_t n0 = k0_.size();
        const std::size_t n1 = k1_.size();
        std::size_t i = i_;
        std::size_t j = j_;
        bool started = started_;
        double run_x = run_x_;
        double run_wy = run_wy_;
        double run_w = run_w_;
        std::size_t m = 0;
        const auto emit = [&] {  // closes the current run of equal x as one point
            x[m] = run_x;
            w[m] = run_w;
            y[m] = run_wy / run_w;
            ++m;
        };
        const auto take = [&](Key key, bool one, std::size_t idx) {
            const double xi = static_cast<double>(from_order_key(key));
            double wi = 1.0;
            if constexpr (Weighted) {
                wi = one ? w1_[idx] : w0_[idx];
            }
            const double yi = one ? 1.0 : 0.0;
            if (!started) {
                started = true;
                run_x = xi;
            }
            if (xi - run_x >= eps) {
                emit();
                run_x = xi;
                run_w = wi;
                run_wy = yi * wi;
            } else {
                run_w += wi;
                run_wy += yi * wi;
            }
        };
        // Each sample adds at most one point, so `steps` samples can neither exhaust a run nor
        // overflow the chunk: one loop test per sample.
        while (m < cap) {
            std::size_t steps = std::min(cap - m, std::min(n0 - i, n1 - j));
            if (steps == 0) {
                break;
            }
            for (; steps > 0; --steps) {
                // Branch-free selection (labels interleave unpredictably); ties: label 0 first.
                const Key a = k0[i];
                const Key b = k1[j];
                const bool one = b < a;
                const std::size_t idx = one ? j : i;
                i += one ? 0 : 1;
                j += one ? 1 : 0;
                take(one ? b : a, one, idx);
            }
        }
        while (m < cap && i < n0) {  // label 1 exhausted
            for (std::size_t steps = std::min(cap - m, n0 - i); steps > 0; --steps, ++i) {
                take(k0[i], false, i);
            }
        }
        while (m < cap && j < n1) {  // label 0 exhausted
            for (std::size_t steps = std::min(cap - m, n1 - j); steps > 0; --steps, ++j) {
                take(k1[j], true, j);
            }
        }
        if (i == n0 && j == n1 && started && m < cap) {
            emit();
            started = false;
        }
        i_ = i;
        j_ = j;
        started_ = started;
        run_x_ = run_x;
        run_wy_ = run_wy;
        run_w_ = run_w;
        return m;
    }

    /// The next point (x, y, w); false when every sample has been merged.
    bool next(double& x, double& y, double& w) noexcept { return fill(&x, &y, &w, 1) == 1; }

private:
    std::span<const Key> k0_;
    std::span<const Key> k1_;
    const double* w0_;
    const double* w1_;
    std::size_t i_ = 0;
    std::size_t j_ = 0;
    bool started_ = false;
    double run_x_ = 0.0;
    double run_wy_ = 0.0;
    double run_w_ = 0.0;
};

/// A block of pooled points of pava_stream: value, summed weight, first and last point's score.
struct pava_block {
    double y;
    double w;
    double x_first;
    double x_last;
};

/**
 * @brief pava_with (below) on the points of a stream, keeping only the blocks: the same
 *        algorithm, with the same arithmetic in the same order, bit for bit, in O(blocks) memory
 *        instead of O(points). The blocks left of the cursor b are kept compacted (block k at
 *        index k), and a point is read from the stream, as a block of its own, only when the
 *        scan reaches past the last block; pooling b with the blocks after it removes those
 *        (the one block past the pooled run, already read for the comparison, moves down).
 * @return the blocks, values strictly increasing (ties are pooled).
 */
template <class Source>
std::vector<pava_block> pava_stream(Source& src) {
    // The blocks live in `store`, whose size is only its capacity: `size` counts the blocks (the
    // scan resizes the list on every pool; vector::resize and size() cost more than the pooling).
    std::vector<pava_block> store(256);
    pava_block* blk = store.data();
    std::size_t size = 0;
    // Points are read in chunks (Source::fill), so that the merge keeps its state in registers.
    constexpr std::size_t chunk = 256;
    double cx[chunk];
    double cy[chunk];
    double cw[chunk];
    std::size_t have_n = src.fill(cx, cy, cw, chunk);
    std::size_t at = 0;
    const auto have = [&](std::size_t k) {  // block k exists, reading a point if needed
        if (k < size) {
            return true;
        }
        if (at == have_n) {
            have_n = have_n == 0 ? 0 : src.fill(cx, cy, cw, chunk);
            at = 0;
            if (have_n == 0) {
                return false;
            }
        }
        if (size == store.size()) {
            store.resize(2 * size);
            blk = store.data();
        }
        blk[size++] = {cy[at], cw[at], cx[at], cx[at]};
        ++at;
        return true;
    };
    if (!have(0)) {
        store.clear();
        return store;
    }
    std::size_t b = 0;
    while (true) {
        std::size_t next = b + 1;
        if (!have(next)) {
            break;
        }
        if (blk[b].y < blk[next].y) {
            b = next;  // increasing step: no violation here
            continue;
        }
        // Pool block b with the non-increasing run of blocks that follows it.
        double sum_wy = blk[b].w * blk[b].y;
        double sum_w = blk[b].w;
        double x_last = blk[b].x_last;
        while (true) {
            const double run_value = blk[next].y;
            sum_wy += blk[next].w * blk[next].y;
            sum_w += blk[next].w;
            x_last = blk[next].x_last;
            ++next;
            if (!have(next) || run_value < blk[next].y) {
                break;
            }
        }
        blk[b].y = sum_wy / sum_w;
        blk[b].w = sum_w;
        blk[b].x_last = x_last;
        if (next < size) {
            blk[b + 1] = blk[next];
            size = b + 2;
        } else {
            size = b + 1;
        }
        if (b > 0) {
            --b;  // the previous block may violate now
        }
    }
    store.resize(size);
    return store;
}

/**
 * @brief Weighted pool-adjacent-violators in place (non-decreasing result), O(n).
 *
 * Scans blocks left to right; where block values stop increasing it pools the whole
 * non-increasing run of blocks that follows into one block (weighted mean, from the blocks' means
 * and weights, accumulated left to right), then steps back to the block before it, which may now
 * violate. Values of ties (y[i] == y[i+1]) are pooled too. Same arithmetic, in the same order, as
 * scikit-learn's `_inplace_contiguous_isotonic_regression`. A block [b, e] is recorded as
 * link[b] = e and link[e] = b (one index array; 32-bit indices when they fit).
 */
template <class Index>
void pava_with(std::span<double> y, std::span<double> w) {
    const std::size_t n = y.size();
    std::vector<Index> link(n);
    for (std::size_t i = 0; i < n; ++i) {
        link[i] = static_cast<Index>(i);
    }
    std::size_t b = 0;
    while (true) {
        std::size_t next = static_cast<std::size_t>(link[b]) + 1;
        if (next >= n) {
            break;
        }
        if (y[b] < y[next]) {
            b = next;  // increasing step: no violation here
            continue;
        }
        // Pool block b with the non-increasing run of blocks that follows it.
        double sum_wy = w[b] * y[b];
        double sum_w = w[b];
        while (true) {
            const double run_value = y[next];
            sum_wy += w[next] * y[next];
            sum_w += w[next];
            next = static_cast<std::size_t>(link[next]) + 1;
            if (next >= n || run_value < y[next]) {
                break;
            }
        }
        y[b] = sum_wy / sum_w;
        w[b] = sum_w;
        link[b] = static_cast<Index>(next - 1);
        link[next - 1] = static_cast<Index>(b);
        if (b > 0) {
            b = static_cast<std::size_t>(link[b - 1]);  // the previous block may violate now
        }
    }
    // Spread each block's value over its members.
    for (std::size_t i = 0; i < n;) {
        const auto last = static_cast<std::size_t>(link[i]);
        for (std::size_t j = i + 1; j <= last; ++j) {
            y[j] = y[i];
        }
        i = last + 1;
    }
}

template <class = void>  // a template: only a caller instantiates pava_with (compile cost, issue 14)
inline void pava(std::span<double> y, std::span<double> w) {
    if (y.size() < 2) {
        return;
    }
    if (y.size() <= std::numeric_limits<std::uint32_t>::max()) {
        pava_with<std::uint32_t>(y, w);
    } else {
        pava_with<std::size_t>(y, w);
    }
}

/**
 * @brief Sign of Spearman's rho between scores and binary labels, from the two label groups'
 *        sorted keys (ties get average ranks, as scipy.stats.spearmanr).
 *
 * With binary labels rho has the sign of (sum over label-1 samples of 2*rank) - n1*(n + 1); the
 * sums are integers, exact below 2^31 samples. Returns true for rho >= 0 and for an undefined rho
 * (one class, one distinct score).
 */
template <class Key>
[[nodiscard]] bool spearman_non_negative(std::span<const Key> k0, std::span<const Key> k1) {
    const std::uint64_t n = k0.size() + k1.size();
    std::uint64_t twice_rank_sum = 0;
    std::uint64_t pos = 0;        // samples before the current run
    std::uint64_t run_start = 0;  // position of the run's first sample
    std::uint64_t run_ones = 0;
    Key run_key = 0;
    bool open = false;
    merge_runs(k0, k1, [&](Key key, unsigned run, std::size_t) {
        if (open && key != run_key) {
            twice_rank_sum += run_ones * (run_start + 1 + pos);  // 2 * average rank of the run
            run_start = pos;
            run_ones = 0;
        }
        open = true;
        run_key = key;
        run_ones += run;
        ++pos;
    });
    twice_rank_sum += run_ones * (run_start + 1 + pos);
    return twice_rank_sum >= static_cast<std::uint64_t>(k1.size()) * (n + 1);
}

/**
 * @brief Steps 1-3: drop zero weights, sort by (score, label), and hand `consume` a
 *        unique_stream of the merged points (valid during the call); and, when asked, the direction from Spearman's rho over all samples (zero weights included, as
 *        scikit-learn's check_increasing).
 *
 * Each label's scores are radix-sorted on their own (keys only, or with their weights), then the
 * two runs are walked in merged order, label 0 first on ties: numpy.lexsort((y, x)) order, with
 * no index payload and no gather. A zero score of either sign is kept as +0.
 * @param weights empty = all 1.
 */
template <class T, class L, class Consume>
void sort_and_merge(std::span<const T> scores, std::span<const L> labels, std::span<const double> weights,
                    bool want_direction, bool& increasing, Consume&& consume) {
    using key_type = order_key_t<T>;
    const std::size_t n = scores.size();
    const bool weighted = !weights.empty();
    // Unweighted: label-0 keys from the front of one buffer, label-1 keys from its back, in one
    // branch-free pass (both slots are written; the one not taken is free space). Keys only, so
    // their order before the sort does not matter.
    std::unique_ptr<key_type[]> keys;
    std::span<const key_type> k0;
    std::span<const key_type> k1;
    // Weighted: each label's keys with their weights, in sample order (the sort is stable).
    std::vector<key_type> wk0;
    std::vector<key_type> wk1;
    std::vector<double> w0;
    std::vector<double> w1;
    std::size_t kept = n;
    if (!weighted) {
        keys = std::make_unique_for_overwrite<key_type[]>(n);
        key_type* const kp = keys.get();
        std::size_t front = 0;
        std::size_t back = n;
        for (std::size_t i = 0; i < n; ++i) {
            const key_type key = order_key(scores[i]);
            const std::size_t one = labels[i] != 0 ? 1 : 0;
            kp[front] = key;
            kp[back - 1] = key;
            front += 1 - one;
            back -= one;
        }
        {
            const auto spare = std::make_unique_for_overwrite<key_type[]>(std::max(front, n - front));
            sort_keys(kp, spare.get(), front);
            sort_keys(kp + front, spare.get(), n - front);
        }
        k0 = std::span<const key_type>(kp, front);
        k1 = std::span<const key_type>(kp + front, n - front);
    } else {
        std::size_t ones = 0;
        kept = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const bool keep = weights[i] > 0.0;
            ones += (keep && labels[i] != 0) ? 1 : 0;
            kept += keep ? 1 : 0;
        }
        wk0.reserve(kept - ones);
        wk1.reserve(ones);
        w0.reserve(kept - ones);
        w1.reserve(ones);
        for (std::size_t i = 0; i < n; ++i) {
            if (!(weights[i] > 0.0)) {
                continue;
            }
            const key_type key = order_key(scores[i]);
            if (labels[i] != 0) {
                wk1.push_back(key);
                w1.push_back(weights[i]);
            } else {
                wk0.push_back(key);
                w0.push_back(weights[i]);
            }
        }
        radix_sort_pairs(wk0, w0);
        radix_sort_pairs(wk1, w1);
        k0 = wk0;
        k1 = wk1;
    }
    if (want_direction) {
        if (kept == n) {
            increasing = spearman_non_negative(k0, k1);
        } else {
            std::vector<key_type> a0;
            std::vector<key_type> a1;
            for (std::size_t i = 0; i < n; ++i) {
                (labels[i] != 0 ? a1 : a0).push_back(order_key(scores[i]));
            }
            radix_sort(a0);
            radix_sort(a1);
            increasing = spearman_non_negative(std::span<const key_type>(a0), std::span<const key_type>(a1));
        }
    }

    if (weighted) {
        unique_stream<key_type, true> points(k0, k1, w0.data(), w1.data());
        consume(points);
    } else {
        unique_stream<key_type, false> points(k0, k1, nullptr, nullptr);
        consume(points);
    }
}

}  // namespace detail::isotonic_fit

/**
 * @brief A fitted isotonic calibrator: a monotone piecewise-linear map from score to probability
 *        (CBO §III-B), identical to scikit-learn 1.2's IsotonicRegression(y_min=0, y_max=1,
 *        out_of_bounds='clip') on the same data.
 *
 * A regular value (the kept points); copy, compare, ship as text. Applying it does not allocate.
 *
 * @code
 * auto iso = ok::isotonic_calibrator::fit(confidences, correct);
 * double q = iso(0.37);
 * @endcode
 */
class isotonic_calibrator {
public:
    // The constructors are templates with a defaulted parameter (every call form is unchanged): then
    // only a file that constructs one instantiates build()'s vector code (compile cost, issue 14).

    /// The identity on [0, 1] (points (0, 0) and (1, 1)): scores are taken as probabilities.
    template <class = void>
    isotonic_calibrator() : x_{0.0, 1.0}, y_{0.0, 1.0} { build(); }

    /**
     * @brief The calibrator through the given points.
     * @param x strictly increasing finite scores (at least one).
     * @param y values in [0, 1], same size, non-decreasing if `increasing`, else non-increasing.
     * @throws offloadkit::invalid_argument naming the first offending element.
     */
    template <class = void>
    isotonic_calibrator(std::vector<double> x, std::vector<double> y, bool increasing = true)
        : x_(std::move(x)), y_(std::move(y)), increasing_(increasing) {
        validate_points(x_, y_, increasing_, "isotonic_calibrator");
        build();
    }

    /**
     * @brief Fits scikit-learn's isotonic regression (steps in the file comment) to (score, label).
     *
     * @param scores finite scores (float or double).
     * @param labels 0 or 1, same size.
     * @param options direction (increasing by default; `automatic` decides by the sign of
     *        Spearman's rho between scores and labels over all samples, zero weights included, as
     *        scikit-learn; rho = 0 or undefined (one class, or one distinct score) counts as
     *        increasing, where scikit-learn says decreasing with identical predictions).
     * @throws offloadkit::invalid_argument for empty input, a size mismatch, a NaN/infinite score,
     *         a label other than 0/1.
     * Complexity: O(n) (radix sort, linear merge and PAVA); O(n) extra memory.
     */
    template <detail::real_range S, detail::integer_range L>
    [[nodiscard]] static isotonic_calibrator fit(const S& scores, const L& labels,
                                                 const isotonic_options& options = {}) {
        const auto s = detail::as_span(scores);
        const auto y = detail::as_span(labels);
        detail::require_paired(s.size(), y.size(), fit_name, "scores", "labels");
        detail::require_finite_fast(s, fit_name, "scores");
        detail::require_binary_fast(y, fit_name, "labels");
        return fit_validated(s, y, std::span<const double>{}, options);
    }

    /**
     * @brief Weighted fit; samples of weight 0 are dropped (as scikit-learn).
     * @param weights finite, >= 0, not all 0, same size as scores.
     * @throws offloadkit::invalid_argument as the unweighted fit, and for a negative, NaN or
     *         infinite weight or all weights zero.
     */
    template <detail::real_range S, detail::integer_range L, detail::real_range W>
    [[nodiscard]] static isotonic_calibrator fit(const S& scores, const L& labels, const W& weights,
                                                 const isotonic_options& options = {}) {
        const auto s = detail::as_span(scores);
        const auto y = detail::as_span(labels);
        const auto w = detail::as_span(weights);
        detail::require_paired(s.size(), y.size(), fit_name, "scores", "labels");
        detail::require_same_size(w.size(), s.size(), fit_name, "weights", "scores");
        detail::require_finite_fast(s, fit_name, "scores");
        detail::require_binary_fast(y, fit_name, "labels");
        detail::require_sample_weights(w, fit_name, "weights");
        std::vector<double> wd(w.begin(), w.end());
        // Weights whose sum overflows a double would turn pooled means into inf/inf. Scaling every
        // weight by the same power of two changes no mean (and is exact), so do that only then;
        // otherwise the arithmetic stays scikit-learn's, bit for bit.
        double total = 0.0;
        for (const double v : wd) {
            total += v;
        }
        if (!std::isfinite(total)) {
            const double largest = *std::max_element(wd.begin(), wd.end());
            // Largest weight to about 2^(1000 - bits(n)): the total stays below 2^1001.
            const int bits = static_cast<int>(std::bit_width(wd.size()));
            const double scale = std::ldexp(1.0, 1000 - bits - std::ilogb(largest));
            for (auto& v : wd) {
                v *= scale;
            }
        }
        return fit_validated(s, y, std::span<const double>(wd), options);
    }

    /**
     * @brief The calibrated probability: score clipped to [x.front(), x.back()], then linear
     *        interpolation between the kept points (numpy.interp's formula).
     * @throws offloadkit::invalid_argument if score is NaN or infinite.
     * Complexity: O(1) expected (bucket table, then at most a few comparisons), no allocation.
     */
    template <class = void>
    [[nodiscard]] double operator()(double score) const {
        detail::require_finite(score, "isotonic_calibrator", "score");
        return apply(score);
    }

    /**
     * @brief Batch form of operator(): out[i] = f(in[i]).
     * @param in finite scores (float or double).
     * @param out same size (float or double); written only if all of `in` is valid.
     * @throws offloadkit::invalid_argument for a size mismatch or a NaN/infinite score.
     * Complexity: O(n) (a bucket table finds the segment), no allocation.
     */
    template <detail::real_range In, detail::writable_real_range Out>
    void transform(const In& in, Out&& out) const {
        const auto src = detail::as_span(in);
        const auto dst = detail::as_writable_span(out);
        detail::require_same_size(dst.size(), src.size(), "isotonic_calibrator::transform", "out", "in");
        detail::require_finite_fast(src, "isotonic_calibrator::transform", "in");
        const view w = make_view();
        for (std::size_t i = 0; i < src.size(); ++i) {
            dst[i] = static_cast<detail::real_value_t<Out>>(apply(w, static_cast<double>(src[i])));
        }
    }

    /// The kept scores (strictly increasing; scikit-learn's X_thresholds_).
    [[nodiscard]] std::span<const double> thresholds_x() const noexcept { return x_; }
    /// The values at the kept scores (scikit-learn's y_thresholds_).
    [[nodiscard]] std::span<const double> thresholds_y() const noexcept { return y_; }
    /// Whether the function is non-decreasing (scikit-learn's increasing_).
    [[nodiscard]] bool increasing() const noexcept { return increasing_; }

    /**
     * @brief Reads the text written by to_string(const isotonic_calibrator&).
     * @throws offloadkit::invalid_argument for any malformed text (header, version, counts, a
     *         number that is not finite, scores not strictly increasing, values outside [0, 1] or
     *         not monotone in the stated direction, extra lines), naming the line.
     */
    template <class = void>  // a template: only a caller instantiates the reader (compile cost, issue 14)
    [[nodiscard]] static isotonic_calibrator from_string(std::string_view text) {
        constexpr std::string_view fn = "isotonic_calibrator::from_string";
        detail::model_text::reader r(text, fn);
        r.header("isotonic_calibrator", 1);
        const bool increasing = r.key_count("increasing", 1) == 1;
        const std::size_t m = r.key_count("points", r.lines_left());
        detail::require(m >= 1, fn, "text declares 0 points, expected at least 1");
        std::vector<double> x(m);
        std::vector<double> y(m);
        for (std::size_t i = 0; i < m; ++i) {
            double xy[2];
            r.row(xy);
            x[i] = xy[0];
            y[i] = xy[1];
        }
        r.finish();
        validate_points(x, y, increasing, fn);
        isotonic_calibrator c;
        c.x_ = std::move(x);
        c.y_ = std::move(y);
        c.increasing_ = increasing;
        c.build();
        return c;
    }

    friend bool operator==(const isotonic_calibrator& l, const isotonic_calibrator& r) noexcept {
        return l.increasing_ == r.increasing_ && l.x_ == r.x_ && l.y_ == r.y_;
    }

private:
    static constexpr std::string_view fit_name = "isotonic_calibrator::fit";

    template <class = void>
    static void validate_points(const std::vector<double>& x, const std::vector<double>& y, bool increasing,
                                std::string_view fn) {
        detail::require_not_empty(x.size(), fn, "x");
        detail::require_same_size(y.size(), x.size(), fn, "y", "x");
        for (std::size_t i = 0; i < x.size(); ++i) {
            detail::require(std::isfinite(x[i]), fn, detail::arg_at{"x", i}, " is ", x[i], ", expected a finite number");
            if (!(y[i] >= 0.0 && y[i] <= 1.0)) {
                detail::fail(fn, detail::arg_at{"y", i}, " is ", y[i], ", expected a value in [0, 1]");
            }
            if (i > 0 && !(x[i] > x[i - 1])) {
                detail::fail(fn, detail::arg_at{"x", i}, " is ", x[i], ", expected > x[", i - 1, "] = ", x[i - 1]);
            }
            if (i > 0 && (increasing ? y[i] < y[i - 1] : y[i] > y[i - 1])) {
                detail::fail(fn, detail::arg_at{"y", i}, " is ", y[i], ", expected ",
                             increasing ? ">= y[" : "<= y[", i - 1, "] = ", y[i - 1]);
            }
        }
    }

    template <class T, class U>
    static isotonic_calibrator fit_validated(std::span<const T> s, std::span<const U> labels,
                                             std::span<const double> w, const isotonic_options& options) {
        bool increasing = options.direction != isotonic_direction::decreasing;
        const bool want_direction = options.direction == isotonic_direction::automatic;
        // The fitted values before clipping, one per merged point, as (score, value) pairs that
        // step 5 needs: every merged point when decreasing; when increasing, each PAVA block's
        // first and last point only (the points inside a block have the block's value on both
        // sides, so step 5 never keeps them, and the endpoints' neighbours are the same).
        std::vector<double> px;
        std::vector<double> py;
        detail::isotonic_fit::sort_and_merge<T, U>(s, labels, w, want_direction, increasing, [&](auto& points) {
            if (increasing) {
                const auto blocks = detail::isotonic_fit::pava_stream(points);
                px.reserve(2 * blocks.size());
                py.reserve(2 * blocks.size());
                for (const auto& blk : blocks) {
                    px.push_back(blk.x_first);
                    py.push_back(blk.y);
                    if (blk.x_last != blk.x_first) {
                        px.push_back(blk.x_last);
                        py.push_back(blk.y);
                    }
                }
                return;
            }
            // Decreasing: the increasing fit of the reversed sequence, reversed back.
            detail::isotonic_fit::unique_points u;
            double x = 0.0;
            double y = 0.0;
            double wt = 0.0;
            while (points.next(x, y, wt)) {
                u.x.push_back(x);
                u.y.push_back(y);
                u.w.push_back(wt);
            }
            std::reverse(u.y.begin(), u.y.end());
            std::reverse(u.w.begin(), u.w.end());
            detail::isotonic_fit::pava(u.y, u.w);
            std::reverse(u.y.begin(), u.y.end());
            px = std::move(u.x);
            py = std::move(u.y);
        });
        const std::size_t m = px.size();
        for (auto& v : py) {
            v = std::min(std::max(v, 0.0), 1.0);
        }
        isotonic_calibrator c;
        c.x_.clear();
        c.y_.clear();
        for (std::size_t i = 0; i < m; ++i) {
            const bool keep = i == 0 || i + 1 == m || py[i] != py[i - 1] || py[i] != py[i + 1];
            if (keep) {
                c.x_.push_back(px[i]);
                c.y_.push_back(py[i]);
            }
        }
        c.increasing_ = increasing;
        c.build();
        return c;
    }

    /// Derived data for apply(): every segment's start, slope and value, and a table over buckets of equal
    /// width of the score range. A score v falls in bucket b(v) = floor((v - x0) * scale); that
    /// formula is monotone in v, so every inner point x_k (0 < k < m-1) in a lower bucket is
    /// <= v and every one in a higher bucket is > v. bucket_[b] counts the inner points in
    /// buckets below b: the segment of v is bucket_[b] plus the number of points of its own
    /// bucket that are <= v; most buckets hold none, and crowded ones (scores near 1 from a
    /// softmax) are searched branch-free in a fixed number of steps. Exact: no rounding can put
    /// a score in the wrong segment.
    template <class = void>
    void build() {
        const std::size_t m = x_.size();
        seg_.assign(m, segment_data{});
        wide_ = false;
        careful_ = false;
        for (std::size_t j = 0; j < m; ++j) {
            const bool inner = j + 1 < m;
            const double slope = inner ? (y_[j + 1] - y_[j]) / (x_[j + 1] - x_[j]) : 0.0;
            const double y_next = inner ? y_[j + 1] : y_[j];
            seg_[j] = {x_[j], slope, y_[j], std::min(y_[j], y_next), std::max(y_[j], y_next)};
            wide_ = wide_ || (inner && !std::isfinite(x_[j + 1] - x_[j]));
            careful_ = careful_ || (inner && !ordinary_slope(slope));
        }
        careful_ = careful_ || wide_;
        bucket_.clear();
        xpad_.clear();
        bucket_scale_ = 0.0;
        step_ = 0;
        if (m < 2 || wide_ || m > std::numeric_limits<std::uint32_t>::max()) {
            return;  // binary search only
        }
        // About 64 buckets per segment (a power of two, at least 64, at most 2^20).
        std::size_t g = 64;
        while (g < 64 * (m - 1) && g < (std::size_t{1} << 20)) {
            g *= 2;
        }
        // A range wider than the largest double (first and last score near -+1.8e308, each segment
        // narrower) gives scale 0 and (v - x0) * scale = inf * 0: binary search then.
        const double range = x_.back() - x_.front();
        const double scale = static_cast<double>(g) / range;
        if (!std::isfinite(range) || !std::isfinite(scale)) {
            return;
        }
        std::vector<std::uint32_t> per_bucket(g, 0);
        for (std::size_t k = 1; k + 1 < m; ++k) {
            ++per_bucket[bucket_of(x_[k], x_.front(), scale, g)];
        }
        bucket_.resize(g + 1);
        std::uint32_t below = 0;
        std::uint32_t crowd = 0;
        for (std::size_t b = 0; b < g; ++b) {
            bucket_[b] = below;
            below += per_bucket[b];
            crowd = std::max(crowd, per_bucket[b]);
        }
        bucket_[g] = below;
        step_ = crowd == 0 ? 0 : std::bit_floor(static_cast<std::size_t>(crowd));
        xpad_.assign(x_.begin(), x_.end() - 1);  // segment starts, then +inf padding
        xpad_.resize(m - 1 + 2 * step_ + 1, std::numeric_limits<double>::infinity());
        bucket_scale_ = scale;
    }

    /// A slope numpy's formula handles to full precision: finite and 0 or normal.
    [[nodiscard]] static bool ordinary_slope(double slope) noexcept {
        return std::isfinite(slope) && (slope == 0.0 || std::fabs(slope) >= std::numeric_limits<double>::min());
    }

    [[nodiscard]] static std::size_t bucket_of(double v, double x0, double scale, std::size_t buckets) noexcept {
        return std::min(static_cast<std::size_t>((v - x0) * scale), buckets - 1);
    }

    /// Everything apply() reads, copied into locals so a batch loop keeps it in registers
    /// (stores to the output could otherwise alias the members).
    /// One segment's start, slope and value, and the range of its values [lo, hi] =
    /// [min, max](y_j, y_{j+1}), together (one cache line for the interpolation).
    struct segment_data {
        double x = 0.0;
        double slope = 0.0;
        double y = 0.0;
        double lo = 0.0;
        double hi = 0.0;
    };

    struct view {
        const double* x;
        const double* y;
        const segment_data* seg;
        const double* xpad;
        const std::uint32_t* bucket;
        std::size_t m;
        std::size_t buckets;
        std::size_t step;
        double scale;
        bool careful;
    };

    template <class = void>
    [[nodiscard]] view make_view() const noexcept {
        // bucket_ holds one entry past the last bucket (so bucket[b + 1] is always readable).
        return {x_.data(), y_.data(), seg_.data(), xpad_.data(), bucket_.data(), x_.size(),
                bucket_.empty() ? 0 : bucket_.size() - 1, step_, bucket_scale_, careful_};
    }

    /// Interpolation on segment j (x[j] <= v < x[j + 1]), numpy.interp's formula, kept within the
    /// segment's values [lo, hi] (see step 6 of the file comment). Segments numpy's formula cannot
    /// handle (slope not finite or subnormal; wider than the largest double, for scores near
    /// +-1.8e308) are interpolated through t = (v - x_j) / (x_{j+1} - x_j), on halved coordinates
    /// when the width overflows.
    template <class = void>
    [[nodiscard]] static double segment(const view& w, std::size_t j, double v) noexcept {
        const segment_data& sj = w.seg[j];
        double r = 0.0;
        if (!w.careful || (ordinary_slope(sj.slope) && std::isfinite(w.x[j + 1] - sj.x))) [[likely]] {
            r = sj.slope * (v - sj.x) + sj.y;  // v == x[j] gives y[j] exactly
        } else {
            const double* x = w.x;
            if (v == x[j]) {
                return w.y[j];
            }
            const double dx = x[j + 1] - x[j];
            const double t = std::isfinite(dx) ? (v - x[j]) / dx : (v / 2 - x[j] / 2) / (x[j + 1] / 2 - x[j] / 2);
            r = w.y[j] + t * (w.y[j + 1] - w.y[j]);
        }
        return std::min(std::max(r, sj.lo), sj.hi);
    }

    /// The segment index j with x[j] <= v < x[j + 1], for x[0] <= v < x[m - 1].
    template <class = void>
    [[nodiscard]] static std::size_t locate(const view& w, double v) noexcept {
        const double* x = w.x;
        if (w.buckets == 0) {
            return static_cast<std::size_t>(std::upper_bound(x, x + w.m, v) - x) - 1;
        }
        const std::size_t b = bucket_of(v, x[0], w.scale, w.buckets);
        std::size_t j = w.bucket[b];
        if (w.bucket[b + 1] != j) {  // inner points in v's own bucket: count those <= v
            for (std::size_t step = w.step; step != 0; step >>= 1) {
                const std::size_t k = j + step;
                j = w.xpad[k] <= v ? k : j;  // xpad is +inf past the last segment start
            }
        }
        return j;
    }

    template <class = void>
    [[nodiscard]] static double apply(const view& w, double v) noexcept {
        if (w.m == 1) {
            return w.y[0];
        }
        const double last = w.x[w.m - 1];
        v = std::min(std::max(v, w.x[0]), last);
        if (v == last) {
            return w.y[w.m - 1];
        }
        return segment(w, locate(w, v), v);
    }

    template <class = void>
    [[nodiscard]] double apply(double v) const noexcept { return apply(make_view(), v); }

    std::vector<double> x_;
    std::vector<double> y_;
    bool increasing_ = true;
    // Derived from x_ and y_ by build() (not part of the value's identity).
    std::vector<segment_data> seg_;
    std::vector<std::uint32_t> bucket_;
    std::vector<double> xpad_;
    double bucket_scale_ = 0.0;
    std::size_t step_ = 0;
    bool wide_ = false;     // some segment is wider than the largest double: no bucket table
    bool careful_ = false;  // some segment needs the t-form of segment()
};

/**
 * @brief The versioned text of an isotonic calibrator; isotonic_calibrator::from_string reads it
 *        back exactly.
 *
 * Format: "offloadkit.isotonic_calibrator 1\nincreasing <0|1>\npoints <m>\n" then m lines
 * "<x> <y>".
 */
template <class = void>
[[nodiscard]] inline std::string to_string(const isotonic_calibrator& c) {
    std::string out = detail::model_text::header("isotonic_calibrator", 1);
    detail::model_text::append_key(out, "increasing", std::size_t{c.increasing() ? 1U : 0U});
    detail::model_text::append_key(out, "points", c.thresholds_x().size());
    for (std::size_t i = 0; i < c.thresholds_x().size(); ++i) {
        const double xy[2] = {c.thresholds_x()[i], c.thresholds_y()[i]};
        detail::model_text::append_row(out, xy);
    }
    return out;
}

static_assert(calibrator<isotonic_calibrator>);

}  // namespace offloadkit

#endif  // OFFLOADKIT_CALIBRATION_ISOTONIC_HPP
