#ifndef OFFLOADKIT_BACKENDS_ONNX_HPP
#define OFFLOADKIT_BACKENDS_ONNX_HPP

/**
 * @file
 * @brief Real backends for offloadkit's plug-in points (concepts.hpp): ONNX models run by
 *        OpenCV's dnn module, image pre-processing, and a PNG/JPEG frame encoder and decoder.
 *
 * Opt-in: link `offloadkit::onnx` (`find_package(offloadkit CONFIG COMPONENTS onnx)`, or
 * pkg-config `offloadkit-onnx`), which brings OpenCV's core, dnn, imgproc and imgcodecs. The core
 * target never includes this header. docs/backends.md describes every class, what allocates and
 * the measured costs.
 *
 * | class                    | concept it models                                   | paper |
 * |--------------------------|-----------------------------------------------------|-------|
 * | onnx_model               | (raw tensors in, tensor out)                        | — |
 * | onnx_classifier          | local_executor<onnx_classifier, image_view>         | CBO §III (the NPU model), §IV
 * (server) | | onnx_approx_executor     | approx_executor<onnx_approx_executor, image_view>   | ApproxNet §4.1
 * (approximation branches) | | onnx_feature_extractor   | feature_extractor<onnx_feature_extractor, image_view> | AMVP
 * §IV-B, Fig. 6 (FE part) | | onnx_feature_inference   | feature_inference<onnx_feature_inference>           | AMVP
 * §IV-B (FI part) | | image_encoder            | frame_encoder<image_encoder, image_view> and <…, image_pyramid> | CBO
 * §V-A (PNG frames at m resolutions) | | decode_image             | (the server side of image_encoder) | — |
 *
 * Errors: every rejected input (a missing, truncated or corrupt model file, a model without
 * exactly one input and one output, a frame of the wrong format or size, non-finite outputs,
 * corrupt image bytes) throws offloadkit::invalid_argument naming the file or the shape; an
 * OpenCV exception (cv::Exception) never escapes: it is translated into one. Output spans are
 * untouched on error.
 *
 * Threads: none of these objects is safe to use from two threads at once; use one per thread.
 * OpenCV's thread count is process-wide (see onnx_model::set_threads).
 */

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "../concepts.hpp"
#include "../error.hpp"
#include "../kernels/image.hpp"
#include "detail/onnx_proto.hpp"

namespace offloadkit {

class onnx_model;

namespace detail {

class onnx_image_runner;

using onnx_clock = std::chrono::steady_clock;

[[nodiscard]] inline double seconds_since(onnx_clock::time_point t0) noexcept {
    return std::chrono::duration<double>(onnx_clock::now() - t0).count();
}

/// "[1, 3, 224, 224]"
[[nodiscard]] inline std::string shape_text(std::span<const std::int64_t> shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i != 0) {
            s += ", ";
        }
        append_part(s, shape[i]);
    }
    s += ']';
    return s;
}

/// Rethrows the exception in flight (from OpenCV or the standard library) as
/// offloadkit::invalid_argument "function: 'name': OpenCV failed to <what>: <message>".
/// offloadkit::invalid_argument itself passes through unchanged.
[[noreturn]] inline void rethrow_as_invalid_argument(std::string_view function, std::string_view name,
                                                     std::string_view what) {
    try {
        throw;
    } catch (const offloadkit::invalid_argument&) {
        throw;
    } catch (const cv::Exception& e) {
        detail::fail(function, "'", name, "': OpenCV failed to ", what, ": ", e.err.empty() ? e.msg : e.err,
                     e.func.empty() ? "" : " (in ", e.func, e.func.empty() ? "" : ")");
    } catch (const std::exception& e) {
        detail::fail(function, "'", name, "': OpenCV failed to ", what, ": ", e.what());
    }
}

/// A cv::Mat header over an 8-bit image_view (no copy; OpenCV only reads it).
[[nodiscard]] inline cv::Mat as_mat(const checked_image& img) {
    return cv::Mat(static_cast<int>(img.height), static_cast<int>(img.width), CV_8UC(static_cast<int>(img.channels)),
                   const_cast<std::uint8_t*>(img.data), img.stride);
}

/// image_view sizes beyond this are rejected before they reach OpenCV's int-sized Mats.
inline constexpr std::size_t max_image_side = std::size_t{1} << 20;

}  // namespace detail

// ==== onnx_model ==================================================================================

/**
 * @brief One ONNX model with exactly one float input and one float output, run by OpenCV's dnn
 *        module (CPU, OpenCV's own backend) on raw tensors.
 *
 * Loading checks the bytes' protobuf structure first (detail/onnx_proto.hpp: every tensor's
 * payload matches its dims — OpenCV 4.6 would read past a short one), then imports them with
 * `cv::dnn::readNetFromONNX` and runs the network once on zeros to learn the output shape and
 * allocate every buffer. Shapes: the input's first dimension may be symbolic (a dynamic batch)
 * and is then fixed to 1; every other input dimension must be a positive number.
 *
 * Per-call cost (run): what a bare OpenCV caller does — a cv::Mat header over `in`, `setInput`
 * (which copies it into the network's input blob), `forward` — plus one scan of the output for
 * NaN/inf and one copy of it into `out`. Allocation per call: nothing of this class's own after
 * load (the Mat header of a 3-D or 4-D input allocates its size/step arrays, as any caller's
 * would); inside OpenCV a fixed number of small heap blocks (49 operator new calls per forward of
 * the test models: shape vectors, names, layer bookkeeping). tests/backends/test_onnx.cpp checks
 * that run() makes exactly as many operator new calls as a bare `setInput` + `forward` on the same
 * net. The network's blobs are allocated once, at load, and reused.
 *
 * Move-only (cv::dnn::Net copies share one network). Not thread-safe: one model per thread.
 *
 * @code
 * ok::onnx_model m = ok::onnx_model::load("model.onnx");
 * std::vector<float> in(m.input_size()), out(m.output_size());
 * double seconds = m.run(in, out);
 * @endcode
 */
class onnx_model {
public:
    /// Largest element count accepted for the input or the output (2^26 floats = 256 MiB).
    static constexpr std::size_t max_tensor_elements = std::size_t{1} << 26;
    /// Largest total element count of all layer outputs OpenCV would allocate (2^28 floats = 1 GiB),
    /// checked by shape inference before the first forward pass.
    static constexpr std::uint64_t max_blob_elements = std::uint64_t{1} << 28;

    /**
     * @brief Loads an ONNX file.
     * @param file path of the .onnx file (weights inside it; external data is not supported).
     * @return the loaded model, run once on zeros.
     * @throws offloadkit::invalid_argument naming the file: cannot be opened or read, malformed
     *         protobuf, not exactly one input and one output (with the counts), a non-float
     *         input/output, a dynamic dimension other than the first, a graph OpenCV cannot
     *         import or run. Complexity O(file size) + one forward pass. Allocates the network.
     */
    static onnx_model load(const std::filesystem::path& file) {
        const std::string name = file.string();
        std::vector<std::byte> bytes;
        std::FILE* f = std::fopen(name.c_str(), "rb");
        if (f == nullptr) {
            detail::fail("onnx_model::load", "cannot open '", name, "': ", std::strerror(errno));
        }
        std::byte buf[65536];
        std::size_t n = 0;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
            bytes.insert(bytes.end(), buf, buf + n);
        }
        const bool read_error = std::ferror(f) != 0;
        std::fclose(f);
        detail::require(!read_error, "onnx_model::load", "cannot read '", name, "'");
        return from_bytes(bytes, name);
    }

    /**
     * @brief Loads a model from bytes in memory (a .onnx file's content); same checks as the
     *        file form, with "<memory: N bytes>" in messages.
     * @throws offloadkit::invalid_argument as load(path). Never crashes on arbitrary bytes
     *         (tests/fuzz/fuzz_onnx_model.cpp).
     */
    static onnx_model load(std::span<const std::byte> bytes) {
        std::string name = "<memory: ";
        detail::append_part(name, bytes.size());
        name += " bytes>";
        return from_bytes(bytes, std::move(name));
    }

    onnx_model(const onnx_model&) = delete;
    onnx_model& operator=(const onnx_model&) = delete;
    onnx_model(onnx_model&&) noexcept = default;
    onnx_model& operator=(onnx_model&&) noexcept = default;
    ~onnx_model() = default;

    /// The input's shape, e.g. [1, 3, 224, 224] (a symbolic first dimension reads 1).
    [[nodiscard]] std::span<const std::int64_t> input_shape() const noexcept { return input_shape_; }
    /// The output's shape as declared by the model, e.g. [1, 10] (as OpenCV computes it where the
    /// declaration is symbolic).
    [[nodiscard]] std::span<const std::int64_t> output_shape() const noexcept { return output_shape_; }
    /// Element count of the input (the product of input_shape()).
    [[nodiscard]] std::size_t input_size() const noexcept { return input_size_; }
    /// Element count of the output.
    [[nodiscard]] std::size_t output_size() const noexcept { return output_size_; }
    /// The graph's input and output names, and the model's name in messages (its path, or
    /// "<memory: N bytes>").
    [[nodiscard]] const std::string& input_name() const noexcept { return input_name_; }
    [[nodiscard]] const std::string& output_name() const noexcept { return output_name_; }
    [[nodiscard]] const std::string& name() const noexcept { return name_; }

    /**
     * @brief Sets the number of threads OpenCV uses while this model runs (default 1).
     *
     * OpenCV's thread pool is process-wide (`cv::setNumThreads`; TBB on Debian): before each
     * run() the model sets OpenCV's global thread count to its own when they differ (~1 us;
     * nothing when equal). Consequences: it also applies to every other OpenCV call in the
     * process afterwards (cv::resize, other networks) until something sets it again; models with
     * different counts run from different threads at the same time overwrite each other's
     * setting. The results do not depend on the thread count. With 1 thread, OpenCV runs every
     * layer on the calling thread.
     * @throws offloadkit::invalid_argument when n < 1.
     */
    void set_threads(int n) {
        detail::require(n >= 1, "onnx_model::set_threads", "n is ", n, ", expected >= 1");
        threads_ = n;
    }
    /// The thread count set by set_threads (1 by default).
    [[nodiscard]] int threads() const noexcept { return threads_; }

    /**
     * @brief Runs the model: `in` (input_size() floats, row-major in input_shape()) to `out`
     *        (output_size() floats).
     * @return wall-clock seconds of the call (copy in, forward, check, copy out).
     * @throws offloadkit::invalid_argument if in.size() != input_size() or out.size() !=
     *         output_size() ("onnx_model::run: 'model.onnx': in has size 3, expected 784 (input
     *         [1, 1, 28, 28])"), or if an output is NaN or infinite (the first one is named); `out`
     *         is untouched then. An OpenCV failure is translated as well.
     * Complexity: one forward pass. Allocation: see the class comment.
     */
    double run(std::span<const float> in, std::span<float> out) {
        const auto t0 = detail::onnx_clock::now();
        detail::require(in.size() == input_size_, "onnx_model::run", "'", name_, "': in has size ", in.size(),
                        ", expected ", input_size_, " (input ", detail::shape_text(input_shape_), ")");
        detail::require(out.size() == output_size_, "onnx_model::run", "'", name_, "': out has size ", out.size(),
                        ", expected ", output_size_, " (output ", detail::shape_text(output_shape_), ")");
        return forward_into(in.data(), out, "onnx_model::run", t0);
    }

private:
    friend class detail::onnx_image_runner;
    friend class onnx_feature_inference;

    onnx_model() = default;

    static onnx_model from_bytes(std::span<const std::byte> bytes, std::string name) {
        constexpr std::string_view fn = "onnx_model::load";
        const detail::onnx_proto::model_summary summary = detail::onnx_proto::check_model(bytes, fn, name);
        if (summary.inputs.size() != 1 || summary.outputs.size() != 1) {
            detail::fail(fn, "'", name, "': the model has ", summary.inputs.size(), " input(s) and ",
                         summary.outputs.size(), " output(s), expected exactly one of each");
        }
        const auto& in = summary.inputs[0];
        const auto& out = summary.outputs[0];
        detail::require(in.elem_type == 1, fn, "'", name, "': input '", in.name, "' has element type ", in.elem_type,
                        ", expected 1 (float)");
        detail::require(out.elem_type == 1, fn, "'", name, "': output '", out.name, "' has element type ",
                        out.elem_type, ", expected 1 (float)");
        detail::require(!in.dims.empty(), fn, "'", name, "': input '", in.name, "' is a scalar, expected a tensor");

        onnx_model m;
        m.name_ = std::move(name);
        m.input_name_ = in.name;
        m.output_name_ = out.name;
        std::size_t total = 1;
        for (std::size_t i = 0; i < in.dims.size(); ++i) {
            const auto& d = in.dims[i];
            std::int64_t v = d.value;
            if (d.symbolic || v == 0) {
                detail::require(i == 0, fn, "'", m.name_, "': input '", in.name, "' dimension ", i,
                                " is symbolic or 0; only the first (batch) dimension may be, the others must be fixed");
                v = 1;
            }
            m.input_shape_.push_back(v);
            const auto uv = static_cast<std::size_t>(v);
            detail::require(total <= max_tensor_elements / uv, fn, "'", m.name_, "': input '", in.name,
                            "' has more than 2^26 elements");
            total *= uv;
        }
        m.input_size_ = total;

        try {
            m.net_ = cv::dnn::readNetFromONNX(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        } catch (...) {
            detail::rethrow_as_invalid_argument(fn, m.name_, "import the model");
        }
        detail::require(!m.net_.empty(), fn, "'", m.name_, "': OpenCV imported an empty network");
        std::vector<int> dims(m.input_shape_.begin(), m.input_shape_.end());
        try {
            m.net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
            m.net_.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
            m.check_blob_sizes(dims);
            m.input_dims_ = dims;
            m.input_buffer_.assign(m.input_size_, 0.0F);
            m.apply_threads();
            m.net_.setInput(cv::Mat(static_cast<int>(dims.size()), dims.data(), CV_32F, m.input_buffer_.data()));
            const cv::Mat result = m.net_.forward(m.output_name_);
            detail::require(result.type() == CV_32F, fn, "'", m.name_, "': output '", out.name,
                            "' is not a float tensor in OpenCV (type ", result.type(), ")");
            std::vector<std::int64_t> computed;
            for (int i = 0; i < result.dims; ++i) {
                computed.push_back(result.size[i]);
            }
            m.output_size_ = result.total();
            // The declared shape, with a symbolic first dimension read as 1, when it is complete.
            std::vector<std::int64_t> declared;
            std::size_t declared_total = 1;
            bool complete = !out.dims.empty();
            for (std::size_t i = 0; i < out.dims.size(); ++i) {
                const auto& d = out.dims[i];
                const std::int64_t v = (d.symbolic || d.value == 0) && i == 0 ? 1 : d.value;
                complete = complete && !(d.symbolic && i != 0) && v > 0;
                declared.push_back(v);
                declared_total *= static_cast<std::size_t>(std::max<std::int64_t>(v, 1));
            }
            if (complete) {
                detail::require(declared_total == m.output_size_, fn, "'", m.name_, "': output '", out.name,
                                "' is declared ", detail::shape_text(declared), " but OpenCV computes ",
                                detail::shape_text(computed));
                m.output_shape_ = std::move(declared);
            } else {
                m.output_shape_ = std::move(computed);
            }
            detail::require(m.output_size_ >= 1 && m.output_size_ <= max_tensor_elements, fn, "'", m.name_,
                            "': output '", out.name, "' has ", m.output_size_, " elements, expected 1 .. 2^26");
        } catch (...) {
            detail::rethrow_as_invalid_argument(fn, m.name_, "run the model on zeros");
        }
        return m;
    }

    /// Asks OpenCV for every layer's output shape (shape inference only, nothing allocated) and
    /// rejects a model whose blobs would hold more than max_blob_elements floats in total, or a
    /// negative dimension, before the first forward pass allocates them: a few changed bytes (a
    /// Pad or Reshape constant) can otherwise make OpenCV allocate gigabytes.
    void check_blob_sizes(const std::vector<int>& input_dims) {
        std::vector<int> ids;
        std::vector<std::vector<cv::dnn::MatShape>> in_shapes;
        std::vector<std::vector<cv::dnn::MatShape>> out_shapes;
        net_.getLayersShapes(cv::dnn::MatShape(input_dims), ids, in_shapes, out_shapes);
        std::uint64_t total = 0;
        for (std::size_t l = 0; l < out_shapes.size(); ++l) {
            for (const auto& shape : out_shapes[l]) {
                std::uint64_t n = 1;
                for (const int d : shape) {
                    detail::require(d >= 0, "onnx_model::load", "'", name_, "': OpenCV infers a negative dimension ", d,
                                    " for layer ", ids[l]);
                    n = d == 0 ? 0
                               : (n > max_blob_elements / static_cast<std::uint64_t>(d)
                                      ? max_blob_elements + 1
                                      : n * static_cast<std::uint64_t>(d));
                }
                total += n;
                detail::require(total <= max_blob_elements, "onnx_model::load", "'", name_,
                                "': the network's layer outputs would hold more than 2^28 floats (1 GiB)");
            }
        }
    }

    void apply_threads() const {
        if (cv::getNumThreads() != threads_) {
            cv::setNumThreads(threads_);
        }
    }

    /// The network's input blob (input_size() floats): fill it, then call forward_into.
    [[nodiscard]] std::span<float> input_buffer() noexcept { return input_buffer_; }

    /// Forward pass on `input` (input_size() floats); checks the output for NaN/inf before copying
    /// it to `out` (already of size output_size()). The input is wrapped in a cv::Mat header, not
    /// copied: setInput copies it into the network's own input blob (the one copy a bare OpenCV
    /// caller also makes).
    double forward_into(const float* input, std::span<float> out, std::string_view function,
                        detail::onnx_clock::time_point t0) {
        cv::Mat result;
        try {
            apply_threads();
            net_.setInput(
                cv::Mat(static_cast<int>(input_dims_.size()), input_dims_.data(), CV_32F, const_cast<float*>(input)));
            result = net_.forward(output_name_);
        } catch (...) {
            detail::rethrow_as_invalid_argument(function, name_, "run the model");
        }
        detail::require(result.type() == CV_32F && result.isContinuous() && result.total() == output_size_, function,
                        "'", name_, "': OpenCV returned an output of another type or size than at load");
        const float* r = result.ptr<float>();
        for (std::size_t i = 0; i < output_size_; ++i) {
            if (!std::isfinite(r[i])) [[unlikely]] {
                detail::fail(function, "'", name_, "': output[", i, "] is ", r[i],
                             " (the model produced a non-finite value)");
            }
        }
        std::memcpy(out.data(), r, output_size_ * sizeof(float));
        return detail::seconds_since(t0);
    }

    std::string name_;
    std::string input_name_;
    std::string output_name_;
    std::vector<std::int64_t> input_shape_;
    std::vector<std::int64_t> output_shape_;
    std::size_t input_size_ = 0;
    std::size_t output_size_ = 0;
    int threads_ = 1;
    cv::dnn::Net net_;
    std::vector<int> input_dims_;      ///< input_shape() as OpenCV's int sizes
    std::vector<float> input_buffer_;  ///< where the image executors write their pre-processed input
};

// ==== image pre-processing ========================================================================

/// Channel order a model expects for 3-channel input.
enum class channel_order { rgb, bgr };

/// Resampling filter of image_preprocess (OpenCV's INTER_AREA, INTER_LINEAR, INTER_NEAREST,
/// INTER_CUBIC).
enum class interpolation { area, linear, nearest, cubic };

/**
 * @brief How an 8-bit frame becomes a model's float input (N = 1, C, H, W), as torchvision's
 *        `ToTensor` + `Normalize` do on a resized image.
 *
 * The steps, on the frame's 8 bits: (1) colour conversion with cv::cvtColor to the model's
 * channels — to gray (channels 1: ITU-R BT.601 luma, OpenCV's fixed-point weights), or to RGB or
 * BGR (channels 3: gray frames are replicated, alpha dropped); (2) cv::resize to width x height
 * with `interpolation` (skipped when the frame already has that size; rounding to 8 bits as OpenCV
 * does); (3) per channel c, in float: x = (p * scale - mean[c]) / std[c], written planar
 * (NCHW). Golden vectors: tests/data/onnx/make_onnx_golden.py does the same with cv2 + numpy.
 *
 * @code
 * ok::image_preprocess pre{.height = 224, .width = 224, .channels = 3, .order = ok::channel_order::rgb,
 *                          .interpolation = ok::interpolation::area, .scale = 1.0F / 255.0F,
 *                          .mean = {0.485F, 0.456F, 0.406F}, .std = {0.229F, 0.224F, 0.225F}};
 * @endcode
 */
struct image_preprocess {
    std::size_t height = 0;                                                     ///< model input height H
    std::size_t width = 0;                                                      ///< model input width W
    std::size_t channels = 3;                                                   ///< C: 1 (gray) or 3
    channel_order order = channel_order::rgb;                                   ///< for channels == 3
    offloadkit::interpolation interpolation = offloadkit::interpolation::area;  ///< resampling filter
    float scale = 1.0F / 255.0F;                                                ///< applied to the 8-bit value first
    std::array<float, 3> mean{0.0F, 0.0F, 0.0F};                                ///< per channel (only [0] for gray)
    std::array<float, 3> std{1.0F, 1.0F, 1.0F};                                 ///< per channel, non-zero

    /// channels * height * width: the float count preprocess() writes.
    [[nodiscard]] std::size_t element_count() const noexcept { return channels * height * width; }

    /**
     * @brief Converts `frame` into `out` (element_count() floats, NCHW with N = 1).
     * @throws offloadkit::invalid_argument for invalid options (sizes 0 or above 2^20, channels
     *         other than 1 or 3, non-finite scale/mean, std 0 or non-finite), an invalid frame
     *         (kernels/image.hpp rules) or out.size() != element_count(); `out` untouched then.
     * Complexity O(frame pixels + H W C). Allocates two temporary 8-bit images per call;
     * onnx_classifier / onnx_feature_extractor keep theirs between calls.
     */
    void preprocess(const image_view& frame, std::span<float> out) const;
};

namespace detail {

/// The 8-bit images preprocess() works in; kept between calls by the executors.
struct preprocess_workspace {
    cv::Mat converted;
    cv::Mat resized;
};

inline void check_preprocess(const image_preprocess& p, std::string_view function) {
    detail::require(p.height >= 1 && p.height <= max_image_side && p.width >= 1 && p.width <= max_image_side, function,
                    "preprocess size is ", p.height, " x ", p.width, ", expected 1 .. 2^20 each");
    detail::require(p.channels == 1 || p.channels == 3, function, "preprocess.channels is ", p.channels,
                    ", expected 1 or 3");
    detail::require(p.order == channel_order::rgb || p.order == channel_order::bgr, function,
                    "preprocess.order is not a channel_order value");
    detail::require(p.interpolation == interpolation::area || p.interpolation == interpolation::linear ||
                        p.interpolation == interpolation::nearest || p.interpolation == interpolation::cubic,
                    function, "preprocess.interpolation is not an interpolation value");
    detail::require_finite(p.scale, function, "preprocess.scale");
    for (std::size_t c = 0; c < p.channels; ++c) {
        detail::require(std::isfinite(p.mean[c]), function, arg_at{"preprocess.mean", c}, " is ", p.mean[c],
                        ", expected a finite number");
        detail::require(std::isfinite(p.std[c]) && p.std[c] != 0.0F, function, arg_at{"preprocess.std", c}, " is ",
                        p.std[c], ", expected a finite non-zero number");
    }
}

[[nodiscard]] inline int cv_interpolation(interpolation i) noexcept {
    switch (i) {
        case interpolation::linear:
            return cv::INTER_LINEAR;
        case interpolation::nearest:
            return cv::INTER_NEAREST;
        case interpolation::cubic:
            return cv::INTER_CUBIC;
        case interpolation::area:
            break;
    }
    return cv::INTER_AREA;
}

/// cv::cvtColor code from `from` to the model's channels/order; -1 when none is needed.
[[nodiscard]] inline int conversion_code(pixel_format from, std::size_t channels, channel_order order) noexcept {
    if (channels == 1) {
        switch (from) {
            case pixel_format::rgb:
                return cv::COLOR_RGB2GRAY;
            case pixel_format::bgr:
                return cv::COLOR_BGR2GRAY;
            case pixel_format::rgba:
                return cv::COLOR_RGBA2GRAY;
            case pixel_format::bgra:
                return cv::COLOR_BGRA2GRAY;
            case pixel_format::gray:
                return -1;
        }
        return -1;
    }
    const bool rgb = order == channel_order::rgb;
    switch (from) {
        case pixel_format::rgb:
            return rgb ? -1 : cv::COLOR_RGB2BGR;
        case pixel_format::bgr:
            return rgb ? cv::COLOR_BGR2RGB : -1;
        case pixel_format::rgba:
            return rgb ? cv::COLOR_RGBA2RGB : cv::COLOR_RGBA2BGR;
        case pixel_format::bgra:
            return rgb ? cv::COLOR_BGRA2RGB : cv::COLOR_BGRA2BGR;
        case pixel_format::gray:
            return rgb ? cv::COLOR_GRAY2RGB : cv::COLOR_GRAY2BGR;
    }
    return -1;
}

/// The work of image_preprocess::preprocess on a validated frame and options; `out` holds
/// element_count() floats.
inline void preprocess_into(const image_preprocess& p, const image_view& frame, float* out, preprocess_workspace& ws,
                            std::string_view function) {
    const checked_image img = check_image(frame, function);
    detail::require(img.height <= max_image_side && img.width <= max_image_side, function, "frame is ", img.height,
                    " x ", img.width, ", expected at most 2^20 per side");
    const int h = static_cast<int>(p.height);
    const int w = static_cast<int>(p.width);
    const cv::Mat* cur = nullptr;
    try {
        const cv::Mat src = as_mat(img);
        cur = &src;
        const int code = conversion_code(frame.format, p.channels, p.order);
        if (code >= 0) {
            cv::cvtColor(src, ws.converted, code);
            cur = &ws.converted;
        }
        if (cur->rows != h || cur->cols != w) {
            cv::resize(*cur, ws.resized, cv::Size(w, h), 0.0, 0.0, cv_interpolation(p.interpolation));
            cur = &ws.resized;
        }
        const std::size_t ch = p.channels;
        const std::size_t plane = p.height * p.width;
        for (std::size_t c = 0; c < ch; ++c) {
            const float scale = p.scale;
            const float mean = p.mean[c];
            const float sd = p.std[c];
            float* dst = out + c * plane;
            for (std::size_t y = 0; y < p.height; ++y) {
                const std::uint8_t* row = cur->ptr<std::uint8_t>(static_cast<int>(y)) + c;
                for (std::size_t x = 0; x < p.width; ++x) {
                    dst[y * p.width + x] = (static_cast<float>(row[x * ch]) * scale - mean) / sd;
                }
            }
        }
    } catch (...) {
        rethrow_as_invalid_argument(function, "frame", "pre-process the frame");
    }
}

}  // namespace detail

inline void image_preprocess::preprocess(const image_view& frame, std::span<float> out) const {
    constexpr std::string_view fn = "image_preprocess::preprocess";
    detail::check_preprocess(*this, fn);
    detail::require(out.size() == element_count(), fn, "out has size ", out.size(), ", expected ", element_count(),
                    " (", channels, " x ", height, " x ", width, ")");
    detail::preprocess_workspace ws;
    std::vector<float> tmp(element_count());  // out stays untouched if OpenCV fails half-way
    detail::preprocess_into(*this, frame, tmp.data(), ws, fn);
    std::copy(tmp.begin(), tmp.end(), out.begin());
}

/**
 * @brief Free-function form of image_preprocess::preprocess (same contract).
 * @throws offloadkit::invalid_argument as image_preprocess::preprocess.
 */
inline void preprocess(const image_preprocess& pre, const image_view& frame, std::span<float> out) {
    pre.preprocess(frame, out);
}

namespace detail {

/// A model whose input is a pre-processed image: what onnx_classifier and onnx_feature_extractor
/// share. Checks that the model's input is [1, C, H, W] (or [C, H, W]) of the pre-processing.
class onnx_image_runner {
public:
    onnx_image_runner(onnx_model model, const image_preprocess& pre, std::string_view function)
        : model_(std::move(model)), pre_(pre) {
        check_preprocess(pre_, function);
        const auto s = model_.input_shape();
        const bool match =
            (s.size() == 4 && s[0] == 1 && s[1] == static_cast<std::int64_t>(pre_.channels) &&
             s[2] == static_cast<std::int64_t>(pre_.height) && s[3] == static_cast<std::int64_t>(pre_.width)) ||
            (s.size() == 3 && s[0] == static_cast<std::int64_t>(pre_.channels) &&
             s[1] == static_cast<std::int64_t>(pre_.height) && s[2] == static_cast<std::int64_t>(pre_.width));
        detail::require(match, function, "'", model_.name(), "': input shape ", shape_text(s),
                        " does not match the pre-processing [1, ", pre_.channels, ", ", pre_.height, ", ", pre_.width,
                        "] (N, channels, height, width)");
    }

    double run(const image_view& frame, std::span<float> out, std::string_view function, std::string_view out_name) {
        const auto t0 = onnx_clock::now();
        detail::require(out.size() == model_.output_size(), function, "'", model_.name(), "': ", out_name, " has size ",
                        out.size(), ", expected ", model_.output_size(), " (output ", shape_text(model_.output_shape()),
                        ")");
        float* input = model_.input_buffer().data();
        preprocess_into(pre_, frame, input, ws_, function);
        return model_.forward_into(input, out, function, t0);
    }

    [[nodiscard]] onnx_model& model() noexcept { return model_; }
    [[nodiscard]] const onnx_model& model() const noexcept { return model_; }
    [[nodiscard]] const image_preprocess& preprocessing() const noexcept { return pre_; }

private:
    onnx_model model_;
    image_preprocess pre_;
    preprocess_workspace ws_;
};

}  // namespace detail

// ==== executors ===================================================================================

/**
 * @brief An image classifier: frame -> pre-processing -> ONNX model -> logits. The on-device
 *        (NPU) model of CBO §III and the server model alike; models
 *        `local_executor<onnx_classifier, image_view>`.
 *
 * num_classes() is the model's output element count (e.g. [1, 10] -> 10).
 * @code
 * ok::onnx_classifier npu(ok::onnx_model::load("npu.onnx"),
 *                         ok::image_preprocess{.height = 28, .width = 28, .channels = 1});
 * std::vector<float> logits(npu.num_classes());
 * double seconds = npu.infer(frame, logits);
 * @endcode
 */
class onnx_classifier {
public:
    /**
     * @brief Binds a model to its pre-processing.
     * @throws offloadkit::invalid_argument for invalid options or when the model's input is not
     *         [1, C, H, W] (or [C, H, W]) of `pre` (both shapes are named).
     */
    onnx_classifier(onnx_model model, image_preprocess pre) : runner_(std::move(model), pre, "onnx_classifier") {}

    /// Number of logits infer() writes.
    [[nodiscard]] std::size_t num_classes() const noexcept { return runner_.model().output_size(); }

    /**
     * @brief Classifies one frame: pre-processing (image_preprocess) and the forward pass.
     * @param frame any 8-bit image_view (gray, RGB, BGR, RGBA, BGRA, any size, padded rows).
     * @param logits num_classes() floats, written only on success.
     * @return wall-clock seconds of pre-processing plus the forward pass.
     * @throws offloadkit::invalid_argument for an invalid frame, logits of the wrong size or a
     *         non-finite logit; `logits` untouched then.
     * Allocation: none in offloadkit's code after the first call (the pre-processing images
     * are kept); OpenCV allocates as described for onnx_model::run, plus cv::resize's tables.
     */
    double infer(const image_view& frame, std::span<float> logits) {
        return runner_.run(frame, logits, "onnx_classifier::infer", "logits");
    }

    /// The model (e.g. to call set_threads) and the pre-processing.
    [[nodiscard]] onnx_model& model() noexcept { return runner_.model(); }
    [[nodiscard]] const onnx_model& model() const noexcept { return runner_.model(); }
    [[nodiscard]] const image_preprocess& preprocessing() const noexcept { return runner_.preprocessing(); }

private:
    detail::onnx_image_runner runner_;
};

/**
 * @brief An approximation-enabled DNN as a set of branch models (ApproxNet §4.1): branch b is
 *        its own onnx_classifier, e.g. the same network at input sizes 28/24/20/16/12 px, or a
 *        network cut at several early exits. Models `approx_executor<onnx_approx_executor,
 *        image_view>`; branch indices are those of the scheduler's profiles.
 */
class onnx_approx_executor {
public:
    /**
     * @brief Takes the branches, in the order of the profiles' branch indices.
     * @throws offloadkit::invalid_argument when `branches` is empty or two branches differ in
     *         num_classes() (both are named).
     */
    explicit onnx_approx_executor(std::vector<onnx_classifier> branches) : branches_(std::move(branches)) {
        detail::require(!branches_.empty(), "onnx_approx_executor", "branches is empty");
        for (std::size_t b = 1; b < branches_.size(); ++b) {
            detail::require(branches_[b].num_classes() == branches_[0].num_classes(), "onnx_approx_executor",
                            detail::arg_at{"branches", b}, " ('", branches_[b].model().name(), "') has ",
                            branches_[b].num_classes(), " classes, branches[0] ('", branches_[0].model().name(),
                            "') has ", branches_[0].num_classes());
        }
    }

    /// Number of logits run() writes (the same for every branch).
    [[nodiscard]] std::size_t num_classes() const noexcept { return branches_[0].num_classes(); }
    /// Number of approximation branches; run() takes branch indices below it.
    [[nodiscard]] std::size_t num_branches() const noexcept { return branches_.size(); }

    /**
     * @brief Runs approximation branch `branch` on `frame` (ApproxNet §4.1).
     * @return wall-clock seconds (pre-processing + forward pass of that branch).
     * @throws offloadkit::invalid_argument for branch >= num_branches() or as
     *         onnx_classifier::infer; `logits` untouched then.
     */
    double run(const image_view& frame, std::size_t branch, std::span<float> logits) {
        detail::require(branch < branches_.size(), "onnx_approx_executor::run", "branch is ", branch, ", expected < ",
                        branches_.size());
        return branches_[branch].infer(frame, logits);
    }

    /// Branch `b` (unchecked index), e.g. to set its threads.
    [[nodiscard]] onnx_classifier& branch(std::size_t b) noexcept { return branches_[b]; }
    [[nodiscard]] const onnx_classifier& branch(std::size_t b) const noexcept { return branches_[b]; }

private:
    std::vector<onnx_classifier> branches_;
};

/**
 * @brief Part 1 (feature extraction, FE) of a CNN split in two (AMVP §IV-B, Fig. 6): frame ->
 *        pre-processing -> model -> features. Models `feature_extractor<onnx_feature_extractor,
 *        image_view>`; the features are the model's output, row-major in feature_shape().
 */
class onnx_feature_extractor {
public:
    /// @throws offloadkit::invalid_argument as onnx_classifier's constructor.
    onnx_feature_extractor(onnx_model model, image_preprocess pre)
        : runner_(std::move(model), pre, "onnx_feature_extractor") {}

    /// Number of features extract() writes (the output's element count).
    [[nodiscard]] std::size_t feature_count() const noexcept { return runner_.model().output_size(); }
    /// The features' layout, e.g. [1, 32, 7, 7].
    [[nodiscard]] std::span<const std::int64_t> feature_shape() const noexcept {
        return runner_.model().output_shape();
    }

    /**
     * @brief Runs part 1 on one frame.
     * @return wall-clock seconds (pre-processing + forward pass).
     * @throws offloadkit::invalid_argument as onnx_classifier::infer; `features` untouched then.
     */
    double extract(const image_view& frame, std::span<float> features) {
        return runner_.run(frame, features, "onnx_feature_extractor::extract", "features");
    }

    /// Part 1's model (e.g. to call set_threads) and its pre-processing.
    [[nodiscard]] onnx_model& model() noexcept { return runner_.model(); }
    [[nodiscard]] const onnx_model& model() const noexcept { return runner_.model(); }
    [[nodiscard]] const image_preprocess& preprocessing() const noexcept { return runner_.preprocessing(); }

private:
    detail::onnx_image_runner runner_;
};

/**
 * @brief Part 2 (feature inference, FI) of a split CNN (AMVP §IV-B): features -> logits, on the
 *        other device. Models `feature_inference<onnx_feature_inference>`.
 */
class onnx_feature_inference {
public:
    /// Takes part 2 alone: its input is the features, laid out as its input_shape() says.
    explicit onnx_feature_inference(onnx_model part2) : model_(std::move(part2)) {}

    /**
     * @brief Takes part 2 and checks that it reads the features as part 1 writes them: the two
     *        shapes must be equal after leading 1s (batch dimensions) are dropped.
     * @throws offloadkit::invalid_argument naming both shapes when they differ.
     */
    onnx_feature_inference(onnx_model part2, const onnx_feature_extractor& part1) : model_(std::move(part2)) {
        auto strip = [](std::span<const std::int64_t> s) {
            while (!s.empty() && s.front() == 1) {
                s = s.subspan(1);
            }
            return s;
        };
        const auto a = strip(part1.feature_shape());
        const auto b = strip(model_.input_shape());
        detail::require(std::equal(a.begin(), a.end(), b.begin(), b.end()), "onnx_feature_inference", "'",
                        model_.name(), "': input shape ", detail::shape_text(model_.input_shape()),
                        " does not match part 1 ('", part1.model().name(), "') output shape ",
                        detail::shape_text(part1.feature_shape()));
    }

    /// Number of features infer() reads (part 2's input element count).
    [[nodiscard]] std::size_t feature_count() const noexcept { return model_.input_size(); }
    /// Number of logits infer() writes.
    [[nodiscard]] std::size_t num_classes() const noexcept { return model_.output_size(); }

    /**
     * @brief Runs part 2.
     * @return wall-clock seconds.
     * @throws offloadkit::invalid_argument as onnx_model::run; `logits` untouched then.
     */
    double infer(std::span<const float> features, std::span<float> logits) {
        const auto t0 = detail::onnx_clock::now();
        constexpr std::string_view fn = "onnx_feature_inference::infer";
        detail::require(features.size() == model_.input_size(), fn, "'", model_.name(), "': features has size ",
                        features.size(), ", expected ", model_.input_size(), " (input ",
                        detail::shape_text(model_.input_shape()), ")");
        detail::require(logits.size() == model_.output_size(), fn, "'", model_.name(), "': logits has size ",
                        logits.size(), ", expected ", model_.output_size());
        return model_.forward_into(features.data(), logits, fn, t0);
    }

    /// Part 2's model (e.g. to call set_threads).
    [[nodiscard]] onnx_model& model() noexcept { return model_; }
    [[nodiscard]] const onnx_model& model() const noexcept { return model_; }

private:
    onnx_model model_;
};

// ==== frame encoder ==============================================================================

/// A frame size in pixels.
struct image_size {
    std::size_t height = 0;
    std::size_t width = 0;
    friend bool operator==(const image_size&, const image_size&) = default;
};

/// R x R for each side R, in order: square_sizes({45, 90, 134, 179, 224}).
[[nodiscard]] inline std::vector<image_size> square_sizes(std::initializer_list<std::size_t> sides) {
    std::vector<image_size> out;
    out.reserve(sides.size());
    for (const std::size_t s : sides) {
        out.push_back({s, s});
    }
    return out;
}

/// Wire format of image_encoder.
enum class image_format { png, jpeg };

/// How image_encoder::sizes obtains S(I, r): encoding at every resolution, or an estimate.
enum class size_mode {
    exact,    ///< m encodes per call: the sizes encode() would produce
    estimate  ///< one encode (resolution `estimate_reference`) scaled by ratios measured on a recent frame
};

/**
 * @brief Options of image_encoder. PNG is the default: CBO §V offloads lossless PNG frames,
 *        which sets the bandwidth regime of its figures.
 */
struct image_encoder_options {
    std::vector<image_size> resolutions;  ///< the m resolutions, index r = 0 .. m-1
    image_format format = image_format::png;
    int png_compression = 1;  ///< zlib level 0..9 (libpng's adaptive row filters, default strategy)
    int jpeg_quality = 95;    ///< 0..100 (OpenCV's default)
    size_mode sizes = size_mode::exact;
    std::size_t estimate_reference = 0;  ///< size_mode::estimate: the resolution encoded on every call
    std::size_t estimate_refresh =
        30;  ///< size_mode::estimate: encode all and refresh the ratios at least every this many calls
    double estimate_drift = 0.2;  ///< size_mode::estimate: ... and whenever the reference size moved by more than this
                                  ///< fraction since the last refresh (a scene change)
};

/**
 * @brief A frame delivered at every resolution already (a camera or ISP that outputs a pyramid):
 *        levels[r] is the frame at resolution r, encoded by image_encoder as it is.
 */
struct image_pyramid {
    std::span<const image_view> levels;
};

/**
 * @brief Encodes frames at CBO's m resolutions (§V-A: 224 x 224 frames sent at 45, 90, 134, 179
 *        or 224 px) with OpenCV's PNG or JPEG encoder. Models `frame_encoder<image_encoder,
 *        image_view>` and `frame_encoder<image_encoder, image_pyramid>`.
 *
 * For an image_view frame, resolution r is reached with cv::resize (INTER_AREA when shrinking
 * both sides, INTER_LINEAR otherwise; none when the size is already right), then the pixels are
 * converted to what the file stores: gray stays 1-channel, every colour format becomes 3-channel
 * (alpha dropped; OpenCV's encoders take BGR order, so the file's colours are the frame's). For
 * an image_pyramid, level r must have exactly resolutions[r]'s size and is encoded as it is.
 *
 * sizes(): in size_mode::exact, m encodes per call (for a 224 px frame at 45/90/134/179/224 px,
 * PNG level 1: ~8 ms of CPU on this machine, 25% of a core at 30 fps; docs/backends.md has the
 * figures). size_mode::estimate encodes only resolution `estimate_reference` and multiplies its
 * size by the ratios S(r)/S(ref) of the last frame for which all m were encoded: the first call,
 * then whenever `estimate_refresh` calls have passed or the reference size has moved by more than
 * `estimate_drift` (relative) since that frame — the reference size doubles as a scene-change
 * detector. Measured on real video (docs/backends.md): ~1/12 of the exact cost, mean error under
 * 1% on a static scene.
 *
 * encode() returns a view of the encoder's own buffer, valid until its next encode() (sizes()
 * uses another buffer). Allocation per call: libpng/libjpeg and zlib allocate their state
 * internally for every encode (zlib's deflate state is ~256 KiB); the encoder's own buffers grow
 * once and are reused.
 */
class image_encoder {
public:
    /**
     * @throws offloadkit::invalid_argument when resolutions is empty or a side is 0 or above
     *         2^20, png_compression is outside 0..9, jpeg_quality outside 0..100, the enums are
     *         invalid, estimate_reference >= m, estimate_refresh == 0 or estimate_drift < 0.
     */
    explicit image_encoder(image_encoder_options options) : opt_(std::move(options)) {
        constexpr std::string_view fn = "image_encoder";
        detail::require(!opt_.resolutions.empty(), fn, "options.resolutions is empty");
        for (std::size_t r = 0; r < opt_.resolutions.size(); ++r) {
            const image_size s = opt_.resolutions[r];
            detail::require(s.height >= 1 && s.width >= 1 && s.height <= detail::max_image_side &&
                                s.width <= detail::max_image_side,
                            fn, detail::arg_at{"options.resolutions", r}, " is ", s.height, " x ", s.width,
                            ", expected sides in 1 .. 2^20");
        }
        detail::require(opt_.format == image_format::png || opt_.format == image_format::jpeg, fn,
                        "options.format is not an image_format value");
        detail::require(opt_.png_compression >= 0 && opt_.png_compression <= 9, fn, "options.png_compression is ",
                        opt_.png_compression, ", expected 0..9");
        detail::require(opt_.jpeg_quality >= 0 && opt_.jpeg_quality <= 100, fn, "options.jpeg_quality is ",
                        opt_.jpeg_quality, ", expected 0..100");
        detail::require(opt_.sizes == size_mode::exact || opt_.sizes == size_mode::estimate, fn,
                        "options.sizes is not a size_mode value");
        detail::require(opt_.estimate_reference < opt_.resolutions.size(), fn, "options.estimate_reference is ",
                        opt_.estimate_reference, ", expected < ", opt_.resolutions.size(),
                        " (the number of resolutions)");
        detail::require(opt_.estimate_refresh >= 1, fn, "options.estimate_refresh is 0, expected >= 1");
        detail::require(opt_.estimate_drift >= 0.0 && std::isfinite(opt_.estimate_drift), fn,
                        "options.estimate_drift is ", opt_.estimate_drift, ", expected a finite number >= 0");
        if (opt_.format == image_format::png) {
            ext_ = ".png";
            params_ = {cv::IMWRITE_PNG_COMPRESSION, opt_.png_compression, cv::IMWRITE_PNG_STRATEGY,
                       cv::IMWRITE_PNG_STRATEGY_DEFAULT};
        } else {
            ext_ = ".jpg";
            params_ = {cv::IMWRITE_JPEG_QUALITY, opt_.jpeg_quality};
        }
        ratios_.assign(opt_.resolutions.size(), 0.0);
        pending_.assign(opt_.resolutions.size(), 0.0);
    }

    /// True when the last sizes() call encoded every resolution (always in size_mode::exact; on
    /// refresh calls in size_mode::estimate), false when it estimated.
    [[nodiscard]] bool last_sizes_exact() const noexcept { return last_exact_; }

    /// m, the number of resolutions.
    [[nodiscard]] std::size_t num_resolutions() const noexcept { return opt_.resolutions.size(); }
    /// The options the encoder was built with.
    [[nodiscard]] const image_encoder_options& options() const noexcept { return opt_; }

    /**
     * @brief Writes S(I, r), the encoded size in bytes of `frame` at every resolution r, into
     *        `bytes` (CBO §IV: the sizes the offloading policy plans with).
     * @throws offloadkit::invalid_argument for an invalid frame or bytes.size() != m; `bytes`
     *         untouched then.
     * Complexity: m encodes (exact) or one encode (estimate, except on refresh calls).
     */
    void sizes(const image_view& frame, std::span<double> bytes) {
        constexpr std::string_view fn = "image_encoder::sizes";
        check_bytes(bytes, fn);
        const detail::checked_image img = check_frame(frame, fn);
        sizes_impl(bytes, [&](std::size_t r) { return encode_into(img, frame.format, r, scratch_, fn); });
    }

    /**
     * @brief The wire bytes of `frame` at resolution r (for request `id`, unused: the bytes do not
     *        depend on it).
     * @return a view of the encoder's buffer, valid until the next encode().
     * @throws offloadkit::invalid_argument for an invalid frame or r >= m.
     */
    std::span<const std::byte> encode(const image_view& frame, std::size_t r, std::uint64_t id = 0) {
        constexpr std::string_view fn = "image_encoder::encode";
        (void)id;
        detail::require(r < num_resolutions(), fn, "resolution is ", r, ", expected < ", num_resolutions());
        const detail::checked_image img = check_frame(frame, fn);
        encode_into(img, frame.format, r, wire_, fn);
        return std::as_bytes(std::span<const std::uint8_t>(wire_));
    }

    /**
     * @brief sizes() for a frame given at every resolution: level r is encoded as it is.
     * @throws offloadkit::invalid_argument when frame.levels.size() != m, a level is invalid or
     *         its size differs from resolutions[r], or bytes.size() != m; `bytes` untouched then.
     */
    void sizes(const image_pyramid& frame, std::span<double> bytes) {
        constexpr std::string_view fn = "image_encoder::sizes";
        check_bytes(bytes, fn);
        check_pyramid(frame, fn);
        sizes_impl(bytes, [&](std::size_t r) {
            const detail::checked_image img = detail::check_image(frame.levels[r], fn);
            return encode_into(img, frame.levels[r].format, r, scratch_, fn);
        });
    }

    /**
     * @brief The wire bytes of level r of `frame`, encoded as it is (exactly the pixels given).
     * @throws offloadkit::invalid_argument as sizes(image_pyramid) or for r >= m.
     */
    std::span<const std::byte> encode(const image_pyramid& frame, std::size_t r, std::uint64_t id = 0) {
        constexpr std::string_view fn = "image_encoder::encode";
        (void)id;
        detail::require(r < num_resolutions(), fn, "resolution is ", r, ", expected < ", num_resolutions());
        check_pyramid(frame, fn);
        const detail::checked_image img = detail::check_image(frame.levels[r], fn);
        encode_into(img, frame.levels[r].format, r, wire_, fn);
        return std::as_bytes(std::span<const std::uint8_t>(wire_));
    }

private:
    void check_bytes(std::span<double> bytes, std::string_view fn) const {
        detail::require(bytes.size() == num_resolutions(), fn, "bytes has size ", bytes.size(), ", expected ",
                        num_resolutions(), " (the number of resolutions)");
    }

    static detail::checked_image check_frame(const image_view& frame, std::string_view fn) {
        const detail::checked_image img = detail::check_image(frame, fn);
        detail::require(img.height <= detail::max_image_side && img.width <= detail::max_image_side, fn, "frame is ",
                        img.height, " x ", img.width, ", expected at most 2^20 per side");
        return img;
    }

    void check_pyramid(const image_pyramid& frame, std::string_view fn) const {
        detail::require(frame.levels.size() == num_resolutions(), fn, "frame.levels has size ", frame.levels.size(),
                        ", expected ", num_resolutions(), " (one image per resolution)");
        for (std::size_t r = 0; r < frame.levels.size(); ++r) {
            const image_view& v = frame.levels[r];
            const image_size want = opt_.resolutions[r];
            detail::require(v.height == want.height && v.width == want.width, fn, detail::arg_at{"frame.levels", r},
                            " is ", v.height, " x ", v.width, ", expected ", want.height, " x ", want.width,
                            " (options.resolutions[", r, "])");
        }
    }

    /// Shared by both frame kinds: `encoded_size(r)` encodes resolution r and returns its size.
    /// Writes `bytes` only after every encode succeeded.
    template <class EncodeSize>
    void sizes_impl(std::span<double> bytes, EncodeSize&& encoded_size) {
        const std::size_t m = num_resolutions();
        const std::size_t ref = opt_.estimate_reference;
        bool full = opt_.sizes == size_mode::exact || since_refresh_ >= opt_.estimate_refresh || ref_at_refresh_ <= 0.0;
        double ref_size = 0.0;
        if (!full) {
            ref_size = static_cast<double>(encoded_size(ref));
            full = std::fabs(ref_size / ref_at_refresh_ - 1.0) > opt_.estimate_drift;
        }
        if (full) {
            for (std::size_t r = 0; r < m; ++r) {
                pending_[r] = r == ref && ref_size > 0.0 ? ref_size : static_cast<double>(encoded_size(r));
            }
            if (opt_.sizes == size_mode::estimate) {
                ref_at_refresh_ = pending_[ref];
                for (std::size_t r = 0; r < m; ++r) {
                    ratios_[r] = pending_[r] / pending_[ref];
                }
                since_refresh_ = 0;
            }
        } else {
            for (std::size_t r = 0; r < m; ++r) {
                pending_[r] = r == ref ? ref_size : ref_size * ratios_[r];
            }
        }
        ++since_refresh_;
        last_exact_ = full;
        std::copy(pending_.begin(), pending_.end(), bytes.begin());
    }

    /// Resizes (if needed), converts to the stored channels and encodes into `buf`; returns its size.
    std::size_t encode_into(const detail::checked_image& img, pixel_format format, std::size_t r,
                            std::vector<std::uint8_t>& buf, std::string_view fn) {
        const image_size target = opt_.resolutions[r];
        try {
            const cv::Mat src = detail::as_mat(img);
            const cv::Mat* cur = &src;
            if (img.height != target.height || img.width != target.width) {
                const bool shrink = target.height <= img.height && target.width <= img.width;
                cv::resize(src, resized_, cv::Size(static_cast<int>(target.width), static_cast<int>(target.height)),
                           0.0, 0.0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
                cur = &resized_;
            }
            int code = -1;
            switch (format) {
                case pixel_format::rgb:
                    code = cv::COLOR_RGB2BGR;
                    break;
                case pixel_format::rgba:
                    code = cv::COLOR_RGBA2BGR;
                    break;
                case pixel_format::bgra:
                    code = cv::COLOR_BGRA2BGR;
                    break;
                case pixel_format::bgr:
                case pixel_format::gray:
                    break;
            }
            if (code >= 0) {
                cv::cvtColor(*cur, converted_, code);
                cur = &converted_;
            }
            if (!cv::imencode(ext_, *cur, buf, params_)) {
                detail::fail(fn, "OpenCV's ", ext_, " encoder failed on a ", target.height, " x ", target.width,
                             " frame");
            }
        } catch (...) {
            detail::rethrow_as_invalid_argument(fn, "frame", "encode the frame");
        }
        return buf.size();
    }

    image_encoder_options opt_;
    std::string ext_;
    std::vector<int> params_;
    cv::Mat resized_;
    cv::Mat converted_;
    std::vector<std::uint8_t> wire_;
    std::vector<std::uint8_t> scratch_;
    std::vector<double> ratios_;
    std::vector<double> pending_;
    std::size_t since_refresh_ = 0;  ///< sizes() calls since the ratios were measured
    double ref_at_refresh_ = 0.0;    ///< the reference size on that frame (0: never measured)
    bool last_exact_ = false;
};

// ==== decoder ====================================================================================

/**
 * @brief An owning, immutable 8-bit image decoded from PNG or JPEG bytes: gray (1 channel) or
 *        BGR (3 channels), rows packed. Copies share the pixels (read-only).
 */
class decoded_image {
public:
    /// Default pixel limit of decode_image (2^26 = 67 M pixels, 192 MiB as BGR).
    static constexpr std::size_t default_max_pixels = std::size_t{1} << 26;

    decoded_image() = default;

    /// The pixels as an image_view (format gray or bgr); valid as long as this object (or a copy).
    [[nodiscard]] image_view view() const noexcept {
        if (mat_.empty()) {
            return {};
        }
        return image_view{std::span<const std::uint8_t>(mat_.ptr<std::uint8_t>(), mat_.total() * mat_.elemSize()),
                          static_cast<std::size_t>(mat_.rows), static_cast<std::size_t>(mat_.cols), format_, 0};
    }
    /// Rows and columns (0 for a default-constructed image).
    [[nodiscard]] std::size_t height() const noexcept { return static_cast<std::size_t>(mat_.rows); }
    [[nodiscard]] std::size_t width() const noexcept { return static_cast<std::size_t>(mat_.cols); }
    /// pixel_format::gray or pixel_format::bgr.
    [[nodiscard]] pixel_format format() const noexcept { return format_; }

private:
    friend decoded_image decode_image(std::span<const std::byte> bytes, std::size_t max_pixels);
    cv::Mat mat_;
    pixel_format format_ = pixel_format::gray;
};

namespace detail {

[[nodiscard]] inline std::uint32_t be32(const std::uint8_t* p) noexcept {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}
[[nodiscard]] inline std::uint32_t be16(const std::uint8_t* p) noexcept {
    return (std::uint32_t{p[0]} << 8) | std::uint32_t{p[1]};
}

/// Width and height from a PNG's IHDR or a JPEG's frame header; rejects files that do not end
/// where the format says they end (IEND chunk / EOI marker): truncated bytes are an error, not a
/// partial image.
inline image_size image_header_size(const std::uint8_t* d, std::size_t n, bool& is_png) {
    constexpr std::string_view fn = "decode_image";
    static constexpr std::uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    static constexpr std::uint8_t png_end[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
    if (n >= 8 && std::memcmp(d, png_sig, 8) == 0) {
        is_png = true;
        detail::require(n >= 8 + 25 + 12, fn, "PNG of ", n, " bytes is truncated");
        detail::require(be32(d + 8) == 13 && std::memcmp(d + 12, "IHDR", 4) == 0, fn,
                        "PNG does not start with an IHDR chunk");
        detail::require(std::memcmp(d + n - 12, png_end, 12) == 0, fn,
                        "PNG does not end with an IEND chunk (truncated?)");
        return {be32(d + 20), be32(d + 16)};
    }
    if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) {
        is_png = false;
        detail::require(n >= 4 && d[n - 2] == 0xFF && d[n - 1] == 0xD9, fn,
                        "JPEG does not end with an EOI marker (truncated?)");
        std::size_t p = 2;
        while (true) {
            detail::require(p < n && d[p] == 0xFF, fn, "JPEG: expected a marker at byte ", p);
            while (p < n && d[p] == 0xFF) {
                ++p;
            }
            detail::require(p < n, fn, "JPEG ends inside a marker");
            const std::uint8_t marker = d[p++];
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
                continue;  // standalone markers
            }
            detail::require(marker != 0xD9 && marker != 0xDA, fn, "JPEG has no frame header before its first scan");
            detail::require(p + 2 <= n, fn, "JPEG segment length runs past the end at byte ", p);
            const std::size_t len = be16(d + p);
            detail::require(len >= 2 && p + len <= n, fn, "JPEG segment of length ", len, " at byte ", p,
                            " runs past the end");
            const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof) {
                detail::require(len >= 8, fn, "JPEG frame header of length ", len, " is too short");
                const image_size s{be16(d + p + 3), be16(d + p + 5)};
                detail::require(s.height != 0, fn, "JPEG height 0 (defined later by a DNL marker) is not supported");
                return s;
            }
            p += len;
        }
    }
    detail::fail(fn, "bytes are neither PNG nor JPEG (", n, " bytes)");
}

}  // namespace detail

/**
 * @brief Decodes PNG or JPEG wire bytes (what image_encoder produced) into an owning 8-bit image:
 *        gray stays gray, colour becomes BGR, alpha is dropped, 16-bit PNG is reduced to 8 bits,
 *        EXIF orientation is ignored (pixels as stored).
 *
 * Before OpenCV sees the bytes: the signature must be PNG's or JPEG's (OpenCV's other decoders —
 * TIFF, EXR, JPEG 2000, ... — are never reached), the header's width x height must be at most
 * `max_pixels` (no decompression bomb), and the bytes must end with PNG's IEND chunk or JPEG's
 * EOI marker (a truncated transfer is an error, not a partially grey image). PNG's chunk CRCs
 * are checked by libpng. JPEG has no checksum: damaged entropy-coded data inside a complete file
 * decodes to wrong pixels without an error, as with any JPEG decoder.
 * @throws offloadkit::invalid_argument "decode_image: ..." for any bytes that are not a complete,
 *         valid PNG or JPEG within the limit. Never crashes on arbitrary bytes
 *         (tests/fuzz/fuzz_decode_image.cpp). Complexity O(pixels); allocates the image.
 */
inline decoded_image decode_image(std::span<const std::byte> bytes,
                                  std::size_t max_pixels = decoded_image::default_max_pixels) {
    constexpr std::string_view fn = "decode_image";
    const auto* d = reinterpret_cast<const std::uint8_t*>(bytes.data());
    bool is_png = false;
    const image_size s = detail::image_header_size(d, bytes.size(), is_png);
    detail::require(s.height >= 1 && s.width >= 1, fn, "image is ", s.height, " x ", s.width,
                    ", expected at least 1 x 1");
    detail::require(s.width <= max_pixels / s.height, fn, "image is ", s.height, " x ", s.width,
                    " pixels, more than max_pixels = ", max_pixels);
    detail::require(bytes.size() <= static_cast<std::size_t>(std::numeric_limits<int>::max()), fn, "bytes has size ",
                    bytes.size(), ", more than 2^31 - 1");
    decoded_image out;
    try {
        const cv::Mat buf(1, static_cast<int>(bytes.size()), CV_8U, const_cast<std::uint8_t*>(d));
        out.mat_ = cv::imdecode(buf, cv::IMREAD_ANYCOLOR | cv::IMREAD_IGNORE_ORIENTATION);
    } catch (...) {
        detail::rethrow_as_invalid_argument(fn, is_png ? "PNG" : "JPEG", "decode the image");
    }
    detail::require(!out.mat_.empty(), fn, is_png ? "PNG" : "JPEG", " image is corrupt (OpenCV could not decode it)");
    detail::require(out.mat_.depth() == CV_8U && (out.mat_.channels() == 1 || out.mat_.channels() == 3), fn,
                    "decoded image has OpenCV type ", out.mat_.type(), ", expected 8-bit gray or BGR");
    detail::require(
        static_cast<std::size_t>(out.mat_.rows) == s.height && static_cast<std::size_t>(out.mat_.cols) == s.width, fn,
        "decoded image is ", out.mat_.rows, " x ", out.mat_.cols, " but its header says ", s.height, " x ", s.width);
    if (!out.mat_.isContinuous()) {
        out.mat_ = out.mat_.clone();
    }
    out.format_ = out.mat_.channels() == 1 ? pixel_format::gray : pixel_format::bgr;
    return out;
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_BACKENDS_ONNX_HPP
