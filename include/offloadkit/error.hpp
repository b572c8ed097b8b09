#ifndef OFFLOADKIT_ERROR_HPP
#define OFFLOADKIT_ERROR_HPP

/**
 * @file
 * @brief The one exception type offloadkit throws for rejected input, and the one checking helper
 *        every public function uses to raise it.
 *
 * Messages have the form "function: argument[index] is value" (see docs/api.md, "errors"),
 * for example `platt_calibrator::fit: scores[17] is NaN`. Validation happens once, at the public
 * boundary, before anything is written: an output span is either fully written or untouched.
 */

#include <charconv>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace offloadkit {

/**
 * @brief Thrown for every input offloadkit rejects (bad value, size mismatch, malformed bytes).
 *
 * Derives from std::invalid_argument so existing `catch (const std::invalid_argument&)` handlers
 * keep working.
 */
class invalid_argument : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

namespace detail {

/// An argument name with an optional element index; prints as `name` or `name[index]`.
struct arg_at {
    std::string_view name;
    std::size_t index = static_cast<std::size_t>(-1);
};

/// Appends `v` to `out` as the shortest text that reads back to the same double;
/// NaN prints as "NaN", infinities as "inf" / "-inf".
inline void append_part(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
        return;
    }
    if (std::isinf(v)) {
        out += v < 0 ? "-inf" : "inf";
        return;
    }
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, res.ptr);
}

inline void append_part(std::string& out, float v) { append_part(out, static_cast<double>(v)); }

inline void append_part(std::string& out, long double v) { append_part(out, static_cast<double>(v)); }

template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>)
void append_part(std::string& out, T v) {
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, res.ptr);
}

inline void append_part(std::string& out, bool v) { out += v ? "true" : "false"; }

inline void append_part(std::string& out, char c) { out += c; }

inline void append_part(std::string& out, std::string_view s) { out += s; }

inline void append_part(std::string& out, const char* s) { out += s; }

inline void append_part(std::string& out, const std::string& s) { out += s; }

inline void append_part(std::string& out, const arg_at& a) {
    out += a.name;
    if (a.index != static_cast<std::size_t>(-1)) {
        out += '[';
        append_part(out, a.index);
        out += ']';
    }
}

/**
 * @brief Throws offloadkit::invalid_argument with the message "function: " followed by `parts`
 *        concatenated (numbers in shortest round-trip form, NaN as "NaN").
 * @throws offloadkit::invalid_argument always.
 */
template <class... Parts>
[[noreturn]] void fail(std::string_view function, const Parts&... parts) {
    std::string msg;
    msg.reserve(96);
    msg += function;
    msg += ": ";
    (append_part(msg, parts), ...);
    throw invalid_argument(msg);
}

/**
 * @brief The checking helper: if `condition` is false, throws offloadkit::invalid_argument whose
 *        message is "function: " + parts (see fail()).
 *
 * Example: `require(bits >= 1 && bits <= 16, "quantize", "bits is ", bits, ", expected 1..16");`
 */
template <class... Parts>
constexpr void require(bool condition, std::string_view function, const Parts&... parts) {
    if (!condition) [[unlikely]] {
        fail(function, parts...);
    }
}

/// Throws "function: name[i] is NaN" (or inf) for the first non-finite element of `values`.
template <class T>
    requires std::floating_point<std::remove_const_t<T>>
void require_finite(std::span<T> values, std::string_view function, std::string_view name) {
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (!std::isfinite(values[i])) [[unlikely]] {
            fail(function, arg_at{name, i}, " is ", values[i]);
        }
    }
}

/// Throws "function: name is value, expected a finite number" unless `value` is finite.
inline void require_finite(double value, std::string_view function, std::string_view name) {
    require(std::isfinite(value), function, name, " is ", value, ", expected a finite number");
}

/// Throws unless `value` is finite and > 0: "function: name is value, expected > 0".
inline void require_positive(double value, std::string_view function, std::string_view name) {
    require(std::isfinite(value) && value > 0.0, function, name, " is ", value,
            ", expected a finite number > 0");
}

/// Throws unless `value` is finite and >= 0: "function: name is value, expected >= 0".
inline void require_non_negative(double value, std::string_view function, std::string_view name) {
    require(std::isfinite(value) && value >= 0.0, function, name, " is ", value,
            ", expected a finite number >= 0");
}

/// Throws "function: name[i] is v, expected a value in [0, 1]" for the first element outside
/// [0, 1] (NaN included).
template <class T>
    requires std::floating_point<std::remove_const_t<T>>
void require_unit_interval(std::span<T> values, std::string_view function, std::string_view name) {
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double v = static_cast<double>(values[i]);
        if (!(v >= 0.0 && v <= 1.0)) [[unlikely]] {
            fail(function, arg_at{name, i}, " is ", v, ", expected a value in [0, 1]");
        }
    }
}

/// Throws "function: name is empty" when `size` is 0.
inline void require_not_empty(std::size_t size, std::string_view function, std::string_view name) {
    require(size != 0, function, name, " is empty");
}

/// Throws "function: name has size a, expected b (the size of other)" when the sizes differ.
inline void require_same_size(std::size_t size, std::size_t expected, std::string_view function,
                              std::string_view name, std::string_view other) {
    require(size == expected, function, name, " has size ", size, ", expected ", expected,
            " (the size of ", other, ")");
}

/// Throws "function: name[i] is v, expected 0 or 1" for the first label that is neither.
template <class T>
    requires std::integral<std::remove_const_t<T>>
void require_binary(std::span<T> labels, std::string_view function, std::string_view name) {
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] != 0 && labels[i] != 1) [[unlikely]] {
            fail(function, arg_at{name, i}, " is ", static_cast<long long>(labels[i]),
                 ", expected 0 or 1");
        }
    }
}

}  // namespace detail
}  // namespace offloadkit

#endif  // OFFLOADKIT_ERROR_HPP
