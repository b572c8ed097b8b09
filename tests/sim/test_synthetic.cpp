#include <offloadkit/sim/synthetic.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <vector>

namespace ok = offloadkit;

TEST_CASE("make_synthetic_trace: deterministic, valid, and shaped as the options say") {
    ok::synthetic_trace_options o;
    o.frames = 20000;
    o.seed = 3;
    o.with_arrival = true;
    const auto a = ok::make_synthetic_trace(o);
    CHECK(a == ok::make_synthetic_trace(o));  // same seed, same trace
    o.seed = 4;
    CHECK_FALSE(a == ok::make_synthetic_trace(o));
    ok::validate_trace(a);
    REQUIRE(a.size() == 20000);
    CHECK(a.arrival[30] == doctest::Approx(1.0));
    const std::size_t m = a.num_resolutions();
    // Server accuracy per resolution ~ A^o_r (binomial sd ~ 0.0035), nested across resolutions.
    std::vector<double> acc(m, 0.0);
    double bytes_top = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        for (std::size_t r = 0; r < m; ++r) {
            acc[r] += a.server_correct_at(i, r) ? 1.0 : 0.0;
            if (r > 0 && a.server_correct_at(i, r - 1)) {
                CHECK(a.server_correct_at(i, r));
            }
        }
        bytes_top += a.bytes_of(i)[m - 1];
    }
    for (std::size_t r = 0; r < m; ++r) {
        CHECK(acc[r] / 20000.0 == doctest::Approx(o.server_accuracy[r]).epsilon(0.05));
    }
    CHECK(bytes_top / 20000.0 == doctest::Approx(37000.0).epsilon(0.02));  // mean preserved
    // Miscalibrated: mean raw confidence well above the NPU's accuracy (CBO Fig. 5).
    double conf = 0.0;
    double correct = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        conf += a.confidence[i];
        correct += a.npu_correct[i];
    }
    CHECK(conf / 20000.0 > correct / 20000.0 + 0.1);
    CHECK(correct / 20000.0 == doctest::Approx(0.55).epsilon(0.1));
}

TEST_CASE("make_synthetic_trace rejects inconsistent options") {
    ok::synthetic_trace_options o;
    o.mean_bytes.pop_back();
    CHECK_THROWS_WITH_AS((void)ok::make_synthetic_trace(o),
                         "make_synthetic_trace: mean_bytes has size 4, expected 5 (the size of resolutions)",
                         ok::invalid_argument);
    o = {};
    o.server_accuracy[1] = 1.2;
    CHECK_THROWS_AS((void)ok::make_synthetic_trace(o), ok::invalid_argument);
    o = {};
    o.difficulty_correlation = 1.0;
    CHECK_THROWS_AS((void)ok::make_synthetic_trace(o), ok::invalid_argument);
    o = {};
    o.fps = std::nan("");
    CHECK_THROWS_AS((void)ok::make_synthetic_trace(o), ok::invalid_argument);
    o = {};
    o.frames = 0;
    CHECK(ok::make_synthetic_trace(o).size() == 0);
}
