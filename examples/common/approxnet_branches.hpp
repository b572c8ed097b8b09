#ifndef OFFLOADKIT_EXAMPLES_COMMON_APPROXNET_BRANCHES_HPP
#define OFFLOADKIT_EXAMPLES_COMMON_APPROXNET_BRANCHES_HPP

/**
 * @file
 * @brief Loading the approximation branches of an ApproxNet-style network (ApproxNet §4.1) into
 *        an onnx_approx_executor, and the Fashion-MNIST test frames, for offloadkit-profile-approx
 *        and offloadkit-approx-live. Thin example code.
 *
 * Branches come either from a branch list CSV (columns `branch`, `file`; paths relative to the
 * CSV's directory; examples/models/approxnet/branches.csv by default, written from
 * branches.json by branches_csv.py) or from `--model PATH[=NAME]` flags. Every branch takes a
 * gray frame resized to its input shape with INTER_AREA and scaled by 1/255 (branches.json's
 * "preprocess"): the input size is read from the model's input shape [1, 1, s, s]. One OpenCV
 * thread per process (the latencies are those of one core).
 *
 * Frames: the 10,000 Fashion-MNIST test images. offloadkit-profile-approx uses the first ones
 * (--frames, at most 5,000), offloadkit-approx-live the last 5,000 (from index 5,000), so that
 * the live accuracy is measured on frames the profile never saw.
 */

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <offloadkit/backends/onnx.hpp>
#include <offloadkit/io/csv.hpp>
#include <offloadkit/kernels/image.hpp>

#include "cli.hpp"
#include "idx.hpp"

namespace offloadkit::examples {

/// Where the committed network is (examples/models/approxnet/).
inline std::string default_approxnet_dir() { return std::string(OFFLOADKIT_EXAMPLES_DIR) + "/models/approxnet"; }

/// Index of the first Fashion-MNIST test frame the live run uses (the profile uses those below).
inline constexpr std::size_t approx_live_first_frame = 5000;

struct approx_branch_set {
    std::vector<std::string> names;
    std::vector<std::string> files;
    std::vector<std::size_t> sizes;  ///< input side s
    onnx_approx_executor executor;
};

/// A branch model: input shape [1, 1, s, s] (or [1, s, s]) -> gray, INTER_AREA, x / 255.
inline onnx_classifier load_approx_branch(const std::string& path, std::size_t& side) {
    onnx_model m = onnx_model::load(path);
    const auto shape = m.input_shape();
    detail::require(shape.size() >= 2 && shape[shape.size() - 1] == shape[shape.size() - 2] &&
                        shape[shape.size() - 1] > 0,
                    "load_approx_branch", "'", path, "': input shape ", detail::shape_text(shape),
                    " is not [1, 1, s, s]");
    side = static_cast<std::size_t>(shape[shape.size() - 1]);
    m.set_threads(1);
    image_preprocess pre;
    pre.height = side;
    pre.width = side;
    pre.channels = 1;
    pre.interpolation = interpolation::area;
    pre.scale = 1.0F / 255.0F;
    return onnx_classifier(std::move(m), pre);
}

/**
 * @brief The branches of `list_csv` (columns branch, file), or of `models` ("PATH" or
 *        "PATH=NAME", name default: the file's stem) when that is not empty.
 * @throws cli::usage_error for a model that cannot be loaded (naming `flag`), invalid_argument for
 *         a malformed list.
 */
inline approx_branch_set load_approx_branches(const std::string& list_csv, const std::vector<std::string>& models,
                                              const std::string& flag) {
    std::vector<std::string> names, files;
    if (models.empty()) {
        const io::csv_table t = io::read_csv_file(list_csv, list_csv);
        const std::size_t cb = t.column("branch"), cf = t.column("file");
        const std::filesystem::path dir = std::filesystem::path(list_csv).parent_path();
        for (std::size_t r = 0; r < t.rows(); ++r) {
            names.push_back(t.cell(r, cb));
            files.push_back((dir / t.cell(r, cf)).string());
        }
    } else {
        for (const auto& m : models) {
            const auto eq = m.find('=');
            const std::string path = m.substr(0, eq);
            files.push_back(path);
            names.push_back(eq == std::string::npos ? std::filesystem::path(path).stem().string() : m.substr(eq + 1));
        }
    }
    if (names.empty()) {
        throw cli::usage_error(flag + ": no branches");
    }
    std::vector<onnx_classifier> branches;
    std::vector<std::size_t> sizes;
    for (std::size_t i = 0; i < files.size(); ++i) {
        std::size_t side = 0;
        try {
            branches.push_back(load_approx_branch(files[i], side));
        } catch (const offloadkit::invalid_argument& e) {
            throw cli::usage_error(flag + ": branch '" + names[i] + "': " + e.what());
        }
        sizes.push_back(side);
    }
    return {std::move(names), std::move(files), std::move(sizes), onnx_approx_executor(std::move(branches))};
}

/// The 1-minute load average (/proc/loadavg), -1 when unknown: printed beside every measurement.
inline double load_average() {
    std::ifstream in("/proc/loadavg");
    double v = -1.0;
    in >> v;
    return v;
}

/// The Fashion-MNIST test set (images and labels).
struct fashion_test_set {
    idx_images images;
    std::vector<std::uint8_t> labels;
    [[nodiscard]] image_view frame(std::size_t i) const {
        return image_view{std::span<const std::uint8_t>(images.pixels).subspan(i * 784, 784), 28, 28,
                          pixel_format::gray};
    }
};

inline fashion_test_set load_fashion_test(const std::string& dir) {
    fashion_test_set t;
    const std::string ip = dir + "/t10k-images-idx3-ubyte.gz", lp = dir + "/t10k-labels-idx1-ubyte.gz";
    t.images = parse_idx_images(read_gzip_file(ip), ip);
    t.labels = parse_idx_labels(read_gzip_file(lp), lp);
    detail::require(t.images.rows == 28 && t.images.cols == 28 && t.images.count == t.labels.size(),
                    "load_fashion_test", ip, ": expected 28x28 images, as many as labels");
    return t;
}

}  // namespace offloadkit::examples

#endif  // OFFLOADKIT_EXAMPLES_COMMON_APPROXNET_BRANCHES_HPP
