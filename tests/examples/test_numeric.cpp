// examples/common/numeric.hpp: binary16 rounding against numpy, exp_portable against libm.
#include "../../examples/common/numeric.hpp"

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

#include <offloadkit/detail/random.hpp>

namespace okx = offloadkit::examples;

namespace {
#include "../data/fashion_trace/fp16_golden.inc"
}  // namespace

TEST_CASE("float_to_half_bits matches numpy's float32 -> float16 (ties to even, subnormals, overflow)") {
    for (const auto& golden : fp16_golden) {
        const std::uint32_t f32 = golden.first;  // (no structured binding: clang 14 cannot capture it)
        const float x = std::bit_cast<float>(f32);
        CAPTURE(f32);
        CHECK(okx::float_to_half_bits(x) == golden.second);
    }
}

TEST_CASE("half_bits_to_float is exact: every finite half survives float and back") {
    for (std::uint32_t h = 0; h < 0x10000U; ++h) {
        const auto bits = static_cast<std::uint16_t>(h);
        const float f = okx::half_bits_to_float(bits);
        if ((bits & 0x7C00U) == 0x7C00U && (bits & 0x3FFU) != 0) {
            CHECK(std::isnan(f));
            continue;
        }
        REQUIRE(okx::float_to_half_bits(f) == bits);
    }
    // A few values worked by hand: 1 = 0x3C00, 2^-24 = 0x0001 (smallest subnormal), 65504 = 0x7BFF.
    CHECK(okx::half_bits_to_float(0x3C00U) == 1.0f);
    CHECK(okx::half_bits_to_float(0x0001U) == 0x1.0p-24f);
    CHECK(okx::half_bits_to_float(0x7BFFU) == 65504.0f);
    CHECK(okx::half_bits_to_float(0xC000U) == -2.0f);
}

TEST_CASE("round_to_half is the nearest half: brute force over the neighbours") {
    offloadkit::detail::rng g(5);
    for (int i = 0; i < 20000; ++i) {
        const float x = static_cast<float>(g.uniform(-70000.0, 70000.0) * std::ldexp(1.0, -static_cast<int>(g.below(30))));
        const float r = okx::round_to_half(x);
        if (std::isinf(r)) {
            CHECK(std::fabs(x) >= 65520.0f);
            continue;
        }
        const auto hb = okx::float_to_half_bits(r);
        // the neighbouring halves (same sign direction) are no closer
        for (const int d : {-1, 1}) {
            const auto nb = static_cast<std::uint16_t>(static_cast<int>(hb) + d);
            if ((nb & 0x7C00U) == 0x7C00U) {
                continue;
            }
            const float other = okx::half_bits_to_float(nb);
            CHECK(std::fabs(static_cast<double>(x) - r) <= std::fabs(static_cast<double>(x) - other));
        }
    }
}

TEST_CASE("exp_portable agrees with libm's exp to float precision over the softmax range") {
    offloadkit::detail::rng g(9);
    for (int i = 0; i < 20000; ++i) {
        const auto x = static_cast<float>(g.uniform(-87.0, 88.0));
        const double ref = std::exp(static_cast<double>(x));
        const double got = okx::exp_portable(x);
        CHECK(std::fabs(got - ref) <= 2.0 * std::numeric_limits<float>::epsilon() * ref);
    }
    CHECK(okx::exp_portable(0.0f) == 1.0f);
    CHECK(okx::exp_portable(-200.0f) == 0.0f);
    CHECK(std::isinf(okx::exp_portable(100.0f)));
    CHECK(std::isnan(okx::exp_portable(std::numeric_limits<float>::quiet_NaN())));
}
