#include <offloadkit/pareto/frontier.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <vector>

#include <offloadkit/detail/random.hpp>

namespace ok = offloadkit;

namespace {
// The definition of ../shared/API.md, applied literally: O(n^2).
bool dominates(const std::vector<ok::tradeoff_point>& p, std::size_t j, std::size_t i) {
    if (!(p[j].cost <= p[i].cost && p[j].value >= p[i].value)) {
        return false;
    }
    const bool strict = p[j].cost < p[i].cost || p[j].value > p[i].value;
    return strict || j < i;
}

std::vector<std::size_t> brute_frontier(const std::vector<ok::tradeoff_point>& p) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < p.size(); ++i) {
        bool dominated = false;
        for (std::size_t j = 0; j < p.size() && !dominated; ++j) {
            dominated = j != i && dominates(p, j, i);
        }
        if (!dominated) {
            out.push_back(i);
        }
    }
    std::stable_sort(out.begin(), out.end(), [&](std::size_t a, std::size_t b) { return p[a].cost < p[b].cost; });
    return out;
}

// Random points on a coarse grid so ties in cost, value and both are frequent.
std::vector<ok::tradeoff_point> random_points(ok::detail::rng& g, std::size_t n) {
    std::vector<ok::tradeoff_point> p(n);
    for (auto& x : p) {
        x.cost = static_cast<double>(g.below(6));
        x.value = static_cast<double>(g.below(6)) / 5.0;
    }
    return p;
}

struct label {
    double cost;
    double value;
    int tag;
};
}  // namespace

TEST_CASE("pareto_frontier: the example of API.md") {
    const std::vector<ok::tradeoff_point> pts{{16.14, 0.6639}, {17.97, 0.7023}, {20.0, 0.60}};
    CHECK(ok::pareto_frontier(pts) == std::vector<std::size_t>{0, 1});
}

TEST_CASE("pareto_frontier equals the O(n^2) definition on random points with ties") {
    ok::detail::rng g(1);
    for (int trial = 0; trial < 3000; ++trial) {
        const auto p = random_points(g, g.below(12));
        const auto front = ok::pareto_frontier(p);
        REQUIRE(front == brute_frontier(p));
        // The frontier is a Pareto list: strictly increasing in both coordinates.
        std::vector<ok::tradeoff_point> fp;
        for (auto i : front) {
            fp.push_back(p[i]);
        }
        CHECK(ok::is_pareto_list(fp));
    }
}

TEST_CASE("pareto_frontier keeps the lowest index of identical points and handles infinities") {
    const std::vector<ok::tradeoff_point> p{{1, 0.5}, {1, 0.5}, {0, 0.1}, {INFINITY, 1.0}, {1, -INFINITY}};
    CHECK(ok::pareto_frontier(p) == std::vector<std::size_t>{2, 0, 3});
    CHECK(ok::pareto_frontier(std::vector<ok::tradeoff_point>{}).empty());
}

TEST_CASE("pareto_frontier rejects NaN, naming the point") {
    const std::vector<ok::tradeoff_point> p{{1, 0.5}, {NAN, 0.5}};
    CHECK_THROWS_WITH_AS((void)ok::pareto_frontier(p), "pareto_frontier: points[1].cost is NaN", ok::invalid_argument);
    const std::vector<ok::tradeoff_point> q{{1, NAN}};
    CHECK_THROWS_WITH_AS((void)ok::pareto_frontier(q), "pareto_frontier: points[0].value is NaN", ok::invalid_argument);
}

TEST_CASE("pareto_merge of two Pareto lists equals pruning their union") {
    ok::detail::rng g(2);
    std::vector<label> out;
    for (int trial = 0; trial < 3000; ++trial) {
        auto make = [&](int tag) {
            std::vector<label> l;
            const std::size_t n = g.below(8);
            for (std::size_t i = 0; i < n; ++i) {
                l.push_back({static_cast<double>(g.below(8)), static_cast<double>(g.below(8)), tag});
            }
            ok::pareto_prune(l);
            return l;
        };
        const auto a = make(0);
        const auto b = make(1);
        REQUIRE(ok::is_pareto_list(a));
        REQUIRE(ok::is_pareto_list(b));
        ok::pareto_merge<label>(a, b, out);
        CHECK(ok::is_pareto_list(out));
        // Reference: concatenate a then b, stable prune; the first (a's) of equal points survives.
        auto all = a;
        all.insert(all.end(), b.begin(), b.end());
        ok::pareto_prune(all);
        REQUIRE(out.size() == all.size());
        for (std::size_t i = 0; i < out.size(); ++i) {
            CHECK(out[i].cost == all[i].cost);
            CHECK(out[i].value == all[i].value);
            CHECK(out[i].tag == all[i].tag);
        }
        // Nothing in the union is better than the merged list: every input point is dominated by
        // (or equal to) some output point.
        for (const auto& x : all) {
            bool covered = false;
            for (const auto& y : out) {
                covered = covered || (y.cost <= x.cost && y.value >= x.value);
            }
            CHECK(covered);
        }
    }
}

TEST_CASE("pareto_merge with custom projections and reused output capacity") {
    struct dp_label {
        double free_at;
        double acc;
    };
    const std::vector<dp_label> a{{0.1, 1.0}, {0.3, 2.0}};
    const std::vector<dp_label> b{{0.1, 1.5}, {0.2, 1.6}, {0.4, 1.9}};
    std::vector<dp_label> out;
    out.reserve(8);
    const auto* before = out.data();
    ok::pareto_merge<dp_label>(
        a, b, out, [](const dp_label& l) { return l.free_at; }, [](const dp_label& l) { return l.acc; });
    CHECK(out.data() == before);  // no reallocation
    REQUIRE(out.size() == 3);
    CHECK(out[0].acc == 1.5);
    CHECK(out[1].acc == 1.6);
    CHECK(out[2].acc == 2.0);
}
