#include <offloadkit/metrics/calibration.hpp>

#include <doctest/doctest.h>

#include <offloadkit/detail/random.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

namespace ok = offloadkit;

TEST_CASE("calibration_error: hand-worked ECE and MCE (CBO §III-B definitions)") {
    const std::vector<double> c{0.05, 0.15, 0.15, 0.95, 0.95, 0.95, 0.95};
    const std::vector<std::uint8_t> y{0, 1, 0, 1, 1, 1, 0};
    const ok::calibration_report rep = ok::calibration_error(c, y, 10);
    // Bin 0: 1 sample, conf .05, acc 0; bin 1: 2 samples, conf .15, acc .5; bin 9: 4 samples, conf .95, acc .75.
    CHECK(rep.ece == doctest::Approx((0.05 + 2 * 0.35 + 4 * 0.2) / 7).epsilon(1e-14));
    CHECK(rep.mce == doctest::Approx(0.35).epsilon(1e-14));
    REQUIRE(rep.bins.size() == 10);
    CHECK(rep.bins[1].count == 2);
    CHECK(rep.bins[1].lower == 0.1);
    CHECK(rep.bins[1].upper == 0.2);
    CHECK(rep.bins[1].confidence == doctest::Approx(0.15));
    CHECK(rep.bins[1].accuracy == 0.5);
    CHECK(rep.bins[9].upper == 1.0);
    CHECK(rep.bins[4].count == 0);
    CHECK(std::isnan(rep.bins[4].confidence));
    CHECK(std::isnan(rep.bins[4].accuracy));
}

TEST_CASE("calibration_error: bin edges follow min(floor(c*M), M-1)") {
    const std::vector<double> c{0.0, 0.1, 0.2, 0.9, 1.0, 0.0999999};
    const std::vector<std::uint8_t> y{1, 1, 1, 1, 1, 1};
    const auto rep = ok::calibration_error(c, y, 10);
    CHECK(rep.bins[0].count == 2);  // 0.0 and 0.0999999
    CHECK(rep.bins[1].count == 1);  // 0.1 is the lower edge of [0.1, 0.2)
    CHECK(rep.bins[2].count == 1);
    CHECK(rep.bins[9].count == 2);  // 0.9 and 1.0 (the last bin is closed)
    const auto one = ok::calibration_error(c, y, 1);
    CHECK(one.bins[0].count == 6);
    CHECK(one.ece == doctest::Approx(1.0 - (0.0 + 0.1 + 0.2 + 0.9 + 1.0 + 0.0999999) / 6));
}

TEST_CASE("calibration_error: equals a direct two-pass computation on random data") {
    ok::detail::rng g(17);
    for (const std::size_t m : {1, 7, 10, 15, 100}) {
        const std::size_t n = 3001;
        std::vector<float> c(n);
        std::vector<std::uint8_t> y(n);
        for (std::size_t i = 0; i < n; ++i) {
            c[i] = static_cast<float>(g.uniform());
            y[i] = g.bernoulli(0.8 * c[i]) ? 1 : 0;
        }
        c[5] = 1.0F;
        c[6] = 0.0F;
        std::vector<std::vector<std::size_t>> members(m);
        for (std::size_t i = 0; i < n; ++i) {
            const double b = std::floor(static_cast<double>(c[i]) * static_cast<double>(m));
            members[std::min(static_cast<std::size_t>(b), m - 1)].push_back(i);
        }
        double ece = 0.0;
        double mce = 0.0;
        const auto rep = ok::calibration_error(c, y, m);
        for (std::size_t b = 0; b < m; ++b) {
            CHECK(rep.bins[b].count == members[b].size());
            if (members[b].empty()) {
                continue;
            }
            double sc = 0.0;
            double sy = 0.0;
            for (const auto i : members[b]) {
                sc += c[i];
                sy += y[i];
            }
            const double k = static_cast<double>(members[b].size());
            CHECK(rep.bins[b].confidence == doctest::Approx(sc / k).epsilon(1e-12));
            CHECK(rep.bins[b].accuracy == doctest::Approx(sy / k).epsilon(1e-12));
            ece += k / static_cast<double>(n) * std::abs(sy / k - sc / k);
            mce = std::max(mce, std::abs(sy / k - sc / k));
        }
        CHECK(rep.ece == doctest::Approx(ece).epsilon(1e-12));
        CHECK(rep.mce == doctest::Approx(mce).epsilon(1e-12));
    }
}

TEST_CASE("calibration_error: equal-mass bins (ACE) by sorted rank, ties ordered by correctness") {
    const std::vector<double> c{0.5, 0.1, 0.4, 0.2, 0.3};
    const std::vector<std::uint8_t> y{1, 0, 1, 0, 0};
    const auto rep = ok::calibration_error(c, y, 2, ok::binning::equal_mass);
    // Ranks [0, 2) and [2, 5): {0.1, 0.2} and {0.3, 0.4, 0.5}.
    CHECK(rep.bins[0].count == 2);
    CHECK(rep.bins[0].lower == 0.1);
    CHECK(rep.bins[0].upper == 0.2);
    CHECK(rep.bins[1].count == 3);
    CHECK(rep.bins[1].accuracy == doctest::Approx(2.0 / 3.0));
    CHECK(rep.bins[1].confidence == doctest::Approx(0.4));
    CHECK(rep.ece == doctest::Approx((2 * 0.15 + 3 * (2.0 / 3.0 - 0.4)) / 5));
    CHECK(ok::adaptive_calibration_error(c, y, 2) == rep.ece);
    const std::vector<double> tied(4, 0.5);
    const std::vector<std::uint8_t> mixed{1, 0, 1, 0};
    const auto t = ok::calibration_error(tied, mixed, 2, ok::binning::equal_mass);
    CHECK(t.bins[0].accuracy == 0.0);
    CHECK(t.bins[1].accuracy == 1.0);
    const auto sparse = ok::calibration_error(tied, mixed, 6, ok::binning::equal_mass);
    CHECK(sparse.bins[0].count == 0);  // floor(0*4/6) = floor(1*4/6) = 0
    CHECK(std::isnan(sparse.bins[0].lower));
    std::size_t total = 0;
    for (const auto& b : sparse.bins) {
        total += b.count;
    }
    CHECK(total == 4);
}

TEST_CASE("ECE of perfectly calibrated data goes to 0 as n grows") {
    ok::detail::rng g(5);
    double previous = 1.0;
    for (const std::size_t n : {1000, 10000, 100000}) {
        std::vector<double> c(n);
        std::vector<std::uint8_t> y(n);
        for (std::size_t i = 0; i < n; ++i) {
            c[i] = g.uniform();
            y[i] = g.bernoulli(c[i]) ? 1 : 0;  // P(correct | c) = c
        }
        const double ece = ok::calibration_error(c, y, 10).ece;
        CAPTURE(n);
        CHECK(ece < previous);
        CHECK(ece < 3.0 * std::sqrt(10.0 / static_cast<double>(n)));  // ~ sqrt(M/n) sampling noise
        previous = ece;
    }
    CHECK(previous < 0.01);
}

TEST_CASE("brier_score and negative_log_likelihood, hand-worked") {
    const std::vector<double> c{0.9, 0.2, 0.6, 1.0};
    const std::vector<std::uint8_t> y{1, 0, 0, 1};
    CHECK(ok::brier_score(c, y) == doctest::Approx((0.01 + 0.04 + 0.36 + 0.0) / 4));
    const double eps = std::numeric_limits<double>::epsilon();
    const double nll = -(std::log(0.9) + std::log(0.8) + std::log(0.4) + std::log(1.0 - eps)) / 4;
    CHECK(ok::negative_log_likelihood(c, y) == doctest::Approx(nll).epsilon(1e-14));
    const std::vector<double> wrong{0.0};
    const std::vector<std::uint8_t> one{1};
    CHECK(ok::negative_log_likelihood(wrong, one) == doctest::Approx(-std::log(eps)));
}

TEST_CASE("calibration metrics reject bad input, naming argument and index") {
    const std::vector<double> c{0.2, 0.7};
    const std::vector<std::uint8_t> y{0, 1};
    const std::vector<double> none;
    const std::vector<std::uint8_t> no_labels;
    CHECK_THROWS_WITH_AS((void)ok::calibration_error(c, y, 0), "calibration_error: bins is 0, expected 1..16777216",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::calibration_error(none, no_labels, 10), "calibration_error: confidences is empty",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::calibration_error(c, std::vector<std::uint8_t>{1}, 10),
                         "calibration_error: correct has size 1, expected 2 (the size of confidences)",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::calibration_error(std::vector<double>{0.2, 1.5}, y, 10),
                         "calibration_error: confidences[1] is 1.5, expected a value in [0, 1]", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::calibration_error(std::vector<float>{std::numeric_limits<float>::quiet_NaN(), 0.1F},
                                                     y, 10),
                         "calibration_error: confidences[0] is NaN, expected a value in [0, 1]", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::calibration_error(std::vector<double>{0.2, -0.0001}, y, 10, ok::binning::equal_mass),
                         "calibration_error: confidences[1] is -1e-04, expected a value in [0, 1]",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::calibration_error(c, std::vector<std::uint8_t>{0, 2}, 10),
                         "calibration_error: correct[1] is 2, expected 0 or 1", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::brier_score(c, std::vector<std::uint8_t>{0, 1, 1}),
                         "brier_score: correct has size 3, expected 2 (the size of confidences)",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::negative_log_likelihood(std::vector<double>{-1.0}, std::vector<std::uint8_t>{1}),
                         "negative_log_likelihood: confidences[0] is -1, expected a value in [0, 1]",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::adaptive_calibration_error(c, y, 0),
                         "adaptive_calibration_error: bins is 0, expected 1..16777216", ok::invalid_argument);
}

// ---- golden vectors: numpy bins, sklearn.metrics.brier_score_loss / log_loss ------------------
#include "calibration/golden.hpp"

#include <string>

namespace golden = offloadkit::test_golden;

TEST_CASE("calibration metrics: golden vectors from numpy and scikit-learn 1.2.1") {
    const auto cases = golden::read("metrics_cases.csv");
    REQUIRE(cases.rows() > 0);
    for (std::size_t r = 0; r < cases.rows(); ++r) {
        const std::string name = cases.cell(r, cases.column("name"));
        const std::string metric = cases.cell(r, cases.column("metric"));
        CAPTURE(name);
        CAPTURE(metric);
        const auto data = golden::read("metrics_" + name + "_data.csv");
        const auto c = golden::column(data, "confidence");
        const auto y = golden::labels(data, "correct");
        const double value = golden::number(cases, r, "value");
        if (metric == "brier") {
            CHECK(ok::brier_score(c, y) == doctest::Approx(value).epsilon(1e-13));
            continue;
        }
        if (metric == "nll") {
            CHECK(ok::negative_log_likelihood(c, y) == doctest::Approx(value).epsilon(1e-13));
            continue;
        }
        const auto m = static_cast<std::size_t>(golden::number(cases, r, "bins"));
        const auto scheme = metric == "equal_mass" ? ok::binning::equal_mass : ok::binning::equal_width;
        const auto rep = ok::calibration_error(c, y, m, scheme);
        CHECK(rep.ece == doctest::Approx(value).epsilon(1e-13));
        CHECK(rep.mce == doctest::Approx(golden::number(cases, r, "mce")).epsilon(1e-13));
        if (scheme == ok::binning::equal_mass) {
            CHECK(ok::adaptive_calibration_error(c, y, m) == rep.ece);
        }
        const auto bins = golden::read("metrics_" + name + "_bins.csv");
        std::size_t seen = 0;
        for (std::size_t k = 0; k < bins.rows(); ++k) {
            if (bins.cell(k, bins.column("scheme")) != metric ||
                static_cast<std::size_t>(golden::number(bins, k, "bins")) != m) {
                continue;
            }
            const auto b = static_cast<std::size_t>(golden::number(bins, k, "bin"));
            REQUIRE(b < rep.bins.size());
            ++seen;
            const auto& got = rep.bins[b];
            CHECK(got.count == static_cast<std::size_t>(golden::number(bins, k, "count")));
            for (const auto& fm : {std::pair{"lower", got.lower}, std::pair{"upper", got.upper},
                                   std::pair{"confidence", got.confidence}, std::pair{"accuracy", got.accuracy}}) {
                const char* field = fm.first;
                const double mine = fm.second;
                const double want = golden::number(bins, k, field);
                CAPTURE(field);
                if (std::isnan(want)) {
                    CHECK(std::isnan(mine));
                } else {
                    CHECK(mine == doctest::Approx(want).epsilon(1e-13));
                }
            }
        }
        CHECK(seen == m);
    }
}

namespace {
// The definition of CBO §III-B, written out plainly: bin of c = min(floor(c M), M - 1), sums in
// index order, ECE = sum n_b/n |acc_b - conf_b|, MCE = max over non-empty bins.
ok::calibration_report plain_report(const std::vector<double>& c, const std::vector<std::uint8_t>& y, std::size_t m) {
    ok::calibration_report r;
    r.bins.resize(m);
    std::vector<double> cs(m, 0.0), ys(m, 0.0);
    for (std::size_t i = 0; i < c.size(); ++i) {
        const std::size_t b = std::min(static_cast<std::size_t>(c[i] * static_cast<double>(m)), m - 1);
        ++r.bins[b].count;
        cs[b] += c[i];
        ys[b] += y[i];
    }
    for (std::size_t b = 0; b < m; ++b) {
        auto& bin = r.bins[b];
        bin.lower = static_cast<double>(b) / static_cast<double>(m);
        bin.upper = static_cast<double>(b + 1) / static_cast<double>(m);
        if (bin.count == 0) {
            bin.confidence = bin.accuracy = std::numeric_limits<double>::quiet_NaN();
            continue;
        }
        const double cnt = static_cast<double>(bin.count);
        bin.confidence = cs[b] / cnt;
        bin.accuracy = ys[b] / cnt;
        const double gap = std::fabs(bin.accuracy - bin.confidence);
        r.ece += cnt / static_cast<double>(c.size()) * gap;
        r.mce = std::max(r.mce, gap);
    }
    return r;
}
}  // namespace

TEST_CASE("calibration_error_into: the plain definition bit for bit, calibration_error to rounding") {
    ok::detail::rng g(404);
    ok::calibration_report rep;
    for (const std::size_t m : {1u, 3u, 10u, 15u}) {
        for (const std::size_t n : {1u, 2u, 7u, 100u, 1001u}) {
            CAPTURE(m);
            CAPTURE(n);
            std::vector<double> c(n);
            std::vector<std::uint8_t> y(n);
            for (std::size_t i = 0; i < n; ++i) {
                // bin edges, 0 and 1 exactly, and random values
                c[i] = i % 5 == 0 ? static_cast<double>(g.below(m + 1)) / static_cast<double>(m) : g.uniform();
                y[i] = g.bernoulli(c[i]) ? 1 : 0;
            }
            ok::calibration_error_into(c, y, m, rep);
            const auto want = plain_report(c, y, m);
            CHECK(rep.ece == want.ece);
            CHECK(rep.mce == want.mce);
            REQUIRE(rep.bins.size() == m);
            const auto other = ok::calibration_error(c, y, m);
            CHECK(rep.ece == doctest::Approx(other.ece).epsilon(1e-12));
            CHECK(rep.mce == doctest::Approx(other.mce).epsilon(1e-12));
            for (std::size_t b = 0; b < m; ++b) {
                CHECK(rep.bins[b].count == want.bins[b].count);
                CHECK(rep.bins[b].count == other.bins[b].count);
                CHECK(rep.bins[b].lower == want.bins[b].lower);
                CHECK(rep.bins[b].upper == want.bins[b].upper);
                if (want.bins[b].count != 0) {
                    CHECK(rep.bins[b].confidence == want.bins[b].confidence);
                    CHECK(rep.bins[b].accuracy == want.bins[b].accuracy);
                } else {
                    CHECK(std::isnan(rep.bins[b].confidence));
                    CHECK(std::isnan(rep.bins[b].accuracy));
                }
            }
        }
    }
}

TEST_CASE("calibration_error_into: a rejected input leaves the report as it was") {
    const std::vector<double> c{0.2, 0.7, 0.9};
    const std::vector<std::uint8_t> y{0, 1, 1};
    ok::calibration_report rep;
    ok::calibration_error_into(c, y, 4, rep);
    const ok::calibration_report before = rep;
    const std::vector<double> bad{0.2, std::nan(""), 0.9};
    CHECK_THROWS_WITH_AS(ok::calibration_error_into(bad, y, 4, rep), "calibration_error_into: confidences[1] is NaN, expected a value in [0, 1]",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS(ok::calibration_error_into(c, y, 0, rep), "calibration_error_into: bins is 0, expected 1..16777216",
                         ok::invalid_argument);
    REQUIRE(rep.bins.size() == before.bins.size());
    CHECK(rep.ece == before.ece);
    CHECK(rep.mce == before.mce);
    for (std::size_t b = 0; b < rep.bins.size(); ++b) {
        CHECK(rep.bins[b].count == before.bins[b].count);
    }
}
