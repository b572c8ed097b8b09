#ifndef OFFLOADKIT_CONCEPTS_HPP
#define OFFLOADKIT_CONCEPTS_HPP

/**
 * @file
 * @brief The plug-in points a host application implements to run offloadkit over its own
 *        NPU, server and network backends.
 *
 * Every plug-in point of offloadkit, in one place:
 *
 * | concept                 | what the host provides                                   | used by |
 * |-------------------------|----------------------------------------------------------|---------|
 * | local_executor<E, F>    | the on-device (NPU) model: frame -> logits, latency      | CBO and ApproxNet pipelines |
 * | remote_executor<R, P>   | the server/GPU: accepts a payload (frame, features), answers later | CBO pipeline, AMVP split path |
 * | network_link<L>         | the uplink: estimated bandwidth and latency, sends bytes | CBO pipeline, AMVP split path |
 * | bandwidth_estimator<B>  | observes completed transfers, returns a bandwidth estimate | simulator, CBO pipeline |
 * | calibrator<C>           | confidence score -> probability of being correct         | CBO (seed 000 §III-B) |
 * | time_source<C>          | the clock the pipeline reads (a manual clock in tests)    | pipelines |
 *
 * Units everywhere: seconds for time, bytes for sizes, bytes per second for bandwidth.
 * Minimal models of each concept live in tests/support/models.hpp; the compile-time checks in
 * tests/static/test_concepts.cpp assert positive and negative cases.
 */

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace offloadkit {

/**
 * @brief What a remote executor reports for one submitted payload.
 *
 * `ok == false` means the server failed on this request (the pipeline then falls back to the
 * local result); `label` is the predicted class when `ok`.
 */
struct remote_result {
    std::uint64_t id = 0;      ///< the id given to remote_executor::submit
    std::size_t label = 0;     ///< predicted class (valid when ok)
    double confidence = 0.0;   ///< the server model's own confidence, if it has one (else 0)
    bool ok = false;           ///< false: the server reported a failure for this request
};

/**
 * @brief The on-device model (NPU/DSP/CPU) that runs on every frame.
 *
 * `e.num_classes()` is the logit count; `e.infer(frame, logits)` writes exactly num_classes()
 * logits into `logits` and returns the inference latency in seconds.
 */
template <class E, class Frame>
concept local_executor = requires(E& e, const E& ce, const Frame& frame, std::span<float> logits) {
    { ce.num_classes() } -> std::convertible_to<std::size_t>;
    { e.infer(frame, logits) } -> std::convertible_to<double>;
};

/**
 * @brief The remote model (edge server, GPU, another device) that answers asynchronously.
 *
 * `r.submit(id, payload)` hands over one request and returns false if it was refused (queue full,
 * not connected). `r.poll()` returns a finished result, if any, without blocking. Results may
 * arrive in any order, late, or never; the caller owns deadlines.
 */
template <class R, class Payload>
concept remote_executor = requires(R& r, std::uint64_t id, const Payload& payload) {
    { r.submit(id, payload) } -> std::same_as<bool>;
    { r.poll() } -> std::same_as<std::optional<remote_result>>;
};

/**
 * @brief The uplink between the device and the remote side.
 *
 * `l.bandwidth()` is the link's current estimate in bytes per second (may be 0: nothing can be
 * sent in time), `l.latency()` its one-way plus return latency L in seconds (seed 000 Table II),
 * `l.send(bytes)` queues bytes for transmission and returns false if the link refused them.
 */
template <class L>
concept network_link = requires(L& l, const L& cl, std::span<const std::byte> bytes) {
    { cl.bandwidth() } -> std::convertible_to<double>;
    { cl.latency() } -> std::convertible_to<double>;
    { l.send(bytes) } -> std::same_as<bool>;
};

/**
 * @brief Learns the uplink bandwidth from completed transfers.
 *
 * `b.observe(bytes, seconds)` records one completed transfer of `bytes` that took `seconds`;
 * `b.estimate()` returns the current estimate in bytes per second.
 */
template <class B>
concept bandwidth_estimator = requires(B& b, const B& cb, double bytes, double seconds) {
    b.observe(bytes, seconds);
    { cb.estimate() } -> std::convertible_to<double>;
};

/**
 * @brief Maps a confidence score to the probability that the prediction is correct
 *        (seed 000 §III-B).
 *
 * A calibrator is a regular value (copyable, equality comparable) so that a model fitted on a
 * desktop can be copied, compared and shipped; `c(s)` maps one score, `c.transform(in, out)` a
 * batch (out.size() == in.size()).
 */
template <class C>
concept calibrator = std::regular<C> &&
    requires(const C& c, double score, std::span<const double> in, std::span<double> out) {
        { c(score) } -> std::convertible_to<double>;
        c.transform(in, out);
    };

/**
 * @brief The clock a pipeline reads: `c.now()` in seconds, non-decreasing.
 *
 * Production code wraps std::chrono::steady_clock; tests use a manual clock they advance.
 */
template <class C>
concept time_source = requires(C& c) {
    { c.now() } -> std::convertible_to<double>;
};

}  // namespace offloadkit

#endif  // OFFLOADKIT_CONCEPTS_HPP
