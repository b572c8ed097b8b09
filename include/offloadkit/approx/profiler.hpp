#ifndef OFFLOADKIT_APPROX_PROFILER_HPP
#define OFFLOADKIT_APPROX_PROFILER_HPP

/**
 * @file
 * @brief ApproxNet's offline profiler (ApproxNet §3 Fig. 2, §4.4, §4.6): the measurements that
 *        turn a set of approximation branches into the profile the scheduler reads.
 *
 * - measure_latencies(): every branch's latency at every contention level (§4.4 "Latency
 *   Sensitivity Profile under Resource Contention") in interleaved rounds: round r visits every
 *   level, level order rotated by r, and within a level every branch, branch order rotated by r,
 *   each with `warmup` untimed and `calls` timed calls. Interleaving spreads slow drifts of the
 *   machine (other jobs, frequency) over all cells instead of biasing whichever cell ran during
 *   them. The caller supplies the two effects: `run(b)` runs branch b once and returns its latency
 *   in seconds, `set_level(m)` brings the device to contention level m (e.g. a
 *   contention_generator, runtime/contention_generator.hpp) and returns when it is there.
 * - measure_switching_costs(): the cost of switching from branch a to branch b (§4.6, Fig. 14
 *   "transition time"), as the latency of b's first call after a run of a, minus b's latency when
 *   it ran just before (median over repetitions, clamped at 0).
 * - branch_correctness(): whether each branch classifies each frame correctly, the input of
 *   learn_complexity_categories() (kernels/complexity.hpp, §4.4), which learns the categories and
 *   each branch's accuracy per category.
 * - make_branch_profiles(): the two tables as a branch_profiles (approx/profiles.hpp), written
 *   with format_branch_profiles() (approx/profile_csv.hpp).
 *
 * offloadkit-profile-approx runs all of them on the ONNX branches of an approximation-enabled
 * network. Offline code: allocates freely, single-threaded (the contention it measures comes from
 * other threads).
 */

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../concepts.hpp"
#include "../error.hpp"
#include "../kernels/complexity.hpp"
#include "profiles.hpp"

namespace offloadkit {

/// Settings of measure_latencies().
struct latency_profile_options {
    std::size_t rounds = 10;  ///< interleaved rounds (>= 1)
    std::size_t calls = 20;   ///< timed calls per branch, level and round (>= 1)
    std::size_t warmup = 3;   ///< untimed calls before them (they absorb the switching cost)
};

/**
 * @brief Which number of a branch's latency samples goes into the profile. ApproxNet §4.3 compares
 *        the *mean* latency of the last N frames with the profile; a quantile profile instead
 *        makes "profiled latency <= requirement" mean "that share of frames meets it" (p95: 95%,
 *        as far as the profile's samples represent the run).
 */
enum class latency_statistic { mean, median, p90, p95, p99 };

/// Latency samples of B branches at M contention levels (seconds), with order statistics.
class latency_samples {
public:
    latency_samples(std::size_t levels, std::size_t branches)
        : levels_(levels), branches_(branches), s_(levels * branches) {}

    [[nodiscard]] std::size_t levels() const noexcept { return levels_; }
    [[nodiscard]] std::size_t branches() const noexcept { return branches_; }

    /// The samples of (level m, branch b), in measurement order. @throws invalid_argument out of range.
    [[nodiscard]] const std::vector<double>& samples(std::size_t m, std::size_t b) const { return s_[index(m, b)]; }
    void add(std::size_t m, std::size_t b, double seconds) { s_[index(m, b)].push_back(seconds); }

    /**
     * @brief The q-quantile of (m, b): the sample of rank floor(q (n - 1)) in ascending order
     *        (q = 0.5: the lower median). @throws invalid_argument for q outside [0, 1] or no samples.
     */
    [[nodiscard]] double quantile(std::size_t m, std::size_t b, double q) const {
        detail::require(q >= 0.0 && q <= 1.0, "latency_samples::quantile", "q is ", q, ", expected [0, 1]");
        std::vector<double> v = samples(m, b);
        detail::require(!v.empty(), "latency_samples::quantile", "level ", m, ", branch ", b, " has no samples");
        const auto k = static_cast<std::size_t>(std::floor(q * static_cast<double>(v.size() - 1)));
        std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
        return v[k];
    }
    [[nodiscard]] double median(std::size_t m, std::size_t b) const { return quantile(m, b, 0.5); }

    /// The mean of (m, b). @throws invalid_argument for no samples.
    [[nodiscard]] double mean(std::size_t m, std::size_t b) const {
        const std::vector<double>& v = samples(m, b);
        detail::require(!v.empty(), "latency_samples::mean", "level ", m, ", branch ", b, " has no samples");
        double sum = 0.0;
        for (const double x : v) {
            sum += x;
        }
        return sum / static_cast<double>(v.size());
    }

    /// `statistic` of (m, b): mean, or the 0.5 / 0.9 / 0.95 / 0.99 quantile (see quantile()).
    [[nodiscard]] double statistic(std::size_t m, std::size_t b, latency_statistic s) const {
        switch (s) {
            case latency_statistic::mean: return mean(m, b);
            case latency_statistic::p90: return quantile(m, b, 0.9);
            case latency_statistic::p95: return quantile(m, b, 0.95);
            case latency_statistic::p99: return quantile(m, b, 0.99);
            case latency_statistic::median: break;
        }
        return median(m, b);
    }

    /// The M x B table of `s` (level-major), as branch_profiles takes it.
    [[nodiscard]] std::vector<double> table(latency_statistic s = latency_statistic::median) const {
        std::vector<double> out(levels_ * branches_);
        for (std::size_t m = 0; m < levels_; ++m) {
            for (std::size_t b = 0; b < branches_; ++b) {
                out[m * branches_ + b] = statistic(m, b, s);
            }
        }
        return out;
    }
    [[nodiscard]] std::vector<double> median_table() const { return table(latency_statistic::median); }

private:
    std::size_t index(std::size_t m, std::size_t b) const {
        detail::require(m < levels_, "latency_samples", "level is ", m, ", expected < ", levels_);
        detail::require(b < branches_, "latency_samples", "branch is ", b, ", expected < ", branches_);
        return m * branches_ + b;
    }
    std::size_t levels_;
    std::size_t branches_;
    std::vector<std::vector<double>> s_;
};

/**
 * @brief Latency of every branch at every contention level in interleaved rounds (file comment;
 *        ApproxNet §4.4).
 * @param branches B >= 1. @param levels M >= 1.
 * @param run `double run(std::size_t b)`: runs branch b once, returns seconds (a NaN, infinite or
 *        negative value is rejected).
 * @param set_level `void set_level(std::size_t m)`: brings the device to contention level m.
 * @param on_round optional `void(std::size_t round)` called after each round (progress).
 * @return rounds x calls samples per (level, branch).
 * @throws offloadkit::invalid_argument for B = 0, M = 0, rounds = 0, calls = 0 or a bad latency
 *         from `run` (naming the branch and level); whatever run/set_level throw propagates.
 */
template <class Run, class SetLevel, class OnRound = void (*)(std::size_t)>
    requires std::invocable<Run&, std::size_t> && std::invocable<SetLevel&, std::size_t>
[[nodiscard]] latency_samples measure_latencies(std::size_t branches, std::size_t levels, Run&& run,
                                                SetLevel&& set_level, const latency_profile_options& options = {},
                                                OnRound on_round = [](std::size_t) {}) {
    constexpr std::string_view fn = "measure_latencies";
    detail::require(branches >= 1, fn, "branches is 0, expected >= 1");
    detail::require(levels >= 1, fn, "levels is 0, expected >= 1");
    detail::require(options.rounds >= 1, fn, "options.rounds is 0, expected >= 1");
    detail::require(options.calls >= 1, fn, "options.calls is 0, expected >= 1");
    latency_samples out(levels, branches);
    for (std::size_t r = 0; r < options.rounds; ++r) {
        for (std::size_t i = 0; i < levels; ++i) {
            const std::size_t m = (r + i) % levels;
            set_level(m);
            for (std::size_t j = 0; j < branches; ++j) {
                const std::size_t b = (r + j) % branches;
                for (std::size_t w = 0; w < options.warmup; ++w) {
                    (void)run(b);
                }
                for (std::size_t c = 0; c < options.calls; ++c) {
                    const double t = static_cast<double>(run(b));
                    detail::require(std::isfinite(t) && t >= 0.0, fn, "run(", b, ") at level ", m, " returned ", t,
                                    ", expected seconds >= 0");
                    out.add(m, b, t);
                }
            }
        }
        on_round(r);
    }
    return out;
}

/**
 * @brief The cost (s) of switching between branches (ApproxNet §4.6, Fig. 14), B x B from-major
 *        with a zero diagonal, as branch_profiles::set_transition_costs takes it.
 *
 * For every ordered pair (a, b), a != b, and each of `reps` repetitions: `warm` calls of a, then
 * one timed call of b (the first after the switch), then one more timed call of b (b warm). The
 * cost is max(0, median of the first calls - median of the warm calls). Pairs are visited in a
 * rotated order per repetition.
 * @throws offloadkit::invalid_argument for B = 0, reps = 0, warm = 0 or a bad latency from run.
 */
template <class Run>
    requires std::invocable<Run&, std::size_t>
[[nodiscard]] std::vector<double> measure_switching_costs(std::size_t branches, Run&& run, std::size_t reps = 5,
                                                          std::size_t warm = 2) {
    constexpr std::string_view fn = "measure_switching_costs";
    detail::require(branches >= 1, fn, "branches is 0, expected >= 1");
    detail::require(reps >= 1, fn, "reps is 0, expected >= 1");
    detail::require(warm >= 1, fn, "warm is 0, expected >= 1");
    const std::size_t nb = branches;
    std::vector<std::vector<double>> first(nb * nb), again(nb * nb);
    auto timed = [&](std::size_t b) {
        const double t = static_cast<double>(run(b));
        detail::require(std::isfinite(t) && t >= 0.0, fn, "run(", b, ") returned ", t, ", expected seconds >= 0");
        return t;
    };
    for (std::size_t r = 0; r < reps; ++r) {
        for (std::size_t i = 0; i < nb * nb; ++i) {
            const std::size_t pair = (i + r * (nb + 1)) % (nb * nb);
            const std::size_t a = pair / nb, b = pair % nb;
            if (a == b) {
                continue;
            }
            for (std::size_t w = 0; w < warm; ++w) {
                (void)run(a);
            }
            first[pair].push_back(timed(b));
            again[pair].push_back(timed(b));
        }
    }
    auto med = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[(v.size() - 1) / 2];
    };
    std::vector<double> cost(nb * nb, 0.0);
    for (std::size_t p = 0; p < nb * nb; ++p) {
        if (p / nb != p % nb) {
            cost[p] = std::max(0.0, med(first[p]) - med(again[p]));
        }
    }
    return cost;
}

/**
 * @brief n x B row-major: 1 if branch b's top-1 class on frame i is labels[i] (ties: the lower
 *        class index), else 0 — the `correct` input of learn_complexity_categories (§4.4).
 * @tparam Frame what the executor runs on; `frames[i]` is passed as is.
 * @throws offloadkit::invalid_argument for frames and labels of different sizes, branches = 0,
 *         or an executor with 0 classes; whatever the executor throws propagates.
 */
template <class Frame, class Executor>
    requires approx_executor<Executor, Frame>
[[nodiscard]] std::vector<std::uint8_t> branch_correctness(Executor& executor, std::span<const Frame> frames,
                                                           std::span<const std::size_t> labels,
                                                           std::size_t branches) {
    constexpr std::string_view fn = "branch_correctness";
    detail::require_same_size(labels.size(), frames.size(), fn, "labels", "frames");
    detail::require(branches >= 1, fn, "branches is 0, expected >= 1");
    const auto k = static_cast<std::size_t>(executor.num_classes());
    detail::require(k >= 1, fn, "executor.num_classes() is 0, expected >= 1");
    std::vector<float> logits(k);
    std::vector<std::uint8_t> out(frames.size() * branches, 0);
    for (std::size_t i = 0; i < frames.size(); ++i) {
        for (std::size_t b = 0; b < branches; ++b) {
            (void)executor.run(frames[i], b, std::span<float>(logits));
            const auto top = static_cast<std::size_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
            out[i * branches + b] = top == labels[i] ? 1 : 0;
        }
    }
    return out;
}

/**
 * @brief The profile of ApproxNet §4.4 from its measurements: accuracy per (category, branch) from
 *        learn_complexity_categories(), latency per (level, branch) = `statistic` of `latency`
 *        (default the median).
 * @throws offloadkit::invalid_argument when the branch counts differ (names, learned.branches,
 *         latency.branches()), or as branch_profiles' constructor.
 */
template <class = void>
[[nodiscard]] inline branch_profiles make_branch_profiles(std::vector<std::string> names,
                                                          const learned_categories& learned,
                                                          const latency_samples& latency,
                                                          latency_statistic statistic = latency_statistic::median) {
    constexpr std::string_view fn = "make_branch_profiles";
    detail::require_same_size(learned.branches, names.size(), fn, "learned.branches", "names");
    detail::require_same_size(latency.branches(), names.size(), fn, "latency.branches()", "names");
    return branch_profiles(std::move(names), learned.categories.count(), latency.levels(), learned.accuracy,
                           latency.table(statistic));
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_APPROX_PROFILER_HPP
