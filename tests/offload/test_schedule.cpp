#include <offloadkit/offload/schedule.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include <offloadkit/detail/random.hpp>

#include "offload/instances.hpp"

namespace ok = offloadkit;
namespace to = offloadkit::test_offload;

namespace {

// The worked example of the API (paper defaults): T = 200 ms, T^o = 37 ms, L = 100 ms, 5 Mbps,
// Fig. 10-like accuracies. Transfer times at 625000 B/s: 2.4, 9.6, 20.8, 38.4, 59.2 ms; the
// transfer must end within 63 ms of arrival.
ok::offload_problem paper_pair() {
    ok::offload_problem pb;
    pb.deadline = 0.2;
    pb.server_time = 0.037;
    pb.network_latency = 0.1;
    pb.bandwidth = 625000.0;
    pb.server_accuracy = {0.35, 0.60, 0.72, 0.78, 0.81};
    pb.frames.push_back({0.0, 0.3, {1500, 6000, 13000, 24000, 37000}});
    pb.frames.push_back({1.0 / 30.0, 0.5, {1500, 6000, 13000, 24000, 37000}});
    return pb;
}

std::vector<std::size_t> confidence_order(const ok::offload_problem& pb) {
    std::vector<std::size_t> order(pb.frames.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
        return pb.frames[x].local_accuracy > pb.frames[y].local_accuracy;
    });
    return order;
}

double plan_sum(const ok::offload_problem& pb, const std::vector<int>& c) {
    double v = 0.0;
    for (std::size_t i = 0; i < c.size(); ++i) {
        v += c[i] < 0 ? pb.frames[i].local_accuracy : pb.server_accuracy[static_cast<std::size_t>(c[i])];
    }
    return v;
}

}  // namespace

TEST_CASE("solve_optimal: hand-worked pair at the paper's defaults") {
    // Worked by hand: frame 0 at r3 (38.4 ms, free at 0.0384) and frame 1 at r3 (0.0384 -> 0.0768,
    // due 0.09633) give gains 0.48 + 0.28 = 0.76. Alternatives: r4 + r2 = 0.51 + 0.22, r2 + r4 =
    // 0.42 + 0.31 (both 0.73); r3 then r4 finishes at 0.0976 > 0.09633 (late).
    const auto pb = paper_pair();
    const auto opt = ok::solve_optimal(pb);
    CHECK(opt.choice == std::vector<int>{3, 3});
    CHECK(opt.value == doctest::Approx(1.56).epsilon(1e-12));
    CHECK(opt.threshold == 0.5);
    CHECK(opt.first == 0);
    CHECK(opt.resolution == 3);
}

TEST_CASE("cbo_schedule: Algorithm 1 on the hand-worked pair (confidence-ordered timeline)") {
    // Processing order: frame 1 (p = 0.5) then frame 0 (p = 0.3), and the DP's timeline sends in
    // that order. Any offload of frame 1 (arrival 33.3 ms) ends after 35.7 ms, leaving frame 0
    // (due at 63 ms) at most r1 (gain 0.3 + frame 1's r1 gain 0.1 = 0.4); frame 1 at r2 + frame 0
    // at r0 gives 0.27; frame 1 at r0 has a negative gain. Frame 0 alone at r4: 0.51 — the best.
    const auto pb = paper_pair();
    const auto plan = ok::cbo_schedule(pb, 0.0);
    CHECK(plan.choice == std::vector<int>{4, -1});
    CHECK(plan.value == doctest::Approx(0.3 + 0.5 + 0.51).epsilon(1e-12));
    CHECK(plan.threshold == 0.3);
    CHECK(plan.resolution == 4);
    CHECK(plan.first == 0);
    // The arrival-ordered variant is the window optimum.
    const auto arr = ok::cbo_schedule(pb, 0.0, ok::cbo_order::arrival);
    CHECK(arr == ok::solve_optimal(pb));
    // With the uplink busy until 10 ms, frame 0 can no longer go at r4 (10 + 59.2 > 63 ms).
    const auto busy = ok::solve_optimal(pb, 0.010);
    CHECK(busy.choice[0] != 4);
    CHECK(ok::evaluate_plan(pb, busy.choice, 0.010).feasible);
}

TEST_CASE("solve_optimal equals brute force on thousands of random small instances") {
    ok::detail::rng g(20240601);
    std::size_t instances = 0;
    std::size_t nodes = 0;
    ok::offload_workspace ws;  // reused across instances: must not leak state between them
    ok::offload_plan reused;
    for (int it = 0; it < 3000; ++it) {
        // n up to 12 (m <= 3); the larger ones with tight deadlines so that exhaustive search
        // stays cheap in Debug and sanitizer builds.
        const std::size_t n = it % 10 == 0 ? 8 + g.below(5) : g.below(8);
        const std::size_t m = 1 + g.below(3);
        const bool tight = n > 7;
        const auto pb = to::random_problem(g, n, m, tight);
        const double free_at = g.bernoulli(0.2) ? static_cast<double>(g.below(4)) * 0.01 : 0.0;
        const auto brute = to::brute_force(pb, to::arrival_order(pb), free_at);
        nodes += brute.nodes;
        const auto opt = ok::solve_optimal(pb, free_at);
        CAPTURE(it);
        CAPTURE(n);
        CAPTURE(m);
        REQUIRE(opt.choice.size() == n);
        CHECK(std::abs(opt.value - brute.value) <= 1e-12);
        const auto ev = ok::evaluate_plan(pb, opt.choice, free_at);
        CHECK(ev.feasible);
        CHECK(ev.value == opt.value);
        ok::solve_optimal(pb, free_at, ws, reused);
        CHECK(reused == opt);
        // The arrival-ordered CBO variant is the same optimum.
        CHECK(ok::cbo_schedule(pb, free_at, ok::cbo_order::arrival) == opt);
        ++instances;
    }
    CHECK(instances == 3000);
    MESSAGE("brute-force nodes visited: " << nodes);
}

TEST_CASE("FCFS is optimal: the best over every send order equals solve_optimal (exchange argument)") {
    ok::detail::rng g(77);
    for (int it = 0; it < 150; ++it) {
        const std::size_t n = 1 + g.below(5);
        const std::size_t m = 1 + g.below(2);
        const auto pb = to::random_problem(g, n, m, false);
        std::vector<std::size_t> perm(n);
        std::iota(perm.begin(), perm.end(), std::size_t{0});
        double best = -1.0;
        do {  // every send order; each brute force keeps only orders that meet every deadline
            best = std::max(best, to::brute_force(pb, perm).value);
        } while (std::next_permutation(perm.begin(), perm.end()));
        CAPTURE(it);
        CHECK(std::abs(ok::solve_optimal(pb).value - best) <= 1e-12);
    }
}

TEST_CASE("cbo_schedule equals brute force over its confidence-ordered timeline and its plans are FCFS-feasible") {
    ok::detail::rng g(99);
    ok::offload_workspace ws;
    ok::offload_plan plan;
    for (int it = 0; it < 1500; ++it) {
        const std::size_t n = it % 10 == 0 ? 8 + g.below(5) : g.below(8);
        const std::size_t m = 1 + g.below(3);
        const auto pb = to::random_problem(g, n, m, n > 7);
        const double free_at = g.bernoulli(0.2) ? static_cast<double>(g.below(4)) * 0.01 : 0.0;
        const auto order = confidence_order(pb);
        const auto brute = to::brute_force(pb, order, free_at);
        ok::cbo_schedule(pb, free_at, ws, plan);
        CAPTURE(it);
        CHECK(std::abs(plan.value - brute.value) <= 1e-12);
        CHECK(plan.value == plan_sum(pb, plan.choice));
        // Exchange argument: the confidence-ordered timeline met every deadline, so FCFS does too.
        CHECK(ok::evaluate_plan(pb, plan.choice, free_at).feasible);
        CHECK(plan.value <= ok::solve_optimal(pb, free_at).value + 1e-12);
        // θ and r_o: the highest-confidence offloaded frame, which the timeline sends first.
        double theta = -std::numeric_limits<double>::infinity();
        std::ptrdiff_t first = -1;
        for (const std::size_t i : order) {
            if (plan.choice[i] >= 0) {
                theta = std::max(theta, pb.frames[i].local_accuracy);
                if (first < 0) {
                    first = static_cast<std::ptrdiff_t>(i);
                }
            }
        }
        CHECK(plan.threshold == theta);
        CHECK(plan.first == first);
        CHECK(plan.resolution == (first < 0 ? -1 : plan.choice[static_cast<std::size_t>(first)]));
    }
}

TEST_CASE("cbo_schedule: the plan is FCFS-feasible when rounding breaks the exchange argument (fuzz regression)") {
    // Two frames arrive together at 0.03 s; the transfer must end by 0.03 + T - T^o - L. The
    // confidence order sends frame 1 (0.01 s) then frame 0 (0.02 s): 0.04, then 0.06, and
    // 0.06 + 0.01 + 0.02 <= 0.03 + 0.06 holds in binary64. FCFS (the binding model) sends frame 0
    // first: 0.05, then 0.05 + 0.01 = 0.060000000000000005, one ulp past the deadline. The exchange
    // argument is exact only in real arithmetic. Found by tests/fuzz/fuzz_schedule.
    ok::offload_problem pb;
    pb.deadline = 0.06;
    pb.server_time = 0.01;
    pb.network_latency = 0.02;
    pb.bandwidth = 10000.0;
    pb.server_accuracy = {0.5};
    pb.frames = {{0.03, 0.0, {200.0}}, {0.03, 0.2, {100.0}}};
    ok::offload_workspace ws;
    ok::offload_plan plan;
    for (int pass = 0; pass < 2; ++pass) {  // allocating and workspace forms
        if (pass == 0) {
            plan = ok::cbo_schedule(pb, 0.0);
        } else {
            ok::cbo_schedule(pb, 0.0, ws, plan);
        }
        const auto ev = ok::evaluate_plan(pb, plan.choice, 0.0);
        CHECK(ev.feasible);
        CHECK(ev.value == plan.value);
        CHECK(plan.value <= ok::solve_optimal(pb).value);
        // The FCFS replay keeps frame 0 (on time) and keeps the late frame 1 local: 0.5 + 0.2.
        CHECK(plan.choice == std::vector<int>{0, -1});
        CHECK(plan.value == 0.7);
        CHECK(plan.first == 0);
        CHECK(plan.resolution == 0);
        CHECK(plan.threshold == 0.0);
    }
}

TEST_CASE("solve_optimal: empty problem, everything infeasible, everything worse than local") {
    ok::offload_problem pb;
    pb.server_accuracy = {0.5, 0.9};
    auto empty = ok::solve_optimal(pb);
    CHECK(empty.choice.empty());
    CHECK(empty.value == 0.0);
    CHECK(empty.resolution == -1);
    CHECK(empty.first == -1);
    CHECK(std::isinf(empty.threshold));
    pb.frames.push_back({0.0, 0.2, {1e9, 2e9}});  // 1600 s at 5 Mbps: never on time
    pb.frames.push_back({0.1, 0.95, {10, 20}});   // local answer beats the server
    const auto p = ok::solve_optimal(pb);
    CHECK(p.choice == std::vector<int>{-1, -1});
    CHECK(p.value == doctest::Approx(1.15));
    CHECK(ok::cbo_schedule(pb, 0.0).choice == std::vector<int>{-1, -1});
}

TEST_CASE("solve_optimal and cbo_schedule reject bad input and leave the output untouched") {
    const auto good = paper_pair();
    auto expect = [](const ok::offload_problem& pb, const std::string& text) {
        CAPTURE(text);
        ok::offload_workspace ws;
        ok::offload_plan out;
        out.value = 42.0;
        out.choice = {7};
        try {
            ok::solve_optimal(pb, 0.0, ws, out);
            FAIL("no exception");
        } catch (const ok::invalid_argument& e) {
            CHECK(std::string(e.what()) == "solve_optimal: " + text);
        }
        CHECK(out.value == 42.0);
        CHECK(out.choice == std::vector<int>{7});
        CHECK_THROWS_AS((void)ok::cbo_schedule(pb, 0.0), ok::invalid_argument);
    };
    auto pb = good;
    pb.deadline = 0.0;
    expect(pb, "deadline is 0, expected a finite number > 0");
    pb = good;
    pb.deadline = std::nan("");
    expect(pb, "deadline is NaN, expected a finite number > 0");
    pb = good;
    pb.bandwidth = 0.0;
    expect(pb, "bandwidth is 0, expected a finite number > 0");
    pb = good;
    pb.bandwidth = -5.0;
    expect(pb, "bandwidth is -5, expected a finite number > 0");
    pb = good;
    pb.server_time = -0.1;
    expect(pb, "server_time is -0.1, expected a finite number >= 0");
    pb = good;
    pb.network_latency = std::numeric_limits<double>::infinity();
    expect(pb, "network_latency is inf, expected a finite number >= 0");
    pb = good;
    pb.server_accuracy.clear();
    for (auto& f : pb.frames) {
        f.bytes.clear();
    }
    expect(pb, "server_accuracy is empty");
    pb = good;
    pb.server_accuracy[2] = 1.5;
    expect(pb, "server_accuracy[2] is 1.5, expected a value in [0, 1]");
    pb = good;
    pb.frames[1].arrival = -1.0;
    expect(pb, "frames[1].arrival is -1, expected a finite number >= 0");
    pb = good;
    pb.frames[1].arrival = std::nan("");
    expect(pb, "frames[1].arrival is NaN, expected a finite number >= 0");
    pb = good;
    pb.frames[0].local_accuracy = std::nan("");
    expect(pb, "frames[0].local_accuracy is NaN, expected a value in [0, 1]");
    pb = good;
    pb.frames[1].bytes[3] = 0.0;
    expect(pb, "frames[1].bytes[3] is 0, expected a finite number > 0");
    pb = good;
    pb.frames[0].bytes.pop_back();
    expect(pb, "frames[0].bytes has size 4, expected 5 (the size of server_accuracy)");
    CHECK_THROWS_WITH_AS((void)ok::solve_optimal(good, std::nan("")),
                         "solve_optimal: uplink_free_at is NaN, expected a finite number", ok::invalid_argument);
}

TEST_CASE("evaluate_plan: FCFS replay, late frames counted, bad choices rejected") {
    const auto pb = paper_pair();
    const auto ev = ok::evaluate_plan(pb, std::vector<int>{3, 4});  // 0.0384 -> 0.0976 > 0.09633: late
    CHECK_FALSE(ev.feasible);
    CHECK(ev.late == 1);
    CHECK(ev.value == doctest::Approx(0.78 + 0.81));
    CHECK(ev.uplink_free == doctest::Approx(0.0384 + 0.0592));
    CHECK_THROWS_WITH_AS((void)ok::evaluate_plan(pb, std::vector<int>{3, 5}),
                         "evaluate_plan: choice[1] is 5, expected -1..4", ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::evaluate_plan(pb, std::vector<int>{3}), ok::invalid_argument);
}
