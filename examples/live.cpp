// offloadkit-live: the CBO pipeline (runtime/cbo_pipeline.hpp, CBO §IV-D, Algorithm 1) on this
// machine, in real time, over the library's real backends:
//
//   camera thread: Fashion-MNIST test images at --fps   ->  pipeline_runner (its own thread)
//   NPU: examples/models/fashion/npu_fp16.onnx through onnx_classifier, on every frame
//   encoder: image_encoder, PNG, at CBO §V-A's five resolutions 45..224 px
//   uplink + server: tcp_link + tcp_remote (backends/tcp/client.hpp) to an offloadkit-server
//   bandwidth: window_throughput_estimator fed by the ACK-timed transfer reports
//
// --server HOST:PORT uses a running offloadkit-server; without it this tool starts one (the
// offloadkit-server next to this executable) on 127.0.0.1 and stops it at the end.
// --kill-server-after S SIGKILLs that server S seconds into the run: the frames still waiting
// fall back to the NPU at once, none is lost, none misses its deadline.
//
// The camera frame at resolution r is a pyramid level: the 28x28 image reduced to the detail of
// resolution r (8, 12, 16, 20, 28 px, INTER_AREA) and scaled up to the side CBO sends (45, 90,
// 134, 179, 224 px, INTER_LINEAR), so that the PNG bytes grow with r as in CBO §V-A and the server
// model's accuracy A^o_r falls at low r. A^o_r, the Platt calibration of the NPU (CBO §III-B) and
// T^o are profiled on the first --calibration-frames test images, which the run never shows.
//
// --cameras N (issue 16 §5, the fleet run): N cameras, each a thread with its own NPU model,
// pipeline and TCP connection, at --fps against the one server, camera c showing the test images
// rotated by c x frames / N and starting c / (N x fps) s after camera 0. It prints one JSON line per
// camera, then the shared-server simulator (sim/shared_server.hpp) on the same frames (a trace made
// here from the same images and models) beside the live mean accuracy, and a summary line.
//
// Output: one JSON line per second, then a summary line. Exit 0 when every frame got exactly one
// result and none missed its deadline, 1 otherwise, 2 for bad arguments or files.
// offloadkit-backend: onnx
// offloadkit-backend: tcp
#include <offloadkit/offloadkit.hpp>
#include <offloadkit/backends/onnx.hpp>
#include <offloadkit/backends/tcp.hpp>
#include <offloadkit/io/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "common/cli.hpp"
#include "common/idx.hpp"

namespace ok = offloadkit;
namespace ex = offloadkit::examples;
namespace cli = offloadkit::examples::cli;

namespace {

constexpr std::array<std::size_t, 5> sides = {45, 90, 134, 179, 224};  // CBO §V-A
constexpr std::array<int, 5> detail_px = {8, 12, 16, 20, 28};         // detail kept at each resolution

const char* const usage_text =
    "usage: offloadkit-live [options]\n"
    "  --server HOST:PORT       a running offloadkit-server (default: start one on 127.0.0.1)\n"
    "  --seconds S              run length (default 20)\n"
    "  --fps F                  frame rate (default 30)\n"
    "  --deadline-ms D          deadline T per frame (default 200)\n"
    "  --latency-ms L           network latency L the policy plans with (default 20)\n"
    "  --server-ms T            server time T^o the policy plans with (default: profiled + --margin-ms)\n"
    "  --margin-ms M            added to the profiled T^o for queueing and jitter (default 15)\n"
    "  --guard-ms G             deliver local results G ms before the deadline (default 25)\n"
    "  --kill-server-after S    SIGKILL the server this tool started, S s into the run\n"
    "  --workers N              workers of the server this tool starts (default 1)\n"
    "  --calibration-frames N   test images used for profiling, never shown in the run (default 300)\n"
    "  --estimator E            window (default) or harmonic\n"
    "  --initial-mbps B         bandwidth estimate before the first transfer (default 5)\n"
    "  --data-dir DIR           Fashion-MNIST (default /usr/share/datasets/fashion-mnist)\n"
    "  --npu-model FILE         default examples/models/fashion/npu_fp16.onnx\n"
    "  --server-model FILE      for profiling A^o_r and the server started here (default .../server.onnx)\n"
    "  --cameras N              N cameras at --fps against one server (default 1; see the file comment)\n";

struct settings {
    std::optional<ok::tcp_endpoint> server;
    double seconds = 20.0;
    double fps = 30.0;
    double deadline_ms = 200.0;
    double latency_ms = 20.0;
    double server_ms = -1.0;
    double margin_ms = 15.0;
    double guard_ms = 25.0;
    double kill_after = -1.0;
    std::size_t workers = 1;
    std::size_t cameras = 1;
    std::size_t calibration = 300;
    std::string estimator = "window";
    double initial_mbps = 5.0;
    std::string data_dir = ex::default_fashion_mnist_dir;
    std::string npu_model = OFFLOADKIT_EXAMPLES_DIR "/models/fashion/npu_fp16.onnx";
    std::string server_model = OFFLOADKIT_EXAMPLES_DIR "/models/fashion/server.onnx";
};

settings parse_args(int argc, char** argv) {
    settings s;
    cli::arg_reader args(argc, argv);
    const std::vector<std::string> known = {"--server",     "--seconds",      "--fps",       "--deadline-ms",
                                            "--latency-ms", "--server-ms",    "--margin-ms", "--guard-ms",
                                            "--kill-server-after", "--workers", "--calibration-frames",
                                            "--estimator",  "--initial-mbps", "--data-dir",     "--npu-model", "--server-model",
                                            "--cameras",    "--help"};
    const double inf = std::numeric_limits<double>::infinity();
    while (args.next()) {
        const std::string flag = args.flag();
        if (flag == "--help" || flag == "-h") {
            std::fputs(usage_text, stdout);
            std::exit(0);
        } else if (flag == "--server") {
            try {
                s.server = ok::parse_tcp_endpoint(args.value(), "--server");
            } catch (const ok::invalid_argument& e) {
                throw cli::usage_error(e.what());
            }
        } else if (flag == "--seconds") {
            s.seconds = cli::number_in(flag, args.value(), 0.0, 3600.0, "s", cli::bound::open);
        } else if (flag == "--fps") {
            s.fps = cli::number_in(flag, args.value(), 0.0, 1000.0, "frames/s", cli::bound::open);
        } else if (flag == "--deadline-ms") {
            s.deadline_ms = cli::number_in(flag, args.value(), 0.0, 60000.0, "ms", cli::bound::open);
        } else if (flag == "--latency-ms") {
            s.latency_ms = cli::number_in(flag, args.value(), 0.0, 60000.0, "ms");
        } else if (flag == "--server-ms") {
            s.server_ms = cli::number_in(flag, args.value(), 0.0, 60000.0, "ms");
        } else if (flag == "--margin-ms") {
            s.margin_ms = cli::number_in(flag, args.value(), 0.0, 60000.0, "ms");
        } else if (flag == "--guard-ms") {
            s.guard_ms = cli::number_in(flag, args.value(), 0.0, 60000.0, "ms");
        } else if (flag == "--kill-server-after") {
            s.kill_after = cli::number_in(flag, args.value(), 0.0, inf, "s");
        } else if (flag == "--workers") {
            s.workers = static_cast<std::size_t>(cli::whole(flag, args.value(), 1, 256));
        } else if (flag == "--cameras") {
            s.cameras = static_cast<std::size_t>(cli::whole(flag, args.value(), 1, 64));
        } else if (flag == "--calibration-frames") {
            s.calibration = static_cast<std::size_t>(cli::whole(flag, args.value(), 30, 5000));
        } else if (flag == "--estimator") {
            s.estimator = cli::choice(flag, args.value(), {"window", "harmonic"});
        } else if (flag == "--initial-mbps") {
            s.initial_mbps = cli::number_in(flag, args.value(), 0.0, 1e5, "Mbps", cli::bound::open);
        } else if (flag == "--data-dir") {
            s.data_dir = args.value();
        } else if (flag == "--npu-model") {
            s.npu_model = args.value();
        } else if (flag == "--server-model") {
            s.server_model = args.value();
        } else {
            cli::unknown_flag(flag, known);
        }
    }
    if (s.guard_ms >= s.deadline_ms) {
        throw cli::usage_error("--guard-ms " + std::to_string(s.guard_ms) + " must be below --deadline-ms");
    }
    if (s.kill_after >= 0.0 && s.cameras > 1) {
        throw cli::usage_error("--kill-server-after runs with one camera (not with --cameras)");
    }
    if (s.kill_after >= 0.0 && s.server) {
        throw cli::usage_error("--kill-server-after kills the server this tool starts; it cannot be used with --server");
    }
    return s;
}

/// The Fashion-MNIST models' input convention (examples/models/fashion/MODEL_CARD.md).
ok::image_preprocess fashion_preprocessing() {
    return ok::image_preprocess{.height = 28, .width = 28, .channels = 1, .order = ok::channel_order::rgb,
                                .interpolation = ok::interpolation::area, .scale = 1.0F / 255.0F,
                                .mean = {0.286F, 0.0F, 0.0F}, .std = {0.353F, 1.0F, 1.0F}};
}

ok::image_view test_image(const ex::idx_images& im, std::size_t i) {
    return ok::image_view{std::span<const std::uint8_t>(im.pixels.data() + i * 784, 784), 28, 28,
                          ok::pixel_format::gray, 0};
}

/// The camera frame at every resolution (see the file comment).
struct pyramid {
    std::array<cv::Mat, sides.size()> mats;
    std::array<ok::image_view, sides.size()> views;
    void build(const ok::image_view& img) {
        const cv::Mat src(28, 28, CV_8UC1, const_cast<std::uint8_t*>(img.pixels.data()));
        cv::Mat small;
        for (std::size_t r = 0; r < sides.size(); ++r) {
            cv::resize(src, small, cv::Size(detail_px[r], detail_px[r]), 0, 0, cv::INTER_AREA);
            const int side = static_cast<int>(sides[r]);
            cv::resize(small, mats[r], cv::Size(side, side), 0, 0, cv::INTER_LINEAR);
            views[r] = ok::image_view{std::span<const std::uint8_t>(mats[r].ptr<std::uint8_t>(), sides[r] * sides[r]),
                                      sides[r], sides[r], ok::pixel_format::gray, 0};
        }
    }
    [[nodiscard]] ok::image_pyramid get() const { return ok::image_pyramid{views}; }
};

/// A frame: the index of a Fashion-MNIST test image.
struct live_frame {
    std::size_t index = 0;
};

/// local_executor<npu, live_frame>: the NPU model on the 28x28 image.
struct npu {
    std::shared_ptr<ok::onnx_classifier> clf;
    const ex::idx_images* images = nullptr;
    [[nodiscard]] std::size_t num_classes() const { return clf->num_classes(); }
    double infer(const live_frame& f, std::span<float> logits) { return clf->infer(test_image(*images, f.index), logits); }
};

/// frame_encoder<encoder, live_frame>: image_encoder on the frame's pyramid (built once per frame).
struct encoder {
    std::shared_ptr<ok::image_encoder> enc;
    const ex::idx_images* images = nullptr;
    std::shared_ptr<pyramid> p = std::make_shared<pyramid>();
    std::size_t built = static_cast<std::size_t>(-1);
    const pyramid& at(const live_frame& f) {
        if (built != f.index) {
            p->build(test_image(*images, f.index));
            built = f.index;
        }
        return *p;
    }
    void sizes(const live_frame& f, std::span<double> bytes) { enc->sizes(at(f).get(), bytes); }
    std::span<const std::byte> encode(const live_frame& f, std::size_t r, std::uint64_t id) {
        return enc->encode(at(f).get(), r, id);
    }
};

/// An offloadkit-server started by this tool: fork + exec, its {"listening":PORT} line read from a pipe.
struct server_process {
    pid_t pid = -1;
    std::uint16_t port = 0;
    int out_fd = -1;      // the server's stdout, kept to read its summary after SIGTERM
    std::string output;   // everything it printed

    static std::string sibling(const char* name) {
        std::error_code ec;
        const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
        return ec ? std::string(name) : (self.parent_path() / name).string();
    }

    void start(const settings& s) {
        const std::string exe = sibling("offloadkit-server");
        const std::string workers = std::to_string(s.workers);
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            throw std::runtime_error("pipe2 failed");
        }
        std::fflush(stdout);
        pid = ::fork();
        if (pid < 0) {
            throw std::runtime_error("fork failed");
        }
        if (pid == 0) {
            ::dup2(fds[1], STDOUT_FILENO);
            const char* argv[] = {exe.c_str(), "--listen", "127.0.0.1:0", "--model", s.server_model.c_str(),
                                  "--workers", workers.c_str(), nullptr};
            ::execv(exe.c_str(), const_cast<char* const*>(argv));
            std::fprintf(stderr, "offloadkit-live: cannot run %s: %s\n", exe.c_str(), std::strerror(errno));
            ::_exit(127);
        }
        ::close(fds[1]);
        std::string line;
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < end) {
            pollfd p{fds[0], POLLIN, 0};
            if (::poll(&p, 1, 100) == 1) {
                char buf[512];
                const ssize_t n = ::read(fds[0], buf, sizeof buf);
                if (n <= 0) {
                    break;
                }
                line.append(buf, static_cast<std::size_t>(n));
            }
        }
        out_fd = fds[0];
        output = line;
        const auto at = line.find("\"listening\":");
        if (at == std::string::npos) {
            stop(SIGKILL);
            throw std::runtime_error("offloadkit-server (" + exe + ") did not start: " + line);
        }
        port = static_cast<std::uint16_t>(std::stoul(line.substr(at + 12)));
    }

    void stop(int sig) {
        if (pid > 0) {
            ::kill(pid, sig);
            // After SIGTERM the server prints its summary and exits: read to EOF (bounded: 10 s).
            const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
            while (sig == SIGTERM && out_fd >= 0 && std::chrono::steady_clock::now() < end) {
                pollfd p{out_fd, POLLIN, 0};
                if (::poll(&p, 1, 100) == 1) {
                    char buf[1024];
                    const ssize_t n = ::read(out_fd, buf, sizeof buf);
                    if (n <= 0) {
                        break;
                    }
                    output.append(buf, static_cast<std::size_t>(n));
                }
            }
            ::waitpid(pid, nullptr, 0);
            pid = -1;
        }
        if (out_fd >= 0) {
            ::close(out_fd);
            out_fd = -1;
        }
    }
    /// The server's summary line (printed on SIGTERM), or "".
    [[nodiscard]] std::string summary() const {
        const auto at = output.find("{\"summary\"");
        if (at == std::string::npos) {
            return {};
        }
        const auto end = output.find('\n', at);
        return output.substr(at, end == std::string::npos ? std::string::npos : end - at);
    }
    ~server_process() { stop(SIGTERM); }
};

struct tally {
    std::mutex m;
    std::vector<std::uint8_t> seen;
    std::uint64_t results = 0, duplicates = 0, correct = 0, npu_correct = 0, misses = 0;
    std::uint64_t server = 0, late = 0, failed = 0, kept = 0;

    /// Counts one delivered result of a frame whose true label is `truth`; ids beyond seen.size()
    /// are ignored and a second result for an id is counted as a duplicate.
    void record(const ok::frame_result& r, std::uint8_t truth) {
        const std::lock_guard lock(m);
        if (r.id >= seen.size()) {
            return;
        }
        if (seen[r.id]++ != 0) {
            ++duplicates;
            return;
        }
        ++results;
        correct += r.label == truth ? 1 : 0;
        misses += r.delivered_at > std::max(r.deadline, r.local_ready) ? 1 : 0;
        switch (r.reason) {
            case ok::result_reason::server: ++server; break;
            case ok::result_reason::server_late: ++late; break;
            case ok::result_reason::server_failed: ++failed; break;
            case ok::result_reason::kept_local: ++kept; break;
        }
    }
};

double ratio(std::uint64_t a, std::uint64_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b); }

/// The bandwidth estimator chosen by --estimator (both model bandwidth_estimator).
struct any_estimator {
    any_estimator(std::string k, double initial) : kind(std::move(k)), window(0.5, 64, initial), harmonic(5, initial) {}
    std::string kind;
    ok::window_throughput_estimator window;
    ok::harmonic_mean_estimator harmonic;
    void observe(double bytes, double seconds) {
        if (kind == "window") {
            window.observe(bytes, seconds);
        } else {
            harmonic.observe(bytes, seconds);
        }
    }
    [[nodiscard]] double estimate() const { return kind == "window" ? window.estimate() : harmonic.estimate(); }
};

/// What every camera's pipeline is built from: the CBO pipeline's options (the shared offload
/// model, CBO §IV-D, and the deadline guard), its TCP client to the server and its encoder at the
/// five CBO §V-A resolutions.
struct camera_config {
    ok::pipeline_options pipeline;
    ok::tcp_client_options client;
    ok::image_encoder_options encoder;
};

/// The encoder of every camera: PNG at the five CBO §V-A resolutions.
ok::image_encoder_options encoder_options() {
    ok::image_encoder_options o;
    o.resolutions = ok::square_sizes({sides[0], sides[1], sides[2], sides[3], sides[4]});
    return o;
}

camera_config camera_configuration(const settings& s, const ok::offload_model& model, const ok::tcp_endpoint& where,
                                   std::size_t classes, const ok::steady_clock_source& clock) {
    camera_config c;
    c.pipeline.model = model;
    c.pipeline.capacity = 256;
    c.pipeline.deadline_guard = s.guard_ms / 1000.0;
    c.client.host = where.host;
    c.client.port = where.port;
    c.client.clock = [clock] { return clock.now(); };
    c.client.latency = model.network_latency;
    c.client.num_classes = static_cast<std::uint32_t>(classes);
    c.client.max_outstanding = 256;
    c.client.max_backoff = 0.5;
    c.encoder = encoder_options();
    return c;
}

int run_fleet(const settings& s, const ex::idx_images& images, const std::vector<std::uint8_t>& labels,
              const ok::platt_calibrator& platt, const ok::offload_model& model, const ok::tcp_endpoint& where,
              server_process& child);

int run_main(int argc, char** argv) {
    const settings s = parse_args(argc, argv);
    ::signal(SIGPIPE, SIG_IGN);
    // The test set only (the run shows test images; nothing here trains).
    const std::string ip = s.data_dir + "/t10k-images-idx3-ubyte.gz";
    const std::string lp = s.data_dir + "/t10k-labels-idx1-ubyte.gz";
    const ex::idx_images images = ex::parse_idx_images(ex::read_gzip_file(ip), ip);
    const std::vector<std::uint8_t> labels = ex::parse_idx_labels(ex::read_gzip_file(lp), lp);
    if (images.rows != 28 || images.cols != 28 || images.count != labels.size() || images.count <= s.calibration) {
        throw std::runtime_error(ip + ": expected more than --calibration-frames 28x28 images, one label each");
    }

    // ---- profiling on the calibration images (CBO §III-B, §IV: Platt, A^o_r, T^o) -------------------
    auto npu_clf = std::make_shared<ok::onnx_classifier>(ok::onnx_model::load(s.npu_model), fashion_preprocessing());
    ok::onnx_classifier server_clf(ok::onnx_model::load(s.server_model), fashion_preprocessing());
    const std::size_t classes = npu_clf->num_classes();
    std::vector<float> logits(classes);
    std::vector<double> conf(s.calibration);
    std::vector<std::uint8_t> right(s.calibration);
    std::vector<double> server_accuracy(sides.size(), 0.0);
    double server_seconds = 0.0;
    pyramid py;
    for (std::size_t i = 0; i < s.calibration; ++i) {
        (void)npu_clf->infer(test_image(images, i), logits);
        const ok::top1 t = ok::top1_confidence(logits);
        conf[i] = t.confidence;
        right[i] = t.index == labels[i] ? 1 : 0;
        py.build(test_image(images, i));
        for (std::size_t r = 0; r < sides.size(); ++r) {
            server_seconds += server_clf.infer(py.views[r], logits);
            server_accuracy[r] += ok::top1_confidence(logits).index == labels[i] ? 1.0 : 0.0;
        }
    }
    for (double& a : server_accuracy) {
        a /= static_cast<double>(s.calibration);
    }
    const double profiled_server_ms = 1e3 * server_seconds / static_cast<double>(s.calibration * sides.size());
    const auto platt = ok::platt_calibrator::fit(conf, right);

    // ---- the server -------------------------------------------------------------------------------
    server_process child;
    ok::tcp_endpoint where;
    if (s.server) {
        where = *s.server;
    } else {
        child.start(s);
        where = ok::tcp_endpoint{"127.0.0.1", child.port};
    }

    ok::offload_model model;
    model.deadline = s.deadline_ms / 1000.0;
    model.server_time = (s.server_ms >= 0.0 ? s.server_ms : profiled_server_ms + s.margin_ms) / 1000.0;
    model.network_latency = s.latency_ms / 1000.0;
    model.server_accuracy = server_accuracy;
    if (s.cameras > 1) {
        return run_fleet(s, images, labels, platt, model, where, child);
    }
    ok::steady_clock_source clock;
    const camera_config cfg = camera_configuration(s, model, where, classes, clock);
    auto [link, remote] = ok::make_tcp_backends(cfg.client);
    ok::tcp_client& client = link.client();
    (void)client.wait_connected(2.0);
    auto pipe = ok::make_cbo_pipeline<live_frame>(cfg.pipeline, platt, npu{npu_clf, &images},
                                                  encoder{std::make_shared<ok::image_encoder>(cfg.encoder), &images},
                                                  link, remote, any_estimator(s.estimator, s.initial_mbps * 1e6 / 8.0),
                                                  clock);

    const auto frames = static_cast<std::size_t>(std::llround(s.seconds * s.fps));
    const std::size_t shown = images.count - s.calibration;
    auto index_of = [&](std::size_t id) { return s.calibration + id % shown; };
    tally t;
    t.seen.assign(frames, 0);
    auto sink = [&](const ok::frame_result& r) { t.record(r, r.id < frames ? labels[index_of(r.id)] : 0); };
    // The NPU's own answers, for the local-only accuracy beside the pipeline's.
    std::uint64_t npu_correct = 0;
    for (std::size_t id = 0; id < frames && id < shown; ++id) {
        (void)npu_clf->infer(test_image(images, index_of(id)), logits);
        npu_correct += ok::top1_confidence(logits).index == labels[index_of(id)] ? 1 : 0;
    }
    const double local_accuracy = ratio(npu_correct, std::min(frames, shown));

    auto client_stats = [&] { return client.stats(); };
    bool server_alive = true;
    const auto wall0 = std::chrono::steady_clock::now();
    double estimate = 0.0;
    {
        ok::pipeline_runner run(pipe, sink, 0.001);
        double next_report = 1.0;
        for (std::size_t i = 0; i < frames; ++i) {  // bounded: `frames` iterations
            std::this_thread::sleep_until(wall0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                      std::chrono::duration<double>(static_cast<double>(i) / s.fps)));
            const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
            if (server_alive && !s.server && s.kill_after >= 0.0 && elapsed >= s.kill_after) {
                child.stop(SIGKILL);
                server_alive = false;
            }
            (void)run.push(live_frame{index_of(i)});
            if (elapsed >= next_report) {
                const ok::pipeline_stats st = run.stats();
                ok::tcp_client_stats cs;
                run.with_pipeline([&](auto& p) {
                    estimate = p.estimator().estimate();
                    cs = client_stats();
                });
                const std::lock_guard lock(t.m);
                ok::io::json_object j;
                j.add("t", elapsed)
                    .add("unix_time", std::chrono::duration<double>(
                                          std::chrono::system_clock::now().time_since_epoch()).count())
                    .add("frames", st.frames_in)
                    .add("results", t.results)
                    .add("accuracy", ratio(t.correct, t.results))
                    .add("offloaded", st.offloaded)
                    .add("server", t.server)
                    .add("fallbacks", t.late + t.failed)
                    .add("deadline_misses", t.misses)
                    .add("bandwidth_estimate_mbps", estimate * 8.0 / 1e6)
                    .add("connects", cs.connects)
                    .add("disconnects", cs.disconnects);
                std::puts(j.str().c_str());
                std::fflush(stdout);
                next_report += 1.0;
            }
        }
        (void)run.wait_idle(2.0 * s.deadline_ms / 1000.0 + 1.0);  // bounded
        run.stop();
        if (const auto e = run.last_error()) {
            std::rethrow_exception(e);
        }
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    const ok::pipeline_stats& st = pipe.stats();
    const ok::tcp_client_stats cs = client.stats();
    std::size_t lost = 0;
    for (const auto c : t.seen) {
        lost += c == 0 ? 1 : 0;
    }
    estimate = pipe.estimator().estimate();
    ok::io::json_object sum;
    sum.add("summary", true)
        .add("server", where.host + ":" + std::to_string(where.port))
        .add("server_started_here", !s.server)
        .add("seconds", s.seconds)
        .add("wall_seconds", wall)
        .add("fps", s.fps)
        .add("frames", frames)
        .add("results", t.results)
        .add("lost", lost)
        .add("duplicates", t.duplicates)
        .add("deadline_misses", t.misses)
        .add("offloaded", st.offloaded)
        .add("server_answers", t.server)
        .add("server_late", t.late)
        .add("server_failed", t.failed)
        .add("kept_local", t.kept)
        .add("accuracy", ratio(t.correct, t.results))
        .add("local_accuracy", local_accuracy)
        .add("bandwidth_estimate_mbps", estimate * 8.0 / 1e6)
        .add("estimator", s.estimator)
        .add("planned_server_ms", model.server_time * 1e3)
        .add("measured_server_ms",
             cs.by_status[0] == 0 ? 0.0
                                  : 1e3 * (cs.server_queue_seconds + cs.server_compute_seconds) /
                                        static_cast<double>(cs.answers))
        .add("connects", cs.connects)
        .add("connect_failures", cs.connect_failures)
        .add("disconnects", cs.disconnects)
        .add("protocol_errors", cs.protocol_errors)
        .add("stalls", cs.stalls)
        .add("answer_timeouts", cs.answer_timeouts)
        .add("expired_answers", cs.by_status[static_cast<std::size_t>(ok::tcp_status::expired)])
        .add("failed_requests", cs.failed_requests)
        .add("bytes_sent", st.bytes_sent)
        .add("server_killed", !server_alive);
    sum.add("server_accuracy", server_accuracy);
    std::puts(sum.str().c_str());
    std::fflush(stdout);
    return (lost == 0 && t.duplicates == 0 && t.misses == 0) ? 0 : 1;
}

/// One camera of the fleet run: what it counted and what its pipeline and connection saw.
struct camera_run {
    std::unique_ptr<tally> t = std::make_unique<tally>();
    std::shared_ptr<ok::onnx_classifier> npu;
    ok::pipeline_stats pipeline;
    ok::tcp_client_stats client;
    double estimate = 0.0;
    std::exception_ptr error;
};

// --cameras N: N cameras against one server, then the shared-server simulator on the same frames.
int run_fleet(const settings& s, const ex::idx_images& images, const std::vector<std::uint8_t>& labels,
              const ok::platt_calibrator& platt, const ok::offload_model& model, const ok::tcp_endpoint& where,
              server_process& child) {
    const std::size_t n = s.cameras;
    const auto frames = static_cast<std::size_t>(std::llround(s.seconds * s.fps));
    const std::size_t shown = images.count - s.calibration;
    if (frames == 0 || frames > shown) {
        throw cli::usage_error("--cameras: --seconds x --fps is " + std::to_string(frames) + " frames, expected 1.." +
                               std::to_string(shown) + " (the test images left after --calibration-frames)");
    }
    // Camera c shows image calibration + (k + c x frames / n) mod frames as its frame k: the rotation
    // shared_server_device_trace() applies to the trace below.
    auto index_of = [&](std::size_t c, std::size_t k) { return s.calibration + (k + c * frames / n) % frames; };
    std::vector<camera_run> cams(n);
    for (auto& cam : cams) {  // models loaded here, one thread, before any camera starts
        cam.npu = std::make_shared<ok::onnx_classifier>(ok::onnx_model::load(s.npu_model), fashion_preprocessing());
        cam.t->seen.assign(frames, 0);
        std::vector<float> warm(cam.npu->num_classes());
        (void)cam.npu->infer(test_image(images, 0), warm);  // the first inference allocates: not in the run
    }
    const auto wall0 = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
    auto camera = [&](std::size_t c) {
        camera_run& cam = cams[c];
        ok::steady_clock_source clock;
        const camera_config cfg = camera_configuration(s, model, where, cam.npu->num_classes(), clock);
        auto [link, remote] = ok::make_tcp_backends(cfg.client);
        ok::tcp_client& client = link.client();
        (void)client.wait_connected(2.0);
        auto pipe = ok::make_cbo_pipeline<live_frame>(cfg.pipeline, platt, npu{cam.npu, &images},
                                                      encoder{std::make_shared<ok::image_encoder>(cfg.encoder), &images},
                                                      link, remote, any_estimator(s.estimator, s.initial_mbps * 1e6 / 8.0),
                                                      clock);
        tally& t = *cam.t;
        auto sink = [&](const ok::frame_result& r) { t.record(r, r.id < frames ? labels[index_of(c, r.id)] : 0); };
        {
            ok::pipeline_runner run(pipe, sink, 0.001);
            const double phase = static_cast<double>(c) / static_cast<double>(n);
            for (std::size_t i = 0; i < frames; ++i) {  // bounded: `frames` iterations
                std::this_thread::sleep_until(
                    wall0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>((static_cast<double>(i) + phase) / s.fps)));
                (void)run.push(live_frame{index_of(c, i)});
            }
            (void)run.wait_idle(2.0 * s.deadline_ms / 1000.0 + 1.0);  // bounded
            run.stop();
            if (const auto e = run.last_error()) {
                std::rethrow_exception(e);
            }
        }
        cam.pipeline = pipe.stats();
        cam.client = client.stats();
        cam.estimate = pipe.estimator().estimate();
    };
    {
        std::vector<std::thread> threads;
        for (std::size_t c = 0; c < n; ++c) {
            threads.emplace_back([&, c] {
                try {
                    camera(c);
                } catch (...) {
                    cams[c].error = std::current_exception();
                }
            });
        }
        for (auto& th : threads) {
            th.join();
        }
    }
    for (const auto& cam : cams) {
        if (cam.error) {
            std::rethrow_exception(cam.error);
        }
    }
    std::string server_summary;
    if (!s.server) {
        child.stop(SIGTERM);
        server_summary = child.summary();
    }

    // ---- per camera ----------------------------------------------------------------------------
    std::uint64_t lost_all = 0, dup_all = 0, miss_all = 0, correct_all = 0, results_all = 0, answers = 0;
    double compute_seconds = 0.0, queue_seconds = 0.0, estimate_sum = 0.0;
    std::uint64_t expired = 0, offloaded = 0;
    std::vector<double> accuracies;
    for (std::size_t c = 0; c < n; ++c) {
        const camera_run& cam = cams[c];
        const tally& t = *cam.t;
        std::uint64_t lost = 0;
        for (const auto k : t.seen) {
            lost += k == 0 ? 1 : 0;
        }
        lost_all += lost;
        dup_all += t.duplicates;
        miss_all += t.misses;
        correct_all += t.correct;
        results_all += t.results;
        answers += cam.client.by_status[0];
        compute_seconds += cam.client.server_compute_seconds;
        queue_seconds += cam.client.server_queue_seconds;
        expired += cam.client.by_status[static_cast<std::size_t>(ok::tcp_status::expired)];
        offloaded += cam.pipeline.offloaded;
        estimate_sum += cam.estimate;
        accuracies.push_back(ratio(t.correct, t.results));
        ok::io::json_object j;
        j.add("camera", c)
            .add("frames", frames)
            .add("results", t.results)
            .add("lost", lost)
            .add("duplicates", t.duplicates)
            .add("deadline_misses", t.misses)
            .add("accuracy", ratio(t.correct, t.results))
            .add("offloaded", cam.pipeline.offloaded)
            .add("server_answers", t.server)
            .add("server_late", t.late)
            .add("server_failed", t.failed)
            .add("expired_answers", cam.client.by_status[static_cast<std::size_t>(ok::tcp_status::expired)])
            .add("bandwidth_estimate_mbps", cam.estimate * 8.0 / 1e6);
        std::puts(j.str().c_str());
    }
    std::fflush(stdout);

    // ---- the shared-server simulator on the same frames ----------------------------------------
    // Trace row i is test image i: rows [0, calibration) the profiling images (Platt and A^o_r, as
    // above), rows [calibration, calibration + frames) the images the cameras showed.
    const std::size_t rows = s.calibration + frames;
    ok::trace tr;
    tr.resolutions = {"45", "90", "134", "179", "224"};
    ok::onnx_classifier server_clf(ok::onnx_model::load(s.server_model), fashion_preprocessing());
    ok::image_encoder enc(encoder_options());
    std::vector<float> logits(cams[0].npu->num_classes());
    std::array<double, sides.size()> bytes{};
    pyramid py;
    double npu_seconds = 0.0;
    for (std::size_t i = 0; i < rows; ++i) {
        npu_seconds += cams[0].npu->infer(test_image(images, i), logits);
        const ok::top1 t = ok::top1_confidence(logits);
        tr.confidence.push_back(t.confidence);
        tr.npu_correct.push_back(t.index == labels[i] ? 1 : 0);
        py.build(test_image(images, i));
        enc.sizes(py.get(), bytes);
        for (std::size_t r = 0; r < sides.size(); ++r) {
            tr.bytes.push_back(bytes[r]);
            (void)server_clf.infer(py.views[r], logits);
            tr.server_correct.push_back(ok::top1_confidence(logits).index == labels[i] ? 1 : 0);
        }
    }
    ok::sim_options so;
    so.deadline = model.deadline;
    so.server_time = model.server_time;  // what every camera's policy plans with
    so.network_latency = model.network_latency;
    so.fps = s.fps;
    so.use_trace_arrivals = false;
    so.bandwidth = ok::bandwidth_trace(estimate_sum / static_cast<double>(n));  // the cameras' mean estimate
    so.calibration_fraction = (static_cast<double>(s.calibration) + 0.5) / static_cast<double>(rows);
    so.local_time = npu_seconds / static_cast<double>(rows);  // measured here, one NPU per camera
    ok::shared_server_options sso;
    sso.workers = s.workers;
    sso.max_queue = 64;  // offloadkit-server's default
    sso.compute_time = answers == 0 ? model.server_time : compute_seconds / static_cast<double>(answers);
    const std::vector<ok::policy_kind> kinds(n, ok::policy_kind::cbo);
    const ok::shared_server_result sim = ok::simulate_shared_server(kinds, tr, ok::fit_trace_calibrator(tr, s.calibration),
                                                                    so, sso, ok::true_bandwidth{}, ok::cbo_order::arrival);
    const double live_accuracy = ratio(correct_all, results_all);
    ok::io::json_object sum;
    sum.add("summary", true)
        .add("cameras", n)
        .add("server", where.host + ":" + std::to_string(where.port))
        .add("server_started_here", !s.server)
        .add("workers", s.workers)
        .add("seconds", s.seconds)
        .add("fps", s.fps)
        .add("frames", frames * n)
        .add("results", results_all)
        .add("lost", lost_all)
        .add("duplicates", dup_all)
        .add("deadline_misses", miss_all)
        .add("offloaded", offloaded)
        .add("expired_answers", expired)
        .add("accuracy", live_accuracy)
        .add("camera_accuracy", accuracies)
        .add("mean_server_queue_ms", answers == 0 ? 0.0 : 1e3 * queue_seconds / static_cast<double>(answers))
        .add("mean_server_compute_ms", 1e3 * sso.compute_time)
        .add("planned_server_ms", model.server_time * 1e3)
        .add("sim_accuracy", sim.accuracy)
        .add("sim_minus_live_points", 100.0 * (sim.accuracy - live_accuracy))
        .add("sim_offloaded", sim.requests)
        .add("sim_expired", sim.expired)
        .add("sim_deadline_misses", sim.deadline_misses)
        .add("sim_bandwidth_mbps", so.bandwidth.at(0.0) * 8.0 / 1e6)
        .add("sim_local_time_ms", so.local_time * 1e3);
    if (!server_summary.empty()) {
        sum.add_raw("server_summary", server_summary);
    }
    std::puts(sum.str().c_str());
    std::fflush(stdout);
    return (lost_all == 0 && dup_all == 0 && miss_all == 0) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    return cli::guarded_main({"offloadkit-live", usage_text, 2}, [&] { return run_main(argc, argv); });
}
