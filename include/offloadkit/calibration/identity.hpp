#ifndef OFFLOADKIT_CALIBRATION_IDENTITY_HPP
#define OFFLOADKIT_CALIBRATION_IDENTITY_HPP

/**
 * @file
 * @brief The identity calibrator: raw scores used as probabilities ("CBO without calibration",
 *        CBO §VI, the CBO-w/o baseline; §III-A uses the max-softmax score directly).
 */

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "../concepts.hpp"
#include "../detail/calibration_input.hpp"
#include "../detail/model_text.hpp"
#include "../error.hpp"

namespace offloadkit {

/**
 * @brief Maps every score to itself. Has the same shape as the fitted calibrators (value type,
 *        batch transform, text form) so pipelines can swap it in.
 */
class identity_calibrator {
public:
    /**
     * @brief "Fits" nothing; validates its input like the other calibrators and returns the
     *        identity, so code generic over calibrators can call fit() on any of them.
     * @throws offloadkit::invalid_argument as platt_calibrator::fit.
     */
    template <detail::real_range S, detail::integer_range L>
    [[nodiscard]] static identity_calibrator fit(const S& scores, const L& labels) {
        const auto s = detail::as_span(scores);
        const auto y = detail::as_span(labels);
        detail::require_paired(s.size(), y.size(), "identity_calibrator::fit", "scores", "labels");
        detail::require_finite(s, "identity_calibrator::fit", "scores");
        detail::require_binary(y, "identity_calibrator::fit", "labels");
        return {};
    }

    /**
     * @brief Returns score.
     * @throws offloadkit::invalid_argument if score is NaN or infinite.
     */
    template <class = void>
    [[nodiscard]] double operator()(double score) const {
        detail::require_finite(score, "identity_calibrator", "score");
        return score;
    }

    /**
     * @brief out[i] = in[i].
     * @throws offloadkit::invalid_argument for a size mismatch or a NaN/infinite score (out untouched).
     * Complexity: O(n), no allocation.
     */
    template <detail::real_range In, detail::writable_real_range Out>
    void transform(const In& in, Out&& out) const {
        const auto src = detail::as_span(in);
        const auto dst = detail::as_writable_span(out);
        detail::require_same_size(dst.size(), src.size(), "identity_calibrator::transform", "out", "in");
        detail::require_finite(src, "identity_calibrator::transform", "in");
        for (std::size_t i = 0; i < src.size(); ++i) {
            dst[i] = static_cast<detail::real_value_t<Out>>(src[i]);
        }
    }

    /**
     * @brief Reads "offloadkit.identity_calibrator 1".
     * @throws offloadkit::invalid_argument for any other text.
     */
    template <class = void>  // a template: only a caller instantiates the reader (compile cost, issue 14)
    [[nodiscard]] static identity_calibrator from_string(std::string_view text) {
        detail::model_text::reader r(text, "identity_calibrator::from_string");
        r.header("identity_calibrator", 1);
        r.finish();
        return {};
    }

    friend bool operator==(const identity_calibrator&, const identity_calibrator&) noexcept = default;
};

/// "offloadkit.identity_calibrator 1\n".
template <class = void>
[[nodiscard]] inline std::string to_string(const identity_calibrator&) {
    return detail::model_text::header("identity_calibrator", 1);
}

static_assert(calibrator<identity_calibrator>);

}  // namespace offloadkit

#endif  // OFFLOADKIT_CALIBRATION_IDENTITY_HPP
