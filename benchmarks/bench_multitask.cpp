// AMVP: the feature quantizer and the MinMaxCost solver.
//
// Quantizer: 8-bit quantize+pack and unpack+dequantize on AMVP's 50 KB feature (14x14x64 floats,
// Fig. 11) and on 4 MB (1M floats), beside the scalar reference (detail::quant::encode_reference /
// decode_reference: element by element, bit by bit) and a memcpy of the float tensor, all in the
// same run. Issue goals: >= 10x faster than torch 1.13 (128 us for 50 KB, 6.4 ms for 4 MB) and
// >= 50% of the memcpy's speed. Compare bytes_per_second.
//
// Solver: minmax_cost_solve on the AMVP-scale instance (3 tasks, 4 devices, 2 base models x 10
// frozen options x 17 split points; goal <= 50 ms) with the goals of Fig. 13 (the first selection
// already reaches the accuracy bound) and with Fig. 14/15's demanding goals (the whole chain of
// Algorithm 1 runs), and on the shipped Fig. 7b example.
#include <benchmark/benchmark.h>

#include <offloadkit/detail/random.hpp>
#include <offloadkit/kernels/quantize.hpp>
#include <offloadkit/multitask/minmax_cost.hpp>
#include <offloadkit/multitask/minmax_exact.hpp>
#include <offloadkit/multitask/problem_csv.hpp>

#include "support/amvp_instances.hpp"

#include <cstring>
#include <filesystem>
#include <vector>

namespace ok = offloadkit;

namespace {

std::vector<float> feature(std::size_t n) {
    ok::detail::rng g(42);
    std::vector<float> x(n);
    for (auto& v : x) {
        v = static_cast<float>(std::max(0.0, g.normal(0.2, 1.0)));  // a ReLU feature map
    }
    return x;
}

void set_bytes(benchmark::State& state, std::size_t n) {
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(n * sizeof(float)));
}

void BM_memcpy(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto x = feature(n);
    std::vector<float> y(n);
    for (auto _ : state) {
        std::memcpy(y.data(), x.data(), n * sizeof(float));
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    set_bytes(state, n);
}

void BM_quantize_pack_8bit(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto x = feature(n);
    ok::quantized_tensor qt;
    ok::quantize_into(x, 8, qt);
    for (auto _ : state) {
        ok::quantize_into(x, 8, qt);  // reuses qt's storage: no allocation
        benchmark::DoNotOptimize(qt.payload().data());
        benchmark::ClobberMemory();
    }
    set_bytes(state, n);
}

void BM_quantize_to_wire_8bit(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto x = feature(n);
    std::vector<std::byte> wire(ok::quantized_wire_size(n, 8));
    for (auto _ : state) {
        benchmark::DoNotOptimize(ok::quantize_to_wire(x, 8, wire));
        benchmark::ClobberMemory();
    }
    set_bytes(state, n);
}

// The forms most users call (issue 20): the allocating quantize() and dequantize(), what torch's
// quantize_per_tensor + dequantize do (each allocates its result).
void BM_quantize_dequantize_alloc_8bit(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto x = feature(n);
    for (auto _ : state) {
        const ok::quantized_tensor qt = ok::quantize(x, 8);
        const std::vector<float> y = ok::dequantize(qt);
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    set_bytes(state, n);
}

void BM_quantize_pack_8bit_scalar_reference(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto x = feature(n);
    std::vector<std::byte> payload(ok::quantized_payload_size(n, 8));
    float lo = 0.0F;
    float hi = 0.0F;
    for (auto _ : state) {
        ok::detail::quant::encode_reference(x, 8, {}, &lo, &hi, payload.data());
        benchmark::DoNotOptimize(payload.data());
        benchmark::ClobberMemory();
    }
    set_bytes(state, n);
}

void BM_unpack_dequantize_8bit(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto qt = ok::quantize(feature(n), 8);
    std::vector<float> out(n);
    for (auto _ : state) {
        ok::dequantize(qt, out);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    set_bytes(state, n);
}

void BM_dequantize_wire_8bit(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto wire = ok::quantize(feature(n), 8).serialize();
    std::vector<float> out(n);
    for (auto _ : state) {
        benchmark::DoNotOptimize(ok::dequantize_wire(wire, out));  // validates the message too
        benchmark::ClobberMemory();
    }
    set_bytes(state, n);
}

void BM_unpack_dequantize_8bit_scalar_reference(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto qt = ok::quantize(feature(n), 8);
    std::vector<float> out(n);
    const float lo = qt.min();
    const float hi = qt.max();
    for (auto _ : state) {
        ok::detail::quant::decode_reference(qt.payload(), 8, {}, &lo, &hi, out);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    set_bytes(state, n);
}

void BM_minmax_cost_solve_amvp_scale(benchmark::State& state) {
    auto pb = ok::test_instances::amvp_scale();
    if (state.range(0) == 1) {  // Fig. 14/15: 3 frames/s within 300 ms
        for (auto& t : pb.tasks) {
            t.goal.throughput = 3.0;
            t.goal.latency = 0.3;
        }
    }
    std::size_t selections = 0;
    for (auto _ : state) {
        auto r = ok::minmax_cost_solve(pb);
        selections = r.selections;
        benchmark::DoNotOptimize(r.max_cost);
    }
    state.counters["selections"] = static_cast<double>(selections);
}

void BM_minmax_cost_solve_fig7b_example(benchmark::State& state) {
    const auto path = std::filesystem::path(__FILE__).parent_path().parent_path() / "examples" / "data" /
                      "amvp_fig7b.csv";
    const auto pb = ok::read_amvp_problem(path.string());
    std::size_t selections = 0;
    for (auto _ : state) {
        auto r = ok::minmax_cost_solve(pb);
        selections = r.selections;
        benchmark::DoNotOptimize(r.max_cost);
    }
    state.counters["selections"] = static_cast<double>(selections);
}

void BM_minmax_cost_exact_small(benchmark::State& state) {
    const auto pb = ok::test_instances::random_small(1000);
    for (auto _ : state) {
        auto r = ok::minmax_cost_exact(pb);
        benchmark::DoNotOptimize(r.max_cost);
    }
}

}  // namespace

constexpr std::int64_t amvp_feature = 14 * 14 * 64;  // 50 KB
constexpr std::int64_t four_mb = 1 << 20;             // 4 MB of floats
BENCHMARK(BM_memcpy)->Arg(amvp_feature)->Arg(four_mb);
BENCHMARK(BM_quantize_pack_8bit)->Arg(amvp_feature)->Arg(four_mb);
BENCHMARK(BM_quantize_to_wire_8bit)->Arg(amvp_feature)->Arg(four_mb);
BENCHMARK(BM_quantize_dequantize_alloc_8bit)->Arg(amvp_feature)->Arg(four_mb);
BENCHMARK(BM_quantize_pack_8bit_scalar_reference)->Arg(amvp_feature)->Arg(four_mb);
BENCHMARK(BM_unpack_dequantize_8bit)->Arg(amvp_feature)->Arg(four_mb);
BENCHMARK(BM_dequantize_wire_8bit)->Arg(amvp_feature)->Arg(four_mb);
BENCHMARK(BM_unpack_dequantize_8bit_scalar_reference)->Arg(amvp_feature)->Arg(four_mb);
BENCHMARK(BM_minmax_cost_solve_amvp_scale)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_minmax_cost_solve_fig7b_example)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_minmax_cost_exact_small)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
