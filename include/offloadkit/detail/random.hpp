#ifndef OFFLOADKIT_DETAIL_RANDOM_HPP
#define OFFLOADKIT_DETAIL_RANDOM_HPP

/**
 * @file
 * @brief Seeded, portable randomness: xoshiro256** (Blackman & Vigna, 2018) seeded through
 *        splitmix64, with offloadkit's own distributions.
 *
 * std::uniform_*_distribution and std::normal_distribution differ between standard libraries,
 * so results built on them are not reproducible across platforms. Everything here is specified
 * bit for bit: uniform integers and doubles are identical on every platform; normal() goes
 * through std::log/std::cos/std::sqrt and so is reproducible wherever libm is (glibc: yes).
 */

#include <cmath>
#include <cstdint>
#include <limits>

namespace offloadkit::detail {

/// splitmix64 step (Steele, Lea & Flood 2014): used to expand one 64-bit seed into a state.
constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/**
 * @brief xoshiro256** generator with portable distributions. A regular value: copy it to fork
 *        an identical stream. Satisfies std::uniform_random_bit_generator.
 */
class rng {
public:
    using result_type = std::uint64_t;

    constexpr explicit rng(std::uint64_t seed = 0x0FF10ADC17ULL) noexcept {
        std::uint64_t sm = seed;
        for (auto& w : s_) {
            w = splitmix64(sm);
        }
    }

    static constexpr result_type min() noexcept { return 0; }
    static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

    /// Next 64 random bits.
    constexpr result_type operator()() noexcept {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    /// Uniform double in [0, 1) from the top 53 bits.
    constexpr double uniform() noexcept {
        return static_cast<double>((*this)() >> 11) * 0x1.0p-53;
    }

    /// Uniform double in [lo, hi).
    constexpr double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }

    /// Uniform integer in [0, n) for n >= 1, unbiased (Lemire 2019, multiply-and-reject).
    constexpr std::uint64_t below(std::uint64_t n) noexcept {
        if (n <= 1) {
            return 0;
        }
        std::uint64_t low = 0;
        std::uint64_t high = mul_128((*this)(), n, low);
        if (low < n) {
            const std::uint64_t threshold = (0 - n) % n;
            while (low < threshold) {
                high = mul_128((*this)(), n, low);
            }
        }
        return high;
    }

    /// Uniform integer in [lo, hi] (inclusive), lo <= hi.
    constexpr std::int64_t between(std::int64_t lo, std::int64_t hi) noexcept {
        const auto span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1;
        if (span == 0) {  // the whole 64-bit range
            return static_cast<std::int64_t>((*this)());
        }
        return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + below(span));
    }

    /// true with probability p (p <= 0: never, p >= 1: always).
    constexpr bool bernoulli(double p) noexcept { return uniform() < p; }

    /// Standard normal variate by Box–Muller (both variates used, the second cached).
    double normal() noexcept {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        double u1 = uniform();
        while (u1 <= 0.0) {
            u1 = uniform();
        }
        const double u2 = uniform();
        const double r = std::sqrt(-2.0 * std::log(u1));
        constexpr double two_pi = 6.283185307179586476925286766559;
        spare_ = r * std::sin(two_pi * u2);
        has_spare_ = true;
        return r * std::cos(two_pi * u2);
    }

    /// Normal variate with the given mean and standard deviation.
    double normal(double mean, double stddev) noexcept { return mean + stddev * normal(); }

    friend constexpr bool operator==(const rng&, const rng&) = default;

private:
    /// Full 64x64 -> 128-bit product without compiler extensions: returns the high word.
    static constexpr std::uint64_t mul_128(std::uint64_t a, std::uint64_t b, std::uint64_t& low) noexcept {
        const std::uint64_t a_lo = a & 0xFFFFFFFFULL;
        const std::uint64_t a_hi = a >> 32;
        const std::uint64_t b_lo = b & 0xFFFFFFFFULL;
        const std::uint64_t b_hi = b >> 32;
        const std::uint64_t ll = a_lo * b_lo;
        const std::uint64_t lh = a_lo * b_hi;
        const std::uint64_t hl = a_hi * b_lo;
        const std::uint64_t hh = a_hi * b_hi;
        const std::uint64_t mid = (ll >> 32) + (lh & 0xFFFFFFFFULL) + (hl & 0xFFFFFFFFULL);
        low = (mid << 32) | (ll & 0xFFFFFFFFULL);
        return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
    }

    static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
        return (x << k) | (x >> (64 - k));
    }

    std::uint64_t s_[4]{};
    double spare_ = 0.0;
    bool has_spare_ = false;
};

}  // namespace offloadkit::detail

#endif  // OFFLOADKIT_DETAIL_RANDOM_HPP
