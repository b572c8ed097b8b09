#ifndef OFFLOADKIT_TESTS_SUPPORT_AMVP_INSTANCES_HPP
#define OFFLOADKIT_TESTS_SUPPORT_AMVP_INSTANCES_HPP

// Seeded random MSTA instances (AMVP §IV-C) for the multitask tests and benchmark: small ones
// for the exact solver and brute force, and the AMVP-scale one of the issue (3 tasks, 4 devices,
// 2 base models x 10 frozen options x 17 split points). Profiles follow the shapes of AMVP
// Fig. 9-10: part-1 latency grows linearly with the split block, memory sits at the back, the
// feature shrinks with depth, resNet50V2 is slower and more accurate than mobileNetV2.

#include <offloadkit/detail/random.hpp>
#include <offloadkit/multitask/problem.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace offloadkit::test_instances {

/// A hand-sized instance for the deployment and executor tests: one base "b" of 3 layers split
/// after layer 1 or unsplit; two tasks "A" and "B" whose candidates froze 2 layers (so part 1 at
/// layer 1 is shareable, AMVP §IV-A); two devices "D0" and "D1" (memory of D1 `memory1`).
inline amvp_problem two_task_shared_instance(double memory1 = 1000.0) {
    amvp_problem pb;
    pb.devices = {{"D0", 1.0, 1000.0}, {"D1", 1.0, memory1}};
    pb.bandwidth = {0.0, 1e6, 1e6, 0.0};
    amvp_base_model b;
    b.name = "b";
    b.layers = 3;
    amvp_split s1;
    s1.layer = 1;
    s1.first = {{0.01, 0.01}, {}, 100.0};
    s1.second = {{0.02, 0.02}, {}, 200.0};
    s1.feature_bytes = 1000.0;
    amvp_split whole;
    whole.layer = 3;
    whole.first = {{0.03, 0.03}, {}, 300.0};
    b.splits = {s1, whole};
    pb.bases = {b};
    for (const char* name : {"A", "B"}) {
        amvp_task t;
        t.name = name;
        t.goal = task_goal{0.9, 1.0, 10.0, 0.4, 0.3, 0.3};
        t.candidates = {{std::string(name) + "/f2", 0, 2, 0.9}};
        pb.tasks.push_back(t);
    }
    return pb;
}

/// Shape of a small random instance.
struct small_shape {
    std::size_t max_tasks = 3;
    std::size_t max_devices = 3;
    std::size_t max_candidates = 4;
    std::size_t max_real_splits = 2;  // split points besides the unsplit model
    int share_steps = 4;
};

/// Profile of base model `b` split after `layer` of `layers`, on `devices` devices with speeds.
inline amvp_split make_split(int layer, int layers, double total_latency, double total_memory, double input_feature,
                             const std::vector<double>& speed) {
    amvp_split sp;
    sp.layer = layer;
    const double f = static_cast<double>(layer) / layers;
    for (const double v : speed) {
        sp.first.latency.push_back(total_latency * f / v);
        if (layer < layers) {
            sp.second.latency.push_back(total_latency * (1.0 - f) / v);
        }
    }
    sp.first.memory = total_memory * (0.05 + 0.95 * f * f);
    if (layer < layers) {
        sp.second.memory = total_memory * (1.0 - f * f) * 0.95 + 0.05 * total_memory;
        sp.feature_bytes = input_feature * std::pow(0.5, 6.0 * f);
    }
    return sp;
}

/// A small random instance: 1..max_tasks tasks, 1..max_devices devices, 1..max_candidates
/// candidates per task over 1-2 base models.
inline amvp_problem random_small(std::uint64_t seed, const small_shape& shape = {}) {
    detail::rng g(seed);
    amvp_problem pb;
    pb.share_steps = shape.share_steps;
    const std::size_t K = 1 + g.below(shape.max_devices);
    std::vector<double> speed;
    for (std::size_t k = 0; k < K; ++k) {
        amvp_device d;
        d.name = "M" + std::to_string(k + 1);
        const std::uint64_t u = 2 + g.below(static_cast<std::uint64_t>(shape.share_steps - 1));  // >= 2 steps
        d.compute = static_cast<double>(u) / shape.share_steps;
        d.memory = g.uniform(60e6, 200e6);
        pb.devices.push_back(d);
        speed.push_back(g.uniform(0.7, 1.5));
    }
    pb.bandwidth.assign(K * K, 0.0);
    for (std::size_t a = 0; a < K; ++a) {
        for (std::size_t b = a + 1; b < K; ++b) {
            const double mbps = g.uniform(1.0, 60.0);
            pb.bandwidth[a * K + b] = pb.bandwidth[b * K + a] = mbps * 1e6 / 8;
        }
    }
    const std::size_t bases = 1 + g.below(2);
    for (std::size_t b = 0; b < bases; ++b) {
        amvp_base_model base;
        base.name = b == 0 ? "mobileNetV2" : "resNet50V2";
        base.layers = b == 0 ? 20 : 30;
        const double latency = b == 0 ? g.uniform(0.08, 0.25) : g.uniform(0.3, 0.9);
        const double memory = b == 0 ? g.uniform(15e6, 40e6) : g.uniform(60e6, 110e6);
        const double feature = g.uniform(0.2e6, 1.5e6);
        const std::size_t real = 1 + g.below(shape.max_real_splits);
        std::vector<int> layers;
        while (layers.size() < real) {
            const int l = 1 + static_cast<int>(g.below(static_cast<std::uint64_t>(base.layers - 1)));
            if (std::find(layers.begin(), layers.end(), l) == layers.end()) {
                layers.push_back(l);
            }
        }
        std::sort(layers.begin(), layers.end());
        for (const int l : layers) {
            base.splits.push_back(make_split(l, base.layers, latency, memory, feature, speed));
        }
        base.splits.push_back(make_split(base.layers, base.layers, latency, memory, feature, speed));
        pb.bases.push_back(base);
    }
    const std::size_t S = 1 + g.below(shape.max_tasks);
    for (std::size_t s = 0; s < S; ++s) {
        amvp_task t;
        t.name = "task" + std::to_string(s);
        const double a = g.uniform(0.1, 0.8);
        const double b = g.uniform(0.0, 1.0 - a);
        t.goal = {.accuracy = g.uniform(0.8, 0.95),
                  .latency = g.uniform(0.15, 1.2),
                  .throughput = g.uniform(1.0, 6.0),
                  .alpha = a,
                  .beta = b,
                  .gamma = 1.0 - a - b};
        const std::size_t C = 1 + g.below(shape.max_candidates);
        for (std::size_t c = 0; c < C; ++c) {
            amvp_candidate cd;
            cd.base = g.below(bases);
            cd.frozen_layers = static_cast<int>(g.below(static_cast<std::uint64_t>(pb.bases[cd.base].layers)));
            cd.accuracy = (cd.base == 0 ? 0.62 : 0.7) + g.uniform(0.0, 0.22);
            cd.name = pb.bases[cd.base].name + "/" + std::to_string(cd.frozen_layers);
            t.candidates.push_back(cd);
        }
        pb.tasks.push_back(t);
    }
    return pb;
}

/// The AMVP-scale instance: GenderNet, EmotionNet and AgeNet (Fig. 7b) on four phones, two base
/// models with 10 frozen-layer options each and 17 split points (16 real splits + unsplit).
inline amvp_problem amvp_scale(std::uint64_t seed = 1) {
    detail::rng g(seed);
    amvp_problem pb;
    pb.share_steps = 10;
    const std::size_t K = 4;
    std::vector<double> speed;
    for (std::size_t k = 0; k < K; ++k) {
        pb.devices.push_back({"M" + std::to_string(k + 1), 1.0, 3.0e9});
        speed.push_back(1.0);
    }
    pb.bandwidth.assign(K * K, 50e6 / 8);
    const char* names[2] = {"mobileNetV2", "resNet50V2"};
    const int layer_counts[2] = {155, 190};
    const double latency[2] = {0.16, 0.85};
    const double memory[2] = {14e6, 98e6};
    const double feature[2] = {1.6e6, 3.2e6};
    for (int b = 0; b < 2; ++b) {
        amvp_base_model base;
        base.name = names[b];
        base.layers = layer_counts[b];
        for (int i = 1; i <= 16; ++i) {
            base.splits.push_back(make_split(i * (base.layers - 10) / 16, base.layers, latency[b], memory[b], feature[b], speed));
        }
        base.splits.push_back(make_split(base.layers, base.layers, latency[b], memory[b], feature[b], speed));
        pb.bases.push_back(base);
    }
    const char* tasks[3] = {"GenderNet", "EmotionNet", "AgeNet"};
    const double peak[3] = {0.93, 0.74, 0.70};
    for (int s = 0; s < 3; ++s) {
        amvp_task t;
        t.name = tasks[s];
        t.goal = {.accuracy = 0.9, .latency = 1.0, .throughput = 1.0, .alpha = 0.8, .beta = 0.1, .gamma = 0.1};
        for (std::size_t b = 0; b < 2; ++b) {
            for (int f = 0; f < 10; ++f) {
                amvp_candidate cd;
                cd.base = b;
                cd.frozen_layers = f * (layer_counts[b] - 10) / 9;
                // accuracy first rises then falls with frozen layers (Fig. 9)
                const double x = f / 9.0;
                cd.accuracy = peak[s] - (b == 0 ? 0.05 : 0.0) - 0.12 * (x - 0.55) * (x - 0.55) + g.uniform(-0.005, 0.005);
                cd.name = std::string(names[b]) + "/" + std::to_string(cd.frozen_layers);
                t.candidates.push_back(cd);
            }
        }
        pb.tasks.push_back(t);
    }
    return pb;
}

}  // namespace offloadkit::test_instances

#endif  // OFFLOADKIT_TESTS_SUPPORT_AMVP_INSTANCES_HPP
