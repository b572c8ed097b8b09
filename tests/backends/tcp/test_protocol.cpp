// The offload protocol, version 1 (backends/tcp/protocol.hpp, docs/wire-protocol.md): golden
// bytes written out by hand from the document's table, round trips of random values, and every
// single-byte mutation of a valid message judged by an independent reading of the document's rules.
#include <offloadkit/backends/tcp/protocol.hpp>
#include <offloadkit/detail/random.hpp>

#include <doctest/doctest.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace ok = offloadkit;

namespace {

using message = std::array<std::byte, ok::tcp_message_size>;

message bytes_of(std::initializer_list<unsigned> v) {
    REQUIRE(v.size() == ok::tcp_message_size);
    message m{};
    std::size_t i = 0;
    for (const unsigned b : v) {
        m[i++] = static_cast<std::byte>(b);
    }
    return m;
}

std::string error_of(auto&& f) {
    try {
        f();
    } catch (const ok::invalid_argument& e) {
        return e.what();
    }
    return "";
}

// The document's rules, read independently of the header: little-endian fields at fixed offsets.
std::uint64_t le(const message& m, std::size_t at, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        v |= std::to_integer<std::uint64_t>(m[at + i]) << (8 * i);
    }
    return v;
}

bool request_valid_by_the_document(const message& m, std::uint32_t max_payload, std::uint32_t resolutions) {
    const bool magic = m[0] == std::byte{0x4F} && m[1] == std::byte{0x4B} && m[2] == std::byte{0x52} &&
                       m[3] == std::byte{0x51};
    const auto payload = le(m, 24, 4);
    return magic && le(m, 4, 1) == 1 && le(m, 5, 1) == 1 && le(m, 6, 2) == 0 && le(m, 22, 2) == 0 &&
           le(m, 28, 4) == 0 && payload >= 1 && payload <= max_payload &&
           (resolutions == 0 || le(m, 20, 2) < resolutions);
}

bool answer_valid_by_the_document(const message& m) {
    const bool magic = m[0] == std::byte{0x4F} && m[1] == std::byte{0x4B} && m[2] == std::byte{0x41} &&
                       m[3] == std::byte{0x4E};
    if (!magic || le(m, 4, 1) != 1 || le(m, 6, 2) != 0) {
        return false;
    }
    const auto status = le(m, 5, 1);
    const auto label = le(m, 16, 4);
    const auto conf_bits = static_cast<std::uint32_t>(le(m, 20, 4));
    const auto queue = le(m, 24, 4);
    const auto compute = le(m, 28, 4);
    const float conf = std::bit_cast<float>(conf_bits);
    switch (status) {
        case 0: return !std::isnan(conf) && conf >= 0.0F && conf <= 1.0F;
        case 1: return label == 0 && conf_bits == 0 && compute == 0;
        case 2: return label == 0 && conf_bits == 0 && compute == 0 && queue == 0;
        case 3: return label == 0 && conf_bits == 0;
        default: return false;
    }
}

}  // namespace

TEST_CASE("tcp protocol: a request header is the document's example byte for byte") {
    // docs/wire-protocol.md, "Example": id 0x0102030405060708, 200 ms budget, resolution 3, 37000 bytes.
    const message golden = bytes_of({0x4F, 0x4B, 0x52, 0x51, 0x01, 0x01, 0x00, 0x00,   // "OKRQ" v1 kind 1 flags 0
                                     0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,   // id
                                     0x40, 0x0D, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00,   // budget 200000, res 3, 0
                                     0x88, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}); // payload 37000, 0
    const ok::tcp_request_header h{0x0102030405060708ULL, 200000, 3, 37000};
    message out{};
    ok::encode_tcp_request(h, out);
    CHECK(out == golden);
    CHECK(ok::parse_tcp_request(golden) == h);
}

TEST_CASE("tcp protocol: an answer is the document's example byte for byte") {
    // id 42, ok, label 7, confidence 0.75 (0x3F400000), queued 1.5 ms, computed 37 ms.
    const message golden = bytes_of({0x4F, 0x4B, 0x41, 0x4E, 0x01, 0x00, 0x00, 0x00,
                                     0x2A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                     0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x3F,
                                     0xDC, 0x05, 0x00, 0x00, 0x88, 0x90, 0x00, 0x00});
    const ok::tcp_answer a{42, ok::tcp_status::ok, 7, 0.75F, 1500, 37000};
    message out{};
    ok::encode_tcp_answer(a, out);
    CHECK(out == golden);
    CHECK(ok::parse_tcp_answer(golden) == a);
}

TEST_CASE("tcp protocol: random headers and answers round-trip") {
    ok::detail::rng g(16);
    for (int i = 0; i < 2000; ++i) {
        const ok::tcp_request_header h{g(), static_cast<std::uint32_t>(g()), static_cast<std::uint16_t>(g()),
                                       static_cast<std::uint32_t>(1 + g() % (64u << 20))};
        message m{};
        ok::encode_tcp_request(h, m);
        ok::tcp_request_header back;
        REQUIRE(ok::decode_tcp_request(m, back) == ok::tcp_wire_error::none);
        CHECK(back == h);

        ok::tcp_answer a;
        a.id = g();
        a.status = static_cast<ok::tcp_status>(g() % 4);
        a.queue_us = a.status == ok::tcp_status::overloaded ? 0 : static_cast<std::uint32_t>(g());
        a.compute_us = a.status == ok::tcp_status::ok || a.status == ok::tcp_status::failed ? static_cast<std::uint32_t>(g()) : 0;
        if (a.status == ok::tcp_status::ok) {
            a.label = static_cast<std::uint32_t>(g());
            a.confidence = static_cast<float>(g.uniform());
        }
        ok::encode_tcp_answer(a, m);
        ok::tcp_answer aback;
        REQUIRE(ok::decode_tcp_answer(m, aback) == ok::tcp_wire_error::none);
        CHECK(aback == a);
    }
}

TEST_CASE("tcp protocol: every single-byte change of a request is accepted exactly when the document allows it") {
    const std::uint32_t max_payload = 40000;
    const std::uint32_t resolutions = 5;
    message base{};
    ok::encode_tcp_request(ok::tcp_request_header{77, 123456, 4, 37000}, base);
    const ok::tcp_request_header sentinel{1, 2, 3, 4};
    std::size_t accepted = 0;
    for (std::size_t pos = 0; pos < base.size(); ++pos) {
        for (unsigned v = 0; v < 256; ++v) {
            message m = base;
            m[pos] = static_cast<std::byte>(v);
            ok::tcp_request_header out = sentinel;
            const ok::tcp_wire_error e = ok::decode_tcp_request(m, out, {max_payload, resolutions});
            const bool expect = request_valid_by_the_document(m, max_payload, resolutions);
            REQUIRE(((e == ok::tcp_wire_error::none) == expect));
            if (expect) {
                ++accepted;
                message again{};
                ok::encode_tcp_request(out, again);
                CHECK(again == m);  // the decoded value is what the bytes say
            } else {
                CHECK(out == sentinel);  // untouched on rejection
                CHECK_THROWS_AS((void)ok::parse_tcp_request(m, {max_payload, resolutions}), ok::invalid_argument);
            }
        }
    }
    // the id (8 bytes), the budget (4) take any value; resolution and payload only some
    CHECK(accepted > 12 * 255);
}

TEST_CASE("tcp protocol: every single-byte change of an answer is accepted exactly when the document allows it") {
    const std::vector<ok::tcp_answer> bases{{9, ok::tcp_status::ok, 3, 0.5F, 10, 20},
                                            {9, ok::tcp_status::expired, 0, 0.0F, 10, 0},
                                            {9, ok::tcp_status::overloaded, 0, 0.0F, 0, 0},
                                            {9, ok::tcp_status::failed, 0, 0.0F, 10, 20}};
    for (const ok::tcp_answer& a : bases) {
        message base{};
        ok::encode_tcp_answer(a, base);
        for (std::size_t pos = 0; pos < base.size(); ++pos) {
            for (unsigned v = 0; v < 256; ++v) {
                message m = base;
                m[pos] = static_cast<std::byte>(v);
                ok::tcp_answer out{1, ok::tcp_status::failed, 0, 0.0F, 1, 1};
                const ok::tcp_answer before = out;
                const ok::tcp_wire_error e = ok::decode_tcp_answer(m, out);
                const bool expect = answer_valid_by_the_document(m);
                REQUIRE(((e == ok::tcp_wire_error::none) == expect));
                if (expect) {
                    message again{};
                    ok::encode_tcp_answer(out, again);
                    CHECK(again == m);
                } else {
                    CHECK(out == before);
                }
            }
        }
    }
}

TEST_CASE("tcp protocol: rejections name the field and its value") {
    message m{};
    ok::encode_tcp_request(ok::tcp_request_header{1, 2, 3, 4}, m);
    message v2 = m;
    v2[4] = std::byte{2};
    CHECK(error_of([&] { (void)ok::parse_tcp_request(v2); }) == "parse_tcp_request: version is 2, expected 1");
    message big = m;
    big[27] = std::byte{0x7F};
    CHECK(error_of([&] { (void)ok::parse_tcp_request(big, {1000, 0}); }) ==
          "parse_tcp_request: payload_bytes is 2130706436, expected 1..the receiver's limit");
    ok::tcp_request_header scratch;
    CHECK(ok::decode_tcp_request(m, scratch, {1000, 3}) == ok::tcp_wire_error::resolution);
    message garbage = m;
    std::memcpy(garbage.data(), "GARB", 4);
    CHECK(error_of([&] { (void)ok::parse_tcp_request(garbage); }) ==
          "parse_tcp_request: magic is 47 41 52 42, expected 4F 4B 52 51 (\"OKRQ\")");
    CHECK(error_of([&] { (void)ok::parse_tcp_request(std::span<const std::byte>(m).first(31)); }) ==
          "parse_tcp_request: message has 31 bytes, expected 32");

    message a{};
    ok::encode_tcp_answer(ok::tcp_answer{5, ok::tcp_status::ok, 1, 0.25F, 0, 0}, a);
    message nan = a;
    const auto nan_bits = std::bit_cast<std::array<std::byte, 4>>(std::numeric_limits<float>::quiet_NaN());
    std::memcpy(nan.data() + 20, nan_bits.data(), 4);
    ok::tcp_answer ascratch;
    CHECK(ok::decode_tcp_answer(nan, ascratch) == ok::tcp_wire_error::confidence);
    CHECK(error_of([&] { (void)ok::parse_tcp_answer(nan); }) ==
          "parse_tcp_answer: confidence is NaN, expected a value in [0, 1]");
    message status = a;
    status[5] = std::byte{4};
    CHECK(error_of([&] { (void)ok::parse_tcp_answer(status); }) == "parse_tcp_answer: status is 4, expected 0..3");
    message expired_label = a;
    expired_label[5] = std::byte{1};  // expired, but label 1 and confidence 0.25 left in place
    CHECK(ok::decode_tcp_answer(expired_label, ascratch) == ok::tcp_wire_error::not_ok_fields);
}

TEST_CASE("tcp protocol: the encoders refuse what the decoders would reject, leaving the output untouched") {
    message out{};
    out.fill(std::byte{0xEE});
    const message before = out;
    CHECK(error_of([&] { ok::encode_tcp_request(ok::tcp_request_header{1, 2, 3, 0}, out); }) ==
          "encode_tcp_request: payload_bytes is 0, expected >= 1");
    CHECK_THROWS_AS(ok::encode_tcp_request(ok::tcp_request_header{1, 2, 3, 4}, std::span<std::byte>(out).first(31)),
                    ok::invalid_argument);
    CHECK_THROWS_AS(ok::encode_tcp_answer(ok::tcp_answer{1, ok::tcp_status::ok, 0, 1.5F, 0, 0}, out), ok::invalid_argument);
    CHECK_THROWS_AS(ok::encode_tcp_answer(ok::tcp_answer{1, ok::tcp_status::ok, 0, -0.5F, 0, 0}, out), ok::invalid_argument);
    CHECK_THROWS_AS(ok::encode_tcp_answer(ok::tcp_answer{1, ok::tcp_status::expired, 3, 0.0F, 0, 0}, out), ok::invalid_argument);
    CHECK_THROWS_AS(ok::encode_tcp_answer(ok::tcp_answer{1, ok::tcp_status::expired, 0, -0.0F, 0, 0}, out), ok::invalid_argument);
    CHECK_THROWS_AS(ok::encode_tcp_answer(ok::tcp_answer{1, ok::tcp_status::expired, 0, 0.0F, 0, 5}, out), ok::invalid_argument);
    CHECK_THROWS_AS(ok::encode_tcp_answer(ok::tcp_answer{1, ok::tcp_status::overloaded, 0, 0.0F, 5, 0}, out), ok::invalid_argument);
    CHECK_THROWS_AS(ok::encode_tcp_answer(ok::tcp_answer{1, static_cast<ok::tcp_status>(7), 0, 0.0F, 0, 0}, out),
                    ok::invalid_argument);
    CHECK(out == before);
    // the edges that are allowed
    ok::encode_tcp_answer(ok::tcp_answer{1, ok::tcp_status::ok, 0, 0.0F, 0, 0}, out);
    ok::encode_tcp_answer(ok::tcp_answer{1, ok::tcp_status::ok, 0xFFFFFFFFu, 1.0F, 0xFFFFFFFFu, 0xFFFFFFFFu}, out);
    ok::encode_tcp_answer(ok::tcp_answer{1, ok::tcp_status::failed, 0, 0.0F, 7, 9}, out);
    CHECK(ok::parse_tcp_answer(out).compute_us == 9);
}
