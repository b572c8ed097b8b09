#ifndef OFFLOADKIT_RUNTIME_CBO_PIPELINE_HPP
#define OFFLOADKIT_RUNTIME_CBO_PIPELINE_HPP

/**
 * @file
 * @brief The live CBO pipeline (CBO §IV-A Fig. 8, §IV-D): every frame runs on the local
 *        model, its confidence goes to an online offloading policy over the pending window, the
 *        chosen frame is encoded at the chosen resolution and handed to the remote executor and
 *        the uplink, and exactly one result per frame comes back — the server's if it arrives by
 *        the deadline, the local one otherwise.
 *
 * ## Driving it
 * No thread inside. The host calls, from its own loop (one thread at a time):
 *  - `push(frame, timestamp)` for every captured frame: runs the local model (local_executor),
 *    asks the encoder for the frame's size at every resolution, and adds the frame to the pending
 *    window. No decision is taken here (so that frames arriving together are decided together,
 *    as in the simulator).
 *  - `poll()` regularly (at least at `next_due()`): reads the clock, collects server answers
 *    (remote.poll) and finished transfers (link.poll_completed, fed to the bandwidth estimator),
 *    lets the policy decide when the uplink is free, and delivers every result that is due. It
 *    returns the results delivered by this call.
 * runtime/runner.hpp runs the same object on a std::jthread for hosts that prefer that.
 *
 * ## Decisions: the online policy protocol of offload/policies.hpp, driven exactly as the
 * simulator drives it
 * poll() calls `policy.decide({now, bandwidth}, window, release)` when the uplink is free, the
 * window is not empty and something happened since the last decision (a frame was pushed, or a
 * transfer completed) — the simulator's "at each arrival and each completion" — after finalizing
 * expired frames (is_expired, protocol step 2) as local. With `failure_threshold = 0` and
 * `probe_interval = 0`, a fake link whose transfers end at bandwidth_trace::finish() and a poll
 * at every arrival and completion time, the pipeline takes exactly the simulator's decisions
 * (tests/runtime/test_cbo_pipeline.cpp checks it frame by frame).
 *
 * ## Results: exactly one per frame, never after its deadline
 * A frame i with timestamp a_i has the deadline d_i = a_i + T and its local result is ready at
 * r_i, the clock reading at the end of push() (after the local inference). Each frame leaves
 * through exactly one frame_result, delivered at the first poll() at or after:
 *  - the decision that releases it, or the time it expires in the window (no transfer could be on
 *    time any more) -> kept_local;
 *  - the server's answer, if it is read by d_i - guard -> server;
 *  - a failure (remote refused the request, link refused or lost the bytes, the server answered
 *    ok == false or with a malformed answer) -> server_failed, at once;
 *  - d_i - guard with no answer -> server_late (the local result).
 * So if the host polls at next_due(), every result is delivered by max(d_i, r_i): the deadline,
 * or later only by the local inference itself. `guard` (pipeline_options::deadline_guard) makes
 * a real-clock host deliver a little early, so that its wake-up jitter does not push results past
 * d_i; 0 in tests. stats().deadline_misses counts results delivered after max(d_i, r_i).
 *
 * ## Faults (beyond the paper, which assumes a reliable server and a known bandwidth)
 *  - Bandwidth: the estimator only learns from completed transfers; a collapse shows up as a slow
 *    (or never finishing) transfer, whose frame falls back at its deadline, and then as a low
 *    estimate, so the policy sends less. A low estimate would never be corrected if nothing is
 *    sent, so after `probe_interval` seconds without a send, one decision sees the link's own
 *    figure link.bandwidth() when it is higher (a probe). Choice of ours; 0 disables it.
 *  - Server stalls and failures: a circuit breaker. `failure_threshold` consecutive failures
 *    (refused, failed, malformed, or late although the transfer itself was on time) open it for
 *    `backoff` seconds (doubling up to `max_backoff`); while open the policy is driven with
 *    bandwidth 0, i.e. it keeps every frame local (protocol: "0: nothing can be sent"). After the
 *    back-off one more failure reopens it; one server answer in time closes it. Choice of ours;
 *    0 disables it.
 *  - Bad input: push() rejects a non-finite or negative timestamp, one before the previous
 *    frame's, a frame whose sizes are not all positive (a frame with no data), NaN logits or a
 *    negative latency from the local executor, with offloadkit::invalid_argument (nothing
 *    changes; counted in stats().rejected_frames). Answers for ids never issued or never sent
 *    (unknown), for frames already delivered (stale), malformed answers, transfer reports with
 *    nothing in flight, and clock readings that go backwards or are not finite are counted in
 *    stats() and otherwise ignored (the clock keeps its last good value). If a backend or the
 *    policy throws inside poll(), the exception propagates and the results already delivered by
 *    that call are returned by the next successful poll(): nothing is lost.
 *
 * ## Threads
 * offload_pipeline is not thread-safe: push(), poll(), flush(), next_due() and every accessor must
 * not run concurrently (one host loop, or runtime/runner.hpp, which serializes them with a mutex).
 * The backends are called only from inside push()/poll()/flush(), on the calling thread.
 * Distinct pipelines share nothing.
 *
 * ## Allocation
 * None per frame in the steady state: frame slots (a power-of-two ring of `capacity` frames,
 * each with its m sizes), the window, the release flags, the result buffer and the policy's
 * scratch are reused. Allocation happens when more than `capacity` frames are outstanding at once
 * (the ring doubles), when the policy sees a larger window than ever before (its warm-up), and
 * wherever the host's own backends allocate — including copying the Frame into its slot (a
 * std::vector frame of the same size copies without allocating; use a handle type for big frames).
 */

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "../calibration/scores.hpp"
#include "../concepts.hpp"
#include "../error.hpp"
#include "../offload/policies.hpp"
#include "../offload/problem.hpp"

namespace offloadkit {

/// Which model's answer a frame_result carries.
enum class result_source : std::uint8_t {
    local,   ///< the on-device model's
    server,  ///< the remote executor's
};

/// Why a frame's result is what it is (the four outcomes of the issue).
enum class result_reason : std::uint8_t {
    kept_local,     ///< never offloaded: released by the policy, expired while waiting, or flushed
    server,         ///< offloaded and the server's answer arrived by the deadline
    server_late,    ///< offloaded, no answer by the deadline: the local result, at the deadline
    server_failed,  ///< offloading failed (refused, lost, error, malformed answer): the local result, at once
};

/// The finer cause behind a local result (diagnostics; `none` for server results).
enum class fallback_cause : std::uint8_t {
    none,              ///< a server result
    released,          ///< the policy finalized the frame as local
    breaker_open,      ///< released while the server was in back-off (the policy saw bandwidth 0)
    expired,           ///< no transfer could finish in time any more (is_expired) while it waited
    encode_failed,     ///< the encoder returned no bytes
    remote_refused,    ///< remote.submit() returned false (e.g. not connected)
    link_refused,      ///< link.send() returned false
    transfer_failed,   ///< the link reported the transfer as failed
    server_error,      ///< the server answered ok == false
    malformed_result,  ///< the answer's label or confidence is out of range
    transfer_late,     ///< deadline reached, the upload itself was not done in time (bandwidth)
    answer_late,       ///< deadline reached, the upload was on time but no answer came (server stall or loss)
    flushed,           ///< delivered by flush()
};

/// Name of a result_reason ("kept_local", "server", "server_late", "server_failed").
template <class = void>
[[nodiscard]] constexpr std::string_view reason_name(result_reason r) noexcept {
    switch (r) {
        case result_reason::kept_local: return "kept_local";
        case result_reason::server: return "server";
        case result_reason::server_late: return "server_late";
        case result_reason::server_failed: return "server_failed";
    }
    return "unknown";
}

/// Name of a fallback_cause (the enumerator's name).
template <class = void>
[[nodiscard]] constexpr std::string_view cause_name(fallback_cause c) noexcept {
    switch (c) {
        case fallback_cause::none: return "none";
        case fallback_cause::released: return "released";
        case fallback_cause::breaker_open: return "breaker_open";
        case fallback_cause::expired: return "expired";
        case fallback_cause::encode_failed: return "encode_failed";
        case fallback_cause::remote_refused: return "remote_refused";
        case fallback_cause::link_refused: return "link_refused";
        case fallback_cause::transfer_failed: return "transfer_failed";
        case fallback_cause::server_error: return "server_error";
        case fallback_cause::malformed_result: return "malformed_result";
        case fallback_cause::transfer_late: return "transfer_late";
        case fallback_cause::answer_late: return "answer_late";
        case fallback_cause::flushed: return "flushed";
    }
    return "unknown";
}

/// The one result of one frame.
struct frame_result {
    std::uint64_t id = 0;             ///< the id push() returned (0, 1, 2, ... in push order)
    result_source source = result_source::local;
    result_reason reason = result_reason::kept_local;
    fallback_cause cause = fallback_cause::released;
    std::size_t label = 0;            ///< the predicted class of the answer used
    double confidence = 0.0;          ///< local: the raw top-1 softmax; server: remote_result::confidence
    int resolution = -1;              ///< the resolution it was offloaded at (-1: never offloaded)
    double arrival = 0.0;             ///< the timestamp given to push() (s)
    double deadline = 0.0;            ///< arrival + T (s)
    double local_ready = 0.0;         ///< clock reading when push() finished the local inference (s)
    double local_latency = 0.0;       ///< what local.infer() returned (s)
    double sent_at = std::numeric_limits<double>::quiet_NaN();  ///< decision time of the offload (NaN: never)
    double delivered_at = 0.0;        ///< clock reading of the poll() that delivered it (s)
    friend bool operator==(const frame_result&, const frame_result&) = default;
};

/// Counters of a pipeline since construction.
struct pipeline_stats {
    std::uint64_t frames_in = 0;         ///< frames accepted by push()
    std::uint64_t results_out = 0;       ///< results delivered (== frames_in once nothing is outstanding)
    std::uint64_t kept_local = 0;        ///< results by reason ...
    std::uint64_t server = 0;
    std::uint64_t server_late = 0;
    std::uint64_t server_failed = 0;
    std::uint64_t offloaded = 0;         ///< transfers started (link.send accepted)
    double bytes_sent = 0.0;             ///< bytes of those transfers
    std::uint64_t decisions = 0;         ///< policy.decide() calls
    std::uint64_t deadline_misses = 0;   ///< results delivered after max(deadline, local_ready)
    std::uint64_t rejected_frames = 0;   ///< push() calls that threw
    std::uint64_t unknown_results = 0;   ///< answers for ids never issued or never offloaded
    std::uint64_t stale_results = 0;     ///< answers for frames already delivered
    std::uint64_t malformed_results = 0; ///< answers with a label >= num_classes or a confidence outside [0, 1]
    std::uint64_t spurious_transfers = 0;   ///< link reports with nothing in flight
    std::uint64_t malformed_transfers = 0;  ///< link reports with non-finite or negative bytes/seconds
    std::uint64_t clock_regressions = 0;    ///< clock readings that went backwards or were not finite
    std::uint64_t breaker_trips = 0;     ///< times the circuit breaker opened
    std::uint64_t probes = 0;            ///< offloads decided under a probe bandwidth
    friend bool operator==(const pipeline_stats&, const pipeline_stats&) = default;
};

/// Settings of an offload_pipeline.
struct pipeline_options {
    offload_model model;                   ///< T, T^o, L, A^o_r (CBO Table II): the policy's model
    std::size_t capacity = 256;            ///< outstanding frames held without allocating (rounded up to 2^k)
    double deadline_guard = 0.0;           ///< deliver local results this long before the deadline (s), [0, T)
    std::size_t failure_threshold = 3;     ///< consecutive server failures that open the breaker (0: no breaker)
    double backoff = 0.5;                  ///< first breaker-open period (s), > 0
    double max_backoff = 8.0;              ///< longest breaker-open period (s), >= backoff
    double probe_interval = 1.0;           ///< seconds without a send before a probe decision (0: never)
    std::size_t max_events_per_poll = 1024;  ///< bound on remote.poll() and link.poll_completed() calls per poll()
};

namespace detail {
template <class = void>
inline void validate_pipeline_options(const pipeline_options& o, std::string_view fn) {
    validate_offload_model(o.model, fn);
    require(o.capacity >= 1 && o.capacity <= (std::size_t{1} << 30), fn, "capacity is ", o.capacity,
            ", expected 1..2^30");
    require(std::isfinite(o.deadline_guard) && o.deadline_guard >= 0.0 && o.deadline_guard < o.model.deadline, fn,
            "deadline_guard is ", o.deadline_guard, ", expected a value in [0, deadline)");
    require_positive(o.backoff, fn, "backoff");
    require(std::isfinite(o.max_backoff) && o.max_backoff >= o.backoff, fn, "max_backoff is ", o.max_backoff,
            ", expected a finite number >= backoff");
    require_non_negative(o.probe_interval, fn, "probe_interval");
    require(o.max_events_per_poll >= 1, fn, "max_events_per_poll is 0, expected >= 1");
}
}  // namespace detail

/**
 * @brief The live offloading pipeline over a host's backends, driven by any online policy of
 *        offload/policies.hpp (cbo_pipeline: the CBO policy). Semantics in the file comment.
 *
 * @tparam Frame what the host captures (copied into a slot until its result is out; std::copyable
 *         and default-constructible).
 * @tparam Policy an offload_policy (cbo_policy<C>, fastva_policy, server_policy, ...).
 * @tparam Local local_executor<Local, Frame>: the NPU model.
 * @tparam Encoder frame_encoder<Encoder, Frame>: sizes per resolution and wire bytes.
 * @tparam Link transfer_link: the uplink.
 * @tparam Remote remote_executor<Remote, offload_request>: the server.
 * @tparam Estimator bandwidth_estimator fed by completed transfers.
 * @tparam Clock time_source (steady_clock_source live, manual_clock in tests).
 *
 * The backends are owned (moved in); reach them through the accessors.
 */
template <class Frame, offload_policy Policy, class Local, class Encoder, transfer_link Link, class Remote,
          bandwidth_estimator Estimator, time_source Clock>
    requires std::copyable<Frame> && std::default_initializable<Frame> && local_executor<Local, Frame> &&
             frame_encoder<Encoder, Frame> && remote_executor<Remote, offload_request>
class offload_pipeline {
public:
    using frame_type = Frame;
    using policy_type = Policy;

    /**
     * @param options the model (the same one the policy was built with), capacity, guard, breaker
     *        and probe settings.
     * @param policy the online policy (one per stream: policies are not thread-safe).
     * @param local, encoder, link, remote, estimator, clock the host's backends.
     * @throws offloadkit::invalid_argument for invalid options or a local model with 0 classes.
     */
    offload_pipeline(pipeline_options options, Policy policy, Local local, Encoder encoder, Link link, Remote remote,
                     Estimator estimator, Clock clock)
        : opt_(std::move(options)),
          policy_(std::move(policy)),
          local_(std::move(local)),
          encoder_(std::move(encoder)),
          link_(std::move(link)),
          remote_(std::move(remote)),
          estimator_(std::move(estimator)),
          clock_(std::move(clock)) {
        constexpr std::string_view fn = "offload_pipeline";
        detail::validate_pipeline_options(opt_, fn);
        classes_ = static_cast<std::size_t>(local_.num_classes());
        detail::require(classes_ >= 1, fn, "local.num_classes() is 0, expected >= 1");
        m_ = opt_.model.server_accuracy.size();
        backoff_ = opt_.backoff;
        std::size_t cap = 1;
        while (cap < opt_.capacity) {
            cap *= 2;
        }
        allocate(cap);
        logits_.assign(classes_, 0.0F);
        sizes_.assign(m_, 0.0);
        last_send_ = read_clock();
    }

    /**
     * @brief Accepts one frame: local inference, sizes per resolution, into the pending window.
     *
     * @param frame the captured frame (copied into the pipeline until its result is delivered).
     * @param timestamp its capture time on the pipeline's clock (s): the arrival a_i of CBO
     *        (deadline a_i + T); finite, >= 0, >= the previous frame's.
     * @return the frame's id (0, 1, 2, ... in push order), which its frame_result carries.
     * @throws offloadkit::invalid_argument for a bad timestamp, a size from the encoder that is not
     *         finite and > 0, a non-finite logit or a negative/non-finite latency from the local
     *         executor (the pipeline is unchanged; stats().rejected_frames counts it); whatever the
     *         local executor or encoder throw propagates the same way.
     * O(k + m) plus the backends; no allocation in the steady state (file comment).
     */
    std::uint64_t push(const Frame& frame, double timestamp) { return push_impl(frame, timestamp); }

    /// push() that moves the frame into its slot.
    std::uint64_t push(Frame&& frame, double timestamp) { return push_impl(std::move(frame), timestamp); }

    /**
     * @brief push() with the clock's current reading as the timestamp (for hosts that capture
     *        and push at once; a reading that went backwards is replaced by the last good one).
     */
    std::uint64_t push(const Frame& frame) { return push_impl(frame, read_clock()); }

    /**
     * @brief One step of the pipeline at the clock's current time: answers, completed transfers,
     *        a decision if one is due, and every result that is due.
     * @return the results delivered by this call (and by a previous call that threw), valid until
     *         the next poll()/flush(); at most one per outstanding frame.
     * @throws whatever a backend or the policy throws (the results are kept for the next call);
     *         offloadkit::invalid_argument if the policy returns an out-of-range action.
     * O(outstanding + cost of a decision); no allocation in the steady state.
     */
    std::span<const frame_result> poll() {
        begin_output();
        const double now = read_clock();
        drain_remote(now);
        drain_link(now);
        decide_loop(now);
        sweep(now);
        returned_ = true;
        return out_;
    }

    /**
     * @brief Delivers every outstanding frame now with its local result (cause flushed): window
     *        frames as kept_local, offloaded ones as server_late. For shutdown. An in-flight
     *        transfer still occupies the uplink until the link reports it.
     * @return the results, valid until the next poll()/flush().
     */
    std::span<const frame_result> flush() {
        begin_output();
        const double now = read_clock();
        for (const std::uint64_t id : window_) {
            deliver_local(slot_of(id), now, result_reason::kept_local, fallback_cause::flushed);
        }
        window_.clear();
        for (const std::uint64_t id : sent_) {
            if (slot* s = sent_slot(id)) {
                deliver_local(*s, now, result_reason::server_late, fallback_cause::flushed);
            }
        }
        sent_.clear();
        returned_ = true;
        return out_;
    }

    /**
     * @brief The earliest clock time at which poll() has something to deliver or decide without
     *        any new event: the current time if a decision is pending, else the earliest expiry of
     *        a waiting frame or deadline (minus the guard) of an offloaded one; +infinity if
     *        nothing is outstanding. A host that polls at next_due() (and after each push and each
     *        backend event) delivers every result by its deadline. O(outstanding).
     */
    [[nodiscard]] double next_due() const noexcept {
        double due = std::numeric_limits<double>::infinity();
        if (!busy_ && dirty_ && !window_.empty()) {
            return last_now_;
        }
        const double slack = opt_.model.deadline - opt_.model.server_time - opt_.model.network_latency;
        for (const std::uint64_t id : window_) {
            const slot& s = slot_of(id);
            due = std::min({due, s.arrival + slack, s.deadline - opt_.deadline_guard});
        }
        for (const std::uint64_t id : sent_) {
            const slot& s = slot_of(id);
            if (s.id == id && s.state == slot_state::sent) {
                due = std::min(due, s.deadline - opt_.deadline_guard);
            }
        }
        return due;
    }

    /// Frames pushed whose result is not delivered yet.
    [[nodiscard]] std::size_t outstanding() const noexcept { return outstanding_; }
    /// True while a transfer occupies the uplink.
    [[nodiscard]] bool uplink_busy() const noexcept { return busy_; }
    /// True while the circuit breaker keeps every frame local.
    [[nodiscard]] bool breaker_open() const noexcept { return last_now_ < open_until_; }
    [[nodiscard]] const pipeline_stats& stats() const noexcept { return stats_; }
    [[nodiscard]] const pipeline_options& options() const noexcept { return opt_; }
    [[nodiscard]] Policy& policy() noexcept { return policy_; }
    [[nodiscard]] Local& local() noexcept { return local_; }
    [[nodiscard]] Encoder& encoder() noexcept { return encoder_; }
    [[nodiscard]] Link& link() noexcept { return link_; }
    [[nodiscard]] Remote& remote() noexcept { return remote_; }
    [[nodiscard]] Estimator& estimator() noexcept { return estimator_; }
    [[nodiscard]] Clock& clock() noexcept { return clock_; }
    [[nodiscard]] const Clock& clock() const noexcept { return clock_; }

private:
    enum class slot_state : std::uint8_t { free, waiting, sent };

    struct slot {
        Frame frame{};
        std::vector<double> bytes;
        std::vector<double> scores;  // the local model's logits (K), for a vector calibrator (CBO Fig. 6)
        std::uint64_t id = 0;
        slot_state state = slot_state::free;
        std::size_t label = 0;
        double confidence = 0.0;
        double arrival = 0.0;
        double deadline = 0.0;
        double local_ready = 0.0;
        double local_latency = 0.0;
        double sent_at = std::numeric_limits<double>::quiet_NaN();
        double transfer_end = std::numeric_limits<double>::quiet_NaN();
        int resolution = -1;
    };

    void allocate(std::size_t cap) {
        std::vector<slot> next(cap);
        for (auto& s : next) {
            s.bytes.assign(m_, 0.0);
            s.scores.assign(classes_, 0.0);
        }
        for (auto& s : slots_) {
            if (s.state != slot_state::free) {
                next[s.id & (cap - 1)] = std::move(s);
            }
        }
        slots_ = std::move(next);
        mask_ = cap - 1;
        window_.reserve(cap);
        sent_.reserve(cap);
        out_.reserve(2 * cap);
        view_.reserve(cap);
        release_.reserve(cap);
    }

    [[nodiscard]] slot& slot_of(std::uint64_t id) noexcept { return slots_[id & mask_]; }
    [[nodiscard]] const slot& slot_of(std::uint64_t id) const noexcept { return slots_[id & mask_]; }
    [[nodiscard]] slot* sent_slot(std::uint64_t id) noexcept {
        slot& s = slot_of(id);
        return (s.id == id && s.state == slot_state::sent) ? &s : nullptr;
    }

    double read_clock() {
        double now = static_cast<double>(clock_.now());
        if (!std::isfinite(now) || now < last_now_) {
            ++stats_.clock_regressions;
            now = std::isfinite(last_now_) ? last_now_ : 0.0;
        }
        last_now_ = now;
        return now;
    }

    void begin_output() {
        if (returned_) {
            out_.clear();
        }
        returned_ = false;
    }

    template <class F>
    std::uint64_t push_impl(F&& frame, double timestamp) {
        constexpr std::string_view fn = "offload_pipeline::push";
        std::size_t label = 0;
        double confidence = 0.0;
        double latency = 0.0;
        try {
            detail::require(std::isfinite(timestamp) && timestamp >= 0.0, fn, "timestamp is ", timestamp,
                            ", expected a finite number >= 0");
            detail::require(timestamp >= last_arrival_, fn, "timestamp is ", timestamp, ", expected >= ",
                            last_arrival_, " (the previous frame's)");
            std::fill(sizes_.begin(), sizes_.end(), std::numeric_limits<double>::quiet_NaN());
            encoder_.sizes(std::as_const(frame), std::span<double>(sizes_));
            for (std::size_t r = 0; r < m_; ++r) {
                detail::require(std::isfinite(sizes_[r]) && sizes_[r] > 0.0, fn, detail::arg_at{"bytes", r}, " is ",
                                sizes_[r], " (encoder.sizes), expected a finite number > 0: a frame with data");
            }
            std::fill(logits_.begin(), logits_.end(), std::numeric_limits<float>::quiet_NaN());
            latency = static_cast<double>(local_.infer(std::as_const(frame), std::span<float>(logits_)));
            for (std::size_t k = 0; k < classes_; ++k) {
                detail::require(std::isfinite(logits_[k]), fn, detail::arg_at{"logits", k}, " is ", logits_[k],
                                " (local.infer), expected a finite number");
            }
            detail::require(std::isfinite(latency) && latency >= 0.0, fn, "local latency is ", latency,
                            " (local.infer), expected a finite number >= 0");
            const top1 t = top1_confidence(logits_);
            label = t.index;
            confidence = t.confidence;
        } catch (...) {
            ++stats_.rejected_frames;
            throw;
        }
        const double ready = read_clock();
        const std::uint64_t id = next_id_;
        if (slot_of(id).state != slot_state::free) {
            allocate(2 * slots_.size());  // more than capacity frames outstanding: grow (rare)
        }
        slot& s = slot_of(id);
        s.frame = std::forward<F>(frame);
        std::copy(sizes_.begin(), sizes_.end(), s.bytes.begin());
        std::copy(logits_.begin(), logits_.end(), s.scores.begin());
        s.id = id;
        s.state = slot_state::waiting;
        s.label = label;
        s.confidence = confidence;
        s.arrival = timestamp;
        s.deadline = timestamp + opt_.model.deadline;
        s.local_ready = ready;
        s.local_latency = latency;
        s.sent_at = std::numeric_limits<double>::quiet_NaN();
        s.transfer_end = std::numeric_limits<double>::quiet_NaN();
        s.resolution = -1;
        window_.push_back(id);
        ++next_id_;
        ++outstanding_;
        ++stats_.frames_in;
        last_arrival_ = timestamp;
        dirty_ = true;
        return id;
    }

    void emit(slot& s, double now, result_source src, result_reason reason, fallback_cause cause, std::size_t label,
              double confidence) {
        frame_result r;
        r.id = s.id;
        r.source = src;
        r.reason = reason;
        r.cause = cause;
        r.label = label;
        r.confidence = confidence;
        r.resolution = s.resolution;
        r.arrival = s.arrival;
        r.deadline = s.deadline;
        r.local_ready = s.local_ready;
        r.local_latency = s.local_latency;
        r.sent_at = s.sent_at;
        r.delivered_at = now;
        out_.push_back(r);
        s.state = slot_state::free;
        --outstanding_;
        ++stats_.results_out;
        switch (reason) {
            case result_reason::kept_local: ++stats_.kept_local; break;
            case result_reason::server: ++stats_.server; break;
            case result_reason::server_late: ++stats_.server_late; break;
            case result_reason::server_failed: ++stats_.server_failed; break;
        }
        if (now > std::max(s.deadline, s.local_ready)) {
            ++stats_.deadline_misses;
        }
    }

    void deliver_local(slot& s, double now, result_reason reason, fallback_cause cause) {
        emit(s, now, result_source::local, reason, cause, s.label, s.confidence);
    }

    void breaker_failure(double now) {
        if (opt_.failure_threshold == 0) {
            return;
        }
        ++consecutive_failures_;
        if (consecutive_failures_ >= opt_.failure_threshold && now >= open_until_) {
            open_until_ = now + backoff_;
            backoff_ = std::min(2.0 * backoff_, opt_.max_backoff);
            consecutive_failures_ = opt_.failure_threshold - 1;  // after the back-off one failure reopens
            ++stats_.breaker_trips;
        }
    }

    void breaker_success() {
        consecutive_failures_ = 0;
        backoff_ = opt_.backoff;
    }

    void drain_remote(double now) {
        for (std::size_t n = 0; n < opt_.max_events_per_poll; ++n) {
            std::optional<remote_result> r = remote_.poll();
            if (!r) {
                break;
            }
            on_result(*r, now);
        }
    }

    void on_result(const remote_result& r, double now) {
        if (r.id >= next_id_) {
            ++stats_.unknown_results;
            return;
        }
        slot& s = slot_of(r.id);
        if (s.id != r.id || s.state == slot_state::free) {
            ++stats_.stale_results;
            return;
        }
        if (s.state == slot_state::waiting) {
            ++stats_.unknown_results;  // an answer for a frame that was never offloaded
            return;
        }
        if (!r.ok) {
            deliver_local(s, now, result_reason::server_failed, fallback_cause::server_error);
            breaker_failure(now);
            return;
        }
        if (r.label >= classes_ || !(r.confidence >= 0.0 && r.confidence <= 1.0)) {
            ++stats_.malformed_results;
            deliver_local(s, now, result_reason::server_failed, fallback_cause::malformed_result);
            breaker_failure(now);
            return;
        }
        if (now <= s.deadline - opt_.deadline_guard) {
            emit(s, now, result_source::server, result_reason::server, fallback_cause::none, r.label, r.confidence);
            breaker_success();
        } else {
            late(s, now);
        }
    }

    /// The local result of an offloaded frame whose answer missed d - guard.
    void late(slot& s, double now) {
        const auto& mo = opt_.model;
        const bool upload_on_time = std::isfinite(s.transfer_end) &&
                                    detail::on_time(s.transfer_end, s.arrival, mo.deadline, mo.server_time,
                                                    mo.network_latency);
        deliver_local(s, now, result_reason::server_late,
                      upload_on_time ? fallback_cause::answer_late : fallback_cause::transfer_late);
        if (upload_on_time) {
            breaker_failure(now);
        }
    }

    void drain_link(double now) {
        for (std::size_t n = 0; n < opt_.max_events_per_poll; ++n) {
            std::optional<transfer_report> c = link_.poll_completed();
            if (!c) {
                break;
            }
            on_transfer(*c, now);
        }
    }

    void on_transfer(const transfer_report& c, double now) {
        if (!busy_) {
            ++stats_.spurious_transfers;
            return;
        }
        busy_ = false;
        dirty_ = true;  // a completion is a decision point (protocol step 1)
        const bool valid = std::isfinite(c.bytes) && c.bytes >= 0.0 && std::isfinite(c.seconds) && c.seconds >= 0.0;
        if (!valid) {
            ++stats_.malformed_transfers;
        }
        slot* s = sent_slot(in_flight_);
        if (s != nullptr) {
            s->transfer_end = valid ? s->sent_at + c.seconds : now;
        }
        if (c.ok && valid && c.bytes > 0.0 && c.seconds > 0.0) {
            estimator_.observe(c.bytes, c.seconds);
        }
        if (!c.ok && s != nullptr) {
            deliver_local(*s, now, result_reason::server_failed, fallback_cause::transfer_failed);
            breaker_failure(now);
        }
    }

    /// Finalizes expired window frames as local (protocol step 2); keeps the window in order.
    void expire_window(double now) {
        std::size_t kept = 0;
        for (const std::uint64_t id : window_) {
            slot& s = slot_of(id);
            if (is_expired(opt_.model, s.arrival, now) || now >= s.deadline - opt_.deadline_guard) {
                deliver_local(s, now, result_reason::kept_local, fallback_cause::expired);
            } else {
                window_[kept++] = id;
            }
        }
        window_.resize(kept);
    }

    void decide_loop(double now) {
        constexpr std::string_view fn = "offload_pipeline::poll";
        // Each further round needs a transfer that completed at once: at most one per window frame.
        const std::size_t rounds = window_.size() + 2;
        for (std::size_t round = 0; round < rounds && !busy_ && dirty_; ++round) {
            expire_window(now);
            if (window_.empty()) {
                dirty_ = false;
                return;
            }
            view_.clear();
            for (const std::uint64_t id : window_) {
                const slot& s = slot_of(id);
                view_.push_back(pending_frame{static_cast<std::size_t>(id), s.arrival, s.confidence,
                                              std::span<const double>(s.bytes), std::span<const double>(s.scores)});
            }
            release_.assign(view_.size(), std::uint8_t{0});
            const bool open = now < open_until_;
            double bandwidth = 0.0;
            bool probe = false;
            if (!open) {
                bandwidth = static_cast<double>(estimator_.estimate());
                if (opt_.probe_interval > 0.0 && now - last_send_ >= opt_.probe_interval) {
                    const double nominal = static_cast<double>(link_.bandwidth());
                    if (std::isfinite(nominal) && nominal > bandwidth) {
                        bandwidth = nominal;
                        probe = true;
                    }
                }
            }
            ++stats_.decisions;
            const offload_action act = policy_.decide(decision_context{now, bandwidth},
                                                      std::span<const pending_frame>(view_),
                                                      std::span<std::uint8_t>(release_));
            std::span<const std::byte> wire;
            if (act.sends()) {
                detail::require(static_cast<std::size_t>(act.index) < view_.size(), fn,
                                "the policy chose window index ", act.index, " of ", view_.size());
                detail::require(act.resolution >= 0 && static_cast<std::size_t>(act.resolution) < m_, fn,
                                "the policy chose resolution ", act.resolution, " of ", m_);
                detail::require(release_[static_cast<std::size_t>(act.index)] == 0, fn,
                                "the policy both sent and released window index ", act.index);
                slot& s = slot_of(window_[static_cast<std::size_t>(act.index)]);
                wire = encoder_.encode(std::as_const(s.frame), static_cast<std::size_t>(act.resolution), s.id);
            }
            // Commit: nothing below throws except the backends' submit/send.
            dirty_ = false;
            std::uint64_t chosen = 0;
            std::size_t kept = 0;
            for (std::size_t w = 0; w < window_.size(); ++w) {
                const std::uint64_t id = window_[w];
                if (act.sends() && static_cast<std::ptrdiff_t>(w) == act.index) {
                    chosen = id;
                } else if (release_[w] != 0) {
                    deliver_local(slot_of(id), now, result_reason::kept_local,
                                  open ? fallback_cause::breaker_open : fallback_cause::released);
                } else {
                    window_[kept++] = id;
                }
            }
            window_.resize(kept);
            if (!act.sends()) {
                return;
            }
            slot& s = slot_of(chosen);
            s.resolution = act.resolution;
            s.sent_at = now;
            if (!offload(s, wire, now)) {
                return;  // refused: the uplink stays free; the next event decides again
            }
            if (probe) {
                ++stats_.probes;
            }
            drain_link(now);  // a transfer that already completed frees the uplink for another round
        }
    }

    /// Hands one frame to the remote executor and the link; false (and the frame delivered) if refused.
    bool offload(slot& s, std::span<const std::byte> wire, double now) {
        if (wire.empty()) {
            deliver_local(s, now, result_reason::server_failed, fallback_cause::encode_failed);
            return false;
        }
        const offload_request req{static_cast<std::size_t>(s.resolution), wire, s.arrival, s.deadline};
        if (!remote_.submit(s.id, req)) {
            deliver_local(s, now, result_reason::server_failed, fallback_cause::remote_refused);
            breaker_failure(now);
            return false;
        }
        if (!link_.send(wire)) {
            deliver_local(s, now, result_reason::server_failed, fallback_cause::link_refused);
            breaker_failure(now);
            return false;
        }
        s.state = slot_state::sent;
        sent_.push_back(s.id);
        busy_ = true;
        in_flight_ = s.id;
        last_send_ = now;
        ++stats_.offloaded;
        stats_.bytes_sent += static_cast<double>(wire.size());
        return true;
    }

    /// Time-driven deliveries: offloaded frames at d - guard, waiting frames once expired.
    void sweep(double now) {
        std::size_t kept = 0;
        for (const std::uint64_t id : sent_) {
            slot* s = sent_slot(id);
            if (s == nullptr) {
                continue;  // already delivered
            }
            if (now >= s->deadline - opt_.deadline_guard) {
                late(*s, now);
            } else {
                sent_[kept++] = id;
            }
        }
        sent_.resize(kept);
        expire_window(now);
    }

    pipeline_options opt_;
    Policy policy_;
    Local local_;
    Encoder encoder_;
    Link link_;
    Remote remote_;
    Estimator estimator_;
    Clock clock_;

    std::size_t classes_ = 0;
    std::size_t m_ = 0;
    std::vector<slot> slots_;
    std::size_t mask_ = 0;
    std::vector<std::uint64_t> window_;   // waiting frames in arrival order
    std::vector<std::uint64_t> sent_;     // offloaded frames (some may be delivered already)
    std::vector<pending_frame> view_;     // the window as the policy sees it
    std::vector<std::uint8_t> release_;
    std::vector<frame_result> out_;
    std::vector<float> logits_;
    std::vector<double> sizes_;
    pipeline_stats stats_;
    std::uint64_t next_id_ = 0;
    std::uint64_t in_flight_ = 0;
    std::size_t outstanding_ = 0;
    double last_now_ = -std::numeric_limits<double>::infinity();
    double last_arrival_ = 0.0;
    double last_send_ = 0.0;
    double open_until_ = -std::numeric_limits<double>::infinity();
    double backoff_ = 0.0;
    std::size_t consecutive_failures_ = 0;
    bool busy_ = false;
    bool dirty_ = false;
    bool returned_ = true;
};

/**
 * @brief The CBO pipeline: offload_pipeline driven by cbo_policy<C> (CBO §IV-D, Algorithm 1
 *        over the pending window with calibrated confidences C(p_i)). C is a calibrator of the
 *        top-1 confidence or a vector_calibrator of the local model's logits (CBO Fig. 6): every
 *        pending frame carries its logits (pending_frame::scores).
 */
template <class Frame, frame_calibrator C, class Local, class Encoder, class Link, class Remote, class Estimator, class Clock>
using cbo_pipeline = offload_pipeline<Frame, cbo_policy<C>, Local, Encoder, Link, Remote, Estimator, Clock>;

/**
 * @brief Builds a cbo_pipeline whose policy is cbo_policy<C>(options.model, cal, order), so that
 *        the pipeline and the policy share one model. The default order is cbo_order::arrival, the
 *        exact optimum of each pending window (issue 15 §5: never worse than Algorithm 1's
 *        confidence order on a window, strictly better on some; docs/offloading.md gives the
 *        measurements); pass cbo_order::confidence for Algorithm 1 as written. Only Frame is
 *        spelled out:
 * @code
 * auto pipe = ok::make_cbo_pipeline<my_frame>(opt, platt, npu, encoder, link, server,
 *                                              ok::harmonic_mean_estimator(5, 625000.0),
 *                                              ok::steady_clock_source{});
 * const auto id = pipe.push(frame, pipe.clock().now());
 * for (const ok::frame_result& r : pipe.poll()) { use(r); }
 * @endcode
 * @throws offloadkit::invalid_argument as the constructors of cbo_policy and offload_pipeline.
 */
template <class Frame, frame_calibrator C, class Local, class Encoder, class Link, class Remote, class Estimator, class Clock>
[[nodiscard]] cbo_pipeline<Frame, C, Local, Encoder, Link, Remote, Estimator, Clock> make_cbo_pipeline(
    pipeline_options options, C cal, Local local, Encoder encoder, Link link, Remote remote, Estimator estimator,
    Clock clock, cbo_order order = cbo_order::arrival) {
    cbo_policy<C> policy(options.model, std::move(cal), order);
    return cbo_pipeline<Frame, C, Local, Encoder, Link, Remote, Estimator, Clock>(
        std::move(options), std::move(policy), std::move(local), std::move(encoder), std::move(link),
        std::move(remote), std::move(estimator), std::move(clock));
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_RUNTIME_CBO_PIPELINE_HPP
