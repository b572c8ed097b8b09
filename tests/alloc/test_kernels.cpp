// Kernels on the per-frame paths do not allocate once their buffers exist: SPP (ApproxNet's
// outports, ApproxNet §4.1), the feature quantizer and its wire form (AMVP's split path, AMVP
// §IV-B), the scene change detector and the complexity categorizer (ApproxNet §4.2).
#include <offloadkit/detail/random.hpp>
#include <offloadkit/kernels/complexity.hpp>
#include <offloadkit/kernels/quantize.hpp>
#include <offloadkit/kernels/scene_change.hpp>
#include <offloadkit/kernels/spp.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "alloc/counting.hpp"

namespace ok = offloadkit;
using offloadkit::test_alloc::allocations_during;

TEST_CASE("SPP max and average pooling, single and batch, CHW and HWC, do not allocate") {
    ok::detail::rng g(5);
    // Shapes of the fast paths: small maps (transposed blocks), wide maps (segments), a level
    // above 64 bins per axis (the reference), HWC, and the batch form.
    struct shape {
        std::size_t c, h, w;
    };
    for (const auto s : {shape{64, 7, 7}, shape{16, 28, 28}, shape{3, 80, 700}, shape{8, 70, 70}}) {
        CAPTURE(s.c);
        CAPTURE(s.h);
        CAPTURE(s.w);
        std::vector<float> in(2 * s.c * s.h * s.w);
        for (auto& v : in) {
            v = static_cast<float>(g.uniform(-1.0, 1.0));
        }
        const std::span<const float> one(in.data(), s.c * s.h * s.w);
        const std::vector<std::size_t> levels = s.h >= 70 ? std::vector<std::size_t>{1, 2, 65} : std::vector<std::size_t>{1, 2, 3};
        std::vector<float> out(ok::spp_output_size(s.c, levels));
        std::vector<float> out2(2 * out.size());
        CHECK(allocations_during([&] {
                  ok::spp_max_pool(one, s.c, s.h, s.w, levels, out);
                  ok::spp_avg_pool(one, s.c, s.h, s.w, levels, out);
                  ok::spp_max_pool(one, s.c, s.h, s.w, levels, out, ok::spp_rule::adaptive);
                  ok::spp_max_pool(one, s.c, s.h, s.w, levels, out, ok::spp_rule::paper, ok::tensor_layout::hwc);
                  ok::spp_avg_pool(one, s.c, s.h, s.w, levels, out, ok::spp_rule::adaptive, ok::tensor_layout::hwc);
                  ok::spp_max_pool_batch(in, 2, s.c, s.h, s.w, levels, out2);
                  ok::spp_avg_pool_batch(in, 2, s.c, s.h, s.w, levels, out2);
              }) == 0);
    }
    std::vector<double> in_d(64 * 14 * 14, 0.25);
    std::vector<double> out_d(ok::spp_output_size(64, ok::spp_default_levels));
    CHECK(allocations_during([&] { ok::spp_max_pool(in_d, 64, 14, 14, ok::spp_default_levels, out_d); }) == 0);
}

TEST_CASE("quantize_into a reused tensor, dequantize, the wire forms and deserialize-into do not allocate") {
    ok::detail::rng g(9);
    std::vector<float> features(14 * 14 * 64);  // AMVP's feature map
    for (auto& v : features) {
        v = static_cast<float>(g.normal());
    }
    std::vector<float> smaller(features.begin(), features.begin() + 1000);
    const ok::quantize_options hwc{ok::channel_layout::hwc, 64};
    ok::quantized_tensor qt;
    ok::quantize_into(features, 8, qt);  // warm-up: the tensor's storage reaches its largest size
    ok::quantize_into(features, 16, qt, hwc);
    std::vector<float> back(features.size());
    std::vector<std::byte> wire(ok::quantized_wire_size(features.size(), 16, 64));
    ok::quantized_tensor rx;
    (void)ok::quantize_to_wire(features, 16, wire, hwc);
    ok::quantized_tensor::deserialize(wire, rx);  // warm-up of the receiving tensor
    CHECK(allocations_during([&] {
              for (const int bits : {1, 4, 8, 12, 16}) {
                  ok::quantize_into(features, bits, qt);
                  ok::dequantize(qt, back);
                  ok::quantize_into(features, bits, qt, hwc);
                  ok::dequantize(qt, back);
                  ok::quantize_into(smaller, bits, qt);  // smaller input, same storage
                  (void)qt.serialize_into(wire);
                  ok::quantized_tensor::deserialize(std::span<const std::byte>(wire).first(qt.serialized_size()), rx);
                  const std::size_t n = ok::quantize_to_wire(features, bits, wire, hwc);
                  (void)ok::dequantize_wire(std::span<const std::byte>(wire).first(n), back);
                  ok::quantized_tensor::deserialize(std::span<const std::byte>(wire).first(n), rx);
              }
          }) == 0);
    CHECK(rx.size() == features.size());
}

TEST_CASE("scene change detector and complexity categorizer on reused buffers do not allocate") {
    const std::size_t h = 120, w = 160;
    std::vector<std::uint8_t> a(h * w * 3, 40);
    std::vector<std::uint8_t> b(h * w * 3);
    for (std::size_t i = 0; i < b.size(); ++i) {
        b[i] = static_cast<std::uint8_t>((i * 37) % 251);
    }
    std::vector<std::uint8_t> gray(h * (w + 8), 90);  // padded rows
    const ok::image_view va{a, h, w};
    const ok::image_view vb{b, h, w, ok::pixel_format::bgr};
    const ok::image_view vg{gray, h, w, ok::pixel_format::gray, w + 8};
    ok::scene_change_options so;
    so.interval = 2;
    ok::scene_change_detector scd(so);
    ok::complexity_estimator ice(ok::complexity_categories({0.02, 0.05, 0.1}), w);
    std::vector<float> map(h * w);
    std::size_t changes = 0;
    std::size_t categories = 0;
    CHECK(allocations_during([&] {
              for (int f = 0; f < 40; ++f) {
                  const ok::image_view& v = f % 10 < 5 ? va : (f % 3 == 0 ? vg : vb);
                  const auto r = scd.step(v);
                  changes += r.changed ? 1 : 0;
                  (void)scd.score(v);
                  categories += ice.category(v);
                  (void)ice.mean_edge_value(v);
                  (void)ice.edge_map(v, map);
              }
          }) == 0);
    CHECK(changes > 2);
    CHECK(categories > 0);
    // Narrower frames reuse the buffer; only a wider frame than reserved may allocate.
    std::vector<std::uint8_t> narrow(10 * 20 * 3, 7);
    CHECK(allocations_during([&] { (void)ice.category(ok::image_view{narrow, 10, 20}); }) == 0);
}
