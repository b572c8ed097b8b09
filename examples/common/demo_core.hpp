// The computation behind offloadkit-demo's two tables (and tests/examples/test_demo.cpp, which
// checks its properties on the bundled trace): CBO Table I on a trace (ECE/MCE of the raw,
// Platt and isotonic confidence, fitted on the calibration split and measured on the evaluation
// split) and the policy table at one setting (CBO §V-A's approaches plus the Oracle ceiling).
// Everything here is library calls; this file only arranges them.
#ifndef OFFLOADKIT_EXAMPLES_COMMON_DEMO_CORE_HPP
#define OFFLOADKIT_EXAMPLES_COMMON_DEMO_CORE_HPP

#include <offloadkit/offloadkit.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace offloadkit::examples {

/// The demo's settings: CBO §V's defaults (5 Mbps, L = 100 ms, 30 fps, T = 200 ms,
/// T^o = 37 ms from Table III) and the trace workflow's 30% calibration split.
[[nodiscard]] inline sim_options paper_default_options() {
    sim_options o;
    o.deadline = 0.2;
    o.server_time = 0.037;
    o.network_latency = 0.1;
    o.fps = 30.0;
    o.bandwidth = bandwidth_trace(5.0 * 125000.0);
    o.calibration_fraction = 0.3;
    return o;
}

/// One row of Table I: a calibration method's confidences on the evaluation split and their
/// reliability (10 bins, CBO §III-B).
struct calibration_row {
    std::string method;               ///< "uncalibrated", "platt", "isotonic"
    std::vector<double> confidence;   ///< per evaluated frame (the method applied to the raw score)
    calibration_report report;        ///< ECE, MCE and the bins, against npu_correct
};

/// CBO Table I on a trace.
struct calibration_table {
    std::size_t split = 0;              ///< frames [0, split) fit the calibrators; [split, n) measure
    platt_calibrator platt;             ///< fitted on [0, split) (fit_trace_calibrator)
    isotonic_calibrator isotonic;       ///< fitted on [0, split)
    std::vector<calibration_row> rows;  ///< uncalibrated, platt, isotonic
};

/**
 * Fits Platt and isotonic regression on the first part of the trace (profile_trace's split at
 * `calibration_fraction`) and measures ECE/MCE of the raw score and of both calibrated scores on
 * the rest, with `bins` equal-width bins.
 */
[[nodiscard]] inline calibration_table calibrate_trace(const trace& tr, double calibration_fraction = 0.3,
                                                       std::size_t bins = 10) {
    calibration_table t;
    t.split = profile_trace(tr, calibration_fraction).split;
    t.platt = fit_trace_calibrator(tr, t.split);
    const std::span<const double> conf(tr.confidence);
    const std::span<const std::uint8_t> correct(tr.npu_correct);
    t.isotonic = isotonic_calibrator::fit(conf.first(t.split), correct.first(t.split));
    const auto eval_conf = conf.subspan(t.split);
    const auto eval_correct = correct.subspan(t.split);
    std::vector<double> raw(eval_conf.begin(), eval_conf.end());
    std::vector<double> platt(raw.size()), iso(raw.size());
    t.platt.transform(eval_conf, platt);
    t.isotonic.transform(eval_conf, iso);
    for (auto&& [name, values] : {std::pair{"uncalibrated", &raw}, std::pair{"platt", &platt},
                                  std::pair{"isotonic", &iso}}) {
        calibration_row row;
        row.method = name;
        row.confidence = std::move(*values);
        row.report = calibration_error(row.confidence, eval_correct, bins);
        t.rows.push_back(std::move(row));
    }
    return t;
}

/// One row of the policy table.
struct policy_row {
    std::string name;             ///< policy_name(), or "cbo-isotonic" for the extra row
    policy_kind kind = policy_kind::local;
    sim_result result;            ///< totals (the per-frame log is dropped)
    double model_accuracy = 0.0;  ///< model_accuracy() with Platt for every row: what CBO's objective
                                  ///< (Platt-calibrated confidence, profiled A^o_r) says the run is worth
};

/// Every policy of CBO §V-A at one setting.
struct policy_table {
    trace_profile profile;          ///< split, A^o_r, mean NPU accuracy of the calibration part
    std::vector<policy_row> rows;   ///< all_policy_kinds in order, then cbo-isotonic, then cbo-confidence

    /// The row named `name` (policy_name()), or nullptr.
    [[nodiscard]] const policy_row* find(std::string_view name) const {
        for (const auto& r : rows) {
            if (r.name == name) {
                return &r;
            }
        }
        return nullptr;
    }
};

/**
 * Runs every policy_kind on the trace at `opt` with the true bandwidth (run_policy(); CBO and
 * Optimal use `cal.platt`, as CBO chooses Platt in §III-B), and CBO once more with
 * `cal.isotonic` ("cbo-isotonic"), since on some data isotonic regression calibrates better, and
 * once more in the other window order ("cbo-confidence": Algorithm 1 as written when `order` is
 * arrival, "cbo-arrival" otherwise). cbo, cbo-uncalibrated and fastva use `order` (issue 15 §5:
 * arrival, the measured default).
 */
[[nodiscard]] inline policy_table run_policy_table(const trace& tr, const calibration_table& cal,
                                                   const sim_options& opt, cbo_order order = cbo_order::arrival) {
    policy_table t;
    t.profile = profile_trace(tr, opt.calibration_fraction);
    auto add = [&](std::string name, policy_kind kind, const auto& c) {
        policy_row row{std::move(name), kind, run_policy(kind, tr, c, opt, true_bandwidth{}, order), 0.0};
        row.model_accuracy = model_accuracy(tr, row.result, t.profile.server_accuracy, cal.platt);
        row.result.log = {};
        t.rows.push_back(std::move(row));
    };
    for (const auto k : all_policy_kinds) {
        add(std::string(policy_name(k)), k, cal.platt);
    }
    add("cbo-isotonic", policy_kind::cbo, cal.isotonic);
    const cbo_order other = order == cbo_order::arrival ? cbo_order::confidence : cbo_order::arrival;
    policy_row row{other == cbo_order::confidence ? "cbo-confidence" : "cbo-arrival", policy_kind::cbo,
                   run_policy(policy_kind::cbo, tr, cal.platt, opt, true_bandwidth{}, other), 0.0};
    row.model_accuracy = model_accuracy(tr, row.result, t.profile.server_accuracy, cal.platt);
    row.result.log = {};
    t.rows.push_back(std::move(row));
    return t;
}

}  // namespace offloadkit::examples

#endif  // OFFLOADKIT_EXAMPLES_COMMON_DEMO_CORE_HPP
