#ifndef OFFLOADKIT_CALIBRATION_ISOTONIC_HPP
#define OFFLOADKIT_CALIBRATION_ISOTONIC_HPP

/**
 * @file
 * @brief Isotonic-regression calibration (seed 000 §III-B, "Isotonic Regression": a monotone
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
 *     slope * (s - x_j) + y_j), scores clipped to [first, last] kept score.
 * Scores are handled as doubles (float scores are widened exactly), i.e. as scikit-learn fed with
 * float64 arrays.
 */

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
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
 * @brief Weighted pool-adjacent-violators in place (non-decreasing result), O(n).
 *
 * Scans blocks left to right; where block values stop increasing it pools the whole
 * non-increasing run of blocks that follows into one block (weighted mean, from the blocks' means
 * and weights, accumulated left to right), then steps back to the block before it, which may now
 * violate. Values of ties (y[i] == y[i+1]) are pooled too. Same arithmetic, in the same order, as
 * scikit-learn's `_inplace_contiguous_isotonic_regression`.
 */
inline void pava(std::span<double> y, std::span<double> w) {
    const std::size_t n = y.size();
    if (n < 2) {
        return;
    }
    // A block [b, e] is described by block_last[b] = e and block_first[e] = b.
    std::vector<std::size_t> block_last(n);
    std::vector<std::size_t> block_first(n);
    for (std::size_t i = 0; i < n; ++i) {
        block_last[i] = i;
        block_first[i] = i;
    }
    std::size_t b = 0;
    while (true) {
        std::size_t next = block_last[b] + 1;
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
            next = block_last[next] + 1;
            if (next >= n || run_value < y[next]) {
                break;
            }
        }
        y[b] = sum_wy / sum_w;
        w[b] = sum_w;
        block_last[b] = next - 1;
        block_first[next - 1] = b;
        if (b > 0) {
            b = block_first[b - 1];  // the previous block may violate now
        }
    }
    // Spread each block's value over its members.
    for (std::size_t i = 0; i < n;) {
        const std::size_t last = block_last[i];
        for (std::size_t j = i + 1; j <= last; ++j) {
            y[j] = y[i];
        }
        i = last + 1;
    }
}

/**
 * @brief Steps 1-3: sort by (score, label), drop zero weights, merge equal scores; and, when
 *        asked, the sign of Spearman's rho over all samples (scikit-learn's check_increasing).
 * @param weights empty = all 1.
 */
template <class T, class L, class Index>
void sort_and_merge(std::span<const T> scores, std::span<const L> labels, std::span<const double> weights,
                    unique_points& out, bool want_direction, bool& increasing) {
    using key_t = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    const std::size_t n = scores.size();
    // Label 0 first, then label 1, each in input order: a stable sort by score then yields the
    // (score, label) order of numpy.lexsort((y, X)).
    std::vector<Index> order(n);
    std::size_t zeros = 0;
    for (std::size_t i = 0; i < n; ++i) {
        zeros += labels[i] == 0 ? 1 : 0;
    }
    {
        std::size_t i0 = 0;
        std::size_t i1 = zeros;
        for (std::size_t i = 0; i < n; ++i) {
            order[labels[i] == 0 ? i0++ : i1++] = static_cast<Index>(i);
        }
    }
    std::vector<key_t> keys(n);
    for (std::size_t i = 0; i < n; ++i) {
        keys[i] = order_key(scores[static_cast<std::size_t>(order[i])]);
    }
    radix_sort_pairs(keys, order);

    if (want_direction) {
        // Sign of Spearman's rho with average ranks for ties. With binary labels it is the sign
        // of sum over positives of 2*rank(x) minus n1*(n + 1) (integers, exact below 2^31 samples).
        const std::size_t n1 = n - zeros;
        std::uint64_t twice_rank_sum = 0;
        for (std::size_t i = 0; i < n;) {
            std::size_t j = i + 1;
            while (j < n && keys[j] == keys[i]) {
                ++j;
            }
            std::uint64_t positives = 0;
            for (std::size_t k = i; k < j; ++k) {
                positives += labels[static_cast<std::size_t>(order[k])] != 0 ? 1 : 0;
            }
            twice_rank_sum += positives * static_cast<std::uint64_t>(i + 1 + j);  // 2 * average rank
            i = j;
        }
        const std::uint64_t centre = static_cast<std::uint64_t>(n1) * static_cast<std::uint64_t>(n + 1);
        increasing = twice_rank_sum >= centre;
    }

    // Merge (scikit-learn's _make_unique), skipping zero weights.
    constexpr double eps = 1e-15;  // numpy.finfo(numpy.float64).resolution
    const bool weighted = !weights.empty();
    out.x.clear();
    out.y.clear();
    out.w.clear();
    bool started = false;
    double run_x = 0.0;
    double run_wy = 0.0;
    double run_w = 0.0;
    for (std::size_t k = 0; k < n; ++k) {
        const auto i = static_cast<std::size_t>(order[k]);
        const double wi = weighted ? weights[i] : 1.0;
        if (!(wi > 0.0)) {
            continue;
        }
        const double xi = static_cast<double>(scores[i]);
        const double yi = labels[i] != 0 ? 1.0 : 0.0;
        if (!started) {
            started = true;
            run_x = xi;
        }
        if (xi - run_x >= eps) {
            out.x.push_back(run_x);
            out.w.push_back(run_w);
            out.y.push_back(run_wy / run_w);
            run_x = xi;
            run_w = wi;
            run_wy = yi * wi;
        } else {
            run_w += wi;
            run_wy += yi * wi;
        }
    }
    out.x.push_back(run_x);
    out.w.push_back(run_w);
    out.y.push_back(run_wy / run_w);
}

}  // namespace detail::isotonic_fit

/**
 * @brief A fitted isotonic calibrator: a monotone piecewise-linear map from score to probability
 *        (seed 000 §III-B), identical to scikit-learn 1.2's IsotonicRegression(y_min=0, y_max=1,
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
    /// The identity on [0, 1] (points (0, 0) and (1, 1)): scores are taken as probabilities.
    isotonic_calibrator() : x_{0.0, 1.0}, y_{0.0, 1.0} { build(); }

    /**
     * @brief The calibrator through the given points.
     * @param x strictly increasing finite scores (at least one).
     * @param y values in [0, 1], same size, non-decreasing if `increasing`, else non-increasing.
     * @throws offloadkit::invalid_argument naming the first offending element.
     */
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
        detail::require_finite(s, fit_name, "scores");
        detail::require_binary(y, fit_name, "labels");
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
        detail::require_finite(s, fit_name, "scores");
        detail::require_binary(y, fit_name, "labels");
        detail::require_sample_weights(w, fit_name, "weights");
        const std::vector<double> wd(w.begin(), w.end());
        return fit_validated(s, y, std::span<const double>(wd), options);
    }

    /**
     * @brief The calibrated probability: score clipped to [x.front(), x.back()], then linear
     *        interpolation between the kept points (numpy.interp's formula).
     * @throws offloadkit::invalid_argument if score is NaN or infinite.
     * Complexity: O(log m) for m kept points, no allocation.
     */
    [[nodiscard]] double operator()(double score) const {
        detail::require_finite(score, "isotonic_calibrator", "score");
        return apply(score);
    }

    /**
     * @brief Batch form of operator(): out[i] = f(in[i]).
     * @param in finite scores (float or double).
     * @param out same size (float or double); written only if all of `in` is valid.
     * @throws offloadkit::invalid_argument for a size mismatch or a NaN/infinite score.
     * Complexity: O(n log m), no allocation.
     */
    template <detail::real_range In, detail::writable_real_range Out>
    void transform(const In& in, Out&& out) const {
        const auto src = detail::as_span(in);
        const auto dst = detail::as_writable_span(out);
        detail::require_same_size(dst.size(), src.size(), "isotonic_calibrator::transform", "out", "in");
        detail::require_finite(src, "isotonic_calibrator::transform", "in");
        for (std::size_t i = 0; i < src.size(); ++i) {
            dst[i] = static_cast<detail::real_value_t<Out>>(apply(static_cast<double>(src[i])));
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

    static void validate_points(const std::vector<double>& x, const std::vector<double>& y, bool increasing,
                                std::string_view fn) {
        detail::require_not_empty(x.size(), fn, "x");
        detail::require_same_size(y.size(), x.size(), fn, "y", "x");
        for (std::size_t i = 0; i < x.size(); ++i) {
            detail::require_finite(x[i], fn, "x");
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
        detail::isotonic_fit::unique_points u;
        bool increasing = options.direction != isotonic_direction::decreasing;
        const bool want_direction = options.direction == isotonic_direction::automatic;
        if (s.size() <= std::numeric_limits<std::uint32_t>::max()) {
            detail::isotonic_fit::sort_and_merge<T, U, std::uint32_t>(s, labels, w, u, want_direction, increasing);
        } else {
            detail::isotonic_fit::sort_and_merge<T, U, std::uint64_t>(s, labels, w, u, want_direction, increasing);
        }
        if (increasing) {
            detail::isotonic_fit::pava(u.y, u.w);
        } else {
            // Decreasing: the increasing fit of the reversed sequence, reversed back.
            std::reverse(u.y.begin(), u.y.end());
            std::reverse(u.w.begin(), u.w.end());
            detail::isotonic_fit::pava(u.y, u.w);
            std::reverse(u.y.begin(), u.y.end());
        }
        const std::size_t m = u.x.size();
        for (auto& v : u.y) {
            v = std::min(std::max(v, 0.0), 1.0);
        }
        isotonic_calibrator c;
        c.x_.clear();
        c.y_.clear();
        for (std::size_t i = 0; i < m; ++i) {
            const bool keep = i == 0 || i + 1 == m || u.y[i] != u.y[i - 1] || u.y[i] != u.y[i + 1];
            if (keep) {
                c.x_.push_back(u.x[i]);
                c.y_.push_back(u.y[i]);
            }
        }
        c.increasing_ = increasing;
        c.build();
        return c;
    }

    /// Derived data for apply(): the slope of every segment.
    void build() {
        slope_.assign(x_.size() > 1 ? x_.size() - 1 : 0, 0.0);
        for (std::size_t j = 0; j + 1 < x_.size(); ++j) {
            slope_[j] = (y_[j + 1] - y_[j]) / (x_[j + 1] - x_[j]);
        }
    }

    /// Interpolation on segment j (x_[j] <= v <= x_[j + 1]), numpy.interp's formula; when the
    /// segment is wider than the largest double (scores near +-1.8e308) the slope is 0 or NaN
    /// there and the interpolation is done on halved coordinates instead.
    [[nodiscard]] double segment(std::size_t j, double v) const noexcept {
        if (v == x_[j]) {
            return y_[j];
        }
        const double r = slope_[j] * (v - x_[j]) + y_[j];
        if (std::isfinite(x_[j + 1] - x_[j])) [[likely]] {
            return r;
        }
        const double t = (v / 2 - x_[j] / 2) / (x_[j + 1] / 2 - x_[j] / 2);
        return y_[j] + t * (y_[j + 1] - y_[j]);
    }

    [[nodiscard]] double apply(double v) const noexcept {
        const std::size_t m = x_.size();
        if (m == 1) {
            return y_[0];
        }
        v = std::min(std::max(v, x_.front()), x_.back());
        if (v == x_.back()) {
            return y_.back();
        }
        const auto it = std::upper_bound(x_.begin(), x_.end(), v);
        const auto j = static_cast<std::size_t>(it - x_.begin()) - 1;
        return segment(j, v);
    }

    std::vector<double> x_;
    std::vector<double> y_;
    bool increasing_ = true;
    std::vector<double> slope_;
};

/**
 * @brief The versioned text of an isotonic calibrator; isotonic_calibrator::from_string reads it
 *        back exactly.
 *
 * Format: "offloadkit.isotonic_calibrator 1\nincreasing <0|1>\npoints <m>\n" then m lines
 * "<x> <y>".
 */
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
