// Fuzz target: the AMVP problem CSV parser (multitask/problem_csv.hpp,
// docs/amvp-problem-format.md), then the MinMaxCost solvers (multitask/minmax_cost.hpp,
// AMVP §IV-C, Algorithm 1 and 2) on bounded problems.
//
// Either parse_amvp_problem() throws offloadkit::invalid_argument, or the problem passes
// amvp_validate() and, when it is small (<= 4 tasks, devices, candidates per task and split points
// per model, <= 10 share steps), minmax_cost_solve() with a small GA budget returns either
// "infeasible" (no choices, max_cost +inf) or an assignment whose indices are in range
// (amvp_evaluate accepts it), that satisfies constraints (11) and (12) and has its links, and
// whose reported max cost and evaluation are amvp_evaluate's. The same seed gives the same answer.
// On tiny problems (<= 3 tasks and devices, <= 3 candidates and split points, <= 4 share steps)
// minmax_cost_exact() is checked the same way and bounds the GA: exact is feasible whenever the GA
// is, and its max cost is at most the GA's.
#include <offloadkit/multitask/minmax_cost.hpp>
#include <offloadkit/multitask/minmax_exact.hpp>
#include <offloadkit/multitask/problem.hpp>
#include <offloadkit/multitask/problem_csv.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "fuzz_support.hpp"

namespace ok = offloadkit;

namespace {

struct bounds {
    std::size_t tasks, devices, candidates, splits;
    int share_steps;
};

bool within(const ok::amvp_problem& pb, const bounds& b) {
    if (pb.tasks.size() > b.tasks || pb.devices.size() > b.devices || pb.share_steps > b.share_steps) {
        return false;
    }
    for (const auto& t : pb.tasks) {
        if (t.candidates.size() > b.candidates) {
            return false;
        }
    }
    for (const auto& base : pb.bases) {
        if (base.splits.size() > b.splits) {
            return false;
        }
    }
    return true;
}

void check_result(const ok::amvp_problem& pb, const ok::minmax_cost_result& r) {
    if (!r.feasible) {
        FUZZ_CHECK(std::isinf(r.max_cost) && r.max_cost > 0.0);
        // an infeasible answer carries no assignment, or one that the evaluation rejects
        if (!r.choices.empty()) {
            FUZZ_CHECK(!ok::amvp_evaluate(pb, r.choices).feasible);
        }
        return;
    }
    FUZZ_CHECK(r.choices.size() == pb.tasks.size());
    const ok::amvp_evaluation e = ok::amvp_evaluate(pb, r.choices);  // throws if an index is out of range
    FUZZ_CHECK(e.feasible);
    FUZZ_CHECK(e.violation.empty());
    FUZZ_CHECK(r.evaluation.feasible);
    FUZZ_CHECK(r.max_cost == e.max_cost && r.evaluation.max_cost == e.max_cost);
    FUZZ_CHECK(e.tasks.size() == pb.tasks.size());
    double worst = -std::numeric_limits<double>::infinity();
    for (std::size_t s = 0; s < e.tasks.size(); ++s) {
        FUZZ_CHECK(!std::isnan(e.tasks[s].cost));
        FUZZ_CHECK(e.tasks[s].cost == r.evaluation.tasks[s].cost);
        worst = std::max(worst, e.tasks[s].cost);
    }
    FUZZ_CHECK(worst == e.max_cost);
    // constraints (11) and (12), recomputed from the evaluation's per-device use
    for (std::size_t k = 0; k < pb.devices.size(); ++k) {
        const int cap = static_cast<int>(std::floor(pb.devices[k].compute * pb.share_steps + 1e-9));
        FUZZ_CHECK(e.steps_used[k] <= cap);
        FUZZ_CHECK(e.memory_used[k] <= pb.devices[k].memory);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    ok::amvp_problem pb;
    try {
        pb = ok::parse_amvp_problem(text);
    } catch (const ok::invalid_argument&) {
        return 0;
    }
    ok::amvp_validate(pb);  // what the parser returns is valid (must not throw)
    if (!within(pb, {4, 4, 4, 4, 10})) {
        return 0;
    }
    ok::minmax_cost_options o;
    o.seed = 7;
    o.population = 6;
    o.generations = 4;
    o.stall_generations = 2;
    const ok::minmax_cost_result ga = ok::minmax_cost_solve(pb, o);
    check_result(pb, ga);
    const ok::minmax_cost_result again = ok::minmax_cost_solve(pb, o);
    FUZZ_CHECK(again.choices == ga.choices && again.feasible == ga.feasible);
    if (!within(pb, {3, 3, 3, 3, 4})) {
        return 0;
    }
    const ok::minmax_cost_result exact = ok::minmax_cost_exact(pb);
    FUZZ_CHECK(exact.optimal);
    check_result(pb, exact);
    if (ga.feasible) {
        FUZZ_CHECK(exact.feasible);
        FUZZ_CHECK(exact.max_cost <= ga.max_cost + 1e-12 * std::max(1.0, std::fabs(ga.max_cost)));
    }
    return 0;
}
