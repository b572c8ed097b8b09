#ifndef OFFLOADKIT_TESTS_SUPPORT_MODELS_HPP
#define OFFLOADKIT_TESTS_SUPPORT_MODELS_HPP

// Minimal models of every concept in <offloadkit/concepts.hpp>, used by the static checks and by
// unit tests that need a backend. Each is the smallest type that satisfies its concept and does
// something checkable.

#include <offloadkit/concepts.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

namespace offloadkit::test_models {

/// A "frame": its true class and a fake image size.
struct frame {
    std::size_t true_class = 0;
    std::size_t bytes = 0;
};

/// Local model that puts logit 2 on the true class and 0 elsewhere, in a fixed 5 ms.
struct fixed_local_executor {
    std::size_t classes = 3;
    [[nodiscard]] std::size_t num_classes() const { return classes; }
    double infer(const frame& f, std::span<float> logits) {
        for (std::size_t k = 0; k < logits.size(); ++k) {
            logits[k] = k == f.true_class ? 2.0F : 0.0F;
        }
        return 0.005;
    }
};

/// Remote model that answers every request on the next poll, in submission order.
struct echo_remote_executor {
    std::deque<remote_result> pending;
    bool submit(std::uint64_t id, const frame& f) {
        pending.push_back(remote_result{id, f.true_class, 1.0, true});
        return true;
    }
    std::optional<remote_result> poll() {
        if (pending.empty()) {
            return std::nullopt;
        }
        remote_result r = pending.front();
        pending.pop_front();
        return r;
    }
};

/// Link with a fixed bandwidth and latency that records what was sent.
struct recording_link {
    double bytes_per_second = 625000.0;
    double round_trip = 0.1;
    std::size_t sent_bytes = 0;
    [[nodiscard]] double bandwidth() const { return bytes_per_second; }
    [[nodiscard]] double latency() const { return round_trip; }
    bool send(std::span<const std::byte> bytes) {
        sent_bytes += bytes.size();
        return true;
    }
};

/// Remote model for the CBO pipeline's payload: answers every request with class 0 on the next poll.
struct request_echo_executor {
    std::deque<remote_result> pending;
    bool submit(std::uint64_t id, const offload_request& req) {
        pending.push_back(remote_result{id, 0, req.wire.empty() ? 0.0 : 1.0, true});
        return true;
    }
    std::optional<remote_result> poll() {
        if (pending.empty()) {
            return std::nullopt;
        }
        remote_result r = pending.front();
        pending.pop_front();
        return r;
    }
};

/// A transfer_link whose transfers complete on the next poll_completed(), at a fixed bandwidth.
struct instant_link {
    double bytes_per_second = 625000.0;
    std::optional<transfer_report> in_flight;
    [[nodiscard]] double bandwidth() const { return bytes_per_second; }
    [[nodiscard]] double latency() const { return 0.1; }
    bool send(std::span<const std::byte> bytes) {
        const double n = static_cast<double>(bytes.size());
        in_flight = transfer_report{n, n / bytes_per_second, true};
        return true;
    }
    std::optional<transfer_report> poll_completed() {
        std::optional<transfer_report> r = in_flight;
        in_flight.reset();
        return r;
    }
};

/// A frame_encoder over `resolutions` resolutions: frame.bytes bytes at the top one, half as many
/// per step down; encode() gives that many zero bytes.
struct halving_encoder {
    std::size_t resolutions = 3;
    std::vector<std::byte> buffer;
    void sizes(const frame& f, std::span<double> bytes) const {
        for (std::size_t r = 0; r < bytes.size(); ++r) {
            bytes[r] = static_cast<double>(f.bytes >> (resolutions - 1 - r));
        }
    }
    std::span<const std::byte> encode(const frame& f, std::size_t resolution, std::uint64_t) {
        buffer.assign(f.bytes >> (resolutions - 1 - resolution), std::byte{0});
        return buffer;
    }
};

/// Feature extractor: 4 features, the frame's class one-hot scaled by its byte count.
struct one_hot_extractor {
    [[nodiscard]] std::size_t feature_count() const { return 4; }
    double extract(const frame& f, std::span<float> features) {
        for (std::size_t i = 0; i < features.size(); ++i) {
            features[i] = i == f.true_class ? static_cast<float>(f.bytes) : 0.0F;
        }
        return 0.002;
    }
};

/// Feature inference: the logits are the features (4 in, 4 out).
struct identity_inference {
    [[nodiscard]] std::size_t feature_count() const { return 4; }
    [[nodiscard]] std::size_t num_classes() const { return 4; }
    double infer(std::span<const float> features, std::span<float> logits) {
        for (std::size_t i = 0; i < logits.size(); ++i) {
            logits[i] = features[i];
        }
        return 0.001;
    }
};

/// Approximation-enabled model: branch b puts logit b on class f.true_class; branch b takes (b+1) ms.
struct branchy_executor {
    [[nodiscard]] std::size_t num_classes() const { return 3; }
    double run(const frame& f, std::size_t branch, std::span<float> logits) {
        for (std::size_t k = 0; k < logits.size(); ++k) {
            logits[k] = k == f.true_class ? static_cast<float>(branch + 1) : 0.0F;
        }
        return 0.001 * static_cast<double>(branch + 1);
    }
};

/// Bandwidth estimator that returns the throughput of the last transfer.
struct last_sample_estimator {
    double last = 0.0;
    void observe(double bytes, double seconds) { last = seconds > 0 ? bytes / seconds : last; }
    [[nodiscard]] double estimate() const { return last; }
};

/// The identity calibrator (CBO without calibration uses raw scores).
struct identity_calibrator {
    double operator()(double s) const { return s; }
    void transform(std::span<const double> in, std::span<double> out) const {
        for (std::size_t i = 0; i < in.size() && i < out.size(); ++i) {
            out[i] = in[i];
        }
    }
    friend bool operator==(const identity_calibrator&, const identity_calibrator&) = default;
};

/// A clock the test advances by hand.
struct manual_clock {
    double t = 0.0;
    [[nodiscard]] double now() const { return t; }
    void advance(double dt) { t += dt; }
};

}  // namespace offloadkit::test_models

#endif  // OFFLOADKIT_TESTS_SUPPORT_MODELS_HPP
