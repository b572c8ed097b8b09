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
    if (s == "confidence") return ok::cbo_order::confidence;
    if (s == "arrival") return ok::cbo_order::arrival;
    value_error(fn, "order is '" + s + "', expected 'confidence' or 'arrival'");
}

/// Builds an offload_problem from numpy columns (validated by the solvers).
ok::offload_problem make_problem(py::handle arrival, py::handle local_accuracy, py::handle bytes,
                                 py::handle server_accuracy, double deadline, double server_time,
                                 double network_latency, double bandwidth) {
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
    if (acc.size() != n) {
        value_error(fn, "local_accuracy has size " + std::to_string(acc.size()) + ", expected " + std::to_string(n) +
                            " (the size of arrival)");
    }
    if (b.shape(0) != n || b.shape(1) != pb.server_accuracy.size()) {
        value_error(fn, "bytes has shape (" + std::to_string(b.shape(0)) + ", " + std::to_string(b.shape(1)) +
                            "), expected (" + std::to_string(n) + ", " + std::to_string(pb.server_accuracy.size()) +
                            ") (frames x resolutions)");
    }
    const std::size_t m = pb.server_accuracy.size();
    pb.frames.resize(n);
    b.visit([&](auto bv) {
        for (std::size_t i = 0; i < n; ++i) {
            pb.frames[i].arrival = arr[i];
            pb.frames[i].local_accuracy = acc[i];
            pb.frames[i].bytes.assign(bv.begin() + static_cast<std::ptrdiff_t>(i * m),
                                      bv.begin() + static_cast<std::ptrdiff_t>((i + 1) * m));
        }
    });
    return pb;
}

ok::trace make_trace(py::handle confidence, py::handle npu_correct, py::handle bytes, py::handle server_correct,
                     py::handle resolutions, py::handle arrival) {
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
    if (b.shape(0) != n || m != t.resolutions.size()) {
        value_error(fn, "bytes has shape (" + std::to_string(b.shape(0)) + ", " + std::to_string(m) + "), expected (" +
                            std::to_string(n) + ", " + std::to_string(t.resolutions.size()) + ") (frames x resolutions)");
    }
    if (static_cast<std::size_t>(s.arr.shape(0)) != n || static_cast<std::size_t>(s.arr.shape(1)) != m) {
        value_error(fn, "server_correct has shape (" + std::to_string(s.arr.shape(0)) + ", " +
                            std::to_string(s.arr.shape(1)) + "), expected (" + std::to_string(n) + ", " +
                            std::to_string(m) + ")");
    }
    const auto to_u8 = [&](const int_array& a, std::string_view name) {
        return a.visit([&](auto v) {
            std::vector<std::uint8_t> out(v.size());
            for (std::size_t i = 0; i < v.size(); ++i) {
                if (v[i] != 0 && v[i] != 1) {
                    value_error(fn, std::string(name) + "[" + std::to_string(i) + "] is " +
                                        std::to_string(static_cast<long long>(v[i])) + ", expected 0 or 1");
                }
                out[i] = static_cast<std::uint8_t>(v[i]);
            }
            return out;
        });
    };
    t.npu_correct = to_u8(y, "npu_correct");
    t.server_correct = to_u8(s, "server_correct");
    t.bytes = b.visit([](auto v) { return std::vector<double>(v.begin(), v.end()); });
    if (!arrival.is_none()) {
        t.arrival = to_vector(arrival, fn, "arrival");
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

ok::sim_options make_options(double deadline, double server_time, double network_latency, double fps,
                             bool use_trace_arrivals, py::handle bandwidth, double calibration_fraction) {
    ok::sim_options o;
    o.deadline = deadline;
    o.server_time = server_time;
    o.network_latency = network_latency;
    o.fps = fps;
    o.use_trace_arrivals = use_trace_arrivals;
    o.bandwidth = make_bandwidth(bandwidth);
    o.calibration_fraction = calibration_fraction;
    return o;
}

ok::policy_kind parse_policy(const std::string& s, std::string_view fn) {
    if (const auto k = ok::parse_policy_kind(s)) return *k;
    std::string names;
    for (const auto k : ok::all_policy_kinds) names += (names.empty() ? "" : ", ") + std::string(ok::policy_name(k));
    value_error(fn, "policy is '" + s + "', expected one of " + names);
}

using any_calibrator = std::variant<ok::platt_calibrator, ok::isotonic_calibrator, ok::identity_calibrator>;

/// None -> Platt fitted on the trace's profile part (the trace workflow).
any_calibrator pick_calibrator(py::handle cal, const ok::trace& tr, double fraction, std::string_view fn) {
    if (cal.is_none()) {
        return ok::fit_trace_calibrator(tr, ok::profile_trace(tr, fraction).split);
    }
    if (py::isinstance<ok::platt_calibrator>(cal)) return py::cast<ok::platt_calibrator>(cal);
    if (py::isinstance<ok::isotonic_calibrator>(cal)) return py::cast<ok::isotonic_calibrator>(cal);
    value_error(fn, "calibrator must be None, a PlattCalibrator or an IsotonicCalibrator");
}

py::dict result_dict(const ok::sim_result& r, bool with_log) {
    py::dict d;
    d["policy"] = r.policy;
    d["accuracy"] = r.accuracy;
    d["offloaded"] = r.offloaded;
    d["bytes"] = r.bytes;
    d["deadline_misses"] = r.deadline_misses;
    d["frames"] = r.frames;
    if (with_log) {
        const auto n = static_cast<py::ssize_t>(r.log.size());
        py::array_t<std::int64_t> frame(n), res(n);
        py::array_t<double> arrival(n), decided(n), start(n), finish(n);
        py::array_t<bool> late(n), correct(n);
        for (py::ssize_t i = 0; i < n; ++i) {
            const auto& o = r.log[static_cast<std::size_t>(i)];
            frame.mutable_data()[i] = static_cast<std::int64_t>(o.frame);
            res.mutable_data()[i] = o.resolution;
            arrival.mutable_data()[i] = o.arrival;
            decided.mutable_data()[i] = o.decided_at;
            start.mutable_data()[i] = o.start;
            finish.mutable_data()[i] = o.finish;
            late.mutable_data()[i] = o.late;
            correct.mutable_data()[i] = o.correct;
        }
        py::dict log;
        log["frame"] = frame;
        log["arrival"] = arrival;
        log["resolution"] = res;
        log["decided_at"] = decided;
        log["start"] = start;
        log["finish"] = finish;
        log["late"] = late;
        log["correct"] = correct;
        d["log"] = log;
    }
    return d;
}

}  // namespace

void bind_offload(py::module_& m) {
    // ---- the offloading problem (CBO §IV) ---------------------------------------------------
    py::class_<ok::offload_problem>(m, "OffloadProblem",
                                    "Frames to place on the NPU or the server under a FCFS uplink (CBO §IV-A, eq. 1-3).")
        .def(py::init(&make_problem), py::arg("arrival"), py::arg("local_accuracy"), py::arg("bytes"),
             py::arg("server_accuracy"), py::arg("deadline") = 0.2, py::arg("server_time") = 0.037,
             py::arg("network_latency") = 0.1, py::arg("bandwidth") = 625000.0,
             "arrival (n), local_accuracy A^npu (n), bytes S(I_i, r) (n x m), server_accuracy A^o_r (m); "
             "deadline T, server_time T^o, network_latency L (s), bandwidth B (bytes/s).")
        .def_readwrite("deadline", &ok::offload_problem::deadline)
        .def_readwrite("server_time", &ok::offload_problem::server_time)
        .def_readwrite("network_latency", &ok::offload_problem::network_latency)
        .def_readwrite("bandwidth", &ok::offload_problem::bandwidth)
        .def_property_readonly("server_accuracy", [](const ok::offload_problem& p) { return vec_to_numpy(p.server_accuracy); })
        .def_property_readonly("arrival", [](const ok::offload_problem& p) {
            std::vector<double> v; for (const auto& f : p.frames) v.push_back(f.arrival); return vec_to_numpy(v); })
        .def_property_readonly("local_accuracy", [](const ok::offload_problem& p) {
            std::vector<double> v; for (const auto& f : p.frames) v.push_back(f.local_accuracy); return vec_to_numpy(v); })
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
             "From numpy arrays: confidence (n), npu_correct (n), bytes (n x m), server_correct (n x m), "
             "optional resolution labels (m) and arrival times (n).")
        .def_static("read_csv", &ok::read_trace, py::arg("path"), "Reads a trace CSV file (docs/trace-format.md).")
        .def_static("from_csv_text", [](const std::string& text) { return ok::parse_trace(text); }, py::arg("text"))
        .def("to_csv", [](const ok::trace& t) { return ok::to_csv(t); })
        .def("__len__", &ok::trace::size)
        .def_property_readonly("resolutions", [](const ok::trace& t) { return t.resolutions; })
        .def_property_readonly("confidence", [](const ok::trace& t) { return vec_to_numpy(t.confidence); })
        .def_property_readonly("npu_correct", [](const ok::trace& t) { return vec_to_numpy(t.npu_correct); })
        .def_property_readonly("arrival", [](const ok::trace& t) -> py::object {
            if (t.arrival.empty()) return py::none();
            return vec_to_numpy(t.arrival); })
        .def_property_readonly("bytes", [](const ok::trace& t) {
            return vec_to_numpy(t.bytes).reshape({static_cast<py::ssize_t>(t.size()), static_cast<py::ssize_t>(t.num_resolutions())}); })
        .def_property_readonly("server_correct", [](const ok::trace& t) {
            return vec_to_numpy(t.server_correct).reshape({static_cast<py::ssize_t>(t.size()), static_cast<py::ssize_t>(t.num_resolutions())}); })
        .def("__repr__", [](const ok::trace& t) {
            return "Trace(frames=" + std::to_string(t.size()) + ", resolutions=" + std::to_string(t.num_resolutions()) + ")"; });

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
        "simulate",
        [](const ok::trace& tr, const std::string& policy, py::handle calibrator, double deadline, double server_time,
           double network_latency, double fps, bool use_trace_arrivals, py::handle bandwidth,
           double calibration_fraction, const std::string& order, bool log) {
            const ok::policy_kind kind = parse_policy(policy, "simulate");
            const ok::cbo_order o = parse_order(order, "simulate");
            const ok::sim_options opt = make_options(deadline, server_time, network_latency, fps, use_trace_arrivals,
                                                     bandwidth, calibration_fraction);
            const any_calibrator cal = pick_calibrator(calibrator, tr, calibration_fraction, "simulate");
            ok::sim_result r;
            {
                py::gil_scoped_release release;
                r = std::visit([&](const auto& c) { return ok::run_policy(kind, tr, c, opt, ok::true_bandwidth{}, o); }, cal);
            }
            return result_dict(r, log);
        },
        py::arg("trace"), py::arg("policy") = "cbo", py::arg("calibrator") = py::none(), py::arg("deadline") = 0.2,
        py::arg("server_time") = 0.037, py::arg("network_latency") = 0.1, py::arg("fps") = 30.0,
        py::arg("use_trace_arrivals") = true, py::arg("bandwidth") = 625000.0, py::arg("calibration_fraction") = 0.3,
        py::arg("order") = "confidence", py::arg("log") = false,
        "Replays the evaluated part of a trace through one policy (CBO §V): local, server, fastva, "
        "cbo-uncalibrated, cbo, optimal or oracle. calibrator None = Platt fitted on the profile part. "
        "Returns a dict (accuracy, offloaded, bytes, deadline_misses, frames; log arrays if log=True). "
        "Releases the GIL.");
    m.def(
        "sweep",
        [](const ok::trace& tr, const std::string& axis, py::handle values, py::handle policies, py::handle calibrator,
           double deadline, double server_time, double network_latency, double fps, bool use_trace_arrivals,
           py::handle bandwidth, double calibration_fraction, const std::string& order) {
            const auto ax = ok::parse_sweep_axis(axis);
            if (!ax) value_error("sweep", "axis is '" + axis + "', expected 'bandwidth', 'fps' or 'latency'");
            const std::vector<double> vals = to_vector(values, "sweep", "values");
            std::vector<ok::policy_kind> kinds;
            if (policies.is_none()) {
                kinds.assign(ok::all_policy_kinds.begin(), ok::all_policy_kinds.end());
            } else {
                for (const auto& p : py::cast<std::vector<std::string>>(policies)) kinds.push_back(parse_policy(p, "sweep"));
            }
            const ok::cbo_order o = parse_order(order, "sweep");
            const ok::sim_options base = make_options(deadline, server_time, network_latency, fps, use_trace_arrivals,
                                                      bandwidth, calibration_fraction);
            const any_calibrator cal = pick_calibrator(calibrator, tr, calibration_fraction, "sweep");
            std::vector<ok::sweep_row> rows;
            {
                py::gil_scoped_release release;
                rows = std::visit(
                    [&](const auto& c) {
                        return ok::sweep(tr, c, base, *ax, std::span<const double>(vals),
                                         std::span<const ok::policy_kind>(kinds), ok::true_bandwidth_factory{}, o);
                    },
                    cal);
            }
            const auto n = static_cast<py::ssize_t>(rows.size());
            py::list names;
            py::array_t<double> value(n), accuracy(n), offloaded(n), bytes(n);
            py::array_t<std::int64_t> misses(n), frames(n);
            for (py::ssize_t i = 0; i < n; ++i) {
                const auto& r = rows[static_cast<std::size_t>(i)];
                names.append(std::string(ok::policy_name(r.policy)));
                value.mutable_data()[i] = r.value;
                accuracy.mutable_data()[i] = r.result.accuracy;
                offloaded.mutable_data()[i] = r.result.offloaded;
                bytes.mutable_data()[i] = r.result.bytes;
                misses.mutable_data()[i] = static_cast<std::int64_t>(r.result.deadline_misses);
                frames.mutable_data()[i] = static_cast<std::int64_t>(r.result.frames);
            }
            py::dict d;
            d["policy"] = names;
            d["value"] = value;
            d["accuracy"] = accuracy;
            d["offloaded"] = offloaded;
            d["bytes"] = bytes;
            d["deadline_misses"] = misses;
            d["frames"] = frames;
            return d;
        },
        py::arg("trace"), py::arg("axis"), py::arg("values"), py::arg("policies") = py::none(),
        py::arg("calibrator") = py::none(), py::arg("deadline") = 0.2, py::arg("server_time") = 0.037,
        py::arg("network_latency") = 0.1, py::arg("fps") = 30.0, py::arg("use_trace_arrivals") = true,
        py::arg("bandwidth") = 625000.0, py::arg("calibration_fraction") = 0.3, py::arg("order") = "confidence",
        "Every policy at every value of 'bandwidth' (bytes/s), 'fps' or 'latency' (s), policy-major (CBO §V-B, "
        "Fig. 5-7): a dict of equal-length columns. Releases the GIL.");
}

}  // namespace okpy
