// offloadkit-profile-approx — measures the approximation branches of an ApproxNet-style network on
// this machine (issue 17 §2) and writes the branch profile CSV the scheduler reads
// (docs/approx-profile-format.md). Needs the onnx backend (OpenCV dnn) and Debian's
// dataset-fashion-mnist.
// offloadkit-backend: onnx
//
// Stages (a progress line on stderr each, JSON lines on stdout):
//  1. the branches (examples/models/approxnet/branches.csv, or --model PATH[=NAME] ...) and the
//     first --frames Fashion-MNIST test frames (held out from training; the live run uses others);
//  2. latency of every branch at every contention level (ApproxNet §4.4) in interleaved rounds
//     (ok::measure_latencies), the levels made by ok::contention_generator (ApproxNet §5.7
//     bubbles; ok::contention_levels(): none, low, medium, high), wall time of single-frame calls
//     as the executor reports it;
//  3. switching cost between every ordered pair of branches at no contention (§4.6, Fig. 14;
//     ok::measure_switching_costs);
//  4. the scheduler's own overheads the pipeline charges to a frame (§5.8): a scene check
//     (ok::scene_change_detector) and a categorization (ok::mean_edge_value);
//  5. every branch's answer on every frame (ok::branch_correctness), the complexity categories
//     and per-category accuracy learned on them (ok::learn_complexity_categories, §4.4);
//  6. the files: PREFIX.csv (the profile, --latency-statistic: p99 by default), PREFIX_estimator.csv
//     (the same with mean latencies, for the contention estimator), PREFIX_transitions.csv, PREFIX_setup.csv (key,value:
//     category boundaries, overheads, how it was measured), and with --compare OLD.csv, how much
//     the latencies moved against OLD and whether the Pareto frontiers are the same.
#include <offloadkit/approx/profile_csv.hpp>
#include <offloadkit/approx/profiler.hpp>
#include <offloadkit/approx/scheduler.hpp>
#include <offloadkit/io/json.hpp>
#include <offloadkit/kernels/complexity.hpp>
#include <offloadkit/kernels/scene_change.hpp>
#include <offloadkit/runtime/contention_generator.hpp>

#include "common/approxnet_branches.hpp"
#include "common/cli.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace ok = offloadkit;
namespace okx = offloadkit::examples;
namespace cli = offloadkit::examples::cli;

namespace {

const char* const tool = "offloadkit-profile-approx";
const char* const usage =
    "usage: offloadkit-profile-approx [options]\n"
    "  --branches FILE     branch list CSV (branch,file) (default examples/models/approxnet/branches.csv)\n"
    "  --model PATH[=NAME] a branch model (repeatable; replaces --branches); input [1,1,s,s], gray, x/255\n"
    "  --data-dir DIR      Fashion-MNIST files (default /usr/share/datasets/fashion-mnist)\n"
    "  --frames N          held-out test frames for accuracy and categories (default 5000, at most 5000)\n"
    "  --levels LIST       contention levels, from none,low,medium,high (default all four)\n"
    "  --rounds N --calls N --warmup N   latency stage (default 20, 25, 3)\n"
    "  --latency-statistic mean|median|p90|p95|p99   the number per (level, branch) in the profile (default p99)\n"
    "  --fps F             pace the timed calls as a stream at F frames/s (default 2000; 0 = back to back)\n"
    "  --switch-reps N     repetitions per ordered pair in the switching stage (default 5)\n"
    "  --max-depth D --min-samples N     category learner (default 3, 200)\n"
    "  --quick             a tiny run for tests: 100 frames, levels none,low, 1 round of 2 calls, 1 switch rep\n"
    "  --compare FILE      an earlier profile: report how far the latencies moved and whether the frontiers agree\n"
    "  --out PREFIX        writes PREFIX.csv, PREFIX_estimator.csv, PREFIX_transitions.csv, PREFIX_setup.csv\n"
    "                      (default approx_profile)\n";

void progress(const std::string& s) { std::fprintf(stderr, "%s: %s\n", tool, s.c_str()); }

struct settings {
    std::string branches = okx::default_approxnet_dir() + "/branches.csv";
    std::vector<std::string> models;
    std::string data_dir = okx::default_fashion_mnist_dir;
    std::size_t frames = 5000;
    std::vector<std::string> levels{"none", "low", "medium", "high"};
    ok::latency_profile_options lat{.rounds = 20, .calls = 25, .warmup = 3};
    std::size_t switch_reps = 5;
    std::string statistic = "p99";
    double fps = 2000.0;
    std::size_t max_depth = 3, min_samples = 200;
    std::string compare;
    std::string out = "approx_profile";
};

settings parse(int argc, char** argv) {
    settings s;
    cli::arg_reader args(argc, argv);
    const std::vector<std::string> known{"--branches", "--model",  "--data-dir",    "--frames",    "--levels",
                                         "--rounds",   "--calls",  "--warmup",      "--switch-reps", "--max-depth",
                                         "--min-samples", "--quick", "--compare",   "--out", "--latency-statistic", "--fps"};
    while (args.next()) {
        const std::string& f = args.flag();
        if (f == "--help" || f == "-h") {
            std::fputs(usage, stdout);
            std::exit(0);
        } else if (f == "--branches") {
            s.branches = args.value();
        } else if (f == "--model") {
            s.models.push_back(args.value());
        } else if (f == "--data-dir") {
            s.data_dir = args.value();
        } else if (f == "--frames") {
            s.frames = cli::whole(f, args.value(), 1, okx::approx_live_first_frame);
        } else if (f == "--levels") {
            s.levels.clear();
            for (const auto& item : cli::split_list(args.value())) {
                s.levels.push_back(cli::choice(f, item, {"none", "low", "medium", "high"}));
            }
            if (s.levels.empty()) {
                throw cli::usage_error("--levels: empty list");
            }
        } else if (f == "--rounds") {
            s.lat.rounds = cli::whole(f, args.value(), 1, 1000);
        } else if (f == "--calls") {
            s.lat.calls = cli::whole(f, args.value(), 1, 100000);
        } else if (f == "--warmup") {
            s.lat.warmup = cli::whole(f, args.value(), 0, 1000);
        } else if (f == "--latency-statistic") {
            s.statistic = cli::choice(f, args.value(), {"mean", "median", "p90", "p95", "p99"});
        } else if (f == "--fps") {
            s.fps = cli::number_in(f, args.value(), 0.0, 1e6, "fps");
        } else if (f == "--switch-reps") {
            s.switch_reps = cli::whole(f, args.value(), 1, 1000);
        } else if (f == "--max-depth") {
            s.max_depth = cli::whole(f, args.value(), 0, 10);
        } else if (f == "--min-samples") {
            s.min_samples = cli::whole(f, args.value(), 1, 100000);
        } else if (f == "--quick") {
            args.no_value();
            s.frames = 100;
            s.levels = {"none", "low"};
            s.lat = {.rounds = 1, .calls = 2, .warmup = 1};
            s.switch_reps = 1;
            s.min_samples = 20;
        } else if (f == "--compare") {
            s.compare = args.value();
        } else if (f == "--out") {
            s.out = args.value();
            cli::require_writable(f, s.out + ".csv");
        } else {
            cli::unknown_flag(f, known);
        }
    }
    return s;
}

std::string frontier_text(const std::vector<std::size_t>& f, const std::vector<std::string>& names) {
    std::string out = "[";
    for (std::size_t i = 0; i < f.size(); ++i) {
        if (i) {
            out += ',';
        }
        ok::io::append_json_string(out, names[f[i]]);
    }
    return out + "]";
}

template <class F>
double median_seconds(F&& f, std::size_t reps) {
    std::vector<double> t;
    for (std::size_t i = 0; i < reps; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        f(i);
        t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(t.begin(), t.end());
    return t[(t.size() - 1) / 2];
}

int run(const settings& s) {
    const double load0 = okx::load_average();
    const auto wall0 = std::chrono::steady_clock::now();
    // ---- stage 1 ----
    progress("stage 1/6: loading the branches and the Fashion-MNIST test frames (load average " +
             std::to_string(load0) + ")");
    okx::approx_branch_set set = okx::load_approx_branches(s.branches, s.models, s.models.empty() ? "--branches" : "--model");
    const std::size_t B = set.names.size();
    const okx::fashion_test_set test = okx::load_fashion_test(s.data_dir);
    const std::size_t N = std::min(s.frames, test.images.count);
    std::vector<ok::image_view> frames;
    std::vector<std::size_t> labels;
    for (std::size_t i = 0; i < N; ++i) {
        frames.push_back(test.frame(i));
        labels.push_back(test.labels[i]);
    }
    std::vector<float> logits(set.executor.num_classes());
    std::size_t cursor = 0;
    // Calls are paced as frames of a stream at --fps (0: back to back), as offloadkit-approx-live
    // delivers them: a thread that sleeps between frames meets the scheduler and the caches
    // differently from one that never yields.
    const auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(s.fps > 0.0 ? 1.0 / s.fps : 0.0));
    auto due = std::chrono::steady_clock::now();
    auto run_branch = [&](std::size_t b) {
        if (s.fps > 0.0) {
            std::this_thread::sleep_until(due);
            due = std::max(due + interval, std::chrono::steady_clock::now());
        }
        const double t = set.executor.run(frames[cursor], b, logits);
        cursor = (cursor + 1) % N;
        return t;
    };

    // ---- stage 2 ----
    const std::size_t M = s.levels.size();
    progress("stage 2/6: latency of " + std::to_string(B) + " branches at " + std::to_string(M) +
             " contention levels, " + std::to_string(s.lat.rounds) + " interleaved rounds x " +
             std::to_string(s.lat.calls) + " calls");
    ok::contention_generator gen;
    std::vector<std::size_t> rounds_done;
    const ok::latency_samples lat = ok::measure_latencies(
        B, M, run_branch,
        [&](std::size_t m) {
            gen.set(ok::contention_level(s.levels[m]));
            (void)gen.wait_running();
        },
        s.lat, [&](std::size_t r) { progress("  round " + std::to_string(r + 1) + "/" + std::to_string(s.lat.rounds)); });
    gen.stop();
    for (std::size_t m = 0; m < M; ++m) {
        const ok::contention_setting cs = ok::contention_level(s.levels[m]);
        for (std::size_t b = 0; b < B; ++b) {
            std::puts(ok::io::json_object{}
                          .add("stage", "latency")
                          .add("level", m)
                          .add("contention", cs.name)
                          .add("bubbles", cs.threads)
                          .add("bubble_bytes", cs.bytes)
                          .add("duty", cs.duty)
                          .add("branch", set.names[b])
                          .add("median_ms", 1e3 * lat.median(m, b))
                          .add("p10_ms", 1e3 * lat.quantile(m, b, 0.1))
                          .add("p90_ms", 1e3 * lat.quantile(m, b, 0.9))
                          .add("p95_ms", 1e3 * lat.quantile(m, b, 0.95))
                          .add("p99_ms", 1e3 * lat.quantile(m, b, 0.99))
                          .add("mean_ms", 1e3 * lat.mean(m, b))
                          .add("samples", lat.samples(m, b).size())
                          .str()
                          .c_str());
        }
    }

    // ---- stage 3 ----
    progress("stage 3/6: switching cost of " + std::to_string(B * (B - 1)) + " ordered pairs x " +
             std::to_string(s.switch_reps) + " (no contention)");
    const std::vector<double> switching = ok::measure_switching_costs(B, run_branch, s.switch_reps, 2);
    {
        std::vector<double> off;
        for (std::size_t p = 0; p < B * B; ++p) {
            if (p / B != p % B) {
                off.push_back(switching[p]);
            }
        }
        std::sort(off.begin(), off.end());
        std::puts(ok::io::json_object{}
                      .add("stage", "switching")
                      .add("pairs", off.size())
                      .add("median_ms", off.empty() ? 0.0 : 1e3 * off[(off.size() - 1) / 2])
                      .add("max_ms", off.empty() ? 0.0 : 1e3 * off.back())
                      .str()
                      .c_str());
    }

    // ---- stage 4 ----
    progress("stage 4/6: the scheduler's overheads (scene check, categorization)");
    ok::scene_change_detector scd(ok::scene_change_options{.interval = 1});
    const std::size_t reps = std::min<std::size_t>(N, 200);
    const double scene_cost = median_seconds([&](std::size_t i) { (void)scd.step(frames[i]); }, reps);
    double sink = 0.0;
    const double edge_cost = median_seconds([&](std::size_t i) { sink += ok::mean_edge_value(frames[i]); }, reps);
    std::puts(ok::io::json_object{}
                  .add("stage", "overheads")
                  .add("scene_check_ms", 1e3 * scene_cost)
                  .add("categorize_ms", 1e3 * edge_cost)
                  .add("checksum", sink > 0.0)
                  .str()
                  .c_str());

    // ---- stage 5 ----
    progress("stage 5/6: accuracy of every branch on " + std::to_string(N) +
             " held-out frames, complexity categories (ApproxNet §4.4)");
    const std::vector<std::uint8_t> correct = ok::branch_correctness<ok::image_view>(
        set.executor, std::span<const ok::image_view>(frames), std::span<const std::size_t>(labels), B);
    std::vector<double> edge(N);
    for (std::size_t i = 0; i < N; ++i) {
        edge[i] = ok::mean_edge_value(frames[i]);
    }
    const ok::latency_statistic stat = s.statistic == "mean"     ? ok::latency_statistic::mean
                                       : s.statistic == "median" ? ok::latency_statistic::median
                                       : s.statistic == "p90"    ? ok::latency_statistic::p90
                                       : s.statistic == "p99"    ? ok::latency_statistic::p99
                                                                 : ok::latency_statistic::p95;
    std::vector<double> lat0(B);
    for (std::size_t b = 0; b < B; ++b) {
        lat0[b] = lat.statistic(0, b, stat);
    }
    ok::category_learner_options lopt;
    lopt.max_depth = s.max_depth;
    lopt.min_samples = s.min_samples;
    const ok::learned_categories learned = ok::learn_complexity_categories(edge, correct, lat0, lopt);
    ok::branch_profiles profiles = ok::make_branch_profiles(set.names, learned, lat, stat);
    profiles.set_transition_costs(switching);
    const std::size_t K = learned.categories.count();
    for (std::size_t k = 0; k < K; ++k) {
        std::vector<double> acc(B);
        for (std::size_t b = 0; b < B; ++b) {
            acc[b] = profiles.accuracy(k, b);
        }
        std::puts(ok::io::json_object{}
                      .add("stage", "categories")
                      .add("category", k)
                      .add("lower_edge", k == 0 ? *std::min_element(edge.begin(), edge.end())
                                                : learned.categories.boundaries()[k - 1])
                      .add("upper_edge", k + 1 == K ? *std::max_element(edge.begin(), edge.end())
                                                    : learned.categories.boundaries()[k])
                      .add("samples", learned.samples[k])
                      .add("accuracy", acc)
                      .str()
                      .c_str());
    }
    const ok::branch_scheduler sched(profiles);
    for (std::size_t k = 0; k < K; ++k) {
        for (std::size_t m = 0; m < M; ++m) {
            std::puts(ok::io::json_object{}
                          .add("stage", "frontier")
                          .add("category", k)
                          .add("level", m)
                          .add_raw("branches", frontier_text(sched.frontier(k, m), set.names))
                          .str()
                          .c_str());
        }
    }

    // ---- stage 6 ----
    const double load1 = okx::load_average();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    progress("stage 6/6: writing " + s.out + ".csv, " + s.out + "_estimator.csv, " + s.out + "_transitions.csv, " +
             s.out + "_setup.csv");
    std::string head = "# ApproxNet branch profile measured by offloadkit-profile-approx (docs/approx-live.md)\n";
    head += "# levels:";
    for (const auto& l : s.levels) {
        head += " " + l;
    }
    head += "; latency statistic " + s.statistic + "; frames " + std::to_string(N) + "; rounds " + std::to_string(s.lat.rounds) + " x calls " +
            std::to_string(s.lat.calls) + "; load average " + std::to_string(load0) + " -> " +
            std::to_string(load1) + "\n";
    {
        std::ofstream f(s.out + ".csv");
        f << head << ok::format_branch_profiles(profiles);
        if (!f) {
            throw cli::usage_error("--out: cannot write '" + s.out + ".csv'");
        }
    }
    {
        // the same accuracy with the mean latencies: what the contention estimator compares its
        // window mean with (ApproxNet §4.3; approx_pipeline_options::estimator_latency)
        std::ofstream f(s.out + "_estimator.csv");
        f << "# mean latencies of the same measurement, for the contention estimator (ApproxNet §4.3)\n"
          << ok::format_branch_profiles(ok::make_branch_profiles(set.names, learned, lat, ok::latency_statistic::mean));
    }
    {
        std::ofstream f(s.out + "_transitions.csv");
        f << ok::format_transition_costs(profiles);
    }
    {
        std::ofstream f(s.out + "_setup.csv");
        f << "key,value\n";
        for (std::size_t k = 0; k + 1 < K; ++k) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.17g", learned.categories.boundaries()[k]);
            f << "boundary[" << k << "]," << buf << "\n";
        }
        for (std::size_t k = 0; k < K; ++k) {
            f << "samples[" << k << "]," << learned.samples[k] << "\n";
        }
        f << "scene_check_cost_s," << scene_cost << "\ncategorize_cost_s," << edge_cost << "\n";
        f << "latency_statistic," << s.statistic << "\n";
        f << "fps," << s.fps << "\n";
        f << "frames," << N << "\nrounds," << s.lat.rounds << "\ncalls," << s.lat.calls << "\n";
        for (std::size_t m = 0; m < M; ++m) {
            f << "level[" << m << "]," << s.levels[m] << "\n";
        }
        f << "load_average_start," << load0 << "\nload_average_end," << load1 << "\nseconds," << seconds << "\n";
    }
    ok::io::json_object done;
    done.add("stage", "write")
        .add("out", s.out + ".csv")
        .add("branches", B)
        .add("categories", K)
        .add("levels", M)
        .add("boundaries", std::vector<double>(learned.categories.boundaries().begin(), learned.categories.boundaries().end()))
        .add("seconds", seconds)
        .add("load_average_start", load0)
        .add("load_average_end", load1);

    // ---- comparison with an earlier profile ----
    if (!s.compare.empty()) {
        const ok::branch_profiles old = ok::read_branch_profiles(s.compare);
        if (old.names() != profiles.names() || old.contention_levels() != M) {
            throw cli::usage_error("--compare: '" + s.compare + "' has other branches or levels than this run");
        }
        std::vector<double> moves;
        for (std::size_t m = 0; m < M; ++m) {
            for (std::size_t b = 0; b < B; ++b) {
                moves.push_back(std::fabs(profiles.latency(m, b) / old.latency(m, b) - 1.0));
            }
        }
        std::sort(moves.begin(), moves.end());
        std::size_t same = 0, total = 0;
        if (old.categories() == K) {
            const ok::branch_scheduler old_sched(old);
            for (std::size_t k = 0; k < K; ++k) {
                for (std::size_t m = 0; m < M; ++m) {
                    ++total;
                    same += old_sched.frontier(k, m) == sched.frontier(k, m) ? 1 : 0;
                }
            }
        }
        done.add("compare", s.compare)
            .add("latency_change_median", moves[(moves.size() - 1) / 2])
            .add("latency_change_p90", moves[static_cast<std::size_t>(0.9 * static_cast<double>(moves.size() - 1))])
            .add("latency_change_max", moves.back())
            .add("frontiers_compared", total)
            .add("frontiers_same", same)
            .add("same_categories", old.categories() == K);
    }
    std::puts(done.str().c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return cli::guarded_main({tool, usage}, [&] { return run(parse(argc, argv)); });
}
