// offloadkit-profile-amvp — measures the AMVP split CNNs of examples/models/amvp on this machine
// (issue 18 §2) and writes the AMVP problem CSV (docs/amvp-problem-format.md) that
// offloadkit-amvp reads. Needs the onnx backend (OpenCV dnn) and Debian's dataset-fashion-mnist.
// offloadkit-backend: onnx
//
// Stages (a progress line on stderr each, JSON lines on stdout):
//  1. read examples/models/amvp/profile/parts.csv and test_labels.csv (written by
//     make_profile_inputs.py from models.json) and the Fashion-MNIST test frames;
//  2. latency of every part (AMVP Fig. 10): median thread CPU time of --reps single-frame calls, one
//     OpenCV thread, i.e. the part at 100% of one core whatever else runs on the machine (the wall
//     time is reported beside it); memory of every part: the ONNX file (weights) plus its input and
//     output tensors (an estimate, not a measurement of the process);
//  3. feature bytes raw and quantized at every n of --bits (ok::quantized_wire_size), and the
//     codec's quantize and dequantize rates (thread CPU time of ok::quantize_to_wire and
//     deserialize + ok::dequantize on the real features at --codec-bits);
//  4. accuracy of every candidate at every split with its features quantized at n bits, and the
//     fidelity of eq. 4 against the unquantized chain (AMVP §V-B.3 picks n = 8);
//  5. the problem CSV: three tasks, the base model's split profile, every candidate with its
//     measured accuracy, --devices identical devices and all-to-all links, the codec settings.
#include <offloadkit/backends/onnx.hpp>
#include <offloadkit/io/csv.hpp>
#include <offloadkit/io/json.hpp>
#include <offloadkit/kernels/quantize.hpp>
#include <offloadkit/metrics/compression.hpp>
#include <offloadkit/runtime/cpu_share.hpp>

#include "common/cli.hpp"
#include "common/idx.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace ok = offloadkit;
namespace okx = offloadkit::examples;
namespace cli = offloadkit::examples::cli;

namespace {

const char* const tool = "offloadkit-profile-amvp";
const char* const usage =
    "usage: offloadkit-profile-amvp [options]\n"
    "  --models DIR          examples/models/amvp (default: the source tree's)\n"
    "  --data-dir DIR        Fashion-MNIST files (default /usr/share/datasets/fashion-mnist)\n"
    "  --frames N            test frames for the accuracy stage (default 1000)\n"
    "  --reps N              timed calls per part (default 50)\n"
    "  --share U             time each part under a duty-cycle throttle at share U of a core (default 1:\n"
    "                        back to back); l is then the CPU time per call of a part throttled to U\n"
    "  --bits LIST           quantizer widths for stages 3-4 (default 2,3,...,16)\n"
    "  --codec-bits N        the width written to the problem's settings (default 8; 0 = raw only)\n"
    "  --candidates LIST     only these candidates (default: all)\n"
    "  --devices N           identical devices in the problem (default 3)\n"
    "  --device-memory-mb M  memory of each device (default 1)\n"
    "  --bandwidth-mbps B    every link (default 50)\n"
    "  --accuracy-goal A --latency-goal-ms L --throughput-goal T   every task's goals (0.95, 1, 2000)\n"
    "  --out PATH            the problem CSV (default amvp_problem.csv)\n";

double cpu_now() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double wall_now() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

void progress(const std::string& s) { std::fprintf(stderr, "%s: %s\n", tool, s.c_str()); }

struct settings {
    std::string models = std::string(OFFLOADKIT_EXAMPLES_DIR) + "/models/amvp";
    std::string data_dir = okx::default_fashion_mnist_dir;
    std::size_t frames = 1000;
    std::size_t reps = 50;
    double share = 1.0;
    std::vector<int> bits{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    int codec_bits = 8;
    std::vector<std::string> candidates;
    std::size_t devices = 3;
    double device_memory_mb = 1.0;
    double bandwidth_mbps = 50.0;
    double accuracy_goal = 0.95, latency_goal_ms = 1.0, throughput_goal = 2000.0;
    std::string out = "amvp_problem.csv";
};

settings parse(int argc, char** argv) {
    settings s;
    cli::arg_reader args(argc, argv);
    const std::vector<std::string> known{"--models", "--data-dir", "--frames", "--reps", "--share", "--bits", "--codec-bits",
                                         "--candidates", "--devices", "--device-memory-mb", "--bandwidth-mbps",
                                         "--accuracy-goal", "--latency-goal-ms", "--throughput-goal", "--out"};
    while (args.next()) {
        const std::string& f = args.flag();
        if (f == "--help" || f == "-h") {
            std::fputs(usage, stdout);
            std::exit(0);
        } else if (f == "--models") {
            s.models = args.value();
        } else if (f == "--data-dir") {
            s.data_dir = args.value();
        } else if (f == "--frames") {
            s.frames = cli::whole(f, args.value(), 1, 10000);
        } else if (f == "--reps") {
            s.reps = cli::whole(f, args.value(), 1, 100000);
        } else if (f == "--share") {
            s.share = cli::number_in(f, args.value(), 0.0, 1.0, "", cli::bound::open);
        } else if (f == "--bits") {
            s.bits.clear();
            for (const auto& item : cli::split_list(args.value())) {
                s.bits.push_back(static_cast<int>(cli::whole(f, item, 1, 16)));
            }
        } else if (f == "--codec-bits") {
            s.codec_bits = static_cast<int>(cli::whole(f, args.value(), 0, 16));
        } else if (f == "--candidates") {
            s.candidates = cli::split_list(args.value());
        } else if (f == "--devices") {
            s.devices = cli::whole(f, args.value(), 1, 255);
        } else if (f == "--device-memory-mb") {
            s.device_memory_mb = cli::number_in(f, args.value(), 0.0, 1e9, "MB");
        } else if (f == "--bandwidth-mbps") {
            s.bandwidth_mbps = cli::number_in(f, args.value(), 0.0, 1e9, "Mbps", cli::bound::open);
        } else if (f == "--accuracy-goal") {
            s.accuracy_goal = cli::number_in(f, args.value(), 0.0, 1.0, "", cli::bound::open);
        } else if (f == "--latency-goal-ms") {
            s.latency_goal_ms = cli::number_in(f, args.value(), 0.0, 1e9, "ms", cli::bound::open);
        } else if (f == "--throughput-goal") {
            s.throughput_goal = cli::number_in(f, args.value(), 0.0, 1e9, "fps", cli::bound::open);
        } else if (f == "--out") {
            s.out = args.value();
            cli::require_writable(f, s.out);
        } else {
            cli::unknown_flag(f, known);
        }
    }
    return s;
}

struct part_row {
    std::string candidate, task, base, part1, part2;
    int frozen = 0, layer = 0;
    std::size_t feature_bytes = 0;
};

struct timing {
    double cpu_ms = 0.0, wall_ms = 0.0, memory_bytes = 0.0;
};

ok::image_preprocess gray28() {
    ok::image_preprocess p;
    p.height = 28;
    p.width = 28;
    p.channels = 1;
    return p;
}

std::size_t argmax(const std::vector<float>& v) {
    return static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

/// Memory estimate of a part: weights (the ONNX file) + its input and output tensors.
double memory_of(const std::string& path, const ok::onnx_model& m) {
    return static_cast<double>(std::filesystem::file_size(path)) +
           4.0 * static_cast<double>(m.input_size() + m.output_size());
}

int run(const settings& s) {
    // ---- stage 1 ----
    progress("stage 1/5: reading " + s.models + "/profile/*.csv and the Fashion-MNIST test frames");
    const auto parts_csv = ok::io::read_csv_file(s.models + "/profile/parts.csv", "parts.csv");
    std::vector<part_row> rows;
    {
        const auto& t = parts_csv;
        const auto cc = t.column("candidate"), ct = t.column("task"), cb = t.column("base"),
                   cf = t.column("frozen_layers"), cl = t.column("layer"), c1 = t.column("part1"),
                   c2 = t.column("part2"), cfb = t.column("feature_bytes");
        for (std::size_t r = 0; r < t.rows(); ++r) {
            part_row p{t.cell(r, cc), t.cell(r, ct), t.cell(r, cb), t.cell(r, c1), t.cell(r, c2),
                       static_cast<int>(t.number(r, cf)), static_cast<int>(t.number(r, cl)),
                       static_cast<std::size_t>(t.number(r, cfb))};
            if (s.candidates.empty() ||
                std::find(s.candidates.begin(), s.candidates.end(), p.candidate) != s.candidates.end()) {
                rows.push_back(p);
            }
        }
    }
    if (rows.empty()) {
        throw cli::usage_error("--candidates: none of the listed candidates is in parts.csv");
    }
    const auto labels_csv = ok::io::read_csv_file(s.models + "/profile/test_labels.csv", "test_labels.csv");
    const auto images = okx::parse_idx_images(okx::read_gzip_file(s.data_dir + "/t10k-images-idx3-ubyte.gz"),
                                              "t10k-images-idx3-ubyte.gz");
    const std::size_t N = std::min({s.frames, images.count, labels_csv.rows()});
    auto frame = [&](std::size_t i) {
        return ok::image_view{{images.image(i), 784}, 28, 28, ok::pixel_format::gray, 0};
    };
    std::map<std::string, std::vector<int>> labels;
    for (const auto& p : rows) {
        if (!labels.count(p.task)) {
            const auto col = labels_csv.column(p.task);
            auto& v = labels[p.task];
            for (std::size_t i = 0; i < N; ++i) {
                v.push_back(static_cast<int>(labels_csv.number(i, col)));
            }
        }
    }
    std::puts(ok::io::json_object{}.add("stage", "read").add("rows", rows.size()).add("frames", N).str().c_str());

    // ---- stage 2: latency and memory of every distinct part ----
    std::map<std::string, timing> parts;  // file -> timing
    std::map<std::string, std::string> input_of;  // part 2 file -> its part 1 file
    for (const auto& p : rows) {
        parts[p.part1];
        if (!p.part2.empty()) {
            parts[p.part2];
            input_of[p.part2] = p.part1;
        }
    }
    std::size_t done = 0;
    std::vector<float> features, logits;
    for (auto& [file, tm] : parts) {
        const std::string path = s.models + "/" + file;
        std::vector<double> cpu, wall;
        // --share: each call idles c (1 - u) / u after it, as the runtime's duty cycle does (eq. 7)
        ok::duty_cycle_throttle throttle(s.share);
        if (input_of.count(file)) {  // a part 2: fed with its part 1's features of frame 0
            ok::onnx_feature_extractor fe(ok::onnx_model::load(s.models + "/" + input_of[file]), gray28());
            features.resize(fe.feature_count());
            (void)fe.extract(frame(0), features);
            ok::onnx_feature_inference fi(ok::onnx_model::load(path), fe);
            logits.resize(fi.num_classes());
            tm.memory_bytes = memory_of(path, ok::onnx_model::load(path));
            for (std::size_t k = 0; k < s.reps + 3; ++k) {
                throttle.run([&] {
                    const double c0 = cpu_now(), w0 = wall_now();
                    (void)fi.infer(features, logits);
                    if (k >= 3) {
                        cpu.push_back(cpu_now() - c0);
                        wall.push_back(wall_now() - w0);
                    }
                });
            }
        } else {  // a part 1 or an unsplit model: frame -> output
            auto model = ok::onnx_model::load(path);
            tm.memory_bytes = memory_of(path, model);
            ok::onnx_feature_extractor fe(std::move(model), gray28());
            features.resize(fe.feature_count());
            for (std::size_t k = 0; k < s.reps + 3; ++k) {
                throttle.run([&] {
                    const double c0 = cpu_now(), w0 = wall_now();
                    (void)fe.extract(frame(k % N), features);
                    if (k >= 3) {
                        cpu.push_back(cpu_now() - c0);
                        wall.push_back(wall_now() - w0);
                    }
                });
            }
        }
        tm.cpu_ms = 1e3 * median(cpu);
        tm.wall_ms = 1e3 * median(wall);
        std::puts(ok::io::json_object{}
                      .add("stage", "latency")
                      .add("part", file)
                      .add("cpu_ms", tm.cpu_ms)
                      .add("wall_ms", tm.wall_ms)
                      .add("share", s.share)
                      .add("memory_bytes", tm.memory_bytes)
                      .str()
                      .c_str());
        if (++done % 10 == 0 || done == parts.size()) {
            progress("stage 2/5: latency and memory, " + std::to_string(done) + "/" + std::to_string(parts.size()) +
                     " parts");
        }
    }

    // ---- stage 3: feature sizes, codec rates ----
    progress("stage 3/5: feature bytes raw and quantized, codec rates");
    std::set<std::string> part1_files;
    for (const auto& p : rows) {
        if (!p.part2.empty()) {
            part1_files.insert(p.part1);
        }
    }
    double q_bytes = 0.0, q_cpu = 0.0, dq_cpu = 0.0;
    const int rate_bits = s.codec_bits > 0 ? s.codec_bits : 8;
    for (const auto& file : part1_files) {
        ok::onnx_feature_extractor fe(ok::onnx_model::load(s.models + "/" + file), gray28());
        features.resize(fe.feature_count());
        (void)fe.extract(frame(0), features);
        ok::io::json_object j;
        j.add("stage", "feature").add("part1", file).add("raw_bytes", 4 * features.size());
        std::vector<double> wire_bytes;
        for (const int b : s.bits) {
            wire_bytes.push_back(static_cast<double>(ok::quantized_wire_size(features.size(), b)));
        }
        j.add("bits", s.bits).add("quantized_bytes", wire_bytes);
        std::puts(j.str().c_str());
        std::vector<std::byte> wire(ok::quantized_wire_size(features.size(), rate_bits));
        std::vector<float> back(features.size());
        for (std::size_t k = 0; k < s.reps; ++k) {
            const double c0 = cpu_now();
            (void)ok::quantize_to_wire(features, rate_bits, wire);
            const double c1 = cpu_now();
            const auto qt = ok::quantized_tensor::deserialize(wire);
            ok::dequantize(qt, back);
            q_cpu += c1 - c0;
            dq_cpu += cpu_now() - c1;
            q_bytes += 4.0 * static_cast<double>(features.size());
        }
    }
    const double q_rate = q_cpu > 0.0 ? q_bytes / q_cpu : 0.0;
    const double dq_rate = dq_cpu > 0.0 ? q_bytes / dq_cpu : 0.0;
    std::puts(ok::io::json_object{}
                  .add("stage", "codec")
                  .add("bits", rate_bits)
                  .add("quantize_mb_per_s", q_rate / 1e6)
                  .add("dequantize_mb_per_s", dq_rate / 1e6)
                  .str()
                  .c_str());

    // ---- stage 4: accuracy with features quantized at n bits ----
    std::map<std::string, double> accuracy;  // candidate -> unsplit (raw) accuracy
    std::map<int, double> worst_fidelity, worst_loss;
    done = 0;
    for (const auto& p : rows) {
        const auto& y = labels.at(p.task);
        ok::io::json_object j;
        j.add("stage", "accuracy").add("candidate", p.candidate).add("layer", p.layer);
        if (p.part2.empty()) {
            ok::onnx_classifier whole(ok::onnx_model::load(s.models + "/" + p.part1), gray28());
            logits.resize(whole.num_classes());
            std::size_t right = 0;
            for (std::size_t i = 0; i < N; ++i) {
                (void)whole.infer(frame(i), logits);
                right += static_cast<int>(argmax(logits)) == y[i] ? 1 : 0;
            }
            accuracy[p.candidate] = static_cast<double>(right) / static_cast<double>(N);
            j.add("accuracy", accuracy[p.candidate]);
        } else {
            ok::onnx_feature_extractor fe(ok::onnx_model::load(s.models + "/" + p.part1), gray28());
            ok::onnx_feature_inference fi(ok::onnx_model::load(s.models + "/" + p.part2), fe);
            features.resize(fe.feature_count());
            logits.resize(fi.num_classes());
            std::vector<float> back(features.size());
            std::vector<std::size_t> raw(N);
            std::vector<std::vector<std::size_t>> quant(s.bits.size(), std::vector<std::size_t>(N));
            std::vector<std::byte> wire;
            for (std::size_t i = 0; i < N; ++i) {
                (void)fe.extract(frame(i), features);
                (void)fi.infer(features, logits);
                raw[i] = argmax(logits);
                for (std::size_t b = 0; b < s.bits.size(); ++b) {
                    wire.resize(ok::quantized_wire_size(features.size(), s.bits[b]));
                    (void)ok::quantize_to_wire(features, s.bits[b], wire);
                    ok::dequantize(ok::quantized_tensor::deserialize(wire), back);
                    (void)fi.infer(back, logits);
                    quant[b][i] = argmax(logits);
                }
            }
            auto acc = [&](const std::vector<std::size_t>& c) {
                std::size_t right = 0;
                for (std::size_t i = 0; i < N; ++i) {
                    right += static_cast<int>(c[i]) == y[i] ? 1 : 0;
                }
                return static_cast<double>(right) / static_cast<double>(N);
            };
            const double a_raw = acc(raw);
            std::vector<double> a_q, fid;
            for (std::size_t b = 0; b < s.bits.size(); ++b) {
                a_q.push_back(acc(quant[b]));
                fid.push_back(ok::fidelity(raw, quant[b]));
                const int n = s.bits[b];
                worst_fidelity[n] = worst_fidelity.count(n) ? std::min(worst_fidelity[n], fid.back()) : fid.back();
                worst_loss[n] = std::max(worst_loss.count(n) ? worst_loss[n] : 0.0, a_raw - a_q.back());
            }
            j.add("accuracy", a_raw).add("bits", s.bits).add("accuracy_quantized", a_q).add("fidelity", fid);
        }
        std::puts(j.str().c_str());
        if (++done % 10 == 0 || done == rows.size()) {
            progress("stage 4/5: accuracy, " + std::to_string(done) + "/" + std::to_string(rows.size()) +
                     " (candidate, split) rows, " + std::to_string(N) + " frames each");
        }
    }
    int smallest_faithful = 0;  // the smallest n whose worst fidelity is >= 0.99
    for (const auto& [n, f] : worst_fidelity) {
        std::puts(ok::io::json_object{}
                      .add("stage", "bits")
                      .add("bits", n)
                      .add("worst_fidelity", f)
                      .add("worst_accuracy_loss", worst_loss[n])
                      .str()
                      .c_str());
        if (smallest_faithful == 0 && f >= 0.99) {
            smallest_faithful = n;
        }
    }

    // ---- stage 5: the problem CSV ----
    progress("stage 5/5: writing " + s.out);
    // the base model's split profile: the candidate whose part 1 is the shared base part at every split
    std::map<int, const part_row*> base_rows;
    for (const auto& p : rows) {
        if (p.frozen == 5 && !base_rows.count(p.layer)) {
            base_rows[p.layer] = &p;
        }
    }
    if (base_rows.empty()) {
        for (const auto& p : rows) {
            if (!base_rows.count(p.layer)) {
                base_rows[p.layer] = &p;
            }
        }
    }
    std::ostringstream o;
    o << "# AMVP problem measured by offloadkit-profile-amvp on this machine (" << N << " frames, " << s.reps
      << " timed calls per part; latencies: median thread CPU time, one OpenCV thread, timed at share " << s.share
      << ")\n";
    o << "[tasks]\ntask,accuracy_goal,latency_goal_ms,throughput_goal_fps,alpha,beta,gamma\n";
    std::set<std::string> tasks;
    for (const auto& p : rows) {
        if (tasks.insert(p.task).second) {
            o << p.task << "," << s.accuracy_goal << "," << s.latency_goal_ms << "," << s.throughput_goal
              << ",0.6,0.2,0.2\n";
        }
    }
    o << "[devices]\ndevice,compute,memory_mb\n";
    for (std::size_t k = 0; k < s.devices; ++k) {
        o << "P" << k + 1 << ",1," << s.device_memory_mb << "\n";
    }
    o << "[links]\nfrom,to,bandwidth_mbps\n*,*," << s.bandwidth_mbps << "\n";
    const std::string base = rows.front().base;
    int layers = 0;
    for (const auto& [l, p] : base_rows) {
        layers = std::max(layers, l);
    }
    o << "[models]\nmodel,layers\n" << base << "," << layers << "\n";
    o << "[splits]\nmodel,layer,device,p1_latency_ms,p2_latency_ms,p1_memory_mb,p2_memory_mb,feature_kb\n";
    o.precision(6);
    for (const auto& [l, p] : base_rows) {
        const auto& t1 = parts.at(p->part1);
        o << base << "," << l << ",*," << t1.cpu_ms << ",";
        if (p->part2.empty()) {
            o << "0," << t1.memory_bytes / 1e6 << ",0,0\n";
        } else {
            const auto& t2 = parts.at(p->part2);
            o << t2.cpu_ms << "," << t1.memory_bytes / 1e6 << "," << t2.memory_bytes / 1e6 << ","
              << static_cast<double>(p->feature_bytes) / 1e3 << "\n";
        }
    }
    o << "[candidates]\ntask,candidate,model,frozen_layers,accuracy\n";
    for (const auto& p : rows) {
        if (p.part2.empty()) {
            o << p.task << "," << p.candidate << "," << p.base << "," << p.frozen << "," << accuracy[p.candidate]
              << "\n";
        }
    }
    o << "[settings]\nkey,value\nshare_steps,10\n";
    if (s.codec_bits > 0) {
        o << "quantize_bits," << s.codec_bits << "\nquantize_mb_per_s," << q_rate / 1e6 << "\ndequantize_mb_per_s,"
          << dq_rate / 1e6 << "\n";
    }
    std::ofstream f(s.out);
    f << o.str();
    f.close();
    if (!f) {
        throw cli::usage_error("--out: cannot write '" + s.out + "'");
    }
    std::puts(ok::io::json_object{}
                  .add("stage", "write")
                  .add("out", s.out)
                  .add("smallest_bits_with_fidelity_0_99", smallest_faithful)
                  .str()
                  .c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return cli::guarded_main({tool, usage}, [&] { return run(parse(argc, argv)); });
}
