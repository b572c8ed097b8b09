#ifndef OFFLOADKIT_DETAIL_CALIBRATION_INPUT_HPP
#define OFFLOADKIT_DETAIL_CALIBRATION_INPUT_HPP

/**
 * @file
 * @brief The argument shapes the calibration and metrics headers accept, and their validation.
 *
 * Scores, confidences and weights are contiguous sized ranges of `float` or `double`
 * (std::vector, std::array, std::span, C arrays); labels are contiguous ranges of an integral type
 * holding 0 or 1 (std::uint8_t in docs/api.md). Outputs are contiguous ranges of float or
 * double that are not const. Everything is viewed through std::span; nothing is copied.
 */

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <ranges>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "../error.hpp"

#include "simd.hpp"

namespace offloadkit::detail {

/// float or double (the element types offloadkit computes with).
template <class T>
concept real_scalar = std::same_as<std::remove_cv_t<T>, float> || std::same_as<std::remove_cv_t<T>, double>;

/// A contiguous, sized range of float or double (read only).
template <class R>
concept real_range = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
                     real_scalar<std::ranges::range_value_t<R>>;

/// A contiguous, sized range of float or double whose elements can be assigned.
template <class R>
concept writable_real_range =
    real_range<R> && !std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<R>>>;

/// A contiguous, sized range of integers (labels 0/1, class indices).
template <class R>
concept integer_range = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
                        std::integral<std::ranges::range_value_t<R>>;

/// The element type of a real range, without cv.
template <class R>
using real_value_t = std::remove_cv_t<std::ranges::range_value_t<R>>;

/// A read-only span over any real range.
template <real_range R>
[[nodiscard]] std::span<const real_value_t<R>> as_span(const R& r) noexcept {
    return {std::ranges::data(r), static_cast<std::size_t>(std::ranges::size(r))};
}

/// A writable span over any writable real range.
template <writable_real_range R>
[[nodiscard]] std::span<real_value_t<R>> as_writable_span(R&& r) noexcept {
    return {std::ranges::data(r), static_cast<std::size_t>(std::ranges::size(r))};
}

/// A read-only span over any integer range.
template <integer_range R>
[[nodiscard]] std::span<const std::remove_cv_t<std::ranges::range_value_t<R>>> as_span(const R& r) noexcept {
    return {std::ranges::data(r), static_cast<std::size_t>(std::ranges::size(r))};
}

/// true if every element is finite (one SIMD pass: x - x is 0 for finite x and NaN otherwise).
template <class T>
[[nodiscard]] bool all_finite(std::span<const T> x) noexcept {
    using batch = simd::batch<T>;
    constexpr std::size_t L = simd::lanes<T>;
    const std::size_t n = x.size();
    std::size_t i = 0;
    T tail = 0;
    if (n >= L) {
        batch acc(T(0));
        for (; i + L <= n; i += L) {
            const batch v = batch::load_unaligned(x.data() + i);
            acc += v - v;
        }
        tail = simd::reduce_add(acc);
    }
    for (; i < n; ++i) {
        tail += x[i] - x[i];
    }
    return tail == T(0);
}

/// require_finite with a SIMD fast path for the common all-valid case.
template <class T>
void require_finite_fast(std::span<const T> x, std::string_view function, std::string_view name) {
    if (!all_finite(x)) [[unlikely]] {
        require_finite(x, function, name);
    }
}

/// require_binary with a fast path: labels of any integer type, OR-ed, must not exceed 1.
template <class L>
void require_binary_fast(std::span<const L> labels, std::string_view function, std::string_view name) {
    using U = std::make_unsigned_t<std::conditional_t<std::is_same_v<L, bool>, unsigned char, L>>;
    U acc = 0;
    for (const L v : labels) {
        acc = static_cast<U>(acc | static_cast<U>(v));
    }
    if (acc > 1) [[unlikely]] {
        require_binary(labels, function, name);
    }
}

/**
 * @brief Checks sample weights: every weight finite and >= 0, and at least one > 0.
 * @throws offloadkit::invalid_argument "function: name[i] is v, expected a finite number >= 0" or
 *         "function: name are all zero".
 */
template <class T>
void require_sample_weights(std::span<const T> weights, std::string_view function, std::string_view name) {
    bool any_positive = false;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        const double w = static_cast<double>(weights[i]);
        if (!(w >= 0.0 && w <= std::numeric_limits<double>::max())) [[unlikely]] {
            fail(function, arg_at{name, i}, " is ", w, ", expected a finite number >= 0");
        }
        any_positive = any_positive || w > 0.0;
    }
    require(any_positive || weights.empty(), function, name, " are all zero");
}

/// Throws "function: name is empty" or the size-mismatch message of require_same_size.
inline void require_paired(std::size_t n, std::size_t m, std::string_view function, std::string_view first,
                           std::string_view second) {
    require_not_empty(n, function, first);
    require_same_size(m, n, function, second, first);
}

/**
 * @brief Checks a multi-class problem (n*k row-major logits, n class labels in [0, k)) and
 *        returns the labels as indices.
 * @throws offloadkit::invalid_argument for k == 0, no labels, logits.size() != n*k, a NaN or
 *         infinite logit, a label outside [0, k).
 */
template <class T, class L>
[[nodiscard]] std::vector<std::size_t> require_multiclass(std::span<const T> logits, std::size_t k,
                                                          std::span<const L> labels, std::string_view function) {
    require(k >= 1, function, "num_classes is 0, expected >= 1");
    require_not_empty(labels.size(), function, "class_labels");
    require(logits.size() % k == 0 && logits.size() / k == labels.size(), function, "logits has size ",
            logits.size(), ", expected ", labels.size(), " * ", k, " (class_labels.size() * num_classes)");
    require_finite(logits, function, "logits");
    std::vector<std::size_t> out(labels.size());
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const auto v = labels[i];
        bool ok = false;
        if constexpr (std::is_signed_v<L>) {
            ok = v >= 0 && static_cast<unsigned long long>(v) < k;
        } else {
            ok = static_cast<unsigned long long>(v) < k;
        }
        if (!ok) {
            fail(function, arg_at{"class_labels", i}, " is ", v, ", expected 0..", k - 1);
        }
        out[i] = static_cast<std::size_t>(v);
    }
    return out;
}

}  // namespace offloadkit::detail

#endif  // OFFLOADKIT_DETAIL_CALIBRATION_INPUT_HPP
