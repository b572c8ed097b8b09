#ifndef OFFLOADKIT_TESTS_SIM_CALIBRATORS_HPP
#define OFFLOADKIT_TESTS_SIM_CALIBRATORS_HPP

// The synthetic generator's own calibration curve (sim/synthetic.hpp): its raw confidence is
// s = sigmoid(k z + c + noise) and the NPU is right with probability sigmoid(z), so, ignoring the
// noise, P(correct | s) = sigmoid((logit(s) - c) / k). A calibrator that knows the generator.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>

namespace offloadkit::test_sim {

struct latent_calibrator {
    double slope = 0.45;
    double offset = 1.6;
    [[nodiscard]] double operator()(double s) const {
        const double c = std::clamp(s, 1e-12, 1.0 - 1e-12);
        const double logit = std::log(c / (1.0 - c));
        return 1.0 / (1.0 + std::exp(-(logit - offset) / slope));
    }
    void transform(std::span<const double> in, std::span<double> out) const {
        for (std::size_t i = 0; i < in.size() && i < out.size(); ++i) {
            out[i] = (*this)(in[i]);
        }
    }
    friend bool operator==(const latent_calibrator&, const latent_calibrator&) = default;
};

}  // namespace offloadkit::test_sim

#endif  // OFFLOADKIT_TESTS_SIM_CALIBRATORS_HPP
