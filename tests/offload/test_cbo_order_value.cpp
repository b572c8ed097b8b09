// How much Algorithm 1's paper-literal confidence order gives up against the arrival order on
// random pending windows (the numbers the README quotes; print them with
// `offloadkit-tests -tc='*confidence order gives up*' -s`). Asserted: the arrival order reaches the
// exact optimum (solve_optimal) on every window, the confidence order never exceeds it.
#include <offloadkit/offload/schedule.hpp>
#include <offloadkit/detail/random.hpp>

#include <doctest/doctest.h>

#include <cstddef>

namespace ok = offloadkit;

TEST_CASE("cbo_schedule: what the confidence order gives up against the arrival order on random windows") {
    ok::detail::rng g(14);
    for (const std::size_t k : {4, 8, 12}) {
        const int windows = 500;
        double conf_sum = 0.0;
        double arr_sum = 0.0;
        int worse = 0;
        for (int w = 0; w < windows; ++w) {
            // The README's setting: 5 Mbps, L = 100 ms, T^o = 37 ms, T = 200 ms, 30 fps, CBO's
            // five resolutions with sizes varied +-20% per frame, calibrated accuracies in [0, 1].
            ok::offload_problem pb;
            pb.deadline = 0.2;
            pb.server_time = 0.037;
            pb.network_latency = 0.1;
            pb.bandwidth = 625000.0;
            pb.server_accuracy = {0.35, 0.60, 0.72, 0.78, 0.81};
            for (std::size_t i = 0; i < k; ++i) {
                const double f = 0.8 + 0.4 * g.uniform();
                pb.frames.push_back({static_cast<double>(i) / 30.0, g.uniform(),  // all pending at once
                                     {1500 * f, 6000 * f, 13000 * f, 24000 * f, 37000 * f}});
            }
            const double now = 0.0;  // the uplink is free as the first frame arrives
            const auto conf = ok::cbo_schedule(pb, now, ok::cbo_order::confidence);
            const auto arr = ok::cbo_schedule(pb, now, ok::cbo_order::arrival);
            const auto opt = ok::solve_optimal(pb, now);
            CHECK(arr.value == doctest::Approx(opt.value).epsilon(1e-12));
            CHECK(conf.value <= opt.value + 1e-9);
            conf_sum += conf.value;
            arr_sum += arr.value;
            worse += conf.value < arr.value - 1e-9 ? 1 : 0;
        }
        MESSAGE(k, "-frame windows (", windows, "): mean summed accuracy, confidence order ", conf_sum / windows,
                ", arrival order ", arr_sum / windows, "; confidence order lower on ", worse, " windows");
    }
}
