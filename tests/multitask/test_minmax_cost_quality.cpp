// MinMaxCost (AMVP §IV-C, Algorithm 1-2) on instances the project's own generator
// (tests/support/amvp_instances.hpp) did not make: a hand-built instance on which Algorithm 1's
// chain of selections never reaches one that fits memory (issue 18 §4), 300 instances from an
// independent generator written here (asymmetric and missing links, per-device latencies with no
// common speed factor, memory and feature sizes unrelated to the split depth, given throughputs,
// the feature codec on half of them) against the exact optimum, and the feature codec of eq. 5
// shared by the planner and decide_compression.
#include <offloadkit/metrics/compression.hpp>
#include <offloadkit/multitask/minmax_cost.hpp>
#include <offloadkit/multitask/minmax_exact.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace ok = offloadkit;

namespace {

/// Uniform draws from std::mt19937_64 (its output sequence is fixed by the standard) without std
/// distributions (their output is implementation-defined).
class draws {
public:
    explicit draws(std::uint64_t seed) : g_(seed) {}
    double uniform(double lo, double hi) { return lo + (hi - lo) * (static_cast<double>(g_() >> 11) * 0x1.0p-53); }
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(g_() % n); }
    bool coin(double p) { return uniform(0.0, 1.0) < p; }

private:
    std::mt19937_64 g_;
};

/// An MSTA instance built independently of tests/support/amvp_instances.hpp.
ok::amvp_problem independent_instance(std::uint64_t seed) {
    draws d(seed * 7919 + 17);
    ok::amvp_problem pb;
    pb.share_steps = 3 + static_cast<int>(d.below(3));  // 3..5
    const std::size_t K = 1 + d.below(3);
    for (std::size_t k = 0; k < K; ++k) {
        const auto steps = 1 + d.below(static_cast<std::size_t>(pb.share_steps));
        pb.devices.push_back({"D" + std::to_string(k), static_cast<double>(steps) / pb.share_steps,
                              d.uniform(20e6, 120e6)});
    }
    pb.bandwidth.assign(K * K, 0.0);
    for (std::size_t a = 0; a < K; ++a) {
        for (std::size_t b = 0; b < K; ++b) {
            if (a != b && !d.coin(0.15)) {
                pb.bandwidth[a * K + b] = d.uniform(0.5, 40.0) * 125000.0;  // Mbps -> bytes/s
            }
        }
    }
    const std::size_t B = 1 + d.below(3);
    for (std::size_t b = 0; b < B; ++b) {
        ok::amvp_base_model base;
        base.name = "B" + std::to_string(b);
        base.layers = 6 + static_cast<int>(d.below(35));
        const double total = d.uniform(0.02, 0.8);
        std::vector<int> layers;
        const std::size_t real = d.below(4);  // 0..3 real split points
        for (std::size_t i = 0; i < real; ++i) {
            const int l = 1 + static_cast<int>(d.below(static_cast<std::size_t>(base.layers - 1)));
            if (std::find(layers.begin(), layers.end(), l) == layers.end()) {
                layers.push_back(l);
            }
        }
        layers.push_back(base.layers);
        const bool given_throughput = d.coin(0.5);
        for (const int l : layers) {
            ok::amvp_split sp;
            sp.layer = l;
            const double frac = d.uniform(0.1, 0.9);
            for (std::size_t k = 0; k < K; ++k) {
                const double l1 = (l == base.layers ? total : total * frac) * d.uniform(0.5, 2.0);
                sp.first.latency.push_back(l1);
                if (given_throughput) {
                    sp.first.throughput.push_back(d.uniform(1.0, 2.0) / l1);
                }
                if (l != base.layers) {
                    const double l2 = total * (1.0 - frac) * d.uniform(0.5, 2.0);
                    sp.second.latency.push_back(l2);
                    if (given_throughput) {
                        sp.second.throughput.push_back(d.uniform(1.0, 2.0) / l2);
                    }
                }
            }
            sp.first.memory = d.uniform(2e6, l == base.layers ? 90e6 : 60e6);
            if (l != base.layers) {
                sp.second.memory = d.uniform(2e6, 60e6);
                sp.feature_bytes = 4.0 * std::floor(d.uniform(2.5e3, 5e5));
            }
            base.splits.push_back(sp);
        }
        pb.bases.push_back(base);
    }
    const std::size_t S = 1 + d.below(3);
    for (std::size_t s = 0; s < S; ++s) {
        ok::amvp_task t;
        t.name = "T" + std::to_string(s);
        const double w1 = d.uniform(0.05, 1.0);
        const double w2 = d.uniform(0.0, 1.0);
        const double w3 = d.uniform(0.0, 1.0);
        const double sum = w1 + w2 + w3;
        t.goal = {.accuracy = d.uniform(0.7, 0.99),
                  .latency = d.uniform(0.05, 2.0),
                  .throughput = d.uniform(0.5, 10.0),
                  .alpha = w1 / sum,
                  .beta = w2 / sum,
                  .gamma = 1.0 - w1 / sum - w2 / sum};
        const std::size_t C = 1 + d.below(4);
        for (std::size_t c = 0; c < C; ++c) {
            ok::amvp_candidate cd;
            cd.base = d.below(B);
            cd.frozen_layers = static_cast<int>(d.below(static_cast<std::size_t>(pb.bases[cd.base].layers)));
            cd.accuracy = d.uniform(0.5, 0.95);
            cd.name = pb.bases[cd.base].name + "/" + std::to_string(cd.frozen_layers);
            t.candidates.push_back(cd);
        }
        pb.tasks.push_back(t);
    }
    if (d.coin(0.5)) {
        pb.codec = {.bits = d.coin(0.5) ? 8 : 4, .quantize_rate = d.uniform(50e6, 1e9),
                    .dequantize_rate = d.uniform(50e6, 1e9)};
    }
    return pb;
}

/// One task with candidates on two base models: `large` (index 0) and `small` (index 1).
ok::amvp_task chain_task(const std::string& name, double alpha, double a_large_1, double a_small, double a_large_2) {
    ok::amvp_task t;
    t.name = name;
    t.goal = {.accuracy = 0.9, .latency = 1.0, .throughput = 1.0, .alpha = alpha, .beta = (1.0 - alpha) / 2,
              .gamma = (1.0 - alpha) / 2};
    t.candidates = {{name + "/large-a", 0, 2, a_large_1}, {name + "/small", 1, 2, a_small},
                    {name + "/large-b", 0, 4, a_large_2}};
    return t;
}

ok::amvp_split unsplit(int layers, double latency, double memory) {
    ok::amvp_split sp;
    sp.layer = layers;
    sp.first.latency = {latency, latency};
    sp.first.memory = memory;
    return sp;
}

}  // namespace

TEST_CASE("minmax_cost_solve: feasible although Algorithm 1's chain stays on a base model that never fits") {
    // 3 tasks, 2 devices of 100 MB, base "large" needs 300 MB (never fits), base "small" 30 MB.
    // Candidates ranked large-a > small > large-b for every task; accuracy costs make the chain
    // demote T0 twice (its cost is the smallest), then T1, T2, T1, T2:
    // (a,a,a) (s,a,a) (b,a,a) (b,s,a) (b,s,s) (b,b,s) (b,b,b): a large model in every selection,
    // while (s,s,s) fits (one small model per task, two on one device).
    ok::amvp_problem pb;
    pb.share_steps = 10;
    pb.devices = {{"M1", 1.0, 100e6}, {"M2", 1.0, 100e6}};
    pb.bandwidth = {0.0, 6.25e6, 6.25e6, 0.0};
    ok::amvp_base_model large{"large", 10, {}};
    ok::amvp_split half;
    half.layer = 5;
    half.first = {{0.2, 0.2}, {}, 150e6};
    half.second = {{0.2, 0.2}, {}, 150e6};
    half.feature_bytes = 1e5;
    large.splits = {half, unsplit(10, 0.4, 300e6)};
    ok::amvp_base_model small{"small", 10, {unsplit(10, 0.1, 30e6)}};
    pb.bases = {large, small};
    pb.tasks = {chain_task("T0", 0.1, 0.95, 0.93, 0.91), chain_task("T1", 0.4, 0.9, 0.85, 0.5),
                chain_task("T2", 0.8, 0.9, 0.85, 0.5)};
    const auto ex = ok::minmax_cost_exact(pb);
    REQUIRE(ex.feasible);
    for (const auto& c : ex.choices) {
        CHECK(c.candidate == 1);  // only the small models fit
    }
    for (const std::uint64_t seed : {1, 2, 3, 4, 5, 42, 1234}) {
        CAPTURE(seed);
        const auto so = ok::minmax_cost_solve(pb, {.seed = seed});
        REQUIRE(so.feasible);
        CHECK(ok::amvp_evaluate(pb, so.choices).feasible);
        CHECK(so.max_cost == doctest::Approx(ex.max_cost).epsilon(1e-9));
    }
}

TEST_CASE("minmax_cost_solve: within 1% of the exact optimum on >= 95% of 300 independent instances") {
    int within = 0;
    int feasible = 0;
    int wrongly_infeasible = 0;
    int compressed_links = 0;
    std::vector<double> gaps;
    for (std::uint64_t seed = 0; seed < 300; ++seed) {
        CAPTURE(seed);
        const auto pb = independent_instance(seed);
        const auto ex = ok::minmax_cost_exact(pb);
        const auto so = ok::minmax_cost_solve(pb);
        if (!ex.feasible) {
            CHECK_FALSE(so.feasible);  // the heuristic cannot find what the exact search proved absent
            ++within;
            continue;
        }
        ++feasible;
        if (!so.feasible) {
            ++wrongly_infeasible;
            continue;
        }
        const auto e = ok::amvp_evaluate(pb, so.choices);
        CHECK(e.feasible);
        CHECK(e.max_cost == so.max_cost);
        CHECK(so.max_cost >= ex.max_cost - 1e-12);
        for (const auto& t : e.tasks) {
            compressed_links += t.compressed ? 1 : 0;
        }
        const double gap = (so.max_cost - ex.max_cost) / std::max(std::fabs(ex.max_cost), 0.01);
        gaps.push_back(gap);
        within += gap <= 0.01 ? 1 : 0;
    }
    std::sort(gaps.begin(), gaps.end());
    MESSAGE("independent instances: " << feasible << "/300 feasible; within 1% of the exact optimum: " << within
                                      << "/300; wrongly infeasible: " << wrongly_infeasible << "; median gap "
                                      << gaps[gaps.size() / 2] << ", max " << gaps.back()
                                      << "; tasks sending quantized features: " << compressed_links);
    CHECK(wrongly_infeasible == 0);
    CHECK(within >= 285);
    CHECK(feasible >= 150);         // the generator is not degenerate
    CHECK(compressed_links >= 10);  // and the codec is exercised
}

TEST_CASE("amvp feature codec: the planner's transfer cost is eq. 5, the decision decide_compression gives (codec on the parts' shares)") {
    // one task split on two devices; feature 50176 bytes (AMVP's 14x14x64 binary32 feature)
    ok::amvp_problem pb;
    pb.share_steps = 10;
    pb.devices = {{"M1", 1.0, 1e9}, {"M2", 1.0, 1e9}};
    ok::amvp_split sp;
    sp.layer = 5;
    sp.first = {{0.05, 0.05}, {}, 1e6};
    sp.second = {{0.05, 0.05}, {}, 1e6};
    sp.feature_bytes = 50176;
    pb.bases = {{"net", 10, {sp, unsplit(10, 0.5, 2e6)}}};
    ok::amvp_task t;
    t.name = "T";
    t.goal = {.accuracy = 0.9, .latency = 0.2, .throughput = 5.0, .alpha = 0.2, .beta = 0.4, .gamma = 0.4};
    t.candidates = {{"net/5", 0, 5, 0.9}};
    pb.tasks = {t};
    pb.codec = {.bits = 8, .quantize_rate = 400e6, .dequantize_rate = 800e6};
    const std::vector<ok::amvp_task_choice> ch{{0, 0, 0, 10, 1, 10}};
    // worked by hand at 1 Mbps = 125000 B/s: OTR = 50176 / 125000 = 0.401408 s; the wire holds
    // 20 + 8 + 12544 = 12572 bytes, TR = 0.100576 s; QT = 50176 / 4e8 = 1.2544e-4 s,
    // DQ = 50176 / 8e8 = 6.272e-5 s; D = QT + TR + DQ = 0.10076416 s < OTR: compressed
    pb.bandwidth = {0.0, 125000.0, 125000.0, 0.0};
    auto e = ok::amvp_evaluate(pb, ch);
    CHECK(e.tasks[0].compressed);
    CHECK(e.tasks[0].transfer_time == doctest::Approx(0.10076416).epsilon(1e-12));
    CHECK(e.tasks[0].latency == doctest::Approx(0.1 + 0.10076416).epsilon(1e-12));
    CHECK(e.tasks[0].throughput == doctest::Approx(1.0 / 0.10076416).epsilon(1e-12));
    // the same decision and D as decide_compression over a sweep of bandwidths
    for (double mbps = 0.5; mbps < 20000.0; mbps *= 1.7) {
        CAPTURE(mbps);
        pb.bandwidth = {0.0, mbps * 125000.0, mbps * 125000.0, 0.0};
        e = ok::amvp_evaluate(pb, ch);
        const auto d = ok::decide_compression(50176, 8, mbps * 125000.0, 400e6, 800e6);
        CHECK(e.tasks[0].compressed == d.compress);
        const double D = d.compress ? d.quantize_time + d.compressed_transfer + d.dequantize_time : d.original_transfer;
        CHECK(e.tasks[0].transfer_time == doctest::Approx(D).epsilon(1e-12));
    }
    // the codec runs under the parts' shares: part 1 at u1 = 0.5 quantizes in QT / u1, part 2 at
    // u2 = 0.2 dequantizes in DQ / u2. At 1 Mbps: D = 2.5088e-4 + 0.100576 + 3.136e-4 = 0.10114048 s,
    // of which the link's TR = 0.100576 s; latency 0.05 / 0.5 + D + 0.05 / 0.2 = 0.45114048 s
    const std::vector<ok::amvp_task_choice> slow{{0, 0, 0, 5, 1, 2}};
    pb.bandwidth = {0.0, 125000.0, 125000.0, 0.0};
    e = ok::amvp_evaluate(pb, slow);
    CHECK(e.tasks[0].compressed);
    CHECK(e.tasks[0].transfer_time == doctest::Approx(0.10114048).epsilon(1e-12));
    CHECK(e.tasks[0].wire_time == doctest::Approx(0.100576).epsilon(1e-12));
    CHECK(e.tasks[0].latency == doctest::Approx(0.45114048).epsilon(1e-12));
    // at 800 Mbps = 1e8 B/s the codec pays at full shares (OTR 5.0176e-4 s > D 3.1388e-4 s) but not
    // at these (D = 5.6448e-4 + 1.2572e-4 = 6.902e-4 s > OTR): the decision depends on the shares
    pb.bandwidth = {0.0, 1e8, 1e8, 0.0};
    CHECK(ok::amvp_evaluate(pb, ch).tasks[0].compressed);
    e = ok::amvp_evaluate(pb, slow);
    CHECK_FALSE(e.tasks[0].compressed);
    CHECK(e.tasks[0].transfer_time == doctest::Approx(5.0176e-4).epsilon(1e-12));
    CHECK(e.tasks[0].wire_time == e.tasks[0].transfer_time);
    // and it is decide_compression's with the rates times the shares, over the sweep
    for (double mbps = 0.5; mbps < 20000.0; mbps *= 1.7) {
        CAPTURE(mbps);
        pb.bandwidth = {0.0, mbps * 125000.0, mbps * 125000.0, 0.0};
        e = ok::amvp_evaluate(pb, slow);
        const auto d = ok::decide_compression(50176, 8, mbps * 125000.0, 400e6 * 0.5, 800e6 * 0.2);
        CHECK(e.tasks[0].compressed == d.compress);
        CHECK(e.tasks[0].wire_time == doctest::Approx(d.compress ? d.compressed_transfer : d.original_transfer).epsilon(1e-12));
    }
    // without the codec the feature goes raw, and at 1 Mbps the optimum is worse than with it
    pb.bandwidth = {0.0, 125000.0, 125000.0, 0.0};
    pb.devices[0].compute = 0.5;  // part 1 alone cannot run the whole model fast enough on M1
    pb.devices[1].compute = 0.5;
    const auto with = ok::minmax_cost_exact(pb);
    auto raw = pb;
    raw.codec = {};
    const auto without = ok::minmax_cost_exact(raw);
    REQUIRE(with.feasible);
    REQUIRE(without.feasible);
    CHECK(with.max_cost < without.max_cost);
    CHECK(ok::minmax_cost_solve(pb).max_cost == doctest::Approx(with.max_cost).epsilon(1e-9));
    // bad codec settings name the field
    auto bad = pb;
    bad.codec.bits = 17;
    CHECK_THROWS_WITH_AS((void)ok::amvp_evaluate(bad, ch),
                         "amvp_evaluate: problem.codec.bits is 17, expected 0 (raw) or 1..16", ok::invalid_argument);
    bad.codec = {.bits = 8, .quantize_rate = 0.0, .dequantize_rate = 1e6};
    CHECK_THROWS_WITH_AS((void)ok::amvp_evaluate(bad, ch),
                         "amvp_evaluate: problem.codec.quantize_rate is 0, expected a finite number > 0",
                         ok::invalid_argument);
}
