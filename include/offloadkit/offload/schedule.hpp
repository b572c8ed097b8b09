#ifndef OFFLOADKIT_OFFLOAD_SCHEDULE_HPP
#define OFFLOADKIT_OFFLOAD_SCHEDULE_HPP

/**
 * @file
 * @brief CBO's dynamic programs over Pareto lists of (uplink free time, accuracy) pairs:
 *        the exact optimum solve_optimal() (CBO §IV-C, the "Optimal" of §V) and
 *        Algorithm 1, cbo_schedule() (CBO §IV-D), with a reusable workspace.
 *
 * ## Why first-come-first-served loses nothing (the exchange argument)
 *
 * Every frame has the same relative deadline: offloaded frame i must finish its transfer by
 * d_i = a_i + T - T^o - L, so sorting by arrival a_i is sorting by deadline d_i. Take any
 * schedule that sends a set S of frames over one uplink in some order, each transfer starting
 * at max(uplink free, arrival), and meets every deadline. Suppose two consecutive transfers x
 * then y have a_y < a_x (or a_y == a_x and y has the lower index), so d_y <= d_x. Let F be the
 * time the uplink frees before x, s_x = max(F, a_x) >= max(F, a_y), b_x, b_y the transfer times.
 * Originally y finishes at f_y = max(s_x + b_x, a_y) + b_y >= s_x + b_x + b_y, and f_y <= d_y.
 * Swap them: y now finishes at f'_y = max(F, a_y) + b_y <= s_x + b_y <= f_y <= d_y. x starts at
 * max(f'_y, a_x) and finishes at f'_x:
 *  - if f'_y >= a_x: f'_x = max(F, a_y) + b_y + b_x <= s_x + b_x + b_y <= f_y;
 *  - otherwise f'_x = a_x + b_x <= s_x + b_x <= f_y.
 * Either way f'_x <= f_y <= d_y <= d_x, both frames are on time, and the pair frees the uplink no
 * later than before (max(f'_x, f'_y) <= f_y), so every later transfer starts no later and stays
 * on time. Values do not change (same frames, same resolutions). Repeating the swap (bubble sort)
 * turns any feasible schedule into the arrival-ordered one, so the optimum over all send orders
 * equals the optimum with FCFS sending — which is the binding uplink model of docs/api.md.
 * The same argument shows that if Algorithm 1's confidence-ordered timeline meets every deadline,
 * the FCFS execution of the same choices does too (tests check both facts by brute force).
 *
 * With local times (problem.hpp: a frame can be sent from ready_i = a_i + l_i on), the same
 * argument goes through with ready_i in place of a_i wherever a transfer starts, as long as
 * sorting by ready time is sorting by deadline — a constant local time, or a sequential NPU
 * (ready_i = max(a_i, ready_{i-1}) + t_i, the simulator's model). For arbitrary per-frame local
 * times the binding model is FCFS by ready time, and the DP below, which processes frames in that
 * order, is the exact optimum of that model.
 *
 * ## The dynamic program
 *
 * Frames are processed one by one; a *label* (t, v) is a partial schedule whose uplink is free at
 * t and whose accuracy gain over "everything local" is v. Each step keeps the label (frame stays
 * local) or offloads the frame at resolution r: t' = max(t, a_i) + S(i, r) / B, kept only if
 * t' + T^o + L <= a_i + T (Algorithm 1, lines 6-9). Labels that another label dominates (earlier
 * or equal t, higher or equal v) are removed (line 10) with the one Pareto-list implementation,
 * pareto/frontier.hpp. Only the previous level's labels are kept in full; every finished level
 * leaves one 32-bit word per label, parent * (m + 1) + choice + 1 (parent = index in the level
 * before), so the plan is read back in O(n) and memory is 4 bytes per label kept over the whole
 * run (a 7000-frame trace with an idle network keeps ~68 million labels: 270 MB, not 1.6 GB).
 *
 * solve_optimal additionally uses *arrival dominance*: when every frame still to be processed
 * arrives at or after c, all labels with t <= c behave identically from then on (max(t, a) = a),
 * so only the best of them is kept. This is exact and keeps the lists short: only labels whose
 * uplink is busy past the next arrival survive.
 */

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "../error.hpp"
#include "../pareto/frontier.hpp"
#include "problem.hpp"

namespace offloadkit {

/// In which order cbo_schedule() processes the pending frames.
enum class cbo_order {
    /// CBO Algorithm 1 as written: descending confidence (local_accuracy), ties by index;
    /// the DP's timeline sends frames in that order.
    confidence,
    /// Arrival order (ties by index), with arrival dominance: the exact optimum over the window
    /// under the FCFS uplink (equal to solve_optimal(pb, uplink_free_at)).
    arrival
};

namespace detail {
/// One DP label: uplink free time (`cost`), accumulated gain (`value`), and how it was made.
struct dp_label {
    double cost = 0.0;         ///< t: when the uplink is free after this partial schedule (s)
    double value = 0.0;        ///< A: accuracy gain over keeping every processed frame local
    std::uint32_t parent = 0;  ///< index in the previous level of the label it extends
    std::int32_t choice = -1;  ///< -1: the frame of this level stays local; r: offloaded at r
};

}  // namespace detail

/**
 * @brief Reusable buffers for solve_optimal() and cbo_schedule(): after the first call on a
 *        problem of a given size, later calls of the same or smaller size do not allocate.
 *
 * Not thread-safe: use one workspace per thread.
 */
class offload_workspace {
public:
    offload_workspace() = default;

    /// Number of labels the last solve kept over all levels (a measure of the DP's work).
    [[nodiscard]] std::size_t labels() const noexcept { return back_.size(); }

private:
    template <class Arrival, class Gain, class Finish, class OnTime>
    friend double detail_run_pareto_dp(offload_workspace&, std::span<const std::size_t>, std::size_t, double, bool,
                                       Arrival, Gain, Finish, OnTime, std::span<int>);
    friend struct offload_workspace_access;

    std::vector<std::uint32_t> back_;       // every level's labels: parent * (m + 1) + choice + 1
    std::vector<std::size_t> level_begin_;  // where each level starts in back_
    std::vector<detail::dp_label> prev_;    // the previous level's labels in full
    std::vector<detail::dp_label> cur_;
    std::vector<detail::dp_label> next_;
    std::vector<detail::dp_label> cand_;
    std::vector<double> suffix_min_;
    std::vector<std::size_t> order_;
    std::vector<std::size_t> fcfs_;
};

/// Internal access to the workspace buffers (not part of the public API).
struct offload_workspace_access {
    static std::vector<std::size_t>& order(offload_workspace& ws) noexcept { return ws.order_; }
    static std::vector<std::size_t>& fcfs(offload_workspace& ws) noexcept { return ws.fcfs_; }
};

/**
 * @brief The Pareto-pair dynamic program shared by every solver here (internal).
 *
 * Processes `order` (indices of items); `arrival(i)`, `gain(i, r)`, `finish(start, i, r)` (must be
 * non-decreasing in start) and `on_time(finish, i)` describe the items. With `collapse`, labels
 * whose uplink frees before every remaining arrival are merged (exact). Writes choice[i] for
 * every processed item and returns the best total gain. O(n m L) for lists of length L.
 */
template <class Arrival, class Gain, class Finish, class OnTime>
double detail_run_pareto_dp(offload_workspace& ws, std::span<const std::size_t> order, std::size_t m,
                            double uplink_free_at, bool collapse, Arrival arrival, Gain gain, Finish finish,
                            OnTime on_time, std::span<int> choice) {
    using detail::dp_label;
    const std::size_t n = order.size();
    auto& back = ws.back_;
    auto& prev = ws.prev_;
    auto& level = ws.level_begin_;
    back.clear();
    prev.clear();
    level.clear();
    level.push_back(0);
    back.push_back(0);
    prev.push_back(dp_label{uplink_free_at, 0.0, 0, -1});  // l_0 = {(free, 0)} (line 1)
    if (collapse) {
        ws.suffix_min_.resize(n);
        double c = std::numeric_limits<double>::infinity();
        for (std::size_t j = n; j-- > 0;) {
            c = std::min(c, static_cast<double>(arrival(order[j])));
            ws.suffix_min_[j] = c;
        }
    }
    const auto cost_of = [](const dp_label& l) { return l.cost; };
    const auto value_of = [](const dp_label& l) { return l.value; };
    for (std::size_t j = 0; j < n; ++j) {  // line 2
        const std::size_t i = order[j];
        const double a = arrival(i);
        const std::size_t e = prev.size();
        std::size_t first = 0;
        if (collapse) {  // arrival dominance: labels free before every remaining arrival are equivalent
            const double c = ws.suffix_min_[j];
            while (first + 1 < e && prev[first + 1].cost <= c) {
                ++first;
            }
        }
        // Trace-back words parent * (m + 1) + choice + 1 must fit in 32 bits.
        detail::require(m < std::size_t{0xFFFFFFFFu} && e <= (std::size_t{0xFFFFFFFFu} - m) / (m + 1), "solve_optimal",
                        "more than 2^32 / (resolutions + 1) labels in one level");
        const auto parent_of = [](std::size_t q) { return static_cast<std::uint32_t>(q); };
        // Line 4: every pair of l_{j-1} is carried into l_j (the frame stays local).
        ws.cur_.clear();
        for (std::size_t q = first; q < e; ++q) {
            ws.cur_.push_back(dp_label{prev[q].cost, prev[q].value, parent_of(q), -1});
        }
        // Labels free by a all start at a; the last of them has the highest value.
        std::size_t q0 = first;
        while (q0 + 1 < e && prev[q0 + 1].cost <= a) {
            ++q0;
        }
        for (std::size_t r = 0; r < m; ++r) {  // line 5
            const double g = gain(i, r);       // line 8: A^o_r - A^npu_{p_j}
            if (!(g > 0.0)) {
                continue;  // a non-positive gain only adds uplink time: always dominated
            }
            ws.cand_.clear();
            for (std::size_t q = q0; q < e; ++q) {
                const double t = finish(std::max(prev[q].cost, a), i, r);  // line 6
                if (!on_time(t, i)) {                                      // line 7
                    break;  // t is non-decreasing in q: no later label fits either
                }
                const dp_label nl{t, prev[q].value + g, parent_of(q), static_cast<std::int32_t>(r)};  // line 9
                if (!ws.cand_.empty() && ws.cand_.back().cost == t) {
                    ws.cand_.back() = nl;  // equal times after rounding: keep the higher value
                } else {
                    ws.cand_.push_back(nl);
                }
            }
            if (ws.cand_.empty()) {
                continue;
            }
            // Line 10: merge and remove dominated pairs (ties: the earlier list wins).
            pareto_merge<dp_label>(ws.cur_, ws.cand_, ws.next_, cost_of, value_of);
            std::swap(ws.cur_, ws.next_);
        }
        level.push_back(back.size());
        for (const dp_label& l : ws.cur_) {
            back.push_back(static_cast<std::uint32_t>(l.parent * (m + 1) + static_cast<std::size_t>(l.choice + 1)));
        }
        std::swap(prev, ws.cur_);
    }
    // Line 11: the best pair of l_k is the last one (values strictly increase along the list).
    const double best = prev.back().value;
    std::size_t idx = prev.size() - 1;
    // Lines 12-17: follow the back-pointers from l_k to l_0.
    for (std::size_t j = n; j-- > 0;) {
        const std::size_t word = back[level[j + 1] + idx];
        choice[order[j]] = static_cast<int>(word % (m + 1)) - 1;
        idx = word / (m + 1);
    }
    return best;
}

namespace detail {

template <class = void>
inline void sort_by_confidence(const offload_problem& pb, std::vector<std::size_t>& order) {
    order.resize(pb.frames.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
        const double px = pb.frames[x].local_accuracy;
        const double py = pb.frames[y].local_accuracy;
        return px > py || (px == py && x < y);
    });
}

/// Runs the DP on `pb` in `order_kind` and fills `out` (value summed in index order, θ, r_o, first).
template <class = void>
inline void solve_into(const offload_problem& pb, double uplink_free_at, offload_workspace& ws, offload_plan& out,
                       cbo_order order_kind) {
    auto& order = offload_workspace_access::order(ws);
    if (order_kind == cbo_order::arrival) {
        sort_by_arrival(pb, order);
    } else {
        sort_by_confidence(pb, order);
    }
    const std::size_t m = pb.server_accuracy.size();
    out.choice.assign(pb.frames.size(), -1);
    const double bandwidth = pb.bandwidth;
    detail_run_pareto_dp(
        ws, order, m, uplink_free_at, order_kind == cbo_order::arrival,
        // The DP's "arrival" is when a frame can be sent: arrival + local_time (issue 15 §2; the
        // arrival itself when local_time is 0). The on-time test below keeps the true arrival.
        [&](std::size_t i) { return ready_time(pb.frames[i]); },
        [&](std::size_t i, std::size_t r) { return pb.server_accuracy[r] - pb.frames[i].local_accuracy; },
        [&](double start, std::size_t i, std::size_t r) { return start + pb.frames[i].bytes[r] / bandwidth; },
        [&](double finish, std::size_t i) {
            return on_time(finish, pb.frames[i].arrival, pb.deadline, pb.server_time, pb.network_latency);
        },
        out.choice);
    if (order_kind == cbo_order::confidence) {
        // The exchange argument (file comment) makes the confidence-ordered timeline's set on time
        // under FCFS in real arithmetic; in binary64 the FCFS sums can end one ulp past a deadline
        // the timeline met (frames arriving together; found by tests/fuzz/fuzz_schedule). Replay
        // FCFS, as evaluate_plan() does, and keep a frame that would be late local: the plan is
        // then feasible under the binding model. Nothing changes unless rounding bites.
        auto& fcfs = offload_workspace_access::fcfs(ws);
        sort_by_arrival(pb, fcfs);
        (void)replay_fcfs(pb, fcfs, out.choice, uplink_free_at, [&](std::size_t i) {
            out.choice[i] = -1;
            return false;  // not sent: the uplink stays free for the next frame
        });
    }
    out.value = 0.0;
    out.threshold = -std::numeric_limits<double>::infinity();
    out.resolution = -1;
    out.first = -1;
    for (std::size_t i = 0; i < pb.frames.size(); ++i) {
        const int c = out.choice[i];
        out.value += c < 0 ? pb.frames[i].local_accuracy : pb.server_accuracy[static_cast<std::size_t>(c)];
        if (c >= 0) {
            out.threshold = std::max(out.threshold, pb.frames[i].local_accuracy);
        }
    }
    // The frame sent first: the first offloaded one in processing order (the DP's timeline).
    for (const std::size_t i : order) {
        if (out.choice[i] >= 0) {
            out.first = static_cast<std::ptrdiff_t>(i);
            out.resolution = out.choice[i];
            break;
        }
    }
}

}  // namespace detail

/**
 * @brief The exact optimum of the CBO problem (CBO §IV-C, eq. 1-6 without the threshold
 *        constraints 3-4; the "Optimal" of §V): every subset of frames and every resolution, under
 *        the FCFS uplink of docs/api.md.
 *
 * Frames are processed in arrival order (sorted stably here; the file comment proves FCFS
 * optimal by the exchange argument) over Pareto lists of (uplink free time, accuracy) labels
 * with dominance and arrival-dominance pruning (CBO §IV-C's "most efficient paths").
 * @param pb the problem; frames may be in any order (choice[i] always refers to pb.frames[i]).
 * @param uplink_free_at when the uplink becomes free (s); 0 = free from the start.
 * @return the plan: value (summed accuracy, eq. 1 times n), choice per frame, θ = largest
 *         local_accuracy offloaded, first = earliest offloaded frame, resolution = its resolution.
 * @throws offloadkit::invalid_argument for a negative/NaN time, bandwidth <= 0, deadline <= 0,
 *         an empty server_accuracy, a frame whose bytes count differs from it or a byte size
 *         <= 0, an accuracy outside [0, 1].
 * Complexity O(n log n + n m L), L the longest Pareto list (bounded by the number of distinct
 * uplink-free times reachable within one deadline window; CBO bounds it by T).
 * @code
 * ok::offload_plan opt = ok::solve_optimal(pb);
 * for (std::size_t i = 0; i < pb.frames.size(); ++i) use(opt.choice[i]);   // -1 local, r offload
 * @endcode
 */
template <class = void>
[[nodiscard]] inline offload_plan solve_optimal(const offload_problem& pb, double uplink_free_at = 0.0) {
    detail::validate_offload_problem(pb, "solve_optimal");
    detail::require_finite(uplink_free_at, "solve_optimal", "uplink_free_at");
    offload_workspace ws;
    offload_plan out;
    detail::solve_into(pb, uplink_free_at, ws, out, cbo_order::arrival);
    return out;
}

/**
 * @brief solve_optimal() into a caller-owned plan, reusing `ws`: no allocation once the
 *        workspace and `out.choice` have grown to the problem's size.
 * @throws offloadkit::invalid_argument as solve_optimal(); `out` is untouched on error.
 */
template <class = void>
inline void solve_optimal(const offload_problem& pb, double uplink_free_at, offload_workspace& ws, offload_plan& out) {
    detail::validate_offload_problem(pb, "solve_optimal");
    detail::require_finite(uplink_free_at, "solve_optimal", "uplink_free_at");
    detail::solve_into(pb, uplink_free_at, ws, out, cbo_order::arrival);
}

/**
 * @brief CBO Algorithm 1 (the CBO algorithm) on the frames of `pb`, which are the k frames
 *        processed locally and not yet decided; returns the full plan plus θ and r_o.
 *
 * As written: frames sorted by descending confidence (here local_accuracy, the calibrated
 * A^npu_{p_i}); l_0 = {(uplink_free_at, 0)}; for each frame every pair is carried over and, per
 * resolution r, (max(t, t^arr_j) + S(j,r)/B, A + A^o_r - A^npu_{p_j}) is added when
 * t' + T^o + L <= T + t^arr_j; dominated pairs are removed; the best pair of l_k is traced back
 * to give θ and r_o.
 *
 * Where the text of Algorithm 1 is ambiguous, this implementation chooses:
 *  1. Ties in confidence are broken by frame index (arrival order for a pending window).
 *  2. Line 1 starts at (0, 0) in the paper; here at (uplink_free_at, 0), the time the uplink is
 *     free, which is the same when the uplink is idle (times are absolute).
 *  3. The timeline t of the DP sends frames in the processing (confidence) order — the text says
 *     so (max(t, t^arr_j) in processing order). With FCFS sending, that timeline is only a
 *     sufficient feasibility test: by the exchange argument (file comment), any set it accepts is
 *     also on time when sent in arrival order, so plans are always feasible under the binding
 *     uplink model; it may reject sets FCFS would accept (cbo_order::arrival does not). The
 *     argument is exact in real arithmetic only: the plan is replayed FCFS at the end and a frame
 *     that rounding makes late there (by an ulp, frames arriving together) is kept local.
 *  4. Line 10's dominance "t' <= t and A' >= A" removes one of two equal pairs; the pair already in
 *     the list (the frame kept local, or a lower resolution) is kept. Pairs with a non-positive
 *     gain A^o_r - A^npu_{p_j} are never added, since the carried-over pair dominates them.
 *  5. Lines 12-17 search l_j for a pair with t + S/B == t' and A + A' == A'; the search ignores the
 *     max(t, t^arr_j) of line 6 and may match several pairs. Here every pair stores a back-pointer
 *     to the pair it extends, so the trace-back follows exactly the path the DP built (identical
 *     when the match is unique). Line 15's index I_j is read as the frame that extends l_j to
 *     l_{j+1}.
 *  6. θ and r_o are the confidence and resolution of the last frame the trace-back reaches, i.e.
 *     the highest-confidence offloaded frame, which is the frame the DP's timeline sends first
 *     (plan.first); "the schedule decision is determined for frame I_1" and the algorithm is re-run
 *     after that frame is sent (§IV-D). With nothing offloaded θ = -infinity and r_o = -1.
 *  7. plan.choice reports the DP's full subset. It need not be a threshold rule in confidence
 *     (constraints 3-4 of §IV-B): the DP is a knapsack over all subsets, and θ only says which
 *     frame goes first.
 *
 * @param pb the pending window (frames in any order).
 * @param uplink_free_at when the uplink becomes free (s), finite.
 * @return the plan (value summed over pb.frames in index order), with threshold θ, resolution
 *         r_o and first (the index of the frame to send now).
 * @throws offloadkit::invalid_argument as solve_optimal().
 * Complexity O(k log k + k m L) (CBO: O(k^2 m)); allocates: use the workspace overload in
 * a loop.
 */
template <class = void>
[[nodiscard]] inline offload_plan cbo_schedule(const offload_problem& pb, double uplink_free_at,
                                               cbo_order order = cbo_order::confidence) {
    detail::validate_offload_problem(pb, "cbo_schedule");
    detail::require_finite(uplink_free_at, "cbo_schedule", "uplink_free_at");
    offload_workspace ws;
    offload_plan out;
    detail::solve_into(pb, uplink_free_at, ws, out, order);
    return out;
}

/**
 * @brief cbo_schedule() into a caller-owned plan reusing `ws`: after a warm-up call of the same
 *        window size no call allocates (the per-frame decision path of the online policies).
 *
 * With `order == cbo_order::arrival` this is the arrival-ordered variant: the exact optimum
 * restricted to the pending window, equal to solve_optimal(pb, uplink_free_at).
 * @throws offloadkit::invalid_argument as solve_optimal(); `out` is untouched on error.
 */
template <class = void>
inline void cbo_schedule(const offload_problem& pb, double uplink_free_at, offload_workspace& ws, offload_plan& out,
                         cbo_order order = cbo_order::confidence) {
    detail::validate_offload_problem(pb, "cbo_schedule");
    detail::require_finite(uplink_free_at, "cbo_schedule", "uplink_free_at");
    detail::solve_into(pb, uplink_free_at, ws, out, order);
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_OFFLOAD_SCHEDULE_HPP
