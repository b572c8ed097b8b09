// The CBO pipeline's per-frame path (push + poll: local inference, window, decision, offload,
// answers, deliveries) allocates nothing in the steady state once warmed up.
#include <offloadkit/calibration/platt.hpp>
#include <offloadkit/estimators/bandwidth.hpp>
#include <offloadkit/runtime/cbo_pipeline.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "alloc/counting.hpp"
#include "runtime/noop_backends.hpp"

namespace ok = offloadkit;
namespace trt = offloadkit::test_runtime;
using offloadkit::test_alloc::allocations_during;

TEST_CASE("cbo pipeline: push and poll do not allocate in the steady state") {
    ok::pipeline_options o;
    o.model = ok::offload_model{0.2, 0.037, 0.1, {0.35, 0.60, 0.72, 0.78, 0.81}};
    o.capacity = 64;
    const auto platt = ok::platt_calibrator::fit(std::vector<double>{0.1, 0.5, 0.9, 0.7, 0.3},
                                                 std::vector<std::uint8_t>{0, 1, 1, 0, 0});
    double now = 0.0;
    auto pipe = ok::make_cbo_pipeline<trt::noop_frame>(o, platt, trt::noop_local{}, trt::noop_encoder{},
                                                       trt::noop_link{}, trt::noop_remote{},
                                                       ok::harmonic_mean_estimator(5, 625000.0),
                                                       trt::pointer_clock{&now});
    std::uint32_t content = 12345;
    std::size_t results = 0;
    auto step = [&] {
        content = content * 1664525u + 1013904223u;  // the frame's content varies
        (void)pipe.push(trt::noop_frame{content >> 8}, now);
        results += pipe.poll().size();
        now += 1.0 / 30.0;
        results += pipe.poll().size();
    };
    // Warm-up, including a burst that fills the window to its largest size.
    for (int i = 0; i < 500; ++i) {
        step();
    }
    for (int i = 0; i < 20; ++i) {
        (void)pipe.push(trt::noop_frame{static_cast<std::uint32_t>(i)}, now);
    }
    results += pipe.poll().size();
    for (int i = 0; i < 500; ++i) {
        step();
    }
    CHECK(allocations_during([&] {
              for (int i = 0; i < 2000; ++i) {
                  step();
              }
          }) == 0);
    CHECK(pipe.stats().offloaded > 100);
    CHECK(pipe.stats().server > 100);
    now += 1.0;
    results += pipe.poll().size();
    CHECK(results == pipe.stats().frames_in);
}
