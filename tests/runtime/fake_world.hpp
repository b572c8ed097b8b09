#ifndef OFFLOADKIT_TESTS_RUNTIME_FAKE_WORLD_HPP
#define OFFLOADKIT_TESTS_RUNTIME_FAKE_WORLD_HPP

// Deterministic fake backends for the live pipelines, all reading one simulated world: a manual
// time, a piecewise-constant uplink (sim/simulator.hpp's bandwidth_trace, so transfer ends are
// bit-identical to the simulator's), a server whose answers come at finish + T^o + L (plus any
// configured fault), and per-frame ground truth. Every fake holds a pointer to the world.

#include <offloadkit/calibration/scores.hpp>
#include <offloadkit/concepts.hpp>
#include <offloadkit/detail/random.hpp>
#include <offloadkit/offload/policies.hpp>
#include <offloadkit/sim/simulator.hpp>
#include <offloadkit/sim/trace.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace offloadkit::test_runtime {

inline constexpr std::size_t no_data = static_cast<std::size_t>(-1);

/// A frame is an index into world::frames (no_data: a frame without data).
struct test_frame {
    std::size_t index = 0;
};

struct frame_truth {
    std::vector<float> logits;                 // what the local model outputs
    std::size_t truth = 0;                     // the true class
    std::vector<double> bytes;                 // size per resolution
    std::vector<std::uint8_t> server_correct;  // per resolution
    double arrival = 0.0;
    double local_latency = 0.005;
};

/// Server and link misbehaviour, each drawn per request from the world's rng.
struct fault_plan {
    double drop = 0.0;           // the answer never comes
    double late = 0.0;           // the answer comes 0.05..0.5 s later than it could
    double fail = 0.0;           // ok == false
    double malformed = 0.0;      // label out of range or NaN confidence
    double duplicate = 0.0;      // the answer comes twice
    double transfer_fail = 0.0;  // the link reports ok == false (no answer)
    double link_refuse = 0.0;    // link.send() returns false
    double unknown = 0.0;        // per remote.poll(): an answer for an id never issued
    double jitter = 0.0;         // extra server time, uniform in [0, jitter]
    std::vector<std::pair<double, double>> outages;  // remote.submit() refuses in [a, b)
    std::vector<std::pair<double, double>> stalls;   // requests sent in [a, b) are never answered
};

struct answer {
    double at = 0.0;
    remote_result r;
};

struct world {
    double now = 0.0;
    double lie = 0.0;        // if != 0, the next clock reading is last_read - lie (a clock going backwards)
    double last_read = 0.0;  // the last value the clock returned
    std::size_t classes = 4;
    offload_model model{0.2, 0.037, 0.1, {0.35, 0.60, 0.72, 0.78, 0.81}};
    bandwidth_trace bw{625000.0};
    double nominal = 625000.0;  // link.bandwidth()
    std::vector<frame_truth> frames;
    std::vector<std::size_t> frame_of_id;  // pipeline id -> frame index
    fault_plan faults;
    detail::rng rng{1};

    // uplink
    bool link_busy = false;
    double link_start = 0.0;
    double link_finish = 0.0;
    double link_bytes = 0.0;
    bool link_ok = true;
    std::uint64_t link_violations = 0;  // send() while a transfer was in flight
    std::uint64_t sends = 0;
    std::vector<double> send_times;
    std::uint64_t last_submitted = static_cast<std::uint64_t>(-1);
    std::size_t last_resolution = 0;

    // server
    std::vector<answer> pending;                 // not yet visible or not yet polled
    std::vector<std::vector<answer>> answered;   // per id: every answer made visible
    std::uint64_t unknown_sent = 0;
    std::uint64_t submits = 0;
    std::vector<std::byte> wire;

    [[nodiscard]] static bool inside(const std::vector<std::pair<double, double>>& spans, double t) {
        return std::any_of(spans.begin(), spans.end(), [&](const auto& s) { return t >= s.first && t < s.second; });
    }

    [[nodiscard]] double earliest_answer() const {
        double t = std::numeric_limits<double>::infinity();
        for (const auto& a : pending) {
            t = std::min(t, a.at);
        }
        return t;
    }
    [[nodiscard]] double link_event() const {
        return link_busy ? link_finish : std::numeric_limits<double>::infinity();
    }
};

struct world_clock {
    world* w;
    [[nodiscard]] double now() const {
        if (w->lie != 0.0) {
            const double t = w->last_read - w->lie;
            w->lie = 0.0;
            return t;
        }
        w->last_read = w->now;
        return w->now;
    }
};

struct fake_local {
    world* w;
    [[nodiscard]] std::size_t num_classes() const { return w->classes; }
    double infer(const test_frame& f, std::span<float> logits) {
        const auto& t = w->frames[f.index];
        std::copy(t.logits.begin(), t.logits.end(), logits.begin());
        return t.local_latency;
    }
};

struct fake_encoder {
    world* w;
    void sizes(const test_frame& f, std::span<double> bytes) const {
        if (f.index == no_data) {
            std::fill(bytes.begin(), bytes.end(), 0.0);
            return;
        }
        const auto& b = w->frames[f.index].bytes;
        std::copy(b.begin(), b.end(), bytes.begin());
    }
    std::span<const std::byte> encode(const test_frame& f, std::size_t r, std::uint64_t) {
        const auto n = static_cast<std::size_t>(w->frames[f.index].bytes[r]);
        if (w->wire.size() < n) {
            w->wire.resize(n);
        }
        w->last_resolution = r;
        return std::span<const std::byte>(w->wire).first(n);
    }
};

struct fake_link {
    world* w;
    [[nodiscard]] double bandwidth() const { return w->nominal; }
    [[nodiscard]] double latency() const { return w->model.network_latency; }
    bool send(std::span<const std::byte> bytes) {
        if (w->faults.link_refuse > 0.0 && w->rng.bernoulli(w->faults.link_refuse)) {
            return false;
        }
        if (w->link_busy) {
            ++w->link_violations;
        }
        const double n = static_cast<double>(bytes.size());
        w->link_busy = true;
        w->link_start = w->now;
        w->link_finish = w->bw.finish(w->now, n);
        w->link_bytes = n;
        w->link_ok = !(w->faults.transfer_fail > 0.0 && w->rng.bernoulli(w->faults.transfer_fail));
        ++w->sends;
        w->send_times.push_back(w->now);
        schedule_answer();
        return true;
    }
    std::optional<transfer_report> poll_completed() {
        if (!w->link_busy || w->now < w->link_finish) {
            return std::nullopt;
        }
        w->link_busy = false;
        return transfer_report{w->link_bytes, w->link_finish - w->link_start, w->link_ok};
    }

private:
    void schedule_answer() {
        const std::uint64_t id = w->last_submitted;
        if (!w->link_ok || !std::isfinite(w->link_finish) || id >= w->frame_of_id.size()) {
            return;
        }
        auto& f = w->faults;
        auto& rng = w->rng;
        if (world::inside(f.stalls, w->now) || (f.drop > 0.0 && rng.bernoulli(f.drop))) {
            return;
        }
        const auto& t = w->frames[w->frame_of_id[id]];
        const std::size_t r = w->last_resolution;
        answer a;
        a.at = w->link_finish + w->model.server_time + w->model.network_latency;
        if (f.jitter > 0.0) {
            a.at += rng.uniform(0.0, f.jitter);
        }
        if (f.late > 0.0 && rng.bernoulli(f.late)) {
            a.at += rng.uniform(0.05, 0.5);
        }
        a.r.id = id;
        a.r.ok = true;
        a.r.label = t.server_correct[r] != 0 ? t.truth : (t.truth + 1) % w->classes;
        a.r.confidence = 0.9;
        if (f.fail > 0.0 && rng.bernoulli(f.fail)) {
            a.r.ok = false;
        } else if (f.malformed > 0.0 && rng.bernoulli(f.malformed)) {
            if (rng.bernoulli(0.5)) {
                a.r.label = w->classes + 3;
            } else {
                a.r.confidence = std::numeric_limits<double>::quiet_NaN();
            }
        }
        w->pending.push_back(a);
        if (f.duplicate > 0.0 && rng.bernoulli(f.duplicate)) {
            a.at += rng.uniform(0.0, 0.1);
            w->pending.push_back(a);
        }
    }
};

struct fake_remote {
    world* w;
    bool submit(std::uint64_t id, const offload_request& req) {
        ++w->submits;
        if (world::inside(w->faults.outages, w->now) || req.wire.empty()) {
            return false;
        }
        w->last_submitted = id;
        return true;
    }
    std::optional<remote_result> poll() {
        if (w->faults.unknown > 0.0 && w->rng.bernoulli(w->faults.unknown)) {
            ++w->unknown_sent;
            return remote_result{(std::uint64_t{1} << 40) + w->unknown_sent, 0, 0.5, true};
        }
        std::size_t best = w->pending.size();
        for (std::size_t k = 0; k < w->pending.size(); ++k) {
            if (w->pending[k].at <= w->now && (best == w->pending.size() || w->pending[k].at < w->pending[best].at)) {
                best = k;
            }
        }
        if (best == w->pending.size()) {
            return std::nullopt;
        }
        const answer a = w->pending[best];
        w->pending.erase(w->pending.begin() + static_cast<std::ptrdiff_t>(best));
        if (a.r.id < w->answered.size()) {
            w->answered[a.r.id].push_back(a);
        }
        return a.r;
    }
};

/// The true current bandwidth (the simulator's true_bandwidth, for the live side).
struct world_bandwidth {
    world* w;
    void observe(double, double) {}
    [[nodiscard]] double estimate() const { return w->bw.at(w->now); }
};

/// Builds n frames: bursts of equal timestamps, local model right ~60% of the time with a spread
/// of confidences, sizes around CBO's five resolutions.
inline void make_frames(world& w, std::size_t n, double fps, std::uint64_t seed, double burst = 0.1) {
    detail::rng rng(seed);
    const std::vector<double> mean{1500, 6000, 13000, 24000, 37000};
    const std::size_t m = w.model.server_accuracy.size();
    w.frames.clear();
    double t = 0.0;
    std::size_t burst_left = 0;
    for (std::size_t i = 0; i < n; ++i) {
        frame_truth f;
        f.truth = static_cast<std::size_t>(rng.below(w.classes));
        const bool right = rng.bernoulli(0.6);
        const std::size_t top = right ? f.truth : (f.truth + 1 + rng.below(w.classes - 1)) % w.classes;
        const double s = rng.uniform(0.2, 4.0);
        f.logits.assign(w.classes, 0.0F);
        for (std::size_t k = 0; k < w.classes; ++k) {
            f.logits[k] = static_cast<float>(k == top ? s : rng.uniform(-2.0, s - 0.05));
        }
        const double factor = std::exp(0.25 * rng.normal());
        f.bytes.resize(m);
        f.server_correct.resize(m);
        const double u = rng.uniform();
        for (std::size_t r = 0; r < m; ++r) {
            f.bytes[r] = std::max(1.0, std::round(mean[r % mean.size()] * factor));
            f.server_correct[r] = u < w.model.server_accuracy[r] ? 1 : 0;
        }
        if (burst_left == 0) {
            t += rng.bernoulli(0.05) ? rng.uniform(0.0, 0.5) : 1.0 / fps;
            if (rng.bernoulli(burst)) {
                burst_left = static_cast<std::size_t>(rng.below(5)) + 1;
            }
        } else {
            --burst_left;  // same timestamp as the previous frame
        }
        f.arrival = t;
        w.frames.push_back(std::move(f));
    }
}

/// The simulator's trace of the same frames (confidence = top1_confidence of the same logits).
inline trace to_trace(const world& w) {
    trace tr;
    const std::size_t m = w.model.server_accuracy.size();
    for (std::size_t r = 0; r < m; ++r) {
        tr.resolutions.push_back(std::to_string(r));
    }
    for (const auto& f : w.frames) {
        const top1 t = top1_confidence(f.logits);
        tr.arrival.push_back(f.arrival);
        tr.confidence.push_back(t.confidence);
        tr.npu_correct.push_back(t.index == f.truth ? 1 : 0);
        tr.bytes.insert(tr.bytes.end(), f.bytes.begin(), f.bytes.end());
        tr.server_correct.insert(tr.server_correct.end(), f.server_correct.begin(), f.server_correct.end());
        // The per-class scores (CBO Fig. 6): the local model's logits, widened to double exactly as
        // the pipeline stores them for pending_frame::scores.
        tr.true_label.push_back(static_cast<std::int32_t>(f.truth));
        tr.npu_logits.insert(tr.npu_logits.end(), f.logits.begin(), f.logits.end());
    }
    tr.num_classes = w.frames.empty() ? 0 : w.classes;
    if (tr.num_classes == 0) {
        tr.true_label.clear();
    }
    return tr;
}

}  // namespace offloadkit::test_runtime

#endif  // OFFLOADKIT_TESTS_RUNTIME_FAKE_WORLD_HPP
