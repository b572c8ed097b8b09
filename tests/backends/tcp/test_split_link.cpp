// split_link_sender (backends/tcp/split_link.hpp): every enqueued split message ends exactly once
// in the callback — answered with the part-2 server's label, or failed when the server goes away
// (outstanding and queued messages) — and enqueue() refuses once the link has been down for
// down_timeout; nothing is reported twice, nothing is lost. And it pipelines: `window` messages are
// written before the first answer, never more (a scripted peer that answers by hand counts them).
#include <offloadkit/backends/tcp/server.hpp>
#include <offloadkit/backends/tcp/split_link.hpp>

#include <doctest/doctest.h>
#include <netinet/tcp.h>

#include "peer.hpp"

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace ok = offloadkit;

namespace split_link_test {

struct collector {
    std::mutex mu;
    std::condition_variable cv;
    std::map<std::uint64_t, std::vector<ok::split_link_result>> by_id;
    std::size_t count = 0;
    void add(const ok::split_link_result& r) {
        const std::lock_guard<std::mutex> lock(mu);
        by_id[r.id].push_back(r);
        ++count;
        cv.notify_all();
    }
    bool wait_for(std::size_t n, double seconds) {
        std::unique_lock<std::mutex> lock(mu);
        return cv.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return count >= n; });
    }
};

std::unique_ptr<ok::tcp_server> size_server() {
    ok::tcp_server_options o;
    o.port = 0;
    o.max_queue = 256;
    return std::make_unique<ok::tcp_server>(o, [](std::size_t) {
        return ok::tcp_handler([](const ok::tcp_job& j) {
            return ok::tcp_verdict{static_cast<std::uint32_t>(j.payload.size() % 5), 0.5F, true};
        });
    });
}

}  // namespace split_link_test

TEST_CASE("split_link_sender: answers come back with the server's label, once each") {
    auto server = split_link_test::size_server();
    split_link_test::collector c;
    {
        ok::split_link_options o;
        o.client.port = server->port();
        ok::split_link_sender link(o, [&](const ok::split_link_result& r) { c.add(r); });
        for (std::uint64_t id = 1; id <= 40; ++id) {
            const std::vector<std::byte> msg(static_cast<std::size_t>(id) * 100, std::byte{7});
            REQUIRE(link.enqueue(id, msg));
        }
        REQUIRE(c.wait_for(40, 20.0));
        CHECK(link.answered() == 40);
        CHECK(link.failed() == 0);
        CHECK(link.bytes_sent() > 0.0);
    }
    REQUIRE(c.by_id.size() == 40);
    for (const auto& [id, rs] : c.by_id) {
        REQUIRE(rs.size() == 1);
        CHECK(rs[0].ok);
        CHECK(rs[0].label == (id * 100) % 5);
    }
    CHECK(c.count == 40);  // the destructor reported nothing more
}

TEST_CASE("split_link_sender: a server that goes away fails its messages exactly once, then enqueue refuses") {
    auto server = split_link_test::size_server();
    split_link_test::collector c;
    ok::split_link_options o;
    o.client.port = server->port();
    o.client.backoff = 0.01;
    o.client.max_backoff = 0.05;
    o.down_timeout = 0.1;
    std::size_t refused = 0;
    std::uint64_t id = 0;
    {
        ok::split_link_sender link(o, [&](const ok::split_link_result& r) { c.add(r); });
        const std::vector<std::byte> msg(300, std::byte{1});
        for (int k = 0; k < 5; ++k) {
            REQUIRE(link.enqueue(++id, msg));
        }
        REQUIRE(c.wait_for(5, 20.0));
        server.reset();  // the part-2 device dies
        for (int k = 0; k < 200 && refused == 0; ++k) {
            if (!link.enqueue(++id, msg)) {
                ++refused;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        CHECK(refused == 1);  // the link noticed within 1 s (200 x 5 ms)
    }
    // every id: one callback, or the one refused enqueue
    CHECK(c.count + refused == id);
    std::size_t failed = 0;
    for (const auto& [i, rs] : c.by_id) {
        REQUIRE(rs.size() == 1);
        failed += rs[0].ok ? 0 : 1;
    }
    CHECK(failed == id - 5 - refused);
}

TEST_CASE("split_link_sender: keeps `window` messages in flight before any answer, never more") {
    // The sender this replaced (the next message once the previous one is ACKed) writes all 8
    // here, one per delayed ACK of this peer (20 ms apart on loopback); one that waits for each
    // answer writes 1.
    tcp_test::fake_server peer;
    split_link_test::collector c;
    ok::split_link_options o;
    o.client.port = peer.port();
    o.window = 3;
    ok::split_link_sender link(o, [&](const ok::split_link_result& r) { c.add(r); });
    const std::vector<std::byte> msg(3000, std::byte{3});  // three segments at MTU 1500
    for (std::uint64_t id = 1; id <= 8; ++id) {
        REQUIRE(link.enqueue(id, msg));
    }
    auto fd = peer.accept();
    REQUIRE(fd);
    (void)ok::detail::tcp_sock::set_int_option(fd.get(), IPPROTO_TCP, TCP_QUICKACK, 0);  // delayed ACKs
    std::vector<tcp_test::received> got(3);
    for (auto& r : got) {
        REQUIRE(tcp_test::read_request(fd.get(), r));
        CHECK(r.payload.size() == msg.size());
    }
    CHECK(got[0].header.id == 1);
    CHECK(got[2].header.id == 3);
    pollfd q{fd.get(), POLLIN, 0};
    CHECK(::poll(&q, 1, 300) == 0);  // no fourth message while none is answered
    CHECK(link.in_flight() == 3);
    CHECK(c.count == 0);
    // each answer frees one place in the window: exactly one more message comes
    for (std::uint64_t id = 1; id <= 8; ++id) {
        ok::tcp_answer a;
        a.id = id;
        a.label = static_cast<std::uint32_t>(id % 7);
        a.confidence = 0.5F;
        const auto bytes = tcp_test::answer_bytes(a);
        REQUIRE(tcp_test::write_all(fd.get(), bytes.data(), bytes.size()));
        if (id + 3 <= 8) {
            tcp_test::received r;
            REQUIRE(tcp_test::read_request(fd.get(), r));
            CHECK(r.header.id == id + 3);
        }
    }
    REQUIRE(c.wait_for(8, 5.0));
    CHECK(link.max_in_flight() == 3);
    CHECK(link.answered() == 8);
    for (const auto& [id, rs] : c.by_id) {
        REQUIRE(rs.size() == 1);
        CHECK(rs[0].ok);
        CHECK(rs[0].label == id % 7);
    }
}

TEST_CASE("split_link_sender: bad options are named") {
    ok::split_link_options o;
    o.client.port = 9;
    CHECK_THROWS_AS(ok::split_link_sender(o, nullptr), ok::invalid_argument);
    o.max_queue = 0;
    CHECK_THROWS_AS(ok::split_link_sender(o, [](const ok::split_link_result&) {}), ok::invalid_argument);
    o.max_queue = 4;
    o.window = 0;
    CHECK_THROWS_AS(ok::split_link_sender(o, [](const ok::split_link_result&) {}), ok::invalid_argument);
    o.window = o.client.max_outstanding + 1;
    CHECK_THROWS_AS(ok::split_link_sender(o, [](const ok::split_link_result&) {}), ok::invalid_argument);
    o.window = 4;
    o.client.port = 0;
    CHECK_THROWS_AS(ok::split_link_sender(o, [](const ok::split_link_result&) {}), ok::invalid_argument);
}
