#ifndef OFFLOADKIT_MULTITASK_MINMAX_EXACT_HPP
#define OFFLOADKIT_MULTITASK_MINMAX_EXACT_HPP

/**
 * @file
 * @brief The exact MinMaxCost optimum (AMVP §IV-C, eq. 9-12) over the share grid, for small
 *        instances: the yardstick for minmax_cost_solve (multitask/minmax_cost.hpp).
 *
 * A header of its own so that includers of minmax_cost.hpp that only run Algorithms 1 and 2 do
 * not parse the exhaustive search (compile cost, issue 14). The umbrella offloadkit.hpp includes
 * it, so `#include <offloadkit/offloadkit.hpp>` still gives minmax_cost_exact().
 */

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "../error.hpp"
#include "minmax_cost.hpp"
#include "problem.hpp"

namespace offloadkit {
namespace detail::amvp {

/// One placement option of one task for the exact search.
struct option {
    double cost = 0.0;
    std::uint16_t cand = 0;
    std::uint16_t split = 0;
    std::uint8_t d1 = 0;
    std::uint8_t d2 = 0;
    std::uint16_t s1 = 0;
    std::uint16_t s2 = 0;   // 0 when unsplit
    bool shareable = false;
    std::uint32_t base = 0;
};

/// Exhaustive search over the share grid: binary search on the max cost, each threshold decided
/// by a depth-first search over tasks using only minimal-resource options.
template <class = void>
class exact_search {
public:
    explicit exact_search(const model& m) : m_(m), S_(m.pb->tasks.size()), K_(m.devices) {}

    minmax_cost_result solve() {
        minmax_cost_result r;
        enumerate();
        std::vector<double> thresholds;
        double lower = -std::numeric_limits<double>::infinity();
        for (std::size_t s = 0; s < S_; ++s) {
            if (all_[s].empty()) {
                r.optimal = true;  // some task fits nowhere: proven infeasible
                return r;
            }
            double lo = std::numeric_limits<double>::infinity();
            for (const auto& o : all_[s]) {
                thresholds.push_back(o.cost);
                lo = std::min(lo, o.cost);
            }
            lower = std::max(lower, lo);
        }
        std::sort(thresholds.begin(), thresholds.end());
        thresholds.erase(std::unique(thresholds.begin(), thresholds.end()), thresholds.end());
        // the optimum is one of the option costs, at least the largest per-task minimum
        std::size_t lo = static_cast<std::size_t>(std::lower_bound(thresholds.begin(), thresholds.end(), lower) -
                                                  thresholds.begin());
        std::size_t hi = thresholds.size();  // exclusive; hi == size means "not yet feasible"
        std::vector<amvp_task_choice> found;
        // feasibility is monotone in the threshold: find the smallest feasible one
        if (!feasible(thresholds.back(), found)) {
            r.selections = 1;
            r.evaluations = nodes_;
            r.optimal = true;
            return r;
        }
        std::vector<amvp_task_choice> best = found;
        hi = thresholds.size() - 1;
        ++r.selections;
        while (lo < hi) {
            const std::size_t mid = lo + (hi - lo) / 2;
            ++r.selections;
            if (feasible(thresholds[mid], found)) {
                hi = mid;
                best = found;
            } else {
                lo = mid + 1;
            }
        }
        r.choices = std::move(best);
        r.evaluations = nodes_;
        r.optimal = true;
        return r;
    }

private:
    void enumerate() {
        all_.assign(S_, {});
        for (std::size_t s = 0; s < S_; ++s) {
            const auto& task = m_.pb->tasks[s];
            for (std::size_t c = 0; c < task.candidates.size(); ++c) {
                const auto& splits = m_.splits[task.candidates[c].base];
                for (std::size_t j = 0; j < splits.size(); ++j) {
                    const auto& sp = splits[j];
                    for (std::size_t d1 = 0; d1 < K_; ++d1) {
                        if (sp.mem1 > m_.mem_cap[d1]) {
                            continue;
                        }
                        for (int s1 = 1; s1 <= m_.cap[d1]; ++s1) {
                            if (sp.unsplit) {
                                add(s, c, j, d1, s1, d1, 0);
                                continue;
                            }
                            for (std::size_t d2 = 0; d2 < K_; ++d2) {
                                const bool same = d1 == d2;
                                if (sp.mem2 > m_.mem_cap[d2] || (same && sp.mem1 + sp.mem2 > m_.mem_cap[d1])) {
                                    continue;
                                }
                                if (!same && !(m_.bw(d1, d2) > 0.0)) {
                                    continue;
                                }
                                const int room = same ? m_.cap[d1] - s1 : m_.cap[d2];
                                for (int s2 = 1; s2 <= room; ++s2) {
                                    add(s, c, j, d1, s1, d2, s2);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    void add(std::size_t s, std::size_t c, std::size_t j, std::size_t d1, int s1, std::size_t d2, int s2) {
        option o;
        o.cost = eval_task(m_, s, c, j, d1, s1, d2, s2 == 0 ? 1 : s2).cost;
        o.cand = static_cast<std::uint16_t>(c);
        o.split = static_cast<std::uint16_t>(j);
        o.d1 = static_cast<std::uint8_t>(d1);
        o.d2 = static_cast<std::uint8_t>(d2);
        o.s1 = static_cast<std::uint16_t>(s1);
        o.s2 = static_cast<std::uint16_t>(s2);
        o.shareable = m_.shareable(s, c, j);
        o.base = static_cast<std::uint32_t>(m_.cand(s, c).base);
        all_[s].push_back(o);
    }

    /// Options with cost <= t, reduced to those no other option beats on resources.
    void reduce(std::size_t s, double t, std::vector<option>& out) const {
        out.clear();
        for (const auto& o : all_[s]) {
            if (o.cost <= t) {
                out.push_back(o);
            }
        }
        // sort so that options differing only in s2 are adjacent, smallest s2 first
        std::sort(out.begin(), out.end(), [](const option& a, const option& b) {
            if (a.shareable != b.shareable) return a.shareable > b.shareable;
            if (a.base != b.base) return a.base < b.base;
            if (a.split != b.split) return a.split < b.split;
            if (a.d1 != b.d1) return a.d1 < b.d1;
            if (a.d2 != b.d2) return a.d2 < b.d2;
            if (a.s1 != b.s1) return a.s1 < b.s1;
            return a.s2 < b.s2;
        });
        std::size_t w = 0;
        for (std::size_t i = 0; i < out.size(); ++i) {
            const option& o = out[i];
            bool dominated = false;
            if (w > 0) {
                const option& p = out[w - 1];
                // same resources except a larger (or equal) part-2 share: dominated
                dominated = p.shareable == o.shareable && p.base == o.base && p.split == o.split && p.d1 == o.d1 &&
                            p.d2 == o.d2 && p.s1 == o.s1;
                // an exclusive part 1 with more steps but no smaller part 2 is dominated too
                if (!dominated && !o.shareable && p.shareable == o.shareable && p.base == o.base &&
                    p.split == o.split && p.d1 == o.d1 && p.d2 == o.d2) {
                    dominated = p.s2 <= o.s2 || (o.d1 == o.d2 && p.s1 + p.s2 <= o.s1 + o.s2);
                }
            }
            if (!dominated) {
                out[w++] = o;
            }
        }
        out.resize(w);
    }

    bool feasible(double t, std::vector<amvp_task_choice>& found) {
        lists_.resize(S_);
        for (std::size_t s = 0; s < S_; ++s) {
            reduce(s, t, lists_[s]);
            if (lists_[s].empty()) {
                return false;
            }
        }
        order_.resize(S_);
        for (std::size_t s = 0; s < S_; ++s) {
            order_[s] = s;
        }
        std::stable_sort(order_.begin(), order_.end(),
                         [&](std::size_t a, std::size_t b) { return lists_[a].size() < lists_[b].size(); });
        steps_.assign(K_, 0);
        mem_.assign(K_, 0.0);
        picked_.assign(S_, nullptr);
        shared_.clear();
        if (!dfs(0)) {
            return false;
        }
        found.assign(S_, amvp_task_choice{});
        for (std::size_t s = 0; s < S_; ++s) {
            const option& o = *picked_[s];
            found[s] = {o.cand, o.split, o.d1, o.s1, o.s2 == 0 ? o.d1 : o.d2, o.s2 == 0 ? 1 : o.s2};
        }
        return true;
    }

    struct instance {
        std::uint32_t base;
        std::uint16_t split;
        std::uint8_t d1;
        std::uint16_t s1;
        int users;
    };

    bool dfs(std::size_t level) {
        if (level == S_) {
            return true;
        }
        const std::size_t s = order_[level];
        for (const option& o : lists_[s]) {
            ++nodes_;
            const auto& sp = m_.splits[o.base][o.split];
            instance* inst = nullptr;
            if (o.shareable) {
                for (auto& in : shared_) {
                    if (in.users > 0 && in.base == o.base && in.split == o.split && in.d1 == o.d1 && in.s1 == o.s1) {
                        inst = &in;
                        break;
                    }
                }
            }
            const bool new_first = inst == nullptr;
            if (new_first && (steps_[o.d1] + o.s1 > m_.cap[o.d1] || mem_[o.d1] + sp.mem1 > m_.mem_cap[o.d1])) {
                continue;
            }
            if (new_first) {
                steps_[o.d1] += o.s1;
                mem_[o.d1] += sp.mem1;
            }
            bool fits = true;
            if (o.s2 != 0) {
                fits = steps_[o.d2] + o.s2 <= m_.cap[o.d2] && mem_[o.d2] + sp.mem2 <= m_.mem_cap[o.d2];
                if (fits) {
                    steps_[o.d2] += o.s2;
                    mem_[o.d2] += sp.mem2;
                }
            }
            if (fits) {
                std::size_t made = shared_.size();
                if (o.shareable) {
                    if (new_first) {
                        shared_.push_back({o.base, o.split, o.d1, o.s1, 1});
                    } else {
                        ++inst->users;
                    }
                }
                picked_[s] = &o;
                if (dfs(level + 1)) {
                    return true;
                }
                if (o.shareable) {
                    if (new_first) {
                        shared_.resize(made);
                    } else {
                        // find it again: the vector may have grown and moved deeper down
                        for (auto& in : shared_) {
                            if (in.base == o.base && in.split == o.split && in.d1 == o.d1 && in.s1 == o.s1 &&
                                in.users > 0) {
                                --in.users;
                                break;
                            }
                        }
                    }
                }
                if (o.s2 != 0) {
                    steps_[o.d2] -= o.s2;
                    mem_[o.d2] -= sp.mem2;
                }
            }
            if (new_first) {
                steps_[o.d1] -= o.s1;
                mem_[o.d1] -= sp.mem1;
            }
        }
        return false;
    }

    const model& m_;
    std::size_t S_;
    std::size_t K_;
    std::vector<std::vector<option>> all_;
    std::vector<std::vector<option>> lists_;
    std::vector<std::size_t> order_;
    std::vector<int> steps_;
    std::vector<double> mem_;
    std::vector<const option*> picked_;
    std::vector<instance> shared_;
    std::size_t nodes_ = 0;
};

}  // namespace detail::amvp

/**
 * @brief The exact MinMaxCost optimum over the share grid: exhaustive search with pruning, the
 *        yardstick for minmax_cost_solve on small instances.
 *
 * Enumerates every (candidate, split, device and share of each part) option of every task, then
 * binary-searches the smallest max cost t for which one option per task with cost <= t fits
 * constraints (11) and (12) together, with layer sharing (a depth-first search per threshold over
 * options reduced to minimal resource use). Exact because feasibility is monotone in t and the
 * optimum is one of the option costs.
 * @return optimal == true; feasible == false when no assignment fits at all.
 * @throws offloadkit::invalid_argument for an invalid problem.
 * Complexity: options per task O(|M_s| x splits x (K x share_steps)^2), and a search exponential in
 * the number of tasks in the worst case: meant for a handful of tasks, devices and candidates.
 */
template <class = void>
[[nodiscard]] inline minmax_cost_result minmax_cost_exact(const amvp_problem& problem) {
    const auto m = detail::amvp::compile(problem, "minmax_cost_exact");
    detail::amvp::exact_search<> search(m);
    auto r = search.solve();
    detail::amvp::finish(m, r);
    return r;
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_MULTITASK_MINMAX_EXACT_HPP
