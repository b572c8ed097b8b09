// The consumer program every packaging test builds: it includes the umbrella header the way a
// user does and checks a few results, exiting non-zero on any mismatch.
#include <offloadkit/offloadkit.hpp>

#include <cstdio>
#include <vector>

namespace ok = offloadkit;

int main() {
    static_assert(OFFLOADKIT_VERSION_MAJOR == 0);
    const std::vector<ok::tradeoff_point> pts{{16.14, 0.6639}, {17.97, 0.7023}, {20.0, 0.60}};
    const auto front = ok::pareto_frontier(pts);
    if (front != std::vector<std::size_t>{0, 1}) {
        std::puts("unexpected Pareto frontier");
        return 1;
    }
    try {
        const std::vector<ok::tradeoff_point> bad{{0.0 / 0.0 * 0.0, 1.0}};
        (void)ok::pareto_frontier(bad);
        std::puts("NaN was not rejected");
        return 1;
    } catch (const ok::invalid_argument& e) {
        std::printf("offloadkit %d.%d.%d consumer ok (%s)\n", OFFLOADKIT_VERSION_MAJOR, OFFLOADKIT_VERSION_MINOR,
                    OFFLOADKIT_VERSION_PATCH, e.what());
    }
    return 0;
}
