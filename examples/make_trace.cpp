// offloadkit-backend: onnx
// offloadkit-make-trace — regenerates the bundled Fashion-MNIST offloading trace
// (examples/data/fashion_mnist_trace.csv; issues 8 and 13, docs/demo-trace.md).
//
//   offloadkit-make-trace --out examples/data/fashion_mnist_trace.csv
//
// reads Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist) and the ONNX models of
// examples/models/fashion/, and runs the 10,000 test images in a seeded order through
// offloadkit::onnx: the NPU model and the Compress model on the 224 px frame, and the server model
// on each of the five resolutions after a real PNG encode (ok::image_encoder) and decode
// (ok::decode_image); see examples/common/fashion_frames.hpp. Writes the trace CSV.
//
// Options (defaults make the committed trace):
//   --out FILE              trace CSV to write (required)
//   --data-dir DIR          Fashion-MNIST directory (default /usr/share/datasets/fashion-mnist)
//   --models-dir DIR        the ONNX models (default examples/models/fashion of the source tree)
//   --seed N                frame order and sensor noise (default 8)
//   --frames N              test images in the trace (default 10000)
//   --npu-time-s S          the npu_time_s column (default: the median of this run's NPU calls)
//   --compress-time-s S     the compress_time_s column (default: the median of this run's calls)
// Output on stdout: one JSON object per line (progress, then the measured facts). Errors: stderr, 2.
#include <offloadkit/io/json.hpp>

#include "common/fashion_trace.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <string>
#include <vector>

namespace ok = offloadkit;
namespace okx = offloadkit::examples;

namespace {

std::size_t parse_count(const std::string& flag, const std::string& v) {
    std::size_t pos = 0;
    unsigned long long n = 0;
    try {
        n = std::stoull(v, &pos);
    } catch (const std::exception&) {
        pos = 0;
    }
    ok::detail::require(pos == v.size() && !v.empty() && v[0] != '-', "offloadkit-make-trace", flag, " is '", v,
                        "', expected a non-negative integer");
    return static_cast<std::size_t>(n);
}

double parse_seconds(const std::string& flag, const std::string& v) {
    std::size_t pos = 0;
    double x = 0.0;
    try {
        x = std::stod(v, &pos);
    } catch (const std::exception&) {
        pos = 0;
    }
    ok::detail::require(pos == v.size() && !v.empty() && std::isfinite(x) && x >= 0.0, "offloadkit-make-trace", flag,
                        " is '", v, "', expected a number of seconds >= 0");
    return x;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

constexpr const char* usage_text =
    "usage: offloadkit-make-trace --out FILE [--data-dir DIR] [--models-dir DIR] [--seed N] [--frames N]\n"
    "         [--npu-time-s S] [--compress-time-s S]\n"
    "The defaults make examples/data/fashion_mnist_trace.csv; see docs/demo-trace.md.\n";

int run(int argc, char** argv) {
    okx::trace_options opt;
    std::string out_path;
    std::string data_dir = okx::default_fashion_mnist_dir;
    std::string models_dir = okx::default_models_dir();
    std::string command = "offloadkit-make-trace";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        command += ' ';
        command += a;
        const auto value = [&]() -> std::string {
            ok::detail::require(i + 1 < argc, "offloadkit-make-trace", a, " needs a value");
            command += ' ';
            command += argv[i + 1];
            return argv[++i];
        };
        if (a == "--help" || a == "-h") {
            std::fputs(usage_text, stdout);
            return 0;
        }
        if (a == "--out") {
            out_path = value();
        } else if (a == "--data-dir") {
            data_dir = value();
        } else if (a == "--models-dir") {
            models_dir = value();
        } else if (a == "--seed") {
            opt.seed = parse_count(a, value());
        } else if (a == "--frames") {
            opt.frames = parse_count(a, value());
        } else if (a == "--npu-time-s") {
            opt.npu_time_s = parse_seconds(a, value());
        } else if (a == "--compress-time-s") {
            opt.compress_time_s = parse_seconds(a, value());
        } else {
            ok::detail::fail("offloadkit-make-trace", "unknown option '", a, "' (--help for usage)");
        }
    }
    ok::detail::require(!out_path.empty(), "offloadkit-make-trace", "--out FILE is required");
    {  // fail before minutes of work, and leave nothing behind
        const bool existed = std::filesystem::exists(out_path);
        bool good = false;
        {
            std::ofstream probe(out_path, std::ios::binary | std::ios::app);
            good = probe.good();
        }
        if (!existed) {
            std::error_code ec;
            std::filesystem::remove(out_path, ec);
        }
        ok::detail::require(good, "offloadkit-make-trace", "--out: cannot write '", out_path, "'");
    }

    const auto t_start = std::chrono::steady_clock::now();
    const okx::fashion_mnist data = okx::load_fashion_mnist(data_dir);
    ok::detail::require(opt.frames >= 1 && opt.frames <= data.test_images.count, "offloadkit-make-trace",
                        "--frames is ", opt.frames, ", expected 1..", data.test_images.count,
                        " (the test images in --data-dir)");
    okx::fashion_models models = okx::load_fashion_models(models_dir);
    const okx::fashion_trace trace =
        okx::make_fashion_trace(data, models, opt, [&](std::size_t done, std::size_t total) {
            ok::io::json_object o;
            o.add("frames_done", done).add("of", total).add("seconds", seconds_since(t_start));
            std::puts(o.str().c_str());
            std::fflush(stdout);
        });

    const std::string text = okx::trace_csv(trace, okx::trace_comment(trace, command));
    {
        std::ofstream f(out_path, std::ios::binary | std::ios::trunc);
        ok::detail::require(f.good(), "offloadkit-make-trace", "cannot write '", out_path, "'");
        f << text;
        ok::detail::require(f.good(), "offloadkit-make-trace", "writing '", out_path, "' failed");
    }

    // ---- the measured facts (docs/demo-trace.md)
    const okx::trace_summary s = okx::summarize(trace);
    ok::io::json_object o;
    o.add("trace", out_path)
        .add("frames", trace.frames.size())
        .add("file_bytes", text.size())
        .add("fnv1a64", okx::hex64(okx::fnv1a64(text)))
        .add("npu_accuracy", s.npu_accuracy)
        .add("npu_mean_confidence", s.npu_mean_confidence)
        .add("npu_ece", s.npu_cal.ece)
        .add("npu_mce", s.npu_cal.mce)
        .add("compress_accuracy", s.compress_accuracy)
        .add("server_accuracy", std::vector<double>(s.server_accuracy.begin(), s.server_accuracy.end()))
        .add("mean_bytes", std::vector<double>(s.mean_bytes.begin(), s.mean_bytes.end()))
        .add("min_bytes", std::vector<double>(s.min_bytes.begin(), s.min_bytes.end()))
        .add("max_bytes", std::vector<double>(s.max_bytes.begin(), s.max_bytes.end()))
        .add("fraction_224_over_budget_5mbps_30fps", s.fraction_full_over_budget)
        .add("npu_median_s", trace.npu_median_s)
        .add("compress_median_s", trace.compress_median_s)
        .add("npu_time_s", trace.npu_time_s)
        .add("compress_time_s", trace.compress_time_s)
        .add("total_seconds", seconds_since(t_start));
    std::puts(o.str().c_str());
    for (std::size_t b = 0; b < 10; ++b) {
        ok::io::json_object r;
        r.add("npu_reliability_bin", b)
            .add("count", s.npu_cal.count[b])
            .add("confidence", s.npu_cal.confidence[b])
            .add("accuracy", s.npu_cal.accuracy[b]);
        std::puts(r.str().c_str());
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 2;
    }
}
