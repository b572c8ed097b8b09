#ifndef OFFLOADKIT_CALIBRATION_TEMPERATURE_HPP
#define OFFLOADKIT_CALIBRATION_TEMPERATURE_HPP

/**
 * @file
 * @brief Temperature scaling of multi-class logits (Guo et al. 2017, "On Calibration of Modern
 *        Neural Networks", CBO ref. [13]): probabilities softmax(z / T) with one scalar T
 *        fitted by minimising the negative log-likelihood on held-out data.
 *
 * The NLL is convex in the inverse temperature beta = 1/T:
 *   NLL(beta) = sum_i [ log sum_j exp(beta z_ij) - beta z_i,y_i ],
 *   NLL'(beta) = sum_i (E_beta[z_i] - z_i,y_i),  NLL''(beta) = sum_i Var_beta[z_i] >= 0,
 * so the fit is a one-dimensional safeguarded Newton iteration on NLL' over the bracket
 * [1/max_temperature, 1/min_temperature] (bisection whenever Newton leaves the bracket).
 */

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../detail/calibration_input.hpp"
#include "../detail/model_text.hpp"
#include "../error.hpp"
#include "scores.hpp"

namespace offloadkit {

/// Options of temperature_scaler::fit.
struct temperature_options {
    /// The fitted T is clamped to [min_temperature, max_temperature] (the optimum can be 0 or
    /// infinite on degenerate data: separable logits, or logits that carry no information).
    double min_temperature = 1e-3;
    double max_temperature = 1e3;
    /// Newton/bisection steps at most (>= 1).
    std::size_t max_iterations = 200;
};

namespace detail::temperature_fit {

/// NLL'(beta) and NLL''(beta) summed over rows.
template <class T>
void derivatives(std::span<const T> logits, std::size_t k, std::span<const std::size_t> labels, double beta,
                 double& d1, double& d2) noexcept {
    d1 = 0.0;
    d2 = 0.0;
    const std::size_t n = labels.size();
    for (std::size_t i = 0; i < n; ++i) {
        const T* row = logits.data() + i * k;
        double m = static_cast<double>(row[0]);
        for (std::size_t j = 1; j < k; ++j) {
            m = std::max(m, static_cast<double>(row[j]));
        }
        double s = 0.0;
        double s1 = 0.0;
        double s2 = 0.0;
        for (std::size_t j = 0; j < k; ++j) {
            const double d = static_cast<double>(row[j]) - m;  // <= 0
            const double e = std::exp(beta * d);
            if (e > 0.0) {
                s += e;
                s1 += e * d;
                s2 += e * d * d;
            }
        }
        const double mean = s1 / s;  // E[z] - m
        d1 += mean - (static_cast<double>(row[labels[i]]) - m);
        d2 += std::max(0.0, s2 / s - mean * mean);
    }
}

}  // namespace detail::temperature_fit

/**
 * @brief A fitted temperature: calibrated probabilities softmax(logits / T).
 *
 * A regular value (one double); copy, compare, ship as text. Applying it does not allocate.
 *
 * @code
 * auto temp = ok::temperature_scaler::fit(logits_rowmajor, num_classes, class_labels);
 * temp(logits_row, probs_row);                 // calibrated probabilities of one sample
 * double conf = temp.confidence(logits_row).confidence;
 * @endcode
 */
class temperature_scaler {
public:
    /// T = 1 (plain softmax).
    constexpr temperature_scaler() noexcept = default;

    /**
     * @brief The scaler with temperature t.
     * @throws offloadkit::invalid_argument unless t is finite and > 0.
     */
    explicit temperature_scaler(double t) : t_(t) { detail::require_positive(t, "temperature_scaler", "temperature"); }

    /**
     * @brief Fits T by minimising the NLL of the labels under softmax(z / T) (Guo et al. 2017).
     *
     * @param logits_rowmajor n*k finite logits, row i = sample i (float or double).
     * @param num_classes k >= 1.
     * @param class_labels n integers in [0, k) (the true class of each sample).
     * @param options the bracket [min_temperature, max_temperature] and an iteration cap.
     * @return the fitted scaler. T is the unique minimiser inside the bracket, or the bracket end
     *         the NLL decreases towards; T = 1 when every row's logits are all equal (the NLL
     *         does not depend on T then).
     * @throws offloadkit::invalid_argument for num_classes == 0, no samples, logits.size() !=
     *         n * k, a NaN/infinite logit, a label outside [0, k), a bad bracket.
     * Complexity: O(n k) per iteration, typically under 10 iterations; O(n) extra memory.
     */
    template <detail::real_range Lg, detail::integer_range C>
    [[nodiscard]] static temperature_scaler fit(const Lg& logits_rowmajor, std::size_t num_classes,
                                                const C& class_labels, const temperature_options& options = {}) {
        constexpr std::string_view fn = "temperature_scaler::fit";
        const auto z = detail::as_span(logits_rowmajor);
        const auto y = detail::as_span(class_labels);
        const auto labels = detail::require_multiclass(z, num_classes, y, fn);
        detail::require(options.min_temperature > 0.0 && std::isfinite(options.max_temperature) &&
                            options.min_temperature < options.max_temperature,
                        fn, "options.min_temperature is ", options.min_temperature, " and options.max_temperature is ",
                        options.max_temperature, ", expected 0 < min < max < inf");
        detail::require(options.max_iterations >= 1, fn, "options.max_iterations is 0, expected >= 1");
        const std::size_t k = num_classes;
        double lo = 1.0 / options.max_temperature;
        double hi = 1.0 / options.min_temperature;
        double d1 = 0.0;
        double d2 = 0.0;
        detail::temperature_fit::derivatives(z, k, std::span<const std::size_t>(labels), 1.0, d1, d2);
        if (d2 == 0.0) {
            return temperature_scaler(1.0);  // every row constant: the NLL does not depend on T
        }
        double beta = std::clamp(1.0, lo, hi);
        double f_lo = 0.0;
        double f_hi = 0.0;
        double unused = 0.0;
        detail::temperature_fit::derivatives(z, k, std::span<const std::size_t>(labels), lo, f_lo, unused);
        if (f_lo >= 0.0) {
            return temperature_scaler(options.max_temperature);
        }
        detail::temperature_fit::derivatives(z, k, std::span<const std::size_t>(labels), hi, f_hi, unused);
        if (f_hi <= 0.0) {
            return temperature_scaler(options.min_temperature);
        }
        for (std::size_t it = 0; it < options.max_iterations; ++it) {
            detail::temperature_fit::derivatives(z, k, std::span<const std::size_t>(labels), beta, d1, d2);
            if (d1 == 0.0) {
                break;
            }
            (d1 < 0.0 ? lo : hi) = beta;
            double next = d2 > 0.0 ? beta - d1 / d2 : 0.5 * (lo + hi);
            if (!(next > lo && next < hi)) {
                next = 0.5 * (lo + hi);
            }
            const bool done = std::abs(next - beta) <= 1e-15 * beta || hi - lo <= 4e-16 * hi;
            beta = next;
            if (done) {
                break;
            }
        }
        return temperature_scaler(1.0 / beta);
    }

    /// The temperature T.
    [[nodiscard]] double temperature() const noexcept { return t_; }

    /**
     * @brief probs = softmax(logits / T) for one sample.
     * @param logits k finite logits; probs: k outputs (same element type for the SIMD kernel).
     * @throws offloadkit::invalid_argument as ok::softmax.
     * Complexity: O(k), no allocation.
     */
    template <detail::real_range In, detail::writable_real_range Out>
    void operator()(const In& logits, Out&& probs) const {
        constexpr std::string_view fn = "temperature_scaler";
        const auto x = detail::as_span(logits);
        const auto p = detail::as_writable_span(probs);
        detail::scores::validate_logits(x, fn);
        detail::require_same_size(p.size(), x.size(), fn, "probs", "logits");
        apply_row(x, p);
    }

    /**
     * @brief The top-1 class and its calibrated confidence max softmax(logits / T) (the class is
     *        the arg max of the logits, unchanged by T).
     * @throws offloadkit::invalid_argument for empty logits or a NaN/infinite logit.
     * Complexity: O(k), no allocation.
     */
    template <detail::real_range In>
    [[nodiscard]] top1 confidence(const In& logits) const {
        const auto x = detail::as_span(logits);
        detail::scores::validate_logits(x, "temperature_scaler::confidence");
        using T = detail::real_value_t<In>;
        const T m = detail::scores::max_scalar(x);
        double s = 0.0;
        for (const T v : x) {
            s += std::exp((static_cast<double>(v) - static_cast<double>(m)) / t_);
        }
        return {detail::scores::first_index_of(x, m), 1.0 / s};
    }

    /**
     * @brief Batch form: every row of logits_rowmajor (k per row) to its calibrated probabilities.
     * @throws offloadkit::invalid_argument for k == 0, sizes that are not a multiple of k or
     *         differ, a NaN/infinite logit (probs untouched).
     * Complexity: O(n k), no allocation.
     */
    template <detail::real_range In, detail::writable_real_range Out>
    void transform(const In& logits_rowmajor, std::size_t num_classes, Out&& probs_rowmajor) const {
        constexpr std::string_view fn = "temperature_scaler::transform";
        const auto x = detail::as_span(logits_rowmajor);
        const auto p = detail::as_writable_span(probs_rowmajor);
        detail::require(num_classes >= 1, fn, "num_classes is 0, expected >= 1");
        detail::require(x.size() % num_classes == 0, fn, "logits has size ", x.size(),
                        ", expected a multiple of num_classes = ", num_classes);
        detail::require_same_size(p.size(), x.size(), fn, "probs", "logits");
        detail::require_finite(x, fn, "logits");
        for (std::size_t i = 0; i < x.size(); i += num_classes) {
            apply_row(x.subspan(i, num_classes), p.subspan(i, num_classes));
        }
    }

    /**
     * @brief Reads "offloadkit.temperature_scaler 1\ntemperature <T>\n".
     * @throws offloadkit::invalid_argument for malformed text or T not finite and > 0.
     */
    template <class = void>  // a template: only a caller instantiates the reader (compile cost, issue 14)
    [[nodiscard]] static temperature_scaler from_string(std::string_view text) {
        detail::model_text::reader r(text, "temperature_scaler::from_string");
        r.header("temperature_scaler", 1);
        const double t = r.key_number("temperature");
        r.finish();
        detail::require(t > 0.0, "temperature_scaler::from_string", "temperature is ", t, ", expected > 0");
        return temperature_scaler(t);
    }

    friend bool operator==(const temperature_scaler&, const temperature_scaler&) noexcept = default;

private:
    template <class T, class U>
    void apply_row(std::span<const T> x, std::span<U> p) const noexcept {
        const T m = detail::scores::max_scalar(x);
        double s = 0.0;
        for (std::size_t j = 0; j < x.size(); ++j) {
            const double e = std::exp((static_cast<double>(x[j]) - static_cast<double>(m)) / t_);
            p[j] = static_cast<U>(e);
            s += e;
        }
        const double inv = 1.0 / s;
        for (auto& v : p) {
            v = static_cast<U>(static_cast<double>(v) * inv);
        }
    }

    double t_ = 1.0;
};

/// "offloadkit.temperature_scaler 1\ntemperature <T>\n" (exact round trip).
template <class = void>
[[nodiscard]] inline std::string to_string(const temperature_scaler& c) {
    std::string out = detail::model_text::header("temperature_scaler", 1);
    detail::model_text::append_key(out, "temperature", c.temperature());
    return out;
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_CALIBRATION_TEMPERATURE_HPP
