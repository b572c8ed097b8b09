#ifndef OFFLOADKIT_BACKENDS_TCP_SPLIT_LINK_HPP
#define OFFLOADKIT_BACKENDS_TCP_SPLIT_LINK_HPP

/**
 * @file
 * @brief A link between two devices of an AMVP placement (AMVP §IV-B, Fig. 6 and eq. 7-8): the
 *        device running a CNN's part 1 sends split messages (runtime/split_path.hpp: features raw
 *        or quantized by ok::quantize in its wire format) to the device running part 2, whose
 *        tcp_server answers each (with the task's label, or as soon as it has taken the message
 *        over). One thread owns the tcp_client; split messages queue in front of it and are
 *        written as soon as the kernel has taken the previous one, while fewer than `window` are
 *        unanswered: the link is busy back to back as eq. 8 assumes (its period is D = f / b,
 *        not D plus the receiver's time), and the window bounds what the receiver holds.
 *
 * ### Why a window, not one message at a time
 * This link used to write the next message once the previous one's last byte was ACKed
 * (tcp_completion::ack_timestamp). That makes its period D plus the ACK's way back: the receiver
 * must wake, read the message and ACK it, and the sender must wake on the ACK's timestamp.
 * tcp_server ACKs at once after each read (TCP_QUICKACK); a receiver that does not holds the ACK
 * of a message's short last segment until its delayed-ACK timer fires (measured on loopback:
 * 8 unanswered 3000-byte messages went out 20 ms apart). With a window the link writes the next
 * message as soon as the kernel has taken the previous one (tcp_completion::handed_to_kernel;
 * client.completion is ignored) and the answers are credits: at most `window` messages are
 * written and unanswered (the same 8 with window 4: 4 written within 0.1 ms, then none until an
 * answer). Where the link is the slowest stage this is eq. 8's 1 / D (docs/amvp-run.md).

 * Every enqueued message ends exactly once in the result callback: answered (ok, label), or
 * failed — the part-2 device's answer said so, its connection dropped with the message
 * outstanding (tcp_client answers those ok == false), or the link has been down for `down_timeout`
 * (messages still queued fail, and so does every enqueue until it is back). The destructor fails
 * whatever is left. So no message is lost on the link: each is answered or reported failed (what
 * the receiver does with a message after answering it is the receiver's to account for).
 *
 * Threads: one per split_link_sender; enqueue() may be called from any thread; the callback runs
 * on the link's thread (keep it short, it must not call back into the sender). Linux (the TCP
 * backend is).
 */

#include <algorithm>
#include <ctime>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../../error.hpp"
#include "client.hpp"

namespace offloadkit {

/// One split message's fate.
struct split_link_result {
    std::uint64_t id = 0;    ///< the id given to enqueue()
    bool ok = false;         ///< answered by part 2
    std::size_t label = 0;   ///< part 2's label (when ok)
    double confidence = 0.0; ///< part 2's confidence (when ok)
};

/// Settings of a split_link_sender.
struct split_link_options {
    tcp_client_options client;    ///< the part-2 server's address; `clock` may be left empty
    std::size_t max_queue = 1u << 16;  ///< messages waiting for the link; more are refused (failed)
    std::size_t window = 4;       ///< messages written and not yet answered, at most (1: stop-and-wait; <= client.max_outstanding)
    double down_timeout = 0.5;    ///< a link not connected this long fails its queue and new messages (s)
};

/**
 * @brief The sending side of a device-to-device link (file comment).
 * @code
 * ok::split_link_options o;  o.client.port = part2_port;
 * ok::split_link_sender link(o, [&](const ok::split_link_result& r) { report(task, r); });
 * link.enqueue(frame_id, message);   // a split message (split_path.hpp format)
 * @endcode
 */
class split_link_sender {
public:
    using callback = std::function<void(const split_link_result&)>;

    /// @throws offloadkit::invalid_argument for bad client options, an empty callback,
    ///         max_queue 0, window outside 1..client.max_outstanding or down_timeout not > 0.
    split_link_sender(split_link_options options, callback on_result)
        : opt_(std::move(options)), cb_(std::move(on_result)) {
        constexpr std::string_view fn = "split_link_sender";
        detail::require(static_cast<bool>(cb_), fn, "on_result is empty");
        detail::require(opt_.max_queue >= 1, fn, "options.max_queue is 0, expected >= 1");
        detail::require(opt_.window >= 1 && opt_.window <= opt_.client.max_outstanding, fn, "options.window is ",
                        opt_.window, ", expected 1..", opt_.client.max_outstanding, " (options.client.max_outstanding)");
        detail::require_positive(opt_.down_timeout, fn, "options.down_timeout");
        opt_.client.completion = tcp_completion::handed_to_kernel;  // the window is the flow control
        if (!opt_.client.clock) {
            opt_.client.clock = [] { return detail::tcp_sock::mono_now(); };
        }
        opt_.client.max_frame_bytes = std::max<std::uint32_t>(opt_.client.max_frame_bytes, 1);
        client_ = std::make_unique<tcp_client>(opt_.client);
        wake_ = detail::tcp_sock::unique_fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
        if (!wake_) {
            detail::tcp_sock::throw_errno("split_link_sender: eventfd");
        }
        down_since_ = detail::tcp_sock::mono_now();
        thread_ = std::thread([this] { loop(); });
    }
    split_link_sender(const split_link_sender&) = delete;
    split_link_sender& operator=(const split_link_sender&) = delete;
    ~split_link_sender() {
        {
            const std::lock_guard<std::mutex> lock(mu_);
            stop_ = true;
        }
        wake();
        thread_.join();
    }

    /**
     * @brief Queues one split message (copied) with request id `id`.
     * @return false when refused: the queue is full or the link has been down for down_timeout;
     *         the caller then counts the frame failed (the callback is not called for it).
     */
    bool enqueue(std::uint64_t id, std::span<const std::byte> message) {
        {
            const std::lock_guard<std::mutex> lock(mu_);
            if (queue_.size() >= opt_.max_queue || down_) {
                ++refused_;
                return false;
            }
            queue_.push_back(item{id, std::vector<std::byte>(message.begin(), message.end())});
        }
        wake();
        return true;
    }

    /// Messages written and not yet answered (<= window), now.
    [[nodiscard]] std::size_t in_flight() const { const std::lock_guard<std::mutex> l(mu_); return in_flight_; }
    /// The most messages that were written and unanswered at once, so far.
    [[nodiscard]] std::size_t max_in_flight() const { const std::lock_guard<std::mutex> l(mu_); return max_in_flight_; }
    /// Messages answered ok / failed (through the callback) / refused by enqueue(), so far.
    [[nodiscard]] std::uint64_t answered() const { const std::lock_guard<std::mutex> l(mu_); return answered_; }
    [[nodiscard]] std::uint64_t failed() const { const std::lock_guard<std::mutex> l(mu_); return failed_; }
    [[nodiscard]] std::uint64_t refused() const { const std::lock_guard<std::mutex> l(mu_); return refused_; }
    /// Bytes of split messages handed to the kernel.
    [[nodiscard]] double bytes_sent() const { const std::lock_guard<std::mutex> l(mu_); return bytes_; }

private:
    struct item {
        std::uint64_t id = 0;
        std::vector<std::byte> bytes;
    };

    void wake() noexcept {
        const std::uint64_t one = 1;
        (void)!::write(wake_.get(), &one, sizeof one);
    }

    void deliver(const split_link_result& r) {
        {
            const std::lock_guard<std::mutex> lock(mu_);
            (r.ok ? answered_ : failed_) += 1;
        }
        cb_(r);
    }

    void fail_queue() {
        std::deque<item> q;
        {
            const std::lock_guard<std::mutex> lock(mu_);
            q.swap(queue_);
        }
        for (const auto& it : q) {
            deliver(split_link_result{it.id, false, 0, 0.0});
        }
    }

    void loop() {
        tcp_client& c = *client_;
        std::vector<std::uint64_t> outstanding;  // ids written and not yet answered (<= window)
        const auto note_in_flight = [&] {
            const std::lock_guard<std::mutex> lock(mu_);
            in_flight_ = outstanding.size();
            max_in_flight_ = std::max(max_in_flight_, in_flight_);
        };
        const auto take_completed = [&] {  // the kernel took a whole message: count its bytes
            if (auto t = c.poll_completed()) {
                if (t->ok) {
                    const std::lock_guard<std::mutex> lock(mu_);
                    bytes_ += t->bytes;
                }
            }
        };
        for (;;) {
            bool stop = false;
            {
                const std::lock_guard<std::mutex> lock(mu_);
                stop = stop_;
            }
            if (stop) {
                break;
            }
            const double now = detail::tcp_sock::mono_now();
            // write while the window has room and the kernel took the previous message
            for (;;) {
                item cur;
                {
                    const std::lock_guard<std::mutex> lock(mu_);
                    if (queue_.empty() || !c.connected() || c.busy() || outstanding.size() >= opt_.window ||
                        c.outstanding() >= opt_.client.max_outstanding) {
                        break;
                    }
                    cur = std::move(queue_.front());
                    queue_.pop_front();
                }
                offload_request req;
                req.wire = cur.bytes;
                req.arrival = now;
                req.deadline = std::numeric_limits<double>::infinity();
                if (c.submit(cur.id, req) && c.send(cur.bytes)) {
                    outstanding.push_back(cur.id);
                    note_in_flight();
                } else {
                    deliver(split_link_result{cur.id, false, 0, 0.0});
                }
                take_completed();
            }
            take_completed();
            bool answered = false;
            while (auto r = c.poll()) {
                const auto it = std::find(outstanding.begin(), outstanding.end(), r->id);
                if (it != outstanding.end()) {
                    outstanding.erase(it);
                }
                answered = true;
                deliver(split_link_result{r->id, r->ok, r->label, r->confidence});
            }
            if (answered) {
                note_in_flight();
            }
            if (c.connected()) {
                down_since_ = now;
                const std::lock_guard<std::mutex> lock(mu_);
                down_ = false;
            } else if (now - down_since_ > opt_.down_timeout) {
                {
                    const std::lock_guard<std::mutex> lock(mu_);
                    down_ = true;
                }
                fail_queue();
            }
            bool more = false;  // room in the window for a queued message: do not sleep
            {
                const std::lock_guard<std::mutex> lock(mu_);
                more = !queue_.empty() && c.connected() && !c.busy() && outstanding.size() < opt_.window;
            }
            pollfd p[2] = {{c.fd(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
            // answers and the wake-up end the wait; the 0.2 ms time-out while the kernel has not
            // taken a whole message (or while connecting) pushes the rest of it
            const long wait_ns = more ? 0L : c.busy() || !c.connected() ? 200000L : 20000000L;
            timespec ts{0, wait_ns};
            if (::ppoll(p, 2, &ts, nullptr) > 0 && (p[1].revents & POLLIN) != 0) {
                std::uint64_t n = 0;
                (void)!::read(wake_.get(), &n, sizeof n);
            }
        }
        // at the end: everything not answered fails, exactly once
        fail_queue();
        for (const auto id : outstanding) {
            deliver(split_link_result{id, false, 0, 0.0});
        }
    }

    split_link_options opt_;
    callback cb_;
    std::unique_ptr<tcp_client> client_;
    detail::tcp_sock::unique_fd wake_;
    mutable std::mutex mu_;
    std::deque<item> queue_;
    bool stop_ = false, down_ = false;
    std::size_t in_flight_ = 0, max_in_flight_ = 0;
    double down_since_ = 0.0;
    std::uint64_t answered_ = 0, failed_ = 0, refused_ = 0;
    double bytes_ = 0.0;
    std::thread thread_;
};

}  // namespace offloadkit

#endif  // OFFLOADKIT_BACKENDS_TCP_SPLIT_LINK_HPP
