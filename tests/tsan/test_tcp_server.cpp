// tcp_server (backends/tcp/server.hpp) under ThreadSanitizer: its I/O thread and four workers serve
// four client threads (each with its own tcp_client) while a fifth thread reads the counters and
// the queue depth; then the server is stopped with requests still queued and a handler running.
// Every request must be answered exactly once with the handler's verdict, and TSan must see no race
// between the I/O thread, the workers, the buffer pool and the readers.
#include <offloadkit/backends/tcp.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <thread>
#include <vector>

namespace ok = offloadkit;

namespace {

std::uint32_t checksum(std::span<const std::byte> p) {
    std::uint32_t h = 0;
    for (const std::byte b : p) {
        h = h * 31u + std::to_integer<std::uint32_t>(b);
    }
    return h % 1000u;
}

}  // namespace

TEST_CASE("tcp_server: concurrent clients, workers and counter readers") {
    ok::tcp_server_options so;
    so.workers = 4;
    so.max_queue = 256;
    ok::tcp_server server(so, [](std::size_t) {
        return ok::tcp_handler([](const ok::tcp_job& j) { return ok::tcp_verdict{checksum(j.payload), 0.5F, true}; });
    });
    constexpr int clients = 4;
    constexpr int per_client = 60;
    std::atomic<int> answered{0};
    std::atomic<int> wrong{0};
    std::atomic<bool> done{false};
    std::thread reader([&] {
        while (!done.load()) {
            const ok::tcp_server_stats st = server.stats();
            CHECK(st.answers <= st.requests);
            (void)server.queue_depth();
            (void)server.clients();
            std::this_thread::sleep_for(std::chrono::microseconds(300));
        }
    });
    std::vector<std::thread> threads;
    for (int k = 0; k < clients; ++k) {
        threads.emplace_back([&, k] {
            ok::tcp_client_options o;
            o.port = server.port();
            o.clock = [] { return ok::detail::tcp_sock::mono_now(); };
            ok::tcp_client c(o);
            if (!c.wait_connected(10.0)) {
                wrong += per_client;
                return;
            }
            std::vector<int> seen(per_client, 0);
            std::vector<std::uint32_t> expect(per_client, 0);
            std::vector<std::byte> wire;
            int sent = 0;
            int got = 0;
            const double end = ok::detail::tcp_sock::mono_now() + 60.0;
            while (got < per_client && ok::detail::tcp_sock::mono_now() < end) {
                while (c.poll_completed()) {
                }
                while (auto r = c.poll()) {
                    const auto i = static_cast<int>(r->id % 1000);
                    if (!r->ok || r->id / 1000 != static_cast<std::uint64_t>(k) || i >= per_client || seen[i]++ != 0 ||
                        r->label != expect[i]) {
                        ++wrong;
                    }
                    ++got;
                }
                if (sent < per_client && !c.busy()) {
                    wire.assign(static_cast<std::size_t>(100 + 37 * sent + 500 * k), std::byte{0});
                    for (std::size_t b = 0; b < wire.size(); ++b) {
                        wire[b] = static_cast<std::byte>((b * 7 + static_cast<std::size_t>(sent)) & 0xFF);
                    }
                    expect[sent] = checksum(wire);
                    const std::uint64_t id = 1000 * static_cast<std::uint64_t>(k) + static_cast<std::uint64_t>(sent);
                    if (c.submit(id, ok::offload_request{0, wire, 0.0, std::numeric_limits<double>::infinity()}) &&
                        c.send(wire)) {
                        ++sent;
                    }
                }
                std::this_thread::sleep_for(std::chrono::microseconds(100));
            }
            answered += got;
        });
    }
    for (std::thread& t : threads) {
        t.join();
    }
    done.store(true);
    reader.join();
    CHECK(answered == clients * per_client);
    CHECK(wrong == 0);
    CHECK(server.stats().answers == static_cast<std::uint64_t>(clients * per_client));
}

TEST_CASE("tcp_server: stop() while a handler runs and requests wait in the queue") {
    std::atomic<bool> release{false};
    std::atomic<int> entered{0};
    ok::tcp_server_options so;
    so.workers = 2;
    auto server = std::make_unique<ok::tcp_server>(so, [&](std::size_t) {
        return ok::tcp_handler([&](const ok::tcp_job&) {
            ++entered;
            while (!release.load()) {
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            return ok::tcp_verdict{1, 0.5F, true};
        });
    });
    ok::tcp_client_options o;
    o.port = server->port();
    o.clock = [] { return ok::detail::tcp_sock::mono_now(); };
    ok::tcp_client c(o);
    REQUIRE(c.wait_connected(10.0));
    const std::vector<std::byte> wire(64, std::byte{1});
    for (std::uint64_t id = 0; id < 6; ++id) {
        const double end = ok::detail::tcp_sock::mono_now() + 10.0;
        while (c.busy() && ok::detail::tcp_sock::mono_now() < end) {
            (void)c.poll_completed();
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        REQUIRE(c.submit(id, ok::offload_request{0, wire, 0.0, std::numeric_limits<double>::infinity()}));
        REQUIRE(c.send(wire));
    }
    while (entered.load() < 2) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::thread releaser([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        release.store(true);
    });
    server->stop();  // waits for the two running handlers, discards the queued requests
    releaser.join();
    CHECK(entered.load() == 2);
    server.reset();
    // the client sees the connection end: every request without an answer fails, exactly once
    int failed = 0;
    const double end = ok::detail::tcp_sock::mono_now() + 10.0;
    while (failed < 6 && ok::detail::tcp_sock::mono_now() < end) {
        while (auto r = c.poll()) {
            failed += r->ok ? 0 : 1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    CHECK(failed == 6);
}
