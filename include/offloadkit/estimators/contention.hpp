#ifndef OFFLOADKIT_ESTIMATORS_CONTENTION_HPP
#define OFFLOADKIT_ESTIMATORS_CONTENTION_HPP

/**
 * @file
 * @brief ApproxNet's Resource Contention Estimator (ApproxNet §4.3): the device's current
 *        contention level, inferred from the latencies the DNN has just shown.
 *
 * §4.3: take the mean latency L̄_B of the current branch B over the latest N frames and pick the
 * profiled contention level C whose offline latency L_{B,C} is nearest to it. Decisions the paper
 * leaves open, taken here:
 * - The window holds the last N observations *of the current branch*. An observation of another
 *   branch (the scheduler switched) empties it: latencies of different branches are not
 *   comparable, and the profile of the new branch is what the nearest-level test uses.
 * - That first observation after a switch is not put in the window: it contains the switching
 *   cost of §4.6 (Fig. 14: loading or re-binding the new branch, up to tens of ms), which is not
 *   contention. Counted in it, a 20 ms switch made one sample of a 10-sample window read as
 *   contention, the scheduler fled to a faster branch, and a stream of 60 frames switched 11
 *   times where 2 switches were right (tests/estimators/test_contention.cpp). Until the new
 *   branch's first clean sample, level() stays what it was (contention is a property of the
 *   device, not of the branch). The very first observation of the estimator is not skipped
 *   (there is no switch to pay for).
 * - Ties between two levels go to the lower level (less contention).
 * - Before any observation the level is 0 (no contention).
 * - N defaults to 10 (a third of a second at 30 fps); the paper does not give it.
 */

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "../approx/profiles.hpp"
#include "../error.hpp"

namespace offloadkit {

/**
 * @brief Per-frame step object: observe(branch, latency) after each inference, level() before the
 *        next decision (ApproxNet §4.3).
 *
 * Keeps a copy of the M x B latency profile and a ring of N latencies, both allocated at
 * construction; observe() and level() do not allocate. Not thread-safe (one per stream).
 * @code
 * ok::contention_estimator rce(profiles);            // window 10
 * rce.observe(branch, 0.0213);                        // seconds, the frame just processed
 * std::size_t level = rce.level();                    // nearest profiled contention level
 * @endcode
 */
class contention_estimator {
public:
    /**
     * @param profiles the branch profiles (their latency table is copied).
     * @param window   N >= 1 observations averaged.
     * @throws offloadkit::invalid_argument for window = 0.
     */
    // The constructors and the checking members are templates with a defaulted parameter (call forms
    // unchanged): only a caller instantiates the checks (compile cost, issue 14).
    template <class = void>
    explicit contention_estimator(const branch_profiles& profiles, std::size_t window = 10)
        : contention_estimator(profiles.latency_table(), profiles.contention_levels(), profiles.branches(), window) {}

    /**
     * @param latency  M x B latency table (level-major, seconds, finite and > 0).
     * @param levels   M >= 1. @param branches B >= 1. @param window N >= 1.
     * @throws offloadkit::invalid_argument for a zero size, latency.size() != M*B, or a latency
     *         that is not finite and > 0.
     */
    template <class = void>
    contention_estimator(std::span<const double> latency, std::size_t levels, std::size_t branches,
                         std::size_t window = 10)
        : levels_(levels), branches_(branches) {
        constexpr std::string_view fn = "contention_estimator";
        detail::require(levels >= 1, fn, "levels is 0, expected >= 1");
        detail::require(branches >= 1, fn, "branches is 0, expected >= 1");
        detail::require(window >= 1, fn, "window is 0, expected >= 1");
        detail::require(latency.size() / branches == levels && latency.size() % branches == 0, fn,
                        "latency has size ", latency.size(), ", expected ", levels, " x ", branches,
                        " (levels x branches)");
        for (std::size_t i = 0; i < latency.size(); ++i) {
            detail::require(std::isfinite(latency[i]) && latency[i] > 0.0, fn, detail::arg_at{"latency", i}, " is ",
                            latency[i], ", expected a finite number > 0");
        }
        latency_.assign(latency.begin(), latency.end());
        ring_.assign(window, 0.0);
    }

    /**
     * @brief Records the latency (seconds) of one inference on `branch` and updates level()
     *        (ApproxNet §4.3). The first observation after a switch of branch only restarts the
     *        window (it carries the §4.6 switching cost; see the file comment).
     * @throws offloadkit::invalid_argument if branch >= B or latency is NaN, infinite or negative
     *         (state unchanged).
     * O(N + M); no allocation.
     */
    template <class = void>
    void observe(std::size_t branch, double latency) {
        detail::require(branch < branches_, "contention_estimator::observe", "branch is ", branch, ", expected < ",
                        branches_);
        detail::require_non_negative(latency, "contention_estimator::observe", "latency");
        if (!branch_.has_value() || *branch_ != branch) {
            const bool switched = branch_.has_value();
            branch_ = branch;
            count_ = 0;
            next_ = 0;
            if (switched) {  // this latency includes the switching cost (§4.6): not contention
                ++skipped_;
                return;
            }
        }
        ring_[next_] = latency;
        next_ = (next_ + 1) % ring_.size();
        count_ = count_ < ring_.size() ? count_ + 1 : count_;
        double sum = 0.0;
        for (std::size_t i = 0; i < count_; ++i) {
            sum += ring_[i];
        }
        mean_ = sum / static_cast<double>(count_);
        level_ = nearest_level(branch, mean_);
    }

    /// The estimated contention level Ĉ (0 before any observation). O(1).
    [[nodiscard]] std::size_t level() const noexcept { return level_; }

    /// Mean of the window (0 before any observation).
    [[nodiscard]] double mean_latency() const noexcept { return count_ == 0 ? 0.0 : mean_; }

    /// Observations in the window (<= N).
    [[nodiscard]] std::size_t samples() const noexcept { return count_; }

    /// Observations left out of the window because they followed a switch of branch.
    [[nodiscard]] std::uint64_t skipped() const noexcept { return skipped_; }

    /// The branch the window belongs to, if any observation was made.
    [[nodiscard]] std::optional<std::size_t> branch() const noexcept { return branch_; }

    [[nodiscard]] std::size_t window() const noexcept { return ring_.size(); }

    /// Forgets every observation; level() returns to 0.
    void reset() noexcept {
        branch_.reset();
        count_ = 0;
        next_ = 0;
        mean_ = 0.0;
        level_ = 0;
        skipped_ = 0;
    }

    /**
     * @brief The profiled level whose latency for `branch` is nearest to `latency`
     *        (argmin_C |L_{B,C} - latency|, ties to the lower level). O(M).
     * @throws offloadkit::invalid_argument if branch >= B or latency is NaN.
     */
    template <class = void>
    [[nodiscard]] std::size_t nearest_level(std::size_t branch, double latency) const {
        detail::require(branch < branches_, "contention_estimator::nearest_level", "branch is ", branch,
                        ", expected < ", branches_);
        detail::require(!std::isnan(latency), "contention_estimator::nearest_level", "latency is NaN");
        std::size_t best = 0;
        double best_d = std::fabs(latency_[branch] - latency);
        for (std::size_t m = 1; m < levels_; ++m) {
            const double d = std::fabs(latency_[m * branches_ + branch] - latency);
            if (d < best_d) {
                best = m;
                best_d = d;
            }
        }
        return best;
    }

private:
    std::size_t levels_ = 0;
    std::size_t branches_ = 0;
    std::vector<double> latency_;
    std::vector<double> ring_;
    std::optional<std::size_t> branch_;
    std::size_t count_ = 0;
    std::size_t next_ = 0;
    double mean_ = 0.0;
    std::size_t level_ = 0;
    std::uint64_t skipped_ = 0;
};

}  // namespace offloadkit

#endif  // OFFLOADKIT_ESTIMATORS_CONTENTION_HPP
