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

namespace test_radix_sort {

// The adversarial key sets of the MSD sort: uniform doubles (exponents spread, rare tiny values),
// a narrow cluster (the digit must come from below the common prefix), ties (buckets of one key
// value), -0.0 and +0.0 (one key), subnormals, infinities and the extremes, one outlier far from a
// dense cluster (all keys but one in one bucket, several levels deep), and runs whose length is
// around the leaf size.
template <class T>
std::vector<T> msd_case(int which, std::size_t n, ok::detail::rng& g) {
    std::vector<T> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double u = g.uniform();
        double x = u;
        switch (which) {
            case 0: x = u; break;
            case 1: x = 0.5 + u * 1e-9; break;
            case 2: x = std::floor(u * 7) - 3; break;
            case 3: x = g.below(2) == 0 ? -0.0 : 0.0; break;
            case 4: x = static_cast<double>(std::numeric_limits<T>::denorm_min()) * static_cast<double>(g.below(50)) *
                        (g.below(2) == 0 ? -1.0 : 1.0);
                break;
            case 5: {
                const T pool[] = {-std::numeric_limits<T>::infinity(), std::numeric_limits<T>::lowest(), T(-1),
                                  -std::numeric_limits<T>::min(), T(-0.0), T(0), std::numeric_limits<T>::min(),
                                  T(1), std::numeric_limits<T>::max(), std::numeric_limits<T>::infinity()};
                x = static_cast<double>(pool[g.below(10)]);
                break;
            }
            case 6: x = i == n / 2 ? -1e30 : 1.0 + u * 1e-6; break;
            default: x = g.normal() * std::pow(10.0, static_cast<double>(g.below(9)) - 4.0); break;
        }
        v[i] = static_cast<T>(x);
    }
    return v;
}

}  // namespace test_radix_sort

TEST_CASE_TEMPLATE("sort_keys (MSD) equals std::sort on adversarial keys", T, float, double) {
    using key_type = ok::detail::order_key_t<T>;
    ok::detail::rng g(77);
    for (int which = 0; which < 8; ++which) {
        for (const int size : {0, 1, 33, 127, 128, 129, 1000, 4097, 60000}) {
            const auto n = static_cast<std::size_t>(size);
            const auto values = test_radix_sort::msd_case<T>(which, n, g);
            std::vector<key_type> keys(n);
            for (std::size_t i = 0; i < n; ++i) {
                keys[i] = ok::detail::order_key(values[i]);
            }
            auto expected = keys;
            std::sort(expected.begin(), expected.end());
            std::vector<key_type> spare(n);
            ok::detail::sort_keys(keys.data(), spare.data(), n);
            CAPTURE(which);
            CAPTURE(n);
            CHECK(keys == expected);
        }
    }
    // Keys spread over all 64 (32) bits, and keys differing only in the lowest bits.
    for (int round = 0; round < 2; ++round) {
        std::vector<key_type> keys(20000);
        for (auto& k : keys) {
            k = round == 0 ? static_cast<key_type>(g()) : static_cast<key_type>(key_type{1} << (sizeof(key_type) * 8 - 1)) + static_cast<key_type>(g.below(300));
        }
        auto expected = keys;
        std::sort(expected.begin(), expected.end());
        std::vector<key_type> spare(keys.size());
        ok::detail::sort_keys(keys.data(), spare.data(), keys.size());
        CHECK(keys == expected);
    }
}
