// The call forms of ../shared/API.md ("confidence from logits", "calibrators", "calibration
// metrics"), written exactly as there, through the umbrella header. Compiling is most of the test;
// the checks only confirm the forms did what API.md says.
#include <offloadkit/offloadkit.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ok = offloadkit;

static_assert(ok::calibrator<ok::platt_calibrator> && ok::calibrator<ok::isotonic_calibrator>);
static_assert(ok::calibrator<ok::identity_calibrator>);

TEST_CASE("API.md calibration call forms compile and behave as written") {
    const std::size_t k = 5;
    std::vector<float> logits(k), probs(k);
    logits[3] = 2.0F;
    ok::softmax(logits, probs);
    ok::top1 t = ok::top1_confidence(logits);
    CHECK(t.index == 3);
    CHECK(t.confidence == doctest::Approx(probs[3]));

    const std::vector<double> scores{0.1, 0.35, 0.4, 0.8, 0.9, 0.2};
    const std::vector<std::uint8_t> labels{0, 1, 0, 1, 1, 0};
    const std::vector<double> weights{1, 2, 1, 1, 0.5, 1};
    auto platt = ok::platt_calibrator::fit(scores, labels);
    auto platt_w = ok::platt_calibrator::fit(scores, labels, weights);
    auto platt2 = ok::platt_calibrator::fit(scores, labels, ok::platt_options{/*...*/});
    CHECK(platt2 == platt);
    CHECK(platt_w != platt);
    double p = platt(0.37);
    double a = platt.a(), b = platt.b();
    CHECK(p == doctest::Approx(1.0 / (1.0 + std::exp(a * 0.37 + b))));
    auto iso = ok::isotonic_calibrator::fit(scores, labels);
    auto iso_w = ok::isotonic_calibrator::fit(scores, labels, weights);
    double q = iso(0.37);
    CHECK((q >= 0.0 && q <= 1.0));
    CHECK(iso_w(0.9) == 1.0);
    std::vector<double> out(scores.size());
    platt.transform(scores, out);
    CHECK(out[0] == doctest::Approx(platt(scores[0])).epsilon(1e-15));  // SIMD exp: within 2 ulp
    iso.transform(scores, out);
    CHECK(out[0] == iso(scores[0]));
    std::string text = ok::to_string(platt);
    auto back = ok::platt_calibrator::from_string(text);
    CHECK(back == platt);
    auto iso_back = ok::isotonic_calibrator::from_string(ok::to_string(iso));
    CHECK(iso_back == iso);

    // Spans and arrays work as well as vectors.
    const std::array<float, 3> sa{0.2F, 0.5F, 0.9F};
    const std::array<std::uint8_t, 3> la{0, 1, 1};
    std::array<float, 3> oa{};
    ok::platt_calibrator::fit(std::span<const float>(sa), std::span<const std::uint8_t>(la)).transform(sa, std::span<float>(oa));

    const std::size_t num_classes = 3;
    const std::vector<float> logits_rowmajor{2, 0, 0, 0, 1, 0, 0, 0, 3, 1, 0, 0};
    const std::vector<int> class_labels{0, 1, 2, 1};
    auto temp = ok::temperature_scaler::fit(logits_rowmajor, num_classes, class_labels);  // n*k logits, int labels
    double T = temp.temperature();
    CHECK(T > 0.0);

    const std::vector<double> confidences{0.95, 0.05, 0.55};
    const std::vector<std::uint8_t> correct{1, 0, 0};
    ok::calibration_report rep = ok::calibration_error(confidences, correct, 10);  // 10 = bin count
    CHECK(rep.bins.size() == 10);
    CHECK(rep.bins[9].lower == 0.9);
    CHECK(rep.bins[9].upper == 1.0);
    CHECK(rep.bins[9].count == 1);
    CHECK(rep.bins[9].confidence == 0.95);
    CHECK(rep.bins[9].accuracy == 1.0);
    CHECK(rep.ece == doctest::Approx((0.05 + 0.05 + 0.55) / 3));
    CHECK(rep.mce == doctest::Approx(0.55));
    double bs = ok::brier_score(confidences, correct);
    CHECK(bs == doctest::Approx((0.0025 + 0.0025 + 0.3025) / 3));
}
