#ifndef OFFLOADKIT_BACKENDS_ONNX_AMVP_PARTS_HPP
#define OFFLOADKIT_BACKENDS_ONNX_AMVP_PARTS_HPP

/**
 * @file
 * @brief ONNX parts of split CNNs for an executed AMVP placement (AMVP §IV-B, Fig. 6): an
 *        amvp_part_loader (multitask/part_host.hpp) that loads part 1 (FE) or the whole CNN as an
 *        onnx_feature_extractor and part 2 (FI) as a split_receiver over onnx_feature_inference,
 *        checked against its part 1's feature layout. Part of the onnx backend.
 */

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "../../error.hpp"
#include "../../multitask/part_host.hpp"
#include "../../runtime/split_path.hpp"
#include "../onnx.hpp"

namespace offloadkit {

/// The frames a hosted part 1 / whole CNN receives: raw pixels of this geometry.
struct amvp_frame_geometry {
    std::size_t height = 0;
    std::size_t width = 0;
    pixel_format format = pixel_format::gray;
};

/**
 * @brief Loads AMVP parts from ONNX files (AMVP §IV-B): part 1 / whole -> extract(frame) through
 *        `pre`; part 2 -> receive(split message) with part 1 (spec.part1_model) giving the
 *        feature shape it must read.
 * @code
 * auto load = ok::amvp_onnx_part_loader(pre, {28, 28, ok::pixel_format::gray});
 * ok::amvp_hosted_part p = load(spec);
 * @endcode
 * @throws offloadkit::invalid_argument (when called) for a model that does not load or parts whose
 *         shapes do not match, as onnx_model::load / onnx_feature_inference.
 */
inline amvp_part_loader amvp_onnx_part_loader(image_preprocess pre, amvp_frame_geometry frame) {
    detail::require(frame.height >= 1 && frame.width >= 1, "amvp_onnx_part_loader", "frame is ", frame.height, "x",
                    frame.width, ", expected at least 1x1");
    return [pre, frame](const amvp_part_spec& spec) {
        amvp_hosted_part h;
        if (spec.kind == amvp_part_kind::second) {
            const onnx_feature_extractor shape(onnx_model::load(spec.part1_model), pre);
            auto rx = std::make_shared<split_receiver<onnx_feature_inference>>(
                onnx_feature_inference(onnx_model::load(spec.model), shape));
            h.receive = [rx](std::span<const std::byte> message) { return rx->receive(message); };
            return h;
        }
        auto fe = std::make_shared<onnx_feature_extractor>(onnx_model::load(spec.model), pre);
        h.outputs = fe->feature_count();
        h.extract = [fe, frame](std::span<const std::uint8_t> pixels, std::span<float> out) {
            (void)fe->extract(image_view{pixels, frame.height, frame.width, frame.format, 0}, out);
        };
        return h;
    };
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_BACKENDS_ONNX_AMVP_PARTS_HPP
