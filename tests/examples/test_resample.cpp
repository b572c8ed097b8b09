// examples/common/resample.hpp: area averaging against brute-force supersampling, bilinear
// against PyTorch's interpolate(align_corners=False).
#include "../../examples/common/resample.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <numeric>
#include <vector>

#include <offloadkit/detail/random.hpp>
#include <offloadkit/error.hpp>

namespace okx = offloadkit::examples;

namespace {
#include "../data/fashion_trace/bilinear_golden.inc"

std::vector<float> test_image(std::size_t n) {
    std::vector<float> v(n * n);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < n; ++j) {
            v[i * n + j] = static_cast<float>((i * 7 + j * 3) % 11) * 1.5f;
        }
    }
    return v;
}

/// Area resize by brute force: replicate every source pixel into an L x L block, L = m / gcd,
/// so that the n*L grid is a multiple of m, then average blocks of n*L/m cells.
std::vector<double> area_brute(const std::vector<float>& src, std::size_t n, std::size_t m) {
    const std::size_t big = std::lcm(n, m);
    const std::size_t up = big / n;
    const std::size_t block = big / m;
    std::vector<double> out(m * m, 0.0);
    for (std::size_t y = 0; y < big; ++y) {
        for (std::size_t x = 0; x < big; ++x) {
            out[(y / block) * m + x / block] += src[(y / up) * n + x / up];
        }
    }
    for (auto& v : out) {
        v /= static_cast<double>(block * block);
    }
    return out;
}
}  // namespace

TEST_CASE("area_resize equals brute-force supersampling (fractional overlaps, both directions)") {
    offloadkit::detail::rng g(3);
    for (const auto& sizes : {std::pair<std::size_t, std::size_t>{28, 6}, {28, 11}, {28, 17}, {28, 22}, {28, 28},
                              {7, 3}, {5, 9}, {13, 4}}) {
        const std::size_t n = sizes.first;
        const std::size_t m = sizes.second;
        std::vector<float> src(n * n);
        for (auto& v : src) {
            v = static_cast<float>(g.below(256));
        }
        std::vector<float> dst(m * m);
        okx::area_resize(src, n, dst, m);
        const auto ref = area_brute(src, n, m);
        for (std::size_t i = 0; i < m * m; ++i) {
            CAPTURE(n);
            CAPTURE(m);
            CHECK(dst[i] == doctest::Approx(ref[i]).epsilon(1e-5));
        }
    }
}

TEST_CASE("area_resize to the same size is the identity, bit for bit") {
    const auto src = test_image(28);
    std::vector<float> dst(28 * 28);
    okx::area_resize(src, 28, dst, 28);
    CHECK(dst == src);
    okx::bilinear_resize(src, 28, dst, 28);
    CHECK(dst == src);
}

TEST_CASE("bilinear_resize matches torch.nn.functional.interpolate(bilinear, align_corners=False)") {
    {
        const auto src = test_image(3);
        std::vector<float> dst(7 * 7);
        okx::bilinear_resize(src, 3, dst, 7);
        for (std::size_t i = 0; i < dst.size(); ++i) {
            CHECK(dst[i] == doctest::Approx(bilinear_3_7[i]).epsilon(1e-6));
        }
    }
    {
        const auto src = test_image(6);
        std::vector<float> dst(28 * 28);
        okx::bilinear_resize(src, 6, dst, 28);
        for (std::size_t i = 0; i < dst.size(); ++i) {
            CHECK(dst[i] == doctest::Approx(bilinear_6_28[i]).epsilon(1e-6));
        }
    }
}

TEST_CASE("resampling rejects empty sizes and mismatched buffers, leaving the output untouched") {
    CHECK_THROWS_AS((void)okx::area_taps(0, 3), offloadkit::invalid_argument);
    CHECK_THROWS_AS((void)okx::bilinear_taps(4, 0), offloadkit::invalid_argument);
    const auto src = test_image(5);
    std::vector<float> dst(8, -1.0f);
    CHECK_THROWS_WITH_AS(okx::area_resize(src, 5, dst, 3), doctest::Contains("resample_separable: dst has size 8"),
                         offloadkit::invalid_argument);
    CHECK(dst == std::vector<float>(8, -1.0f));
}
