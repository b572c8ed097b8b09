// Fuzz target: CBO's solvers solve_optimal() and cbo_schedule() (offload/schedule.hpp, CBO
// §IV-C and Algorithm 1) on arbitrary small problems decoded from the bytes (<= 8 frames, <= 3
// resolutions; times and sizes mostly on a coarse grid so that deadlines are tight and ties
// frequent, sometimes arbitrary doubles — NaN, inf, negative, subnormal).
//
//  - Every solver throws offloadkit::invalid_argument exactly when the problem is invalid (as
//    predicted here from docs/offloading.md and problem.hpp), and the workspace overloads then
//    leave the caller's plan untouched.
//  - solve_optimal(): the plan is feasible under the FCFS uplink (every offloaded frame
//    on time: finish + T^o + L <= arrival + T, checked here and by evaluate_plan()), its value
//    is its summed accuracy, and that value equals a brute force over every choice of every
//    frame (local or one of the resolutions), written here as a depth-first search in arrival
//    order; θ, r_o and `first` are the largest offloaded local accuracy, the resolution of the
//    earliest offloaded frame and that frame.
//  - cbo_schedule() (Algorithm 1, confidence order): feasible under the same FCFS model, value at
//    most the optimum; `first` is the offloaded frame of highest local accuracy (ties: lowest
//    index), θ its local accuracy and r_o its resolution.
//  - cbo_schedule(..., cbo_order::arrival) is solve_optimal().
//  - The workspace overloads, after warming the workspace on another problem, give the same plans.
#include <offloadkit/offload/problem.hpp>
#include <offloadkit/offload/schedule.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <vector>

#include "fuzz_support.hpp"

namespace ok = offloadkit;

namespace {

constexpr double ninf = -std::numeric_limits<double>::infinity();

double grid_or_any(fuzz::input& in, double step, std::size_t max_steps) {
    if (in.range(0, 15) == 0) {
        return in.number();  // anything, valid or not
    }
    return step * static_cast<double>(in.range(0, max_steps));
}

bool valid_problem(const ok::offload_problem& pb, double free_at) {
    const auto finite_ge0 = [](double v) { return std::isfinite(v) && v >= 0.0; };
    bool v = std::isfinite(pb.deadline) && pb.deadline > 0.0 && finite_ge0(pb.server_time) &&
             finite_ge0(pb.network_latency) && std::isfinite(pb.bandwidth) && pb.bandwidth > 0.0 &&
             !pb.server_accuracy.empty() && std::isfinite(free_at);
    for (const double a : pb.server_accuracy) {
        v = v && a >= 0.0 && a <= 1.0;
    }
    for (const auto& f : pb.frames) {
        v = v && finite_ge0(f.arrival) && f.local_accuracy >= 0.0 && f.local_accuracy <= 1.0 &&
            f.bytes.size() == pb.server_accuracy.size();
        for (const double b : f.bytes) {
            v = v && std::isfinite(b) && b > 0.0;
        }
    }
    return v;
}

bool on_time(const ok::offload_problem& pb, double finish, double arrival) {
    return finish + pb.server_time + pb.network_latency <= arrival + pb.deadline;
}

std::vector<std::size_t> arrival_order(const ok::offload_problem& pb) {
    std::vector<std::size_t> order(pb.frames.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return pb.frames[a].arrival < pb.frames[b].arrival; });
    return order;
}

/// FCFS replay of a plan: every offloaded frame on time?
bool feasible(const ok::offload_problem& pb, const std::vector<int>& choice, double free_at) {
    double t = free_at;
    for (const std::size_t i : arrival_order(pb)) {
        if (choice[i] < 0) {
            continue;
        }
        const auto& f = pb.frames[i];
        t = std::max(t, f.arrival) + f.bytes[static_cast<std::size_t>(choice[i])] / pb.bandwidth;
        if (!on_time(pb, t, f.arrival)) {
            return false;
        }
    }
    return true;
}

double summed_accuracy(const ok::offload_problem& pb, const std::vector<int>& choice) {
    double v = 0.0;
    for (std::size_t i = 0; i < choice.size(); ++i) {
        v += choice[i] < 0 ? pb.frames[i].local_accuracy : pb.server_accuracy[static_cast<std::size_t>(choice[i])];
    }
    return v;
}

/// Brute force over all (m + 1)^n plans, in arrival order; a prefix with a late frame is cut
/// (no later choice makes it on time again).
void brute_force(const ok::offload_problem& pb, const std::vector<std::size_t>& order, std::size_t k, double t,
                 double value, double& best) {
    if (k == order.size()) {
        best = std::max(best, value);
        return;
    }
    const auto& f = pb.frames[order[k]];
    brute_force(pb, order, k + 1, t, value + f.local_accuracy, best);
    for (std::size_t r = 0; r < pb.server_accuracy.size(); ++r) {
        const double finish = std::max(t, f.arrival) + f.bytes[r] / pb.bandwidth;
        if (on_time(pb, finish, f.arrival)) {
            brute_force(pb, order, k + 1, finish, value + pb.server_accuracy[r], best);
        }
    }
}

void check_plan_shape(const ok::offload_problem& pb, const ok::offload_plan& p, double free_at) {
    const auto m = static_cast<int>(pb.server_accuracy.size());
    FUZZ_CHECK(p.choice.size() == pb.frames.size());
    double theta = ninf;
    for (std::size_t i = 0; i < p.choice.size(); ++i) {
        FUZZ_CHECK(p.choice[i] >= -1 && p.choice[i] < m);
        if (p.choice[i] >= 0) {
            theta = std::max(theta, pb.frames[i].local_accuracy);
        }
    }
    FUZZ_CHECK(feasible(pb, p.choice, free_at));
    const ok::plan_evaluation ev = ok::evaluate_plan(pb, p.choice, free_at);
    FUZZ_CHECK(ev.feasible && ev.late == 0);
    FUZZ_CHECK(p.value == summed_accuracy(pb, p.choice));
    FUZZ_CHECK(ev.value == p.value);
    FUZZ_CHECK(p.threshold == theta);
    if (theta == ninf) {
        FUZZ_CHECK(p.first == -1 && p.resolution == -1);
    } else {
        FUZZ_CHECK(p.first >= 0 && static_cast<std::size_t>(p.first) < pb.frames.size());
        FUZZ_CHECK(p.resolution == p.choice[static_cast<std::size_t>(p.first)] && p.resolution >= 0);
    }
}

ok::offload_problem decode(fuzz::input& in, double& free_at) {
    ok::offload_problem pb;
    pb.deadline = in.range(0, 7) == 0 ? in.number() : 0.02 * static_cast<double>(in.range(1, 15));
    pb.server_time = grid_or_any(in, 0.01, 5);
    pb.network_latency = grid_or_any(in, 0.01, 10);
    pb.bandwidth = in.range(0, 7) == 0 ? in.number() : 1000.0 * static_cast<double>(in.range(1, 64));
    const std::size_t m = in.range(0, 31) == 0 ? 0 : in.range(1, 3);
    for (std::size_t r = 0; r < m; ++r) {
        pb.server_accuracy.push_back(in.range(0, 31) == 0 ? in.number() : static_cast<double>(in.range(0, 20)) / 20.0);
    }
    const std::size_t n = in.range(0, 8);
    double arrival = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        ok::offload_frame f;
        arrival += 0.01 * static_cast<double>(in.range(0, 6));
        f.arrival = in.range(0, 15) == 0 ? grid_or_any(in, 0.01, 30) : arrival;  // sometimes out of order
        f.local_accuracy = in.range(0, 31) == 0 ? in.number() : static_cast<double>(in.range(0, 20)) / 20.0;
        const std::size_t nb = in.range(0, 63) == 0 ? in.range(0, 4) : m;
        for (std::size_t r = 0; r < nb; ++r) {
            f.bytes.push_back(in.range(0, 31) == 0 ? in.number() : 100.0 * static_cast<double>(in.range(1, 60)));
        }
        pb.frames.push_back(std::move(f));
    }
    free_at = in.range(0, 7) == 0 ? grid_or_any(in, 0.01, 20) : 0.0;
    return pb;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::input in(data, size);
    double free_at = 0.0;
    const ok::offload_problem pb = decode(in, free_at);
    const bool valid = valid_problem(pb, free_at);

    ok::offload_plan opt, cbo, arr;
    bool threw = false;
    try {
        opt = free_at == 0.0 && in.boolean() ? ok::solve_optimal(pb) : ok::solve_optimal(pb, free_at);
    } catch (const ok::invalid_argument&) {
        threw = true;
    }
    FUZZ_CHECK(threw == !valid);
    // the workspace overloads leave the caller's plan untouched on error
    ok::offload_workspace ws;
    ok::offload_plan kept;
    kept.value = 42.0;
    kept.choice = {7, 7};
    if (!valid) {
        const ok::offload_plan before = kept;
        for (int k = 0; k < 3; ++k) {
            bool t = false;
            try {
                if (k == 0) {
                    ok::solve_optimal(pb, free_at, ws, kept);
                } else if (k == 1) {
                    ok::cbo_schedule(pb, free_at, ws, kept);
                } else {
                    (void)ok::cbo_schedule(pb, free_at, ok::cbo_order::arrival);
                }
            } catch (const ok::invalid_argument&) {
                t = true;
            }
            FUZZ_CHECK(t);
            FUZZ_CHECK(kept == before);
        }
        return 0;
    }
    cbo = ok::cbo_schedule(pb, free_at);
    arr = ok::cbo_schedule(pb, free_at, ok::cbo_order::arrival);

    // solve_optimal: feasible, equal to the brute force
    check_plan_shape(pb, opt, free_at);
    double best = ninf;
    brute_force(pb, arrival_order(pb), 0, free_at, 0.0, best);
    FUZZ_CHECK(std::fabs(opt.value - best) <= 1e-9);
    if (opt.first >= 0) {  // the earliest offloaded frame (arrival, then index)
        for (std::size_t i = 0; i < pb.frames.size(); ++i) {
            if (opt.choice[i] >= 0) {
                const double a = pb.frames[i].arrival;
                const double af = pb.frames[static_cast<std::size_t>(opt.first)].arrival;
                FUZZ_CHECK(af < a || (af == a && static_cast<std::size_t>(opt.first) <= i));
            }
        }
    }
    // Algorithm 1: feasible, at most the optimum, θ's frame first
    check_plan_shape(pb, cbo, free_at);
    FUZZ_CHECK(cbo.value <= opt.value + 1e-9);
    if (cbo.first >= 0) {
        const auto f = static_cast<std::size_t>(cbo.first);
        FUZZ_CHECK(cbo.threshold == pb.frames[f].local_accuracy);
        for (std::size_t i = 0; i < f; ++i) {
            FUZZ_CHECK(cbo.choice[i] < 0 || pb.frames[i].local_accuracy < cbo.threshold);
        }
    }
    // the arrival-ordered variant is the optimum
    FUZZ_CHECK(arr == opt);

    // workspace overloads: warm the workspace on another problem first
    ok::offload_problem other = pb;
    std::reverse(other.frames.begin(), other.frames.end());
    ok::offload_frame extra;
    extra.arrival = 0.0;
    extra.local_accuracy = 0.25;
    extra.bytes.assign(pb.server_accuracy.size(), 500.0);
    other.frames.push_back(extra);
    other.frames.push_back(extra);
    ok::offload_plan scratch;
    ok::solve_optimal(other, 0.0, ws, scratch);
    ok::cbo_schedule(other, 0.0, ws, scratch);
    ok::solve_optimal(pb, free_at, ws, kept);
    FUZZ_CHECK(kept == opt);
    ok::cbo_schedule(pb, free_at, ws, kept);
    FUZZ_CHECK(kept == cbo);
    ok::cbo_schedule(pb, free_at, ws, kept, ok::cbo_order::arrival);
    FUZZ_CHECK(kept == opt);
    return 0;
}
