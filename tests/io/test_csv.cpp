#include <offloadkit/io/csv.hpp>

#include <doctest/doctest.h>

#include <string>

namespace io = offloadkit::io;
namespace ok = offloadkit;

TEST_CASE("parse_csv reads header, cells, numbers and line numbers") {
    const std::string text =
        "# a comment\r\n"
        "npu_confidence, npu_correct,\"bytes@45\"\r\n"
        "\n"
        "0.75,1,1500\r\n"
        "  0.5 , 0 , \"2,000\" \n"
        "1e-3,+1,3";
    const auto t = io::parse_csv(text, "read_trace");
    CHECK(t.cols() == 3);
    CHECK(t.rows() == 3);
    CHECK(t.header()[2] == "bytes@45");
    CHECK(t.column("npu_correct") == 1);
    CHECK_FALSE(t.find_column("nope").has_value());
    CHECK(t.number(0, 0) == 0.75);
    CHECK(t.number(2, 0) == 0.001);
    CHECK(t.number(2, 1) == 1.0);
    CHECK(t.cell(1, 2) == "2,000");
    CHECK(t.line_of(0) == 4);
    CHECK(t.line_of(1) == 5);
    CHECK(t.numbers(0) == std::vector<double>{0.75, 0.5, 0.001});
    CHECK_THROWS_WITH_AS((void)t.number(1, 2), "read_trace: line 5, column 3 ('bytes@45'): '2,000' is not a finite number",
                         ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)t.column("x"), "read_trace: missing column 'x'", ok::invalid_argument);
}

TEST_CASE("parse_csv rejects malformed input with the line") {
    CHECK_THROWS_WITH_AS((void)io::parse_csv("a,b\n1,2\n3\n"), "parse_csv: line 3 has 1 fields, expected 2", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)io::parse_csv("a,a\n"), "parse_csv: line 1: duplicate column 'a'", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)io::parse_csv("a,\n"), "parse_csv: line 1: header column 2 is empty", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)io::parse_csv("a\n\"x\n"), "parse_csv: line 2: unterminated quoted field", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)io::parse_csv("a\n\"x\"y\n"), "parse_csv: line 2: text after a closing quote", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)io::parse_csv("a\nx\"y\n"), "parse_csv: line 2: quote inside an unquoted field", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)io::parse_csv("# only a comment\n\n"), "parse_csv: no header row", ok::invalid_argument);
    const auto t = io::parse_csv("a,b\nnan,inf\n,1x\n");
    CHECK_THROWS_AS((void)t.number(0, 0), ok::invalid_argument);
    CHECK_THROWS_AS((void)t.number(0, 1), ok::invalid_argument);
    CHECK_THROWS_AS((void)t.number(1, 0), ok::invalid_argument);
    CHECK_THROWS_AS((void)t.number(1, 1), ok::invalid_argument);
    CHECK_THROWS_AS((void)t.cell(2, 0), ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)io::read_csv_file("/nonexistent/x.csv"), "read_csv_file: cannot open '/nonexistent/x.csv'",
                         ok::invalid_argument);
}
