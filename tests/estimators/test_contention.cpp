#include <offloadkit/estimators/contention.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <deque>
#include <optional>
#include <vector>

#include <offloadkit/approx/scheduler.hpp>
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
    // A switch to branch 1 restarts the window on that branch's profile; its first latency holds
    // the switching cost (§4.6) and is left out: the level stays 2 until a clean sample.
    rce.observe(1, 0.90625);
    CHECK(rce.samples() == 0);
    CHECK(rce.skipped() == 1);
    CHECK(rce.branch() == 1u);
    CHECK(rce.level() == 2);
    rce.observe(1, 0.40625);  // level 1 of branch 1
    CHECK(rce.samples() == 1);
    CHECK(rce.level() == 1);
    rce.observe(1, 1.0);  // mean 0.703, above every level: the highest
    CHECK(rce.level() == 2);
    rce.reset();
    CHECK((rce.level() == 0 && rce.samples() == 0 && !rce.branch().has_value() && rce.skipped() == 0));
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
        std::size_t want_level = 0;
        for (int step = 0; step < 200; ++step) {
            const std::size_t br = g.below(10) == 0 ? g.below(b) : (current < b ? current : 0);
            const double x = 0.001 * static_cast<double>(g.below(45));
            rce.observe(br, x);
            if (br != current) {
                window.clear();
                const bool switched = current < b;
                current = br;
                if (switched) {  // the sample after a switch is left out; the level stays
                    REQUIRE(rce.samples() == 0);
                    REQUIRE(rce.level() == want_level);
                    continue;
                }
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
            want_level = rce.level();
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

TEST_CASE("contention_estimator: a switching cost is not read as contention (ApproxNet §4.3, §4.6)") {
    // Accurate branch A (25 ms idle, 40 ms contended) and fast branch F (10 / 15 ms); requirement
    // 30 ms; switching to another branch adds 20 ms to that frame. The device is contended for
    // frames 0-9 and idle after. Right answer: A, F while contended, back to A once the idle
    // device shows (2 switches). Worked by hand with the window N = 10: frame 0 runs A (40 ms ->
    // level 1); frame 1 switches to F (35 ms, left out); frames 2-9 see 15 ms, frames 10-14 10 ms,
    // whose mean 12.5 ties levels 0 and 1 -> level 0; frame 15 switches to A (45 ms, left out);
    // A then reads 25 ms = level 0 for good. Counting the 45 ms as contention instead sends the
    // scheduler back to F, whose 30 ms first sample keeps it there for 8 frames: 11 switches.
    const ok::branch_profiles p({"A", "F"}, 1, 2, {0.9, 0.7}, {0.025, 0.010, 0.040, 0.015});
    ok::branch_scheduler sched(p);
    ok::contention_estimator rce(p, 10);
    const auto req = ok::approx_requirement::max_latency(0.030);
    std::size_t switches = 0;
    std::optional<std::size_t> last;
    std::vector<std::size_t> chosen;
    for (std::size_t f = 0; f < 60; ++f) {
        const std::size_t truth = f < 10 ? 1 : 0;
        const auto d = sched.step(0, rce.level(), req);
        const bool switched = last.has_value() && *last != d.branch;
        switches += switched ? 1 : 0;
        last = d.branch;
        chosen.push_back(d.branch);
        rce.observe(d.branch, p.latency(truth, d.branch) + (switched ? 0.020 : 0.0));
    }
    CHECK(switches == 2);
    CHECK(chosen[0] == 0);
    CHECK(chosen[1] == 1);
    CHECK(chosen[14] == 1);
    CHECK(chosen[15] == 0);
    CHECK(chosen[59] == 0);
    CHECK(rce.skipped() == 2);
}
