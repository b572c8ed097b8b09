#ifndef OFFLOADKIT_CALIBRATION_PLATT_HPP
#define OFFLOADKIT_CALIBRATION_PLATT_HPP

/**
 * @file
 * @brief Platt calibration (CBO §III-B, "Platt Calibration"): a logistic model
 *        p = 1 / (1 + exp(a*s + b)) fitted to (score, correct) pairs.
 *
 * The fit is Platt's (1999) with target smoothing and the Newton method with backtracking line
 * search of Lin, Lin & Weng (2007), "A note on Platt's probabilistic outputs for support vector
 * machines". It minimises the same objective as scikit-learn 1.2's
 * `sklearn.calibration._sigmoid_calibration` (which uses BFGS), so both land on the same optimum;
 * the tests compare against golden vectors written by that function.
 */

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "../concepts.hpp"
#include "../detail/calibration_input.hpp"
#include "../detail/model_text.hpp"
#include "../error.hpp"

namespace offloadkit {

/// Options of platt_calibrator::fit.
struct platt_options {
    /**
     * Platt's target smoothing (on by default, as in scikit-learn): label 1 becomes
     * t+ = (N+ + 1)/(N+ + 2) and label 0 becomes t- = 1/(N- + 2), where N+ and N- are the (weighted)
     * counts of positive and negative samples. Without it the targets are 1 and 0, and separable
     * data has no finite optimum (the fit then stops after max_iterations).
     */
    bool target_smoothing = true;
    /// Newton iterations at most (Lin, Lin & Weng use 100). Must be >= 1.
    std::size_t max_iterations = 100;
    /// The backtracking line search gives up below this step (Lin, Lin & Weng: 1e-10). In (0, 1].
    double min_step = 1e-10;
};

namespace detail::platt_fit {

/// Objective value, gradient and Hessian of the Platt objective at one (a, b).
struct eval_result {
    double f = 0.0;
    double ga = 0.0, gb = 0.0;
    double haa = 0.0, hab = 0.0, hbb = 0.0;
};

/**
 * @brief The data of one fit, rearranged once so every pass is a plain streaming read:
 *        scores scaled to x = (s - shift) / scale in [-1, 1], positives first (x[0, n_pos) has
 *        target t_pos, the rest t_neg), weights in the same order (empty: all 1).
 */
struct problem {
    std::vector<double> x;
    std::vector<double> w;
    std::size_t n_pos = 0;
    double t_pos = 1.0;
    double t_neg = 0.0;
};

/// Adds one sample's contribution (loss softplus(z) - (1 - t) z, z = a x + b) to `r`.
template <class = void>
inline void accumulate(eval_result& r, double x, double t, double w, double a, double b) noexcept {
    const double z = a * x + b;
    const double e = std::exp(-std::abs(z));
    const double softplus = std::max(z, 0.0) + std::log1p(e);
    const double inv = 1.0 / (1.0 + e);
    // p = P(y = 1) = 1 / (1 + exp(z)); q = 1 - p.
    const double p = z >= 0.0 ? e * inv : inv;
    const double q = z >= 0.0 ? inv : e * inv;
    const double rz = w * (t - p);  // d(loss)/dz = q - (1 - t) = t - p
    const double h = w * p * q;     // d2(loss)/dz2
    r.f += w * (softplus - (1.0 - t) * z);
    r.ga += rz * x;
    r.gb += rz;
    r.haa += h * x * x;
    r.hab += h * x;
    r.hbb += h;
}

/// Scalar reference: objective, gradient and Hessian in one pass.
template <class = void>
[[nodiscard]] inline eval_result evaluate_scalar(const problem& pb, double a, double b) noexcept {
    eval_result r;
    const std::size_t n = pb.x.size();
    const bool weighted = !pb.w.empty();
    for (std::size_t i = 0; i < n; ++i) {
        accumulate(r, pb.x[i], i < pb.n_pos ? pb.t_pos : pb.t_neg, weighted ? pb.w[i] : 1.0, a, b);
    }
    return r;
}

/// One target's segment [first, last) of the problem, SIMD (xsimd, double lanes); the tail
/// that does not fill a batch goes through accumulate().
template <bool Weighted>
void accumulate_segment_simd(eval_result& r, const double* x, const double* w, std::size_t count, double t, double a,
                             double b) noexcept {
    using batch = simd::batch<double>;
    constexpr std::size_t L = simd::lanes<double>;
    const batch va(a);
    const batch vb(b);
    const batch vt(t);
    const batch v1mt(1.0 - t);
    const batch one(1.0);
    const batch zero(0.0);
    batch f(0.0), ga(0.0), gb(0.0), haa(0.0), hab(0.0), hbb(0.0);
    std::size_t i = 0;
    for (; i + L <= count; i += L) {
        const batch xv = batch::load_unaligned(x + i);
        const batch z = xsimd::fma(va, xv, vb);
        const batch e = xsimd::exp(-xsimd::abs(z));
        const batch softplus = xsimd::max(z, zero) + xsimd::log1p(e);
        const batch inv = one / (one + e);
        const batch e_inv = e * inv;
        const auto nonneg = z >= zero;
        const batch p = xsimd::select(nonneg, e_inv, inv);
        const batch q = xsimd::select(nonneg, inv, e_inv);
        batch rz = vt - p;
        batch h = p * q;
        batch loss = softplus - v1mt * z;
        if constexpr (Weighted) {
            const batch wv = batch::load_unaligned(w + i);
            rz *= wv;
            h *= wv;
            loss *= wv;
        }
        f += loss;
        ga = xsimd::fma(rz, xv, ga);
        gb += rz;
        const batch hx = h * xv;
        haa = xsimd::fma(hx, xv, haa);
        hab += hx;
        hbb += h;
    }
    r.f += simd::reduce_add(f);
    r.ga += simd::reduce_add(ga);
    r.gb += simd::reduce_add(gb);
    r.haa += simd::reduce_add(haa);
    r.hab += simd::reduce_add(hab);
    r.hbb += simd::reduce_add(hbb);
    for (; i < count; ++i) {
        accumulate(r, x[i], t, Weighted ? w[i] : 1.0, a, b);
    }
}

/// The pass the solver uses: objective, gradient and Hessian at (a, b), SIMD.
template <class = void>
[[nodiscard]] inline eval_result evaluate(const problem& pb, double a, double b) noexcept {
    eval_result r;
    const std::size_t n = pb.x.size();
    const double* x = pb.x.data();
    if (pb.w.empty()) {
        accumulate_segment_simd<false>(r, x, nullptr, pb.n_pos, pb.t_pos, a, b);
        accumulate_segment_simd<false>(r, x + pb.n_pos, nullptr, n - pb.n_pos, pb.t_neg, a, b);
    } else {
        const double* w = pb.w.data();
        accumulate_segment_simd<true>(r, x, w, pb.n_pos, pb.t_pos, a, b);
        accumulate_segment_simd<true>(r, x + pb.n_pos, w + pb.n_pos, n - pb.n_pos, pb.t_neg, a, b);
    }
    return r;
}

/// Every stride-th sample of each target segment (same targets; weights carried along).
template <class = void>
[[nodiscard]] inline problem subsample(const problem& pb, std::size_t stride) {
    problem sub;
    sub.t_pos = pb.t_pos;
    sub.t_neg = pb.t_neg;
    const bool weighted = !pb.w.empty();
    for (std::size_t i = 0; i < pb.n_pos; i += stride) {
        sub.x.push_back(pb.x[i]);
        if (weighted) {
            sub.w.push_back(pb.w[i]);
        }
    }
    sub.n_pos = sub.x.size();
    for (std::size_t i = pb.n_pos; i < pb.x.size(); i += stride) {
        sub.x.push_back(pb.x[i]);
        if (weighted) {
            sub.w.push_back(pb.w[i]);
        }
    }
    return sub;
}

/// Result of the solver in scaled coordinates.
struct solution {
    double a = 0.0;
    double b = 0.0;
    std::size_t iterations = 0;
};

/**
 * @brief Newton's method with backtracking (Lin, Lin & Weng 2007, Algorithm 1) from
 *        (a0, b0), stopping when the Newton decrement is below 1e-14 per unit of weight (the last,
 *        tiny step is then taken without a line search), when the line search cannot make
 *        progress, or after max_iterations.
 */
template <class = void>
[[nodiscard]] inline solution newton(const problem& pb, double a0, double b0, double total_weight,
                                     const platt_options& opt) {
    constexpr double sigma = 1e-12;  // Lin, Lin & Weng: keeps the Hessian positive definite
    constexpr double armijo = 1e-4;
    const double tiny_decrement = 1e-14 * total_weight;
    solution s{a0, b0, 0};
    eval_result cur = evaluate(pb, s.a, s.b);
    for (std::size_t it = 0; it < opt.max_iterations; ++it) {
        s.iterations = it + 1;
        const double h11 = cur.haa + sigma;
        const double h22 = cur.hbb + sigma;
        const double h21 = cur.hab;
        const double det = h11 * h22 - h21 * h21;
        double da = 0.0;
        double db = 0.0;
        if (det > 0.0) {
            da = -(h22 * cur.ga - h21 * cur.gb) / det;
            db = -(-h21 * cur.ga + h11 * cur.gb) / det;
        }
        double gd = cur.ga * da + cur.gb * db;
        if (!(det > 0.0) || !(gd < 0.0) || !std::isfinite(gd)) {
            // Not a descent direction (numerically singular Hessian): steepest descent instead.
            const double scale = 1.0 / (h11 + h22);
            da = -cur.ga * scale;
            db = -cur.gb * scale;
            gd = cur.ga * da + cur.gb * db;
        }
        if (!(gd < 0.0)) {
            break;  // zero gradient: at the optimum
        }
        if (-gd <= tiny_decrement) {
            s.a += da;  // quadratic model is exact to rounding here: take the full step
            s.b += db;
            break;
        }
        double step = 1.0;
        bool accepted = false;
        while (step >= opt.min_step) {
            const double na = s.a + step * da;
            const double nb = s.b + step * db;
            const eval_result trial = evaluate(pb, na, nb);
            if (trial.f < cur.f + armijo * step * gd) {
                s.a = na;
                s.b = nb;
                cur = trial;
                accepted = true;
                break;
            }
            step *= 0.5;
        }
        if (!accepted) {
            break;  // no progress possible at double precision
        }
    }
    return s;
}

}  // namespace detail::platt_fit

/**
 * @brief A fitted Platt calibrator: p(s) = 1 / (1 + exp(a*s + b)) (CBO §III-B, the logistic
 *        model P(y = 1 | x) = 1 / (1 + e^{A f(x) + B})).
 *
 * A small regular value (two doubles): copy it, compare it, ship it as text (to_string /
 * from_string). Applying it does not allocate.
 *
 * @code
 * auto platt = ok::platt_calibrator::fit(confidences, correct);   // labels: 1 = NPU was right
 * double p = platt(0.37);                                          // calibrated probability
 * @endcode
 */
class platt_calibrator {
public:
    /// a = 0, b = 0: every score maps to 0.5 (an uninformative model).
    constexpr platt_calibrator() noexcept = default;

    /**
     * @brief The calibrator with the given parameters.
     * @throws offloadkit::invalid_argument if a or b is not finite.
     */
    platt_calibrator(double a, double b) : a_(a), b_(b) {
        detail::require_finite(a, "platt_calibrator", "a");
        detail::require_finite(b, "platt_calibrator", "b");
    }

    /**
     * @brief Fits a and b to (score, label) pairs by maximum likelihood with Platt's target
     *        smoothing.
     *
     * Minimises sum_i w_i * [-t_i log p_i - (1 - t_i) log(1 - p_i)], p_i = 1/(1 + exp(a s_i + b)),
     * t_i = t+ for label 1 and t- for label 0 (platt_options::target_smoothing), by Newton's method
     * with backtracking line search (Lin, Lin & Weng 2007) from (a, b) = (0, log((N- + 1)/(N+ + 1))),
     * the start scikit-learn uses. Scores are shifted and scaled to [-1, 1] internally so that
     * scores of any magnitude (|s| up to 1e6 and beyond) fit as well as scores in [0, 1]
     * (scikit-learn issue 26766 is BFGS failing there); a and b are mapped back exactly. Same
     * optimum as `sklearn.calibration._sigmoid_calibration` in scikit-learn 1.2.
     *
     * Cases the papers leave open, decided here: one class only is fine (smoothing makes the
     * optimum finite: a = 0, p = t for every score); if all scores are equal, a = 0 and p is the
     * weighted mean target (any (a, b) with a*s + b fixed would be optimal; scikit-learn returns
     * another point of that line, with the same p at the training score); if the optimal slope
     * overflows a double (scores spread over less than ~1e-300), the constant model is returned.
     * With weights, N+ and N- are the summed weights of the positive and negative samples (as in
     * scikit-learn).
     *
     * @param scores finite scores (float or double), any scale.
     * @param labels 0 or 1, same size.
     * @param options smoothing, iteration limits.
     * @return the fitted calibrator.
     * @throws offloadkit::invalid_argument naming the argument and index for: empty scores, a
     *         size mismatch, a NaN or infinite score, a label other than 0/1, bad options.
     * Complexity: O(n) per Newton iteration, typically 5-8 iterations; O(n) extra memory.
     */
    template <detail::real_range S, detail::integer_range L>
    [[nodiscard]] static platt_calibrator fit(const S& scores, const L& labels, const platt_options& options = {}) {
        const auto s = detail::as_span(scores);
        const auto y = detail::as_span(labels);
        check_common(s.size(), y.size(), options);
        detail::require_finite_fast(s, fit_name, "scores");
        detail::require_binary_fast(y, fit_name, "labels");
        return fit_validated(s, y, std::span<const double>{}, options);
    }

    /**
     * @brief Weighted fit: as the unweighted one, each sample's loss multiplied by its weight.
     *        Samples of weight 0 are left out, exactly as if they were removed.
     * @param weights finite, >= 0, not all 0, same size as scores.
     * @throws offloadkit::invalid_argument as the unweighted fit, and for a negative, NaN or
     *         infinite weight or all weights zero.
     */
    template <detail::real_range S, detail::integer_range L, detail::real_range W>
    [[nodiscard]] static platt_calibrator fit(const S& scores, const L& labels, const W& weights,
                                              const platt_options& options = {}) {
        const auto s = detail::as_span(scores);
        const auto y = detail::as_span(labels);
        const auto w = detail::as_span(weights);
        check_common(s.size(), y.size(), options);
        detail::require_same_size(w.size(), s.size(), fit_name, "weights", "scores");
        detail::require_finite_fast(s, fit_name, "scores");
        detail::require_binary_fast(y, fit_name, "labels");
        detail::require_sample_weights(w, fit_name, "weights");
        std::vector<double> wd(w.begin(), w.end());
        return fit_validated(s, y, std::span<const double>(wd), options);
    }

    /// The slope a of p = 1/(1 + exp(a*s + b)) (negative when higher scores mean "more correct").
    [[nodiscard]] double a() const noexcept { return a_; }
    /// The intercept b.
    [[nodiscard]] double b() const noexcept { return b_; }

    /**
     * @brief The calibrated probability 1 / (1 + exp(a*score + b)).
     * @throws offloadkit::invalid_argument if score is NaN or infinite.
     * Complexity: O(1), no allocation.
     */
    template <class = void>
    [[nodiscard]] double operator()(double score) const {
        detail::require_finite(score, "platt_calibrator", "score");
        return apply(score);
    }

    /**
     * @brief Batch form of operator(): out[i] = p(in[i]).
     *
     * double -> double runs xsimd's exp (results within 2 ulp of operator()'s std::exp); other
     * element types run the scalar formula in double.
     * @param in finite scores (float or double).
     * @param out same size (float or double); written only if all of `in` is valid.
     * @throws offloadkit::invalid_argument for a size mismatch or a NaN/infinite score.
     * Complexity: O(n), no allocation.
     */
    template <detail::real_range In, detail::writable_real_range Out>
    void transform(const In& in, Out&& out) const {
        const auto src = detail::as_span(in);
        const auto dst = detail::as_writable_span(out);
        detail::require_same_size(dst.size(), src.size(), "platt_calibrator::transform", "out", "in");
        detail::require_finite_fast(src, "platt_calibrator::transform", "in");
        std::size_t i = 0;
        if constexpr (std::is_same_v<detail::real_value_t<In>, double> &&
                      std::is_same_v<detail::real_value_t<Out>, double>) {
            i = apply_simd(src.data(), dst.data(), src.size());
        }
        for (; i < src.size(); ++i) {
            dst[i] = static_cast<detail::real_value_t<Out>>(apply(static_cast<double>(src[i])));
        }
    }

    /**
     * @brief Reads the text written by to_string(const platt_calibrator&).
     * @throws offloadkit::invalid_argument for any malformed text (wrong header or version,
     *         missing or extra lines, a number that is not finite), naming the line.
     */
    template <class = void>  // a template: only a caller instantiates the reader (compile cost, issue 14)
    [[nodiscard]] static platt_calibrator from_string(std::string_view text) {
        detail::model_text::reader r(text, "platt_calibrator::from_string");
        r.header("platt_calibrator", 1);
        const double a = r.key_number("a");
        const double b = r.key_number("b");
        r.finish();
        return platt_calibrator(a, b);
    }

    friend bool operator==(const platt_calibrator&, const platt_calibrator&) = default;

private:
    static constexpr std::string_view fit_name = "platt_calibrator::fit";

    [[nodiscard]] double apply(double s) const noexcept { return 1.0 / (1.0 + std::exp(a_ * s + b_)); }

    /// Full batches of in -> out with xsimd; returns how many elements were done.
    template <class = void>  // a template: only a caller instantiates xsimd's exp (compile cost, issue 14)
    std::size_t apply_simd(const double* in, double* out, std::size_t n) const noexcept {
        using batch = detail::simd::batch<double>;
        constexpr std::size_t L = detail::simd::lanes<double>;
        const batch va(a_);
        const batch vb(b_);
        const batch one(1.0);
        std::size_t i = 0;
        for (; i + L <= n; i += L) {
            // a*x + b rounded twice, as apply() computes it: a fused multiply-add differs from it
            // by up to 1 where a*x and b cancel (large |a|, |b|), and the batch form must agree.
            const batch z = va * batch::load_unaligned(in + i) + vb;
            (one / (one + detail::simd::exp_saturating(z))).store_unaligned(out + i);  // z may be +-inf
        }
        return i;
    }

    static void check_common(std::size_t n_scores, std::size_t n_labels, const platt_options& o) {
        detail::require_paired(n_scores, n_labels, fit_name, "scores", "labels");
        detail::require(o.max_iterations >= 1, fit_name, "options.max_iterations is 0, expected >= 1");
        detail::require(o.min_step > 0.0 && o.min_step <= 1.0, fit_name, "options.min_step is ", o.min_step,
                        ", expected a value in (0, 1]");
    }

    template <class T, class U>
    static platt_calibrator fit_validated(std::span<const T> s, std::span<const U> y, std::span<const double> w,
                                          const platt_options& options) {
        const bool weighted = !w.empty();
        // Samples of weight 0 are left out entirely (zero weight equals removal): they would
        // otherwise still widen the score range used for scaling, and a far-away one squeezes the
        // weighted scores together in the scaled coordinates, where Newton then stalls before the
        // optimum (found by tests/fuzz/fuzz_calibrator_fit).
        const auto kept = [&](std::size_t i) { return !weighted || w[i] > 0.0; };
        // Priors (weighted counts), the scaling of the scores, and the positives-first layout.
        double prior1 = 0.0;
        double prior0 = 0.0;
        std::size_t n = 0;
        std::size_t n_pos = 0;
        double lo = std::numeric_limits<double>::infinity();
        double hi = -lo;
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (!kept(i)) {
                continue;
            }
            const double wi = weighted ? w[i] : 1.0;
            const bool positive = y[i] != 0;
            prior1 += positive ? wi : 0.0;
            prior0 += positive ? 0.0 : wi;
            ++n;
            n_pos += positive ? 1 : 0;
            lo = std::min(lo, static_cast<double>(s[i]));
            hi = std::max(hi, static_cast<double>(s[i]));
        }
        const double shift = lo / 2 + hi / 2;
        const double half = hi / 2 - lo / 2;
        const double inv = half > 0.0 ? 1.0 / half : 0.0;
        detail::platt_fit::problem pb;
        pb.x.resize(n);
        if (weighted) {
            pb.w.resize(n);
        }
        pb.n_pos = n_pos;
        // The targets use the weights as given (weighted counts, as scikit-learn); for the
        // solver the weights are rescaled to mean 1, which leaves the minimiser unchanged and
        // keeps the objective's magnitude sane for weights like 1e-300 or 1e300.
        // (Weights summing beyond the largest double give infinite priors: targets 1 and 0 then,
        // and the solver weights are scaled by the largest weight instead.)
        const double total = prior0 + prior1;
        double weight_scale = 1.0;
        if (weighted) {
            weight_scale = static_cast<double>(n) / total;
            if (!std::isfinite(total) || !std::isfinite(weight_scale) || !(weight_scale > 0.0)) {
                weight_scale = 1.0 / *std::max_element(w.begin(), w.end());
            }
        }
        std::size_t ip = 0;
        std::size_t in = n_pos;
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (!kept(i)) {
                continue;
            }
            const std::size_t k = y[i] != 0 ? ip++ : in++;
            // When half is subnormal 1/half overflows; divide then (exact same rounding as x/half).
            pb.x[k] = std::isfinite(inv) ? (static_cast<double>(s[i]) - shift) * inv
                                          : (static_cast<double>(s[i]) - shift) / half;
            if (weighted) {
                pb.w[k] = std::isfinite(weight_scale) ? w[i] * weight_scale : w[i] / total * static_cast<double>(n);
                // (the second form only when 1/max overflows, i.e. every weight is subnormal)
            }
        }
        if (options.target_smoothing) {
            pb.t_pos = std::isfinite(prior1) ? (prior1 + 1.0) / (prior1 + 2.0) : 1.0;
            pb.t_neg = 1.0 / (prior0 + 2.0);
        }
        // Lin, Lin & Weng's (and scikit-learn's) start; on large inputs, first the optimum of a
        // 1-in-k subsample (the same objective on fewer points, a few percent of the cost), from
        // which Newton on all the data needs one or two steps. The optimum is the same: the
        // problem is convex and the line search makes Newton converge from any start.
        double a0 = 0.0;
        double b0 = std::log((prior0 + 1.0) / (prior1 + 1.0));
        if (!std::isfinite(b0)) {
            b0 = std::isfinite(prior1) ? 0.0 : -std::log(2.0);  // inf/inf, or an infinite prior
        }
        constexpr std::size_t warm_start_min = std::size_t{1} << 17;
        if (n >= warm_start_min) {
            const auto sub = detail::platt_fit::subsample(pb, n / (warm_start_min / 4));
            double sub_weight = 0.0;
            for (std::size_t i = 0; i < sub.x.size(); ++i) {
                sub_weight += sub.w.empty() ? 1.0 : sub.w[i];
            }
            const auto warm = detail::platt_fit::newton(sub, a0, b0, sub_weight, options);
            a0 = warm.a;
            b0 = warm.b;
        }
        double solver_weight = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            solver_weight += weighted ? pb.w[i] : 1.0;
        }
        const auto sol = detail::platt_fit::newton(pb, a0, b0, solver_weight, options);
        // Back to the original scores: a*s + b = a' (s - shift)/half + b'.
        double a = half > 0.0 ? sol.a / half : 0.0;
        double b = sol.b - a * shift;
        if (!std::isfinite(a) || !std::isfinite(b)) {
            // The optimal slope is not representable: fall back to the best constant model.
            double wt = 0.0;
            double wsum = 0.0;
            for (std::size_t i = 0; i < n; ++i) {
                const double wi = weighted ? pb.w[i] : 1.0;
                wt += wi * (i < pb.n_pos ? pb.t_pos : pb.t_neg);
                wsum += wi;
            }
            const double mean_t = wt / wsum;
            a = 0.0;
            b = std::log1p(-mean_t) - std::log(mean_t);
            if (!std::isfinite(b)) {
                b = mean_t >= 1.0 ? -745.0 : 745.0;  // p = 1 or 0 within double precision
            }
        }
        platt_calibrator c;
        c.a_ = a;
        c.b_ = b;
        return c;
    }

    double a_ = 0.0;
    double b_ = 0.0;
};

/**
 * @brief The versioned text of a Platt calibrator; platt_calibrator::from_string reads it back
 *        exactly (numbers in shortest round-trip form).
 *
 * Format: "offloadkit.platt_calibrator 1\na <a>\nb <b>\n".
 */
template <class = void>
[[nodiscard]] inline std::string to_string(const platt_calibrator& c) {
    std::string out = detail::model_text::header("platt_calibrator", 1);
    detail::model_text::append_key(out, "a", c.a());
    detail::model_text::append_key(out, "b", c.b());
    return out;
}

static_assert(calibrator<platt_calibrator>);

}  // namespace offloadkit

#endif  // OFFLOADKIT_CALIBRATION_PLATT_HPP
