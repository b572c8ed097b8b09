// The CBO pipeline's per-frame path (push + poll: local inference, window, decision, offload,
// answers, deliveries) allocates nothing in the steady state once warmed up.
#include <offloadkit/calibration/platt.hpp>
#include <offloadkit/estimators/bandwidth.hpp>
#include <offloadkit/runtime/approx_pipeline.hpp>
#include <offloadkit/runtime/cbo_pipeline.hpp>
#include <offloadkit/runtime/split_path.hpp>

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

namespace {
struct table_dnn {
    std::size_t level = 0;
    [[nodiscard]] std::size_t num_classes() const { return 4; }
    double run(const ok::image_view&, std::size_t branch, std::span<float> logits) const {
        for (std::size_t k = 0; k < logits.size(); ++k) {
            logits[k] = static_cast<float>((k + branch) % 4);
        }
        return 0.01 * static_cast<double>(branch + 1) * static_cast<double>(level + 1);
    }
};
}  // namespace

TEST_CASE("approx pipeline: step does not allocate once the categorizer has seen the frame width") {
    const ok::branch_profiles p({"a", "b", "c"}, 2, 2, {0.5, 0.6, 0.7, 0.55, 0.65, 0.75},
                                {0.01, 0.02, 0.03, 0.02, 0.04, 0.06});
    ok::approx_pipeline_options o;
    o.scene.interval = 3;
    o.reserve_width = 64;
    ok::approx_pipeline<ok::image_view, table_dnn> pipe(p, ok::complexity_categories({0.05}), table_dnn{}, o);
    std::vector<std::uint8_t> a(64 * 64 * 3, 10);
    std::vector<std::uint8_t> b(64 * 64 * 3);
    for (std::size_t i = 0; i < b.size(); ++i) {
        b[i] = static_cast<std::uint8_t>((i / 6) % 2 != 0 ? 250 : 0);
    }
    const ok::image_view va{a, 64, 64};
    const ok::image_view vb{b, 64, 64};
    (void)pipe.step(va);
    CHECK(allocations_during([&] {
              for (int i = 0; i < 300; ++i) {
                  pipe.executor().level = static_cast<std::size_t>((i / 50) % 2);
                  (void)pipe.step((i / 20) % 2 != 0 ? vb : va,
                                  i % 3 == 0 ? ok::approx_requirement::min_accuracy(0.7)
                                             : ok::approx_requirement::none());
              }
          }) == 0);
    CHECK(pipe.stats().scene_changes > 3);
}

namespace {
struct ramp_extractor {
    [[nodiscard]] std::size_t feature_count() const { return 3136; }
    double extract(const int& frame, std::span<float> features) const {
        for (std::size_t i = 0; i < features.size(); ++i) {
            features[i] = static_cast<float>((static_cast<std::size_t>(frame) * 31 + i) % 97) * 0.1F;
        }
        return 0.001;
    }
};
struct sum_inference {
    [[nodiscard]] std::size_t feature_count() const { return 3136; }
    [[nodiscard]] std::size_t num_classes() const { return 4; }
    double infer(std::span<const float> features, std::span<float> logits) const {
        for (std::size_t k = 0; k < 4; ++k) {
            logits[k] = features[k * 7];
        }
        return 0.001;
    }
};
struct buffer_link {
    std::vector<std::byte> buffer = std::vector<std::byte>(20000);
    std::size_t size = 0;
    double rate = 1e6;
    [[nodiscard]] double bandwidth() const { return rate; }
    [[nodiscard]] double latency() const { return 0.01; }
    bool send(std::span<const std::byte> bytes) {
        std::copy(bytes.begin(), bytes.end(), buffer.begin());
        size = bytes.size();
        return true;
    }
};
}  // namespace

TEST_CASE("split path: send and receive do not allocate") {
    ok::split_sender<int, ramp_extractor, buffer_link> tx(ramp_extractor{}, buffer_link{});
    ok::split_receiver<sum_inference> rx{sum_inference{}};
    std::size_t labels = 0;
    CHECK(allocations_during([&] {
              for (int i = 0; i < 50; ++i) {
                  tx.link().rate = i % 2 == 0 ? 1e6 : 1e11;  // quantized and raw messages
                  (void)tx.send(i, static_cast<std::uint64_t>(i));
                  labels += rx.receive(std::span<const std::byte>(tx.link().buffer).first(tx.link().size)).label;
              }
          }) == 0);
    CHECK(labels > 0);
}
