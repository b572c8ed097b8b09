// offloadkit-amvp-run — executes an AMVP placement (issue 18 §3): the placement MinMaxCost computes
// (AMVP §IV-C, Algorithm 1-2) from the measured profile runs across one worker process per device,
// each part of a split CNN under its compute share (cgroup cpu.max / cfs quota, or a duty-cycle
// throttle), features crossing devices as split messages (quantized with ok::quantize when the
// planner says eq. 5 pays) over loopback TCP (split_link_sender -> tcp_server), optionally shaped by
// tc tbf in a network namespace. Fashion-MNIST test frames go through it; per task the measured
// latency, throughput and accuracy are printed beside the prediction (JSON lines on stdout, a
// table on stderr). --change-at re-plans mid-run (AMVP's adaptation); --kill-worker-at SIGKILLs a
// worker (its tasks' frames are reported failed, none lost).
// offloadkit-backend: onnx
// offloadkit-backend: tcp
//
// The library does the work (this file parses arguments and prints): amvp_execute_phase and
// amvp_worker_main (backends/tcp/amvp_executor.hpp: worker processes, part hosting, links with one
// transfer per destination device, frame driving, recording), amvp_onnx_part_loader
// (backends/onnx/amvp_parts.hpp: the ONNX parts), amvp_deploy / amvp_run_recorder / amvp_repredict
// (multitask/deployment.hpp), amvp_shape_links / amvp_run_in_netns (tc tbf, network namespace).
#include <offloadkit/backends/onnx.hpp>
#include <offloadkit/backends/onnx/amvp_parts.hpp>
#include <offloadkit/backends/tcp/amvp_executor.hpp>
#include <offloadkit/io/csv.hpp>
#include <offloadkit/io/json.hpp>
#include <offloadkit/multitask/deployment.hpp>
#include <offloadkit/multitask/minmax_cost.hpp>
#include <offloadkit/multitask/part_host.hpp>
#include <offloadkit/multitask/problem_csv.hpp>
#include <offloadkit/runtime/cpu_share.hpp>
#include <offloadkit/runtime/split_path.hpp>

#include "common/amvp_report.hpp"
#include "common/cli.hpp"
#include "common/idx.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include <unistd.h>

namespace ok = offloadkit;
namespace okx = offloadkit::examples;
namespace cli = offloadkit::examples::cli;

namespace {

const char* const tool = "offloadkit-amvp-run";
const char* const usage =
    "usage: offloadkit-amvp-run [options]\n"
    "  --problem PATH          AMVP problem CSV (default examples/data/amvp_fashion_measured.csv)\n"
    "  --tasks LIST            only these tasks (default: all)\n"
    "  --compute DEVICE=U      a device's available share U_k, repeatable\n"
    "  --bandwidth-mbps B      every link's bandwidth\n"
    "  --accuracy-goal A --latency-goal-ms L --throughput-goal T   every task's goals\n"
    "  --frames F              Fashion-MNIST test frames to run (default 200): the first half of each\n"
    "                          phase one at a time (latency), the second back to back (throughput)\n"
    "  --shares MODE           auto (cgroup2 if usable, else duty), cgroup2, cgroup1 or duty (default auto)\n"
    "  --netns                 run inside a new network namespace, links shaped by tc tbf (root;\n"
    "                          exit 77 with the reason when that is not possible here)\n"
    "  --change-at F:compute:DEVICE=U | F:bandwidth:MBPS   change and re-plan before frame F\n"
    "  --kill-worker-at F:DEVICE   SIGKILL DEVICE's worker when frame F is sent\n"
    "  --check-in-process      also run the same parts in this process and compare every label\n"
    "  --allow-over-memory     run even if a device's parts exceed its memory R_k (flagged)\n"
    "  --models DIR --data-dir DIR   models (examples/models/amvp) and Fashion-MNIST files\n"
    "  --seed S                genetic algorithm seed\n";
const std::size_t frame_bytes = 28 * 28;

ok::image_preprocess gray28() {
    ok::image_preprocess p;
    p.height = 28;
    p.width = 28;
    p.channels = 1;
    return p;
}

ok::amvp_part_loader onnx_parts() { return ok::amvp_onnx_part_loader(gray28(), {28, 28, ok::pixel_format::gray}); }

struct change {
    std::size_t frame = 0;
    std::string what;  // compute or bandwidth
    std::string device;
    double value = 0.0;
};

struct settings {
    std::string problem = std::string(OFFLOADKIT_EXAMPLES_DIR) + "/data/amvp_fashion_measured.csv";
    std::string models = std::string(OFFLOADKIT_EXAMPLES_DIR) + "/models/amvp";
    std::string data_dir = okx::default_fashion_mnist_dir;
    std::vector<std::string> tasks;
    std::vector<std::pair<std::string, double>> compute;
    std::optional<double> bandwidth_mbps, accuracy, latency_ms, throughput;
    std::size_t frames = 200;
    std::string shares = "auto";
    bool netns = false, check = false, allow_over_memory = false;
    std::string netns_inner;
    std::optional<change> change_at;
    std::optional<std::pair<std::size_t, std::string>> kill_at;
    std::uint64_t seed = 1;
};

std::pair<std::string, double> device_value(std::string_view flag, const std::string& text) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
        throw cli::usage_error(std::string(flag) + ": '" + text + "', expected DEVICE=U");
    }
    return {text.substr(0, eq), cli::number_in(flag, text.substr(eq + 1), 0.0, 1.0)};
}

settings parse(int argc, char** argv) {
    settings s;
    cli::arg_reader args(argc, argv);
    const std::vector<std::string> known{"--problem", "--tasks", "--compute", "--bandwidth-mbps", "--accuracy-goal",
                                         "--latency-goal-ms", "--throughput-goal", "--frames", "--shares", "--netns",
                                         "--change-at", "--kill-worker-at", "--check-in-process",
                                         "--allow-over-memory", "--models", "--data-dir", "--seed"};
    while (args.next()) {
        const std::string& f = args.flag();
        if (f == "--help" || f == "-h") {
            std::fputs(usage, stdout);
            std::exit(0);
        } else if (f == "--problem") {
            s.problem = args.value();
        } else if (f == "--models") {
            s.models = args.value();
        } else if (f == "--data-dir") {
            s.data_dir = args.value();
        } else if (f == "--tasks") {
            s.tasks = cli::split_list(args.value());
        } else if (f == "--compute") {
            s.compute.push_back(device_value(f, args.value()));
        } else if (f == "--bandwidth-mbps") {
            s.bandwidth_mbps = cli::number_in(f, args.value(), 0.0, 1e6, "Mbps", cli::bound::open);
        } else if (f == "--accuracy-goal") {
            s.accuracy = cli::number_in(f, args.value(), 0.0, 1.0, "", cli::bound::open);
        } else if (f == "--latency-goal-ms") {
            s.latency_ms = cli::number_in(f, args.value(), 0.0, 1e9, "ms", cli::bound::open);
        } else if (f == "--throughput-goal") {
            s.throughput = cli::number_in(f, args.value(), 0.0, 1e9, "fps", cli::bound::open);
        } else if (f == "--frames") {
            s.frames = cli::whole(f, args.value(), 2, 10000);
        } else if (f == "--shares") {
            s.shares = cli::choice(f, args.value(), {"auto", "cgroup2", "cgroup1", "duty"});
        } else if (f == "--netns") {
            s.netns = true;
        } else if (f == "--netns-inner") {
            s.netns_inner = args.value();
        } else if (f == "--check-in-process") {
            s.check = true;
        } else if (f == "--allow-over-memory") {
            s.allow_over_memory = true;
        } else if (f == "--seed") {
            s.seed = cli::whole(f, args.value());
        } else if (f == "--change-at") {
            const std::string v = args.value();
            const auto c1 = v.find(':');
            const auto c2 = c1 == std::string::npos ? c1 : v.find(':', c1 + 1);
            if (c2 == std::string::npos) {
                throw cli::usage_error("--change-at: '" + v + "', expected F:compute:DEVICE=U or F:bandwidth:MBPS");
            }
            change c;
            c.frame = cli::whole(f, v.substr(0, c1), 1, 10000);
            c.what = cli::choice(f, v.substr(c1 + 1, c2 - c1 - 1), {"compute", "bandwidth"});
            if (c.what == "compute") {
                std::tie(c.device, c.value) = device_value(f, v.substr(c2 + 1));
            } else {
                c.value = cli::number_in(f, v.substr(c2 + 1), 0.0, 1e6, "Mbps", cli::bound::open);
            }
            s.change_at = c;
        } else if (f == "--kill-worker-at") {
            const std::string v = args.value();
            const auto c1 = v.find(':');
            if (c1 == std::string::npos) {
                throw cli::usage_error("--kill-worker-at: '" + v + "', expected F:DEVICE");
            }
            s.kill_at = std::pair{static_cast<std::size_t>(cli::whole(f, v.substr(0, c1), 0, 10000)), v.substr(c1 + 1)};
        } else {
            cli::unknown_flag(f, known);
        }
    }
    if (s.change_at && s.change_at->frame >= s.frames) {
        throw cli::usage_error("--change-at: frame " + std::to_string(s.change_at->frame) + " is not below --frames " +
                               std::to_string(s.frames));
    }
    return s;
}

std::size_t device_index(const ok::amvp_problem& pb, const std::string& name, std::string_view flag) {
    for (std::size_t k = 0; k < pb.devices.size(); ++k) {
        if (pb.devices[k].name == name) {
            return k;
        }
    }
    std::vector<std::string> names;
    for (const auto& d : pb.devices) {
        names.push_back(d.name);
    }
    (void)cli::choice(flag, name, names);
    return 0;
}

/// (candidate, split layer) -> part 1 / part 2 (or whole) ONNX files, from profile/parts.csv.
std::map<std::pair<std::string, int>, std::pair<std::string, std::string>> read_parts(const std::string& models) {
    const auto t = ok::io::read_csv_file(models + "/profile/parts.csv", "parts.csv");
    const auto cc = t.column("candidate"), cl = t.column("layer"), c1 = t.column("part1"), c2 = t.column("part2");
    std::map<std::pair<std::string, int>, std::pair<std::string, std::string>> m;
    for (std::size_t r = 0; r < t.rows(); ++r) {
        m[{t.cell(r, cc), static_cast<int>(t.number(r, cl))}] = {models + "/" + t.cell(r, c1),
                                                                   t.cell(r, c2).empty() ? "" : models + "/" + t.cell(r, c2)};
    }
    return m;
}

int run(const settings& s, char* self) {
    ok::amvp_problem pb = ok::read_amvp_problem(s.problem);
    if (!s.tasks.empty()) {
        std::vector<ok::amvp_task> kept;
        for (const auto& name : s.tasks) {
            bool found = false;
            for (const auto& t : pb.tasks) {
                if (t.name == name) {
                    kept.push_back(t);
                    found = true;
                }
            }
            if (!found) {
                std::vector<std::string> names;
                for (const auto& t : pb.tasks) {
                    names.push_back(t.name);
                }
                (void)cli::choice("--tasks", name, names);
            }
        }
        pb.tasks = kept;
    }
    for (auto& t : pb.tasks) {
        if (s.accuracy) t.goal.accuracy = *s.accuracy;
        if (s.latency_ms) t.goal.latency = *s.latency_ms / 1e3;
        if (s.throughput) t.goal.throughput = *s.throughput;
    }
    if (s.bandwidth_mbps) {
        ok::amvp_set_bandwidth(pb, *s.bandwidth_mbps);
    }
    for (const auto& [name, u] : s.compute) {
        pb.devices[device_index(pb, name, "--compute")].compute = u;
    }
    ok::amvp_validate(pb);
    const auto files = read_parts(s.models);
    const auto labels_csv = ok::io::read_csv_file(s.models + "/profile/test_labels.csv", "test_labels.csv");
    const auto images = okx::parse_idx_images(okx::read_gzip_file(s.data_dir + "/t10k-images-idx3-ubyte.gz"),
                                              "t10k-images-idx3-ubyte.gz");
    const std::size_t F = std::min({s.frames, images.count, labels_csv.rows()});
    const std::size_t S = pb.tasks.size();
    std::vector<std::vector<std::size_t>> truth(S);
    for (std::size_t t = 0; t < S; ++t) {
        const auto col = labels_csv.column(pb.tasks[t].name);
        for (std::size_t i = 0; i < F; ++i) {
            truth[t].push_back(static_cast<std::size_t>(labels_csv.number(i, col)));
        }
    }

    // share mechanism
    std::string mode = s.shares, share_note;
    if (mode == "auto" || mode == "cgroup2" || mode == "cgroup1") {
        const auto m = mode == "cgroup1" ? ok::cpu_share_mechanism::cgroup1 : ok::cpu_share_mechanism::cgroup2;
        const auto root = ok::find_cgroup_cpu(m);
        if (root.available()) {
            mode = m == ok::cpu_share_mechanism::cgroup1 ? "cgroup1" : "cgroup2";
        } else if (mode == "auto") {
            mode = "duty";
            share_note = "cgroup2 unusable: " + root.why;
        } else {
            throw cli::usage_error("--shares " + mode + ": " + root.why);
        }
    }
    // links
    const bool shaped = !s.netns_inner.empty();
    std::string shaping = "unshaped loopback (no --netns)";
    if (shaped) {
        const std::string err = ok::amvp_shape_links(pb, true);
        if (!err.empty()) {
            throw std::runtime_error("cannot shape the links: " + err);
        }
        shaping = "tc tbf per destination device (htb + u32) in network namespace " + s.netns_inner + " (loopback MTU 1500)";
    }
    {
        ok::io::json_object j;
        j.add("event", "setup").add("frames", F).add("tasks", S).add("shares", ok::mechanism_name(
            mode == "duty" ? ok::cpu_share_mechanism::duty_cycle
                           : mode == "cgroup1" ? ok::cpu_share_mechanism::cgroup1 : ok::cpu_share_mechanism::cgroup2));
        if (!share_note.empty()) {
            j.add("shares_note", share_note);
        }
        j.add("links", shaping);
        std::puts(j.str().c_str());
        std::fflush(stdout);
    }

    ok::minmax_cost_options ga;
    ga.seed = s.seed;
    std::vector<std::pair<std::size_t, std::size_t>> phases{{0, F}};
    if (s.change_at) {
        phases = {{0, s.change_at->frame}, {s.change_at->frame, F}};
    }
    ok::amvp_run_recorder rec(S, F);
    bool all_within = true;
    int exit_code = 0;
    std::vector<std::string> table;
    for (std::size_t ph = 0; ph < phases.size(); ++ph) {
        if (ph > 0) {
            const auto& c = *s.change_at;
            ok::amvp_change ch;
            ch.what = c.what == "compute" ? ok::amvp_change::kind::compute : ok::amvp_change::kind::bandwidth;
            ch.device = c.what == "compute" ? device_index(pb, c.device, "--change-at") : 0;
            ch.value = c.value;
            const std::string err = ok::amvp_apply_change(pb, ch, shaped);
            if (!err.empty()) {
                throw std::runtime_error("cannot re-shape the links: " + err);
            }
            std::puts(ok::io::json_object{}
                          .add("event", "change")
                          .add("frame", c.frame)
                          .add("what", c.what)
                          .add("device", c.device)
                          .add("value", c.value)
                          .str()
                          .c_str());
        }
        const auto t0 = std::chrono::steady_clock::now();
        const auto plan = ok::minmax_cost_solve(pb, ga);
        const double solve_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        for (auto row : okx::amvp_task_rows("amvp", pb, plan, pb)) {
            row.add("event", "placement").add("phase", ph);
            std::puts(row.str().c_str());
        }
        std::puts(okx::amvp_summary("amvp", plan, solve_ms).add("event", "plan").add("phase", ph).str().c_str());
        std::fflush(stdout);
        if (!plan.feasible) {
            std::fprintf(stderr, "%s: phase %zu: no feasible placement\n", tool, ph);
            return 1;
        }
        const auto dep = ok::amvp_deploy(pb, plan.choices);
        for (const auto& m : dep.over_budget) {
            std::fprintf(stderr, "%s: memory budget exceeded: %s\n", tool, m.c_str());
        }
        if (!dep.over_budget.empty() && !s.allow_over_memory) {
            std::fprintf(stderr, "%s: refusing to run (--allow-over-memory runs it flagged)\n", tool);
            return 1;
        }
        // ---- the library runs the phase: workers, links, frames, recording ----
        ok::amvp_executor_options eo;
        eo.shares = mode;
        eo.bits = pb.codec.bits > 0 ? pb.codec.bits : 8;
        eo.shaped = shaped;
        eo.worker_argv = {self, "--worker"};
        eo.frame_bytes = frame_bytes;
        if (s.kill_at) {
            eo.kill_at = std::pair{s.kill_at->first, device_index(pb, s.kill_at->second, "--kill-worker-at")};
        }
        ok::amvp_phase_observer obs;
        obs.on_worker = [&](const ok::amvp_worker_report& w) {
            ok::io::json_object j;
            j.add("event", "worker").add("phase", ph).add("device", pb.devices[w.device].name).add("pid", w.pid)
                .add("shares", w.mechanism).add("planned_memory_bytes", dep.memory_used[w.device])
                .add("memory_budget_bytes", pb.devices[w.device].memory).add("rss_growth_kb", w.rss_growth_kb)
                .add("planned_share", dep.share_used[w.device]).add("compute_available", pb.devices[w.device].compute);
            std::puts(j.str().c_str());
        };
        obs.on_kill = [&](std::size_t f, std::size_t) {
            std::puts(ok::io::json_object{}.add("event", "killed").add("frame", f).add("device", s.kill_at->second)
                          .str().c_str());
        };
        const auto specs = ok::amvp_part_specs(pb, dep, [&](const std::string& cand, int layer) {
            return files.at({cand, layer});
        });
        const auto [from, to] = phases[ph];
        const auto out = ok::amvp_execute_phase(
            pb, dep, specs, rec, from, to,
            [&](std::size_t f) { return std::span<const std::uint8_t>(images.image(f), frame_bytes); }, eo, obs);
        if (!out.error.empty()) {
            std::fprintf(stderr, "%s: %s\n", tool, out.error.c_str());
            return 1;
        }
        // ---- per part: the CPU time of one call beside the profile's l, and the wall time beside l / u ----
        std::vector<double> part_cpu(dep.parts.size(), std::numeric_limits<double>::quiet_NaN());
        for (const auto& u : out.parts) {
            const auto& p = dep.parts[u.part];
            part_cpu[u.part] = u.cpu_seconds / u.calls;
            const char* kind = p.kind == ok::amvp_part_kind::first    ? "first"
                               : p.kind == ok::amvp_part_kind::second ? "second"
                                                                      : "whole";
            std::puts(ok::io::json_object{}
                          .add("event", "part")
                          .add("phase", ph)
                          .add("part", u.part)
                          .add("kind", kind)
                          .add("device", pb.devices[p.device].name)
                          .add("layer", p.layer)
                          .add("share", p.share)
                          .add("calls", u.calls)
                          .add("profile_cpu_ms", p.latency * 1e3)
                          .add("cpu_ms", 1e3 * u.cpu_seconds / u.calls)
                          .add("predicted_wall_ms", p.latency / p.share * 1e3)
                          .add("wall_ms", 1e3 * u.wall_seconds / u.calls)
                          .str()
                          .c_str());
        }
        // ---- per task: measured beside predicted ----
        for (std::size_t t = 0; t < S; ++t) {
            const auto m = rec.measure(t, truth[t], pb.tasks[t].goal, from, to);
            const auto& o = plan.evaluation.tasks[t];
            const auto cmp = ok::amvp_compare(m, o);
            const double lat_err = cmp.latency_error, thr_err = cmp.throughput_error;
            const bool within = cmp.within;
            // eq. 7 and 8 again with the CPU time each part took in this run instead of the profile's l:
            // separates the execution (shares, links, processes) from the profile's drift under load
            const auto re = ok::amvp_repredict(dep, t, part_cpu, o.wire_time);  // the parts' CPU includes the codec
            const double re_lat = re.latency, re_thr = re.throughput;
            all_within = all_within && within;
            ok::io::json_object j;
            j.add("event", "task").add("phase", ph).add("task", pb.tasks[t].name)
                .add("frames", m.frames).add("answered", m.ok).add("failed", m.failed)
                .add("predicted_latency_ms", o.latency * 1e3).add("latency_ms", m.latency_mean * 1e3)
                .add("latency_median_ms", m.latency_median * 1e3).add("latency_p95_ms", m.latency_p95 * 1e3)
                .add("latency_error", lat_err)
                .add("predicted_throughput_fps", o.throughput).add("throughput_fps", m.throughput)
                .add("throughput_error", thr_err)
                .add("repredicted_latency_ms", re_lat * 1e3).add("repredicted_throughput_fps", re_thr)
                .add("predicted_accuracy", o.accuracy).add("accuracy", m.accuracy)
                .add("predicted_cost", o.cost).add("cost", m.cost).add("within_25pct", within);
            std::puts(j.str().c_str());
            char buf[256];
            std::snprintf(buf, sizeof buf,
                          "%5zu  %-8s %9.3f %9.3f %+6.0f%% %9.3f %9.0f %9.0f %+6.0f%% %9.0f %7.3f %7.3f %6zu %6zu", ph,
                          pb.tasks[t].name.c_str(), o.latency * 1e3, m.latency_mean * 1e3, 100 * lat_err, re_lat * 1e3,
                          o.throughput, m.throughput, 100 * thr_err, re_thr, o.accuracy, m.accuracy, m.ok, m.failed);
            table.emplace_back(buf);
        }
        std::fflush(stdout);
    }

    // ---- the same parts in this process, frame by frame (the final placement's routes) ----
    std::size_t mismatches = 0;
    std::vector<double> in_process_accuracy(S, 0.0);
    if (s.check) {
        const auto plan = ok::minmax_cost_solve(pb, ga);
        const auto dep = ok::amvp_deploy(pb, plan.choices);
        const std::size_t from = phases.back().first;
        std::vector<float> features;
        std::vector<std::byte> wire;
        for (std::size_t t = 0; t < S; ++t) {
            const auto& r = dep.tasks[t];
            const auto& p1 = dep.parts[r.first];  // a shared part 1 is named by the first task it feeds
            const auto& cand = pb.tasks[p1.tasks[0]].candidates[p1.candidate];
            const auto& f = files.at({cand.name, dep.parts[r.first].layer});
            ok::onnx_feature_extractor fe(ok::onnx_model::load(f.first), gray28());
            features.resize(fe.feature_count());
            std::optional<ok::split_receiver<ok::onnx_feature_inference>> rx;
            if (r.split()) {
                const auto& cand2 = pb.tasks[t].candidates[dep.parts[r.second].candidate];
                rx.emplace(ok::onnx_feature_inference(ok::onnx_model::load(files.at({cand2.name, dep.parts[r.second].layer}).second), fe));
            }
            std::size_t correct = 0, n = 0;
            for (std::size_t i = from; i < F; ++i) {
                const ok::image_view img{{images.image(i), frame_bytes}, 28, 28, ok::pixel_format::gray, 0};
                (void)fe.extract(img, features);
                std::size_t label = 0;
                if (rx) {
                    ok::amvp_encode_split(features, r.compressed, pb.codec.bits > 0 ? pb.codec.bits : 8, i, wire);
                    label = rx->receive(wire).label;
                } else {
                    label = static_cast<std::size_t>(std::max_element(features.begin(), features.end()) - features.begin());
                }
                ++n;
                correct += label == truth[t][i] ? 1 : 0;
                if (rec.state_of(t, i) == ok::amvp_run_recorder::state::answered && rec.label_of(t, i) != label) {
                    if (std::getenv("OKAMVP_DEBUG") != nullptr) {
                        std::fprintf(stderr, "mismatch task %zu frame %zu: run %zu, in-process %zu\n", t, i,
                                     rec.label_of(t, i), label);
                    }
                    ++mismatches;
                }
            }
            in_process_accuracy[t] = n > 0 ? static_cast<double>(correct) / static_cast<double>(n) : 0.0;
            const auto m = rec.measure(t, truth[t], pb.tasks[t].goal, from, F);
            std::puts(ok::io::json_object{}
                          .add("event", "in_process")
                          .add("task", pb.tasks[t].name)
                          .add("frames", n)
                          .add("in_process_accuracy", in_process_accuracy[t])
                          .add("accuracy", m.accuracy)
                          .add("answered", m.ok)
                          .str()
                          .c_str());
        }
    }
    std::size_t answered = 0, failed = 0;
    for (std::size_t t = 0; t < S; ++t) {
        for (std::size_t f = 0; f < F; ++f) {
            const auto st = rec.state_of(t, f);
            answered += st == ok::amvp_run_recorder::state::answered ? 1 : 0;
            failed += st == ok::amvp_run_recorder::state::failed ? 1 : 0;
        }
    }
    ok::io::json_object sum;
    sum.add("event", "summary").add("frames", F).add("tasks", S).add("pairs", F * S).add("answered", answered)
        .add("failed", failed).add("lost", F * S - answered - failed).add("duplicates", rec.duplicates())
        .add("accounted", rec.all_accounted() && answered + failed == F * S).add("within_25pct", all_within);
    if (s.check) {
        sum.add("label_mismatches", mismatches);
    }
    std::puts(sum.str().c_str());
    std::fprintf(stderr, "phase  task     pred L ms meas L ms  error  re-pred L  pred fps  meas fps  error  re-pred  pred A  meas A     ok failed\n");
    for (const auto& row : table) {
        std::fprintf(stderr, "%s\n", row.c_str());
    }
    std::fprintf(stderr, "shares: %s; links: %s\n", mode.c_str(), shaping.c_str());
    if (!rec.all_accounted() || answered + failed != F * S) {
        std::fprintf(stderr, "%s: frames lost: %zu of %zu (task, frame) pairs never ended\n", tool,
                     F * S - answered - failed, F * S);
        exit_code = 1;
    }
    return exit_code;
}

/// --netns: this tool again inside a fresh network namespace (ok::amvp_run_in_netns; loopback at
/// MTU 1500, since tbf drops packets above its burst) with --netns-inner NAME.
int run_in_netns(int argc, char** argv) {
    if (::geteuid() != 0) {
        std::fprintf(stderr, "%s: --netns needs root (network namespaces and tc need CAP_NET_ADMIN)\n", tool);
        return 77;
    }
    const std::string ns = "okamvp-" + std::to_string(::getpid());
    std::vector<std::string> args{std::filesystem::read_symlink("/proc/self/exe").string()};
    for (int i = 1; i < argc; ++i) {
        if (std::string_view(argv[i]) != "--netns") {
            args.emplace_back(argv[i]);
        }
    }
    args.emplace_back("--netns-inner");
    args.push_back(ns);
    const auto r = ok::amvp_run_in_netns(ns, args);
    if (!r.error.empty()) {
        std::fprintf(stderr, "%s: %s\n", tool, r.error.c_str());
    }
    return r.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 3 && std::string_view(argv[1]) == "--worker") {
        return ok::amvp_worker_main(std::atoi(argv[2]), onnx_parts());
    }
    return cli::guarded_main({tool, usage}, [&] {
        const settings s = parse(argc, argv);
        if (s.netns && s.netns_inner.empty()) {
            return run_in_netns(argc, argv);
        }
        return run(s, argv[0]);
    });
}
