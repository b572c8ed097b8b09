// ApproxNet's per-frame decision (ApproxNet §4.6) and contention estimate (§4.3) allocate nothing:
// the frontiers are built at construction, the estimator's ring at construction.
#include <offloadkit/approx/profiles.hpp>
#include <offloadkit/approx/scheduler.hpp>
#include <offloadkit/estimators/contention.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <vector>

#include "alloc/counting.hpp"

namespace ok = offloadkit;
using offloadkit::test_alloc::allocations_during;

TEST_CASE("branch_scheduler decide/step and contention_estimator observe/level do not allocate") {
    std::vector<std::string> names;
    std::vector<double> acc;
    std::vector<double> lat;
    for (int b = 0; b < 8; ++b) {
        names.push_back("branch" + std::to_string(b));
    }
    for (int k = 0; k < 4; ++k) {
        for (int b = 0; b < 8; ++b) {
            acc.push_back(0.5 + 0.05 * b - 0.03 * k - (b % 3 == 1 ? 0.07 : 0.0));
        }
    }
    for (int m = 0; m < 3; ++m) {
        for (int b = 0; b < 8; ++b) {
            lat.push_back((0.01 + 0.005 * b) * (1.0 + m));
        }
    }
    ok::branch_profiles p(names, 4, 3, acc, lat);
    std::vector<double> costs(64);
    for (std::size_t i = 0; i < costs.size(); ++i) {
        costs[i] = i % 9 == 0 ? 0.0 : 0.002 * static_cast<double>(i % 7);
    }
    p.set_transition_costs(costs);
    p.set_remote({"edge", {0.9, 0.88, 0.86, 0.84}, {0.05, 0.08, 0.12}});
    ok::scheduler_options o;
    o.max_transition_cost = 0.006;  // the filtered scan (scan_allowed) runs too
    o.min_dwell = 2;
    ok::branch_scheduler sched(p, o);
    ok::contention_estimator rce(p, 6);
    const ok::approx_requirement reqs[] = {ok::approx_requirement::none(), ok::approx_requirement::min_accuracy(0.7),
                                           ok::approx_requirement::max_latency(0.03),
                                           ok::approx_requirement::min_accuracy(0.99),
                                           ok::approx_requirement::offload()};
    std::size_t branches = 0;
    CHECK(allocations_during([&] {
              for (std::size_t f = 0; f < 600; ++f) {
                  const auto& r = reqs[f % 5];
                  const std::size_t category = (f / 7) % 4;
                  const auto d = sched.step(category, rce.level(), r);
                  branches += sched.decide(category, (f / 3) % 3, r).branch + sched.decide(category, 0, r, f % 8).branch;
                  if (!d.offload) {
                      rce.observe(d.branch, d.latency * (1.0 + static_cast<double>(f % 5) * 0.4));
                      branches += rce.nearest_level(d.branch, d.latency);
                  }
              }
          }) == 0);
    CHECK(branches > 0);
}
