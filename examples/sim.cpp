// offloadkit-sim — replay a trace through offloading policies (CBO §V) and print the result as one
// JSON object per line; with --sweep, every policy at every point of a bandwidth, frame-rate or
// latency sweep (CBO Fig. 11-13), streamed as each point finishes, optionally drawn as an SVG.
// Every setting defaults to the paper's (CBO §V-A) in a single run and in a sweep alike; `--help`
// lists them. Flags are `--flag value` or `--flag=value` (examples/common/cli.hpp).
//
// Policies: local, server, fastva, cbo, cbo-uncalibrated, optimal, oracle, or all (the default).
// The first P of the trace (default 0.3) fits the calibrator and profiles the server accuracy per
// resolution; the rest is evaluated. Trace format: docs/trace-format.md. Errors go to stderr with
// exit code 2; warnings (settings under which nothing can be offloaded, a tiny calibration part)
// and sweep progress go to stderr too.
#include <offloadkit/estimators/bandwidth.hpp>
#include <offloadkit/io/json.hpp>
#include <offloadkit/io/svg.hpp>
#include <offloadkit/offloadkit.hpp>

#include "common/cli.hpp"
#include "common/sweep_figures.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ok = offloadkit;
namespace okx = offloadkit::examples;
namespace cli = offloadkit::examples::cli;

namespace {

constexpr std::string_view tool = "offloadkit-sim";

constexpr const char* usage_text =
    "usage: offloadkit-sim (--trace FILE | --synthetic FRAMES [--seed N]) [options]\n"
    "Replays the trace through offloading policies (CBO section V) and prints one JSON object per\n"
    "policy (and sweep point). Defaults are the paper's setting, for a single run and a sweep alike:\n"
    "  --policy NAME          local, server, fastva, cbo, cbo-uncalibrated, optimal, oracle or all\n"
    "                         (default all), or threshold (see --theta) or compress (CBO's Compress:\n"
    "                         FastVA over the trace's compress_correct / compress_time_s); not in all\n"
    "  --bandwidth-mbps X     uplink bandwidth, Mbps (default 5)\n"
    "  --latency-ms L         network latency, ms (default 100)\n"
    "  --deadline-ms T        deadline of a frame after its arrival, ms (default 200)\n"
    "  --server-ms S          server inference time, ms (default 37)\n"
    "  --fps F                frame rate. Without --fps, a trace with an arrival_s column keeps its\n"
    "                         own times (and the Server baseline keeps up with its mean frame\n"
    "                         interval); a trace without arrival_s runs at 30 fps. With --fps, the\n"
    "                         frames are re-timed at i/F s whatever the trace says, and Server keeps\n"
    "                         up with 1/F s: an explicit override of both.\n"
    "  --calibration-fraction P  leading share of the trace that fits the calibrator and profiles\n"
    "                         the server, in (0, 1) (default 0.3); the rest is evaluated\n"
    "  --sweep AXIS           bandwidth, fps or latency: every policy at every point (CBO Fig. 11-13)\n"
    "  --values LIST          the sweep's points in its unit (Mbps, frames/s or ms), e.g. 1,2,5,10\n"
    "                         (default: bandwidth 0-40 Mbps, fps 5-30, latency 0-160 ms)\n"
    "  --svg FILE             draw the sweep (checked to be writable before the work)\n"
    "  --estimator NAME       exact, harmonic or ewma: what the online policies know of the\n"
    "                         bandwidth (default exact)\n"
    "  --order NAME           arrival (the exact optimum of each pending window, default) or\n"
    "                         confidence (CBO Algorithm 1 as written) for cbo, cbo-uncalibrated and\n"
    "                         fastva (which uses the order of the CBO it is compared with)\n"
    "  --local-time-ms X      the NPU's inference time per frame, ms (default 0: a frame is decided\n"
    "                         when it arrives, as in CBO's model; CBO Table III measures 28 ms), or\n"
    "                         `trace` for the trace's npu_time_s column. A frame joins the window\n"
    "                         when its local result is known; one NPU runs frames in arrival order\n"
    "  --calibrator NAME      platt (CBO section III-B, default), isotonic or raw (no calibration) on\n"
    "                         the top-1 confidence, or ovr (CBO Fig. 6: one-vs-rest on the whole\n"
    "                         score vector; the trace needs true_label and npu_logit@k columns):\n"
    "                         fitted on the calibration part; used by cbo, optimal and threshold\n"
    "  --theta X              threshold policy: keep the NPU result when the calibrated confidence\n"
    "                         is above X, offload otherwise (CBO section III-A), in [0, 1] (default 0.5)\n"
    "  --threshold-resolution R  threshold policy: offload at resolution index R (default -1: the\n"
    "                         Server baseline's choice)\n"
    "  --sweep theta          the fixed-threshold study (CBO Fig. 4 and 7a): for every theta (default\n"
    "                         0, 0.05, ..., 1) accuracy and offload share with raw and calibrated\n"
    "                         confidence, simulated under the uplink and unconstrained\n"
    "  --devices N            shared-server mode (issue 16 section 5): N devices, each running the\n"
    "                         policy on its own uplink and its own slice and phase of the trace,\n"
    "                         share one FIFO edge server (sim/shared_server.hpp)\n"
    "  --workers K            shared-server mode: the server's workers (default 1)\n"
    "  --max-queue Q          shared-server mode: waiting requests before new ones are refused\n"
    "                         (default 0: unbounded)\n"
    "  --compute-ms C         shared-server mode: the server's compute time per request, ms\n"
    "                         (default: --server-ms, the T^o every policy plans with)\n"
    "  --sweep devices        shared-server mode at every device count of --values (default 1..16);\n"
    "                         with --policy all: cbo, fastva, server and local (dashed)\n"
    "  --quiet                no sweep progress on stderr\n"
    "Flags take `--flag value` or `--flag=value`. Errors: stderr, exit code 2.\n";

const std::vector<std::string> known_flags{"--trace",         "--synthetic", "--seed",      "--policy",
                                           "--bandwidth-mbps", "--latency-ms", "--fps",       "--deadline-ms",
                                           "--server-ms",     "--calibration-fraction",     "--sweep",
                                           "--values",        "--svg",       "--estimator", "--order",
                                           "--local-time-ms", "--calibrator", "--theta",
                                           "--threshold-resolution", "--quiet",         "--help",
                                           "--devices",       "--workers",   "--max-queue", "--compute-ms"};

constexpr double inf = std::numeric_limits<double>::infinity();

struct settings {
    std::string trace_path;
    std::optional<std::size_t> synthetic_frames;
    std::uint64_t seed = 1;
    std::string policy = "all";
    double bandwidth_mbps = 5.0;
    double latency_ms = 100.0;
    std::optional<double> fps;   // set: an explicit override of arrivals and Server's interval
    double deadline_ms = 200.0;
    double server_ms = 37.0;
    double calibration_fraction = 0.3;
    std::string sweep;
    std::string values_text;
    std::vector<double> values;  // display units
    std::string svg;
    std::string estimator = "exact";
    ok::cbo_order order = ok::cbo_order::arrival;  // issue 15 §5: measured, docs/offloading.md
    bool quiet = false;
    double local_time_ms = 0.0;
    bool trace_local_time = false;
    std::string calibrator = "platt";
    double theta = 0.5;
    int threshold_resolution = -1;
    std::optional<std::size_t> devices;  // shared-server mode (issue 16 §5)
    std::size_t workers = 1;
    std::size_t max_queue = 0;
    double compute_ms = -1.0;  // < 0: --server-ms
    bool shared_flags = false;  // --workers, --max-queue or --compute-ms given
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
        if (flag == "--quiet") {
            args.no_value();
            s.quiet = true;
            continue;
        }
        if (!args.is_flag()) {
            throw cli::usage_error("unexpected argument '" + flag + "' (every input is given with a flag, e.g. --trace FILE)");
        }
        if (flag == "--trace") {
            s.trace_path = args.value();
        } else if (flag == "--synthetic") {
            s.synthetic_frames = static_cast<std::size_t>(cli::whole(flag, args.value(), 10, 100000000));
        } else if (flag == "--seed") {
            s.seed = cli::whole(flag, args.value());
        } else if (flag == "--policy") {
            std::vector<std::string> names{"all"};
            for (const auto k : ok::all_policy_kinds) {
                names.emplace_back(ok::policy_name(k));
            }
            names.emplace_back("threshold");
            names.emplace_back("compress");
            s.policy = cli::choice(flag, args.value(), names);
        } else if (flag == "--bandwidth-mbps") {
            s.bandwidth_mbps = cli::number_in(flag, args.value(), 0.0, inf, "Mbps");
        } else if (flag == "--latency-ms") {
            s.latency_ms = cli::number_in(flag, args.value(), 0.0, inf, "ms");
        } else if (flag == "--fps") {
            s.fps = cli::number_in(flag, args.value(), 0.0, inf, "frames/s", cli::bound::open);
        } else if (flag == "--deadline-ms") {
            s.deadline_ms = cli::number_in(flag, args.value(), 0.0, inf, "ms", cli::bound::open);
        } else if (flag == "--server-ms") {
            s.server_ms = cli::number_in(flag, args.value(), 0.0, inf, "ms");
        } else if (flag == "--calibration-fraction") {
            s.calibration_fraction = cli::number_in(flag, args.value(), 0.0, 1.0, "", cli::bound::open, cli::bound::open);
        } else if (flag == "--sweep") {
            s.sweep = cli::choice(flag, args.value(), {"bandwidth", "fps", "latency", "local-time", "theta", "devices"});
        } else if (flag == "--values") {
            s.values_text = args.value();
        } else if (flag == "--svg") {
            s.svg = args.value();
        } else if (flag == "--estimator") {
            s.estimator = cli::choice(flag, args.value(), {"exact", "harmonic", "ewma"});
        } else if (flag == "--calibrator") {
            s.calibrator = cli::choice(flag, args.value(), {"platt", "isotonic", "raw", "ovr"});
        } else if (flag == "--theta") {
            s.theta = cli::number_in(flag, args.value(), 0.0, 1.0, "");
        } else if (flag == "--threshold-resolution") {
            s.threshold_resolution = static_cast<int>(cli::whole(flag, args.value(), 0, 1000)) ;
        } else if (flag == "--devices") {
            s.devices = static_cast<std::size_t>(cli::whole(flag, args.value(), 1, 4096));
        } else if (flag == "--workers") {
            s.workers = static_cast<std::size_t>(cli::whole(flag, args.value(), 1, 4096));
            s.shared_flags = true;
        } else if (flag == "--max-queue") {
            s.max_queue = static_cast<std::size_t>(cli::whole(flag, args.value(), 0, 1u << 20));
            s.shared_flags = true;
        } else if (flag == "--compute-ms") {
            s.compute_ms = cli::number_in(flag, args.value(), 0.0, inf, "ms");
            s.shared_flags = true;
        } else if (flag == "--local-time-ms") {
            const std::string v = args.value();
            if (v == "trace") {
                s.trace_local_time = true;
            } else {
                s.local_time_ms = cli::number_in(flag, v, 0.0, inf, "ms");
                s.trace_local_time = false;
            }
        } else if (flag == "--order") {
            s.order = cli::choice(flag, args.value(), {"confidence", "arrival"}) == "confidence" ? ok::cbo_order::confidence
                                                                                                  : ok::cbo_order::arrival;
        } else {
            cli::unknown_flag(flag, known_flags);
        }
    }
    if (s.trace_path.empty() == !s.synthetic_frames.has_value()) {
        throw cli::usage_error("give exactly one of --trace FILE and --synthetic FRAMES");
    }
    if (!s.svg.empty() && s.sweep.empty()) {
        throw cli::usage_error("--svg needs --sweep");
    }
    if (!s.values_text.empty() && s.sweep.empty()) {
        throw cli::usage_error("--values needs --sweep");
    }
    if (!s.values_text.empty()) {
        if (s.sweep == "bandwidth") {
            s.values = cli::number_list("--values", s.values_text, 0.0, inf, "Mbps");
        } else if (s.sweep == "fps") {
            s.values = cli::number_list("--values", s.values_text, 0.0, inf, "frames/s", cli::bound::open);
        } else if (s.sweep == "theta") {
            s.values = cli::number_list("--values", s.values_text, 0.0, 1.0, "");
        } else if (s.sweep == "devices") {
            s.values = cli::number_list("--values", s.values_text, 1.0, 4096.0, "devices");
            for (const double v : s.values) {
                if (v != std::floor(v)) {
                    throw cli::usage_error("--values: " + std::to_string(v) + " is not a whole number of devices");
                }
            }
        } else {
            s.values = cli::number_list("--values", s.values_text, 0.0, inf, "ms");
        }
    }
    if (s.shared_flags && !s.devices && s.sweep != "devices") {
        throw cli::usage_error("--workers, --max-queue and --compute-ms need --devices N or --sweep devices");
    }
    if (s.devices && !s.sweep.empty() && s.sweep != "devices") {
        throw cli::usage_error("--devices runs one setting (or --sweep devices), not --sweep " + s.sweep);
    }
    return s;
}

ok::sim_options options_of(const settings& s) {
    ok::sim_options o;
    o.deadline = s.deadline_ms / 1000.0;
    o.server_time = s.server_ms / 1000.0;
    o.network_latency = s.latency_ms / 1000.0;
    o.fps = s.fps.value_or(30.0);
    o.use_trace_arrivals = !s.fps.has_value();  // --fps overrides a trace's own arrival times
    o.bandwidth = ok::bandwidth_trace(s.bandwidth_mbps * okx::bytes_per_second_per_mbps);
    o.calibration_fraction = s.calibration_fraction;
    o.local_time = s.local_time_ms / 1000.0;
    o.use_trace_local_time = s.trace_local_time;
    return o;
}

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

// Warnings about the fixed settings (a swept parameter is not judged): nothing can be offloaded.
void warn_about_settings(const settings& s, const ok::trace& tr) {
    const bool sweeps_bw = s.sweep == "bandwidth";
    const bool sweeps_latency = s.sweep == "latency";
    if (!sweeps_latency && s.latency_ms + s.server_ms >= s.deadline_ms) {
        cli::warn(tool, "--latency-ms " + num(s.latency_ms) + " + --server-ms " + num(s.server_ms) + " >= --deadline-ms " +
                            num(s.deadline_ms) + ": no offloaded frame can be back in time; every policy keeps every frame local");
        return;
    }
    if (!sweeps_bw && s.bandwidth_mbps == 0.0) {
        cli::warn(tool, "--bandwidth-mbps 0: nothing can be sent; every policy keeps every frame local");
        return;
    }
    if (!sweeps_bw && !sweeps_latency && tr.size() > 0) {
        const double smallest = *std::min_element(tr.bytes.begin(), tr.bytes.end());
        const double send_ms = smallest / (s.bandwidth_mbps * okx::bytes_per_second_per_mbps) * 1000.0;
        if (send_ms + s.latency_ms + s.server_ms > s.deadline_ms) {
            cli::warn(tool, "the smallest frame of the trace (" + num(smallest) + " bytes) takes " + num(send_ms) +
                                " ms to send at --bandwidth-mbps " + num(s.bandwidth_mbps) + ", more than the " +
                                num(s.deadline_ms - s.latency_ms - s.server_ms) +
                                " ms that --deadline-ms leaves after latency and server time: nothing can be offloaded in time");
        }
    }
}

// Calls f(make_estimator) with the factory of the chosen estimator; each run gets a fresh
// estimator whose initial value is that run's true bandwidth at time 0.
template <class F>
decltype(auto) with_estimator(const settings& s, F&& f) {
    if (s.estimator == "harmonic") {
        return f([](const ok::sim_options& o) { return ok::harmonic_mean_estimator(5, o.bandwidth.at(0.0)); });
    }
    if (s.estimator == "ewma") {
        return f([](const ok::sim_options& o) { return ok::dual_ewma_estimator(2.0, 5.0, o.bandwidth.at(0.0)); });
    }
    return f(ok::true_bandwidth_factory{});
}

ok::trace load_trace(const settings& s) {
    if (s.synthetic_frames) {
        ok::synthetic_trace_options so;
        so.frames = *s.synthetic_frames;
        so.seed = s.seed;
        return ok::make_synthetic_trace(so);
    }
    ok::trace tr = ok::read_trace(s.trace_path);
    if (tr.size() == 0) {
        throw cli::usage_error("--trace '" + s.trace_path + "' has a header but no frames");
    }
    return tr;
}

template <class Cal>
int run_with(const settings& s, const ok::trace& tr, const Cal& cal);

int run_main(int argc, char** argv) {
    const settings s = parse_args(argc, argv);
    if (!s.svg.empty()) {
        cli::require_writable("--svg", s.svg);
    }
    const ok::trace tr = load_trace(s);
    const std::size_t n = tr.size();
    const auto split = static_cast<std::size_t>(std::floor(static_cast<double>(n) * s.calibration_fraction));
    if (split < 1 || split >= n) {
        throw cli::usage_error("a trace of " + std::to_string(n) + " frames is too short for --calibration-fraction " +
                               num(s.calibration_fraction) + ": it leaves " + std::to_string(split) +
                               " frames to calibrate on and " + std::to_string(n - split) +
                               " to evaluate (each part needs at least one frame; 30 or more to calibrate)");
    }
    if (split < 30) {
        cli::warn(tool, "calibrating on " + std::to_string(split) +
                            " frames (fewer than 30): the fitted calibrator and the server accuracies are unreliable");
    }
    if (s.fps && !tr.arrival.empty()) {
        cli::warn(tool, "--fps " + num(*s.fps) + " re-times the trace's frames at i/" + num(*s.fps) +
                            " s: its arrival_s column is not used");
    }
    if (s.trace_local_time && tr.npu_time.empty()) {
        throw cli::usage_error("--local-time-ms trace: the trace has no npu_time_s column (give a time in ms instead)");
    }
    if (s.threshold_resolution >= static_cast<int>(tr.num_resolutions())) {
        throw cli::usage_error("--threshold-resolution " + std::to_string(s.threshold_resolution) + ": the trace has " +
                               std::to_string(tr.num_resolutions()) + " resolutions (0.." +
                               std::to_string(tr.num_resolutions() - 1) + ")");
    }
    warn_about_settings(s, tr);
    if (s.calibrator == "isotonic") {
        const auto iso = ok::isotonic_calibrator::fit(std::span<const double>(tr.confidence).first(split),
                                                      std::span<const std::uint8_t>(tr.npu_correct).first(split));
        return run_with(s, tr, iso);
    }
    if (s.calibrator == "raw") {
        return run_with(s, tr, ok::identity_calibrator{});
    }
    if (s.calibrator == "ovr") {
        if (!tr.has_scores()) {
            throw cli::usage_error("--calibrator ovr: the trace has no true_label and npu_logit@0..K-1 columns "
                                   "(CBO Fig. 6 reads each frame's scores; docs/trace-format.md)");
        }
        return run_with(s, tr, ok::fit_trace_calibrator(tr, split, ok::calibration_kind::one_vs_rest));
    }
    return run_with(s, tr, ok::fit_trace_calibrator(tr, split));  // Platt on the profile part
}

// The theta study (CBO Fig. 4 / 7a): one JSON object per theta.
template <class Cal>
int run_theta_sweep(const settings& s, const ok::trace& tr, const Cal& cal) {
    const ok::sim_options base = options_of(s);
    const std::vector<double> thetas = s.values.empty() ? ok::default_theta_grid() : s.values;
    const ok::trace_profile prof = ok::profile_trace(tr, base.calibration_fraction);
    const std::size_t split = prof.split;
    // The unconstrained study uses the most accurate resolution (the paper's Fig. 4 sends full frames).
    std::size_t best_r = 0;
    for (std::size_t r = 1; r < prof.server_accuracy.size(); ++r) {
        if (prof.server_accuracy[r] > prof.server_accuracy[best_r]) {
            best_r = r;
        }
    }
    const std::size_t r_unc = s.threshold_resolution >= 0 ? static_cast<std::size_t>(s.threshold_resolution) : best_r;
    for (const double theta : thetas) {
        const auto raw_sim = ok::run_threshold(tr, ok::identity_calibrator{}, base, theta, s.threshold_resolution);
        const auto cal_sim = ok::run_threshold(tr, cal, base, theta, s.threshold_resolution);
        const auto raw_unc = ok::threshold_unconstrained(tr, split, tr.size(), ok::identity_calibrator{}, theta, r_unc);
        const auto cal_unc = ok::threshold_unconstrained(tr, split, tr.size(), cal, theta, r_unc);
        ok::io::json_object j;
        j.add("sweep", "theta").add("theta", theta).add("calibrator", s.calibrator);
        j.add("raw_accuracy", raw_sim.accuracy).add("raw_offloaded", raw_sim.offloaded);
        j.add("calibrated_accuracy", cal_sim.accuracy).add("calibrated_offloaded", cal_sim.offloaded);
        j.add("raw_accuracy_unconstrained", raw_unc.accuracy).add("raw_offloaded_unconstrained", raw_unc.offloaded);
        j.add("calibrated_accuracy_unconstrained", cal_unc.accuracy)
            .add("calibrated_offloaded_unconstrained", cal_unc.offloaded);
        j.add("deadline_misses", static_cast<double>(raw_sim.deadline_misses + cal_sim.deadline_misses));
        std::puts(j.str().c_str());
        std::fflush(stdout);
    }
    return 0;
}

// Shared-server mode (issue 16 §5, sim/shared_server.hpp): one JSON object per policy and device
// count; with --svg (sweep devices) the accuracy-vs-cameras figure.
template <class Cal>
int run_shared(const settings& s, const ok::trace& tr, const Cal& cal) {
    if (s.policy == "threshold" || s.policy == "compress") {
        throw cli::usage_error("--policy " + s.policy + " has no shared-server mode");
    }
    const bool sweep = s.sweep == "devices";
    std::vector<ok::policy_kind> kinds;
    if (s.policy != "all") {
        kinds.push_back(*ok::parse_policy_kind(s.policy));
    } else if (sweep) {
        kinds = {ok::policy_kind::cbo, ok::policy_kind::fastva, ok::policy_kind::server, ok::policy_kind::local};
    } else {
        kinds.assign(ok::all_policy_kinds.begin(), ok::all_policy_kinds.end());
    }
    std::vector<std::size_t> counts;
    if (!sweep) {
        counts.push_back(*s.devices);
    } else if (s.values.empty()) {
        for (std::size_t n = 1; n <= 16; ++n) {
            counts.push_back(n);
        }
    } else {
        for (const double v : s.values) {
            counts.push_back(static_cast<std::size_t>(v));
        }
    }
    const ok::sim_options base = options_of(s);
    ok::shared_server_options so;
    so.workers = s.workers;
    so.max_queue = s.max_queue;
    so.compute_time = s.compute_ms < 0.0 ? -1.0 : s.compute_ms / 1000.0;
    ok::io::svg_plot plot;
    std::vector<double> all;
    const auto started = std::chrono::steady_clock::now();
    for (const auto kind : kinds) {
        ok::io::svg_series series;
        series.name = okx::policy_label(kind);
        if (kind == ok::policy_kind::local) {
            series.style = ok::io::svg_style::dashed;  // the floor every late answer falls back to
        }
        for (const std::size_t n : counts) {
            const std::vector<ok::policy_kind> devices(n, kind);
            const ok::shared_server_result r = with_estimator(s, [&](auto make) {
                return ok::simulate_shared_server(devices, tr, cal, base, so, make(base), s.order);
            });
            std::vector<double> per_device;
            double offloaded = 0.0;
            for (const auto& d : r.devices) {
                per_device.push_back(d.accuracy);
                offloaded += d.offloaded / static_cast<double>(r.devices.size());
            }
            ok::io::json_object j;
            if (sweep) {
                j.add("sweep", "devices");
            }
            j.add("policy", ok::policy_name(kind))
                .add("devices", n)
                .add("workers", so.workers)
                .add("accuracy", r.accuracy)
                .add("offloaded", offloaded)
                .add("deadline_misses", r.deadline_misses)
                .add("frames", r.frames)
                .add("requests", r.requests)
                .add("expired", r.expired)
                .add("overloaded", r.overloaded)
                .add("max_queue_length", r.max_queue_length)
                .add("mean_wait_ms", 1e3 * r.mean_wait)
                .add("max_wait_ms", 1e3 * r.max_wait)
                .add("device_accuracy", per_device);
            std::puts(j.str().c_str());
            std::fflush(stdout);
            series.x.push_back(static_cast<double>(n));
            series.y.push_back(r.accuracy);
            all.push_back(r.accuracy);
            if (sweep && !s.quiet) {
                const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
                std::fprintf(stderr, "offloadkit-sim: sweep: %s with %zu devices (%.1f s)\n",
                             std::string(ok::policy_name(kind)).c_str(), n, secs);
            }
        }
        plot.series.push_back(std::move(series));
    }
    if (!s.svg.empty()) {
        plot.title = "Accuracy vs cameras per server (" + std::to_string(so.workers) + " worker" +
                     (so.workers == 1 ? "" : "s") + ", " + num(s.bandwidth_mbps) + " Mbps each, T^o " +
                     num(s.compute_ms < 0.0 ? s.server_ms : s.compute_ms) + " ms)";
        plot.x_label = "Cameras sharing one edge server";
        plot.y_label = "Accuracy (fraction of frames correct)";
        plot.legend = ok::io::svg_legend::right;
        okx::fit_range(all, 0.05, 0.0, 1.0, plot);
        plot.x_min = static_cast<double>(counts.front());
        plot.x_max = static_cast<double>(counts.back() > counts.front() ? counts.back() : counts.front() + 1);
        std::ofstream out(s.svg, std::ios::binary);
        if (!out) {
            throw cli::usage_error("--svg: cannot write '" + s.svg + "'");
        }
        out << ok::io::render_svg(plot, 760, 480);
    }
    return 0;
}

template <class Cal>
int run_with(const settings& s, const ok::trace& tr, const Cal& cal) {
    if (s.devices || s.sweep == "devices") {
        return run_shared(s, tr, cal);
    }
    if (s.sweep == "theta") {
        return run_theta_sweep(s, tr, cal);
    }
    if (s.policy == "compress") {
        if (!s.sweep.empty()) {
            throw cli::usage_error("--policy compress runs one setting (no --sweep)");
        }
        if (tr.compress_correct.empty()) {
            throw cli::usage_error("--policy compress: the trace has no compress_correct / compress_time_s columns");
        }
        const ok::sim_options base = options_of(s);
        const auto r = with_estimator(s, [&](auto make) { return ok::run_compress(tr, base, make(base), s.order); });
        ok::io::json_object j;
        std::puts(okx::add_result(j, r).str().c_str());
        return 0;
    }
    if (s.policy == "threshold") {
        if (!s.sweep.empty()) {
            throw cli::usage_error("--policy threshold runs one theta; use --sweep theta for the threshold study");
        }
        const ok::sim_options base = options_of(s);
        const auto r = with_estimator(s, [&](auto make) {
            const ok::trace_profile prof = ok::profile_trace(tr, base.calibration_fraction);
            const ok::offload_model model{base.deadline, base.server_time, base.network_latency, prof.server_accuracy};
            ok::threshold_policy<Cal> p(model, cal, s.theta, s.threshold_resolution, ok::frame_interval(tr, base));
            auto est = make(base);
            ok::sim_result res = ok::simulate(tr, prof.split, tr.size(), p, est, base);
            res.policy = "threshold";
            return res;
        });
        ok::io::json_object j;
        okx::add_result(j, r);
        j.add("theta", s.theta);
        std::puts(j.str().c_str());
        return 0;
    }
    std::vector<ok::policy_kind> kinds;
    if (s.policy == "all") {
        kinds.assign(ok::all_policy_kinds.begin(), ok::all_policy_kinds.end());
    } else {
        kinds.push_back(*ok::parse_policy_kind(s.policy));
    }
    const ok::sim_options base = options_of(s);
    if (s.sweep.empty()) {
        for (const auto kind : kinds) {
            const auto r = with_estimator(s, [&](auto make) { return ok::run_policy(kind, tr, cal, base, make(base), s.order); });
            ok::io::json_object j;
            std::puts(okx::add_result(j, r).str().c_str());
            std::fflush(stdout);
        }
        return 0;
    }
    auto display = okx::default_sweep_display(*ok::parse_sweep_axis(s.sweep));
    if (!s.values.empty()) {
        display.points = s.values;
    }
    const std::vector<double> values = display.library_values();
    const std::size_t total = kinds.size() * values.size();
    std::vector<ok::sweep_row> rows;  // kept for the SVG only: totals, no per-frame logs
    const auto started = std::chrono::steady_clock::now();
    std::size_t finished = 0;
    with_estimator(s, [&](auto make) {
        ok::sweep_each(
            tr, cal, base, display.axis, values, std::span<const ok::policy_kind>(kinds),
            [&](const ok::sweep_row& row) {
                std::puts(okx::sweep_row_json(display, row).str().c_str());
                std::fflush(stdout);
                if (!s.svg.empty()) {
                    rows.push_back(row);
                }
                if (!s.quiet) {
                    const double secs =
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
                    ++finished;
                    std::fprintf(stderr, "offloadkit-sim: sweep %zu/%zu: %s at %s=%g (%.1f s)\n", finished, total,
                                 std::string(ok::policy_name(row.policy)).c_str(), display.key.c_str(),
                                 display.to_display(row.value), secs);
                }
            },
            make, s.order);
        return 0;
    });
    if (!s.svg.empty()) {
        const double shown_fps = s.fps ? *s.fps : 1.0 / ok::frame_interval(tr, base);
        const okx::sweep_settings titles{s.bandwidth_mbps, s.latency_ms, shown_fps, s.deadline_ms};
        const auto plot = okx::sweep_plot(display, rows, okx::sweep_title(display.axis, titles));
        std::ofstream out(s.svg, std::ios::binary);
        if (!out) {
            throw cli::usage_error("--svg: cannot write '" + s.svg + "'");
        }
        out << ok::io::render_svg(plot, 760, 480);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return cli::guarded_main({tool, "(offloadkit-sim --help lists the flags)\n", 2}, [&] { return run_main(argc, argv); });
}
