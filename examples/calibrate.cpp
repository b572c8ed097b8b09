// offloadkit-calibrate — fit confidence calibrators and report calibration before/after (the
// shape of CBO Table I: ECE and MCE of the uncalibrated scores, Platt calibration and isotonic
// regression on held-out data), optionally writing the fitted models and a reliability diagram (CBO
// Fig. 5: accuracy per confidence bin against the diagonal); or, with --apply, score data with a
// saved model.
//
// Input, one of:
//   * a CSV with a score column (`score`, `confidence` or a trace's `npu_confidence`) holding
//     confidences in [0, 1] and a label column (`label`, `correct` or `npu_correct`) holding 0/1
//     (1 = the on-device prediction was right);
//   * a CSV of logits: a column `label` holding the true class index and every other column a logit
//     (in file order); the score is then the top-1 softmax confidence and "correct" means the arg max
//     equals the label;
//   * NumPy arrays: `--scores S.npy --labels L.npy`, `--logits Z.npy --labels L.npy` (Z of shape
//     (n, k)), or an `.npz` archive (np.savez) holding `score` and `label`, or `logits` and `label`.
// Methods: uncalibrated (always reported), platt, isotonic, and for logits also temperature and
// ovr (the one-vs-rest scheme of CBO Fig. 6).
//
// Output: one JSON object per method on stdout; errors on stderr with exit code 2; warnings
// (fewer than 30 samples to fit on) on stderr.
#include <offloadkit/io/csv.hpp>
#include <offloadkit/io/json.hpp>
#include <offloadkit/io/npy.hpp>
#include <offloadkit/io/svg.hpp>
#include <offloadkit/offloadkit.hpp>
#include <offloadkit/detail/random.hpp>

#include "common/cli.hpp"

#include <algorithm>
#include <cmath>
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
namespace cli = offloadkit::examples::cli;

namespace {

constexpr std::string_view tool = "offloadkit-calibrate";

constexpr const char* usage_text =
    "usage: offloadkit-calibrate [--input] FILE [options]\n"
    "       offloadkit-calibrate (--scores S.npy | --logits Z.npy) --labels L.npy [options]\n"
    "       offloadkit-calibrate --apply MODEL FILE   (score data with a saved model)\n"
    "  FILE                  a .csv (score,label or logits + label), or an .npz (np.savez) holding\n"
    "                        score and label, or logits and label\n"
    "  --method LIST         comma-separated: platt,isotonic,temperature,ovr or all\n"
    "                        (default: platt,isotonic; all = every method the input allows)\n"
    "  --train-fraction F    share of rows used for fitting, in (0, 1) (default 0.5)\n"
    "  --split random|leading  random: a seeded random split (default; a table of scores has no\n"
    "                        time order and is often sorted); leading: the first floor(n F) rows fit,\n"
    "                        the rest test -- the simulator's rule (--calibration-fraction)\n"
    "  --seed N              seed of the random split (default 1)\n"
    "  --bins M              reliability bins (default 10, as CBO Table I)\n"
    "  --binning equal-width|equal-mass  bins of width 1/M (default, as CBO) or of equal sample\n"
    "                        count (ECE over them is the adaptive ECE)\n"
    "  --model-out PREFIX    write each fitted model's text to PREFIX<method>.txt\n"
    "  --svg FILE            write a reliability diagram per method (held-out data)\n"
    "  --apply MODEL         no fitting: print each row's calibrated confidence with MODEL (a file\n"
    "                        --model-out wrote), and ECE/MCE before and after when labels are given\n"
    "Flags take `--flag value` or `--flag=value`. Output: one JSON object per method (per row with\n"
    "--apply); errors on stderr, exit code 2.\n";

const std::vector<std::string> known_flags{"--input",     "--method",    "--train-fraction", "--split",
                                           "--seed",      "--bins",      "--binning",        "--model-out",
                                           "--svg",       "--apply",     "--scores",         "--logits",
                                           "--labels",    "--help"};

/// Fewer samples than this to fit on draws a warning.
constexpr std::size_t few_samples = 30;

struct options {
    std::string input;
    std::string scores_npy;
    std::string logits_npy;
    std::string labels_npy;
    std::vector<std::string> methods{"platt", "isotonic"};
    bool all_methods = false;
    double train_fraction = 0.5;
    bool leading_split = false;
    std::uint64_t seed = 1;
    std::size_t bins = 10;
    ok::binning binning = ok::binning::equal_width;
    std::string model_prefix;
    std::string svg;
    std::string apply;
};

options parse_args(int argc, char** argv) {
    options o;
    cli::arg_reader args(argc, argv);
    while (args.next()) {
        const std::string a = args.flag();
        if (a == "--help" || a == "-h") {
            std::fputs(usage_text, stdout);
            std::exit(0);
        } else if (a == "--input") {
            o.input = args.value();
        } else if (a == "--method") {
            o.methods.clear();
            for (const auto& m : cli::split_list(args.value())) {
                if (cli::choice("--method", m, {"platt", "isotonic", "temperature", "ovr", "all"}) == "all") {
                    o.all_methods = true;
                } else if (std::find(o.methods.begin(), o.methods.end(), m) == o.methods.end()) {
                    o.methods.push_back(m);
                }
            }
        } else if (a == "--train-fraction") {
            o.train_fraction = cli::number_in(a, args.value(), 0.0, 1.0, "", cli::bound::open, cli::bound::open);
        } else if (a == "--split") {
            o.leading_split = cli::choice(a, args.value(), {"random", "leading"}) == "leading";
        } else if (a == "--seed") {
            o.seed = cli::whole(a, args.value());
        } else if (a == "--bins") {
            o.bins = static_cast<std::size_t>(cli::whole(a, args.value(), 1, ok::max_calibration_bins));
        } else if (a == "--binning") {
            o.binning = cli::choice(a, args.value(), {"equal-width", "equal-mass"}) == "equal-mass" ? ok::binning::equal_mass
                                                                                                   : ok::binning::equal_width;
        } else if (a == "--model-out") {
            o.model_prefix = args.value();
        } else if (a == "--svg") {
            o.svg = args.value();
        } else if (a == "--apply") {
            o.apply = args.value();
        } else if (a == "--scores") {
            o.scores_npy = args.value();
        } else if (a == "--logits") {
            o.logits_npy = args.value();
        } else if (a == "--labels") {
            o.labels_npy = args.value();
        } else if (args.is_flag()) {
            cli::unknown_flag(a, known_flags);
        } else if (o.input.empty()) {
            o.input = a;
        } else {
            throw cli::usage_error("more than one input file ('" + o.input + "', '" + a + "')");
        }
    }
    const bool arrays = !o.scores_npy.empty() || !o.logits_npy.empty();
    if (!o.scores_npy.empty() && !o.logits_npy.empty()) {
        throw cli::usage_error("give --scores or --logits, not both");
    }
    if (arrays && !o.input.empty()) {
        throw cli::usage_error("give an input FILE or --scores/--logits arrays, not both");
    }
    if (!arrays && o.input.empty()) {
        throw cli::usage_error("no input given (a FILE, or --scores S.npy --labels L.npy)");
    }
    if (arrays && o.labels_npy.empty() && o.apply.empty()) {
        throw cli::usage_error(std::string(o.scores_npy.empty() ? "--logits" : "--scores") + " needs --labels L.npy");
    }
    if (!o.labels_npy.empty() && !arrays) {
        throw cli::usage_error("--labels goes with --scores or --logits");
    }
    if (o.methods.empty() && !o.all_methods) {
        throw cli::usage_error("--method needs at least one method");
    }
    return o;
}

/// The data set, in either of the two input shapes.
struct data_set {
    bool has_logits = false;
    bool has_labels = true;
    std::size_t classes = 0;
    std::vector<double> logits;         // n * classes (logits input)
    std::vector<std::size_t> truth;     // true class (logits input)
    std::vector<double> score;          // confidence of the uncalibrated prediction
    std::vector<std::uint8_t> correct;  // 1 = uncalibrated prediction right
    std::vector<std::string> where;     // "line 7" / "element 6" per row, for messages and --apply
};

/// Checks a confidence and a 0/1 label, naming where they come from.
void add_binary(data_set& d, double score, std::optional<double> label, const std::string& where,
                std::string_view score_name, std::string_view label_name) {
    ok::detail::require(score >= 0.0 && score <= 1.0, tool, where, ": ", score_name, " is ", score,
                        ", expected a confidence in [0, 1] (ECE is defined on confidences)");
    if (label) {
        ok::detail::require(*label == 0.0 || *label == 1.0, tool, where, ": ", label_name, " is ", *label,
                            ", expected 0 or 1");
        d.correct.push_back(static_cast<std::uint8_t>(*label));
    }
    d.score.push_back(score);
    d.where.push_back(where);
}

/// One row of logits and its true class (nullopt with --apply and no labels).
void add_logits(data_set& d, const std::vector<double>& row, std::optional<double> lab, const std::string& where,
                std::string_view label_name) {
    const ok::top1 top = ok::top1_confidence(row);
    d.logits.insert(d.logits.end(), row.begin(), row.end());
    d.score.push_back(top.confidence);
    d.where.push_back(where);
    if (lab) {
        ok::detail::require(*lab >= 0.0 && *lab < static_cast<double>(d.classes) && *lab == std::floor(*lab), tool, where,
                            ": ", label_name, " is ", *lab, ", expected a class index 0..", d.classes - 1);
        d.truth.push_back(static_cast<std::size_t>(*lab));
        d.correct.push_back(top.index == static_cast<std::size_t>(*lab) ? 1 : 0);
    }
}

const std::vector<std::string> score_names{"score", "confidence", "npu_confidence"};
const std::vector<std::string> label_names{"label", "correct", "npu_correct"};

std::optional<std::size_t> first_column(const ok::io::csv_table& t, const std::vector<std::string>& names) {
    for (const auto& n : names) {
        if (const auto c = t.find_column(n)) {
            return c;
        }
    }
    return std::nullopt;
}

data_set load_csv(const std::string& path, bool labels_required) {
    const auto t = ok::io::read_csv_file(path, tool);
    data_set d;
    const auto score_col = first_column(t, score_names);
    const auto label_col = first_column(t, label_names);
    if (score_col) {
        ok::detail::require(label_col.has_value() || !labels_required, tool, "'", path, "': no label column ('label', ",
                            "'correct' or 'npu_correct') next to '", t.header()[*score_col], "'",
                            ok::io::columns_hint("label", t.header()));
        d.has_labels = label_col.has_value();
        for (std::size_t r = 0; r < t.rows(); ++r) {
            const std::optional<double> lab = label_col ? std::optional<double>(t.number(r, *label_col)) : std::nullopt;
            add_binary(d, t.number(r, *score_col), lab, "line " + std::to_string(t.line_of(r)), t.header()[*score_col],
                       label_col ? std::string_view(t.header()[*label_col]) : std::string_view("label"));
        }
        return d;
    }
    // No score column: a logits table, unless a column looks like a misspelt score name (then the
    // user meant score,label and gets told so, not a message about logits).
    for (const auto& name : score_names) {
        if (const auto near = ok::io::closest_match(name, t.header())) {
            ok::detail::fail(tool, "'", path, "': no score column ('score', 'confidence' or 'npu_confidence')",
                             ok::io::columns_hint(name, t.header()));
        }
    }
    const auto label = t.find_column("label");
    ok::detail::require(label.has_value() || !labels_required, tool, "'", path,
                        "': no score column ('score', 'confidence' or 'npu_confidence') and no 'label' column for a "
                        "logits table",
                        ok::io::columns_hint("label", t.header()));
    d.has_logits = true;
    d.has_labels = label.has_value();
    d.classes = t.cols() - (label ? 1 : 0);
    ok::detail::require(d.classes >= 2, tool, "'", path,
                        "': no score column ('score', 'confidence' or 'npu_confidence'), and too few columns for "
                        "logits (a logits table needs at least two logit columns besides 'label')",
                        ok::io::columns_hint("score", t.header()));
    std::vector<double> row(d.classes);
    for (std::size_t r = 0; r < t.rows(); ++r) {
        std::size_t k = 0;
        for (std::size_t c = 0; c < t.cols(); ++c) {
            if (!label || c != *label) {
                row[k++] = t.number(r, c);
            }
        }
        add_logits(d, row, label ? std::optional<double>(t.number(r, *label)) : std::nullopt,
                   "line " + std::to_string(t.line_of(r)), "label");
    }
    return d;
}

/// A 1-D array's values (or a 2-D array's with `two_d`), named by flag and file in messages.
ok::io::npy_array array_of(const ok::io::npy_array& a, const std::string& what, std::size_t ndim) {
    ok::detail::require(a.ndim() == ndim, tool, what, ": shape ", ok::io::npy_shape_text(a.shape), ", expected ",
                        ndim == 1 ? "a 1-D array (n,)" : "a 2-D array (n, classes)");
    return a;
}

data_set load_arrays(const std::optional<ok::io::npy_array>& scores, const std::optional<ok::io::npy_array>& logits,
                     const std::optional<ok::io::npy_array>& labels, const std::string& s_name, const std::string& l_name) {
    data_set d;
    std::size_t n = 0;
    if (scores) {
        n = array_of(*scores, s_name, 1).size();
    } else {
        n = array_of(*logits, s_name, 2).shape[0];
        d.has_logits = true;
        d.classes = logits->shape[1];
        ok::detail::require(d.classes >= 2, tool, s_name, ": shape ", ok::io::npy_shape_text(logits->shape),
                            ", expected at least two classes");
    }
    d.has_labels = labels.has_value();
    if (labels) {
        ok::detail::require(array_of(*labels, l_name, 1).size() == n, tool, l_name, ": ", labels->size(),
                            " labels for ", n, " rows in ", s_name);
        ok::detail::require(ok::io::npy_is_integral(labels->dtype) ||
                                std::all_of(labels->values.begin(), labels->values.end(),
                                            [](double v) { return v == std::floor(v); }),
                            tool, l_name, ": labels must be whole numbers");
    }
    std::vector<double> row(d.classes);
    for (std::size_t i = 0; i < n; ++i) {
        const std::optional<double> lab = labels ? std::optional<double>(labels->values[i]) : std::nullopt;
        const std::string where = s_name + " element " + std::to_string(i);
        if (scores) {
            add_binary(d, scores->values[i], lab, where, "score", "label");
        } else {
            std::copy_n(logits->values.begin() + static_cast<std::ptrdiff_t>(i * d.classes), d.classes, row.begin());
            for (const double z : row) {
                ok::detail::require(std::isfinite(z), tool, where, ": a logit is ", z, ", expected a finite number");
            }
            add_logits(d, row, lab, where, "label");
        }
    }
    return d;
}

data_set load(const options& o, bool labels_required) {
    const bool npz = o.input.size() > 4 && o.input.compare(o.input.size() - 4, 4, ".npz") == 0;
    const bool npy = o.input.size() > 4 && o.input.compare(o.input.size() - 4, 4, ".npy") == 0;
    if (npy) {
        throw cli::usage_error("'" + o.input + "' is one array: give it as --scores or --logits, with --labels L.npy");
    }
    if (npz) {
        const auto members = ok::io::read_npz_file(o.input, "'" + o.input + "'");
        auto find = [&](std::string_view name) -> std::optional<ok::io::npy_array> {
            for (const auto& [k, v] : members) {
                if (k == name) {
                    return v;
                }
            }
            return std::nullopt;
        };
        const auto scores = find("score") ? find("score") : find("confidence");
        const auto logits = find("logits");
        const auto labels = find("label") ? find("label") : find("correct");
        std::string names;
        for (const auto& [k, v] : members) {
            names += (names.empty() ? "'" : ", '") + k + "'";
        }
        ok::detail::require(scores.has_value() != logits.has_value(), tool, "'", o.input,
                            "': expected an array 'score' (or 'confidence') or 'logits', not both; arrays read: ", names);
        ok::detail::require(labels.has_value() || !labels_required, tool, "'", o.input,
                            "': no array 'label' (or 'correct'); arrays read: ", names);
        return load_arrays(scores, logits, labels, o.input + ":" + (scores ? "score" : "logits"), o.input + ":label");
    }
    if (!o.scores_npy.empty() || !o.logits_npy.empty()) {
        const std::string s_flag = o.scores_npy.empty() ? "--logits" : "--scores";
        const std::string& s_path = o.scores_npy.empty() ? o.logits_npy : o.scores_npy;
        const std::string s_name = s_flag + " '" + s_path + "'";
        const std::string l_name = "--labels '" + o.labels_npy + "'";
        const auto first = ok::io::read_npy_file(s_path, s_name);
        std::optional<ok::io::npy_array> labels;
        if (!o.labels_npy.empty()) {
            labels = ok::io::read_npy_file(o.labels_npy, l_name);
        }
        return o.scores_npy.empty() ? load_arrays(std::nullopt, first, labels, s_name, l_name)
                                    : load_arrays(first, std::nullopt, labels, s_name, l_name);
    }
    return load_csv(o.input, labels_required);
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
    ok::detail::require(f.good(), tool, "cannot write '", path, "'");
    f << text;
    ok::detail::require(f.good(), tool, "failed writing '", path, "'");
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

std::string read_text(const std::string& path, std::string_view flag) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw cli::usage_error(std::string(flag) + ": cannot open '" + path + "'");
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return std::string(ok::io::strip_utf8_bom(ss.str()));
}

/// --apply: every row's calibrated confidence under a saved model, and ECE/MCE when labelled.
int apply_model(const options& opt) {
    const std::string text = read_text(opt.apply, "--apply");
    const std::string kind = text.substr(0, text.find_first_of(" \r\n"));
    const data_set d = load(opt, false);
    std::vector<double> out(d.score.size());
    std::vector<std::uint8_t> correct = d.correct;
    std::vector<long long> predicted(d.score.size(), -1);
    auto binary = [&](const auto& c) {
        for (std::size_t i = 0; i < d.score.size(); ++i) {
            out[i] = c(d.score[i]);
        }
    };
    auto multiclass = [&](const auto& c) {
        ok::detail::require(d.has_logits, tool, "--apply '", opt.apply, "' holds a ", kind,
                            ", which calibrates logits: the input must be logits (a logits CSV, --logits or an .npz with 'logits')");
        if constexpr (requires { c.num_classes(); }) {
            ok::detail::require(c.num_classes() == d.classes, tool, "--apply '", opt.apply, "' was fitted on ",
                                c.num_classes(), " classes, the input has ", d.classes);
        }
        std::vector<double> row(d.classes);
        for (std::size_t i = 0; i < d.score.size(); ++i) {
            std::copy_n(d.logits.begin() + static_cast<std::ptrdiff_t>(i * d.classes), d.classes, row.begin());
            const ok::top1 top = c.confidence(row);
            out[i] = top.confidence;
            predicted[i] = static_cast<long long>(top.index);
            if (d.has_labels) {
                correct[i] = top.index == d.truth[i] ? 1 : 0;
            }
        }
    };
    if (kind == "offloadkit.platt_calibrator") {
        binary(ok::platt_calibrator::from_string(text));
    } else if (kind == "offloadkit.isotonic_calibrator") {
        binary(ok::isotonic_calibrator::from_string(text));
    } else if (kind == "offloadkit.identity_calibrator") {
        binary(ok::identity_calibrator::from_string(text));
    } else if (kind == "offloadkit.temperature_scaler") {
        multiclass(ok::temperature_scaler::from_string(text));
    } else if (kind == "offloadkit.one_vs_rest_calibrator") {
        multiclass(ok::one_vs_rest_calibrator::from_string(text));
    } else {
        throw cli::usage_error("--apply '" + opt.apply + "': not a calibrator file (its first word is '" + kind +
                               "'; --model-out writes them)");
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
        ok::io::json_object j;
        j.add("row", d.where[i]).add("score", d.score[i]).add("calibrated", out[i]);
        if (predicted[i] >= 0) {
            j.add("class", predicted[i]);
        }
        std::puts(j.str().c_str());
    }
    if (d.has_labels && !out.empty()) {
        const auto before = ok::calibration_error(d.score, d.correct, opt.bins, opt.binning);
        const auto after = ok::calibration_error(out, correct, opt.bins, opt.binning);
        ok::io::json_object j;
        j.add("model", opt.apply)
            .add("rows", out.size())
            .add("bins", opt.bins)
            .add("ece_before", before.ece)
            .add("mce_before", before.mce)
            .add("ece_after", after.ece)
            .add("mce_after", after.mce);
        std::puts(j.str().c_str());
    }
    return 0;
}

int run(const options& opt) {
    if (!opt.apply.empty()) {
        return apply_model(opt);
    }
    if (!opt.svg.empty()) {
        cli::require_writable("--svg", opt.svg);
    }
    const data_set d = load(opt, true);
    const std::size_t n = d.score.size();
    const std::string input_name = opt.input.empty() ? (opt.scores_npy.empty() ? opt.logits_npy : opt.scores_npy) : opt.input;
    ok::detail::require(n > 0, tool, "'", input_name, "' has a header but no data rows");
    ok::detail::require(n >= 2, tool, "'", input_name, "' has ", n, " row, expected at least 2 (one to fit, one to test)");
    std::vector<std::string> methods = opt.methods;
    if (opt.all_methods) {
        methods = d.has_logits ? std::vector<std::string>{"platt", "isotonic", "temperature", "ovr"}
                               : std::vector<std::string>{"platt", "isotonic"};
    }
    for (const auto& m : methods) {
        ok::detail::require(d.has_logits || (m != "temperature" && m != "ovr"), tool, "method '", m,
                            "' needs logits (a CSV of logit columns plus 'label', --logits, or an .npz with 'logits')");
    }
    std::vector<std::size_t> train;
    std::vector<std::size_t> test;
    if (opt.leading_split) {
        // The simulator's rule (profile_trace): the first floor(n F) rows fit, the rest test.
        const auto n_train = static_cast<std::size_t>(std::floor(static_cast<double>(n) * opt.train_fraction));
        if (n_train < 1 || n_train >= n) {
            throw cli::usage_error("--split leading with --train-fraction " + std::to_string(opt.train_fraction) +
                                   " leaves " + std::to_string(n_train) + " of " + std::to_string(n) +
                                   " rows to fit on: each part needs at least one row");
        }
        for (std::size_t i = 0; i < n; ++i) {
            (i < n_train ? train : test).push_back(i);
        }
    } else {
        // Random split (Fisher-Yates with offloadkit's portable generator).
        std::vector<std::size_t> order(n);
        std::iota(order.begin(), order.end(), std::size_t{0});
        ok::detail::rng g(opt.seed);
        for (std::size_t i = n - 1; i > 0; --i) {
            std::swap(order[i], order[static_cast<std::size_t>(g.below(i + 1))]);
        }
        const auto n_train = std::clamp<std::size_t>(
            static_cast<std::size_t>(opt.train_fraction * static_cast<double>(n)), 1, n - 1);
        train.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_train));
        test.assign(order.begin() + static_cast<std::ptrdiff_t>(n_train), order.end());
        std::sort(train.begin(), train.end());
        std::sort(test.begin(), test.end());
    }
    if (train.size() < few_samples) {
        cli::warn(tool, "fitting on " + std::to_string(train.size()) + " samples (fewer than " +
                            std::to_string(few_samples) + "): the calibrators and the reported ECE are unreliable");
    }

    const auto s_train = take(d.score, train);
    const auto y_train = take(d.correct, train);
    const auto s_test = take(d.score, test);
    const auto y_test = take(d.correct, test);
    const auto before = ok::calibration_error(s_test, y_test, opt.bins, opt.binning);

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
        const auto after = ok::calibration_error(o.confidence, o.correct, opt.bins, opt.binning);
        ok::io::json_object j;
        j.add("method", name)
            .add("input", input_name)
            .add("split", opt.leading_split ? "leading" : "random")
            .add("binning", opt.binning == ok::binning::equal_mass ? "equal-mass" : "equal-width")
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
    return cli::guarded_main({tool, "(offloadkit-calibrate --help lists the flags)\n", 2},
                             [&] { return run(parse_args(argc, argv)); });
}
