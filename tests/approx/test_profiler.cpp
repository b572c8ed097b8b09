// ApproxNet's offline profiler (approx/profiler.hpp; ApproxNet §4.4, §4.6 Fig. 14) against fake
// branches whose latencies, switching costs and answers are known by construction: the
// interleaving visits every (round, level, branch) in the rotated order, warm-up calls stay out of
// the samples, medians and quantiles equal a hand sort, switching costs come back exactly, the
// correctness matrix equals a brute-force comparison, and the transition table survives
// format_transition_costs -> parse_transition_costs exactly.
#include <offloadkit/approx/profile_csv.hpp>
#include <offloadkit/approx/profiler.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace ok = offloadkit;

namespace profiler_test {

/// B fake branches: branch b at level m takes (m + 1) ms + b us + call-index jitter; the first
/// call after a switch of branch pays `switch_cost` on top (which warm-up must absorb).
struct fake_device {
    std::size_t level = 0;
    std::optional<std::size_t> last;
    std::size_t calls = 0;
    double switch_cost = 1.0;
    std::vector<std::pair<std::size_t, std::size_t>> log;  // (level, branch) of every call
    double run(std::size_t b) {
        const bool switched = last.has_value() && *last != b;
        last = b;
        log.emplace_back(level, b);
        const double jitter = 1e-7 * static_cast<double>(calls++ % 5);
        return 1e-3 * static_cast<double>(level + 1) + 1e-6 * static_cast<double>(b) + jitter +
               (switched ? switch_cost : 0.0);
    }
};

/// A fake approximation executor: branch b answers class (pixel + b) % 10 for frame `pixel`.
struct fake_approx {
    std::size_t num_classes() const { return 10; }
    double run(const int& frame, std::size_t b, std::span<float> logits) {
        std::fill(logits.begin(), logits.end(), 0.0F);
        logits[(static_cast<std::size_t>(frame) + b) % 10] = 1.0F;
        return 1e-4;
    }
};

}  // namespace profiler_test

TEST_CASE("measure_latencies: interleaved rounds, warm-up outside the samples, medians") {
    profiler_test::fake_device dev;
    const std::size_t B = 3, M = 4;
    std::vector<std::size_t> level_order;
    std::size_t rounds_seen = 0;
    const ok::latency_profile_options opt{.rounds = 5, .calls = 7, .warmup = 1};
    const auto s = ok::measure_latencies(
        B, M, [&](std::size_t b) { return dev.run(b); },
        [&](std::size_t m) {
            dev.level = m;
            level_order.push_back(m);
        },
        opt, [&](std::size_t r) { CHECK(r == rounds_seen++); });
    CHECK(rounds_seen == 5);
    REQUIRE(level_order.size() == 5 * M);
    for (std::size_t r = 0; r < 5; ++r) {
        for (std::size_t i = 0; i < M; ++i) {
            CHECK(level_order[r * M + i] == (r + i) % M);  // every level once per round, rotated
        }
    }
    // calls: rounds x levels x branches x (warmup + calls); branch order within a level rotated
    REQUIRE(dev.log.size() == 5 * M * B * 8);
    for (std::size_t r = 0; r < 5; ++r) {
        for (std::size_t i = 0; i < M; ++i) {
            for (std::size_t j = 0; j < B; ++j) {
                const auto& first = dev.log[((r * M + i) * B + j) * 8];
                CHECK(first.first == (r + i) % M);
                CHECK(first.second == (r + j) % B);
            }
        }
    }
    for (std::size_t m = 0; m < M; ++m) {
        for (std::size_t b = 0; b < B; ++b) {
            CAPTURE(m);
            CAPTURE(b);
            const auto& v = s.samples(m, b);
            REQUIRE(v.size() == 35);
            // the switching cost (1 s) landed only on warm-up calls
            CHECK(*std::max_element(v.begin(), v.end()) < 0.01);
            std::vector<double> sorted = v;
            std::sort(sorted.begin(), sorted.end());
            CHECK(s.median(m, b) == sorted[17]);
            CHECK(s.quantile(m, b, 0.0) == sorted.front());
            CHECK(s.quantile(m, b, 1.0) == sorted.back());
            CHECK(s.quantile(m, b, 0.1) == sorted[3]);
            CHECK(s.median_table()[m * B + b] == sorted[17]);
            double sum = 0.0;
            for (const double x : v) {
                sum += x;
            }
            CHECK(s.mean(m, b) == doctest::Approx(sum / 35.0).epsilon(1e-12));
            CHECK(s.table(ok::latency_statistic::mean)[m * B + b] == s.mean(m, b));
            CHECK(s.table(ok::latency_statistic::p95)[m * B + b] == sorted[32]);  // floor(0.95 * 34)
            CHECK(s.table(ok::latency_statistic::p90)[m * B + b] == sorted[30]);  // floor(0.9 * 34)
            CHECK(s.table(ok::latency_statistic::p99)[m * B + b] == sorted[33]);  // floor(0.99 * 34)
        }
    }
    CHECK_THROWS_WITH_AS((void)s.quantile(0, 0, 1.5), doctest::Contains("q is 1.5"), ok::invalid_argument);
    CHECK_THROWS_AS((void)s.samples(M, 0), ok::invalid_argument);
}

TEST_CASE("measure_latencies: bad arguments and bad latencies are named") {
    auto set = [](std::size_t) {};
    CHECK_THROWS_WITH_AS((void)ok::measure_latencies(0, 1, [](std::size_t) { return 1.0; }, set),
                         doctest::Contains("branches is 0"), ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::measure_latencies(1, 0, [](std::size_t) { return 1.0; }, set),
                         doctest::Contains("levels is 0"), ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::measure_latencies(1, 1, [](std::size_t) { return 1.0; }, set, {.rounds = 0}),
                         doctest::Contains("options.rounds is 0"), ok::invalid_argument);
    CHECK_THROWS_WITH_AS(
        (void)ok::measure_latencies(2, 2, [](std::size_t b) { return b == 1 ? -1.0 : 1e-3; }, set, {.rounds = 1}),
        doctest::Contains("run(1) at level 0 returned -1"), ok::invalid_argument);
}

TEST_CASE("measure_switching_costs recovers known transition costs (Fig. 14)") {
    const std::size_t B = 4;
    std::vector<double> base{1e-4, 2e-4, 3e-4, 4e-4};
    std::vector<double> cost(B * B, 0.0);
    for (std::size_t a = 0; a < B; ++a) {
        for (std::size_t b = 0; b < B; ++b) {
            cost[a * B + b] = a == b ? 0.0 : 1e-5 * static_cast<double>(1 + a * 7 + b * 3);
        }
    }
    std::optional<std::size_t> last;
    std::size_t calls = 0;
    auto run = [&](std::size_t b) {
        const double t = base[b] + (last.has_value() && *last != b ? cost[*last * B + b] : 0.0);
        last = b;
        ++calls;
        return t;
    };
    const auto measured = ok::measure_switching_costs(B, run, 3, 2);
    CHECK(calls == 3 * B * (B - 1) * 4);
    REQUIRE(measured.size() == B * B);
    for (std::size_t i = 0; i < B * B; ++i) {
        CAPTURE(i);
        CHECK(measured[i] == doctest::Approx(cost[i]).epsilon(1e-9));
    }
    // a branch that gets faster after a switch never yields a negative cost
    last.reset();
    auto faster = [&](std::size_t b) {
        const double t = base[b] - (last.has_value() && *last != b ? 5e-5 : 0.0);
        last = b;
        return t;
    };
    for (const double c : ok::measure_switching_costs(B, faster, 1, 1)) {
        CHECK(c == 0.0);
    }
    CHECK_THROWS_WITH_AS((void)ok::measure_switching_costs(B, run, 0), doctest::Contains("reps is 0"),
                         ok::invalid_argument);
    // the table is accepted by branch_profiles and survives the transition CSV exactly
    ok::branch_profiles p({"a", "b, quoted", "c", "d"}, 1, 1, {0.5, 0.6, 0.7, 0.8}, {1e-4, 2e-4, 3e-4, 4e-4});
    CHECK(ok::format_transition_costs(p) == "from,to,cost_s\n");
    p.set_transition_costs(measured);
    const std::string csv = ok::format_transition_costs(p);
    CHECK(csv.find("\"b, quoted\"") != std::string::npos);
    CHECK(ok::parse_transition_costs(csv, p) == measured);
}

TEST_CASE("branch_correctness equals a brute-force comparison and make_branch_profiles assembles the tables") {
    profiler_test::fake_approx ex;
    const std::vector<int> frames{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    std::vector<std::size_t> labels;
    for (const int f : frames) {
        labels.push_back(static_cast<std::size_t>(f * 3) % 10);
    }
    const std::size_t B = 5;
    const auto correct =
        ok::branch_correctness<int>(ex, std::span<const int>(frames), std::span<const std::size_t>(labels), B);
    REQUIRE(correct.size() == frames.size() * B);
    for (std::size_t i = 0; i < frames.size(); ++i) {
        for (std::size_t b = 0; b < B; ++b) {
            CHECK(correct[i * B + b] == ((static_cast<std::size_t>(frames[i]) + b) % 10 == labels[i] ? 1 : 0));
        }
    }
    const std::vector<std::size_t> short_labels(3, 0);
    CHECK_THROWS_WITH_AS(
        (void)ok::branch_correctness<int>(ex, std::span<const int>(frames), std::span<const std::size_t>(short_labels), B),
        doctest::Contains("labels has size 3"), ok::invalid_argument);

    // categories from two bands of edge values; latency from a fake device at two levels
    std::vector<double> edge;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        edge.push_back(i < 6 ? 0.02 : 0.08);
    }
    const std::vector<double> lat0{1e-4, 2e-4, 3e-4, 4e-4, 5e-4};
    const ok::learned_categories learned = ok::learn_complexity_categories(edge, correct, lat0);
    profiler_test::fake_device dev;
    const auto lat = ok::measure_latencies(
        B, 2, [&](std::size_t b) { return dev.run(b); }, [&](std::size_t m) { dev.level = m; },
        {.rounds = 2, .calls = 3, .warmup = 1});
    const ok::branch_profiles p = ok::make_branch_profiles({"b0", "b1", "b2", "b3", "b4"}, learned, lat);
    CHECK(p.categories() == learned.categories.count());
    CHECK(p.contention_levels() == 2);
    for (std::size_t k = 0; k < p.categories(); ++k) {
        for (std::size_t b = 0; b < B; ++b) {
            CHECK(p.accuracy(k, b) == learned.accuracy[k * B + b]);
        }
    }
    const ok::branch_profiles p95 =
        ok::make_branch_profiles({"b0", "b1", "b2", "b3", "b4"}, learned, lat, ok::latency_statistic::p95);
    for (std::size_t m = 0; m < 2; ++m) {
        for (std::size_t b = 0; b < B; ++b) {
            CHECK(p.latency(m, b) == lat.median(m, b));
            CHECK(p95.latency(m, b) == lat.quantile(m, b, 0.95));
        }
    }
    CHECK_THROWS_WITH_AS((void)ok::make_branch_profiles({"b0", "b1"}, learned, lat),
                         doctest::Contains("learned.branches has size 5"), ok::invalid_argument);
}
