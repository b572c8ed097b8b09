// Feature-compression metrics of AMVP (eq. 3-5) and the Fig. 12 decision, worked by hand.
#include <offloadkit/metrics/compression.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

namespace ok = offloadkit;

TEST_CASE("compression_rate: eq. 3, and for AMVP's 50 KB feature at 8 bits") {
    CHECK(ok::compression_rate(25.0, 100.0) == doctest::Approx(0.25));
    std::vector<float> feature(14 * 14 * 64, 0.0F);
    feature[5] = 1.0F;
    const auto qt = ok::quantize(feature, 8);
    // 20-byte header + 8 bytes of range + 12544 code bytes over 50176 feature bytes
    CHECK(ok::compression_rate(qt) == doctest::Approx(12572.0 / 50176.0));
    const auto q4 = ok::quantize(feature, 4);
    CHECK(ok::compression_rate(q4) == doctest::Approx((28.0 + 6272.0) / 50176.0));
    CHECK_THROWS_AS((void)ok::compression_rate(1.0, 0.0), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::compression_rate(-1.0, 10.0), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::compression_rate(ok::quantized_tensor{}), ok::invalid_argument);
}

TEST_CASE("fidelity: eq. 4 on one-hot rows and on class indices") {
    // N = 4 samples, K = 3 classes; sample 2 changed class 1 -> 0: Hamming 2 -> 1 - 2/8
    const std::vector<std::uint8_t> og{1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1};
    const std::vector<std::uint8_t> cp{1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1};
    CHECK(ok::fidelity(og, cp, 3) == doctest::Approx(0.75));
    CHECK(ok::fidelity(og, og, 3) == 1.0);
    const std::vector<std::size_t> a{0, 2, 1, 2};
    const std::vector<std::size_t> b{0, 2, 0, 2};
    CHECK(ok::fidelity(a, b) == doctest::Approx(0.75));
    CHECK_THROWS_AS((void)ok::fidelity(og, std::vector<std::uint8_t>(9), 3), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::fidelity(og, cp, 5), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::fidelity(og, cp, 0), ok::invalid_argument);
    auto two_ones = cp;
    two_ones[1] = 1;
    CHECK_THROWS_WITH_AS((void)ok::fidelity(og, two_ones, 3), "fidelity: compressed_onehot row 0 has 2 ones, expected 1",
                         ok::invalid_argument);
    auto not_binary = cp;
    not_binary[4] = 2;
    CHECK_THROWS_AS((void)ok::fidelity(og, not_binary, 3), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::fidelity(std::vector<std::size_t>{}, std::vector<std::size_t>{}), ok::invalid_argument);
}

TEST_CASE("compression_benefit and decide_compression: Fig. 12, worked by hand") {
    CHECK(ok::compression_benefit(0.020, 0.004, 0.005, 0.003) == doctest::Approx(0.008));
    CHECK_THROWS_AS((void)ok::compression_benefit(-1.0, 0.0, 0.0, 0.0), ok::invalid_argument);

    // 50 KB feature, 8 bits: 12572 wire bytes. (De)quantizing at 10 MB/s costs 5.0176 ms each.
    const double rate = 10.0e6;
    // 20 Mbps = 2.5e6 B/s: OTR 20.0704 ms, TR 5.0288 ms, CPB = 20.0704 - 15.064 = 5.0064 ms > 0
    const auto low = ok::decide_compression(50176, 8, 20e6 / 8, rate, rate);
    CHECK(low.compressed_bytes == 12572);
    CHECK(low.original_transfer == doctest::Approx(0.0200704));
    CHECK(low.compressed_transfer == doctest::Approx(0.0050288));
    CHECK(low.quantize_time == doctest::Approx(0.0050176));
    CHECK(low.benefit == doctest::Approx(0.0200704 - (0.0050176 + 0.0050288 + 0.0050176)));
    CHECK(low.compress);
    // 80 Mbps = 1e7 B/s: OTR 5.0176 ms < QT + TR + DQ = 11.29 ms: send the original
    const auto high = ok::decide_compression(50176, 8, 80e6 / 8, rate, rate);
    CHECK(high.benefit == doctest::Approx(0.0050176 - (0.0050176 + 0.0012572 + 0.0050176)));
    CHECK_FALSE(high.compress);
    // Fig. 12b: at 30 Mbps the benefit grows with the feature size
    double last = -1.0;
    for (const std::size_t kb : {50, 100, 200, 400}) {
        const auto d = ok::decide_compression(kb * 1024, 8, 30e6 / 8, 40e6, 40e6);
        CHECK(d.benefit > last);
        last = d.benefit;
    }
    CHECK_THROWS_AS((void)ok::decide_compression(50175, 8, 1e6, rate, rate), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::decide_compression(50176, 0, 1e6, rate, rate), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::decide_compression(50176, 8, 0.0, rate, rate), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::decide_compression(50176, 8, 1e6, rate, -1.0), ok::invalid_argument);
}
