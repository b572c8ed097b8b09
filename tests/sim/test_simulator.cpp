#include <offloadkit/sim/simulator.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <offloadkit/estimators/bandwidth.hpp>
#include <offloadkit/sim/synthetic.hpp>
#include <offloadkit/sim/threshold.hpp>


namespace ok = offloadkit;

namespace {

// A hand-made 4-frame trace, 2 resolutions, arrivals every 50 ms.
ok::trace tiny_trace() {
    ok::trace t;
    t.resolutions = {"lo", "hi"};
    t.arrival = {0.0, 0.05, 0.10, 0.15};
    t.confidence = {0.2, 0.9, 0.3, 0.4};
    t.npu_correct = {0, 1, 1, 0};
    t.bytes = {1000, 4000, 1000, 4000, 1000, 4000, 1000, 4000};
    t.server_correct = {0, 1, 1, 1, 0, 0, 1, 1};
    return t;
}

// Objective the offline Optimal maximizes: sum of calibrated local probability (local) or profiled
// server accuracy (offloaded on time), over the evaluated frames of a run.
template <class C>
double objective(const ok::sim_result& r, const ok::trace& tr, const C& cal, const ok::trace_profile& prof) {
    double v = 0.0;
    for (const auto& lg : r.log) {
        v += (lg.resolution < 0 || lg.late) ? cal(tr.confidence[lg.frame])
                                            : prof.server_accuracy[static_cast<std::size_t>(lg.resolution)];
    }
    return v;
}

}  // namespace

TEST_CASE("bandwidth_trace: constant and piecewise transfer times") {
    const ok::bandwidth_trace c(1000.0);
    CHECK(c.finish(2.0, 500.0) == 2.5);
    CHECK(c.at(123.0) == 1000.0);
    const ok::bandwidth_trace p({0.0, 1.0, 2.0}, {1000.0, 0.0, 500.0});
    CHECK(p.finish(0.0, 500.0) == 0.5);      // within the first piece
    CHECK(p.finish(0.5, 1000.0) == 3.0);     // 500 B by 1.0, nothing in [1, 2), 500 B at 500 B/s
    CHECK(p.finish(1.5, 250.0) == 2.5);      // waits for the third piece
    CHECK(p.at(1.5) == 0.0);
    CHECK(p.at(-1.0) == 1000.0);
    const ok::bandwidth_trace dead({0.0, 1.0}, {1000.0, 0.0});
    CHECK(std::isinf(dead.finish(0.9, 1000.0)));
    CHECK_THROWS_AS(ok::bandwidth_trace(-1.0), ok::invalid_argument);
    CHECK_THROWS_AS(ok::bandwidth_trace({0.0, 0.0}, {1.0, 1.0}), ok::invalid_argument);
    CHECK_THROWS_AS(ok::bandwidth_trace({0.5}, {1.0}), ok::invalid_argument);
    CHECK_THROWS_AS(ok::bandwidth_trace({0.0, 1.0}, {1.0}), ok::invalid_argument);
}

TEST_CASE("simulate: the event timeline worked by hand (Server policy)") {
    // T = 100 ms, T^o = 10 ms, L = 20 ms: a transfer must end within 70 ms of arrival. 20000 B/s:
    // lo = 50 ms, hi = 200 ms. Server picks lo (hi does not fit a 50 ms interval... neither fits
    // 1/fps = 40 ms, so the fewest bytes: lo). Frame 0: 0 -> 0.05, on time. Frame 1 arrives at
    // 0.05, uplink free at 0.05: 0.05 -> 0.10. Frame 2: 0.10 -> 0.15. Frame 3: 0.15 -> 0.20.
    const auto tr = tiny_trace();
    ok::sim_options o;
    o.deadline = 0.1;
    o.server_time = 0.01;
    o.network_latency = 0.02;
    o.fps = 25.0;
    o.bandwidth = ok::bandwidth_trace(20000.0);
    ok::server_policy pol(ok::offload_model{0.1, 0.01, 0.02, {0.5, 0.9}}, 1.0 / o.fps);
    ok::true_bandwidth est;
    const auto r = ok::simulate(tr, 0, 4, pol, est, o);
    REQUIRE(r.log.size() == 4);
    for (std::size_t i = 0; i < 4; ++i) {
        CAPTURE(i);
        CHECK(r.log[i].resolution == 0);
        CHECK(r.log[i].start == doctest::Approx(0.05 * static_cast<double>(i)));
        CHECK(r.log[i].finish == doctest::Approx(0.05 * static_cast<double>(i) + 0.05));
        CHECK_FALSE(r.log[i].late);
    }
    CHECK(r.bytes == 4000.0);
    CHECK(r.offloaded == 1.0);
    CHECK(r.deadline_misses == 0);
    CHECK(r.accuracy == 0.5);  // server_correct@lo = {0, 1, 0, 1}
    // With 10000 B/s every lo transfer takes 100 ms > 70 ms: nothing can be sent, all local.
    o.bandwidth = ok::bandwidth_trace(10000.0);
    const auto r2 = ok::simulate(tr, 0, 4, pol, est, o);
    CHECK(r2.offloaded == 0.0);
    CHECK(r2.accuracy == 0.5);  // npu_correct = {0, 1, 1, 0}
    // Bandwidth 0 is allowed in the simulator: nothing is offloaded.
    o.bandwidth = ok::bandwidth_trace(0.0);
    CHECK(ok::simulate(tr, 0, 4, pol, est, o).offloaded == 0.0);
}

TEST_CASE("simulate: a late transfer counts as the local result and as a deadline miss") {
    // The estimate says 1e6 B/s but the truth is 20000 B/s: CBO sends hi (4000 B, believed 4 ms,
    // really 200 ms) and the result is late.
    const auto tr = tiny_trace();
    ok::sim_options o;
    o.deadline = 0.1;
    o.server_time = 0.01;
    o.network_latency = 0.02;
    o.bandwidth = ok::bandwidth_trace(20000.0);
    ok::cbo_policy<ok::identity_calibrator> pol(ok::offload_model{0.1, 0.01, 0.02, {0.5, 0.9}}, {});
    ok::harmonic_mean_estimator est(3, 1e6);
    const auto r = ok::simulate(tr, 0, 1, pol, est, o);
    REQUIRE(r.log.size() == 1);
    CHECK(r.log[0].resolution == 1);
    CHECK(r.log[0].late);
    CHECK(r.deadline_misses == 1);
    CHECK(r.accuracy == 0.0);  // npu_correct[0] = 0, though server_correct@hi = 1
    CHECK(est.samples() == 1);
    CHECK(est.estimate() == doctest::Approx(20000.0));
}

TEST_CASE("every policy has zero deadline misses when the estimate equals the true bandwidth") {
    ok::synthetic_trace_options so;
    so.frames = 900;
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        so.seed = seed;
        so.with_arrival = seed == 2;
        const auto tr = ok::make_synthetic_trace(so);
        const auto cal = ok::fit_trace_calibrator(tr, ok::profile_trace(tr, 0.3).split);
        for (const double mbps : {0.0, 1.0, 5.0, 12.0, 40.0}) {
            for (const double latency : {0.0, 0.1, 0.15}) {
                for (const double fps : {10.0, 30.0}) {
                    ok::sim_options o;
                    o.bandwidth = ok::bandwidth_trace(mbps * 125000.0);
                    o.network_latency = latency;
                    o.fps = fps;
                    for (const auto k : ok::all_policy_kinds) {
                        for (const auto order : {ok::cbo_order::confidence, ok::cbo_order::arrival}) {
                            const auto r = ok::run_policy(k, tr, cal, o, ok::true_bandwidth{}, order);
                            CAPTURE(seed);
                            CAPTURE(mbps);
                            CAPTURE(latency);
                            CAPTURE(r.policy);
                            CHECK(r.deadline_misses == 0);
                            if (mbps == 0.0) {
                                CHECK(r.offloaded == 0.0);
                            }
                        }
                    }
                }
            }
        }
    }
}

TEST_CASE("offline plans (optimal, oracle) meet every deadline under a time-varying bandwidth") {
    ok::synthetic_trace_options so;
    so.frames = 1200;
    so.seed = 5;
    const auto tr = ok::make_synthetic_trace(so);
    ok::sim_options o;
    o.bandwidth = ok::bandwidth_trace({0.0, 7.0, 14.0, 20.0, 30.0}, {625000.0, 60000.0, 0.0, 2.5e6, 300000.0});
    const auto cal = ok::fit_trace_calibrator(tr, ok::profile_trace(tr, 0.3).split);
    for (const auto k : {ok::policy_kind::optimal, ok::policy_kind::oracle}) {
        const auto r = ok::run_policy(k, tr, cal, o);
        CAPTURE(r.policy);
        CHECK(r.deadline_misses == 0);
        CHECK(r.offloaded > 0.0);
    }
    // Online policies on an estimator: the harmonic mean adapts; misses are possible but reported.
    const auto r = ok::run_policy(ok::policy_kind::cbo, tr, cal, o, ok::harmonic_mean_estimator(5, 625000.0));
    CHECK(r.frames == tr.size() - ok::profile_trace(tr, 0.3).split);
    std::size_t late = 0;
    for (const auto& lg : r.log) {
        late += lg.late ? 1 : 0;
    }
    CHECK(late == r.deadline_misses);
}

TEST_CASE("Optimal maximizes the online objective; Oracle maximizes realised accuracy") {
    ok::synthetic_trace_options so;
    so.frames = 1500;
    for (std::uint64_t seed = 11; seed <= 13; ++seed) {
        so.seed = seed;
        const auto tr = ok::make_synthetic_trace(so);
        const auto cal = ok::fit_trace_calibrator(tr, ok::profile_trace(tr, 0.3).split);
        for (const double mbps : {2.0, 5.0, 20.0}) {
            ok::sim_options o;
            o.bandwidth = ok::bandwidth_trace(mbps * 125000.0);
            const auto prof = ok::profile_trace(tr, o.calibration_fraction);
            const auto opt = ok::run_policy(ok::policy_kind::optimal, tr, cal, o);
            const auto oracle = ok::run_policy(ok::policy_kind::oracle, tr, cal, o);
            for (const auto k : ok::all_policy_kinds) {
                const auto r = ok::run_policy(k, tr, cal, o);
                CAPTURE(seed);
                CAPTURE(mbps);
                CAPTURE(r.policy);
                // Every policy's realised schedule is a feasible plan of the same problem.
                CHECK(objective(r, tr, cal, prof) <= objective(opt, tr, cal, prof) + 1e-9);
                CHECK(r.accuracy <= oracle.accuracy);
            }
        }
    }
}

TEST_CASE("orderings at the paper's default setting on seeded synthetic traces (Platt-calibrated CBO)") {
    // 5 Mbps, 100 ms latency, 30 fps, 200 ms deadline (CBO §V, Fig. 11-13); the trace workflow
    // fits Platt on the first 30% and evaluates the remaining 2100 frames.
    ok::synthetic_trace_options so;
    so.frames = 3000;
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
        so.seed = seed;
        const auto tr = ok::make_synthetic_trace(so);
        const ok::sim_options o;
        auto acc = [&](ok::policy_kind k) { return ok::evaluate_trace(k, tr, o).accuracy; };
        const double cbo = acc(ok::policy_kind::cbo);
        CAPTURE(seed);
        CHECK(cbo >= acc(ok::policy_kind::optimal) - 0.02);
        CHECK(cbo >= acc(ok::policy_kind::fastva));
        CHECK(cbo >= acc(ok::policy_kind::local));
        CHECK(cbo >= acc(ok::policy_kind::cbo_uncalibrated));
        CHECK(cbo >= acc(ok::policy_kind::server));
        // Algorithm 1 and the arrival-ordered window optimum, both as online policies.
        const double cbo_arrival =
            ok::evaluate_trace(ok::policy_kind::cbo, tr, o, ok::true_bandwidth{}, ok::cbo_order::arrival).accuracy;
        CHECK(cbo_arrival >= acc(ok::policy_kind::optimal) - 0.02);
    }
}

TEST_CASE("evaluate_trace is run_policy with Platt fitted on the profile part") {
    ok::synthetic_trace_options so;
    so.frames = 600;
    so.seed = 9;
    const auto tr = ok::make_synthetic_trace(so);
    ok::sim_options o;
    o.calibration_fraction = 0.25;
    const auto split = ok::profile_trace(tr, 0.25).split;
    CHECK(split == 150);
    const auto platt = ok::fit_trace_calibrator(tr, split);
    CHECK(platt == ok::platt_calibrator::fit(std::vector<double>(tr.confidence.begin(), tr.confidence.begin() + 150),
                                             std::vector<std::uint8_t>(tr.npu_correct.begin(), tr.npu_correct.begin() + 150)));
    const auto a = ok::evaluate_trace(ok::policy_kind::cbo, tr, o);
    const auto b = ok::run_policy(ok::policy_kind::cbo, tr, platt, o);
    CHECK(a.accuracy == b.accuracy);
    CHECK(a.bytes == b.bytes);
    CHECK(a.frames == 450);
    CHECK_THROWS_AS((void)ok::fit_trace_calibrator(tr, 0), ok::invalid_argument);
}

TEST_CASE("simulate and run_policy reject bad input") {
    const auto tr = tiny_trace();
    ok::local_policy pol;
    ok::true_bandwidth est;
    ok::sim_options o;
    CHECK_THROWS_WITH_AS((void)ok::simulate(tr, 2, 5, pol, est, o),
                         "simulate: frame range [2, 5) is not inside the trace of 4 frames", ok::invalid_argument);
    o.deadline = -1.0;
    CHECK_THROWS_WITH_AS((void)ok::simulate(tr, 0, 4, pol, est, o),
                         "simulate: deadline is -1, expected a finite number > 0", ok::invalid_argument);
    o = {};
    o.fps = 0.0;
    CHECK_THROWS_AS((void)ok::simulate(tr, 0, 4, pol, est, o), ok::invalid_argument);
    o = {};
    o.calibration_fraction = 0.1;  // floor(4 * 0.1) = 0: empty profile part
    CHECK_THROWS_WITH_AS((void)ok::run_policy(ok::policy_kind::cbo, tr, ok::identity_calibrator{}, o),
                         "profile_trace: a trace of 4 frames split at fraction 0.1 leaves an empty part",
                         ok::invalid_argument);
    auto bad = tr;
    bad.bytes[3] = 0.0;
    CHECK_THROWS_WITH_AS((void)ok::simulate(bad, 0, 4, pol, est, ok::sim_options{}),
                         "simulate: bytes[3] is 0, expected a finite number > 0", ok::invalid_argument);
    // A policy that misbehaves is caught.
    struct rogue {
        ok::offload_action decide(const ok::decision_context&, std::span<const ok::pending_frame>,
                                  std::span<std::uint8_t>) {
            return {0, 7};
        }
    };
    rogue rp;
    CHECK_THROWS_WITH_AS((void)ok::simulate(tr, 0, 4, rp, est, ok::sim_options{}),
                         "simulate: the policy chose resolution 7 of 2", ok::invalid_argument);
}

TEST_CASE("policy names round-trip") {
    for (const auto k : ok::all_policy_kinds) {
        CHECK(ok::parse_policy_kind(ok::policy_name(k)) == k);
    }
    CHECK_FALSE(ok::parse_policy_kind("cbo_uncalibrated").has_value());
}

TEST_CASE("Server's frame interval follows the trace's own arrival times; fps sets it only without them") {
    // A trace recorded at 10 fps (arrival_s = i / 10) and the same frames without arrival_s.
    ok::synthetic_trace_options so;
    so.frames = 400;
    so.seed = 21;
    auto timed = ok::make_synthetic_trace(so);
    timed.arrival.resize(timed.size());
    for (std::size_t i = 0; i < timed.size(); ++i) {
        timed.arrival[i] = static_cast<double>(i) / 10.0;
    }
    auto untimed = timed;
    untimed.arrival.clear();
    const auto cal = ok::fit_trace_calibrator(timed, ok::profile_trace(timed, 0.3).split);
    ok::sim_options at10;
    at10.fps = 10.0;
    at10.bandwidth = ok::bandwidth_trace(2.0 * 125000.0);  // tight enough that the interval matters
    ok::sim_options at30 = at10;
    at30.fps = 30.0;  // says nothing about the timed trace's frames
    CHECK(ok::frame_interval(timed, at30) == doctest::Approx(0.1).epsilon(1e-12));
    CHECK(ok::frame_interval(untimed, at30) == 1.0 / 30.0);
    at30.use_trace_arrivals = false;
    CHECK(ok::frame_interval(timed, at30) == 1.0 / 30.0);
    at30.use_trace_arrivals = true;
    // Before: Server used 1/fps = 1/30 s on frames 0.1 s apart (on the bundled trace --fps 10 moved
    // Server from 0.816 to 0.854 and nothing else).
    const auto reference = ok::run_policy(ok::policy_kind::server, untimed, cal, at10);
    const auto with_times = ok::run_policy(ok::policy_kind::server, timed, cal, at30);
    CHECK(with_times.accuracy == reference.accuracy);
    CHECK(with_times.bytes == reference.bytes);
    // And the interval matters here at all: the old behaviour (interval 1/30 s on the same timed
    // frames) sends different bytes.
    const auto prof = ok::profile_trace(timed, at30.calibration_fraction);
    ok::server_policy old_server(ok::offload_model{at30.deadline, at30.server_time, at30.network_latency, prof.server_accuracy},
                                 1.0 / 30.0);
    ok::true_bandwidth est;
    const auto old = ok::simulate(timed, prof.split, timed.size(), old_server, est, at30);
    CHECK(old.bytes != reference.bytes);
}

namespace {
// The first n frames of the bundled Fashion-MNIST trace (it has true_label and npu_logit@0..9).
ok::trace fashion_head(std::size_t n) {
    const auto t = ok::read_trace(std::string(OFFLOADKIT_SOURCE_DIR) + "/examples/data/fashion_mnist_trace.csv");
    const std::size_t m = t.num_resolutions();
    const std::size_t k = t.num_classes;
    ok::trace s = t;
    s.arrival.resize(n);
    s.confidence.resize(n);
    s.npu_correct.resize(n);
    s.bytes.resize(n * m);
    s.server_correct.resize(n * m);
    s.npu_time.resize(std::min(n, t.npu_time.size()));
    s.compress_correct.resize(std::min(n, t.compress_correct.size()));
    s.compress_time.resize(std::min(n, t.compress_time.size()));
    s.true_label.resize(n);
    s.npu_logits.resize(n * k);
    ok::validate_trace(s);
    return s;
}

ok::trace without_scores(ok::trace t) {
    t.num_classes = 0;
    t.true_label.clear();
    t.npu_logits.clear();
    return t;
}

// Same decisions frame by frame (resolution, timing, realised correctness).
void check_same_run(const ok::sim_result& a, const ok::sim_result& b) {
    REQUIRE(a.log.size() == b.log.size());
    for (std::size_t i = 0; i < a.log.size(); ++i) {
        CHECK(a.log[i].resolution == b.log[i].resolution);
        CHECK(a.log[i].decided_at == b.log[i].decided_at);
        CHECK(a.log[i].correct == b.log[i].correct);
        CHECK(a.log[i].late == b.log[i].late);
    }
    CHECK(a.accuracy == b.accuracy);
    CHECK(a.bytes == b.bytes);
}
}  // namespace

TEST_CASE("per-class calibration (CBO Fig. 6) in the offloading path: one mechanism for both kinds") {
    const auto tr = fashion_head(900);
    ok::sim_options o;
    o.calibration_fraction = 0.3;
    const std::size_t split = ok::profile_trace(tr, o.calibration_fraction).split;
    const auto platt = ok::fit_trace_calibrator(tr, split);
    const auto any_platt = ok::fit_trace_calibrator(tr, split, ok::calibration_kind::platt);
    CHECK(*any_platt.target<ok::platt_calibrator>() == platt);
    const auto any_ovr = ok::fit_trace_calibrator(tr, split, ok::calibration_kind::one_vs_rest);
    const auto& ovr = *any_ovr.target<ok::one_vs_rest_calibrator>();
    CHECK(ovr == ok::one_vs_rest_calibrator::fit(std::span<const double>(tr.npu_logits).first(split * 10), 10,
                                                 std::span<const std::int32_t>(tr.true_label).first(split)));
    // The scalar path is unchanged by the trace's scores and by wrapping the calibrator.
    const auto plain = without_scores(tr);
    for (const auto kind : {ok::policy_kind::cbo, ok::policy_kind::optimal}) {
        const auto ref = ok::run_policy(kind, plain, platt, o);
        check_same_run(ok::run_policy(kind, tr, platt, o), ref);
        check_same_run(ok::run_policy(kind, tr, any_platt, o), ref);
    }
    check_same_run(ok::run_threshold(tr, any_platt, o, 0.7), ok::run_threshold(plain, platt, o, 0.7));
    // The vector path equals the scalar path over the confidences computed beforehand:
    // C(p_i) = one-vs-rest's P(top-1 right) from frame i's logits, fed as the raw confidence of an
    // identity-calibrated run on the same trace without scores.
    auto pre = plain;
    for (std::size_t i = 0; i < tr.size(); ++i) {
        pre.confidence[i] = std::clamp(ovr(tr.scores_of(i)), 0.0, 1.0);
    }
    const ok::identity_calibrator id;
    for (const auto order : {ok::cbo_order::confidence, ok::cbo_order::arrival}) {
        check_same_run(ok::run_policy(ok::policy_kind::cbo, tr, ovr, o, ok::true_bandwidth{}, order),
                       ok::run_policy(ok::policy_kind::cbo, pre, id, o, ok::true_bandwidth{}, order));
        check_same_run(ok::run_policy(ok::policy_kind::cbo, tr, any_ovr, o, ok::true_bandwidth{}, order),
                       ok::run_policy(ok::policy_kind::cbo, pre, id, o, ok::true_bandwidth{}, order));
    }
    check_same_run(ok::run_policy(ok::policy_kind::optimal, tr, ovr, o),
                   ok::run_policy(ok::policy_kind::optimal, pre, id, o));
    check_same_run(ok::run_threshold(tr, ovr, o, 0.8), ok::run_threshold(pre, id, o, 0.8));
    const auto a = ok::threshold_unconstrained(tr, split, tr.size(), ovr, 0.8, 4);
    CHECK(a == ok::threshold_unconstrained(pre, split, tr.size(), id, 0.8, 4));
    // A vector calibrator on a trace without scores: a clear error before any run.
    const std::string no_scores = "the calibrator reads each frame's score vector (CBO Fig. 6) but the trace has no "
                                  "true_label and npu_logit@0..K-1 columns (docs/trace-format.md)";
    CHECK_THROWS_WITH_AS((void)ok::run_policy(ok::policy_kind::cbo, plain, ovr, o), ("run_policy: " + no_scores).c_str(),
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::run_threshold(plain, any_ovr, o, 0.5), ("run_threshold: " + no_scores).c_str(),
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::fit_trace_calibrator(plain, split, ok::calibration_kind::one_vs_rest),
                         "fit_trace_calibrator: calibrator 'ovr' (CBO Fig. 6) needs the trace's true_label and "
                         "npu_logit@0..K-1 columns (docs/trace-format.md)",
                         ok::invalid_argument);
    CHECK(ok::parse_calibration_kind("ovr") == ok::calibration_kind::one_vs_rest);
    CHECK(ok::parse_calibration_kind("platt") == ok::calibration_kind::platt);
    CHECK(ok::parse_calibration_kind("isotonic") == ok::calibration_kind::isotonic);
    CHECK(!ok::parse_calibration_kind("Platt"));
}

namespace offline_plan_constant_rate_test {

// offline_plan precomputes bytes / rate and the arrivals for a constant bandwidth (issue 20); a
// two-piece bandwidth trace whose second piece starts after the last deadline goes through
// bandwidth_trace::finish() with the same rate instead. Both must give the same plan, choice for
// choice (the same arithmetic), near saturation where the DP's lists are long and ties are many.
TEST_CASE("offline_plan: the constant-rate path equals bandwidth_trace::finish choice for choice") {
    std::size_t offloaded = 0;
    for (const std::uint64_t seed : {3U, 11U, 29U}) {
        ok::synthetic_trace_options so;
        so.frames = 300;
        so.seed = seed;
        so.with_arrival = seed != 3U;
        const ok::trace tr = ok::make_synthetic_trace(so);
        const auto gain = [&](std::size_t i, std::size_t r) {
            return so.server_accuracy[r] - static_cast<double>(tr.npu_correct[i]) * 0.5 - 0.1;
        };
        for (const double mbps : {3.0, 6.0, 9.0}) {
            for (const double latency : {0.0, 0.05}) {
                for (const double local : {0.0, 0.012}) {
                    ok::sim_options o;
                    o.network_latency = latency;
                    o.local_time = local;
                    o.bandwidth = ok::bandwidth_trace(mbps * 125000.0);
                    const std::vector<int> fast = ok::offline_plan(tr, 0, tr.size(), o, gain);
                    o.bandwidth = ok::bandwidth_trace({0.0, 1e6}, {mbps * 125000.0, mbps * 125000.0});
                    REQUIRE_FALSE(o.bandwidth.constant());
                    const std::vector<int> general = ok::offline_plan(tr, 0, tr.size(), o, gain);
                    CAPTURE(seed);
                    CAPTURE(mbps);
                    CAPTURE(latency);
                    CAPTURE(local);
                    CHECK(fast == general);
                    offloaded += static_cast<std::size_t>(std::count_if(fast.begin(), fast.end(), [](int c) { return c >= 0; }));
                }
            }
        }
    }
    CHECK(offloaded > 1000);  // not vacuous: most settings offload many frames
}

}  // namespace offline_plan_constant_rate_test
