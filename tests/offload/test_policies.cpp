#include <offloadkit/offload/policies.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include <offloadkit/detail/random.hpp>

#include "offload/instances.hpp"

namespace ok = offloadkit;

// Outside the anonymous namespace: clang flags an unused defaulted operator== in an internal type.
namespace offloadkit::test_offload {
// Squares the score: a calibrator different from the identity, to see that it is applied.
struct square_calibrator {
    double operator()(double s) const { return s * s; }
    void transform(std::span<const double> in, std::span<double> out) const {
        for (std::size_t i = 0; i < in.size(); ++i) {
            out[i] = in[i] * in[i];
        }
    }
    friend bool operator==(const square_calibrator&, const square_calibrator&) = default;
};

}  // namespace offloadkit::test_offload
using offloadkit::test_offload::square_calibrator;

namespace {

const ok::offload_model paper_model{0.2, 0.037, 0.1, {0.35, 0.60, 0.72, 0.78, 0.81}};
const std::vector<double> paper_bytes{1500, 6000, 13000, 24000, 37000};

}  // namespace

TEST_CASE("local_policy releases everything and sends nothing") {
    ok::local_policy p;
    std::vector<ok::pending_frame> w{{0, 0.0, 0.1, paper_bytes}, {1, 0.03, 0.2, paper_bytes}};
    std::vector<std::uint8_t> rel(2, 0);
    CHECK_FALSE(p.decide({0.03, 625000.0}, w, rel).sends());
    CHECK(rel == std::vector<std::uint8_t>{1, 1});
}

TEST_CASE("server_policy: the most accurate resolution that fits one frame interval") {
    ok::server_policy p(paper_model, 1.0 / 30.0);
    std::vector<ok::pending_frame> w{{0, 0.0, 0.9, paper_bytes}};
    std::vector<std::uint8_t> rel(1, 0);
    // 5 Mbps: 13000 B = 20.8 ms fits 33.3 ms, 24000 B = 38.4 ms does not -> r = 2.
    CHECK(p.decide({0.0, 625000.0}, w, rel) == ok::offload_action{0, 2});
    // 40 Mbps: everything fits -> r = 4.
    CHECK(p.decide({0.0, 5e6}, w, rel) == ok::offload_action{0, 4});
    // 0.3 Mbps (37500 B/s): nothing fits the interval; the fewest bytes (40 ms) is on time.
    CHECK(p.decide({0.0, 37500.0}, w, rel) == ok::offload_action{0, 0});
    // Late in the window (now = 50 ms): only 13 ms left; at 5 Mbps r2 (20.8 ms) is late, r1 (9.6 ms) is not.
    CHECK(p.decide({0.05, 625000.0}, w, rel) == ok::offload_action{0, 1});
    // Nothing on time: released.
    CHECK_FALSE(p.decide({0.0, 10000.0}, w, rel).sends());
    CHECK(rel[0] == 1);
    CHECK_THROWS_AS(ok::server_policy(paper_model, 0.0), ok::invalid_argument);
}

TEST_CASE("cbo_policy decides exactly what cbo_schedule plans, with its calibrator applied") {
    ok::detail::rng g(3);
    ok::cbo_policy<square_calibrator> cbo(paper_model, {});
    ok::cbo_policy<square_calibrator> cbo_arr(paper_model, {}, ok::cbo_order::arrival);
    ok::fastva_policy fastva(paper_model, 0.55);
    for (int it = 0; it < 400; ++it) {
        const std::size_t k = 1 + g.below(12);
        std::vector<std::vector<double>> bytes(k);
        std::vector<ok::pending_frame> w(k);
        ok::offload_problem pb;
        pb.deadline = paper_model.deadline;
        pb.server_time = paper_model.server_time;
        pb.network_latency = paper_model.network_latency;
        pb.server_accuracy = paper_model.server_accuracy;
        pb.bandwidth = g.uniform(2e5, 2e6);
        double t = 0.0;
        for (std::size_t i = 0; i < k; ++i) {
            t += g.uniform(0.0, 0.01);
            bytes[i] = paper_bytes;
            for (auto& b : bytes[i]) {
                b *= g.uniform(0.7, 1.3);
            }
            w[i] = {100 + i, t, g.uniform(), bytes[i]};
            pb.frames.push_back({t, w[i].confidence * w[i].confidence, bytes[i]});
        }
        const double now = t + g.uniform(0.0, 0.02);
        const ok::decision_context ctx{now, pb.bandwidth};
        std::vector<std::uint8_t> rel(k, 0);
        const auto act = cbo.decide(ctx, w, rel);
        const auto plan = ok::cbo_schedule(pb, now);
        CAPTURE(it);
        CHECK(act.index == plan.first);
        CHECK(act.resolution == plan.resolution);
        CHECK(cbo.plan() == plan);
        // A sent frame is on time under the estimate; released frames have no useful resolution left.
        if (act.sends()) {
            const auto& f = pb.frames[static_cast<std::size_t>(act.index)];
            CHECK(ok::detail::on_time(now + f.bytes[static_cast<std::size_t>(act.resolution)] / pb.bandwidth,
                                      f.arrival, pb.deadline, pb.server_time, pb.network_latency));
            CHECK(rel[static_cast<std::size_t>(act.index)] == 0);
        }
        for (std::size_t i = 0; i < k; ++i) {
            if (rel[i]) {
                for (std::size_t r = 0; r < 5; ++r) {
                    const bool useful = pb.server_accuracy[r] > pb.frames[i].local_accuracy;
                    const bool fits = ok::detail::on_time(now + pb.frames[i].bytes[r] / pb.bandwidth,
                                                          pb.frames[i].arrival, pb.deadline, pb.server_time,
                                                          pb.network_latency);
                    CHECK_FALSE((useful && fits));
                }
            }
        }
        std::fill(rel.begin(), rel.end(), 0);
        const auto act_arr = cbo_arr.decide(ctx, w, rel);
        const auto opt = ok::solve_optimal(pb, now);
        CHECK(act_arr.index == opt.first);
        CHECK(act_arr.resolution == opt.resolution);
        // FastVA: the same with every local accuracy replaced by the mean.
        auto flat = pb;
        for (auto& f : flat.frames) {
            f.local_accuracy = 0.55;
        }
        std::fill(rel.begin(), rel.end(), 0);
        const auto act_fv = fastva.decide(ctx, w, rel);
        const auto fv = ok::solve_optimal(flat, now);
        CHECK(act_fv.index == fv.first);
        CHECK(act_fv.resolution == fv.resolution);
    }
}

TEST_CASE("cbo_policy: zero bandwidth releases everything; bad windows are rejected") {
    ok::cbo_policy<ok::identity_calibrator> p(paper_model, {});
    std::vector<ok::pending_frame> w{{0, 0.0, 0.1, paper_bytes}};
    std::vector<std::uint8_t> rel(1, 0);
    CHECK_FALSE(p.decide({0.0, 0.0}, w, rel).sends());
    CHECK(rel[0] == 1);
    std::vector<std::uint8_t> short_rel;
    CHECK_THROWS_WITH_AS((void)p.decide({0.0, 1e6}, w, short_rel),
                         "cbo_policy::decide: release has size 0, expected 1 (the size of window)", ok::invalid_argument);
    const std::vector<double> three{1, 2, 3};
    std::vector<ok::pending_frame> bad{{0, 0.0, 0.1, three}};
    CHECK_THROWS_WITH_AS((void)p.decide({0.0, 1e6}, bad, rel),
                         "cbo_policy::decide: window[0].bytes has size 3, expected 5 (the number of resolutions)",
                         ok::invalid_argument);
    ok::offload_model m = paper_model;
    m.deadline = 0.0;
    CHECK_THROWS_WITH_AS(ok::cbo_policy<ok::identity_calibrator>(m, {}),
                         "cbo_policy: deadline is 0, expected a finite number > 0", ok::invalid_argument);
    CHECK_THROWS_AS(ok::fastva_policy(paper_model, 1.5), ok::invalid_argument);
}

TEST_CASE("planned_policy follows its plan first come first served") {
    ok::planned_policy p({-1, 2, 4, -1});
    std::vector<ok::pending_frame> w{{0, 0.0, 0.1, paper_bytes}, {1, 0.03, 0.2, paper_bytes},
                                     {2, 0.06, 0.2, paper_bytes}, {3, 0.09, 0.2, paper_bytes}};
    std::vector<std::uint8_t> rel(4, 0);
    CHECK(p.decide({0.1, 1e6}, w, rel) == ok::offload_action{1, 2});
    CHECK(rel == std::vector<std::uint8_t>{1, 0, 0, 1});
    std::vector<ok::pending_frame> far{{9, 0.0, 0.1, paper_bytes}};
    std::vector<std::uint8_t> rel1(1, 0);
    CHECK_THROWS_WITH_AS((void)p.decide({0.0, 1e6}, far, rel1),
                         "planned_policy::decide: window[0].id is 9, the plan has 4 frames", ok::invalid_argument);
    CHECK_THROWS_AS(ok::planned_policy({-2}), ok::invalid_argument);
}

TEST_CASE("is_expired: no transfer can finish in time any more") {
    CHECK_FALSE(ok::is_expired(paper_model, 0.0, 0.06));
    CHECK(ok::is_expired(paper_model, 0.0, 0.063));
    CHECK(ok::is_expired(paper_model, 0.0, 0.07));
}
