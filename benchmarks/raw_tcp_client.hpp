// A bare client of the wire protocol (docs/wire-protocol.md) for the TCP benchmarks: what the
// library's tcp_client is measured against, and the load generator of bench_server.
#pragma once

#include <offloadkit/backends/tcp.hpp>

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace offloadkit_bench {

/// Blocking write of one request (header + payload in one sendmsg where the kernel takes it;
/// loopback takes it at once unless the server lags). False on a send error.
inline bool send_request(int fd, std::uint64_t id, std::uint16_t resolution, std::span<const std::byte> payload) {
    namespace ok = offloadkit;
    std::array<std::byte, ok::tcp_message_size> header{};
    ok::encode_tcp_request(
        ok::tcp_request_header{id, ok::tcp_no_deadline, resolution, static_cast<std::uint32_t>(payload.size())},
        header);
    iovec iov[2] = {{header.data(), header.size()}, {const_cast<std::byte*>(payload.data()), payload.size()}};
    msghdr m{};
    m.msg_iov = iov;
    m.msg_iovlen = 2;
    while (m.msg_iovlen > 0) {
        const ssize_t n = ::sendmsg(fd, &m, MSG_NOSIGNAL);
        if (n <= 0) {
            return false;
        }
        std::size_t skip = static_cast<std::size_t>(n);
        while (m.msg_iovlen > 0 && skip >= m.msg_iov[0].iov_len) {
            skip -= m.msg_iov[0].iov_len;
            ++m.msg_iov;
            --m.msg_iovlen;
        }
        if (m.msg_iovlen > 0) {
            m.msg_iov[0].iov_base = static_cast<char*>(m.msg_iov[0].iov_base) + skip;
            m.msg_iov[0].iov_len -= skip;
        }
    }
    return true;
}

}  // namespace offloadkit_bench
