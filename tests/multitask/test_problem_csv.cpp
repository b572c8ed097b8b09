// The CSV problem format (docs/amvp-problem-format.md): units, the sectioned and the directory
// forms, error messages; and, on the shipped Fig. 7b example, the behaviours of AMVP
// Fig. 13, 15 and 17.
#include <offloadkit/multitask/minmax_cost.hpp>
#include <offloadkit/multitask/minmax_exact.hpp>
#include <offloadkit/multitask/problem_csv.hpp>

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "support/files.hpp"

namespace ok = offloadkit;

namespace {

const std::string example = std::string(OFFLOADKIT_SOURCE_DIR) + "/examples/data/amvp_fig7b.csv";
const std::string small_dir = std::string(OFFLOADKIT_TEST_DATA_DIR) + "/multitask/small";

using offloadkit::test_support::slurp;

// The tables of tests/data/multitask/small as one sectioned file.
std::string small_sectioned() {
    std::string text = "# the small problem, sectioned\n";
    for (const char* t : {"tasks", "devices", "links", "models", "splits", "candidates", "settings"}) {
        text += std::string("[") + t + "]\n" + slurp(small_dir + "/" + t + ".csv") + "\n";
    }
    return text;
}

double mean_of(const ok::minmax_cost_result& r, double ok::amvp_task_outcome::*field) {
    double sum = 0.0;
    for (const auto& t : r.evaluation.tasks) {
        sum += t.*field;
    }
    return sum / static_cast<double>(r.evaluation.tasks.size());
}

}  // namespace

TEST_CASE("read_amvp_problem: the directory form, units and per-device rows") {
    const auto pb = ok::read_amvp_problem(small_dir);
    REQUIRE(pb.tasks.size() == 2);
    CHECK(pb.tasks[0].goal.latency == doctest::Approx(0.5));  // ms -> s
    CHECK(pb.tasks[1].goal.alpha == 0.6);
    REQUIRE(pb.devices.size() == 2);
    CHECK(pb.devices[0].memory == doctest::Approx(100e6));  // MB -> bytes
    CHECK(pb.devices[1].compute == 0.5);
    CHECK(pb.bandwidth[1] == doctest::Approx(1e6));  // 8 Mbps -> 1e6 bytes/s, both directions
    CHECK(pb.bandwidth[2] == doctest::Approx(1e6));
    CHECK(pb.bandwidth[0] == 0.0);
    CHECK(pb.share_steps == 4);
    REQUIRE(pb.bases.size() == 1);
    REQUIRE(pb.bases[0].splits.size() == 2);
    const auto& s4 = pb.bases[0].splits[0];
    CHECK(s4.layer == 4);
    CHECK(s4.first.latency[0] == doctest::Approx(0.1));
    CHECK(s4.first.latency[1] == doctest::Approx(0.04));   // the phone2 row overrides '*'
    CHECK(s4.second.latency[1] == doctest::Approx(0.16));
    CHECK(s4.feature_bytes == doctest::Approx(50e3));     // KB -> bytes
    CHECK(s4.second.memory == doctest::Approx(30e6));
    const auto& whole = pb.bases[0].splits[1];
    CHECK(whole.first.latency[1] == doctest::Approx(0.2));  // '*' row: 400 ms / speed 2
    REQUIRE(pb.tasks[1].candidates.size() == 2);
    CHECK(pb.tasks[1].candidates[1].frozen_layers == 2);
    CHECK(pb.tasks[1].candidates[1].accuracy == 0.8);
}

TEST_CASE("parse_amvp_problem: the sectioned form reads the same problem") {
    const auto a = ok::read_amvp_problem(small_dir);
    const auto b = ok::parse_amvp_problem(small_sectioned());
    CHECK(a.bandwidth == b.bandwidth);
    CHECK(a.share_steps == b.share_steps);
    REQUIRE(a.bases.size() == b.bases.size());
    for (std::size_t j = 0; j < a.bases[0].splits.size(); ++j) {
        CHECK(a.bases[0].splits[j].first.latency == b.bases[0].splits[j].first.latency);
        CHECK(a.bases[0].splits[j].second.latency == b.bases[0].splits[j].second.latency);
        CHECK(a.bases[0].splits[j].feature_bytes == b.bases[0].splits[j].feature_bytes);
    }
    const auto ea = ok::minmax_cost_exact(a);
    const auto eb = ok::minmax_cost_exact(b);
    CHECK(ea.max_cost == eb.max_cost);
}

TEST_CASE("parse_amvp_problem: errors name the line") {
    const std::string ok_text = small_sectioned();
    const auto fails_with = [](const std::string& text, const std::string& message) {
        CHECK_THROWS_WITH_AS((void)ok::parse_amvp_problem(text), message.c_str(), ok::invalid_argument);
    };
    fails_with("[tasks]\ntask\n[nonsense]\n", "read_amvp_problem: line 3: unknown section [nonsense]");
    fails_with("hello\n[tasks]\n", "read_amvp_problem: line 1: text before the first [section]");
    fails_with("[tasks]\ntask,accuracy_goal,latency_goal_ms,throughput_goal_fps,alpha,beta,gamma\n",
               "read_amvp_problem: missing table [devices]");
    auto text = ok_text;
    text.replace(text.find("phone1,phone2,8"), 15, "phone1,phone9,8");
    CHECK_THROWS_WITH_AS((void)ok::parse_amvp_problem(text), doctest::Contains("unknown device 'phone9'"),
                         ok::invalid_argument);
    text = ok_text;
    text.replace(text.find("net,10,*,400"), 12, "net,10,*,4x0");
    CHECK_THROWS_WITH_AS((void)ok::parse_amvp_problem(text), doctest::Contains("'4x0' is not a finite number"),
                         ok::invalid_argument);
    text = ok_text;
    text.replace(text.find("net,4,*,100"), 11, "net,4,phone1,100");
    text.erase(text.find("net,4,phone2,40,160,10,30,50"), 29);
    CHECK_THROWS_WITH_AS((void)ok::parse_amvp_problem(text),
                         doctest::Contains("model 'net' layer 4 has no profile for device 'phone2'"),
                         ok::invalid_argument);
    text = ok_text;
    text.replace(text.find("share_steps,4"), 13, "population,4");
    CHECK_THROWS_WITH_AS((void)ok::parse_amvp_problem(text), doctest::Contains("unknown setting 'population'"),
                         ok::invalid_argument);
    // the feature codec settings (eq. 5): MB/s -> bytes/s; bits validated with the problem
    text = ok_text;
    text.replace(text.find("share_steps,4"), 13, "share_steps,4\nquantize_bits,8\nquantize_mb_per_s,400\ndequantize_mb_per_s,800.5");
    {
        const auto pb = ok::parse_amvp_problem(text);
        CHECK(pb.codec.bits == 8);
        CHECK(pb.codec.quantize_rate == 400e6);
        CHECK(pb.codec.dequantize_rate == 800.5e6);
    }
    text = ok_text;
    text.replace(text.find("share_steps,4"), 13, "share_steps,4\nquantize_bits,8");
    CHECK_THROWS_WITH_AS((void)ok::parse_amvp_problem(text),
                         "read_amvp_problem: problem.codec.quantize_rate is 0, expected a finite number > 0",
                         ok::invalid_argument);
    text = ok_text;
    text.replace(text.find("B,0.8,800,1,0.6,0.2,0.2"), 23, "B,0.8,800,1,0.6,0.2,0.3");
    CHECK_THROWS_WITH_AS((void)ok::parse_amvp_problem(text), doctest::Contains("goal.alpha + beta + gamma is 1.1"),
                         ok::invalid_argument);
    text = ok_text;
    text.replace(text.find("B,net/2,net,2,0.8"), 17, "B,net/2,net,2.5,0.8");
    CHECK_THROWS_WITH_AS((void)ok::parse_amvp_problem(text), doctest::Contains("2.5 is not an integer"),
                         ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::read_amvp_problem(small_dir + "/no-such-file.csv"), ok::invalid_argument);
}

TEST_CASE("the Fig. 7b example: sizes and ranges of Fig. 9-11") {
    const auto pb = ok::read_amvp_problem(example);
    REQUIRE(pb.tasks.size() == 3);
    CHECK(pb.tasks[0].name == "GenderNet");
    CHECK(pb.tasks[1].name == "EmotionNet");
    CHECK(pb.tasks[2].name == "AgeNet");
    CHECK(pb.devices.size() == 4);
    REQUIRE(pb.bases.size() == 2);
    CHECK(pb.bases[0].splits.size() == 17);
    CHECK(pb.bases[1].splits.size() == 17);
    for (const auto& t : pb.tasks) {
        CHECK(t.candidates.size() == 20);  // 2 base models x 10 frozen-layer options
    }
    // Fig. 11: mobileNetV2 split after layer 90 sends 14x14x64 floats, about 50 KB
    bool found = false;
    for (const auto& sp : pb.bases[0].splits) {
        if (sp.layer == 90) {
            CHECK(sp.feature_bytes == doctest::Approx(14 * 14 * 64 * 4).epsilon(0.01));
            found = true;
        }
    }
    CHECK(found);
    CHECK(pb.bandwidth[1] == doctest::Approx(50e6 / 8));
}

TEST_CASE("the Fig. 7b example reproduces the behaviours of Fig. 13, 15 and 17") {
    const auto pb = ok::read_amvp_problem(example);
    // Fig. 13: accuracy goal 90% with alpha 0.8 (user 2) vs 80% with equal weights (user 1)
    auto user1 = pb;
    for (auto& t : user1.tasks) {
        t.goal = {.accuracy = 0.8, .latency = 1.0, .throughput = 1.0, .alpha = 0.34, .beta = 0.33, .gamma = 0.33};
    }
    const auto r2 = ok::minmax_cost_solve(pb);
    const auto r1 = ok::minmax_cost_solve(user1);
    REQUIRE(r1.feasible);
    REQUIRE(r2.feasible);
    CHECK(mean_of(r2, &ok::amvp_task_outcome::accuracy) > mean_of(r1, &ok::amvp_task_outcome::accuracy));
    CHECK(mean_of(r2, &ok::amvp_task_outcome::latency) > mean_of(r1, &ok::amvp_task_outcome::latency));

    // Fig. 15: a 200 ms latency goal selects mobileNetV2 everywhere, 1500 ms resNet50V2
    auto quick = pb;
    auto relaxed = pb;
    for (std::size_t s = 0; s < pb.tasks.size(); ++s) {
        quick.tasks[s].goal.latency = 0.2;
        relaxed.tasks[s].goal.latency = 1.5;
    }
    const auto rq = ok::minmax_cost_solve(quick);
    const auto rr = ok::minmax_cost_solve(relaxed);
    for (std::size_t s = 0; s < pb.tasks.size(); ++s) {
        CHECK(pb.tasks[s].candidates[rq.choices[s].candidate].base == 0);
        CHECK(pb.tasks[s].candidates[rr.choices[s].candidate].base == 1);
    }

    // Fig. 17: two phones free; at 1 Mbps everything runs locally and layers get shared
    auto two = pb;
    two.devices[2].compute = 0.0;
    two.devices[3].compute = 0.0;
    auto slow = two;
    for (std::size_t i = 0; i < slow.bandwidth.size(); ++i) {
        slow.bandwidth[i] = slow.bandwidth[i] > 0.0 ? 1e6 / 8 : 0.0;
    }
    const auto fast_r = ok::minmax_cost_solve(two);
    const auto slow_r = ok::minmax_cost_solve(slow);
    REQUIRE(slow_r.feasible);
    int shared_fast = 0;
    int shared_slow = 0;
    for (std::size_t s = 0; s < pb.tasks.size(); ++s) {
        CHECK(slow_r.evaluation.tasks[s].transfer_time == 0.0);
        shared_fast += fast_r.evaluation.tasks[s].shared ? 1 : 0;
        shared_slow += slow_r.evaluation.tasks[s].shared ? 1 : 0;
    }
    CHECK(shared_slow > shared_fast);
}
