// ApproxNet's runtime pieces (ApproxNet §4): each fast path beside its scalar reference, same data,
// same run; report ratios.
//
// - SPP (kernels/spp.hpp) on ApproxNet's SPP inputs 64x28x28, 64x14x14, 64x7x7 (Table 1) and a
//   large 512x56x56 map, levels {1, 2, 3}, paper rule: fast vs detail::spp_pool_reference, and a
//   memcpy of the same input bytes for the bandwidth ratio (issue goal: >= 50% of memcpy on the
//   large map; >= 10x faster than torch 1.13's 299 us, 119 us, 56 us, 5.96 ms on this machine).
// - Image complexity of a 224x224 RGB frame (goal <= 0.3 ms), scene change check (<= 0.1 ms),
//   scheduler decision (<= 1 us) vs a brute-force scan over all branches.
#include <benchmark/benchmark.h>

#include <offloadkit/approx/scheduler.hpp>
#include <offloadkit/detail/random.hpp>
#include <offloadkit/kernels/complexity.hpp>
#include <offloadkit/kernels/scene_change.hpp>
#include <offloadkit/kernels/spp.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
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

// ---- image complexity (ApproxNet §4.2) of a 224x224 RGB frame: goal <= 0.3 ms ----------------

std::vector<std::uint8_t> random_frame(std::size_t h, std::size_t w, std::uint64_t seed) {
    // 8x8 blocks of random colour plus mild noise: edges like a natural frame, not pure noise.
    ok::detail::rng g(seed);
    std::vector<std::uint8_t> f(h * w * 3);
    std::vector<std::uint8_t> blocks(((h + 7) / 8) * ((w + 7) / 8) * 3);
    for (auto& b : blocks) {
        b = static_cast<std::uint8_t>(g() >> 56);
    }
    for (std::size_t y = 0; y < h; ++y) {
        for (std::size_t x = 0; x < w; ++x) {
            for (std::size_t c = 0; c < 3; ++c) {
                const int v = blocks[((y / 8) * ((w + 7) / 8) + x / 8) * 3 + c] + static_cast<int>(g() >> 61) - 4;
                f[(y * w + x) * 3 + c] = static_cast<std::uint8_t>(std::clamp(v, 0, 255));
            }
        }
    }
    return f;
}

void BM_complexity_fast(benchmark::State& state) {
    const auto frame = random_frame(224, 224, 5);
    ok::complexity_estimator ice({}, 224);
    for (auto _ : state) {
        benchmark::DoNotOptimize(ice.mean_edge_value(ok::image_view{frame, 224, 224}));
    }
}

void BM_complexity_scalar(benchmark::State& state) {
    const auto frame = random_frame(224, 224, 5);
    const auto img = ok::detail::check_image(ok::image_view{frame, 224, 224}, "bench");
    for (auto _ : state) {
        benchmark::DoNotOptimize(ok::detail::mean_edge_value_reference(img));
    }
}

// ---- scene change check (ApproxNet §4.2) of a 224x224 frame: goal <= 0.1 ms --------------------

void BM_scene_change_fast(benchmark::State& state) {
    const auto a = random_frame(224, 224, 6);
    const auto b = random_frame(224, 224, 7);
    ok::scene_change_detector scd({.interval = 1});
    bool flip = false;
    for (auto _ : state) {
        benchmark::DoNotOptimize(scd.step(ok::image_view{flip ? a : b, 224, 224}));
        flip = !flip;
    }
}

void BM_scene_change_scalar(benchmark::State& state) {
    const auto a = random_frame(224, 224, 6);
    const auto b = random_frame(224, 224, 7);
    std::array<std::uint32_t, 256> h{}, prev{};
    bool flip = false;
    for (auto _ : state) {
        const auto img = ok::detail::check_image(ok::image_view{flip ? a : b, 224, 224}, "bench");
        ok::detail::scene_histogram_reference(img, 112, 256, h.data());
        std::uint64_t sum = 0;
        for (std::size_t k = 0; k < 256; ++k) {
            sum += h[k] > prev[k] ? h[k] - prev[k] : prev[k] - h[k];
        }
        prev = h;
        benchmark::DoNotOptimize(static_cast<double>(sum) / (112.0 * 112.0) > 0.45);
        flip = !flip;
    }
}

// ---- scheduler decision (ApproxNet §4.6): goal <= 1 us ------------------------------------------
// ApproxNet's scale: 30 branches (Table 1), 7 categories (§4.4), 20 contention levels (§4.4).

ok::branch_profiles approxnet_scale_profiles() {
    ok::detail::rng g(9);
    const std::size_t b = 30, k = 7, m = 20;
    std::vector<std::string> names;
    for (std::size_t j = 0; j < b; ++j) {
        names.push_back("branch" + std::to_string(j));
    }
    std::vector<double> acc(k * b), lat(m * b);
    for (auto& a : acc) {
        a = g.uniform(0.5, 0.9);
    }
    for (auto& l : lat) {
        l = g.uniform(0.015, 0.09);
    }
    return ok::branch_profiles(names, k, m, acc, lat);
}

struct decision_queries {
    std::vector<std::size_t> k, m;
    std::vector<ok::approx_requirement> r;
};

decision_queries make_queries(std::size_t n) {
    ok::detail::rng g(10);
    decision_queries q;
    for (std::size_t i = 0; i < n; ++i) {
        q.k.push_back(g.below(7));
        q.m.push_back(g.below(20));
        q.r.push_back(g.below(2) == 0 ? ok::approx_requirement::min_accuracy(g.uniform(0.5, 0.9))
                                      : ok::approx_requirement::max_latency(g.uniform(0.01, 0.1)));
    }
    return q;
}

void BM_scheduler_decide(benchmark::State& state) {
    const ok::branch_scheduler s(approxnet_scale_profiles());
    const auto q = make_queries(1024);
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(s.decide(q.k[i], q.m[i], q.r[i]));
        i = (i + 1) & 1023;
    }
}

// Baseline: the same decision by scanning all 30 branches of the profile (no frontier).
void BM_scheduler_brute_force(benchmark::State& state) {
    const auto p = approxnet_scale_profiles();
    const auto q = make_queries(1024);
    const std::size_t nb = p.branches();
    std::size_t i = 0;
    for (auto _ : state) {
        const double* acc = p.accuracy_table().data() + q.k[i] * nb;
        const double* lat = p.latency_table().data() + q.m[i] * nb;
        const bool min_acc = q.r[i].type == ok::approx_requirement::kind::min_accuracy;
        const double v = q.r[i].value;
        std::size_t best = nb;
        bool best_meets = false;
        for (std::size_t b = 0; b < nb; ++b) {
            const bool meets = min_acc ? acc[b] >= v : lat[b] <= v;
            if (best == nb || (meets && !best_meets)) {
                best = b;
                best_meets = meets;
                continue;
            }
            if (meets != best_meets) {
                continue;
            }
            const bool lat_first = min_acc == meets;
            const bool better = lat_first ? (lat[b] < lat[best] || (lat[b] == lat[best] && acc[b] > acc[best]))
                                          : (acc[b] > acc[best] || (acc[b] == acc[best] && lat[b] < lat[best]));
            best = better ? b : best;
        }
        benchmark::DoNotOptimize(best);
        i = (i + 1) & 1023;
    }
}

void BM_scheduler_step(benchmark::State& state) {
    ok::branch_scheduler s(approxnet_scale_profiles(), {.min_dwell = 3});
    const auto q = make_queries(1024);
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(s.step(q.k[i], q.m[i], q.r[i]));
        i = (i + 1) & 1023;
    }
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
BENCHMARK(BM_complexity_fast);
BENCHMARK(BM_complexity_scalar);
BENCHMARK(BM_scene_change_fast);
BENCHMARK(BM_scene_change_scalar);
BENCHMARK(BM_scheduler_decide);
BENCHMARK(BM_scheduler_brute_force);
BENCHMARK(BM_scheduler_step);
BENCHMARK_MAIN();
