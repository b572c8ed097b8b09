#ifndef OFFLOADKIT_MULTITASK_MINMAX_COST_HPP
#define OFFLOADKIT_MULTITASK_MINMAX_COST_HPP

/**
 * @file
 * @brief AMVP's MinMaxCost model selection and task assignment (AMVP §IV-C, eq. 9-12):
 *        the greedy MSTA of Algorithm 1 with the genetic TaskAssign of Algorithm 2. The exact
 *        exhaustive search for small instances, minmax_cost_exact(), is in minmax_exact.hpp (its
 *        own header since the fifth compile-cost pass of issue 14; the umbrella includes both).
 *
 * Both minimise the largest task cost (eq. 6) over candidate selection, split point, device and
 * compute share of every part, under constraints (11) and (12), on the model of problem.hpp
 * (compute shares on a grid of 1 / share_steps). Both are deterministic: the GA draws from
 * offloadkit::detail::rng seeded by minmax_cost_options::seed, with no std distributions, so a
 * seed gives the same answer on every platform.
 *
 * ### Decisions where the paper is silent (AMVP Algorithm 1 and 2)
 * Algorithm 1 (selection):
 * - minMaxCost starts at +inf, not 1 (line 2), so any feasible selection is recorded (eq. 6 is
 *   <= 1 anyway when accuracies are >= 0). Ties on the max cost go to the smaller sum of costs.
 * - Line 4 stops when every model has the lowest accuracy *before* evaluating that selection; we
 *   evaluate it too. Line 16 picks the task with the smallest accuracy cost among the tasks that
 *   still have a less accurate candidate (ties: lowest index); candidates are ranked by accuracy,
 *   ties by index.
 * - A selection whose accuracy terms alone, max_s alpha_s (A_s - A(m_s)) / A_s, already reach the
 *   best max cost found cannot improve it: its GA run is skipped (the chain continues).
 * - Lines 5-9 (split at the common frozen layers, CFL): tasks whose selected candidates share a
 *   base model form a group; the group's split point is the deepest split layer <= the smallest
 *   frozen_layers in it, and its part 1 is placed once (shared). Such CFL assignments are half of
 *   the GA's first population; the other half, and the GA's operators, may choose any split point
 *   (one gene per task), so sharing is not forced where it does not pay.
 * - Beyond the paper, after the chain: selection refinement (minmax_cost_options::refine_selection)
 *   tries every single-task model swap of the best selection (skipping those the accuracy bound
 *   rules out) and keeps a swap that lowers the max cost, until none does. The greedy chain alone
 *   visits one path of selections and misses optima off it; with the refinement the quality goal
 *   (within 1% of minmax_cost_exact on >= 95% of small instances) is met.
 * - Beyond the paper, when no selection of the chain found an assignment that fits (the chain can
 *   stay on a base model too large for every device while another base fits), a feasibility
 *   search (exhaustive over selections, split points and devices at one share step per part, with
 *   sharing) finds one, the GA optimises it and the refinement continues from it: the solver
 *   reports infeasible only when no feasible selection exists.
 *
 * Algorithm 2 (assignment of a fixed selection):
 * - An assignment has one row per model part (device, share steps) plus a split gene per task.
 *   RandomlyInitPopulations places parts on random devices (with memory left) and splits each
 *   device's U_k at random among its parts. SelectParents: binary tournaments. GenerateChildren:
 *   uniform crossover of the genes. As lines 7-12, each child is kept and a copy of it is
 *   mutated: Mutate changes each gene with probability MR (new device and share, new share, new
 *   split, or copying another task's part-1 row so the part is shared); Recombination (every RP
 *   generations, on the mutated copy): swap two part rows and keep the swap if it lowers the cost.
 *   FilterOffspring: drop children and mutants violating (11), (12) or using a missing link.
 *   SelectPopulations: the best distinct assignments of parents, children, mutants and the best
 *   so far (elitist). A run stops after MAXGEN generations or stall_generations without
 *   improvement.
 * - Every new assignment is then "polished" (a memetic step beyond the paper): over-subscribed
 *   devices shed share steps from their largest part, then, while it helps, the costliest task that
 *   can improve takes one more step on one of its devices (a free step, or one from a part whose
 *   tasks stay cheaper than it): a leximin descent on the shares of a fixed placement. The GA thus
 *   searches placements and splits, the polish the shares.
 * - The best assignment of the previous selection seeds the next GA run.
 *
 * An instance where nothing fits (e.g. no device with memory for any part) gives feasible ==
 * false and max_cost == +inf: not an exception.
 */

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "../detail/random.hpp"
#include "../error.hpp"
#include "problem.hpp"

namespace offloadkit {

/// Settings of Algorithm 2 (the genetic TaskAssign) and the seed.
struct minmax_cost_options {
    std::uint64_t seed = 1;          ///< seeds offloadkit::detail::rng
    int population = 32;             ///< assignments per generation (>= 2)
    int generations = 40;            ///< MAXGEN (>= 0)
    double mutation_rate = 0.1;      ///< MR, probability that a gene mutates, in [0, 1]
    int recombination_period = 5;    ///< RP, generations between recombinations (>= 1)
    int stall_generations = 10;      ///< stop a GA run after this many generations without improvement (0: never)
    bool refine_selection = true;    ///< after Algorithm 1, try single-task model swaps (see the file comment)
};

/// A solution: the choices, their evaluation and search statistics.
struct minmax_cost_result {
    bool feasible = false;  ///< some assignment satisfies (11), (12) and has its links
    double max_cost = std::numeric_limits<double>::infinity();  ///< eq. 9 objective (+inf when infeasible)
    std::vector<amvp_task_choice> choices;  ///< one per task (empty when infeasible)
    amvp_evaluation evaluation;             ///< amvp_evaluate(problem, choices)
    std::size_t selections = 0;   ///< model selections tried (Algorithm 1) / cost thresholds tested (exact)
    std::size_t evaluations = 0;  ///< assignments evaluated (GA) / search nodes (exact)
    bool optimal = false;         ///< exact: proven optimal over the share grid
};

namespace detail::amvp {

/// One task's genes: split point, part-1 row, part-2 row.
struct gene {
    std::uint16_t split = 0;
    std::uint8_t d1 = 0;
    std::uint8_t d2 = 0;
    std::uint16_t s1 = 1;
    std::uint16_t s2 = 1;
    friend bool operator==(const gene&, const gene&) = default;
};

/// Algorithm 2 for one model selection (the candidate of every task fixed).
template <class = void>
class task_assigner {
public:
    /// Max cost first, then the sum of the costs (tie-break).
    using fitness = std::pair<double, double>;
    static fitness worst_fitness() noexcept {
        return {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
    }

    task_assigner(const model& m, const minmax_cost_options& o, rng& g)
        : m_(m), o_(o), g_(g), S_(m.pb->tasks.size()), K_(m.devices) {
        steps_.resize(K_);
        mem_.resize(K_);
    }

    /// Runs the GA; `seeds` (S genes each) enter the first population. Returns the best genes
    /// (empty when no feasible assignment was found) and its fitness (max cost, then sum of costs).
    fitness run(const std::vector<std::size_t>& cand, const std::vector<std::vector<gene>>& seeds,
               std::vector<gene>& best) {
        cand_ = &cand;
        const auto P = static_cast<std::size_t>(o_.population);
        std::vector<std::vector<gene>> pop;
        std::vector<fitness> cost;
        auto consider = [&](std::vector<gene>&& x) {
            const fitness c = polish_fit(x);
            if (std::isfinite(c.first)) {
                pop.push_back(std::move(x));
                cost.push_back(c);
            }
        };
        for (const auto& s : seeds) {
            auto x = s;
            consider(std::move(x));
        }
        // RandomlyInitPopulations: half CFL-structured, half free; a few tries per slot
        for (std::size_t tries = 0; pop.size() < P && tries < 4 * P; ++tries) {
            consider(random_individual(tries % 2 == 0));
        }
        best.clear();
        fitness best_cost = worst_fitness();
        select_best(pop, cost, best, best_cost);
        if (pop.empty()) {
            return best_cost;
        }
        std::vector<std::vector<gene>> parents;
        std::vector<fitness> parent_cost;
        std::vector<std::vector<gene>> next;
        std::vector<fitness> next_cost;
        int stall = 0;
        for (int gen = 0; gen < o_.generations; ++gen) {
            if (o_.stall_generations > 0 && stall >= o_.stall_generations) {
                break;
            }
            // SelectParents: binary tournaments
            parents.clear();
            parent_cost.clear();
            for (std::size_t i = 0; i < P; ++i) {
                const std::size_t a = g_.below(pop.size());
                const std::size_t b = g_.below(pop.size());
                const std::size_t w = cost[b] < cost[a] ? b : a;
                parents.push_back(pop[w]);
                parent_cost.push_back(cost[w]);
            }
            next = parents;
            next_cost = parent_cost;
            for (std::size_t i = 0; i + 1 < parents.size(); i += 2) {
                for (int k = 0; k < 2; ++k) {
                    // line 6, GenerateChildren: uniform crossover
                    auto child = crossover(parents[i], parents[i + 1]);
                    // line 7: P_mu is a copy of P_ch; lines 8-11 mutate (and recombine) the copy
                    auto mutant = child;
                    mutate(mutant);
                    const fitness c = polish_fit(child);
                    fitness cm = polish_fit(mutant);
                    if (gen % o_.recombination_period == 0) {
                        cm = recombine(mutant, cm);
                    }
                    // line 12, FilterOffspring over P_ch and P_mu: both kept when feasible
                    if (std::isfinite(c.first)) {
                        next.push_back(std::move(child));
                        next_cost.push_back(c);
                    }
                    if (std::isfinite(cm.first)) {
                        next.push_back(std::move(mutant));
                        next_cost.push_back(cm);
                    }
                }
            }
            if (!best.empty()) {
                next.push_back(best);
                next_cost.push_back(best_cost);
            }
            // SelectPopulations: the best distinct assignments
            std::vector<std::size_t> order(next.size());
            for (std::size_t i = 0; i < order.size(); ++i) {
                order[i] = i;
            }
            std::stable_sort(order.begin(), order.end(),
                             [&](std::size_t a, std::size_t b) { return next_cost[a] < next_cost[b]; });
            pop.clear();
            cost.clear();
            for (const std::size_t i : order) {
                if (pop.size() == P) {
                    break;
                }
                bool dup = false;
                for (std::size_t j = pop.size(); j-- > 0;) {
                    if (cost[j] != next_cost[i]) {
                        break;  // sorted by cost: only equal costs can be equal assignments
                    }
                    if (pop[j] == next[i]) {
                        dup = true;
                        break;
                    }
                }
                if (!dup) {
                    pop.push_back(next[i]);
                    cost.push_back(next_cost[i]);
                }
            }
            const fitness before = best_cost;
            select_best(pop, cost, best, best_cost);  // SelectBest
            stall = best_cost < before ? 0 : stall + 1;
        }
        return best_cost;
    }

    /// Lines 5-9 of Algorithm 1: split points at the common frozen layers of each base group.
    /// Returns per task the CFL split index, or -1 when the task shares with nobody.
    std::vector<int> cfl_splits(const std::vector<std::size_t>& cand) const {
        std::vector<int> out(S_, -1);
        for (std::size_t s = 0; s < S_; ++s) {
            if (out[s] != -1) {
                continue;
            }
            const std::size_t base = m_.cand(s, cand[s]).base;
            int cfl = m_.cand(s, cand[s]).frozen_layers;
            std::size_t members = 0;
            for (std::size_t p = s; p < S_; ++p) {
                if (m_.cand(p, cand[p]).base == base) {
                    cfl = std::min(cfl, m_.cand(p, cand[p]).frozen_layers);
                    ++members;
                }
            }
            if (members < 2) {
                continue;
            }
            int best_j = -1;
            int best_layer = 0;
            const auto& splits = m_.splits[base];
            for (std::size_t j = 0; j < splits.size(); ++j) {
                if (!splits[j].unsplit && splits[j].layer <= cfl && splits[j].layer > best_layer) {
                    best_layer = splits[j].layer;
                    best_j = static_cast<int>(j);
                }
            }
            for (std::size_t p = s; p < S_; ++p) {
                if (m_.cand(p, cand[p]).base == base) {
                    out[p] = best_j;
                }
            }
        }
        return out;
    }

    /// A random assignment; `cfl`: use the CFL split structure with shared part-1 rows.
    std::vector<gene> random_individual(bool cfl) {
        const auto& cand = *cand_;
        std::vector<gene> x(S_);
        const auto structure = cfl ? cfl_splits(cand) : std::vector<int>(S_, -1);
        for (std::size_t s = 0; s < S_; ++s) {
            const auto& splits = m_.splits[m_.cand(s, cand[s]).base];
            x[s].split = static_cast<std::uint16_t>(structure[s] >= 0 ? static_cast<std::size_t>(structure[s])
                                                                      : g_.below(splits.size()));
            if (cfl && structure[s] < 0) {  // a singleton in the CFL seed: prefer its unsplit model
                for (std::size_t j = 0; j < splits.size(); ++j) {
                    if (splits[j].unsplit) {
                        x[s].split = static_cast<std::uint16_t>(j);
                    }
                }
            }
        }
        // devices: parts in random order, each on a random device with compute and memory left
        std::vector<double> mem_left = m_.mem_cap;
        std::vector<std::size_t> order(S_);
        for (std::size_t s = 0; s < S_; ++s) {
            order[s] = s;
        }
        for (std::size_t i = S_; i > 1; --i) {
            std::swap(order[i - 1], order[g_.below(i)]);
        }
        std::vector<int> leader(S_, -1);  // CFL: the first task of a group owns the shared part
        for (const std::size_t s : order) {
            const auto& sp = m_.split_of(s, cand[s], x[s].split);
            if (structure[s] >= 0) {
                for (std::size_t p = 0; p < S_; ++p) {
                    if (p != s && structure[p] == structure[s] && leader[p] >= 0 &&
                        m_.cand(p, cand[p]).base == m_.cand(s, cand[s]).base) {
                        leader[s] = leader[p];
                        break;
                    }
                }
            }
            if (leader[s] >= 0) {
                x[s].d1 = x[static_cast<std::size_t>(leader[s])].d1;
            } else {
                x[s].d1 = random_device(mem_left, sp.mem1);
                mem_left[x[s].d1] -= sp.mem1;
                if (structure[s] >= 0) {
                    leader[s] = static_cast<int>(s);
                }
            }
            x[s].d2 = sp.unsplit ? x[s].d1 : random_device(mem_left, sp.mem2);
            if (!sp.unsplit) {
                mem_left[x[s].d2] -= sp.mem2;
            }
        }
        // shares: each device's U_k split at random among the distinct parts it hosts
        distribute_steps(x, leader);
        return x;
    }

    /// Share repair and local improvement of one assignment (the memetic step after Mutate):
    /// over-subscribed devices shed steps from their largest part; then, while it lowers the max
    /// cost, the costliest task's parts take a free step on their device or one step from a part
    /// of a task that stays below the max. Placements and splits are left alone. Returns the max
    /// cost (+inf when memory, a link or the devices' step counts make it infeasible).
    double polish(std::vector<gene>& x) {
        const auto& cand = *cand_;
        // part-1 leaders: a shared part is owned by the first task using it
        lead_.assign(S_, 0);
        for (std::size_t s = 0; s < S_; ++s) {
            lead_[s] = s;
            if (m_.shareable(s, cand[s], x[s].split)) {
                const std::size_t base = m_.cand(s, cand[s]).base;
                for (std::size_t p = 0; p < s; ++p) {
                    if (x[p].split == x[s].split && x[p].d1 == x[s].d1 && x[p].s1 == x[s].s1 &&
                        m_.cand(p, cand[p]).base == base && m_.shareable(p, cand[p], x[p].split)) {
                        lead_[s] = lead_[p];
                        break;
                    }
                }
            }
        }
        std::fill(steps_.begin(), steps_.end(), 0);
        std::fill(mem_.begin(), mem_.end(), 0.0);
        for (std::size_t s = 0; s < S_; ++s) {
            const auto& sp = m_.split_of(s, cand[s], x[s].split);
            if (lead_[s] == s) {
                steps_[x[s].d1] += x[s].s1;
                mem_[x[s].d1] += sp.mem1;
            }
            if (!sp.unsplit) {
                steps_[x[s].d2] += x[s].s2;
                mem_[x[s].d2] += sp.mem2;
                if (x[s].d1 != x[s].d2 && !(m_.bw(x[s].d1, x[s].d2) > 0.0)) {
                    return std::numeric_limits<double>::infinity();
                }
            }
        }
        for (std::size_t k = 0; k < K_; ++k) {
            if (mem_[k] > m_.mem_cap[k]) {
                return std::numeric_limits<double>::infinity();
            }
        }
        auto set_first = [&](std::size_t leader, int v) {
            for (std::size_t s = leader; s < S_; ++s) {
                if (lead_[s] == leader) {
                    x[s].s1 = static_cast<std::uint16_t>(v);
                }
            }
        };
        // repair: shed steps from the largest part on each over-subscribed device
        for (std::size_t k = 0; k < K_; ++k) {
            while (steps_[k] > m_.cap[k]) {
                std::size_t row = 2 * S_;
                int most = 1;
                for (std::size_t s = 0; s < S_; ++s) {
                    if (lead_[s] == s && x[s].d1 == k && x[s].s1 > most) {
                        most = x[s].s1;
                        row = 2 * s;
                    }
                    if (!m_.split_of(s, cand[s], x[s].split).unsplit && x[s].d2 == k && x[s].s2 > most) {
                        most = x[s].s2;
                        row = 2 * s + 1;
                    }
                }
                if (row == 2 * S_) {
                    return std::numeric_limits<double>::infinity();  // more parts than steps
                }
                if (row % 2 == 0) {
                    set_first(row / 2, most - 1);
                } else {
                    x[row / 2].s2 = static_cast<std::uint16_t>(most - 1);
                }
                --steps_[k];
            }
        }
        cost_.resize(S_);
        for (std::size_t s = 0; s < S_; ++s) {
            cost_[s] = task_cost(x, s);
        }
        ++evaluations;
        // improvement (leximin descent): the costliest task that can improve takes one more step,
        // free or from a part whose tasks stay below its cost; the max drops first, then the next
        // largest cost, so tasks below the max are not left with arbitrary shares
        by_cost_.resize(S_);
        for (int iter = 0; iter < 4 * m_.q * static_cast<int>((K_ + 1) * S_); ++iter) {
            for (std::size_t s = 0; s < S_; ++s) {
                by_cost_[s] = s;
            }
            std::stable_sort(by_cost_.begin(), by_cost_.end(),
                             [&](std::size_t p, std::size_t q) { return cost_[p] > cost_[q]; });
            bool moved = false;
            for (const std::size_t t : by_cost_) {
                const double current = cost_[t];
                double best_new = current;
                int best_move = -1;  // row to grow
                std::size_t best_victim = 2 * S_;
                const bool unsplit = m_.split_of(t, cand[t], x[t].split).unsplit;
                for (int which = 0; which < (unsplit ? 1 : 2); ++which) {
                    const std::size_t row = which == 0 ? 2 * lead_[t] : 2 * t + 1;
                    const std::size_t k = which == 0 ? x[t].d1 : x[t].d2;
                    const int have = which == 0 ? x[t].s1 : x[t].s2;
                    if (have >= m_.q) {
                        continue;
                    }
                    // this row with one more step: a free step, or one taken from a victim row
                    for (std::size_t victim = 0; victim <= 2 * S_; ++victim) {
                        if (victim == 2 * S_ ? steps_[k] >= m_.cap[k] : !steals_from(x, victim, k, row)) {
                            continue;
                        }
                        const double after = try_move(x, row, victim, current);
                        if (after < best_new) {
                            best_new = after;
                            best_move = static_cast<int>(row);
                            best_victim = victim;
                        }
                    }
                }
                if (best_move >= 0) {
                    apply_move(x, static_cast<std::size_t>(best_move), best_victim, +1);
                    for (std::size_t s = 0; s < S_; ++s) {
                        cost_[s] = task_cost(x, s);
                    }
                    moved = true;
                    break;
                }
            }
            if (!moved) {
                break;
            }
        }
        double worst = -std::numeric_limits<double>::infinity();
        last_sum = 0.0;
        for (std::size_t s = 0; s < S_; ++s) {
            worst = std::max(worst, cost_[s]);
            last_sum += cost_[s];
        }
        return worst;
    }

    /// Sum of the task costs of the last polished assignment (the tie-break after the max).
    double last_sum = 0.0;

    fitness polish_fit(std::vector<gene>& x) {
        const double c = polish(x);
        return std::isfinite(c) ? fitness{c, last_sum} : worst_fitness();
    }

    std::size_t evaluations = 0;

private:
    double task_cost(const std::vector<gene>& x, std::size_t s) const noexcept {
        const gene& ge = x[s];
        return eval_task(m_, s, (*cand_)[s], ge.split, ge.d1, ge.s1, ge.d2, ge.s2).cost;
    }

    /// Can row `victim` (a part-1 leader row or a part-2 row) on device k give a step to `row`?
    bool steals_from(const std::vector<gene>& x, std::size_t victim, std::size_t k, std::size_t row) const noexcept {
        if (victim == row) {
            return false;
        }
        const std::size_t s = victim / 2;
        if (victim % 2 == 0) {
            return lead_[s] == s && x[s].d1 == k && x[s].s1 > 1;
        }
        return !m_.split_of(s, (*cand_)[s], x[s].split).unsplit && x[s].d2 == k && x[s].s2 > 1;
    }

    /// Adds `dir` steps to `row` (and -dir to `victim` unless it is 2S, the free pool).
    void apply_move(std::vector<gene>& x, std::size_t row, std::size_t victim, int dir) {
        auto bump = [&](std::size_t r, int d) {
            const std::size_t s = r / 2;
            if (r % 2 == 0) {
                const int v = x[s].s1 + d;
                for (std::size_t p = s; p < S_; ++p) {
                    if (lead_[p] == s) {
                        x[p].s1 = static_cast<std::uint16_t>(v);
                    }
                }
                steps_[x[s].d1] += d;
            } else {
                x[s].s2 = static_cast<std::uint16_t>(x[s].s2 + d);
                steps_[x[s].d2] += d;
            }
        };
        bump(row, dir);
        if (victim != 2 * S_) {
            bump(victim, -dir);
        }
    }

    /// The largest cost among the tasks a move touches, after the move (then undone); +inf when
    /// it pushes any of them to `limit` or beyond.
    double try_move(std::vector<gene>& x, std::size_t row, std::size_t victim, double limit) {
        apply_move(x, row, victim, +1);
        double worst = -std::numeric_limits<double>::infinity();
        for (std::size_t s = 0; s < S_; ++s) {
            const bool touched = (row % 2 == 0 ? lead_[s] == row / 2 : s == row / 2) ||
                                 (victim != 2 * S_ && (victim % 2 == 0 ? lead_[s] == victim / 2 : s == victim / 2));
            if (touched) {
                worst = std::max(worst, task_cost(x, s));
            }
        }
        apply_move(x, row, victim, -1);
        return worst < limit ? worst : std::numeric_limits<double>::infinity();
    }

    std::uint8_t random_device(const std::vector<double>& mem_left, double need) {
        std::size_t fits = 0;
        for (std::size_t k = 0; k < K_; ++k) {
            fits += m_.cap[k] > 0 && mem_left[k] >= need ? 1 : 0;
        }
        if (fits == 0) {
            return static_cast<std::uint8_t>(g_.below(K_));
        }
        std::size_t pick = g_.below(fits);
        for (std::size_t k = 0; k < K_; ++k) {
            if (m_.cap[k] > 0 && mem_left[k] >= need) {
                if (pick == 0) {
                    return static_cast<std::uint8_t>(k);
                }
                --pick;
            }
        }
        return 0;
    }

    void distribute_steps(std::vector<gene>& x, const std::vector<int>& leader) {
        const auto& cand = *cand_;
        for (std::size_t k = 0; k < K_; ++k) {
            // rows on device k: (task, part) with shared part-1 rows represented by their leader
            rows_.clear();
            for (std::size_t s = 0; s < S_; ++s) {
                const bool owns_first = leader[s] < 0 || static_cast<std::size_t>(leader[s]) == s;
                if (x[s].d1 == k && owns_first) {
                    rows_.push_back(2 * s);
                }
                if (!m_.split_of(s, cand[s], x[s].split).unsplit && x[s].d2 == k) {
                    rows_.push_back(2 * s + 1);
                }
            }
            if (rows_.empty()) {
                continue;
            }
            const int cap = std::max(m_.cap[k], 1);
            const auto n = static_cast<int>(rows_.size());
            // random weights, floor of the proportional share (at least 1), leftovers at random
            weights_.assign(rows_.size(), 0.0);
            double total = 0.0;
            for (auto& w : weights_) {
                w = 0.1 + g_.uniform();
                total += w;
            }
            int used = 0;
            shares_.assign(rows_.size(), 1);
            if (cap > n) {
                for (std::size_t i = 0; i < rows_.size(); ++i) {
                    shares_[i] = 1 + static_cast<int>(std::floor(weights_[i] / total * (cap - n)));
                    used += shares_[i];
                }
                while (used < cap) {
                    ++shares_[g_.below(rows_.size())];
                    ++used;
                }
            }
            for (std::size_t i = 0; i < rows_.size(); ++i) {
                const std::size_t s = rows_[i] / 2;
                const auto v = static_cast<std::uint16_t>(std::min(shares_[i], m_.q));
                (rows_[i] % 2 == 0 ? x[s].s1 : x[s].s2) = v;
            }
        }
        for (std::size_t s = 0; s < S_; ++s) {  // followers copy the shared row
            if (leader[s] >= 0 && static_cast<std::size_t>(leader[s]) != s) {
                x[s].s1 = x[static_cast<std::size_t>(leader[s])].s1;
            }
        }
    }

    std::uint16_t random_steps(std::size_t device) {
        const int cap = std::max(1, std::min(m_.cap[device], m_.q));
        return static_cast<std::uint16_t>(1 + g_.below(static_cast<std::uint64_t>(cap)));
    }

    std::vector<gene> crossover(const std::vector<gene>& a, const std::vector<gene>& b) {
        std::vector<gene> c(S_);
        for (std::size_t s = 0; s < S_; ++s) {
            const std::uint64_t bits = g_() >> 61;  // three fair coins
            c[s].split = (bits & 1u) ? b[s].split : a[s].split;
            const gene& p1 = (bits & 2u) ? b[s] : a[s];
            const gene& p2 = (bits & 4u) ? b[s] : a[s];
            c[s].d1 = p1.d1;
            c[s].s1 = p1.s1;
            c[s].d2 = p2.d2;
            c[s].s2 = p2.s2;
        }
        return c;
    }

    void mutate(std::vector<gene>& x) {
        const auto& cand = *cand_;
        const double mr = o_.mutation_rate;
        for (std::size_t s = 0; s < S_; ++s) {
            const auto& splits = m_.splits[m_.cand(s, cand[s]).base];
            if (g_.bernoulli(mr)) {
                x[s].split = static_cast<std::uint16_t>(g_.below(splits.size()));
            }
            if (g_.bernoulli(mr)) {
                switch (g_.below(3)) {
                    case 0:
                        x[s].d1 = static_cast<std::uint8_t>(g_.below(K_));
                        x[s].s1 = random_steps(x[s].d1);
                        break;
                    case 1: x[s].s1 = random_steps(x[s].d1); break;
                    default: {  // share: copy the split and part-1 row of a task on the same base
                        const std::size_t p = g_.below(S_);
                        if (p != s && m_.cand(p, cand[p]).base == m_.cand(s, cand[s]).base) {
                            x[s].split = x[p].split;
                            x[s].d1 = x[p].d1;
                            x[s].s1 = x[p].s1;
                        }
                    }
                }
            }
            if (g_.bernoulli(mr)) {
                if (g_.bernoulli(0.5)) {
                    x[s].d2 = static_cast<std::uint8_t>(g_.below(K_));
                }
                x[s].s2 = random_steps(x[s].d2);
            }
        }
    }

    /// Swap two part rows; keep the swap if the max cost drops.
    fitness recombine(std::vector<gene>& x, fitness c) {
        if (S_ == 0) {
            return c;
        }
        const std::size_t a = g_.below(2 * S_);
        const std::size_t b = g_.below(2 * S_);
        if (a == b) {
            return c;
        }
        auto y = x;
        auto row = [](std::vector<gene>& v, std::size_t r) -> std::pair<std::uint8_t*, std::uint16_t*> {
            gene& ge = v[r / 2];
            return r % 2 == 0 ? std::pair{&ge.d1, &ge.s1} : std::pair{&ge.d2, &ge.s2};
        };
        auto ra = row(y, a);
        auto rb = row(y, b);
        std::swap(*ra.first, *rb.first);
        std::swap(*ra.second, *rb.second);
        const fitness cy = polish_fit(y);
        if (cy < c) {
            x = std::move(y);
            return cy;
        }
        return c;
    }

    static void select_best(const std::vector<std::vector<gene>>& pop, const std::vector<fitness>& cost,
                            std::vector<gene>& best, fitness& best_cost) {
        for (std::size_t i = 0; i < pop.size(); ++i) {
            if (cost[i] < best_cost) {
                best_cost = cost[i];
                best = pop[i];
            }
        }
    }

    const model& m_;
    const minmax_cost_options& o_;
    rng& g_;
    std::size_t S_;
    std::size_t K_;
    const std::vector<std::size_t>* cand_ = nullptr;
    std::vector<int> steps_;
    std::vector<double> mem_;
    std::vector<std::size_t> rows_;
    std::vector<double> weights_;
    std::vector<int> shares_;
    std::vector<std::size_t> lead_;
    std::vector<double> cost_;
    std::vector<std::size_t> by_cost_;
};

/// Feasibility search for minmax_cost_solve when Algorithm 1's chain of selections never found
/// an assignment that fits: is there any (selection, split points, placement) satisfying (11),
/// (12) and the links? Shares do not matter for feasibility beyond their count (every part at one
/// step is the least demanding), so each task's options are (candidate, split, device of part 1,
/// device of part 2) at one step each, with part 1 shared whenever sharing is allowed (sharing
/// only frees resources). Options with the same resource use (base, split, shareability, devices)
/// are kept once, the most accurate candidate first; a depth-first search over tasks then finds
/// one that fits. Exhaustive up to `budget` search nodes (far more than any instance the exact
/// solver handles needs). Returns false when none fits (or the budget ran out).
template <class = void>
class feasibility_search {
public:
    explicit feasibility_search(const model& m) : m_(m), S_(m.pb->tasks.size()), K_(m.devices) {}

    bool run(std::vector<std::size_t>& cand, std::vector<gene>& x, std::size_t budget) {
        options_.assign(S_, {});
        for (std::size_t s = 0; s < S_; ++s) {
            for (const std::size_t c : m_.by_accuracy[s]) {
                const std::size_t base = m_.cand(s, c).base;
                const auto& splits = m_.splits[base];
                for (std::size_t j = 0; j < splits.size(); ++j) {
                    const auto& sp = splits[j];
                    const bool share = m_.shareable(s, c, j);
                    for (std::size_t d1 = 0; d1 < K_; ++d1) {
                        if (m_.cap[d1] < 1 || sp.mem1 > m_.mem_cap[d1]) {
                            continue;
                        }
                        for (std::size_t d2 = 0; d2 < (sp.unsplit ? 1 : K_); ++d2) {
                            const std::size_t dd = sp.unsplit ? d1 : d2;
                            if (!sp.unsplit && (m_.cap[dd] < (dd == d1 ? 2 : 1) || sp.mem2 > m_.mem_cap[dd] ||
                                                (dd != d1 && !(m_.bw(d1, dd) > 0.0)))) {
                                continue;
                            }
                            const opt o{c, base, j, d1, dd, share, sp.unsplit};
                            bool seen = false;
                            for (const auto& p : options_[s]) {
                                seen = seen || (p.base == o.base && p.split == o.split && p.share == o.share &&
                                                p.d1 == o.d1 && p.d2 == o.d2);
                            }
                            if (!seen) {
                                options_[s].push_back(o);
                            }
                        }
                    }
                }
            }
            if (options_[s].empty()) {
                return false;  // this task fits on no device by itself
            }
        }
        steps_.assign(K_, 0);
        mem_.assign(K_, 0.0);
        picked_.assign(S_, nullptr);
        budget_ = budget;
        if (!dfs(0)) {
            return false;
        }
        cand.assign(S_, 0);
        x.assign(S_, gene{});
        for (std::size_t s = 0; s < S_; ++s) {
            const opt& o = *picked_[s];
            cand[s] = o.cand;
            x[s] = {static_cast<std::uint16_t>(o.split), static_cast<std::uint8_t>(o.d1),
                    static_cast<std::uint8_t>(o.d2), 1, 1};
        }
        return true;
    }

private:
    struct opt {
        std::size_t cand, base, split, d1, d2;
        bool share, unsplit;
    };

    bool dfs(std::size_t s) {
        if (s == S_) {
            return true;
        }
        for (const opt& o : options_[s]) {
            if (budget_ == 0) {
                return false;
            }
            --budget_;
            const auto& sp = m_.splits[o.base][o.split];
            bool reuse = false;  // a part-1 instance of an earlier task this one can share
            for (std::size_t p = 0; p < s && o.share && !reuse; ++p) {
                const opt& q = *picked_[p];
                reuse = q.share && q.base == o.base && q.split == o.split && q.d1 == o.d1;
            }
            const int add1 = reuse ? 0 : 1;
            const double mem1 = reuse ? 0.0 : sp.mem1;
            const int add2 = o.unsplit ? 0 : 1;
            const double mem2 = o.unsplit ? 0.0 : sp.mem2;
            steps_[o.d1] += add1;
            mem_[o.d1] += mem1;
            steps_[o.d2] += add2;
            mem_[o.d2] += mem2;
            const bool fits = steps_[o.d1] <= m_.cap[o.d1] && mem_[o.d1] <= m_.mem_cap[o.d1] &&
                              steps_[o.d2] <= m_.cap[o.d2] && mem_[o.d2] <= m_.mem_cap[o.d2];
            picked_[s] = &o;
            if (fits && dfs(s + 1)) {
                return true;
            }
            steps_[o.d1] -= add1;
            mem_[o.d1] -= mem1;
            steps_[o.d2] -= add2;
            mem_[o.d2] -= mem2;
        }
        return false;
    }

    const model& m_;
    std::size_t S_;
    std::size_t K_;
    std::vector<std::vector<opt>> options_;
    std::vector<int> steps_;
    std::vector<double> mem_;
    std::vector<const opt*> picked_;
    std::size_t budget_ = 0;
};

template <class = void>
inline void check_options(const minmax_cost_options& o, std::string_view fn) {
    require(o.population >= 2, fn, "options.population is ", o.population, ", expected >= 2");
    require(o.generations >= 0, fn, "options.generations is ", o.generations, ", expected >= 0");
    require(o.mutation_rate >= 0.0 && o.mutation_rate <= 1.0, fn, "options.mutation_rate is ", o.mutation_rate,
            ", expected a probability in [0, 1]");
    require(o.recombination_period >= 1, fn, "options.recombination_period is ", o.recombination_period,
            ", expected >= 1");
}

template <class = void>
inline std::vector<amvp_task_choice> to_choices(const std::vector<std::size_t>& cand, const std::vector<gene>& x) {
    std::vector<amvp_task_choice> out(x.size());
    for (std::size_t s = 0; s < x.size(); ++s) {
        out[s] = {cand[s], x[s].split, x[s].d1, x[s].s1, x[s].d2, x[s].s2};
    }
    return out;
}

template <class = void>
inline void finish(const model& m, minmax_cost_result& r) {
    if (r.choices.empty()) {
        r.feasible = false;
        r.max_cost = std::numeric_limits<double>::infinity();
        return;
    }
    evaluate_into(m, r.choices, r.evaluation);
    r.feasible = r.evaluation.feasible;
    r.max_cost = r.evaluation.max_cost;
}

}  // namespace detail::amvp

/**
 * @brief MinMaxCost model selection and task assignment by AMVP Algorithm 1 (greedy MSTA over
 *        model selections, most accurate first) with Algorithm 2 (genetic TaskAssign) inside.
 *
 * Deterministic for a given options.seed on every platform. Decisions where the paper is silent
 * are listed in the file comment.
 * @code
 * ok::minmax_cost_result r = ok::minmax_cost_solve(problem, {});
 * if (r.feasible) for (auto& t : r.evaluation.tasks) std::printf("%g\n", t.cost);
 * @endcode
 * @return the best assignment found; feasible == false (max_cost +inf, choices empty) only when
 *         no selection has an assignment satisfying (11), (12) and the links (the feasibility
 *         search of the file comment proves it, within 2^24 search nodes).
 * @throws offloadkit::invalid_argument for an invalid problem (amvp_validate) or options
 *         (population < 2, generations < 0, mutation_rate outside [0, 1], recombination_period < 1).
 * Complexity: O(sum_s |M_s|) selections x population x generations x O(tasks^2 + devices).
 */
template <class = void>
[[nodiscard]] inline minmax_cost_result minmax_cost_solve(const amvp_problem& problem,
                                                          const minmax_cost_options& options = {}) {
    constexpr std::string_view fn = "minmax_cost_solve";
    const auto m = detail::amvp::compile(problem, fn);
    detail::amvp::check_options(options, fn);
    using genes = std::vector<detail::amvp::gene>;
    const std::size_t S = problem.tasks.size();
    detail::rng g(options.seed);
    detail::amvp::task_assigner<> ga(m, options, g);
    minmax_cost_result result;
    double min_max_cost = std::numeric_limits<double>::infinity();  // line 2 (see the file comment)
    auto best_fit = detail::amvp::task_assigner<>::worst_fitness();
    genes best_genes;
    std::vector<std::size_t> best_cand;
    std::vector<std::vector<std::size_t>> tried;

    // eq. 6 without its latency and throughput terms: no assignment of this selection does better
    const auto lower_bound = [&](const std::vector<std::size_t>& cand) {
        double lb = -std::numeric_limits<double>::infinity();
        for (std::size_t s = 0; s < S; ++s) {
            const auto& goal = problem.tasks[s].goal;
            lb = std::max(lb, goal.alpha * (goal.accuracy - m.cand(s, cand[s]).accuracy) / goal.accuracy);
        }
        return lb;
    };
    // a previous assignment as a seed for another selection (split clamped where the base changed)
    const auto adapt = [&](genes x, const std::vector<std::size_t>& cand) {
        for (std::size_t s = 0; s < S; ++s) {
            const auto n = m.splits[m.cand(s, cand[s]).base].size();
            if (x[s].split >= n) {
                x[s].split = static_cast<std::uint16_t>(n - 1);
            }
        }
        return x;
    };
    // line 10 (Algorithm 2) for one selection; records the best; returns the GA's assignment
    genes x;
    const auto assign = [&](const std::vector<std::size_t>& cand, const genes& seed) {
        std::vector<genes> seeds;
        if (!seed.empty()) {
            seeds.push_back(adapt(seed, cand));
        }
        tried.push_back(cand);
        ++result.selections;
        const auto fit = ga.run(cand, seeds, x);
        if (!x.empty() && fit < best_fit) {  // lines 19-21 (ties on the max: smaller sum of costs)
            best_fit = fit;
            min_max_cost = fit.first;
            best_genes = x;
            best_cand = cand;
            return true;
        }
        return false;
    };

    // Algorithm 1
    std::vector<std::size_t> pos(S, 0);  // rank of each task's model in P (0 = most accurate)
    std::vector<std::size_t> cand(S);
    genes carried;  // best assignment of the previous selection
    while (true) {
        for (std::size_t s = 0; s < S; ++s) {  // P: line 3, then line 25
            cand[s] = m.by_accuracy[s][pos[s]];
        }
        bool exit = false;
        if (lower_bound(cand) < min_max_cost) {  // otherwise this selection cannot improve: skip it
            assign(cand, carried);
            if (!x.empty()) {
                exit = true;  // lines 11-15: every latency and throughput goal met?
                for (std::size_t s = 0; s < S; ++s) {
                    const auto r = detail::amvp::eval_task(m, s, cand[s], x[s].split, x[s].d1, x[s].s1, x[s].d2, x[s].s2);
                    const auto& goal = problem.tasks[s].goal;
                    exit = exit && r.latency <= goal.latency && r.throughput >= goal.throughput;
                }
                carried = x;
            }
        }
        if (exit) {  // lines 22-23
            break;
        }
        // lines 16-18 and 24-25: demote the task with the smallest accuracy cost
        std::size_t pick = S;
        double acc_cost = std::numeric_limits<double>::infinity();
        for (std::size_t s = 0; s < S; ++s) {
            if (pos[s] + 1 >= m.by_accuracy[s].size()) {
                continue;
            }
            const auto& goal = problem.tasks[s].goal;
            const double a = goal.alpha * (goal.accuracy - m.cand(s, cand[s]).accuracy) / goal.accuracy;
            if (a < acc_cost) {
                acc_cost = a;
                pick = s;
            }
        }
        if (pick == S) {  // line 4: every model has the lowest accuracy
            break;
        }
        ++pos[pick];
    }

    // beyond the paper: the chain never reached a selection that fits (e.g. it stays on a base
    // model too large for the devices while another base would fit): search for any feasible
    // selection and assignment, and optimise from there (GA seeded with it, then the refinement)
    if (best_genes.empty()) {
        std::vector<std::size_t> fcand;
        genes fx;
        detail::amvp::feasibility_search<> search(m);
        if (search.run(fcand, fx, std::size_t{1} << 24)) {
            assign(fcand, fx);
        }
    }

    // selection refinement: swap one task's model while that lowers the max cost
    bool improved = options.refine_selection && !best_genes.empty();
    while (improved) {
        improved = false;
        for (std::size_t s = 0; s < S && !improved; ++s) {
            for (const std::size_t c : m.by_accuracy[s]) {
                auto next = best_cand;
                next[s] = c;
                if (c == best_cand[s] || lower_bound(next) >= min_max_cost ||
                    std::find(tried.begin(), tried.end(), next) != tried.end()) {
                    continue;
                }
                if (assign(next, best_genes)) {
                    improved = true;
                    break;
                }
            }
        }
    }
    result.evaluations = ga.evaluations;
    if (!best_genes.empty()) {
        result.choices = detail::amvp::to_choices(best_cand, best_genes);
    }
    detail::amvp::finish(m, result);
    return result;
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_MULTITASK_MINMAX_COST_HPP
