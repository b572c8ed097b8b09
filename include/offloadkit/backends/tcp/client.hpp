#ifndef OFFLOADKIT_BACKENDS_TCP_CLIENT_HPP
#define OFFLOADKIT_BACKENDS_TCP_CLIENT_HPP

/**
 * @file
 * @brief The device side of the TCP backend: one connection to an edge server (tcp_client) seen
 *        by the CBO pipeline as its uplink (tcp_link, a transfer_link) and as its server
 *        (tcp_remote, a remote_executor<…, offload_request>). Linux, POSIX sockets, no thread.
 *
 * ## One connection for both
 * The pipeline offloads a frame by calling `remote.submit(id, request)` and then
 * `link.send(wire)` with the same bytes (runtime/cbo_pipeline.hpp, offload()). Both go over one
 * TCP connection: submit() announces the request (id, deadline, resolution, size), send() writes
 * the 32-byte request header and the frame right behind it (backends/tcp/protocol.hpp), and the
 * answers come back on the same stream. Two connections would need a second id to pair a frame
 * with its header, could deliver them in either order, and would fail independently (a frame
 * whose header connection died). tcp_link and tcp_remote are therefore two handles on one shared
 * tcp_client; the pipeline owns both handles, the client lives as long as either.
 *
 * ## When a transfer is complete (the uplink is free, CBO §IV: FCFS, one frame at a time)
 * Not when send() returns — the bytes then sit in the kernel's socket buffer, and a throughput
 * sample taken there is as fast as memcpy (docs/runtime.md shows the estimate this gives on a
 * shaped link). A transfer is complete when the peer has acknowledged its last byte. Four ways
 * to tell are implemented (tcp_completion); the default, ack_timestamp, is the kernel's own
 * timestamp of the ACK that covered the last byte (SO_TIMESTAMPING with SOF_TIMESTAMPING_TX_ACK),
 * so the measured duration does not depend on how often the host polls; the polled ones
 * (SIOCOUTQ == 0, TCP_INFO unacked == 0 and notsent == 0) are exact only to the polling period.
 * The measured error of each against the true transfer time on a token-bucket link is in
 * docs/runtime.md ("TCP backend"). The reported seconds are ACK time - send() time - the
 * connection's minimum RTT: CBO's model charges the propagation to L, not to bytes / B.
 *
 * ## Buffers and deadlines
 * The uplink holds one frame at a time, and the next frame is only sent once the previous one is
 * acknowledged, so a decision never waits behind old bytes in the socket buffer: the kernel queue
 * is empty at every send(). The send buffer (SO_SNDBUF, `send_buffer`) is sized to take a whole
 * frame at once so that the transfer never waits for the host's next poll to push the rest; a
 * frame larger than what the kernel takes is kept in user space and pushed by every later call.
 * `notsent_lowat` (TCP_NOTSENT_LOWAT) can bound the kernel's unsent bytes further for hosts that
 * drive fd() from their own event loop (then the host must keep polling while a transfer runs).
 * The deadline travels as a budget relative to the moment the server reads the header:
 * budget = deadline - now - L (L = latency()), with `now` from the pipeline's own clock
 * (options.clock), so the two machines' clocks never have to agree (docs/wire-protocol.md).
 *
 * ## Faults
 * Every answer is validated field by field (decode_tcp_answer), then its id must belong to a
 * request sent on this connection and not yet answered, its label must be below num_classes (if
 * set), and the server's queue + compute time must fit in the time since the request was sent.
 * Any violation, an end of stream (mid-answer or not), a reset, a transfer that makes no progress
 * for stall_timeout (a peer that accepts and never reads), or an answer still missing answer_timeout
 * after its deadline (a peer that trickles or stalls) drops the connection: the transfer in flight
 * is reported failed, every unanswered request is answered with ok == false at once (the pipeline
 * falls back to the local result), and the client reconnects after a back-off that doubles up to
 * max_backoff (with ±25% seeded jitter) and returns to `backoff` after a good answer. Each cause
 * is counted in stats(). Memory is bounded by the send buffer, one frame, max_outstanding results
 * and one 32-byte answer; time by the timeouts.
 *
 * ## Threads, allocation
 * Not thread-safe: the client and both handles are used from one thread (the pipeline's). Every
 * public call does the I/O that is ready (connect, write, read, completion) without blocking;
 * nothing runs in between, so the host must call poll()/poll_completed() regularly (the pipeline
 * runner polls every millisecond). No allocation per frame once warm: the result ring and the
 * request table are allocated at construction, the user-space remainder grows to the largest
 * frame that did not fit in the kernel at once.
 */

#include <poll.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../../concepts.hpp"
#include "../../detail/random.hpp"
#include "../../error.hpp"
#include "protocol.hpp"
#include "socket.hpp"

namespace offloadkit {

/// How tcp_link decides that a transfer is complete (see the file comment).
enum class tcp_completion : std::uint8_t {
    ack_timestamp,     ///< kernel timestamp of the ACK of the last byte (SO_TIMESTAMPING TX_ACK); default
    send_queue,        ///< SIOCOUTQ (unacknowledged bytes) seen at 0 by a poll
    tcp_info,          ///< TCP_INFO tcpi_unacked == 0 and tcpi_notsent_bytes == 0 seen by a poll
    handed_to_kernel,  ///< the last byte accepted by send(): the naive rule, for comparison only
};

/// Name of a tcp_completion ("ack_timestamp", "send_queue", "tcp_info", "handed_to_kernel").
[[nodiscard]] constexpr std::string_view completion_name(tcp_completion c) noexcept {
    switch (c) {
        case tcp_completion::ack_timestamp: return "ack_timestamp";
        case tcp_completion::send_queue: return "send_queue";
        case tcp_completion::tcp_info: return "tcp_info";
        case tcp_completion::handed_to_kernel: return "handed_to_kernel";
    }
    return "unknown";
}

/// Settings of a tcp_client.
struct tcp_client_options {
    std::string host = "127.0.0.1";   ///< the server's IPv4/IPv6 address literal (no DNS)
    std::uint16_t port = 0;           ///< the server's port (1..65535)
    /// The pipeline's clock (the one offload_request::deadline is on), e.g.
    /// `[clk]{ return clk.now(); }` with a copy of the pipeline's steady_clock_source. Required.
    std::function<double()> clock;
    tcp_completion completion = tcp_completion::ack_timestamp;
    double nominal_bandwidth = 0.0;   ///< link.bandwidth() in bytes/s (0: all transfers so far, sum bytes / sum seconds)
    double latency = 0.0;             ///< L (s) for link.latency() and the budget (0: the connection's min RTT)
    std::size_t send_buffer = std::size_t{1} << 20;  ///< SO_SNDBUF in bytes (0: the kernel's autotuning)
    std::size_t notsent_lowat = 0;    ///< TCP_NOTSENT_LOWAT in bytes (0: not set)
    std::uint32_t max_frame_bytes = 16u << 20;  ///< largest frame send() accepts
    std::size_t max_outstanding = 64; ///< requests awaiting an answer (or their result) at once
    std::uint32_t num_classes = 0;    ///< answers with label >= this are protocol errors (0: not checked)
    double connect_timeout = 1.0;     ///< a connect attempt that takes longer fails (s)
    double stall_timeout = 2.0;       ///< a transfer without ACK progress this long drops the connection (s)
    double answer_timeout = 2.0;      ///< an answer missing this long after its deadline (after the send, without one) drops the connection (s)
    double backoff = 0.05;            ///< first wait before reconnecting (s)
    double max_backoff = 2.0;         ///< longest wait before reconnecting (s)
    std::uint64_t seed = 1;           ///< seeds the back-off jitter
};

/// Counters of a tcp_client since construction.
struct tcp_client_stats {
    std::uint64_t connects = 0;            ///< connections established
    std::uint64_t connect_failures = 0;    ///< attempts refused, failed or timed out
    std::uint64_t disconnects = 0;         ///< connections dropped, for any of the reasons below
    std::uint64_t peer_closed = 0;         ///< ... end of stream or a connection error from the peer
    std::uint64_t protocol_errors = 0;     ///< ... an invalid answer (the four counters below + wire_errors)
    std::uint64_t stalls = 0;              ///< ... a transfer without ACK progress for stall_timeout
    std::uint64_t answer_timeouts = 0;     ///< ... an answer missing answer_timeout after its deadline
    std::array<std::uint64_t, tcp_wire_error_count> wire_errors{};  ///< answers decode_tcp_answer rejected, by error
    std::uint64_t unknown_ids = 0;         ///< answers for no request outstanding on the connection (or a duplicate)
    std::uint64_t bad_labels = 0;          ///< ok answers with label >= num_classes
    std::uint64_t impossible_times = 0;    ///< queue + compute longer than the time since the request was sent
    std::uint64_t truncated_answers = 0;   ///< the stream ended inside an answer
    std::uint64_t requests = 0;            ///< requests submitted and sent
    std::uint64_t refused = 0;             ///< submit() or send() calls that returned false
    std::uint64_t answers = 0;             ///< valid answers delivered
    std::array<std::uint64_t, 4> by_status{};  ///< ... by tcp_status
    std::uint64_t failed_requests = 0;     ///< requests answered ok == false because their connection dropped
    std::uint64_t transfers = 0;           ///< transfers reported complete
    std::uint64_t failed_transfers = 0;    ///< transfers reported failed
    double bytes_sent = 0.0;               ///< frame bytes of the completed transfers
    std::uint64_t timestamps_missing = 0;  ///< ack_timestamp completions that fell back to the send queue
    double server_queue_seconds = 0.0;     ///< sum of queue_us over valid answers (s)
    double server_compute_seconds = 0.0;   ///< sum of compute_us over valid answers (s)
};

/**
 * @brief One connection to an edge server speaking docs/wire-protocol.md, with the operations of
 *        both transfer_link and remote_executor<…, offload_request>; use it through tcp_link and
 *        tcp_remote (make_tcp_backends). Semantics in the file comment.
 */
class tcp_client {
public:
    /**
     * @brief Validates the options and starts connecting (non-blocking).
     * @throws offloadkit::invalid_argument naming the option: host not an address literal, port 0,
     *         an empty clock, max_outstanding 0 or above 2^20, max_frame_bytes 0, a timeout or
     *         back-off not finite and > 0, max_backoff < backoff, a negative or non-finite
     *         nominal_bandwidth or latency, send_buffer or notsent_lowat above 2^30.
     */
    explicit tcp_client(tcp_client_options options) : opt_(std::move(options)), jitter_(opt_.seed) {
        constexpr std::string_view fn = "tcp_client";
        addr_ = detail::tcp_sock::parse_address(opt_.host, opt_.port, fn);
        detail::require(opt_.port != 0, fn, "port is 0, expected 1..65535");
        detail::require(static_cast<bool>(opt_.clock), fn, "clock is empty, expected the pipeline's clock");
        detail::require(opt_.max_outstanding >= 1 && opt_.max_outstanding <= (std::size_t{1} << 20), fn,
                        "max_outstanding is ", opt_.max_outstanding, ", expected 1..2^20");
        detail::require(opt_.max_frame_bytes >= 1, fn, "max_frame_bytes is 0, expected >= 1");
        detail::require_positive(opt_.connect_timeout, fn, "connect_timeout");
        detail::require_positive(opt_.stall_timeout, fn, "stall_timeout");
        detail::require_positive(opt_.answer_timeout, fn, "answer_timeout");
        detail::require_positive(opt_.backoff, fn, "backoff");
        detail::require(std::isfinite(opt_.max_backoff) && opt_.max_backoff >= opt_.backoff, fn, "max_backoff is ",
                        opt_.max_backoff, ", expected a finite number >= backoff");
        detail::require_non_negative(opt_.nominal_bandwidth, fn, "nominal_bandwidth");
        detail::require_non_negative(opt_.latency, fn, "latency");
        detail::require(opt_.send_buffer <= (std::size_t{1} << 30), fn, "send_buffer is ", opt_.send_buffer,
                        ", expected <= 2^30");
        detail::require(opt_.notsent_lowat <= (std::size_t{1} << 30), fn, "notsent_lowat is ", opt_.notsent_lowat,
                        ", expected <= 2^30");
        ring_.assign(opt_.max_outstanding, remote_result{});
        table_.reserve(opt_.max_outstanding);
        backoff_ = opt_.backoff;
        start_connect(detail::tcp_sock::mono_now());
    }

    tcp_client(const tcp_client&) = delete;
    tcp_client& operator=(const tcp_client&) = delete;
    tcp_client(tcp_client&&) = delete;
    tcp_client& operator=(tcp_client&&) = delete;
    ~tcp_client() = default;

    // ---- remote_executor<tcp_client, offload_request> -------------------------------------------

    /**
     * @brief Announces request `id` for the frame that the next send() carries.
     *
     * Refused (false, counted) when not connected, while a transfer is in flight or its report
     * is unread, when max_outstanding requests and results are held, or when `id` is already
     * outstanding. A previous announcement that send() never followed is withdrawn silently.
     * @throws offloadkit::invalid_argument if the request's deadline is NaN, its resolution
     *         above 65535, or its wire size 0 or above max_frame_bytes (nothing changes).
     * O(max_outstanding) for the duplicate check; no allocation.
     */
    bool submit(std::uint64_t id, const offload_request& request) {
        constexpr std::string_view fn = "tcp_client::submit";
        detail::require(!std::isnan(request.deadline), fn, "request.deadline is NaN");
        detail::require(request.resolution <= 0xFFFFu, fn, "request.resolution is ", request.resolution,
                        ", expected <= 65535");
        detail::require(!request.wire.empty() && request.wire.size() <= opt_.max_frame_bytes, fn,
                        "request.wire has ", request.wire.size(), " bytes, expected 1..max_frame_bytes (",
                        opt_.max_frame_bytes, ")");
        pump();
        withdraw_announcement();
        if (state_ != state::connected || transfer_.active || completed_ || table_.size() + ring_count_ >= ring_.size() ||
            find(id) != nullptr) {
            ++stats_.refused;
            return false;
        }
        table_.push_back(entry{id, request.deadline, std::numeric_limits<double>::quiet_NaN()});
        announced_ = true;
        announce_ = announcement{id, static_cast<std::uint16_t>(request.resolution), request.deadline,
                                 request.wire.size()};
        return true;
    }

    /**
     * @brief The next result, if any: a valid answer (ok == (status == ok)) or, for a request whose
     *        connection dropped, ok == false. Exactly one per request sent. Never blocks.
     * O(1) when a result is queued, else one round of I/O.
     */
    std::optional<remote_result> poll() {
        if (ring_count_ == 0) {
            pump();
        }
        if (ring_count_ == 0) {
            return std::nullopt;
        }
        const remote_result r = ring_[ring_head_];
        ring_head_ = (ring_head_ + 1) % ring_.size();
        --ring_count_;
        return r;
    }

    // ---- transfer_link ----------------------------------------------------------------------------

    /**
     * @brief link.bandwidth() (the pipeline's probe rate): nominal_bandwidth, or else the throughput
     *        of all transfers so far, sum of bytes / sum of seconds (bytes/s; 0 before any). Not the
     *        fastest one: a frame smaller than a token bucket's burst passes at memory speed.
     */
    [[nodiscard]] double bandwidth() const noexcept {
        if (opt_.nominal_bandwidth > 0.0) {
            return opt_.nominal_bandwidth;
        }
        return ok_seconds_ > 0.0 ? stats_.bytes_sent / ok_seconds_ : 0.0;
    }

    /// link.latency(): L from the options, or the current connection's minimum RTT (s; 0 before any).
    [[nodiscard]] double latency() const noexcept { return opt_.latency > 0.0 ? opt_.latency : min_rtt_; }

    /**
     * @brief Sends the frame announced by the last submit(): its request header, then `bytes`.
     *
     * Refused (false) without a matching announcement (none, or a different size), when the
     * connection is gone, or when the write fails (the connection is then dropped). What the kernel
     * does not take at once is kept and pushed by later calls. The budget in the header is
     * computed here, from the clock at the moment the header is written.
     * @return true: the transfer is in flight and poll_completed() will report it exactly once.
     * O(bytes) for the part the kernel does not take at once (copied); no allocation once warm.
     */
    bool send(std::span<const std::byte> bytes) {
        if (!announced_ || announce_.size != bytes.size() || state_ != state::connected || transfer_.active ||
            completed_) {
            withdraw_announcement();
            ++stats_.refused;
            return false;
        }
        announced_ = false;
        const double deadline = announce_.deadline;
        std::uint32_t budget = tcp_no_deadline;
        if (std::isfinite(deadline)) {
            const double left = deadline - opt_.clock() - latency();
            budget = !(left > 0.0) ? 0u
                     : left >= 4294.0 ? tcp_no_deadline - 1u
                                      : static_cast<std::uint32_t>(left * 1e6 + 0.5);  // nearest microsecond
        }
        const tcp_request_header h{announce_.id, budget, announce_.resolution, static_cast<std::uint32_t>(bytes.size())};
        encode_tcp_request(h, header_);
        const double t0 = detail::tcp_sock::mono_now();
        transfer_ = transfer{};
        transfer_.t0_real = detail::tcp_sock::real_now();
        transfer_.t0 = t0;
        transfer_.last_progress = t0;
        transfer_.bytes = bytes.size();
        transfer_.end = written_ + tcp_message_size + bytes.size();
        const long n = detail::tcp_sock::send_two(fd_.get(), header_.data(), header_.size(), bytes.data(), bytes.size());
        if (n < 0) {
            remove(announce_.id);
            drop(t0, drop_cause::peer);
            ++stats_.refused;
            return false;
        }
        entry* e = find(announce_.id);
        e->sent = t0;
        transfer_.active = true;
        ++stats_.requests;
        written_ += static_cast<std::uint64_t>(n);
        const std::size_t total = tcp_message_size + bytes.size();
        const auto done = static_cast<std::size_t>(n);
        if (done < total) {
            // Keep what the kernel did not take (the span is only valid during this call).
            out_.clear();
            if (done < tcp_message_size) {
                out_.insert(out_.end(), header_.begin() + static_cast<std::ptrdiff_t>(done), header_.end());
                out_.insert(out_.end(), bytes.begin(), bytes.end());
            } else {
                out_.insert(out_.end(), bytes.begin() + static_cast<std::ptrdiff_t>(done - tcp_message_size), bytes.end());
            }
            out_at_ = 0;
        } else {
            written_all(detail::tcp_sock::mono_now());
        }
        return true;
    }

    /**
     * @brief The report of the transfer started by the last successful send(), once the peer has
     *        acknowledged its last byte (or it failed), exactly once; std::nullopt before that or
     *        when nothing is in flight. `seconds` is ACK time - send() time - min RTT (> 0).
     * O(1) plus one round of I/O while a transfer runs.
     */
    std::optional<transfer_report> poll_completed() {
        if (!completed_ && transfer_.active) {
            pump();
        }
        if (!completed_) {
            return std::nullopt;
        }
        const transfer_report r = *completed_;
        completed_.reset();
        return r;
    }

    // ---- the host's view ----------------------------------------------------------------------------

    /**
     * @brief Does the I/O that is ready without delivering anything: connects (after the
     *        back-off), writes the rest of a frame, reads answers, checks the transfer and the
     *        timeouts. Every other call does this first; call it from an event loop woken by fd().
     */
    void pump() {
        const double t = detail::tcp_sock::mono_now();
        if (state_ == state::idle && t >= retry_at_) {
            start_connect(t);
        }
        if (state_ == state::connecting) {
            check_connect(t);
        }
        if (state_ != state::connected) {
            return;
        }
        if (out_at_ < out_.size() && !flush(t)) {
            return;
        }
        if (!read_answers(t)) {
            return;
        }
        if (transfer_.active && !check_transfer(t)) {
            return;
        }
        check_answer_timeouts(t);
    }

    /**
     * @brief Blocks until connected or `timeout` seconds have passed (poll(2) on the socket, in
     *        steps of at most 10 ms). For tools and tests at start-up, not for the pipeline's loop.
     * @return connected().
     */
    bool wait_connected(double timeout) {
        const double end = detail::tcp_sock::mono_now() + timeout;
        for (;;) {
            pump();
            const double now = detail::tcp_sock::mono_now();
            if (state_ == state::connected || now >= end) {
                return state_ == state::connected;
            }
            const double step = std::min({end - now, 0.01, state_ == state::idle ? std::max(retry_at_ - now, 0.0) : 0.01});
            pollfd p{fd_.get(), POLLOUT, 0};
            (void)::poll(&p, fd_ ? 1 : 0, static_cast<int>(std::ceil(step * 1000.0)));
        }
    }

    /// True while a connection is established.
    [[nodiscard]] bool connected() const noexcept { return state_ == state::connected; }
    /// The socket (-1 while not connected or connecting): readable when answers arrive, POLLERR
    /// when an ACK timestamp is queued. Changes on every reconnect.
    [[nodiscard]] int fd() const noexcept { return fd_.get(); }
    /// Requests sent (or announced) and not yet answered on this connection.
    [[nodiscard]] std::size_t outstanding() const noexcept { return table_.size(); }
    /// True while a transfer is in flight or its report is unread.
    [[nodiscard]] bool busy() const noexcept { return transfer_.active || completed_.has_value(); }
    [[nodiscard]] const tcp_client_stats& stats() const noexcept { return stats_; }
    [[nodiscard]] const tcp_client_options& options() const noexcept { return opt_; }
    /// The last valid answer (its queue_us and compute_us are the server's T^o parts).
    [[nodiscard]] const std::optional<tcp_answer>& last_answer() const noexcept { return last_answer_; }
    /**
     * @brief Moving average (weight 0.2 on the newest) of queue + compute over ok answers: the
     *        server time T^o this client experiences (s); NaN before the first ok answer.
     */
    [[nodiscard]] double server_time_estimate() const noexcept { return server_time_; }

private:
    enum class state : std::uint8_t { idle, connecting, connected };
    enum class drop_cause : std::uint8_t { peer, protocol, stall, answer_timeout };

    struct entry {
        std::uint64_t id = 0;
        double deadline = 0.0;  // pipeline clock
        double sent = 0.0;      // monotonic; NaN while only announced
    };
    struct announcement {
        std::uint64_t id = 0;
        std::uint16_t resolution = 0;
        double deadline = 0.0;
        std::size_t size = 0;
    };
    struct transfer {
        bool active = false;
        bool all_written = false;
        std::size_t bytes = 0;       // frame bytes (the report's bytes)
        std::uint64_t end = 0;       // stream offset one past the frame's last byte
        double t0 = 0.0;             // monotonic at send()
        double t0_real = 0.0;        // realtime at send() (the clock of ACK timestamps)
        double written_at = 0.0;     // monotonic when the last byte went to the kernel
        double last_progress = 0.0;  // monotonic of the last write or ACK progress
        double queue_checked = -1.0; // monotonic of the last SIOCOUTQ reading
        long last_queue = -1;        // SIOCOUTQ at the last check
    };

    void start_connect(double t) {
        state_ = state::idle;
        detail::tcp_sock::unique_fd s(::socket(addr_.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!s) {
            connect_failed(t);
            return;
        }
        (void)detail::tcp_sock::set_int_option(s.get(), IPPROTO_TCP, TCP_NODELAY, 1);
        if (opt_.send_buffer > 0) {
            (void)detail::tcp_sock::set_int_option(s.get(), SOL_SOCKET, SO_SNDBUF, static_cast<int>(opt_.send_buffer));
        }
        if (opt_.notsent_lowat > 0) {
            (void)detail::tcp_sock::set_int_option(s.get(), IPPROTO_TCP, TCP_NOTSENT_LOWAT,
                                                   static_cast<int>(opt_.notsent_lowat));
        }
        int r = ::connect(s.get(), addr_.get(), addr_.length);
        if (r != 0 && errno != EINPROGRESS && errno != EINTR) {
            connect_failed(t);
            return;
        }
        fd_ = std::move(s);
        connect_started_ = t;
        state_ = state::connecting;
        if (r == 0) {
            check_connect(t);
        }
    }

    void check_connect(double t) {
        pollfd p{fd_.get(), POLLOUT, 0};
        int r = 0;
        do {
            r = ::poll(&p, 1, 0);
        } while (r < 0 && errno == EINTR);
        if (r == 1) {
            int err = 0;
            socklen_t len = sizeof err;
            if (::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
                fd_.reset();
                connect_failed(t);
                return;
            }
            on_connected();
            return;
        }
        if (t - connect_started_ > opt_.connect_timeout) {
            fd_.reset();
            connect_failed(t);
        }
    }

    void on_connected() {
        state_ = state::connected;
        ++stats_.connects;
        written_ = 0;
        rx_len_ = 0;
        out_.clear();
        out_at_ = 0;
        stamps_ = opt_.completion == tcp_completion::ack_timestamp && detail::tcp_sock::enable_ack_timestamps(fd_.get());
        detail::tcp_sock::kernel_tcp_info info{};
        min_rtt_ = detail::tcp_sock::read_tcp_info(fd_.get(), info) ? static_cast<double>(info.min_rtt) * 1e-6 : 0.0;
        rtt_checked_ = detail::tcp_sock::mono_now();
    }

    void connect_failed(double t) {
        ++stats_.connect_failures;
        schedule_retry(t);
    }

    void schedule_retry(double t) {
        state_ = state::idle;
        retry_at_ = t + backoff_ * jitter_.uniform(0.75, 1.25);
        backoff_ = std::min(2.0 * backoff_, opt_.max_backoff);
    }

    /// Closes the connection: the transfer fails, every unanswered request fails, reconnect later.
    void drop(double t, drop_cause cause) {
        ++stats_.disconnects;
        switch (cause) {
            case drop_cause::peer: ++stats_.peer_closed; break;
            case drop_cause::protocol: ++stats_.protocol_errors; break;
            case drop_cause::stall: ++stats_.stalls; break;
            case drop_cause::answer_timeout: ++stats_.answer_timeouts; break;
        }
        fd_.reset();
        if (transfer_.active) {
            transfer_.active = false;
            ++stats_.failed_transfers;
            completed_ = transfer_report{static_cast<double>(transfer_.bytes), std::max(t - transfer_.t0, 0.0), false};
        }
        withdraw_announcement();
        for (const entry& e : table_) {
            push_result(remote_result{e.id, 0, 0.0, false});
            ++stats_.failed_requests;
        }
        table_.clear();
        out_.clear();
        out_at_ = 0;
        rx_len_ = 0;
        schedule_retry(t);
    }

    void withdraw_announcement() {
        if (announced_) {
            announced_ = false;
            remove(announce_.id);
        }
    }

    entry* find(std::uint64_t id) noexcept {
        for (entry& e : table_) {
            if (e.id == id) {
                return &e;
            }
        }
        return nullptr;
    }

    void remove(std::uint64_t id) noexcept {
        for (std::size_t i = 0; i < table_.size(); ++i) {
            if (table_[i].id == id) {
                table_[i] = table_.back();
                table_.pop_back();
                return;
            }
        }
    }

    void push_result(const remote_result& r) noexcept {
        // Capacity: submit() keeps table_.size() + ring_count_ <= ring_.size(), and every result
        // removes its table entry.
        ring_[(ring_head_ + ring_count_) % ring_.size()] = r;
        ++ring_count_;
    }

    /// Writes the rest of the frame; false if the connection was dropped.
    bool flush(double t) {
        for (int k = 0; k < 64 && out_at_ < out_.size(); ++k) {
            const long n = detail::tcp_sock::send_some(fd_.get(), out_.data() + out_at_, out_.size() - out_at_);
            if (n < 0) {
                drop(t, drop_cause::peer);
                return false;
            }
            if (n == 0) {
                break;
            }
            out_at_ += static_cast<std::size_t>(n);
            written_ += static_cast<std::uint64_t>(n);
            transfer_.last_progress = t;
        }
        if (out_at_ == out_.size() && transfer_.active && !transfer_.all_written) {
            out_.clear();
            out_at_ = 0;
            written_all(t);
        }
        return true;
    }

    void written_all(double t) {
        transfer_.all_written = true;
        transfer_.written_at = t;
        if (opt_.completion == tcp_completion::handed_to_kernel) {
            complete(std::max(t - transfer_.t0, 1e-9));
        }
    }

    void complete(double seconds) {
        transfer_.active = false;
        ++stats_.transfers;
        stats_.bytes_sent += static_cast<double>(transfer_.bytes);
        ok_seconds_ += seconds;
        backoff_ = opt_.backoff;
        completed_ = transfer_report{static_cast<double>(transfer_.bytes), seconds, true};
    }

    /// Completion and stall detection of the transfer in flight; false if the connection was dropped.
    bool check_transfer(double t) {
        const int fd = fd_.get();
        // The ACK-timestamp rule needs the send queue only for stall detection and as a fallback:
        // it reads it at most every 10 ms (one system call less per poll).
        const bool stamped = opt_.completion == tcp_completion::ack_timestamp && stamps_;
        long queued = -1;
        if (!stamped || t - transfer_.queue_checked >= 0.01) {
            queued = detail::tcp_sock::send_queue_bytes(fd);
            transfer_.queue_checked = t;
            if (queued != transfer_.last_queue) {
                transfer_.last_queue = queued;
                transfer_.last_progress = t;
            }
        }
        if (transfer_.all_written) {
            double end = -1.0;  // monotonic completion time
            switch (opt_.completion) {
                case tcp_completion::ack_timestamp: {
                    if (!stamps_) {
                        end = queued == 0 ? t : -1.0;
                        break;
                    }
                    // The queue length was read first: once it is 0, the ACK's timestamp is already
                    // in the error queue (the kernel queues it while processing that ACK).
                    const auto key = static_cast<std::uint32_t>((transfer_.end - 1) & 0xFFFFFFFFu);
                    const double stamp = detail::tcp_sock::drain_ack_timestamps(fd, key);
                    if (stamp > 0.0) {
                        end = transfer_.t0 + (stamp - transfer_.t0_real);
                        end = std::clamp(end, transfer_.t0, t);  // a realtime step cannot move it outside
                    } else if (queued == 0) {
                        ++stats_.timestamps_missing;  // dropped (error queue over the receive buffer)
                        end = t;
                    }
                    break;
                }
                case tcp_completion::send_queue: end = queued == 0 ? t : -1.0; break;
                case tcp_completion::tcp_info: {
                    detail::tcp_sock::kernel_tcp_info info{};
                    if (detail::tcp_sock::read_tcp_info(fd, info)) {
                        end = info.unacked == 0 && info.notsent_bytes == 0 ? t : -1.0;
                    } else {
                        end = queued == 0 ? t : -1.0;
                    }
                    break;
                }
                case tcp_completion::handed_to_kernel: break;  // completed in written_all()
            }
            if (end >= 0.0) {
                if (t - rtt_checked_ >= 0.1) {  // the minimum RTT only falls; refresh it now and then
                    rtt_checked_ = t;
                    detail::tcp_sock::kernel_tcp_info info{};
                    if (detail::tcp_sock::read_tcp_info(fd, info)) {
                        min_rtt_ = static_cast<double>(info.min_rtt) * 1e-6;
                    }
                }
                const double raw = end - transfer_.t0;
                complete(std::max(raw - min_rtt_, std::max(raw * 0.5, 1e-9)));
                return true;
            }
        }
        if (t - transfer_.last_progress > opt_.stall_timeout) {
            drop(t, drop_cause::stall);
            return false;
        }
        return true;
    }

    /// Reads and validates answers; false if the connection was dropped.
    bool read_answers(double t) {
        for (int k = 0; k < 64; ++k) {
            const long n = detail::tcp_sock::recv_some(fd_.get(), chunk_.data(), chunk_.size());
            if (n == -2) {
                return true;
            }
            if (n <= 0) {
                if (n == 0 && rx_len_ > 0) {
                    ++stats_.truncated_answers;
                }
                drop(t, drop_cause::peer);
                return false;
            }
            const auto got = static_cast<std::size_t>(n);
            for (std::size_t at = 0; at < got;) {
                const std::size_t take = std::min(tcp_message_size - rx_len_, got - at);
                std::copy_n(chunk_.begin() + static_cast<std::ptrdiff_t>(at), take,
                            rx_.begin() + static_cast<std::ptrdiff_t>(rx_len_));
                rx_len_ += take;
                at += take;
                if (rx_len_ == tcp_message_size) {
                    rx_len_ = 0;
                    if (!accept_answer(t)) {
                        drop(t, drop_cause::protocol);
                        return false;
                    }
                }
            }
            if (got < chunk_.size()) {
                return true;
            }
        }
        return true;
    }

    /// Validates one complete answer in rx_ and queues its result; false on a protocol error.
    bool accept_answer(double t) {
        tcp_answer a;
        const tcp_wire_error e = decode_tcp_answer(rx_, a);
        if (e != tcp_wire_error::none) {
            ++stats_.wire_errors[static_cast<std::size_t>(e)];
            return false;
        }
        entry* en = find(a.id);
        if (en == nullptr || std::isnan(en->sent)) {
            ++stats_.unknown_ids;
            return false;
        }
        if (a.status == tcp_status::ok && opt_.num_classes != 0 && a.label >= opt_.num_classes) {
            ++stats_.bad_labels;
            return false;
        }
        // Causality: the server cannot have held the request longer than it has existed.
        const double held = (static_cast<double>(a.queue_us) + static_cast<double>(a.compute_us)) * 1e-6;
        const double since = t - en->sent;
        if (held > since * 1.001 + 1e-3) {
            ++stats_.impossible_times;
            return false;
        }
        remove(a.id);
        ++stats_.answers;
        ++stats_.by_status[static_cast<std::size_t>(a.status)];
        stats_.server_queue_seconds += static_cast<double>(a.queue_us) * 1e-6;
        stats_.server_compute_seconds += static_cast<double>(a.compute_us) * 1e-6;
        const bool ok = a.status == tcp_status::ok;
        if (ok) {
            server_time_ = std::isnan(server_time_) ? held : 0.8 * server_time_ + 0.2 * held;
            backoff_ = opt_.backoff;
        }
        last_answer_ = a;
        push_result(remote_result{a.id, ok ? static_cast<std::size_t>(a.label) : 0, ok ? static_cast<double>(a.confidence) : 0.0, ok});
        return true;
    }

    void check_answer_timeouts(double t) {
        if (table_.empty()) {
            return;
        }
        const double now = opt_.clock();
        for (const entry& e : table_) {
            if (std::isnan(e.sent)) {
                continue;
            }
            const bool late = std::isfinite(e.deadline) ? now > e.deadline + opt_.answer_timeout
                                                        : t - e.sent > opt_.answer_timeout;
            if (late) {
                drop(t, drop_cause::answer_timeout);
                return;
            }
        }
    }

    tcp_client_options opt_;
    detail::tcp_sock::address addr_;
    detail::rng jitter_;
    detail::tcp_sock::unique_fd fd_;
    state state_ = state::idle;
    double connect_started_ = 0.0;
    double retry_at_ = 0.0;
    double backoff_ = 0.0;
    bool stamps_ = false;
    double min_rtt_ = 0.0;
    double rtt_checked_ = -1.0;
    double ok_seconds_ = 0.0;  // summed seconds of the completed transfers (bandwidth())
    double server_time_ = std::numeric_limits<double>::quiet_NaN();

    std::vector<entry> table_;            // requests announced or sent, not yet answered
    std::vector<remote_result> ring_;     // results not yet polled
    std::size_t ring_head_ = 0;
    std::size_t ring_count_ = 0;
    bool announced_ = false;
    announcement announce_;

    transfer transfer_;
    std::optional<transfer_report> completed_;
    std::array<std::byte, tcp_message_size> header_{};
    std::vector<std::byte> out_;          // the part of the frame the kernel has not taken yet
    std::size_t out_at_ = 0;
    std::uint64_t written_ = 0;           // bytes written on this connection (the ACK timestamps' key)

    std::array<std::byte, tcp_message_size> rx_{};
    std::size_t rx_len_ = 0;
    std::array<std::byte, 4096> chunk_{};
    std::optional<tcp_answer> last_answer_;
    tcp_client_stats stats_;
};

/**
 * @brief The uplink (transfer_link) of a tcp_client: bandwidth(), latency(), send(),
 *        poll_completed() of the shared client. Copies share the client.
 */
class tcp_link {
public:
    /// @throws offloadkit::invalid_argument if client is null.
    explicit tcp_link(std::shared_ptr<tcp_client> client) : c_(std::move(client)) {
        detail::require(c_ != nullptr, "tcp_link", "client is null");
    }
    [[nodiscard]] double bandwidth() const noexcept { return c_->bandwidth(); }
    [[nodiscard]] double latency() const noexcept { return c_->latency(); }
    bool send(std::span<const std::byte> bytes) { return c_->send(bytes); }
    std::optional<transfer_report> poll_completed() { return c_->poll_completed(); }
    [[nodiscard]] tcp_client& client() const noexcept { return *c_; }

private:
    std::shared_ptr<tcp_client> c_;
};

/**
 * @brief The server (remote_executor<tcp_remote, offload_request>) of a tcp_client: submit()
 *        and poll() of the shared client. Copies share the client.
 */
class tcp_remote {
public:
    /// @throws offloadkit::invalid_argument if client is null.
    explicit tcp_remote(std::shared_ptr<tcp_client> client) : c_(std::move(client)) {
        detail::require(c_ != nullptr, "tcp_remote", "client is null");
    }
    bool submit(std::uint64_t id, const offload_request& request) { return c_->submit(id, request); }
    std::optional<remote_result> poll() { return c_->poll(); }
    [[nodiscard]] tcp_client& client() const noexcept { return *c_; }

private:
    std::shared_ptr<tcp_client> c_;
};

/// A tcp_link and a tcp_remote on one new tcp_client.
struct tcp_backends {
    tcp_link link;
    tcp_remote remote;
};

/**
 * @brief Makes a tcp_client (which starts connecting) and its two handles, ready to move into
 *        make_cbo_pipeline:
 * @code
 * ok::steady_clock_source clk;
 * ok::tcp_client_options o;  o.port = 7000;  o.latency = model.network_latency;
 * o.clock = [clk] { return clk.now(); };
 * auto [link, remote] = ok::make_tcp_backends(o);
 * auto pipe = ok::make_cbo_pipeline<frame>(opt, platt, npu, enc, link, remote, est, clk);
 * @endcode
 * @throws offloadkit::invalid_argument as tcp_client's constructor.
 */
[[nodiscard]] inline tcp_backends make_tcp_backends(tcp_client_options options) {
    auto c = std::make_shared<tcp_client>(std::move(options));
    return tcp_backends{tcp_link(c), tcp_remote(c)};
}

static_assert(transfer_link<tcp_link>);
static_assert(remote_executor<tcp_remote, offload_request>);
static_assert(transfer_link<tcp_client> && remote_executor<tcp_client, offload_request>);

}  // namespace offloadkit

#endif  // OFFLOADKIT_BACKENDS_TCP_CLIENT_HPP
