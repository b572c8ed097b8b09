#ifndef OFFLOADKIT_IO_NPY_HPP
#define OFFLOADKIT_IO_NPY_HPP

/**
 * @file
 * @brief A strict reader of NumPy's `.npy` files and of `.npz` archives of them (what
 *        `np.save` and `np.savez` write), for scores, labels and logits kept as arrays instead of CSV.
 *
 * `.npy` (NumPy's format, versions 1.0, 2.0 and 3.0): the magic bytes `\x93NUMPY`, a version, a
 * little-endian header length (2 bytes in 1.0, 4 bytes after), a header that is a Python dict
 * literal with exactly the keys `descr`, `fortran_order` and `shape`, then the raw elements.
 * Understood, and therefore read:
 *  - `descr`: a boolean (`|b1`), signed or unsigned integer of 1, 2, 4 or 8 bytes (`i1`..`i8`,
 *    `u1`..`u8`), or an IEEE float of 4 or 8 bytes (`f4`, `f8`), each little-endian (`<`) or
 *    big-endian (`>`); one-byte types may also say `|` (no byte order);
 *  - `fortran_order`: `True` or `False` (Fortran-ordered arrays are reordered to C order);
 *  - `shape`: a tuple of non-negative integers (`()` is a scalar: one element).
 * Everything else is an error, never a guess: structured, string, object (pickled), complex,
 * float16, datetime dtypes; native (`=`) byte order; unknown, missing or repeated keys; a header
 * without its closing newline; element bytes missing (truncated file) or left over; a bool byte
 * other than 0 or 1; an integer whose magnitude exceeds 2^53 (not exactly a double).
 *
 * `.npz` (what `np.savez` writes): a ZIP archive of `.npy` members, read through its central
 * directory. Only *stored* members (ZIP method 0, `np.savez`) are read; a deflated member
 * (`np.savez_compressed`) is an error that says to use `np.savez` or separate `.npy` files.
 * Inflate is not implemented because the core target depends on nothing but Eigen and xsimd, and a
 * DEFLATE decoder of our own would be a second large parser of outside bytes for little gain (score
 * and label arrays are small, and `np.savez` is one keyword away). Encrypted members, multi-disk
 * archives and ZIP64 end-of-directory records are errors; every member's CRC-32 is checked.
 *
 * Values are returned as double in C (row-major) order; every rejection is an
 * offloadkit::invalid_argument naming the function (e.g. the tool's flag and file) and the part of
 * the file that is wrong. Fuzzed: tests/fuzz/fuzz_npy.cpp; golden files written by
 * tests/data/npy/make_npy_golden.py with NumPy.
 */

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../error.hpp"

namespace offloadkit::io {

/// The element types a `.npy` file may hold (see the file comment).
enum class npy_dtype { b1, i1, i2, i4, i8, u1, u2, u4, u8, f4, f8 };

/// The dtype's name without byte order, as NumPy writes it after '<', '>' or '|': "b1", "f8", ...
[[nodiscard]] constexpr std::string_view npy_dtype_name(npy_dtype t) noexcept {
    switch (t) {
        case npy_dtype::b1: return "b1";
        case npy_dtype::i1: return "i1";
        case npy_dtype::i2: return "i2";
        case npy_dtype::i4: return "i4";
        case npy_dtype::i8: return "i8";
        case npy_dtype::u1: return "u1";
        case npy_dtype::u2: return "u2";
        case npy_dtype::u4: return "u4";
        case npy_dtype::u8: return "u8";
        case npy_dtype::f4: return "f4";
        case npy_dtype::f8: return "f8";
    }
    return "?";
}

/// True for the boolean and integer dtypes (what a label array must be).
[[nodiscard]] constexpr bool npy_is_integral(npy_dtype t) noexcept { return t != npy_dtype::f4 && t != npy_dtype::f8; }

/// An array read from a `.npy` file: its dtype and shape as stored, its values as doubles in C order.
struct npy_array {
    npy_dtype dtype = npy_dtype::f8;
    std::vector<std::size_t> shape;   ///< empty for a scalar
    std::vector<double> values;       ///< product(shape) values, row-major
    [[nodiscard]] std::size_t size() const noexcept { return values.size(); }
    [[nodiscard]] std::size_t ndim() const noexcept { return shape.size(); }
    friend bool operator==(const npy_array&, const npy_array&) = default;
};

/// The shape as NumPy prints it: "(3,)", "(2, 4)", "()".
template <class = void>
[[nodiscard]] inline std::string npy_shape_text(const std::vector<std::size_t>& shape) {
    std::string s = "(";
    for (std::size_t k = 0; k < shape.size(); ++k) {
        s += (k ? ", " : "") + std::to_string(shape[k]);
    }
    return s + (shape.size() == 1 ? ",)" : ")");
}

namespace detail_npy {

inline constexpr std::string_view magic = "\x93NUMPY";

inline std::uint64_t le(std::span<const std::byte> b, std::size_t at, std::size_t width) noexcept {
    std::uint64_t v = 0;
    for (std::size_t k = 0; k < width; ++k) {
        v |= static_cast<std::uint64_t>(std::to_integer<unsigned>(b[at + k])) << (8 * k);
    }
    return v;
}

/// Cursor over the header dict literal; every method fails with the header's text position.
class header_parser {
public:
    header_parser(std::string_view text, std::string_view fn) : t_(text), fn_(fn) {}

    void skip_spaces() noexcept {
        while (i_ < t_.size() && t_[i_] == ' ') {
            ++i_;
        }
    }
    [[nodiscard]] bool at(char c) noexcept {
        skip_spaces();
        return i_ < t_.size() && t_[i_] == c;
    }
    void expect(char c, std::string_view what) {
        if (!at(c)) {
            error(std::string("expected ") + std::string(what));
        }
        ++i_;
    }
    /// A quoted string without escapes ('...' or "...").
    std::string_view string(std::string_view what) {
        skip_spaces();
        if (i_ >= t_.size() || (t_[i_] != '\'' && t_[i_] != '"')) {
            error("expected " + std::string(what) + " as a quoted string");
        }
        const char q = t_[i_++];
        const std::size_t start = i_;
        while (i_ < t_.size() && t_[i_] != q) {
            if (t_[i_] == '\\') {
                error("escape sequences in strings are not supported");
            }
            ++i_;
        }
        if (i_ >= t_.size()) {
            error("unterminated string");
        }
        return t_.substr(start, i_++ - start);
    }
    bool boolean() {
        skip_spaces();
        for (const auto& [word, value] : {std::pair<std::string_view, bool>{"True", true}, {"False", false}}) {
            if (t_.substr(i_, word.size()) == word) {
                i_ += word.size();
                return value;
            }
        }
        error("'fortran_order' must be True or False");
    }
    std::vector<std::size_t> shape() {
        expect('(', "'shape' as a tuple '('");
        std::vector<std::size_t> dims;
        while (!at(')')) {
            skip_spaces();
            const std::size_t start = i_;
            std::uint64_t v = 0;
            while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') {
                const auto d = static_cast<std::uint64_t>(t_[i_] - '0');
                if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) {
                    error("a 'shape' dimension is too large");
                }
                v = v * 10 + d;
                ++i_;
            }
            if (i_ == start) {
                error("'shape' must hold non-negative integers");
            }
            if (v > std::numeric_limits<std::size_t>::max()) {
                error("a 'shape' dimension is too large");
            }
            dims.push_back(static_cast<std::size_t>(v));
            if (dims.size() > 32) {
                error("'shape' has more than 32 dimensions");
            }
            if (at(',')) {
                ++i_;
            } else if (!at(')')) {
                error("expected ',' or ')' in 'shape'");
            }
        }
        ++i_;
        return dims;
    }
    [[nodiscard]] std::string_view rest() const noexcept { return t_.substr(i_); }
    [[noreturn]] void error(const std::string& what) const {
        detail::fail(fn_, "header: ", what, " (at character ", i_ + 1, " of '", t_, "')");
    }

private:
    std::string_view t_;
    std::string_view fn_;
    std::size_t i_ = 0;
};

struct dtype_info {
    npy_dtype type;
    std::size_t size;
    bool big_endian;
};

template <class = void>
inline dtype_info parse_descr(std::string_view d, std::string_view fn) {
    constexpr std::array<std::pair<std::string_view, npy_dtype>, 11> known{{{"b1", npy_dtype::b1},
                                                                             {"i1", npy_dtype::i1},
                                                                             {"i2", npy_dtype::i2},
                                                                             {"i4", npy_dtype::i4},
                                                                             {"i8", npy_dtype::i8},
                                                                             {"u1", npy_dtype::u1},
                                                                             {"u2", npy_dtype::u2},
                                                                             {"u4", npy_dtype::u4},
                                                                             {"u8", npy_dtype::u8},
                                                                             {"f4", npy_dtype::f4},
                                                                             {"f8", npy_dtype::f8}}};
    const std::string_view supported =
        "expected a bool, integer (i1..i8, u1..u8) or float (f4, f8) dtype with byte order '<', '>' or '|'";
    if (d.size() != 3) {
        detail::fail(fn, "dtype '", d, "' is not supported: ", supported);
    }
    const char order = d[0];
    for (const auto& [name, type] : known) {
        if (d.substr(1) != name) {
            continue;
        }
        const std::size_t size = static_cast<std::size_t>(name[1] - '0');
        if (order == '=') {
            detail::fail(fn, "dtype '", d, "' has native byte order ('='), which a file cannot tell: expected '<' or '>'");
        }
        if (order == '|' && size != 1) {
            detail::fail(fn, "dtype '", d, "' has no byte order ('|') but ", size, "-byte elements: expected '<' or '>'");
        }
        if (order != '<' && order != '>' && order != '|') {
            detail::fail(fn, "dtype '", d, "' is not supported: ", supported);
        }
        return {type, size, order == '>'};
    }
    detail::fail(fn, "dtype '", d, "' is not supported: ", supported);
}

/// Element k (0-based, file order) of `data` as a double; checks bool bytes and 2^53.
template <class = void>
inline double element(std::span<const std::byte> data, std::size_t k, const dtype_info& dt, std::string_view fn) {
    std::array<unsigned char, 8> b{};
    for (std::size_t j = 0; j < dt.size; ++j) {
        const std::size_t src = dt.big_endian ? dt.size - 1 - j : j;  // b[] little-endian
        b[j] = std::to_integer<unsigned char>(data[k * dt.size + src]);
    }
    std::uint64_t u = 0;
    for (std::size_t j = 0; j < dt.size; ++j) {
        u |= static_cast<std::uint64_t>(b[j]) << (8 * j);
    }
    constexpr std::uint64_t exact_limit = std::uint64_t{1} << 53;  // integers up to 2^53 are exact doubles
    switch (dt.type) {
        case npy_dtype::b1:
            if (u > 1) {
                detail::fail(fn, "element ", k, " is a bool byte of value ", u, ", expected 0 or 1");
            }
            return static_cast<double>(u);
        case npy_dtype::u1:
        case npy_dtype::u2:
        case npy_dtype::u4:
        case npy_dtype::u8:
            if (u > exact_limit) {
                detail::fail(fn, "element ", k, " is ", u, ", beyond 2^53: not exactly representable as a double");
            }
            return static_cast<double>(u);
        case npy_dtype::i1:
        case npy_dtype::i2:
        case npy_dtype::i4:
        case npy_dtype::i8: {
            const std::size_t bits = 8 * dt.size;
            std::int64_t v = 0;
            if (bits == 64) {
                std::memcpy(&v, &u, sizeof v);
            } else {
                const std::uint64_t sign = std::uint64_t{1} << (bits - 1);
                v = (u & sign) != 0 ? static_cast<std::int64_t>(u | ~((sign << 1) - 1)) : static_cast<std::int64_t>(u);
            }
            const std::uint64_t magnitude = v < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
            if (magnitude > exact_limit) {
                detail::fail(fn, "element ", k, " is ", static_cast<long long>(v),
                             ", beyond 2^53 in magnitude: not exactly representable as a double");
            }
            return static_cast<double>(v);
        }
        case npy_dtype::f4: {
            const auto w = static_cast<std::uint32_t>(u);
            float f = 0.0f;
            std::memcpy(&f, &w, sizeof f);
            return static_cast<double>(f);
        }
        case npy_dtype::f8: {
            double f = 0.0;
            std::memcpy(&f, &u, sizeof f);
            return f;
        }
    }
    return 0.0;
}

}  // namespace detail_npy

/**
 * @brief Parses the bytes of a `.npy` file (format and what is rejected: the file comment).
 * @param bytes the whole file.
 * @param function the name that prefixes error messages (e.g. "--scores 'p.npy'").
 * @return dtype, shape and the values as doubles in C order.
 * @throws offloadkit::invalid_argument for anything not fully understood, naming the part.
 * O(file size + elements x ndim for a Fortran-ordered array); allocates the result.
 */
template <class = void>
[[nodiscard]] inline npy_array parse_npy(std::span<const std::byte> bytes, std::string_view function = "parse_npy") {
    const std::string_view fn = function;
    const std::size_t n = bytes.size();
    detail::require(n >= 10, fn, "", n, " bytes: too short for a .npy file (at least 10 bytes of preamble)");
    for (std::size_t k = 0; k < detail_npy::magic.size(); ++k) {
        detail::require(std::to_integer<unsigned char>(bytes[k]) == static_cast<unsigned char>(detail_npy::magic[k]),
                        fn, "not a .npy file (the first 6 bytes are not \\x93NUMPY)");
    }
    const unsigned major = std::to_integer<unsigned>(bytes[6]);
    const unsigned minor = std::to_integer<unsigned>(bytes[7]);
    detail::require((major == 1 || major == 2 || major == 3) && minor == 0, fn, "format version ", major, ".", minor,
                    " is not supported (1.0, 2.0 and 3.0 are)");
    const std::size_t len_width = major == 1 ? 2 : 4;
    detail::require(n >= 8 + len_width, fn, "", n, " bytes: the header length is cut off");
    const std::size_t header_len = static_cast<std::size_t>(detail_npy::le(bytes, 8, len_width));
    const std::size_t data_at = 8 + len_width + header_len;
    detail::require(header_len <= n - 8 - len_width, fn, "the header claims ", header_len, " bytes but the file has ",
                    n - 8 - len_width, " after the preamble (truncated?)");
    std::string header(header_len, '\0');
    for (std::size_t k = 0; k < header_len; ++k) {
        const auto c = std::to_integer<unsigned char>(bytes[8 + len_width + k]);
        detail::require((c >= 0x20 && c < 0x7F) || c == '\n', fn, "header byte ", k, " is ", static_cast<unsigned>(c),
                        ", expected printable ASCII");
        header[k] = static_cast<char>(c);
    }
    detail::require(!header.empty() && header.back() == '\n', fn, "the header does not end with a newline");
    header.pop_back();
    detail_npy::header_parser p(header, fn);
    p.expect('{', "'{' at the start of the header dict");
    std::string_view descr;
    bool fortran = false;
    std::vector<std::size_t> shape;
    bool seen[3] = {false, false, false};
    while (!p.at('}')) {
        const std::string_view key = p.string("a key");
        p.expect(':', "':' after a key");
        int which = -1;
        if (key == "descr") {
            which = 0;
            if (p.at('[')) {
                p.error("a structured dtype (a list of fields) is not supported");
            }
            descr = p.string("'descr'");
        } else if (key == "fortran_order") {
            which = 1;
            fortran = p.boolean();
        } else if (key == "shape") {
            which = 2;
            shape = p.shape();
        } else {
            p.error("unknown key '" + std::string(key) + "' (expected descr, fortran_order, shape)");
        }
        if (seen[which]) {
            p.error("key '" + std::string(key) + "' appears twice");
        }
        seen[which] = true;
        if (p.at(',')) {
            p.expect(',', "','");
        } else if (!p.at('}')) {
            p.error("expected ',' or '}' after a value");
        }
    }
    p.expect('}', "'}'");
    p.skip_spaces();
    if (!p.rest().empty()) {
        p.error("text after the header dict");
    }
    detail::require(seen[0] && seen[1] && seen[2], fn, "header: missing key '",
                    !seen[0] ? "descr" : !seen[1] ? "fortran_order" : "shape", "'");
    const detail_npy::dtype_info dt = detail_npy::parse_descr(descr, fn);
    std::size_t count = 1;
    for (const std::size_t d : shape) {
        detail::require(d == 0 || count <= std::numeric_limits<std::size_t>::max() / d, fn, "shape ",
                        npy_shape_text(shape), " has too many elements");
        count *= d;
    }
    const std::size_t have = n - data_at;
    detail::require(count <= have / dt.size, fn, "shape ", npy_shape_text(shape), " of '", descr, "' needs ", count,
                    " elements but the file holds ", have / dt.size, " (truncated)");
    detail::require(have == count * dt.size, fn, "", have - count * dt.size,
                    " bytes after the last element of shape ", npy_shape_text(shape));
    const std::span<const std::byte> data = bytes.subspan(data_at);
    npy_array out;
    out.dtype = dt.type;
    out.shape = shape;
    out.values.resize(count);
    if (!fortran || shape.size() < 2) {
        for (std::size_t k = 0; k < count; ++k) {
            out.values[k] = detail_npy::element(data, k, dt, fn);
        }
        return out;
    }
    // Fortran order: the first index varies fastest in the file; place each at its C offset.
    std::vector<std::size_t> idx(shape.size(), 0);
    std::vector<std::size_t> stride(shape.size(), 1);  // C strides
    for (std::size_t a = shape.size() - 1; a > 0; --a) {
        stride[a - 1] = stride[a] * shape[a];
    }
    for (std::size_t k = 0; k < count; ++k) {
        std::size_t c = 0;
        for (std::size_t a = 0; a < shape.size(); ++a) {
            c += idx[a] * stride[a];
        }
        out.values[c] = detail_npy::element(data, k, dt, fn);
        for (std::size_t a = 0; a < shape.size(); ++a) {
            if (++idx[a] < shape[a]) {
                break;
            }
            idx[a] = 0;
        }
    }
    return out;
}

namespace detail_npy {

/// CRC-32 (ISO-HDLC, the ZIP checksum), bitwise: members are small.
inline std::uint32_t crc32(std::span<const std::byte> data) noexcept {
    std::uint32_t c = 0xFFFFFFFFU;
    for (const std::byte b : data) {
        c ^= std::to_integer<std::uint32_t>(b);
        for (int k = 0; k < 8; ++k) {
            c = (c >> 1) ^ (0xEDB88320U & (0U - (c & 1U)));
        }
    }
    return ~c;
}

}  // namespace detail_npy

/**
 * @brief Parses the bytes of an `.npz` archive (what `np.savez` writes; see the file comment).
 * @param bytes the whole archive.
 * @param function the name that prefixes error messages.
 * @return (name, array) per member in directory order; the name without its `.npy` suffix (the
 *         keyword given to `np.savez`).
 * @throws offloadkit::invalid_argument for a damaged or unsupported archive (deflated, encrypted,
 *         multi-disk, ZIP64 directory, a member that is not `.npy`, a CRC mismatch, a duplicate
 *         name), or as parse_npy() for a member, naming the member.
 * O(archive size); allocates the arrays.
 */
template <class = void>
[[nodiscard]] inline std::vector<std::pair<std::string, npy_array>> parse_npz(std::span<const std::byte> bytes,
                                                                                std::string_view function = "parse_npz") {
    const std::string_view fn = function;
    const std::size_t n = bytes.size();
    auto u16 = [&](std::size_t at) { return static_cast<std::size_t>(detail_npy::le(bytes, at, 2)); };
    auto u32 = [&](std::size_t at) { return static_cast<std::size_t>(detail_npy::le(bytes, at, 4)); };
    // End of central directory: 22 bytes + a comment of up to 65535 bytes, found from the end.
    detail::require(n >= 22, fn, "", n, " bytes: too short for a ZIP archive");
    std::size_t eocd = n;
    for (std::size_t at = n - 22 + 1; at-- > 0 && n - at <= 22 + 65535;) {
        if (u32(at) == 0x06054b50U && at + 22 + u16(at + 20) == n) {
            eocd = at;
            break;
        }
    }
    detail::require(eocd != n, fn, "not a ZIP archive (no end-of-central-directory record)");
    detail::require(u16(eocd + 4) == 0 && u16(eocd + 6) == 0 && u16(eocd + 8) == u16(eocd + 10), fn,
                    "multi-disk ZIP archives are not supported");
    const std::size_t entries = u16(eocd + 10);
    const std::size_t dir_size = u32(eocd + 12);
    const std::size_t dir_at = u32(eocd + 16);
    detail::require(entries != 0xFFFF && dir_size != 0xFFFFFFFFU && dir_at != 0xFFFFFFFFU, fn,
                    "ZIP64 archive directories are not supported");
    detail::require(dir_at <= eocd && dir_size <= eocd - dir_at, fn, "the central directory lies outside the archive");
    std::vector<std::pair<std::string, npy_array>> out;
    std::size_t at = dir_at;
    for (std::size_t e = 0; e < entries; ++e) {
        detail::require(at <= eocd && eocd - at >= 46 && u32(at) == 0x02014b50U, fn, "central directory entry ", e,
                        " is damaged");
        const std::size_t flags = u16(at + 8);
        const std::size_t method = u16(at + 10);
        const std::uint32_t crc = static_cast<std::uint32_t>(u32(at + 16));
        std::size_t csize = u32(at + 20);
        std::size_t usize = u32(at + 24);
        const std::size_t name_len = u16(at + 28);
        const std::size_t extra_len = u16(at + 30);
        const std::size_t comment_len = u16(at + 32);
        std::size_t local = u32(at + 42);
        detail::require(eocd - at - 46 >= name_len + extra_len + comment_len, fn, "central directory entry ", e,
                        " is cut off");
        std::string name(name_len, '\0');
        for (std::size_t k = 0; k < name_len; ++k) {
            name[k] = static_cast<char>(std::to_integer<unsigned char>(bytes[at + 46 + k]));
        }
        const std::string what = "member '" + name + "'";
        // ZIP64 extra field (id 1): the 64-bit values of the fields that are 0xFFFFFFFF, in order.
        for (std::size_t x = at + 46 + name_len; x + 4 <= at + 46 + name_len + extra_len;) {
            const std::size_t id = u16(x);
            const std::size_t len = u16(x + 2);
            detail::require(x + 4 + len <= at + 46 + name_len + extra_len, fn, what, ": damaged extra field");
            if (id == 1) {
                std::size_t y = x + 4;
                for (std::size_t* field : {&usize, &csize, &local}) {
                    if (*field == 0xFFFFFFFFU) {
                        detail::require(y + 8 <= x + 4 + len, fn, what, ": damaged ZIP64 extra field");
                        const std::uint64_t v = detail_npy::le(bytes, y, 8);
                        detail::require(v <= n, fn, what, ": ZIP64 size or offset beyond the archive");
                        *field = static_cast<std::size_t>(v);
                        y += 8;
                    }
                }
            }
            x += 4 + len;
        }
        detail::require((flags & 1U) == 0, fn, what, " is encrypted");
        detail::require(method != 8, fn, what,
                        " is deflate-compressed (np.savez_compressed): not supported; save with np.savez or as .npy files");
        detail::require(method == 0, fn, what, " uses ZIP compression method ", method, "; only stored members (np.savez) are read");
        detail::require(csize == usize, fn, what, " is stored but its sizes differ (", csize, " vs ", usize, ")");
        detail::require(name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0, fn, what,
                        " is not a .npy file");
        // Local header: 30 bytes + its own name and extra field, then the data.
        detail::require(local <= dir_at && dir_at - local >= 30 && u32(local) == 0x04034b50U, fn, what,
                        ": local header missing or damaged");
        detail::require(u16(local + 8) == method && u16(local + 26) == name_len, fn, what,
                        ": local header disagrees with the central directory");
        const std::size_t data_at = local + 30 + u16(local + 26) + u16(local + 28);
        detail::require(data_at <= dir_at && csize <= dir_at - data_at, fn, what, ": data runs past the central directory");
        for (std::size_t k = 0; k < name_len; ++k) {
            detail::require(bytes[local + 30 + k] == bytes[at + 46 + k], fn, what,
                            ": local header names a different file");
        }
        const auto data = bytes.subspan(data_at, csize);
        detail::require(detail_npy::crc32(data) == crc, fn, what, ": CRC-32 mismatch (damaged archive)");
        std::string key = name.substr(0, name.size() - 4);
        for (const auto& [k, v] : out) {
            detail::require(k != key, fn, what, " appears twice");
        }
        const std::string member_fn = std::string(fn) + ": " + what;
        out.emplace_back(std::move(key), parse_npy(data, member_fn));
        at += 46 + name_len + extra_len + comment_len;
    }
    return out;
}

/**
 * @brief Reads a whole file into bytes (for parse_npy()/parse_npz()).
 * @throws offloadkit::invalid_argument "<function>: cannot open 'path'".
 */
template <class = void>
[[nodiscard]] inline std::vector<std::byte> read_binary_file(const std::string& path, std::string_view function) {
    std::ifstream in(path, std::ios::binary);
    detail::require(in.good(), function, "cannot open '", path, "'");
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string s = ss.str();
    std::vector<std::byte> out(s.size());
    if (!s.empty()) {
        std::memcpy(out.data(), s.data(), s.size());
    }
    return out;
}

/// Reads and parses a `.npy` file (see parse_npy()).
template <class = void>
[[nodiscard]] inline npy_array read_npy_file(const std::string& path, std::string_view function = "read_npy_file") {
    return parse_npy(read_binary_file(path, function), function);
}

/// Reads and parses an `.npz` archive (see parse_npz()).
template <class = void>
[[nodiscard]] inline std::vector<std::pair<std::string, npy_array>> read_npz_file(const std::string& path,
                                                                                    std::string_view function = "read_npz_file") {
    return parse_npz(read_binary_file(path, function), function);
}

}  // namespace offloadkit::io

#endif  // OFFLOADKIT_IO_NPY_HPP
