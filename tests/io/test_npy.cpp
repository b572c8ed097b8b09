// io/npy.hpp against golden files NumPy wrote (tests/data/npy/make_npy_golden.py): every good file
// reads back as NumPy's own values, dtype and shape; every bad file is rejected with the expected
// message. Plus properties no file shows: every truncation of a good file is rejected.
#include <offloadkit/io/npy.hpp>

#include <doctest/doctest.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/files.hpp"

namespace io = offloadkit::io;
namespace ok = offloadkit;

namespace {

const std::string npy_dir = std::string(OFFLOADKIT_TEST_DATA_DIR) + "/npy";

using offloadkit::test_support::slurp;

std::vector<std::byte> bytes_of(const std::string& s) {
    std::vector<std::byte> b(s.size());
    if (!s.empty()) {
        std::memcpy(b.data(), s.data(), s.size());
    }
    return b;
}

/// One expected array: "dtype", "d0 d1 ...", then one repr(float) per line.
struct expected_array {
    std::string dtype;
    std::vector<std::size_t> shape;
    std::vector<double> values;
};

double parse_repr(const std::string& s) {
    if (s == "inf") {
        return INFINITY;
    }
    if (s == "-inf") {
        return -INFINITY;
    }
    double v = 0.0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    REQUIRE_MESSAGE((r.ec == std::errc{} && r.ptr == s.data() + s.size()), "bad number in golden file: ", s);
    return v;
}

std::vector<std::pair<std::string, expected_array>> read_expected(const std::string& path) {
    std::istringstream in(slurp(path));
    std::vector<std::pair<std::string, expected_array>> out;
    std::string line;
    std::string member;
    while (std::getline(in, line)) {
        if (line.rfind("member ", 0) == 0) {
            member = line.substr(7);
            continue;
        }
        expected_array e;
        e.dtype = line;
        REQUIRE(std::getline(in, line));
        std::istringstream dims(line);
        std::size_t d = 0;
        std::size_t count = 1;
        while (dims >> d) {
            e.shape.push_back(d);
            count *= d;
        }
        for (std::size_t k = 0; k < count; ++k) {
            REQUIRE(std::getline(in, line));
            e.values.push_back(parse_repr(line));
        }
        out.emplace_back(member, std::move(e));
    }
    return out;
}

void check_same(const io::npy_array& got, const expected_array& want, const std::string& what) {
    INFO(what);
    CHECK(io::npy_dtype_name(got.dtype) == want.dtype);
    CHECK(got.shape == want.shape);
    REQUIRE(got.values.size() == want.values.size());
    for (std::size_t k = 0; k < want.values.size(); ++k) {
        // Bit for bit (also the sign of -0.0).
        CHECK(std::memcmp(&got.values[k], &want.values[k], sizeof(double)) == 0);
    }
}

std::string error_of(const std::string& path) {
    const auto b = bytes_of(slurp(path));
    try {
        if (path.size() > 4 && path.substr(path.size() - 4) == ".npz") {
            (void)io::parse_npz(b, "test");
        } else {
            (void)io::parse_npy(b, "test");
        }
    } catch (const ok::invalid_argument& e) {
        return e.what();
    }
    return "no exception";
}

}  // namespace

TEST_CASE("parse_npy / parse_npz read every golden file as NumPy wrote it") {
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(npy_dir + "/good")) {
        const std::string path = entry.path().string();
        const std::string ext = entry.path().extension().string();
        if (ext != ".npy" && ext != ".npz") {
            continue;
        }
        ++files;
        const std::string txt = entry.path().parent_path().string() + "/" + entry.path().stem().string() + ".txt";
        const auto want = read_expected(txt);
        if (ext == ".npy") {
            REQUIRE(want.size() == 1);
            check_same(io::read_npy_file(path), want[0].second, path);
        } else {
            const auto got = io::read_npz_file(path);
            REQUIRE(got.size() == want.size());
            for (std::size_t m = 0; m < want.size(); ++m) {
                CHECK(got[m].first == want[m].first);
                check_same(got[m].second, want[m].second, path + ":" + want[m].first);
            }
        }
    }
    CHECK(files >= 25);
}

TEST_CASE("parse_npy / parse_npz reject every bad golden file with the expected message") {
    std::istringstream list(slurp(npy_dir + "/bad/expected.txt"));
    std::string line;
    std::size_t cases = 0;
    while (std::getline(list, line)) {
        const auto bar = line.find('|');
        REQUIRE(bar != std::string::npos);
        const std::string file = line.substr(0, bar);
        const std::string expected = line.substr(bar + 1);
        const std::string msg = error_of(npy_dir + "/bad/" + file);
        INFO(file, ": ", msg);
        CHECK(msg.rfind("test: ", 0) == 0);
        CHECK(msg.find(expected) != std::string::npos);
        ++cases;
    }
    CHECK(cases >= 28);
}

TEST_CASE("parse_npy: every truncation and every extension of a good file is rejected") {
    for (const char* name : {"f8_scores.npy", "logits_fortran.npy", "i2_big_endian.npy", "version_2.npy"}) {
        const std::string full = slurp(npy_dir + "/good/" + name);
        CHECK_NOTHROW((void)io::parse_npy(bytes_of(full)));
        for (std::size_t len = 0; len < full.size(); ++len) {
            INFO(name, " cut to ", len, " bytes");
            CHECK_THROWS_AS((void)io::parse_npy(bytes_of(full.substr(0, len))), ok::invalid_argument);
        }
        CHECK_THROWS_AS((void)io::parse_npy(bytes_of(full + std::string(1, '\0'))), ok::invalid_argument);
    }
    const std::string npz = slurp(npy_dir + "/good/scores_labels.npz");
    for (std::size_t len = 0; len < npz.size(); ++len) {
        INFO("npz cut to ", len, " bytes");
        CHECK_THROWS_AS((void)io::parse_npz(bytes_of(npz.substr(0, len))), ok::invalid_argument);
    }
}

TEST_CASE("read_npy_file names the file it cannot open") {
    CHECK_THROWS_WITH_AS((void)io::read_npy_file("/nonexistent/s.npy", "--scores"), "--scores: cannot open '/nonexistent/s.npy'",
                         ok::invalid_argument);
    CHECK(io::npy_shape_text({}) == "()");
    CHECK(io::npy_shape_text({3}) == "(3,)");
    CHECK(io::npy_shape_text({2, 4}) == "(2, 4)");
}
