#ifndef OFFLOADKIT_SIM_SWEEP_HPP
#define OFFLOADKIT_SIM_SWEEP_HPP

/**
 * @file
 * @brief Parameter sweeps of the trace workflow (CBO §V-B, Fig. 11-14): every policy at every
 *        value of the uplink bandwidth, the frame rate or the network latency, one run_policy() per
 *        (policy, value); plus the model value of a run (what CBO's objective, eq. (1),
 *        says a realised schedule is worth), which compares CBO with Optimal on their own terms.
 *
 * Units are the library's: bandwidth in bytes/s, frame rate in frames/s, latency in seconds.
 * Tools convert their display units (Mbps, ms) before calling.
 */

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../concepts.hpp"
#include "../error.hpp"
#include "../offload/schedule.hpp"
#include "simulator.hpp"
#include "trace.hpp"

namespace offloadkit {

/// The swept parameter: uplink bandwidth (CBO Fig. 11), frame rate (Fig. 12), latency (Fig. 13),
/// and the NPU's own inference time per frame (issue 15 §2; CBO Table III measures 28 ms).
enum class sweep_axis { bandwidth, fps, latency, local_time };

/// The name used on command lines and in JSON: "bandwidth", "fps", "latency", "local-time".
[[nodiscard]] constexpr std::string_view sweep_axis_name(sweep_axis a) noexcept {
    switch (a) {
        case sweep_axis::bandwidth: return "bandwidth";
        case sweep_axis::fps: return "fps";
        case sweep_axis::latency: return "latency";
        case sweep_axis::local_time: return "local-time";
    }
    return "?";
}

/// The sweep_axis named `name` (see sweep_axis_name()), or nullopt.
[[nodiscard]] constexpr std::optional<sweep_axis> parse_sweep_axis(std::string_view name) noexcept {
    for (const auto a : {sweep_axis::bandwidth, sweep_axis::fps, sweep_axis::latency, sweep_axis::local_time}) {
        if (sweep_axis_name(a) == name) {
            return a;
        }
    }
    return std::nullopt;
}

/**
 * @brief `base` with the swept parameter set to `value`.
 *
 * - bandwidth: a constant true bandwidth of `value` bytes/s (>= 0; 0 sends nothing);
 * - fps: `fps = value` (> 0) and `use_trace_arrivals = false`, so frame i arrives at i / value
 *   (CBO §V-A changes the videos' frame rate by re-encoding; a trace's recorded arrival times
 *   would otherwise keep the old rate);
 * - latency: `network_latency = value` seconds (>= 0);
 * - local_time: `local_time = value` seconds (finite, >= 0) and `use_trace_local_time = false`.
 * @throws offloadkit::invalid_argument for a value outside those ranges or not finite, or an
 *         `axis` that is not a sweep_axis value (it used to return `base` unchanged).
 * O(1) besides copying `base`.
 */
template <class = void>
[[nodiscard]] inline sim_options at_sweep_point(const sim_options& base, sweep_axis axis, double value) {
    constexpr std::string_view fn = "at_sweep_point";
    detail::require(static_cast<unsigned>(axis) <= static_cast<unsigned>(sweep_axis::local_time), fn, "axis is ",
                    static_cast<long long>(axis), ", not a sweep_axis value");
    sim_options o = base;
    switch (axis) {
        case sweep_axis::bandwidth:
            detail::require_non_negative(value, fn, "value");
            o.bandwidth = bandwidth_trace(value);
            break;
        case sweep_axis::fps:
            detail::require_positive(value, fn, "value");
            o.fps = value;
            o.use_trace_arrivals = false;
            break;
        case sweep_axis::latency:
            detail::require_non_negative(value, fn, "value");
            o.network_latency = value;
            break;
        case sweep_axis::local_time:
            detail::require(std::isfinite(value) && value >= 0.0, fn, "value is ", value,
                            ", expected a finite number >= 0");
            o.local_time = value;
            o.use_trace_local_time = false;
            break;
    }
    return o;
}

/// One point of a sweep: a policy at one value of the swept parameter.
struct sweep_row {
    policy_kind policy = policy_kind::local;
    double value = 0.0;   ///< the swept parameter (bytes/s, frames/s or s)
    sim_result result;    ///< totals; `result.log` is empty with no capacity (a sweep keeps no per-frame logs)
};

/// The estimator factory sweep() uses by default: the true bandwidth (CBO's known-B setting).
struct true_bandwidth_factory {
    [[nodiscard]] true_bandwidth operator()(const sim_options&) const noexcept { return {}; }
};

/**
 * @brief Runs every policy of `kinds` at every value of `values` (run_policy() on the trace
 *        workflow: profile [0, split), evaluate the rest), policy-major — all values of kinds[0],
 *        then of kinds[1], ... — and hands each finished row to `on_row` at once, so a caller can
 *        stream results (print them, draw progress) without keeping them.
 *
 * Memory: at most one run's per-frame log is alive at any time. Each row's log is released
 * (storage freed, not just emptied: `log = {}` keeps the capacity) before `on_row` sees the row, so
 * the peak is that of the largest single run_policy() on the trace plus the rows the caller keeps.
 * @param cal the calibrator CBO and Optimal use (e.g. fit_trace_calibrator()).
 * @param base the settings that are not swept.
 * @param on_row called as `on_row(const sweep_row&)` after each run, row.result.log empty with no
 *        capacity.
 * @param make_estimator called with each point's sim_options, returns the bandwidth_estimator the
 *        online policies see at that point (e.g. one seeded with that point's true bandwidth).
 * @throws offloadkit::invalid_argument as at_sweep_point() and run_policy(). Every value is
 *         checked (at_sweep_point()) before the first run, so a bad value throws before any row
 *         is produced; an exception from `on_row` propagates and stops the sweep.
 * Complexity: kinds x values runs of run_policy().
 */
template <frame_calibrator C, class OnRow, class MakeEstimator = true_bandwidth_factory>
    requires std::invocable<OnRow&, const sweep_row&> &&
             bandwidth_estimator<std::invoke_result_t<MakeEstimator&, const sim_options&>>
void sweep_each(const trace& tr, const C& cal, const sim_options& base, sweep_axis axis, std::span<const double> values,
                std::span<const policy_kind> kinds, OnRow&& on_row, MakeEstimator make_estimator = {},
                cbo_order order = cbo_order::confidence) {
    for (std::size_t k = 0; k < values.size(); ++k) {
        detail::require(std::isfinite(values[k]), "sweep", detail::arg_at{"values", k}, " is ", values[k]);
        (void)at_sweep_point(base, axis, values[k]);
    }
    for (const auto kind : kinds) {
        for (const double v : values) {
            const sim_options o = at_sweep_point(base, axis, v);
            sweep_row row{kind, v, run_policy(kind, tr, cal, o, make_estimator(o), order)};
            std::vector<frame_outcome>().swap(row.result.log);  // free the storage, not just the size
            on_row(std::as_const(row));
        }
    }
}

/**
 * @brief sweep_each() collecting the rows: kinds.size() x values.size() rows without per-frame
 *        logs (each row's log storage is freed as soon as its run ends), policy-major.
 * @param cal the calibrator CBO and Optimal use (e.g. fit_trace_calibrator()).
 * @param base the settings that are not swept.
 * @param make_estimator as sweep_each().
 * @return the rows; nothing is returned half-done (the first failing point throws).
 * @throws offloadkit::invalid_argument as sweep_each().
 * @code
 * const std::vector<double> bytes_per_s{0, 125e3, 625e3, 5e6};
 * auto rows = ok::sweep(tr, ok::fit_trace_calibrator(tr, 3000), ok::sim_options{},
 *                       ok::sweep_axis::bandwidth, bytes_per_s, ok::all_policy_kinds);
 * @endcode
 * Complexity: kinds x values runs of run_policy(); memory as sweep_each() plus the rows.
 */
template <frame_calibrator C, class MakeEstimator = true_bandwidth_factory>
    requires bandwidth_estimator<std::invoke_result_t<MakeEstimator&, const sim_options&>>
[[nodiscard]] std::vector<sweep_row> sweep(const trace& tr, const C& cal, const sim_options& base, sweep_axis axis,
                                           std::span<const double> values, std::span<const policy_kind> kinds,
                                           MakeEstimator make_estimator = {},
                                           cbo_order order = cbo_order::confidence) {
    std::vector<sweep_row> rows;
    rows.reserve(kinds.size() * values.size());
    sweep_each(
        tr, cal, base, axis, values, kinds, [&](const sweep_row& row) { rows.push_back(row); },
        std::move(make_estimator), order);
    return rows;
}

/// The sweep overload for any contiguous range of policy kinds (e.g. all_policy_kinds).
template <frame_calibrator C, class Kinds, class MakeEstimator = true_bandwidth_factory>
    requires std::convertible_to<const Kinds&, std::span<const policy_kind>> &&
             bandwidth_estimator<std::invoke_result_t<MakeEstimator&, const sim_options&>>
[[nodiscard]] std::vector<sweep_row> sweep(const trace& tr, const C& cal, const sim_options& base, sweep_axis axis,
                                           std::span<const double> values, const Kinds& kinds,
                                           MakeEstimator make_estimator = {},
                                           cbo_order order = cbo_order::confidence) {
    return sweep(tr, cal, base, axis, values, std::span<const policy_kind>(kinds), std::move(make_estimator), order);
}

/**
 * @brief The model value of a simulated run, per evaluated frame: the mean over the run's frames
 *        of A^o_r for a frame offloaded at r and back on time, and clamp(cal(confidence), 0, 1) for
 *        every other frame (local, or late) — eq. (1) with the calibrated confidence as
 *        A^npu_{p_i} (§IV-B), i.e. what CBO and Optimal maximize. Optimal's value is >= every
 *        online policy's value with the same calibrator, settings and true bandwidth (it is the
 *        offline maximum of this sum); realised accuracy (sim_result::accuracy) has no such order.
 * @param res a run of simulate()/run_policy() on `tr` with its per-frame log.
 * @param server_accuracy A^o_r, one per resolution of `tr` (trace_profile::server_accuracy).
 * @return the mean, 0 for a run of no frames.
 * @throws offloadkit::invalid_argument if server_accuracy has the wrong size or a value outside
 *         [0, 1], or a log entry names a row or resolution outside the trace.
 * O(frames).
 */
template <frame_calibrator C>
[[nodiscard]] double model_accuracy(const trace& tr, const sim_result& res, std::span<const double> server_accuracy,
                                    const C& cal) {
    constexpr std::string_view fn = "model_accuracy";
    const std::size_t m = tr.num_resolutions();
    detail::require(server_accuracy.size() == m, fn, "server_accuracy has size ", server_accuracy.size(),
                    ", expected ", m, " (the trace's resolutions)");
    detail::require_unit_interval(server_accuracy, fn, "server_accuracy");
    for (std::size_t k = 0; k < res.log.size(); ++k) {
        const auto& lg = res.log[k];
        detail::require(lg.frame < tr.size() && lg.resolution < static_cast<int>(m), fn, detail::arg_at{"res.log", k},
                        " names frame ", lg.frame, " at resolution ", lg.resolution, " outside the trace");
    }
    if (res.log.empty()) {
        return 0.0;
    }
    double sum = 0.0;
    for (const auto& lg : res.log) {
        if (lg.resolution >= 0 && !lg.late) {
            sum += server_accuracy[static_cast<std::size_t>(lg.resolution)];
        } else {
            sum += calibrated_confidence(cal, tr.confidence[lg.frame], tr.scores_of(lg.frame), "model_accuracy");
        }
    }
    return sum / static_cast<double>(res.log.size());
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_SIM_SWEEP_HPP
