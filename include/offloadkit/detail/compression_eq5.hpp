#ifndef OFFLOADKIT_DETAIL_COMPRESSION_EQ5_HPP
#define OFFLOADKIT_DETAIL_COMPRESSION_EQ5_HPP

/**
 * @file
 * @brief AMVP eq. 5 (CPB = OTR - (QT + TR + DQ)) on validated inputs: the one cost model of a
 *        feature transfer, shared by decide_compression (metrics/compression.hpp) and the AMVP
 *        planner (multitask/problem.hpp). Kept apart from the quantizer so that the planner does
 *        not parse it (compile cost, issue 14); metrics/compression.hpp checks that the header size
 *        below is kernels/quantize.hpp's quantized_fixed_header_size.
 */

#include <cmath>
#include <cstddef>

namespace offloadkit {

namespace detail {
/// Bytes of a quantized message's fixed header (= quantized_fixed_header_size, asserted there).
inline constexpr std::size_t eq5_fixed_header_size = 20;
}  // namespace detail

/// The terms of eq. 5 for one feature transfer and the resulting decision.
struct compression_decision {
    std::size_t original_bytes = 0;    ///< binary32 feature size
    std::size_t compressed_bytes = 0;  ///< quantized wire message size (header + ranges + payload)
    double original_transfer = 0.0;    ///< OTR = original_bytes / bandwidth
    double quantize_time = 0.0;        ///< QT = original_bytes / quantize_rate
    double compressed_transfer = 0.0;  ///< TR = compressed_bytes / bandwidth
    double dequantize_time = 0.0;      ///< DQ = original_bytes / dequantize_rate
    double benefit = 0.0;              ///< CPB, eq. 5
    bool compress = false;             ///< CPB > 0
};

namespace detail {

/// Eq. 5 on validated inputs (bits 1..16, bandwidth and rates > 0, feature_bytes >= 0), in
/// doubles so that the planner can cost a profiled feature size that is not a whole tensor:
/// count = ceil(feature_bytes / 4) binary32 values, wire = quantized_wire_size(count, bits).
/// The one cost model of a feature transfer, used by decide_compression (the runtime's
/// split_sender) and by the AMVP planner (multitask/problem.hpp).
template <class = void>
inline compression_decision eq5_decision(double feature_bytes, int bits, double bandwidth, double quantize_rate,
                                         double dequantize_rate) noexcept {
    compression_decision d;
    const double count = std::ceil(feature_bytes / 4.0);
    const double wire = static_cast<double>(eq5_fixed_header_size + 8) + std::ceil(count * bits / 8.0);
    d.original_bytes = static_cast<std::size_t>(feature_bytes);
    d.compressed_bytes = static_cast<std::size_t>(wire);
    d.original_transfer = feature_bytes / bandwidth;
    d.quantize_time = feature_bytes / quantize_rate;
    d.compressed_transfer = wire / bandwidth;
    d.dequantize_time = feature_bytes / dequantize_rate;
    d.benefit = d.original_transfer - (d.quantize_time + d.compressed_transfer + d.dequantize_time);
    d.compress = d.benefit > 0.0;
    return d;
}

}  // namespace detail

}  // namespace offloadkit

#endif  // OFFLOADKIT_DETAIL_COMPRESSION_EQ5_HPP
