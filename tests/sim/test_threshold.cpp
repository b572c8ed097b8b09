// The fixed-threshold study of CBO §III (Fig. 3, 4, 7): threshold_policy decisions worked by hand,
// the unconstrained study on a hand-computed trace, and the simulated rule at θ = 1 against the
// Server baseline (the same FCFS rule over every frame), at θ = 0 against Local.
#include <offloadkit/sim/threshold.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <offloadkit/calibration/identity.hpp>
#include <offloadkit/calibration/platt.hpp>
#include <offloadkit/offload/policies.hpp>
#include <offloadkit/sim/synthetic.hpp>

namespace ok = offloadkit;

TEST_CASE("threshold_policy: C(p) > θ keeps the local result, the earliest other frame is sent") {
    const ok::offload_model model{0.2, 0.037, 0.1, {0.6, 0.9}};
    const std::vector<double> small{1000.0, 5000.0};  // 1.6 / 8 ms at 625000 B/s
    const std::vector<ok::pending_frame> window{{0, 0.0, 0.9, small}, {1, 0.0, 0.4, small}, {2, 0.01, 0.3, small}};
    std::vector<std::uint8_t> release(3, 0);
    ok::threshold_policy<ok::identity_calibrator> p(model, {}, 0.5, 1);
    const auto act = p.decide({0.01, 625000.0}, window, release);
    CHECK(act == ok::offload_action{1, 1});            // frame 1 (0.4 <= 0.5) at the fixed resolution 1
    CHECK(release == std::vector<std::uint8_t>{1, 0, 0});  // 0.9 > 0.5: local; frame 2 waits for the uplink
    // At 0.07 a transfer of 8 ms ends at 0.078 > 0.01 + 0.063: frame 2 would be late -> local.
    std::vector<std::uint8_t> r2(1, 0);
    const std::vector<ok::pending_frame> late{{2, 0.01, 0.3, small}};
    CHECK_FALSE(p.decide({0.07, 625000.0}, late, r2).sends());
    CHECK(r2 == std::vector<std::uint8_t>{1});
    // Server's rule (-1) still finds resolution 0 (1.6 ms) in time.
    ok::threshold_policy<ok::identity_calibrator> any(model, {}, 0.5, -1);
    r2 = {0};
    CHECK(any.decide({0.07, 625000.0}, late, r2) == ok::offload_action{0, 0});
    // No bandwidth: everything local.
    std::fill(release.begin(), release.end(), std::uint8_t{0});
    CHECK_FALSE(p.decide({0.0, 0.0}, window, release).sends());
    CHECK(release == std::vector<std::uint8_t>{1, 1, 1});
    CHECK_THROWS_WITH_AS(ok::threshold_policy<ok::identity_calibrator>(model, {}, 1.5),
                         doctest::Contains("theta is 1.5"), ok::invalid_argument);
    CHECK_THROWS_WITH_AS(ok::threshold_policy<ok::identity_calibrator>(model, {}, 0.5, 2),
                         doctest::Contains("resolution is 2"), ok::invalid_argument);
}

TEST_CASE("threshold_unconstrained: CBO §III-A's study worked by hand") {
    ok::trace tr;
    tr.resolutions = {"lo", "hi"};
    tr.confidence = {0.2, 0.5, 0.7, 0.95};
    tr.npu_correct = {0, 1, 0, 1};
    tr.bytes = {1, 2, 1, 2, 1, 2, 1, 2};
    tr.server_correct = {0, 1, 0, 1, 1, 1, 0, 0};
    const ok::identity_calibrator raw;
    // θ = 0.6: frames 0 and 1 offloaded at "hi" (right, right), 2 and 3 local (wrong, right): 3/4.
    auto p = ok::threshold_unconstrained(tr, 0, 4, raw, 0.6, 1);
    CHECK(p.accuracy == 0.75);
    CHECK(p.offloaded == 0.5);
    // θ = 0: nothing offloaded, the NPU's 2/4; θ = 1: everything at "lo": 1/4.
    CHECK(ok::threshold_unconstrained(tr, 0, 4, raw, 0.0, 1).accuracy == 0.5);
    p = ok::threshold_unconstrained(tr, 0, 4, raw, 1.0, 0);
    CHECK(p.accuracy == 0.25);
    CHECK(p.offloaded == 1.0);
    const std::vector<ok::threshold_point> pts{{0.0, 0.5, 0.0, 0}, {0.5, 0.75, 0.5, 0}, {0.7, 0.75, 0.75, 0}};
    CHECK(ok::offload_share_for_accuracy(pts, 0.7) == 0.5);
    CHECK_FALSE(ok::offload_share_for_accuracy(pts, 0.8).has_value());
    CHECK_THROWS_AS((void)ok::threshold_unconstrained(tr, 0, 4, raw, 0.5, 2), ok::invalid_argument);
}

TEST_CASE("simulated threshold: θ = 1 is the Server baseline, θ = 0 is Local, never a deadline miss") {
    ok::synthetic_trace_options so;
    so.frames = 900;
    so.seed = 4;
    const ok::trace tr = ok::make_synthetic_trace(so);
    for (const double l : {0.0, 0.028}) {
        ok::sim_options o;
        o.local_time = l;
        const ok::identity_calibrator raw;
        const auto all = ok::run_threshold(tr, raw, o, 1.0);
        const auto server = ok::evaluate_trace(ok::policy_kind::server, tr, o);
        REQUIRE(all.log.size() == server.log.size());
        for (std::size_t i = 0; i < all.log.size(); ++i) {
            CHECK(all.log[i].resolution == server.log[i].resolution);
            CHECK(all.log[i].decided_at == server.log[i].decided_at);
        }
        CHECK(all.accuracy == server.accuracy);
        const auto none = ok::run_threshold(tr, raw, o, 0.0);
        CHECK(none.offloaded == 0.0);
        CHECK(none.accuracy == ok::evaluate_trace(ok::policy_kind::local, tr, o).accuracy);
        const auto platt = ok::fit_trace_calibrator(tr, ok::profile_trace(tr, o.calibration_fraction).split);
        const auto grid = ok::default_theta_grid();
        for (const auto& p : ok::threshold_sweep(tr, platt, o, grid)) {
            CHECK(p.deadline_misses == 0);
        }
    }
}
