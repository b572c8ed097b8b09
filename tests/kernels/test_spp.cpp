#include <offloadkit/kernels/spp.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <offloadkit/detail/random.hpp>

namespace ok = offloadkit;

namespace {

// Inputs exactly as tests/data/approx/make_spp_golden.py makes them (NCHW order).
template <class T>
std::vector<T> make_input(const std::string& data, std::uint64_t seed, std::size_t n) {
    ok::detail::rng g(seed);
    std::vector<T> v(n);
    for (auto& x : v) {
        if (data == "dyadic") {
            x = static_cast<T>(static_cast<double>(static_cast<std::int64_t>(g() >> 52) - 2048) / 64.0);
        } else {
            x = static_cast<T>(g.uniform() * 2.0 - 1.0);
        }
    }
    return v;
}

// NCHW -> NHWC.
template <class T>
std::vector<T> to_hwc(const std::vector<T>& in, std::size_t n, std::size_t c, std::size_t h, std::size_t w) {
    std::vector<T> out(in.size());
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t ch = 0; ch < c; ++ch) {
            for (std::size_t y = 0; y < h; ++y) {
                for (std::size_t x = 0; x < w; ++x) {
                    out[((i * h + y) * w + x) * c + ch] = in[((i * c + ch) * h + y) * w + x];
                }
            }
        }
    }
    return out;
}

struct golden_case {
    std::string name, rule, op, data;
    std::uint64_t seed = 0;
    std::size_t n = 0, c = 0, h = 0, w = 0;
    std::vector<std::size_t> levels;
    std::vector<float> expected;
};

std::vector<golden_case> read_golden() {
    const std::string dir = std::string(OFFLOADKIT_TEST_DATA_DIR) + "/approx/";
    std::ifstream blob_file(dir + "spp_golden.f32", std::ios::binary);
    REQUIRE(blob_file.good());
    std::vector<char> bytes((std::istreambuf_iterator<char>(blob_file)), std::istreambuf_iterator<char>());
    std::vector<float> blob(bytes.size() / 4);
    for (std::size_t i = 0; i < blob.size(); ++i) {
        std::uint32_t u = 0;
        for (int b = 3; b >= 0; --b) {  // little-endian on disk, any host
            u = (u << 8) | static_cast<unsigned char>(bytes[4 * i + static_cast<std::size_t>(b)]);
        }
        blob[i] = std::bit_cast<float>(u);
    }
    std::ifstream text(dir + "spp_golden.txt");
    REQUIRE(text.good());
    std::vector<golden_case> cases;
    std::string line;
    while (std::getline(text, line)) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        std::istringstream ss(line);
        golden_case g;
        std::size_t nlev = 0, offset = 0, count = 0;
        ss >> g.name >> g.rule >> g.op >> g.data >> g.seed >> g.n >> g.c >> g.h >> g.w >> nlev;
        g.levels.resize(nlev);
        for (auto& l : g.levels) {
            ss >> l;
        }
        ss >> offset >> count;
        REQUIRE(ss);
        REQUIRE(offset + count <= blob.size());
        g.expected.assign(blob.begin() + static_cast<std::ptrdiff_t>(offset),
                          blob.begin() + static_cast<std::ptrdiff_t>(offset + count));
        cases.push_back(std::move(g));
    }
    return cases;
}

bool same_value(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

template <class T>
void run(bool max, std::span<const T> in, std::size_t n, std::size_t c, std::size_t h, std::size_t w,
         std::span<const std::size_t> levels, std::span<T> out, ok::spp_rule rule, ok::tensor_layout layout) {
    if (n == 1) {
        if (max) {
            ok::spp_max_pool(in, c, h, w, levels, out, rule, layout);
        } else {
            ok::spp_avg_pool(in, c, h, w, levels, out, rule, layout);
        }
    } else if (max) {
        ok::spp_max_pool_batch(in, n, c, h, w, levels, out, rule, layout);
    } else {
        ok::spp_avg_pool_batch(in, n, c, h, w, levels, out, rule, layout);
    }
}

template <class T>
void reference(bool max, const std::vector<T>& in, std::size_t n, std::size_t c, std::size_t h, std::size_t w,
               std::span<const std::size_t> levels, std::vector<T>& out, ok::spp_rule rule,
               ok::tensor_layout layout) {
    const std::size_t per = ok::spp_output_size(c, levels);
    out.assign(n * per, T(-12345));
    for (std::size_t i = 0; i < n; ++i) {
        ok::detail::spp_pool_reference<T, std::size_t>(in.data() + i * c * h * w, c, h, w, levels,
                                                       out.data() + i * per, rule, layout,
                                                       max ? ok::detail::pool_op::max : ok::detail::pool_op::average);
    }
}

}  // namespace

TEST_CASE("spp_output_size: C * sum(l*l) (API.md) and its errors") {
    CHECK(ok::spp_output_size(64, {1, 2, 3}) == 64 * 14);
    CHECK(ok::spp_output_size(3, ok::spp_default_levels) == 42);
    CHECK(ok::spp_output_size(2, std::vector<int>{4, 1}) == 34);
    CHECK(ok::spp_output_size(5, std::vector<std::size_t>{}) == 0);
    CHECK_THROWS_WITH_AS((void)ok::spp_output_size(2, {1, 0, 3}), "spp_output_size: levels[1] is 0, expected >= 1",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::spp_output_size(2, std::vector<int>{2, -3}),
                         "spp_output_size: levels[1] is -3, expected >= 1", ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::spp_output_size(std::numeric_limits<std::size_t>::max() / 2, {1, 2}), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::spp_output_size(1, {std::size_t{1} << 40}), ok::invalid_argument);
}

TEST_CASE("spp_bin_range: the paper rule and the adaptive rule, worked by hand") {
    using ok::spp_bin;
    using ok::spp_bin_range;
    using ok::spp_rule;
    // a = 28, l = 3: window 10, stride 9 -> [0,10) [9,19) [18,28): all rows pooled.
    CHECK(spp_bin_range(28, 3, 0, spp_rule::paper) == spp_bin{0, 10});
    CHECK(spp_bin_range(28, 3, 2, spp_rule::paper) == spp_bin{18, 28});
    // a = 8, 11, 14, 20 at l = 3: the last row is in no bin (the rule as published).
    for (const std::size_t a : {8u, 11u, 14u, 20u}) {
        CHECK(spp_bin_range(a, 3, 2, spp_rule::paper).end == a - 1);
    }
    CHECK(spp_bin_range(8, 3, 1, spp_rule::paper) == spp_bin{2, 5});
    // a = 5, l = 3: window 2, stride 1 -> [0,2) [1,3) [2,4); torch would add a fourth bin [3,5).
    CHECK(spp_bin_range(5, 3, 2, spp_rule::paper) == spp_bin{2, 4});
    // Adaptive, a = 5, l = 3: [0,2) [1,4) [3,5).
    CHECK(spp_bin_range(5, 3, 0, spp_rule::adaptive) == spp_bin{0, 2});
    CHECK(spp_bin_range(5, 3, 1, spp_rule::adaptive) == spp_bin{1, 4});
    CHECK(spp_bin_range(5, 3, 2, spp_rule::adaptive) == spp_bin{3, 5});
    // a < l under the adaptive rule: a = 2, l = 3 -> [0,1) [0,2) [1,2).
    CHECK(spp_bin_range(2, 3, 1, spp_rule::adaptive) == spp_bin{0, 2});
}

TEST_CASE("spp bins: exactly l non-empty in-range bins; adaptive covers the axis; paper misses r - [r>0]") {
    for (std::size_t a = 1; a <= 80; ++a) {
        for (std::size_t l = 1; l <= 12; ++l) {
            std::vector<int> covered(a, 0);
            for (std::size_t i = 0; i < l; ++i) {
                const auto b = ok::spp_bin_range(a, l, i, ok::spp_rule::adaptive);
                REQUIRE(b.begin < b.end);
                REQUIRE(b.end <= a);
                for (std::size_t k = b.begin; k < b.end; ++k) {
                    covered[k] = 1;
                }
            }
            CHECK(std::count(covered.begin(), covered.end(), 1) == static_cast<std::ptrdiff_t>(a));
            if (a < l) {
                continue;
            }
            std::fill(covered.begin(), covered.end(), 0);
            const std::size_t q = a / l, r = a % l;
            for (std::size_t i = 0; i < l; ++i) {
                const auto b = ok::spp_bin_range(a, l, i, ok::spp_rule::paper);
                REQUIRE(b.end - b.begin == (a + l - 1) / l);  // never clipped
                REQUIRE(b.end <= a);
                for (std::size_t k = b.begin; k < b.end; ++k) {
                    covered[k] = 1;
                }
            }
            const std::size_t missed = r == 0 ? 0 : r - 1;
            CHECK(std::count(covered.begin(), covered.end(), 0) == static_cast<std::ptrdiff_t>(missed));
            // The missed ones are the last rows.
            for (std::size_t k = 0; k < a; ++k) {
                CHECK(covered[k] == (k + missed < a ? 1 : 0));
            }
            (void)q;
        }
    }
}

TEST_CASE("spp matches torch 1.13 golden vectors (Table 1 shapes, edge cases, random odd shapes)") {
    const auto cases = read_golden();
    REQUIRE(cases.size() > 100);
    std::size_t table1 = 0;
    for (const auto& g : cases) {
        CAPTURE(g.name);
        CAPTURE(g.rule);
        CAPTURE(g.op);
        const bool max = g.op == "max";
        const auto rule = g.rule == "paper" ? ok::spp_rule::paper : ok::spp_rule::adaptive;
        const auto in = make_input<float>(g.data, g.seed, g.n * g.c * g.h * g.w);
        const auto in_hwc = to_hwc(in, g.n, g.c, g.h, g.w);
        REQUIRE(g.expected.size() == g.n * ok::spp_output_size(g.c, g.levels));
        table1 += g.name.rfind("table1_", 0) == 0 ? 1 : 0;
        // Exact unless average pooling of non-dyadic data (then float rounding of the sums).
        const bool exact = max || g.data == "dyadic";
        for (const auto layout : {ok::tensor_layout::chw, ok::tensor_layout::hwc}) {
            std::vector<float> out(g.expected.size(), -777.0f);
            const auto& src = layout == ok::tensor_layout::chw ? in : in_hwc;
            run<float>(max, src, g.n, g.c, g.h, g.w, g.levels, out, rule, layout);
            std::vector<float> ref;
            reference<float>(max, src, g.n, g.c, g.h, g.w, g.levels, ref, rule, layout);
            for (std::size_t i = 0; i < out.size(); ++i) {
                if (exact) {
                    REQUIRE(out[i] == g.expected[i]);
                    REQUIRE(ref[i] == g.expected[i]);
                } else {
                    const double tol = 2e-6 * std::max(1.0, std::fabs(static_cast<double>(g.expected[i])));
                    REQUIRE(std::fabs(static_cast<double>(out[i]) - g.expected[i]) <= tol);
                    REQUIRE(std::fabs(static_cast<double>(ref[i]) - g.expected[i]) <= tol);
                }
            }
        }
        // The double path gives the same maxima (float inputs are exact in double) and close means.
        if (exact && g.n == 1) {
            std::vector<double> ind(in.begin(), in.end());
            std::vector<double> outd(g.expected.size());
            run<double>(max, ind, 1, g.c, g.h, g.w, g.levels, outd, rule, ok::tensor_layout::chw);
            for (std::size_t i = 0; i < outd.size(); ++i) {
                if (max) {
                    REQUIRE(static_cast<float>(outd[i]) == g.expected[i]);
                } else {  // the division rounds differently in double
                    REQUIRE(std::fabs(outd[i] - g.expected[i]) <= 1e-6 * std::max(1.0, std::fabs(outd[i])));
                }
            }
        }
    }
    CHECK(table1 == 9 * 4);
}

TEST_CASE_TEMPLATE("spp fast path equals the scalar reference on odd sizes and unaligned pointers", T, float, double) {
    ok::detail::rng g(2024);
    struct shape {
        std::size_t n, c, h, w;
    };
    std::vector<shape> shapes{{1, 1, 1, 1},  {1, 3, 5, 7},   {2, 17, 9, 31},  {1, 33, 13, 11},
                              {1, 2, 3, 700}, {1, 1, 600, 5}, {3, 5, 23, 19},  {1, 67, 7, 7},
                              {1, 9, 40, 41}, {2, 31, 6, 15}, {1, 16, 16, 16}, {1, 4, 1, 1025}};
    for (int i = 0; i < 24; ++i) {
        shapes.push_back({1 + g.below(2), 1 + g.below(40), 1 + g.below(45), 1 + g.below(45)});
    }
    for (const auto& s : shapes) {
        for (const auto rule : {ok::spp_rule::paper, ok::spp_rule::adaptive}) {
            std::vector<std::size_t> levels;
            const std::size_t top = rule == ok::spp_rule::paper ? std::min<std::size_t>({s.h, s.w, 7}) : 7;
            const std::size_t nlev = 1 + g.below(4);
            for (std::size_t k = 0; k < nlev; ++k) {
                levels.push_back(1 + g.below(top));
            }
            const std::size_t total = s.n * s.c * s.h * s.w;
            const std::size_t per = ok::spp_output_size(s.c, levels);
            for (const auto layout : {ok::tensor_layout::chw, ok::tensor_layout::hwc}) {
                for (const bool max : {true, false}) {
                    CAPTURE(s.n);
                    CAPTURE(s.c);
                    CAPTURE(s.h);
                    CAPTURE(s.w);
                    CAPTURE(max);
                    // Dyadic values: every partial sum is exact, so averages must agree exactly too.
                    std::vector<T> storage(total + 1);
                    for (auto& x : storage) {
                        x = static_cast<T>(static_cast<double>(static_cast<std::int64_t>(g.below(4096)) - 2048) / 64.0);
                    }
                    const std::vector<T> in(storage.begin() + 1, storage.end());
                    const std::span<const T> unaligned(storage.data() + 1, total);  // misaligned by one element
                    std::vector<T> out_storage(s.n * per + 1, T(-99));
                    const std::span<T> out(out_storage.data() + 1, s.n * per);
                    run<T>(max, unaligned, s.n, s.c, s.h, s.w, levels, out, rule, layout);
                    std::vector<T> ref;
                    reference<T>(max, in, s.n, s.c, s.h, s.w, levels, ref, rule, layout);
                    CHECK(out_storage[0] == T(-99));
                    for (std::size_t i = 0; i < ref.size(); ++i) {
                        REQUIRE(out[i] == ref[i]);
                    }
                }
            }
        }
    }
}

TEST_CASE_TEMPLATE("spp channel-block path (small CHW maps, issue 20) equals the reference; NaN maps leave it", T,
                   float, double) {
    // Planes up to 256 pixels with at least four vectors of channels: the transposed block path.
    // Channel counts that are not a multiple of the block make the last block overlap.
    struct shape {
        std::size_t c, h, w;
    };
    const shape shapes[] = {{64, 14, 14}, {64, 7, 7}, {40, 16, 16}, {37, 15, 13}, {33, 8, 9}, {100, 3, 5}};
    ok::detail::rng g(2026);
    for (const auto& s : shapes) {
        for (const auto rule : {ok::spp_rule::paper, ok::spp_rule::adaptive}) {
            const std::vector<std::size_t> levels{1, 2, 3};
            const std::size_t total = s.c * s.h * s.w;
            std::vector<T> storage(total + 1);
            for (auto& x : storage) {
                x = static_cast<T>(static_cast<double>(static_cast<std::int64_t>(g.below(4096)) - 2048) / 64.0);
            }
            const std::vector<T> in(storage.begin() + 1, storage.end());
            const std::span<const T> unaligned(storage.data() + 1, total);
            for (const bool max : {true, false}) {
                CAPTURE(s.c);
                CAPTURE(s.h);
                CAPTURE(s.w);
                CAPTURE(max);
                std::vector<T> out(ok::spp_output_size(s.c, levels));
                run<T>(max, unaligned, 1, s.c, s.h, s.w, levels, out, rule, ok::tensor_layout::chw);
                std::vector<T> ref;
                reference<T>(max, in, 1, s.c, s.h, s.w, levels, ref, rule, ok::tensor_layout::chw);
                CHECK(out == ref);
            }
            // one NaN in the last channel: max pooling takes the row path, NaN reaches exactly the
            // bins of that channel that hold its pixel
            auto nan_in = in;
            nan_in[total - 1 - s.w] = std::numeric_limits<T>::quiet_NaN();  // last channel, row h-2, column w-1
            std::vector<T> out(ok::spp_output_size(s.c, levels));
            run<T>(true, nan_in, 1, s.c, s.h, s.w, levels, out, rule, ok::tensor_layout::chw);
            std::vector<T> ref;
            reference<T>(true, nan_in, 1, s.c, s.h, s.w, levels, ref, rule, ok::tensor_layout::chw);
            for (std::size_t i = 0; i < ref.size(); ++i) {
                REQUIRE(same_value(out[i], ref[i]));
            }
            CHECK(std::isnan(out[s.c - 1]));  // level 1 of the last channel
            CHECK(!std::isnan(out[s.c - 2]));
        }
    }
}

TEST_CASE("spp max pooling propagates NaN like torch, in the fast path of both layouts") {
    const std::size_t c = 20, h = 9, w = 10;
    ok::detail::rng g(5);
    std::vector<float> in(c * h * w);
    for (auto& x : in) {
        x = static_cast<float>(g.uniform(-1, 1));
    }
    in[(7 * h + 8) * w + 9] = std::numeric_limits<float>::quiet_NaN();      // channel 7, last row/column
    in[(3 * h + 0) * w + 0] = std::numeric_limits<float>::infinity();       // channel 3, corner
    in[(11 * h + 4) * w + 5] = -std::numeric_limits<float>::infinity();     // channel 11
    const std::vector<std::size_t> levels{1, 2, 3};
    for (const auto rule : {ok::spp_rule::paper, ok::spp_rule::adaptive}) {
        for (const auto layout : {ok::tensor_layout::chw, ok::tensor_layout::hwc}) {
            const auto src = layout == ok::tensor_layout::chw ? in : to_hwc(in, 1, c, h, w);
            std::vector<float> out(ok::spp_output_size(c, levels));
            ok::spp_max_pool(src, c, h, w, levels, out, rule, layout);
            std::vector<float> ref;
            reference<float>(true, src, 1, c, h, w, levels, ref, rule, layout);
            for (std::size_t i = 0; i < out.size(); ++i) {
                REQUIRE(same_value(out[i], ref[i]));
            }
            // Level 1 of channel 7 sees the NaN; channel 6 does not.
            CHECK(std::isnan(out[7]));
            CHECK(!std::isnan(out[6]));
            CHECK(out[3] == std::numeric_limits<float>::infinity());
            // Level 3 (offset c*(1+4)), channel 7, bin (2,2): the NaN sits in row 8 / column 9.
            // Paper rule: h = 9 -> rows [6,9) include 8; w = 10 -> window 4, stride 3 -> [6,10).
            CHECK(std::isnan(out[c * 5 + 7 * 9 + 8]));
            CHECK(!std::isnan(out[c * 5 + 7 * 9 + 0]));
            // Average pooling: NaN and infinities propagate through the sums.
            std::vector<float> avg(out.size());
            ok::spp_avg_pool(src, c, h, w, levels, avg, rule, layout);
            CHECK(std::isnan(avg[7]));
            CHECK(avg[3] == std::numeric_limits<float>::infinity());
            CHECK(avg[11] == -std::numeric_limits<float>::infinity());
        }
    }
}

TEST_CASE("spp paper rule: a value in the unpooled last row/column never reaches level 3 (a = 8, 11, 14)") {
    for (const std::size_t a : {8u, 11u, 14u}) {
        std::vector<float> in(a * a, 0.0f);
        for (std::size_t k = 0; k < a; ++k) {
            in[(a - 1) * a + k] = 100.0f;  // last row
            in[k * a + (a - 1)] = 100.0f;  // last column
        }
        std::vector<float> out(ok::spp_output_size(1, {3}));
        ok::spp_max_pool(in, 1, a, a, {3}, out);
        for (const float v : out) {
            CHECK(v == 0.0f);
        }
        ok::spp_max_pool(in, 1, a, a, {3}, out, ok::spp_rule::adaptive);
        CHECK(out[8] == 100.0f);
        // Level 1 (window a) does see them.
        std::vector<float> one(1);
        ok::spp_max_pool(in, 1, a, a, {1}, one);
        CHECK(one[0] == 100.0f);
    }
}

TEST_CASE("spp: the API.md call forms compile and agree") {
    const std::size_t C = 4, H = 7, W = 9;
    std::vector<float> input(C * H * W);
    for (std::size_t i = 0; i < input.size(); ++i) {
        input[i] = static_cast<float>((i * 37) % 101);
    }
    std::vector<float> a(ok::spp_output_size(C, {1, 2, 3})), b(a.size()), c(a.size()), d(a.size());
    ok::spp_max_pool(input, C, H, W, {1, 2, 3}, a);
    ok::spp_max_pool(std::span<const float>(input), C, H, W, ok::spp_default_levels, std::span<float>(b));
    const std::vector<int> levels_int{1, 2, 3};
    ok::spp_max_pool(input, C, H, W, levels_int, c, ok::spp_rule::paper);
    std::array<float, 56> arr{};
    ok::spp_max_pool(input, C, H, W, std::array<unsigned, 3>{1, 2, 3}, arr, ok::spp_rule::paper,
                     ok::tensor_layout::chw);
    CHECK(a == b);
    CHECK(a == c);
    CHECK(std::equal(a.begin(), a.end(), arr.begin()));
    ok::spp_max_pool(input, C, H, W, {1, 2, 3}, d, ok::spp_rule::adaptive);
    // Level 1 is the global maximum under both rules.
    for (std::size_t ch = 0; ch < C; ++ch) {
        const float m = *std::max_element(input.begin() + static_cast<std::ptrdiff_t>(ch * H * W),
                                          input.begin() + static_cast<std::ptrdiff_t>((ch + 1) * H * W));
        CHECK(a[ch] == m);
        CHECK(d[ch] == m);
    }
}

TEST_CASE("spp rejects bad input with a message naming the argument, and leaves output untouched") {
    std::vector<float> in(2 * 4 * 5, 1.0f);
    std::vector<float> out(ok::spp_output_size(2, {1, 2}), 42.0f);
    const auto untouched = [&] { return std::all_of(out.begin(), out.end(), [](float v) { return v == 42.0f; }); };
    CHECK_THROWS_WITH_AS(ok::spp_max_pool(in, 0, 4, 5, {1, 2}, out), "spp_max_pool: C is 0, expected >= 1",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS(ok::spp_max_pool(in, 2, 0, 5, {1, 2}, out), "spp_max_pool: H is 0, expected >= 1",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS(ok::spp_avg_pool(in, 2, 4, 0, {1, 2}, out), "spp_avg_pool: W is 0, expected >= 1",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS(ok::spp_max_pool(in, 2, 4, 5, std::vector<std::size_t>{}, out),
                         "spp_max_pool: levels is empty", ok::invalid_argument);
    CHECK_THROWS_WITH_AS(ok::spp_max_pool(in, 2, 4, 5, {1, 0}, out), "spp_max_pool: levels[1] is 0, expected >= 1",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS(ok::spp_max_pool(in, 3, 4, 5, {1, 2}, out),
                         "spp_max_pool: input has size 40, expected 60 (the size of C*H*W)", ok::invalid_argument);
    CHECK_THROWS_WITH_AS(ok::spp_max_pool(in, 2, 4, 5, {1, 3}, out),
                         "spp_max_pool: output has size 10, expected 20 (the size of spp_output_size(C, levels))",
                         ok::invalid_argument);
    // a < l under the paper rule; fine under the adaptive rule.
    std::vector<float> out5(ok::spp_output_size(2, {1, 5}), 42.0f);
    CHECK_THROWS_WITH_AS(ok::spp_max_pool(in, 2, 4, 5, {1, 5}, out5),
                         "spp_max_pool: levels[1] is 5, larger than H = 4 (the paper rule needs H >= l: stride "
                         "floor(H/l) would be 0)",
                         ok::invalid_argument);
    CHECK(std::all_of(out5.begin(), out5.end(), [](float v) { return v == 42.0f; }));
    ok::spp_max_pool(in, 2, 4, 5, {1, 5}, out5, ok::spp_rule::adaptive);
    CHECK(std::all_of(out5.begin(), out5.end(), [](float v) { return v == 1.0f; }));
    CHECK_THROWS_AS(ok::spp_max_pool_batch(in, 0, 2, 4, 5, {1, 2}, out), ok::invalid_argument);
    CHECK_THROWS_WITH_AS(ok::spp_max_pool_batch(in, 2, 2, 4, 5, {1, 2}, out),
                         "spp_max_pool_batch: input has size 40, expected 80 (the size of N*C*H*W)",
                         ok::invalid_argument);
    CHECK_THROWS_AS(ok::spp_max_pool(in, 2, 4, 5, {1, 2}, out, static_cast<ok::spp_rule>(7)), ok::invalid_argument);
    CHECK_THROWS_AS(ok::spp_max_pool(in, 2, 4, 5, {1, 2}, out, ok::spp_rule::paper, static_cast<ok::tensor_layout>(9)),
                    ok::invalid_argument);
    // Sizes whose product overflows are rejected, not wrapped.
    const std::size_t huge = std::numeric_limits<std::size_t>::max() / 2;
    CHECK_THROWS_AS(ok::spp_max_pool(in, huge, huge, 5, {1}, out), ok::invalid_argument);
    CHECK(untouched());
}

TEST_CASE("spp fast path equals the reference on every planning path (segments, bands, chunks, fine levels)") {
    struct setup {
        std::size_t c, h, w;
        std::vector<std::size_t> levels;
        ok::spp_rule rule;
    };
    const std::vector<setup> setups{
        {3, 9, 9, {1, 2, 3}, ok::spp_rule::paper},                 // segment buffers
        {2, 60, 500, {1, 5, 7}, ok::spp_rule::paper},              // too many segments for the buffers
        {2, 50, 50, {30, 40}, ok::spp_rule::paper},                // more bins than the plan holds
        {2, 80, 70, {70, 3}, ok::spp_rule::adaptive},              // one level finer than the plan
        {2, 9, 90, {65, 1}, ok::spp_rule::adaptive},               // a < l: repeated rows, fine columns
        {2, 5, 1500, {1, 2, 3}, ok::spp_rule::paper},              // three column chunks
        {1, 3, 513, {2}, ok::spp_rule::adaptive},                  // a one-element last chunk
        {5, 13, 17, {3, 3, 1, 2, 3}, ok::spp_rule::paper},         // repeated levels
    };
    ok::detail::rng g(99);
    for (const auto& s : setups) {
        CAPTURE(s.h);
        CAPTURE(s.w);
        std::vector<float> in(s.c * s.h * s.w);
        for (auto& x : in) {
            x = static_cast<float>(static_cast<double>(static_cast<std::int64_t>(g.below(4096)) - 2048) / 64.0);
        }
        for (const bool max : {true, false}) {
            for (const auto layout : {ok::tensor_layout::chw, ok::tensor_layout::hwc}) {
                const auto src = layout == ok::tensor_layout::chw ? in : to_hwc(in, 1, s.c, s.h, s.w);
                std::vector<float> out(ok::spp_output_size(s.c, s.levels));
                run<float>(max, src, 1, s.c, s.h, s.w, s.levels, out, s.rule, layout);
                std::vector<float> ref;
                reference<float>(max, src, 1, s.c, s.h, s.w, s.levels, ref, s.rule, layout);
                CHECK(out == ref);
                // With a NaN in channel 0 the reference takes over that plane (max) and NaN
                // propagates (both ops); channel 1 is unaffected.
                auto nan_src = src;
                nan_src[0] = std::numeric_limits<float>::quiet_NaN();  // channel 0, row 0, column 0 in both layouts
                run<float>(max, nan_src, 1, s.c, s.h, s.w, s.levels, out, s.rule, layout);
                reference<float>(max, nan_src, 1, s.c, s.h, s.w, s.levels, ref, s.rule, layout);
                for (std::size_t i = 0; i < out.size(); ++i) {
                    REQUIRE(same_value(out[i], ref[i]));
                }
                CHECK(std::isnan(out[0]));
            }
        }
    }
}
