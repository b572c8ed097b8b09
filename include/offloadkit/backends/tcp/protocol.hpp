#ifndef OFFLOADKIT_BACKENDS_TCP_PROTOCOL_HPP
#define OFFLOADKIT_BACKENDS_TCP_PROTOCOL_HPP

/**
 * @file
 * @brief The offload protocol of the TCP backend, version 1: the 32-byte request header that
 *        precedes every frame a device offloads (CBO §IV-A: the frame goes to the edge server at
 *        the chosen resolution) and the 32-byte answer the server sends back. Encoders, a
 *        non-throwing validating decoder for the I/O loops, and a throwing parser for everything
 *        else. No sockets here (this header is plain C++, so that the fuzz targets and servers in
 *        other processes can use it anywhere).
 *
 * The byte layout, the rules and the versioning policy are in docs/wire-protocol.md; in short
 * (all integers unsigned little-endian, floats IEEE-754 binary32 little-endian):
 *
 *     request  "OKRQ" ver kind flags:u16 id:u64 budget_us:u32 resolution:u16 0:u16 payload_bytes:u32 0:u32
 *              followed by payload_bytes bytes of frame (the frame_encoder's wire bytes)
 *     answer   "OKAN" ver status flags:u16 id:u64 label:u32 confidence:f32 queue_us:u32 compute_us:u32
 *
 * The deadline travels as a relative budget (`budget_us`): the time the server has, counted from
 * the moment it has read the request header, to put its answer on the wire. Relative, because the
 * device's and the server's clocks share no epoch; the device computes it from its own clock
 * (deadline - now - L, see backends/tcp/client.hpp), the server adds it to its own.
 *
 * Every field is checked on decode: a receiver never guesses. Reserved fields and flags must be
 * zero in version 1, so a later version can give them meaning without being misread by a version-1
 * peer (it rejects the message and drops the connection).
 */

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "../../error.hpp"

namespace offloadkit {

/// Size in bytes of a request header and of an answer (both fixed in version 1).
inline constexpr std::size_t tcp_message_size = 32;
/// The protocol version this header writes and accepts.
inline constexpr std::uint8_t tcp_protocol_version = 1;
/// `budget_us` meaning "no deadline" (the server never expires the request).
inline constexpr std::uint32_t tcp_no_deadline = 0xFFFFFFFFu;
/// Request kind 1: a frame for the server model (the only kind of version 1).
inline constexpr std::uint8_t tcp_kind_frame = 1;

/// The fixed part of one offload request; `payload_bytes` bytes of frame follow it on the stream.
struct tcp_request_header {
    std::uint64_t id = 0;                      ///< the client's request id (the answer carries it back)
    std::uint32_t budget_us = tcp_no_deadline; ///< microseconds the server has from reading this header to answering
    std::uint16_t resolution = 0;              ///< r: index into the server model's resolutions (CBO §V-A)
    std::uint32_t payload_bytes = 0;           ///< frame bytes that follow the header (>= 1)
    friend bool operator==(const tcp_request_header&, const tcp_request_header&) = default;
};

/// What became of a request on the server.
enum class tcp_status : std::uint8_t {
    ok = 0,          ///< the server model answered: label and confidence are valid
    expired = 1,     ///< its budget ran out before a worker picked it up: dropped, not computed
    overloaded = 2,  ///< the server's queue was full: dropped at once
    failed = 3,      ///< the server could not process it (undecodable frame, model error)
};

/// One answer of the server.
struct tcp_answer {
    std::uint64_t id = 0;            ///< the request's id
    tcp_status status = tcp_status::ok;
    std::uint32_t label = 0;         ///< predicted class (0 unless ok)
    float confidence = 0.0F;         ///< the server model's confidence in [0, 1] (0 unless ok)
    std::uint32_t queue_us = 0;      ///< time the request waited for a worker (0 if overloaded)
    std::uint32_t compute_us = 0;    ///< time the worker spent on it (0 if expired or overloaded)
    friend bool operator==(const tcp_answer& a, const tcp_answer& b) noexcept {
        return a.id == b.id && a.status == b.status && a.label == b.label &&
               std::bit_cast<std::uint32_t>(a.confidence) == std::bit_cast<std::uint32_t>(b.confidence) &&
               a.queue_us == b.queue_us && a.compute_us == b.compute_us;
    }
};

/// Why a message was rejected (none: accepted). Each has a counter in the client's and the
/// server's statistics.
enum class tcp_wire_error : std::uint8_t {
    none = 0,
    size,           ///< not exactly tcp_message_size bytes
    magic,          ///< not "OKRQ" / "OKAN"
    protocol_version, ///< a version other than tcp_protocol_version
    kind,           ///< request kind other than tcp_kind_frame
    flags,          ///< flags not 0
    reserved,       ///< a reserved field not 0
    payload_bytes,  ///< request payload 0 or above the receiver's limit
    resolution,     ///< request resolution not below the receiver's resolution count
    status,         ///< answer status not one of tcp_status
    confidence,     ///< ok answer: confidence NaN, infinite or outside [0, 1]
    not_ok_fields,  ///< answer that is not ok with a non-zero label/confidence, or compute/queue time where none can be
};

/// Number of tcp_wire_error values (for per-error counters).
inline constexpr std::size_t tcp_wire_error_count = 12;

/// The enumerator's name ("none", "size", "magic", ...).
[[nodiscard]] constexpr std::string_view wire_error_name(tcp_wire_error e) noexcept {
    switch (e) {
        case tcp_wire_error::none: return "none";
        case tcp_wire_error::size: return "size";
        case tcp_wire_error::magic: return "magic";
        case tcp_wire_error::protocol_version: return "version";
        case tcp_wire_error::kind: return "kind";
        case tcp_wire_error::flags: return "flags";
        case tcp_wire_error::reserved: return "reserved";
        case tcp_wire_error::payload_bytes: return "payload_bytes";
        case tcp_wire_error::resolution: return "resolution";
        case tcp_wire_error::status: return "status";
        case tcp_wire_error::confidence: return "confidence";
        case tcp_wire_error::not_ok_fields: return "not_ok_fields";
    }
    return "unknown";
}

/// The name of a tcp_status ("ok", "expired", "overloaded", "failed").
[[nodiscard]] constexpr std::string_view status_name(tcp_status s) noexcept {
    switch (s) {
        case tcp_status::ok: return "ok";
        case tcp_status::expired: return "expired";
        case tcp_status::overloaded: return "overloaded";
        case tcp_status::failed: return "failed";
    }
    return "unknown";
}

/// What a receiver of requests accepts beyond the fixed rules.
struct tcp_request_limits {
    std::uint32_t max_payload_bytes = 64u << 20;  ///< largest frame accepted (>= 1)
    std::uint32_t resolutions = 0;                ///< resolution must be below this (0: any u16 value)
};

namespace detail::tcp_wire {

inline constexpr std::byte request_magic[4] = {std::byte{'O'}, std::byte{'K'}, std::byte{'R'}, std::byte{'Q'}};
inline constexpr std::byte answer_magic[4] = {std::byte{'O'}, std::byte{'K'}, std::byte{'A'}, std::byte{'N'}};

inline void put_u16(std::byte* p, std::uint16_t v) noexcept {
    p[0] = static_cast<std::byte>(v & 0xFFu);
    p[1] = static_cast<std::byte>(v >> 8);
}
inline void put_u32(std::byte* p, std::uint32_t v) noexcept {
    for (int i = 0; i < 4; ++i) {
        p[i] = static_cast<std::byte>((v >> (8 * i)) & 0xFFu);
    }
}
inline void put_u64(std::byte* p, std::uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i) {
        p[i] = static_cast<std::byte>((v >> (8 * i)) & 0xFFu);
    }
}
[[nodiscard]] inline std::uint16_t get_u16(const std::byte* p) noexcept {
    return static_cast<std::uint16_t>(std::to_integer<unsigned>(p[0]) | (std::to_integer<unsigned>(p[1]) << 8));
}
[[nodiscard]] inline std::uint32_t get_u32(const std::byte* p) noexcept {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) {
        v = (v << 8) | std::to_integer<std::uint32_t>(p[i]);
    }
    return v;
}
[[nodiscard]] inline std::uint64_t get_u64(const std::byte* p) noexcept {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) {
        v = (v << 8) | std::to_integer<std::uint64_t>(p[i]);
    }
    return v;
}

/// The checks decode_tcp_answer makes on the value fields (shared with the encoder).
[[nodiscard]] inline tcp_wire_error check_answer_fields(const tcp_answer& a) noexcept {
    switch (a.status) {
        case tcp_status::ok: {
            const float c = a.confidence;
            if (!(c >= 0.0F && c <= 1.0F)) {  // NaN fails both
                return tcp_wire_error::confidence;
            }
            return tcp_wire_error::none;
        }
        case tcp_status::expired:
        case tcp_status::overloaded:
        case tcp_status::failed: {
            const bool zero_answer = a.label == 0 && std::bit_cast<std::uint32_t>(a.confidence) == 0u;
            const bool no_compute = a.status == tcp_status::failed || a.compute_us == 0;
            const bool no_queue = a.status != tcp_status::overloaded || a.queue_us == 0;
            return zero_answer && no_compute && no_queue ? tcp_wire_error::none : tcp_wire_error::not_ok_fields;
        }
    }
    return tcp_wire_error::status;
}

[[noreturn]] inline void throw_wire_error(std::string_view fn, tcp_wire_error e, std::span<const std::byte> bytes,
                                          std::string_view magic_text) {
    // The message names the field as docs/wire-protocol.md does, with the offending value.
    const std::byte* p = bytes.data();
    switch (e) {
        case tcp_wire_error::size:
            fail(fn, "message has ", bytes.size(), " bytes, expected ", tcp_message_size);
        case tcp_wire_error::magic: {
            char hex[12] = {};
            constexpr char digits[] = "0123456789ABCDEF";
            for (int i = 0; i < 4; ++i) {
                const unsigned b = std::to_integer<unsigned>(p[i]);
                hex[3 * i] = digits[b >> 4];
                hex[3 * i + 1] = digits[b & 15u];
                hex[3 * i + 2] = i < 3 ? ' ' : '\0';
            }
            fail(fn, "magic is ", std::string_view(hex), ", expected ", magic_text);
        }
        case tcp_wire_error::protocol_version:
            fail(fn, "version is ", std::to_integer<unsigned>(p[4]), ", expected ", unsigned{tcp_protocol_version});
        case tcp_wire_error::kind:
            fail(fn, "kind is ", std::to_integer<unsigned>(p[5]), ", expected ", unsigned{tcp_kind_frame});
        case tcp_wire_error::flags:
            fail(fn, "flags is ", get_u16(p + 6), ", expected 0");
        case tcp_wire_error::reserved:
            fail(fn, "reserved bytes 22-23 and 28-31 are ", get_u16(p + 22), " and ", get_u32(p + 28), ", expected 0");
        case tcp_wire_error::payload_bytes:
            fail(fn, "payload_bytes is ", get_u32(p + 24), ", expected 1..the receiver's limit");
        case tcp_wire_error::resolution:
            fail(fn, "resolution is ", get_u16(p + 20), ", expected below the receiver's resolution count");
        case tcp_wire_error::status:
            fail(fn, "status is ", std::to_integer<unsigned>(p[5]), ", expected 0..3");
        case tcp_wire_error::confidence:
            fail(fn, "confidence is ", static_cast<double>(std::bit_cast<float>(get_u32(p + 20))),
                 ", expected a value in [0, 1]");
        case tcp_wire_error::not_ok_fields:
            fail(fn, "a ", status_name(static_cast<tcp_status>(std::to_integer<unsigned>(p[5]))),
                 " answer has label ", get_u32(p + 16), ", confidence bits ", get_u32(p + 20), ", queue_us ",
                 get_u32(p + 24), ", compute_us ", get_u32(p + 28),
                 ", expected label 0, confidence +0, compute_us 0 (unless failed), queue_us 0 (if overloaded)");
        case tcp_wire_error::none:
            break;
    }
    fail(fn, "rejected");
}

}  // namespace detail::tcp_wire

/**
 * @brief Writes a request header (docs/wire-protocol.md) into the first tcp_message_size bytes of
 *        `out`. What it writes, decode_tcp_request accepts (with limits that admit it).
 * @throws offloadkit::invalid_argument if out has fewer than tcp_message_size bytes or
 *         payload_bytes is 0 (out untouched).
 * O(1), no allocation.
 */
inline void encode_tcp_request(const tcp_request_header& h, std::span<std::byte> out) {
    constexpr std::string_view fn = "encode_tcp_request";
    detail::require(out.size() >= tcp_message_size, fn, "out has ", out.size(), " bytes, expected >= ", tcp_message_size);
    detail::require(h.payload_bytes >= 1, fn, "payload_bytes is 0, expected >= 1");
    namespace w = detail::tcp_wire;
    std::byte* p = out.data();
    std::memcpy(p, w::request_magic, 4);
    p[4] = std::byte{tcp_protocol_version};
    p[5] = std::byte{tcp_kind_frame};
    w::put_u16(p + 6, 0);
    w::put_u64(p + 8, h.id);
    w::put_u32(p + 16, h.budget_us);
    w::put_u16(p + 20, h.resolution);
    w::put_u16(p + 22, 0);
    w::put_u32(p + 24, h.payload_bytes);
    w::put_u32(p + 28, 0);
}

/**
 * @brief Validates a request header and decodes it into `out` (untouched unless accepted).
 *
 * The I/O loops' decoder: it never throws, so that a peer sending garbage costs a counter and a
 * closed connection, not an exception per message.
 * @param bytes exactly tcp_message_size bytes (the header only; the payload follows on the stream).
 * @param limits the receiver's payload limit and resolution count.
 * @return tcp_wire_error::none if accepted, else the first rule broken in the order of the enum.
 * O(1), no allocation.
 */
[[nodiscard]] inline tcp_wire_error decode_tcp_request(std::span<const std::byte> bytes, tcp_request_header& out,
                                                       const tcp_request_limits& limits = {}) noexcept {
    namespace w = detail::tcp_wire;
    if (bytes.size() != tcp_message_size) {
        return tcp_wire_error::size;
    }
    const std::byte* p = bytes.data();
    if (std::memcmp(p, w::request_magic, 4) != 0) {
        return tcp_wire_error::magic;
    }
    if (p[4] != std::byte{tcp_protocol_version}) {
        return tcp_wire_error::protocol_version;
    }
    if (p[5] != std::byte{tcp_kind_frame}) {
        return tcp_wire_error::kind;
    }
    if (w::get_u16(p + 6) != 0) {
        return tcp_wire_error::flags;
    }
    if (w::get_u16(p + 22) != 0 || w::get_u32(p + 28) != 0) {
        return tcp_wire_error::reserved;
    }
    const std::uint32_t payload = w::get_u32(p + 24);
    if (payload == 0 || payload > limits.max_payload_bytes) {
        return tcp_wire_error::payload_bytes;
    }
    const std::uint16_t resolution = w::get_u16(p + 20);
    if (limits.resolutions != 0 && resolution >= limits.resolutions) {
        return tcp_wire_error::resolution;
    }
    out.id = w::get_u64(p + 8);
    out.budget_us = w::get_u32(p + 16);
    out.resolution = resolution;
    out.payload_bytes = payload;
    return tcp_wire_error::none;
}

/**
 * @brief decode_tcp_request that throws: the form for tools and tests.
 * @throws offloadkit::invalid_argument naming the field and its value
 *         (e.g. "parse_tcp_request: version is 2, expected 1").
 */
[[nodiscard]] inline tcp_request_header parse_tcp_request(std::span<const std::byte> bytes,
                                                          const tcp_request_limits& limits = {}) {
    tcp_request_header h;
    const tcp_wire_error e = decode_tcp_request(bytes, h, limits);
    if (e != tcp_wire_error::none) {
        detail::tcp_wire::throw_wire_error("parse_tcp_request", e, bytes, "4F 4B 52 51 (\"OKRQ\")");
    }
    return h;
}

/**
 * @brief Writes an answer (docs/wire-protocol.md) into the first tcp_message_size bytes of `out`.
 *        What it writes, decode_tcp_answer accepts.
 * @throws offloadkit::invalid_argument if out is too small or the answer breaks a rule of the
 *         protocol: an ok answer whose confidence is not in [0, 1]; any other status with a
 *         non-zero label or confidence (or -0), expired/overloaded with compute_us, overloaded
 *         with queue_us; a status outside the enum (out untouched).
 * O(1), no allocation.
 */
inline void encode_tcp_answer(const tcp_answer& a, std::span<std::byte> out) {
    constexpr std::string_view fn = "encode_tcp_answer";
    detail::require(out.size() >= tcp_message_size, fn, "out has ", out.size(), " bytes, expected >= ", tcp_message_size);
    const tcp_wire_error e = detail::tcp_wire::check_answer_fields(a);
    detail::require(e != tcp_wire_error::status, fn, "status is ", static_cast<unsigned>(a.status), ", expected 0..3");
    detail::require(e != tcp_wire_error::confidence, fn, "confidence is ", a.confidence, ", expected a value in [0, 1]");
    detail::require(e == tcp_wire_error::none, fn, "a ", status_name(a.status), " answer has label ", a.label,
                    ", confidence ", a.confidence, ", queue_us ", a.queue_us, ", compute_us ", a.compute_us,
                    ", expected label 0, confidence +0, compute_us 0 (unless failed), queue_us 0 (if overloaded)");
    namespace w = detail::tcp_wire;
    std::byte* p = out.data();
    std::memcpy(p, w::answer_magic, 4);
    p[4] = std::byte{tcp_protocol_version};
    p[5] = static_cast<std::byte>(a.status);
    w::put_u16(p + 6, 0);
    w::put_u64(p + 8, a.id);
    w::put_u32(p + 16, a.label);
    w::put_u32(p + 20, std::bit_cast<std::uint32_t>(a.confidence));
    w::put_u32(p + 24, a.queue_us);
    w::put_u32(p + 28, a.compute_us);
}

/**
 * @brief Validates an answer and decodes it into `out` (untouched unless accepted). Never throws.
 *
 * Checks everything the bytes alone can tell (see tcp_wire_error); whether the id belongs to an
 * outstanding request and whether the times are possible is the client's part
 * (backends/tcp/client.hpp).
 * @param bytes exactly tcp_message_size bytes.
 * @return tcp_wire_error::none if accepted, else the first rule broken.
 * O(1), no allocation.
 */
[[nodiscard]] inline tcp_wire_error decode_tcp_answer(std::span<const std::byte> bytes, tcp_answer& out) noexcept {
    namespace w = detail::tcp_wire;
    if (bytes.size() != tcp_message_size) {
        return tcp_wire_error::size;
    }
    const std::byte* p = bytes.data();
    if (std::memcmp(p, w::answer_magic, 4) != 0) {
        return tcp_wire_error::magic;
    }
    if (p[4] != std::byte{tcp_protocol_version}) {
        return tcp_wire_error::protocol_version;
    }
    if (w::get_u16(p + 6) != 0) {
        return tcp_wire_error::flags;
    }
    const unsigned status = std::to_integer<unsigned>(p[5]);
    if (status > 3) {
        return tcp_wire_error::status;
    }
    tcp_answer a;
    a.id = w::get_u64(p + 8);
    a.status = static_cast<tcp_status>(status);
    a.label = w::get_u32(p + 16);
    a.confidence = std::bit_cast<float>(w::get_u32(p + 20));
    a.queue_us = w::get_u32(p + 24);
    a.compute_us = w::get_u32(p + 28);
    const tcp_wire_error e = w::check_answer_fields(a);
    if (e != tcp_wire_error::none) {
        return e;
    }
    out = a;
    return tcp_wire_error::none;
}

/**
 * @brief decode_tcp_answer that throws: the form for tools and tests.
 * @throws offloadkit::invalid_argument naming the field and its value.
 */
[[nodiscard]] inline tcp_answer parse_tcp_answer(std::span<const std::byte> bytes) {
    tcp_answer a;
    const tcp_wire_error e = decode_tcp_answer(bytes, a);
    if (e != tcp_wire_error::none) {
        detail::tcp_wire::throw_wire_error("parse_tcp_answer", e, bytes, "4F 4B 41 4E (\"OKAN\")");
    }
    return a;
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_BACKENDS_TCP_PROTOCOL_HPP
