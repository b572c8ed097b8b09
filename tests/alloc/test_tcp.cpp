// The tcp backend's per-frame client path (submit, send, poll_completed, poll: header, write,
// ACK-timestamp completion, answer validation) allocates nothing once warmed up. The peer is a
// scripted socket in this thread that reads into a fixed buffer and writes fixed answers.
#include <offloadkit/backends/tcp.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "alloc/counting.hpp"
#include "backends/tcp/peer.hpp"

namespace ok = offloadkit;
using offloadkit::test_alloc::allocations_during;
using namespace tcp_test;

TEST_CASE("tcp_client: one offloaded frame does not allocate in the steady state") {
    fake_server srv;
    double now = 10.0;
    ok::tcp_client_options o = client_options(srv.port(), [&now] { return now; });
    o.num_classes = 10;
    ok::tcp_client c(o);
    ts::unique_fd peer = srv.accept();
    REQUIRE(peer);
    REQUIRE(drive(c, [&] { return c.connected(); }));
    const std::vector<std::byte> wire = pattern(37000);
    static std::array<std::byte, 40000> sink{};
    std::uint64_t id = 0;
    std::size_t results = 0;
    bool ok_all = true;
    auto one = [&] {
        const ok::offload_request req{4, wire, now - 0.1, now + 0.1};
        ok_all = ok_all && c.submit(id, req) && c.send(wire);
        ok_all = ok_all && read_exact(peer.get(), sink.data(), ok::tcp_message_size + wire.size());
        const auto a = answer_bytes(ok::tcp_answer{id, ok::tcp_status::ok, 3, 0.75F, 0, 0});
        ok_all = ok_all && write_all(peer.get(), a.data(), a.size());
        std::optional<ok::transfer_report> rep;
        std::optional<ok::remote_result> res;
        ok_all = ok_all && drive(c, [&] {
                     if (!rep) {
                         rep = c.poll_completed();
                     }
                     if (!res) {
                         res = c.poll();
                     }
                     return rep.has_value() && res.has_value();
                 });
        ok_all = ok_all && rep->ok && res->ok && res->id == id;
        results += res.has_value() ? 1 : 0;
        ++id;
        now += 0.05;
    };
    for (int i = 0; i < 5; ++i) {
        one();
    }
    CHECK(allocations_during([&] {
              for (int i = 0; i < 30; ++i) {
                  one();
              }
          }) == 0);
    CHECK(ok_all);
    CHECK(results == 35);
    CHECK(c.stats().disconnects == 0);
}
