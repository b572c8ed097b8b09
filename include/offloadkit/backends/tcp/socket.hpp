#ifndef OFFLOADKIT_BACKENDS_TCP_SOCKET_HPP
#define OFFLOADKIT_BACKENDS_TCP_SOCKET_HPP

/**
 * @file
 * @brief Private helpers of the TCP backend (offloadkit::detail::tcp_sock): an owning file
 *        descriptor, numeric address parsing, the two clocks, the kernel's send-queue readings
 *        (SIOCOUTQ, TCP_INFO) and the ACK timestamps of SO_TIMESTAMPING. Linux only.
 *
 * Every system call that can be interrupted by a signal is retried on EINTR here, so the client
 * and the server never see it. No call blocks: descriptors are created non-blocking.
 */

#if !defined(__linux__)
#error "offloadkit/backends/tcp: Linux only for now (SIOCOUTQ, TCP_INFO, SO_TIMESTAMPING, epoll)"
#endif

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "../../error.hpp"

namespace offloadkit::detail::tcp_sock {

/// Seconds on CLOCK_MONOTONIC (the backend's own durations and timeouts).
[[nodiscard]] inline double mono_now() noexcept {
    timespec t{};
    ::clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

/// Seconds on CLOCK_REALTIME (the clock of the kernel's software timestamps).
[[nodiscard]] inline double real_now() noexcept {
    timespec t{};
    ::clock_gettime(CLOCK_REALTIME, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

/// An owned file descriptor (closed on destruction; move-only).
class unique_fd {
public:
    unique_fd() noexcept = default;
    explicit unique_fd(int fd) noexcept : fd_(fd) {}
    unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    unique_fd& operator=(unique_fd&& o) noexcept {
        if (this != &o) {
            reset(std::exchange(o.fd_, -1));
        }
        return *this;
    }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd() { reset(); }
    [[nodiscard]] int get() const noexcept { return fd_; }
    [[nodiscard]] explicit operator bool() const noexcept { return fd_ >= 0; }
    /// Closes the current descriptor (close() is not retried on EINTR: on Linux the descriptor is
    /// released either way) and takes `fd`.
    void reset(int fd = -1) noexcept {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

/// A parsed numeric socket address.
struct address {
    sockaddr_storage storage{};
    socklen_t length = 0;
    [[nodiscard]] int family() const noexcept { return storage.ss_family; }
    [[nodiscard]] const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
};

/**
 * @brief An IPv4 or IPv6 address literal and a port ("127.0.0.1", "::1"). No name resolution: a
 *        DNS lookup would block the caller's loop for an unbounded time.
 * @throws offloadkit::invalid_argument naming `what` ("host") if the text is not a literal.
 */
[[nodiscard]] inline address parse_address(const std::string& host, std::uint16_t port, std::string_view fn) {
    address a;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
    if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        a.length = sizeof(sockaddr_in);
        return a;
    }
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        a.length = sizeof(sockaddr_in6);
        return a;
    }
    fail(fn, "host is '", host, "', expected an IPv4 or IPv6 address literal (no name resolution)");
}

/// The port a bound socket got (for port 0).
[[nodiscard]] inline std::uint16_t local_port(int fd) noexcept {
    sockaddr_storage s{};
    socklen_t len = sizeof s;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&s), &len) != 0) {
        return 0;
    }
    if (s.ss_family == AF_INET) {
        return ntohs(reinterpret_cast<const sockaddr_in*>(&s)->sin_port);
    }
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&s)->sin6_port);
}

/// Throws std::system_error for a failed system call (an environment failure, not bad input).
[[noreturn]] inline void throw_errno(std::string_view what) {
    throw std::system_error(errno, std::generic_category(), std::string(what));
}

inline bool set_int_option(int fd, int level, int name, int value) noexcept {
    return ::setsockopt(fd, level, name, &value, sizeof value) == 0;
}

/// send() with MSG_NOSIGNAL | MSG_DONTWAIT, retried on EINTR. Returns bytes written, 0 when the
/// kernel takes nothing now (EAGAIN), -1 on a connection error (errno kept).
[[nodiscard]] inline long send_some(int fd, const void* data, std::size_t size) noexcept {
    for (;;) {
        const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0) {
            return static_cast<long>(n);
        }
        if (errno == EINTR) {
            continue;
        }
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    }
}

/// sendmsg() of two buffers (header + payload) in one call, same conventions as send_some.
[[nodiscard]] inline long send_two(int fd, const void* a, std::size_t na, const void* b, std::size_t nb) noexcept {
    iovec iov[2];
    iov[0].iov_base = const_cast<void*>(a);
    iov[0].iov_len = na;
    iov[1].iov_base = const_cast<void*>(b);
    iov[1].iov_len = nb;
    msghdr m{};
    m.msg_iov = iov;
    m.msg_iovlen = nb == 0 ? 1 : 2;
    for (;;) {
        const ssize_t n = ::sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0) {
            return static_cast<long>(n);
        }
        if (errno == EINTR) {
            continue;
        }
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    }
}

/// recv() with MSG_DONTWAIT, retried on EINTR. Returns bytes read, 0 at end of stream, -2 when
/// nothing is there now, -1 on a connection error.
[[nodiscard]] inline long recv_some(int fd, void* data, std::size_t size) noexcept {
    for (;;) {
        const ssize_t n = ::recv(fd, data, size, MSG_DONTWAIT);
        if (n >= 0) {
            return static_cast<long>(n);
        }
        if (errno == EINTR) {
            continue;
        }
        return errno == EAGAIN || errno == EWOULDBLOCK ? -2 : -1;
    }
}

/// Bytes in the socket's send queue not yet acknowledged by the peer (unsent + in flight;
/// Linux SIOCOUTQ), or -1 if the kernel cannot tell.
[[nodiscard]] inline long send_queue_bytes(int fd) noexcept {
    int q = 0;
    if (::ioctl(fd, SIOCOUTQ, &q) != 0) {
        return -1;
    }
    return q;
}

/**
 * @brief The leading fields of Linux's struct tcp_info (include/uapi/linux/tcp.h) up to
 *        tcpi_min_rtt. glibc's <netinet/tcp.h> has an older, shorter struct and <linux/tcp.h>
 *        cannot be included beside it, so the layout is written out here; the kernel only ever
 *        appends fields, and read_tcp_info checks how many bytes it filled.
 */
struct kernel_tcp_info {
    std::uint8_t state, ca_state, retransmits, probes, backoff, options, wscale, flags_bits;
    std::uint32_t rto, ato, snd_mss, rcv_mss;
    std::uint32_t unacked, sacked, lost, retrans, fackets;
    std::uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
    std::uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd, advmss, reordering;
    std::uint32_t rcv_rtt, rcv_space;
    std::uint32_t total_retrans;
    std::uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
    std::uint32_t segs_out, segs_in;
    std::uint32_t notsent_bytes;
    std::uint32_t min_rtt;
};
static_assert(offsetof(kernel_tcp_info, unacked) == 24);
static_assert(offsetof(kernel_tcp_info, rtt) == 68);
static_assert(offsetof(kernel_tcp_info, pacing_rate) == 104);
static_assert(offsetof(kernel_tcp_info, notsent_bytes) == 144);
static_assert(offsetof(kernel_tcp_info, min_rtt) == 148);
static_assert(sizeof(kernel_tcp_info) == 152);

/// Fills `info` from TCP_INFO; false if the kernel did not fill every field of kernel_tcp_info.
[[nodiscard]] inline bool read_tcp_info(int fd, kernel_tcp_info& info) noexcept {
    info = kernel_tcp_info{};
    socklen_t len = sizeof info;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) {
        return false;
    }
    return len >= sizeof info;
}

/// Asks the kernel for a software timestamp when the last byte of each send call is
/// acknowledged, keyed by the byte's offset in the stream (SOF_TIMESTAMPING_OPT_ID). Must be set
/// on a connected socket before any data is written (the key counts from there). False if the
/// kernel refuses.
[[nodiscard]] inline bool enable_ack_timestamps(int fd) noexcept {
    const int flags = SOF_TIMESTAMPING_TX_ACK | SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID |
                      SOF_TIMESTAMPING_OPT_TSONLY;
    return set_int_option(fd, SOL_SOCKET, SO_TIMESTAMPING, flags);
}

/**
 * @brief Reads every message of the socket's error queue; returns the CLOCK_REALTIME time (s) of
 *        the ACK timestamp whose key is `key` (the stream offset of a byte, modulo 2^32), or a
 *        negative value if none of the queued messages is that one. Other timestamps (of earlier
 *        partial writes) are discarded. At most `limit` messages per call.
 */
[[nodiscard]] inline double drain_ack_timestamps(int fd, std::uint32_t key, int limit = 64) noexcept {
    double found = -1.0;
    for (int n = 0; n < limit; ++n) {
        alignas(cmsghdr) char control[256];
        msghdr m{};
        m.msg_control = control;
        m.msg_controllen = sizeof control;
        ssize_t r = 0;
        do {
            r = ::recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);
        } while (r < 0 && errno == EINTR);
        if (r < 0) {
            break;  // EAGAIN: the queue is empty
        }
        double stamp = -1.0;
        bool is_ack = false;
        std::uint32_t id = 0;
        for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING &&
                c->cmsg_len >= CMSG_LEN(sizeof(scm_timestamping))) {
                scm_timestamping ts{};
                std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
                stamp = static_cast<double>(ts.ts[0].tv_sec) + static_cast<double>(ts.ts[0].tv_nsec) * 1e-9;
            } else if (((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
                        (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)) &&
                       c->cmsg_len >= CMSG_LEN(sizeof(sock_extended_err))) {
                sock_extended_err e{};
                std::memcpy(&e, CMSG_DATA(c), sizeof e);
                is_ack = e.ee_origin == SO_EE_ORIGIN_TIMESTAMPING && e.ee_info == SCM_TSTAMP_ACK;
                id = e.ee_data;
            }
        }
        if (is_ack && id == key && stamp > 0.0) {
            found = stamp;
        }
    }
    return found;
}

}  // namespace offloadkit::detail::tcp_sock

#endif  // OFFLOADKIT_BACKENDS_TCP_SOCKET_HPP
