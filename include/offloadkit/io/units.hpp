#ifndef OFFLOADKIT_IO_UNITS_HPP
#define OFFLOADKIT_IO_UNITS_HPP

/**
 * @file
 * @brief The one conversion between the milliseconds people write (CSV columns `*_ms`, CLI flags
 *        `--*-ms`, JSON output) and the seconds the library computes in, and the rounding used
 *        when a number is shown to people.
 *
 * Why one function: `x * 1e-3` and `x / 1000.0` differ in the last bit for most x (25.5 * 1e-3 is
 * 0.025500000000000002, 25.5 / 1000.0 is 0.0255), so a branch profiled at exactly 25.5 ms in a CSV
 * read one way was rejected against a 25.5 ms requirement given on the command line read the
 * other way (ApproxNet §4.6 compares the two with <=). Every reader of milliseconds goes through
 * ms_to_seconds(); division is chosen because it is correctly rounded: ms_to_seconds(x) is the
 * double nearest to x/1000.
 */

#include <cmath>

namespace offloadkit::io {

/// @brief Milliseconds to seconds: the double nearest to ms / 1000 (the file comment says why
///        this is the only conversion). O(1).
[[nodiscard]] constexpr double ms_to_seconds(double ms) noexcept { return ms / 1000.0; }

/// @brief Seconds to milliseconds, s * 1000 (exact inverse of ms_to_seconds() for every value a
///        person types with up to 12 significant digits). O(1).
[[nodiscard]] constexpr double seconds_to_ms(double s) noexcept { return s * 1000.0; }

/**
 * @brief `v` rounded to `decimals` decimal places for people (JSON and tables): 0.018 s shown
 *        in ms is 18, not 18.000000000000004. Non-finite values pass unchanged. O(1).
 * @code
 * ok::io::for_people(ok::io::seconds_to_ms(0.010 + 0.008), 3);   // 18
 * @endcode
 */
[[nodiscard]] inline double for_people(double v, int decimals = 3) noexcept {
    if (!std::isfinite(v)) {
        return v;
    }
    const double scale = std::pow(10.0, decimals);
    const double r = std::round(v * scale) / scale;
    return std::isfinite(r) ? r : v;
}

}  // namespace offloadkit::io

#endif  // OFFLOADKIT_IO_UNITS_HPP
