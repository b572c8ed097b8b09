#include <offloadkit/sim/trace.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include <offloadkit/sim/simulator.hpp>
#include <offloadkit/sim/synthetic.hpp>

namespace ok = offloadkit;

namespace {
std::string parse_error(const std::string& text) {
    try {
        (void)ok::parse_trace(text);
    } catch (const ok::invalid_argument& e) {
        return e.what();
    }
    return "no exception";
}
}  // namespace

TEST_CASE("parse_trace: columns by name, resolutions in file order, extra columns ignored") {
    const std::string text =
        "# a comment\n"
        "label,bytes@90,npu_confidence,server_correct@45,npu_correct,bytes@45,server_correct@90,arrival_s,note\n"
        "3,6000,0.75,0,1,1500,1,0.0,\"x, y\"\n"
        "7,6100,0.25,1,0,1510,0,0.04,z\n";
    const auto t = ok::parse_trace(text);
    CHECK(t.resolutions == std::vector<std::string>{"90", "45"});
    CHECK(t.size() == 2);
    CHECK(t.confidence == std::vector<double>{0.75, 0.25});
    CHECK(t.npu_correct == std::vector<std::uint8_t>{1, 0});
    CHECK(t.bytes == std::vector<double>{6000, 1500, 6100, 1510});
    CHECK(t.server_correct == std::vector<std::uint8_t>{1, 0, 0, 1});
    CHECK(t.arrival == std::vector<double>{0.0, 0.04});
    CHECK(t.bytes_of(1)[1] == 1510);
    CHECK(t.server_correct_at(1, 1));
    // Round trip through to_csv.
    CHECK(ok::parse_trace(ok::to_csv(t)) == t);
    // Without arrival_s.
    const auto u = ok::parse_trace("npu_confidence,npu_correct,bytes@224,server_correct@224\n0.5,1,37000,1\n");
    CHECK(u.arrival.empty());
    CHECK(u.resolutions == std::vector<std::string>{"224"});
}

TEST_CASE("parse_trace: every malformed input names the line and column") {
    const std::string head = "npu_confidence,npu_correct,bytes@45,server_correct@45\n";
    CHECK(parse_error(head + "0.5,1,1500,1\n1.5,1,1500,1\n") ==
          "parse_trace: line 3, column 1 ('npu_confidence'): 1.5, expected a value in [0, 1]");
    CHECK(parse_error(head + "0.5,2,1500,1\n") == "parse_trace: line 2, column 2 ('npu_correct'): 2, expected 0 or 1");
    CHECK(parse_error(head + "0.5,1,0,1\n") == "parse_trace: line 2, column 3 ('bytes@45'): 0, expected > 0");
    CHECK(parse_error(head + "0.5,1,-3,1\n") == "parse_trace: line 2, column 3 ('bytes@45'): -3, expected > 0");
    CHECK(parse_error(head + "0.5,1,abc,1\n") ==
          "parse_trace: line 2, column 3 ('bytes@45'): 'abc' is not a finite number");
    CHECK(parse_error(head + "0.5,1,nan,1\n") ==
          "parse_trace: line 2, column 3 ('bytes@45'): 'nan' is not a finite number");
    CHECK(parse_error(head + "0.5,1,1500,0.5\n") ==
          "parse_trace: line 2, column 4 ('server_correct@45'): 0.5, expected 0 or 1");
    CHECK(parse_error(head + "0.5,1,1500\n") == "parse_trace: line 2 has 3 fields, expected 4");
    CHECK(parse_error("npu_correct,bytes@45,server_correct@45\n1,1,1\n") ==
          "parse_trace: missing column 'npu_confidence'; columns read: 'npu_correct', 'bytes@45', "
          "'server_correct@45'");
    CHECK(parse_error("npu_confidence,npu_correct,bytes@45\n0.5,1,1\n") ==
          "parse_trace: missing column 'server_correct@45'; columns read: 'npu_confidence', 'npu_correct', "
          "'bytes@45'");
    CHECK(parse_error("npu_confidnce,npu_correct,bytes@45,server_correct@45\n0.5,1,1,1\n") ==
          "parse_trace: missing column 'npu_confidence'; columns read: 'npu_confidnce', 'npu_correct', "
          "'bytes@45', 'server_correct@45'; closest: 'npu_confidnce'");
    CHECK(parse_error("npu_confidence,npu_correct,bytes@45,server_correct@45,server_correct@90\n0.5,1,1,1,1\n") ==
          "parse_trace: column 5 ('server_correct@90') has no matching 'bytes@90' column");
    CHECK(parse_error("npu_confidence,npu_correct\n0.5,1\n") ==
          "parse_trace: no 'bytes@R' column: at least one resolution is needed");
    CHECK(parse_error("npu_confidence,npu_correct,bytes@,server_correct@\n0.5,1,1,1\n") ==
          "parse_trace: column 3 ('bytes@') has an empty resolution label");
    const std::string timed = "arrival_s," + head;
    CHECK(parse_error(timed + "0.1,0.5,1,1500,1\n0.05,0.5,1,1500,1\n") ==
          "parse_trace: line 3, column 1 ('arrival_s'): 0.05 is before the previous frame's arrival 0.1 (frames "
          "must be in arrival order)");
    CHECK(parse_error(timed + "-0.1,0.5,1,1500,1\n") == "parse_trace: line 2, column 1 ('arrival_s'): -0.1, expected >= 0");
    CHECK(parse_error("") == "parse_trace: no header row");
}

TEST_CASE("read_trace reads a file and validate_trace checks the struct") {
    ok::synthetic_trace_options o;
    o.frames = 50;
    o.with_arrival = true;
    const auto t = ok::make_synthetic_trace(o);
    const std::string path = "offloadkit_test_trace.csv";
    {
        std::ofstream out(path, std::ios::binary);
        out << ok::to_csv(t);
    }
    CHECK(ok::read_trace(path) == t);
    std::remove(path.c_str());
    CHECK_THROWS_WITH_AS((void)ok::read_trace("/nonexistent/trace.csv"),
                         "read_trace: cannot open '/nonexistent/trace.csv'", ok::invalid_argument);
    auto bad = t;
    bad.npu_correct[4] = 3;
    CHECK_THROWS_WITH_AS(ok::validate_trace(bad), "validate_trace: npu_correct[4] is 3, expected 0 or 1",
                         ok::invalid_argument);
    bad = t;
    bad.arrival[3] = bad.arrival[2] - 1.0;
    CHECK_THROWS_AS(ok::validate_trace(bad), ok::invalid_argument);
    bad = t;
    bad.bytes.pop_back();
    CHECK_THROWS_AS(ok::validate_trace(bad), ok::invalid_argument);
    bad = t;
    bad.resolutions[0] = "a,b";
    CHECK_THROWS_AS((void)ok::to_csv(bad), ok::invalid_argument);
}

TEST_CASE("read_trace: a UTF-8 byte-order mark before arrival_s changes nothing") {
    // The bundled trace with and without a BOM: the same frames, the same arrival times (before the
    // fix the BOM made arrival_s an unknown column, silently ignored: frames re-timed at i / fps).
    const std::string path = std::string(OFFLOADKIT_SOURCE_DIR) + "/examples/data/fashion_mnist_trace.csv";
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Its comment lines first: the header row is the first line without '#'; the BOM goes at the
    // very start of the file, where an exporter puts it. Also a header-first copy.
    const auto header_at = text.find("\nframe,");
    REQUIRE(header_at != std::string::npos);
    const std::string header_first = text.substr(header_at + 1);
    REQUIRE(header_first.find("arrival_s") < header_first.find('\n'));
    for (const std::string& body : {text, header_first}) {
        const auto plain = ok::parse_trace(body);
        const auto bom = ok::parse_trace("\xEF\xBB\xBF" + body);
        REQUIRE(plain.arrival.size() == plain.size());
        CHECK(bom == plain);
    }
    // And so the simulator's results (what offloadkit-sim printed differently: 0.8190 vs 0.8095).
    const auto plain = ok::parse_trace(header_first);
    const auto bom = ok::parse_trace("\xEF\xBB\xBF" + header_first);
    ok::sim_options at_10fps;
    at_10fps.fps = 10.0;  // differs from the trace's 30 fps: re-timing would change the result
    const auto a = ok::evaluate_trace(ok::policy_kind::cbo, plain, at_10fps);
    const auto b = ok::evaluate_trace(ok::policy_kind::cbo, bom, at_10fps);
    CHECK(a.accuracy == b.accuracy);
    CHECK(a.bytes == b.bytes);
    CHECK(a.log.back().arrival == plain.arrival.back());
    // A trace whose very first column is arrival_s, with a BOM, through the file reader.
    const std::string small = "arrival_s,npu_confidence,npu_correct,bytes@45,server_correct@45\n0.0,0.5,1,10,1\n0.25,0.5,1,10,1\n";
    const std::string tmp = "offloadkit_test_bom_trace.csv";
    {
        std::ofstream out(tmp, std::ios::binary);
        out << "\xEF\xBB\xBF" << small;
    }
    const auto t = ok::read_trace(tmp);
    std::remove(tmp.c_str());
    CHECK(t.arrival == std::vector<double>{0.0, 0.25});
}
