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
