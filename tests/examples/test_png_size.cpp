// examples/common/png_size.hpp: PNG filtering against a literal transcription of the PNG
// specification (and its inverse), Huffman lengths against an independent heap construction,
// the deflate streams against the system's gzip (an outside inflater), and the checksums against
// their published check values.
#include "../../examples/common/png_size.hpp"

#include "../../examples/common/idx.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <queue>
#include <string>
#include <vector>

#include <unistd.h>

#include <offloadkit/detail/random.hpp>
#include <offloadkit/error.hpp>

namespace okx = offloadkit::examples;

namespace {

/// PNG §9.4 Paeth predictor, transcribed from the specification's pseudo-code.
int paeth_spec(int a, int b, int c) {
    const int p = a + b - c;
    const int pa = std::abs(p - a);
    const int pb = std::abs(p - b);
    const int pc = std::abs(p - c);
    if (pa <= pb && pa <= pc) {
        return a;
    }
    if (pb <= pc) {
        return b;
    }
    return c;
}

/// Reference filter: per byte, per type, straight from PNG §9.2 (Filt(x) = Orig(x) - predictor).
std::vector<std::uint8_t> filter_reference(const std::vector<std::uint8_t>& px, std::size_t w, std::size_t h,
                                           std::size_t ch) {
    const std::size_t stride = w * ch;
    std::vector<std::uint8_t> out;
    for (std::size_t y = 0; y < h; ++y) {
        std::vector<std::vector<std::uint8_t>> rows(5, std::vector<std::uint8_t>(stride));
        std::vector<long> cost(5, 0);
        for (std::size_t x = 0; x < stride; ++x) {
            const int orig = px[y * stride + x];
            const int a = x >= ch ? px[y * stride + x - ch] : 0;
            const int b = y > 0 ? px[(y - 1) * stride + x] : 0;
            const int c = (x >= ch && y > 0) ? px[(y - 1) * stride + x - ch] : 0;
            const int pred[5] = {0, a, b, (a + b) / 2, paeth_spec(a, b, c)};
            for (int f = 0; f < 5; ++f) {
                const int v = ((orig - pred[f]) % 256 + 256) % 256;
                rows[f][x] = static_cast<std::uint8_t>(v);
                cost[f] += v < 128 ? v : 256 - v;
            }
        }
        int best = 0;
        for (int f = 1; f < 5; ++f) {
            if (cost[f] < cost[best]) {
                best = f;
            }
        }
        out.push_back(static_cast<std::uint8_t>(best));
        out.insert(out.end(), rows[best].begin(), rows[best].end());
    }
    return out;
}

/// Inverse of PNG filtering (a decoder's reconstruction, PNG §9.2).
std::vector<std::uint8_t> unfilter(const std::vector<std::uint8_t>& f, std::size_t w, std::size_t h, std::size_t ch) {
    const std::size_t stride = w * ch;
    std::vector<std::uint8_t> px(stride * h);
    for (std::size_t y = 0; y < h; ++y) {
        const int type = f[y * (stride + 1)];
        for (std::size_t x = 0; x < stride; ++x) {
            const int a = x >= ch ? px[y * stride + x - ch] : 0;
            const int b = y > 0 ? px[(y - 1) * stride + x] : 0;
            const int c = (x >= ch && y > 0) ? px[(y - 1) * stride + x - ch] : 0;
            const int pred[5] = {0, a, b, (a + b) / 2, paeth_spec(a, b, c)};
            px[y * stride + x] = static_cast<std::uint8_t>((f[y * (stride + 1) + 1 + x] + pred[type]) & 0xFF);
        }
    }
    return px;
}

/// Cost sum(f * len) of an optimal (unlimited) Huffman code: the sum of all merged weights.
std::uint64_t huffman_cost_heap(const std::vector<std::uint64_t>& freq) {
    std::priority_queue<std::uint64_t, std::vector<std::uint64_t>, std::greater<>> q;
    for (const auto f : freq) {
        if (f > 0) {
            q.push(f);
        }
    }
    std::uint64_t cost = 0;
    while (q.size() > 1) {
        const auto a = q.top();
        q.pop();
        const auto b = q.top();
        q.pop();
        cost += a + b;
        q.push(a + b);
    }
    return cost;
}

/// Kraft sum of the code lengths, times 2^limit (== 2^limit for a complete prefix code).
std::uint64_t kraft_scaled(const std::vector<std::uint8_t>& len, unsigned limit) {
    std::uint64_t s = 0;
    for (const auto l : len) {
        if (l > 0) {
            s += std::uint64_t{1} << (limit - l);
        }
    }
    return s;
}

/// Inflates a raw deflate stream with the system's gzip (wrapped in a gzip member, RFC 1952).
std::vector<std::uint8_t> inflate_with_gzip(const std::vector<std::uint8_t>& deflate,
                                            const std::vector<std::uint8_t>& original) {
    std::vector<std::uint8_t> member{0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3};
    member.insert(member.end(), deflate.begin(), deflate.end());
    const std::uint32_t crc = okx::crc32(original);
    const auto isize = static_cast<std::uint32_t>(original.size());
    for (int s = 0; s < 32; s += 8) {
        member.push_back(static_cast<std::uint8_t>((crc >> s) & 0xFFU));
    }
    for (int s = 0; s < 32; s += 8) {
        member.push_back(static_cast<std::uint8_t>((isize >> s) & 0xFFU));
    }
    char path[] = "/tmp/offloadkit-test-png-XXXXXX";
    const int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, member.data(), member.size()) == static_cast<ssize_t>(member.size()));
    ::close(fd);
    std::vector<std::uint8_t> out;
    try {
        out = okx::read_gzip_file(path);
    } catch (...) {
        std::filesystem::remove(path);
        throw;
    }
    std::filesystem::remove(path);
    return out;
}

std::vector<std::uint8_t> random_image(offloadkit::detail::rng& g, std::size_t n, int spread) {
    std::vector<std::uint8_t> v(n);
    int level = 128;
    for (auto& x : v) {
        level = std::clamp(level + static_cast<int>(g.below(static_cast<std::uint64_t>(2 * spread + 1))) - spread, 0, 255);
        x = static_cast<std::uint8_t>(level);
    }
    return v;
}

}  // namespace

TEST_CASE("paeth_predictor equals the specification's pseudo-code") {
    for (int a = 0; a < 256; a += 5) {
        for (int b = 0; b < 256; b += 7) {
            for (int c = 0; c < 256; c += 3) {
                REQUIRE(okx::paeth_predictor(a, b, c) == paeth_spec(a, b, c));
            }
        }
    }
}

TEST_CASE("png_filter equals the reference filter and a decoder reconstructs the image") {
    offloadkit::detail::rng g(11);
    std::vector<std::uint8_t> out;
    for (const std::size_t ch : {1, 2, 3, 4}) {
        for (const std::size_t w : {1, 2, 5, 17, 45}) {
            const std::size_t h = 1 + g.below(9);
            const int spread = static_cast<int>(1 + g.below(40));
            const auto px = random_image(g, w * h * ch, spread);
            okx::png_filter(px, w, h, ch, out);
            CAPTURE(ch);
            CAPTURE(w);
            REQUIRE(out == filter_reference(px, w, h, ch));
            CHECK(unfilter(out, w, h, ch) == px);
        }
    }
}

TEST_CASE("png_filter rejects bad shapes") {
    std::vector<std::uint8_t> out{1, 2, 3};
    const std::vector<std::uint8_t> px(12, 0);
    CHECK_THROWS_AS(okx::png_filter(px, 0, 4, 3, out), offloadkit::invalid_argument);
    CHECK_THROWS_AS(okx::png_filter(px, 2, 2, 5, out), offloadkit::invalid_argument);
    CHECK_THROWS_WITH_AS(okx::png_filter(px, 3, 3, 1, out), doctest::Contains("pixels has size 12, expected 9"),
                         offloadkit::invalid_argument);
    CHECK(out == std::vector<std::uint8_t>{1, 2, 3});
}

TEST_CASE("huffman_code_lengths is optimal when within the limit, complete, and respects the limit") {
    offloadkit::detail::rng g(21);
    for (int t = 0; t < 300; ++t) {
        const std::size_t n = 2 + g.below(60);
        std::vector<std::uint64_t> freq(n);
        for (auto& f : freq) {
            f = g.below(4) == 0 ? 0 : 1 + g.below(1000);
        }
        freq[g.below(n)] = 1 + g.below(50);  // at least one used symbol
        std::vector<std::uint8_t> len(n);
        okx::huffman_code_lengths(freq, 15, len);
        std::size_t used = 0;
        std::uint64_t cost = 0;
        for (std::size_t s = 0; s < n; ++s) {
            used += freq[s] > 0 ? 1 : 0;
            cost += freq[s] * len[s];
        }
        CHECK(kraft_scaled(len, 15) == (std::uint64_t{1} << 15));
        if (used >= 2) {
            for (std::size_t s = 0; s < n; ++s) {
                CHECK((len[s] == 0) == (freq[s] == 0));
            }
            CHECK(cost == huffman_cost_heap(freq));
        }
    }
    // Fibonacci frequencies force depth n-1 without a limit; with it, lengths fit and stay complete.
    std::vector<std::uint64_t> fib{1, 1};
    while (fib.size() < 30) {
        fib.push_back(fib[fib.size() - 1] + fib[fib.size() - 2]);
    }
    for (const unsigned limit : {7U, 15U}) {
        std::vector<std::uint8_t> len(fib.size());
        okx::huffman_code_lengths(fib, limit, len);
        for (const auto l : len) {
            CHECK(l >= 1);
            CHECK(l <= limit);
        }
        CHECK(kraft_scaled(len, limit) == (std::uint64_t{1} << limit));
    }
    // A single used symbol still gets a two-code tree.
    std::vector<std::uint8_t> len(4);
    okx::huffman_code_lengths(std::vector<std::uint64_t>{0, 0, 9, 0}, 15, len);
    CHECK(len == std::vector<std::uint8_t>{1, 0, 1, 0});
    CHECK_THROWS_AS(okx::huffman_code_lengths(std::vector<std::uint64_t>(20, 1), 4, std::span<std::uint8_t>(len)),
                    offloadkit::invalid_argument);
}

TEST_CASE("crc32 and adler32 give the published check values") {
    const std::string s = "123456789";
    const std::vector<std::uint8_t> b(s.begin(), s.end());
    CHECK(okx::crc32(b) == 0xCBF43926U);
    const std::string w = "Wikipedia";
    CHECK(okx::adler32(std::vector<std::uint8_t>(w.begin(), w.end())) == 0x11E60398U);
}

TEST_CASE("Huffman-only deflate streams inflate with gzip, and the counted size is the written size") {
    offloadkit::detail::rng g(31);
    std::vector<std::vector<std::uint8_t>> inputs;
    inputs.push_back({42});                                      // one byte
    inputs.push_back(std::vector<std::uint8_t>(40000, 0));       // one symbol, three blocks
    inputs.push_back(random_image(g, 16384, 3));                 // exactly one full block
    inputs.push_back(random_image(g, 50001, 9));                 // four blocks, the last partial
    std::vector<std::uint8_t> uniform(20000);
    for (auto& x : uniform) {
        x = static_cast<std::uint8_t>(g.below(256));             // all 256 literals
    }
    inputs.push_back(uniform);
    std::vector<std::uint8_t> skewed(30000);
    for (std::size_t i = 0; i < skewed.size(); ++i) {
        // a Fibonacci-like skew: symbol k with probability ~2^-k, forcing the 15-bit limit
        std::size_t k = 0;
        while (k < 40 && g.below(2) == 0) {
            ++k;
        }
        skewed[i] = static_cast<std::uint8_t>(k);
    }
    inputs.push_back(skewed);
    for (const auto& in : inputs) {
        okx::bit_writer w;
        okx::deflate_huffman_only(std::span<const std::uint8_t>(in), w);
        w.flush();
        okx::bit_counter c;
        okx::deflate_huffman_only(std::span<const std::uint8_t>(in), c);
        CAPTURE(in.size());
        CHECK(w.bytes.size() == (c.bits + 7) / 8);
        CHECK(inflate_with_gzip(w.bytes, in) == in);
    }
}

TEST_CASE("png_size equals the size of the file png_encode writes, whose chunks are well formed") {
    offloadkit::detail::rng g(41);
    std::vector<std::uint8_t> scratch;
    for (const std::size_t ch : {1, 3, 4}) {
        const std::size_t w = 13;
        const std::size_t h = 9;
        const auto px = random_image(g, w * h * ch, 6);
        const auto file = okx::png_encode(px, w, h, ch);
        CHECK(file.size() == okx::png_size(px, w, h, ch, scratch));
        REQUIRE(file.size() > 57);
        CHECK(file[0] == 0x89);
        CHECK(file[1] == 'P');
        // IHDR: length 13, "IHDR", width 13, height 9, CRC over type + data
        CHECK(file[11] == 13);
        CHECK(std::string(file.begin() + 12, file.begin() + 16) == "IHDR");
        CHECK(file[19] == 13);
        CHECK(file[23] == 9);
        const std::uint32_t crc = okx::crc32(std::span<const std::uint8_t>(file.data() + 12, 17));
        const std::uint32_t stored = (std::uint32_t{file[29]} << 24) | (std::uint32_t{file[30]} << 16) |
                                     (std::uint32_t{file[31]} << 8) | file[32];
        CHECK(crc == stored);
        // the zlib stream inside IDAT inflates to the filtered rows
        const std::size_t idat_len = (std::size_t{file[33]} << 24) | (std::size_t{file[34]} << 16) |
                                     (std::size_t{file[35]} << 8) | file[36];
        CHECK(std::string(file.begin() + 37, file.begin() + 41) == "IDAT");
        CHECK(((file[41] << 8) | file[42]) % 31 == 0);  // zlib header check bits
        const std::vector<std::uint8_t> deflate(file.begin() + 43, file.begin() + 41 + static_cast<long>(idat_len) - 4);
        std::vector<std::uint8_t> filtered;
        okx::png_filter(px, w, h, ch, filtered);
        CHECK(inflate_with_gzip(deflate, filtered) == filtered);
        CHECK(std::string(file.end() - 8, file.end() - 4) == "IEND");
    }
}
