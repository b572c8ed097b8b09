#include <offloadkit/detail/radix_sort.hpp>

#include <doctest/doctest.h>

#include <offloadkit/detail/random.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace ok = offloadkit;

TEST_CASE_TEMPLATE("order_key preserves the order of floats and doubles and inverts exactly", T, float, double) {
    const T inf = std::numeric_limits<T>::infinity();
    const std::vector<T> v{-inf, -std::numeric_limits<T>::max(), T(-1), -std::numeric_limits<T>::denorm_min(),
                           T(0), std::numeric_limits<T>::denorm_min(), std::numeric_limits<T>::min(), T(0.5),
                           T(1), std::numeric_limits<T>::max(), inf};
    for (std::size_t i = 0; i < v.size(); ++i) {
        CHECK(ok::detail::from_order_key(ok::detail::order_key(v[i])) == v[i]);
        for (std::size_t j = 0; j < v.size(); ++j) {
            CHECK((v[i] < v[j]) == (ok::detail::order_key(v[i]) < ok::detail::order_key(v[j])));
        }
    }
    CHECK(ok::detail::order_key(T(-0.0)) == ok::detail::order_key(T(0.0)));
    CHECK(!std::signbit(ok::detail::from_order_key(ok::detail::order_key(T(-0.0)))));
}

TEST_CASE_TEMPLATE("radix_sort and radix_sort_pairs equal std::stable_sort", T, float, double) {
    using key_type = ok::detail::order_key_t<T>;
    ok::detail::rng g(31);
    for (const std::size_t n : {0, 1, 5, 127, 128, 129, 1000, 5001}) {
        std::vector<T> values(n);
        for (auto& v : values) {
            // Few distinct values (many ties), both signs, zeros of both signs.
            const auto pick = g.below(6);
            v = pick == 0 ? T(-0.0) : pick == 1 ? T(0.0) : static_cast<T>(std::round(g.normal(0.0, 3.0) * 4) / 4);
        }
        std::vector<key_type> keys(n);
        std::vector<std::uint32_t> payload(n);
        for (std::size_t i = 0; i < n; ++i) {
            keys[i] = ok::detail::order_key(values[i]);
            payload[i] = static_cast<std::uint32_t>(i);
        }
        std::vector<std::uint32_t> expected(n);
        std::iota(expected.begin(), expected.end(), 0U);
        std::stable_sort(expected.begin(), expected.end(), [&](auto a, auto b) { return values[a] < values[b]; });
        auto keys_only = keys;
        ok::detail::radix_sort(keys_only);
        ok::detail::radix_sort_pairs(keys, payload);
        CHECK(payload == expected);
        CHECK(keys_only == keys);
        CHECK(std::is_sorted(keys.begin(), keys.end()));
    }
}

TEST_CASE("merge_runs visits in merged order, ties from run 0 first") {
    const std::vector<std::uint32_t> a{1, 3, 3, 7};
    const std::vector<std::uint32_t> b{0, 3, 8, 9};
    std::vector<std::uint32_t> keys;
    std::vector<unsigned> runs;
    std::vector<std::size_t> idx;
    ok::detail::merge_runs(a, b, [&](std::uint32_t k, unsigned r, std::size_t i) {
        keys.push_back(k);
        runs.push_back(r);
        idx.push_back(i);
    });
    CHECK(keys == std::vector<std::uint32_t>{0, 1, 3, 3, 3, 7, 8, 9});
    CHECK(runs == std::vector<unsigned>{1, 0, 0, 0, 1, 0, 1, 1});
    CHECK(idx == std::vector<std::size_t>{0, 0, 1, 2, 1, 3, 2, 3});
}
