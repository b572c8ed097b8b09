// A sweep's memory: at most 1.2x the largest single run's on the same trace (issue 14: a sweep on
// 2,000,000 frames peaked at 8.7 GB against 1.27 GB for one policy, because every row kept its
// per-frame log's storage to the end). Measured as the peak of live heap bytes (malloc_usable_size
// of every block the replaced operator new hands out), above the level before the call.
#include <offloadkit/calibration/platt.hpp>
#include <offloadkit/sim/simulator.hpp>
#include <offloadkit/sim/sweep.hpp>
#include <offloadkit/sim/synthetic.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "alloc/counting.hpp"

namespace ok = offloadkit;
using offloadkit::test_alloc::peak_growth_during;

TEST_CASE("sweep: peak memory at most 1.2x the largest single run's on the same trace") {
    ok::synthetic_trace_options so;
    so.frames = 20000;
    so.seed = 14;
    const ok::trace tr = ok::make_synthetic_trace(so);
    const ok::sim_options base;
    const auto cal = ok::fit_trace_calibrator(tr, ok::profile_trace(tr, base.calibration_fraction).split);
    long long single = 0;
    for (const auto kind : ok::all_policy_kinds) {
        single = std::max(single, peak_growth_during([&] { (void)ok::run_policy(kind, tr, cal, base); }));
    }
    const std::vector<double> values{0.0, 1.25e5, 6.25e5, 2.5e6, 5e6};  // 0-40 Mbps
    std::size_t rows = 0;
    const long long swept = peak_growth_during([&] {
        rows = ok::sweep(tr, cal, base, ok::sweep_axis::bandwidth, values, ok::all_policy_kinds).size();
    });
    REQUIRE(rows == ok::all_policy_kinds.size() * values.size());
    MESSAGE("largest single run: ", single, " bytes; sweep of ", rows, " runs: ", swept, " bytes");
    CHECK(single > 0);
    CHECK(static_cast<double>(swept) <= 1.2 * static_cast<double>(single));
}
