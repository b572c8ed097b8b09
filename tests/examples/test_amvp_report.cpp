// examples/common/amvp_report.hpp: the JSON rows of an AMVP placement agree with the result they
// describe (choices and evaluation of minmax_cost_solve on the Fig. 7b example).
#include "../../examples/common/amvp_report.hpp"

#include <doctest/doctest.h>

#include <string>

#include <offloadkit/multitask/problem_csv.hpp>

namespace ok = offloadkit;
namespace okx = offloadkit::examples;

TEST_CASE("amvp_task_rows: one row per task, fields from the choices and their evaluation") {
    const auto pb = ok::read_amvp_problem(std::string(OFFLOADKIT_SOURCE_DIR) + "/examples/data/amvp_fig7b.csv");
    const auto r = ok::minmax_cost_solve(pb);
    REQUIRE(r.feasible);
    const auto rows = okx::amvp_task_rows("amvp", pb, r, pb);
    REQUIRE(rows.size() == pb.tasks.size());
    for (std::size_t s = 0; s < rows.size(); ++s) {
        const std::string j = rows[s].str();
        CAPTURE(j);
        const auto& ch = r.choices[s];
        const auto& cand = pb.tasks[s].candidates[ch.candidate];
        const auto& o = r.evaluation.tasks[s];
        CHECK(j.rfind("{\"strategy\":\"amvp\",\"task\":\"" + pb.tasks[s].name + "\",\"candidate\":\"" + cand.name + "\"",
                      0) == 0);
        CHECK(j.find("\"first_device\":\"" + pb.devices[ch.first_device].name + "\"") != std::string::npos);
        CHECK(j.find(o.split ? "\"second_device\":\"" + pb.devices[ch.second_device].name + "\""
                             : std::string("\"second_device\":null")) != std::string::npos);
        std::string num;
        ok::io::append_json_number(num, o.cost);
        CHECK(j.find("\"cost\":" + num + "}") != std::string::npos);
    }
    const std::string sum = okx::amvp_summary("exact", r, 12.5).str();
    std::string cost;
    ok::io::append_json_number(cost, r.max_cost);
    CHECK(sum.rfind("{\"strategy\":\"exact\",\"feasible\":true,\"max_cost\":" + cost + ",", 0) == 0);
    CHECK(sum.find("\"solve_ms\":12.5}") != std::string::npos);

    ok::minmax_cost_result none;
    CHECK(okx::amvp_task_rows("amvp", pb, none, pb).empty());
    CHECK(okx::amvp_summary("amvp", none, 0).str().find("\"feasible\":false,\"max_cost\":null") != std::string::npos);
}
