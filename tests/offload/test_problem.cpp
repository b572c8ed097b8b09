// The "offloading" call forms of ../shared/API.md, verbatim through the umbrella header.
#include <offloadkit/offloadkit.hpp>

#include <doctest/doctest.h>

namespace ok = offloadkit;

TEST_CASE("API.md offloading call forms compile and mean what API.md says") {
    ok::offload_problem pb;
    pb.deadline = 0.2;
    pb.server_time = 0.037;
    pb.network_latency = 0.1;
    pb.bandwidth = 625000.0;
    pb.server_accuracy = {0.35, 0.60, 0.72, 0.78, 0.81};
    pb.frames.push_back({/*arrival*/ 0.0, /*local_accuracy*/ 0.7, /*bytes per resolution*/ {1500, 6000, 13000, 24000, 37000}});
    ok::offload_plan opt = ok::solve_optimal(pb);
    // One frame, 63 ms for the transfer: 37000 B take 59.2 ms, so r = 4 (0.81 > 0.7) is best.
    CHECK(opt.value == doctest::Approx(0.81));
    CHECK(opt.choice[0] == 4);
    ok::offload_plan cbo = ok::cbo_schedule(pb, /*uplink free at*/ 0.0);
    CHECK(cbo.threshold == 0.7);
    CHECK(cbo.resolution == 4);
    // Busy uplink until 10 ms: 59.2 ms no longer fits, 38.4 ms (r = 3, 0.78) does.
    CHECK(ok::cbo_schedule(pb, 0.010).resolution == 3);
    // Nothing worth offloading: resolution -1.
    pb.frames[0].local_accuracy = 0.9;
    CHECK(ok::cbo_schedule(pb, 0.0).resolution == -1);
    CHECK(ok::solve_optimal(pb).choice[0] == -1);
}
