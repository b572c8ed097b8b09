#ifndef OFFLOADKIT_EXAMPLES_COMMON_IDX_HPP
#define OFFLOADKIT_EXAMPLES_COMMON_IDX_HPP

/**
 * @file
 * @brief Reads (gzip-compressed) IDX files, the format of MNIST and Fashion-MNIST, as shipped
 *        by Debian's `dataset-fashion-mnist` under /usr/share/datasets/fashion-mnist/.
 *
 * Decompression goes through the `gzip` program (`popen("gzip -dc -- 'file'")`): gzip is an
 * Essential package on Debian, so this adds no library dependency (no zlib), at the price of
 * POSIX popen. IDX format (LeCun et al.): a big-endian magic 0x0000TTDD (TT = 0x08 for unsigned
 * bytes, DD = number of dimensions), DD big-endian 32-bit sizes, then the data in row-major order.
 */

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <offloadkit/error.hpp>

namespace offloadkit::examples {

/// A stack of 8-bit grey images, row-major, image after image.
struct idx_images {
    std::size_t count = 0;
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::vector<std::uint8_t> pixels;  ///< count * rows * cols bytes

    /// The first pixel of image `i` (i < count).
    [[nodiscard]] const std::uint8_t* image(std::size_t i) const noexcept { return pixels.data() + i * rows * cols; }
};

/**
 * @brief Runs `gzip -dc` on `path` and returns the decompressed bytes.
 * @throws offloadkit::invalid_argument if the path contains a quote or control character, gzip
 *         cannot be started, or gzip fails (missing file, corrupt data).
 * Complexity: linear in the file size.
 */
[[nodiscard]] inline std::vector<std::uint8_t> read_gzip_file(const std::string& path) {
    constexpr std::string_view fn = "read_gzip_file";
    detail::require(!path.empty(), fn, "path is empty");
    for (const char c : path) {
        detail::require(c != '\'' && static_cast<unsigned char>(c) >= 0x20, fn, "path '", path,
                        "' contains a quote or control character");
    }
    const std::string cmd = "gzip -dc -- '" + path + "' 2>/dev/null";
    FILE* pipe = ::popen(cmd.c_str(), "r");
    detail::require(pipe != nullptr, fn, "cannot run gzip for '", path, "'");
    std::vector<std::uint8_t> out;
    std::uint8_t buf[1 << 16];
    std::size_t got = 0;
    while ((got = std::fread(buf, 1, sizeof buf, pipe)) > 0) {
        out.insert(out.end(), buf, buf + got);
    }
    const int status = ::pclose(pipe);
    detail::require(status == 0, fn, "gzip -dc failed on '", path, "' (status ", status,
                    "); is dataset-fashion-mnist installed?");
    return out;
}

namespace detail_idx {
inline std::uint32_t be32(std::span<const std::uint8_t> b, std::size_t at) noexcept {
    return (static_cast<std::uint32_t>(b[at]) << 24) | (static_cast<std::uint32_t>(b[at + 1]) << 16) |
           (static_cast<std::uint32_t>(b[at + 2]) << 8) | static_cast<std::uint32_t>(b[at + 3]);
}
}  // namespace detail_idx

/**
 * @brief Parses an IDX3 unsigned-byte file (magic 0x00000803): count x rows x cols images.
 * @param bytes the decompressed file.
 * @param what a name for error messages (e.g. the file name).
 * @throws offloadkit::invalid_argument for a short header, a wrong magic, a zero dimension or a
 *         size that does not match the header.
 */
[[nodiscard]] inline idx_images parse_idx_images(std::span<const std::uint8_t> bytes, std::string_view what) {
    constexpr std::string_view fn = "parse_idx_images";
    detail::require(bytes.size() >= 16, fn, what, ": ", bytes.size(), " bytes, shorter than the 16-byte header");
    const std::uint32_t magic = detail_idx::be32(bytes, 0);
    detail::require(magic == 0x00000803U, fn, what, ": magic is ", magic, ", expected 2051 (0x00000803)");
    idx_images im;
    im.count = detail_idx::be32(bytes, 4);
    im.rows = detail_idx::be32(bytes, 8);
    im.cols = detail_idx::be32(bytes, 12);
    detail::require(im.count > 0 && im.rows > 0 && im.cols > 0 && im.rows <= 4096 && im.cols <= 4096, fn, what,
                    ": dimensions ", im.count, "x", im.rows, "x", im.cols, " are out of range");
    const std::size_t n = im.count * im.rows * im.cols;
    detail::require(bytes.size() - 16 == n, fn, what, ": ", bytes.size() - 16, " data bytes, expected ", n);
    im.pixels.assign(bytes.begin() + 16, bytes.end());
    return im;
}

/**
 * @brief Parses an IDX1 unsigned-byte file (magic 0x00000801): one label per item.
 * @throws offloadkit::invalid_argument for a short header, a wrong magic, or a size mismatch.
 */
[[nodiscard]] inline std::vector<std::uint8_t> parse_idx_labels(std::span<const std::uint8_t> bytes,
                                                                std::string_view what) {
    constexpr std::string_view fn = "parse_idx_labels";
    detail::require(bytes.size() >= 8, fn, what, ": ", bytes.size(), " bytes, shorter than the 8-byte header");
    const std::uint32_t magic = detail_idx::be32(bytes, 0);
    detail::require(magic == 0x00000801U, fn, what, ": magic is ", magic, ", expected 2049 (0x00000801)");
    const std::size_t n = detail_idx::be32(bytes, 4);
    detail::require(bytes.size() - 8 == n, fn, what, ": ", bytes.size() - 8, " labels, expected ", n);
    return {bytes.begin() + 8, bytes.end()};
}

/// Fashion-MNIST: 60,000 training and 10,000 test images of 28x28, labels 0..9.
struct fashion_mnist {
    idx_images train_images;
    std::vector<std::uint8_t> train_labels;
    idx_images test_images;
    std::vector<std::uint8_t> test_labels;
};

/// Where Debian's dataset-fashion-mnist installs the files.
inline constexpr const char* default_fashion_mnist_dir = "/usr/share/datasets/fashion-mnist";

/**
 * @brief Loads the four Fashion-MNIST files from `dir` ({train,t10k}-{images-idx3,labels-idx1}-ubyte.gz).
 * @throws offloadkit::invalid_argument if a file is missing or malformed, labels are not 0..9,
 *         image and label counts differ, or the images are not 28x28.
 */
[[nodiscard]] inline fashion_mnist load_fashion_mnist(const std::string& dir = default_fashion_mnist_dir) {
    constexpr std::string_view fn = "load_fashion_mnist";
    fashion_mnist d;
    const auto load_set = [&](const std::string& prefix, idx_images& images, std::vector<std::uint8_t>& labels) {
        const std::string ip = dir + "/" + prefix + "-images-idx3-ubyte.gz";
        const std::string lp = dir + "/" + prefix + "-labels-idx1-ubyte.gz";
        images = parse_idx_images(read_gzip_file(ip), ip);
        labels = parse_idx_labels(read_gzip_file(lp), lp);
        detail::require(images.count == labels.size(), fn, ip, " has ", images.count, " images but ", lp, " has ",
                        labels.size(), " labels");
        detail::require(images.rows == 28 && images.cols == 28, fn, ip, ": images are ", images.rows, "x",
                        images.cols, ", expected 28x28");
        for (std::size_t i = 0; i < labels.size(); ++i) {
            detail::require(labels[i] <= 9, fn, detail::arg_at{"labels", i}, " is ", static_cast<int>(labels[i]),
                            ", expected 0..9");
        }
    };
    load_set("train", d.train_images, d.train_labels);
    load_set("t10k", d.test_images, d.test_labels);
    return d;
}

}  // namespace offloadkit::examples

#endif  // OFFLOADKIT_EXAMPLES_COMMON_IDX_HPP
