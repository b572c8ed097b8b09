#include <offloadkit/kernels/complexity.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <offloadkit/detail/random.hpp>

namespace ok = offloadkit;

namespace {

// Frames exactly as tests/data/approx/make_complexity_golden.py draws them.
std::vector<std::uint8_t> make_frame(const std::string& content, std::uint64_t seed, std::size_t h, std::size_t w,
                                     std::size_t ch) {
    ok::detail::rng g(seed);
    std::vector<std::uint8_t> f(h * w * ch);
    if (content == "noise") {
        for (auto& b : f) {
            b = static_cast<std::uint8_t>(g() >> 56);
        }
        return f;
    }
    const std::size_t bh = (h + 7) / 8, bw = (w + 7) / 8;
    std::vector<std::uint8_t> blocks(bh * bw * ch);
    for (auto& b : blocks) {
        b = static_cast<std::uint8_t>(g() >> 56);
    }
    for (std::size_t y = 0; y < h; ++y) {
        for (std::size_t x = 0; x < w; ++x) {
            for (std::size_t c = 0; c < ch; ++c) {
                f[(y * w + x) * ch + c] = blocks[((y / 8) * bw + x / 8) * ch + c];
            }
        }
    }
    return f;
}

// Re-packs an RGB frame as another format, optionally with padded rows.
std::vector<std::uint8_t> repack(const std::vector<std::uint8_t>& rgb, std::size_t h, std::size_t w, ok::pixel_format f,
                                 std::size_t stride) {
    const std::size_t ch = ok::channels_of(f);
    std::vector<std::uint8_t> out(h * stride, 0xAB);
    for (std::size_t y = 0; y < h; ++y) {
        for (std::size_t x = 0; x < w; ++x) {
            const std::uint8_t* p = &rgb[(y * w + x) * 3];
            std::uint8_t* q = &out[y * stride + x * ch];
            const bool bgr = f == ok::pixel_format::bgr || f == ok::pixel_format::bgra;
            q[0] = bgr ? p[2] : p[0];
            q[1] = p[1];
            q[2] = bgr ? p[0] : p[2];
            if (ch == 4) {
                q[3] = 0x5A;
            }
        }
    }
    return out;
}

double reference(const ok::image_view& v, std::vector<double>* edges = nullptr) {
    return ok::detail::mean_edge_value_reference(ok::detail::check_image(v, "test"), edges);
}

}  // namespace

TEST_CASE("mean edge value matches torch conv2d / scipy golden values (Scharr, reflect-101)") {
    std::ifstream in(std::string(OFFLOADKIT_TEST_DATA_DIR) + "/approx/complexity_golden.txt");
    REQUIRE(in.good());
    std::string line;
    std::size_t frames = 0;
    ok::complexity_estimator ice;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        std::istringstream ss(line);
        std::string name, content;
        std::uint64_t seed = 0;
        std::size_t h = 0, w = 0, n = 0;
        double mean = 0.0;
        ss >> name >> content >> seed >> h >> w >> mean >> n;
        CAPTURE(name);
        const bool gray = name.rfind("gray", 0) == 0;
        const auto frame = make_frame(content, seed, h, w, gray ? 1 : 3);
        const ok::image_view view{frame, h, w, gray ? ok::pixel_format::gray : ok::pixel_format::rgb};
        std::vector<double> ref_edges;
        CHECK(std::fabs(reference(view, &ref_edges) - mean) <= 1e-12);
        CHECK(std::fabs(ok::mean_edge_value(view) - mean) <= 2e-6);
        CHECK(std::fabs(ice.mean_edge_value(view) - mean) <= 2e-6);
        std::vector<float> map(h * w);
        ok::edge_map(view, map);
        for (std::size_t k = 0; k < n; ++k) {
            std::size_t y = 0, x = 0;
            double e = 0.0;
            ss >> y >> x >> e;
            REQUIRE(ss);
            CHECK(std::fabs(ref_edges[y * w + x] - e) <= 1e-12);
            CHECK(std::fabs(map[y * w + x] - e) <= 4e-6);
        }
        ++frames;
    }
    CHECK(frames == 28);
}

TEST_CASE("mean edge value: every pixel format and padded rows give the RGB result exactly") {
    const std::size_t h = 13, w = 21;
    const auto rgb = make_frame("noise", 7, h, w, 3);
    const double base = ok::mean_edge_value(ok::image_view{rgb, h, w});
    std::vector<float> base_map(h * w), map(h * w);
    ok::edge_map(ok::image_view{rgb, h, w}, base_map);
    for (const auto f : {ok::pixel_format::rgb, ok::pixel_format::bgr, ok::pixel_format::rgba, ok::pixel_format::bgra}) {
        for (const std::size_t pad : {0u, 5u}) {
            const std::size_t stride = w * ok::channels_of(f) + pad;
            const auto px = repack(rgb, h, w, f, stride);
            const ok::image_view v{px, h, w, f, stride};
            CHECK(ok::mean_edge_value(v) == base);
            ok::edge_map(v, map);
            CHECK(map == base_map);
        }
    }
}

TEST_CASE("mean edge value fast path equals the double reference on odd sizes and unaligned frames") {
    ok::detail::rng g(31);
    ok::complexity_estimator ice;
    for (int trial = 0; trial < 60; ++trial) {
        const std::size_t h = 1 + g.below(40), w = 1 + g.below(70);
        std::vector<std::uint8_t> storage(h * w * 3 + 1);
        for (auto& b : storage) {
            b = static_cast<std::uint8_t>(trial % 3 == 0 ? (g() >> 56) : (g() >> 62) * 85);
        }
        const ok::image_view v{std::span<const std::uint8_t>(storage.data() + 1, h * w * 3), h, w};  // odd address
        CAPTURE(h);
        CAPTURE(w);
        const double ref = reference(v);
        CHECK(std::fabs(ice.mean_edge_value(v) - ref) <= 2e-6);
        std::vector<double> ref_edges;
        (void)reference(v, &ref_edges);
        std::vector<float> map(h * w);
        ok::edge_map(v, map);
        for (std::size_t i = 0; i < map.size(); ++i) {
            REQUIRE(std::fabs(map[i] - ref_edges[i]) <= 4e-6);
        }
    }
}

TEST_CASE("mean edge value worked by hand: flat frames, a vertical and a horizontal step") {
    const std::size_t h = 10, w = 12;
    std::vector<std::uint8_t> gray(h * w, 77);
    CHECK(ok::mean_edge_value(ok::image_view{gray, h, w, ok::pixel_format::gray}) == 0.0);
    // Vertical step 0 -> 255 between columns k-1 and k (k away from the borders): gx = 16 at
    // columns k-1 and k, gy = 0, so edge = 16 / (16 sqrt 2) there: mean = 2 h / sqrt 2 / (h w).
    for (std::size_t k = 2; k + 2 <= w; ++k) {
        for (std::size_t y = 0; y < h; ++y) {
            for (std::size_t x = 0; x < w; ++x) {
                gray[y * w + x] = x < k ? 0 : 255;
            }
        }
        CHECK(ok::mean_edge_value(ok::image_view{gray, h, w, ok::pixel_format::gray}) ==
              doctest::Approx(std::sqrt(2.0) / static_cast<double>(w)).epsilon(1e-6));
    }
    // Horizontal step in an RGB frame of pure red (gray = 0.299 on the bright side).
    std::vector<std::uint8_t> rgb(h * w * 3, 0);
    for (std::size_t y = 5; y < h; ++y) {
        for (std::size_t x = 0; x < w; ++x) {
            rgb[(y * w + x) * 3] = 255;
        }
    }
    CHECK(ok::mean_edge_value(ok::image_view{rgb, h, w}) ==
          doctest::Approx(0.299 * std::sqrt(2.0) / static_cast<double>(h)).epsilon(1e-6));
}

TEST_CASE("image_view and mean edge value reject bad frames") {
    std::vector<std::uint8_t> px(4 * 5 * 3);
    std::vector<float> map(20);
    CHECK_THROWS_WITH_AS((void)ok::mean_edge_value(ok::image_view{px, 0, 5}),
                         "mean_edge_value: frame.height is 0, expected >= 1", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::mean_edge_value(ok::image_view{px, 4, 0}),
                         "mean_edge_value: frame.width is 0, expected >= 1", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::mean_edge_value(ok::image_view{px, 5, 5}),
                         "mean_edge_value: frame.pixels has size 60, expected at least 75 (5 rows of 5 pixels, "
                         "stride 15)",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::mean_edge_value(ok::image_view{px, 4, 5, ok::pixel_format::rgb, 14}),
                         "mean_edge_value: frame.row_stride is 14, less than width * channels = 15",
                         ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::mean_edge_value(ok::image_view{px, 4, 5, static_cast<ok::pixel_format>(9)}),
                    ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::mean_edge_value(ok::image_view{px, std::size_t(-1), 5}), ok::invalid_argument);
    std::vector<float> small(19, 1.5f);
    CHECK_THROWS_AS(ok::edge_map(ok::image_view{px, 4, 5}, small), ok::invalid_argument);
    CHECK(std::all_of(small.begin(), small.end(), [](float v) { return v == 1.5f; }));
    ok::complexity_estimator ice;
    CHECK_THROWS_AS((void)ice.category(ok::image_view{px, 4, 6}), ok::invalid_argument);
}

TEST_CASE("complexity_categories: category = number of boundaries <= e") {
    const ok::complexity_categories cats({0.1, 0.2, 0.45});
    CHECK(cats.count() == 4);
    ok::detail::rng g(3);
    for (int i = 0; i < 1000; ++i) {
        const double e = g.uniform(-0.2, 0.8);
        std::size_t expect = 0;
        for (const double b : cats.boundaries()) {
            expect += b <= e ? 1 : 0;
        }
        REQUIRE(cats.category(e) == expect);
    }
    CHECK(cats.category(0.1) == 1);
    CHECK(cats.category(0.0999) == 0);
    CHECK(ok::complexity_categories{}.category(0.7) == 0);
    CHECK_THROWS_WITH_AS((void)cats.category(NAN), "complexity_categories::category: edge_value is NaN",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS(ok::complexity_categories({0.2, 0.2}),
                         "complexity_categories: boundaries[1] is 0.2, expected > boundaries[0] = 0.2",
                         ok::invalid_argument);
    CHECK_THROWS_AS(ok::complexity_categories({0.1, INFINITY}), ok::invalid_argument);
    // The estimator's category is the categories' category of its mean edge value.
    const auto rgb = make_frame("noise", 11, 16, 16, 3);
    ok::complexity_estimator ice(cats, 16);
    const double e = ice.mean_edge_value(ok::image_view{rgb, 16, 16});
    CHECK(ice.category(ok::image_view{rgb, 16, 16}) == cats.category(e));
}

namespace {
// Synthetic profiling data with known categories on [0, 1): per category, each branch is
// correct with a fixed probability; branch latencies 1..4.
struct synthetic_profile {
    std::vector<double> edge;
    std::vector<std::uint8_t> correct;
    std::vector<double> latency{1.0, 2.0, 3.0, 4.0};
};

synthetic_profile make_synthetic(const std::vector<double>& bounds, const std::vector<std::vector<double>>& acc, std::size_t n,
                         std::uint64_t seed, double lo = 0.0, double hi = 1.0, bool pin_ends = false) {
    synthetic_profile s;
    ok::detail::rng g(seed);
    for (std::size_t i = 0; i < n; ++i) {
        const double u = g.uniform();
        const double e = pin_ends && i == 0 ? lo : pin_ends && i == 1 ? hi : lo + (hi - lo) * u;
        std::size_t k = 0;
        while (k < bounds.size() && bounds[k] <= e) {
            ++k;
        }
        s.edge.push_back(e);
        for (const double p : acc[k]) {
            s.correct.push_back(g.bernoulli(p) ? 1 : 0);
        }
    }
    return s;
}
}  // namespace

TEST_CASE("learn_complexity_categories recovers known boundaries (ApproxNet §4.4)") {
    const std::vector<double> bounds{0.25, 0.5, 0.75};
    // Accuracies 0.1 apart (6 standard errors at 1000 samples), so sampling noise cannot
    // reorder branches and every sub-range of a category has the category's frontier.
    const std::vector<std::vector<double>> acc{
        {0.95, 0.85, 0.75, 0.65},  // frontier {0}
        {0.60, 0.90, 0.80, 0.70},  // {0, 1}
        {0.40, 0.60, 0.90, 0.80},  // {0, 1, 2}
        {0.20, 0.40, 0.60, 0.90},  // {0, 1, 2, 3}
    };  // unions: [0, .5) -> {0, 1}, [.5, 1) -> {0, 1, 2, 3}: the root split is taken
    for (const std::uint64_t seed : {18u, 19u, 20u}) {  // other draws of the same population
        const auto t = make_synthetic(bounds, acc, 8000, seed);
        CHECK(ok::learn_complexity_categories(t.edge, t.correct, t.latency, {.lower = 0.0, .upper = 1.0, .max_depth = 5}).categories ==
              ok::complexity_categories(bounds));
    }
    const auto s = make_synthetic(bounds, acc, 8000, 17);
    const auto learned = ok::learn_complexity_categories(s.edge, s.correct, s.latency, {.lower = 0.0, .upper = 1.0, .max_depth = 5});
    CHECK(learned.categories == ok::complexity_categories(bounds));
    REQUIRE(learned.accuracy.size() == 16);
    std::size_t total = 0;
    for (std::size_t k = 0; k < 4; ++k) {
        total += learned.samples[k];
        CHECK(learned.samples[k] > 1700);
        for (std::size_t b = 0; b < 4; ++b) {
            CHECK(learned.accuracy[k * 4 + b] == doctest::Approx(acc[k][b]).epsilon(0.06));
        }
    }
    CHECK(total == 8000);
    // The depth limit caps the number of categories: depth 1 -> one split at 0.5.
    const auto shallow = ok::learn_complexity_categories(s.edge, s.correct, s.latency, {.lower = 0.0, .upper = 1.0, .max_depth = 1});
    CHECK(shallow.categories == ok::complexity_categories({0.5}));
    // min_samples larger than any half: no split.
    const auto none = ok::learn_complexity_categories(s.edge, s.correct, s.latency, {.min_samples = 5000});
    CHECK(none.categories.count() == 1);
}

TEST_CASE("learn_complexity_categories learns its range from the data: realistic edge values in [0.02, 0.09]") {
    // Mean edge values of real photos lie in about [0.02, 0.09]. The same four-category population
    // as above, squeezed into that band (the first two samples sit at its ends, so the learned
    // range is exactly [0.02, 0.09] and the boundaries are its halves and quarters).
    const double lo = 0.02, hi = 0.09;
    const double mid = lo + (hi - lo) / 2.0;
    const std::vector<double> bounds{lo + (mid - lo) / 2.0, mid, mid + (hi - mid) / 2.0};
    const std::vector<std::vector<double>> acc{
        {0.95, 0.85, 0.75, 0.65}, {0.60, 0.90, 0.80, 0.70}, {0.40, 0.60, 0.90, 0.80}, {0.20, 0.40, 0.60, 0.90}};
    const auto s = make_synthetic(bounds, acc, 8000, 17, lo, hi, true);
    for (const std::size_t depth : {3u, 5u, 12u}) {
        CAPTURE(depth);
        const auto learned = ok::learn_complexity_categories(s.edge, s.correct, s.latency, {.max_depth = depth});
        CHECK(learned.categories == ok::complexity_categories(bounds));
    }
    // The old fixed range [0, 1] puts every sample below its first split at 0.5: one category,
    // even at depth 12. That is the defect the data range fixes.
    CHECK(ok::learn_complexity_categories(s.edge, s.correct, s.latency, {.lower = 0.0, .upper = 1.0, .max_depth = 12})
              .categories.count() == 1);
    // One bound given: the other comes from the data (upper = 0.09 here).
    CHECK(ok::learn_complexity_categories(s.edge, s.correct, s.latency, {.lower = 0.02}).categories ==
          ok::complexity_categories(bounds));
    // All edge values equal: one category, no error.
    const std::vector<double> flat(s.edge.size(), 0.05);
    CHECK(ok::learn_complexity_categories(flat, s.correct, s.latency).categories.count() == 1);
    // A lower bound above every edge value is an error naming it.
    CHECK_THROWS_WITH_AS((void)ok::learn_complexity_categories(s.edge, s.correct, s.latency, {.lower = 0.5}),
                         "learn_complexity_categories: options.lower is 0.5, above the largest edge value 0.09, "
                         "expected a range that holds the data",
                         ok::invalid_argument);
}

TEST_CASE("learn_complexity_categories stops where the halves' frontiers agree, worked by hand") {
    // Two branches: fast (latency 1) and slow (latency 2). Samples below 0.5 are solved by both
    // (frontier {fast}); above 0.5 only the slow one is right (frontier {fast, slow}).
    const std::vector<double> edge{0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9};
    const std::vector<std::uint8_t> correct{1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1};
    const std::vector<double> latency{1.0, 2.0};
    const auto learned = ok::learn_complexity_categories(edge, correct, latency, {.lower = 0.0, .upper = 1.0, .max_depth = 4});
    // Root halves differ -> boundary 0.5; within each half the quarters agree -> stop.
    CHECK(learned.categories == ok::complexity_categories({0.5}));
    CHECK(learned.accuracy == std::vector<double>{1.0, 1.0, 0.0, 1.0});
    // Identical behaviour everywhere: one category.
    const std::vector<std::uint8_t> same(16, 1);
    CHECK(ok::learn_complexity_categories(edge, same, latency).categories.count() == 1);
    // Edge values outside [lower, upper] are clamped into the end categories.
    const std::vector<double> outside{-3.0, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 7.0};
    const auto clamped = ok::learn_complexity_categories(outside, correct, latency, {.lower = 0.0, .upper = 1.0, .max_depth = 4});
    CHECK(clamped.categories == ok::complexity_categories({0.5}));
    CHECK(clamped.samples == std::vector<std::size_t>{4, 4});
}

TEST_CASE("learn_complexity_categories rejects bad input") {
    const std::vector<double> edge{0.1, 0.2};
    const std::vector<std::uint8_t> correct{1, 0, 0, 1};
    const std::vector<double> latency{1.0, 2.0};
    CHECK_THROWS_AS((void)ok::learn_complexity_categories(std::vector<double>{}, correct, latency), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::learn_complexity_categories(edge, correct, std::vector<double>{}), ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::learn_complexity_categories(edge, std::vector<std::uint8_t>{1, 0, 1}, latency),
                         "learn_complexity_categories: correct has size 3, expected 2 x 2 (edge_values x latencies)",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::learn_complexity_categories(std::vector<double>{0.1, NAN}, correct, latency),
                         "learn_complexity_categories: edge_values[1] is NaN", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::learn_complexity_categories(edge, std::vector<std::uint8_t>{1, 0, 2, 1}, latency),
                         "learn_complexity_categories: correct[2] is 2, expected 0 or 1", ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::learn_complexity_categories(edge, correct, std::vector<double>{1.0, -2.0}),
                    ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::learn_complexity_categories(edge, correct, latency, {.lower = 1.0, .upper = 0.0}),
                    ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::learn_complexity_categories(edge, correct, latency, {.min_samples = 0}),
                    ok::invalid_argument);
}

TEST_CASE("complexity_estimator::edge_map equals the free edge_map and reuses its row buffer") {
    ok::complexity_estimator ice(ok::complexity_categories({0.05}));
    // Widths that grow and shrink, so the member form runs on a buffer sized for another frame.
    for (const auto& hw : {std::pair<std::size_t, std::size_t>{9, 5}, {7, 33}, {1, 1}, {12, 17}, {3, 64}}) {
        const std::size_t h = hw.first;  // not a structured binding: CAPTURE's lambda takes it (clang 14)
        const std::size_t w = hw.second;
        CAPTURE(w);
        const auto rgb = make_frame("noise", 11 + w, h, w, 3);
        const ok::image_view v{rgb, h, w};
        std::vector<float> expected(h * w), got(h * w, -1.0F);
        ok::edge_map(v, expected);
        const double mean = ice.edge_map(v, got);
        CHECK(got == expected);
        CHECK(mean == ok::mean_edge_value(v));
    }
    const auto rgb = make_frame("noise", 3, 4, 5, 3);
    std::vector<float> wrong(19, 7.0F);
    CHECK_THROWS_WITH_AS((void)ice.edge_map(ok::image_view{rgb, 4, 5}, wrong),
                         "complexity_estimator::edge_map: out has size 19, expected 20 (the size of frame.height * "
                         "frame.width)",
                         ok::invalid_argument);
    CHECK(std::all_of(wrong.begin(), wrong.end(), [](float x) { return x == 7.0F; }));
}
