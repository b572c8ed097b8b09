// examples/common/demo_core.hpp on the bundled trace (examples/data/fashion_mnist_trace.csv): the
// properties offloadkit-demo's tables must have, checked without timing. Table I against a
// from-scratch recomputation on the evaluation split; the policy table against what must hold at
// CBO's default setting (guarantees of the model, and the measured order of the policies on
// this trace that docs/demo.md reports).
#include "../../examples/common/demo_core.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace ok = offloadkit;
namespace okx = offloadkit::examples;

namespace {

const ok::trace& bundled() {
    static const ok::trace t =
        ok::read_trace(std::string(OFFLOADKIT_SOURCE_DIR) + "/examples/data/fashion_mnist_trace.csv");
    return t;
}

const okx::calibration_table& table_one() {
    static const okx::calibration_table t = okx::calibrate_trace(bundled(), 0.3);
    return t;
}

// ECE and MCE of CBO §III-B by hand: bin = min(floor(10 c), 9).
std::pair<double, double> ece_mce(const std::vector<double>& c, const std::vector<std::uint8_t>& y) {
    double conf[10] = {}, acc[10] = {};
    double count[10] = {};
    for (std::size_t i = 0; i < c.size(); ++i) {
        const auto b = std::min<std::size_t>(static_cast<std::size_t>(std::floor(c[i] * 10)), 9);
        conf[b] += c[i];
        acc[b] += y[i];
        count[b] += 1;
    }
    double ece = 0, mce = 0;
    for (int b = 0; b < 10; ++b) {
        if (count[b] > 0) {
            const double gap = std::abs(acc[b] / count[b] - conf[b] / count[b]);
            ece += count[b] / static_cast<double>(c.size()) * gap;
            mce = std::max(mce, gap);
        }
    }
    return {ece, mce};
}

}  // namespace

TEST_CASE("demo Table I: calibrators fitted on the first 30%, measured on the other 70%") {
    const auto& tr = bundled();
    const auto& t = table_one();
    REQUIRE(tr.size() == 10000);
    CHECK(t.split == 3000);
    REQUIRE(t.rows.size() == 3);
    CHECK(t.rows[0].method == "uncalibrated");
    CHECK(t.rows[1].method == "platt");
    CHECK(t.rows[2].method == "isotonic");

    // The calibrators are fitted on [0, split) only.
    const std::vector<double> fit_conf(tr.confidence.begin(), tr.confidence.begin() + 3000);
    const std::vector<std::uint8_t> fit_y(tr.npu_correct.begin(), tr.npu_correct.begin() + 3000);
    CHECK(t.platt == ok::platt_calibrator::fit(fit_conf, fit_y));
    CHECK(t.isotonic == ok::isotonic_calibrator::fit(fit_conf, fit_y));

    // Every row is measured on [split, n), recomputed here from scratch.
    const std::vector<std::uint8_t> y(tr.npu_correct.begin() + 3000, tr.npu_correct.end());
    for (const auto& row : t.rows) {
        CAPTURE(row.method);
        REQUIRE(row.confidence.size() == 7000);
        for (std::size_t i = 0; i < 7000; i += 997) {
            const double raw = tr.confidence[3000 + i];
            const double expected = row.method == "platt"      ? t.platt(raw)
                                    : row.method == "isotonic" ? t.isotonic(raw)
                                                               : raw;
            CHECK(row.confidence[i] == expected);
        }
        const auto [ece, mce] = ece_mce(row.confidence, y);
        CHECK(row.report.ece == doctest::Approx(ece).epsilon(1e-12));
        CHECK(row.report.mce == doctest::Approx(mce).epsilon(1e-12));
    }
    // The NPU is miscalibrated and both calibrators lower its ECE (CBO Table I's finding).
    CHECK(t.rows[0].report.ece > 0.1);
    CHECK(t.rows[1].report.ece < t.rows[0].report.ece / 2);
    CHECK(t.rows[2].report.ece < t.rows[0].report.ece / 2);
    CHECK(t.rows[1].report.mce < t.rows[0].report.mce);
}

TEST_CASE("demo policy table at CBO's default setting") {
    const auto& tr = bundled();
    const ok::sim_options o = okx::paper_default_options();
    CHECK(o.bandwidth == ok::bandwidth_trace(625000.0));
    CHECK(o.network_latency == 0.1);
    CHECK(o.deadline == 0.2);
    CHECK(o.fps == 30.0);
    const okx::policy_table t = okx::run_policy_table(tr, table_one(), o);
    REQUIRE(t.rows.size() == ok::all_policy_kinds.size() + 2);
    for (std::size_t k = 0; k < ok::all_policy_kinds.size(); ++k) {
        CHECK(t.rows[k].kind == ok::all_policy_kinds[k]);
        CHECK(t.rows[k].name == ok::policy_name(ok::all_policy_kinds[k]));
    }
    CHECK(t.rows[ok::all_policy_kinds.size()].name == "cbo-isotonic");
    CHECK(t.rows.back().name == "cbo-confidence");  // issue 15 §5: the default order is arrival

    const auto acc = [&](const char* name) {
        const auto* r = t.find(name);
        REQUIRE(r != nullptr);
        return r->result.accuracy;
    };
    // Local = the NPU's accuracy on the evaluated frames.
    double npu = 0;
    for (std::size_t i = 3000; i < tr.size(); ++i) {
        npu += tr.npu_correct[i];
    }
    CHECK(acc("local") == doctest::Approx(npu / 7000.0));
    CHECK(t.find("local")->result.bytes == 0.0);
    CHECK(t.find("server")->result.offloaded == 1.0);

    const auto* optimal = t.find("optimal");
    const auto* oracle = t.find("oracle");
    for (const auto& r : t.rows) {
        CAPTURE(r.name);
        CHECK(r.result.frames == 7000);
        CHECK(r.result.deadline_misses == 0);  // the true bandwidth is known at the default
        CHECK(r.result.log.empty());
        // Guarantees: Oracle maximizes realised correctness over every on-time schedule; Optimal
        // maximizes the model value (Platt-calibrated confidence, profiled A^o_r).
        CHECK(r.result.accuracy <= oracle->result.accuracy);
        CHECK(r.model_accuracy <= optimal->model_accuracy + 1e-12);
    }
    // Measured on this trace (docs/demo.md): calibrated CBO beats FastVA, Local and CBO without
    // calibration, and stays below Optimal.
    CHECK(acc("cbo") >= acc("fastva"));
    CHECK(acc("cbo") > acc("local"));
    CHECK(acc("cbo") > acc("cbo-uncalibrated"));
    CHECK(acc("cbo") > acc("server"));
    CHECK(acc("cbo") <= acc("optimal"));
    CHECK(acc("optimal") - acc("cbo") < 0.01);
}
