#include <offloadkit/kernels/scene_change.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include <offloadkit/detail/random.hpp>

namespace ok = offloadkit;

namespace {

std::vector<std::uint8_t> random_frame(ok::detail::rng& g, std::size_t bytes, int shift) {
    std::vector<std::uint8_t> f(bytes);
    for (auto& b : f) {
        b = static_cast<std::uint8_t>(g() >> (56 + shift));
    }
    return f;
}

std::vector<std::uint8_t> flat_rgb(std::size_t h, std::size_t w, std::uint8_t r) {
    std::vector<std::uint8_t> f(h * w * 3, 17);
    for (std::size_t i = 0; i < h * w; ++i) {
        f[3 * i] = r;
    }
    return f;
}

double reference_score(const ok::image_view& a, const ok::image_view& b, const ok::scene_change_options& o) {
    std::array<std::uint32_t, 256> ha{}, hb{};
    ok::detail::scene_histogram_reference(ok::detail::check_image(a, "t"), o.size, o.bins, ha.data());
    ok::detail::scene_histogram_reference(ok::detail::check_image(b, "t"), o.size, o.bins, hb.data());
    double sum = 0.0;
    for (std::size_t k = 0; k < o.bins; ++k) {
        sum += std::abs(static_cast<double>(ha[k]) - static_cast<double>(hb[k]));
    }
    return sum / static_cast<double>(o.size * o.size);
}

}  // namespace

TEST_CASE("scene change score equals the reference histogram formula (formats, strides, sizes, bins)") {
    ok::detail::rng g(8);
    for (int trial = 0; trial < 120; ++trial) {
        const auto format = static_cast<ok::pixel_format>(g.below(5));
        const std::size_t ch = ok::channels_of(format);
        const std::size_t h = 1 + g.below(300), w = 1 + g.below(300);
        const std::size_t stride = w * ch + g.below(3);
        ok::scene_change_options o;
        o.size = 1 + g.below(130);
        o.bins = 1 + g.below(256);
        // Few distinct values (shift 5: 8 levels) half the time: long runs of equal values.
        const int shift = trial % 2 == 0 ? 0 : 5;
        const auto fa = random_frame(g, h * stride + 1, shift);
        const auto fb = random_frame(g, h * stride + 1, shift);
        const ok::image_view a{std::span<const std::uint8_t>(fa.data() + 1, h * stride), h, w, format, stride};
        const ok::image_view b{std::span<const std::uint8_t>(fb.data() + 1, h * stride), h, w, format, stride};
        ok::scene_change_detector scd(o);
        CHECK(scd.score(a) == 0.0);  // nothing to compare with yet
        CHECK(scd.step(a).changed);
        CHECK(scd.score(b) == reference_score(a, b, o));
        CHECK(scd.score(a) == 0.0);
    }
}

TEST_CASE("scene change worked by hand: flat frames, half a frame, the strict threshold") {
    const std::size_t h = 224, w = 224;
    const auto dark = flat_rgb(h, w, 10);
    const auto bright = flat_rgb(h, w, 200);
    auto half = dark;
    for (std::size_t i = 0; i < h * w / 2; ++i) {  // top half bright
        half[3 * i] = 200;
    }
    ok::scene_change_detector scd({.interval = 1});
    const auto first = scd.step(ok::image_view{dark, h, w});
    CHECK((first.checked && first.changed && first.score == 0.0));
    const auto same = scd.step(ok::image_view{dark, h, w});
    CHECK((same.checked && !same.changed && same.score == 0.0));
    // All 112x112 samples move from bin 10 to bin 200: score 2.
    const auto cut = scd.step(ok::image_view{bright, h, w});
    CHECK((cut.changed && cut.score == 2.0));
    // Half the sampled rows (rows 2i < 112 <=> i < 56) change: score 1.
    CHECK(scd.step(ok::image_view{half, h, w}).score == 1.0);
    // Threshold exactly at the score: not a change (strictly greater is required).
    ok::scene_change_detector at({.interval = 1, .threshold = 1.0});
    (void)at.step(ok::image_view{dark, h, w});
    const auto r = at.step(ok::image_view{half, h, w});
    CHECK((r.score == 1.0 && !r.changed));
    // Only R matters (G and B of `dark` differ from a frame with other G/B but the same R).
    auto other_gb = dark;
    for (std::size_t i = 0; i < h * w; ++i) {
        other_gb[3 * i + 1] = 250;
        other_gb[3 * i + 2] = 3;
    }
    CHECK(at.step(ok::image_view{other_gb, h, w}).score == 1.0);  // vs `half`, the last check
    CHECK(at.score(ok::image_view{dark, h, w}) == 0.0);
    // BGR: R is the third byte.
    ok::scene_change_detector bgr({.interval = 1});
    (void)bgr.step(ok::image_view{dark, h, w, ok::pixel_format::bgr});  // "R" = 17 everywhere
    CHECK(bgr.step(ok::image_view{other_gb, h, w, ok::pixel_format::bgr}).score == 2.0);  // "R" = 3
}

TEST_CASE("scene change checks every interval-th frame, against the previous check; reset restarts") {
    const std::size_t h = 20, w = 30;
    const auto a = flat_rgb(h, w, 0);
    const auto b = flat_rgb(h, w, 255);
    ok::scene_change_detector scd({.interval = 3, .size = 16});
    std::vector<int> checked, changed;
    // Frames: a a a | b a a | b b b | a
    const std::vector<const std::vector<std::uint8_t>*> seq{&a, &a, &a, &b, &a, &a, &b, &b, &b, &a};
    for (const auto* f : seq) {
        const auto r = scd.step(ok::image_view{*f, h, w});
        checked.push_back(r.checked);
        changed.push_back(r.changed);
    }
    CHECK(checked == std::vector<int>{1, 0, 0, 1, 0, 0, 1, 0, 0, 1});
    // Frame 0: first; frame 3 (b vs a): change; frame 6 (b vs b): none, although frames 4 and 5
    // were a; frame 9 (a vs b): change.
    CHECK(changed == std::vector<int>{1, 0, 0, 1, 0, 0, 0, 0, 0, 1});
    CHECK(scd.frames() == 10);
    scd.reset();
    CHECK(scd.frames() == 0);
    CHECK(scd.step(ok::image_view{a, h, w}).changed);
}

TEST_CASE("scene change rejects bad options and frames; a bad frame leaves the state alone") {
    CHECK_THROWS_WITH_AS(ok::scene_change_detector({.interval = 0}),
                         "scene_change_detector: options.interval is 0, expected >= 1", ok::invalid_argument);
    CHECK_THROWS_AS(ok::scene_change_detector({.size = 0}), ok::invalid_argument);
    CHECK_THROWS_AS(ok::scene_change_detector({.size = 70000}), ok::invalid_argument);
    CHECK_THROWS_AS(ok::scene_change_detector({.bins = 0}), ok::invalid_argument);
    CHECK_THROWS_AS(ok::scene_change_detector({.bins = 257}), ok::invalid_argument);
    CHECK_THROWS_WITH_AS(ok::scene_change_detector({.threshold = NAN}),
                         "scene_change_detector: options.threshold is NaN, expected a finite number >= 0",
                         ok::invalid_argument);
    CHECK_THROWS_AS(ok::scene_change_detector({.threshold = -0.1}), ok::invalid_argument);
    ok::scene_change_detector scd({.interval = 2});
    const auto a = flat_rgb(4, 4, 9);
    (void)scd.step(ok::image_view{a, 4, 4});
    CHECK_THROWS_WITH_AS(scd.step(ok::image_view{a, 4, 5}),
                         "scene_change_detector::step: frame.pixels has size 48, expected at least 60 (4 rows of 5 "
                         "pixels, stride 15)",
                         ok::invalid_argument);
    CHECK(scd.frames() == 1);
    CHECK_THROWS_AS(scd.step(ok::image_view{a, 0, 4}), ok::invalid_argument);
    CHECK_THROWS_AS((void)scd.score(ok::image_view{a, 4, 0}), ok::invalid_argument);
    CHECK_FALSE(scd.step(ok::image_view{a, 4, 4}).checked);
}
