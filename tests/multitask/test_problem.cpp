// The MSTA problem model (AMVP §IV-C): an assignment evaluated by hand with eq. 6-8, layer
// sharing, constraints (11)-(12), missing links, and validation of every field.
#include <offloadkit/multitask/problem.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace ok = offloadkit;

namespace {

// Two devices, one base model "net" of 10 layers split after layer 4 or unsplit, two tasks.
ok::amvp_problem hand_instance() {
    ok::amvp_problem pb;
    pb.devices = {{"M1", 1.0, 100e6}, {"M2", 0.5, 50e6}};
    pb.bandwidth = {0.0, 1e6, 1e6, 0.0};
    ok::amvp_base_model net;
    net.name = "net";
    net.layers = 10;
    ok::amvp_split s4;
    s4.layer = 4;
    s4.first = {{0.1, 0.2}, {}, 10e6};   // throughput = 1 / latency: {10, 5}
    s4.second = {{0.3, 0.6}, {}, 30e6};  // {3.33, 1.67}
    s4.feature_bytes = 50000.0;
    ok::amvp_split whole;
    whole.layer = 10;
    whole.first = {{0.4, 0.8}, {}, 40e6};
    net.splits = {s4, whole};
    pb.bases = {net};
    ok::amvp_task a;
    a.name = "A";
    a.goal = {.accuracy = 0.9, .latency = 1.0, .throughput = 2.0, .alpha = 0.5, .beta = 0.25, .gamma = 0.25};
    a.candidates = {{"net/6", 0, 6, 0.85}};
    ok::amvp_task b;
    b.name = "B";
    b.goal = {.accuracy = 0.8, .latency = 0.5, .throughput = 1.0, .alpha = 0.6, .beta = 0.2, .gamma = 0.2};
    b.candidates = {{"net/4", 0, 4, 0.82}};
    pb.tasks = {a, b};
    pb.share_steps = 10;
    return pb;
}

}  // namespace

TEST_CASE("amvp_evaluate: eq. 6-8 by hand, with a shared part 1") {
    const auto pb = hand_instance();
    // A: part 1 on M1 at 50%, part 2 on M2 at 50%; B: the same part 1 (shared), part 2 on M1 at 50%
    const std::vector<ok::amvp_task_choice> ch{{0, 0, 0, 5, 1, 5}, {0, 0, 0, 5, 0, 5}};
    const auto e = ok::amvp_evaluate(pb, ch);
    REQUIRE(e.feasible);
    CHECK(e.violation.empty());
    // A: L = 0.1/0.5 + 0.6/0.5 + 50000/1e6 = 1.45; T = min(5, 0.8333, 20)
    CHECK(e.tasks[0].latency == doctest::Approx(1.45));
    CHECK(e.tasks[0].throughput == doctest::Approx(0.5 / 0.6));
    CHECK(e.tasks[0].transfer_time == doctest::Approx(0.05));
    const double cost_a = 0.5 * 0.05 / 0.9 + 0.25 * 0.45 / 1.45 + 0.25 * (2.0 - 0.5 / 0.6) / 2.0;
    CHECK(e.tasks[0].cost == doctest::Approx(cost_a));
    CHECK_FALSE(e.tasks[0].meets_latency);
    CHECK_FALSE(e.tasks[0].meets_throughput);
    // B: L = 0.1/0.5 + 0.3/0.5 = 0.8 (no transfer on one device); T = min(5, 1.667)
    CHECK(e.tasks[1].latency == doctest::Approx(0.8));
    CHECK(e.tasks[1].throughput == doctest::Approx(0.5 / 0.3));
    CHECK(e.tasks[1].transfer_time == 0.0);
    CHECK(e.tasks[1].cost == doctest::Approx(0.6 * (0.8 - 0.82) / 0.8 + 0.2 * 0.3 / 0.8));
    CHECK(e.tasks[1].meets_throughput);
    CHECK(e.max_cost == doctest::Approx(cost_a));
    // sharing: one part-1 instance counted once in (11) and (12)
    CHECK(e.tasks[0].shared);
    CHECK(e.tasks[1].shared);
    CHECK(e.tasks[0].first_instance == e.tasks[1].first_instance);
    CHECK(e.part_instances == 3);
    CHECK(e.steps_used == std::vector<int>{10, 5});
    CHECK(e.memory_used[0] == doctest::Approx(40e6));
    CHECK(e.memory_used[1] == doctest::Approx(30e6));
    CHECK(e.tasks[0].first_share == doctest::Approx(0.5));
}

TEST_CASE("amvp_evaluate: no sharing without matching share, device or frozen layers; constraint (11)") {
    auto pb = hand_instance();
    // different share for B's part 1: two instances, M1 needs 5 + 4 + 5 = 14 > 10 steps
    const std::vector<ok::amvp_task_choice> ch{{0, 0, 0, 5, 1, 5}, {0, 0, 0, 4, 0, 5}};
    auto e = ok::amvp_evaluate(pb, ch);
    CHECK_FALSE(e.feasible);
    CHECK_FALSE(e.tasks[1].shared);
    CHECK(e.steps_used[0] == 14);
    CHECK(e.violation == "constraint (11): device 0 uses 14 share steps, 10 available");
    // B freezes only 3 layers: split after layer 4 is not shareable
    pb.tasks[1].candidates[0].frozen_layers = 3;
    const std::vector<ok::amvp_task_choice> same{{0, 0, 0, 5, 1, 5}, {0, 0, 0, 5, 0, 5}};
    e = ok::amvp_evaluate(pb, same);
    CHECK_FALSE(e.tasks[0].shared);
    CHECK(e.part_instances == 4);
    CHECK_FALSE(e.feasible);
    // U_k = 0.5 gives 5 steps: 6 on M2 is too many
    const std::vector<ok::amvp_task_choice> over{{1, 1, 1, 6, 0, 1}, {0, 1, 0, 5, 0, 1}};
    pb.tasks[0].candidates.push_back({"net/6b", 0, 6, 0.8});
    e = ok::amvp_evaluate(pb, over);
    CHECK_FALSE(e.feasible);
    CHECK(e.tasks[0].split == false);
    CHECK(e.tasks[0].second_share == 0.0);
    CHECK(e.violation == "constraint (11): device 1 uses 6 share steps, 5 available");
}

TEST_CASE("amvp_evaluate: constraint (12) and missing links") {
    auto pb = hand_instance();
    const std::vector<ok::amvp_task_choice> ch{{0, 0, 0, 5, 1, 5}, {0, 0, 0, 5, 0, 5}};
    pb.devices[1].memory = 20e6;  // A's part 2 needs 30 MB on M2
    auto e = ok::amvp_evaluate(pb, ch);
    CHECK_FALSE(e.feasible);
    CHECK(e.violation.rfind("constraint (12): device 1", 0) == 0);
    pb = hand_instance();
    pb.bandwidth[1] = 0.0;  // no link M1 -> M2
    e = ok::amvp_evaluate(pb, ch);
    CHECK_FALSE(e.feasible);
    CHECK(e.violation == "task 0: no link from device 0 to device 1");
    CHECK(std::isinf(e.tasks[0].cost));
    CHECK(std::isinf(e.max_cost));
    // an infinite bandwidth is a free transfer
    pb.bandwidth[1] = std::numeric_limits<double>::infinity();
    e = ok::amvp_evaluate(pb, ch);
    CHECK(e.feasible);
    CHECK(e.tasks[0].latency == doctest::Approx(1.4));
    CHECK(e.tasks[0].throughput == doctest::Approx(0.5 / 0.6));
}

TEST_CASE("amvp_validate: every bad field is named") {
    const auto check = [](auto mutate, const std::string& message) {
        auto pb = hand_instance();
        mutate(pb);
        CHECK_THROWS_WITH_AS(ok::amvp_validate(pb), message.c_str(), ok::invalid_argument);
    };
    CHECK_NOTHROW(ok::amvp_validate(hand_instance()));
    check([](ok::amvp_problem& p) { p.tasks.clear(); }, "amvp_validate: problem.tasks is empty");
    check([](ok::amvp_problem& p) { p.tasks[1].candidates.clear(); },
          "amvp_validate: problem.tasks[1].candidates is empty");
    check([](ok::amvp_problem& p) { p.tasks[0].goal.beta = 0.5; },
          "amvp_validate: problem.tasks[0].goal.alpha + beta + gamma is 1.25, expected 1");
    check([](ok::amvp_problem& p) { p.tasks[0].goal.latency = 0.0; },
          "amvp_validate: problem.tasks[0].goal.latency is 0, expected a finite number > 0");
    check([](ok::amvp_problem& p) { p.tasks[0].candidates[0].base = 3; },
          "amvp_validate: problem.tasks[0].candidates[0].base is 3, expected < 1");
    check([](ok::amvp_problem& p) { p.tasks[0].candidates[0].frozen_layers = 10; },
          "amvp_validate: problem.tasks[0].candidates[0].frozen_layers is 10, expected 0..9");
    check([](ok::amvp_problem& p) { p.tasks[0].candidates[0].accuracy = std::nan(""); },
          "amvp_validate: problem.tasks[0].candidates[0].accuracy is NaN, expected a finite number >= 0");
    check([](ok::amvp_problem& p) { p.bases[0].splits[0].layer = 0; },
          "amvp_validate: problem.bases[0].splits[0].layer is 0, expected 1..10");
    check([](ok::amvp_problem& p) { p.bases[0].splits[0].first.latency.pop_back(); },
          "amvp_validate: problem.bases[0].splits[0].first.latency has size 1, expected 2 (one per device)");
    check([](ok::amvp_problem& p) { p.bases[0].splits[0].first.latency[1] = 0.0; },
          "amvp_validate: problem.bases[0].splits[0].first.latency[1] is 0, expected a finite number > 0");
    check([](ok::amvp_problem& p) { p.bases[0].splits[0].second.throughput = {1.0, -1.0}; },
          "amvp_validate: problem.bases[0].splits[0].second.throughput[1] is -1, expected a finite number > 0");
    check([](ok::amvp_problem& p) { p.bases[0].splits[0].second.memory = -1.0; },
          "amvp_validate: problem.bases[0].splits[0].second.memory is -1, expected a finite number >= 0");
    check([](ok::amvp_problem& p) { p.bases[0].splits[0].feature_bytes = std::nan(""); },
          "amvp_validate: problem.bases[0].splits[0].feature_bytes is NaN, expected a finite number >= 0");
    check([](ok::amvp_problem& p) { p.bases[0].splits.clear(); }, "amvp_validate: problem.bases[0].splits is empty");
    check([](ok::amvp_problem& p) { p.devices[1].compute = 1.5; },
          "amvp_validate: problem.devices[1].compute is 1.5, expected U_k in [0, 1]");
    check([](ok::amvp_problem& p) { p.devices[0].memory = -5.0; },
          "amvp_validate: problem.devices[0].memory is -5, expected a finite number >= 0");
    check([](ok::amvp_problem& p) { p.bandwidth.pop_back(); },
          "amvp_validate: problem.bandwidth has size 3, expected 4 (devices x devices)");
    check([](ok::amvp_problem& p) { p.bandwidth[2] = -1.0; },
          "amvp_validate: problem.bandwidth[2] is -1, expected >= 0 (0 = no link)");
    check([](ok::amvp_problem& p) { p.share_steps = 0; }, "amvp_validate: problem.share_steps is 0, expected 1..1000");
    check([](ok::amvp_problem& p) { p.devices.clear(); }, "amvp_validate: problem.devices is empty");
    // devices with no compute or memory are valid (the solvers report infeasibility)
    auto pb = hand_instance();
    pb.devices[0].compute = 0.0;
    pb.devices[1].memory = 0.0;
    CHECK_NOTHROW(ok::amvp_validate(pb));
}

TEST_CASE("amvp_evaluate: bad choices are rejected") {
    const auto pb = hand_instance();
    using choices = std::vector<ok::amvp_task_choice>;
    CHECK_THROWS_WITH_AS((void)ok::amvp_evaluate(pb, choices{{0, 0, 0, 5, 1, 5}}),
                         "amvp_evaluate: choices has size 1, expected 2 (one per task)", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::amvp_evaluate(pb, choices{{1, 0, 0, 5, 1, 5}, {0, 0, 0, 5, 0, 5}}),
                         "amvp_evaluate: choices[0].candidate is 1, expected < 1", ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::amvp_evaluate(pb, choices{{0, 2, 0, 5, 1, 5}, {0, 0, 0, 5, 0, 5}}), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::amvp_evaluate(pb, choices{{0, 0, 2, 5, 1, 5}, {0, 0, 0, 5, 0, 5}}), ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::amvp_evaluate(pb, choices{{0, 0, 0, 0, 1, 5}, {0, 0, 0, 5, 0, 5}}),
                         "amvp_evaluate: choices[0].first_steps is 0, expected 1..10", ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::amvp_evaluate(pb, choices{{0, 0, 0, 5, 1, 11}, {0, 0, 0, 5, 0, 5}}), ok::invalid_argument);
    // the second part of an unsplit model is ignored, whatever it says
    CHECK_NOTHROW((void)ok::amvp_evaluate(pb, choices{{0, 1, 0, 5, 9, 99}, {0, 1, 1, 5, 9, 0}}));
}
