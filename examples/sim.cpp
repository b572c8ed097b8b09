// offloadkit-sim — replay a trace through an offloading policy (CBO §V) and print the result
// as one JSON object per line; with --sweep, every policy at every point of a bandwidth, frame-rate
// or latency sweep (CBO Fig. 11-13), optionally drawn as an SVG.
//
//   offloadkit-sim --trace FILE --policy NAME --bandwidth-mbps X --latency-ms L --fps F
//                  --deadline-ms T [--server-ms S] [--calibration-fraction P]
//                  [--sweep bandwidth|fps|latency] [--svg FILE]
//                  [--estimator exact|harmonic|ewma] [--order confidence|arrival]
//                  [--synthetic FRAMES [--seed N]]   (instead of --trace: a synthetic trace)
//
// Policies: local, server, fastva, cbo, cbo-uncalibrated, optimal, oracle (with --sweep, NAME may
// be "all", the default). The first P of the trace (default 0.3) fits the calibrator and profiles
// the server accuracy per resolution; the rest is evaluated. Trace format: docs/trace-format.md.
// Errors go to stderr with exit code 2.
#include <offloadkit/estimators/bandwidth.hpp>
#include <offloadkit/io/json.hpp>
#include <offloadkit/io/svg.hpp>
#include <offloadkit/offloadkit.hpp>

#include "common/sweep_figures.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ok = offloadkit;
namespace okx = offloadkit::examples;

namespace {

struct usage_error : std::exception {
    std::string msg;
    explicit usage_error(std::string m) : msg(std::move(m)) {}
    [[nodiscard]] const char* what() const noexcept override { return msg.c_str(); }
};

constexpr const char* usage_text =
    "usage: offloadkit-sim --trace FILE --policy NAME --bandwidth-mbps X --latency-ms L --fps F --deadline-ms T\n"
    "                      [--server-ms S] [--calibration-fraction P] [--sweep bandwidth|fps|latency] [--svg FILE]\n"
    "                      [--estimator exact|harmonic|ewma] [--order confidence|arrival]\n"
    "                      [--synthetic FRAMES [--seed N]]\n"
    "policies: local, server, fastva, cbo, cbo-uncalibrated, optimal, oracle (all: every policy, with --sweep)\n";

double number_arg(const std::string& flag, const std::string& text) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v)) {
        throw usage_error(flag + ": '" + text + "' is not a finite number");
    }
    return v;
}

struct settings {
    std::string trace_path;
    std::optional<std::size_t> synthetic_frames;
    std::uint64_t seed = 1;
    std::string policy = "all";
    double bandwidth_mbps = 5.0;
    double latency_ms = 100.0;
    double fps = 30.0;
    double deadline_ms = 200.0;
    double server_ms = 37.0;
    double calibration_fraction = 0.3;
    std::string sweep;
    std::string svg;
    std::string estimator = "exact";
    ok::cbo_order order = ok::cbo_order::confidence;
};

settings parse_args(int argc, char** argv) {
    settings s;
    std::map<std::string, bool> seen;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            std::fputs(usage_text, stdout);
            std::exit(0);
        }
        if (i + 1 >= argc) {
            throw usage_error(flag + ": missing value");
        }
        const std::string v = argv[++i];
        seen[flag] = true;
        if (flag == "--trace") {
            s.trace_path = v;
        } else if (flag == "--synthetic") {
            const double n = number_arg(flag, v);
            if (n < 10 || n != std::floor(n)) {
                throw usage_error("--synthetic: '" + v + "' is not a whole number >= 10");
            }
            s.synthetic_frames = static_cast<std::size_t>(n);
        } else if (flag == "--seed") {
            s.seed = static_cast<std::uint64_t>(number_arg(flag, v));
        } else if (flag == "--policy") {
            s.policy = v;
        } else if (flag == "--bandwidth-mbps") {
            s.bandwidth_mbps = number_arg(flag, v);
        } else if (flag == "--latency-ms") {
            s.latency_ms = number_arg(flag, v);
        } else if (flag == "--fps") {
            s.fps = number_arg(flag, v);
        } else if (flag == "--deadline-ms") {
            s.deadline_ms = number_arg(flag, v);
        } else if (flag == "--server-ms") {
            s.server_ms = number_arg(flag, v);
        } else if (flag == "--calibration-fraction") {
            s.calibration_fraction = number_arg(flag, v);
        } else if (flag == "--sweep") {
            if (v != "bandwidth" && v != "fps" && v != "latency") {
                throw usage_error("--sweep: '" + v + "', expected bandwidth, fps or latency");
            }
            s.sweep = v;
        } else if (flag == "--svg") {
            s.svg = v;
        } else if (flag == "--estimator") {
            if (v != "exact" && v != "harmonic" && v != "ewma") {
                throw usage_error("--estimator: '" + v + "', expected exact, harmonic or ewma");
            }
            s.estimator = v;
        } else if (flag == "--order") {
            if (v != "confidence" && v != "arrival") {
                throw usage_error("--order: '" + v + "', expected confidence or arrival");
            }
            s.order = v == "confidence" ? ok::cbo_order::confidence : ok::cbo_order::arrival;
        } else {
            throw usage_error("unknown flag '" + flag + "'");
        }
    }
    if (s.trace_path.empty() == !s.synthetic_frames.has_value()) {
        throw usage_error("give exactly one of --trace FILE and --synthetic FRAMES");
    }
    if (s.sweep.empty()) {
        for (const char* required : {"--policy", "--bandwidth-mbps", "--latency-ms", "--fps", "--deadline-ms"}) {
            if (!seen.count(required)) {
                throw usage_error(std::string("missing ") + required);
            }
        }
        if (s.policy == "all") {
            throw usage_error("--policy all needs --sweep");
        }
    }
    if (s.policy != "all" && !ok::parse_policy_kind(s.policy)) {
        throw usage_error("--policy: unknown policy '" + s.policy + "'");
    }
    if (!s.svg.empty() && s.sweep.empty()) {
        throw usage_error("--svg needs --sweep");
    }
    if (s.bandwidth_mbps < 0) {
        throw usage_error("--bandwidth-mbps: " + std::to_string(s.bandwidth_mbps) + ", expected >= 0");
    }
    return s;
}

ok::sim_options options_of(const settings& s) {
    ok::sim_options o;
    o.deadline = s.deadline_ms / 1000.0;
    o.server_time = s.server_ms / 1000.0;
    o.network_latency = s.latency_ms / 1000.0;
    o.fps = s.fps;
    o.bandwidth = ok::bandwidth_trace(s.bandwidth_mbps * okx::bytes_per_second_per_mbps);
    o.calibration_fraction = s.calibration_fraction;
    return o;
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

int run_main(int argc, char** argv) {
    const settings s = parse_args(argc, argv);
    ok::trace tr;
    if (s.synthetic_frames) {
        ok::synthetic_trace_options so;
        so.frames = *s.synthetic_frames;
        so.seed = s.seed;
        tr = ok::make_synthetic_trace(so);
    } else {
        tr = ok::read_trace(s.trace_path);
    }
    const auto prof = ok::profile_trace(tr, s.calibration_fraction);
    const auto cal = ok::fit_trace_calibrator(tr, prof.split);  // Platt on the profile part
    std::vector<ok::policy_kind> kinds;
    if (s.policy == "all") {
        kinds.assign(ok::all_policy_kinds.begin(), ok::all_policy_kinds.end());
    } else {
        kinds.push_back(*ok::parse_policy_kind(s.policy));
    }
    const ok::sim_options base = options_of(s);
    if (s.sweep.empty()) {
        const auto r = with_estimator(s, [&](auto make) {
            return ok::run_policy(kinds.front(), tr, cal, base, make(base), s.order);
        });
        ok::io::json_object j;
        std::puts(okx::add_result(j, r).str().c_str());
        return 0;
    }
    const auto display = okx::default_sweep_display(*ok::parse_sweep_axis(s.sweep));
    const std::vector<double> values = display.library_values();
    const auto rows = with_estimator(s, [&](auto make) {
        return ok::sweep(tr, cal, base, display.axis, values, std::span<const ok::policy_kind>(kinds), make, s.order);
    });
    for (const auto& row : rows) {
        std::puts(okx::sweep_row_json(display, row).str().c_str());
    }
    if (!s.svg.empty()) {
        const okx::sweep_settings titles{s.bandwidth_mbps, s.latency_ms, s.fps, s.deadline_ms};
        const auto plot = okx::sweep_plot(display, rows, okx::sweep_title(display.axis, titles));
        std::ofstream out(s.svg, std::ios::binary);
        if (!out) {
            throw usage_error("--svg: cannot write '" + s.svg + "'");
        }
        out << ok::io::render_svg(plot, 760, 480);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run_main(argc, argv);
    } catch (const usage_error& e) {
        std::fprintf(stderr, "offloadkit-sim: %s\n%s", e.what(), usage_text);
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "offloadkit-sim: %s\n", e.what());
        return 2;
    }
}
