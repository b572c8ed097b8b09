#ifndef OFFLOADKIT_MULTITASK_PROBLEM_HPP
#define OFFLOADKIT_MULTITASK_PROBLEM_HPP

/**
 * @file
 * @brief AMVP's model selection and task assignment problem (AMVP §IV-C, eq. 6-12): tasks with
 *        goals, candidate CNNs built by transfer learning from shared base models, split points,
 *        devices with compute shares and memory, bandwidth between devices; and the evaluator of
 *        an assignment (costs, constraints 11 and 12, layer sharing).
 *
 * ### Model
 * - A **base model** (mobileNetV2, resNet50V2, ...) has `layers` layers (the complete CNN
 *   including the task classifier) and a list of **split points**. Splitting after layer `layer`
 *   gives part 1 (layers 1..layer, the feature extractor FE) and part 2 (the rest, FI), each with
 *   a latency and a throughput at 100% of every device, a runtime memory, and the bytes of the
 *   feature sent from part 1 to part 2 (Fig. 10 profiles these per base model). A split point with
 *   `layer == layers` is the unsplit model: one part, no transfer.
 * - A **candidate** CNN of a task is a base model with `frozen_layers` frozen layers and its
 *   accuracy (Fig. 9). Every split point of its base is available to it.
 * - **Sharing** (§IV-A): two tasks whose candidates have the same base, split at the same point
 *   `layer <= frozen_layers` of both, run the same frozen part 1. When they also place it on the
 *   same device with the same compute share, it runs once: one instance counted once in
 *   constraints (11) and (12), feeding every sharing task's part 2.
 * - **Compute shares** u are multiples of 1 / share_steps of a device (default 10: steps of 10%);
 *   this grid is what makes the exact solver exhaustive. Device k offers U_k (`compute`) of its
 *   processor: the shares of the distinct part instances on k sum to at most floor(U_k*share_steps)
 *   steps (eq. 11), their memory to at most R_k (eq. 12).
 * - Transfers: D = f / b_{k1 k2} between devices (bandwidth 0 = no link: infeasible placement),
 *   D = 0 on one device. Links are independent (no contention between transfers), as in eq. 7.
 * - **Feature codec** (AMVP §IV-B, eq. 5): with amvp_problem::codec enabled (bits 1..16), a
 *   feature crossing a link may be sent quantized at that width in ok::quantize's wire format.
 *   Each transfer is costed both ways, raw D = OTR = f / b and quantized D = QT + TR + DQ with
 *   QT = f / (u1 quantize_rate), TR = quantized_wire_size / b, DQ = f / (u2 dequantize_rate), and
 *   the cheaper one is used (compress exactly when CPB of eq. 5 is > 0). The rates are at 100% of
 *   a device; the codec runs on the thread of the part that pays it, under that part's share
 *   (part 1 quantizes at u1, part 2 dequantizes at u2: what the AMVP executor does,
 *   backends/tcp/amvp_executor.hpp), so its times are divided by the shares as l1 and l2 are.
 *   At u1 = u2 = 1 this is the decision decide_compression() (metrics/compression.hpp) gives the
 *   runtime's split_sender at the same bandwidth and rates (the same function, eq5_decision; at
 *   shares u1, u2 it is decide_compression with the rates times u1 and u2). D enters eq. 7 and the
 *   1 / D term of eq. 8 in both cases; amvp_task_outcome::wire_time is its link part (TR or OTR).
 *
 * ### Decision: one amvp_task_choice per task
 * (candidate, split point, device and steps of part 1, device and steps of part 2). Latency eq. 7,
 * throughput eq. 8, cost eq. 6; the objective of eq. 9-10 is the maximum cost over tasks.
 */

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "../error.hpp"
#include "../detail/compression_eq5.hpp"
#include "cost.hpp"

namespace offloadkit {

/// Profile of one part of a split CNN (AMVP eq. 7-8 and 12 inputs).
struct amvp_part_profile {
    std::vector<double> latency;     ///< l^k: seconds per frame at 100% of device k (one per device), >= 0
    std::vector<double> throughput;  ///< t^k: frames/s at 100% of device k; empty = 1 / latency
    double memory = 0.0;             ///< r: runtime memory in bytes, >= 0
};

/// One split point of a base model (one (FE, FI) pair of §IV-B).
struct amvp_split {
    int layer = 0;                 ///< part 1 = layers 1..layer; layer == base layers: unsplit model
    amvp_part_profile first;       ///< m^1 (FE)
    amvp_part_profile second;      ///< m^2 (FI); ignored for the unsplit model
    double feature_bytes = 0.0;    ///< f: bytes sent from m^1 to m^2 per frame (ignored when unsplit)
};

/// A pre-trained base model and its profiled split points.
struct amvp_base_model {
    std::string name;
    int layers = 0;                   ///< layers of the complete CNN, classifier included
    std::vector<amvp_split> splits;  ///< at least one
};

/// One candidate CNN of a task: a base model with frozen layers, and its accuracy.
struct amvp_candidate {
    std::string name;
    std::size_t base = 0;    ///< index into amvp_problem::bases
    int frozen_layers = 0;   ///< 0 .. layers - 1 (the classifier is always trained)
    double accuracy = 0.0;   ///< A(m_s), same unit as the task's accuracy goal, >= 0
};

/// A vision task: goals (eq. 6) and candidate CNNs (M_s).
struct amvp_task {
    std::string name;
    task_goal goal;
    std::vector<amvp_candidate> candidates;  ///< at least one
};

/// A device of the platform.
struct amvp_device {
    std::string name;
    double compute = 1.0;  ///< U_k: share of the processor available, in [0, 1]
    double memory = 0.0;   ///< R_k: bytes available, >= 0
};

/**
 * @brief How features are sent between devices (AMVP §IV-B, eq. 5): raw binary32, or quantized
 *        at `bits` when that is cheaper (see amvp_feature_transfer). Shared by the planner
 *        (minmax_cost_solve, minmax_cost_exact, amvp_evaluate) and the runtime (split_options of
 *        runtime/split_path.hpp take the same bits and rates).
 */
struct amvp_feature_codec {
    int bits = 0;                  ///< quantizer width 1..16; 0 = never quantize (raw features only)
    double quantize_rate = 0.0;    ///< feature bytes quantized per second at 100% of a device, > 0 when bits > 0
    double dequantize_rate = 0.0;  ///< feature bytes dequantized per second at 100% of a device, > 0 when bits > 0
};

/// The whole MSTA instance.
struct amvp_problem {
    std::vector<amvp_base_model> bases;
    std::vector<amvp_task> tasks;
    std::vector<amvp_device> devices;
    /// b_{k k'}: bytes/s from device k to k', row-major K x K; diagonal ignored; 0 = no link;
    /// +inf allowed (free transfer).
    std::vector<double> bandwidth;
    int share_steps = 10;  ///< compute shares are multiples of 1 / share_steps, 1..1000
    amvp_feature_codec codec;  ///< feature quantization on links (default: raw features only)
};

/// The decision for one task.
struct amvp_task_choice {
    std::size_t candidate = 0;      ///< index into the task's candidates
    std::size_t split = 0;          ///< index into the candidate's base model splits
    std::size_t first_device = 0;   ///< device of part 1
    int first_steps = 1;            ///< share of part 1, in steps of 1 / share_steps
    std::size_t second_device = 0;  ///< device of part 2 (ignored when the split is the unsplit model)
    int second_steps = 1;           ///< share of part 2 (ignored when unsplit)

    friend bool operator==(const amvp_task_choice&, const amvp_task_choice&) = default;
};

/// What one task achieves under an assignment.
struct amvp_task_outcome {
    double accuracy = 0.0;
    double latency = 0.0;        ///< eq. 7, seconds (+inf when a needed link is missing)
    double throughput = 0.0;     ///< eq. 8, frames/s
    double transfer_time = 0.0;  ///< D, seconds (QT / u1 + TR + DQ / u2 when `compressed`, else f / b)
    double wire_time = 0.0;      ///< the link's part of D, seconds (TR when `compressed`, else f / b)
    bool compressed = false;     ///< the feature crosses its link quantized (eq. 5 CPB > 0)
    double cost = 0.0;           ///< eq. 6 (+inf when a needed link is missing)
    double first_share = 0.0;    ///< u of part 1
    double second_share = 0.0;   ///< u of part 2 (0 when unsplit)
    bool split = false;          ///< two parts
    bool shared = false;         ///< its part 1 instance also serves another task
    bool meets_latency = false;
    bool meets_throughput = false;
    std::size_t first_instance = 0;  ///< index of its part-1 instance; equal indices = shared
};

/// Evaluation of an assignment: per-task outcomes, feasibility, max cost.
struct amvp_evaluation {
    bool feasible = false;
    std::string violation;  ///< empty when feasible, else the first violated constraint
    double max_cost = std::numeric_limits<double>::infinity();  ///< max over tasks of eq. 6
    std::vector<amvp_task_outcome> tasks;
    std::vector<int> steps_used;      ///< per device, share steps used (eq. 11 left side x share_steps)
    std::vector<double> memory_used;  ///< per device, bytes (eq. 12 left side)
    std::size_t part_instances = 0;   ///< distinct model parts running
};

namespace detail::amvp {

/// A split point with throughputs filled in.
struct split_info {
    int layer = 0;
    bool unsplit = false;
    std::vector<double> l1, t1, l2, t2;
    double mem1 = 0.0, mem2 = 0.0, feature = 0.0;
};

/// The validated problem in the form the solvers use.
struct model {
    const amvp_problem* pb = nullptr;
    std::size_t devices = 0;
    int q = 10;
    std::vector<int> cap;          // steps available per device
    std::vector<double> mem_cap;   // bytes per device
    std::vector<std::vector<split_info>> splits;  // per base
    std::vector<std::vector<std::size_t>> by_accuracy;  // per task: candidate indices, most accurate first

    [[nodiscard]] double bw(std::size_t from, std::size_t to) const noexcept { return pb->bandwidth[from * devices + to]; }
    [[nodiscard]] const amvp_candidate& cand(std::size_t s, std::size_t c) const noexcept {
        return pb->tasks[s].candidates[c];
    }
    [[nodiscard]] const split_info& split_of(std::size_t s, std::size_t c, std::size_t j) const noexcept {
        return splits[cand(s, c).base][j];
    }
    [[nodiscard]] bool shareable(std::size_t s, std::size_t c, std::size_t j) const noexcept {
        const auto& sp = split_of(s, c, j);
        return !sp.unsplit && sp.layer <= cand(s, c).frozen_layers;
    }
};

/// Metrics of one task for one (candidate, split, placement).
struct task_metrics {
    double latency = 0.0, throughput = 0.0, transfer = 0.0, wire = 0.0, cost = 0.0;
    bool link = true;
    bool compressed = false;
};

/// Eq. 5 on validated inputs with the codec on the parts' shares (file comment): D, its link part
/// `wire` and whether the feature is sent quantized. `bandwidth` > 0, u1 and u2 in (0, 1].
template <class = void>
inline double transfer_of(const amvp_feature_codec& codec, double feature_bytes, double bandwidth, double u1,
                          double u2, bool& compressed, double& wire) noexcept {
    compressed = false;
    wire = 0.0;
    if (std::isinf(bandwidth)) {
        return 0.0;
    }
    const double raw = feature_bytes / bandwidth;
    wire = raw;
    if (codec.bits == 0 || !(feature_bytes > 0.0)) {
        return raw;
    }
    const auto d = detail::eq5_decision(feature_bytes, codec.bits, bandwidth, codec.quantize_rate * u1,
                                        codec.dequantize_rate * u2);
    compressed = d.compress;
    if (d.compress) {
        wire = d.compressed_transfer;
    }
    return d.compress ? d.quantize_time + d.compressed_transfer + d.dequantize_time : raw;
}

template <class = void>
inline task_metrics eval_task(const model& m, std::size_t s, std::size_t c, std::size_t j, std::size_t d1, int s1,
                              std::size_t d2, int s2) noexcept {
    const auto& sp = m.split_of(s, c, j);
    const double q = m.q;
    const double u1 = s1 / q;
    task_metrics r;
    double lat = sp.l1[d1] / u1;
    double thr = u1 * sp.t1[d1];
    if (!sp.unsplit) {
        const double u2 = s2 / q;
        lat += sp.l2[d2] / u2;
        thr = std::min(thr, u2 * sp.t2[d2]);
        if (d1 != d2) {
            const double b = m.bw(d1, d2);
            if (!(b > 0.0)) {  // no link between the devices
                r.link = false;
                r.latency = std::numeric_limits<double>::infinity();
                r.throughput = 0.0;
                r.cost = std::numeric_limits<double>::infinity();
                return r;
            }
            r.transfer = transfer_of(m.pb->codec, sp.feature, b, u1, u2, r.compressed, r.wire);
            lat += r.transfer;
            if (r.transfer > 0.0) {
                thr = std::min(thr, 1.0 / r.transfer);
            }
        }
    }
    r.latency = lat;
    r.throughput = thr;
    r.cost = amvp_cost_unchecked(m.pb->tasks[s].goal, m.cand(s, c).accuracy, lat, thr);
    return r;
}

template <class = void>
inline void check_profile(const amvp_part_profile& p, std::size_t devices, std::string_view fn, const std::string& name,
                          bool first) {
    require(p.latency.size() == devices, fn, name, ".latency has size ", p.latency.size(), ", expected ", devices,
            " (one per device)");
    require(p.throughput.empty() || p.throughput.size() == devices, fn, name, ".throughput has size ",
            p.throughput.size(), ", expected 0 or ", devices);
    for (std::size_t k = 0; k < devices; ++k) {
        const double l = p.latency[k];
        if (first) {
            require(std::isfinite(l) && l > 0.0, fn, name, ".latency[", k, "] is ", l, ", expected a finite number > 0");
        } else {
            require(std::isfinite(l) && l >= 0.0, fn, name, ".latency[", k, "] is ", l,
                    ", expected a finite number >= 0");
        }
        if (!p.throughput.empty()) {
            const double t = p.throughput[k];
            require(std::isfinite(t) && t > 0.0, fn, name, ".throughput[", k, "] is ", t,
                    ", expected a finite number > 0");
        } else {
            require(l > 0.0, fn, name, ".latency[", k, "] is 0, so its throughput must be given");
        }
    }
    require(std::isfinite(p.memory) && p.memory >= 0.0, fn, name, ".memory is ", p.memory,
            ", expected a finite number >= 0");
}

/// Validates the whole problem (throws invalid_argument naming the field) and compiles it.
template <class = void>
inline model compile(const amvp_problem& pb, std::string_view fn) {
    require(!pb.tasks.empty(), fn, "problem.tasks is empty");
    require(!pb.devices.empty(), fn, "problem.devices is empty");
    require(!pb.bases.empty(), fn, "problem.bases is empty");
    require(pb.share_steps >= 1 && pb.share_steps <= 1000, fn, "problem.share_steps is ", pb.share_steps,
            ", expected 1..1000");
    const std::size_t K = pb.devices.size();
    require(K <= 255, fn, "problem.devices has size ", K, ", expected at most 255");
    require(pb.bandwidth.size() == K * K, fn, "problem.bandwidth has size ", pb.bandwidth.size(), ", expected ",
            K * K, " (devices x devices)");
    const auto& codec = pb.codec;
    require(codec.bits >= 0 && codec.bits <= 16, fn, "problem.codec.bits is ", codec.bits, ", expected 0 (raw) or 1..16");
    if (codec.bits > 0) {
        require(std::isfinite(codec.quantize_rate) && codec.quantize_rate > 0.0, fn, "problem.codec.quantize_rate is ",
                codec.quantize_rate, ", expected a finite number > 0");
        require(std::isfinite(codec.dequantize_rate) && codec.dequantize_rate > 0.0, fn,
                "problem.codec.dequantize_rate is ", codec.dequantize_rate, ", expected a finite number > 0");
    }
    model m;
    m.pb = &pb;
    m.devices = K;
    m.q = pb.share_steps;
    for (std::size_t k = 0; k < K; ++k) {
        const auto& d = pb.devices[k];
        const std::string name = "problem.devices[" + std::to_string(k) + "]";
        require(d.compute >= 0.0 && d.compute <= 1.0, fn, name, ".compute is ", d.compute, ", expected U_k in [0, 1]");
        require(std::isfinite(d.memory) && d.memory >= 0.0, fn, name, ".memory is ", d.memory,
                ", expected a finite number >= 0");
        m.cap.push_back(static_cast<int>(std::floor(d.compute * pb.share_steps + 1e-9)));
        m.mem_cap.push_back(d.memory);
        for (std::size_t k2 = 0; k2 < K; ++k2) {
            const double b = pb.bandwidth[k * K + k2];
            require(b >= 0.0, fn, "problem.bandwidth[", k * K + k2, "] is ", b, ", expected >= 0 (0 = no link)");
        }
    }
    for (std::size_t b = 0; b < pb.bases.size(); ++b) {
        const auto& base = pb.bases[b];
        const std::string name = "problem.bases[" + std::to_string(b) + "]";
        require(base.layers >= 1, fn, name, ".layers is ", base.layers, ", expected >= 1");
        require(!base.splits.empty(), fn, name, ".splits is empty");
        require(base.splits.size() <= 65535, fn, name, ".splits has size ", base.splits.size(), ", expected <= 65535");
        std::vector<split_info> infos;
        for (std::size_t j = 0; j < base.splits.size(); ++j) {
            const auto& sp = base.splits[j];
            const std::string sname = name + ".splits[" + std::to_string(j) + "]";
            require(sp.layer >= 1 && sp.layer <= base.layers, fn, sname, ".layer is ", sp.layer, ", expected 1..",
                    base.layers);
            split_info info;
            info.layer = sp.layer;
            info.unsplit = sp.layer == base.layers;
            check_profile(sp.first, K, fn, sname + ".first", true);
            info.l1 = sp.first.latency;
            info.mem1 = sp.first.memory;
            info.t1 = sp.first.throughput;
            if (info.t1.empty()) {
                for (const double l : info.l1) {
                    info.t1.push_back(1.0 / l);
                }
            }
            if (!info.unsplit) {
                check_profile(sp.second, K, fn, sname + ".second", false);
                require(std::isfinite(sp.feature_bytes) && sp.feature_bytes >= 0.0, fn, sname, ".feature_bytes is ",
                        sp.feature_bytes, ", expected a finite number >= 0");
                info.l2 = sp.second.latency;
                info.mem2 = sp.second.memory;
                info.t2 = sp.second.throughput;
                if (info.t2.empty()) {
                    for (const double l : info.l2) {
                        info.t2.push_back(1.0 / l);
                    }
                }
                info.feature = sp.feature_bytes;
            }
            infos.push_back(std::move(info));
        }
        m.splits.push_back(std::move(infos));
    }
    for (std::size_t s = 0; s < pb.tasks.size(); ++s) {
        const auto& t = pb.tasks[s];
        const std::string name = "problem.tasks[" + std::to_string(s) + "]";
        check_goal(t.goal, fn, name + ".goal");
        require(!t.candidates.empty(), fn, name, ".candidates is empty");
        require(t.candidates.size() <= 65535, fn, name, ".candidates has size ", t.candidates.size(),
                ", expected <= 65535");
        for (std::size_t c = 0; c < t.candidates.size(); ++c) {
            const auto& cd = t.candidates[c];
            const std::string cname = name + ".candidates[" + std::to_string(c) + "]";
            require(cd.base < pb.bases.size(), fn, cname, ".base is ", cd.base, ", expected < ", pb.bases.size());
            require(cd.frozen_layers >= 0 && cd.frozen_layers < pb.bases[cd.base].layers, fn, cname,
                    ".frozen_layers is ", cd.frozen_layers, ", expected 0..", pb.bases[cd.base].layers - 1);
            require(std::isfinite(cd.accuracy) && cd.accuracy >= 0.0, fn, cname, ".accuracy is ", cd.accuracy,
                    ", expected a finite number >= 0");
        }
        std::vector<std::size_t> order(t.candidates.size());
        for (std::size_t c = 0; c < order.size(); ++c) {
            order[c] = c;
        }
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return t.candidates[a].accuracy > t.candidates[b].accuracy;
        });
        m.by_accuracy.push_back(std::move(order));
    }
    return m;
}

/// Scratch-free evaluation core shared by amvp_evaluate and the solvers: fills `out` (tasks,
/// steps_used, memory_used sized already) and returns feasibility. `choices` are in range.
template <class = void>
inline bool evaluate_into(const model& m, std::span<const amvp_task_choice> choices, amvp_evaluation& out) {
    const std::size_t S = choices.size();
    const std::size_t K = m.devices;
    out.tasks.assign(S, amvp_task_outcome{});
    out.steps_used.assign(K, 0);
    out.memory_used.assign(K, 0.0);
    out.violation.clear();
    out.max_cost = -std::numeric_limits<double>::infinity();
    out.part_instances = 0;
    bool links = true;
    for (std::size_t s = 0; s < S; ++s) {
        const auto& ch = choices[s];
        const auto& sp = m.split_of(s, ch.candidate, ch.split);
        const auto r = eval_task(m, s, ch.candidate, ch.split, ch.first_device, ch.first_steps, ch.second_device,
                                 ch.second_steps);
        auto& o = out.tasks[s];
        o.accuracy = m.cand(s, ch.candidate).accuracy;
        o.latency = r.latency;
        o.throughput = r.throughput;
        o.transfer_time = r.transfer;
        o.wire_time = r.wire;
        o.compressed = r.compressed;
        o.cost = r.cost;
        o.split = !sp.unsplit;
        o.first_share = ch.first_steps / static_cast<double>(m.q);
        o.second_share = sp.unsplit ? 0.0 : ch.second_steps / static_cast<double>(m.q);
        const auto& goal = m.pb->tasks[s].goal;
        o.meets_latency = r.latency <= goal.latency;
        o.meets_throughput = r.throughput >= goal.throughput;
        out.max_cost = std::max(out.max_cost, r.cost);
        if (!r.link && links) {
            links = false;
            out.violation = "task " + std::to_string(s) + ": no link from device " + std::to_string(ch.first_device) +
                            " to device " + std::to_string(ch.second_device);
        }
        // part-1 instance: reuse an earlier shareable one with the same (base, split, device, steps)
        std::size_t inst = out.part_instances;
        if (m.shareable(s, ch.candidate, ch.split)) {
            for (std::size_t p = 0; p < s; ++p) {
                const auto& pc = choices[p];
                if (m.shareable(p, pc.candidate, pc.split) && m.cand(p, pc.candidate).base == m.cand(s, ch.candidate).base &&
                    pc.split == ch.split && pc.first_device == ch.first_device && pc.first_steps == ch.first_steps) {
                    inst = out.tasks[p].first_instance;
                    out.tasks[p].shared = true;
                    o.shared = true;
                    break;
                }
            }
        }
        o.first_instance = inst;
        if (inst == out.part_instances) {
            ++out.part_instances;
            out.steps_used[ch.first_device] += ch.first_steps;
            out.memory_used[ch.first_device] += sp.mem1;
        }
        if (!sp.unsplit) {
            ++out.part_instances;
            out.steps_used[ch.second_device] += ch.second_steps;
            out.memory_used[ch.second_device] += sp.mem2;
        }
    }
    bool ok = links;
    for (std::size_t k = 0; k < K && ok; ++k) {
        if (out.steps_used[k] > m.cap[k]) {
            ok = false;
            out.violation = "constraint (11): device " + std::to_string(k) + " uses " + std::to_string(out.steps_used[k]) +
                            " share steps, " + std::to_string(m.cap[k]) + " available";
        } else if (out.memory_used[k] > m.mem_cap[k]) {
            ok = false;
            out.violation = "constraint (12): device " + std::to_string(k) + " needs " +
                            std::to_string(out.memory_used[k]) + " bytes, " + std::to_string(m.mem_cap[k]) +
                            " available";
        }
    }
    out.feasible = ok;
    return ok;
}

/// Throws unless every index and step count of `choices` is in range.
template <class = void>
inline void check_choices(const model& m, std::span<const amvp_task_choice> choices, std::string_view fn) {
    require(choices.size() == m.pb->tasks.size(), fn, "choices has size ", choices.size(), ", expected ",
            m.pb->tasks.size(), " (one per task)");
    for (std::size_t s = 0; s < choices.size(); ++s) {
        const auto& ch = choices[s];
        const std::string name = "choices[" + std::to_string(s) + "]";
        require(ch.candidate < m.pb->tasks[s].candidates.size(), fn, name, ".candidate is ", ch.candidate,
                ", expected < ", m.pb->tasks[s].candidates.size());
        const auto nsplits = m.splits[m.cand(s, ch.candidate).base].size();
        require(ch.split < nsplits, fn, name, ".split is ", ch.split, ", expected < ", nsplits);
        require(ch.first_device < m.devices, fn, name, ".first_device is ", ch.first_device, ", expected < ", m.devices);
        require(ch.first_steps >= 1 && ch.first_steps <= m.q, fn, name, ".first_steps is ", ch.first_steps,
                ", expected 1..", m.q);
        if (!m.split_of(s, ch.candidate, ch.split).unsplit) {
            require(ch.second_device < m.devices, fn, name, ".second_device is ", ch.second_device, ", expected < ",
                    m.devices);
            require(ch.second_steps >= 1 && ch.second_steps <= m.q, fn, name, ".second_steps is ", ch.second_steps,
                    ", expected 1..", m.q);
        }
    }
}

}  // namespace detail::amvp

/**
 * @brief Validates a problem.
 * @throws offloadkit::invalid_argument naming the first bad field: empty tasks/devices/bases, a
 *         task with no candidates, goals <= 0, weights outside [0, 1] or not summing to 1, a
 *         candidate with an unknown base or frozen_layers outside 0..layers-1, a split layer outside
 *         1..layers, profile vectors of the wrong length, latency <= 0 (part 1) or < 0 (part 2),
 *         throughput <= 0, negative memory/bandwidth/feature size, U_k outside [0, 1],
 *         share_steps outside 1..1000. A device with no memory or compute is valid (it just cannot
 *         host anything); an instance where nothing fits is reported infeasible by the solvers.
 * O(size of the problem).
 */
template <class = void>
inline void amvp_validate(const amvp_problem& problem) { (void)detail::amvp::compile(problem, "amvp_validate"); }

/**
 * @brief Evaluates an assignment: per-task accuracy, latency (eq. 7), throughput (eq. 8), cost
 *        (eq. 6), the layer sharing it implies, constraints (11)-(12) and the max cost (eq. 9-10).
 * @param choices one per task.
 * @return the evaluation; feasible == false with `violation` set when a constraint is violated or
 *         a needed link is missing (costs are still reported).
 * @throws offloadkit::invalid_argument for an invalid problem or out-of-range indices/steps.
 * O(tasks^2 + devices + problem size for validation).
 */
template <class = void>
[[nodiscard]] inline amvp_evaluation amvp_evaluate(const amvp_problem& problem, std::span<const amvp_task_choice> choices) {
    const auto m = detail::amvp::compile(problem, "amvp_evaluate");
    detail::amvp::check_choices(m, choices, "amvp_evaluate");
    amvp_evaluation e;
    detail::amvp::evaluate_into(m, choices, e);
    return e;
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_MULTITASK_PROBLEM_HPP
