#include <offloadkit/calibration/temperature.hpp>

#include <doctest/doctest.h>

#include <offloadkit/calibration/scores.hpp>
#include <offloadkit/detail/random.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "calibration/golden.hpp"

namespace ok = offloadkit;
namespace golden = offloadkit::test_golden;

namespace {

// d NLL / d(1/T), long double, by the definition.
long double nll_slope(const golden::multiclass& m, double t) {
    long double d = 0;
    for (std::size_t i = 0; i < m.y.size(); ++i) {
        long double s = 0;
        long double s1 = 0;
        for (std::size_t j = 0; j < m.k; ++j) {
            const long double e = std::exp(static_cast<long double>(m.z[i * m.k + j]) / t);
            s += e;
            s1 += e * m.z[i * m.k + j];
        }
        d += s1 / s - m.z[i * m.k + static_cast<std::size_t>(m.y[i])];
    }
    return d;
}

}  // namespace

TEST_CASE("temperature: golden vectors (root of the NLL derivative by scipy brentq)") {
    const auto cases = golden::read("multiclass_cases.csv");
    REQUIRE(cases.rows() == 4);
    for (std::size_t r = 0; r < cases.rows(); ++r) {
        const std::string name = cases.cell(r, 0);
        CAPTURE(name);
        const auto m = golden::read_multiclass(name);
        const auto temp = ok::temperature_scaler::fit(m.z, m.k, m.y);
        CHECK(temp.temperature() == doctest::Approx(golden::number(cases, r, "temperature")).epsilon(1e-10));
        // Stationary: the derivative is ~0 relative to the scale of its terms.
        CHECK(std::abs(static_cast<double>(nll_slope(m, temp.temperature()))) < 1e-9 * static_cast<double>(m.y.size()));
    }
}

TEST_CASE("temperature: T scales with the logits; float logits; apply equals softmax(z / T)") {
    const auto m = golden::read_multiclass("overconfident");
    const double t = ok::temperature_scaler::fit(m.z, m.k, m.y).temperature();
    golden::multiclass scaled = m;
    for (auto& v : scaled.z) {
        v *= 0.25;
    }
    CHECK(ok::temperature_scaler::fit(scaled.z, m.k, scaled.y).temperature() == doctest::Approx(t / 4).epsilon(1e-10));
    std::vector<float> zf(m.z.begin(), m.z.end());
    std::vector<std::uint8_t> y8(m.y.begin(), m.y.end());
    CHECK(ok::temperature_scaler::fit(zf, m.k, y8).temperature() == doctest::Approx(t).epsilon(1e-6));

    const ok::temperature_scaler temp(t);
    const std::vector<double> row(m.z.begin(), m.z.begin() + 5);
    std::vector<double> scaled_row(5);
    for (std::size_t j = 0; j < 5; ++j) {
        scaled_row[j] = row[j] / t;
    }
    std::vector<double> expected(5);
    ok::softmax(scaled_row, expected);
    std::vector<double> got(5);
    temp(row, got);
    for (std::size_t j = 0; j < 5; ++j) {
        CHECK(got[j] == doctest::Approx(expected[j]).epsilon(1e-14));
    }
    const ok::top1 top = temp.confidence(row);
    CHECK(top.index == ok::top1_confidence(row).index);
    CHECK(top.confidence == doctest::Approx(expected[top.index]).epsilon(1e-14));
    std::vector<float> all(m.z.size());
    temp.transform(m.z, m.k, all);
    CHECK(all[2] == doctest::Approx(expected[2]).epsilon(1e-6));
}

TEST_CASE("temperature: degenerate data ends at the bracket; constant rows give T = 1") {
    // Labels always the arg max with a margin: sharper is always better -> min_temperature.
    const std::vector<double> sep{3, 0, 0, 0, 3, 0, 0, 0, 3};
    const std::vector<int> ysep{0, 1, 2};
    CHECK(ok::temperature_scaler::fit(sep, 3, ysep).temperature() == 1e-3);
    CHECK(ok::temperature_scaler::fit(sep, 3, ysep, ok::temperature_options{.min_temperature = 0.5})
              .temperature() == 0.5);
    // Labels never the arg max: flatter is always better -> max_temperature.
    const std::vector<int> yanti{1, 2, 0};
    CHECK(ok::temperature_scaler::fit(sep, 3, yanti).temperature() == 1e3);
    const std::vector<double> flat{1, 1, 2, 2};
    const std::vector<int> yf{0, 1};
    CHECK(ok::temperature_scaler::fit(flat, 2, yf).temperature() == 1.0);
}

TEST_CASE("temperature: bad input and text form") {
    const std::vector<double> z{1, 2, 3, 4};
    const std::vector<int> y{0, 1};
    CHECK_THROWS_WITH_AS((void)ok::temperature_scaler::fit(z, 0, y),
                         "temperature_scaler::fit: num_classes is 0, expected >= 1", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::temperature_scaler::fit(z, 3, y),
                         "temperature_scaler::fit: logits has size 4, expected 2 * 3 (class_labels.size() * num_classes)",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::temperature_scaler::fit(z, 2, std::vector<int>{0, 2}),
                         "temperature_scaler::fit: class_labels[1] is 2, expected 0..1", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::temperature_scaler::fit(z, 2, std::vector<int>{-1, 0}),
                         "temperature_scaler::fit: class_labels[0] is -1, expected 0..1", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::temperature_scaler::fit(std::vector<double>{1, NAN, 3, 4}, 2, y),
                         "temperature_scaler::fit: logits[1] is NaN", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::temperature_scaler::fit(std::vector<double>{}, 2, std::vector<int>{}),
                         "temperature_scaler::fit: class_labels is empty", ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::temperature_scaler::fit(z, 2, y, ok::temperature_options{.min_temperature = 2.0,
                                                                                        .max_temperature = 1.0}),
                    ok::invalid_argument);
    CHECK_THROWS_WITH_AS(ok::temperature_scaler(0.0),
                         "temperature_scaler: temperature is 0, expected a finite number > 0", ok::invalid_argument);
    std::vector<double> probs(3, 9.0);
    CHECK_THROWS_WITH_AS(ok::temperature_scaler(2.0)(std::vector<double>{1, 2}, probs),
                         "temperature_scaler: probs has size 3, expected 2 (the size of logits)", ok::invalid_argument);
    std::vector<double> pz(4, 9.0);
    CHECK_THROWS_WITH_AS(ok::temperature_scaler(2.0).transform(std::vector<double>{1, 2, 3, INFINITY}, 2, pz),
                         "temperature_scaler::transform: logits[3] is inf", ok::invalid_argument);
    CHECK(pz == std::vector<double>(4, 9.0));
    const ok::temperature_scaler t(1.0 / 3.0);
    CHECK(ok::temperature_scaler::from_string(ok::to_string(t)) == t);
    CHECK_THROWS_AS((void)ok::temperature_scaler::from_string("offloadkit.temperature_scaler 1\ntemperature -1\n"),
                    ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::temperature_scaler::from_string("offloadkit.temperature_scaler 1\ntemperature 0\n"),
                    ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::temperature_scaler::from_string("offloadkit.temperature_scaler 1\n"),
                    ok::invalid_argument);
}
