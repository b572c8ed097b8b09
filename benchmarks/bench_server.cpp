// offloadkit-backend: onnx tcp
// Throughput of the edge server (offloadkit-server's core: ok::tcp_server with workers that decode
// the frame and run the server model through ok::onnx_classifier) against the model's standalone
// throughput in the same run (issue 16 §6; goal: the server reaches >= 90% of it).
//
// Both arms do the same per-frame work, `classify` below, which is also what examples/server.cpp's
// handler does: decode a PNG frame (ok::decode_image), preprocess and run the model
// (onnx_classifier::infer), take the top-1 (CBO §III: the confidence the answer carries).
//  - BM_standalone/threads:N: N threads, each with its own classifier, calling `classify` in a
//    loop on the same frames. Frames/s = items_per_second (all threads, wall time).
//  - BM_server/workers:N: a tcp_server with N workers, each with its own classifier, fed over
//    loopback by this thread through 4 connections with 4 requests in flight on each (so the
//    queue never runs dry, as with several cameras), taking every answer that is there in one read
//    per connection; each iteration is 64 frames sent and their 64 answers read and checked (id,
//    status ok, and the label equal to the standalone label).
// The ratio to read is BM_server/workers:N over BM_standalone/threads:N (the same number of model
// copies running at once). On a 2-core machine the client thread shares the cores with the
// workers, so the server arms also pay for the client: that is part of the measured ratio.
// Wall-clock throughput depends on what else the machine runs; the CPU cost per frame does not:
// BM_standalone's CPU column (thread CPU per frame) beside BM_server's process_cpu_us_per_frame
// (all of the process's CPU time per frame: client, the server's I/O thread, the workers) gives
// the server's overhead independent of load; server_cpu_us_per_frame leaves out the client thread
// (a device on another machine in a deployment), overhead_cpu_us_per_frame also the CPU time
// inside the handler: what the server itself spends per frame (I/O thread, hand-offs, writes).
// Frames: the first 32 Fashion-MNIST test images, upscaled to 134 x 134 px (CBO §V-A's middle
// resolution) and PNG-encoded, as offloadkit-live sends them. Skipped without the dataset.
// Run with --benchmark_enable_random_interleaving=true --benchmark_repetitions=5 on a busy machine.
#include <offloadkit/backends/onnx.hpp>
#include <offloadkit/backends/tcp.hpp>
#include <offloadkit/calibration/scores.hpp>

#include "raw_tcp_client.hpp"

#include <benchmark/benchmark.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <poll.h>
#include <time.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "../examples/common/idx.hpp"

namespace ok = offloadkit;
namespace ts = offloadkit::detail::tcp_sock;

namespace {

constexpr std::size_t server_frames = 32;
constexpr int frame_side = 134;
const std::string server_model = OFFLOADKIT_SOURCE_DIR "/examples/models/fashion/server.onnx";

/// The Fashion-MNIST models' input convention (examples/models/fashion/MODEL_CARD.md), as
/// offloadkit-server sets it.
ok::image_preprocess server_preprocess() {
    return ok::image_preprocess{.height = 28, .width = 28, .channels = 1, .order = ok::channel_order::rgb,
                                .interpolation = ok::interpolation::area, .scale = 1.0F / 255.0F,
                                .mean = {0.286F, 0.0F, 0.0F}, .std = {0.353F, 1.0F, 1.0F}};
}

struct frame_set {
    std::vector<std::vector<std::byte>> png;  ///< empty when the dataset is missing
    std::vector<std::uint32_t> label;          ///< the model's label of each frame (standalone, one thread)
};

const frame_set& frames() {
    static const frame_set f = [] {
        frame_set s;
        if (!std::filesystem::exists(std::string(ok::examples::default_fashion_mnist_dir) +
                                     "/t10k-images-idx3-ubyte.gz")) {
            return s;
        }
        const ok::examples::fashion_mnist d = ok::examples::load_fashion_mnist();
        ok::onnx_classifier clf(ok::onnx_model::load(server_model), server_preprocess());
        std::vector<float> logits(clf.num_classes());
        for (std::size_t i = 0; i < server_frames; ++i) {
            const cv::Mat small(28, 28, CV_8UC1, const_cast<std::uint8_t*>(d.test_images.image(i)));
            cv::Mat big;
            cv::resize(small, big, cv::Size(frame_side, frame_side), 0, 0, cv::INTER_LINEAR);
            std::vector<std::uint8_t> buf;
            cv::imencode(".png", big, buf);
            std::vector<std::byte> bytes(buf.size());
            std::memcpy(bytes.data(), buf.data(), buf.size());
            const ok::decoded_image img = ok::decode_image(bytes);
            (void)clf.infer(img.view(), logits);
            s.label.push_back(static_cast<std::uint32_t>(ok::top1_confidence(logits).index));
            s.png.push_back(std::move(bytes));
        }
        return s;
    }();
    return f;
}

/// One frame's work on the server: decode, preprocess + forward, top-1.
ok::top1 classify(ok::onnx_classifier& clf, std::vector<float>& logits, std::span<const std::byte> png) {
    const ok::decoded_image img = ok::decode_image(png);
    (void)clf.infer(img.view(), logits);
    return ok::top1_confidence(logits);
}

/// CPU time of the whole process (all its threads, OpenCV's own included).
double process_cpu_seconds() {
    timespec t{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

/// CPU time of the calling thread.
double thread_cpu_seconds() {
    timespec t{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

void BM_standalone(benchmark::State& state) {
    const frame_set& f = frames();
    if (f.png.empty()) {
        state.SkipWithError("Fashion-MNIST is not installed (dataset-fashion-mnist)");
        return;
    }
    ok::onnx_classifier clf(ok::onnx_model::load(server_model), server_preprocess());
    std::vector<float> logits(clf.num_classes());
    std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7;
    const double cpu_start = process_cpu_seconds();
    for (auto _ : state) {
        benchmark::DoNotOptimize(classify(clf, logits, f.png[i % f.png.size()]));
        ++i;
    }
    const double cpu = process_cpu_seconds() - cpu_start;
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    if (state.thread_index() == 0) {  // every thread runs the same iterations; counters are summed over threads
        state.counters["process_cpu_us_per_frame"] =
            1e6 * cpu / static_cast<double>(state.iterations() * static_cast<std::uint64_t>(state.threads()));
    }
}

constexpr std::size_t client_window = 4;  ///< requests in flight per connection

struct connection {
    ts::unique_fd fd;
    std::array<std::byte, ok::tcp_message_size * client_window> inbox{};  ///< every answer it can be owed
    std::size_t have = 0;      ///< bytes read and not yet taken
    std::size_t in_flight = 0;
};

void BM_server(benchmark::State& state) {
    const frame_set& f = frames();
    if (f.png.empty()) {
        state.SkipWithError("Fashion-MNIST is not installed (dataset-fashion-mnist)");
        return;
    }
    constexpr std::size_t clients = 4;
    constexpr std::size_t window = client_window;
    constexpr std::size_t batch = 64;
    ok::tcp_server_options o;
    o.workers = static_cast<std::size_t>(state.range(0));
    o.max_queue = clients * window;
    auto handler_ns = std::make_shared<std::atomic<std::int64_t>>(0);  // CPU time inside `classify`
    ok::tcp_server server(o, [handler_ns](std::size_t) {
        auto clf = std::make_shared<ok::onnx_classifier>(ok::onnx_model::load(server_model), server_preprocess());
        auto logits = std::make_shared<std::vector<float>>(clf->num_classes());
        return ok::tcp_handler([clf, logits, handler_ns](const ok::tcp_job& j) {
            const double t0 = thread_cpu_seconds();
            const ok::top1 t = classify(*clf, *logits, j.payload);
            handler_ns->fetch_add(static_cast<std::int64_t>(1e9 * (thread_cpu_seconds() - t0)));
            return ok::tcp_verdict{static_cast<std::uint32_t>(t.index), static_cast<float>(t.confidence), true};
        });
    });
    std::array<connection, clients> conns;
    const ts::address a = ts::parse_address("127.0.0.1", server.port(), "bench_server");
    for (connection& c : conns) {
        c.fd = ts::unique_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        (void)ts::set_int_option(c.fd.get(), IPPROTO_TCP, TCP_NODELAY, 1);
        if (::connect(c.fd.get(), a.get(), a.length) != 0) {
            state.SkipWithError("connect failed");
            return;
        }
    }
    std::uint64_t next_id = 0;
    const double cpu_start = process_cpu_seconds();
    const double client_start = thread_cpu_seconds();
    const std::int64_t handler_start = handler_ns->load();
    for (auto _ : state) {
        std::size_t sent = 0;
        std::size_t answered = 0;
        for (connection& c : conns) {  // fill every window
            for (; c.in_flight < window && sent < batch; ++c.in_flight, ++sent, ++next_id) {
                if (!offloadkit_bench::send_request(c.fd.get(), next_id, 0, f.png[next_id % f.png.size()])) {
                    state.SkipWithError("send failed");
                    return;
                }
            }
        }
        while (answered < batch) {
            std::array<pollfd, clients> p{};
            for (std::size_t k = 0; k < clients; ++k) {
                p[k] = pollfd{conns[k].fd.get(), POLLIN, 0};
            }
            if (::poll(p.data(), p.size(), 5000) <= 0) {
                state.SkipWithError("no answer within 5 s");
                return;
            }
            for (std::size_t k = 0; k < clients; ++k) {
                connection& c = conns[k];
                if ((p[k].revents & (POLLIN | POLLERR | POLLHUP)) == 0) {
                    continue;
                }
                // every answer that is there in one read (at most the window's worth is owed)
                const ssize_t n = ::recv(c.fd.get(), c.inbox.data() + c.have, c.inbox.size() - c.have, 0);
                if (n <= 0) {
                    state.SkipWithError("connection closed");
                    return;
                }
                c.have += static_cast<std::size_t>(n);
                std::size_t at = 0;
                for (; c.have - at >= ok::tcp_message_size; at += ok::tcp_message_size) {
                    ok::tcp_answer ans;
                    if (ok::decode_tcp_answer(std::span<const std::byte>(c.inbox).subspan(at, ok::tcp_message_size), ans) !=
                            ok::tcp_wire_error::none ||
                        ans.status != ok::tcp_status::ok || ans.label != f.label[ans.id % f.png.size()]) {
                        state.SkipWithError("bad answer");
                        return;
                    }
                    --c.in_flight;
                    ++answered;
                    if (sent < batch) {
                        if (!offloadkit_bench::send_request(c.fd.get(), next_id, 0, f.png[next_id % f.png.size()])) {
                            state.SkipWithError("send failed");
                            return;
                        }
                        ++c.in_flight;
                        ++sent;
                        ++next_id;
                    }
                }
                std::memmove(c.inbox.data(), c.inbox.data() + at, c.have - at);
                c.have -= at;
            }
        }
    }
    const double cpu = process_cpu_seconds() - cpu_start;
    const double client = thread_cpu_seconds() - client_start;
    const auto n = static_cast<double>(state.iterations() * batch);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
    state.counters["process_cpu_us_per_frame"] = 1e6 * cpu / n;
    // without the client thread (a device elsewhere in a deployment): the server's I/O thread and
    // workers, the figure to hold against BM_standalone's process_cpu_us_per_frame
    state.counters["server_cpu_us_per_frame"] = 1e6 * (cpu - client) / n;
    state.counters["client_cpu_us_per_frame"] = 1e6 * client / n;
    // the server's own cost: its I/O thread and the workers outside the handler (hand-offs, writes)
    const double handler = 1e-9 * static_cast<double>(handler_ns->load() - handler_start);
    state.counters["overhead_cpu_us_per_frame"] = 1e6 * (cpu - client - handler) / n;
    const ok::tcp_server_stats st = server.stats();
    state.counters["max_queue_depth"] = static_cast<double>(st.max_queue_depth);
}

}  // namespace

BENCHMARK(BM_standalone)->ThreadRange(1, 4)->UseRealTime()->MinTime(1.0);
BENCHMARK(BM_server)->ArgName("workers")->RangeMultiplier(2)->Range(1, 4)->UseRealTime()->MinTime(1.0);

BENCHMARK_MAIN();
