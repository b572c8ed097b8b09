#ifndef OFFLOADKIT_KERNELS_IMAGE_HPP
#define OFFLOADKIT_KERNELS_IMAGE_HPP

/**
 * @file
 * @brief A non-owning view of one 8-bit video frame, as the content estimators of ApproxNet
 *        (ApproxNet §4.2: image complexity, scene change) read it.
 *
 * Pixels are interleaved (RGB, BGR, RGBA, BGRA) or single-channel gray, rows `row_stride` bytes
 * apart (0 means tightly packed: width * channels), so camera buffers with padded rows can be
 * passed as they are.
 */

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>

#include "../error.hpp"

namespace offloadkit {

/// Channel order of an 8-bit interleaved frame.
enum class pixel_format {
    rgb,   ///< R, G, B
    bgr,   ///< B, G, R (OpenCV's default)
    rgba,  ///< R, G, B, A (alpha ignored)
    bgra,  ///< B, G, R, A (alpha ignored)
    gray   ///< one luma byte per pixel
};

/// Bytes per pixel of `f` (3, 4 or 1); 0 for a value outside the enumeration.
[[nodiscard]] constexpr std::size_t channels_of(pixel_format f) noexcept {
    switch (f) {
        case pixel_format::rgb:
        case pixel_format::bgr: return 3;
        case pixel_format::rgba:
        case pixel_format::bgra: return 4;
        case pixel_format::gray: return 1;
    }
    return 0;
}

/**
 * @brief A non-owning view of an 8-bit frame: `height` rows of `width` pixels in `format`,
 *        row r starting at byte r * row_stride of `pixels` (row_stride 0 = width * channels).
 *
 * @code
 * std::vector<std::uint8_t> rgb(224 * 224 * 3);
 * ok::image_view frame{rgb, 224, 224};                          // packed RGB
 * ok::image_view padded{buffer, 480, 640, ok::pixel_format::bgra, 2560 + 64};
 * @endcode
 */
struct image_view {
    std::span<const std::uint8_t> pixels;
    std::size_t height = 0;
    std::size_t width = 0;
    pixel_format format = pixel_format::rgb;
    std::size_t row_stride = 0;  ///< bytes from one row to the next; 0 = width * channels
};

namespace detail {

/// A validated image_view: raw pointer, sizes, stride and the byte offsets of R, G and B.
struct checked_image {
    const std::uint8_t* data = nullptr;
    std::size_t height = 0;
    std::size_t width = 0;
    std::size_t stride = 0;    ///< bytes between rows
    std::size_t channels = 0;  ///< bytes between pixels
    std::size_t r = 0, g = 0, b = 0;
    [[nodiscard]] const std::uint8_t* row(std::size_t y) const noexcept { return data + y * stride; }
};

/**
 * @brief Checks `img` and resolves it: height, width >= 1, a known format, row_stride 0 or
 *        >= width * channels, and pixels.size() >= (height - 1) * stride + width * channels.
 * @throws offloadkit::invalid_argument "function: frame.height is 0, ..." and the like.
 */
template <class = void>
inline checked_image check_image(const image_view& img, std::string_view function) {
    const std::size_t ch = channels_of(img.format);
    require(ch != 0, function, "frame.format is not a pixel_format value");
    require(img.height >= 1, function, "frame.height is 0, expected >= 1");
    require(img.width >= 1, function, "frame.width is 0, expected >= 1");
    constexpr std::size_t max = std::numeric_limits<std::size_t>::max();
    require(img.width <= max / ch, function, "frame.width * channels overflows std::size_t");
    const std::size_t packed = img.width * ch;
    const std::size_t stride = img.row_stride == 0 ? packed : img.row_stride;
    require(stride >= packed, function, "frame.row_stride is ", img.row_stride, ", less than width * channels = ",
            packed);
    require(img.height - 1 <= (max - packed) / stride, function, "frame size overflows std::size_t");
    const std::size_t needed = (img.height - 1) * stride + packed;
    require(img.pixels.size() >= needed, function, "frame.pixels has size ", img.pixels.size(), ", expected at least ",
            needed, " (", img.height, " rows of ", img.width, " pixels, stride ", stride, ")");
    checked_image c;
    c.data = img.pixels.data();
    c.height = img.height;
    c.width = img.width;
    c.stride = stride;
    c.channels = ch;
    switch (img.format) {
        case pixel_format::rgb:
        case pixel_format::rgba: c.r = 0, c.g = 1, c.b = 2; break;
        case pixel_format::bgr:
        case pixel_format::bgra: c.r = 2, c.g = 1, c.b = 0; break;
        case pixel_format::gray: c.r = 0, c.g = 0, c.b = 0; break;
    }
    return c;
}

}  // namespace detail
}  // namespace offloadkit

#endif  // OFFLOADKIT_KERNELS_IMAGE_HPP
