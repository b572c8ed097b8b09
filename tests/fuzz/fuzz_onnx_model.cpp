// offloadkit-backend: onnx
// Fuzz target: arbitrary bytes as an ONNX model, loaded from memory (ok::onnx_model::load,
// backends/onnx.hpp). The bytes reach OpenCV's ONNX importer only after the structural check of
// backends/detail/onnx_proto.hpp; OpenCV 4.6 itself reads past short tensor payloads
// (opencv/opencv#29314), so this target also guards that check.
//  - load either throws offloadkit::invalid_argument or returns a model whose shapes are
//    consistent: input_size() / output_size() are the products of input_shape() / output_shape(),
//    both in [1, 2^26];
//  - a loaded model runs on zeros and on a ramp: each run either writes output_size() finite
//    floats or throws offloadkit::invalid_argument and leaves `out` untouched; the same input
//    twice gives the same bits;
//  - wrong input / output sizes are rejected with `out` untouched.
// Every other exception (cv::Exception, std::bad_alloc, ...) escapes and aborts: the backend
// promises to translate them all.
#include <offloadkit/backends/onnx.hpp>

#include <opencv2/core/utils/logger.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "fuzz_support.hpp"

namespace ok = offloadkit;

namespace {

std::size_t product(std::span<const std::int64_t> s) {
    std::size_t p = 1;
    for (const auto d : s) {
        FUZZ_CHECK(d >= 1);
        p *= static_cast<std::size_t>(d);
    }
    return p;
}

constexpr float sentinel = 12345.0F;

bool untouched(const std::vector<float>& v) {
    return std::all_of(v.begin(), v.end(), [](float x) { return x == sentinel; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // OpenCV logs every import error on stderr; thousands per second would drown the fuzzer's log.
    static const bool quiet = [] {
        cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
        return true;
    }();
    (void)quiet;
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    std::optional<ok::onnx_model> model;
    try {
        model.emplace(ok::onnx_model::load(bytes));
    } catch (const ok::invalid_argument&) {
        return 0;
    }
    ok::onnx_model& m = *model;
    FUZZ_CHECK(m.input_size() == product(m.input_shape()));
    FUZZ_CHECK(m.output_size() == product(m.output_shape()));
    FUZZ_CHECK(m.input_size() >= 1 && m.input_size() <= ok::onnx_model::max_tensor_elements);
    FUZZ_CHECK(m.output_size() >= 1 && m.output_size() <= ok::onnx_model::max_tensor_elements);
    if (m.input_size() > (std::size_t{1} << 16) || m.output_size() > (std::size_t{1} << 16)) {
        return 0;  // keep every input fast; load already ran this model once on zeros
    }
    std::vector<float> in(m.input_size(), 0.0F);
    for (int pass = 0; pass < 2; ++pass) {
        if (pass == 1) {
            for (std::size_t i = 0; i < in.size(); ++i) {
                in[i] = static_cast<float>(i % 17) / 8.0F - 1.0F;
            }
        }
        std::vector<float> out(m.output_size(), sentinel);
        bool ok_run = true;
        try {
            m.run(in, out);
        } catch (const ok::invalid_argument&) {
            ok_run = false;
            FUZZ_CHECK(untouched(out));
        }
        if (ok_run) {
            FUZZ_CHECK(std::all_of(out.begin(), out.end(), [](float x) { return std::isfinite(x); }));
            std::vector<float> again(m.output_size(), sentinel);
            m.run(in, again);
            FUZZ_CHECK(std::equal(out.begin(), out.end(), again.begin(), again.end(), [](float a, float b) {
                return std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b);
            }));
        }
    }
    std::vector<float> out(m.output_size(), sentinel);
    std::vector<float> short_in(m.input_size() - 1);
    bool threw = false;
    try {
        m.run(short_in, out);
    } catch (const ok::invalid_argument&) {
        threw = true;
    }
    FUZZ_CHECK(threw && untouched(out));
    std::vector<float> long_out(m.output_size() + 1, sentinel);
    threw = false;
    try {
        m.run(in, long_out);
    } catch (const ok::invalid_argument&) {
        threw = true;
    }
    FUZZ_CHECK(threw && untouched(long_out));
    return 0;
}
