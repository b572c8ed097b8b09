// offloadkit-live: the CBO pipeline (runtime/cbo_pipeline.hpp) on this machine, for real time:
// a camera thread pushes Fashion-MNIST frames at a fixed rate, the local "NPU" model runs on each
// one, the pipeline (on its std::jthread runner) decides what to offload, a shaped uplink paces
// the chosen frames into a loopback TCP connection, and an edge-server process answers.
//
//   client (this process)                                server (forked child)
//   ---------------------                                ---------------------
//   capture loop: run.push(frame) at `fps`               accept one loopback connection
//   NPU: npu_fp16.onnx on the real image                 read requests (header + frame bytes)
//   pipeline_runner: poll() at next_due / 1 ms           answer with the server model's label
//   shaped_uplink: token bucket at --bandwidth-mbps      after T^o (processing) + L (network)
//   tcp_remote: reads answers, fails pending on EOF
//
// Models (docs/demo-trace.md, examples/common/fashion_frames.hpp): the NPU is the trace's
// npu_fp16.onnx, run through offloadkit::onnx on every frame's 224 px image as the trace renders it; the frames sent are the image shrunk to the
// chosen resolution's r x r (6..28 px), padded to the trace's PNG size of the paper's
// 45..224 px colour frame. The server model is the trace's server.onnx, whose answers at every
// resolution are recorded in the trace: the server replays them.
// Without the dataset (--data-dir) the NPU's recorded answers are replayed too (logits rebuilt
// from its label and confidence).
//
// Output: one JSON object per second, then a summary object. `--kill-server-after S` kills the
// server with SIGKILL at S seconds: the remaining frames fall back to the NPU, none is lost, none
// misses its deadline. Loopback addresses only; every loop is bounded in count and time.
// offloadkit-backend: onnx
#include <offloadkit/offloadkit.hpp>
#include <offloadkit/io/csv.hpp>
#include <offloadkit/io/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/fashion_trace.hpp"

namespace ok = offloadkit;
namespace ex = offloadkit::examples;

namespace {

constexpr std::size_t resolutions = 5;
constexpr std::size_t request_header = 24;
constexpr std::size_t reply_size = 24;

const char* const usage_text =
    "usage: offloadkit-live [options]\n"
    "  --seconds S            run length (default 60)\n"
    "  --fps F                frame rate (default 30)\n"
    "  --bandwidth-mbps B     uplink shaped to B Mbit/s in the client (default 5)\n"
    "  --latency-ms L         network latency added by the server to each answer (default 100)\n"
    "  --server-ms T          server processing time per frame (default 37)\n"
    "  --deadline-ms D        deadline per frame (default 200)\n"
    "  --kill-server-after S  SIGKILL the server S seconds into the run (default: never)\n"
    "  --guard-ms G           deliver local results G ms before the deadline (default 10)\n"
    "  --margin-ms M          the policy plans with T^o + M for timing jitter (default 15)\n"
    "  --garbage-every N      the server sends 7 garbage bytes before every N-th answer (default 0)\n"
    "  --trace PATH           the bundled Fashion-MNIST trace (default examples/data/...)\n"
    "  --data-dir DIR         Fashion-MNIST files (default /usr/share/datasets/fashion-mnist)\n"
    "  --replay-npu           replay the trace's NPU answers instead of running the model\n";

struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct settings {
    double seconds = 60.0;
    double fps = 30.0;
    double bandwidth_mbps = 5.0;
    double latency_ms = 100.0;
    double server_ms = 37.0;
    double deadline_ms = 200.0;
    double kill_after = -1.0;
    double guard_ms = 10.0;
    double margin_ms = 15.0;
    std::size_t garbage_every = 0;
    std::string trace_path = OFFLOADKIT_EXAMPLES_DIR "/data/fashion_mnist_trace.csv";
    std::string data_dir = ex::default_fashion_mnist_dir;
    bool replay_npu = false;
};

double number_arg(const std::string& flag, const std::string& v, double lo, double hi) {
    double x = 0.0;
    std::size_t used = 0;
    try {
        x = std::stod(v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != v.size() || !std::isfinite(x) || x < lo || x > hi) {
        throw usage_error(flag + ": '" + v + "' is not a number in [" + std::to_string(lo) + ", " +
                          std::to_string(hi) + "]");
    }
    return x;
}

settings parse_args(int argc, char** argv) {
    settings s;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            std::fputs(usage_text, stdout);
            std::exit(0);
        }
        if (flag == "--replay-npu") {
            s.replay_npu = true;
            continue;
        }
        if (i + 1 >= argc) {
            throw usage_error(flag + ": missing value");
        }
        const std::string v = argv[++i];
        if (flag == "--seconds") {
            s.seconds = number_arg(flag, v, 1.0, 3600.0);
        } else if (flag == "--fps") {
            s.fps = number_arg(flag, v, 1.0, 240.0);
        } else if (flag == "--bandwidth-mbps") {
            s.bandwidth_mbps = number_arg(flag, v, 0.01, 10000.0);
        } else if (flag == "--latency-ms") {
            s.latency_ms = number_arg(flag, v, 0.0, 10000.0);
        } else if (flag == "--server-ms") {
            s.server_ms = number_arg(flag, v, 0.0, 10000.0);
        } else if (flag == "--deadline-ms") {
            s.deadline_ms = number_arg(flag, v, 1.0, 60000.0);
        } else if (flag == "--kill-server-after") {
            s.kill_after = number_arg(flag, v, 0.0, 3600.0);
        } else if (flag == "--guard-ms") {
            s.guard_ms = number_arg(flag, v, 0.0, 1000.0);
        } else if (flag == "--margin-ms") {
            s.margin_ms = number_arg(flag, v, 0.0, 1000.0);
        } else if (flag == "--garbage-every") {
            s.garbage_every = static_cast<std::size_t>(number_arg(flag, v, 0.0, 1e6));
        } else if (flag == "--trace") {
            s.trace_path = v;
        } else if (flag == "--data-dir") {
            s.data_dir = v;
        } else {
            throw usage_error("unknown option " + flag);
        }
    }
    if (s.guard_ms >= s.deadline_ms) {
        throw usage_error("--guard-ms must be below --deadline-ms");
    }
    return s;
}

// ---- the trace --------------------------------------------------------------------------------

struct row {
    std::size_t test_index = 0;
    std::uint8_t truth = 0;
    std::uint8_t npu_label = 0;
    double npu_confidence = 0.0;
    std::array<double, resolutions> bytes{};
    std::array<std::uint8_t, resolutions> server_label{};
};

std::vector<row> load_rows(const std::string& path) {
    const auto t = ok::io::read_csv_file(path, "offloadkit-live");
    const std::size_t c_test = t.column("test_index");
    const std::size_t c_true = t.column("true_label");
    const std::size_t c_npu = t.column("npu_label");
    const std::size_t c_conf = t.column("npu_confidence");
    std::array<std::size_t, resolutions> c_bytes{};
    std::array<std::size_t, resolutions> c_server{};
    for (std::size_t r = 0; r < resolutions; ++r) {
        const std::string res = std::to_string(ex::paper_resolutions[r]);
        c_bytes[r] = t.column("bytes@" + res);
        c_server[r] = t.column("server_label@" + res);
    }
    std::vector<row> rows(t.rows());
    for (std::size_t i = 0; i < t.rows(); ++i) {
        auto label = [&](std::size_t c) {
            const double v = t.number(i, c);
            if (v < 0 || v > 9 || v != std::floor(v)) {
                throw ok::invalid_argument("offloadkit-live: line " + std::to_string(t.line_of(i)) + ": bad label");
            }
            return static_cast<std::uint8_t>(v);
        };
        rows[i].test_index = static_cast<std::size_t>(t.number(i, c_test));
        rows[i].truth = label(c_true);
        rows[i].npu_label = label(c_npu);
        rows[i].npu_confidence = t.number(i, c_conf);
        for (std::size_t r = 0; r < resolutions; ++r) {
            rows[i].bytes[r] = t.number(i, c_bytes[r]);
            rows[i].server_label[r] = label(c_server[r]);
        }
    }
    if (rows.size() < 100) {
        throw ok::invalid_argument("offloadkit-live: the trace has fewer than 100 frames");
    }
    return rows;
}

// ---- the local model ------------------------------------------------------------------------------

/// Everything the backends read (immutable once the run starts).
struct live_data {
    std::vector<row> rows;
    std::size_t split = 0;                  ///< rows [0, split) profile the server and fit Platt
    bool real_model = false;
    std::optional<ex::fashion_mnist> dataset;
    std::unique_ptr<ex::fashion_models> models;       ///< the trace's ONNX models (offloadkit::onnx)
    std::unique_ptr<ex::fashion_frame_pipeline> pipe;  ///< renders the trace's 224 px frame
};

struct live_frame {
    std::uint32_t row = 0;
};

/// local_executor: the fp16 NPU model on the frame's 224 px image (or its recorded answer).
struct live_npu {
    explicit live_npu(const live_data* data) : d(data) {}
    const live_data* d;
    [[nodiscard]] std::size_t num_classes() const { return 10; }
    double infer(const live_frame& f, std::span<float> logits) {
        const auto t0 = std::chrono::steady_clock::now();
        const row& r = d->rows[f.row];
        if (d->real_model) {
            d->pipe->render(d->dataset->test_images.image(r.test_index), r.test_index);
            (void)d->models->npu.infer(d->pipe->level(ex::paper_resolutions.size() - 1), logits);
        } else {
            // Logits whose softmax has the recorded label and confidence.
            const double c = std::clamp(r.npu_confidence, 1e-6, 1.0);
            const double rest = c >= 1.0 ? -40.0 : std::log((1.0 / c - 1.0) / 9.0);
            for (std::size_t k = 0; k < logits.size(); ++k) {
                logits[k] = k == r.npu_label ? 0.0F : static_cast<float>(rest);
            }
        }
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
};

// ---- wire formats (little-endian) ---------------------------------------------------------------
// request: "OKLQ", version 1, resolution, 2 reserved, id u64, row u32, total length u32, then the
//          r x r image (r = 6, 11, 17, 22, 28) and zero padding up to the trace's PNG size.
// reply:   "OKLR", id u64, label u32, confidence f32 bits, ok u8, 3 reserved (24 bytes).

void put_u32(std::byte* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) {
        p[i] = static_cast<std::byte>((v >> (8 * i)) & 0xFF);
    }
}
void put_u64(std::byte* p, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
        p[i] = static_cast<std::byte>((v >> (8 * i)) & 0xFF);
    }
}
std::uint32_t get_u32(const std::byte* p) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
        v |= static_cast<std::uint32_t>(std::to_integer<std::uint8_t>(p[i])) << (8 * i);
    }
    return v;
}
std::uint64_t get_u64(const std::byte* p) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
        v |= static_cast<std::uint64_t>(std::to_integer<std::uint8_t>(p[i])) << (8 * i);
    }
    return v;
}
bool has_magic(const std::byte* p, const char* m) {
    return std::memcmp(p, m, 4) == 0;
}

/// frame_encoder: sizes from the trace; the request with the shrunken image, padded.
struct live_encoder {
    explicit live_encoder(const live_data* data) : d(data) {}
    const live_data* d;
    std::vector<std::byte> buf;
    void sizes(const live_frame& f, std::span<double> bytes) const {
        const row& r = d->rows[f.row];
        for (std::size_t k = 0; k < bytes.size() && k < resolutions; ++k) {
            bytes[k] = r.bytes[k];
        }
    }
    std::span<const std::byte> encode(const live_frame& f, std::size_t res, std::uint64_t id) {
        const row& r = d->rows[f.row];
        const std::size_t side = ex::model_resolutions[res];
        const std::size_t size = std::max(static_cast<std::size_t>(r.bytes[res]), request_header + side * side);
        buf.assign(size, std::byte{0});
        std::memcpy(buf.data(), "OKLQ", 4);
        buf[4] = std::byte{1};
        buf[5] = static_cast<std::byte>(res);
        put_u64(buf.data() + 8, id);
        put_u32(buf.data() + 16, f.row);
        put_u32(buf.data() + 20, static_cast<std::uint32_t>(size));
        if (d->dataset) {  // the r x r picture the trace's frame at this resolution carries
            const auto n = static_cast<int>(ex::image_side);
            const cv::Mat src(n, n, CV_8UC1, const_cast<std::uint8_t*>(d->dataset->test_images.image(r.test_index)));
            const auto sz = static_cast<int>(side);
            cv::Mat dst(sz, sz, CV_8UC1, reinterpret_cast<std::uint8_t*>(buf.data() + request_header));
            cv::resize(src, dst, cv::Size(sz, sz), 0.0, 0.0, cv::INTER_AREA);
        }
        return buf;
    }
};

/// The loopback connection both client backends use (only ever touched under the runner's lock).
struct connection {
    int fd = -1;
    bool open = true;
};

/// transfer_link: a token bucket at `rate` bytes/s feeding the socket; pumped on every poll.
struct shaped_uplink {
    shaped_uplink(connection* conn, double bytes_per_second, double latency) : c(conn), rate(bytes_per_second), latency_s(latency) {}
    connection* c;
    double rate;
    double latency_s;
    std::vector<std::byte> buf;
    std::size_t size = 0;
    std::size_t sent = 0;
    std::chrono::steady_clock::time_point start{};
    bool busy = false;
    bool failed = false;
    [[nodiscard]] double bandwidth() const { return rate; }
    [[nodiscard]] double latency() const { return latency_s; }
    bool send(std::span<const std::byte> bytes) {
        if (!c->open || busy) {
            return false;
        }
        buf.assign(bytes.begin(), bytes.end());
        size = bytes.size();
        sent = 0;
        failed = false;
        busy = true;
        start = std::chrono::steady_clock::now();
        return true;
    }
    std::optional<ok::transfer_report> poll_completed() {
        if (!busy) {
            return std::nullopt;
        }
        const auto now = std::chrono::steady_clock::now();
        const double elapsed = std::chrono::duration<double>(now - start).count();
        const auto allowed = static_cast<std::size_t>(std::min(static_cast<double>(size), std::floor(elapsed * rate)));
        for (int k = 0; k < 64 && sent < allowed && !failed; ++k) {  // bounded
            const ssize_t n = ::send(c->fd, buf.data() + sent, allowed - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                sent += static_cast<std::size_t>(n);
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                break;
            } else {
                failed = true;
                c->open = false;
            }
        }
        if (failed || sent == size) {
            busy = false;
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            return ok::transfer_report{static_cast<double>(size), seconds, !failed};
        }
        return std::nullopt;
    }
};

/// remote_executor<offload_request>: reads answers; on EOF fails every pending request at once.
struct tcp_remote {
    explicit tcp_remote(connection* conn) : c(conn) {}
    connection* c;
    std::vector<std::byte> rx;
    std::vector<std::uint64_t> pending;
    std::deque<ok::remote_result> ready;
    std::uint64_t malformed_bytes = 0;
    std::array<std::byte, 65536> chunk{};
    bool submit(std::uint64_t id, const ok::offload_request&) {
        if (!c->open) {
            return false;
        }
        pending.push_back(id);
        return true;
    }
    std::optional<ok::remote_result> poll() {
        if (ready.empty()) {
            read();
        }
        if (ready.empty()) {
            return std::nullopt;
        }
        const ok::remote_result r = ready.front();
        ready.pop_front();
        return r;
    }

private:
    void read() {
        for (int k = 0; k < 16 && c->open; ++k) {  // bounded
            const ssize_t n = ::recv(c->fd, chunk.data(), chunk.size(), MSG_DONTWAIT);
            if (n > 0) {
                rx.insert(rx.end(), chunk.begin(), chunk.begin() + n);
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                break;
            } else {
                c->open = false;  // EOF or reset: the server is gone
            }
        }
        std::size_t at = 0;
        while (rx.size() - at >= reply_size) {
            const std::byte* p = rx.data() + at;
            if (!has_magic(p, "OKLR")) {
                ++malformed_bytes;  // resynchronise one byte at a time
                ++at;
                continue;
            }
            ok::remote_result r;
            r.id = get_u64(p + 4);
            r.label = get_u32(p + 12);
            r.confidence = static_cast<double>(std::bit_cast<float>(get_u32(p + 16)));
            r.ok = std::to_integer<unsigned>(p[20]) == 1;
            at += reply_size;
            const auto it = std::find(pending.begin(), pending.end(), r.id);
            if (it != pending.end()) {
                pending.erase(it);
            }
            ready.push_back(r);
        }
        rx.erase(rx.begin(), rx.begin() + static_cast<std::ptrdiff_t>(at));
        if (!c->open) {
            for (const std::uint64_t id : pending) {
                ready.push_back(ok::remote_result{id, 0, 0.0, false});
            }
            pending.clear();
        }
    }
};

// ---- the edge server (child process) ------------------------------------------------------------

void serve(int listen_fd, const live_data& d, const settings& s) {
    const auto t_begin = std::chrono::steady_clock::now();
    const auto limit = t_begin + std::chrono::duration<double>(s.seconds + 60.0);
    pollfd lp{listen_fd, POLLIN, 0};
    if (::poll(&lp, 1, 20000) != 1) {
        return;
    }
    const int fd = ::accept(listen_fd, nullptr, nullptr);
    if (fd < 0) {
        return;
    }
    const int one = 1;
    (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::vector<std::byte> rx;
    std::array<std::byte, 65536> chunk{};
    struct due_reply {
        std::chrono::steady_clock::time_point at;
        std::array<std::byte, reply_size> bytes;
    };
    std::deque<due_reply> replies;  // due times are non-decreasing (FIFO, equal delay)
    const auto delay = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>((s.server_ms + s.latency_ms) / 1000.0));
    std::size_t answered = 0;
    bool eof = false;
    while (std::chrono::steady_clock::now() < limit && !(eof && replies.empty())) {
        // Wait for input or the next reply, whichever first (at most 50 ms).
        const auto now = std::chrono::steady_clock::now();
        timespec ts{0, 50'000'000};
        if (!replies.empty()) {
            const auto left = replies.front().at - now;
            const auto ns = std::max<long long>(0, std::chrono::duration_cast<std::chrono::nanoseconds>(left).count());
            ts = timespec{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
        }
        pollfd p{fd, static_cast<short>(eof ? 0 : POLLIN), 0};
        (void)::ppoll(&p, 1, &ts, nullptr);
        if (!eof && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            const ssize_t n = ::recv(fd, chunk.data(), chunk.size(), MSG_DONTWAIT);
            if (n > 0) {
                rx.insert(rx.end(), chunk.begin(), chunk.begin() + n);
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                eof = true;
            }
        }
        // Complete requests: validate, look the frame up, schedule the answer.
        std::size_t at = 0;
        while (rx.size() - at >= request_header) {
            const std::byte* h = rx.data() + at;
            const std::uint32_t total = get_u32(h + 20);
            const std::uint32_t r = get_u32(h + 16);
            const auto res = std::to_integer<std::size_t>(h[5]);
            if (!has_magic(h, "OKLQ") || std::to_integer<int>(h[4]) != 1 || res >= resolutions || r >= d.rows.size() ||
                total < request_header || total > 16u * 1024u * 1024u) {
                eof = true;  // a protocol error: drop the connection, as a real server would
                rx.clear();
                at = 0;
                break;
            }
            if (rx.size() - at < total) {
                break;
            }
            due_reply out{std::chrono::steady_clock::now() + delay, {}};
            std::memcpy(out.bytes.data(), "OKLR", 4);
            put_u64(out.bytes.data() + 4, get_u64(h + 8));
            put_u32(out.bytes.data() + 12, d.rows[r].server_label[res]);
            put_u32(out.bytes.data() + 16, std::bit_cast<std::uint32_t>(0.9F));
            out.bytes[20] = std::byte{1};
            replies.push_back(out);
            at += total;
        }
        rx.erase(rx.begin(), rx.begin() + static_cast<std::ptrdiff_t>(at));
        // Send the answers that are due.
        for (int k = 0; k < 1024 && !replies.empty() && replies.front().at <= std::chrono::steady_clock::now(); ++k) {
            ++answered;
            if (s.garbage_every > 0 && answered % s.garbage_every == 0) {
                const char junk[7] = {'g', 'a', 'r', 'b', 'a', 'g', 'e'};
                (void)::send(fd, junk, sizeof junk, MSG_NOSIGNAL);
            }
            if (::send(fd, replies.front().bytes.data(), reply_size, MSG_NOSIGNAL) < 0) {
                replies.clear();
                eof = true;
                break;
            }
            replies.pop_front();
        }
    }
    ::close(fd);
}

// ---- what the client saw --------------------------------------------------------------------------

struct tally {
    std::mutex m;
    std::vector<std::uint8_t> seen;     // results per frame id
    std::vector<std::uint32_t> row_of;  // frame id -> trace row
    std::uint64_t results = 0, duplicates = 0, correct = 0, npu_correct = 0, misses = 0;
    std::uint64_t server = 0, late = 0, failed = 0, kept = 0;
    std::array<std::uint64_t, 16> causes{};
    double kill_time = -1.0;  // pipeline clock
    std::uint64_t after = 0, after_correct = 0, after_npu_correct = 0, after_server = 0;
};

double ratio(std::uint64_t a, std::uint64_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b); }

int run_main(int argc, char** argv) {
    const settings s = parse_args(argc, argv);
    ::signal(SIGPIPE, SIG_IGN);
    live_data d;
    d.rows = load_rows(s.trace_path);
    d.split = d.rows.size() * 3 / 10;
    std::string npu_source = "replayed from the trace";
    if (!s.replay_npu) {
        struct stat st {};
        if (::stat((s.data_dir + "/t10k-images-idx3-ubyte.gz").c_str(), &st) == 0) {
            d.dataset = ex::load_fashion_mnist(s.data_dir);
            d.models = std::make_unique<ex::fashion_models>(ex::load_fashion_models());
            d.pipe = std::make_unique<ex::fashion_frame_pipeline>(*d.models, ex::trace_options{}.seed);
            d.real_model = true;
            npu_source = "npu_fp16.onnx through offloadkit::onnx on the trace's 224 px frame, run on every frame";
        } else {
            std::fprintf(stderr, "offloadkit-live: %s not found: replaying the trace's NPU answers\n",
                         s.data_dir.c_str());
        }
    }
    // Profile (as the demo does): A^o_r and Platt on the first 30% of the trace.
    ok::offload_model model;
    model.deadline = s.deadline_ms / 1000.0;
    model.server_time = (s.server_ms + s.margin_ms) / 1000.0;
    model.network_latency = s.latency_ms / 1000.0;
    model.server_accuracy.assign(resolutions, 0.0);
    std::vector<double> conf(d.split);
    std::vector<std::uint8_t> right(d.split);
    for (std::size_t i = 0; i < d.split; ++i) {
        for (std::size_t r = 0; r < resolutions; ++r) {
            model.server_accuracy[r] += d.rows[i].server_label[r] == d.rows[i].truth ? 1.0 : 0.0;
        }
        conf[i] = d.rows[i].npu_confidence;
        right[i] = d.rows[i].npu_label == d.rows[i].truth ? 1 : 0;
    }
    for (auto& a : model.server_accuracy) {
        a /= static_cast<double>(d.split);
    }
    const auto platt = ok::platt_calibrator::fit(conf, right);

    // The server: a forked child on a loopback socket.
    const int listen_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (listen_fd < 0) {
        throw std::runtime_error("socket() failed");
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd, 1) != 0 ||
        ::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    std::fflush(stdout);
    const pid_t child = ::fork();
    if (child < 0) {
        throw std::runtime_error("fork() failed");
    }
    if (child == 0) {
        serve(listen_fd, d, s);
        ::_exit(0);
    }
    ::close(listen_fd);
    connection conn;
    conn.fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (conn.fd < 0 || ::connect(conn.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::kill(child, SIGKILL);
        ::waitpid(child, nullptr, 0);
        throw std::runtime_error("cannot connect to the server on 127.0.0.1");
    }
    const int one = 1;
    (void)::setsockopt(conn.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    bool server_alive = true;

    // The pipeline and its runner.
    const double rate = s.bandwidth_mbps * 1e6 / 8.0;
    ok::pipeline_options opt;
    opt.model = model;
    opt.capacity = 128;
    opt.deadline_guard = s.guard_ms / 1000.0;
    ok::steady_clock_source clock;
    auto pipe = ok::make_cbo_pipeline<live_frame>(
        opt, platt, live_npu(&d), live_encoder(&d), shaped_uplink(&conn, rate, model.network_latency),
        tcp_remote(&conn), ok::harmonic_mean_estimator(5, rate), clock);
    const auto frames = static_cast<std::size_t>(std::llround(s.seconds * s.fps));
    tally t;
    t.seen.assign(frames, 0);
    t.row_of.assign(frames, 0);
    std::vector<std::uint32_t> rows_used(frames);
    for (std::size_t i = 0; i < frames; ++i) {
        rows_used[i] = static_cast<std::uint32_t>(d.split + i % (d.rows.size() - d.split));
    }
    // The NPU's answer on every frame, for the local-only accuracy the summary compares with.
    std::vector<std::size_t> npu_pred(frames);
    std::size_t npu_agree = 0;
    {
        live_npu npu(&d);
        std::array<float, 10> lg{};
        for (std::size_t i = 0; i < frames; ++i) {
            (void)npu.infer(live_frame{rows_used[i]}, lg);
            npu_pred[i] = ok::top1_confidence(lg).index;
            npu_agree += npu_pred[i] == d.rows[rows_used[i]].npu_label ? 1 : 0;
        }
    }
    auto sink = [&](const ok::frame_result& r) {
        std::lock_guard lock(t.m);
        if (r.id >= frames) {
            return;
        }
        if (t.seen[r.id]++ != 0) {
            ++t.duplicates;
            return;
        }
        const row& fr = d.rows[rows_used[r.id]];
        const bool right_answer = r.label == fr.truth;
        const bool npu_right = npu_pred[r.id] == fr.truth;  // the NPU's own answer on this frame
        ++t.results;
        t.correct += right_answer ? 1 : 0;
        t.npu_correct += npu_right ? 1 : 0;
        t.misses += r.delivered_at > std::max(r.deadline, r.local_ready) ? 1 : 0;
        ++t.causes[static_cast<std::size_t>(r.cause) % t.causes.size()];
        switch (r.reason) {
            case ok::result_reason::server: ++t.server; break;
            case ok::result_reason::server_late: ++t.late; break;
            case ok::result_reason::server_failed: ++t.failed; break;
            case ok::result_reason::kept_local: ++t.kept; break;
        }
        if (t.kill_time >= 0.0 && r.arrival >= t.kill_time) {
            ++t.after;
            t.after_correct += right_answer ? 1 : 0;
            t.after_npu_correct += npu_right ? 1 : 0;
            t.after_server += r.reason == ok::result_reason::server ? 1 : 0;
        }
    };
    const auto wall0 = std::chrono::steady_clock::now();
    {
        ok::pipeline_runner run(pipe, sink, 0.001);
        const auto begin = std::chrono::steady_clock::now();
        double next_report = 1.0;
        for (std::size_t i = 0; i < frames; ++i) {  // bounded: `frames` iterations
            std::this_thread::sleep_until(begin + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                      std::chrono::duration<double>(static_cast<double>(i) / s.fps)));
            const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
            if (server_alive && s.kill_after >= 0.0 && elapsed >= s.kill_after) {
                ::kill(child, SIGKILL);
                ::waitpid(child, nullptr, 0);
                server_alive = false;
                std::lock_guard lock(t.m);
                t.kill_time = clock.now();
            }
            (void)run.push(live_frame{rows_used[i]});
            if (elapsed >= next_report) {
                const ok::pipeline_stats st = run.stats();
                const double estimate = run.with_pipeline([](auto& p) { return p.estimator().estimate(); });
                std::lock_guard lock(t.m);
                ok::io::json_object j;
                j.add("t", std::round(elapsed))
                    .add("frames_in", st.frames_in)
                    .add("results_out", t.results)
                    .add("accuracy", ratio(t.correct, t.results))
                    .add("local_accuracy", ratio(t.npu_correct, t.results))
                    .add("offloaded", st.offloaded)
                    .add("server", t.server)
                    .add("late", t.late)
                    .add("fallbacks", t.late + t.failed)
                    .add("kept_local", t.kept)
                    .add("deadline_misses", t.misses)
                    .add("bandwidth_estimate_mbps", estimate * 8.0 / 1e6)
                    .add("server_alive", server_alive);
                std::puts(j.str().c_str());
                std::fflush(stdout);
                next_report += 1.0;
            }
        }
        (void)run.wait_idle(2.0 * s.deadline_ms / 1000.0 + 1.0);  // bounded
        run.stop();  // flushes anything still outstanding (nothing, normally)
        if (const auto e = run.last_error()) {
            std::rethrow_exception(e);
        }
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    ::close(conn.fd);
    if (server_alive) {
        ::waitpid(child, nullptr, 0);  // the server exits on EOF
    }
    const ok::pipeline_stats& st = pipe.stats();
    std::size_t lost = 0;
    for (const auto c : t.seen) {
        lost += c == 0 ? 1 : 0;
    }
    ok::io::json_object sum;
    sum.add("summary", true)
        .add("seconds", s.seconds)
        .add("wall_seconds", wall)
        .add("fps", s.fps)
        .add("bandwidth_mbps", s.bandwidth_mbps)
        .add("npu", npu_source)
        .add("npu_agrees_with_trace", ratio(npu_agree, frames))
        .add("frames_in", st.frames_in)
        .add("results_out", t.results)
        .add("frames_lost", lost)
        .add("duplicates", t.duplicates)
        .add("deadline_misses", t.misses)
        .add("pipeline_deadline_misses", st.deadline_misses)
        .add("accuracy", ratio(t.correct, t.results))
        .add("local_accuracy", ratio(t.npu_correct, t.results))
        .add("offloaded", st.offloaded)
        .add("server", t.server)
        .add("server_late", t.late)
        .add("server_failed", t.failed)
        .add("kept_local", t.kept)
        .add("breaker_trips", st.breaker_trips)
        .add("probes", st.probes)
        .add("bytes_sent", st.bytes_sent)
        .add("malformed_reply_bytes", pipe.remote().malformed_bytes)
        .add("stale_results", st.stale_results)
        .add("unknown_results", st.unknown_results)
        .add("clock_regressions", st.clock_regressions);
    ok::io::json_object causes;
    for (std::size_t c = 0; c <= static_cast<std::size_t>(ok::fallback_cause::flushed); ++c) {
        if (t.causes[c] != 0) {
            causes.add(ok::cause_name(static_cast<ok::fallback_cause>(c)), t.causes[c]);
        }
    }
    sum.add("causes", causes);
    if (t.kill_time >= 0.0) {
        sum.add("killed_at", t.kill_time)
            .add("frames_after_kill", t.after)
            .add("server_after_kill", t.after_server)
            .add("accuracy_after_kill", ratio(t.after_correct, t.after))
            .add("local_accuracy_after_kill", ratio(t.after_npu_correct, t.after));
    }
    std::puts(sum.str().c_str());
    return (lost == 0 && t.duplicates == 0 && t.misses == 0) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run_main(argc, argv);
    } catch (const usage_error& e) {
        std::fprintf(stderr, "offloadkit-live: %s\n%s", e.what(), usage_text);
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "offloadkit-live: %s\n", e.what());
        return 2;
    }
}
