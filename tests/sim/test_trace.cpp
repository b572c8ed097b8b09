#include <offloadkit/sim/trace.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <limits>
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

TEST_CASE("parse_trace: npu_logit@0..K-1 with true_label (CBO Fig. 6), strict") {
    // Columns in any order; the logit columns in any order too (mapped by their suffix).
    const std::string text =
        "npu_logit@1,npu_confidence,npu_correct,bytes@45,server_correct@45,true_label,npu_logit@0,npu_logit@2\n"
        "2.5,0.7,1,1500,1,1,-1,0.25\n"
        "-3,0.6,0,1400,1,2,4,1e-3\n";
    const auto t = ok::parse_trace(text);
    REQUIRE(t.has_scores());
    CHECK(t.num_classes == 3);
    CHECK(t.true_label == std::vector<std::int32_t>{1, 2});
    CHECK(t.npu_logits == std::vector<double>{-1, 2.5, 0.25, 4, -3, 1e-3});
    CHECK(t.scores_of(1)[0] == 4);
    CHECK(ok::parse_trace(ok::to_csv(t)) == t);  // round trip
    CHECK(ok::to_csv(t).substr(0, ok::to_csv(t).find('\n')).ends_with(",true_label,npu_logit@0,npu_logit@1,npu_logit@2"));
    // Without them: nothing, and scores_of is empty.
    const auto u = ok::parse_trace("npu_confidence,npu_correct,bytes@45,server_correct@45\n0.5,1,1500,1\n");
    CHECK(!u.has_scores());
    CHECK(u.scores_of(0).empty());
    const std::string base = "npu_confidence,npu_correct,bytes@45,server_correct@45";
    CHECK(parse_error(base + ",true_label,npu_logit@0,npu_logit@1\n0.5,1,1500,1,2,0,1\n") ==
          "parse_trace: line 2, column 5 ('true_label'): 2, expected an integer in [0, 2)");
    CHECK(parse_error(base + ",true_label,npu_logit@0,npu_logit@1\n0.5,1,1500,1,0.5,0,1\n") ==
          "parse_trace: line 2, column 5 ('true_label'): 0.5, expected an integer in [0, 2)");
    CHECK(parse_error(base + ",true_label,npu_logit@0,npu_logit@1\n0.5,1,1500,1,-1,0,1\n") ==
          "parse_trace: line 2, column 5 ('true_label'): -1, expected an integer in [0, 2)");
    CHECK(parse_error(base + ",true_label,npu_logit@0,npu_logit@1\n0.5,1,1500,1,1,0,inf\n") ==
          "parse_trace: line 2, column 7 ('npu_logit@1'): 'inf' is not a finite number");
    CHECK(parse_error(base + ",true_label,npu_logit@0,npu_logit@2\n0.5,1,1500,1,1,0,1\n") ==
          "parse_trace: column 'npu_logit@1' is missing (the npu_logit@k columns must be exactly 0..K-1; the "
          "largest is 2)");
    CHECK(parse_error(base + ",true_label,npu_logit@0,npu_logit@01\n0.5,1,1500,1,1,0,1\n") ==
          "parse_trace: column 7 ('npu_logit@01'): the class index is not a decimal integer 0..6 without leading "
          "zeros");
    CHECK(parse_error(base + ",true_label,npu_logit@0,npu_logit@x\n0.5,1,1500,1,1,0,1\n") ==
          "parse_trace: column 7 ('npu_logit@x'): the class index is not a decimal integer 0..6 without leading "
          "zeros");
    CHECK(parse_error(base + ",true_label,npu_logit@0,npu_logit@1,npu_logit@1\n0.5,1,1500,1,1,0,1,1\n") ==
          "parse_trace: line 1: duplicate column 'npu_logit@1'");
    CHECK(parse_error(base + ",true_label,npu_logit@0\n0.5,1,1500,1,0,0\n") ==
          "parse_trace: only one npu_logit@k column ('npu_logit@0'), expected K >= 2 classes");
    // A true_label alone is an extra column, as before (a trace with labels only stays valid).
    CHECK(!ok::parse_trace(base + ",true_label\n0.5,1,1500,1,17\n").has_scores());
    CHECK(parse_error(base + ",npu_logit@0,npu_logit@1\n0.5,1,1500,1,0,1\n") ==
          "parse_trace: columns 'npu_logit@k' need the column 'true_label' too");
    // validate_trace checks the struct the same way.
    auto bad = t;
    bad.true_label[1] = 3;
    CHECK_THROWS_WITH_AS(ok::validate_trace(bad), "validate_trace: true_label[1] is 3, expected an integer in [0, 3)",
                         ok::invalid_argument);
    bad = t;
    bad.npu_logits[4] = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH_AS(ok::validate_trace(bad), "validate_trace: npu_logits[4] is NaN, expected a finite number",
                         ok::invalid_argument);
    bad = t;
    bad.npu_logits.pop_back();
    CHECK_THROWS_AS(ok::validate_trace(bad), ok::invalid_argument);
    bad = t;
    bad.num_classes = 1;
    CHECK_THROWS_AS(ok::validate_trace(bad), ok::invalid_argument);
}

TEST_CASE("parse_trace: the bundled Fashion-MNIST trace carries 10 classes; its npu_confidence is the softmax top-1") {
    const auto t = ok::read_trace(std::string(OFFLOADKIT_SOURCE_DIR) + "/examples/data/fashion_mnist_trace.csv");
    REQUIRE(t.has_scores());
    CHECK(t.num_classes == 10);
    CHECK(t.true_label.size() == t.size());
    // A property that could fail: the recorded max-softmax agrees with the recorded logits (to the
    // 6 significant digits the file keeps), and npu_correct is (arg max == true_label).
    std::size_t agree = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        const auto z = t.scores_of(i);
        std::size_t arg = 0;
        for (std::size_t k = 1; k < z.size(); ++k) {
            arg = z[k] > z[arg] ? k : arg;
        }
        double s = 0.0;
        for (const double v : z) {
            s += std::exp(v - z[arg]);
        }
        agree += std::abs(1.0 / s - t.confidence[i]) < 1e-4 ? 1 : 0;
        CHECK((arg == static_cast<std::size_t>(t.true_label[i])) == (t.npu_correct[i] != 0));
    }
    CHECK(agree == t.size());
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
