// offloadkit Python bindings: the module `offloadkit._offloadkit` (issue 19). The public face is
// python/offloadkit/__init__.py, which re-exports everything here.
#include "common.hpp"

PYBIND11_MODULE(_offloadkit, m) {
    namespace py = pybind11;
    m.doc() = "offloadkit: CBO calibration and offloading, ApproxNet scheduling, AMVP placement (C++ core).";
    m.attr("__version__") = OFFLOADKIT_PYTHON_VERSION;
    // offloadkit::invalid_argument -> ValueError with the same message (pybind11 would map its base
    // std::invalid_argument the same way; registered explicitly so the contract does not rest on that).
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const offloadkit::invalid_argument& e) {
            PyErr_SetString(PyExc_ValueError, e.what());
        }
    });
    okpy::bind_calibration(m);
    okpy::bind_offload(m);
    okpy::bind_kernels(m);
    okpy::bind_approx(m);
}
