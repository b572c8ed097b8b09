// examples/common/sweep_figures.hpp: display units, JSON rows and the chart of a sweep.
#include "../../examples/common/sweep_figures.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace ok = offloadkit;
namespace okx = offloadkit::examples;

TEST_CASE("sweep displays convert to the library's units and back exactly") {
    const auto bw = okx::default_sweep_display(ok::sweep_axis::bandwidth);
    CHECK(bw.points.front() == 0.0);
    CHECK(bw.points.back() == 40.0);  // CBO Fig. 11: 0-40 Mbps
    CHECK(bw.to_library(5.0) == 625000.0);
    const auto lat = okx::default_sweep_display(ok::sweep_axis::latency);
    CHECK(lat.to_library(140.0) == 0.14);
    const auto fps = okx::default_sweep_display(ok::sweep_axis::fps);
    CHECK(fps.to_library(25.0) == 25.0);
    for (const auto& d : {bw, lat, fps}) {
        const auto v = d.library_values();
        REQUIRE(v.size() == d.points.size());
        for (std::size_t i = 0; i < v.size(); ++i) {
            CHECK(d.to_display(v[i]) == d.points[i]);
        }
    }
    CHECK(bw.to_display(187500.0) == 1.5);  // not a default point: the inverse conversion
}

TEST_CASE("sweep rows as JSON and as a chart") {
    const auto d = okx::default_sweep_display(ok::sweep_axis::latency);
    std::vector<ok::sweep_row> rows(4);
    const ok::policy_kind kinds[] = {ok::policy_kind::cbo, ok::policy_kind::cbo, ok::policy_kind::oracle,
                                     ok::policy_kind::oracle};
    for (std::size_t i = 0; i < rows.size(); ++i) {
        rows[i].policy = kinds[i];
        rows[i].value = i % 2 == 0 ? 0.02 : 0.1;
        rows[i].result.policy = std::string(ok::policy_name(kinds[i]));
        rows[i].result.accuracy = 0.7 + 0.05 * static_cast<double>(i);
        rows[i].result.frames = 10;
    }
    CHECK(okx::sweep_row_json(d, rows[1]).str() ==
          R"({"sweep":"latency","latency_ms":100,"policy":"cbo","accuracy":0.75,"offloaded":0,"bytes":0,)"
          R"("deadline_misses":0,"frames":10})");
    const auto plot = okx::sweep_plot(d, rows, "t");
    REQUIRE(plot.series.size() == 2);
    CHECK(plot.series[0].name == "CBO");
    CHECK(plot.series[0].x == std::vector<double>{20, 100});
    CHECK(plot.series[1].style == ok::io::svg_style::dashed);  // the Oracle ceiling
    REQUIRE(plot.series[1].y.size() == 2);
    CHECK(plot.series[1].y[0] == rows[2].result.accuracy);
    CHECK(plot.series[1].y[1] == rows[3].result.accuracy);
    // Accuracies 0.70-0.85 with a margin of a tenth of a 0.05 step: 0.65-0.90.
    CHECK(*plot.y_min == doctest::Approx(0.65));
    CHECK(*plot.y_max == doctest::Approx(0.90));
    CHECK(*plot.x_min == 0.0);
    CHECK(*plot.x_max == 160.0);
    CHECK(plot.legend == ok::io::svg_legend::right);
}
