#ifndef OFFLOADKIT_BACKENDS_DETAIL_ONNX_PROTO_HPP
#define OFFLOADKIT_BACKENDS_DETAIL_ONNX_PROTO_HPP

/**
 * @file
 * @brief A structural check of an ONNX model's protobuf bytes, run before the bytes reach
 *        OpenCV's importer, and the summary of the graph's inputs and outputs it yields.
 *
 * Why it exists: OpenCV 4.6's ONNX importer trusts what it reads. Its `getMatFromTensor` sizes a
 * tensor from `TensorProto.dims` and then reads that many elements from the payload without
 * comparing the two, so an initializer whose dims claim more than its `raw_data` holds makes the
 * importer read past the buffer (fixed upstream only in 2026: opencv/opencv#29314). OpenCV 4.6
 * also cannot report a graph's input shapes or count its inputs. This reader walks the wire
 * format (varints, lengths, wire types; opencv_onnx's field numbers from onnx.proto) and checks:
 *
 * - every field is well formed: varints of at most 10 bytes, lengths inside their message,
 *   wire types 0, 1, 2 or 5 (groups are rejected), nesting at most 16 graphs deep;
 * - a singular sub-message the importer reads (ModelProto.graph, AttributeProto.t, a value's
 *   type and shape, ...) appears at most once: protobuf would silently merge two of them;
 * - every tensor (graph initializers, attribute tensors, at any depth) has a known data type,
 *   at most 32 dims each in [0, 2^31 - 1], exactly one payload (`raw_data` or the one typed
 *   field its data type uses) holding exactly as many elements as the dims say, and neither
 *   external data, segments nor sparse form (OpenCV 4.6 supports none of them);
 * - every graph input and output declares a tensor type with a shape whose dims are values >= 0
 *   or symbolic names;
 * - in the main graph, every tensor name a node reads is defined before it (graph input,
 *   initializer or an earlier node's output), no name is defined twice and every graph output is
 *   defined: OpenCV 4.6 dereferences a null pointer for a node input nothing defines (found by
 *   tests/fuzz/fuzz_onnx_model.cpp). Sub-graphs (If, Loop) are only checked as bytes: OpenCV 4.6
 *   imports none.
 *
 * Fields it does not interpret are skipped as opaque bytes: protobuf itself rejects them if they
 * are malformed, and the importer does not size memory from them. Complexity O(bytes); allocates
 * the summary's strings and vectors.
 */

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "../../error.hpp"

namespace offloadkit::detail::onnx_proto {

/// One dimension of a declared tensor shape: a value, or a symbolic name (dim_param), or nothing.
struct dimension {
    std::int64_t value = 0;  ///< dim_value (0 when symbolic or absent)
    bool symbolic = false;   ///< dim_param given (or neither field given)
};

/// A graph input or output: its name, element type (TensorProto.DataType) and declared shape.
struct value_info {
    std::string name;
    std::int32_t elem_type = 0;  ///< 1 = FLOAT
    std::vector<dimension> dims;
};

/// What the check learns about the model: the graph's inputs that are not initializers (what a
/// caller must feed), and its outputs.
struct model_summary {
    std::vector<value_info> inputs;
    std::vector<value_info> outputs;
};

/// Bytes per element of an ONNX TensorProto.DataType, 0 for an unknown type or STRING (8).
[[nodiscard]] constexpr std::size_t element_bytes(std::int64_t data_type) noexcept {
    switch (data_type) {
        case 1:
            return 4;  // FLOAT
        case 2:
            return 1;  // UINT8
        case 3:
            return 1;  // INT8
        case 4:
            return 2;  // UINT16
        case 5:
            return 2;  // INT16
        case 6:
            return 4;  // INT32
        case 7:
            return 8;  // INT64
        case 9:
            return 1;  // BOOL
        case 10:
            return 2;  // FLOAT16
        case 11:
            return 8;  // DOUBLE
        case 12:
            return 4;  // UINT32
        case 13:
            return 8;  // UINT64
        case 14:
            return 8;  // COMPLEX64
        case 15:
            return 16;  // COMPLEX128
        case 16:
            return 2;  // BFLOAT16
        default:
            return 0;
    }
}

/// The field number of the typed payload a TensorProto of `data_type` uses (onnx.proto: float_data
/// 4, int32_data 5, string_data 6, int64_data 7, double_data 10, uint64_data 11), and how many
/// entries of it one element takes (complex types: 2).
struct typed_payload {
    std::uint32_t field = 0;
    std::size_t per_element = 1;
};

[[nodiscard]] constexpr typed_payload typed_payload_of(std::int64_t data_type) noexcept {
    switch (data_type) {
        case 1:
            return {4, 1};
        case 14:
            return {4, 2};
        case 2:
        case 3:
        case 4:
        case 5:
        case 6:
        case 9:
        case 10:
        case 16:
            return {5, 1};
        case 8:
            return {6, 1};
        case 7:
            return {7, 1};
        case 11:
            return {10, 1};
        case 15:
            return {10, 2};
        case 12:
        case 13:
            return {11, 1};
        default:
            return {};
    }
}

/// Reads one model's bytes; every error throws offloadkit::invalid_argument
/// "function: 'name': <what> at byte <offset>".
class checker {
public:
    checker(std::span<const std::uint8_t> bytes, std::string_view function, std::string_view name) noexcept
        : base_(bytes.data()), size_(bytes.size()), function_(function), name_(name) {}

    /// Checks the whole model and returns its inputs (minus initializers) and outputs.
    model_summary check_model() {
        model_summary summary;
        region r{base_, base_ + size_};
        bool graph_seen = false;
        field f;
        while (next(r, f)) {
            if (f.number == 7) {  // ModelProto.graph
                expect_wire(f, wire_bytes, "ModelProto.graph");
                require_once(graph_seen, f, "ModelProto.graph");
                check_graph(f.bytes, 0, &summary);
            }
        }
        if (!graph_seen) {
            fail(function_, "'", name_, "': not an ONNX model (no graph)");
        }
        return summary;
    }

private:
    static constexpr unsigned wire_varint = 0;
    static constexpr unsigned wire_fixed64 = 1;
    static constexpr unsigned wire_bytes = 2;
    static constexpr unsigned wire_fixed32 = 5;
    static constexpr int max_graph_depth = 16;
    static constexpr std::size_t max_dims = 32;  // OpenCV's CV_MAX_DIM

    struct region {
        const std::uint8_t* p = nullptr;
        const std::uint8_t* end = nullptr;
    };
    struct field {
        std::uint32_t number = 0;
        unsigned wire = 0;
        std::uint64_t value = 0;  ///< varint / fixed value
        region bytes;             ///< payload of a length-delimited field
        std::size_t offset = 0;   ///< where the field's key starts
    };

    const std::uint8_t* base_;
    std::size_t size_;
    std::string_view function_;
    std::string_view name_;

    [[noreturn]] void error(std::size_t offset, std::string_view what) const {
        fail(function_, "'", name_, "': malformed ONNX model: ", what, " at byte ", offset);
    }
    [[nodiscard]] std::size_t offset_of(const std::uint8_t* p) const noexcept {
        return static_cast<std::size_t>(p - base_);
    }

    std::uint64_t read_varint(region& r) const {
        std::uint64_t v = 0;
        const std::uint8_t* start = r.p;
        for (int i = 0; i < 10; ++i) {
            if (r.p == r.end) {
                error(offset_of(start), "truncated varint");
            }
            const std::uint8_t b = *r.p++;
            if (i == 9 && b > 1) {
                error(offset_of(start), "varint longer than 64 bits");
            }
            v |= static_cast<std::uint64_t>(b & 0x7Fu) << (7 * i);
            if ((b & 0x80u) == 0) {
                return v;
            }
        }
        error(offset_of(start), "varint longer than 10 bytes");
    }

    /// Reads the next field of `r` into `f`; false at the end of the region.
    bool next(region& r, field& f) const {
        if (r.p == r.end) {
            return false;
        }
        f.offset = offset_of(r.p);
        const std::uint64_t key = read_varint(r);
        const std::uint64_t number = key >> 3;
        f.wire = static_cast<unsigned>(key & 7u);
        if (number == 0 || number > (1u << 29) - 1) {
            error(f.offset, "invalid field number");
        }
        f.number = static_cast<std::uint32_t>(number);
        switch (f.wire) {
            case wire_varint:
                f.value = read_varint(r);
                break;
            case wire_fixed64:
            case wire_fixed32: {
                const std::size_t n = f.wire == wire_fixed64 ? 8 : 4;
                if (static_cast<std::size_t>(r.end - r.p) < n) {
                    error(f.offset, "truncated fixed-size field");
                }
                f.value = 0;
                for (std::size_t i = 0; i < n; ++i) {
                    f.value |= static_cast<std::uint64_t>(r.p[i]) << (8 * i);
                }
                r.p += n;
                break;
            }
            case wire_bytes: {
                const std::uint64_t len = read_varint(r);
                if (len > static_cast<std::uint64_t>(r.end - r.p)) {
                    error(f.offset, "length-delimited field runs past its message");
                }
                f.bytes = {r.p, r.p + len};
                r.p += len;
                break;
            }
            default:
                error(f.offset, "unsupported wire type (group or invalid)");
        }
        return true;
    }

    void expect_wire(const field& f, unsigned wire, std::string_view what) const {
        if (f.wire != wire) {
            fail(function_, "'", name_, "': malformed ONNX model: ", what, " has wire type ", f.wire, ", expected ",
                 wire, " at byte ", f.offset);
        }
    }
    void require_once(bool& seen, const field& f, std::string_view what) const {
        if (seen) {
            fail(function_, "'", name_, "': malformed ONNX model: ", what,
                 " appears twice (protobuf would merge the two) at byte ", f.offset);
        }
        seen = true;
    }
    static std::string_view as_view(region r) noexcept {
        return {reinterpret_cast<const char*>(r.p), static_cast<std::size_t>(r.end - r.p)};
    }
    static std::string as_string(region r) {
        return {reinterpret_cast<const char*>(r.p), static_cast<std::size_t>(r.end - r.p)};
    }

    /// GraphProto: node 1, initializer 5, input 11, output 12, value_info 13, sparse_initializer 15.
    void check_graph(region g, int depth, model_summary* top) {
        if (depth >= max_graph_depth) {
            error(offset_of(g.p), "graphs nested more than 16 deep");
        }
        std::vector<std::string> initializers;
        std::vector<value_info> inputs;
        std::vector<node_names> nodes;
        field f;
        while (next(g, f)) {
            switch (f.number) {
                case 1:
                    expect_wire(f, wire_bytes, "GraphProto.node");
                    nodes.push_back(check_node(f.bytes, depth));
                    nodes.back().offset = f.offset;
                    break;
                case 5:
                    expect_wire(f, wire_bytes, "GraphProto.initializer");
                    initializers.push_back(check_tensor(f.bytes, f.offset));
                    break;
                case 11:
                    expect_wire(f, wire_bytes, "GraphProto.input");
                    inputs.push_back(check_value_info(f.bytes, "graph input"));
                    break;
                case 12: {
                    expect_wire(f, wire_bytes, "GraphProto.output");
                    value_info v = check_value_info(f.bytes, "graph output");
                    if (top != nullptr) {
                        top->outputs.push_back(std::move(v));
                    }
                    break;
                }
                case 13:
                    expect_wire(f, wire_bytes, "GraphProto.value_info");
                    (void)check_value_info(f.bytes, "value_info");
                    break;
                case 15:
                    error(f.offset, "sparse initializers are not supported");
                default:
                    break;
            }
        }
        if (top == nullptr) {
            return;  // OpenCV 4.6 imports no sub-graph (If, Loop, Scan): only their bytes are checked
        }
        // Every name a node reads is defined before it (a graph input, an initializer or an earlier
        // node's output; "" is an absent optional input), every name is defined once, and every
        // graph output is defined: OpenCV 4.6 dereferences a null layer for an undefined input.
        std::unordered_set<std::string_view> defined;
        for (const auto& name : initializers) {
            if (!defined.insert(name).second) {
                fail(function_, "'", name_, "': malformed ONNX model: two initializers are named '", name, "'");
            }
        }
        for (const auto& in : inputs) {
            defined.insert(in.name);  // an input may repeat an initializer's name (its default value)
        }
        for (const auto& node : nodes) {
            for (const auto& in : node.inputs) {
                if (!in.empty() && defined.count(in) == 0) {
                    fail(function_, "'", name_, "': malformed ONNX model: the node at byte ", node.offset, " reads '",
                         in, "', which no graph input, initializer or earlier node defines");
                }
            }
            for (const auto& out : node.outputs) {
                if (!out.empty() && !defined.insert(out).second) {
                    fail(function_, "'", name_, "': malformed ONNX model: the node at byte ", node.offset, " defines '",
                         out, "' a second time");
                }
            }
        }
        for (const auto& out : top->outputs) {
            if (defined.count(out.name) == 0) {
                fail(function_, "'", name_, "': malformed ONNX model: graph output '", out.name, "' is never defined");
            }
        }
        for (auto& in : inputs) {
            bool is_initializer = false;
            for (const auto& name : initializers) {
                is_initializer = is_initializer || name == in.name;
            }
            if (!is_initializer) {
                top->inputs.push_back(std::move(in));
            }
        }
    }

    /// The tensor names one node reads and defines (views into the model's bytes).
    struct node_names {
        std::vector<std::string_view> inputs;
        std::vector<std::string_view> outputs;
        std::size_t offset = 0;
    };

    /// NodeProto: input 1, output 2, attribute 5.
    node_names check_node(region n, int depth) {
        node_names names;
        field f;
        while (next(n, f)) {
            if (f.number == 1 || f.number == 2) {
                expect_wire(f, wire_bytes, f.number == 1 ? "NodeProto.input" : "NodeProto.output");
                (f.number == 1 ? names.inputs : names.outputs).push_back(as_view(f.bytes));
            } else if (f.number == 5) {
                expect_wire(f, wire_bytes, "NodeProto.attribute");
                check_attribute(f.bytes, depth);
            }
        }
        return names;
    }

    /// AttributeProto: t 5, g 6, tensors 10, graphs 11, sparse_tensor 22, sparse_tensors 23.
    void check_attribute(region a, int depth) {
        bool t_seen = false;
        bool g_seen = false;
        field f;
        while (next(a, f)) {
            switch (f.number) {
                case 5:
                    expect_wire(f, wire_bytes, "AttributeProto.t");
                    require_once(t_seen, f, "AttributeProto.t");
                    (void)check_tensor(f.bytes, f.offset);
                    break;
                case 10:
                    expect_wire(f, wire_bytes, "AttributeProto.tensors");
                    (void)check_tensor(f.bytes, f.offset);
                    break;
                case 6:
                    expect_wire(f, wire_bytes, "AttributeProto.g");
                    require_once(g_seen, f, "AttributeProto.g");
                    check_graph(f.bytes, depth + 1, nullptr);
                    break;
                case 11:
                    expect_wire(f, wire_bytes, "AttributeProto.graphs");
                    check_graph(f.bytes, depth + 1, nullptr);
                    break;
                case 22:
                case 23:
                    error(f.offset, "sparse tensor attributes are not supported");
                default:
                    break;
            }
        }
    }

    /// Counts the entries of a repeated scalar field occurrence: packed (wire 2) or one value.
    std::uint64_t count_entries(const field& f, unsigned element_wire, std::string_view what) const {
        if (f.wire == element_wire) {
            return 1;
        }
        expect_wire(f, wire_bytes, what);
        const auto len = static_cast<std::size_t>(f.bytes.end - f.bytes.p);
        if (element_wire == wire_fixed32 || element_wire == wire_fixed64) {
            const std::size_t w = element_wire == wire_fixed32 ? 4 : 8;
            if (len % w != 0) {
                error(f.offset, "packed fixed-size field with a partial element");
            }
            return len / w;
        }
        region r = f.bytes;
        std::uint64_t n = 0;
        while (r.p != r.end) {
            (void)read_varint(r);
            ++n;
        }
        return n;
    }

    /// TensorProto: dims 1, data_type 2, segment 3, float_data 4, int32_data 5, string_data 6,
    /// int64_data 7, name 8, raw_data 9, double_data 10, uint64_data 11, external_data 13,
    /// data_location 14. Returns the tensor's name.
    std::string check_tensor(region t, std::size_t at) {
        std::vector<std::int64_t> dims;
        std::int64_t data_type = 0;
        bool has_raw = false;
        std::size_t raw_bytes = 0;
        std::uint64_t typed_count[12] = {};  // indexed by field number 4..11
        bool typed_present[12] = {};
        std::string name;
        field f;
        while (next(t, f)) {
            switch (f.number) {
                case 1:
                    if (f.wire == wire_varint) {
                        dims.push_back(static_cast<std::int64_t>(f.value));
                    } else {
                        expect_wire(f, wire_bytes, "TensorProto.dims");
                        region r = f.bytes;
                        while (r.p != r.end) {
                            dims.push_back(static_cast<std::int64_t>(read_varint(r)));
                        }
                    }
                    if (dims.size() > max_dims) {
                        error(f.offset, "tensor with more than 32 dims");
                    }
                    break;
                case 2:
                    expect_wire(f, wire_varint, "TensorProto.data_type");
                    data_type = static_cast<std::int32_t>(f.value);
                    break;
                case 3:
                    error(f.offset, "segmented tensors are not supported");
                case 4:
                    typed_count[4] += count_entries(f, wire_fixed32, "TensorProto.float_data");
                    typed_present[4] = true;
                    break;
                case 5:
                case 7:
                case 11:
                    typed_count[f.number] += count_entries(f, wire_varint, "TensorProto typed data");
                    typed_present[f.number] = true;
                    break;
                case 10:
                    typed_count[10] += count_entries(f, wire_fixed64, "TensorProto.double_data");
                    typed_present[10] = true;
                    break;
                case 6:
                    expect_wire(f, wire_bytes, "TensorProto.string_data");
                    ++typed_count[6];
                    typed_present[6] = true;
                    break;
                case 8:
                    expect_wire(f, wire_bytes, "TensorProto.name");
                    name = as_string(f.bytes);
                    break;
                case 9:  // bytes: a later occurrence replaces an earlier one, as in protobuf
                    expect_wire(f, wire_bytes, "TensorProto.raw_data");
                    has_raw = true;
                    raw_bytes = static_cast<std::size_t>(f.bytes.end - f.bytes.p);
                    break;
                case 13:
                    error(f.offset, "tensors with external data are not supported");
                case 14:
                    expect_wire(f, wire_varint, "TensorProto.data_location");
                    if (f.value != 0) {
                        error(f.offset, "tensors with external data are not supported");
                    }
                    break;
                default:
                    break;
            }
        }
        const std::size_t elem = element_bytes(data_type);
        const typed_payload typed = typed_payload_of(data_type);
        if (typed.field == 0) {
            fail(function_, "'", name_, "': malformed ONNX model: tensor '", name, "' has unknown data type ",
                 data_type, " at byte ", at);
        }
        // Element count, bounded by the model size (every element must be stored in it).
        std::uint64_t count = 1;
        bool empty = false;
        for (const std::int64_t d : dims) {
            if (d < 0 || d > std::numeric_limits<std::int32_t>::max()) {
                fail(function_, "'", name_, "': malformed ONNX model: tensor '", name, "' has dimension ", d,
                     ", expected 0 .. 2^31 - 1, at byte ", at);
            }
            empty = empty || d == 0;
        }
        for (const std::int64_t d : dims) {
            if (empty) {
                count = 0;
                break;
            }
            const auto ud = static_cast<std::uint64_t>(d);
            if (count > size_ / ud) {  // more elements than bytes in the whole model
                fail(function_, "'", name_, "': malformed ONNX model: tensor '", name,
                     "' has more elements than the model has bytes, at byte ", at);
            }
            count *= ud;
        }
        int payloads = has_raw ? 1 : 0;
        for (std::uint32_t k = 4; k <= 11; ++k) {
            if (k != 8 && k != 9 && typed_present[k]) {
                ++payloads;
                if (k != typed.field) {
                    fail(function_, "'", name_, "': malformed ONNX model: tensor '", name, "' of data type ", data_type,
                         " carries field ", k, ", expected field ", typed.field, " or raw_data, at byte ", at);
                }
            }
        }
        if (count == 0) {
            if (payloads != 0 && (has_raw ? raw_bytes != 0 : typed_count[typed.field] != 0)) {
                fail(function_, "'", name_, "': malformed ONNX model: tensor '", name,
                     "' has no elements but carries data, at byte ", at);
            }
            return name;
        }
        if (payloads != 1) {
            fail(function_, "'", name_, "': malformed ONNX model: tensor '", name, "' has ",
                 payloads == 0 ? "no data" : "two payloads (raw_data and a typed field)", " at byte ", at);
        }
        if (has_raw) {
            if (elem == 0 || raw_bytes / elem != count || raw_bytes % elem != 0) {
                fail(function_, "'", name_, "': malformed ONNX model: tensor '", name, "' has ", count,
                     " elements but raw_data of ", raw_bytes, " bytes (", elem, " per element), at byte ", at);
            }
        } else if (typed_count[typed.field] != count * typed.per_element) {
            fail(function_, "'", name_, "': malformed ONNX model: tensor '", name, "' has ", count, " elements but ",
                 typed_count[typed.field], " stored values, at byte ", at);
        }
        return name;
    }

    /// ValueInfoProto: name 1, type 2 -> TypeProto: tensor_type 1 -> elem_type 1, shape 2 ->
    /// TensorShapeProto: dim 1 -> Dimension: dim_value 1, dim_param 2.
    value_info check_value_info(region v, std::string_view what) {
        value_info out;
        bool type_seen = false;
        bool tensor_seen = false;
        bool shape_seen = false;
        field f;
        while (next(v, f)) {
            if (f.number == 1) {
                expect_wire(f, wire_bytes, "ValueInfoProto.name");
                out.name = as_string(f.bytes);
            } else if (f.number == 2) {
                expect_wire(f, wire_bytes, "ValueInfoProto.type");
                require_once(type_seen, f, "ValueInfoProto.type");
                region type = f.bytes;
                field tf;
                while (next(type, tf)) {
                    if (tf.number != 1) {
                        continue;
                    }
                    expect_wire(tf, wire_bytes, "TypeProto.tensor_type");
                    require_once(tensor_seen, tf, "TypeProto.tensor_type");
                    region tensor = tf.bytes;
                    field ef;
                    while (next(tensor, ef)) {
                        if (ef.number == 1) {
                            expect_wire(ef, wire_varint, "TypeProto.Tensor.elem_type");
                            out.elem_type = static_cast<std::int32_t>(ef.value);
                        } else if (ef.number == 2) {
                            expect_wire(ef, wire_bytes, "TypeProto.Tensor.shape");
                            require_once(shape_seen, ef, "TypeProto.Tensor.shape");
                            check_shape(ef.bytes, out);
                        }
                    }
                }
            }
        }
        if (!type_seen || !tensor_seen || !shape_seen) {
            fail(function_, "'", name_, "': ", what, " '", out.name,
                 "' does not declare a tensor type with a shape (OpenCV needs one)");
        }
        return out;
    }

    void check_shape(region s, value_info& out) {
        field f;
        while (next(s, f)) {
            if (f.number != 1) {
                continue;
            }
            expect_wire(f, wire_bytes, "TensorShapeProto.dim");
            if (out.dims.size() == max_dims) {
                error(f.offset, "shape with more than 32 dims");
            }
            dimension d{0, true};
            region dim = f.bytes;
            field df;
            while (next(dim, df)) {
                if (df.number == 1) {  // oneof: the last of dim_value / dim_param wins
                    expect_wire(df, wire_varint, "Dimension.dim_value");
                    const auto value = static_cast<std::int64_t>(df.value);
                    if (value < 0 || value > std::numeric_limits<std::int32_t>::max()) {
                        fail(function_, "'", name_, "': malformed ONNX model: '", out.name, "' has dimension ", value,
                             ", expected 0 .. 2^31 - 1, at byte ", df.offset);
                    }
                    d = {value, false};
                } else if (df.number == 2) {
                    expect_wire(df, wire_bytes, "Dimension.dim_param");
                    d = {0, true};
                }
            }
            out.dims.push_back(d);
        }
    }
};

/**
 * @brief Checks `bytes` as an ONNX model (see the file comment) and returns its inputs and outputs.
 * @throws offloadkit::invalid_argument "function: 'name': malformed ONNX model: ... at byte N".
 */
inline model_summary check_model(std::span<const std::byte> bytes, std::string_view function, std::string_view name) {
    const std::span<const std::uint8_t> u(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    return checker(u, function, name).check_model();
}

}  // namespace offloadkit::detail::onnx_proto

#endif  // OFFLOADKIT_BACKENDS_DETAIL_ONNX_PROTO_HPP
