// Shared helpers of the fuzz targets (tests/fuzz/fuzz_*.cpp): a reader that turns the fuzzer's
// bytes into bounded sizes and numbers, and FUZZ_CHECK, which reports a violated property and
// aborts (libFuzzer records the input as a crash; the replay binary fails its ctest).
//
// Conventions of every target: the only acceptable exception is offloadkit::invalid_argument, and
// only from the call that takes the outside data (a parser, a fit, a kernel's validation). Every
// other exception propagates out of LLVMFuzzerTestOneInput and terminates the process.
#ifndef OFFLOADKIT_TESTS_FUZZ_FUZZ_SUPPORT_HPP
#define OFFLOADKIT_TESTS_FUZZ_FUZZ_SUPPORT_HPP

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string_view>

#define FUZZ_CHECK(cond)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            std::fprintf(stderr, "%s:%d: fuzz property violated: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                         \
        }                                                                                         \
    } while (false)

namespace fuzz {

/// Consumes the fuzzer's bytes front to back; once they run out every read returns zeros, so a
/// short input is a valid (small) case rather than an error.
class input {
public:
    input(const std::uint8_t* data, std::size_t size) noexcept : p_(data), n_(size) {}

    [[nodiscard]] std::size_t remaining() const noexcept { return n_; }
    [[nodiscard]] bool empty() const noexcept { return n_ == 0; }

    std::uint8_t byte() noexcept {
        if (n_ == 0) {
            return 0;
        }
        --n_;
        return *p_++;
    }

    std::uint16_t u16() noexcept {
        const auto lo = static_cast<std::uint16_t>(byte());
        return static_cast<std::uint16_t>(lo | static_cast<std::uint16_t>(byte() << 8));
    }

    std::uint32_t u32() noexcept {
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) {
            v |= static_cast<std::uint32_t>(byte()) << (8 * i);
        }
        return v;
    }

    std::uint64_t u64() noexcept {
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) {
            v |= static_cast<std::uint64_t>(byte()) << (8 * i);
        }
        return v;
    }

    bool boolean() noexcept { return (byte() & 1u) != 0; }

    /// An integer in [lo, hi] (hi - lo < 65536), from one or two bytes.
    std::size_t range(std::size_t lo, std::size_t hi) noexcept {
        const std::size_t span = hi - lo + 1;
        const std::size_t v = span <= 256 ? byte() : u16();
        return lo + v % span;
    }

    /// Any double, bit pattern taken as is (NaN, inf, subnormals included).
    double raw_double() noexcept { return std::bit_cast<double>(u64()); }
    /// Any float, bit pattern taken as is.
    float raw_float() noexcept { return std::bit_cast<float>(u32()); }

    /// A value in [0, 1] on a grid of 1/65535 (both ends reachable).
    double unit() noexcept { return static_cast<double>(u16()) / 65535.0; }

    /// A double that is often "interesting": one selector byte picks a special value (0, -0,
    /// +-1, +-huge, +-tiny, subnormals, NaN, inf), a small dyadic number, a unit-grid value or
    /// a raw bit pattern.
    double number() noexcept {
        static constexpr std::array<double, 16> specials{
            0.0, -0.0, 1.0, -1.0, 0.5, 1e-300, -1e-300, 5e-324, -5e-324, 1e300, -1e300,
            std::numeric_limits<double>::max(), -std::numeric_limits<double>::max(),
            std::numeric_limits<double>::min(), std::numeric_limits<double>::infinity(),
            std::numeric_limits<double>::quiet_NaN()};
        const std::uint8_t sel = byte();
        switch (sel % 8) {
            case 0: return specials[(sel >> 3) % specials.size()];
            case 1: return raw_double();
            case 2:
            case 3: return static_cast<double>(static_cast<std::int16_t>(u16())) / 64.0;  // small dyadic
            default: return unit();
        }
    }

    /// Everything not consumed yet, as text.
    std::string_view rest_text() noexcept {
        const std::string_view s(reinterpret_cast<const char*>(p_), n_);
        p_ += n_;
        n_ = 0;
        return s;
    }

private:
    const std::uint8_t* p_;
    std::size_t n_;
};

/// |a - b| <= tol * max(1, |a|, |b|) (both finite), or both the same non-finite value.
[[nodiscard]] inline bool close(double a, double b, double tol) noexcept {
    if (!std::isfinite(a) || !std::isfinite(b)) {
        return (std::isnan(a) && std::isnan(b)) || a == b;
    }
    const double scale = std::max({1.0, std::fabs(a), std::fabs(b)});
    return std::fabs(a - b) <= tol * scale;
}

}  // namespace fuzz

#endif  // OFFLOADKIT_TESTS_FUZZ_FUZZ_SUPPORT_HPP
