#ifndef OFFLOADKIT_CALIBRATION_ONE_VS_REST_HPP
#define OFFLOADKIT_CALIBRATION_ONE_VS_REST_HPP

/**
 * @file
 * @brief The one-vs-rest calibration scheme of CBO §III-B, Fig. 6: N models, model i takes
 *        the whole feature (logit) vector x = [x_1 .. x_N] and outputs a new score x'_i, trained
 *        with target 1 on frames that contain object i and 0 otherwise; the N outputs are then
 *        renormalised to sum to 1.
 *
 * Each model is a Platt-style logistic regression on the full logit vector,
 * x'_i = sigma(w_i . x + b_i), fitted by Newton's method (Eigen for the (N+1)x(N+1) systems) on
 *   sum_n [ -t_n log x'_i - (1 - t_n) log(1 - x'_i) ] + ||w_i||^2 / (2 C),
 * with Platt's smoothed targets t (as platt_calibrator; they keep the optimum finite when class i
 * never or always occurs) and an L2 penalty on w_i (not b_i) that keeps it unique when logits are
 * collinear (log-softmax outputs are). With C -> infinity and smoothing off it is plain maximum
 * likelihood; the default C = 1 is scikit-learn's LogisticRegression default, and the fit equals
 * LogisticRegression(C=C) on rows duplicated with weights t and 1 - t (the golden tests check this).
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

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "../detail/calibration_input.hpp"
#include "../detail/dependent_type.hpp"
#include "../detail/model_text.hpp"
#include "../error.hpp"
#include "scores.hpp"

namespace offloadkit {

/// Options of one_vs_rest_calibrator::fit.
struct one_vs_rest_options {
    /// Inverse L2 strength C (scikit-learn's convention): penalty ||w||^2 / (2C). Finite, > 0.
    double c = 1.0;
    /// Platt's target smoothing (t+ = (N+ + 1)/(N+ + 2), t- = 1/(N- + 2)) per class model.
    bool target_smoothing = true;
    /// Newton iterations per class model at most (>= 1).
    std::size_t max_iterations = 100;
};

namespace detail::one_vs_rest_fit {

/// Fits one class model; returns [w_0 .. w_{k-1}, b]. A template (always called with
/// Eigen::MatrixXd / Eigen::VectorXd) so that Eigen's products and LDLT are instantiated only in
/// a program that fits a one-vs-rest model, not in every file that includes this header.
template <class Matrix, class Vector>
Vector fit_class(const Matrix& xa, const Vector& t, double inv_c, std::size_t max_iterations) {
    const auto n = xa.rows();
    const auto d = xa.cols();  // k + 1, the last column is the constant 1
    const double mean_t = t.mean();
    Vector theta = Vector::Zero(d);
    theta(d - 1) = std::log(mean_t / (1.0 - mean_t));
    Vector penalty = Vector::Constant(d, inv_c);
    penalty(d - 1) = 0.0;
    auto objective = [&](const Vector& th, Vector& z) {
        z = xa * th;
        double f = 0.0;
        for (Eigen::Index i = 0; i < n; ++i) {
            const double zi = z(i);
            // softplus(z) - t z  ==  -t log sigma(z) - (1 - t) log(1 - sigma(z))
            f += std::max(zi, 0.0) + std::log1p(std::exp(-std::abs(zi))) - t(i) * zi;
        }
        return f + 0.5 * th.cwiseProduct(penalty).dot(th);
    };
    Vector z;
    double f = objective(theta, z);
    const double tiny = 1e-14 * static_cast<double>(n);
    Vector p(n);
    Vector h(n);
    for (std::size_t it = 0; it < max_iterations; ++it) {
        for (Eigen::Index i = 0; i < n; ++i) {
            p(i) = 1.0 / (1.0 + std::exp(-z(i)));
            h(i) = p(i) * (1.0 - p(i));
        }
        const Vector g = xa.transpose() * (p - t) + penalty.cwiseProduct(theta);
        Matrix hess = xa.transpose() * h.asDiagonal() * xa;
        hess.diagonal() += penalty + Vector::Constant(d, 1e-12);
        const Vector step = -hess.ldlt().solve(g);
        const double gd = g.dot(step);
        if (!(gd < 0.0) || !step.allFinite()) {
            break;
        }
        if (-gd <= tiny) {
            theta += step;
            break;
        }
        double s = 1.0;
        bool accepted = false;
        Vector z_new;
        while (s >= 1e-10) {
            const Vector cand = theta + s * step;
            const double f_new = objective(cand, z_new);
            if (f_new < f + 1e-4 * s * gd) {
                theta = cand;
                f = f_new;
                z = z_new;
                accepted = true;
                break;
            }
            s *= 0.5;
        }
        if (!accepted) {
            break;
        }
    }
    return theta;
}

}  // namespace detail::one_vs_rest_fit

/**
 * @brief N per-class logistic models on the whole logit vector, outputs renormalised
 *        (CBO Fig. 6).
 *
 * A regular value (N*(N+1) doubles); copy, compare, ship as text. Applying it does not allocate.
 * A default-constructed calibrator has no classes and rejects every input.
 *
 * @code
 * auto ovr = ok::one_vs_rest_calibrator::fit(logits_rowmajor, num_classes, class_labels);
 * ovr(logits_row, probs_row);                      // calibrated, renormalised probabilities
 * ok::top1 t = ovr.confidence(logits_row);         // arg max and its calibrated probability
 * @endcode
 */
class one_vs_rest_calibrator {
public:
    one_vs_rest_calibrator() = default;

    /**
     * @brief Fits the N class models.
     * @param logits_rowmajor n*k finite logits (float or double).
     * @param num_classes k >= 1.
     * @param class_labels n integers in [0, k).
     * @param options C, smoothing, iteration cap.
     * @throws offloadkit::invalid_argument for num_classes == 0, no samples, a size mismatch, a
     *         NaN/infinite logit, a label outside [0, k), bad options.
     * Complexity: O(N * iterations * n (N+1)^2) time (Newton on N+1 parameters per class; meant
     *         for N up to ~100), O(n N) memory.
     */
    template <detail::real_range Lg, detail::integer_range C>
    [[nodiscard]] static one_vs_rest_calibrator fit(const Lg& logits_rowmajor, std::size_t num_classes,
                                                    const C& class_labels, const one_vs_rest_options& options = {}) {
        constexpr std::string_view fn = "one_vs_rest_calibrator::fit";
        const auto z = detail::as_span(logits_rowmajor);
        const auto y = detail::as_span(class_labels);
        const auto labels = detail::require_multiclass(z, num_classes, y, fn);
        detail::require(options.c > 0.0 && std::isfinite(options.c), fn, "options.c is ", options.c,
                        ", expected a finite number > 0");
        detail::require(options.max_iterations >= 1, fn, "options.max_iterations is 0, expected >= 1");
        const std::size_t k = num_classes;
        // Eigen's types named through Lg (dependent): only a caller instantiates them (issue 14).
        using matrix = typename detail::dependent_type<Lg, Eigen::MatrixXd>::type;
        using vector = typename detail::dependent_type<Lg, Eigen::VectorXd>::type;
        const auto n = static_cast<Eigen::Index>(labels.size());
        const auto d = static_cast<Eigen::Index>(k + 1);
        matrix xa(n, d);
        for (Eigen::Index i = 0; i < n; ++i) {
            for (Eigen::Index j = 0; j + 1 < d; ++j) {
                xa(i, j) = static_cast<double>(z[static_cast<std::size_t>(i) * k + static_cast<std::size_t>(j)]);
            }
            xa(i, d - 1) = 1.0;
        }
        one_vs_rest_calibrator out;
        out.k_ = k;
        out.params_.resize(k * (k + 1));
        vector t(n);
        for (std::size_t cls = 0; cls < k; ++cls) {
            double n_pos = 0.0;
            for (const auto l : labels) {
                n_pos += l == cls ? 1.0 : 0.0;
            }
            const double n_neg = static_cast<double>(n) - n_pos;
            const double tp = options.target_smoothing ? (n_pos + 1.0) / (n_pos + 2.0) : 1.0;
            const double tn = options.target_smoothing ? 1.0 / (n_neg + 2.0) : 0.0;
            for (Eigen::Index i = 0; i < n; ++i) {
                t(i) = labels[static_cast<std::size_t>(i)] == cls ? tp : tn;
            }
            if (!options.target_smoothing && (n_pos == 0.0 || n_neg == 0.0)) {
                // One class without smoothing: the intercept diverges; keep the largest finite
                // model that says "always" / "never" (sigma(+-40) is 1 or 4e-18).
                for (std::size_t j = 0; j <= k; ++j) {
                    out.params_[cls * (k + 1) + j] = j == k ? (n_pos == 0.0 ? -40.0 : 40.0) : 0.0;
                }
                continue;
            }
            const vector theta =
                detail::one_vs_rest_fit::fit_class(xa, t, 1.0 / options.c, options.max_iterations);
            for (std::size_t j = 0; j <= k; ++j) {
                const double v = theta(static_cast<Eigen::Index>(j));
                out.params_[cls * (k + 1) + j] = std::isfinite(v) ? v : 0.0;
            }
        }
        return out;
    }

    /// N, the number of classes (0 for a default-constructed calibrator).
    [[nodiscard]] std::size_t num_classes() const noexcept { return k_; }
    /// The weights w_i of class model i (N values).
    [[nodiscard]] std::span<const double> weights(std::size_t cls) const {
        detail::require(cls < k_, "one_vs_rest_calibrator::weights", "class is ", cls, ", expected 0..", k_ - 1);
        return std::span<const double>(params_).subspan(cls * (k_ + 1), k_);
    }
    /// The intercept b_i of class model i.
    [[nodiscard]] double bias(std::size_t cls) const {
        detail::require(cls < k_, "one_vs_rest_calibrator::bias", "class is ", cls, ", expected 0..", k_ - 1);
        return params_[cls * (k_ + 1) + k_];
    }

    /**
     * @brief Calibrated probabilities of one sample: x'_i = sigma(w_i . x + b_i), renormalised
     *        to sum to 1 (computed in log space, so no x'_i underflows to a 0/0).
     * @throws offloadkit::invalid_argument if logits or probs do not have num_classes() entries
     *         or a logit is NaN/infinite (probs untouched).
     * Complexity: O(N^2), no allocation.
     */
    template <detail::real_range In, detail::writable_real_range Out>
    void operator()(const In& logits, Out&& probs) const {
        constexpr std::string_view fn = "one_vs_rest_calibrator";
        const auto x = detail::as_span(logits);
        const auto p = detail::as_writable_span(probs);
        check_row(x, fn);
        detail::require_same_size(p.size(), x.size(), fn, "probs", "logits");
        apply_row(x, p);
    }

    /**
     * @brief The probability that the NPU's top-1 answer is right (CBO §III-B, Fig. 6): the
     *        renormalised calibrated output x'_j of the class j the logits rank first (arg max of
     *        the logits, the first on ties). This makes the calibrator a vector_calibrator, the
     *        C(p_i) the offloading path (cbo_policy, the simulator, the pipeline) uses.
     * @throws offloadkit::invalid_argument if logits do not have num_classes() entries or one is
     *         NaN/infinite.
     * Complexity: O(N^2), no allocation.
     */
    template <class = void>
    [[nodiscard]] double operator()(std::span<const double> logits) const {
        check_row(logits, "one_vs_rest_calibrator");
        std::size_t arg = 0;
        for (std::size_t i = 1; i < k_; ++i) {
            arg = logits[i] > logits[arg] ? i : arg;
        }
        double best = -std::numeric_limits<double>::infinity();
        for (std::size_t i = 0; i < k_; ++i) {
            best = std::max(best, log_score(logits, i));
        }
        double s = 0.0;
        for (std::size_t i = 0; i < k_; ++i) {
            s += std::exp(log_score(logits, i) - best);
        }
        return std::exp(log_score(logits, arg) - best) / s;
    }

    /**
     * @brief The arg max of the calibrated probabilities and its value.
     * @throws offloadkit::invalid_argument as operator().
     * Complexity: O(N^2), no allocation.
     */
    template <detail::real_range In>
    [[nodiscard]] top1 confidence(const In& logits) const {
        const auto x = detail::as_span(logits);
        check_row(x, "one_vs_rest_calibrator::confidence");
        double best = -std::numeric_limits<double>::infinity();
        std::size_t arg = 0;
        double s = 0.0;
        // log x'_i for every class, then the renormalised maximum: exp(l_max - l_max) / sum exp(l_i - l_max).
        for (std::size_t i = 0; i < k_; ++i) {
            const double l = log_score(x, i);
            if (l > best) {
                best = l;
                arg = i;
            }
        }
        for (std::size_t i = 0; i < k_; ++i) {
            s += std::exp(log_score(x, i) - best);
        }
        return {arg, 1.0 / s};
    }

    /**
     * @brief Batch form over row-major logits (num_classes() per row).
     * @throws offloadkit::invalid_argument for sizes that are not a multiple of num_classes() or
     *         differ, a NaN/infinite logit (probs untouched).
     * Complexity: O(n N^2), no allocation.
     */
    template <detail::real_range In, detail::writable_real_range Out>
    void transform(const In& logits_rowmajor, Out&& probs_rowmajor) const {
        constexpr std::string_view fn = "one_vs_rest_calibrator::transform";
        const auto x = detail::as_span(logits_rowmajor);
        const auto p = detail::as_writable_span(probs_rowmajor);
        detail::require(k_ >= 1, fn, "the calibrator has no classes (default-constructed)");
        detail::require(x.size() % k_ == 0, fn, "logits has size ", x.size(), ", expected a multiple of ", k_);
        detail::require_same_size(p.size(), x.size(), fn, "probs", "logits");
        detail::require_finite(x, fn, "logits");
        for (std::size_t i = 0; i < x.size(); i += k_) {
            apply_row(x.subspan(i, k_), p.subspan(i, k_));
        }
    }

    /**
     * @brief Reads the text written by to_string(const one_vs_rest_calibrator&).
     * @throws offloadkit::invalid_argument for malformed text, naming the line.
     */
    template <class = void>  // a template: only a caller instantiates the reader (compile cost, issue 14)
    [[nodiscard]] static one_vs_rest_calibrator from_string(std::string_view text) {
        detail::model_text::reader r(text, "one_vs_rest_calibrator::from_string");
        r.header("one_vs_rest_calibrator", 1);
        const std::size_t k = r.key_count("classes", r.lines_left());
        detail::require(k >= 1 && k * (k + 1) <= text.size() / 2, "one_vs_rest_calibrator::from_string",
                        "text declares ", k, " classes, expected 1 to the number of rows it holds");
        one_vs_rest_calibrator c;
        c.k_ = k;
        c.params_.resize(k * (k + 1));
        for (std::size_t i = 0; i < k; ++i) {
            r.row(std::span<double>(c.params_).subspan(i * (k + 1), k + 1));
        }
        r.finish();
        return c;
    }

    friend bool operator==(const one_vs_rest_calibrator&, const one_vs_rest_calibrator&) = default;

private:
    template <class T>
    void check_row(std::span<const T> x, std::string_view fn) const {
        detail::require(k_ >= 1, fn, "the calibrator has no classes (default-constructed)");
        detail::require_same_size(x.size(), k_, fn, "logits", "num_classes()");
        detail::require_finite(x, fn, "logits");
    }

    /// log sigma(w_i . x + b_i) = -softplus(-(w_i . x + b_i)).
    template <class T>
    [[nodiscard]] double log_score(std::span<const T> x, std::size_t i) const noexcept {
        const double* w = params_.data() + i * (k_ + 1);
        double z = w[k_];
        for (std::size_t j = 0; j < k_; ++j) {
            z += w[j] * static_cast<double>(x[j]);
        }
        return -(std::max(-z, 0.0) + std::log1p(std::exp(-std::abs(z))));
    }

    template <class T, class U>
    void apply_row(std::span<const T> x, std::span<U> p) const noexcept {
        double m = -std::numeric_limits<double>::infinity();
        for (std::size_t i = 0; i < k_; ++i) {
            m = std::max(m, log_score(x, i));
        }
        double s = 0.0;
        for (std::size_t i = 0; i < k_; ++i) {
            const double e = std::exp(log_score(x, i) - m);
            p[i] = static_cast<U>(e);
            s += e;
        }
        for (auto& v : p) {
            v = static_cast<U>(static_cast<double>(v) / s);
        }
    }

    std::size_t k_ = 0;
    std::vector<double> params_;  // k rows of [w_0 .. w_{k-1}, b]
};

/**
 * @brief The versioned text of a one-vs-rest calibrator (exact round trip):
 *        "offloadkit.one_vs_rest_calibrator 1\nclasses <N>\n" then N lines "w_0 .. w_{N-1} b".
 */
template <class = void>
[[nodiscard]] inline std::string to_string(const one_vs_rest_calibrator& c) {
    std::string out = detail::model_text::header("one_vs_rest_calibrator", 1);
    detail::model_text::append_key(out, "classes", c.num_classes());
    for (std::size_t i = 0; i < c.num_classes(); ++i) {
        std::vector<double> row(c.weights(i).begin(), c.weights(i).end());
        row.push_back(c.bias(i));
        detail::model_text::append_row(out, row);
    }
    return out;
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_CALIBRATION_ONE_VS_REST_HPP
