// Fuzz target: the quantized-tensor wire format (kernels/quantize.hpp, docs/wire-format.md) — the
// bytes that arrive over the wireless link in a split CNN (AMVP §IV-B).
//
// An input starting with "OKQT" is taken as a wire message:
//  - deserialize() and dequantize_wire() agree on accepting it; a rejection is
//    offloadkit::invalid_argument and leaves the caller's tensor / output buffer untouched;
//  - an accepted message re-serializes to exactly the same bytes (also through serialize_into(),
//    which writes nothing past the message), and deserializing into a reused tensor gives the
//    same value;
//  - dequantize() == dequantize_wire() == the library's scalar reference, bit for bit; every code
//    is <= 2^bits - 1, a flat channel (min == max) has code 0 and dequantizes to its min, and every
//    value is finite and equals AMVP eq. 2, lo + code (hi - lo) / L, evaluated here in long
//    double, to within a few binary32 roundings.
// Any other input is taken as features to quantize (bits, layout, channels, raw floats):
//  - quantize() rejects exactly the inputs with a NaN/inf feature;
//  - otherwise quantize_into() (reused storage), quantize_to_wire() and serialize() agree, the
//    payload equals the scalar reference encoder bit for bit, the message deserializes back to
//    the same tensor, every non-flat channel holds codes 0 and 2^bits - 1 and no range bound is
//    -0, and every element reconstructs within (hi - lo) / (2 L) plus binary32 rounding (the
//    bound of AMVP eq. 1-2 stated in the header).
#include <offloadkit/kernels/quantize.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <vector>

#include "fuzz_support.hpp"

namespace ok = offloadkit;

namespace {

constexpr float sentinel = -12345.5F;

std::size_t channel_of(std::size_t i, std::size_t n, ok::channel_layout layout, std::size_t channels) {
    if (layout == ok::channel_layout::per_tensor) {
        return 0;
    }
    return layout == ok::channel_layout::chw ? i / (n / channels) : i % channels;
}

/// Properties of a tensor that deserialize() accepted or quantize() produced.
void check_dequantized(const ok::quantized_tensor& qt, std::span<const float> values) {
    const std::size_t n = qt.size();
    const auto levels = static_cast<std::uint32_t>((std::uint32_t{1} << qt.bits()) - 1);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t c = channel_of(i, n, qt.layout(), qt.channels());
        const float lo = qt.channel_mins()[c];
        const float hi = qt.channel_maxs()[c];
        const std::uint32_t code = qt.code(i);
        FUZZ_CHECK(code <= levels);
        const float v = values[i];
        FUZZ_CHECK(std::isfinite(v));
        if (lo == hi) {
            FUZZ_CHECK(code == 0);
            FUZZ_CHECK(v == lo);
            continue;
        }
        // eq. 2 with a wider type; the library rounds a few times in binary32 (or once, from
        // binary64, for ranges binary32 cannot hold).
        const long double exact = static_cast<long double>(lo) + static_cast<long double>(code) *
                                                                     (static_cast<long double>(hi) - lo) / levels;
        const long double mag = std::max({std::fabs(static_cast<long double>(lo)), std::fabs(static_cast<long double>(hi)),
                                          static_cast<long double>(std::numeric_limits<float>::min())});
        const long double tol = 8.0L * static_cast<long double>(std::numeric_limits<float>::epsilon()) * mag;
        FUZZ_CHECK(std::fabs(static_cast<long double>(v) - exact) <= tol);
    }
}

void wire_mode(std::span<const std::byte> bytes) {
    // The reused tensor holds something else first; a rejected message must leave it as it is.
    const std::vector<float> other{1.0F, -2.0F, 3.5F};
    ok::quantized_tensor reused = ok::quantize(other, 5);
    const ok::quantized_tensor before = reused;

    bool accepted = true;
    ok::quantized_tensor qt;
    try {
        qt = ok::quantized_tensor::deserialize(bytes);
    } catch (const ok::invalid_argument&) {
        accepted = false;
    }
    bool reuse_accepted = true;
    try {
        ok::quantized_tensor::deserialize(bytes, reused);
    } catch (const ok::invalid_argument&) {
        reuse_accepted = false;
    }
    FUZZ_CHECK(accepted == reuse_accepted);
    if (!accepted) {
        FUZZ_CHECK(reused == before);
        std::vector<float> out(7, sentinel);
        bool threw = false;
        try {
            (void)ok::dequantize_wire(bytes, out);
        } catch (const ok::invalid_argument&) {
            threw = true;
        }
        FUZZ_CHECK(threw);
        FUZZ_CHECK(std::all_of(out.begin(), out.end(), [](float v) { return v == sentinel; }));
        return;
    }
    FUZZ_CHECK(reused == qt);
    // serialize(deserialize(bytes)) == bytes
    FUZZ_CHECK(qt.serialized_size() == bytes.size());
    const std::vector<std::byte> again = qt.serialize();
    FUZZ_CHECK(again.size() == bytes.size() && std::equal(again.begin(), again.end(), bytes.begin()));
    std::vector<std::byte> larger(bytes.size() + 5, std::byte{0xA5});
    FUZZ_CHECK(qt.serialize_into(larger) == bytes.size());
    FUZZ_CHECK(std::equal(bytes.begin(), bytes.end(), larger.begin()));
    FUZZ_CHECK(std::all_of(larger.begin() + static_cast<std::ptrdiff_t>(bytes.size()), larger.end(),
                           [](std::byte b) { return b == std::byte{0xA5}; }));
    // dequantize == dequantize_wire == scalar reference, on an unaligned output
    const std::size_t n = qt.size();
    std::vector<float> a(n + 1), b(n), ref(n);
    ok::dequantize(qt, std::span<float>(a.data() + 1, n));
    FUZZ_CHECK(ok::dequantize_wire(bytes, b) == n);
    const ok::quantize_options o{qt.layout(), qt.channels()};
    ok::detail::quant::decode_reference(qt.payload(), qt.bits(), o, qt.channel_mins().data(),
                                        qt.channel_maxs().data(), ref);
    for (std::size_t i = 0; i < n; ++i) {
        FUZZ_CHECK(std::memcmp(&a[i + 1], &b[i], sizeof(float)) == 0);
        FUZZ_CHECK(std::memcmp(&b[i], &ref[i], sizeof(float)) == 0);
    }
    check_dequantized(qt, b);
    // a wrong-sized output is rejected and untouched
    std::vector<float> wrong(n + 1, sentinel);
    bool threw = false;
    try {
        (void)ok::dequantize_wire(bytes, wrong);
    } catch (const ok::invalid_argument&) {
        threw = true;
    }
    FUZZ_CHECK(threw);
    FUZZ_CHECK(std::all_of(wrong.begin(), wrong.end(), [](float v) { return v == sentinel; }));
}

void feature_mode(fuzz::input& in) {
    const int bits = static_cast<int>(in.range(0, 17));  // 0 and 17 are invalid
    const auto layout = static_cast<ok::channel_layout>(in.range(0, 2));
    const std::size_t n = in.range(0, 600);
    std::size_t channels = layout == ok::channel_layout::per_tensor ? 1 : in.range(1, 9);
    if (in.byte() == 0) {
        channels = in.range(0, 3);  // sometimes a channel count that need not divide n
    }
    const int mode = static_cast<int>(in.range(0, 3));
    std::vector<float> x(n);
    const float base = static_cast<float>(static_cast<std::int16_t>(in.u16()));
    const float spread = in.raw_float();
    for (auto& v : x) {
        switch (mode) {
            case 0: v = in.raw_float(); break;                                              // anything
            case 1: v = base + static_cast<float>(in.byte()) / 7.0F; break;                 // narrow range
            case 2: v = static_cast<float>(static_cast<std::int8_t>(in.byte())) * spread; break;  // wide
            default: v = in.boolean() ? base : base + 1.0F; break;                          // two values
        }
    }
    const ok::quantize_options o{layout, channels};
    const bool valid_args = bits >= 1 && bits <= 16 &&
                            (layout == ok::channel_layout::per_tensor ? channels == 1
                                                                      : channels >= 1 && n % channels == 0);
    const bool finite = std::all_of(x.begin(), x.end(), [](float v) { return std::isfinite(v); });

    ok::quantized_tensor qt;
    try {
        qt = ok::quantize(x, bits, o);
    } catch (const ok::invalid_argument&) {
        FUZZ_CHECK(!(valid_args && finite));
        return;
    }
    FUZZ_CHECK(valid_args && finite);
    // reused storage gives the same tensor
    const std::vector<float> other{0.25F, 9.0F, -3.0F, 1.0F};
    ok::quantized_tensor reused = ok::quantize(other, 3);
    ok::quantize_into(x, bits, reused, o);
    FUZZ_CHECK(reused == qt);
    // the wire message: serialize() == quantize_to_wire(), and it parses back to the same tensor
    const std::vector<std::byte> wire = qt.serialize();
    FUZZ_CHECK(wire.size() == ok::quantized_wire_size(n, bits, channels));
    std::vector<std::byte> direct(wire.size() + 3, std::byte{0x5A});
    FUZZ_CHECK(ok::quantize_to_wire(x, bits, direct, o) == wire.size());
    FUZZ_CHECK(std::equal(wire.begin(), wire.end(), direct.begin()));
    FUZZ_CHECK(ok::quantized_tensor::deserialize(wire) == qt);
    // SIMD encoder == scalar reference encoder, bit for bit
    std::vector<float> mins(channels), maxs(channels);
    std::vector<std::byte> payload(ok::quantized_payload_size(n, bits));
    ok::detail::quant::encode_reference(x, bits, o, mins.data(), maxs.data(), payload.data());
    FUZZ_CHECK(std::equal(payload.begin(), payload.end(), qt.payload().begin(), qt.payload().end()));
    for (std::size_t c = 0; c < channels; ++c) {
        FUZZ_CHECK(std::memcmp(&mins[c], &qt.channel_mins()[c], sizeof(float)) == 0);
        FUZZ_CHECK(std::memcmp(&maxs[c], &qt.channel_maxs()[c], sizeof(float)) == 0);
    }
    // every non-flat channel holds code 0 (its min) and code 2^bits - 1 (its max), and no range
    // bound is -0 (docs/wire-format.md: what quantize writes beyond what the parser requires)
    const auto top = static_cast<std::uint32_t>((std::uint32_t{1} << bits) - 1);
    std::vector<bool> has_zero(channels, false), has_top(channels, false);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t c = channel_of(i, n, layout, channels);
        has_zero[c] = has_zero[c] || qt.code(i) == 0;
        has_top[c] = has_top[c] || qt.code(i) == top;
    }
    for (std::size_t c = 0; c < channels; ++c) {
        FUZZ_CHECK(!std::signbit(qt.channel_mins()[c]) || qt.channel_mins()[c] != 0.0F);
        FUZZ_CHECK(!std::signbit(qt.channel_maxs()[c]) || qt.channel_maxs()[c] != 0.0F);
        if (n > 0 && qt.channel_mins()[c] < qt.channel_maxs()[c]) {
            FUZZ_CHECK(has_zero[c] && has_top[c]);
        }
    }
    // reconstruction bound
    std::vector<float> back(n);
    ok::dequantize(qt, back);
    check_dequantized(qt, back);
    const double levels = std::ldexp(1.0, bits) - 1.0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t c = channel_of(i, n, layout, channels);
        const double lo = qt.channel_mins()[c];
        const double hi = qt.channel_maxs()[c];
        FUZZ_CHECK(lo <= x[i] && x[i] <= hi);
        const double mag = std::max({std::fabs(lo), std::fabs(hi), static_cast<double>(std::numeric_limits<float>::min())});
        const double bound = (hi - lo) / (2.0 * levels) * (1.0 + 1e-6) + 8.0 * std::numeric_limits<float>::epsilon() * mag;
        FUZZ_CHECK(std::fabs(static_cast<double>(back[i]) - static_cast<double>(x[i])) <= bound);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size >= 4 && std::memcmp(data, "OKQT", 4) == 0) {
        wire_mode(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size));
    } else {
        fuzz::input in(data, size);
        feature_mode(in);
    }
    return 0;
}
