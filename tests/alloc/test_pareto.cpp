// The Pareto-list merge is the inner step of CBO's dynamic programs: after warm-up (output capacity
// reserved) it must not allocate.
#include <offloadkit/pareto/frontier.hpp>

#include <doctest/doctest.h>

#include <vector>

#include "alloc/counting.hpp"

namespace ok = offloadkit;
using offloadkit::test_alloc::allocations_during;

TEST_CASE("pareto_merge and pareto_prune_sorted do not allocate once capacity is reserved") {
    const std::vector<ok::tradeoff_point> a{{0.1, 1.0}, {0.3, 2.0}, {0.5, 2.5}};
    const std::vector<ok::tradeoff_point> b{{0.2, 1.5}, {0.4, 2.2}};
    std::vector<ok::tradeoff_point> out;
    out.reserve(a.size() + b.size());
    CHECK(allocations_during([&] { ok::pareto_merge<ok::tradeoff_point>(a, b, out); }) == 0);
    CHECK(out.size() == 5);
    CHECK(allocations_during([&] { ok::pareto_prune_sorted(out); }) == 0);
    // The counter itself works: a fresh vector allocates.
    CHECK(allocations_during([] { std::vector<int> v(10); (void)v; }) == 1);
}
