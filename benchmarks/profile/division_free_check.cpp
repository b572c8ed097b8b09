// Exhaustive check of the division-free form of AMVP eq. 2's last step (kernels/quantize.hpp,
// detail::quant::divide_by_levels): q0 = RN(a r), e = a - q0 L by one fused multiply-add,
// q = RN(q0 + e r), with r = RN(1 / L), equals RN(a / L) for every L = 2^bits - 1 (bits 1..16)
// and every binary32 a in [1, 2) (all 2^23 significands). Scaling a by 2^k scales q0, e and q
// exactly while a, a / L and the result stay normal, which the quantizer ensures
// (hi - lo >= 2^-100 and not wide), so this covers every dividend code * (hi - lo) it divides.
// Not built by CMake (about 10^8 divisions); the command is in benchmarks/kernels.md:
//   g++ -std=c++20 -O2 -march=native -Iinclude -I/usr/include/eigen3
//       benchmarks/profile/division_free_check.cpp -o /tmp/division_free_check
//   /tmp/division_free_check
#include <offloadkit/kernels/quantize.hpp>

#include <bit>
#include <cstdint>
#include <cstdio>

int main() {
    std::uint64_t checked = 0;
    std::uint64_t differing = 0;
    for (int bits = 1; bits <= 16; ++bits) {
        const auto levels = static_cast<float>((std::uint32_t{1} << bits) - 1);
        const float r = 1.0F / levels;
        std::uint64_t bad = 0;
        for (std::uint32_t u = 0x3F800000U; u < 0x40000000U; ++u) {
            const float a = std::bit_cast<float>(u);
            const float q = offloadkit::detail::quant::divide_by_levels(a, levels, r);
            bad += q != a / levels ? 1 : 0;
        }
        std::printf("bits %2d (L = %5.0f): %llu of %u significands differ\n", bits, static_cast<double>(levels),
                    static_cast<unsigned long long>(bad), 0x800000U);
        checked += 0x800000U;
        differing += bad;
    }
    std::printf("total: %llu of %llu differ\n", static_cast<unsigned long long>(differing),
                static_cast<unsigned long long>(checked));
    return differing == 0 ? 0 : 1;
}
