// offloadkit Python bindings: spatial pyramid pooling (ApproxNet §4.1) and the uniform feature
// quantizer (AMVP §IV-B, eq. 1).
#include "common.hpp"

namespace okpy {
namespace {

ok::spp_rule parse_rule(const std::string& s, std::string_view fn) {
    return parse_choice<ok::spp_rule>(s, fn, "rule", {{"paper", ok::spp_rule::paper}, {"adaptive", ok::spp_rule::adaptive}});
}

template <bool Max>
py::array spp(py::handle x, const std::vector<std::size_t>& levels, const std::string& rule, const char* fn) {
    const ok::spp_rule r = parse_rule(rule, fn);
    const real_array a = as_real(x, fn, "x", -1);
    if (a.ndim() != 3 && a.ndim() != 4) {
        value_error(fn, "x has " + std::to_string(a.ndim()) + " dimensions, expected 3 (CHW) or 4 (NCHW)");
    }
    const bool batch = a.ndim() == 4;
    const std::size_t n = batch ? a.shape(0) : 1;
    const int o = batch ? 1 : 0;
    const std::size_t c = a.shape(o), h = a.shape(o + 1), w = a.shape(o + 2);
    const std::size_t per = ok::spp_output_size(c, levels);
    return a.visit([&](auto in) -> py::array {
        using T = std::remove_const_t<typename decltype(in)::element_type>;
        py::array_t<T> out = batch ? py::array_t<T>({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(per)})
                                   : py::array_t<T>(static_cast<py::ssize_t>(per));
        std::span<T> os(out.mutable_data(), n * per);
        py::gil_scoped_release release;
        if constexpr (Max) {
            ok::spp_max_pool_batch(in, n, c, h, w, levels, os, r);
        } else {
            ok::spp_avg_pool_batch(in, n, c, h, w, levels, os, r);
        }
        return out;
    });
}

ok::channel_layout parse_layout(const std::string& s) {
    return parse_choice<ok::channel_layout>(s, "quantize", "layout",
                                            {{"per_tensor", ok::channel_layout::per_tensor},
                                             {"chw", ok::channel_layout::chw},
                                             {"hwc", ok::channel_layout::hwc}});
}

std::string layout_name(ok::channel_layout l) {
    switch (l) {
        case ok::channel_layout::chw: return "chw";
        case ok::channel_layout::hwc: return "hwc";
        default: return "per_tensor";
    }
}

}  // namespace

void bind_kernels(py::module_& m) {
    m.def("spp_max_pool", [](py::handle x, const std::vector<std::size_t>& l, const std::string& r) { return spp<true>(x, l, r, "spp_max_pool"); }, py::arg("x"), py::arg("levels") = std::vector<std::size_t>{1, 2, 3},
          py::arg("rule") = "paper",
          "Spatial pyramid max pooling (ApproxNet §4.1; He et al. 2014): CHW -> C*sum(l*l) values, NCHW -> "
          "(N, C*sum(l*l)); order = torch.cat([pool(x).flatten(1) for l in levels], 1). float32 stays float32.");
    m.def("spp_avg_pool", [](py::handle x, const std::vector<std::size_t>& l, const std::string& r) { return spp<false>(x, l, r, "spp_avg_pool"); }, py::arg("x"), py::arg("levels") = std::vector<std::size_t>{1, 2, 3},
          py::arg("rule") = "paper", "Spatial pyramid average pooling (ApproxNet §4.1), same shapes as spp_max_pool.");

    py::class_<ok::quantized_tensor>(m, "QuantizedTensor",
                                     "Features quantized to `bits` per value with min/max ranges (AMVP §IV-B, eq. 1).")
        .def_property_readonly("bits", &ok::quantized_tensor::bits)
        .def_property_readonly("min", &ok::quantized_tensor::min)
        .def_property_readonly("max", &ok::quantized_tensor::max)
        .def_property_readonly("size", &ok::quantized_tensor::size, "element count")
        .def_property_readonly("layout", [](const ok::quantized_tensor& q) { return layout_name(q.layout()); })
        .def_property_readonly("channels", &ok::quantized_tensor::channels)
        .def_property_readonly("channel_mins", [](const ok::quantized_tensor& q) { return to_numpy(q.channel_mins()); })
        .def_property_readonly("channel_maxs", [](const ok::quantized_tensor& q) { return to_numpy(q.channel_maxs()); })
        .def_property_readonly("payload", [](const ok::quantized_tensor& q) {
            const auto p = q.payload();
            return py::bytes(reinterpret_cast<const char*>(p.data()), p.size()); }, "bit-packed codes, ceil(size*bits/8) bytes")
        .def("serialize", [](const ok::quantized_tensor& q) {
            const auto w = q.serialize();
            return py::bytes(reinterpret_cast<const char*>(w.data()), w.size()); },
            "The versioned wire form (docs/wire-format.md) as bytes.")
        .def_static("deserialize", [](const py::bytes& b) {
            const std::string_view s = b;
            return ok::quantized_tensor::deserialize(std::span<const std::byte>(reinterpret_cast<const std::byte*>(s.data()), s.size())); },
            py::arg("data"), "Reads serialize()'s bytes; any malformed input raises ValueError.")
        .def("__len__", &ok::quantized_tensor::size)
        .def("__eq__", [](const ok::quantized_tensor& l, const ok::quantized_tensor& r) { return l.serialize() == r.serialize(); })
        .def("__repr__", [](const ok::quantized_tensor& q) {
            return "QuantizedTensor(size=" + std::to_string(q.size()) + ", bits=" + std::to_string(q.bits()) +
                   ", layout='" + layout_name(q.layout()) + "')"; });
    m.def(
        "quantize",
        [](py::handle x, int bits, const std::string& layout, std::size_t channels) {
            const ok::quantize_options o{parse_layout(layout), channels};
            const py::array_t<float> a = as_float32(x, "quantize", "features");
            std::span<const float> s(a.data(), static_cast<std::size_t>(a.size()));
            py::gil_scoped_release release;
            return ok::quantize(s, bits, o);
        },
        py::arg("features"), py::arg("bits") = 8, py::arg("layout") = "per_tensor", py::arg("channels") = 1,
        "code = floor((x - min) / (max - min) * (2^bits - 1) + 0.5) (AMVP §IV-B, eq. 1); bits in [1, 16]. The "
        "array is flattened in C order; non-float32 input is converted to float32.");
    m.def(
        "dequantize",
        [](const ok::quantized_tensor& q) {
            py::array_t<float> out(static_cast<py::ssize_t>(q.size()));
            ok::dequantize(q, std::span<float>(out.mutable_data(), q.size()));
            return out;
        },
        py::arg("qt"), "x^ = min + code * (max - min) / (2^bits - 1) (AMVP §IV-B), a 1-D float32 array.");
}

}  // namespace okpy
