// tcp_server (backends/tcp/server.hpp): exactly one answer per request with the handler's verdict,
// the queue bound, the expiry rule, protocol errors, slow-loris and never-reading clients, the
// client limit, handler faults, EINTR storms — and the whole CBO pipeline over tcp_link and
// tcp_remote against it.
#include <offloadkit/backends/tcp.hpp>
#include <offloadkit/calibration/identity.hpp>
#include <offloadkit/estimators/bandwidth.hpp>
#include <offloadkit/runtime/cbo_pipeline.hpp>
#include <offloadkit/runtime/clock.hpp>

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "peer.hpp"

namespace ok = offloadkit;
using namespace tcp_test;

namespace {

/// FNV-1a of the payload: a label that proves the server saw every byte.
std::uint32_t fnv(std::span<const std::byte> p) {
    std::uint32_t h = 2166136261u;
    for (const std::byte b : p) {
        h = (h ^ std::to_integer<std::uint32_t>(b)) * 16777619u;
    }
    return h;
}

ok::tcp_handler_factory hashing_handler() {
    return [](std::size_t) {
        return ok::tcp_handler([](const ok::tcp_job& j) {
            return ok::tcp_verdict{fnv(j.payload) % 1000u, static_cast<float>(j.resolution) / 10.0F, true};
        });
    };
}

/// A handler that blocks until released, counting its calls.
struct gate {
    std::mutex m;
    std::condition_variable cv;
    int entered = 0;
    bool open = false;
    ok::tcp_handler_factory factory() {
        return [this](std::size_t) {
            return ok::tcp_handler([this](const ok::tcp_job& j) {
                std::unique_lock lk(m);
                ++entered;
                cv.notify_all();
                cv.wait(lk, [&] { return open; });
                return ok::tcp_verdict{static_cast<std::uint32_t>(j.id), 0.5F, true};
            });
        };
    }
    bool wait_entered(int n, double timeout = 5.0) {
        std::unique_lock lk(m);
        return cv.wait_for(lk, std::chrono::duration<double>(timeout), [&] { return entered >= n; });
    }
    void release() {
        {
            const std::lock_guard lk(m);
            open = true;
        }
        cv.notify_all();
    }
};

/// A blocking client socket connected to 127.0.0.1:port (rcvbuf > 0: SO_RCVBUF before connecting).
ts::unique_fd connect_to(std::uint16_t port, int rcvbuf = 0) {
    ts::unique_fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(fd);
    if (rcvbuf > 0) {
        (void)ts::set_int_option(fd.get(), SOL_SOCKET, SO_RCVBUF, rcvbuf);
    }
    const ts::address a = ts::parse_address("127.0.0.1", port, "test");
    REQUIRE(::connect(fd.get(), a.get(), a.length) == 0);
    return fd;
}

bool send_request(int fd, std::uint64_t id, std::uint32_t budget_us, std::uint16_t resolution,
                  std::span<const std::byte> payload) {
    std::array<std::byte, ok::tcp_message_size> h{};
    ok::encode_tcp_request(ok::tcp_request_header{id, budget_us, resolution, static_cast<std::uint32_t>(payload.size())}, h);
    return write_all(fd, h.data(), h.size()) && write_all(fd, payload.data(), payload.size());
}

std::optional<ok::tcp_answer> read_answer(int fd, double timeout = 5.0) {
    std::array<std::byte, ok::tcp_message_size> m{};
    if (!read_exact(fd, m.data(), m.size(), timeout)) {
        return std::nullopt;
    }
    return ok::parse_tcp_answer(m);
}

template <class Pred>
bool eventually(Pred pred, double timeout = 5.0) {
    const double end = ts::mono_now() + timeout;
    while (!pred()) {
        if (ts::mono_now() > end) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

ok::tcp_server_options server_options(std::size_t workers = 1, std::size_t max_queue = 64) {
    ok::tcp_server_options o;
    o.workers = workers;
    o.max_queue = max_queue;
    return o;
}

/// n clients (tcp_client, driven from this thread) send `per_client` requests each, one frame in
/// flight per client; checks every answer arrives once with the hashing handler's verdict.
void exchange(std::uint16_t port, std::size_t n, std::size_t per_client) {
    struct cam {
        std::unique_ptr<ok::tcp_client> c;
        std::size_t sent = 0;
        std::map<std::uint64_t, std::uint32_t> expect;  // id -> label
        std::set<std::uint64_t> answered;
        std::vector<std::byte> wire;
    };
    std::vector<cam> cams(n);
    for (std::size_t k = 0; k < n; ++k) {
        ok::tcp_client_options o = client_options(port, steady_now);
        cams[k].c = std::make_unique<ok::tcp_client>(o);
        REQUIRE(cams[k].c->wait_connected(5.0));
    }
    const double end = ts::mono_now() + 30.0;
    std::size_t done = 0;
    while (done < n * per_client && ts::mono_now() < end) {
        for (std::size_t k = 0; k < n; ++k) {
            cam& cm = cams[k];
            while (auto rep = cm.c->poll_completed()) {
                CHECK(rep->ok);
            }
            while (auto r = cm.c->poll()) {
                REQUIRE(r->ok);
                CHECK(cm.answered.insert(r->id).second);  // exactly once
                REQUIRE(cm.expect.count(r->id) == 1);
                CHECK(r->label == cm.expect[r->id]);
                ++done;
            }
            if (cm.sent < per_client && !cm.c->busy()) {
                const std::uint64_t id = 1000 * k + cm.sent;
                cm.wire = pattern(1 + (id * 7919) % 20000, static_cast<unsigned>(id));
                const std::size_t res = id % 5;
                cm.expect[id] = fnv(cm.wire) % 1000u;
                REQUIRE(cm.c->submit(id, ok::offload_request{res, cm.wire, 0.0, std::numeric_limits<double>::infinity()}));
                REQUIRE(cm.c->send(cm.wire));
                ++cm.sent;
            }
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    CHECK(done == n * per_client);
    for (const cam& cm : cams) {
        CHECK(cm.c->stats().disconnects == 0);
        CHECK(cm.c->stats().answers == per_client);
    }
}

}  // namespace

TEST_CASE("tcp_server: every request of every client is answered exactly once with the handler's verdict") {
    ok::tcp_server server(server_options(2), hashing_handler());
    exchange(server.port(), 4, 25);
    const ok::tcp_server_stats st = server.stats();
    CHECK(st.clients_accepted == 4);
    CHECK(st.requests == 100);
    CHECK(st.answers == 100);
    CHECK(st.by_status[0] == 100);
    CHECK(st.handler_errors == 0);
    CHECK(st.max_queue_depth <= 64);
}

TEST_CASE("tcp_server: a full queue answers overloaded at once, and the queued requests run in order") {
    gate g;
    ok::tcp_server server(server_options(1, 2), g.factory());
    ts::unique_fd fd = connect_to(server.port());
    const std::vector<std::byte> p = pattern(64);
    REQUIRE(send_request(fd.get(), 1, ok::tcp_no_deadline, 0, p));
    REQUIRE(g.wait_entered(1));  // the worker holds request 1
    for (std::uint64_t id = 2; id <= 5; ++id) {
        REQUIRE(send_request(fd.get(), id, ok::tcp_no_deadline, 0, p));
    }
    // 2 and 3 fill the queue; 4 and 5 are refused before anything is released
    for (const std::uint64_t id : {4u, 5u}) {
        const auto a = read_answer(fd.get());
        REQUIRE(a);
        CHECK(a->id == id);
        CHECK(a->status == ok::tcp_status::overloaded);
        CHECK(a->queue_us == 0);
    }
    CHECK(server.queue_depth() == 2);
    g.release();
    for (const std::uint64_t id : {1u, 2u, 3u}) {
        const auto a = read_answer(fd.get());
        REQUIRE(a);
        CHECK(a->id == id);
        CHECK(a->status == ok::tcp_status::ok);
        CHECK(a->label == id);
    }
    const ok::tcp_server_stats st = server.stats();
    CHECK(st.by_status[2] == 2);
    CHECK(st.by_status[0] == 3);
    CHECK(st.max_queue_depth == 2);
    CHECK(g.entered == 3);
}

TEST_CASE("tcp_server: a request whose deadline passes before a worker picks it up is answered expired, not run") {
    gate g;
    ok::tcp_server server(server_options(1, 8), g.factory());
    ts::unique_fd fd = connect_to(server.port());
    const std::vector<std::byte> p = pattern(64);
    REQUIRE(send_request(fd.get(), 1, ok::tcp_no_deadline, 0, p));
    REQUIRE(g.wait_entered(1));
    REQUIRE(send_request(fd.get(), 2, 50000, 0, p));  // 50 ms
    REQUIRE(send_request(fd.get(), 3, 0, 0, p));      // no time at all: expired on arrival
    REQUIRE(send_request(fd.get(), 4, 30'000'000, 0, p));  // 30 s: still good after the wait
    const auto a3 = read_answer(fd.get());
    REQUIRE(a3);
    CHECK(a3->id == 3);
    CHECK(a3->status == ok::tcp_status::expired);
    CHECK(a3->queue_us == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    g.release();
    const auto a1 = read_answer(fd.get());
    const auto a2 = read_answer(fd.get());
    const auto a4 = read_answer(fd.get());
    REQUIRE((a1 && a2 && a4));
    CHECK(a1->id == 1);
    CHECK(a1->status == ok::tcp_status::ok);
    CHECK(a2->id == 2);
    CHECK(a2->status == ok::tcp_status::expired);
    CHECK(a2->queue_us >= 100000);  // it waited the 150 ms behind request 1
    CHECK(a2->compute_us == 0);
    CHECK(a4->id == 4);
    CHECK(a4->status == ok::tcp_status::ok);
    CHECK(a4->queue_us >= 100000);
    CHECK(g.entered == 2);  // requests 1 and 4: the expired ones never reached the handler
    CHECK(server.stats().by_status[1] == 2);
}

TEST_CASE("tcp_server: a malformed header closes that connection only") {
    ok::tcp_server server(server_options(), hashing_handler());
    ts::unique_fd bad = connect_to(server.port());
    ts::unique_fd good = connect_to(server.port());
    std::array<std::byte, 32> h{};
    ok::encode_tcp_request(ok::tcp_request_header{1, 1000, 0, 10}, h);
    h[4] = std::byte{2};  // version 2
    REQUIRE(write_all(bad.get(), h.data(), h.size()));
    CHECK(wait_closed(bad.get()));
    const std::vector<std::byte> p = pattern(10);
    REQUIRE(send_request(good.get(), 9, ok::tcp_no_deadline, 1, p));
    const auto a = read_answer(good.get());
    REQUIRE(a);
    CHECK(a->label == fnv(p) % 1000u);
    const ok::tcp_server_stats st = server.stats();
    CHECK(st.wire_errors[static_cast<std::size_t>(ok::tcp_wire_error::protocol_version)] == 1);
    CHECK(st.clients_malformed == 1);
    CHECK(st.requests == 1);

    // too large a payload, and a resolution the server does not have
    ok::tcp_server_options o = server_options();
    o.max_payload_bytes = 1000;
    o.resolutions = 5;
    ok::tcp_server strict(o, hashing_handler());
    ts::unique_fd big = connect_to(strict.port());
    ok::encode_tcp_request(ok::tcp_request_header{1, 1000, 0, 1001}, h);
    REQUIRE(write_all(big.get(), h.data(), h.size()));
    CHECK(wait_closed(big.get()));
    ts::unique_fd res = connect_to(strict.port());
    ok::encode_tcp_request(ok::tcp_request_header{1, 1000, 5, 10}, h);
    REQUIRE(write_all(res.get(), h.data(), h.size()));
    CHECK(wait_closed(res.get()));
    CHECK(eventually([&] { return strict.stats().clients_malformed == 2; }));
    CHECK(strict.stats().wire_errors[static_cast<std::size_t>(ok::tcp_wire_error::payload_bytes)] == 1);
    CHECK(strict.stats().wire_errors[static_cast<std::size_t>(ok::tcp_wire_error::resolution)] == 1);
}

TEST_CASE("tcp_server: a slow-loris client is dropped request_timeout after its request began, others are served") {
    ok::tcp_server_options o = server_options();
    o.request_timeout = 0.3;
    ok::tcp_server server(o, hashing_handler());
    ts::unique_fd slow = connect_to(server.port());
    ts::unique_fd good = connect_to(server.port());
    std::array<std::byte, 32> h{};
    ok::encode_tcp_request(ok::tcp_request_header{1, ok::tcp_no_deadline, 0, 100}, h);
    const double t0 = ts::mono_now();
    std::size_t trickled = 0;
    std::size_t answered = 0;
    const std::vector<std::byte> p = pattern(100);
    // one byte every 20 ms (it never stops sending, but its request would take ~2.6 s)
    while (ts::mono_now() - t0 < 2.0) {
        const std::byte b = trickled < h.size() ? h[trickled] : std::byte{0};
        if (::send(slow.get(), &b, 1, MSG_NOSIGNAL) != 1) {
            break;
        }
        ++trickled;
        REQUIRE(send_request(good.get(), trickled, ok::tcp_no_deadline, 0, p));
        answered += read_answer(good.get()) ? 1 : 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(wait_closed(slow.get()));
    const double closed_after = ts::mono_now() - t0;
    CHECK(closed_after >= 0.3);
    CHECK(closed_after < 2.0);
    CHECK(answered == trickled);
    CHECK(server.stats().clients_slow == 1);
}

TEST_CASE("tcp_server: a client that never reads its answers is dropped") {
    ok::tcp_server_options o = server_options(2, 4096);
    o.max_unread_answers = 8;
    ok::tcp_server server(o, hashing_handler());
    ts::unique_fd fd = connect_to(server.port(), 4096);
    // 20000 one-byte requests, never reading: the answers back up in both kernels, then in the
    // server, which drops the client after 8 unread answers.
    std::vector<std::byte> burst;
    const std::byte one{0x5A};
    for (std::uint64_t id = 0; id < 20000; ++id) {
        std::array<std::byte, 32> h{};
        ok::encode_tcp_request(ok::tcp_request_header{id, ok::tcp_no_deadline, 0, 1}, h);
        burst.insert(burst.end(), h.begin(), h.end());
        burst.push_back(one);
    }
    (void)write_all(fd.get(), burst.data(), burst.size(), 10.0);  // fails once the server hangs up
    CHECK(eventually([&] { return server.stats().clients_unread == 1; }, 10.0));
    CHECK(eventually([&] { return server.clients() == 0; }));
}

TEST_CASE("tcp_server: a worker's answer joins the output the I/O thread still holds for a peer that is not reading") {
    // The I/O thread answers 3000 requests `expired` at once while the peer reads nothing: 96 KB of
    // answers, far more than the peer's 4 KB receive buffer and the server's 4 KB send buffer take,
    // so most of it waits in the server's output. Then the worker, held by the gate until now,
    // answers 8 requests: each must be appended after that output (a worker writes to the socket
    // itself only when nothing is pending), and no answer may be cut into or interleaved.
    gate g;
    ok::tcp_server_options o = server_options(1, 64);
    o.max_unread_answers = 8192;
    o.send_buffer = 4096;
    ok::tcp_server server(o, g.factory());
    ts::unique_fd fd = connect_to(server.port(), 4096);
    const std::vector<std::byte> p = pattern(3);
    for (std::uint64_t id = 0; id < 8; ++id) {  // id 0 enters the handler, 1..7 queue behind it
        REQUIRE(send_request(fd.get(), id, ok::tcp_no_deadline, 0, p));
    }
    REQUIRE(g.wait_entered(1));
    constexpr std::uint64_t expired = 3000;
    std::vector<std::byte> burst;
    for (std::uint64_t id = 1000; id < 1000 + expired; ++id) {
        std::array<std::byte, ok::tcp_message_size> h{};
        ok::encode_tcp_request(ok::tcp_request_header{id, 0, 0, 1}, h);  // budget 0: expired at once
        burst.insert(burst.end(), h.begin(), h.end());
        burst.push_back(std::byte{7});
    }
    REQUIRE(write_all(fd.get(), burst.data(), burst.size(), 10.0));
    REQUIRE(eventually([&] { return server.stats().requests == 8 + expired; }));
    REQUIRE(eventually([&] { return server.stats().by_status[1] == expired; }));
    int queued_at_peer = 0;
    REQUIRE(::ioctl(fd.get(), FIONREAD, &queued_at_peer) == 0);
    CHECK(queued_at_peer < 32 * 1024);  // so at least 64 KB of answers are still the server's
    g.release();
    // Everything arrives whole: first the I/O thread's answers in request order, then the worker's.
    std::vector<ok::tcp_answer> got;
    for (std::uint64_t k = 0; k < 8 + expired; ++k) {
        const auto a = read_answer(fd.get());
        REQUIRE(a);
        got.push_back(*a);
    }
    for (std::uint64_t k = 0; k < expired; ++k) {
        CHECK(got[k].id == 1000 + k);
        CHECK(got[k].status == ok::tcp_status::expired);
    }
    for (std::uint64_t k = 0; k < 8; ++k) {
        const ok::tcp_answer& a = got[expired + k];
        CHECK(a.id == k);
        CHECK(a.status == ok::tcp_status::ok);
        CHECK(a.label == k);  // the gate's handler answers label = id
    }
    const ok::tcp_server_stats st = server.stats();
    CHECK(st.answers == 8 + expired);
    CHECK(st.clients_unread == 0);
    CHECK(server.clients() == 1);
}

TEST_CASE("tcp_server: connections beyond max_clients are closed at once") {
    ok::tcp_server_options o = server_options();
    o.max_clients = 2;
    ok::tcp_server server(o, hashing_handler());
    ts::unique_fd a = connect_to(server.port());
    ts::unique_fd b = connect_to(server.port());
    REQUIRE(eventually([&] { return server.clients() == 2; }));
    ts::unique_fd c = connect_to(server.port());
    CHECK(wait_closed(c.get()));
    const std::vector<std::byte> p = pattern(5);
    REQUIRE(send_request(b.get(), 1, ok::tcp_no_deadline, 0, p));
    CHECK(read_answer(b.get()));
    CHECK(server.stats().clients_refused == 1);
    CHECK(server.stats().clients_accepted == 2);
}

TEST_CASE("tcp_server: a handler that throws or answers nonsense yields a failed answer") {
    std::atomic<int> calls{0};
    ok::tcp_server server(server_options(), [&](std::size_t) {
        return ok::tcp_handler([&](const ok::tcp_job& j) -> ok::tcp_verdict {
            ++calls;
            switch (j.resolution) {
                case 1: throw std::runtime_error("model crashed");
                case 2: return {3, 2.0F, true};   // confidence outside [0, 1]
                case 3: return {3, 0.5F, false};  // the model says it could not
                default: return {3, 0.5F, true};
            }
        });
    });
    ts::unique_fd fd = connect_to(server.port());
    const std::vector<std::byte> p = pattern(5);
    for (std::uint16_t r = 0; r < 4; ++r) {
        REQUIRE(send_request(fd.get(), r, ok::tcp_no_deadline, r, p));
        const auto a = read_answer(fd.get());
        REQUIRE(a);
        CHECK(a->id == r);
        CHECK(a->status == (r == 0 ? ok::tcp_status::ok : ok::tcp_status::failed));
        CHECK(a->label == (r == 0 ? 3u : 0u));
    }
    CHECK(calls == 4);
    CHECK(server.stats().handler_errors == 2);
    CHECK(server.stats().by_status[3] == 3);
}

TEST_CASE("tcp_server: a request whose client left is discarded, not computed") {
    gate g;
    ok::tcp_server server(server_options(1, 8), g.factory());
    ts::unique_fd a = connect_to(server.port());
    const std::vector<std::byte> p = pattern(5);
    REQUIRE(send_request(a.get(), 1, ok::tcp_no_deadline, 0, p));
    REQUIRE(g.wait_entered(1));
    {
        ts::unique_fd b = connect_to(server.port());
        REQUIRE(send_request(b.get(), 2, ok::tcp_no_deadline, 0, p));
        REQUIRE(eventually([&] { return server.queue_depth() == 1; }));
    }  // b closes with its request queued
    REQUIRE(eventually([&] { return server.clients() == 1; }));
    g.release();
    CHECK(read_answer(a.get()));
    CHECK(eventually([&] { return server.stats().discarded == 1; }));
    CHECK(g.entered == 1);
}

TEST_CASE("tcp_server: bad options are rejected naming the option, a taken port is a system error") {
    auto make = [](const std::function<void(ok::tcp_server_options&)>& f) {
        ok::tcp_server_options o;
        f(o);
        try {
            ok::tcp_server s(o, hashing_handler());
        } catch (const ok::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(make([](auto& o) { o.workers = 0; }) == "tcp_server: workers is 0, expected 1..256");
    CHECK(make([](auto& o) { o.max_queue = 0; }) == "tcp_server: max_queue is 0, expected 1..2^20");
    CHECK(make([](auto& o) { o.host = "::1x"; }) ==
          "tcp_server: host is '::1x', expected an IPv4 or IPv6 address literal (no name resolution)");
    CHECK(make([](auto& o) { o.request_timeout = -1.0; }) ==
          "tcp_server: request_timeout is -1, expected a finite number > 0");
    CHECK_THROWS_AS(ok::tcp_server(ok::tcp_server_options{}, ok::tcp_handler_factory{}), ok::invalid_argument);
    CHECK_THROWS_AS(ok::tcp_server(ok::tcp_server_options{}, [](std::size_t) { return ok::tcp_handler{}; }),
                    ok::invalid_argument);
    ok::tcp_server first(ok::tcp_server_options{}, hashing_handler());
    ok::tcp_server_options same;
    same.port = first.port();
    CHECK_THROWS_AS(ok::tcp_server(same, hashing_handler()), std::system_error);
}

TEST_CASE("tcp_server and tcp_client: a storm of signals (EINTR everywhere) changes nothing") {
    struct sigaction quiet {}, old{};
    quiet.sa_handler = [](int) {};
    sigemptyset(&quiet.sa_mask);
    quiet.sa_flags = 0;  // no SA_RESTART: blocking calls return EINTR
    REQUIRE(::sigaction(SIGALRM, &quiet, &old) == 0);
    itimerval every{{0, 200}, {0, 200}};
    itimerval off{};
    REQUIRE(::setitimer(ITIMER_REAL, &every, nullptr) == 0);
    {
        ok::tcp_server server(server_options(2), hashing_handler());
        exchange(server.port(), 2, 30);
        CHECK(server.stats().answers == 60);
    }
    ::setitimer(ITIMER_REAL, &off, nullptr);
    ::sigaction(SIGALRM, &old, nullptr);
}

namespace {
/// The pipeline's backends besides tcp: a local model that says class 0 at 0.6, an encoder that
/// sends the frame number as 300..2000 bytes.
struct toy_local {
    [[nodiscard]] std::size_t num_classes() const { return 4; }
    double infer(const int&, std::span<float> logits) const {
        logits[0] = 1.0F;
        logits[1] = logits[2] = logits[3] = 0.0F;
        return 0.0;
    }
};
struct toy_encoder {
    std::vector<std::byte> buf;
    static void sizes(const int&, std::span<double> bytes) {
        bytes[0] = 300.0;
        bytes[1] = 2000.0;
    }
    std::span<const std::byte> encode(const int& f, std::size_t r, std::uint64_t) {
        buf = pattern(r == 0 ? 300 : 2000, static_cast<unsigned>(f));
        return buf;
    }
};
}  // namespace

TEST_CASE("tcp backends: the CBO pipeline offloads over tcp_link/tcp_remote to a tcp_server, one result per frame") {
    // The server model answers class 2 for every frame.
    ok::tcp_server server(server_options(2), [](std::size_t) {
        return ok::tcp_handler([](const ok::tcp_job&) { return ok::tcp_verdict{2, 0.9F, true}; });
    });
    ok::steady_clock_source clk;
    ok::pipeline_options opt;
    opt.model.deadline = 0.5;
    opt.model.server_time = 0.01;
    opt.model.network_latency = 0.01;
    opt.model.server_accuracy = {0.8, 0.95};
    opt.deadline_guard = 0.02;
    ok::tcp_client_options co = client_options(server.port(), [clk] { return clk.now(); });
    co.latency = opt.model.network_latency;
    co.num_classes = 4;
    auto [link, remote] = ok::make_tcp_backends(co);
    REQUIRE(link.client().wait_connected(5.0));
    auto pipe = ok::make_cbo_pipeline<int>(opt, ok::identity_calibrator{}, toy_local{}, toy_encoder{}, link, remote,
                                           ok::harmonic_mean_estimator(5, 1e6), clk);
    std::vector<int> results(40, 0);
    std::size_t from_server = 0;
    const double t0 = clk.now();
    int pushed = 0;
    while ((pushed < 40 || pipe.outstanding() > 0) && clk.now() - t0 < 20.0) {
        if (pushed < 40 && clk.now() - t0 >= 0.01 * pushed) {
            pipe.push(pushed++);
        }
        for (const ok::frame_result& r : pipe.poll()) {
            ++results[r.id];
            if (r.source == ok::result_source::server) {
                ++from_server;
                CHECK(r.label == 2);
            }
        }
        std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    for (const int n : results) {
        CHECK(n == 1);
    }
    CHECK(from_server > 0);
    CHECK(pipe.stats().deadline_misses == 0);
    CHECK(pipe.stats().malformed_results == 0);
    CHECK(link.client().stats().disconnects == 0);
    CHECK(server.stats().answers == link.client().stats().answers);
}
