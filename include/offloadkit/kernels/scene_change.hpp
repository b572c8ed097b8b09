#ifndef OFFLOADKIT_KERNELS_SCENE_CHANGE_HPP
#define OFFLOADKIT_KERNELS_SCENE_CHANGE_HPP

/**
 * @file
 * @brief ApproxNet's Scene Change Detector (ApproxNet §4.2): decides, every N frames, whether the
 *        content changed enough for the Image Complexity Categorizer to run again.
 *
 * Per checked frame: sample the frame at size x size (nearest neighbour: row floor(i*H/size),
 * column floor(j*W/size)), histogram the R channel (gray frames: the gray byte) into `bins` bins
 * (bin = value * bins / 256), and compare with the histogram of the previous checked frame:
 *
 *   score = sum over bins |h_t[b] - h_prev[b]| / (size * size)            in [0, 2]
 *   scene change  <=>  score > threshold                                    (default 0.45)
 *
 * Reading of the paper. §4.2 declares a change "when the mean of the absolute difference across
 * all bins of the histograms of two consecutive frames is greater than a certain threshold (45% of
 * the total pixels)". Taken literally (mean over B bins > 0.45 * pixels) the test can never fire:
 * the sum of |differences| is at most 2 * pixels, so the mean is at most 2 * pixels / B. We read
 * the threshold as a fraction of the pixels per bin on average: mean over bins > 0.45 * pixels /
 * B, i.e. the score above > 0.45. "Consecutive frames" are consecutive *checked* frames: with a
 * check every N frames (30 in the paper), comparing with the frame just before would need a
 * histogram of every frame and would miss a cut that happened between checks. The first checked
 * frame (after construction or reset()) always reports a change, so the categorizer runs once at
 * the start of a stream.
 *
 * Defaults are the paper's: every 30 frames, 112 x 112 samples, threshold 0.45; 256 bins (one per
 * R value; the paper does not give a bin count).
 *
 * Speed: the column offsets are computed once per frame width, the histogram is counted into four
 * interleaved sub-histograms (no store-to-load stalls on runs of equal values) and summed;
 * detail::scene_histogram_reference is the plain formula. No allocation after construction, no
 * threads.
 */

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "../error.hpp"
#include "image.hpp"

namespace offloadkit {

/// Configuration of scene_change_detector (ApproxNet §4.2 defaults).
struct scene_change_options {
    std::size_t interval = 30;  ///< check every `interval` frames (frame 0, N, 2N, ...)
    double threshold = 0.45;    ///< score above which a check declares a scene change, in [0, 2]
    std::size_t size = 112;     ///< frames are sampled at size x size
    std::size_t bins = 256;     ///< R-channel histogram bins, 1..256
};

/// What scene_change_detector::step() reports for one frame.
struct scene_change_result {
    bool checked = false;  ///< this frame was histogrammed and compared
    bool changed = false;  ///< a scene change: run the complexity categorizer on this frame
    double score = 0.0;    ///< sum |h - h_prev| / samples (0 when not checked, and at the first check)
};

namespace detail {

/// The plain formula: R-channel histogram of the size x size nearest-neighbour sample of `img`
/// into hist[0..bins). Reference for tests and benchmarks.
template <class = void>
inline void scene_histogram_reference(const checked_image& img, std::size_t size, std::size_t bins,
                                      std::uint32_t* hist) noexcept {
    for (std::size_t b = 0; b < bins; ++b) {
        hist[b] = 0;
    }
    for (std::size_t i = 0; i < size; ++i) {
        const std::size_t y = i * img.height / size;
        for (std::size_t j = 0; j < size; ++j) {
            const std::size_t x = j * img.width / size;
            const std::uint8_t v = img.row(y)[x * img.channels + img.r];
            ++hist[v * bins / 256];
        }
    }
}

}  // namespace detail

/**
 * @brief ApproxNet's Scene Change Detector as a per-frame step object (ApproxNet §4.2).
 *
 * Call step() on every frame; it checks every `interval`-th frame and says whether to run the
 * complexity categorizer. Holds two histograms and a column table; nothing is allocated after
 * construction. Not thread-safe (one per stream).
 * @code
 * ok::scene_change_detector scd;                       // every 30 frames, 112x112, 0.45
 * if (scd.step(frame).changed) category = ice.category(frame);
 * @endcode
 */
class scene_change_detector {
public:
    /**
     * @throws offloadkit::invalid_argument for interval = 0, size = 0 (or size*size overflowing
     *         32 bits), bins outside 1..256, or a threshold that is NaN or negative.
     */
    template <class = void>
    explicit scene_change_detector(const scene_change_options& options = {}) : opt_(options) {
        constexpr std::string_view fn = "scene_change_detector";
        detail::require(opt_.interval >= 1, fn, "options.interval is 0, expected >= 1");
        detail::require(opt_.size >= 1 && opt_.size <= 65535, fn, "options.size is ", opt_.size,
                        ", expected 1..65535");
        detail::require(opt_.bins >= 1 && opt_.bins <= 256, fn, "options.bins is ", opt_.bins, ", expected 1..256");
        detail::require_non_negative(opt_.threshold, fn, "options.threshold");
        columns_.resize(opt_.size);
    }

    /**
     * @brief Feeds one frame: on every interval-th frame (counting from 0) histograms it and
     *        compares with the previous check.
     * @throws offloadkit::invalid_argument for an invalid frame (every frame is validated, checked
     *         or not); the detector's state is unchanged then.
     * O(size^2 + bins) on checked frames, O(1) otherwise; no allocation.
     */
    template <class = void>
    scene_change_result step(const image_view& frame) {
        const auto img = detail::check_image(frame, "scene_change_detector::step");
        scene_change_result r;
        if (frame_ % opt_.interval == 0) {
            histogram(img, current_.data());
            r.checked = true;
            if (has_previous_) {
                r.score = distance(current_.data(), previous_.data());
                r.changed = r.score > opt_.threshold;
            } else {
                r.changed = true;
            }
            previous_ = current_;
            has_previous_ = true;
        }
        ++frame_;
        return r;
    }

    /**
     * @brief The score a check of `frame` would report now (against the last checked frame; 0 if
     *        none), without changing the detector's state.
     * @throws offloadkit::invalid_argument for an invalid frame.
     */
    template <class = void>
    [[nodiscard]] double score(const image_view& frame) {
        const auto img = detail::check_image(frame, "scene_change_detector::score");
        std::array<std::uint32_t, 256> h{};
        histogram(img, h.data());
        return has_previous_ ? distance(h.data(), previous_.data()) : 0.0;
    }

    /// Forgets the previous histogram and the frame count (the next frame is checked and changed).
    void reset() noexcept {
        frame_ = 0;
        has_previous_ = false;
    }

    /// Frames fed since construction or reset().
    [[nodiscard]] std::size_t frames() const noexcept { return frame_; }

    [[nodiscard]] const scene_change_options& options() const noexcept { return opt_; }

private:
    /// Fast histogram: cached column offsets, four interleaved sub-histograms.
    template <class = void>
    void histogram(const detail::checked_image& img, std::uint32_t* out) {
        if (img.width != columns_width_ || img.channels != columns_channels_ || img.r != columns_r_) {
            for (std::size_t j = 0; j < opt_.size; ++j) {
                columns_[j] = (j * img.width / opt_.size) * img.channels + img.r;
            }
            columns_width_ = img.width;
            columns_channels_ = img.channels;
            columns_r_ = img.r;
        }
        std::array<std::uint32_t, 4 * 256> sub{};  // value histograms, binned below
        const std::size_t s = opt_.size;
        const std::size_t* col = columns_.data();
        for (std::size_t i = 0; i < s; ++i) {
            const std::uint8_t* row = img.row(i * img.height / s);
            std::size_t j = 0;
            for (; j + 4 <= s; j += 4) {
                ++sub[row[col[j]]];
                ++sub[256 + row[col[j + 1]]];
                ++sub[512 + row[col[j + 2]]];
                ++sub[768 + row[col[j + 3]]];
            }
            for (; j < s; ++j) {
                ++sub[row[col[j]]];
            }
        }
        for (std::size_t b = 0; b < opt_.bins; ++b) {
            out[b] = 0;
        }
        for (std::size_t v = 0; v < 256; ++v) {
            out[v * opt_.bins / 256] += sub[v] + sub[256 + v] + sub[512 + v] + sub[768 + v];
        }
    }

    [[nodiscard]] double distance(const std::uint32_t* a, const std::uint32_t* b) const noexcept {
        std::uint64_t sum = 0;
        for (std::size_t k = 0; k < opt_.bins; ++k) {
            sum += a[k] > b[k] ? a[k] - b[k] : b[k] - a[k];
        }
        return static_cast<double>(sum) / (static_cast<double>(opt_.size) * static_cast<double>(opt_.size));
    }

    scene_change_options opt_;
    std::vector<std::size_t> columns_;
    std::size_t columns_width_ = 0;
    std::size_t columns_channels_ = 0;
    std::size_t columns_r_ = 0;
    std::array<std::uint32_t, 256> current_{};
    std::array<std::uint32_t, 256> previous_{};
    std::size_t frame_ = 0;
    bool has_previous_ = false;
};

}  // namespace offloadkit

#endif  // OFFLOADKIT_KERNELS_SCENE_CHANGE_HPP
