#ifndef OFFLOADKIT_MULTITASK_DEPLOYMENT_HPP
#define OFFLOADKIT_MULTITASK_DEPLOYMENT_HPP

/**
 * @file
 * @brief Executing an AMVP placement (AMVP §IV-C, Fig. 7b): the part instances a placement asks
 *        each device to run (amvp_deploy), the memory budgets of constraint (12) checked against
 *        them, and the per-task measurement of a run beside the planner's prediction
 *        (amvp_run_recorder: every (frame, task) accounted exactly once; latency, throughput,
 *        accuracy and the cost of eq. 6 from the measured figures).
 *
 * ### Part instances (what runs where)
 * A task's choice (candidate, split, devices, shares) becomes a part-1 instance on its first
 * device and, when split, a part-2 instance on its second device. Part-1 instances that the
 * evaluator shares (amvp_task_outcome::first_instance: same base, split point <= both tasks'
 * frozen layers, same device and share) are one instance feeding every sharing task's part 2:
 * AMVP's common frozen layers run once (§IV-A). An unsplit choice (split layer == the base's
 * layers) is one `whole` instance that yields the task's result itself.
 */

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../error.hpp"
#include "cost.hpp"
#include "problem.hpp"

namespace offloadkit {

/// What a part instance runs.
enum class amvp_part_kind : std::uint8_t {
    first,   ///< part 1 (FE) of a split CNN: frame -> features, feeding one or more part 2s
    second,  ///< part 2 (FI): features -> the task's label
    whole,   ///< the unsplit CNN: frame -> the task's label
};

/// One part instance of a deployment.
struct amvp_part_instance {
    amvp_part_kind kind = amvp_part_kind::whole;
    std::size_t device = 0;         ///< index into problem.devices
    double share = 1.0;             ///< u, the compute share it may use (eq. 7-8)
    std::size_t base = 0;           ///< index into problem.bases
    std::size_t split = 0;          ///< index into the base's splits
    int layer = 0;                  ///< the split layer (== base layers for `whole`)
    std::vector<std::size_t> tasks; ///< first: the tasks it feeds (ascending); second/whole: its one task
    std::size_t candidate = 0;      ///< second/whole: the task's candidate; first: the first fed task's
    double memory = 0.0;            ///< r of eq. 12, bytes
    double latency = 0.0;           ///< l at 100% of its device (s)
};

/// How one task's frames travel.
struct amvp_task_route {
    std::size_t first = 0;   ///< index into parts: the part-1 (or whole) instance
    std::size_t second = std::numeric_limits<std::size_t>::max();  ///< the part-2 instance (max: unsplit)
    bool remote = false;     ///< part 2 is on another device than part 1 (a link is crossed)
    bool compressed = false; ///< the planner sends the feature quantized (eq. 5)
    double feature_bytes = 0.0;  ///< f, raw binary32 bytes
    [[nodiscard]] bool split() const noexcept { return second != std::numeric_limits<std::size_t>::max(); }
};

/// A placement turned into part instances, with the memory of constraint (12) per device.
struct amvp_deployment {
    std::vector<amvp_part_instance> parts;
    std::vector<amvp_task_route> tasks;        ///< one per task
    std::vector<double> memory_used;           ///< bytes per device (sum of its instances' memory)
    std::vector<double> share_used;            ///< compute share per device (sum of its instances' u)
    std::vector<std::string> over_budget;      ///< one message per device whose memory exceeds R_k
    /// The devices that host at least one instance, ascending.
    template <class = void>  // a template: only a caller instantiates it (compile cost, issue 14)
    [[nodiscard]] std::vector<std::size_t> devices_used() const {
        std::vector<std::size_t> d;
        for (const auto& p : parts) {
            if (std::find(d.begin(), d.end(), p.device) == d.end()) {
                d.push_back(p.device);
            }
        }
        std::sort(d.begin(), d.end());
        return d;
    }
};

/**
 * @brief The part instances of an assignment (file comment), with sharing as amvp_evaluate
 *        decides it, and the memory budgets (eq. 12) checked: a device whose instances need more
 *        than R_k gets a message in `over_budget` (the caller refuses or flags the run).
 * @param choices one per task, as minmax_cost_solve returns them.
 * @throws offloadkit::invalid_argument for an invalid problem or choices (as amvp_evaluate).
 * O(tasks^2 + problem size).
 */
template <class = void>
[[nodiscard]] inline amvp_deployment amvp_deploy(const amvp_problem& problem, std::span<const amvp_task_choice> choices) {
    const auto ev = amvp_evaluate(problem, choices);
    amvp_deployment d;
    const std::size_t S = choices.size();
    const double q = problem.share_steps;
    d.tasks.resize(S);
    std::vector<std::size_t> first_of_instance;  // evaluator's first_instance -> our part index
    std::vector<std::size_t> instance_ids;
    for (std::size_t s = 0; s < S; ++s) {
        const auto& ch = choices[s];
        const auto& cand = problem.tasks[s].candidates[ch.candidate];
        const auto& base = problem.bases[cand.base];
        const auto& sp = base.splits[ch.split];
        const auto& o = ev.tasks[s];
        auto& route = d.tasks[s];
        const auto it = std::find(instance_ids.begin(), instance_ids.end(), o.first_instance);
        if (it != instance_ids.end() && o.split) {
            route.first = first_of_instance[static_cast<std::size_t>(it - instance_ids.begin())];
            d.parts[route.first].tasks.push_back(s);
        } else {
            amvp_part_instance p;
            p.kind = o.split ? amvp_part_kind::first : amvp_part_kind::whole;
            p.device = ch.first_device;
            p.share = ch.first_steps / q;
            p.base = cand.base;
            p.split = ch.split;
            p.layer = sp.layer;
            p.tasks = {s};
            p.candidate = ch.candidate;
            p.memory = sp.first.memory;
            p.latency = sp.first.latency[ch.first_device];
            route.first = d.parts.size();
            d.parts.push_back(std::move(p));
            instance_ids.push_back(o.first_instance);
            first_of_instance.push_back(route.first);
        }
        if (o.split) {
            amvp_part_instance p;
            p.kind = amvp_part_kind::second;
            p.device = ch.second_device;
            p.share = ch.second_steps / q;
            p.base = cand.base;
            p.split = ch.split;
            p.layer = sp.layer;
            p.tasks = {s};
            p.candidate = ch.candidate;
            p.memory = sp.second.memory;
            p.latency = sp.second.latency[ch.second_device];
            route.second = d.parts.size();
            route.remote = ch.second_device != ch.first_device;
            route.compressed = o.compressed;
            route.feature_bytes = sp.feature_bytes;
            d.parts.push_back(std::move(p));
        }
    }
    const std::size_t K = problem.devices.size();
    d.memory_used.assign(K, 0.0);
    d.share_used.assign(K, 0.0);
    for (const auto& p : d.parts) {
        d.memory_used[p.device] += p.memory;
        d.share_used[p.device] += p.share;
    }
    for (std::size_t k = 0; k < K; ++k) {
        if (d.memory_used[k] > problem.devices[k].memory) {
            d.over_budget.push_back("device " + problem.devices[k].name + " needs " +
                                    std::to_string(d.memory_used[k]) + " bytes, R_k is " +
                                    std::to_string(problem.devices[k].memory) + " (eq. 12)");
        }
    }
    return d;
}

/// A task's latency and throughput as eq. 7 and 8 give them for given per-call part costs.
struct amvp_predicted_rates {
    double latency = 0.0;     ///< seconds (eq. 7)
    double throughput = 0.0;  ///< frames/s (eq. 8)
};

/**
 * @brief Eq. 7 and 8 (AMVP §IV-B) for task `s` of a deployment with the CPU seconds per call each
 *        part took (`part_cpu`, indexed like d.parts) instead of the profile's l: latency
 *        l1 / u1 + D + l2 / u2 and throughput min(u1 / l1, 1 / D, u2 / l2) (unsplit: l / u and
 *        u / l; D = `transfer_time`, 0 means no 1 / D term). Run with measured costs, it separates
 *        the execution (shares, links, processes) from the profile's drift. When the measured part
 *        costs include the feature codec (the AMVP executor runs it under the parts' shares), pass
 *        the link's part of D only (amvp_task_outcome::wire_time), or the codec counts twice.
 * @throws offloadkit::invalid_argument for s out of range or part_cpu not one value per part.
 */
template <class = void>
[[nodiscard]] inline amvp_predicted_rates amvp_repredict(const amvp_deployment& d, std::size_t s,
                                                         std::span<const double> part_cpu, double transfer_time) {
    constexpr std::string_view fn = "amvp_repredict";
    detail::require(s < d.tasks.size(), fn, "task is ", s, ", expected < ", d.tasks.size());
    detail::require(part_cpu.size() == d.parts.size(), fn, "part_cpu has size ", part_cpu.size(), ", expected ",
                    d.parts.size(), " (one per part)");
    const auto& r = d.tasks[s];
    const double u1 = d.parts[r.first].share;
    amvp_predicted_rates p{part_cpu[r.first] / u1, u1 / part_cpu[r.first]};
    if (r.split()) {
        const double u2 = d.parts[r.second].share;
        p.latency += part_cpu[r.second] / u2 + transfer_time;
        p.throughput = std::min(p.throughput, u2 / part_cpu[r.second]);
        if (transfer_time > 0.0) {
            p.throughput = std::min(p.throughput, 1.0 / transfer_time);
        }
    }
    return p;
}

/// Per-task figures of a run (one phase of it), measured, beside the planner's prediction.
struct amvp_task_measurement {
    std::size_t frames = 0;      ///< frames the task was asked to process
    std::size_t ok = 0;          ///< answered
    std::size_t failed = 0;      ///< reported failed (a worker died, a link dropped, ...)
    std::size_t correct = 0;     ///< answered with the true label
    double accuracy = 0.0;       ///< correct / ok (0 when none answered)
    double latency_mean = 0.0;   ///< seconds, over the latency frames answered
    double latency_median = 0.0; ///< seconds
    double latency_p95 = 0.0;    ///< seconds
    double throughput = 0.0;     ///< frames/s over the throughput frames answered: (n - 1) / (last - first answer)
    double cost = 0.0;           ///< eq. 6 with the measured accuracy, mean latency and throughput
};

/// A task's measured figures against the planner's (issue 18's goal: within 25%).
struct amvp_task_comparison {
    double latency_error = 0.0;     ///< (measured - predicted) / predicted mean latency; 0 when predicted is 0
    double throughput_error = 0.0;  ///< the same for throughput
    bool within = false;            ///< both |errors| <= the tolerance
};

/**
 * @brief Compares a measured phase with the prediction of eq. 7 (latency) and eq. 8 (throughput)
 *        for the same task (AMVP §IV-B; the planner's figures in `predicted`).
 * @throws offloadkit::invalid_argument unless tolerance >= 0.
 */
template <class = void>
[[nodiscard]] inline amvp_task_comparison amvp_compare(const amvp_task_measurement& m,
                                                       const amvp_task_outcome& predicted, double tolerance = 0.25) {
    detail::require(tolerance >= 0.0, "amvp_compare", "tolerance is ", tolerance, ", expected >= 0");
    amvp_task_comparison c;
    c.latency_error = predicted.latency > 0.0 ? (m.latency_mean - predicted.latency) / predicted.latency : 0.0;
    c.throughput_error =
        predicted.throughput > 0.0 ? (m.throughput - predicted.throughput) / predicted.throughput : 0.0;
    c.within = std::fabs(c.latency_error) <= tolerance && std::fabs(c.throughput_error) <= tolerance;
    return c;
}

/**
 * @brief Accounts the frames of a run: each (frame, task) is sent once and must end exactly once,
 *        answered (with a label) or failed. Results for an unknown or already finished pair are
 *        counted as duplicates and ignored, so a worker that answers twice cannot hide a loss.
 *
 * Frames are marked as latency frames (sent one at a time: the answer time minus the send time is
 * the task's latency of eq. 7) or throughput frames (sent back to back: the answer rate is the
 * task's throughput of eq. 8). pending() is O(tasks), so a caller waiting for the last answers under
 * its lock does not slow down the threads that record them. Not thread-safe (the caller serialises).
 * @code
 * ok::amvp_run_recorder rec(2, 100);
 * rec.sent(0, t0, false);  rec.answered(0, 0, 3, t1);  rec.failed(1, 0, t1);
 * auto m = rec.measure(0, truth0, goal);
 * @endcode
 */
class amvp_run_recorder {
public:
    enum class state : std::uint8_t { unsent, pending, answered, failed };

    /// @throws offloadkit::invalid_argument for 0 tasks.
    template <class = void>
    amvp_run_recorder(std::size_t tasks, std::size_t frames) : tasks_(tasks), frames_(frames) {
        detail::require(tasks >= 1, "amvp_run_recorder", "tasks is 0, expected >= 1");
        cells_.assign(tasks * frames, cell{});
        pending_.assign(tasks, 0);
        sent_.assign(frames, std::numeric_limits<double>::quiet_NaN());
        thr_.assign(frames, false);
    }

    /// Frame `f` leaves for every task at time `t` (s); `throughput_frame` marks the phase.
    template <class = void>
    void sent(std::size_t f, double t, bool throughput_frame) {
        check_frame(f, "amvp_run_recorder::sent");
        sent_[f] = t;
        thr_[f] = throughput_frame;
        for (std::size_t s = 0; s < tasks_; ++s) {
            auto& c = at(s, f);
            if (c.st == state::unsent) {
                c.st = state::pending;
                ++pending_[s];
            }
        }
    }
    /// Task `s` of frame `f` answered `label` at `t`; false (counted) for a duplicate or an unsent pair.
    bool answered(std::size_t s, std::size_t f, std::size_t label, double t) { return finish(s, f, state::answered, label, t); }
    /// Task `s` of frame `f` failed at `t`; false (counted) for a duplicate or an unsent pair.
    bool failed(std::size_t s, std::size_t f, double t) { return finish(s, f, state::failed, 0, t); }
    /// Fails every pending pair of task `s` (e.g. its worker died); returns how many.
    std::size_t fail_pending(std::size_t s, double t) {
        std::size_t n = 0;
        for (std::size_t f = 0; f < frames_; ++f) {
            if (at(s, f).st == state::pending) {
                (void)finish(s, f, state::failed, 0, t);
                ++n;
            }
        }
        return n;
    }

    [[nodiscard]] state state_of(std::size_t s, std::size_t f) const { return at(s, f).st; }
    [[nodiscard]] std::size_t label_of(std::size_t s, std::size_t f) const { return at(s, f).label; }
    /// Pairs of task `s` still pending. O(1).
    [[nodiscard]] std::size_t pending(std::size_t s) const { return s < tasks_ ? pending_[s] : 0; }
    /// Pairs of all tasks still pending. O(tasks).
    [[nodiscard]] std::size_t pending() const {
        std::size_t n = 0;
        for (std::size_t s = 0; s < tasks_; ++s) {
            n += pending(s);
        }
        return n;
    }
    [[nodiscard]] std::size_t duplicates() const noexcept { return duplicates_; }
    [[nodiscard]] std::size_t tasks() const noexcept { return tasks_; }
    [[nodiscard]] std::size_t frames() const noexcept { return frames_; }
    /// Whether every sent pair ended exactly once (answered or failed) and none is pending.
    template <class = void>
    [[nodiscard]] bool all_accounted() const noexcept {
        for (const auto& c : cells_) {
            if (c.st == state::pending) {
                return false;
            }
        }
        return true;
    }

    /**
     * @brief The measured figures of task `s` over frames [from, to) (a phase of the run).
     * @param truth the true label of every frame (size >= to).
     * @param goal the task's goals, for eq. 6's cost from the measured figures.
     * @throws offloadkit::invalid_argument for a bad range or truth too short.
     */
    template <class = void>  // a template: only a caller instantiates it (compile cost, issue 14)
    [[nodiscard]] amvp_task_measurement measure(std::size_t s, std::span<const std::size_t> truth, const task_goal& goal,
                                                std::size_t from = 0,
                                                std::size_t to = std::numeric_limits<std::size_t>::max()) const {
        constexpr std::string_view fn = "amvp_run_recorder::measure";
        to = std::min(to, frames_);
        detail::require(s < tasks_, fn, "s is ", s, ", expected < ", tasks_);
        detail::require(from <= to, fn, "from is ", from, ", expected <= ", to);
        detail::require(truth.size() >= to, fn, "truth has size ", truth.size(), ", expected >= ", to);
        amvp_task_measurement m;
        std::vector<double> lat;
        double first = std::numeric_limits<double>::infinity(), last = -first;
        std::size_t thr_n = 0;
        for (std::size_t f = from; f < to; ++f) {
            const auto& c = at(s, f);
            if (c.st == state::unsent) {
                continue;
            }
            ++m.frames;
            if (c.st == state::failed) {
                ++m.failed;
            } else if (c.st == state::answered) {
                ++m.ok;
                m.correct += c.label == truth[f] ? 1 : 0;
                if (thr_[f]) {
                    first = std::min(first, c.done);
                    last = std::max(last, c.done);
                    ++thr_n;
                } else {
                    lat.push_back(c.done - sent_[f]);
                }
            }
        }
        m.accuracy = m.ok > 0 ? static_cast<double>(m.correct) / static_cast<double>(m.ok) : 0.0;
        if (!lat.empty()) {
            double sum = 0.0;
            for (const double x : lat) {
                sum += x;
            }
            m.latency_mean = sum / static_cast<double>(lat.size());
            std::sort(lat.begin(), lat.end());
            m.latency_median = lat[lat.size() / 2];
            m.latency_p95 = lat[std::min(lat.size() - 1, static_cast<std::size_t>(0.95 * static_cast<double>(lat.size())))];
        }
        if (thr_n >= 2 && last > first) {
            m.throughput = static_cast<double>(thr_n - 1) / (last - first);
        }
        if (m.latency_mean > 0.0) {
            m.cost = detail::amvp_cost_unchecked(goal, m.accuracy, m.latency_mean, m.throughput);
        } else {
            m.cost = std::numeric_limits<double>::infinity();
        }
        return m;
    }

private:
    struct cell {
        state st = state::unsent;
        std::size_t label = 0;
        double done = 0.0;
    };
    void check_frame(std::size_t f, std::string_view fn) const {
        detail::require(f < frames_, fn, "frame is ", f, ", expected < ", frames_);
    }
    template <class = void>
    bool finish(std::size_t s, std::size_t f, state st, std::size_t label, double t) {
        if (s >= tasks_ || f >= frames_ || at(s, f).st != state::pending) {
            ++duplicates_;
            return false;
        }
        auto& c = at(s, f);
        --pending_[s];
        c.st = st;
        c.label = label;
        c.done = t;
        return true;
    }
    cell& at(std::size_t s, std::size_t f) { return cells_[s * frames_ + f]; }
    [[nodiscard]] const cell& at(std::size_t s, std::size_t f) const { return cells_[s * frames_ + f]; }

    std::size_t tasks_ = 0, frames_ = 0, duplicates_ = 0;
    std::vector<cell> cells_;
    std::vector<std::size_t> pending_;  // per task
    std::vector<double> sent_;
    std::vector<bool> thr_;
};

}  // namespace offloadkit

#endif  // OFFLOADKIT_MULTITASK_DEPLOYMENT_HPP
