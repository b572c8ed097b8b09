#include <offloadkit/runtime/runner.hpp>

#include <doctest/doctest.h>

#include <mutex>
#include <stdexcept>
#include <vector>

#include <offloadkit/calibration/identity.hpp>
#include <offloadkit/estimators/bandwidth.hpp>
#include <offloadkit/runtime/clock.hpp>

#include "runtime/noop_backends.hpp"

namespace ok = offloadkit;
namespace trt = offloadkit::test_runtime;

namespace {
ok::pipeline_options runner_options() {
    ok::pipeline_options o;
    o.model = ok::offload_model{0.2, 0.037, 0.1, {0.35, 0.60, 0.72, 0.78, 0.81}};
    o.capacity = 16;
    o.deadline_guard = 0.002;
    return o;
}
}  // namespace

TEST_CASE("pipeline_runner: every pushed frame reaches the sink exactly once, flushed at stop") {
    auto pipe = ok::make_cbo_pipeline<trt::noop_frame>(runner_options(), ok::identity_calibrator{}, trt::noop_local{},
                                                       trt::noop_encoder{}, trt::noop_link{}, trt::noop_remote{},
                                                       ok::harmonic_mean_estimator(5, 625000.0),
                                                       ok::steady_clock_source{});
    std::mutex m;
    std::vector<int> seen(80, 0);
    {
        ok::pipeline_runner run(pipe, [&](const ok::frame_result& r) {
            std::lock_guard lock(m);
            ++seen.at(r.id);
        });
        for (std::uint32_t i = 0; i < 40; ++i) {
            (void)run.push(trt::noop_frame{i * 7919u});
        }
        (void)run.wait_idle(10.0);
        for (std::uint32_t i = 40; i < 80; ++i) {
            (void)run.push(trt::noop_frame{i * 7919u});  // stop() right after: flushed if not done
        }
        const auto n = run.with_pipeline([](auto& p) { return p.stats().frames_in; });
        CHECK(n == 80);
        CHECK_THROWS_AS((void)run.push(trt::noop_frame{1}, -1.0), ok::invalid_argument);
    }  // the destructor stops and flushes
    for (std::size_t i = 0; i < seen.size(); ++i) {
        CAPTURE(i);
        CHECK(seen[i] == 1);
    }
    CHECK(pipe.outstanding() == 0);
    CHECK(pipe.stats().rejected_frames == 1);
}

TEST_CASE("pipeline_runner: rejects an empty sink and a bad period, keeps the worker's first error") {
    struct throwing_remote {
        bool submit(std::uint64_t, const ok::offload_request&) { return true; }
        std::optional<ok::remote_result> poll() { throw std::runtime_error("server socket"); }
    };
    ok::offload_pipeline<trt::noop_frame, ok::local_policy, trt::noop_local, trt::noop_encoder, trt::noop_link,
                         throwing_remote, ok::harmonic_mean_estimator, ok::steady_clock_source>
        pipe(runner_options(), ok::local_policy{}, trt::noop_local{}, trt::noop_encoder{}, trt::noop_link{},
             throwing_remote{}, ok::harmonic_mean_estimator(5, 1.0), ok::steady_clock_source{});
    using runner = ok::pipeline_runner<decltype(pipe)>;
    CHECK_THROWS_AS(runner(pipe, nullptr), ok::invalid_argument);
    CHECK_THROWS_AS(runner(pipe, [](const ok::frame_result&) {}, 0.0), ok::invalid_argument);
    std::size_t got = 0;
    {
        runner run(pipe, [&](const ok::frame_result&) { ++got; });
        (void)run.push(trt::noop_frame{3});
        (void)run.wait_idle(0.05);  // the worker's polls throw: nothing is delivered by them
        CHECK(run.last_error() != nullptr);
    }  // stop() flushes the frame anyway
    CHECK(got == 1);
}
