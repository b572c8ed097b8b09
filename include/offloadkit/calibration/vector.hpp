#ifndef OFFLOADKIT_CALIBRATION_VECTOR_HPP
#define OFFLOADKIT_CALIBRATION_VECTOR_HPP

/**
 * @file
 * @brief Calibrators over a frame's whole score vector (CBO §III-B, Fig. 6) next to the scalar
 *        ones over its top-1 confidence, and the one place the offloading path applies either:
 *  - top1_calibrator<C>: a scalar calibrator C applied to the softmax top-1 of the logits
 *    (CBO §III-A/§III-B: confidence = max_i sigma(x_i), then Platt or isotonic), as a
 *    vector_calibrator;
 *  - any_calibrator: a regular, type-erased value holding either kind, for tools that choose
 *    the calibrator at run time (offloadkit-sim --calibrator), with to_string / from_string over
 *    every calibrator text offloadkit writes;
 *  - calibrated_confidence(): C(p_i) of one frame from a frame_calibrator — the scalar form on
 *    the raw confidence, the vector form on the scores — clamped to [0, 1]. cbo_policy,
 *    threshold_policy, the simulator and the pipeline all go through it.
 * one_vs_rest_calibrator (Fig. 6) is a vector_calibrator by its operator()(span).
 */

#include <algorithm>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "../concepts.hpp"
#include "../detail/dependent_type.hpp"
#include "../detail/model_text.hpp"
#include "../error.hpp"
#include "identity.hpp"
#include "isotonic.hpp"
#include "one_vs_rest.hpp"
#include "platt.hpp"
#include "scores.hpp"

namespace offloadkit {

/**
 * @brief A scalar calibrator C on the softmax top-1 of a frame's logits (CBO §III-A: the
 *        confidence max_i sigma(x_i); §III-B: Platt scaling of that score), as a
 *        vector_calibrator: t(x) = C(max_i softmax(x)_i).
 *
 * Monotone in the top-1 confidence like C itself, so it ranks frames exactly as C does; only a
 * calibrator that reads the whole vector (one_vs_rest_calibrator, Fig. 6) can rank them
 * differently.
 */
template <calibrator C>
class top1_calibrator {
public:
    top1_calibrator() = default;
    /// Wraps the scalar calibrator.
    explicit top1_calibrator(C cal) : cal_(std::move(cal)) {}

    /**
     * @brief C(max_i softmax(logits)_i) (CBO §III-A, §III-B).
     * @throws offloadkit::invalid_argument for empty logits or a NaN/infinite one, or as C.
     * Complexity: O(K) plus one C call, no allocation.
     */
    [[nodiscard]] double operator()(std::span<const double> logits) const {
        return static_cast<double>(cal_(top1_confidence(logits).confidence));
    }

    /// The wrapped scalar calibrator.
    [[nodiscard]] const C& scalar() const noexcept { return cal_; }

    /**
     * @brief Reads "offloadkit.top1_calibrator 1" followed by the wrapped calibrator's text.
     * @throws offloadkit::invalid_argument for another header, or as C::from_string.
     */
    [[nodiscard]] static top1_calibrator from_string(std::string_view text) {
        detail::model_text::reader r(text, "top1_calibrator::from_string");
        r.header("top1_calibrator", 1);
        return top1_calibrator(C::from_string(r.rest()));
    }

    friend bool operator==(const top1_calibrator&, const top1_calibrator&) = default;

private:
    C cal_{};
};

/// "offloadkit.top1_calibrator 1\n" followed by the wrapped calibrator's text (exact round trip).
template <calibrator C>
[[nodiscard]] std::string to_string(const top1_calibrator<C>& c) {
    return detail::model_text::header("top1_calibrator", 1) + to_string(c.scalar());
}

/**
 * @brief C(p_i) of one frame (CBO §III-B), clamped to [0, 1]: a scalar calibrator on the raw
 *        top-1 confidence, a vector calibrator on the frame's scores (CBO Fig. 6), an
 *        any_calibrator on whichever its content needs.
 * @param cal the calibrator.
 * @param confidence the NPU's raw top-1 softmax.
 * @param scores the NPU's K scores (may be empty for a scalar calibrator).
 * @param function the name used in error messages.
 * @throws offloadkit::invalid_argument when a vector calibrator gets no scores, or as the
 *         calibrator.
 * The scalar path is exactly std::clamp(cal(confidence), 0, 1), as before vector calibrators.
 */
template <frame_calibrator C>
[[nodiscard]] double calibrated_confidence(const C& cal, double confidence, std::span<const double> scores,
                                           std::string_view function = "calibrated_confidence") {
    if constexpr (requires { cal.calibrate(confidence, scores, function); }) {
        return std::clamp(static_cast<double>(cal.calibrate(confidence, scores, function)), 0.0, 1.0);
    } else if constexpr (calibrator<C>) {
        return std::clamp(static_cast<double>(cal(confidence)), 0.0, 1.0);
    } else {
        detail::require(!scores.empty(), function,
                        "the calibrator reads the frame's score vector (CBO Fig. 6) but the frame has no scores "
                        "(a trace needs the true_label and npu_logit@k columns)");
        return std::clamp(static_cast<double>(cal(scores)), 0.0, 1.0);
    }
}

/// Whether calibrated_confidence(cal, ...) needs the frame's scores (a vector calibrator).
template <frame_calibrator C>
[[nodiscard]] bool needs_scores(const C& cal) noexcept {
    if constexpr (requires { cal.needs_scores(); }) {
        return cal.needs_scores();
    } else {
        return !calibrator<C>;
    }
}

namespace detail {
/// any_calibrator's type-erased content (outside the class, so that comparing its pointers never
/// looks at any_calibrator's operator==).
struct any_calibrator_base {
    any_calibrator_base() = default;
    any_calibrator_base(const any_calibrator_base&) = delete;
    any_calibrator_base& operator=(const any_calibrator_base&) = delete;
    virtual ~any_calibrator_base() = default;
    [[nodiscard]] virtual bool vector() const noexcept = 0;
    [[nodiscard]] virtual double scalar(double confidence) const = 0;
    [[nodiscard]] virtual double of_scores(std::span<const double> scores) const = 0;
    [[nodiscard]] virtual bool equals(const any_calibrator_base& other) const noexcept = 0;
    [[nodiscard]] virtual std::string text() const = 0;
};

template <class C>
struct any_calibrator_holder final : any_calibrator_base {
    explicit any_calibrator_holder(C c) : cal(std::move(c)) {}
    [[nodiscard]] bool vector() const noexcept override { return !calibrator<C>; }
    [[nodiscard]] double scalar(double confidence) const override {
        if constexpr (calibrator<C>) {
            return static_cast<double>(cal(confidence));
        } else {
            detail::fail("any_calibrator", "the wrapped vector calibrator has no scalar form");
        }
    }
    [[nodiscard]] double of_scores(std::span<const double> scores) const override {
        if constexpr (vector_calibrator<C>) {
            return static_cast<double>(cal(scores));
        } else {
            return static_cast<double>(cal(top1_confidence(scores).confidence));
        }
    }
    [[nodiscard]] bool equals(const any_calibrator_base& other) const noexcept override {
        const auto* o = dynamic_cast<const any_calibrator_holder*>(&other);
        return o != nullptr && o->cal == cal;
    }
    [[nodiscard]] std::string text() const override { return to_string(cal); }
    C cal;
};
}  // namespace detail

/**
 * @brief Either kind of calibrator behind one regular value (CBO §III-B: a scalar calibrator of
 *        the top-1 confidence, or a Fig. 6 vector calibrator), for code that picks it at run time.
 *
 * Copies share the (immutable) wrapped calibrator; two any_calibrator compare equal when both are
 * empty or both hold the same type with equal values. As a vector_calibrator, a wrapped scalar
 * calibrator is applied to the softmax top-1 of the scores (top1_calibrator); in the offloading
 * path (calibrated_confidence()) it reads the frame's raw confidence instead, exactly as the
 * scalar calibrator itself would.
 * @code
 * ok::any_calibrator c = ok::platt_calibrator::fit(scores, correct);      // or a one_vs_rest_calibrator
 * ok::any_calibrator d = ok::any_calibrator::from_string(ok::to_string(c)); // d == c
 * @endcode
 */
class any_calibrator {
public:
    any_calibrator() = default;

    /// Wraps a scalar or vector calibrator (implicit, so that any calibrator converts).
    template <class C>
        requires(!std::same_as<std::remove_cvref_t<C>, any_calibrator> && frame_calibrator<C>)  // this order: no recursion
    any_calibrator(C cal)  // NOLINT(google-explicit-constructor)
        : p_(std::make_shared<const holder<C>>(std::move(cal))) {}

    /// True for a default-constructed value (every call then throws).
    [[nodiscard]] bool empty() const noexcept { return p_ == nullptr; }
    /// True when the wrapped calibrator reads the score vector (a vector calibrator).
    [[nodiscard]] bool needs_scores() const noexcept { return p_ != nullptr && p_->vector(); }

    /**
     * @brief C(p_i) of one frame: the wrapped scalar calibrator on `confidence`, or the wrapped
     *        vector calibrator on `scores`.
     * @throws offloadkit::invalid_argument when empty, when a vector calibrator gets no scores,
     *         or as the wrapped calibrator.
     */
    template <class = void>
    [[nodiscard]] double calibrate(double confidence, std::span<const double> scores,
                                   std::string_view function = "any_calibrator") const {
        detail::require(p_ != nullptr, function, "the any_calibrator is empty (default-constructed)");
        if (!p_->vector()) {
            return p_->scalar(confidence);
        }
        detail::require(!scores.empty(), function,
                        "the calibrator reads the frame's score vector (CBO Fig. 6) but the frame has no scores "
                        "(a trace needs the true_label and npu_logit@k columns)");
        return p_->of_scores(scores);
    }

    /**
     * @brief The vector form: the wrapped vector calibrator on the scores, or the wrapped scalar
     *        calibrator on their softmax top-1 (as top1_calibrator).
     * @throws offloadkit::invalid_argument when empty, or as the wrapped calibrator.
     */
    template <class = void>  // a template: only a caller instantiates the softmax (compile cost, issue 14)
    [[nodiscard]] double operator()(std::span<const double> scores) const {
        detail::require(p_ != nullptr, "any_calibrator", "the any_calibrator is empty (default-constructed)");
        return p_->vector() ? p_->of_scores(scores) : p_->scalar(top1_confidence(scores).confidence);
    }

    /// The wrapped calibrator if it is a C, else nullptr.
    template <class C>
    [[nodiscard]] const C* target() const noexcept {
        const auto* h = dynamic_cast<const holder<C>*>(p_.get());
        return h != nullptr ? &h->cal : nullptr;
    }

    /**
     * @brief Reads the text of any calibrator offloadkit writes: identity, Platt, isotonic,
     *        one-vs-rest, or top1_calibrator over identity, Platt or isotonic (the first line names
     *        the kind).
     * @throws offloadkit::invalid_argument for an unknown kind (naming it), or as that
     *         calibrator's from_string.
     */
    // A template: only a caller instantiates the readers (compile cost, issue 14). The top1 types are
    // named through Tag so that converting them to any_calibrator is checked on instantiation only
    // (g++ checks a non-dependent return at the definition, which instantiates
    // top1_calibrator<isotonic_calibrator>'s default constructor and the isotonic table code).
    template <class Tag = void>
    [[nodiscard]] static any_calibrator from_string(std::string_view text) {
        using top1_platt = typename detail::dependent_type<Tag, top1_calibrator<platt_calibrator>>::type;
        using top1_isotonic = typename detail::dependent_type<Tag, top1_calibrator<isotonic_calibrator>>::type;
        using top1_identity = typename detail::dependent_type<Tag, top1_calibrator<identity_calibrator>>::type;
        const std::string_view first = text.substr(0, text.find('\n'));
        const auto is = [&](std::string_view kind) {
            return first.starts_with(std::string("offloadkit.") + std::string(kind) + " ");
        };
        if (is("identity_calibrator")) {
            return identity_calibrator::from_string(text);
        }
        if (is("platt_calibrator")) {
            return platt_calibrator::from_string(text);
        }
        if (is("isotonic_calibrator")) {
            return isotonic_calibrator::from_string(text);
        }
        if (is("one_vs_rest_calibrator")) {
            return one_vs_rest_calibrator::from_string(text);
        }
        if (is("top1_calibrator")) {
            const std::size_t nl = text.find('\n');
            const std::string_view inner = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
            const std::string_view second = inner.substr(0, inner.find('\n'));
            if (second.starts_with("offloadkit.platt_calibrator ")) {
                return top1_platt::from_string(text);
            }
            if (second.starts_with("offloadkit.isotonic_calibrator ")) {
                return top1_isotonic::from_string(text);
            }
            return top1_identity::from_string(text);
        }
        std::string shown(first.substr(0, 60));
        detail::fail("any_calibrator::from_string", "text line 1 is '", shown,
                     "', expected 'offloadkit.<kind> 1' with kind identity_calibrator, platt_calibrator, "
                     "isotonic_calibrator, one_vs_rest_calibrator or top1_calibrator");
    }

    /// The wrapped calibrator's text ("" when empty); to_string(const any_calibrator&) too.
    [[nodiscard]] std::string text() const { return p_ ? p_->text() : std::string{}; }

    friend bool operator==(const any_calibrator& a, const any_calibrator& b) noexcept {
        if (a.p_ == nullptr || b.p_ == nullptr) {
            return a.p_.get() == b.p_.get();
        }
        return a.p_->equals(*b.p_);
    }

private:
    template <class C>
    using holder = detail::any_calibrator_holder<C>;

    std::shared_ptr<const detail::any_calibrator_base> p_;
};

/// The wrapped calibrator's text (any_calibrator::from_string reads it back; "" when empty).
[[nodiscard]] inline std::string to_string(const any_calibrator& c) { return c.text(); }

static_assert(vector_calibrator<one_vs_rest_calibrator>);
static_assert(vector_calibrator<top1_calibrator<platt_calibrator>>);
static_assert(vector_calibrator<any_calibrator>);
static_assert(!calibrator<one_vs_rest_calibrator>);
static_assert(!calibrator<any_calibrator>);
static_assert(frame_calibrator<platt_calibrator> && frame_calibrator<any_calibrator>);

}  // namespace offloadkit

#endif  // OFFLOADKIT_CALIBRATION_VECTOR_HPP
