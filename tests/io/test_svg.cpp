#include <offloadkit/io/svg.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace io = offloadkit::io;
namespace ok = offloadkit;

namespace {
std::size_t count(const std::string& s, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) {
        ++n;
    }
    return n;
}
}  // namespace

TEST_CASE("render_svg draws axes, labels, legend and every point") {
    io::svg_plot p;
    p.title = "Accuracy vs bandwidth";
    p.x_label = "bandwidth (Mbps)";
    p.y_label = "accuracy";
    p.series.push_back({"CBO", {0, 10, 20}, {0.6, 0.8, 0.85}, io::svg_style::line, 0.0, ""});
    p.series.push_back({"Local", {0, 10, 20}, {0.6, 0.6, 0.6}, io::svg_style::dashed, 0.0, ""});
    p.series.push_back({"bins", {0.05, 0.15}, {0.1, 0.2}, io::svg_style::bars, 0.1, "#123456"});
    const std::string svg = io::render_svg(p);
    CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
    CHECK(svg.find("</svg>") != std::string::npos);
    CHECK(svg.find(">Accuracy vs bandwidth<") != std::string::npos);
    CHECK(svg.find(">bandwidth (Mbps)<") != std::string::npos);
    CHECK(svg.find(">accuracy<") != std::string::npos);
    CHECK(svg.find(">CBO<") != std::string::npos);
    CHECK(svg.find(">Local<") != std::string::npos);
    CHECK(count(svg, "<circle") == 3);      // markers of the line series only
    CHECK(count(svg, "<polyline") == 2);
    CHECK(count(svg, "fill=\"#123456\"") == 3);  // 2 bars + legend swatch
    CHECK(count(svg, "<text") == count(svg, "</text>"));
}

TEST_CASE("render_svg escapes text, lays out panels and rejects bad input") {
    io::svg_plot p;
    p.title = "a < b & c";
    const std::vector<io::svg_plot> panels{p, p, p};
    const std::string svg = io::render_svg(panels, 2, 100, 50);
    CHECK(svg.find("a &lt; b &amp; c") != std::string::npos);
    CHECK(svg.find("width=\"200\" height=\"100\"") != std::string::npos);  // 2 columns x 2 rows
    CHECK_THROWS_AS((void)io::render_svg(std::span<const io::svg_plot>{}), ok::invalid_argument);
    io::svg_plot bad;
    bad.series.push_back({"x", {1, 2}, {1}, io::svg_style::line, 0.0, ""});
    CHECK_THROWS_WITH_AS((void)io::render_svg(bad), "render_svg: panels[0].series[0] has 2 x values and 1 y values",
                         ok::invalid_argument);
}

namespace {
struct box {
    double x = 0, y = 0, w = 0, h = 0;
};

double attr(const std::string& tag, const std::string& name) {
    const auto p = tag.find(" " + name + "=\"");
    REQUIRE(p != std::string::npos);
    return std::stod(tag.substr(p + name.size() + 3));
}

// The first <rect ...> tag containing `marker`.
box rect_with(const std::string& svg, const std::string& marker) {
    const auto m = svg.find(marker);
    REQUIRE(m != std::string::npos);
    const auto b = svg.rfind("<rect", m);
    const std::string tag = svg.substr(b, svg.find('>', m) - b);
    return {attr(tag, "x"), attr(tag, "y"), attr(tag, "width"), attr(tag, "height")};
}

const std::string legend_marker = "fill=\"white\" fill-opacity=\"0.85\"";
const std::string axes_marker = "fill=\"none\" stroke=\"#333\"";

io::svg_plot legend_plot(io::svg_legend where) {
    io::svg_plot p;
    p.series.push_back({"first series", {0, 1}, {0, 1}, io::svg_style::line, 0.0, ""});
    p.series.push_back({"second", {0, 1}, {1, 0}, io::svg_style::line, 0.0, ""});
    p.legend = where;
    return p;
}
}  // namespace

TEST_CASE("render_svg places the legend where svg_plot::legend says") {
    // 560 x 400 panel: plot area x in [64, 544], y in [34, 350] (margins 64/16/34/50).
    const double lw = 34 + 12 * 6.6;  // longest name "first series": 12 characters
    const double lh = 8 + 2 * 17.0;
    SUBCASE("top-left by default, inside the plot area") {
        const std::string svg = io::render_svg(legend_plot(io::svg_plot{}.legend));
        const box l = rect_with(svg, legend_marker);
        CHECK(l.x == doctest::Approx(72));
        CHECK(l.y == doctest::Approx(42));
        CHECK(l.w == doctest::Approx(lw).epsilon(1e-3));
        CHECK(l.h == doctest::Approx(lh));
        CHECK(rect_with(svg, axes_marker).w == doctest::Approx(480));
    }
    SUBCASE("the four inside corners") {
        const box tr = rect_with(io::render_svg(legend_plot(io::svg_legend::top_right)), legend_marker);
        CHECK(tr.x + tr.w == doctest::Approx(544 - 8).epsilon(1e-3));
        CHECK(tr.y == doctest::Approx(42));
        const box br = rect_with(io::render_svg(legend_plot(io::svg_legend::bottom_right)), legend_marker);
        CHECK(br.x + br.w == doctest::Approx(544 - 8).epsilon(1e-3));
        CHECK(br.y + br.h == doctest::Approx(350 - 8));
        const box bl = rect_with(io::render_svg(legend_plot(io::svg_legend::bottom_left)), legend_marker);
        CHECK(bl.x == doctest::Approx(72));
        CHECK(bl.y + bl.h == doctest::Approx(350 - 8));
    }
    SUBCASE("right: outside, the plot area narrows so that nothing overlaps") {
        const std::string svg = io::render_svg(legend_plot(io::svg_legend::right));
        const box axes = rect_with(svg, axes_marker);
        const box l = rect_with(svg, legend_marker);
        CHECK(axes.x == doctest::Approx(64));
        CHECK(axes.w == doctest::Approx(560 - 64 - 16 - lw - 8).epsilon(1e-3));
        CHECK(l.x == doctest::Approx(axes.x + axes.w + 8).epsilon(1e-3));
        CHECK(l.x + l.w <= doctest::Approx(560 - 16 + 1e-6));
        CHECK(l.y == doctest::Approx(34));
    }
    SUBCASE("none: no legend box and no legend entries") {
        const std::string svg = io::render_svg(legend_plot(io::svg_legend::none));
        CHECK(svg.find(legend_marker) == std::string::npos);
        CHECK(svg.find(">first series<") == std::string::npos);
        CHECK(rect_with(svg, axes_marker).w == doctest::Approx(480));
    }
}
