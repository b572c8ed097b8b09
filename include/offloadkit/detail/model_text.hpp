#ifndef OFFLOADKIT_DETAIL_MODEL_TEXT_HPP
#define OFFLOADKIT_DETAIL_MODEL_TEXT_HPP

/**
 * @file
 * @brief The versioned text format of fitted calibrators (to_string / from_string), so a model
 *        fitted on a desktop ships to a device (CBO §V-A).
 *
 * Grammar (strict; '\n' line ends, a '\r' before it is tolerated, a final '\n' is optional):
 *
 *     offloadkit.<kind> <version>
 *     <key> <value>                  e.g. "a -3.25"
 *     <number> <number> ...          rows of numbers, single spaces between them
 *
 * Numbers are written in the shortest decimal form that reads back to the same double
 * (std::to_chars), so a round trip is exact. The reader accepts only finite decimal numbers
 * (no '+', no hex, no "nan"/"inf"), exactly one space between tokens and nothing after the last
 * expected line; every rejection names the text line.
 */

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include "../error.hpp"

namespace offloadkit::detail::model_text {

/// Appends the shortest round-trip decimal text of a finite double.
inline void append_number(std::string& out, double v) {
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, res.ptr);
}

/// "offloadkit.<kind> <version>\n".
template <class = void>
[[nodiscard]] inline std::string header(std::string_view kind, unsigned version) {
    std::string out = "offloadkit.";
    out += kind;
    out += ' ';
    out += std::to_string(version);
    out += '\n';
    return out;
}

/// Appends "key value\n".
inline void append_key(std::string& out, std::string_view key, double value) {
    out += key;
    out += ' ';
    append_number(out, value);
    out += '\n';
}

/// Appends "key count\n".
inline void append_key(std::string& out, std::string_view key, std::size_t value) {
    out += key;
    out += ' ';
    out += std::to_string(value);
    out += '\n';
}

/// Appends the numbers separated by single spaces, then '\n'.
inline void append_row(std::string& out, std::span<const double> values) {
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i != 0) {
            out += ' ';
        }
        append_number(out, values[i]);
    }
    out += '\n';
}

/// Parses a whole token as a finite double; false if it is not one.
template <class = void>
[[nodiscard]] inline bool parse_number(std::string_view token, double& v) noexcept {
    if (token.empty()) {
        return false;
    }
    const auto res = std::from_chars(token.data(), token.data() + token.size(), v, std::chars_format::general);
    return res.ec == std::errc{} && res.ptr == token.data() + token.size() && std::isfinite(v);
}

/// Parses a whole token as an unsigned integer (decimal digits only).
template <class = void>
[[nodiscard]] inline bool parse_count(std::string_view token, std::uint64_t& v) noexcept {
    if (token.empty()) {
        return false;
    }
    const auto res = std::from_chars(token.data(), token.data() + token.size(), v);
    return res.ec == std::errc{} && res.ptr == token.data() + token.size();
}

// A class template (always basic_reader<void>, named reader): its members are instantiated only in a
// file that reads a model, not in every file that includes a calibrator (compile cost, issue 14).
/**
 * @brief Reads the format above line by line; every failure throws
 *        "function: text line L is '...', expected ...".
 */
template <class = void>
class basic_reader {
public:
    basic_reader(std::string_view text, std::string_view function) noexcept : rest_(text), function_(function) {}

    /// The first line must be "offloadkit.<kind> <version>".
    void header(std::string_view kind, unsigned version) {
        const std::string expected = model_text::header(kind, version);
        const std::string_view line = next_line("'" + expected.substr(0, expected.size() - 1) + "'");
        if (line != std::string_view(expected).substr(0, expected.size() - 1)) {
            bad(line, "'" + expected.substr(0, expected.size() - 1) + "'");
        }
    }

    /// A line "key <finite number>".
    [[nodiscard]] double key_number(std::string_view key) {
        const std::string what = "'" + std::string(key) + " <finite number>'";
        const std::string_view line = next_line(what);
        double v = 0.0;
        if (!line.starts_with(key) || line.size() <= key.size() || line[key.size()] != ' ' ||
            !parse_number(line.substr(key.size() + 1), v)) {
            bad(line, what);
        }
        return v;
    }

    /// A line "key <count>" with count <= max.
    [[nodiscard]] std::size_t key_count(std::string_view key, std::uint64_t max) {
        const std::string what = "'" + std::string(key) + " <count>' with count <= " + std::to_string(max);
        const std::string_view line = next_line(what);
        std::uint64_t v = 0;
        if (!line.starts_with(key) || line.size() <= key.size() || line[key.size()] != ' ' ||
            !parse_count(line.substr(key.size() + 1), v) || v > max) {
            bad(line, what);
        }
        return static_cast<std::size_t>(v);
    }

    /// A line of exactly out.size() finite numbers separated by single spaces.
    void row(std::span<double> out) {
        const std::string what = std::to_string(out.size()) + " finite numbers separated by single spaces";
        const std::string_view line = next_line(what);
        std::size_t pos = 0;
        for (std::size_t i = 0; i < out.size(); ++i) {
            const std::size_t end = std::min(line.find(' ', pos), line.size());
            const bool last = i + 1 == out.size();
            if ((last && end != line.size()) || (!last && end == line.size()) ||
                !parse_number(line.substr(pos, end - pos), out[i])) {
                bad(line, what);
            }
            pos = end + 1;
        }
    }

    /// Nothing but an optional final line end may follow.
    void finish() {
        if (!rest_.empty()) {
            ++line_no_;
            const std::size_t end = rest_.find('\n');
            bad(rest_.substr(0, end == std::string_view::npos ? rest_.size() : end), "the end of the text");
        }
    }

    /// The text not read yet (a wrapper's inner model, e.g. top1_calibrator's).
    [[nodiscard]] std::string_view rest() const noexcept { return rest_; }

    /// The number of lines left (an upper bound for counts read from the text).
    [[nodiscard]] std::size_t lines_left() const noexcept {
        std::size_t n = 0;
        for (const char c : rest_) {
            n += c == '\n' ? 1 : 0;
        }
        return n + (rest_.empty() || rest_.back() == '\n' ? 0 : 1);
    }

private:
    std::string_view next_line(const std::string& what) {
        ++line_no_;
        if (rest_.empty()) {
            fail(function_, "text line ", line_no_, " is missing, expected ", what);
        }
        const std::size_t end = rest_.find('\n');
        std::string_view line = rest_.substr(0, end == std::string_view::npos ? rest_.size() : end);
        rest_.remove_prefix(end == std::string_view::npos ? rest_.size() : end + 1);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        return line;
    }

    [[noreturn]] void bad(std::string_view line, const std::string& what) const {
        constexpr std::size_t shown = 60;
        std::string text(line.substr(0, shown));
        if (line.size() > shown) {
            text += "...";
        }
        fail(function_, "text line ", line_no_, " is '", text, "', expected ", what);
    }

    std::string_view rest_;
    std::string_view function_;
    std::size_t line_no_ = 0;
};

/// The reader of every model text.
using reader = basic_reader<>;

}  // namespace offloadkit::detail::model_text

#endif  // OFFLOADKIT_DETAIL_MODEL_TEXT_HPP
