// AMVP cost (AMVP eq. 6), latency (eq. 7) and throughput (eq. 8), worked by hand.
#include <offloadkit/multitask/cost.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

namespace ok = offloadkit;

TEST_CASE("amvp_cost: eq. 6 worked by hand (the API example)") {
    const ok::task_goal g{.accuracy = 0.9, .latency = 1.0, .throughput = 1.0, .alpha = 0.8, .beta = 0.1, .gamma = 0.1};
    // 0.8 * (0.9 - 0.85) / 0.9 + 0.1 * (1.2 - 1.0) / 1.2 + 0.1 * (1.0 - 0.9) / 1.0
    CHECK(ok::amvp_cost(g, 0.85, 1.2, 0.9) == doctest::Approx(0.8 * 0.05 / 0.9 + 0.1 * 0.2 / 1.2 + 0.1 * 0.1));
    CHECK(ok::amvp_cost(g, 0.85, 1.2, 0.9) == doctest::Approx(0.0711111111).epsilon(1e-9));
    // no reward below the latency goal or above the throughput goal
    CHECK(ok::amvp_cost(g, 0.9, 0.2, 30.0) == 0.0);
    // the accuracy term is negative above the accuracy goal, exactly as written
    CHECK(ok::amvp_cost(g, 0.99, 0.5, 2.0) == doctest::Approx(0.8 * (0.9 - 0.99) / 0.9));
    // the latency term is normalised by the achieved latency L, not by L_s
    CHECK(ok::amvp_cost(g, 0.9, 4.0, 1.0) == doctest::Approx(0.1 * 3.0 / 4.0));
    // throughput 0: the whole gamma
    CHECK(ok::amvp_cost(g, 0.9, 1.0, 0.0) == doctest::Approx(0.1));
    // the maximum of eq. 6 is 1 (A = 0, L -> inf, T = 0)
    CHECK(ok::amvp_cost(g, 0.0, 1e300, 0.0) == doctest::Approx(1.0));
}

TEST_CASE("amvp_cost: bad input names the field") {
    const ok::task_goal g{.accuracy = 0.9, .latency = 1.0, .throughput = 1.0, .alpha = 0.8, .beta = 0.1, .gamma = 0.1};
    auto bad = g;
    bad.gamma = 0.2;
    CHECK_THROWS_WITH_AS((void)ok::amvp_cost(bad, 0.8, 1.0, 1.0),
                         "amvp_cost: goal.alpha + beta + gamma is 1.1, expected 1", ok::invalid_argument);
    bad = g;
    bad.accuracy = 0.0;
    CHECK_THROWS_WITH_AS((void)ok::amvp_cost(bad, 0.8, 1.0, 1.0),
                         "amvp_cost: goal.accuracy is 0, expected a finite number > 0", ok::invalid_argument);
    bad = g;
    bad.latency = -1.0;
    CHECK_THROWS_AS((void)ok::amvp_cost(bad, 0.8, 1.0, 1.0), ok::invalid_argument);
    bad = g;
    bad.throughput = std::nan("");
    CHECK_THROWS_AS((void)ok::amvp_cost(bad, 0.8, 1.0, 1.0), ok::invalid_argument);
    bad = g;
    bad.alpha = 1.2;
    bad.beta = -0.1;
    bad.gamma = -0.1;
    CHECK_THROWS_WITH_AS((void)ok::amvp_cost(bad, 0.8, 1.0, 1.0),
                         "amvp_cost: goal.alpha is 1.2, expected a weight in [0, 1]", ok::invalid_argument);
    bad = g;
    bad.beta = std::nan("");
    CHECK_THROWS_AS((void)ok::amvp_cost(bad, 0.8, 1.0, 1.0), ok::invalid_argument);
    // weights summing to 1 within 1e-9 are accepted
    bad = g;
    bad.alpha += 5e-10;
    CHECK_NOTHROW((void)ok::amvp_cost(bad, 0.8, 1.0, 1.0));
    CHECK_THROWS_WITH_AS((void)ok::amvp_cost(g, 0.8, 0.0, 1.0), "amvp_cost: latency is 0, expected a finite number > 0",
                         ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::amvp_cost(g, std::nan(""), 1.0, 1.0), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::amvp_cost(g, 0.8, 1.0, -1.0), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::amvp_cost(g, 0.8, std::numeric_limits<double>::infinity(), 1.0), ok::invalid_argument);
}

TEST_CASE("amvp_latency, amvp_throughput, amvp_transfer_time: eq. 7 and 8 by hand") {
    // 0.2 / 0.5 + 0.3 / 0.6 + 0.05
    CHECK(ok::amvp_latency(0.2, 0.5, 0.3, 0.6, 0.05) == doctest::Approx(0.95));
    // min(0.5 * 5, 0.6 * 4, 1 / 0.05) = 2.4
    CHECK(ok::amvp_throughput(5.0, 0.5, 4.0, 0.6, 0.05) == doctest::Approx(2.4));
    // the link limits: min(2.5, 2.4, 1 / 0.5)
    CHECK(ok::amvp_throughput(5.0, 0.5, 4.0, 0.6, 0.5) == doctest::Approx(2.0));
    // D = 0 (one device): no 1/D term
    CHECK(ok::amvp_throughput(5.0, 0.5, 4.0, 0.6, 0.0) == doctest::Approx(2.4));
    // AMVP's 50 KB feature over 50 Mbps
    CHECK(ok::amvp_transfer_time(50176.0, 50e6 / 8) == doctest::Approx(0.00802816));
    CHECK(ok::amvp_transfer_time(50176.0, std::numeric_limits<double>::infinity()) == 0.0);
    CHECK_THROWS_AS((void)ok::amvp_transfer_time(1.0, 0.0), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::amvp_latency(0.2, 0.0, 0.3, 0.6, 0.0), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::amvp_latency(0.2, 1.5, 0.3, 0.6, 0.0), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::amvp_throughput(0.0, 0.5, 4.0, 0.6, 0.0), ok::invalid_argument);
}
