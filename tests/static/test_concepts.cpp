// Compile-time checks of <offloadkit/concepts.hpp>: every in-repo model satisfies its concept, and
// types that miss one requirement do not. A failure here is a compile error.
#include <offloadkit/concepts.hpp>

#include <doctest/doctest.h>

#include <span>
#include <vector>

#include "support/models.hpp"

namespace ok = offloadkit;
namespace models = offloadkit::test_models;

namespace {
// Negative cases: each lacks exactly one requirement of its concept.
struct no_num_classes {
    double infer(const models::frame&, std::span<float>) { return 0.0; }
};
struct infer_returns_void {
    [[nodiscard]] std::size_t num_classes() const { return 1; }
    void infer(const models::frame&, std::span<float>) {}
};
struct submit_returns_int {
    int submit(std::uint64_t, const models::frame&) { return 1; }
    std::optional<ok::remote_result> poll() { return std::nullopt; }
};
struct blocking_poll {  // returns a result, not an optional: cannot say "nothing yet"
    bool submit(std::uint64_t, const models::frame&) { return true; }
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
    std::span<const std::byte> encode(const models::frame&, std::size_t, std::uint64_t) { return {}; }
};
struct encoder_returning_count {  // encode() must give the bytes, not their number
    void sizes(const models::frame&, std::span<double>) {}
    std::size_t encode(const models::frame&, std::size_t, std::uint64_t) { return 0; }
};
struct extractor_without_count {
    double extract(const models::frame&, std::span<float>) { return 0.0; }
};
struct extractor_into_doubles {  // features are binary32
    [[nodiscard]] std::size_t feature_count() const { return 1; }
    double extract(const models::frame&, std::span<double>) { return 0.0; }
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
    double run(const models::frame&, std::span<float>) { return 0.0; }
};
struct clock_without_now {
    double time() const { return 0.0; }
};
}  // namespace

static_assert(ok::local_executor<models::fixed_local_executor, models::frame>);
static_assert(!ok::local_executor<no_num_classes, models::frame>);
static_assert(!ok::local_executor<infer_returns_void, models::frame>);
static_assert(!ok::local_executor<models::fixed_local_executor, int>);  // wrong frame type

static_assert(ok::remote_executor<models::echo_remote_executor, models::frame>);
static_assert(!ok::remote_executor<submit_returns_int, models::frame>);
static_assert(!ok::remote_executor<blocking_poll, models::frame>);

static_assert(ok::network_link<models::recording_link>);
static_assert(!ok::network_link<link_without_latency>);

static_assert(ok::network_link<models::instant_link>);
static_assert(ok::transfer_link<models::instant_link>);
static_assert(!ok::transfer_link<models::recording_link>);
static_assert(!ok::transfer_link<link_without_poll_completed>);
static_assert(!ok::transfer_link<link_completed_as_bool>);
static_assert(!ok::transfer_link<link_without_latency>);

static_assert(ok::frame_encoder<models::halving_encoder, models::frame>);
static_assert(!ok::frame_encoder<models::halving_encoder, int>);  // wrong frame type
static_assert(!ok::frame_encoder<encoder_without_sizes, models::frame>);
static_assert(!ok::frame_encoder<encoder_returning_count, models::frame>);

static_assert(ok::remote_executor<models::request_echo_executor, ok::offload_request>);
static_assert(!ok::remote_executor<models::echo_remote_executor, ok::offload_request>);  // takes frames

static_assert(ok::feature_extractor<models::one_hot_extractor, models::frame>);
static_assert(!ok::feature_extractor<models::one_hot_extractor, int>);
static_assert(!ok::feature_extractor<extractor_without_count, models::frame>);
static_assert(!ok::feature_extractor<extractor_into_doubles, models::frame>);

static_assert(ok::feature_inference<models::identity_inference>);
static_assert(!ok::feature_inference<inference_without_classes>);
static_assert(!ok::feature_inference<inference_returning_void>);

static_assert(ok::approx_executor<models::branchy_executor, models::frame>);
static_assert(!ok::approx_executor<models::branchy_executor, int>);
static_assert(!ok::approx_executor<executor_without_branch, models::frame>);
static_assert(!ok::approx_executor<models::fixed_local_executor, models::frame>);

static_assert(ok::bandwidth_estimator<models::last_sample_estimator>);
static_assert(!ok::bandwidth_estimator<estimator_without_observe>);
static_assert(!ok::bandwidth_estimator<mutable_estimate>);

static_assert(ok::calibrator<models::identity_calibrator>);
static_assert(!ok::calibrator<calibrator_without_transform>);
static_assert(!ok::calibrator<calibrator_not_comparable>);
static_assert(!ok::calibrator<double>);

static_assert(ok::time_source<models::manual_clock>);
static_assert(!ok::time_source<clock_without_now>);

TEST_CASE("concept models behave as their documentation says") {
    models::fixed_local_executor npu;
    std::vector<float> logits(npu.num_classes());
    CHECK(npu.infer(models::frame{2, 100}, logits) == doctest::Approx(0.005));
    CHECK(logits == std::vector<float>{0.0F, 0.0F, 2.0F});

    models::echo_remote_executor server;
    CHECK_FALSE(server.poll().has_value());
    CHECK(server.submit(7, models::frame{1, 10}));
    const auto r = server.poll();
    REQUIRE(r.has_value());
    CHECK(r->id == 7);
    CHECK(r->label == 1);

    models::instant_link link;
    CHECK_FALSE(link.poll_completed().has_value());
    const std::vector<std::byte> wire(1250);
    CHECK(link.send(wire));
    const auto done = link.poll_completed();
    REQUIRE(done.has_value());
    CHECK(done->bytes == 1250.0);
    CHECK(done->seconds == doctest::Approx(0.002));
    CHECK_FALSE(link.poll_completed().has_value());  // reported once

    models::halving_encoder enc;
    std::vector<double> sizes(3);
    enc.sizes(models::frame{0, 4000}, sizes);
    CHECK(sizes == std::vector<double>{1000.0, 2000.0, 4000.0});

    models::request_echo_executor req_server;
    CHECK(req_server.submit(3, ok::offload_request{1, wire, 0.0, 0.2}));
    const auto answer = req_server.poll();
    REQUIRE(answer.has_value());
    CHECK(answer->id == 3);

    models::one_hot_extractor fe;
    std::vector<float> features(fe.feature_count());
    CHECK(fe.extract(models::frame{2, 5}, features) == doctest::Approx(0.002));
    CHECK(features == std::vector<float>{0.0F, 0.0F, 5.0F, 0.0F});
    models::identity_inference fi;
    std::vector<float> out(fi.num_classes());
    (void)fi.infer(features, out);
    CHECK(out == features);
    models::branchy_executor approx;
    std::vector<float> bl(approx.num_classes());
    CHECK(approx.run(models::frame{1, 0}, 2, bl) == doctest::Approx(0.003));
    CHECK(bl == std::vector<float>{0.0F, 3.0F, 0.0F});

    models::last_sample_estimator est;
    est.observe(1000.0, 0.5);
    CHECK(est.estimate() == doctest::Approx(2000.0));
}
