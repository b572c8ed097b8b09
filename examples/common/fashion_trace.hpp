#ifndef OFFLOADKIT_EXAMPLES_COMMON_FASHION_TRACE_HPP
#define OFFLOADKIT_EXAMPLES_COMMON_FASHION_TRACE_HPP

/**
 * @file
 * @brief The bundled Fashion-MNIST offloading trace (issue 8): an over-trained fp16 "NPU" MLP, a
 *        stronger fp32 "server" MLP evaluated at CBO's five resolutions, and modelled PNG frame
 *        sizes; written in the simulator's trace CSV format (docs/trace-format.md).
 *
 * Everything here is deterministic: all randomness comes from offloadkit::detail::rng streams
 * derived from one seed, all arithmetic is fixed-order IEEE (see mlp.hpp, numeric.hpp), so the
 * output is byte-identical across compilers and build types. docs/demo-trace.md explains the
 * models and reports the measured numbers.
 *
 * Resolutions: CBO §V-A offloads 224x224 frames downsized to 45, 90, 134, 179 or 224 px.
 * Fashion-MNIST images are 28x28, so 28 px plays the role of 224 and each resolution R maps to
 * r = round(28 R / 224) = 6, 11, 17, 22, 28 px.
 *  - Server accuracy at R: the test image area-averaged to r x r, bilinearly enlarged back to
 *    28 x 28 (the server model's input, as ResNet-152's 224 in the paper), then classified.
 *  - Bytes at R: the PNG size of the R x R colour frame that carries the same picture: the r x r
 *    image bilinearly enlarged to R x R, rounded to 8 bits, copied to R, G and B, plus independent
 *    per-sample "sensor" noise (binomial: popcount of 16 random bits - 8, sigma = 2 grey levels),
 *    clamped to [0, 255]. Fashion-MNIST's clean studio images would otherwise compress to a few KB,
 *    far smaller than the natural video frames of the paper; the noise stands in for their
 *    fine texture and keeps the bits per pixel roughly constant across resolutions, as for natural
 *    images. Sized by png_size() (libpng's filter heuristic + Huffman-only deflate).
 */

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <offloadkit/detail/random.hpp>
#include <offloadkit/error.hpp>

#include "idx.hpp"
#include "mlp.hpp"
#include "png_size.hpp"
#include "resample.hpp"

namespace offloadkit::examples {

/// CBO §V-A's offloading resolutions (pixels per side of the square frame).
inline constexpr std::array<std::size_t, 5> paper_resolutions{45, 90, 134, 179, 224};

/// The Fashion-MNIST equivalents: round(28 * R / 224).
inline constexpr std::array<std::size_t, 5> model_resolutions{6, 11, 17, 22, 28};

/// Fashion-MNIST side length.
inline constexpr std::size_t image_side = 28;
inline constexpr std::size_t image_pixels = image_side * image_side;

/// Everything that determines the trace. The defaults make the committed trace.
struct trace_options {
    std::uint64_t seed = 8;  ///< issue 8
    // "NPU": a small MLP over-trained (many epochs, no weight decay) on a random subset of the
    // training set, deployed in fp16.
    std::size_t npu_train = 2000;
    std::vector<std::size_t> npu_hidden{16};
    sgd_options npu_sgd{.epochs = 200, .batch = 32, .learning_rate = 0.05f, .momentum = 0.9f, .weight_decay = 0.0f};
    // "Server": a wider, deeper MLP on the whole training set, fp32, trained at full resolution
    // only (as ResNet-152 at 224 px in CBO, fed downsized frames).
    std::size_t server_train = 60000;
    std::vector<std::size_t> server_hidden{512, 256};
    sgd_options server_sgd{.epochs = 10, .batch = 32, .learning_rate = 0.05f, .momentum = 0.9f, .weight_decay = 1e-4f};
    /// Probability that a server training sample is shown at a random lower resolution (6..22 px,
    /// area down + bilinear up; mixed-resolution training). 0 = full resolution only (default).
    double server_low_res_fraction = 0.0;
    std::size_t frames = 10000;  ///< test images in the trace (the first `frames` of the seeded order)
    double fps = 30.0;           ///< arrival_s = frame / fps
    unsigned noise_bits = 16;    ///< frame noise = popcount(noise_bits random bits) - noise_bits/2
};

/// One frame of the trace.
struct trace_frame {
    std::size_t test_index = 0;  ///< index into t10k-images
    std::uint8_t true_label = 0;
    std::uint8_t npu_label = 0;
    float npu_confidence = 0.0f;  ///< max softmax of the fp16 NPU's logits (softmax in fp32)
    float npu_fp32_confidence = 0.0f;  ///< the same network in fp32 (for the report only)
    std::uint8_t npu_fp32_label = 0;
    std::array<std::size_t, 5> bytes{};
    std::array<std::uint8_t, 5> server_label{};
};

/// The generated trace.
struct fashion_trace {
    trace_options options;
    std::vector<trace_frame> frames;
};

namespace detail_trace {

/// An independent rng stream for (purpose, index) under one master seed.
inline detail::rng stream(std::uint64_t seed, std::uint64_t purpose, std::uint64_t index = 0) {
    std::uint64_t s = seed;
    const std::uint64_t a = detail::splitmix64(s);
    std::uint64_t t = a ^ (purpose * 0xD1342543DE82EF95ULL) ^ (index * 0x9E3779B97F4A7C15ULL);
    return detail::rng(detail::splitmix64(t));
}

enum purpose : std::uint64_t { frame_order = 1, npu_subset, npu_init, npu_train, server_init, server_train, noise };

/// Shrinks a 28x28 image to r x r by area averaging and enlarges it back by bilinear interpolation.
class degrader {
public:
    degrader() {
        for (std::size_t k = 0; k < model_resolutions.size(); ++k) {
            down_[k] = area_taps(image_side, model_resolutions[k]);
            up_[k] = bilinear_taps(model_resolutions[k], image_side);
        }
    }
    /// out = bilinear(area(in -> r_k) -> 28); k = 4 (28 px) copies the image exactly.
    void apply(std::span<const float> in, std::size_t k, std::span<float> out) {
        const std::size_t r = model_resolutions[k];
        small_.resize(r * r);
        resample_separable(in, image_side, image_side, down_[k], down_[k], small_);
        resample_separable(small_, r, r, up_[k], up_[k], out);
    }
    /// The r_k x r_k shrunken image only.
    void shrink(std::span<const float> in, std::size_t k, std::vector<float>& out) {
        const std::size_t r = model_resolutions[k];
        out.resize(r * r);
        resample_separable(in, image_side, image_side, down_[k], down_[k], out);
    }

private:
    std::array<std::vector<resample_tap>, 5> down_;
    std::array<std::vector<resample_tap>, 5> up_;
    std::vector<float> small_;
};

inline void to_unit(const std::uint8_t* px, std::span<float> x) {
    for (std::size_t i = 0; i < image_pixels; ++i) {
        x[i] = static_cast<float>(px[i]) / 255.0f;
    }
}

}  // namespace detail_trace

/// Number of set bits (portable SWAR; std::popcount becomes a libgcc call on baseline x86-64).
[[nodiscard]] constexpr unsigned popcount64(std::uint64_t x) noexcept {
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return static_cast<unsigned>((x * 0x0101010101010101ULL) >> 56);
}

/**
 * @brief Renders the paper-resolution colour frame for resolution index k of one test image
 *        (see the file comment): r x r picture -> bilinear to R x R -> 8-bit RGB + binomial noise.
 * @param image 28x28 grey pixels. @param g the frame's noise stream. @param rgb receives R*R*3 bytes.
 */
inline void render_frame(const std::uint8_t* image, std::size_t k, unsigned noise_bits, detail::rng& g,
                         detail_trace::degrader& deg, std::vector<std::uint8_t>& rgb) {
    const std::size_t r = model_resolutions[k];
    const std::size_t big = paper_resolutions[k];
    std::vector<float> unit(image_pixels);
    for (std::size_t i = 0; i < image_pixels; ++i) {
        unit[i] = static_cast<float>(image[i]);
    }
    std::vector<float> small;
    deg.shrink(unit, k, small);
    std::vector<float> frame(big * big);
    const auto up = bilinear_taps(r, big);
    resample_separable(small, r, r, up, up, frame);
    rgb.resize(big * big * 3);
    // Noise: popcount of noise_bits fresh random bits minus noise_bits / 2 per sample; one 64-bit
    // draw serves 64 / noise_bits consecutive samples (lowest bits first).
    const unsigned per_draw = noise_bits == 0 ? 0U : 64U / noise_bits;
    const std::uint64_t mask = noise_bits == 0 ? 0U : noise_bits == 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << noise_bits) - 1);
    const int half = static_cast<int>(noise_bits / 2);
    std::uint64_t word = 0;
    unsigned left = 0;
    for (std::size_t p = 0; p < big * big; ++p) {
        const int base = static_cast<int>(frame[p] + 0.5f);  // frame >= 0: truncation = floor
        for (std::size_t c = 0; c < 3; ++c) {
            int noise = 0;
            if (per_draw > 0) {
                if (left == 0) {
                    word = g();
                    left = per_draw;
                }
                noise = static_cast<int>(popcount64(word & mask)) - half;
                word = noise_bits == 64 ? 0 : word >> noise_bits;
                --left;
            }
            rgb[p * 3 + c] = static_cast<std::uint8_t>(std::clamp(base + noise, 0, 255));
        }
    }
}

/**
 * @brief Trains both models and builds the trace (see the file comment and docs/demo-trace.md).
 * @param progress callback `void(const char* stage)` called at each stage (may be a no-op).
 * @throws offloadkit::invalid_argument if the options ask for more images than the data has, or
 *         for fps <= 0.
 * Complexity: dominated by server training, O(server_train * epochs * weights).
 */
template <class Progress>
[[nodiscard]] fashion_trace make_fashion_trace(const fashion_mnist& data, const trace_options& opt, Progress&& progress) {
    constexpr const char* fn = "make_fashion_trace";
    const std::size_t n_train = data.train_images.count;
    const std::size_t n_test = data.test_images.count;
    detail::require(opt.npu_train >= 1 && opt.npu_train <= n_train, fn, "npu_train is ", opt.npu_train,
                    ", expected 1..", n_train);
    detail::require(opt.server_train >= 1 && opt.server_train <= n_train, fn, "server_train is ", opt.server_train,
                    ", expected 1..", n_train);
    detail::require(opt.frames >= 1 && opt.frames <= n_test, fn, "frames is ", opt.frames, ", expected 1..", n_test);
    detail::require_positive(opt.fps, fn, "fps");
    detail::require(opt.noise_bits == 0 || opt.noise_bits == 2 || opt.noise_bits == 4 || opt.noise_bits == 8 ||
                        opt.noise_bits == 16 || opt.noise_bits == 32 || opt.noise_bits == 64,
                    fn, "noise_bits is ", opt.noise_bits, ", expected 0, 2, 4, 8, 16, 32 or 64");
    detail::require(opt.server_low_res_fraction >= 0.0 && opt.server_low_res_fraction <= 1.0, fn,
                    "server_low_res_fraction is ", opt.server_low_res_fraction, ", expected [0, 1]");
    using namespace detail_trace;
    fashion_trace out;
    out.options = opt;
    std::vector<float> x(image_pixels);
    std::vector<float> y(image_pixels);
    degrader deg;

    // --- NPU: small MLP, over-trained (many epochs, no weight decay) on a random training subset.
    progress("npu");
    std::vector<std::size_t> subset(n_train);
    for (std::size_t i = 0; i < n_train; ++i) {
        subset[i] = i;
    }
    {
        auto g = stream(opt.seed, npu_subset);
        for (std::size_t i = n_train; i > 1; --i) {
            std::swap(subset[i - 1], subset[g.below(i)]);
        }
        subset.resize(opt.npu_train);
    }
    std::vector<std::size_t> sizes{image_pixels};
    sizes.insert(sizes.end(), opt.npu_hidden.begin(), opt.npu_hidden.end());
    sizes.push_back(10);
    auto g_init = stream(opt.seed, npu_init);
    mlp npu32 = mlp::make(sizes, g_init);
    {
        auto g = stream(opt.seed, npu_train);
        train_sgd(npu32, opt.npu_train, opt.npu_sgd, g, [&](std::size_t i, std::size_t, std::span<float> in) {
            const std::size_t idx = subset[i];
            to_unit(data.train_images.image(idx), in);
            return static_cast<std::size_t>(data.train_labels[idx]);
        });
    }
    const mlp npu16 = npu32.fp16_model();

    // --- Server: wider MLP on the full training set; mixed-resolution training if asked.
    progress("server");
    sizes = {image_pixels};
    sizes.insert(sizes.end(), opt.server_hidden.begin(), opt.server_hidden.end());
    sizes.push_back(10);
    g_init = stream(opt.seed, server_init);
    mlp server = mlp::make(sizes, g_init);
    {
        auto g = stream(opt.seed, server_train);
        auto g_aug = stream(opt.seed, server_train, 1);
        train_sgd(server, opt.server_train, opt.server_sgd, g, [&](std::size_t i, std::size_t, std::span<float> in) {
            to_unit(data.train_images.image(i), x);
            const bool low = opt.server_low_res_fraction > 0.0 && g_aug.bernoulli(opt.server_low_res_fraction);
            if (low) {
                deg.apply(x, static_cast<std::size_t>(g_aug.below(4)), in);
            } else {
                std::copy(x.begin(), x.end(), in.begin());
            }
            return static_cast<std::size_t>(data.train_labels[i]);
        });
    }

    // --- The frames: a seeded order of the test set, both models, frame sizes.
    progress("frames");
    std::vector<std::size_t> order(n_test);
    for (std::size_t i = 0; i < n_test; ++i) {
        order[i] = i;
    }
    {
        auto g = stream(opt.seed, frame_order);
        for (std::size_t i = n_test; i > 1; --i) {
            std::swap(order[i - 1], order[g.below(i)]);
        }
    }
    auto ws16 = npu16.make_workspace();
    auto ws32 = npu32.make_workspace();
    auto wss = server.make_workspace();
    std::vector<std::uint8_t> rgb;
    std::vector<std::uint8_t> filtered;
    const auto argmax = [](const std::vector<float>& p) {
        return static_cast<std::uint8_t>(std::max_element(p.begin(), p.end()) - p.begin());
    };
    out.frames.resize(opt.frames);
    for (std::size_t f = 0; f < opt.frames; ++f) {
        trace_frame& fr = out.frames[f];
        fr.test_index = order[f];
        const std::uint8_t* img = data.test_images.image(fr.test_index);
        fr.true_label = data.test_labels[fr.test_index];
        to_unit(img, x);
        npu16.forward(x, ws16);
        fr.npu_label = argmax(ws16.probs);
        fr.npu_confidence = ws16.probs[fr.npu_label];
        npu32.forward(x, ws32);
        fr.npu_fp32_label = argmax(ws32.probs);
        fr.npu_fp32_confidence = ws32.probs[fr.npu_fp32_label];
        for (std::size_t k = 0; k < model_resolutions.size(); ++k) {
            deg.apply(x, k, y);
            server.forward(y, wss);
            fr.server_label[k] = argmax(wss.probs);
            auto g = stream(opt.seed, noise, fr.test_index * 8 + k);
            render_frame(img, k, opt.noise_bits, g, deg, rgb);
            fr.bytes[k] = png_size(rgb, paper_resolutions[k], paper_resolutions[k], 3, filtered);
        }
    }
    return out;
}

/// Shortest round-trip text of a float (as std::to_chars).
inline std::string float_text(float v) {
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    return {buf, res.ptr};
}

/// Shortest round-trip text of a double.
inline std::string double_text(double v) {
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    return {buf, res.ptr};
}

/**
 * @brief The trace as CSV text in the simulator's format (docs/trace-format.md): `comment` lines
 *        (each prefixed "# "), a header, one row per frame.
 *
 * Columns: frame, arrival_s (= frame / fps), test_index, true_label, npu_label, npu_confidence,
 * npu_correct, then per resolution R: bytes@R, server_correct@R, server_label@R.
 */
[[nodiscard]] inline std::string trace_csv(const fashion_trace& t, const std::vector<std::string>& comment) {
    std::string s;
    for (const auto& c : comment) {
        s += "# ";
        s += c;
        s += '\n';
    }
    s += "frame,arrival_s,test_index,true_label,npu_label,npu_confidence,npu_correct";
    for (const auto R : paper_resolutions) {
        const std::string r = std::to_string(R);
        s += ",bytes@" + r + ",server_correct@" + r + ",server_label@" + r;
    }
    s += '\n';
    for (std::size_t f = 0; f < t.frames.size(); ++f) {
        const auto& fr = t.frames[f];
        s += std::to_string(f);
        s += ',';
        s += double_text(static_cast<double>(f) / t.options.fps);
        s += ',' + std::to_string(fr.test_index) + ',' + std::to_string(fr.true_label) + ',' +
             std::to_string(fr.npu_label) + ',' + float_text(fr.npu_confidence) + ',' +
             (fr.npu_label == fr.true_label ? "1" : "0");
        for (std::size_t k = 0; k < paper_resolutions.size(); ++k) {
            s += ',' + std::to_string(fr.bytes[k]) + ',' + (fr.server_label[k] == fr.true_label ? "1" : "0") + ',' +
                 std::to_string(fr.server_label[k]);
        }
        s += '\n';
    }
    return s;
}

/// ECE and MCE with 10 equal-width bins, bin = min(floor(c * 10), 9) (CBO §III-B).
struct calibration_summary {
    double ece = 0.0;
    double mce = 0.0;
    std::array<std::size_t, 10> count{};
    std::array<double, 10> confidence{};  ///< mean confidence per bin
    std::array<double, 10> accuracy{};    ///< accuracy per bin
};

/**
 * @brief ECE = sum_b n_b / n |acc_b - conf_b|, MCE = max over non-empty bins (CBO §III-B).
 * @throws offloadkit::invalid_argument on a size mismatch, empty input, or a confidence outside [0, 1].
 */
[[nodiscard]] inline calibration_summary calibration_10_bins(std::span<const double> confidence,
                                                             std::span<const std::uint8_t> correct) {
    constexpr const char* fn = "calibration_10_bins";
    detail::require_not_empty(confidence.size(), fn, "confidence");
    detail::require_same_size(correct.size(), confidence.size(), fn, "correct", "confidence");
    detail::require_unit_interval(confidence, fn, "confidence");
    calibration_summary s;
    std::array<double, 10> sum_c{};
    std::array<double, 10> sum_a{};
    for (std::size_t i = 0; i < confidence.size(); ++i) {
        const auto b = std::min<std::size_t>(static_cast<std::size_t>(std::floor(confidence[i] * 10.0)), 9);
        ++s.count[b];
        sum_c[b] += confidence[i];
        sum_a[b] += correct[i] != 0 ? 1.0 : 0.0;
    }
    for (std::size_t b = 0; b < 10; ++b) {
        if (s.count[b] == 0) {
            continue;
        }
        const double n = static_cast<double>(s.count[b]);
        s.confidence[b] = sum_c[b] / n;
        s.accuracy[b] = sum_a[b] / n;
        const double gap = std::fabs(s.accuracy[b] - s.confidence[b]);
        s.ece += n / static_cast<double>(confidence.size()) * gap;
        s.mce = std::max(s.mce, gap);
    }
    return s;
}

/// 64-bit FNV-1a of a byte string (the trace checksum; not cryptographic).
[[nodiscard]] constexpr std::uint64_t fnv1a64(std::string_view bytes) noexcept {
    std::uint64_t h = 0xCBF29CE484222325ULL;
    for (const char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001B3ULL;
    }
    return h;
}

/// The small configuration of `offloadkit-make-trace --slice` (the unit test reruns it in Debug):
/// the default models, trained on fewer images for fewer epochs, on the first 40 frames.
[[nodiscard]] inline trace_options slice_options() {
    trace_options o;
    o.npu_train = 300;
    o.npu_sgd.epochs = 6;
    o.server_train = 300;
    o.server_sgd.epochs = 1;
    o.frames = 40;
    return o;
}

/// Hexadecimal text of a 64-bit value (16 digits).
[[nodiscard]] inline std::string hex64(std::uint64_t v) {
    char buf[17];
    for (int i = 15; i >= 0; --i) {
        buf[i] = "0123456789abcdef"[v & 0xFU];
        v >>= 4;
    }
    return {buf, 16};
}

namespace detail_trace {
inline std::string list_text(const std::vector<std::size_t>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i > 0) {
            s += '-';
        }
        s += std::to_string(v[i]);
    }
    return s;
}
inline std::string sgd_text(const sgd_options& o) {
    return "epochs " + std::to_string(o.epochs) + ", batch " + std::to_string(o.batch) + ", lr " +
           float_text(o.learning_rate) + " linear to 0, momentum " + float_text(o.momentum) + ", weight decay " +
           float_text(o.weight_decay);
}
}  // namespace detail_trace

/// The '#' comment lines of the trace file: what it is, the command that made it, the options.
[[nodiscard]] inline std::vector<std::string> trace_comment(const trace_options& o, const std::string& command) {
    using detail_trace::list_text;
    using detail_trace::sgd_text;
    return {
        "offloadkit Fashion-MNIST offloading trace (issue 8); how it is made: docs/demo-trace.md",
        "made by: " + command,
        "seed " + std::to_string(o.seed) + "; " + std::to_string(o.frames) + " t10k test images in seeded order at " +
            double_text(o.fps) + " fps",
        "NPU: MLP 784-" + list_text(o.npu_hidden) + "-10 on " + std::to_string(o.npu_train) +
            " random training images, SGD " + sgd_text(o.npu_sgd) + "; inference in fp16",
        "server: MLP 784-" + list_text(o.server_hidden) + "-10 on " + std::to_string(o.server_train) +
            " training images, SGD " + sgd_text(o.server_sgd) + ", mixed-resolution fraction " +
            double_text(o.server_low_res_fraction) + "; fp32",
        "resolution R in {45,90,134,179,224} = Fashion-MNIST r in {6,11,17,22,28} px (area down, bilinear up to 28)",
        "bytes@R: PNG size of the R x R RGB frame (+ binomial noise of " + std::to_string(o.noise_bits) +
            " bits), Huffman-only deflate",
    };
}

/// The measured facts docs/demo-trace.md reports.
struct trace_summary {
    double npu_accuracy = 0.0;
    double npu_mean_confidence = 0.0;
    calibration_summary npu_cal;
    double npu_fp32_accuracy = 0.0;
    calibration_summary npu_fp32_cal;
    std::size_t npu_label_changes = 0;  ///< frames whose fp16 label differs from the fp32 label
    std::array<double, 5> server_accuracy{};
    std::array<double, 5> mean_bytes{};
    std::array<double, 5> min_bytes{};
    std::array<double, 5> max_bytes{};
    double fraction_full_over_budget = 0.0;  ///< 224 px frames above 625000 / 30 bytes
};

/// Computes trace_summary over all frames of `t`.
[[nodiscard]] inline trace_summary summarize(const fashion_trace& t) {
    trace_summary s;
    const std::size_t n = t.frames.size();
    std::vector<double> conf(n);
    std::vector<double> conf32(n);
    std::vector<std::uint8_t> ok16(n);
    std::vector<std::uint8_t> ok32(n);
    s.min_bytes.fill(1e300);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& f = t.frames[i];
        conf[i] = static_cast<double>(f.npu_confidence);
        conf32[i] = static_cast<double>(f.npu_fp32_confidence);
        ok16[i] = f.npu_label == f.true_label ? 1 : 0;
        ok32[i] = f.npu_fp32_label == f.true_label ? 1 : 0;
        s.npu_accuracy += ok16[i];
        s.npu_fp32_accuracy += ok32[i];
        s.npu_mean_confidence += conf[i];
        s.npu_label_changes += f.npu_label != f.npu_fp32_label ? 1 : 0;
        for (std::size_t k = 0; k < 5; ++k) {
            s.server_accuracy[k] += f.server_label[k] == f.true_label ? 1.0 : 0.0;
            const auto b = static_cast<double>(f.bytes[k]);
            s.mean_bytes[k] += b;
            s.min_bytes[k] = std::min(s.min_bytes[k], b);
            s.max_bytes[k] = std::max(s.max_bytes[k], b);
        }
        s.fraction_full_over_budget += static_cast<double>(f.bytes[4]) > 625000.0 / 30.0 ? 1.0 : 0.0;
    }
    const auto dn = static_cast<double>(n);
    s.npu_accuracy /= dn;
    s.npu_fp32_accuracy /= dn;
    s.npu_mean_confidence /= dn;
    s.fraction_full_over_budget /= dn;
    for (std::size_t k = 0; k < 5; ++k) {
        s.server_accuracy[k] /= dn;
        s.mean_bytes[k] /= dn;
    }
    s.npu_cal = calibration_10_bins(conf, ok16);
    s.npu_fp32_cal = calibration_10_bins(conf32, ok32);
    return s;
}

}  // namespace offloadkit::examples

#endif  // OFFLOADKIT_EXAMPLES_COMMON_FASHION_TRACE_HPP
