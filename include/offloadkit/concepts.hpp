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
 * | remote_executor<R, P>   | the server/GPU: accepts a payload (frame, features), answers later | CBO pipeline (P = offload_request), AMVP split path |
 * | network_link<L>         | the uplink: estimated bandwidth and latency, sends bytes | CBO pipeline, AMVP split path |
 * | transfer_link<L>        | a network_link that also reports when a send() completed (bytes, seconds, ok) | CBO pipeline (frees the uplink, feeds the estimator) |
 * | frame_encoder<E, F>     | a frame's expected bytes per resolution, and its wire bytes at one resolution | CBO pipeline |
 * | feature_extractor<E, F> | the first part (FE) of a split CNN: frame -> features, latency | AMVP split path (AMVP §IV-B) |
 * | feature_inference<I>    | the second part (FI): features -> logits, latency         | AMVP split path |
 * | approx_executor<E, F>   | the approximation-enabled DNN: runs branch b on a frame -> logits, latency (+ optional run_remote) | ApproxNet pipeline (ApproxNet §4) |
 * | bandwidth_estimator<B>  | observes completed transfers, returns a bandwidth estimate | simulator, CBO pipeline |
 * | calibrator<C>           | confidence score -> probability of being correct         | CBO §III-B |
 * | vector_calibrator<C>    | the whole score vector -> probability the top-1 answer is right | CBO §III-B, Fig. 6 |
 * | time_source<C>          | the clock the pipeline reads (a manual clock in tests)    | pipelines |
 * | offload_policy<P>       | (offload/policies.hpp) one online decision over the pending window | simulator, CBO pipeline |
 *
 * How the CBO pipeline (runtime/cbo_pipeline.hpp) uses them, per frame: push() calls
 * `encoder.sizes(frame, bytes)` and `local.infer(frame, logits)`; when the policy sends the frame
 * at resolution r, poll() calls `encoder.encode(frame, r, id)`, `remote.submit(id, request)` and
 * `link.send(wire)`; later polls read `link.poll_completed()` (the uplink is free again, the
 * transfer is fed to `estimator.observe(bytes, seconds)`) and `remote.poll()` (the answer). All
 * calls happen on the thread that calls push()/poll(); none of them may block for long (the
 * pipeline's deadlines are only as good as the host's polling).
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
 * sent in time), `l.latency()` its one-way plus return latency L in seconds (CBO Table II),
 * `l.send(bytes)` queues bytes for transmission and returns false if the link refused them.
 */
template <class L>
concept network_link = requires(L& l, const L& cl, std::span<const std::byte> bytes) {
    { cl.bandwidth() } -> std::convertible_to<double>;
    { cl.latency() } -> std::convertible_to<double>;
    { l.send(bytes) } -> std::same_as<bool>;
};

/// What a transfer_link reports when the transfer handed to send() has left the device.
struct transfer_report {
    double bytes = 0.0;    ///< bytes transferred (the size of the send() span)
    double seconds = 0.0;  ///< from send() to the last byte leaving (s); bytes / seconds is a throughput sample
    bool ok = true;        ///< false: the transfer failed (connection lost); its frame falls back to local
};

/**
 * @brief A network_link that tells when a transfer is done: the CBO pipeline sends one frame at a
 *        time (CBO's FCFS uplink) and needs to know when the uplink is free again and how
 *        long the transfer took.
 *
 * `l.poll_completed()` returns, without blocking, the report of the transfer started by the last
 * successful send() once its last byte has left (or it failed), exactly once; std::nullopt while
 * it is still going or when nothing is in flight.
 */
template <class L>
concept transfer_link = network_link<L> && requires(L& l) {
    { l.poll_completed() } -> std::same_as<std::optional<transfer_report>>;
};

/**
 * @brief Turns a frame into bytes for the uplink at one of the m resolutions of CBO §V-A
 *        (e.g. 45x45 ... 224x224 PNG).
 *
 * `e.sizes(frame, bytes)` writes the expected size S(I, r) of the frame at every resolution r into
 * `bytes` (bytes.size() == m; a frame with no data has no positive size); the policy plans with
 * these. `e.encode(frame, r, id)` returns the wire bytes of the frame at resolution r for request
 * `id` (a view the encoder owns, valid until its next encode call); the link sends exactly these.
 */
template <class E, class Frame>
concept frame_encoder =
    requires(E& e, const Frame& frame, std::span<double> bytes, std::size_t resolution, std::uint64_t id) {
        e.sizes(frame, bytes);
        { e.encode(frame, resolution, id) } -> std::convertible_to<std::span<const std::byte>>;
    };

/**
 * @brief The payload the CBO pipeline hands to `remote_executor<R, offload_request>::submit` for
 *        one offloaded frame, just before the same wire bytes go to the link.
 *
 * A remote executor whose transport is the link only needs the id (to match answers); one that
 * ships bytes itself can use `wire`. `deadline` lets the server drop work nobody waits for.
 */
struct offload_request {
    std::size_t resolution = 0;          ///< r, index into the model's resolutions
    std::span<const std::byte> wire;     ///< the encoded frame (valid during submit() only)
    double arrival = 0.0;                ///< the frame's timestamp (s)
    double deadline = 0.0;               ///< arrival + T (s): an answer after this is not used
};

/**
 * @brief The feature extraction part (FE) of a CNN split in two (AMVP §IV-B, Fig. 6).
 *
 * `e.feature_count()` is the number of binary32 features it outputs (H x W x C);
 * `e.extract(frame, features)` writes exactly that many into `features` and returns its latency
 * in seconds.
 */
template <class E, class Frame>
concept feature_extractor = requires(E& e, const E& ce, const Frame& frame, std::span<float> features) {
    { ce.feature_count() } -> std::convertible_to<std::size_t>;
    { e.extract(frame, features) } -> std::convertible_to<double>;
};

/**
 * @brief The feature inference part (FI) of a split CNN, on the other device (AMVP §IV-B).
 *
 * `i.feature_count()` features in, `i.num_classes()` logits out; `i.infer(features, logits)`
 * returns its latency in seconds.
 */
template <class I>
concept feature_inference =
    requires(I& i, const I& ci, std::span<const float> features, std::span<float> logits) {
        { ci.feature_count() } -> std::convertible_to<std::size_t>;
        { ci.num_classes() } -> std::convertible_to<std::size_t>;
        { i.infer(features, logits) } -> std::convertible_to<double>;
    };

/**
 * @brief An approximation-enabled DNN (ApproxNet §4.1): `e.num_classes()` logits;
 *        `e.run(frame, branch, logits)` runs approximation branch `branch` (an index into the
 *        profiles' branches) and returns the observed latency in seconds.
 *
 * Optionally `e.run_remote(frame, logits)` runs the frame on the remote executor (§4.5) and
 * returns the end-to-end latency; the pipeline calls it when the scheduler decides to offload.
 */
template <class E, class Frame>
concept approx_executor = requires(E& e, const E& ce, const Frame& frame, std::size_t branch,
                                   std::span<float> logits) {
    { ce.num_classes() } -> std::convertible_to<std::size_t>;
    { e.run(frame, branch, logits) } -> std::convertible_to<double>;
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
 *        (CBO §III-B).
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
 * @brief Maps a frame's whole score vector (the NPU's K logits) to the probability that its
 *        top-1 answer (the arg max of the scores) is right: the per-class calibration of CBO
 *        §III-B, Fig. 6, where each class model sees the whole vector.
 *
 * A regular value like calibrator; `c(scores)` takes the K scores of one frame. Models:
 * one_vs_rest_calibrator (Fig. 6), top1_calibrator<C> (a scalar calibrator on the softmax top-1)
 * and any_calibrator (calibration/vector.hpp). Each has to_string / from_string like the scalar
 * calibrators.
 */
template <class C>
concept vector_calibrator = std::regular<C> && requires(const C& c, std::span<const double> scores) {
    { c(scores) } -> std::convertible_to<double>;
};

/**
 * @brief What the offloading path (policies, simulator, pipeline) accepts as C(p_i): a scalar
 *        calibrator of the top-1 confidence or a vector calibrator of the score vector
 *        (CBO §III-B). calibrated_confidence() in calibration/vector.hpp applies either.
 */
template <class C>
concept frame_calibrator = calibrator<C> || vector_calibrator<C>;

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
