#include <offloadkit/io/csv.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

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
    CHECK_THROWS_WITH_AS((void)t.column("x"),
                         "read_trace: missing column 'x'; columns read: 'npu_confidence', 'npu_correct', 'bytes@45'",
                         ok::invalid_argument);
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

TEST_CASE("parse_csv skips a UTF-8 byte-order mark once, at the start only") {
    // What a spreadsheet's "CSV UTF-8" export writes: EF BB BF before the header. Before the fix the
    // first column was named "\xEF\xBB\xBFarrival_s" and every lookup of arrival_s failed.
    const std::string plain = "arrival_s,score\n0.5,1\n";
    const auto with_bom = io::parse_csv("\xEF\xBB\xBF" + plain);
    const auto without = io::parse_csv(plain);
    CHECK(with_bom.header() == without.header());
    CHECK(with_bom.header()[0] == "arrival_s");
    CHECK(with_bom.column("arrival_s") == 0);
    CHECK(with_bom.line_of(0) == 2);
    // A BOM before a comment line, and before CRLF text.
    CHECK(io::parse_csv("\xEF\xBB\xBF# made by a tool\r\na,b\r\n1,2\r\n").header()[0] == "a");
    // Only one mark is stripped: a second one belongs to the column name (and is then reported).
    CHECK(io::parse_csv("\xEF\xBB\xBF\xEF\xBB\xBF" "a\n").header()[0] == "\xEF\xBB\xBF" "a");
    // Half a mark is not a mark.
    CHECK(io::parse_csv("\xEF\xBB" "a\n").header()[0] == "\xEF\xBB" "a");
    CHECK(io::strip_utf8_bom("\xEF\xBB\xBF") == "");
    CHECK(io::strip_utf8_bom("") == "");
}

TEST_CASE("edit_distance and closest_match: brute-force Levenshtein on small strings") {
    // Reference: the full (|a|+1) x (|b|+1) table.
    auto reference = [](const std::string& a, const std::string& b) {
        std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
        for (std::size_t i = 0; i <= a.size(); ++i) {
            d[i][0] = i;
        }
        for (std::size_t j = 0; j <= b.size(); ++j) {
            d[0][j] = j;
        }
        for (std::size_t i = 1; i <= a.size(); ++i) {
            for (std::size_t j = 1; j <= b.size(); ++j) {
                d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0u : 1u)});
            }
        }
        return d[a.size()][b.size()];
    };
    // Every string over {a, b} up to length 4 against every other.
    std::vector<std::string> words{""};
    for (std::size_t len = 1; len <= 4; ++len) {
        const std::size_t before = words.size();
        for (std::size_t w = 0; w < before; ++w) {
            if (words[w].size() == len - 1) {
                words.push_back(words[w] + "a");
                words.push_back(words[w] + "b");
            }
        }
    }
    for (const auto& a : words) {
        for (const auto& b : words) {
            CHECK(io::edit_distance(a, b) == reference(a, b));
        }
    }
    CHECK(io::edit_distance("score", "scroe") == 2);
    CHECK(io::edit_distance("kitten", "sitting") == 3);
    const std::vector<std::string> header{"scroe", "label"};
    REQUIRE(io::closest_match("score", header).has_value());
    CHECK(*io::closest_match("score", header) == 0);
    CHECK_FALSE(io::closest_match("arrival_s", header).has_value());  // nothing close: no guess
    CHECK(io::columns_hint("score", header) == "; columns read: 'scroe', 'label'; closest: 'scroe'");
    CHECK(io::columns_hint("x", {}) == "; columns read: none");
}
