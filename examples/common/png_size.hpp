#ifndef OFFLOADKIT_EXAMPLES_COMMON_PNG_SIZE_HPP
#define OFFLOADKIT_EXAMPLES_COMMON_PNG_SIZE_HPP

/**
 * @file
 * @brief A small, dependency-free PNG encoder used to size the trace's frames: PNG row filtering
 *        (ISO/IEC 15948 §9) and Huffman-only deflate (RFC 1951 dynamic blocks, no LZ77 matches —
 *        the stream zlib writes with strategy Z_HUFFMAN_ONLY).
 *
 * CBO §V-A offloads frames "in the lossless PNG format". The generator needs the byte size of
 * every frame at every resolution; png_size() computes exactly the size of the file png_encode()
 * writes, without writing it (the bit count of every block is a sum of frequency x code length).
 * The streams are valid deflate: the tests inflate them with the system's gzip.
 *
 * Choices (each a standard PNG-encoder choice, written here from the specifications):
 *  - filter per row by libpng's heuristic: the filter type (0..4) whose output bytes, read as
 *    signed, have the least sum of absolute values; ties go to the lower type;
 *  - deflate blocks of at most 16384 input bytes (zlib's default symbol buffer), each a dynamic
 *    Huffman block with code lengths <= 15 (lengths from an exact Huffman construction; if that
 *    exceeds the limit, frequencies are halved, rounding up, until it fits);
 *  - one IDAT chunk, 8-bit samples, no interlace, no ancillary chunks.
 * Everything is integer arithmetic: sizes are identical on every platform.
 */

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include <offloadkit/error.hpp>

namespace offloadkit::examples {

/// The Paeth predictor of the PNG specification (§9.4): the neighbour closest to a + b - c.
[[nodiscard]] constexpr int paeth_predictor(int a, int b, int c) noexcept {
    const int p = a + b - c;
    const int pa = p > a ? p - a : a - p;
    const int pb = p > b ? p - b : b - p;
    const int pc = p > c ? p - c : c - p;
    if (pa <= pb && pa <= pc) {
        return a;
    }
    return pb <= pc ? b : c;
}

namespace detail_png {

/// Predictor of PNG filter type F (0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth) from the left (a),
/// upper (b) and upper-left (c) samples. Branch-free so that the row loops vectorise.
template <int F>
[[nodiscard]] constexpr int predict(int a, int b, int c) noexcept {
    if constexpr (F == 0) {
        return 0;
    } else if constexpr (F == 1) {
        return a;
    } else if constexpr (F == 2) {
        return b;
    } else if constexpr (F == 3) {
        return (a + b) >> 1;
    } else {
        const int p = a + b - c;
        const int pa = p > a ? p - a : a - p;
        const int pb = p > b ? p - b : b - p;
        const int pc = p > c ? p - c : c - p;
        const int bc = pb <= pc ? b : c;
        return (pa <= pb && pa <= pc) ? a : bc;
    }
}

/// Sum over the row of |filtered byte read as signed| for filter F (row: cur, prev: the row above
/// or zeros, bpp: bytes per pixel).
// Kept out of line: GCC 12 vectorises these loops as separate functions but not always once they
// are inlined into a large caller (measured: 5x slower). Integer code, so the result is the same.
#if defined(__GNUC__)
#define OFFLOADKIT_EXAMPLES_NOINLINE __attribute__((noinline))
#else
#define OFFLOADKIT_EXAMPLES_NOINLINE
#endif

template <int F>
[[nodiscard]] OFFLOADKIT_EXAMPLES_NOINLINE std::uint64_t filter_cost(const std::uint8_t* cur, const std::uint8_t* prev, std::size_t n,
                                        std::size_t bpp) noexcept {
    std::uint32_t cost = 0;  // <= 128 * n: no overflow for rows below 2^24 bytes
    const std::size_t head = std::min(bpp, n);
    for (std::size_t x = 0; x < head; ++x) {  // first pixel: no left neighbours
        const unsigned v = static_cast<std::uint8_t>(cur[x] - predict<F>(0, prev[x], 0));
        cost += v < 128U ? v : 256U - v;
    }
    for (std::size_t x = head; x < n; ++x) {
        const unsigned v = static_cast<std::uint8_t>(cur[x] - predict<F>(cur[x - bpp], prev[x], prev[x - bpp]));
        cost += v < 128U ? v : 256U - v;
    }
    return cost;
}

template <int F>
OFFLOADKIT_EXAMPLES_NOINLINE void filter_row(const std::uint8_t* cur, const std::uint8_t* prev, std::size_t n, std::size_t bpp,
                std::uint8_t* out) noexcept {
    const std::size_t head = std::min(bpp, n);
    for (std::size_t x = 0; x < head; ++x) {
        out[x] = static_cast<std::uint8_t>(cur[x] - predict<F>(0, prev[x], 0));
    }
    for (std::size_t x = head; x < n; ++x) {
        out[x] = static_cast<std::uint8_t>(cur[x] - predict<F>(cur[x - bpp], prev[x], prev[x - bpp]));
    }
}

}  // namespace detail_png

/**
 * @brief PNG-filters an 8-bit image: each of the `height` rows becomes one filter-type byte
 *        followed by width*channels filtered bytes (filter chosen by least sum of |signed byte|,
 *        ties to the lower type; PNG §9.2-9.4, libpng's heuristic).
 * @param pixels height*width*channels samples, row-major, channels interleaved.
 * @param out receives (1 + width*channels) * height bytes (resized; reuse it to avoid allocation).
 * @throws offloadkit::invalid_argument for a zero dimension, channels > 4 or a size mismatch.
 * Complexity O(6 * pixels): five cost passes and one output pass per row.
 */
inline void png_filter(std::span<const std::uint8_t> pixels, std::size_t width, std::size_t height,
                       std::size_t channels, std::vector<std::uint8_t>& out) {
    constexpr const char* fn = "png_filter";
    detail::require(width > 0 && height > 0 && channels >= 1 && channels <= 4, fn, "image ", width, "x", height,
                    "x", channels, ", expected non-zero sizes and 1..4 channels");
    const std::size_t stride = width * channels;
    detail::require_same_size(pixels.size(), stride * height, fn, "pixels", "width*height*channels");
    out.resize((stride + 1) * height);
    const std::vector<std::uint8_t> zeros(stride, 0);
    using namespace detail_png;
    for (std::size_t y = 0; y < height; ++y) {
        const std::uint8_t* cur = pixels.data() + y * stride;
        const std::uint8_t* prev = y > 0 ? cur - stride : zeros.data();
        const std::uint64_t cost[5] = {filter_cost<0>(cur, prev, stride, channels),
                                       filter_cost<1>(cur, prev, stride, channels),
                                       filter_cost<2>(cur, prev, stride, channels),
                                       filter_cost<3>(cur, prev, stride, channels),
                                       filter_cost<4>(cur, prev, stride, channels)};
        int best = 0;
        for (int f = 1; f < 5; ++f) {
            if (cost[f] < cost[best]) {
                best = f;
            }
        }
        std::uint8_t* dst = out.data() + y * (stride + 1);
        dst[0] = static_cast<std::uint8_t>(best);
        switch (best) {
            case 0: filter_row<0>(cur, prev, stride, channels, dst + 1); break;
            case 1: filter_row<1>(cur, prev, stride, channels, dst + 1); break;
            case 2: filter_row<2>(cur, prev, stride, channels, dst + 1); break;
            case 3: filter_row<3>(cur, prev, stride, channels, dst + 1); break;
            default: filter_row<4>(cur, prev, stride, channels, dst + 1); break;
        }
    }
}

/**
 * @brief Code lengths of a Huffman code for `freq`, each <= `limit` (RFC 1951 needs 15 for
 *        literals, 7 for the code-length alphabet).
 *
 * Exact Huffman construction (two-queue merge over symbols sorted by (frequency, symbol); on equal
 * weights the leaf is taken first). If the longest code exceeds `limit`, every non-zero frequency
 * is halved (rounding up) and the code rebuilt, until it fits. Unused symbols get length 0; a
 * single used symbol gets length 1 and so does the lowest unused one (inflaters reject a
 * one-code tree for literals).
 * @param freq symbol frequencies. @param lengths receives one length per symbol.
 * @throws offloadkit::invalid_argument if sizes differ, or 2^limit < number of symbols.
 * Complexity O(n log n) per round; at most ~32 rounds.
 */
inline void huffman_code_lengths(std::span<const std::uint64_t> freq, unsigned limit, std::span<std::uint8_t> lengths) {
    constexpr const char* fn = "huffman_code_lengths";
    const std::size_t n = freq.size();
    detail::require_same_size(lengths.size(), n, fn, "lengths", "freq");
    detail::require(n >= 2 && limit >= 1 && limit < 32 && (std::size_t{1} << limit) >= n, fn, "limit ", limit,
                    " cannot code ", n, " symbols");
    std::vector<std::uint64_t> f(freq.begin(), freq.end());
    std::vector<std::size_t> sym;
    for (std::size_t s = 0; s < n; ++s) {
        if (f[s] > 0) {
            sym.push_back(s);
        }
    }
    std::fill(lengths.begin(), lengths.end(), std::uint8_t{0});
    if (sym.empty()) {
        return;
    }
    if (sym.size() == 1) {
        lengths[sym[0]] = 1;
        lengths[sym[0] == 0 ? 1 : 0] = 1;
        return;
    }
    const std::size_t m = sym.size();
    std::vector<std::uint64_t> weight(2 * m - 1);
    std::vector<std::size_t> parent(2 * m - 1);
    std::vector<std::uint32_t> depth(2 * m - 1);
    while (true) {
        std::vector<std::size_t> order = sym;
        std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return f[x] < f[y]; });
        for (std::size_t i = 0; i < m; ++i) {
            weight[i] = f[order[i]];
        }
        std::size_t leaf = 0;
        std::size_t inner = m;  // next internal node to consume
        std::size_t next = m;   // next internal node to create
        const auto take = [&]() {
            if (leaf < m && (inner >= next || weight[leaf] <= weight[inner])) {
                return leaf++;
            }
            return inner++;
        };
        while (next < 2 * m - 1) {
            const std::size_t x = take();
            const std::size_t y = take();
            weight[next] = weight[x] + weight[y];
            parent[x] = next;
            parent[y] = next;
            ++next;
        }
        depth[2 * m - 2] = 0;
        std::uint32_t longest = 0;
        for (std::size_t k = 2 * m - 1; k-- > 0;) {
            if (k != 2 * m - 2) {
                depth[k] = depth[parent[k]] + 1;
            }
            if (k < m) {
                longest = std::max(longest, depth[k]);
            }
        }
        if (longest <= limit) {
            for (std::size_t i = 0; i < m; ++i) {
                lengths[order[i]] = static_cast<std::uint8_t>(depth[i]);
            }
            return;
        }
        for (const auto s : sym) {
            f[s] = (f[s] + 1) / 2;
        }
    }
}

/// A bit sink that only counts (for png_size()).
struct bit_counter {
    std::uint64_t bits = 0;
    void put(std::uint32_t /*value*/, unsigned n) noexcept { bits += n; }
};

/// A bit sink that writes deflate's LSB-first bit order into a byte vector.
struct bit_writer {
    std::vector<std::uint8_t> bytes;
    std::uint64_t acc = 0;
    unsigned used = 0;
    void put(std::uint32_t value, unsigned n) {
        acc |= static_cast<std::uint64_t>(value) << used;
        used += n;
        while (used >= 8) {
            bytes.push_back(static_cast<std::uint8_t>(acc & 0xFFU));
            acc >>= 8;
            used -= 8;
        }
    }
    /// Pads the last byte with zero bits.
    void flush() {
        if (used > 0) {
            bytes.push_back(static_cast<std::uint8_t>(acc & 0xFFU));
            acc = 0;
            used = 0;
        }
    }
};

namespace detail_png {

/// Canonical Huffman codes from lengths (RFC 1951 §3.2.2), bit-reversed for LSB-first output.
inline void canonical_codes(std::span<const std::uint8_t> len, std::span<std::uint32_t> code) {
    std::array<std::uint32_t, 17> count{};
    for (const auto l : len) {
        ++count[l];
    }
    count[0] = 0;
    std::array<std::uint32_t, 17> next{};
    std::uint32_t c = 0;
    for (std::size_t bits = 1; bits <= 16; ++bits) {
        c = (c + count[bits - 1]) << 1;
        next[bits] = c;
    }
    for (std::size_t s = 0; s < len.size(); ++s) {
        const unsigned l = len[s];
        if (l == 0) {
            code[s] = 0;
            continue;
        }
        std::uint32_t v = next[l]++;
        std::uint32_t r = 0;
        for (unsigned k = 0; k < l; ++k) {
            r = (r << 1) | (v & 1U);
            v >>= 1;
        }
        code[s] = r;
    }
}

/// One code-length-alphabet symbol (0..18) and its extra bits.
struct cl_symbol {
    std::uint8_t sym;
    std::uint8_t extra;
};

/// Run-length codes a sequence of code lengths with symbols 16 (repeat previous 3-6 times),
/// 17 (3-10 zeros) and 18 (11-138 zeros), RFC 1951 §3.2.7.
inline void run_length_code(std::span<const std::uint8_t> lens, std::vector<cl_symbol>& out) {
    out.clear();
    std::size_t i = 0;
    while (i < lens.size()) {
        const std::uint8_t v = lens[i];
        std::size_t run = 1;
        while (i + run < lens.size() && lens[i + run] == v) {
            ++run;
        }
        i += run;
        if (v == 0) {
            while (run >= 11) {
                const std::size_t k = std::min<std::size_t>(run, 138);
                out.push_back({18, static_cast<std::uint8_t>(k - 11)});
                run -= k;
            }
            if (run >= 3) {
                out.push_back({17, static_cast<std::uint8_t>(run - 3)});
                run = 0;
            }
        } else {
            out.push_back({v, 0});
            --run;
            while (run >= 3) {
                const std::size_t k = std::min<std::size_t>(run, 6);
                out.push_back({16, static_cast<std::uint8_t>(k - 3)});
                run -= k;
            }
        }
        for (; run > 0; --run) {
            out.push_back({v, 0});
        }
    }
}

inline constexpr std::array<std::uint8_t, 19> cl_order{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
inline constexpr std::array<std::uint8_t, 19> cl_extra_bits{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7};

}  // namespace detail_png

/// Deflate block size (input bytes per dynamic Huffman block), as zlib's default buffer.
inline constexpr std::size_t deflate_block_bytes = 16384;

/**
 * @brief Huffman-only deflate (RFC 1951): the data as literals in dynamic-Huffman blocks of at
 *        most deflate_block_bytes, the last one final. Writes into `sink` (bit_counter or bit_writer).
 *
 * Per block: 3 header bits, HLIT = 257 (no length codes are used), HDIST = 1 with a zero-length
 * distance code (RFC 1951: "one distance code of zero bits means that there are no distance
 * codes used at all"), the code-length code, the run-length-coded lengths, the literals, EOB.
 * Complexity O(data.size()) plus O(257 log 257) per block.
 */
template <class Sink>
void deflate_huffman_only(std::span<const std::uint8_t> data, Sink& sink) {
    constexpr bool counting = std::is_same_v<Sink, bit_counter>;
    std::array<std::uint64_t, 257> freq{};
    std::array<std::uint8_t, 258> lens{};  // 257 literal/length lengths, then 1 distance length (0)
    std::array<std::uint32_t, 257> codes{};
    std::array<std::uint64_t, 19> cl_freq{};
    std::array<std::uint8_t, 19> cl_len{};
    std::array<std::uint32_t, 19> cl_code{};
    std::vector<detail_png::cl_symbol> rle;
    rle.reserve(258);
    std::size_t pos = 0;
    do {
        const std::size_t end = std::min(data.size(), pos + deflate_block_bytes);
        freq.fill(0);
        for (std::size_t i = pos; i < end; ++i) {
            ++freq[data[i]];
        }
        freq[256] = 1;  // end of block
        huffman_code_lengths(freq, 15, std::span<std::uint8_t>(lens.data(), 257));
        lens[257] = 0;
        detail_png::run_length_code(lens, rle);
        cl_freq.fill(0);
        for (const auto& s : rle) {
            ++cl_freq[s.sym];
        }
        huffman_code_lengths(cl_freq, 7, cl_len);
        std::size_t hclen = 19;
        while (hclen > 4 && cl_len[detail_png::cl_order[hclen - 1]] == 0) {
            --hclen;
        }
        sink.put(end == data.size() ? 1U : 0U, 1);  // BFINAL
        sink.put(2U, 2);                             // BTYPE = 10: dynamic Huffman
        sink.put(0U, 5);                             // HLIT - 257
        sink.put(0U, 5);                             // HDIST - 1
        sink.put(static_cast<std::uint32_t>(hclen - 4), 4);
        for (std::size_t k = 0; k < hclen; ++k) {
            sink.put(cl_len[detail_png::cl_order[k]], 3);
        }
        if constexpr (counting) {
            for (const auto& s : rle) {
                sink.put(0, cl_len[s.sym] + detail_png::cl_extra_bits[s.sym]);
            }
            std::uint64_t bits = 0;
            for (std::size_t s = 0; s < 257; ++s) {
                bits += freq[s] * lens[s];
            }
            sink.bits += bits;
        } else {
            detail_png::canonical_codes(cl_len, cl_code);
            detail_png::canonical_codes(std::span<const std::uint8_t>(lens.data(), 257), codes);
            for (const auto& s : rle) {
                sink.put(cl_code[s.sym], cl_len[s.sym]);
                if (detail_png::cl_extra_bits[s.sym] > 0) {
                    sink.put(s.extra, detail_png::cl_extra_bits[s.sym]);
                }
            }
            for (std::size_t i = pos; i < end; ++i) {
                sink.put(codes[data[i]], lens[data[i]]);
            }
            sink.put(codes[256], lens[256]);
        }
        pos = end;
    } while (pos < data.size());
}

/// Bytes of a PNG file around the deflate stream: signature 8, IHDR 25, IDAT chunk header and
/// CRC 12, zlib header 2 and Adler-32 4, IEND 12.
inline constexpr std::size_t png_overhead_bytes = 8 + 25 + 12 + 2 + 4 + 12;

/**
 * @brief Size in bytes of the PNG file png_encode() writes for this image, without writing it.
 * @param filtered scratch buffer (reused between calls to avoid allocation).
 * @throws offloadkit::invalid_argument as png_filter().
 * Complexity O(pixels).
 */
[[nodiscard]] inline std::size_t png_size(std::span<const std::uint8_t> pixels, std::size_t width, std::size_t height,
                                          std::size_t channels, std::vector<std::uint8_t>& filtered) {
    png_filter(pixels, width, height, channels, filtered);
    bit_counter counter;
    deflate_huffman_only(std::span<const std::uint8_t>(filtered), counter);
    return png_overhead_bytes + static_cast<std::size_t>((counter.bits + 7) / 8);
}

/// CRC-32 (ISO 3309 / ITU-T V.42, polynomial 0xEDB88320 reflected), as PNG chunks and gzip use.
[[nodiscard]] inline std::uint32_t crc32(std::span<const std::uint8_t> data, std::uint32_t crc = 0) noexcept {
    crc = ~crc;
    for (const auto byte : data) {
        crc ^= byte;
        for (int k = 0; k < 8; ++k) {
            crc = (crc >> 1) ^ (0xEDB88320U & (0U - (crc & 1U)));
        }
    }
    return ~crc;
}

/// Adler-32 (RFC 1950), the zlib stream checksum.
[[nodiscard]] inline std::uint32_t adler32(std::span<const std::uint8_t> data) noexcept {
    std::uint32_t a = 1;
    std::uint32_t b = 0;
    for (const auto byte : data) {
        a = (a + byte) % 65521U;
        b = (b + a) % 65521U;
    }
    return (b << 16) | a;
}

/**
 * @brief Encodes an 8-bit grey (1), grey+alpha (2), RGB (3) or RGBA (4) image as a PNG file
 *        (png_filter() + deflate_huffman_only() in a zlib stream in one IDAT chunk).
 * @return the file bytes; their count equals png_size() for the same image.
 * @throws offloadkit::invalid_argument as png_filter().
 */
[[nodiscard]] inline std::vector<std::uint8_t> png_encode(std::span<const std::uint8_t> pixels, std::size_t width,
                                                          std::size_t height, std::size_t channels) {
    std::vector<std::uint8_t> filtered;
    png_filter(pixels, width, height, channels, filtered);
    bit_writer w;
    deflate_huffman_only(std::span<const std::uint8_t>(filtered), w);
    w.flush();
    std::vector<std::uint8_t> out{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    const auto be32 = [](std::vector<std::uint8_t>& v, std::uint32_t x) {
        for (int s = 24; s >= 0; s -= 8) {
            v.push_back(static_cast<std::uint8_t>((x >> s) & 0xFFU));
        }
    };
    const auto chunk = [&](const char* type, const std::vector<std::uint8_t>& body) {
        be32(out, static_cast<std::uint32_t>(body.size()));
        std::vector<std::uint8_t> typed(type, type + 4);
        typed.insert(typed.end(), body.begin(), body.end());
        out.insert(out.end(), typed.begin(), typed.end());
        be32(out, crc32(typed));
    };
    constexpr std::uint8_t colour_type[5] = {0, 0, 4, 2, 6};
    std::vector<std::uint8_t> ihdr;
    be32(ihdr, static_cast<std::uint32_t>(width));
    be32(ihdr, static_cast<std::uint32_t>(height));
    ihdr.insert(ihdr.end(), {8, colour_type[channels], 0, 0, 0});
    chunk("IHDR", ihdr);
    std::vector<std::uint8_t> idat{0x78, 0x01};  // zlib: deflate, 32K window, FLEVEL 0, check bits
    idat.insert(idat.end(), w.bytes.begin(), w.bytes.end());
    be32(idat, adler32(filtered));
    chunk("IDAT", idat);
    chunk("IEND", {});
    return out;
}

}  // namespace offloadkit::examples

#endif  // OFFLOADKIT_EXAMPLES_COMMON_PNG_SIZE_HPP
