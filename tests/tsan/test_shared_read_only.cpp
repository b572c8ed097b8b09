// Objects documented as safe to share between threads (const solvers and fitted models) are used
// from two threads at once under ThreadSanitizer; any hidden mutable state would be reported as a
// data race. Components add their shared read-only objects here as they land.
#include <offloadkit/offloadkit.hpp>

#include <doctest/doctest.h>

#include <thread>
#include <vector>

namespace ok = offloadkit;

namespace {
template <class F>
void on_two_threads(F&& f) {
    std::thread a(f);
    std::thread b(f);
    a.join();
    b.join();
}
}  // namespace

TEST_CASE("pareto_frontier on shared const points from two threads") {
    std::vector<ok::tradeoff_point> pts;
    for (int i = 0; i < 200; ++i) {
        pts.push_back({static_cast<double>(i % 17), static_cast<double>((i * 7) % 23)});
    }
    const auto expected = ok::pareto_frontier(pts);
    std::vector<std::size_t> r1;
    std::vector<std::size_t> r2;
    std::thread a([&] { for (int k = 0; k < 50; ++k) r1 = ok::pareto_frontier(pts); });
    std::thread b([&] { for (int k = 0; k < 50; ++k) r2 = ok::pareto_frontier(pts); });
    a.join();
    b.join();
    CHECK(r1 == expected);
    CHECK(r2 == expected);
    on_two_threads([&] { CHECK(ok::pareto_frontier(pts) == expected); });
}
