// The consumer program of the onnx component: runs the "Backends" call forms of
// ../shared/API.md on the tiny committed models (tests/data/onnx/) and checks each result:
// the raw model against cv2.dnn's golden output, the classifier against the same model run raw
// on the pre-processed frame, and a PNG round trip. Exits non-zero on any mismatch.
#include <offloadkit/backends/onnx.hpp>
#include <offloadkit/offloadkit.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace ok = offloadkit;

namespace {

int failures = 0;

void expect(bool ok_, const char* what) {
    if (!ok_) {
        std::printf("API.md backend form failed: %s\n", what);
        ++failures;
    }
}

std::vector<float> golden(const std::string& key) {
    std::ifstream in(std::string(OFFLOADKIT_ONNX_DATA) + "/golden.txt");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string k;
        std::size_t n = 0;
        ls >> k >> n;
        if (k == key) {
            std::vector<float> v(n);
            for (auto& x : v) {
                ls >> x;
            }
            return v;
        }
    }
    return {};
}

}  // namespace

int main() {
    try {
        const std::string model = std::string(OFFLOADKIT_ONNX_DATA) + "/tiny_gray.onnx";
        ok::onnx_model m = ok::onnx_model::load(model);
        std::size_t n_in = m.input_size(), n_out = m.output_size();
        expect(n_in == 144 && n_out == 5, "input_size / output_size");
        const std::vector<float> in = golden("tiny_gray.raw.in");
        const std::vector<float> want = golden("tiny_gray.raw.cv2");
        std::vector<float> out(n_out);
        double s = m.run(std::span<const float>(in), std::span<float>(out));
        expect(s > 0.0, "run returns seconds");
        for (std::size_t i = 0; i < n_out && want.size() == n_out; ++i) {
            expect(std::fabs(out[i] - want[i]) <= 1e-4F, "run equals cv2.dnn");
        }
        expect(want.size() == n_out, "golden vectors found");
        try {
            std::vector<float> small(3);
            m.run(small, out);
            expect(false, "wrong input size rejected");
        } catch (const ok::invalid_argument&) {
        }

        // A gray 12 x 12 frame needs neither colour conversion nor resizing: the classifier must
        // give what the raw model gives on (p / 255 - 0.5) / 0.25.
        std::vector<std::uint8_t> px(144);
        std::vector<float> x(144);
        for (std::size_t i = 0; i < 144; ++i) {
            px[i] = static_cast<std::uint8_t>((i * 37) % 256);
            x[i] = (static_cast<float>(px[i]) * (1.0F / 255.0F) - 0.5F) / 0.25F;
        }
        std::vector<float> raw(n_out);
        m.run(x, raw);
        ok::onnx_classifier npu(
            std::move(m),
            ok::image_preprocess{
                .height = 12, .width = 12, .channels = 1, .mean = {0.5F, 0.0F, 0.0F}, .std = {0.25F, 1.0F, 1.0F}});
        static_assert(ok::local_executor<ok::onnx_classifier, ok::image_view>);
        const ok::image_view frame{px, 12, 12, ok::pixel_format::gray};
        std::vector<float> logits(npu.num_classes());
        double t = npu.infer(frame /* ok::image_view */, logits);
        expect(t > 0.0, "infer returns seconds");
        for (std::size_t i = 0; i < n_out; ++i) {
            expect(std::fabs(logits[i] - raw[i]) <= 1e-5F, "classifier equals the raw model on its pre-processing");
        }

        ok::image_encoder enc({.resolutions = ok::square_sizes({6, 12})});
        std::vector<double> sizes(2);
        enc.sizes(frame, sizes);
        const auto wire = enc.encode(frame, 1, 0);
        expect(sizes[1] == static_cast<double>(wire.size()), "sizes equals the encoded size");
        const std::vector<std::byte> copy(wire.begin(), wire.end());
        const ok::decoded_image img = ok::decode_image(copy);
        expect(img.view().format == ok::pixel_format::gray &&
                   std::equal(px.begin(), px.end(), img.view().pixels.begin(), img.view().pixels.end()),
               "PNG round trip is lossless");
        try {
            (void)ok::onnx_model::load(std::string(OFFLOADKIT_ONNX_DATA) + "/two_inputs.onnx");
            expect(false, "a model with two inputs is rejected");
        } catch (const ok::invalid_argument&) {
        }
    } catch (const std::exception& e) {
        std::printf("unexpected exception: %s\n", e.what());
        return 1;
    }
    if (failures != 0) {
        return 1;
    }
    std::printf("offloadkit %d.%d.%d onnx consumer ok\n", OFFLOADKIT_VERSION_MAJOR, OFFLOADKIT_VERSION_MINOR,
                OFFLOADKIT_VERSION_PATCH);
    return 0;
}
