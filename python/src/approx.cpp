// offloadkit Python bindings: ApproxNet's branch scheduler (ApproxNet §4.6) over a profile CSV
// (docs/approx-profile-format.md) and AMVP's MinMaxCost solver (AMVP §IV-C, Algorithms 1-2) over a
// problem CSV (docs/amvp-problem-format.md).
#include "common.hpp"

#include <limits>
#include <optional>

namespace okpy {
namespace {

ok::approx_requirement requirement(py::handle min_accuracy, py::handle max_latency, bool offload, const char* fn) {
    const int given = (min_accuracy.is_none() ? 0 : 1) + (max_latency.is_none() ? 0 : 1) + (offload ? 1 : 0);
    if (given > 1) {
        value_error(fn, "give at most one of min_accuracy, max_latency and offload=True");
    }
    if (!min_accuracy.is_none()) return ok::approx_requirement::min_accuracy(py::cast<double>(min_accuracy));
    if (!max_latency.is_none()) return ok::approx_requirement::max_latency(py::cast<double>(max_latency));
    if (offload) return ok::approx_requirement::offload();
    return ok::approx_requirement::none();
}

py::dict decision_dict(const ok::branch_decision& d, const ok::branch_profiles& p) {
    py::dict out;
    out["branch"] = d.branch;
    out["name"] = d.offload ? (p.has_remote() ? p.remote().name : std::string()) : p.name(d.branch);
    out["offload"] = d.offload;
    out["met"] = d.met;
    out["accuracy"] = d.accuracy;
    out["latency"] = d.latency;
    out["transition_cost"] = d.transition_cost;
    return out;
}

ok::scheduler_options sched_options(double frame_interval, double max_transition_cost, std::size_t min_dwell) {
    ok::scheduler_options o;
    o.frame_interval = frame_interval;
    o.max_transition_cost = max_transition_cost;
    o.min_dwell = min_dwell;
    return o;
}

py::dict amvp_result(const ok::minmax_cost_result& r) {
    py::dict d;
    d["feasible"] = r.feasible;
    d["max_cost"] = r.max_cost;
    d["optimal"] = r.optimal;
    d["selections"] = r.selections;
    d["evaluations"] = r.evaluations;
    py::list choices;
    for (const auto& c : r.choices) {
        py::dict x;
        x["candidate"] = c.candidate;
        x["split"] = c.split;
        x["first_device"] = c.first_device;
        x["first_steps"] = c.first_steps;
        x["second_device"] = c.second_device;
        x["second_steps"] = c.second_steps;
        choices.append(x);
    }
    d["choices"] = choices;
    py::list tasks;
    for (const auto& t : r.evaluation.tasks) {
        py::dict x;
        x["accuracy"] = t.accuracy;
        x["latency"] = t.latency;
        x["throughput"] = t.throughput;
        x["transfer_time"] = t.transfer_time;
        x["cost"] = t.cost;
        x["first_share"] = t.first_share;
        x["second_share"] = t.second_share;
        x["split"] = t.split;
        x["shared"] = t.shared;
        x["meets_latency"] = t.meets_latency;
        x["meets_throughput"] = t.meets_throughput;
        tasks.append(x);
    }
    d["tasks"] = tasks;
    d["steps_used"] = vec_to_numpy(r.evaluation.steps_used);
    d["memory_used"] = vec_to_numpy(r.evaluation.memory_used);
    return d;
}

}  // namespace

void bind_approx(py::module_& m) {
    py::class_<ok::branch_scheduler>(m, "BranchScheduler",
                                     "ApproxNet's scheduler (ApproxNet §4.6): per (content category, contention "
                                     "level) the accuracy/latency Pareto frontier of the approximation branches.")
        .def_static(
            "read_csv",
            [](const std::string& path, double frame_interval, double max_transition_cost, std::size_t min_dwell) {
                return ok::branch_scheduler(ok::read_branch_profiles(path),
                                            sched_options(frame_interval, max_transition_cost, min_dwell));
            },
            py::arg("path"), py::arg("frame_interval") = 1.0 / 30.0,
            py::arg("max_transition_cost") = std::numeric_limits<double>::infinity(), py::arg("min_dwell") = 0,
            "Reads a branch profile CSV (docs/approx-profile-format.md) and builds every frontier.")
        .def_static(
            "from_csv_text",
            [](const std::string& text, double frame_interval, double max_transition_cost, std::size_t min_dwell) {
                return ok::branch_scheduler(ok::parse_branch_profiles(text),
                                            sched_options(frame_interval, max_transition_cost, min_dwell));
            },
            py::arg("text"), py::arg("frame_interval") = 1.0 / 30.0,
            py::arg("max_transition_cost") = std::numeric_limits<double>::infinity(), py::arg("min_dwell") = 0)
        .def_property_readonly("branches", [](const ok::branch_scheduler& s) { return s.profiles().names(); })
        .def_property_readonly("categories", [](const ok::branch_scheduler& s) { return s.profiles().categories(); })
        .def_property_readonly("contention_levels",
                               [](const ok::branch_scheduler& s) { return s.profiles().contention_levels(); })
        .def(
            "decide",
            [](const ok::branch_scheduler& s, std::size_t category, std::size_t level, py::handle min_accuracy,
               py::handle max_latency, bool offload, py::handle current) {
                const auto r = requirement(min_accuracy, max_latency, offload, "branch_scheduler::decide");
                const ok::branch_decision d = current.is_none()
                                                  ? s.decide(category, level, r)
                                                  : s.decide(category, level, r, py::cast<std::size_t>(current));
                return decision_dict(d, s.profiles());
            },
            py::arg("category"), py::arg("level"), py::arg("min_accuracy") = py::none(),
            py::arg("max_latency") = py::none(), py::arg("offload") = false, py::arg("current") = py::none(),
            "The branch for a frame of content `category` at contention `level` (ApproxNet §4.6): the most "
            "accurate branch within the latency budget, or the fastest meeting min_accuracy.")
        .def(
            "step",
            [](ok::branch_scheduler& s, std::size_t category, std::size_t level, py::handle min_accuracy,
               py::handle max_latency, bool offload) {
                const auto r = requirement(min_accuracy, max_latency, offload, "branch_scheduler::step");
                return decision_dict(s.step(category, level, r), s.profiles());
            },
            py::arg("category"), py::arg("level"), py::arg("min_accuracy") = py::none(),
            py::arg("max_latency") = py::none(), py::arg("offload") = false,
            "decide() that remembers the current branch (transition costs, min_dwell hysteresis).")
        .def("reset", &ok::branch_scheduler::reset)
        .def("frontier", &ok::branch_scheduler::frontier<>, py::arg("category"), py::arg("level"),
             "Branch indices on the accuracy/latency frontier, by latency ascending (ApproxNet §4.6).")
        .def("__repr__", [](const ok::branch_scheduler& s) {
            return "BranchScheduler(branches=" + std::to_string(s.profiles().branches()) +
                   ", categories=" + std::to_string(s.profiles().categories()) +
                   ", contention_levels=" + std::to_string(s.profiles().contention_levels()) + ")"; });

    py::class_<ok::amvp_problem>(m, "AmvpProblem", "AMVP's multitask placement problem (AMVP §III-§IV).")
        .def_static("read_csv", &ok::read_amvp_problem<>, py::arg("path"),
                    "Reads a problem file (docs/amvp-problem-format.md).")
        .def_static("from_csv_text", [](const std::string& t) { return ok::parse_amvp_problem(t); }, py::arg("text"))
        .def_property_readonly("tasks", [](const ok::amvp_problem& p) {
            std::vector<std::string> v; for (const auto& t : p.tasks) v.push_back(t.name); return v; })
        .def_property_readonly("devices", [](const ok::amvp_problem& p) {
            std::vector<std::string> v; for (const auto& d : p.devices) v.push_back(d.name); return v; })
        .def("__repr__", [](const ok::amvp_problem& p) {
            return "AmvpProblem(tasks=" + std::to_string(p.tasks.size()) + ", devices=" + std::to_string(p.devices.size()) + ")"; });
    m.def(
        "minmax_cost_solve",
        [](const ok::amvp_problem& pb, std::uint64_t seed, int population, int generations, double mutation_rate,
           int recombination_period, int stall_generations, bool refine_selection) {
            ok::minmax_cost_options o;
            o.seed = seed;
            o.population = population;
            o.generations = generations;
            o.mutation_rate = mutation_rate;
            o.recombination_period = recombination_period;
            o.stall_generations = stall_generations;
            o.refine_selection = refine_selection;
            ok::minmax_cost_result r;
            {
                py::gil_scoped_release release;
                r = ok::minmax_cost_solve(pb, o);
            }
            return amvp_result(r);
        },
        py::arg("problem"), py::arg("seed") = 1, py::arg("population") = 32, py::arg("generations") = 40,
        py::arg("mutation_rate") = 0.1, py::arg("recombination_period") = 5, py::arg("stall_generations") = 10,
        py::arg("refine_selection") = true,
        "MinMaxCost (AMVP §IV-C): Algorithm 1's greedy model selection with Algorithm 2's genetic task "
        "assignment, minimising the largest eq. 6 cost. Deterministic per seed. Releases the GIL.");
    m.def(
        "minmax_cost_exact",
        [](const ok::amvp_problem& pb) {
            ok::minmax_cost_result r;
            {
                py::gil_scoped_release release;
                r = ok::minmax_cost_exact(pb);
            }
            return amvp_result(r);
        },
        py::arg("problem"), "The exact optimum of AMVP eq. 9 over the share grid (small problems). Releases the GIL.");
}

}  // namespace okpy
