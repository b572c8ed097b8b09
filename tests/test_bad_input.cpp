// The bad-input catalogue (issue 7): one table of every public function that takes outside input,
// fed its bad inputs — NaN, +-inf, negative values, zero sizes, mismatched spans, empty ranges,
// out-of-range bits/levels/bins/indices, truncated bytes and text. Each row must throw
// offloadkit::invalid_argument (not another exception type, no crash: the asan-ubsan preset runs
// this file too) whose message starts with the function's name and names the argument, and, where
// the function has an output buffer or state, must leave it untouched (filled with a sentinel
// before the call, compared after).
//
// A second, shorter table lists inputs that are accepted on purpose with a defined result (a
// clamp, a NaN propagated as torch does, ...), each with a check of that result.
//
// docs/robustness.md holds the same tables for users, generated from these rows (row id, function,
// input, the exact message). The last test case fails when the two differ; to regenerate the doc
// after changing rows or messages, run
//     OFFLOADKIT_UPDATE_ROBUSTNESS_DOC=1 build/dev/tests/offloadkit-tests -tc='bad input catalogue: docs*'
#include <offloadkit/io/json.hpp>
#include <offloadkit/io/svg.hpp>
#include <offloadkit/offloadkit.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <typeinfo>
#include <utility>
#include <vector>

#include "runtime/noop_backends.hpp"

namespace ok = offloadkit;

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();
constexpr float nanf = std::numeric_limits<float>::quiet_NaN();
constexpr float inff = std::numeric_limits<float>::infinity();
constexpr std::size_t size_max = std::numeric_limits<std::size_t>::max();

// ---- the table -------------------------------------------------------------------------------

/// One rejected input.
struct row {
    std::string id;        ///< group/slug, unique: the "test name" of docs/robustness.md
    std::string function;  ///< the public function called
    std::string input;     ///< the bad input, in words
    std::string reports;   ///< the message prefix before ": " (the function itself unless noted)
    std::string expected;  ///< a part of the message that names the argument (and index)
    std::function<void()> call;
    std::string kept;                   ///< what must stay unchanged ("" = no output or state)
    std::function<bool()> unchanged;    ///< checks it after the throw

    /// The output buffer / state `what` must be unchanged after the throw.
    row& keeps(std::string what, std::function<bool()> check) {
        kept = std::move(what);
        unchanged = std::move(check);
        return *this;
    }
    /// The message is reported under another function's name (documented in the docs table).
    row& reported_as(std::string name) {
        reports = std::move(name);
        return *this;
    }
};

/// One input accepted on purpose, with its defined behaviour.
struct accepted_row {
    std::string id;
    std::string function;
    std::string input;
    std::string behaviour;
    std::function<bool()> holds;
};

struct table {
    std::string group;
    std::vector<row> rows;
    std::vector<accepted_row> accepted;

    row& reject(std::string slug, std::string function, std::string input, std::string expected,
                std::function<void()> call) {
        rows.push_back(row{group + "/" + slug, function, std::move(input), function, std::move(expected),
                           std::move(call), "", {}});
        return rows.back();
    }
    void accept(std::string slug, std::string function, std::string input, std::string behaviour,
                std::function<bool()> holds) {
        accepted.push_back(
            accepted_row{group + "/" + slug, std::move(function), std::move(input), std::move(behaviour), std::move(holds)});
    }
};

/// What calling a row's function did.
struct outcome {
    bool invalid_argument = false;
    std::string message;  ///< e.what() of the invalid_argument, or a description of what happened
};

outcome run(const row& r) {
    outcome o;
    try {
        r.call();
        o.message = "no exception";
    } catch (const ok::invalid_argument& e) {
        o.invalid_argument = true;
        o.message = e.what();
    } catch (const std::exception& e) {
        o.message = std::string("wrong exception type ") + typeid(e).name() + ": " + e.what();
    } catch (...) {
        o.message = "an exception not derived from std::exception";
    }
    return o;
}

/// The checks of the file comment, for every row of `t`.
void check_table(const table& t) {
    std::set<std::string> ids;
    for (const auto& r : t.rows) {
        INFO("row ", r.id, " (", r.function, ": ", r.input, ")");
        CHECK(ids.insert(r.id).second);  // unique ids
        const outcome o = run(r);
        CHECK_MESSAGE(o.invalid_argument, o.message);
        if (!o.invalid_argument) {
            continue;
        }
        CHECK_MESSAGE(o.message.starts_with(r.reports + ": "), o.message);
        CHECK_MESSAGE(o.message.find(r.expected) != std::string::npos, o.message);
        CHECK(!r.expected.empty());
        if (r.unchanged) {
            CHECK_MESSAGE(r.unchanged(), r.kept, " changed");
        }
    }
    for (const auto& a : t.accepted) {
        INFO("accepted row ", a.id, " (", a.function, ": ", a.input, ")");
        CHECK(ids.insert(a.id).second);
        bool holds = false;
        try {
            holds = a.holds();
        } catch (const std::exception& e) {
            FAIL_CHECK("threw ", e.what());
        }
        CHECK_MESSAGE(holds, a.behaviour);
    }
}

// ---- helpers -----------------------------------------------------------------------------------

constexpr double sentinel = 12345.5;  // exactly representable in float and double

/// A shared output buffer filled with a sentinel; untouched() says whether it still holds only it.
template <class T>
struct buffer {
    std::shared_ptr<std::vector<T>> v;
    explicit buffer(std::size_t n, T fill = static_cast<T>(sentinel)) : v(std::make_shared<std::vector<T>>(n, fill)) {}
    std::vector<T>& operator*() const { return *v; }
    [[nodiscard]] std::function<bool()> untouched() const {
        auto keep = v;
        const std::vector<T> copy = *v;
        return [keep, copy] { return *keep == copy; };
    }
};

const std::vector<double> scores{0.1, 0.4, 0.35, 0.8, 0.9, 0.65, 0.2, 0.55};
const std::vector<std::uint8_t> labels{0, 0, 1, 1, 1, 0, 0, 1};

/// 3 classes, 6 samples of row-major logits.
const std::vector<double> logits3{2, 0, 0, 0, 2, 1, 1, 0, 2, 3, 1, 0, 0, 1, 3, 1, 2, 0};
const std::vector<int> classes3{0, 1, 2, 0, 2, 1};

template <class T>
std::string join_lines(std::initializer_list<T> lines) {
    std::string s;
    for (const auto& l : lines) {
        s += l;
        s += '\n';
    }
    return s;
}

/// `text` with the first occurrence of `from` replaced by `to` (must occur).
std::string replaced(std::string text, std::string_view from, std::string_view to) {
    const auto at = text.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, "'", std::string(from), "' not in the text");
    text.replace(at, from.size(), to);
    return text;
}

// ---- calibration (CBO §III) ---------------------------------------------------------------

table calibration_rows() {
    table t{"calibration", {}, {}};
    // scores.hpp
    {
        buffer<double> out(3);
        t.reject("softmax_empty", "softmax", "logits empty", "logits is empty",
                 [out] { ok::softmax(std::vector<double>{}, *out); })
            .keeps("probs", out.untouched());
    }
    {
        buffer<double> out(3);
        t.reject("softmax_nan", "softmax", "logits[1] = NaN", "logits[1] is NaN",
                 [out] { ok::softmax(std::vector<double>{1, nan, 2}, *out); })
            .keeps("probs", out.untouched());
    }
    {
        buffer<float> out(2);
        t.reject("softmax_inf", "softmax", "logits[1] = +inf (float)", "logits[1] is inf",
                 [out] { ok::softmax(std::vector<float>{1, inff}, *out); })
            .keeps("probs", out.untouched());
    }
    {
        buffer<double> out(2);
        t.reject("softmax_size_mismatch", "softmax", "probs of 2 for 3 logits", "probs has size 2, expected 3",
                 [out] { ok::softmax(std::vector<double>{1, 2, 3}, *out); })
            .keeps("probs", out.untouched());
    }
    t.reject("top1_empty", "top1_confidence", "logits empty", "logits is empty",
             [] { (void)ok::top1_confidence(std::vector<float>{}); });
    t.reject("top1_neg_inf", "top1_confidence", "logits[0] = -inf", "logits[0] is -inf",
             [] { (void)ok::top1_confidence(std::vector<double>{-inf, 1}); });
    t.reject("margin_nan", "margin_confidence", "logits[2] = NaN", "logits[2] is NaN",
             [] { (void)ok::margin_confidence(std::vector<double>{1, 2, nan}); });
    t.reject("entropy_empty", "entropy", "logits empty", "logits is empty",
             [] { (void)ok::entropy(std::vector<double>{}); });

    // identity.hpp
    t.reject("identity_fit_empty", "identity_calibrator::fit", "no scores", "scores is empty", [] {
        (void)ok::identity_calibrator::fit(std::vector<double>{}, std::vector<std::uint8_t>{});
    });
    t.reject("identity_fit_size_mismatch", "identity_calibrator::fit", "2 labels for 3 scores",
             "labels has size 2, expected 3", [] {
                 (void)ok::identity_calibrator::fit(std::vector<double>{0.1, 0.2, 0.3}, std::vector<std::uint8_t>{0, 1});
             });
    t.reject("identity_fit_nan", "identity_calibrator::fit", "scores[0] = NaN", "scores[0] is NaN", [] {
        (void)ok::identity_calibrator::fit(std::vector<double>{nan}, std::vector<std::uint8_t>{1});
    });
    t.reject("identity_fit_label", "identity_calibrator::fit", "labels[1] = 2", "labels[1] is 2, expected 0 or 1", [] {
        (void)ok::identity_calibrator::fit(std::vector<double>{0.1, 0.2}, std::vector<std::uint8_t>{0, 2});
    });
    t.reject("identity_apply_nan", "identity_calibrator", "score NaN", "score is NaN",
             [] { (void)ok::identity_calibrator{}(nan); });
    {
        buffer<double> out(2);
        t.reject("identity_transform_size_mismatch", "identity_calibrator::transform", "out of 2 for 3 scores",
                 "out has size 2, expected 3",
                 [out] { ok::identity_calibrator{}.transform(std::vector<double>{0.1, 0.2, 0.3}, *out); })
            .keeps("out", out.untouched());
    }
    {
        buffer<double> out(3);
        t.reject("identity_transform_inf", "identity_calibrator::transform", "in[2] = +inf", "in[2] is inf",
                 [out] { ok::identity_calibrator{}.transform(std::vector<double>{0.1, 0.2, inf}, *out); })
            .keeps("out", out.untouched());
    }
    t.reject("identity_from_string_wrong_kind", "identity_calibrator::from_string", "a Platt calibrator's text",
             "text line 1 is 'offloadkit.platt_calibrator 1', expected 'offloadkit.identity_calibrator 1'",
             [] { (void)ok::identity_calibrator::from_string(ok::to_string(ok::platt_calibrator(1, 2))); });
    t.reject("identity_from_string_empty", "identity_calibrator::from_string", "empty text",
             "text line 1 is missing", [] { (void)ok::identity_calibrator::from_string(""); });
    t.reject("identity_from_string_trailing", "identity_calibrator::from_string", "an extra line",
             "text line 2 is 'x', expected the end of the text",
             [] { (void)ok::identity_calibrator::from_string("offloadkit.identity_calibrator 1\nx\n"); });

    // platt.hpp
    t.reject("platt_ctor_nan", "platt_calibrator", "a = NaN", "a is NaN", [] { (void)ok::platt_calibrator(nan, 0); });
    t.reject("platt_ctor_inf", "platt_calibrator", "b = +inf", "b is inf", [] { (void)ok::platt_calibrator(1, inf); });
    t.reject("platt_fit_empty", "platt_calibrator::fit", "no scores", "scores is empty", [] {
        (void)ok::platt_calibrator::fit(std::vector<double>{}, std::vector<std::uint8_t>{});
    });
    t.reject("platt_fit_size_mismatch", "platt_calibrator::fit", "7 labels for 8 scores",
             "labels has size 7, expected 8 (the size of scores)", [] {
                 (void)ok::platt_calibrator::fit(scores, std::span<const std::uint8_t>(labels).first(7));
             });
    t.reject("platt_fit_nan", "platt_calibrator::fit", "scores[5] = NaN", "scores[5] is NaN", [] {
        auto s = scores;
        s[5] = nan;
        (void)ok::platt_calibrator::fit(s, labels);
    });
    t.reject("platt_fit_inf", "platt_calibrator::fit", "scores[2] = +inf (float)", "scores[2] is inf", [] {
        std::vector<float> s(scores.begin(), scores.end());
        s[2] = inff;
        (void)ok::platt_calibrator::fit(s, labels);
    });
    t.reject("platt_fit_neg_inf", "platt_calibrator::fit", "scores[0] = -inf", "scores[0] is -inf", [] {
        auto s = scores;
        s[0] = -inf;
        (void)ok::platt_calibrator::fit(s, labels);
    });
    t.reject("platt_fit_label_2", "platt_calibrator::fit", "labels[3] = 2", "labels[3] is 2, expected 0 or 1", [] {
        auto y = labels;
        y[3] = 2;
        (void)ok::platt_calibrator::fit(scores, y);
    });
    t.reject("platt_fit_label_negative", "platt_calibrator::fit", "labels[1] = -1 (int labels)",
             "labels[1] is -1, expected 0 or 1", [] {
                 std::vector<int> y(labels.begin(), labels.end());
                 y[1] = -1;
                 (void)ok::platt_calibrator::fit(scores, y);
             });
    t.reject("platt_fit_max_iterations", "platt_calibrator::fit", "options.max_iterations = 0",
             "options.max_iterations is 0", [] {
                 ok::platt_options o;
                 o.max_iterations = 0;
                 (void)ok::platt_calibrator::fit(scores, labels, o);
             });
    t.reject("platt_fit_min_step_zero", "platt_calibrator::fit", "options.min_step = 0",
             "options.min_step is 0, expected a value in (0, 1]", [] {
                 ok::platt_options o;
                 o.min_step = 0;
                 (void)ok::platt_calibrator::fit(scores, labels, o);
             });
    t.reject("platt_fit_min_step_nan", "platt_calibrator::fit", "options.min_step = NaN", "options.min_step is NaN", [] {
        ok::platt_options o;
        o.min_step = nan;
        (void)ok::platt_calibrator::fit(scores, labels, o);
    });
    t.reject("platt_fit_weights_size", "platt_calibrator::fit", "3 weights for 8 scores",
             "weights has size 3, expected 8 (the size of scores)",
             [] { (void)ok::platt_calibrator::fit(scores, labels, std::vector<double>{1, 1, 1}); });
    t.reject("platt_fit_weight_negative", "platt_calibrator::fit", "weights[4] = -1",
             "weights[4] is -1, expected a finite number >= 0", [] {
                 std::vector<double> w(8, 1.0);
                 w[4] = -1;
                 (void)ok::platt_calibrator::fit(scores, labels, w);
             });
    t.reject("platt_fit_weight_nan", "platt_calibrator::fit", "weights[0] = NaN", "weights[0] is NaN", [] {
        std::vector<double> w(8, 1.0);
        w[0] = nan;
        (void)ok::platt_calibrator::fit(scores, labels, w);
    });
    t.reject("platt_fit_weight_inf", "platt_calibrator::fit", "weights[7] = +inf", "weights[7] is inf", [] {
        std::vector<double> w(8, 1.0);
        w[7] = inf;
        (void)ok::platt_calibrator::fit(scores, labels, w);
    });
    t.reject("platt_fit_weights_zero", "platt_calibrator::fit", "every weight 0", "weights are all zero",
             [] { (void)ok::platt_calibrator::fit(scores, labels, std::vector<double>(8, 0.0)); });
    const auto platt = ok::platt_calibrator::fit(scores, labels);
    t.reject("platt_apply_nan", "platt_calibrator", "score NaN", "score is NaN", [platt] { (void)platt(nan); });
    t.reject("platt_apply_inf", "platt_calibrator", "score -inf", "score is -inf", [platt] { (void)platt(-inf); });
    {
        buffer<double> out(5);
        t.reject("platt_transform_size_mismatch", "platt_calibrator::transform", "out of 5 for 8 scores",
                 "out has size 5, expected 8 (the size of in)", [platt, out] { platt.transform(scores, *out); })
            .keeps("out", out.untouched());
    }
    {
        buffer<double> out(9);
        t.reject("platt_transform_nan_simd", "platt_calibrator::transform", "in[8] = NaN (double -> double, SIMD path)",
                 "in[8] is NaN", [platt, out] {
                     std::vector<double> in(9, 0.5);
                     in[8] = nan;
                     platt.transform(in, *out);
                 })
            .keeps("out", out.untouched());
    }
    {
        buffer<float> out(4);
        t.reject("platt_transform_inf_float", "platt_calibrator::transform", "in[1] = +inf (float -> float)",
                 "in[1] is inf", [platt, out] { platt.transform(std::vector<float>{0.1F, inff, 0.2F, 0.3F}, *out); })
            .keeps("out", out.untouched());
    }
    const std::string platt_text = ok::to_string(platt);
    t.reject("platt_from_string_empty", "platt_calibrator::from_string", "empty text", "text line 1 is missing",
             [] { (void)ok::platt_calibrator::from_string(""); });
    t.reject("platt_from_string_version", "platt_calibrator::from_string", "version 2",
             "text line 1 is 'offloadkit.platt_calibrator 2', expected 'offloadkit.platt_calibrator 1'",
             [] { (void)ok::platt_calibrator::from_string("offloadkit.platt_calibrator 2\na 1\nb 2\n"); });
    t.reject("platt_from_string_truncated_line", "platt_calibrator::from_string", "text cut after line 2",
             "text line 3 is missing, expected 'b <finite number>'",
             [] { (void)ok::platt_calibrator::from_string("offloadkit.platt_calibrator 1\na 0.5\n"); });
    t.reject("platt_from_string_truncated_value", "platt_calibrator::from_string", "text cut inside line 3 ('b')",
             "text line 3 is 'b', expected 'b <finite number>'",
             [] { (void)ok::platt_calibrator::from_string("offloadkit.platt_calibrator 1\na 0.5\nb"); });
    t.reject("platt_from_string_nan", "platt_calibrator::from_string", "a = nan",
             "text line 2 is 'a nan', expected 'a <finite number>'",
             [] { (void)ok::platt_calibrator::from_string("offloadkit.platt_calibrator 1\na nan\nb 2\n"); });
    t.reject("platt_from_string_inf", "platt_calibrator::from_string", "b = inf", "text line 3 is 'b inf'",
             [] { (void)ok::platt_calibrator::from_string("offloadkit.platt_calibrator 1\na 1\nb inf\n"); });
    t.reject("platt_from_string_overflow", "platt_calibrator::from_string", "a = 1e999 (overflows a double)",
             "text line 2 is 'a 1e999'",
             [] { (void)ok::platt_calibrator::from_string("offloadkit.platt_calibrator 1\na 1e999\nb 2\n"); });
    t.reject("platt_from_string_plus", "platt_calibrator::from_string", "a = +1 (a sign the writer never emits)",
             "text line 2 is 'a +1'",
             [] { (void)ok::platt_calibrator::from_string("offloadkit.platt_calibrator 1\na +1\nb 2\n"); });
    t.reject("platt_from_string_two_spaces", "platt_calibrator::from_string", "two spaces after the key",
             "text line 2 is 'a  1'",
             [] { (void)ok::platt_calibrator::from_string("offloadkit.platt_calibrator 1\na  1\nb 2\n"); });
    t.reject("platt_from_string_extra_line", "platt_calibrator::from_string", "an extra line 'c 3'",
             "text line 4 is 'c 3', expected the end of the text",
             [platt_text] { (void)ok::platt_calibrator::from_string(platt_text + "c 3\n"); });

    // isotonic.hpp
    t.reject("isotonic_ctor_empty", "isotonic_calibrator", "no points", "x is empty",
             [] { (void)ok::isotonic_calibrator({}, {}); });
    t.reject("isotonic_ctor_size_mismatch", "isotonic_calibrator", "1 value for 2 scores",
             "y has size 1, expected 2 (the size of x)", [] { (void)ok::isotonic_calibrator({0, 1}, {0.5}); });
    t.reject("isotonic_ctor_x_repeated", "isotonic_calibrator", "x = {0.5, 0.5}", "x[1] is 0.5, expected > x[0] = 0.5",
             [] { (void)ok::isotonic_calibrator({0.5, 0.5}, {0.1, 0.2}); });
    t.reject("isotonic_ctor_x_nan", "isotonic_calibrator", "x[1] = NaN", "x[1] is NaN, expected a finite number",
             [] { (void)ok::isotonic_calibrator({0, nan}, {0.1, 0.2}); });
    t.reject("isotonic_ctor_y_above_1", "isotonic_calibrator", "y[1] = 1.5", "y[1] is 1.5, expected a value in [0, 1]",
             [] { (void)ok::isotonic_calibrator({0, 1}, {0.1, 1.5}); });
    t.reject("isotonic_ctor_y_nan", "isotonic_calibrator", "y[0] = NaN", "y[0] is NaN",
             [] { (void)ok::isotonic_calibrator({0, 1}, {nan, 0.5}); });
    t.reject("isotonic_ctor_not_monotone", "isotonic_calibrator", "y decreasing for an increasing map",
             "y[1] is 0.4, expected >= y[0] = 0.6", [] { (void)ok::isotonic_calibrator({0, 1}, {0.6, 0.4}); });
    t.reject("isotonic_fit_empty", "isotonic_calibrator::fit", "no scores", "scores is empty", [] {
        (void)ok::isotonic_calibrator::fit(std::vector<double>{}, std::vector<std::uint8_t>{});
    });
    t.reject("isotonic_fit_size_mismatch", "isotonic_calibrator::fit", "9 labels for 8 scores",
             "labels has size 9, expected 8", [] {
                 auto y = labels;
                 y.push_back(0);
                 (void)ok::isotonic_calibrator::fit(scores, y);
             });
    t.reject("isotonic_fit_nan", "isotonic_calibrator::fit", "scores[7] = NaN (float)", "scores[7] is NaN", [] {
        std::vector<float> s(scores.begin(), scores.end());
        s[7] = nanf;
        (void)ok::isotonic_calibrator::fit(s, labels);
    });
    t.reject("isotonic_fit_label_3", "isotonic_calibrator::fit", "labels[0] = 3", "labels[0] is 3, expected 0 or 1", [] {
        auto y = labels;
        y[0] = 3;
        (void)ok::isotonic_calibrator::fit(scores, y);
    });
    t.reject("isotonic_fit_weight_negative", "isotonic_calibrator::fit", "weights[2] = -0.5",
             "weights[2] is -0.5, expected a finite number >= 0", [] {
                 std::vector<double> w(8, 1.0);
                 w[2] = -0.5;
                 (void)ok::isotonic_calibrator::fit(scores, labels, w);
             });
    t.reject("isotonic_fit_weights_zero", "isotonic_calibrator::fit", "every weight 0", "weights are all zero",
             [] { (void)ok::isotonic_calibrator::fit(scores, labels, std::vector<double>(8, 0.0)); });
    t.reject("isotonic_fit_weights_size", "isotonic_calibrator::fit", "no weights for 8 scores",
             "weights has size 0, expected 8",
             [] { (void)ok::isotonic_calibrator::fit(scores, labels, std::vector<double>{}); });
    const auto iso = ok::isotonic_calibrator::fit(scores, labels);
    t.reject("isotonic_apply_nan", "isotonic_calibrator", "score NaN", "score is NaN", [iso] { (void)iso(nan); });
    {
        buffer<double> out(7);
        t.reject("isotonic_transform_size_mismatch", "isotonic_calibrator::transform", "out of 7 for 8 scores",
                 "out has size 7, expected 8", [iso, out] { iso.transform(scores, *out); })
            .keeps("out", out.untouched());
    }
    {
        buffer<float> out(3);
        t.reject("isotonic_transform_neg_inf", "isotonic_calibrator::transform", "in[0] = -inf", "in[0] is -inf",
                 [iso, out] { iso.transform(std::vector<double>{-inf, 0.5, 0.6}, *out); })
            .keeps("out", out.untouched());
    }
    const std::string iso_head = "offloadkit.isotonic_calibrator 1\nincreasing 1\n";
    t.reject("isotonic_from_string_zero_points", "isotonic_calibrator::from_string", "points 0",
             "text declares 0 points, expected at least 1",
             [iso_head] { (void)ok::isotonic_calibrator::from_string(iso_head + "points 0\n"); });
    t.reject("isotonic_from_string_count_too_large", "isotonic_calibrator::from_string",
             "points 5 with one row left (a truncated text; the bound counts the points line too)", "text line 3 is 'points 5', expected 'points <count>' with count <= 2",
             [iso_head] { (void)ok::isotonic_calibrator::from_string(iso_head + "points 5\n0 0\n"); });
    t.reject("isotonic_from_string_short_row", "isotonic_calibrator::from_string", "a row with one number",
             "text line 4 is '0.5', expected 2 finite numbers separated by single spaces",
             [iso_head] { (void)ok::isotonic_calibrator::from_string(iso_head + "points 1\n0.5\n"); });
    t.reject("isotonic_from_string_x_decreasing", "isotonic_calibrator::from_string", "x[1] < x[0]",
             "x[1] is 0.2, expected > x[0] = 0.5",
             [iso_head] { (void)ok::isotonic_calibrator::from_string(iso_head + "points 2\n0.5 0.1\n0.2 0.3\n"); });
    t.reject("isotonic_from_string_y_above_1", "isotonic_calibrator::from_string", "y[0] = 1.5",
             "y[0] is 1.5, expected a value in [0, 1]",
             [iso_head] { (void)ok::isotonic_calibrator::from_string(iso_head + "points 1\n0.5 1.5\n"); });
    t.reject("isotonic_from_string_direction", "isotonic_calibrator::from_string", "increasing 2",
             "text line 2 is 'increasing 2', expected 'increasing <count>' with count <= 1", [] {
                 (void)ok::isotonic_calibrator::from_string("offloadkit.isotonic_calibrator 1\nincreasing 2\npoints 1\n0 0\n");
             });
    t.reject("isotonic_from_string_truncated", "isotonic_calibrator::from_string", "the last row cut in half",
             "text line 5 is '0.9', expected 2 finite numbers",
             [iso_head] { (void)ok::isotonic_calibrator::from_string(iso_head + "points 2\n0.1 0.2\n0.9"); });

    // temperature.hpp
    t.reject("temperature_ctor_zero", "temperature_scaler", "T = 0", "temperature is 0, expected a finite number > 0",
             [] { (void)ok::temperature_scaler(0.0); });
    t.reject("temperature_ctor_negative", "temperature_scaler", "T = -1", "temperature is -1",
             [] { (void)ok::temperature_scaler(-1.0); });
    t.reject("temperature_ctor_nan", "temperature_scaler", "T = NaN", "temperature is NaN",
             [] { (void)ok::temperature_scaler(nan); });
    t.reject("temperature_ctor_inf", "temperature_scaler", "T = +inf", "temperature is inf",
             [] { (void)ok::temperature_scaler(inf); });
    t.reject("temperature_fit_zero_classes", "temperature_scaler::fit", "num_classes = 0",
             "num_classes is 0, expected >= 1", [] { (void)ok::temperature_scaler::fit(logits3, 0, classes3); });
    t.reject("temperature_fit_no_labels", "temperature_scaler::fit", "no class labels", "class_labels is empty",
             [] { (void)ok::temperature_scaler::fit(logits3, 3, std::vector<int>{}); });
    t.reject("temperature_fit_size_mismatch", "temperature_scaler::fit", "17 logits for 6 x 3",
             "logits has size 17, expected 6 * 3 (class_labels.size() * num_classes)", [] {
                 (void)ok::temperature_scaler::fit(std::span<const double>(logits3).first(17), 3, classes3);
             });
    t.reject("temperature_fit_nan", "temperature_scaler::fit", "logits[4] = NaN", "logits[4] is NaN", [] {
        auto z = logits3;
        z[4] = nan;
        (void)ok::temperature_scaler::fit(z, 3, classes3);
    });
    t.reject("temperature_fit_label_k", "temperature_scaler::fit", "class_labels[2] = 3 with 3 classes",
             "class_labels[2] is 3, expected 0..2", [] {
                 auto c = classes3;
                 c[2] = 3;
                 (void)ok::temperature_scaler::fit(logits3, 3, c);
             });
    t.reject("temperature_fit_label_negative", "temperature_scaler::fit", "class_labels[0] = -1",
             "class_labels[0] is -1, expected 0..2", [] {
                 auto c = classes3;
                 c[0] = -1;
                 (void)ok::temperature_scaler::fit(logits3, 3, c);
             });
    t.reject("temperature_fit_bracket_zero", "temperature_scaler::fit", "options.min_temperature = 0",
             "options.min_temperature is 0 and options.max_temperature is 1000", [] {
                 ok::temperature_options o;
                 o.min_temperature = 0;
                 (void)ok::temperature_scaler::fit(logits3, 3, classes3, o);
             });
    t.reject("temperature_fit_bracket_inf", "temperature_scaler::fit", "options.max_temperature = +inf",
             "options.max_temperature is inf", [] {
                 ok::temperature_options o;
                 o.max_temperature = inf;
                 (void)ok::temperature_scaler::fit(logits3, 3, classes3, o);
             });
    t.reject("temperature_fit_bracket_inverted", "temperature_scaler::fit", "min_temperature > max_temperature",
             "options.min_temperature is 5 and options.max_temperature is 2, expected 0 < min < max < inf", [] {
                 ok::temperature_options o;
                 o.min_temperature = 5;
                 o.max_temperature = 2;
                 (void)ok::temperature_scaler::fit(logits3, 3, classes3, o);
             });
    t.reject("temperature_fit_iterations", "temperature_scaler::fit", "options.max_iterations = 0",
             "options.max_iterations is 0", [] {
                 ok::temperature_options o;
                 o.max_iterations = 0;
                 (void)ok::temperature_scaler::fit(logits3, 3, classes3, o);
             });
    const ok::temperature_scaler temp(1.7);
    {
        buffer<double> out(3);
        t.reject("temperature_apply_empty", "temperature_scaler", "logits empty", "logits is empty",
                 [temp, out] { temp(std::vector<double>{}, *out); })
            .keeps("probs", out.untouched());
    }
    {
        buffer<double> out(3);
        t.reject("temperature_apply_nan", "temperature_scaler", "logits[0] = NaN", "logits[0] is NaN",
                 [temp, out] { temp(std::vector<double>{nan, 1, 2}, *out); })
            .keeps("probs", out.untouched());
    }
    {
        buffer<double> out(2);
        t.reject("temperature_apply_size_mismatch", "temperature_scaler", "probs of 2 for 3 logits",
                 "probs has size 2, expected 3 (the size of logits)",
                 [temp, out] { temp(std::vector<double>{0, 1, 2}, *out); })
            .keeps("probs", out.untouched());
    }
    t.reject("temperature_confidence_empty", "temperature_scaler::confidence", "logits empty", "logits is empty",
             [temp] { (void)temp.confidence(std::vector<float>{}); });
    {
        buffer<double> out(18);
        t.reject("temperature_transform_zero_classes", "temperature_scaler::transform", "num_classes = 0",
                 "num_classes is 0, expected >= 1", [temp, out] { temp.transform(logits3, 0, *out); })
            .keeps("probs", out.untouched());
    }
    {
        buffer<double> out(18);
        t.reject("temperature_transform_not_multiple", "temperature_scaler::transform", "18 logits, 4 classes",
                 "logits has size 18, expected a multiple of num_classes = 4",
                 [temp, out] { temp.transform(logits3, 4, *out); })
            .keeps("probs", out.untouched());
    }
    {
        buffer<double> out(15);
        t.reject("temperature_transform_size_mismatch", "temperature_scaler::transform", "15 probs for 18 logits",
                 "probs has size 15, expected 18", [temp, out] { temp.transform(logits3, 3, *out); })
            .keeps("probs", out.untouched());
    }
    {
        buffer<double> out(18);
        t.reject("temperature_transform_inf", "temperature_scaler::transform", "logits[17] = +inf",
                 "logits[17] is inf",
                 [temp, out] {
                     auto z = logits3;
                     z[17] = inf;
                     temp.transform(z, 3, *out);
                 })
            .keeps("probs (earlier rows too)", out.untouched());
    }
    t.reject("temperature_from_string_zero", "temperature_scaler::from_string", "temperature 0",
             "temperature is 0, expected > 0",
             [] { (void)ok::temperature_scaler::from_string("offloadkit.temperature_scaler 1\ntemperature 0\n"); });
    t.reject("temperature_from_string_negative", "temperature_scaler::from_string", "temperature -2",
             "temperature is -2, expected > 0",
             [] { (void)ok::temperature_scaler::from_string("offloadkit.temperature_scaler 1\ntemperature -2\n"); });
    t.reject("temperature_from_string_nan", "temperature_scaler::from_string", "temperature nan",
             "text line 2 is 'temperature nan', expected 'temperature <finite number>'",
             [] { (void)ok::temperature_scaler::from_string("offloadkit.temperature_scaler 1\ntemperature nan\n"); });
    t.reject("temperature_from_string_truncated", "temperature_scaler::from_string", "the header only",
             "text line 2 is missing",
             [] { (void)ok::temperature_scaler::from_string("offloadkit.temperature_scaler 1\n"); });

    // one_vs_rest.hpp
    t.reject("ovr_fit_zero_classes", "one_vs_rest_calibrator::fit", "num_classes = 0", "num_classes is 0",
             [] { (void)ok::one_vs_rest_calibrator::fit(logits3, 0, classes3); });
    t.reject("ovr_fit_size_mismatch", "one_vs_rest_calibrator::fit", "18 logits for 5 x 3",
             "logits has size 18, expected 5 * 3", [] {
                 (void)ok::one_vs_rest_calibrator::fit(logits3, 3, std::span<const int>(classes3).first(5));
             });
    t.reject("ovr_fit_nan", "one_vs_rest_calibrator::fit", "logits[0] = NaN", "logits[0] is NaN", [] {
        auto z = logits3;
        z[0] = nan;
        (void)ok::one_vs_rest_calibrator::fit(z, 3, classes3);
    });
    t.reject("ovr_fit_label", "one_vs_rest_calibrator::fit", "class_labels[5] = 7", "class_labels[5] is 7, expected 0..2",
             [] {
                 auto c = classes3;
                 c[5] = 7;
                 (void)ok::one_vs_rest_calibrator::fit(logits3, 3, c);
             });
    t.reject("ovr_fit_c_zero", "one_vs_rest_calibrator::fit", "options.c = 0", "options.c is 0, expected a finite number > 0",
             [] {
                 ok::one_vs_rest_options o;
                 o.c = 0;
                 (void)ok::one_vs_rest_calibrator::fit(logits3, 3, classes3, o);
             });
    t.reject("ovr_fit_c_inf", "one_vs_rest_calibrator::fit", "options.c = +inf", "options.c is inf", [] {
        ok::one_vs_rest_options o;
        o.c = inf;
        (void)ok::one_vs_rest_calibrator::fit(logits3, 3, classes3, o);
    });
    t.reject("ovr_fit_iterations", "one_vs_rest_calibrator::fit", "options.max_iterations = 0",
             "options.max_iterations is 0", [] {
                 ok::one_vs_rest_options o;
                 o.max_iterations = 0;
                 (void)ok::one_vs_rest_calibrator::fit(logits3, 3, classes3, o);
             });
    const auto ovr = ok::one_vs_rest_calibrator::fit(logits3, 3, classes3);
    t.reject("ovr_weights_class", "one_vs_rest_calibrator::weights", "class 3 of 3", "class is 3, expected 0..2",
             [ovr] { (void)ovr.weights(3); });
    t.reject("ovr_bias_class", "one_vs_rest_calibrator::bias", "class SIZE_MAX", "class is 18446744073709551615",
             [ovr] { (void)ovr.bias(size_max); });
    {
        buffer<double> out(3);
        t.reject("ovr_apply_default_constructed", "one_vs_rest_calibrator", "a default-constructed calibrator",
                 "the calibrator has no classes",
                 [out] { ok::one_vs_rest_calibrator{}(std::vector<double>{1, 2, 3}, *out); })
            .keeps("probs", out.untouched());
    }
    {
        buffer<double> out(3);
        t.reject("ovr_apply_wrong_size", "one_vs_rest_calibrator", "2 logits for 3 classes",
                 "logits has size 2, expected 3 (the size of num_classes())",
                 [ovr, out] { ovr(std::vector<double>{1, 2}, *out); })
            .keeps("probs", out.untouched());
    }
    {
        buffer<double> out(3);
        t.reject("ovr_apply_nan", "one_vs_rest_calibrator", "logits[1] = NaN", "logits[1] is NaN",
                 [ovr, out] { ovr(std::vector<double>{1, nan, 2}, *out); })
            .keeps("probs", out.untouched());
    }
    {
        buffer<float> out(4);
        t.reject("ovr_apply_probs_size", "one_vs_rest_calibrator", "4 probs for 3 logits", "probs has size 4, expected 3",
                 [ovr, out] { ovr(std::vector<float>{1, 2, 3}, *out); })
            .keeps("probs", out.untouched());
    }
    t.reject("ovr_confidence_wrong_size", "one_vs_rest_calibrator::confidence", "4 logits for 3 classes",
             "logits has size 4, expected 3", [ovr] { (void)ovr.confidence(std::vector<double>{1, 2, 3, 4}); });
    {
        buffer<double> out(18);
        t.reject("ovr_transform_not_multiple", "one_vs_rest_calibrator::transform", "17 logits for 3 classes",
                 "logits has size 17, expected a multiple of 3",
                 [ovr, out] { ovr.transform(std::span<const double>(logits3).first(17), *out); })
            .keeps("probs", out.untouched());
    }
    {
        buffer<double> out(18);
        t.reject("ovr_transform_nan", "one_vs_rest_calibrator::transform", "logits[9] = NaN", "logits[9] is NaN",
                 [ovr, out] {
                     auto z = logits3;
                     z[9] = nan;
                     ovr.transform(z, *out);
                 })
            .keeps("probs", out.untouched());
    }
    t.reject("ovr_from_string_zero_classes", "one_vs_rest_calibrator::from_string", "classes 0",
             "text declares 0 classes",
             [] { (void)ok::one_vs_rest_calibrator::from_string("offloadkit.one_vs_rest_calibrator 1\nclasses 0\n"); });
    t.reject("ovr_from_string_too_many_classes", "one_vs_rest_calibrator::from_string", "classes 5 with one row",
             "text line 2 is 'classes 5', expected 'classes <count>' with count <= 2", [] {
                 (void)ok::one_vs_rest_calibrator::from_string("offloadkit.one_vs_rest_calibrator 1\nclasses 5\n1 2\n");
             });
    t.reject("ovr_from_string_short_row", "one_vs_rest_calibrator::from_string", "a row of 2 numbers for 2 classes",
             "text line 3 is '1 2', expected 3 finite numbers", [] {
                 (void)ok::one_vs_rest_calibrator::from_string(
                     "offloadkit.one_vs_rest_calibrator 1\nclasses 2\n1 2\n3 4 5\n");
             });
    t.reject("ovr_from_string_truncated", "one_vs_rest_calibrator::from_string", "the second row cut short",
             "text line 4 is '4 5', expected 3 finite numbers", [] {
                 (void)ok::one_vs_rest_calibrator::from_string("offloadkit.one_vs_rest_calibrator 1\nclasses 2\n1 2 3\n4 5");
             });

    t.accept("isotonic_clips", "isotonic_calibrator", "a score outside the fitted range",
             "clipped to the range: the value at the nearest end", [iso] {
                 return iso(-5.0) == iso.thresholds_y().front() && iso(7.0) == iso.thresholds_y().back();
             });
    t.accept("platt_one_class", "platt_calibrator::fit", "labels all 1",
             "a finite model (target smoothing): p = (N+ + 1)/(N+ + 2) for every score", [] {
                 const auto c = ok::platt_calibrator::fit(std::vector<double>{0.1, 0.5, 0.9},
                                                          std::vector<std::uint8_t>{1, 1, 1});
                 return std::fabs(c(0.3) - 0.8) < 1e-6 && std::isfinite(c.a()) && std::isfinite(c.b());
             });
    return t;
}

// ---- metrics (CBO §III-B, AMVP eq. 3-5) ------------------------------------------------

table metrics_rows() {
    table t{"metrics", {}, {}};
    const std::vector<double> c{0.2, 0.7, 0.9};
    const std::vector<std::uint8_t> y{0, 1, 1};
    t.reject("ece_zero_bins", "calibration_error", "bins = 0", "bins is 0, expected 1..16777216",
             [c, y] { (void)ok::calibration_error(c, y, 0); });
    t.reject("ece_too_many_bins", "calibration_error", "bins = 2^24 + 1", "bins is 16777217",
             [c, y] { (void)ok::calibration_error(c, y, (std::size_t{1} << 24) + 1); });
    t.reject("ece_empty", "calibration_error", "no confidences", "confidences is empty",
             [] { (void)ok::calibration_error(std::vector<double>{}, std::vector<std::uint8_t>{}, 10); });
    t.reject("ece_size_mismatch", "calibration_error", "2 labels for 3 confidences",
             "correct has size 2, expected 3 (the size of confidences)",
             [c] { (void)ok::calibration_error(c, std::vector<std::uint8_t>{0, 1}, 10); });
    t.reject("ece_above_1", "calibration_error", "confidences[1] = 1.5", "confidences[1] is 1.5, expected a value in [0, 1]",
             [y] { (void)ok::calibration_error(std::vector<double>{0.2, 1.5, 0.9}, y, 10); });
    t.reject("ece_negative", "calibration_error", "confidences[0] = -0.1", "confidences[0] is -0.1",
             [y] { (void)ok::calibration_error(std::vector<double>{-0.1, 0.5, 0.9}, y, 10); });
    t.reject("ece_nan_float", "calibration_error", "confidences[2] = NaN (float)", "confidences[2] is NaN",
             [y] { (void)ok::calibration_error(std::vector<float>{0.2F, 0.5F, nanf}, y, 10); });
    t.reject("ece_label", "calibration_error", "correct[2] = 2", "correct[2] is 2, expected 0 or 1",
             [c] { (void)ok::calibration_error(c, std::vector<std::uint8_t>{0, 1, 2}, 10); });
    t.reject("ece_equal_mass_nan", "calibration_error", "equal-mass bins, confidences[0] = NaN", "confidences[0] is NaN",
             [y] {
                 (void)ok::calibration_error(std::vector<double>{nan, 0.5, 0.9}, y, 2, ok::binning::equal_mass);
             });
    t.reject("ace_zero_bins", "adaptive_calibration_error", "bins = 0", "bins is 0",
             [c, y] { (void)ok::adaptive_calibration_error(c, y, 0); });
    t.reject("ace_inf", "adaptive_calibration_error", "confidences[1] = +inf", "confidences[1] is inf",
             [y] { (void)ok::adaptive_calibration_error(std::vector<double>{0.1, inf, 0.3}, y, 2); });
    t.reject("brier_empty", "brier_score", "no confidences", "confidences is empty",
             [] { (void)ok::brier_score(std::vector<double>{}, std::vector<std::uint8_t>{}); });
    t.reject("brier_above_1", "brier_score", "confidences[0] = 1.5", "confidences[0] is 1.5",
             [y] { (void)ok::brier_score(std::vector<double>{1.5, 0.5, 0.5}, y); });
    t.reject("nll_label", "negative_log_likelihood", "correct[0] = 9", "correct[0] is 9",
             [c] { (void)ok::negative_log_likelihood(c, std::vector<std::uint8_t>{9, 0, 1}); });
    t.reject("nll_nan", "negative_log_likelihood", "confidences[1] = NaN", "confidences[1] is NaN",
             [y] { (void)ok::negative_log_likelihood(std::vector<double>{0.1, nan, 0.3}, y); });
    {
        auto rep = std::make_shared<ok::calibration_report>();
        ok::calibration_error_into(c, y, 4, *rep);
        const double ece = rep->ece;
        const std::size_t n0 = rep->bins[0].count;
        auto same = [rep, ece, n0] { return rep->ece == ece && rep->bins.size() == 4 && rep->bins[0].count == n0; };
        t.reject("ece_into_nan", "calibration_error_into", "confidences[1] = NaN", "confidences[1] is NaN",
                 [rep, y] { ok::calibration_error_into(std::vector<double>{0.1, nan, 0.3}, y, 4, *rep); })
            .keeps("report", same);
        t.reject("ece_into_zero_bins", "calibration_error_into", "bins = 0", "bins is 0",
                 [rep, c, y] { ok::calibration_error_into(c, y, 0, *rep); })
            .keeps("report", same);
        t.reject("ece_into_size_mismatch", "calibration_error_into", "1 label for 3 confidences",
                 "correct has size 1, expected 3", [rep, c] {
                     ok::calibration_error_into(c, std::vector<std::uint8_t>{1}, 4, *rep);
                 })
            .keeps("report", same);
    }

    // compression.hpp
    t.reject("cr_negative", "compression_rate", "compressed_bytes = -1",
             "compressed_bytes is -1, expected a finite number >= 0", [] { (void)ok::compression_rate(-1.0, 10.0); });
    t.reject("cr_zero_original", "compression_rate", "original_bytes = 0",
             "original_bytes is 0, expected a finite number > 0", [] { (void)ok::compression_rate(1.0, 0.0); });
    t.reject("cr_nan", "compression_rate", "compressed_bytes = NaN", "compressed_bytes is NaN",
             [] { (void)ok::compression_rate(nan, 1.0); });
    t.reject("cr_inf", "compression_rate", "original_bytes = +inf", "original_bytes is inf",
             [] { (void)ok::compression_rate(1.0, inf); });
    t.reject("cr_empty_tensor", "compression_rate", "an empty quantized_tensor", "qt is empty",
             [] { (void)ok::compression_rate(ok::quantized_tensor{}); });
    const std::vector<std::uint8_t> onehot{0, 1, 1, 0};
    t.reject("fidelity_zero_classes", "fidelity", "num_classes = 0", "num_classes is 0, expected >= 1",
             [onehot] { (void)ok::fidelity(onehot, onehot, 0); });
    t.reject("fidelity_size_mismatch", "fidelity", "3 compressed entries for 4", "compressed_onehot has size 3, expected 4",
             [onehot] { (void)ok::fidelity(onehot, std::span<const std::uint8_t>(onehot).first(3), 2); });
    t.reject("fidelity_empty", "fidelity", "no rows", "original_onehot is empty",
             [] { (void)ok::fidelity(std::span<const std::uint8_t>{}, std::span<const std::uint8_t>{}, 2); });
    t.reject("fidelity_not_multiple", "fidelity", "4 entries, 3 classes",
             "original_onehot has size 4, not a multiple of num_classes 3", [onehot] { (void)ok::fidelity(onehot, onehot, 3); });
    t.reject("fidelity_not_binary", "fidelity", "original_onehot[1] = 2", "original_onehot[1] is 2, expected 0 or 1",
             [onehot] { (void)ok::fidelity(std::vector<std::uint8_t>{0, 2, 1, 0}, onehot, 2); });
    t.reject("fidelity_two_ones", "fidelity", "a row with two ones", "original_onehot row 0 has 2 ones, expected 1",
             [onehot] { (void)ok::fidelity(std::vector<std::uint8_t>{1, 1, 1, 0}, onehot, 2); });
    t.reject("fidelity_no_one", "fidelity", "a compressed row with no one", "compressed_onehot row 1 has 0 ones, expected 1",
             [onehot] { (void)ok::fidelity(onehot, std::vector<std::uint8_t>{0, 1, 0, 0}, 2); });
    t.reject("fidelity_classes_mismatch", "fidelity", "1 compressed class for 2",
             "compressed_classes has size 1, expected 2 (the size of original_classes)", [] {
                 (void)ok::fidelity(std::vector<std::size_t>{1, 2}, std::vector<std::size_t>{1});
             });
    t.reject("fidelity_classes_empty", "fidelity", "no classes", "original_classes is empty",
             [] { (void)ok::fidelity(std::span<const std::size_t>{}, std::span<const std::size_t>{}); });
    t.reject("cpb_negative", "compression_benefit", "original_transfer = -1", "original_transfer is -1",
             [] { (void)ok::compression_benefit(-1, 0, 0, 0); });
    t.reject("cpb_nan", "compression_benefit", "quantize_time = NaN", "quantize_time is NaN",
             [] { (void)ok::compression_benefit(1, nan, 0, 0); });
    t.reject("cpb_inf", "compression_benefit", "compressed_transfer = +inf", "compressed_transfer is inf",
             [] { (void)ok::compression_benefit(1, 0, inf, 0); });
    t.reject("cpb_dequantize", "compression_benefit", "dequantize_time = -0.5", "dequantize_time is -0.5",
             [] { (void)ok::compression_benefit(1, 0, 0, -0.5); });
    t.reject("decide_bits_zero", "decide_compression", "bits = 0", "bits is 0, expected 1..16",
             [] { (void)ok::decide_compression(400, 0, 1e6, 1e8, 1e8); });
    t.reject("decide_bits_17", "decide_compression", "bits = 17", "bits is 17",
             [] { (void)ok::decide_compression(400, 17, 1e6, 1e8, 1e8); });
    t.reject("decide_feature_bytes", "decide_compression", "feature_bytes = 5 (not whole floats)",
             "feature_bytes is 5, expected a multiple of 4", [] { (void)ok::decide_compression(5, 8, 1e6, 1e8, 1e8); });
    t.reject("decide_bandwidth", "decide_compression", "bandwidth = 0", "bandwidth is 0, expected a finite number > 0",
             [] { (void)ok::decide_compression(400, 8, 0, 1e8, 1e8); });
    t.reject("decide_quantize_rate", "decide_compression", "quantize_rate = NaN", "quantize_rate is NaN",
             [] { (void)ok::decide_compression(400, 8, 1e6, nan, 1e8); });
    t.reject("decide_dequantize_rate", "decide_compression", "dequantize_rate = -1", "dequantize_rate is -1",
             [] { (void)ok::decide_compression(400, 8, 1e6, 1e8, -1); });

    t.accept("ece_empty_bins", "calibration_error", "bins no confidence falls in",
             "count 0, confidence and accuracy NaN, left out of ECE and MCE", [c, y] {
                 const auto r = ok::calibration_error(c, y, 10);
                 return r.bins[5].count == 0 && std::isnan(r.bins[5].confidence) && std::isfinite(r.ece) &&
                        std::isfinite(r.mce);
             });
    return t;
}

// ---- kernels: quantizer (AMVP §IV-B), SPP (ApproxNet §4.1), content estimators (§4.2) --------

/// A valid 8-element, 8-bit, per-tensor wire message (36 bytes).
std::vector<std::byte> good_wire() { return ok::quantize(std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7}, 8).serialize(); }

/// good_wire() with byte `at` set to `value`.
std::vector<std::byte> wire_with(std::size_t at, unsigned value) {
    auto w = good_wire();
    w[at] = static_cast<std::byte>(value);
    return w;
}

/// good_wire() with the float at byte `at` (little-endian) set to `v`.
std::vector<std::byte> wire_with_float(std::size_t at, float v) {
    auto w = good_wire();
    const auto u = std::bit_cast<std::uint32_t>(v);
    for (int i = 0; i < 4; ++i) {
        w[at + static_cast<std::size_t>(i)] = static_cast<std::byte>((u >> (8 * i)) & 0xFFu);
    }
    return w;
}

/// A 4x4 RGB frame, row_stride 0.
const std::vector<std::uint8_t> pixels(4 * 4 * 3, 100);

table kernels_rows() {
    table t{"kernels", {}, {}};
    const std::vector<float> f8{0, 1, 2, 3, 4, 5, 6, 7};
    // quantize.hpp
    t.reject("quantize_bits_zero", "quantize", "bits = 0", "bits is 0, expected 1..16", [f8] { (void)ok::quantize(f8, 0); });
    t.reject("quantize_bits_17", "quantize", "bits = 17", "bits is 17, expected 1..16", [f8] { (void)ok::quantize(f8, 17); });
    t.reject("quantize_bits_negative", "quantize", "bits = -3", "bits is -3", [f8] { (void)ok::quantize(f8, -3); });
    t.reject("quantize_nan", "quantize", "features[2] = NaN", "features[2] is NaN", [] {
        (void)ok::quantize(std::vector<float>{0, 1, nanf, 3}, 8);
    });
    t.reject("quantize_inf", "quantize", "features[0] = -inf", "features[0] is -inf", [] {
        (void)ok::quantize(std::vector<float>{-inff, 1}, 8);
    });
    t.reject("quantize_nan_per_channel", "quantize", "features[5] = NaN, HWC per-channel ranges", "features[5] is NaN",
             [f8] {
                 auto f = f8;
                 f[5] = nanf;
                 (void)ok::quantize(f, 8, {ok::channel_layout::hwc, 2});
             });
    t.reject("quantize_per_tensor_channels", "quantize", "per_tensor with channels = 2",
             "options.channels is 2, expected 1 for per_tensor",
             [f8] { (void)ok::quantize(f8, 8, {ok::channel_layout::per_tensor, 2}); });
    t.reject("quantize_zero_channels", "quantize", "chw with channels = 0", "options.channels is 0, expected 1..4294967295",
             [f8] { (void)ok::quantize(f8, 8, {ok::channel_layout::chw, 0}); });
    t.reject("quantize_channels_not_dividing", "quantize", "3 channels for 8 elements",
             "options.channels is 3, which does not divide the element count 8",
             [f8] { (void)ok::quantize(f8, 8, {ok::channel_layout::hwc, 3}); });
    t.reject("quantize_layout", "quantize", "layout 7 (not a channel_layout)",
             "options.layout is 7, expected 0 (per_tensor), 1 (chw) or 2 (hwc)",
             [f8] { (void)ok::quantize(f8, 8, {static_cast<ok::channel_layout>(7), 1}); });
    {
        auto qt = std::make_shared<ok::quantized_tensor>(ok::quantize(std::vector<float>{1, 2, 3}, 4));
        const ok::quantized_tensor copy = *qt;
        t.reject("quantize_into_nan", "quantize_into", "features[1] = NaN", "features[1] is NaN",
                 [qt] { ok::quantize_into(std::vector<float>{0, nanf}, 8, *qt); })
            .reported_as("quantize")
            .keeps("out", [qt, copy] { return *qt == copy; });
        t.reject("quantize_into_bits", "quantize_into", "bits = 0", "bits is 0",
                 [qt] { ok::quantize_into(std::vector<float>{0, 1}, 0, *qt); })
            .reported_as("quantize")
            .keeps("out", [qt, copy] { return *qt == copy; });
    }
    {
        buffer<std::byte> wire(35, std::byte{0xA5});
        t.reject("quantize_to_wire_short", "quantize_to_wire", "a wire buffer of 35 bytes for 36",
                 "wire has size 35, expected at least 36", [f8, wire] { (void)ok::quantize_to_wire(f8, 8, *wire); })
            .keeps("wire", wire.untouched());
    }
    {
        buffer<std::byte> wire(64, std::byte{0xA5});
        t.reject("quantize_to_wire_nan", "quantize_to_wire", "features[7] = NaN", "features[7] is NaN",
                 [f8, wire] {
                     auto f = f8;
                     f[7] = nanf;
                     (void)ok::quantize_to_wire(f, 8, *wire);
                 })
            .keeps("wire", wire.untouched());
    }
    t.reject("payload_size_bits", "quantized_payload_size", "bits = 0", "bits is 0",
             [] { (void)ok::quantized_payload_size(10, 0); });
    t.reject("payload_size_overflow", "quantized_payload_size", "count = SIZE_MAX at 16 bits",
             "count is 18446744073709551615, too large for a payload of 16-bit codes",
             [] { (void)ok::quantized_payload_size(size_max, 16); });
    t.reject("wire_size_channels", "quantized_wire_size", "channels = 0", "channels is 0, expected 1..4294967295",
             [] { (void)ok::quantized_wire_size(8, 8, 0); });
    const auto qt8 = ok::quantize(f8, 8);
    t.reject("code_index", "quantized_tensor::code", "i = size()", "i is 8, expected < size 8", [qt8] { (void)qt8.code(8); });
    {
        buffer<std::byte> out(35, std::byte{0xA5});
        t.reject("serialize_into_short", "quantized_tensor::serialize_into", "35 bytes for a 36-byte message",
                 "out has size 35, expected at least 36", [qt8, out] { (void)qt8.serialize_into(*out); })
            .keeps("out", out.untouched());
    }
    const std::string deser = "quantized_tensor::deserialize";
    t.reject("deserialize_empty", deser, "no bytes", "bytes has size 0, expected at least 20 (the fixed header)",
             [] { (void)ok::quantized_tensor::deserialize({}); });
    t.reject("deserialize_truncated_header", deser, "the first 19 bytes", "bytes has size 19, expected at least 20", [] {
        const auto w = good_wire();
        (void)ok::quantized_tensor::deserialize(std::span<const std::byte>(w).first(19));
    });
    t.reject("deserialize_truncated_ranges", deser, "the first 27 bytes (cut inside the range)",
             "bytes has size 27, too short for 1 channel ranges", [] {
                 const auto w = good_wire();
                 (void)ok::quantized_tensor::deserialize(std::span<const std::byte>(w).first(27));
             });
    t.reject("deserialize_truncated_payload", deser, "the last byte missing",
             "count (bytes[8..15]) is 8, but only 7 payload bytes follow", [] {
                 const auto w = good_wire();
                 (void)ok::quantized_tensor::deserialize(std::span<const std::byte>(w).first(35));
             });
    t.reject("deserialize_trailing_byte", deser, "one byte too many",
             "bytes has size 37, expected 36 (count 8 at 8 bits, 1 channels)", [] {
                 auto w = good_wire();
                 w.push_back(std::byte{0});
                 (void)ok::quantized_tensor::deserialize(w);
             });
    t.reject("deserialize_magic", deser, "bytes[0] = 'X'", "bytes[0] is 88, expected 79 (magic \"OKQT\")",
             [] { (void)ok::quantized_tensor::deserialize(wire_with(0, 'X')); });
    t.reject("deserialize_version", deser, "version 2", "version (bytes[4]) is 2, expected 1",
             [] { (void)ok::quantized_tensor::deserialize(wire_with(4, 2)); });
    t.reject("deserialize_bits_zero", deser, "bits 0", "bits (bytes[5]) is 0, expected 1..16",
             [] { (void)ok::quantized_tensor::deserialize(wire_with(5, 0)); });
    t.reject("deserialize_bits_17", deser, "bits 17", "bits (bytes[5]) is 17",
             [] { (void)ok::quantized_tensor::deserialize(wire_with(5, 17)); });
    t.reject("deserialize_layout", deser, "layout 3", "layout (bytes[6]) is 3, expected 0, 1 or 2",
             [] { (void)ok::quantized_tensor::deserialize(wire_with(6, 3)); });
    t.reject("deserialize_reserved", deser, "reserved byte 1", "reserved (bytes[7]) is 1, expected 0",
             [] { (void)ok::quantized_tensor::deserialize(wire_with(7, 1)); });
    t.reject("deserialize_channels_per_tensor", deser, "2 channels with layout 0",
             "channels (bytes[16..19]) is 2, expected 1 for layout 0",
             [] { (void)ok::quantized_tensor::deserialize(wire_with(16, 2)); });
    t.reject("deserialize_channels_zero", deser, "layout 1 (chw) with 0 channels",
             "channels (bytes[16..19]) is 0, expected >= 1", [] {
                 auto w = wire_with(6, 1);
                 w[16] = std::byte{0};
                 (void)ok::quantized_tensor::deserialize(w);
             });
    t.reject("deserialize_channels_not_dividing", deser, "layout 1 with 3 channels for 8 codes",
             "channels (bytes[16..19]) is 3, which does not divide count 8", [] {
                 auto w = wire_with(6, 1);
                 w[16] = std::byte{3};
                 (void)ok::quantized_tensor::deserialize(w);
             });
    t.reject("deserialize_huge_count", deser, "count 2^63 + 8",
             "count (bytes[8..15]) is 9223372036854775816, but only 8 payload bytes follow",
             [] { (void)ok::quantized_tensor::deserialize(wire_with(15, 0x80)); });
    t.reject("deserialize_min_nan", deser, "min = NaN", "min[0] is NaN, expected a finite number",
             [] { (void)ok::quantized_tensor::deserialize(wire_with_float(20, nanf)); });
    t.reject("deserialize_max_inf", deser, "max = +inf", "max[0] is inf, expected a finite number",
             [] { (void)ok::quantized_tensor::deserialize(wire_with_float(24, inff)); });
    t.reject("deserialize_inverted_range", deser, "min = 100 > max = 7", "min[0] is 100, greater than max 7",
             [] { (void)ok::quantized_tensor::deserialize(wire_with_float(20, 100.0F)); });
    t.reject("deserialize_padding_bits", deser, "3 codes of 3 bits with a padding bit set",
             "payload padding bits are not zero (last byte 129)", [] {
                 auto w = ok::quantize(std::vector<float>{0, 1, 2}, 3).serialize();
                 w.back() |= std::byte{0x80};
                 (void)ok::quantized_tensor::deserialize(w);
             });
    t.reject("deserialize_code_in_flat_channel", deser, "a nonzero code where min == max",
             "code[0] is 1, expected 0 (channel 0 has min == max)", [] {
                 auto w = ok::quantize(std::vector<float>{2, 2, 2, 2}, 8).serialize();
                 w[28] = std::byte{1};
                 (void)ok::quantized_tensor::deserialize(w);
             });
    {
        auto rx = std::make_shared<ok::quantized_tensor>(ok::quantize(std::vector<float>{9, 8, 7}, 5));
        const ok::quantized_tensor copy = *rx;
        t.reject("deserialize_into_keeps_out", deser, "deserialize(bytes, out) with a bad version", "version (bytes[4]) is 9",
                 [rx] { ok::quantized_tensor::deserialize(wire_with(4, 9), *rx); })
            .keeps("out", [rx, copy] { return *rx == copy; });
    }
    {
        buffer<float> out(7);
        t.reject("dequantize_size", "dequantize", "out of 7 for 8 codes", "out has size 7, expected 8 (the size of qt)",
                 [qt8, out] { ok::dequantize(qt8, *out); })
            .keeps("out", out.untouched());
    }
    {
        buffer<float> out(8);
        t.reject("dequantize_wire_truncated", "dequantize_wire", "the last byte missing", "but only 7 payload bytes follow",
                 [out] {
                     const auto w = good_wire();
                     (void)ok::dequantize_wire(std::span<const std::byte>(w).first(35), *out);
                 })
            .keeps("out", out.untouched());
    }
    {
        buffer<float> out(9);
        t.reject("dequantize_wire_size", "dequantize_wire", "out of 9 for 8 codes",
                 "out has size 9, expected 8 (the count in the message)",
                 [out] { (void)ok::dequantize_wire(good_wire(), *out); })
            .keeps("out", out.untouched());
    }

    // spp.hpp
    const std::vector<float> map(2 * 4 * 4, 1.0F);  // C = 2, H = W = 4
    t.reject("spp_size_level_zero", "spp_output_size", "levels {1, 0}", "levels[1] is 0, expected >= 1",
             [] { (void)ok::spp_output_size(2, {1, 0}); });
    t.reject("spp_size_negative_level", "spp_output_size", "levels {1, -2} (int)", "levels[1] is -2, expected >= 1",
             [] { (void)ok::spp_output_size(2, std::vector<int>{1, -2}); });
    t.reject("spp_size_overflow", "spp_output_size", "C = SIZE_MAX", "C * sum(levels^2) overflows std::size_t",
             [] { (void)ok::spp_output_size(size_max, {2}); });
    const std::vector<std::size_t> lv{1, 2};  // output 2 * 5 = 10
    auto spp_row = [&](std::string slug, std::string input, std::string expected, std::size_t out_size,
                       std::function<void(std::vector<float>&)> call, std::string fn = "spp_max_pool") {
        buffer<float> out(out_size);
        t.reject(std::move(slug), std::move(fn), std::move(input), std::move(expected), [out, call] { call(*out); })
            .keeps("output", out.untouched());
    };
    spp_row("spp_c_zero", "C = 0", "C is 0, expected >= 1", 10,
            [map, lv](std::vector<float>& o) { ok::spp_max_pool(map, 0, 4, 4, lv, o); });
    spp_row("spp_h_zero", "H = 0", "H is 0, expected >= 1", 10,
            [map, lv](std::vector<float>& o) { ok::spp_max_pool(map, 2, 0, 4, lv, o); });
    spp_row("spp_w_zero", "W = 0", "W is 0, expected >= 1", 10,
            [map, lv](std::vector<float>& o) { ok::spp_max_pool(map, 2, 4, 0, lv, o); });
    spp_row("spp_levels_empty", "no levels", "levels is empty", 10,
            [map](std::vector<float>& o) { ok::spp_max_pool(map, 2, 4, 4, std::vector<std::size_t>{}, o); });
    spp_row("spp_level_zero", "levels {1, 0}", "levels[1] is 0, expected >= 1", 10,
            [map](std::vector<float>& o) { ok::spp_max_pool(map, 2, 4, 4, {1, 0}, o); });
    spp_row("spp_level_above_h", "level 5 on a 4x4 map (paper rule)",
            "levels[0] is 5, larger than H = 4 (the paper rule needs H >= l", 50,
            [map](std::vector<float>& o) { ok::spp_max_pool(map, 2, 4, 4, {5}, o); });
    spp_row("spp_level_above_w", "level 3 on a 8x2 map (paper rule)", "levels[0] is 3, larger than W = 2", 18,
            [map](std::vector<float>& o) { ok::spp_max_pool(map, 2, 8, 2, {3}, o); });
    spp_row("spp_input_size", "31 inputs for 2x4x4", "input has size 31, expected 32 (the size of C*H*W)", 10,
            [map, lv](std::vector<float>& o) { ok::spp_max_pool(std::span<const float>(map).first(31), 2, 4, 4, lv, o); });
    spp_row("spp_output_size", "an output of 9 for 10", "output has size 9, expected 10 (the size of spp_output_size(C, levels))",
            9, [map, lv](std::vector<float>& o) { ok::spp_max_pool(map, 2, 4, 4, lv, o); });
    spp_row("spp_rule", "rule 9 (not a spp_rule)", "rule is not a spp_rule value", 10, [map, lv](std::vector<float>& o) {
        ok::spp_max_pool(map, 2, 4, 4, lv, o, static_cast<ok::spp_rule>(9));
    });
    spp_row("spp_layout", "layout 9 (not a tensor_layout)", "layout is not a tensor_layout value", 10,
            [map, lv](std::vector<float>& o) {
                ok::spp_max_pool(map, 2, 4, 4, lv, o, ok::spp_rule::paper, static_cast<ok::tensor_layout>(9));
            });
    spp_row("spp_shape_overflow", "C = H = 2^33", "C*H overflows std::size_t", 10, [map, lv](std::vector<float>& o) {
        ok::spp_max_pool(map, std::size_t{1} << 33, std::size_t{1} << 33, 4, lv, o);
    });
    spp_row("spp_avg_level_zero", "levels {0}", "levels[0] is 0", 10,
            [map](std::vector<float>& o) { ok::spp_avg_pool(map, 2, 4, 4, {0}, o); }, "spp_avg_pool");
    spp_row("spp_batch_n_zero", "N = 0", "N is 0, expected >= 1", 10,
            [map, lv](std::vector<float>& o) { ok::spp_max_pool_batch(map, 0, 2, 4, 4, lv, o); }, "spp_max_pool_batch");
    spp_row("spp_batch_input_size", "32 inputs for N = 2", "input has size 32, expected 64 (the size of N*C*H*W)", 20,
            [map, lv](std::vector<float>& o) { ok::spp_max_pool_batch(map, 2, 2, 4, 4, lv, o); }, "spp_max_pool_batch");
    spp_row("spp_avg_batch_output_size", "an output of 10 for N = 2",
            "output has size 10, expected 20 (the size of N * spp_output_size(C, levels))", 10,
            [lv](std::vector<float>& o) {
                const std::vector<float> two(64, 1.0F);
                ok::spp_avg_pool_batch(two, 2, 2, 4, 4, lv, o);
            },
            "spp_avg_pool_batch");

    // image.hpp through its users
    auto frame_row = [&](std::string slug, std::string input, std::string expected, ok::image_view v) {
        t.reject(std::move(slug), "mean_edge_value", std::move(input), std::move(expected), [v] { (void)ok::mean_edge_value(v); });
    };
    frame_row("frame_height_zero", "height 0", "frame.height is 0, expected >= 1", ok::image_view{pixels, 0, 4});
    frame_row("frame_width_zero", "width 0", "frame.width is 0, expected >= 1", ok::image_view{pixels, 4, 0});
    frame_row("frame_format", "format 9 (not a pixel_format)", "frame.format is not a pixel_format value",
              ok::image_view{pixels, 4, 4, static_cast<ok::pixel_format>(9)});
    frame_row("frame_stride", "row_stride 5 < 4 pixels * 3 bytes", "frame.row_stride is 5, less than width * channels = 12",
              ok::image_view{pixels, 4, 4, ok::pixel_format::rgb, 5});
    frame_row("frame_short", "48 bytes for 4 rows of stride 16",
              "frame.pixels has size 48, expected at least 60 (4 rows of 4 pixels, stride 16)",
              ok::image_view{pixels, 4, 4, ok::pixel_format::rgb, 16});
    frame_row("frame_width_overflow", "width SIZE_MAX / 2 (RGB)", "frame.width * channels overflows std::size_t",
              ok::image_view{pixels, 1, size_max / 2});
    frame_row("frame_size_overflow", "height SIZE_MAX", "frame size overflows std::size_t",
              ok::image_view{pixels, size_max, 4});
    {
        buffer<float> out(15);
        t.reject("edge_map_size", "edge_map", "out of 15 for 4x4", "out has size 15, expected 16",
                 [out] { ok::edge_map(ok::image_view{pixels, 4, 4}, *out); })
            .keeps("out", out.untouched());
    }
    {
        buffer<float> out(16);
        t.reject("edge_map_frame", "edge_map", "an RGBA view of RGB bytes (too short)", "frame.pixels has size 48, expected at least 64",
                 [out] { ok::edge_map(ok::image_view{pixels, 4, 4, ok::pixel_format::rgba}, *out); })
            .keeps("out", out.untouched());
    }
    t.reject("categories_nan", "complexity_categories", "boundaries[1] = NaN", "boundaries[1] is NaN, expected a finite number",
             [] { (void)ok::complexity_categories({0.1, nan}); });
    t.reject("categories_not_increasing", "complexity_categories", "boundaries {0.2, 0.1}",
             "boundaries[1] is 0.1, expected > boundaries[0] = 0.2", [] { (void)ok::complexity_categories({0.2, 0.1}); });
    t.reject("category_nan", "complexity_categories::category", "edge value NaN", "edge_value is NaN",
             [] { (void)ok::complexity_categories({0.1}).category(nan); });
    {
        auto ice = std::make_shared<ok::complexity_estimator>(ok::complexity_categories({0.1}), 4);
        t.reject("estimator_frame", "complexity_estimator::mean_edge_value", "height 0", "frame.height is 0",
                 [ice] { (void)ice->mean_edge_value(ok::image_view{pixels, 0, 4}); });
        t.reject("estimator_category_frame", "complexity_estimator::category", "width 0", "frame.width is 0",
                 [ice] { (void)ice->category(ok::image_view{pixels, 4, 0}); })
            .reported_as("complexity_estimator::mean_edge_value");
        buffer<float> out(17);
        t.reject("estimator_edge_map_size", "complexity_estimator::edge_map", "out of 17 for 4x4",
                 "out has size 17, expected 16", [ice, out] { (void)ice->edge_map(ok::image_view{pixels, 4, 4}, *out); })
            .keeps("out", out.untouched());
    }
    const std::vector<double> edges{0.1, 0.2, 0.3};
    const std::vector<std::uint8_t> right{1, 0, 1, 1, 0, 1};  // 3 samples x 2 branches
    const std::vector<double> lats{0.01, 0.02};
    const std::string learn = "learn_complexity_categories";
    t.reject("learn_empty", learn, "no samples", "edge_values is empty",
             [right, lats] { (void)ok::learn_complexity_categories({}, right, lats); });
    t.reject("learn_no_branches", learn, "no branch latencies", "latencies is empty",
             [edges, right] { (void)ok::learn_complexity_categories(edges, right, {}); });
    t.reject("learn_correct_size", learn, "5 correctness entries for 3 x 2", "correct has size 5, expected 3 x 2",
             [edges, right, lats] {
                 (void)ok::learn_complexity_categories(edges, std::span<const std::uint8_t>(right).first(5), lats);
             });
    t.reject("learn_edge_nan", learn, "edge_values[1] = NaN", "edge_values[1] is NaN", [right, lats] {
        (void)ok::learn_complexity_categories(std::vector<double>{0.1, nan, 0.3}, right, lats);
    });
    t.reject("learn_latency_negative", learn, "latencies[1] = -0.01", "latencies[1] is -0.01", [edges, right] {
        (void)ok::learn_complexity_categories(edges, right, std::vector<double>{0.01, -0.01});
    });
    t.reject("learn_correct_binary", learn, "correct[3] = 4", "correct[3] is 4, expected 0 or 1", [edges, lats] {
        (void)ok::learn_complexity_categories(edges, std::vector<std::uint8_t>{1, 0, 1, 4, 0, 1}, lats);
    });
    t.reject("learn_range", learn, "options.lower = options.upper = 0.5",
             "options.lower is 0.5 and options.upper is 0.5, expected finite lower < upper", [edges, right, lats] {
                 ok::category_learner_options o;
                 o.lower = o.upper = 0.5;
                 (void)ok::learn_complexity_categories(edges, right, lats, o);
             });
    t.reject("learn_min_samples", learn, "options.min_samples = 0", "options.min_samples is 0", [edges, right, lats] {
        ok::category_learner_options o;
        o.min_samples = 0;
        (void)ok::learn_complexity_categories(edges, right, lats, o);
    });

    // scene_change.hpp
    auto scd_option = [&](std::string slug, std::string input, std::string expected,
                          std::function<void(ok::scene_change_options&)> edit) {
        t.reject(std::move(slug), "scene_change_detector", std::move(input), std::move(expected), [edit] {
            ok::scene_change_options o;
            edit(o);
            (void)ok::scene_change_detector(o);
        });
    };
    scd_option("scd_interval_zero", "options.interval = 0", "options.interval is 0, expected >= 1",
               [](auto& o) { o.interval = 0; });
    scd_option("scd_size_zero", "options.size = 0", "options.size is 0, expected 1..65535", [](auto& o) { o.size = 0; });
    scd_option("scd_size_too_large", "options.size = 65536 (size^2 counts overflow 32 bits)", "options.size is 65536",
               [](auto& o) { o.size = 65536; });
    scd_option("scd_bins_zero", "options.bins = 0", "options.bins is 0, expected 1..256", [](auto& o) { o.bins = 0; });
    scd_option("scd_bins_257", "options.bins = 257", "options.bins is 257", [](auto& o) { o.bins = 257; });
    scd_option("scd_threshold_nan", "options.threshold = NaN", "options.threshold is NaN, expected a finite number >= 0",
               [](auto& o) { o.threshold = nan; });
    scd_option("scd_threshold_negative", "options.threshold = -1", "options.threshold is -1", [](auto& o) { o.threshold = -1; });
    scd_option("scd_threshold_inf", "options.threshold = +inf", "options.threshold is inf", [](auto& o) { o.threshold = inf; });
    {
        auto scd = std::make_shared<ok::scene_change_detector>();
        (void)scd->step(ok::image_view{pixels, 4, 4});
        t.reject("scd_step_frame", "scene_change_detector::step", "width 0", "frame.width is 0",
                 [scd] { (void)scd->step(ok::image_view{pixels, 4, 0}); })
            .keeps("frames() (the detector's state)", [scd] { return scd->frames() == 1; });
        t.reject("scd_score_frame", "scene_change_detector::score", "47 bytes for 4x4 RGB", "frame.pixels has size 47",
                 [scd] { (void)scd->score(ok::image_view{std::span<const std::uint8_t>(pixels).first(47), 4, 4}); });
    }

    t.accept("quantize_empty", "quantize", "no features", "an empty tensor with min = max = 0", [] {
        const auto q = ok::quantize(std::vector<float>{}, 8);
        return q.size() == 0 && q.min() == 0.0F && q.max() == 0.0F && ok::quantized_tensor::deserialize(q.serialize()) == q;
    });
    t.accept("quantize_flat", "quantize", "every feature equal", "every code 0; dequantize gives the value back", [] {
        const auto q = ok::quantize(std::vector<float>{3.5F, 3.5F, 3.5F}, 4);
        std::vector<float> back(3);
        ok::dequantize(q, back);
        return q.code(0) == 0 && q.code(2) == 0 && back[1] == 3.5F;
    });
    t.accept("spp_nan_propagates", "spp_max_pool", "a NaN in the feature map", "NaN in every bin that holds it (as torch)", [] {
        std::vector<float> in(16, 1.0F);
        in[0] = nanf;
        std::vector<float> out(ok::spp_output_size(1, {1, 2}));
        ok::spp_max_pool(in, 1, 4, 4, {1, 2}, out);
        return std::isnan(out[0]) && std::isnan(out[1]) && out[2] == 1.0F;
    });
    t.accept("spp_adaptive_small_map", "spp_max_pool", "level 3 on a 2x2 map with spp_rule::adaptive",
             "accepted: bins repeat pixels (the paper rule rejects it)", [] {
                 std::vector<float> in{1, 2, 3, 4};
                 std::vector<float> out(9);
                 ok::spp_max_pool(in, 1, 2, 2, {3}, out, ok::spp_rule::adaptive);
                 return out[0] == 1.0F && out[8] == 4.0F;
             });
    t.accept("spp_bin_range_zero_level", "spp_bin_range", "l = 0 (outside its documented precondition)",
             "the empty bin {0, 0}; was a division by zero", [] {
                 return ok::spp_bin_range(7, 0, 0, ok::spp_rule::paper) == ok::spp_bin{0, 0} &&
                        ok::spp_bin_range(7, 0, 3, ok::spp_rule::adaptive) == ok::spp_bin{0, 0};
             });
    t.accept("scd_first_frame", "scene_change_detector::step", "the first frame after construction or reset()",
             "checked and reported as a change (the categorizer runs once at the start)", [] {
                 ok::scene_change_detector d;
                 return d.step(ok::image_view{pixels, 4, 4}).changed;
             });
    return t;
}

// ---- approx (ApproxNet §4.4-4.6) and estimators ---------------------------------------------------

/// Two branches, one category, two contention levels.
ok::branch_profiles ab_branches() { return ok::branch_profiles({"a", "b"}, 1, 2, {0.6, 0.7}, {0.01, 0.02, 0.02, 0.04}); }

const std::string profile_csv = "branch,accuracy,latency_ms\na,0.6,10\nb,0.7,20\n";

table approx_rows() {
    table t{"approx", {}, {}};
    auto profiles_row = [&](std::string slug, std::string input, std::string expected, std::vector<std::string> names,
                            std::size_t k, std::size_t m, std::vector<double> acc, std::vector<double> lat) {
        t.reject(std::move(slug), "branch_profiles", std::move(input), std::move(expected),
                 [=] { (void)ok::branch_profiles(names, k, m, acc, lat); });
    };
    profiles_row("profiles_no_branches", "no names", "names is empty", {}, 1, 1, {}, {});
    profiles_row("profiles_zero_categories", "categories = 0", "categories is 0, expected >= 1", {"a"}, 0, 1, {}, {0.01});
    profiles_row("profiles_zero_levels", "levels = 0", "levels is 0, expected >= 1", {"a"}, 1, 0, {0.5}, {});
    profiles_row("profiles_empty_name", "names[1] = \"\"", "names[1] is empty", {"a", ""}, 1, 1, {0.5, 0.6}, {0.01, 0.02});
    profiles_row("profiles_duplicate_name", "names {a, a}", "names[1] is 'a', a duplicate of names[0]", {"a", "a"}, 1, 1,
                 {0.5, 0.6}, {0.01, 0.02});
    profiles_row("profiles_accuracy_size", "3 accuracies for 1 x 2", "accuracy has size 3, expected 1 x 2 (categories x branches)",
                 {"a", "b"}, 1, 1, {0.5, 0.6, 0.7}, {0.01, 0.02});
    profiles_row("profiles_latency_size", "1 latency for 1 x 2", "latency has size 1, expected 1 x 2 (levels x branches)",
                 {"a", "b"}, 1, 1, {0.5, 0.6}, {0.01});
    profiles_row("profiles_accuracy_above_1", "accuracy[1] = 1.5", "accuracy[1] is 1.5, expected a value in [0, 1]", {"a", "b"}, 1,
                 1, {0.5, 1.5}, {0.01, 0.02});
    profiles_row("profiles_accuracy_nan", "accuracy[0] = NaN", "accuracy[0] is NaN", {"a"}, 1, 1, {nan}, {0.01});
    profiles_row("profiles_latency_zero", "latency[0] = 0", "latency[0] is 0, expected a finite number > 0 (seconds)", {"a"}, 1, 1,
                 {0.5}, {0.0});
    profiles_row("profiles_latency_inf", "latency[1] = +inf", "latency[1] is inf", {"a", "b"}, 1, 1, {0.5, 0.6}, {0.01, inf});
    const auto p = ab_branches();
    t.reject("profiles_name_index", "branch_profiles::name", "branch 2 of 2", "branch is 2, expected < 2", [p] { (void)p.name(2); });
    t.reject("profiles_accuracy_category", "branch_profiles::accuracy", "category 1 of 1", "category is 1, expected < 1",
             [p] { (void)p.accuracy(1, 0); });
    t.reject("profiles_accuracy_branch", "branch_profiles::accuracy", "branch 5 of 2", "branch is 5, expected < 2",
             [p] { (void)p.accuracy(0, 5); });
    t.reject("profiles_latency_level", "branch_profiles::latency", "level 2 of 2", "level is 2, expected < 2",
             [p] { (void)p.latency(2, 0); });
    {
        auto q = std::make_shared<ok::branch_profiles>(p);
        auto no_costs = [q] { return !q->has_transition_costs(); };
        t.reject("costs_size", "branch_profiles::set_transition_costs", "3 costs for 2 x 2",
                 "costs has size 3, expected 4 (the size of branches x branches)",
                 [q] { q->set_transition_costs({0, 1, 1}); })
            .keeps("the profile (no costs set)", no_costs);
        t.reject("costs_negative", "branch_profiles::set_transition_costs", "costs[1] = -1",
                 "costs[1] is -1, expected a finite number >= 0 (seconds)", [q] { q->set_transition_costs({0, -1, 1, 0}); })
            .keeps("the profile (no costs set)", no_costs);
        t.reject("costs_nan", "branch_profiles::set_transition_costs", "costs[2] = NaN", "costs[2] is NaN",
                 [q] { q->set_transition_costs({0, 1, nan, 0}); })
            .keeps("the profile (no costs set)", no_costs);
        t.reject("costs_diagonal", "branch_profiles::set_transition_costs", "costs[3] (b -> b) = 0.5",
                 "costs[3] is 0.5, expected 0 (staying on a branch costs nothing)", [q] { q->set_transition_costs({0, 1, 1, 0.5}); })
            .keeps("the profile (no costs set)", no_costs);
        auto no_remote = [q] { return !q->has_remote(); };
        t.reject("remote_name", "branch_profiles::set_remote", "an empty name", "remote.name is empty",
                 [q] { q->set_remote({"", {0.9}, {0.1, 0.2}}); })
            .keeps("the profile (no remote set)", no_remote);
        t.reject("remote_accuracy_size", "branch_profiles::set_remote", "2 accuracies for 1 category",
                 "remote.accuracy has size 2, expected 1 (the size of categories)", [q] { q->set_remote({"r", {0.9, 0.8}, {0.1, 0.2}}); })
            .keeps("the profile (no remote set)", no_remote);
        t.reject("remote_latency_zero", "branch_profiles::set_remote", "remote.latency[1] = 0",
                 "remote.latency[1] is 0, expected a finite number > 0 (seconds)", [q] { q->set_remote({"r", {0.9}, {0.1, 0.0}}); })
            .keeps("the profile (no remote set)", no_remote);
        t.reject("remote_accuracy_nan", "branch_profiles::set_remote", "remote.accuracy[0] = NaN", "remote.accuracy[0] is NaN",
                 [q] { q->set_remote({"r", {nan}, {0.1, 0.2}}); })
            .keeps("the profile (no remote set)", no_remote);
    }
    t.reject("transition_cost_index", "branch_profiles::transition_cost", "to = 2 of 2", "branch is 2, expected < 2",
             [p] { (void)p.transition_cost(0, 2); });
    t.reject("remote_none", "branch_profiles::remote", "no remote set", "no remote executor is set", [p] { (void)p.remote(); });

    // profile_csv.hpp
    const std::string pbp = "parse_branch_profiles";
    auto csv_row = [&](std::string slug, std::string input, std::string expected, std::string text) {
        t.reject(std::move(slug), pbp, std::move(input), std::move(expected), [text] { (void)ok::parse_branch_profiles(text); });
    };
    csv_row("csv_empty", "empty text", "no header row", "");
    csv_row("csv_no_branch_column", "no 'branch' column", "missing column 'branch'", "name,accuracy,latency_ms\na,0.5,10\n");
    csv_row("csv_no_accuracy", "no accuracy column", "missing column 'accuracy'", "branch,latency_ms\na,10\n");
    csv_row("csv_no_latency", "no latency column", "missing column 'latency_ms' or 'latency_s'", "branch,accuracy\na,0.5\n");
    csv_row("csv_two_units", "latency_ms and latency_s", "header: both 'latency_ms' and 'latency_s' columns",
            "branch,accuracy,latency_ms,latency_s\na,0.5,10,0.01\n");
    csv_row("csv_accuracy_percent", "accuracy 71 (percent)", "line 2, column 2 ('accuracy'): '71' is not in [0, 1]",
            replaced(profile_csv, "0.6", "71"));
    csv_row("csv_latency_zero", "latency 0", "line 3, column 3 ('latency_ms'): '0' is not a latency > 0",
            replaced(profile_csv, "20", "0"));
    csv_row("csv_not_a_number", "accuracy 'abc'", "line 2, column 2 ('accuracy'): 'abc' is not a finite number",
            replaced(profile_csv, "0.6", "abc"));
    csv_row("csv_nan_text", "latency 'nan'", "'nan' is not a finite number", replaced(profile_csv, "10", "nan"));
    csv_row("csv_empty_name", "an empty branch name", "line 3, column 1 ('branch'): '' is empty, expected a branch name",
            replaced(profile_csv, "b,", ","));
    csv_row("csv_executor", "executor 'gpu'", "('executor'): 'gpu' is not 'local' or 'remote'",
            "branch,executor,accuracy,latency_ms\na,gpu,0.5,10\n");
    csv_row("csv_duplicate_branch", "branch 'a' twice", "line 3: branch 'a' is listed twice", replaced(profile_csv, "b,", "a,"));
    csv_row("csv_two_remotes", "two remote rows", "line 4: a second remote row ('s'), expected at most one",
            "branch,executor,accuracy,latency_ms\na,local,0.5,10\nr,remote,0.9,50\ns,remote,0.9,60\n");
    csv_row("csv_no_local", "only a remote row", "no local branch", "branch,executor,accuracy,latency_ms\nr,remote,0.9,50\n");
    csv_row("csv_truncated_row", "the last row cut after its 2nd field", "line 3 has 2 fields, expected 3",
            profile_csv.substr(0, profile_csv.size() - 4));
    csv_row("csv_unterminated_quote", "an unterminated quote", "line 2: unterminated quoted field",
            "branch,accuracy,latency_ms\n\"a,0.5,10\n");
    csv_row("csv_index_gap", "accuracy[1] without accuracy[0]", "header: 'accuracy[0]' is missing (have 'accuracy[1]')",
            "branch,accuracy[1],latency_ms\na,0.5,10\n");
    csv_row("csv_duplicate_column", "two 'branch' columns", "line 1: duplicate column 'branch'",
            "branch,branch,accuracy,latency_ms\na,a,0.5,10\n");
    t.reject("read_profiles_missing", "read_branch_profiles", "a path that does not exist",
             "cannot open '/nonexistent/offloadkit/profile.csv'",
             [] { (void)ok::read_branch_profiles("/nonexistent/offloadkit/profile.csv"); });
    const std::string ptc = "parse_transition_costs";
    auto cost_row = [&](std::string slug, std::string input, std::string expected, std::string text) {
        t.reject(std::move(slug), ptc, std::move(input), std::move(expected),
                 [text, p] { (void)ok::parse_transition_costs(text, p); });
    };
    cost_row("costs_csv_unknown", "from 'zzz'", "line 2, column 1 ('from'): 'zzz' is not a branch of the profile",
             "from,to,cost_ms\nzzz,b,3\n");
    cost_row("costs_csv_negative", "cost -3", "line 2, column 3 ('cost_ms'): '-3' is negative", "from,to,cost_ms\na,b,-3\n");
    cost_row("costs_csv_self", "a -> a costs 2", "'2' is not 0 (from and to are the same branch)", "from,to,cost_ms\na,a,2\n");
    cost_row("costs_csv_repeated", "a -> b twice", "line 3: the pair ('a', 'b') is listed twice", "from,to,cost_ms\na,b,1\na,b,2\n");
    cost_row("costs_csv_two_units", "cost_ms and cost_s", "expected exactly one of the columns 'cost_ms' and 'cost_s'",
             "from,to,cost_ms,cost_s\na,b,1,0.001\n");
    cost_row("costs_csv_nan", "cost 'nan'", "'nan' is not a finite number", "from,to,cost_s\na,b,nan\n");
    t.reject("read_costs_missing", "read_transition_costs", "a path that does not exist", "cannot open '/nonexistent/costs.csv'",
             [p] { (void)ok::read_transition_costs("/nonexistent/costs.csv", p); });

    // scheduler.hpp
    auto sched_option = [&](std::string slug, std::string input, std::string expected,
                            std::function<void(ok::scheduler_options&)> edit) {
        t.reject(std::move(slug), "branch_scheduler", std::move(input), std::move(expected), [edit, p] {
            ok::scheduler_options o;
            edit(o);
            (void)ok::branch_scheduler(p, o);
        });
    };
    sched_option("sched_interval_zero", "options.frame_interval = 0", "options.frame_interval is 0, expected a finite number > 0",
                 [](auto& o) { o.frame_interval = 0; });
    sched_option("sched_interval_nan", "options.frame_interval = NaN", "options.frame_interval is NaN",
                 [](auto& o) { o.frame_interval = nan; });
    sched_option("sched_transition_negative", "options.max_transition_cost = -1", "options.max_transition_cost is -1, expected >= 0",
                 [](auto& o) { o.max_transition_cost = -1; });
    sched_option("sched_transition_nan", "options.max_transition_cost = NaN", "options.max_transition_cost is NaN",
                 [](auto& o) { o.max_transition_cost = nan; });
    const ok::branch_scheduler sched(p);
    const std::string dec = "branch_scheduler::decide";
    t.reject("decide_category", dec, "category 1 of 1", "category is 1, expected < 1",
             [sched] { (void)sched.decide(1, 0, ok::approx_requirement::none()); });
    t.reject("decide_level", dec, "level 2 of 2", "level is 2, expected < 2",
             [sched] { (void)sched.decide(0, 2, ok::approx_requirement::none()); });
    t.reject("decide_accuracy_above_1", dec, "min_accuracy(1.5)", "requirement.value is 1.5, expected a minimum accuracy in [0, 1]",
             [sched] { (void)sched.decide(0, 0, ok::approx_requirement::min_accuracy(1.5)); });
    t.reject("decide_accuracy_nan", dec, "min_accuracy(NaN)", "requirement.value is NaN",
             [sched] { (void)sched.decide(0, 0, ok::approx_requirement::min_accuracy(nan)); });
    t.reject("decide_latency_negative", dec, "max_latency(-1)", "requirement.value is -1, expected a maximum latency >= 0 (seconds)",
             [sched] { (void)sched.decide(0, 0, ok::approx_requirement::max_latency(-1)); });
    t.reject("decide_latency_nan", dec, "max_latency(NaN)", "requirement.value is NaN",
             [sched] { (void)sched.decide(0, 0, ok::approx_requirement::max_latency(nan)); });
    t.reject("decide_offload_no_remote", dec, "offload() without a remote executor",
             "the requirement is offload, but the profile has no remote executor",
             [sched] { (void)sched.decide(0, 0, ok::approx_requirement::offload()); });
    t.reject("decide_kind", dec, "requirement.type 9 (not a kind)", "requirement.type is not an approx_requirement::kind value",
             [sched] {
                 ok::approx_requirement r;
                 r.type = static_cast<ok::approx_requirement::kind>(9);
                 (void)sched.decide(0, 0, r);
             });
    t.reject("decide_current", dec, "current branch 2 of 2", "current is 2, expected < 2",
             [sched] { (void)sched.decide(0, 0, ok::approx_requirement::none(), 2); });
    {
        auto s = std::make_shared<ok::branch_scheduler>(p);
        (void)s->step(0, 0, ok::approx_requirement::min_accuracy(0.65));
        t.reject("step_category", "branch_scheduler::step", "category 3 of 1", "category is 3, expected < 1",
                 [s] { (void)s->step(3, 0, ok::approx_requirement::none()); })
            .keeps("current_branch()", [s] { return s->current_branch() == std::optional<std::size_t>{1}; });
    }
    t.reject("frontier_level", "branch_scheduler::frontier", "level 9 of 2", "level is 9, expected < 2",
             [sched] { (void)sched.frontier(0, 9); });

    t.accept("decide_unmet", "branch_scheduler::decide", "min_accuracy(0.99) no branch meets",
             "met == false and the most accurate branch (closest to the requirement, §4.6)", [sched] {
                 const auto d = sched.decide(0, 0, ok::approx_requirement::min_accuracy(0.99));
                 return !d.met && d.branch == 1;
             });
    t.accept("decide_infinite_latency", "branch_scheduler::decide", "max_latency(+inf)", "accepted: the most accurate branch",
             [sched] { return sched.decide(0, 1, ok::approx_requirement::max_latency(inf)).branch == 1; });
    return t;
}

table estimators_rows() {
    table t{"estimators", {}, {}};
    // contention.hpp
    const std::vector<double> lat{0.01, 0.02, 0.03, 0.04};  // 2 levels x 2 branches
    auto ce_row = [&](std::string slug, std::string input, std::string expected, std::vector<double> l, std::size_t m,
                      std::size_t b, std::size_t w) {
        t.reject(std::move(slug), "contention_estimator", std::move(input), std::move(expected),
                 [=] { (void)ok::contention_estimator(l, m, b, w); });
    };
    ce_row("ce_levels_zero", "levels = 0", "levels is 0, expected >= 1", lat, 0, 2, 5);
    ce_row("ce_branches_zero", "branches = 0", "branches is 0, expected >= 1", lat, 2, 0, 5);
    ce_row("ce_window_zero", "window = 0", "window is 0, expected >= 1", lat, 2, 2, 0);
    ce_row("ce_latency_size", "3 latencies for 2 x 2", "latency has size 3, expected 2 x 2 (levels x branches)",
           {0.01, 0.02, 0.03}, 2, 2, 5);
    ce_row("ce_latency_zero", "latency[1] = 0", "latency[1] is 0, expected a finite number > 0", {0.01, 0, 0.03, 0.04}, 2, 2, 5);
    ce_row("ce_latency_nan", "latency[3] = NaN", "latency[3] is NaN", {0.01, 0.02, 0.03, nan}, 2, 2, 5);
    t.reject("ce_profiles_window_zero", "contention_estimator", "from profiles, window = 0", "window is 0",
             [] { (void)ok::contention_estimator(ab_branches(), 0); });
    {
        auto ce = std::make_shared<ok::contention_estimator>(lat, 2, 2, 3);
        ce->observe(0, 0.012);
        auto same = [ce] { return ce->samples() == 1 && ce->mean_latency() == 0.012 && ce->level() == 0; };
        t.reject("ce_observe_branch", "contention_estimator::observe", "branch 2 of 2", "branch is 2, expected < 2",
                 [ce] { ce->observe(2, 0.01); })
            .keeps("the estimator", same);
        t.reject("ce_observe_nan", "contention_estimator::observe", "latency NaN", "latency is NaN, expected a finite number >= 0",
                 [ce] { ce->observe(0, nan); })
            .keeps("the estimator", same);
        t.reject("ce_observe_negative", "contention_estimator::observe", "latency -0.01", "latency is -0.01",
                 [ce] { ce->observe(0, -0.01); })
            .keeps("the estimator", same);
        t.reject("ce_observe_inf", "contention_estimator::observe", "latency +inf", "latency is inf",
                 [ce] { ce->observe(1, inf); })
            .keeps("the estimator", same);
        t.reject("ce_nearest_branch", "contention_estimator::nearest_level", "branch 7 of 2", "branch is 7, expected < 2",
                 [ce] { (void)ce->nearest_level(7, 0.01); });
        t.reject("ce_nearest_nan", "contention_estimator::nearest_level", "latency NaN", "latency is NaN",
                 [ce] { (void)ce->nearest_level(0, nan); });
    }
    // bandwidth.hpp
    t.reject("hm_window_zero", "harmonic_mean_estimator", "window = 0", "window is 0, expected >= 1",
             [] { (void)ok::harmonic_mean_estimator(0, 1e6); });
    t.reject("hm_initial_nan", "harmonic_mean_estimator", "initial = NaN", "initial is NaN, expected a finite number >= 0",
             [] { (void)ok::harmonic_mean_estimator(5, nan); });
    t.reject("hm_initial_negative", "harmonic_mean_estimator", "initial = -1", "initial is -1",
             [] { (void)ok::harmonic_mean_estimator(5, -1); });
    t.reject("hm_initial_inf", "harmonic_mean_estimator", "initial = +inf", "initial is inf",
             [] { (void)ok::harmonic_mean_estimator(5, inf); });
    {
        auto h = std::make_shared<ok::harmonic_mean_estimator>(3, 1e6);
        h->observe(37000, 0.05);
        const ok::harmonic_mean_estimator copy = *h;
        auto same = [h, copy] { return *h == copy; };
        const std::string obs = "harmonic_mean_estimator::observe";
        t.reject("hm_bytes_zero", obs, "bytes = 0", "bytes is 0, expected a finite number > 0", [h] { h->observe(0, 0.1); })
            .keeps("the estimator", same);
        t.reject("hm_bytes_nan", obs, "bytes = NaN", "bytes is NaN", [h] { h->observe(nan, 0.1); }).keeps("the estimator", same);
        t.reject("hm_seconds_zero", obs, "seconds = 0", "seconds is 0", [h] { h->observe(1000, 0); }).keeps("the estimator", same);
        t.reject("hm_seconds_negative", obs, "seconds = -1", "seconds is -1", [h] { h->observe(1000, -1); })
            .keeps("the estimator", same);
        t.reject("hm_seconds_inf", obs, "seconds = +inf", "seconds is inf", [h] { h->observe(1000, inf); })
            .keeps("the estimator", same);
        t.reject("hm_throughput_overflow", obs, "bytes = 1e-300, seconds = 1e300 (seconds / bytes overflows)",
                 "bytes / seconds is 1e-300 / 1e+300, a throughput outside the range of double",
                 [h] { h->observe(1e-300, 1e300); })
            .keeps("the estimator", same);
    }
    t.reject("ewma_fast_zero", "dual_ewma_estimator", "fast_half_life = 0", "fast_half_life is 0, expected a finite number > 0",
             [] { (void)ok::dual_ewma_estimator(0, 5); });
    t.reject("ewma_slow_nan", "dual_ewma_estimator", "slow_half_life = NaN", "slow_half_life is NaN",
             [] { (void)ok::dual_ewma_estimator(2, nan); });
    t.reject("ewma_initial_negative", "dual_ewma_estimator", "initial = -1", "initial is -1",
             [] { (void)ok::dual_ewma_estimator(2, 5, -1); });
    {
        auto d = std::make_shared<ok::dual_ewma_estimator>();
        d->observe(37000, 0.05);
        const ok::dual_ewma_estimator copy = *d;
        auto same = [d, copy] { return *d == copy; };
        t.reject("ewma_bytes_inf", "dual_ewma_estimator::observe", "bytes = +inf", "bytes is inf", [d] { d->observe(inf, 1); })
            .keeps("the estimator", same);
        t.reject("ewma_seconds_zero", "dual_ewma_estimator::observe", "seconds = 0", "seconds is 0", [d] { d->observe(1, 0); })
            .keeps("the estimator", same);
        t.reject("ewma_throughput_overflow", "dual_ewma_estimator::observe", "bytes = 1e300, seconds = 1e-300 (bytes / seconds overflows)",
                 "bytes / seconds is 1e+300 / 1e-300, a throughput outside the range of double",
                 [d] { d->observe(1e300, 1e-300); })
            .keeps("the estimator", same);
    }
    t.accept("hm_initial", "harmonic_mean_estimator::estimate", "no sample yet", "the initial value", [] {
        return ok::harmonic_mean_estimator(5, 625000.0).estimate() == 625000.0;
    });
    return t;
}

// ---- offload (CBO §IV) and pareto -----------------------------------------------------------

/// Three frames, three resolutions, the paper's link.
ok::offload_problem good_problem() {
    ok::offload_problem pb;
    pb.server_accuracy = {0.35, 0.6, 0.8};
    pb.frames = {{0.0, 0.5, {1500, 6000, 13000}}, {0.033, 0.7, {1500, 6000, 13000}}, {0.066, 0.2, {1500, 6000, 13000}}};
    return pb;
}

ok::offload_problem edited(const std::function<void(ok::offload_problem&)>& edit) {
    auto pb = good_problem();
    edit(pb);
    return pb;
}

const ok::offload_model model3{0.2, 0.037, 0.1, {0.35, 0.6, 0.8}};
const std::vector<double> bytes3{1500, 6000, 13000};

table offload_rows() {
    table t{"offload", {}, {}};
    // problem.hpp: evaluate_plan validates the whole problem (the solvers share the checks)
    const std::vector<int> choice{-1, 0, 2};
    auto plan_row = [&](std::string slug, std::string input, std::string expected, std::function<void(ok::offload_problem&)> edit) {
        const auto pb = edited(edit);
        t.reject(std::move(slug), "evaluate_plan", std::move(input), std::move(expected),
                 [pb, choice] { (void)ok::evaluate_plan(pb, choice); });
    };
    plan_row("problem_deadline_zero", "deadline = 0", "deadline is 0, expected a finite number > 0", [](auto& p) { p.deadline = 0; });
    plan_row("problem_deadline_nan", "deadline = NaN", "deadline is NaN", [](auto& p) { p.deadline = nan; });
    plan_row("problem_server_time_negative", "server_time = -1", "server_time is -1, expected a finite number >= 0",
             [](auto& p) { p.server_time = -1; });
    plan_row("problem_latency_inf", "network_latency = +inf", "network_latency is inf", [](auto& p) { p.network_latency = inf; });
    plan_row("problem_bandwidth_zero", "bandwidth = 0", "bandwidth is 0, expected a finite number > 0", [](auto& p) { p.bandwidth = 0; });
    plan_row("problem_no_resolutions", "server_accuracy empty", "server_accuracy is empty", [](auto& p) { p.server_accuracy.clear(); });
    plan_row("problem_accuracy_above_1", "server_accuracy[1] = 1.5", "server_accuracy[1] is 1.5, expected a value in [0, 1]",
             [](auto& p) { p.server_accuracy[1] = 1.5; });
    plan_row("problem_arrival_nan", "frames[1].arrival = NaN", "frames[1].arrival is NaN, expected a finite number >= 0",
             [](auto& p) { p.frames[1].arrival = nan; });
    plan_row("problem_arrival_negative", "frames[0].arrival = -1", "frames[0].arrival is -1", [](auto& p) { p.frames[0].arrival = -1; });
    plan_row("problem_local_accuracy_nan", "frames[2].local_accuracy = NaN",
             "frames[2].local_accuracy is NaN, expected a value in [0, 1]", [](auto& p) { p.frames[2].local_accuracy = nan; });
    plan_row("problem_bytes_size", "frames[2].bytes has 2 sizes for 3 resolutions",
             "frames[2].bytes has size 2, expected 3 (the size of server_accuracy)", [](auto& p) { p.frames[2].bytes.pop_back(); });
    plan_row("problem_bytes_zero", "frames[0].bytes[1] = 0", "frames[0].bytes[1] is 0, expected a finite number > 0",
             [](auto& p) { p.frames[0].bytes[1] = 0; });
    plan_row("problem_bytes_inf", "frames[1].bytes[2] = +inf", "frames[1].bytes[2] is inf", [](auto& p) { p.frames[1].bytes[2] = inf; });
    const auto pb = good_problem();
    t.reject("plan_choice_size", "evaluate_plan", "2 choices for 3 frames", "choice has size 2, expected 3 (the size of frames)",
             [pb] { (void)ok::evaluate_plan(pb, std::vector<int>{-1, 0}); });
    t.reject("plan_choice_range", "evaluate_plan", "choice[1] = 3 with 3 resolutions", "choice[1] is 3, expected -1..2",
             [pb] { (void)ok::evaluate_plan(pb, std::vector<int>{-1, 3, 0}); });
    t.reject("plan_choice_negative", "evaluate_plan", "choice[0] = -2", "choice[0] is -2, expected -1..2",
             [pb] { (void)ok::evaluate_plan(pb, std::vector<int>{-2, 0, 0}); });
    t.reject("plan_uplink_nan", "evaluate_plan", "uplink_free_at = NaN", "uplink_free_at is NaN, expected a finite number",
             [pb, choice] { (void)ok::evaluate_plan(pb, choice, nan); });

    // schedule.hpp
    t.reject("optimal_deadline_negative", "solve_optimal", "deadline = -1", "deadline is -1",
             [] { (void)ok::solve_optimal(edited([](auto& p) { p.deadline = -1; })); });
    t.reject("optimal_bandwidth_nan", "solve_optimal", "bandwidth = NaN", "bandwidth is NaN",
             [] { (void)ok::solve_optimal(edited([](auto& p) { p.bandwidth = nan; })); });
    t.reject("optimal_bytes_negative", "solve_optimal", "frames[1].bytes[0] = -5", "frames[1].bytes[0] is -5",
             [] { (void)ok::solve_optimal(edited([](auto& p) { p.frames[1].bytes[0] = -5; })); });
    t.reject("optimal_uplink_inf", "solve_optimal", "uplink_free_at = +inf", "uplink_free_at is inf",
             [pb] { (void)ok::solve_optimal(pb, inf); });
    auto plan_unchanged = [](std::shared_ptr<ok::offload_plan> plan) {
        return [plan] { return plan->value == 42.0 && plan->choice == std::vector<int>{7} && plan->resolution == 3; };
    };
    {
        auto ws = std::make_shared<ok::offload_workspace>();
        auto plan = std::make_shared<ok::offload_plan>();
        plan->value = 42.0;
        plan->choice = {7};
        plan->resolution = 3;
        t.reject("optimal_into_keeps_plan", "solve_optimal", "workspace form, frames[0].local_accuracy = 2",
                 "frames[0].local_accuracy is 2",
                 [ws, plan] { ok::solve_optimal(edited([](auto& p) { p.frames[0].local_accuracy = 2; }), 0.0, *ws, *plan); })
            .keeps("out (the plan)", plan_unchanged(plan));
        t.reject("cbo_into_keeps_plan", "cbo_schedule", "workspace form, uplink_free_at = NaN", "uplink_free_at is NaN",
                 [ws, plan, pb] { ok::cbo_schedule(pb, nan, *ws, *plan); })
            .keeps("out (the plan)", plan_unchanged(plan));
    }
    t.reject("cbo_accuracy_nan", "cbo_schedule", "server_accuracy[0] = NaN", "server_accuracy[0] is NaN",
             [] { (void)ok::cbo_schedule(edited([](auto& p) { p.server_accuracy[0] = nan; }), 0.0); });
    t.reject("cbo_arrival_inf", "cbo_schedule", "frames[2].arrival = +inf (arrival order)", "frames[2].arrival is inf",
             [] { (void)ok::cbo_schedule(edited([](auto& p) { p.frames[2].arrival = inf; }), 0.0, ok::cbo_order::arrival); });

    // policies.hpp
    t.reject("server_policy_interval", "server_policy", "frame_interval = 0", "frame_interval is 0, expected a finite number > 0",
             [] { (void)ok::server_policy(model3, 0.0); });
    t.reject("server_policy_model", "server_policy", "model.deadline = 0", "deadline is 0", [] {
        auto m = model3;
        m.deadline = 0;
        (void)ok::server_policy(m, 1.0 / 30);
    });
    t.reject("cbo_policy_model", "cbo_policy", "model.server_accuracy empty", "server_accuracy is empty", [] {
        auto m = model3;
        m.server_accuracy.clear();
        (void)ok::cbo_policy<ok::identity_calibrator>(m, {});
    });
    t.reject("fastva_accuracy", "fastva_policy", "mean_local_accuracy = 1.5", "mean_local_accuracy is 1.5, expected a value in [0, 1]",
             [] { (void)ok::fastva_policy(model3, 1.5); });
    t.reject("planned_choice", "planned_policy", "choice[1] = -2", "choice[1] is -2, expected >= -1",
             [] { (void)ok::planned_policy(std::vector<int>{0, -2}); });
    // decide(): window frames whose fields are bad; release must stay as given (all 7s here)
    // pending_frame::bytes is a span: its sizes must outlive the rows (static, like bytes3)
    static const std::vector<double> bad_size{1500, 6000};
    static const std::vector<double> zero_bytes{1500, 0, 13000};
    auto decide_row = [&](std::string slug, std::string function, std::string input, std::string expected,
                          std::vector<ok::pending_frame> window, std::size_t release_size, ok::decision_context ctx,
                          std::function<ok::offload_action(std::span<const ok::pending_frame>, std::span<std::uint8_t>,
                                                           const ok::decision_context&)>
                              decide) {
        buffer<std::uint8_t> release(release_size, 7);
        t.reject(std::move(slug), std::move(function), std::move(input), std::move(expected),
                 [window, release, ctx, decide] { (void)decide(window, *release, ctx); })
            .keeps("release", release.untouched());
    };
    const ok::pending_frame f0{0, 0.0, 0.5, bytes3};
    const ok::pending_frame f1{1, 0.01, 0.6, bytes3};
    const ok::decision_context ctx{0.02, 625000.0};
    auto local = [](auto w, auto r, const auto& c) { return ok::local_policy{}.decide(c, w, r); };
    auto server = [](auto w, auto r, const auto& c) { return ok::server_policy(model3, 1.0 / 30).decide(c, w, r); };
    auto cbo = [](auto w, auto r, const auto& c) {
        return ok::cbo_policy<ok::identity_calibrator>(model3, {}).decide(c, w, r);
    };
    auto fastva = [](auto w, auto r, const auto& c) { return ok::fastva_policy(model3, 0.55).decide(c, w, r); };
    auto planned = [](auto w, auto r, const auto& c) { return ok::planned_policy({-1, 2}).decide(c, w, r); };
    decide_row("local_release_size", "local_policy::decide", "release of 1 for a window of 2",
               "release has size 1, expected 2 (the size of window)", {f0, f1}, 1, ctx, local);
    decide_row("server_release_size", "server_policy::decide", "release of 3 for a window of 2", "release has size 3, expected 2",
               {f0, f1}, 3, ctx, server);
    decide_row("server_now_nan", "server_policy::decide", "ctx.now = NaN", "ctx.now is NaN", {f0, f1}, 2, {nan, 625000.0}, server);
    decide_row("server_arrival_nan", "server_policy::decide", "window[1].arrival = NaN",
               "window[1].arrival is NaN, expected a finite number >= 0", {f0, {1, nan, 0.6, bytes3}}, 2, ctx, server);
    decide_row("server_bytes_zero", "server_policy::decide", "window[0].bytes[1] = 0",
               "window[0].bytes[1] is 0, expected a finite number > 0", {{0, 0.0, 0.5, zero_bytes}}, 1, ctx, server);
    decide_row("cbo_release_size", "cbo_policy::decide", "release of 0 for a window of 1", "release has size 0, expected 1", {f0}, 0,
               ctx, cbo);
    decide_row("cbo_bytes_size", "cbo_policy::decide", "window[1] with 2 sizes for 3 resolutions",
               "window[1].bytes has size 2, expected 3 (the number of resolutions)", {f0, {1, 0.01, 0.6, bad_size}}, 2, ctx, cbo);
    decide_row("cbo_confidence", "cbo_policy::decide", "window[0].confidence = 1.5", "window[0].confidence is 1.5, expected a value in [0, 1]",
               {{0, 0.0, 1.5, bytes3}}, 1, ctx, cbo);
    decide_row("cbo_now_inf", "cbo_policy::decide", "ctx.now = +inf", "ctx.now is inf", {f0}, 1, {inf, 625000.0}, cbo);
    decide_row("cbo_arrival_negative", "cbo_policy::decide", "window[0].arrival = -1", "window[0].arrival is -1", {{0, -1.0, 0.5, bytes3}},
               1, ctx, cbo);
    decide_row("fastva_arrival_inf", "fastva_policy::decide", "window[1].arrival = +inf", "window[1].arrival is inf",
               {f0, {1, inf, 0.5, bytes3}}, 2, ctx, fastva);
    decide_row("planned_id", "planned_policy::decide", "window[1].id = 5 with a plan of 2 frames",
               "window[1].id is 5, the plan has 2 frames", {f0, {5, 0.01, 0.6, bytes3}}, 2, ctx, planned);
    decide_row("planned_resolution", "planned_policy::decide", "planned resolution 2 for a frame with 2 sizes",
               "plan resolution 2 for frame 1 (window[1]) is out of range", {f0, {1, 0.01, 0.6, bad_size}}, 2, ctx, planned);

    // pareto/frontier.hpp
    t.reject("frontier_cost_nan", "pareto_frontier", "points[1].cost = NaN", "points[1].cost is NaN", [] {
        (void)ok::pareto_frontier(std::vector<ok::tradeoff_point>{{1, 1}, {nan, 2}});
    });
    t.reject("frontier_value_nan", "pareto_frontier", "points[0].value = NaN", "points[0].value is NaN", [] {
        (void)ok::pareto_frontier(std::vector<ok::tradeoff_point>{{1, nan}});
    });
    {
        auto list = std::make_shared<std::vector<ok::tradeoff_point>>(
            std::vector<ok::tradeoff_point>{{3, 1}, {1, 2}, {nan, 0}, {2, 5}});
        const auto copy = *list;
        t.reject("prune_nan", "pareto_prune", "list[2].cost = NaN (undefined behaviour in the sort before)", "list[2].cost is NaN",
                 [list] { ok::pareto_prune(*list); })
            .keeps("list", [list, copy] {
                return list->size() == copy.size() && (*list)[0] == copy[0] && (*list)[3] == copy[3];
            });
    }

    t.accept("policy_zero_bandwidth", "cbo_policy::decide", "ctx.bandwidth = 0 (or NaN, inf)",
             "sends nothing and releases every frame (protocol: nothing can be sent)", [f0, f1] {
                 ok::cbo_policy<ok::identity_calibrator> p(model3, {});
                 std::vector<ok::pending_frame> w{f0, f1};
                 std::vector<std::uint8_t> r(2, 0);
                 const auto a = p.decide({0.02, 0.0}, w, r);
                 std::vector<std::uint8_t> r2(2, 0);
                 const auto b = p.decide({0.02, nan}, w, r2);
                 return !a.sends() && !b.sends() && r == std::vector<std::uint8_t>{1, 1} && r2 == r;
             });
    t.accept("frontier_infinities", "pareto_frontier", "costs and values of +-inf", "ordinary values (only NaN is rejected)", [] {
        return ok::pareto_frontier(std::vector<ok::tradeoff_point>{{inf, inf}, {-inf, 0}, {1, -inf}}) ==
               std::vector<std::size_t>{1, 0};
    });
    t.accept("empty_window", "solve_optimal", "a problem with no frames", "value 0, no choice, nothing offloaded", [] {
        ok::offload_problem p = good_problem();
        p.frames.clear();
        const auto plan = ok::solve_optimal(p);
        return plan.value == 0.0 && plan.choice.empty() && plan.first == -1;
    });
    return t;
}

// ---- sim (CBO §V) ---------------------------------------------------------------------------

/// A 20-frame synthetic trace with arrivals (two resolutions).
ok::trace small_trace() {
    ok::synthetic_trace_options o;
    o.frames = 20;
    o.with_arrival = true;
    o.resolutions = {"45", "90"};
    o.mean_bytes = {1500, 6000};
    o.server_accuracy = {0.5, 0.8};
    return ok::make_synthetic_trace(o);
}

const std::string trace_csv =
    "arrival_s,npu_confidence,npu_correct,bytes@45,server_correct@45\n0,0.8,1,1500,0\n0.033,0.6,0,1600,1\n";

/// A policy that misbehaves in a chosen way (for simulate's checks of the protocol).
struct rogue_policy {
    ok::offload_action act;
    bool release_sent = false;
    ok::offload_action decide(const ok::decision_context&, std::span<const ok::pending_frame>, std::span<std::uint8_t> release) {
        if (release_sent && !release.empty()) {
            release[0] = 1;
        }
        return act;
    }
};

table sim_rows() {
    table t{"sim", {}, {}};
    const ok::trace tr = small_trace();
    auto trace_row = [&](std::string slug, std::string input, std::string expected, std::function<void(ok::trace&)> edit) {
        auto bad = tr;
        edit(bad);
        t.reject(std::move(slug), "validate_trace", std::move(input), std::move(expected), [bad] { ok::validate_trace(bad); });
    };
    trace_row("trace_no_resolutions", "no resolutions", "resolutions is empty", [](auto& x) {
        x.resolutions.clear();
        x.bytes.clear();
        x.server_correct.clear();
    });
    trace_row("trace_npu_size", "19 npu_correct for 20 frames", "npu_correct has size 19, expected 20 (the size of confidence)",
              [](auto& x) { x.npu_correct.pop_back(); });
    trace_row("trace_bytes_size", "39 byte sizes for 20 x 2", "bytes has size 39, expected 40 (the size of frames x resolutions)",
              [](auto& x) { x.bytes.pop_back(); });
    trace_row("trace_server_size", "41 server_correct for 20 x 2", "server_correct has size 41, expected 40",
              [](auto& x) { x.server_correct.push_back(0); });
    trace_row("trace_arrival_size", "5 arrivals for 20 frames", "arrival has size 5, expected 0 or 20",
              [](auto& x) { x.arrival.resize(5); });
    trace_row("trace_confidence", "confidence[3] = 1.5", "confidence[3] is 1.5, expected a value in [0, 1]",
              [](auto& x) { x.confidence[3] = 1.5; });
    trace_row("trace_npu_correct", "npu_correct[0] = 2", "npu_correct[0] is 2, expected 0 or 1", [](auto& x) { x.npu_correct[0] = 2; });
    trace_row("trace_server_correct", "server_correct[7] = 3", "server_correct[7] is 3", [](auto& x) { x.server_correct[7] = 3; });
    trace_row("trace_bytes_zero", "bytes[2] = 0", "bytes[2] is 0, expected a finite number > 0", [](auto& x) { x.bytes[2] = 0; });
    trace_row("trace_bytes_nan", "bytes[5] = NaN", "bytes[5] is NaN", [](auto& x) { x.bytes[5] = nan; });
    trace_row("trace_arrival_nan", "arrival[1] = NaN", "arrival[1] is NaN, expected a finite number >= 0",
              [](auto& x) { x.arrival[1] = nan; });
    trace_row("trace_arrival_order", "arrival[2] < arrival[1]", "arrival[2] is 0.01, before arrival[1]",
              [](auto& x) { x.arrival[2] = 0.01; });
    trace_row("trace_label_comma", "resolution label 'a,b'", "resolutions[0] is 'a,b', expected a non-empty label without commas",
              [](auto& x) { x.resolutions[0] = "a,b"; });
    auto parse_row = [&](std::string slug, std::string input, std::string expected, std::string text) {
        t.reject(std::move(slug), "parse_trace", std::move(input), std::move(expected), [text] { (void)ok::parse_trace(text); });
    };
    parse_row("parse_empty", "empty text", "no header row", "");
    parse_row("parse_no_confidence", "no npu_confidence column", "missing column 'npu_confidence'",
              replaced(trace_csv, "npu_confidence", "score"));
    parse_row("parse_no_server_column", "bytes@45 without server_correct@45", "missing column 'server_correct@45'",
              replaced(trace_csv, "server_correct@45", "other"));
    parse_row("parse_server_without_bytes", "server_correct@45 without bytes@45",
              "column 5 ('server_correct@45') has no matching 'bytes@45' column",
              "arrival_s,npu_confidence,npu_correct,bytes@90,server_correct@45,server_correct@90\n0,0.5,1,10,1,1\n");
    parse_row("parse_no_resolution", "no bytes@R column", "no 'bytes@R' column", "npu_confidence,npu_correct\n0.5,1\n");
    parse_row("parse_empty_label", "a column 'bytes@'", "column 1 ('bytes@') has an empty resolution label",
              "bytes@,npu_confidence,npu_correct\n10,0.5,1\n");
    parse_row("parse_confidence", "npu_confidence 1.5", "line 2, column 2 ('npu_confidence'): 1.5, expected a value in [0, 1]",
              replaced(trace_csv, "0.8", "1.5"));
    parse_row("parse_npu_correct", "npu_correct 0.5", "line 3, column 3 ('npu_correct'): 0.5, expected 0 or 1",
              replaced(trace_csv, "0.6,0", "0.6,0.5"));
    parse_row("parse_bytes_zero", "bytes 0", "line 2, column 4 ('bytes@45'): 0, expected > 0", replaced(trace_csv, "1500", "0"));
    parse_row("parse_bytes_negative", "bytes -1", "('bytes@45'): -1, expected > 0", replaced(trace_csv, "1600", "-1"));
    parse_row("parse_arrival_order", "arrivals out of order", "line 3, column 1 ('arrival_s'): 0 is before the previous frame's arrival 0.5",
              replaced(replaced(trace_csv, "0,0.8", "0.5,0.8"), "0.033", "0"));
    parse_row("parse_arrival_negative", "arrival -1", "line 2, column 1 ('arrival_s'): -1, expected >= 0",
              replaced(trace_csv, "\n0,0.8", "\n-1,0.8"));
    parse_row("parse_not_a_number", "npu_confidence 'high'", "line 3, column 2 ('npu_confidence'): 'high' is not a finite number",
              replaced(trace_csv, "0.6", "high"));
    parse_row("parse_nan_text", "bytes 'nan'", "'nan' is not a finite number", replaced(trace_csv, "1600", "nan"));
    parse_row("parse_overflow", "bytes 1e999", "'1e999' is not a finite number", replaced(trace_csv, "1600", "1e999"));
    parse_row("parse_truncated", "the text cut inside the last row", "line 3 has 3 fields, expected 5",
              trace_csv.substr(0, trace_csv.size() - 8));
    parse_row("parse_quote", "an unterminated quote", "line 2: unterminated quoted field", replaced(trace_csv, "\n0,", "\n\"0,"));
    t.reject("read_trace_missing", "read_trace", "a path that does not exist", "cannot open '/nonexistent/offloadkit/trace.csv'",
             [] { (void)ok::read_trace("/nonexistent/offloadkit/trace.csv"); });
    t.reject("to_csv_invalid", "to_csv", "a trace with confidence[0] = 2", "confidence[0] is 2", [tr] {
        auto bad = tr;
        bad.confidence[0] = 2;
        (void)ok::to_csv(bad);
    });

    // synthetic.hpp
    auto syn_row = [&](std::string slug, std::string input, std::string expected,
                       std::function<void(ok::synthetic_trace_options&)> edit) {
        t.reject(std::move(slug), "make_synthetic_trace", std::move(input), std::move(expected), [edit] {
            ok::synthetic_trace_options o;
            o.frames = 10;
            edit(o);
            (void)ok::make_synthetic_trace(o);
        });
    };
    syn_row("syn_no_resolutions", "no resolutions", "resolutions is empty", [](auto& o) { o.resolutions.clear(); });
    syn_row("syn_mean_bytes_size", "4 mean sizes for 5 resolutions", "mean_bytes has size 4, expected 5 (the size of resolutions)",
            [](auto& o) { o.mean_bytes.pop_back(); });
    syn_row("syn_accuracy_size", "6 accuracies for 5 resolutions", "server_accuracy has size 6, expected 5",
            [](auto& o) { o.server_accuracy.push_back(0.9); });
    syn_row("syn_mean_bytes_zero", "mean_bytes[0] = 0", "mean_bytes[0] is 0, expected a finite number >= 1",
            [](auto& o) { o.mean_bytes[0] = 0; });
    syn_row("syn_mean_bytes_nan", "mean_bytes[2] = NaN", "mean_bytes[2] is NaN", [](auto& o) { o.mean_bytes[2] = nan; });
    syn_row("syn_accuracy", "server_accuracy[4] = 1.5", "server_accuracy[4] is 1.5, expected a value in [0, 1]",
            [](auto& o) { o.server_accuracy[4] = 1.5; });
    syn_row("syn_fps", "fps = 0", "fps is 0, expected a finite number > 0", [](auto& o) { o.fps = 0; });
    syn_row("syn_spread", "bytes_spread = -1", "bytes_spread is -1, expected a finite number >= 0", [](auto& o) { o.bytes_spread = -1; });
    syn_row("syn_mean", "difficulty_mean = NaN", "difficulty_mean is NaN, expected a finite number",
            [](auto& o) { o.difficulty_mean = nan; });
    syn_row("syn_sd", "difficulty_sd = -1", "difficulty_sd is -1", [](auto& o) { o.difficulty_sd = -1; });
    syn_row("syn_correlation_one", "difficulty_correlation = 1", "difficulty_correlation is 1, expected a value in [0, 1)",
            [](auto& o) { o.difficulty_correlation = 1; });
    syn_row("syn_correlation_negative", "difficulty_correlation = -0.1", "difficulty_correlation is -0.1",
            [](auto& o) { o.difficulty_correlation = -0.1; });
    syn_row("syn_slope", "confidence_slope = 0", "confidence_slope is 0, expected a finite number > 0",
            [](auto& o) { o.confidence_slope = 0; });
    syn_row("syn_offset", "confidence_offset = +inf", "confidence_offset is inf", [](auto& o) { o.confidence_offset = inf; });
    syn_row("syn_noise", "confidence_noise = NaN", "confidence_noise is NaN", [](auto& o) { o.confidence_noise = nan; });

    // simulator.hpp
    t.reject("bw_constant_negative", "bandwidth_trace", "constant -1", "constant is -1, expected a finite number >= 0",
             [] { (void)ok::bandwidth_trace(-1.0); });
    t.reject("bw_constant_nan", "bandwidth_trace", "constant NaN", "constant is NaN", [] { (void)ok::bandwidth_trace(nan); });
    t.reject("bw_start_empty", "bandwidth_trace", "no pieces", "start is empty", [] { (void)ok::bandwidth_trace({}, {}); });
    t.reject("bw_size_mismatch", "bandwidth_trace", "1 rate for 2 starts", "rate has size 1, expected 2 (the size of start)",
             [] { (void)ok::bandwidth_trace({0, 1}, {5}); });
    t.reject("bw_start_not_zero", "bandwidth_trace", "start[0] = 1", "start[0] is 1, expected 0", [] { (void)ok::bandwidth_trace({1}, {5}); });
    t.reject("bw_start_order", "bandwidth_trace", "start {0, 2, 1}", "start[2] is 1, expected finite and increasing",
             [] { (void)ok::bandwidth_trace({0, 2, 1}, {5, 5, 5}); });
    t.reject("bw_rate_nan", "bandwidth_trace", "rate[1] = NaN", "rate[1] is NaN", [] { (void)ok::bandwidth_trace({0, 1}, {5, nan}); });
    t.reject("bw_rate_negative", "bandwidth_trace", "rate[0] = -5", "rate[0] is -5, expected a finite number >= 0",
             [] { (void)ok::bandwidth_trace({0, 1}, {-5, 5}); });
    const ok::sim_options opt;
    auto simulate_row = [&](std::string slug, std::string input, std::string expected, std::function<void()> call) {
        t.reject(std::move(slug), "simulate", std::move(input), std::move(expected), std::move(call));
    };
    simulate_row("simulate_trace", "a trace with bytes[0] = -1", "bytes[0] is -1", [tr, opt] {
        auto bad = tr;
        bad.bytes[0] = -1;
        ok::local_policy p;
        ok::true_bandwidth e;
        (void)ok::simulate(bad, 0, 20, p, e, opt);
    });
    simulate_row("simulate_range", "frames [3, 2)", "frame range [3, 2) is not inside the trace of 20 frames", [tr, opt] {
        ok::local_policy p;
        ok::true_bandwidth e;
        (void)ok::simulate(tr, 3, 2, p, e, opt);
    });
    simulate_row("simulate_range_end", "frames [0, 21) of 20", "frame range [0, 21) is not inside", [tr, opt] {
        ok::local_policy p;
        ok::true_bandwidth e;
        (void)ok::simulate(tr, 0, 21, p, e, opt);
    });
    auto sim_option = [&](std::string slug, std::string input, std::string expected, std::function<void(ok::sim_options&)> edit) {
        simulate_row(std::move(slug), std::move(input), std::move(expected), [tr, edit] {
            ok::sim_options o;
            edit(o);
            ok::local_policy p;
            ok::true_bandwidth e;
            (void)ok::simulate(tr, 0, 20, p, e, o);
        });
    };
    sim_option("simulate_deadline", "options.deadline = 0", "deadline is 0", [](auto& o) { o.deadline = 0; });
    sim_option("simulate_fps", "options.fps = -30", "fps is -30", [](auto& o) { o.fps = -30; });
    sim_option("simulate_fraction", "options.calibration_fraction = 1", "calibration_fraction is 1, expected a value in [0, 1)",
               [](auto& o) { o.calibration_fraction = 1; });
    auto rogue_row = [&](std::string slug, std::string input, std::string expected, rogue_policy p) {
        simulate_row(std::move(slug), std::move(input), std::move(expected), [tr, opt, p]() mutable {
            ok::true_bandwidth e;
            (void)ok::simulate(tr, 0, 20, p, e, opt);
        });
    };
    rogue_row("simulate_policy_index", "a policy that sends window index 5 of 1", "the policy chose window index 5 of 1",
              rogue_policy{{5, 0}, false});
    rogue_row("simulate_policy_resolution", "a policy that sends at resolution 9 of 2", "the policy chose resolution 9 of 2",
              rogue_policy{{0, 9}, false});
    rogue_row("simulate_policy_release_sent", "a policy that sends and releases the same frame",
              "the policy both sent and released window index 0", rogue_policy{{0, 0}, true});
    const auto gain = [](std::size_t, std::size_t) { return 0.1; };
    t.reject("offline_plan_range", "offline_plan", "frames [0, 25) of 20 (read past the trace before)",
             "frame range [0, 25) is not inside the trace of 20 frames",
             [tr, opt, gain] { (void)ok::offline_plan(tr, 0, 25, opt, gain); });
    t.reject("offline_plan_reversed", "offline_plan", "frames [5, 4)", "frame range [5, 4)",
             [tr, opt, gain] { (void)ok::offline_plan(tr, 5, 4, opt, gain); });
    t.reject("offline_plan_trace", "offline_plan", "a trace with arrival[3] = NaN", "arrival[3] is NaN", [tr, opt, gain] {
        auto bad = tr;
        bad.arrival[3] = nan;
        (void)ok::offline_plan(bad, 0, 20, opt, gain);
    });
    t.reject("profile_fraction_zero", "profile_trace", "calibration_fraction 0", "calibration_fraction is 0, expected a value in (0, 1)",
             [tr] { (void)ok::profile_trace(tr, 0.0); });
    t.reject("profile_fraction_nan", "profile_trace", "calibration_fraction NaN", "calibration_fraction is NaN",
             [tr] { (void)ok::profile_trace(tr, nan); });
    t.reject("profile_too_short", "profile_trace", "a 2-frame trace at fraction 0.3",
             "a trace of 2 frames split at fraction 0.3 leaves an empty part", [] {
                 ok::synthetic_trace_options o;
                 o.frames = 2;
                 (void)ok::profile_trace(ok::make_synthetic_trace(o), 0.3);
             });
    t.reject("fit_calibrator_split_zero", "fit_trace_calibrator", "split 0", "split is 0, expected 1..20",
             [tr] { (void)ok::fit_trace_calibrator(tr, 0); });
    t.reject("fit_calibrator_split_large", "fit_trace_calibrator", "split 21 of 20", "split is 21, expected 1..20",
             [tr] { (void)ok::fit_trace_calibrator(tr, 21); });
    const auto cal = ok::fit_trace_calibrator(tr, 6);
    t.reject("run_policy_options", "run_policy", "options.fps = 0", "fps is 0", [tr, cal] {
        ok::sim_options o;
        o.fps = 0;
        (void)ok::run_policy(ok::policy_kind::cbo, tr, cal, o);
    });
    t.reject("run_policy_kind", "run_policy", "kind 42 (not a policy_kind)", "kind is 42, not a policy_kind value",
             [tr, cal, opt] { (void)ok::run_policy(static_cast<ok::policy_kind>(42), tr, cal, opt); });
    t.reject("evaluate_trace_fraction", "evaluate_trace", "options.calibration_fraction = NaN", "calibration_fraction is NaN", [tr] {
        ok::sim_options o;
        o.calibration_fraction = nan;
        (void)ok::evaluate_trace(ok::policy_kind::local, tr, o);
    });

    // sweep.hpp
    t.reject("sweep_point_bandwidth", "at_sweep_point", "bandwidth -1", "value is -1, expected a finite number >= 0",
             [opt] { (void)ok::at_sweep_point(opt, ok::sweep_axis::bandwidth, -1); });
    t.reject("sweep_point_fps", "at_sweep_point", "fps 0", "value is 0, expected a finite number > 0",
             [opt] { (void)ok::at_sweep_point(opt, ok::sweep_axis::fps, 0); });
    t.reject("sweep_point_latency", "at_sweep_point", "latency NaN", "value is NaN",
             [opt] { (void)ok::at_sweep_point(opt, ok::sweep_axis::latency, nan); });
    t.reject("sweep_point_axis", "at_sweep_point", "axis 7 (not a sweep_axis)", "axis is 7, not a sweep_axis value",
             [opt] { (void)ok::at_sweep_point(opt, static_cast<ok::sweep_axis>(7), 1); });
    t.reject("sweep_values", "sweep", "values[1] = NaN", "values[1] is NaN", [tr, cal, opt] {
        (void)ok::sweep(tr, cal, opt, ok::sweep_axis::fps, std::vector<double>{30, nan}, ok::all_policy_kinds);
    });
    const auto res = ok::run_policy(ok::policy_kind::local, tr, cal, opt);
    t.reject("model_accuracy_size", "model_accuracy", "1 server accuracy for 2 resolutions",
             "server_accuracy has size 1, expected 2 (the trace's resolutions)",
             [tr, res, cal] { (void)ok::model_accuracy(tr, res, std::vector<double>{0.5}, cal); });
    t.reject("model_accuracy_range", "model_accuracy", "server_accuracy[1] = 1.5", "server_accuracy[1] is 1.5",
             [tr, res, cal] { (void)ok::model_accuracy(tr, res, std::vector<double>{0.5, 1.5}, cal); });
    t.reject("model_accuracy_log", "model_accuracy", "a log entry for frame 99 of 20", "res.log[0] names frame 99", [tr, res, cal] {
        auto bad = res;
        bad.log[0].frame = 99;
        (void)ok::model_accuracy(tr, bad, std::vector<double>{0.5, 0.8}, cal);
    });

    t.accept("synthetic_no_frames", "make_synthetic_trace", "frames = 0", "an empty, valid trace", [] {
        ok::synthetic_trace_options o;
        o.frames = 0;
        const auto x = ok::make_synthetic_trace(o);
        ok::validate_trace(x);
        return x.size() == 0;
    });
    t.accept("simulate_zero_bandwidth", "simulate", "a true bandwidth of 0", "every frame kept local (accuracy = the NPU's)", [tr] {
        ok::sim_options o = ok::at_sweep_point(ok::sim_options{}, ok::sweep_axis::bandwidth, 0);
        ok::cbo_policy<ok::identity_calibrator> p(ok::offload_model{o.deadline, o.server_time, o.network_latency, {0.5, 0.8}}, {});
        ok::true_bandwidth e;
        const auto r = ok::simulate(tr, 0, tr.size(), p, e, o);
        std::size_t npu = 0;
        for (const auto c : tr.npu_correct) {
            npu += c;
        }
        return r.offloaded == 0.0 && r.accuracy == static_cast<double>(npu) / static_cast<double>(tr.size());
    });
    return t;
}

// ---- multitask (AMVP §IV-C) ------------------------------------------------------------------

/// Two devices, one base model of 10 layers split at 5 (and unsplit), one task with two candidates.
ok::amvp_problem tiny_amvp() {
    ok::amvp_problem pb;
    pb.devices = {{"phone", 1.0, 200e6}, {"edge", 1.0, 400e6}};
    pb.bandwidth = {0, 1e6, 1e6, 0};
    ok::amvp_base_model base;
    base.name = "net";
    base.layers = 10;
    ok::amvp_split half;
    half.layer = 5;
    half.first = {{0.05, 0.02}, {}, 10e6};
    half.second = {{0.05, 0.02}, {}, 20e6};
    half.feature_bytes = 50e3;
    ok::amvp_split whole;
    whole.layer = 10;
    whole.first = {{0.1, 0.04}, {}, 30e6};
    base.splits = {half, whole};
    pb.bases = {base};
    ok::amvp_task task;
    task.name = "t";
    task.goal = {.accuracy = 0.9, .latency = 0.2, .throughput = 5, .alpha = 0.5, .beta = 0.25, .gamma = 0.25};
    task.candidates = {{"net/6", 0, 6, 0.85}, {"net/2", 0, 2, 0.8}};
    pb.tasks = {task};
    return pb;
}

const std::string amvp_csv = R"([tasks]
task,accuracy_goal,latency_goal_ms,throughput_goal_fps,alpha,beta,gamma
A,0.9,500,2,0.5,0.25,0.25
[devices]
device,compute,memory_mb,speed
phone1,1.0,100,1.0
phone2,0.5,80,2.0
[links]
from,to,bandwidth_mbps
phone1,phone2,8
[models]
model,layers
net,10
[splits]
model,layer,device,p1_latency_ms,p2_latency_ms,p1_memory_mb,p2_memory_mb,feature_kb
net,4,*,100,300,10,30,50
net,10,*,400,0,40,0,0
[candidates]
task,candidate,model,frozen_layers,accuracy
A,net/6,net,6,0.85
[settings]
key,value
share_steps,4
)";

table multitask_rows() {
    table t{"multitask", {}, {}};
    // cost.hpp
    const ok::task_goal goal{.accuracy = 0.9, .latency = 1.0, .throughput = 1.0, .alpha = 0.5, .beta = 0.25, .gamma = 0.25};
    auto goal_row = [&](std::string slug, std::string input, std::string expected, std::function<void(ok::task_goal&)> edit) {
        auto g = goal;
        edit(g);
        t.reject(std::move(slug), "amvp_cost", std::move(input), std::move(expected), [g] { (void)ok::amvp_cost(g, 0.8, 1.0, 1.0); });
    };
    goal_row("cost_goal_accuracy", "goal.accuracy = 0", "goal.accuracy is 0, expected a finite number > 0",
             [](auto& g) { g.accuracy = 0; });
    goal_row("cost_goal_latency", "goal.latency = NaN", "goal.latency is NaN", [](auto& g) { g.latency = nan; });
    goal_row("cost_goal_throughput", "goal.throughput = -1", "goal.throughput is -1", [](auto& g) { g.throughput = -1; });
    goal_row("cost_alpha", "goal.alpha = 1.5", "goal.alpha is 1.5, expected a weight in [0, 1]", [](auto& g) { g.alpha = 1.5; });
    goal_row("cost_gamma_nan", "goal.gamma = NaN", "goal.gamma is NaN", [](auto& g) { g.gamma = nan; });
    goal_row("cost_weights_sum", "weights 0.5 + 0.25 + 0.125", "goal.alpha + beta + gamma is 0.875, expected 1",
             [](auto& g) { g.gamma = 0.125; });
    t.reject("cost_accuracy", "amvp_cost", "accuracy = -1", "accuracy is -1, expected a finite number >= 0",
             [goal] { (void)ok::amvp_cost(goal, -1, 1, 1); });
    t.reject("cost_latency", "amvp_cost", "latency = 0", "latency is 0, expected a finite number > 0",
             [goal] { (void)ok::amvp_cost(goal, 0.8, 0, 1); });
    t.reject("cost_throughput", "amvp_cost", "throughput = NaN", "throughput is NaN", [goal] { (void)ok::amvp_cost(goal, 0.8, 1, nan); });
    t.reject("transfer_bytes", "amvp_transfer_time", "feature_bytes = -1", "feature_bytes is -1",
             [] { (void)ok::amvp_transfer_time(-1, 1e6); });
    t.reject("transfer_bandwidth", "amvp_transfer_time", "bandwidth = 0", "bandwidth is 0, expected > 0",
             [] { (void)ok::amvp_transfer_time(100, 0); });
    t.reject("transfer_bandwidth_nan", "amvp_transfer_time", "bandwidth = NaN", "bandwidth is NaN",
             [] { (void)ok::amvp_transfer_time(100, nan); });
    t.reject("latency_l1", "amvp_latency", "l1 = -1", "l1 is -1", [] { (void)ok::amvp_latency(-1, 1, 1, 1, 0); });
    t.reject("latency_u1", "amvp_latency", "u1 = 0", "u1 is 0, expected a share in (0, 1]", [] { (void)ok::amvp_latency(1, 0, 1, 1, 0); });
    t.reject("latency_u2", "amvp_latency", "u2 = 1.5", "u2 is 1.5", [] { (void)ok::amvp_latency(1, 1, 1, 1.5, 0); });
    t.reject("latency_transfer", "amvp_latency", "transfer = NaN", "transfer is NaN", [] { (void)ok::amvp_latency(1, 1, 1, 1, nan); });
    t.reject("throughput_t1", "amvp_throughput", "t1 = 0", "t1 is 0, expected a finite number > 0",
             [] { (void)ok::amvp_throughput(0, 1, 1, 1, 0); });
    t.reject("throughput_u1", "amvp_throughput", "u1 = NaN", "u1 is NaN", [] { (void)ok::amvp_throughput(1, nan, 1, 1, 0); });
    t.reject("throughput_transfer", "amvp_throughput", "transfer = -1", "transfer is -1", [] { (void)ok::amvp_throughput(1, 1, 1, 1, -1); });

    // problem.hpp
    auto problem_row = [&](std::string slug, std::string input, std::string expected, std::function<void(ok::amvp_problem&)> edit) {
        auto pb = tiny_amvp();
        edit(pb);
        t.reject(std::move(slug), "amvp_validate", std::move(input), std::move(expected), [pb] { ok::amvp_validate(pb); });
    };
    problem_row("no_tasks", "no tasks", "problem.tasks is empty", [](auto& p) { p.tasks.clear(); });
    problem_row("no_devices", "no devices", "problem.devices is empty", [](auto& p) { p.devices.clear(); });
    problem_row("no_bases", "no base models", "problem.bases is empty", [](auto& p) { p.bases.clear(); });
    problem_row("share_steps_zero", "share_steps = 0", "problem.share_steps is 0, expected 1..1000", [](auto& p) { p.share_steps = 0; });
    problem_row("share_steps_large", "share_steps = 1001", "problem.share_steps is 1001", [](auto& p) { p.share_steps = 1001; });
    problem_row("too_many_devices", "256 devices", "problem.devices has size 256, expected at most 255",
                [](auto& p) { p.devices.resize(256); });
    problem_row("bandwidth_size", "3 link bandwidths for 2 x 2", "problem.bandwidth has size 3, expected 4 (devices x devices)",
                [](auto& p) { p.bandwidth.pop_back(); });
    problem_row("compute", "devices[1].compute = 1.5", "problem.devices[1].compute is 1.5, expected U_k in [0, 1]",
                [](auto& p) { p.devices[1].compute = 1.5; });
    problem_row("memory_nan", "devices[0].memory = NaN", "problem.devices[0].memory is NaN", [](auto& p) { p.devices[0].memory = nan; });
    problem_row("bandwidth_negative", "bandwidth[1] = -1", "problem.bandwidth[1] is -1, expected >= 0 (0 = no link)",
                [](auto& p) { p.bandwidth[1] = -1; });
    problem_row("bandwidth_nan", "bandwidth[2] = NaN", "problem.bandwidth[2] is NaN", [](auto& p) { p.bandwidth[2] = nan; });
    problem_row("layers_zero", "bases[0].layers = 0", "problem.bases[0].layers is 0, expected >= 1", [](auto& p) { p.bases[0].layers = 0; });
    problem_row("no_splits", "bases[0] without split points", "problem.bases[0].splits is empty", [](auto& p) { p.bases[0].splits.clear(); });
    problem_row("split_layer_zero", "splits[0].layer = 0", "problem.bases[0].splits[0].layer is 0, expected 1..10",
                [](auto& p) { p.bases[0].splits[0].layer = 0; });
    problem_row("split_layer_large", "splits[1].layer = 11", "problem.bases[0].splits[1].layer is 11",
                [](auto& p) { p.bases[0].splits[1].layer = 11; });
    problem_row("first_latency_zero", "splits[0].first.latency[1] = 0",
                "problem.bases[0].splits[0].first.latency[1] is 0, expected a finite number > 0",
                [](auto& p) { p.bases[0].splits[0].first.latency[1] = 0; });
    problem_row("latency_size", "splits[0].first.latency with 1 entry for 2 devices",
                "problem.bases[0].splits[0].first.latency has size 1, expected 2 (one per device)",
                [](auto& p) { p.bases[0].splits[0].first.latency.pop_back(); });
    problem_row("throughput_size", "splits[0].second.throughput with 3 entries",
                "problem.bases[0].splits[0].second.throughput has size 3, expected 0 or 2",
                [](auto& p) { p.bases[0].splits[0].second.throughput = {1, 2, 3}; });
    problem_row("throughput_zero", "splits[0].first.throughput[0] = 0", "problem.bases[0].splits[0].first.throughput[0] is 0",
                [](auto& p) { p.bases[0].splits[0].first.throughput = {0, 5}; });
    problem_row("second_latency_nan", "splits[0].second.latency[0] = NaN", "problem.bases[0].splits[0].second.latency[0] is NaN",
                [](auto& p) { p.bases[0].splits[0].second.latency[0] = nan; });
    problem_row("second_latency_zero", "splits[0].second.latency[0] = 0 and no throughput",
                "problem.bases[0].splits[0].second.latency[0] is 0, so its throughput must be given",
                [](auto& p) { p.bases[0].splits[0].second.latency[0] = 0; });
    problem_row("part_memory", "splits[0].first.memory = -1", "problem.bases[0].splits[0].first.memory is -1",
                [](auto& p) { p.bases[0].splits[0].first.memory = -1; });
    problem_row("feature_nan", "splits[0].feature_bytes = NaN", "problem.bases[0].splits[0].feature_bytes is NaN",
                [](auto& p) { p.bases[0].splits[0].feature_bytes = nan; });
    problem_row("goal", "tasks[0].goal.alpha = 2", "problem.tasks[0].goal.alpha is 2, expected a weight in [0, 1]",
                [](auto& p) { p.tasks[0].goal.alpha = 2; });
    problem_row("no_candidates", "tasks[0] without candidates", "problem.tasks[0].candidates is empty",
                [](auto& p) { p.tasks[0].candidates.clear(); });
    problem_row("candidate_base", "candidates[1].base = 5", "problem.tasks[0].candidates[1].base is 5, expected < 1",
                [](auto& p) { p.tasks[0].candidates[1].base = 5; });
    problem_row("frozen_layers", "candidates[0].frozen_layers = 10 of 10",
                "problem.tasks[0].candidates[0].frozen_layers is 10, expected 0..9",
                [](auto& p) { p.tasks[0].candidates[0].frozen_layers = 10; });
    problem_row("frozen_negative", "candidates[0].frozen_layers = -1", "problem.tasks[0].candidates[0].frozen_layers is -1",
                [](auto& p) { p.tasks[0].candidates[0].frozen_layers = -1; });
    problem_row("candidate_accuracy", "candidates[1].accuracy = NaN", "problem.tasks[0].candidates[1].accuracy is NaN",
                [](auto& p) { p.tasks[0].candidates[1].accuracy = nan; });
    const auto pb = tiny_amvp();
    const ok::amvp_task_choice good{0, 0, 0, 5, 1, 5};
    auto choice_row = [&](std::string slug, std::string input, std::string expected, std::vector<ok::amvp_task_choice> ch) {
        t.reject(std::move(slug), "amvp_evaluate", std::move(input), std::move(expected), [pb, ch] { (void)ok::amvp_evaluate(pb, ch); });
    };
    t.reject("evaluate_problem", "amvp_evaluate", "a problem with share_steps = 0", "problem.share_steps is 0", [good] {
        auto bad = tiny_amvp();
        bad.share_steps = 0;
        (void)ok::amvp_evaluate(bad, std::vector<ok::amvp_task_choice>{good});
    });
    choice_row("choices_size", "no choice for 1 task", "choices has size 0, expected 1 (one per task)", {});
    choice_row("choice_candidate", "candidate 2 of 2", "choices[0].candidate is 2, expected < 2", {{2, 0, 0, 5, 1, 5}});
    choice_row("choice_split", "split 2 of 2", "choices[0].split is 2, expected < 2", {{0, 2, 0, 5, 1, 5}});
    choice_row("choice_device", "first_device 2 of 2", "choices[0].first_device is 2, expected < 2", {{0, 0, 2, 5, 1, 5}});
    choice_row("choice_steps_zero", "first_steps 0", "choices[0].first_steps is 0, expected 1..10", {{0, 0, 0, 0, 1, 5}});
    choice_row("choice_steps_large", "first_steps 11 of 10", "choices[0].first_steps is 11", {{0, 0, 0, 11, 1, 5}});
    choice_row("choice_second_device", "second_device 9 (split model)", "choices[0].second_device is 9, expected < 2",
               {{0, 0, 0, 5, 9, 5}});
    choice_row("choice_second_steps", "second_steps -1", "choices[0].second_steps is -1", {{0, 0, 0, 5, 1, -1}});

    // minmax_cost.hpp
    auto ga_row = [&](std::string slug, std::string input, std::string expected, std::function<void(ok::minmax_cost_options&)> edit) {
        ok::minmax_cost_options o;
        edit(o);
        t.reject(std::move(slug), "minmax_cost_solve", std::move(input), std::move(expected),
                 [pb, o] { (void)ok::minmax_cost_solve(pb, o); });
    };
    ga_row("ga_population", "options.population = 1", "options.population is 1, expected >= 2", [](auto& o) { o.population = 1; });
    ga_row("ga_generations", "options.generations = -1", "options.generations is -1, expected >= 0", [](auto& o) { o.generations = -1; });
    ga_row("ga_mutation", "options.mutation_rate = 1.5", "options.mutation_rate is 1.5, expected a probability in [0, 1]",
           [](auto& o) { o.mutation_rate = 1.5; });
    ga_row("ga_mutation_nan", "options.mutation_rate = NaN", "options.mutation_rate is NaN", [](auto& o) { o.mutation_rate = nan; });
    ga_row("ga_recombination", "options.recombination_period = 0", "options.recombination_period is 0, expected >= 1",
           [](auto& o) { o.recombination_period = 0; });
    t.reject("ga_problem", "minmax_cost_solve", "a problem without tasks", "problem.tasks is empty", [] {
        auto bad = tiny_amvp();
        bad.tasks.clear();
        (void)ok::minmax_cost_solve(bad);
    });
    t.reject("exact_problem", "minmax_cost_exact", "bandwidth[1] = NaN", "problem.bandwidth[1] is NaN", [] {
        auto bad = tiny_amvp();
        bad.bandwidth[1] = nan;
        (void)ok::minmax_cost_exact(bad);
    });

    // problem_csv.hpp
    // Messages name read_amvp_problem, and the table ("read_amvp_problem [links]") for cell errors.
    auto amvp_csv_row = [&](std::string slug, std::string input, std::string expected, std::string text,
                            std::string table_name = "") {
        t.reject(std::move(slug), "parse_amvp_problem", std::move(input), std::move(expected),
                 [text] { (void)ok::parse_amvp_problem(text); })
            .reported_as(table_name.empty() ? "read_amvp_problem" : "read_amvp_problem [" + table_name + "]");
    };
    amvp_csv_row("csv_empty", "empty text", "missing table [tasks]", "");
    amvp_csv_row("csv_unknown_section", "a section [foo]", "line 1: unknown section [foo]", "[foo]\n" + amvp_csv);
    amvp_csv_row("csv_section_twice", "[settings] twice", "section [settings] appears twice", amvp_csv + "[settings]\nkey,value\n");
    amvp_csv_row("csv_text_before", "text before the first section", "line 1: text before the first [section]", "hello\n" + amvp_csv);
    amvp_csv_row("csv_missing_table", "no [links] table", "missing table [links]",
                 replaced(amvp_csv, "[links]\nfrom,to,bandwidth_mbps\nphone1,phone2,8\n", ""));
    amvp_csv_row("csv_unknown_device", "a link to device 'phone3'", "line 10: unknown device 'phone3'",
                 replaced(amvp_csv, "phone1,phone2,8", "phone1,phone3,8"), "links");
    amvp_csv_row("csv_unknown_model", "a split of model 'cnn'", "unknown model 'cnn'", replaced(amvp_csv, "net,4,*", "cnn,4,*"), "splits");
    amvp_csv_row("csv_not_integer", "layer 4.5", "('layer'): 4.5 is not an integer", replaced(amvp_csv, "net,4,*", "net,4.5,*"), "splits");
    amvp_csv_row("csv_missing_profile", "split 4 profiled for phone1 only", "model 'net' layer 4 has no profile for device 'phone2'",
                 replaced(amvp_csv, "net,4,*", "net,4,phone1"));
    amvp_csv_row("csv_unknown_setting", "setting 'colour'", "unknown setting 'colour'", replaced(amvp_csv, "share_steps,4", "colour,4"), "settings");
    amvp_csv_row("csv_duplicate_task", "task 'A' twice", "task 'A' appears twice", replaced(amvp_csv, "A,0.9,500,2,0.5,0.25,0.25",
                                                                                           "A,0.9,500,2,0.5,0.25,0.25\nA,0.9,500,2,0.5,0.25,0.25"), "tasks");
    amvp_csv_row("csv_invalid_goal", "alpha 0.9 (weights sum to 1.4)", "problem.tasks[0].goal.alpha + beta + gamma is 1.4",
                 replaced(amvp_csv, "0.5,0.25,0.25", "0.9,0.25,0.25"));
    amvp_csv_row("csv_not_a_number", "compute 'full'", "('compute'): 'full' is not a finite number", replaced(amvp_csv, "1.0,100", "full,100"),
                 "devices");
    amvp_csv_row("csv_truncated", "the text cut inside the [candidates] header", "missing column 'accuracy'",
                 amvp_csv.substr(0, amvp_csv.find(",accuracy\nA,net/6")), "candidates");
    t.reject("read_amvp_missing", "read_amvp_problem", "a path that does not exist", "cannot open '/nonexistent/problem.csv'",
             [] { (void)ok::read_amvp_problem("/nonexistent/problem.csv"); });
    t.reject("read_amvp_long_path", "read_amvp_problem", "a 5000-character path (the OS rejects it)",
             "cannot open 'aaaa", [] { (void)ok::read_amvp_problem(std::string(5000, 'a')); });

    t.accept("nothing_fits", "minmax_cost_solve", "devices without the memory for any part",
             "feasible == false, max_cost = +inf (not an exception)", [] {
                 auto p = tiny_amvp();
                 p.devices[0].memory = p.devices[1].memory = 1.0;
                 const auto r = ok::minmax_cost_solve(p);
                 const auto e = ok::minmax_cost_exact(p);
                 return !r.feasible && std::isinf(r.max_cost) && !e.feasible;
             });
    return t;
}

// ---- runtime (live pipelines) --------------------------------------------------------------------

namespace trt = ok::test_runtime;

/// A local model that reports `classes` classes, writes `value` into every logit and takes
/// `latency` seconds.
struct scripted_local {
    std::size_t classes = 10;
    float value = 1.0F;
    double latency = 0.001;
    [[nodiscard]] std::size_t num_classes() const { return classes; }
    double infer(const trt::noop_frame&, std::span<float> logits) const {
        std::fill(logits.begin(), logits.end(), value);
        logits[0] += 1.0F;
        return latency;
    }
};

/// noop_encoder whose resolution 1 has size `size1`.
struct sized_encoder : trt::noop_encoder {
    double size1 = 6000.0;
    void sizes(const trt::noop_frame& f, std::span<double> bytes) const {
        trt::noop_encoder::sizes(f, bytes);
        bytes[1] = size1;
    }
};

ok::pipeline_options pipe_options() {
    ok::pipeline_options o;
    o.model = ok::offload_model{0.2, 0.037, 0.1, {0.35, 0.6, 0.72, 0.78, 0.81}};
    return o;
}

auto make_pipe(const ok::pipeline_options& o, scripted_local local = {}, sized_encoder enc = {}) {
    return ok::make_cbo_pipeline<trt::noop_frame>(o, ok::identity_calibrator{}, local, enc, trt::noop_link{}, trt::noop_remote{},
                                                  ok::harmonic_mean_estimator(5, 625000.0), ok::manual_clock{});
}
using test_pipe = decltype(make_pipe(pipe_options()));

struct approx_dnn {
    std::size_t classes = 4;
    [[nodiscard]] std::size_t num_classes() const { return classes; }
    double run(const ok::image_view&, std::size_t branch, std::span<float> logits) const {
        std::fill(logits.begin(), logits.end(), 0.0F);
        logits[branch % logits.size()] = 1.0F;
        return 0.01;
    }
};

struct fe8 {
    std::size_t count = 8;
    float value = 1.0F;
    double latency = 0.001;
    [[nodiscard]] std::size_t feature_count() const { return count; }
    double extract(const int&, std::span<float> f) const {
        for (std::size_t i = 0; i < f.size(); ++i) {
            f[i] = static_cast<float>(i);
        }
        f[1] = value;
        return latency;
    }
};
struct fi8 {
    std::size_t count = 8;
    std::size_t classes = 3;
    [[nodiscard]] std::size_t feature_count() const { return count; }
    [[nodiscard]] std::size_t num_classes() const { return classes; }
    double infer(std::span<const float> f, std::span<float> logits) const {
        for (std::size_t k = 0; k < logits.size(); ++k) {
            logits[k] = f[k];
        }
        return 0.001;
    }
};
struct shared_capture_link {
    std::shared_ptr<std::vector<std::byte>> last = std::make_shared<std::vector<std::byte>>();
    [[nodiscard]] double bandwidth() const { return 1e5; }
    [[nodiscard]] double latency() const { return 0.01; }
    bool send(std::span<const std::byte> b) {
        last->assign(b.begin(), b.end());
        return true;
    }
};

/// A valid raw (unquantized) split message of the 8 features 0..7 with id 5.
std::vector<std::byte> raw_split_message() {
    ok::split_options o;
    o.mode = ok::compression_mode::never;
    ok::split_sender<int, fe8, shared_capture_link> tx(fe8{}, shared_capture_link{}, o);
    (void)tx.send(0, 5);
    return *tx.link().last;
}

std::vector<std::byte> quantized_split_message() {
    ok::split_options o;
    o.mode = ok::compression_mode::always;
    ok::split_sender<int, fe8, shared_capture_link> tx(fe8{}, shared_capture_link{}, o);
    (void)tx.send(0, 5);
    return *tx.link().last;
}

void put_f32_at(std::vector<std::byte>& w, std::size_t at, float v) {
    const auto u = std::bit_cast<std::uint32_t>(v);
    for (int i = 0; i < 4; ++i) {
        w[at + static_cast<std::size_t>(i)] = static_cast<std::byte>((u >> (8 * i)) & 0xFFu);
    }
}

table runtime_rows() {
    table t{"runtime", {}, {}};
    {
        auto clock = std::make_shared<ok::manual_clock>(1.5);
        auto kept = [clock] { return clock->now() == 1.5; };
        t.reject("clock_advance_negative", "manual_clock::advance", "dt = -1", "dt is -1, expected a finite number >= 0",
                 [clock] { clock->advance(-1.0); })
            .keeps("now()", kept);
        t.reject("clock_advance_nan", "manual_clock::advance", "dt = NaN", "dt is NaN", [clock] { clock->advance(nan); })
            .keeps("now()", kept);
        t.reject("clock_advance_inf", "manual_clock::advance", "dt = +inf", "dt is inf", [clock] { clock->advance(inf); })
            .keeps("now()", kept);
    }
    auto option_row = [&](std::string slug, std::string input, std::string expected, std::function<void(ok::pipeline_options&)> edit,
                          std::string reports = "offload_pipeline") {
        auto o = pipe_options();
        edit(o);
        t.reject(std::move(slug), "make_cbo_pipeline", std::move(input), std::move(expected), [o] { (void)make_pipe(o); })
            .reported_as(std::move(reports));
    };
    option_row("pipeline_model", "options.model.deadline = 0", "deadline is 0", [](auto& o) { o.model.deadline = 0; }, "cbo_policy");
    option_row("pipeline_capacity_zero", "options.capacity = 0", "capacity is 0, expected 1..2^30", [](auto& o) { o.capacity = 0; });
    option_row("pipeline_capacity_huge", "options.capacity = 2^31", "capacity is 2147483648", [](auto& o) { o.capacity = std::size_t{1} << 31; });
    option_row("pipeline_guard", "options.deadline_guard = deadline", "deadline_guard is 0.2, expected a value in [0, deadline)",
               [](auto& o) { o.deadline_guard = 0.2; });
    option_row("pipeline_guard_nan", "options.deadline_guard = NaN", "deadline_guard is NaN", [](auto& o) { o.deadline_guard = nan; });
    option_row("pipeline_backoff", "options.backoff = 0", "backoff is 0, expected a finite number > 0", [](auto& o) { o.backoff = 0; });
    option_row("pipeline_max_backoff", "options.max_backoff < backoff", "max_backoff is 0.1, expected a finite number >= backoff",
               [](auto& o) { o.max_backoff = 0.1; });
    option_row("pipeline_probe", "options.probe_interval = NaN", "probe_interval is NaN", [](auto& o) { o.probe_interval = nan; });
    option_row("pipeline_events", "options.max_events_per_poll = 0", "max_events_per_poll is 0, expected >= 1",
               [](auto& o) { o.max_events_per_poll = 0; });
    t.reject("pipeline_zero_classes", "make_cbo_pipeline", "a local model with 0 classes", "local.num_classes() is 0, expected >= 1",
             [] { (void)make_pipe(pipe_options(), scripted_local{0}); })
        .reported_as("offload_pipeline");
    {
        auto pipe = std::make_shared<test_pipe>(make_pipe(pipe_options()));
        (void)pipe->push(trt::noop_frame{1}, 2.0);
        auto unchanged = [pipe] { return pipe->stats().frames_in == 1 && pipe->outstanding() == 1; };
        const std::string push = "offload_pipeline::push";
        t.reject("push_timestamp_nan", push, "timestamp NaN", "timestamp is NaN, expected a finite number >= 0",
                 [pipe] { (void)pipe->push(trt::noop_frame{2}, nan); })
            .keeps("the pipeline (frames, window)", unchanged);
        t.reject("push_timestamp_negative", push, "timestamp -1", "timestamp is -1", [pipe] { (void)pipe->push(trt::noop_frame{2}, -1.0); })
            .keeps("the pipeline (frames, window)", unchanged);
        t.reject("push_timestamp_backwards", push, "timestamp 1 after 2", "timestamp is 1, expected >= 2 (the previous frame's)",
                 [pipe] { (void)pipe->push(trt::noop_frame{2}, 1.0); })
            .keeps("the pipeline (frames, window)", unchanged);
    }
    auto backend_row = [&](std::string slug, std::string input, std::string expected, scripted_local local, sized_encoder enc) {
        auto pipe = std::make_shared<test_pipe>(make_pipe(pipe_options(), local, enc));
        t.reject(std::move(slug), "offload_pipeline::push", std::move(input), std::move(expected),
                 [pipe] { (void)pipe->push(trt::noop_frame{3}, 0.5); })
            .keeps("the pipeline (no frame accepted, one rejection counted)",
                   [pipe] { return pipe->stats().frames_in == 0 && pipe->outstanding() == 0 && pipe->stats().rejected_frames == 1; });
    };
    sized_encoder zero_size;
    zero_size.size1 = 0;
    sized_encoder nan_size;
    nan_size.size1 = nan;
    backend_row("push_encoder_zero", "encoder.sizes gives bytes[1] = 0", "bytes[1] is 0 (encoder.sizes), expected a finite number > 0",
                {}, zero_size);
    backend_row("push_encoder_nan", "encoder.sizes gives bytes[1] = NaN", "bytes[1] is NaN (encoder.sizes)", {}, nan_size);
    backend_row("push_logits_nan", "local.infer writes NaN logits", "logits[0] is NaN (local.infer), expected a finite number",
                scripted_local{10, nanf, 0.001}, {});
    backend_row("push_latency_negative", "local.infer reports -1 s", "local latency is -1 (local.infer), expected a finite number >= 0",
                scripted_local{10, 1.0F, -1.0}, {});
    {
        auto pipe = std::make_shared<test_pipe>(make_pipe(pipe_options()));
        using runner = ok::pipeline_runner<test_pipe>;
        t.reject("runner_sink", "pipeline_runner", "an empty sink", "sink is empty", [pipe] { runner r(*pipe, nullptr); });
        t.reject("runner_period_zero", "pipeline_runner", "max_period = 0", "max_period is 0, expected a finite number > 0",
                 [pipe] { runner r(*pipe, [](const ok::frame_result&) {}, 0.0); });
        t.reject("runner_period_nan", "pipeline_runner", "max_period = NaN", "max_period is NaN",
                 [pipe] { runner r(*pipe, [](const ok::frame_result&) {}, nan); });
    }
    const ok::branch_profiles prof({"a", "b"}, 2, 1, {0.6, 0.7, 0.5, 0.65}, {0.01, 0.02});
    using apipe = ok::approx_pipeline<ok::image_view, approx_dnn>;
    t.reject("approx_categories", "approx_pipeline", "3 complexity categories for a 2-category profile",
             "categories has 3 categories, the profiles 2",
             [prof] { (void)apipe(prof, ok::complexity_categories({0.1, 0.2}), approx_dnn{}); });
    t.reject("approx_classes", "approx_pipeline", "an executor with 0 classes", "executor.num_classes() is 0, expected >= 1",
             [prof] { (void)apipe(prof, ok::complexity_categories({0.1}), approx_dnn{0}); });
    t.reject("approx_options", "approx_pipeline", "options.contention_window = 0", "window is 0, expected >= 1", [prof] {
        ok::approx_pipeline_options o;
        o.contention_window = 0;
        (void)apipe(prof, ok::complexity_categories({0.1}), approx_dnn{}, o);
    }).reported_as("contention_estimator");
    {
        auto ap = std::make_shared<apipe>(prof, ok::complexity_categories({0.1}), approx_dnn{});
        (void)ap->step(ok::image_view{pixels, 4, 4});
        auto unchanged = [ap] { return ap->stats().frames == 1 && ap->scene_detector().frames() == 1; };
        t.reject("approx_step_image", "approx_pipeline::step", "an image of height 0", "frame.height is 0",
                 [ap] { (void)ap->step(ok::image_view{pixels, 0, 4}); })
            .keeps("the pipeline (frames seen, detectors)", unchanged);
        t.reject("approx_step_requirement", "approx_pipeline::step", "min_accuracy(NaN)", "requirement.value is NaN",
                 [ap] { (void)ap->step(ok::image_view{pixels, 4, 4}, ok::approx_requirement::min_accuracy(nan)); })
            .reported_as("branch_scheduler::decide")
            .keeps("the pipeline (frames seen, detectors)", unchanged);
        t.reject("approx_step_offload", "approx_pipeline::step", "offload() with no remote in the profile",
                 "the requirement is offload, but the profile has no remote executor",
                 [ap] { (void)ap->step(ok::image_view{pixels, 4, 4}, ok::approx_requirement::offload()); })
            .reported_as("branch_scheduler::decide")
            .keeps("the pipeline (frames seen, detectors)", unchanged);
    }
    // split_path.hpp
    const auto raw = raw_split_message();  // 24 + 32 bytes
    auto header_row = [&](std::string slug, std::string input, std::string expected, std::vector<std::byte> w) {
        t.reject(std::move(slug), "split_header::parse", std::move(input), std::move(expected), [w] { (void)ok::split_header::parse(w); });
    };
    header_row("split_header_short", "the first 23 bytes", "wire has size 23, expected at least 24 (the split header)",
               std::vector<std::byte>(raw.begin(), raw.begin() + 23));
    auto raw_with = [&](std::size_t at, unsigned v) {
        auto w = raw;
        w[at] = static_cast<std::byte>(v);
        return w;
    };
    header_row("split_header_magic", "magic 'XKSP'", "wire[0..4) is not the magic \"OKSP\"", raw_with(0, 'X'));
    header_row("split_header_version", "version 2", "wire version is 2, expected 1", raw_with(4, 2));
    header_row("split_header_encoding", "encoding 2", "wire encoding is 2, expected 0 (raw) or 1 (quantized)", raw_with(5, 2));
    header_row("split_header_reserved", "reserved byte 7 = 1", "wire reserved bytes are not 0", raw_with(7, 1));
    auto sender_row = [&](std::string slug, std::string input, std::string expected, fe8 fe, std::function<void(ok::split_options&)> edit) {
        ok::split_options o;
        edit(o);
        t.reject(std::move(slug), "split_sender", std::move(input), std::move(expected),
                 [fe, o] { (void)ok::split_sender<int, fe8, shared_capture_link>(fe, shared_capture_link{}, o); });
    };
    sender_row("sender_bits", "options.bits = 0", "options.bits is 0, expected 1..16", {}, [](auto& o) { o.bits = 0; });
    sender_row("sender_rate", "options.quantize_rate = 0", "options.quantize_rate is 0", {}, [](auto& o) { o.quantize_rate = 0; });
    sender_row("sender_dequantize_rate", "options.dequantize_rate = NaN", "options.dequantize_rate is NaN", {},
               [](auto& o) { o.dequantize_rate = nan; });
    sender_row("sender_no_features", "an extractor of 0 features", "extractor.feature_count() is 0, expected >= 1", fe8{0}, [](auto&) {});
    sender_row("sender_channels", "3 HWC channels for 8 features", "options.channels is 3, which does not divide the element count 8", {},
               [](auto& o) { o.quantizer = {ok::channel_layout::hwc, 3}; });
    {
        auto link = shared_capture_link{};
        auto tx = std::make_shared<ok::split_sender<int, fe8, shared_capture_link>>(fe8{8, nanf}, link);
        t.reject("send_feature_nan", "split_sender::send", "the extractor writes features[1] = NaN", "features[1] is NaN",
                 [tx] { (void)tx->send(0, 1); })
            .keeps("the link (nothing sent)", [link] { return link.last->empty(); });
        auto link2 = shared_capture_link{};
        auto tx2 = std::make_shared<ok::split_sender<int, fe8, shared_capture_link>>(fe8{8, 1.0F, -0.5}, link2);
        t.reject("send_latency_negative", "split_sender::send", "the extractor reports -0.5 s",
                 "extractor latency is -0.5, expected a finite number >= 0", [tx2] { (void)tx2->send(0, 1); })
            .keeps("the link (nothing sent)", [link2] { return link2.last->empty(); });
    }
    t.reject("receiver_features", "split_receiver", "an inference part of 0 features", "inference.feature_count() is 0, expected >= 1",
             [] { (void)ok::split_receiver<fi8>(fi8{0}); });
    t.reject("receiver_classes", "split_receiver", "an inference part of 0 classes", "inference.num_classes() is 0, expected >= 1",
             [] { (void)ok::split_receiver<fi8>(fi8{8, 0}); });
    {
        auto rx = std::make_shared<ok::split_receiver<fi8>>(fi8{});
        (void)rx->receive(raw);  // features() = 0..7
        auto kept = [rx] {
            const auto f = rx->features();
            return f.size() == 8 && f[0] == 0.0F && f[1] == 1.0F && f[7] == 7.0F;
        };
        const std::string rcv = "split_receiver::receive";
        auto with_count = [&](std::uint64_t count) {
            auto w = raw;
            for (int i = 0; i < 8; ++i) {
                w[16 + static_cast<std::size_t>(i)] = static_cast<std::byte>((count >> (8 * i)) & 0xFFu);
            }
            return w;
        };
        t.reject("receive_count", rcv, "count 7 for an 8-feature FI", "wire count is 7, expected 8 (inference.feature_count())",
                 [rx, w = with_count(7)] { (void)rx->receive(w); })
            .keeps("features()", kept);
        t.reject("receive_raw_short", rcv, "a raw body cut by 4 bytes", "raw body has size 28, expected 32",
                 [rx, w = std::vector<std::byte>(raw.begin(), raw.end() - 4)] { (void)rx->receive(w); })
            .keeps("features()", kept);
        t.reject("receive_raw_trailing", rcv, "4 bytes after the raw body", "raw body has size 36, expected 32",
                 [rx, raw] {
                     auto w = raw;
                     w.resize(w.size() + 4);
                     (void)rx->receive(w);
                 })
            .keeps("features()", kept);
        t.reject("receive_raw_nan", rcv, "raw features[5] = NaN", "features[5] is NaN",
                 [rx, raw] {
                     auto w = raw;
                     for (std::size_t i = 0; i < 5; ++i) {
                         put_f32_at(w, 24 + 4 * i, 9.0F);  // these must not reach features()
                     }
                     put_f32_at(w, 24 + 4 * 5, nanf);
                     (void)rx->receive(w);
                 })
            .keeps("features() (not half-overwritten)", kept);
        const auto q = quantized_split_message();
        t.reject("receive_quantized_short", rcv, "a quantized body cut by 1 byte", "but only 7 payload bytes follow",
                 [rx, w = std::vector<std::byte>(q.begin(), q.end() - 1)] { (void)rx->receive(w); })
            .reported_as("dequantize_wire")
            .keeps("features()", kept);
        t.reject("receive_quantized_bits", rcv, "quantized body with bits 0", "bits (bytes[5]) is 0", [rx, q] {
            auto w = q;
            w[24 + 5] = std::byte{0};
            (void)rx->receive(w);
        })
            .reported_as("dequantize_wire")
            .keeps("features()", kept);
    }
    t.reject("remote_capacity", "split_remote", "capacity 0", "capacity is 0, expected >= 1", [] { (void)ok::split_remote<fi8>(fi8{}, 0); });

    t.accept("remote_malformed", "split_remote::submit", "a malformed message", "answered with ok == false and counted in malformed()",
             [raw] {
                 ok::split_remote<fi8> r(fi8{});
                 auto w = raw;
                 w[0] = std::byte{0};
                 const bool accepted = r.submit(5, w);
                 const auto a = r.poll();
                 return accepted && a.has_value() && !a->ok && r.malformed() == 1;
             });
    t.accept("clock_backwards", "offload_pipeline::poll", "a clock reading that goes backwards or is NaN",
             "ignored (the last good reading is kept) and counted in stats().clock_regressions", [] {
                 auto p = make_pipe(pipe_options());
                 p.clock().set(1.0);
                 (void)p.poll();
                 p.clock().set(0.5);
                 (void)p.poll();
                 p.clock().set(nan);
                 (void)p.poll();
                 return p.stats().clock_regressions == 2;
             });
    t.accept("to_time_point_inf", "steady_clock_source::to_time_point", "+inf, NaN, 1e300 seconds",
             "clamped to [-1e9, 1e9] s, NaN to 0 (no undefined behaviour converting to clock ticks)", [] {
                 const ok::steady_clock_source c;
                 return c.to_time_point(inf) == c.to_time_point(1e9) && c.to_time_point(1e300) == c.to_time_point(1e9) &&
                        c.to_time_point(-inf) == c.to_time_point(-1e9) && c.to_time_point(nan) == c.to_time_point(0.0);
             });
    t.accept("wait_idle_inf", "pipeline_runner::wait_idle", "timeout +inf with nothing outstanding",
             "returns true at once (timeouts are clamped to 1e9 s)", [] {
                 auto p = ok::make_cbo_pipeline<trt::noop_frame>(pipe_options(), ok::identity_calibrator{}, trt::noop_local{},
                                                                 trt::noop_encoder{}, trt::noop_link{}, trt::noop_remote{},
                                                                 ok::harmonic_mean_estimator(5, 625000.0), ok::steady_clock_source{});
                 ok::pipeline_runner r(p, [](const ok::frame_result&) {}, 1e300);
                 const bool idle = r.wait_idle(inf);
                 r.stop();
                 return idle;
             });
    return t;
}

// ---- io ---------------------------------------------------------------------------------------------

table io_rows() {
    table t{"io", {}, {}};
    auto csv_row = [&](std::string slug, std::string input, std::string expected, std::string text) {
        t.reject(std::move(slug), "parse_csv", std::move(input), std::move(expected), [text] { (void)ok::io::parse_csv(text); });
    };
    csv_row("csv_no_header", "only comments and blank lines", "no header row", "# a comment\n\n  \n");
    csv_row("csv_empty_header_column", "header 'a,,b'", "line 1: header column 2 is empty", "a,,b\n1,2,3\n");
    csv_row("csv_duplicate_column", "header 'a,b,a'", "line 1: duplicate column 'a'", "a,b,a\n");
    csv_row("csv_field_count", "a row of 1 field for 2 columns", "line 3 has 1 fields, expected 2", "a,b\n1,2\n3\n");
    csv_row("csv_unterminated", "an unterminated quote", "line 2: unterminated quoted field", "a,b\n\"1,2\n");
    csv_row("csv_after_quote", "text after a closing quote", "line 2: text after a closing quote", "a,b\n\"1\"x,2\n");
    csv_row("csv_quote_inside", "a quote inside an unquoted field", "line 2: quote inside an unquoted field", "a,b\n1\"2,3\n");
    csv_row("csv_truncated_crlf", "CRLF text cut after a comma", "line 2 has 3 fields, expected 2", "a,b\r\n1,2,\r\n");
    const auto tab = ok::io::parse_csv("a,b\n1,x\n,inf\n1e999,0x10\n", "my_reader");
    const std::string fn = "my_reader";
    t.reject("table_column", "csv_table::column", "column 'z' of a table read as \"my_reader\"", "missing column 'z'",
             [tab] { (void)tab.column("z"); })
        .reported_as(fn);
    t.reject("table_number_text", "csv_table::number", "cell 'x'", "line 2, column 2 ('b'): 'x' is not a finite number",
             [tab] { (void)tab.number(0, 1); })
        .reported_as(fn);
    t.reject("table_number_empty", "csv_table::number", "an empty cell", "line 3, column 1 ('a'): '' is not a finite number",
             [tab] { (void)tab.number(1, 0); })
        .reported_as(fn);
    t.reject("table_number_inf", "csv_table::number", "cell 'inf'", "'inf' is not a finite number", [tab] { (void)tab.number(1, 1); })
        .reported_as(fn);
    t.reject("table_number_overflow", "csv_table::number", "cell '1e999'", "'1e999' is not a finite number",
             [tab] { (void)tab.number(2, 0); })
        .reported_as(fn);
    t.reject("table_number_hex", "csv_table::number", "cell '0x10'", "'0x10' is not a finite number", [tab] { (void)tab.number(2, 1); })
        .reported_as(fn);
    t.reject("table_cell_row", "csv_table::cell", "row 3 of 3", "row 3 out of range (3 rows)", [tab] { (void)tab.cell(3, 0); })
        .reported_as(fn);
    t.reject("table_cell_column", "csv_table::cell", "column 2 of 2", "column 2 out of range (2 columns)",
             [tab] { (void)tab.cell(0, 2); })
        .reported_as(fn);
    t.reject("table_line_of", "csv_table::line_of", "row 7 of 3 (was std::out_of_range)", "row 7 out of range (3 rows)",
             [tab] { (void)tab.line_of(7); })
        .reported_as(fn);
    t.reject("read_csv_missing", "read_csv_file", "a path that does not exist", "cannot open '/nonexistent/x.csv'",
             [] { (void)ok::io::read_csv_file("/nonexistent/x.csv"); });

    ok::io::svg_plot plot;
    plot.series.push_back(ok::io::svg_series{"s", {0, 1, 2}, {1, 2, 3}, ok::io::svg_style::line, 0.0, ""});
    t.reject("svg_no_panels", "render_svg", "no panels", "panels is empty", [] { (void)ok::io::render_svg(std::span<const ok::io::svg_plot>{}); });
    t.reject("svg_width", "render_svg", "panel_width = 0", "panel_width is 0, expected a finite number > 0",
             [plot] { (void)ok::io::render_svg(plot, 0.0); });
    t.reject("svg_height_nan", "render_svg", "panel_height = NaN", "panel_height is NaN", [plot] { (void)ok::io::render_svg(plot, 560, nan); });
    t.reject("svg_series_sizes", "render_svg", "a series of 3 x and 2 y values", "panels[0].series[0] has 3 x values and 2 y values", [plot] {
        auto p = plot;
        p.series[0].y.pop_back();
        (void)ok::io::render_svg(p);
    });
    t.reject("svg_axis_nan", "render_svg", "x_min = NaN", "panels[0].x_min is NaN, expected a finite number", [plot] {
        auto p = plot;
        p.x_min = nan;
        (void)ok::io::render_svg(p);
    });
    t.reject("svg_axis_inf", "render_svg", "y_max = +inf (looped forever before)", "panels[0].y_max is inf", [plot] {
        auto p = plot;
        p.y_max = inf;
        (void)ok::io::render_svg(p);
    });

    t.accept("svg_large_magnitude", "render_svg", "x values near 1e17 spanning 32 units (looped forever before)",
             "a finished document with at most 101 ticks per axis", [plot] {
                 auto p = plot;
                 p.series[0].x = {1e17, 1e17 + 16, 1e17 + 32};
                 const std::string svg = ok::io::render_svg(p);
                 std::size_t lines = 0;
                 for (std::size_t at = svg.find("<line "); at != std::string::npos; at = svg.find("<line ", at + 1)) {
                     ++lines;
                 }
                 return svg.ends_with("</svg>\n") && lines <= 2 * 101 + 10;
             });
    t.accept("svg_nan_points", "render_svg", "NaN or infinite data points", "skipped (the rest is drawn)", [plot] {
        auto p = plot;
        p.series[0].y[1] = nan;
        const std::string svg = ok::io::render_svg(p);
        std::size_t circles = 0;
        for (std::size_t at = svg.find("<circle"); at != std::string::npos; at = svg.find("<circle", at + 1)) {
            ++circles;
        }
        return circles == 2;
    });
    t.accept("json_nan", "json_object::add", "NaN and infinities", "written as null (JSON has no NaN)", [] {
        ok::io::json_object o;
        o.add("a", nan).add("b", inf).add("c", std::vector<double>{1.0, -inf});
        return o.str() == R"({"a":null,"b":null,"c":[1,null]})";
    });
    return t;
}

// ---- docs/robustness.md ------------------------------------------------------------------------

std::vector<table> all_tables() {
    return {calibration_rows(), metrics_rows(), kernels_rows(), approx_rows(), estimators_rows(),
            offload_rows(),     sim_rows(),     multitask_rows(), runtime_rows(), io_rows()};
}

/// A table cell: '|' escaped, newlines removed, long texts shortened.
std::string cell(std::string_view s, std::size_t max = 160) {
    std::string out;
    for (const char c : s.substr(0, max)) {
        if (c == '|') {
            out += "\\|";
        } else if (c == '\n') {
            out += ' ';
        } else {
            out += c;
        }
    }
    if (s.size() > max) {
        out += "...";
    }
    return out;
}

/// A code span that survives backquotes in the text.
std::string code(std::string_view s) {
    const bool tick = s.find('`') != std::string_view::npos;
    return tick ? "`` " + std::string(s) + " ``" : "`" + std::string(s) + "`";
}

/// The generated part of docs/robustness.md.
std::string catalogue_markdown() {
    std::string md;
    std::size_t rejected = 0;
    std::size_t accepted = 0;
    for (const auto& t : all_tables()) {
        rejected += t.rows.size();
        accepted += t.accepted.size();
    }
    md += "<!-- BEGIN generated by tests/test_bad_input.cpp: do not edit by hand -->\n";
    md += std::to_string(rejected) + " rejected inputs and " + std::to_string(accepted) +
          " accepted edge cases, in " + std::to_string(all_tables().size()) + " groups.\n";
    for (const auto& t : all_tables()) {
        md += "\n### " + t.group + "\n\n";
        md += "| Test | Function | Bad input | Behaviour: `offloadkit::invalid_argument` with the message |\n";
        md += "|---|---|---|---|\n";
        for (const auto& r : t.rows) {
            const outcome o = run(r);
            std::string behaviour = code(cell(o.message));
            if (!r.kept.empty()) {
                behaviour += "; " + cell(r.kept) + " unchanged";
            }
            md += "| " + code(r.id) + " | " + code(r.function) + " | " + cell(r.input) + " | " + behaviour + " |\n";
        }
        if (!t.accepted.empty()) {
            md += "\nAccepted on purpose:\n\n| Test | Function | Input | Behaviour |\n|---|---|---|---|\n";
            for (const auto& a : t.accepted) {
                md += "| " + code(a.id) + " | " + code(a.function) + " | " + cell(a.input) + " | " + cell(a.behaviour) + " |\n";
            }
        }
    }
    md += "<!-- END generated by tests/test_bad_input.cpp -->\n";
    return md;
}


}  // namespace

TEST_CASE("bad input catalogue: calibration") { check_table(calibration_rows()); }
TEST_CASE("bad input catalogue: metrics") { check_table(metrics_rows()); }
TEST_CASE("bad input catalogue: kernels") { check_table(kernels_rows()); }
TEST_CASE("bad input catalogue: approx") { check_table(approx_rows()); }
TEST_CASE("bad input catalogue: estimators") { check_table(estimators_rows()); }
TEST_CASE("bad input catalogue: offload and pareto") { check_table(offload_rows()); }
TEST_CASE("bad input catalogue: sim") { check_table(sim_rows()); }
TEST_CASE("bad input catalogue: multitask") { check_table(multitask_rows()); }
TEST_CASE("bad input catalogue: runtime") { check_table(runtime_rows()); }
TEST_CASE("bad input catalogue: io") { check_table(io_rows()); }

TEST_CASE("bad input catalogue: row ids are unique across groups") {
    std::set<std::string> ids;
    std::size_t rows = 0;
    for (const auto& t : all_tables()) {
        for (const auto& r : t.rows) {
            CHECK_MESSAGE(ids.insert(r.id).second, r.id);
            ++rows;
        }
        for (const auto& a : t.accepted) {
            CHECK_MESSAGE(ids.insert(a.id).second, a.id);
        }
    }
    CHECK(rows >= 300);
}

TEST_CASE("bad input catalogue: docs/robustness.md lists exactly these rows and messages") {
    const std::string path = std::string(OFFLOADKIT_SOURCE_DIR) + "/docs/robustness.md";
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot read ", path);
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string doc = ss.str();
    const std::string begin = "<!-- BEGIN generated by tests/test_bad_input.cpp";
    const std::string end = "<!-- END generated by tests/test_bad_input.cpp -->\n";
    const auto b = doc.find(begin);
    const auto e = doc.find(end);
    REQUIRE_MESSAGE((b != std::string::npos && e != std::string::npos && b < e), "markers missing in ", path);
    const std::string current = doc.substr(b, e + end.size() - b);
    const std::string generated = catalogue_markdown();
    if (current != generated && std::getenv("OFFLOADKIT_UPDATE_ROBUSTNESS_DOC") != nullptr) {
        std::ofstream out(path, std::ios::binary);
        out << doc.substr(0, b) << generated << doc.substr(e + end.size());
        MESSAGE("rewrote the generated part of ", path);
        return;
    }
    // On a mismatch, show the first differing line.
    if (current != generated) {
        std::istringstream a(current);
        std::istringstream g(generated);
        std::string la;
        std::string lg;
        while (std::getline(a, la) && std::getline(g, lg) && la == lg) {
        }
        FAIL_CHECK("docs/robustness.md is out of date (regenerate: see tests/test_bad_input.cpp)\n  doc:       ", la,
                   "\n  generated: ", lg);
    }
}
