// Uniform feature quantizer (AMVP §IV-B, eq. 1-2): hand-worked equations, numpy golden vectors,
// SIMD == scalar reference bit for bit, the reconstruction bound, per-channel semantics and the
// wire format's validation (every truncation, every header bit flip).
#include <offloadkit/detail/random.hpp>
#include <offloadkit/kernels/quantize.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace ok = offloadkit;
namespace q = offloadkit::detail::quant;

namespace {

std::vector<std::uint32_t> codes_of(const ok::quantized_tensor& t) {
    std::vector<std::uint32_t> c(t.size());
    for (std::size_t i = 0; i < t.size(); ++i) {
        c[i] = t.code(i);
    }
    return c;
}

std::size_t channel_of(std::size_t i, std::size_t n, const ok::quantize_options& o) {
    if (o.layout == ok::channel_layout::per_tensor) {
        return 0;
    }
    return o.layout == ok::channel_layout::chw ? i / (n / o.channels) : i % o.channels;
}

struct reference_result {
    std::vector<float> mins, maxs;
    std::vector<std::byte> payload;
};

reference_result reference(std::span<const float> x, int bits, const ok::quantize_options& o = {}) {
    reference_result r;
    r.mins.resize(o.channels);
    r.maxs.resize(o.channels);
    r.payload.resize(ok::quantized_payload_size(x.size(), bits));
    q::encode_reference(x, bits, o, r.mins.data(), r.maxs.data(), r.payload.data());
    return r;
}

bool same_bits(std::span<const float> a, std::span<const float> b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

// Data sets that stress different parts of the arithmetic.
std::vector<float> make_data(int kind, std::size_t n, ok::detail::rng& g, int bits) {
    std::vector<float> x(n);
    const double L = std::ldexp(1.0, bits) - 1.0;
    for (std::size_t i = 0; i < n; ++i) {
        switch (kind) {
            case 0: x[i] = static_cast<float>(g.normal()); break;
            case 1: x[i] = static_cast<float>(1000.0 + g.uniform(-0.01, 0.01)); break;  // |lo| >> range
            case 2: x[i] = static_cast<float>(std::max(0.0, g.normal(0.3, 1.0))); break;  // ReLU output
            case 3:  // values on the tie grid of [0, 1]: y = k/2 exactly or nearly
                x[i] = static_cast<float>(static_cast<double>(g.below(static_cast<std::uint64_t>(2 * L + 1))) / (2 * L));
                break;
            case 4: x[i] = static_cast<float>(g.uniform(-3.0e38, 3.0e38)); break;  // range overflows binary32
            case 5: x[i] = static_cast<float>(g.below(4)) * 1.0e-45F; break;     // subnormal range
            default: x[i] = 2.5F; break;                                          // flat
        }
    }
    if (kind == 3 && n >= 2) {
        x[0] = 0.0F;
        x[1] = 1.0F;
    }
    return x;
}

}  // namespace

TEST_CASE("quantize: eq. 1 and 2 worked by hand, LSB-first packing") {
    // bits 2, L = 3, range 1: y = 3x -> 0, 0.75, 1.5, 3 -> half up -> 0, 1, 2, 3
    const std::vector<float> x{0.0F, 0.25F, 0.5F, 1.0F};
    const auto t = ok::quantize(x, 2);
    CHECK(t.bits() == 2);
    CHECK(t.size() == 4);
    CHECK(t.min() == 0.0F);
    CHECK(t.max() == 1.0F);
    CHECK(codes_of(t) == std::vector<std::uint32_t>{0, 1, 2, 3});
    REQUIRE(t.payload().size() == 1);
    // code i at bits [2i, 2i+2): 00 | 01<<2 | 10<<4 | 11<<6 = 0b11100100
    CHECK(std::to_integer<int>(t.payload()[0]) == 0xE4);
    std::vector<float> out(4);
    ok::dequantize(t, out);
    CHECK(out[0] == 0.0F);
    CHECK(out[1] == 1.0F / 3.0F);  // lo + (1 * 1) / 3 in binary32
    CHECK(out[2] == 2.0F / 3.0F);
    CHECK(out[3] == 1.0F);

    // bits 1, range 2: y = (x + 1) / 2 -> 0, 0.25, 0.6, 1 -> 0, 0, 1, 1; bits 2,3 set -> 0x0C
    const std::vector<float> z{-1.0F, -0.5F, 0.2F, 1.0F};
    const auto u = ok::quantize(z, 1);
    CHECK(codes_of(u) == std::vector<std::uint32_t>{0, 0, 1, 1});
    CHECK(std::to_integer<int>(u.payload()[0]) == 0x0C);

    // bits 3 over 3 elements: 9 bits -> 2 bytes, code 7 straddles the byte boundary
    const std::vector<float> w{0.0F, 1.0F, 0.5F};  // codes 0, 7, 4 (y = 3.5 rounds up)
    const auto v = ok::quantize(w, 3);
    CHECK(codes_of(v) == std::vector<std::uint32_t>{0, 7, 4});
    REQUIRE(v.payload().size() == 2);
    CHECK(std::to_integer<int>(v.payload()[0]) == (7 << 3 | (4 & 3) << 6));
    CHECK(std::to_integer<int>(v.payload()[1]) == (4 >> 2));
}

TEST_CASE("quantize: max == min gives every code 0 and dequantizes exactly; empty input") {
    const std::vector<float> flat(37, -2.5F);
    const auto t = ok::quantize(flat, 5);
    CHECK(t.min() == -2.5F);
    CHECK(t.max() == -2.5F);
    CHECK(std::all_of(t.payload().begin(), t.payload().end(), [](std::byte b) { return b == std::byte{0}; }));
    std::vector<float> out(37);
    ok::dequantize(t, out);
    CHECK(std::all_of(out.begin(), out.end(), [](float v) { return v == -2.5F; }));

    const auto e = ok::quantize(std::span<const float>{}, 8);
    CHECK(e.size() == 0);
    CHECK(e.payload().empty());
    CHECK(e.min() == 0.0F);
    CHECK(e.serialized_size() == 28);
    CHECK(ok::quantized_tensor::deserialize(e.serialize()) == e);
    CHECK(ok::quantized_tensor{} == e);
}

TEST_CASE("quantize: codes, payload and dequantized values equal numpy's (golden vectors)") {
    std::ifstream in(std::string(OFFLOADKIT_TEST_DATA_DIR) + "/quantize/quantize_golden.txt");
    REQUIRE(in.good());
    std::string line;
    int cases = 0;
    while (std::getline(in, line)) {
        if (line.rfind("case ", 0) != 0) {
            continue;
        }
        int bits = 0;
        int layout = 0;
        std::size_t channels = 0;
        std::size_t n = 0;
        std::istringstream(line.substr(5)) >> bits >> layout >> channels >> n;
        auto read_line = [&](const char* tag) {
            std::string l;
            std::getline(in, l);
            REQUIRE(l.rfind(tag, 0) == 0);
            return l.substr(std::strlen(tag));
        };
        std::vector<float> x(n);
        std::vector<std::uint32_t> codes(n);
        std::vector<double> deq(n);
        {
            std::istringstream s(read_line("x "));
            for (auto& v : x) {
                s >> v;
            }
        }
        {
            std::istringstream s(read_line("codes "));
            for (auto& v : codes) {
                s >> v;
            }
        }
        const std::string hex = read_line("payload ");
        {
            std::istringstream s(read_line("deq "));
            for (auto& v : deq) {
                s >> v;
            }
        }
        CAPTURE(bits);
        CAPTURE(layout);
        CAPTURE(n);
        const ok::quantize_options o{static_cast<ok::channel_layout>(layout), channels};
        const auto t = ok::quantize(x, bits, o);
        CHECK(codes_of(t) == codes);
        std::string ours;
        for (const auto b : t.payload()) {
            constexpr char digits[] = "0123456789abcdef";
            ours += digits[std::to_integer<int>(b) >> 4];
            ours += digits[std::to_integer<int>(b) & 15];
        }
        CHECK(ours == hex);
        std::vector<float> out(n);
        ok::dequantize(t, out);
        double worst = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t c = channel_of(i, n, o);
            const double scale = std::max({std::fabs(static_cast<double>(t.channel_mins()[c])),
                                           std::fabs(static_cast<double>(t.channel_maxs()[c])), 1e-30});
            worst = std::max(worst, std::fabs(static_cast<double>(out[i]) - deq[i]) / scale);
        }
        CHECK(worst <= 4.0 * std::numeric_limits<float>::epsilon());
        ++cases;
    }
    CHECK(cases == 23);
}

TEST_CASE("quantize: SIMD path == scalar reference, bit for bit (odd sizes, unaligned, bits 1..16)") {
    ok::detail::rng g(7);
    const std::size_t sizes[] = {0, 1, 2, 3, 5, 15, 17, 31, 33, 64, 65, 255, 257, 515};
    int checked = 0;
    for (int bits = 1; bits <= 16; ++bits) {
        for (const std::size_t n : sizes) {
            const int kind = static_cast<int>(g.below(7));
            const std::size_t offset = g.below(4);
            std::vector<float> storage(n + offset);
            const auto data = make_data(kind, n, g, bits);
            std::copy(data.begin(), data.end(), storage.begin() + static_cast<std::ptrdiff_t>(offset));
            const std::span<const float> x(storage.data() + offset, n);
            CAPTURE(bits);
            CAPTURE(n);
            CAPTURE(kind);
            CAPTURE(offset);
            const auto t = ok::quantize(x, bits);
            const auto r = reference(x, bits);
            CHECK(t.min() == r.mins[0]);
            CHECK(t.max() == r.maxs[0]);
            CHECK(std::equal(r.payload.begin(), r.payload.end(), t.payload().begin(), t.payload().end()));
            // dequantization into an unaligned destination
            std::vector<float> fast(n + offset);
            std::vector<float> slow(n);
            ok::dequantize(t, std::span<float>(fast.data() + offset, n));
            q::decode_reference(t.payload(), bits, {}, r.mins.data(), r.maxs.data(), slow);
            CHECK(same_bits(std::span<const float>(fast.data() + offset, n), slow));
            ++checked;
        }
    }
    CHECK(checked == 16 * 14);
}

TEST_CASE("quantize: the range pass's finiteness check by lane sums (overflowing sums, NaN/inf anywhere)") {
    // finite data whose lane sums overflow to inf must still be accepted, and coded as the reference
    for (const std::size_t n : {std::size_t{40}, std::size_t{1000}, std::size_t{12544}}) {
        std::vector<float> big(n, 3.0e38F);
        big[n / 2] = -3.0e38F;
        big[n - 1] = 1.0F;
        for (const int bits : {4, 8, 16}) {
            CAPTURE(n);
            CAPTURE(bits);
            const auto t = ok::quantize(big, bits);
            const auto r = reference(big, bits);
            CHECK(t.min() == r.mins[0]);
            CHECK(t.max() == r.maxs[0]);
            CHECK(std::equal(r.payload.begin(), r.payload.end(), t.payload().begin(), t.payload().end()));
        }
    }
    // a NaN, inf or -inf at every position of a 100-element input (SIMD part and tail) is found
    const float bad[] = {std::nanf(""), std::numeric_limits<float>::infinity(),
                         -std::numeric_limits<float>::infinity()};
    const char* names[] = {"NaN", "inf", "-inf"};
    for (std::size_t k = 0; k < 3; ++k) {
        for (std::size_t i = 0; i < 100; ++i) {
            std::vector<float> x(100, 0.5F);
            x[i] = bad[k];
            CAPTURE(i);
            CHECK_THROWS_WITH_AS((void)ok::quantize(x, 8),
                                 ("quantize: features[" + std::to_string(i) + "] is " + names[k]).c_str(),
                                 ok::invalid_argument);
        }
    }
}

TEST_CASE("quantize: 8-bit SIMD == scalar reference at AMVP's 50 KB feature and around the staging block") {
    ok::detail::rng g(2020);
    for (const std::size_t n : {std::size_t{255}, std::size_t{256}, std::size_t{257}, std::size_t{4099},
                                std::size_t{12544}}) {
        for (int kind = 0; kind < 6; ++kind) {
            const auto x = make_data(kind, n, g, 8);
            CAPTURE(n);
            CAPTURE(kind);
            const auto t = ok::quantize(x, 8);
            const auto r = reference(x, 8);
            CHECK(std::equal(r.payload.begin(), r.payload.end(), t.payload().begin(), t.payload().end()));
            // a reused tensor whose old payload was longer gets the same bytes
            ok::quantized_tensor reused = ok::quantize(std::vector<float>(2 * n + 3, 1.0F), 8);
            ok::quantize_into(x, 8, reused);
            CHECK(reused == t);
        }
    }
}

TEST_CASE("quantize: per-channel SIMD == scalar reference for CHW and HWC") {
    ok::detail::rng g(11);
    const std::size_t channel_counts[] = {1, 3, 5, 16, 17, 40};
    for (const auto layout : {ok::channel_layout::chw, ok::channel_layout::hwc}) {
        for (const std::size_t C : channel_counts) {
            for (const std::size_t pixels : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{13}}) {
                const int bits = 1 + static_cast<int>(g.below(16));
                const int kind = static_cast<int>(g.below(7));
                const std::size_t n = C * pixels;
                auto x = make_data(kind, n, g, bits);
                if (n > 0 && g.bernoulli(0.5)) {  // one flat channel among varying ones
                    for (std::size_t i = 0; i < n; ++i) {
                        if (channel_of(i, n, {layout, C}) == 0) {
                            x[i] = 0.125F;
                        }
                    }
                }
                CAPTURE(static_cast<int>(layout));
                CAPTURE(C);
                CAPTURE(pixels);
                CAPTURE(bits);
                CAPTURE(kind);
                const ok::quantize_options o{layout, C};
                const auto t = ok::quantize(x, bits, o);
                const auto r = reference(x, bits, o);
                CHECK(std::equal(r.mins.begin(), r.mins.end(), t.channel_mins().begin(), t.channel_mins().end()));
                CHECK(std::equal(r.maxs.begin(), r.maxs.end(), t.channel_maxs().begin(), t.channel_maxs().end()));
                CHECK(std::equal(r.payload.begin(), r.payload.end(), t.payload().begin(), t.payload().end()));
                std::vector<float> fast(n);
                std::vector<float> slow(n);
                ok::dequantize(t, fast);
                q::decode_reference(t.payload(), bits, o, r.mins.data(), r.maxs.data(), slow);
                CHECK(same_bits(fast, slow));
            }
        }
    }
}

TEST_CASE("quantize: per-channel codes equal per-tensor quantization of each channel alone") {
    ok::detail::rng g(5);
    const std::size_t C = 6;
    const std::size_t pixels = 23;
    std::vector<float> x(C * pixels);
    for (auto& v : x) {
        v = static_cast<float>(g.normal(0.0, 3.0));
    }
    for (const auto layout : {ok::channel_layout::chw, ok::channel_layout::hwc}) {
        const auto t = ok::quantize(x, 6, {layout, C});
        for (std::size_t c = 0; c < C; ++c) {
            std::vector<float> alone;
            std::vector<std::uint32_t> expected_codes;
            std::vector<std::uint32_t> got;
            for (std::size_t i = 0; i < x.size(); ++i) {
                if (channel_of(i, x.size(), {layout, C}) == c) {
                    alone.push_back(x[i]);
                    got.push_back(t.code(i));
                }
            }
            const auto single = ok::quantize(alone, 6);
            CHECK(codes_of(single) == got);
            CHECK(single.min() == t.channel_mins()[c]);
            CHECK(single.max() == t.channel_maxs()[c]);
        }
        CHECK(t.min() == *std::min_element(x.begin(), x.end()));
        CHECK(t.max() == *std::max_element(x.begin(), x.end()));
    }
}

TEST_CASE("quantize: reconstruction error bound |x^ - x| <= (max - min) / (2 (2^bits - 1)) for every bits") {
    ok::detail::rng g(3);
    for (int bits = 1; bits <= 16; ++bits) {
        for (const int kind : {0, 1, 2, 3, 4, 5}) {
            const auto x = make_data(kind, 301, g, bits);
            const auto t = ok::quantize(x, bits);
            std::vector<float> out(x.size());
            ok::dequantize(t, out);
            const double lo = t.min();
            const double hi = t.max();
            const double L = std::ldexp(1.0, bits) - 1.0;
            const double bound = (hi - lo) / (2.0 * L);
            // binary32 rounding of the intermediate values: a few ulps of the largest magnitude
            const double slack = 8.0 * std::numeric_limits<float>::epsilon() *
                                     std::max({std::fabs(lo), std::fabs(hi), hi - lo}) +
                                 2.0 * std::numeric_limits<float>::denorm_min();
            double worst = 0.0;
            for (std::size_t i = 0; i < x.size(); ++i) {
                worst = std::max(worst, std::fabs(static_cast<double>(out[i]) - static_cast<double>(x[i])) - bound);
                REQUIRE(t.code(i) <= static_cast<std::uint32_t>(L));
            }
            CAPTURE(bits);
            CAPTURE(kind);
            CHECK(worst <= slack);
        }
    }
}

TEST_CASE("quantize: ties round half up exactly (y = k + 1/2 on the grid)") {
    for (int bits = 1; bits <= 12; ++bits) {
        const std::uint32_t L = (1u << bits) - 1;
        // x = (2k + 1) / (2L) over [0, 1]: y lands on or next to k + 1/2; whichever binary32 value
        // y takes, the code must be floor(y + 1/2) evaluated exactly (no rounding of y + 0.5)
        std::vector<float> x{0.0F, 1.0F};
        for (std::uint32_t k = 0; k < std::min<std::uint32_t>(L, 200); ++k) {
            x.push_back(static_cast<float>((2.0 * k + 1.0) / (2.0 * L)));
        }
        const auto t = ok::quantize(x, bits);
        for (std::size_t i = 0; i < x.size(); ++i) {
            // the rule on the binary32 y, evaluated exactly in double
            const float y = ((x[i] - 0.0F) / 1.0F) * static_cast<float>(L);
            const auto expected = static_cast<std::uint32_t>(std::floor(static_cast<double>(y) + 0.5));
            CHECK(t.code(i) == std::min(expected, L));
        }
    }
}

TEST_CASE("quantize: bad input is rejected naming the argument, outputs untouched") {
    std::vector<float> x{0.0F, 1.0F, 2.0F, 3.0F, 4.0F, std::nanf(""), 6.0F};
    CHECK_THROWS_WITH_AS((void)ok::quantize(x, 8), "quantize: features[5] is NaN", ok::invalid_argument);
    x[5] = std::numeric_limits<float>::infinity();
    CHECK_THROWS_WITH_AS((void)ok::quantize(x, 8), "quantize: features[5] is inf", ok::invalid_argument);
    x[5] = -std::numeric_limits<float>::infinity();
    CHECK_THROWS_WITH_AS((void)ok::quantize(x, 8, {ok::channel_layout::hwc, 7}), "quantize: features[5] is -inf",
                         ok::invalid_argument);
    // NaN in a long input, inside the SIMD part
    std::vector<float> big(1000, 1.0F);
    big[613] = std::nanf("");
    CHECK_THROWS_WITH_AS((void)ok::quantize(big, 4), "quantize: features[613] is NaN", ok::invalid_argument);
    x[5] = 5.0F;
    CHECK_THROWS_WITH_AS((void)ok::quantize(x, 0), "quantize: bits is 0, expected 1..16", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::quantize(x, 17), "quantize: bits is 17, expected 1..16", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::quantize(x, -1), "quantize: bits is -1, expected 1..16", ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::quantize(x, 8, {ok::channel_layout::per_tensor, 2}), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::quantize(x, 8, {ok::channel_layout::chw, 0}), ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::quantize(x, 8, {ok::channel_layout::chw, 3}),
                         "quantize: options.channels is 3, which does not divide the element count 7",
                         ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::quantize(x, 8, {static_cast<ok::channel_layout>(9), 1}), ok::invalid_argument);

    // quantize_into leaves the old tensor as it was
    auto t = ok::quantize(x, 3);
    const auto before = t;
    big[613] = std::nanf("");
    CHECK_THROWS_AS(ok::quantize_into(big, 3, t), ok::invalid_argument);
    CHECK(t == before);

    // dequantize with the wrong size leaves out untouched
    std::vector<float> out(6, 42.0F);
    CHECK_THROWS_WITH_AS(ok::dequantize(t, out), "dequantize: out has size 6, expected 7 (the size of qt)",
                         ok::invalid_argument);
    CHECK(std::all_of(out.begin(), out.end(), [](float v) { return v == 42.0F; }));

    // too-small wire buffer: untouched
    std::vector<std::byte> wire(ok::quantized_wire_size(x.size(), 3) - 1, std::byte{0x5A});
    CHECK_THROWS_AS(ok::quantize_to_wire(x, 3, wire), ok::invalid_argument);
    CHECK(std::all_of(wire.begin(), wire.end(), [](std::byte b) { return b == std::byte{0x5A}; }));
    CHECK_THROWS_AS((void)t.code(7), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::quantized_payload_size(10, 0), ok::invalid_argument);
}

TEST_CASE("quantize: the wire forms agree with the object forms; round trips are exact") {
    ok::detail::rng g(17);
    for (int bits = 1; bits <= 16; ++bits) {
        for (const auto layout : {ok::channel_layout::per_tensor, ok::channel_layout::chw, ok::channel_layout::hwc}) {
            const std::size_t C = layout == ok::channel_layout::per_tensor ? 1 : 4;
            const std::size_t n = C * (1 + g.below(40));
            const auto x = make_data(static_cast<int>(g.below(7)), n, g, bits);
            const ok::quantize_options o{layout, C};
            const auto t = ok::quantize(x, bits, o);
            const auto bytes = t.serialize();
            CHECK(bytes.size() == ok::quantized_wire_size(n, bits, C));
            CHECK(bytes.size() == t.serialized_size());
            std::vector<std::byte> wire(bytes.size() + 3);
            CHECK(ok::quantize_to_wire(x, bits, wire, o) == bytes.size());
            CHECK(std::equal(bytes.begin(), bytes.end(), wire.begin()));
            const auto back = ok::quantized_tensor::deserialize(bytes);
            CHECK(back == t);
            CHECK(back.serialize() == bytes);
            std::vector<float> a(n);
            std::vector<float> b(n);
            ok::dequantize(back, a);
            CHECK(ok::dequantize_wire(bytes, b) == n);
            CHECK(same_bits(a, b));
        }
    }
}

TEST_CASE("quantize: the wire header layout is as documented") {
    const std::vector<float> x{-1.5F, 0.0F, 2.25F};
    const auto bytes = ok::quantize(x, 8).serialize();
    REQUIRE(bytes.size() == 20 + 8 + 3);
    const auto u8 = [&](std::size_t i) { return std::to_integer<unsigned>(bytes[i]); };
    CHECK(u8(0) == 'O');
    CHECK(u8(1) == 'K');
    CHECK(u8(2) == 'Q');
    CHECK(u8(3) == 'T');
    CHECK(u8(4) == 1);   // version
    CHECK(u8(5) == 8);   // bits
    CHECK(u8(6) == 0);   // layout
    CHECK(u8(7) == 0);   // reserved
    CHECK(u8(8) == 3);   // count, u64 little-endian
    for (std::size_t i = 9; i < 16; ++i) {
        CHECK(u8(i) == 0);
    }
    CHECK(u8(16) == 1);  // channels, u32 little-endian
    // min -1.5f = 0xBFC00000, max 2.25f = 0x40100000, little-endian
    CHECK(u8(20) == 0x00);
    CHECK(u8(22) == 0xC0);
    CHECK(u8(23) == 0xBF);
    CHECK(u8(26) == 0x10);
    CHECK(u8(27) == 0x40);
    // codes: y = (x + 1.5) / 3.75 * 255 -> 0, 102, 255
    CHECK(u8(28) == 0);
    CHECK(u8(29) == 102);
    CHECK(u8(30) == 255);
}

TEST_CASE("deserialize: every truncation and every extension is rejected") {
    ok::detail::rng g(23);
    for (const auto layout : {ok::channel_layout::per_tensor, ok::channel_layout::hwc}) {
        const std::size_t C = layout == ok::channel_layout::per_tensor ? 1 : 3;
        const auto x = make_data(0, C * 11, g, 5);
        const auto bytes = ok::quantize(x, 5, {layout, C}).serialize();
        for (std::size_t len = 0; len < bytes.size(); ++len) {
            CAPTURE(len);
            CHECK_THROWS_AS((void)ok::quantized_tensor::deserialize(std::span<const std::byte>(bytes.data(), len)),
                            ok::invalid_argument);
            std::vector<float> out(x.size(), 7.0F);
            CHECK_THROWS_AS(ok::dequantize_wire(std::span<const std::byte>(bytes.data(), len), out),
                            ok::invalid_argument);
            CHECK(std::all_of(out.begin(), out.end(), [](float v) { return v == 7.0F; }));
        }
        auto longer = bytes;
        longer.push_back(std::byte{0});
        CHECK_THROWS_AS((void)ok::quantized_tensor::deserialize(longer), ok::invalid_argument);
    }
}

TEST_CASE("deserialize: header bit flips are rejected or give a consistent tensor") {
    ok::detail::rng g(29);
    for (const int bits : {1, 3, 8, 16}) {
        for (const auto layout : {ok::channel_layout::per_tensor, ok::channel_layout::chw}) {
            const std::size_t C = layout == ok::channel_layout::per_tensor ? 1 : 2;
            auto x = make_data(0, C * 9, g, bits);
            const auto bytes = ok::quantize(x, bits, {layout, C}).serialize();
            const std::size_t header = 20 + 8 * C;
            int rejected = 0;
            int accepted = 0;
            for (std::size_t bit = 0; bit < 8 * header; ++bit) {
                auto flipped = bytes;
                flipped[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8));
                CAPTURE(bits);
                CAPTURE(bit);
                ok::quantized_tensor t;
                try {
                    t = ok::quantized_tensor::deserialize(flipped);
                } catch (const ok::invalid_argument&) {
                    ++rejected;
                    continue;
                }
                ++accepted;
                // consistent: valid fields, exact re-serialization, dequantizable, codes in range
                CHECK(t.bits() >= 1);
                CHECK(t.bits() <= 16);
                CHECK(t.serialize() == flipped);
                CHECK(t.payload().size() == ok::quantized_payload_size(t.size(), t.bits()));
                for (std::size_t c = 0; c < t.channels(); ++c) {
                    CHECK(std::isfinite(t.channel_mins()[c]));
                    CHECK(t.channel_mins()[c] <= t.channel_maxs()[c]);
                }
                std::vector<float> out(t.size());
                ok::dequantize(t, out);
                for (std::size_t i = 0; i < t.size(); ++i) {
                    const std::size_t c = channel_of(i, t.size(), {t.layout(), t.channels()});
                    CHECK(t.code(i) < (1u << t.bits()));
                    CHECK(out[i] >= t.channel_mins()[c] - 1e-6F * std::fabs(t.channel_mins()[c]));
                }
            }
            // magic, version, bits, layout, reserved and channels flips are always rejected
            CHECK(rejected >= 32 + 8 + 8);  // magic, version and reserved always
            CHECK(accepted > 0);  // e.g. a low mantissa bit of min or max
        }
    }
    // the magic, version and reserved bytes name themselves
    auto bytes = ok::quantize(std::vector<float>{1.0F, 2.0F}, 4).serialize();
    bytes[4] = std::byte{2};
    CHECK_THROWS_WITH_AS((void)ok::quantized_tensor::deserialize(bytes),
                         "quantized_tensor::deserialize: version (bytes[4]) is 2, expected 1", ok::invalid_argument);
    bytes[4] = std::byte{1};
    bytes[5] = std::byte{17};
    CHECK_THROWS_WITH_AS((void)ok::quantized_tensor::deserialize(bytes),
                         "quantized_tensor::deserialize: bits (bytes[5]) is 17, expected 1..16", ok::invalid_argument);
}

TEST_CASE("deserialize: payload content rules (padding bits, flat channels, NaN ranges, huge counts)") {
    const std::vector<float> x{0.0F, 1.0F, 0.5F};  // 3 codes x 3 bits = 9 bits: 7 padding bits
    auto bytes = ok::quantize(x, 3).serialize();
    auto padded = bytes;
    padded.back() |= std::byte{0x80};
    CHECK_THROWS_AS((void)ok::quantized_tensor::deserialize(padded), ok::invalid_argument);

    // a non-padding payload flip is accepted (any code is a valid code)
    auto code_flip = bytes;
    code_flip[28] ^= std::byte{0x01};
    CHECK(ok::quantized_tensor::deserialize(code_flip).code(0) == 1);

    // flat tensor with a nonzero code: rejected
    auto flat = ok::quantize(std::vector<float>{2.0F, 2.0F, 2.0F, 2.0F}, 8).serialize();
    flat[30] = std::byte{1};
    CHECK_THROWS_WITH_AS((void)ok::quantized_tensor::deserialize(flat),
                         "quantized_tensor::deserialize: code[2] is 1, expected 0 (channel 0 has min == max)",
                         ok::invalid_argument);

    // NaN, inf and inverted ranges
    auto nan_min = bytes;
    for (std::size_t i = 20; i < 24; ++i) {
        nan_min[i] = std::byte{0xFF};
    }
    CHECK_THROWS_AS((void)ok::quantized_tensor::deserialize(nan_min), ok::invalid_argument);
    auto inverted = ok::quantize(std::vector<float>{-1.0F, 1.0F}, 8).serialize();
    std::swap_ranges(inverted.begin() + 20, inverted.begin() + 24, inverted.begin() + 24);
    CHECK_THROWS_AS((void)ok::quantized_tensor::deserialize(inverted), ok::invalid_argument);

    // counts near 2^64 must not overflow the size arithmetic
    for (const std::uint64_t count : {~std::uint64_t{0}, ~std::uint64_t{0} / 8, std::uint64_t{1} << 61}) {
        auto huge = bytes;
        for (std::size_t i = 0; i < 8; ++i) {
            huge[8 + i] = static_cast<std::byte>((count >> (8 * i)) & 0xFF);
        }
        CHECK_THROWS_AS((void)ok::quantized_tensor::deserialize(huge), ok::invalid_argument);
    }
    // a channel count near 2^32 must not overflow either
    auto many = ok::quantize(std::vector<float>{0.0F, 1.0F}, 8, {ok::channel_layout::chw, 2}).serialize();
    for (std::size_t i = 16; i < 20; ++i) {
        many[i] = std::byte{0xFF};
    }
    CHECK_THROWS_AS((void)ok::quantized_tensor::deserialize(many), ok::invalid_argument);
}

TEST_CASE("quantize_into and deserialize reuse storage") {
    ok::detail::rng g(31);
    const auto x = make_data(0, 12544, g, 8);
    ok::quantized_tensor t;
    ok::quantize_into(x, 8, t);
    const auto* storage = t.payload().data();
    const auto y = make_data(2, 12544, g, 8);
    ok::quantize_into(y, 8, t);
    CHECK(t.payload().data() == storage);  // same buffer: no reallocation
    CHECK(t == ok::quantize(y, 8));
    ok::quantized_tensor rx;
    const auto wire = t.serialize();
    ok::quantized_tensor::deserialize(wire, rx);
    const auto* rx_storage = rx.payload().data();
    ok::quantized_tensor::deserialize(ok::quantize(x, 8).serialize(), rx);
    CHECK(rx.payload().data() == rx_storage);
    CHECK(rx == ok::quantize(x, 8));
}

TEST_CASE("quantize: 8-bit dequantize straight from the payload bytes == scalar reference (CHW, wide channels)") {
    // 8-bit codes are read from the payload without staging; channels whose range overflows
    // binary32 arithmetic (wide: binary64 in eq. 2) keep the staged path, between direct ones.
    ok::detail::rng g(12);
    for (const std::size_t C : {std::size_t{1}, std::size_t{3}, std::size_t{6}}) {
        for (const std::size_t len : {std::size_t{1}, std::size_t{31}, std::size_t{300}, std::size_t{1000}}) {
            const std::size_t n = C * len;
            std::vector<float> x(n);
            for (std::size_t c = 0; c < C; ++c) {
                const bool wide = c % 2 == 1;
                for (std::size_t i = 0; i < len; ++i) {
                    const double u = g.uniform(-1.0, 1.0);
                    x[c * len + i] = static_cast<float>(wide ? u * 3.0e38 : u * 5.0 + static_cast<double>(c));
                }
            }
            const ok::quantize_options o{ok::channel_layout::chw, C};
            const auto t = ok::quantize(x, 8, o);
            const auto r = reference(x, 8, o);
            std::vector<float> fast(n);
            std::vector<float> slow(n);
            ok::dequantize(t, fast);
            q::decode_reference(t.payload(), 8, o, r.mins.data(), r.maxs.data(), slow);
            CAPTURE(C);
            CAPTURE(len);
            CHECK(same_bits(fast, slow));
            // And per tensor, through the wire form.
            const auto whole = ok::quantize(std::span<const float>(x.data(), len), 8);
            std::vector<float> a(len);
            std::vector<float> b(len);
            ok::dequantize(whole, a);
            ok::dequantize_wire(whole.serialize(), b);
            CHECK(same_bits(a, b));
        }
    }
}

namespace quantize_u8_step_test {

// The 8-bit code pass takes 32 values at a time where AVX2 is enabled (issue 20; the native-asan
// preset and -march=native builds run that path, others the staging block): every size around
// the 32-value step, every data kind (ties on the grid, wide and subnormal ranges, flat), unaligned
// inputs, per tensor and per CHW channel (channel starts off the 32-value grid).
TEST_CASE("quantize: 8-bit codes around the 32-value step == scalar reference (per tensor and CHW)") {
    ok::detail::rng g(3232);
    int checked = 0;
    for (std::size_t n = 28; n <= 100; ++n) {
        for (int kind = 0; kind < 7; ++kind) {
            const std::size_t offset = static_cast<std::size_t>(kind) % 4;
            const std::size_t channels = n % 3 == 0 ? 3 : (n % 2 == 0 ? 2 : 1);
            const ok::quantize_options o{channels == 1 ? ok::channel_layout::per_tensor : ok::channel_layout::chw,
                                         channels};
            std::vector<float> storage(n + offset);
            const auto data = make_data(kind, n, g, 8);
            std::copy(data.begin(), data.end(), storage.begin() + static_cast<std::ptrdiff_t>(offset));
            const std::span<const float> x(storage.data() + offset, n);
            CAPTURE(n);
            CAPTURE(kind);
            CAPTURE(channels);
            const auto t = ok::quantize(x, 8, o);
            const auto r = reference(x, 8, o);
            CHECK(std::equal(r.payload.begin(), r.payload.end(), t.payload().begin(), t.payload().end()));
            ++checked;
        }
    }
    CHECK(checked == 73 * 7);
}

}  // namespace quantize_u8_step_test

TEST_CASE("dequantize into a new vector == the scalar reference, bit for bit (bits 1..16, per channel)") {
    ok::detail::rng g(2026);
    for (int bits = 1; bits <= 16; ++bits) {
        for (const std::size_t n : {std::size_t{0}, std::size_t{7}, std::size_t{515}}) {
            CAPTURE(bits);
            CAPTURE(n);
            const auto x = make_data(static_cast<int>(g.below(7)), n, g, bits);
            const auto t = ok::quantize(x, bits);
            std::vector<float> expected(n);
            q::decode_reference(t.payload(), bits, {}, t.channel_mins().data(), t.channel_maxs().data(), expected);
            const std::vector<float> got = ok::dequantize(t);
            REQUIRE(got.size() == n);
            CHECK(same_bits(got, expected));
        }
    }
    for (const auto layout : {ok::channel_layout::chw, ok::channel_layout::hwc}) {
        const auto x = make_data(0, 64 * 49, g, 8);
        const ok::quantize_options o{layout, 64};
        const auto t = ok::quantize(x, 8, o);
        std::vector<float> expected(x.size());
        q::decode_reference(t.payload(), 8, o, t.channel_mins().data(), t.channel_maxs().data(), expected);
        CHECK(same_bits(ok::dequantize(t), expected));
    }
}
