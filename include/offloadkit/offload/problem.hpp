#ifndef OFFLOADKIT_OFFLOAD_PROBLEM_HPP
#define OFFLOADKIT_OFFLOAD_PROBLEM_HPP

/**
 * @file
 * @brief The CBO offloading problem (CBO §IV-B, eq. 1-6) as a value, the plan a solver
 *        returns, and the one uplink model every solver, policy and the simulator share.
 *
 * The uplink model (docs/api.md, "offloading"; binding): the uplink sends one frame at a
 * time, first come first served. An offloaded frame i at resolution r starts at
 * max(uplink free, arrival_i), finishes after bytes_{i,r} / B, and is on time iff
 * finish + T^o + L <= arrival_i + T. A local frame takes no uplink time.
 *
 * This is CBO eq. (2) with D(k) written out as a single-server queue: the paper's
 * D(k) sums the transfer times of the offloaded frames from I_k to I_i; with the uplink idle
 * whenever no frame is waiting, the finish time of frame i is the maximum over k <= i of
 * (arrival_k + sum of those transfers), which is what the recursion start = max(free, arrival)
 * computes. Every on-time test in offloadkit goes through detail::on_time() below so that the
 * solvers, the policies and the simulator agree to the last bit.
 *
 * Local time (issue 15 §2; CBO Table III lists the NPU's inference time per frame, but the
 * model of CBO §IV-B decides a frame the moment it arrives): frame i may carry a local time
 * l_i >= 0, the time from its arrival until the local (NPU) result and its confidence are known.
 * It cannot be sent before then: a transfer starts at max(uplink free, ready_i) with
 * ready_i = arrival_i + l_i, frames are sent first come first served in order of ready_i (ties:
 * arrival, then index), and the deadline stays arrival_i + T. With l_i = 0 (the default) ready_i
 * is arrival_i bit for bit and everything is exactly the paper's model.
 *
 * Units: seconds, bytes, bytes per second.
 */

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "../error.hpp"

namespace offloadkit {

/// One frame of an offloading problem: when it arrived, how likely its local (NPU) answer is
/// right, and how many bytes it takes at each resolution.
struct offload_frame {
    double arrival = 0.0;         ///< arrival time in seconds (>= 0)
    double local_accuracy = 0.0;  ///< A^npu_{p_i}: the calibrated probability that the local answer is right, [0, 1]
    std::vector<double> bytes;    ///< S(I_i, r): bytes at resolution r, one per entry of server_accuracy, each > 0
    /// l_i: time from arrival until the local result is known (s, finite, >= 0); the frame can be
    /// sent only from arrival + local_time on (file comment; 0 = the paper's model).
    double local_time = 0.0;
    friend bool operator==(const offload_frame&, const offload_frame&) = default;
};

/**
 * @brief The CBO problem of CBO §IV-B: which frames to offload and at which resolution so
 *        that the summed accuracy is maximal and every offloaded result is back in time.
 *
 * Resolutions are indexed 0..m-1 in the order of `server_accuracy` (any order is allowed; the
 * solvers never assume that a larger index means more bytes or more accuracy).
 */
struct offload_problem {
    using frame = offload_frame;
    double deadline = 0.2;            ///< T: a frame's result is due at arrival + T (s), > 0
    double server_time = 0.037;       ///< T^o: server inference time (s), >= 0
    double network_latency = 0.1;     ///< L: network latency (s), >= 0
    double bandwidth = 625000.0;      ///< B: uplink bandwidth (bytes/s), > 0
    std::vector<double> server_accuracy;  ///< A^o_r, one per resolution, each in [0, 1]
    std::vector<offload_frame> frames;    ///< I_1..I_n, in any order (solvers sort by arrival)
    friend bool operator==(const offload_problem&, const offload_problem&) = default;
};

/**
 * @brief A solver's answer: the decision for every frame, its summed accuracy and, as in CBO
 *        Algorithm 1, the threshold θ and resolution r_o.
 */
struct offload_plan {
    /// Sum over frames of local_accuracy (local) or server_accuracy[r] (offloaded at r): eq. (1)
    /// without the 1/n factor.
    double value = 0.0;
    /// choice[i] for frames[i]: -1 = keep the local (NPU) result, r >= 0 = offload at resolution r.
    std::vector<int> choice;
    /// θ: the largest local_accuracy among the offloaded frames (Algorithm 1, line 17: the frame
    /// the backtracking reaches last is the highest-confidence offloaded one). -infinity when
    /// nothing is offloaded (no frame has confidence <= θ).
    double threshold = -std::numeric_limits<double>::infinity();
    /// r_o: the resolution of the frame this plan sends first (-1 when nothing is offloaded).
    int resolution = -1;
    /// Index into frames of the frame this plan sends first (-1 when nothing is offloaded). For
    /// cbo_schedule's confidence order this is the frame whose confidence is θ; for the arrival
    /// order it is the earliest offloaded frame.
    std::ptrdiff_t first = -1;
    friend bool operator==(const offload_plan&, const offload_plan&) = default;
};

namespace detail {

/// The one on-time test (API.md): finish + T^o + L <= arrival + T. Written once so every
/// component rounds identically.
[[nodiscard]] inline bool on_time(double finish, double arrival, double deadline, double server_time,
                                  double network_latency) noexcept {
    return finish + server_time + network_latency <= arrival + deadline;
}

/// Validates the scalar parameters of a problem (bandwidth separately: the simulator allows 0).
template <class = void>
inline void validate_offload_parameters(double deadline, double server_time, double network_latency,
                                        std::span<const double> server_accuracy, std::string_view function) {
    require_positive(deadline, function, "deadline");
    require_non_negative(server_time, function, "server_time");
    require_non_negative(network_latency, function, "network_latency");
    require_not_empty(server_accuracy.size(), function, "server_accuracy");
    require_unit_interval(server_accuracy, function, "server_accuracy");
}

/// Validates one frame of `m` resolutions; `index` names it in messages ("frames[3].bytes[1] ...").
template <class = void>
inline void validate_offload_frame(const offload_frame& f, std::size_t index, std::size_t m,
                                   std::string_view function) {
    require(std::isfinite(f.arrival) && f.arrival >= 0.0, function, "frames[", index, "].arrival is ", f.arrival,
            ", expected a finite number >= 0");
    require(f.local_accuracy >= 0.0 && f.local_accuracy <= 1.0, function, "frames[", index, "].local_accuracy is ",
            f.local_accuracy, ", expected a value in [0, 1]");
    require(f.bytes.size() == m, function, "frames[", index, "].bytes has size ", f.bytes.size(), ", expected ", m,
            " (the size of server_accuracy)");
    require(std::isfinite(f.local_time) && f.local_time >= 0.0, function, "frames[", index, "].local_time is ",
            f.local_time, ", expected a finite number >= 0");
    for (std::size_t r = 0; r < m; ++r) {
        require(std::isfinite(f.bytes[r]) && f.bytes[r] > 0.0, function, "frames[", index, "].bytes[", r, "] is ",
                f.bytes[r], ", expected a finite number > 0");
    }
}

/// Validates a whole problem (bandwidth > 0). O(n m), no allocation.
template <class = void>
inline void validate_offload_problem(const offload_problem& pb, std::string_view function) {
    validate_offload_parameters(pb.deadline, pb.server_time, pb.network_latency, pb.server_accuracy, function);
    require_positive(pb.bandwidth, function, "bandwidth");
    for (std::size_t i = 0; i < pb.frames.size(); ++i) {
        validate_offload_frame(pb.frames[i], i, pb.server_accuracy.size(), function);
    }
}

/// When frame f can be sent at the earliest: arrival + local_time (== arrival when local_time is 0).
[[nodiscard]] inline double ready_time(const offload_frame& f) noexcept { return f.arrival + f.local_time; }

/// Frame indices in the FCFS send order of docs/api.md: by ready time (arrival + local_time, which
/// is the arrival when local_time is 0), ties by arrival, then by lower index.
/// O(n log n); std::sort with the index tie-break is stable in effect and never allocates beyond
/// `order` (std::stable_sort may).
template <class = void>
inline void sort_by_arrival(const offload_problem& pb, std::vector<std::size_t>& order) {
    order.resize(pb.frames.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
        const double rx = ready_time(pb.frames[x]);
        const double ry = ready_time(pb.frames[y]);
        if (rx != ry) {
            return rx < ry;
        }
        const double ax = pb.frames[x].arrival;
        const double ay = pb.frames[y].arrival;
        return ax < ay || (ax == ay && x < y);
    });
}

/**
 * The FCFS uplink replay (CBO eq. 2 with docs/api.md's sending rule), written once for
 * evaluate_plan() and cbo_schedule's final check: the frames of `arrival_order` with choice >= 0
 * are sent one after another, each starting at max(uplink free, ready) and taking
 * bytes[choice] / bandwidth. A frame whose transfer would end late is passed to `late(i)`, which
 * returns whether it is sent anyway (the uplink is then busy until its end) or not at all.
 * @return when the uplink becomes free after the last transfer. O(n), no allocation.
 */
template <class Late>
double replay_fcfs(const offload_problem& pb, std::span<const std::size_t> arrival_order, std::span<const int> choice,
                   double uplink_free_at, Late late) {
    double free_at = uplink_free_at;
    for (const std::size_t i : arrival_order) {
        const int c = choice[i];
        if (c < 0) {
            continue;
        }
        const auto& f = pb.frames[i];
        const double finish = std::max(free_at, ready_time(f)) + f.bytes[static_cast<std::size_t>(c)] / pb.bandwidth;
        if (on_time(finish, f.arrival, pb.deadline, pb.server_time, pb.network_latency) || late(i)) {
            free_at = finish;
        }
    }
    return free_at;
}

}  // namespace detail

/// What evaluate_plan() finds for a plan: its value and whether it meets every deadline.
struct plan_evaluation {
    double value = 0.0;        ///< eq. (1) without 1/n: the summed accuracy of the plan
    bool feasible = true;      ///< every offloaded frame on time under the FCFS uplink
    std::size_t late = 0;      ///< number of offloaded frames that would be late
    double uplink_free = 0.0;  ///< when the uplink becomes free after the last transfer
};

/**
 * @brief Replays `choice` on the FCFS uplink model of docs/api.md and reports the summed
 *        accuracy and whether every offloaded frame is on time (CBO eq. 1-2).
 *
 * Frames are sent in order of ready time (arrival + local_time; ties: arrival, then lower index),
 * each starting at max(uplink free, ready). The value sums in index order.
 * @param pb the problem (validated).
 * @param choice one entry per frame: -1 local, r in [0, m) offload at r.
 * @param uplink_free_at when the uplink becomes free (s), finite.
 * @return value, feasibility, count of late frames, final uplink free time.
 * @throws offloadkit::invalid_argument for an invalid problem, a choice of the wrong size or out
 *         of range ("evaluate_plan: choice[2] is 7, expected -1..4").
 * Complexity O(n log n) (a sort of the frames by arrival); allocates.
 */
template <class = void>
[[nodiscard]] inline plan_evaluation evaluate_plan(const offload_problem& pb, std::span<const int> choice,
                                                   double uplink_free_at = 0.0) {
    constexpr std::string_view fn = "evaluate_plan";
    detail::validate_offload_problem(pb, fn);
    detail::require_finite(uplink_free_at, fn, "uplink_free_at");
    detail::require_same_size(choice.size(), pb.frames.size(), fn, "choice", "frames");
    const auto m = static_cast<int>(pb.server_accuracy.size());
    for (std::size_t i = 0; i < choice.size(); ++i) {
        detail::require(choice[i] >= -1 && choice[i] < m, fn, detail::arg_at{"choice", i}, " is ", choice[i],
                        ", expected -1..", m - 1);
    }
    plan_evaluation ev;
    for (std::size_t i = 0; i < choice.size(); ++i) {
        ev.value +=
            choice[i] < 0 ? pb.frames[i].local_accuracy : pb.server_accuracy[static_cast<std::size_t>(choice[i])];
    }
    std::vector<std::size_t> order;
    detail::sort_by_arrival(pb, order);
    ev.uplink_free = detail::replay_fcfs(pb, order, choice, uplink_free_at, [&](std::size_t) {
        ev.feasible = false;
        ++ev.late;
        return true;  // a late frame still occupies the uplink
    });
    return ev;
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_OFFLOAD_PROBLEM_HPP
