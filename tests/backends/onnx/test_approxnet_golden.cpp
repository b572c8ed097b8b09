// The ApproxNet branches (examples/models/approxnet, ApproxNet §4.1) run through the ONNX
// backend's approximation executor, against tests/data/models/approxnet_golden.txt: the logits
// torch and OpenCV Python's cv2.dnn computed for 8 Fashion-MNIST test frames, written by
// `/usr/bin/python3 tests/data/models/make_nets_golden.py` (the file's format is in that script's
// docstring). Each branch's input is the 28x28 frame resized with INTER_AREA and scaled by 1/255,
// which is what image_preprocess{interpolation::area} does.
#include <offloadkit/backends/onnx.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace ok = offloadkit;

namespace {

struct golden_model {
    std::string id;
    std::string path;
    std::size_t c = 0, h = 0, w = 0, k = 0;
};

struct approxnet_golden {
    std::vector<std::vector<std::uint8_t>> frames;  // 28x28 gray
    std::vector<golden_model> models;
    std::map<std::pair<std::string, std::size_t>, std::vector<float>> torch, cv2;
};

approxnet_golden read_golden() {
    std::ifstream in(std::string(OFFLOADKIT_TEST_DATA_DIR) + "/models/approxnet_golden.txt");
    REQUIRE(in.good());
    approxnet_golden g;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        std::istringstream s(line);
        std::string kind;
        s >> kind;
        if (kind == "frame") {
            std::size_t k = 0, index = 0, label = 0;
            s >> k >> index >> label;
            std::vector<std::uint8_t> px;
            int v = 0;
            while (s >> v) {
                px.push_back(static_cast<std::uint8_t>(v));
            }
            REQUIRE(px.size() == 28u * 28u);
            REQUIRE(k == g.frames.size());
            g.frames.push_back(std::move(px));
        } else if (kind == "model") {
            golden_model m;
            std::string word;
            std::size_t n = 0, on = 0;
            s >> m.id >> m.path >> word >> n >> m.c >> m.h >> m.w >> word >> on >> m.k;
            REQUIRE(word == "output");
            g.models.push_back(m);
        } else if (kind == "torch" || kind == "cv2") {
            std::string id;
            std::size_t k = 0;
            s >> id >> k;
            std::vector<float> v;
            float x = 0.0F;
            while (s >> x) {
                v.push_back(x);
            }
            (kind == "torch" ? g.torch : g.cv2)[{id, k}] = std::move(v);
        }
    }
    return g;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    REQUIRE(a.size() == b.size());
    double d = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        d = std::max(d, std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
    }
    return d;
}

}  // namespace

TEST_CASE("approxnet branches through onnx_approx_executor equal torch and cv2.dnn (golden, 1e-4)") {
    const approxnet_golden g = read_golden();
    REQUIRE(g.frames.size() == 8);
    REQUIRE(g.models.size() >= 4);
    std::vector<ok::onnx_classifier> branches;
    for (const auto& m : g.models) {
        ok::image_preprocess pre;
        pre.height = m.h;
        pre.width = m.w;
        pre.channels = m.c;
        pre.interpolation = ok::interpolation::area;
        branches.emplace_back(ok::onnx_model::load(std::string(OFFLOADKIT_SOURCE_DIR) + "/" + m.path), pre);
    }
    ok::onnx_approx_executor ex(std::move(branches));
    REQUIRE(ex.num_branches() == g.models.size());
    REQUIRE(ex.num_classes() == 10);
    std::vector<float> logits(10);
    for (std::size_t b = 0; b < g.models.size(); ++b) {
        for (std::size_t k = 0; k < g.frames.size(); ++k) {
            CAPTURE(g.models[b].id);
            CAPTURE(k);
            const ok::image_view frame{g.frames[k], 28, 28, ok::pixel_format::gray};
            const double seconds = ex.run(frame, b, logits);
            CHECK(seconds >= 0.0);
            REQUIRE(g.torch.count({g.models[b].id, k}) == 1);
            REQUIRE(g.cv2.count({g.models[b].id, k}) == 1);
            CHECK(max_abs_diff(logits, g.torch.at({g.models[b].id, k})) <= 1e-4);
            CHECK(max_abs_diff(logits, g.cv2.at({g.models[b].id, k})) <= 1e-4);
        }
    }
}
