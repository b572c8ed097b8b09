// The consumer program every packaging test builds: it includes the umbrella header the way a
// user does, runs every call form of ../shared/API.md as written there, and checks that each did
// what API.md says (by the stated formula, worked here by hand). Exits non-zero on any mismatch.
#include <offloadkit/offloadkit.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

namespace ok = offloadkit;

namespace {

int failures = 0;

void expect(bool ok_, const char* what) {
    if (!ok_) {
        std::printf("API.md form failed: %s\n", what);
        ++failures;
    }
}

void errors_and_scores() {
    try {
        const std::vector<double> s{0.1, std::nan(""), 0.3};
        const std::vector<std::uint8_t> l{0, 1, 1};
        (void)ok::platt_calibrator::fit(s, l);
        expect(false, "NaN score rejected");
    } catch (const ok::invalid_argument& e) {
        expect(std::string(e.what()).find("scores[1]") != std::string::npos, "message names scores[1]");
    }
    const std::size_t k = 4;
    std::vector<float> logits(k), probs(k);
    logits[2] = 1.0F;
    ok::softmax(logits, probs);
    ok::top1 t = ok::top1_confidence(logits);
    const float e = std::exp(1.0F);
    expect(t.index == 2 && std::fabs(t.confidence - e / (e + 3.0F)) < 1e-6F, "top1_confidence");
}

void calibrators() {
    const std::vector<double> scores{0.1, 0.35, 0.4, 0.8, 0.9, 0.2, 0.6, 0.7};
    const std::vector<std::uint8_t> labels{0, 1, 0, 1, 1, 0, 0, 1};
    auto platt = ok::platt_calibrator::fit(scores, labels);
    auto platt2 = ok::platt_calibrator::fit(scores, labels, ok::platt_options{/*...*/});
    double p = platt(0.37);
    double a = platt.a(), b = platt.b();
    expect(std::fabs(p - 1.0 / (1.0 + std::exp(a * 0.37 + b))) < 1e-12, "platt: p = 1/(1+exp(a s + b))");
    expect(platt2(0.37) == p, "platt_options{} is the default fit");
    auto iso = ok::isotonic_calibrator::fit(scores, labels);
    double q = iso(0.37);
    expect(q >= 0.0 && q <= 1.0 && iso(0.05) == iso(0.1), "isotonic: in [0,1], clipped below");
    std::vector<double> out(scores.size());
    platt.transform(scores, out);
    expect(std::fabs(out[3] - platt(scores[3])) < 1e-12, "platt.transform");
    iso.transform(scores, out);
    expect(out[3] == iso(scores[3]), "iso.transform");
    std::string text = ok::to_string(platt);
    auto back = ok::platt_calibrator::from_string(text);
    auto iso_back = ok::isotonic_calibrator::from_string(ok::to_string(iso));
    expect(back(0.37) == p && iso_back(0.37) == q, "to_string / from_string round trip");
    const std::vector<float> logits_rowmajor{2.0F, 0.0F, 0.0F, 1.0F, 3.0F, 0.0F};
    const std::size_t num_classes = 3;
    const std::vector<int> class_labels{0, 2};
    auto temp = ok::temperature_scaler::fit(logits_rowmajor, num_classes, class_labels);
    double T = temp.temperature();
    expect(T > 0.0 && std::isfinite(T), "temperature_scaler");
    static_assert(ok::calibrator<ok::platt_calibrator> && ok::calibrator<ok::isotonic_calibrator>);
}

void metrics() {
    const std::vector<double> confidences{0.05, 0.95, 0.95, 0.55};
    const std::vector<std::uint8_t> correct{0, 1, 0, 1};
    ok::calibration_report rep = ok::calibration_error(confidences, correct, 10);
    // bins 0, 5 and 9: |0 - 0.05|, |1 - 0.55|, |0.5 - 0.95|, weighted 1/4, 1/4, 2/4.
    expect(std::fabs(rep.ece - (0.25 * 0.05 + 0.25 * 0.45 + 0.5 * 0.45)) < 1e-12, "ECE by hand");
    expect(std::fabs(rep.mce - 0.45) < 1e-12, "MCE by hand");
    expect(rep.bins.size() == 10 && rep.bins[9].count == 2 && std::fabs(rep.bins[9].lower - 0.9) < 1e-12 &&
               rep.bins[9].upper == 1.0 && std::fabs(rep.bins[9].confidence - 0.95) < 1e-12 &&
               rep.bins[9].accuracy == 0.5,
           "report bins");
    double bs = ok::brier_score(confidences, correct);
    expect(std::fabs(bs - (0.05 * 0.05 + 0.05 * 0.05 + 0.95 * 0.95 + 0.45 * 0.45) / 4.0) < 1e-12, "Brier by hand");
}

void spp() {
    const std::size_t C = 2, H = 3, W = 4;
    const std::vector<std::size_t> levels{1, 2};
    std::vector<float> input(C * H * W);
    for (std::size_t i = 0; i < input.size(); ++i) {
        input[i] = static_cast<float>(i);
    }
    std::size_t n_out = ok::spp_output_size(C, levels);
    expect(n_out == 2 * (1 + 4), "spp_output_size = C * sum(l*l)");
    std::vector<float> output(n_out);
    ok::spp_max_pool(input, C, H, W, levels, output);
    // Channel 0, level 1: max of 0..11; level 2 (window ceil(3/2)=2 x 2, stride 1 x 2): bins end at
    // rows [0,2) and [1,3), columns [0,2) and [2,4) -> 5, 7, 9, 11.
    expect(output[0] == 11.0F && output[1] == 23.0F, "spp level 1");
    expect(output[2] == 5.0F && output[3] == 7.0F && output[4] == 9.0F && output[5] == 11.0F, "spp paper rule");
    ok::spp_max_pool(input, C, H, W, levels, output, ok::spp_rule::adaptive);
    expect(output[2] == 5.0F && output[5] == 11.0F, "spp adaptive rule");
}

void quantizer() {
    const std::vector<float> features{0.0F, 1.0F, 0.5F, 0.25F, -1.0F};
    ok::quantized_tensor qt = ok::quantize(features, 8);
    expect(qt.bits() == 8 && qt.min() == -1.0F && qt.max() == 1.0F && qt.size() == 5, "quantize header");
    std::span<const std::byte> payload = qt.payload();
    // code of 0.5 = floor((0.5 + 1) / 2 * 255 + 0.5) = 191.
    expect(payload.size() == 5 && std::to_integer<int>(payload[2]) == 191, "code by eq. of API.md");
    std::vector<std::byte> wire = qt.serialize();
    ok::quantized_tensor qt2 = ok::quantized_tensor::deserialize(wire);
    std::vector<float> out_floats(qt2.size());
    ok::dequantize(qt, out_floats);
    for (std::size_t i = 0; i < features.size(); ++i) {
        expect(std::fabs(out_floats[i] - features[i]) <= 1.0F / 255.0F + 1e-6F, "dequantize error bound");
    }
    try {
        wire.pop_back();
        (void)ok::quantized_tensor::deserialize(wire);
        expect(false, "truncated wire rejected");
    } catch (const ok::invalid_argument&) {
    }
}

void offloading() {
    ok::offload_problem pb;
    pb.deadline = 0.2;
    pb.server_time = 0.037;
    pb.network_latency = 0.1;
    pb.bandwidth = 625000.0;
    pb.server_accuracy = {0.35, 0.60, 0.72, 0.78, 0.81};
    pb.frames.push_back(
        {/*arrival*/ 0.0, /*local_accuracy*/ 0.7, /*bytes per resolution*/ {1500, 6000, 13000, 24000, 37000}});
    pb.frames.push_back({0.033, 0.5, {1500, 6000, 13000, 24000, 37000}});
    // Slack per frame: 0.2 - 0.037 - 0.1 = 0.063 s = 39375 bytes. Alone, each frame would go at
    // r = 4 (37000 bytes); together the second waits for the first. Best by hand: frame 0 at
    // r = 3 (24000 B, done at 0.0384), frame 1 at r = 3 (0.0384 + 0.0384 = 0.0768 <= 0.096):
    // 0.78 + 0.78 = 1.56, against 0.81 + 0.72 = 1.53 or 0.7 + 0.81 = 1.51.
    ok::offload_plan opt = ok::solve_optimal(pb);
    expect(std::fabs(opt.value - 1.56) < 1e-12 && opt.choice[0] == 3 && opt.choice[1] == 3, "solve_optimal by hand");
    ok::offload_plan cbo = ok::cbo_schedule(pb, /*uplink free at*/ 0.0);
    expect(cbo.value <= opt.value + 1e-12 && cbo.resolution >= 0 && cbo.threshold <= 0.7, "cbo_schedule");
}

void frontier_and_cost() {
    std::vector<ok::tradeoff_point> pts{{/*cost*/ 16.14, /*value*/ 0.6639}, {17.97, 0.7023}, {20.0, 0.60}};
    std::vector<std::size_t> front = ok::pareto_frontier(pts);
    expect(front == std::vector<std::size_t>{0, 1}, "pareto_frontier example");
    ok::task_goal g{.accuracy = 0.9, .latency = 1.0, .throughput = 1.0, .alpha = 0.8, .beta = 0.1, .gamma = 0.1};
    double c = ok::amvp_cost(g, /*accuracy*/ 0.85, /*latency*/ 1.2, /*throughput*/ 0.9);
    expect(std::fabs(c - (0.8 * 0.05 / 0.9 + 0.1 * 0.2 / 1.2 + 0.1 * 0.1 / 1.0)) < 1e-12, "amvp_cost eq. 6");
}

}  // namespace

int main() {
    static_assert(OFFLOADKIT_VERSION_MAJOR == 0);
    try {
        errors_and_scores();
        calibrators();
        metrics();
        spp();
        quantizer();
        offloading();
        frontier_and_cost();
    } catch (const std::exception& e) {
        std::printf("unexpected exception: %s\n", e.what());
        return 1;
    }
    if (failures != 0) {
        return 1;
    }
    std::printf("offloadkit %d.%d.%d consumer ok: every API.md form\n", OFFLOADKIT_VERSION_MAJOR,
                OFFLOADKIT_VERSION_MINOR, OFFLOADKIT_VERSION_PATCH);
    return 0;
}
