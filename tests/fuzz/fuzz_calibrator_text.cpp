// Fuzz target: calibrator from_string() for every calibrator — the text form in which a model
// fitted on a desktop is shipped to a device (detail/model_text.hpp, CBO §V-A).
//
// The first byte picks the calibrator (mod 5: platt, isotonic, identity, temperature,
// one_vs_rest); the rest is the text. Either from_string() throws offloadkit::invalid_argument,
// or the calibrator it returns:
//  - round-trips: from_string(to_string(c)) == c, prints the same text again, and applies
//    identically (bit for bit) on a set of probe scores / logit rows;
//  - maps every finite probe score to a probability in [0, 1] (the identity: to the score);
//  - platt: is monotone in the score (non-decreasing for a <= 0, non-increasing for a >= 0) and
//    its batch transform agrees with operator() (xsimd exp: within a few ulp);
//  - isotonic: is monotone in its stated direction, passes through its thresholds exactly
//    (f(x_i) = y_i), is constant outside [x_0, x_last] and its transform equals operator() exactly;
//  - temperature and one-vs-rest: give rows of probabilities in [0, 1] summing to 1, and a
//    confidence() equal to the row's largest probability.
#include <offloadkit/calibration/identity.hpp>
#include <offloadkit/calibration/isotonic.hpp>
#include <offloadkit/calibration/one_vs_rest.hpp>
#include <offloadkit/calibration/platt.hpp>
#include <offloadkit/calibration/temperature.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"

namespace ok = offloadkit;

namespace {

constexpr double big = std::numeric_limits<double>::max();

std::vector<double> base_probes() {
    return {0.0,   -0.0, 0.25, 0.5, 0.75,  1.0,   -1.0,   2.0,  1e-300, -1e-300, 5e-324, -5e-324,
            1e-9,  0.999999, 1e9, -1e9, 1e300, -1e300, big, -big, std::numeric_limits<double>::min()};
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

template <class C>
C parse(std::string_view text, bool& ok_out) {
    ok_out = true;
    try {
        return C::from_string(text);
    } catch (const ok::invalid_argument&) {
        ok_out = false;
        return C{};
    }
}

/// Round trip of any calibrator: the text it prints reads back to an equal value, which prints
/// the same text.
template <class C>
C round_trip(const C& c) {
    const std::string text = ok::to_string(c);
    const C back = C::from_string(text);  // must not throw
    FUZZ_CHECK(back == c);
    FUZZ_CHECK(ok::to_string(back) == text);
    return back;
}

void check_platt(std::string_view text) {
    bool parsed = false;
    const auto c = parse<ok::platt_calibrator>(text, parsed);
    if (!parsed) {
        return;
    }
    const auto back = round_trip(c);
    std::vector<double> probes = base_probes();
    if (c.a() != 0.0) {
        const double mid = -c.b() / c.a();  // p = 1/2
        if (std::isfinite(mid)) {
            probes.insert(probes.end(), {mid, std::nextafter(mid, big), std::nextafter(mid, -big), mid + 1, mid - 1});
        }
    }
    std::sort(probes.begin(), probes.end());
    std::vector<double> batch(probes.size());
    c.transform(probes, batch);
    double prev = 0.0;
    for (std::size_t i = 0; i < probes.size(); ++i) {
        const double p = c(probes[i]);
        FUZZ_CHECK(p >= 0.0 && p <= 1.0);
        FUZZ_CHECK(same_bits(p, back(probes[i])));
        FUZZ_CHECK(batch[i] >= 0.0 && batch[i] <= 1.0);
        FUZZ_CHECK(std::fabs(batch[i] - p) <= 1e-14);
        if (i > 0) {
            if (c.a() < 0.0) {
                FUZZ_CHECK(p >= prev);
            } else if (c.a() > 0.0) {
                FUZZ_CHECK(p <= prev);
            } else {
                FUZZ_CHECK(p == prev);
            }
        }
        prev = p;
    }
}

void check_isotonic(std::string_view text) {
    bool parsed = false;
    const auto c = parse<ok::isotonic_calibrator>(text, parsed);
    if (!parsed) {
        return;
    }
    const auto back = round_trip(c);
    const auto x = c.thresholds_x();
    const auto y = c.thresholds_y();
    FUZZ_CHECK(!x.empty() && x.size() == y.size());
    std::vector<double> probes = base_probes();
    for (std::size_t i = 0; i < x.size(); ++i) {
        FUZZ_CHECK(same_bits(c(x[i]), y[i]) || (c(x[i]) == 0.0 && y[i] == 0.0));  // through every point
        probes.push_back(x[i]);
        probes.push_back(std::nextafter(x[i], big));
        probes.push_back(std::nextafter(x[i], -big));
        if (i + 1 < x.size()) {
            probes.push_back(x[i] / 2 + x[i + 1] / 2);
        }
    }
    std::sort(probes.begin(), probes.end());
    std::vector<double> batch(probes.size());
    c.transform(probes, batch);
    double prev = 0.0;
    for (std::size_t i = 0; i < probes.size(); ++i) {
        const double s = probes[i];
        const double p = c(s);
        FUZZ_CHECK(p >= 0.0 && p <= 1.0);
        FUZZ_CHECK(same_bits(p, batch[i]));
        FUZZ_CHECK(same_bits(p, back(s)));
        if (s <= x.front()) {
            FUZZ_CHECK(p == y.front());
        }
        if (s >= x.back()) {
            FUZZ_CHECK(p == y.back());
        }
        if (i > 0) {
            FUZZ_CHECK(c.increasing() ? p >= prev : p <= prev);
        }
        prev = p;
    }
}

void check_identity(std::string_view text) {
    bool parsed = false;
    const auto c = parse<ok::identity_calibrator>(text, parsed);
    if (!parsed) {
        return;
    }
    (void)round_trip(c);
    for (const double s : base_probes()) {
        FUZZ_CHECK(same_bits(c(s), s));
    }
}

/// Rows of logits for the multi-class calibrators: moderate values, ties, and a few extremes.
std::vector<double> logit_rows(std::size_t k, std::size_t rows) {
    std::vector<double> z(k * rows);
    const double values[] = {0.0, 1.0, -1.0, 3.5, -2.25, 10.0, -30.0, 100.0, 1e-12, -700.0, 0.5, 2.0};
    for (std::size_t i = 0; i < z.size(); ++i) {
        z[i] = values[(i * 7 + i / k) % (sizeof values / sizeof values[0])];
    }
    return z;
}

template <class C>
void check_rows(const C& c, const C& back, std::size_t k) {
    constexpr std::size_t rows = 6;
    const std::vector<double> z = logit_rows(k, rows);
    std::vector<double> p(k), q(k);
    for (std::size_t r = 0; r < rows; ++r) {
        const std::span<const double> row(z.data() + r * k, k);
        c(row, p);
        back(row, q);
        double sum = 0.0;
        double top = 0.0;
        for (std::size_t j = 0; j < k; ++j) {
            FUZZ_CHECK(p[j] >= 0.0 && p[j] <= 1.0);
            FUZZ_CHECK(same_bits(p[j], q[j]));
            sum += p[j];
            top = std::max(top, p[j]);
        }
        FUZZ_CHECK(std::fabs(sum - 1.0) <= 1e-12 * static_cast<double>(k));
        const ok::top1 t = c.confidence(row);
        FUZZ_CHECK(t.index < k);
        FUZZ_CHECK(t.confidence >= 0.0 && t.confidence <= 1.0);
        FUZZ_CHECK(std::fabs(t.confidence - top) <= 1e-12);
    }
}

void check_temperature(std::string_view text) {
    bool parsed = false;
    const auto c = parse<ok::temperature_scaler>(text, parsed);
    if (!parsed) {
        return;
    }
    const auto back = round_trip(c);
    FUZZ_CHECK(std::isfinite(c.temperature()) && c.temperature() > 0.0);
    for (std::size_t k = 1; k <= 4; ++k) {
        check_rows(c, back, k);
    }
}

void check_one_vs_rest(std::string_view text) {
    bool parsed = false;
    const auto c = parse<ok::one_vs_rest_calibrator>(text, parsed);
    if (!parsed) {
        return;
    }
    const auto back = round_trip(c);
    FUZZ_CHECK(c.num_classes() >= 1);
    check_rows(c, back, c.num_classes());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 5) {
        case 0: check_platt(text); break;
        case 1: check_isotonic(text); break;
        case 2: check_identity(text); break;
        case 3: check_temperature(text); break;
        default: check_one_vs_rest(text); break;
    }
    return 0;
}
