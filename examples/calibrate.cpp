// offloadkit-calibrate — fit confidence calibrators on a CSV and report calibration before/after
// (the shape of CBO Table I: ECE and MCE of the uncalibrated scores, Platt calibration and
// isotonic regression on held-out data), optionally writing the fitted models and a reliability
// diagram (CBO Fig. 5: accuracy per confidence bin against the diagonal).
//
// Input CSV, one of:
//   * binary:  a column `score` (or `confidence`) holding confidences in [0, 1] and a column
//              `label` (or `correct`) holding 0/1 (1 = the on-device prediction was right);
//   * logits:  a column `label` holding the true class index and every other column a logit (in
//              file order); the score is then the top-1 softmax confidence and "correct" means the
//              arg max equals the label.
// Methods: uncalibrated (always reported), platt, isotonic, and for logits also temperature and
// ovr (the one-vs-rest scheme of CBO Fig. 6).
//
// Output: one JSON object per method on stdout; errors on stderr with exit code 2.
#include <offloadkit/io/csv.hpp>
#include <offloadkit/io/json.hpp>
#include <offloadkit/io/svg.hpp>
#include <offloadkit/offloadkit.hpp>
#include <offloadkit/detail/random.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace ok = offloadkit;

namespace {

constexpr const char* usage_text =
    "usage: offloadkit-calibrate [--input] FILE.csv [options]\n"
    "  --method LIST         comma-separated: platt,isotonic,temperature,ovr or all\n"
    "                        (default: platt,isotonic; all = every method the input allows)\n"
    "  --train-fraction F    share of rows used for fitting, in (0, 1) (default 0.5)\n"
    "  --seed N              seed of the random train/test split (default 1)\n"
    "  --bins M              reliability bins (default 10, as CBO Table I)\n"
    "  --model-out PREFIX    write each fitted model's text to PREFIX<method>.txt\n"
    "  --svg FILE            write a reliability diagram per method (held-out data)\n"
    "Input: columns score,label (label 1 = prediction correct), or logits columns plus label\n"
    "(the true class). Output: one JSON object per method; errors on stderr, exit code 2.\n";

struct usage_error {
    std::string message;
};

struct options {
    std::string input;
    std::vector<std::string> methods{"platt", "isotonic"};
    bool all_methods = false;
    double train_fraction = 0.5;
    std::uint64_t seed = 1;
    std::size_t bins = 10;
    std::string model_prefix;
    std::string svg;
};

double parse_double(std::string_view flag, const std::string& v) {
    std::size_t used = 0;
    double d = 0.0;
    try {
        d = std::stod(v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != v.size() || v.empty()) {
        throw usage_error{std::string(flag) + " expects a number, got '" + v + "'"};
    }
    return d;
}

std::uint64_t parse_count(std::string_view flag, const std::string& v) {
    if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 18) {
        throw usage_error{std::string(flag) + " expects a non-negative integer, got '" + v + "'"};
    }
    return std::stoull(v);
}

options parse_args(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                throw usage_error{a + " needs a value"};
            }
            return argv[++i];
        };
        if (a == "--help" || a == "-h") {
            std::fputs(usage_text, stdout);
            std::exit(0);
        } else if (a == "--input") {
            o.input = value();
        } else if (a == "--method") {
            const std::string list = value();
            o.methods.clear();
            std::stringstream ss(list);
            std::string m;
            while (std::getline(ss, m, ',')) {
                if (m == "all") {
                    o.all_methods = true;
                } else if (m == "platt" || m == "isotonic" || m == "temperature" || m == "ovr") {
                    if (std::find(o.methods.begin(), o.methods.end(), m) == o.methods.end()) {
                        o.methods.push_back(m);
                    }
                } else {
                    throw usage_error{"unknown method '" + m + "' (platt, isotonic, temperature, ovr, all)"};
                }
            }
            if (o.methods.empty() && !o.all_methods) {
                throw usage_error{"--method needs at least one method"};
            }
        } else if (a == "--train-fraction") {
            o.train_fraction = parse_double(a, value());
            if (!(o.train_fraction > 0.0 && o.train_fraction < 1.0)) {
                throw usage_error{"--train-fraction must be in (0, 1)"};
            }
        } else if (a == "--seed") {
            o.seed = parse_count(a, value());
        } else if (a == "--bins") {
            o.bins = static_cast<std::size_t>(parse_count(a, value()));
            if (o.bins == 0 || o.bins > ok::max_calibration_bins) {
                throw usage_error{"--bins must be in 1.." + std::to_string(ok::max_calibration_bins)};
            }
        } else if (a == "--model-out") {
            o.model_prefix = value();
        } else if (a == "--svg") {
            o.svg = value();
        } else if (!a.empty() && a[0] == '-') {
            throw usage_error{"unknown option " + a};
        } else if (o.input.empty()) {
            o.input = a;
        } else {
            throw usage_error{"more than one input file ('" + o.input + "', '" + a + "')"};
        }
    }
    if (o.input.empty()) {
        throw usage_error{"no input CSV given"};
    }
    return o;
}

/// The data set, in either of the two input shapes.
struct data_set {
    bool has_logits = false;
    std::size_t classes = 0;
    std::vector<double> logits;         // n * classes (logits input)
    std::vector<std::size_t> truth;     // true class (logits input)
    std::vector<double> score;          // confidence of the uncalibrated prediction
    std::vector<std::uint8_t> correct;  // 1 = uncalibrated prediction right
};

data_set load(const std::string& path) {
    const auto t = ok::io::read_csv_file(path, "offloadkit-calibrate");
    data_set d;
    const auto score_col = t.find_column("score") ? t.find_column("score") : t.find_column("confidence");
    if (score_col) {
        const auto label_col = t.find_column("label") ? t.find_column("label") : t.find_column("correct");
        ok::detail::require(label_col.has_value(), "offloadkit-calibrate", "missing column 'label' next to '",
                            t.header()[*score_col], "'");
        d.score = t.numbers(*score_col);
        for (std::size_t r = 0; r < t.rows(); ++r) {
            ok::detail::require(d.score[r] >= 0.0 && d.score[r] <= 1.0, "offloadkit-calibrate", "line ", t.line_of(r),
                                ": ", t.header()[*score_col], " is ", d.score[r],
                                ", expected a confidence in [0, 1] (ECE is defined on confidences)");
        }
        for (std::size_t r = 0; r < t.rows(); ++r) {
            const double v = t.number(r, *label_col);
            ok::detail::require(v == 0.0 || v == 1.0, "offloadkit-calibrate", "line ", t.line_of(r), ": label is ", v,
                                ", expected 0 or 1");
            d.correct.push_back(static_cast<std::uint8_t>(v));
        }
        return d;
    }
    const std::size_t label_col = t.column("label");
    d.has_logits = true;
    d.classes = t.cols() - 1;
    ok::detail::require(d.classes >= 2, "offloadkit-calibrate",
                        "a logits CSV needs at least two logit columns besides 'label' (or give 'score,label')");
    std::vector<double> row(d.classes);
    for (std::size_t r = 0; r < t.rows(); ++r) {
        std::size_t k = 0;
        for (std::size_t c = 0; c < t.cols(); ++c) {
            if (c != label_col) {
                row[k++] = t.number(r, c);
            }
        }
        const double lab = t.number(r, label_col);
        ok::detail::require(lab >= 0.0 && lab < static_cast<double>(d.classes) && lab == static_cast<double>(static_cast<std::size_t>(lab)),
                            "offloadkit-calibrate", "line ", t.line_of(r), ": label is ", lab, ", expected a class index 0..",
                            d.classes - 1);
        const ok::top1 top = ok::top1_confidence(row);
        d.logits.insert(d.logits.end(), row.begin(), row.end());
        d.truth.push_back(static_cast<std::size_t>(lab));
        d.score.push_back(top.confidence);
        d.correct.push_back(top.index == static_cast<std::size_t>(lab) ? 1 : 0);
    }
    return d;
}

template <class T>
std::vector<T> take(const std::vector<T>& v, const std::vector<std::size_t>& idx, std::size_t width = 1) {
    std::vector<T> out;
    out.reserve(idx.size() * width);
    for (const auto i : idx) {
        out.insert(out.end(), v.begin() + static_cast<std::ptrdiff_t>(i * width),
                   v.begin() + static_cast<std::ptrdiff_t>((i + 1) * width));
    }
    return out;
}

/// Calibrated confidences and correctness on the held-out rows.
struct outcome {
    std::vector<double> confidence;
    std::vector<std::uint8_t> correct;
    std::string model_text;
};

void write_file(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary);
    ok::detail::require(f.good(), "offloadkit-calibrate", "cannot write '", path, "'");
    f << text;
    ok::detail::require(f.good(), "offloadkit-calibrate", "failed writing '", path, "'");
}

ok::io::svg_plot reliability_panel(const std::string& name, const ok::calibration_report& rep) {
    ok::io::svg_plot p;
    char title[160];
    std::snprintf(title, sizeof title, "%s: ECE %.3f, MCE %.3f", name.c_str(), rep.ece, rep.mce);
    p.title = title;
    p.x_label = "confidence";
    p.y_label = "accuracy";
    p.x_min = 0.0;
    p.x_max = 1.0;
    p.y_min = 0.0;
    p.y_max = 1.0;
    ok::io::svg_series bars{"accuracy per bin", {}, {}, ok::io::svg_style::bars, 0.0, ""};
    for (const auto& b : rep.bins) {
        bars.x.push_back((b.lower + b.upper) / 2);
        bars.y.push_back(b.count > 0 ? b.accuracy : 0.0);
        bars.bar_width = (b.upper - b.lower) * 0.9;
    }
    p.series.push_back(bars);
    p.series.push_back({"perfect calibration", {0.0, 1.0}, {0.0, 1.0}, ok::io::svg_style::dashed, 0.0, "#555555"});
    return p;
}

int run(const options& opt) {
    const data_set d = load(opt.input);
    const std::size_t n = d.score.size();
    ok::detail::require(n >= 2, "offloadkit-calibrate", "'", opt.input, "' has ", n, " rows, expected at least 2");
    std::vector<std::string> methods = opt.methods;
    if (opt.all_methods) {
        methods = d.has_logits ? std::vector<std::string>{"platt", "isotonic", "temperature", "ovr"}
                               : std::vector<std::string>{"platt", "isotonic"};
    }
    for (const auto& m : methods) {
        ok::detail::require(d.has_logits || (m != "temperature" && m != "ovr"), "offloadkit-calibrate", "method '", m,
                            "' needs a logits CSV (columns of logits plus 'label')");
    }
    // Random split (Fisher-Yates with offloadkit's portable generator).
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    ok::detail::rng g(opt.seed);
    for (std::size_t i = n - 1; i > 0; --i) {
        std::swap(order[i], order[static_cast<std::size_t>(g.below(i + 1))]);
    }
    const auto n_train = std::clamp<std::size_t>(static_cast<std::size_t>(opt.train_fraction * static_cast<double>(n)),
                                                 1, n - 1);
    std::vector<std::size_t> train(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_train));
    std::vector<std::size_t> test(order.begin() + static_cast<std::ptrdiff_t>(n_train), order.end());
    std::sort(train.begin(), train.end());
    std::sort(test.begin(), test.end());

    const auto s_train = take(d.score, train);
    const auto y_train = take(d.correct, train);
    const auto s_test = take(d.score, test);
    const auto y_test = take(d.correct, test);
    const auto before = ok::calibration_error(s_test, y_test, opt.bins);

    std::vector<std::pair<std::string, outcome>> results;
    results.push_back({"uncalibrated", {s_test, y_test, ok::to_string(ok::identity_calibrator{})}});
    for (const auto& m : methods) {
        outcome o;
        o.correct = y_test;
        o.confidence.resize(test.size());
        if (m == "platt") {
            const auto c = ok::platt_calibrator::fit(s_train, y_train);
            c.transform(s_test, o.confidence);
            o.model_text = ok::to_string(c);
        } else if (m == "isotonic") {
            const auto c = ok::isotonic_calibrator::fit(s_train, y_train);
            c.transform(s_test, o.confidence);
            o.model_text = ok::to_string(c);
        } else {
            const auto z_train = take(d.logits, train, d.classes);
            const auto t_train = take(d.truth, train);
            const auto z_test = take(d.logits, test, d.classes);
            const auto t_test = take(d.truth, test);
            std::vector<double> row(d.classes);
            auto score_rows = [&](const auto& c) {
                for (std::size_t i = 0; i < test.size(); ++i) {
                    std::copy_n(z_test.begin() + static_cast<std::ptrdiff_t>(i * d.classes), d.classes, row.begin());
                    const ok::top1 top = c.confidence(row);
                    o.confidence[i] = top.confidence;
                    o.correct[i] = top.index == t_test[i] ? 1 : 0;
                }
                o.model_text = ok::to_string(c);
            };
            if (m == "temperature") {
                score_rows(ok::temperature_scaler::fit(z_train, d.classes, t_train));
            } else {
                score_rows(ok::one_vs_rest_calibrator::fit(z_train, d.classes, t_train));
            }
        }
        results.push_back({m, std::move(o)});
    }

    std::vector<ok::io::svg_plot> panels;
    for (const auto& [name, o] : results) {
        const auto after = ok::calibration_error(o.confidence, o.correct, opt.bins);
        ok::io::json_object j;
        j.add("method", name)
            .add("input", opt.input)
            .add("train", train.size())
            .add("test", test.size())
            .add("bins", opt.bins)
            .add("ece_before", before.ece)
            .add("mce_before", before.mce)
            .add("ece_after", after.ece)
            .add("mce_after", after.mce)
            .add("brier_before", ok::brier_score(s_test, y_test))
            .add("brier_after", ok::brier_score(o.confidence, o.correct))
            .add("nll_after", ok::negative_log_likelihood(o.confidence, o.correct));
        double acc = 0.0;
        for (const auto c : o.correct) {
            acc += c;
        }
        j.add("accuracy", acc / static_cast<double>(o.correct.size()));
        if (!opt.model_prefix.empty() && name != "uncalibrated") {
            const std::string path = opt.model_prefix + name + ".txt";
            write_file(path, o.model_text);
            j.add("model_file", path);
        }
        std::puts(j.str().c_str());
        panels.push_back(reliability_panel(name, after));
    }
    if (!opt.svg.empty()) {
        write_file(opt.svg, ok::io::render_svg(panels, std::min<std::size_t>(panels.size(), 3), 420, 380));
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parse_args(argc, argv));
    } catch (const usage_error& e) {
        std::fprintf(stderr, "offloadkit-calibrate: %s\n%s", e.message.c_str(), usage_text);
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 2;
    }
}
