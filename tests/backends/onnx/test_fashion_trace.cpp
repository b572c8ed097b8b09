// The bundled trace examples/data/fashion_mnist_trace.csv (issue 13 §3) and its frame pipeline
// examples/common/fashion_frames.hpp: the committed file's checksum and consistency with the
// Fashion-MNIST files, a few of its rows recomputed independently with bare OpenCV calls
// (cv::resize, cv::imencode / imdecode, cv::dnn) and again by make_fashion_trace, the PNG round trip,
// the sensor noise's distribution, and column sanity (accuracy per resolution, ECE against
// offloadkit's metrics).
#define OFFLOADKIT_EXAMPLES_DIR OFFLOADKIT_SOURCE_DIR "/examples"
#include "../../../examples/common/fashion_trace.hpp"

#include <offloadkit/io/csv.hpp>
#include <offloadkit/metrics/calibration.hpp>

#include <doctest/doctest.h>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace ok = offloadkit;
namespace okx = offloadkit::examples;

namespace {

const std::string trace_path = std::string(OFFLOADKIT_SOURCE_DIR) + "/examples/data/fashion_mnist_trace.csv";
const std::string models_dir = std::string(OFFLOADKIT_SOURCE_DIR) + "/examples/models/fashion";

// The committed trace. Regenerate with the command in its second line; then update these two
// numbers (offloadkit-make-trace prints them as "file_bytes" and "fnv1a64") and docs/demo-trace.md.
constexpr std::size_t committed_bytes = 2009620;
constexpr std::uint64_t committed_fnv1a64 = 0x77334969a8bc5fc3ULL;

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

const ok::io::csv_table& trace() {
    static const ok::io::csv_table t = ok::io::parse_csv(read_text(trace_path), "trace");
    return t;
}

std::string col_r(const char* name, std::size_t k) { return std::string(name) + "@" + std::to_string(okx::paper_resolutions[k]); }

/// The models' input by hand (models.json): BGR/RGB -> gray, INTER_AREA to 28, (p/255 - 0.286)/0.353.
cv::Mat blob_of(const cv::Mat& img, int gray_code) {
    cv::Mat gray;
    cv::cvtColor(img, gray, gray_code);
    cv::Mat small = gray;
    if (gray.rows != 28) {
        cv::resize(gray, small, cv::Size(28, 28), 0.0, 0.0, cv::INTER_AREA);
    }
    const int dims[4] = {1, 1, 28, 28};
    cv::Mat blob(4, dims, CV_32F);
    auto* p = blob.ptr<float>();
    for (int y = 0; y < 28; ++y) {
        for (int x = 0; x < 28; ++x) {
            p[y * 28 + x] = (static_cast<float>(small.at<std::uint8_t>(y, x)) * (1.0F / 255.0F) - 0.286F) / 0.353F;
        }
    }
    return blob;
}

std::vector<float> forward(cv::dnn::Net& net, const cv::Mat& blob) {
    net.setInput(blob);
    const cv::Mat out = net.forward();
    return {out.ptr<float>(), out.ptr<float>() + out.total()};
}

std::size_t argmax(const std::vector<float>& v) {
    return static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

cv::dnn::Net load_net(const char* file) {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(models_dir + "/" + file);
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    return net;
}

}  // namespace

TEST_CASE("fashion trace: the committed file has the recorded size, checksum and command") {
    const std::string text = read_text(trace_path);
    CHECK(text.size() == committed_bytes);
    CHECK(okx::hex64(okx::fnv1a64(text)) == okx::hex64(committed_fnv1a64));
    CHECK(text.find("# made by: offloadkit-make-trace --out examples/data/fashion_mnist_trace.csv\n") != std::string::npos);
}

TEST_CASE("fashion trace: columns agree with the Fashion-MNIST files and with each other") {
    const auto& t = trace();
    REQUIRE(t.rows() == 10000);
    const auto& d = dataset();
    const std::size_t c_arr = t.column("arrival_s");
    const std::size_t c_idx = t.column("test_index");
    const std::size_t c_true = t.column("true_label");
    const std::size_t c_npu = t.column("npu_label");
    const std::size_t c_conf = t.column("npu_confidence");
    const std::size_t c_ok = t.column("npu_correct");
    const std::size_t c_comp = t.column("compress_label");
    const std::size_t c_comp_ok = t.column("compress_correct");
    const std::size_t c_nt = t.column("npu_time_s");
    const std::size_t c_ct = t.column("compress_time_s");
    std::vector<std::size_t> c_logit;
    for (std::size_t c = 0; c < 10; ++c) {
        c_logit.push_back(t.column("npu_logit@" + std::to_string(c)));
    }
    std::vector<int> seen(10000, 0);
    std::vector<double> conf(t.rows());
    std::vector<int> npu_ok(t.rows());
    double npu_acc = 0.0;
    std::vector<double> server_acc(5, 0.0);
    std::vector<double> mean_bytes(5, 0.0);
    const double npu_time = t.number(0, c_nt);
    const double compress_time = t.number(0, c_ct);
    CHECK(npu_time > 0.0);
    CHECK(compress_time > 0.0);
    for (std::size_t r = 0; r < t.rows(); ++r) {
        CHECK(t.number(r, c_arr) == static_cast<double>(r) / 30.0);
        const auto idx = static_cast<std::size_t>(t.number(r, c_idx));
        REQUIRE(idx < 10000);
        ++seen[idx];
        const auto truth = static_cast<int>(t.number(r, c_true));
        CHECK(truth == d.test_labels[idx]);
        const int npu = static_cast<int>(t.number(r, c_npu));
        CHECK(t.number(r, c_ok) == (npu == truth ? 1.0 : 0.0));
        CHECK(t.number(r, c_comp_ok) == (static_cast<int>(t.number(r, c_comp)) == truth ? 1.0 : 0.0));
        CHECK(t.number(r, c_nt) == npu_time);  // constants (docs/demo-trace.md)
        CHECK(t.number(r, c_ct) == compress_time);
        // label and confidence are the top-1 of the logits (to the 6 digits written)
        std::vector<double> lg(10);
        for (std::size_t c = 0; c < 10; ++c) {
            lg[c] = t.number(r, c_logit[c]);
        }
        const ok::top1 top = ok::top1_confidence(lg);
        CHECK(static_cast<int>(top.index) == npu);
        conf[r] = t.number(r, c_conf);
        CHECK(conf[r] == doctest::Approx(top.confidence).epsilon(1e-4));
        npu_ok[r] = npu == truth ? 1 : 0;
        npu_acc += npu_ok[r];
        for (std::size_t k = 0; k < 5; ++k) {
            const bool right = static_cast<int>(t.number(r, t.column(col_r("server_label", k)))) == truth;
            CHECK(t.number(r, t.column(col_r("server_correct", k))) == (right ? 1.0 : 0.0));
            server_acc[k] += right ? 1.0 : 0.0;
            mean_bytes[k] += t.number(r, t.column(col_r("bytes", k)));
            if (k > 0) {
                CHECK(t.number(r, t.column(col_r("bytes", k))) > t.number(r, t.column(col_r("bytes", k - 1))));
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
    // ECE of the file's confidences: this trace's own 10-bin code equals offloadkit's metric.
    const std::vector<std::uint8_t> ok8(npu_ok.begin(), npu_ok.end());
    const auto cal = okx::calibration_10_bins(conf, ok8);
    const auto rep = ok::calibration_error(conf, npu_ok, 10);
    CHECK(cal.ece == doctest::Approx(rep.ece).epsilon(1e-12));
    CHECK(cal.mce == doctest::Approx(rep.mce).epsilon(1e-12));
    // What issue 13 asks of the models: an over-confident NPU, a server >= 8 points better at
    // full resolution whose accuracy rises with resolution (CBO Fig. 10; non-decreasing within
    // 0.005), full-resolution frames that cannot all be sent at 5 Mbps, 30 fps.
    CHECK(cal.ece >= 0.10);
    CHECK(server_acc[4] >= npu_acc + 0.08);
    for (std::size_t k = 1; k < 5; ++k) {
        CHECK(server_acc[k] >= server_acc[k - 1] - 0.005);
    }
    CHECK(mean_bytes[4] > 2.0 * 625000.0 / 30.0);
    CHECK(mean_bytes[0] < 625000.0 / 30.0 / 4.0);
}

TEST_CASE("fashion trace: rows recomputed with bare OpenCV calls equal the committed rows") {
    const auto& t = trace();
    const auto& d = dataset();
    cv::setNumThreads(1);
    cv::dnn::Net npu = load_net("npu_fp16.onnx");
    cv::dnn::Net server = load_net("server.onnx");
    cv::dnn::Net compress = load_net("compress_int8.onnx");
    ok::image_encoder enc(ok::image_encoder_options{.resolutions = ok::square_sizes({45, 90, 134, 179, 224})});
    for (const std::size_t row : {std::size_t{0}, std::size_t{1}, std::size_t{4999}, std::size_t{9999}}) {
        CAPTURE(row);
        const auto idx = static_cast<std::size_t>(t.number(row, t.column("test_index")));
        const std::uint8_t* img = d.test_images.image(idx);
        for (std::size_t k = 0; k < 5; ++k) {
            CAPTURE(k);
            auto g = okx::trace_stream(8, okx::noise_stream, idx * 8 + k);
            std::vector<std::uint8_t> rgb;
            okx::render_level(img, k, g, rgb);
            const int side = static_cast<int>(okx::paper_resolutions[k]);
            const cv::Mat level(side, side, CV_8UC3, rgb.data());
            cv::Mat bgr;
            cv::cvtColor(level, bgr, cv::COLOR_RGB2BGR);
            std::vector<std::uint8_t> png;
            REQUIRE(cv::imencode(".png", bgr, png,
                                 {cv::IMWRITE_PNG_COMPRESSION, 1, cv::IMWRITE_PNG_STRATEGY, cv::IMWRITE_PNG_STRATEGY_DEFAULT}));
            CHECK(static_cast<double>(png.size()) == t.number(row, t.column(col_r("bytes", k))));
            // the backend's encoder writes exactly cv::imencode's bytes
            const ok::image_view view{.pixels = rgb, .height = okx::paper_resolutions[k],
                                      .width = okx::paper_resolutions[k], .format = ok::pixel_format::rgb};
            const auto wire = enc.encode(view, k);
            CHECK(std::equal(wire.begin(), wire.end(), reinterpret_cast<const std::byte*>(png.data()),
                             reinterpret_cast<const std::byte*>(png.data() + png.size())));
            // PNG is lossless
            const cv::Mat back = cv::imdecode(png, cv::IMREAD_COLOR);
            REQUIRE(back.size() == bgr.size());
            CHECK(cv::norm(back, bgr, cv::NORM_INF) == 0.0);
            const auto s = forward(server, blob_of(back, cv::COLOR_BGR2GRAY));
            CHECK(static_cast<double>(argmax(s)) == t.number(row, t.column(col_r("server_label", k))));
            if (k == 4) {
                const auto lg = forward(npu, blob_of(level, cv::COLOR_RGB2GRAY));
                for (std::size_t c = 0; c < 10; ++c) {
                    const double want = t.number(row, t.column("npu_logit@" + std::to_string(c)));
                    CHECK(static_cast<double>(lg[c]) == doctest::Approx(want).epsilon(1e-5).scale(1.0));
                }
                const auto lc = forward(compress, blob_of(level, cv::COLOR_RGB2GRAY));
                CHECK(static_cast<double>(argmax(lc)) == t.number(row, t.column("compress_label")));
            }
        }
    }
}

TEST_CASE("fashion trace: make_fashion_trace reproduces the committed first rows byte for byte") {
    const auto& t = trace();
    okx::fashion_models models = okx::load_fashion_models(models_dir);
    okx::trace_options opt;
    opt.frames = 3;
    opt.npu_time_s = t.number(0, t.column("npu_time_s"));
    opt.compress_time_s = t.number(0, t.column("compress_time_s"));
    std::size_t calls = 0;
    const okx::fashion_trace mine = okx::make_fashion_trace(dataset(), models, opt, [&](std::size_t done, std::size_t total) {
        ++calls;
        CHECK(done == 3);
        CHECK(total == 3);
    });
    CHECK(calls == 1);
    CHECK(mine.npu_median_s > 0.0);
    const std::string text = okx::trace_csv(mine, {});
    const std::string committed = read_text(trace_path);
    const std::size_t header = committed.find("\nframe,") + 1;
    REQUIRE(header > 0);
    CHECK(committed.compare(header, text.size(), text) == 0);
}

TEST_CASE("fashion trace: render_level is the INTER_AREA/INTER_LINEAR picture plus binomial noise") {
    // A flat image stays flat under both resizes: what is left is the noise, popcount(16) - 8:
    // mean 0, variance 16/4 = 4, |noise| <= 8.
    const std::vector<std::uint8_t> flat(okx::image_pixels, 100);
    auto g = okx::trace_stream(1, okx::noise_stream);
    std::vector<std::uint8_t> rgb;
    okx::render_level(flat.data(), 4, g, rgb);
    REQUIRE(rgb.size() == 224 * 224 * 3);
    double sum = 0.0;
    double sq = 0.0;
    for (const auto v : rgb) {
        const double dv = static_cast<double>(v) - 100.0;
        CHECK(std::fabs(dv) <= 8.0);
        sum += dv;
        sq += dv * dv;
    }
    const double n = static_cast<double>(rgb.size());
    CHECK(std::fabs(sum / n) < 0.03);  // 5 standard errors of the mean (2/sqrt(150528) = 0.005)
    CHECK(sq / n == doctest::Approx(4.0).epsilon(0.02));
    // On a real image every sample is within 8 of the noise-free picture, which equals bare cv::resize.
    const std::uint8_t* img = dataset().test_images.image(0);
    for (std::size_t k = 0; k < 5; ++k) {
        auto gk = okx::trace_stream(8, okx::noise_stream, k);
        okx::render_level(img, k, gk, rgb);
        const cv::Mat src(28, 28, CV_8UC1, const_cast<std::uint8_t*>(img));
        cv::Mat small;
        const int r = static_cast<int>(okx::model_resolutions[k]);
        cv::resize(src, small, cv::Size(r, r), 0.0, 0.0, cv::INTER_AREA);
        cv::Mat big;
        const int side = static_cast<int>(okx::paper_resolutions[k]);
        cv::resize(small, big, cv::Size(side, side), 0.0, 0.0, cv::INTER_LINEAR);
        int worst = 0;
        for (int y = 0; y < side; ++y) {
            for (int x = 0; x < side; ++x) {
                for (int c = 0; c < 3; ++c) {
                    const int diff = rgb[(static_cast<std::size_t>(y) * static_cast<std::size_t>(side) +
                                          static_cast<std::size_t>(x)) * 3 + static_cast<std::size_t>(c)] -
                                     big.at<std::uint8_t>(y, x);
                    worst = std::max(worst, std::abs(diff));
                }
            }
        }
        CHECK(worst <= 8);
        CHECK(worst >= 1);
    }
}

TEST_CASE("fashion trace: impossible options are rejected before any work") {
    okx::fashion_mnist tiny;  // 2 test images of 28x28
    tiny.test_images = {2, 28, 28, std::vector<std::uint8_t>(2 * 784, 0)};
    tiny.test_labels = {0, 1};
    okx::fashion_models models = okx::load_fashion_models(models_dir);
    okx::trace_options opt;
    opt.frames = 0;
    const auto none = [](std::size_t, std::size_t) {};
    CHECK_THROWS_WITH_AS((void)okx::make_fashion_trace(tiny, models, opt, none),
                         doctest::Contains("frames is 0, expected 1..2"), ok::invalid_argument);
    opt.frames = 3;
    CHECK_THROWS_AS((void)okx::make_fashion_trace(tiny, models, opt, none), ok::invalid_argument);
    opt.frames = 2;
    opt.fps = 0.0;
    CHECK_THROWS_WITH_AS((void)okx::make_fashion_trace(tiny, models, opt, none), doctest::Contains("fps"),
                         ok::invalid_argument);
    opt.fps = 30.0;
    opt.npu_time_s = -1.0;
    CHECK_THROWS_WITH_AS((void)okx::make_fashion_trace(tiny, models, opt, none),
                         doctest::Contains("npu_time_s is -1"), ok::invalid_argument);
    opt.npu_time_s.reset();
    tiny.test_labels = {0};
    CHECK_THROWS_WITH_AS((void)okx::make_fashion_trace(tiny, models, opt, none),
                         doctest::Contains("test labels has size 1, expected 2"), ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)okx::load_fashion_models("/nonexistent-dir"), doctest::Contains("npu_fp16.onnx"),
                         ok::invalid_argument);
}

TEST_CASE("calibration_10_bins: a hand-worked example (CBO §III-B definitions)") {
    // bins: 0.05 -> 0 (acc 0, gap .05); 0.15 -> 1 (acc 1, gap .85); 0.95, 0.95, 1.0 -> 9
    // (mean conf 2.9/3, acc 2/3, gap 0.3). ECE = (1*.05 + 1*.85 + 3*.3) / 5 = 0.36, MCE = 0.85.
    const std::vector<double> c{0.05, 0.15, 0.95, 0.95, 1.0};
    const std::vector<std::uint8_t> right{0, 1, 1, 0, 1};
    const auto s = okx::calibration_10_bins(c, right);
    CHECK(s.ece == doctest::Approx(0.36));
    CHECK(s.mce == doctest::Approx(0.85));
    CHECK(s.count[9] == 3);
    CHECK(s.count[1] == 1);
    CHECK(okx::calibration_10_bins(std::vector<double>{0.1}, std::vector<std::uint8_t>{1}).count[1] == 1);
    CHECK_THROWS_AS((void)okx::calibration_10_bins(std::vector<double>{1.5}, std::vector<std::uint8_t>{1}),
                    ok::invalid_argument);
}
