// ApproxNet's runtime pieces (seed 002 §4): each fast path beside its scalar reference, same data,
// same run; report ratios.
//
// - SPP (kernels/spp.hpp) on ApproxNet's SPP inputs 64x28x28, 64x14x14, 64x7x7 (Table 1) and a
//   large 512x56x56 map, levels {1, 2, 3}, paper rule: fast vs detail::spp_pool_reference, and a
//   memcpy of the same input bytes for the bandwidth ratio (issue goal: >= 50% of memcpy on the
//   large map; >= 10x faster than torch 1.13's 299 us, 119 us, 56 us, 5.96 ms on this machine).
// - Image complexity of a 224x224 RGB frame (goal <= 0.3 ms), scene change check (<= 0.1 ms),
//   scheduler decision (<= 1 us) vs a brute-force scan over all branches.
#include <benchmark/benchmark.h>

#include <offloadkit/detail/random.hpp>
#include <offloadkit/kernels/spp.hpp>

#include <cstring>
#include <vector>

namespace ok = offloadkit;

namespace {

struct map_shape {
    std::size_t c, h, w;
};
constexpr map_shape spp_shapes[] = {{64, 28, 28}, {64, 14, 14}, {64, 7, 7}, {512, 56, 56}};

std::vector<float> random_map(std::size_t n, std::uint64_t seed) {
    ok::detail::rng g(seed);
    std::vector<float> v(n);
    for (auto& x : v) {
        x = static_cast<float>(g.uniform(-1.0, 1.0));
    }
    return v;
}

void set_bytes(benchmark::State& state, std::size_t bytes) {
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(bytes));
}

template <ok::tensor_layout Layout>
void BM_spp_max_fast(benchmark::State& state) {
    const auto s = spp_shapes[state.range(0)];
    const auto in = random_map(s.c * s.h * s.w, 1);
    std::vector<float> out(ok::spp_output_size(s.c, ok::spp_default_levels));
    for (auto _ : state) {
        ok::spp_max_pool(in, s.c, s.h, s.w, ok::spp_default_levels, out, ok::spp_rule::paper, Layout);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    set_bytes(state, in.size() * sizeof(float));
}

template <ok::tensor_layout Layout>
void BM_spp_max_scalar(benchmark::State& state) {
    const auto s = spp_shapes[state.range(0)];
    const auto in = random_map(s.c * s.h * s.w, 1);
    std::vector<float> out(ok::spp_output_size(s.c, ok::spp_default_levels));
    for (auto _ : state) {
        ok::detail::spp_pool_reference<float, std::size_t>(in.data(), s.c, s.h, s.w, ok::spp_default_levels,
                                                           out.data(), ok::spp_rule::paper, Layout,
                                                           ok::detail::pool_op::max);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    set_bytes(state, in.size() * sizeof(float));
}

void BM_spp_avg_fast(benchmark::State& state) {
    const auto s = spp_shapes[state.range(0)];
    const auto in = random_map(s.c * s.h * s.w, 1);
    std::vector<float> out(ok::spp_output_size(s.c, ok::spp_default_levels));
    for (auto _ : state) {
        ok::spp_avg_pool(in, s.c, s.h, s.w, ok::spp_default_levels, out);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    set_bytes(state, in.size() * sizeof(float));
}

void BM_spp_avg_scalar(benchmark::State& state) {
    const auto s = spp_shapes[state.range(0)];
    const auto in = random_map(s.c * s.h * s.w, 1);
    std::vector<float> out(ok::spp_output_size(s.c, ok::spp_default_levels));
    for (auto _ : state) {
        ok::detail::spp_pool_reference<float, std::size_t>(in.data(), s.c, s.h, s.w, ok::spp_default_levels,
                                                           out.data(), ok::spp_rule::paper, ok::tensor_layout::chw,
                                                           ok::detail::pool_op::average);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    set_bytes(state, in.size() * sizeof(float));
}

// The bandwidth yardstick: copying the same input bytes (read + write) in the same run.
void BM_spp_memcpy(benchmark::State& state) {
    const auto s = spp_shapes[state.range(0)];
    const auto in = random_map(s.c * s.h * s.w, 1);
    std::vector<float> dst(in.size());
    for (auto _ : state) {
        std::memcpy(dst.data(), in.data(), in.size() * sizeof(float));
        benchmark::DoNotOptimize(dst.data());
        benchmark::ClobberMemory();
    }
    set_bytes(state, in.size() * sizeof(float));
}

}  // namespace

// Argument = index into spp_shapes: 0 = 64x28x28, 1 = 64x14x14, 2 = 64x7x7, 3 = 512x56x56.
BENCHMARK(BM_spp_max_fast<ok::tensor_layout::chw>)->DenseRange(0, 3);
BENCHMARK(BM_spp_max_scalar<ok::tensor_layout::chw>)->DenseRange(0, 3);
BENCHMARK(BM_spp_max_fast<ok::tensor_layout::hwc>)->Arg(0)->Arg(3);
BENCHMARK(BM_spp_max_scalar<ok::tensor_layout::hwc>)->Arg(0)->Arg(3);
BENCHMARK(BM_spp_avg_fast)->Arg(0)->Arg(3);
BENCHMARK(BM_spp_avg_scalar)->Arg(0)->Arg(3);
BENCHMARK(BM_spp_memcpy)->Arg(0)->Arg(3);
BENCHMARK_MAIN();
