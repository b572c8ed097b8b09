#include <offloadkit/approx/profile_csv.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <offloadkit/detail/random.hpp>

namespace ok = offloadkit;

TEST_CASE("branch_profiles: construction, accessors and validation") {
    ok::branch_profiles p({"a", "b", "c"}, 2, 1, {0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, {0.01, 0.02, 0.03});
    CHECK(p.branches() == 3);
    CHECK(p.categories() == 2);
    CHECK(p.contention_levels() == 1);
    CHECK(p.accuracy(1, 0) == 0.4);
    CHECK(p.latency(0, 2) == 0.03);
    CHECK(p.find("b") == 1u);
    CHECK_FALSE(p.find("z").has_value());
    CHECK(p.transition_cost(0, 2) == 0.0);
    CHECK_FALSE(p.has_remote());
    CHECK_THROWS_WITH_AS((void)p.remote(), "branch_profiles::remote: no remote executor is set", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)p.accuracy(2, 0), "branch_profiles::accuracy: category is 2, expected < 2",
                         ok::invalid_argument);
    CHECK_THROWS_AS((void)p.latency(0, 3), ok::invalid_argument);
    p.set_transition_costs({0, 0.01, 0.02, 0.03, 0, 0.04, 0.05, 0.06, 0});
    CHECK(p.transition_cost(2, 1) == 0.06);
    CHECK_THROWS_WITH_AS(p.set_transition_costs({0.1, 0, 0, 0, 0, 0, 0, 0, 0}),
                         "branch_profiles::set_transition_costs: costs[0] is 0.1, expected 0 (staying on a branch "
                         "costs nothing)",
                         ok::invalid_argument);
    CHECK_THROWS_AS(p.set_transition_costs({0, -1, 0, 0, 0, 0, 0, 0, 0}), ok::invalid_argument);
    CHECK_THROWS_AS(p.set_transition_costs({0, 0}), ok::invalid_argument);
    CHECK(p.transition_cost(2, 1) == 0.06);  // unchanged by the failed calls
    p.set_remote({"edge", {0.9, 0.8}, {0.05}});
    CHECK(p.remote().accuracy[1] == 0.8);
    CHECK_THROWS_AS(p.set_remote({"edge", {0.9}, {0.05}}), ok::invalid_argument);
    CHECK_THROWS_AS(p.set_remote({"", {0.9, 0.8}, {0.05}}), ok::invalid_argument);

    using V = std::vector<double>;
    CHECK_THROWS_WITH_AS(ok::branch_profiles({}, 1, 1, V{}, V{}), "branch_profiles: names is empty",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS(ok::branch_profiles({"a", "a"}, 1, 1, V{0.5, 0.5}, V{1, 1}),
                         "branch_profiles: names[1] is 'a', a duplicate of names[0]", ok::invalid_argument);
    CHECK_THROWS_AS(ok::branch_profiles({"a", ""}, 1, 1, V{0.5, 0.5}, V{1, 1}), ok::invalid_argument);
    CHECK_THROWS_WITH_AS(ok::branch_profiles({"a", "b"}, 2, 1, V{0.5, 0.5}, V{1, 1}),
                         "branch_profiles: accuracy has size 2, expected 2 x 2 (categories x branches)",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS(ok::branch_profiles({"a", "b"}, 1, 1, V{0.5, 1.5}, V{1, 1}),
                         "branch_profiles: accuracy[1] is 1.5, expected a value in [0, 1]", ok::invalid_argument);
    CHECK_THROWS_WITH_AS(ok::branch_profiles({"a", "b"}, 1, 1, V{0.5, 0.5}, V{1, NAN}),
                         "branch_profiles: latency[1] is NaN, expected a finite number > 0 (seconds)",
                         ok::invalid_argument);
    CHECK_THROWS_AS(ok::branch_profiles({"a"}, 1, 1, V{0.5}, V{0.0}), ok::invalid_argument);
    CHECK_THROWS_AS(ok::branch_profiles({"a"}, 0, 1, V{}, V{1}), ok::invalid_argument);
    CHECK_THROWS_AS(ok::branch_profiles({"a"}, 1, 0, V{0.5}, V{}), ok::invalid_argument);
}

TEST_CASE("parse_branch_profiles reads the shipped Table 2(a) sample exactly") {
    const auto p = ok::read_branch_profiles(std::string(OFFLOADKIT_SOURCE_DIR) + "/examples/data/approxnet_table2a.csv");
    REQUIRE(p.branches() == 8);
    CHECK(p.categories() == 1);
    CHECK(p.contention_levels() == 1);
    const std::vector<std::string> names{"80x80x3/12",   "96x96x3/12",   "112x112x3/12", "128x128x3/12",
                                         "112x112x3/20", "128x128x3/20", "160x160x3/20", "128x128x3/24"};
    CHECK(p.names() == names);
    const std::vector<double> acc{0.6639, 0.6798, 0.6853, 0.7023, 0.7828, 0.7935, 0.8081, 0.8212};
    const std::vector<double> lat_ms{16.14, 16.78, 17.70, 17.97, 26.84, 27.95, 31.33, 31.42};
    for (std::size_t b = 0; b < 8; ++b) {
        CHECK(p.accuracy(0, b) == acc[b]);
        CHECK(p.latency(0, b) == doctest::Approx(lat_ms[b] / 1000.0).epsilon(1e-15));
    }
    REQUIRE(p.has_remote());
    CHECK(p.remote().name == "224x224x3/34@edge");
    CHECK(p.remote().accuracy == std::vector<double>{0.8586});
    CHECK(p.remote().latency[0] == doctest::Approx(0.02057).epsilon(1e-15));
}

TEST_CASE("parse_branch_profiles: indexed columns, units, ignored columns, round trip through format") {
    const std::string text =
        "branch, accuracy[1], latency_s[0], note, accuracy[0], latency_s[1], executor\n"
        "fast, 0.5, 0.010, x, 0.6, 0.020,\n"
        "\"slow, deep\", 0.9, 0.030, y, 0.95, 0.050, local\n"
        "edge, 0.99, 0.040, z, 0.98, 0.040, remote\n";
    const auto p = ok::parse_branch_profiles(text);
    CHECK(p.branches() == 2);
    CHECK(p.categories() == 2);
    CHECK(p.contention_levels() == 2);
    CHECK(p.name(1) == "slow, deep");
    CHECK(p.accuracy(0, 0) == 0.6);  // accuracy[0]
    CHECK(p.accuracy(1, 0) == 0.5);
    CHECK(p.latency(1, 1) == 0.05);
    CHECK(p.remote().accuracy == std::vector<double>{0.98, 0.99});
    CHECK(ok::parse_branch_profiles(ok::format_branch_profiles(p)) == p);

    // Random profiles survive format -> parse exactly (shortest round-trip numbers, seconds).
    ok::detail::rng g(4);
    for (int trial = 0; trial < 50; ++trial) {
        const std::size_t b = 1 + g.below(6), k = 1 + g.below(3), m = 1 + g.below(4);
        std::vector<std::string> names;
        for (std::size_t j = 0; j < b; ++j) {
            names.push_back("br" + std::to_string(j));
        }
        std::vector<double> acc(k * b), lat(m * b);
        for (auto& a : acc) {
            a = g.uniform();
        }
        for (auto& l : lat) {
            l = g.uniform(0.001, 0.2);
        }
        ok::branch_profiles q(names, k, m, acc, lat);
        if (trial % 2 == 0) {
            std::vector<double> ra(k), rl(m);
            for (auto& a : ra) {
                a = g.uniform();
            }
            for (auto& l : rl) {
                l = g.uniform(0.001, 0.2);
            }
            q.set_remote({"remote", ra, rl});
        }
        REQUIRE(ok::parse_branch_profiles(ok::format_branch_profiles(q)) == q);
    }
}

TEST_CASE("parse_branch_profiles names the line and column of every error") {
    auto err = [](const std::string& text) {
        try {
            (void)ok::parse_branch_profiles(text);
        } catch (const ok::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(err("branch,accuracy,latency_ms\na,66.39,16\n") ==
          "parse_branch_profiles: line 2, column 2 ('accuracy'): '66.39' is not in [0, 1] (accuracies are fractions, "
          "not percent)");
    CHECK(err("# c\nbranch,accuracy,latency_ms\na,0.5,16\nb,0.6,abc\n") ==
          "parse_branch_profiles: line 4, column 3 ('latency_ms'): 'abc' is not a finite number");
    CHECK(err("branch,accuracy,latency_ms\na,0.5,0\n") ==
          "parse_branch_profiles: line 2, column 3 ('latency_ms'): '0' is not a latency > 0");
    CHECK(err("branch,accuracy,latency_ms\na,0.5,NaN\n") ==
          "parse_branch_profiles: line 2, column 3 ('latency_ms'): 'NaN' is not a finite number");
    CHECK(err("branch,accuracy,latency_ms,executor\na,0.5,1,gpu\n") ==
          "parse_branch_profiles: line 2, column 4 ('executor'): 'gpu' is not 'local' or 'remote'");
    CHECK(err("branch,accuracy,latency_ms\na,0.5,1\na,0.6,2\n") ==
          "parse_branch_profiles: line 3: branch 'a' is listed twice");
    CHECK(err("branch,accuracy,latency_ms\n,0.5,1\n") ==
          "parse_branch_profiles: line 2, column 1 ('branch'): '' is empty, expected a branch name");
    CHECK(err("branch,latency_ms\na,1\n") ==
          "parse_branch_profiles: missing column 'accuracy' (or 'accuracy[0]', 'accuracy[1]', ...)");
    CHECK(err("branch,accuracy\na,0.5\n") ==
          "parse_branch_profiles: missing column 'latency_ms' or 'latency_s' (or 'latency_ms[0]', ...)");
    CHECK(err("branch,accuracy,latency_ms,latency_s\na,0.5,1,1\n") ==
          "parse_branch_profiles: header: both 'latency_ms' and 'latency_s' columns (use one unit)");
    CHECK(err("branch,accuracy[0],accuracy[2],latency_ms\na,0.5,0.5,1\n") ==
          "parse_branch_profiles: header: 'accuracy[1]' is missing (have 'accuracy[2]')");
    CHECK(err("branch,accuracy[x],latency_ms\na,0.5,1\n") ==
          "parse_branch_profiles: header: column 2 'accuracy[x]' is not accuracy[index]");
    CHECK(err("branch,accuracy,accuracy[0],latency_ms\na,0.5,0.5,1\n") ==
          "parse_branch_profiles: header: both 'accuracy' and 'accuracy[...]' columns");
    CHECK(err("branch,accuracy,latency_ms\n") ==
          "parse_branch_profiles: no local branch (every row is remote, or the file has no rows)");
    CHECK(err("branch,accuracy,latency_ms,executor\na,0.5,1,remote\nb,0.5,1,remote\n") ==
          "parse_branch_profiles: line 3: a second remote row ('b'), expected at most one");
    CHECK(err("branch,accuracy,latency_ms\na,0.5\n") == "parse_branch_profiles: line 2 has 2 fields, expected 3");
    CHECK(err("") == "parse_branch_profiles: no header row");
    CHECK_THROWS_WITH_AS((void)ok::read_branch_profiles("/nonexistent/profile.csv"),
                         "read_branch_profiles: cannot open '/nonexistent/profile.csv'", ok::invalid_argument);
}

TEST_CASE("parse_transition_costs: names, units, defaults and errors") {
    const ok::branch_profiles p({"a", "b", "c"}, 1, 1, {0.1, 0.2, 0.3}, {0.01, 0.02, 0.03});
    const auto t = ok::parse_transition_costs("from,to,cost_ms\na,c,31.5\nc,a,2\nb,b,0\n", p);
    CHECK(t == std::vector<double>{0, 0, 0.0315, 0, 0, 0, 0.002, 0, 0});
    CHECK(ok::parse_transition_costs("from,to,cost_s\nb,a,0.25\n", p)[3] == 0.25);
    auto err = [&](const std::string& text) {
        try {
            (void)ok::parse_transition_costs(text, p);
        } catch (const ok::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(err("from,to,cost_ms\na,z,1\n") ==
          "parse_transition_costs: line 2, column 2 ('to'): 'z' is not a branch of the profile");
    CHECK(err("from,to,cost_ms\na,b,-1\n") == "parse_transition_costs: line 2, column 3 ('cost_ms'): '-1' is negative");
    CHECK(err("from,to,cost_ms\na,a,1\n") ==
          "parse_transition_costs: line 2, column 3 ('cost_ms'): '1' is not 0 (from and to are the same branch)");
    CHECK(err("from,to,cost_ms\na,b,1\na,b,2\n") == "parse_transition_costs: line 3: the pair ('a', 'b') is listed twice");
    CHECK(err("from,to\na,b\n") == "parse_transition_costs: expected exactly one of the columns 'cost_ms' and 'cost_s'");
    CHECK(err("to,cost_ms\na,1\n") == "parse_transition_costs: missing column 'from'; columns read: 'to', 'cost_ms'");
}
