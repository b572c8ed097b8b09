// offloadkit-backend: onnx
// Benchmarks of include/offloadkit/backends/onnx.hpp, each beside its baseline in the same run.
//
//  - BM_run_vs_bare/<model>: onnx_model::run against what a caller of OpenCV writes by hand
//    (cv::Mat header over the input, setInput, forward, copy out), interleaved call by call on
//    the same network weights and input, so that load changes hit both alike. Counters (thread
//    CPU time, per call): bare_us, ok_us, overhead_us and ratio = ok / bare. Goal: overhead <= 2%
//    + 5 us.
//  - BM_infer_vs_bare/<case>: onnx_classifier::infer against bare cv::cvtColor + cv::resize +
//    the normalisation loop + setInput + forward, interleaved likewise.
//  - BM_encoder_sizes/<format>: image_encoder::sizes on a 224 x 224 frame at 45, 90, 134, 179 and
//    224 px (CBO §V-A), exact (5 encodes) and estimate (1 encode at 45 px), beside a bare loop
//    of cv::resize + cv::imencode. BM_encode/<format>/<r>: one encode() per resolution.
//  - BM_size_estimate_error/<video>/<reference>/<refresh>/<drift>: size_mode::estimate against
//    exact sizes on every frame of a real video (OpenCV's sample videos, resized to 224 x 224 as
//    CBO's frames), PNG level 1, one pass: counters mean_err_<R> (mean |estimate - exact| / exact
//    at R px, over the frames that were estimated), p95_err and max_err (all estimated sizes),
//    refreshes, and cost (estimate / exact encoder time). Skipped when the videos are not
//    installed (Debian package opencv-doc).
//
// Models: tests/data/onnx/tiny_gray.onnx (12 x 12, a few microseconds per call: shows the fixed
// overhead) and a 3-conv CNN on 3 x 224 x 224 built by tests/support/onnx_builder.hpp (~69 MFLOP).
// Threads: 1 (the backend's default).
#include <offloadkit/backends/onnx.hpp>

#include <benchmark/benchmark.h>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "support/onnx_builder.hpp"

namespace ok = offloadkit;

namespace {

const std::string data_dir = std::string(OFFLOADKIT_SOURCE_DIR) + "/tests/data/onnx/";
const std::string video_dir = "/usr/share/doc/opencv-doc/examples/data/";

std::vector<std::byte> file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> c((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> b(c.size());
    std::memcpy(b.data(), c.data(), c.size());
    return b;
}

std::vector<std::byte> model_bytes(std::int64_t which) {
    return which == 0 ? file_bytes(data_dir + "tiny_gray.onnx") : ok::test_onnx::cnn(224);
}

/// CPU time of the calling thread in microseconds: with one OpenCV thread every call runs on it,
/// and other processes on this shared machine do not inflate it as they inflate wall time.
double thread_cpu_us() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) * 1e-3;
}

/// Times `bare` and `ours` alternately, once each per iteration, in thread CPU time, and
/// reports both per call, their difference and their ratio. `sink` is what `ours` writes.
template <class Bare, class Ours>
void time_pair(benchmark::State& state, Bare&& bare, Ours&& ours, const void* sink) {
    double bare_total = 0.0;
    double ok_total = 0.0;
    std::int64_t calls = 0;
    for (auto _ : state) {
        const double t0 = thread_cpu_us();
        bare();
        const double t1 = thread_cpu_us();
        ours();
        const double t2 = thread_cpu_us();
        bare_total += t1 - t0;
        ok_total += t2 - t1;
        ++calls;
        benchmark::DoNotOptimize(sink);
    }
    const double n = static_cast<double>(calls);
    state.counters["bare_us"] = bare_total / n;
    state.counters["ok_us"] = ok_total / n;
    state.counters["overhead_us"] = (ok_total - bare_total) / n;
    state.counters["ratio"] = ok_total / bare_total;
}

/// Arg 0: tiny_gray (12 x 12), 1: CNN 224.
void BM_run_vs_bare(benchmark::State& state) {
    const auto bytes = model_bytes(state.range(0));
    ok::onnx_model m = ok::onnx_model::load(bytes);
    cv::dnn::Net net = cv::dnn::readNetFromONNX(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    std::vector<float> in = ok::test_onnx::weights(m.input_size(), 5u, 1.0F);
    std::vector<float> out(m.output_size()), bare_out(m.output_size());
    std::vector<int> dims(m.input_shape().begin(), m.input_shape().end());
    const std::string name = m.output_name();
    cv::setNumThreads(1);
    auto bare = [&] {
        net.setInput(cv::Mat(static_cast<int>(dims.size()), dims.data(), CV_32F, in.data()));
        const cv::Mat r = net.forward(name);
        std::memcpy(bare_out.data(), r.ptr<float>(), bare_out.size() * sizeof(float));
    };
    bare();
    m.run(in, out);
    time_pair(state, bare, [&] { m.run(in, out); }, out.data());
    if (out != bare_out) {
        state.SkipWithError("onnx_model::run and the bare forward disagree");
    }
}

/// Arg 0: tiny_gray on a 20 x 17 RGB frame (gray conversion + INTER_AREA resize to 12 x 12);
/// arg 1: CNN 224 on a 224 x 224 RGB frame (no conversion, no resize: normalisation only).
void BM_infer_vs_bare(benchmark::State& state) {
    const bool big = state.range(0) == 1;
    const auto bytes = model_bytes(state.range(0));
    const ok::image_preprocess pre =
        big ? ok::image_preprocess{.height = 224,
                                   .width = 224,
                                   .channels = 3,
                                   .mean = {0.485F, 0.456F, 0.406F},
                                   .std = {0.229F, 0.224F, 0.225F}}
            : ok::image_preprocess{
                  .height = 12, .width = 12, .channels = 1, .mean = {0.5F, 0.0F, 0.0F}, .std = {0.25F, 1.0F, 1.0F}};
    ok::onnx_classifier clf(ok::onnx_model::load(bytes), pre);
    const std::size_t fh = big ? 224 : 20;
    const std::size_t fw = big ? 224 : 17;
    std::vector<std::uint8_t> px(fh * fw * 3);
    for (std::size_t i = 0; i < px.size(); ++i) {
        px[i] = static_cast<std::uint8_t>((i * 7 + i / 97) % 256);
    }
    const ok::image_view frame{px, fh, fw, ok::pixel_format::rgb};

    cv::dnn::Net net = cv::dnn::readNetFromONNX(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    const int dims[4] = {1, static_cast<int>(pre.channels), static_cast<int>(pre.height), static_cast<int>(pre.width)};
    cv::Mat gray;
    cv::Mat resized;
    std::vector<float> blob(pre.element_count());
    std::vector<float> logits(clf.num_classes()), bare_logits(clf.num_classes());
    const std::string name = clf.model().output_name();
    auto bare = [&] {
        const cv::Mat src(static_cast<int>(fh), static_cast<int>(fw), CV_8UC3, px.data());
        const cv::Mat* cur = &src;
        if (!big) {
            cv::cvtColor(src, gray, cv::COLOR_RGB2GRAY);
            cv::resize(gray, resized, cv::Size(12, 12), 0, 0, cv::INTER_AREA);
            cur = &resized;
        }
        const std::size_t ch = pre.channels;
        const std::size_t plane = pre.height * pre.width;
        for (std::size_t c = 0; c < ch; ++c) {
            for (std::size_t y = 0; y < pre.height; ++y) {
                const std::uint8_t* row = cur->ptr<std::uint8_t>(static_cast<int>(y)) + c;
                for (std::size_t x = 0; x < pre.width; ++x) {
                    blob[c * plane + y * pre.width + x] =
                        (static_cast<float>(row[x * ch]) * pre.scale - pre.mean[c]) / pre.std[c];
                }
            }
        }
        net.setInput(cv::Mat(4, dims, CV_32F, blob.data()));
        const cv::Mat r = net.forward(name);
        std::memcpy(bare_logits.data(), r.ptr<float>(), bare_logits.size() * sizeof(float));
    };
    cv::setNumThreads(1);
    bare();
    clf.infer(frame, logits);
    time_pair(state, bare, [&] { clf.infer(frame, logits); }, logits.data());
    if (logits != bare_logits) {
        state.SkipWithError("onnx_classifier::infer and the bare pipeline disagree");
    }
}

/// The 224 x 224 frame of the encoder benchmarks: frame 100 of vtest.avi (a street scene)
/// resized with INTER_AREA, as RGB; a textured synthetic frame when the video is missing.
std::vector<std::uint8_t> frame224() {
    std::vector<std::uint8_t> px(224 * 224 * 3);
    cv::VideoCapture cap(video_dir + "vtest.avi");
    cv::Mat f;
    for (int i = 0; i <= 100 && cap.isOpened(); ++i) {
        cap.read(f);
    }
    if (!f.empty()) {
        cv::Mat small;
        cv::Mat rgb;
        cv::resize(f, small, cv::Size(224, 224), 0, 0, cv::INTER_AREA);
        cv::cvtColor(small, rgb, cv::COLOR_BGR2RGB);
        std::memcpy(px.data(), rgb.ptr<std::uint8_t>(), px.size());
    } else {
        for (std::size_t i = 0; i < px.size(); ++i) {
            px[i] = static_cast<std::uint8_t>((i % 672) / 3 + (i * 2654435761u >> 28));
        }
    }
    return px;
}

const std::vector<ok::image_size> cbo_resolutions = ok::square_sizes({45, 90, 134, 179, 224});

ok::image_encoder_options encoder_options(std::int64_t format) {
    ok::image_encoder_options o{.resolutions = cbo_resolutions};
    if (format == 1) {
        o.png_compression = 6;
    } else if (format == 2) {
        o.format = ok::image_format::jpeg;
        o.jpeg_quality = 95;
    }
    return o;
}

/// Arg 0: format (0 PNG level 1 = default, 1 PNG level 6, 2 JPEG quality 95); arg 1: 0 exact,
/// 1 estimate (reference 45 px, refreshed every 30 frames), 2 the bare OpenCV loop.
void BM_encoder_sizes(benchmark::State& state) {
    const auto px = frame224();
    const ok::image_view frame{px, 224, 224, ok::pixel_format::rgb};
    ok::image_encoder_options o = encoder_options(state.range(0));
    if (state.range(1) == 1) {
        o.sizes = ok::size_mode::estimate;
    }
    ok::image_encoder enc(o);
    std::vector<double> sizes(5);
    const bool png = o.format == ok::image_format::png;
    const std::vector<int> params = png ? std::vector<int>{cv::IMWRITE_PNG_COMPRESSION, o.png_compression,
                                                           cv::IMWRITE_PNG_STRATEGY, cv::IMWRITE_PNG_STRATEGY_DEFAULT}
                                        : std::vector<int>{cv::IMWRITE_JPEG_QUALITY, o.jpeg_quality};
    cv::Mat resized;
    cv::Mat bgr;
    std::vector<std::uint8_t> buf;
    for (auto _ : state) {
        if (state.range(1) == 2) {
            const cv::Mat src(224, 224, CV_8UC3, const_cast<std::uint8_t*>(px.data()));
            for (std::size_t r = 0; r < 5; ++r) {
                const int side = static_cast<int>(cbo_resolutions[r].width);
                const cv::Mat* cur = &src;
                if (side != 224) {
                    cv::resize(src, resized, cv::Size(side, side), 0, 0, cv::INTER_AREA);
                    cur = &resized;
                }
                cv::cvtColor(*cur, bgr, cv::COLOR_RGB2BGR);
                cv::imencode(png ? ".png" : ".jpg", bgr, buf, params);
                sizes[r] = static_cast<double>(buf.size());
            }
        } else {
            enc.sizes(frame, sizes);
        }
        benchmark::DoNotOptimize(sizes.data());
    }
    for (std::size_t r = 0; r < 5; ++r) {
        state.counters["bytes_" + std::to_string(cbo_resolutions[r].width)] = sizes[r];
    }
}

/// Arg 0: format as above; arg 1: resolution index.
void BM_encode(benchmark::State& state) {
    const auto px = frame224();
    const ok::image_view frame{px, 224, 224, ok::pixel_format::rgb};
    ok::image_encoder enc(encoder_options(state.range(0)));
    const auto r = static_cast<std::size_t>(state.range(1));
    std::size_t n = 0;
    for (auto _ : state) {
        n = enc.encode(frame, r, 0).size();
        benchmark::DoNotOptimize(n);
    }
    state.counters["bytes"] = static_cast<double>(n);
}

/// Arg 0: video (0 vtest.avi, 1 Megamind.avi); arg 1: reference resolution index; arg 2: refresh;
/// arg 3: drift in percent (-1 = never: refresh on schedule only).
void BM_size_estimate_error(benchmark::State& state) {
    const char* names[2] = {"vtest.avi", "Megamind.avi"};
    cv::VideoCapture cap(video_dir + names[state.range(0)]);
    if (!cap.isOpened()) {
        state.SkipWithError("sample video not installed (Debian package opencv-doc)");
        for (auto _ : state) {
        }
        return;
    }
    std::vector<std::vector<std::uint8_t>> frames;
    cv::Mat f;
    cv::Mat small;
    cv::Mat rgb;
    while (cap.read(f)) {
        cv::resize(f, small, cv::Size(224, 224), 0, 0, cv::INTER_AREA);
        cv::cvtColor(small, rgb, cv::COLOR_BGR2RGB);
        frames.emplace_back(rgb.ptr<std::uint8_t>(), rgb.ptr<std::uint8_t>() + 224 * 224 * 3);
    }
    ok::image_encoder_options o = encoder_options(0);
    ok::image_encoder exact(o);
    o.sizes = ok::size_mode::estimate;
    o.estimate_reference = static_cast<std::size_t>(state.range(1));
    o.estimate_refresh = static_cast<std::size_t>(state.range(2));
    o.estimate_drift =
        state.range(3) < 0 ? std::numeric_limits<double>::max() : static_cast<double>(state.range(3)) / 100.0;
    std::vector<double> mean(5, 0.0);
    std::vector<double> all;
    std::size_t estimated = 0;
    std::size_t refreshes = 0;
    double exact_us = 0.0;
    double est_us = 0.0;
    for (auto _ : state) {
        ok::image_encoder est(o);
        std::vector<double> se(5), sx(5);
        for (std::size_t i = 0; i < frames.size(); ++i) {
            const ok::image_view frame{frames[i], 224, 224, ok::pixel_format::rgb};
            const double t0 = thread_cpu_us();
            est.sizes(frame, se);
            const double t1 = thread_cpu_us();
            exact.sizes(frame, sx);
            const double t2 = thread_cpu_us();
            est_us += t1 - t0;
            exact_us += t2 - t1;
            if (est.last_sizes_exact()) {
                ++refreshes;
                continue;  // a refresh: exact by construction
            }
            ++estimated;
            for (std::size_t r = 0; r < 5; ++r) {
                if (r == o.estimate_reference) {
                    continue;
                }
                const double e = std::fabs(se[r] - sx[r]) / sx[r];
                mean[r] += e;
                all.push_back(e);
            }
        }
    }
    for (std::size_t r = 0; r < 5; ++r) {
        if (r != o.estimate_reference) {
            state.counters["mean_err_" + std::to_string(cbo_resolutions[r].width)] =
                mean[r] / static_cast<double>(estimated);
        }
    }
    std::sort(all.begin(), all.end());
    state.counters["p95_err"] = all.empty() ? 0.0 : all[all.size() * 95 / 100];
    state.counters["max_err"] = all.empty() ? 0.0 : all.back();
    state.counters["cost"] = est_us / exact_us;
    state.counters["frames"] = static_cast<double>(frames.size());
    state.counters["refreshes"] = static_cast<double>(refreshes);
}

}  // namespace

BENCHMARK(BM_run_vs_bare)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_infer_vs_bare)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_encoder_sizes)
    ->ArgsProduct({{0, 1, 2}, {0, 1, 2}})
    ->ArgNames({"format", "mode"})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_encode)->ArgsProduct({{0, 2}, {0, 1, 2, 3, 4}})->ArgNames({"format", "r"})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_size_estimate_error)
    ->ArgsProduct({{0, 1}, {0, 2}, {30}, {-1, 20}})
    ->Args({0, 0, 10, 20})
    ->Args({1, 0, 10, 20})
    ->ArgNames({"video", "ref", "refresh", "drift_pct"})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
