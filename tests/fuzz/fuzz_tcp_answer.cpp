// offloadkit-backend: tcp
// Fuzz target: the answer of the offload protocol (backends/tcp/protocol.hpp,
// docs/wire-protocol.md) — the bytes a device reads back from its edge server.
//
// The input is the message:
//  - decode_tcp_answer accepts exactly what the document's rules allow, checked here by an
//    independent reading of the byte layout (magic, version, flags, status 0..3; ok: confidence in
//    [0, 1]; expired: label 0, confidence +0, compute 0; overloaded: also queue 0; failed: label 0,
//    confidence +0), and reports the first rule broken in the document's order;
//  - a rejection leaves the output untouched, and parse_tcp_answer throws
//    offloadkit::invalid_argument for exactly the rejected inputs;
//  - an accepted answer has the field values at the documented offsets, re-encodes to exactly the
//    input bytes, and encode_tcp_answer refuses nothing decode accepted.
#include <offloadkit/backends/tcp/protocol.hpp>

#include <bit>
#include <cmath>
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

ok::tcp_wire_error expected_error(const std::uint8_t* p, std::size_t size) {
    using E = ok::tcp_wire_error;
    if (size != 32) {
        return E::size;
    }
    if (std::memcmp(p, "OKAN", 4) != 0) {
        return E::magic;
    }
    if (p[4] != 1) {
        return E::protocol_version;
    }
    if (le(p + 6, 2) != 0) {
        return E::flags;
    }
    const unsigned status = p[5];
    if (status > 3) {
        return E::status;
    }
    const std::uint64_t label = le(p + 16, 4);
    const auto conf_bits = static_cast<std::uint32_t>(le(p + 20, 4));
    const float conf = std::bit_cast<float>(conf_bits);
    const std::uint64_t queue = le(p + 24, 4);
    const std::uint64_t compute = le(p + 28, 4);
    if (status == 0) {
        return std::isnan(conf) || conf < 0.0F || conf > 1.0F ? E::confidence : E::none;
    }
    const bool fields = label == 0 && conf_bits == 0 && (status == 3 || compute == 0) && (status != 2 || queue == 0);
    return fields ? E::none : E::not_ok_fields;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    const ok::tcp_answer sentinel{0xFEEDULL, ok::tcp_status::failed, 0, 0.0F, 3, 4};
    ok::tcp_answer a = sentinel;
    const ok::tcp_wire_error e = ok::decode_tcp_answer(bytes, a);
    FUZZ_CHECK(e == expected_error(data, size));
    bool threw = false;
    ok::tcp_answer parsed;
    try {
        parsed = ok::parse_tcp_answer(bytes);
    } catch (const ok::invalid_argument&) {
        threw = true;
    }
    FUZZ_CHECK(threw == (e != ok::tcp_wire_error::none));
    if (e != ok::tcp_wire_error::none) {
        FUZZ_CHECK(a == sentinel);
        return 0;
    }
    FUZZ_CHECK(parsed == a);
    FUZZ_CHECK(a.id == le(data + 8, 8));
    FUZZ_CHECK(static_cast<unsigned>(a.status) == data[5]);
    FUZZ_CHECK(a.label == le(data + 16, 4));
    FUZZ_CHECK(std::bit_cast<std::uint32_t>(a.confidence) == le(data + 20, 4));
    FUZZ_CHECK(a.queue_us == le(data + 24, 4));
    FUZZ_CHECK(a.compute_us == le(data + 28, 4));
    std::byte again[ok::tcp_message_size];
    ok::encode_tcp_answer(a, again);  // throws (and aborts the fuzzer) if it refused a decoded answer
    FUZZ_CHECK(std::memcmp(again, data, ok::tcp_message_size) == 0);
    return 0;
}
