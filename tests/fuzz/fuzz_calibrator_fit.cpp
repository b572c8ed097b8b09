// Fuzz target: calibrator fit() on arbitrary doubles and labels (CBO §III-B) — Platt,
// isotonic, identity, temperature scaling and one-vs-rest.
//
// The first byte picks the calibrator; the rest gives the sample count (<= 64 for binary
// calibrators, <= 16 rows of <= 4 classes for multi-class ones), the scores (often special:
// +-0, subnormals, +-huge, NaN, inf, small dyadic numbers), labels (sometimes out of range),
// optional weights (sometimes negative, NaN or all zero) and options (sometimes invalid).
// fit() throws offloadkit::invalid_argument exactly when an input is invalid (empty, size
// mismatch, non-finite score/logit/weight, bad label, bad options — predicted independently
// here); otherwise the fitted calibrator:
//  - maps every probe score to a finite probability in [0, 1], monotonically (isotonic in its
//    direction; Platt in the direction of -a), and round-trips through to_string/from_string;
//  - isotonic: has strictly increasing thresholds with values in [0, 1], and on moderate data
//    (|score| <= 1e3, weights 0 or in [1e-3, 1e3]) predicts at every training score what a textbook weighted pool-adjacent-violators
//    (written here, on scikit-learn's merged points) predicts, to 1e-9; the direction
//    `automatic` is the sign of Spearman's rho computed here from average ranks;
//  - Platt (with target smoothing, default iterations, moderate data): is a minimum of Platt's
//    smoothed log-loss — no nearby (a, b) is better by more than rounding;
//  - temperature: T lies in [min_temperature, max_temperature]; on moderate logits no nearby T
//    has a smaller negative log-likelihood when T is inside the bracket;
//  - one-vs-rest: has finite parameters and gives probability rows summing to 1.
// The multi-class inputs also go through the confidence functions of calibration/scores.hpp
// (CBO §III-A), in double and in float, SIMD and scalar: softmax(), top1_confidence(),
// margin_confidence() and entropy() reject exactly the rows with a NaN/inf logit; otherwise
// softmax gives probabilities in [0, 1] summing to 1 that match the scalar reference, top-1 is the
// first arg max with confidence max softmax, the margin lies in [0, 1] and the entropy in
// [0, log k].
#include <offloadkit/calibration/identity.hpp>
#include <offloadkit/calibration/isotonic.hpp>
#include <offloadkit/calibration/one_vs_rest.hpp>
#include <offloadkit/calibration/platt.hpp>
#include <offloadkit/calibration/scores.hpp>
#include <offloadkit/calibration/temperature.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "fuzz_support.hpp"

namespace ok = offloadkit;

namespace {

constexpr double big = std::numeric_limits<double>::max();

struct binary_data {
    std::vector<double> scores;
    std::vector<float> fscores;  // the same count, for the float overload
    std::vector<std::uint8_t> labels;
    std::vector<double> weights;  // empty: unweighted
    bool use_float = false;
    bool valid = true;             // what the weighted (or unweighted, if no weights) fit() must accept
    bool valid_unweighted = true;  // what the unweighted fit() must accept
    bool moderate = true;          // |score| <= 1e3, spread 0 or >= 1e-3, weights in [1e-3, 1e3] or 0
};

binary_data read_binary(fuzz::input& in) {
    binary_data d;
    const std::size_t n = in.range(0, 64);
    const std::size_t nl = in.range(0, 15) == 0 ? in.range(0, 64) : n;  // sometimes a size mismatch
    d.use_float = in.range(0, 3) == 0;
    const bool weighted = in.boolean();
    const int score_mode = static_cast<int>(in.range(0, 3));
    for (std::size_t i = 0; i < n; ++i) {
        double s = 0.0;
        switch (score_mode) {
            case 0: s = in.number(); break;
            case 1: s = in.unit(); break;                                   // a confidence
            case 2: s = static_cast<double>(in.range(0, 4)) / 4.0; break;   // heavy ties
            default: s = 0.5 + static_cast<double>(static_cast<std::int8_t>(in.byte())) * 1e-16; break;  // near ties
        }
        d.scores.push_back(s);
        d.fscores.push_back(static_cast<float>(s));
    }
    for (std::size_t i = 0; i < nl; ++i) {
        const std::uint8_t b = in.byte();
        d.labels.push_back(b == 0xFF ? 2 : static_cast<std::uint8_t>(b & 1u));
    }
    if (weighted) {
        const bool any_weird = in.range(0, 7) == 0;
        for (std::size_t i = 0; i < n; ++i) {
            d.weights.push_back(any_weird ? in.number() : static_cast<double>(in.range(0, 8)) / 2.0);
        }
    }
    // validity, predicted independently of the library
    d.valid = n >= 1 && nl == n;
    for (std::size_t i = 0; i < n; ++i) {
        const double s = d.use_float ? static_cast<double>(d.fscores[i]) : d.scores[i];
        d.valid = d.valid && std::isfinite(s);
        d.moderate = d.moderate && std::fabs(s) <= 1e3;
    }
    for (const auto l : d.labels) {
        d.valid = d.valid && l <= 1;
    }
    d.valid_unweighted = d.valid;
    if (d.valid) {
        const auto [lo, hi] = std::minmax_element(d.scores.begin(), d.scores.end());
        const double spread = d.use_float ? static_cast<double>(static_cast<float>(*hi)) -
                                                static_cast<double>(static_cast<float>(*lo))
                                          : *hi - *lo;
        d.moderate = d.moderate && (spread == 0.0 || spread >= 1e-3);
    }
    if (weighted) {
        bool any_positive = false;
        for (const double w : d.weights) {
            d.valid = d.valid && std::isfinite(w) && w >= 0.0;
            any_positive = any_positive || w > 0.0;
            // Weights 1e88 apart make Platt's targets 1e-89 away from 0 or 1: the whole loss is then
            // below the solver's stopping tolerance (1e-14 per unit weight), so optimality is only
            // checked for weights of a sane spread.
            d.moderate = d.moderate && (w == 0.0 || (w >= 1e-3 && w <= 1e3));
        }
        d.valid = d.valid && any_positive;
    }
    return d;
}

std::vector<double> probes(const binary_data& d) {
    std::vector<double> p{0.0, 0.5, 1.0, -1.0, 2.0, 1e-300, -1e300, 1e300, big, -big, 5e-324};
    for (std::size_t i = 0; i < d.scores.size(); ++i) {
        const double s = d.use_float ? static_cast<double>(d.fscores[i]) : d.scores[i];
        if (std::isfinite(s)) {
            p.push_back(s);
            p.push_back(std::nextafter(s, big));
        }
    }
    std::sort(p.begin(), p.end());
    return p;
}

template <class C, class Fit>
bool try_fit(Fit&& fit, C& out) {
    try {
        out = fit();
        return true;
    } catch (const ok::invalid_argument&) {
        return false;
    }
}

/// Common output checks of a binary calibrator; `dir` > 0: non-decreasing, < 0: non-increasing.
template <class C>
void check_outputs(const C& c, const std::vector<double>& p, int dir) {
    const C back = C::from_string(ok::to_string(c));
    FUZZ_CHECK(back == c);
    double prev = 0.0;
    for (std::size_t i = 0; i < p.size(); ++i) {
        const double v = c(p[i]);
        FUZZ_CHECK(std::isfinite(v) && v >= 0.0 && v <= 1.0);
        FUZZ_CHECK(back(p[i]) == v);
        if (i > 0 && dir > 0) {
            FUZZ_CHECK(v >= prev);
        }
        if (i > 0 && dir < 0) {
            FUZZ_CHECK(v <= prev);
        }
        prev = v;
    }
}

// ---- Platt ------------------------------------------------------------------------------------

/// Platt's smoothed log-loss at (a, b): sum_i w_i [-t_i log p_i - (1 - t_i) log(1 - p_i)],
/// p_i = 1 / (1 + exp(a s_i + b)), written here in the stable softplus form.
double platt_loss(const binary_data& d, double a, double b) {
    double pos = 0.0, neg = 0.0;
    for (std::size_t i = 0; i < d.scores.size(); ++i) {
        const double w = d.weights.empty() ? 1.0 : d.weights[i];
        (d.labels[i] != 0 ? pos : neg) += w;
    }
    const double tp = (pos + 1.0) / (pos + 2.0);
    const double tn = 1.0 / (neg + 2.0);
    double f = 0.0;
    for (std::size_t i = 0; i < d.scores.size(); ++i) {
        const double s = d.use_float ? static_cast<double>(d.fscores[i]) : d.scores[i];
        const double w = d.weights.empty() ? 1.0 : d.weights[i];
        const double t = d.labels[i] != 0 ? tp : tn;
        const double z = a * s + b;  // -log p = softplus(z), -log(1 - p) = softplus(-z)
        const double sp = std::max(z, 0.0) + std::log1p(std::exp(-std::fabs(z)));
        f += w * (t * sp + (1.0 - t) * (sp - z));
    }
    return f;
}

void fit_platt(fuzz::input& in) {
    binary_data d = read_binary(in);
    ok::platt_options o;
    const std::size_t opt_mode = in.range(0, 7);
    if (opt_mode == 1) {
        o.target_smoothing = false;
    } else if (opt_mode == 2) {
        o.max_iterations = in.range(0, 3);
    } else if (opt_mode == 3) {
        o.min_step = in.number();
    }
    const bool options_valid = o.max_iterations >= 1 && o.min_step > 0.0 && o.min_step <= 1.0;
    ok::platt_calibrator c;
    bool fitted = false;
    if (d.weights.empty()) {
        fitted = d.use_float ? try_fit([&] { return ok::platt_calibrator::fit(d.fscores, d.labels, o); }, c)
                             : try_fit([&] { return ok::platt_calibrator::fit(d.scores, d.labels, o); }, c);
    } else {
        fitted = d.use_float
                     ? try_fit([&] { return ok::platt_calibrator::fit(d.fscores, d.labels, d.weights, o); }, c)
                     : try_fit([&] { return ok::platt_calibrator::fit(d.scores, d.labels, d.weights, o); }, c);
    }
    FUZZ_CHECK(fitted == (d.valid && options_valid));
    if (!fitted) {
        return;
    }
    FUZZ_CHECK(std::isfinite(c.a()) && std::isfinite(c.b()));
    check_outputs(c, probes(d), c.a() < 0.0 ? 1 : (c.a() > 0.0 ? -1 : 0));
    if (opt_mode == 0 && d.moderate) {
        // a minimum of the convex loss: no nearby point is better by more than rounding
        const double f0 = platt_loss(d, c.a(), c.b());
        const double tol = 1e-9 * (1.0 + std::fabs(f0));
        for (const double da : {-1e-3, 0.0, 1e-3}) {
            for (const double db : {-1e-3, 0.0, 1e-3}) {
                const double a = c.a() + da * (1.0 + std::fabs(c.a()));
                const double b = c.b() + db * (1.0 + std::fabs(c.b()));
                FUZZ_CHECK(f0 <= platt_loss(d, a, b) + tol);
            }
        }
    }
}

// ---- isotonic -----------------------------------------------------------------------------------

/// Sign of Spearman's rho between scores and labels (average ranks for ties): true for rho >= 0
/// or undefined. O(n^2).
bool spearman_non_negative(const std::vector<double>& s, const std::vector<std::uint8_t>& y) {
    const std::size_t n = s.size();
    double ones = 0.0, rank_sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        double below = 0.0, equal = 0.0;
        for (std::size_t j = 0; j < n; ++j) {
            below += s[j] < s[i] ? 1.0 : 0.0;
            equal += s[j] == s[i] ? 1.0 : 0.0;
        }
        if (y[i] != 0) {
            ones += 1.0;
            rank_sum += below + (equal + 1.0) / 2.0;  // average 1-based rank
        }
    }
    return rank_sum >= ones * (static_cast<double>(n) + 1.0) / 2.0;
}

/// scikit-learn's fitted values at the merged training scores: drop zero weights, sort, merge
/// scores within 1e-15 of a run's first score (weighted mean label), pool adjacent violators
/// (textbook stack form), clip to [0, 1]. Returns (x, y) of the merged points.
std::pair<std::vector<double>, std::vector<double>> reference_isotonic(const std::vector<double>& s,
                                                                       const std::vector<std::uint8_t>& lab,
                                                                       const std::vector<double>& wts,
                                                                       bool increasing) {
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (wts.empty() || wts[i] > 0.0) {
            idx.push_back(i);
        }
    }
    std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
        return s[a] < s[b] || (s[a] == s[b] && lab[a] < lab[b]);
    });
    std::vector<double> x, y, w;
    for (const std::size_t i : idx) {
        const double wi = wts.empty() ? 1.0 : wts[i];
        const double si = s[i] == 0.0 ? 0.0 : s[i];
        if (!x.empty() && si - x.back() < 1e-15) {
            y.back() += wi * lab[i];
            w.back() += wi;
        } else {
            x.push_back(si);
            y.push_back(wi * lab[i]);
            w.push_back(wi);
        }
    }
    for (std::size_t k = 0; k < x.size(); ++k) {
        y[k] /= w[k];
    }
    // PAVA on the sequence in the fitting direction
    std::vector<double> v = y, vw = w;
    if (!increasing) {
        std::reverse(v.begin(), v.end());
        std::reverse(vw.begin(), vw.end());
    }
    struct block {
        double value, weight;
        std::size_t count;
    };
    std::vector<block> st;
    for (std::size_t k = 0; k < v.size(); ++k) {
        st.push_back({v[k], vw[k], 1});
        while (st.size() >= 2 && st[st.size() - 2].value >= st.back().value) {
            const block top = st.back();
            st.pop_back();
            block& prev = st.back();
            const double tw = prev.weight + top.weight;
            prev.value = (prev.value * prev.weight + top.value * top.weight) / tw;
            prev.weight = tw;
            prev.count += top.count;
        }
    }
    std::vector<double> fitted;
    for (const auto& b : st) {
        for (std::size_t k = 0; k < b.count; ++k) {
            fitted.push_back(std::clamp(b.value, 0.0, 1.0));
        }
    }
    if (!increasing) {
        std::reverse(fitted.begin(), fitted.end());
    }
    return {x, fitted};
}

void fit_isotonic(fuzz::input& in) {
    binary_data d = read_binary(in);
    ok::isotonic_options o;
    o.direction = static_cast<ok::isotonic_direction>(in.range(0, 2));
    ok::isotonic_calibrator c;
    bool fitted = false;
    if (d.weights.empty()) {
        fitted = d.use_float ? try_fit([&] { return ok::isotonic_calibrator::fit(d.fscores, d.labels, o); }, c)
                             : try_fit([&] { return ok::isotonic_calibrator::fit(d.scores, d.labels, o); }, c);
    } else {
        fitted = d.use_float
                     ? try_fit([&] { return ok::isotonic_calibrator::fit(d.fscores, d.labels, d.weights, o); }, c)
                     : try_fit([&] { return ok::isotonic_calibrator::fit(d.scores, d.labels, d.weights, o); }, c);
    }
    FUZZ_CHECK(fitted == d.valid);
    if (!fitted) {
        return;
    }
    std::vector<double> s(d.scores.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        s[i] = d.use_float ? static_cast<double>(d.fscores[i]) : d.scores[i];
    }
    bool increasing = o.direction != ok::isotonic_direction::decreasing;
    if (o.direction == ok::isotonic_direction::automatic) {
        increasing = spearman_non_negative(s, d.labels);
    }
    FUZZ_CHECK(c.increasing() == increasing);
    const auto tx = c.thresholds_x();
    const auto ty = c.thresholds_y();
    FUZZ_CHECK(!tx.empty() && tx.size() == ty.size());
    for (std::size_t i = 0; i < tx.size(); ++i) {
        FUZZ_CHECK(std::isfinite(tx[i]) && ty[i] >= 0.0 && ty[i] <= 1.0);
        if (i > 0) {
            FUZZ_CHECK(tx[i] > tx[i - 1]);
            FUZZ_CHECK(increasing ? ty[i] >= ty[i - 1] : ty[i] <= ty[i - 1]);
        }
    }
    check_outputs(c, probes(d), increasing ? 1 : -1);
    if (d.moderate) {
        const auto [x, y] = reference_isotonic(s, d.labels, d.weights, increasing);
        for (std::size_t k = 0; k < x.size(); ++k) {
            FUZZ_CHECK(std::fabs(c(x[k]) - y[k]) <= 1e-9);
        }
    }
}

void fit_identity(fuzz::input& in) {
    const binary_data d = read_binary(in);
    ok::identity_calibrator c;
    const bool fitted = d.use_float
                            ? try_fit([&] { return ok::identity_calibrator::fit(d.fscores, d.labels); }, c)
                            : try_fit([&] { return ok::identity_calibrator::fit(d.scores, d.labels); }, c);
    // identity has no weighted form: the weights drawn are ignored
    FUZZ_CHECK(fitted == d.valid_unweighted);
}

// ---- multi-class ----------------------------------------------------------------------------------

struct multi_data {
    std::size_t k = 1;
    std::vector<double> logits;
    std::vector<int> labels;
    bool valid = true;
    bool moderate = true;  // |z| <= 100
};

multi_data read_multi(fuzz::input& in) {
    multi_data d;
    d.k = in.range(0, 4);
    const std::size_t n = in.range(0, 16);
    const std::size_t nz = in.range(0, 15) == 0 ? in.range(0, 64) : n * d.k;
    const bool plain = in.boolean();
    for (std::size_t i = 0; i < nz; ++i) {
        const double z = plain ? static_cast<double>(static_cast<std::int8_t>(in.byte())) / 8.0 : in.number();
        d.logits.push_back(z);
        d.valid = d.valid && std::isfinite(z);
        d.moderate = d.moderate && std::fabs(z) <= 100.0;
    }
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t b = in.byte();
        const int label = b == 0xFF ? -1 : (d.k == 0 ? 0 : static_cast<int>(b % (d.k + (b >= 0xF0 ? 1 : 0))));
        d.labels.push_back(label);
        d.valid = d.valid && label >= 0 && static_cast<std::size_t>(label) < d.k;
    }
    d.valid = d.valid && d.k >= 1 && n >= 1 && nz == n * d.k;
    return d;
}

double nll(const multi_data& d, double t) {
    double f = 0.0;
    for (std::size_t i = 0; i < d.labels.size(); ++i) {
        const double* row = d.logits.data() + i * d.k;
        const double m = *std::max_element(row, row + d.k);
        double s = 0.0;
        for (std::size_t j = 0; j < d.k; ++j) {
            s += std::exp((row[j] - m) / t);
        }
        f += std::log(s) - (row[d.labels[static_cast<std::size_t>(i)]] - m) / t;
    }
    return f;
}

template <class C>
void check_prob_rows(const C& c, const multi_data& d) {
    std::vector<double> p(d.k);
    for (std::size_t i = 0; i < d.labels.size(); ++i) {
        c(std::span<const double>(d.logits.data() + i * d.k, d.k), p);
        double sum = 0.0;
        for (const double v : p) {
            FUZZ_CHECK(std::isfinite(v) && v >= 0.0 && v <= 1.0);
            sum += v;
        }
        FUZZ_CHECK(std::fabs(sum - 1.0) <= 1e-12 * static_cast<double>(d.k));
    }
}

/// The confidence functions of calibration/scores.hpp on one row of logits (any values).
template <class T>
void check_scores(std::span<const T> row) {
    const std::size_t k = row.size();
    const bool finite = k >= 1 && std::all_of(row.begin(), row.end(), [](T v) { return std::isfinite(v); });
    std::vector<T> p(k), ref(k);
    bool threw = false;
    try {
        ok::softmax(row, p);
    } catch (const ok::invalid_argument&) {
        threw = true;
    }
    FUZZ_CHECK(threw == !finite);
    int rejected = 0;
    const auto count_rejection = [&](auto&& f) {
        try {
            f();
        } catch (const ok::invalid_argument&) {
            ++rejected;
        }
    };
    ok::top1 t{};
    double margin = 0.0, h = 0.0;
    count_rejection([&] { t = ok::top1_confidence(row); });
    count_rejection([&] { margin = ok::margin_confidence(row); });
    count_rejection([&] { h = ok::entropy(row); });
    FUZZ_CHECK(rejected == (finite ? 0 : 3));
    if (!finite) {
        return;
    }
    ok::detail::scores::softmax_scalar(row, std::span<T>(ref));
    const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-12;
    double sum = 0.0;
    T top = row[0];
    std::size_t arg = 0;
    for (std::size_t i = 0; i < k; ++i) {
        FUZZ_CHECK(std::isfinite(p[i]) && p[i] >= T(0) && p[i] <= T(1));
        FUZZ_CHECK(std::fabs(static_cast<double>(p[i]) - static_cast<double>(ref[i])) <= tol);
        sum += static_cast<double>(p[i]);
        if (row[i] > top) {
            top = row[i];
            arg = i;
        }
    }
    FUZZ_CHECK(std::fabs(sum - 1.0) <= tol * static_cast<double>(k));
    FUZZ_CHECK(t.index == arg);
    FUZZ_CHECK(t.confidence > 0.0 && t.confidence <= 1.0);
    FUZZ_CHECK(std::fabs(t.confidence - static_cast<double>(*std::max_element(ref.begin(), ref.end()))) <= tol);
    FUZZ_CHECK(margin >= 0.0 && margin <= 1.0);
    FUZZ_CHECK(h >= 0.0 && h <= std::log(static_cast<double>(k)) + 1e-9);
}

void check_score_rows(const multi_data& d) {
    if (d.k == 0) {
        return;
    }
    for (std::size_t i = 0; i + d.k <= d.logits.size(); i += d.k) {
        const std::span<const double> row(d.logits.data() + i, d.k);
        check_scores(row);
        std::vector<float> f(row.size());
        for (std::size_t j = 0; j < row.size(); ++j) {
            const double v = row[j];  // out-of-range doubles become +-inf (no UB)
            f[j] = std::isnan(v) ? std::numeric_limits<float>::quiet_NaN()
                   : std::fabs(v) > static_cast<double>(std::numeric_limits<float>::max())
                       ? (v > 0 ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity())
                       : static_cast<float>(v);
        }
        check_scores(std::span<const float>(f));
    }
}

void fit_temperature(fuzz::input& in) {
    const multi_data d = read_multi(in);
    check_score_rows(d);
    ok::temperature_options o;
    if (in.range(0, 7) == 0) {
        o.min_temperature = in.number();
        o.max_temperature = in.number();
        o.max_iterations = in.range(0, 3);
    }
    const bool options_valid = o.min_temperature > 0.0 && std::isfinite(o.max_temperature) &&
                               o.min_temperature < o.max_temperature && o.max_iterations >= 1;
    ok::temperature_scaler c;
    const bool fitted = try_fit([&] { return ok::temperature_scaler::fit(d.logits, d.k, d.labels, o); }, c);
    FUZZ_CHECK(fitted == (d.valid && options_valid));
    if (!fitted) {
        return;
    }
    const double t = c.temperature();
    FUZZ_CHECK(std::isfinite(t) && t > 0.0);
    FUZZ_CHECK(t == 1.0 || (t >= o.min_temperature && t <= o.max_temperature));
    FUZZ_CHECK(ok::temperature_scaler::from_string(ok::to_string(c)) == c);
    check_prob_rows(c, d);
    if (d.moderate && o.max_iterations >= 50 && t > o.min_temperature && t < o.max_temperature) {
        const double f0 = nll(d, t);
        const double tol = 1e-9 * (1.0 + std::fabs(f0));
        FUZZ_CHECK(f0 <= nll(d, t * 1.001) + tol);
        FUZZ_CHECK(f0 <= nll(d, t / 1.001) + tol);
    }
}

void fit_one_vs_rest(fuzz::input& in) {
    const multi_data d = read_multi(in);
    check_score_rows(d);
    if (d.k > 3) {
        return;  // keep the Newton fits small
    }
    ok::one_vs_rest_options o;
    o.max_iterations = in.range(0, 20);
    o.target_smoothing = in.boolean();
    const double cs[] = {1.0, 0.01, 100.0, 1e-300, 0.0, -1.0};
    o.c = cs[in.range(0, 5)];
    const bool options_valid = o.max_iterations >= 1 && o.c > 0.0;
    ok::one_vs_rest_calibrator c;
    const bool fitted = try_fit([&] { return ok::one_vs_rest_calibrator::fit(d.logits, d.k, d.labels, o); }, c);
    FUZZ_CHECK(fitted == (d.valid && options_valid));
    if (!fitted) {
        return;
    }
    FUZZ_CHECK(c.num_classes() == d.k);
    for (std::size_t cls = 0; cls < d.k; ++cls) {
        for (const double w : c.weights(cls)) {
            FUZZ_CHECK(std::isfinite(w));
        }
        FUZZ_CHECK(std::isfinite(c.bias(cls)));
    }
    FUZZ_CHECK(ok::one_vs_rest_calibrator::from_string(ok::to_string(c)) == c);
    check_prob_rows(c, d);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::input in(data, size);
    switch (in.byte() % 5) {
        case 0: fit_platt(in); break;
        case 1: fit_isotonic(in); break;
        case 2: fit_identity(in); break;
        case 3: fit_temperature(in); break;
        default: fit_one_vs_rest(in); break;
    }
    return 0;
}
