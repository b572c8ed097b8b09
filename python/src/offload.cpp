// offloadkit Python bindings: the offloading problem and its solvers (CBO §IV, Algorithm 1), and
// the trace-driven simulator with its policies and sweeps (CBO §V).
#include "common.hpp"

#include <optional>
#include <variant>

namespace okpy {
namespace {

py::dict plan_dict(const ok::offload_plan& p) {
    py::dict d;
    d["value"] = p.value;
    d["choice"] = vec_to_numpy(p.choice);
    d["threshold"] = p.threshold;
    d["resolution"] = p.resolution;
    d["first"] = static_cast<std::int64_t>(p.first);
    return d;
}

ok::cbo_order parse_order(const std::string& s, std::string_view fn) {
    return parse_choice<ok::cbo_order>(s, fn, "order",
                                       {{"confidence", ok::cbo_order::confidence}, {"arrival", ok::cbo_order::arrival}});
}

/// Builds an offload_problem from numpy columns (validated by the solvers).
ok::offload_problem make_problem(py::handle arrival, py::handle local_accuracy, py::handle bytes,
                                 py::handle server_accuracy, double deadline, double server_time,
                                 double network_latency, double bandwidth, py::handle local_time) {
    constexpr std::string_view fn = "OffloadProblem";
    ok::offload_problem pb;
    pb.deadline = deadline;
    pb.server_time = server_time;
    pb.network_latency = network_latency;
    pb.bandwidth = bandwidth;
    pb.server_accuracy = to_vector(server_accuracy, fn, "server_accuracy");
    const std::vector<double> arr = to_vector(arrival, fn, "arrival");
    const std::vector<double> acc = to_vector(local_accuracy, fn, "local_accuracy");
    const real_array b = as_real(bytes, fn, "bytes", 2);
    const std::size_t n = arr.size();
    const std::size_t m = pb.server_accuracy.size();
    require_size(acc.size(), n, fn, "local_accuracy", " (the size of arrival)");
    require_shape({b.shape(0), b.shape(1)}, {n, m}, fn, "bytes", " (frames x resolutions)");
    std::vector<double> lt(n, 0.0);
    if (!local_time.is_none()) {
        lt = to_vector(local_time, fn, "local_time");
        require_size(lt.size(), n, fn, "local_time", " (the size of arrival)");
    }
    pb.frames.resize(n);
    b.visit([&](auto bv) {
        for (std::size_t i = 0; i < n; ++i) {
            pb.frames[i].arrival = arr[i];
            pb.frames[i].local_accuracy = acc[i];
            pb.frames[i].local_time = lt[i];
            pb.frames[i].bytes.assign(bv.begin() + static_cast<std::ptrdiff_t>(i * m),
                                      bv.begin() + static_cast<std::ptrdiff_t>((i + 1) * m));
        }
    });
    return pb;
}

ok::trace make_trace(py::handle confidence, py::handle npu_correct, py::handle bytes, py::handle server_correct,
                     py::handle resolutions, py::handle arrival, py::handle npu_time, py::handle compress_correct,
                     py::handle compress_time, py::handle logits, py::handle true_label) {
    constexpr std::string_view fn = "Trace";
    ok::trace t;
    t.confidence = to_vector(confidence, fn, "confidence");
    const std::size_t n = t.confidence.size();
    const int_array y = as_int(npu_correct, fn, "npu_correct");
    const real_array b = as_real(bytes, fn, "bytes", 2);
    const int_array s = as_int(server_correct, fn, "server_correct", 2);
    const std::size_t m = b.shape(1);
    if (resolutions.is_none()) {
        for (std::size_t r = 0; r < m; ++r) t.resolutions.push_back("r" + std::to_string(r));
    } else {
        t.resolutions = py::cast<std::vector<std::string>>(resolutions);
    }
    require_shape({b.shape(0), m}, {n, t.resolutions.size()}, fn, "bytes", " (frames x resolutions)");
    require_shape({static_cast<std::size_t>(s.arr.shape(0)), static_cast<std::size_t>(s.arr.shape(1))}, {n, m}, fn,
                  "server_correct");
    t.npu_correct = to_binary(y, fn, "npu_correct");
    t.server_correct = to_binary(s, fn, "server_correct");
    t.bytes = b.visit([](auto v) { return std::vector<double>(v.begin(), v.end()); });
    if (!arrival.is_none()) t.arrival = to_vector(arrival, fn, "arrival");
    if (!npu_time.is_none()) t.npu_time = to_vector(npu_time, fn, "npu_time");
    if (compress_correct.is_none() != compress_time.is_none()) {
        value_error(fn, "give compress_correct and compress_time together (both or neither)");
    }
    if (!compress_correct.is_none()) {
        t.compress_correct = to_binary(as_int(compress_correct, fn, "compress_correct"), fn, "compress_correct");
        t.compress_time = to_vector(compress_time, fn, "compress_time");
    }
    if (logits.is_none() != true_label.is_none()) {
        value_error(fn, "give logits and true_label together (both or neither)");
    }
    if (!logits.is_none()) {
        const real_array z = as_real(logits, fn, "logits", 2);
        t.num_classes = z.shape(1);
        require_shape({z.shape(0), t.num_classes}, {n, t.num_classes}, fn, "logits", " (frames x classes)");
        t.npu_logits = z.visit([](auto v) { return std::vector<double>(v.begin(), v.end()); });
        const int_array labels = as_int(true_label, fn, "true_label");
        labels.visit([&](auto v) {
            t.true_label.reserve(v.size());
            for (const auto label : v) {
                if (label < 0 || static_cast<std::uint64_t>(label) >= t.num_classes) {
                    value_error(fn, "true_label has " + std::to_string(label) + ", expected 0.." +
                                        std::to_string(t.num_classes - 1));
                }
                t.true_label.push_back(static_cast<std::int32_t>(label));
            }
        });
    }
    ok::validate_trace(t, "Trace");
    return t;
}

/// The bandwidth argument: a number (constant bytes/s) or a pair (start times, rates).
ok::bandwidth_trace make_bandwidth(py::handle bw) {
    if (PyFloat_Check(bw.ptr()) || PyLong_Check(bw.ptr())) {
        return ok::bandwidth_trace(py::cast<double>(bw));
    }
    if (py::isinstance<py::tuple>(bw) && py::len(bw) == 2) {
        auto t = py::reinterpret_borrow<py::tuple>(bw);
        return ok::bandwidth_trace(to_vector(t[0], "simulate", "bandwidth[0] (start times)"),
                                   to_vector(t[1], "simulate", "bandwidth[1] (rates)"));
    }
    value_error("simulate", "bandwidth must be a number (bytes/s) or a tuple (start_times, rates)");
}

/// The keyword arguments every simulation entry point shares (CBO §V-A settings).
struct sim_args {
    double deadline, server_time, network_latency, fps;
    bool use_trace_arrivals;
    py::handle bandwidth;
    double calibration_fraction, local_time;
    bool use_trace_local_time;

    [[nodiscard]] ok::sim_options options() const {
        ok::sim_options o;
        o.deadline = deadline;
        o.server_time = server_time;
        o.network_latency = network_latency;
        o.fps = fps;
        o.use_trace_arrivals = use_trace_arrivals;
        o.bandwidth = make_bandwidth(bandwidth);
        o.calibration_fraction = calibration_fraction;
        o.local_time = local_time;
        o.use_trace_local_time = use_trace_local_time;
        return o;
    }
};

/// Registers the shared keyword arguments in sim_args' order, with the C++ defaults.
#define OFFLOADKIT_PY_SIM_ARGS                                                                                          \
    py::arg("deadline") = 0.2, py::arg("server_time") = 0.037, py::arg("network_latency") = 0.1,               \
    py::arg("fps") = 30.0, py::arg("use_trace_arrivals") = true, py::arg("bandwidth") = 625000.0,             \
    py::arg("calibration_fraction") = 0.3, py::arg("local_time") = 0.0, py::arg("use_trace_local_time") = false

/// Policy names simulate()/sweep() accept: the policy_kind names, then the two runs outside
/// run_policy(): "threshold" (run_threshold, CBO §III-A's rule) and "compress" (run_compress, CBO §V-A).
std::string check_policy(const std::string& s, std::string_view fn) {
    if (ok::parse_policy_kind(s) || s == "threshold" || s == "compress") return s;
    std::string names;
    for (const auto k : ok::all_policy_kinds) names += std::string(ok::policy_name(k)) + ", ";
    value_error(fn, "policy is '" + s + "', expected one of " + names + "threshold or compress");
}

/// The calibrator argument, as offloadkit-sim --calibrator takes it: None or 'platt' (Platt fitted on
/// the trace's profile part, the trace workflow), 'isotonic', 'ovr' (one-vs-rest on the trace's
/// logits, CBO Fig. 6), 'raw' (the identity), or a fitted PlattCalibrator, IsotonicCalibrator or
/// OneVsRestCalibrator. One ok::any_calibrator for all: the simulator applies a scalar one to the
/// raw confidence and a vector one to the frame's logits (calibrated_confidence()).
ok::any_calibrator pick_calibrator(py::handle cal, const ok::trace& tr, double fraction, std::string_view fn) {
    if (cal.is_none()) {
        return ok::fit_trace_calibrator(tr, ok::profile_trace(tr, fraction).split);
    }
    if (py::isinstance<py::str>(cal)) {
        const auto name = py::cast<std::string>(cal);
        if (name == "raw") return ok::identity_calibrator{};
        if (const auto kind = ok::parse_calibration_kind(name)) {
            return ok::fit_trace_calibrator(tr, ok::profile_trace(tr, fraction).split, *kind);
        }
        value_error(fn, "calibrator is '" + name + "', expected 'platt', 'isotonic', 'ovr' or 'raw'");
    }
    if (py::isinstance<ok::platt_calibrator>(cal)) return py::cast<ok::platt_calibrator>(cal);
    if (py::isinstance<ok::isotonic_calibrator>(cal)) return py::cast<ok::isotonic_calibrator>(cal);
    if (py::isinstance<ok::one_vs_rest_calibrator>(cal)) {
        auto ovr = py::cast<ok::one_vs_rest_calibrator>(cal);
        if (ovr.num_classes() != tr.num_classes) {
            value_error(fn, "calibrator is a OneVsRestCalibrator of " + std::to_string(ovr.num_classes()) +
                                " classes but the trace has " + std::to_string(tr.num_classes) +
                                " logits per frame (Trace(logits=..., true_label=...))");
        }
        return ovr;
    }
    value_error(fn, "calibrator must be None, 'platt', 'isotonic', 'ovr', 'raw', a PlattCalibrator, an "
                    "IsotonicCalibrator or a OneVsRestCalibrator");
}

using any_estimator = std::variant<ok::true_bandwidth, ok::harmonic_mean_estimator, ok::dual_ewma_estimator,
                                   ok::window_throughput_estimator>;

/// What the online policies know of the bandwidth: "exact" (the true rate), "harmonic", "ewma" or
/// "window" (offloadkit-sim --estimator's estimators, seeded with the run's true rate at t = 0),
/// or an estimator object (copied for each run, its state as given).
struct estimator_choice {
    std::string name = "exact";
    std::optional<any_estimator> object;

    [[nodiscard]] any_estimator make(const ok::sim_options& o) const {
        if (object) return *object;
        const double b0 = o.bandwidth.at(0.0);
        if (name == "harmonic") return ok::harmonic_mean_estimator(5, b0);
        if (name == "ewma") return ok::dual_ewma_estimator(2.0, 5.0, b0);
        if (name == "window") return ok::window_throughput_estimator(0.5, 64, b0);
        return ok::true_bandwidth{};
    }
};

estimator_choice pick_estimator(py::handle e, std::string_view fn) {
    estimator_choice c;
    if (py::isinstance<py::str>(e)) {
        c.name = parse_choice<std::string>(py::cast<std::string>(e), fn, "estimator",
                                           {{"exact", "exact"}, {"harmonic", "harmonic"}, {"ewma", "ewma"},
                                            {"window", "window"}});
    } else if (py::isinstance<ok::harmonic_mean_estimator>(e)) {
        c.object = py::cast<ok::harmonic_mean_estimator>(e);
    } else if (py::isinstance<ok::dual_ewma_estimator>(e)) {
        c.object = py::cast<ok::dual_ewma_estimator>(e);
    } else if (py::isinstance<ok::window_throughput_estimator>(e)) {
        c.object = py::cast<ok::window_throughput_estimator>(e);
    } else {
        value_error(fn, "estimator must be 'exact', 'harmonic', 'ewma', 'window' or an estimator object");
    }
    return c;
}

/// One run of a named policy (check_policy()) with the given calibrator and estimator.
ok::sim_result run_named(const std::string& policy, const ok::trace& tr, const ok::any_calibrator& c,
                         const ok::sim_options& o, const any_estimator& est, ok::cbo_order order, double theta,
                         int threshold_resolution) {
    return std::visit(
        [&](const auto& e) -> ok::sim_result {
            if (policy == "threshold") return ok::run_threshold(tr, c, o, theta, threshold_resolution, e);
            if (policy == "compress") return ok::run_compress(tr, o, e, order);
            return ok::run_policy(*ok::parse_policy_kind(policy), tr, c, o, e, order);
        },
        est);
}

py::dict totals_dict(const ok::sim_result& r) {
    py::dict d;
    d["policy"] = r.policy;
    d["accuracy"] = r.accuracy;
    d["offloaded"] = r.offloaded;
    d["bytes"] = r.bytes;
    d["deadline_misses"] = r.deadline_misses;
    d["frames"] = r.frames;
    return d;
}

py::dict result_dict(const ok::sim_result& r, bool with_log) {
    py::dict d = totals_dict(r);
    if (with_log) {
        const auto& lg = r.log;
        const std::size_t n = lg.size();
        py::dict log;
        log["frame"] = column<std::int64_t>(n, [&](std::size_t i) { return lg[i].frame; });
        log["arrival"] = column<double>(n, [&](std::size_t i) { return lg[i].arrival; });
        log["ready"] = column<double>(n, [&](std::size_t i) { return lg[i].ready; });
        log["resolution"] = column<std::int64_t>(n, [&](std::size_t i) { return lg[i].resolution; });
        log["decided_at"] = column<double>(n, [&](std::size_t i) { return lg[i].decided_at; });
        log["start"] = column<double>(n, [&](std::size_t i) { return lg[i].start; });
        log["finish"] = column<double>(n, [&](std::size_t i) { return lg[i].finish; });
        log["late"] = column<bool>(n, [&](std::size_t i) { return lg[i].late; });
        log["correct"] = column<bool>(n, [&](std::size_t i) { return lg[i].correct; });
        d["log"] = log;
    }
    return d;
}

/// Threshold points as columns theta, accuracy, offloaded, deadline_misses.
py::dict threshold_columns(const std::vector<ok::threshold_point>& pts) {
    const std::size_t n = pts.size();
    py::dict d;
    d["theta"] = column<double>(n, [&](std::size_t i) { return pts[i].theta; });
    d["accuracy"] = column<double>(n, [&](std::size_t i) { return pts[i].accuracy; });
    d["offloaded"] = column<double>(n, [&](std::size_t i) { return pts[i].offloaded; });
    d["deadline_misses"] = column<std::int64_t>(n, [&](std::size_t i) { return pts[i].deadline_misses; });
    return d;
}

std::vector<double> thetas_or_grid(py::handle thetas, std::string_view fn) {
    return thetas.is_none() ? ok::default_theta_grid() : to_vector(thetas, fn, "thetas");
}

template <class Estimator>
py::class_<Estimator> bind_estimator(py::module_& m, const char* name, const char* doc) {
    return py::class_<Estimator>(m, name, doc)
        .def("observe", &Estimator::observe, py::arg("bytes"), py::arg("seconds"),
             "Records one completed transfer of `bytes` in `seconds` (both finite, > 0).")
        .def("estimate", &Estimator::estimate, "The bandwidth estimate, bytes/s (`initial` before any sample).")
        .def_property_readonly("samples", &Estimator::samples)
        .def("__eq__", [](const Estimator& l, const Estimator& r) { return l == r; })
        .def("__repr__", [name](const Estimator& e) {
            return std::string(name) + "(estimate=" + std::to_string(e.estimate()) +
                   ", samples=" + std::to_string(e.samples()) + ")"; });
}

}  // namespace

void bind_offload(py::module_& m) {
    // ---- the offloading problem (CBO §IV) ---------------------------------------------------
    py::class_<ok::offload_problem>(m, "OffloadProblem",
                                    "Frames to place on the NPU or the server under a FCFS uplink (CBO §IV-A, eq. 1-3).")
        .def(py::init(&make_problem), py::arg("arrival"), py::arg("local_accuracy"), py::arg("bytes"),
             py::arg("server_accuracy"), py::arg("deadline") = 0.2, py::arg("server_time") = 0.037,
             py::arg("network_latency") = 0.1, py::arg("bandwidth") = 625000.0, py::arg("local_time") = py::none(),
             "arrival (n), local_accuracy A^npu (n), bytes S(I_i, r) (n x m), server_accuracy A^o_r (m); "
             "deadline T, server_time T^o, network_latency L (s), bandwidth B (bytes/s); local_time (n, s, "
             "default 0): the NPU's time per frame, a frame is sent from arrival + local_time on (issue 15 §2).")
        .def_readwrite("deadline", &ok::offload_problem::deadline)
        .def_readwrite("server_time", &ok::offload_problem::server_time)
        .def_readwrite("network_latency", &ok::offload_problem::network_latency)
        .def_readwrite("bandwidth", &ok::offload_problem::bandwidth)
        .def_property_readonly("server_accuracy", [](const ok::offload_problem& p) { return vec_to_numpy(p.server_accuracy); })
        .def_property_readonly("arrival", [](const ok::offload_problem& p) {
            return column<double>(p.frames.size(), [&](std::size_t i) { return p.frames[i].arrival; }); })
        .def_property_readonly("local_accuracy", [](const ok::offload_problem& p) {
            return column<double>(p.frames.size(), [&](std::size_t i) { return p.frames[i].local_accuracy; }); })
        .def_property_readonly("local_time", [](const ok::offload_problem& p) {
            return column<double>(p.frames.size(), [&](std::size_t i) { return p.frames[i].local_time; }); })
        .def_property_readonly("bytes", [](const ok::offload_problem& p) {
            const auto n = static_cast<py::ssize_t>(p.frames.size());
            const auto k = static_cast<py::ssize_t>(p.server_accuracy.size());
            py::array_t<double> out({n, k});
            for (py::ssize_t i = 0; i < n; ++i) {
                const auto& b = p.frames[static_cast<std::size_t>(i)].bytes;
                for (py::ssize_t r = 0; r < k && static_cast<std::size_t>(r) < b.size(); ++r) {
                    out.mutable_at(i, r) = b[static_cast<std::size_t>(r)];
                }
            }
            return out; })
        .def("__len__", [](const ok::offload_problem& p) { return p.frames.size(); })
        .def("__repr__", [](const ok::offload_problem& p) {
            return "OffloadProblem(frames=" + std::to_string(p.frames.size()) +
                   ", resolutions=" + std::to_string(p.server_accuracy.size()) + ")"; });
    m.def(
        "solve_optimal",
        [](const ok::offload_problem& pb, double uplink_free_at) {
            ok::offload_plan p;
            {
                py::gil_scoped_release release;
                p = ok::solve_optimal(pb, uplink_free_at);
            }
            return plan_dict(p);
        },
        py::arg("problem"), py::arg("uplink_free_at") = 0.0,
        "The exact maximum of the summed accuracy (CBO §IV-B, eq. 1 subject to eq. 2-3): a dict with value, "
        "choice (-1 local, r offloaded at r), threshold, resolution, first. Releases the GIL.");
    m.def(
        "cbo_schedule",
        [](const ok::offload_problem& pb, double uplink_free_at, const std::string& order) {
            const ok::cbo_order o = parse_order(order, "cbo_schedule");
            ok::offload_plan p;
            {
                py::gil_scoped_release release;
                p = ok::cbo_schedule(pb, uplink_free_at, o);
            }
            return plan_dict(p);
        },
        py::arg("problem"), py::arg("uplink_free_at") = 0.0, py::arg("order") = "confidence",
        "CBO Algorithm 1 (CBO §IV-D): the DP over frames in descending confidence, returning the plan with "
        "threshold θ and resolution r_o. Releases the GIL.");
    m.def(
        "evaluate_plan",
        [](const ok::offload_problem& pb, py::handle choice, double uplink_free_at) {
            const int_array c = as_int(choice, "evaluate_plan", "choice");
            std::vector<int> v = c.visit([](auto s) {
                std::vector<int> out;
                for (const auto x : s) out.push_back(static_cast<int>(std::max<std::int64_t>(std::min<std::int64_t>(x, INT32_MAX), INT32_MIN)));
                return out;
            });
            const ok::plan_evaluation e = ok::evaluate_plan(pb, v, uplink_free_at);
            py::dict d;
            d["value"] = e.value;
            d["feasible"] = e.feasible;
            d["late"] = e.late;
            d["uplink_free"] = e.uplink_free;
            return d;
        },
        py::arg("problem"), py::arg("choice"), py::arg("uplink_free_at") = 0.0,
        "The summed accuracy of a plan and whether every offloaded frame is on time (CBO eq. 1-3).");

    // ---- traces and the simulator (CBO §V) ----------------------------------------------------
    py::class_<ok::trace>(m, "Trace", "A recorded offloading trace (docs/trace-format.md), frames x resolutions.")
        .def(py::init(&make_trace), py::arg("confidence"), py::arg("npu_correct"), py::arg("bytes"),
             py::arg("server_correct"), py::arg("resolutions") = py::none(), py::arg("arrival") = py::none(),
             py::arg("npu_time") = py::none(), py::arg("compress_correct") = py::none(),
             py::arg("compress_time") = py::none(), py::arg("logits") = py::none(), py::arg("true_label") = py::none(),
             "From numpy arrays: confidence (n), npu_correct (n), bytes (n x m), server_correct (n x m), "
             "optional resolution labels (m), arrival times (n, s), NPU times per frame (n, s; column "
             "npu_time_s), the Compress baseline's compress_correct and compress_time (n, both or neither; "
             "CBO §V-A), and the NPU's logits (n x K) with each frame's true_label (n, both or neither; columns "
             "npu_logit@k and true_label), which the per-class calibrator (CBO Fig. 6) reads.")
        .def_static("read_csv", &ok::read_trace<>, py::arg("path"), "Reads a trace CSV file (docs/trace-format.md).")
        .def_static("from_csv_text", [](const std::string& text) { return ok::parse_trace(text); }, py::arg("text"))
        .def("to_csv", [](const ok::trace& t) { return ok::to_csv(t); })
        .def("__len__", &ok::trace::size)
        .def_property_readonly("resolutions", [](const ok::trace& t) { return t.resolutions; })
        .def_property_readonly("confidence", [](const ok::trace& t) { return vec_to_numpy(t.confidence); })
        .def_property_readonly("npu_correct", [](const ok::trace& t) { return vec_to_numpy(t.npu_correct); })
        .def_property_readonly("arrival", [](const ok::trace& t) -> py::object {
            if (t.arrival.empty()) return py::none();
            return vec_to_numpy(t.arrival); })
        .def_property_readonly("npu_time", [](const ok::trace& t) -> py::object {
            if (t.npu_time.empty()) return py::none();
            return vec_to_numpy(t.npu_time); })
        .def_property_readonly("compress_correct", [](const ok::trace& t) -> py::object {
            if (t.compress_correct.empty()) return py::none();
            return vec_to_numpy(t.compress_correct); })
        .def_property_readonly("compress_time", [](const ok::trace& t) -> py::object {
            if (t.compress_time.empty()) return py::none();
            return vec_to_numpy(t.compress_time); })
        .def_property_readonly("logits", [](const ok::trace& t) -> py::object {
            if (!t.has_scores()) return py::none();
            return vec_to_numpy(t.npu_logits).reshape({static_cast<py::ssize_t>(t.size()), static_cast<py::ssize_t>(t.num_classes)}); },
            "n x K NPU logits (columns npu_logit@k) or None")
        .def_property_readonly("true_label", [](const ok::trace& t) -> py::object {
            if (!t.has_scores()) return py::none();
            return vec_to_numpy(t.true_label); })
        .def_property_readonly("bytes", [](const ok::trace& t) {
            return vec_to_numpy(t.bytes).reshape({static_cast<py::ssize_t>(t.size()), static_cast<py::ssize_t>(t.num_resolutions())}); })
        .def_property_readonly("server_correct", [](const ok::trace& t) {
            return vec_to_numpy(t.server_correct).reshape({static_cast<py::ssize_t>(t.size()), static_cast<py::ssize_t>(t.num_resolutions())}); })
        .def("__repr__", [](const ok::trace& t) {
            return "Trace(frames=" + std::to_string(t.size()) + ", resolutions=" + std::to_string(t.num_resolutions()) + ")"; });

    bind_estimator<ok::harmonic_mean_estimator>(
        m, "HarmonicMeanEstimator",
        "Harmonic mean of the throughput of the last `window` transfers (FESTIVE, CoNEXT 2012; MPC, SIGCOMM 2015); "
        "a bandwidth estimate B for the online CBO policy (CBO §IV-D).")
        .def(py::init<std::size_t, double>(), py::arg("window") = 5, py::arg("initial") = 0.0);
    bind_estimator<ok::dual_ewma_estimator>(
        m, "DualEwmaEstimator",
        "The smaller of a fast and a slow duration-weighted EWMA of throughput (Shaka Player's scheme); "
        "a bandwidth estimate B for CBO §IV-D.")
        .def(py::init<double, double, double>(), py::arg("fast_half_life") = 2.0, py::arg("slow_half_life") = 5.0,
             py::arg("initial") = 0.0);
    bind_estimator<ok::window_throughput_estimator>(
        m, "WindowThroughputEstimator",
        "sum(bytes) / sum(seconds) over the newest transfers that cover `window` busy seconds (at most "
        "max_samples); the bandwidth estimate B of CBO §IV-D measured on a shaped link (docs/runtime.md).")
        .def(py::init<double, std::size_t, double>(), py::arg("window") = 0.5, py::arg("max_samples") = 64,
             py::arg("initial") = 0.0);

    m.attr("POLICIES") = [] {
        py::list l;
        for (const auto k : ok::all_policy_kinds) l.append(std::string(ok::policy_name(k)));
        return py::tuple(l);
    }();
    m.def(
        "profile_trace",
        [](const ok::trace& tr, double calibration_fraction) {
            const ok::trace_profile p = ok::profile_trace(tr, calibration_fraction);
            py::dict d;
            d["split"] = p.split;
            d["server_accuracy"] = vec_to_numpy(p.server_accuracy);
            d["npu_accuracy"] = p.npu_accuracy;
            return d;
        },
        py::arg("trace"), py::arg("calibration_fraction") = 0.3,
        "Splits at floor(n x fraction) and profiles A^o_r and the mean NPU accuracy on the first part (CBO §V-A).");
    m.def(
        "ready_times",
        [](const ok::trace& tr, double deadline, double server_time, double network_latency, double fps,
           bool use_trace_arrivals, py::handle bandwidth, double calibration_fraction, double local_time,
           bool use_trace_local_time) {
            const ok::sim_options o = sim_args{deadline, server_time, network_latency, fps, use_trace_arrivals, bandwidth,
                                               calibration_fraction, local_time, use_trace_local_time}.options();
            return vec_to_numpy(ok::ready_times(tr, 0, tr.size(), o));
        },
        py::arg("trace"), OFFLOADKIT_PY_SIM_ARGS,
        "When each frame's local result is known (issue 15 §2): one NPU in arrival order, "
        "ready_i = max(a_i, ready_{i-1}) + t_i, t_i the trace's npu_time (use_trace_local_time) or local_time.");
    m.def(
        "simulate",
        [](const ok::trace& tr, const std::string& policy, py::handle calibrator, double deadline, double server_time,
           double network_latency, double fps, bool use_trace_arrivals, py::handle bandwidth,
           double calibration_fraction, double local_time, bool use_trace_local_time, const std::string& order,
           bool log, py::handle estimator, double theta, int threshold_resolution) {
            const std::string name = check_policy(policy, "simulate");
            const ok::cbo_order o = parse_order(order, "simulate");
            const ok::sim_options opt = sim_args{deadline, server_time, network_latency, fps, use_trace_arrivals, bandwidth,
                                                 calibration_fraction, local_time, use_trace_local_time}.options();
            const estimator_choice est = pick_estimator(estimator, "simulate");
            const ok::any_calibrator cal = pick_calibrator(calibrator, tr, calibration_fraction, "simulate");
            const any_estimator e = est.make(opt);
            ok::sim_result r;
            {
                py::gil_scoped_release release;
                r = run_named(name, tr, cal, opt, e, o, theta, threshold_resolution);
            }
            return result_dict(r, log);
        },
        py::arg("trace"), py::arg("policy") = "cbo", py::arg("calibrator") = py::none(), OFFLOADKIT_PY_SIM_ARGS,
        py::arg("order") = "arrival", py::arg("log") = false, py::arg("estimator") = "exact",
        py::arg("theta") = 0.5, py::arg("threshold_resolution") = -1,
        "Replays the evaluated part of a trace through one policy (CBO §V-A): local, server, fastva, "
        "cbo-uncalibrated, cbo, optimal, oracle, threshold (CBO §III-A's rule: offload when C(p) <= theta, at "
        "threshold_resolution or Server's rule for -1) or compress (FastVA over the trace's compress columns). "
        "calibrator None or 'platt' = Platt fitted on the profile part, 'isotonic', 'ovr' (one-vs-rest on the "
        "trace's logits, CBO Fig. 6), 'raw' = the raw confidence, or a fitted calibrator object. order 'arrival' (the "
        "tools' default, the exact window optimum) or 'confidence' (Algorithm 1 as written). local_time: the NPU's "
        "time per frame (s); use_trace_local_time: the trace's npu_time instead. estimator: 'exact', 'harmonic', "
        "'ewma', 'window' or an estimator object. Returns a dict (accuracy, offloaded, bytes, deadline_misses, "
        "frames; log arrays if log=True). Releases the GIL.");
    m.def(
        "sweep",
        [](const ok::trace& tr, const std::string& axis, py::handle values, py::handle policies, py::handle calibrator,
           double deadline, double server_time, double network_latency, double fps, bool use_trace_arrivals,
           py::handle bandwidth, double calibration_fraction, double local_time, bool use_trace_local_time,
           const std::string& order, py::handle estimator, double theta, int threshold_resolution) {
            const ok::sweep_axis ax = parse_choice<ok::sweep_axis>(
                axis, "sweep", "axis",
                {{"bandwidth", ok::sweep_axis::bandwidth}, {"fps", ok::sweep_axis::fps},
                 {"latency", ok::sweep_axis::latency}, {"local-time", ok::sweep_axis::local_time}});
            const std::vector<double> vals = to_vector(values, "sweep", "values");
            std::vector<std::string> names;
            if (policies.is_none()) {
                for (const auto k : ok::all_policy_kinds) names.emplace_back(ok::policy_name(k));
            } else {
                for (const auto& p : py::cast<std::vector<std::string>>(policies)) names.push_back(check_policy(p, "sweep"));
            }
            const ok::cbo_order o = parse_order(order, "sweep");
            const ok::sim_options base = sim_args{deadline, server_time, network_latency, fps, use_trace_arrivals,
                                                  bandwidth, calibration_fraction, local_time, use_trace_local_time}
                                             .options();
            const estimator_choice est = pick_estimator(estimator, "sweep");
            const ok::any_calibrator cal = pick_calibrator(calibrator, tr, calibration_fraction, "sweep");
            // Every value is checked before the first run (as ok::sweep_each), so nothing is half-done.
            std::vector<ok::sim_options> points;
            for (std::size_t k = 0; k < vals.size(); ++k) {
                if (!std::isfinite(vals[k])) {
                    value_error("sweep", "values[" + std::to_string(k) + "] is " + std::to_string(vals[k]));
                }
                points.push_back(ok::at_sweep_point(base, ax, vals[k]));
            }
            std::vector<ok::sim_result> rows;
            std::vector<double> row_value;
            {
                py::gil_scoped_release release;
                for (const auto& name : names) {
                    for (std::size_t k = 0; k < points.size(); ++k) {
                        ok::sim_result r = run_named(name, tr, cal, points[k], est.make(points[k]), o, theta,
                                                     threshold_resolution);
                        std::vector<ok::frame_outcome>().swap(r.log);  // a sweep keeps no per-frame logs
                        rows.push_back(std::move(r));
                        row_value.push_back(vals[k]);
                    }
                }
            }
            const std::size_t n = rows.size();
            py::list policy;
            for (const auto& r : rows) policy.append(r.policy);
            py::dict d;
            d["policy"] = policy;
            d["value"] = vec_to_numpy(row_value);
            d["accuracy"] = column<double>(n, [&](std::size_t i) { return rows[i].accuracy; });
            d["offloaded"] = column<double>(n, [&](std::size_t i) { return rows[i].offloaded; });
            d["bytes"] = column<double>(n, [&](std::size_t i) { return rows[i].bytes; });
            d["deadline_misses"] = column<std::int64_t>(n, [&](std::size_t i) { return rows[i].deadline_misses; });
            d["frames"] = column<std::int64_t>(n, [&](std::size_t i) { return rows[i].frames; });
            return d;
        },
        py::arg("trace"), py::arg("axis"), py::arg("values"), py::arg("policies") = py::none(),
        py::arg("calibrator") = py::none(), OFFLOADKIT_PY_SIM_ARGS, py::arg("order") = "arrival",
        py::arg("estimator") = "exact", py::arg("theta") = 0.5, py::arg("threshold_resolution") = -1,
        "Every policy at every value of 'bandwidth' (bytes/s), 'fps', 'latency' (s) or 'local-time' (s), "
        "policy-major (CBO §V-B, Fig. 5-7; ok::sweep with ok::at_sweep_point): a dict of equal-length columns. "
        "policies: names as simulate() takes them (default: POLICIES). Releases the GIL.");

    // ---- the fixed-threshold study (CBO §III-A, Fig. 4 and 7a) ----------------------------------
    m.def("default_theta_grid", [] { return vec_to_numpy(ok::default_theta_grid()); },
          "theta = 0, 0.05, ..., 1: the grid of the demo and offloadkit-sim --sweep theta.");
    m.def(
        "threshold_unconstrained",
        [](const ok::trace& tr, py::handle thetas, py::handle calibrator, std::int64_t resolution, py::handle first,
           py::handle last, double calibration_fraction) {
            constexpr std::string_view fn = "threshold_unconstrained";
            const std::vector<double> th = thetas_or_grid(thetas, fn);
            const auto index = [&](py::handle h, std::size_t dflt, std::string_view name) {
                if (h.is_none()) return dflt;
                const auto v = py::cast<std::int64_t>(h);
                if (v < 0) value_error(fn, std::string(name) + " is " + std::to_string(v) + ", expected >= 0");
                return static_cast<std::size_t>(v);
            };
            const std::size_t lo = index(first, ok::profile_trace(tr, calibration_fraction).split, "first");
            const std::size_t hi = index(last, tr.size(), "last");
            const std::size_t res = index(py::int_(resolution), 0, "resolution");
            const ok::any_calibrator cal = pick_calibrator(calibrator, tr, calibration_fraction, fn);
            std::vector<ok::threshold_point> pts;
            {
                py::gil_scoped_release release;
                for (const double t : th) {
                    pts.push_back(ok::threshold_unconstrained(tr, lo, hi, cal, t, res));
                }
            }
            return threshold_columns(pts);
        },
        py::arg("trace"), py::arg("thetas") = py::none(), py::arg("calibrator") = py::none(),
        py::arg("resolution") = 0, py::arg("first") = py::none(), py::arg("last") = py::none(),
        py::arg("calibration_fraction") = 0.3,
        "CBO §III-A's study as the paper runs it (Fig. 4 raw with calibrator='raw', Fig. 7a calibrated; no "
        "uplink): over frames [first, last) (default: the evaluated part), a frame with C(p) <= theta scores "
        "server_correct at `resolution`, every other one npu_correct. Columns theta, accuracy, offloaded, "
        "deadline_misses (0). calibrator None = Platt fitted on the profile part.");
    m.def(
        "threshold_sweep",
        [](const ok::trace& tr, py::handle thetas, py::handle calibrator, int resolution, double deadline,
           double server_time, double network_latency, double fps, bool use_trace_arrivals, py::handle bandwidth,
           double calibration_fraction, double local_time, bool use_trace_local_time) {
            const std::vector<double> th = thetas_or_grid(thetas, "threshold_sweep");
            const ok::sim_options o = sim_args{deadline, server_time, network_latency, fps, use_trace_arrivals, bandwidth,
                                               calibration_fraction, local_time, use_trace_local_time}.options();
            const ok::any_calibrator cal = pick_calibrator(calibrator, tr, calibration_fraction, "threshold_sweep");
            std::vector<ok::threshold_point> pts;
            {
                py::gil_scoped_release release;
                pts = ok::threshold_sweep(tr, cal, o, th, resolution);
            }
            return threshold_columns(pts);
        },
        py::arg("trace"), py::arg("thetas") = py::none(), py::arg("calibrator") = py::none(),
        py::arg("resolution") = -1, OFFLOADKIT_PY_SIM_ARGS,
        "The simulated threshold study (CBO §III-A's rule through the simulator, CBO Fig. 4 / 7a under the "
        "uplink model): simulate(policy='threshold') at every theta (default default_theta_grid()). Columns "
        "theta, accuracy, offloaded, deadline_misses. Releases the GIL.");
    m.def(
        "offload_share_for_accuracy",
        [](py::handle accuracy, py::handle offloaded, double target) -> py::object {
            const std::vector<double> acc = to_vector(accuracy, "offload_share_for_accuracy", "accuracy");
            const std::vector<double> off = to_vector(offloaded, "offload_share_for_accuracy", "offloaded");
            require_size(off.size(), acc.size(), "offload_share_for_accuracy", "offloaded", " (the size of accuracy)");
            std::vector<ok::threshold_point> pts(acc.size());
            for (std::size_t i = 0; i < acc.size(); ++i) {
                pts[i].accuracy = acc[i];
                pts[i].offloaded = off[i];
            }
            const auto share = ok::offload_share_for_accuracy(pts, target);
            if (!share) return py::none();
            return py::float_(*share);
        },
        py::arg("accuracy"), py::arg("offloaded"), py::arg("target"),
        "The paper's reading of CBO Fig. 4 against Fig. 7a: the smallest offload share among the points whose "
        "accuracy reaches `target` (columns of threshold_sweep / threshold_unconstrained), or None.");
}

}  // namespace okpy
