// offloadkit-make-trace — regenerates the bundled Fashion-MNIST offloading trace
// (examples/data/fashion_mnist_trace.csv; issue 8, docs/demo-trace.md).
//
//   offloadkit-make-trace --out examples/data/fashion_mnist_trace.csv
//
// reads Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist), trains the fp16 "NPU"
// and the fp32 "server" MLPs, evaluates them on the 10,000 test images in a seeded order at seed
// 000's five resolutions, sizes every frame as a PNG, and writes the trace CSV. The output is
// byte-identical across runs, g++/clang++ and Debug/Release on x86-64 (no -march=native: a build
// that contracts a*b+c into FMA rounds differently and is refused below).
//
// Options (defaults make the committed trace):
//   --out FILE            trace CSV to write (required)
//   --data-dir DIR        Fashion-MNIST directory (default /usr/share/datasets/fashion-mnist)
//   --seed N              master seed (default 8)
//   --frames N            test images in the trace (default 10000)
//   --npu-train N --npu-epochs N --npu-hidden A[,B..]
//   --server-train N --server-epochs N --server-hidden A[,B..] --server-low-res P
//   --noise-bits N        frame noise: popcount of N random bits - N/2 (default 16, sigma 2)
//   --slice               a small configuration for the unit test (see slice_options()); it resets
//                         the options given before it
//   --check-bytes N       also compress the first N frames' filtered PNG data with `gzip -6` and
//                         report its size beside ours (a sanity check of the size model)
//   --dump-png DIR        also write the first 3 frames at every resolution as PNG files
// Output on stdout: one JSON object per line (timings, then the measured facts). Errors: stderr, 2.
#include <offloadkit/io/json.hpp>

#include "common/fashion_trace.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#if defined(__FMA__) || defined(__FMA4__)
#error \
    "offloadkit-make-trace must be built without FMA (no -march=native/-mfma): fused multiply-adds change the rounding and the trace would not match the committed one"
#endif

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

double parse_real(const std::string& flag, const std::string& v) {
    std::size_t pos = 0;
    double x = 0.0;
    try {
        x = std::stod(v, &pos);
    } catch (const std::exception&) {
        pos = 0;
    }
    ok::detail::require(pos == v.size() && !v.empty() && std::isfinite(x), "offloadkit-make-trace", flag, " is '", v,
                        "', expected a number");
    return x;
}

std::vector<std::size_t> parse_list(const std::string& flag, const std::string& v) {
    std::vector<std::size_t> out;
    std::size_t start = 0;
    while (start <= v.size()) {
        const std::size_t comma = v.find(',', start);
        const std::string part = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        const std::size_t n = parse_count(flag, part);
        ok::detail::require(n > 0, "offloadkit-make-trace", flag, " has a zero width in '", v, "'");
        out.push_back(n);
        if (comma == std::string::npos) {
            break;
        }
        start = comma + 1;
    }
    return out;
}

/// Size of `gzip -6 -n` output for `data` minus its 18-byte header/trailer plus the PNG overhead:
/// the PNG a zlib-level-6 encoder would write with the same filtered rows.
std::size_t gzip_png_size(const std::vector<std::uint8_t>& data) {
    char path[] = "/tmp/offloadkit-make-trace-XXXXXX";
    const int fd = ::mkstemp(path);
    ok::detail::require(fd >= 0, "check_bytes", "cannot create a temporary file");
    ::close(fd);
    const std::string cmd = std::string("gzip -6 -c -n > ") + path;
    FILE* pipe = ::popen(cmd.c_str(), "w");
    ok::detail::require(pipe != nullptr, "check_bytes", "cannot run gzip");
    std::fwrite(data.data(), 1, data.size(), pipe);
    const int status = ::pclose(pipe);
    const auto size = static_cast<std::size_t>(std::filesystem::file_size(path));
    std::filesystem::remove(path);
    ok::detail::require(status == 0 && size > 18, "check_bytes", "gzip failed (status ", status, ")");
    return size - 18 + okx::png_overhead_bytes;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

constexpr const char* usage_text =
    "usage: offloadkit-make-trace --out FILE [--data-dir DIR] [--seed N] [--frames N]\n"
    "         [--npu-train N] [--npu-epochs N] [--npu-hidden A[,B..]] [--server-train N]\n"
    "         [--server-epochs N] [--server-hidden A[,B..]] [--server-low-res P] [--noise-bits N]\n"
    "         [--slice] [--check-bytes N] [--dump-png DIR]\n"
    "The defaults make examples/data/fashion_mnist_trace.csv; see docs/demo-trace.md.\n";

int run(int argc, char** argv) {
    okx::trace_options opt;
    std::string out_path;
    std::string data_dir = okx::default_fashion_mnist_dir;
    std::size_t check_bytes = 0;
    std::string dump_dir;
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
        } else if (a == "--seed") {
            opt.seed = parse_count(a, value());
        } else if (a == "--frames") {
            opt.frames = parse_count(a, value());
        } else if (a == "--npu-train") {
            opt.npu_train = parse_count(a, value());
        } else if (a == "--npu-epochs") {
            opt.npu_sgd.epochs = parse_count(a, value());
        } else if (a == "--npu-hidden") {
            opt.npu_hidden = parse_list(a, value());
        } else if (a == "--server-train") {
            opt.server_train = parse_count(a, value());
        } else if (a == "--server-epochs") {
            opt.server_sgd.epochs = parse_count(a, value());
        } else if (a == "--server-hidden") {
            opt.server_hidden = parse_list(a, value());
        } else if (a == "--server-low-res") {
            opt.server_low_res_fraction = parse_real(a, value());
        } else if (a == "--noise-bits") {
            opt.noise_bits = static_cast<unsigned>(parse_count(a, value()));
        } else if (a == "--slice") {
            opt = okx::slice_options();
        } else if (a == "--check-bytes") {
            check_bytes = parse_count(a, value());
        } else if (a == "--dump-png") {
            dump_dir = value();
        } else {
            ok::detail::fail("offloadkit-make-trace", "unknown option '", a, "' (--help for usage)");
        }
    }
    ok::detail::require(!out_path.empty(), "offloadkit-make-trace", "--out FILE is required");

    const auto t_start = std::chrono::steady_clock::now();
    const okx::fashion_mnist data = okx::load_fashion_mnist(data_dir);
    ok::io::json_object timing;
    timing.add("stage", "load").add("seconds", seconds_since(t_start));
    std::puts(timing.str().c_str());
    std::fflush(stdout);
    auto t_stage = std::chrono::steady_clock::now();
    std::string stage = "load";
    const okx::fashion_trace trace = okx::make_fashion_trace(data, opt, [&](const char* next) {
        if (stage != "load") {
            ok::io::json_object o;
            o.add("stage", stage).add("seconds", seconds_since(t_stage));
            std::puts(o.str().c_str());
            std::fflush(stdout);
        }
        stage = next;
        t_stage = std::chrono::steady_clock::now();
    });
    {
        ok::io::json_object o;
        o.add("stage", stage).add("seconds", seconds_since(t_stage));
        std::puts(o.str().c_str());
    }

    const std::string text = okx::trace_csv(trace, okx::trace_comment(opt, command));
    {
        std::ofstream f(out_path, std::ios::binary);
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
        .add("npu_fp32_accuracy", s.npu_fp32_accuracy)
        .add("npu_fp32_ece", s.npu_fp32_cal.ece)
        .add("npu_fp16_label_changes", s.npu_label_changes)
        .add("server_accuracy", std::vector<double>(s.server_accuracy.begin(), s.server_accuracy.end()))
        .add("mean_bytes", std::vector<double>(s.mean_bytes.begin(), s.mean_bytes.end()))
        .add("min_bytes", std::vector<double>(s.min_bytes.begin(), s.min_bytes.end()))
        .add("max_bytes", std::vector<double>(s.max_bytes.begin(), s.max_bytes.end()))
        .add("fraction_224_over_budget_5mbps_30fps", s.fraction_full_over_budget)
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

    if (check_bytes > 0 || !dump_dir.empty()) {
        okx::detail_trace::degrader deg;
        std::vector<std::uint8_t> rgb;
        std::vector<std::uint8_t> filtered;
        std::array<double, 5> ours{};
        std::array<double, 5> gz{};
        const std::size_t n =
            std::min(std::max<std::size_t>(check_bytes, dump_dir.empty() ? 0 : 3), trace.frames.size());
        for (std::size_t f = 0; f < n; ++f) {
            const auto& fr = trace.frames[f];
            for (std::size_t k = 0; k < okx::paper_resolutions.size(); ++k) {
                auto g = okx::detail_trace::stream(opt.seed, okx::detail_trace::noise, fr.test_index * 8 + k);
                okx::render_frame(data.test_images.image(fr.test_index), k, opt.noise_bits, g, deg, rgb);
                const std::size_t R = okx::paper_resolutions[k];
                if (f < check_bytes) {
                    ours[k] += static_cast<double>(okx::png_size(rgb, R, R, 3, filtered));
                    gz[k] += static_cast<double>(gzip_png_size(filtered));
                }
                if (!dump_dir.empty() && f < 3) {
                    const auto png = okx::png_encode(rgb, R, R, 3);
                    const std::string p = dump_dir + "/frame" + std::to_string(f) + "_" + std::to_string(R) + ".png";
                    std::ofstream pf(p, std::ios::binary);
                    pf.write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
                    ok::detail::require(pf.good(), "offloadkit-make-trace", "cannot write '", p, "'");
                }
            }
        }
        if (check_bytes > 0) {
            std::vector<double> ratio;
            for (std::size_t k = 0; k < 5; ++k) {
                ratio.push_back(ours[k] / gz[k]);
                ours[k] /= static_cast<double>(n);
                gz[k] /= static_cast<double>(n);
            }
            ok::io::json_object c;
            c.add("check_bytes_frames", n)
                .add("mean_bytes_huffman_only", std::vector<double>(ours.begin(), ours.end()))
                .add("mean_bytes_gzip6", std::vector<double>(gz.begin(), gz.end()))
                .add("ratio", ratio);
            std::puts(c.str().c_str());
        }
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
