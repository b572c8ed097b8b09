#ifndef OFFLOADKIT_SIM_THRESHOLD_HPP
#define OFFLOADKIT_SIM_THRESHOLD_HPP

/**
 * @file
 * @brief The fixed-threshold study of CBO §III (Fig. 3, 4 and 7) on a trace: the accuracy and the
 *        offload share of "return the NPU result when the confidence is larger than θ, offload
 *        otherwise" against θ, with raw confidence (Fig. 4) or calibrated confidence (Fig. 7a),
 *        and the offload share a target accuracy needs (the paper's reading of Fig. 4 against 7a).
 *        Fig. 7b (accuracy per confidence bin) is metrics/calibration.hpp's calibration_error().
 *
 * Two versions of each point: `unconstrained` is the paper's study as written (no uplink: every
 * frame below θ gets the server's answer at the chosen resolution), and `simulated` runs
 * threshold_policy (offload/policies.hpp) through the simulator, under the same uplink model,
 * deadlines and local time as every other policy (late frames fall back to the local result).
 */

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "../concepts.hpp"
#include "../error.hpp"
#include "../offload/policies.hpp"
#include "simulator.hpp"
#include "trace.hpp"

namespace offloadkit {

/// One θ of the threshold study.
struct threshold_point {
    double theta = 0.0;                ///< θ
    double accuracy = 0.0;             ///< mean realised correctness over the evaluated frames
    double offloaded = 0.0;            ///< share of evaluated frames sent to the server
    std::size_t deadline_misses = 0;   ///< simulated only: offloaded frames whose result was late (0 by design)
    friend bool operator==(const threshold_point&, const threshold_point&) = default;
};

/**
 * @brief CBO §III-A's study as the paper runs it (Fig. 4 / Fig. 7a, no uplink): over frames
 *        [first, last), a frame with C(p) <= θ scores server_correct at `resolution`, every other
 *        one npu_correct.
 * @param cal the calibrator (identity_calibrator: raw confidence, Fig. 4), or a vector calibrator
 *        on the trace's npu_logit@k scores (CBO Fig. 6).
 * @throws offloadkit::invalid_argument for an invalid trace, a vector calibrator on a trace
 *         without scores, a bad range, θ outside [0, 1] or a
 *         resolution outside 0..m-1.
 * O(last - first), no allocation.
 */
template <frame_calibrator C>
[[nodiscard]] threshold_point threshold_unconstrained(const trace& tr, std::size_t first, std::size_t last,
                                                      const C& cal, double theta, std::size_t resolution) {
    constexpr std::string_view fn = "threshold_unconstrained";
    validate_trace(tr, fn);
    detail::require_trace_scores(tr, cal, fn);
    detail::require(first <= last && last <= tr.size(), fn, "frame range [", first, ", ", last,
                    ") is not inside the trace of ", tr.size(), " frames");
    detail::require(theta >= 0.0 && theta <= 1.0, fn, "theta is ", theta, ", expected a value in [0, 1]");
    detail::require(resolution < tr.num_resolutions(), fn, "resolution is ", resolution, ", expected 0..",
                    tr.num_resolutions() - 1);
    threshold_point p;
    p.theta = theta;
    std::size_t right = 0;
    std::size_t sent = 0;
    for (std::size_t i = first; i < last; ++i) {
        const bool off = calibrated_confidence(cal, tr.confidence[i], tr.scores_of(i), fn) <= theta;
        sent += off ? 1 : 0;
        right += (off ? tr.server_correct_at(i, resolution) : tr.npu_correct[i] != 0) ? 1 : 0;
    }
    if (last > first) {
        const auto n = static_cast<double>(last - first);
        p.accuracy = static_cast<double>(right) / n;
        p.offloaded = static_cast<double>(sent) / n;
    }
    return p;
}

/**
 * @brief threshold_policy (CBO §III-A's rule) through the simulator on the evaluated part of a
 *        trace (profile_trace(tr, opt.calibration_fraction): A^o_r from the profile part), with
 *        the run's frame interval for Server's resolution rule (`resolution` = -1).
 * @throws offloadkit::invalid_argument as run_policy() and threshold_policy.
 */
template <frame_calibrator C, bandwidth_estimator E = true_bandwidth>
[[nodiscard]] sim_result run_threshold(const trace& tr, const C& cal, const sim_options& opt, double theta,
                                       int resolution = -1, E estimator = E{}) {
    detail::validate_sim_options(opt, "run_threshold");
    detail::require_trace_scores(tr, cal, "run_threshold");
    const trace_profile prof = profile_trace(tr, opt.calibration_fraction);
    const offload_model model{opt.deadline, opt.server_time, opt.network_latency, prof.server_accuracy};
    threshold_policy<C> p(model, cal, theta, resolution, frame_interval(tr, opt));
    sim_result r = simulate(tr, prof.split, tr.size(), p, estimator, opt);
    r.policy = "threshold";
    return r;
}

/**
 * @brief The simulated threshold study: run_threshold() at every θ of `thetas`.
 * @throws offloadkit::invalid_argument as run_threshold().
 * O(|thetas| x a simulation).
 */
template <frame_calibrator C>
[[nodiscard]] std::vector<threshold_point> threshold_sweep(const trace& tr, const C& cal, const sim_options& opt,
                                                           std::span<const double> thetas, int resolution = -1) {
    std::vector<threshold_point> out;
    out.reserve(thetas.size());
    for (const double theta : thetas) {
        const sim_result r = run_threshold(tr, cal, opt, theta, resolution);
        out.push_back(threshold_point{theta, r.accuracy, r.offloaded, r.deadline_misses});
    }
    return out;
}

/// θ = 0, 0.05, ..., 1: the grid of the demo and offloadkit-sim --sweep theta.
[[nodiscard]] inline std::vector<double> default_theta_grid() {
    std::vector<double> t;
    for (int k = 0; k <= 20; ++k) {
        t.push_back(static_cast<double>(k) / 20.0);
    }
    return t;
}

/**
 * @brief The paper's reading of Fig. 4 against Fig. 7a: the smallest offload share among the
 *        points whose accuracy reaches `target`, or nullopt if none does.
 * O(points), no allocation.
 */
[[nodiscard]] inline std::optional<double> offload_share_for_accuracy(std::span<const threshold_point> points,
                                                                      double target) noexcept {
    std::optional<double> best;
    for (const auto& p : points) {
        if (p.accuracy >= target && (!best || p.offloaded < *best)) {
            best = p.offloaded;
        }
    }
    return best;
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_SIM_THRESHOLD_HPP
