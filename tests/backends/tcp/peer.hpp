// Scripted peers for the tcp backend's tests: a listening socket the test drives by hand (blocking
// calls with timeouts on the peer's side; the client under test is non-blocking and is pumped in
// between), and helpers that write raw, possibly invalid, protocol bytes.
#ifndef OFFLOADKIT_TESTS_BACKENDS_TCP_PEER_HPP
#define OFFLOADKIT_TESTS_BACKENDS_TCP_PEER_HPP

#include <offloadkit/backends/tcp.hpp>

#include <doctest/doctest.h>
#include <poll.h>

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <thread>
#include <vector>

namespace tcp_test {

namespace ok = offloadkit;
namespace ts = offloadkit::detail::tcp_sock;

inline int remaining_ms(double end) {
    const double left = end - ts::mono_now();
    return left <= 0.0 ? 0 : static_cast<int>(left * 1000.0) + 1;
}

/// A listening socket on 127.0.0.1 (port 0); accepted sockets are blocking.
class fake_server {
public:
    /// rcvbuf > 0: SO_RCVBUF of the accepted sockets (set on the listener, which they inherit).
    explicit fake_server(int rcvbuf = 0) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        REQUIRE(fd_);
        (void)ts::set_int_option(fd_.get(), SOL_SOCKET, SO_REUSEADDR, 1);
        if (rcvbuf > 0) {
            (void)ts::set_int_option(fd_.get(), SOL_SOCKET, SO_RCVBUF, rcvbuf);
        }
        const ts::address a = ts::parse_address("127.0.0.1", 0, "fake_server");
        REQUIRE(::bind(fd_.get(), a.get(), a.length) == 0);
        REQUIRE(::listen(fd_.get(), 8) == 0);
        port_ = ts::local_port(fd_.get());
    }
    [[nodiscard]] std::uint16_t port() const { return port_; }
    /// The next connection, or an invalid fd after `timeout` seconds.
    ts::unique_fd accept(double timeout = 5.0) const {
        pollfd p{fd_.get(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout * 1000.0)) != 1) {
            return ts::unique_fd{};
        }
        return ts::unique_fd(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    }

private:
    ts::unique_fd fd_;
    std::uint16_t port_ = 0;
};

/// Reads exactly n bytes (false on end of stream, error or timeout).
inline bool read_exact(int fd, void* data, std::size_t n, double timeout = 5.0) {
    const double end = ts::mono_now() + timeout;
    auto* p = static_cast<char*>(data);
    std::size_t got = 0;
    while (got < n) {
        pollfd q{fd, POLLIN, 0};
        if (::poll(&q, 1, remaining_ms(end)) != 1) {
            return false;
        }
        const ssize_t r = ::recv(fd, p + got, n - got, 0);
        if (r <= 0) {
            return false;
        }
        got += static_cast<std::size_t>(r);
    }
    return true;
}

/// Writes all bytes (false on error or timeout).
inline bool write_all(int fd, const void* data, std::size_t n, double timeout = 5.0) {
    const double end = ts::mono_now() + timeout;
    const auto* p = static_cast<const char*>(data);
    std::size_t put = 0;
    while (put < n) {
        pollfd q{fd, POLLOUT, 0};
        if (::poll(&q, 1, remaining_ms(end)) != 1) {
            return false;
        }
        const ssize_t r = ::send(fd, p + put, n - put, MSG_NOSIGNAL);
        if (r <= 0) {
            return false;
        }
        put += static_cast<std::size_t>(r);
    }
    return true;
}

/// True once the other side has closed the connection (end of stream or reset), reading and
/// discarding anything else; false after `timeout`.
inline bool wait_closed(int fd, double timeout = 5.0) {
    const double end = ts::mono_now() + timeout;
    std::array<char, 4096> sink{};
    for (;;) {
        pollfd q{fd, POLLIN, 0};
        if (::poll(&q, 1, remaining_ms(end)) != 1) {
            return false;
        }
        if (::recv(fd, sink.data(), sink.size(), 0) <= 0) {
            return true;
        }
    }
}

/// Closes with a reset (SO_LINGER 0) instead of an orderly end of stream.
inline void reset(ts::unique_fd& fd) {
    const linger l{1, 0};
    (void)::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
    fd.reset();
}

/// One request as the peer read it.
struct received {
    ok::tcp_request_header header;
    std::vector<std::byte> payload;
};

/// Reads one request (header + payload) from the peer's socket.
inline bool read_request(int fd, received& out, double timeout = 5.0) {
    std::array<std::byte, ok::tcp_message_size> h{};
    if (!read_exact(fd, h.data(), h.size(), timeout)) {
        return false;
    }
    out.header = ok::parse_tcp_request(h);
    out.payload.resize(out.header.payload_bytes);
    return read_exact(fd, out.payload.data(), out.payload.size(), timeout);
}

/// 32 answer bytes with every field chosen freely (including invalid ones).
inline std::array<std::byte, ok::tcp_message_size> raw_answer(std::uint64_t id, unsigned status, std::uint32_t label,
                                                              std::uint32_t confidence_bits, std::uint32_t queue_us,
                                                              std::uint32_t compute_us, unsigned version = 1,
                                                              unsigned flags = 0, const char* magic = "OKAN") {
    namespace w = ok::detail::tcp_wire;
    std::array<std::byte, ok::tcp_message_size> m{};
    std::memcpy(m.data(), magic, 4);
    m[4] = static_cast<std::byte>(version);
    m[5] = static_cast<std::byte>(status);
    w::put_u16(m.data() + 6, static_cast<std::uint16_t>(flags));
    w::put_u64(m.data() + 8, id);
    w::put_u32(m.data() + 16, label);
    w::put_u32(m.data() + 20, confidence_bits);
    w::put_u32(m.data() + 24, queue_us);
    w::put_u32(m.data() + 28, compute_us);
    return m;
}

inline std::array<std::byte, ok::tcp_message_size> answer_bytes(const ok::tcp_answer& a) {
    std::array<std::byte, ok::tcp_message_size> m{};
    ok::encode_tcp_answer(a, m);
    return m;
}

/// Pumps the client (1 ms apart) until pred() holds or `timeout` seconds pass; returns pred().
template <class Pred>
bool drive(ok::tcp_client& c, Pred pred, double timeout = 5.0) {
    const double end = ts::mono_now() + timeout;
    for (;;) {
        c.pump();
        if (pred()) {
            return true;
        }
        if (ts::mono_now() > end) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

/// Reads and discards n bytes on the peer's side while pumping the client (which only writes the
/// rest of a large frame when called); false on end of stream, error or timeout.
inline bool read_pumping(ok::tcp_client& c, int fd, std::size_t n, double timeout = 5.0) {
    const double end = ts::mono_now() + timeout;
    std::vector<char> sink(65536);
    std::size_t got = 0;
    while (got < n) {
        c.pump();
        pollfd q{fd, POLLIN, 0};
        if (::poll(&q, 1, 1) == 1) {
            const ssize_t r = ::recv(fd, sink.data(), std::min(sink.size(), n - got), 0);
            if (r <= 0) {
                return false;
            }
            got += static_cast<std::size_t>(r);
        }
        if (ts::mono_now() > end) {
            return false;
        }
    }
    return true;
}

/// Options for a client of 127.0.0.1:port on the given clock, with short timeouts for tests.
inline ok::tcp_client_options client_options(std::uint16_t port, std::function<double()> clock) {
    ok::tcp_client_options o;
    o.port = port;
    o.clock = std::move(clock);
    o.backoff = 0.01;
    o.max_backoff = 0.05;
    o.connect_timeout = 1.0;
    return o;
}

/// Bytes 0, 1, 2, ... (mod 251) of the given length: a payload whose corruption would show.
inline std::vector<std::byte> pattern(std::size_t n, unsigned seed = 0) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        v[i] = static_cast<std::byte>((i + seed) % 251);
    }
    return v;
}

/// The steady clock in seconds (a time_source for the client's deadlines).
inline double steady_now() { return ts::mono_now(); }

}  // namespace tcp_test

#endif
