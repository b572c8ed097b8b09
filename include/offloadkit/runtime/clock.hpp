#ifndef OFFLOADKIT_RUNTIME_CLOCK_HPP
#define OFFLOADKIT_RUNTIME_CLOCK_HPP

/**
 * @file
 * @brief Two models of the `time_source` concept (concepts.hpp) for the live pipelines: the
 *        process's monotonic clock, and a manual clock that tests and replays advance by hand.
 */

#include <chrono>

#include "../concepts.hpp"
#include "../error.hpp"

namespace offloadkit {

namespace detail {
/// `seconds` as a steady_clock duration, clamped to [-1e9, 1e9] s (NaN: 0): every such value
/// converts to std::chrono's 64-bit nanosecond ticks, and adds to a steady_clock time point (the
/// machine's uptime), without overflow. Converting a double outside the ticks' range (+inf, 1e300)
/// directly would be undefined behaviour. The one conversion every wait in runtime/ goes through.
[[nodiscard]] inline std::chrono::steady_clock::duration to_steady_duration(double seconds) noexcept {
    constexpr double limit = 1e9;
    const double s = seconds != seconds ? 0.0 : seconds > limit ? limit : seconds < -limit ? -limit : seconds;
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}
}  // namespace detail

/**
 * @brief std::chrono::steady_clock in seconds since this object was made (so times start near 0
 *        and frame timestamps taken from it are >= 0, as the pipelines require).
 *
 * now() is thread-safe (it only reads the monotonic clock); copies share the same origin.
 */
class steady_clock_source {
public:
    steady_clock_source() noexcept : origin_(std::chrono::steady_clock::now()) {}

    /// Seconds since construction; non-decreasing. O(1), no allocation.
    [[nodiscard]] double now() const noexcept {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - origin_).count();
    }

    /**
     * @brief The steady_clock time point of now() == seconds (for waiting with a condition variable).
     *
     * seconds is clamped to [-1e9, 1e9] (about 31 years either way) and NaN counts as 0: a double
     * outside the range of steady_clock's integer ticks (+inf from next_due() with nothing
     * outstanding, say) would otherwise make the conversion undefined behaviour.
     */
    [[nodiscard]] std::chrono::steady_clock::time_point to_time_point(double seconds) const noexcept {
        return origin_ + detail::to_steady_duration(seconds);
    }

private:
    std::chrono::steady_clock::time_point origin_;
};

/**
 * @brief A clock that only moves when told to: deterministic tests of the pipelines' deadlines.
 *
 * set() accepts any value (a test may move it backwards on purpose: the pipelines count such
 * readings and ignore them). Not thread-safe.
 */
class manual_clock {
public:
    /// Starts at `start` seconds.
    explicit manual_clock(double start = 0.0) noexcept : t_(start) {}
    [[nodiscard]] double now() const noexcept { return t_; }
    /// Jumps to `t` (any value, even backwards or NaN: that is what tests of bad clocks need).
    void set(double t) noexcept { t_ = t; }
    /**
     * @brief Moves forward by `dt` seconds.
     * @throws offloadkit::invalid_argument if dt is negative or not finite.
     */
    void advance(double dt) {
        detail::require_non_negative(dt, "manual_clock::advance", "dt");
        t_ += dt;
    }

private:
    double t_;
};

static_assert(time_source<steady_clock_source>);
static_assert(time_source<manual_clock>);

}  // namespace offloadkit

#endif  // OFFLOADKIT_RUNTIME_CLOCK_HPP
