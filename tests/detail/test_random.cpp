#include <offloadkit/detail/random.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

using offloadkit::detail::rng;

TEST_CASE("rng matches an independent xoshiro256** + splitmix64 implementation") {
    // From tests/data/make_random_golden.py (Python big integers, written from the specification).
    struct golden {
        std::uint64_t seed;
        std::array<std::uint64_t, 6> out;
    };
    const golden cases[] = {
        {0x0ULL, {0x99EC5F36CB75F2B4ULL, 0xBF6E1F784956452AULL, 0x1A5F849D4933E6E0ULL, 0x6AA594F1262D2D2CULL,
                  0xBBA5AD4A1F842E59ULL, 0xFFEF8375D9EBCACAULL}},
        {0x1ULL, {0xB3F2AF6D0FC710C5ULL, 0x853B559647364CEAULL, 0x92F89756082A4514ULL, 0x642E1C7BC266A3A7ULL,
                  0xB27A48E29A233673ULL, 0x24C123126FFDA722ULL}},
        {0xff10adc17ULL, {0x75CD117859A0526BULL, 0xB646311E7FE8F844ULL, 0x914AE84FEA1BBE60ULL,
                          0x0B3443B5EC1DEA14ULL, 0xF4FCEC228B40A4D1ULL, 0xBAD8AAC1AA8887C3ULL}},
    };
    for (const auto& c : cases) {
        rng g(c.seed);
        for (const auto v : c.out) {
            CHECK(g() == v);
        }
    }
}

TEST_CASE("rng::below is in range and unbiased (chi-square over 7 cells)") {
    rng g(42);
    std::array<int, 7> counts{};
    const int n = 70000;
    for (int i = 0; i < n; ++i) {
        const auto v = g.below(7);
        REQUIRE(v < 7);
        ++counts[v];
    }
    double chi2 = 0.0;
    for (const int c : counts) {
        chi2 += (c - n / 7.0) * (c - n / 7.0) / (n / 7.0);
    }
    CHECK(chi2 < 22.46);  // p = 0.001 critical value for 6 degrees of freedom
    CHECK(g.below(0) == 0);
    CHECK(g.below(1) == 0);
    // Huge bounds exercise the full 128-bit product: the top half of [0, 2^64 - 1) is hit too.
    bool high = false;
    for (int i = 0; i < 64; ++i) {
        high = high || g.below(~0ULL) > (1ULL << 63);
    }
    CHECK(high);
}

TEST_CASE("rng::between, uniform and normal have the stated ranges and moments") {
    rng g(7);
    double sum = 0.0;
    double sum_sq = 0.0;
    const int n = 200000;
    for (int i = 0; i < n; ++i) {
        const auto k = g.between(-3, 3);
        REQUIRE(k >= -3);
        REQUIRE(k <= 3);
        const double u = g.uniform();
        REQUIRE(u >= 0.0);
        REQUIRE(u < 1.0);
        const double z = g.normal();
        sum += z;
        sum_sq += z * z;
    }
    CHECK(std::abs(sum / n) < 0.01);             // 4.5 standard errors
    CHECK(std::abs(sum_sq / n - 1.0) < 0.015);   // about 4.7 standard errors
}

TEST_CASE("rng copies fork identical streams") {
    rng a(99);
    a();
    rng b = a;
    CHECK(a == b);
    for (int i = 0; i < 10; ++i) {
        CHECK(a() == b());
    }
    CHECK(a.normal() == b.normal());
}
