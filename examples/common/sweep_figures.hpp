// Shared by offloadkit-sim and offloadkit-demo: the display side of CBO's sweeps (Fig. 11-13)
// — the default sweep points in display units (Mbps, frames/s, ms), their conversion to the
// library's units (ok::sweep takes bytes/s, frames/s, s), one JSON object per result, and the
// accuracy-vs-parameter chart. The runs themselves are ok::sweep (include/offloadkit/sim/sweep.hpp).
#ifndef OFFLOADKIT_EXAMPLES_COMMON_SWEEP_FIGURES_HPP
#define OFFLOADKIT_EXAMPLES_COMMON_SWEEP_FIGURES_HPP

#include <offloadkit/io/json.hpp>
#include <offloadkit/io/svg.hpp>
#include <offloadkit/offloadkit.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace offloadkit::examples {

/// 1 Mbps = 10^6 bit/s = 125,000 bytes/s.
inline constexpr double bytes_per_second_per_mbps = 125000.0;

/// A sweep as a tool shows it: the points in display units and how to label them.
struct sweep_display {
    sweep_axis axis = sweep_axis::bandwidth;
    std::vector<double> points;   ///< display units: Mbps, frames/s or ms
    std::string key;              ///< JSON key of a point: bandwidth_mbps, fps, latency_ms
    std::string x_label;          ///< axis label with its unit

    /// A display value in the library's unit: Mbps x 125000 = bytes/s, fps, ms / 1000 = s.
    [[nodiscard]] double to_library(double x) const {
        return axis == sweep_axis::bandwidth                                      ? x * bytes_per_second_per_mbps
               : axis == sweep_axis::latency || axis == sweep_axis::local_time ? x / 1000.0
                                                                               : x;
    }

    /// The display value of a library value: the point that converts to it exactly, else the
    /// inverse conversion.
    [[nodiscard]] double to_display(double v) const {
        for (const double p : points) {
            if (to_library(p) == v) {
                return p;
            }
        }
        return axis == sweep_axis::bandwidth                                      ? v / bytes_per_second_per_mbps
               : axis == sweep_axis::latency || axis == sweep_axis::local_time ? v * 1000.0
                                                                               : v;
    }

    /// The points in the library's units, for ok::sweep.
    [[nodiscard]] std::vector<double> library_values() const {
        std::vector<double> v;
        for (const double x : points) {
            v.push_back(to_library(x));
        }
        return v;
    }
};

/// The points of CBO Fig. 11 (0-40 Mbps), Fig. 12 (5-30 fps) and Fig. 13 (0-160 ms; with
/// T = 200 ms and T^o = 37 ms, 160 ms leaves 3 ms to send a frame).
[[nodiscard]] inline sweep_display default_sweep_display(sweep_axis axis) {
    switch (axis) {
        case sweep_axis::bandwidth:
            return {axis, {0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 36, 40}, "bandwidth_mbps",
                    "Uplink bandwidth (Mbps)"};
        case sweep_axis::fps:
            return {axis, {5, 10, 15, 20, 25, 30}, "fps", "Frame rate (frames/s)"};
        case sweep_axis::latency:
            return {axis, {0, 20, 40, 60, 80, 100, 120, 140, 160}, "latency_ms", "Network latency (ms)"};
        case sweep_axis::local_time:  // 0 to past the 63 ms of slack T - T^o - L; 28 ms is CBO Table III's NPU
            return {axis, {0, 10, 20, 28, 40, 50, 63}, "local_time_ms", "NPU time per frame (ms)"};
    }
    return {};
}

/// The fixed settings of a sweep in display units (for titles).
struct sweep_settings {
    double bandwidth_mbps = 5.0;
    double latency_ms = 100.0;
    double fps = 30.0;
    double deadline_ms = 200.0;
};

/// "Accuracy vs bandwidth (L = 100 ms, 30 fps, T = 200 ms)" and the like.
[[nodiscard]] inline std::string sweep_title(sweep_axis axis, const sweep_settings& s) {
    char buf[160];
    switch (axis) {
        case sweep_axis::bandwidth:
            std::snprintf(buf, sizeof buf, "Accuracy vs bandwidth (L = %g ms, %g fps, T = %g ms)", s.latency_ms, s.fps,
                          s.deadline_ms);
            break;
        case sweep_axis::fps:
            std::snprintf(buf, sizeof buf, "Accuracy vs frame rate (%g Mbps, L = %g ms, T = %g ms)", s.bandwidth_mbps,
                          s.latency_ms, s.deadline_ms);
            break;
        case sweep_axis::latency:
            std::snprintf(buf, sizeof buf, "Accuracy vs latency (%g Mbps, %g fps, T = %g ms)", s.bandwidth_mbps, s.fps,
                          s.deadline_ms);
            break;
        case sweep_axis::local_time:
            std::snprintf(buf, sizeof buf, "Accuracy vs NPU time (%g Mbps, L = %g ms, %g fps, T = %g ms)",
                          s.bandwidth_mbps, s.latency_ms, s.fps, s.deadline_ms);
            break;
    }
    return buf;
}

/// The legend name of a policy, as CBO §V-A names the approaches.
[[nodiscard]] inline std::string policy_label(policy_kind k) {
    switch (k) {
        case policy_kind::local: return "Local";
        case policy_kind::server: return "Server";
        case policy_kind::fastva: return "FastVA";
        case policy_kind::cbo_uncalibrated: return "CBO-w/o (uncalibrated)";
        case policy_kind::cbo: return "CBO";
        case policy_kind::optimal: return "Optimal";
        case policy_kind::oracle: return "Oracle (ceiling)";
    }
    return "?";
}

/// Appends a run's totals: policy, accuracy, offloaded, bytes, deadline_misses, frames.
inline io::json_object& add_result(io::json_object& j, const sim_result& r) {
    return j.add("policy", r.policy)
        .add("accuracy", r.accuracy)
        .add("offloaded", r.offloaded)
        .add("bytes", r.bytes)
        .add("deadline_misses", r.deadline_misses)
        .add("frames", r.frames);
}

/// {"sweep":"bandwidth","bandwidth_mbps":5,"policy":"cbo","accuracy":...,...}
[[nodiscard]] inline io::json_object sweep_row_json(const sweep_display& d, const sweep_row& row) {
    io::json_object j;
    j.add("sweep", sweep_axis_name(d.axis)).add(d.key, d.to_display(row.value));
    return add_result(j, row.result);
}

/// Sets plot's y range to multiples of `step` around ys, keeping every point at least step / 10
/// from the edge (so no marker sits on the frame), within [lo, hi].
inline void fit_range(const std::vector<double>& ys, double step, double lo, double hi, io::svg_plot& plot) {
    double ymin = hi, ymax = lo;
    for (const double y : ys) {
        if (std::isfinite(y)) {
            ymin = std::min(ymin, y);
            ymax = std::max(ymax, y);
        }
    }
    if (ymin > ymax) {
        return;
    }
    plot.y_min = std::max(lo, std::floor((ymin - step / 10) / step) * step);
    plot.y_max = std::min(hi, std::ceil((ymax + step / 10) / step) * step);
}

/// The accuracy-vs-parameter chart of a sweep (one line per policy, in the order of `rows`; the
/// Oracle ceiling dashed), legend outside on the right, y range fitted to the data (fit_range, steps of 0.05).
[[nodiscard]] inline io::svg_plot sweep_plot(const sweep_display& d, std::span<const sweep_row> rows,
                                             std::string title) {
    io::svg_plot plot;
    plot.title = std::move(title);
    plot.x_label = d.x_label;
    plot.y_label = "Accuracy (fraction of frames correct)";
    plot.legend = io::svg_legend::right;
    std::vector<double> all;
    for (const auto& row : rows) {
        if (plot.series.empty() || plot.series.back().name != policy_label(row.policy)) {
            io::svg_series s;
            s.name = policy_label(row.policy);
            s.style = row.policy == policy_kind::oracle ? io::svg_style::dashed : io::svg_style::line;
            plot.series.push_back(std::move(s));
        }
        plot.series.back().x.push_back(d.to_display(row.value));
        plot.series.back().y.push_back(row.result.accuracy);
        all.push_back(row.result.accuracy);
    }
    fit_range(all, 0.05, 0.0, 1.0, plot);
    plot.x_min = d.points.empty() ? 0.0 : *std::min_element(d.points.begin(), d.points.end());
    plot.x_max = d.points.empty() ? 1.0 : *std::max_element(d.points.begin(), d.points.end());
    if (plot.x_max == plot.x_min) {  // one point (e.g. --values 5): give the axis a width
        plot.x_max = *plot.x_min + 1.0;
    }
    return plot;
}

}  // namespace offloadkit::examples

#endif  // OFFLOADKIT_EXAMPLES_COMMON_SWEEP_FIGURES_HPP
