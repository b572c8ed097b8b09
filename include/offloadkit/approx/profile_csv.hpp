#ifndef OFFLOADKIT_APPROX_PROFILE_CSV_HPP
#define OFFLOADKIT_APPROX_PROFILE_CSV_HPP

/**
 * @file
 * @brief Reading and writing ApproxNet branch profiles (approx/profiles.hpp) as CSV
 *        (format: docs/approx-profile-format.md), on top of io/csv.hpp, so every error names the
 *        line and column.
 *
 * Profile file, one row per branch (plus at most one remote executor row):
 *
 *     branch,executor,accuracy[0],accuracy[1],latency_ms[0],latency_ms[1]
 *     80x80x3/12,local,0.71,0.62,16.14,19.80
 *
 * - `branch` (required): unique name.
 * - accuracy per category: one column `accuracy` (one category) or `accuracy[0]` ... `accuracy[K-1]`;
 *   fractions in [0, 1].
 * - latency per contention level: `latency_ms` or `latency_s`, or indexed `latency_ms[0]` ...
 *   `latency_ms[M-1]` (one unit per file); finite, > 0.
 * - `executor` (optional): `local` (default when absent or empty) or `remote`.
 * - Any other column (shape, layers, notes) is ignored.
 *
 * Transition file (ApproxNet Fig. 14), one row per ordered pair; pairs not listed cost 0:
 *
 *     from,to,cost_ms
 *     80x80x3/12,224x224x3/34,31.5
 */

#include <charconv>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "../error.hpp"
#include "../io/csv.hpp"
#include "../io/units.hpp"
#include "profiles.hpp"

namespace offloadkit {

namespace detail {

/// Columns `base` (one) or `base[0]`, ..., `base[n-1]` (all of them, in index order); empty if
/// neither exists. Fails on a malformed index, a gap, or both forms at once.
template <class = void>
inline std::vector<std::size_t> indexed_columns(const io::csv_table& t, std::string_view base) {
    const auto plain = t.find_column(base);
    std::vector<std::optional<std::size_t>> slots;
    for (std::size_t c = 0; c < t.cols(); ++c) {
        const std::string& h = t.header()[c];
        if (h.size() <= base.size() + 2 || h.compare(0, base.size(), base) != 0 || h[base.size()] != '[') {
            continue;
        }
        std::size_t index = 0;
        const char* first = h.data() + base.size() + 1;
        const char* last = h.data() + h.size() - 1;
        const auto res = std::from_chars(first, last, index);
        require(h.back() == ']' && res.ec == std::errc{} && res.ptr == last && index < 4096, t.function(),
                "header: column ", c + 1, " '", h, "' is not ", base, "[index]");
        if (slots.size() <= index) {
            slots.resize(index + 1);
        }
        require(!slots[index].has_value(), t.function(), "header: duplicate column '", h, "'");
        slots[index] = c;
    }
    if (plain.has_value()) {
        require(slots.empty(), t.function(), "header: both '", base, "' and '", base, "[...]' columns");
        return {*plain};
    }
    std::vector<std::size_t> cols;
    for (std::size_t i = 0; i < slots.size(); ++i) {
        require(slots[i].has_value(), t.function(), "header: '", base, "[", i, "]' is missing (have '", base, "[",
                slots.size() - 1, "]')");
        cols.push_back(*slots[i]);
    }
    return cols;
}

/// Appends v in the shortest form that reads back to the same double.
inline void append_csv_number(std::string& out, double v) {
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, res.ptr);
}

/// Appends s as a quoted CSV field ("" for a quote).
inline void append_csv_quoted(std::string& out, const std::string& s) {
    out += '"';
    for (const char ch : s) {
        out += ch;
        if (ch == '"') {
            out += '"';
        }
    }
    out += '"';
}

/// The whole file as text. @throws offloadkit::invalid_argument "function: cannot open 'path'".
template <class = void>
inline std::string read_text_file(const std::string& path, std::string_view function) {
    std::ifstream in(path, std::ios::binary);
    require(in.good(), function, "cannot open '", path, "'");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// Fails with "function: line L, column C ('name'): text <what>".
[[noreturn]] inline void fail_cell(const io::csv_table& t, std::size_t row, std::size_t col, std::string_view what) {
    fail(t.function(), "line ", t.line_of(row), ", column ", col + 1, " ('", t.header()[col], "'): '", t.cell(row, col),
         "' ", what);
}

}  // namespace detail

/**
 * @brief Parses a profile CSV (format in the file comment and docs/approx-profile-format.md).
 * @param text the CSV text. @param function the name that prefixes error messages.
 * @return the profiles; the remote row, if any, becomes branch_profiles::remote().
 * @throws offloadkit::invalid_argument naming the line and column for a malformed CSV, a missing
 *         column, a non-number, an accuracy outside [0, 1], a latency <= 0, an unknown executor,
 *         a duplicate name, more than one remote row, or no local branch.
 */
template <class = void>
[[nodiscard]] inline branch_profiles parse_branch_profiles(std::string_view text,
                                                           std::string_view function = "parse_branch_profiles") {
    const io::csv_table t = io::parse_csv(text, function);
    const std::size_t c_branch = t.column("branch");
    const auto c_exec = t.find_column("executor");
    const auto acc_cols = detail::indexed_columns(t, "accuracy");
    detail::require(!acc_cols.empty(), function, "missing column 'accuracy' (or 'accuracy[0]', 'accuracy[1]', ...)");
    const auto ms_cols = detail::indexed_columns(t, "latency_ms");
    const auto s_cols = detail::indexed_columns(t, "latency_s");
    detail::require(ms_cols.empty() || s_cols.empty(), function,
                    "header: both 'latency_ms' and 'latency_s' columns (use one unit)");
    detail::require(!ms_cols.empty() || !s_cols.empty(), function,
                    "missing column 'latency_ms' or 'latency_s' (or 'latency_ms[0]', ...)");
    const auto& lat_cols = ms_cols.empty() ? s_cols : ms_cols;
    const bool in_ms = !ms_cols.empty();
    const std::size_t k = acc_cols.size(), m = lat_cols.size();

    std::vector<std::string> names;
    std::vector<std::vector<double>> acc_rows, lat_rows;  // per local branch
    std::optional<remote_profile> remote;
    for (std::size_t r = 0; r < t.rows(); ++r) {
        const std::string& name = t.cell(r, c_branch);
        if (name.empty()) {
            detail::fail_cell(t, r, c_branch, "is empty, expected a branch name");
        }
        bool is_remote = false;
        if (c_exec.has_value()) {
            const std::string& e = t.cell(r, *c_exec);
            if (e == "remote") {
                is_remote = true;
            } else if (!e.empty() && e != "local") {
                detail::fail_cell(t, r, *c_exec, "is not 'local' or 'remote'");
            }
        }
        std::vector<double> acc(k), lat(m);
        for (std::size_t i = 0; i < k; ++i) {
            acc[i] = t.number(r, acc_cols[i]);
            if (!(acc[i] >= 0.0 && acc[i] <= 1.0)) {
                detail::fail_cell(t, r, acc_cols[i], "is not in [0, 1] (accuracies are fractions, not percent)");
            }
        }
        for (std::size_t i = 0; i < m; ++i) {
            lat[i] = in_ms ? io::ms_to_seconds(t.number(r, lat_cols[i])) : t.number(r, lat_cols[i]);
            if (!(lat[i] > 0.0) || !std::isfinite(lat[i])) {
                detail::fail_cell(t, r, lat_cols[i], "is not a latency > 0");
            }
        }
        for (std::size_t j = 0; j < names.size(); ++j) {
            detail::require(names[j] != name, function, "line ", t.line_of(r), ": branch '", name,
                            "' is listed twice");
        }
        if (is_remote) {
            detail::require(!remote.has_value(), function, "line ", t.line_of(r), ": a second remote row ('", name,
                            "'), expected at most one");
            remote = remote_profile{name, std::move(acc), std::move(lat)};
            continue;
        }
        detail::require(!remote.has_value() || remote->name != name, function, "line ", t.line_of(r), ": branch '",
                        name, "' is listed twice");
        names.push_back(name);
        acc_rows.push_back(std::move(acc));
        lat_rows.push_back(std::move(lat));
    }
    detail::require(!names.empty(), function, "no local branch (every row is remote, or the file has no rows)");
    const std::size_t b = names.size();
    std::vector<double> accuracy(k * b), latency(m * b);
    for (std::size_t j = 0; j < b; ++j) {
        for (std::size_t i = 0; i < k; ++i) {
            accuracy[i * b + j] = acc_rows[j][i];
        }
        for (std::size_t i = 0; i < m; ++i) {
            latency[i * b + j] = lat_rows[j][i];
        }
    }
    branch_profiles p(std::move(names), k, m, std::move(accuracy), std::move(latency));
    if (remote.has_value()) {
        p.set_remote(std::move(*remote));
    }
    return p;
}

/// Reads and parses a profile CSV file. @throws as parse_branch_profiles, or if the file cannot be opened.
template <class = void>
[[nodiscard]] inline branch_profiles read_branch_profiles(const std::string& path) {
    return parse_branch_profiles(detail::read_text_file(path, "read_branch_profiles"), "read_branch_profiles");
}

/**
 * @brief Parses a transition cost CSV (columns from, to, cost_ms or cost_s; ApproxNet Fig. 14)
 *        into the B x B table for branch_profiles::set_transition_costs (pairs not listed: 0).
 * @throws offloadkit::invalid_argument naming the line and column for an unknown branch, a
 *         repeated pair, a negative or non-number cost, or a non-zero cost from a branch to itself.
 */
template <class = void>
[[nodiscard]] inline std::vector<double> parse_transition_costs(std::string_view text, const branch_profiles& profiles,
                                                                std::string_view function = "parse_transition_costs") {
    const io::csv_table t = io::parse_csv(text, function);
    const std::size_t c_from = t.column("from");
    const std::size_t c_to = t.column("to");
    const auto c_ms = t.find_column("cost_ms");
    const auto c_s = t.find_column("cost_s");
    detail::require(c_ms.has_value() != c_s.has_value(), function,
                    "expected exactly one of the columns 'cost_ms' and 'cost_s'");
    const std::size_t c_cost = c_ms.has_value() ? *c_ms : *c_s;
    const std::size_t b = profiles.branches();
    std::vector<double> costs(b * b, 0.0);
    std::vector<bool> seen(b * b, false);
    for (std::size_t r = 0; r < t.rows(); ++r) {
        const auto from = profiles.find(t.cell(r, c_from));
        if (!from.has_value()) {
            detail::fail_cell(t, r, c_from, "is not a branch of the profile");
        }
        const auto to = profiles.find(t.cell(r, c_to));
        if (!to.has_value()) {
            detail::fail_cell(t, r, c_to, "is not a branch of the profile");
        }
        const double cost = c_ms.has_value() ? io::ms_to_seconds(t.number(r, c_cost)) : t.number(r, c_cost);
        if (!(cost >= 0.0)) {
            detail::fail_cell(t, r, c_cost, "is negative");
        }
        if (*from == *to && cost != 0.0) {
            detail::fail_cell(t, r, c_cost, "is not 0 (from and to are the same branch)");
        }
        const std::size_t i = *from * b + *to;
        detail::require(!seen[i], function, "line ", t.line_of(r), ": the pair ('", t.cell(r, c_from), "', '",
                        t.cell(r, c_to), "') is listed twice");
        seen[i] = true;
        costs[i] = cost;
    }
    return costs;
}

/// Reads and parses a transition cost CSV file (see parse_transition_costs).
template <class = void>
[[nodiscard]] inline std::vector<double> read_transition_costs(const std::string& path,
                                                               const branch_profiles& profiles) {
    return parse_transition_costs(detail::read_text_file(path, "read_transition_costs"), profiles,
                                  "read_transition_costs");
}

/**
 * @brief Writes `profiles` as CSV (latencies in seconds as `latency_s`, numbers in shortest
 *        round-trip form), so parse_branch_profiles(format_branch_profiles(p)) == p except for
 *        transition costs, which live in their own file (see format_transition_costs).
 */
template <class = void>
[[nodiscard]] inline std::string format_branch_profiles(const branch_profiles& p) {
    const std::size_t k = p.categories(), m = p.contention_levels(), b = p.branches();
    std::string out = "branch,executor";
    for (std::size_t i = 0; i < k; ++i) {
        out += k == 1 ? std::string(",accuracy") : ",accuracy[" + std::to_string(i) + "]";
    }
    for (std::size_t i = 0; i < m; ++i) {
        out += m == 1 ? std::string(",latency_s") : ",latency_s[" + std::to_string(i) + "]";
    }
    out += '\n';
    auto row = [&](const std::string& name, std::string_view exec, auto acc_of, auto lat_of) {
        detail::append_csv_quoted(out, name);
        out += ',';
        out += exec;
        for (std::size_t i = 0; i < k; ++i) {
            out += ',';
            detail::append_csv_number(out, acc_of(i));
        }
        for (std::size_t i = 0; i < m; ++i) {
            out += ',';
            detail::append_csv_number(out, lat_of(i));
        }
        out += '\n';
    };
    for (std::size_t j = 0; j < b; ++j) {
        row(p.name(j), "local", [&](std::size_t i) { return p.accuracy(i, j); },
            [&](std::size_t i) { return p.latency(i, j); });
    }
    if (p.has_remote()) {
        const auto& r = p.remote();
        row(r.name, "remote", [&](std::size_t i) { return r.accuracy[i]; }, [&](std::size_t i) { return r.latency[i]; });
    }
    return out;
}

/**
 * @brief Writes the transition costs of `p` (ApproxNet Fig. 14) as the CSV parse_transition_costs
 *        reads: columns from, to, cost_s, one row per ordered pair of different branches whose
 *        cost is not 0 (shortest round-trip numbers), so that
 *        parse_transition_costs(format_transition_costs(p), p) == the table. Header only when
 *        no cost is set.
 */
template <class = void>
[[nodiscard]] inline std::string format_transition_costs(const branch_profiles& p) {
    std::string out = "from,to,cost_s\n";
    const std::size_t b = p.branches();
    for (std::size_t i = 0; i < b && p.has_transition_costs(); ++i) {
        for (std::size_t j = 0; j < b; ++j) {
            const double c = p.transition_cost(i, j);
            if (i == j || c == 0.0) {
                continue;
            }
            detail::append_csv_quoted(out, p.name(i));
            out += ',';
            detail::append_csv_quoted(out, p.name(j));
            out += ',';
            detail::append_csv_number(out, c);
            out += '\n';
        }
    }
    return out;
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_APPROX_PROFILE_CSV_HPP
