#ifndef OFFLOADKIT_PARETO_FRONTIER_HPP
#define OFFLOADKIT_PARETO_FRONTIER_HPP

/**
 * @file
 * @brief Pareto lists of (cost, value) pairs: the one implementation behind CBO's dynamic
 *        programs (CBO §IV-B, Algorithm 1 lines 1-10: lists l_j of non-dominated
 *        (time, accuracy) pairs) and ApproxNet's latency-accuracy frontiers (ApproxNet §4.4-4.6).
 *
 * Conventions. Low cost is good, high value is good. A *Pareto list* is a sequence sorted by
 * cost strictly ascending whose values are strictly ascending too, so no element dominates
 * another (Nemhauser & Ullmann, 1969: the states of a knapsack DP that are worth keeping).
 * Elements may be any type; the cost and value are read through projections (default:
 * the members `.cost` and `.value`), so DP labels can carry back-pointers.
 *
 * None of the list operations allocates once the output vector has enough capacity.
 */

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <functional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "../error.hpp"

namespace offloadkit {

/// A candidate with a cost (time, latency, bytes: lower is better) and a value (accuracy: higher
/// is better). See docs/api.md, "Pareto frontier".
struct tradeoff_point {
    double cost = 0.0;
    double value = 0.0;
    friend bool operator==(const tradeoff_point&, const tradeoff_point&) = default;
};

namespace detail {
struct member_cost {
    template <class T>
    constexpr double operator()(const T& t) const noexcept {
        return static_cast<double>(t.cost);
    }
};
struct member_value {
    template <class T>
    constexpr double operator()(const T& t) const noexcept {
        return static_cast<double>(t.value);
    }
};
}  // namespace detail

/**
 * @brief True when `list` is a Pareto list: cost and value both strictly ascending.
 *
 * The invariant every operation below keeps; O(n).
 */
template <class T, class CostOf = detail::member_cost, class ValueOf = detail::member_value>
[[nodiscard]] bool is_pareto_list(const std::vector<T>& list, CostOf cost_of = {}, ValueOf value_of = {}) {
    for (std::size_t i = 1; i < list.size(); ++i) {
        if (!(std::invoke(cost_of, list[i - 1]) < std::invoke(cost_of, list[i])) ||
            !(std::invoke(value_of, list[i - 1]) < std::invoke(value_of, list[i]))) {
            return false;
        }
    }
    return true;
}

/**
 * @brief Turns a sequence sorted by cost ascending (and, for equal costs, by value descending)
 *        into a Pareto list in place, keeping the first of equal elements.
 *
 * Only values are read (the order carries the costs). One sweep: an element survives iff its
 * value exceeds every value kept before it. This is the
 * "dominated pairs are removed" step of CBO Algorithm 1 (line 9). O(n), no allocation.
 */
template <class T, class ValueOf = detail::member_value>
void pareto_prune_sorted(std::vector<T>& list, ValueOf value_of = {}) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (kept == 0 || std::invoke(value_of, list[i]) > std::invoke(value_of, list[kept - 1])) {
            if (kept != i) {
                list[kept] = std::move(list[i]);
            }
            ++kept;
        }
    }
    list.erase(list.begin() + static_cast<std::ptrdiff_t>(kept), list.end());
}

/**
 * @brief Sorts `list` by (cost ascending, value descending) — stable, so equal elements keep
 *        their order — and prunes it to a Pareto list (the first of equal elements survives).
 *
 * O(n log n); std::stable_sort may use a temporary buffer.
 * @throws offloadkit::invalid_argument "pareto_prune: list[i].cost is NaN" (or .value) before
 *         anything moves: NaN breaks the sort's strict weak ordering, which is undefined behaviour.
 */
template <class T, class CostOf = detail::member_cost, class ValueOf = detail::member_value>
void pareto_prune(std::vector<T>& list, CostOf cost_of = {}, ValueOf value_of = {}) {
    for (std::size_t i = 0; i < list.size(); ++i) {
        detail::require(!std::isnan(std::invoke(cost_of, list[i])), "pareto_prune", detail::arg_at{"list", i},
                        ".cost is NaN");
        detail::require(!std::isnan(std::invoke(value_of, list[i])), "pareto_prune", detail::arg_at{"list", i},
                        ".value is NaN");
    }
    std::stable_sort(list.begin(), list.end(), [&](const T& x, const T& y) {
        const double cx = std::invoke(cost_of, x);
        const double cy = std::invoke(cost_of, y);
        if (cx != cy) {
            return cx < cy;
        }
        return std::invoke(value_of, x) > std::invoke(value_of, y);
    });
    pareto_prune_sorted(list, value_of);
}

/**
 * @brief Merges two Pareto lists into `out` (cleared first) and removes dominated elements:
 *        the linear two-pointer merge of Nemhauser–Ullmann.
 *
 * Used for the DP step "l_j = merge(l_{j-1}, l_{j-1} shifted by offloading frame j)"
 * (CBO Algorithm 1, lines 4-9). When an element of `a` and one of `b` are equal in both
 * cost and value, the one from `a` is kept. O(|a| + |b|); allocates only if `out` lacks capacity.
 *
 * @pre `a` and `b` are Pareto lists (is_pareto_list); `out` aliases neither.
 */
template <class T, class CostOf = detail::member_cost, class ValueOf = detail::member_value>
void pareto_merge(std::type_identity_t<std::span<const T>> a, std::type_identity_t<std::span<const T>> b,
                  std::vector<T>& out,
                  CostOf cost_of = {}, ValueOf value_of = {}) {
    out.clear();
    std::size_t i = 0;
    std::size_t j = 0;
    auto take = [&](const T& t) {
        if (out.empty() || std::invoke(value_of, t) > std::invoke(value_of, out.back())) {
            out.push_back(t);
        }
    };
    while (i < a.size() && j < b.size()) {
        const double ca = std::invoke(cost_of, a[i]);
        const double cb = std::invoke(cost_of, b[j]);
        // Ties on cost: higher value first, and `a` first when values tie as well.
        const bool a_first = ca < cb || (ca == cb && std::invoke(value_of, a[i]) >= std::invoke(value_of, b[j]));
        take(a_first ? a[i++] : b[j++]);
    }
    while (i < a.size()) {
        take(a[i++]);
    }
    while (j < b.size()) {
        take(b[j++]);
    }
}

/**
 * @brief Indices of the points no other point dominates, sorted by cost ascending
 *        (docs/api.md, "Pareto frontier"; ApproxNet §4.4's latency-accuracy frontier).
 *
 * j dominates i when cost_j <= cost_i and value_j >= value_i and (one of them strictly, or both
 * equal and j < i). O(n log n).
 *
 * @code
 * std::vector<ok::tradeoff_point> pts{{16.14, 0.6639}, {17.97, 0.7023}, {20.0, 0.60}};
 * auto front = ok::pareto_frontier(pts);   // {0, 1}
 * @endcode
 * @throws offloadkit::invalid_argument if a cost or value is NaN
 *         ("pareto_frontier: points[2].cost is NaN").
 */
template <class = void>
[[nodiscard]] inline std::vector<std::size_t> pareto_frontier(std::span<const tradeoff_point> points) {
    for (std::size_t i = 0; i < points.size(); ++i) {
        detail::require(!std::isnan(points[i].cost), "pareto_frontier", detail::arg_at{"points", i},
                        ".cost is NaN");
        detail::require(!std::isnan(points[i].value), "pareto_frontier", detail::arg_at{"points", i},
                        ".value is NaN");
    }
    std::vector<std::size_t> idx(points.size());
    for (std::size_t i = 0; i < idx.size(); ++i) {
        idx[i] = i;
    }
    // Stable sort of ascending indices: equal points stay in index order, so the lowest index wins.
    pareto_prune(
        idx, [&](std::size_t i) { return points[i].cost; }, [&](std::size_t i) { return points[i].value; });
    return idx;
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_PARETO_FRONTIER_HPP
