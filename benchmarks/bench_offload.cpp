// CBO's dynamic programs (offload/schedule.hpp) beside naive versions of the same DP, on the same
// problems in the same run:
//  - cbo_schedule (Algorithm 1, workspace reused: no allocation) for a pending window of k = 30
//    frames and m = 5 resolutions, against Algorithm 1 with the literal "remove the dominated
//    pairs" done by an O(L^2) pairwise scan over unsorted lists (fresh vectors every call);
//  - the same DP without any dominance pruning (every feasible label kept), against the pruned
//    one, at window sizes where the unpruned one still finishes;
//  - solve_optimal for n = 900 and 9000 frames (30 s and 300 s at 30 fps), m = 5, against the DP
//    with Pareto pruning but without arrival dominance (an ablation), and brute force at n = 10.
// Goals (issue 4): cbo_schedule k=30 m=5 <= 20 us; solve_optimal n=900 <= 50 ms, n=9000 <= 1 s.
#include <benchmark/benchmark.h>

#include <offloadkit/detail/random.hpp>
#include <offloadkit/offload/schedule.hpp>
#include <offloadkit/sim/synthetic.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "offload/instances.hpp"

namespace ok = offloadkit;

namespace {

constexpr double paper_deadline = 0.2;

// A problem over n frames of a synthetic trace at 30 fps, with calibrated local accuracy taken
// from the generator's latent model (what Platt approximates) and the paper's T, T^o, L, 5 Mbps.
ok::offload_problem trace_problem(std::size_t n, std::uint64_t seed, double spacing, double deadline) {
    ok::synthetic_trace_options o;
    o.frames = n;
    o.seed = seed;
    const auto tr = ok::make_synthetic_trace(o);
    ok::offload_problem pb;
    pb.deadline = deadline;
    pb.server_time = 0.037;
    pb.network_latency = 0.1;
    pb.bandwidth = 625000.0;
    pb.server_accuracy = o.server_accuracy;
    for (std::size_t i = 0; i < n; ++i) {
        const double s = std::clamp(tr.confidence[i], 1e-9, 1.0 - 1e-9);
        const double p = 1.0 / (1.0 + std::exp(-(std::log(s / (1.0 - s)) - o.confidence_offset) / o.confidence_slope));
        auto b = tr.bytes_of(i);
        pb.frames.push_back({static_cast<double>(i) * spacing, p, std::vector<double>(b.begin(), b.end())});
    }
    return pb;
}

// A pending window of k frames (window_kind 0: the paper's T = 200 ms with frames 2 ms apart, a
// backlog after a stall; 1: T = 1 s with frames 10 ms apart, so most subsets fit and lists are long).
ok::offload_problem window_problem(std::size_t k, int window_kind) {
    return window_kind == 0 ? trace_problem(k, 7, 0.002, paper_deadline) : trace_problem(k, 7, 0.010, 1.0);
}

struct naive_label {
    double t;
    double a;
    std::size_t parent;
    int choice;
};

// Algorithm 1 literally: l_j gets every pair of l_{j-1} and every feasible extension, then every
// pair some other pair dominates (t' <= t and A' >= A, ties: the earlier one survives) is removed
// by comparing all pairs. `prune` = false keeps every pair (the DP without dominance pruning).
double naive_algorithm1(const ok::offload_problem& pb, double free_at, bool prune, std::vector<int>& choice,
                        std::size_t& labels) {
    const std::size_t n = pb.frames.size();
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
        return pb.frames[x].local_accuracy > pb.frames[y].local_accuracy;
    });
    std::vector<std::vector<naive_label>> levels(n + 1);
    levels[0].push_back({free_at, 0.0, 0, -1});
    for (std::size_t j = 0; j < n; ++j) {
        const auto& f = pb.frames[order[j]];
        auto& next = levels[j + 1];
        const auto& prev = levels[j];
        for (std::size_t q = 0; q < prev.size(); ++q) {
            next.push_back({prev[q].t, prev[q].a, q, -1});
            for (std::size_t r = 0; r < pb.server_accuracy.size(); ++r) {
                const double t = std::max(prev[q].t, f.arrival) + f.bytes[r] / pb.bandwidth;
                if (t + pb.server_time + pb.network_latency <= f.arrival + pb.deadline) {
                    next.push_back({t, prev[q].a + pb.server_accuracy[r] - f.local_accuracy, q, static_cast<int>(r)});
                }
            }
        }
        if (prune) {
            std::vector<naive_label> kept;
            for (std::size_t x = 0; x < next.size(); ++x) {
                bool dominated = false;
                for (std::size_t y = 0; y < next.size() && !dominated; ++y) {
                    if (y == x || next[y].t > next[x].t || next[y].a < next[x].a) {
                        continue;
                    }
                    const bool strict = next[y].t < next[x].t || next[y].a > next[x].a;
                    dominated = strict || y < x;
                }
                if (!dominated) {
                    kept.push_back(next[x]);
                }
            }
            next.swap(kept);
        }
    }
    std::size_t best = 0;
    for (std::size_t q = 1; q < levels[n].size(); ++q) {
        if (levels[n][q].a > levels[n][best].a) {
            best = q;
        }
    }
    const double value = levels[n][best].a;
    choice.assign(n, -1);
    labels = 0;
    for (std::size_t j = n; j-- > 0;) {
        labels += levels[j + 1].size();
        choice[order[j]] = levels[j + 1][best].choice;
        best = levels[j + 1][best].parent;
    }
    return value;
}

void BM_cbo_schedule(benchmark::State& state) {
    const auto pb = window_problem(static_cast<std::size_t>(state.range(0)), static_cast<int>(state.range(1)));
    ok::offload_workspace ws;
    ok::offload_plan plan;
    ok::cbo_schedule(pb, 0.0, ws, plan);  // warm-up: later calls do not allocate
    for (auto _ : state) {
        ok::cbo_schedule(pb, 0.0, ws, plan);
        benchmark::DoNotOptimize(plan.value);
    }
    state.counters["labels"] = static_cast<double>(ws.labels());
}

void BM_cbo_schedule_arrival(benchmark::State& state) {
    const auto pb = window_problem(static_cast<std::size_t>(state.range(0)), static_cast<int>(state.range(1)));
    ok::offload_workspace ws;
    ok::offload_plan plan;
    ok::cbo_schedule(pb, 0.0, ws, plan, ok::cbo_order::arrival);
    for (auto _ : state) {
        ok::cbo_schedule(pb, 0.0, ws, plan, ok::cbo_order::arrival);
        benchmark::DoNotOptimize(plan.value);
    }
    state.counters["labels"] = static_cast<double>(ws.labels());
}

void BM_naive_algorithm1_quadratic_prune(benchmark::State& state) {
    const auto pb = window_problem(static_cast<std::size_t>(state.range(0)), static_cast<int>(state.range(1)));
    std::vector<int> choice;
    std::size_t labels = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(naive_algorithm1(pb, 0.0, true, choice, labels));
    }
    state.counters["labels"] = static_cast<double>(labels);
}

void BM_naive_algorithm1_no_prune(benchmark::State& state) {
    const auto pb = window_problem(static_cast<std::size_t>(state.range(0)), static_cast<int>(state.range(1)));
    std::vector<int> choice;
    std::size_t labels = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(naive_algorithm1(pb, 0.0, false, choice, labels));
    }
    state.counters["labels"] = static_cast<double>(labels);
}

void BM_solve_optimal(benchmark::State& state) {
    const auto pb = trace_problem(static_cast<std::size_t>(state.range(0)), 11, 1.0 / 30.0, paper_deadline);
    ok::offload_workspace ws;
    ok::offload_plan plan;
    for (auto _ : state) {
        ok::solve_optimal(pb, 0.0, ws, plan);
        benchmark::DoNotOptimize(plan.value);
    }
    state.counters["labels"] = static_cast<double>(ws.labels());
}

// Ablation: the same DP in arrival order with Pareto pruning but without arrival dominance.
void BM_optimal_without_arrival_dominance(benchmark::State& state) {
    const auto pb = trace_problem(static_cast<std::size_t>(state.range(0)), 11, 1.0 / 30.0, paper_deadline);
    ok::offload_workspace ws;
    std::vector<std::size_t> order(pb.frames.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::vector<int> choice(pb.frames.size());
    for (auto _ : state) {
        const double v = ok::detail_run_pareto_dp(
            ws, order, pb.server_accuracy.size(), 0.0, false, [&](std::size_t i) { return pb.frames[i].arrival; },
            [&](std::size_t i, std::size_t r) { return pb.server_accuracy[r] - pb.frames[i].local_accuracy; },
            [&](double s, std::size_t i, std::size_t r) { return s + pb.frames[i].bytes[r] / pb.bandwidth; },
            [&](double f, std::size_t i) {
                return ok::detail::on_time(f, pb.frames[i].arrival, pb.deadline, pb.server_time, pb.network_latency);
            },
            std::span<int>(choice));
        benchmark::DoNotOptimize(v);
    }
    state.counters["labels"] = static_cast<double>(ws.labels());
}

// Exhaustive search (tests/offload/instances.hpp) on the first n frames of the same problem.
void BM_brute_force_optimal(benchmark::State& state) {
    const auto pb = trace_problem(static_cast<std::size_t>(state.range(0)), 11, 1.0 / 30.0, paper_deadline);
    const auto order = ok::test_offload::arrival_order(pb);
    for (auto _ : state) {
        benchmark::DoNotOptimize(ok::test_offload::brute_force(pb, order).value);
    }
}

}  // namespace

// Window: (k, kind). kind 0 = paper deadline, backlog 2 ms apart; kind 1 = 1 s deadline, 10 ms apart.
BENCHMARK(BM_cbo_schedule)->Args({30, 0})->Args({30, 1})->Args({10, 0})->Args({8, 1});
BENCHMARK(BM_cbo_schedule_arrival)->Args({30, 0})->Args({30, 1});
BENCHMARK(BM_naive_algorithm1_quadratic_prune)->Args({30, 0})->Args({30, 1});
BENCHMARK(BM_naive_algorithm1_no_prune)->Args({10, 0})->Args({8, 1});
BENCHMARK(BM_solve_optimal)->Arg(10)->Arg(900)->Arg(9000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_optimal_without_arrival_dominance)->Arg(900)->Arg(9000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_brute_force_optimal)->Arg(10)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
