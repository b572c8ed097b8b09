// The command-line conventions the offloadkit-<name> tools share, in one place: flags written
// `--flag value` or `--flag=value`, numbers checked against their range and reported in the
// user's units with the flag as they wrote it, comma-separated lists, warnings, and checking an
// output path before the work instead of after it.
//
// Every command-line error is a usage_error; each tool's main runs its work through guarded_main,
// which prints "offloadkit-<name>: <message>" on stderr and exits with code 2 for a usage error or
// bad input, and never lets an exception escape main (no std::terminate, no core dump).
#ifndef OFFLOADKIT_EXAMPLES_COMMON_CLI_HPP
#define OFFLOADKIT_EXAMPLES_COMMON_CLI_HPP

#include <offloadkit/io/csv.hpp>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace offloadkit::examples::cli {

/// A mistake on the command line: the message names the flag as the user wrote it.
struct usage_error : std::exception {
    std::string msg;
    explicit usage_error(std::string m) : msg(std::move(m)) {}
    [[nodiscard]] const char* what() const noexcept override { return msg.c_str(); }
};

/**
 * @brief Walks argv: each call to next() moves to the next argument; flag() is its name (the
 *        part before '=' for `--flag=value`), value() its value (after '=', or the next argument).
 */
class arg_reader {
public:
    arg_reader(int argc, char** argv) : argv_(argv + (argc > 0 ? 1 : 0), argv + (argc > 0 ? argc : 0)) {}

    /// Advances to the next argument; false when there is none.
    bool next() {
        if (pos_ >= argv_.size()) {
            return false;
        }
        const std::string a = argv_[pos_++];
        inline_value_.reset();
        const auto eq = a.find('=');
        if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
            flag_ = a.substr(0, eq);
            inline_value_ = a.substr(eq + 1);
        } else {
            flag_ = a;
        }
        return true;
    }

    /// The current argument's flag (or the whole argument when it is not a flag).
    [[nodiscard]] const std::string& flag() const noexcept { return flag_; }

    /// True when the current argument starts with '-' and is longer than "-" (a flag).
    [[nodiscard]] bool is_flag() const noexcept { return flag_.size() > 1 && flag_[0] == '-'; }

    /// The value of the current flag: after '=', else the next argument (consumed).
    /// @throws usage_error "FLAG: missing value".
    std::string value() {
        if (inline_value_) {
            std::string v = *inline_value_;
            inline_value_.reset();
            return v;
        }
        if (pos_ >= argv_.size()) {
            throw usage_error(flag_ + ": missing value");
        }
        return argv_[pos_++];
    }

    /// A flag that takes no value must not be given one (`--json=yes`).
    /// @throws usage_error "FLAG takes no value".
    void no_value() const {
        if (inline_value_) {
            throw usage_error(flag_ + " takes no value (got '" + *inline_value_ + "')");
        }
    }

private:
    std::vector<std::string> argv_;
    std::size_t pos_ = 0;
    std::string flag_;
    std::optional<std::string> inline_value_;
};

/// " Mbps" for unit "Mbps", "" for no unit: how a value is shown with its unit.
inline std::string with_unit(std::string_view text, std::string_view unit) {
    return unit.empty() ? std::string(text) : std::string(text) + " " + std::string(unit);
}

/**
 * @brief The text of a flag's value as a finite number (decimal or scientific, optional '+').
 * @throws usage_error "FLAG: 'text' is not a number".
 */
inline double number(std::string_view flag, const std::string& text) {
    const char* first = text.data();
    const char* last = text.data() + text.size();
    if (first != last && *first == '+') {
        ++first;
    }
    double v = 0.0;
    const auto r = std::from_chars(first, last, v);
    if (text.empty() || r.ec != std::errc{} || r.ptr != last || !std::isfinite(v)) {
        throw usage_error(std::string(flag) + ": '" + text + "' is not a finite number");
    }
    return v;
}

/// Which ends of a range are allowed.
enum class bound { closed, open };

/**
 * @brief number() within [lo, hi] (or with open ends), reported in the flag's unit:
 *        "--bandwidth-mbps: -5 Mbps, expected >= 0 Mbps".
 * @param lo, hi the range; an infinite end is not checked.
 */
inline double number_in(std::string_view flag, const std::string& text, double lo, double hi, std::string_view unit = "",
                        bound lo_kind = bound::closed, bound hi_kind = bound::closed) {
    const double v = number(flag, text);
    const bool lo_ok = std::isinf(lo) || (lo_kind == bound::closed ? v >= lo : v > lo);
    const bool hi_ok = std::isinf(hi) || (hi_kind == bound::closed ? v <= hi : v < hi);
    if (lo_ok && hi_ok) {
        return v;
    }
    auto num = [](double x) {
        char buf[32];
        const auto r = std::to_chars(buf, buf + sizeof buf, x);
        return std::string(buf, r.ptr);
    };
    std::string expected;
    const std::string lo_op = lo_kind == bound::closed ? ">= " : "> ";
    const std::string hi_op = hi_kind == bound::closed ? "<= " : "< ";
    if (std::isinf(hi)) {
        expected = lo_op + with_unit(num(lo), unit);
    } else if (std::isinf(lo)) {
        expected = hi_op + with_unit(num(hi), unit);
    } else {
        expected = "a value in " + std::string(lo_kind == bound::closed ? "[" : "(") + num(lo) + ", " + num(hi) +
                   (hi_kind == bound::closed ? "]" : ")") + (unit.empty() ? "" : " " + std::string(unit));
    }
    throw usage_error(std::string(flag) + ": " + with_unit(text, unit) + ", expected " + expected);
}

/**
 * @brief A whole number in [lo, hi] (digits only).
 * @throws usage_error "FLAG: 'text' is not a whole number in [lo, hi]".
 */
inline std::uint64_t whole(std::string_view flag, const std::string& text, std::uint64_t lo = 0,
                           std::uint64_t hi = std::numeric_limits<std::uint64_t>::max()) {
    std::uint64_t v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || r.ec != std::errc{} || r.ptr != text.data() + text.size() || v < lo || v > hi) {
        throw usage_error(std::string(flag) + ": '" + text + "' is not a whole number in [" + std::to_string(lo) + ", " +
                          (hi == std::numeric_limits<std::uint64_t>::max() ? std::string("2^64)") : std::to_string(hi) + "]"));
    }
    return v;
}

/// Splits "a,b,c" at commas (empty items kept, so that "1,,2" can be reported).
inline std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const auto comma = text.find(',', start);
        out.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) {
            return out;
        }
        start = comma + 1;
    }
}

/**
 * @brief A comma-separated list of numbers, each checked as number_in(): "--values 1,2,5,10".
 * @throws usage_error naming the flag and the item.
 */
inline std::vector<double> number_list(std::string_view flag, const std::string& text, double lo, double hi,
                                       std::string_view unit = "", bound lo_kind = bound::closed) {
    std::vector<double> out;
    for (const auto& item : split_list(text)) {
        out.push_back(number_in(flag, item, lo, hi, unit, lo_kind));
    }
    return out;
}

/**
 * @brief One of `choices`, or a usage_error listing them (and the closest one when the value
 *        looks like a misspelling of it).
 */
inline std::string choice(std::string_view flag, const std::string& text, const std::vector<std::string>& choices) {
    for (const auto& c : choices) {
        if (c == text) {
            return text;
        }
    }
    std::string list;
    for (std::size_t k = 0; k < choices.size(); ++k) {
        list += (k == 0 ? "" : k + 1 == choices.size() ? " or " : ", ") + choices[k];
    }
    std::string msg = std::string(flag) + ": '" + text + "', expected " + list;
    if (const auto c = io::closest_match(text, choices)) {
        msg += " (did you mean '" + choices[*c] + "'?)";
    }
    throw usage_error(msg);
}

/// An unknown flag, with the closest known one when there is a likely misspelling.
[[noreturn]] inline void unknown_flag(const std::string& flag, const std::vector<std::string>& known) {
    std::string msg = "unknown flag '" + flag + "'";
    if (const auto c = io::closest_match(flag, known)) {
        msg += " (did you mean " + known[*c] + "?)";
    }
    throw usage_error(msg);
}

/**
 * @brief Checks, before any work, that `path` can be written: opens it for appending (which
 *        neither truncates an existing file nor leaves a new one behind: a file this call created
 *        is removed again).
 * @throws usage_error "FLAG: cannot write 'path' (reason)".
 */
inline void require_writable(std::string_view flag, const std::string& path) {
    std::error_code ec;
    const bool existed = std::filesystem::exists(path, ec);
    {
        errno = 0;
        std::ofstream probe(path, std::ios::binary | std::ios::app);
        if (!probe) {
            const std::string why = errno != 0 ? std::error_code(errno, std::generic_category()).message() : "cannot open";
            throw usage_error(std::string(flag) + ": cannot write '" + path + "' (" + why + ")");
        }
    }
    if (!existed) {
        std::filesystem::remove(path, ec);
    }
}

/// Prints "tool: warning: message" on stderr.
inline void warn(std::string_view tool, const std::string& message) {
    std::fprintf(stderr, "%.*s: warning: %s\n", static_cast<int>(tool.size()), tool.data(), message.c_str());
}

/// What a tool prints and returns when its work throws (see guarded_main).
struct tool_errors {
    std::string_view tool;         ///< "offloadkit-<name>", the prefix of every message
    std::string_view usage_after;  ///< printed after a usage_error's message: the usage, or a hint
    int failure_exit = 1;          ///< exit code for any other std::exception (a run that failed)
};

/**
 * @brief Runs `body()` (the tool's work, returning its exit code) and turns what it throws into a
 *        message on stderr and an exit code: usage_error -> 2 with `usage_after`; bad input
 *        (std::invalid_argument, which offloadkit::invalid_argument is) -> 2; an operating-system
 *        failure (std::system_error: a port in use, a socket that failed) -> 1; any other
 *        std::exception -> `failure_exit`. Messages that already start with the tool's name are
 *        printed as they are; others get "tool: " in front.
 */
template <class Body>
int guarded_main(const tool_errors& t, Body&& body) noexcept {
    const auto say = [&](const char* what, std::string_view after) {
        const std::string_view msg(what);
        const bool named = msg.substr(0, t.tool.size()) == t.tool;
        std::fprintf(stderr, "%.*s%s%.*s\n%.*s", named ? 0 : static_cast<int>(t.tool.size()), t.tool.data(), named ? "" : ": ",
                     static_cast<int>(msg.size()), msg.data(), static_cast<int>(after.size()), after.data());
    };
    try {
        return static_cast<Body&&>(body)();
    } catch (const usage_error& e) {
        say(e.what(), t.usage_after);
        return 2;
    } catch (const std::invalid_argument& e) {
        say(e.what(), {});
        return 2;
    } catch (const std::system_error& e) {
        say(e.what(), {});
        return 1;
    } catch (const std::exception& e) {
        say(e.what(), {});
        return t.failure_exit;
    } catch (...) {
        say("unexpected error", {});
        return 1;
    }
}

}  // namespace offloadkit::examples::cli

#endif  // OFFLOADKIT_EXAMPLES_COMMON_CLI_HPP
