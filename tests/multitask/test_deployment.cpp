// Executing an AMVP placement (multitask/deployment.hpp): the part instances of an assignment by
// hand (a shared part 1 feeding two part 2s, AMVP §IV-A; an unshared pair; an unsplit model), the
// memory budgets of eq. 12, and amvp_run_recorder's accounting (every (frame, task) pair ends once)
// and measured figures computed by hand (latency, throughput, accuracy, eq. 6).
#include <offloadkit/multitask/deployment.hpp>

#include "support/amvp_instances.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

namespace ok = offloadkit;


TEST_CASE("amvp_deploy: a shared part 1 feeds both part 2s, memory and shares per device") {
    const auto pb = ok::test_instances::two_task_shared_instance();
    const std::vector<ok::amvp_task_choice> ch{{0, 0, 0, 3, 1, 2}, {0, 0, 0, 3, 1, 2}};
    const auto d = ok::amvp_deploy(pb, ch);
    REQUIRE(d.parts.size() == 3);
    CHECK(d.parts[0].kind == ok::amvp_part_kind::first);
    CHECK(d.parts[0].tasks == std::vector<std::size_t>{0, 1});
    CHECK(d.parts[0].device == 0);
    CHECK(d.parts[0].share == doctest::Approx(0.3));
    CHECK(d.parts[1].kind == ok::amvp_part_kind::second);
    CHECK(d.parts[2].kind == ok::amvp_part_kind::second);
    CHECK(d.tasks[0].first == 0);
    CHECK(d.tasks[1].first == 0);
    CHECK(d.tasks[0].second == 1);
    CHECK(d.tasks[1].second == 2);
    CHECK(d.tasks[0].remote);
    CHECK(d.tasks[0].split());
    CHECK(d.tasks[0].feature_bytes == 1000.0);
    CHECK(d.memory_used[0] == 100.0);  // the shared part 1 counted once
    CHECK(d.memory_used[1] == 400.0);
    CHECK(d.share_used[0] == doctest::Approx(0.3));
    CHECK(d.share_used[1] == doctest::Approx(0.4));
    CHECK(d.over_budget.empty());
    CHECK(d.devices_used() == std::vector<std::size_t>{0, 1});
}

TEST_CASE("amvp_deploy: different shares of part 1 are two instances; an unsplit choice is one whole part") {
    const auto pb = ok::test_instances::two_task_shared_instance();
    const std::vector<ok::amvp_task_choice> ch{{0, 0, 0, 3, 0, 2}, {0, 0, 0, 4, 0, 2}};
    const auto d = ok::amvp_deploy(pb, ch);
    REQUIRE(d.parts.size() == 4);
    CHECK(d.tasks[0].first != d.tasks[1].first);
    CHECK_FALSE(d.tasks[0].remote);
    const std::vector<ok::amvp_task_choice> w{{0, 1, 1, 5, 0, 1}, {0, 0, 0, 3, 1, 2}};
    const auto e = ok::amvp_deploy(pb, w);
    REQUIRE(e.parts.size() == 3);
    CHECK(e.parts[e.tasks[0].first].kind == ok::amvp_part_kind::whole);
    CHECK_FALSE(e.tasks[0].split());
    CHECK(e.parts[e.tasks[0].first].layer == 3);
    CHECK(e.memory_used[1] == 300.0 + 200.0);
}

TEST_CASE("amvp_deploy: a device whose parts exceed R_k is named") {
    const auto pb = ok::test_instances::two_task_shared_instance(350.0);
    const std::vector<ok::amvp_task_choice> ch{{0, 0, 0, 3, 1, 2}, {0, 0, 0, 3, 1, 2}};
    const auto d = ok::amvp_deploy(pb, ch);
    REQUIRE(d.over_budget.size() == 1);
    CHECK(d.over_budget[0].find("D1") != std::string::npos);
    CHECK_THROWS_AS((void)ok::amvp_deploy(pb, std::vector<ok::amvp_task_choice>{{0, 0, 0, 3, 1, 2}}),
                    ok::invalid_argument);
}

TEST_CASE("amvp_run_recorder: every pair ends exactly once; duplicates and unsent pairs are counted") {
    ok::amvp_run_recorder rec(2, 4);
    CHECK(rec.all_accounted());
    rec.sent(0, 1.0, false);
    CHECK(rec.pending() == 2);
    CHECK_FALSE(rec.all_accounted());
    CHECK(rec.answered(0, 0, 3, 1.5));
    CHECK_FALSE(rec.answered(0, 0, 3, 1.6));  // twice
    CHECK_FALSE(rec.failed(0, 0, 1.6));
    CHECK_FALSE(rec.answered(1, 2, 0, 1.6));  // never sent
    CHECK_FALSE(rec.answered(5, 0, 0, 1.6));  // no such task
    CHECK(rec.duplicates() == 4);
    rec.sent(1, 2.0, false);
    CHECK(rec.fail_pending(1, 3.0) == 2);
    CHECK(rec.pending(0) == 1);
    CHECK(rec.failed(0, 1, 3.0));
    CHECK(rec.all_accounted());
    CHECK(rec.state_of(1, 0) == ok::amvp_run_recorder::state::failed);
    CHECK(rec.label_of(0, 0) == 3);
    CHECK_THROWS_AS(rec.sent(4, 0.0, false), ok::invalid_argument);
    CHECK_THROWS_AS(ok::amvp_run_recorder(0, 4), ok::invalid_argument);
}

TEST_CASE("amvp_run_recorder::measure: latency, throughput, accuracy and eq. 6 by hand") {
    ok::amvp_run_recorder rec(1, 6);
    const std::vector<std::size_t> truth{1, 1, 2, 2, 0, 0};
    // latency frames 0-2: 0.2, 0.4, 0.3 s; frame 2 wrong
    rec.sent(0, 0.0, false);
    rec.answered(0, 0, 1, 0.2);
    rec.sent(1, 1.0, false);
    rec.answered(0, 1, 1, 1.4);
    rec.sent(2, 2.0, false);
    rec.answered(0, 2, 0, 2.3);
    // throughput frames 3-5 answered at 10.0, 10.5, 11.0; frame 5 failed instead
    rec.sent(3, 9.0, true);
    rec.sent(4, 9.0, true);
    rec.sent(5, 9.0, true);
    rec.answered(0, 3, 2, 10.0);
    rec.answered(0, 4, 0, 10.5);
    rec.failed(0, 5, 11.0);
    const ok::task_goal g{0.9, 0.25, 4.0, 0.4, 0.3, 0.3};
    const auto m = rec.measure(0, truth, g);
    CHECK(m.frames == 6);
    CHECK(m.ok == 5);
    CHECK(m.failed == 1);
    CHECK(m.correct == 4);
    CHECK(m.accuracy == doctest::Approx(0.8));
    CHECK(m.latency_mean == doctest::Approx(0.3));
    CHECK(m.latency_median == doctest::Approx(0.3));
    CHECK(m.latency_p95 == doctest::Approx(0.4));
    CHECK(m.throughput == doctest::Approx(2.0));  // (2 - 1) / (10.5 - 10.0)
    CHECK(m.cost == doctest::Approx(ok::amvp_cost(g, 0.8, 0.3, 2.0)));
    const auto part = rec.measure(0, truth, g, 0, 2);  // a phase: frames 0-1
    CHECK(part.frames == 2);
    CHECK(part.latency_mean == doctest::Approx(0.3));
    CHECK(part.throughput == 0.0);
    CHECK_THROWS_AS((void)rec.measure(0, std::vector<std::size_t>{1, 1}, g), ok::invalid_argument);
}

TEST_CASE("amvp_repredict: eq. 7 and 8 with given per-call costs, by hand") {
    const auto pb = ok::test_instances::two_task_shared_instance();
    // shared part 1 at u = 0.3 on D0, part 2s at u = 0.2 each on D1
    const auto d = ok::amvp_deploy(pb, std::vector<ok::amvp_task_choice>{{0, 0, 0, 3, 1, 2}, {0, 0, 0, 3, 1, 2}});
    const std::vector<double> cpu{0.003, 0.002, 0.004};
    // task A: 0.003 / 0.3 + 0.002 / 0.2 + 0.001 = 0.021 s; min(0.3 / 0.003, 0.2 / 0.002, 1 / 0.001) = 100 fps
    auto p = ok::amvp_repredict(d, 0, cpu, 0.001);
    CHECK(p.latency == doctest::Approx(0.021));
    CHECK(p.throughput == doctest::Approx(100.0));
    // task B: 0.01 + 0.004 / 0.2 + 0.001 = 0.031 s; its part 2 bounds it: 0.2 / 0.004 = 50 fps
    p = ok::amvp_repredict(d, 1, cpu, 0.001);
    CHECK(p.latency == doctest::Approx(0.031));
    CHECK(p.throughput == doctest::Approx(50.0));
    // a slow link: 1 / D = 20 fps is the bound
    CHECK(ok::amvp_repredict(d, 0, cpu, 0.05).throughput == doctest::Approx(20.0));
    // unsplit at u = 0.5: l / u and u / l
    const auto w = ok::amvp_deploy(pb, std::vector<ok::amvp_task_choice>{{0, 1, 0, 5, 0, 1}, {0, 1, 1, 5, 0, 1}});
    const std::vector<double> wcpu{0.01, 0.02};
    p = ok::amvp_repredict(w, 1, wcpu, 0.0);
    CHECK(p.latency == doctest::Approx(0.04));
    CHECK(p.throughput == doctest::Approx(25.0));
    CHECK_THROWS_AS((void)ok::amvp_repredict(d, 2, cpu, 0.0), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::amvp_repredict(d, 0, wcpu, 0.0), ok::invalid_argument);
}

TEST_CASE("amvp_compare: relative errors of eq. 7 / 8 and the 25% band, by hand") {
    ok::amvp_task_measurement m;
    m.latency_mean = 0.625;  // binary-exact values: the band's edge is hit exactly
    m.throughput = 60.0;
    ok::amvp_task_outcome o;
    o.latency = 0.5;
    o.throughput = 80.0;
    auto c = ok::amvp_compare(m, o);
    CHECK(c.latency_error == doctest::Approx(0.25));
    CHECK(c.throughput_error == doctest::Approx(-0.25));
    CHECK(c.within);  // both exactly at the band's edge
    m.throughput = 59.0;
    CHECK_FALSE(ok::amvp_compare(m, o).within);
    CHECK(ok::amvp_compare(m, o, 0.3).within);
    o.latency = 0.0;  // nothing predicted: no error
    CHECK(ok::amvp_compare(m, o).latency_error == 0.0);
    CHECK_THROWS_AS((void)ok::amvp_compare(m, o, -0.1), ok::invalid_argument);
}
