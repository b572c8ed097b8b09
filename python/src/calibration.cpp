// offloadkit Python bindings: calibrators (CBO §III-B), confidence scores (CBO §III-A) and
// calibration metrics (CBO §III-B: ECE, MCE; Brier score, NLL).
#include "common.hpp"

#include <limits>
#include <optional>
#include <sstream>

namespace okpy {
namespace {

/// The multiclass calibrators take no weights yet: anything but None is rejected.
void reject_sample_weight(py::handle sample_weight, std::string_view fn) {
    if (!sample_weight.is_none()) {
        value_error(fn, "sample_weight is not supported (pass None)");
    }
}

/// Logits of 1 (k) or 2 (n x k) dimensions.
void require_logits_ndim(const real_array& z, std::string_view fn) {
    if (z.ndim() != 1 && z.ndim() != 2) {
        value_error(fn, "logits has " + std::to_string(z.ndim()) + " dimensions, expected 1 or 2");
    }
}

/// predict(): a Python number gives a float; any array gives a float64 array of the same shape.
template <class C>
py::object predict_scalar_calibrator(const C& c, py::handle scores, const char* fn) {
    if (PyFloat_Check(scores.ptr()) || PyLong_Check(scores.ptr())) {
        const double s = py::cast<double>(scores);
        return py::float_(c(s));
    }
    const real_array x = as_real(scores, fn, "scores", -1);
    std::vector<py::ssize_t> shape(x.arr.shape(), x.arr.shape() + x.arr.ndim());
    py::array_t<double> out(shape);
    std::span<double> o(out.mutable_data(), x.size());
    {
        py::gil_scoped_release release;
        x.visit([&](auto s) { c.transform(s, o); });
    }
    py::object result = std::move(out);
    return result;
}

/// The shared fit path: scores float/double, labels uint8/int64, weights float64 or none.
template <class Fit>
auto fit_binary(py::handle scores, py::handle labels, py::handle sample_weight, const char* fn, Fit&& fit) {
    const real_array s = as_real(scores, fn, "scores");
    const int_array y = as_int(labels, fn, "labels");
    std::optional<real_array> w;
    if (!sample_weight.is_none()) {
        w = as_real(sample_weight, fn, "sample_weight");
    }
    py::gil_scoped_release release;
    return s.visit([&](auto sv) {
        return y.visit([&](auto yv) {
            if (w) {
                return w->visit([&](auto wv) { return fit(sv, yv, &wv); });
            }
            return fit(sv, yv, static_cast<std::span<const double>*>(nullptr));
        });
    });
}

/// Multiclass inputs: 2-D logits (n x k) and n class indices; no weights yet.
template <class Fit>
auto fit_multiclass(py::handle logits, py::handle labels, py::handle sample_weight, const char* fn, Fit&& fit) {
    reject_sample_weight(sample_weight, fn);
    const real_array z = as_real(logits, fn, "logits", 2);
    const int_array y = as_int(labels, fn, "labels");
    const std::size_t k = z.shape(1);
    py::gil_scoped_release release;
    return z.visit([&](auto zv) { return y.visit([&](auto yv) { return fit(zv, k, yv); }); });
}

/// Probabilities for 2-D (n x k) or 1-D (k) logits through transform(logits, probs).
template <class Apply>
py::array_t<double> multiclass_predict(py::handle logits, const char* fn, Apply&& apply) {
    const real_array z = as_real(logits, fn, "logits", -1);
    require_logits_ndim(z, fn);
    const std::size_t k = z.shape(z.ndim() - 1);
    std::vector<py::ssize_t> shape(z.arr.shape(), z.arr.shape() + z.arr.ndim());
    py::array_t<double> out(shape);
    std::span<double> o(out.mutable_data(), z.size());
    {
        py::gil_scoped_release release;
        z.visit([&](auto zv) { apply(zv, k, o); });
    }
    return out;
}

std::string fmt(double v) {
    std::ostringstream s;
    s.precision(17);
    s << v;
    return s.str();
}

ok::binning parse_strategy(const std::string& s) {
    return parse_choice<ok::binning>(s, "calibration_error", "strategy",
                                     {{"uniform", ok::binning::equal_width}, {"quantile", ok::binning::equal_mass}});
}

/// f(confidences, correct) over the (confidences, correct) pair every metric takes.
template <class F>
auto binary_metric(py::handle conf, py::handle correct, std::string_view fn, F&& f) {
    const real_array c = as_real(conf, fn, "confidences");
    const int_array y = as_int(correct, fn, "correct");
    return c.visit([&](auto cv) { return y.visit([&](auto yv) { return f(cv, yv); }); });
}

/// predict() and __call__ (the same function), with predict's docstring.
template <class C, class Predict>
void def_predict(py::class_<C>& cls, Predict predict, const char* arg, const char* doc) {
    cls.def("predict", predict, py::arg(arg), doc);
    cls.def("__call__", predict, py::arg(arg));
}

/// A calibrator as a value: to_string() / from_string() (the text C++ reads), ==, and pickling
/// through the same text.
template <class C>
void def_text_value(py::class_<C>& cls, const char* cpp_name) {
    const std::string to_doc =
        std::string("The versioned text C++ reads with offloadkit::") + cpp_name + "::from_string (exact round trip).";
    cls.def("to_string", [](const C& c) { return ok::to_string(c); }, to_doc.c_str());
    cls.def_static("from_string", [](const std::string& t) { return C::from_string(t); }, py::arg("text"),
                   "Reads the text of to_string() (or of C++ offloadkit::to_string).");
    cls.def("__eq__", [](const C& l, const C& r) { return l == r; });
    cls.def(py::pickle([](const C& c) { return ok::to_string(c); }, [](const std::string& t) { return C::from_string(t); }));
}

}  // namespace

void bind_calibration(py::module_& m) {
    // ---- Platt ------------------------------------------------------------------------------
    py::class_<ok::platt_calibrator> platt(m, "PlattCalibrator",
                                           "Platt scaling p = 1 / (1 + exp(a*s + b)) (CBO §III-B; Platt 1999 with the "
                                     "Lin-Lin-Weng 2007 Newton solver). Same optimum as scikit-learn's sigmoid "
                                           "calibration.");
    platt.def(py::init<>(), "a = 0, b = 0: every score maps to 0.5 (use fit() for a fitted model).")
        .def(py::init<double, double>(), py::arg("a"), py::arg("b"),
             "A calibrator with the given parameters (a finite, b finite).")
        .def_static(
            "fit",
            [](py::handle scores, py::handle labels, py::handle sample_weight, bool target_smoothing,
               std::size_t max_iterations) {
                ok::platt_options o;
                o.target_smoothing = target_smoothing;
                o.max_iterations = max_iterations;
                return fit_binary(scores, labels, sample_weight, "PlattCalibrator.fit",
                                  [&](auto s, auto y, auto* w) {
                                      if (w) return ok::platt_calibrator::fit(s, y, *w, o);
                                      return ok::platt_calibrator::fit(s, y, o);
                                  });
            },
            py::arg("scores"), py::arg("labels"), py::arg("sample_weight") = py::none(),
            py::arg("target_smoothing") = true, py::arg("max_iterations") = 100,
            "Fits a and b by maximum likelihood on Platt's smoothed targets t+ = (N+ + 1)/(N+ + 2), "
            "t- = 1/(N- + 2) (CBO §III-B, eq. of Platt scaling). scores: 1-D float array; labels: 0/1; "
            "sample_weight: optional non-negative weights. Releases the GIL.")
        .def_property_readonly("a", &ok::platt_calibrator::a, "slope a of p = 1 / (1 + exp(a*s + b))")
        .def_property_readonly("b", &ok::platt_calibrator::b, "intercept b of p = 1 / (1 + exp(a*s + b))")
        .def("__repr__", [](const ok::platt_calibrator& c) { return "PlattCalibrator(a=" + fmt(c.a()) + ", b=" + fmt(c.b()) + ")"; });
    def_predict(
        platt, [](const ok::platt_calibrator& c, py::handle s) { return predict_scalar_calibrator(c, s, "PlattCalibrator.predict"); },
        "scores", "Calibrated probabilities 1 / (1 + exp(a*s + b)) (CBO §III-B), same shape as scores.");
    def_text_value(platt, "platt_calibrator");

    // ---- isotonic ---------------------------------------------------------------------------
    py::class_<ok::isotonic_calibrator> isotonic(m, "IsotonicCalibrator",
                                        "Isotonic regression calibration (CBO §III-B's alternative to Platt; "
                                        "Zadrozny & Elkan 2002), equal to scikit-learn's IsotonicRegression(y_min=0, "
                                        "y_max=1, out_of_bounds='clip').");
    isotonic.def(py::init<>())
        .def(py::init([](py::handle x, py::handle y, bool increasing) {
                 return ok::isotonic_calibrator(to_vector(x, "IsotonicCalibrator", "x"),
                                                to_vector(y, "IsotonicCalibrator", "y"), increasing);
             }),
             py::arg("x"), py::arg("y"), py::arg("increasing") = true,
             "The calibrator through the points (x strictly increasing, y in [0, 1] and monotone).")
        .def_static(
            "fit",
            [](py::handle scores, py::handle labels, py::handle sample_weight, py::handle increasing_arg) {
                ok::isotonic_options o;
                const std::string increasing = py::isinstance<py::bool_>(increasing_arg)
                                                   ? std::string(py::cast<bool>(increasing_arg) ? "true" : "false")
                                                   : std::string(py::str(increasing_arg));
                if (increasing == "true" || increasing == "True") {
                    o.direction = ok::isotonic_direction::increasing;
                } else if (increasing == "false" || increasing == "False") {
                    o.direction = ok::isotonic_direction::decreasing;
                } else if (increasing == "auto") {
                    o.direction = ok::isotonic_direction::automatic;
                } else {
                    value_error("IsotonicCalibrator.fit", "increasing is '" + increasing + "', expected True, False or 'auto'");
                }
                return fit_binary(scores, labels, sample_weight, "IsotonicCalibrator.fit",
                                  [&](auto s, auto y, auto* w) {
                                      if (w) return ok::isotonic_calibrator::fit(s, y, *w, o);
                                      return ok::isotonic_calibrator::fit(s, y, o);
                                  });
            },
            py::arg("scores"), py::arg("labels"), py::arg("sample_weight") = py::none(), py::arg("increasing") = true,
            "Weighted PAVA over equal scores merged (scikit-learn's algorithm), clipped to [0, 1]. increasing: "
            "True, False or 'auto' (as a string or bool). Releases the GIL.")
        .def_property_readonly("x_thresholds", [](const ok::isotonic_calibrator& c) { return to_numpy(c.thresholds_x()); },
                               "kept scores (scikit-learn's X_thresholds_)")
        .def_property_readonly("y_thresholds", [](const ok::isotonic_calibrator& c) { return to_numpy(c.thresholds_y()); },
                               "values at the kept scores (scikit-learn's y_thresholds_)")
        .def_property_readonly("increasing", &ok::isotonic_calibrator::increasing)
        .def("__repr__", [](const ok::isotonic_calibrator& c) {
            return "IsotonicCalibrator(points=" + std::to_string(c.thresholds_x().size()) +
                   ", increasing=" + (c.increasing() ? "True" : "False") + ")";
        });
    def_predict(
        isotonic,
        [](const ok::isotonic_calibrator& c, py::handle s) { return predict_scalar_calibrator(c, s, "IsotonicCalibrator.predict"); },
        "scores", "Linear interpolation between the thresholds, input clipped to their range.");
    def_text_value(isotonic, "isotonic_calibrator");

    // ---- temperature scaling ------------------------------------------------------------------
    py::class_<ok::temperature_scaler> temperature(m, "TemperatureScaler",
                                       "Temperature scaling softmax(z / T) (Guo et al. 2017; CBO §III-B's related "
                                       "calibrators), T fitted by minimising the NLL.");
    temperature.def(py::init<double>(), py::arg("temperature") = 1.0)
        .def_static(
            "fit",
            [](py::handle logits, py::handle labels, py::handle sample_weight, double min_t, double max_t,
               std::size_t max_iterations) {
                ok::temperature_options o;
                o.min_temperature = min_t;
                o.max_temperature = max_t;
                o.max_iterations = max_iterations;
                return fit_multiclass(logits, labels, sample_weight, "TemperatureScaler.fit",
                                      [&](auto z, std::size_t k, auto y) { return ok::temperature_scaler::fit(z, k, y, o); });
            },
            py::arg("logits"), py::arg("labels"), py::arg("sample_weight") = py::none(),
            py::arg("min_temperature") = 1e-3, py::arg("max_temperature") = 1e3, py::arg("max_iterations") = 200,
            "Fits T on n x k logits and n class indices (NLL minimum inside [min, max]). Releases the GIL.")
        .def_property_readonly("temperature", &ok::temperature_scaler::temperature)
        .def("__repr__", [](const ok::temperature_scaler& c) { return "TemperatureScaler(temperature=" + fmt(c.temperature()) + ")"; });
    def_predict(
        temperature,
        [](const ok::temperature_scaler& c, py::handle logits) {
            return multiclass_predict(logits, "TemperatureScaler.predict",
                                      [&](auto z, std::size_t k, std::span<double> o) { c.transform(z, k, o); });
        },
        "logits", "softmax(logits / T) row by row (k or n x k logits).");
    def_text_value(temperature, "temperature_scaler");

    // ---- one-vs-rest --------------------------------------------------------------------------
    py::class_<ok::one_vs_rest_calibrator> one_vs_rest(m, "OneVsRestCalibrator",
                                           "Multiclass calibration: one L2-regularised logistic model per class on "
                                           "the logits, renormalised (Zadrozny & Elkan 2002's one-vs-rest reduction).");
    one_vs_rest.def(py::init<>())
        .def_static(
            "fit",
            [](py::handle logits, py::handle labels, py::handle sample_weight, double c, bool target_smoothing,
               std::size_t max_iterations) {
                ok::one_vs_rest_options o;
                o.c = c;
                o.target_smoothing = target_smoothing;
                o.max_iterations = max_iterations;
                return fit_multiclass(logits, labels, sample_weight, "OneVsRestCalibrator.fit",
                                      [&](auto z, std::size_t k, auto y) { return ok::one_vs_rest_calibrator::fit(z, k, y, o); });
            },
            py::arg("logits"), py::arg("labels"), py::arg("sample_weight") = py::none(), py::arg("C") = 1.0,
            py::arg("target_smoothing") = true, py::arg("max_iterations") = 100,
            "Fits the k class models on n x k logits and n class indices. Releases the GIL.")
        .def_property_readonly("num_classes", &ok::one_vs_rest_calibrator::num_classes)
        .def_property_readonly("coef",
                               [](const ok::one_vs_rest_calibrator& c) {
                                   const auto k = static_cast<py::ssize_t>(c.num_classes());
                                   py::array_t<double> out({k, k});
                                   for (py::ssize_t i = 0; i < k; ++i) {
                                       const auto w = c.weights(static_cast<std::size_t>(i));
                                       std::copy(w.begin(), w.end(), out.mutable_data(i, 0));
                                   }
                                   return out;
                               },
                               "k x k weights, row = class model")
        .def_property_readonly("intercept",
                               [](const ok::one_vs_rest_calibrator& c) {
                                   const auto k = static_cast<py::ssize_t>(c.num_classes());
                                   py::array_t<double> out(k);
                                   for (py::ssize_t i = 0; i < k; ++i) {
                                       out.mutable_data()[i] = c.bias(static_cast<std::size_t>(i));
                                   }
                                   return out;
                               })
        .def("__repr__", [](const ok::one_vs_rest_calibrator& c) { return "OneVsRestCalibrator(num_classes=" + std::to_string(c.num_classes()) + ")"; });
    def_predict(
        one_vs_rest,
        [](const ok::one_vs_rest_calibrator& c, py::handle logits) {
            return multiclass_predict(logits, "OneVsRestCalibrator.predict",
                                      [&](auto z, std::size_t, std::span<double> o) { c.transform(z, o); });
        },
        "logits", "Calibrated class probabilities (k or n x k logits).");
    one_vs_rest.def(
        "top1_probability",
        [](const ok::one_vs_rest_calibrator& c, py::handle logits) -> py::object {
            constexpr const char* fn = "OneVsRestCalibrator.top1_probability";
            const real_array z = as_real(logits, fn, "logits", -1);
            require_logits_ndim(z, fn);
            const std::size_t k = z.shape(z.ndim() - 1);
            const std::size_t rows = z.ndim() == 1 ? 1 : z.shape(0);
            std::vector<double> out(rows);
            {
                py::gil_scoped_release release;
                z.visit([&](auto zv) {
                    std::vector<double> row(k);
                    for (std::size_t r = 0; r < rows; ++r) {
                        const auto src = zv.subspan(r * k, k);
                        std::copy(src.begin(), src.end(), row.begin());
                        out[r] = c(std::span<const double>(row));
                    }
                });
            }
            if (z.ndim() == 1) return py::float_(out[0]);
            return vec_to_numpy(out);
        },
        py::arg("logits"),
        "The probability that the NPU's top-1 answer is right (CBO §III-B, Fig. 6): the renormalised "
        "calibrated output of the class the logits rank first. This is the C(p_i) simulate() uses with "
        "this calibrator. A float for k logits, an array for n x k.");
    def_text_value(one_vs_rest, "one_vs_rest_calibrator");

    // ---- scores -------------------------------------------------------------------------------
    m.def(
        "softmax",
        [](py::handle logits) -> py::array {
            const real_array z = as_real(logits, "softmax", "logits", -1);
            require_logits_ndim(z, "softmax");
            const std::size_t k = z.shape(z.ndim() - 1);
            const std::size_t rows = k == 0 ? 0 : z.size() / k;
            if (z.size() == 0) {
                value_error("softmax", "logits is empty");
            }
            std::vector<py::ssize_t> shape(z.arr.shape(), z.arr.shape() + z.arr.ndim());
            return z.visit([&](auto zv) -> py::array {
                using T = typename decltype(zv)::element_type;
                py::array_t<std::remove_const_t<T>> out(shape);
                std::span<std::remove_const_t<T>> o(out.mutable_data(), z.size());
                // Validate every row before writing (nothing half-written).
                for (std::size_t r = 0; r < rows; ++r) {
                    ok::softmax(zv.subspan(r * k, k), o.subspan(r * k, k));
                }
                return out;
            });
        },
        py::arg("logits"),
        "Numerically stable softmax along the last axis (CBO §III-A), k or n x k logits; float32 stays float32.");
    m.def(
        "top1_confidence",
        [](py::handle logits) -> py::object {
            const real_array z = as_real(logits, "top1_confidence", "logits", -1);
            if (z.ndim() == 1) {
                const ok::top1 t = z.visit([](auto zv) { return ok::top1_confidence(zv); });
                return py::make_tuple(t.index, t.confidence);
            }
            require_logits_ndim(z, "top1_confidence");
            const std::size_t n = z.shape(0), k = z.shape(1);
            if (n == 0 || k == 0) {
                value_error("top1_confidence", "logits is empty");
            }
            py::array_t<std::int64_t> idx(static_cast<py::ssize_t>(n));
            py::array_t<double> conf(static_cast<py::ssize_t>(n));
            z.visit([&](auto zv) {
                for (std::size_t r = 0; r < n; ++r) {
                    const ok::top1 t = ok::top1_confidence(zv.subspan(r * k, k));
                    idx.mutable_data()[r] = static_cast<std::int64_t>(t.index);
                    conf.mutable_data()[r] = t.confidence;
                }
            });
            return py::make_tuple(idx, conf);
        },
        py::arg("logits"),
        "The arg max and max softmax probability (CBO §III-A): (index, confidence) for k logits, (indices, "
        "confidences) arrays for n x k logits.");

    // ---- metrics ------------------------------------------------------------------------------
    py::class_<ok::calibration_report>(m, "CalibrationReport",
                                       "ECE, MCE and the reliability diagram's bins (CBO §III-B).")
        .def_readonly("ece", &ok::calibration_report::ece, "sum_b n_b/n |acc_b - conf_b|")
        .def_readonly("mce", &ok::calibration_report::mce, "max over non-empty bins of |acc_b - conf_b|")
        .def_property_readonly("lower", [](const ok::calibration_report& r) {
            return column<double>(r.bins.size(), [&](std::size_t i) { return r.bins[i].lower; }); })
        .def_property_readonly("upper", [](const ok::calibration_report& r) {
            return column<double>(r.bins.size(), [&](std::size_t i) { return r.bins[i].upper; }); })
        .def_property_readonly("count", [](const ok::calibration_report& r) {
            return column<std::int64_t>(r.bins.size(), [&](std::size_t i) { return r.bins[i].count; }); })
        .def_property_readonly("confidence", [](const ok::calibration_report& r) {
            return column<double>(r.bins.size(), [&](std::size_t i) { return r.bins[i].confidence; }); },
            "mean confidence per bin (NaN if empty)")
        .def_property_readonly("accuracy", [](const ok::calibration_report& r) {
            return column<double>(r.bins.size(), [&](std::size_t i) { return r.bins[i].accuracy; }); },
            "fraction correct per bin (NaN if empty)")
        .def("__repr__", [](const ok::calibration_report& r) {
            return "CalibrationReport(ece=" + fmt(r.ece) + ", mce=" + fmt(r.mce) + ", bins=" + std::to_string(r.bins.size()) + ")"; });
    m.def(
        "calibration_error",
        [](py::handle conf, py::handle correct, std::size_t n_bins, const std::string& strategy) {
            const ok::binning scheme = parse_strategy(strategy);
            return binary_metric(conf, correct, "calibration_error",
                                 [&](auto cv, auto yv) { return ok::calibration_error(cv, yv, n_bins, scheme); });
        },
        py::arg("confidences"), py::arg("correct"), py::arg("n_bins") = 10, py::arg("strategy") = "uniform",
        "Expected and maximum calibration error (CBO §III-B): bin of c = min(floor(c*M), M-1) for 'uniform', "
        "equal-mass bins for 'quantile'.");
    m.def(
        "brier_score",
        [](py::handle conf, py::handle correct) {
            return binary_metric(conf, correct, "brier_score", [](auto cv, auto yv) { return ok::brier_score(cv, yv); });
        },
        py::arg("confidences"), py::arg("correct"), "mean (c - correct)^2 (Brier 1950).");
    m.def(
        "nll",
        [](py::handle conf, py::handle correct) {
            return binary_metric(conf, correct, "negative_log_likelihood",
                                 [](auto cv, auto yv) { return ok::negative_log_likelihood(cv, yv); });
        },
        py::arg("confidences"), py::arg("correct"), "mean negative log-likelihood of the correctness labels.");
}

}  // namespace okpy
