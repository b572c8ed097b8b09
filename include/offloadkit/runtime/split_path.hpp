#ifndef OFFLOADKIT_RUNTIME_SPLIT_PATH_HPP
#define OFFLOADKIT_RUNTIME_SPLIT_PATH_HPP

/**
 * @file
 * @brief AMVP's split execution path (AMVP §IV-B, Fig. 6): the host's feature extractor (FE)
 *        runs on this device, its features are quantized to n bits (eq. 1) — or sent as they are
 *        when compressing does not pay (eq. 5, Fig. 12) — and go over the link; on the other
 *        device the bytes are validated, dequantized (eq. 2) and the feature-inference part (FI)
 *        runs.
 *
 *  - split_sender: FE -> decide_compression() (metrics/compression.hpp) with the link's current
 *    bandwidth -> quantize_to_wire() or raw binary32 -> one split message -> link.send().
 *  - split_receiver: split message -> validation -> dequantize_wire() or raw decode -> FI ->
 *    label and confidence. Malformed bytes (they come from the network) are rejected with
 *    offloadkit::invalid_argument, never read out of bounds.
 *  - split_remote: a split_receiver behind the remote_executor concept (payload: the wire bytes),
 *    for a FI that runs in the same process or a loopback test: submit() decodes and infers at
 *    once, poll() hands the answers back; a malformed message becomes an answer with ok == false
 *    (counted), so the other side never crashes and the sender's frame falls back.
 *
 * ## Split message, version 1 (little-endian)
 *
 *     offset  size  field
 *     0       4     magic "OKSP" (0x4F 0x4B 0x53 0x50)
 *     4       1     version = 1
 *     5       1     encoding: 0 raw binary32 features, 1 quantized (an OKQT message follows)
 *     6       2     reserved, must be 0
 *     8       8     id (u64): the request id, echoed in the answer
 *     16      8     count (u64): number of features
 *     24      ...   body: encoding 0: count binary32 values (finite); encoding 1: exactly one
 *                   quantized wire message (kernels/quantize.hpp, docs/wire-format.md) of count
 *                   elements
 *
 * Nothing may follow the body. The receiver also requires count == FI's feature_count().
 *
 * Threads: none. Each object is used by one thread at a time (they own their buffers).
 * Allocation: none per frame — the feature, wire and logit buffers are sized at construction from
 * the FE/FI feature counts (quantize_to_wire/dequantize_wire allocate only for per-channel layouts
 * with more than 1024 channels).
 */

#include <algorithm>
#include <bit>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "../calibration/scores.hpp"
#include "../concepts.hpp"
#include "../error.hpp"
#include "../kernels/quantize.hpp"
#include "../metrics/compression.hpp"

namespace offloadkit {

/// Size of the split message header (before the body).
inline constexpr std::size_t split_header_size = 24;
/// Current split message version.
inline constexpr std::uint8_t split_wire_version = 1;

/// Whether the sender quantizes.
enum class compression_mode : std::uint8_t {
    automatic,  ///< decide_compression() at the link's current bandwidth (AMVP eq. 5, Fig. 12)
    always,     ///< always quantize (AMVP's default behaviour, n = bits)
    never,      ///< always send binary32
};

/// Settings of a split_sender.
struct split_options {
    int bits = 8;                                  ///< n of eq. 1 (AMVP uses 8), 1..16
    compression_mode mode = compression_mode::automatic;
    double quantize_rate = 400e6;    ///< QT throughput, feature bytes/s (measure it on the device)
    double dequantize_rate = 800e6;  ///< DQ throughput on the FI device, feature bytes/s
    quantize_options quantizer{};    ///< per tensor (eq. 1) or per channel
};

/// What split_sender::send() did.
struct split_send_report {
    std::uint64_t id = 0;
    bool compressed = false;          ///< quantized (encoding 1)
    bool sent = false;                ///< link.send() accepted the bytes
    std::size_t wire_bytes = 0;       ///< the split message size
    double extract_latency = 0.0;     ///< what FE reported (s)
    compression_decision decision{};  ///< eq. 5's terms (automatic mode with a positive bandwidth)
};

/// What split_receiver::receive() produced.
struct split_answer {
    std::uint64_t id = 0;          ///< the id in the message
    bool compressed = false;       ///< the message was quantized
    std::size_t label = 0;         ///< arg max of FI's logits
    double confidence = 0.0;       ///< max softmax of FI's logits
    double infer_latency = 0.0;    ///< what FI reported (s)
};

namespace detail::split {
inline void put_u64(std::byte* p, std::uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i) {
        p[i] = static_cast<std::byte>((v >> (8 * i)) & 0xFFu);
    }
}
inline std::uint64_t get_u64(const std::byte* p) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
        v |= static_cast<std::uint64_t>(std::to_integer<std::uint8_t>(p[i])) << (8 * i);
    }
    return v;
}
inline void put_f32(std::byte* p, float f) noexcept {
    const auto u = std::bit_cast<std::uint32_t>(f);
    for (int i = 0; i < 4; ++i) {
        p[i] = static_cast<std::byte>((u >> (8 * i)) & 0xFFu);
    }
}
inline float get_f32(const std::byte* p) noexcept {
    std::uint32_t u = 0;
    for (int i = 0; i < 4; ++i) {
        u |= static_cast<std::uint32_t>(std::to_integer<std::uint8_t>(p[i])) << (8 * i);
    }
    return std::bit_cast<float>(u);
}
inline void write_header(std::byte* b, bool quantized, std::uint64_t id, std::uint64_t count) noexcept {
    b[0] = std::byte{0x4F};
    b[1] = std::byte{0x4B};
    b[2] = std::byte{0x53};
    b[3] = std::byte{0x50};
    b[4] = std::byte{split_wire_version};
    b[5] = quantized ? std::byte{1} : std::byte{0};
    b[6] = std::byte{0};
    b[7] = std::byte{0};
    put_u64(b + 8, id);
    put_u64(b + 16, count);
}
}  // namespace detail::split

/// The fixed header of a split message (file comment).
struct split_header {
    std::uint64_t id = 0;
    bool quantized = false;
    std::uint64_t count = 0;

    /**
     * @brief Parses and checks the header of `wire` (the body is checked by the receiver).
     * @throws offloadkit::invalid_argument naming the field for a short buffer, a wrong magic,
     *         version, encoding or reserved byte. O(1).
     */
    template <class = void>  // a template: only a caller instantiates it (compile cost, issue 14)
    [[nodiscard]] static split_header parse(std::span<const std::byte> wire, std::string_view fn = "split_header::parse") {
        detail::require(wire.size() >= split_header_size, fn, "wire has size ", wire.size(), ", expected at least ",
                        split_header_size, " (the split header)");
        const auto u8 = [&](std::size_t i) { return std::to_integer<unsigned>(wire[i]); };
        detail::require(u8(0) == 0x4F && u8(1) == 0x4B && u8(2) == 0x53 && u8(3) == 0x50, fn,
                        "wire[0..4) is not the magic \"OKSP\"");
        detail::require(u8(4) == split_wire_version, fn, "wire version is ", u8(4), ", expected 1");
        detail::require(u8(5) <= 1, fn, "wire encoding is ", u8(5), ", expected 0 (raw) or 1 (quantized)");
        detail::require(u8(6) == 0 && u8(7) == 0, fn, "wire reserved bytes are not 0");
        split_header h;
        h.quantized = u8(5) == 1;
        h.id = detail::split::get_u64(wire.data() + 8);
        h.count = detail::split::get_u64(wire.data() + 16);
        return h;
    }
};

/// Bytes a split message of `count` features needs at most (raw or quantized at `bits`).
template <class = void>
[[nodiscard]] inline std::size_t split_message_capacity(std::size_t count, int bits,
                                                        const quantize_options& quantizer = {}) {
    return split_header_size + std::max(quantized_wire_size(count, bits, quantizer.channels), 4 * count);
}

/**
 * @brief Writes the split message (file comment) of `features` into `out`: raw binary32, or
 *        quantized at `bits` by quantize_to_wire (AMVP eq. 1). What split_sender sends; also for a
 *        shared part 1 that encodes one feature once for several part-2 devices.
 * @param out at least split_message_capacity(features.size(), bits) bytes.
 * @return the message size.
 * @throws offloadkit::invalid_argument for non-finite features, bits outside 1..16 (when
 *         quantized) or `out` too small. O(features); no allocation (as quantize_to_wire).
 */
template <class = void>  // a template: the quantizer is instantiated by a caller only (compile cost, issue 14)
inline std::size_t encode_split_message(std::span<const float> features, bool quantized, int bits, std::uint64_t id,
                                        std::span<std::byte> out, const quantize_options& quantizer = {}) {
    constexpr std::string_view fn = "encode_split_message";
    const std::size_t n = features.size();
    detail::require(out.size() >= split_header_size + (quantized ? 0 : 4 * n), fn, "out has size ", out.size(),
                    ", expected at least ", split_header_size + (quantized ? 0 : 4 * n));
    detail::split::write_header(out.data(), quantized, id, n);
    if (quantized) {
        return split_header_size + quantize_to_wire(features, bits, out.subspan(split_header_size), quantizer);
    }
    detail::require_finite(features, fn, "features");
    for (std::size_t i = 0; i < n; ++i) {
        detail::split::put_f32(out.data() + split_header_size + 4 * i, features[i]);
    }
    return split_header_size + 4 * n;
}

/**
 * @brief The FE side of a split CNN (AMVP §IV-B, Fig. 6): features -> (quantized) message ->
 *        link.
 * @tparam Frame the host's input. @tparam Extractor feature_extractor<Extractor, Frame>.
 * @tparam Link a network_link; its bandwidth() drives the compress-or-not decision.
 */
template <class Frame, class Extractor, network_link Link>
    requires feature_extractor<Extractor, Frame>
class split_sender {
public:
    /**
     * @throws offloadkit::invalid_argument for bits outside 1..16, rates not finite and > 0,
     *         FE with 0 features, or quantizer options that do not fit the feature count.
     */
    split_sender(Extractor extractor, Link link, split_options options = {})
        : fe_(std::move(extractor)), link_(std::move(link)), opt_(options) {
        constexpr std::string_view fn = "split_sender";
        detail::require(opt_.bits >= 1 && opt_.bits <= 16, fn, "options.bits is ", opt_.bits, ", expected 1..16");
        detail::require_positive(opt_.quantize_rate, fn, "options.quantize_rate");
        detail::require_positive(opt_.dequantize_rate, fn, "options.dequantize_rate");
        count_ = static_cast<std::size_t>(fe_.feature_count());
        detail::require(count_ >= 1, fn, "extractor.feature_count() is 0, expected >= 1");
        features_.assign(count_, 0.0F);
        detail::quant::check_options(count_, opt_.quantizer, fn);
        wire_.assign(split_message_capacity(count_, opt_.bits, opt_.quantizer), std::byte{0});
    }

    /**
     * @brief Runs FE on `frame`, encodes its features and hands the message to the link.
     * @param id the request id carried by the message (and echoed by the receiver).
     * @return what happened; `sent` is false if the link refused the bytes.
     * @throws offloadkit::invalid_argument if FE reports a non-finite feature or latency
     *         (nothing is sent); whatever FE or the link throw propagates.
     * O(features) plus FE; no allocation.
     */
    split_send_report send(const Frame& frame, std::uint64_t id) {
        constexpr std::string_view fn = "split_sender::send";
        split_send_report rep;
        rep.id = id;
        rep.extract_latency = static_cast<double>(fe_.extract(frame, std::span<float>(features_)));
        detail::require(std::isfinite(rep.extract_latency) && rep.extract_latency >= 0.0, fn,
                        "extractor latency is ", rep.extract_latency, ", expected a finite number >= 0");
        detail::require_finite(std::span<const float>(features_), fn, "features");
        rep.compressed = compress(rep.decision);
        rep.wire_bytes = encode_split_message(features_, rep.compressed, opt_.bits, id, wire_, opt_.quantizer);
        rep.sent = link_.send(std::span<const std::byte>(wire_).first(rep.wire_bytes));
        return rep;
    }

    /// The features of the last send() (FE's output before quantization).
    [[nodiscard]] std::span<const float> features() const noexcept { return features_; }
    [[nodiscard]] const split_options& options() const noexcept { return opt_; }
    [[nodiscard]] Extractor& extractor() noexcept { return fe_; }
    [[nodiscard]] Link& link() noexcept { return link_; }

private:
    bool compress(compression_decision& d) const {
        switch (opt_.mode) {
            case compression_mode::always: return true;
            case compression_mode::never: return false;
            case compression_mode::automatic: break;
        }
        const double bw = static_cast<double>(link_.bandwidth());
        if (!(bw > 0.0) || !std::isfinite(bw)) {
            return true;  // nothing (or an unknown amount) can be sent: send the fewest bytes
        }
        d = decide_compression(4 * count_, opt_.bits, bw, opt_.quantize_rate, opt_.dequantize_rate);
        return d.compress;
    }

    Extractor fe_;
    Link link_;
    split_options opt_;
    std::size_t count_ = 0;
    std::vector<float> features_;
    std::vector<std::byte> wire_;
};

/**
 * @brief The FI side of a split CNN: message -> validation -> dequantization (AMVP eq. 2) or
 *        raw decode -> FI -> answer.
 * @tparam Inference feature_inference<Inference>.
 */
template <class Inference>
    requires feature_inference<Inference>
class split_receiver {
public:
    /// @throws offloadkit::invalid_argument for a FI with 0 features or 0 classes.
    explicit split_receiver(Inference inference) : fi_(std::move(inference)) {
        constexpr std::string_view fn = "split_receiver";
        count_ = static_cast<std::size_t>(fi_.feature_count());
        classes_ = static_cast<std::size_t>(fi_.num_classes());
        detail::require(count_ >= 1, fn, "inference.feature_count() is 0, expected >= 1");
        detail::require(classes_ >= 1, fn, "inference.num_classes() is 0, expected >= 1");
        features_.assign(count_, 0.0F);
        logits_.assign(classes_, 0.0F);
    }

    /**
     * @brief Decodes one split message and runs FI on its features.
     * @throws offloadkit::invalid_argument for any malformed message: header (split_header::parse),
     *         a count other than FI's feature_count(), a raw body of the wrong length or with a
     *         non-finite value, a quantized body rejected by dequantize_wire() or whose count
     *         differs, trailing bytes; and for non-finite logits or latency from FI. Never reads
     *         outside `wire`. O(features) plus FI; no allocation.
     */
    split_answer receive(std::span<const std::byte> wire) {
        constexpr std::string_view fn = "split_receiver::receive";
        const split_header h = split_header::parse(wire, fn);
        detail::require(h.count == count_, fn, "wire count is ", h.count, ", expected ", count_,
                        " (inference.feature_count())");
        const auto body = wire.subspan(split_header_size);
        if (h.quantized) {
            // dequantize_wire validates the whole OKQT message (and its length) and leaves
            // features_ untouched on error; its count must match the header's.
            const std::size_t n = dequantize_wire(body, std::span<float>(features_));
            detail::require(n == count_, fn, "quantized count is ", n, ", expected ", count_);
        } else {
            detail::require(body.size() == 4 * count_, fn, "raw body has size ", body.size(), ", expected ",
                            4 * count_);
            // Check every value before writing any: features() keeps the last good message's.
            for (std::size_t i = 0; i < count_; ++i) {
                const float v = detail::split::get_f32(body.data() + 4 * i);
                detail::require(std::isfinite(v), fn, detail::arg_at{"features", i}, " is ", v);
            }
            for (std::size_t i = 0; i < count_; ++i) {
                features_[i] = detail::split::get_f32(body.data() + 4 * i);
            }
        }
        std::fill(logits_.begin(), logits_.end(), 0.0F);
        split_answer a;
        a.id = h.id;
        a.compressed = h.quantized;
        a.infer_latency = static_cast<double>(fi_.infer(std::span<const float>(features_), std::span<float>(logits_)));
        detail::require(std::isfinite(a.infer_latency) && a.infer_latency >= 0.0, fn, "inference latency is ",
                        a.infer_latency, ", expected a finite number >= 0");
        detail::require_finite(std::span<const float>(logits_), fn, "logits");
        const top1 t = top1_confidence(logits_);
        a.label = t.index;
        a.confidence = t.confidence;
        return a;
    }

    /// The features the last successful receive() decoded (eq. 2's F^).
    [[nodiscard]] std::span<const float> features() const noexcept { return features_; }
    [[nodiscard]] Inference& inference() noexcept { return fi_; }

private:
    Inference fi_;
    std::size_t count_ = 0;
    std::size_t classes_ = 0;
    std::vector<float> features_;
    std::vector<float> logits_;
};

/**
 * @brief A split_receiver as a remote_executor<split_remote, std::span<const std::byte>>:
 *        submit(id, wire) decodes and infers at once and queues the answer; poll() returns the
 *        queued answers in order. A malformed message (or one whose id differs from `id`) is
 *        answered with ok == false and counted in malformed(). A full queue refuses submit().
 */
template <class Inference>
    requires feature_inference<Inference>
class split_remote {
public:
    /// @param capacity answers held until polled (>= 1). @throws as split_receiver, capacity 0.
    explicit split_remote(Inference inference, std::size_t capacity = 64) : rx_(std::move(inference)) {
        detail::require(capacity >= 1, "split_remote", "capacity is 0, expected >= 1");
        ring_.assign(capacity, remote_result{});
    }

    bool submit(std::uint64_t id, std::span<const std::byte> wire) {
        if (size_ == ring_.size()) {
            return false;
        }
        remote_result r{id, 0, 0.0, false};
        try {
            const split_answer a = rx_.receive(wire);
            if (a.id == id) {
                r = remote_result{id, a.label, a.confidence, true};
            } else {
                ++malformed_;
            }
        } catch (const invalid_argument&) {
            ++malformed_;
        }
        ring_[(head_ + size_) % ring_.size()] = r;
        ++size_;
        return true;
    }

    std::optional<remote_result> poll() {
        if (size_ == 0) {
            return std::nullopt;
        }
        const remote_result r = ring_[head_];
        head_ = (head_ + 1) % ring_.size();
        --size_;
        return r;
    }

    /// Messages answered with ok == false because they were malformed.
    [[nodiscard]] std::uint64_t malformed() const noexcept { return malformed_; }
    [[nodiscard]] split_receiver<Inference>& receiver() noexcept { return rx_; }

private:
    split_receiver<Inference> rx_;
    std::vector<remote_result> ring_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
    std::uint64_t malformed_ = 0;
};

}  // namespace offloadkit

#endif  // OFFLOADKIT_RUNTIME_SPLIT_PATH_HPP
