#ifndef OFFLOADKIT_IO_SVG_HPP
#define OFFLOADKIT_IO_SVG_HPP

/**
 * @file
 * @brief Standalone SVG charts for the tools and the demo: line plots (accuracy against
 *        bandwidth, fps or latency, as CBO Fig. 11-13) and bar plots (reliability diagrams,
 *        CBO Fig. 5), one or several panels per file. No dependencies, no scripts, no fonts
 *        beyond the generic sans-serif family.
 */

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../error.hpp"

namespace offloadkit::io {

/// How a series is drawn.
enum class svg_style {
    line,    ///< polyline through the points, with point markers
    dashed,  ///< dashed polyline, no markers (reference lines such as the diagonal)
    bars     ///< one bar per point, centred on x, `bar_width` wide, from y = 0
};

/// One data series of a panel.
struct svg_series {
    std::string name;          ///< legend text (empty: not in the legend)
    std::vector<double> x;
    std::vector<double> y;     ///< same size as x; non-finite points are skipped
    svg_style style = svg_style::line;
    double bar_width = 0.0;    ///< bars only, in data units
    std::string color;         ///< CSS colour; empty = next colour of the palette
};

/// Where a panel's legend goes.
enum class svg_legend {
    top_left,      ///< inside the plot area, top-left corner (the default)
    top_right,     ///< inside, top-right corner
    bottom_left,   ///< inside, bottom-left corner
    bottom_right,  ///< inside, bottom-right corner
    right,         ///< outside, right of the plot area (the plot area narrows to make room)
    none           ///< no legend
};

/// One panel: axes, labels, series.
struct svg_plot {
    std::string title;
    std::string x_label;
    std::string y_label;
    std::optional<double> x_min, x_max, y_min, y_max;  ///< axis range (default: data range)
    std::vector<svg_series> series;
    svg_legend legend = svg_legend::top_left;          ///< legend position
};

namespace detail_svg {
/// Okabe & Ito's colour-blind-safe palette.
inline constexpr std::string_view palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                               "#E69F00", "#56B4E9", "#000000", "#F0E442"};

inline std::string num(double v) {
    // Round to 0.01 px / 4 significant decimals to keep files small and stable.
    if (!std::isfinite(v)) {
        return "0";
    }
    const double r = std::round(v * 100.0) / 100.0;
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, r == 0.0 ? 0.0 : r);
    return std::string(buf, res.ptr);
}

inline std::string escape(std::string_view s) {
    std::string out;
    for (const char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

/// A "nice" tick step (1, 2 or 5 times a power of ten) giving about `target` intervals.
inline double nice_step(double range, int target) {
    if (!(range > 0.0) || !std::isfinite(range)) {
        return 1.0;
    }
    const double raw = range / target;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double f = raw / mag;
    const double nice = f < 1.5 ? 1.0 : f < 3.0 ? 2.0 : f < 7.0 ? 5.0 : 10.0;
    return nice * mag;
}

inline std::string tick_label(double v, double step) {
    const int decimals = step >= 1.0 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
    const double scale = std::pow(10.0, decimals);
    const double r = std::round(v * scale) / scale;
    char buf[40];
    const auto res = std::to_chars(buf, buf + sizeof buf, r == 0.0 ? 0.0 : r, std::chars_format::fixed, decimals);
    return std::string(buf, res.ptr);
}

inline void render_panel(std::string& out, const svg_plot& p, double ox, double oy, double w, double h) {
    constexpr double left = 64, right = 16, top = 34, bottom = 50;
    // Legend size (entries with a name), needed first: an outside legend narrows the plot.
    std::size_t entries = 0;
    double longest = 0;
    for (const auto& s : p.series) {
        if (!s.name.empty()) {
            ++entries;
            longest = std::max(longest, static_cast<double>(s.name.size()));
        }
    }
    if (p.legend == svg_legend::none) {
        entries = 0;
    }
    const double lw = 34 + longest * 6.6;
    const double lh = 8 + 17.0 * static_cast<double>(entries);
    const bool outside = entries && p.legend == svg_legend::right;
    const double pw = std::max(w - left - right - (outside ? lw + 8 : 0.0), 1.0);
    const double ph = h - top - bottom;
    // Data range.
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (const auto& s : p.series) {
        for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
            if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) {
                continue;
            }
            const double half = s.style == svg_style::bars ? s.bar_width / 2 : 0.0;
            xmin = std::min(xmin, s.x[i] - half);
            xmax = std::max(xmax, s.x[i] + half);
            ymin = std::min(ymin, s.style == svg_style::bars ? std::min(0.0, s.y[i]) : s.y[i]);
            ymax = std::max(ymax, s.y[i]);
        }
    }
    if (!(xmin <= xmax)) {
        xmin = 0, xmax = 1;
    }
    if (!(ymin <= ymax)) {
        ymin = 0, ymax = 1;
    }
    xmin = p.x_min.value_or(xmin);
    xmax = p.x_max.value_or(xmax);
    ymin = p.y_min.value_or(ymin);
    ymax = p.y_max.value_or(ymax);
    if (xmax <= xmin) {
        xmax = xmin + 1;
    }
    if (ymax <= ymin) {
        ymax = ymin + 1;
    }
    auto X = [&](double x) { return ox + left + (x - xmin) / (xmax - xmin) * pw; };
    auto Y = [&](double y) { return oy + top + ph - (y - ymin) / (ymax - ymin) * ph; };

    out += "<g>\n";
    // Title.
    out += "<text x=\"" + num(ox + left + pw / 2) + "\" y=\"" + num(oy + 20) +
           "\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">" + escape(p.title) + "</text>\n";
    // Grid and ticks.
    const double xs = nice_step(xmax - xmin, 6);
    const double ys = nice_step(ymax - ymin, 5);
    // Ticks by index, at most 101 per axis: `t += step` stops moving once t is so large that step
    // is below half its ulp (data near 1e17 with a range of a few units), and would loop forever.
    const auto for_each_tick = [](double lo, double hi, double step, const auto& draw) {
        constexpr int max_ticks = 100;
        const double first = std::ceil(lo / step - 1e-9) * step;
        for (int i = 0; i <= max_ticks; ++i) {
            const double t = first + i * step;
            if (!(t <= hi + step * 1e-9)) {
                break;
            }
            draw(t);
        }
    };
    for_each_tick(xmin, xmax, xs, [&](double t) {
        out += "<line x1=\"" + num(X(t)) + "\" y1=\"" + num(oy + top) + "\" x2=\"" + num(X(t)) + "\" y2=\"" +
               num(oy + top + ph) + "\" stroke=\"#e4e4e4\"/>\n";
        out += "<text x=\"" + num(X(t)) + "\" y=\"" + num(oy + top + ph + 16) +
               "\" text-anchor=\"middle\" font-size=\"11\">" + tick_label(t, xs) + "</text>\n";
    });
    for_each_tick(ymin, ymax, ys, [&](double t) {
        out += "<line x1=\"" + num(ox + left) + "\" y1=\"" + num(Y(t)) + "\" x2=\"" + num(ox + left + pw) +
               "\" y2=\"" + num(Y(t)) + "\" stroke=\"#e4e4e4\"/>\n";
        out += "<text x=\"" + num(ox + left - 6) + "\" y=\"" + num(Y(t) + 4) +
               "\" text-anchor=\"end\" font-size=\"11\">" + tick_label(t, ys) + "</text>\n";
    });
    // Axes box.
    out += "<rect x=\"" + num(ox + left) + "\" y=\"" + num(oy + top) + "\" width=\"" + num(pw) + "\" height=\"" +
           num(ph) + "\" fill=\"none\" stroke=\"#333\"/>\n";
    // Axis labels.
    out += "<text x=\"" + num(ox + left + pw / 2) + "\" y=\"" + num(oy + h - 12) +
           "\" text-anchor=\"middle\" font-size=\"13\">" + escape(p.x_label) + "</text>\n";
    out += "<text transform=\"translate(" + num(ox + 16) + "," + num(oy + top + ph / 2) +
           ") rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">" + escape(p.y_label) + "</text>\n";
    // Series, clipped to the plot area.
    const std::string clip = "clip" + num(ox) + "_" + num(oy);
    std::string clip_id;
    for (const char c : clip) {
        clip_id += (c == '.' || c == '-') ? '_' : c;
    }
    out += "<clipPath id=\"" + clip_id + "\"><rect x=\"" + num(ox + left) + "\" y=\"" + num(oy + top) +
           "\" width=\"" + num(pw) + "\" height=\"" + num(ph) + "\"/></clipPath>\n";
    out += "<g clip-path=\"url(#" + clip_id + ")\">\n";
    std::size_t colour = 0;
    std::vector<std::string> colours;
    for (const auto& s : p.series) {
        const std::string c = s.color.empty() ? std::string(palette[colour++ % std::size(palette)]) : s.color;
        colours.push_back(c);
        const std::size_t n = std::min(s.x.size(), s.y.size());
        if (s.style == svg_style::bars) {
            for (std::size_t i = 0; i < n; ++i) {
                if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) {
                    continue;
                }
                const double x0 = X(s.x[i] - s.bar_width / 2);
                const double x1 = X(s.x[i] + s.bar_width / 2);
                const double y0 = Y(std::max(s.y[i], 0.0));
                const double y1 = Y(std::min(s.y[i], 0.0));
                out += "<rect x=\"" + num(x0) + "\" y=\"" + num(y0) + "\" width=\"" + num(x1 - x0) +
                       "\" height=\"" + num(y1 - y0) + "\" fill=\"" + c +
                       "\" fill-opacity=\"0.55\" stroke=\"" + c + "\"/>\n";
            }
            continue;
        }
        std::string pts;
        for (std::size_t i = 0; i < n; ++i) {
            if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) {
                continue;
            }
            pts += num(X(s.x[i])) + "," + num(Y(s.y[i])) + " ";
        }
        out += "<polyline fill=\"none\" stroke=\"" + c + "\" stroke-width=\"2\"" +
               (s.style == svg_style::dashed ? " stroke-dasharray=\"6,4\"" : "") + " points=\"" + pts + "\"/>\n";
        if (s.style == svg_style::line) {
            for (std::size_t i = 0; i < n; ++i) {
                if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) {
                    out += "<circle cx=\"" + num(X(s.x[i])) + "\" cy=\"" + num(Y(s.y[i])) + "\" r=\"3\" fill=\"" +
                           c + "\"/>\n";
                }
            }
        }
    }
    out += "</g>\n";
    // Legend on a translucent white box, at p.legend.
    if (entries) {
        const bool at_right = p.legend == svg_legend::top_right || p.legend == svg_legend::bottom_right;
        const bool at_bottom = p.legend == svg_legend::bottom_left || p.legend == svg_legend::bottom_right;
        const double lx = outside ? ox + left + pw + 8 : at_right ? ox + left + pw - 8 - lw : ox + left + 8;
        const double ly = outside ? oy + top : at_bottom ? oy + top + ph - 8 - lh : oy + top + 8;
        out += "<rect x=\"" + num(lx) + "\" y=\"" + num(ly) + "\" width=\"" + num(lw) + "\" height=\"" + num(lh) +
               "\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#bbb\"/>\n";
        double ry = ly + 16;
        for (std::size_t k = 0; k < p.series.size(); ++k) {
            const auto& s = p.series[k];
            if (s.name.empty()) {
                continue;
            }
            if (s.style == svg_style::bars) {
                out += "<rect x=\"" + num(lx + 6) + "\" y=\"" + num(ry - 9) + "\" width=\"18\" height=\"10\" fill=\"" +
                       colours[k] + "\" fill-opacity=\"0.55\" stroke=\"" + colours[k] + "\"/>\n";
            } else {
                out += "<line x1=\"" + num(lx + 6) + "\" y1=\"" + num(ry - 4) + "\" x2=\"" + num(lx + 24) +
                       "\" y2=\"" + num(ry - 4) + "\" stroke=\"" + colours[k] + "\" stroke-width=\"2\"" +
                       (s.style == svg_style::dashed ? " stroke-dasharray=\"6,4\"" : "") + "/>\n";
            }
            out += "<text x=\"" + num(lx + 30) + "\" y=\"" + num(ry) + "\" font-size=\"12\">" + escape(s.name) +
                   "</text>\n";
            ry += 17;
        }
    }
    out += "</g>\n";
}
}  // namespace detail_svg

/**
 * @brief Renders `panels` into one standalone SVG document, `columns` panels per row.
 * @param panel_width,panel_height size of each panel in px.
 * @param columns panels per row; 0 = all panels in one row.
 * @throws offloadkit::invalid_argument when `panels` is empty, a series has
 *         x and y of different sizes, a panel size is not positive, or an axis limit (x_min,
 *         x_max, y_min, y_max) is set to NaN or an infinity. Non-finite data points are skipped;
 *         every panel gets at most 101 ticks per axis, whatever the data's magnitude.
 */
[[nodiscard]] inline std::string render_svg(std::span<const svg_plot> panels, std::size_t columns = 0,
                                            double panel_width = 560, double panel_height = 400) {
    detail::require_not_empty(panels.size(), "render_svg", "panels");
    if (columns == 0) {
        columns = panels.size();
    }
    detail::require_positive(panel_width, "render_svg", "panel_width");
    detail::require_positive(panel_height, "render_svg", "panel_height");
    for (std::size_t k = 0; k < panels.size(); ++k) {
        for (std::size_t j = 0; j < panels[k].series.size(); ++j) {
            const auto& s = panels[k].series[j];
            detail::require(s.x.size() == s.y.size(), "render_svg", "panels[", k, "].series[", j, "] has ",
                            s.x.size(), " x values and ", s.y.size(), " y values");
        }
        const auto& p = panels[k];
        for (const auto& [axis, name] : {std::pair{&p.x_min, "x_min"}, std::pair{&p.x_max, "x_max"},
                                         std::pair{&p.y_min, "y_min"}, std::pair{&p.y_max, "y_max"}}) {
            detail::require(!axis->has_value() || std::isfinite(**axis), "render_svg", "panels[", k, "].", name,
                            " is ", axis->value_or(0.0), ", expected a finite number");
        }
    }
    const std::size_t rows = (panels.size() + columns - 1) / columns;
    const double width = panel_width * static_cast<double>(std::min(columns, panels.size()));
    const double height = panel_height * static_cast<double>(rows);
    std::string out;
    out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + detail_svg::num(width) + "\" height=\"" +
           detail_svg::num(height) + "\" viewBox=\"0 0 " + detail_svg::num(width) + " " + detail_svg::num(height) +
           "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n";
    out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    for (std::size_t k = 0; k < panels.size(); ++k) {
        const double ox = panel_width * static_cast<double>(k % columns);
        const double oy = panel_height * static_cast<double>(k / columns);
        detail_svg::render_panel(out, panels[k], ox, oy, panel_width, panel_height);
    }
    out += "</svg>\n";
    return out;
}

/// Renders a single panel (see the span overload).
[[nodiscard]] inline std::string render_svg(const svg_plot& panel, double panel_width = 560,
                                            double panel_height = 400) {
    return render_svg(std::span<const svg_plot>(&panel, 1), 1, panel_width, panel_height);
}

}  // namespace offloadkit::io

#endif  // OFFLOADKIT_IO_SVG_HPP
