#ifndef OFFLOADKIT_TESTS_OFFLOAD_INSTANCES_HPP
#define OFFLOADKIT_TESTS_OFFLOAD_INSTANCES_HPP

// Random small offloading problems and brute-force references for the solver tests.

#include <offloadkit/detail/random.hpp>
#include <offloadkit/offload/problem.hpp>

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <vector>

namespace offloadkit::test_offload {

/// A random problem with n frames and m resolutions. Values sit on coarse grids so that ties in
/// arrival, bytes, accuracies and gains are frequent; some resolutions never fit the deadline.
/// `tight` keeps the slack small relative to transfers so exhaustive search stays cheap.
inline offload_problem random_problem(detail::rng& g, std::size_t n, std::size_t m, bool tight) {
    offload_problem pb;
    pb.bandwidth = 100000.0;  // 500 bytes = 5 ms
    pb.server_time = static_cast<double>(g.below(4)) * 0.01;
    pb.network_latency = static_cast<double>(g.below(6)) * 0.01;
    const double slack = tight ? 0.02 + static_cast<double>(g.below(5)) * 0.01
                               : 0.02 + static_cast<double>(g.below(12)) * 0.01;
    pb.deadline = pb.server_time + pb.network_latency + slack;
    pb.server_accuracy.resize(m);
    for (auto& a : pb.server_accuracy) {
        a = static_cast<double>(g.below(5)) * 0.25;
    }
    double t = static_cast<double>(g.below(3)) * 0.01;
    for (std::size_t i = 0; i < n; ++i) {
        offload_frame f;
        // Gaps of 0 (ties), 10, 20 or 30 ms; frames may be given out of arrival order (shuffled below).
        t += static_cast<double>(g.below(4)) * 0.01;
        f.arrival = t;
        f.local_accuracy = static_cast<double>(g.below(9)) * 0.125;
        f.bytes.resize(m);
        for (auto& b : f.bytes) {
            b = 500.0 * static_cast<double>(1 + g.below(tight ? 12 : 16));  // 5..60(80) ms
        }
        pb.frames.push_back(f);
    }
    // Shuffle sometimes: the solvers must sort (stably) by arrival themselves.
    if (n > 1 && g.bernoulli(0.3)) {
        for (std::size_t i = n - 1; i > 0; --i) {
            std::swap(pb.frames[i], pb.frames[g.below(i + 1)]);
        }
    }
    return pb;
}

/// Exhaustive search over every choice vector, sending offloaded frames in `order` (a
/// permutation of the frame indices), each at max(free, arrival + local_time); branches that already miss a
/// deadline are cut (they cannot become feasible). Returns the best value and one best plan.
struct brute_result {
    double value = -1.0;
    std::vector<int> choice;
    std::size_t nodes = 0;
};

inline void brute_dfs(const offload_problem& pb, const std::vector<std::size_t>& order, std::size_t j,
                      double free_at, std::vector<int>& cur, brute_result& best) {
    ++best.nodes;
    if (j == order.size()) {
        double v = 0.0;  // summed in index order, as the solvers report it
        for (std::size_t i = 0; i < cur.size(); ++i) {
            v += cur[i] < 0 ? pb.frames[i].local_accuracy : pb.server_accuracy[static_cast<std::size_t>(cur[i])];
        }
        if (v > best.value) {
            best.value = v;
            best.choice = cur;
        }
        return;
    }
    const std::size_t i = order[j];
    const auto& f = pb.frames[i];
    cur[i] = -1;
    brute_dfs(pb, order, j + 1, free_at, cur, best);
    for (std::size_t r = 0; r < pb.server_accuracy.size(); ++r) {
        const double finish = std::max(free_at, f.arrival + f.local_time) + f.bytes[r] / pb.bandwidth;
        if (finish + pb.server_time + pb.network_latency <= f.arrival + pb.deadline) {
            cur[i] = static_cast<int>(r);
            brute_dfs(pb, order, j + 1, finish, cur, best);
        }
    }
    cur[i] = -1;
}

inline std::vector<std::size_t> arrival_order(const offload_problem& pb) {
    std::vector<std::size_t> order(pb.frames.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t x, std::size_t y) { return pb.frames[x].arrival < pb.frames[y].arrival; });
    return order;
}

/// FCFS by ready time (arrival + local_time), ties by arrival, then index: the order of
/// problem.hpp with local times (a separate stable sort, not the library's).
inline std::vector<std::size_t> ready_order(const offload_problem& pb) {
    std::vector<std::size_t> order = arrival_order(pb);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
        return pb.frames[x].arrival + pb.frames[x].local_time < pb.frames[y].arrival + pb.frames[y].local_time;
    });
    return order;
}

inline brute_result brute_force(const offload_problem& pb, const std::vector<std::size_t>& order,
                                double uplink_free_at = 0.0) {
    brute_result best;
    std::vector<int> cur(pb.frames.size(), -1);
    brute_dfs(pb, order, 0, uplink_free_at, cur, best);
    return best;
}

}  // namespace offloadkit::test_offload

#endif  // OFFLOADKIT_TESTS_OFFLOAD_INSTANCES_HPP
