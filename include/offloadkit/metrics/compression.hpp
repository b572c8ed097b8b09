#ifndef OFFLOADKIT_METRICS_COMPRESSION_HPP
#define OFFLOADKIT_METRICS_COMPRESSION_HPP

/**
 * @file
 * @brief AMVP's feature-compression metrics (AMVP §IV-B, eq. 3-5) and the compress-or-not
 *        decision of §V-B.3 / Fig. 12.
 *
 * CR (eq. 3) = compressed size / original size; fidelity (eq. 4) = 1 - (1/2N) sum Hamming(O_og,
 * O_cp) over one-hot outputs; CPB (eq. 5) = OTR - (QT + TR + DQ). Compressing pays off when CPB > 0:
 * at low bandwidth or for large features (Fig. 12a/b).
 */

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../error.hpp"
#include "../detail/compression_eq5.hpp"
#include "../kernels/quantize.hpp"

namespace offloadkit {

/**
 * @brief Compression rate, AMVP eq. 3: compressed_bytes / original_bytes.
 * @throws offloadkit::invalid_argument if compressed_bytes < 0, original_bytes <= 0 or either is
 *         not finite.
 */
template <class = void>
[[nodiscard]] inline double compression_rate(double compressed_bytes, double original_bytes) {
    detail::require_non_negative(compressed_bytes, "compression_rate", "compressed_bytes");
    detail::require_positive(original_bytes, "compression_rate", "original_bytes");
    return compressed_bytes / original_bytes;
}

/**
 * @brief Eq. 3 for a quantized tensor: its wire size (header, ranges, payload) over the size of
 *        the binary32 features it encodes. 8-bit on AMVP's 14x14x64 feature: 12572 / 50176 = 0.2506.
 * @throws offloadkit::invalid_argument if the tensor is empty.
 */
template <class = void>
[[nodiscard]] inline double compression_rate(const quantized_tensor& qt) {
    detail::require_not_empty(qt.size(), "compression_rate", "qt");
    return static_cast<double>(qt.serialized_size()) / (4.0 * static_cast<double>(qt.size()));
}

/**
 * @brief Fidelity, AMVP eq. 4: 1 - (1 / 2N) * sum_i Hamming(O_i^og, O_i^cp).
 * @param original_onehot N rows of num_classes entries (row-major), each row one-hot (0/1, one 1):
 *        the classification of the original features.
 * @param compressed_onehot the same for the features after quantize + dequantize.
 * @param num_classes row length K >= 1.
 * @return a value in [0, 1]; with one-hot rows it is the fraction of samples whose class agrees.
 * @throws offloadkit::invalid_argument for K == 0, sizes that differ or are not a multiple of K,
 *         an empty input, an entry that is not 0/1, or a row that is not one-hot (named by row).
 * O(N K).
 */
template <class = void>
[[nodiscard]] inline double fidelity(std::span<const std::uint8_t> original_onehot,
                                     std::span<const std::uint8_t> compressed_onehot, std::size_t num_classes) {
    constexpr std::string_view fn = "fidelity";
    detail::require(num_classes >= 1, fn, "num_classes is 0, expected >= 1");
    detail::require_same_size(compressed_onehot.size(), original_onehot.size(), fn, "compressed_onehot",
                              "original_onehot");
    detail::require_not_empty(original_onehot.size(), fn, "original_onehot");
    detail::require(original_onehot.size() % num_classes == 0, fn, "original_onehot has size ",
                    original_onehot.size(), ", not a multiple of num_classes ", num_classes);
    detail::require_binary(original_onehot, fn, "original_onehot");
    detail::require_binary(compressed_onehot, fn, "compressed_onehot");
    const std::size_t n = original_onehot.size() / num_classes;
    std::size_t hamming = 0;
    for (std::size_t i = 0; i < n; ++i) {
        std::size_t ones_og = 0;
        std::size_t ones_cp = 0;
        for (std::size_t k = 0; k < num_classes; ++k) {
            const std::size_t j = i * num_classes + k;
            ones_og += original_onehot[j];
            ones_cp += compressed_onehot[j];
            hamming += original_onehot[j] != compressed_onehot[j] ? 1 : 0;
        }
        detail::require(ones_og == 1, fn, "original_onehot row ", i, " has ", ones_og, " ones, expected 1");
        detail::require(ones_cp == 1, fn, "compressed_onehot row ", i, " has ", ones_cp, " ones, expected 1");
    }
    return 1.0 - static_cast<double>(hamming) / (2.0 * static_cast<double>(n));
}

/**
 * @brief Eq. 4 from class indices: a one-hot pair at Hamming distance 2 exactly when the classes
 *        differ, so fidelity = fraction of equal classes.
 * @throws offloadkit::invalid_argument for empty or differently sized inputs.
 */
template <class = void>
[[nodiscard]] inline double fidelity(std::span<const std::size_t> original_classes,
                                     std::span<const std::size_t> compressed_classes) {
    detail::require_same_size(compressed_classes.size(), original_classes.size(), "fidelity", "compressed_classes",
                              "original_classes");
    detail::require_not_empty(original_classes.size(), "fidelity", "original_classes");
    std::size_t hamming = 0;
    for (std::size_t i = 0; i < original_classes.size(); ++i) {
        hamming += original_classes[i] != compressed_classes[i] ? 2 : 0;
    }
    return 1.0 - static_cast<double>(hamming) / (2.0 * static_cast<double>(original_classes.size()));
}

/**
 * @brief Compression benefit, AMVP eq. 5: CPB = OTR - (QT + TR + DQ), all in seconds.
 * @throws offloadkit::invalid_argument if any time is negative or not finite.
 */
template <class = void>
[[nodiscard]] inline double compression_benefit(double original_transfer, double quantize_time,
                                                double compressed_transfer, double dequantize_time) {
    constexpr std::string_view fn = "compression_benefit";
    detail::require_non_negative(original_transfer, fn, "original_transfer");
    detail::require_non_negative(quantize_time, fn, "quantize_time");
    detail::require_non_negative(compressed_transfer, fn, "compressed_transfer");
    detail::require_non_negative(dequantize_time, fn, "dequantize_time");
    return original_transfer - (quantize_time + compressed_transfer + dequantize_time);
}

// compression_decision and detail::eq5_decision live in detail/compression_eq5.hpp, so that the
// AMVP planner (multitask/problem.hpp) has eq. 5 without the quantizer (compile cost, issue 14).
static_assert(detail::eq5_fixed_header_size == quantized_fixed_header_size,
              "eq. 5's wire size must match the quantized message's fixed header");

/**
 * @brief Is quantizing a feature before sending it worth it (AMVP Fig. 12)?
 *
 * The same computation as the AMVP planner's transfer cost (amvp_feature_codec in
 * multitask/problem.hpp), so a placement and the runtime that executes it agree on which links
 * carry quantized features.
 * @param feature_bytes size of the binary32 feature map (a multiple of 4).
 * @param bits quantizer width (AMVP uses 8).
 * @param bandwidth link bandwidth in bytes per second.
 * @param quantize_rate measured quantize throughput, feature bytes per second (e.g. from
 *        benchmarks/bench_multitask.cpp or a timing of quantize() on the device).
 * @param dequantize_rate measured dequantize throughput, feature bytes per second.
 * @return the eq. 5 terms; compress = CPB > 0. Compression wins at low bandwidth and for large
 *         features, loses when (de)quantization costs more than the transfer time it saves.
 * @throws offloadkit::invalid_argument for bits outside 1..16, feature_bytes not a multiple of 4,
 *         or rates/bandwidth not finite and > 0.
 * @code
 * auto d = ok::decide_compression(50176, 8, 30e6 / 8, 400e6, 800e6);  // 50 KB at 30 Mbps
 * if (d.compress) { ... quantize_to_wire(...) ... }
 * @endcode
 */
template <class = void>
[[nodiscard]] inline compression_decision decide_compression(std::size_t feature_bytes, int bits, double bandwidth,
                                                             double quantize_rate, double dequantize_rate) {
    constexpr std::string_view fn = "decide_compression";
    detail::require(feature_bytes % 4 == 0, fn, "feature_bytes is ", feature_bytes,
                    ", expected a multiple of 4 (binary32 features)");
    detail::require_positive(bandwidth, fn, "bandwidth");
    detail::require_positive(quantize_rate, fn, "quantize_rate");
    detail::require_positive(dequantize_rate, fn, "dequantize_rate");
    detail::require(bits >= 1 && bits <= 16, fn, "bits is ", bits, ", expected 1..16");
    const std::size_t wire = quantized_wire_size(feature_bytes / 4, bits);
    auto d = detail::eq5_decision(static_cast<double>(feature_bytes), bits, bandwidth, quantize_rate, dequantize_rate);
    d.original_bytes = feature_bytes;
    d.compressed_bytes = wire;
    return d;
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_METRICS_COMPRESSION_HPP
