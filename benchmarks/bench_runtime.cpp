// The live CBO pipeline's own per-frame cost (runtime/cbo_pipeline.hpp), with backends that do
// (almost) nothing (tests/runtime/noop_backends.hpp), beside a baseline in the same run that
// calls the same backends, calibrator and policy directly, frame after frame, without any of the
// pipeline's bookkeeping (slots, window, deadlines, answers matching, breaker, results).
//
//  - BM_pipeline: push(frame) + poll() at the frame's time + poll() a frame interval later,
//    30 fps, Platt-calibrated cbo_policy, harmonic-mean estimator. Every frame's answer comes back.
//  - BM_direct: per frame the same backend calls — local inference, top-1 confidence, one
//    cbo_policy decision over a one-frame window, encode + submit + send, transfer report into the
//    estimator, the answer read back — with nothing kept between frames.
//  - BM_pipeline_burst: 8 frames with one timestamp, then polls (windows of up to 8 frames).
// The difference BM_pipeline - BM_direct is the pipeline's overhead. Goal (issue 9): the
// pipeline's per-frame cost excluding backends <= 10 us.
#include <benchmark/benchmark.h>

#include <offloadkit/calibration/platt.hpp>
#include <offloadkit/calibration/scores.hpp>
#include <offloadkit/estimators/bandwidth.hpp>
#include <offloadkit/runtime/cbo_pipeline.hpp>

#include <array>
#include <cstdint>
#include <vector>

#include "runtime/noop_backends.hpp"

namespace ok = offloadkit;
namespace trt = offloadkit::test_runtime;

namespace {

ok::offload_model paper_model() { return ok::offload_model{0.2, 0.037, 0.1, {0.35, 0.60, 0.72, 0.78, 0.81}}; }

ok::platt_calibrator calibration() {
    return ok::platt_calibrator::fit(std::vector<double>{0.1, 0.5, 0.9, 0.7, 0.3, 0.95, 0.6},
                                     std::vector<std::uint8_t>{0, 1, 1, 0, 0, 1, 1});
}

std::uint32_t next_content(std::uint32_t& state) {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
}

void BM_pipeline(benchmark::State& state) {
    ok::pipeline_options o;
    o.model = paper_model();
    double now = 0.0;
    auto pipe = ok::make_cbo_pipeline<trt::noop_frame>(o, calibration(), trt::noop_local{}, trt::noop_encoder{},
                                                       trt::noop_link{}, trt::noop_remote{},
                                                       ok::harmonic_mean_estimator(5, 625000.0),
                                                       trt::pointer_clock{&now});
    std::uint32_t content = 1;
    std::size_t results = 0;
    for (auto _ : state) {
        (void)pipe.push(trt::noop_frame{next_content(content)}, now);
        results += pipe.poll().size();
        now += 1.0 / 30.0;
        results += pipe.poll().size();
    }
    benchmark::DoNotOptimize(results);
    state.counters["offloaded"] = static_cast<double>(pipe.stats().offloaded) / static_cast<double>(state.iterations());
    state.SetItemsProcessed(state.iterations());
}

void BM_direct(benchmark::State& state) {
    const ok::offload_model model = paper_model();
    ok::cbo_policy<ok::platt_calibrator> policy(model, calibration());
    trt::noop_local local;
    trt::noop_encoder encoder;
    trt::noop_link link;
    trt::noop_remote remote;
    ok::harmonic_mean_estimator estimator(5, 625000.0);
    std::array<float, 10> logits{};
    std::array<double, 5> bytes{};
    std::array<std::uint8_t, 1> release{};
    double now = 0.0;
    std::uint32_t content = 1;
    std::uint64_t id = 0;
    std::size_t answers = 0;
    std::size_t offloaded = 0;
    for (auto _ : state) {
        const trt::noop_frame f{next_content(content)};
        trt::noop_encoder::sizes(f, bytes);
        (void)local.infer(f, logits);
        const ok::top1 t = ok::top1_confidence(logits);
        const ok::pending_frame w{id, now, t.confidence, bytes};
        release[0] = 0;
        const auto act = policy.decide({now, estimator.estimate()}, std::span<const ok::pending_frame>(&w, 1), release);
        if (act.sends()) {
            const auto wire = encoder.encode(f, static_cast<std::size_t>(act.resolution), id);
            (void)remote.submit(id, ok::offload_request{static_cast<std::size_t>(act.resolution), wire, now, now + 0.2});
            (void)link.send(wire);
            if (const auto done = link.poll_completed()) {
                estimator.observe(done->bytes, done->seconds);
            }
            ++offloaded;
        }
        while (const auto r = remote.poll()) {
            answers += r->label;
        }
        benchmark::DoNotOptimize(t);
        now += 1.0 / 30.0;
        ++id;
    }
    benchmark::DoNotOptimize(answers);
    state.counters["offloaded"] = static_cast<double>(offloaded) / static_cast<double>(state.iterations());
    state.SetItemsProcessed(state.iterations());
}

void BM_pipeline_burst(benchmark::State& state) {
    ok::pipeline_options o;
    o.model = paper_model();
    double now = 0.0;
    auto pipe = ok::make_cbo_pipeline<trt::noop_frame>(o, calibration(), trt::noop_local{}, trt::noop_encoder{},
                                                       trt::noop_link{}, trt::noop_remote{},
                                                       ok::harmonic_mean_estimator(5, 625000.0),
                                                       trt::pointer_clock{&now});
    std::uint32_t content = 1;
    std::size_t results = 0;
    for (auto _ : state) {
        for (int k = 0; k < 8; ++k) {
            (void)pipe.push(trt::noop_frame{next_content(content)}, now);
        }
        for (int k = 0; k < 8; ++k) {
            results += pipe.poll().size();
            now += 0.004;
        }
        now += 8.0 / 30.0 - 0.032;
    }
    benchmark::DoNotOptimize(results);
    state.SetItemsProcessed(8 * state.iterations());  // per-frame time = 1 / items_per_second
}

BENCHMARK(BM_direct);
BENCHMARK(BM_pipeline);
BENCHMARK(BM_pipeline_burst);

}  // namespace

BENCHMARK_MAIN();
