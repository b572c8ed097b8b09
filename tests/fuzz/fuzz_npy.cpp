// Fuzz target: the .npy and .npz reader (io/npy.hpp). Any input must either parse or throw
// offloadkit::invalid_argument; a parsed array's value count must equal the product of its shape,
// and an integral dtype must give whole numbers within 2^53.
#include <offloadkit/io/npy.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_support.hpp"

namespace {
void check_array(const offloadkit::io::npy_array& a) {
    std::size_t count = 1;
    for (const std::size_t d : a.shape) {
        count *= d;
    }
    FUZZ_CHECK(a.values.size() == count);
    if (offloadkit::io::npy_is_integral(a.dtype)) {
        for (const double v : a.values) {
            FUZZ_CHECK(v == std::floor(v) && std::fabs(v) <= 9007199254740992.0);
        }
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    try {
        check_array(offloadkit::io::parse_npy(bytes, "fuzz"));
    } catch (const offloadkit::invalid_argument&) {
    }
    try {
        for (const auto& [name, a] : offloadkit::io::parse_npz(bytes, "fuzz")) {
            FUZZ_CHECK(!name.empty());
            check_array(a);
        }
    } catch (const offloadkit::invalid_argument&) {
    }
    return 0;
}
