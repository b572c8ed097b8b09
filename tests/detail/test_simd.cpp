#include <offloadkit/detail/simd.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <vector>

namespace simd = offloadkit::detail::simd;

TEST_CASE_TEMPLATE("simd reductions equal the scalar ones on every lane position", T, float, double, int) {
    constexpr std::size_t n = simd::lanes<T>;
    for (std::size_t hot = 0; hot < n; ++hot) {
        std::vector<T> v(n);
        for (std::size_t i = 0; i < n; ++i) {
            v[i] = static_cast<T>(static_cast<int>(i) - 3);
        }
        v[hot] = static_cast<T>(100);
        const auto b = simd::batch<T>::load_unaligned(v.data());
        CHECK(simd::reduce_add(b) == std::accumulate(v.begin(), v.end(), T{}));
        CHECK(simd::reduce_max(b) == *std::max_element(v.begin(), v.end()));
        v[hot] = static_cast<T>(-100);
        const auto c = simd::batch<T>::load_unaligned(v.data());
        CHECK(simd::reduce_min(c) == *std::min_element(v.begin(), v.end()));
    }
}
