#include <offloadkit/calibration/one_vs_rest.hpp>

#include <offloadkit/calibration/isotonic.hpp>
#include <offloadkit/calibration/platt.hpp>
#include <offloadkit/calibration/vector.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "calibration/golden.hpp"

namespace ok = offloadkit;
namespace golden = offloadkit::test_golden;

namespace {

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

}  // namespace

TEST_CASE("one-vs-rest (CBO Fig. 6): golden parameters from scipy and scikit-learn LogisticRegression") {
    for (const char* name : {"overconfident", "underconfident", "float32", "missing_class"}) {
        CAPTURE(name);
        const auto m = golden::read_multiclass(name);
        const auto ovr = ok::one_vs_rest_calibrator::fit(m.z, m.k, m.y);
        REQUIRE(ovr.num_classes() == m.k);
        const auto params = golden::read(std::string("multiclass_") + name + "_ovr.csv");
        for (std::size_t r = 0; r < params.rows(); ++r) {
            const std::string source = params.cell(r, 0);
            const auto cls = static_cast<std::size_t>(params.number(r, 1));
            CAPTURE(source);
            CAPTURE(cls);
            // Reference: to 1e-8; scikit-learn's lbfgs (tol 1e-10): to 1e-4, the API's Platt bound.
            const double tol = source == "reference" ? 1e-8 : 1e-4;
            for (std::size_t j = 0; j < m.k; ++j) {
                CHECK(std::abs(ovr.weights(cls)[j] - params.number(r, 2 + j)) <= tol);
            }
            CHECK(std::abs(ovr.bias(cls) - params.number(r, 2 + m.k)) <= tol);
            // The per-class probability itself, on every sample.
            double worst = 0.0;
            for (std::size_t i = 0; i < m.y.size(); ++i) {
                double z_ours = ovr.bias(cls);
                double z_ref = params.number(r, 2 + m.k);
                for (std::size_t j = 0; j < m.k; ++j) {
                    z_ours += ovr.weights(cls)[j] * m.z[i * m.k + j];
                    z_ref += params.number(r, 2 + j) * m.z[i * m.k + j];
                }
                worst = std::max(worst, std::abs(sigmoid(z_ours) - sigmoid(z_ref)));
            }
            CHECK(worst <= (source == "reference" ? 1e-9 : 1e-4));
        }
    }
}

TEST_CASE("one-vs-rest: outputs are the renormalised per-class sigmoids; transform, confidence, text") {
    const auto m = golden::read_multiclass("overconfident");
    const auto ovr = ok::one_vs_rest_calibrator::fit(m.z, m.k, m.y);
    const std::vector<double> row(m.z.begin() + 10, m.z.begin() + 15);
    std::vector<double> raw(m.k);
    for (std::size_t c = 0; c < m.k; ++c) {
        double z = ovr.bias(c);
        for (std::size_t j = 0; j < m.k; ++j) {
            z += ovr.weights(c)[j] * row[j];
        }
        raw[c] = sigmoid(z);
    }
    const double total = std::accumulate(raw.begin(), raw.end(), 0.0);
    std::vector<double> probs(m.k);
    ovr(row, probs);
    for (std::size_t c = 0; c < m.k; ++c) {
        CHECK(probs[c] == doctest::Approx(raw[c] / total).epsilon(1e-13));
    }
    const auto top = ovr.confidence(row);
    CHECK(top.index == static_cast<std::size_t>(std::max_element(probs.begin(), probs.end()) - probs.begin()));
    CHECK(top.confidence == doctest::Approx(probs[top.index]).epsilon(1e-13));
    std::vector<float> all(m.z.size());
    ovr.transform(m.z, all);
    CHECK(all[12] == doctest::Approx(probs[2]).epsilon(1e-6));
    const auto back = ok::one_vs_rest_calibrator::from_string(ok::to_string(ovr));
    CHECK(back == ovr);
    // Huge logits: no 0/0 in the renormalisation.
    const std::vector<double> huge{1e300, -1e300, 0.0, 5.0, -5.0};
    ovr(huge, probs);
    CHECK(std::abs(std::accumulate(probs.begin(), probs.end(), 0.0) - 1.0) < 1e-12);
}

TEST_CASE("one-vs-rest: one class only, no smoothing, bad input, malformed text") {
    const std::vector<double> z{2, 0, 1, 0, 3, 0};
    const std::vector<int> all_zero{0, 0, 0};
    const auto smooth = ok::one_vs_rest_calibrator::fit(z, 2, all_zero);
    std::vector<double> p(2);
    smooth(std::vector<double>{2, 0}, p);
    CHECK(p[0] > p[1]);
    const auto raw = ok::one_vs_rest_calibrator::fit(z, 2, all_zero, ok::one_vs_rest_options{.target_smoothing = false});
    CHECK(raw.bias(1) == -40.0);
    CHECK(std::isfinite(raw.bias(0)));
    const ok::one_vs_rest_calibrator empty;
    CHECK_THROWS_WITH_AS(empty(std::vector<double>{1, 2}, p),
                         "one_vs_rest_calibrator: the calibrator has no classes (default-constructed)",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS(smooth(std::vector<double>{1, 2, 3}, p),
                         "one_vs_rest_calibrator: logits has size 3, expected 2 (the size of num_classes())",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::one_vs_rest_calibrator::fit(z, 2, std::vector<int>{0, 5, 1}),
                         "one_vs_rest_calibrator::fit: class_labels[1] is 5, expected 0..1", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::one_vs_rest_calibrator::fit(z, 2, all_zero, ok::one_vs_rest_options{.c = 0.0}),
                         "one_vs_rest_calibrator::fit: options.c is 0, expected a finite number > 0",
                         ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::one_vs_rest_calibrator::fit(z, 4, all_zero), ok::invalid_argument);
    CHECK_THROWS_AS((void)smooth.weights(2), ok::invalid_argument);
    const char* bad[] = {
        "offloadkit.one_vs_rest_calibrator 1\nclasses 0\n",
        "offloadkit.one_vs_rest_calibrator 1\nclasses 2\n1 2 3\n",
        "offloadkit.one_vs_rest_calibrator 1\nclasses 2\n1 2 3\n4 5\n",
        "offloadkit.one_vs_rest_calibrator 1\nclasses 2\n1 2 3\n4 5 nan\n",
        "offloadkit.one_vs_rest_calibrator 1\nclasses 1000000\n1 2\n",
        "offloadkit.one_vs_rest_calibrator 1\nclasses 1\n1 2\n3\n",
    };
    for (const char* t : bad) {
        CAPTURE(t);
        CHECK_THROWS_AS((void)ok::one_vs_rest_calibrator::from_string(t), ok::invalid_argument);
    }
}

namespace {
// Scalar reference of CBO §III-A's confidence: max_i e^{z_i} / sum_k e^{z_k}, written out.
double softmax_top1_reference(const std::vector<double>& z) {
    const double m = *std::max_element(z.begin(), z.end());
    double s = 0.0;
    for (const double v : z) {
        s += std::exp(v - m);
    }
    return 1.0 / s;
}
}  // namespace

TEST_CASE("vector calibrators (CBO Fig. 6): one-vs-rest gives P(top-1 right), top1_calibrator, any_calibrator") {
    const auto m = golden::read_multiclass("overconfident");
    const auto ovr = ok::one_vs_rest_calibrator::fit(m.z, m.k, m.y);
    std::vector<double> scores;
    std::vector<std::uint8_t> right;
    const std::size_t rows = m.y.size();
    for (std::size_t r = 0; r < rows; ++r) {
        const std::vector<double> z(m.z.begin() + static_cast<std::ptrdiff_t>(r * m.k),
                                    m.z.begin() + static_cast<std::ptrdiff_t>((r + 1) * m.k));
        const auto arg = static_cast<std::size_t>(std::max_element(z.begin(), z.end()) - z.begin());
        scores.push_back(softmax_top1_reference(z));
        right.push_back(arg == static_cast<std::size_t>(m.y[r]) ? 1 : 0);
    }
    const auto platt = ok::platt_calibrator::fit(scores, right);
    const auto iso = ok::isotonic_calibrator::fit(scores, right);
    const ok::top1_calibrator<ok::platt_calibrator> tp(platt);
    const ok::top1_calibrator<ok::isotonic_calibrator> ti(iso);
    const ok::any_calibrator a_ovr = ovr;
    const ok::any_calibrator a_platt = platt;
    std::vector<double> probs(m.k);
    for (std::size_t r = 0; r < rows; r += 7) {
        const std::vector<double> z(m.z.begin() + static_cast<std::ptrdiff_t>(r * m.k),
                                    m.z.begin() + static_cast<std::ptrdiff_t>((r + 1) * m.k));
        // One-vs-rest: the renormalised output of the class the logits rank first (not the arg
        // max of the calibrated outputs), against the row form.
        ovr(z, probs);
        const auto arg = static_cast<std::size_t>(std::max_element(z.begin(), z.end()) - z.begin());
        CHECK(ovr(std::span<const double>(z)) == doctest::Approx(probs[arg]).epsilon(1e-13));
        // top1 adapter: the scalar calibrator on the softmax top-1 (scalar reference).
        CHECK(tp(z) == doctest::Approx(platt(softmax_top1_reference(z))).epsilon(1e-12));
        CHECK(ti(z) == doctest::Approx(iso(softmax_top1_reference(z))).epsilon(1e-12));
        // any_calibrator: exactly the wrapped calibrator, in both forms.
        CHECK(a_ovr(z) == ovr(std::span<const double>(z)));
        CHECK(a_ovr.calibrate(0.5, z) == ovr(std::span<const double>(z)));
        CHECK(a_platt.calibrate(scores[r], {}) == platt(scores[r]));
        CHECK(a_platt(z) == tp(z));
        CHECK(ok::calibrated_confidence(a_platt, scores[r], z) == std::clamp(platt(scores[r]), 0.0, 1.0));
        CHECK(ok::calibrated_confidence(platt, scores[r], {}) == std::clamp(platt(scores[r]), 0.0, 1.0));
        CHECK(ok::calibrated_confidence(ovr, 0.0, z) == ovr(std::span<const double>(z)));
    }
    CHECK(!a_platt.needs_scores());
    CHECK(a_ovr.needs_scores());
    CHECK(!ok::needs_scores(platt));
    CHECK(ok::needs_scores(ovr));
    CHECK(ok::needs_scores(tp));
    // Regular: copies compare equal, other values or types do not, empty equals empty.
    const ok::any_calibrator copy = a_ovr;
    CHECK(copy == a_ovr);
    CHECK(a_ovr != a_platt);
    CHECK(ok::any_calibrator(tp) != a_platt);
    CHECK(ok::any_calibrator(ok::platt_calibrator(platt.a() + 1.0, platt.b())) != a_platt);
    CHECK(ok::any_calibrator{} == ok::any_calibrator{});
    CHECK(ok::any_calibrator{} != a_platt);
    CHECK(a_ovr.target<ok::one_vs_rest_calibrator>() != nullptr);
    CHECK(*a_ovr.target<ok::one_vs_rest_calibrator>() == ovr);
    CHECK(a_ovr.target<ok::platt_calibrator>() == nullptr);
    // Text: exact round trips through the wrapper and through any_calibrator::from_string.
    CHECK(ok::top1_calibrator<ok::platt_calibrator>::from_string(ok::to_string(tp)) == tp);
    CHECK(ok::top1_calibrator<ok::isotonic_calibrator>::from_string(ok::to_string(ti)) == ti);
    for (const ok::any_calibrator& c : {a_ovr, a_platt, ok::any_calibrator(tp), ok::any_calibrator(ti),
                                        ok::any_calibrator(iso), ok::any_calibrator(ok::identity_calibrator{})}) {
        CHECK(ok::any_calibrator::from_string(ok::to_string(c)) == c);
    }
    // Bad input.
    const std::vector<double> none;
    CHECK_THROWS_WITH_AS((void)a_ovr.calibrate(0.5, none, "cbo_policy::decide"),
                         "cbo_policy::decide: the calibrator reads the frame's score vector (CBO Fig. 6) but the "
                         "frame has no scores (a trace needs the true_label and npu_logit@k columns)",
                         ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::calibrated_confidence(ovr, 0.5, none), ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::any_calibrator{}(std::span<const double>(scores)),
                         "any_calibrator: the any_calibrator is empty (default-constructed)", ok::invalid_argument);
    CHECK_THROWS_AS((void)ovr(std::span<const double>(scores).first(2)), ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::any_calibrator::from_string("offloadkit.magic 1\n"),
                         "any_calibrator::from_string: text line 1 is 'offloadkit.magic 1', expected "
                         "'offloadkit.<kind> 1' with kind identity_calibrator, platt_calibrator, "
                         "isotonic_calibrator, one_vs_rest_calibrator or top1_calibrator",
                         ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::top1_calibrator<ok::platt_calibrator>::from_string(ok::to_string(platt)),
                    ok::invalid_argument);
}
