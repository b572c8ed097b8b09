// Shared by offloadkit-amvp and offloadkit-demo: an AMVP placement (AMVP §IV-C,
// minmax_cost_solve / minmax_cost_exact) as offloadkit-amvp's JSON rows — one object per task
// (model, split, devices, shares, accuracy, latency, throughput, cost) and one summary object.
#ifndef OFFLOADKIT_EXAMPLES_COMMON_AMVP_REPORT_HPP
#define OFFLOADKIT_EXAMPLES_COMMON_AMVP_REPORT_HPP

#include <offloadkit/io/json.hpp>
#include <offloadkit/multitask/minmax_cost.hpp>
#include <offloadkit/multitask/minmax_exact.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace offloadkit::examples {

/**
 * One JSON object per task of a feasible result; none when infeasible. `pb` is the problem the
 * result indexes (bases, devices); `shown` gives the task names and count (the same problem, or
 * the original of a transformed one, e.g. with private base-model copies).
 */
[[nodiscard]] inline std::vector<io::json_object> amvp_task_rows(std::string_view strategy, const amvp_problem& pb,
                                                                 const minmax_cost_result& r,
                                                                 const amvp_problem& shown) {
    std::vector<io::json_object> rows;
    if (!r.feasible) {
        return rows;
    }
    for (std::size_t s = 0; s < shown.tasks.size(); ++s) {
        const auto& ch = r.choices[s];
        const auto& cand = pb.tasks[s].candidates[ch.candidate];
        const auto& base = pb.bases[cand.base];
        const auto& o = r.evaluation.tasks[s];
        std::string shared_with = "[";
        bool first = true;
        for (std::size_t p = 0; p < shown.tasks.size(); ++p) {
            if (p != s && r.evaluation.tasks[p].first_instance == o.first_instance) {
                shared_with += first ? "" : ",";
                io::append_json_string(shared_with, shown.tasks[p].name);
                first = false;
            }
        }
        shared_with += "]";
        io::json_object j;
        j.add("strategy", strategy)
            .add("task", shown.tasks[s].name)
            .add("candidate", cand.name)
            .add("model", base.name)
            .add("frozen_layers", cand.frozen_layers)
            .add("split_layer", base.splits[ch.split].layer)
            .add("split", o.split)
            .add("first_device", pb.devices[ch.first_device].name)
            .add("first_share", o.first_share);
        if (o.split) {
            j.add("second_device", pb.devices[ch.second_device].name).add("second_share", o.second_share);
        } else {
            j.add_raw("second_device", "null").add_raw("second_share", "null");
        }
        j.add_raw("shared_with", shared_with)
            .add("accuracy", o.accuracy)
            .add("latency_ms", o.latency * 1e3)
            .add("transfer_ms", o.transfer_time * 1e3)
            .add("compressed", o.compressed)
            .add("throughput_fps", o.throughput)
            .add("cost", o.cost);
        rows.push_back(std::move(j));
    }
    return rows;
}

/// The summary object: feasible, max cost (eq. 9), part instances, search effort, solve time.
[[nodiscard]] inline io::json_object amvp_summary(std::string_view strategy, const minmax_cost_result& r,
                                                  double solve_ms) {
    io::json_object sum;
    sum.add("strategy", strategy)
        .add("feasible", r.feasible)
        .add("max_cost", r.max_cost)
        .add("part_instances", r.feasible ? r.evaluation.part_instances : std::size_t{0})
        .add("selections", r.selections)
        .add("evaluations", r.evaluations)
        .add("solve_ms", solve_ms);
    return sum;
}

}  // namespace offloadkit::examples

#endif  // OFFLOADKIT_EXAMPLES_COMMON_AMVP_REPORT_HPP
