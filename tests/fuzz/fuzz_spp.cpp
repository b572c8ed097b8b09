// Fuzz target: spatial pyramid pooling (kernels/spp.hpp, ApproxNet §4.1) on arbitrary shapes,
// levels, rules, layouts and values, against a plain scalar reference written here from the
// rules in ../shared/API.md.
//
// The bytes give N (1..3), C (0..40), H and W (0..48), 0..5 levels (each 0..12), the bin rule,
// the layout, max or average, float or double, and the values (raw bit patterns — NaN and inf
// included — for max; small multiples of 1/4 with an occasional NaN or inf for average, so every
// partial sum is exact and the result does not depend on the summation order). Then:
//  - the call throws offloadkit::invalid_argument exactly when the arguments are invalid
//    (N, C, H or W zero, no levels, a level 0, a level above H or W under the paper rule) and
//    leaves the output untouched then;
//  - otherwise every output element equals the reference: per level, channel, bin row, bin
//    column, the max (NaN if the bin holds a NaN; +-0 compared with ==) or the mean
//    (sum / area under the paper rule and at level 1, sum / rows / cols otherwise) of the bin
//    [i*floor(a/l), i*floor(a/l) + ceil(a/l)) (paper) or [floor(i a/l), ceil((i+1) a/l))
//    (adaptive) on each axis;
//  - input and output pointers are deliberately misaligned by one element.
#include <offloadkit/kernels/spp.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "fuzz_support.hpp"

namespace ok = offloadkit;

namespace {

struct shape {
    std::size_t n, c, h, w;
    std::vector<std::size_t> levels;
    ok::spp_rule rule;
    ok::tensor_layout layout;
    bool average;
};

std::pair<std::size_t, std::size_t> bin(std::size_t a, std::size_t l, std::size_t i, ok::spp_rule rule) {
    if (rule == ok::spp_rule::paper) {
        const std::size_t stride = a / l;
        const std::size_t window = (a + l - 1) / l;
        return {i * stride, std::min(i * stride + window, a)};
    }
    return {(i * a) / l, ((i + 1) * a + l - 1) / l};
}

bool valid(const shape& s) {
    if (s.n == 0 || s.c == 0 || s.h == 0 || s.w == 0 || s.levels.empty()) {
        return false;
    }
    for (const std::size_t l : s.levels) {
        if (l == 0 || (s.rule == ok::spp_rule::paper && (l > s.h || l > s.w))) {
            return false;
        }
    }
    return true;
}

template <class T>
std::vector<T> reference(const shape& s, const T* in) {
    std::vector<T> out;
    for (std::size_t img = 0; img < s.n; ++img) {
        const T* x = in + img * s.c * s.h * s.w;
        auto at = [&](std::size_t ch, std::size_t y, std::size_t col) {
            return s.layout == ok::tensor_layout::chw ? x[(ch * s.h + y) * s.w + col] : x[(y * s.w + col) * s.c + ch];
        };
        for (const std::size_t l : s.levels) {
            for (std::size_t ch = 0; ch < s.c; ++ch) {
                for (std::size_t by = 0; by < l; ++by) {
                    const auto [y0, y1] = bin(s.h, l, by, s.rule);
                    for (std::size_t bx = 0; bx < l; ++bx) {
                        const auto [x0, x1] = bin(s.w, l, bx, s.rule);
                        bool nan = false;
                        T best = -std::numeric_limits<T>::infinity();
                        T sum = 0;
                        for (std::size_t y = y0; y < y1; ++y) {
                            for (std::size_t col = x0; col < x1; ++col) {
                                const T v = at(ch, y, col);
                                nan = nan || std::isnan(v);
                                best = std::max(best, v);
                                sum += v;
                            }
                        }
                        if (!s.average) {
                            out.push_back(nan ? std::numeric_limits<T>::quiet_NaN() : best);
                        } else {
                            const auto rows = static_cast<T>(y1 - y0);
                            const auto cols = static_cast<T>(x1 - x0);
                            const bool once = s.rule == ok::spp_rule::paper || l == 1;
                            out.push_back(once ? sum / static_cast<T>((y1 - y0) * (x1 - x0)) : sum / rows / cols);
                        }
                    }
                }
            }
        }
    }
    return out;
}

template <class T>
void run(const shape& s, fuzz::input& in) {
    const std::size_t count = s.n * s.c * s.h * s.w;
    std::vector<T> buf(count + 1);
    const bool specials = in.boolean();
    for (std::size_t i = 0; i < count; ++i) {
        T v = 0;
        if (!s.average) {
            if (in.range(0, 3) == 0) {  // any bit pattern
                if constexpr (sizeof(T) == sizeof(float)) {
                    v = in.raw_float();
                } else {
                    v = in.raw_double();
                }
            } else {
                v = static_cast<T>(static_cast<std::int8_t>(in.byte()));
            }
        } else {
            v = static_cast<T>(static_cast<std::int8_t>(in.byte())) / T(4);
            if (specials && in.range(0, 31) == 0) {
                const T sp[] = {std::numeric_limits<T>::infinity(), -std::numeric_limits<T>::infinity(),
                                std::numeric_limits<T>::quiet_NaN()};
                v = sp[in.range(0, 2)];
            }
        }
        buf[i + 1] = v;
    }
    const std::span<const T> input(buf.data() + 1, count);  // misaligned by one element
    const bool ok_args = valid(s);
    std::size_t out_size = 0;
    if (ok_args) {
        out_size = s.n * ok::spp_output_size(s.c, s.levels);
    } else {
        out_size = in.range(0, 64);
    }
    constexpr T marker = T(-7777.25);
    std::vector<T> obuf(out_size + 1, marker);
    const std::span<T> output(obuf.data() + 1, out_size);
    bool threw = false;
    try {
        if (s.n == 1 && in.boolean()) {
            if (s.average) {
                ok::spp_avg_pool(input, s.c, s.h, s.w, s.levels, output, s.rule, s.layout);
            } else {
                ok::spp_max_pool(input, s.c, s.h, s.w, s.levels, output, s.rule, s.layout);
            }
        } else if (s.average) {
            ok::spp_avg_pool_batch(input, s.n, s.c, s.h, s.w, s.levels, output, s.rule, s.layout);
        } else {
            ok::spp_max_pool_batch(input, s.n, s.c, s.h, s.w, s.levels, output, s.rule, s.layout);
        }
    } catch (const ok::invalid_argument&) {
        threw = true;
    }
    FUZZ_CHECK(threw == !ok_args);
    if (threw) {
        FUZZ_CHECK(std::all_of(obuf.begin(), obuf.end(), [&](T v) { return v == marker; }));
        return;
    }
    FUZZ_CHECK(obuf[0] == marker);
    const std::vector<T> ref = reference(s, input.data());
    FUZZ_CHECK(ref.size() == out_size);
    for (std::size_t i = 0; i < out_size; ++i) {
        const T got = output[i];
        FUZZ_CHECK((std::isnan(got) && std::isnan(ref[i])) || got == ref[i]);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::input in(data, size);
    shape s;
    s.n = in.range(1, 3);
    s.c = in.range(0, 40);
    s.h = in.range(0, 48);
    s.w = in.range(0, 48);
    const std::size_t nl = in.range(0, 5);
    for (std::size_t i = 0; i < nl; ++i) {
        s.levels.push_back(in.range(0, 12));
    }
    s.rule = in.boolean() ? ok::spp_rule::adaptive : ok::spp_rule::paper;
    s.layout = in.boolean() ? ok::tensor_layout::hwc : ok::tensor_layout::chw;
    s.average = in.boolean();
    if (s.n * s.c * s.h * s.w > 40000) {
        s.c = std::min<std::size_t>(s.c, 4);  // keep one input fast
    }
    if (in.boolean()) {
        run<float>(s, in);
    } else {
        run<double>(s, in);
    }
    return 0;
}
