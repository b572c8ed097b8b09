// tcp_client / tcp_link / tcp_remote (backends/tcp/client.hpp) against scripted fake servers on
// loopback: what goes on the wire, when a transfer counts as complete, and every fault of the
// issue — garbage, truncation, unknown ids, reset mid-frame, a peer that never reads, a peer that
// trickles — each ending in failed results, a counted cause and a reconnect, never a hang.
#include <offloadkit/backends/tcp.hpp>

#include <doctest/doctest.h>
#include <signal.h>

#include <atomic>
#include <bit>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "peer.hpp"

namespace ok = offloadkit;
using namespace tcp_test;

static_assert(ok::transfer_link<ok::tcp_link>);
static_assert(ok::remote_executor<ok::tcp_remote, ok::offload_request>);
static_assert(!ok::transfer_link<ok::tcp_remote> && !ok::remote_executor<ok::tcp_link, ok::offload_request>);

namespace {

ok::offload_request request_for(std::span<const std::byte> wire, double deadline, std::size_t resolution = 1) {
    return ok::offload_request{resolution, wire, deadline - 0.2, deadline};
}

/// A connected client and the fake server's end of its connection.
struct session {
    fake_server srv;
    double now = 100.0;  // the pipeline's (manual) clock
    std::unique_ptr<ok::tcp_client> c;
    ts::unique_fd peer;

    explicit session(const std::function<void(ok::tcp_client_options&)>& tweak = {}, int peer_rcvbuf = 0)
        : srv(peer_rcvbuf) {
        ok::tcp_client_options o = client_options(srv.port(), [this] { return now; });
        if (tweak) {
            tweak(o);
        }
        c = std::make_unique<ok::tcp_client>(o);
        peer = srv.accept();
        REQUIRE(peer);
        REQUIRE(drive(*c, [&] { return c->connected(); }));
    }

    /// submit + send of one frame; true if both accepted.
    bool offload(std::uint64_t id, std::span<const std::byte> wire, double deadline) {
        return c->submit(id, request_for(wire, deadline)) && c->send(wire);
    }

    std::optional<ok::remote_result> next_result(double timeout = 5.0) {
        std::optional<ok::remote_result> r;
        (void)drive(*c, [&] { return (r = c->poll()).has_value(); }, timeout);
        return r;
    }

    std::optional<ok::transfer_report> next_report(double timeout = 5.0) {
        std::optional<ok::transfer_report> r;
        (void)drive(*c, [&] { return (r = c->poll_completed()).has_value(); }, timeout);
        return r;
    }
};

}  // namespace

TEST_CASE("tcp_client: the request header carries id, resolution, size and the budget deadline - now - L") {
    session s([](ok::tcp_client_options& o) { o.latency = 0.25; });
    s.now = 8.0;
    const std::vector<std::byte> wire = pattern(1000);
    REQUIRE(s.c->submit(7, ok::offload_request{2, wire, 7.9, 8.5}));
    REQUIRE(s.c->send(wire));
    received r;
    REQUIRE(read_request(s.peer.get(), r));
    CHECK(r.header == ok::tcp_request_header{7, 250000, 2, 1000});  // 8.5 - 8.0 - 0.25 s
    CHECK(s.c->latency() == 0.25);
    CHECK(s.c->bandwidth() == 0.0);  // nothing measured yet, no nominal rate
    CHECK(r.payload == wire);

    // no deadline, and a deadline already gone
    REQUIRE(s.next_report());
    REQUIRE(s.c->submit(8, ok::offload_request{0, wire, 7.9, std::numeric_limits<double>::infinity()}));
    REQUIRE(s.c->send(wire));
    REQUIRE(read_request(s.peer.get(), r));
    CHECK(r.header.budget_us == ok::tcp_no_deadline);
    REQUIRE(s.next_report());
    REQUIRE(s.c->submit(9, ok::offload_request{0, wire, 7.0, 8.1}));  // 8.1 - 8.0 - 0.25 < 0
    REQUIRE(s.c->send(wire));
    REQUIRE(read_request(s.peer.get(), r));
    CHECK(r.header.budget_us == 0);
}

TEST_CASE("tcp_client: one transfer report and one result per request, carrying the answer") {
    session s;
    const std::vector<std::byte> wire = pattern(3000);
    REQUIRE(s.offload(7, wire, 101.0));
    received r;
    REQUIRE(read_request(s.peer.get(), r));
    const auto rep = s.next_report();
    REQUIRE(rep);
    CHECK(rep->ok);
    CHECK(rep->bytes == 3000.0);
    CHECK(rep->seconds > 0.0);
    CHECK_FALSE(s.c->poll_completed());  // exactly once
    CHECK(s.c->bandwidth() == doctest::Approx(3000.0 / rep->seconds));  // no nominal rate: what was measured
    CHECK(s.c->latency() < 0.01);  // no L given: the loopback connection's minimum RTT

    REQUIRE(write_all(s.peer.get(), answer_bytes({7, ok::tcp_status::ok, 3, 0.5F, 300, 500}).data(), 32));
    const auto res = s.next_result();
    REQUIRE(res);
    CHECK(res->id == 7);
    CHECK(res->label == 3);
    CHECK(res->confidence == 0.5);
    CHECK(res->ok);
    CHECK_FALSE(s.c->poll());  // exactly once
    CHECK(s.c->server_time_estimate() == doctest::Approx(0.0008));
    CHECK(s.c->last_answer()->compute_us == 500);
    const ok::tcp_client_stats& st = s.c->stats();
    CHECK(st.requests == 1);
    CHECK(st.answers == 1);
    CHECK(st.by_status[0] == 1);
    CHECK(st.transfers == 1);
    CHECK(st.bytes_sent == 3000.0);
    CHECK(st.disconnects == 0);

    // answers that are not ok reach the pipeline as ok == false, in any order
    REQUIRE(s.offload(8, wire, 101.0));
    REQUIRE(read_request(s.peer.get(), r));
    REQUIRE(s.next_report());
    REQUIRE(s.offload(9, wire, 101.0));
    REQUIRE(read_request(s.peer.get(), r));
    REQUIRE(s.next_report());
    REQUIRE(write_all(s.peer.get(), answer_bytes({9, ok::tcp_status::overloaded, 0, 0.0F, 0, 0}).data(), 32));
    REQUIRE(write_all(s.peer.get(), answer_bytes({8, ok::tcp_status::expired, 0, 0.0F, 200, 0}).data(), 32));
    const auto a = s.next_result();
    const auto b = s.next_result();
    REQUIRE((a && b));
    CHECK(a->id == 9);
    CHECK(b->id == 8);
    CHECK_FALSE(a->ok);
    CHECK_FALSE(b->ok);
    CHECK(s.c->stats().by_status[1] == 1);
    CHECK(s.c->stats().by_status[2] == 1);
    CHECK(s.c->stats().disconnects == 0);
}

TEST_CASE("tcp_client: every invalid answer fails the outstanding request, is counted, and the client reconnects") {
    struct fault {
        const char* name;
        std::function<std::array<std::byte, 32>(std::uint64_t id)> bytes;
        std::function<std::uint64_t(const ok::tcp_client_stats&)> counter;
    };
    using E = ok::tcp_wire_error;
    auto wire_count = [](E e) {
        return [e](const ok::tcp_client_stats& s) { return s.wire_errors[static_cast<std::size_t>(e)]; };
    };
    const std::uint32_t half = std::bit_cast<std::uint32_t>(0.5F);
    const std::vector<fault> faults{
        {"garbage", [](std::uint64_t) { return raw_answer(0x2121212121212121ULL, 0x21, 0x21212121, 0x21212121, 0x21212121, 0x21212121, 0x21, 0x2121, "GARB"); }, wire_count(E::magic)},
        {"version 2", [&](std::uint64_t id) { return raw_answer(id, 0, 1, half, 0, 0, 2); }, wire_count(E::protocol_version)},
        {"flags", [&](std::uint64_t id) { return raw_answer(id, 0, 1, half, 0, 0, 1, 1); }, wire_count(E::flags)},
        {"status 9", [&](std::uint64_t id) { return raw_answer(id, 9, 1, half, 0, 0); }, wire_count(E::status)},
        {"confidence NaN", [](std::uint64_t id) { return raw_answer(id, 0, 1, 0x7FC00000u, 0, 0); }, wire_count(E::confidence)},
        {"confidence 1.5", [](std::uint64_t id) { return raw_answer(id, 0, 1, std::bit_cast<std::uint32_t>(1.5F), 0, 0); }, wire_count(E::confidence)},
        {"expired with a label", [](std::uint64_t id) { return raw_answer(id, 1, 3, 0, 0, 0); }, wire_count(E::not_ok_fields)},
        {"unknown id", [&](std::uint64_t id) { return raw_answer(id + 1000, 0, 1, half, 0, 0); },
         [](const ok::tcp_client_stats& s) { return s.unknown_ids; }},
        {"label >= num_classes", [&](std::uint64_t id) { return raw_answer(id, 0, 10, half, 0, 0); },
         [](const ok::tcp_client_stats& s) { return s.bad_labels; }},
        {"queued longer than it exists", [&](std::uint64_t id) { return raw_answer(id, 0, 1, half, 10'000'000, 0); },
         [](const ok::tcp_client_stats& s) { return s.impossible_times; }},
    };
    for (const fault& f : faults) {
        const std::string name = f.name;
        CAPTURE(name);
        session s([](ok::tcp_client_options& o) { o.num_classes = 10; });
        const std::vector<std::byte> wire = pattern(500);
        REQUIRE(s.offload(5, wire, 101.0));
        received r;
        REQUIRE(read_request(s.peer.get(), r));
        REQUIRE(s.next_report());
        const auto bad = f.bytes(5);
        REQUIRE(write_all(s.peer.get(), bad.data(), bad.size()));

        const auto res = s.next_result();
        REQUIRE(res);
        CHECK(res->id == 5);
        CHECK_FALSE(res->ok);
        CHECK_FALSE(s.c->poll());
        const ok::tcp_client_stats& st = s.c->stats();
        CHECK(f.counter(st) == 1);
        CHECK(st.protocol_errors == 1);
        CHECK(st.disconnects == 1);
        CHECK(st.failed_requests == 1);
        CHECK(st.answers == 0);
        CHECK(wait_closed(s.peer.get()));  // the client dropped the connection

        // ... and comes back: a new connection serves the next request.
        REQUIRE(drive(*s.c, [&] { return s.c->connected(); }));
        ts::unique_fd again = s.srv.accept();
        REQUIRE(again);
        CHECK(s.c->stats().connects == 2);
        REQUIRE(s.offload(6, wire, 101.0));
        REQUIRE(read_request(again.get(), r));
        CHECK(r.header.id == 6);
        REQUIRE(write_all(again.get(), answer_bytes({6, ok::tcp_status::ok, 4, 0.25F, 0, 0}).data(), 32));
        const auto good = s.next_result();
        REQUIRE(good);
        CHECK(good->id == 6);
        CHECK(good->ok);
        CHECK(good->label == 4);
    }
}

TEST_CASE("tcp_client: a second answer for the same request is an unknown id") {
    session s;
    const std::vector<std::byte> wire = pattern(100);
    REQUIRE(s.offload(3, wire, 101.0));
    received r;
    REQUIRE(read_request(s.peer.get(), r));
    REQUIRE(s.next_report());
    REQUIRE(s.offload(4, wire, 101.0));
    REQUIRE(read_request(s.peer.get(), r));
    const auto a = answer_bytes({3, ok::tcp_status::ok, 1, 0.5F, 0, 0});
    REQUIRE(write_all(s.peer.get(), a.data(), a.size()));
    REQUIRE(write_all(s.peer.get(), a.data(), a.size()));
    const auto first = s.next_result();
    const auto second = s.next_result();
    REQUIRE((first && second));
    CHECK(first->id == 3);
    CHECK(first->ok);
    CHECK(second->id == 4);  // the other request fails with the connection
    CHECK_FALSE(second->ok);
    CHECK(s.c->stats().unknown_ids == 1);
    CHECK_FALSE(s.c->poll());
}

TEST_CASE("tcp_client: an answer cut short by the end of the stream is counted as truncated") {
    session s;
    const std::vector<std::byte> wire = pattern(100);
    REQUIRE(s.offload(1, wire, 101.0));
    received r;
    REQUIRE(read_request(s.peer.get(), r));
    const auto a = answer_bytes({1, ok::tcp_status::ok, 1, 0.5F, 0, 0});
    REQUIRE(write_all(s.peer.get(), a.data(), 20));
    s.peer.reset();
    const auto res = s.next_result();
    REQUIRE(res);
    CHECK_FALSE(res->ok);
    CHECK(s.c->stats().truncated_answers == 1);
    CHECK(s.c->stats().peer_closed == 1);
}

TEST_CASE("tcp_client: a reset in the middle of a frame fails the transfer and the request, without SIGPIPE") {
    // With SIGPIPE's default action, one write without MSG_NOSIGNAL to the reset connection
    // would kill this process.
    struct sigaction dfl {}, old{};
    dfl.sa_handler = SIG_DFL;
    REQUIRE(::sigaction(SIGPIPE, &dfl, &old) == 0);
    {
        session s([](ok::tcp_client_options& o) { o.send_buffer = 16384; }, 4096);
        const std::vector<std::byte> wire = pattern(4u << 20);
        REQUIRE(s.offload(11, wire, 1e9));
        REQUIRE(read_pumping(*s.c, s.peer.get(), 65536));
        reset(s.peer);
        const auto rep = s.next_report();
        REQUIRE(rep);
        CHECK_FALSE(rep->ok);
        CHECK(rep->bytes == static_cast<double>(wire.size()));
        const auto res = s.next_result();
        REQUIRE(res);
        CHECK(res->id == 11);
        CHECK_FALSE(res->ok);
        CHECK(s.c->stats().peer_closed == 1);
        CHECK(s.c->stats().failed_transfers == 1);
        // it reconnects, and a small frame goes through
        REQUIRE(drive(*s.c, [&] { return s.c->connected(); }));
        ts::unique_fd again = s.srv.accept();
        REQUIRE(again);
        const std::vector<std::byte> small = pattern(10);
        REQUIRE(s.offload(12, small, 1e9));
        received r;
        REQUIRE(read_request(again.get(), r));
        CHECK(r.payload == small);
    }
    REQUIRE(::sigaction(SIGPIPE, &old, nullptr) == 0);
}

TEST_CASE("tcp_client: a peer that accepts and never reads stalls the transfer, which fails after stall_timeout") {
    session s(
        [](ok::tcp_client_options& o) {
            o.send_buffer = 16384;
            o.stall_timeout = 0.2;
        },
        4096);
    const std::vector<std::byte> wire = pattern(1u << 20);
    const double t0 = ts::mono_now();
    REQUIRE(s.offload(21, wire, 1e9));
    const auto rep = s.next_report(10.0);
    REQUIRE(rep);
    CHECK_FALSE(rep->ok);
    CHECK(ts::mono_now() - t0 >= 0.2);
    CHECK(s.c->stats().stalls == 1);
    const auto res = s.next_result();
    REQUIRE(res);
    CHECK_FALSE(res->ok);
    CHECK_FALSE(s.c->busy());
}

TEST_CASE("tcp_client: a peer that trickles its answer is dropped answer_timeout after the deadline") {
    fake_server srv;
    ok::tcp_client_options o = client_options(srv.port(), steady_now);
    o.answer_timeout = 0.2;
    ok::tcp_client c(o);
    ts::unique_fd peer = srv.accept();
    REQUIRE(peer);
    REQUIRE(drive(c, [&] { return c.connected(); }));
    const std::vector<std::byte> wire = pattern(200);
    const double deadline = steady_now() + 0.1;
    REQUIRE(c.submit(2, request_for(wire, deadline)));
    REQUIRE(c.send(wire));
    received r;
    REQUIRE(read_request(peer.get(), r));
    std::atomic<bool> done{false};
    std::thread trickle([&] {  // one byte every 30 ms: the whole answer would take ~1 s
        const auto a = answer_bytes({2, ok::tcp_status::ok, 1, 0.5F, 0, 0});
        for (std::size_t i = 0; i < a.size() && !done.load(); ++i) {
            if (::send(peer.get(), &a[i], 1, MSG_NOSIGNAL) != 1) {
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(30));
        }
    });
    std::optional<ok::remote_result> res;
    const bool got = drive(c, [&] { return (res = c.poll()).has_value(); }, 5.0);
    const double at = steady_now();
    done.store(true);
    trickle.join();
    REQUIRE(got);
    CHECK_FALSE(res->ok);
    CHECK(at >= deadline + 0.2);
    CHECK(c.stats().answer_timeouts == 1);
    CHECK(c.stats().answers == 0);
}

TEST_CASE("tcp_client: a transfer completes when the peer has acknowledged its bytes, not when send() returns") {
    for (const ok::tcp_completion method : {ok::tcp_completion::ack_timestamp, ok::tcp_completion::send_queue,
                                            ok::tcp_completion::tcp_info, ok::tcp_completion::handed_to_kernel}) {
        CAPTURE(ok::completion_name(method));
        session s(
            [method](ok::tcp_client_options& o) {
                o.completion = method;
                o.send_buffer = 1u << 20;
            },
            4096);
        const std::vector<std::byte> wire = pattern(256u << 10);
        REQUIRE(s.offload(1, wire, 1e9));
        // the peer holds back for 100 ms: its window closes after a few kB
        std::optional<ok::transfer_report> first;
        const bool early = drive(*s.c, [&] { return (first = s.c->poll_completed()).has_value(); }, 0.1);
        if (method == ok::tcp_completion::handed_to_kernel) {
            CHECK(early);  // the naive rule: the bytes are in the kernel, "done"
            continue;
        }
        CHECK_FALSE(early);
        std::vector<std::byte> all(ok::tcp_message_size + wire.size());
        REQUIRE(read_exact(s.peer.get(), all.data(), all.size()));
        const auto rep = s.next_report();
        REQUIRE(rep);
        CHECK(rep->ok);
        CHECK(rep->bytes == static_cast<double>(wire.size()));
        CHECK(rep->seconds >= 0.09);  // it took at least the peer's 100 ms
        CHECK(s.c->stats().timestamps_missing == 0);
    }
}

TEST_CASE("tcp_client: refuses what the uplink model forbids and rejects malformed requests") {
    session s([](ok::tcp_client_options& o) { o.max_outstanding = 2; }, 4096);
    const std::vector<std::byte> wire = pattern(100);
    CHECK_FALSE(s.c->send(wire));  // nothing announced
    REQUIRE(s.c->submit(1, request_for(wire, 101.0)));
    CHECK_FALSE(s.c->send(pattern(99)));  // not the announced size: withdrawn
    CHECK(s.c->outstanding() == 0);
    CHECK_FALSE(s.c->send(wire));
    REQUIRE(s.offload(1, wire, 101.0));
    received r;
    REQUIRE(read_request(s.peer.get(), r));
    REQUIRE(s.next_report());
    CHECK_FALSE(s.c->submit(1, request_for(wire, 101.0)));  // id 1 still awaits its answer
    REQUIRE(s.offload(2, wire, 101.0));
    REQUIRE(read_request(s.peer.get(), r));
    REQUIRE(s.next_report());
    CHECK_FALSE(s.c->submit(3, request_for(wire, 101.0)));  // max_outstanding = 2
    REQUIRE(write_all(s.peer.get(), answer_bytes({1, ok::tcp_status::ok, 0, 1.0F, 0, 0}).data(), 32));
    REQUIRE(drive(*s.c, [&] { return s.c->outstanding() == 1; }));
    CHECK_FALSE(s.c->submit(3, request_for(wire, 101.0)));  // 1 outstanding + 1 result not yet polled
    REQUIRE(s.c->poll());
    // one frame in flight: no submit while a transfer is not acknowledged
    const std::vector<std::byte> big = pattern(512u << 10);
    REQUIRE(s.offload(3, big, 101.0));
    CHECK(s.c->busy());
    CHECK_FALSE(s.c->submit(4, request_for(wire, 101.0)));
    CHECK(s.c->stats().refused == 7);

    CHECK_THROWS_AS(s.c->submit(5, request_for(wire, std::numeric_limits<double>::quiet_NaN())), ok::invalid_argument);
    CHECK_THROWS_AS(s.c->submit(5, request_for(wire, 101.0, 70000)), ok::invalid_argument);
    CHECK_THROWS_AS(s.c->submit(5, request_for({}, 101.0)), ok::invalid_argument);
}

TEST_CASE("tcp_client: reconnects with a doubling back-off, not in a tight loop") {
    std::uint16_t port = 0;
    {
        fake_server probe;  // a port nobody listens on once this closes
        port = probe.port();
    }
    ok::tcp_client_options o = client_options(port, steady_now);
    o.backoff = 0.02;
    o.max_backoff = 0.08;
    ok::tcp_client c(o);
    const std::vector<std::byte> wire = pattern(10);
    (void)drive(c, [] { return false; }, 0.5);
    const std::uint64_t failures = c.stats().connect_failures;
    // waits of at least 0.75 * (0.02, 0.04, 0.08, 0.08, ...) s: at most 1 + 3 + 7 attempts in 0.5 s;
    // at most 1.25 * that: at least 4.
    CHECK(failures >= 4);
    CHECK(failures <= 11);
    CHECK_FALSE(c.submit(1, request_for(wire, 1e9)));
    // the server comes up on that port: the client connects within one back-off period
    ts::unique_fd l(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    (void)ts::set_int_option(l.get(), SOL_SOCKET, SO_REUSEADDR, 1);
    const ts::address a = ts::parse_address("127.0.0.1", port, "test");
    REQUIRE(::bind(l.get(), a.get(), a.length) == 0);
    REQUIRE(::listen(l.get(), 4) == 0);
    CHECK(drive(c, [&] { return c.connected(); }, 2.0));
    CHECK(c.stats().connects == 1);
}

TEST_CASE("tcp_client: bad options are rejected naming the option") {
    auto make = [](const std::function<void(ok::tcp_client_options&)>& f) {
        ok::tcp_client_options o = client_options(9, steady_now);
        f(o);
        try {
            ok::tcp_client c(o);
        } catch (const ok::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(make([](auto& o) { o.host = "localhost"; }) ==
          "tcp_client: host is 'localhost', expected an IPv4 or IPv6 address literal (no name resolution)");
    CHECK(make([](auto& o) { o.port = 0; }) == "tcp_client: port is 0, expected 1..65535");
    CHECK(make([](auto& o) { o.clock = nullptr; }) == "tcp_client: clock is empty, expected the pipeline's clock");
    CHECK(make([](auto& o) { o.max_outstanding = 0; }) == "tcp_client: max_outstanding is 0, expected 1..2^20");
    CHECK(make([](auto& o) { o.stall_timeout = 0.0; }) == "tcp_client: stall_timeout is 0, expected a finite number > 0");
    CHECK(make([](auto& o) { o.max_backoff = 0.001; }) ==
          "tcp_client: max_backoff is 0.001, expected a finite number >= backoff");
    CHECK(make([](auto& o) { o.latency = -1.0; }) == "tcp_client: latency is -1, expected a finite number >= 0");
    CHECK_THROWS_AS(ok::tcp_link(nullptr), ok::invalid_argument);
    CHECK_THROWS_AS(ok::tcp_remote(nullptr), ok::invalid_argument);
}
