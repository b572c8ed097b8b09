#include <offloadkit/calibration/isotonic.hpp>

#include <doctest/doctest.h>

#include <offloadkit/detail/random.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <vector>

namespace ok = offloadkit;

namespace {

// Textbook isotonic regression, written independently of the library: exact-equality merge of
// tied scores, stack-based pool-adjacent-violators (Ayer et al. 1955), linear interpolation
// between every unique score, scores clipped to the data range.
struct reference_model {
    std::vector<double> x;
    std::vector<double> y;
    double operator()(double v) const {
        if (x.size() == 1) {
            return y[0];
        }
        v = std::clamp(v, x.front(), x.back());
        const auto j = static_cast<std::size_t>(std::upper_bound(x.begin(), x.end(), v) - x.begin());
        if (j == x.size()) {
            return y.back();
        }
        const double t = (v - x[j - 1]) / (x[j] - x[j - 1]);
        return y[j - 1] + t * (y[j] - y[j - 1]);
    }
};

reference_model reference_isotonic(const std::vector<double>& s, const std::vector<std::uint8_t>& lab,
                                   const std::vector<double>& w, bool increasing) {
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (w.empty() || w[i] > 0) {
            idx.push_back(i);
        }
    }
    std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return s[a] < s[b]; });
    struct block {
        double wy, w;
        std::size_t first, count;
    };
    std::vector<double> ux;
    std::vector<block> pts;
    for (std::size_t k = 0; k < idx.size();) {
        double sw = 0;
        double swy = 0;
        std::size_t j = k;
        while (j < idx.size() && s[idx[j]] == s[idx[k]]) {
            const double wi = w.empty() ? 1.0 : w[idx[j]];
            sw += wi;
            swy += wi * lab[idx[j]];
            ++j;
        }
        ux.push_back(s[idx[k]]);
        pts.push_back({swy, sw, pts.size(), 1});
        k = j;
    }
    const double sign = increasing ? 1.0 : -1.0;
    std::vector<block> stack;
    for (const auto& p : pts) {
        stack.push_back(p);
        while (stack.size() > 1) {
            const auto& b = stack.back();
            const auto& a = stack[stack.size() - 2];
            if (sign * (a.wy / a.w) < sign * (b.wy / b.w)) {
                break;
            }
            block m{a.wy + b.wy, a.w + b.w, a.first, a.count + b.count};
            stack.pop_back();
            stack.back() = m;
        }
    }
    reference_model r;
    r.x = ux;
    r.y.resize(ux.size());
    for (const auto& b : stack) {
        for (std::size_t k = 0; k < b.count; ++k) {
            r.y[b.first + k] = b.wy / b.w;
        }
    }
    return r;
}

}  // namespace

TEST_CASE("isotonic: hand-worked pooling, trimming, interpolation and clipping") {
    SUBCASE("alternating labels pool into one block; only end points are kept") {
        const std::vector<double> s{1, 2, 3, 4};
        const std::vector<std::uint8_t> y{1, 0, 1, 0};
        const auto c = ok::isotonic_calibrator::fit(s, y);
        CHECK(std::vector<double>(c.thresholds_x().begin(), c.thresholds_x().end()) == std::vector<double>{1, 4});
        CHECK(std::vector<double>(c.thresholds_y().begin(), c.thresholds_y().end()) == std::vector<double>{0.5, 0.5});
        CHECK(c(2.5) == 0.5);
    }
    SUBCASE("one violating pair") {
        const std::vector<double> s{1, 2, 3, 4, 5};
        const std::vector<std::uint8_t> y{0, 1, 0, 1, 1};
        const auto c = ok::isotonic_calibrator::fit(s, y);
        // Fitted values 0, .5, .5, 1, 1: every point differs from one neighbour, so all are kept.
        CHECK(std::vector<double>(c.thresholds_y().begin(), c.thresholds_y().end()) ==
              std::vector<double>{0, 0.5, 0.5, 1, 1});
        CHECK(c(2.5) == 0.5);
        CHECK(c(3.5) == 0.75);
        CHECK(c(1.5) == 0.25);
        CHECK(c(-10.0) == 0.0);  // clipped to the first score
        CHECK(c(10.0) == 1.0);   // clipped to the last score
    }
    SUBCASE("equal scores are merged into their mean label") {
        const std::vector<double> s{0.6, 0.2, 0.2};
        const std::vector<std::uint8_t> y{1, 1, 0};
        const auto c = ok::isotonic_calibrator::fit(s, y);
        CHECK(c.thresholds_x().size() == 2);
        CHECK(c(0.2) == 0.5);
        CHECK(c(0.4) == doctest::Approx(0.75).epsilon(1e-15));
    }
    SUBCASE("scores closer than 1e-15 to a run's first score join the run (scikit-learn's _make_unique)") {
        const double x0 = 0.3;
        const std::vector<double> s{x0, std::nextafter(x0, 1.0), x0 + 2e-15};
        const std::vector<std::uint8_t> y{0, 1, 1};
        const auto c = ok::isotonic_calibrator::fit(s, y);
        REQUIRE(c.thresholds_x().size() == 2);
        CHECK(c.thresholds_x()[0] == x0);
        CHECK(c.thresholds_y()[0] == 0.5);
        CHECK(c.thresholds_x()[1] == x0 + 2e-15);
        CHECK(c.thresholds_y()[1] == 1.0);
    }
    SUBCASE("a single point (or a single distinct score) predicts its mean everywhere") {
        const std::vector<double> s{0.7, 0.7, 0.7};
        const std::vector<std::uint8_t> y{1, 0, 1};
        const auto c = ok::isotonic_calibrator::fit(s, y);
        CHECK(c.thresholds_x().size() == 1);
        CHECK(c(0.0) == doctest::Approx(2.0 / 3.0));
        CHECK(c(5.0) == c(0.0));
    }
    SUBCASE("decreasing and automatic direction") {
        const std::vector<double> s{1, 2, 3};
        const std::vector<std::uint8_t> y{1, 1, 0};
        const auto up = ok::isotonic_calibrator::fit(s, y);
        CHECK(up.increasing());
        CHECK(up(1.0) == doctest::Approx(2.0 / 3.0));
        CHECK(up(3.0) == doctest::Approx(2.0 / 3.0));
        const auto down = ok::isotonic_calibrator::fit(s, y, ok::isotonic_options{ok::isotonic_direction::decreasing});
        CHECK_FALSE(down.increasing());
        CHECK(down(1.5) == 1.0);
        CHECK(down(2.5) == 0.5);
        const auto autod = ok::isotonic_calibrator::fit(s, y, ok::isotonic_options{ok::isotonic_direction::automatic});
        CHECK(autod == down);
        const std::vector<std::uint8_t> rising{0, 1, 1};
        CHECK(ok::isotonic_calibrator::fit(s, rising, ok::isotonic_options{ok::isotonic_direction::automatic})
                  .increasing());
        // rho = 0 exactly (labels at both ends): increasing.
        const std::vector<double> s4{1, 2, 3, 4};
        const std::vector<std::uint8_t> ends{1, 0, 0, 1};
        CHECK(ok::isotonic_calibrator::fit(s4, ends, ok::isotonic_options{ok::isotonic_direction::automatic})
                  .increasing());
    }
}

TEST_CASE("isotonic: agrees with a textbook PAVA on random data with ties and weights") {
    ok::detail::rng g(21);
    for (int round = 0; round < 30; ++round) {
        const std::size_t n = 1 + g.below(400);
        std::vector<double> s(n);
        std::vector<std::uint8_t> y(n);
        std::vector<double> w(n);
        const bool ties = round % 2 == 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double u = g.uniform();
            s[i] = ties ? std::round(u * 20) / 20 : u;
            y[i] = g.bernoulli(u) ? 1 : 0;
            w[i] = round % 3 == 0 ? 0.0 : g.uniform(0.0, 2.0);
        }
        w[0] = 1.0;  // never all zero
        const bool weighted = round % 3 != 2;
        const bool increasing = round % 5 != 4;
        const ok::isotonic_options opt{increasing ? ok::isotonic_direction::increasing
                                                  : ok::isotonic_direction::decreasing};
        const auto c = weighted ? ok::isotonic_calibrator::fit(s, y, w, opt) : ok::isotonic_calibrator::fit(s, y, opt);
        const auto ref = reference_isotonic(s, y, weighted ? w : std::vector<double>{}, increasing);
        CAPTURE(round);
        for (int q = -5; q <= 105; ++q) {
            const double v = q / 100.0;
            CHECK(c(v) == doctest::Approx(ref(v)).epsilon(1e-12));
        }
        for (const double v : s) {
            CHECK(c(v) == doctest::Approx(ref(v)).epsilon(1e-12));
        }
        // Monotone, within [0, 1], strictly increasing scores.
        const auto tx = c.thresholds_x();
        const auto ty = c.thresholds_y();
        for (std::size_t i = 1; i < tx.size(); ++i) {
            CHECK(tx[i] > tx[i - 1]);
            CHECK((increasing ? ty[i] >= ty[i - 1] : ty[i] <= ty[i - 1]));
        }
        for (const double v : ty) {
            CHECK((v >= 0.0 && v <= 1.0));
        }
    }
}

TEST_CASE("isotonic: zero weights are dropped; integer weights equal repeated samples (bit for bit)") {
    ok::detail::rng g(4);
    std::vector<double> s;
    std::vector<std::uint8_t> y;
    std::vector<double> w;
    std::vector<double> rs;
    std::vector<std::uint8_t> ry;
    for (int i = 0; i < 300; ++i) {
        const double u = std::round(g.uniform() * 50) / 50;
        const auto label = static_cast<std::uint8_t>(g.bernoulli(u) ? 1 : 0);
        const auto copies = static_cast<int>(g.below(3));
        s.push_back(u);
        y.push_back(label);
        w.push_back(copies);
        for (int k = 0; k < copies; ++k) {
            rs.push_back(u);
            ry.push_back(label);
        }
    }
    CHECK(ok::isotonic_calibrator::fit(s, y, w) == ok::isotonic_calibrator::fit(rs, ry));
}

TEST_CASE("isotonic: float scores are widened exactly; label and container types") {
    const std::vector<float> sf{0.1F, 0.35F, 0.35F, 0.8F, 0.9F};
    std::vector<double> sd(sf.begin(), sf.end());
    const int yi[] = {0, 1, 0, 1, 1};
    const std::vector<std::uint8_t> y8{0, 1, 0, 1, 1};
    CHECK(ok::isotonic_calibrator::fit(sf, yi) == ok::isotonic_calibrator::fit(std::span<const double>(sd), y8));
}

TEST_CASE("isotonic: transform equals operator(); bad input; default is the identity on [0, 1]") {
    const ok::isotonic_calibrator id;
    CHECK(id(0.3) == 0.3);
    CHECK(id(1.7) == 1.0);
    const std::vector<double> s{0.1, 0.5, 0.9, 0.3};
    const std::vector<std::uint8_t> y{0, 1, 1, 0};
    const auto c = ok::isotonic_calibrator::fit(s, y);
    std::vector<float> out(4);
    c.transform(s, out);
    for (std::size_t i = 0; i < s.size(); ++i) {
        CHECK(out[i] == static_cast<float>(c(s[i])));
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> o2(2, 9.0);
    CHECK_THROWS_WITH_AS(c.transform(std::vector<double>{0.5, -std::numeric_limits<double>::infinity()}, o2),
                         "isotonic_calibrator::transform: in[1] is -inf", ok::invalid_argument);
    CHECK(o2 == std::vector<double>{9.0, 9.0});
    CHECK_THROWS_WITH_AS((void)c(nan), "isotonic_calibrator: score is NaN, expected a finite number",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::isotonic_calibrator::fit(std::vector<double>{}, std::vector<std::uint8_t>{}),
                         "isotonic_calibrator::fit: scores is empty", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::isotonic_calibrator::fit(s, std::vector<std::uint8_t>{0, 1, 1}),
                         "isotonic_calibrator::fit: labels has size 3, expected 4 (the size of scores)",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::isotonic_calibrator::fit(std::vector<double>{0.1, 0.2, nan, 0.3}, y),
                         "isotonic_calibrator::fit: scores[2] is NaN", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::isotonic_calibrator::fit(s, std::vector<std::uint8_t>{0, 1, 1, 7}),
                         "isotonic_calibrator::fit: labels[3] is 7, expected 0 or 1", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::isotonic_calibrator::fit(s, y, std::vector<double>{1, 1, -1, 1}),
                         "isotonic_calibrator::fit: weights[2] is -1, expected a finite number >= 0",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::isotonic_calibrator::fit(s, y, std::vector<double>{0, 0, 0, 0}),
                         "isotonic_calibrator::fit: weights are all zero", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::isotonic_calibrator::fit(s, y, std::vector<double>{1, 1, 1}),
                         "isotonic_calibrator::fit: weights has size 3, expected 4 (the size of scores)",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS(ok::isotonic_calibrator({0.0, 0.0}, {0.1, 0.2}),
                         "isotonic_calibrator: x[1] is 0, expected > x[0] = 0", ok::invalid_argument);
    CHECK_THROWS_WITH_AS(ok::isotonic_calibrator({0.0, 1.0}, {0.3, 0.2}),
                         "isotonic_calibrator: y[1] is 0.2, expected >= y[0] = 0.3", ok::invalid_argument);
}

TEST_CASE("isotonic: scores near the largest double do not produce NaN") {
    const double big = std::numeric_limits<double>::max();
    const std::vector<double> s{-big, big};
    const std::vector<std::uint8_t> y{0, 1};
    const auto c = ok::isotonic_calibrator::fit(s, y);
    CHECK(c(0.0) == doctest::Approx(0.5));
    CHECK(c(big / 2) == doctest::Approx(0.75));
    CHECK(c(-big) == 0.0);
}

TEST_CASE("isotonic: predictions stay within each segment's values, so in [0, 1] and monotone (fuzz regressions)") {
    // numpy.interp's slope * (s - x_j) + y_j rounds twice and can overshoot y_{j+1}: here it
    // gives 1.0000000000000002 (numpy 1.24.2 interp and scikit-learn 1.2.1 predict agree), a probability
    // above 1. Found by tests/fuzz/fuzz_calibrator_fit and fuzz_calibrator_text.
    const ok::isotonic_calibrator c({0.20924839366144665, 5.40279902205744}, {0.007518172224287911, 1.0});
    CHECK(c(5.402799022057439) == 1.0);
    CHECK(c(5.40279902205744) == 1.0);
    std::vector<double> out(1);
    c.transform(std::vector<double>{5.402799022057439}, out);
    CHECK(out[0] == 1.0);

    // A segment about as wide as the largest double has a subnormal slope (few digits): on the
    // thresholds the fuzzer's fit produced, s = -1 gave 0.20000000000000015 on a segment ending at
    // y = 0.2 (and 0.2 at -5e-324 after it: not monotone).
    const double big = std::numeric_limits<double>::max();
    const ok::isotonic_calibrator f({-big, -5e-324, 0.37499046311131456, 0.9900053406576639, 411.9375},
                                    {0.0, 0.2, 0.6666666666666666, 0.6666666666666666, 1.0});
    CHECK(f(-1.0) <= 0.2);
    CHECK(f(-1.0) == doctest::Approx(0.2));
    CHECK(f(-1.0) <= f(-5e-324));
    CHECK(f(-big / 2) == doctest::Approx(0.1));
    const ok::isotonic_calibrator wide({-big, 0.0, big * 0.9999999999999996}, {0.0, 0.5, 1.0});
    double prev = 0.0;
    for (const double v : {-big, -1e300, -1.0, -1e-300, 0.0, 1e-300, 1.0, 1e300, big / 2, big}) {
        const double p = wide(v);
        CHECK(p >= prev);
        CHECK(p <= 1.0);
        prev = p;
    }

    // A segment narrower than the smallest normal double: the slope 1 / 1e-320 overflows, and
    // inf * 0 made the prediction NaN at x_j (and inf inside the segment).
    const ok::isotonic_calibrator narrow({0.0, 1e-320, 1.0}, {0.0, 1.0, 1.0});
    CHECK(narrow(0.0) == 0.0);
    CHECK(narrow(5e-321) == doctest::Approx(0.5));
    CHECK(narrow(1e-320) == 1.0);
    CHECK(narrow(0.5) == 1.0);
    const auto text_back = ok::isotonic_calibrator::from_string(ok::to_string(narrow));
    CHECK(text_back(0.0) == 0.0);

    // First and last score near -+1.8e308 with every segment narrower than the largest double:
    // the bucket table's scale was 64 / inf = 0 and (v - x0) * 0 = inf * 0 = NaN became an index
    // (undefined behaviour; clang UBSan). Now a binary search. Found by fuzz_calibrator_text.
    const ok::isotonic_calibrator span({-big, 0.0, big}, {0.0, 0.5, 1.0});
    CHECK(span(big / 2) == doctest::Approx(0.75));
    CHECK(span(-big / 2) == doctest::Approx(0.25));
    CHECK(span(0.0) == 0.5);
}

TEST_CASE("isotonic: to_string / from_string round-trips exactly and rejects malformed text") {
    ok::detail::rng g(8);
    std::vector<double> s(500);
    std::vector<std::uint8_t> y(500);
    for (std::size_t i = 0; i < s.size(); ++i) {
        s[i] = g.uniform();
        y[i] = g.bernoulli(s[i]) ? 1 : 0;
    }
    const auto c = ok::isotonic_calibrator::fit(s, y);
    const auto back = ok::isotonic_calibrator::from_string(ok::to_string(c));
    CHECK(back == c);
    for (const double v : s) {
        CHECK(back(v) == c(v));
    }
    const auto d = ok::isotonic_calibrator::fit(s, y, ok::isotonic_options{ok::isotonic_direction::decreasing});
    CHECK(ok::isotonic_calibrator::from_string(ok::to_string(d)) == d);
    CHECK(ok::to_string(ok::isotonic_calibrator{}) ==
          "offloadkit.isotonic_calibrator 1\nincreasing 1\npoints 2\n0 0\n1 1\n");
    const char* bad[] = {
        "offloadkit.isotonic_calibrator 1\nincreasing 1\npoints 0\n",
        "offloadkit.isotonic_calibrator 1\nincreasing 2\npoints 1\n0 0\n",
        "offloadkit.isotonic_calibrator 1\nincreasing 1\npoints 2\n0 0\n",
        "offloadkit.isotonic_calibrator 1\nincreasing 1\npoints 99999999999999\n0 0\n",
        "offloadkit.isotonic_calibrator 1\nincreasing 1\npoints 2\n0 0\n1\n",
        "offloadkit.isotonic_calibrator 1\nincreasing 1\npoints 2\n0 0\n1 1 1\n",
        "offloadkit.isotonic_calibrator 1\nincreasing 1\npoints 2\n0 0.5\n1 0.4\n",
        "offloadkit.isotonic_calibrator 1\nincreasing 0\npoints 2\n0 0.4\n1 0.5\n",
        "offloadkit.isotonic_calibrator 1\nincreasing 1\npoints 2\n1 0\n0 1\n",
        "offloadkit.isotonic_calibrator 1\nincreasing 1\npoints 2\n0 0\n1 1.5\n",
        "offloadkit.isotonic_calibrator 1\nincreasing 1\npoints 2\n0 0\n1 nan\n",
        "offloadkit.isotonic_calibrator 1\nincreasing 1\npoints 2\n0 0\n1 1\n2 1\n",
        "offloadkit.isotonic_calibrator 1\nincreasing 1\npoints 2\n0 0\n1  1\n",
        "offloadkit.isotonic_calibrator 1\nincreasing 1\npoints -1\n0 0\n",
        "offloadkit.platt_calibrator 1\na 1\nb 2\n",
    };
    for (const char* t : bad) {
        CAPTURE(t);
        CHECK_THROWS_AS((void)ok::isotonic_calibrator::from_string(t), ok::invalid_argument);
    }
    CHECK_THROWS_WITH_AS(
        (void)ok::isotonic_calibrator::from_string("offloadkit.isotonic_calibrator 1\nincreasing 1\npoints 2\n0 0.5\n1 0.4\n"),
        "isotonic_calibrator::from_string: y[1] is 0.4, expected >= y[0] = 0.5", ok::invalid_argument);
}

static_assert(ok::calibrator<ok::isotonic_calibrator>);

// ---- golden vectors: scikit-learn 1.2.1 IsotonicRegression(y_min=0, y_max=1, clip) ------------
#include "calibration/golden.hpp"

namespace golden = offloadkit::test_golden;

TEST_CASE("isotonic: golden vectors from scikit-learn 1.2.1, thresholds bit for bit") {
    const auto cases = golden::read("isotonic_cases.csv");
    REQUIRE(cases.rows() >= 13);
    for (std::size_t r = 0; r < cases.rows(); ++r) {
        const std::string name = cases.cell(r, cases.column("name"));
        const std::string inc = cases.cell(r, cases.column("increasing"));
        CAPTURE(name);
        const auto data = golden::read("isotonic_" + name + "_data.csv");
        const auto s = golden::column(data, "score");
        const auto y = golden::labels(data, "label");
        const auto w = golden::column(data, "weight");
        const ok::isotonic_options opt{inc == "auto"    ? ok::isotonic_direction::automatic
                                       : inc == "false" ? ok::isotonic_direction::decreasing
                                                        : ok::isotonic_direction::increasing};
        const bool weighted = golden::number(cases, r, "weighted") != 0.0;
        const auto c = weighted ? ok::isotonic_calibrator::fit(s, y, w, opt) : ok::isotonic_calibrator::fit(s, y, opt);
        CHECK(c.increasing() == (golden::number(cases, r, "increasing_fitted") != 0.0));
        const auto th = golden::read("isotonic_" + name + "_thresholds.csv");
        const auto tx = golden::column(th, "x");
        const auto ty = golden::column(th, "y");
        REQUIRE(c.thresholds_x().size() == tx.size());
        std::size_t differing = 0;
        for (std::size_t i = 0; i < tx.size(); ++i) {
            differing += (c.thresholds_x()[i] != tx[i] || c.thresholds_y()[i] != ty[i]) ? 1 : 0;
        }
        CHECK(differing == 0);
        const auto pred = golden::read("isotonic_" + name + "_predictions.csv");
        const auto q = golden::column(pred, "query");
        const auto expected = golden::column(pred, "prediction");
        double worst = 0.0;
        std::vector<double> out(q.size());
        c.transform(q, out);
        for (std::size_t i = 0; i < q.size(); ++i) {
            worst = std::max(worst, std::abs(c(q[i]) - expected[i]));
            worst = std::max(worst, std::abs(out[i] - expected[i]));
        }
        // 0 exactly in the test builds; 1e-15 leaves room for a compiler that fuses numpy.interp's
        // slope * (s - x) + y into one FMA (-ffp-contract=fast with -march=native). API.md: 1e-9.
        CHECK(worst <= 1e-15);
    }
}

TEST_CASE("isotonic: the bucket lookup finds the same segment as a binary search, crowded scores included") {
    ok::detail::rng g(55);
    std::vector<double> s(20000);
    std::vector<std::uint8_t> y(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const double u = g.uniform();
        s[i] = i % 2 == 0 ? 1.0 - u * u * u * u * u * u : std::nextafter(1.0, 0.0) - static_cast<double>(i % 7) * 1e-16;
        y[i] = g.bernoulli(0.2 + 0.7 * s[i]) ? 1 : 0;
    }
    const auto c = ok::isotonic_calibrator::fit(s, y);
    const auto tx = c.thresholds_x();
    const auto ty = c.thresholds_y();
    REQUIRE(tx.size() > 10);
    auto by_search = [&](double v) {
        v = std::clamp(v, tx.front(), tx.back());
        if (v == tx.back()) {
            return ty.back();
        }
        const auto j = static_cast<std::size_t>(std::upper_bound(tx.begin(), tx.end(), v) - tx.begin()) - 1;
        return (ty[j + 1] - ty[j]) / (tx[j + 1] - tx[j]) * (v - tx[j]) + ty[j];
    };
    std::vector<double> queries(s.begin(), s.end());
    for (std::size_t i = 0; i < tx.size(); ++i) {
        queries.push_back(tx[i]);
        queries.push_back(std::nextafter(tx[i], -1.0));
        queries.push_back(std::nextafter(tx[i], 2.0));
    }
    for (int i = 0; i < 5000; ++i) {
        queries.push_back(g.uniform(-0.1, 1.1));
    }
    std::vector<double> out(queries.size());
    c.transform(queries, out);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < queries.size(); ++i) {
        wrong += (out[i] != by_search(queries[i]) || c(queries[i]) != out[i]) ? 1 : 0;
    }
    CHECK(wrong == 0);
}

TEST_CASE("isotonic: weights summing past the largest double give the same fit as scaled-down weights") {
    const std::vector<double> s{0.1, 0.2, 0.2, 0.4, 0.5, 0.5, 0.9};
    const std::vector<std::uint8_t> y{0, 1, 0, 0, 1, 1, 1};
    const std::vector<double> w{1, 2, 3, 1, 1, 2, 1};
    std::vector<double> huge(w);
    for (auto& v : huge) {
        v *= 5e307;  // the total, 5.5e308, overflows
    }
    const auto c = ok::isotonic_calibrator::fit(s, y, huge);
    const auto ref = ok::isotonic_calibrator::fit(s, y, w);
    REQUIRE(c.thresholds_x().size() == ref.thresholds_x().size());
    for (std::size_t i = 0; i < ref.thresholds_y().size(); ++i) {
        CHECK(c.thresholds_y()[i] == doctest::Approx(ref.thresholds_y()[i]).epsilon(1e-15));
    }
}

namespace test_isotonic_stream {

// A stream of given points, as the merge hands them to pava_stream.
struct points_source {
    const std::vector<double>* x;
    const std::vector<double>* y;
    const std::vector<double>* w;
    std::size_t i = 0;
    std::size_t fill(double* px, double* py, double* pw, std::size_t cap) {
        std::size_t m = 0;
        for (; m < cap && i < x->size(); ++m, ++i) {
            px[m] = (*x)[i];
            py[m] = (*y)[i];
            pw[m] = (*w)[i];
        }
        return m;
    }
};

}  // namespace test_isotonic_stream

TEST_CASE("isotonic: the streamed PAVA gives the in-place PAVA's blocks bit for bit") {
    ok::detail::rng g(88);
    for (int round = 0; round < 400; ++round) {
        const std::size_t n = 1 + g.below(round < 200 ? 12 : 3000);
        std::vector<double> x(n);
        std::vector<double> y(n);
        std::vector<double> w(n);
        const int kind = round % 4;  // 0/1 labels, means of a few labels, many ties, increasing trend
        for (std::size_t i = 0; i < n; ++i) {
            x[i] = static_cast<double>(i) * 0.5;
            const double u = g.uniform();
            y[i] = kind == 0   ? static_cast<double>(g.below(2))
                   : kind == 1 ? static_cast<double>(g.below(4)) / 3.0
                   : kind == 2 ? static_cast<double>(g.below(3)) / 2.0
                               : std::min(1.0, static_cast<double>(i) / static_cast<double>(n) + 0.3 * u);
            w[i] = round % 3 == 0 ? 1.0 : g.uniform(0.1, 3.0);
        }
        test_isotonic_stream::points_source src{&x, &y, &w};
        const auto blocks = ok::detail::isotonic_fit::pava_stream(src);
        auto ry = y;
        auto rw = w;
        ok::detail::isotonic_fit::pava(ry, rw);
        // The in-place result, cut into runs of equal value: the blocks (ties are pooled, so
        // adjacent blocks differ).
        std::size_t b = 0;
        std::size_t i = 0;
        bool same = true;
        while (i < n && b < blocks.size()) {
            std::size_t e = i;
            while (e + 1 < n && ry[e + 1] == ry[i]) {
                ++e;
            }
            same = same && blocks[b].y == ry[i] && blocks[b].x_first == x[i] && blocks[b].x_last == x[e];
            i = e + 1;
            ++b;
        }
        CAPTURE(round);
        CHECK(same);
        CHECK(i == n);
        CHECK(b == blocks.size());
        for (std::size_t k = 1; k < blocks.size(); ++k) {
            CHECK(blocks[k - 1].y < blocks[k].y);
        }
    }
}

TEST_CASE("isotonic: large fits (MSD sort, streamed PAVA) equal the textbook PAVA and keep only block ends") {
    ok::detail::rng g(99);
    for (int round = 0; round < 4; ++round) {
        const std::size_t n = 20000;
        std::vector<double> s(n);
        std::vector<std::uint8_t> y(n);
        for (std::size_t i = 0; i < n; ++i) {
            const double u = g.uniform();
            s[i] = round == 1 ? std::round(u * 300) / 300 : round == 2 ? (u < 0.2 ? -0.0 : u < 0.4 ? 0.0 : u) : u;
            y[i] = g.bernoulli(round == 3 ? u : u * u) ? 1 : 0;
        }
        const auto c = ok::isotonic_calibrator::fit(s, y);
        const auto ref = reference_isotonic(s, y, std::vector<double>{}, true);
        CAPTURE(round);
        for (const double v : s) {
            CHECK(c(v) == doctest::Approx(ref(v)).epsilon(1e-12));
        }
        const auto ty = c.thresholds_y();
        for (std::size_t i = 1; i + 1 < ty.size(); ++i) {
            CHECK((ty[i] != ty[i - 1] || ty[i] != ty[i + 1]));
        }
    }
}
