// offloadkit Python bindings: numpy argument handling shared by the binding files.
//
// Rules (issue 19): contiguous float64 / float32 arrays are viewed without a copy; other numeric
// dtypes (integers, bools, float16, non-native byte order) are converted once; strings, bytes,
// objects, complex numbers, datetimes and non-contiguous views raise ValueError naming the
// argument as the Python caller wrote it.
#ifndef OFFLOADKIT_PYTHON_COMMON_HPP
#define OFFLOADKIT_PYTHON_COMMON_HPP

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <utility>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <offloadkit/offloadkit.hpp>

namespace okpy {

namespace py = pybind11;
namespace ok = offloadkit;

/// Raises ValueError("<fn>: <what>") (the same shape as offloadkit::invalid_argument messages).
[[noreturn]] inline void value_error(std::string_view fn, const std::string& what) {
    throw py::value_error(std::string(fn) + ": " + what);
}

/// A 1-D-or-more real array, viewed as float or double. Keeps the array alive.
struct real_array {
    py::array arr;
    bool is_float = false;  ///< float32 (else float64)
    [[nodiscard]] std::size_t size() const { return static_cast<std::size_t>(arr.size()); }
    [[nodiscard]] int ndim() const { return static_cast<int>(arr.ndim()); }
    [[nodiscard]] std::size_t shape(int i) const { return static_cast<std::size_t>(arr.shape(i)); }
    [[nodiscard]] std::span<const float> f() const { return {static_cast<const float*>(arr.data()), size()}; }
    [[nodiscard]] std::span<const double> d() const { return {static_cast<const double*>(arr.data()), size()}; }
    /// Calls fn(span<const float>) or fn(span<const double>).
    template <class F>
    decltype(auto) visit(F&& fn) const {
        return is_float ? fn(f()) : fn(d());
    }
};

/// An integer array (labels, class indices), viewed as uint8 (bool/uint8 input) or int64.
struct int_array {
    py::array arr;
    bool is_u8 = false;
    [[nodiscard]] std::size_t size() const { return static_cast<std::size_t>(arr.size()); }
    template <class F>
    decltype(auto) visit(F&& fn) const {
        if (is_u8) {
            return fn(std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(arr.data()), size()));
        }
        return fn(std::span<const std::int64_t>(static_cast<const std::int64_t*>(arr.data()), size()));
    }
};

/// The numpy array behind `obj` (lists and scalars go through numpy.asarray), checked for a
/// numeric dtype and C-contiguity.
inline py::array numeric_array(py::handle obj, std::string_view fn, std::string_view name) {
    py::array a;
    if (py::isinstance<py::array>(obj)) {
        a = py::reinterpret_borrow<py::array>(obj);
    } else {
        try {
            a = py::module_::import("numpy").attr("asarray")(obj);
        } catch (py::error_already_set& e) {
            value_error(fn, std::string(name) + " is not array-like (" + std::string(py::str(e.value())) + ")");
        }
    }
    const char kind = a.dtype().kind();
    if (kind != 'f' && kind != 'i' && kind != 'u' && kind != 'b') {
        value_error(fn, std::string(name) + " has dtype " + std::string(py::str(a.dtype())) +
                            ", expected a numeric array (float, int or bool)");
    }
    if (!(a.flags() & py::array::c_style)) {
        value_error(fn, std::string(name) +
                            " is not C-contiguous (a strided view); pass numpy.ascontiguousarray(" +
                            std::string(name) + ")");
    }
    return a;
}

/// A real array of the given number of dimensions (-1: any), float32/float64 kept as they are.
inline real_array as_real(py::handle obj, std::string_view fn, std::string_view name, int ndim = 1) {
    py::array a = numeric_array(obj, fn, name);
    if (ndim >= 0 && a.ndim() != ndim) {
        value_error(fn, std::string(name) + " has " + std::to_string(a.ndim()) + " dimensions, expected " +
                            std::to_string(ndim));
    }
    real_array out;
    const bool native = a.dtype().byteorder() != '>';
    if (a.dtype().kind() == 'f' && a.itemsize() == 8 && native) {
        out.arr = a;
    } else if (a.dtype().kind() == 'f' && a.itemsize() == 4 && native) {
        out.arr = a;
        out.is_float = true;
    } else {
        out.arr = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(a);
    }
    return out;
}

/// A float32 array (the quantizer's element type), converted from any numeric dtype.
inline py::array_t<float> as_float32(py::handle obj, std::string_view fn, std::string_view name) {
    py::array a = numeric_array(obj, fn, name);
    return py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(a);
}

/// An integer array of the given dimensions: bool/uint8 viewed, other integers as int64, floats
/// accepted only when every value is a whole number (labels written as 0.0 / 1.0).
inline int_array as_int(py::handle obj, std::string_view fn, std::string_view name, int ndim = 1) {
    py::array a = numeric_array(obj, fn, name);
    if (ndim >= 0 && a.ndim() != ndim) {
        value_error(fn, std::string(name) + " has " + std::to_string(a.ndim()) + " dimensions, expected " +
                            std::to_string(ndim));
    }
    int_array out;
    const char kind = a.dtype().kind();
    if ((kind == 'b' || kind == 'u') && a.itemsize() == 1) {
        out.arr = a;
        out.is_u8 = true;
        return out;
    }
    if (kind == 'f') {
        auto d = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(a);
        const double* p = d.data();
        for (py::ssize_t i = 0; i < d.size(); ++i) {
            if (!(std::isfinite(p[i]) && p[i] == std::floor(p[i]) && std::fabs(p[i]) < 9.0e15)) {
                value_error(fn, std::string(name) + "[" + std::to_string(i) + "] is " + std::string(py::str(py::float_(p[i]))) +
                                    ", expected a whole number");
            }
        }
    }
    if (kind == 'u' && a.itemsize() == 8) {
        // uint64 values above INT64_MAX would wrap: reject them here.
        auto u = py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast>::ensure(a);
        for (py::ssize_t i = 0; i < u.size(); ++i) {
            if (u.data()[i] > static_cast<std::uint64_t>(INT64_MAX)) {
                value_error(fn, std::string(name) + "[" + std::to_string(i) + "] is " + std::to_string(u.data()[i]) +
                                    ", too large");
            }
        }
    }
    out.arr = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(a);
    return out;
}

/// "(a, b, ...)": a shape as the messages print it.
inline std::string shape_text(std::initializer_list<std::size_t> dims) {
    std::string s = "(";
    for (const std::size_t d : dims) {
        s += (s.size() > 1 ? ", " : "") + std::to_string(d);
    }
    return s + ")";
}

/// Raises ValueError("<fn>: <name> has size <got>, expected <want><note>") unless got == want.
inline void require_size(std::size_t got, std::size_t want, std::string_view fn, std::string_view name,
                         std::string_view note = "") {
    if (got != want) {
        value_error(fn, std::string(name) + " has size " + std::to_string(got) + ", expected " + std::to_string(want) +
                            std::string(note));
    }
}

/// Raises ValueError("<fn>: <name> has shape (..), expected (..)<note>") unless the shapes agree.
inline void require_shape(std::initializer_list<std::size_t> got, std::initializer_list<std::size_t> want,
                          std::string_view fn, std::string_view name, std::string_view note = "") {
    if (!std::equal(got.begin(), got.end(), want.begin(), want.end())) {
        value_error(fn, std::string(name) + " has shape " + shape_text(got) + ", expected " + shape_text(want) +
                            std::string(note));
    }
}

/// The value of a string option: `choices` pairs each accepted spelling with its value; anything
/// else raises ValueError("<fn>: <name> is '<s>', expected 'a', 'b' or 'c'").
template <class T>
T parse_choice(const std::string& s, std::string_view fn, std::string_view name,
               std::initializer_list<std::pair<std::string_view, T>> choices) {
    for (const auto& [text, value] : choices) {
        if (s == text) return value;
    }
    std::string expected;
    std::size_t k = 0;
    for (const auto& c : choices) {
        expected += (k == 0 ? "'" : (k + 1 == choices.size() ? " or '" : ", '")) + std::string(c.first) + "'";
        ++k;
    }
    value_error(fn, std::string(name) + " is '" + s + "', expected " + expected);
}

/// 0/1 values of an integer array as bytes; anything else raises ValueError naming name[i].
inline std::vector<std::uint8_t> to_binary(const int_array& a, std::string_view fn, std::string_view name) {
    return a.visit([&](auto v) {
        std::vector<std::uint8_t> out(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (v[i] != 0 && v[i] != 1) {
                value_error(fn, std::string(name) + "[" + std::to_string(i) + "] is " +
                                    std::to_string(static_cast<long long>(v[i])) + ", expected 0 or 1");
            }
            out[i] = static_cast<std::uint8_t>(v[i]);
        }
        return out;
    });
}

/// A 1-D array of n elements, element i = get(i) (result columns built from C++ structs).
template <class T, class Get>
py::array_t<T> column(std::size_t n, Get&& get) {
    py::array_t<T> out(static_cast<py::ssize_t>(n));
    T* p = out.mutable_data();
    for (std::size_t i = 0; i < n; ++i) {
        p[i] = static_cast<T>(get(i));
    }
    return out;
}

/// A new float64 array of the given shape.
inline py::array_t<double> new_doubles(const std::vector<py::ssize_t>& shape) { return py::array_t<double>(shape); }

/// A 1-D float64 copy of a span.
template <class T>
py::array_t<double> to_numpy(std::span<const T> v) {
    py::array_t<double> out(static_cast<py::ssize_t>(v.size()));
    double* p = out.mutable_data();
    for (std::size_t i = 0; i < v.size(); ++i) {
        p[i] = static_cast<double>(v[i]);
    }
    return out;
}

/// A 1-D copy of a vector with its element type.
template <class T>
py::array_t<T> vec_to_numpy(const std::vector<T>& v) {
    py::array_t<T> out(static_cast<py::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), out.mutable_data());
    return out;
}

/// A vector<double> from a 1-D real array (any numeric dtype).
inline std::vector<double> to_vector(py::handle obj, std::string_view fn, std::string_view name) {
    const real_array a = as_real(obj, fn, name, 1);
    return a.visit([](auto s) { return std::vector<double>(s.begin(), s.end()); });
}

void bind_calibration(py::module_& m);
void bind_offload(py::module_& m);
void bind_kernels(py::module_& m);
void bind_approx(py::module_& m);

}  // namespace okpy

#endif  // OFFLOADKIT_PYTHON_COMMON_HPP
