#ifndef OFFLOADKIT_EXAMPLES_COMMON_FASHION_TRACE_HPP
#define OFFLOADKIT_EXAMPLES_COMMON_FASHION_TRACE_HPP

/**
 * @file
 * @brief The bundled Fashion-MNIST offloading trace (issues 8 and 13): the ONNX models of
 *        examples/models/fashion/ run through offloadkit::onnx on the real test images, with the
 *        frames PNG-encoded at CBO's five resolutions by ok::image_encoder (fashion_frames.hpp);
 *        written in the simulator's trace CSV format (docs/trace-format.md, docs/demo-trace.md).
 *
 * Deterministic on one machine: frame order and sensor noise come from offloadkit::detail::rng
 * streams of one seed, OpenCV's resize, PNG codec and dnn are deterministic for the same inputs
 * and build, and the two timing columns are constants (the medians of this run's timed calls,
 * or the values given on the command line, see trace_options).
 */

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <offloadkit/error.hpp>

#include "fashion_frames.hpp"
#include "idx.hpp"

namespace offloadkit::examples {

/// Everything that determines the trace. The defaults make the committed trace.
struct trace_options {
    std::uint64_t seed = 8;      ///< frame order and sensor noise (issue 8)
    std::size_t frames = 10000;  ///< test images in the trace (the first `frames` of the seeded order)
    double fps = 30.0;           ///< arrival_s = frame / fps
    /// npu_time_s / compress_time_s columns: these values, or when unset the median of this run's
    /// onnx_classifier::infer times on the 224 px frames (one OpenCV thread).
    std::optional<double> npu_time_s;
    std::optional<double> compress_time_s;
};

/// One frame of the trace.
struct trace_frame {
    std::size_t test_index = 0;  ///< index into t10k-images
    std::uint8_t true_label = 0;
    std::uint8_t npu_label = 0;
    double npu_confidence = 0.0;  ///< max softmax of the NPU's logits (CBO §III-A)
    std::array<float, num_classes> npu_logits{};
    std::uint8_t compress_label = 0;
    std::array<std::size_t, 5> bytes{};
    std::array<std::uint8_t, 5> server_label{};
};

/// The generated trace.
struct fashion_trace {
    trace_options options;
    std::vector<trace_frame> frames;
    double npu_time_s = 0.0;          ///< the constant written in every row
    double compress_time_s = 0.0;     ///< idem
    double npu_median_s = 0.0;        ///< measured in this run (median of the infer times)
    double compress_median_s = 0.0;   ///< idem
};

/// The seeded order of the n test images (Fisher-Yates on trace_stream(seed, frame_order_stream)).
[[nodiscard]] inline std::vector<std::size_t> frame_order(std::uint64_t seed, std::size_t n) {
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) {
        order[i] = i;
    }
    auto g = trace_stream(seed, frame_order_stream);
    for (std::size_t i = n; i > 1; --i) {
        std::swap(order[i - 1], order[g.below(i)]);
    }
    return order;
}

namespace detail_trace {
inline double median(std::vector<double> v) {
    if (v.empty()) {
        return 0.0;
    }
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
}  // namespace detail_trace

/**
 * @brief Builds the trace: the first opt.frames test images in the seeded order, each through
 *        fashion_frame_pipeline (see fashion_frames.hpp and docs/demo-trace.md).
 * @param progress callback `void(std::size_t done, std::size_t total)` called every 500 frames.
 * @throws offloadkit::invalid_argument if opt.frames is 0 or above the test set, fps <= 0, a given
 *         time is negative or not finite, or the data is not 28 x 28 images with one label each.
 * Complexity: per frame, 2 + 5 model runs, 5 PNG encodes and 5 decodes.
 */
template <class Progress>
[[nodiscard]] fashion_trace make_fashion_trace(const fashion_mnist& data, fashion_models& models,
                                               const trace_options& opt, Progress&& progress) {
    constexpr const char* fn = "make_fashion_trace";
    const std::size_t n_test = data.test_images.count;
    detail::require(data.test_images.rows == image_side && data.test_images.cols == image_side, fn,
                    "test images are ", data.test_images.rows, " x ", data.test_images.cols, ", expected 28 x 28");
    detail::require(data.test_labels.size() == n_test, fn, "test labels has size ", data.test_labels.size(),
                    ", expected ", n_test, " (one per image)");
    detail::require(opt.frames >= 1 && opt.frames <= n_test, fn, "frames is ", opt.frames, ", expected 1..", n_test);
    detail::require_positive(opt.fps, fn, "fps");
    for (const auto& [t, name] : {std::pair{opt.npu_time_s, "npu_time_s"}, std::pair{opt.compress_time_s, "compress_time_s"}}) {
        detail::require(!t || (std::isfinite(*t) && *t >= 0.0), fn, name, " is ", t.value_or(0.0),
                        ", expected a finite number >= 0");
    }
    fashion_trace out;
    out.options = opt;
    const std::vector<std::size_t> order = frame_order(opt.seed, n_test);
    fashion_frame_pipeline pipe(models, opt.seed);
    std::vector<double> t_npu(opt.frames);
    std::vector<double> t_compress(opt.frames);
    out.frames.resize(opt.frames);
    for (std::size_t f = 0; f < opt.frames; ++f) {
        trace_frame& fr = out.frames[f];
        fr.test_index = order[f];
        fr.true_label = data.test_labels[fr.test_index];
        const frame_result r = pipe.run(data.test_images.image(fr.test_index), fr.test_index);
        const top1 t = top1_confidence(r.npu_logits);
        fr.npu_label = static_cast<std::uint8_t>(t.index);
        fr.npu_confidence = t.confidence;
        fr.npu_logits = r.npu_logits;
        fr.compress_label = r.compress_label;
        fr.bytes = r.bytes;
        fr.server_label = r.server_label;
        t_npu[f] = r.npu_seconds;
        t_compress[f] = r.compress_seconds;
        if ((f + 1) % 500 == 0 || f + 1 == opt.frames) {
            progress(f + 1, opt.frames);
        }
    }
    out.npu_median_s = detail_trace::median(t_npu);
    out.compress_median_s = detail_trace::median(t_compress);
    out.npu_time_s = opt.npu_time_s.value_or(out.npu_median_s);
    out.compress_time_s = opt.compress_time_s.value_or(out.compress_median_s);
    return out;
}

/// Shortest round-trip text of a double.
inline std::string double_text(double v) {
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    return {buf, res.ptr};
}

/// printf "%.6g" of a value (the logits and times of the trace).
inline std::string g6_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

/**
 * @brief The trace as CSV text in the simulator's format (docs/trace-format.md): `comment` lines
 *        (each prefixed "# "), a header, one row per frame.
 *
 * Columns: frame, arrival_s (= frame / fps), test_index, true_label, npu_label, npu_confidence,
 * npu_correct, npu_logit@0..9, npu_time_s, compress_label, compress_correct, compress_time_s, then
 * per resolution R: bytes@R, server_correct@R, server_label@R.
 */
[[nodiscard]] inline std::string trace_csv(const fashion_trace& t, const std::vector<std::string>& comment) {
    std::string s;
    for (const auto& c : comment) {
        s += "# ";
        s += c;
        s += '\n';
    }
    s += "frame,arrival_s,test_index,true_label,npu_label,npu_confidence,npu_correct";
    for (std::size_t c = 0; c < num_classes; ++c) {
        s += ",npu_logit@" + std::to_string(c);
    }
    s += ",npu_time_s,compress_label,compress_correct,compress_time_s";
    for (const auto R : paper_resolutions) {
        const std::string r = std::to_string(R);
        s += ",bytes@" + r + ",server_correct@" + r + ",server_label@" + r;
    }
    s += '\n';
    const std::string npu_time = g6_text(t.npu_time_s);
    const std::string compress_time = g6_text(t.compress_time_s);
    for (std::size_t f = 0; f < t.frames.size(); ++f) {
        const auto& fr = t.frames[f];
        s += std::to_string(f);
        s += ',';
        s += double_text(static_cast<double>(f) / t.options.fps);
        s += ',' + std::to_string(fr.test_index) + ',' + std::to_string(fr.true_label) + ',' +
             std::to_string(fr.npu_label) + ',' + g6_text(fr.npu_confidence) + ',' +
             (fr.npu_label == fr.true_label ? "1" : "0");
        for (const float v : fr.npu_logits) {
            s += ',' + g6_text(static_cast<double>(v));
        }
        s += ',' + npu_time + ',' + std::to_string(fr.compress_label) + ',' +
             (fr.compress_label == fr.true_label ? "1" : "0") + ',' + compress_time;
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


/// Hexadecimal text of a 64-bit value (16 digits).
[[nodiscard]] inline std::string hex64(std::uint64_t v) {
    char buf[17];
    for (int i = 15; i >= 0; --i) {
        buf[i] = "0123456789abcdef"[v & 0xFU];
        v >>= 4;
    }
    return {buf, 16};
}

/// The '#' comment lines of the trace file: what it is, the command that made it, the pipeline.
[[nodiscard]] inline std::vector<std::string> trace_comment(const fashion_trace& t, const std::string& command) {
    const trace_options& o = t.options;
    return {
        "offloadkit Fashion-MNIST offloading trace (issues 8, 13); how it is made: docs/demo-trace.md",
        "made by: " + command,
        "seed " + std::to_string(o.seed) + "; " + std::to_string(o.frames) + " t10k test images in seeded order at " +
            double_text(o.fps) + " fps",
        "models: examples/models/fashion/{npu_fp16,server,compress_int8}.onnx (MODEL_CARD.md) through offloadkit::onnx, "
        "one OpenCV thread",
        "frame at R in {45,90,134,179,224}: 28 px image -> INTER_AREA to r in {6,11,17,22,28} -> INTER_LINEAR to R x R"
        " -> RGB + binomial noise (popcount of 16 bits - 8)",
        "npu and compress classify the 224 px frame; server classifies the decoded PNG at R; bytes@R = PNG size"
        " (ok::image_encoder, zlib level 1)",
        "npu_time_s " + g6_text(t.npu_time_s) + ", compress_time_s " + g6_text(t.compress_time_s) +
            (o.npu_time_s || o.compress_time_s ? " (given)" : " (medians of this run's timed calls)") +
            ": constants; --npu-time-s " + g6_text(t.npu_time_s) + " --compress-time-s " +
            g6_text(t.compress_time_s) + " reproduces these bytes",
    };
}

/// The measured facts docs/demo-trace.md reports.
struct trace_summary {
    double npu_accuracy = 0.0;
    double npu_mean_confidence = 0.0;
    calibration_summary npu_cal;
    double compress_accuracy = 0.0;
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
    std::vector<std::uint8_t> right(n);
    s.min_bytes.fill(1e300);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& f = t.frames[i];
        conf[i] = f.npu_confidence;
        right[i] = f.npu_label == f.true_label ? 1 : 0;
        s.npu_accuracy += right[i];
        s.npu_mean_confidence += conf[i];
        s.compress_accuracy += f.compress_label == f.true_label ? 1.0 : 0.0;
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
    s.npu_mean_confidence /= dn;
    s.compress_accuracy /= dn;
    s.fraction_full_over_budget /= dn;
    for (std::size_t k = 0; k < 5; ++k) {
        s.server_accuracy[k] /= dn;
        s.mean_bytes[k] /= dn;
    }
    s.npu_cal = calibration_10_bins(conf, right);
    return s;
}

}  // namespace offloadkit::examples

#endif  // OFFLOADKIT_EXAMPLES_COMMON_FASHION_TRACE_HPP
