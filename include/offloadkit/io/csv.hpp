#ifndef OFFLOADKIT_IO_CSV_HPP
#define OFFLOADKIT_IO_CSV_HPP

/**
 * @file
 * @brief A small, strict CSV reader for the files users hand offloadkit (traces, profiles,
 *        score/label tables). Every rejection names the line and column.
 *
 * Format: RFC 4180 subset. The first non-blank, non-comment line is the header. Fields are
 * separated by ',', surrounding spaces/tabs are trimmed, a field may be quoted ("a, b" with ""
 * for a quote) but may not span lines. Lines starting with '#' and blank lines are skipped; CRLF
 * is accepted. Every data row must have exactly as many fields as the header. A UTF-8 byte-order
 * mark (EF BB BF, what spreadsheet "CSV UTF-8" exports write) at the very start of the text is
 * skipped (strip_utf8_bom()); without that, the first column's name would carry the mark and
 * silently fail to match (e.g. an `arrival_s` column that is then ignored).
 */

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "../error.hpp"

namespace offloadkit::io {

/// The UTF-8 byte-order mark, EF BB BF.
inline constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

/**
 * @brief `text` without a leading UTF-8 byte-order mark (unchanged if it has none). Every reader of
 *        offloadkit's text formats calls this once, on the whole text, before looking at its lines.
 * @return a view into `text`. O(1), no allocation.
 */
[[nodiscard]] constexpr std::string_view strip_utf8_bom(std::string_view text) noexcept {
    return text.substr(0, utf8_bom.size()) == utf8_bom ? text.substr(utf8_bom.size()) : text;
}

/**
 * @brief Levenshtein distance between `a` and `b` (insertions, deletions and substitutions of
 *        bytes, each costing 1), for "did you mean" hints on misspelt column names and flags.
 * @return the distance. O(|a| |b|) time, O(|b|) memory (allocates one row).
 */
template <class = void>
[[nodiscard]] inline std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];  // row[i-1][j-1]
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];  // row[i-1][j]
            row[j] = std::min({up + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

/**
 * @brief The candidate closest to `name` by edit_distance(), if it is close enough to be a likely
 *        misspelling: distance <= max(2, |name| / 3), ties to the first candidate. Used to suggest
 *        a column (or flag) when the one asked for is missing.
 * @return its index in `candidates`, or nullopt. O(sum of |name| |candidate|).
 */
template <class = void>
[[nodiscard]] inline std::optional<std::size_t> closest_match(std::string_view name,
                                                             const std::vector<std::string>& candidates) {
    std::optional<std::size_t> best;
    std::size_t best_d = std::max<std::size_t>(2, name.size() / 3) + 1;
    for (std::size_t c = 0; c < candidates.size(); ++c) {
        const std::size_t d = edit_distance(name, candidates[c]);
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    return best;
}

class csv_table;

// Declared here with its defaults (defined below): csv_table befriends it. A template only so that
// its body is compiled where it is called (compile cost, issue 14).
template <class = void>
[[nodiscard]] csv_table parse_csv(std::string_view text, std::string_view function = "parse_csv");

/**
 * @brief The clause missing-column messages end with: "; columns read: 'a', 'b'" plus
 *        "; closest: 'x'" when closest_match() finds one.
 */
template <class = void>
[[nodiscard]] inline std::string columns_hint(std::string_view name, const std::vector<std::string>& header) {
    std::string out = "; columns read: ";
    for (std::size_t c = 0; c < header.size(); ++c) {
        out += c == 0 ? "'" : ", '";
        out += header[c];
        out += "'";
    }
    if (header.empty()) {
        out += "none";
    }
    if (const auto c = closest_match(name, header)) {
        out += "; closest: '" + header[*c] + "'";
    }
    return out;
}

/// A parsed CSV file: header names and string cells, with the source line of every row.
class csv_table {
public:
    /// Column names, in file order.
    [[nodiscard]] const std::vector<std::string>& header() const noexcept { return header_; }
    [[nodiscard]] std::size_t rows() const noexcept { return lines_.size(); }
    [[nodiscard]] std::size_t cols() const noexcept { return header_.size(); }

    /// The cell text at (row, col), both 0-based over data rows.
    template <class = void>
    [[nodiscard]] const std::string& cell(std::size_t row, std::size_t col) const {
        detail::require(row < rows(), function_, "row ", row, " out of range (", rows(), " rows)");
        detail::require(col < cols(), function_, "column ", col, " out of range (", cols(), " columns)");
        return cells_[row * cols() + col];
    }

    /**
     * @brief 1-based line number in the source text of data row `row`.
     * @throws offloadkit::invalid_argument "<function>: row R out of range (N rows)" (as cell()).
     */
    [[nodiscard]] std::size_t line_of(std::size_t row) const {
        detail::require(row < rows(), function_, "row ", row, " out of range (", rows(), " rows)");
        return lines_[row];
    }

    /// Index of the column named `name`, if present.
    template <class = void>
    [[nodiscard]] std::optional<std::size_t> find_column(std::string_view name) const noexcept {
        for (std::size_t c = 0; c < header_.size(); ++c) {
            if (header_[c] == name) {
                return c;
            }
        }
        return std::nullopt;
    }

    /**
     * @brief Index of the column named `name`.
     * @throws offloadkit::invalid_argument "<function>: missing column 'name'; columns read: 'a',
     *         'b'; closest: 'nmae'" (the closest clause only when one is close: columns_hint()).
     */
    [[nodiscard]] std::size_t column(std::string_view name) const {
        const auto c = find_column(name);
        if (!c) [[unlikely]] {
            detail::fail(function_, "missing column '", name, "'", columns_hint(name, header_));
        }
        return *c;
    }

    /**
     * @brief The cell at (row, col) as a finite double.
     * @throws offloadkit::invalid_argument "<function>: line L, column C ('name'): 'text' is not a
     *         finite number".
     */
    template <class = void>
    [[nodiscard]] double number(std::size_t row, std::size_t col) const {
        const std::string& text = cell(row, col);
        double v = 0.0;
        const char* first = text.data();
        const char* last = text.data() + text.size();
        if (first != last && *first == '+') {
            ++first;
        }
        const auto res = std::from_chars(first, last, v);
        const bool ok = !text.empty() && res.ec == std::errc{} && res.ptr == last && std::isfinite(v);
        if (!ok) [[unlikely]] {
            detail::fail(function_, "line ", lines_[row], ", column ", col + 1, " ('", header_[col], "'): '",
                         text, "' is not a finite number");
        }
        return v;
    }

    /// The whole column `col` as doubles (see number()).
    [[nodiscard]] std::vector<double> numbers(std::size_t col) const {
        std::vector<double> out(rows());
        for (std::size_t r = 0; r < rows(); ++r) {
            out[r] = number(r, col);
        }
        return out;
    }

    /// The name used as the function part of error messages (e.g. "read_trace").
    [[nodiscard]] const std::string& function() const noexcept { return function_; }

private:
    template <class>
    friend csv_table parse_csv(std::string_view text, std::string_view function);
    std::vector<std::string> header_;
    std::vector<std::string> cells_;
    std::vector<std::size_t> lines_;
    std::string function_;
};

namespace detail_csv {
inline std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

/// Splits one line into fields; returns false (with `error` set) on a malformed quoted field.
template <class = void>
inline bool split_line(std::string_view line, std::vector<std::string>& fields, std::string& error) {
    fields.clear();
    std::size_t i = 0;
    while (true) {
        std::string field;
        // skip leading blanks
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
            ++i;
        }
        if (i < line.size() && line[i] == '"') {
            ++i;
            bool closed = false;
            while (i < line.size()) {
                if (line[i] == '"') {
                    if (i + 1 < line.size() && line[i + 1] == '"') {
                        field += '"';
                        i += 2;
                        continue;
                    }
                    closed = true;
                    ++i;
                    break;
                }
                field += line[i++];
            }
            if (!closed) {
                error = "unterminated quoted field";
                return false;
            }
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
                ++i;
            }
            if (i < line.size() && line[i] != ',') {
                error = "text after a closing quote";
                return false;
            }
        } else {
            const std::size_t start = i;
            while (i < line.size() && line[i] != ',') {
                if (line[i] == '"') {
                    error = "quote inside an unquoted field";
                    return false;
                }
                ++i;
            }
            field = std::string(trim(line.substr(start, i - start)));
        }
        fields.push_back(std::move(field));
        if (i >= line.size()) {
            return true;
        }
        ++i;  // the comma
    }
}
}  // namespace detail_csv

/**
 * @brief Parses CSV text (format in the file comment) into a csv_table.
 * @param text the CSV text; a leading UTF-8 byte-order mark is skipped (strip_utf8_bom()).
 * @param function the name that prefixes error messages (e.g. "read_trace").
 * @throws offloadkit::invalid_argument for a missing header, an empty or duplicate column name,
 *         a row with the wrong field count or a malformed quoted field, naming the line.
 */
template <class>
[[nodiscard]] inline csv_table parse_csv(std::string_view text, std::string_view function) {
    text = strip_utf8_bom(text);
    csv_table t;
    t.function_ = std::string(function);
    std::vector<std::string> fields;
    std::string error;
    std::size_t line_no = 0;
    bool have_header = false;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        const std::string_view trimmed = detail_csv::trim(line);
        if (trimmed.empty() || trimmed.front() == '#') {
            continue;
        }
        if (!detail_csv::split_line(line, fields, error)) {
            detail::fail(function, "line ", line_no, ": ", error);
        }
        if (!have_header) {
            for (std::size_t c = 0; c < fields.size(); ++c) {
                detail::require(!fields[c].empty(), function, "line ", line_no, ": header column ", c + 1,
                                " is empty");
                for (std::size_t d = 0; d < c; ++d) {
                    detail::require(fields[d] != fields[c], function, "line ", line_no, ": duplicate column '",
                                    fields[c], "'");
                }
            }
            t.header_ = fields;
            have_header = true;
            continue;
        }
        detail::require(fields.size() == t.header_.size(), function, "line ", line_no, " has ", fields.size(),
                        " fields, expected ", t.header_.size());
        for (auto& f : fields) {
            t.cells_.push_back(std::move(f));
        }
        t.lines_.push_back(line_no);
    }
    detail::require(have_header, function, "no header row");
    return t;
}

/**
 * @brief Reads a whole file and parses it with parse_csv().
 * @throws offloadkit::invalid_argument if the file cannot be opened, or as parse_csv().
 */
template <class = void>
[[nodiscard]] inline csv_table read_csv_file(const std::string& path, std::string_view function = "read_csv_file") {
    std::ifstream in(path, std::ios::binary);
    detail::require(in.good(), function, "cannot open '", path, "'");
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_csv(ss.str(), function);
}

}  // namespace offloadkit::io

#endif  // OFFLOADKIT_IO_CSV_HPP
