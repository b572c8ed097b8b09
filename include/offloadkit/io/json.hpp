#ifndef OFFLOADKIT_IO_JSON_HPP
#define OFFLOADKIT_IO_JSON_HPP

/**
 * @file
 * @brief A one-line JSON object writer for the command-line tools (one JSON object per line on
 *        stdout, docs/api.md) and the JSON files behind the demo's figures.
 *
 * Numbers are written in the shortest form that reads back to the same double; NaN and
 * infinities, which JSON cannot express, are written as null.
 */

#include <charconv>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace offloadkit::io {

/// Appends `s` to `out` as a JSON string literal (quotes, escapes, control characters as \u00XX).
inline void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    constexpr char hex[] = "0123456789abcdef";
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 0xF];
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

/// Appends a JSON number (shortest round-trip form) or null for NaN/inf.
inline void append_json_number(std::string& out, double v) {
    if (!std::isfinite(v)) {
        out += "null";
        return;
    }
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, res.ptr);
}

/**
 * @brief Builds one JSON object, key by key, in insertion order.
 *
 * @code
 * io::json_object o;
 * o.add("policy", "cbo").add("accuracy", 0.8123).add("frames", 900);
 * std::puts(o.str().c_str());   // {"policy":"cbo","accuracy":0.8123,"frames":900}
 * @endcode
 */
class json_object {
public:
    json_object& add(std::string_view key, std::string_view value) {
        key_(key);
        append_json_string(text_, value);
        return *this;
    }
    json_object& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
    json_object& add(std::string_view key, const std::string& value) { return add(key, std::string_view(value)); }
    json_object& add(std::string_view key, bool value) {
        key_(key);
        text_ += value ? "true" : "false";
        return *this;
    }
    template <std::integral T>
        requires(!std::same_as<T, bool>)
    json_object& add(std::string_view key, T value) {
        key_(key);
        char buf[24];
        const auto res = std::to_chars(buf, buf + sizeof buf, value);
        text_.append(buf, res.ptr);
        return *this;
    }
    template <std::floating_point T>
    json_object& add(std::string_view key, T value) {
        key_(key);
        append_json_number(text_, static_cast<double>(value));
        return *this;
    }
    /// An array of numbers.
    template <class T>
        requires std::is_arithmetic_v<T>
    json_object& add(std::string_view key, std::span<const T> values) {
        key_(key);
        text_ += '[';
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (i) {
                text_ += ',';
            }
            append_json_number(text_, static_cast<double>(values[i]));
        }
        text_ += ']';
        return *this;
    }
    template <class T>
        requires std::is_arithmetic_v<T>
    json_object& add(std::string_view key, const std::vector<T>& values) {
        return add(key, std::span<const T>(values));
    }
    /// A nested object.
    json_object& add(std::string_view key, const json_object& nested) { return add_raw(key, nested.str()); }
    /// A value that is already JSON text (an array of objects, say).
    json_object& add_raw(std::string_view key, std::string_view json) {
        key_(key);
        text_ += json;
        return *this;
    }

    /// The object as one line of JSON text.
    [[nodiscard]] std::string str() const { return "{" + text_ + "}"; }

private:
    void key_(std::string_view key) {
        if (!text_.empty()) {
            text_ += ',';
        }
        append_json_string(text_, key);
        text_ += ':';
    }
    std::string text_;
};

/// Joins already-serialised JSON values into one JSON array text.
template <class Range>
[[nodiscard]] std::string json_array(const Range& items) {
    std::string out = "[";
    bool first = true;
    for (const auto& item : items) {
        if (!first) {
            out += ',';
        }
        first = false;
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(item)>, json_object>) {
            out += item.str();
        } else {
            out += item;
        }
    }
    out += ']';
    return out;
}

}  // namespace offloadkit::io

#endif  // OFFLOADKIT_IO_JSON_HPP
