#include <offloadkit/runtime/approx_pipeline.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <offloadkit/detail/random.hpp>

namespace ok = offloadkit;

namespace {

constexpr std::size_t side = 48;

// Three kinds of scene whose R histograms are disjoint (so any change between kinds scores 2 >
// 0.45) and whose edge densities differ a lot: flat, wide stripes, a fine checkerboard.
std::vector<std::uint8_t> scene_image(int kind) {
    std::vector<std::uint8_t> px(side * side * 3);
    for (std::size_t y = 0; y < side; ++y) {
        for (std::size_t x = 0; x < side; ++x) {
            std::uint8_t v = 0;
            switch (kind) {
                case 0: v = 10; break;                                            // flat
                case 1: v = ((x / 8) % 2) != 0 ? 100 : 60; break;                 // stripes
                default: v = ((x / 2 + y / 2) % 2) != 0 ? 255 : 150; break;      // 2-px checkerboard
            }
            for (std::size_t c = 0; c < 3; ++c) {
                px[(y * side + x) * 3 + c] = v;
            }
        }
    }
    return px;
}

// The host's DNN: latency = the profile's latency of the branch at the true contention level.
struct fake_dnn {
    const ok::branch_profiles* p;
    const std::size_t* true_level;
    std::size_t classes = 5;
    double remote_latency = 0.08;
    double corrupt_latency = 0.0;  // returned instead when != 0
    bool nan_logits = false;
    std::uint64_t runs = 0;
    std::uint64_t remote_runs = 0;
    [[nodiscard]] std::size_t num_classes() const { return classes; }
    double run(const int& frame, std::size_t branch, std::span<float> logits) {
        ++runs;
        for (std::size_t k = 0; k < logits.size(); ++k) {
            logits[k] = static_cast<float>((static_cast<std::size_t>(frame) + k) % classes);
        }
        if (nan_logits) {
            logits[0] = std::numeric_limits<float>::quiet_NaN();
        }
        return corrupt_latency != 0.0 ? corrupt_latency : p->latency(*true_level, branch);
    }
    double run_remote(const int&, std::span<float> logits) {
        ++remote_runs;
        std::fill(logits.begin(), logits.end(), 0.0F);
        logits[1] = 3.0F;
        return remote_latency;
    }
};

struct local_only_dnn {
    [[nodiscard]] std::size_t num_classes() const { return 2; }
    double run(const int&, std::size_t, std::span<float> logits) {
        logits[0] = 1.0F;
        logits[1] = 0.0F;
        return 0.01;
    }
};

ok::branch_profiles random_profiles(ok::detail::rng& rng, std::size_t b, std::size_t k, std::size_t m) {
    std::vector<std::string> names;
    for (std::size_t j = 0; j < b; ++j) {
        names.push_back("branch" + std::to_string(j));
    }
    std::vector<double> acc(k * b);
    std::vector<double> lat(m * b);
    for (auto& a : acc) {
        a = rng.uniform(0.3, 0.95);
    }
    for (std::size_t j = 0; j < b; ++j) {
        const double base = rng.uniform(0.005, 0.05);
        double f = 1.0;
        for (std::size_t l = 0; l < m; ++l) {
            lat[l * b + j] = base * f;
            f *= rng.uniform(1.2, 2.0);  // contention makes every branch slower
        }
    }
    return ok::branch_profiles(std::move(names), k, m, std::move(acc), std::move(lat));
}

// Independent reference of the rules of ApproxNet §4.6 by scanning every branch.
std::size_t reference_branch(const ok::branch_profiles& p, std::size_t cat, std::size_t lvl,
                             const ok::approx_requirement& r, double frame_interval) {
    const std::size_t b = p.branches();
    const bool min_acc = r.type == ok::approx_requirement::kind::min_accuracy;
    const double v = r.type == ok::approx_requirement::kind::frame_interval ? frame_interval : r.value;
    std::optional<std::size_t> best;
    for (std::size_t j = 0; j < b; ++j) {
        const double a = p.accuracy(cat, j);
        const double l = p.latency(lvl, j);
        if (min_acc ? a < v : l > v) {
            continue;
        }
        if (!best) {
            best = j;
            continue;
        }
        const double ba = p.accuracy(cat, *best);
        const double bl = p.latency(lvl, *best);
        const bool better = min_acc ? (l < bl || (l == bl && a > ba)) : (a > ba || (a == ba && l < bl));
        if (better) {
            best = j;
        }
    }
    if (best) {
        return *best;
    }
    std::size_t fallback = 0;  // nothing meets it: the closest end (most accurate / fastest)
    for (std::size_t j = 1; j < b; ++j) {
        const bool better = min_acc ? p.accuracy(cat, j) > p.accuracy(cat, fallback)
                                    : p.latency(lvl, j) < p.latency(lvl, fallback);
        if (better) {
            fallback = j;
        }
    }
    return fallback;
}

}  // namespace

TEST_CASE("approx pipeline: per-frame SCD/ICE/RCE/scheduler/executor wiring equals an independent reference") {
    ok::detail::rng rng(42);
    const std::vector<std::vector<std::uint8_t>> images{scene_image(0), scene_image(1), scene_image(2)};
    std::vector<double> edge(3);
    for (int s = 0; s < 3; ++s) {
        edge[static_cast<std::size_t>(s)] = ok::mean_edge_value(ok::image_view{images[static_cast<std::size_t>(s)], side, side});
    }
    REQUIRE(edge[0] < edge[1]);
    REQUIRE(edge[1] < edge[2]);
    const ok::complexity_categories cats({(edge[0] + edge[1]) / 2, (edge[1] + edge[2]) / 2});
    for (int trial = 0; trial < 20; ++trial) {
        CAPTURE(trial);
        const std::size_t nb = 3 + static_cast<std::size_t>(rng.below(6));
        const std::size_t levels = 2 + static_cast<std::size_t>(rng.below(4));
        const auto profiles = random_profiles(rng, nb, 3, levels);
        ok::approx_pipeline_options o;
        o.scene.interval = 1 + static_cast<std::size_t>(rng.below(12));
        o.contention_window = 1 + static_cast<std::size_t>(rng.below(8));
        std::size_t true_level = 0;
        ok::approx_pipeline<int, fake_dnn> pipe(profiles, cats, fake_dnn{&profiles, &true_level}, o);
        // Reference state.
        std::size_t ref_category = 0;
        std::vector<double> window;  // latencies of the current branch, newest last
        std::optional<std::size_t> window_branch;
        std::size_t last_level = 0;  // what the level stays at while the window is empty after a switch
        int scene = 0;
        for (int i = 0; i < 300; ++i) {
            CAPTURE(i);
            if (rng.bernoulli(0.05)) {
                scene = static_cast<int>(rng.below(3));
            }
            if (rng.bernoulli(0.04)) {
                true_level = static_cast<std::size_t>(rng.below(levels));
            }
            ok::approx_requirement req = ok::approx_requirement::none();
            const double u = rng.uniform();
            if (u < 0.3) {
                req = ok::approx_requirement::min_accuracy(rng.uniform(0.3, 1.0));
            } else if (u < 0.6) {
                req = ok::approx_requirement::max_latency(rng.uniform(0.0, 0.2));
            }
            const auto& img = images[static_cast<std::size_t>(scene)];
            const auto r = pipe.step(i, ok::image_view{img, side, side}, req);
            // SCD every N frames, category from the last check.
            const bool check = static_cast<std::size_t>(i) % o.scene.interval == 0;
            CHECK(r.scene_checked == check);
            if (check) {
                ref_category = static_cast<std::size_t>(scene);
            }
            CHECK(r.category == ref_category);
            // RCE: nearest profiled level to the mean of the current branch's last N latencies.
            std::size_t ref_level = last_level;
            if (window_branch && !window.empty()) {
                ref_level = 0;
                double mean = 0.0;
                for (const double x : window) {
                    mean += x;
                }
                mean /= static_cast<double>(window.size());
                for (std::size_t l = 1; l < levels; ++l) {
                    if (std::fabs(profiles.latency(l, *window_branch) - mean) <
                        std::fabs(profiles.latency(ref_level, *window_branch) - mean)) {
                        ref_level = l;
                    }
                }
            }
            if (r.level != ref_level && window_branch && !window.empty()) {
                // Only a tie within rounding may differ (e.g. two samples, one at each of two
                // levels: the mean is equidistant, and the summation order decides).
                double mean = 0.0;
                for (const double x : window) {
                    mean += x;
                }
                mean /= static_cast<double>(window.size());
                const double da = std::fabs(profiles.latency(r.level, *window_branch) - mean);
                const double db = std::fabs(profiles.latency(ref_level, *window_branch) - mean);
                CHECK(std::fabs(da - db) <= 1e-12 * mean);
                ref_level = r.level;
            }
            CHECK(r.level == ref_level);
            last_level = ref_level;
            const std::size_t ref_b = reference_branch(profiles, ref_category, ref_level, req, 1.0 / 30.0);
            CHECK(r.decision.branch == ref_b);
            CHECK_FALSE(r.decision.offload);
            CHECK(r.latency == profiles.latency(true_level, ref_b));
            CHECK(r.valid);
            CHECK(r.label == (9 - static_cast<std::size_t>(i) % 5) % 5);  // arg max of (i + k) % 5
            if (window_branch != ref_b) {
                window.clear();
                const bool switched = window_branch.has_value();
                window_branch = ref_b;
                if (switched) {
                    continue;  // the first latency after a switch carries its cost (§4.6): left out
                }
            }
            window.push_back(r.latency);
            if (window.size() > o.contention_window) {
                window.erase(window.begin());
            }
        }
        CHECK(pipe.stats().frames == 300);
        CHECK(pipe.executor().runs == 300);
    }
}

TEST_CASE("approx pipeline: the contention level tracks the device's true contention from observed latencies") {
    ok::detail::rng rng(7);
    const auto profiles = random_profiles(rng, 4, 1, 5);
    const auto img = scene_image(0);
    std::size_t true_level = 0;
    ok::approx_pipeline_options o;
    o.contention_window = 5;
    ok::approx_pipeline<int, fake_dnn> pipe(profiles, ok::complexity_categories(std::vector<double>{}), fake_dnn{&profiles, &true_level}, o);
    for (int phase = 0; phase < 10; ++phase) {
        true_level = static_cast<std::size_t>(phase % 5);
        std::size_t seen = 99;
        for (int i = 0; i < 12; ++i) {
            // A fixed branch (no switches): require the fastest branch at any latency.
            seen = pipe.step(i, ok::image_view{img, side, side}, ok::approx_requirement::max_latency(1.0)).level;
        }
        // After 12 frames (> N = 5) at this contention, the estimate equals it (exact latencies).
        CHECK(seen == true_level);
    }
}

TEST_CASE("approx pipeline: an offload requirement runs the remote executor and leaves the contention estimate alone") {
    ok::detail::rng rng(3);
    auto profiles = random_profiles(rng, 3, 1, 3);
    profiles.set_remote(ok::remote_profile{"edge", {0.97}, {0.05, 0.06, 0.07}});
    const auto img = scene_image(1);
    std::size_t true_level = 2;
    ok::approx_pipeline<int, fake_dnn> pipe(profiles, ok::complexity_categories(std::vector<double>{}), fake_dnn{&profiles, &true_level});
    for (int i = 0; i < 10; ++i) {
        (void)pipe.step(i, ok::image_view{img, side, side});
    }
    const std::size_t level = pipe.contention().level();
    const std::size_t samples = pipe.contention().samples();
    const auto r = pipe.step(10, ok::image_view{img, side, side}, ok::approx_requirement::offload());
    CHECK(r.decision.offload);
    CHECK(r.label == 1);
    CHECK(r.latency == 0.08);
    CHECK(pipe.executor().remote_runs == 1);
    CHECK(pipe.contention().level() == level);
    CHECK(pipe.contention().samples() == samples);
    CHECK(pipe.stats().offloaded == 1);

    // A host without run_remote(): the scheduler's offload decision is an error, not a crash.
    auto p2 = profiles;
    ok::approx_pipeline<int, local_only_dnn> local(p2, ok::complexity_categories(std::vector<double>{}), local_only_dnn{});
    CHECK_THROWS_AS((void)local.step(0, ok::image_view{img, side, side}, ok::approx_requirement::offload()),
                    ok::invalid_argument);
}

TEST_CASE("approx pipeline: bad input is rejected before anything changes, bad executor output is counted") {
    ok::detail::rng rng(5);
    const auto profiles = random_profiles(rng, 3, 2, 2);
    const auto img = scene_image(2);
    std::size_t true_level = 0;
    ok::approx_pipeline<int, fake_dnn> pipe(profiles, ok::complexity_categories({0.1}), fake_dnn{&profiles, &true_level});
    const std::vector<std::uint8_t> none;
    CHECK_THROWS_WITH_AS((void)pipe.step(0, ok::image_view{none, 0, 0}),
                         "approx_pipeline::step: frame.height is 0, expected >= 1", ok::invalid_argument);
    CHECK_THROWS_AS((void)pipe.step(0, ok::image_view{none, side, side}), ok::invalid_argument);  // too few pixels
    CHECK_THROWS_AS((void)pipe.step(0, ok::image_view{img, side, side}, ok::approx_requirement::min_accuracy(std::nan(""))),
                    ok::invalid_argument);
    CHECK_THROWS_AS((void)pipe.step(0, ok::image_view{img, side, side}, ok::approx_requirement::max_latency(-1.0)),
                    ok::invalid_argument);
    CHECK_THROWS_AS((void)pipe.step(0, ok::image_view{img, side, side}, ok::approx_requirement::offload()),
                    ok::invalid_argument);  // no remote executor in the profiles
    CHECK(pipe.stats() == ok::approx_stats{});
    CHECK(pipe.scene_detector().frames() == 0);

    pipe.executor().corrupt_latency = std::nan("");
    auto r = pipe.step(0, ok::image_view{img, side, side});
    CHECK(pipe.stats().bad_latencies == 1);
    CHECK(pipe.contention().samples() == 0);
    pipe.executor().corrupt_latency = -0.5;
    r = pipe.step(1, ok::image_view{img, side, side});
    CHECK(pipe.stats().bad_latencies == 2);
    pipe.executor().corrupt_latency = 0.0;
    pipe.executor().nan_logits = true;
    r = pipe.step(2, ok::image_view{img, side, side});
    CHECK_FALSE(r.valid);
    CHECK(pipe.stats().bad_outputs == 1);
    CHECK(pipe.stats().frames == 3);
    CHECK(pipe.contention().samples() == 1);  // that latency was fine

    CHECK_THROWS_AS((ok::approx_pipeline<int, fake_dnn>(profiles, ok::complexity_categories({0.1, 0.2}),
                                                        fake_dnn{&profiles, &true_level})),
                    ok::invalid_argument);  // 3 categories, the profiles have 2
}

TEST_CASE("approx pipeline: image_view frames, Table 2(a)-like branches under HH/LL-style contention") {
    // Two branches: a fast inaccurate one and a slow accurate one; at low contention the slow one
    // fits the 33 ms frame interval, at high contention only the fast one does (ApproxNet §5.4).
    const ok::branch_profiles p({"fast", "slow"}, 1, 2, {0.60, 0.75}, {0.010, 0.030, 0.020, 0.060});
    struct view_dnn {
        const ok::branch_profiles* p;
        const std::size_t* level;
        [[nodiscard]] std::size_t num_classes() const { return 3; }
        double run(const ok::image_view&, std::size_t b, std::span<float> logits) {
            logits[0] = 0.0F;
            logits[1] = 1.0F;
            logits[2] = 0.5F;
            return p->latency(*level, b);
        }
    };
    std::size_t level = 0;
    const auto img = scene_image(0);
    ok::approx_pipeline<ok::image_view, view_dnn> pipe(p, ok::complexity_categories(std::vector<double>{}), view_dnn{&p, &level});
    std::vector<std::size_t> branches;
    for (int i = 0; i < 40; ++i) {
        level = i < 20 ? 0 : 1;
        branches.push_back(pipe.step(ok::image_view{img, side, side}).decision.branch);
    }
    CHECK(branches[5] == 1);   // low contention: the accurate branch meets 33 ms
    CHECK(branches[39] == 0);  // high contention observed: switched to the fast branch
    CHECK(pipe.stats().branch_switches >= 1);
}

TEST_CASE("approx pipeline: options.estimator_latency is the table the contention estimator reads") {
    ok::detail::rng rng(11);
    const auto profiles = random_profiles(rng, 3, 1, 4);
    const auto img = scene_image(0);
    std::size_t true_level = 2;  // the device runs at the latencies of level 2 of `profiles`
    // The estimator's table: the profile's shifted one level up, so that the latencies of true
    // level 2 are those of estimator level 3 (level 3 gets a value far above everything).
    std::vector<double> shifted(4 * 3);
    for (std::size_t b = 0; b < 3; ++b) {
        shifted[0 * 3 + b] = profiles.latency(0, b) / 4.0;
        for (std::size_t m = 1; m < 4; ++m) {
            shifted[m * 3 + b] = profiles.latency(m - 1, b);
        }
    }
    ok::approx_pipeline_options o;
    o.contention_window = 3;
    o.estimator_latency = shifted;
    ok::approx_pipeline<int, fake_dnn> pipe(profiles, ok::complexity_categories(std::vector<double>{}),
                                            fake_dnn{&profiles, &true_level}, o);
    ok::approx_pipeline_options plain;
    plain.contention_window = 3;
    ok::approx_pipeline<int, fake_dnn> ref(profiles, ok::complexity_categories(std::vector<double>{}),
                                           fake_dnn{&profiles, &true_level}, plain);
    std::size_t seen = 99, seen_ref = 99;
    for (int i = 0; i < 8; ++i) {
        seen = pipe.step(i, ok::image_view{img, side, side}, ok::approx_requirement::max_latency(1.0)).level;
        seen_ref = ref.step(i, ok::image_view{img, side, side}, ok::approx_requirement::max_latency(1.0)).level;
    }
    CHECK(seen_ref == 2);
    CHECK(seen == 3);
    o.estimator_latency.pop_back();
    CHECK_THROWS_WITH_AS((ok::approx_pipeline<int, fake_dnn>(profiles, ok::complexity_categories(std::vector<double>{}),
                                                             fake_dnn{&profiles, &true_level}, o)),
                         doctest::Contains("latency has size 11"), ok::invalid_argument);
}

TEST_CASE("approx pipeline: scene check and categorization costs are charged to the frame's budget (§4.6, §5.8)") {
    // fast 10 ms / slow 30 ms against the 1/30 s frame interval. The scene is checked on frames
    // 0, 5, 10, ... (interval 5) at 4 ms, and categorized when it changes (frame 0 and every scene
    // cut) at 2 ms more. slow fits a plain frame (30 <= 33.3) but not a checked one (4 + 30 > 33.3),
    // so every checked frame must run fast; the others run slow. Without the charge the
    // pipeline ran slow everywhere and checked frames took 34-36 ms against 33.3.
    const ok::branch_profiles p({"fast", "slow"}, 1, 1, {0.60, 0.75}, {0.010, 0.030});
    struct view_dnn {
        const ok::branch_profiles* p;
        [[nodiscard]] std::size_t num_classes() const { return 2; }
        double run(const ok::image_view&, std::size_t b, std::span<float> logits) {
            logits[0] = 1.0F;
            logits[1] = 0.0F;
            return p->latency(0, b);
        }
    };
    ok::approx_pipeline_options opt;
    opt.scene.interval = 5;
    opt.scene_check_cost = 0.004;
    opt.categorize_cost = 0.002;
    ok::approx_pipeline<ok::image_view, view_dnn> pipe(p, ok::complexity_categories(std::vector<double>{}),
                                                       view_dnn{&p}, opt);
    const auto a = scene_image(0);
    const auto b = scene_image(2);
    for (int i = 0; i < 30; ++i) {
        const auto& img = (i / 10) % 2 == 0 ? a : b;  // a scene cut at frames 10 and 20
        const auto r = pipe.step(ok::image_view{img, side, side});
        CAPTURE(i);
        const double want_overhead = (r.scene_checked ? 0.004 : 0.0) + (r.scene_changed ? 0.002 : 0.0);
        CHECK(r.overhead == want_overhead);
        CHECK(r.scene_checked == (i % 5 == 0));
        CHECK(r.scene_changed == (i == 0 || i == 10 || i == 20));
        CHECK(r.decision.branch == (r.scene_checked ? 0u : 1u));
        CHECK(r.overhead + r.latency <= 1.0 / 30.0);
    }
    // An explicit maximum latency is charged the same way: 34 ms leaves 28 ms after 6 ms.
    ok::approx_pipeline<ok::image_view, view_dnn> pipe2(p, ok::complexity_categories(std::vector<double>{}),
                                                        view_dnn{&p}, opt);
    const auto r0 = pipe2.step(ok::image_view{a, side, side}, ok::approx_requirement::max_latency(0.034));
    CHECK(r0.overhead == 0.006);
    CHECK(r0.decision.branch == 0u);
    // A minimum accuracy has no latency budget to charge.
    const auto r1 = pipe2.step(ok::image_view{b, side, side}, ok::approx_requirement::min_accuracy(0.7));
    CHECK(r1.decision.branch == 1u);
    CHECK_THROWS_AS((ok::approx_pipeline<ok::image_view, view_dnn>(
                        p, ok::complexity_categories(std::vector<double>{}), view_dnn{&p},
                        [] {
                            ok::approx_pipeline_options o;
                            o.categorize_cost = -0.001;
                            return o;
                        }())),
                    ok::invalid_argument);
}
