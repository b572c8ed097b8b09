#ifndef OFFLOADKIT_KERNELS_COMPLEXITY_HPP
#define OFFLOADKIT_KERNELS_COMPLEXITY_HPP

/**
 * @file
 * @brief ApproxNet's Image Complexity Categorizer (ApproxNet §4.2) and the offline learner of its
 *        category boundaries (§4.4, "Determining Image Complexity Categories").
 *
 * Mean edge value (§4.2: gray image, Scharr operator in x and y, L2 norm, mean over the map):
 *
 *   gray(y, x)  = (0.299 R + 0.587 G + 0.114 B) / 255           (ITU-R BT.601 luma, in [0, 1];
 *                                                               a gray frame: byte / 255)
 *   gx = 3 (g[y-1][x+1] - g[y-1][x-1]) + 10 (g[y][x+1] - g[y][x-1]) + 3 (g[y+1][x+1] - g[y+1][x-1])
 *   gy = 3 (g[y+1][x-1] - g[y-1][x-1]) + 10 (g[y+1][x] - g[y-1][x]) + 3 (g[y+1][x+1] - g[y-1][x+1])
 *   edge(y, x)  = sqrt(gx^2 + gy^2) / (16 sqrt 2)               (in [0, 1]: |gx|, |gy| <= 16)
 *   mean edge value = mean of edge over all H x W pixels        (in [0, 1])
 *
 * Border: reflect-101 (g[-1] = g[1], g[H] = g[H-2]; OpenCV's default BORDER_REFLECT_101, torch's
 * 'reflect' padding); an axis of length 1 replicates (g[-1] = g[0] = g[1]), as OpenCV does. The
 * paper's "normalized mean edge values" (Fig. 6) were rescaled to its dataset; ours are on the
 * fixed scale above, so boundaries learned here are on that scale too. To convert from an
 * 8-bit OpenCV Scharr magnitude mean m: mean edge value = m / (255 * 16 * sqrt 2).
 *
 * Categories: boundaries b_0 < b_1 < ... < b_{K-2}; category(e) = number of b_i <= e, so category
 * k covers [b_{k-1}, b_k) (0-based; the paper counts 1..7).
 *
 * Speed: gray rows through three 256-entry tables (no per-pixel multiplies), Scharr and the
 * magnitude in xsimd batches over a three-row ring buffer (each source row converted once), sums
 * per row in float and across rows in double. detail::mean_edge_value_reference computes the same
 * definition in double, pixel by pixel. 224x224 RGB: see benchmarks/bench_approx.cpp.
 */

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "../detail/simd.hpp"
#include "../error.hpp"
#include "../pareto/frontier.hpp"
#include "image.hpp"

namespace offloadkit {

namespace detail {

/// 1 / (16 sqrt 2): maps the Scharr magnitude of a [0, 1] gray image into [0, 1].
inline constexpr double edge_scale = 0.044194173824159220275;  // 1 / (16 * sqrt(2))

/// Reflect-101 index for i in [-1, n] (n == 1: replicate).
constexpr std::size_t reflect101(std::ptrdiff_t i, std::size_t n) noexcept {
    if (n == 1) {
        return 0;
    }
    if (i < 0) {
        return 1;
    }
    if (static_cast<std::size_t>(i) >= n) {
        return n - 2;
    }
    return static_cast<std::size_t>(i);
}

/**
 * @brief The scalar reference: mean edge value by the definition in the file comment, in
 *        double, pixel by pixel (allocates the gray image). For tests and benchmarks.
 * @pre `img` validated (check_image).
 */
template <class = void>
inline double mean_edge_value_reference(const checked_image& img, std::vector<double>* edges = nullptr) {
    const std::size_t h = img.height, w = img.width;
    std::vector<double> gray(h * w);
    for (std::size_t y = 0; y < h; ++y) {
        const std::uint8_t* row = img.row(y);
        for (std::size_t x = 0; x < w; ++x) {
            const std::uint8_t* px = row + x * img.channels;
            gray[y * w + x] = img.channels == 1
                                  ? px[0] / 255.0
                                  : (0.299 * px[img.r] + 0.587 * px[img.g] + 0.114 * px[img.b]) / 255.0;
        }
    }
    static constexpr double kx[3][3] = {{-3, 0, 3}, {-10, 0, 10}, {-3, 0, 3}};
    double total = 0.0;
    if (edges != nullptr) {
        edges->assign(h * w, 0.0);
    }
    for (std::size_t y = 0; y < h; ++y) {
        for (std::size_t x = 0; x < w; ++x) {
            double gx = 0.0, gy = 0.0;
            for (int dy = -1; dy <= 1; ++dy) {
                for (int dx = -1; dx <= 1; ++dx) {
                    const std::size_t yy = reflect101(static_cast<std::ptrdiff_t>(y) + dy, h);
                    const std::size_t xx = reflect101(static_cast<std::ptrdiff_t>(x) + dx, w);
                    const double v = gray[yy * w + xx];
                    gx += kx[dy + 1][dx + 1] * v;   // Scharr x
                    gy += kx[dx + 1][dy + 1] * v;   // Scharr y = transpose
                }
            }
            const double e = std::sqrt(gx * gx + gy * gy) * edge_scale;
            if (edges != nullptr) {
                (*edges)[y * w + x] = e;
            }
            total += e;
        }
    }
    return total / static_cast<double>(h * w);
}

/// Per-byte contributions to gray: gray = r[R] + g[G] + b[B] (or gray_byte[v] for gray frames).
struct gray_tables {
    float r[256];
    float g[256];
    float b[256];
    float gray_byte[256];
};

template <class = void>
inline const gray_tables& luma_tables() noexcept {
    static const gray_tables t = [] {
        gray_tables x{};
        for (int v = 0; v < 256; ++v) {
            x.r[v] = static_cast<float>(0.299 * v / 255.0);
            x.g[v] = static_cast<float>(0.587 * v / 255.0);
            x.b[v] = static_cast<float>(0.114 * v / 255.0);
            x.gray_byte[v] = static_cast<float>(v / 255.0);
        }
        return x;
    }();
    return t;
}

/// Gray row y into dst[1..w], with the reflect-101 pads dst[0] and dst[w+1].
template <class = void>
inline void gray_row(const checked_image& img, std::size_t y, float* dst) noexcept {
    const gray_tables& t = luma_tables();
    const std::uint8_t* row = img.row(y);
    const std::size_t w = img.width;
    if (img.channels == 1) {
        for (std::size_t x = 0; x < w; ++x) {
            dst[x + 1] = t.gray_byte[row[x]];
        }
    } else {
        const std::size_t ch = img.channels;
        const std::uint8_t* pr = row + img.r;
        const std::uint8_t* pg = row + img.g;
        const std::uint8_t* pb = row + img.b;
        for (std::size_t x = 0; x < w; ++x) {
            dst[x + 1] = t.r[pr[x * ch]] + t.g[pg[x * ch]] + t.b[pb[x * ch]];
        }
    }
    dst[0] = w >= 2 ? dst[2] : dst[1];
    dst[w + 1] = w >= 2 ? dst[w - 1] : dst[1];
}

/**
 * @brief The fast path: mean edge value (and optionally the edge map) with a three-row ring in
 *        `scratch` (at least 3 * (width + 2) floats). Returns the mean; no allocation.
 */
OFFLOADKIT_DETAIL_GCC12_AVX512_BEGIN
template <class = void>
inline double mean_edge_value_fast(const checked_image& img, std::span<float> scratch, float* edge_map) noexcept {
    using B = simd::batch<float>;
    constexpr std::size_t L = simd::lanes<float>;
    const std::size_t h = img.height, w = img.width, pitch = w + 2;
    float* slot[3] = {scratch.data(), scratch.data() + pitch, scratch.data() + 2 * pitch};
    gray_row(img, reflect101(-1, h), slot[0]);
    gray_row(img, 0, slot[1]);
    const B three(3.0f), ten(10.0f);
    const float scale = static_cast<float>(edge_scale);
    double total = 0.0;
    for (std::size_t y = 0; y < h; ++y) {
        gray_row(img, reflect101(static_cast<std::ptrdiff_t>(y) + 1, h), slot[2]);
        const float* a = slot[0];  // row y-1, pixel x at a[x+1]
        const float* b = slot[1];  // row y
        const float* c = slot[2];  // row y+1
        float* out = edge_map != nullptr ? edge_map + y * w : nullptr;
        B acc(0.0f);
        const std::size_t body = w - w % L;  // whole vectors, then a scalar tail
        std::size_t x = 0;
        for (; x < body; x += L) {
            const B a0 = B::load_unaligned(a + x), a1 = B::load_unaligned(a + x + 1), a2 = B::load_unaligned(a + x + 2);
            const B b0 = B::load_unaligned(b + x), b2 = B::load_unaligned(b + x + 2);
            const B c0 = B::load_unaligned(c + x), c1 = B::load_unaligned(c + x + 1), c2 = B::load_unaligned(c + x + 2);
            const B gx = three * ((a2 - a0) + (c2 - c0)) + ten * (b2 - b0);
            const B gy = three * ((c0 - a0) + (c2 - a2)) + ten * (c1 - a1);
            const B e = xsimd::sqrt(gx * gx + gy * gy);
            acc += e;
            if (out != nullptr) {
                (e * B(scale)).store_unaligned(out + x);
            }
        }
        float row_sum = simd::reduce_add(acc);
        for (; x < w; ++x) {
            const float gx = 3.0f * ((a[x + 2] - a[x]) + (c[x + 2] - c[x])) + 10.0f * (b[x + 2] - b[x]);
            const float gy = 3.0f * ((c[x] - a[x]) + (c[x + 2] - a[x + 2])) + 10.0f * (c[x + 1] - a[x + 1]);
            const float e = std::sqrt(gx * gx + gy * gy);
            row_sum += e;
            if (out != nullptr) {
                out[x] = e * scale;
            }
        }
        total += static_cast<double>(row_sum);
        std::swap(slot[0], slot[1]);  // rotate: y-1 <- y, y <- y+1, free slot <- old y-1
        std::swap(slot[1], slot[2]);
    }
    return total * edge_scale / static_cast<double>(h * w);
}
OFFLOADKIT_DETAIL_GCC12_AVX512_END

}  // namespace detail

/**
 * @brief Boundaries that quantize a mean edge value into image complexity categories
 *        (ApproxNet §4.2, "a pre-trained set of boundaries"). A small regular value.
 *
 * category(e) = number of boundaries <= e, in [0, count()).
 * @code
 * ok::complexity_categories cats({0.05, 0.1, 0.2});   // 4 categories
 * std::size_t k = cats.category(0.12);                 // 2
 * @endcode
 */
class complexity_categories {
public:
    /// One category (no boundaries).
    complexity_categories() = default;

    /**
     * @brief Categories from strictly increasing finite boundaries.
     * @throws offloadkit::invalid_argument "complexity_categories: boundaries[i] is v, ..." for a
     *         non-finite boundary or one not above its predecessor.
     */
    explicit complexity_categories(std::vector<double> boundaries) : b_(std::move(boundaries)) {
        for (std::size_t i = 0; i < b_.size(); ++i) {
            detail::require(std::isfinite(b_[i]), "complexity_categories", detail::arg_at{"boundaries", i}, " is ",
                            b_[i], ", expected a finite number");
            detail::require(i == 0 || b_[i] > b_[i - 1], "complexity_categories", detail::arg_at{"boundaries", i},
                            " is ", b_[i], ", expected > boundaries[", i - 1, "] = ", i == 0 ? 0.0 : b_[i - 1]);
        }
    }

    /// Number of categories (boundaries + 1).
    [[nodiscard]] std::size_t count() const noexcept { return b_.size() + 1; }

    /// The boundaries, ascending.
    [[nodiscard]] std::span<const double> boundaries() const noexcept { return b_; }

    /**
     * @brief The category of a mean edge value: the number of boundaries <= e.
     * @throws offloadkit::invalid_argument "complexity_categories::category: edge_value is NaN".
     * O(log K), no allocation.
     */
    [[nodiscard]] std::size_t category(double edge_value) const {
        detail::require(!std::isnan(edge_value), "complexity_categories::category", "edge_value is NaN");
        return static_cast<std::size_t>(std::upper_bound(b_.begin(), b_.end(), edge_value) - b_.begin());
    }

    friend bool operator==(const complexity_categories&, const complexity_categories&) = default;

private:
    std::vector<double> b_;
};

/**
 * @brief Mean edge value of one frame (ApproxNet §4.2; definition in the file comment).
 *
 * Convenience form: allocates a three-row buffer per call; per-frame code uses
 * complexity_estimator, which keeps it.
 * @throws offloadkit::invalid_argument for an invalid frame (see image_view).
 */
template <class = void>
[[nodiscard]] inline double mean_edge_value(const image_view& frame) {
    const auto img = detail::check_image(frame, "mean_edge_value");
    std::vector<float> scratch(3 * (img.width + 2));
    return detail::mean_edge_value_fast(img, scratch, nullptr);
}

/**
 * @brief The edge map: edge(y, x) in [0, 1] for every pixel, row-major into `out` (H*W floats).
 *        Its mean is mean_edge_value(frame). Allocates a three-row buffer.
 * @throws offloadkit::invalid_argument for an invalid frame or out.size() != H*W (out untouched).
 */
template <class = void>
inline void edge_map(const image_view& frame, std::span<float> out) {
    const auto img = detail::check_image(frame, "edge_map");
    detail::require_same_size(out.size(), img.height * img.width, "edge_map", "out", "frame.height * frame.width");
    std::vector<float> scratch(3 * (img.width + 2));
    (void)detail::mean_edge_value_fast(img, scratch, out.data());
}

/**
 * @brief ApproxNet's Image Complexity Categorizer as a per-frame step object: mean edge value
 *        of a frame and its category (ApproxNet §4.2).
 *
 * Owns its row buffer: a call allocates only when a frame is wider than every earlier one (or
 * than the width given to the constructor / reserve()). Not thread-safe (one per stream); no
 * hidden threads.
 * @code
 * ok::complexity_estimator ice(ok::complexity_categories({0.03, 0.06}), 224);
 * std::size_t k = ice.category(ok::image_view{rgb, 224, 224});
 * @endcode
 */
class complexity_estimator {
public:
    complexity_estimator() = default;

    /// @param categories the boundaries; @param reserve_width frame width to size the buffer for.
    explicit complexity_estimator(complexity_categories categories, std::size_t reserve_width = 0)
        : categories_(std::move(categories)) {
        reserve(reserve_width);
    }

    /// Sizes the row buffer for frames up to `width` pixels wide.
    void reserve(std::size_t width) {
        if (3 * (width + 2) > scratch_.size()) {
            scratch_.resize(3 * (width + 2));
        }
    }

    /**
     * @brief Mean edge value of `frame`, in [0, 1].
     * @throws offloadkit::invalid_argument for an invalid frame.
     * O(H*W); no allocation once reserved.
     */
    template <class = void>
    [[nodiscard]] double mean_edge_value(const image_view& frame) {
        const auto img = detail::check_image(frame, "complexity_estimator::mean_edge_value");
        reserve(img.width);
        return detail::mean_edge_value_fast(img, scratch_, nullptr);
    }

    /**
     * @brief The edge map of `frame` into `out` (H*W floats, row-major, as the free edge_map()),
     *        using this object's row buffer: the non-allocating form for per-frame use.
     * @return the mean edge value (the mean of `out`, as mean_edge_value(frame)).
     * @throws offloadkit::invalid_argument for an invalid frame or out.size() != H*W (out untouched).
     * O(H*W); no allocation once reserved for the frame's width.
     */
    template <class = void>
    double edge_map(const image_view& frame, std::span<float> out) {
        constexpr std::string_view fn = "complexity_estimator::edge_map";
        const auto img = detail::check_image(frame, fn);
        detail::require_same_size(out.size(), img.height * img.width, fn, "out", "frame.height * frame.width");
        reserve(img.width);
        return detail::mean_edge_value_fast(img, scratch_, out.data());
    }

    /// The category of `frame`: categories().category(mean_edge_value(frame)).
    template <class = void>
    [[nodiscard]] std::size_t category(const image_view& frame) { return categories_.category(mean_edge_value(frame)); }

    [[nodiscard]] const complexity_categories& categories() const noexcept { return categories_; }

private:
    complexity_categories categories_;
    std::vector<float> scratch_;
};

/// Options of learn_complexity_categories().
struct category_learner_options {
    /// The edge-value range the learner halves (values outside are clamped). Unset (the default):
    /// the smallest / largest edge value of the data. Real mean edge values lie in a narrow band
    /// (about [0.02, 0.09] on photos): halving [0, 1] there puts every sample in the first half
    /// and finds one category.
    std::optional<double> lower = std::nullopt;
    std::optional<double> upper = std::nullopt;
    std::size_t max_depth = 3;    ///< at most 2^max_depth categories (the paper finds 7)
    std::size_t min_samples = 1;  ///< a split leaving a half with fewer samples is not made
};

/// What learn_complexity_categories() returns.
struct learned_categories {
    complexity_categories categories;
    std::size_t branches = 0;
    std::vector<double> accuracy;      ///< categories.count() x branches, row-major: mean correctness
    std::vector<std::size_t> samples;  ///< samples per category
};

namespace detail {

template <class = void>
struct category_learner {
    std::span<const double> edge;
    std::span<const std::uint8_t> correct;
    std::span<const double> latency;
    std::size_t branches;
    const category_learner_options& opt;
    double range_lo;
    double range_hi;
    std::vector<double> boundaries;

    std::vector<double> accuracy_of(const std::vector<std::size_t>& idx) const {
        std::vector<double> acc(branches, 0.0);
        for (const std::size_t i : idx) {
            for (std::size_t b = 0; b < branches; ++b) {
                acc[b] += correct[i * branches + b];
            }
        }
        for (auto& a : acc) {
            a /= static_cast<double>(idx.size());
        }
        return acc;
    }

    std::vector<std::size_t> frontier_of(const std::vector<std::size_t>& idx) const {
        const auto acc = accuracy_of(idx);
        std::vector<tradeoff_point> pts(branches);
        for (std::size_t b = 0; b < branches; ++b) {
            pts[b] = {latency[b], acc[b]};
        }
        return pareto_frontier(pts);
    }

    double clamp(double e) const noexcept { return std::clamp(e, range_lo, range_hi); }

    /// Splits [lo, hi) (idx = its samples) while the halves' frontiers differ (§4.4).
    void split(double lo, double hi, std::size_t depth, const std::vector<std::size_t>& idx) {
        if (depth >= opt.max_depth) {
            return;
        }
        const double mid = lo + (hi - lo) / 2.0;
        std::vector<std::size_t> left, right;
        for (const std::size_t i : idx) {
            (clamp(edge[i]) < mid ? left : right).push_back(i);
        }
        if (left.size() < opt.min_samples || right.size() < opt.min_samples || left.empty() || right.empty()) {
            return;
        }
        if (frontier_of(left) == frontier_of(right)) {
            return;  // identical Pareto frontiers: one category
        }
        split(lo, mid, depth + 1, left);
        boundaries.push_back(mid);
        split(mid, hi, depth + 1, right);
    }
};

}  // namespace detail

/**
 * @brief Learns image complexity categories as ApproxNet §4.4 describes: start with the whole
 *        edge-value range as one category and halve a range while the Pareto frontiers
 *        (latency vs accuracy over the branches) of its two halves differ.
 *
 * "Identical Pareto frontier" is read as: the same branches on the frontier, in the same order
 * (accuracies measured on different samples are never exactly equal, the branch set is what the
 * scheduler acts on). A range is halved at its midpoint; samples with e < mid go left. A split is
 * also not made when a half would have fewer than `min_samples` samples or the depth limit is
 * reached. The frontier of a set of samples: branch b at (latencies[b], mean of correct[i][b]),
 * computed with pareto_frontier().
 *
 * Note that the rule stops as soon as two halves agree, even if their quarters would not: a
 * boundary can only be found below a split whose halves already differ.
 *
 * @param edge_values mean edge value of each of n samples (finite).
 * @param correct n x B row-major, 1 if branch b classified sample i correctly, else 0.
 * @param latencies B branch latencies (no contention; finite, >= 0).
 * @param options range (default: the data's smallest to largest edge value), depth limit,
 *        minimum samples per half.
 * @return boundaries (ascending), and per category: accuracy of each branch and sample count.
 * @throws offloadkit::invalid_argument for n = 0, B = 0, correct.size() != n*B, a non-finite edge
 *         value or latency, a negative latency, a label other than 0/1, lower >= upper (or not
 *         finite), a lower bound above the largest edge value or an upper bound below the
 *         smallest (when only one is given), or min_samples = 0.
 *
 * O(n B max_depth + frontiers). Offline; allocates.
 */
template <class = void>
[[nodiscard]] inline learned_categories learn_complexity_categories(std::span<const double> edge_values,
                                                                    std::span<const std::uint8_t> correct,
                                                                    std::span<const double> latencies,
                                                                    const category_learner_options& options = {}) {
    constexpr std::string_view fn = "learn_complexity_categories";
    const std::size_t n = edge_values.size();
    const std::size_t nb = latencies.size();
    detail::require_not_empty(n, fn, "edge_values");
    detail::require_not_empty(nb, fn, "latencies");
    detail::require(correct.size() / nb == n && correct.size() % nb == 0, fn, "correct has size ", correct.size(),
                    ", expected ", n, " x ", nb, " (edge_values x latencies)");
    detail::require_finite(edge_values, fn, "edge_values");
    for (std::size_t b = 0; b < nb; ++b) {
        detail::require(std::isfinite(latencies[b]) && latencies[b] >= 0.0, fn, detail::arg_at{"latencies", b}, " is ",
                        latencies[b], ", expected a finite number >= 0");
    }
    detail::require_binary(correct, fn, "correct");
    const auto [emin, emax] = std::minmax_element(edge_values.begin(), edge_values.end());
    const double lo = options.lower.value_or(*emin);
    const double hi = options.upper.value_or(*emax);
    if (options.lower.has_value() && options.upper.has_value()) {
        detail::require(std::isfinite(lo) && std::isfinite(hi) && lo < hi, fn, "options.lower is ", lo,
                        " and options.upper is ", hi, ", expected finite lower < upper");
    } else if (options.lower.has_value() || options.upper.has_value()) {
        const bool given_lower = options.lower.has_value();
        detail::require(std::isfinite(given_lower ? lo : hi) && lo <= hi, fn, given_lower ? "options.lower is " : "options.upper is ",
                        given_lower ? lo : hi, given_lower ? ", above the largest edge value " : ", below the smallest edge value ",
                        given_lower ? hi : lo, ", expected a range that holds the data");
    }
    detail::require(options.min_samples >= 1, fn, "options.min_samples is 0, expected >= 1");

    detail::category_learner<> learner{edge_values, correct, latencies, nb, options, lo, hi, {}};
    std::vector<std::size_t> all(n);
    for (std::size_t i = 0; i < n; ++i) {
        all[i] = i;
    }
    if (lo < hi) {  // all edge values equal (and no range given): nothing to split
        learner.split(lo, hi, 0, all);
    }

    learned_categories out;
    out.categories = complexity_categories(learner.boundaries);
    out.branches = nb;
    const std::size_t k = out.categories.count();
    out.accuracy.assign(k * nb, 0.0);
    out.samples.assign(k, 0);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t c = out.categories.category(learner.clamp(edge_values[i]));
        ++out.samples[c];
        for (std::size_t b = 0; b < nb; ++b) {
            out.accuracy[c * nb + b] += correct[i * nb + b];
        }
    }
    for (std::size_t c = 0; c < k; ++c) {
        for (std::size_t b = 0; b < nb && out.samples[c] > 0; ++b) {
            out.accuracy[c * nb + b] /= static_cast<double>(out.samples[c]);
        }
    }
    return out;
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_KERNELS_COMPLEXITY_HPP
