// pipeline_runner under ThreadSanitizer: two capture threads push while the worker polls and a
// third thread reads the counters; every frame must come out exactly once and TSan must see no
// race between the runner's mutex-protected calls and the sink.
#include <offloadkit/offloadkit.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/noop_backends.hpp"

namespace ok = offloadkit;
namespace trt = offloadkit::test_runtime;

TEST_CASE("pipeline_runner: concurrent pushes, stats readers and the worker's polls") {
    ok::pipeline_options o;
    o.model = ok::offload_model{0.2, 0.037, 0.1, {0.35, 0.60, 0.72, 0.78, 0.81}};
    o.capacity = 8;  // small: the ring grows under the mutex while the worker runs
    o.deadline_guard = 0.002;
    auto pipe = ok::make_cbo_pipeline<trt::noop_frame>(o, ok::identity_calibrator{}, trt::noop_local{},
                                                       trt::noop_encoder{}, trt::noop_link{}, trt::noop_remote{},
                                                       ok::harmonic_mean_estimator(5, 625000.0),
                                                       ok::steady_clock_source{});
    constexpr int per_thread = 150;
    std::mutex m;
    std::vector<int> seen(2 * per_thread, 0);
    std::size_t sink_calls = 0;
    {
        ok::pipeline_runner run(pipe, [&](const ok::frame_result& r) {
            std::lock_guard lock(m);
            ++sink_calls;
            if (r.id < seen.size()) {
                ++seen[r.id];
            }
        }, 0.0005);
        auto capture = [&](std::uint32_t salt) {
            for (int i = 0; i < per_thread; ++i) {
                (void)run.push(trt::noop_frame{salt * 1000u + static_cast<std::uint32_t>(i)});
                std::this_thread::sleep_for(std::chrono::microseconds(300));
            }
        };
        std::thread a(capture, 1u);
        std::thread b(capture, 2u);
        std::thread reader([&] {
            for (int i = 0; i < 100; ++i) {
                const auto st = run.stats();
                CHECK(st.results_out <= st.frames_in);
                (void)run.outstanding();
                std::this_thread::sleep_for(std::chrono::microseconds(500));
            }
        });
        a.join();
        b.join();
        reader.join();
        (void)run.wait_idle(10.0);
        run.stop();  // flushes whatever is left: every frame gets its result either way
        CHECK_FALSE(run.last_error());
    }
    CHECK(pipe.stats().frames_in == 2 * per_thread);
    CHECK(pipe.stats().results_out == 2 * per_thread);
    CHECK(sink_calls == 2 * per_thread);
    for (std::size_t i = 0; i < seen.size(); ++i) {
        CAPTURE(i);
        CHECK(seen[i] == 1);
    }
}
