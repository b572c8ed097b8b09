// The Pareto DP's compact trace-back (issue 20): the plan and value must be the ones the earlier
// engine produced, which kept one 32-bit word (parent * (m + 1) + choice + 1) per label and merged
// the sources with pareto_merge(). That engine is reproduced below as the reference.
#include <offloadkit/offload/schedule.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <vector>

#include <offloadkit/detail/random.hpp>
#include <offloadkit/pareto/frontier.hpp>

#include "offload/instances.hpp"

namespace ok = offloadkit;
namespace to = offloadkit::test_offload;

namespace {

struct tb_ref_label {
    double cost = 0.0;
    double value = 0.0;
    std::uint32_t parent = 0;
    std::int32_t choice = -1;
};

// The engine before issue 20 (same arithmetic, same tie rules), written out on its own.
template <class Arrival, class Gain, class Finish, class OnTime>
double tb_reference_dp(std::span<const std::size_t> order, std::size_t m, double free_at, bool collapse,
                       Arrival arrival, Gain gain, Finish finish, OnTime on_time, std::span<int> choice) {
    const std::size_t n = order.size();
    std::vector<std::uint32_t> back{0};
    std::vector<std::size_t> level{0};
    std::vector<tb_ref_label> prev{{free_at, 0.0, 0, -1}};
    std::vector<tb_ref_label> cur;
    std::vector<tb_ref_label> next;
    std::vector<tb_ref_label> cand;
    std::vector<double> suffix(n);
    double c = std::numeric_limits<double>::infinity();
    for (std::size_t j = n; j-- > 0;) {
        c = std::min(c, static_cast<double>(arrival(order[j])));
        suffix[j] = c;
    }
    const auto cost_of = [](const tb_ref_label& l) { return l.cost; };
    const auto value_of = [](const tb_ref_label& l) { return l.value; };
    for (std::size_t j = 0; j < n; ++j) {
        const std::size_t i = order[j];
        const double a = arrival(i);
        const std::size_t e = prev.size();
        std::size_t first = 0;
        if (collapse) {
            while (first + 1 < e && prev[first + 1].cost <= suffix[j]) {
                ++first;
            }
        }
        cur.clear();
        for (std::size_t q = first; q < e; ++q) {
            cur.push_back({prev[q].cost, prev[q].value, static_cast<std::uint32_t>(q), -1});
        }
        std::size_t q0 = first;
        while (q0 + 1 < e && prev[q0 + 1].cost <= a) {
            ++q0;
        }
        for (std::size_t r = 0; r < m; ++r) {
            const double g = gain(i, r);
            if (!(g > 0.0)) {
                continue;
            }
            cand.clear();
            for (std::size_t q = q0; q < e; ++q) {
                const double t = finish(std::max(prev[q].cost, a), i, r);
                if (!on_time(t, i)) {
                    break;
                }
                const tb_ref_label nl{t, prev[q].value + g, static_cast<std::uint32_t>(q), static_cast<std::int32_t>(r)};
                if (!cand.empty() && cand.back().cost == t) {
                    cand.back() = nl;
                } else {
                    cand.push_back(nl);
                }
            }
            if (!cand.empty()) {
                ok::pareto_merge<tb_ref_label>(cur, cand, next, cost_of, value_of);
                std::swap(cur, next);
            }
        }
        level.push_back(back.size());
        for (const tb_ref_label& l : cur) {
            back.push_back(static_cast<std::uint32_t>(l.parent * (m + 1) + static_cast<std::size_t>(l.choice + 1)));
        }
        std::swap(prev, cur);
    }
    const double best = prev.back().value;
    std::size_t idx = prev.size() - 1;
    for (std::size_t j = n; j-- > 0;) {
        const std::size_t word = back[level[j + 1] + idx];
        choice[order[j]] = static_cast<int>(word % (m + 1)) - 1;
        idx = word / (m + 1);
    }
    return best;
}

// Problems whose Pareto lists grow long (hundreds of labels per level, so a source's candidate bits
// span several 64-bit words): continuous accuracies and sizes, frames close together, a long deadline.
ok::offload_problem tb_long_list_problem(ok::detail::rng& g, std::size_t n, std::size_t m) {
    ok::offload_problem pb;
    pb.bandwidth = 100000.0;
    pb.server_time = 0.01;
    pb.network_latency = 0.0;
    pb.deadline = 0.25;
    pb.server_accuracy.resize(m);
    for (auto& a : pb.server_accuracy) {
        a = 0.5 + 0.5 * g.uniform();
    }
    double t = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        ok::offload_frame f;
        t += 0.004 * g.uniform();
        f.arrival = t;
        f.local_accuracy = 0.6 * g.uniform();
        f.bytes.resize(m);
        for (auto& b : f.bytes) {
            b = 100.0 + 2000.0 * g.uniform();
        }
        pb.frames.push_back(f);
    }
    return pb;
}

// Runs the library's engine and the reference on `pb` in `order`; both must give the same plan
// and the same value (bit for bit).
void tb_compare(const ok::offload_problem& pb, const std::vector<std::size_t>& order, bool collapse, double free_at,
                ok::offload_workspace& ws) {
    const std::size_t m = pb.server_accuracy.size();
    const auto arrival = [&](std::size_t i) { return ok::detail::ready_time(pb.frames[i]); };
    const auto gain = [&](std::size_t i, std::size_t r) { return pb.server_accuracy[r] - pb.frames[i].local_accuracy; };
    const auto finish = [&](double start, std::size_t i, std::size_t r) {
        return start + pb.frames[i].bytes[r] / pb.bandwidth;
    };
    const auto on_time = [&](double f, std::size_t i) {
        return ok::detail::on_time(f, pb.frames[i].arrival, pb.deadline, pb.server_time, pb.network_latency);
    };
    std::vector<int> got(pb.frames.size(), -7);
    std::vector<int> want(pb.frames.size(), -7);
    const double v = ok::detail_run_pareto_dp(ws, order, m, free_at, collapse, arrival, gain, finish, on_time,
                                              std::span<int>(got));
    const double w = tb_reference_dp(order, m, free_at, collapse, arrival, gain, finish, on_time, std::span<int>(want));
    CHECK(v == w);
    CHECK(got == want);
}

std::vector<std::size_t> tb_confidence_order(const ok::offload_problem& pb) {
    std::vector<std::size_t> order(pb.frames.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
        return pb.frames[x].local_accuracy > pb.frames[y].local_accuracy;
    });
    return order;
}

}  // namespace

TEST_CASE("Pareto DP trace-back: same plans and values as one word per label, on tie-heavy instances") {
    ok::detail::rng g(20261206);
    ok::offload_workspace ws;  // reused: every record must start from clear bits
    for (int it = 0; it < 400; ++it) {
        // Packed from the first level, or switching to the packed path after a few words.
        ok::offload_workspace_access::packed_after(ws) = it % 2 == 0 ? 0 : g.below(40);
        // m up to 9: source codes of 1 to 4 bits, straddling 64-bit words.
        const std::size_t n = g.below(30);
        const std::size_t m = 1 + g.below(9);
        const auto pb = to::random_problem(g, n, m, false);
        const double free_at = g.bernoulli(0.2) ? static_cast<double>(g.below(4)) * 0.01 : 0.0;
        CAPTURE(it);
        tb_compare(pb, to::arrival_order(pb), true, free_at, ws);
        tb_compare(pb, tb_confidence_order(pb), false, free_at, ws);
    }
}

TEST_CASE("Pareto DP trace-back: same plans and values when lists are hundreds of labels long") {
    ok::detail::rng g(77);
    ok::offload_workspace ws;
    std::size_t longest = 0;
    for (int it = 0; it < 8; ++it) {
        ok::offload_workspace_access::packed_after(ws) = it % 2 == 0 ? 0 : g.below(3000);
        const std::size_t n = 40 + g.below(60);
        const std::size_t m = 1 + g.below(6);
        const auto pb = tb_long_list_problem(g, n, m);
        CAPTURE(it);
        tb_compare(pb, to::arrival_order(pb), true, 0.0, ws);
        longest = std::max(longest, ws.labels() / n);
        tb_compare(pb, tb_confidence_order(pb), false, 0.0, ws);
        if (ok::offload_workspace_access::packed_after(ws) == 0) {  // a few bits per label, not 32
            CHECK(ws.trace_bytes() * 8 < ws.labels() * 16 + 64 * n);
        }
    }
    MESSAGE("mean labels per level, largest instance: " << longest);
    CHECK(longest > 100);  // candidate bits of one source span several words
}

// The default: small solves keep one word per label (the path before issue 20) throughout.
TEST_CASE("Pareto DP trace-back: small solves keep the one-word records by default") {
    ok::detail::rng g(5);
    ok::offload_workspace ws;
    for (int it = 0; it < 50; ++it) {
        const auto pb = to::random_problem(g, g.below(30), 1 + g.below(5), false);
        tb_compare(pb, to::arrival_order(pb), true, 0.0, ws);
    }
    CHECK(ok::offload_workspace_access::packed_after(ws) == std::size_t{1} << 20);
}
