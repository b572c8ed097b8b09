// parse_tcp_endpoint (backends/tcp/endpoint.hpp): "HOST:PORT" as written on a command line.
#include <offloadkit/backends/tcp/endpoint.hpp>

#include <doctest/doctest.h>

namespace ok = offloadkit;

TEST_CASE("parse_tcp_endpoint: IPv4, bracketed IPv6, port 0 only where allowed, errors name the flag and the text") {
    const ok::tcp_endpoint a = ok::parse_tcp_endpoint("127.0.0.1:7000", "--server");
    CHECK(a.host == "127.0.0.1");
    CHECK(a.port == 7000);
    const ok::tcp_endpoint b = ok::parse_tcp_endpoint("[::1]:65535", "--server");
    CHECK(b.host == "::1");
    CHECK(b.port == 65535);
    CHECK(ok::parse_tcp_endpoint("0.0.0.0:0", "--listen", true).port == 0);
    CHECK_THROWS_WITH_AS((void)ok::parse_tcp_endpoint("127.0.0.1:0", "--server"),
                         "--server: '127.0.0.1:0': port '0', expected a whole number in 1..65535", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::parse_tcp_endpoint("127.0.0.1:65536", "--listen", true),
                         "--listen: '127.0.0.1:65536': port '65536', expected a whole number in 0..65535",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::parse_tcp_endpoint("127.0.0.1", "--server"),
                         "--server: '127.0.0.1' is not HOST:PORT (e.g. 127.0.0.1:7000)", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::parse_tcp_endpoint("localhost:80", "--server"),
                         "--server: 'localhost:80': host 'localhost' is not an IPv4 or IPv6 address literal (no name resolution)",
                         ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::parse_tcp_endpoint("127.0.0.1:7x", "--server"), ok::invalid_argument);
}
