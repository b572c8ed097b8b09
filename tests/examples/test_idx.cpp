// examples/common/idx.hpp: IDX parsing (hand-made files and their rejections) and the real
// Fashion-MNIST files against values computed with Python's gzip module and numpy.
#include "../../examples/common/idx.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <numeric>
#include <vector>

#include <offloadkit/error.hpp>

namespace okx = offloadkit::examples;

TEST_CASE("parse_idx_images / parse_idx_labels read big-endian headers and row-major data") {
    // magic 0x00000803, 2 images of 2x3, then 12 pixels
    const std::vector<std::uint8_t> img{0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3,
                                        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    const auto im = okx::parse_idx_images(img, "t");
    CHECK(im.count == 2);
    CHECK(im.rows == 2);
    CHECK(im.cols == 3);
    CHECK(im.image(1)[0] == 7);
    const std::vector<std::uint8_t> lab{0, 0, 8, 1, 0, 0, 0, 3, 4, 5, 6};
    CHECK(okx::parse_idx_labels(lab, "t") == std::vector<std::uint8_t>{4, 5, 6});
}

TEST_CASE("malformed IDX data is rejected with the reason") {
    std::vector<std::uint8_t> img{0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4};
    CHECK_NOTHROW((void)okx::parse_idx_images(img, "f"));
    auto wrong_magic = img;
    wrong_magic[3] = 1;
    CHECK_THROWS_WITH_AS((void)okx::parse_idx_images(wrong_magic, "f"), doctest::Contains("magic is 2049"),
                         offloadkit::invalid_argument);
    auto short_data = img;
    short_data.pop_back();
    CHECK_THROWS_WITH_AS((void)okx::parse_idx_images(short_data, "f"), doctest::Contains("3 data bytes, expected 4"),
                         offloadkit::invalid_argument);
    CHECK_THROWS_AS((void)okx::parse_idx_images(std::vector<std::uint8_t>(15, 0), "f"), offloadkit::invalid_argument);
    auto zero_dim = img;
    zero_dim[11] = 0;
    CHECK_THROWS_WITH_AS((void)okx::parse_idx_images(zero_dim, "f"), doctest::Contains("out of range"),
                         offloadkit::invalid_argument);
    const std::vector<std::uint8_t> lab{0, 0, 8, 1, 0, 0, 0, 3, 4, 5};
    CHECK_THROWS_WITH_AS((void)okx::parse_idx_labels(lab, "l"), doctest::Contains("2 labels, expected 3"),
                         offloadkit::invalid_argument);
}

TEST_CASE("read_gzip_file rejects unsafe paths and reports a failing gzip") {
    CHECK_THROWS_WITH_AS((void)okx::read_gzip_file("a'b"), doctest::Contains("quote"), offloadkit::invalid_argument);
    CHECK_THROWS_WITH_AS((void)okx::read_gzip_file("/nonexistent/offloadkit.gz"), doctest::Contains("gzip -dc failed"),
                         offloadkit::invalid_argument);
    CHECK_THROWS_AS((void)okx::load_fashion_mnist("/nonexistent"), offloadkit::invalid_argument);
}

TEST_CASE("load_fashion_mnist reads Debian's dataset-fashion-mnist (values from Python's gzip + numpy)") {
    const auto d = okx::load_fashion_mnist();
    REQUIRE(d.train_images.count == 60000);
    REQUIRE(d.test_images.count == 10000);
    CHECK(std::vector<std::uint8_t>(d.train_labels.begin(), d.train_labels.begin() + 8) ==
          std::vector<std::uint8_t>{9, 0, 0, 3, 0, 2, 7, 2});
    CHECK(std::vector<std::uint8_t>(d.test_labels.begin(), d.test_labels.begin() + 8) ==
          std::vector<std::uint8_t>{9, 2, 1, 1, 6, 1, 4, 6});
    const auto sum = [](const okx::idx_images& im, std::size_t i) {
        return std::accumulate(im.image(i), im.image(i) + 784, 0LL);
    };
    CHECK(sum(d.train_images, 0) == 76247);
    CHECK(sum(d.train_images, 59999) == 16684);
    CHECK(sum(d.test_images, 0) == 33456);
    CHECK(sum(d.test_images, 9999) == 24390);
    CHECK(std::accumulate(d.test_images.pixels.begin(), d.test_images.pixels.end(), 0LL) == 573469082LL);
}
