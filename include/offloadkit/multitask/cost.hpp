#ifndef OFFLOADKIT_MULTITASK_COST_HPP
#define OFFLOADKIT_MULTITASK_COST_HPP

/**
 * @file
 * @brief AMVP's per-task cost (AMVP §IV-C, eq. 6) with the latency (eq. 7) and throughput
 *        (eq. 8) of a CNN split into two parts on two devices.
 */

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "../error.hpp"

namespace offloadkit {

/**
 * @brief A task's goals and preferences: A_s, L_s, T_s and the weights alpha_s, beta_s, gamma_s
 *        of AMVP eq. 6. Member order is part of the API (designated initializers).
 */
struct task_goal {
    double accuracy = 0.8;    ///< A_s, accuracy goal (same unit as the candidates' accuracy), > 0
    double latency = 1.0;     ///< L_s, latency goal in seconds, > 0
    double throughput = 1.0;  ///< T_s, throughput goal in frames per second, > 0
    double alpha = 1.0 / 3;   ///< weight of the accuracy term, in [0, 1]
    double beta = 1.0 / 3;    ///< weight of the latency term, in [0, 1]
    double gamma = 1.0 / 3;   ///< weight of the throughput term, in [0, 1]; alpha + beta + gamma = 1
};

namespace detail {

/// Checks a goal: finite goals > 0, weights in [0, 1] summing to 1 within 1e-9.
template <class = void>
inline void check_goal(const task_goal& g, std::string_view fn, std::string_view name) {
    const auto field = [&](std::string_view f) {
        std::string s(name);
        s += '.';
        s += f;
        return s;
    };
    require_positive(g.accuracy, fn, field("accuracy"));
    require_positive(g.latency, fn, field("latency"));
    require_positive(g.throughput, fn, field("throughput"));
    for (const auto& [w, f] : {std::pair{g.alpha, "alpha"}, std::pair{g.beta, "beta"}, std::pair{g.gamma, "gamma"}}) {
        require(w >= 0.0 && w <= 1.0, fn, field(f), " is ", w, ", expected a weight in [0, 1]");
    }
    const double sum = g.alpha + g.beta + g.gamma;
    require(std::fabs(sum - 1.0) <= 1e-9, fn, field("alpha + beta + gamma"), " is ", sum, ", expected 1");
}

/// Eq. 6 on validated arguments (latency > 0, throughput >= 0).
inline double amvp_cost_unchecked(const task_goal& g, double accuracy, double latency, double throughput) noexcept {
    return g.alpha * (g.accuracy - accuracy) / g.accuracy + g.beta * std::max(0.0, latency - g.latency) / latency +
           g.gamma * std::max(0.0, g.throughput - throughput) / g.throughput;
}

}  // namespace detail

/**
 * @brief The cost of one task, AMVP eq. 6:
 *        alpha (A_s - A) / A_s + beta max(0, L - L_s) / L + gamma max(0, T_s - T) / T_s.
 *
 * Exactly as written in the paper: the accuracy term is negative when A exceeds the goal, the
 * latency term is normalised by the achieved latency L, there is no reward for L < L_s or T > T_s.
 * @code
 * ok::task_goal g{.accuracy = 0.9, .latency = 1.0, .throughput = 1.0, .alpha = 0.8, .beta = 0.1, .gamma = 0.1};
 * double c = ok::amvp_cost(g, 0.85, 1.2, 0.9);   // 0.8*0.05/0.9 + 0.1*0.2/1.2 + 0.1*0.1/1 = 0.0711
 * @endcode
 * @param goal A_s, L_s, T_s > 0 and weights in [0, 1] summing to 1 (within 1e-9).
 * @param accuracy achieved accuracy A, finite and >= 0.
 * @param latency achieved latency L in seconds, finite and > 0.
 * @param throughput achieved throughput T in frames per second, finite and >= 0.
 * @throws offloadkit::invalid_argument for any violation above (NaN included), naming the field.
 * O(1).
 */
template <class = void>
[[nodiscard]] inline double amvp_cost(const task_goal& goal, double accuracy, double latency, double throughput) {
    constexpr std::string_view fn = "amvp_cost";
    detail::check_goal(goal, fn, "goal");
    detail::require_non_negative(accuracy, fn, "accuracy");
    detail::require_positive(latency, fn, "latency");
    detail::require_non_negative(throughput, fn, "throughput");
    return detail::amvp_cost_unchecked(goal, accuracy, latency, throughput);
}

/**
 * @brief Time to send `feature_bytes` over a link of `bandwidth` bytes/s: D(f, b) = f / b of
 *        AMVP eq. 7 (0 for a zero-byte feature or an infinite bandwidth).
 * @throws offloadkit::invalid_argument if feature_bytes < 0 or bandwidth <= 0 (or NaN).
 */
template <class = void>
[[nodiscard]] inline double amvp_transfer_time(double feature_bytes, double bandwidth) {
    detail::require_non_negative(feature_bytes, "amvp_transfer_time", "feature_bytes");
    detail::require(bandwidth > 0.0, "amvp_transfer_time", "bandwidth is ", bandwidth, ", expected > 0");
    return std::isinf(bandwidth) ? 0.0 : feature_bytes / bandwidth;
}

/**
 * @brief Latency of a split CNN, AMVP eq. 7: l1 / u1 + l2 / u2 + D.
 * @param l1 latency of part 1 at 100% of its device (s), >= 0; @param u1 its share, in (0, 1].
 * @param l2 latency of part 2 at 100% of its device (s), >= 0; @param u2 its share, in (0, 1].
 * @param transfer D, the feature transfer time (s), >= 0 (0 when both parts share a device).
 * @throws offloadkit::invalid_argument for values outside those ranges.
 */
template <class = void>
[[nodiscard]] inline double amvp_latency(double l1, double u1, double l2, double u2, double transfer) {
    constexpr std::string_view fn = "amvp_latency";
    detail::require_non_negative(l1, fn, "l1");
    detail::require_non_negative(l2, fn, "l2");
    detail::require(u1 > 0.0 && u1 <= 1.0, fn, "u1 is ", u1, ", expected a share in (0, 1]");
    detail::require(u2 > 0.0 && u2 <= 1.0, fn, "u2 is ", u2, ", expected a share in (0, 1]");
    detail::require_non_negative(transfer, fn, "transfer");
    return l1 / u1 + l2 / u2 + transfer;
}

/**
 * @brief Throughput of a split CNN, AMVP eq. 8: min(u1 t1, u2 t2, 1 / D); the 1 / D term is
 *        dropped when D == 0 (both parts on one device).
 * @param t1, t2 throughput of each part at 100% of its device (frames/s), > 0.
 * @throws offloadkit::invalid_argument for shares outside (0, 1], t <= 0, D < 0.
 */
template <class = void>
[[nodiscard]] inline double amvp_throughput(double t1, double u1, double t2, double u2, double transfer) {
    constexpr std::string_view fn = "amvp_throughput";
    detail::require_positive(t1, fn, "t1");
    detail::require_positive(t2, fn, "t2");
    detail::require(u1 > 0.0 && u1 <= 1.0, fn, "u1 is ", u1, ", expected a share in (0, 1]");
    detail::require(u2 > 0.0 && u2 <= 1.0, fn, "u2 is ", u2, ", expected a share in (0, 1]");
    detail::require_non_negative(transfer, fn, "transfer");
    const double t = std::min(u1 * t1, u2 * t2);
    return transfer > 0.0 ? std::min(t, 1.0 / transfer) : t;
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_MULTITASK_COST_HPP
