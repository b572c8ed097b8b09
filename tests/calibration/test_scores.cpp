#include <offloadkit/calibration/scores.hpp>

#include <doctest/doctest.h>

#include <offloadkit/detail/random.hpp>

#include <array>
#include <cmath>
#include <limits>
#include <span>
#include <vector>

namespace ok = offloadkit;

TEST_CASE_TEMPLATE("softmax, top-1, margin and entropy on hand-worked logits", T, float, double) {
    // exp(logits) = 1, 2, 3: softmax = 1/6, 2/6, 3/6.
    const std::vector<T> logits{T(0), static_cast<T>(std::log(2.0)), static_cast<T>(std::log(3.0))};
    std::vector<T> probs(3);
    ok::softmax(logits, probs);
    const double tol = std::is_same_v<T, float> ? 1e-6 : 1e-15;
    CHECK(probs[0] == doctest::Approx(1.0 / 6).epsilon(tol));
    CHECK(probs[1] == doctest::Approx(2.0 / 6).epsilon(tol));
    CHECK(probs[2] == doctest::Approx(3.0 / 6).epsilon(tol));
    const ok::top1 t = ok::top1_confidence(logits);
    CHECK(t.index == 2);
    CHECK(t.confidence == doctest::Approx(0.5).epsilon(tol));
    CHECK(ok::margin_confidence(logits) == doctest::Approx(1.0 / 6).epsilon(tol));
    const double h = -(1.0 / 6 * std::log(1.0 / 6) + 2.0 / 6 * std::log(2.0 / 6) + 0.5 * std::log(0.5));
    CHECK(ok::entropy(logits) == doctest::Approx(h).epsilon(tol));
    // Mixed output type goes through the scalar kernel.
    std::vector<double> pd(3);
    ok::softmax(logits, pd);
    CHECK(pd[2] == doctest::Approx(0.5).epsilon(tol));
}

TEST_CASE("softmax and friends are stable for huge logits, ties and single classes") {
    const std::array<double, 2> same{1000.0, 1000.0};
    std::array<double, 2> p{};
    ok::softmax(same, p);
    CHECK(p[0] == 0.5);
    CHECK(p[1] == 0.5);
    CHECK(ok::top1_confidence(same).index == 0);  // first on ties, as numpy.argmax
    CHECK(ok::margin_confidence(same) == 0.0);
    CHECK(ok::entropy(same) == doctest::Approx(std::log(2.0)));
    const double big = std::numeric_limits<double>::max();
    const std::array<double, 3> extreme{-big, big, 0.0};
    std::vector<double> pe(3);
    ok::softmax(extreme, pe);
    CHECK(pe == std::vector<double>{0.0, 1.0, 0.0});
    CHECK(ok::top1_confidence(extreme).confidence == 1.0);
    CHECK(ok::margin_confidence(extreme) == 1.0);
    CHECK(ok::entropy(extreme) == 0.0);
    const std::array<float, 1> one{-7.0F};
    CHECK(ok::top1_confidence(one).confidence == 1.0);
    CHECK(ok::margin_confidence(one) == 1.0);
    std::vector<float> uniform(37, 2.5F);
    CHECK(ok::entropy(uniform) == doctest::Approx(std::log(37.0)).epsilon(1e-6));
    CHECK(ok::top1_confidence(uniform).confidence == doctest::Approx(1.0 / 37).epsilon(1e-6));
}

TEST_CASE_TEMPLATE("SIMD kernels equal the scalar references on odd sizes and unaligned data", T, float, double) {
    ok::detail::rng g(99);
    const double tol = std::is_same_v<T, float> ? 4e-6 : 1e-14;
    for (std::size_t k = 1; k <= 67; k += 3) {
        for (std::size_t offset = 0; offset < 3; ++offset) {
            std::vector<T> buf(k + offset);
            for (auto& v : buf) {
                v = static_cast<T>(g.normal(0.0, 4.0));
            }
            const std::span<const T> x(buf.data() + offset, k);  // deliberately unaligned
            std::vector<T> a(k + 1);
            std::vector<T> b(k);
            ok::detail::scores::softmax_simd<T>(x, std::span<T>(a.data() + 1, k));
            ok::detail::scores::softmax_scalar<T>(x, b);
            for (std::size_t i = 0; i < k; ++i) {
                CHECK(a[i + 1] == doctest::Approx(b[i]).epsilon(tol));
            }
            CHECK(ok::detail::scores::max_simd<T>(x) == ok::detail::scores::max_scalar<T>(x));
            const T m = ok::detail::scores::max_scalar<T>(x);
            CHECK(ok::detail::scores::sum_exp_simd<T>(x, m) ==
                  doctest::Approx(ok::detail::scores::sum_exp_scalar<T>(x, m)).epsilon(tol));
            // In place.
            std::vector<T> inplace(x.begin(), x.end());
            ok::softmax(inplace, inplace);
            for (std::size_t i = 0; i < k; ++i) {
                CHECK(inplace[i] == doctest::Approx(b[i]).epsilon(tol));
            }
        }
    }
}

TEST_CASE_TEMPLATE("SIMD softmax and top-1 over logits whose differences overflow (fuzz regression)", T, float, double) {
    // x - max(x) = -inf (or beyond xsimd's exp reduction range) in full SIMD batches: xsimd's exp
    // converted round((x - m) / ln 2) to an integer batch, undefined behaviour (clang UBSan:
    // "-inf is outside the range of representable values"). Found by tests/fuzz/fuzz_calibrator_fit.
    const T big = std::numeric_limits<T>::max();
    for (std::size_t k = 2; k <= 17; ++k) {
        std::vector<T> x(k, -big);
        x[k / 2] = big;
        if (k > 3) {
            x[1] = T(-1e30);  // finite difference far beyond +-1000: saturates to 0 as well
        }
        std::vector<T> p(k, T(-1));
        ok::softmax(x, p);
        for (std::size_t i = 0; i < k; ++i) {
            CHECK(p[i] == (i == k / 2 ? T(1) : T(0)));
        }
        const ok::top1 t = ok::top1_confidence(x);
        CHECK(t.index == k / 2);
        CHECK(t.confidence == 1.0);
        CHECK(ok::margin_confidence(x) == 1.0);
        CHECK(ok::entropy(x) == 0.0);
    }
}

TEST_CASE("scores reject empty logits, NaN/inf and size mismatches without writing") {
    const std::vector<double> empty;
    std::vector<double> none;
    CHECK_THROWS_WITH_AS(ok::softmax(empty, none), "softmax: logits is empty", ok::invalid_argument);
    const std::vector<float> bad{0.0F, std::numeric_limits<float>::quiet_NaN()};
    std::vector<float> out{5.0F, 5.0F};
    CHECK_THROWS_WITH_AS(ok::softmax(bad, out), "softmax: logits[1] is NaN", ok::invalid_argument);
    CHECK(out == std::vector<float>{5.0F, 5.0F});
    std::vector<float> small(1);
    CHECK_THROWS_WITH_AS(ok::softmax(std::vector<float>{1.0F, 2.0F}, small),
                         "softmax: probs has size 1, expected 2 (the size of logits)", ok::invalid_argument);
    const std::vector<double> inf{1.0, std::numeric_limits<double>::infinity()};
    CHECK_THROWS_WITH_AS((void)ok::top1_confidence(inf), "top1_confidence: logits[1] is inf", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::margin_confidence(empty), "margin_confidence: logits is empty", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::entropy(bad), "entropy: logits[1] is NaN", ok::invalid_argument);
}
