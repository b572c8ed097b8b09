// A minimal protobuf / ONNX writer for tests and benchmarks of the onnx backend: builds models
// (valid or deliberately malformed) byte by byte, from onnx.proto's field numbers, without Python.
#ifndef OFFLOADKIT_TESTS_SUPPORT_ONNX_BUILDER_HPP
#define OFFLOADKIT_TESTS_SUPPORT_ONNX_BUILDER_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

namespace offloadkit::test_onnx {

/// One protobuf message under construction: fields appended in the order written.
struct pb {
    std::vector<std::byte> b;
    pb& varint(std::uint64_t v) {
        do {
            auto byte = static_cast<std::uint8_t>(v & 0x7F);
            v >>= 7;
            if (v != 0) {
                byte |= 0x80;
            }
            b.push_back(static_cast<std::byte>(byte));
        } while (v != 0);
        return *this;
    }
    pb& key(std::uint32_t field, unsigned wire) { return varint((std::uint64_t{field} << 3) | wire); }
    pb& u(std::uint32_t field, std::uint64_t v) { return key(field, 0).varint(v); }
    pb& bytes(std::uint32_t field, std::span<const std::byte> data) {
        key(field, 2).varint(data.size());
        b.insert(b.end(), data.begin(), data.end());
        return *this;
    }
    pb& str(std::uint32_t field, std::string_view s) {
        return bytes(field, std::as_bytes(std::span<const char>(s.data(), s.size())));
    }
    pb& msg(std::uint32_t field, const pb& m) { return bytes(field, m.b); }
};

/// ValueInfoProto of a float tensor with static dims.
inline pb value_info(std::string_view name, std::initializer_list<std::int64_t> dims) {
    pb shape;
    for (const auto d : dims) {
        shape.msg(1, pb{}.u(1, static_cast<std::uint64_t>(d)));
    }
    pb tensor_type;
    tensor_type.u(1, 1).msg(2, shape);
    return pb{}.str(1, name).msg(2, pb{}.msg(1, tensor_type));
}

/// A FLOAT TensorProto with raw_data.
inline pb float_tensor(std::string_view name, std::initializer_list<std::int64_t> dims, std::span<const float> values) {
    pb t;
    for (const auto d : dims) {
        t.u(1, static_cast<std::uint64_t>(d));
    }
    t.u(2, 1).str(8, name).bytes(9, std::as_bytes(values));
    return t;
}

/// AttributeProto of type INTS (7) and INT (2).
inline pb ints_attribute(std::string_view name, std::initializer_list<std::int64_t> values) {
    pb a;
    a.str(1, name);
    for (const auto v : values) {
        a.u(8, static_cast<std::uint64_t>(v));
    }
    return a.u(20, 7);
}
inline pb int_attribute(std::string_view name, std::int64_t value) {
    return pb{}.str(1, name).u(3, static_cast<std::uint64_t>(value)).u(20, 2);
}

/// ModelProto (IR 6, default opset 11) around a graph.
inline std::vector<std::byte> model(const pb& graph) {
    pb m;
    m.u(1, 6).msg(8, pb{}.u(2, 11)).msg(7, graph);
    return m.b;
}

/// Weights in [-scale, scale) from a fixed linear congruential sequence (deterministic everywhere).
inline std::vector<float> weights(std::size_t n, std::uint32_t seed, float scale) {
    std::vector<float> w(n);
    std::uint32_t s = seed;
    for (auto& x : w) {
        s = s * 1664525u + 1013904223u;
        x = (static_cast<float>(s >> 8) / 16777216.0F * 2.0F - 1.0F) * scale;
    }
    return w;
}

/// A small image CNN on 1 x 3 x side x side: three 3x3 stride-2 convolutions (3 -> 16 -> 32 -> 64
/// channels, ReLU), global average pooling and a 64 -> 10 Gemm. About 69 MFLOP at side 224.
inline std::vector<std::byte> cnn(std::int64_t side) {
    pb graph;
    const std::int64_t ch[4] = {3, 16, 32, 64};
    std::string_view in = "x";
    const char* conv_out[3] = {"c1", "c2", "c3"};
    const char* relu_out[3] = {"r1", "r2", "r3"};
    const char* w_name[3] = {"w1", "w2", "w3"};
    const char* b_name[3] = {"b1", "b2", "b3"};
    for (int l = 0; l < 3; ++l) {
        const auto w =
            weights(static_cast<std::size_t>(ch[l + 1] * ch[l] * 9), 11u + static_cast<std::uint32_t>(l), 0.2F);
        const auto bias = weights(static_cast<std::size_t>(ch[l + 1]), 21u + static_cast<std::uint32_t>(l), 0.05F);
        graph.msg(5, float_tensor(w_name[l], {ch[l + 1], ch[l], 3, 3}, w));
        graph.msg(5, float_tensor(b_name[l], {ch[l + 1]}, bias));
        pb conv;
        conv.str(1, in).str(1, w_name[l]).str(1, b_name[l]).str(2, conv_out[l]).str(4, "Conv");
        conv.msg(5, ints_attribute("kernel_shape", {3, 3})).msg(5, ints_attribute("strides", {2, 2}));
        conv.msg(5, ints_attribute("pads", {1, 1, 1, 1}));
        graph.msg(1, conv);
        graph.msg(1, pb{}.str(1, conv_out[l]).str(2, relu_out[l]).str(4, "Relu"));
        in = relu_out[l];
    }
    graph.msg(1, pb{}.str(1, in).str(2, "gap").str(4, "GlobalAveragePool"));
    graph.msg(1, pb{}.str(1, "gap").str(2, "flat").str(4, "Flatten"));
    const auto fw = weights(10 * 64, 31u, 0.3F);
    const auto fb = weights(10, 32u, 0.1F);
    graph.msg(5, float_tensor("fw", {10, 64}, fw)).msg(5, float_tensor("fb", {10}, fb));
    graph.msg(1, pb{}.str(1, "flat")
                     .str(1, "fw")
                     .str(1, "fb")
                     .str(2, "logits")
                     .str(4, "Gemm")
                     .msg(5, int_attribute("transB", 1)));
    graph.str(2, "cnn").msg(11, value_info("x", {1, 3, side, side})).msg(12, value_info("logits", {1, 10}));
    return model(graph);
}

}  // namespace offloadkit::test_onnx

#endif  // OFFLOADKIT_TESTS_SUPPORT_ONNX_BUILDER_HPP
