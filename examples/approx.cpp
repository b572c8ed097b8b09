// offloadkit-approx — ApproxNet's runtime (ApproxNet §4.3-4.6) on a branch profile.
//
//   offloadkit-approx [--profile FILE] [--scenario NAME|all] [--events FILE] [options]
//
// Loads a branch profile (CSV, docs/approx-profile-format.md; default: ApproxNet Table 2(a),
// examples/data/approxnet_table2a.csv) and
// - --scenario: prints the branch each usage scenario of §5.4 selects, for every (complexity
//   category, contention level) of the profile: HH / MM / LL = accuracy loss below 10% / 20% /
//   30% relative to the reference accuracy (--reference-accuracy; default: the profile's own
//   remote row, else its most accurate branch, mean over categories; on Table 2(a) that is
//   ResNet-34's 0.8586); RT = keep up with 30 fps (max latency = frame interval); HH-Offload =
//   the remote executor.
// - --events: replays frames (CSV with edge_value and optionally requirement, observed_latency_ms
//   or contention) through the per-frame loop: category of the edge value (--boundaries),
//   contention level from the estimator, the scheduler's branch, the observed latency fed back.
// With no arguments: the scenarios on Table 2(a).
// Output: one JSON object per line on stdout, times in milliseconds (fields *_ms) rounded to the
// microsecond; errors on stderr, exit code 2.
#include <offloadkit/approx/profile_csv.hpp>
#include <offloadkit/approx/scheduler.hpp>
#include <offloadkit/estimators/contention.hpp>
#include <offloadkit/io/csv.hpp>
#include <offloadkit/io/json.hpp>
#include <offloadkit/io/units.hpp>
#include <offloadkit/kernels/complexity.hpp>

#include "common/approx_scenarios.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

namespace ok = offloadkit;
namespace okx = offloadkit::examples;

namespace {

constexpr const char* usage =
    "usage: offloadkit-approx [--profile FILE] [--transitions FILE] [--scenario all|HH|MM|LL|RT|HH-Offload]\n"
    "                         [--events FILE] [--boundaries B1,B2,...] [--reference-accuracy A]\n"
    "                         [--frame-interval-ms X] [--window N] [--max-transition-ms X] [--min-dwell N]\n"
    "--reference-accuracy A: HH/MM/LL = min accuracy 0.9/0.8/0.7 x A (ApproxNet §5.4); default: the\n"
    "  profile's remote row (its mean accuracy over categories), else its most accurate branch.\n"
    "Output: JSON lines; times in ms (fields *_ms), rounded to the microsecond.\n"
    "Profile format: docs/approx-profile-format.md. Events CSV: edge_value[, requirement]\n"
    "[, observed_latency_ms | contention]; requirement = HH, MM, LL, RT, HH-Offload, offload,\n"
    "min_accuracy=A, max_latency_ms=X (empty: RT).\n";

struct options {
    std::string profile = std::string(OFFLOADKIT_EXAMPLES_DIR) + "/data/approxnet_table2a.csv";
    std::string transitions;
    std::string events;
    std::string scenario;
    std::vector<double> boundaries;
    std::optional<double> reference_accuracy;  // default: reference_of(profile)
    double frame_interval_ms = 1000.0 / 30.0;
    std::size_t window = 10;
    double max_transition_ms = std::numeric_limits<double>::infinity();
    std::size_t min_dwell = 0;
};

double parse_double(std::string_view text, std::string_view what) {
    double v = 0.0;
    const auto res = std::from_chars(text.data(), text.data() + text.size(), v);
    ok::detail::require(res.ec == std::errc{} && res.ptr == text.data() + text.size() && std::isfinite(v),
                        "offloadkit-approx", what, " '", text, "' is not a finite number");
    return v;
}

std::size_t parse_count(std::string_view text, std::string_view what) {
    std::size_t v = 0;
    const auto res = std::from_chars(text.data(), text.data() + text.size(), v);
    ok::detail::require(res.ec == std::errc{} && res.ptr == text.data() + text.size(), "offloadkit-approx", what, " '",
                        text, "' is not a non-negative integer");
    return v;
}

options parse_args(int argc, char** argv, bool& help) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--help" || a == "-h") {
            help = true;
            return o;
        }
        ok::detail::require(i + 1 < argc, "offloadkit-approx", "option ", a, " needs a value (--help for usage)");
        const std::string_view v = argv[++i];
        if (a == "--profile") {
            o.profile = v;
        } else if (a == "--transitions") {
            o.transitions = v;
        } else if (a == "--events") {
            o.events = v;
        } else if (a == "--scenario") {
            o.scenario = v;
        } else if (a == "--boundaries") {
            std::size_t start = 0;
            while (start <= v.size()) {
                const std::size_t comma = std::min(v.find(',', start), v.size());
                o.boundaries.push_back(parse_double(v.substr(start, comma - start), "--boundaries value"));
                start = comma + 1;
            }
        } else if (a == "--reference-accuracy") {
            o.reference_accuracy = parse_double(v, "--reference-accuracy");
        } else if (a == "--frame-interval-ms") {
            o.frame_interval_ms = parse_double(v, "--frame-interval-ms");
        } else if (a == "--window") {
            o.window = parse_count(v, "--window");
        } else if (a == "--max-transition-ms") {
            o.max_transition_ms = parse_double(v, "--max-transition-ms");
        } else if (a == "--min-dwell") {
            o.min_dwell = parse_count(v, "--min-dwell");
        } else {
            ok::detail::fail("offloadkit-approx", "unknown option '", a, "' (--help for usage)");
        }
    }
    if (o.events.empty() && o.scenario.empty()) {
        o.scenario = "all";
    }
    return o;
}

/// A named requirement of §5.4 or an explicit one ("min_accuracy=0.8", "max_latency_ms=25").
std::optional<ok::approx_requirement> requirement_of(std::string_view s, double reference) {
    if (s.empty() || s == "none") {
        s = "RT";
    } else if (s == "offload") {
        s = "HH-Offload";
    }
    if (const auto named = okx::scenario_requirement(s, reference)) {
        return named;
    }
    constexpr std::string_view acc = "min_accuracy=", lat = "max_latency_ms=";
    if (s.substr(0, acc.size()) == acc) {
        return ok::approx_requirement::min_accuracy(parse_double(s.substr(acc.size()), "min_accuracy"));
    }
    if (s.substr(0, lat.size()) == lat) {
        return ok::approx_requirement::max_latency(ok::io::ms_to_seconds(parse_double(s.substr(lat.size()), "max_latency_ms")));
    }
    return std::nullopt;
}

const char* kind_name(ok::approx_requirement::kind k) {
    switch (k) {
        case ok::approx_requirement::kind::frame_interval: return "max_latency";
        case ok::approx_requirement::kind::min_accuracy: return "min_accuracy";
        case ok::approx_requirement::kind::max_latency: return "max_latency";
        case ok::approx_requirement::kind::offload: return "offload";
    }
    return "?";
}

/// The accuracy §5.4's HH/MM/LL are relative to when --reference-accuracy is not given: the
/// profile's remote row (the full model, ApproxNet §4.5), else its most accurate local branch;
/// mean over the content categories. Returns the value and where it came from.
std::pair<double, std::string> reference_of(const ok::branch_profiles& p) {
    auto mean = [](const std::vector<double>& v) {
        double s = 0.0;
        for (const double x : v) {
            s += x;
        }
        return s / static_cast<double>(v.size());
    };
    if (p.has_remote()) {
        return {mean(p.remote().accuracy), "remote row " + p.remote().name};
    }
    double best = -1.0;
    std::string name;
    for (std::size_t b = 0; b < p.branches(); ++b) {
        std::vector<double> acc(p.categories());
        for (std::size_t k = 0; k < p.categories(); ++k) {
            acc[k] = p.accuracy(k, b);
        }
        if (mean(acc) > best) {
            best = mean(acc);
            name = p.name(b);
        }
    }
    return {best, "most accurate branch " + name};
}

double ms(double seconds) { return ok::io::for_people(ok::io::seconds_to_ms(seconds), 3); }

void add_decision(ok::io::json_object& o, const ok::branch_profiles& p, const ok::branch_decision& d) {
    o.add("branch", d.offload ? p.remote().name : p.name(d.branch))
        .add("offload", d.offload)
        .add("met", d.met)
        .add("expected_accuracy", d.accuracy)
        .add("expected_latency_ms", ms(d.latency));
}

int run(const options& o) {
    ok::branch_profiles profiles = ok::read_branch_profiles(o.profile);
    if (!o.transitions.empty()) {
        profiles.set_transition_costs(ok::read_transition_costs(o.transitions, profiles));
    }
    ok::scheduler_options so;
    so.frame_interval = ok::io::ms_to_seconds(o.frame_interval_ms);
    so.max_transition_cost = ok::io::ms_to_seconds(o.max_transition_ms);
    so.min_dwell = o.min_dwell;
    ok::branch_scheduler scheduler(profiles, so);
    ok::detail::require(o.boundaries.empty() || o.boundaries.size() + 1 == profiles.categories(), "offloadkit-approx",
                        "--boundaries gives ", o.boundaries.size() + 1, " categories, the profile has ",
                        profiles.categories());

    const auto& scenario_names = okx::approx_scenarios;
    ok::detail::require(o.scenario.empty() || o.scenario == "all" ||
                            std::find(scenario_names.begin(), scenario_names.end(), o.scenario) != scenario_names.end(),
                        "offloadkit-approx", "unknown scenario '", o.scenario, "' (all, HH, MM, LL, RT, HH-Offload)");
    ok::detail::require(o.events.empty() || o.boundaries.size() + 1 == profiles.categories(), "offloadkit-approx",
                        "the profile has ", profiles.categories(), " categories: give ", profiles.categories() - 1,
                        " --boundaries");

    const auto [default_reference, reference_source] = reference_of(profiles);
    const double reference = o.reference_accuracy.value_or(default_reference);
    ok::io::json_object head;
    head.add("profile", o.profile)
        .add("reference_accuracy", reference)
        .add("reference_from", o.reference_accuracy.has_value() ? std::string("--reference-accuracy") : reference_source)
        .add("branches", profiles.branches())
        .add("categories", profiles.categories())
        .add("contention_levels", profiles.contention_levels())
        .add("remote", profiles.has_remote() ? profiles.remote().name : std::string())
        .add("transition_costs", profiles.has_transition_costs());
    std::puts(head.str().c_str());

    if (!o.scenario.empty()) {
        // The branch each scenario label marks in the profile's optional `scenario` column.
        const ok::io::csv_table raw = ok::io::read_csv_file(o.profile, "offloadkit-approx");
        for (const auto name : scenario_names) {
            if (o.scenario != "all" && o.scenario != name) {
                continue;
            }
            const auto r = *requirement_of(name, reference);
            const std::string labelled = okx::scenario_label(raw, name);
            if (r.type == ok::approx_requirement::kind::offload && !profiles.has_remote()) {
                continue;  // no remote executor in this profile
            }
            for (std::size_t k = 0; k < profiles.categories(); ++k) {
                for (std::size_t m = 0; m < profiles.contention_levels(); ++m) {
                    const auto d = scheduler.decide(k, m, r);
                    ok::io::json_object line;
                    line.add("scenario", name).add("requirement", kind_name(r.type));
                    if (r.type == ok::approx_requirement::kind::min_accuracy) {
                        line.add("min_accuracy", ok::io::for_people(r.value, 6));
                    } else if (r.type != ok::approx_requirement::kind::offload) {
                        line.add("max_latency_ms",
                                 ms(r.type == ok::approx_requirement::kind::frame_interval ? so.frame_interval : r.value));
                    }
                    line.add("category", k)
                        .add("contention", m);
                    add_decision(line, profiles, d);
                    if (!labelled.empty()) {
                        const std::string chosen = d.offload ? profiles.remote().name : profiles.name(d.branch);
                        line.add("profile_label", labelled).add("agrees_with_label", chosen == labelled);
                    }
                    std::puts(line.str().c_str());
                }
            }
        }
    }

    if (!o.events.empty()) {
        const ok::io::csv_table ev = ok::io::read_csv_file(o.events, "offloadkit-approx");
        const std::size_t c_edge = ev.column("edge_value");
        const auto c_req = ev.find_column("requirement");
        const auto c_obs = ev.find_column("observed_latency_ms");
        const auto c_cont = ev.find_column("contention");
        ok::detail::require(!(c_obs.has_value() && c_cont.has_value()), "offloadkit-approx",
                            "the events have both 'observed_latency_ms' and 'contention' columns, expected one");
        const ok::complexity_categories categories(o.boundaries);
        ok::contention_estimator rce(profiles, o.window);
        for (std::size_t row = 0; row < ev.rows(); ++row) {
            const double edge = ev.number(row, c_edge);
            const std::string req_text = c_req.has_value() ? ev.cell(row, *c_req) : std::string();
            const auto r = requirement_of(req_text, reference);
            ok::detail::require(r.has_value(), "offloadkit-approx", "line ", ev.line_of(row), ": requirement '",
                                req_text, "' is not HH, MM, LL, RT, HH-Offload, offload, min_accuracy=A or max_latency_ms=X");
            const std::size_t k = categories.category(edge);
            const std::size_t m = rce.level();
            const auto d = scheduler.step(k, m, *r);
            ok::io::json_object line;
            line.add("event", row)
                .add("edge_value", edge)
                .add("category", k)
                .add("contention", m)
                .add("requirement", req_text.empty() ? std::string("RT") : req_text);
            add_decision(line, profiles, d);
            line.add("transition_cost_ms", ms(d.transition_cost));
            std::optional<double> observed;  // seconds
            if (c_obs.has_value()) {
                observed = ok::io::ms_to_seconds(ev.number(row, *c_obs));
            } else if (c_cont.has_value()) {
                const double c = ev.number(row, *c_cont);
                ok::detail::require(c >= 0 && c < static_cast<double>(profiles.contention_levels()) && c == std::floor(c),
                                    "offloadkit-approx", "line ", ev.line_of(row), ": contention ", c,
                                    " is not a level of the profile (0..", profiles.contention_levels() - 1, ")");
                const auto level = static_cast<std::size_t>(c);
                observed = d.offload ? profiles.remote().latency[level] : profiles.latency(level, d.branch);
            }
            if (observed.has_value()) {
                line.add("observed_latency_ms", ms(*observed));
                if (!d.offload) {
                    rce.observe(d.branch, *observed);
                }
            }
            std::puts(line.str().c_str());
        }
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        bool help = false;
        const options o = parse_args(argc, argv, help);
        if (help) {
            std::fputs(usage, stdout);
            return 0;
        }
        return run(o);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 2;
    }
}
