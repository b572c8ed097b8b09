// offloadkit-amvp — AMVP's model selection and task assignment (AMVP §IV-C) on a problem read
// from CSV (docs/amvp-problem-format.md; default: the three-task example of Fig. 7b in
// examples/data/amvp_fig7b.csv). Prints, per strategy, one JSON object per task (model, split,
// devices, shares, accuracy, latency, throughput, cost) and one summary object.
//
// Strategies: amvp (Algorithm 1 + 2, minmax_cost_solve), pss (pure sharing: everything on one
// device, the best device), pos (pure offloading: no layer sharing), exact (minmax_cost_exact;
// small problems only). Flags change the goals, the bandwidth and device loads to reproduce the
// behaviours of Fig. 13-17; see docs/amvp-problem-format.md for example runs.
#include <offloadkit/io/json.hpp>
#include <offloadkit/kernels/quantize.hpp>
#include <offloadkit/multitask/minmax_cost.hpp>
#include <offloadkit/multitask/minmax_exact.hpp>
#include <offloadkit/multitask/problem_csv.hpp>

#include "common/amvp_report.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ok = offloadkit;
namespace okx = offloadkit::examples;

namespace {

const char* const usage =
    "usage: offloadkit-amvp [options]\n"
    "  --problem PATH           sectioned CSV file or directory of CSV tables\n"
    "                           (default: examples/data/amvp_fig7b.csv)\n"
    "  --strategy S             amvp (default), pss, pos, exact, or all (amvp, pss, pos)\n"
    "  --accuracy-goal A        set every task's accuracy goal (Fig. 13)\n"
    "  --alpha A --beta B --gamma G   set every task's weights (must sum to 1)\n"
    "  --latency-goal-ms L      set every task's latency goal (Fig. 15)\n"
    "  --throughput-goal T      set every task's throughput goal in frames/s (Fig. 14)\n"
    "  --bandwidth-mbps B       set every link's bandwidth (Fig. 17)\n"
    "  --compute DEVICE=U       available compute share of a device, repeatable (Fig. 16)\n"
    "  --feature-bits N         feature codec: features may cross links quantized to N bits when eq. 5\n"
    "                           says it pays (0 = always float32); overrides the problem's quantize_bits\n"
    "  --quantize-mb-per-s Q --dequantize-mb-per-s D   the codec's measured rates (MB of float32/s)\n"
    "  --seed S --population P --generations G   genetic algorithm settings\n";

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "offloadkit-amvp: %s\n%s", msg.c_str(), usage);
    std::exit(2);
}

double number(std::string_view flag, const char* text) {
    char* end = nullptr;
    const double v = std::strtod(text, &end);
    if (end == text || *end != '\0') {
        die(std::string(flag) + " expects a number, got '" + text + "'");
    }
    return v;
}

struct settings {
    std::string problem = std::string(OFFLOADKIT_EXAMPLES_DIR) + "/data/amvp_fig7b.csv";
    std::string strategy = "amvp";
    std::optional<double> accuracy, alpha, beta, gamma, latency_ms, throughput, bandwidth_mbps;
    std::vector<std::pair<std::string, double>> compute;
    std::optional<int> feature_bits;
    std::optional<double> quantize_mbps, dequantize_mbps;
    ok::minmax_cost_options ga;
};

settings parse(int argc, char** argv) {
    settings s;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--help" || a == "-h") {
            std::fputs(usage, stdout);
            std::exit(0);
        }
        if (i + 1 >= argc) {
            die("missing value after " + std::string(a));
        }
        const char* v = argv[++i];
        if (a == "--problem") {
            s.problem = v;
        } else if (a == "--strategy") {
            s.strategy = v;
        } else if (a == "--accuracy-goal") {
            s.accuracy = number(a, v);
        } else if (a == "--alpha") {
            s.alpha = number(a, v);
        } else if (a == "--beta") {
            s.beta = number(a, v);
        } else if (a == "--gamma") {
            s.gamma = number(a, v);
        } else if (a == "--latency-goal-ms") {
            s.latency_ms = number(a, v);
        } else if (a == "--throughput-goal") {
            s.throughput = number(a, v);
        } else if (a == "--bandwidth-mbps") {
            s.bandwidth_mbps = number(a, v);
        } else if (a == "--compute") {
            const std::string text = v;
            const auto eq = text.find('=');
            if (eq == std::string::npos) {
                die("--compute expects DEVICE=U, got '" + text + "'");
            }
            s.compute.emplace_back(text.substr(0, eq), number(a, text.c_str() + eq + 1));
        } else if (a == "--feature-bits") {
            s.feature_bits = static_cast<int>(number(a, v));
        } else if (a == "--quantize-mb-per-s") {
            s.quantize_mbps = number(a, v);
        } else if (a == "--dequantize-mb-per-s") {
            s.dequantize_mbps = number(a, v);
        } else if (a == "--seed") {
            s.ga.seed = static_cast<std::uint64_t>(number(a, v));
        } else if (a == "--population") {
            s.ga.population = static_cast<int>(number(a, v));
        } else if (a == "--generations") {
            s.ga.generations = static_cast<int>(number(a, v));
        } else {
            die("unknown option " + std::string(a));
        }
    }
    if (s.strategy != "amvp" && s.strategy != "pss" && s.strategy != "pos" && s.strategy != "exact" &&
        s.strategy != "all") {
        die("unknown strategy '" + s.strategy + "'");
    }
    return s;
}

void apply(const settings& s, ok::amvp_problem& pb) {
    for (auto& t : pb.tasks) {
        if (s.accuracy) t.goal.accuracy = *s.accuracy;
        if (s.alpha) t.goal.alpha = *s.alpha;
        if (s.beta) t.goal.beta = *s.beta;
        if (s.gamma) t.goal.gamma = *s.gamma;
        if (s.latency_ms) t.goal.latency = *s.latency_ms / 1e3;
        if (s.throughput) t.goal.throughput = *s.throughput;
    }
    const std::size_t K = pb.devices.size();
    if (s.bandwidth_mbps) {
        for (std::size_t a = 0; a < K; ++a) {
            for (std::size_t b = 0; b < K; ++b) {
                pb.bandwidth[a * K + b] = a == b ? 0.0 : *s.bandwidth_mbps * 1e6 / 8.0;
            }
        }
    }
    for (const auto& [name, u] : s.compute) {
        bool found = false;
        for (auto& d : pb.devices) {
            if (d.name == name) {
                d.compute = u;
                found = true;
            }
        }
        if (!found) {
            die("--compute: unknown device '" + name + "'");
        }
    }
    // the feature codec of eq. 5, costed inside placement (amvp_feature_codec)
    if (s.feature_bits) pb.codec.bits = *s.feature_bits;
    if (s.quantize_mbps) pb.codec.quantize_rate = *s.quantize_mbps * 1e6;
    if (s.dequantize_mbps) pb.codec.dequantize_rate = *s.dequantize_mbps * 1e6;
    if (pb.codec.bits > 0 && (pb.codec.quantize_rate <= 0.0 || pb.codec.dequantize_rate <= 0.0)) {
        die("--feature-bits " + std::to_string(pb.codec.bits) +
            " needs the codec's rates: --quantize-mb-per-s and --dequantize-mb-per-s (or the problem's settings)");
    }
    ok::amvp_validate(pb);
}

/// Pure offloading (POS): every task gets private copies of the base models, so no layer is shared.
ok::amvp_problem without_sharing(const ok::amvp_problem& pb) {
    ok::amvp_problem out = pb;
    out.bases.clear();
    for (std::size_t s = 0; s < pb.tasks.size(); ++s) {
        for (const auto& b : pb.bases) {
            out.bases.push_back(b);
        }
        for (auto& c : out.tasks[s].candidates) {
            c.base += s * pb.bases.size();
        }
    }
    return out;
}

void report(const std::string& strategy, const ok::amvp_problem& pb, const ok::minmax_cost_result& r, double ms,
            const ok::amvp_problem& shown) {
    for (const auto& row : okx::amvp_task_rows(strategy, pb, r, shown)) {
        std::puts(row.str().c_str());
    }
    std::puts(okx::amvp_summary(strategy, r, ms).str().c_str());
}

template <class F>
ok::minmax_cost_result timed(F f, double& ms) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = f();
    ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    const settings s = parse(argc, argv);
    try {
        ok::amvp_problem pb = ok::read_amvp_problem(s.problem);
        apply(s, pb);
        const bool all = s.strategy == "all";
        double ms = 0.0;
        if (all || s.strategy == "amvp") {
            const auto r = timed([&] { return ok::minmax_cost_solve(pb, s.ga); }, ms);
            report("amvp", pb, r, ms, pb);
        }
        if (all || s.strategy == "pss") {
            // pure sharing: the whole application on one device (the best one)
            ok::minmax_cost_result best;
            ok::amvp_problem best_pb;
            const auto t0 = std::chrono::steady_clock::now();
            for (std::size_t k = 0; k < pb.devices.size(); ++k) {
                auto one = pb;
                for (std::size_t d = 0; d < one.devices.size(); ++d) {
                    if (d != k) {
                        one.devices[d].compute = 0.0;
                    }
                }
                auto r = ok::minmax_cost_solve(one, s.ga);
                if (r.feasible && (!best.feasible || r.max_cost < best.max_cost)) {
                    best = std::move(r);
                    best_pb = std::move(one);
                }
            }
            ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            report("pss", best.feasible ? best_pb : pb, best, ms, pb);
        }
        if (all || s.strategy == "pos") {
            const auto nos = without_sharing(pb);
            const auto r = timed([&] { return ok::minmax_cost_solve(nos, s.ga); }, ms);
            report("pos", nos, r, ms, pb);
        }
        if (s.strategy == "exact") {
            const auto r = timed([&] { return ok::minmax_cost_exact(pb); }, ms);
            report("exact", pb, r, ms, pb);
        }
    } catch (const ok::invalid_argument& e) {
        std::fprintf(stderr, "offloadkit-amvp: %s\n", e.what());
        return 2;
    }
    return 0;
}
