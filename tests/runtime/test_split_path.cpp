#include <offloadkit/runtime/split_path.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include <offloadkit/detail/random.hpp>

namespace ok = offloadkit;

namespace {

// FE: n features drawn from N(0, 1) * scale with a seed per frame (a frame is its seed).
struct random_extractor {
    std::size_t n = 3136;  // 7x7x64, a quarter of AMVP's 14x14x64 example
    bool poison = false;
    [[nodiscard]] std::size_t feature_count() const { return n; }
    double extract(const std::uint64_t& frame, std::span<float> features) const {
        ok::detail::rng g(frame);
        for (auto& f : features) {
            f = static_cast<float>(g.normal() * 3.0);
        }
        if (poison) {
            features[7] = std::numeric_limits<float>::quiet_NaN();
        }
        return 0.004;
    }
};

// FI: a fixed random linear layer, 10 classes.
struct linear_inference {
    std::size_t n = 3136;
    std::vector<float> w;
    explicit linear_inference(std::size_t count = 3136) : n(count), w(10 * count) {
        ok::detail::rng g(99);
        for (auto& x : w) {
            x = static_cast<float>(g.uniform(-1.0, 1.0));
        }
    }
    [[nodiscard]] std::size_t feature_count() const { return n; }
    [[nodiscard]] std::size_t num_classes() const { return 10; }
    double infer(std::span<const float> features, std::span<float> logits) const {
        for (std::size_t k = 0; k < 10; ++k) {
            double s = 0.0;
            for (std::size_t i = 0; i < n; ++i) {
                s += static_cast<double>(w[k * n + i]) * static_cast<double>(features[i]);
            }
            logits[k] = static_cast<float>(s / 100.0);
        }
        return 0.006;
    }
};

// A link that keeps the last message.
struct capture_link {
    double rate = 625000.0;
    bool refuse = false;
    std::vector<std::byte> last;
    [[nodiscard]] double bandwidth() const { return rate; }
    [[nodiscard]] double latency() const { return 0.01; }
    bool send(std::span<const std::byte> bytes) {
        if (refuse) {
            return false;
        }
        last.assign(bytes.begin(), bytes.end());
        return true;
    }
};

using sender_t = ok::split_sender<std::uint64_t, random_extractor, capture_link>;

}  // namespace

TEST_CASE("split path: quantized round trip equals dequantize(quantize(F)) (AMVP eq. 1-2) and FI on it") {
    for (const int bits : {1, 2, 4, 8, 12, 16}) {
        CAPTURE(bits);
        ok::split_options o;
        o.bits = bits;
        o.mode = ok::compression_mode::always;
        sender_t tx(random_extractor{}, capture_link{}, o);
        ok::split_receiver<linear_inference> rx{linear_inference{}};
        for (std::uint64_t frame = 1; frame <= 4; ++frame) {
            const auto rep = tx.send(frame, 1000 + frame);
            CHECK(rep.sent);
            CHECK(rep.compressed);
            CHECK(rep.wire_bytes == ok::split_header_size + ok::quantized_wire_size(3136, bits));
            CHECK(tx.link().last.size() == rep.wire_bytes);
            const auto ans = rx.receive(tx.link().last);
            CHECK(ans.id == 1000 + frame);
            CHECK(ans.compressed);
            // Reference: the library's quantizer and dequantizer on the same features.
            const auto f = tx.features();
            std::vector<float> ref(f.size());
            ok::dequantize(ok::quantize(f, bits), ref);
            const auto got = rx.features();
            CHECK(std::equal(got.begin(), got.end(), ref.begin()));
            // eq. 1-2: |F^ - F| <= (max - min) / (2 (2^n - 1)) plus binary32 rounding.
            const auto [lo, hi] = std::minmax_element(f.begin(), f.end());
            const double bound = (static_cast<double>(*hi) - static_cast<double>(*lo)) /
                                     (2.0 * (std::ldexp(1.0, bits) - 1.0)) +
                                 1e-5;
            for (std::size_t i = 0; i < f.size(); ++i) {
                CHECK(std::fabs(static_cast<double>(got[i]) - static_cast<double>(f[i])) <= bound);
            }
            // The answer is FI's on the dequantized features.
            linear_inference fi;
            std::vector<float> logits(10);
            (void)fi.infer(ref, logits);
            CHECK(ans.label == ok::top1_confidence(logits).index);
            CHECK(ans.confidence == ok::top1_confidence(logits).confidence);
        }
    }
}

TEST_CASE("split path: raw binary32 messages carry the features exactly") {
    ok::split_options o;
    o.mode = ok::compression_mode::never;
    sender_t tx(random_extractor{}, capture_link{}, o);
    ok::split_receiver<linear_inference> rx{linear_inference{}};
    const auto rep = tx.send(5, 77);
    CHECK_FALSE(rep.compressed);
    CHECK(rep.wire_bytes == ok::split_header_size + 4 * 3136);
    const auto ans = rx.receive(tx.link().last);
    CHECK(ans.id == 77);
    CHECK_FALSE(ans.compressed);
    const auto f = tx.features();
    const auto got = rx.features();
    CHECK(std::equal(got.begin(), got.end(), f.begin()));
}

TEST_CASE("split path: the compress-or-not decision is decide_compression() at the link's bandwidth (Fig. 12)") {
    ok::split_options o;
    o.quantize_rate = 400e6;
    o.dequantize_rate = 800e6;
    random_extractor fe;
    fe.n = 12544;  // AMVP's 14x14x64 feature, 50 KB
    ok::split_sender<std::uint64_t, random_extractor, capture_link> tx(fe, capture_link{}, o);
    std::vector<bool> compressed;
    for (const double mbps : {1.0, 20.0, 50.0, 80.0, 1000.0, 10000.0, 100000.0}) {
        CAPTURE(mbps);
        tx.link().rate = mbps * 1e6 / 8.0;
        const auto rep = tx.send(1, 1);
        const auto d = ok::decide_compression(4 * 12544, 8, tx.link().rate, 400e6, 800e6);
        CHECK(rep.compressed == d.compress);
        CHECK(rep.decision.benefit == d.benefit);
        compressed.push_back(rep.compressed);
    }
    // Low bandwidth: quantize; very high bandwidth: (de)quantizing costs more than it saves.
    CHECK(compressed.front());
    CHECK_FALSE(compressed.back());
    CHECK(std::is_sorted(compressed.rbegin(), compressed.rend()));  // true ... true false ... false
    tx.link().rate = 0.0;  // nothing goes through: send the fewest bytes
    CHECK(tx.send(1, 1).compressed);
}

TEST_CASE("split path: malformed bytes are rejected without reading out of bounds") {
    ok::split_options o;
    o.mode = ok::compression_mode::always;
    random_extractor small;
    small.n = 37;
    ok::split_sender<std::uint64_t, random_extractor, capture_link> tx(small, capture_link{}, o);
    ok::split_receiver<linear_inference> rx{linear_inference{37}};
    for (const auto mode : {ok::compression_mode::always, ok::compression_mode::never}) {
        ok::split_options om = o;
        om.mode = mode;
        ok::split_sender<std::uint64_t, random_extractor, capture_link> s(small, capture_link{}, om);
        (void)s.send(3, 9);
        const std::vector<std::byte> good = s.link().last;
        CHECK_NOTHROW((void)rx.receive(good));
        // Every truncation.
        for (std::size_t len = 0; len < good.size(); ++len) {
            CAPTURE(len);
            CHECK_THROWS_AS((void)rx.receive(std::span<const std::byte>(good).first(len)), ok::invalid_argument);
        }
        // A trailing byte.
        auto longer = good;
        longer.push_back(std::byte{0});
        CHECK_THROWS_AS((void)rx.receive(longer), ok::invalid_argument);
        // Every single-bit flip of the first 64 bytes (both headers): rejected or a valid message,
        // never a crash (ASan checks the reads).
        std::size_t rejected = 0;
        for (std::size_t i = 0; i < std::min<std::size_t>(64, good.size()); ++i) {
            for (int bit = 0; bit < 8; ++bit) {
                auto bad = good;
                bad[i] ^= static_cast<std::byte>(1u << bit);
                try {
                    (void)rx.receive(bad);
                } catch (const ok::invalid_argument&) {
                    ++rejected;
                }
            }
        }
        CHECK(rejected > 100);
    }
    std::vector<std::byte> junk(200, std::byte{0x4F});
    CHECK_THROWS_WITH_AS((void)rx.receive(junk), "split_receiver::receive: wire[0..4) is not the magic \"OKSP\"",
                         ok::invalid_argument);
    // A message for a FI of another size.
    ok::split_receiver<linear_inference> other{linear_inference{36}};
    (void)tx.send(1, 1);
    CHECK_THROWS_WITH_AS((void)other.receive(tx.link().last),
                         "split_receiver::receive: wire count is 37, expected 36 (inference.feature_count())",
                         ok::invalid_argument);
    // A raw message with a NaN inside.
    ok::split_options raw = o;
    raw.mode = ok::compression_mode::never;
    ok::split_sender<std::uint64_t, random_extractor, capture_link> rs(small, capture_link{}, raw);
    (void)rs.send(2, 2);
    auto nan_msg = rs.link().last;
    nan_msg[ok::split_header_size + 3] = std::byte{0x7F};
    nan_msg[ok::split_header_size + 2] = std::byte{0xC0};
    CHECK_THROWS_AS((void)rx.receive(nan_msg), ok::invalid_argument);
}

TEST_CASE("split path: split_remote answers malformed messages with ok == false, never crashes") {
    ok::split_options o;
    random_extractor small;
    small.n = 37;
    ok::split_sender<std::uint64_t, random_extractor, capture_link> tx(small, capture_link{}, o);
    ok::split_remote<linear_inference> remote(linear_inference{37}, 3);
    static_assert(ok::remote_executor<ok::split_remote<linear_inference>, std::span<const std::byte>>);
    (void)tx.send(4, 10);
    const auto good = tx.link().last;
    CHECK(remote.submit(10, good));
    CHECK(remote.submit(11, good));  // the message says id 10: not an answer for 11
    CHECK(remote.submit(12, std::span<const std::byte>(good).first(30)));
    CHECK_FALSE(remote.submit(13, good));  // full
    const auto a = remote.poll();
    REQUIRE(a.has_value());
    CHECK(a->ok);
    CHECK(a->id == 10);
    const auto b = remote.poll();
    REQUIRE(b.has_value());
    CHECK_FALSE(b->ok);
    CHECK(b->id == 11);
    const auto c = remote.poll();
    REQUIRE(c.has_value());
    CHECK_FALSE(c->ok);
    CHECK_FALSE(remote.poll().has_value());
    CHECK(remote.malformed() == 2);
}

TEST_CASE("split path: bad extractor output and refused links are reported, nothing sent") {
    random_extractor fe;
    fe.poison = true;
    sender_t tx(fe, capture_link{});
    CHECK_THROWS_WITH_AS((void)tx.send(1, 1), "split_sender::send: features[7] is NaN", ok::invalid_argument);
    CHECK(tx.link().last.empty());
    tx.extractor().poison = false;
    tx.link().refuse = true;
    CHECK_FALSE(tx.send(1, 1).sent);
    ok::split_options bad;
    bad.bits = 0;
    CHECK_THROWS_AS(sender_t(random_extractor{}, capture_link{}, bad), ok::invalid_argument);
    bad.bits = 8;
    bad.quantize_rate = 0.0;
    CHECK_THROWS_AS(sender_t(random_extractor{}, capture_link{}, bad), ok::invalid_argument);
    bad.quantize_rate = 1e9;
    bad.quantizer = ok::quantize_options{ok::channel_layout::hwc, 64};  // 3136 = 49 x 64: fine
    CHECK_NOTHROW(sender_t(random_extractor{}, capture_link{}, bad));
    bad.quantizer = ok::quantize_options{ok::channel_layout::hwc, 100};  // does not divide 3136
    CHECK_THROWS_AS(sender_t(random_extractor{}, capture_link{}, bad), ok::invalid_argument);
}

TEST_CASE("split path: encode_split_message writes what split_sender sends; a short buffer is refused") {
    for (const auto mode : {ok::compression_mode::always, ok::compression_mode::never}) {
        ok::split_options o;
        o.mode = mode;
        sender_t tx(random_extractor{}, capture_link{}, o);
        (void)tx.send(9, 4242);
        std::vector<std::byte> out(ok::split_message_capacity(3136, o.bits));
        const std::size_t n = ok::encode_split_message(tx.features(), mode == ok::compression_mode::always, o.bits,
                                                       4242, out);
        REQUIRE(n == tx.link().last.size());
        CHECK(std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), tx.link().last.begin()));
    }
    std::vector<float> f(100, 1.0F);
    std::vector<std::byte> small(ok::split_header_size + 399);
    CHECK_THROWS_AS((void)ok::encode_split_message(f, false, 8, 1, small), ok::invalid_argument);
    f[3] = std::numeric_limits<float>::infinity();
    std::vector<std::byte> big(ok::split_message_capacity(100, 8));
    CHECK_THROWS_AS((void)ok::encode_split_message(f, false, 8, 1, big), ok::invalid_argument);
}
