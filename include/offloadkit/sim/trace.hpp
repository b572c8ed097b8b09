#ifndef OFFLOADKIT_SIM_TRACE_HPP
#define OFFLOADKIT_SIM_TRACE_HPP

/**
 * @file
 * @brief A recorded (or synthetic) offloading trace: for every frame the NPU's raw confidence
 *        and correctness, and per resolution the bytes and the server's correctness; read from
 *        and written to the CSV format of docs/trace-format.md.
 *
 * CSV columns (header row required, any column order, names exact):
 *  - `npu_confidence` — the NPU's raw max-softmax score, in [0, 1];
 *  - `npu_correct` — 0 or 1;
 *  - for every resolution label R: `bytes@R` (> 0) and `server_correct@R` (0 or 1). Resolutions
 *    are discovered from the `bytes@` columns, in file order;
 *  - optional `arrival_s` — arrival time in seconds, finite, >= 0, non-decreasing (frames out of
 *    arrival order are rejected, naming the line). Without it frame i arrives at i / fps;
 *  - optional `npu_time_s` — the NPU's inference time for the frame (s, finite, >= 0; issue 15 §2,
 *    CBO Table III);
 *  - optional `compress_correct` (0 or 1) and `compress_time_s` (s, >= 0), both or neither — the
 *    Compress baseline of CBO §V: a pruned and quantized model run locally on the CPU;
 *  - optional `npu_logit@0` .. `npu_logit@K-1` with `true_label` (K >= 2, the suffixes exactly
 *    0..K-1 in any column order): the NPU's K finite scores (logits) and the frame's true class
 *    (an integer in [0, K)) — what a calibrator over the whole score vector (CBO §III-B, Fig. 6;
 *    vector_calibrator in concepts.hpp) needs. A `true_label` without them is an extra column.
 * Any other column is ignored, so traces can carry extra information (labels, file names).
 * Parsing goes through io/csv.hpp; every rejection names the line and column.
 */

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "../error.hpp"
#include "../io/csv.hpp"

namespace offloadkit {

/**
 * @brief A trace as columns (struct of arrays): frame i has confidence[i], npu_correct[i],
 *        bytes[i*m + r] and server_correct[i*m + r] for the m resolutions, and arrival[i] if the
 *        trace carries arrival times (arrival is empty otherwise).
 */
struct trace {
    std::vector<std::string> resolutions;        ///< resolution labels R, in file order
    std::vector<double> arrival;                 ///< arrival_s per frame, or empty
    std::vector<double> confidence;              ///< npu_confidence per frame, [0, 1]
    std::vector<std::uint8_t> npu_correct;       ///< 0/1 per frame
    std::vector<double> bytes;                   ///< frames x resolutions, row-major, > 0
    std::vector<std::uint8_t> server_correct;    ///< frames x resolutions, row-major, 0/1
    std::vector<double> npu_time;                ///< npu_time_s per frame (s, >= 0), or empty
    std::vector<std::uint8_t> compress_correct;  ///< compress_correct per frame (0/1), or empty
    std::vector<double> compress_time;           ///< compress_time_s per frame (s, >= 0), or empty (iff compress_correct is)
    std::size_t num_classes = 0;                 ///< K, the number of npu_logit@k columns (>= 2), or 0 without them
    std::vector<std::int32_t> true_label;        ///< true_label per frame, in [0, K), or empty (iff num_classes is 0: read with the scores only)
    std::vector<double> npu_logits;              ///< frames x K, row-major, finite, or empty (iff num_classes is 0)

    [[nodiscard]] std::size_t size() const noexcept { return confidence.size(); }
    [[nodiscard]] std::size_t num_resolutions() const noexcept { return resolutions.size(); }
    /// The bytes of frame i at every resolution.
    [[nodiscard]] std::span<const double> bytes_of(std::size_t i) const noexcept {
        return std::span<const double>(bytes).subspan(i * num_resolutions(), num_resolutions());
    }
    /// Whether the trace carries true labels and the NPU's per-class scores (CBO Fig. 6 needs them).
    [[nodiscard]] bool has_scores() const noexcept { return num_classes != 0; }
    /// The NPU's K scores of frame i (empty when the trace has none).
    [[nodiscard]] std::span<const double> scores_of(std::size_t i) const noexcept {
        return has_scores() ? std::span<const double>(npu_logits).subspan(i * num_classes, num_classes)
                            : std::span<const double>{};
    }
    /// Whether the server's answer for frame i at resolution r is correct.
    [[nodiscard]] bool server_correct_at(std::size_t i, std::size_t r) const noexcept {
        return server_correct[i * num_resolutions() + r] != 0;
    }
    friend bool operator==(const trace&, const trace&) = default;
};

/**
 * @brief Checks a trace's invariants (sizes, ranges, non-decreasing arrivals).
 * @throws offloadkit::invalid_argument naming the field and frame, e.g.
 *         "validate_trace: bytes[7] is 0, expected a finite number > 0".
 * O(n m).
 */
template <class = void>
inline void validate_trace(const trace& t, std::string_view function = "validate_trace") {
    const std::size_t n = t.size();
    const std::size_t m = t.num_resolutions();
    detail::require_not_empty(m, function, "resolutions");
    detail::require_same_size(t.npu_correct.size(), n, function, "npu_correct", "confidence");
    detail::require_same_size(t.bytes.size(), n * m, function, "bytes", "frames x resolutions");
    detail::require_same_size(t.server_correct.size(), n * m, function, "server_correct", "frames x resolutions");
    detail::require(t.arrival.empty() || t.arrival.size() == n, function, "arrival has size ", t.arrival.size(),
                    ", expected 0 or ", n);
    detail::require(t.npu_time.empty() || t.npu_time.size() == n, function, "npu_time has size ", t.npu_time.size(),
                    ", expected 0 or ", n);
    detail::require(t.compress_correct.empty() || t.compress_correct.size() == n, function,
                    "compress_correct has size ", t.compress_correct.size(), ", expected 0 or ", n);
    detail::require(t.compress_time.size() == t.compress_correct.size(), function, "compress_time has size ",
                    t.compress_time.size(), ", expected ", t.compress_correct.size(), " (the size of compress_correct)");
    detail::require_binary(std::span<const std::uint8_t>(t.compress_correct), function, "compress_correct");
    for (std::size_t i = 0; i < t.npu_time.size(); ++i) {
        detail::require(std::isfinite(t.npu_time[i]) && t.npu_time[i] >= 0.0, function, detail::arg_at{"npu_time", i},
                        " is ", t.npu_time[i], ", expected a finite number >= 0");
    }
    for (std::size_t i = 0; i < t.compress_time.size(); ++i) {
        detail::require(std::isfinite(t.compress_time[i]) && t.compress_time[i] >= 0.0, function,
                        detail::arg_at{"compress_time", i}, " is ", t.compress_time[i], ", expected a finite number >= 0");
    }
    detail::require_unit_interval(std::span<const double>(t.confidence), function, "confidence");
    detail::require(t.num_classes == 0 || t.num_classes >= 2, function, "num_classes is ", t.num_classes,
                    ", expected 0 (no scores) or >= 2");
    detail::require(t.true_label.size() == (t.num_classes == 0 ? 0 : n), function, "true_label has size ",
                    t.true_label.size(), ", expected ", t.num_classes == 0 ? 0 : n, " (num_classes is ", t.num_classes,
                    ")");
    detail::require(t.npu_logits.size() == n * t.num_classes, function, "npu_logits has size ", t.npu_logits.size(),
                    ", expected ", n * t.num_classes, " (frames x num_classes)");
    for (std::size_t i = 0; i < t.true_label.size(); ++i) {
        detail::require(t.true_label[i] >= 0 && static_cast<std::size_t>(t.true_label[i]) < t.num_classes, function,
                        detail::arg_at{"true_label", i}, " is ", t.true_label[i], ", expected an integer in [0, ",
                        t.num_classes, ")");
    }
    for (std::size_t k = 0; k < t.npu_logits.size(); ++k) {
        detail::require(std::isfinite(t.npu_logits[k]), function, detail::arg_at{"npu_logits", k}, " is ",
                        t.npu_logits[k], ", expected a finite number");
    }
    detail::require_binary(std::span<const std::uint8_t>(t.npu_correct), function, "npu_correct");
    detail::require_binary(std::span<const std::uint8_t>(t.server_correct), function, "server_correct");
    for (std::size_t k = 0; k < t.bytes.size(); ++k) {
        detail::require(std::isfinite(t.bytes[k]) && t.bytes[k] > 0.0, function, detail::arg_at{"bytes", k}, " is ",
                        t.bytes[k], ", expected a finite number > 0");
    }
    for (std::size_t i = 0; i < t.arrival.size(); ++i) {
        detail::require(std::isfinite(t.arrival[i]) && t.arrival[i] >= 0.0, function, detail::arg_at{"arrival", i},
                        " is ", t.arrival[i], ", expected a finite number >= 0");
        detail::require(i == 0 || t.arrival[i] >= t.arrival[i - 1], function, detail::arg_at{"arrival", i}, " is ",
                        t.arrival[i], ", before arrival[", i - 1, "] = ", i == 0 ? 0.0 : t.arrival[i - 1]);
    }
    for (std::size_t r = 0; r < m; ++r) {
        const std::string& label = t.resolutions[r];
        detail::require(!label.empty() && label.find_first_of(",\"\r\n") == std::string::npos, function,
                        detail::arg_at{"resolutions", r}, " is '", label,
                        "', expected a non-empty label without commas, quotes or line breaks");
    }
}

namespace detail {
template <class = void>
inline void trace_cell_error(const io::csv_table& tab, std::size_t row, std::size_t col, double v,
                             std::string_view expected) {
    fail(tab.function(), "line ", tab.line_of(row), ", column ", col + 1, " ('", tab.header()[col], "'): ", v,
         ", expected ", expected);
}
}  // namespace detail

/**
 * @brief Parses a trace from CSV text (format in the file comment and docs/trace-format.md).
 * @param text the CSV text.
 * @param function the name used in error messages.
 * @throws offloadkit::invalid_argument for a missing column, a server_correct@R without bytes@R,
 *         a cell that is not a number, out of range or not 0/1, arrivals out of order, npu_logit@k
 *         columns without true_label, npu_logit@k suffixes that are not
 *         exactly 0..K-1 (K >= 2), a NaN/infinite score, a label that is not an integer in [0, K) —
 *         naming the line and column ("parse_trace: line 5, column 3 ('bytes@90'): 0, expected > 0").
 * O(size of text).
 */
template <class = void>
[[nodiscard]] inline trace parse_trace(std::string_view text, std::string_view function = "parse_trace") {
    const io::csv_table tab = io::parse_csv(text, function);
    const std::size_t conf_col = tab.column("npu_confidence");
    const std::size_t npu_col = tab.column("npu_correct");
    const auto arrival_col = tab.find_column("arrival_s");
    const auto npu_time_col = tab.find_column("npu_time_s");
    const auto compress_col = tab.find_column("compress_correct");
    const auto compress_time_col = tab.find_column("compress_time_s");
    detail::require(compress_col.has_value() == compress_time_col.has_value(), function, "column '",
                    compress_col ? "compress_correct" : "compress_time_s", "' needs the column '",
                    compress_col ? "compress_time_s" : "compress_correct", "' too");
    trace t;
    // Per-class scores (CBO Fig. 6): npu_logit@0 .. npu_logit@K-1 and true_label, all or none.
    const auto label_col = tab.find_column("true_label");
    std::vector<std::size_t> logit_cols;  // by class index; npos until seen
    {
        constexpr std::string_view logit_prefix = "npu_logit@";
        constexpr std::size_t npos = static_cast<std::size_t>(-1);
        for (std::size_t c = 0; c < tab.cols(); ++c) {
            const std::string_view name = tab.header()[c];
            if (name.substr(0, logit_prefix.size()) != logit_prefix) {
                continue;
            }
            const std::string_view suffix = name.substr(logit_prefix.size());
            std::size_t k = 0;
            const auto res = std::from_chars(suffix.data(), suffix.data() + suffix.size(), k);
            const bool canonical = !suffix.empty() && res.ec == std::errc{} && res.ptr == suffix.data() + suffix.size() &&
                                   (suffix.size() == 1 || suffix[0] != '0') && k < tab.cols();
            detail::require(canonical, function, "column ", c + 1, " ('", name,
                            "'): the class index is not a decimal integer 0..", tab.cols() - 1,
                            " without leading zeros");
            if (k >= logit_cols.size()) {
                logit_cols.resize(k + 1, npos);
            }
            detail::require(logit_cols[k] == npos, function, "column ", c + 1, " ('", name,
                            "') repeats column ", logit_cols[k] + 1);
            logit_cols[k] = c;
        }
        for (std::size_t k = 0; k < logit_cols.size(); ++k) {
            detail::require(logit_cols[k] != npos, function, "column 'npu_logit@", k, "' is missing (the npu_logit@k",
                            " columns must be exactly 0..K-1; the largest is ", logit_cols.size() - 1, ")");
        }
        // true_label alone stays an ignored extra column (traces with labels only, as before).
        detail::require(logit_cols.empty() || label_col.has_value(), function,
                        "columns 'npu_logit@k' need the column 'true_label' too");
        detail::require(logit_cols.empty() || logit_cols.size() >= 2, function,
                        "only one npu_logit@k column ('npu_logit@0'), expected K >= 2 classes");
    }
    std::vector<std::size_t> bytes_cols;
    std::vector<std::size_t> server_cols;
    constexpr std::string_view bytes_prefix = "bytes@";
    constexpr std::string_view server_prefix = "server_correct@";
    for (std::size_t c = 0; c < tab.cols(); ++c) {
        const std::string_view name = tab.header()[c];
        if (name.substr(0, bytes_prefix.size()) == bytes_prefix) {
            const std::string label(name.substr(bytes_prefix.size()));
            detail::require(!label.empty(), function, "column ", c + 1, " ('", name, "') has an empty resolution label");
            t.resolutions.push_back(label);
            bytes_cols.push_back(c);
            server_cols.push_back(tab.column(std::string(server_prefix) + label));
        }
    }
    for (std::size_t c = 0; c < tab.cols(); ++c) {
        const std::string_view name = tab.header()[c];
        if (name.substr(0, server_prefix.size()) == server_prefix) {
            const std::string label = std::string(bytes_prefix) + std::string(name.substr(server_prefix.size()));
            detail::require(tab.find_column(label).has_value(), function, "column ", c + 1, " ('", name,
                            "') has no matching '", label, "' column");
        }
    }
    detail::require(!t.resolutions.empty(), function, "no 'bytes@R' column: at least one resolution is needed");
    const std::size_t n = tab.rows();
    const std::size_t m = t.resolutions.size();
    t.confidence.resize(n);
    t.npu_correct.resize(n);
    t.bytes.resize(n * m);
    t.server_correct.resize(n * m);
    if (arrival_col) {
        t.arrival.resize(n);
    }
    if (npu_time_col) {
        t.npu_time.resize(n);
    }
    if (compress_col) {
        t.compress_correct.resize(n);
        t.compress_time.resize(n);
    }
    const std::size_t k_classes = logit_cols.size();
    t.num_classes = k_classes;
    t.true_label.resize(k_classes == 0 ? 0 : n);
    t.npu_logits.resize(n * k_classes);
    auto seconds = [&](std::size_t row, std::size_t col) {
        const double v = tab.number(row, col);
        if (!(v >= 0.0) || !std::isfinite(v)) {
            detail::trace_cell_error(tab, row, col, v, "a finite number >= 0");
        }
        return v;
    };
    auto binary = [&](std::size_t row, std::size_t col) -> std::uint8_t {
        const double v = tab.number(row, col);
        if (v != 0.0 && v != 1.0) {
            detail::trace_cell_error(tab, row, col, v, "0 or 1");
        }
        return static_cast<std::uint8_t>(v);
    };
    for (std::size_t i = 0; i < n; ++i) {
        const double s = tab.number(i, conf_col);
        if (!(s >= 0.0 && s <= 1.0)) {
            detail::trace_cell_error(tab, i, conf_col, s, "a value in [0, 1]");
        }
        t.confidence[i] = s;
        t.npu_correct[i] = binary(i, npu_col);
        for (std::size_t r = 0; r < m; ++r) {
            const double b = tab.number(i, bytes_cols[r]);
            if (!(b > 0.0)) {
                detail::trace_cell_error(tab, i, bytes_cols[r], b, "> 0");
            }
            t.bytes[i * m + r] = b;
            t.server_correct[i * m + r] = binary(i, server_cols[r]);
        }
        if (arrival_col) {
            const double a = tab.number(i, *arrival_col);
            if (!(a >= 0.0)) {
                detail::trace_cell_error(tab, i, *arrival_col, a, ">= 0");
            }
            if (i > 0 && a < t.arrival[i - 1]) {
                detail::fail(function, "line ", tab.line_of(i), ", column ", *arrival_col + 1, " ('arrival_s'): ", a,
                             " is before the previous frame's arrival ", t.arrival[i - 1],
                             " (frames must be in arrival order)");
            }
            t.arrival[i] = a;
        }
        if (npu_time_col) {
            t.npu_time[i] = seconds(i, *npu_time_col);
        }
        if (compress_col) {
            t.compress_correct[i] = binary(i, *compress_col);
            t.compress_time[i] = seconds(i, *compress_time_col);
        }
        if (k_classes != 0) {
            const double y = tab.number(i, *label_col);
            if (!(y >= 0.0 && y < static_cast<double>(k_classes) && y == std::floor(y))) {
                detail::trace_cell_error(tab, i, *label_col, y,
                                         "an integer in [0, " + std::to_string(k_classes) + ")");
            }
            t.true_label[i] = static_cast<std::int32_t>(y);
            for (std::size_t k = 0; k < k_classes; ++k) {
                const double z = tab.number(i, logit_cols[k]);
                if (!std::isfinite(z)) {
                    detail::trace_cell_error(tab, i, logit_cols[k], z, "a finite number");
                }
                t.npu_logits[i * k_classes + k] = z;
            }
        }
    }
    return t;
}

/**
 * @brief Reads a trace CSV file (see parse_trace()).
 * @throws offloadkit::invalid_argument if the file cannot be opened, or as parse_trace().
 */
template <class = void>
[[nodiscard]] inline trace read_trace(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    detail::require(in.good(), "read_trace", "cannot open '", path, "'");
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_trace(ss.str(), "read_trace");
}

/**
 * @brief Writes a trace as CSV text that parse_trace() reads back exactly (numbers in shortest
 *        round-trip form): arrival_s (if present), npu_confidence, npu_correct, then bytes@R and
 *        server_correct@R per resolution, then npu_time_s, compress_correct, compress_time_s and
 *        true_label, npu_logit@0..K-1 (if present).
 * @throws offloadkit::invalid_argument if the trace is invalid (validate_trace()).
 */
template <class = void>
[[nodiscard]] inline std::string to_csv(const trace& t) {
    validate_trace(t, "to_csv");
    const std::size_t m = t.num_resolutions();
    std::string out;
    auto num = [&](double v) {
        char buf[32];
        const auto res = std::to_chars(buf, buf + sizeof buf, v);
        out.append(buf, res.ptr);
    };
    if (!t.arrival.empty()) {
        out += "arrival_s,";
    }
    out += "npu_confidence,npu_correct";
    for (const auto& r : t.resolutions) {
        out += ",bytes@" + r + ",server_correct@" + r;
    }
    if (!t.npu_time.empty()) {
        out += ",npu_time_s";
    }
    if (!t.compress_correct.empty()) {
        out += ",compress_correct,compress_time_s";
    }
    if (t.has_scores()) {
        out += ",true_label";
        for (std::size_t k = 0; k < t.num_classes; ++k) {
            out += ",npu_logit@" + std::to_string(k);
        }
    }
    out += '\n';
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (!t.arrival.empty()) {
            num(t.arrival[i]);
            out += ',';
        }
        num(t.confidence[i]);
        out += t.npu_correct[i] ? ",1" : ",0";
        for (std::size_t r = 0; r < m; ++r) {
            out += ',';
            num(t.bytes[i * m + r]);
            out += t.server_correct[i * m + r] ? ",1" : ",0";
        }
        if (!t.npu_time.empty()) {
            out += ',';
            num(t.npu_time[i]);
        }
        if (!t.compress_correct.empty()) {
            out += t.compress_correct[i] ? ",1," : ",0,";
            num(t.compress_time[i]);
        }
        if (t.has_scores()) {
            out += ',';
            out += std::to_string(t.true_label[i]);
            for (const double z : t.scores_of(i)) {
                out += ',';
                num(z);
            }
        }
        out += '\n';
    }
    return out;
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_SIM_TRACE_HPP
