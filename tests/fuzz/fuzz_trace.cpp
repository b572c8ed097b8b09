// Fuzz target: the trace CSV parser (sim/trace.hpp, docs/trace-format.md) followed by a short
// replay of the trace through the simulator with every policy (CBO §V).
//
// Either parse_trace() throws offloadkit::invalid_argument, or:
//  - the trace passes validate_trace() and to_csv() writes text that parses back to the same trace;
//  - its first <= 64 frames (with at least 4, so both parts of the 30 % split are non-empty) run
//    through evaluate_trace() for every policy_kind under two settings with the true, constant
//    bandwidth, and each run is a feasible schedule: transfers start at or after their frame's
//    arrival and never overlap on the uplink (FCFS, one at a time), finish at start + bytes / B,
//    `late` is exactly the on-time test of docs/offloading.md, realised correctness follows the
//    rule of docs/trace-format.md, the totals match the log, and — since every policy only sends
//    a transfer it knows to be on time when its bandwidth estimate is the truth — no run has a
//    deadline miss;
//  - Oracle (the offline optimum of realised correctness) is correct on at least as many frames
//    as every other policy, and Optimal (the offline optimum of CBO's own objective) scores at
//    least as much as every other policy on that objective (model_accuracy, sim/sweep.hpp);
//  - with per-class scores (true_label, npu_logit@k), CBO and Optimal driven by a vector
//    calibrator (top1_calibrator over the fitted Platt, CBO Fig. 6's interface) are consistent
//    and on time, and Optimal's objective is at least CBO's;
//  - a run with an estimated bandwidth (harmonic mean) is consistent in the same way, except that
//    it may miss deadlines.
// Anything else (another exception, a violated property) aborts.
#include <offloadkit/calibration/vector.hpp>
#include <offloadkit/estimators/bandwidth.hpp>
#include <offloadkit/sim/simulator.hpp>
#include <offloadkit/sim/sweep.hpp>
#include <offloadkit/sim/trace.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_support.hpp"

namespace ok = offloadkit;

namespace {

constexpr std::size_t max_frames = 64;

ok::trace first_frames(const ok::trace& t, std::size_t n) {
    if (t.size() <= n) {
        return t;
    }
    const std::size_t m = t.num_resolutions();
    ok::trace s;
    s.resolutions = t.resolutions;
    if (!t.arrival.empty()) {
        s.arrival.assign(t.arrival.begin(), t.arrival.begin() + static_cast<std::ptrdiff_t>(n));
    }
    s.confidence.assign(t.confidence.begin(), t.confidence.begin() + static_cast<std::ptrdiff_t>(n));
    s.npu_correct.assign(t.npu_correct.begin(), t.npu_correct.begin() + static_cast<std::ptrdiff_t>(n));
    s.bytes.assign(t.bytes.begin(), t.bytes.begin() + static_cast<std::ptrdiff_t>(n * m));
    s.server_correct.assign(t.server_correct.begin(), t.server_correct.begin() + static_cast<std::ptrdiff_t>(n * m));
    if (t.has_scores()) {  // CBO Fig. 6's per-class scores (true_label, npu_logit@k)
        s.num_classes = t.num_classes;
        s.true_label.assign(t.true_label.begin(), t.true_label.begin() + static_cast<std::ptrdiff_t>(n));
        s.npu_logits.assign(t.npu_logits.begin(),
                            t.npu_logits.begin() + static_cast<std::ptrdiff_t>(n * t.num_classes));
    }
    return s;
}

/// The schedule a run produced is feasible and consistent with the trace; returns the number of
/// frames it got right.
std::size_t check_run(const ok::trace& t, const ok::sim_result& r, const ok::sim_options& o, std::size_t first,
                      bool exact_bandwidth, ok::policy_kind kind) {
    const std::size_t n = t.size();
    const std::size_t m = t.num_resolutions();
    FUZZ_CHECK(r.frames == n - first);
    FUZZ_CHECK(r.log.size() == r.frames);
    const double rate = o.bandwidth.at(0.0);
    std::size_t correct = 0;
    std::size_t sent = 0;
    std::size_t late = 0;
    double bytes = 0.0;
    std::vector<std::pair<double, double>> transfers;  // (start, finish)
    for (std::size_t k = 0; k < r.log.size(); ++k) {
        const auto& lg = r.log[k];
        const std::size_t i = first + k;
        FUZZ_CHECK(lg.frame == i);
        const double arrival = ok::detail::arrival_of(t, i, o);
        FUZZ_CHECK(lg.arrival == arrival);
        FUZZ_CHECK(lg.resolution >= -1 && lg.resolution < static_cast<int>(m));
        FUZZ_CHECK(lg.decided_at >= arrival);
        if (lg.resolution < 0) {
            FUZZ_CHECK(!lg.late);
            FUZZ_CHECK(lg.correct == (t.npu_correct[i] != 0));
        } else {
            FUZZ_CHECK(kind != ok::policy_kind::local);
            const auto res = static_cast<std::size_t>(lg.resolution);
            ++sent;
            bytes += t.bytes[i * m + res];
            FUZZ_CHECK(lg.start == lg.decided_at && lg.start >= arrival);
            FUZZ_CHECK(lg.finish == lg.start + t.bytes[i * m + res] / rate);
            transfers.emplace_back(lg.start, lg.finish);
            const bool on_time = lg.finish + o.server_time + o.network_latency <= arrival + o.deadline;
            FUZZ_CHECK(lg.late == !on_time);
            FUZZ_CHECK(lg.correct == (lg.late ? t.npu_correct[i] != 0 : t.server_correct_at(i, res)));
            late += lg.late ? 1 : 0;
        }
        correct += lg.correct ? 1 : 0;
    }
    // one transfer at a time on the uplink (CBO may send a later frame first: sort by start)
    std::sort(transfers.begin(), transfers.end());
    for (std::size_t k = 1; k < transfers.size(); ++k) {
        FUZZ_CHECK(transfers[k].first >= transfers[k - 1].second);
    }
    FUZZ_CHECK(r.deadline_misses == late);
    if (exact_bandwidth) {
        FUZZ_CHECK(r.deadline_misses == 0);
    }
    FUZZ_CHECK(r.bytes == bytes || std::fabs(r.bytes - bytes) <= 1e-12 * bytes);
    const double frames = static_cast<double>(r.frames);
    FUZZ_CHECK(r.accuracy == static_cast<double>(correct) / frames);
    FUZZ_CHECK(r.offloaded == static_cast<double>(sent) / frames);
    FUZZ_CHECK(r.accuracy >= 0.0 && r.accuracy <= 1.0 && r.offloaded >= 0.0 && r.offloaded <= 1.0);
    return correct;
}

void replay(const ok::trace& t, const ok::sim_options& o) {
    const ok::trace_profile prof = ok::profile_trace(t, o.calibration_fraction);
    const ok::platt_calibrator cal = ok::fit_trace_calibrator(t, prof.split);
    for (std::size_t i = 0; i < t.size(); ++i) {
        const double p = cal(t.confidence[i]);
        FUZZ_CHECK(p >= 0.0 && p <= 1.0);
    }
    std::array<std::size_t, ok::all_policy_kinds.size()> correct{};
    std::array<double, ok::all_policy_kinds.size()> objective{};
    for (std::size_t k = 0; k < ok::all_policy_kinds.size(); ++k) {
        const ok::policy_kind kind = ok::all_policy_kinds[k];
        const ok::sim_result r = ok::evaluate_trace(kind, t, o);
        FUZZ_CHECK(r.policy == ok::policy_name(kind));
        correct[k] = check_run(t, r, o, prof.split, true, kind);
        objective[k] = ok::model_accuracy(t, r, prof.server_accuracy, cal);
        FUZZ_CHECK(objective[k] >= 0.0 && objective[k] <= 1.0);
    }
    const auto index_of = [](ok::policy_kind kind) {
        return static_cast<std::size_t>(std::find(ok::all_policy_kinds.begin(), ok::all_policy_kinds.end(), kind) -
                                        ok::all_policy_kinds.begin());
    };
    const std::size_t oracle = index_of(ok::policy_kind::oracle);
    const std::size_t optimal = index_of(ok::policy_kind::optimal);
    for (std::size_t k = 0; k < ok::all_policy_kinds.size(); ++k) {
        FUZZ_CHECK(correct[oracle] >= correct[k]);
        FUZZ_CHECK(objective[optimal] >= objective[k] - 1e-12);
    }
    // A vector calibrator (CBO Fig. 6) on the trace's scores: a consistent, on-time run whose
    // objective Optimal (with the same calibrator) does not beat by less than nothing.
    if (t.has_scores()) {
        const ok::top1_calibrator<ok::platt_calibrator> top1(cal);
        for (std::size_t i = 0; i < t.size(); ++i) {
            const double p = ok::calibrated_confidence(top1, t.confidence[i], t.scores_of(i));
            FUZZ_CHECK(p >= 0.0 && p <= 1.0);
        }
        const ok::sim_result v = ok::run_policy(ok::policy_kind::cbo, t, top1, o);
        (void)check_run(t, v, o, prof.split, true, ok::policy_kind::cbo);
        const ok::sim_result vo = ok::run_policy(ok::policy_kind::optimal, t, top1, o);
        (void)check_run(t, vo, o, prof.split, true, ok::policy_kind::optimal);
        FUZZ_CHECK(ok::model_accuracy(t, vo, prof.server_accuracy, top1) >=
                   ok::model_accuracy(t, v, prof.server_accuracy, top1) - 1e-12);
    }
    // An estimated bandwidth: consistent, misses allowed.
    const ok::sim_result est = ok::evaluate_trace(ok::policy_kind::cbo, t, o, ok::harmonic_mean_estimator(3, 1e5));
    (void)check_run(t, est, o, prof.split, false, ok::policy_kind::cbo);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    ok::trace parsed;
    try {
        parsed = ok::parse_trace(text);
    } catch (const ok::invalid_argument&) {
        return 0;
    }
    ok::validate_trace(parsed);  // what the parser accepts is a valid trace (must not throw)
    FUZZ_CHECK(ok::parse_trace(ok::to_csv(parsed)) == parsed);

    const ok::trace t = first_frames(parsed, max_frames);
    if (t.size() < 4) {
        return 0;
    }
    ok::sim_options paper;  // CBO §V: T 200 ms, T^o 37 ms, L 100 ms, 30 fps, 5 Mbps
    replay(t, paper);
    ok::sim_options fast;
    fast.deadline = 0.1;
    fast.server_time = 0.01;
    fast.network_latency = 0.02;
    fast.fps = 10.0;
    fast.use_trace_arrivals = false;
    fast.bandwidth = ok::bandwidth_trace(6.25e6);  // 50 Mbps
    fast.calibration_fraction = 0.5;
    replay(t, fast);
    return 0;
}
