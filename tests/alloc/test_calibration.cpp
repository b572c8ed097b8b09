// Calibrator apply is on CBO's per-frame path (CBO §IV-D: every frame's confidence goes
// through the calibrator): no allocation for any calibrator, scalar or batch, float or double; the
// same for the confidence scores and the calibration metrics with a preallocated report.
#include <offloadkit/calibration/identity.hpp>
#include <offloadkit/calibration/isotonic.hpp>
#include <offloadkit/calibration/one_vs_rest.hpp>
#include <offloadkit/calibration/platt.hpp>
#include <offloadkit/calibration/scores.hpp>
#include <offloadkit/calibration/temperature.hpp>
#include <offloadkit/detail/random.hpp>
#include <offloadkit/metrics/calibration.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "alloc/counting.hpp"

namespace ok = offloadkit;
using offloadkit::test_alloc::allocations_during;

namespace {
struct data {
    std::vector<double> scores;
    std::vector<float> scores_f;
    std::vector<std::uint8_t> labels;
    std::vector<double> logits;  // n x k row-major
    std::vector<int> classes;
    static constexpr std::size_t k = 4;
};

data make_data(std::size_t n) {
    ok::detail::rng g(77);
    data d;
    for (std::size_t i = 0; i < n; ++i) {
        d.scores.push_back(g.uniform());
        d.scores_f.push_back(static_cast<float>(d.scores.back()));
        d.labels.push_back(g.bernoulli(d.scores.back()) ? 1 : 0);
        const auto c = static_cast<int>(g.below(data::k));
        d.classes.push_back(c);
        for (std::size_t j = 0; j < data::k; ++j) {
            d.logits.push_back(g.normal() + (static_cast<int>(j) == c ? 1.5 : 0.0));
        }
    }
    return d;
}

/// Scalar and batch apply (double and float) of a score calibrator, `reps` times.
template <class Cal>
long long score_calibrator_allocations(const Cal& cal, const data& d, std::vector<double>& out,
                                       std::vector<float>& out_f) {
    return allocations_during([&] {
        double sum = 0.0;
        for (int rep = 0; rep < 3; ++rep) {
            for (const double s : d.scores) {
                sum += cal(s);
            }
            cal.transform(d.scores, out);
            cal.transform(d.scores_f, out_f);
            cal.transform(d.scores_f, out);
        }
        CHECK(sum > 0.0);
    });
}
}  // namespace

TEST_CASE("every calibrator applies without allocating: scalar and batch, float and double") {
    const data d = make_data(513);
    std::vector<double> out(d.scores.size());
    std::vector<float> out_f(d.scores.size());
    const auto platt = ok::platt_calibrator::fit(d.scores, d.labels);
    const auto iso = ok::isotonic_calibrator::fit(d.scores, d.labels);
    const auto ident = ok::identity_calibrator::fit(d.scores, d.labels);
    REQUIRE(iso.thresholds_x().size() > 5);
    CHECK(score_calibrator_allocations(platt, d, out, out_f) == 0);
    CHECK(score_calibrator_allocations(iso, d, out, out_f) == 0);
    CHECK(score_calibrator_allocations(ident, d, out, out_f) == 0);
    // A default-constructed isotonic calibrator (the identity on [0, 1]) too.
    CHECK(score_calibrator_allocations(ok::isotonic_calibrator{}, d, out, out_f) == 0);

    // Multi-class calibrators: per-row operator(), confidence(), and the batch transform.
    const auto temp = ok::temperature_scaler::fit(d.logits, data::k, d.classes);
    const auto ovr = ok::one_vs_rest_calibrator::fit(d.logits, data::k, d.classes);
    std::vector<double> probs(data::k);
    std::vector<double> all(d.logits.size());
    const std::span<const double> logits(d.logits);
    double sum = 0.0;
    CHECK(allocations_during([&] {
              for (std::size_t i = 0; i < d.classes.size(); ++i) {
                  const auto row = logits.subspan(i * data::k, data::k);
                  temp(row, probs);
                  sum += probs[0] + temp.confidence(row).confidence;
              }
              temp.transform(d.logits, data::k, all);
          }) == 0);
    CHECK(allocations_during([&] {
              for (std::size_t i = 0; i < d.classes.size(); ++i) {
                  const auto row = logits.subspan(i * data::k, data::k);
                  ovr(row, probs);
                  sum += probs[0] + ovr.confidence(row).confidence;
              }
              ovr.transform(d.logits, all);
          }) == 0);
    CHECK(sum > 0.0);
}

TEST_CASE("confidence scores from logits do not allocate") {
    const data d = make_data(64);
    std::vector<double> probs(data::k);
    std::vector<float> logits_f(data::k, 0.5F);
    std::vector<float> probs_f(data::k);
    const std::span<const double> logits(d.logits);
    double sum = 0.0;
    CHECK(allocations_during([&] {
              for (std::size_t i = 0; i < d.classes.size(); ++i) {
                  const auto row = logits.subspan(i * data::k, data::k);
                  ok::softmax(row, probs);
                  sum += probs[1] + ok::top1_confidence(row).confidence + ok::margin_confidence(row) +
                         ok::entropy(row);
              }
              ok::softmax(logits_f, probs_f);
              ok::softmax(logits_f, probs);  // float -> double: the scalar path
          }) == 0);
    CHECK(sum > 0.0);
}

TEST_CASE("ECE/MCE into a preallocated report, Brier score and NLL do not allocate") {
    const data d = make_data(1000);
    ok::calibration_report rep;
    ok::calibration_error_into(d.scores, d.labels, 15, rep);  // warm-up: sizes rep.bins
    double sum = 0.0;
    CHECK(allocations_during([&] {
              for (int rep_i = 0; rep_i < 5; ++rep_i) {
                  ok::calibration_error_into(d.scores, d.labels, 15, rep);
                  sum += rep.ece + rep.mce;
                  ok::calibration_error_into(d.scores_f, d.labels, 10, rep);  // fewer bins: still no allocation
                  sum += rep.ece;
              }
              sum += ok::brier_score(d.scores, d.labels) + ok::negative_log_likelihood(d.scores_f, d.labels);
          }) == 0);
    CHECK(sum > 0.0);
    CHECK(rep.bins.size() == 10);
    // The allocating form, for contrast: the counter sees it.
    CHECK(allocations_during([&] { sum += ok::calibration_error(d.scores, d.labels, 10).ece; }) > 0);
}
