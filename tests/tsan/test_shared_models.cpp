// docs/thread-safety.md, backed under ThreadSanitizer: fitted calibrators (Platt, isotonic) and an
// ApproxNet profile / const scheduler are read from two threads at once, each thread with its own
// output buffers and its own stateful objects (schedulers for step(), contention estimators). Any
// hidden mutable state in the shared objects (a lazily built table, a cache, a static scratch
// buffer) would be a data race TSan reports; the results must also equal a single-thread run.
#include <offloadkit/offloadkit.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace ok = offloadkit;

namespace {

constexpr int rounds = 20;

/// Runs f(0) and f(1) on two threads and joins them.
template <class F>
void on_two_threads(F&& f) {
    std::thread a([&] { f(0); });
    std::thread b([&] { f(1); });
    a.join();
    b.join();
}

struct calibrator_outputs {
    std::vector<double> scalar;        // operator() per score
    std::vector<double> batch;         // transform, double -> double (the SIMD path for Platt)
    std::vector<float> batch_float;    // transform, float -> float (the scalar path)
    friend bool operator==(const calibrator_outputs&, const calibrator_outputs&) = default;
};

template <class Cal>
calibrator_outputs apply_all(const Cal& cal, const std::vector<double>& scores, const std::vector<float>& scores_f) {
    calibrator_outputs o;
    o.scalar.resize(scores.size());
    for (std::size_t i = 0; i < scores.size(); ++i) {
        o.scalar[i] = cal(scores[i]);
    }
    o.batch.resize(scores.size());
    cal.transform(scores, o.batch);
    o.batch_float.resize(scores_f.size());
    cal.transform(scores_f, o.batch_float);
    return o;
}

}  // namespace

TEST_CASE("fitted Platt and isotonic calibrators shared by two threads: scalar and batch apply") {
    ok::detail::rng g(2024);
    std::vector<double> fit_scores(3000);
    std::vector<std::uint8_t> fit_labels(fit_scores.size());
    for (std::size_t i = 0; i < fit_scores.size(); ++i) {
        fit_scores[i] = g.uniform();
        fit_labels[i] = g.bernoulli(fit_scores[i] * fit_scores[i]) ? 1 : 0;  // overconfident scores
    }
    const auto platt = ok::platt_calibrator::fit(fit_scores, fit_labels);
    const auto iso = ok::isotonic_calibrator::fit(fit_scores, fit_labels);
    REQUIRE(iso.thresholds_x().size() > 10);  // a real step function, so the bucket table is used

    std::vector<double> scores(1001);  // odd: SIMD batches plus a tail
    std::vector<float> scores_f(scores.size());
    for (std::size_t i = 0; i < scores.size(); ++i) {
        scores[i] = g.uniform(-0.1, 1.1);  // also outside the fitted range (clipped by isotonic)
        scores_f[i] = static_cast<float>(scores[i]);
    }
    const auto platt_expected = apply_all(platt, scores, scores_f);
    const auto iso_expected = apply_all(iso, scores, scores_f);

    calibrator_outputs platt_got[2];
    calibrator_outputs iso_got[2];
    bool same[2] = {true, true};
    on_two_threads([&](int t) {
        for (int r = 0; r < rounds; ++r) {
            platt_got[t] = apply_all(platt, scores, scores_f);
            iso_got[t] = apply_all(iso, scores, scores_f);
            same[t] = same[t] && platt_got[t] == platt_expected && iso_got[t] == iso_expected;
        }
    });
    for (int t = 0; t < 2; ++t) {
        CAPTURE(t);
        CHECK(same[t]);
        CHECK(platt_got[t] == platt_expected);
        CHECK(iso_got[t] == iso_expected);
    }
}

namespace {

/// Seed 002 Table 2(a)-shaped profiles: 6 branches, 3 categories, 3 contention levels, transition
/// costs and a remote executor.
ok::branch_profiles make_profiles() {
    std::vector<std::string> names{"80/12", "96/12", "112/20", "128/20", "160/34", "224/34"};
    std::vector<double> acc;
    std::vector<double> lat;
    for (int k = 0; k < 3; ++k) {
        for (int b = 0; b < 6; ++b) {
            acc.push_back(0.55 + 0.06 * b - 0.05 * k - (b == 3 ? 0.08 : 0.0));  // branch 3 dominated
        }
    }
    for (int m = 0; m < 3; ++m) {
        for (int b = 0; b < 6; ++b) {
            lat.push_back((0.012 + 0.006 * b) * (1.0 + 0.8 * m));
        }
    }
    ok::branch_profiles p(names, 3, 3, acc, lat);
    std::vector<double> costs(36, 0.0);
    for (int from = 0; from < 6; ++from) {
        for (int to = 0; to < 6; ++to) {
            costs[static_cast<std::size_t>(from * 6 + to)] = from == to ? 0.0 : 0.004 * (to > from ? to - from : from - to);
        }
    }
    p.set_transition_costs(costs);
    p.set_remote({"edge", {0.9, 0.85, 0.8}, {0.09, 0.12, 0.2}});
    return p;
}

std::vector<ok::approx_requirement> requirements() {
    return {ok::approx_requirement::none(),         ok::approx_requirement::min_accuracy(0.6),
            ok::approx_requirement::min_accuracy(0.95), ok::approx_requirement::max_latency(0.02),
            ok::approx_requirement::max_latency(0.005), ok::approx_requirement::offload()};
}

/// Every decide() of a const scheduler, both overloads.
std::vector<ok::branch_decision> all_decisions(const ok::branch_scheduler& s) {
    std::vector<ok::branch_decision> out;
    const auto reqs = requirements();
    for (std::size_t k = 0; k < 3; ++k) {
        for (std::size_t m = 0; m < 3; ++m) {
            for (const auto& r : reqs) {
                out.push_back(s.decide(k, m, r));
                for (std::size_t cur = 0; cur < 6; ++cur) {
                    out.push_back(s.decide(k, m, r, cur));
                }
            }
        }
    }
    return out;
}

/// A seeded stream through this thread's own scheduler (step) and contention estimator, both built
/// from the shared profiles.
std::vector<ok::branch_decision> stream(const ok::branch_profiles& shared, std::uint64_t seed) {
    ok::scheduler_options o;
    o.min_dwell = 3;
    o.max_transition_cost = 0.01;
    ok::branch_scheduler sched(shared, o);  // copies the shared profile: a read of it
    ok::contention_estimator rce(shared, 5);
    ok::detail::rng g(seed);
    const auto reqs = requirements();
    std::vector<ok::branch_decision> out;
    for (int f = 0; f < 300; ++f) {
        const std::size_t category = g.below(3);
        const auto d = sched.step(category, rce.level(), reqs[g.below(reqs.size())]);
        if (!d.offload) {
            rce.observe(d.branch, d.latency * g.uniform(0.8, 2.2));
        }
        out.push_back(d);
    }
    return out;
}

}  // namespace

TEST_CASE("ApproxNet profiles and a const branch_scheduler shared by two threads") {
    const ok::branch_profiles profiles = make_profiles();
    const ok::branch_scheduler shared_sched(profiles);
    const auto decisions_expected = all_decisions(shared_sched);
    const auto stream_expected = stream(profiles, 99);
    std::vector<ok::branch_decision> decisions_got[2];
    std::vector<ok::branch_decision> stream_got[2];
    bool same[2] = {true, true};
    on_two_threads([&](int t) {
        for (int r = 0; r < rounds; ++r) {
            decisions_got[t] = all_decisions(shared_sched);  // decide() is const: shared
            stream_got[t] = stream(profiles, 99);            // step(): one scheduler per thread
            same[t] = same[t] && decisions_got[t] == decisions_expected && stream_got[t] == stream_expected;
        }
    });
    for (int t = 0; t < 2; ++t) {
        CAPTURE(t);
        CHECK(same[t]);
        CHECK(decisions_got[t] == decisions_expected);
        CHECK(stream_got[t] == stream_expected);
    }
    // The stream really exercises the stateful parts (switches, offloads, several levels).
    std::size_t offloads = 0;
    std::size_t switches = 0;
    for (std::size_t i = 1; i < stream_expected.size(); ++i) {
        offloads += stream_expected[i].offload ? 1 : 0;
        switches += stream_expected[i].branch != stream_expected[i - 1].branch ? 1 : 0;
    }
    CHECK(offloads > 10);
    CHECK(switches > 10);
}

TEST_CASE("stateless kernels, solvers and fitted values on shared const inputs from two threads") {
    // Shared, const: a problem, a quantized tensor, a frame, a feature map, fitted multi-class
    // calibrators. Each thread owns its workspaces, estimators and output buffers. The expected
    // values are computed after the threads ran, so the first use of function-local statics (the
    // complexity categorizer's luma tables) happens concurrently, under TSan.
    ok::detail::rng g(7);
    ok::offload_problem pb;
    pb.server_accuracy = {0.35, 0.6, 0.72, 0.78, 0.81};
    for (int i = 0; i < 24; ++i) {
        const double f = g.uniform(0.8, 1.2);
        pb.frames.push_back({0.01 * i, g.uniform(0.2, 0.9), {1500 * f, 6000 * f, 13000 * f, 24000 * f, 37000 * f}});
    }
    std::vector<float> features(8 * 9 * 9);
    for (auto& v : features) {
        v = static_cast<float>(g.normal());
    }
    const ok::quantized_tensor qt = ok::quantize(features, 6, {ok::channel_layout::chw, 8});
    std::vector<std::uint8_t> rgb(48 * 64 * 3);
    for (auto& b : rgb) {
        b = static_cast<std::uint8_t>(g.below(256));
    }
    const ok::image_view frame{rgb, 48, 64};
    std::vector<double> logits(40 * 4);
    std::vector<int> classes(40);
    for (std::size_t i = 0; i < classes.size(); ++i) {
        classes[i] = static_cast<int>(g.below(4));
        for (std::size_t k = 0; k < 4; ++k) {
            logits[i * 4 + k] = g.normal() + (static_cast<int>(k) == classes[i] ? 1.0 : 0.0);
        }
    }
    const auto temp = ok::temperature_scaler::fit(logits, 4, classes);
    const auto ovr = ok::one_vs_rest_calibrator::fit(logits, 4, classes);

    struct results {
        ok::offload_plan optimal;
        ok::offload_plan cbo;
        std::vector<float> dequantized;
        std::vector<std::byte> wire;
        std::vector<float> pooled;
        double edge = 0.0;
        std::size_t category = 0;
        std::vector<double> temp_probs;
        std::vector<double> ovr_probs;
        bool operator==(const results&) const = default;
    };
    auto compute = [&] {
        results r;
        ok::offload_workspace ws;
        ok::solve_optimal(pb, 0.0, ws, r.optimal);
        ok::cbo_schedule(pb, 0.0, ws, r.cbo);
        r.dequantized.resize(qt.size());
        ok::dequantize(qt, r.dequantized);
        r.wire = qt.serialize();
        r.pooled.resize(ok::spp_output_size(8, ok::spp_default_levels));
        ok::spp_max_pool(features, 8, 9, 9, ok::spp_default_levels, r.pooled);
        ok::complexity_estimator ice(ok::complexity_categories({0.05, 0.1}));
        r.edge = ice.mean_edge_value(frame);
        r.category = ice.category(frame);
        r.temp_probs.resize(logits.size());
        temp.transform(logits, 4, r.temp_probs);
        r.ovr_probs.resize(logits.size());
        ovr.transform(logits, r.ovr_probs);
        return r;
    };
    results got[2];
    on_two_threads([&](int t) {
        for (int r = 0; r < 5; ++r) {
            got[t] = compute();
        }
    });
    const results expected = compute();
    CHECK(got[0] == expected);
    CHECK(got[1] == expected);
    CHECK(expected.optimal.value >= expected.cbo.value);  // the exact optimum is an upper bound
    CHECK(ok::quantized_tensor::deserialize(expected.wire) == qt);
}
