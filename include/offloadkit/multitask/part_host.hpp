#ifndef OFFLOADKIT_MULTITASK_PART_HOST_HPP
#define OFFLOADKIT_MULTITASK_PART_HOST_HPP

/**
 * @file
 * @brief What a device of an executed AMVP placement hosts (AMVP §IV-B, Fig. 6; §IV-C, Fig. 7b):
 *        one part instance of amvp_deploy (a split CNN's part 1 = FE, its part 2 = FI, or the
 *        whole CNN) behind a type-erased interface, so that the process and link machinery
 *        (backends/tcp/amvp_executor.hpp) does not depend on the inference runtime, and the
 *        runtime's glue (e.g. backends/onnx/amvp_parts.hpp) does not depend on the network.
 *
 * A loader turns an amvp_part_spec (kind, model files) into an amvp_hosted_part: `extract` for
 * part 1 / whole (frame bytes -> features or logits), `receive` for part 2 (a split message of
 * runtime/split_path.hpp -> the task's label, decoding and dequantizing the features as eq. 4-5's
 * codec wrote them).
 */

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "../runtime/split_path.hpp"
#include "deployment.hpp"

namespace offloadkit {

/// One part instance as a worker is asked to host it (an amvp_part_instance with its model files).
struct amvp_part_spec {
    std::size_t index = 0;                       ///< index into amvp_deployment::parts
    amvp_part_kind kind = amvp_part_kind::whole; ///< part 1, part 2 or the whole CNN
    double share = 1.0;                          ///< u, its compute share (eq. 7-8)
    std::string model;                           ///< the model file it runs
    std::string part1_model;                     ///< second: the matching part 1 (its feature layout)
    std::vector<std::uint32_t> tasks;            ///< the tasks it serves (first: every task it feeds)
};

/// A loaded part (AMVP §IV-B): FE / whole through `extract`, FI through `receive`.
struct amvp_hosted_part {
    std::size_t outputs = 0;  ///< first / whole: features (or logits) extract() writes
    /// first / whole: one frame's bytes -> `out` (outputs values); throws on failure.
    std::function<void(std::span<const std::uint8_t> frame, std::span<float> out)> extract;
    /// second: a split message -> the task's label; throws on a malformed message.
    std::function<split_answer(std::span<const std::byte> message)> receive;
};

/// Loads the part a spec names (called once per part by the worker hosting it).
using amvp_part_loader = std::function<amvp_hosted_part(const amvp_part_spec&)>;

/**
 * @brief The split message (runtime/split_path.hpp, AMVP §IV-B: the feature crossing a link,
 *        quantized at `bits` when eq. 5 says it pays) of `features` into `wire`, resized to fit.
 * @return the message size. @throws offloadkit::invalid_argument as encode_split_message.
 */
inline std::size_t amvp_encode_split(std::span<const float> features, bool quantized, int bits, std::uint64_t id,
                                     std::vector<std::byte>& wire) {
    wire.resize(split_message_capacity(features.size(), bits));
    wire.resize(encode_split_message(features, quantized, bits, id, wire));
    return wire.size();
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_MULTITASK_PART_HOST_HPP
