#ifndef OFFLOADKIT_TESTS_RUNTIME_NOOP_BACKENDS_HPP
#define OFFLOADKIT_TESTS_RUNTIME_NOOP_BACKENDS_HPP

// Backends that do (almost) nothing and never allocate: the pipeline's own cost per frame is all
// that is left (tests/alloc/test_runtime.cpp, benchmarks/bench_runtime.cpp). The server answers
// every request on the next poll, the link completes every transfer on the next poll.

#include <offloadkit/concepts.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace offloadkit::test_runtime {

/// A frame: a 32-bit "content" value the fake local model turns into logits.
struct noop_frame {
    std::uint32_t content = 0;
};

/// Ten logits; the content decides the top class and how confident the model is.
struct noop_local {
    [[nodiscard]] std::size_t num_classes() const { return 10; }
    double infer(const noop_frame& f, std::span<float> logits) const {
        for (std::size_t k = 0; k < logits.size(); ++k) {
            logits[k] = static_cast<float>((f.content >> (k % 8)) & 3u) * 0.25F;
        }
        logits[f.content % 10] += static_cast<float>(f.content % 7) * 0.4F;
        return 0.001;
    }
};

/// Five resolutions of CBO's sizes, scaled by the content; wire bytes from a fixed buffer.
struct noop_encoder {
    std::array<std::byte, 40000> buffer{};
    static void sizes(const noop_frame& f, std::span<double> bytes) {
        static constexpr double base[] = {1500.0, 6000.0, 13000.0, 24000.0, 37000.0};
        const double scale = 0.8 + 0.05 * static_cast<double>(f.content % 8);
        for (std::size_t r = 0; r < bytes.size(); ++r) {
            bytes[r] = base[r % 5] * scale;
        }
    }
    std::span<const std::byte> encode(const noop_frame& f, std::size_t r, std::uint64_t) const {
        std::array<double, 5> b{};
        sizes(f, b);
        return std::span<const std::byte>(buffer).first(static_cast<std::size_t>(b[r % 5]));
    }
};

/// Completes each transfer on the next poll, as if sent at `bytes_per_second`.
struct noop_link {
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

/// Answers every request (class = id % 10) on the next poll; a fixed ring, no allocation.
struct noop_remote {
    std::array<remote_result, 64> ring{};
    std::size_t head = 0;
    std::size_t size = 0;
    bool submit(std::uint64_t id, const offload_request&) {
        if (size == ring.size()) {
            return false;
        }
        ring[(head + size) % ring.size()] = remote_result{id, static_cast<std::size_t>(id % 10), 0.9, true};
        ++size;
        return true;
    }
    std::optional<remote_result> poll() {
        if (size == 0) {
            return std::nullopt;
        }
        const remote_result r = ring[head];
        head = (head + 1) % ring.size();
        --size;
        return r;
    }
};

/// A clock the caller moves through a shared double.
struct pointer_clock {
    const double* t;
    [[nodiscard]] double now() const { return *t; }
};

}  // namespace offloadkit::test_runtime

#endif  // OFFLOADKIT_TESTS_RUNTIME_NOOP_BACKENDS_HPP
