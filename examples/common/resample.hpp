#ifndef OFFLOADKIT_EXAMPLES_COMMON_RESAMPLE_HPP
#define OFFLOADKIT_EXAMPLES_COMMON_RESAMPLE_HPP

/**
 * @file
 * @brief Grey-image resampling for the trace generator: area averaging (for shrinking a frame to
 *        a lower resolution) and bilinear interpolation (for enlarging it back to a model's input).
 *
 * Both are separable: a 1-D weight table per axis, applied to rows, then to columns, in a fixed
 * order (bit-reproducible). Images are row-major float arrays.
 */

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include <offloadkit/error.hpp>

namespace offloadkit::examples {

/// One output sample of a separable resampler: sum of weight[k] * src[first + k].
struct resample_tap {
    std::size_t first = 0;
    std::vector<float> weight;
};

/**
 * @brief 1-D area-average weights from `src` to `dst` samples (OpenCV's INTER_AREA definition).
 *
 * Output sample o covers the source interval [o*src/dst, (o+1)*src/dst); the weight of source
 * sample i is the length of its overlap with that interval divided by src/dst. Overlaps are
 * computed exactly in integers on a grid of src*dst cells (source sample i covers cells
 * [i*dst, (i+1)*dst), output o covers [o*src, (o+1)*src)), so weight = overlap / src.
 * @throws offloadkit::invalid_argument if src or dst is 0.
 * Complexity O(src + dst).
 */
[[nodiscard]] inline std::vector<resample_tap> area_taps(std::size_t src, std::size_t dst) {
    detail::require(src > 0 && dst > 0, "area_taps", "sizes ", src, " -> ", dst, ", expected both > 0");
    std::vector<resample_tap> taps(dst);
    for (std::size_t o = 0; o < dst; ++o) {
        const std::size_t lo = o * src;
        const std::size_t hi = (o + 1) * src;
        const std::size_t first = lo / dst;
        const std::size_t last = (hi - 1) / dst;  // inclusive
        taps[o].first = first;
        for (std::size_t i = first; i <= last; ++i) {
            const std::size_t a = std::max(lo, i * dst);
            const std::size_t b = std::min(hi, (i + 1) * dst);
            taps[o].weight.push_back(static_cast<float>(static_cast<double>(b - a) / static_cast<double>(src)));
        }
    }
    return taps;
}

/**
 * @brief 1-D bilinear weights from `src` to `dst` samples with half-pixel centres
 *        (OpenCV INTER_LINEAR, PyTorch interpolate(mode="bilinear", align_corners=False)).
 *
 * Output sample o reads the source at c = (o + 0.5) * src/dst - 0.5, clamped to [0, src-1],
 * and mixes samples floor(c) and floor(c)+1 with weights 1-f and f, f = c - floor(c).
 * @throws offloadkit::invalid_argument if src or dst is 0.
 * Complexity O(dst).
 */
[[nodiscard]] inline std::vector<resample_tap> bilinear_taps(std::size_t src, std::size_t dst) {
    detail::require(src > 0 && dst > 0, "bilinear_taps", "sizes ", src, " -> ", dst, ", expected both > 0");
    std::vector<resample_tap> taps(dst);
    const double scale = static_cast<double>(src) / static_cast<double>(dst);
    const double top = static_cast<double>(src - 1);
    for (std::size_t o = 0; o < dst; ++o) {
        const double c = std::clamp((static_cast<double>(o) + 0.5) * scale - 0.5, 0.0, top);
        const double i0 = std::floor(c);
        const double f = c - i0;
        taps[o].first = static_cast<std::size_t>(i0);
        if (f > 0.0) {
            taps[o].weight = {static_cast<float>(1.0 - f), static_cast<float>(f)};
        } else {
            taps[o].weight = {1.0f};
        }
    }
    return taps;
}

/**
 * @brief Separable resampling of a row-major `sh` x `sw` image to `dh` x `dw` with the given
 *        per-axis taps (rows first, then columns; each sum in tap order).
 * @param src sh*sw samples. @param dst receives dh*dw samples.
 * @throws offloadkit::invalid_argument on a size mismatch (dst untouched).
 * Complexity O(sh*dw*taps_x + dh*dw*taps_y). Allocates one sh*dw scratch image.
 */
inline void resample_separable(std::span<const float> src, std::size_t sh, std::size_t sw,
                               const std::vector<resample_tap>& taps_y, const std::vector<resample_tap>& taps_x,
                               std::span<float> dst) {
    constexpr const char* fn = "resample_separable";
    const std::size_t dh = taps_y.size();
    const std::size_t dw = taps_x.size();
    detail::require_same_size(src.size(), sh * sw, fn, "src", "sh*sw");
    detail::require_same_size(dst.size(), dh * dw, fn, "dst", "the taps' output size");
    for (const auto& t : taps_x) {
        detail::require(t.first + t.weight.size() <= sw, fn, "a horizontal tap reads past column ", sw);
    }
    for (const auto& t : taps_y) {
        detail::require(t.first + t.weight.size() <= sh, fn, "a vertical tap reads past row ", sh);
    }
    std::vector<float> tmp(sh * dw);
    for (std::size_t y = 0; y < sh; ++y) {
        const float* row = src.data() + y * sw;
        for (std::size_t x = 0; x < dw; ++x) {
            const auto& t = taps_x[x];
            float acc = 0.0f;
            for (std::size_t k = 0; k < t.weight.size(); ++k) {
                acc += t.weight[k] * row[t.first + k];
            }
            tmp[y * dw + x] = acc;
        }
    }
    for (std::size_t y = 0; y < dh; ++y) {
        const auto& t = taps_y[y];
        float* out = dst.data() + y * dw;
        for (std::size_t x = 0; x < dw; ++x) {
            out[x] = 0.0f;
        }
        for (std::size_t k = 0; k < t.weight.size(); ++k) {
            const float w = t.weight[k];
            const float* in = tmp.data() + (t.first + k) * dw;
            for (std::size_t x = 0; x < dw; ++x) {
                out[x] += w * in[x];
            }
        }
    }
}

/// Square-image area resize: n x n -> m x m (see area_taps()).
inline void area_resize(std::span<const float> src, std::size_t n, std::span<float> dst, std::size_t m) {
    const auto taps = area_taps(n, m);
    resample_separable(src, n, n, taps, taps, dst);
}

/// Square-image bilinear resize: n x n -> m x m (see bilinear_taps()).
inline void bilinear_resize(std::span<const float> src, std::size_t n, std::span<float> dst, std::size_t m) {
    const auto taps = bilinear_taps(n, m);
    resample_separable(src, n, n, taps, taps, dst);
}

}  // namespace offloadkit::examples

#endif  // OFFLOADKIT_EXAMPLES_COMMON_RESAMPLE_HPP
