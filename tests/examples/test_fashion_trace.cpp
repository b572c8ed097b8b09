// examples/common/fashion_trace.hpp and the committed trace examples/data/fashion_mnist_trace.csv:
// the checksum of the committed file, its consistency with the Fashion-MNIST files it claims to
// come from, and a rerun of the generator on a small slice compared byte for byte with the
// committed slice output (tests/data/fashion_trace/slice.csv, made by
// `offloadkit-make-trace --slice --out tests/data/fashion_trace/slice.csv`).
#include "../../examples/common/fashion_trace.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <offloadkit/io/csv.hpp>

namespace okx = offloadkit::examples;

namespace {

const std::string trace_path = std::string(OFFLOADKIT_SOURCE_DIR) + "/examples/data/fashion_mnist_trace.csv";
const std::string slice_path = std::string(OFFLOADKIT_TEST_DATA_DIR) + "/fashion_trace/slice.csv";

// The committed trace. Regenerate with the command in its second line; then update these two
// numbers (offloadkit-make-trace prints them as "file_bytes" and "fnv1a64") and docs/demo-trace.md.
constexpr std::size_t committed_bytes = 881921;
constexpr std::uint64_t committed_fnv1a64 = 0x8c83aa65b0f9d02eULL;

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot open ", path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

const okx::fashion_mnist& dataset() {
    static const okx::fashion_mnist d = okx::load_fashion_mnist();
    return d;
}

}  // namespace

TEST_CASE("the committed trace has the recorded size and checksum") {
    const std::string text = read_text(trace_path);
    CHECK(text.size() == committed_bytes);
    CHECK(okx::hex64(okx::fnv1a64(text)) == okx::hex64(committed_fnv1a64));
    CHECK(text.find("# made by: offloadkit-make-trace --out examples/data/fashion_mnist_trace.csv\n") != std::string::npos);
}

TEST_CASE("the committed trace is in the simulator's format and agrees with the Fashion-MNIST files") {
    const auto t = offloadkit::io::parse_csv(read_text(trace_path), "trace");
    REQUIRE(t.rows() == 10000);
    const auto& d = dataset();
    const std::size_t c_arr = t.column("arrival_s");
    const std::size_t c_idx = t.column("test_index");
    const std::size_t c_true = t.column("true_label");
    const std::size_t c_npu = t.column("npu_label");
    const std::size_t c_conf = t.column("npu_confidence");
    const std::size_t c_ok = t.column("npu_correct");
    std::vector<std::size_t> c_bytes;
    std::vector<std::size_t> c_sok;
    std::vector<std::size_t> c_slab;
    for (const auto R : okx::paper_resolutions) {
        c_bytes.push_back(t.column("bytes@" + std::to_string(R)));
        c_sok.push_back(t.column("server_correct@" + std::to_string(R)));
        c_slab.push_back(t.column("server_label@" + std::to_string(R)));
    }
    std::vector<int> seen(10000, 0);
    std::vector<double> conf(t.rows());
    std::vector<std::uint8_t> npu_ok(t.rows());
    double npu_acc = 0.0;
    std::vector<double> server_acc(5, 0.0);
    std::vector<double> mean_bytes(5, 0.0);
    for (std::size_t r = 0; r < t.rows(); ++r) {
        CHECK(t.number(r, c_arr) == static_cast<double>(r) / 30.0);
        const auto idx = static_cast<std::size_t>(t.number(r, c_idx));
        REQUIRE(idx < 10000);
        ++seen[idx];
        const auto truth = static_cast<int>(t.number(r, c_true));
        CHECK(truth == d.test_labels[idx]);
        const int npu = static_cast<int>(t.number(r, c_npu));
        CHECK(t.number(r, c_ok) == (npu == truth ? 1.0 : 0.0));
        conf[r] = t.number(r, c_conf);
        REQUIRE(conf[r] >= 0.1);  // max of 10 probabilities
        REQUIRE(conf[r] <= 1.0);
        npu_ok[r] = npu == truth ? 1 : 0;
        npu_acc += npu_ok[r];
        for (std::size_t k = 0; k < 5; ++k) {
            const bool ok = static_cast<int>(t.number(r, c_slab[k])) == truth;
            CHECK(t.number(r, c_sok[k]) == (ok ? 1.0 : 0.0));
            server_acc[k] += ok ? 1.0 : 0.0;
            mean_bytes[k] += t.number(r, c_bytes[k]);
            if (k > 0) {
                CHECK(t.number(r, c_bytes[k]) > t.number(r, c_bytes[k - 1]));
            }
        }
    }
    for (const int s : seen) {
        REQUIRE(s == 1);  // every test image exactly once
    }
    npu_acc /= 1e4;
    for (std::size_t k = 0; k < 5; ++k) {
        server_acc[k] /= 1e4;
        mean_bytes[k] /= 1e4;
    }
    // What issue 8 asks of the data: a miscalibrated NPU, a server curve rising with resolution
    // (CBO Fig. 10), and full-resolution frames that cannot all be sent at 5 Mbps, 30 fps.
    const auto cal = okx::calibration_10_bins(conf, npu_ok);
    CHECK(cal.ece > 0.1);
    CHECK(server_acc[0] < npu_acc);
    CHECK(server_acc[4] > npu_acc + 0.05);
    for (std::size_t k = 1; k < 5; ++k) {
        CHECK(server_acc[k] > server_acc[k - 1]);
    }
    CHECK(mean_bytes[4] > 2.0 * 625000.0 / 30.0);
    CHECK(mean_bytes[0] < 625000.0 / 30.0 / 4.0);
}

TEST_CASE("the generator reproduces the committed slice byte for byte") {
    const auto opt = okx::slice_options();
    const okx::fashion_trace t = okx::make_fashion_trace(dataset(), opt, [](const char*) {});
    const std::string text =
        okx::trace_csv(t, okx::trace_comment(opt, "offloadkit-make-trace --slice --out tests/data/fashion_trace/slice.csv"));
    CHECK(text == read_text(slice_path));
    // Frame order and frame sizes do not depend on the models: the slice's first frames are the
    // committed trace's first frames.
    const auto full = offloadkit::io::parse_csv(read_text(trace_path), "trace");
    REQUIRE(full.rows() >= t.frames.size());
    for (std::size_t f = 0; f < t.frames.size(); ++f) {
        CHECK(static_cast<std::size_t>(full.number(f, full.column("test_index"))) == t.frames[f].test_index);
        for (std::size_t k = 0; k < 5; ++k) {
            const std::string col = "bytes@" + std::to_string(okx::paper_resolutions[k]);
            CHECK(static_cast<std::size_t>(full.number(f, full.column(col))) == t.frames[f].bytes[k]);
        }
    }
}

TEST_CASE("calibration_10_bins: a hand-worked example (CBO §III-B definitions)") {
    // bins: 0.05 -> 0 (acc 0, gap .05); 0.15 -> 1 (acc 1, gap .85); 0.95, 0.95, 1.0 -> 9
    // (mean conf 2.9/3, acc 2/3, gap 0.3). ECE = (1*.05 + 1*.85 + 3*.3) / 5 = 0.36, MCE = 0.85.
    const std::vector<double> c{0.05, 0.15, 0.95, 0.95, 1.0};
    const std::vector<std::uint8_t> ok{0, 1, 1, 0, 1};
    const auto s = okx::calibration_10_bins(c, ok);
    CHECK(s.ece == doctest::Approx(0.36));
    CHECK(s.mce == doctest::Approx(0.85));
    CHECK(s.count[9] == 3);
    CHECK(s.count[1] == 1);
    // 0.1 falls in bin 1, not 0
    CHECK(okx::calibration_10_bins(std::vector<double>{0.1}, std::vector<std::uint8_t>{1}).count[1] == 1);
    CHECK_THROWS_AS((void)okx::calibration_10_bins(std::vector<double>{1.5}, std::vector<std::uint8_t>{1}),
                    offloadkit::invalid_argument);
}

TEST_CASE("render_frame: binomial noise of mean 0 and variance bits/4 around the bilinear picture") {
    std::vector<std::uint8_t> flat(okx::image_pixels, 100);
    okx::detail_trace::degrader deg;
    std::vector<std::uint8_t> rgb;
    offloadkit::detail::rng g(4);
    okx::render_frame(flat.data(), 4, 16, g, deg, rgb);
    REQUIRE(rgb.size() == 224 * 224 * 3);
    double sum = 0.0;
    double sq = 0.0;
    for (const auto v : rgb) {
        const double d = static_cast<double>(v) - 100.0;
        CHECK(std::fabs(d) <= 8.0);
        sum += d;
        sq += d * d;
    }
    const double n = static_cast<double>(rgb.size());
    CHECK(std::fabs(sum / n) < 0.03);        // 5 standard errors of the mean (2/sqrt(150528) = 0.005)
    CHECK(sq / n == doctest::Approx(4.0).epsilon(0.02));
    okx::render_frame(flat.data(), 0, 0, g, deg, rgb);
    CHECK(rgb == std::vector<std::uint8_t>(45 * 45 * 3, 100));  // no noise: a flat image stays flat
}

TEST_CASE("make_fashion_trace rejects impossible options before any work") {
    okx::fashion_mnist tiny;  // 3 training and 2 test images of 28x28
    tiny.train_images = {3, 28, 28, std::vector<std::uint8_t>(3 * 784, 0)};
    tiny.train_labels = {0, 1, 2};
    tiny.test_images = {2, 28, 28, std::vector<std::uint8_t>(2 * 784, 0)};
    tiny.test_labels = {0, 1};
    okx::trace_options opt;
    opt.npu_train = 3;
    opt.server_train = 3;
    opt.frames = 0;
    CHECK_THROWS_WITH_AS((void)okx::make_fashion_trace(tiny, opt, [](const char*) {}),
                         doctest::Contains("frames is 0, expected 1..2"), offloadkit::invalid_argument);
    opt.frames = 3;
    CHECK_THROWS_AS((void)okx::make_fashion_trace(tiny, opt, [](const char*) {}), offloadkit::invalid_argument);
    opt.frames = 2;
    opt.npu_train = 4;
    CHECK_THROWS_WITH_AS((void)okx::make_fashion_trace(tiny, opt, [](const char*) {}),
                         doctest::Contains("npu_train is 4, expected 1..3"), offloadkit::invalid_argument);
    opt.npu_train = 3;
    opt.noise_bits = 6;
    CHECK_THROWS_AS((void)okx::make_fashion_trace(tiny, opt, [](const char*) {}), offloadkit::invalid_argument);
    opt.noise_bits = 16;
    opt.fps = 0.0;
    CHECK_THROWS_AS((void)okx::make_fashion_trace(tiny, opt, [](const char*) {}), offloadkit::invalid_argument);
    opt.fps = 30.0;
    opt.server_low_res_fraction = 1.5;
    CHECK_THROWS_AS((void)okx::make_fashion_trace(tiny, opt, [](const char*) {}), offloadkit::invalid_argument);
}
