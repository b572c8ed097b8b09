#ifndef OFFLOADKIT_TESTS_CALIBRATION_GOLDEN_HPP
#define OFFLOADKIT_TESTS_CALIBRATION_GOLDEN_HPP

// Reading the golden vectors written by tests/data/calibration/make_golden.py (scikit-learn 1.2.1,
// numpy, scipy). Numbers in those files are Python repr() output: exact doubles; "nan" marks an
// empty bin.

#include <offloadkit/io/csv.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace offloadkit::test_golden {

inline io::csv_table read(const std::string& name) {
    return io::read_csv_file(std::string(OFFLOADKIT_TEST_DATA_DIR) + "/calibration/" + name, name);
}

/// A numeric cell; "nan" reads as NaN.
inline double number(const io::csv_table& t, std::size_t row, const char* column) {
    const std::size_t c = t.column(column);
    if (t.cell(row, c) == "nan") {
        return std::numeric_limits<double>::quiet_NaN();
    }
    return t.number(row, c);
}

inline std::vector<double> column(const io::csv_table& t, const char* name) { return t.numbers(t.column(name)); }

inline std::vector<std::uint8_t> labels(const io::csv_table& t, const char* name) {
    std::vector<std::uint8_t> out;
    for (const double v : column(t, name)) {
        out.push_back(static_cast<std::uint8_t>(v));
    }
    return out;
}

/// A multi-class golden data set (multiclass_<name>_data.csv): k logit columns, then the label.
struct multiclass {
    std::vector<double> z;  // row-major n x k
    std::vector<int> y;
    std::size_t k = 0;
};

inline multiclass read_multiclass(const std::string& name) {
    const auto t = read("multiclass_" + name + "_data.csv");
    multiclass m;
    m.k = t.cols() - 1;
    for (std::size_t r = 0; r < t.rows(); ++r) {
        for (std::size_t j = 0; j < m.k; ++j) {
            m.z.push_back(t.number(r, j));
        }
        m.y.push_back(static_cast<int>(t.number(r, m.k)));
    }
    return m;
}

}  // namespace offloadkit::test_golden

#endif  // OFFLOADKIT_TESTS_CALIBRATION_GOLDEN_HPP
