// offloadkit-amvp-run — executes an AMVP placement (issue 18 §3): the placement MinMaxCost computes
// (AMVP §IV-C, Algorithm 1-2) from the measured profile runs across one worker process per device,
// each part of a split CNN under its compute share (cgroup cpu.max / cfs quota, or a duty-cycle
// throttle), features crossing devices as split messages (quantized with ok::quantize when the
// planner says eq. 5 pays) over loopback TCP (split_link_sender -> tcp_server), optionally shaped by
// tc tbf in a network namespace. Fashion-MNIST test frames go through it; per task the measured
// latency, throughput and accuracy are printed beside the prediction (JSON lines on stdout, a
// table on stderr). --change-at re-plans mid-run (AMVP's adaptation); --kill-worker-at SIGKILLs a
// worker (its tasks' frames are reported failed, none lost).
// offloadkit-backend: onnx
// offloadkit-backend: tcp
//
// Processes: the coordinator (this tool) forks and execs itself with --worker FD for every device
// that hosts a part; FD is one end of a socketpair carrying length-prefixed control messages
// (config, ports, routes, frames, answers). The library does the work: amvp_deploy (part
// instances, memory budgets), amvp_run_recorder (every frame accounted once, measured figures),
// duty_cycle_throttle / cgroup_cpu_limits (shares), split_link_sender and tcp_server (links),
// quantize_to_wire / split_receiver (the split message), onnx_feature_extractor / inference.
#include <offloadkit/backends/onnx.hpp>
#include <offloadkit/backends/tcp.hpp>
#include <offloadkit/io/csv.hpp>
#include <offloadkit/io/json.hpp>
#include <offloadkit/kernels/quantize.hpp>
#include <offloadkit/multitask/deployment.hpp>
#include <offloadkit/multitask/minmax_cost.hpp>
#include <offloadkit/multitask/problem_csv.hpp>
#include <offloadkit/runtime/cpu_share.hpp>
#include <offloadkit/runtime/split_path.hpp>

#include "common/amvp_report.hpp"
#include "common/cli.hpp"
#include "common/idx.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <limits>
#include <tuple>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ok = offloadkit;
namespace okx = offloadkit::examples;
namespace cli = offloadkit::examples::cli;

namespace {

const char* const tool = "offloadkit-amvp-run";
const char* const usage =
    "usage: offloadkit-amvp-run [options]\n"
    "  --problem PATH          AMVP problem CSV (default examples/data/amvp_fashion_measured.csv)\n"
    "  --tasks LIST            only these tasks (default: all)\n"
    "  --compute DEVICE=U      a device's available share U_k, repeatable\n"
    "  --bandwidth-mbps B      every link's bandwidth\n"
    "  --accuracy-goal A --latency-goal-ms L --throughput-goal T   every task's goals\n"
    "  --frames F              Fashion-MNIST test frames to run (default 200): the first half of each\n"
    "                          phase one at a time (latency), the second back to back (throughput)\n"
    "  --shares MODE           auto (cgroup2 if usable, else duty), cgroup2, cgroup1 or duty (default auto)\n"
    "  --netns                 run inside a new network namespace, links shaped by tc tbf (root;\n"
    "                          exit 77 with the reason when that is not possible here)\n"
    "  --change-at F:compute:DEVICE=U | F:bandwidth:MBPS   change and re-plan before frame F\n"
    "  --kill-worker-at F:DEVICE   SIGKILL DEVICE's worker when frame F is sent\n"
    "  --check-in-process      also run the same parts in this process and compare every label\n"
    "  --allow-over-memory     run even if a device's parts exceed its memory R_k (flagged)\n"
    "  --models DIR --data-dir DIR   models (examples/models/amvp) and Fashion-MNIST files\n"
    "  --seed S                genetic algorithm seed\n";

// ---- control messages: u32 length (type + body), u8 type, body ------------------------------------

struct channel {
    int fd = -1;
    std::mutex write_mu;
    bool send(char type, const void* body, std::size_t n) {
        const std::lock_guard<std::mutex> lock(write_mu);
        std::uint8_t head[5];
        const auto len = static_cast<std::uint32_t>(n + 1);
        std::memcpy(head, &len, 4);
        head[4] = static_cast<std::uint8_t>(type);
        return write_all(head, 5) && write_all(body, n);
    }
    bool send(char type, const std::string& s) { return send(type, s.data(), s.size()); }
    /// Blocks for one message; false at end of stream or error.
    bool receive(char& type, std::string& body) const {
        std::uint8_t head[5];
        if (!read_all(head, 5)) {
            return false;
        }
        std::uint32_t len = 0;
        std::memcpy(&len, head, 4);
        if (len < 1 || len > (64u << 20)) {
            return false;
        }
        type = static_cast<char>(head[4]);
        body.resize(len - 1);
        return read_all(body.data(), body.size());
    }

private:
    bool write_all(const void* p, std::size_t n) const {
        const auto* b = static_cast<const char*>(p);
        while (n > 0) {
            const ssize_t w = ::send(fd, b, n, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR) {
                continue;
            }
            if (w <= 0) {
                return false;
            }
            b += w;
            n -= static_cast<std::size_t>(w);
        }
        return true;
    }
    bool read_all(void* p, std::size_t n) const {
        auto* b = static_cast<char*>(p);
        while (n > 0) {
            const ssize_t r = ::read(fd, b, n);
            if (r < 0 && errno == EINTR) {
                continue;
            }
            if (r <= 0) {
                return false;
            }
            b += r;
            n -= static_cast<std::size_t>(r);
        }
        return true;
    }
};

struct answer_msg {
    std::uint32_t task = 0;
    std::uint32_t label = 0;
    std::uint64_t frame = 0;
    std::uint8_t ok = 0;
    std::uint8_t padding[7] = {};  // explicit, so that no uninitialised byte goes on the wire
};
static_assert(sizeof(answer_msg) == 24);

double now() {
    timespec t{};
    ::clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

ok::image_preprocess gray28() {
    ok::image_preprocess p;
    p.height = 28;
    p.width = 28;
    p.channels = 1;
    return p;
}

long rss_kb() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::strtol(line.c_str() + 6, nullptr, 10);
        }
    }
    return 0;
}

/// The split message (runtime/split_path.hpp) of `features` in `wire` (resized to fit).
std::size_t encode_split(std::span<const float> features, bool quantized, int bits, std::uint64_t id,
                         std::vector<std::byte>& wire) {
    wire.resize(ok::split_message_capacity(features.size(), bits));
    wire.resize(ok::encode_split_message(features, quantized, bits, id, wire));
    return wire.size();
}

// ==== worker mode ===================================================================================

/// How a part's thread is held to its share.
struct share_enforcer {
    std::optional<ok::duty_cycle_throttle> duty;
    ok::cgroup_cpu_limits* limits = nullptr;
    std::size_t group = 0;
    bool joined = false;
    // what the part cost: calls, thread CPU seconds of the work, wall seconds including the idling
    std::atomic<std::uint64_t> calls{0};
    std::atomic<double> cpu{0.0}, wall{0.0};
    template <class F>
    decltype(auto) run(F&& f) {
        if (limits != nullptr && !joined) {
            limits->add_current_thread(group);
            joined = true;
        }
        struct account {
            share_enforcer& e;
            double w0 = now(), c0 = ok::thread_cpu_seconds();
            ~account() {
                e.calls += 1;
                e.cpu = e.cpu + (ok::thread_cpu_seconds() - c0);
                e.wall = e.wall + (now() - w0);
            }
        } acc{*this};
        if (duty) {
            return duty->run(std::forward<F>(f));
        }
        return std::forward<F>(f)();
    }
};

struct worker_part {
    std::size_t index = 0;
    std::string kind;  // first, second, whole
    double share = 1.0;
    std::string onnx, shape_from;
    std::vector<std::uint32_t> tasks;
    share_enforcer enforcer;
    // first / whole
    std::optional<ok::onnx_feature_extractor> fe;
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::pair<std::uint64_t, std::vector<std::uint8_t>>> frames;
    std::thread thread;
    struct route {
        std::uint32_t task = 0;
        bool compressed = false;
        std::unique_ptr<ok::split_link_sender> link;
    };
    std::vector<route> routes;
    // second
    std::unique_ptr<ok::tcp_server> server;
};

int worker_main(int fd) {
    channel ch;
    ch.fd = fd;
    char type = 0;
    std::string body;
    if (!ch.receive(type, body) || type != 'C') {
        return 1;
    }
    std::istringstream cfg(body);
    std::string line, mode = "duty", listen = "127.0.0.1";
    int bits = 8;
    std::vector<std::unique_ptr<worker_part>> parts;
    while (std::getline(cfg, line)) {
        std::istringstream in(line);
        std::string key;
        in >> key;
        if (key == "mode") {
            in >> mode;
        } else if (key == "bits") {
            in >> bits;
        } else if (key == "listen") {
            in >> listen;
        } else if (key == "part") {
            auto p = std::make_unique<worker_part>();
            std::string tasks;
            in >> p->index >> p->kind >> p->share >> p->onnx >> p->shape_from >> tasks;
            for (const auto& t : cli::split_list(tasks)) {
                p->tasks.push_back(static_cast<std::uint32_t>(std::stoul(t)));
            }
            parts.push_back(std::move(p));
        }
    }
    std::unique_ptr<ok::cgroup_cpu_limits> limits;
    std::string mechanism = std::string(ok::mechanism_name(ok::cpu_share_mechanism::duty_cycle));
    try {
        if (mode == "cgroup1" || mode == "cgroup2") {
            const auto m = mode == "cgroup1" ? ok::cpu_share_mechanism::cgroup1 : ok::cpu_share_mechanism::cgroup2;
            limits = std::make_unique<ok::cgroup_cpu_limits>(ok::find_cgroup_cpu(m), "offloadkit-amvp");
            mechanism = std::string(ok::mechanism_name(m));
        }
        const long rss0 = rss_kb();
        std::ostringstream ports;
        for (auto& p : parts) {
            if (limits) {
                p->enforcer.limits = limits.get();
                p->enforcer.group = limits->add(p->share);
            } else {
                p->enforcer.duty.emplace(p->share);
            }
            if (p->kind == "second") {
                // part 2 behind a tcp_server: one worker thread, the split message in, the label out
                ok::onnx_feature_extractor shape(ok::onnx_model::load(p->shape_from), gray28());
                auto receiver = std::make_shared<ok::split_receiver<ok::onnx_feature_inference>>(
                    ok::onnx_feature_inference(ok::onnx_model::load(p->onnx), shape));
                ok::tcp_server_options so;
                so.host = listen;
                so.port = 0;
                so.workers = 1;
                so.max_queue = 256;
                worker_part* part = p.get();
                p->server = std::make_unique<ok::tcp_server>(so, [receiver, part](std::size_t) {
                    return ok::tcp_handler([receiver, part](const ok::tcp_job& j) {
                        const auto a = part->enforcer.run([&] { return receiver->receive(j.payload); });
                        return ok::tcp_verdict{static_cast<std::uint32_t>(a.label), static_cast<float>(a.confidence), true};
                    });
                });
                ports << "port " << p->index << ' ' << p->server->port() << '\n';
            } else {
                p->fe.emplace(ok::onnx_model::load(p->onnx), gray28());
            }
        }
        ports << "mechanism " << mechanism << '\n' << "rss_kb " << rss_kb() - rss0 << '\n';
        ch.send('P', ports.str());
    } catch (const std::exception& e) {
        ch.send('E', e.what());
        return 1;
    }
    if (!ch.receive(type, body) || type != 'R') {
        return 1;
    }
    auto answer = [&ch](std::uint32_t task, std::uint64_t frame, std::size_t label, bool good) {
        answer_msg a;
        a.task = task;
        a.label = static_cast<std::uint32_t>(label);
        a.frame = frame;
        a.ok = good ? 1 : 0;
        ch.send('A', &a, sizeof a);
    };
    {
        std::istringstream rt(body);
        while (std::getline(rt, line)) {
            std::istringstream in(line);
            std::string key, host;
            std::size_t part = 0;
            std::uint32_t task = 0;
            int port = 0, compressed = 0;
            in >> key >> part >> task >> host >> port >> compressed;
            for (auto& p : parts) {
                if (p->index == part) {
                    ok::split_link_options lo;
                    lo.client.host = host;
                    lo.client.port = static_cast<std::uint16_t>(port);
                    lo.client.max_outstanding = 64;
                    lo.client.answer_timeout = 10.0;
                    lo.client.stall_timeout = 5.0;
                    lo.client.backoff = 0.02;
                    lo.client.max_backoff = 0.2;
                    worker_part::route r;
                    r.task = task;
                    r.compressed = compressed != 0;
                    r.link = std::make_unique<ok::split_link_sender>(
                        lo, [answer, task](const ok::split_link_result& res) { answer(task, res.id, res.label, res.ok); });
                    p->routes.push_back(std::move(r));
                }
            }
        }
    }
    std::atomic<bool> stop{false};
    for (auto& pp : parts) {
        worker_part* p = pp.get();
        if (p->kind == "second") {
            continue;
        }
        p->thread = std::thread([p, &stop, &answer, bits] {
            std::vector<float> out(p->fe->feature_count());
            std::vector<std::byte> raw, quant;
            for (;;) {
                std::pair<std::uint64_t, std::vector<std::uint8_t>> job;
                {
                    std::unique_lock<std::mutex> lock(p->mu);
                    p->cv.wait(lock, [&] { return stop.load() || !p->frames.empty(); });
                    if (p->frames.empty()) {
                        return;
                    }
                    job = std::move(p->frames.front());
                    p->frames.pop_front();
                }
                const ok::image_view img{{job.second.data(), job.second.size()}, 28, 28, ok::pixel_format::gray, 0};
                bool good = true;
                try {
                    (void)p->enforcer.run([&] { return p->fe->extract(img, out); });
                } catch (const std::exception&) {
                    good = false;
                }
                if (p->kind == "whole") {
                    const auto label = static_cast<std::size_t>(std::max_element(out.begin(), out.end()) - out.begin());
                    answer(p->tasks.at(0), job.first, label, good);
                    continue;
                }
                bool have_raw = false, have_quant = false;
                for (auto& r : p->routes) {
                    auto& wire = r.compressed ? quant : raw;
                    bool& have = r.compressed ? have_quant : have_raw;
                    if (good && !have) {
                        encode_split(out, r.compressed, bits, job.first, wire);
                        have = true;
                    }
                    if (!good || !r.link->enqueue(job.first, wire)) {
                        answer(r.task, job.first, 0, false);
                    }
                }
            }
        });
    }
    // control loop: frames for the part-1 / whole instances until 'Q' or the end of the stream
    while (ch.receive(type, body)) {
        if (type == 'Q') {
            break;
        }
        if (type != 'F' || body.size() != 12 + 784) {
            continue;
        }
        std::uint32_t part = 0;
        std::uint64_t frame = 0;
        std::memcpy(&part, body.data(), 4);
        std::memcpy(&frame, body.data() + 4, 8);
        for (auto& p : parts) {
            if (p->index == part && p->kind != "second") {
                {
                    const std::lock_guard<std::mutex> lock(p->mu);
                    p->frames.emplace_back(frame, std::vector<std::uint8_t>(
                                                      reinterpret_cast<const std::uint8_t*>(body.data()) + 12,
                                                      reinterpret_cast<const std::uint8_t*>(body.data()) + 12 + 784));
                }
                p->cv.notify_one();
            }
        }
    }
    stop = true;
    for (auto& p : parts) {
        p->cv.notify_all();
        if (p->thread.joinable()) {
            p->thread.join();
        }
    }
    for (auto& p : parts) {
        p->routes.clear();  // fails what is left, exactly once
    }
    for (auto& p : parts) {
        p->server.reset();
    }
    std::ostringstream stats;
    for (auto& p : parts) {
        stats << "part " << p->index << ' ' << p->enforcer.calls.load() << ' ' << p->enforcer.cpu.load() << ' '
              << p->enforcer.wall.load() << '\n';
    }
    ch.send('D', stats.str());
    return 0;
}

// ==== coordinator ===================================================================================

struct change {
    std::size_t frame = 0;
    std::string what;  // compute or bandwidth
    std::string device;
    double value = 0.0;
};

struct settings {
    std::string problem = std::string(OFFLOADKIT_EXAMPLES_DIR) + "/data/amvp_fashion_measured.csv";
    std::string models = std::string(OFFLOADKIT_EXAMPLES_DIR) + "/models/amvp";
    std::string data_dir = okx::default_fashion_mnist_dir;
    std::vector<std::string> tasks;
    std::vector<std::pair<std::string, double>> compute;
    std::optional<double> bandwidth_mbps, accuracy, latency_ms, throughput;
    std::size_t frames = 200;
    std::string shares = "auto";
    bool netns = false, check = false, allow_over_memory = false;
    std::string netns_inner;
    std::optional<change> change_at;
    std::optional<std::pair<std::size_t, std::string>> kill_at;
    std::uint64_t seed = 1;
};

std::pair<std::string, double> device_value(std::string_view flag, const std::string& text) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
        throw cli::usage_error(std::string(flag) + ": '" + text + "', expected DEVICE=U");
    }
    return {text.substr(0, eq), cli::number_in(flag, text.substr(eq + 1), 0.0, 1.0)};
}

settings parse(int argc, char** argv) {
    settings s;
    cli::arg_reader args(argc, argv);
    const std::vector<std::string> known{"--problem", "--tasks", "--compute", "--bandwidth-mbps", "--accuracy-goal",
                                         "--latency-goal-ms", "--throughput-goal", "--frames", "--shares", "--netns",
                                         "--change-at", "--kill-worker-at", "--check-in-process",
                                         "--allow-over-memory", "--models", "--data-dir", "--seed"};
    while (args.next()) {
        const std::string& f = args.flag();
        if (f == "--help" || f == "-h") {
            std::fputs(usage, stdout);
            std::exit(0);
        } else if (f == "--problem") {
            s.problem = args.value();
        } else if (f == "--models") {
            s.models = args.value();
        } else if (f == "--data-dir") {
            s.data_dir = args.value();
        } else if (f == "--tasks") {
            s.tasks = cli::split_list(args.value());
        } else if (f == "--compute") {
            s.compute.push_back(device_value(f, args.value()));
        } else if (f == "--bandwidth-mbps") {
            s.bandwidth_mbps = cli::number_in(f, args.value(), 0.0, 1e6, "Mbps", cli::bound::open);
        } else if (f == "--accuracy-goal") {
            s.accuracy = cli::number_in(f, args.value(), 0.0, 1.0, "", cli::bound::open);
        } else if (f == "--latency-goal-ms") {
            s.latency_ms = cli::number_in(f, args.value(), 0.0, 1e9, "ms", cli::bound::open);
        } else if (f == "--throughput-goal") {
            s.throughput = cli::number_in(f, args.value(), 0.0, 1e9, "fps", cli::bound::open);
        } else if (f == "--frames") {
            s.frames = cli::whole(f, args.value(), 2, 10000);
        } else if (f == "--shares") {
            s.shares = cli::choice(f, args.value(), {"auto", "cgroup2", "cgroup1", "duty"});
        } else if (f == "--netns") {
            s.netns = true;
        } else if (f == "--netns-inner") {
            s.netns_inner = args.value();
        } else if (f == "--check-in-process") {
            s.check = true;
        } else if (f == "--allow-over-memory") {
            s.allow_over_memory = true;
        } else if (f == "--seed") {
            s.seed = cli::whole(f, args.value());
        } else if (f == "--change-at") {
            const std::string v = args.value();
            const auto c1 = v.find(':');
            const auto c2 = c1 == std::string::npos ? c1 : v.find(':', c1 + 1);
            if (c2 == std::string::npos) {
                throw cli::usage_error("--change-at: '" + v + "', expected F:compute:DEVICE=U or F:bandwidth:MBPS");
            }
            change c;
            c.frame = cli::whole(f, v.substr(0, c1), 1, 10000);
            c.what = cli::choice(f, v.substr(c1 + 1, c2 - c1 - 1), {"compute", "bandwidth"});
            if (c.what == "compute") {
                std::tie(c.device, c.value) = device_value(f, v.substr(c2 + 1));
            } else {
                c.value = cli::number_in(f, v.substr(c2 + 1), 0.0, 1e6, "Mbps", cli::bound::open);
            }
            s.change_at = c;
        } else if (f == "--kill-worker-at") {
            const std::string v = args.value();
            const auto c1 = v.find(':');
            if (c1 == std::string::npos) {
                throw cli::usage_error("--kill-worker-at: '" + v + "', expected F:DEVICE");
            }
            s.kill_at = std::pair{static_cast<std::size_t>(cli::whole(f, v.substr(0, c1), 0, 10000)), v.substr(c1 + 1)};
        } else {
            cli::unknown_flag(f, known);
        }
    }
    if (s.change_at && s.change_at->frame >= s.frames) {
        throw cli::usage_error("--change-at: frame " + std::to_string(s.change_at->frame) + " is not below --frames " +
                               std::to_string(s.frames));
    }
    return s;
}

std::size_t device_index(const ok::amvp_problem& pb, const std::string& name, std::string_view flag) {
    for (std::size_t k = 0; k < pb.devices.size(); ++k) {
        if (pb.devices[k].name == name) {
            return k;
        }
    }
    std::vector<std::string> names;
    for (const auto& d : pb.devices) {
        names.push_back(d.name);
    }
    (void)cli::choice(flag, name, names);
    return 0;
}

void set_bandwidth(ok::amvp_problem& pb, double mbps) {
    const std::size_t K = pb.devices.size();
    for (std::size_t a = 0; a < K; ++a) {
        for (std::size_t b = 0; b < K; ++b) {
            pb.bandwidth[a * K + b] = a == b ? 0.0 : mbps * 1e6 / 8.0;
        }
    }
}

/// (candidate, split layer) -> part 1 / part 2 (or whole) ONNX files, from profile/parts.csv.
std::map<std::pair<std::string, int>, std::pair<std::string, std::string>> read_parts(const std::string& models) {
    const auto t = ok::io::read_csv_file(models + "/profile/parts.csv", "parts.csv");
    const auto cc = t.column("candidate"), cl = t.column("layer"), c1 = t.column("part1"), c2 = t.column("part2");
    std::map<std::pair<std::string, int>, std::pair<std::string, std::string>> m;
    for (std::size_t r = 0; r < t.rows(); ++r) {
        m[{t.cell(r, cc), static_cast<int>(t.number(r, cl))}] = {models + "/" + t.cell(r, c1),
                                                                   t.cell(r, c2).empty() ? "" : models + "/" + t.cell(r, c2)};
    }
    return m;
}

std::string system_quiet(const std::string& cmd) {
    std::string out;
    if (FILE* p = ::popen((cmd + " 2>&1").c_str(), "r")) {
        char buf[256];
        while (std::fgets(buf, sizeof buf, p) != nullptr) {
            out += buf;
        }
        const int rc = ::pclose(p);
        if (rc != 0) {
            return out.empty() ? "exit " + std::to_string(rc) : out;
        }
        return {};
    }
    return "popen failed";
}

/// tc tbf per destination device: an htb root whose default class 1:1 is unshaped (answers, and
/// same-device traffic on 127.0.0.1) and, per device k, a class 1:(k+10) selected by a u32 filter
/// on destination 127.0.0.(k+10) with a tbf leaf at the bandwidth into device k (the smallest link
/// into it). tbf's burst is 2 KB (16 kbit), so a split message of a few KB pays nearly f / b.
std::string shape_links(const ok::amvp_problem& pb, bool first_time) {
    const std::size_t K = pb.devices.size();
    std::string err;
    if (first_time) {
        err = system_quiet("tc qdisc add dev lo root handle 1: htb default 1");
        if (err.empty()) {
            err = system_quiet("tc class add dev lo parent 1: classid 1:1 htb rate 100gbit quantum 200000");
        }
        if (!err.empty()) {
            return "tc htb: " + err;
        }
    }
    for (std::size_t k = 0; k < K && k < 200; ++k) {
        double rate = std::numeric_limits<double>::infinity();
        for (std::size_t j = 0; j < K; ++j) {
            if (j != k && pb.bandwidth[j * K + k] > 0.0) {
                rate = std::min(rate, pb.bandwidth[j * K + k]);
            }
        }
        if (!std::isfinite(rate)) {
            rate = 1.25e9;
        }
        const std::string id = std::to_string(k + 10);
        const std::string kbit = std::to_string(static_cast<long long>(rate * 8.0 / 1000.0)) + "kbit";
        if (first_time) {
            err = system_quiet("tc class add dev lo parent 1: classid 1:" + id + " htb rate 100gbit quantum 200000");
            if (err.empty()) {
                err = system_quiet("tc filter add dev lo parent 1: protocol ip prio 1 u32 match ip dst 127.0.0." + id +
                                   "/32 flowid 1:" + id);
            }
            if (!err.empty()) {
                return "tc class/filter: " + err;
            }
        }
        err = system_quiet("tc qdisc " + std::string(first_time ? "add" : "change") + " dev lo parent 1:" + id +
                           " handle " + id + ": tbf rate " + kbit + " burst 16kbit latency 400ms");
        if (!err.empty()) {
            return "tc tbf: " + err;
        }
    }
    return {};
}

struct worker_proc {
    std::size_t device = 0;
    pid_t pid = -1;
    channel ch;
    std::thread reader;
    std::atomic<bool> dead{false};
    std::map<std::size_t, int> ports;  // part -> port
    std::string mechanism;
    long rss_kb = 0;
    bool done = false;
    std::string stats;  // "part INDEX CALLS CPU_S WALL_S" lines at the end
};

struct run_state {
    std::mutex mu;
    std::condition_variable cv;
    ok::amvp_run_recorder* rec = nullptr;
    std::size_t offset = 0;  // frame ids of this phase start here
    std::vector<bool> task_dead;
};

struct phase_result {
    std::vector<ok::amvp_task_measurement> measured;
    std::vector<std::vector<std::size_t>> labels;  // per task, per phase frame (answered ones)
};

int run(const settings& s, char* self) {
    ok::amvp_problem pb = ok::read_amvp_problem(s.problem);
    if (!s.tasks.empty()) {
        std::vector<ok::amvp_task> kept;
        for (const auto& name : s.tasks) {
            bool found = false;
            for (const auto& t : pb.tasks) {
                if (t.name == name) {
                    kept.push_back(t);
                    found = true;
                }
            }
            if (!found) {
                std::vector<std::string> names;
                for (const auto& t : pb.tasks) {
                    names.push_back(t.name);
                }
                (void)cli::choice("--tasks", name, names);
            }
        }
        pb.tasks = kept;
    }
    for (auto& t : pb.tasks) {
        if (s.accuracy) t.goal.accuracy = *s.accuracy;
        if (s.latency_ms) t.goal.latency = *s.latency_ms / 1e3;
        if (s.throughput) t.goal.throughput = *s.throughput;
    }
    if (s.bandwidth_mbps) {
        set_bandwidth(pb, *s.bandwidth_mbps);
    }
    for (const auto& [name, u] : s.compute) {
        pb.devices[device_index(pb, name, "--compute")].compute = u;
    }
    ok::amvp_validate(pb);
    const auto files = read_parts(s.models);
    const auto labels_csv = ok::io::read_csv_file(s.models + "/profile/test_labels.csv", "test_labels.csv");
    const auto images = okx::parse_idx_images(okx::read_gzip_file(s.data_dir + "/t10k-images-idx3-ubyte.gz"),
                                              "t10k-images-idx3-ubyte.gz");
    const std::size_t F = std::min({s.frames, images.count, labels_csv.rows()});
    const std::size_t S = pb.tasks.size();
    std::vector<std::vector<std::size_t>> truth(S);
    for (std::size_t t = 0; t < S; ++t) {
        const auto col = labels_csv.column(pb.tasks[t].name);
        for (std::size_t i = 0; i < F; ++i) {
            truth[t].push_back(static_cast<std::size_t>(labels_csv.number(i, col)));
        }
    }

    // share mechanism
    std::string mode = s.shares, share_note;
    if (mode == "auto" || mode == "cgroup2" || mode == "cgroup1") {
        const auto m = mode == "cgroup1" ? ok::cpu_share_mechanism::cgroup1 : ok::cpu_share_mechanism::cgroup2;
        const auto root = ok::find_cgroup_cpu(m);
        if (root.available()) {
            mode = m == ok::cpu_share_mechanism::cgroup1 ? "cgroup1" : "cgroup2";
        } else if (mode == "auto") {
            mode = "duty";
            share_note = "cgroup2 unusable: " + root.why;
        } else {
            throw cli::usage_error("--shares " + mode + ": " + root.why);
        }
    }
    // links
    const bool shaped = !s.netns_inner.empty();
    std::string shaping = "unshaped loopback (no --netns)";
    if (shaped) {
        const std::string err = shape_links(pb, true);
        if (!err.empty()) {
            throw std::runtime_error("cannot shape the links: " + err);
        }
        shaping = "tc tbf per destination device (htb + u32) in network namespace " + s.netns_inner + " (loopback MTU 1500)";
    }
    {
        ok::io::json_object j;
        j.add("event", "setup").add("frames", F).add("tasks", S).add("shares", ok::mechanism_name(
            mode == "duty" ? ok::cpu_share_mechanism::duty_cycle
                           : mode == "cgroup1" ? ok::cpu_share_mechanism::cgroup1 : ok::cpu_share_mechanism::cgroup2));
        if (!share_note.empty()) {
            j.add("shares_note", share_note);
        }
        j.add("links", shaping);
        std::puts(j.str().c_str());
        std::fflush(stdout);
    }

    ok::minmax_cost_options ga;
    ga.seed = s.seed;
    std::vector<std::pair<std::size_t, std::size_t>> phases{{0, F}};
    if (s.change_at) {
        phases = {{0, s.change_at->frame}, {s.change_at->frame, F}};
    }
    ok::amvp_run_recorder rec(S, F);
    bool all_within = true;
    int exit_code = 0;
    std::vector<std::string> table;
    for (std::size_t ph = 0; ph < phases.size(); ++ph) {
        if (ph > 0) {
            const auto& c = *s.change_at;
            if (c.what == "compute") {
                pb.devices[device_index(pb, c.device, "--change-at")].compute = c.value;
            } else {
                set_bandwidth(pb, c.value);
                if (shaped) {
                    const std::string err = shape_links(pb, false);
                    if (!err.empty()) {
                        throw std::runtime_error("cannot re-shape the links: " + err);
                    }
                }
            }
            std::puts(ok::io::json_object{}
                          .add("event", "change")
                          .add("frame", c.frame)
                          .add("what", c.what)
                          .add("device", c.device)
                          .add("value", c.value)
                          .str()
                          .c_str());
        }
        const auto t0 = std::chrono::steady_clock::now();
        const auto plan = ok::minmax_cost_solve(pb, ga);
        const double solve_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        for (auto row : okx::amvp_task_rows("amvp", pb, plan, pb)) {
            row.add("event", "placement").add("phase", ph);
            std::puts(row.str().c_str());
        }
        std::puts(okx::amvp_summary("amvp", plan, solve_ms).add("event", "plan").add("phase", ph).str().c_str());
        std::fflush(stdout);
        if (!plan.feasible) {
            std::fprintf(stderr, "%s: phase %zu: no feasible placement\n", tool, ph);
            return 1;
        }
        const auto dep = ok::amvp_deploy(pb, plan.choices);
        for (const auto& m : dep.over_budget) {
            std::fprintf(stderr, "%s: memory budget exceeded: %s\n", tool, m.c_str());
        }
        if (!dep.over_budget.empty() && !s.allow_over_memory) {
            std::fprintf(stderr, "%s: refusing to run (--allow-over-memory runs it flagged)\n", tool);
            return 1;
        }
        // ---- start one worker per device ----
        std::vector<std::unique_ptr<worker_proc>> workers;
        std::map<std::size_t, worker_proc*> by_device;
        for (const std::size_t k : dep.devices_used()) {
            int sv[2];
            if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
                throw std::runtime_error("socketpair failed");
            }
            const pid_t pid = ::fork();
            if (pid == 0) {
                ::close(sv[0]);
                const int fd = ::dup(sv[1]);  // without FD_CLOEXEC
                const std::string fds = std::to_string(fd);
                const char* argv[] = {self, "--worker", fds.c_str(), nullptr};
                ::execv("/proc/self/exe", const_cast<char* const*>(argv));
                std::_Exit(127);
            }
            ::close(sv[1]);
            auto w = std::make_unique<worker_proc>();
            w->device = k;
            w->pid = pid;
            w->ch.fd = sv[0];
            std::ostringstream cfg;
            cfg << "mode " << mode << "\nbits " << (pb.codec.bits > 0 ? pb.codec.bits : 8) << "\nlisten "
                << (shaped ? "0.0.0.0" : "127.0.0.1") << '\n';
            for (std::size_t i = 0; i < dep.parts.size(); ++i) {
                const auto& p = dep.parts[i];
                if (p.device != k) {
                    continue;
                }
                const auto& cand = pb.tasks[p.tasks[0]].candidates[p.candidate];
                const auto& f = files.at({cand.name, p.layer});
                std::string tasks;
                for (const auto t : p.tasks) {
                    tasks += (tasks.empty() ? "" : ",") + std::to_string(t);
                }
                const char* kind = p.kind == ok::amvp_part_kind::first    ? "first"
                                   : p.kind == ok::amvp_part_kind::second ? "second"
                                                                          : "whole";
                cfg << "part " << i << ' ' << kind << ' ' << p.share << ' '
                    << (p.kind == ok::amvp_part_kind::second ? f.second : f.first) << ' ' << f.first << ' ' << tasks
                    << '\n';
            }
            w->ch.send('C', cfg.str());
            by_device[k] = w.get();
            workers.push_back(std::move(w));
        }
        // ports, then routes
        for (auto& w : workers) {
            char type = 0;
            std::string body;
            if (!w->ch.receive(type, body) || type != 'P') {
                std::fprintf(stderr, "%s: worker of device %s failed to start: %s\n", tool,
                             pb.devices[w->device].name.c_str(), body.c_str());
                return 1;
            }
            std::istringstream in(body);
            std::string line;
            while (std::getline(in, line)) {
                std::istringstream l(line);
                std::string key;
                l >> key;
                if (key == "port") {
                    std::size_t part = 0;
                    int port = 0;
                    l >> part >> port;
                    w->ports[part] = port;
                } else if (key == "mechanism") {
                    std::getline(l >> std::ws, w->mechanism);
                } else if (key == "rss_kb") {
                    l >> w->rss_kb;
                }
            }
        }
        for (auto& w : workers) {
            std::ostringstream routes;
            for (std::size_t t = 0; t < S; ++t) {
                const auto& r = dep.tasks[t];
                if (!r.split() || dep.parts[r.first].device != w->device) {
                    continue;
                }
                const std::size_t k2 = dep.parts[r.second].device;
                const std::string host =
                    shaped && r.remote ? "127.0.0." + std::to_string(k2 + 10) : std::string("127.0.0.1");
                routes << "route " << r.first << ' ' << t << ' ' << host << ' ' << by_device[k2]->ports.at(r.second) << ' '
                       << (r.compressed ? 1 : 0) << '\n';
            }
            w->ch.send('R', routes.str());
            ok::io::json_object j;
            j.add("event", "worker").add("phase", ph).add("device", pb.devices[w->device].name).add("pid", w->pid)
                .add("shares", w->mechanism).add("planned_memory_bytes", dep.memory_used[w->device])
                .add("memory_budget_bytes", pb.devices[w->device].memory).add("rss_growth_kb", w->rss_kb)
                .add("planned_share", dep.share_used[w->device]).add("compute_available", pb.devices[w->device].compute);
            std::puts(j.str().c_str());
        }
        std::fflush(stdout);
        // ---- readers ----
        run_state st;
        st.rec = &rec;
        st.task_dead.assign(S, false);
        for (auto& w : workers) {
            worker_proc* wp = w.get();
            wp->reader = std::thread([wp, &st, &dep, S] {
                char type = 0;
                std::string body;
                while (wp->ch.receive(type, body)) {
                    if (type == 'A' && body.size() == sizeof(answer_msg)) {
                        answer_msg a;
                        std::memcpy(&a, body.data(), sizeof a);
                        const double t = now();
                        const std::lock_guard<std::mutex> lock(st.mu);
                        if (a.ok != 0) {
                            (void)st.rec->answered(a.task, a.frame, a.label, t);
                        } else {
                            (void)st.rec->failed(a.task, a.frame, t);
                        }
                        st.cv.notify_all();
                    } else if (type == 'D') {
                        wp->done = true;
                        wp->stats = body;
                    }
                }
                if (!wp->done) {  // the worker died: the tasks it fed frames to fail from now on
                    wp->dead = true;
                    const double t = now();
                    const std::lock_guard<std::mutex> lock(st.mu);
                    for (std::size_t task = 0; task < S; ++task) {
                        if (dep.parts[dep.tasks[task].first].device == wp->device) {
                            st.task_dead[task] = true;
                            (void)st.rec->fail_pending(task, t);
                        }
                    }
                    st.cv.notify_all();
                }
            });
        }
        // ---- frames: first half one at a time (latency), second half back to back (throughput) ----
        const auto [from, to] = phases[ph];
        const std::size_t half = from + (to - from) / 2;
        std::vector<std::size_t> firsts;  // distinct part-1 / whole instances
        for (const auto& r : dep.tasks) {
            if (std::find(firsts.begin(), firsts.end(), r.first) == firsts.end()) {
                firsts.push_back(r.first);
            }
        }
        const auto pending_of = [&](std::size_t f) {
            std::size_t n = 0;
            for (std::size_t t = 0; t < S; ++t) {
                n += rec.state_of(t, f) == ok::amvp_run_recorder::state::pending ? 1 : 0;
            }
            return n;
        };
        std::string frame_msg(12 + 784, '\0');
        const auto send_frame = [&](std::size_t f) {
            if (s.kill_at && s.kill_at->first == f) {
                const std::size_t k = device_index(pb, s.kill_at->second, "--kill-worker-at");
                if (by_device.count(k) != 0) {
                    ::kill(by_device[k]->pid, SIGKILL);
                    std::puts(ok::io::json_object{}.add("event", "killed").add("frame", f).add("device", s.kill_at->second)
                                  .str().c_str());
                }
            }
            {
                const std::lock_guard<std::mutex> lock(st.mu);
                rec.sent(f, now(), f >= half);
                for (std::size_t t = 0; t < S; ++t) {
                    if (st.task_dead[t]) {
                        (void)rec.failed(t, f, now());
                    }
                }
            }
            std::vector<bool> dead_now;
            {
                const std::lock_guard<std::mutex> lock(st.mu);
                dead_now = st.task_dead;
            }
            for (const std::size_t p : firsts) {
                worker_proc* w = by_device[dep.parts[p].device];
                bool alive = !w->dead;
                for (const auto t : dep.parts[p].tasks) {
                    alive = alive && !dead_now[t];
                }
                if (!alive) {
                    continue;
                }
                const auto part = static_cast<std::uint32_t>(p);
                const auto id = static_cast<std::uint64_t>(f);
                std::memcpy(frame_msg.data(), &part, 4);
                std::memcpy(frame_msg.data() + 4, &id, 8);
                std::memcpy(frame_msg.data() + 12, images.image(f), 784);
                if (!w->ch.send('F', frame_msg)) {
                    const std::lock_guard<std::mutex> lock(st.mu);
                    for (const auto t : dep.parts[p].tasks) {
                        (void)rec.failed(t, f, now());
                    }
                }
            }
        };
        const auto wait_for = [&](auto done, double seconds) {
            std::unique_lock<std::mutex> lock(st.mu);
            return st.cv.wait_for(lock, std::chrono::duration<double>(seconds), done);
        };
        for (std::size_t f = from; f < half; ++f) {
            send_frame(f);
            if (!wait_for([&] { return pending_of(f) == 0; }, 5.0)) {
                break;
            }
        }
        for (std::size_t f = half; f < to; ++f) {
            send_frame(f);
        }
        // drain: wait while answers keep coming; 3 s without progress: what is left failed (counted)
        const auto pending_range = [&] { return rec.pending(); };  // earlier phases were drained
        std::size_t last_left = std::numeric_limits<std::size_t>::max();
        while (!wait_for([&] { return pending_range() == 0; }, 3.0)) {
            const std::lock_guard<std::mutex> lock(st.mu);
            const std::size_t left = pending_range();
            if (left == last_left) {
                for (std::size_t t = 0; t < S; ++t) {
                    for (std::size_t f = from; f < to; ++f) {
                        if (rec.state_of(t, f) == ok::amvp_run_recorder::state::pending) {
                            (void)rec.failed(t, f, now());
                        }
                    }
                }
                break;
            }
            last_left = left;
        }
        for (auto& w : workers) {
            if (!w->dead) {
                w->ch.send('Q', std::string());
            }
        }
        for (auto& w : workers) {
            w->reader.join();
            int status = 0;
            ::waitpid(w->pid, &status, 0);
            ::close(w->ch.fd);
        }
        // ---- per part: the CPU time of one call beside the profile's l, and the wall time beside l / u ----
        std::vector<double> part_cpu(dep.parts.size(), std::numeric_limits<double>::quiet_NaN());
        for (auto& w : workers) {
            std::istringstream in(w->stats);
            std::string key;
            std::size_t part = 0;
            double calls = 0.0, cpu = 0.0, wall = 0.0;
            while (in >> key >> part >> calls >> cpu >> wall) {
                if (part >= dep.parts.size() || calls <= 0.0) {
                    continue;
                }
                const auto& p = dep.parts[part];
                part_cpu[part] = cpu / calls;
                const char* kind = p.kind == ok::amvp_part_kind::first    ? "first"
                                   : p.kind == ok::amvp_part_kind::second ? "second"
                                                                          : "whole";
                std::puts(ok::io::json_object{}
                              .add("event", "part")
                              .add("phase", ph)
                              .add("part", part)
                              .add("kind", kind)
                              .add("device", pb.devices[p.device].name)
                              .add("layer", p.layer)
                              .add("share", p.share)
                              .add("calls", calls)
                              .add("profile_cpu_ms", p.latency * 1e3)
                              .add("cpu_ms", 1e3 * cpu / calls)
                              .add("predicted_wall_ms", p.latency / p.share * 1e3)
                              .add("wall_ms", 1e3 * wall / calls)
                              .str()
                              .c_str());
            }
        }
        // ---- per task: measured beside predicted ----
        for (std::size_t t = 0; t < S; ++t) {
            const auto m = rec.measure(t, truth[t], pb.tasks[t].goal, from, to);
            const auto& o = plan.evaluation.tasks[t];
            const double lat_err = o.latency > 0.0 ? (m.latency_mean - o.latency) / o.latency : 0.0;
            const double thr_err = o.throughput > 0.0 ? (m.throughput - o.throughput) / o.throughput : 0.0;
            const bool within = std::fabs(lat_err) <= 0.25 && std::fabs(thr_err) <= 0.25;
            // eq. 7 and 8 again with the CPU time each part took in this run instead of the profile's l:
            // separates the execution (shares, links, processes) from the profile's drift under load
            const auto& r = dep.tasks[t];
            const double u1 = dep.parts[r.first].share;
            double re_lat = part_cpu[r.first] / u1, re_thr = u1 / part_cpu[r.first];
            if (r.split()) {
                const double u2 = dep.parts[r.second].share;
                re_lat += part_cpu[r.second] / u2 + o.transfer_time;
                re_thr = std::min(re_thr, u2 / part_cpu[r.second]);
                if (o.transfer_time > 0.0) {
                    re_thr = std::min(re_thr, 1.0 / o.transfer_time);
                }
            }
            all_within = all_within && within;
            ok::io::json_object j;
            j.add("event", "task").add("phase", ph).add("task", pb.tasks[t].name)
                .add("frames", m.frames).add("answered", m.ok).add("failed", m.failed)
                .add("predicted_latency_ms", o.latency * 1e3).add("latency_ms", m.latency_mean * 1e3)
                .add("latency_median_ms", m.latency_median * 1e3).add("latency_p95_ms", m.latency_p95 * 1e3)
                .add("latency_error", lat_err)
                .add("predicted_throughput_fps", o.throughput).add("throughput_fps", m.throughput)
                .add("throughput_error", thr_err)
                .add("repredicted_latency_ms", re_lat * 1e3).add("repredicted_throughput_fps", re_thr)
                .add("predicted_accuracy", o.accuracy).add("accuracy", m.accuracy)
                .add("predicted_cost", o.cost).add("cost", m.cost).add("within_25pct", within);
            std::puts(j.str().c_str());
            char buf[256];
            std::snprintf(buf, sizeof buf,
                          "%5zu  %-8s %9.3f %9.3f %+6.0f%% %9.3f %9.0f %9.0f %+6.0f%% %9.0f %7.3f %7.3f %6zu %6zu", ph,
                          pb.tasks[t].name.c_str(), o.latency * 1e3, m.latency_mean * 1e3, 100 * lat_err, re_lat * 1e3,
                          o.throughput, m.throughput, 100 * thr_err, re_thr, o.accuracy, m.accuracy, m.ok, m.failed);
            table.emplace_back(buf);
        }
        std::fflush(stdout);
    }

    // ---- the same parts in this process, frame by frame (the final placement's routes) ----
    std::size_t mismatches = 0;
    std::vector<double> in_process_accuracy(S, 0.0);
    if (s.check) {
        const auto plan = ok::minmax_cost_solve(pb, ga);
        const auto dep = ok::amvp_deploy(pb, plan.choices);
        const std::size_t from = phases.back().first;
        std::vector<float> features, logits;
        std::vector<std::byte> wire;
        for (std::size_t t = 0; t < S; ++t) {
            const auto& r = dep.tasks[t];
            const auto& p1 = dep.parts[r.first];  // a shared part 1 is named by the first task it feeds
            const auto& cand = pb.tasks[p1.tasks[0]].candidates[p1.candidate];
            const auto& f = files.at({cand.name, dep.parts[r.first].layer});
            ok::onnx_feature_extractor fe(ok::onnx_model::load(f.first), gray28());
            features.resize(fe.feature_count());
            std::optional<ok::split_receiver<ok::onnx_feature_inference>> rx;
            if (r.split()) {
                const auto& cand2 = pb.tasks[t].candidates[dep.parts[r.second].candidate];
                rx.emplace(ok::onnx_feature_inference(ok::onnx_model::load(files.at({cand2.name, dep.parts[r.second].layer}).second), fe));
            }
            std::size_t correct = 0, n = 0;
            for (std::size_t i = from; i < F; ++i) {
                const ok::image_view img{{images.image(i), 784}, 28, 28, ok::pixel_format::gray, 0};
                (void)fe.extract(img, features);
                std::size_t label = 0;
                if (rx) {
                    encode_split(features, r.compressed, pb.codec.bits > 0 ? pb.codec.bits : 8, i, wire);
                    label = rx->receive(wire).label;
                } else {
                    label = static_cast<std::size_t>(std::max_element(features.begin(), features.end()) - features.begin());
                }
                ++n;
                correct += label == truth[t][i] ? 1 : 0;
                if (rec.state_of(t, i) == ok::amvp_run_recorder::state::answered && rec.label_of(t, i) != label) {
                    if (std::getenv("OKAMVP_DEBUG") != nullptr) {
                        std::fprintf(stderr, "mismatch task %zu frame %zu: run %zu, in-process %zu\n", t, i,
                                     rec.label_of(t, i), label);
                    }
                    ++mismatches;
                }
            }
            in_process_accuracy[t] = n > 0 ? static_cast<double>(correct) / static_cast<double>(n) : 0.0;
            const auto m = rec.measure(t, truth[t], pb.tasks[t].goal, from, F);
            std::puts(ok::io::json_object{}
                          .add("event", "in_process")
                          .add("task", pb.tasks[t].name)
                          .add("frames", n)
                          .add("in_process_accuracy", in_process_accuracy[t])
                          .add("accuracy", m.accuracy)
                          .add("answered", m.ok)
                          .str()
                          .c_str());
        }
    }
    std::size_t answered = 0, failed = 0;
    for (std::size_t t = 0; t < S; ++t) {
        for (std::size_t f = 0; f < F; ++f) {
            const auto st = rec.state_of(t, f);
            answered += st == ok::amvp_run_recorder::state::answered ? 1 : 0;
            failed += st == ok::amvp_run_recorder::state::failed ? 1 : 0;
        }
    }
    ok::io::json_object sum;
    sum.add("event", "summary").add("frames", F).add("tasks", S).add("pairs", F * S).add("answered", answered)
        .add("failed", failed).add("lost", F * S - answered - failed).add("duplicates", rec.duplicates())
        .add("accounted", rec.all_accounted() && answered + failed == F * S).add("within_25pct", all_within);
    if (s.check) {
        sum.add("label_mismatches", mismatches);
    }
    std::puts(sum.str().c_str());
    std::fprintf(stderr, "phase  task     pred L ms meas L ms  error  re-pred L  pred fps  meas fps  error  re-pred  pred A  meas A     ok failed\n");
    for (const auto& row : table) {
        std::fprintf(stderr, "%s\n", row.c_str());
    }
    std::fprintf(stderr, "shares: %s; links: %s\n", mode.c_str(), shaping.c_str());
    if (!rec.all_accounted() || answered + failed != F * S) {
        std::fprintf(stderr, "%s: frames lost: %zu of %zu (task, frame) pairs never ended\n", tool,
                     F * S - answered - failed, F * S);
        exit_code = 1;
    }
    return exit_code;
}

/// --netns: a fresh namespace, loopback at MTU 1500 (tbf drops packets above its burst), then this
/// tool again inside it (ip netns exec ... --netns-inner NAME); the namespace is deleted after.
int run_in_netns(int argc, char** argv) {
    if (::geteuid() != 0) {
        std::fprintf(stderr, "%s: --netns needs root (network namespaces and tc need CAP_NET_ADMIN)\n", tool);
        return 77;
    }
    const std::string ns = "okamvp-" + std::to_string(::getpid());
    std::string err = system_quiet("ip netns add " + ns);
    if (!err.empty()) {
        std::fprintf(stderr, "%s: ip netns add failed: %s\n", tool, err.c_str());
        return 77;
    }
    err = system_quiet("ip -n " + ns + " link set lo mtu 1500 up");
    int rc = 77;
    if (err.empty()) {
        std::vector<std::string> args{"ip", "netns", "exec", ns, "/proc/self/exe"};
        args[4] = std::filesystem::read_symlink("/proc/self/exe").string();
        for (int i = 1; i < argc; ++i) {
            if (std::string_view(argv[i]) != "--netns") {
                args.emplace_back(argv[i]);
            }
        }
        args.emplace_back("--netns-inner");
        args.push_back(ns);
        const pid_t pid = ::fork();
        if (pid == 0) {
            std::vector<char*> av;
            for (auto& a : args) {
                av.push_back(a.data());
            }
            av.push_back(nullptr);
            ::execvp("ip", av.data());
            std::_Exit(127);
        }
        int status = 0;
        ::waitpid(pid, &status, 0);
        rc = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    } else {
        std::fprintf(stderr, "%s: cannot set up loopback in %s: %s\n", tool, ns.c_str(), err.c_str());
    }
    (void)system_quiet("ip netns del " + ns);
    return rc;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 3 && std::string_view(argv[1]) == "--worker") {
        return worker_main(std::atoi(argv[2]));
    }
    return cli::guarded_main({tool, usage}, [&] {
        const settings s = parse(argc, argv);
        if (s.netns && s.netns_inner.empty()) {
            return run_in_netns(argc, argv);
        }
        return run(s, argv[0]);
    });
}
