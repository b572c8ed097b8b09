// Issue 15 §2: a per-frame local (NPU) time in the offloading problem and its solvers (CBO Table III
// lists the NPU's time; CBO §IV-B's model decides a frame on arrival). Compared against a brute force
// that starts each transfer at max(free, arrival + local_time), against an equivalent problem with
// shifted arrivals, and against hand-worked cases at the paper's setting.
#include <offloadkit/offload/problem.hpp>
#include <offloadkit/offload/schedule.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <string>
#include <vector>

#include <offloadkit/detail/random.hpp>
#include <offloadkit/error.hpp>

#include "offload/instances.hpp"

namespace ok = offloadkit;
namespace to = offloadkit::test_offload;

TEST_CASE("local time: solve_optimal equals a brute force over ready-time FCFS with random per-frame local times") {
    ok::detail::rng g(1515);
    for (int it = 0; it < 1500; ++it) {
        const std::size_t n = g.below(8);
        const std::size_t m = 1 + g.below(3);
        auto pb = to::random_problem(g, n, m, false);
        for (auto& f : pb.frames) {
            f.local_time = static_cast<double>(g.below(4)) * 0.01;  // 0..30 ms: ready order may differ from arrival order
        }
        const double free_at = g.bernoulli(0.2) ? static_cast<double>(g.below(4)) * 0.01 : 0.0;
        const auto brute = to::brute_force(pb, to::ready_order(pb), free_at);
        const auto opt = ok::solve_optimal(pb, free_at);
        CAPTURE(it);
        CHECK(std::abs(opt.value - brute.value) <= 1e-12);
        const auto ev = ok::evaluate_plan(pb, opt.choice, free_at);
        CHECK(ev.feasible);
        CHECK(ev.value == opt.value);
        // Algorithm 1 with local times: never better than the optimum, always FCFS-feasible.
        const auto cbo = ok::cbo_schedule(pb, free_at);
        CHECK(cbo.value <= opt.value + 1e-12);
        CHECK(ok::evaluate_plan(pb, cbo.choice, free_at).feasible);
        CHECK(ok::cbo_schedule(pb, free_at, ok::cbo_order::arrival) == opt);
    }
}

TEST_CASE("local time: with one constant local time, FCFS is still optimal over every send order") {
    ok::detail::rng g(2828);
    for (int it = 0; it < 120; ++it) {
        const std::size_t n = 1 + g.below(5);
        auto pb = to::random_problem(g, n, 1 + g.below(2), false);
        const double l = static_cast<double>(g.below(3)) * 0.01;
        for (auto& f : pb.frames) {
            f.local_time = l;
        }
        std::vector<std::size_t> perm(n);
        std::iota(perm.begin(), perm.end(), std::size_t{0});
        double best = -1.0;
        do {
            best = std::max(best, to::brute_force(pb, perm).value);
        } while (std::next_permutation(perm.begin(), perm.end()));
        CAPTURE(it);
        CHECK(std::abs(ok::solve_optimal(pb).value - best) <= 1e-12);
    }
}

TEST_CASE("local time: a constant local time l is the problem with arrivals a + l and deadline T - l (exact grid)") {
    // Every time is a multiple of 1/64 s and every transfer (bytes / 1024 B/s) too, so all sums
    // below are exact in binary64 and the two problems must give identical plans bit for bit.
    ok::detail::rng g(64);
    for (int it = 0; it < 400; ++it) {
        const std::size_t n = g.below(9);
        const std::size_t m = 1 + g.below(3);
        ok::offload_problem pb;
        pb.bandwidth = 1024.0;
        pb.server_time = static_cast<double>(g.below(3)) / 64.0;
        pb.network_latency = static_cast<double>(g.below(4)) / 64.0;
        const double l = static_cast<double>(g.below(4)) / 64.0;
        pb.deadline = pb.server_time + pb.network_latency + l + static_cast<double>(1 + g.below(8)) / 64.0;
        for (std::size_t r = 0; r < m; ++r) {
            pb.server_accuracy.push_back(static_cast<double>(g.below(5)) * 0.25);
        }
        double t = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            t += static_cast<double>(g.below(3)) / 64.0;
            ok::offload_frame f;
            f.arrival = t;
            f.local_accuracy = static_cast<double>(g.below(9)) * 0.125;
            for (std::size_t r = 0; r < m; ++r) {
                f.bytes.push_back(16.0 * static_cast<double>(1 + g.below(6)));  // 1/64 .. 6/64 s
            }
            f.local_time = l;
            pb.frames.push_back(f);
        }
        ok::offload_problem shifted = pb;
        shifted.deadline = pb.deadline - l;
        for (auto& f : shifted.frames) {
            f.arrival += l;
            f.local_time = 0.0;
        }
        CAPTURE(it);
        const auto a = ok::solve_optimal(pb);
        const auto b = ok::solve_optimal(shifted);
        CHECK(a.choice == b.choice);
        CHECK(a.value == b.value);
        const auto ca = ok::cbo_schedule(pb, 0.0);
        const auto cb = ok::cbo_schedule(shifted, 0.0);
        CHECK(ca.choice == cb.choice);
        CHECK(ca.threshold == cb.threshold);
    }
}

TEST_CASE("local time: the paper's setting, worked by hand (T - T^o - L = 63 ms, NPU 28 ms, Table III)") {
    // One frame of 25000 B at 625000 B/s: 40 ms to send. Decided on arrival it is back at
    // 40 + 37 + 100 = 177 ms <= 200 ms. After 28 ms of local inference it is back at 205 ms: late,
    // so it must stay local. A 5000 B frame (8 ms) still fits: 28 + 8 + 137 = 173 ms.
    ok::offload_problem pb;
    pb.server_accuracy = {0.9};
    pb.frames = {ok::offload_frame{0.0, 0.5, {25000.0}}};
    CHECK(ok::solve_optimal(pb).choice == std::vector<int>{0});
    pb.frames[0].local_time = 0.028;
    CHECK(ok::solve_optimal(pb).choice == std::vector<int>{-1});
    CHECK(ok::cbo_schedule(pb, 0.0).choice == std::vector<int>{-1});
    CHECK_FALSE(ok::evaluate_plan(pb, std::vector<int>{0}).feasible);
    pb.frames[0].bytes = {5000.0};
    CHECK(ok::solve_optimal(pb).choice == std::vector<int>{0});
    // The uplink is free at 0 but the frame can start only at 28 ms.
    CHECK(ok::evaluate_plan(pb, std::vector<int>{0}).uplink_free == doctest::Approx(0.036));
}

TEST_CASE("local time: a negative or non-finite local time is rejected, naming the frame") {
    ok::offload_problem pb;
    pb.server_accuracy = {0.9};
    pb.frames = {ok::offload_frame{0.0, 0.5, {100.0}}, ok::offload_frame{0.0, 0.5, {100.0}}};
    pb.frames[1].local_time = -0.01;
    try {
        (void)ok::solve_optimal(pb);
        FAIL("no exception");
    } catch (const ok::invalid_argument& e) {
        CHECK(std::string(e.what()).find("frames[1].local_time is -0.01") != std::string::npos);
    }
    pb.frames[1].local_time = std::nan("");
    CHECK_THROWS_AS((void)ok::cbo_schedule(pb, 0.0), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::evaluate_plan(pb, std::vector<int>{-1, -1}), ok::invalid_argument);
}
