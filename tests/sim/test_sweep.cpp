#include <offloadkit/sim/sweep.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include <offloadkit/calibration/identity.hpp>
#include <offloadkit/calibration/platt.hpp>
#include <offloadkit/estimators/bandwidth.hpp>
#include <offloadkit/sim/synthetic.hpp>

namespace ok = offloadkit;

namespace {

ok::trace synthetic(std::size_t frames, std::uint64_t seed, bool with_arrival = false) {
    ok::synthetic_trace_options so;
    so.frames = frames;
    so.seed = seed;
    so.with_arrival = with_arrival;
    return ok::make_synthetic_trace(so);
}

void check_same_totals(const ok::sim_result& a, const ok::sim_result& b) {
    CHECK(a.policy == b.policy);
    CHECK(a.accuracy == b.accuracy);
    CHECK(a.offloaded == b.offloaded);
    CHECK(a.bytes == b.bytes);
    CHECK(a.deadline_misses == b.deadline_misses);
    CHECK(a.frames == b.frames);
}

}  // namespace

TEST_CASE("at_sweep_point sets exactly the swept parameter") {
    ok::sim_options base;
    base.deadline = 0.25;
    base.server_time = 0.02;
    base.network_latency = 0.07;
    base.fps = 24.0;
    base.bandwidth = ok::bandwidth_trace({0.0, 1.0}, {1e5, 2e5});
    base.calibration_fraction = 0.4;

    const auto b = ok::at_sweep_point(base, ok::sweep_axis::bandwidth, 3e5);
    CHECK(b.bandwidth == ok::bandwidth_trace(3e5));
    CHECK(b.network_latency == base.network_latency);
    CHECK(b.fps == base.fps);
    CHECK(b.use_trace_arrivals);

    const auto f = ok::at_sweep_point(base, ok::sweep_axis::fps, 10.0);
    CHECK(f.fps == 10.0);
    CHECK_FALSE(f.use_trace_arrivals);  // an fps sweep re-times the frames at i / fps
    CHECK(f.bandwidth == base.bandwidth);

    const auto l = ok::at_sweep_point(base, ok::sweep_axis::latency, 0.16);
    CHECK(l.network_latency == 0.16);
    CHECK(l.bandwidth == base.bandwidth);
    CHECK(l.fps == base.fps);
    for (const auto& o : {b, f, l}) {
        CHECK(o.deadline == base.deadline);
        CHECK(o.server_time == base.server_time);
        CHECK(o.calibration_fraction == base.calibration_fraction);
    }

    CHECK(ok::at_sweep_point(base, ok::sweep_axis::bandwidth, 0.0).bandwidth == ok::bandwidth_trace(0.0));
    CHECK_THROWS_WITH_AS((void)ok::at_sweep_point(base, ok::sweep_axis::bandwidth, -1.0),
                         "at_sweep_point: value is -1, expected a finite number >= 0", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::at_sweep_point(base, ok::sweep_axis::fps, 0.0),
                         "at_sweep_point: value is 0, expected a finite number > 0", ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::at_sweep_point(base, ok::sweep_axis::latency, std::nan("")), ok::invalid_argument);
}

TEST_CASE("sweep axis names round-trip") {
    for (const auto a : {ok::sweep_axis::bandwidth, ok::sweep_axis::fps, ok::sweep_axis::latency,
                         ok::sweep_axis::local_time}) {
        CHECK(ok::parse_sweep_axis(ok::sweep_axis_name(a)) == a);
    }
    CHECK(ok::at_sweep_point(ok::sim_options{}, ok::sweep_axis::local_time, 0.028).local_time == 0.028);
    CHECK_THROWS_AS((void)ok::at_sweep_point(ok::sim_options{}, ok::sweep_axis::local_time, -1.0), ok::invalid_argument);
    CHECK_FALSE(ok::parse_sweep_axis("Bandwidth").has_value());
    CHECK_FALSE(ok::parse_sweep_axis("").has_value());
}

TEST_CASE("sweep is run_policy at each point, policy-major, without logs") {
    const auto tr = synthetic(900, 5);
    const auto cal = ok::fit_trace_calibrator(tr, ok::profile_trace(tr, 0.3).split);
    const ok::sim_options base;
    const std::vector<double> mbps{0.0, 2.0, 8.0};
    std::vector<double> values;
    for (const double x : mbps) {
        values.push_back(x * 125000.0);
    }
    const std::array<ok::policy_kind, 3> kinds{ok::policy_kind::fastva, ok::policy_kind::cbo, ok::policy_kind::oracle};
    const auto rows = ok::sweep(tr, cal, base, ok::sweep_axis::bandwidth, values, kinds);
    REQUIRE(rows.size() == kinds.size() * values.size());
    for (std::size_t k = 0; k < kinds.size(); ++k) {
        for (std::size_t p = 0; p < values.size(); ++p) {
            const auto& row = rows[k * values.size() + p];
            CAPTURE(k);
            CAPTURE(p);
            CHECK(row.policy == kinds[k]);
            CHECK(row.value == values[p]);
            CHECK(row.result.log.empty());
            // The storage is gone, not just the size: `log = {}` kept each row's capacity, so a
            // sweep held every run's per-frame log to the end (8.7 GB on 2,000,000 frames).
            CHECK(row.result.log.capacity() == 0);
            ok::sim_options o;  // built by hand, not through at_sweep_point
            o.bandwidth = ok::bandwidth_trace(mbps[p] * 125000.0);
            check_same_totals(row.result, ok::run_policy(kinds[k], tr, cal, o));
        }
    }
}

TEST_CASE("sweep: the estimator factory gets each point's options, latency in seconds") {
    const auto tr = synthetic(900, 6);
    const auto cal = ok::fit_trace_calibrator(tr, ok::profile_trace(tr, 0.3).split);
    ok::sim_options base;
    base.bandwidth = ok::bandwidth_trace(3.0 * 125000.0);
    const std::vector<double> latency{0.02, 0.12};
    const std::array<ok::policy_kind, 2> kinds{ok::policy_kind::cbo, ok::policy_kind::server};
    std::vector<double> seen;
    const auto rows = ok::sweep(
        tr, cal, base, ok::sweep_axis::latency, latency, kinds,
        [&](const ok::sim_options& o) {
            seen.push_back(o.network_latency);
            return ok::harmonic_mean_estimator(5, 0.5 * o.bandwidth.at(0.0));
        },
        ok::cbo_order::arrival);
    CHECK(seen == std::vector<double>{0.02, 0.12, 0.02, 0.12});
    for (std::size_t k = 0; k < kinds.size(); ++k) {
        for (std::size_t p = 0; p < latency.size(); ++p) {
            ok::sim_options o = base;
            o.network_latency = latency[p];
            check_same_totals(rows[k * latency.size() + p].result,
                              ok::run_policy(kinds[k], tr, cal, o, ok::harmonic_mean_estimator(5, 0.5 * 375000.0),
                                             ok::cbo_order::arrival));
        }
    }
}

TEST_CASE("sweep over fps ignores recorded arrival times") {
    const auto timed = synthetic(900, 7, /*with_arrival*/ true);  // arrival_s = i / 30
    auto untimed = timed;
    untimed.arrival.clear();
    const auto cal = ok::fit_trace_calibrator(timed, ok::profile_trace(timed, 0.3).split);
    const std::vector<double> fps{10.0, 30.0};
    const std::array<ok::policy_kind, 2> kinds{ok::policy_kind::cbo, ok::policy_kind::optimal};
    const auto rows = ok::sweep(timed, cal, ok::sim_options{}, ok::sweep_axis::fps, fps, kinds);
    for (std::size_t k = 0; k < kinds.size(); ++k) {
        for (std::size_t p = 0; p < fps.size(); ++p) {
            ok::sim_options o;
            o.fps = fps[p];
            check_same_totals(rows[k * fps.size() + p].result, ok::run_policy(kinds[k], untimed, cal, o));
        }
    }
    // At 10 fps the frames are three times further apart than recorded: more of them can be sent.
    CHECK(rows[0].result.offloaded > rows[1].result.offloaded);
}

TEST_CASE("sweep: at zero bandwidth every policy is Local, Oracle is the ceiling everywhere") {
    const auto tr = synthetic(1200, 8);
    const auto cal = ok::fit_trace_calibrator(tr, ok::profile_trace(tr, 0.3).split);
    const std::vector<double> values{0.0, 1e5, 6.25e5, 2.5e6};
    const auto rows = ok::sweep(tr, cal, ok::sim_options{}, ok::sweep_axis::bandwidth, values, ok::all_policy_kinds);
    const std::size_t v = values.size();
    const std::size_t oracle = ok::all_policy_kinds.size() - 1;
    REQUIRE(ok::all_policy_kinds[oracle] == ok::policy_kind::oracle);
    for (std::size_t k = 0; k < ok::all_policy_kinds.size(); ++k) {
        CAPTURE(k);
        CHECK(rows[k * v].result.accuracy == rows[0].result.accuracy);  // rows[0]: Local at 0 B/s
        CHECK(rows[k * v].result.offloaded == 0.0);
        for (std::size_t p = 0; p < v; ++p) {
            CHECK(rows[k * v + p].result.accuracy <= rows[oracle * v + p].result.accuracy);
            CHECK(rows[k * v + p].result.deadline_misses == 0);
        }
    }
}

TEST_CASE("sweep rejects bad values before running anything") {
    const auto tr = synthetic(300, 9);
    const ok::identity_calibrator cal;
    const std::vector<double> bad{1e5, std::numeric_limits<double>::infinity()};
    CHECK_THROWS_WITH_AS((void)ok::sweep(tr, cal, ok::sim_options{}, ok::sweep_axis::bandwidth, bad,
                                         ok::all_policy_kinds),
                         "sweep: values[1] is inf", ok::invalid_argument);
    const std::vector<double> negative{-0.01};
    CHECK_THROWS_AS((void)ok::sweep(tr, cal, ok::sim_options{}, ok::sweep_axis::latency, negative, ok::all_policy_kinds),
                    ok::invalid_argument);
}

TEST_CASE("model_accuracy worked by hand") {
    ok::trace t;
    t.resolutions = {"lo", "hi"};
    t.confidence = {0.2, 0.9, 0.3, 0.4};
    t.npu_correct = {0, 1, 1, 0};
    t.bytes = {1000, 4000, 1000, 4000, 1000, 4000, 1000, 4000};
    t.server_correct = {0, 1, 1, 1, 0, 0, 1, 1};
    const std::vector<double> server{0.5, 0.8};
    ok::sim_result r;
    r.log.resize(4);
    for (std::size_t i = 0; i < 4; ++i) {
        r.log[i].frame = i;
    }
    r.log[0].resolution = 1;  // offloaded on time at "hi": 0.8
    r.log[2].resolution = 0;  // offloaded at "lo" but late: counts as local, C(0.3)
    r.log[2].late = true;
    // frames 1 and 3 local: C(0.9), C(0.4)
    CHECK(ok::model_accuracy(t, r, server, ok::identity_calibrator{}) == doctest::Approx((0.8 + 0.9 + 0.3 + 0.4) / 4));
    // Any calibrator: model_accuracy applies it to the raw confidence of the frames not served.
    const auto platt = ok::platt_calibrator::fit(std::vector<double>{0.1, 0.2, 0.8, 0.9, 0.95},
                                                 std::vector<std::uint8_t>{0, 1, 0, 1, 1});
    const auto p = [&](double s) { return platt(s); };
    CHECK(ok::model_accuracy(t, r, server, platt) == doctest::Approx((0.8 + p(0.9) + p(0.3) + p(0.4)) / 4));
    // Only the evaluated frames count; an empty run is worth 0.
    r.log.erase(r.log.begin());
    CHECK(ok::model_accuracy(t, r, server, ok::identity_calibrator{}) == doctest::Approx((0.9 + 0.3 + 0.4) / 3));
    CHECK(ok::model_accuracy(t, ok::sim_result{}, server, ok::identity_calibrator{}) == 0.0);

    const std::vector<double> one{0.5};
    CHECK_THROWS_WITH_AS((void)ok::model_accuracy(t, r, one, ok::identity_calibrator{}),
                         "model_accuracy: server_accuracy has size 1, expected 2 (the trace's resolutions)",
                         ok::invalid_argument);
    const std::vector<double> above{0.5, 1.5};
    CHECK_THROWS_WITH_AS((void)ok::model_accuracy(t, r, above, ok::identity_calibrator{}),
                         "model_accuracy: server_accuracy[1] is 1.5, expected a value in [0, 1]", ok::invalid_argument);
    r.log[0].frame = 4;
    CHECK_THROWS_AS((void)ok::model_accuracy(t, r, server, ok::identity_calibrator{}), ok::invalid_argument);
    r.log[0].frame = 1;
    r.log[0].resolution = 2;
    CHECK_THROWS_AS((void)ok::model_accuracy(t, r, server, ok::identity_calibrator{}), ok::invalid_argument);
}

TEST_CASE("sweep_each streams the rows of sweep(), in order, each without log storage") {
    const auto tr = synthetic(600, 9);
    const auto cal = ok::fit_trace_calibrator(tr, ok::profile_trace(tr, 0.3).split);
    const ok::sim_options base;
    const std::vector<double> values{0.02, 0.1};
    const std::array<ok::policy_kind, 2> kinds{ok::policy_kind::server, ok::policy_kind::optimal};
    const auto rows = ok::sweep(tr, cal, base, ok::sweep_axis::latency, values, kinds);
    std::vector<ok::sweep_row> seen;
    ok::sweep_each(tr, cal, base, ok::sweep_axis::latency, values, std::span<const ok::policy_kind>(kinds),
                   [&](const ok::sweep_row& row) {
                       CHECK(row.result.log.capacity() == 0);
                       seen.push_back(row);
                   });
    REQUIRE(seen.size() == rows.size());
    for (std::size_t k = 0; k < rows.size(); ++k) {
        CHECK(seen[k].policy == rows[k].policy);
        CHECK(seen[k].value == rows[k].value);
        check_same_totals(seen[k].result, rows[k].result);
    }
    // A bad value anywhere in the grid throws before the first row is produced.
    std::size_t calls = 0;
    const std::vector<double> bad{0.02, -1.0};
    CHECK_THROWS_AS(ok::sweep_each(tr, cal, base, ok::sweep_axis::latency, bad, std::span<const ok::policy_kind>(kinds),
                                   [&](const ok::sweep_row&) { ++calls; }),
                    ok::invalid_argument);
    CHECK(calls == 0);
}
