#ifndef OFFLOADKIT_MULTITASK_PROBLEM_CSV_HPP
#define OFFLOADKIT_MULTITASK_PROBLEM_CSV_HPP

/**
 * @file
 * @brief Reads an amvp_problem from CSV: one sectioned file, or a directory with one CSV file per
 *        table. The format (tables, columns, units) is documented in docs/amvp-problem-format.md.
 *
 * Tables: tasks, devices, links, models, splits, candidates, and optionally settings. In one file,
 * a line `[name]` starts table `name`; in a directory, table `name` is the file `name.csv`. Units
 * are those of a profiling log: milliseconds, frames per second, MB (10^6 bytes), KB (10^3 bytes)
 * and Mbps (10^6 bits per second); they are converted to seconds, bytes and bytes per second.
 */

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "../error.hpp"
#include "../io/csv.hpp"
#include "problem.hpp"

namespace offloadkit {

namespace detail::amvp_csv {

inline constexpr std::string_view fn = "read_amvp_problem";
inline constexpr const char* tables[] = {"tasks", "devices", "links", "models", "splits", "candidates", "settings"};

/// Sections of a sectioned file: name -> text with every line outside the section blanked, so the
/// CSV parser reports the line numbers of the original file.
template <class = void>
inline std::map<std::string, std::string> split_sections(std::string_view text) {
    std::map<std::string, std::string> out;
    std::vector<std::string_view> lines;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        lines.push_back(text.substr(pos, end - pos));
        pos = end + 1;
    }
    std::vector<std::string> owner(lines.size());
    std::string current;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string_view l = io::detail_csv::trim(lines[i]);
        if (!l.empty() && l.back() == '\r') {
            l = io::detail_csv::trim(l.substr(0, l.size() - 1));
        }
        if (l.size() >= 2 && l.front() == '[' && l.back() == ']') {
            current = std::string(io::detail_csv::trim(l.substr(1, l.size() - 2)));
            bool known = false;
            for (const char* t : tables) {
                known = known || current == t;
            }
            require(known, fn, "line ", i + 1, ": unknown section [", current, "]");
            require(out.find(current) == out.end(), fn, "line ", i + 1, ": section [", current, "] appears twice");
            out[current];
            continue;
        }
        if (current.empty()) {
            const bool blank = l.empty() || l.front() == '#';
            require(blank, fn, "line ", i + 1, ": text before the first [section]");
            continue;
        }
        owner[i] = current;
    }
    for (auto& [name, body] : out) {
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (owner[i] == name) {
                body += lines[i];
            }
            body += '\n';
        }
    }
    return out;
}

template <class = void>
inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    require(in.good(), fn, "cannot open '", p.string(), "'");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// Index of `name` in `names`, or an error naming the table, line and column.
template <class = void>
inline std::size_t lookup(const std::vector<std::string>& names, const std::string& name, const io::csv_table& t,
                          std::size_t row, std::string_view what) {
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i] == name) {
            return i;
        }
    }
    fail(t.function(), "line ", t.line_of(row), ": unknown ", what, " '", name, "'");
}

template <class = void>
inline int integer(const io::csv_table& t, std::size_t row, std::size_t col) {
    const double v = t.number(row, col);
    require(v == std::floor(v) && std::fabs(v) < 1e9, t.function(), "line ", t.line_of(row), ", column ", col + 1,
            " ('", t.header()[col], "'): ", v, " is not an integer");
    return static_cast<int>(v);
}

/// Builds the problem from parsed tables (name -> csv_table).
template <class = void>
inline amvp_problem build(const std::map<std::string, io::csv_table>& tabs) {
    for (const char* t : {"tasks", "devices", "links", "models", "splits", "candidates"}) {
        require(tabs.find(t) != tabs.end(), fn, "missing table [", t, "]");
    }
    amvp_problem pb;
    // settings
    if (const auto it = tabs.find("settings"); it != tabs.end()) {
        const auto& t = it->second;
        const auto key = t.column("key");
        const auto value = t.column("value");
        for (std::size_t r = 0; r < t.rows(); ++r) {
            const std::string& k = t.cell(r, key);
            if (k == "share_steps") {
                pb.share_steps = integer(t, r, value);
            } else if (k == "quantize_bits") {
                pb.codec.bits = integer(t, r, value);
            } else if (k == "quantize_mb_per_s") {
                pb.codec.quantize_rate = t.number(r, value) * 1e6;
            } else if (k == "dequantize_mb_per_s") {
                pb.codec.dequantize_rate = t.number(r, value) * 1e6;
            } else {
                fail(t.function(), "line ", t.line_of(r), ": unknown setting '", k, "'");
            }
        }
    }
    // devices
    std::vector<std::string> device_names;
    std::vector<double> speed;
    {
        const auto& t = tabs.at("devices");
        const auto name = t.column("device");
        const auto compute = t.column("compute");
        const auto memory = t.column("memory_mb");
        const auto sp = t.find_column("speed");
        for (std::size_t r = 0; r < t.rows(); ++r) {
            for (const auto& d : device_names) {
                require(d != t.cell(r, name), t.function(), "line ", t.line_of(r), ": device '", d, "' appears twice");
            }
            device_names.push_back(t.cell(r, name));
            pb.devices.push_back({t.cell(r, name), t.number(r, compute), t.number(r, memory) * 1e6});
            speed.push_back(sp ? t.number(r, *sp) : 1.0);
            require(speed.back() > 0.0, t.function(), "line ", t.line_of(r), ": speed is ", speed.back(),
                    ", expected > 0");
        }
    }
    const std::size_t K = pb.devices.size();
    require(K > 0, fn, "table [devices] is empty");
    // links (symmetric; '*' matches every device)
    pb.bandwidth.assign(K * K, 0.0);
    {
        const auto& t = tabs.at("links");
        const auto from = t.column("from");
        const auto to = t.column("to");
        const auto bw = t.column("bandwidth_mbps");
        for (std::size_t r = 0; r < t.rows(); ++r) {
            const double b = t.number(r, bw) * 1e6 / 8.0;
            const auto pick = [&](std::size_t col) {
                std::vector<std::size_t> v;
                if (t.cell(r, col) == "*") {
                    for (std::size_t k = 0; k < K; ++k) {
                        v.push_back(k);
                    }
                } else {
                    v.push_back(lookup(device_names, t.cell(r, col), t, r, "device"));
                }
                return v;
            };
            for (const auto a : pick(from)) {
                for (const auto c : pick(to)) {
                    if (a != c) {
                        pb.bandwidth[a * K + c] = b;
                        pb.bandwidth[c * K + a] = b;
                    }
                }
            }
        }
    }
    // models
    std::vector<std::string> model_names;
    {
        const auto& t = tabs.at("models");
        const auto name = t.column("model");
        const auto layers = t.column("layers");
        for (std::size_t r = 0; r < t.rows(); ++r) {
            for (const auto& m : model_names) {
                require(m != t.cell(r, name), t.function(), "line ", t.line_of(r), ": model '", m, "' appears twice");
            }
            model_names.push_back(t.cell(r, name));
            amvp_base_model b;
            b.name = t.cell(r, name);
            b.layers = integer(t, r, layers);
            pb.bases.push_back(b);
        }
    }
    // splits: rows per (model, layer); device '*' = every device (latency / speed), a named device
    // overrides that device
    {
        const auto& t = tabs.at("splits");
        const auto model = t.column("model");
        const auto layer = t.column("layer");
        const auto device = t.column("device");
        const auto l1 = t.column("p1_latency_ms");
        const auto l2 = t.column("p2_latency_ms");
        const auto m1 = t.column("p1_memory_mb");
        const auto m2 = t.column("p2_memory_mb");
        const auto fk = t.column("feature_kb");
        const auto t1 = t.find_column("p1_throughput_fps");
        const auto t2 = t.find_column("p2_throughput_fps");
        struct pending {
            amvp_split split;
            std::vector<bool> set;
            std::size_t line;
        };
        std::vector<std::vector<pending>> per_model(pb.bases.size());
        for (std::size_t r = 0; r < t.rows(); ++r) {
            const std::size_t b = lookup(model_names, t.cell(r, model), t, r, "model");
            const int lay = integer(t, r, layer);
            auto& list = per_model[b];
            pending* p = nullptr;
            for (auto& q : list) {
                if (q.split.layer == lay) {
                    p = &q;
                }
            }
            if (p == nullptr) {
                list.push_back({});
                p = &list.back();
                p->split.layer = lay;
                p->split.first.latency.assign(K, 0.0);
                p->split.second.latency.assign(K, 0.0);
                if (t1 || t2) {
                    p->split.first.throughput.assign(K, 0.0);
                    p->split.second.throughput.assign(K, 0.0);
                }
                p->set.assign(K, false);
                p->line = t.line_of(r);
            }
            const bool all = t.cell(r, device) == "*";
            std::vector<std::size_t> targets;
            if (all) {
                for (std::size_t k = 0; k < K; ++k) {
                    if (!p->set[k]) {
                        targets.push_back(k);
                    }
                }
            } else {
                targets.push_back(lookup(device_names, t.cell(r, device), t, r, "device"));
            }
            for (const auto k : targets) {
                const double f = all ? speed[k] : 1.0;
                p->split.first.latency[k] = t.number(r, l1) / 1e3 / f;
                p->split.second.latency[k] = t.number(r, l2) / 1e3 / f;
                if (t1 || t2) {
                    const double a = t1 ? t.number(r, *t1) : 1e3 / t.number(r, l1);
                    const double c = t2 ? t.number(r, *t2) : (t.number(r, l2) > 0 ? 1e3 / t.number(r, l2) : 1e9);
                    p->split.first.throughput[k] = a * f;
                    p->split.second.throughput[k] = c * f;
                }
                p->set[k] = true;
            }
            p->split.first.memory = t.number(r, m1) * 1e6;
            p->split.second.memory = t.number(r, m2) * 1e6;
            p->split.feature_bytes = t.number(r, fk) * 1e3;
        }
        for (std::size_t b = 0; b < pb.bases.size(); ++b) {
            for (auto& p : per_model[b]) {
                for (std::size_t k = 0; k < K; ++k) {
                    require(p.set[k], fn, "[splits] line ", p.line, ": model '", model_names[b], "' layer ",
                            p.split.layer, " has no profile for device '", device_names[k], "'");
                }
                pb.bases[b].splits.push_back(std::move(p.split));
            }
        }
    }
    // tasks
    std::vector<std::string> task_names;
    {
        const auto& t = tabs.at("tasks");
        const auto name = t.column("task");
        const auto acc = t.column("accuracy_goal");
        const auto lat = t.column("latency_goal_ms");
        const auto thr = t.column("throughput_goal_fps");
        const auto a = t.column("alpha");
        const auto b = t.column("beta");
        const auto g = t.column("gamma");
        for (std::size_t r = 0; r < t.rows(); ++r) {
            for (const auto& n : task_names) {
                require(n != t.cell(r, name), t.function(), "line ", t.line_of(r), ": task '", n, "' appears twice");
            }
            task_names.push_back(t.cell(r, name));
            amvp_task task;
            task.name = t.cell(r, name);
            task.goal = {.accuracy = t.number(r, acc),
                         .latency = t.number(r, lat) / 1e3,
                         .throughput = t.number(r, thr),
                         .alpha = t.number(r, a),
                         .beta = t.number(r, b),
                         .gamma = t.number(r, g)};
            pb.tasks.push_back(task);
        }
    }
    // candidates
    {
        const auto& t = tabs.at("candidates");
        const auto task = t.column("task");
        const auto name = t.column("candidate");
        const auto model = t.column("model");
        const auto frozen = t.column("frozen_layers");
        const auto acc = t.column("accuracy");
        for (std::size_t r = 0; r < t.rows(); ++r) {
            const std::size_t s = lookup(task_names, t.cell(r, task), t, r, "task");
            amvp_candidate c;
            c.name = t.cell(r, name);
            c.base = lookup(model_names, t.cell(r, model), t, r, "model");
            c.frozen_layers = integer(t, r, frozen);
            c.accuracy = t.number(r, acc);
            pb.tasks[s].candidates.push_back(c);
        }
    }
    (void)amvp::compile(pb, fn);  // amvp_validate's checks, reported as read_amvp_problem
    return pb;
}

template <class = void>
inline std::map<std::string, io::csv_table> parse_sections(const std::map<std::string, std::string>& texts,
                                                           const std::string& where) {
    std::map<std::string, io::csv_table> tabs;
    for (const auto& [name, body] : texts) {
        tabs.emplace(name, io::parse_csv(body, std::string(fn) + " " + where + "[" + name + "]"));
    }
    return tabs;
}

}  // namespace detail::amvp_csv

/**
 * @brief Parses a sectioned CSV problem (format: docs/amvp-problem-format.md).
 * @throws offloadkit::invalid_argument naming the line for malformed CSV, unknown sections,
 *         names or settings, missing tables, columns or device profiles, non-numbers; and
 *         whatever amvp_validate rejects (every message starts "read_amvp_problem: ").
 */
template <class = void>
[[nodiscard]] inline amvp_problem parse_amvp_problem(std::string_view text) {
    return detail::amvp_csv::build(detail::amvp_csv::parse_sections(detail::amvp_csv::split_sections(text), ""));
}

/**
 * @brief Reads a problem from a sectioned CSV file, or from a directory holding tasks.csv,
 *        devices.csv, links.csv, models.csv, splits.csv, candidates.csv (and optionally settings.csv).
 * @throws offloadkit::invalid_argument as parse_amvp_problem, or if a file cannot be read.
 */
template <class = void>
[[nodiscard]] inline amvp_problem read_amvp_problem(const std::string& path) {
    namespace fs = std::filesystem;
    const fs::path p(path);
    // The error_code overloads: the throwing ones raise std::filesystem::filesystem_error for a
    // path the OS rejects (too long, no permission), and every failure here must be
    // offloadkit::invalid_argument. A status error counts as "not a directory / no such file",
    // and read_file then reports that it cannot open the path.
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
        std::map<std::string, std::string> texts;
        for (const char* t : detail::amvp_csv::tables) {
            const fs::path f = p / (std::string(t) + ".csv");
            std::error_code exists_ec;
            if (fs::exists(f, exists_ec)) {
                texts[t] = detail::amvp_csv::read_file(f);
            }
        }
        return detail::amvp_csv::build(detail::amvp_csv::parse_sections(texts, p.filename().string() + "/"));
    }
    return parse_amvp_problem(detail::amvp_csv::read_file(p));
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_MULTITASK_PROBLEM_CSV_HPP
