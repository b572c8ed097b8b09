// offloadkit-backend: tcp
// Fuzz target: the request header of the offload protocol (backends/tcp/protocol.hpp,
// docs/wire-protocol.md) — the first bytes an edge server reads from any device, or from anyone
// who can reach its port.
//
// The input is the message. For three receivers' limits (the defaults; 40000 bytes and 5
// resolutions; 1 byte and 1 resolution):
//  - decode_tcp_request accepts exactly what the document's rules allow, checked here by an
//    independent reading of the byte layout, and reports the first rule broken in the document's
//    order (size, magic, version, kind, flags, reserved, payload_bytes, resolution);
//  - a rejection leaves the output untouched, and parse_tcp_request throws
//    offloadkit::invalid_argument for exactly the rejected inputs (nothing else);
//  - an accepted header has the field values at the documented offsets and re-encodes to exactly
//    the input bytes.
#include <offloadkit/backends/tcp/protocol.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "fuzz_support.hpp"

namespace ok = offloadkit;

namespace {

std::uint64_t le(const std::uint8_t* p, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
    }
    return v;
}

ok::tcp_wire_error expected_error(const std::uint8_t* p, std::size_t size, const ok::tcp_request_limits& l) {
    using E = ok::tcp_wire_error;
    if (size != 32) {
        return E::size;
    }
    if (std::memcmp(p, "OKRQ", 4) != 0) {
        return E::magic;
    }
    if (p[4] != 1) {
        return E::protocol_version;
    }
    if (p[5] != 1) {
        return E::kind;
    }
    if (le(p + 6, 2) != 0) {
        return E::flags;
    }
    if (le(p + 22, 2) != 0 || le(p + 28, 4) != 0) {
        return E::reserved;
    }
    const std::uint64_t payload = le(p + 24, 4);
    if (payload == 0 || payload > l.max_payload_bytes) {
        return E::payload_bytes;
    }
    if (l.resolutions != 0 && le(p + 20, 2) >= l.resolutions) {
        return E::resolution;
    }
    return E::none;
}

void check(std::span<const std::byte> bytes, const ok::tcp_request_limits& limits) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(bytes.data());
    const ok::tcp_request_header sentinel{0xDEADBEEF, 7, 9, 11};
    ok::tcp_request_header h = sentinel;
    const ok::tcp_wire_error e = ok::decode_tcp_request(bytes, h, limits);
    FUZZ_CHECK(e == expected_error(p, bytes.size(), limits));
    bool threw = false;
    ok::tcp_request_header parsed;
    try {
        parsed = ok::parse_tcp_request(bytes, limits);
    } catch (const ok::invalid_argument&) {
        threw = true;
    }
    FUZZ_CHECK(threw == (e != ok::tcp_wire_error::none));
    if (e != ok::tcp_wire_error::none) {
        FUZZ_CHECK(h == sentinel);
        return;
    }
    FUZZ_CHECK(parsed == h);
    FUZZ_CHECK(h.id == le(p + 8, 8));
    FUZZ_CHECK(h.budget_us == le(p + 16, 4));
    FUZZ_CHECK(h.resolution == le(p + 20, 2));
    FUZZ_CHECK(h.payload_bytes == le(p + 24, 4));
    std::byte again[ok::tcp_message_size];
    ok::encode_tcp_request(h, again);
    FUZZ_CHECK(std::memcmp(again, bytes.data(), ok::tcp_message_size) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    check(bytes, ok::tcp_request_limits{});
    check(bytes, ok::tcp_request_limits{40000, 5});
    check(bytes, ok::tcp_request_limits{1, 1});
    return 0;
}
