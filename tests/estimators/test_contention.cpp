#include <offloadkit/estimators/contention.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <deque>
#include <vector>

#include <offloadkit/detail/random.hpp>

namespace ok = offloadkit;

namespace {
// Two branches, three contention levels; dyadic seconds so that means are exact.
// Branch 0 is sensitive to contention, branch 1 is not.
ok::branch_profiles two_branches() {
    return ok::branch_profiles({"small", "large"}, 1, 3, {0.6, 0.8},
                               {0.125, 0.375,      // level 0
                                0.25, 0.40625,     // level 1
                                0.5, 0.4375});     // level 2
}
}  // namespace

TEST_CASE("contention_estimator: mean of the last N latencies of the branch, nearest level (§4.3)") {
    ok::contention_estimator rce(two_branches(), 3);
    CHECK(rce.level() == 0);
    CHECK(rce.samples() == 0);
    rce.observe(0, 0.125);
    CHECK(rce.level() == 0);
    rce.observe(0, 0.25);  // mean 0.1875: as near to level 0 as to level 1 -> the lower level
    CHECK(rce.mean_latency() == 0.1875);
    CHECK(rce.level() == 0);
    rce.observe(0, 0.5);  // mean 0.2917 -> level 1 (0.25)
    CHECK(rce.level() == 1);
    rce.observe(0, 0.75);  // window {0.25, 0.5, 0.75}: mean 0.5 -> level 2
    CHECK(rce.samples() == 3);
    CHECK(rce.mean_latency() == 0.5);
    CHECK(rce.level() == 2);
    // A switch to branch 1 restarts the window on that branch's profile.
    rce.observe(1, 0.40625);
    CHECK(rce.samples() == 1);
    CHECK(rce.branch() == 1u);
    CHECK(rce.level() == 1);
    rce.observe(1, 1.0);  // mean 0.703, above every level: the highest
    CHECK(rce.level() == 2);
    rce.reset();
    CHECK((rce.level() == 0 && rce.samples() == 0 && !rce.branch().has_value()));
}

TEST_CASE("contention_estimator equals a brute-force window on random streams") {
    ok::detail::rng g(12);
    for (int trial = 0; trial < 40; ++trial) {
        const std::size_t b = 1 + g.below(4), m = 1 + g.below(6), n = 1 + g.below(7);
        std::vector<double> lat(m * b);
        for (auto& l : lat) {
            l = 0.001 * static_cast<double>(1 + g.below(40));  // coarse grid: ties happen
        }
        ok::contention_estimator rce(lat, m, b, n);
        std::deque<double> window;
        std::size_t current = b;
        for (int step = 0; step < 200; ++step) {
            const std::size_t br = g.below(10) == 0 ? g.below(b) : (current < b ? current : 0);
            const double x = 0.001 * static_cast<double>(g.below(45));
            rce.observe(br, x);
            if (br != current) {
                window.clear();
                current = br;
            }
            window.push_back(x);
            if (window.size() > n) {
                window.pop_front();
            }
            double mean = 0.0;
            for (const double v : window) {
                mean += v;
            }
            mean /= static_cast<double>(window.size());
            std::size_t best = 0;
            for (std::size_t lv = 1; lv < m; ++lv) {
                if (std::fabs(lat[lv * b + br] - mean) < std::fabs(lat[best * b + br] - mean)) {
                    best = lv;
                }
            }
            REQUIRE(rce.mean_latency() == doctest::Approx(mean).epsilon(1e-12));
            // The same mean up to rounding: compare levels only where the nearest one is clear.
            const double d_best = std::fabs(lat[best * b + br] - mean);
            bool clear = true;
            for (std::size_t lv = 0; lv < m; ++lv) {
                clear = clear && (lv == best || std::fabs(lat[lv * b + br] - mean) - d_best > 1e-12);
            }
            if (clear) {
                REQUIRE(rce.level() == best);
            }
        }
    }
}

TEST_CASE("contention_estimator rejects bad input and keeps its state") {
    ok::contention_estimator rce(two_branches(), 2);
    rce.observe(0, 0.5);
    CHECK_THROWS_WITH_AS(rce.observe(2, 0.01), "contention_estimator::observe: branch is 2, expected < 2",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS(rce.observe(0, NAN),
                         "contention_estimator::observe: latency is NaN, expected a finite number >= 0",
                         ok::invalid_argument);
    CHECK_THROWS_AS(rce.observe(0, -0.001), ok::invalid_argument);
    CHECK_THROWS_AS(rce.observe(0, INFINITY), ok::invalid_argument);
    CHECK((rce.level() == 2 && rce.samples() == 1));
    CHECK_THROWS_AS((void)rce.nearest_level(0, NAN), ok::invalid_argument);
    CHECK_THROWS_WITH_AS(ok::contention_estimator(two_branches(), 0), "contention_estimator: window is 0, expected >= 1",
                         ok::invalid_argument);
    const std::vector<double> bad{0.01, 0.0};
    CHECK_THROWS_AS(ok::contention_estimator(bad, 1, 2), ok::invalid_argument);
    CHECK_THROWS_AS(ok::contention_estimator(bad, 2, 2), ok::invalid_argument);
    CHECK_THROWS_AS(ok::contention_estimator(bad, 1, 0), ok::invalid_argument);
}
