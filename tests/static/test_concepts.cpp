// Compile-time checks of <offloadkit/concepts.hpp>: every in-repo model satisfies its concept, and
// types that miss one requirement do not. A failure here is a compile error.
#include <offloadkit/concepts.hpp>

#include <offloadkit/calibration/vector.hpp>
#include <offloadkit/offload/policies.hpp>

#include <doctest/doctest.h>

#include <span>
#include <vector>

#include "support/models.hpp"

namespace ok = offloadkit;
namespace tmod = offloadkit::test_models;

namespace {
// Negative cases: each lacks exactly one requirement of its concept.
struct no_num_classes {
    double infer(const tmod::frame&, std::span<float>) { return 0.0; }
};
struct infer_returns_void {
    [[nodiscard]] std::size_t num_classes() const { return 1; }
    void infer(const tmod::frame&, std::span<float>) {}
};
struct submit_returns_int {
    int submit(std::uint64_t, const tmod::frame&) { return 1; }
    std::optional<ok::remote_result> poll() { return std::nullopt; }
};
struct blocking_poll {  // returns a result, not an optional: cannot say "nothing yet"
    bool submit(std::uint64_t, const tmod::frame&) { return true; }
    ok::remote_result poll() { return {}; }
};
struct link_without_latency {
    [[nodiscard]] double bandwidth() const { return 1.0; }
    bool send(std::span<const std::byte>) { return true; }
};
struct estimator_without_observe {
    [[nodiscard]] double estimate() const { return 1.0; }
};
struct mutable_estimate {  // estimate() must be callable on a const estimator
    void observe(double, double) {}
    double estimate() { return 1.0; }
};
struct calibrator_without_transform {
    double operator()(double s) const { return s; }
    bool operator==(const calibrator_without_transform&) const = default;
};
struct calibrator_not_comparable {
    double operator()(double s) const { return s; }
    void transform(std::span<const double>, std::span<double>) const {}
};
struct vector_calibrator_not_comparable {  // vector_calibrator needs a regular value too
    double operator()(std::span<const double> s) const { return s.empty() ? 0.0 : s[0]; }
};
struct vector_calibrator_of_floats {  // the scores are doubles (the trace's npu_logit@k, the pipeline's copy)
    double operator()(std::span<const float> s) const { return s.empty() ? 0.0 : s[0]; }
    bool operator==(const vector_calibrator_of_floats&) const = default;
};
struct link_without_poll_completed {  // a network_link, but it cannot say when a transfer is done
    [[nodiscard]] double bandwidth() const { return 1.0; }
    [[nodiscard]] double latency() const { return 0.1; }
    bool send(std::span<const std::byte>) { return true; }
};
struct link_completed_as_bool {  // poll_completed() must return std::optional<transfer_report>
    [[nodiscard]] double bandwidth() const { return 1.0; }
    [[nodiscard]] double latency() const { return 0.1; }
    bool send(std::span<const std::byte>) { return true; }
    bool poll_completed() { return true; }
};
struct encoder_without_sizes {
    std::span<const std::byte> encode(const tmod::frame&, std::size_t, std::uint64_t) { return {}; }
};
struct encoder_returning_count {  // encode() must give the bytes, not their number
    void sizes(const tmod::frame&, std::span<double>) {}
    std::size_t encode(const tmod::frame&, std::size_t, std::uint64_t) { return 0; }
};
struct extractor_without_count {
    double extract(const tmod::frame&, std::span<float>) { return 0.0; }
};
struct extractor_into_doubles {  // features are binary32
    [[nodiscard]] std::size_t feature_count() const { return 1; }
    double extract(const tmod::frame&, std::span<double>) { return 0.0; }
};
struct inference_without_classes {
    [[nodiscard]] std::size_t feature_count() const { return 1; }
    double infer(std::span<const float>, std::span<float>) { return 0.0; }
};
struct inference_returning_void {
    [[nodiscard]] std::size_t feature_count() const { return 1; }
    [[nodiscard]] std::size_t num_classes() const { return 1; }
    void infer(std::span<const float>, std::span<float>) {}
};
struct executor_without_branch {  // a local_executor, but it cannot pick a branch
    [[nodiscard]] std::size_t num_classes() const { return 1; }
    double run(const tmod::frame&, std::span<float>) { return 0.0; }
};
struct clock_without_now {
    double time() const { return 0.0; }
};
}  // namespace

static_assert(ok::local_executor<tmod::fixed_local_executor, tmod::frame>);
static_assert(!ok::local_executor<no_num_classes, tmod::frame>);
static_assert(!ok::local_executor<infer_returns_void, tmod::frame>);
static_assert(!ok::local_executor<tmod::fixed_local_executor, int>);  // wrong frame type

static_assert(ok::remote_executor<tmod::echo_remote_executor, tmod::frame>);
static_assert(!ok::remote_executor<submit_returns_int, tmod::frame>);
static_assert(!ok::remote_executor<blocking_poll, tmod::frame>);

static_assert(ok::network_link<tmod::recording_link>);
static_assert(!ok::network_link<link_without_latency>);

static_assert(ok::network_link<tmod::instant_link>);
static_assert(ok::transfer_link<tmod::instant_link>);
static_assert(!ok::transfer_link<tmod::recording_link>);
static_assert(!ok::transfer_link<link_without_poll_completed>);
static_assert(!ok::transfer_link<link_completed_as_bool>);
static_assert(!ok::transfer_link<link_without_latency>);

static_assert(ok::frame_encoder<tmod::halving_encoder, tmod::frame>);
static_assert(!ok::frame_encoder<tmod::halving_encoder, int>);  // wrong frame type
static_assert(!ok::frame_encoder<encoder_without_sizes, tmod::frame>);
static_assert(!ok::frame_encoder<encoder_returning_count, tmod::frame>);

static_assert(ok::remote_executor<tmod::request_echo_executor, ok::offload_request>);
static_assert(!ok::remote_executor<tmod::echo_remote_executor, ok::offload_request>);  // takes frames

static_assert(ok::feature_extractor<tmod::one_hot_extractor, tmod::frame>);
static_assert(!ok::feature_extractor<tmod::one_hot_extractor, int>);
static_assert(!ok::feature_extractor<extractor_without_count, tmod::frame>);
static_assert(!ok::feature_extractor<extractor_into_doubles, tmod::frame>);

static_assert(ok::feature_inference<tmod::identity_inference>);
static_assert(!ok::feature_inference<inference_without_classes>);
static_assert(!ok::feature_inference<inference_returning_void>);

static_assert(ok::approx_executor<tmod::branchy_executor, tmod::frame>);
static_assert(!ok::approx_executor<tmod::branchy_executor, int>);
static_assert(!ok::approx_executor<executor_without_branch, tmod::frame>);
static_assert(!ok::approx_executor<tmod::fixed_local_executor, tmod::frame>);

static_assert(ok::bandwidth_estimator<tmod::last_sample_estimator>);
static_assert(!ok::bandwidth_estimator<estimator_without_observe>);
static_assert(!ok::bandwidth_estimator<mutable_estimate>);

static_assert(ok::calibrator<tmod::identity_calibrator>);
static_assert(!ok::calibrator<calibrator_without_transform>);
static_assert(!ok::calibrator<calibrator_not_comparable>);
static_assert(!ok::calibrator<double>);

// Calibrators over the score vector (CBO §III-B, Fig. 6) and what the offloading path accepts.
static_assert(ok::vector_calibrator<ok::one_vs_rest_calibrator>);
static_assert(ok::vector_calibrator<ok::top1_calibrator<ok::platt_calibrator>>);
static_assert(ok::vector_calibrator<ok::top1_calibrator<ok::isotonic_calibrator>>);
static_assert(ok::vector_calibrator<ok::any_calibrator>);
static_assert(!ok::vector_calibrator<ok::platt_calibrator>);
static_assert(!ok::vector_calibrator<vector_calibrator_not_comparable>);
static_assert(!ok::vector_calibrator<vector_calibrator_of_floats>);
static_assert(!ok::vector_calibrator<double>);
static_assert(!ok::calibrator<ok::one_vs_rest_calibrator>);
static_assert(!ok::calibrator<ok::any_calibrator>);
static_assert(ok::frame_calibrator<ok::platt_calibrator> && ok::frame_calibrator<ok::one_vs_rest_calibrator>);
static_assert(!ok::frame_calibrator<calibrator_without_transform>);
static_assert(ok::offload_policy<ok::cbo_policy<ok::one_vs_rest_calibrator>>);
static_assert(ok::offload_policy<ok::threshold_policy<ok::any_calibrator>>);

static_assert(ok::time_source<tmod::manual_clock>);
static_assert(!ok::time_source<clock_without_now>);

TEST_CASE("concept models behave as their documentation says") {
    tmod::fixed_local_executor npu;
    std::vector<float> logits(npu.num_classes());
    CHECK(npu.infer(tmod::frame{2, 100}, logits) == doctest::Approx(0.005));
    CHECK(logits == std::vector<float>{0.0F, 0.0F, 2.0F});

    tmod::echo_remote_executor server;
    CHECK_FALSE(server.poll().has_value());
    CHECK(server.submit(7, tmod::frame{1, 10}));
    const auto r = server.poll();
    REQUIRE(r.has_value());
    CHECK(r->id == 7);
    CHECK(r->label == 1);

    tmod::instant_link link;
    CHECK_FALSE(link.poll_completed().has_value());
    const std::vector<std::byte> wire(1250);
    CHECK(link.send(wire));
    const auto done = link.poll_completed();
    REQUIRE(done.has_value());
    CHECK(done->bytes == 1250.0);
    CHECK(done->seconds == doctest::Approx(0.002));
    CHECK_FALSE(link.poll_completed().has_value());  // reported once

    tmod::halving_encoder enc;
    std::vector<double> sizes(3);
    enc.sizes(tmod::frame{0, 4000}, sizes);
    CHECK(sizes == std::vector<double>{1000.0, 2000.0, 4000.0});

    tmod::request_echo_executor req_server;
    CHECK(req_server.submit(3, ok::offload_request{1, wire, 0.0, 0.2}));
    const auto answer = req_server.poll();
    REQUIRE(answer.has_value());
    CHECK(answer->id == 3);

    tmod::one_hot_extractor fe;
    std::vector<float> features(fe.feature_count());
    CHECK(fe.extract(tmod::frame{2, 5}, features) == doctest::Approx(0.002));
    CHECK(features == std::vector<float>{0.0F, 0.0F, 5.0F, 0.0F});
    tmod::identity_inference fi;
    std::vector<float> out(fi.num_classes());
    (void)fi.infer(features, out);
    CHECK(out == features);
    tmod::branchy_executor approx;
    std::vector<float> bl(approx.num_classes());
    CHECK(approx.run(tmod::frame{1, 0}, 2, bl) == doctest::Approx(0.003));
    CHECK(bl == std::vector<float>{0.0F, 3.0F, 0.0F});

    tmod::last_sample_estimator est;
    est.observe(1000.0, 0.5);
    CHECK(est.estimate() == doctest::Approx(2000.0));
}
