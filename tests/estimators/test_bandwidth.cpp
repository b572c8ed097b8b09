#include <offloadkit/estimators/bandwidth.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include <offloadkit/detail/random.hpp>

namespace ok = offloadkit;

TEST_CASE("harmonic_mean_estimator: harmonic mean of the last N throughputs") {
    ok::harmonic_mean_estimator e(3, 500.0);
    CHECK(e.estimate() == 500.0);
    e.observe(1000, 1.0);  // 1000 B/s
    CHECK(e.estimate() == doctest::Approx(1000.0));
    e.observe(1000, 0.5);  // 2000 B/s: harmonic mean 2 / (1/1000 + 1/2000) = 1333.33
    CHECK(e.estimate() == doctest::Approx(4000.0 / 3.0));
    e.observe(4000, 1.0);
    e.observe(4000, 1.0);  // window now {2000, 4000, 4000}: 3 / (1/2000 + 2/4000) = 3000
    CHECK(e.estimate() == doctest::Approx(3000.0));
    CHECK(e.samples() == 3);
    // Against the definition on a long random stream (the running sum must not drift).
    ok::harmonic_mean_estimator f(5);
    ok::detail::rng g(5);
    std::vector<double> rates;
    for (int i = 0; i < 10000; ++i) {
        const double rate = g.uniform(1e3, 1e7);
        rates.push_back(rate);
        f.observe(rate * 0.01, 0.01);
    }
    double inv = 0.0;
    for (std::size_t k = rates.size() - 5; k < rates.size(); ++k) {
        inv += 1.0 / rates[k];
    }
    CHECK(f.estimate() == doctest::Approx(5.0 / inv).epsilon(1e-12));
    CHECK_THROWS_AS(ok::harmonic_mean_estimator(0), ok::invalid_argument);
    CHECK_THROWS_AS(ok::harmonic_mean_estimator(3, -1.0), ok::invalid_argument);
    CHECK_THROWS_WITH_AS(e.observe(100, 0.0), "harmonic_mean_estimator::observe: seconds is 0, expected a finite number > 0",
                         ok::invalid_argument);
    CHECK_THROWS_AS(e.observe(std::nan(""), 1.0), ok::invalid_argument);
    CHECK(e.estimate() == doctest::Approx(3000.0));  // unchanged by rejected samples
}

TEST_CASE("dual_ewma_estimator: the smaller of a fast and a slow bias-corrected EWMA") {
    ok::dual_ewma_estimator e(1.0, 4.0, 777.0);
    CHECK(e.estimate() == 777.0);
    e.observe(1000, 1.0);  // one sample: both averages equal it after bias correction
    CHECK(e.estimate() == doctest::Approx(1000.0));
    // Worked by hand: second sample 3000 B/s over 1 s. fast: a = 0.5: e = 0.5*500 + 0.5*3000 = 1750,
    // corrected by 1 - 0.25 = 0.75 -> 2333.3. slow: a = 0.5^(1/4) = 0.8409: after 1st e1 = 159.1,
    // e2 = 0.8409*159.1 + 0.1591*3000 = 611.1, corrected by 1 - 0.5^(1/2) = 0.2929 -> 2086.2.
    e.observe(3000, 1.0);
    const double as = std::pow(0.5, 0.25);
    const double slow = (as * (1 - as) * 1000 + (1 - as) * 3000) / (1 - std::pow(0.5, 0.5));
    CHECK(e.estimate() == doctest::Approx(std::min(2333.333333, slow)).epsilon(1e-6));
    CHECK(slow == doctest::Approx(2086.2).epsilon(1e-3));
    // A drop is followed quickly (the fast average), a rise slowly (the slow one).
    ok::dual_ewma_estimator d(1.0, 8.0);
    for (int i = 0; i < 50; ++i) {
        d.observe(1e6, 1.0);
    }
    d.observe(1e5, 2.0);
    CHECK(d.estimate() < 0.35e6);
    CHECK_THROWS_AS(ok::dual_ewma_estimator(0.0, 1.0), ok::invalid_argument);
    CHECK_THROWS_AS(d.observe(-1.0, 1.0), ok::invalid_argument);
}

TEST_CASE("window_throughput_estimator: bytes over the newest transfers covering the window, worked by hand") {
    ok::window_throughput_estimator e(0.5, 64, 700.0);
    CHECK(e.estimate() == 700.0);
    e.observe(30000, 0.3);
    CHECK(e.estimate() == doctest::Approx(100000.0));
    e.observe(10000, 0.3);  // 0.3 s alone < 0.5 s: both kept, 40000 / 0.6
    CHECK(e.estimate() == doctest::Approx(40000.0 / 0.6));
    CHECK(e.samples() == 2);
    e.observe(6000, 0.2);  // {0.3, 0.2} = 0.5 s covers the window: the first one goes, 16000 / 0.5
    CHECK(e.samples() == 2);
    CHECK(e.estimate() == doctest::Approx(32000.0));
    e.observe(50000, 1.0);  // alone covers the window
    CHECK(e.samples() == 1);
    CHECK(e.estimate() == doctest::Approx(50000.0));
    CHECK(e.covered_seconds() == doctest::Approx(1.0));
    CHECK_THROWS_AS(ok::window_throughput_estimator(0.0), ok::invalid_argument);
    CHECK_THROWS_AS(ok::window_throughput_estimator(0.5, 0), ok::invalid_argument);
    CHECK_THROWS_WITH_AS(e.observe(100, 0.0),
                         "window_throughput_estimator::observe: seconds is 0, expected a finite number > 0",
                         ok::invalid_argument);
    CHECK(e.estimate() == doctest::Approx(50000.0));  // unchanged by the rejected sample
}

TEST_CASE("window_throughput_estimator: equals the definition recomputed from scratch on a random stream") {
    for (const std::size_t cap : {std::size_t{1}, std::size_t{4}, std::size_t{64}}) {
        ok::window_throughput_estimator e(0.25, cap);
        ok::detail::rng g(11);
        std::vector<std::pair<double, double>> all;
        for (int i = 0; i < 3000; ++i) {
            const double s = g.uniform(0.001, 0.1);
            const double b = g.uniform(100.0, 1e5);
            all.emplace_back(b, s);
            e.observe(b, s);
            // Reference: take the newest samples (at most cap) until they cover the window.
            double sb = 0.0;
            double ss = 0.0;
            std::size_t n = 0;
            for (std::size_t k = all.size(); k-- > 0 && n < cap;) {
                sb += all[k].first;
                ss += all[k].second;
                ++n;
                if (ss >= 0.25) {
                    break;
                }
            }
            REQUIRE(e.samples() == n);
            REQUIRE(e.estimate() == doctest::Approx(sb / ss).epsilon(1e-12));
        }
    }
}
