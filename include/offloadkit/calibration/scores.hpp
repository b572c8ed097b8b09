#ifndef OFFLOADKIT_CALIBRATION_SCORES_HPP
#define OFFLOADKIT_CALIBRATION_SCORES_HPP

/**
 * @file
 * @brief Confidence scores from a classifier's logits (CBO §III-A): the numerically stable
 *        softmax sigma(x_i) = e^{x_i} / sum_k e^{x_k}, the top-1 confidence max_i sigma(x_i), the
 *        top-1/top-2 margin and the entropy.
 *
 * Every function subtracts the largest logit before exponentiating, so no logit overflows; the
 * work is vectorised with xsimd (default architecture of the build), with a scalar reference
 * beside each kernel (detail::scores::*_scalar) that the tests compare against. None allocates.
 */

#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string_view>
#include <type_traits>

#include "../detail/calibration_input.hpp"
#include "../detail/simd.hpp"
#include "../error.hpp"

namespace offloadkit {

/// The top-1 class and its softmax probability (CBO §III-A: confidence = max_i sigma(x_i)).
struct top1 {
    std::size_t index = 0;     ///< arg max of the logits (the first one on ties, as numpy.argmax)
    double confidence = 0.0;   ///< max softmax probability, in (0, 1]
};

namespace detail::scores {

/// Largest element, scalar.
template <class T>
[[nodiscard]] T max_scalar(std::span<const T> x) noexcept {
    T m = x[0];
    for (std::size_t i = 1; i < x.size(); ++i) {
        m = x[i] > m ? x[i] : m;
    }
    return m;
}

/// Largest element, SIMD.
template <class T>
[[nodiscard]] T max_simd(std::span<const T> x) noexcept {
    using batch = simd::batch<T>;
    constexpr std::size_t L = simd::lanes<T>;
    const std::size_t n = x.size();
    T m = x[0];
    std::size_t i = 0;
    if (n >= L) {
        batch acc = batch::load_unaligned(x.data());
        for (i = L; i + L <= n; i += L) {
            acc = xsimd::max(acc, batch::load_unaligned(x.data() + i));
        }
        m = simd::reduce_max(acc);
    }
    for (; i < n; ++i) {
        m = x[i] > m ? x[i] : m;
    }
    return m;
}

/// sum_i exp(x_i - m), scalar.
template <class T>
[[nodiscard]] T sum_exp_scalar(std::span<const T> x, T m) noexcept {
    T s = 0;
    for (const T v : x) {
        s += std::exp(v - m);
    }
    return s;
}

/// sum_i exp(x_i - m), SIMD.
template <class T>
[[nodiscard]] T sum_exp_simd(std::span<const T> x, T m) noexcept {
    using batch = simd::batch<T>;
    constexpr std::size_t L = simd::lanes<T>;
    const std::size_t n = x.size();
    const batch mb(m);
    batch acc(T(0));
    std::size_t i = 0;
    for (; i + L <= n; i += L) {
        acc += simd::exp_saturating(batch::load_unaligned(x.data() + i) - mb);  // x - m may be -inf
    }
    T s = simd::reduce_add(acc);
    for (; i < n; ++i) {
        s += std::exp(x[i] - m);
    }
    return s;
}

/// probs = softmax(x), scalar reference. probs may be the same array as x.
template <class T>
void softmax_scalar(std::span<const T> x, std::span<T> probs) noexcept {
    const T m = max_scalar(x);
    T s = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const T e = std::exp(x[i] - m);
        probs[i] = e;
        s += e;
    }
    const T inv = T(1) / s;
    for (auto& p : probs) {
        p *= inv;
    }
}

/// probs = softmax(x), SIMD. probs may be the same array as x.
template <class T>
void softmax_simd(std::span<const T> x, std::span<T> probs) noexcept {
    using batch = simd::batch<T>;
    constexpr std::size_t L = simd::lanes<T>;
    const std::size_t n = x.size();
    const T m = max_simd(x);
    const batch mb(m);
    batch acc(T(0));
    std::size_t i = 0;
    for (; i + L <= n; i += L) {
        const batch e = simd::exp_saturating(batch::load_unaligned(x.data() + i) - mb);  // x - m may be -inf
        e.store_unaligned(probs.data() + i);
        acc += e;
    }
    T s = simd::reduce_add(acc);
    for (; i < n; ++i) {
        const T e = std::exp(x[i] - m);
        probs[i] = e;
        s += e;
    }
    const T inv = T(1) / s;
    const batch ib(inv);
    for (i = 0; i + L <= n; i += L) {
        (batch::load_unaligned(probs.data() + i) * ib).store_unaligned(probs.data() + i);
    }
    for (; i < n; ++i) {
        probs[i] *= inv;
    }
}

/// Index of the first element equal to m (m is the maximum).
template <class T>
[[nodiscard]] std::size_t first_index_of(std::span<const T> x, T m) noexcept {
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (x[i] == m) {
            return i;
        }
    }
    return 0;
}

/// Entropy of softmax(x) in nats: log S - (1/S) sum_j e_j (x_j - m), e_j = exp(x_j - m), scalar.
template <class T>
[[nodiscard]] double entropy_scalar(std::span<const T> x) noexcept {
    const T m = max_scalar(x);
    double s = 0.0;
    double weighted = 0.0;
    for (const T v : x) {
        const double d = static_cast<double>(v - m);
        const double e = std::exp(d);
        s += e;
        weighted += e > 0.0 ? e * d : 0.0;  // e == 0 where d == -inf: the term's limit is 0
    }
    return std::max(0.0, std::log(s) - weighted / s);
}

template <class T>
void validate_logits(std::span<const T> x, std::string_view fn) {
    require_not_empty(x.size(), fn, "logits");
    require_finite(x, fn, "logits");
}

}  // namespace detail::scores

/**
 * @brief probs = softmax(logits), numerically stable (max subtracted), CBO §III-A.
 *
 * @param logits finite values (float or double), at least one.
 * @param probs same size; written only if the input is valid. May be the same array as logits.
 *        With the same element type as logits the SIMD kernel runs; otherwise the scalar one (in
 *        the logits' type) with a conversion on store.
 * @throws offloadkit::invalid_argument for empty logits, a size mismatch, a NaN or infinite logit.
 * Complexity: O(k), no allocation.
 */
template <detail::real_range In, detail::writable_real_range Out>
void softmax(const In& logits, Out&& probs) {
    constexpr std::string_view fn = "softmax";
    const auto x = detail::as_span(logits);
    const auto p = detail::as_writable_span(probs);
    detail::scores::validate_logits(x, fn);
    detail::require_same_size(p.size(), x.size(), fn, "probs", "logits");
    using T = detail::real_value_t<In>;
    using U = detail::real_value_t<Out>;
    if constexpr (std::is_same_v<T, U>) {
        detail::scores::softmax_simd<T>(x, p);
    } else {
        const T m = detail::scores::max_scalar(x);
        const T s = detail::scores::sum_exp_scalar(x, m);
        for (std::size_t i = 0; i < x.size(); ++i) {
            p[i] = static_cast<U>(std::exp(x[i] - m) / s);
        }
    }
}

/**
 * @brief The top-1 class and its confidence max_i softmax(logits)_i = 1 / sum_j exp(x_j - x_max)
 *        (CBO §III-A).
 * @param logits finite values (float or double), at least one.
 * @return index of the largest logit (first on ties) and its softmax probability.
 * @throws offloadkit::invalid_argument for empty logits or a NaN/infinite logit.
 * Complexity: O(k), no allocation.
 */
template <detail::real_range In>
[[nodiscard]] top1 top1_confidence(const In& logits) {
    const auto x = detail::as_span(logits);
    detail::scores::validate_logits(x, "top1_confidence");
    using T = detail::real_value_t<In>;
    const T m = detail::scores::max_simd<T>(x);
    const T s = detail::scores::sum_exp_simd<T>(x, m);
    return {detail::scores::first_index_of<T>(x, m), 1.0 / static_cast<double>(s)};
}

/**
 * @brief The margin between the two largest softmax probabilities, p(1) - p(2), in [0, 1)
 *        (1 for a single class; 0 when the top two logits tie).
 * @throws offloadkit::invalid_argument for empty logits or a NaN/infinite logit.
 * Complexity: O(k), no allocation.
 */
template <detail::real_range In>
[[nodiscard]] double margin_confidence(const In& logits) {
    const auto x = detail::as_span(logits);
    detail::scores::validate_logits(x, "margin_confidence");
    using T = detail::real_value_t<In>;
    if (x.size() == 1) {
        return 1.0;
    }
    const T m = detail::scores::max_simd<T>(x);
    const std::size_t top = detail::scores::first_index_of<T>(x, m);
    T second = -std::numeric_limits<T>::infinity();
    for (std::size_t i = 0; i < x.size(); ++i) {
        second = i != top && x[i] > second ? x[i] : second;
    }
    const double s = static_cast<double>(detail::scores::sum_exp_simd<T>(x, m));
    return (1.0 - std::exp(static_cast<double>(second - m))) / s;
}

/**
 * @brief The entropy -sum_i p_i log p_i of softmax(logits), in nats (0 for a certain prediction,
 *        log k for a uniform one).
 * @throws offloadkit::invalid_argument for empty logits or a NaN/infinite logit.
 * Complexity: O(k), no allocation.
 */
template <detail::real_range In>
[[nodiscard]] double entropy(const In& logits) {
    const auto x = detail::as_span(logits);
    detail::scores::validate_logits(x, "entropy");
    return detail::scores::entropy_scalar(x);
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_CALIBRATION_SCORES_HPP
