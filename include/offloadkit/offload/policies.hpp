#ifndef OFFLOADKIT_OFFLOAD_POLICIES_HPP
#define OFFLOADKIT_OFFLOAD_POLICIES_HPP

/**
 * @file
 * @brief Online offloading policies as reusable step objects — Local, Server, FastVA, CBO
 *        without calibration, CBO §IV-D, §V-A and plan-following Optimal/Oracle — and
 *        the one protocol by which the simulator (sim/simulator.hpp) and a live pipeline drive them.
 *
 * ## The online policy protocol
 *
 * A driver (the trace simulator, or a live pipeline with a real clock) owns the frames, the
 * uplink and the bandwidth estimate. It keeps a *pending window*: the frames that have arrived,
 * are not decided yet and have not expired, in arrival order (ties by id). It calls
 * `policy.decide(ctx, window, release)`:
 *
 *  1. **When**: whenever the uplink is free at time `ctx.now` and the window is not empty, at
 *     each frame arrival and at each transfer completion (after adding every frame that arrived
 *     at or before `now`, and after feeding a completed transfer to the bandwidth estimator).
 *     Never while a transfer is in flight. At most once per distinct `now` unless the previous call
 *     sent a frame whose transfer already completed.
 *  2. **Expiry** (before the call): a frame with !(now + T^o + L < arrival + T) can no longer be
 *     offloaded in time by any transfer (bytes are > 0); the driver finalizes it as local and drops
 *     it from the window (is_expired()).
 *  3. **Input**: `ctx.now` (s), `ctx.bandwidth` the estimate in bytes/s (may be 0), the window
 *     (pending_frame: id, arrival, raw confidence, bytes per resolution), and `release`, a span
 *     of window.size() zeros. Bad input throws offloadkit::invalid_argument and leaves `release`
 *     untouched: every policy rejects a release span of another size; server, fastva and cbo
 *     also a non-finite ctx.now and a window frame whose arrival is not finite and >= 0, whose
 *     confidence is outside [0, 1] or whose bytes are not m finite sizes > 0 ("window[w].field");
 *     planned_policy an id outside its plan or a planned resolution outside the frame's bytes.
 *  4. **Output**: an offload_action — send window[index] now at `resolution`, or nothing
 *     (index -1) — and `release[w] = 1` for frames the policy finalizes as local now (their local
 *     result can be delivered at once). A sent frame must not be released. A policy only sends a
 *     transfer it believes on time under `ctx.bandwidth`.
 *  5. **After**: a sent frame occupies the uplink until its transfer completes (true bandwidth);
 *     released frames leave the window; the others stay for the next call.
 *
 * Policies hold no clock, no thread and no reference to the driver: the same object, given the
 * same sequence of calls, makes the same decisions in the simulator and in a pipeline. A policy
 * object is not thread-safe (it owns scratch buffers); use one per stream. After a warm-up call
 * with the largest window, decide() does not allocate (cbo/fastva reuse an offload_workspace).
 */

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "../calibration/identity.hpp"
#include "../calibration/vector.hpp"
#include "../concepts.hpp"
#include "../error.hpp"
#include "problem.hpp"
#include "schedule.hpp"

namespace offloadkit {

/// The parameters of the offloading model a policy needs besides the frames (CBO Table II).
struct offload_model {
    double deadline = 0.2;                 ///< T (s), > 0
    double server_time = 0.037;            ///< T^o (s), >= 0
    double network_latency = 0.1;          ///< L (s), >= 0
    std::vector<double> server_accuracy;   ///< A^o_r, profiled per resolution, each in [0, 1]
    friend bool operator==(const offload_model&, const offload_model&) = default;
};

/// One frame of the pending window.
struct pending_frame {
    std::size_t id = 0;                ///< the driver's frame id (trace row, pipeline sequence number)
    double arrival = 0.0;              ///< arrival time (s)
    double confidence = 0.0;           ///< the NPU's raw confidence (max softmax), [0, 1]
    std::span<const double> bytes;     ///< bytes at each resolution (size m)
    /// The NPU's K scores (logits) when the driver has them (a trace with npu_logit@k columns, the
    /// pipeline): what a vector calibrator (CBO Fig. 6) reads; empty otherwise.
    std::span<const double> scores{};
};

/// What the driver tells the policy besides the window.
struct decision_context {
    double now = 0.0;        ///< current time (s); the uplink is free
    double bandwidth = 0.0;  ///< the bandwidth estimate (bytes/s); 0: nothing can be sent
};

/// The policy's answer: send window[index] at `resolution` now, or nothing (index < 0).
struct offload_action {
    std::ptrdiff_t index = -1;
    int resolution = -1;
    [[nodiscard]] bool sends() const noexcept { return index >= 0; }
    friend bool operator==(const offload_action&, const offload_action&) = default;
};

/// A step object the simulator and pipelines can drive (protocol in the file comment).
template <class P>
concept offload_policy =
    requires(P& p, const decision_context& ctx, std::span<const pending_frame> window, std::span<std::uint8_t> release) {
        { p.decide(ctx, window, release) } -> std::same_as<offload_action>;
    };

/// The driver's expiry rule (protocol step 2): true when no transfer can finish in time any more.
[[nodiscard]] inline bool is_expired(const offload_model& model, double arrival, double now) noexcept {
    return !(now + model.server_time + model.network_latency < arrival + model.deadline);
}

namespace detail {
template <class = void>  // a template: only a caller instantiates it (compile cost, issue 14)
inline void validate_offload_model(const offload_model& m, std::string_view function) {
    validate_offload_parameters(m.deadline, m.server_time, m.network_latency, m.server_accuracy, function);
}

/// Checks one frame of the pending window: arrival finite and >= 0, confidence in [0, 1], m byte
/// sizes, each finite and > 0 (what the protocol promises; without the check a NaN arrival was
/// reported by cbo_schedule under its own name, and server_policy sent frames of negative size).
template <class = void>
inline void check_window_frame(const pending_frame& f, std::size_t w, std::size_t m, std::string_view function) {
    require(std::isfinite(f.arrival) && f.arrival >= 0.0, function, "window[", w, "].arrival is ", f.arrival,
            ", expected a finite number >= 0");
    require(f.confidence >= 0.0 && f.confidence <= 1.0, function, "window[", w, "].confidence is ", f.confidence,
            ", expected a value in [0, 1]");
    require(f.bytes.size() == m, function, "window[", w, "].bytes has size ", f.bytes.size(), ", expected ", m,
            " (the number of resolutions)");
    for (std::size_t r = 0; r < m; ++r) {
        require(std::isfinite(f.bytes[r]) && f.bytes[r] > 0.0, function, "window[", w, "].bytes[", r, "] is ",
                f.bytes[r], ", expected a finite number > 0");
    }
}

/// True when frame f could be sent now at resolution r and be on time under bandwidth b.
template <class = void>
inline bool fits_now(const offload_model& model, const pending_frame& f, std::size_t r, double now, double b) {
    return on_time(now + f.bytes[r] / b, f.arrival, model.deadline, model.server_time, model.network_latency);
}

/// Server's resolution rule (CBO §V-A; server_policy): the most accurate resolution whose transfer
/// takes at most `interval` at bandwidth b, else the one with the fewest bytes; if that one would
/// be late, the most accurate one that is on time; -1 if none is. O(m).
template <class = void>
inline int server_resolution(const offload_model& model, double interval, const pending_frame& f, double now,
                             double b) {
    const std::size_t m = model.server_accuracy.size();
    int pick = -1;
    for (std::size_t r = 0; r < m; ++r) {
        if (f.bytes[r] / b <= interval &&
            (pick < 0 || model.server_accuracy[r] > model.server_accuracy[static_cast<std::size_t>(pick)])) {
            pick = static_cast<int>(r);
        }
    }
    if (pick < 0) {
        pick = 0;
        for (std::size_t r = 1; r < m; ++r) {
            if (f.bytes[r] < f.bytes[static_cast<std::size_t>(pick)]) {
                pick = static_cast<int>(r);
            }
        }
    }
    if (!fits_now(model, f, static_cast<std::size_t>(pick), now, b)) {
        pick = -1;
        for (std::size_t r = 0; r < m; ++r) {
            if (fits_now(model, f, r, now, b) &&
                (pick < 0 || model.server_accuracy[r] > model.server_accuracy[static_cast<std::size_t>(pick)])) {
                pick = static_cast<int>(r);
            }
        }
    }
    return pick;
}

/// The checks every decide() of a window policy starts with (CBO §IV-D's decision protocol):
/// `release` as long as the window, ctx.now finite, each frame valid for m resolutions
/// (check_window_frame). Nothing is written when one fails.
template <class = void>
inline void check_decide_input(const decision_context& ctx, std::span<const pending_frame> window,
                               std::span<const std::uint8_t> release, std::size_t m, std::string_view function) {
    require_same_size(release.size(), window.size(), function, "release", "window");
    require_finite(ctx.now, function, "ctx.now");
    for (std::size_t w = 0; w < window.size(); ++w) {
        check_window_frame(window[w], w, m, function);
    }
}

/// The DP policies' common core: the window as an offload_problem with per-frame local accuracy
/// `accuracy_of(frame)`, solved with cbo_schedule; sends plan.first at its resolution and
/// releases frames with no positive-gain resolution that fits now.
template <class AccuracyOf>
offload_action window_decide(const offload_model& model, cbo_order order, AccuracyOf&& accuracy_of,
                             offload_problem& pb, offload_workspace& ws, offload_plan& plan,
                             const decision_context& ctx, std::span<const pending_frame> window,
                             std::span<std::uint8_t> release, std::string_view function) {
    const std::size_t m = model.server_accuracy.size();
    check_decide_input(ctx, window, release, m, function);
    if (!(ctx.bandwidth > 0.0) || !std::isfinite(ctx.bandwidth)) {
        std::fill(release.begin(), release.end(), std::uint8_t{1});  // nothing can be sent
        return {};
    }
    pb.deadline = model.deadline;
    pb.server_time = model.server_time;
    pb.network_latency = model.network_latency;
    pb.bandwidth = ctx.bandwidth;
    pb.server_accuracy.assign(model.server_accuracy.begin(), model.server_accuracy.end());
    pb.frames.resize(window.size());  // keeps the frames' byte vectors (and their capacity)
    for (std::size_t w = 0; w < window.size(); ++w) {
        auto& f = pb.frames[w];
        f.arrival = window[w].arrival;
        f.local_accuracy = static_cast<double>(accuracy_of(window[w]));
        f.bytes.assign(window[w].bytes.begin(), window[w].bytes.end());
    }
    cbo_schedule(pb, ctx.now, ws, plan, order);
    for (std::size_t w = 0; w < window.size(); ++w) {
        bool hopeful = false;
        for (std::size_t r = 0; r < m && !hopeful; ++r) {
            hopeful = model.server_accuracy[r] > pb.frames[w].local_accuracy &&
                      fits_now(model, window[w], r, ctx.now, ctx.bandwidth);
        }
        release[w] = (!hopeful && static_cast<std::ptrdiff_t>(w) != plan.first) ? 1 : 0;
    }
    return plan.first < 0 ? offload_action{} : offload_action{plan.first, plan.resolution};
}
}  // namespace detail

/**
 * @brief Local (CBO §V-A): never offload; every frame is released at once.
 */
class local_policy {
public:
    /// Releases the whole window; sends nothing. O(k), no allocation.
    template <class = void>
    offload_action decide(const decision_context&, std::span<const pending_frame> window,
                          std::span<std::uint8_t> release) {
        detail::require_same_size(release.size(), window.size(), "local_policy::decide", "release", "window");
        std::fill(release.begin(), release.end(), std::uint8_t{1});
        return {};
    }
};

/**
 * @brief Server (CBO §V-A): offload every frame, first come first served, "resized to a
 *        resolution ... so that it can be offloaded before the next frame arrives".
 *
 * For the earliest pending frame: among the resolutions whose transfer takes at most one frame
 * interval at the estimated bandwidth, the one with the highest server accuracy (ties: lower
 * index); if none fits the interval, the one with the fewest bytes. If that transfer would be late,
 * the most accurate resolution that is on time is used instead; if none is, the frame is released
 * (kept local). Choices where the paper is silent: the fallback to fewer bytes, and releasing a
 * frame no transfer can save (the paper's Server would send it late; a late result counts as the
 * local one anyway).
 */
class server_policy {
public:
    /**
     * @param model T, T^o, L and A^o_r.
     * @param frame_interval γ = 1/fps (s), > 0.
     * @throws offloadkit::invalid_argument for an invalid model or interval.
     */
    template <class = void>  // a template: only a caller instantiates it (compile cost, issue 14)
    server_policy(offload_model model, double frame_interval) : model_(std::move(model)), interval_(frame_interval) {
        detail::validate_offload_model(model_, "server_policy");
        detail::require_positive(frame_interval, "server_policy", "frame_interval");
    }

    /// One decision (protocol in the file comment). O(k + m), no allocation.
    template <class = void>
    offload_action decide(const decision_context& ctx, std::span<const pending_frame> window,
                          std::span<std::uint8_t> release) {
        constexpr std::string_view fn = "server_policy::decide";
        const std::size_t m = model_.server_accuracy.size();
        detail::check_decide_input(ctx, window, release, m, fn);
        const double b = ctx.bandwidth;
        if (!(b > 0.0) || !std::isfinite(b)) {
            std::fill(release.begin(), release.end(), std::uint8_t{1});
            return {};
        }
        for (std::size_t w = 0; w < window.size(); ++w) {
            const int pick = detail::server_resolution(model_, interval_, window[w], ctx.now, b);
            if (pick >= 0) {
                return {static_cast<std::ptrdiff_t>(w), pick};
            }
            release[w] = 1;  // no transfer saves this frame: keep it local, try the next one
        }
        return {};
    }

private:
    offload_model model_;
    double interval_;
};

/**
 * @brief CBO §IV-D: at each decision, Algorithm 1 (cbo_schedule) over the pending
 *        window with each frame's calibrated confidence C(confidence) as A^npu_{p_i}; sends the
 *        frame the plan sends first at its resolution (θ's frame at r_o), releases frames for
 *        which no resolution with a positive gain fits now. With identity_calibrator as C this is
 *        CBO-w/o. With cbo_order::arrival it runs the exact window optimum instead.
 *
 * The sent transfer is on time under ctx.bandwidth by construction (Algorithm 1 line 7), so with
 * a correct estimate CBO never misses a deadline.
 */
template <frame_calibrator C>
class cbo_policy {
public:
    /**
     * @param model T, T^o, L and the profiled A^o_r.
     * @param cal maps the raw confidence (a calibrator) or the frame's scores (a vector_calibrator,
     *        CBO Fig. 6) to the probability that the local answer is right (calibrated_confidence()).
     * @param order cbo_order::confidence (Algorithm 1 as written) or cbo_order::arrival.
     * @throws offloadkit::invalid_argument for an invalid model.
     */
    cbo_policy(offload_model model, C cal, cbo_order order = cbo_order::confidence)
        : model_(std::move(model)), cal_(std::move(cal)), order_(order) {
        detail::validate_offload_model(model_, "cbo_policy");
    }

    /// One decision (protocol in the file comment). O(k log k + k m L); no allocation after warm-up.
    offload_action decide(const decision_context& ctx, std::span<const pending_frame> window,
                          std::span<std::uint8_t> release) {
        return detail::window_decide(
            model_, order_,
            [this](const pending_frame& f) {
                return calibrated_confidence(cal_, f.confidence, f.scores, "cbo_policy::decide");
            },
            pb_, ws_, plan_, ctx, window, release, "cbo_policy::decide");
    }

    /// The plan of the last decision (θ = plan().threshold, r_o = plan().resolution).
    [[nodiscard]] const offload_plan& plan() const noexcept { return plan_; }
    [[nodiscard]] const C& calibration() const noexcept { return cal_; }

private:
    offload_model model_;
    C cal_;
    cbo_order order_;
    offload_problem pb_;
    offload_workspace ws_;
    offload_plan plan_;
};

/**
 * @brief The fixed-threshold rule of CBO §III-A (Fig. 3; the study of Fig. 4 and Fig. 7a): the
 *        NPU result is returned when the (raw or calibrated) confidence C(p_i) is larger than θ;
 *        otherwise the frame is offloaded.
 *
 * θ = 0 keeps (almost) every frame local, θ = 1 offloads every frame, as in the paper. Offloaded
 * frames go out first come first served under the same uplink model as every policy: at a fixed
 * resolution index (`resolution` >= 0), or with `resolution` = -1 by Server's rule (the most
 * accurate resolution whose transfer fits one frame interval, server_policy). A frame whose
 * transfer would miss its deadline (the uplink is busy, or the estimate is too low) falls back to
 * its local result: it is released, not sent late. Choices where the paper is silent: the
 * resolution (its Fig. 4 study has no uplink) and the fall-back. With C = identity_calibrator
 * this is Fig. 4's raw-confidence threshold, with Platt Fig. 7a's.
 */
template <frame_calibrator C>
class threshold_policy {
public:
    /**
     * @param model T, T^o, L and A^o_r.
     * @param cal the calibrator applied to the raw confidence (identity_calibrator: raw), or a
     *        vector_calibrator applied to the frame's scores (CBO Fig. 6).
     * @param theta θ in [0, 1].
     * @param resolution the resolution index to offload at, or -1 for Server's rule.
     * @param frame_interval γ = 1/fps (s), > 0 (Server's rule only).
     * @throws offloadkit::invalid_argument for an invalid model, θ outside [0, 1], a resolution
     *         outside -1..m-1 or a non-positive interval.
     */
    threshold_policy(offload_model model, C cal, double theta, int resolution = -1,
                     double frame_interval = 1.0 / 30.0)
        : model_(std::move(model)), cal_(std::move(cal)), theta_(theta), resolution_(resolution),
          interval_(frame_interval) {
        constexpr std::string_view fn = "threshold_policy";
        detail::validate_offload_model(model_, fn);
        detail::require(theta >= 0.0 && theta <= 1.0, fn, "theta is ", theta, ", expected a value in [0, 1]");
        const auto m = static_cast<int>(model_.server_accuracy.size());
        detail::require(resolution >= -1 && resolution < m, fn, "resolution is ", resolution, ", expected -1..",
                        m - 1);
        detail::require_positive(frame_interval, fn, "frame_interval");
    }

    /// One decision (protocol in the file comment): releases frames with C(p) > θ and frames that
    /// can no longer be sent in time; sends the earliest other one. O(k m), no allocation.
    offload_action decide(const decision_context& ctx, std::span<const pending_frame> window,
                          std::span<std::uint8_t> release) {
        constexpr std::string_view fn = "threshold_policy::decide";
        const std::size_t m = model_.server_accuracy.size();
        detail::check_decide_input(ctx, window, release, m, fn);
        const double b = ctx.bandwidth;
        const bool can_send = b > 0.0 && std::isfinite(b);
        offload_action act;
        for (std::size_t w = 0; w < window.size(); ++w) {
            const auto& f = window[w];
            const bool off = offloads(f);
            if (!off || !can_send || act.sends()) {
                release[w] = off && can_send ? 0 : 1;  // later candidates wait for the uplink
                continue;
            }
            int pick = resolution_;
            if (pick < 0) {
                pick = detail::server_resolution(model_, interval_, f, ctx.now, b);
            } else if (!detail::fits_now(model_, f, static_cast<std::size_t>(pick), ctx.now, b)) {
                pick = -1;
            }
            if (pick >= 0) {
                act = {static_cast<std::ptrdiff_t>(w), pick};
            } else {
                release[w] = 1;  // would be late: the local result
            }
        }
        return act;
    }

    /// True when the rule offloads a frame of raw confidence p: C(p) <= θ (scalar calibrators).
    [[nodiscard]] bool offloads(double p) const
        requires calibrator<C>
    {
        return std::clamp(static_cast<double>(cal_(p)), 0.0, 1.0) <= theta_;
    }
    /// True when the rule offloads frame f: C(p_i) <= θ (calibrated_confidence()).
    [[nodiscard]] bool offloads(const pending_frame& f) const {
        return calibrated_confidence(cal_, f.confidence, f.scores, "threshold_policy::decide") <= theta_;
    }
    [[nodiscard]] double theta() const noexcept { return theta_; }

private:
    offload_model model_;
    C cal_;
    double theta_;
    int resolution_;
    double interval_;
};

/**
 * @brief FastVA (Tan & Cao, INFOCOM 2020, as CBO §V-A uses it): the same window optimizer
 *        as CBO but every frame's local accuracy is the mean NPU accuracy (no per-frame
 *        confidence). With equal confidences Algorithm 1's order is the arrival order, so this
 *        runs cbo_order::arrival (the exact window optimum) by default; `order` lets it use the
 *        same order as the CBO it is compared with, so that the comparison isolates calibration
 *        (issue 15 §5; with equal confidences both orders process the window in arrival order).
 */
class fastva_policy {
public:
    /**
     * @param model T, T^o, L and the profiled A^o_r.
     * @param mean_local_accuracy the NPU's mean accuracy on the profiling data, [0, 1].
     * @param order the window order of the DP (the order of the CBO it is compared with).
     * @throws offloadkit::invalid_argument for an invalid model or accuracy.
     */
    template <class = void>  // a template: only a caller instantiates it (compile cost, issue 14)
    fastva_policy(offload_model model, double mean_local_accuracy, cbo_order order = cbo_order::arrival)
        : model_(std::move(model)), accuracy_(mean_local_accuracy), order_(order) {
        detail::validate_offload_model(model_, "fastva_policy");
        detail::require(accuracy_ >= 0.0 && accuracy_ <= 1.0, "fastva_policy", "mean_local_accuracy is ", accuracy_,
                        ", expected a value in [0, 1]");
    }

    /// One decision (protocol in the file comment). No allocation after warm-up.
    template <class = void>  // a template: only a caller instantiates the DP (compile cost, issue 14)
    offload_action decide(const decision_context& ctx, std::span<const pending_frame> window,
                          std::span<std::uint8_t> release) {
        return detail::window_decide(
            model_, order_, [this](const pending_frame&) { return accuracy_; }, pb_, ws_, plan_, ctx, window, release,
            "fastva_policy::decide");
    }

private:
    offload_model model_;
    double accuracy_;
    cbo_order order_;
    offload_problem pb_;
    offload_workspace ws_;
    offload_plan plan_;
};

/**
 * @brief Follows a precomputed plan (the offline Optimal and Oracle of CBO §V-A): choice[id]
 *        = -1 keep local, r = offload at r. At each decision it releases the window's unplanned
 *        frames and sends the earliest planned one (FCFS, exactly the plan's timeline when the
 *        plan was computed with the same bandwidth the driver uses).
 */
class planned_policy {
public:
    /// @param choice one entry per frame id (-1 or a resolution index).
    template <class = void>  // a template: only a caller instantiates it (compile cost, issue 14)
    explicit planned_policy(std::vector<int> choice) : choice_(std::move(choice)) {
        for (std::size_t i = 0; i < choice_.size(); ++i) {
            detail::require(choice_[i] >= -1, "planned_policy", detail::arg_at{"choice", i}, " is ", choice_[i],
                            ", expected >= -1");
        }
    }

    /// One decision (protocol in the file comment). O(k), no allocation.
    template <class = void>
    offload_action decide(const decision_context&, std::span<const pending_frame> window,
                          std::span<std::uint8_t> release) {
        constexpr std::string_view fn = "planned_policy::decide";
        detail::require_same_size(release.size(), window.size(), fn, "release", "window");
        // Validate the whole window first: `release` is untouched when a frame is rejected.
        for (std::size_t w = 0; w < window.size(); ++w) {
            const std::size_t id = window[w].id;
            detail::require(id < choice_.size(), fn, "window[", w, "].id is ", id, ", the plan has ", choice_.size(),
                            " frames");
            const int c = choice_[id];
            detail::require(c < static_cast<int>(window[w].bytes.size()), fn, "plan resolution ", c, " for frame ", id,
                            " (window[", w, "]) is out of range");
        }
        offload_action act;
        for (std::size_t w = 0; w < window.size(); ++w) {
            const int c = choice_[window[w].id];
            if (c < 0) {
                release[w] = 1;
            } else if (!act.sends()) {
                act = {static_cast<std::ptrdiff_t>(w), c};
            }
        }
        return act;
    }

    [[nodiscard]] const std::vector<int>& choice() const noexcept { return choice_; }

private:
    std::vector<int> choice_;
};

static_assert(offload_policy<local_policy>);
static_assert(offload_policy<server_policy>);
static_assert(offload_policy<cbo_policy<identity_calibrator>>);
static_assert(offload_policy<fastva_policy>);
static_assert(offload_policy<threshold_policy<identity_calibrator>>);
static_assert(offload_policy<cbo_policy<one_vs_rest_calibrator>>);
static_assert(offload_policy<cbo_policy<any_calibrator>>);
static_assert(offload_policy<planned_policy>);

}  // namespace offloadkit

#endif  // OFFLOADKIT_OFFLOAD_POLICIES_HPP
