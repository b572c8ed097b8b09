#ifndef OFFLOADKIT_SIM_SIMULATOR_HPP
#define OFFLOADKIT_SIM_SIMULATOR_HPP

/**
 * @file
 * @brief Event-driven replay of a trace through an online offloading policy (CBO §V's
 *        evaluation, trace-driven): frames arrive at their times, the policy sees only the pending
 *        window (offload/policies.hpp, "The online policy protocol"), the uplink is busy while it
 *        sends, the bandwidth follows a piecewise-constant trace the policy only knows through an
 *        estimator. Plus the trace workflow: profile the first part of a trace (A^o_r, mean NPU
 *        accuracy; the calibrator is fitted by the caller on the same part), evaluate the rest.
 *
 * Realised accuracy: a local frame scores npu_correct; an offloaded frame whose result is back by
 * arrival + T scores server_correct at its resolution; a late result counts as the NPU result and
 * is reported as a deadline miss.
 */

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../calibration/isotonic.hpp"
#include "../calibration/one_vs_rest.hpp"
#include "../calibration/platt.hpp"
#include "../calibration/vector.hpp"
#include "../concepts.hpp"
#include "../error.hpp"
#include "../offload/policies.hpp"
#include "../offload/problem.hpp"
#include "../offload/schedule.hpp"
#include "trace.hpp"

namespace offloadkit {

/**
 * @brief A piecewise-constant uplink bandwidth over time: rate[k] bytes/s from time start[k]
 *        until start[k+1] (the last piece lasts forever). A rate of 0 sends nothing.
 */
class bandwidth_trace {
public:
    /// A constant bandwidth (bytes/s, finite, >= 0).
    template <class = void>
    explicit bandwidth_trace(double constant = 625000.0) : start_{0.0}, rate_{constant} {
        detail::require_non_negative(constant, "bandwidth_trace", "constant");
    }

    /**
     * @param start piece start times (s): start[0] == 0, strictly increasing, finite.
     * @param rate bytes/s per piece, finite, >= 0, same size as start.
     * @throws offloadkit::invalid_argument otherwise.
     */
    template <class = void>  // a template: only a caller instantiates it (compile cost, issue 14)
    bandwidth_trace(std::vector<double> start, std::vector<double> rate) : start_(std::move(start)), rate_(std::move(rate)) {
        constexpr std::string_view fn = "bandwidth_trace";
        detail::require_not_empty(start_.size(), fn, "start");
        detail::require_same_size(rate_.size(), start_.size(), fn, "rate", "start");
        detail::require(start_[0] == 0.0, fn, "start[0] is ", start_[0], ", expected 0");
        for (std::size_t k = 0; k < start_.size(); ++k) {
            detail::require(std::isfinite(start_[k]) && (k == 0 || start_[k] > start_[k - 1]), fn,
                            detail::arg_at{"start", k}, " is ", start_[k], ", expected finite and increasing");
            detail::require(std::isfinite(rate_[k]) && rate_[k] >= 0.0, fn, detail::arg_at{"rate", k}, " is ",
                            rate_[k], ", expected a finite number >= 0");
        }
    }

    /// The rate at time t (bytes/s); times before 0 use the first piece. O(log pieces).
    [[nodiscard]] double at(double t) const noexcept { return rate_[piece(t)]; }

    /**
     * @brief When a transfer of `bytes` started at `start` ends (s); +infinity if it never does
     *        (zero rate to the end). Within one piece this is exactly start + bytes / rate, the
     *        expression the policies use, so a correct estimate never misjudges a deadline.
     *        Non-decreasing in start. O(pieces crossed).
     */
    template <class = void>
    [[nodiscard]] double finish(double start, double bytes) const noexcept {
        std::size_t k = piece(start);
        double t = start;
        double left = bytes;
        while (true) {
            const double rate = rate_[k];
            const bool last = k + 1 == start_.size();
            const double end = last ? std::numeric_limits<double>::infinity() : start_[k + 1];
            if (rate > 0.0) {
                const double f = t + left / rate;
                if (f <= end) {
                    return f;
                }
                left -= (end - t) * rate;
            }
            if (last) {
                return std::numeric_limits<double>::infinity();
            }
            t = end;
            ++k;
        }
    }

    /// True when the rate never changes.
    [[nodiscard]] bool constant() const noexcept { return start_.size() == 1; }
    [[nodiscard]] const std::vector<double>& starts() const noexcept { return start_; }
    [[nodiscard]] const std::vector<double>& rates() const noexcept { return rate_; }
    friend bool operator==(const bandwidth_trace&, const bandwidth_trace&) = default;

private:
    [[nodiscard]] std::size_t piece(double t) const noexcept {
        const auto it = std::upper_bound(start_.begin(), start_.end(), t);
        return it == start_.begin() ? 0 : static_cast<std::size_t>(it - start_.begin()) - 1;
    }
    std::vector<double> start_;
    std::vector<double> rate_;
};

/**
 * @brief The "estimator" that knows the truth: the simulator sets it to the true current
 *        bandwidth before each decision (for tests of "estimate == truth" and the paper's
 *        known-B setting). Satisfies bandwidth_estimator.
 */
struct true_bandwidth {
    double value = 0.0;
    void observe(double, double) noexcept {}
    [[nodiscard]] double estimate() const noexcept { return value; }
};

/// Simulator settings (CBO §V defaults: T = 200 ms, T^o = 37 ms, L = 100 ms, 30 fps, 5 Mbps).
struct sim_options {
    double deadline = 0.2;           ///< T (s)
    double server_time = 0.037;      ///< T^o (s)
    double network_latency = 0.1;    ///< L (s)
    double fps = 30.0;               ///< arrivals at index / fps when the trace has no arrival_s (or
                                     ///< use_trace_arrivals is false); the Server baseline's interval is then
                                     ///< 1 / fps too. A trace's own arrival times set both (frame_interval()).
    bool use_trace_arrivals = true;  ///< use arrival_s when present
    bandwidth_trace bandwidth{625000.0};   ///< the true uplink bandwidth (5 Mbps)
    double calibration_fraction = 0.3;     ///< leading part of the trace used for profiling/calibration
    /// The NPU's inference time per frame (s, finite, >= 0; CBO Table III: 28 ms), used when the
    /// trace's npu_time_s is not (use_trace_local_time false, or the column absent). 0 = the
    /// paper's model: a frame can be decided the moment it arrives.
    double local_time = 0.0;
    /// Use the trace's npu_time_s column as each frame's inference time when present.
    bool use_trace_local_time = false;
};

/// What happened to one evaluated frame.
struct frame_outcome {
    std::size_t frame = 0;        ///< trace row
    double arrival = 0.0;         ///< s
    double ready = 0.0;           ///< when its local result is known and it joins the window (s; local_times())
    int resolution = -1;          ///< -1 local, r offloaded at r
    double decided_at = 0.0;      ///< when it was sent, released or expired (s)
    double start = std::numeric_limits<double>::quiet_NaN();   ///< transfer start (offloaded)
    double finish = std::numeric_limits<double>::quiet_NaN();  ///< transfer end (offloaded; inf: never)
    bool late = false;            ///< offloaded, but the result missed arrival + T
    bool correct = false;         ///< the realised correctness of the result used
};

/// A simulation's totals and per-frame log.
struct sim_result {
    std::string policy;                 ///< name, filled by run_policy()
    double accuracy = 0.0;              ///< mean realised correctness over the evaluated frames
    double offloaded = 0.0;             ///< fraction of evaluated frames sent to the server
    double bytes = 0.0;                 ///< bytes sent
    std::size_t deadline_misses = 0;    ///< offloaded frames whose result was late
    std::size_t frames = 0;             ///< evaluated frames
    std::vector<frame_outcome> log;     ///< one entry per evaluated frame, in trace order
};

namespace detail {
template <class = void>
inline void validate_sim_options(const sim_options& o, std::string_view fn) {
    require_positive(o.deadline, fn, "deadline");
    require_non_negative(o.server_time, fn, "server_time");
    require_non_negative(o.network_latency, fn, "network_latency");
    require_positive(o.fps, fn, "fps");
    require(o.calibration_fraction >= 0.0 && o.calibration_fraction < 1.0, fn, "calibration_fraction is ",
            o.calibration_fraction, ", expected a value in [0, 1)");
    require(std::isfinite(o.local_time) && o.local_time >= 0.0, fn, "local_time is ", o.local_time,
            ", expected a finite number >= 0");
}

/// A vector calibrator (CBO Fig. 6) needs the trace's per-class scores: say so before any run.
template <class C>
void require_trace_scores(const trace& tr, const C& cal, std::string_view fn) {
    require(!needs_scores(cal) || tr.has_scores(), fn,
            "the calibrator reads each frame's score vector (CBO Fig. 6) but the trace has no true_label and "
            "npu_logit@0..K-1 columns (docs/trace-format.md)");
}

inline double arrival_of(const trace& t, std::size_t i, const sim_options& o) {
    return (o.use_trace_arrivals && !t.arrival.empty()) ? t.arrival[i] : static_cast<double>(i) / o.fps;
}

/// Frame i's inference time: npu_time_s when the run uses it, else opt.local_time.
inline double local_time_of(const trace& t, std::size_t i, const sim_options& o) {
    return (o.use_trace_local_time && !t.npu_time.empty()) ? t.npu_time[i] : o.local_time;
}
}  // namespace detail

/**
 * @brief When each frame of [first, last) has its local result and can be decided or sent (issue
 *        15 §2; CBO Table III's NPU time): one NPU runs the frames in arrival order, so
 *        ready_i = max(arrival_i, ready_{i-1}) + t_i with t_i = detail::local_time_of() (the
 *        trace's npu_time_s or opt.local_time). A local time longer than the frame interval is
 *        handled, not rejected: frames queue for the NPU and, once ready_i + T^o + L passes
 *        arrival_i + T, can only be kept local. With every t_i = 0, ready_i == arrival_i exactly.
 *        This is what offload_pipeline does when push() runs the local model (tested against it).
 * @throws offloadkit::invalid_argument for an invalid trace or options or a bad range.
 * O(last - first); allocates the result.
 */
template <class = void>
[[nodiscard]] inline std::vector<double> ready_times(const trace& tr, std::size_t first, std::size_t last,
                                                     const sim_options& opt) {
    constexpr std::string_view fn = "ready_times";
    validate_trace(tr, fn);
    detail::validate_sim_options(opt, fn);
    detail::require(first <= last && last <= tr.size(), fn, "frame range [", first, ", ", last,
                    ") is not inside the trace of ", tr.size(), " frames");
    std::vector<double> ready(last - first);
    double npu_free = 0.0;
    for (std::size_t i = first; i < last; ++i) {
        const double a = detail::arrival_of(tr, i, opt);
        const double start = i == first ? a : std::max(a, npu_free);
        npu_free = start + detail::local_time_of(tr, i, opt);
        ready[i - first] = npu_free;
    }
    return ready;
}

/**
 * @brief The frame interval γ of a run (s): the mean gap between the trace's arrival times,
 *        (arrival[n-1] - arrival[0]) / (n - 1), when the run uses them (opt.use_trace_arrivals and the
 *        trace has arrival_s, at least two frames and a positive span); else 1 / opt.fps. The Server
 *        baseline sends each frame at the best resolution whose transfer fits in γ (CBO §V-A), so
 *        γ must describe the frames the run replays: with trace arrivals, opt.fps sets nothing.
 * O(1), no allocation.
 */
template <class = void>
[[nodiscard]] inline double frame_interval(const trace& tr, const sim_options& opt) noexcept {
    const std::size_t n = tr.arrival.size();
    if (opt.use_trace_arrivals && n >= 2 && tr.arrival[n - 1] > tr.arrival[0]) {
        return (tr.arrival[n - 1] - tr.arrival[0]) / static_cast<double>(n - 1);
    }
    return 1.0 / opt.fps;
}

/**
 * @brief Replays frames [first, last) of `tr` through `policy` (event-driven, protocol of
 *        offload/policies.hpp), with the true bandwidth `opt.bandwidth` and the policy seeing
 *        `estimator.estimate()` (fed every completed transfer).
 *
 * Events: frames becoming ready (their local result known: ready_times(), the arrival itself
 * with no local time) and transfer completions, in time order; at each event time the
 * completion is processed first (estimator.observe(bytes, seconds)), then ready frames join the
 * window, then — if the uplink is free — expired frames are finalized as local and the policy
 * decides. When the policy sends nothing, the next decision is at the next ready frame. Expiry and
 * deadlines stay relative to the arrival (arrival + T).
 * @param estimator any bandwidth_estimator; `true_bandwidth` is set to the true rate at each
 *        decision.
 * @return totals and the per-frame log (policy name left empty).
 * @throws offloadkit::invalid_argument for an invalid trace or options, first > last or
 *         last > size, or a policy action that is out of range (index, resolution, or a sent
 *         frame that is also released).
 * Complexity O((last - first) x cost of a decision).
 */
template <offload_policy P, bandwidth_estimator E>
[[nodiscard]] sim_result simulate(const trace& tr, std::size_t first, std::size_t last, P& policy, E& estimator,
                                  const sim_options& opt) {
    constexpr std::string_view fn = "simulate";
    validate_trace(tr, fn);
    detail::validate_sim_options(opt, fn);
    detail::require(first <= last && last <= tr.size(), fn, "frame range [", first, ", ", last,
                    ") is not inside the trace of ", tr.size(), " frames");
    const std::size_t m = tr.num_resolutions();
    const offload_model model{opt.deadline, opt.server_time, opt.network_latency, {}};
    sim_result res;
    res.frames = last - first;
    res.log.resize(res.frames);
    for (std::size_t i = first; i < last; ++i) {
        auto& lg = res.log[i - first];
        lg.frame = i;
        lg.arrival = detail::arrival_of(tr, i, opt);
        lg.correct = tr.npu_correct[i] != 0;  // until offloaded on time
    }
    for (std::size_t i = first + 1; i < last; ++i) {
        detail::require(res.log[i - first].arrival >= res.log[i - 1 - first].arrival, fn, "frame ", i,
                        " arrives before frame ", i - 1);
    }
    {
        const std::vector<double> ready = ready_times(tr, first, last, opt);
        for (std::size_t i = first; i < last; ++i) {
            res.log[i - first].ready = ready[i - first];
        }
    }
    std::vector<pending_frame> window;
    std::vector<std::uint8_t> release;
    std::size_t next = first;
    bool busy = false;
    double busy_until = 0.0;
    std::size_t in_flight = 0;
    double now = 0.0;
    double last_event = 0.0;
    const double inf = std::numeric_limits<double>::infinity();
    auto finalize_local = [&](std::size_t id, double at) { res.log[id - first].decided_at = at; };
    while (true) {
        const double t_arrive = next < last ? res.log[next - first].ready : inf;  // joins when its local result is known
        const double t_done = busy ? busy_until : inf;
        now = std::min(t_arrive, t_done);
        if (now == inf) {
            break;
        }
        last_event = now;
        if (busy && busy_until <= now) {
            auto& lg = res.log[in_flight - first];
            const double seconds = lg.finish - lg.start;
            const double sent = tr.bytes[in_flight * m + static_cast<std::size_t>(lg.resolution)];
            if (seconds > 0.0) {
                estimator.observe(sent, seconds);
            }
            lg.late = !detail::on_time(lg.finish, lg.arrival, opt.deadline, opt.server_time, opt.network_latency);
            lg.correct = lg.late ? tr.npu_correct[in_flight] != 0
                                 : tr.server_correct_at(in_flight, static_cast<std::size_t>(lg.resolution));
            busy = false;
        }
        while (next < last && res.log[next - first].ready <= now) {
            window.push_back(pending_frame{next, res.log[next - first].arrival, tr.confidence[next], tr.bytes_of(next),
                                           tr.scores_of(next)});
            ++next;
        }
        if (busy || window.empty()) {
            continue;
        }
        // Protocol step 2: expire frames no transfer can save any more.
        std::size_t kept = 0;
        for (std::size_t w = 0; w < window.size(); ++w) {
            if (is_expired(model, window[w].arrival, now)) {
                finalize_local(window[w].id, now);
            } else {
                window[kept++] = window[w];
            }
        }
        window.resize(kept);
        if (window.empty()) {
            continue;
        }
        if constexpr (std::same_as<E, true_bandwidth>) {
            estimator.value = opt.bandwidth.at(now);
        }
        const decision_context ctx{now, static_cast<double>(estimator.estimate())};
        release.assign(window.size(), 0);
        const offload_action act = policy.decide(ctx, std::span<const pending_frame>(window), std::span<std::uint8_t>(release));
        if (act.sends()) {
            detail::require(static_cast<std::size_t>(act.index) < window.size(), fn, "the policy chose window index ",
                            act.index, " of ", window.size());
            detail::require(act.resolution >= 0 && static_cast<std::size_t>(act.resolution) < m, fn,
                            "the policy chose resolution ", act.resolution, " of ", m);
            detail::require(release[static_cast<std::size_t>(act.index)] == 0, fn,
                            "the policy both sent and released window index ", act.index);
            const std::size_t id = window[static_cast<std::size_t>(act.index)].id;
            auto& lg = res.log[id - first];
            const double bytes = tr.bytes[id * m + static_cast<std::size_t>(act.resolution)];
            lg.resolution = act.resolution;
            lg.decided_at = now;
            lg.start = now;
            lg.finish = opt.bandwidth.finish(now, bytes);
            res.bytes += bytes;
            busy = true;
            busy_until = lg.finish;
            in_flight = id;
        }
        kept = 0;
        for (std::size_t w = 0; w < window.size(); ++w) {
            if (release[w]) {
                finalize_local(window[w].id, now);
            } else if (!(act.sends() && static_cast<std::ptrdiff_t>(w) == act.index)) {
                window[kept++] = window[w];
            }
        }
        window.resize(kept);
    }
    if (busy) {  // a transfer that never completes (zero bandwidth to the end)
        auto& lg = res.log[in_flight - first];
        lg.late = true;
        lg.correct = tr.npu_correct[in_flight] != 0;
    }
    for (const auto& p : window) {  // declined by the policy at the last decision
        finalize_local(p.id, last_event);
    }
    std::size_t correct = 0;
    std::size_t sent = 0;
    for (const auto& lg : res.log) {
        correct += lg.correct ? 1 : 0;
        sent += lg.resolution >= 0 ? 1 : 0;
        res.deadline_misses += lg.late ? 1 : 0;
    }
    if (res.frames > 0) {
        res.accuracy = static_cast<double>(correct) / static_cast<double>(res.frames);
        res.offloaded = static_cast<double>(sent) / static_cast<double>(res.frames);
    }
    return res;
}

// ---- the trace workflow ------------------------------------------------------------------------

/// The policies of CBO §V-A plus the oracle ceiling.
enum class policy_kind { local, server, fastva, cbo_uncalibrated, cbo, optimal, oracle };

/// Every policy_kind, in the order the tool prints them.
inline constexpr std::array<policy_kind, 7> all_policy_kinds{policy_kind::local,  policy_kind::server,
                                                             policy_kind::fastva, policy_kind::cbo_uncalibrated,
                                                             policy_kind::cbo,    policy_kind::optimal,
                                                             policy_kind::oracle};

/// The command-line name: local, server, fastva, cbo-uncalibrated, cbo, optimal, oracle.
[[nodiscard]] constexpr std::string_view policy_name(policy_kind k) noexcept {
    switch (k) {
        case policy_kind::local: return "local";
        case policy_kind::server: return "server";
        case policy_kind::fastva: return "fastva";
        case policy_kind::cbo_uncalibrated: return "cbo-uncalibrated";
        case policy_kind::cbo: return "cbo";
        case policy_kind::optimal: return "optimal";
        case policy_kind::oracle: return "oracle";
    }
    return "?";
}

/// The policy_kind named `name` (see policy_name()), or nullopt.
template <class = void>  // a template: only a caller instantiates it (compile cost, issue 14)
[[nodiscard]] constexpr std::optional<policy_kind> parse_policy_kind(std::string_view name) noexcept {
    for (const auto k : all_policy_kinds) {
        if (policy_name(k) == name) {
            return k;
        }
    }
    return std::nullopt;
}

/// What the calibration part of a trace tells the policies.
struct trace_profile {
    std::size_t split = 0;                  ///< frames [0, split) profile; [split, n) are evaluated
    std::vector<double> server_accuracy;    ///< A^o_r: mean server_correct@r over the profile part
    double npu_accuracy = 0.0;              ///< mean npu_correct over the profile part (FastVA)
};

/**
 * @brief Splits a trace at floor(n x fraction) and profiles the first part.
 * @throws offloadkit::invalid_argument if either part would be empty, or for an invalid trace.
 */
template <class = void>
[[nodiscard]] inline trace_profile profile_trace(const trace& tr, double calibration_fraction) {
    constexpr std::string_view fn = "profile_trace";
    validate_trace(tr, fn);
    detail::require(calibration_fraction > 0.0 && calibration_fraction < 1.0, fn, "calibration_fraction is ",
                    calibration_fraction, ", expected a value in (0, 1)");
    const std::size_t n = tr.size();
    const auto split = static_cast<std::size_t>(std::floor(static_cast<double>(n) * calibration_fraction));
    detail::require(split >= 1 && split < n, fn, "a trace of ", n, " frames split at fraction ", calibration_fraction,
                    " leaves an empty part");
    trace_profile p;
    p.split = split;
    const std::size_t m = tr.num_resolutions();
    p.server_accuracy.assign(m, 0.0);
    std::size_t npu = 0;
    for (std::size_t i = 0; i < split; ++i) {
        npu += tr.npu_correct[i];
        for (std::size_t r = 0; r < m; ++r) {
            p.server_accuracy[r] += tr.server_correct_at(i, r) ? 1.0 : 0.0;
        }
    }
    for (auto& a : p.server_accuracy) {
        a /= static_cast<double>(split);
    }
    p.npu_accuracy = static_cast<double>(npu) / static_cast<double>(split);
    return p;
}

/**
 * @brief The offline optimum over frames [first, last) of a trace with every frame known and the
 *        true (possibly time-varying) bandwidth: CBO §IV-C's DP with gain(i, r) given by the
 *        caller (Optimal: A^o_r - C(confidence_i); Oracle: server_correct_{i,r} - npu_correct_i).
 * @return choice per trace row (rows outside the range are -1).
 * @throws offloadkit::invalid_argument for an invalid trace or options, or first > last or
 *         last > size (as simulate(); the range was unchecked before: reads past the trace).
 * Complexity as solve_optimal().
 */
template <class Gain>
[[nodiscard]] std::vector<int> offline_plan(const trace& tr, std::size_t first, std::size_t last,
                                            const sim_options& opt, Gain gain) {
    constexpr std::string_view fn = "offline_plan";
    validate_trace(tr, fn);
    detail::validate_sim_options(opt, fn);
    detail::require(first <= last && last <= tr.size(), fn, "frame range [", first, ", ", last,
                    ") is not inside the trace of ", tr.size(), " frames");
    std::vector<std::size_t> order(last - first);
    for (std::size_t k = 0; k < order.size(); ++k) {
        order[k] = first + k;  // arrivals are non-decreasing in row order (validated)
    }
    std::vector<int> choice(tr.size(), -1);
    const std::size_t m = tr.num_resolutions();
    const std::vector<double> ready = ready_times(tr, first, last, opt);  // non-decreasing: FCFS = arrival order
    // The DP evaluates finish and on-time once per candidate (about 150 million times for the
    // bundled trace at 0 ms latency and 18 Mbps; issue 20), so their per-frame terms are computed
    // once here, by the same expressions: the arrival of each frame, and with a constant rate the
    // transfer time bytes / rate, which is what bandwidth_trace::finish adds to a finite start
    // within its one piece. Same bits, so the same plan.
    const std::size_t count = last - first;
    std::vector<double> arrival(count);
    for (std::size_t k = 0; k < count; ++k) {
        arrival[k] = detail::arrival_of(tr, first + k, opt);
    }
    const bool constant = opt.bandwidth.constant() && opt.bandwidth.rates()[0] > 0.0;
    std::vector<double> send(constant ? count * m : 0);
    for (std::size_t k = 0; k < send.size(); ++k) {
        send[k] = tr.bytes[first * m + k] / opt.bandwidth.rates()[0];
    }
    offload_workspace ws;
    detail_run_pareto_dp(
        ws, order, m, 0.0, true, [&](std::size_t i) { return ready[i - first]; }, gain,
        [&](double start, std::size_t i, std::size_t r) {
            return constant ? start + send[(i - first) * m + r] : opt.bandwidth.finish(start, tr.bytes[i * m + r]);
        },
        [&](double finish, std::size_t i) {
            return detail::on_time(finish, arrival[i - first], opt.deadline, opt.server_time, opt.network_latency);
        },
        std::span<int>(choice));
    return choice;
}

/**
 * @brief Runs one named policy on a trace: profiles [0, split), evaluates [split, n).
 *
 * cbo uses `cal` on the raw confidence; cbo-uncalibrated the raw confidence; fastva the mean NPU
 * accuracy of the profile part; server the run's frame interval (frame_interval(): the trace's mean
 * arrival gap when its arrival times are used, else 1/opt.fps); optimal the offline optimum of
 * the same objective CBO optimizes (C(confidence), profiled A^o_r) with the true bandwidth;
 * oracle the offline optimum of the realised correctness (the ceiling).
 * @param cal a fitted calibrator (e.g. platt_calibrator fitted on the profile part), or a vector
 *        calibrator over the trace's npu_logit@k scores (CBO Fig. 6, e.g. fit_trace_one_vs_rest());
 *        every frame's C(p_i) is calibrated_confidence(cal, npu_confidence_i, scores_i).
 * @param estimator the bandwidth estimator the online policies see (copied per run).
 * @param order Algorithm 1's confidence order or the arrival-ordered window optimum for
 *        cbo/cbo-uncalibrated.
 * @throws offloadkit::invalid_argument as simulate() and profile_trace(), for a vector
 *         calibrator on a trace without scores, and for a `kind` that is not a policy_kind value
 *         (it used to return an empty result).
 */
template <frame_calibrator C, bandwidth_estimator E = true_bandwidth>
[[nodiscard]] sim_result run_policy(policy_kind kind, const trace& tr, const C& cal, const sim_options& opt,
                                    E estimator = E{}, cbo_order order = cbo_order::confidence) {
    detail::validate_sim_options(opt, "run_policy");
    detail::require(static_cast<std::size_t>(kind) < all_policy_kinds.size(), "run_policy", "kind is ",
                    static_cast<long long>(kind), ", not a policy_kind value");
    detail::require_trace_scores(tr, cal, "run_policy");
    const trace_profile prof = profile_trace(tr, opt.calibration_fraction);
    const offload_model model{opt.deadline, opt.server_time, opt.network_latency, prof.server_accuracy};
    const std::size_t first = prof.split;
    const std::size_t last = tr.size();
    const std::size_t m = tr.num_resolutions();
    sim_result res;
    switch (kind) {
        case policy_kind::local: {
            local_policy p;
            res = simulate(tr, first, last, p, estimator, opt);
            break;
        }
        case policy_kind::server: {
            server_policy p(model, frame_interval(tr, opt));
            res = simulate(tr, first, last, p, estimator, opt);
            break;
        }
        case policy_kind::fastva: {
            fastva_policy p(model, prof.npu_accuracy, order);  // the same order as the CBO it is compared with
            res = simulate(tr, first, last, p, estimator, opt);
            break;
        }
        case policy_kind::cbo_uncalibrated: {
            cbo_policy<identity_calibrator> p(model, identity_calibrator{}, order);
            res = simulate(tr, first, last, p, estimator, opt);
            break;
        }
        case policy_kind::cbo: {
            cbo_policy<C> p(model, cal, order);
            res = simulate(tr, first, last, p, estimator, opt);
            break;
        }
        case policy_kind::optimal: {
            planned_policy p(offline_plan(tr, first, last, opt, [&](std::size_t i, std::size_t r) {
                return prof.server_accuracy[r] - calibrated_confidence(cal, tr.confidence[i], tr.scores_of(i), "run_policy");
            }));
            res = simulate(tr, first, last, p, estimator, opt);
            break;
        }
        case policy_kind::oracle: {
            planned_policy p(offline_plan(tr, first, last, opt, [&](std::size_t i, std::size_t r) {
                return static_cast<double>(tr.server_correct[i * m + r]) - static_cast<double>(tr.npu_correct[i]);
            }));
            res = simulate(tr, first, last, p, estimator, opt);
            break;
        }
    }
    res.policy = std::string(policy_name(kind));
    return res;
}

/**
 * @brief The Compress baseline of CBO §V-A: "similar to FastVA, except that it runs a compressed
 *        DNN to process the frames locally on CPU" — fastva_policy where the local answer is the
 *        compressed model's (trace column compress_correct, its mean over the profile part as the
 *        local accuracy) and the local time is the compressed model's (compress_time_s, one CPU
 *        in arrival order as ready_times() does for the NPU).
 * @param order the window order (the order of the CBO it is compared with).
 * @throws offloadkit::invalid_argument if the trace has no compress columns, or as run_policy().
 * Complexity as run_policy(); copies the trace once.
 */
template <bandwidth_estimator E = true_bandwidth>
[[nodiscard]] sim_result run_compress(const trace& tr, const sim_options& opt, E estimator = E{},
                                      cbo_order order = cbo_order::arrival) {
    constexpr std::string_view fn = "run_compress";
    detail::validate_sim_options(opt, fn);
    detail::require(!tr.compress_correct.empty(), fn,
                    "the trace has no compress_correct and compress_time_s columns (docs/trace-format.md)");
    trace c = tr;
    c.npu_correct = tr.compress_correct;
    c.npu_time = tr.compress_time;
    sim_options o = opt;
    o.use_trace_local_time = true;
    const trace_profile prof = profile_trace(c, o.calibration_fraction);
    const offload_model model{o.deadline, o.server_time, o.network_latency, prof.server_accuracy};
    fastva_policy p(model, prof.npu_accuracy, order);
    sim_result r = simulate(c, prof.split, c.size(), p, estimator, o);
    r.policy = "compress";
    return r;
}

/**
 * @brief The calibrator of the trace workflow: Platt scaling (CBO §III-B) fitted on the
 *        profile part, scores = npu_confidence[0, split), labels = npu_correct[0, split).
 * @throws offloadkit::invalid_argument if split is 0 or beyond the trace, or as
 *         platt_calibrator::fit.
 * O(split) per Newton iteration.
 */
template <class = void>
[[nodiscard]] inline platt_calibrator fit_trace_calibrator(const trace& tr, std::size_t split) {
    detail::require(split >= 1 && split <= tr.size(), "fit_trace_calibrator", "split is ", split,
                    ", expected 1..", tr.size());
    return platt_calibrator::fit(std::span<const double>(tr.confidence).first(split),
                                 std::span<const std::uint8_t>(tr.npu_correct).first(split));
}

/// The calibrators of the per-class comparison (issue 15 §3): Platt and isotonic on the top-1
/// confidence (CBO §III-B), one-vs-rest on the score vector (CBO Fig. 6).
enum class calibration_kind { platt, isotonic, one_vs_rest };

/// The command-line name: platt, isotonic, ovr.
[[nodiscard]] constexpr std::string_view calibration_name(calibration_kind k) noexcept {
    switch (k) {
        case calibration_kind::platt: return "platt";
        case calibration_kind::isotonic: return "isotonic";
        case calibration_kind::one_vs_rest: return "ovr";
    }
    return "?";
}

/// Parses platt, isotonic or ovr; nullopt for anything else.
template <class = void>  // a template: only a caller instantiates it (compile cost, issue 14)
[[nodiscard]] constexpr std::optional<calibration_kind> parse_calibration_kind(std::string_view name) noexcept {
    for (const auto k : {calibration_kind::platt, calibration_kind::isotonic, calibration_kind::one_vs_rest}) {
        if (calibration_name(k) == name) {
            return k;
        }
    }
    return std::nullopt;
}

/**
 * @brief Fits the calibrator `kind` on the profile part [0, split) of a trace: Platt
 *        (fit_trace_calibrator()) or isotonic regression on (npu_confidence, npu_correct) — the
 *        top-1 schemes of CBO §III-B — or the one-vs-rest models of CBO Fig. 6 on
 *        (npu_logit@0..K-1, true_label), each model i trained to predict "the frame is of class i".
 * @throws offloadkit::invalid_argument if split is 0 or beyond the trace, for one_vs_rest on a
 *         trace without scores, or as the calibrator's fit.
 * Complexity: that of the fit (one-vs-rest: O(K iterations split K^2)).
 */
template <std::same_as<trace> Trace>  // a template: only a caller instantiates the three fits (compile cost, issue 14)
[[nodiscard]] any_calibrator fit_trace_calibrator(const Trace& tr, std::size_t split, calibration_kind kind) {
    constexpr std::string_view fn = "fit_trace_calibrator";
    detail::require(split >= 1 && split <= tr.size(), fn, "split is ", split, ", expected 1..", tr.size());
    const auto conf = std::span<const double>(tr.confidence).first(split);
    const auto correct = std::span<const std::uint8_t>(tr.npu_correct).first(split);
    switch (kind) {
        case calibration_kind::platt: return platt_calibrator::fit(conf, correct);
        case calibration_kind::isotonic: return isotonic_calibrator::fit(conf, correct);
        case calibration_kind::one_vs_rest:
            detail::require(tr.has_scores(), fn,
                            "calibrator 'ovr' (CBO Fig. 6) needs the trace's true_label and npu_logit@0..K-1 "
                            "columns (docs/trace-format.md)");
            return one_vs_rest_calibrator::fit(std::span<const double>(tr.npu_logits).first(split * tr.num_classes),
                                               tr.num_classes,
                                               std::span<const std::int32_t>(tr.true_label).first(split));
    }
    detail::fail(fn, "kind is ", static_cast<long long>(kind), ", not a calibration_kind value");
}

/**
 * @brief The whole trace workflow of the issue and of offloadkit-sim: split at
 *        opt.calibration_fraction, fit Platt on the first part (fit_trace_calibrator), profile
 *        A^o_r and the mean NPU accuracy there, and evaluate `kind` on the rest (run_policy()).
 * @code
 * ok::trace tr = ok::read_trace("my_trace.csv");
 * ok::sim_result r = ok::evaluate_trace(ok::policy_kind::cbo, tr, ok::sim_options{});
 * @endcode
 * @throws offloadkit::invalid_argument as run_policy() and fit_trace_calibrator().
 */
template <bandwidth_estimator E = true_bandwidth>
[[nodiscard]] sim_result evaluate_trace(policy_kind kind, const trace& tr, const sim_options& opt, E estimator = E{},
                                        cbo_order order = cbo_order::confidence) {
    detail::validate_sim_options(opt, "evaluate_trace");
    const trace_profile prof = profile_trace(tr, opt.calibration_fraction);
    return run_policy(kind, tr, fit_trace_calibrator(tr, prof.split), opt, std::move(estimator), order);
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_SIM_SIMULATOR_HPP
