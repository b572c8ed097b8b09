// offloadkit-demo — the main demo (scripts/demo runs it): confidence-based offloading (CBO,
// CBO) end to end on the bundled Fashion-MNIST trace (examples/data/fashion_mnist_trace.csv,
// docs/demo-trace.md).
//
//   offloadkit-demo [--trace FILE] [--out DIR] [--json]
//
// 1. CBO Table I on the trace: ECE/MCE of the raw, Platt and isotonic confidence (fitted on
//    the first 30% of the frames, measured on the other 70%).
// 2. The policy table at the paper's default setting (5 Mbps, L = 100 ms, 30 fps, T = 200 ms):
//    Local, Server, FastVA, CBO without calibration, CBO, Optimal, the Oracle ceiling, and the
//    CBO-to-Optimal gap (Fig. 14b); the fixed-threshold study (Fig. 4, 7a), local time (Table
//    III), Compress; and CBO driven by Platt, isotonic or Fig. 6's one-vs-rest calibration (ECE,
//    MCE, accuracy; issue 15 §3, when the trace has true_label and npu_logit@k columns).
// 3. The sweeps of Fig. 11-13 (bandwidth 0-40 Mbps, frame rate 5-30 fps, latency 0-160 ms) and
//    Fig. 14 (Optimal, and Optimal - CBO, against bandwidth at 10/20/30 fps).
// 4. ApproxNet: the branch each usage scenario (HH, MM, LL, RT, HH-Offload) selects on
//    the Table 2(a) profile, as offloadkit-approx does.
// 5. AMVP: the MinMaxCost placement of the three-task example of Fig. 7b, as
//    offloadkit-amvp does, beside the exact search.
// Writes to DIR (default out/): reliability.svg, bandwidth.svg, fps.svg, latency.svg,
// optimal.svg, and the JSON Lines behind the tables and every figure (calibration.jsonl,
// policies.jsonl, bandwidth.jsonl, fps.jsonl, latency.jsonl, optimal.jsonl, approx.jsonl,
// amvp.jsonl, per_class_calibration.jsonl).
// Stdout: readable tables; with --json, the same rows as one JSON object per line (each with a
// "table" key), the convention of the other tools. Errors: stderr, exit code 2.
#include <offloadkit/io/csv.hpp>
#include <offloadkit/io/json.hpp>
#include <offloadkit/io/svg.hpp>
#include <offloadkit/offloadkit.hpp>

#include "common/cli.hpp"
#include "common/amvp_report.hpp"
#include "common/approx_scenarios.hpp"
#include "common/demo_core.hpp"
#include "common/sweep_figures.hpp"

#include <array>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <span>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace ok = offloadkit;
namespace okx = offloadkit::examples;
namespace cli = offloadkit::examples::cli;

namespace {

using cli::usage_error;

constexpr const char* usage_text =
    "usage: offloadkit-demo [--trace FILE] [--out DIR] [--json]   (--flag value or --flag=value)\n"
    "  --trace FILE  a trace CSV (docs/trace-format.md); default: the bundled Fashion-MNIST trace\n"
    "  --out DIR     where the SVG figures and their JSON Lines go (created); default: out\n"
    "  --json        print one JSON object per table row instead of the readable tables\n";

struct settings {
    std::string trace_path = std::string(OFFLOADKIT_EXAMPLES_DIR) + "/data/fashion_mnist_trace.csv";
    std::filesystem::path out = "out";
    bool json = false;
};

settings parse_args(int argc, char** argv) {
    settings s;
    cli::arg_reader args(argc, argv);
    while (args.next()) {
        const std::string flag = args.flag();
        if (flag == "--help" || flag == "-h") {
            std::fputs(usage_text, stdout);
            std::exit(0);
        }
        if (flag == "--json") {
            args.no_value();
            s.json = true;
        } else if (flag == "--trace") {
            s.trace_path = args.value();
        } else if (flag == "--out") {
            s.out = args.value();
        } else {
            cli::unknown_flag(flag, {"--trace", "--out", "--json", "--help"});
        }
    }
    return s;
}

// Collects the JSON Lines of one table or figure; writes them to DIR/name.jsonl.
struct jsonl {
    std::string name;
    std::vector<std::string> lines;
    void add(ok::io::json_object row) {
        ok::io::json_object j;
        j.add("table", name);
        std::string a = j.str();
        std::string b = row.str();
        a.pop_back();
        if (b.size() > 2) {
            b.front() = ',';
            a += b;
        } else {
            a += '}';
        }
        lines.push_back(std::move(a));
    }
};

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    if (!out || !(out << text)) {
        throw usage_error("cannot write '" + path.string() + "'");
    }
}

void write_jsonl(const std::filesystem::path& dir, const jsonl& t) {
    std::string text;
    for (const auto& l : t.lines) {
        text += l;
        text += '\n';
    }
    write_file(dir / (t.name + ".jsonl"), text);
}

// ---- Table I and the reliability diagram ---------------------------------------------------------

ok::io::json_object bin_json(const ok::calibration_bin& b) {
    ok::io::json_object j;
    j.add("lower", b.lower).add("upper", b.upper).add("count", b.count).add("confidence", b.confidence).add(
        "accuracy", b.accuracy);
    return j;
}

std::string method_label(const std::string& m) {
    return m == "platt" ? "Platt" : m == "isotonic" ? "Isotonic" : "Uncalibrated";
}

ok::io::svg_plot reliability_panel(const okx::calibration_row& row) {
    ok::io::svg_plot p;
    char title[96];
    std::snprintf(title, sizeof title, "%s: ECE %.3f, MCE %.3f", method_label(row.method).c_str(), row.report.ece,
                  row.report.mce);
    p.title = title;
    p.x_label = "Confidence (bins of 0.1)";
    p.y_label = "Accuracy of the NPU in the bin";
    p.x_min = 0.0;
    p.x_max = 1.0;
    p.y_min = 0.0;
    p.y_max = 1.0;
    ok::io::svg_series bars;
    bars.name = "accuracy per bin";
    bars.style = ok::io::svg_style::bars;
    bars.bar_width = 0.08;
    ok::io::svg_series conf;
    conf.name = "mean confidence per bin";
    conf.color = "#D55E00";
    for (const auto& b : row.report.bins) {
        if (b.count == 0) {
            continue;
        }
        bars.x.push_back((b.lower + b.upper) / 2);
        bars.y.push_back(b.accuracy);
        conf.x.push_back((b.lower + b.upper) / 2);
        conf.y.push_back(b.confidence);
    }
    bars.color = "#0072B2";
    p.series.push_back(std::move(bars));
    p.series.push_back(std::move(conf));
    p.series.push_back({"perfect calibration", {0.0, 1.0}, {0.0, 1.0}, ok::io::svg_style::dashed, 0.0, "#555555"});
    p.legend = ok::io::svg_legend::top_left;
    return p;
}

// ---- output --------------------------------------------------------------------------------------

struct printer {
    bool json;
    // printf to stdout unless --json (format checked by the compiler).
    __attribute__((format(printf, 2, 3))) void text(const char* fmt, ...) const {
        if (!json) {
            std::va_list args;
            va_start(args, fmt);
            std::vprintf(fmt, args);
            va_end(args);
        }
    }
    void rows(const jsonl& t) const {
        if (json) {
            for (const auto& l : t.lines) {
                std::puts(l.c_str());
            }
        }
    }
};

int run_main(int argc, char** argv) {
    const auto t0 = std::chrono::steady_clock::now();
    const settings s = parse_args(argc, argv);
    const printer out{s.json};
    const ok::trace tr = ok::read_trace(s.trace_path);
    std::filesystem::create_directories(s.out);
    const ok::sim_options base = okx::paper_default_options();

    // ---- 1. Table I ----
    const okx::calibration_table cal = okx::calibrate_trace(tr, base.calibration_fraction);
    const std::size_t n = tr.size();
    jsonl calibration{"calibration", {}};
    for (const auto& row : cal.rows) {
        std::vector<std::string> bins;
        for (const auto& b : row.report.bins) {
            bins.push_back(bin_json(b).str());
        }
        ok::io::json_object j;
        j.add("method", row.method)
            .add("ece", row.report.ece)
            .add("mce", row.report.mce)
            .add("fit_frames", cal.split)
            .add("eval_frames", n - cal.split)
            .add_raw("bins", ok::io::json_array(bins));
        calibration.add(std::move(j));
    }
    std::size_t eval_correct = 0;
    for (std::size_t i = cal.split; i < n; ++i) {
        eval_correct += tr.npu_correct[i];
    }
    out.text("offloadkit demo: confidence-based offloading (CBO; Tan & Cao, INFOCOM 2022) on %s\n", s.trace_path.c_str());
    out.text("%zu frames; calibrators and A^o_r fitted on frames [0, %zu), everything measured on [%zu, %zu)\n\n", n,
             cal.split, cal.split, n);
    out.text("Table I: calibration of the NPU's confidence (10 bins; NPU accuracy on these frames %.3f)\n",
             static_cast<double>(eval_correct) / static_cast<double>(n - cal.split));
    out.text("  %-14s %7s %7s    %s\n", "method", "ECE", "MCE", "CBO Table I (AlexNet, FCVID)");
    const std::array<const char*, 3> paper{"0.27 / 0.48", "0.07 / 0.29", "0.16 / 0.41"};
    for (std::size_t k = 0; k < cal.rows.size(); ++k) {
        out.text("  %-14s %7.3f %7.3f    %s\n", method_label(cal.rows[k].method).c_str(), cal.rows[k].report.ece,
                 cal.rows[k].report.mce, paper[k]);
    }
    out.rows(calibration);
    write_jsonl(s.out, calibration);
    {
        std::vector<ok::io::svg_plot> panels;
        for (const auto& row : cal.rows) {
            panels.push_back(reliability_panel(row));
        }
        write_file(s.out / "reliability.svg", ok::io::render_svg(panels, 3, 430, 420));
    }

    // ---- 2. The policy table at the default ----
    const okx::policy_table table = okx::run_policy_table(tr, cal, base);
    jsonl policies{"policies", {}};
    for (const auto& r : table.rows) {
        ok::io::json_object j;
        j.add("policy", r.name)
            .add("accuracy", r.result.accuracy)
            .add("offloaded", r.result.offloaded)
            .add("bytes", r.result.bytes)
            .add("deadline_misses", r.result.deadline_misses)
            .add("frames", r.result.frames)
            .add("model_accuracy", r.model_accuracy);
        policies.add(std::move(j));
    }
    out.text("\nPolicies at CBO's default: 5 Mbps, latency 100 ms, 30 fps, deadline 200 ms, server 37 ms\n");
    out.text("  server accuracy A^o_r per resolution:");
    for (std::size_t r = 0; r < tr.num_resolutions(); ++r) {
        out.text(" %s %.3f", tr.resolutions[r].c_str(), table.profile.server_accuracy[r]);
    }
    out.text("; NPU %.3f\n", table.profile.npu_accuracy);
    out.text("  %-18s %8s %9s %9s %15s %14s\n", "policy", "accuracy", "offloaded", "MB sent", "deadline misses",
             "model accuracy");
    for (const auto& r : table.rows) {
        out.text("  %-18s %8.4f %8.1f%% %9.1f %15zu %14.4f\n", r.name.c_str(), r.result.accuracy,
                 100.0 * r.result.offloaded, r.result.bytes / 1e6, r.result.deadline_misses, r.model_accuracy);
    }
    const auto* cbo = table.find("cbo");
    const auto* opt = table.find("optimal");
    out.text("  CBO-to-Optimal gap: %+.4f realised accuracy, %+.4f model accuracy (CBO Fig. 14b: almost zero)\n",
             opt->result.accuracy - cbo->result.accuracy, opt->model_accuracy - cbo->model_accuracy);
    out.rows(policies);
    write_jsonl(s.out, policies);

    // ---- 2b. Issue 15: the fixed-threshold study, local time, the window order ----
    {
        // Fig. 4 (raw) and Fig. 7a (Platt): accuracy and offload share against theta, simulated
        // under the uplink (threshold_policy, Server's resolution rule) and as the paper runs it
        // (no uplink, the most accurate resolution).
        std::size_t best_r = 0;
        for (std::size_t r = 1; r < tr.num_resolutions(); ++r) {
            if (table.profile.server_accuracy[r] > table.profile.server_accuracy[best_r]) {
                best_r = r;
            }
        }
        const std::vector<double> thetas = ok::default_theta_grid();
        const auto raw_sim = ok::threshold_sweep(tr, ok::identity_calibrator{}, base, thetas);
        const auto cal_sim = ok::threshold_sweep(tr, cal.platt, base, thetas);
        std::vector<ok::threshold_point> raw_unc;
        std::vector<ok::threshold_point> cal_unc;
        jsonl t{"threshold", {}};
        out.text("\nFixed-threshold study (CBO Fig. 4 raw, Fig. 7a Platt): keep the NPU result when confidence > theta\n");
        out.text("  %5s | %-27s | %-27s\n", "", "simulated (5 Mbps, Server's r)", "no uplink (paper), r = best");
        out.text("  %5s | %6s %6s %6s %6s | %6s %6s %6s %6s\n", "theta", "rawAcc", "rawOff", "calAcc", "calOff",
                 "rawAcc", "rawOff", "calAcc", "calOff");
        for (std::size_t k = 0; k < thetas.size(); ++k) {
            raw_unc.push_back(
                ok::threshold_unconstrained(tr, cal.split, n, ok::identity_calibrator{}, thetas[k], best_r));
            cal_unc.push_back(ok::threshold_unconstrained(tr, cal.split, n, cal.platt, thetas[k], best_r));
            out.text("  %5.2f | %6.3f %6.3f %6.3f %6.3f | %6.3f %6.3f %6.3f %6.3f\n", thetas[k], raw_sim[k].accuracy,
                     raw_sim[k].offloaded, cal_sim[k].accuracy, cal_sim[k].offloaded, raw_unc[k].accuracy,
                     raw_unc[k].offloaded, cal_unc[k].accuracy, cal_unc[k].offloaded);
            ok::io::json_object j;
            j.add("theta", thetas[k])
                .add("raw_accuracy", raw_sim[k].accuracy)
                .add("raw_offloaded", raw_sim[k].offloaded)
                .add("calibrated_accuracy", cal_sim[k].accuracy)
                .add("calibrated_offloaded", cal_sim[k].offloaded)
                .add("raw_accuracy_unconstrained", raw_unc[k].accuracy)
                .add("raw_offloaded_unconstrained", raw_unc[k].offloaded)
                .add("calibrated_accuracy_unconstrained", cal_unc[k].accuracy)
                .add("calibrated_offloaded_unconstrained", cal_unc[k].offloaded);
            t.add(std::move(j));
        }
        // The paper's reading: the offload share a target accuracy needs, raw against calibrated.
        const double lo = raw_unc.front().accuracy;
        const double hi = raw_unc.back().accuracy;
        out.text("  offload share needed for an accuracy (no uplink; paper: 0.7 needs >= 70%% raw, 30%% calibrated):\n");
        for (const double f : {0.25, 0.5, 0.75}) {
            const double target = lo + f * (hi - lo);
            const auto r = ok::offload_share_for_accuracy(raw_unc, target);
            const auto c = ok::offload_share_for_accuracy(cal_unc, target);
            out.text("    accuracy >= %.3f: raw %s, calibrated %s\n", target,
                     r ? (std::to_string(static_cast<int>(std::lround(*r * 100))) + "%").c_str() : "never",
                     c ? (std::to_string(static_cast<int>(std::lround(*c * 100))) + "%").c_str() : "never");
        }
        out.rows(t);
        write_jsonl(s.out, t);
    }
    {
        // Table III: the device's own time. A frame can be sent only once its local result is known.
        jsonl t{"local_time", {}};
        std::vector<std::pair<std::string, ok::sim_options>> settings_list;
        for (const double ms : {0.0, 10.0, 28.0, 40.0, 63.0}) {
            ok::sim_options o = base;
            o.local_time = ms / 1000.0;
            char name[32];
            std::snprintf(name, sizeof name, "%g ms", ms);
            settings_list.emplace_back(name, o);
        }
        if (!tr.npu_time.empty()) {
            ok::sim_options o = base;
            o.use_trace_local_time = true;
            settings_list.emplace_back("trace npu_time_s", o);
        }
        out.text("\nLocal (NPU) time per frame (CBO Table III: 28 ms of the 63 ms slack T - T^o - L)%s\n",
                 tr.npu_time.empty() ? "; the trace has no npu_time_s column: constant times only" : "");
        out.text("  %-17s %8s %8s %8s %8s %8s\n", "NPU time", "cbo", "cbo-conf", "fastva", "optimal", "server");
        for (const auto& [name, o] : settings_list) {
            const double c = ok::run_policy(ok::policy_kind::cbo, tr, cal.platt, o, ok::true_bandwidth{}, ok::cbo_order::arrival).accuracy;
            const double cc = ok::run_policy(ok::policy_kind::cbo, tr, cal.platt, o, ok::true_bandwidth{}, ok::cbo_order::confidence).accuracy;
            const double fv = ok::run_policy(ok::policy_kind::fastva, tr, cal.platt, o, ok::true_bandwidth{}, ok::cbo_order::arrival).accuracy;
            const double op = ok::run_policy(ok::policy_kind::optimal, tr, cal.platt, o).accuracy;
            const double sv = ok::run_policy(ok::policy_kind::server, tr, cal.platt, o).accuracy;
            out.text("  %-17s %8.4f %8.4f %8.4f %8.4f %8.4f\n", name.c_str(), c, cc, fv, op, sv);
            ok::io::json_object j;
            j.add("local_time", name).add("cbo", c).add("cbo_confidence", cc).add("fastva", fv).add("optimal", op).add(
                "server", sv);
            t.add(std::move(j));
        }
        // Compress (CBO §V-A): FastVA over a pruned and quantized model on the CPU.
        if (tr.compress_correct.empty()) {
            out.text("  Compress (CBO section V-A): skipped, the trace has no compress_correct / compress_time_s columns\n");
        } else {
            const auto c = ok::run_compress(tr, base);
            out.text("  Compress (CBO section V-A, its own local answers and CPU time): accuracy %.4f, offloaded %.1f%%\n",
                     c.accuracy, 100.0 * c.offloaded);
            ok::io::json_object j;
            j.add("local_time", "compress_time_s").add("compress", c.accuracy).add("compress_offloaded", c.offloaded);
            t.add(std::move(j));
        }
        out.rows(t);
        write_jsonl(s.out, t);
    }

    // ---- 2c. Issue 15 §3: per-class calibration (CBO §III-B, Fig. 6) driving CBO's decisions ----
    if (tr.has_scores()) {
        jsonl t{"per_class_calibration", {}};
        out.text("\nCalibration schemes in CBO's decisions (CBO section III-B; Fig. 6 one-vs-rest on the %zu logits)\n",
                 tr.num_classes);
        out.text("  %-22s %7s %7s %10s %10s\n", "calibrator", "ECE", "MCE", "CBO acc", "offloaded");
        const std::span<const std::uint8_t> eval_correct_span =
            std::span<const std::uint8_t>(tr.npu_correct).subspan(cal.split);
        for (const auto kind : {ok::calibration_kind::platt, ok::calibration_kind::isotonic,
                                ok::calibration_kind::one_vs_rest}) {
            const ok::any_calibrator c = ok::fit_trace_calibrator(tr, cal.split, kind);
            std::vector<double> conf(n - cal.split);
            for (std::size_t i = cal.split; i < n; ++i) {
                conf[i - cal.split] = ok::calibrated_confidence(c, tr.confidence[i], tr.scores_of(i));
            }
            const auto rep = ok::calibration_error(conf, eval_correct_span, 10);
            const auto r = ok::run_policy(ok::policy_kind::cbo, tr, c, base, ok::true_bandwidth{}, ok::cbo_order::arrival);
            const char* label = kind == ok::calibration_kind::platt      ? "Platt, top-1"
                                : kind == ok::calibration_kind::isotonic ? "isotonic, top-1"
                                                                          : "one-vs-rest (Fig. 6)";
            out.text("  %-22s %7.3f %7.3f %10.4f %9.1f%%\n", label, rep.ece, rep.mce, r.accuracy, 100.0 * r.offloaded);
            ok::io::json_object j;
            j.add("calibrator", std::string(ok::calibration_name(kind)))
                .add("ece", rep.ece)
                .add("mce", rep.mce)
                .add("cbo_accuracy", r.accuracy)
                .add("cbo_offloaded", r.offloaded);
            t.add(std::move(j));
        }
        out.rows(t);
        write_jsonl(s.out, t);
    } else {
        out.text("\nPer-class calibration (CBO Fig. 6): skipped, the trace has no true_label / npu_logit@k columns\n");
    }

    // ---- 3. Sweeps: Fig. 11-13 ----
    const okx::sweep_settings titles{5.0, 100.0, 30.0, 200.0};
    for (const auto axis : {ok::sweep_axis::bandwidth, ok::sweep_axis::fps, ok::sweep_axis::latency}) {
        const auto display = okx::default_sweep_display(axis);
        const auto values = display.library_values();
        const auto rows = ok::sweep(tr, cal.platt, base, axis, values, ok::all_policy_kinds);
        jsonl t{std::string(ok::sweep_axis_name(axis)), {}};
        for (const auto& row : rows) {
            t.add(okx::sweep_row_json(display, row));
        }
        write_jsonl(s.out, t);
        const auto plot = okx::sweep_plot(display, rows, okx::sweep_title(axis, titles));
        write_file(s.out / (t.name + ".svg"), ok::io::render_svg(plot, 780, 480));
        // A compact matrix: one line per point, one column per policy.
        out.text("\n%s -> %s/%s.svg\n  %-8s", okx::sweep_title(axis, titles).c_str(), s.out.string().c_str(),
                 t.name.c_str(),
                 axis == ok::sweep_axis::bandwidth ? "Mbps" : axis == ok::sweep_axis::fps ? "fps" : "ms");
        for (const auto k : ok::all_policy_kinds) {
            out.text(" %9.9s", std::string(ok::policy_name(k)).c_str());
        }
        out.text("\n");
        for (std::size_t p = 0; p < values.size(); ++p) {
            out.text("  %-8g", display.points[p]);
            for (std::size_t k = 0; k < ok::all_policy_kinds.size(); ++k) {
                out.text(" %9.4f", rows[k * values.size() + p].result.accuracy);
            }
            out.text("\n");
        }
        out.rows(t);
    }

    // ---- 4. Fig. 14: Optimal and Optimal - CBO against bandwidth at several frame rates ----
    {
        const auto display = okx::default_sweep_display(ok::sweep_axis::bandwidth);
        const auto values = display.library_values();
        const std::array<ok::policy_kind, 2> kinds{ok::policy_kind::cbo, ok::policy_kind::optimal};
        ok::io::svg_plot acc;
        acc.title = "(a) Optimal (L = 100 ms, T = 200 ms)";
        acc.x_label = display.x_label;
        acc.y_label = "Accuracy (fraction of frames correct)";
        acc.legend = ok::io::svg_legend::bottom_right;
        ok::io::svg_plot gap;
        gap.title = "(b) Optimal minus CBO";
        gap.x_label = display.x_label;
        gap.y_label = "Accuracy difference";
        gap.legend = ok::io::svg_legend::top_right;
        jsonl t{"optimal", {}};
        double max_gap = -1.0, min_gap = 1.0, sum_gap = 0.0;
        std::size_t points = 0;
        std::vector<double> all;
        for (const double fps : {10.0, 20.0, 30.0}) {
            ok::sim_options o = base;
            o.fps = fps;
            o.use_trace_arrivals = false;
            const auto rows = ok::sweep(tr, cal.platt, o, ok::sweep_axis::bandwidth, values, kinds);
            char name[32];
            std::snprintf(name, sizeof name, "%g fps", fps);
            ok::io::svg_series a{name, {}, {}, ok::io::svg_style::line, 0.0, ""};
            ok::io::svg_series g{name, {}, {}, ok::io::svg_style::line, 0.0, ""};
            for (std::size_t p = 0; p < values.size(); ++p) {
                const auto& c = rows[p].result;
                const auto& op = rows[values.size() + p].result;
                const double d = op.accuracy - c.accuracy;
                ok::io::json_object j;
                j.add("fps", fps)
                    .add("bandwidth_mbps", display.points[p])
                    .add("cbo", c.accuracy)
                    .add("optimal", op.accuracy)
                    .add("gap", d);
                t.add(std::move(j));
                a.x.push_back(display.points[p]);
                a.y.push_back(op.accuracy);
                g.x.push_back(display.points[p]);
                g.y.push_back(d);
                all.push_back(op.accuracy);
                max_gap = std::max(max_gap, d);
                min_gap = std::min(min_gap, d);
                sum_gap += d;
                ++points;
            }
            acc.series.push_back(std::move(a));
            gap.series.push_back(std::move(g));
        }
        okx::fit_range(all, 0.05, 0.0, 1.0, acc);
        const double span = std::max(0.02, std::ceil(std::max(std::abs(max_gap), std::abs(min_gap)) * 100.0) / 100.0);
        gap.y_min = -span;
        gap.y_max = span;
        gap.series.push_back({"", {0.0, 40.0}, {0.0, 0.0}, ok::io::svg_style::dashed, 0.0, "#555555"});
        write_jsonl(s.out, t);
        const std::vector<ok::io::svg_plot> panels{acc, gap};
        write_file(s.out / "optimal.svg", ok::io::render_svg(panels, 2, 560, 440));
        out.text("\nFig. 14: Optimal - CBO over 0-40 Mbps at 10/20/30 fps -> %s/optimal.svg\n",
                 s.out.string().c_str());
        out.text("  mean %+.4f, min %+.4f, max %+.4f over %zu settings (CBO Fig. 14b: almost zero)\n",
                 sum_gap / static_cast<double>(points), min_gap, max_gap, points);
        out.rows(t);
    }

    // ---- 5. ApproxNet: the branch each usage scenario selects on Table 2(a) ----
    {
        const std::string path = std::string(OFFLOADKIT_EXAMPLES_DIR) + "/data/approxnet_table2a.csv";
        const ok::branch_profiles profiles = ok::read_branch_profiles(path);
        const ok::io::csv_table raw = ok::io::read_csv_file(path, "offloadkit-demo");
        const ok::branch_scheduler scheduler(profiles);  // frame interval 1/30 s (RT)
        jsonl t{"approx", {}};
        out.text("\nApproxNet (§5.4): branch per usage scenario on Table 2(a) (ILSVRC VID, Jetson TX2;\n"
                 "  one content category, no contention; HH/MM/LL = accuracy loss < 10/20/30%% of ResNet-34's %.4f)\n",
                 okx::approxnet_reference_accuracy);
        out.text("  %-11s %-22s %-19s %8s %11s   %s\n", "scenario", "requirement", "branch", "accuracy", "latency",
                 "Table 2(a) label");
        for (const auto name : okx::approx_scenarios) {
            const ok::approx_requirement r = *okx::scenario_requirement(name);
            const ok::branch_decision d = scheduler.decide(0, 0, r);
            const std::string branch = d.offload ? profiles.remote().name : profiles.name(d.branch);
            const std::string label = okx::scenario_label(raw, name);
            char req[64];
            switch (r.type) {
                case ok::approx_requirement::kind::min_accuracy:
                    std::snprintf(req, sizeof req, "accuracy >= %.4f", r.value);
                    break;
                case ok::approx_requirement::kind::offload: std::snprintf(req, sizeof req, "offload"); break;
                default: std::snprintf(req, sizeof req, "latency <= %.2f ms", 1000.0 / 30.0); break;
            }
            out.text("  %-11s %-22s %-19s %8.4f %8.2f ms   %s\n", std::string(name).c_str(), req, branch.c_str(),
                     d.accuracy, d.latency * 1000.0,
                     label.empty() ? "-" : (label == branch ? label + " (same)" : label + " (differs)").c_str());
            ok::io::json_object j;
            j.add("scenario", name)
                .add("requirement", req)
                .add("branch", branch)
                .add("offload", d.offload)
                .add("met", d.met)
                .add("expected_accuracy", d.accuracy)
                .add("expected_latency_ms", d.latency * 1000.0)
                .add("table_label", label);
            t.add(std::move(j));
        }
        out.rows(t);
        write_jsonl(s.out, t);
    }

    // ---- 6. AMVP: placement of the three-task example of Fig. 7b ----
    {
        const std::string path = std::string(OFFLOADKIT_EXAMPLES_DIR) + "/data/amvp_fig7b.csv";
        const ok::amvp_problem pb = ok::read_amvp_problem(path);
        auto timed = [](auto f, double& ms) {
            const auto a = std::chrono::steady_clock::now();
            auto r = f();
            ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count();
            return r;
        };
        double ga_ms = 0.0, exact_ms = 0.0;
        const auto ga = timed([&] { return ok::minmax_cost_solve(pb); }, ga_ms);
        const auto exact = timed([&] { return ok::minmax_cost_exact(pb); }, exact_ms);
        jsonl t{"amvp", {}};
        for (auto& row : okx::amvp_task_rows("amvp", pb, ga, pb)) {
            t.add(std::move(row));
        }
        t.add(okx::amvp_summary("amvp", ga, ga_ms));
        t.add(okx::amvp_summary("exact", exact, exact_ms));
        out.text("\nAMVP (§IV-C): MinMaxCost placement of the three-task example of Fig. 7b on four phones\n"
                 "  (examples/data/amvp_fig7b.csv: profiles shaped after Fig. 9-10, not measured; 50 Mbps links)\n");
        out.text("  %-11s %-17s %-17s %-11s %8s %10s %8s %8s\n", "task", "candidate", "split after layer", "devices",
                 "accuracy", "latency", "fps", "cost");
        for (std::size_t k = 0; ga.feasible && k < pb.tasks.size(); ++k) {
            const auto& ch = ga.choices[k];
            const auto& cand = pb.tasks[k].candidates[ch.candidate];
            const auto& o = ga.evaluation.tasks[k];
            const auto& model = pb.bases[cand.base];
            const std::string devices = pb.devices[ch.first_device].name +
                                        (o.split ? " -> " + pb.devices[ch.second_device].name : std::string());
            const std::string split = o.split ? std::to_string(model.splits[ch.split].layer) : std::string("(whole)");
            out.text("  %-11s %-17s %-17s %-11s %8.3f %7.0f ms %8.2f %8.4f\n", pb.tasks[k].name.c_str(),
                     cand.name.c_str(), split.c_str(), devices.c_str(), o.accuracy, o.latency * 1e3, o.throughput,
                     o.cost);
        }
        out.text("  max cost (eq. 9) %.4f in %.0f ms; exact search over the same share grid: %.4f in %.0f ms\n",
                 ga.max_cost, ga_ms, exact.max_cost, exact_ms);
        out.rows(t);
        write_jsonl(s.out, t);
    }

    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out.text("\nfigures and JSON Lines in %s/ (%.1f s)\n", s.out.string().c_str(), seconds);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run_main(argc, argv);
    } catch (const usage_error& e) {
        std::fprintf(stderr, "offloadkit-demo: %s\n%s", e.what(), usage_text);
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "offloadkit-demo: %s\n", e.what());
        return 2;
    }
}
