// offloadkit-fault-peer: a misbehaving edge server for tests/netns/run_netns.sh, listening on a
// port for a fixed time and then exiting (so that the real offloadkit-server can take the port
// over and the test can check that the client reconnects).
//
//   offloadkit-fault-peer MODE PORT SECONDS
//   reset    accepts, reads part of the first frame, then resets the connection (RST: SO_LINGER 0)
//   garbage  accepts, reads requests (header + payload) and answers each with 32 random bytes
//   silent   accepts and never reads (the client's send stalls once the buffers fill)
//
// Test code: plain blocking POSIX sockets, one connection at a time, every wait bounded.
#include <offloadkit/backends/tcp/protocol.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace ok = offloadkit;

namespace {

using clock_type = std::chrono::steady_clock;

bool readable(int fd, clock_type::time_point end) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - clock_type::now()).count();
    if (left <= 0) {
        return false;
    }
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 100))) == 1;
}

/// Reads exactly n bytes before `end`; false on EOF, error or time out.
bool read_exact(int fd, std::byte* out, std::size_t n, clock_type::time_point end) {
    std::size_t got = 0;
    while (got < n) {
        if (clock_type::now() >= end) {
            return false;
        }
        if (!readable(fd, end)) {
            continue;
        }
        const ssize_t r = ::recv(fd, out + got, n - got, 0);
        if (r <= 0) {
            return false;
        }
        got += static_cast<std::size_t>(r);
    }
    return true;
}

void serve(const std::string& mode, int fd, clock_type::time_point end, std::mt19937& g) {
    std::array<std::byte, ok::tcp_message_size> header{};
    std::vector<std::byte> payload;
    if (mode == "silent") {
        while (clock_type::now() < end) {
            ::usleep(50000);  // holds the connection open, reads nothing
        }
        return;
    }
    while (clock_type::now() < end) {
        if (!read_exact(fd, header.data(), header.size(), end)) {
            return;
        }
        ok::tcp_request_header h;
        if (ok::decode_tcp_request(header, h, ok::tcp_request_limits{16u << 20, 0}) != ok::tcp_wire_error::none) {
            return;
        }
        if (mode == "reset") {
            payload.resize(std::min<std::size_t>(h.payload_bytes, 1000));
            (void)read_exact(fd, payload.data(), payload.size() / 2, end);  // mid-frame
            const linger l{1, 0};
            (void)::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
            return;  // close() now sends RST
        }
        payload.resize(h.payload_bytes);
        if (!read_exact(fd, payload.data(), payload.size(), end)) {
            return;
        }
        std::array<unsigned char, ok::tcp_message_size> junk{};
        for (auto& b : junk) {
            b = static_cast<unsigned char>(g() & 0xFF);
        }
        if (::send(fd, junk.data(), junk.size(), MSG_NOSIGNAL) < 0) {
            return;
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: offloadkit-fault-peer reset|garbage|silent PORT SECONDS\n");
        return 2;
    }
    const std::string mode = argv[1];
    if (mode != "reset" && mode != "garbage" && mode != "silent") {
        std::fprintf(stderr, "offloadkit-fault-peer: MODE '%s', expected reset, garbage or silent\n", argv[1]);
        return 2;
    }
    const int port = std::atoi(argv[2]);
    const double seconds = std::atof(argv[3]);
    const int ls = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    (void)::setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (ls < 0 || ::bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(ls, 8) != 0) {
        std::perror("offloadkit-fault-peer: bind/listen");
        return 1;
    }
    std::printf("{\"listening\":%d,\"mode\":\"%s\"}\n", port, mode.c_str());
    std::fflush(stdout);
    const auto end = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
    std::mt19937 g(7);
    int accepted = 0;
    while (clock_type::now() < end) {
        if (!readable(ls, end)) {
            continue;
        }
        const int fd = ::accept(ls, nullptr, nullptr);
        if (fd < 0) {
            continue;
        }
        ++accepted;
        serve(mode, fd, end, g);
        ::close(fd);
    }
    ::close(ls);
    std::printf("{\"summary\":true,\"mode\":\"%s\",\"accepted\":%d}\n", mode.c_str(), accepted);
    return 0;
}
