// CBO's per-frame decision path must not allocate once warmed up: cbo_schedule with a reused
// workspace, every online policy's decide(), and the bandwidth estimators.
#include <offloadkit/estimators/bandwidth.hpp>
#include <offloadkit/offload/policies.hpp>
#include <offloadkit/offload/schedule.hpp>
#include <offloadkit/calibration/platt.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "alloc/counting.hpp"

namespace ok = offloadkit;
using offloadkit::test_alloc::allocations_during;

namespace {
ok::offload_problem window(std::size_t k, double spacing) {
    ok::offload_problem pb;
    pb.server_accuracy = {0.35, 0.60, 0.72, 0.78, 0.81};
    for (std::size_t i = 0; i < k; ++i) {
        const double f = 1.0 + 0.01 * static_cast<double>(i % 7);
        pb.frames.push_back({spacing * static_cast<double>(i), 0.05 * static_cast<double>(i % 19),
                             {1500 * f, 6000 * f, 13000 * f, 24000 * f, 37000 * f}});
    }
    return pb;
}
}  // namespace

TEST_CASE("cbo_schedule and solve_optimal with a reused workspace do not allocate after warm-up") {
    const auto big = window(30, 0.002);
    const auto small = window(12, 0.004);
    ok::offload_workspace ws;
    ok::offload_plan plan;
    for (const auto order : {ok::cbo_order::confidence, ok::cbo_order::arrival}) {
        ok::cbo_schedule(big, 0.0, ws, plan, order);  // warm-up with the largest window
    }
    for (const auto order : {ok::cbo_order::confidence, ok::cbo_order::arrival}) {
        CHECK(allocations_during([&] { ok::cbo_schedule(big, 0.0, ws, plan, order); }) == 0);
        CHECK(allocations_during([&] { ok::cbo_schedule(small, 0.01, ws, plan, order); }) == 0);
    }
    CHECK(allocations_during([&] { ok::solve_optimal(big, 0.0, ws, plan); }) == 0);
}

TEST_CASE("online policies decide without allocating after warm-up") {
    const ok::offload_model model{0.2, 0.037, 0.1, {0.35, 0.60, 0.72, 0.78, 0.81}};
    const auto pb = window(30, 0.002);
    std::vector<ok::pending_frame> w;
    for (std::size_t i = 0; i < pb.frames.size(); ++i) {
        w.push_back({i, pb.frames[i].arrival, pb.frames[i].local_accuracy, pb.frames[i].bytes});
    }
    std::vector<std::uint8_t> rel(w.size(), 0);
    const ok::decision_context ctx{0.06, 625000.0};
    const auto platt = ok::platt_calibrator::fit(std::vector<double>{0.1, 0.5, 0.9, 0.7},
                                                 std::vector<std::uint8_t>{0, 1, 1, 0});
    ok::cbo_policy<ok::platt_calibrator> cbo(model, platt);
    ok::cbo_policy<ok::identity_calibrator> raw(model, {}, ok::cbo_order::arrival);
    ok::fastva_policy fastva(model, 0.55);
    ok::server_policy server(model, 1.0 / 30.0);
    ok::local_policy local;
    ok::planned_policy planned(std::vector<int>(30, 2));
    (void)cbo.decide(ctx, w, rel);
    (void)raw.decide(ctx, w, rel);
    (void)fastva.decide(ctx, w, rel);
    const std::span<const ok::pending_frame> few(w.data(), 5);
    const std::span<std::uint8_t> few_rel(rel.data(), 5);
    CHECK(allocations_during([&] { (void)cbo.decide(ctx, w, rel); }) == 0);
    CHECK(allocations_during([&] { (void)cbo.decide(ctx, few, few_rel); }) == 0);
    CHECK(allocations_during([&] { (void)raw.decide(ctx, w, rel); }) == 0);
    CHECK(allocations_during([&] { (void)fastva.decide(ctx, w, rel); }) == 0);
    CHECK(allocations_during([&] { (void)server.decide(ctx, w, rel); }) == 0);
    CHECK(allocations_during([&] { (void)local.decide(ctx, w, rel); }) == 0);
    CHECK(allocations_during([&] { (void)planned.decide(ctx, w, rel); }) == 0);
}

TEST_CASE("bandwidth estimators observe and estimate without allocating") {
    ok::harmonic_mean_estimator h(5, 1e6);
    ok::dual_ewma_estimator d;
    CHECK(allocations_during([&] {
              for (int i = 0; i < 100; ++i) {
                  h.observe(37000, 0.05);
                  d.observe(37000, 0.05);
              }
              (void)h.estimate();
              (void)d.estimate();
          }) == 0);
}
