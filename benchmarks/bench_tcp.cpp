// offloadkit-backend: tcp
// Per-frame client overhead of the TCP backend (tcp_link + tcp_remote on one tcp_client) on
// loopback, beside a raw blocking send/recv of the same bytes to the same server in the same run.
//
// Every iteration offloads one frame and waits for both its transfer report (the peer's ACK of the
// last byte) and its answer, as the CBO pipeline does per offloaded frame:
//  - BM_raw_blocking: one writev() of request header + frame on a blocking socket, one blocking
//    recv() of the 32-byte answer. No completion detection, no validation beyond the decoder.
//  - BM_tcp_backends/<size>/<method>: submit() + send(), then poll_completed() and poll() until
//    both arrive, sleeping in poll(2) on the client's socket in between (at most 1 ms, so the CPU
//    time is the client's work, not spinning). <method> = the tcp_completion rule (0 ack_timestamp,
//    1 send_queue, 2 tcp_info).
// The server is the library's tcp_server (1 worker, a handler that returns class 1) for both.
// Compare the CPU column (the benchmark thread's CPU time per frame: the client's overhead); the
// real-time column includes the server's work and the loopback round trip, the same in every arm.
// Frame sizes: 1500 and 37000 bytes (CBO's smallest and largest resolution in the demo trace).
#include <offloadkit/backends/tcp.hpp>

#include "raw_tcp_client.hpp"

#include <benchmark/benchmark.h>
#include <poll.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <vector>

namespace ok = offloadkit;
namespace ts = offloadkit::detail::tcp_sock;

namespace {

ok::tcp_server& server() {
    static ok::tcp_server s(ok::tcp_server_options{}, [](std::size_t) {
        return ok::tcp_handler([](const ok::tcp_job&) { return ok::tcp_verdict{1, 0.9F, true}; });
    });
    return s;
}

std::vector<std::byte> frame(std::size_t n) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        v[i] = static_cast<std::byte>(i % 251);
    }
    return v;
}

void BM_raw_blocking(benchmark::State& state) {
    const std::vector<std::byte> payload = frame(static_cast<std::size_t>(state.range(0)));
    ts::unique_fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    (void)ts::set_int_option(fd.get(), IPPROTO_TCP, TCP_NODELAY, 1);
    const ts::address a = ts::parse_address("127.0.0.1", server().port(), "bench");
    if (::connect(fd.get(), a.get(), a.length) != 0) {
        state.SkipWithError("connect failed");
        return;
    }
    std::array<std::byte, ok::tcp_message_size> answer{};
    std::uint64_t id = 0;
    for (auto _ : state) {
        if (!offloadkit_bench::send_request(fd.get(), id, 1, payload)) {
            state.SkipWithError("send failed");
            return;
        }
        std::size_t got = 0;
        while (got < answer.size()) {
            const ssize_t n = ::recv(fd.get(), answer.data() + got, answer.size() - got, 0);
            if (n <= 0) {
                state.SkipWithError("recv failed");
                return;
            }
            got += static_cast<std::size_t>(n);
        }
        ok::tcp_answer ans;
        if (ok::decode_tcp_answer(answer, ans) != ok::tcp_wire_error::none || ans.id != id) {
            state.SkipWithError("bad answer");
            return;
        }
        benchmark::DoNotOptimize(ans);
        ++id;
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_tcp_backends(benchmark::State& state) {
    const std::vector<std::byte> payload = frame(static_cast<std::size_t>(state.range(0)));
    ok::tcp_client_options o;
    o.port = server().port();
    o.clock = [] { return ts::mono_now(); };
    o.completion = static_cast<ok::tcp_completion>(state.range(1));
    auto [link, remote] = ok::make_tcp_backends(o);
    ok::tcp_client& c = link.client();
    if (!c.wait_connected(5.0)) {
        state.SkipWithError("connect failed");
        return;
    }
    std::uint64_t id = 0;
    for (auto _ : state) {
        const ok::offload_request req{1, payload, 0.0, std::numeric_limits<double>::infinity()};
        if (!remote.submit(id, req) || !link.send(payload)) {
            state.SkipWithError("refused");
            return;
        }
        bool reported = false;
        bool answered = false;
        while (!(reported && answered)) {
            if (const auto rep = link.poll_completed()) {
                reported = rep->ok;
                if (!rep->ok) {
                    state.SkipWithError("transfer failed");
                    return;
                }
            }
            if (const auto r = remote.poll()) {
                answered = r->ok && r->id == id;
                if (!answered) {
                    state.SkipWithError("bad answer");
                    return;
                }
            }
            if (!(reported && answered)) {
                // Sleep until an answer (POLLIN) or an ACK timestamp (POLLERR) arrives, at most 1 ms
                // (the pipeline runner's polling period): the polled rules have no event for the ACK.
                pollfd p{c.fd(), POLLIN, 0};
                (void)::poll(&p, 1, 1);
            }
        }
        ++id;
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
    state.SetLabel(std::string(ok::completion_name(c.options().completion)));
}

}  // namespace

BENCHMARK(BM_raw_blocking)->Arg(1500)->Arg(37000);
BENCHMARK(BM_tcp_backends)
    ->Args({1500, static_cast<int>(ok::tcp_completion::ack_timestamp)})
    ->Args({37000, static_cast<int>(ok::tcp_completion::ack_timestamp)})
    ->Args({1500, static_cast<int>(ok::tcp_completion::send_queue)})
    ->Args({37000, static_cast<int>(ok::tcp_completion::send_queue)})
    ->Args({1500, static_cast<int>(ok::tcp_completion::tcp_info)})
    ->Args({37000, static_cast<int>(ok::tcp_completion::tcp_info)});

BENCHMARK_MAIN();
