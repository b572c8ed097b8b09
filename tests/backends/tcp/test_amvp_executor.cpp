// The AMVP executor (backends/tcp/amvp_executor.hpp): amvp_fanouts groups the part 2s one transfer
// feeds (by hand), and amvp_worker_main, run on a thread with parts that compute a known label from
// the pixel, answers every (frame, task) pair exactly once with that label, hands the *same*
// message to both part 2s of a shared part 1 (one transfer per destination device, eq. 7), and
// reports each part's calls at the end. A part 2 that stalls holds up neither part 1 nor the other
// part 2 (the inbox hands messages over, it does not wait for them to be run), and what waits for
// it is bounded (amvp_inbox_depth).
#include <offloadkit/backends/tcp/amvp_executor.hpp>

#include "support/amvp_instances.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <poll.h>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>
#include <unistd.h>

namespace ok = offloadkit;

namespace amvp_executor_test {

using offloadkit::test_instances::two_task_shared_instance;

// Part 2 of task `shift`: label = (feature + shift) mod 10, feature = the frame's first pixel.
struct shifted_fi {
    std::size_t shift = 0;
    [[nodiscard]] std::size_t feature_count() const { return 1; }
    [[nodiscard]] std::size_t num_classes() const { return 10; }
    double infer(std::span<const float> f, std::span<float> logits) const {
        for (auto& l : logits) {
            l = 0.0F;
        }
        logits[(static_cast<std::size_t>(f[0]) + shift) % 10] = 1.0F;
        return 0.0;
    }
};

struct message_log {
    std::mutex mu;
    std::map<std::uint64_t, std::vector<const std::byte*>> buffers;  // frame -> message buffers seen
};

// Part 1 passes the first pixel on as the feature; part 2 of task t answers (feature + t + 1) mod 10
// and then calls `after(task, message, answer)` on its own thread.
using part2_hook = std::function<void(std::uint32_t, std::span<const std::byte>, const ok::split_answer&)>;
inline ok::amvp_part_loader shifted_parts(part2_hook after) {
    return [after = std::move(after)](const ok::amvp_part_spec& s) {
        ok::amvp_hosted_part h;
        if (s.kind == ok::amvp_part_kind::first) {
            h.outputs = 1;
            h.extract = [](std::span<const std::uint8_t> px, std::span<float> out) { out[0] = px[0]; };
        } else {
            const std::uint32_t task = s.tasks.at(0);
            auto rx = std::make_shared<ok::split_receiver<shifted_fi>>(shifted_fi{task + 1});
            h.receive = [rx, task, after](std::span<const std::byte> m) {
                auto a = rx->receive(m);
                after(task, m, a);
                return a;
            };
        }
        return h;
    };
}

using answer_map = std::map<std::pair<std::uint32_t, std::uint64_t>, std::vector<ok::amvp_answer_message>>;

// amvp_worker_main on a thread hosting part 0 (part 1 of tasks 0 and 1) and its two part 2s
// (parts 1, 2) behind inbox 7, routed to itself; frame f's first pixel is 3 f.
struct shared_worker {
    int sv[2] = {-1, -1};
    int rc = -1;
    std::thread thread;
    ok::amvp_control_channel ch;
    explicit shared_worker(const ok::amvp_part_loader& load) {
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
        thread = std::thread([this, &load] { rc = ok::amvp_worker_main(sv[1], load); });
        ch.set_fd(sv[0]);
        REQUIRE(ch.send('C', std::string("mode duty\nbits 8\nlisten 127.0.0.1\nframe_bytes 4\n"
                                         "part 0 first 1 p1.onnx p1.onnx 0,1\n"
                                         "part 1 second 1 a2.onnx p1.onnx 0\n"
                                         "part 2 second 1 b2.onnx p1.onnx 1\n"
                                         "inbox 7 1,2\n")));
        char type = 0;
        std::string body;
        REQUIRE(ch.receive(type, body));
        REQUIRE(type == 'P');
        std::istringstream ports(body);
        std::string key;
        std::size_t inbox = 0;
        int port = 0;
        ports >> key >> inbox >> port;
        CHECK(key == "port");
        CHECK(inbox == 7);
        REQUIRE(ch.send('R', "route 0 127.0.0.1 " + std::to_string(port) + " 0 0,1\n"));
    }
    shared_worker(const shared_worker&) = delete;
    shared_worker& operator=(const shared_worker&) = delete;
    ~shared_worker() {
        if (thread.joinable()) {  // a failed check left it running: end its stream
            ::shutdown(sv[0], SHUT_RDWR);
            thread.join();
        }
        ::close(sv[0]);
    }
    void send_frames(std::uint64_t frames) {
        for (std::uint64_t f = 0; f < frames; ++f) {
            std::string msg(12 + 4, '\0');
            const std::uint32_t part = 0;
            std::memcpy(msg.data(), &part, 4);
            std::memcpy(msg.data() + 4, &f, 8);
            msg[12] = static_cast<char>(3 * f);
            REQUIRE(ch.send('F', msg));
        }
    }
    /// Reads answers until `done(answers)` (true) or the stream ends / `timeout` s pass (false).
    template <class Done>
    bool read_answers(answer_map& answers, Done done, double timeout = 5.0) {
        const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
        char type = 0;
        std::string body;
        while (!done(answers)) {
            const auto left = std::chrono::duration<double>(end - std::chrono::steady_clock::now()).count();
            pollfd p{sv[0], POLLIN, 0};
            if (left <= 0.0 || ::poll(&p, 1, static_cast<int>(left * 1000.0) + 1) != 1 || !ch.receive(type, body)) {
                return false;
            }
            if (type == 'A' && body.size() == sizeof(ok::amvp_answer_message)) {
                ok::amvp_answer_message a;
                std::memcpy(&a, body.data(), sizeof a);
                answers[{a.task, a.frame}].push_back(a);
            }
        }
        return true;
    }
    /// Quits; returns the 'D' statistics, adding any late answer to `answers` (none is expected).
    std::string quit(answer_map& answers) {
        REQUIRE(ch.send('Q', std::string()));
        char type = 0;
        std::string body;
        while (ch.receive(type, body)) {
            if (type == 'D') {
                thread.join();
                return body;
            }
            if (type == 'A') {
                ok::amvp_answer_message a;
                std::memcpy(&a, body.data(), sizeof a);
                answers[{a.task, a.frame}].push_back(a);
            }
        }
        thread.join();
        return {};
    }
};

inline std::size_t count_task(const answer_map& answers, std::uint32_t task) {
    std::size_t n = 0;
    for (const auto& [pair, list] : answers) {
        n += pair.first == task ? list.size() : 0;
    }
    return n;
}

}  // namespace amvp_executor_test

TEST_CASE("amvp_fanouts: a shared part 1 feeds both part 2s on one device through one transfer") {
    const auto pb = amvp_executor_test::two_task_shared_instance();
    const auto shared = ok::amvp_deploy(pb, std::vector<ok::amvp_task_choice>{{0, 0, 0, 3, 1, 2}, {0, 0, 0, 3, 1, 2}});
    auto g = ok::amvp_fanouts(shared);
    REQUIRE(g.size() == 1);
    CHECK(g[0].first == 0);
    CHECK(g[0].device == 1);
    CHECK(g[0].remote);
    CHECK(g[0].seconds == std::vector<std::size_t>{1, 2});
    CHECK(g[0].tasks == std::vector<std::size_t>{0, 1});
    // part 1 at different shares: two instances, two transfers; an unsplit task has none
    const auto apart = ok::amvp_deploy(pb, std::vector<ok::amvp_task_choice>{{0, 0, 0, 3, 1, 2}, {0, 0, 0, 4, 1, 2}});
    CHECK(ok::amvp_fanouts(apart).size() == 2);
    const auto mixed = ok::amvp_deploy(pb, std::vector<ok::amvp_task_choice>{{0, 0, 0, 3, 1, 2}, {0, 1, 1, 5, 0, 1}});
    g = ok::amvp_fanouts(mixed);
    REQUIRE(g.size() == 1);
    CHECK(g[0].tasks == std::vector<std::size_t>{0});
}

TEST_CASE("amvp_worker_main: one message per frame reaches both part 2s; every pair answered once") {
    using namespace amvp_executor_test;
    message_log log;
    const auto load = shifted_parts([&log](std::uint32_t, std::span<const std::byte> m, const ok::split_answer& a) {
        const std::lock_guard<std::mutex> lock(log.mu);
        log.buffers[a.id].push_back(m.data());
    });
    shared_worker w(load);
    constexpr std::uint64_t frames = 20;
    w.send_frames(frames);
    answer_map answers;
    (void)w.read_answers(answers, [&](const answer_map& a) { return a.size() >= 2 * frames; });
    const std::string stats = w.quit(answers);
    const int worker_rc = w.rc;
    CHECK(worker_rc == 0);
    REQUIRE(answers.size() == 2 * frames);
    for (const auto& [pair, list] : answers) {
        REQUIRE(list.size() == 1);
        CHECK(list[0].ok == 1);
        CHECK(list[0].label == (3 * pair.second + pair.first + 1) % 10);
    }
    // both part 2s read the same buffer for each frame: it crossed the link once
    REQUIRE(log.buffers.size() == frames);
    for (const auto& [f, bufs] : log.buffers) {
        REQUIRE(bufs.size() == 2);
        CHECK(bufs[0] == bufs[1]);
    }
    std::istringstream st(stats);
    std::string key;
    std::size_t part = 0;
    double calls = 0.0, cpu = 0.0, wall = 0.0;
    std::size_t parts = 0;
    while (st >> key >> part >> calls >> cpu >> wall) {
        CHECK(calls == doctest::Approx(static_cast<double>(frames)));
        ++parts;
    }
    CHECK(parts == 3);
}

TEST_CASE("amvp_apply_change: a device's share or every link's bandwidth, checked") {
    auto pb = amvp_executor_test::two_task_shared_instance();
    ok::amvp_change c;
    c.what = ok::amvp_change::kind::compute;
    c.device = 1;
    c.value = 0.4;
    CHECK(ok::amvp_apply_change(pb, c, false).empty());
    CHECK(pb.devices[1].compute == 0.4);
    c.what = ok::amvp_change::kind::bandwidth;
    c.value = 10.0;  // Mbit/s -> 1.25e6 bytes/s between distinct devices
    CHECK(ok::amvp_apply_change(pb, c, false).empty());
    CHECK(pb.bandwidth == std::vector<double>{0.0, 1.25e6, 1.25e6, 0.0});
    c.value = 0.0;
    CHECK_THROWS_AS((void)ok::amvp_apply_change(pb, c, false), ok::invalid_argument);
    c.what = ok::amvp_change::kind::compute;
    c.device = 2;
    c.value = 0.5;
    CHECK_THROWS_AS((void)ok::amvp_apply_change(pb, c, false), ok::invalid_argument);
}

TEST_CASE("amvp_worker_main: a stalled part 2 holds up neither part 1 nor the other part 2, and its backlog is bounded") {
    // The inbox used to acknowledge a message only when both part 2s had run it: the other task
    // then got 1 answer while one part 2 stalled, here amvp_inbox_depth + 1.
    using namespace amvp_executor_test;
    std::mutex mu;
    std::condition_variable cv;
    bool released = false;
    const auto load = shifted_parts([&](std::uint32_t task, std::span<const std::byte>, const ok::split_answer&) {
        if (task == 1) {  // task 1's part 2 stalls until released
            std::unique_lock<std::mutex> lock(mu);
            cv.wait(lock, [&] { return released; });
        }
    });
    const auto release = [&] {
        {
            const std::lock_guard<std::mutex> lock(mu);
            released = true;
        }
        cv.notify_all();
    };
    shared_worker w(load);
    struct release_at_exit {  // before w stops, even when a check fails
        decltype(release)& r;
        ~release_at_exit() { r(); }
    } guard{release};
    constexpr std::uint64_t frames = 12;
    w.send_frames(frames);
    answer_map answers;
    const std::size_t flowing = ok::amvp_inbox_depth + 1;  // one running + amvp_inbox_depth waiting
    CHECK(w.read_answers(answers, [&](const answer_map& a) { return count_task(a, 0) >= flowing; }));
    CHECK_FALSE(w.read_answers(answers, [&](const answer_map& a) { return count_task(a, 0) > flowing; }, 0.3));
    CHECK(count_task(answers, 0) == flowing);
    CHECK(count_task(answers, 1) == 0);
    release();
    CHECK(w.read_answers(answers, [&](const answer_map& a) { return a.size() >= 2 * frames; }));
    (void)w.quit(answers);
    CHECK(w.rc == 0);
    REQUIRE(answers.size() == 2 * frames);
    for (const auto& [pair, list] : answers) {
        REQUIRE(list.size() == 1);
        CHECK(list[0].ok == 1);
        CHECK(list[0].label == (3 * pair.second + pair.first + 1) % 10);
    }
}
