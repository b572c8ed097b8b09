// The AMVP split CNNs of examples/models/amvp run through the onnx backend (AMVP §IV-B, Fig. 6):
// one shared part 1 (onnx_feature_extractor) feeding two part 2s (onnx_feature_inference) and one
// unsplit model, on the 8 Fashion-MNIST frames of tests/data/models/amvp_golden.txt, against the
// outputs torch and cv2.dnn (Python) gave for the same chain (written by
// `/usr/bin/python3 tests/data/models/make_nets_golden.py`; format in that script's docstring).
#include <offloadkit/backends/onnx.hpp>
#include <offloadkit/backends/onnx/amvp_parts.hpp>
#include <offloadkit/multitask/part_host.hpp>
#include <offloadkit/kernels/quantize.hpp>
#include <offloadkit/metrics/compression.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace ok = offloadkit;

namespace {

struct golden_file {
    std::map<int, std::vector<std::uint8_t>> frames;           // k -> 28x28 pixels
    std::map<int, int> labels;                                 // k -> label
    std::map<std::string, std::string> paths;                  // model id -> ONNX path (repo-relative)
    std::map<std::string, std::string> part1_of;               // part 2 id -> part 1 id
    std::map<std::string, std::map<int, std::vector<float>>> torch, cv2;  // id -> k -> output
};

const golden_file& golden() {
    static const golden_file g = [] {
        golden_file f;
        std::ifstream in(std::string(OFFLOADKIT_TEST_DATA_DIR) + "/models/amvp_golden.txt");
        REQUIRE(in.good());
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '#') {
                continue;
            }
            std::istringstream ls(line);
            std::string kind;
            ls >> kind;
            if (kind == "frame") {
                int k = 0, index = 0, label = 0;
                ls >> k >> index >> label;
                std::vector<std::uint8_t> px;
                int v = 0;
                while (ls >> v) {
                    px.push_back(static_cast<std::uint8_t>(v));
                }
                REQUIRE(px.size() == 784);
                f.frames[k] = px;
                f.labels[k] = label;
            } else if (kind == "model") {
                std::string id, path;
                ls >> id >> path;
                f.paths[id] = path;
            } else if (kind == "chain") {
                std::string p1, p2;
                ls >> p1 >> p2;
                f.part1_of[p2] = p1;
            } else if (kind == "torch" || kind == "cv2") {
                std::string id;
                int k = 0;
                ls >> id >> k;
                std::vector<float> v;
                float x = 0.0F;
                while (ls >> x) {
                    v.push_back(x);
                }
                (kind == "torch" ? f.torch : f.cv2)[id][k] = v;
            }
        }
        return f;
    }();
    return g;
}

ok::onnx_model load(const std::string& id) {
    return ok::onnx_model::load(std::string(OFFLOADKIT_SOURCE_DIR) + "/" + golden().paths.at(id));
}

/// The pre-processing of the golden script for 28x28 frames: pixel / 255, one gray channel.
ok::image_preprocess gray28() {
    ok::image_preprocess p;
    p.height = 28;
    p.width = 28;
    p.channels = 1;
    return p;
}

ok::image_view frame(int k) {
    const auto& px = golden().frames.at(k);
    return {px, 28, 28, ok::pixel_format::gray, 0};
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    REQUIRE(a.size() == b.size());
    double d = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        d = std::max(d, static_cast<double>(std::fabs(a[i] - b[i])));
    }
    return d;
}

std::size_t argmax(const std::vector<float>& v) {
    return static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

}  // namespace

TEST_CASE("AMVP split CNNs: shared part 1 -> two part 2s and an unsplit model equal torch and cv2.dnn (1e-4)") {
    const auto& g = golden();
    REQUIRE(g.frames.size() == 8);
    REQUIRE(g.part1_of.size() == 2);
    const std::string p1 = g.part1_of.begin()->second;
    ok::onnx_feature_extractor fe(load(p1), gray28());
    std::vector<float> features(fe.feature_count());
    for (const auto& entry : g.part1_of) {
        // No structured binding: clang 14 cannot capture one in CAPTURE's lambda.
        const std::string& p2 = entry.first;
        const std::string& first = entry.second;
        CAPTURE(p2);
        CHECK(first == p1);  // one part 1 shared by both part 2s
        ok::onnx_feature_inference fi(load(p2), fe);
        std::vector<float> logits(fi.num_classes());
        for (int k = 0; k < 8; ++k) {
            CAPTURE(k);
            CHECK(fe.extract(frame(k), features) >= 0.0);
            CHECK(max_abs_diff(features, g.torch.at(p1).at(k)) <= 1e-4);
            CHECK(fi.infer(features, logits) >= 0.0);
            CHECK(max_abs_diff(logits, g.torch.at(p2).at(k)) <= 1e-4);
            CHECK(max_abs_diff(logits, g.cv2.at(p2).at(k)) <= 1e-4);
        }
    }
    const std::string full = "tone3/f0/full";
    ok::onnx_classifier whole(load(full), gray28());
    std::vector<float> logits(whole.num_classes());
    for (int k = 0; k < 8; ++k) {
        CAPTURE(k);
        CHECK(whole.infer(frame(k), logits) >= 0.0);
        CHECK(max_abs_diff(logits, g.torch.at(full).at(k)) <= 1e-4);
        CHECK(max_abs_diff(logits, g.cv2.at(full).at(k)) <= 1e-4);
    }
}

TEST_CASE("AMVP split CNNs: features quantized at 8 bits on the wire keep every class (fidelity, eq. 4)") {
    // the chain as offloadkit-amvp-run executes it across devices: part 1, quantize_to_wire,
    // quantized_tensor::deserialize + dequantize, part 2; the classes must equal those of the
    // unquantized chain on these 8 frames (AMVP §V-B.3 reports fidelity ~1 at 8 bits)
    const auto& g = golden();
    const std::string p1 = g.part1_of.begin()->second;
    ok::onnx_feature_extractor fe(load(p1), gray28());
    std::vector<float> features(fe.feature_count());
    std::vector<float> restored(fe.feature_count());
    std::vector<std::byte> wire(ok::quantized_wire_size(features.size(), 8));
    for (const auto& entry : g.part1_of) {
        // No structured binding: clang 14 cannot capture one in CAPTURE's lambda.
        const std::string& p2 = entry.first;
        CAPTURE(p2);
        ok::onnx_feature_inference fi(load(p2), fe);
        std::vector<float> raw(fi.num_classes());
        std::vector<float> quant(fi.num_classes());
        std::vector<std::size_t> a, b;
        for (int k = 0; k < 8; ++k) {
            (void)fe.extract(frame(k), features);
            (void)fi.infer(features, raw);
            const std::size_t n = ok::quantize_to_wire(features, 8, wire);
            REQUIRE(n == wire.size());
            const auto qt = ok::quantized_tensor::deserialize(wire);
            ok::dequantize(qt, restored);
            (void)fi.infer(restored, quant);
            a.push_back(argmax(raw));
            b.push_back(argmax(quant));
            CHECK(argmax(raw) == argmax(g.torch.at(p2).at(k)));
        }
        CHECK(ok::fidelity(a, b) == 1.0);
    }
}

TEST_CASE("amvp_onnx_part_loader + amvp_encode_split: the hosted parts give torch's features and labels") {
    // what a worker of offloadkit-amvp-run hosts (backends/onnx/amvp_parts.hpp): part 1 through
    // extract(frame bytes), the split message of multitask/part_host.hpp, part 2 through receive()
    const auto& g = golden();
    const std::string p1 = g.part1_of.begin()->second;
    const auto path = [&](const std::string& id) { return std::string(OFFLOADKIT_SOURCE_DIR) + "/" + g.paths.at(id); };
    const auto loader = ok::amvp_onnx_part_loader(gray28(), {28, 28, ok::pixel_format::gray});
    ok::amvp_part_spec first;
    first.kind = ok::amvp_part_kind::first;
    first.model = path(p1);
    const ok::amvp_hosted_part fe = loader(first);
    REQUIRE(fe.outputs == g.torch.at(p1).at(0).size());
    std::vector<float> features(fe.outputs);
    std::vector<std::byte> wire;
    for (const auto& entry : g.part1_of) {
        const std::string& p2 = entry.first;
        CAPTURE(p2);
        ok::amvp_part_spec second;
        second.kind = ok::amvp_part_kind::second;
        second.model = path(p2);
        second.part1_model = path(p1);
        const ok::amvp_hosted_part fi = loader(second);
        for (int k = 0; k < 8; ++k) {
            CAPTURE(k);
            fe.extract(g.frames.at(k), features);
            CHECK(max_abs_diff(features, g.torch.at(p1).at(k)) <= 1e-4);
            for (const bool quantized : {false, true}) {
                CAPTURE(quantized);
                const auto id = static_cast<std::uint64_t>(100 + k);
                const std::size_t n = ok::amvp_encode_split(features, quantized, 8, id, wire);
                CHECK(n == wire.size());
                // raw: 4 bytes per feature; 8-bit codes: 1 byte per feature (+ the range): 4x fewer
                CHECK(n >= features.size() * (quantized ? 1 : 4));
                CHECK(n <= features.size() * (quantized ? 1 : 4) + 64);
                const ok::split_answer a = fi.receive(wire);
                CHECK(a.id == id);
                CHECK(a.compressed == quantized);
                // 8-bit features keep every class on these frames (the fidelity case above)
                CHECK(a.label == argmax(g.torch.at(p2).at(k)));
            }
        }
    }
    ok::amvp_part_spec missing = first;
    missing.model = path(p1) + ".missing";
    CHECK_THROWS_AS((void)loader(missing), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::amvp_onnx_part_loader(gray28(), {0, 28, ok::pixel_format::gray}), ok::invalid_argument);
}
