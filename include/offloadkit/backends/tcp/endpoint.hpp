#ifndef OFFLOADKIT_BACKENDS_TCP_ENDPOINT_HPP
#define OFFLOADKIT_BACKENDS_TCP_ENDPOINT_HPP

/**
 * @file
 * @brief "HOST:PORT" as users write it on a command line ("127.0.0.1:7000", "[::1]:7000"), parsed
 *        into the host literal and port that tcp_client_options and tcp_server_options take.
 *        No name resolution (see detail::tcp_sock::parse_address: a DNS lookup would block).
 */

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "../../error.hpp"
#include "socket.hpp"

namespace offloadkit {

/// An address literal and a port.
struct tcp_endpoint {
    std::string host;        ///< IPv4 or IPv6 literal, without brackets
    std::uint16_t port = 0;  ///< 0..65535 (0 only where allow_port_zero)
};

/**
 * @brief Parses "HOST:PORT" (IPv6 hosts in brackets: "[::1]:7000").
 * @param text what the user wrote.
 * @param name how the user wrote the argument ("--listen"), used in the message.
 * @param allow_port_zero true for a listening address (0: the kernel picks a free port).
 * @throws offloadkit::invalid_argument "NAME: 'TEXT' ..." when the text has no ':', the host is
 *         not an address literal, or the port is not a whole number in 0/1..65535.
 */
[[nodiscard]] inline tcp_endpoint parse_tcp_endpoint(std::string_view text, std::string_view name,
                                                     bool allow_port_zero = false) {
    const std::string t(text);
    const std::size_t colon = t.rfind(':');
    detail::require(colon != std::string::npos && colon + 1 < t.size(), name, "'", t,
                    "' is not HOST:PORT (e.g. 127.0.0.1:7000)");
    std::string host = t.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    const std::string port_text = t.substr(colon + 1);
    unsigned long port = 0;
    const auto r = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    const unsigned long lowest = allow_port_zero ? 0UL : 1UL;
    detail::require(r.ec == std::errc{} && r.ptr == port_text.data() + port_text.size() && port >= lowest &&
                        port <= 65535UL,
                    name, "'", t, "': port '", port_text, "', expected a whole number in ", lowest, "..65535");
    try {
        (void)detail::tcp_sock::parse_address(host, static_cast<std::uint16_t>(port), name);
    } catch (const invalid_argument&) {
        detail::fail(name, "'", t, "': host '", host, "' is not an IPv4 or IPv6 address literal (no name resolution)");
    }
    return tcp_endpoint{host, static_cast<std::uint16_t>(port)};
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_BACKENDS_TCP_ENDPOINT_HPP
