// python.interop (issue 19): the calibrator text crosses the language boundary both ways.
//   offloadkit-python-interop check <kind> <calibrator.txt> <scores.txt> <expected.txt>
//     loads a calibrator written by Python's to_string() and checks that its predictions on the
//     scores are bit-identical to the ones Python computed (printed with 17 significant digits).
//   offloadkit-python-interop fit <dir>
//     fits Platt and isotonic calibrators in C++ on fixed data and writes their text, the scores
//     and the C++ predictions for Python to load and compare (tests/python/interop.py).
#include <offloadkit/calibration/isotonic.hpp>
#include <offloadkit/calibration/platt.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace ok = offloadkit;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<double> numbers(const std::string& path) {
    std::ifstream in(path);
    std::vector<double> v;
    for (double x = 0; in >> x;) v.push_back(x);
    return v;
}

template <class C>
int check(const C& cal, const std::vector<double>& scores, const std::vector<double>& expected) {
    if (scores.size() != expected.size() || scores.empty()) {
        std::cerr << "interop: " << scores.size() << " scores but " << expected.size() << " predictions\n";
        return 1;
    }
    std::vector<double> out(scores.size());
    cal.transform(scores, out);
    for (std::size_t i = 0; i < scores.size(); ++i) {
        // Batch against batch bit for bit (Python's predict() is C++ transform()); the scalar
        // operator() may use a different exp (SIMD vs libm) and is held to 1e-15.
        if (out[i] != expected[i] || std::fabs(cal(scores[i]) - expected[i]) > 1e-15) {
            std::cerr << std::setprecision(17) << "interop: score " << scores[i] << ": C++ " << out[i] << ", Python "
                      << expected[i] << "\n";
            return 1;
        }
    }
    std::cout << "interop: " << scores.size() << " identical predictions\n";
    return 0;
}

void write_numbers(const std::filesystem::path& path, const std::vector<double>& v) {
    std::ofstream out(path);
    out << std::setprecision(17);
    for (const double x : v) out << x << "\n";
}

}  // namespace

int main(int argc, char** argv) try {
    const std::vector<std::string> a(argv + 1, argv + argc);
    if (a.size() == 5 && a[0] == "check") {
        const std::string text = slurp(a[2]);
        if (a[1] == "platt") return check(ok::platt_calibrator::from_string(text), numbers(a[3]), numbers(a[4]));
        if (a[1] == "isotonic") return check(ok::isotonic_calibrator::from_string(text), numbers(a[3]), numbers(a[4]));
    } else if (a.size() == 2 && a[0] == "fit") {
        // Fixed data: a linear congruential sequence (portable), labels from a threshold.
        std::vector<double> s(500);
        std::vector<std::uint8_t> y(500);
        std::uint32_t state = 12345;
        for (std::size_t i = 0; i < s.size(); ++i) {
            state = state * 1664525U + 1013904223U;
            s[i] = static_cast<double>(state >> 8) / 16777216.0;
            state = state * 1664525U + 1013904223U;
            y[i] = static_cast<double>(state >> 8) / 16777216.0 < s[i] * s[i] ? 1 : 0;
        }
        const std::filesystem::path dir(a[1]);
        const auto platt = ok::platt_calibrator::fit(s, y);
        const auto iso = ok::isotonic_calibrator::fit(s, y);
        std::vector<double> p(s.size()), q(s.size());
        platt.transform(s, p);
        iso.transform(s, q);
        std::ofstream((dir / "cpp_platt.txt"), std::ios::binary) << ok::to_string(platt);
        std::ofstream((dir / "cpp_isotonic.txt"), std::ios::binary) << ok::to_string(iso);
        write_numbers((dir / "cpp_scores.txt"), s);
        write_numbers((dir / "cpp_platt_pred.txt"), p);
        write_numbers((dir / "cpp_isotonic_pred.txt"), q);
        return 0;
    }
    std::cerr << "usage: offloadkit-python-interop check platt|isotonic CAL SCORES EXPECTED | fit DIR\n";
    return 2;
} catch (const std::exception& e) {
    std::cerr << "interop: " << e.what() << "\n";
    return 1;
}
