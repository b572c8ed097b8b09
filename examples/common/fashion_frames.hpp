#ifndef OFFLOADKIT_EXAMPLES_COMMON_FASHION_FRAMES_HPP
#define OFFLOADKIT_EXAMPLES_COMMON_FASHION_FRAMES_HPP

/**
 * @file
 * @brief The frame pipeline of the bundled Fashion-MNIST trace (issue 13 §3): a test image becomes
 *        the camera frames a device would see at CBO's five resolutions, which go through the
 *        ONNX models of examples/models/fashion/ (offloadkit::onnx) and a real PNG encoder
 *        (ok::image_encoder) and decoder (ok::decode_image). Thin example code: the executors,
 *        the pre-processing, the encoder and the decoder are the backend's.
 *
 * Resolutions (CBO §V-A): 224 x 224 frames are offloaded downsized to R = 45, 90, 134, 179 or
 * 224 px. Fashion-MNIST images are 28 x 28, so 28 px plays the role of 224 and R carries the detail
 * of r = round(28 R / 224) = 6, 11, 17, 22, 28 px. The frame at R (render_level):
 *   1. the 28 x 28 gray image shrunk to r x r with cv::resize INTER_AREA (no-op at r = 28);
 *   2. enlarged to R x R with cv::resize INTER_LINEAR;
 *   3. copied to R, G and B with independent per-sample sensor noise: popcount of 16 random bits
 *      minus 8 (binomial, sigma = 2 grey levels, |noise| <= 8), clamped to 0..255.
 * The noise stands in for the fine texture of natural video frames, which keeps their lossless
 * bits per pixel roughly constant across scales; Fashion-MNIST's clean studio images on black
 * would compress to a few KB and put the demo in another bandwidth regime than the paper's.
 * The five levels form an ok::image_pyramid (an ISP that outputs every resolution), encoded as PNG
 * by ok::image_encoder at its default zlib level.
 *
 * What each model sees:
 *  - NPU (npu_fp16.onnx) and Compress (compress_int8.onnx, on the device's CPU): the 224 px frame,
 *    pre-processed by ok::onnx_classifier (RGB -> gray, INTER_AREA to 28 x 28, normalised as
 *    models.json says);
 *  - server (server.onnx): the PNG bytes at R decoded by ok::decode_image, then the same
 *    pre-processing (BGR -> gray, INTER_AREA from R to 28 x 28).
 */

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <offloadkit/backends/onnx.hpp>
#include <offloadkit/calibration/scores.hpp>
#include <offloadkit/detail/random.hpp>
#include <offloadkit/error.hpp>

#include <opencv2/imgproc.hpp>

namespace offloadkit::examples {

/// CBO §V-A's offloading resolutions (pixels per side of the square frame).
inline constexpr std::array<std::size_t, 5> paper_resolutions{45, 90, 134, 179, 224};

/// The Fashion-MNIST detail each carries: round(28 * R / 224).
inline constexpr std::array<std::size_t, 5> model_resolutions{6, 11, 17, 22, 28};

/// Fashion-MNIST side length.
inline constexpr std::size_t image_side = 28;
inline constexpr std::size_t image_pixels = image_side * image_side;
inline constexpr std::size_t num_classes = 10;

/// Where the committed models are (examples/models/fashion/).
inline std::string default_models_dir() { return std::string(OFFLOADKIT_EXAMPLES_DIR) + "/models/fashion"; }

/// The input convention of the three models (examples/models/fashion/models.json): 1 x 1 x 28 x 28
/// gray, INTER_AREA, x = (p / 255 - 0.286) / 0.353 in float32.
[[nodiscard]] inline image_preprocess fashion_preprocess() {
    return image_preprocess{.height = image_side,
                            .width = image_side,
                            .channels = 1,
                            .order = channel_order::rgb,
                            .interpolation = interpolation::area,
                            .scale = 1.0F / 255.0F,
                            .mean = {0.286F, 0.0F, 0.0F},
                            .std = {0.353F, 1.0F, 1.0F}};
}

/// The three classifiers, one OpenCV thread each.
struct fashion_models {
    onnx_classifier npu;
    onnx_classifier server;
    onnx_classifier compress;
};

/**
 * @brief Loads npu_fp16.onnx, server.onnx and compress_int8.onnx from `dir`.
 * @throws offloadkit::invalid_argument naming the file when one is missing or not a valid model.
 */
[[nodiscard]] inline fashion_models load_fashion_models(const std::string& dir = default_models_dir()) {
    const auto load = [&](const char* file) {
        return onnx_classifier(onnx_model::load(std::filesystem::path(dir) / file), fashion_preprocess());
    };
    return fashion_models{load("npu_fp16.onnx"), load("server.onnx"), load("compress_int8.onnx")};
}

/// An independent rng stream for (purpose, index) under one master seed.
[[nodiscard]] inline detail::rng trace_stream(std::uint64_t seed, std::uint64_t purpose, std::uint64_t index = 0) {
    std::uint64_t s = seed;
    const std::uint64_t a = detail::splitmix64(s);
    std::uint64_t t = a ^ (purpose * 0xD1342543DE82EF95ULL) ^ (index * 0x9E3779B97F4A7C15ULL);
    return detail::rng(detail::splitmix64(t));
}

/// Purposes of trace_stream (the values are part of the committed trace).
enum trace_purpose : std::uint64_t { frame_order_stream = 1, noise_stream = 7 };

/// Number of set bits (portable SWAR).
[[nodiscard]] constexpr unsigned popcount64(std::uint64_t x) noexcept {
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return static_cast<unsigned>((x * 0x0101010101010101ULL) >> 56);
}

/// Noise bits per sample (binomial noise popcount(16 bits) - 8: sigma 2 grey levels).
inline constexpr unsigned noise_bits = 16;

/**
 * @brief The noise-free picture of level k: the 28 x 28 gray image shrunk to r_k (INTER_AREA) and
 *        enlarged to R_k x R_k (INTER_LINEAR), 8 bits, one channel.
 * @param image 28 x 28 gray pixels, rows packed.
 */
[[nodiscard]] inline cv::Mat clean_level(const std::uint8_t* image, std::size_t k) {
    const int r = static_cast<int>(model_resolutions[k]);
    const int big = static_cast<int>(paper_resolutions[k]);
    const cv::Mat src(static_cast<int>(image_side), static_cast<int>(image_side), CV_8UC1,
                      const_cast<std::uint8_t*>(image));  // read only
    cv::Mat small;
    if (r == static_cast<int>(image_side)) {
        small = src;
    } else {
        cv::resize(src, small, cv::Size(r, r), 0.0, 0.0, cv::INTER_AREA);
    }
    cv::Mat out;
    cv::resize(small, out, cv::Size(big, big), 0.0, 0.0, cv::INTER_LINEAR);
    return out;
}

/**
 * @brief Renders level k of a frame (see the file comment) into `rgb` (R_k * R_k * 3 bytes, RGB).
 * @param g the frame's noise stream for this level: trace_stream(seed, noise_stream, 8 * test_index + k).
 */
inline void render_level(const std::uint8_t* image, std::size_t k, detail::rng& g, std::vector<std::uint8_t>& rgb) {
    const cv::Mat clean = clean_level(image, k);
    const std::size_t big = paper_resolutions[k];
    rgb.resize(big * big * 3);
    constexpr unsigned per_draw = 64U / noise_bits;
    constexpr std::uint64_t mask = (std::uint64_t{1} << noise_bits) - 1;
    constexpr int half = static_cast<int>(noise_bits / 2);
    std::uint64_t word = 0;
    unsigned left = 0;
    for (std::size_t y = 0; y < big; ++y) {
        const std::uint8_t* row = clean.ptr<std::uint8_t>(static_cast<int>(y));
        for (std::size_t x = 0; x < big; ++x) {
            for (std::size_t c = 0; c < 3; ++c) {
                if (left == 0) {
                    word = g();
                    left = per_draw;
                }
                const int noise = static_cast<int>(popcount64(word & mask)) - half;
                word >>= noise_bits;
                --left;
                rgb[(y * big + x) * 3 + c] = static_cast<std::uint8_t>(std::clamp(row[x] + noise, 0, 255));
            }
        }
    }
}

/// What the device and the server produce for one frame.
struct frame_result {
    std::array<float, num_classes> npu_logits{};
    double npu_seconds = 0.0;  ///< ok::onnx_classifier::infer's time (pre-processing + forward)
    std::uint8_t compress_label = 0;
    double compress_seconds = 0.0;
    std::array<std::size_t, 5> bytes{};         ///< PNG bytes at each resolution
    std::array<std::uint8_t, 5> server_label{};  ///< server's answer on the decoded frame
};

/// The per-frame pipeline (file comment): renders the pyramid, runs the models, encodes and
/// decodes. Keeps its buffers between frames.
class fashion_frame_pipeline {
public:
    /// @param models the classifiers (kept by reference). @param seed the trace's master seed.
    fashion_frame_pipeline(fashion_models& models, std::uint64_t seed)
        : models_(models), seed_(seed), encoder_(image_encoder_options{.resolutions = square_sizes({45, 90, 134, 179, 224})}) {}

    /**
     * @brief Runs one test image through everything.
     * @param image 28 x 28 gray pixels. @param test_index its index in t10k (seeds its noise).
     * @throws offloadkit::invalid_argument if a model or the codec fails.
     */
    frame_result run(const std::uint8_t* image, std::size_t test_index) {
        frame_result out;
        render(image, test_index);
        const image_view full = level(4);
        out.npu_seconds = models_.npu.infer(full, out.npu_logits);
        std::array<float, num_classes> lg{};
        out.compress_seconds = models_.compress.infer(full, lg);
        out.compress_label = static_cast<std::uint8_t>(top1_confidence(lg).index);
        const std::array<image_view, 5> levels{level(0), level(1), level(2), level(3), level(4)};
        const image_pyramid pyramid{levels};
        for (std::size_t k = 0; k < 5; ++k) {
            const auto bytes = encoder_.encode(pyramid, k);
            out.bytes[k] = bytes.size();
            const decoded_image back = decode_image(bytes);
            (void)models_.server.infer(back.view(), lg);
            out.server_label[k] = static_cast<std::uint8_t>(top1_confidence(lg).index);
        }
        return out;
    }

    /// The RGB frame at level k of the last run() (R_k x R_k).
    [[nodiscard]] image_view level(std::size_t k) const {
        const std::size_t big = paper_resolutions[k];
        return image_view{.pixels = levels_[k], .height = big, .width = big, .format = pixel_format::rgb};
    }

    /// Renders the five levels of a test image without running anything (then see level()).
    void render(const std::uint8_t* image, std::size_t test_index) {
        for (std::size_t k = 0; k < 5; ++k) {
            auto g = trace_stream(seed_, noise_stream, test_index * 8 + k);
            render_level(image, k, g, levels_[k]);
        }
    }

private:
    fashion_models& models_;
    std::uint64_t seed_;
    image_encoder encoder_;
    std::array<std::vector<std::uint8_t>, 5> levels_;
};

}  // namespace offloadkit::examples

#endif  // OFFLOADKIT_EXAMPLES_COMMON_FASHION_FRAMES_HPP
