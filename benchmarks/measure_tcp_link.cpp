// offloadkit-measure-tcp-link: how well each completion rule of tcp_link (backends/tcp/client.hpp)
// measures a transfer, and what bandwidth estimate each gives, on a real (shaped) link.
//
// Meant to run inside a network namespace whose loopback is shaped by a token bucket
// (scripts/measure-tcp-link sets it up and runs this). Everything happens on 127.0.0.1 in this
// process: a receiver thread reads the offload protocol's requests with blocking recv() and
// timestamps the first and last byte of each frame (CLOCK_MONOTONIC, the same clock the client
// uses), and answers each one at once. The truth for a transfer is the receiver's time of its last
// byte minus the moment send() was called.
//
//   --mode error      for each completion rule and each host polling period: N frames of CBO's
//                     five sizes (1500 ... 37000 bytes), one at a time on an idle link; one JSON
//                     line per (rule, period) with the error of the reported duration against the
//                     truth (mean, median and 95th percentile of |error|, in ms) and of the
//                     throughput the samples add up to (sum bytes / sum seconds, relative).
//   --mode estimate   frames arrive at --fps; the uplink sends the newest one when it is free
//                     (first come first served); a harmonic-mean estimator (window 5) and a dual
//                     EWMA (half-lives 0.5 s / 2 s) are fed with each rule's reports; one JSON line
//                     every 0.5 s with their estimates and the receiver's goodput, and one per rate
//                     phase with the median throughput sample of each frame size.
//   --notsent-lowat B sets the client's TCP_NOTSENT_LOWAT (default: not set) in either mode. --rate-schedule "0:5,10:1,20:10" changes the token
//                     bucket's rate (Mbit/s) at those seconds with tc (needs root and tc).
//
// Output: JSON lines on stdout. Errors: exit code 2 with the message on stderr.
#include <offloadkit/backends/tcp.hpp>
#include <offloadkit/estimators/bandwidth.hpp>
#include <offloadkit/io/json.hpp>

#include <poll.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace ok = offloadkit;
namespace ts = offloadkit::detail::tcp_sock;

namespace {

constexpr std::array<std::size_t, 5> sizes{1500, 6000, 13000, 24000, 37000};

struct arrival {
    double first = 0.0;  // CLOCK_MONOTONIC when the request's first bytes were read
    double last = 0.0;   // ... its last byte
    bool done = false;
};

/// Reads requests on one connection, timestamps them, answers each at once.
class receiver {
public:
    receiver() : listen_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        const ts::address a = ts::parse_address("127.0.0.1", 0, "receiver");
        (void)ts::set_int_option(listen_.get(), SOL_SOCKET, SO_REUSEADDR, 1);
        if (!listen_ || ::bind(listen_.get(), a.get(), a.length) != 0 || ::listen(listen_.get(), 4) != 0) {
            throw std::runtime_error("cannot listen on 127.0.0.1");
        }
        port_ = ts::local_port(listen_.get());
        thread_ = std::thread([this] { run(); });
    }
    ~receiver() {
        stop_ = true;
        ::shutdown(listen_.get(), SHUT_RDWR);
        if (conn_ >= 0) {
            ::shutdown(conn_, SHUT_RDWR);
        }
        thread_.join();
    }
    [[nodiscard]] std::uint16_t port() const { return port_; }
    /// The arrival record of request `id` once complete.
    bool get(std::uint64_t id, arrival& out) {
        const std::lock_guard lk(m_);
        if (id >= arrivals_.size() || !arrivals_[id].done) {
            return false;
        }
        out = arrivals_[id];
        return true;
    }
    /// Frame bytes received in (t0, t1] (by last-byte time).
    double bytes_between(double t0, double t1) {
        const std::lock_guard lk(m_);
        double b = 0.0;
        for (std::size_t i = 0; i < arrivals_.size(); ++i) {
            if (arrivals_[i].done && arrivals_[i].last > t0 && arrivals_[i].last <= t1) {
                b += static_cast<double>(bytes_[i]);
            }
        }
        return b;
    }

private:
    bool read_all(int fd, std::byte* p, std::size_t n, double* first) {
        std::size_t got = 0;
        while (got < n) {
            const ssize_t r = ::recv(fd, p + got, n - got, 0);
            if (r <= 0) {
                if (r < 0 && errno == EINTR) {
                    continue;
                }
                return false;
            }
            if (got == 0 && first != nullptr) {
                *first = ts::mono_now();
            }
            got += static_cast<std::size_t>(r);
            (void)ts::set_int_option(fd, IPPROTO_TCP, TCP_QUICKACK, 1);
        }
        return true;
    }

    void run() {
        while (!stop_) {
            const int fd = ::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) {
                return;
            }
            conn_ = fd;
            (void)ts::set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1);
            std::array<std::byte, ok::tcp_message_size> h{};
            std::vector<std::byte> payload;
            for (;;) {
                double first = 0.0;
                if (!read_all(fd, h.data(), h.size(), &first)) {
                    break;
                }
                const ok::tcp_request_header req = ok::parse_tcp_request(h);
                payload.resize(req.payload_bytes);
                if (!read_all(fd, payload.data(), payload.size(), nullptr)) {
                    break;
                }
                const double last = ts::mono_now();
                {
                    const std::lock_guard lk(m_);
                    if (req.id >= arrivals_.size()) {
                        arrivals_.resize(req.id + 1);
                        bytes_.resize(req.id + 1);
                    }
                    arrivals_[req.id] = arrival{first, last, true};
                    bytes_[req.id] = req.payload_bytes;
                }
                std::array<std::byte, ok::tcp_message_size> a{};
                ok::encode_tcp_answer(ok::tcp_answer{req.id, ok::tcp_status::ok, 0, 0.5F, 0, 0}, a);
                if (::send(fd, a.data(), a.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(a.size())) {
                    break;
                }
            }
            conn_ = -1;
            ::close(fd);
        }
    }

    ts::unique_fd listen_;
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<int> conn_{-1};
    std::mutex m_;
    std::vector<arrival> arrivals_;
    std::vector<std::uint32_t> bytes_;
};

std::size_t notsent_lowat = 0;  // --notsent-lowat

std::unique_ptr<ok::tcp_client> make_client(std::uint16_t port, ok::tcp_completion method) {
    ok::tcp_client_options o;
    o.port = port;
    o.notsent_lowat = notsent_lowat;
    o.clock = [] { return ts::mono_now(); };
    o.completion = method;
    o.stall_timeout = 5.0;
    o.answer_timeout = 30.0;
    auto c = std::make_unique<ok::tcp_client>(o);
    if (!c->wait_connected(5.0)) {
        throw std::runtime_error("cannot connect to the receiver");
    }
    return c;
}

void host_wait(double period) {
    if (period > 0.0) {
        std::this_thread::sleep_for(std::chrono::duration<double>(period));
    } else {
        std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
}

double quantile(std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    const auto i = static_cast<std::size_t>(std::floor(q * static_cast<double>(v.size() - 1) + 0.5));
    return v[std::min(i, v.size() - 1)];
}

void error_mode(std::size_t frames, const std::vector<double>& periods, const std::vector<ok::tcp_completion>& methods) {
    for (const ok::tcp_completion method : methods) {
        for (const double period : periods) {
            receiver rx;
            auto c = make_client(rx.port(), method);
            std::vector<double> err, abs_err;
            double sum_truth = 0.0, sum_reported = 0.0;
            std::vector<std::byte> buf(sizes.back());
            for (std::size_t i = 0; i < frames; ++i) {
                const std::size_t n = sizes[i % sizes.size()];
                const std::span<const std::byte> wire(buf.data(), n);
                const double t_send = ts::mono_now();
                if (!c->submit(i, ok::offload_request{i % 5, wire, 0.0, std::numeric_limits<double>::infinity()}) ||
                    !c->send(wire)) {
                    throw std::runtime_error("the client refused a frame");
                }
                std::optional<ok::transfer_report> rep;
                while (!(rep = c->poll_completed())) {
                    host_wait(period);
                }
                if (!rep->ok) {
                    throw std::runtime_error("a transfer failed");
                }
                arrival a;
                const double give_up = ts::mono_now() + 30.0;
                bool answered = false;
                while (!rx.get(i, a) || !answered) {  // the link is idle again before the next frame
                    if (const auto r = c->poll()) {
                        answered = true;
                    }
                    host_wait(0.0);
                    if (ts::mono_now() > give_up) {
                        throw std::runtime_error("no answer from the receiver");
                    }
                }
                const double truth = a.last - t_send;
                const double e = rep->seconds - truth;
                err.push_back(e);
                abs_err.push_back(std::fabs(e));
                sum_truth += truth;
                sum_reported += rep->seconds;
            }
            double mean = 0.0;
            for (const double e : err) {
                mean += e;
            }
            mean /= static_cast<double>(err.size());
            // What a harmonic mean of the samples (bytes-weighted: sum bytes / sum seconds) would be
            // off by: (sum bytes / sum reported) / (sum bytes / sum truth) - 1.
            const double throughput_error = sum_truth / sum_reported - 1.0;
            ok::io::json_object o;
            o.add("mode", "error")
                .add("completion", ok::completion_name(method))
                .add("poll_period_ms", period * 1e3)
                .add("frames", frames)
                .add("notsent_lowat", notsent_lowat)
                .add("mean_error_ms", std::round(mean * 1e6) / 1e3)
                .add("median_abs_error_ms", std::round(quantile(abs_err, 0.5) * 1e6) / 1e3)
                .add("p95_abs_error_ms", std::round(quantile(abs_err, 0.95) * 1e6) / 1e3)
                .add("throughput_error", std::round(throughput_error * 1e4) / 1e4)
                .add("mean_transfer_ms", std::round(sum_truth / static_cast<double>(frames) * 1e6) / 1e3)
                .add("timestamps_missing", c->stats().timestamps_missing);
            std::puts(o.str().c_str());
            std::fflush(stdout);
        }
    }
}

struct step {
    double at = 0.0;
    double mbit = 0.0;
};

std::vector<step> parse_schedule(const std::string& s) {
    std::vector<step> out;
    std::size_t at = 0;
    while (at < s.size()) {
        const std::size_t comma = s.find(',', at);
        const std::string item = s.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
        const std::size_t colon = item.find(':');
        if (colon == std::string::npos) {
            throw std::invalid_argument("--rate-schedule: '" + item + "' is not SECONDS:MBIT");
        }
        step st{std::stod(item.substr(0, colon)), std::stod(item.substr(colon + 1))};
        if (!(st.at >= 0.0) || !(st.mbit > 0.0) || (!out.empty() && st.at <= out.back().at)) {
            throw std::invalid_argument("--rate-schedule: '" + item + "' must have increasing times >= 0 and a rate > 0");
        }
        out.push_back(st);
        at = comma == std::string::npos ? s.size() : comma + 1;
    }
    return out;
}

void set_rate(double mbit) {
    char cmd[160];
    std::snprintf(cmd, sizeof cmd, "tc qdisc change dev lo root tbf rate %gmbit burst 16kbit latency 400ms", mbit);
    if (std::system(cmd) != 0) {
        throw std::runtime_error(std::string("failed: ") + cmd);
    }
}

void estimate_mode(double seconds, double fps, const std::vector<step>& schedule, const std::vector<ok::tcp_completion>& methods) {
    for (const ok::tcp_completion method : methods) {
        if (!schedule.empty()) {
            set_rate(schedule.front().mbit);
        }
        receiver rx;
        auto c = make_client(rx.port(), method);
        ok::harmonic_mean_estimator est(5, 0.0);
        ok::dual_ewma_estimator ewma(0.5, 2.0, 0.0);
        ok::window_throughput_estimator window(0.5, 64, 0.0);
        // per phase: the throughput samples of each frame size, and their byte and time sums
        std::array<std::vector<double>, sizes.size()> by_size;
        double phase_bytes = 0.0, phase_seconds = 0.0;
        auto phase_summary = [&](double rate) {
            ok::io::json_object o;
            std::vector<double> medians;
            for (auto& v : by_size) {
                medians.push_back(v.empty() ? 0.0 : std::round(quantile(v, 0.5) * 8e-6 * 1000.0) / 1000.0);
                v.clear();
            }
            o.add("mode", "phase")
                .add("completion", ok::completion_name(method))
                .add("tbf_mbps", rate)
                .add("frame_bytes", std::vector<double>(sizes.begin(), sizes.end()))
                .add("median_sample_mbps_by_size", medians)
                .add("bytes_over_seconds_mbps",
                     phase_seconds > 0.0 ? std::round(phase_bytes / phase_seconds * 8e-6 * 1000.0) / 1000.0 : 0.0);
            std::puts(o.str().c_str());
            phase_bytes = phase_seconds = 0.0;
        };
        std::vector<std::byte> buf(sizes.back());
        const double t0 = ts::mono_now();
        std::size_t next_frame = 0;
        std::size_t next_step = schedule.empty() ? 0 : 1;
        double next_report = 0.5;
        std::uint64_t id = 0;
        double current = schedule.empty() ? 0.0 : schedule.front().mbit;
        while (ts::mono_now() - t0 < seconds) {
            const double t = ts::mono_now() - t0;
            if (next_step < schedule.size() && t >= schedule[next_step].at) {
                phase_summary(current);
                current = schedule[next_step].mbit;
                set_rate(current);
                ++next_step;
            }
            while (const auto rep = c->poll_completed()) {
                if (rep->ok && rep->seconds > 0.0) {
                    est.observe(rep->bytes, rep->seconds);
                    ewma.observe(rep->bytes, rep->seconds);
                    window.observe(rep->bytes, rep->seconds);
                    const auto k = static_cast<std::size_t>(std::find(sizes.begin(), sizes.end(),
                                                                      static_cast<std::size_t>(rep->bytes)) - sizes.begin());
                    by_size[std::min(k, sizes.size() - 1)].push_back(rep->bytes / rep->seconds);
                    phase_bytes += rep->bytes;
                    phase_seconds += rep->seconds;
                }
            }
            while (c->poll()) {
            }
            if (t >= static_cast<double>(next_frame) / fps) {
                const std::size_t n = sizes[next_frame % sizes.size()];
                ++next_frame;
                if (!c->busy()) {  // FCFS uplink: a frame that arrives while it is busy is not sent
                    const std::span<const std::byte> wire(buf.data(), n);
                    if (c->submit(id, ok::offload_request{0, wire, 0.0, std::numeric_limits<double>::infinity()})) {
                        (void)c->send(wire);
                        ++id;
                    }
                }
            }
            if (t >= next_report) {
                const double now = ts::mono_now();
                ok::io::json_object o;
                o.add("mode", "estimate")
                    .add("completion", ok::completion_name(method))
                    .add("t", next_report)
                    .add("tbf_mbps", current)
                    .add("harmonic5_mbps", std::round(est.estimate() * 8e-6 * 1000.0) / 1000.0)
                    .add("dual_ewma_mbps", std::round(ewma.estimate() * 8e-6 * 1000.0) / 1000.0)
                    .add("window_mbps", std::round(window.estimate() * 8e-6 * 1000.0) / 1000.0)
                    .add("goodput_mbps_last_1s", std::round(rx.bytes_between(now - 1.0, now) * 8e-6 * 1000.0) / 1000.0);
                std::puts(o.str().c_str());
                std::fflush(stdout);
                next_report += 0.5;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        phase_summary(current);
    }
}

std::vector<ok::tcp_completion> parse_methods(const std::string& s) {
    std::vector<ok::tcp_completion> all{ok::tcp_completion::ack_timestamp, ok::tcp_completion::send_queue,
                                        ok::tcp_completion::tcp_info, ok::tcp_completion::handed_to_kernel};
    if (s == "all") {
        return all;
    }
    std::vector<ok::tcp_completion> out;
    std::size_t at = 0;
    while (at <= s.size()) {
        const std::size_t comma = s.find(',', at);
        const std::string name = s.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
        const auto it = std::find_if(all.begin(), all.end(), [&](auto m) { return ok::completion_name(m) == name; });
        if (it == all.end()) {
            throw std::invalid_argument("--methods: unknown completion rule '" + name + "'");
        }
        out.push_back(*it);
        if (comma == std::string::npos) {
            break;
        }
        at = comma + 1;
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        std::string mode = "error";
        std::size_t frames = 100;
        std::vector<double> periods{0.0, 0.001, 0.005};
        std::string methods = "all";
        double seconds = 30.0;
        double fps = 30.0;
        std::string schedule;
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            auto value = [&]() -> std::string {
                if (i + 1 >= argc) {
                    throw std::invalid_argument(a + ": missing value");
                }
                return argv[++i];
            };
            if (a == "--mode") {
                mode = value();
            } else if (a == "--frames") {
                frames = static_cast<std::size_t>(std::stoul(value()));
            } else if (a == "--periods-ms") {
                periods.clear();
                std::string v = value();
                std::size_t at = 0;
                while (at < v.size()) {
                    const std::size_t comma = v.find(',', at);
                    periods.push_back(std::stod(v.substr(at, comma - at)) / 1000.0);
                    at = comma == std::string::npos ? v.size() : comma + 1;
                }
            } else if (a == "--methods") {
                methods = value();
            } else if (a == "--seconds") {
                seconds = std::stod(value());
            } else if (a == "--fps") {
                fps = std::stod(value());
            } else if (a == "--notsent-lowat") {
                notsent_lowat = static_cast<std::size_t>(std::stoul(value()));
            } else if (a == "--rate-schedule") {
                schedule = value();
            } else {
                throw std::invalid_argument("unknown option " + a);
            }
        }
        if (frames == 0 || !(seconds > 0.0) || !(fps > 0.0) || periods.empty()) {
            throw std::invalid_argument("--frames, --seconds, --fps and --periods-ms must be positive");
        }
        if (mode == "error") {
            error_mode(frames, periods, parse_methods(methods));
        } else if (mode == "estimate") {
            estimate_mode(seconds, fps, parse_schedule(schedule), parse_methods(methods));
        } else {
            throw std::invalid_argument("--mode: '" + mode + "', expected error or estimate");
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "offloadkit-measure-tcp-link: %s\n", e.what());
        return 2;
    }
    return 0;
}
