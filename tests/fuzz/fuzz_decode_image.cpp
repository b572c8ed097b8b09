// offloadkit-backend: onnx
// Fuzz target: arbitrary bytes as a PNG or JPEG frame (ok::decode_image, backends/onnx.hpp) —
// what an edge server receives over the uplink.
//  - decode_image either throws offloadkit::invalid_argument or returns an 8-bit gray or BGR image
//    of at least 1 x 1 and at most the pixel limit (2^20 here), whose view() is packed and
//    exactly height * width * channels bytes;
//  - an accepted image (up to 4096 pixels) encoded again as PNG by image_encoder decodes to the
//    same pixels (PNG is lossless), and its sizes() equals the encoded size.
// Every other exception escapes and aborts.
#include <offloadkit/backends/onnx.hpp>

#include <opencv2/core/utils/logger.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "fuzz_support.hpp"

namespace ok = offloadkit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool quiet = [] {
        cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
        return true;
    }();
    (void)quiet;
    constexpr std::size_t max_pixels = std::size_t{1} << 20;
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    ok::decoded_image img;
    try {
        img = ok::decode_image(bytes, max_pixels);
    } catch (const ok::invalid_argument&) {
        return 0;
    }
    const ok::image_view v = img.view();
    FUZZ_CHECK(v.format == ok::pixel_format::gray || v.format == ok::pixel_format::bgr);
    FUZZ_CHECK(v.format == img.format() && v.height == img.height() && v.width == img.width());
    FUZZ_CHECK(v.height >= 1 && v.width >= 1 && v.height * v.width <= max_pixels);
    FUZZ_CHECK(v.row_stride == 0 && v.pixels.size() == v.height * v.width * ok::channels_of(v.format));
    if (v.height * v.width > 4096) {
        return 0;
    }
    ok::image_encoder enc({.resolutions = {{v.height, v.width}}});
    std::vector<double> sizes(1);
    enc.sizes(v, sizes);
    const std::span<const std::byte> wire = enc.encode(v, 0);
    FUZZ_CHECK(sizes[0] == static_cast<double>(wire.size()));
    const std::vector<std::byte> copy(wire.begin(), wire.end());
    const ok::decoded_image back = ok::decode_image(copy, max_pixels);
    const ok::image_view b = back.view();
    FUZZ_CHECK(b.format == v.format && b.height == v.height && b.width == v.width);
    FUZZ_CHECK(b.pixels.size() == v.pixels.size() &&
               std::memcmp(b.pixels.data(), v.pixels.data(), v.pixels.size()) == 0);
    return 0;
}
