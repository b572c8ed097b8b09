#ifndef OFFLOADKIT_SIM_SYNTHETIC_HPP
#define OFFLOADKIT_SIM_SYNTHETIC_HPP

/**
 * @file
 * @brief A seeded synthetic trace generator for tests, benchmarks and trying the simulator
 *        without data: a miscalibrated on-device model and a server whose accuracy grows with
 *        resolution (the shape of CBO Fig. 4-5 and Fig. 10).
 *
 * The model, per frame i:
 *  - a latent difficulty z_i, an AR(1) series over frames (video frames resemble their
 *    neighbours): z_i = mu + rho (z_{i-1} - mu) + sqrt(1 - rho^2) sigma e_i, e_i ~ N(0, 1);
 *  - the NPU is right with probability q_i = 1 / (1 + exp(-z_i)), npu_correct_i ~ Bernoulli(q_i);
 *  - its raw confidence is overconfident and compressed: s_i = 1 / (1 + exp(-(k z_i + c + n_i))),
 *    n_i ~ N(0, noise^2) (CBO Fig. 5: raw scores far above the accuracy they predict);
 *  - one uniform u_i decides the server at every resolution: server_correct_{i,r} = u_i < A^o_r,
 *    so a frame the server gets right at a low resolution it also gets right at a higher one;
 *  - bytes_{i,r} = mean_bytes_r * exp(spread * g_i - spread^2 / 2), g_i ~ N(0, 1), one content
 *    factor per frame shared by its resolutions (mean preserved), rounded to whole bytes.
 * Arrival times are i / fps when `with_arrival` is set (otherwise the column is absent).
 * Randomness only through detail::rng: the same options give the same trace on every platform
 * where libm's log/cos/exp agree (glibc: bit for bit).
 */

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "../detail/random.hpp"
#include "../error.hpp"
#include "trace.hpp"

namespace offloadkit {

/// Parameters of make_synthetic_trace(); defaults follow CBO §V (five resolutions
/// 45..224 px, server accuracies of the shape of Fig. 10, an NPU right about 55% of the time).
struct synthetic_trace_options {
    std::size_t frames = 3000;                 ///< number of frames
    std::uint64_t seed = 1;                    ///< rng seed
    bool with_arrival = false;                 ///< write arrival_s = i / fps
    double fps = 30.0;                         ///< frame rate for arrival_s, > 0
    std::vector<std::string> resolutions{"45", "90", "134", "179", "224"};
    std::vector<double> mean_bytes{1500, 6000, 13000, 24000, 37000};   ///< mean frame size per resolution
    std::vector<double> server_accuracy{0.35, 0.60, 0.72, 0.78, 0.81}; ///< A^o_r
    double bytes_spread = 0.25;        ///< sigma of the log-normal content factor, >= 0
    double difficulty_mean = 0.3;      ///< mu: mean of z (NPU accuracy about 0.55)
    double difficulty_sd = 1.6;        ///< sigma of z, >= 0
    double difficulty_correlation = 0.5;  ///< rho in [0, 1): correlation of neighbouring frames
    double confidence_slope = 0.45;    ///< k: raw logit = k z + c + noise, > 0
    double confidence_offset = 1.6;    ///< c
    double confidence_noise = 0.3;     ///< sd of the raw-logit noise, >= 0
};

/**
 * @brief Generates a trace from the model in the file comment.
 * @throws offloadkit::invalid_argument for inconsistent sizes (resolutions, mean_bytes,
 *         server_accuracy), a non-positive byte mean or fps, an accuracy outside [0, 1], a
 *         negative spread/sd/noise, a correlation outside [0, 1) or a non-positive slope.
 * O(frames x resolutions).
 * @code
 * ok::synthetic_trace_options o; o.frames = 900; o.seed = 7;
 * ok::trace t = ok::make_synthetic_trace(o);
 * @endcode
 */
template <class = void>
[[nodiscard]] inline trace make_synthetic_trace(const synthetic_trace_options& o) {
    constexpr const char* fn = "make_synthetic_trace";
    const std::size_t m = o.resolutions.size();
    detail::require_not_empty(m, fn, "resolutions");
    detail::require_same_size(o.mean_bytes.size(), m, fn, "mean_bytes", "resolutions");
    detail::require_same_size(o.server_accuracy.size(), m, fn, "server_accuracy", "resolutions");
    for (std::size_t r = 0; r < m; ++r) {
        detail::require(std::isfinite(o.mean_bytes[r]) && o.mean_bytes[r] >= 1.0, fn, detail::arg_at{"mean_bytes", r},
                        " is ", o.mean_bytes[r], ", expected a finite number >= 1");
    }
    detail::require_unit_interval(std::span<const double>(o.server_accuracy), fn, "server_accuracy");
    detail::require_positive(o.fps, fn, "fps");
    detail::require_non_negative(o.bytes_spread, fn, "bytes_spread");
    detail::require_finite(o.difficulty_mean, fn, "difficulty_mean");
    detail::require_non_negative(o.difficulty_sd, fn, "difficulty_sd");
    detail::require(o.difficulty_correlation >= 0.0 && o.difficulty_correlation < 1.0, fn,
                    "difficulty_correlation is ", o.difficulty_correlation, ", expected a value in [0, 1)");
    detail::require_positive(o.confidence_slope, fn, "confidence_slope");
    detail::require_finite(o.confidence_offset, fn, "confidence_offset");
    detail::require_non_negative(o.confidence_noise, fn, "confidence_noise");

    trace t;
    t.resolutions = o.resolutions;
    const std::size_t n = o.frames;
    t.confidence.resize(n);
    t.npu_correct.resize(n);
    t.bytes.resize(n * m);
    t.server_correct.resize(n * m);
    if (o.with_arrival) {
        t.arrival.resize(n);
    }
    detail::rng g(o.seed);
    const double rho = o.difficulty_correlation;
    const double innovation = std::sqrt(1.0 - rho * rho) * o.difficulty_sd;
    double z = o.difficulty_mean + o.difficulty_sd * g.normal();
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0) {
            z = o.difficulty_mean + rho * (z - o.difficulty_mean) + innovation * g.normal();
        }
        const double q = 1.0 / (1.0 + std::exp(-z));
        t.npu_correct[i] = g.bernoulli(q) ? 1 : 0;
        const double raw = o.confidence_slope * z + o.confidence_offset + o.confidence_noise * g.normal();
        t.confidence[i] = 1.0 / (1.0 + std::exp(-raw));
        const double u = g.uniform();
        const double factor = std::exp(o.bytes_spread * g.normal() - 0.5 * o.bytes_spread * o.bytes_spread);
        for (std::size_t r = 0; r < m; ++r) {
            t.server_correct[i * m + r] = u < o.server_accuracy[r] ? 1 : 0;
            t.bytes[i * m + r] = std::max(1.0, std::round(o.mean_bytes[r] * factor));
        }
        if (o.with_arrival) {
            t.arrival[i] = static_cast<double>(i) / o.fps;
        }
    }
    return t;
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_SIM_SYNTHETIC_HPP
