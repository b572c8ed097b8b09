#ifndef OFFLOADKIT_KERNELS_QUANTIZE_HPP
#define OFFLOADKIT_KERNELS_QUANTIZE_HPP

/**
 * @file
 * @brief AMVP's uniform feature quantizer (AMVP §IV-B, eq. 1 and 2): n-bit codes, bit-packed,
 *        with a versioned little-endian wire format and a validating parser.
 *
 * A split CNN sends the features of its first part (FE) to its second part (FI) on another
 * device. The sender calls quantize() (or quantize_to_wire(), which writes the wire message
 * directly into a caller buffer); the receiver calls quantized_tensor::deserialize() and
 * dequantize() (or dequantize_wire(), which does both without building an object).
 *
 * ### Arithmetic (identical in the SIMD path and in the scalar reference)
 * With L = 2^bits - 1, lo = min(F), hi = max(F), and IEEE-754 binary32 operations rounded to
 * nearest, evaluated in exactly this order:
 *
 *     s     = 2L / (hi - lo)           computed in binary64, rounded once to binary32
 *     t     = (x - lo) * s             binary32: t is 2y, y = (x - lo) / (hi - lo) * L
 *     code  = min((floor(t) + 1) / 2, L)   in integers: floor(y + 1/2) with y = t/2, exactly
 *     x^    = lo + (code * (hi - lo)) / L  binary32, in this order (eq. 2)
 *
 * So a code is the API rule floor((x - min)/(max - min)*(2^bits - 1) + 0.5) evaluated with one
 * rounding of the scale and one of the product (the +1/2 and the floor are exact). Ties land as
 * written whenever the quotient is exact, e.g. bits 2 and x = 0.5 in [0, 1]: t = 3, code 2. A
 * multiplication by s instead of a division by (hi - lo) per element keeps quantize at memory
 * speed. hi == lo gives every code 0. When binary32 cannot hold the intermediate values (hi - lo
 * or (hi - lo)*L overflows, or s is not a normal binary32 number: data spanning nearly all of
 * binary32, or a range of a few ulps of the smallest normal) the same formulas are evaluated in
 * binary64 for that tensor or channel, x^ rounded to binary32 at the end. No product is ever added
 * to anything, so the results do not depend on whether the compiler contracts a*b+c into a fused
 * multiply-add (-ffp-contract, -march): the SIMD path and the scalar reference are bit-identical
 * on every target.
 *
 * Reconstruction: |x^ - x| <= (hi - lo) / (2 L) plus a few binary32 roundings of |x|, |lo|, |hi|.
 *
 * ### Payload: bit-packed, LSB first
 * Code i occupies bits [i*bits, (i+1)*bits) of the payload read as one little-endian bit stream:
 * stream bit j is bit (j mod 8) of byte j/8, and the least significant bit of a code comes first
 * (numpy: `np.packbits(code_bits, bitorder='little')`). The payload has ceil(count*bits/8) bytes;
 * unused high bits of the last byte are zero.
 *
 * ### Wire format, version 1 (all integers unsigned little-endian, floats IEEE-754 binary32 LE)
 *
 *     offset   size  field
 *     0        4     magic "OKQT" (0x4F 0x4B 0x51 0x54)
 *     4        1     version = 1
 *     5        1     bits, 1..16
 *     6        1     layout: 0 per tensor, 1 per channel CHW, 2 per channel HWC
 *     7        1     reserved, must be 0
 *     8        8     count: number of elements (u64)
 *     16       4     channels C (u32): 1 for layout 0; >= 1 and dividing count otherwise
 *     20       8*C   per channel c: min_c (f32), max_c (f32); finite, min_c <= max_c
 *     20+8*C   P     payload, P = ceil(count*bits/8), padding bits zero
 *
 * The message is exactly 20 + 8*C + P bytes (nothing may follow). deserialize() rejects anything
 * else, including a nonzero code in a channel whose min equals its max, so every accepted message
 * is consistent in every field, dequantizes to finite values and re-serializes to the same bytes.
 * (It need not be one quantize() could have produced: quantize() also puts codes 0 and 2^bits - 1
 * in every non-flat channel and never writes -0 as a range, which the parser does not require.)
 * The parser never reads outside the given span (checked sizes before every access, overflow-safe
 * arithmetic). See also docs/wire-format.md.
 */

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "../detail/simd.hpp"
#include "../error.hpp"

// GCC 12 false positives from its AVX-512 intrinsics: see detail/simd.hpp.
OFFLOADKIT_DETAIL_GCC12_AVX512_BEGIN

namespace offloadkit {

/// How min/max are taken: over the whole tensor (the paper), or per channel of a CHW or HWC tensor.
enum class channel_layout : std::uint8_t {
    per_tensor = 0,  ///< one (min, max) for the whole tensor: AMVP eq. 1
    chw = 1,         ///< channel c = elements [c*H*W, (c+1)*H*W)
    hwc = 2,         ///< channel c = elements i with i % C == c
};

/// Options of quantize(): per-tensor (default) or per-channel ranges.
struct quantize_options {
    channel_layout layout = channel_layout::per_tensor;
    std::size_t channels = 1;  ///< C; must be 1 for per_tensor, >= 1 and divide the element count otherwise
};

/// Size of the fixed part of the wire header (before the per-channel ranges).
inline constexpr std::size_t quantized_fixed_header_size = 20;
/// Current wire format version.
inline constexpr std::uint8_t quantized_wire_version = 1;

namespace detail::quant {

inline constexpr std::size_t block = 256;  // codes staged on the stack between compute and pack
inline constexpr std::size_t max_stack_channels = 1024;  // float ranges kept on the stack
inline constexpr std::size_t max_stack_params = 256;     // channel parameters kept on the stack

/// std::allocator whose value-less construct() default-initialises: resize() of a byte vector then
/// leaves the new bytes unwritten instead of zeroing them, for buffers the caller overwrites
/// completely (the payload: pack_fast writes every byte, padding included).
template <class T>
struct default_init_allocator : std::allocator<T> {
    using value_type = T;
    template <class U>
    struct rebind {
        using other = default_init_allocator<U>;
    };
    default_init_allocator() = default;
    template <class U>
    constexpr default_init_allocator(const default_init_allocator<U>&) noexcept {}  // NOLINT: converting
    template <class U>
    void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
        ::new (static_cast<void*>(p)) U;
    }
    template <class U, class... Args>
    void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
};

template <class = void>
inline void check_bits(int bits, std::string_view fn) {
    require(bits >= 1 && bits <= 16, fn, "bits is ", bits, ", expected 1..16");
}

/// ceil(count * bits / 8) without overflow; throws if the result does not fit size_t.
template <class = void>
inline std::size_t payload_size(std::size_t count, int bits, std::string_view fn) {
    const auto b = static_cast<std::size_t>(bits);
    const std::size_t whole = count / 8;
    require(whole <= (std::numeric_limits<std::size_t>::max() - 16) / b, fn, "count is ", count,
            ", too large for a payload of ", bits, "-bit codes");
    return whole * b + ((count % 8) * b + 7) / 8;
}

template <class = void>
inline void check_options(std::size_t count, const quantize_options& o, std::string_view fn) {
    const auto lay = static_cast<unsigned>(o.layout);
    require(lay <= 2, fn, "options.layout is ", lay, ", expected 0 (per_tensor), 1 (chw) or 2 (hwc)");
    if (o.layout == channel_layout::per_tensor) {
        require(o.channels == 1, fn, "options.channels is ", o.channels, ", expected 1 for per_tensor");
    } else {
        require(o.channels >= 1 && o.channels <= 0xFFFFFFFFu, fn, "options.channels is ", o.channels,
                ", expected 1..4294967295");
        require(count % o.channels == 0, fn, "options.channels is ", o.channels,
                ", which does not divide the element count ", count);
    }
}

// ---- per-element arithmetic (the definition; SIMD kernels mirror it operation by operation) ----

/// Parameters of one channel (or of the whole tensor) for codes of `levels` = 2^bits - 1.
struct params {
    float lo = 0.0F;
    float range = 0.0F;  // hi - lo (binary32), for eq. 2
    float scale = 0.0F;  // 2L / (hi - lo), rounded once to binary32, for eq. 1
    double lo_d = 0.0;
    double range_d = 0.0;
    double scale_d = 0.0;
    bool flat = true;   // hi == lo: every code is 0
    bool wide = false;  // binary32 would overflow or lose the scale: binary64 arithmetic
};

template <class = void>
inline params make_params(float lo, float hi, std::uint32_t levels) noexcept {
    params p;
    p.lo = lo;
    p.range = hi - lo;
    p.lo_d = static_cast<double>(lo);
    p.range_d = static_cast<double>(hi) - static_cast<double>(lo);
    p.flat = !(hi > lo);
    if (!p.flat) {
        p.scale_d = 2.0 * static_cast<double>(levels) / p.range_d;
        constexpr double fmax = std::numeric_limits<float>::max();
        constexpr double fmin = std::numeric_limits<float>::min();
        p.wide = !(p.range <= std::numeric_limits<float>::max() / static_cast<float>(levels) && p.scale_d <= fmax &&
                   p.scale_d >= fmin);
        p.scale = p.wide ? 0.0F : static_cast<float>(p.scale_d);  // in range: no overflowing conversion
    }
    return p;
}

/// Code of one finite value x with lo <= x <= hi (AMVP eq. 1; arithmetic in the file comment):
/// t = (x - lo) * s with s = 2L / (hi - lo), code = min((floor(t) + 1) / 2, L) in integers, which
/// is floor(t/2 + 1/2) exactly. No addition ever consumes the product.
inline std::uint32_t code_of(float x, const params& p, std::uint32_t levels) noexcept {
    if (p.flat) {
        return 0;
    }
    std::int64_t twice = 0;  // floor(t)
    if (p.wide) {
        twice = static_cast<std::int64_t>((static_cast<double>(x) - p.lo_d) * p.scale_d);
    } else {
        const float d = x - p.lo;
        twice = static_cast<std::int32_t>(d * p.scale);
    }
    const auto code = static_cast<std::uint32_t>((twice + 1) >> 1);
    return code < levels ? code : levels;
}

/// Dequantized value of one code (AMVP eq. 2).
inline float value_of(std::uint32_t code, const params& p, std::uint32_t levels) noexcept {
    if (p.wide) {
        const double v = (static_cast<double>(code) * p.range_d) / static_cast<double>(levels);
        return static_cast<float>(p.lo_d + v);
    }
    const float v = (static_cast<float>(code) * p.range) / static_cast<float>(levels);
    return p.lo + v;
}

/// Replaces -0 by +0 so that SIMD and scalar min/max (which may differ in the sign of zero) agree.
inline float canonical_zero(float v) noexcept { return v == 0.0F ? 0.0F : v; }

// ---- little-endian byte access --------------------------------------------------------------

inline void put_u32(std::byte* p, std::uint32_t v) noexcept {
    for (int i = 0; i < 4; ++i) {
        p[i] = static_cast<std::byte>((v >> (8 * i)) & 0xFFu);
    }
}
inline void put_u64(std::byte* p, std::uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i) {
        p[i] = static_cast<std::byte>((v >> (8 * i)) & 0xFFu);
    }
}
inline void put_f32(std::byte* p, float v) noexcept { put_u32(p, std::bit_cast<std::uint32_t>(v)); }
inline std::uint32_t get_u32(const std::byte* p) noexcept {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
        v |= static_cast<std::uint32_t>(std::to_integer<std::uint8_t>(p[i])) << (8 * i);
    }
    return v;
}
inline std::uint64_t get_u64(const std::byte* p) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
        v |= static_cast<std::uint64_t>(std::to_integer<std::uint8_t>(p[i])) << (8 * i);
    }
    return v;
}
inline float get_f32(const std::byte* p) noexcept { return std::bit_cast<float>(get_u32(p)); }

// ---- bit packing ------------------------------------------------------------------------------

/// Streaming LSB-first bit writer over a payload of known size.
class bit_writer {
public:
    explicit bit_writer(std::byte* out) noexcept : out_(out) {}

    template <class = void>
    void put(const std::uint32_t* codes, std::size_t n, int bits) noexcept {
        // local copies: byte stores may alias the members, which would block vectorisation
        std::byte* out = out_;
        if (fill_ == 0 && bits == 8) {
            for (std::size_t i = 0; i < n; ++i) {
                out[i] = static_cast<std::byte>(codes[i]);
            }
            out_ = out + n;
            return;
        }
        if (fill_ == 0 && bits == 16) {
            for (std::size_t i = 0; i < n; ++i) {
                out[2 * i] = static_cast<std::byte>(codes[i] & 0xFFu);
                out[2 * i + 1] = static_cast<std::byte>(codes[i] >> 8);
            }
            out_ = out + 2 * n;
            return;
        }
        const auto b = static_cast<unsigned>(bits);
        for (std::size_t i = 0; i < n; ++i) {
            acc_ |= static_cast<std::uint64_t>(codes[i]) << fill_;
            fill_ += b;
            if (fill_ >= 32) {
                put_u32(out_, static_cast<std::uint32_t>(acc_));
                out_ += 4;
                acc_ >>= 32;
                fill_ -= 32;
            }
        }
    }

    /// Writes the remaining ceil(fill/8) bytes (padding bits zero).
    void finish() noexcept {
        while (fill_ > 0) {
            *out_++ = static_cast<std::byte>(acc_ & 0xFFu);
            acc_ >>= 8;
            fill_ = fill_ > 8 ? fill_ - 8 : 0;
        }
    }

private:
    std::byte* out_;
    std::uint64_t acc_ = 0;
    unsigned fill_ = 0;
};

/// Streaming LSB-first bit reader; reads exactly the bytes the requested codes occupy.
class bit_reader {
public:
    explicit bit_reader(const std::byte* in) noexcept : in_(in) {}

    template <class = void>
    void get(std::uint32_t* codes, std::size_t n, int bits) noexcept {
        const std::byte* in = in_;
        if (fill_ == 0 && bits == 8) {
            for (std::size_t i = 0; i < n; ++i) {
                codes[i] = std::to_integer<std::uint32_t>(in[i]);
            }
            in_ = in + n;
            return;
        }
        if (fill_ == 0 && bits == 16) {
            for (std::size_t i = 0; i < n; ++i) {
                codes[i] = std::to_integer<std::uint32_t>(in[2 * i]) |
                           (std::to_integer<std::uint32_t>(in[2 * i + 1]) << 8);
            }
            in_ = in + 2 * n;
            return;
        }
        const auto b = static_cast<unsigned>(bits);
        const std::uint64_t mask = (std::uint64_t{1} << b) - 1;
        for (std::size_t i = 0; i < n; ++i) {
            while (fill_ < b) {
                acc_ |= static_cast<std::uint64_t>(std::to_integer<std::uint8_t>(*in_++)) << fill_;
                fill_ += 8;
            }
            codes[i] = static_cast<std::uint32_t>(acc_ & mask);
            acc_ >>= b;
            fill_ -= b;
        }
    }

private:
    const std::byte* in_;
    std::uint64_t acc_ = 0;
    unsigned fill_ = 0;
};

// ---- SIMD kernels -----------------------------------------------------------------------------

using fbatch = xsimd::batch<float>;
using ibatch = xsimd::batch<std::int32_t>;
inline constexpr std::size_t flanes = fbatch::size;

/// true iff every value is finite (x - x is +0 for finite x, NaN for inf and NaN).
/// Four accumulators: one chain of dependent additions would be bound by the add latency.
template <class = void>
inline bool all_finite_simd(const float* x, std::size_t n) noexcept {
    fbatch acc[4] = {fbatch(0.0F), fbatch(0.0F), fbatch(0.0F), fbatch(0.0F)};
    std::size_t i = 0;
    for (; i + 4 * flanes <= n; i += 4 * flanes) {
        for (std::size_t k = 0; k < 4; ++k) {
            const fbatch v = fbatch::load_unaligned(x + i + k * flanes);
            acc[k] = acc[k] + (v - v);
        }
    }
    for (; i + flanes <= n; i += flanes) {
        const fbatch v = fbatch::load_unaligned(x + i);
        acc[0] = acc[0] + (v - v);
    }
    float tail = 0.0F;
    for (; i < n; ++i) {
        tail = tail + (x[i] - x[i]);
    }
    return simd::reduce_add((acc[0] + acc[1]) + (acc[2] + acc[3])) + tail == 0.0F;
}

/// Keeps a loaded batch in a register. Without it GCC folds the load into each of the three
/// operations that use it (vminps/vmaxps/vaddps with a memory operand), which triples the loads
/// and makes the range pass load-port bound (x86 only; elsewhere a no-op).
template <class = void>
inline void in_register([[maybe_unused]] fbatch& v) noexcept {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && defined(__AVX__)
    asm("" : "+x"(v.data));
#endif
}

/// min and max of n >= 1 values (zeros canonicalised to +0); returns false if any value is NaN
/// or infinite (lo/hi are then meaningless). One pass, four independent accumulator triples.
///
/// Finiteness costs one addition per batch: the lanes also accumulate the plain sum, which is
/// finite whenever every value is (NaN and inf propagate through additions); only when the sum is
/// not finite (a NaN or inf, or finite values whose sum overflows) the exact all_finite_simd check
/// runs. min and max are exact on NaN-free data, so lo/hi need no second look.
template <class = void>
inline bool min_max_simd(const float* x, std::size_t n, float& lo, float& hi) noexcept {
    std::size_t i = 0;
    float l = x[0];
    float h = x[0];
    float sum = 0.0F;
    if (n >= 4 * flanes) {
        fbatch mn[4];
        fbatch mx[4];
        fbatch sm[4];
        for (std::size_t k = 0; k < 4; ++k) {
            mn[k] = fbatch::load_unaligned(x + k * flanes);
            mx[k] = mn[k];
            sm[k] = mn[k];
        }
        for (i = 4 * flanes; i + 4 * flanes <= n; i += 4 * flanes) {
            for (std::size_t k = 0; k < 4; ++k) {
                fbatch v = fbatch::load_unaligned(x + i + k * flanes);
                in_register(v);
                mn[k] = xsimd::min(mn[k], v);
                mx[k] = xsimd::max(mx[k], v);
                sm[k] = sm[k] + v;
            }
        }
        l = simd::reduce_min(xsimd::min(xsimd::min(mn[0], mn[1]), xsimd::min(mn[2], mn[3])));
        h = simd::reduce_max(xsimd::max(xsimd::max(mx[0], mx[1]), xsimd::max(mx[2], mx[3])));
        sum = simd::reduce_add((sm[0] + sm[1]) + (sm[2] + sm[3]));
    }
    // the tail by pointer: with an index, GCC 12 -O3 vectorises it and then warns (-Waggressive-
    // loop-optimizations) about an iteration count it invented, when n is a known constant
    for (const float* p = x + i; p != x + n; ++p) {
        sum = sum + *p;
        l = *p < l ? *p : l;
        h = *p > h ? *p : h;
    }
    lo = canonical_zero(l);
    hi = canonical_zero(h);
    if (!std::isfinite(sum) && !all_finite_simd(x, n)) {
        return false;
    }
    return std::isfinite(l) && std::isfinite(h);
}

/// Codes of n values that share the parameters p, as std::uint32_t (the staging block).
template <class = void>
inline void codes_simd(const float* x, std::size_t n, const params& p, std::uint32_t levels,
                       std::uint32_t* out) noexcept {
    if (p.flat) {
        std::fill_n(out, n, std::uint32_t{0});
        return;
    }
    std::size_t i = 0;
    if (!p.wide) {
        const fbatch lo(p.lo);
        const fbatch scale(p.scale);
        const ibatch one(1);
        const ibatch li(static_cast<std::int32_t>(levels));
        auto* dst = reinterpret_cast<std::int32_t*>(out);  // int32_t and uint32_t may alias; codes < 2^16
        for (; i + 4 * flanes <= n; i += 4 * flanes) {
            for (std::size_t k = 0; k < 4 * flanes; k += flanes) {
                const fbatch d = fbatch::load_unaligned(x + i + k) - lo;
                const ibatch twice = xsimd::to_int(d * scale);
                xsimd::min((twice + one) >> 1, li).store_unaligned(dst + i + k);
            }
        }
        for (; i + flanes <= n; i += flanes) {
            const fbatch d = fbatch::load_unaligned(x + i) - lo;
            const ibatch twice = xsimd::to_int(d * scale);
            xsimd::min((twice + one) >> 1, li).store_unaligned(dst + i);
        }
    }
    for (; i < n; ++i) {
        out[i] = code_of(x[i], p, levels);
    }
}

/// 8-bit codes of n values straight into the payload, one staging block at a time: the block's
/// floor(t) (twice the rounded code, see code_of) are computed as 32-bit lanes, then halved and
/// narrowed by a plain loop the compiler vectorises into pack instructions (xsimd 8 has no
/// narrowing store; its converting store_unaligned is one scalar store per lane, which made the
/// 8-bit path 3x slower). No min with L is needed here: for a plain (not wide) channel,
/// t <= 2L (1 + 2^-24)^3 < 2L + 1 (d <= hi - lo after rounding, one rounding each of the range,
/// the scale and the product), so floor(t) <= 2L and the code (floor(t) + 1) / 2 <= L.
template <class = void>
inline void codes_u8_simd(const float* x, std::size_t n, const params& p, std::uint32_t levels,
                          std::uint8_t* out) noexcept {
    if (p.flat || p.wide) {
        for (std::size_t i = 0; i < n; ++i) {
            out[i] = static_cast<std::uint8_t>(code_of(x[i], p, levels));
        }
        return;
    }
    std::size_t i0 = 0;
#if XSIMD_WITH_AVX2 && !XSIMD_WITH_AVX512F
    if constexpr (flanes == 8) {
        // AVX2: the same operations on 32 values at a time without the staging block (issue 20:
        // the store and reload of the 32-bit lanes were a third of the code pass). floor(t) by
        // truncation (t >= 0), then unsigned saturating packs to 16 bits (exact: floor(t) <= 2L),
        // the halving (floor(t) + 1) >> 1 as an unsigned average with 0 on 16-bit lanes, a pack to bytes (exact: codes <= L),
        // and one permutation that undoes the packs' interleaving of the 128-bit halves.
        const __m256 vlo = _mm256_set1_ps(p.lo);
        const __m256 vscale = _mm256_set1_ps(p.scale);
        const __m256i zero = _mm256_setzero_si256();
        const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
        for (; i0 + 32 <= n; i0 += 32) {
            const float* src = x + i0;
            const __m256i t0 = _mm256_cvttps_epi32(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(src), vlo), vscale));
            const __m256i t1 = _mm256_cvttps_epi32(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(src + 8), vlo), vscale));
            const __m256i t2 = _mm256_cvttps_epi32(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(src + 16), vlo), vscale));
            const __m256i t3 = _mm256_cvttps_epi32(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(src + 24), vlo), vscale));
            const __m256i h01 = _mm256_avg_epu16(_mm256_packus_epi32(t0, t1), zero);  // (a + 0 + 1) >> 1
            const __m256i h23 = _mm256_avg_epu16(_mm256_packus_epi32(t2, t3), zero);
            const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(h01, h23), order);
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i0), bytes);
        }
    }
#endif
    alignas(64) std::int32_t twice[block];
    const fbatch lo(p.lo);
    const fbatch scale(p.scale);
    for (std::size_t i = i0; i < n; i += block) {
        const std::size_t m = std::min(block, n - i);
        std::size_t k = 0;
        for (; k + flanes <= m; k += flanes) {
            xsimd::to_int((fbatch::load_unaligned(x + i + k) - lo) * scale).store_aligned(twice + k);
        }
        for (; k < m; ++k) {
            twice[k] = static_cast<std::int32_t>((x[i + k] - p.lo) * p.scale);
        }
        for (k = 0; k < m; ++k) {
            // 0 <= twice[k] <= 2L = 510: the halving is done on 16-bit lanes after the first pack
            out[i + k] = static_cast<std::uint8_t>((static_cast<std::uint16_t>(twice[k]) + 1u) >> 1);
        }
    }
}

/// Codes of one HWC pixel (C values, channel c with parameters ps[c], and los[c] / scales[c] the
/// same lo and scale as arrays); `plain` = no channel is flat or wide, so the vector form applies.
template <class = void>
inline void pixel_codes_simd(const float* x, std::size_t channels, const float* los, const float* scales,
                             const params* ps, bool plain, std::uint32_t levels, std::uint32_t* out) noexcept {
    std::size_t c = 0;
    if (plain) {
        const ibatch one(1);
        const ibatch li(static_cast<std::int32_t>(levels));
        auto* dst = reinterpret_cast<std::int32_t*>(out);
        for (; c + flanes <= channels; c += flanes) {
            const fbatch d = fbatch::load_unaligned(x + c) - fbatch::load_unaligned(los + c);
            const ibatch twice = xsimd::to_int(d * fbatch::load_unaligned(scales + c));
            xsimd::min((twice + one) >> 1, li).store_unaligned(dst + c);
        }
    }
    for (; c < channels; ++c) {
        out[c] = code_of(x[c], ps[c], levels);
    }
}

/// Values of n 8-bit codes (one byte each) that share the parameters p (not wide), read straight
/// from the payload: the formula of value_of in a plain loop, which GCC and clang vectorise
/// (zero-extend, convert, multiply, divide, add) without staging the codes as 32-bit integers.
template <class = void>
inline void values_u8(const std::byte* codes, std::size_t n, const params& p, std::uint32_t levels,
                      float* out) noexcept {
    const float lo = p.lo;
    const float range = p.range;
    const auto lv = static_cast<float>(levels);
    const auto* src = reinterpret_cast<const std::uint8_t*>(codes);
    for (std::size_t i = 0; i < n; ++i) {
        out[i] = lo + (static_cast<float>(src[i]) * range) / lv;
    }
}

/// Values of n codes that share the parameters p.
template <class = void>
inline void values_simd(const std::uint32_t* codes, std::size_t n, const params& p, std::uint32_t levels,
                        float* out) noexcept {
    std::size_t i = 0;
    if (!p.wide) {
        const fbatch lo(p.lo);
        const fbatch range(p.range);
        const fbatch lv(static_cast<float>(levels));
        const auto* src = reinterpret_cast<const std::int32_t*>(codes);
        for (; i + flanes <= n; i += flanes) {
            const fbatch c = xsimd::to_float(ibatch::load_unaligned(src + i));
            const fbatch v = (c * range) / lv;
            (lo + v).store_unaligned(out + i);
        }
    }
    for (; i < n; ++i) {
        out[i] = value_of(codes[i], p, levels);
    }
}

template <class = void>
inline void pixel_values_simd(const std::uint32_t* codes, std::size_t channels, const float* mins,
                              const float* maxs, const params* ps, bool plain, std::uint32_t levels,
                              float* out) noexcept {
    std::size_t c = 0;
    if (plain) {
        const fbatch lv(static_cast<float>(levels));
        const auto* src = reinterpret_cast<const std::int32_t*>(codes);
        for (; c + flanes <= channels; c += flanes) {
            const fbatch lo = fbatch::load_unaligned(mins + c);
            const fbatch range = fbatch::load_unaligned(maxs + c) - lo;
            const fbatch code = xsimd::to_float(ibatch::load_unaligned(src + c));
            const fbatch v = (code * range) / lv;
            (lo + v).store_unaligned(out + c);
        }
    }
    for (; c < channels; ++c) {
        out[c] = value_of(codes[c], ps[c], levels);
    }
}

/// Scratch for per-channel parameters (and their lo / scale as arrays): on the stack up to
/// max_stack_params channels, else on the heap.
class channel_scratch {
public:
    template <class = void>  // a template: only a caller instantiates the heap path
    explicit channel_scratch(std::size_t channels) {
        if (channels > max_stack_params) {
            heap_.resize(channels);
            heap_f_.resize(2 * channels);
        }
        const bool heap = channels > max_stack_params;
        data_ = heap ? heap_.data() : stack_.data();
        los_ = heap ? heap_f_.data() : stack_f_.data();
        scales_ = los_ + channels;
    }
    params* data() noexcept { return data_; }
    float* los() noexcept { return los_; }
    float* scales() noexcept { return scales_; }

private:
    std::array<params, max_stack_params> stack_;
    std::array<float, 2 * max_stack_params> stack_f_;
    std::vector<params> heap_;
    std::vector<float> heap_f_;
    params* data_ = nullptr;
    float* los_ = nullptr;
    float* scales_ = nullptr;
};

// ---- encode / decode cores (inputs already validated) -------------------------------------------

/// Ranges of validated finite input into mins/maxs (C entries each); SIMD.
template <class = void>
inline void ranges_fast(std::span<const float> x, const quantize_options& o, float* mins, float* maxs) noexcept {
    const std::size_t n = x.size();
    const std::size_t C = o.channels;
    if (n == 0) {
        std::fill_n(mins, C, 0.0F);
        std::fill_n(maxs, C, 0.0F);
        return;
    }
    if (o.layout != channel_layout::hwc) {
        const std::size_t len = n / C;
        for (std::size_t c = 0; c < C; ++c) {
            (void)min_max_simd(x.data() + c * len, len, mins[c], maxs[c]);
        }
        return;
    }
    std::copy_n(x.data(), C, mins);
    std::copy_n(x.data(), C, maxs);
    for (std::size_t p = C; p < n; p += C) {
        const float* px = x.data() + p;
        std::size_t c = 0;
        for (; c + flanes <= C; c += flanes) {
            const fbatch v = fbatch::load_unaligned(px + c);
            xsimd::min(fbatch::load_unaligned(mins + c), v).store_unaligned(mins + c);
            xsimd::max(fbatch::load_unaligned(maxs + c), v).store_unaligned(maxs + c);
        }
        for (; c < C; ++c) {
            mins[c] = px[c] < mins[c] ? px[c] : mins[c];
            maxs[c] = px[c] > maxs[c] ? px[c] : maxs[c];
        }
    }
    for (std::size_t c = 0; c < C; ++c) {
        mins[c] = canonical_zero(mins[c]);
        maxs[c] = canonical_zero(maxs[c]);
    }
}

/// Codes of validated input packed into payload (payload_size bytes); SIMD.
template <class = void>
inline void pack_fast(std::span<const float> x, int bits, const quantize_options& o, const float* mins,
                      const float* maxs, std::byte* payload) {
    const auto levels = (std::uint32_t{1} << bits) - 1;
    const std::size_t n = x.size();
    const std::size_t C = o.channels;
    alignas(64) std::uint32_t codes[block];
    bit_writer w(payload);
    if (o.layout != channel_layout::hwc && bits == 8) {
        // byte-aligned codes: straight into the payload
        const std::size_t len = n / C;
        auto* dst = reinterpret_cast<std::uint8_t*>(payload);
        for (std::size_t c = 0; c < C; ++c) {
            codes_u8_simd(x.data() + c * len, len, make_params(mins[c], maxs[c], levels), levels, dst + c * len);
        }
        return;
    }
    if (o.layout != channel_layout::hwc) {
        const std::size_t len = n / C;
        for (std::size_t c = 0; c < C; ++c) {
            const params p = make_params(mins[c], maxs[c], levels);
            const float* src = x.data() + c * len;
            for (std::size_t i = 0; i < len; i += block) {
                const std::size_t m = std::min(block, len - i);
                codes_simd(src + i, m, p, levels, codes);
                w.put(codes, m, bits);
            }
        }
    } else {
        channel_scratch scratch(C);
        params* ps = scratch.data();
        bool plain = true;
        for (std::size_t c = 0; c < C; ++c) {
            ps[c] = make_params(mins[c], maxs[c], levels);
            scratch.los()[c] = ps[c].lo;
            scratch.scales()[c] = ps[c].scale;
            plain = plain && !ps[c].flat && !ps[c].wide;
        }
        // a pixel at a time (a pixel larger than the staging block is staged in pieces)
        for (std::size_t p = 0; p < n; p += C) {
            for (std::size_t c0 = 0; c0 < C; c0 += block) {
                const std::size_t m = std::min(block, C - c0);
                pixel_codes_simd(x.data() + p + c0, m, scratch.los() + c0, scratch.scales() + c0, ps + c0, plain,
                                 levels, codes);
                w.put(codes, m, bits);
            }
        }
    }
    w.finish();
}

/// Values of a validated payload into out (SIMD).
template <class = void>
inline void unpack_fast(std::span<const std::byte> payload, int bits, const quantize_options& o,
                        const float* mins, const float* maxs, std::span<float> out) {
    const auto levels = (std::uint32_t{1} << bits) - 1;
    const std::size_t n = out.size();
    const std::size_t C = o.channels;
    alignas(64) std::uint32_t codes[block];
    bit_reader r(payload.data());
    if (o.layout != channel_layout::hwc) {
        const std::size_t len = n / C;
        for (std::size_t c = 0; c < C; ++c) {
            const params p = make_params(mins[c], maxs[c], levels);
            float* dst = out.data() + c * len;
            if (bits == 8 && !p.wide) {  // channel c's codes are the bytes [c len, (c + 1) len)
                values_u8(payload.data() + c * len, len, p, levels, dst);
                continue;
            }
            if (bits == 8) {
                r = bit_reader(payload.data() + c * len);
            }
            for (std::size_t i = 0; i < len; i += block) {
                const std::size_t m = std::min(block, len - i);
                r.get(codes, m, bits);
                values_simd(codes, m, p, levels, dst + i);
            }
        }
    } else {
        channel_scratch scratch(C);
        params* ps = scratch.data();
        bool plain = true;
        for (std::size_t c = 0; c < C; ++c) {
            ps[c] = make_params(mins[c], maxs[c], levels);
            plain = plain && !ps[c].wide;
        }
        for (std::size_t p = 0; p < n; p += C) {
            for (std::size_t c0 = 0; c0 < C; c0 += block) {
                const std::size_t m = std::min(block, C - c0);
                r.get(codes, m, bits);
                pixel_values_simd(codes, m, mins + c0, maxs + c0, ps + c0, plain, levels, out.data() + p + c0);
            }
        }
    }
}

// ---- scalar references (the definition, element by element and bit by bit) --------------------

/// Scalar reference of ranges_fast + pack_fast: min/max by plain loops, codes by code_of, packing
/// bit by bit. `payload` must hold payload_size bytes; it is zeroed first.
template <class = void>
inline void encode_reference(std::span<const float> x, int bits, const quantize_options& o, float* mins,
                             float* maxs, std::byte* payload) {
    const auto levels = (std::uint32_t{1} << bits) - 1;
    const std::size_t n = x.size();
    const std::size_t C = o.channels;
    auto channel_of = [&](std::size_t i) {
        return o.layout == channel_layout::per_tensor ? 0
               : o.layout == channel_layout::chw     ? i / (n / C)
                                                      : i % C;
    };
    for (std::size_t c = 0; c < C; ++c) {
        mins[c] = std::numeric_limits<float>::infinity();
        maxs[c] = -std::numeric_limits<float>::infinity();
    }
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t c = channel_of(i);
        mins[c] = std::min(mins[c], x[i]);
        maxs[c] = std::max(maxs[c], x[i]);
    }
    for (std::size_t c = 0; c < C; ++c) {
        if (n == 0) {
            mins[c] = maxs[c] = 0.0F;
        }
        mins[c] = canonical_zero(mins[c]);
        maxs[c] = canonical_zero(maxs[c]);
    }
    std::fill_n(payload, payload_size(n, bits, "encode_reference"), std::byte{0});
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t c = channel_of(i);
        const std::uint32_t code = code_of(x[i], make_params(mins[c], maxs[c], levels), levels);
        for (int b = 0; b < bits; ++b) {
            if ((code >> b) & 1u) {
                const std::size_t bit = i * static_cast<std::size_t>(bits) + static_cast<std::size_t>(b);
                payload[bit / 8] |= static_cast<std::byte>(1u << (bit % 8));
            }
        }
    }
}

/// Scalar reference of unpack_fast: codes read bit by bit, values by value_of.
template <class = void>
inline void decode_reference(std::span<const std::byte> payload, int bits, const quantize_options& o,
                             const float* mins, const float* maxs, std::span<float> out) {
    const auto levels = (std::uint32_t{1} << bits) - 1;
    const std::size_t n = out.size();
    const std::size_t C = o.channels;
    for (std::size_t i = 0; i < n; ++i) {
        std::uint32_t code = 0;
        for (int b = 0; b < bits; ++b) {
            const std::size_t bit = i * static_cast<std::size_t>(bits) + static_cast<std::size_t>(b);
            if ((std::to_integer<unsigned>(payload[bit / 8]) >> (bit % 8)) & 1u) {
                code |= 1u << b;
            }
        }
        const std::size_t c = o.layout == channel_layout::per_tensor ? 0
                              : o.layout == channel_layout::chw     ? i / (n / C)
                                                                     : i % C;
        out[i] = value_of(code, make_params(mins[c], maxs[c], levels), levels);
    }
}

// ---- wire header --------------------------------------------------------------------------------

/// A parsed and fully validated wire message (views into the bytes).
struct wire_view {
    int bits = 8;
    quantize_options options{};
    std::size_t count = 0;
    std::span<const std::byte> ranges;   // 8 * channels bytes
    std::span<const std::byte> payload;  // payload_size(count, bits) bytes
};

/// Validates a whole wire message (header, ranges, sizes, padding bits, zero codes of flat
/// channels); never reads outside `bytes`.
template <class = void>
inline wire_view parse_wire(std::span<const std::byte> bytes, std::string_view fn) {
    const std::size_t size = bytes.size();
    require(size >= quantized_fixed_header_size, fn, "bytes has size ", size, ", expected at least ",
            quantized_fixed_header_size, " (the fixed header)");
    const std::byte* b = bytes.data();
    constexpr std::uint8_t magic[4] = {0x4F, 0x4B, 0x51, 0x54};
    for (std::size_t i = 0; i < 4; ++i) {
        require(std::to_integer<std::uint8_t>(b[i]) == magic[i], fn, arg_at{"bytes", i}, " is ",
                std::to_integer<unsigned>(b[i]), ", expected ", static_cast<unsigned>(magic[i]),
                " (magic \"OKQT\")");
    }
    const unsigned version = std::to_integer<unsigned>(b[4]);
    require(version == quantized_wire_version, fn, "version (bytes[4]) is ", version, ", expected ",
            static_cast<unsigned>(quantized_wire_version));
    wire_view v;
    v.bits = std::to_integer<int>(b[5]);
    require(v.bits >= 1 && v.bits <= 16, fn, "bits (bytes[5]) is ", v.bits, ", expected 1..16");
    const unsigned layout = std::to_integer<unsigned>(b[6]);
    require(layout <= 2, fn, "layout (bytes[6]) is ", layout, ", expected 0, 1 or 2");
    require(std::to_integer<unsigned>(b[7]) == 0, fn, "reserved (bytes[7]) is ", std::to_integer<unsigned>(b[7]),
            ", expected 0");
    const std::uint64_t count64 = get_u64(b + 8);
    const std::uint32_t channels = get_u32(b + 16);
    v.options.layout = static_cast<channel_layout>(layout);
    if (v.options.layout == channel_layout::per_tensor) {
        require(channels == 1, fn, "channels (bytes[16..19]) is ", channels, ", expected 1 for layout 0");
    } else {
        require(channels >= 1, fn, "channels (bytes[16..19]) is 0, expected >= 1");
        require(count64 % channels == 0, fn, "channels (bytes[16..19]) is ", channels,
                ", which does not divide count ", count64);
    }
    v.options.channels = channels;
    const std::size_t after_fixed = size - quantized_fixed_header_size;
    require(channels <= after_fixed / 8, fn, "bytes has size ", size, ", too short for ", channels,
            " channel ranges");
    const std::size_t ranges_bytes = std::size_t{8} * channels;
    const std::size_t payload_bytes = size - quantized_fixed_header_size - ranges_bytes;
    // the largest count whose payload could fit payload_bytes: count*bits <= 8*payload_bytes
    const std::uint64_t max_count = payload_bytes >= std::numeric_limits<std::uint64_t>::max() / 8
                                        ? std::numeric_limits<std::uint64_t>::max()
                                        : (static_cast<std::uint64_t>(payload_bytes) * 8) / static_cast<unsigned>(v.bits);
    require(count64 <= max_count, fn, "count (bytes[8..15]) is ", count64, ", but only ", payload_bytes,
            " payload bytes follow");
    v.count = static_cast<std::size_t>(count64);
    const std::size_t expected = payload_size(v.count, v.bits, fn);
    require(expected == payload_bytes, fn, "bytes has size ", size, ", expected ",
            quantized_fixed_header_size + ranges_bytes + expected, " (count ", v.count, " at ", v.bits, " bits, ",
            channels, " channels)");
    v.ranges = bytes.subspan(quantized_fixed_header_size, ranges_bytes);
    v.payload = bytes.subspan(quantized_fixed_header_size + ranges_bytes, payload_bytes);
    bool any_flat = false;
    for (std::size_t c = 0; c < channels; ++c) {
        const float lo = get_f32(v.ranges.data() + 8 * c);
        const float hi = get_f32(v.ranges.data() + 8 * c + 4);
        require(std::isfinite(lo), fn, arg_at{"min", c}, " is ", lo, ", expected a finite number");
        require(std::isfinite(hi), fn, arg_at{"max", c}, " is ", hi, ", expected a finite number");
        require(lo <= hi, fn, arg_at{"min", c}, " is ", lo, ", greater than max ", hi);
        any_flat = any_flat || lo == hi;
    }
    const std::size_t used_bits = (v.count % 8) * static_cast<std::size_t>(v.bits) % 8;
    if (used_bits != 0) {
        const unsigned last = std::to_integer<unsigned>(v.payload.back());
        require((last >> used_bits) == 0, fn, "payload padding bits are not zero (last byte ", last, ")");
    }
    if (any_flat && v.count > 0) {
        // a channel with min == max must carry only zero codes (what quantize writes)
        const std::size_t n = v.count;
        const std::size_t C = channels;
        alignas(64) std::uint32_t codes[block];
        bit_reader r(v.payload.data());
        for (std::size_t i = 0; i < n; i += block) {
            const std::size_t m = std::min(block, n - i);
            r.get(codes, m, v.bits);
            for (std::size_t j = 0; j < m; ++j) {
                const std::size_t e = i + j;
                const std::size_t c = v.options.layout == channel_layout::per_tensor ? 0
                                      : v.options.layout == channel_layout::chw     ? e / (n / C)
                                                                                     : e % C;
                if (codes[j] != 0) {
                    const float lo = get_f32(v.ranges.data() + 8 * c);
                    const float hi = get_f32(v.ranges.data() + 8 * c + 4);
                    require(lo != hi, fn, arg_at{"code", e}, " is ", codes[j], ", expected 0 (channel ", c,
                            " has min == max)");
                }
            }
        }
    }
    return v;
}

}  // namespace detail::quant

/**
 * @brief Size in bytes of the bit-packed payload of `count` codes of `bits` bits: ceil(count*bits/8).
 * @throws offloadkit::invalid_argument if bits is outside 1..16 or the size overflows size_t.
 */
[[nodiscard]] inline std::size_t quantized_payload_size(std::size_t count, int bits) {
    detail::quant::check_bits(bits, "quantized_payload_size");
    return detail::quant::payload_size(count, bits, "quantized_payload_size");
}

/**
 * @brief Size in bytes of the whole wire message: 20 + 8*channels + quantized_payload_size().
 * @throws offloadkit::invalid_argument for bad bits, channels 0 or overflow.
 */
[[nodiscard]] inline std::size_t quantized_wire_size(std::size_t count, int bits, std::size_t channels = 1) {
    constexpr std::string_view fn = "quantized_wire_size";
    detail::quant::check_bits(bits, fn);
    detail::require(channels >= 1 && channels <= 0xFFFFFFFFu, fn, "channels is ", channels, ", expected 1..4294967295");
    return quantized_fixed_header_size + 8 * channels + detail::quant::payload_size(count, bits, fn);
}

/**
 * @brief A quantized feature tensor: bits, per-tensor or per-channel (min, max), element count and
 *        the bit-packed codes. A regular value (copyable, comparable); see the file comment for the
 *        arithmetic, the packing and the wire format.
 *
 * @code
 * ok::quantized_tensor qt = ok::quantize(features, 8);            // AMVP eq. 1
 * std::vector<std::byte> wire = qt.serialize();                   // to the FI device
 * auto rx = ok::quantized_tensor::deserialize(wire);              // validates everything
 * ok::dequantize(rx, out);                                        // AMVP eq. 2
 * @endcode
 */
namespace detail::quant {
struct tensor_access;
}  // namespace detail::quant

class quantized_tensor {
public:
    /// An empty tensor: 8 bits, 0 elements, min = max = 0.
    quantized_tensor() = default;

    /// Bits per code, 1..16.
    [[nodiscard]] int bits() const noexcept { return bits_; }
    /// Smallest range minimum (for per_tensor: min(F) of eq. 1).
    [[nodiscard]] float min() const noexcept { return *std::min_element(mins_.begin(), mins_.end()); }
    /// Largest range maximum (for per_tensor: max(F) of eq. 1).
    [[nodiscard]] float max() const noexcept { return *std::max_element(maxs_.begin(), maxs_.end()); }
    /// Number of elements (codes).
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    /// The bit-packed codes, LSB first, ceil(size()*bits()/8) bytes.
    [[nodiscard]] std::span<const std::byte> payload() const noexcept { return payload_; }
    /// per_tensor, chw or hwc.
    [[nodiscard]] channel_layout layout() const noexcept { return layout_; }
    /// Number of (min, max) ranges: 1 for per_tensor.
    [[nodiscard]] std::size_t channels() const noexcept { return mins_.size(); }
    /// The per-channel minima (one entry for per_tensor).
    [[nodiscard]] std::span<const float> channel_mins() const noexcept { return mins_; }
    /// The per-channel maxima (one entry for per_tensor).
    [[nodiscard]] std::span<const float> channel_maxs() const noexcept { return maxs_; }

    /**
     * @brief The code of element i (0 <= code <= 2^bits - 1), read from the packed payload. O(1).
     * @throws offloadkit::invalid_argument if i >= size().
     */
    template <class = void>
    [[nodiscard]] std::uint32_t code(std::size_t i) const {
        detail::require(i < size_, "quantized_tensor::code", "i is ", i, ", expected < size ", size_);
        const std::size_t first = i * static_cast<std::size_t>(bits_);
        std::uint32_t v = 0;
        for (int b = 0; b < bits_; ++b) {
            const std::size_t bit = first + static_cast<std::size_t>(b);
            v |= ((std::to_integer<std::uint32_t>(payload_[bit / 8]) >> (bit % 8)) & 1u) << b;
        }
        return v;
    }

    /// Bytes serialize() produces: 20 + 8*channels() + payload().size().
    [[nodiscard]] std::size_t serialized_size() const noexcept {
        return quantized_fixed_header_size + 8 * mins_.size() + payload_.size();
    }

    /**
     * @brief Writes the wire message (format in the file comment) into `out`; does not allocate.
     * @return the number of bytes written, serialized_size().
     * @throws offloadkit::invalid_argument if out.size() < serialized_size() (out untouched).
     */
    template <class = void>
    std::size_t serialize_into(std::span<std::byte> out) const {
        const std::size_t n = serialized_size();
        detail::require(out.size() >= n, "quantized_tensor::serialize_into", "out has size ", out.size(),
                        ", expected at least ", n);
        std::byte* b = out.data();
        write_header(b, bits_, layout_, size_, mins_.size());
        for (std::size_t c = 0; c < mins_.size(); ++c) {
            detail::quant::put_f32(b + quantized_fixed_header_size + 8 * c, mins_[c]);
            detail::quant::put_f32(b + quantized_fixed_header_size + 8 * c + 4, maxs_[c]);
        }
        std::copy(payload_.begin(), payload_.end(), b + quantized_fixed_header_size + 8 * mins_.size());
        return n;
    }

    /// The wire message as a new vector (see serialize_into()).
    template <class = void>
    [[nodiscard]] std::vector<std::byte> serialize() const {
        std::vector<std::byte> out(serialized_size());
        serialize_into(out);
        return out;
    }

    /**
     * @brief Parses and validates a wire message.
     * @param bytes exactly one message (format in the file comment).
     * @return the tensor; serialize() of it gives back `bytes`.
     * @throws offloadkit::invalid_argument naming the offending field for every malformed input:
     *         short or long buffer, wrong magic/version/reserved byte, bits outside 1..16, unknown
     *         layout, channel count inconsistent with layout or count, non-finite or inverted
     *         ranges, count that does not match the payload length, nonzero padding bits, nonzero
     *         codes in a channel with min == max. Never reads outside `bytes`. O(size), plus one
     *         pass over the codes when some channel has min == max.
     */
    template <class = void>  // a template: only a caller instantiates the parser (compile cost, issue 14)
    [[nodiscard]] static quantized_tensor deserialize(std::span<const std::byte> bytes) {
        quantized_tensor t;
        deserialize(bytes, t);
        return t;
    }

    /**
     * @brief deserialize() into an existing tensor, reusing its storage: no allocation when `out`
     *        already holds at least as many channels and payload bytes. `out` is untouched on error.
     */
    template <class = void>
    static void deserialize(std::span<const std::byte> bytes, quantized_tensor& out) {
        const auto v = detail::quant::parse_wire(bytes, "quantized_tensor::deserialize");
        const std::size_t C = v.options.channels;
        out.mins_.resize(C);
        out.maxs_.resize(C);
        for (std::size_t c = 0; c < C; ++c) {
            out.mins_[c] = detail::quant::get_f32(v.ranges.data() + 8 * c);
            out.maxs_[c] = detail::quant::get_f32(v.ranges.data() + 8 * c + 4);
        }
        out.payload_.assign(v.payload.begin(), v.payload.end());
        out.bits_ = v.bits;
        out.layout_ = v.options.layout;
        out.size_ = v.count;
    }

    friend bool operator==(const quantized_tensor&, const quantized_tensor&) = default;

private:
    friend struct detail::quant::tensor_access;

    static void write_header(std::byte* b, int bits, channel_layout layout, std::size_t count, std::size_t channels) {
        b[0] = std::byte{0x4F};
        b[1] = std::byte{0x4B};
        b[2] = std::byte{0x51};
        b[3] = std::byte{0x54};
        b[4] = std::byte{quantized_wire_version};
        b[5] = static_cast<std::byte>(bits);
        b[6] = static_cast<std::byte>(layout);
        b[7] = std::byte{0};
        detail::quant::put_u64(b + 8, static_cast<std::uint64_t>(count));
        detail::quant::put_u32(b + 16, static_cast<std::uint32_t>(channels));
    }

    int bits_ = 8;
    channel_layout layout_ = channel_layout::per_tensor;
    std::size_t size_ = 0;
    std::vector<float> mins_{0.0F};
    std::vector<float> maxs_{0.0F};
    // not zeroed on resize: quantize_into overwrites every byte (one pass less at 4 MB)
    std::vector<std::byte, detail::quant::default_init_allocator<std::byte>> payload_;
};

namespace detail::quant {
/// The members quantize_into() and quantize_to_wire() write (they are function templates, so that
/// only a caller instantiates the SIMD kernels: compile cost, issue 14).
struct tensor_access {
    static auto& mins(quantized_tensor& t) noexcept { return t.mins_; }
    static auto& maxs(quantized_tensor& t) noexcept { return t.maxs_; }
    static auto& payload(quantized_tensor& t) noexcept { return t.payload_; }
    static void set_shape(quantized_tensor& t, int bits, channel_layout layout, std::size_t size) noexcept {
        t.bits_ = bits;
        t.layout_ = layout;
        t.size_ = size;
    }
    static void write_header(std::byte* b, int bits, channel_layout layout, std::size_t count,
                             std::size_t channels) {
        quantized_tensor::write_header(b, bits, layout, count, channels);
    }
};

/// The per-tensor range found while validating (so the data is read once for both).
struct checked_range {
    float lo = 0.0F;
    float hi = 0.0F;
};

/// Validates bits, options and finiteness (SIMD check; a scalar scan only to name the bad index).
/// For per_tensor it returns min/max from the same pass.
template <class = void>
inline checked_range validate_input(std::span<const float> features, int bits, const quantize_options& o,
                                    std::string_view fn) {
    check_bits(bits, fn);
    check_options(features.size(), o, fn);
    (void)payload_size(features.size(), bits, fn);
    checked_range r;
    const bool finite = o.layout == channel_layout::per_tensor
                            ? features.empty() || min_max_simd(features.data(), features.size(), r.lo, r.hi)
                            : all_finite_simd(features.data(), features.size());
    if (!finite) {
        require_finite(features, fn, "features");
    }
    return r;
}
}  // namespace detail::quant

/**
 * @brief Quantizes `features` into `out`, reusing out's storage (AMVP §IV-B eq. 1).
 *
 * Does not allocate once `out` has held a tensor with at least as many channels and payload bytes
 * (the steady state of a per-frame loop). One SIMD pass for min/max (and the finiteness check),
 * one for codes and packing: O(n).
 * @param features the feature map, any element order (CHW/HWC matter only for per-channel options).
 * @param bits code width, 1..16.
 * @param out receives the tensor; untouched if an argument is rejected.
 * @param options per-tensor (default, the paper) or per-channel ranges.
 * @throws offloadkit::invalid_argument for bits outside 1..16, a NaN/inf feature (named by index),
 *         per_tensor with channels != 1, channels 0 or not dividing the element count.
 */
template <class = void>
inline void quantize_into(std::span<const float> features, int bits, quantized_tensor& out,
                          const quantize_options& options = {}) {
    constexpr std::string_view fn = "quantize";
    const auto range = detail::quant::validate_input(features, bits, options, fn);
    const std::size_t C = options.channels;
    using access = detail::quant::tensor_access;
    auto& mins = access::mins(out);
    auto& maxs = access::maxs(out);
    auto& payload = access::payload(out);
    mins.resize(C);
    maxs.resize(C);
    payload.resize(detail::quant::payload_size(features.size(), bits, fn));
    if (options.layout == channel_layout::per_tensor) {
        mins[0] = range.lo;
        maxs[0] = range.hi;
    } else {
        detail::quant::ranges_fast(features, options, mins.data(), maxs.data());
    }
    detail::quant::pack_fast(features, bits, options, mins.data(), maxs.data(), payload.data());
    access::set_shape(out, bits, options.layout, features.size());
}

/**
 * @brief Quantizes `features` to `bits`-bit codes: AMVP eq. 1 with round half up.
 *
 * code = floor((x - min) / (max - min) * (2^bits - 1) + 0.5) (binary32 arithmetic as in the file
 * comment); max == min gives every code 0; an empty input gives an empty tensor with min = max = 0.
 * @code
 * std::vector<float> features(14 * 14 * 64);                      // AMVP's 50 KB feature
 * ok::quantized_tensor qt = ok::quantize(features, 8);
 * auto per_channel = ok::quantize(features, 8, {ok::channel_layout::hwc, 64});
 * @endcode
 * @throws offloadkit::invalid_argument as quantize_into().
 */
template <class = void>
[[nodiscard]] inline quantized_tensor quantize(std::span<const float> features, int bits,
                                               const quantize_options& options = {}) {
    quantized_tensor t;
    quantize_into(features, bits, t, options);
    return t;
}

/**
 * @brief Quantizes `features` straight into a wire message in `wire` (no intermediate object).
 *
 * The sender's half of a split path: features -> bytes for the link. Does not allocate (for
 * per-channel layouts with more than 1024 channels, one scratch vector of channel parameters).
 * @return bytes written = quantized_wire_size(features.size(), bits, options.channels).
 * @throws offloadkit::invalid_argument as quantize_into(), or if wire is too small (wire untouched).
 */
template <class = void>
inline std::size_t quantize_to_wire(std::span<const float> features, int bits, std::span<std::byte> wire,
                                    const quantize_options& options = {}) {
    constexpr std::string_view fn = "quantize_to_wire";
    const auto range = detail::quant::validate_input(features, bits, options, fn);
    const std::size_t C = options.channels;
    const std::size_t need = quantized_wire_size(features.size(), bits, C);
    detail::require(wire.size() >= need, fn, "wire has size ", wire.size(), ", expected at least ", need);
    std::array<float, 2> one_range{};
    std::vector<float> heap;
    float* mins = one_range.data();
    float* maxs = one_range.data() + 1;
    std::array<float, 2 * detail::quant::max_stack_channels> stack;
    if (C > 1) {
        if (C > detail::quant::max_stack_channels) {
            heap.resize(2 * C);
            mins = heap.data();
        } else {
            mins = stack.data();
        }
        maxs = mins + C;
    }
    if (options.layout == channel_layout::per_tensor) {
        mins[0] = range.lo;
        maxs[0] = range.hi;
    } else {
        detail::quant::ranges_fast(features, options, mins, maxs);
    }
    std::byte* b = wire.data();
    detail::quant::tensor_access::write_header(b, bits, options.layout, features.size(), C);
    for (std::size_t c = 0; c < C; ++c) {
        detail::quant::put_f32(b + quantized_fixed_header_size + 8 * c, mins[c]);
        detail::quant::put_f32(b + quantized_fixed_header_size + 8 * c + 4, maxs[c]);
    }
    detail::quant::pack_fast(features, bits, options, mins, maxs, b + quantized_fixed_header_size + 8 * C);
    return need;
}

/**
 * @brief Reconstructs the features: x^ = min + code * (max - min) / (2^bits - 1) (AMVP eq. 2).
 *
 * |x^ - x| <= (max - min) / (2 (2^bits - 1)) plus binary32 rounding, for every element. Does not
 * allocate (per-channel HWC with more than 1024 channels: one scratch vector). O(n), SIMD.
 * @param out exactly qt.size() floats.
 * @throws offloadkit::invalid_argument if out.size() != qt.size() (out untouched).
 */
template <class = void>
inline void dequantize(const quantized_tensor& qt, std::span<float> out) {
    detail::require_same_size(out.size(), qt.size(), "dequantize", "out", "qt");
    const quantize_options o{qt.layout(), qt.channels()};
    detail::quant::unpack_fast(qt.payload(), qt.bits(), o, qt.channel_mins().data(), qt.channel_maxs().data(), out);
}

/**
 * @brief AMVP eq. 2 into a new vector of qt.size() floats: the values dequantize(qt, out) writes.
 *
 * One allocation. (Decoding through an L1 block appended to a reserved vector, so that the result
 * is not zero-filled first, measured no faster at 4 MB: benchmarks/kernels.md.)
 */
template <class = void>
[[nodiscard]] inline std::vector<float> dequantize(const quantized_tensor& qt) {
    std::vector<float> out(qt.size());
    dequantize(qt, std::span<float>(out));
    return out;
}

/**
 * @brief The receiver's half of a split path: validates a wire message exactly as
 *        quantized_tensor::deserialize() and dequantizes it into `out`, without building an object.
 * @param out exactly count floats (the count in the message).
 * @return the element count.
 * @throws offloadkit::invalid_argument for any malformed message (as deserialize()) or a size
 *         mismatch; out untouched on error. Does not allocate (per-channel > 1024 channels: scratch).
 */
template <class = void>
inline std::size_t dequantize_wire(std::span<const std::byte> wire, std::span<float> out) {
    constexpr std::string_view fn = "dequantize_wire";
    const auto v = detail::quant::parse_wire(wire, fn);
    detail::require(out.size() == v.count, fn, "out has size ", out.size(), ", expected ", v.count,
                    " (the count in the message)");
    const std::size_t C = v.options.channels;
    std::array<float, 2 * detail::quant::max_stack_channels> stack;
    std::vector<float> heap;
    float* mins = stack.data();
    if (C > detail::quant::max_stack_channels) {
        heap.resize(2 * C);
        mins = heap.data();
    }
    float* maxs = mins + C;
    for (std::size_t c = 0; c < C; ++c) {
        mins[c] = detail::quant::get_f32(v.ranges.data() + 8 * c);
        maxs[c] = detail::quant::get_f32(v.ranges.data() + 8 * c + 4);
    }
    detail::quant::unpack_fast(v.payload, v.bits, v.options, mins, maxs, out);
    return v.count;
}

}  // namespace offloadkit

OFFLOADKIT_DETAIL_GCC12_AVX512_END

#endif  // OFFLOADKIT_KERNELS_QUANTIZE_HPP
