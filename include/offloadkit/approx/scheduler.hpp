#ifndef OFFLOADKIT_APPROX_SCHEDULER_HPP
#define OFFLOADKIT_APPROX_SCHEDULER_HPP

/**
 * @file
 * @brief ApproxNet's scheduler (ApproxNet §4.6): per frame, the approximation branch (or the remote
 *        executor) that meets the user's requirement, given the frame's complexity category and
 *        the device's contention level.
 *
 * §4.6, as implemented:
 * - A requirement is a minimum accuracy, a maximum latency, or an explicit request to offload.
 *   With none, the maximum latency is the frame interval (default 1/30 s, §5.4 "RT").
 * - Candidates are the branches on the Pareto frontier (latency vs accuracy) of the current
 *   (category, contention) — built once per pair at construction with pareto_frontier(), the
 *   library's one Pareto implementation, so a decision never allocates.
 * - Minimum accuracy A: the fastest frontier branch with accuracy >= A. Maximum latency L: the most
 *   accurate frontier branch with latency <= L. "Meets the requirement with the best value of the
 *   other metric" (§3).
 * - When no branch meets the requirement, the branch closest to it (§4.6): the most accurate one
 *   for a minimum accuracy, the fastest one for a maximum latency (both are frontier ends).
 *   branch_decision::met says which case happened.
 * Ties (equal latency and accuracy) go to the lower branch index, as pareto_frontier() keeps it;
 * a decision is the same as a brute-force scan over all branches with these rules.
 *
 * Options for the transitions of Fig. 14 ("we can filter out such expensive transitions"):
 * - max_transition_cost: branches whose switch from the current branch costs more are not
 *   candidates (the current branch always is). When the frontier's choice is filtered out, all
 *   branches are scanned with the same rules (a dominated branch may then be the best allowed).
 * - min_dwell (hysteresis, step() only): after a switch, keep the branch for at least this many
 *   further decisions as long as it still meets the requirement.
 *
 * The per-frame loop of ApproxNet (Fig. 2) with the step objects of this library — none of them
 * allocates per frame or starts a thread:
 * @code
 * ok::scene_change_detector scd;                          // kernels/scene_change.hpp, §4.2
 * ok::complexity_estimator ice(categories, 224);          // kernels/complexity.hpp, §4.2
 * ok::contention_estimator rce(profiles);                 // estimators/contention.hpp, §4.3
 * ok::branch_scheduler sched(profiles);                   // this header, §4.6
 * std::size_t category = 0;
 * for (const ok::image_view& frame : stream) {
 *     if (scd.step(frame).changed) category = ice.category(frame);
 *     const ok::branch_decision d = sched.step(category, rce.level(), requirement);
 *     const double seconds = d.offload ? run_remote(frame) : run_branch(d.branch, frame);
 *     if (!d.offload) rce.observe(d.branch, seconds);
 * }
 * @endcode
 */

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "../error.hpp"
#include "../pareto/frontier.hpp"
#include "profiles.hpp"

namespace offloadkit {

/// A user requirement for one frame (ApproxNet §4.6).
struct approx_requirement {
    enum class kind {
        frame_interval,  ///< no requirement: maximum latency = the scheduler's frame interval
        min_accuracy,    ///< value: the minimum accuracy, in [0, 1]
        max_latency,     ///< value: the maximum latency in seconds, >= 0 (may be +inf)
        offload          ///< run on the remote executor (§4.5)
    };
    kind type = kind::frame_interval;
    double value = 0.0;

    /// No requirement (the default): keep up with the frame rate.
    [[nodiscard]] static constexpr approx_requirement none() noexcept { return {}; }
    [[nodiscard]] static constexpr approx_requirement min_accuracy(double a) noexcept { return {kind::min_accuracy, a}; }
    [[nodiscard]] static constexpr approx_requirement max_latency(double seconds) noexcept {
        return {kind::max_latency, seconds};
    }
    [[nodiscard]] static constexpr approx_requirement offload() noexcept { return {kind::offload, 0.0}; }
    friend constexpr bool operator==(const approx_requirement&, const approx_requirement&) = default;
};

/// The scheduler's answer for one frame.
struct branch_decision {
    std::size_t branch = 0;        ///< the local branch to run (unused when offload)
    bool offload = false;          ///< run on the remote executor instead
    bool met = false;              ///< the profile says the requirement is met
    double accuracy = 0.0;         ///< expected accuracy (profile, current category)
    double latency = 0.0;          ///< expected latency in seconds (profile, current contention)
    double transition_cost = 0.0;  ///< cost of switching from the current branch (0 if none known)
    friend bool operator==(const branch_decision&, const branch_decision&) = default;
};

/// Options of branch_scheduler.
struct scheduler_options {
    double frame_interval = 1.0 / 30.0;  ///< s; the maximum latency when no requirement is given
    double max_transition_cost = std::numeric_limits<double>::infinity();  ///< s; see the file comment
    std::size_t min_dwell = 0;  ///< decisions a new branch is kept while it meets the requirement
};

/**
 * @brief ApproxNet's scheduler (ApproxNet §4.6) with precomputed frontiers.
 *
 * decide() is a pure function of its arguments; step() is the per-frame form that remembers the
 * current branch (for transition costs and hysteresis). Neither allocates. One object per stream
 * for step(); decide() may be called concurrently.
 * @code
 * ok::branch_scheduler sched(profiles);
 * auto d = sched.step(category, rce.level(), ok::approx_requirement::min_accuracy(0.77));
 * if (!d.offload) run_branch(d.branch);
 * @endcode
 */
class branch_scheduler {
public:
    /**
     * @brief Builds the frontier of every (category, contention level): O(K M B log B).
     * @throws offloadkit::invalid_argument for a frame interval that is not finite and > 0, a
     *         max_transition_cost that is NaN or negative.
     */
    template <class = void>  // a template: only a caller instantiates the frontiers (compile cost, issue 14)
    explicit branch_scheduler(branch_profiles profiles, scheduler_options options = {})
        : p_(std::move(profiles)), opt_(options) {
        constexpr std::string_view fn = "branch_scheduler";
        detail::require_positive(opt_.frame_interval, fn, "options.frame_interval");
        detail::require(!std::isnan(opt_.max_transition_cost) && opt_.max_transition_cost >= 0.0, fn,
                        "options.max_transition_cost is ", opt_.max_transition_cost, ", expected >= 0");
        const std::size_t k = p_.categories(), m = p_.contention_levels(), b = p_.branches();
        offsets_.reserve(k * m + 1);
        offsets_.push_back(0);
        std::vector<tradeoff_point> pts(b);
        for (std::size_t c = 0; c < k; ++c) {
            for (std::size_t l = 0; l < m; ++l) {
                for (std::size_t j = 0; j < b; ++j) {
                    pts[j] = {p_.latency_table()[l * b + j], p_.accuracy_table()[c * b + j]};
                }
                for (const std::size_t j : pareto_frontier(pts)) {
                    points_.push_back({pts[j].cost, pts[j].value, j});
                }
                offsets_.push_back(points_.size());
            }
        }
    }

    /**
     * @brief The decision for a frame of complexity `category` at contention `level` under
     *        requirement `r`, ignoring transition costs (ApproxNet §4.6).
     * @throws offloadkit::invalid_argument for category >= K, level >= M, a requirement value
     *         that is NaN, negative or (accuracy) above 1, an unknown kind, or an offload
     *         request without a remote executor in the profile.
     * O(log B); no allocation.
     */
    template <class = void>  // a template: only a caller instantiates it (compile cost, issue 14)
    [[nodiscard]] branch_decision decide(std::size_t category, std::size_t level, const approx_requirement& r) const {
        check("branch_scheduler::decide", category, level, r);
        return decide_checked(category, level, r, std::nullopt);
    }

    /**
     * @brief As decide(), from the current branch `current`: reports the transition cost and
     *        applies options().max_transition_cost.
     * @throws as decide(), and for current >= B. O(log B), O(B) when the filter removes the
     *         frontier's choice; no allocation.
     */
    template <class = void>
    [[nodiscard]] branch_decision decide(std::size_t category, std::size_t level, const approx_requirement& r,
                                         std::size_t current) const {
        check("branch_scheduler::decide", category, level, r);
        detail::require(current < p_.branches(), "branch_scheduler::decide", "current is ", current, ", expected < ",
                        p_.branches());
        return decide_checked(category, level, r, current);
    }

    /**
     * @brief Per-frame decision: decide() from the branch chosen last time, with the hysteresis
     *        of options().min_dwell; remembers the new branch. An offload decision leaves the
     *        current branch as it is.
     * @throws as decide() (state unchanged). No allocation.
     */
    template <class = void>
    branch_decision step(std::size_t category, std::size_t level, const approx_requirement& r) {
        check("branch_scheduler::step", category, level, r);
        if (r.type == approx_requirement::kind::offload) {
            return decide_checked(category, level, r, current_);
        }
        const branch_decision cand = decide_checked(category, level, r, current_);
        if (current_.has_value() && cand.branch != *current_ && dwell_ < opt_.min_dwell) {
            const branch_decision keep = evaluate(category, level, resolve(r), *current_, *current_);
            if (keep.met) {
                ++dwell_;
                return keep;
            }
        }
        if (current_.has_value() && cand.branch == *current_) {
            ++dwell_;
        } else {
            current_ = cand.branch;
            dwell_ = 0;
        }
        return cand;
    }

    /// Branch indices on the frontier of (category, level), latency ascending (accuracy ascending).
    /// @throws offloadkit::invalid_argument for an index out of range.
    template <class = void>
    [[nodiscard]] std::vector<std::size_t> frontier(std::size_t category, std::size_t level) const {
        check("branch_scheduler::frontier", category, level, approx_requirement::none());
        std::vector<std::size_t> out;
        for (const auto& pt : front(category, level)) {
            out.push_back(pt.branch);
        }
        return out;
    }

    /// The branch step() chose last (none before the first local decision or after reset()).
    [[nodiscard]] std::optional<std::size_t> current_branch() const noexcept { return current_; }

    /// Forgets the current branch.
    void reset() noexcept {
        current_.reset();
        dwell_ = 0;
    }

    [[nodiscard]] const branch_profiles& profiles() const noexcept { return p_; }
    [[nodiscard]] const scheduler_options& options() const noexcept { return opt_; }

private:
    struct point {
        double latency;
        double accuracy;
        std::size_t branch;
    };
    struct need {
        bool min_accuracy;  // else: maximum latency
        double value;
    };

    template <class = void>
    std::span<const point> front(std::size_t category, std::size_t level) const noexcept {
        const std::size_t i = category * p_.contention_levels() + level;
        return std::span<const point>(points_).subspan(offsets_[i], offsets_[i + 1] - offsets_[i]);
    }

    template <class = void>
    void check(std::string_view fn, std::size_t category, std::size_t level, const approx_requirement& r) const {
        detail::require(category < p_.categories(), fn, "category is ", category, ", expected < ", p_.categories());
        detail::require(level < p_.contention_levels(), fn, "level is ", level, ", expected < ",
                        p_.contention_levels());
        switch (r.type) {
            case approx_requirement::kind::frame_interval: break;
            case approx_requirement::kind::min_accuracy:
                detail::require(r.value >= 0.0 && r.value <= 1.0, fn, "requirement.value is ", r.value,
                                ", expected a minimum accuracy in [0, 1]");
                break;
            case approx_requirement::kind::max_latency:
                detail::require(!std::isnan(r.value) && r.value >= 0.0, fn, "requirement.value is ", r.value,
                                ", expected a maximum latency >= 0 (seconds)");
                break;
            case approx_requirement::kind::offload:
                detail::require(p_.has_remote(), fn, "the requirement is offload, but the profile has no remote executor");
                break;
            default: detail::fail(fn, "requirement.type is not an approx_requirement::kind value");
        }
    }

    need resolve(const approx_requirement& r) const noexcept {
        if (r.type == approx_requirement::kind::min_accuracy) {
            return {true, r.value};
        }
        return {false, r.type == approx_requirement::kind::max_latency ? r.value : opt_.frame_interval};
    }

    branch_decision evaluate(std::size_t category, std::size_t level, need n, std::size_t b,
                             std::optional<std::size_t> current) const noexcept {
        const std::size_t nb = p_.branches();
        branch_decision d;
        d.branch = b;
        d.accuracy = p_.accuracy_table()[category * nb + b];
        d.latency = p_.latency_table()[level * nb + b];
        d.met = n.min_accuracy ? d.accuracy >= n.value : d.latency <= n.value;
        if (current.has_value() && p_.has_transition_costs()) {
            d.transition_cost = p_.transition_table()[*current * nb + b];
        }
        return d;
    }

    template <class = void>
    branch_decision decide_checked(std::size_t category, std::size_t level, const approx_requirement& r,
                                   std::optional<std::size_t> current) const {
        if (r.type == approx_requirement::kind::offload) {
            const auto& rem = p_.remote();
            branch_decision d;
            d.offload = true;
            d.met = true;
            d.branch = current.value_or(0);  // the local branch stays as it is
            d.accuracy = rem.accuracy[category];
            d.latency = rem.latency[level];
            return d;
        }
        const need n = resolve(r);
        const auto f = front(category, level);
        std::size_t pick = 0;  // index into f
        if (n.min_accuracy) {
            // Frontier accuracies ascend: the first one >= A is the fastest that meets A.
            const auto it = std::partition_point(f.begin(), f.end(), [&](const point& q) { return q.accuracy < n.value; });
            pick = it == f.end() ? f.size() - 1 : static_cast<std::size_t>(it - f.begin());
        } else {
            // Frontier latencies ascend: the last one <= L is the most accurate that meets L.
            const auto it = std::partition_point(f.begin(), f.end(), [&](const point& q) { return q.latency <= n.value; });
            pick = it == f.begin() ? 0 : static_cast<std::size_t>(it - f.begin()) - 1;
        }
        const std::size_t b = f[pick].branch;
        if (!current.has_value() || !filtering() || allowed(*current, b)) {
            return evaluate(category, level, n, b, current);
        }
        return scan_allowed(category, level, n, *current);
    }

    bool filtering() const noexcept {
        return p_.has_transition_costs() && opt_.max_transition_cost < std::numeric_limits<double>::infinity();
    }

    bool allowed(std::size_t from, std::size_t to) const noexcept {
        return from == to || p_.transition_table()[from * p_.branches() + to] <= opt_.max_transition_cost;
    }

    /// The rules of the file comment over all branches the transition filter allows. O(B).
    template <class = void>
    branch_decision scan_allowed(std::size_t category, std::size_t level, need n, std::size_t current) const noexcept {
        const std::size_t nb = p_.branches();
        const double* acc = p_.accuracy_table().data() + category * nb;
        const double* lat = p_.latency_table().data() + level * nb;
        // Lexicographic keys; the lower index wins full ties because the scan keeps the first.
        auto better = [&](std::size_t x, std::size_t y) {  // is x strictly better than y?
            const bool mx = n.min_accuracy ? acc[x] >= n.value : lat[x] <= n.value;
            const bool my = n.min_accuracy ? acc[y] >= n.value : lat[y] <= n.value;
            if (mx != my) {
                return mx;
            }
            if (n.min_accuracy) {
                if (mx) {  // both meet: fastest, then most accurate
                    return lat[x] != lat[y] ? lat[x] < lat[y] : acc[x] > acc[y];
                }
                return acc[x] != acc[y] ? acc[x] > acc[y] : lat[x] < lat[y];  // closest: most accurate
            }
            if (mx) {  // both meet: most accurate, then fastest
                return acc[x] != acc[y] ? acc[x] > acc[y] : lat[x] < lat[y];
            }
            return lat[x] != lat[y] ? lat[x] < lat[y] : acc[x] > acc[y];  // closest: fastest
        };
        std::size_t best = current;
        for (std::size_t b = 0; b < nb; ++b) {
            if (allowed(current, b) && (better(b, best) || (b < best && !better(best, b)))) {
                best = b;
            }
        }
        return evaluate(category, level, n, best, current);
    }

    branch_profiles p_;
    scheduler_options opt_;
    std::vector<point> points_;         // all frontiers, concatenated
    std::vector<std::size_t> offsets_;  // frontier of (k, m) = points_[offsets_[k*M+m] .. offsets_[k*M+m+1])
    std::optional<std::size_t> current_;
    std::size_t dwell_ = 0;
};

}  // namespace offloadkit

#endif  // OFFLOADKIT_APPROX_SCHEDULER_HPP
