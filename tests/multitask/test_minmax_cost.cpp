// MinMaxCost (AMVP eq. 9-12, Algorithm 1-2): the exact solver against brute force over every
// assignment, the greedy+GA against the exact optimum on 200 seeded instances, infeasible instances,
// determinism and option validation.
#include <offloadkit/multitask/minmax_cost.hpp>
#include <offloadkit/multitask/minmax_exact.hpp>

#include "support/amvp_instances.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

namespace ok = offloadkit;
namespace inst = offloadkit::test_instances;

namespace {

/// Every assignment of every task (all candidates, splits, devices and share steps), evaluated
/// with amvp_evaluate; returns the smallest max cost among the feasible ones (+inf if none) and
/// whether some optimal assignment shares a part.
struct brute_result {
    double best = std::numeric_limits<double>::infinity();
    bool optimum_shares = false;
    std::size_t assignments = 0;
};

brute_result brute_force(const ok::amvp_problem& pb) {
    std::vector<std::vector<ok::amvp_task_choice>> opts(pb.tasks.size());
    const int q = pb.share_steps;
    for (std::size_t s = 0; s < pb.tasks.size(); ++s) {
        for (std::size_t c = 0; c < pb.tasks[s].candidates.size(); ++c) {
            const auto& base = pb.bases[pb.tasks[s].candidates[c].base];
            for (std::size_t j = 0; j < base.splits.size(); ++j) {
                for (std::size_t d1 = 0; d1 < pb.devices.size(); ++d1) {
                    for (int s1 = 1; s1 <= q; ++s1) {
                        if (base.splits[j].layer == base.layers) {
                            opts[s].push_back({c, j, d1, s1, 0, 1});
                            continue;
                        }
                        for (std::size_t d2 = 0; d2 < pb.devices.size(); ++d2) {
                            for (int s2 = 1; s2 <= q; ++s2) {
                                opts[s].push_back({c, j, d1, s1, d2, s2});
                            }
                        }
                    }
                }
            }
        }
    }
    brute_result r;
    std::vector<std::size_t> idx(pb.tasks.size(), 0);
    std::vector<ok::amvp_task_choice> ch(pb.tasks.size());
    while (true) {
        for (std::size_t s = 0; s < idx.size(); ++s) {
            ch[s] = opts[s][idx[s]];
        }
        const auto e = ok::amvp_evaluate(pb, ch);
        ++r.assignments;
        if (e.feasible) {
            const bool shares = std::any_of(e.tasks.begin(), e.tasks.end(), [](const auto& t) { return t.shared; });
            if (e.max_cost < r.best) {
                r.best = e.max_cost;
                r.optimum_shares = shares;
            } else if (e.max_cost == r.best) {
                r.optimum_shares = r.optimum_shares || shares;
            }
        }
        std::size_t s = 0;
        while (s < idx.size() && ++idx[s] == opts[s].size()) {
            idx[s] = 0;
            ++s;
        }
        if (s == idx.size()) {
            break;
        }
    }
    return r;
}

}  // namespace

TEST_CASE("minmax_cost_exact equals brute force over every assignment") {
    const inst::small_shape tiny{.max_tasks = 3, .max_devices = 2, .max_candidates = 2, .max_real_splits = 1,
                                 .share_steps = 2};
    int infeasible = 0;
    int sharing = 0;
    for (std::uint64_t seed = 500; seed < 540; ++seed) {
        const auto pb = inst::random_small(seed, tiny);
        const auto bf = brute_force(pb);
        const auto ex = ok::minmax_cost_exact(pb);
        CAPTURE(seed);
        CHECK(ex.optimal);
        if (std::isinf(bf.best)) {
            CHECK_FALSE(ex.feasible);
            CHECK(std::isinf(ex.max_cost));
            CHECK(ex.choices.empty());
            ++infeasible;
            continue;
        }
        REQUIRE(ex.feasible);
        CHECK(ex.max_cost == bf.best);  // the same eq. 6 values: equal, not merely close
        // the reported assignment really achieves it
        const auto e = ok::amvp_evaluate(pb, ex.choices);
        CHECK(e.feasible);
        CHECK(e.max_cost == ex.max_cost);
        sharing += bf.optimum_shares ? 1 : 0;
    }
    // the sample covers infeasible instances and optima that need layer sharing
    CHECK(infeasible > 0);
    CHECK(sharing > 0);
}

TEST_CASE("minmax_cost_exact: sharing is what makes a memory-tight instance feasible") {
    // two tasks on one device with room for one part 1, two parts 2: only a shared part 1 fits
    ok::amvp_problem pb;
    pb.devices = {{"M1", 1.0, 100.0}};
    pb.bandwidth = {0.0};
    pb.share_steps = 4;
    ok::amvp_base_model net;
    net.layers = 10;
    ok::amvp_split sp;
    sp.layer = 5;
    sp.first = {{0.1}, {}, 60.0};
    sp.second = {{0.1}, {}, 20.0};
    sp.feature_bytes = 1000.0;
    net.splits = {sp};
    pb.bases = {net};
    const ok::task_goal goal{.accuracy = 0.9, .latency = 1.0, .throughput = 1.0, .alpha = 0.5, .beta = 0.25, .gamma = 0.25};
    pb.tasks = {{"A", goal, {{"a", 0, 5, 0.8}}}, {"B", goal, {{"b", 0, 7, 0.85}}}};
    const auto ex = ok::minmax_cost_exact(pb);
    REQUIRE(ex.feasible);
    CHECK(ex.evaluation.tasks[0].shared);
    CHECK(ex.evaluation.memory_used[0] == 100.0);
    const auto so = ok::minmax_cost_solve(pb);
    REQUIRE(so.feasible);
    CHECK(so.max_cost == ex.max_cost);
    // B freezes too few layers to share part 1: nothing fits any more
    pb.tasks[1].candidates[0].frozen_layers = 4;
    CHECK_FALSE(ok::minmax_cost_exact(pb).feasible);
    CHECK_FALSE(ok::minmax_cost_solve(pb).feasible);
}

TEST_CASE("minmax_cost_solve: within 1% of the exact optimum on >= 95% of 200 seeded instances") {
    std::vector<double> gaps;
    int within = 0;
    int compared = 0;
    for (std::uint64_t seed = 1000; seed < 1200; ++seed) {
        const auto pb = inst::random_small(seed);
        const auto ex = ok::minmax_cost_exact(pb);
        const auto so = ok::minmax_cost_solve(pb);
        CAPTURE(seed);
        // the exact optimum is a lower bound; the heuristic finds a solution whenever one exists
        // on these instances
        REQUIRE(so.feasible == ex.feasible);
        if (!ex.feasible) {
            ++within;
            continue;
        }
        CHECK(so.max_cost >= ex.max_cost);
        // relative gap; costs near 0 are compared on a 0.01 scale
        const double gap = (so.max_cost - ex.max_cost) / std::max(std::fabs(ex.max_cost), 0.01);
        gaps.push_back(gap);
        within += gap <= 0.01 ? 1 : 0;
        ++compared;
        // the result is self-consistent
        const auto e = ok::amvp_evaluate(pb, so.choices);
        CHECK(e.feasible);
        CHECK(e.max_cost == so.max_cost);
    }
    std::sort(gaps.begin(), gaps.end());
    MESSAGE("compared " << compared << " feasible instances; within 1%: " << within << "/200; median gap "
                        << gaps[gaps.size() / 2] << ", 95th percentile " << gaps[gaps.size() * 95 / 100] << ", max "
                        << gaps.back());
    CHECK(within >= 190);
}

TEST_CASE("minmax_cost_solve and exact: infeasible instances are reported, not thrown") {
    auto pb = inst::random_small(77);
    for (auto& d : pb.devices) {
        d.memory = 0.0;  // no device has memory for anything
    }
    const auto so = ok::minmax_cost_solve(pb);
    CHECK_FALSE(so.feasible);
    CHECK(std::isinf(so.max_cost));
    CHECK(so.choices.empty());
    const auto ex = ok::minmax_cost_exact(pb);
    CHECK_FALSE(ex.feasible);
    CHECK(ex.optimal);
    // no compute anywhere
    pb = inst::random_small(77);
    for (auto& d : pb.devices) {
        d.compute = 0.0;
    }
    CHECK_FALSE(ok::minmax_cost_solve(pb).feasible);
    CHECK_FALSE(ok::minmax_cost_exact(pb).feasible);
}

TEST_CASE("minmax_cost_solve: deterministic for a seed; options validated") {
    const auto pb = inst::random_small(1234);
    const auto a = ok::minmax_cost_solve(pb, {.seed = 9});
    const auto b = ok::minmax_cost_solve(pb, {.seed = 9});
    CHECK(a.choices == b.choices);
    CHECK(a.max_cost == b.max_cost);
    CHECK(a.evaluations == b.evaluations);
    CHECK_THROWS_WITH_AS((void)ok::minmax_cost_solve(pb, {.population = 1}),
                         "minmax_cost_solve: options.population is 1, expected >= 2", ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::minmax_cost_solve(pb, {.generations = -1}), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::minmax_cost_solve(pb, {.mutation_rate = 1.5}), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::minmax_cost_solve(pb, {.recombination_period = 0}), ok::invalid_argument);
    auto bad = pb;
    bad.tasks[0].candidates.clear();
    CHECK_THROWS_WITH_AS((void)ok::minmax_cost_solve(bad), "minmax_cost_solve: problem.tasks[0].candidates is empty",
                         ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::minmax_cost_exact(bad), ok::invalid_argument);
    // zero generations still returns the best initial assignment
    const auto g0 = ok::minmax_cost_solve(pb, {.generations = 0});
    CHECK(g0.feasible == a.feasible);
}

TEST_CASE("minmax_cost_solve: the AMVP-scale instance reaches the accuracy lower bound") {
    // AMVP-scale instance (3 tasks, 4 devices, 2 bases x 10 frozen options x 17 splits) with the
    // goals of AMVP Fig. 13 (user 2: 90%, 1 s, 1 frame/s, alpha 0.8). No assignment can beat
    // max_s alpha (A_s - A_best,s) / A_s, the accuracy term of each task's most accurate model;
    // the solver must reach it with the first selection of Algorithm 1 (all most accurate).
    const auto pb = inst::amvp_scale();
    const auto r = ok::minmax_cost_solve(pb);
    REQUIRE(r.feasible);
    double bound = -1.0;
    for (std::size_t s = 0; s < pb.tasks.size(); ++s) {
        const auto& cands = pb.tasks[s].candidates;
        const double best = std::max_element(cands.begin(), cands.end(), [](const auto& x, const auto& y) {
                                return x.accuracy < y.accuracy;
                            })->accuracy;
        const auto& g = pb.tasks[s].goal;
        bound = std::max(bound, g.alpha * (g.accuracy - best) / g.accuracy);
        CHECK(r.evaluation.tasks[s].accuracy == best);
    }
    CHECK(r.max_cost == doctest::Approx(bound).epsilon(1e-12));
    CHECK(r.selections == 1);  // later selections are skipped: their bound is no better
    // a demanding throughput goal (Fig. 14: 3 frames/s) makes it trade accuracy away
    auto fast = pb;
    for (auto& t : fast.tasks) {
        t.goal.throughput = 3.0;
        t.goal.latency = 0.3;
    }
    const auto f = ok::minmax_cost_solve(fast);
    REQUIRE(f.feasible);
    CHECK(f.selections > 1);
    double mean_fast = 0.0;
    double mean_slow = 0.0;
    for (std::size_t s = 0; s < pb.tasks.size(); ++s) {
        mean_fast += f.evaluation.tasks[s].throughput;
        mean_slow += r.evaluation.tasks[s].throughput;
    }
    CHECK(mean_fast > mean_slow);
}
