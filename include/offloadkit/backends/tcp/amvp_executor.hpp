#ifndef OFFLOADKIT_BACKENDS_TCP_AMVP_EXECUTOR_HPP
#define OFFLOADKIT_BACKENDS_TCP_AMVP_EXECUTOR_HPP

/**
 * @file
 * @brief Executing an AMVP placement across processes (AMVP §IV-C, Fig. 7b: the placement
 *        MinMaxCost computed, run by the devices it names): one worker process per device hosting
 *        its part instances (amvp_deploy) under their compute shares (eq. 7-8, 11), links between
 *        devices as loopback TCP (split_link_sender -> tcp_server, optionally shaped by tc tbf),
 *        frames driven from the coordinator and every (frame, task) pair accounted by an
 *        amvp_run_recorder. Part of the tcp backend; the parts themselves come from an
 *        amvp_part_loader (multitask/part_host.hpp; ONNX: backends/onnx/amvp_parts.hpp).
 *
 * ### Processes and the control protocol
 * The coordinator (amvp_execute_phase) forks and execs `worker_program` once per device that
 * hosts a part, passing one end of a socketpair; that program calls amvp_worker_main(fd, loader).
 * Messages are u32 length (type + body), u8 type, body: 'C' configuration (share mechanism,
 * codec bits, parts, inboxes), 'P' ports and the mechanism that ran, 'R' routes, 'F' frames (u32
 * part, u64 frame, pixels), 'A' answers (amvp_answer_message), 'Q' quit, 'D' each part's calls and
 * CPU / wall seconds, 'E' a start-up error.
 *
 * ### Links: one transfer per destination device (eq. 7)
 * A part 1 feeding several part 2s on the same device sends each frame's feature *once* to that
 * device (AMVP prices one transfer D = f / b per link, eq. 7): the destination's inbox (a
 * tcp_server) hands the message to every part 2 it hosts for that part 1, each on its own thread
 * under its own share; each part 2 reports its task's label to the coordinator itself. The inbox
 * acknowledges a message when it has handed it over, which it does once every part 2 it feeds has
 * fewer than `amvp_inbox_depth` messages waiting; the link keeps up to `amvp_link_window`
 * messages unacknowledged (split_link_sender). So part 1, the link and each part 2 work as a
 * pipeline (eq. 8: the slowest stage sets the period; the link does not wait for each message's
 * ACK, and a slow part 2 does not hold back the other part 2 of its inbox, which it did when the
 * inbox acknowledged a message after all its part 2s had run it), and what a part 2 holds is
 * bounded: at most amvp_inbox_depth messages waiting, plus the window in the inbox's server queue
 * and socket.
 *
 * ### Every (frame, task) pair ends exactly once
 * A part 2 answers its pair (or fails it when the message does not decode). A link that fails a
 * message (connection dropped, link down, refused) fails the pairs of that message that are still
 * pending (`if_pending`: a pair its part 2 answered before the link broke stays answered). A worker
 * whose control stream ends without 'D' fails every pending pair of the tasks with a part (1, 2
 * or whole) there, and their later frames: the messages its inbox had acknowledged and not yet
 * run die with it. What is still pending after `drain_idle` seconds without progress
 * fails. The recorder counts a second ending as a duplicate and ignores it. (Answers and link
 * failures reach the coordinator on different workers' streams: when a connection drops right
 * after a part 2 answered, the link's failure can be read first and the answer then counts as a
 * duplicate; the pair still ends once.)
 *
 * Linux only (fork, socketpair, tc). Threads: see amvp_execute_phase.
 */

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../error.hpp"
#include "../../multitask/deployment.hpp"
#include "../../multitask/part_host.hpp"
#include "../../multitask/problem.hpp"
#include "../../runtime/cpu_share.hpp"
#include "server.hpp"
#include "split_link.hpp"

namespace offloadkit {

/**
 * @brief The coordinator <-> worker control stream (file comment): length-prefixed messages over
 *        a stream socket. send() may be called from several threads; receive() from one.
 */
class amvp_control_channel {
public:
    amvp_control_channel() = default;
    explicit amvp_control_channel(int fd) noexcept : fd_(fd) {}
    amvp_control_channel(const amvp_control_channel&) = delete;
    amvp_control_channel& operator=(const amvp_control_channel&) = delete;

    [[nodiscard]] int fd() const noexcept { return fd_; }
    void set_fd(int fd) noexcept { fd_ = fd; }

    /// Sends one message; false when the peer is gone.
    bool send(char type, const void* body, std::size_t n) {
        const std::lock_guard<std::mutex> lock(write_mu_);
        std::uint8_t head[5];
        const auto len = static_cast<std::uint32_t>(n + 1);
        std::memcpy(head, &len, 4);
        head[4] = static_cast<std::uint8_t>(type);
        return write_all(head, 5) && write_all(body, n);
    }
    bool send(char type, const std::string& s) { return send(type, s.data(), s.size()); }

    /// Blocks for one message; false at the end of the stream, on an error or a length over 64 MiB.
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
            const ssize_t w = ::send(fd_, b, n, MSG_NOSIGNAL);
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
            const ssize_t r = ::read(fd_, b, n);
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

    int fd_ = -1;
    std::mutex write_mu_;
};

/// Split messages a part-1 device keeps written and unacknowledged per link (split_link_options::window;
/// file comment, "Links"). 4: enough to keep a link busy while the inbox hands the previous ones over.
inline constexpr std::size_t amvp_link_window = 4;
/// Messages that may wait for each part 2 of an inbox before the inbox stops taking more (file comment).
inline constexpr std::size_t amvp_inbox_depth = 2;

/// One pair's ending, worker -> coordinator ('A').
struct amvp_answer_message {
    std::uint32_t task = 0;
    std::uint32_t label = 0;
    std::uint64_t frame = 0;
    std::uint8_t ok = 0;          ///< 1: answered with `label`; 0: failed
    std::uint8_t if_pending = 0;  ///< a failure that applies only if the pair has not ended (a link's)
    std::uint8_t padding[6] = {}; ///< explicit, so that no uninitialised byte goes on the wire
};
static_assert(sizeof(amvp_answer_message) == 24);

namespace detail::amvp_exec {

inline double now() noexcept {
    timespec t{};
    ::clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

inline long rss_kb() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::strtol(line.c_str() + 6, nullptr, 10);
        }
    }
    return 0;
}

inline const char* kind_name(amvp_part_kind k) noexcept {
    return k == amvp_part_kind::first ? "first" : k == amvp_part_kind::second ? "second" : "whole";
}

inline amvp_part_kind kind_of(const std::string& s) {
    return s == "first" ? amvp_part_kind::first : s == "second" ? amvp_part_kind::second : amvp_part_kind::whole;
}

inline std::vector<std::uint32_t> numbers(const std::string& list) {
    std::vector<std::uint32_t> v;
    std::istringstream in(list);
    std::string item;
    while (std::getline(in, item, ',')) {
        if (!item.empty()) {
            v.push_back(static_cast<std::uint32_t>(std::stoul(item)));
        }
    }
    return v;
}

/// Runs a part's calls under its share (duty cycle, or its cgroup) and counts what they cost.
struct share_enforcer {
    std::optional<duty_cycle_throttle> duty;
    cgroup_cpu_limits* limits = nullptr;
    std::size_t group = 0;
    bool joined = false;
    std::atomic<std::uint64_t> calls{0};
    std::atomic<double> cpu{0.0}, wall{0.0};  // thread CPU seconds of the work; wall seconds with the idling
    template <class F>
    decltype(auto) run(F&& f) {
        if (limits != nullptr && !joined) {
            limits->add_current_thread(group);
            joined = true;
        }
        struct account {
            share_enforcer& e;
            double w0 = now(), c0 = thread_cpu_seconds();
            ~account() {
                e.calls += 1;
                e.cpu = e.cpu + (thread_cpu_seconds() - c0);
                e.wall = e.wall + (now() - w0);
            }
        } acc{*this};
        if (duty) {
            return duty->run(std::forward<F>(f));
        }
        return std::forward<F>(f)();
    }
};

/// A job queue served by one thread.
template <class Job>
struct job_queue {
    std::mutex mu;
    std::condition_variable cv, room;
    std::deque<Job> jobs;
    bool stop = false;
    /// Blocks until fewer than `depth` jobs wait (or the queue is closed).
    void wait_room(std::size_t depth) {
        std::unique_lock<std::mutex> lock(mu);
        room.wait(lock, [&] { return stop || jobs.size() < depth; });
    }
    void push(Job j) {
        {
            const std::lock_guard<std::mutex> lock(mu);
            jobs.push_back(std::move(j));
        }
        cv.notify_one();
    }
    /// false when stopped and empty.
    bool pop(Job& j) {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stop || !jobs.empty(); });
        if (jobs.empty()) {
            return false;
        }
        j = std::move(jobs.front());
        jobs.pop_front();
        lock.unlock();
        room.notify_all();
        return true;
    }
    void close() {
        {
            const std::lock_guard<std::mutex> lock(mu);
            stop = true;
        }
        cv.notify_all();
        room.notify_all();
    }
};

/// One message delivered to the part 2s of an inbox (they read the same buffer).
struct fanout_message {
    std::vector<std::byte> bytes;
    std::uint64_t id = 0;
};

struct worker_part {
    amvp_part_spec spec;
    amvp_hosted_part hosted;
    share_enforcer enforcer;
    std::thread thread;
    // first / whole: frames
    job_queue<std::pair<std::uint64_t, std::vector<std::uint8_t>>> frames;
    struct route {
        std::vector<std::uint32_t> tasks;
        bool compressed = false;
        std::unique_ptr<split_link_sender> link;
    };
    std::vector<route> routes;
    // second: messages from its inbox
    job_queue<std::shared_ptr<fanout_message>> messages;
};

}  // namespace detail::amvp_exec

/**
 * @brief The worker side (file comment): hosts the parts the coordinator's 'C' message lists,
 *        loading each with `load`, under its share; runs until 'Q' or the end of the stream.
 *        Each part 1 / whole runs on its own thread; each part 2 on its own thread behind its
 *        device's inbox (a tcp_server with one thread per inbox, see "Links").
 * @return 0 after 'Q' or the end of the stream, 1 when the configuration failed (reported as 'E').
 */
inline int amvp_worker_main(int fd, const amvp_part_loader& load) {
    using namespace detail::amvp_exec;
    amvp_control_channel ch(fd);
    char type = 0;
    std::string body;
    if (!ch.receive(type, body) || type != 'C') {
        return 1;
    }
    std::istringstream cfg(body);
    std::string line, mode = "duty", listen = "127.0.0.1";
    int bits = 8;
    std::size_t frame_bytes = 0;
    std::vector<std::unique_ptr<worker_part>> parts;
    std::vector<std::pair<std::size_t, std::vector<std::uint32_t>>> inbox_specs;  // inbox id, part indices
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
        } else if (key == "frame_bytes") {
            in >> frame_bytes;
        } else if (key == "part") {
            auto p = std::make_unique<worker_part>();
            std::string kind, tasks;
            in >> p->spec.index >> kind >> p->spec.share >> p->spec.model >> p->spec.part1_model >> tasks;
            p->spec.kind = kind_of(kind);
            p->spec.tasks = numbers(tasks);
            parts.push_back(std::move(p));
        } else if (key == "inbox") {
            std::size_t id = 0;
            std::string list;
            in >> id >> list;
            inbox_specs.emplace_back(id, numbers(list));
        }
    }
    const auto part_at = [&parts](std::size_t index) -> worker_part* {
        for (auto& p : parts) {
            if (p->spec.index == index) {
                return p.get();
            }
        }
        return nullptr;
    };
    auto answer = [&ch](std::uint32_t task, std::uint64_t frame, std::size_t label, bool good, bool if_pending) {
        amvp_answer_message a;
        a.task = task;
        a.label = static_cast<std::uint32_t>(label);
        a.frame = frame;
        a.ok = good ? 1 : 0;
        a.if_pending = if_pending ? 1 : 0;
        ch.send('A', &a, sizeof a);
    };
    std::unique_ptr<cgroup_cpu_limits> limits;
    std::vector<std::unique_ptr<tcp_server>> inboxes;
    std::string mechanism = std::string(mechanism_name(cpu_share_mechanism::duty_cycle));
    try {
        if (mode == "cgroup1" || mode == "cgroup2") {
            const auto m = mode == "cgroup1" ? cpu_share_mechanism::cgroup1 : cpu_share_mechanism::cgroup2;
            limits = std::make_unique<cgroup_cpu_limits>(find_cgroup_cpu(m), "offloadkit-amvp");
            mechanism = std::string(mechanism_name(m));
        }
        const long rss0 = rss_kb();
        std::ostringstream ports;
        for (auto& p : parts) {
            if (limits) {
                p->enforcer.limits = limits.get();
                p->enforcer.group = limits->add(p->spec.share);
            } else {
                p->enforcer.duty.emplace(p->spec.share);
            }
            p->hosted = load(p->spec);
        }
        // part 2 threads: a message from the inbox -> the task's label, straight to the coordinator
        for (auto& pp : parts) {
            worker_part* p = pp.get();
            if (p->spec.kind != amvp_part_kind::second) {
                continue;
            }
            p->thread = std::thread([p, &answer] {
                std::shared_ptr<fanout_message> m;
                const std::uint32_t task = p->spec.tasks.at(0);
                while (p->messages.pop(m)) {
                    try {
                        const auto a = p->enforcer.run([&] { return p->hosted.receive(m->bytes); });
                        answer(task, m->id, a.label, true, false);
                    } catch (const std::exception&) {
                        answer(task, m->id, 0, false, false);
                    }
                    m.reset();
                }
            });
        }
        for (const auto& [id, members] : inbox_specs) {
            std::vector<worker_part*> targets;
            for (const auto index : members) {
                worker_part* p = part_at(index);
                detail::require(p != nullptr && p->spec.kind == amvp_part_kind::second, "amvp_worker_main",
                                "inbox ", id, " names part ", index, ", which is not a part 2 of this worker");
                targets.push_back(p);
            }
            tcp_server_options so;
            so.host = listen;
            so.port = 0;
            so.workers = 1;
            so.max_queue = 256;
            inboxes.push_back(std::make_unique<tcp_server>(so, [targets](std::size_t) {
                return tcp_handler([targets](const tcp_job& j) {
                    auto m = std::make_shared<fanout_message>();
                    m->bytes.assign(j.payload.begin(), j.payload.end());
                    m->id = j.id;
                    for (auto* t : targets) {  // only this thread pushes: the room stays
                        t->messages.wait_room(amvp_inbox_depth);
                    }
                    for (auto* t : targets) {
                        t->messages.push(m);
                    }
                    return tcp_verdict{0, 0.0F, true};  // handed over: the part 2s answer the pairs
                });
            }));
            ports << "port " << id << ' ' << inboxes.back()->port() << '\n';
        }
        ports << "mechanism " << mechanism << '\n' << "rss_kb " << rss_kb() - rss0 << '\n';
        ch.send('P', ports.str());
    } catch (const std::exception& e) {
        ch.send('E', e.what());
        inboxes.clear();
        for (auto& p : parts) {
            p->messages.close();
            if (p->thread.joinable()) {
                p->thread.join();
            }
        }
        return 1;
    }
    bool routed = ch.receive(type, body) && type == 'R';
    if (routed) {
        std::istringstream rt(body);
        while (std::getline(rt, line)) {
            std::istringstream in(line);
            std::string key, host, tasks;
            std::size_t part = 0;
            int port = 0, compressed = 0;
            in >> key >> part >> host >> port >> compressed >> tasks;
            worker_part* p = part_at(part);
            if (key != "route" || p == nullptr) {
                continue;
            }
            split_link_options lo;
            lo.client.host = host;
            lo.client.port = static_cast<std::uint16_t>(port);
            lo.client.max_outstanding = 64;
            lo.window = amvp_link_window;
            lo.client.answer_timeout = 10.0;
            lo.client.stall_timeout = 5.0;
            lo.client.backoff = 0.02;
            lo.client.max_backoff = 0.2;
            worker_part::route r;
            r.tasks = numbers(tasks);
            r.compressed = compressed != 0;
            r.link = std::make_unique<split_link_sender>(lo, [answer, ts = r.tasks](const split_link_result& res) {
                if (!res.ok) {  // the part 2s answered what they finished; the rest of the message fails
                    for (const auto t : ts) {
                        answer(t, res.id, 0, false, true);
                    }
                }
            });
            p->routes.push_back(std::move(r));
        }
    }
    for (auto& pp : parts) {
        worker_part* p = pp.get();
        if (p->spec.kind == amvp_part_kind::second || !routed) {
            continue;
        }
        p->thread = std::thread([p, &answer, bits] {
            std::vector<float> out(p->hosted.outputs);
            std::vector<std::byte> raw, quant;
            std::pair<std::uint64_t, std::vector<std::uint8_t>> job;
            while (p->frames.pop(job)) {
                bool good = true;
                try {
                    // part 1 encodes (quantizes) its messages under its own share, as the planner
                    // charges QT to u1 (multitask/problem.hpp); part 2 decodes under u2 (receive)
                    p->enforcer.run([&] {
                        p->hosted.extract(job.second, out);
                        if (p->spec.kind == amvp_part_kind::whole) {
                            return;
                        }
                        bool have_raw = false, have_quant = false;
                        for (auto& r : p->routes) {
                            bool& have = r.compressed ? have_quant : have_raw;
                            if (!have) {
                                amvp_encode_split(out, r.compressed, bits, job.first, r.compressed ? quant : raw);
                                have = true;
                            }
                        }
                    });
                } catch (const std::exception&) {
                    good = false;
                }
                if (p->spec.kind == amvp_part_kind::whole) {
                    const auto label = static_cast<std::size_t>(std::max_element(out.begin(), out.end()) - out.begin());
                    answer(p->spec.tasks.at(0), job.first, label, good, false);
                    continue;
                }
                for (auto& r : p->routes) {
                    const auto& wire = r.compressed ? quant : raw;
                    if (!good || !r.link->enqueue(job.first, wire)) {
                        for (const auto t : r.tasks) {
                            answer(t, job.first, 0, false, false);
                        }
                    }
                }
            }
        });
    }
    // control loop: frames for the part-1 / whole instances until 'Q' or the end of the stream
    while (routed && ch.receive(type, body)) {
        if (type == 'Q') {
            break;
        }
        if (type != 'F' || body.size() < 12 || (frame_bytes != 0 && body.size() != 12 + frame_bytes)) {
            continue;
        }
        std::uint32_t part = 0;
        std::uint64_t frame = 0;
        std::memcpy(&part, body.data(), 4);
        std::memcpy(&frame, body.data() + 4, 8);
        worker_part* p = part_at(part);
        if (p != nullptr && p->spec.kind != amvp_part_kind::second) {
            const auto* px = reinterpret_cast<const std::uint8_t*>(body.data()) + 12;
            p->frames.push({frame, std::vector<std::uint8_t>(px, px + (body.size() - 12))});
        }
    }
    // stop in dependency order: part 1s, their links (failing what is left, once), inboxes, part 2s
    for (auto& p : parts) {
        if (p->spec.kind != amvp_part_kind::second) {
            p->frames.close();
            if (p->thread.joinable()) {
                p->thread.join();
            }
        }
    }
    for (auto& p : parts) {
        p->routes.clear();
    }
    inboxes.clear();
    for (auto& p : parts) {
        p->messages.close();
        if (p->thread.joinable()) {
            p->thread.join();
        }
    }
    std::ostringstream stats;
    for (auto& p : parts) {
        stats << "part " << p->spec.index << ' ' << p->enforcer.calls.load() << ' ' << p->enforcer.cpu.load() << ' '
              << p->enforcer.wall.load() << '\n';
    }
    ch.send('D', stats.str());
    return routed ? 0 : 1;
}

/// How amvp_execute_phase starts workers and drives frames.
struct amvp_executor_options {
    std::string shares = "duty";  ///< the resolved share mechanism: duty, cgroup1 or cgroup2
    int bits = 8;                 ///< n of the codec (eq. 4-5) for compressed links
    bool shaped = false;          ///< links go to 127.0.0.(k+10) for device k (amvp_shape_links) when remote
    std::string worker_program = "/proc/self/exe";  ///< execv'd per device
    std::vector<std::string> worker_argv;  ///< its argv (argv[0] first); the control fd is appended
    std::size_t frame_bytes = 0;           ///< bytes per frame (0: not checked)
    std::optional<std::pair<std::size_t, std::size_t>> kill_at;  ///< (frame, device): SIGKILL then
    double lockstep_timeout = 5.0;  ///< latency half: give up waiting for a frame's answers after this (s)
    double drain_idle = 3.0;        ///< at the end: pending pairs fail after this long without progress (s)
};

/// A worker as started (for the caller's report).
struct amvp_worker_report {
    std::size_t device = 0;
    long pid = -1;
    std::string mechanism;     ///< the share mechanism it used
    long rss_growth_kb = 0;    ///< resident memory grown while loading its parts
};

/// What a part cost in the phase: its calls and their thread CPU / wall seconds.
struct amvp_part_usage {
    std::size_t part = 0;
    double calls = 0.0, cpu_seconds = 0.0, wall_seconds = 0.0;
};

/// Callbacks during a phase (any may be empty); called on the calling thread.
struct amvp_phase_observer {
    std::function<void(const amvp_worker_report&)> on_worker;    ///< after its routes are sent
    std::function<void(std::size_t frame, std::size_t device)> on_kill;  ///< after kill_at's SIGKILL
};

/// The result of amvp_execute_phase (the per-pair results are in the recorder).
struct amvp_phase_outcome {
    std::string error;  ///< non-empty: a worker failed to start (the phase did not run)
    std::vector<amvp_worker_report> workers;
    std::vector<amvp_part_usage> parts;  ///< per hosted part, workers in device order
};

/**
 * @brief Part specs for a deployment: kind, share and tasks from amvp_deploy, model files from
 *        `files(candidate name, split layer)` = (part 1 or whole file, part 2 file).
 */
template <class Files>
[[nodiscard]] std::vector<amvp_part_spec> amvp_part_specs(const amvp_problem& pb, const amvp_deployment& dep,
                                                          Files&& files) {
    std::vector<amvp_part_spec> specs;
    for (std::size_t i = 0; i < dep.parts.size(); ++i) {
        const auto& p = dep.parts[i];
        const auto& cand = pb.tasks[p.tasks.at(0)].candidates[p.candidate];
        const std::pair<std::string, std::string> f = files(cand.name, p.layer);
        amvp_part_spec s;
        s.index = i;
        s.kind = p.kind;
        s.share = p.share;
        s.model = p.kind == amvp_part_kind::second ? f.second : f.first;
        s.part1_model = f.first;
        for (const auto t : p.tasks) {
            s.tasks.push_back(static_cast<std::uint32_t>(t));
        }
        specs.push_back(std::move(s));
    }
    return specs;
}

/// The (source, destination) fan-outs of a deployment (AMVP §IV-A/B): per part 1, destination
/// device and codec decision, the part 2s one transfer feeds.
struct amvp_fanout {
    std::size_t first = 0;          ///< the part-1 instance
    std::size_t device = 0;         ///< the destination device
    bool compressed = false;        ///< eq. 5's decision
    bool remote = false;            ///< another device than part 1's
    std::vector<std::size_t> seconds;  ///< its part-2 instances
    std::vector<std::size_t> tasks;    ///< their tasks, in the same order
};

/// Groups a deployment's split tasks into fan-outs (one link and one message per frame each).
[[nodiscard]] inline std::vector<amvp_fanout> amvp_fanouts(const amvp_deployment& dep) {
    std::vector<amvp_fanout> out;
    for (std::size_t t = 0; t < dep.tasks.size(); ++t) {
        const auto& r = dep.tasks[t];
        if (!r.split()) {
            continue;
        }
        const std::size_t k = dep.parts[r.second].device;
        auto it = std::find_if(out.begin(), out.end(), [&](const amvp_fanout& g) {
            return g.first == r.first && g.device == k && g.compressed == r.compressed;
        });
        if (it == out.end()) {
            out.push_back(amvp_fanout{r.first, k, r.compressed, r.remote, {}, {}});
            it = std::prev(out.end());
        }
        it->seconds.push_back(r.second);
        it->tasks.push_back(t);
    }
    return out;
}

/**
 * @brief Runs frames [from, to) of `rec` through a deployment (file comment): starts one worker per
 *        device used, sends configuration and routes, sends the first half of the frames one at a
 *        time (a frame leaves when every task has ended the previous one: eq. 7's latency) and the
 *        second half back to back (eq. 8's throughput), drains, stops the workers and collects
 *        each part's usage. `frame(f)` gives frame f's pixels (frame_bytes of them).
 *        Threads: one reader per worker (recording answers in `rec` under an internal mutex);
 *        `rec` must not be used by others meanwhile.
 */
template <class FrameSource>
amvp_phase_outcome amvp_execute_phase(const amvp_problem& pb, const amvp_deployment& dep,
                                      const std::vector<amvp_part_spec>& specs, amvp_run_recorder& rec,
                                      std::size_t from, std::size_t to, FrameSource&& frame,
                                      const amvp_executor_options& opt, const amvp_phase_observer& obs = {}) {
    using namespace detail::amvp_exec;
    constexpr std::string_view fn = "amvp_execute_phase";
    detail::require(specs.size() == dep.parts.size(), fn, "specs has size ", specs.size(), ", expected ",
                    dep.parts.size(), " (one per part)");
    detail::require(from <= to && to <= rec.frames(), fn, "frames [", from, ", ", to, ") do not fit the recorder's ",
                    rec.frames());
    detail::require(!opt.worker_argv.empty(), fn, "options.worker_argv is empty");
    const std::size_t S = dep.tasks.size();
    const auto fanouts = amvp_fanouts(dep);
    struct worker_proc {
        std::size_t device = 0;
        pid_t pid = -1;
        amvp_control_channel ch;
        std::thread reader;
        std::atomic<bool> dead{false};
        std::map<std::size_t, int> ports;  // fan-out -> port
        amvp_worker_report report;
        bool done = false;
        std::string stats;
    };
    amvp_phase_outcome outcome;
    std::vector<std::unique_ptr<worker_proc>> workers;
    std::map<std::size_t, worker_proc*> by_device;
    const auto abandon = [&](std::string why) {
        for (auto& w : workers) {
            ::kill(w->pid, SIGKILL);
            int status = 0;
            ::waitpid(w->pid, &status, 0);
            ::close(w->ch.fd());
        }
        outcome.error = std::move(why);
        return outcome;
    };
    for (const std::size_t k : dep.devices_used()) {
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
            return abandon("socketpair failed");
        }
        std::vector<std::string> args = opt.worker_argv;
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::close(sv[0]);
            const int fd = ::dup(sv[1]);  // without FD_CLOEXEC
            args.push_back(std::to_string(fd));
            std::vector<char*> av;
            for (auto& a : args) {
                av.push_back(a.data());
            }
            av.push_back(nullptr);
            ::execv(opt.worker_program.c_str(), av.data());
            std::_Exit(127);
        }
        ::close(sv[1]);
        auto w = std::make_unique<worker_proc>();
        w->device = k;
        w->pid = pid;
        w->ch.set_fd(sv[0]);
        std::ostringstream cfg;
        cfg << "mode " << opt.shares << "\nbits " << opt.bits << "\nlisten " << (opt.shaped ? "0.0.0.0" : "127.0.0.1")
            << "\nframe_bytes " << opt.frame_bytes << '\n';
        for (std::size_t i = 0; i < dep.parts.size(); ++i) {
            if (dep.parts[i].device != k) {
                continue;
            }
            const auto& s = specs[i];
            std::string tasks;
            for (const auto t : s.tasks) {
                tasks += (tasks.empty() ? "" : ",") + std::to_string(t);
            }
            cfg << "part " << i << ' ' << kind_name(s.kind) << ' ' << s.share << ' ' << s.model << ' ' << s.part1_model
                << ' ' << tasks << '\n';
        }
        for (std::size_t g = 0; g < fanouts.size(); ++g) {
            if (fanouts[g].device != k) {
                continue;
            }
            std::string list;
            for (const auto p : fanouts[g].seconds) {
                list += (list.empty() ? "" : ",") + std::to_string(p);
            }
            cfg << "inbox " << g << ' ' << list << '\n';
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
            return abandon("worker of device " + pb.devices[w->device].name + " failed to start: " + body);
        }
        std::istringstream in(body);
        std::string line;
        w->report.device = w->device;
        w->report.pid = static_cast<long>(w->pid);
        while (std::getline(in, line)) {
            std::istringstream l(line);
            std::string key;
            l >> key;
            if (key == "port") {
                std::size_t g = 0;
                int port = 0;
                l >> g >> port;
                w->ports[g] = port;
            } else if (key == "mechanism") {
                std::getline(l >> std::ws, w->report.mechanism);
            } else if (key == "rss_kb") {
                l >> w->report.rss_growth_kb;
            }
        }
    }
    for (auto& w : workers) {
        std::ostringstream routes;
        for (std::size_t g = 0; g < fanouts.size(); ++g) {
            const auto& fo = fanouts[g];
            if (dep.parts[fo.first].device != w->device) {
                continue;
            }
            const std::string host =
                opt.shaped && fo.remote ? "127.0.0." + std::to_string(fo.device + 10) : std::string("127.0.0.1");
            std::string tasks;
            for (const auto t : fo.tasks) {
                tasks += (tasks.empty() ? "" : ",") + std::to_string(t);
            }
            routes << "route " << fo.first << ' ' << host << ' ' << by_device.at(fo.device)->ports.at(g) << ' '
                   << (fo.compressed ? 1 : 0) << ' ' << tasks << '\n';
        }
        w->ch.send('R', routes.str());
        outcome.workers.push_back(w->report);
        if (obs.on_worker) {
            obs.on_worker(w->report);
        }
    }
    // ---- readers ----
    std::mutex mu;
    std::condition_variable cv;
    std::vector<bool> task_dead(S, false);
    for (auto& w : workers) {
        worker_proc* wp = w.get();
        wp->reader = std::thread([wp, &mu, &cv, &rec, &task_dead, &dep, S] {
            char type = 0;
            std::string body;
            while (wp->ch.receive(type, body)) {
                if (type == 'A' && body.size() == sizeof(amvp_answer_message)) {
                    amvp_answer_message a;
                    std::memcpy(&a, body.data(), sizeof a);
                    const double t = now();
                    const std::lock_guard<std::mutex> lock(mu);
                    if (a.ok != 0) {
                        (void)rec.answered(a.task, a.frame, a.label, t);
                    } else if (a.if_pending == 0 || (a.task < S && a.frame < rec.frames() &&
                                                     rec.state_of(a.task, a.frame) == amvp_run_recorder::state::pending)) {
                        (void)rec.failed(a.task, a.frame, t);
                    }
                    cv.notify_all();
                } else if (type == 'D') {
                    wp->done = true;
                    wp->stats = body;
                }
            }
            if (!wp->done) {  // the worker died: the tasks with a part there fail from now on
                wp->dead = true;
                const double t = now();
                const std::lock_guard<std::mutex> lock(mu);
                for (std::size_t task = 0; task < S; ++task) {
                    const auto& r = dep.tasks[task];
                    if (dep.parts[r.first].device == wp->device ||
                        (r.split() && dep.parts[r.second].device == wp->device)) {
                        task_dead[task] = true;
                        (void)rec.fail_pending(task, t);
                    }
                }
                cv.notify_all();
            }
        });
    }
    // ---- frames: first half one at a time (latency), second half back to back (throughput) ----
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
            n += rec.state_of(t, f) == amvp_run_recorder::state::pending ? 1 : 0;
        }
        return n;
    };
    std::string msg;
    const auto send_frame = [&](std::size_t f) {
        if (opt.kill_at && opt.kill_at->first == f && by_device.count(opt.kill_at->second) != 0) {
            ::kill(by_device[opt.kill_at->second]->pid, SIGKILL);
            if (obs.on_kill) {
                obs.on_kill(f, opt.kill_at->second);
            }
        }
        std::vector<bool> dead_now;
        {
            const std::lock_guard<std::mutex> lock(mu);
            rec.sent(f, now(), f >= half);
            for (std::size_t t = 0; t < S; ++t) {
                if (task_dead[t]) {
                    (void)rec.failed(t, f, now());
                }
            }
            dead_now = task_dead;
        }
        const auto pixels = frame(f);
        msg.resize(12 + pixels.size());
        for (const std::size_t p : firsts) {
            worker_proc* w = by_device[dep.parts[p].device];
            bool alive = false;  // a shared part 1 runs while one of its tasks can still be answered
            for (const auto t : dep.parts[p].tasks) {
                alive = alive || !dead_now[t];
            }
            if (w->dead || !alive) {
                continue;
            }
            const auto part = static_cast<std::uint32_t>(p);
            const auto id = static_cast<std::uint64_t>(f);
            std::memcpy(msg.data(), &part, 4);
            std::memcpy(msg.data() + 4, &id, 8);
            std::memcpy(msg.data() + 12, pixels.data(), pixels.size());
            if (!w->ch.send('F', msg)) {
                const std::lock_guard<std::mutex> lock(mu);
                for (const auto t : dep.parts[p].tasks) {
                    (void)rec.failed(t, f, now());
                }
            }
        }
    };
    const auto wait_for = [&](auto done, double seconds) {
        std::unique_lock<std::mutex> lock(mu);
        return cv.wait_for(lock, std::chrono::duration<double>(seconds), done);
    };
    for (std::size_t f = from; f < half; ++f) {
        send_frame(f);
        if (!wait_for([&] { return pending_of(f) == 0; }, opt.lockstep_timeout)) {
            break;
        }
    }
    for (std::size_t f = half; f < to; ++f) {
        send_frame(f);
    }
    // drain: wait while answers keep coming; drain_idle without progress: what is left fails (counted)
    std::size_t last_left = std::numeric_limits<std::size_t>::max();
    while (!wait_for([&] { return rec.pending() == 0; }, opt.drain_idle)) {
        const std::lock_guard<std::mutex> lock(mu);
        const std::size_t left = rec.pending();
        if (left == last_left) {
            for (std::size_t t = 0; t < S; ++t) {
                for (std::size_t f = from; f < to; ++f) {
                    if (rec.state_of(t, f) == amvp_run_recorder::state::pending) {
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
        ::close(w->ch.fd());
    }
    for (auto& w : workers) {
        std::istringstream in(w->stats);
        std::string key;
        amvp_part_usage u;
        while (in >> key >> u.part >> u.calls >> u.cpu_seconds >> u.wall_seconds) {
            if (u.part < dep.parts.size() && u.calls > 0.0) {
                outcome.parts.push_back(u);
            }
        }
    }
    return outcome;
}

namespace detail::amvp_exec {
/// Runs a shell command; "" on success, else its output (or the exit status).
inline std::string system_quiet(const std::string& cmd) {
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
}  // namespace detail::amvp_exec

/**
 * @brief Shapes the loopback links of a placement with tc (AMVP eq. 7: D = f / b per link): an htb
 *        root whose default class 1:1 is unshaped (answers, same-device traffic on 127.0.0.1) and,
 *        per device k, a class 1:(k+10) selected by a u32 filter on destination 127.0.0.(k+10)
 *        with a tbf leaf at the bandwidth into k (the smallest link into it). tbf's burst is 2 KB
 *        (16 kbit), so a split message of a few KB pays nearly f / b. `first_time` adds the
 *        qdiscs; otherwise the tbf rates are changed (a re-plan after a bandwidth change). Needs
 *        CAP_NET_ADMIN (run it inside amvp_run_in_netns).
 * @return "" on success, else what failed.
 */
inline std::string amvp_shape_links(const amvp_problem& pb, bool first_time) {
    using detail::amvp_exec::system_quiet;
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

/// Sets every link between distinct devices to `mbps` Mbit/s (b of eq. 7; 0 on the diagonal).
/// @throws offloadkit::invalid_argument unless mbps > 0.
inline void amvp_set_bandwidth(amvp_problem& pb, double mbps) {
    detail::require(mbps > 0.0, "amvp_set_bandwidth", "mbps is ", mbps, ", expected > 0");
    const std::size_t K = pb.devices.size();
    pb.bandwidth.assign(K * K, 0.0);
    for (std::size_t a = 0; a < K; ++a) {
        for (std::size_t b = 0; b < K; ++b) {
            pb.bandwidth[a * K + b] = a == b ? 0.0 : mbps * 1e6 / 8.0;
        }
    }
}

/// A change during a run (AMVP §IV-C's adaptation: the placement is re-planned after it).
struct amvp_change {
    enum class kind : std::uint8_t { compute, bandwidth };
    kind what = kind::compute;
    std::size_t device = 0;  ///< compute: the device whose available share U_k changes
    double value = 0.0;      ///< compute: the new U_k; bandwidth: every link's Mbit/s
};

/**
 * @brief Applies a change to the problem the next plan is made from and, when `shaped`, re-rates
 *        the tbf of amvp_shape_links for a bandwidth change.
 * @return "" on success, else what failed while re-shaping.
 * @throws offloadkit::invalid_argument for a device out of range, U_k outside [0, 1] or a
 *         bandwidth not > 0.
 */
inline std::string amvp_apply_change(amvp_problem& pb, const amvp_change& c, bool shaped) {
    constexpr std::string_view fn = "amvp_apply_change";
    if (c.what == amvp_change::kind::compute) {
        detail::require(c.device < pb.devices.size(), fn, "device is ", c.device, ", expected < ", pb.devices.size());
        detail::require(c.value >= 0.0 && c.value <= 1.0, fn, "value is ", c.value, ", expected a share in [0, 1]");
        pb.devices[c.device].compute = c.value;
        return {};
    }
    amvp_set_bandwidth(pb, c.value);
    return shaped ? amvp_shape_links(pb, false) : std::string();
}

/// What amvp_run_in_netns did.
struct amvp_netns_result {
    int exit_code = 77;  ///< the command's exit code; 77 when the namespace could not be set up
    std::string error;   ///< why not, when it could not
};

/**
 * @brief Runs `argv` (argv[0] a program path) inside a fresh network namespace `name` whose
 *        loopback has MTU 1500 (tbf drops packets larger than its burst), through `ip netns
 *        exec`, waits for it and deletes the namespace. Needs root.
 */
inline amvp_netns_result amvp_run_in_netns(const std::string& name, std::vector<std::string> argv) {
    using detail::amvp_exec::system_quiet;
    amvp_netns_result r;
    std::string err = system_quiet("ip netns add " + name);
    if (!err.empty()) {
        r.error = "ip netns add failed: " + err;
        return r;
    }
    err = system_quiet("ip -n " + name + " link set lo mtu 1500 up");
    if (err.empty()) {
        std::vector<std::string> args{"ip", "netns", "exec", name};
        args.insert(args.end(), argv.begin(), argv.end());
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
        r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    } else {
        r.error = "cannot set up loopback in " + name + ": " + err;
    }
    (void)system_quiet("ip netns del " + name);
    return r;
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_BACKENDS_TCP_AMVP_EXECUTOR_HPP
