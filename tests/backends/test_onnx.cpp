// Tests of include/offloadkit/backends/onnx.hpp. Outside references: golden vectors made by
// tests/data/onnx/make_onnx_golden.py (torch and OpenCV Python's cv2.dnn on the same tiny ONNX
// models and inputs, cv2.cvtColor / cv2.resize + numpy float32 for the pre-processing, and
// cv2.imencode sizes). Encoder and decoder are checked by round trips against the pixels they
// were given (PNG is lossless) and against each other.
#include <offloadkit/backends/onnx.hpp>

#include <doctest/doctest.h>
#include <opencv2/core/utils/logger.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "alloc/counting.hpp"
#include "support/onnx_builder.hpp"

namespace ok = offloadkit;
using offloadkit::test_onnx::pb;
using offloadkit::test_onnx::value_info;

// ---- concepts ------------------------------------------------------------------------------------
static_assert(ok::local_executor<ok::onnx_classifier, ok::image_view>);
static_assert(ok::approx_executor<ok::onnx_approx_executor, ok::image_view>);
static_assert(ok::feature_extractor<ok::onnx_feature_extractor, ok::image_view>);
static_assert(ok::feature_inference<ok::onnx_feature_inference>);
static_assert(ok::frame_encoder<ok::image_encoder, ok::image_view>);
static_assert(ok::frame_encoder<ok::image_encoder, ok::image_pyramid>);
static_assert(!std::is_copy_constructible_v<ok::onnx_model> && std::is_nothrow_move_constructible_v<ok::onnx_model>);

namespace {

const std::string data_dir = std::string(OFFLOADKIT_TEST_DATA_DIR) + "/onnx/";

std::string model_path(const char* name) { return data_dir + name; }

/// golden.txt: `key count v0 v1 ...` per line.
const std::map<std::string, std::vector<double>>& golden() {
    static const std::map<std::string, std::vector<double>> table = [] {
        std::map<std::string, std::vector<double>> t;
        std::ifstream in(data_dir + "golden.txt");
        REQUIRE(in.good());
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '#') {
                continue;
            }
            std::istringstream ls(line);
            std::string key;
            std::size_t n = 0;
            ls >> key >> n;
            std::vector<double> v(n);
            for (auto& x : v) {
                ls >> x;
            }
            REQUIRE(!ls.fail());
            t.emplace(key, std::move(v));
        }
        return t;
    }();
    return table;
}

const std::vector<double>& g(const std::string& key) {
    const auto it = golden().find(key);
    REQUIRE_MESSAGE(it != golden().end(), "missing golden key " << key);
    return it->second;
}

std::vector<float> gf(const std::string& key) {
    const auto& v = g(key);
    return {v.begin(), v.end()};
}

double max_abs_diff(std::span<const float> a, const std::vector<double>& b) {
    REQUIRE(a.size() == b.size());
    double m = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        m = std::max(m, std::fabs(static_cast<double>(a[i]) - b[i]));
    }
    return m;
}

/// An 8-bit frame from golden.txt: <key>.frame = height, width, format, stride; <key>.pixels.
struct golden_frame {
    std::vector<std::uint8_t> pixels;
    ok::image_view view;
};

golden_frame frame_of(const std::string& key) {
    const auto& meta = g(key + ".frame");
    const auto& px = g(key + ".pixels");
    golden_frame f;
    f.pixels.assign(px.begin(), px.end());
    f.view =
        ok::image_view{f.pixels, static_cast<std::size_t>(meta[0]), static_cast<std::size_t>(meta[1]),
                       static_cast<ok::pixel_format>(static_cast<int>(meta[2])), static_cast<std::size_t>(meta[3])};
    return f;
}

ok::image_preprocess spec_of(const std::string& key) {
    const auto& s = g(key + ".spec");
    ok::image_preprocess p;
    p.height = static_cast<std::size_t>(s[0]);
    p.width = static_cast<std::size_t>(s[1]);
    p.channels = static_cast<std::size_t>(s[2]);
    p.order = s[3] == 0 ? ok::channel_order::rgb : ok::channel_order::bgr;
    p.interpolation = static_cast<ok::interpolation>(static_cast<int>(s[4]));
    p.scale = static_cast<float>(s[5]);
    for (std::size_t c = 0; c < 3; ++c) {
        p.mean[c] = static_cast<float>(s[6 + c]);
        p.std[c] = static_cast<float>(s[9 + c]);
    }
    return p;
}

std::vector<std::byte> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    std::vector<char> c((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> b(c.size());
    std::memcpy(b.data(), c.data(), c.size());
    return b;
}

template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const ok::invalid_argument& e) {
        return e.what();
    }
    return "(no exception)";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

/// A one-node model y = x + w with initializer w: the payload of w is given as raw_data bytes.
std::vector<std::byte> add_model(std::uint64_t w_dim, std::size_t raw_bytes) {
    pb w;
    w.u(1, w_dim).u(2, 1).str(8, "w").bytes(9, std::vector<std::byte>(raw_bytes, std::byte{0}));
    pb node;
    node.str(1, "x").str(1, "w").str(2, "y").str(4, "Add");
    pb graph;
    graph.msg(1, node).str(2, "g").msg(5, w).msg(11, value_info("x", {1, 4})).msg(12, value_info("y", {1, 4}));
    pb model;
    model.u(1, 6).msg(8, pb{}.u(2, 11)).msg(7, graph);
    return model.b;
}

/// y = Pad(x, pads) with x [1, 1, 2, 2] and pads an INT64 initializer: y is 1 x 1 x (2 + p) x (2 + p).
std::vector<std::byte> pad_model(std::int64_t p) {
    std::vector<std::byte> raw(64, std::byte{0});
    for (const int i : {6, 7}) {  // end padding of the two spatial axes
        for (int k = 0; k < 8; ++k) {
            raw[static_cast<std::size_t>(i * 8 + k)] =
                static_cast<std::byte>((static_cast<std::uint64_t>(p) >> (8 * k)) & 0xFF);
        }
    }
    pb pads;
    pads.u(1, 8).u(2, 7).str(8, "pads").bytes(9, raw);
    pb node;
    node.str(1, "x").str(1, "pads").str(2, "y").str(4, "Pad");
    pb graph;
    graph.msg(1, node)
        .str(2, "g")
        .msg(5, pads)
        .msg(11, value_info("x", {1, 1, 2, 2}))
        .msg(12, value_info("y", {1, 1, 2 + p, 2 + p}));
    pb model;
    model.u(1, 6).msg(8, pb{}.u(2, 11)).msg(7, graph);
    return model.b;
}

}  // namespace

// ==== onnx_model ===================================================================================

TEST_CASE("onnx_model: outputs equal torch and cv2.dnn on the golden inputs (1e-4)") {
    for (const char* stem : {"tiny_gray", "tiny_rgb", "split_part1", "split_part2"}) {
        CAPTURE(stem);
        ok::onnx_model m = ok::onnx_model::load(model_path((std::string(stem) + ".onnx").c_str()));
        const auto in = gf(std::string(stem) + ".raw.in");
        REQUIRE(m.input_size() == in.size());
        std::vector<float> out(m.output_size());
        const double seconds = m.run(in, out);
        CHECK(seconds > 0.0);
        CHECK(max_abs_diff(out, g(std::string(stem) + ".raw.torch")) <= 1e-4);
        CHECK(max_abs_diff(out, g(std::string(stem) + ".raw.cv2")) <= 1e-4);
        // Running again on the same input gives the same bits (no state carried between calls).
        std::vector<float> again(m.output_size());
        m.run(in, again);
        CHECK(again == out);
    }
}

TEST_CASE("onnx_model: shapes, names, a symbolic batch dimension read as 1") {
    ok::onnx_model gray = ok::onnx_model::load(model_path("tiny_gray.onnx"));
    CHECK(std::vector<std::int64_t>(gray.input_shape().begin(), gray.input_shape().end()) ==
          std::vector<std::int64_t>{1, 1, 12, 12});
    CHECK(std::vector<std::int64_t>(gray.output_shape().begin(), gray.output_shape().end()) ==
          std::vector<std::int64_t>{1, 5});
    CHECK(gray.input_size() == 144);
    CHECK(gray.output_size() == 5);
    CHECK(gray.input_name() == "x");
    CHECK(gray.output_name() == "logits");
    CHECK(gray.name() == model_path("tiny_gray.onnx"));
    ok::onnx_model rgb = ok::onnx_model::load(model_path("tiny_rgb.onnx"));  // declared [batch, 3, 10, 8] -> [batch, 6]
    CHECK(std::vector<std::int64_t>(rgb.input_shape().begin(), rgb.input_shape().end()) ==
          std::vector<std::int64_t>{1, 3, 10, 8});
    CHECK(std::vector<std::int64_t>(rgb.output_shape().begin(), rgb.output_shape().end()) ==
          std::vector<std::int64_t>{1, 6});
    ok::onnx_model part1 = ok::onnx_model::load(model_path("split_part1.onnx"));
    CHECK(part1.output_size() == 300);
}

TEST_CASE("onnx_model: loading from memory gives the same model as loading the file") {
    const auto bytes = read_bytes(model_path("tiny_gray.onnx"));
    ok::onnx_model a = ok::onnx_model::load(bytes);
    ok::onnx_model b = ok::onnx_model::load(model_path("tiny_gray.onnx"));
    CHECK(a.name() == "<memory: " + std::to_string(bytes.size()) + " bytes>");
    const auto in = gf("tiny_gray.raw.in");
    std::vector<float> oa(5), ob(5);
    a.run(in, oa);
    b.run(in, ob);
    CHECK(oa == ob);
    // A moved model keeps working.
    ok::onnx_model c = std::move(a);
    std::vector<float> oc(5);
    c.run(in, oc);
    CHECK(oc == ob);
}

TEST_CASE("onnx_model: models without exactly one input and one output are rejected with the counts") {
    const std::string two_out = error_of([] { (void)ok::onnx_model::load(model_path("two_outputs.onnx")); });
    CHECK(contains(two_out, "two_outputs.onnx"));
    CHECK(contains(two_out, "1 input(s) and 2 output(s)"));
    const std::string two_in = error_of([] { (void)ok::onnx_model::load(model_path("two_inputs.onnx")); });
    CHECK(contains(two_in, "two_inputs.onnx"));
    CHECK(contains(two_in, "2 input(s) and 1 output(s)"));
}

TEST_CASE("onnx_model: missing, empty, truncated and corrupt model files are invalid_argument naming the file") {
    const std::string missing = error_of([] { (void)ok::onnx_model::load(model_path("no_such_model.onnx")); });
    CHECK(contains(missing, "cannot open"));
    CHECK(contains(missing, "no_such_model.onnx"));
    const auto bytes = read_bytes(model_path("tiny_gray.onnx"));
    CHECK(contains(error_of([] { (void)ok::onnx_model::load(std::span<const std::byte>{}); }), "<memory: 0 bytes>"));
    // OpenCV logs each import error on stderr; silenced for the loops below.
    const auto level = cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    // Every prefix of a real model is rejected (a truncated download never loads).
    for (std::size_t n = 0; n < bytes.size(); n += 7) {
        CAPTURE(n);
        CHECK_THROWS_AS((void)ok::onnx_model::load(std::span<const std::byte>(bytes.data(), n)), ok::invalid_argument);
    }
    // Random byte flips: rejected or loaded, never anything else.
    std::uint32_t state = 12345;
    int rejected = 0;
    for (int trial = 0; trial < 200; ++trial) {
        auto copy = bytes;
        for (int k = 0; k < 3; ++k) {
            state = state * 1664525u + 1013904223u;
            copy[(state >> 8) % copy.size()] ^= static_cast<std::byte>(1u << (state % 8));
        }
        try {
            ok::onnx_model m = ok::onnx_model::load(copy);
            std::vector<float> in(m.input_size(), 0.5F), out(m.output_size());
            try {
                m.run(in, out);
            } catch (const ok::invalid_argument&) {
            }
        } catch (const ok::invalid_argument&) {
            ++rejected;
        }
    }
    cv::utils::logging::setLogLevel(level);
    CHECK(rejected > 0);
}

TEST_CASE("onnx_model: a tensor whose dims claim more than its payload holds is rejected before OpenCV reads it") {
    // OpenCV 4.6 would read 4,000,000 bytes from a 4-byte raw_data (opencv/opencv#29314).
    const std::string e = error_of([] { (void)ok::onnx_model::load(add_model(1000000, 4)); });
    CHECK(contains(e, "tensor 'w'"));
    CHECK(contains(e, "more elements than the model has bytes"));
    const std::string e2 = error_of([] { (void)ok::onnx_model::load(add_model(4, 12)); });
    CHECK(contains(e2, "4 elements but raw_data of 12 bytes"));
    // The same model with a consistent payload loads and computes x + 0.
    ok::onnx_model m = ok::onnx_model::load(add_model(4, 16));
    const std::vector<float> in{1.0F, -2.0F, 3.5F, 0.25F};
    std::vector<float> out(4);
    m.run(in, out);
    CHECK(out == in);
}

TEST_CASE("onnx_model: a node reading a name nothing defines is rejected (OpenCV 4.6 would dereference null)") {
    // Found by fuzz_onnx_model (corpus file regression_undefined_node_input): an initializer renamed.
    pb node;
    node.str(1, "x").str(1, "w").str(2, "y").str(4, "Add");
    pb graph;
    graph.msg(1, node).str(2, "g").msg(11, value_info("x", {1, 4})).msg(12, value_info("y", {1, 4}));
    pb model;
    model.u(1, 6).msg(8, pb{}.u(2, 11)).msg(7, graph);
    CHECK(contains(error_of([&] { (void)ok::onnx_model::load(model.b); }),
                   "reads 'w', which no graph input, initializer or earlier node defines"));
    pb twice;
    twice.msg(1, pb{}.str(1, "x").str(2, "y").str(4, "Relu")).msg(1, pb{}.str(1, "x").str(2, "y").str(4, "Relu"));
    twice.msg(11, value_info("x", {1, 4})).msg(12, value_info("y", {1, 4}));
    CHECK(contains(error_of([&] { (void)ok::onnx_model::load(pb{}.u(1, 6).msg(7, twice).b); }),
                   "defines 'y' a second time"));
    pb undefined_output;
    undefined_output.msg(1, pb{}.str(1, "x").str(2, "y").str(4, "Relu"));
    undefined_output.msg(11, value_info("x", {1, 4})).msg(12, value_info("z", {1, 4}));
    CHECK(contains(error_of([&] { (void)ok::onnx_model::load(pb{}.u(1, 6).msg(7, undefined_output).b); }),
                   "graph output 'z' is never defined"));
}

TEST_CASE("onnx_model: a network whose layers would allocate more than 2^28 floats is rejected before it runs") {
    // Found by fuzz_onnx_model (regression_pad_allocates_4gib): a changed Pad constant made OpenCV
    // allocate 4 GiB. Shape inference sees it first.
    ok::onnx_model small = ok::onnx_model::load(pad_model(3));
    CHECK(small.output_size() == 25);
    const std::vector<float> x{1.0F, 2.0F, 3.0F, 4.0F};
    std::vector<float> y(25);
    small.run(x, y);
    CHECK(y[0] == 1.0F);
    CHECK(y[1] == 2.0F);
    CHECK(y[2] == 0.0F);
    CHECK(y[5] == 3.0F);
    CHECK(y[24] == 0.0F);
    CHECK(contains(error_of([] { (void)ok::onnx_model::load(pad_model(40000)); }), "more than 2^28 floats"));
}

TEST_CASE("onnx_model: malformed protobuf wire format is named with its byte offset") {
    pb model;
    model.key(7, 2).varint(1000);  // a graph longer than the file
    const std::string e = error_of([&] { (void)ok::onnx_model::load(model.b); });
    CHECK(contains(e, "runs past its message at byte 0"));
    pb group;
    group.key(3, 3);  // start-group wire type
    CHECK(contains(error_of([&] { (void)ok::onnx_model::load(group.b); }), "wire type"));
    pb twice;
    twice.msg(7, pb{}).msg(7, pb{});
    CHECK(contains(error_of([&] { (void)ok::onnx_model::load(twice.b); }), "appears twice"));
    CHECK(contains(error_of([] { (void)ok::onnx_model::load(pb{}.u(1, 6).b); }), "no graph"));
}

TEST_CASE("onnx_model::run: wrong sizes and non-finite outputs are rejected with out untouched") {
    ok::onnx_model m = ok::onnx_model::load(model_path("tiny_gray.onnx"));
    std::vector<float> out(5, 7.0F);
    std::vector<float> small(143);
    const std::string e = error_of([&] { m.run(small, out); });
    CHECK(contains(e, "in has size 143, expected 144 (input [1, 1, 12, 12])"));
    CHECK(contains(e, "tiny_gray.onnx"));
    std::vector<float> in(144, 0.0F);
    std::vector<float> out4(4, 7.0F);
    CHECK(contains(error_of([&] { m.run(in, out4); }), "out has size 4, expected 5 (output [1, 5])"));
    CHECK(std::all_of(out4.begin(), out4.end(), [](float v) { return v == 7.0F; }));
    // y = x + 0 passes NaN and inf through (OpenCV's ReLU and max-pool would turn NaN into 0).
    ok::onnx_model add = ok::onnx_model::load(add_model(4, 16));
    std::vector<float> y(4, 7.0F);
    const std::vector<float> x_nan{1.0F, 2.0F, std::numeric_limits<float>::quiet_NaN(), 0.0F};
    CHECK(contains(error_of([&] { add.run(x_nan, y); }), "output[2] is NaN"));
    const std::vector<float> x_inf{-std::numeric_limits<float>::infinity(), 2.0F, 3.0F, 0.0F};
    CHECK(contains(error_of([&] { add.run(x_inf, y); }), "output[0] is -inf"));
    CHECK(std::all_of(y.begin(), y.end(), [](float v) { return v == 7.0F; }));
    // The model still works afterwards.
    const std::vector<float> x_ok{1.0F, 2.0F, 3.0F, 4.0F};
    add.run(x_ok, y);
    CHECK(y == x_ok);
}

TEST_CASE("onnx_model: threads default to 1 and set OpenCV's process-wide count before each run") {
    ok::onnx_model m = ok::onnx_model::load(model_path("tiny_gray.onnx"));
    CHECK(m.threads() == 1);
    const auto in = gf("tiny_gray.raw.in");
    std::vector<float> one(5), two(5);
    cv::setNumThreads(2);
    m.run(in, one);
    CHECK(cv::getNumThreads() == 1);
    m.set_threads(2);
    m.run(in, two);
    CHECK(cv::getNumThreads() == 2);
    CHECK(one == two);
    CHECK_THROWS_AS(m.set_threads(0), ok::invalid_argument);
    m.set_threads(1);
    m.run(in, two);
}

TEST_CASE("onnx_model::run allocates exactly as often as a bare cv::dnn setInput + forward") {
    const auto bytes = read_bytes(model_path("tiny_gray.onnx"));
    ok::onnx_model m = ok::onnx_model::load(bytes);
    const auto in = gf("tiny_gray.raw.in");
    std::vector<float> out(5);
    cv::dnn::Net net = cv::dnn::readNetFromONNX(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    const int dims[4] = {1, 1, 12, 12};
    const std::string name = "logits";
    auto bare = [&] {  // what a caller of OpenCV writes: a Mat header over its floats, setInput, forward
        net.setInput(cv::Mat(4, dims, CV_32F, const_cast<float*>(in.data())));
        const cv::Mat r = net.forward(name);
        out[0] = r.ptr<float>()[0];
    };
    for (int i = 0; i < 3; ++i) {  // warm up both
        bare();
        m.run(in, out);
    }
    const long long bare_allocs = ok::test_alloc::allocations_during(bare);
    const long long run_allocs = ok::test_alloc::allocations_during([&] { m.run(in, out); });
    MESSAGE("operator new calls per call: bare setInput+forward " << bare_allocs << ", onnx_model::run " << run_allocs);
    CHECK(run_allocs == bare_allocs);

    ok::onnx_classifier clf(std::move(m), ok::image_preprocess{.height = 12, .width = 12, .channels = 1});
    std::vector<std::uint8_t> px(20 * 17 * 3, 90);
    const ok::image_view frame{px, 20, 17, ok::pixel_format::rgb};
    for (int i = 0; i < 3; ++i) {
        clf.infer(frame, out);
    }
    const long long infer_allocs = ok::test_alloc::allocations_during([&] { clf.infer(frame, out); });
    MESSAGE("operator new calls per onnx_classifier::infer (resize + forward): " << infer_allocs);
    // Pre-processing adds no allocation of offloadkit's own; cv::cvtColor / cv::resize may add a few.
    CHECK(infer_allocs >= run_allocs);
}

// ==== pre-processing and the classifier ===========================================================

TEST_CASE(
    "image_preprocess: equals cv2.cvtColor + cv2.resize + float32 normalisation, classifier equals torch and cv2.dnn") {
    struct image_case {
        const char* key;
        const char* model;
    };
    for (const image_case c :
         {image_case{"img.gray_from_rgb", "tiny_gray.onnx"}, image_case{"img.gray_from_bgra_padded", "tiny_gray.onnx"},
          image_case{"img.gray_from_gray_linear", "tiny_gray.onnx"}, image_case{"img.gray_same_size", "tiny_gray.onnx"},
          image_case{"img.rgb_from_bgra_padded", "tiny_rgb.onnx"},
          image_case{"img.rgb_from_rgb_cubic", "tiny_rgb.onnx"}, image_case{"img.bgr_order_from_rgba", "tiny_rgb.onnx"},
          image_case{"img.rgb_from_gray_nearest", "tiny_rgb.onnx"}}) {
        CAPTURE(c.key);
        const golden_frame f = frame_of(c.key);
        const ok::image_preprocess pre = spec_of(c.key);
        std::vector<float> x(pre.element_count());
        pre.preprocess(f.view, x);
        CHECK(max_abs_diff(x, g(std::string(c.key) + ".pre")) <= 1e-5);
        std::vector<float> x2(pre.element_count());
        ok::preprocess(pre, f.view, x2);
        CHECK(x2 == x);
        ok::onnx_classifier clf(ok::onnx_model::load(model_path(c.model)), pre);
        std::vector<float> logits(clf.num_classes());
        const double seconds = clf.infer(f.view, logits);
        CHECK(seconds > 0.0);
        CHECK(max_abs_diff(logits, g(std::string(c.key) + ".torch")) <= 1e-4);
        CHECK(max_abs_diff(logits, g(std::string(c.key) + ".cv2")) <= 1e-4);
    }
}

TEST_CASE("onnx_classifier: a pre-processing that does not match the model's input names both shapes") {
    const std::string e = error_of([] {
        ok::onnx_classifier clf(ok::onnx_model::load(model_path("tiny_gray.onnx")),
                                ok::image_preprocess{.height = 28, .width = 28, .channels = 1});
    });
    CHECK(contains(e, "input shape [1, 1, 12, 12] does not match the pre-processing [1, 1, 28, 28]"));
    CHECK(contains(error_of([] {
                       ok::onnx_classifier clf(ok::onnx_model::load(model_path("tiny_gray.onnx")),
                                               ok::image_preprocess{.height = 12, .width = 12, .channels = 2});
                   }),
                   "channels is 2"));
    CHECK(contains(error_of([] {
                       ok::image_preprocess p{.height = 12, .width = 12, .channels = 1};
                       p.std[0] = 0.0F;
                       ok::onnx_classifier clf(ok::onnx_model::load(model_path("tiny_gray.onnx")), p);
                   }),
                   "preprocess.std[0] is 0"));
}

TEST_CASE("onnx_classifier::infer: invalid frames and logits sizes are rejected with logits untouched") {
    ok::onnx_classifier clf(ok::onnx_model::load(model_path("tiny_gray.onnx")),
                            ok::image_preprocess{.height = 12, .width = 12, .channels = 1});
    std::vector<float> logits(5, 3.0F);
    std::vector<std::uint8_t> px(10 * 10 * 3 - 1);
    const ok::image_view short_frame{px, 10, 10, ok::pixel_format::rgb};
    CHECK(contains(error_of([&] { clf.infer(short_frame, logits); }), "frame.pixels has size 299"));
    const ok::image_view empty{px, 0, 10, ok::pixel_format::rgb};
    CHECK(contains(error_of([&] { clf.infer(empty, logits); }), "frame.height is 0"));
    const ok::image_view bad_format{px, 2, 2, static_cast<ok::pixel_format>(9)};
    CHECK(contains(error_of([&] { clf.infer(bad_format, logits); }), "frame.format"));
    std::vector<float> six(6, 3.0F);
    const ok::image_view good{px, 9, 9, ok::pixel_format::rgb};
    CHECK(contains(error_of([&] { clf.infer(good, six); }), "logits has size 6, expected 5"));
    CHECK(std::all_of(logits.begin(), logits.end(), [](float v) { return v == 3.0F; }));
    CHECK(std::all_of(six.begin(), six.end(), [](float v) { return v == 3.0F; }));
}

// ==== ApproxNet branches ===========================================================================

TEST_CASE("onnx_approx_executor: branch b gives what its own classifier gives; bad branches rejected") {
    const golden_frame f = frame_of("img.gray_from_rgb");
    std::vector<ok::onnx_classifier> branches;
    branches.emplace_back(ok::onnx_model::load(model_path("tiny_gray.onnx")), spec_of("img.gray_from_rgb"));
    ok::image_preprocess linear = spec_of("img.gray_from_rgb");
    linear.interpolation = ok::interpolation::linear;
    branches.emplace_back(ok::onnx_model::load(model_path("tiny_gray.onnx")), linear);
    ok::onnx_approx_executor ex(std::move(branches));
    CHECK(ex.num_branches() == 2);
    CHECK(ex.num_classes() == 5);
    std::vector<float> b0(5), b1(5);
    ex.run(f.view, 0, b0);
    CHECK(max_abs_diff(b0, g("img.gray_from_rgb.torch")) <= 1e-4);
    ex.run(f.view, 1, b1);
    ok::onnx_classifier ref(ok::onnx_model::load(model_path("tiny_gray.onnx")), linear);
    std::vector<float> r1(5);
    ref.infer(f.view, r1);
    CHECK(b1 == r1);
    CHECK(b1 != b0);  // area and bilinear resampling differ on this frame
    std::vector<float> untouched(5, 2.0F);
    CHECK(contains(error_of([&] { ex.run(f.view, 2, untouched); }), "branch is 2, expected < 2"));
    CHECK(std::all_of(untouched.begin(), untouched.end(), [](float v) { return v == 2.0F; }));

    std::vector<ok::onnx_classifier> mixed;
    mixed.emplace_back(ok::onnx_model::load(model_path("tiny_gray.onnx")), spec_of("img.gray_from_rgb"));
    mixed.emplace_back(ok::onnx_model::load(model_path("tiny_rgb.onnx")), spec_of("img.rgb_from_bgra_padded"));
    CHECK(contains(error_of([&] { ok::onnx_approx_executor bad(std::move(mixed)); }), "branches[1]"));
    CHECK(contains(error_of([] { ok::onnx_approx_executor bad(std::vector<ok::onnx_classifier>{}); }), "empty"));
}

// ==== AMVP split model =============================================================================

TEST_CASE("split CNN: part 1 on a frame and part 2 on its features equal torch and cv2.dnn") {
    const golden_frame f = frame_of("img.part1_from_bgr");
    ok::onnx_feature_extractor fe(ok::onnx_model::load(model_path("split_part1.onnx")), spec_of("img.part1_from_bgr"));
    CHECK(fe.feature_count() == 300);
    CHECK(std::vector<std::int64_t>(fe.feature_shape().begin(), fe.feature_shape().end()) ==
          std::vector<std::int64_t>{1, 3, 10, 10});
    std::vector<float> features(fe.feature_count());
    CHECK(fe.extract(f.view, features) > 0.0);
    CHECK(max_abs_diff(features, g("img.part1_from_bgr.torch")) <= 1e-4);

    ok::onnx_feature_inference fi(ok::onnx_model::load(model_path("split_part2.onnx")), fe);
    CHECK(fi.feature_count() == 300);
    CHECK(fi.num_classes() == 4);
    const auto split_features = gf("split.features");
    std::vector<float> logits(4);
    CHECK(fi.infer(split_features, logits) > 0.0);
    CHECK(max_abs_diff(logits, g("split.torch")) <= 1e-4);
    CHECK(max_abs_diff(logits, g("split.cv2")) <= 1e-4);

    // Part 2 alone, and the features of part 1 run raw, end to end.
    ok::onnx_model p1 = ok::onnx_model::load(model_path("split_part1.onnx"));
    const auto x = gf("split.in");
    std::vector<float> f1(300);
    p1.run(x, f1);
    CHECK(max_abs_diff(f1, g("split.features")) <= 1e-4);
    ok::onnx_feature_inference alone(ok::onnx_model::load(model_path("split_part2.onnx")));
    std::vector<float> l2(4);
    alone.infer(f1, l2);
    CHECK(max_abs_diff(l2, g("split.cv2")) <= 1e-4);

    std::vector<float> untouched(4, 1.0F);
    std::vector<float> short_features(299);
    CHECK(contains(error_of([&] { alone.infer(short_features, untouched); }), "features has size 299, expected 300"));
    CHECK(std::all_of(untouched.begin(), untouched.end(), [](float v) { return v == 1.0F; }));
}

TEST_CASE("split CNN: a part 2 whose input is not part 1's output is rejected naming both shapes") {
    ok::onnx_feature_extractor fe(ok::onnx_model::load(model_path("tiny_gray.onnx")),
                                  ok::image_preprocess{.height = 12, .width = 12, .channels = 1});
    const std::string e =
        error_of([&] { ok::onnx_feature_inference fi(ok::onnx_model::load(model_path("split_part2.onnx")), fe); });
    CHECK(contains(e, "input shape [1, 3, 10, 10] does not match part 1"));
    CHECK(contains(e, "output shape [1, 5]"));
}

// ==== encoder and decoder =========================================================================

namespace {

/// A textured RGB frame (gradient + deterministic noise), rows padded by `pad` bytes.
struct test_frame {
    std::vector<std::uint8_t> px;
    ok::image_view view;
};

test_frame textured(std::size_t h, std::size_t w, ok::pixel_format fmt, std::size_t pad = 0) {
    const std::size_t ch = ok::channels_of(fmt);
    test_frame f;
    const std::size_t stride = w * ch + pad;
    f.px.assign(h * stride, 0);
    std::uint32_t state = 7;
    for (std::size_t y = 0; y < h; ++y) {
        for (std::size_t x = 0; x < w; ++x) {
            for (std::size_t c = 0; c < ch; ++c) {
                state = state * 1664525u + 1013904223u;
                const int v =
                    static_cast<int>((x * 5 + y * 3 + c * 40) % 256) + static_cast<int>((state >> 24) % 9) - 4;
                f.px[y * stride + x * ch + c] = static_cast<std::uint8_t>(std::clamp(v, 0, 255));
            }
        }
    }
    f.view = ok::image_view{f.px, h, w, fmt, stride};
    return f;
}

/// The BGR (or gray) cv::Mat an encoder should store for `v` at its own size.
cv::Mat stored_pixels(const ok::image_view& v) {
    const std::size_t ch = ok::channels_of(v.format);
    const std::size_t stride = v.row_stride == 0 ? v.width * ch : v.row_stride;
    const cv::Mat src(static_cast<int>(v.height), static_cast<int>(v.width), CV_8UC(static_cast<int>(ch)),
                      const_cast<std::uint8_t*>(v.pixels.data()), stride);
    cv::Mat out;
    switch (v.format) {
        case ok::pixel_format::rgb:
            cv::cvtColor(src, out, cv::COLOR_RGB2BGR);
            break;
        case ok::pixel_format::rgba:
            cv::cvtColor(src, out, cv::COLOR_RGBA2BGR);
            break;
        case ok::pixel_format::bgra:
            cv::cvtColor(src, out, cv::COLOR_BGRA2BGR);
            break;
        default:
            out = src.clone();
    }
    return out;
}

bool same_pixels(const ok::image_view& a, const cv::Mat& b) {
    if (a.height != static_cast<std::size_t>(b.rows) || a.width != static_cast<std::size_t>(b.cols) ||
        ok::channels_of(a.format) != static_cast<std::size_t>(b.channels())) {
        return false;
    }
    const std::size_t row = a.width * ok::channels_of(a.format);
    for (std::size_t y = 0; y < a.height; ++y) {
        if (std::memcmp(a.pixels.data() + y * row, b.ptr<std::uint8_t>(static_cast<int>(y)), row) != 0) {
            return false;
        }
    }
    return true;
}

std::vector<std::byte> copy_bytes(std::span<const std::byte> s) { return {s.begin(), s.end()}; }

}  // namespace

TEST_CASE("image_encoder: PNG is lossless: decode(encode(frame, r)) equals the frame resized with INTER_AREA") {
    for (const auto fmt : {ok::pixel_format::rgb, ok::pixel_format::bgr, ok::pixel_format::rgba, ok::pixel_format::bgra,
                           ok::pixel_format::gray}) {
        CAPTURE(static_cast<int>(fmt));
        const test_frame f = textured(48, 40, fmt, 3);
        ok::image_encoder enc({.resolutions = {{48, 40}, {24, 20}, {11, 13}, {60, 50}}});
        const cv::Mat full = stored_pixels(f.view);
        for (std::size_t r = 0; r < enc.num_resolutions(); ++r) {
            CAPTURE(r);
            const auto wire = copy_bytes(enc.encode(f.view, r, 42));
            const ok::decoded_image img = ok::decode_image(wire);
            CHECK(img.format() == (fmt == ok::pixel_format::gray ? ok::pixel_format::gray : ok::pixel_format::bgr));
            const ok::image_size s = enc.options().resolutions[r];
            cv::Mat expected = full;
            if (r != 0) {
                const bool shrink = s.height <= 48 && s.width <= 40;
                cv::resize(full, expected, cv::Size(static_cast<int>(s.width), static_cast<int>(s.height)), 0, 0,
                           shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
            }
            CHECK(same_pixels(img.view(), expected));
        }
    }
}

TEST_CASE("image_encoder::sizes equals the sizes of the real encodes, and cv2.imencode's (golden)") {
    const golden_frame f = frame_of("encoder");
    const auto& gs = g("encoder.sizes");
    std::vector<ok::image_size> res;
    for (std::size_t i = 0; i < gs.size(); i += 2) {
        res.push_back({static_cast<std::size_t>(gs[i]), static_cast<std::size_t>(gs[i + 1])});
    }
    struct fmt_case {
        const char* key;
        ok::image_format format;
        int level_or_quality;
    };
    for (const fmt_case c :
         {fmt_case{"encoder.png1", ok::image_format::png, 1}, fmt_case{"encoder.png6", ok::image_format::png, 6},
          fmt_case{"encoder.jpeg50", ok::image_format::jpeg, 50},
          fmt_case{"encoder.jpeg95", ok::image_format::jpeg, 95}}) {
        CAPTURE(c.key);
        ok::image_encoder_options o{.resolutions = res, .format = c.format};
        if (c.format == ok::image_format::png) {
            o.png_compression = c.level_or_quality;
        } else {
            o.jpeg_quality = c.level_or_quality;
        }
        ok::image_encoder enc(o);
        std::vector<double> sizes(res.size());
        enc.sizes(f.view, sizes);
        const auto& expected = g(c.key);
        for (std::size_t r = 0; r < res.size(); ++r) {
            CHECK(sizes[r] == expected[r]);
            CHECK(sizes[r] == static_cast<double>(enc.encode(f.view, r).size()));
        }
    }
}

TEST_CASE("image_encoder: JPEG quality orders size and fidelity") {
    const test_frame f = textured(64, 64, ok::pixel_format::rgb);
    const cv::Mat ref = stored_pixels(f.view);
    double prev_size = 0.0;
    double prev_err = std::numeric_limits<double>::infinity();
    for (const int q : {20, 50, 80, 95}) {
        CAPTURE(q);
        ok::image_encoder enc({.resolutions = {{64, 64}}, .format = ok::image_format::jpeg, .jpeg_quality = q});
        const auto wire = copy_bytes(enc.encode(f.view, 0));
        const ok::decoded_image img = ok::decode_image(wire);
        const cv::Mat got(64, 64, CV_8UC3, const_cast<std::uint8_t*>(img.view().pixels.data()));
        const double err = cv::norm(got, ref, cv::NORM_L2);
        CHECK(static_cast<double>(wire.size()) > prev_size);
        CHECK(err < prev_err);
        prev_size = static_cast<double>(wire.size());
        prev_err = err;
    }
}

TEST_CASE("image_encoder: a pyramid's levels are encoded exactly as given") {
    const test_frame big = textured(40, 40, ok::pixel_format::rgb);
    const test_frame mid = textured(20, 20, ok::pixel_format::bgra, 2);  // its own pixels, not a resize of big
    const test_frame small = textured(9, 9, ok::pixel_format::gray);
    const std::vector<ok::image_view> levels{small.view, mid.view, big.view};
    const ok::image_pyramid pyr{levels};
    ok::image_encoder enc({.resolutions = ok::square_sizes({9, 20, 40})});
    std::vector<double> sizes(3);
    enc.sizes(pyr, sizes);
    for (std::size_t r = 0; r < 3; ++r) {
        CAPTURE(r);
        const auto wire = copy_bytes(enc.encode(pyr, r, 7));
        CHECK(sizes[r] == static_cast<double>(wire.size()));
        // The same bytes as encoding that level as a frame of its own size.
        CHECK(copy_bytes(enc.encode(levels[r], r)) == wire);
        CHECK(same_pixels(ok::decode_image(wire).view(), stored_pixels(levels[r])));
    }
    const std::vector<ok::image_view> wrong{small.view, big.view, big.view};
    std::vector<double> untouched(3, -1.0);
    CHECK(contains(error_of([&] { enc.sizes(ok::image_pyramid{wrong}, untouched); }),
                   "frame.levels[1] is 40 x 40, expected 20 x 20"));
    CHECK(std::all_of(untouched.begin(), untouched.end(), [](double v) { return v == -1.0; }));
    const std::vector<ok::image_view> two{small.view, mid.view};
    CHECK(contains(error_of([&] { (void)enc.encode(ok::image_pyramid{two}, 0); }), "frame.levels has size 2"));
}

TEST_CASE("image_encoder: size_mode::estimate encodes one resolution and scales by ratios refreshed on schedule") {
    const test_frame a = textured(60, 60, ok::pixel_format::rgb);
    const test_frame b = textured(60, 60, ok::pixel_format::gray);
    const auto res = ok::square_sizes({15, 30, 60});
    ok::image_encoder exact({.resolutions = res});
    ok::image_encoder est({.resolutions = res,
                           .sizes = ok::size_mode::estimate,
                           .estimate_reference = 1,
                           .estimate_refresh = 3,
                           .estimate_drift = 1e9});
    std::vector<double> ea(3), eb(3), s(3);
    exact.sizes(a.view, ea);
    CHECK(exact.last_sizes_exact());
    exact.sizes(b.view, eb);
    est.sizes(a.view, s);  // call 0: full encode, ratios from frame a
    CHECK(s == ea);
    CHECK(est.last_sizes_exact());
    est.sizes(b.view, s);  // call 1: only resolution 1 encoded, ratios of frame a
    CHECK_FALSE(est.last_sizes_exact());
    CHECK(s[1] == eb[1]);
    CHECK(s[0] == doctest::Approx(eb[1] * ea[0] / ea[1]).epsilon(1e-12));
    CHECK(s[2] == doctest::Approx(eb[1] * ea[2] / ea[1]).epsilon(1e-12));
    est.sizes(b.view, s);  // call 2: still estimated
    CHECK(s[2] == doctest::Approx(eb[1] * ea[2] / ea[1]).epsilon(1e-12));
    est.sizes(b.view, s);  // call 3: refresh -> exact for b, ratios from b
    CHECK(s == eb);
    CHECK(est.last_sizes_exact());
    est.sizes(b.view, s);  // call 4: estimate with b's own ratios = exact up to rounding
    CHECK_FALSE(est.last_sizes_exact());
    for (std::size_t r = 0; r < 3; ++r) {
        CHECK(s[r] == doctest::Approx(eb[r]).epsilon(1e-12));
    }

    // A scene change: the reference size of b differs from a's by more than estimate_drift, so
    // the call after a is a refresh (exact), not an estimate from a's ratios.
    REQUIRE(std::fabs(eb[1] / ea[1] - 1.0) > 0.2);
    ok::image_encoder drift({.resolutions = res, .sizes = ok::size_mode::estimate, .estimate_reference = 1});
    drift.sizes(a.view, s);
    drift.sizes(a.view, s);
    CHECK_FALSE(drift.last_sizes_exact());
    drift.sizes(b.view, s);
    CHECK(drift.last_sizes_exact());
    CHECK(s == eb);
}

TEST_CASE("image_encoder: invalid options, frames and resolutions are rejected") {
    CHECK(contains(error_of([] { ok::image_encoder e({}); }), "resolutions is empty"));
    CHECK(contains(error_of([] {
                       ok::image_encoder e({.resolutions = {{0, 4}}});
                   }),
                   "options.resolutions[0] is 0 x 4"));
    CHECK(contains(error_of([] {
                       ok::image_encoder e({.resolutions = {{4, 4}}, .png_compression = 10});
                   }),
                   "png_compression is 10"));
    CHECK(contains(error_of([] {
                       ok::image_encoder e({.resolutions = {{4, 4}}, .jpeg_quality = -1});
                   }),
                   "jpeg_quality is -1"));
    CHECK(contains(
        error_of([] {
            ok::image_encoder e({.resolutions = {{4, 4}}, .sizes = ok::size_mode::estimate, .estimate_reference = 1});
        }),
        "estimate_reference is 1"));
    ok::image_encoder enc({.resolutions = {{4, 4}, {8, 8}}});
    const test_frame f = textured(8, 8, ok::pixel_format::rgb);
    CHECK(contains(error_of([&] { (void)enc.encode(f.view, 2); }), "resolution is 2, expected < 2"));
    std::vector<double> three(3, -1.0);
    CHECK(contains(error_of([&] { enc.sizes(f.view, three); }), "bytes has size 3, expected 2"));
    const ok::image_view bad{f.px, 9, 8, ok::pixel_format::rgb};
    std::vector<double> two(2, -1.0);
    CHECK(contains(error_of([&] { enc.sizes(bad, two); }), "frame.pixels has size 192"));
    CHECK(std::all_of(two.begin(), two.end(), [](double v) { return v == -1.0; }));
}

TEST_CASE("decode_image: truncated, corrupt, foreign and oversized bytes are invalid_argument") {
    const test_frame f = textured(30, 30, ok::pixel_format::rgb);
    ok::image_encoder png({.resolutions = {{30, 30}}});
    ok::image_encoder jpg({.resolutions = {{30, 30}}, .format = ok::image_format::jpeg});
    const auto p = copy_bytes(png.encode(f.view, 0));
    const auto j = copy_bytes(jpg.encode(f.view, 0));
    CHECK(ok::decode_image(p).height() == 30);
    CHECK(ok::decode_image(j).width() == 30);
    for (const auto* bytes : {&p, &j}) {
        for (std::size_t n = 0; n < bytes->size(); n += 13) {  // every truncation
            CAPTURE(n);
            CHECK_THROWS_AS((void)ok::decode_image(std::span<const std::byte>(bytes->data(), n)), ok::invalid_argument);
        }
    }
    // A flipped bit inside PNG data fails libpng's CRC check.
    auto corrupt = p;
    corrupt[p.size() / 2] ^= std::byte{0x10};
    CHECK_THROWS_AS((void)ok::decode_image(corrupt), ok::invalid_argument);
    const std::string bmp = "BM this is not a PNG";
    CHECK(contains(error_of([&] { (void)ok::decode_image(std::as_bytes(std::span<const char>(bmp))); }),
                   "neither PNG nor JPEG"));
    CHECK(contains(error_of([&] { (void)ok::decode_image(p, 899); }), "more than max_pixels = 899"));
    CHECK(ok::decode_image(p, 900).width() == 30);
    CHECK(ok::decoded_image{}.view().pixels.empty());
}
