// Pareto-list merge (Nemhauser–Ullmann two-pointer merge, pareto/frontier.hpp) against the naive
// way to get the same list: concatenate and re-sort-and-prune. Both produce identical lists
// (tests/pareto/test_frontier.cpp); report the ratio of their times.
#include <benchmark/benchmark.h>

#include <offloadkit/detail/random.hpp>
#include <offloadkit/pareto/frontier.hpp>

#include <vector>

namespace ok = offloadkit;

namespace {

// Lists of a few hundred points, as CBO's DP produces for long windows.
std::vector<ok::tradeoff_point> long_list(std::uint64_t seed, std::size_t n) {
    ok::detail::rng g(seed);
    std::vector<ok::tradeoff_point> v(n);
    double c = 0.0;
    double val = 0.0;
    for (auto& p : v) {
        c += g.uniform(0.001, 0.01);
        val += g.uniform(0.001, 0.01);
        p = {c, val};
    }
    return v;
}

void BM_pareto_merge(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto a = long_list(1, n);
    const auto b = long_list(2, n);
    std::vector<ok::tradeoff_point> out;
    out.reserve(2 * n);
    for (auto _ : state) {
        ok::pareto_merge<ok::tradeoff_point>(a, b, out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(2 * n));
}

void BM_naive_concat_sort_prune(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto a = long_list(1, n);
    const auto b = long_list(2, n);
    std::vector<ok::tradeoff_point> out;
    out.reserve(2 * n);
    for (auto _ : state) {
        out.assign(a.begin(), a.end());
        out.insert(out.end(), b.begin(), b.end());
        ok::pareto_prune(out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(2 * n));
}

void BM_pareto_frontier(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    ok::detail::rng g(3);
    std::vector<ok::tradeoff_point> pts(n);
    for (auto& p : pts) {
        p = {g.uniform(), g.uniform()};
    }
    for (auto _ : state) {
        auto f = ok::pareto_frontier(pts);
        benchmark::DoNotOptimize(f.data());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
}  // namespace

BENCHMARK(BM_pareto_merge)->Arg(32)->Arg(512);
BENCHMARK(BM_naive_concat_sort_prune)->Arg(32)->Arg(512);
BENCHMARK(BM_pareto_frontier)->Arg(64)->Arg(4096);
BENCHMARK_MAIN();
