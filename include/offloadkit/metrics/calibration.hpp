#ifndef OFFLOADKIT_METRICS_CALIBRATION_HPP
#define OFFLOADKIT_METRICS_CALIBRATION_HPP

/**
 * @file
 * @brief Calibration metrics (CBO §III-B): reliability bins, expected and maximum
 *        calibration error (ECE, MCE), the equal-mass ECE (ACE), Brier score and negative
 *        log-likelihood, and the per-bin table behind a reliability diagram (CBO Fig. 5).
 *
 * Equal-width bins follow docs/api.md exactly: confidence c falls in bin
 * min(floor(c * M), M - 1), so for M = 10 the bins are [0, 0.1), ..., [0.8, 0.9), [0.9, 1.0]
 * (c * M is computed in double; float confidences are widened first).
 */

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "../detail/calibration_input.hpp"
#include "../detail/radix_sort.hpp"
#include "../error.hpp"

namespace offloadkit {

/// How calibration_error() forms its bins.
enum class binning {
    equal_width,  ///< M bins of width 1/M (CBO §III-B: "10 bins with 0.1 confidence interval")
    equal_mass    ///< M bins holding (almost) the same number of samples; ECE over them is ACE
};

/// One bin of a reliability diagram.
struct calibration_bin {
    double lower = 0.0;       ///< equal width: b/M; equal mass: smallest confidence in the bin (NaN if empty)
    double upper = 0.0;       ///< equal width: (b+1)/M; equal mass: largest confidence in the bin (NaN if empty)
    std::size_t count = 0;    ///< samples in the bin
    double confidence = 0.0;  ///< mean confidence C(B_b) (NaN if empty)
    double accuracy = 0.0;    ///< fraction correct A(B_b) (NaN if empty)
};

/// Result of calibration_error().
struct calibration_report {
    double ece = 0.0;                     ///< sum_b n_b/n |A(B_b) - C(B_b)|
    double mce = 0.0;                     ///< max over non-empty bins of |A(B_b) - C(B_b)|
    std::vector<calibration_bin> bins;    ///< all M bins, in order (empty ones included)
};

/// The largest bin count calibration_error() accepts.
inline constexpr std::size_t max_calibration_bins = std::size_t{1} << 24;

namespace detail::calibration_metrics {

template <class T, class L>
void check(std::span<const T> conf, std::span<const L> correct, std::string_view fn) {
    require_paired(conf.size(), correct.size(), fn, "confidences", "correct");
    require_unit_interval(conf, fn, "confidences");
    require_binary(correct, fn, "correct");
}

inline void check_bins(std::size_t bins, std::string_view fn) {
    require(bins >= 1 && bins <= max_calibration_bins, fn, "bins is ", bins, ", expected 1..",
            max_calibration_bins);
}

/// ECE/MCE and the per-bin means: on entry each bin's `confidence` and `accuracy` hold the sums of
/// its confidences and correct labels; they are divided by the count here (NaN for an empty bin).
inline void finish(calibration_report& rep, std::size_t n) {
    rep.ece = 0.0;
    rep.mce = 0.0;
    for (auto& bin : rep.bins) {
        if (bin.count == 0) {
            bin.confidence = std::numeric_limits<double>::quiet_NaN();
            bin.accuracy = std::numeric_limits<double>::quiet_NaN();
            continue;
        }
        const double cnt = static_cast<double>(bin.count);
        bin.confidence /= cnt;
        bin.accuracy /= cnt;
        const double gap = std::abs(bin.accuracy - bin.confidence);
        rep.ece += cnt / static_cast<double>(n) * gap;
        rep.mce = std::max(rep.mce, gap);
    }
}

/// Equal-width bins: one streaming pass that also validates (the first bad element is then
/// found and reported by the usual checks). Four interleaved copies of the per-bin accumulators
/// break the store-to-load dependency when consecutive samples fall in the same bin.
template <class T, class L>
calibration_report equal_width(std::span<const T> conf, std::span<const L> correct, std::size_t bins,
                               std::string_view fn) {
    constexpr std::size_t copies = 4;
    const std::size_t n = conf.size();
    std::vector<double> conf_sums(copies * bins, 0.0);
    std::vector<std::size_t> counts(copies * bins, 0);
    std::vector<std::size_t> corrects(copies * bins, 0);
    const double m = static_cast<double>(bins);
    const std::size_t last = bins - 1;
    bool bad = false;
    auto add = [&](std::size_t i, std::size_t copy) {
        const double c = static_cast<double>(conf[i]);
        const auto y = correct[i];
        const bool valid = c >= 0.0 && c <= 1.0;
        bool label_ok = false;
        if constexpr (std::is_signed_v<L>) {
            label_ok = y == 0 || y == 1;
        } else {
            label_ok = y <= 1;
        }
        bad = bad || !valid || !label_ok;
        const double cc = valid ? c : 0.0;  // never convert NaN or a negative to an index
        const std::size_t b = copy * bins + std::min(static_cast<std::size_t>(cc * m), last);
        ++counts[b];
        conf_sums[b] += cc;
        corrects[b] += y != 0 ? 1 : 0;
    };
    std::size_t i = 0;
    for (; i + copies <= n; i += copies) {
        add(i, 0);
        add(i + 1, 1);
        add(i + 2, 2);
        add(i + 3, 3);
    }
    for (; i < n; ++i) {
        add(i, 0);
    }
    if (bad) [[unlikely]] {
        check(conf, correct, fn);  // throws, naming the first offending element
    }
    calibration_report rep;
    rep.bins.resize(bins);
    for (std::size_t b = 0; b < bins; ++b) {
        auto& bin = rep.bins[b];
        std::size_t correct_count = 0;
        for (std::size_t k = 0; k < copies; ++k) {
            bin.count += counts[k * bins + b];
            bin.confidence += conf_sums[k * bins + b];
            correct_count += corrects[k * bins + b];
        }
        bin.accuracy = static_cast<double>(correct_count);
        bin.lower = static_cast<double>(b) / m;
        bin.upper = static_cast<double>(b + 1) / m;
    }
    finish(rep, n);
    return rep;
}

/// Equal-mass bins: sort by (confidence, correct) (each label's confidences radix-sorted, then
/// merged, label 0 first on ties); bin b takes ranks [floor(b n / M), floor((b+1) n / M)).
template <class T, class L>
calibration_report equal_mass(std::span<const T> conf, std::span<const L> correct, std::size_t bins) {
    using key_type = order_key_t<T>;
    const std::size_t n = conf.size();
    std::vector<key_type> k0;
    std::vector<key_type> k1;
    for (std::size_t i = 0; i < n; ++i) {
        (correct[i] != 0 ? k1 : k0).push_back(order_key(conf[i]));
    }
    radix_sort(k0);
    radix_sort(k1);
    calibration_report rep;
    rep.bins.resize(bins);
    // floor((b+1) n / M) without overflow: n = q M + r gives (b+1) q + floor((b+1) r / M).
    const std::size_t q = n / bins;
    const std::size_t r = n % bins;
    auto bin_end = [&](std::size_t b) { return (b + 1) * q + (b + 1) * r / bins; };
    std::size_t b = 0;
    std::size_t end = bin_end(0);
    std::size_t rank = 0;
    merge_runs(k0, k1, [&](key_type key, unsigned run, std::size_t) {
        while (rank >= end) {  // skip to the bin holding this rank (empty bins are passed over)
            ++b;
            end = bin_end(b);
        }
        const double c = static_cast<double>(from_order_key(key));
        auto& bin = rep.bins[b];
        if (bin.count == 0) {
            bin.lower = c;
        }
        bin.upper = c;
        ++bin.count;
        bin.confidence += c;
        bin.accuracy += static_cast<double>(run);
        ++rank;
    });
    for (auto& bin : rep.bins) {
        if (bin.count == 0) {
            bin.lower = std::numeric_limits<double>::quiet_NaN();
            bin.upper = std::numeric_limits<double>::quiet_NaN();
        }
    }
    finish(rep, n);
    return rep;
}

}  // namespace detail::calibration_metrics

/**
 * @brief Reliability bins, ECE and MCE of confidences against correctness
 *        (CBO §III-B: ECE = sum_i |B_i|/n |A(B_i) - C(B_i)|, MCE = max_i |A(B_i) - C(B_i)|).
 *
 * Equal width (default): bin of c = min(floor(c*M), M-1). Equal mass: samples sorted by
 * (confidence, correct) and bin b given the sorted ranks [floor(b n/M), floor((b+1) n/M)), so
 * bins differ in size by at most one and ties may straddle a boundary; ECE over these bins is the
 * adaptive calibration error (ACE). Empty bins have NaN confidence/accuracy and count 0, and are
 * left out of ECE and MCE.
 *
 * @param confidences values in [0, 1] (float or double).
 * @param correct 0/1 (1 = the prediction was right), same size.
 * @param bins M, 1..max_calibration_bins.
 * @param scheme equal_width or equal_mass.
 * @return ECE, MCE and the M bins.
 * @throws offloadkit::invalid_argument for empty input, a size mismatch, a confidence outside
 *         [0, 1] or NaN, a label other than 0/1, bins == 0 or too large.
 * Complexity: equal width O(n + M) in one pass; equal mass O(n + M) with a radix sort.
 *
 * @code
 * ok::calibration_report rep = ok::calibration_error(conf, correct, 10);
 * std::printf("ECE %.3f MCE %.3f\n", rep.ece, rep.mce);
 * @endcode
 */
template <detail::real_range C, detail::integer_range L>
[[nodiscard]] calibration_report calibration_error(const C& confidences, const L& correct, std::size_t bins,
                                                   binning scheme = binning::equal_width) {
    constexpr std::string_view fn = "calibration_error";
    const auto c = detail::as_span(confidences);
    const auto y = detail::as_span(correct);
    detail::calibration_metrics::check_bins(bins, fn);
    detail::require_paired(c.size(), y.size(), fn, "confidences", "correct");
    if (scheme == binning::equal_width) {
        return detail::calibration_metrics::equal_width(c, y, bins, fn);  // validates as it goes
    }
    detail::calibration_metrics::check(c, y, fn);
    return detail::calibration_metrics::equal_mass(c, y, bins);
}

/**
 * @brief calibration_error() with equal-width bins into a caller-owned report: the
 *        non-allocating form for monitoring calibration online (CBO §III-B, ECE and MCE).
 *
 * Same bins, ECE and MCE as calibration_error(confidences, correct, bins) (per-bin sums are
 * taken in index order, so ECE may differ from it in the last bits). Everything is validated
 * before `report` is touched.
 * @param report receives ECE, MCE and the M bins; no allocation when report.bins.capacity() >= M
 *        (e.g. a report returned by an earlier call with the same M).
 * @throws offloadkit::invalid_argument as calibration_error() ("calibration_error_into: ...");
 *         `report` is untouched then.
 * Complexity: O(n + M), two passes (validation, then binning); no allocation after warm-up.
 * @code
 * ok::calibration_report rep;
 * for (;;) { ok::calibration_error_into(window_conf, window_correct, 10, rep); show(rep.ece); }
 * @endcode
 */
template <detail::real_range C, detail::integer_range L>
void calibration_error_into(const C& confidences, const L& correct, std::size_t bins, calibration_report& report) {
    constexpr std::string_view fn = "calibration_error_into";
    const auto c = detail::as_span(confidences);
    const auto y = detail::as_span(correct);
    detail::calibration_metrics::check_bins(bins, fn);
    detail::calibration_metrics::check(c, y, fn);
    report.bins.resize(bins);
    const double m = static_cast<double>(bins);
    for (std::size_t b = 0; b < bins; ++b) {
        // confidence and accuracy hold the bin's sums until finish() divides them
        report.bins[b] = calibration_bin{static_cast<double>(b) / m, static_cast<double>(b + 1) / m, 0, 0.0, 0.0};
    }
    const std::size_t last = bins - 1;
    for (std::size_t i = 0; i < c.size(); ++i) {
        const double v = static_cast<double>(c[i]);
        auto& bin = report.bins[std::min(static_cast<std::size_t>(v * m), last)];
        ++bin.count;
        bin.confidence += v;
        bin.accuracy += y[i] != 0 ? 1.0 : 0.0;
    }
    detail::calibration_metrics::finish(report, c.size());
}

/**
 * @brief Adaptive calibration error: the ECE over M equal-mass bins (calibration_error with
 *        binning::equal_mass).
 * @throws offloadkit::invalid_argument as calibration_error.
 */
template <detail::real_range C, detail::integer_range L>
[[nodiscard]] double adaptive_calibration_error(const C& confidences, const L& correct, std::size_t bins) {
    constexpr std::string_view fn = "adaptive_calibration_error";
    const auto c = detail::as_span(confidences);
    const auto y = detail::as_span(correct);
    detail::calibration_metrics::check_bins(bins, fn);
    detail::calibration_metrics::check(c, y, fn);
    return detail::calibration_metrics::equal_mass(c, y, bins).ece;
}

/**
 * @brief Brier score: mean of (c_i - y_i)^2 (= sklearn.metrics.brier_score_loss).
 * @throws offloadkit::invalid_argument for empty input, a size mismatch, a confidence outside
 *         [0, 1] or NaN, a label other than 0/1.
 * Complexity: O(n), no allocation.
 */
template <detail::real_range C, detail::integer_range L>
[[nodiscard]] double brier_score(const C& confidences, const L& correct) {
    const auto c = detail::as_span(confidences);
    const auto y = detail::as_span(correct);
    detail::calibration_metrics::check(c, y, "brier_score");
    double sum = 0.0;
    for (std::size_t i = 0; i < c.size(); ++i) {
        const double d = static_cast<double>(c[i]) - (y[i] != 0 ? 1.0 : 0.0);
        sum += d * d;
    }
    return sum / static_cast<double>(c.size());
}

/**
 * @brief Mean negative log-likelihood -mean(y log c + (1 - y) log(1 - c)), confidences clipped to
 *        [eps, 1 - eps] with eps = 2^-52 (as sklearn.metrics.log_loss with eps='auto' in 1.2).
 * @throws offloadkit::invalid_argument as brier_score.
 * Complexity: O(n), no allocation.
 */
template <detail::real_range C, detail::integer_range L>
[[nodiscard]] double negative_log_likelihood(const C& confidences, const L& correct) {
    const auto c = detail::as_span(confidences);
    const auto y = detail::as_span(correct);
    detail::calibration_metrics::check(c, y, "negative_log_likelihood");
    constexpr double eps = std::numeric_limits<double>::epsilon();
    double sum = 0.0;
    for (std::size_t i = 0; i < c.size(); ++i) {
        const double p = std::min(std::max(static_cast<double>(c[i]), eps), 1.0 - eps);
        sum -= y[i] != 0 ? std::log(p) : std::log1p(-p);
    }
    return sum / static_cast<double>(c.size());
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_METRICS_CALIBRATION_HPP
