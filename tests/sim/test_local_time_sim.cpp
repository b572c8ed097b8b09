// Issue 15 §2 in the simulator: frames join the window when their local result is known (one NPU,
// frames in arrival order), deadlines stay arrival + T. Checked by hand-worked ready times, by the
// fact that no transfer starts before its frame is ready, and by the slack bound T - T^o - L.
#include <offloadkit/sim/simulator.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <vector>

#include <offloadkit/sim/synthetic.hpp>
#include <offloadkit/sim/trace.hpp>

namespace ok = offloadkit;

namespace {
ok::trace small_trace(std::vector<double> arrival) {
    ok::trace tr;
    tr.resolutions = {"a"};
    for (const double a : arrival) {
        tr.arrival.push_back(a);
        tr.confidence.push_back(0.5);
        tr.npu_correct.push_back(0);
        tr.bytes.push_back(1000.0);
        tr.server_correct.push_back(1);
    }
    return tr;
}
}  // namespace

TEST_CASE("ready_times: one NPU in arrival order, worked by hand") {
    ok::sim_options o;
    o.local_time = 0.03;
    // Two frames together, then one 100 ms later: the second waits for the NPU.
    auto r = ok::ready_times(small_trace({0.0, 0.0, 0.1}), 0, 3, o);
    CHECK(r[0] == doctest::Approx(0.03));
    CHECK(r[1] == doctest::Approx(0.06));
    CHECK(r[2] == doctest::Approx(0.13));
    // A local time longer than the frame interval is handled by queueing, not rejected.
    o.local_time = 0.05;
    r = ok::ready_times(small_trace({0.0, 0.03, 0.06}), 0, 3, o);
    CHECK(r[0] == doctest::Approx(0.05));
    CHECK(r[1] == doctest::Approx(0.10));
    CHECK(r[2] == doctest::Approx(0.15));
    // Zero local time: the arrivals, bit for bit.
    o.local_time = 0.0;
    r = ok::ready_times(small_trace({0.0, 0.0, 0.1}), 0, 3, o);
    CHECK(r == std::vector<double>{0.0, 0.0, 0.1});
    // The trace's own npu_time_s when asked for.
    auto tr = small_trace({0.0, 0.1});
    tr.npu_time = {0.02, 0.01};
    o.use_trace_local_time = true;
    o.local_time = 0.5;  // not used
    r = ok::ready_times(tr, 0, 2, o);
    CHECK(r[0] == doctest::Approx(0.02));
    CHECK(r[1] == doctest::Approx(0.11));
}

TEST_CASE("simulate with local time: no transfer before its frame is ready, none late, slack used up -> local") {
    ok::synthetic_trace_options so;
    so.frames = 900;
    so.seed = 15;
    so.with_arrival = true;
    const ok::trace tr = ok::make_synthetic_trace(so);
    for (const double l : {0.0, 0.01, 0.028, 0.05}) {
        CAPTURE(l);
        ok::sim_options o;
        o.local_time = l;
        for (const auto kind : ok::all_policy_kinds) {
            CAPTURE(ok::policy_name(kind));
            const auto r = ok::evaluate_trace(kind, tr, o, ok::true_bandwidth{}, ok::cbo_order::arrival);
            CHECK(r.deadline_misses == 0);
            for (const auto& f : r.log) {
                CHECK(f.ready >= f.arrival + l - 1e-12);
                if (f.resolution >= 0) {
                    CHECK(f.start >= f.ready);
                }
            }
        }
    }
    // T - T^o - L = 63 ms: with 63 ms of local time nothing can be offloaded in time any more.
    ok::sim_options o;
    o.local_time = 0.063;
    const auto local = ok::evaluate_trace(ok::policy_kind::local, tr, o);
    for (const auto kind : {ok::policy_kind::cbo, ok::policy_kind::fastva, ok::policy_kind::optimal,
                            ok::policy_kind::oracle, ok::policy_kind::server}) {
        const auto r = ok::evaluate_trace(kind, tr, o);
        CHECK(r.offloaded == 0.0);
        CHECK(r.accuracy == local.accuracy);
    }
}

TEST_CASE("simulate with local time: the offline optimum with local time never beats the one without") {
    // Local time only delays transfers: every plan feasible with it is feasible without it.
    ok::synthetic_trace_options so;
    so.frames = 600;
    so.seed = 28;
    const ok::trace tr = ok::make_synthetic_trace(so);
    ok::sim_options o;
    const auto gain = [&](std::size_t i, std::size_t r) {
        return static_cast<double>(tr.server_correct_at(i, r)) - static_cast<double>(tr.npu_correct[i]);
    };
    double prev = static_cast<double>(tr.size()) + 1.0;
    for (const double l : {0.0, 0.01, 0.02, 0.04}) {
        o.local_time = l;
        const auto plan = ok::offline_plan(tr, 0, tr.size(), o, gain);
        double objective = 0.0;
        for (std::size_t i = 0; i < plan.size(); ++i) {
            objective += plan[i] >= 0 ? gain(i, static_cast<std::size_t>(plan[i])) : 0.0;
        }
        CAPTURE(l);
        CHECK(objective <= prev);
        prev = objective;
    }
    CHECK(prev > 0.0);  // not vacuous: frames are still gained at 40 ms
}

TEST_CASE("simulate with local time: bad settings are rejected naming the value") {
    ok::sim_options o;
    o.local_time = -0.001;
    try {
        (void)ok::ready_times(small_trace({0.0}), 0, 1, o);
        FAIL("no exception");
    } catch (const ok::invalid_argument& e) {
        CHECK(std::string(e.what()).find("local_time is -0.001") != std::string::npos);
    }
}

TEST_CASE("trace: npu_time_s and compress columns round-trip and are validated") {
    const std::string csv =
        "npu_confidence,npu_correct,bytes@a,server_correct@a,npu_time_s,compress_correct,compress_time_s\n"
        "0.5,1,100,0,0.028,1,0.06\n"
        "0.75,0,200,1,0.03,0,0.061\n";
    const ok::trace t = ok::parse_trace(csv);
    CHECK(t.npu_time == std::vector<double>{0.028, 0.03});
    CHECK(t.compress_correct == std::vector<std::uint8_t>{1, 0});
    CHECK(t.compress_time == std::vector<double>{0.06, 0.061});
    CHECK(ok::parse_trace(ok::to_csv(t)) == t);
    CHECK_THROWS_WITH_AS((void)ok::parse_trace("npu_confidence,npu_correct,bytes@a,server_correct@a,npu_time_s\n"
                                               "0.5,1,100,0,-1\n"),
                         doctest::Contains("('npu_time_s'): -1"), ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::parse_trace("npu_confidence,npu_correct,bytes@a,server_correct@a,compress_correct\n"
                                               "0.5,1,100,0,1\n"),
                         doctest::Contains("compress_time_s"), ok::invalid_argument);
}

TEST_CASE("run_compress: FastVA over the compressed model's answers and local time (CBO §V-A Compress)") {
    ok::synthetic_trace_options so;
    so.frames = 900;
    so.seed = 9;
    ok::trace tr = ok::make_synthetic_trace(so);
    CHECK_THROWS_WITH_AS((void)ok::run_compress(tr, ok::sim_options{}), doctest::Contains("no compress_correct"),
                         ok::invalid_argument);
    // The compressed model answering exactly as the NPU, instantly: Compress is FastVA.
    tr.compress_correct = tr.npu_correct;
    tr.compress_time.assign(tr.size(), 0.0);
    ok::sim_options o;
    const auto fastva = ok::evaluate_trace(ok::policy_kind::fastva, tr, o);
    auto c = ok::run_compress(tr, o);
    CHECK(c.policy == "compress");
    CHECK(c.accuracy == fastva.accuracy);
    CHECK(c.bytes == fastva.bytes);
    // With 28 ms on the CPU it is FastVA with a 28 ms local time.
    tr.compress_time.assign(tr.size(), 0.028);
    o.local_time = 0.028;
    const auto fastva28 = ok::evaluate_trace(ok::policy_kind::fastva, tr, o);
    o.local_time = 0.0;
    c = ok::run_compress(tr, o);
    CHECK(c.accuracy == fastva28.accuracy);
    CHECK(c.bytes == fastva28.bytes);
    // A better compressed model (always right) scores at least as well as the NPU-backed FastVA.
    tr.compress_correct.assign(tr.size(), 1);
    CHECK(ok::run_compress(tr, o).accuracy >= fastva28.accuracy);
}
